//! A peer that sends anything: random sequences of well-formed, malformed and
//! truncated frames, and plain garbage, to the tokio `WsStream` of either role (whole
//! or split) and to the embassy `WsClient` (over an in-memory transport that hands
//! the bytes over in random pieces). Whatever arrives, `recv` must end (no hang, no
//! panic), and what the stream sent back must follow RFC 6455: well-formed frames of
//! its role, nothing after its Close (also when the application closed first), the
//! peer's Close echoed, and a protocol error answered with a Close carrying the code
//! the error reports.

mod support;

use std::time::Duration;

use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_embassy_net::ws::{WsClientBuilder, WsError as EmbassyError};
use nexus_net::ws::{CloseCode, FrameReader, Limits, Message, OpCode, Progress, Role};
use proptest::prelude::*;
use support::{Rng, Script};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One piece of what the peer sends.
#[derive(Debug, Clone)]
enum Chunk {
    /// A frame with any header bits (reserved opcodes and RSV bits included),
    /// masked as the peer's role requires or not, with `payload`.
    Frame { fin: bool, rsv: u8, opcode: u8, masked_right: bool, payload: Vec<u8> },
    /// A well-formed Close with a code and reason.
    Close { code: u16, reason: String },
    /// Anything.
    Garbage(Vec<u8>),
}

fn chunk() -> impl Strategy<Value = Chunk> {
    prop_oneof![
        6 => (any::<bool>(), prop_oneof![4 => Just(0u8), 1 => 0u8..8], prop_oneof![
                3 => Just(1u8), 3 => Just(2u8), 2 => Just(0u8), 2 => Just(9u8), 2 => Just(10u8), 1 => Just(8u8), 1 => 0u8..16
            ], prop_oneof![9 => Just(true), 1 => Just(false)],
            prop_oneof![4 => proptest::collection::vec(any::<u8>(), 0..20), 2 => "[a-z é€]{0,40}".prop_map(String::into_bytes),
                1 => proptest::collection::vec(any::<u8>(), 100..1500)])
            .prop_map(|(fin, rsv, opcode, masked_right, payload)| Chunk::Frame { fin, rsv, opcode, masked_right, payload }),
        1 => (prop_oneof![Just(1000u16), Just(1001), Just(1005), Just(1006), Just(3000), any::<u16>()], "[a-z]{0,10}")
            .prop_map(|(code, reason)| Chunk::Close { code, reason }),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Chunk::Garbage),
    ]
}

