//! Which DEFLATE backend for the tokio adapter's `deflate` feature: flate2 with the
//! zlib-rs backend (what `nexus-async-net` uses) against miniz_oxide (flate2's default
//! backend) on the permessage-deflate workload: 2 KiB JSON messages that differ in one
//! price, raw DEFLATE, level 6, 15-bit window, a sync flush per message and context
//! takeover (the RFC 7692 defaults).
//!
//! Prints per-message compress and inflate time (min over interleaved rounds, so a
//! preempted round is simply not the minimum) and the compressed size.
//!
//! `cd bench && cargo run --release --example deflate_backends`

use std::hint::black_box;
use std::time::Instant;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use miniz_oxide::deflate::core::{
    compress as mz_compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use miniz_oxide::inflate::stream::{inflate as mz_inflate, InflateState};
use miniz_oxide::{DataFormat, MZFlush};

const MESSAGES: usize = 200;
const ROUNDS: usize = 30;

/// A 2 KiB trade list; message `i` differs from the previous one in one price.
fn messages() -> Vec<Vec<u8>> {
    (0..MESSAGES)
        .map(|i| {
            let mut s = String::from("[");
            let mut n = 0;
            while s.len() < 2000 {
                if n > 0 {
                    s.push(',');
                }
                let price = 43_000 + if n == 3 { i } else { n * 7 };
                s.push_str(&format!(
                    "{{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":{},\"p\":\"{price}.01\",\"q\":\"0.0{n}\",\"m\":true}}",
                    1_000_000 + n
                ));
                n += 1;
            }
            s.push(']');
            s.into_bytes()
        })
        .collect()
}

trait Backend {
    fn name(&self) -> &'static str;
    /// Compress one message (sync flush, context kept); returns the compressed length.
    fn compress(&mut self, input: &[u8], out: &mut [u8]) -> usize;
    /// Inflate one compressed message (the `00 00 ff ff` tail included); returns its length.
    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> usize;
    fn reset(&mut self);
}

struct Flate2 {
    c: Compress,
    d: Decompress,
}

impl Backend for Flate2 {
    fn name(&self) -> &'static str {
        "flate2 + zlib-rs"
    }
    fn compress(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let before = self.c.total_out();
        self.c.compress(input, out, FlushCompress::Sync).unwrap();
        (self.c.total_out() - before) as usize
    }
    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let before = self.d.total_out();
        self.d.decompress(input, out, FlushDecompress::Sync).unwrap();
        (self.d.total_out() - before) as usize
    }
    fn reset(&mut self) {
        self.c.reset();
        self.d.reset(false);
    }
}

struct Miniz {
    c: Box<CompressorOxide>,
    d: Box<InflateState>,
}

impl Miniz {
    fn new() -> Self {
        let flags = create_comp_flags_from_zip_params(6, -15, 0);
        Self { c: Box::new(CompressorOxide::new(flags)), d: InflateState::new_boxed(DataFormat::Raw) }
    }
}

impl Backend for Miniz {
    fn name(&self) -> &'static str {
        "miniz_oxide"
    }
    fn compress(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let (status, used_in, used_out) = mz_compress(&mut self.c, input, out, TDEFLFlush::Sync);
        assert!(status == TDEFLStatus::Okay && used_in == input.len());
        used_out
    }
    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let r = mz_inflate(&mut self.d, input, out, MZFlush::Sync);
        r.status.unwrap();
        r.bytes_written
    }
    fn reset(&mut self) {
        *self = Self::new();
    }
}

fn main() {
    let msgs = messages();
    let mut backends: Vec<Box<dyn Backend>> = vec![
        Box::new(Flate2 {
            c: Compress::new_with_window_bits(Compression::new(6), false, 15),
            d: Decompress::new_with_window_bits(false, 15),
        }),
        Box::new(Miniz::new()),
    ];
    let mut best = vec![(f64::MAX, f64::MAX, 0usize); backends.len()];
    let mut compressed = vec![vec![0u8; 4096]; MESSAGES];
    let mut lens = vec![0usize; MESSAGES];
    let mut plain = vec![0u8; 4096];
    for _ in 0..ROUNDS {
        for (b, backend) in backends.iter_mut().enumerate() {
            backend.reset();
            let t = Instant::now();
            for (i, m) in msgs.iter().enumerate() {
                lens[i] = backend.compress(black_box(m), &mut compressed[i]);
            }
            let c_ns = t.elapsed().as_nanos() as f64 / MESSAGES as f64;
            let total: usize = lens.iter().sum();
            let t = Instant::now();
            for (i, m) in msgs.iter().enumerate() {
                let n = backend.inflate(black_box(&compressed[i][..lens[i]]), &mut plain);
                assert_eq!(&plain[..n], &m[..], "{} round trip", backend.name());
            }
            let d_ns = t.elapsed().as_nanos() as f64 / MESSAGES as f64;
            let e = &mut best[b];
            *e = (e.0.min(c_ns), e.1.min(d_ns), total / MESSAGES);
        }
    }
    println!("{} messages of {} B, min of {ROUNDS} interleaved rounds", MESSAGES, msgs[0].len());
    println!("| backend | compress (ns/msg) | inflate (ns/msg) | compressed size (B/msg) |");
    println!("|---|---:|---:|---:|");
    for (backend, (c, d, size)) in backends.iter().zip(&best) {
        println!("| {} | {c:.0} | {d:.0} | {size} |", backend.name());
    }
}
