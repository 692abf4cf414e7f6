//! Property: random responses written by a reference encoder (Content-Length or
//! chunked with random chunking, extensions and trailers, optional 1xx, pipelined)
//! and delivered in random pieces parse back to the same status, headers and body.

use nexus_net::http::{Progress, ResponseReader};
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Debug, Clone)]
enum Framing {
    Length,
    /// Chunk boundaries (as cut points into the body), whether to add extensions,
    /// trailers.
    Chunked {
        cuts: Vec<Index>,
        ext: bool,
        trailers: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone)]
struct Spec {
    interim: bool,
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    framing: Framing,
}

fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}".prop_filter("framing headers are added by the encoder", |n| {
        let n = n.to_ascii_lowercase();
        n != "content-length" && n != "transfer-encoding" && n != "connection"
    })
}

fn header_value() -> impl Strategy<Value = String> {
    // No leading or trailing whitespace: it is not part of a field value.
    prop_oneof![Just(String::new()), "[!-~]([ -~\t]{0,40}[!-~])?"]
}

fn spec() -> impl Strategy<Value = Spec> {
    let status = prop_oneof![200u16..=203, 205u16..=303, 305u16..=599];
    let framing = prop_oneof![
        Just(Framing::Length),
        (
            prop::collection::vec(any::<Index>(), 0..8),
            any::<bool>(),
            prop::collection::vec((header_name(), header_value()), 0..3)
        )
            .prop_map(|(cuts, ext, trailers)| Framing::Chunked { cuts, ext, trailers }),
    ];
    (
        any::<bool>(),
        status,
        "[A-Za-z ]{0,20}",
        prop::collection::vec((header_name(), header_value()), 0..20),
        prop::collection::vec(any::<u8>(), 0..3000),
        framing,
    )
        .prop_map(|(interim, status, reason, headers, body, framing)| Spec {
            interim,
            status,
            reason,
            headers,
            body,
            framing,
        })
}

