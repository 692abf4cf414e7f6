//! One HTTP response parse repeated, for instruction counting under callgrind, which
//! is repeatable on a busy machine where wall-clock benches are not. The workloads
//! and contenders are those of `benches/http.rs`.
//!
//! `instr_http WHO WORKLOAD ROUNDS` with WHO in {httparse, httparse_uninit, ours,
//! old}, WORKLOAD in {cl, chunked}. `scripts/instr_http.py` runs it with ROUNDS = 0
//! and N and reports (count(N) - count(0)) / N as instructions per response.
use std::hint::black_box;
use std::mem::MaybeUninit;

const BODY: &str = r#"{"symbol":"BTCUSDT","orderId":28457,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","status":"NEW"}"#;

fn head(framing: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\n\
Content-Type: application/json;charset=UTF-8\r\n\
{framing}\r\n\
Connection: keep-alive\r\n\
Date: Sun, 29 Nov 2026 09:00:00 GMT\r\n\
Server: nginx\r\n\
x-mbx-uuid: 6e8b7b4d-0a5c-4f1e-9a3e-2d9b1f0c7a11\r\n\
x-mbx-used-weight: 7\r\n\
x-mbx-used-weight-1m: 7\r\n\
x-mbx-order-count-10s: 1\r\n\
x-mbx-order-count-1d: 12\r\n\
Strict-Transport-Security: max-age=31536000\r\n\
X-Frame-Options: SAMEORIGIN\r\n\
X-Content-Type-Options: nosniff\r\n\
Cache-Control: no-cache\r\n\r\n"
    )
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (who, workload) = (a[1].as_str(), a[2].as_str());
    let rounds: usize = a[3].parse().unwrap();
    let chunked = workload == "chunked";
    let wire = if chunked {
        let mut w = head("Transfer-Encoding: chunked").into_bytes();
        let b = BODY.as_bytes();
        for part in [&b[..30], &b[30..60], &b[60..]] {
            w.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            w.extend_from_slice(part);
            w.extend_from_slice(b"\r\n");
        }
        w.extend_from_slice(b"0\r\n\r\n");
        w
    } else {
        let mut w = head(&format!("Content-Length: {}", BODY.len())).into_bytes();
        w.extend_from_slice(BODY.as_bytes());
        w
    };
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
