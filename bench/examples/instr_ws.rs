//! One WebSocket codec operation repeated, for instruction counting under callgrind,
//! which is repeatable on a busy machine where wall-clock benches are not.
//!
//! `instr_ws WHO OP LEN MASKED TEXT ROUNDS` with WHO in {ours, old, tungstenite},
//! OP in {decode, encode}. `scripts/instr_ws.py` runs it with ROUNDS = 0 and N and
//! reports (count(N) - count(0)) / N / frames as instructions per frame.
use std::hint::black_box;
use std::io::{self, Read, Write};

use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
use nexus_net_07::ws as old;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

struct Mem {
    input: Vec<u8>,
    pos: usize,
    output: Vec<u8>,
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.input.len() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.input.len() - self.pos);
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (who, op) = (a[1].as_str(), a[2].as_str());
    let len: usize = a[3].parse().unwrap();
    let masked = a[4] == "1";
    let text = a[5] == "1";
    let rounds: usize = a[6].parse().unwrap();
    let frames = (64 * 1024 / len).max(1);
    let p: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    let opcode = if text { OpCode::Text } else { OpCode::Binary };
    let mut w = FrameWriter::new(if masked { Role::Client } else { Role::Server }, ChaCha8Rng::seed_from_u64(1));
    let mut wire = vec![0u8; frames * w.encoded_len(len)];
    let mut at = 0;
    for _ in 0..frames {
        at += w.encode_message(opcode, &p, &mut wire[at..]).unwrap();
    }
    wire.truncate(at);
    let reader_role = if masked { Role::Server } else { Role::Client };
    let mut sum = 0usize;
    match (who, op) {
        ("ours", "decode") => {
            let mut r = FrameReader::new(reader_role, vec![0u8; 1 << 20], Limits::default());
            for _ in 0..rounds {
                let spare = r.spare();
                spare[..wire.len()].copy_from_slice(&wire);
                r.commit(wire.len());
                while let Progress::Message = r.advance().unwrap() {
                    sum += match r.message() {
                        Some(Message::Text(t)) => t.len(),
                        Some(Message::Binary(b)) => b.len(),
                        _ => 0,
                    };
                }
            }
        }
        ("old", "decode") => {
            let role = if masked { old::Role::Server } else { old::Role::Client };
            let mut r = old::FrameReader::builder().role(role).build();
            for _ in 0..rounds {
                r.read(&wire).unwrap();
                while let Some(m) = r.next().unwrap() {
                    sum += match m {
                        old::Message::Text(t) => t.len(),
                        old::Message::Binary(b) => b.len(),
                        _ => 0,
                    };
                }
            }
        }
        ("tungstenite", "decode") => {
            let role = if masked { tungstenite::protocol::Role::Server } else { tungstenite::protocol::Role::Client };
            let mut ws = tungstenite::WebSocket::from_raw_socket(
                Mem { input: wire.clone(), pos: 0, output: vec![] },
                role,
                None,
            );
            for _ in 0..rounds {
                ws.get_mut().pos = 0;
                for _ in 0..frames {
                    sum += match ws.read().unwrap() {
                        tungstenite::Message::Text(t) => t.len(),
                        tungstenite::Message::Binary(b) => b.len(),
                        _ => 0,
                    };
                }
            }
        }
        ("ours", "encode") => {
            let mut out = vec![0u8; len + 64];
            for _ in 0..rounds * frames {
                sum += w.encode_message(opcode, black_box(&p), &mut out).unwrap();
            }
        }
        ("old", "encode") => {
            let mut ow = old::FrameWriter::new(if masked { old::Role::Client } else { old::Role::Server });
            let mut out = vec![0u8; len + 64];
            for _ in 0..rounds * frames {
                sum += if text {
                    ow.encode_text(black_box(&p), &mut out)
                } else {
                    ow.encode_binary(black_box(&p), &mut out)
                };
            }
        }
        ("tungstenite", "encode") => {
            let role = if masked { tungstenite::protocol::Role::Client } else { tungstenite::protocol::Role::Server };
            let mut ws = tungstenite::WebSocket::from_raw_socket(
                Mem { input: vec![], pos: 0, output: Vec::with_capacity(len + 64) },
                role,
                None,
            );
            let s = String::from_utf8(p.clone()).unwrap();
            for _ in 0..rounds * frames {
                ws.get_mut().output.clear();
                let m =
                    if text { tungstenite::Message::text(s.clone()) } else { tungstenite::Message::binary(p.clone()) };
                ws.send(m).unwrap();
                sum += ws.get_ref().output.len();
            }
        }
        _ => panic!("unknown WHO/OP"),
    }
    black_box(sum);
    println!("frames_per_round={frames}");
}