/// The reference encoder, written from RFC 9112 independently of the reader.
fn encode(s: &Spec, out: &mut Vec<u8>) -> Vec<(String, Vec<u8>)> {
    if s.interim {
        out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", s.status, s.reason).as_bytes());
    let mut headers: Vec<(String, Vec<u8>)> =
        s.headers.iter().map(|(n, v)| (n.clone(), v.clone().into_bytes())).collect();
    match &s.framing {
        Framing::Length => headers.push(("Content-Length".into(), s.body.len().to_string().into_bytes())),
        Framing::Chunked { .. } => headers.push(("Transfer-Encoding".into(), b"chunked".to_vec())),
    }
    for (n, v) in &headers {
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    match &s.framing {
        Framing::Length => out.extend_from_slice(&s.body),
        Framing::Chunked { cuts, ext, trailers } => {
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(s.body.len() + 1)).collect();
            points.push(0);
            points.push(s.body.len());
            points.sort_unstable();
            points.dedup();
            for w in points.windows(2) {
                let chunk = &s.body[w[0]..w[1]];
                out.extend_from_slice(format!("{:x}", chunk.len()).as_bytes());
                if *ext {
                    out.extend_from_slice(b";name=\"v a l\";flag");
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n");
            for (n, v) in trailers {
                out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    headers
}

type Parsed = (u16, String, Vec<(String, Vec<u8>)>, Vec<u8>);

fn parse_all(wire: &[u8], cuts: &[usize], count: usize) -> Result<Vec<Parsed>, String> {
    let mut reader = ResponseReader::new([0u8; 16 * 1024]);
    let mut pieces = Vec::new();
    let mut last = 0;
    for &c in cuts {
        pieces.push(&wire[last..c]);
        last = c;
    }
    pieces.push(&wire[last..]);
    let mut pieces = pieces.into_iter();
    let mut pending: &[u8] = &[];
    let mut out = Vec::new();
    reader.begin(false);
    while out.len() < count {
        match reader.advance().map_err(|e| e.to_string())? {
            Progress::Complete => {
                let r = reader.response();
                out.push((
                    r.status(),
                    r.reason().to_string(),
                    r.headers().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                    r.body().to_vec(),
                ));
                assert!(r.keep_alive());
                reader.begin(false);
            }
            Progress::NeedMore => {
                while pending.is_empty() {
                    pending = pieces.next().ok_or("input ended early")?;
                }
                let spare = reader.spare();
                let n = spare.len().min(pending.len());
                spare[..n].copy_from_slice(&pending[..n]);
                reader.commit(n);
                pending = &pending[n..];
            }
        }
    }
    assert_eq!(reader.buffered(), 0, "nothing left over after the last response");
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoded_responses_parse_back(
        specs in prop::collection::vec(spec(), 1..4),
        cuts in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for s in &specs {
            let headers = encode(s, &mut wire);
            expected.push((s.status, s.reason.clone(), headers, s.body.clone()));
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        let got = parse_all(&wire, &cuts, specs.len());
        prop_assert_eq!(got, Ok(expected));
    }
}

// ------------------------------------------------------------------ request writer

#[derive(Debug, Clone)]
enum BodyKind {
    None,
    Slice(Vec<u8>),
    Fmt(String),
    With(Vec<u8>, usize),
}

fn any_text() -> impl Strategy<Value = String> {
    // Mostly benign, sometimes hostile (CR, LF, NUL, controls, spaces, non-ASCII).
    prop_oneof![
        4 => "[A-Za-z0-9._~-]{0,12}",
        1 => "[ -~]{0,12}",
        1 => prop::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect()),
        1 => "[a-z]{0,4}[\r\n\0][a-z]{0,4}",
    ]
}

fn body_kind() -> impl Strategy<Value = BodyKind> {
    prop_oneof![
        Just(BodyKind::None),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(BodyKind::Slice),
        "[ -~]{0,300}".prop_map(BodyKind::Fmt),
        (prop::collection::vec(any::<u8>(), 0..300), 0usize..400).prop_map(|(b, max)| BodyKind::With(b, max)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any inputs, any fixed storage size: the writer returns a well-formed request
    /// whose parts parse back, or an error; it never panics and never writes CR/LF
    /// where it does not belong.
    #[test]
    fn writer_never_panics_and_output_parses_back(
        cap in 0usize..700,
        path in any_text(),
        query in prop::collection::vec((any_text(), any_text(), any::<bool>()), 0..4),
        headers in prop::collection::vec((any_text(), any_text()), 0..4),
        body in body_kind(),
    ) {
        use nexus_net::http::RequestWriter;
        use nexus_net::rest::RestError;
        use std::fmt::Write as _;

        let mut storage = vec![0u8; cap];
        let Ok(mut w) = RequestWriter::new(&mut storage[..], "h.io", 80, false) else {
            return Ok(());
        };
        let mut b = w.post(&path);
        for (k, v, raw) in &query {
            b = if *raw { b.query_raw(k, v) } else { b.query(k, v) };
        }
        let mut hb = b.header("X-First", "1");
        for (k, v) in &headers {
            hb = hb.header(k, v);
        }
        let result = match &body {
            BodyKind::None => hb.finish(),
            BodyKind::Slice(s) => hb.body(s).finish(),
            BodyKind::Fmt(s) => hb.body_writer(|bw| bw.write_str(s)).finish(),
            BodyKind::With(s, max) => hb
                .body_with(*max, |buf| {
                    let n = s.len().min(buf.len());
                    buf[..n].copy_from_slice(&s[..n]);
                    if s.len() > buf.len() { buf.len() + 1 } else { n }
                })
                .finish(),
        };
        match result {
            Ok(req) => {
                let bytes = w.bytes(&req).unwrap();
                let mut hs = [httparse::EMPTY_HEADER; 16];
                let mut parsed = httparse::Request::new(&mut hs);
                let n = match parsed.parse(bytes) {
                    Ok(httparse::Status::Complete(n)) => n,
                    other => panic!("not a complete request: {other:?} in {:?}", String::from_utf8_lossy(bytes)),
                };
                prop_assert_eq!(parsed.method, Some("POST"));
                prop_assert_eq!(parsed.headers.len(), 3 + headers.len());
                for ((k, v), h) in headers.iter().zip(&parsed.headers[2..]) {
                    prop_assert_eq!(h.name, k.as_str());
                    // Leading/trailing whitespace is not part of a field value (RFC 9110 5.5).
                    prop_assert_eq!(h.value, v.trim_matches([' ', '\t']).as_bytes());
                }
                let body_bytes = &bytes[n..];
                let want: &[u8] = match &body {
                    BodyKind::None => b"",
                    BodyKind::Slice(s) => s,
                    BodyKind::Fmt(s) => s.as_bytes(),
                    BodyKind::With(s, _) => s,
                };
                prop_assert_eq!(body_bytes, want);
                let cl = parsed.headers.last().unwrap();
                prop_assert_eq!(cl.name, "Content-Length");
                let len = want.len().to_string();
                prop_assert_eq!(cl.value, len.as_bytes());
            }
            Err(RestError::RequestTooLarge { capacity, needed }) => {
                prop_assert_eq!(capacity, cap);
                prop_assert!(needed > 0);
            }
            Err(RestError::CrlfInjection | RestError::InvalidUrl(_) | RestError::Http(_) | RestError::BodyWrite) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
}
