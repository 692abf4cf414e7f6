//! WebSocket codec: decode, encode and masking, ours against nexus-net 0.7 (crates.io)
//! and tungstenite over an in-memory stream, in the same run.
//!
//! Decode: a batch of frames (about 64 KiB of wire, at least one frame) is copied into
//! the reader's buffer, as a socket read would, and every message is parsed and its
//! payload touched. Masked frames are what a server reads, unmasked what a client
//! reads. Encode: one message into a reusable buffer (client role masks, with the same
//! ChaCha8 generator nexus-net 0.7 uses). Masking: in-place XOR against `memcpy` of
//! the same length.

use std::hint::black_box;
use std::io::{self, Read, Write};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
use nexus_net_07::ws as old;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

const SIZES: [usize; 4] = [40, 128, 512, 16 * 1024];
const BATCH_BYTES: usize = 64 * 1024;

fn payload(len: usize) -> Vec<u8> {
    // ASCII, so it is valid as text too.
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// `count` frames of `len` bytes, masked or not, text or binary.
fn wire(len: usize, masked: bool, text: bool) -> (Vec<u8>, usize) {
    let count = (BATCH_BYTES / len).max(1);
    let role = if masked { Role::Client } else { Role::Server };
    let mut w = FrameWriter::new(role, ChaCha8Rng::seed_from_u64(7));
    let p = payload(len);
    let mut out = vec![0u8; count * w.encoded_len(len)];
    let mut at = 0;
    let op = if text { OpCode::Text } else { OpCode::Binary };
    for _ in 0..count {
        at += w.encode_message(op, &p, &mut out[at..]).unwrap();
    }
    out.truncate(at);
    (out, count)
}

/// An in-memory stream for tungstenite: reads from `input`, writes into `output`.
struct Mem {
    input: Vec<u8>,
    pos: usize,
    output: Vec<u8>,
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.input.len() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.input.len() - self.pos);
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn touch(m: Message<'_>) -> usize {
    match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) => b.len(),
        _ => 0,
    }
}

fn decode(c: &mut Criterion) {
    for masked in [false, true] {
        for text in [false, true] {
            let name = format!(
                "decode/{}/{}",
                if masked { "masked" } else { "unmasked" },
                if text { "text" } else { "binary" }
            );
            let mut group = c.benchmark_group(name);
            for len in SIZES {
                let (bytes, count) = wire(len, masked, text);
                group.throughput(Throughput::Elements(count as u64));
                let reader_role = if masked { Role::Server } else { Role::Client };

                let mut reader = FrameReader::new(reader_role, vec![0u8; 1 << 20], Limits::default());
                group.bench_function(BenchmarkId::new("nexus-net", len), |b| {
                    b.iter(|| {
                        let mut fed = 0;
                        let mut seen = 0;
                        let mut sum = 0;
                        while seen < count {
                            match reader.advance().unwrap() {
                                Progress::Message => {
                                    sum += touch(reader.message().unwrap());
                                    seen += 1;
                                }
                                Progress::NeedMore => {
                                    let spare = reader.spare();
                                    let n = spare.len().min(bytes.len() - fed);
                                    spare[..n].copy_from_slice(&bytes[fed..fed + n]);
                                    reader.commit(n);
                                    fed += n;
                                }
                            }
                        }
                        black_box(sum)
                    })
                });

                let old_role = if masked { old::Role::Server } else { old::Role::Client };
                let mut old_reader = old::FrameReader::builder().role(old_role).build();
                group.bench_function(BenchmarkId::new("nexus-net-0.7", len), |b| {
                    b.iter(|| {
                        old_reader.read(&bytes).unwrap();
                        let mut sum = 0;
                        for _ in 0..count {
                            sum += match old_reader.next().unwrap().unwrap() {
                                old::Message::Text(t) => t.len(),
                                old::Message::Binary(b) => b.len(),
                                _ => 0,
                            };
                        }
                        black_box(sum)
                    })
                });

                let t_role =
                    if masked { tungstenite::protocol::Role::Server } else { tungstenite::protocol::Role::Client };
                let mut ws = tungstenite::WebSocket::from_raw_socket(
                    Mem { input: bytes.clone(), pos: 0, output: Vec::new() },
                    t_role,
                    None,
                );
                group.bench_function(BenchmarkId::new("tungstenite", len), |b| {
                    b.iter(|| {
                        ws.get_mut().pos = 0;
                        let mut sum = 0;
                        for _ in 0..count {
                            sum += match ws.read().unwrap() {
                                tungstenite::Message::Text(t) => t.len(),
                                tungstenite::Message::Binary(b) => b.len(),
                                _ => 0,
                            };
                        }
                        black_box(sum)
                    })
                });
            }
            group.finish();
        }
    }
}

fn encode(c: &mut Criterion) {
    for masked in [false, true] {
        let mut group = c.benchmark_group(format!("encode/{}", if masked { "masked" } else { "unmasked" }));
        for len in SIZES {
            let p = payload(len);
            group.throughput(Throughput::Elements(1));
            let role = if masked { Role::Client } else { Role::Server };
            let mut w = FrameWriter::new(role, ChaCha8Rng::seed_from_u64(1));
            let mut out = vec![0u8; len + 64];
            group.bench_function(BenchmarkId::new("nexus-net", len), |b| {
                b.iter(|| black_box(w.encode_message(OpCode::Binary, black_box(&p), &mut out).unwrap()))
            });

            let mut ow = old::FrameWriter::new(if masked { old::Role::Client } else { old::Role::Server });
            group.bench_function(BenchmarkId::new("nexus-net-0.7", len), |b| {
                b.iter(|| black_box(ow.encode_binary(black_box(&p), &mut out)))
            });

            let t_role = if masked { tungstenite::protocol::Role::Client } else { tungstenite::protocol::Role::Server };
            let mut ws = tungstenite::WebSocket::from_raw_socket(
                Mem { input: Vec::new(), pos: 0, output: Vec::with_capacity(len + 64) },
                t_role,
                None,
            );
            let msg = tungstenite::Message::binary(p.clone());
            group.bench_function(BenchmarkId::new("tungstenite", len), |b| {
                b.iter(|| {
                    ws.get_mut().output.clear();
                    ws.send(msg.clone()).unwrap();
                    black_box(ws.get_ref().output.len())
                })
            });
        }
        group.finish();
    }
}

fn masking(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for len in [40usize, 512, 16 * 1024, 64 * 1024, 1 << 20] {
        let mut buf = payload(len);
        let src = payload(len);
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(BenchmarkId::new("nexus-net", len), |b| {
            b.iter(|| nexus_net::simd::apply_mask(black_box(&mut buf), [1, 2, 3, 4], 0))
        });
        group.bench_function(BenchmarkId::new("nexus-net-copy-masked", len), |b| {
            b.iter(|| nexus_net::simd::copy_masked(black_box(&mut buf), black_box(&src), [1, 2, 3, 4], 0))
        });
        group.bench_function(BenchmarkId::new("nexus-net-0.7", len), |b| {
            b.iter(|| old::apply_mask(black_box(&mut buf), [1, 2, 3, 4]))
        });
        group.bench_function(BenchmarkId::new("memcpy", len), |b| {
            b.iter(|| black_box(&mut buf).copy_from_slice(black_box(&src)))
        });
    }
    group.finish();
}

criterion_group!(benches, decode, encode, masking);
criterion_main!(benches);
