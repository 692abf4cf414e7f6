//! HTTP responses the parse benchmarks share (`benches/http.rs`, `examples/instr_http.rs`):
//! a typical exchange REST response, about 500 B with 14 headers and a JSON body,
//! framed by Content-Length or chunked in three chunks.

pub const BODY: &str =
    r#"{"symbol":"BTCUSDT","orderId":28457,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","status":"NEW"}"#;

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

pub fn cl_response() -> Vec<u8> {
    let mut w = head(&format!("Content-Length: {}", BODY.len())).into_bytes();
    w.extend_from_slice(BODY.as_bytes());
    w
}

pub fn chunked_response() -> Vec<u8> {
    let mut w = head("Transfer-Encoding: chunked").into_bytes();
    let b = BODY.as_bytes();
    for part in [&b[..30], &b[30..60], &b[60..]] {
        w.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        w.extend_from_slice(part);
        w.extend_from_slice(b"\r\n");
    }
    w.extend_from_slice(b"0\r\n\r\n");
    w
}
