//! NEON masking, 16 bytes per instruction (aarch64 baseline).

use core::arch::aarch64::{uint8x16_t, veorq_u8, vld1q_u8, vst1q_u8};

/// The key repeated four times, in memory order (so no lane-order or endianness
/// question arises when it is loaded like the payload).
#[inline(always)]
fn mask_bytes(key: [u8; 4]) -> [u8; 16] {
    let mut m = [0u8; 16];
    for (i, b) in m.iter_mut().enumerate() {
        *b = key[i & 3];
    }
    m
}

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let mut chunks = buf.chunks_exact_mut(16);
    // SAFETY: NEON is enabled for every aarch64 target (this module is compiled only
    // when `target_feature = "neon"`). The mask load reads the 16-byte array it is
    // given; every other pointer comes from a 16-byte chunk of `buf`, so each 16-byte
    // load and store (no alignment needed) stays in bounds.
    unsafe {
        let mask: uint8x16_t = vld1q_u8(mask_bytes(key).as_ptr());
        for c in &mut chunks {
            let p = c.as_mut_ptr();
            vst1q_u8(p, veorq_u8(vld1q_u8(p), mask));
        }
    }
    super::swar::apply_mask_short(chunks.into_remainder(), key);
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let mut d = dst.chunks_exact_mut(16);
    let mut s = src.chunks_exact(16);
    // SAFETY: as in `apply_mask`; each pointer comes from a 16-byte chunk of its slice.
    unsafe {
        let mask: uint8x16_t = vld1q_u8(mask_bytes(key).as_ptr());
        for (d16, s16) in (&mut d).zip(&mut s) {
            vst1q_u8(d16.as_mut_ptr(), veorq_u8(vld1q_u8(s16.as_ptr()), mask));
        }
    }
    super::swar::copy_masked(d.into_remainder(), s.remainder(), key);
}