/// The bytes of `chunks` as sent by the peer of `role`.
fn wire(role: Role, chunks: &[Chunk]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut key = 0x1234_5678u32;
    for c in chunks {
        let (b0, mask, payload) = match c {
            Chunk::Frame { fin, rsv, opcode, masked_right, payload } => {
                let peer_masks = role == Role::Server;
                (u8::from(*fin) << 7 | (rsv & 7) << 4 | (opcode & 15), peer_masks == *masked_right, payload.clone())
            }
            Chunk::Close { code, reason } => {
                let mut p = code.to_be_bytes().to_vec();
                p.extend_from_slice(reason.as_bytes());
                (0x88, role == Role::Server, p)
            }
            Chunk::Garbage(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
        };
        out.push(b0);
        let mask_bit = if mask { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => out.push(mask_bit | n as u8),
            n if n <= 0xffff => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        if mask {
            key = key.rotate_left(7) ^ 0x9e37_79b9;
            let k = key.to_be_bytes();
            out.extend_from_slice(&k);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        } else {
            out.extend_from_slice(&payload);
        }
    }
    out
}

/// The frames the stream sent, decoded as its peer would: (opcode, payload).
fn sent_frames(role: Role, bytes: &[u8]) -> Vec<(OpCode, Vec<u8>)> {
    let peer = if role == Role::Client { Role::Server } else { Role::Client };
    let limits = Limits { max_frame_size: 1 << 20, max_message_size: 1 << 20 };
    let mut reader = FrameReader::new(peer, vec![0u8; 1 << 16], limits);
    reader.spare()[..bytes.len()].copy_from_slice(bytes);
    reader.commit(bytes.len());
    let mut frames = Vec::new();
    loop {
        match reader.advance() {
            Ok(Progress::Message) => frames.push(match reader.message().unwrap() {
                Message::Text(t) => (OpCode::Text, t.as_bytes().to_vec()),
                Message::Binary(b) => (OpCode::Binary, b.to_vec()),
                Message::Ping(p) => (OpCode::Ping, p.to_vec()),
                Message::Pong(p) => (OpCode::Pong, p.to_vec()),
                Message::Close(f) => {
                    let mut p = f.code().as_u16().to_be_bytes().to_vec();
                    p.extend_from_slice(f.reason().as_bytes());
                    (OpCode::Close, p)
                }
            }),
            Ok(Progress::NeedMore) => {
                assert!(reader.buffered().is_empty(), "the stream sent a cut frame: {bytes:?}");
                return frames;
            }
            Err(e) => panic!("the stream sent a malformed frame ({e}): {bytes:?}"),
        }
    }
}

/// What `recv` ended with.
#[derive(Debug)]
enum End {
    /// `None`; whether a Close from the peer was among the messages.
    Done { peer_closed: bool },
    /// A protocol error: the close code reported, and the one the error calls for.
    Protocol { code: CloseCode, expected: CloseCode },
    /// The transport ended mid-frame (or failed).
    Io,
    /// Anything else (a failure of the test).
    Other(String),
}

impl From<WsError> for End {
    fn from(e: WsError) -> Self {
        match e {
            WsError::Protocol { error, code } => End::Protocol { code, expected: error.close_code() },
            WsError::Io(_) => End::Io,
            other => End::Other(format!("{other:?}")),
        }
    }
}

impl From<EmbassyError> for End {
    fn from(e: EmbassyError) -> Self {
        match e {
            EmbassyError::Protocol { error, code } => End::Protocol { code, expected: error.close_code() },
            EmbassyError::Io(_) => End::Io,
            other => End::Other(format!("{other:?}")),
        }
    }
}

async fn exchange(role: Role, auto_pong: bool, split: bool, close_first: bool, input: Vec<u8>) -> (End, Vec<u8>) {
    let (ours, mut peer) = tokio::io::duplex(1 << 17);
    let builder = WsStreamBuilder::new().auto_pong(auto_pong).max_message_size(1024).buffer_capacity(4096);
    let mut ws = builder.from_raw_socket(ours, role);
    let peer_side = async move {
        // The stream may stop reading (and drop its end) at any point.
        let _ = peer.write_all(&input).await;
        let _ = peer.shutdown().await;
        let mut back = Vec::new();
        let _ = peer.read_to_end(&mut back).await;
        back
    };
    // The same loop over the whole stream or its reader half (whose replies go
    // through the writer half's lock).
    macro_rules! drain {
        ($rx:expr) => {{
            let mut peer_closed = false;
            let end = loop {
                match $rx.recv().await {
                    Ok(Some(Message::Close(_))) => peer_closed = true,
                    Ok(Some(_)) => {}
                    Ok(None) => break End::Done { peer_closed },
                    Err(e) => break End::from(e),
                }
            };
            // After the end, `recv` stays at `None`.
            assert!(matches!($rx.recv().await, Ok(None)), "recv after the end");
            end
        }};
    }
    let our_side = async move {
        if split {
            let (mut reader, writer) = ws.split();
            if close_first {
                writer.close(CloseCode::Normal, "bye").await.unwrap();
            }
            let end = drain!(reader);
            drop((reader, writer));
            end
        } else {
            if close_first {
                ws.close(CloseCode::Normal, "bye").await.unwrap();
            }
            let end = drain!(ws);
            drop(ws);
            end
        }
    };
    let (back, end) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(peer_side, our_side) })
        .await
        .expect("the stream hung");
    (end, back)
}

/// The server side of the opening handshake (core's), then `input`: the reply of
/// the embassy client's transport. The input rides in a thread-local: `Script`
/// takes a plain `fn`.
fn accept_then_input(request: &[u8]) -> Option<Vec<u8>> {
    let req = nexus_net::ws::handshake::parse_request(request, 8192).ok()??;
    let mut head = [0u8; 512];
    let n = nexus_net::ws::handshake::write_accept(&mut head, req.key(), None, &[]).unwrap();
    let mut reply = head[..n].to_vec();
    INPUT.with(|input| reply.extend_from_slice(&input.borrow()));
    Some(reply)
}

