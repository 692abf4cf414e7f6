//! Masking throughput against `memcpy` on a loaded machine: short interleaved slices.
//!
//! `mask_slices [SLICES]`: for each length, alternates slices of about 2 ms of
//! in-place masking (twice: an A/A control), the copying mask, nexus-net 0.7's mask
//! and `memcpy` (glibc, `copy_from_slice`) over the same buffers, and reports the
//! best slice of each in GiB/s. The best of many short slices is what the code does
//! when it has the core to itself; preemption by other processes only makes a slice
//! slower, never faster, and interleaving exposes every contender to the same load.
//! The A/A pair shows how far two identical contenders differ.
use std::hint::black_box;
use std::time::Instant;

use nexus_net_07::ws as old;

fn best_gibs(f: &mut dyn FnMut(), bytes: usize, iters: usize, best: &mut f64) {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let secs = t.elapsed().as_secs_f64();
    let gibs = (bytes * iters) as f64 / secs / (1u64 << 30) as f64;
    if gibs > *best {
        *best = gibs;
    }
}

fn main() {
    let slices: usize = std::env::args().nth(1).map_or(200, |s| s.parse().unwrap());
    println!("| length | nexus-net | nexus-net (A/A) | copy_masked | nexus-net 0.7 | memcpy | ours / memcpy |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for len in [40usize, 512, 16 * 1024, 64 * 1024, 1 << 20] {
        // 64-byte aligned backing, then offset by 16 like a typical malloc'd buffer,
        // so that no contender gets a lucky alignment.
        let mut back = vec![0u8; len + 128];
        let off = back.as_ptr().align_offset(64) + 16;
        let mut src_back = vec![0u8; len + 128];
        let soff = src_back.as_ptr().align_offset(64) + 16;
        for (i, b) in src_back.iter_mut().enumerate() {
            *b = b'a' + (i % 26) as u8;
        }
        let iters = ((2 << 20) / len).max(1); // about 2 MiB per slice
        let mut best = [0f64; 5];
        for _ in 0..slices {
            let (buf, src) = (&mut back[off..off + len], &src_back[soff..soff + len]);
            best_gibs(
                &mut || nexus_net::simd::apply_mask(black_box(&mut *buf), [1, 2, 3, 4], 0),
                len,
                iters,
                &mut best[0],
            );
            best_gibs(&mut || black_box(&mut *buf).copy_from_slice(black_box(src)), len, iters, &mut best[4]);
            best_gibs(&mut || old::apply_mask(black_box(&mut *buf), [1, 2, 3, 4]), len, iters, &mut best[3]);
            best_gibs(
                &mut || nexus_net::simd::copy_masked(black_box(&mut *buf), black_box(src), [1, 2, 3, 4], 0),
                len,
                iters,
                &mut best[2],
            );
            best_gibs(
                &mut || nexus_net::simd::apply_mask(black_box(&mut *buf), [1, 2, 3, 4], 0),
                len,
                iters,
                &mut best[1],
            );
        }
        println!(
            "| {} | {:.1} GiB/s | {:.1} GiB/s | {:.1} GiB/s | {:.1} GiB/s | {:.1} GiB/s | {:.2} |",
            if len >= 1024 { format!("{} KiB", len / 1024) } else { format!("{len} B") },
            best[0],
            best[1],
            best[2],
            best[3],
            best[4],
            best[0] / best[4]
        );
    }
}
