//! Both handshake parsers on arbitrary bytes: no panic, and what they report is
//! consistent with itself, with httparse, and with incremental delivery.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_net::ws::handshake::{parse_request, parse_response, write_accept, ClientKey, MAX_HEADERS};

const MAX_HEAD: usize = 4096;

fuzz_target!(|data: &[u8]| {
    check_request(data);
    check_response(data);
});

fn check_request(data: &[u8]) {
    let result = parse_request(data, MAX_HEAD);
    match result {
        Ok(Some(req)) => {
            let n = req.head_len();
            assert!(n <= data.len() && n <= MAX_HEAD);
            // The head alone parses to the same request; one byte less is incomplete.
            assert_eq!(parse_request(&data[..n], MAX_HEAD), Ok(Some(req)));
            assert_eq!(parse_request(&data[..n - 1], MAX_HEAD), Ok(None));
            // Our header iterator agrees with httparse's view of the head.
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut h = httparse::Request::new(&mut headers);
            assert_eq!(h.parse(&data[..n]), Ok(httparse::Status::Complete(n)));
            assert!(req.headers().eq(h.headers.iter().map(|h| (h.name, trim(h.value)))));
            assert_eq!(req.path(), h.path.unwrap());
            // Every offered subprotocol is a token; the key is answerable.
            for p in req.subprotocols() {
                assert!(!p.is_empty() && !p.contains([',', ' ', '\t']));
            }
            let mut out = [0u8; 512];
            let m = write_accept(&mut out, req.key(), req.subprotocols().next(), &[]).unwrap();
            assert!(out[..m].ends_with(b"\r\n\r\n"));
        }
        Ok(None) => assert!(data.len() < MAX_HEAD),
        Err(e) => {
            let _ = e.http_status();
            // An error is final: more bytes never turn it into success or "incomplete".
            if data.len() + 4 <= MAX_HEAD {
                let mut longer = data.to_vec();
                longer.extend_from_slice(b"\r\n\r\n");
                assert_eq!(parse_request(&longer, MAX_HEAD).map(|_| ()), Err(e));
            }
        }
    }
}

fn check_response(data: &[u8]) {
    // The key is taken from the input so that a valid accept is reachable.
    let mut nonce = [0u8; 16];
    for (n, b) in nonce.iter_mut().zip(data) {
        *n = *b;
    }
    let key = ClientKey::from_nonce(nonce);
    let offered = ["chat", "superchat"];
    match parse_response(data, &key, &offered, MAX_HEAD) {
        Ok(Some(resp)) => {
            assert!(resp.head_len <= data.len());
            assert!(resp.subprotocol.is_none_or(|i| i < offered.len()));
            let n = resp.head_len;
            assert_eq!(parse_response(&data[..n], &key, &offered, MAX_HEAD), Ok(Some(resp)));
            assert_eq!(parse_response(&data[..n - 1], &key, &offered, MAX_HEAD), Ok(None));
        }
        Ok(None) => assert!(data.len() < MAX_HEAD),
        Err(e) => {
            if data.len() + 4 <= MAX_HEAD {
                let mut longer = data.to_vec();
                longer.extend_from_slice(b"\r\n\r\n");
                assert_eq!(parse_response(&longer, &key, &offered, MAX_HEAD), Err(e));
            }
        }
    }
    // A genuine accept for this key, followed by the fuzz bytes as "frames", must
    // parse with the head length of the accept alone.
    let mut buf = [0u8; 8192];
    let m = write_accept(&mut buf, key.as_str(), None, &[]).unwrap();
    let tail = data.len().min(buf.len() - m);
    buf[m..m + tail].copy_from_slice(&data[..tail]);
    let resp = parse_response(&buf[..m + tail], &key, &offered, MAX_HEAD).unwrap().unwrap();
    assert_eq!(resp.head_len, m);
    assert_eq!(resp.subprotocol, None);
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}
