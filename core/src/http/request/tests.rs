//! Byte-level fixtures for the request writer.

extern crate std;
use core::fmt::Write as _;
use std::vec::Vec;
use std::{format, vec};

use crate::http::{HttpError, Method, RequestWriter};
use crate::rest::RestError;

fn writer() -> RequestWriter<[u8; 1024]> {
    RequestWriter::new([0u8; 1024], "api.example.com", 443, true).unwrap()
}

/// Every written request must parse back as a well-formed HTTP/1.1 request.
fn well_formed(bytes: &[u8]) -> Vec<(std::string::String, Vec<u8>)> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let n = match req.parse(bytes).expect("well-formed request") {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => panic!("incomplete request"),
    };
    let hs: Vec<(std::string::String, Vec<u8>)> =
        req.headers.iter().map(|h| (h.name.into(), h.value.to_vec())).collect();
    let cl = hs.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    let body_len = cl.map_or(0, |(_, v)| core::str::from_utf8(v).unwrap().parse::<usize>().unwrap());
    assert_eq!(bytes.len(), n + body_len, "Content-Length matches the body");
    hs
}

#[test]
fn get_with_host_only() {
    let mut w = writer();
    let req = w.get("/api/v3/time").finish().unwrap();
    let bytes = w.bytes(&req).unwrap();
    assert_eq!(bytes, b"GET /api/v3/time HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
    assert_eq!(req.len(), bytes.len());
    assert!(!req.is_head() && !req.is_empty());
    well_formed(bytes);
}

#[test]
fn host_port_and_ipv6() {
    let cases: [(&str, u16, bool, &str); 7] = [
        ("h.io", 443, true, "h.io"),
        ("h.io", 80, false, "h.io"),
        ("h.io", 80, true, "h.io:80"),
        ("h.io", 8443, true, "h.io:8443"),
        ("127.0.0.1", 9000, false, "127.0.0.1:9000"),
        ("::1", 8080, false, "[::1]:8080"),
        ("[2001:db8::1]", 443, true, "[2001:db8::1]"),
    ];
    for (host, port, tls, want) in cases {
        let mut w = RequestWriter::new([0u8; 256], host, port, tls).unwrap();
        let req = w.get("/").finish().unwrap();
        let want = format!("GET / HTTP/1.1\r\nHost: {want}\r\n\r\n");
        assert_eq!(w.bytes(&req).unwrap(), want.as_bytes());
    }
}

#[test]
fn bad_hosts() {
    let err = |h: &str| RequestWriter::new([0u8; 256], h, 80, false).unwrap_err();
    assert!(matches!(err("a.com\r\nX: y"), RestError::CrlfInjection));
    assert!(matches!(err("a.com\0"), RestError::CrlfInjection));
    assert!(matches!(err(""), RestError::InvalidUrl(_)));
    assert!(matches!(err("a.com/path"), RestError::InvalidUrl(_)));
    assert!(matches!(err("user@a.com"), RestError::InvalidUrl(_)));
    assert!(matches!(err("a b"), RestError::InvalidUrl(_)));
}

#[test]
fn base_path_and_path_joining() {
    let cases: [(&str, &str, &str); 9] = [
        ("", "", "/"),
        ("", "x", "/x"),
        ("", "?a=1", "/?a=1"),
        ("/api/v3", "/order", "/api/v3/order"),
        ("api/v3/", "order", "/api/v3/order"),
        ("/api/v3", "", "/api/v3"),
        ("/api/v3", "?a=1", "/api/v3?a=1"),
        ("/", "/x", "/x"),
        ("/api", "/x?y=1", "/api/x?y=1"),
    ];
    for (base, path, want) in cases {
        let mut w = writer();
        w.set_base_path(base).unwrap();
        let req = w.get(path).finish().unwrap();
        let want = format!("GET {want} HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
        assert_eq!(w.bytes(&req).unwrap(), want.as_bytes(), "{base:?} + {path:?}");
    }
}

#[test]
fn writer_for_a_base_url() {
    let cases: [(&str, &str); 5] = [
        ("https://api.example.com", "GET /x HTTP/1.1\r\nHost: api.example.com\r\n\r\n"),
        ("https://api.example.com/", "GET /x HTTP/1.1\r\nHost: api.example.com\r\n\r\n"),
        ("https://api.example.com/api/v3/", "GET /api/v3/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n"),
        ("http://h:8080/a#frag", "GET /a/x HTTP/1.1\r\nHost: h:8080\r\n\r\n"),
        ("http://[::1]:443/", "GET /x HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"),
    ];
    for (url, want) in cases {
        let url = crate::url::Url::parse(url).unwrap();
        let mut w = RequestWriter::for_url([0u8; 256], &url).unwrap();
        let req = w.get("/x").finish().unwrap();
        assert_eq!(w.bytes(&req).unwrap(), want.as_bytes(), "{url:?}");
    }
    for url in ["https://h/a?b", "https://h?b", "https://h/?"] {
        let url = crate::url::Url::parse(url).unwrap();
        assert!(matches!(RequestWriter::for_url([0u8; 256], &url), Err(RestError::InvalidUrl(_))), "{url:?}");
    }
}

#[test]
fn base_path_set_after_default_headers_keeps_them() {
    let mut w = writer();
    w.default_header("X-Key", "k").unwrap();
    w.set_base_path("/a/b/c/d").unwrap();
    w.set_base_path("/z").unwrap();
    let req = w.get("/p").finish().unwrap();
    assert_eq!(w.bytes(&req).unwrap(), b"GET /z/p HTTP/1.1\r\nHost: api.example.com\r\nX-Key: k\r\n\r\n");
    assert!(matches!(w.set_base_path("/a?b"), Err(RestError::InvalidUrl(_))));
    assert!(matches!(w.set_base_path("/a\nb"), Err(RestError::CrlfInjection)));
}

#[test]
fn query_percent_encoding() {
    let mut w = writer();
    let req = w.get("/q").query("symbol", "BTCUSDT").query("a b&c=d", "100%/é?#+~._-").query("", "").finish().unwrap();
    assert_eq!(
        w.bytes(&req).unwrap(),
        &b"GET /q?symbol=BTCUSDT&a%20b%26c%3Dd=100%25%2F%C3%A9%3F%23%2B~._-&= HTTP/1.1\r\nHost: api.example.com\r\n\r\n"[..]
    );
}

#[test]
fn query_appends_to_a_path_query_and_raw_variant() {
    let mut w = writer();
    let req = w.get("/q?x=1").query("y", "2").query_raw("z", "a%20b,c").finish().unwrap();
    assert!(w.bytes(&req).unwrap().starts_with(b"GET /q?x=1&y=2&z=a%20b,c HTTP/1.1\r\n"));
    let req = w.get("/q?").query("y", "2").finish().unwrap();
    assert!(w.bytes(&req).unwrap().starts_with(b"GET /q?y=2 HTTP/1.1\r\n"));
    let r = w.get("/q").query_raw("a", "b c").finish();
    assert!(matches!(r, Err(RestError::InvalidUrl(_))));
    let r = w.get("/q").query_raw("a", "b#c").finish();
    assert!(matches!(r, Err(RestError::InvalidUrl(_))));
}

#[test]
fn query_string_is_what_gets_signed() {
    let mut w = writer();
    let b = w.post("/api/v3/order").query("symbol", "BTCUSDT").query("side", "BUY").query("price", "1 0");
    assert_eq!(b.query_string(), b"symbol=BTCUSDT&side=BUY&price=1%200");
    let sig = fake_signature(b.query_string());
    let req = b.query("signature", &sig).finish().unwrap();
    let bytes = w.bytes(&req).unwrap();
    assert!(bytes.starts_with(b"POST /api/v3/order?symbol=BTCUSDT&side=BUY&price=1%200&signature="));
    let mut w = writer();
    assert_eq!(w.get("/x").query_string(), b"");
    assert_eq!(w.get("/x?a=1").query_string(), b"a=1");
}

fn fake_signature(data: &[u8]) -> std::string::String {
    let h = data.iter().fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("{h:016x}{h:016x}{h:016x}{h:016x}")
}

#[test]
fn headers_default_and_per_request() {
    let mut w = writer();
    w.default_header("X-MBX-APIKEY", "abc123").unwrap();
    w.default_header("User-Agent", "nexus").unwrap();
    let req = w.delete("/order").query("id", "7").header("X-Trace", "t\t1").header("Accept", "*/*").finish().unwrap();
    let bytes = w.bytes(&req).unwrap();
    assert_eq!(
        bytes,
        &b"DELETE /order?id=7 HTTP/1.1\r\nHost: api.example.com\r\nX-MBX-APIKEY: abc123\r\nUser-Agent: nexus\r\nX-Trace: t\t1\r\nAccept: */*\r\n\r\n"[..]
    );
    assert_eq!(well_formed(bytes).len(), 5);
}

#[test]
fn bodies_and_content_length() {
    let mut w = writer();
    let req = w.post("/o").header("Content-Type", "application/json").body(b"{\"q\":1}").finish().unwrap();
    assert!(w.bytes(&req).unwrap().ends_with(b"Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"q\":1}"));
    well_formed(w.bytes(&req).unwrap());
    for (m, want_len) in [
        (Method::Post, true),
        (Method::Put, true),
        (Method::Patch, true),
        (Method::Get, false),
        (Method::Delete, false),
    ] {
        let req = w.request(m, "/o").finish().unwrap();
        let bytes = w.bytes(&req).unwrap();
        assert_eq!(bytes.ends_with(b"Content-Length: 0\r\n\r\n"), want_len, "{m}");
        well_formed(bytes);
    }
    let req = w.get("/o").body(b"").finish().unwrap();
    assert!(w.bytes(&req).unwrap().ends_with(b"Content-Length: 0\r\n\r\n"));
    let req = w.request(Method::Head, "/o").finish().unwrap();
    assert!(req.is_head());
    assert!(w.bytes(&req).unwrap().starts_with(b"HEAD /o HTTP/1.1\r\n"));
}

#[test]
fn body_written_in_place() {
    let mut w = writer();
    let req = w
        .post("/o")
        .query("a", "1")
        .body_writer(|b| {
            let (symbol, qty) = ("BTCUSDT", 12);
            write!(b, "{{\"symbol\":\"{symbol}\",\"qty\":{qty}}}")?;
            b.write_bytes(b"!")
        })
        .finish()
        .unwrap();
    let bytes = w.bytes(&req).unwrap();
    assert!(
        bytes.ends_with(b"Content-Length: 30\r\n\r\n{\"symbol\":\"BTCUSDT\",\"qty\":12}!"),
        "{}",
        std::string::String::from_utf8_lossy(bytes)
    );
    well_formed(bytes);

    let req = w
        .put("/o")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body_with(64, |buf| {
            buf[..5].copy_from_slice(b"a=1&b");
            5
        })
        .finish()
        .unwrap();
    let bytes = w.bytes(&req).unwrap();
    assert!(bytes.ends_with(b"Content-Length: 5\r\n\r\na=1&b"));
    well_formed(bytes);

    // A body writer sees what it wrote (to sign it).
    let req = w
        .post("/o")
        .body_writer(|b| {
            b.write_str("x=1")?;
            assert_eq!(b.written(), b"x=1");
            Ok(())
        })
        .finish()
        .unwrap();
    assert!(w.bytes(&req).unwrap().ends_with(b"\r\n\r\nx=1"));
}

#[test]
fn body_closure_failures() {
    let mut w = writer();
    let r = w.post("/o").body_with(4, |_| 5).finish();
    assert!(matches!(r, Err(RestError::BodyWrite)));
    let r = w.post("/o").body_writer(|_| Err(core::fmt::Error)).finish();
    assert!(matches!(r, Err(RestError::BodyWrite)));
    let r = w.post("/o").body_with(4096, |_| 0).finish();
    assert!(matches!(r, Err(RestError::RequestTooLarge { capacity: 1024, .. })));
    let r = w.post("/o").body_writer(|b| b.write_bytes(&[b'x'; 2000])).finish();
    assert!(matches!(r, Err(RestError::RequestTooLarge { capacity: 1024, needed }) if needed > 2000));
}

#[test]
fn crlf_injection_everywhere_is_refused() {
    let bad = ["a\rb", "a\nb", "a\0b", "\r\n"];
    for s in bad {
        let mut w = writer();
        let cases = [
            w.get(s).finish(),
            w.get("/").query(s, "v").finish(),
            w.get("/").query("k", s).finish(),
            w.get("/").query_raw(s, "v").finish(),
            w.get("/").query_raw("k", s).finish(),
            w.get("/").header(s, "v").finish(),
            w.get("/").header("X-K", s).finish(),
            w.get("/").header("X-A", "ok").header("X-K", s).body(b"x").finish(),
        ];
        for (i, r) in cases.into_iter().enumerate() {
            assert!(matches!(r, Err(RestError::CrlfInjection)), "case {i} with {s:?}: {r:?}");
        }
        assert!(matches!(w.default_header(s, "v"), Err(RestError::CrlfInjection)));
        assert!(matches!(w.default_header("X-K", s), Err(RestError::CrlfInjection)));
        // The first error wins, later steps don't mask it.
        let r = w.get("/").header("X-K", s).header("Bad Name", "v").finish();
        assert!(matches!(r, Err(RestError::CrlfInjection)));
    }
}

#[test]
fn invalid_and_reserved_headers() {
    let mut w = writer();
    let e = |r: Result<_, RestError>| match r {
        Err(RestError::Http(h)) => h,
        other => panic!("{other:?}"),
    };
    assert_eq!(e(w.get("/").header("Bad Name", "v").finish()), HttpError::InvalidHeaderName);
    assert_eq!(e(w.get("/").header("", "v").finish()), HttpError::InvalidHeaderName);
    assert_eq!(e(w.get("/").header("X:Y", "v").finish()), HttpError::InvalidHeaderName);
    assert_eq!(e(w.get("/").header("X", "a\x7fb").finish()), HttpError::InvalidHeaderValue);
    assert_eq!(e(w.get("/").header("X", "a\x01b").finish()), HttpError::InvalidHeaderValue);
    for name in ["Host", "content-length", "Transfer-Encoding"] {
        assert_eq!(e(w.get("/").header(name, "1").finish()), HttpError::ReservedHeader);
        assert!(matches!(w.default_header(name, "1"), Err(RestError::Http(HttpError::ReservedHeader))));
    }
    // Paths: spaces, '#', controls and non-ASCII must be percent-encoded by the caller.
    for p in ["/a b", "/a#b", "/a\x7f", "/é", "/a\tb"] {
        assert!(matches!(w.get(p).finish(), Err(RestError::InvalidUrl(_))), "{p:?}");
    }
}

#[test]
fn request_too_large_reports_the_size_needed() {
    let mut big = RequestWriter::new([0u8; 4096], "api.example.com", 443, true).unwrap();
    let long = "v".repeat(300);
    let req = big.get("/x").query("k", &long).header("X-Long", &long).body(long.as_bytes()).finish().unwrap();
    // The writer keeps the rendered host line at the front of its storage.
    let needed = big.bytes(&req).unwrap().len() + b" HTTP/1.1\r\nHost: api.example.com\r\n".len();
    for cap in [64usize, 200, 400, 700] {
        let mut storage = vec![0u8; cap];
        let mut w = RequestWriter::new(&mut storage[..], "api.example.com", 443, true).unwrap();
        let r = w.get("/x").query("k", &long).header("X-Long", &long).body(long.as_bytes()).finish();
        match r {
            Err(RestError::RequestTooLarge { needed: n, capacity }) => {
                assert_eq!(capacity, cap);
                assert_eq!(n, needed, "cap {cap}");
            }
            other => panic!("cap {cap}: {other:?}"),
        }
    }
    let mut tiny = [0u8; 8];
    assert!(matches!(
        RequestWriter::new(&mut tiny[..], "api.example.com", 443, true),
        Err(RestError::RequestTooLarge { capacity: 8, .. })
    ));
}

#[test]
fn tokens_are_checked() {
    let mut w = writer();
    let first = w.get("/a").finish().unwrap();
    assert!(w.bytes(&first).is_ok());
    let second = w.get("/b").finish().unwrap();
    assert!(matches!(w.bytes(&first), Err(RestError::StaleRequest)));
    assert!(w.bytes(&second).unwrap().starts_with(b"GET /b "));
    // An abandoned builder also invalidates the previous token.
    let _ = w.get("/c");
    assert!(matches!(w.bytes(&second), Err(RestError::StaleRequest)));
    let third = w.get("/d").finish().unwrap();
    w.default_header("X", "y").unwrap();
    assert!(matches!(w.bytes(&third), Err(RestError::StaleRequest)));
    // A token from another writer, even with the same generation, is refused.
    let mut other = writer();
    let foreign = other.get("/d").finish().unwrap();
    let mine = w.get("/d").finish().unwrap();
    let _ = mine;
    assert!(matches!(w.bytes(&foreign), Err(RestError::StaleRequest)));
}

#[test]
fn binance_style_signed_post() {
    let mut w = writer();
    w.set_base_path("/api/v3").unwrap();
    w.default_header("X-MBX-APIKEY", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A").unwrap();
    let b = w
        .post("/order")
        .query("symbol", "BTCUSDT")
        .query("side", "BUY")
        .query("type", "LIMIT")
        .query("timeInForce", "GTC")
        .query("quantity", "0.001")
        .query("price", "65000.10")
        .query("recvWindow", "5000")
        .query("timestamp", "1700000000000");
    let sig = fake_signature(b.query_string());
    assert_eq!(sig.len(), 64);
    let req = b.query("signature", &sig).header("Content-Type", "application/x-www-form-urlencoded").finish().unwrap();
    let bytes = w.bytes(&req).unwrap();
    let want = format!(
        "POST /api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=65000.10&recvWindow=5000&timestamp=1700000000000&signature={sig} HTTP/1.1\r\nHost: api.example.com\r\nX-MBX-APIKEY: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(bytes, want.as_bytes());
    well_formed(bytes);
}

#[cfg(feature = "std")]
#[test]
fn growable_storage() {
    let mut w = RequestWriter::new(Vec::new(), "h.io", 80, false).unwrap();
    let long = "x".repeat(5000);
    let req = w.post("/").body(long.as_bytes()).finish().unwrap();
    assert_eq!(w.bytes(&req).unwrap().len(), req.len());
    assert!(w.capacity() >= req.len());
    w.set_max_request_size(6000);
    let longer = "x".repeat(7000);
    assert!(matches!(w.post("/").body(longer.as_bytes()).finish(), Err(RestError::RequestTooLarge { .. })));
    let req = w.post("/").body_writer(|b| b.write_str(&long)).finish().unwrap();
    assert!(w.bytes(&req).unwrap().ends_with(long.as_bytes()));
}

/// The shape of the pool recipe in seed/patterns.md: `finish()?` then
/// `conn_and_reader()?`, with the connection handle holding `&writer` while the
/// `Request` token is passed by value. Compiles only because the token borrows
/// nothing; the `Response` (no `Drop`) borrows only the reader.
#[test]
fn request_token_borrows_nothing() {
    use crate::http::{Request, Response, ResponseReader};

    struct Slot {
        writer: RequestWriter<[u8; 512]>,
        wire: Vec<u8>,
        reader: ResponseReader<[u8; 512]>,
    }
    struct Conn<'a> {
        writer: &'a RequestWriter<[u8; 512]>,
        wire: &'a mut Vec<u8>,
    }
    impl Slot {
        fn conn_and_reader(&mut self) -> Result<(Conn<'_>, &mut ResponseReader<[u8; 512]>), RestError> {
            Ok((Conn { writer: &self.writer, wire: &mut self.wire }, &mut self.reader))
        }
    }
    impl Conn<'_> {
        fn send(self, req: Request, reader: &mut ResponseReader<[u8; 512]>) -> Result<Response<'_>, RestError> {
            self.wire.extend_from_slice(self.writer.bytes(&req)?);
            reader.begin(req.is_head());
            reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")?;
            Ok(reader.response())
        }
    }
    fn get(s: &mut Slot, path: &str) -> Result<Vec<u8>, RestError> {
        let req = s.writer.get(path).finish()?;
        let (conn, reader) = s.conn_and_reader()?;
        let resp = conn.send(req, reader)?;
        Ok(resp.body().to_vec())
    }
    let mut slot = Slot { writer: writer_on([0u8; 512]), wire: Vec::new(), reader: ResponseReader::new([0u8; 512]) };
    assert_eq!(get(&mut slot, "/ping").unwrap(), b"ok");
    assert!(slot.wire.starts_with(b"GET /ping HTTP/1.1\r\n"));
}

fn writer_on(storage: [u8; 512]) -> RequestWriter<[u8; 512]> {
    RequestWriter::new(storage, "api.example.com", 443, true).unwrap()
}

#[test]
fn in_place_body_at_the_end_of_fixed_storage_never_panics() {
    // Every storage size from "too small for the head" to "fits": an empty or short
    // in-place body must give a request or RequestTooLarge, never a panic.
    for cap in 40..160 {
        let mut storage = vec![0u8; cap];
        let mut w = RequestWriter::new(&mut storage[..], "h.io", 80, false).unwrap();
        for body in [&b""[..], b"x", b"0123456789"] {
            for in_fmt in [true, false] {
                let r = if in_fmt {
                    // An empty body writes nothing at all (not even an empty slice).
                    w.post("/o").body_writer(|b| if body.is_empty() { Ok(()) } else { b.write_bytes(body) }).finish()
                } else {
                    let n = body.len();
                    w.post("/o")
                        .body_with(n, |buf| {
                            buf.copy_from_slice(body);
                            n
                        })
                        .finish()
                };
                match r {
                    Ok(req) => {
                        let bytes = w.bytes(&req).unwrap();
                        assert!(bytes.ends_with(body));
                        well_formed(bytes);
                    }
                    Err(RestError::RequestTooLarge { capacity, .. }) => assert_eq!(capacity, cap),
                    Err(e) => panic!("cap {cap}: {e:?}"),
                }
            }
        }
    }
}
