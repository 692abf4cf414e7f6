//! SSE2 masking, 16 bytes per instruction (x86_64 baseline: always available there).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_set1_epi32, _mm_storeu_si128, _mm_xor_si128};

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let mut chunks = buf.chunks_exact_mut(16);
    // SAFETY: SSE2 is enabled for every x86_64 target (this module is compiled only
    // when `target_feature = "sse2"`). Each pointer comes from a 16-byte chunk of
    // `buf`, so the unaligned 16-byte load and store stay in bounds.
    unsafe {
        let mask: __m128i = _mm_set1_epi32(i32::from_ne_bytes(key));
        for c in &mut chunks {
            let p = c.as_mut_ptr().cast::<__m128i>();
            _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), mask));
        }
    }
    // Whole 16-byte chunks keep the key phase.
    super::swar::apply_mask_short(chunks.into_remainder(), key);
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let mut d = dst.chunks_exact_mut(16);
    let mut s = src.chunks_exact(16);
    // SAFETY: as in `apply_mask`; each pointer comes from a 16-byte chunk of its slice.
    unsafe {
        let mask: __m128i = _mm_set1_epi32(i32::from_ne_bytes(key));
        for (d16, s16) in (&mut d).zip(&mut s) {
            let v = _mm_loadu_si128(s16.as_ptr().cast::<__m128i>());
            _mm_storeu_si128(d16.as_mut_ptr().cast::<__m128i>(), _mm_xor_si128(v, mask));
        }
    }
    super::swar::copy_masked(d.into_remainder(), s.remainder(), key);
}

/// Mask `buf` in place and return whether every masked byte is ASCII.
// Used by the runtime dispatch (`std`) and the tests; a no_std x86_64 build
// without AVX2 masks, then checks ASCII separately.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
#[inline]
pub fn apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    apply_mask(buf, key);
    buf.is_ascii()
}
