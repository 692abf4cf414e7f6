//! Response reader on arbitrary bytes, delivered in arbitrary pieces, including
//! pipelined responses. Checks: no panic, limits hold, the outcome (status, headers,
//! body, error) does not depend on how the input was split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_net::http::{Progress, ResponseReader};
use nexus_net::rest::RestError;

/// The error's kind: sizes in `BodyTooLarge` are lower bounds that may depend on how
/// much had been read.
fn kind(e: &RestError) -> String {
    match e {
        RestError::BodyTooLarge { .. } => "BodyTooLarge".into(),
        other => format!("{other:?}"),
    }
}

const MAX_BODY: usize = 4096;

#[derive(Debug, PartialEq)]
enum Outcome {
    Response {
        status: u16,
        headers: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
        trailers: Vec<(String, Vec<u8>)>,
        keep_alive: bool,
    },
    Error(String),
    Incomplete,
}

/// Parses up to 4 pipelined responses from `input`, `step` bytes per read (0: all at
/// once), in a fixed 2 KiB buffer or a growable Vec.
fn run(input: &[u8], step: usize, head: bool, growable: bool) -> Vec<Outcome> {
    if growable {
        let r = ResponseReader::new(Vec::new()).with_max_head_size(1024).with_max_body_size(MAX_BODY);
        drive(r, input, step, head)
    } else {
        let r = ResponseReader::new([0u8; 2048]).with_max_head_size(1024).with_max_body_size(MAX_BODY);
        drive(r, input, step, head)
    }
}

fn drive<B: nexus_net::buf::Storage>(
    mut r: ResponseReader<B>,
    mut input: &[u8],
    step: usize,
    head: bool,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for _ in 0..4 {
        r.begin(head);
        let outcome = loop {
            match r.advance() {
                Err(e) => break Outcome::Error(kind(&e)),
                Ok(Progress::Complete) => {
                    let resp = r.response();
                    assert!(resp.body().len() <= MAX_BODY);
                    assert_eq!(resp.headers().count(), resp.header_count());
                    for (name, value) in resp.headers() {
                        assert!(!name.is_empty());
                        assert_eq!(resp.header_bytes(name).is_some(), true);
                        let _ = value;
                    }
                    let _ = (resp.reason(), resp.version());
                    for (name, _) in resp.trailers() {
                        assert!(resp.trailer_bytes(name).is_some());
                    }
                    assert!(resp.headers().count() + resp.trailers().count() <= 64);
                    break Outcome::Response {
                        status: resp.status(),
                        headers: resp.headers().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                        body: resp.body().to_vec(),
                        trailers: resp.trailers().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                        keep_alive: resp.keep_alive(),
                    };
                }
                Ok(Progress::NeedMore) => {
                    if input.is_empty() {
                        break match r.eof() {
                            Ok(_) => {
                                let resp = r.response();
                                Outcome::Response {
                                    status: resp.status(),
                                    headers: resp.headers().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                                    body: resp.body().to_vec(),
                                    trailers: resp.trailers().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                                    keep_alive: resp.keep_alive(),
                                }
                            }
                            Err(RestError::ConnectionClosed(why)) if why.starts_with("no response") => {
                                Outcome::Incomplete
                            }
                            Err(e) => Outcome::Error(kind(&e)),
                        };
                    }
                    let spare = r.spare();
                    assert!(!spare.is_empty(), "NeedMore with no spare room");
                    let mut n = spare.len().min(input.len());
                    if step > 0 {
                        n = n.min(step);
                    }
                    spare[..n].copy_from_slice(&input[..n]);
                    r.commit(n);
                    input = &input[n..];
                }
            }
        };
        let stop = !matches!(outcome, Outcome::Response { keep_alive: true, .. });
        out.push(outcome);
        if stop {
            break;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let head = ctl & 1 != 0;
    let step = usize::from(ctl >> 1) % 17;
    let whole = run(input, 0, head, false);
    assert_eq!(run(input, step, head, false), whole, "fixed storage, step {step}");
    // A growable buffer starts small and may report a different buffer-size error,
    // but a success must be identical.
    let grown = run(input, step, head, true);
    for (a, b) in grown.iter().zip(whole.iter()) {
        if let (Outcome::Response { .. }, Outcome::Response { .. }) = (a, b) {
            assert_eq!(a, b);
        }
    }
});
