//! AVX2 masking, 32 bytes per instruction (x86_64, detected at run time with `std`,
//! or enabled at compile time with `-C target-feature=+avx2`).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_set1_epi32, _mm256_storeu_si256, _mm256_xor_si256};

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let mut blocks = buf.chunks_exact_mut(128);
    // SAFETY: the caller guarantees AVX2. Each pointer comes from a 128-byte block or
    // a 32-byte chunk of `buf`, so every unaligned 32-byte load and store stays in
    // bounds.
    let mask: __m256i = unsafe { _mm256_set1_epi32(i32::from_ne_bytes(key)) };
    // Four independent vectors per iteration keep both store ports busy.
    for b in &mut blocks {
        let p = b.as_mut_ptr().cast::<__m256i>();
        unsafe {
            let (v0, v1, v2, v3) = (
                _mm256_loadu_si256(p),
                _mm256_loadu_si256(p.add(1)),
                _mm256_loadu_si256(p.add(2)),
                _mm256_loadu_si256(p.add(3)),
            );
            _mm256_storeu_si256(p, _mm256_xor_si256(v0, mask));
            _mm256_storeu_si256(p.add(1), _mm256_xor_si256(v1, mask));
            _mm256_storeu_si256(p.add(2), _mm256_xor_si256(v2, mask));
            _mm256_storeu_si256(p.add(3), _mm256_xor_si256(v3, mask));
        }
    }
    let mut chunks = blocks.into_remainder().chunks_exact_mut(32);
    for c in &mut chunks {
        let p = c.as_mut_ptr().cast::<__m256i>();
        unsafe { _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), mask)) };
    }
    // Whole 32-byte chunks keep the key phase; the rest (< 32 bytes) goes 16 then 8
    // at a time.
    super::sse2::apply_mask(chunks.into_remainder(), key);
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let mut db = dst.chunks_exact_mut(128);
    let mut sb = src.chunks_exact(128);
    // SAFETY: as in `apply_mask`; each pointer comes from a 128-byte block or a
    // 32-byte chunk of its slice.
    let mask: __m256i = unsafe { _mm256_set1_epi32(i32::from_ne_bytes(key)) };
    for (d128, s128) in (&mut db).zip(&mut sb) {
        let (d, s) = (d128.as_mut_ptr().cast::<__m256i>(), s128.as_ptr().cast::<__m256i>());
        unsafe {
            let (v0, v1, v2, v3) = (
                _mm256_loadu_si256(s),
                _mm256_loadu_si256(s.add(1)),
                _mm256_loadu_si256(s.add(2)),
                _mm256_loadu_si256(s.add(3)),
            );
            _mm256_storeu_si256(d, _mm256_xor_si256(v0, mask));
            _mm256_storeu_si256(d.add(1), _mm256_xor_si256(v1, mask));
            _mm256_storeu_si256(d.add(2), _mm256_xor_si256(v2, mask));
            _mm256_storeu_si256(d.add(3), _mm256_xor_si256(v3, mask));
        }
    }
    let mut d = db.into_remainder().chunks_exact_mut(32);
    let mut s = sb.remainder().chunks_exact(32);
    for (d32, s32) in (&mut d).zip(&mut s) {
        unsafe {
            let v = _mm256_loadu_si256(s32.as_ptr().cast::<__m256i>());
            _mm256_storeu_si256(d32.as_mut_ptr().cast::<__m256i>(), _mm256_xor_si256(v, mask));
        }
    }
    super::sse2::copy_masked(d.into_remainder(), s.remainder(), key);
}
