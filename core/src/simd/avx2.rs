//! AVX2 masking, 32 bytes per instruction (x86_64, detected at run time with `std`,
//! or enabled at compile time with `-C target-feature=+avx2`).
//!
//! Branch-light for every length: no byte loop. A buffer of 32 bytes or more is
//! masked in whole 32-byte vectors and its last 32 bytes once more as one vector that
//! overlaps the previous ones; for the in-place form that tail vector is loaded
//! before anything is stored, so no byte is XORed twice. Shorter buffers use the same
//! trick with 16-, 8- and 4-byte pieces.

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{
    __m128i, __m256i, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi32,
    _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi32, _mm_storeu_si128, _mm_xor_si128,
};

use super::swar::rotate_key_u32;

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    // SAFETY: the caller guarantees AVX2.
    unsafe { mask_in_place::<false>(buf, key) };
}

/// Mask `buf` in place and return whether every masked byte is ASCII.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    // SAFETY: the caller guarantees AVX2.
    unsafe { mask_in_place::<true>(buf, key) }
}

/// Whether every byte of `buf` is ASCII.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn is_ascii(buf: &[u8]) -> bool {
    let len = buf.len();
    if len < 32 {
        return buf.is_ascii();
    }
    let p = buf.as_ptr();
    // SAFETY: every 32-byte load starts below `len & !31` at a multiple of 32, or at
    // `len - 32`, so it stays inside `buf`; unaligned loads need no alignment.
    unsafe {
        let mut acc = _mm256_loadu_si256(p.add(len - 32).cast::<__m256i>());
        let end128 = p.add(len & !127).cast::<__m256i>();
        let end32 = p.add(len & !31).cast::<__m256i>();
        let mut q = p.cast::<__m256i>();
        while q < end128 {
            let v0 = _mm256_loadu_si256(q);
            let v1 = _mm256_loadu_si256(q.add(1));
            let v2 = _mm256_loadu_si256(q.add(2));
            let v3 = _mm256_loadu_si256(q.add(3));
            acc = _mm256_or_si256(acc, _mm256_or_si256(_mm256_or_si256(v0, v1), _mm256_or_si256(v2, v3)));
            q = q.add(4);
        }
        while q < end32 {
            acc = _mm256_or_si256(acc, _mm256_loadu_si256(q));
            q = q.add(1);
        }
        _mm256_movemask_epi8(acc) == 0
    }
}

/// The in-place loop; `ASCII` adds an OR of the results (one instruction a vector).
#[inline(always)]
unsafe fn mask_in_place<const ASCII: bool>(buf: &mut [u8], key: [u8; 4]) -> bool {
    let len = buf.len();
    let p = buf.as_mut_ptr();
    let k = u32::from_ne_bytes(key);
    if len < 32 {
        // SAFETY: forwarded from the caller (AVX2 implies SSE2).
        return unsafe { mask_short::<ASCII>(p, len, k) };
    }
    // SAFETY: the caller guarantees AVX2. Every 32-byte access starts at a multiple
    // of 32 below `len & !31`, or at `len - 32` (`len >= 32` here), so all of them
    // stay inside `buf`; unaligned accesses need no alignment.
    unsafe {
        let mask: __m256i = _mm256_set1_epi32(k as i32);
        // The last 32 bytes, loaded before any store: they may overlap the vectors
        // below, which must not see them masked. Their key phase is `(len - 32) % 4`.
        let tail_p = p.add(len - 32).cast::<__m256i>();
        let tail = _mm256_xor_si256(_mm256_loadu_si256(tail_p), _mm256_set1_epi32(rotate_key_u32(k, len) as i32));
        let mut acc = if ASCII { tail } else { _mm256_setzero_si256() };
        // Pointer loops (one add and one compare an iteration); `end128` and `end32`
        // are the ends of the whole 128- and 32-byte blocks.
        let end128 = p.add(len & !127).cast::<__m256i>();
        let end32 = p.add(len & !31).cast::<__m256i>();
        let mut q = p.cast::<__m256i>();
        // Four independent vectors per iteration keep both load ports busy.
        while q < end128 {
            let v0 = _mm256_xor_si256(_mm256_loadu_si256(q), mask);
            let v1 = _mm256_xor_si256(_mm256_loadu_si256(q.add(1)), mask);
            let v2 = _mm256_xor_si256(_mm256_loadu_si256(q.add(2)), mask);
            let v3 = _mm256_xor_si256(_mm256_loadu_si256(q.add(3)), mask);
            _mm256_storeu_si256(q, v0);
            _mm256_storeu_si256(q.add(1), v1);
            _mm256_storeu_si256(q.add(2), v2);
            _mm256_storeu_si256(q.add(3), v3);
            if ASCII {
                acc = _mm256_or_si256(acc, _mm256_or_si256(_mm256_or_si256(v0, v1), _mm256_or_si256(v2, v3)));
            }
            q = q.add(4);
        }
        while q < end32 {
            let v = _mm256_xor_si256(_mm256_loadu_si256(q), mask);
            _mm256_storeu_si256(q, v);
            if ASCII {
                acc = _mm256_or_si256(acc, v);
            }
            q = q.add(1);
        }
        _mm256_storeu_si256(tail_p, tail);
        !ASCII || _mm256_movemask_epi8(acc) == 0
    }
}

