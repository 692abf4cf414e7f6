//! Decode loop for instruction-count profiling under callgrind (repeatable on a busy
//! machine, unlike wall time): `valgrind --tool=callgrind target/release/examples/profile_decode ours 40`.
use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
use nexus_net_07::ws as old;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let who = args.get(1).map(String::as_str).unwrap_or("ours");
    let len: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(40);
    let masked = args.get(3).is_some_and(|s| s == "masked");
    let count = 1000;
    let mut w = FrameWriter::new(if masked { Role::Client } else { Role::Server }, ChaCha8Rng::seed_from_u64(1));
    let p: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    let mut wire = vec![0u8; count * w.encoded_len(len)];
    let mut at = 0;
    for _ in 0..count {
        at += w.encode_message(OpCode::Text, &p, &mut wire[at..]).unwrap();
    }
    wire.truncate(at);
    let rounds = 100;
    let mut sum = 0usize;
    let role = if masked { Role::Server } else { Role::Client };
    match who {
        "ours" => {
            let mut r = FrameReader::new(role, vec![0u8; 1 << 20], Limits::default());
            for _ in 0..rounds {
                let spare = r.spare();
                spare[..wire.len()].copy_from_slice(&wire);
                r.commit(wire.len());
                while let Progress::Message = r.advance().unwrap() {
                    if let Some(Message::Text(t)) = r.message() {
                        sum += t.len();
                    }
                }
            }
        }
        _ => {
            let role = if masked { old::Role::Server } else { old::Role::Client };
            let mut r = old::FrameReader::builder().role(role).build();
            for _ in 0..rounds {
                r.read(&wire).unwrap();
                while let Some(m) = r.next().unwrap() {
                    if let old::Message::Text(t) = m {
                        sum += t.len();
                    }
                }
            }
        }
    }
    black_box(sum);
}
