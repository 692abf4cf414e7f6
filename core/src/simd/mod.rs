//! WebSocket payload masking (RFC 6455 section 5.3), vectorised.
//!
//! One file per instruction set, as in httparse:
//!
//! | file | used when |
//! |---|---|
//! | `avx2.rs` | x86_64 with AVX2: detected at run time with feature `std`, or enabled at compile time (`-C target-feature=+avx2`) |
//! | `sse2.rs` | x86_64 otherwise (SSE2 is part of the x86_64 baseline) |
//! | `neon.rs` | aarch64 (NEON is part of the aarch64 baseline) |
//! | `swar.rs` | everywhere else (e.g. Cortex-M): eight bytes per `u64` word |
//!
//! Without `std` the choice is made at compile time from `target_feature`; with `std`
//! on x86_64 the CPU is probed once (`runtime.rs`) and the answer cached in an atomic.
//! Inputs shorter than 16 bytes skip the dispatch and go straight to the word loop.
//!
//! Every path is checked against [`apply_mask_scalar`] by a property test over random
//! lengths, key offsets and buffer alignments (see the tests at the bottom).
#![deny(unsafe_op_in_unsafe_fn)]

mod swar;

// With AVX2 on at compile time nothing but the tests takes the SSE2 path.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2", any(test, not(target_feature = "avx2"))))]
mod sse2;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2", any(feature = "std", target_feature = "avx2")))]
mod avx2;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
mod avx512;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
mod runtime;

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod neon;

/// Below this many bytes the SIMD paths cannot win: use the word loop directly.
const SIMD_MIN_LEN: usize = 16;

/// XOR `buf` in place with the 4-byte masking `key`, as if `buf` began `offset` bytes
/// into the masked payload (so byte `i` of `buf` is XORed with `key[(offset + i) % 4]`).
///
/// Masking is its own inverse: the same call masks and unmasks. `offset` lets a
/// payload that arrives in pieces be unmasked piece by piece; only `offset % 4`
/// matters.
///
/// ```
/// use nexus_net::simd::apply_mask;
/// // RFC 6455 section 5.7: "Hello" masked with 37 fa 21 3d.
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut payload = *b"\x7f\x9f\x4d\x51\x58";
/// apply_mask(&mut payload[..2], key, 0);
/// apply_mask(&mut payload[2..], key, 2);
/// assert_eq!(&payload, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = swar::rotate_key(key, offset);
    if buf.len() < SIMD_MIN_LEN {
        swar::apply_mask_short(buf, key);
    } else {
        apply_mask_dispatch(buf, key);
    }
}

/// Copy `src` into `dst`, XORing with the masking `key` on the way, in one pass, as if
/// `src` began `offset` bytes into the payload (byte `i` is XORed with
/// `key[(offset + i) % 4]`). `src` is left untouched.
///
/// This is the client send path: copying a payload into the write buffer and masking
/// it there in two passes would read and write the bytes twice.
///
/// # Panics
/// If `dst.len() != src.len()`; never otherwise.
///
/// ```
/// use nexus_net::simd::copy_masked;
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut out = [0u8; 5];
/// copy_masked(&mut out, b"Hello", key, 0);
/// assert_eq!(&out, b"\x7f\x9f\x4d\x51\x58");
/// ```
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    assert_eq!(dst.len(), src.len(), "copy_masked: destination and source lengths differ");
    let key = swar::rotate_key(key, offset);
    if src.len() < SIMD_MIN_LEN {
        swar::copy_masked(dst, src, key);
    } else {
        copy_masked_dispatch(dst, src, key);
    }
}

/// Unmask `buf` like [`apply_mask`] and say whether the unmasked bytes are all ASCII,
/// in the same pass where SIMD allows: a masked text frame that turns out ASCII (most
/// JSON) needs no separate UTF-8 validation pass.
#[inline]
pub(crate) fn apply_mask_ascii(buf: &mut [u8], key: [u8; 4], offset: usize) -> bool {
    apply_mask_ascii_dispatch(buf, swar::rotate_key(key, offset))
}

/// Whether `buf` is all ASCII, with the widest vectors available.
#[inline]
pub(crate) fn is_ascii(buf: &[u8]) -> bool {
    is_ascii_dispatch(buf)
}

/// The byte-at-a-time reference that every other path is tested against. Same
/// contract as [`apply_mask`]. Not for production use: it is the slowest path.
#[doc(hidden)]
pub fn apply_mask_scalar(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(offset + i) % 4];
    }
}

// ---- dispatch: exactly one pair of these is compiled for any target ----

