//! AVX-512F masking, 64 bytes per instruction (x86_64, detected at run time with
//! `std`). Used for long buffers only: short ones gain nothing from the wider registers.

use core::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_storeu_si512, _mm512_xor_si512};

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let mask: __m512i = _mm512_set1_epi32(i32::from_ne_bytes(key));
    let mut blocks = buf.chunks_exact_mut(256);
    for b in &mut blocks {
        let p = b.as_mut_ptr().cast::<__m512i>();
        // SAFETY: the caller guarantees AVX-512F; `p` points at a 256-byte block of
        // `buf`, so the four unaligned 64-byte loads and stores stay in bounds.
        unsafe {
            let (v0, v1, v2, v3) = (
                _mm512_loadu_si512(p),
                _mm512_loadu_si512(p.add(1)),
                _mm512_loadu_si512(p.add(2)),
                _mm512_loadu_si512(p.add(3)),
            );
            _mm512_storeu_si512(p, _mm512_xor_si512(v0, mask));
            _mm512_storeu_si512(p.add(1), _mm512_xor_si512(v1, mask));
            _mm512_storeu_si512(p.add(2), _mm512_xor_si512(v2, mask));
            _mm512_storeu_si512(p.add(3), _mm512_xor_si512(v3, mask));
        }
    }
    // Whole 256-byte blocks keep the key phase; AVX2 (implied by AVX-512F) does the rest.
    // SAFETY: AVX-512F implies AVX2.
    unsafe { super::avx2::apply_mask(blocks.into_remainder(), key) }
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let mask: __m512i = _mm512_set1_epi32(i32::from_ne_bytes(key));
    let mut db = dst.chunks_exact_mut(256);
    let mut sb = src.chunks_exact(256);
    for (d256, s256) in (&mut db).zip(&mut sb) {
        let (d, s) = (d256.as_mut_ptr().cast::<__m512i>(), s256.as_ptr().cast::<__m512i>());
        // SAFETY: as in `apply_mask`; both pointers come from 256-byte blocks.
        unsafe {
            let (v0, v1, v2, v3) = (
                _mm512_loadu_si512(s),
                _mm512_loadu_si512(s.add(1)),
                _mm512_loadu_si512(s.add(2)),
                _mm512_loadu_si512(s.add(3)),
            );
            _mm512_storeu_si512(d, _mm512_xor_si512(v0, mask));
            _mm512_storeu_si512(d.add(1), _mm512_xor_si512(v1, mask));
            _mm512_storeu_si512(d.add(2), _mm512_xor_si512(v2, mask));
            _mm512_storeu_si512(d.add(3), _mm512_xor_si512(v3, mask));
        }
    }
    // SAFETY: AVX-512F implies AVX2.
    unsafe { super::avx2::copy_masked(db.into_remainder(), sb.remainder(), key) }
}
