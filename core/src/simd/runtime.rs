//! Run-time choice between AVX2 and SSE2 (feature `std`, x86_64): detected once,
//! cached in an atomic, then one relaxed load per call.

use core::sync::atomic::{AtomicU8, Ordering};

use super::{avx2, sse2};

const UNKNOWN: u8 = 0;
const AVX2: u8 = 1;
const SSE2: u8 = 2;

static FEATURE: AtomicU8 = AtomicU8::new(UNKNOWN);

#[cold]
fn detect() -> u8 {
    let f = if std::is_x86_feature_detected!("avx2") { AVX2 } else { SSE2 };
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
    if feature() == AVX2 {
        // SAFETY: AVX2 support was detected on this CPU.
        unsafe { avx2::apply_mask(buf, key) }
    } else {
        sse2::apply_mask(buf, key)
    }
}

/// Copy `src` into `dst` masked with the best detected instruction set.
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    if feature() == AVX2 {
        // SAFETY: AVX2 support was detected on this CPU.
        unsafe { avx2::copy_masked(dst, src, key) }
    } else {
        sse2::copy_masked(dst, src, key)
    }
}