/// Fewer than 32 bytes: two overlapping pieces of 16, 8 or 4 bytes (both loaded
/// before either is stored), or single bytes below 4.
#[inline(always)]
unsafe fn mask_short<const ASCII: bool>(p: *mut u8, len: usize, k: u32) -> bool {
    // SAFETY (all blocks): the caller guarantees `p..p + len` is valid and SSE2 is
    // there. Each piece starts at 0 or at `len - width` with `width <= len`.
    if len >= 16 {
        unsafe {
            let (a, b) = (p.cast::<__m128i>(), p.add(len - 16).cast::<__m128i>());
            let va = _mm_xor_si128(_mm_loadu_si128(a), _mm_set1_epi32(k as i32));
            let vb = _mm_xor_si128(_mm_loadu_si128(b), _mm_set1_epi32(rotate_key_u32(k, len) as i32));
            _mm_storeu_si128(a, va);
            _mm_storeu_si128(b, vb);
            return !ASCII || _mm_movemask_epi8(_mm_or_si128(va, vb)) == 0;
        }
    }
    let kw = u64::from(k) | u64::from(k) << 32;
    let acc = if len >= 8 {
        unsafe {
            let (a, b) = (p.cast::<u64>(), p.add(len - 8).cast::<u64>());
            let kb = u64::from(rotate_key_u32(k, len));
            let va = a.read_unaligned() ^ kw;
            let vb = b.read_unaligned() ^ (kb | kb << 32);
            a.write_unaligned(va);
            b.write_unaligned(vb);
            va | vb
        }
    } else if len >= 4 {
        unsafe {
            let (a, b) = (p.cast::<u32>(), p.add(len - 4).cast::<u32>());
            let va = a.read_unaligned() ^ k;
            let vb = b.read_unaligned() ^ rotate_key_u32(k, len);
            a.write_unaligned(va);
            b.write_unaligned(vb);
            u64::from(va | vb)
        }
    } else {
        let mut acc = 0u64;
        let kb = k.to_ne_bytes();
        for (i, &kb) in kb.iter().enumerate().take(len) {
            unsafe {
                let b = *p.add(i) ^ kb;
                *p.add(i) = b;
                acc |= u64::from(b);
            }
        }
        acc
    };
    !ASCII || acc & 0x8080_8080_8080_8080 == 0
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
///
/// # Safety
/// The CPU must support AVX2, and `dst.len() == src.len()`.
#[target_feature(enable = "avx2")]
pub unsafe fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    debug_assert_eq!(dst.len(), src.len());
    let len = src.len().min(dst.len());
    let (d, s) = (dst.as_mut_ptr(), src.as_ptr());
    let k = u32::from_ne_bytes(key);
    if len < 32 {
        // SAFETY: as below; the short pieces start at 0 or `len - width`.
        unsafe { copy_short(d, s, len, k) };
        return;
    }
    // SAFETY: the caller guarantees AVX2; `dst` and `src` are distinct slices of
    // `len >= 32` bytes; every 32-byte access starts at `i` with `i + 32 <= len`, or
    // at `len - 32`. The overlapping tail store rewrites bytes with the same values
    // (the source is not modified).
    unsafe {
        let mask: __m256i = _mm256_set1_epi32(k as i32);
        let mut i = 0;
        while i + 128 <= len {
            let (q, r) = (s.add(i).cast::<__m256i>(), d.add(i).cast::<__m256i>());
            let v0 = _mm256_loadu_si256(q);
            let v1 = _mm256_loadu_si256(q.add(1));
            let v2 = _mm256_loadu_si256(q.add(2));
            let v3 = _mm256_loadu_si256(q.add(3));
            _mm256_storeu_si256(r, _mm256_xor_si256(v0, mask));
            _mm256_storeu_si256(r.add(1), _mm256_xor_si256(v1, mask));
            _mm256_storeu_si256(r.add(2), _mm256_xor_si256(v2, mask));
            _mm256_storeu_si256(r.add(3), _mm256_xor_si256(v3, mask));
            i += 128;
        }
        while i + 32 <= len {
            let v = _mm256_loadu_si256(s.add(i).cast::<__m256i>());
            _mm256_storeu_si256(d.add(i).cast::<__m256i>(), _mm256_xor_si256(v, mask));
            i += 32;
        }
        let tail = _mm256_loadu_si256(s.add(len - 32).cast::<__m256i>());
        let tail_mask = _mm256_set1_epi32(rotate_key_u32(k, len) as i32);
        _mm256_storeu_si256(d.add(len - 32).cast::<__m256i>(), _mm256_xor_si256(tail, tail_mask));
    }
}

