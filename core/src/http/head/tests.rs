//! Fixtures for the head parser, and a differential property test against httparse
//! (the same comparison as the `http_head_diff` fuzz target).

extern crate std;
use std::vec;
use std::vec::Vec;

use super::*;
use proptest::prelude::*;

/// httparse's error in our terms; `request` maps its `Token` to the request line.
fn theirs_err(e: httparse::Error, request: bool) -> HttpError {
    match e {
        httparse::Error::Token if request => HttpError::InvalidRequestLine,
        httparse::Error::HeaderName => HttpError::InvalidHeaderName,
        httparse::Error::HeaderValue => HttpError::InvalidHeaderValue,
        httparse::Error::NewLine => HttpError::InvalidLineEnding,
        httparse::Error::Status | httparse::Error::Token => HttpError::InvalidStatusLine,
        httparse::Error::TooManyHeaders => HttpError::TooManyHeaders,
        httparse::Error::Version => HttpError::InvalidVersion,
    }
}

fn same_err(ours: HttpError, theirs: HttpError) -> bool {
    // httparse calls a folded line an invalid header name.
    ours == theirs || (ours == HttpError::ObsFold && theirs == HttpError::InvalidHeaderName)
}

fn check_headers(data: &[u8], spans: &[HeaderSpan], theirs: &[httparse::Header<'_>]) {
    assert_eq!(spans.len(), theirs.len(), "header count of {data:?}");
    for (s, h) in spans.iter().zip(theirs) {
        assert_eq!(s.name(data), h.name.as_bytes(), "name in {data:?}");
        assert_eq!(s.value(data), h.value, "value in {data:?}");
    }
}

/// Our response parser and httparse agree on `data` with `n` header slots.
pub(super) fn diff_response(data: &[u8], n: usize) {
    let data = &data[..data.len().min(usize::from(u16::MAX))];
    let mut spans = vec![HeaderSpan::default(); n];
    let ours = parse_response_head(data, &mut spans);
    let mut hs = vec![httparse::EMPTY_HEADER; n];
    let mut r = httparse::Response::new(&mut hs);
    let theirs = r.parse(data);
    match (ours, theirs) {
        (Ok(Some(h)), Ok(httparse::Status::Complete(len))) => {
            assert_eq!(h.len, len, "{data:?}");
            assert_eq!(Some(h.status), r.code);
            assert_eq!(Some(if h.version == Version::Http10 { 0 } else { 1 }), r.version);
            assert_eq!(h.reason(data), r.reason.unwrap().as_bytes(), "reason of {data:?}");
            check_headers(data, &spans[..h.headers], r.headers);
        }
        (Ok(None), Ok(httparse::Status::Partial)) => {}
        (Err(o), Err(t)) if same_err(o, theirs_err(t, false)) => {}
        (o, t) => panic!("response {data:?}: ours {o:?}, httparse {t:?}"),
    }
}

/// Our request parser and httparse agree on `data` with `n` header slots.
pub(super) fn diff_request(data: &[u8], n: usize) {
    let data = &data[..data.len().min(usize::from(u16::MAX))];
    let mut spans = vec![HeaderSpan::default(); n];
    let ours = parse_request_head(data, &mut spans);
    let mut hs = vec![httparse::EMPTY_HEADER; n];
    let mut r = httparse::Request::new(&mut hs);
    let theirs = r.parse(data);
    match (ours, theirs) {
        (Ok(Some(h)), Ok(httparse::Status::Complete(len))) => {
            assert_eq!(h.len, len, "{data:?}");
            let range = |(o, l): (u16, u16)| &data[usize::from(o)..usize::from(o) + usize::from(l)];
            assert_eq!(range(h.method), r.method.unwrap().as_bytes());
            assert_eq!(range(h.target), r.path.unwrap().as_bytes());
            assert_eq!(Some(if h.version == Version::Http10 { 0 } else { 1 }), r.version);
            check_headers(data, &spans[..h.headers], r.headers);
        }
        (Ok(None), Ok(httparse::Status::Partial)) => {}
        (Err(o), Err(t)) if same_err(o, theirs_err(t, true)) => {}
        (o, t) => panic!("request {data:?}: ours {o:?}, httparse {t:?}"),
    }
}

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\
X-Empty:\r\nX-Ws: \t a b \t\r\nX-Obs: caf\xc3\xa9\r\n\r\n{}";

#[test]
fn typical_response() {
    let mut spans = [HeaderSpan::default(); 8];
    let h = parse_response_head(RESPONSE, &mut spans).unwrap().unwrap();
    assert_eq!((h.version, h.status, h.headers), (Version::Http11, 200, 5));
    assert_eq!(&RESPONSE[h.len..], b"{}");
    assert_eq!(h.reason(RESPONSE), b"OK");
    let got: Vec<(&[u8], &[u8])> = spans[..5].iter().map(|s| (s.name(RESPONSE), s.value(RESPONSE))).collect();
    assert_eq!(
        got,
        [
            (&b"Content-Type"[..], &b"application/json"[..]),
            (b"Content-Length", b"2"),
            (b"X-Empty", b""),
            (b"X-Ws", b"a b"),
            (b"X-Obs", b"caf\xc3\xa9"),
        ]
    );
    diff_response(RESPONSE, 8);
}

#[test]
fn every_prefix_is_incomplete() {
    let mut spans = [HeaderSpan::default(); 8];
    let head_len = RESPONSE.len() - 2;
    for i in 0..head_len {
        assert_eq!(parse_response_head(&RESPONSE[..i], &mut spans), Ok(None), "prefix {i}");
        diff_response(&RESPONSE[..i], 8);
    }
}

#[test]
fn status_lines() {
    let mut spans = [HeaderSpan::default(); 2];
    let mut one = |s: &[u8]| parse_response_head(s, &mut spans).map(|h| h.map(|h| (h.version, h.status, h.len)));
    assert_eq!(one(b"HTTP/1.0 404 Not Found\r\n\r\n"), Ok(Some((Version::Http10, 404, 26))));
    assert_eq!(one(b"HTTP/1.1 204\r\n\r\n"), Ok(Some((Version::Http11, 204, 16))));
    assert_eq!(one(b"HTTP/1.1 200 \n\n"), Ok(Some((Version::Http11, 200, 15))));
    assert_eq!(one(b"\r\n\nHTTP/1.1 200 OK\r\n\r\n"), Ok(Some((Version::Http11, 200, 22))));
    assert_eq!(one(b"HTTP/1.2 200 OK\r\n\r\n"), Err(HttpError::InvalidVersion));
    assert_eq!(one(b"HTTP/2 200 OK\r\n\r\n"), Err(HttpError::InvalidVersion));
    assert_eq!(one(b"HTTX"), Err(HttpError::InvalidVersion));
    assert_eq!(one(b"HTTP/1.1  200 OK\r\n\r\n"), Err(HttpError::InvalidStatusLine));
    assert_eq!(one(b"HTTP/1.1 20 OK\r\n\r\n"), Err(HttpError::InvalidStatusLine));
    assert_eq!(one(b"HTTP/1.1 2000 OK\r\n\r\n"), Err(HttpError::InvalidStatusLine));
    assert_eq!(one(b"HTTP/1.1 200 O\rK\r\n\r\n"), Err(HttpError::InvalidStatusLine));
    assert_eq!(one(b"HTTP/1.1 200 O\0K\r\n\r\n"), Err(HttpError::InvalidStatusLine));
    assert_eq!(one(b"HTTP/1.1\t200 OK\r\n\r\n"), Err(HttpError::InvalidVersion));
    assert_eq!(one(b"\rHTTP/1.1 200 OK\r\n\r\n"), Err(HttpError::InvalidLineEnding));
    // A reason with obs-text is reported empty (as httparse does).
    let wire = b"HTTP/1.1 200 caf\xc3\xa9\r\n\r\n";
    let h = parse_response_head(wire, &mut spans).unwrap().unwrap();
    assert_eq!(h.reason(wire), b"");
}

#[test]
fn hostile_header_lines() {
    let mut spans = [HeaderSpan::default(); 2];
    let mut one = |s: &[u8]| parse_response_head(s, &mut spans).map(|h| h.map(|h| h.headers));
    let h = |rest: &[u8]| [&b"HTTP/1.1 200 OK\r\n"[..], rest].concat();
    assert_eq!(one(&h(b"A: 1\r\nB: 2\r\n\r\n")), Ok(Some(2)));
    assert_eq!(one(&h(b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n")), Err(HttpError::TooManyHeaders));
    assert_eq!(one(&h(b"A: 1\r\nB: 2\r\nC: 3")), Ok(None), "too many is reported once the line is complete");
    assert_eq!(one(&h(b"A: 1\r\n folded\r\n\r\n")), Err(HttpError::ObsFold));
    assert_eq!(one(&h(b"A: 1\r\n\tfolded\r\n\r\n")), Err(HttpError::ObsFold));
    assert_eq!(one(&h(b" A: 1\r\n\r\n")), Err(HttpError::ObsFold));
    assert_eq!(one(&h(b"A : 1\r\n\r\n")), Err(HttpError::InvalidHeaderName));
    assert_eq!(one(&h(b": 1\r\n\r\n")), Err(HttpError::InvalidHeaderName));
    assert_eq!(one(&h(b"A\0: 1\r\n\r\n")), Err(HttpError::InvalidHeaderName));
    assert_eq!(one(&h(b"A: 1\0\r\n\r\n")), Err(HttpError::InvalidHeaderValue));
    assert_eq!(one(&h(b"A: 1\x7f\r\n\r\n")), Err(HttpError::InvalidHeaderValue));
    assert_eq!(one(&h(b"A: 1\r2\r\n\r\n")), Err(HttpError::InvalidHeaderValue));
    assert_eq!(one(&h(b"A: \r2\r\n\r\n")), Err(HttpError::InvalidHeaderValue));
    assert_eq!(one(&h(b"A: 1\r\n\rX")), Err(HttpError::InvalidLineEnding));
    assert_eq!(one(&h(b"A: 1\n\n")), Ok(Some(1)), "bare LF line ends are accepted, as by httparse");
    // A long value crosses every vector width.
    let long = [&b"X: "[..], &[b'v'; 100], b"\x01\r\n\r\n"].concat();
    assert_eq!(one(&h(&long)), Err(HttpError::InvalidHeaderValue));
}

#[test]
fn requests() {
    let wire = b"GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\r\n";
    let mut spans = [HeaderSpan::default(); 4];
    let h = parse_request_head(wire, &mut spans).unwrap().unwrap();
    assert_eq!((h.len, h.headers, h.version), (wire.len(), 2, Version::Http11));
    assert_eq!(h.method, (0, 3));
    assert_eq!(h.target, (4, 9));
    assert_eq!(spans[1].value(wire), b"websocket");
    for bad in [
        &b" GET / HTTP/1.1\r\n\r\n"[..],
        b"GET  / HTTP/1.1\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(parse_request_head(bad, &mut spans), Err(HttpError::InvalidRequestLine), "{bad:?}");
        diff_request(bad, 4);
    }
    assert_eq!(parse_request_head(b"GET / HTTP/1.1\rX", &mut spans), Err(HttpError::InvalidLineEnding));
    assert_eq!(parse_request_head(b"GET / HTTP/1.1 \r\n", &mut spans), Err(HttpError::InvalidLineEnding));
    assert_eq!(parse_request_head(b"GET / HTTP/1.1\r\nHost: a", &mut spans), Ok(None));
    for i in 0..=wire.len() {
        diff_request(&wire[..i], 4);
    }
}

#[test]
fn long_input_is_clamped() {
    let mut wire = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
    wire.resize(70_000, b'a');
    let mut spans = [HeaderSpan::default(); 2];
    assert_eq!(parse_response_head(&wire, &mut spans), Ok(None));
}

/// Every scan path finds the same first non-value byte as the byte loop.
#[test]
fn scan_paths_agree() {
    let mut data: Vec<u8> = (0..200u32).map(|i| b"abc \t~\x80\xff"[i as usize % 8]).collect();
    for stop in [0u8, b'\r', b'\n', 0x1f, 0x7f, 0x08] {
        for at in 0..data.len() {
            let saved = data[at];
            data[at] = stop;
            for start in [0, 1, 7, 15, 31] {
                let want = if start <= at { at } else { data.len() };
                assert_eq!(Swar::skip_value(&data, start), want);
                #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
                assert_eq!(Sse2::skip_value(&data, start), want);
                #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
                if std::is_x86_feature_detected!("avx2") {
                    #[target_feature(enable = "avx2")]
                    unsafe fn avx(d: &[u8], s: usize) -> usize {
                        Avx2::skip_value(d, s)
                    }
                    // SAFETY: AVX2 was detected.
                    assert_eq!(unsafe { avx(&data, start) }, want);
                }
            }
            data[at] = saved;
        }
    }
}

/// Pieces that make heads likely to be nearly valid, so the comparison reaches deep.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(vec![
            &b"HTTP/1.1 "[..], b"HTTP/1.0 ", b"200", b" OK", b"\r\n", b"\n", b"\r", b": ", b":", b" ", b"\t",
            b"Content-Length", b"X-A", b"value", b"GET ", b"/path?q=1 ", b"HTTP/1.1\r\n", b"\r\n\r\n", b"\0",
            b"\x7f", b"\xc3\xa9", b"\xff", b"0123456789abcdefghijklmnopqrstuvwxyz0123456789",
        ]).prop_map(|s| s.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..4),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn same_as_httparse(pieces in prop::collection::vec(piece(), 0..24), n in 0usize..6) {
        let data = pieces.concat();
        diff_response(&data, n);
        diff_request(&data, n);
        // With a valid start line too.
        diff_response(&[&b"HTTP/1.1 200 OK\r\n"[..], &data].concat(), n);
        diff_request(&[&b"GET / HTTP/1.1\r\n"[..], &data].concat(), n);
    }
}

/// The AVX2 one-window header line fast path accepts and refuses exactly what the
/// byte loop does, with the same spans: every byte value at every position of the
/// first header line (name, colon, whitespace, value, line end and past the window),
/// for lines of several shapes, with the rest of the head long enough that the
/// fast path is tried, and at every truncation of the modified input.
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[test]
fn header_line_fast_path_agrees_with_the_byte_loop() {
    if !std::is_x86_feature_detected!("avx2") {
        return;
    }
    let general = |d: &[u8], n: usize| {
        let mut spans = vec![HeaderSpan::default(); n];
        let r = response::<Swar>(d, &mut spans);
        (r, spans)
    };
    let fast = |d: &[u8], n: usize| {
        let mut spans = vec![HeaderSpan::default(); n];
        // SAFETY: AVX2 was detected.
        let r = unsafe { response_avx2(d, &mut spans) };
        (r, spans)
    };
    let lines: [&[u8]; 21] = [
        // No header lines: the empty line that ends the head comes first.
        b"\r\n",
        b"Content-Length: 226\r\n",
        b"x-mbx-used-weight-1m:4\r\n",
        b"A: \t b \t\r\n",
        b"Content-Type: application/json;charset=UTF-8; and a long tail\r\n",
        b"abcdefghijklmnopqrstuvwxyz01234: v\r\n",
        b"X:\r\n",
        // The CR at the window's last two positions and just past it.
        b"abcdefghijklmnopqrstuvwxyz: 12\r\n",
        b"abcdefghijklmnopqrstuvwxyz: 123\r\n",
        b"abcdefghijklmnopqrstuvwxyz: 1234\r\n",
        // Whitespace only after the colon, up to the line end.
        b"X-A: \t  \r\n",
        // Lines ending in the second window (33 to 64 bytes): the CR at its first
        // positions, in the middle, at its last two positions and just past it;
        // trailing whitespace across the windows' border; whitespace only into it.
        b"abcdefghijklmnopqrstuvwxyz: 12345\r\n",
        b"abcdefghijklmnopqrstuvwxyz: 123456\r\n",
        b"Content-Type: application/json;charset=UTF-8\r\n",
        b"Cache-Control: no-cache, no-store, must-revalidate, x0123456\r\n",
        b"Cache-Control: no-cache, no-store, must-revalidate, x01234567\r\n",
        b"Cache-Control: no-cache, no-store, must-revalidate, x012345678\r\n",
        b"Cache-Control: no-cache, no-store, must-revalidate, x0123456789\r\n",
        b"Cache-Control: no-cache, no-store, must-revalidate, x0123456789a\r\n",
        b"abcdefghijklmnopqrstuvwxyz: ab  \t  \t  \r\n",
        b"X-A: \t                                   \r\n",
    ];
    let tail = b"Server: x\r\nDate: Sun, 29 Nov 2026 18:00:00 GMT\r\n\r\n0123456789abcdef0123456789abcdef";
    for line in lines {
        let mut data = [&b"HTTP/1.1 200 OK\r\n"[..], line, tail].concat();
        let first = 17;
        for at in first..first + line.len() + 3 {
            let saved = data[at];
            for b in 0..=255u8 {
                data[at] = b;
                for n in [0, 1, 4] {
                    assert_eq!(fast(&data, n), general(&data, n), "{:?} n {n}", &data);
                }
                // Truncated (the fast path must not read what is not there).
                for cut in [at + 1, first + 31, first + 32, first + 33, first + 63, first + 64, first + 65] {
                    let d = &data[..cut.min(data.len())];
                    assert_eq!(fast(d, 4), general(d, 4), "{d:?}");
                }
            }
            data[at] = saved;
        }
    }
}

/// The AVX2 parser's status-line fast path (`status_line`) against the byte loop:
/// every byte value at every position of the status line (and a few bytes past it),
/// for status lines of several shapes (reason phrases ending at every part of the
/// window and past it, empty, with HTAB and obs-text), and at truncations around
/// the window.
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[test]
fn status_line_fast_path_agrees_with_the_byte_loop() {
    if !std::is_x86_feature_detected!("avx2") {
        return;
    }
    let general = |d: &[u8]| {
        let mut spans = vec![HeaderSpan::default(); 4];
        let r = response::<Swar>(d, &mut spans);
        (r, spans)
    };
    let fast = |d: &[u8]| {
        let mut spans = vec![HeaderSpan::default(); 4];
        // SAFETY: AVX2 was detected.
        let r = unsafe { response_avx2(d, &mut spans) };
        (r, spans)
    };
    let lines: [&[u8]; 10] = [
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.0 204 No Content\r\n",
        b"HTTP/1.1 404\r\n",
        b"HTTP/1.1 200 \r\n",
        b"HTTP/1.1 200 a\tb \xe9t\xe9\r\n",
        // The CR at the window's last two positions and just past it.
        b"HTTP/1.1 200 abcdefghijklmnopqrstuvwxyz0123\r\n",
        b"HTTP/1.1 200 abcdefghijklmnopqrstuvwxyz01234\r\n",
        b"HTTP/1.1 200 abcdefghijklmnopqrstuvwxyz012345\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n",
        b"\r\nHTTP/1.1 200 OK\r\n",
    ];
    let tail = b"Content-Length: 2\r\nServer: x\r\nDate: Sun, 29 Nov 2026 18:00:00 GMT\r\n\r\nok";
    #[target_feature(enable = "avx2")]
    unsafe fn takes(d: &[u8]) -> Option<(u16, (u16, u16), usize)> {
        Avx2::status_line(d).map(|l| (l.status, l.reason, l.next))
    }
    // The fast path is taken where it should be (and the comparison below tests it).
    let ok = [lines[0], &tail[..]].concat();
    // SAFETY: AVX2 was detected.
    assert_eq!(unsafe { takes(&ok) }, Some((200, (13, 2), 17)));
    let obs = [lines[4], &tail[..]].concat();
    // SAFETY: as above.
    assert_eq!(unsafe { takes(&obs) }, Some((200, (0, 0), 22)));
    for line in lines {
        let mut data = [line, &tail[..]].concat();
        for at in 0..line.len() + 3 {
            let saved = data[at];
            for b in 0..=255u8 {
                data[at] = b;
                assert_eq!(fast(&data), general(&data), "{:?}", &data);
                for cut in [at, at + 1, 12, 13, 44, 45, 46] {
                    let d = &data[..cut];
                    assert_eq!(fast(d), general(d), "{d:?}");
                }
            }
            data[at] = saved;
        }
    }
}
