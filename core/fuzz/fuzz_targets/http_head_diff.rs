//! Differential: nexus-net's head parser (`http::head`) against httparse 1.10 on
//! arbitrary bytes. First byte: bits 0-2 the number of header slots (0 to 7), bit 3
//! request or response. Checks that both say the same thing: complete with the same
//! length, start line and header lines; incomplete; or the same error (httparse's
//! `HeaderName` for a folded line is our `ObsFold`, its `Token` in a request line our
//! `InvalidRequestLine`). Every prefix is checked too when the input is short, so
//! partial input is compared as well.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_net::http::head::{parse_request_head, parse_response_head, HeaderSpan};
use nexus_net::http::{HttpError, Version};

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
    ours == theirs || (ours == HttpError::ObsFold && theirs == HttpError::InvalidHeaderName)
}

fn minor(v: Version) -> u8 {
    if v == Version::Http10 {
        0
    } else {
        1
    }
}

fn check_headers(data: &[u8], spans: &[HeaderSpan], theirs: &[httparse::Header<'_>]) {
    assert_eq!(spans.len(), theirs.len());
    for (s, h) in spans.iter().zip(theirs) {
        assert_eq!(s.name(data), h.name.as_bytes());
        assert_eq!(s.value(data), h.value);
    }
}

fn response(data: &[u8], n: usize) {
    let mut spans = vec![HeaderSpan::default(); n];
    let ours = parse_response_head(data, &mut spans);
    let mut hs = vec![httparse::EMPTY_HEADER; n];
    let mut r = httparse::Response::new(&mut hs);
    let theirs = r.parse(data);
    match (ours, theirs) {
        (Ok(Some(h)), Ok(httparse::Status::Complete(len))) => {
            assert_eq!(h.len, len);
            assert_eq!(Some(h.status), r.code);
            assert_eq!(Some(minor(h.version)), r.version);
            assert_eq!(h.reason(data), r.reason.unwrap().as_bytes());
            check_headers(data, &spans[..h.headers], r.headers);
        }
        (Ok(None), Ok(httparse::Status::Partial)) => {}
        (Err(o), Err(t)) if same_err(o, theirs_err(t, false)) => {}
        (o, t) => panic!("response {data:?}: ours {o:?}, httparse {t:?}"),
    }
}

fn request(data: &[u8], n: usize) {
    let mut spans = vec![HeaderSpan::default(); n];
    let ours = parse_request_head(data, &mut spans);
    let mut hs = vec![httparse::EMPTY_HEADER; n];
    let mut r = httparse::Request::new(&mut hs);
    let theirs = r.parse(data);
    match (ours, theirs) {
        (Ok(Some(h)), Ok(httparse::Status::Complete(len))) => {
            assert_eq!(h.len, len);
            let range = |(o, l): (u16, u16)| &data[usize::from(o)..usize::from(o) + usize::from(l)];
            assert_eq!(range(h.method), r.method.unwrap().as_bytes());
            assert_eq!(range(h.target), r.path.unwrap().as_bytes());
            assert_eq!(Some(minor(h.version)), r.version);
            check_headers(data, &spans[..h.headers], r.headers);
        }
        (Ok(None), Ok(httparse::Status::Partial)) => {}
        (Err(o), Err(t)) if same_err(o, theirs_err(t, true)) => {}
        (o, t) => panic!("request {data:?}: ours {o:?}, httparse {t:?}"),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&ctl, data)) = input.split_first() else { return };
    let data = &data[..data.len().min(usize::from(u16::MAX))];
    let n = usize::from(ctl & 7);
    let check = if ctl & 8 != 0 { request } else { response };
    check(data, n);
    if data.len() <= 256 {
        for i in 0..data.len() {
            check(&data[..i], n);
        }
    }
});