thread_local! {
    static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The embassy client (client role) against `input`; what it ended with and sent.
fn embassy_exchange(auto_pong: bool, close_first: bool, piece: usize, input: Vec<u8>) -> (End, Vec<u8>) {
    INPUT.with(|i| *i.borrow_mut() = input);
    let io = Script::new(accept_then_input, piece);
    let (mut read_buf, mut write_buf) = ([0u8; 1100], [0u8; 256]);
    let builder = WsClientBuilder::new().auto_pong(auto_pong).max_message_size(1024);
    embassy_futures::block_on(async {
        let mut ws = builder.connect_with(io, "ws://peer/", &mut read_buf, &mut write_buf, Rng(7)).await.unwrap();
        if close_first {
            // Sends the Close, then reads until the peer's Close or the end of input.
            match ws.close(CloseCode::Normal, "bye").await {
                Ok(()) | Err(EmbassyError::Protocol { .. }) | Err(EmbassyError::Io(_)) => {}
                Err(e) => panic!("close: {e:?}"),
            }
        }
        let mut peer_closed = false;
        let end = loop {
            match ws.recv().await {
                Ok(Some(Message::Close(_))) => peer_closed = true,
                Ok(Some(_)) => {}
                Ok(None) => break End::Done { peer_closed },
                Err(e) => break End::from(e),
            }
        };
        assert!(matches!(ws.recv().await, Ok(None)), "recv after the end");
        (end, ws.into_inner().sent)
    })
}

fn check(role: Role, auto_pong: bool, close_first: bool, end: &End, back: &[u8]) -> Result<(), TestCaseError> {
    let frames = sent_frames(role, back);
    if close_first {
        // Our Close went first: nothing may follow it, not even an automatic pong or
        // the answer to a protocol error.
        let ours = (OpCode::Close, [&1000u16.to_be_bytes()[..], b"bye"].concat());
        prop_assert_eq!(&frames, &vec![ours], "{:?}", end);
        return Ok(());
    }
    let closes: Vec<usize> = frames.iter().enumerate().filter(|(_, f)| f.0 == OpCode::Close).map(|(i, _)| i).collect();
    prop_assert!(closes.len() <= 1, "more than one Close sent: {frames:?}");
    if let Some(&i) = closes.first() {
        prop_assert_eq!(i, frames.len() - 1, "frames after our Close: {:?}", frames);
    }
    for (opcode, _) in &frames {
        let asked_for = *opcode == OpCode::Close || (auto_pong && *opcode == OpCode::Pong);
        prop_assert!(asked_for, "unasked-for frame {opcode:?}: {frames:?}");
    }
    match end {
        End::Protocol { code, expected } => {
            prop_assert_eq!(code, expected);
            let (opcode, payload) = frames.last().expect("a protocol error is answered with a Close");
            prop_assert_eq!(*opcode, OpCode::Close);
            prop_assert_eq!(CloseCode::from_u16(u16::from_be_bytes([payload[0], payload[1]])), *code);
        }
        End::Done { peer_closed: true } => {
            prop_assert_eq!(closes.len(), 1, "the peer's Close is echoed: {:?}", frames);
        }
        // EOF (maybe mid-frame): nothing to answer.
        End::Done { peer_closed: false } | End::Io => {}
        End::Other(e) => prop_assert!(false, "unexpected error {e}"),
    }
    Ok(())
}

/// Found by the property below: a frame after the peer's Close made the embassy
/// client report a protocol error (1002) it never sent. Like the tokio adapter, it
/// now drops what follows the Close and ends cleanly.
#[test]
fn what_follows_the_peers_close_is_dropped() {
    let chunks = [
        Chunk::Close { code: 1000, reason: String::new() },
        Chunk::Frame { fin: true, rsv: 0, opcode: 1, masked_right: true, payload: b"late".to_vec() },
    ];
    for piece in [1, 3, usize::MAX] {
        let (end, back) = embassy_exchange(false, false, piece, wire(Role::Client, &chunks));
        assert!(matches!(end, End::Done { peer_closed: true }), "{end:?}");
        assert_eq!(sent_frames(Role::Client, &back), [(OpCode::Close, 1000u16.to_be_bytes().to_vec())]);
    }
    for role in [Role::Client, Role::Server] {
        for split in [false, true] {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let (end, back) = rt.block_on(exchange(role, false, split, false, wire(role, &chunks)));
            assert!(matches!(end, End::Done { peer_closed: true }), "{end:?}");
            assert_eq!(sent_frames(role, &back), [(OpCode::Close, 1000u16.to_be_bytes().to_vec())]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn whatever_the_peer_sends_recv_ends_and_the_replies_follow_the_rfc(
        server in any::<bool>(),
        auto_pong in any::<bool>(),
        split in any::<bool>(),
        close_first in prop_oneof![3 => Just(false), 1 => Just(true)],
        chunks in proptest::collection::vec(chunk(), 0..12),
    ) {
        let role = if server { Role::Server } else { Role::Client };
        let input = wire(role, &chunks);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (end, back) = rt.block_on(exchange(role, auto_pong, split, close_first, input));
        check(role, auto_pong, close_first, &end, &back)?;
    }

    #[test]
    fn whatever_the_peer_sends_the_embassy_client_ends_and_follows_the_rfc(
        auto_pong in any::<bool>(),
        close_first in prop_oneof![3 => Just(false), 1 => Just(true)],
        piece in prop_oneof![1 => Just(1usize), 1 => 2usize..64, 2 => Just(usize::MAX)],
        chunks in proptest::collection::vec(chunk(), 0..12),
    ) {
        let input = wire(Role::Client, &chunks);
        let (end, back) = embassy_exchange(auto_pong, close_first, piece, input);
        check(Role::Client, auto_pong, close_first, &end, &back)?;
    }
}
