//! Run-time choice between AVX2 and SSE2 (feature `std`, x86_64): detected once,
//! cached in an atomic, then one relaxed load per call.

use core::sync::atomic::{AtomicU8, Ordering};

use super::{avx2, avx512, sse2};

const UNKNOWN: u8 = 0;
const AVX2: u8 = 1;
const SSE2: u8 = 2;
const AVX512: u8 = 3;

/// Below this length the 64-byte registers gain nothing over AVX2.
const AVX512_MIN_LEN: usize = 1024;

static FEATURE: AtomicU8 = AtomicU8::new(UNKNOWN);

#[cold]
fn detect() -> u8 {
    let f = if std::is_x86_feature_detected!("avx512f") {
        AVX512
    } else if std::is_x86_feature_detected!("avx2") {
        AVX2
    } else {
        SSE2
    };
    // A race only stores the same value twice.
    FEATURE.store(f, Ordering::Relaxed);
    f
}

#[inline(always)]
fn feature() -> u8 {
    match FEATURE.load(Ordering::Relaxed) {
        UNKNOWN => detect(),
        f => f,
    }
}

/// Mask `buf` in place with the best detected instruction set.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    let f = feature();
    if f == AVX512 && buf.len() >= AVX512_MIN_LEN {
        // SAFETY: AVX-512F support was detected on this CPU.
        unsafe { avx512::apply_mask(buf, key) }
    } else if f == AVX2 || f == AVX512 {
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU.
        unsafe { avx2::apply_mask(buf, key) }
    } else {
        sse2::apply_mask(buf, key)
    }
}

/// Copy `src` into `dst` masked with the best detected instruction set.
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let f = feature();
    if f == AVX512 && src.len() >= AVX512_MIN_LEN {
        // SAFETY: AVX-512F support was detected on this CPU.
        unsafe { avx512::copy_masked(dst, src, key) }
    } else if f == AVX2 || f == AVX512 {
        // SAFETY: AVX2 (or AVX-512F, which implies it) was detected on this CPU.
        unsafe { avx2::copy_masked(dst, src, key) }
    } else {
        sse2::copy_masked(dst, src, key)
    }
}
