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
