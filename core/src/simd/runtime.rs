//! Run-time choice between AVX-512F, AVX2 and SSE2 (feature `std`, x86_64): detected
//! once, cached in an atomic, then one relaxed load per call.

use core::sync::atomic::{AtomicU8, Ordering};

use super::{avx2, avx512, sse2};

const UNKNOWN: u8 = 0;
const AVX2: u8 = 1;
const SSE2: u8 = 2;
const AVX512: u8 = 3;

/// Below this length the 64-byte registers gain nothing over AVX2.
const AVX512_MIN_LEN: usize = 1024;
const _: () = assert!(AVX512_MIN_LEN >= avx512::MIN_LEN);

static FEATURE: AtomicU8 = AtomicU8::new(UNKNOWN);

#[cold]
#[inline(never)]
fn detect() {
    let f = if std::is_x86_feature_detected!("avx512f") {
        AVX512
    } else if std::is_x86_feature_detected!("avx2") {
        AVX2
    } else {
        SSE2
    };
    // A race only stores the same value twice.
    FEATURE.store(f, Ordering::Relaxed);
}

// Every arm of the dispatchers below is a tail call, so they inline into their
// callers without making them save registers; the first call of each goes through
// `detect` once.

#[inline(always)]
fn feature() -> u8 {
    FEATURE.load(Ordering::Relaxed)
}

// The SSE2 fallbacks stay out of line: inlined, they would make every caller save
// registers for a path this machine may never take.
#[inline(never)]
fn sse2_apply_mask(buf: &mut [u8], key: [u8; 4]) {
    sse2::apply_mask(buf, key)
}
#[inline(never)]
fn sse2_apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    sse2::apply_mask_ascii(buf, key)
}
#[inline(never)]
fn sse2_copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    sse2::copy_masked(dst, src, key)
}
#[inline(never)]
fn sse2_is_ascii(buf: &[u8]) -> bool {
    buf.is_ascii()
}

#[cold]
#[inline(never)]
fn detect_then_apply_mask(buf: &mut [u8], key: [u8; 4]) {
    detect();
    apply_mask(buf, key)
}
#[cold]
#[inline(never)]
fn detect_then_apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    detect();
    apply_mask_ascii(buf, key)
}
#[cold]
#[inline(never)]
fn detect_then_is_ascii(buf: &[u8]) -> bool {
    detect();
    is_ascii(buf)
}
#[cold]
#[inline(never)]
fn detect_then_copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    detect();
    copy_masked(dst, src, key)
}

/// Mask `buf` in place with the best detected instruction set.
#[inline(always)]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    match feature() {
        // SAFETY: AVX-512F support was detected on this CPU; the length is checked.
        AVX512 if buf.len() >= AVX512_MIN_LEN => unsafe { avx512::apply_mask(buf, key) },
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU.
        AVX2 | AVX512 => unsafe { avx2::apply_mask(buf, key) },
        SSE2 => sse2_apply_mask(buf, key),
        _ => detect_then_apply_mask(buf, key),
    }
}

/// Mask `buf` in place and say whether the result is all ASCII, in one pass.
#[inline(always)]
pub fn apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    match feature() {
        // SAFETY: AVX-512F support was detected on this CPU; the length is checked.
        AVX512 if buf.len() >= AVX512_MIN_LEN => unsafe { avx512::apply_mask_ascii(buf, key) },
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU.
        AVX2 | AVX512 => unsafe { avx2::apply_mask_ascii(buf, key) },
        SSE2 => sse2_apply_mask_ascii(buf, key),
        _ => detect_then_apply_mask_ascii(buf, key),
    }
}

/// Whether `buf` is all ASCII.
#[inline(always)]
pub fn is_ascii(buf: &[u8]) -> bool {
    match feature() {
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU.
        AVX2 | AVX512 => unsafe { avx2::is_ascii(buf) },
        SSE2 => sse2_is_ascii(buf),
        _ => detect_then_is_ascii(buf),
    }
}

/// Copy `src` into `dst` masked with the best detected instruction set.
#[inline(always)]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    match feature() {
        // SAFETY: AVX-512F support was detected on this CPU; lengths are checked by
        // the caller (equal) and here (long enough).
        AVX512 if src.len() >= AVX512_MIN_LEN => unsafe { avx512::copy_masked(dst, src, key) },
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU;
        // the caller checked the lengths are equal.
        AVX2 | AVX512 => unsafe { avx2::copy_masked(dst, src, key) },
        SSE2 => sse2_copy_masked(dst, src, key),
        _ => detect_then_copy_masked(dst, src, key),
    }
}
