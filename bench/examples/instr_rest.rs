//! The client-side codec work of one REST bench request (`benches/rest.rs`), repeated
//! for instruction counting under callgrind: building the signed GET with `.query()`,
//! the POST with a JSON body, and parsing the bench server's response.
//!
//! `instr_rest WHAT ROUNDS`, WHAT in {get, post, parse}. Run by `scripts/instr_rest.py`,
//! which reports (count(N) - count(0)) / N.
use std::hint::black_box;

const SIG: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const ORDER_JSON: &[u8] =
    br#"{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.01","price":"97000.00"}"#;
const BODY: &str = r#"{"symbol":"BTCUSDT","orderId":28457,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1700000000000,"price":"97000.00","origQty":"0.01","executedQty":"0.00","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY"}"#;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let what = a[1].as_str();
    let rounds: usize = a[2].parse().unwrap();
    let wire = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nx-mbx-used-weight: 4\r\nx-mbx-used-weight-1m: 4\r\n\r\n{}",
        BODY.len(),
        BODY
    );
    let wire = wire.as_bytes();
    let mut writer = nexus_net::http::RequestWriter::new(vec![0u8; 32 * 1024], "127.0.0.1", 8080, false).unwrap();
    writer.set_base_path("/api/v3").unwrap();
    writer.default_header("X-MBX-APIKEY", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A").unwrap();
    let mut reader = nexus_net::http::ResponseReader::new(vec![0u8; 64 * 1024]);
    // One warm-up round outside the count difference (ROUNDS = 0 runs it too).
    for _ in 0..rounds + 1 {
        match what {
            "get" => {
                let req = writer
                    .get(black_box("/order"))
                    .query("symbol", black_box("BTCUSDT"))
                    .query("orderId", black_box("28457"))
                    .query("recvWindow", black_box("5000"))
                    .query("timestamp", black_box("1700000000000"))
                    .query("signature", black_box(SIG))
                    .finish()
                    .unwrap();
                black_box(writer.bytes(&req).unwrap());
            }
            "post" => {
                let req = writer
                    .post(black_box("/order"))
                    .header("Content-Type", "application/json")
                    .body(black_box(ORDER_JSON))
                    .finish()
                    .unwrap();
                black_box(writer.bytes(&req).unwrap());
            }
            "parse" => {
                reader.begin(false);
                let spare = reader.spare();
                spare[..wire.len()].copy_from_slice(black_box(wire));
                reader.commit(wire.len());
                reader.advance().unwrap();
                let resp = reader.response();
                black_box((resp.status(), resp.body(), resp.keep_alive()));
            }
            other => panic!("unknown workload {other}"),
        }
    }
}