#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn apply_mask_dispatch(buf: &mut [u8], key: [u8; 4]) {
    // SAFETY: AVX2 is enabled at compile time for this whole program.
    unsafe { avx2::apply_mask(buf, key) }
}
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn copy_masked_dispatch(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    // SAFETY: AVX2 is enabled at compile time for this whole program.
    unsafe { avx2::copy_masked(dst, src, key) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn apply_mask_ascii_dispatch(buf: &mut [u8], key: [u8; 4]) -> bool {
    // SAFETY: AVX2 is enabled at compile time for this whole program.
    unsafe { avx2::apply_mask_ascii(buf, key) }
}
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn is_ascii_dispatch(buf: &[u8]) -> bool {
    // SAFETY: AVX2 is enabled at compile time for this whole program.
    unsafe { avx2::is_ascii(buf) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
use runtime::{
    apply_mask as apply_mask_dispatch, apply_mask_ascii as apply_mask_ascii_dispatch,
    copy_masked as copy_masked_dispatch, is_ascii as is_ascii_dispatch,
};

// Without a vector unit worth a fused loop (and to keep embedded code small): mask,
// then check with the standard library's word-wise `is_ascii`.
#[cfg(not(all(target_arch = "x86_64", any(target_feature = "avx2", all(target_feature = "sse2", feature = "std")))))]
#[inline(always)]
fn apply_mask_ascii_dispatch(buf: &mut [u8], key: [u8; 4]) -> bool {
    apply_mask_dispatch(buf, key);
    buf.is_ascii()
}
#[cfg(not(all(target_arch = "x86_64", any(target_feature = "avx2", all(target_feature = "sse2", feature = "std")))))]
#[inline(always)]
fn is_ascii_dispatch(buf: &[u8]) -> bool {
    buf.is_ascii()
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), not(feature = "std")))]
use sse2::{apply_mask as apply_mask_dispatch, copy_masked as copy_masked_dispatch};

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use neon::{apply_mask as apply_mask_dispatch, copy_masked as copy_masked_dispatch};

#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    all(target_arch = "aarch64", target_feature = "neon")
)))]
use swar::{apply_mask as apply_mask_dispatch, copy_masked as copy_masked_dispatch};

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    type InPlace = fn(&mut [u8], [u8; 4]);
    type Copying = fn(&mut [u8], &[u8], [u8; 4]);

    /// Every path this target can run, by name, taking an already-rotated key.
    fn paths() -> Vec<(&'static str, InPlace, Copying)> {
        let mut v: Vec<(&'static str, InPlace, Copying)> = std::vec![
            ("swar", swar::apply_mask, swar::copy_masked),
            ("swar_short", swar::apply_mask_short, swar::copy_masked),
            ("bytes", swar::mask_bytes, swar::copy_bytes),
        ];
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        v.push(("sse2", sse2::apply_mask, sse2::copy_masked));
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2", any(feature = "std", target_feature = "avx2")))]
        if std::is_x86_feature_detected!("avx2") {
            fn a(b: &mut [u8], k: [u8; 4]) {
                // SAFETY: guarded by the detection above.
                unsafe { avx2::apply_mask(b, k) }
            }
            fn c(d: &mut [u8], s: &[u8], k: [u8; 4]) {
                // SAFETY: guarded by the detection above.
                unsafe { avx2::copy_masked(d, s, k) }
            }
            v.push(("avx2", a, c));
        }
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
        if std::is_x86_feature_detected!("avx512f") {
            // The AVX-512 functions take `MIN_LEN` bytes or more; the runtime sends
            // shorter buffers to AVX2.
            fn a(b: &mut [u8], k: [u8; 4]) {
                // SAFETY: guarded by the detection above and the length check.
                unsafe {
                    if b.len() >= avx512::MIN_LEN {
                        avx512::apply_mask(b, k)
                    } else {
                        avx2::apply_mask(b, k)
                    }
                }
            }
            fn c(d: &mut [u8], s: &[u8], k: [u8; 4]) {
                // SAFETY: guarded by the detection above and the length check.
                unsafe {
                    if s.len() >= avx512::MIN_LEN {
                        avx512::copy_masked(d, s, k)
                    } else {
                        avx2::copy_masked(d, s, k)
                    }
                }
            }
            v.push(("avx512", a, c));
        }
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
        v.push(("runtime", runtime::apply_mask, runtime::copy_masked));
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        v.push(("neon", neon::apply_mask, neon::copy_masked));
        v
    }

    type InPlaceAscii = fn(&mut [u8], [u8; 4]) -> bool;
    type IsAscii = fn(&[u8]) -> bool;
    type AsciiPaths = (Vec<(&'static str, InPlaceAscii)>, Vec<(&'static str, IsAscii)>);

    /// Every fused mask-and-ASCII-check path and every ASCII check this target can run.
    fn ascii_paths() -> AsciiPaths {
        fn composed(b: &mut [u8], k: [u8; 4]) -> bool {
            apply_mask_dispatch(b, k);
            b.is_ascii()
        }
        // Only pushed to on x86_64.
        #[allow(unused_mut)]
        let mut fused: Vec<(&'static str, InPlaceAscii)> =
            std::vec![("composed", composed), ("dispatch", apply_mask_ascii_dispatch)];
        // Only pushed to where AVX2 can be detected (`std`) or is enabled.
        #[allow(unused_mut)]
        let mut check: Vec<(&'static str, IsAscii)> = std::vec![("dispatch", is_ascii_dispatch)];
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        fused.push(("sse2", sse2::apply_mask_ascii));
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2", any(feature = "std", target_feature = "avx2")))]
        if std::is_x86_feature_detected!("avx2") {
            fn a(b: &mut [u8], k: [u8; 4]) -> bool {
                // SAFETY: guarded by the detection above.
                unsafe { avx2::apply_mask_ascii(b, k) }
            }
            fn c(b: &[u8]) -> bool {
                // SAFETY: guarded by the detection above.
                unsafe { avx2::is_ascii(b) }
            }
            fused.push(("avx2", a));
            check.push(("avx2", c));
        }
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2"), feature = "std"))]
        if std::is_x86_feature_detected!("avx512f") {
            fn a(b: &mut [u8], k: [u8; 4]) -> bool {
                // SAFETY: guarded by the detection above and the length check.
                unsafe {
                    if b.len() >= avx512::MIN_LEN {
                        avx512::apply_mask_ascii(b, k)
                    } else {
                        avx2::apply_mask_ascii(b, k)
                    }
                }
            }
            fused.push(("avx512", a));
        }
        (fused, check)
    }

    /// `plain` masked is the input; every fused path must give `plain` back and say
    /// whether it is ASCII, and every check must agree on `plain`.
    fn check_ascii(plain: &[u8], key: [u8; 4], offset: usize, align: usize) {
        let masked = reference(plain, key, offset);
        let rotated = swar::rotate_key(key, offset);
        let want_ascii = plain.is_ascii();
        let mut backing = std::vec![0xAAu8; plain.len() + 64];
        let (fused, check) = ascii_paths();
        for (name, f) in fused {
            backing[align..align + plain.len()].copy_from_slice(&masked);
            let got = f(&mut backing[align..align + plain.len()], rotated);
            assert_eq!(&backing[align..align + plain.len()], plain, "{name} apply_mask_ascii len {}", plain.len());
            assert_eq!(got, want_ascii, "{name} ascii verdict len {} align {align}", plain.len());
            assert!(backing[..align].iter().all(|&b| b == 0xAA), "{name} wrote before");
            assert!(backing[align + plain.len()..].iter().all(|&b| b == 0xAA), "{name} wrote after");
        }
        backing[align..align + plain.len()].copy_from_slice(plain);
        for (name, f) in check {
            assert_eq!(f(&backing[align..align + plain.len()]), want_ascii, "{name} is_ascii len {}", plain.len());
        }
        let mut buf = masked.clone();
        assert_eq!(apply_mask_ascii(&mut buf, key, offset), want_ascii, "apply_mask_ascii");
        assert_eq!(buf, plain, "apply_mask_ascii");
        assert_eq!(is_ascii(plain), want_ascii, "is_ascii");
    }

    fn reference(data: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
        let mut r = data.to_vec();
        apply_mask_scalar(&mut r, key, offset);
        r
    }

    /// Check every path (and the public entry points) on `data` placed `align` bytes
    /// into a larger buffer, so each path sees every alignment.
    fn check_all(data: &[u8], key: [u8; 4], offset: usize, align: usize) {
        let want = reference(data, key, offset);
        let rotated = swar::rotate_key(key, offset);
        let mut backing = std::vec![0xAAu8; data.len() + 64];
        let mut out_backing = std::vec![0x55u8; data.len() + 64];
        for (name, in_place, copying) in paths() {
            backing[align..align + data.len()].copy_from_slice(data);
            in_place(&mut backing[align..align + data.len()], rotated);
            assert_eq!(
                &backing[align..align + data.len()],
                &want[..],
                "{name} apply_mask len {} offset {offset} align {align}",
                data.len()
            );
            assert!(backing[..align].iter().all(|&b| b == 0xAA), "{name} wrote before");
            assert!(backing[align + data.len()..].iter().all(|&b| b == 0xAA), "{name} wrote after");

            // Source at `align`, destination at a different alignment.
            backing[align..align + data.len()].copy_from_slice(data);
            let dst_align = (align * 7 + 3) % 32;
            out_backing.fill(0x55);
            copying(&mut out_backing[dst_align..dst_align + data.len()], &backing[align..align + data.len()], rotated);
            assert_eq!(
                &out_backing[dst_align..dst_align + data.len()],
                &want[..],
                "{name} copy_masked len {} offset {offset} align {align}",
                data.len()
            );
            assert_eq!(&backing[align..align + data.len()], data, "{name} changed src");
            assert!(out_backing[..dst_align].iter().all(|&b| b == 0x55), "{name} wrote before");
            assert!(out_backing[dst_align + data.len()..].iter().all(|&b| b == 0x55), "{name} wrote after");
        }
        // The fused ASCII check: on the data as is (random bytes, rarely ASCII), all
        // ASCII, and all ASCII but one byte at a position that varies with the inputs.
        check_ascii(data, key, offset, align);
        let mut plain: Vec<u8> = data.iter().map(|b| b & 0x7f).collect();
        check_ascii(&plain, key, offset, align);
        if !plain.is_empty() {
            let at = (data.len() * 7 + align * 3 + offset) % plain.len();
            plain[at] |= 0x80;
            check_ascii(&plain, key, offset, align);
        }
        // Public entry points take the unrotated key and the offset.
        let mut buf = data.to_vec();
        apply_mask(&mut buf, key, offset);
        assert_eq!(buf, want, "apply_mask");
        let mut dst = std::vec![0u8; data.len()];
        copy_masked(&mut dst, data, key, offset);
        assert_eq!(dst, want, "copy_masked");
    }

    #[test]
    fn rfc6455_5_7_masked_hello() {
        // "A single-frame masked text message": 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, key, 0);
        assert_eq!(&payload, b"Hello");
    }

    #[test]
    fn offset_is_modulo_four() {
        let key = [1, 2, 4, 8];
        let data: Vec<u8> = (0..100u8).collect();
        for offset in 0..12 {
            let mut a = data.clone();
            let mut b = data.clone();
            apply_mask(&mut a, key, offset);
            apply_mask(&mut b, key, offset % 4);
            assert_eq!(a, b);
            // And the scalar reference really rotates: byte 0 gets key[offset % 4].
            assert_eq!(a[0], data[0] ^ key[offset % 4]);
        }
    }

    #[test]
    fn piecewise_equals_whole() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        let want = reference(&data, key, 0);
        for split in [1usize, 3, 5, 15, 16, 17, 33, 500, 999] {
            let mut buf = data.clone();
            let (a, b) = buf.split_at_mut(split);
            apply_mask(a, key, 0);
            apply_mask(b, key, split);
            assert_eq!(buf, want, "split {split}");
        }
    }

    #[test]
    fn masking_twice_is_identity() {
        let key = [9, 8, 7, 6];
        let data: Vec<u8> = (0..=255u8).collect();
        let mut buf = data.clone();
        apply_mask(&mut buf, key, 3);
        assert_ne!(buf, data);
        apply_mask(&mut buf, key, 3);
        assert_eq!(buf, data);
    }

    #[test]
    fn every_small_length_alignment_and_offset() {
        let key = [0x11, 0x22, 0x44, 0x88];
        for len in 0..=80 {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            for offset in 0..4 {
                for align in 0..=31 {
                    check_all(&data, key, offset, align);
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "lengths differ")]
    fn copy_masked_panics_on_length_mismatch() {
        let mut dst = [0u8; 3];
        copy_masked(&mut dst, b"four", [1, 2, 3, 4], 0);
    }

    proptest! {
        #[test]
        fn every_path_equals_scalar(
            data in proptest::collection::vec(any::<u8>(), 0..=300),
            key in any::<[u8; 4]>(),
            offset in 0usize..4,
            align in 0usize..=63,
        ) {
            check_all(&data, key, offset, align);
        }

        #[test]
        fn every_path_equals_scalar_large(
            len in prop_oneof![Just(4096usize), Just(65_537), 1000usize..20_000],
            seed in any::<u8>(),
            key in any::<[u8; 4]>(),
            offset in 0usize..4,
            align in 0usize..=63,
        ) {
            let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed) ^ (i >> 8) as u8).collect();
            check_all(&data, key, offset, align);
        }

        #[test]
        fn large_offsets_reduce_mod_four(
            data in proptest::collection::vec(any::<u8>(), 0..=64),
            key in any::<[u8; 4]>(),
            offset in any::<usize>(),
        ) {
            let mut a = data.clone();
            apply_mask(&mut a, key, offset);
            prop_assert_eq!(a, reference(&data, key, offset % 4));
        }
    }
}
