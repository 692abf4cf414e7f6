//! One HTTP response parse repeated, for instruction counting under callgrind, which
//! is repeatable on a busy machine where wall-clock benches are not. The workloads
//! and contenders are those of `benches/http.rs`.
//!
//! `instr_http WHO WORKLOAD ROUNDS` with WHO in {httparse, httparse_uninit, ours,
//! old}, WORKLOAD in {cl, chunked}. `scripts/instr_http.py` runs it with ROUNDS = 0
//! and N and reports (count(N) - count(0)) / N as instructions per response.
use std::hint::black_box;
use std::mem::MaybeUninit;

use nexus_bench::http_fixtures::{chunked_response, cl_response};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (who, workload) = (a[1].as_str(), a[2].as_str());
    let rounds: usize = a[3].parse().unwrap();
    let chunked = workload == "chunked";
    let wire = if chunked { chunked_response() } else { cl_response() };
    let wire = &wire[..];
    let head_len = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut reader = nexus_net::http::ResponseReader::new(vec![0u8; 64 * 1024]);
    let mut old = nexus_net_07::http::ResponseReader::new(64 * 1024).max_body_size(1 << 20);
    let mut decoded = vec![0u8; 64 * 1024];
    // One warm-up round outside the count difference (ROUNDS = 0 runs it too).
    for _ in 0..rounds + 1 {
        match who {
            "httparse" => {
                let mut headers = [httparse::EMPTY_HEADER; 64];
                let mut resp = httparse::Response::new(&mut headers);
                black_box(resp.parse(black_box(&wire[..head_len])).unwrap());
            }
            "httparse_uninit" => {
                let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; 64];
                let mut resp = httparse::Response::new(&mut []);
                black_box(
                    httparse::ParserConfig::default()
                        .parse_response_with_uninit_headers(&mut resp, black_box(&wire[..head_len]), &mut headers)
                        .unwrap(),
                );
            }
            "ours" => {
                reader.begin(false);
                let spare = reader.spare();
                spare[..wire.len()].copy_from_slice(black_box(wire));
                reader.commit(wire.len());
                reader.advance().unwrap();
                let resp = reader.response();
                black_box((resp.status(), resp.body()));
            }
            "old" => {
                old.read(black_box(wire)).unwrap();
                let resp = old.next().unwrap().unwrap();
                black_box(resp.status);
                if chunked {
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
            }
            other => panic!("unknown contender {other}"),
        }
    }
}
