//! In-place chunked decoder on arbitrary bytes: no panic, the decoded body never
//! exceeds its limit nor the input, and the outcome does not depend on how the input
//! was split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_net::http::ChunkedDecoder;

#[derive(Debug, PartialEq)]
enum Outcome {
    Done { body: Vec<u8>, rest: Vec<u8> },
    Error(String),
    Incomplete(Vec<u8>),
}

fn run(input: &[u8], step: usize) -> Outcome {
    let mut dec = ChunkedDecoder::new(64, 8192);
    let mut buf = Vec::with_capacity(input.len());
    let (mut out, mut raw) = (0, 0);
    let mut fed = 0;
    loop {
        let n = if step == 0 { input.len() - fed } else { step.min(input.len() - fed) };
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        match dec.decode_in_place(&mut buf, &mut out, &mut raw) {
            Err(e) => return Outcome::Error(e.to_string()),
            Ok(true) => {
                assert!(dec.is_done());
                assert!(out <= raw && raw <= buf.len());
                assert!(out <= 8192);
                let mut rest = buf[raw..].to_vec();
                rest.extend_from_slice(&input[fed..]);
                return Outcome::Done { body: buf[dec.body_start(out)..out].to_vec(), rest };
            }
            Ok(false) => {
                assert!(out <= raw && raw <= buf.len());
                assert!(dec.decoded() <= out);
                if fed == input.len() {
                    return Outcome::Incomplete(buf[dec.body_start(out)..out].to_vec());
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let whole = run(input, 0);
    let step = usize::from(ctl % 16) + 1;
    assert_eq!(run(input, step), whole, "step {step}");
});
