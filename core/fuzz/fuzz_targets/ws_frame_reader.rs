//! Arbitrary bytes into the frame reader, for both roles, in reads of sizes the input
//! chooses. The reader must never panic, must report progress or an error, and what it
//! yields must be consistent: text is UTF-8 (checked again here), control payloads fit
//! 125 bytes, and a fixed buffer never overflows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_net::ws::{FrameReader, Limits, Message, Progress, Role};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let role = if ctl & 1 == 0 { Role::Client } else { Role::Server };
    let chunk = 1 + (ctl >> 1) as usize * 3;
    let limits = Limits { max_frame_size: 4096, max_message_size: 8192 };
    let mut storage = vec![0u8; 1024];
    let mut reader = FrameReader::new(role, &mut storage[..], limits);
    let mut at = 0;
    for _ in 0..100_000 {
        match reader.advance() {
            Err(e) => {
                let _ = e.close_code();
                return;
            }
            Ok(Progress::Message) => match reader.message().expect("announced") {
                Message::Text(t) => assert!(std::str::from_utf8(t.as_bytes()).is_ok()),
                Message::Binary(b) => assert!(b.len() <= 8192),
                Message::Ping(p) | Message::Pong(p) => assert!(p.len() <= 125),
                Message::Close(c) => assert!(c.code().is_valid_on_wire() || c.code().as_u16() == 1005),
            },
            Ok(Progress::NeedMore) => {
                if at == rest.len() {
                    return;
                }
                let spare = reader.spare();
                assert!(!spare.is_empty());
                let n = chunk.min(spare.len()).min(rest.len() - at);
                spare[..n].copy_from_slice(&rest[at..at + n]);
                reader.commit(n);
                at += n;
            }
        }
    }
    panic!("no progress");
});
