//! HTTP/1.1 codec benchmarks: nexus-net core against httparse alone and nexus-net 0.7.
//!
//! - `parse_cl`: a typical exchange response (14 headers, JSON body, Content-Length):
//!   copy it into the reader (the socket read), parse head and body framing, touch
//!   the body and one header.
//! - `parse_chunked`: the same with `Transfer-Encoding: chunked` (3 chunks).
//! - `write_signed_post`: a Binance-style signed POST (8 query parameters, one a
//!   64-hex signature; Host, API key and Content-Type headers).
//!
//! Run: `cargo bench --bench http` in bench/.

use std::hint::black_box;
use std::mem::MaybeUninit;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use nexus_bench::http_fixtures::{chunked_response, cl_response, BODY};

fn parse(c: &mut Criterion, name: &str, wire: &[u8]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(wire.len() as u64));
    let head_len = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;

    g.bench_function("httparse_head_only", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            let n = resp.parse(black_box(&wire[..head_len])).unwrap();
            black_box((n, resp.code));
        })
    });

    g.bench_function("httparse_head_only_uninit", |b| {
        b.iter(|| {
            let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; 64];
            let mut resp = httparse::Response::new(&mut []);
            let n = httparse::ParserConfig::default()
                .parse_response_with_uninit_headers(&mut resp, black_box(&wire[..head_len]), &mut headers)
                .unwrap();
            black_box((n, resp.code));
        })
    });

    let mut reader = nexus_net::http::ResponseReader::new(vec![0u8; 64 * 1024]);
    g.bench_function("nexus_net", |b| {
        b.iter(|| {
            reader.begin(false);
            let spare = reader.spare();
            spare[..wire.len()].copy_from_slice(black_box(wire));
            reader.commit(wire.len());
            let p = reader.advance().unwrap();
            debug_assert_eq!(p, nexus_net::http::Progress::Complete);
            let resp = reader.response();
            black_box((resp.status(), resp.body()));
        })
    });

    let chunked = name.contains("chunked");
    let mut old = nexus_net_07::http::ResponseReader::new(64 * 1024).max_body_size(1 << 20);
    let mut decoded = vec![0u8; 64 * 1024];
    g.bench_function("nexus_net_0.7", |b| {
        b.iter(|| {
            old.read(black_box(wire)).unwrap();
            let resp = old.next().unwrap().unwrap();
            let status = resp.status;
            // Body framing with 0.7's public primitives, as its REST client does it
            // (minus the client's per-response Vec for chunked bodies).
            if chunked {
                let mut dec = nexus_net_07::http::ChunkedDecoder::new();
                let rem = old.remainder();
                let (consumed, produced) = dec.decode(rem, &mut decoded).unwrap();
                assert!(dec.is_done());
                black_box((status, &decoded[..produced]));
                old.set_body_consumed(consumed);
            } else {
                let n = old.content_length().unwrap().unwrap();
                black_box((status, &old.remainder()[..n]));
                old.set_body_consumed(n);
            }
            old.consume_response();
        })
    });
    g.finish();
}

/// The same builder chain for both writers (their builders share this API shape).
macro_rules! signed_post {
    ($builder:expr) => {
        $builder
            .query("symbol", "BTCUSDT")
            .query("side", "BUY")
            .query("type", "LIMIT")
            .query("timeInForce", "GTC")
            .query("quantity", "0.00100000")
            .query("price", "65000.10")
            .query("timestamp", "1700000000000")
            .query("signature", black_box(SIG))
            .header("Content-Type", "application/x-www-form-urlencoded")
    };
}

const SIG: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";

fn write(c: &mut Criterion) {
    let mut g = c.benchmark_group("write_signed_post");
    let mut w = nexus_net::http::RequestWriter::new(vec![0u8; 32 * 1024], "api.binance.com", 443, true).unwrap();
    w.set_base_path("/api/v3").unwrap();
    w.default_header("X-MBX-APIKEY", KEY).unwrap();
    g.bench_function("nexus_net", |b| {
        b.iter(|| {
            let req = signed_post!(w.post(black_box("/order"))).finish().unwrap();
            black_box(w.bytes(&req).unwrap());
        })
    });

    let mut old = nexus_net_07::rest::RequestWriter::new("api.binance.com").unwrap();
    old.set_base_path("/api/v3").unwrap();
    old.default_header("X-MBX-APIKEY", KEY).unwrap();
    g.bench_function("nexus_net_0.7", |b| {
        b.iter(|| {
            let req = signed_post!(old.post(black_box("/order"))).finish().unwrap();
            black_box(req.as_bytes());
        })
    });
    g.finish();
}