/// Copy fewer than 32 bytes masked, in two overlapping pieces (or bytes below 4).
#[inline(always)]
unsafe fn copy_short(d: *mut u8, s: *const u8, len: usize, k: u32) {
    // SAFETY (all blocks): the caller guarantees both ranges of `len` bytes are valid
    // and distinct; each piece starts at 0 or at `len - width` with `width <= len`.
    if len >= 16 {
        unsafe {
            let va = _mm_xor_si128(_mm_loadu_si128(s.cast::<__m128i>()), _mm_set1_epi32(k as i32));
            let vb = _mm_xor_si128(
                _mm_loadu_si128(s.add(len - 16).cast::<__m128i>()),
                _mm_set1_epi32(rotate_key_u32(k, len) as i32),
            );
            _mm_storeu_si128(d.cast::<__m128i>(), va);
            _mm_storeu_si128(d.add(len - 16).cast::<__m128i>(), vb);
        }
    } else if len >= 8 {
        let kw = u64::from(k) | u64::from(k) << 32;
        let kb = u64::from(rotate_key_u32(k, len));
        unsafe {
            let va = s.cast::<u64>().read_unaligned() ^ kw;
            let vb = s.add(len - 8).cast::<u64>().read_unaligned() ^ (kb | kb << 32);
            d.cast::<u64>().write_unaligned(va);
            d.add(len - 8).cast::<u64>().write_unaligned(vb);
        }
    } else if len >= 4 {
        unsafe {
            let va = s.cast::<u32>().read_unaligned() ^ k;
            let vb = s.add(len - 4).cast::<u32>().read_unaligned() ^ rotate_key_u32(k, len);
            d.cast::<u32>().write_unaligned(va);
            d.add(len - 4).cast::<u32>().write_unaligned(vb);
        }
    } else {
        for (i, kb) in k.to_ne_bytes().into_iter().enumerate().take(len) {
            unsafe { *d.add(i) = *s.add(i) ^ kb };
        }
    }
}
