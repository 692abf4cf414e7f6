//! A short tour of the sans-IO WebSocket codec: a client encodes a subscription, a
//! ping and a fragmented snapshot; a server-role reader decodes them from bytes fed in
//! awkward pieces; then the frames a hostile peer could send are shown with the close
//! code each one earns.
//!
//! `cargo run --release --example codec_tour`

use nexus_net::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, Role};
use rand::{rngs::StdRng, SeedableRng};

fn main() {
    // The client masks every frame with a key from a caller-provided RNG.
    let mut client = FrameWriter::new(Role::Client, StdRng::from_entropy()).with_fragment_size(1000);
    let mut wire = vec![0u8; 16 * 1024];
    let mut n = 0;
    let subscribe = r#"{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}"#;
    n += client.encode_message(OpCode::Text, subscribe.as_bytes(), &mut wire[n..]).expect("fits");
    n += client.encode_control(OpCode::Ping, b"are you there?", &mut wire[n..]).expect("fits");
    let snapshot: Vec<u8> = (0..3500u32).map(|i| (i % 251) as u8).collect();
    n += client.encode_message(OpCode::Binary, &snapshot, &mut wire[n..]).expect("fits");
    n += client.encode_close(nexus_net::ws::CloseCode::Normal, "done", &mut wire[n..]).expect("fits");
    println!("client encoded {n} bytes: text, ping, a 3500-byte binary in 4 fragments, close");

    // The server decodes from a fixed 4 KiB buffer, fed 333 bytes at a time.
    let mut storage = [0u8; 4096];
    let mut reader = FrameReader::new(Role::Server, &mut storage[..], Limits::default());
    let mut fed = 0;
    loop {
        match reader.advance().expect("valid frames") {
            Progress::Message => match reader.message() {
                Some(Message::Text(t)) => println!("  text    {t}"),
                Some(Message::Binary(b)) => println!("  binary  {} bytes, reassembled in place", b.len()),
                Some(Message::Ping(p)) => {
                    println!("  ping    {:?} (answer with a pong of the same payload)", String::from_utf8_lossy(&p))
                }
                Some(Message::Pong(p)) => println!("  pong    {:?}", String::from_utf8_lossy(&p)),
                Some(Message::Close(c)) => {
                    println!("  close   {} {:?}", c.code(), c.reason());
                    break;
                }
                None => unreachable!("advance announced a message"),
            },
            Progress::NeedMore => {
                let spare = reader.spare();
                let k = spare.len().min(n - fed).min(333);
                spare[..k].copy_from_slice(&wire[fed..fed + k]);
                reader.commit(k);
                fed += k;
            }
        }
    }

    println!("\nwhat a hostile peer gets:");
    let hostile: [(&str, &[u8]); 5] = [
        ("unmasked client frame", &[0x81, 0x02, b'h', b'i']),
        ("reserved opcode 0x3", &[0x83, 0x80, 0, 0, 0, 0]),
        ("invalid UTF-8 in text", &[0x81, 0x82, 0, 0, 0, 0, 0xc0, 0xaf]),
        ("ping of 126 bytes", &[0x89, 0xFE, 0, 126, 0, 0, 0, 0]),
        ("frame over the 16 MiB limit", &[0x82, 0xFF, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (what, bytes) in hostile {
        let mut storage = [0u8; 512];
        let mut reader = FrameReader::new(Role::Server, &mut storage[..], Limits::default());
        reader.spare()[..bytes.len()].copy_from_slice(bytes);
        reader.commit(bytes.len());
        match reader.advance() {
            Err(e) => println!("  {what:<30} -> close {} ({e})", e.close_code()),
            Ok(p) => println!("  {what:<30} -> unexpectedly {p:?}"),
        }
    }
}