/// Interleaved min-of-batches timing: every candidate runs one batch per round, in
/// turn, and keeps its fastest batch. On a shared, loaded machine this is steadier
/// than criterion's sequential means for computing ratios (a preempted batch is simply
/// not the minimum). Prints ns per iteration.
fn interleaved(label: &str, cands: &mut [(&str, &mut dyn FnMut())]) {
    const BATCH: u32 = 500;
    let mut best = vec![f64::INFINITY; cands.len()];
    for _ in 0..1000 {
        for (i, (_, f)) in cands.iter_mut().enumerate() {
            let t = std::time::Instant::now();
            for _ in 0..BATCH {
                f();
            }
            best[i] = best[i].min(t.elapsed().as_nanos() as f64 / f64::from(BATCH));
        }
    }
    for ((name, _), ns) in cands.iter().zip(&best) {
        println!("min-of-batches {label}/{name}: {ns:.1} ns ({:.2}x of first)", ns / best[0]);
    }
}

fn ratios(cl: &[u8], chunked: &[u8]) {
    for (label, wire, is_chunked) in [("parse_cl", cl, false), ("parse_chunked", chunked, true)] {
        let head_len = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let mut hp = || {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            black_box(resp.parse(black_box(&wire[..head_len])).unwrap());
        };
        let mut hpu = || {
            let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; 64];
            let mut resp = httparse::Response::new(&mut []);
            black_box(
                httparse::ParserConfig::default()
                    .parse_response_with_uninit_headers(&mut resp, black_box(&wire[..head_len]), &mut headers)
                    .unwrap(),
            );
        };
        let mut reader = nexus_net::http::ResponseReader::new(vec![0u8; 64 * 1024]);
        let mut ours = || {
            reader.begin(false);
            let spare = reader.spare();
            spare[..wire.len()].copy_from_slice(black_box(wire));
            reader.commit(wire.len());
            reader.advance().unwrap();
            let resp = reader.response();
            black_box((resp.status(), resp.body()));
        };
        let mut old = nexus_net_07::http::ResponseReader::new(64 * 1024).max_body_size(1 << 20);
        let mut decoded = vec![0u8; 64 * 1024];
        let mut theirs = || {
            old.read(black_box(wire)).unwrap();
            let resp = old.next().unwrap().unwrap();
            black_box(resp.status);
            if is_chunked {
                let mut dec = nexus_net_07::http::ChunkedDecoder::new();
                let (consumed, produced) = dec.decode(old.remainder(), &mut decoded).unwrap();
                black_box(&decoded[..produced]);
                old.set_body_consumed(consumed);
            } else {
                let n = old.content_length().unwrap().unwrap();
                black_box(&old.remainder()[..n]);
                old.set_body_consumed(n);
            }
            old.consume_response();
        };
        interleaved(
            label,
            &mut [
                ("httparse_head_only", &mut hp),
                ("httparse_head_only_uninit", &mut hpu),
                ("nexus_net", &mut ours),
                ("nexus_net_0.7", &mut theirs),
            ],
        );
    }
    let mut w = nexus_net::http::RequestWriter::new(vec![0u8; 32 * 1024], "api.binance.com", 443, true).unwrap();
    w.set_base_path("/api/v3").unwrap();
    w.default_header("X-MBX-APIKEY", KEY).unwrap();
    let mut ours = || {
        let req = signed_post!(w.post(black_box("/order"))).finish().unwrap();
        black_box(w.bytes(&req).unwrap());
    };
    let mut old = nexus_net_07::rest::RequestWriter::new("api.binance.com").unwrap();
    old.set_base_path("/api/v3").unwrap();
    old.default_header("X-MBX-APIKEY", KEY).unwrap();
    let mut theirs = || {
        let req = signed_post!(old.post(black_box("/order"))).finish().unwrap();
        black_box(req.as_bytes());
    };
    interleaved("write_signed_post", &mut [("nexus_net", &mut ours), ("nexus_net_0.7", &mut theirs)]);
}

fn benches(c: &mut Criterion) {
    let cl = cl_response();
    let chunked = chunked_response();
    if std::env::var_os("NEXUS_BENCH_RATIOS").is_some() {
        ratios(&cl, &chunked);
    }
    assert!((450..600).contains(&cl.len()), "{}", cl.len());
    println!("response sizes: content-length {} B, chunked {} B", cl.len(), chunked.len());
    check_outputs(&cl, &chunked);
    parse(c, "parse_cl", &cl);
    parse(c, "parse_chunked", &chunked);
    write(c);
}

/// Both readers must agree before their speed means anything.
fn check_outputs(cl: &[u8], chunked: &[u8]) {
    for wire in [cl, chunked] {
        let mut r = nexus_net::http::ResponseReader::new(vec![0u8; 4096]);
        assert_eq!(r.feed(wire).unwrap(), nexus_net::http::Progress::Complete);
        let resp = r.response();
        assert_eq!(resp.body(), BODY.as_bytes());
        assert_eq!(resp.header_count(), 14);
    }
}

criterion_group!(http, benches);
criterion_main!(http);
