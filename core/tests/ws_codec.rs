//! Frame reader and writer against byte fixtures: RFC 6455 section 5.7, every length
//! boundary, every error path with its close code, and input split at every byte.

mod common;

use common::{decode, decode_every_split, feed, GrowBuf, Owned, TestRng};
use nexus_net::ws::{CloseCode, FrameReader, FrameWriter, Limits, OpCode, Progress, ProtocolError, Role};

const CLIENT: Role = Role::Client; // reads unmasked frames from a server
const SERVER: Role = Role::Server; // reads masked frames from a client

fn text(s: &str) -> Owned {
    Owned::Text(s.into())
}

fn mask(payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect()
}

/// A raw frame: header bits, and a payload masked with `key` if given.
fn frame(b0: u8, key: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    let m = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(m | n as u8),
        n @ 126..=0xffff => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match key {
        Some(k) => {
            out.extend_from_slice(&k);
            out.extend(mask(payload, k));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn err(role: Role, wire: &[u8]) -> ProtocolError {
    let (_, e) = decode_every_split(role, wire, Limits::default());
    e.expect("an error")
}

// ---- RFC 6455 section 5.7 ----

#[test]
fn rfc_single_frame_unmasked_text() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_eq!(decode_every_split(CLIENT, &wire, Limits::default()), (vec![text("Hello")], None));
}

#[test]
fn rfc_single_frame_masked_text() {
    let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_eq!(decode_every_split(SERVER, &wire, Limits::default()), (vec![text("Hello")], None));
}

#[test]
fn rfc_fragmented_unmasked_text() {
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    assert_eq!(decode_every_split(CLIENT, &wire, Limits::default()), (vec![text("Hello")], None));
}

#[test]
fn rfc_unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_eq!(decode_every_split(CLIENT, &ping, Limits::default()), (vec![Owned::Ping(b"Hello".to_vec())], None));
    let pong = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_eq!(decode_every_split(SERVER, &pong, Limits::default()), (vec![Owned::Pong(b"Hello".to_vec())], None));
}

#[test]
fn rfc_256_and_65536_byte_binary() {
    for len in [256usize, 65536] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut wire = if len == 256 { vec![0x82, 0x7E, 0x01, 0x00] } else { vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] };
        wire.extend_from_slice(&payload);
        let (msgs, e) = decode(CLIENT, &wire, &[1], Limits::default());
        assert_eq!((msgs, e), (vec![Owned::Binary(payload.clone())], None));
        let (msgs, e) = decode(CLIENT, &wire, &[7, 1000, 3], Limits::default());
        assert_eq!((msgs, e), (vec![Owned::Binary(payload)], None));
    }
}

#[test]
fn rfc_writer_emits_the_same_bytes() {
    let mut server = FrameWriter::new(Role::Server, TestRng(1));
    let mut out = [0u8; 32];
    let n = server.encode_message(OpCode::Text, b"Hello", &mut out).unwrap();
    assert_eq!(&out[..n], &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let n = server.encode_control(OpCode::Ping, b"Hello", &mut out).unwrap();
    assert_eq!(&out[..n], &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let mut fragmenting = FrameWriter::new(Role::Server, TestRng(1)).with_fragment_size(3);
    let n = fragmenting.encode_message(OpCode::Text, b"Hello", &mut out).unwrap();
    assert_eq!(&out[..n], &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
}

#[test]
fn client_writer_masks_with_fresh_keys() {
    let mut client = FrameWriter::new(Role::Client, TestRng(7));
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    let n = client.encode_message(OpCode::Text, b"Hello", &mut a).unwrap();
    let m = client.encode_message(OpCode::Text, b"Hello", &mut b).unwrap();
    assert_eq!((n, m), (11, 11));
    assert_eq!(a[1], 0x85);
    assert_ne!(a[2..6], b[2..6], "each frame gets its own key");
    let key = [a[2], a[3], a[4], a[5]];
    assert_eq!(mask(&a[6..11], key), b"Hello");
    let (msgs, e) = decode(SERVER, &a[..n], &[1], Limits::default());
    assert_eq!((msgs, e), (vec![text("Hello")], None));
}

// ---- length boundaries, both roles, encode then decode ----

#[test]
fn every_length_boundary_round_trips() {
    for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 31) as u8).collect();
        for role in [Role::Client, Role::Server] {
            let mut w = FrameWriter::new(role, TestRng(3));
            let mut out = vec![0u8; w.encoded_len(len)];
            let n = w.encode_message(OpCode::Binary, &payload, &mut out).unwrap();
            assert_eq!(n, out.len());
            let header = n - len;
            let expect = match len {
                0..=125 => 2,
                126..=65535 => 4,
                _ => 10,
            } + if role == Role::Client { 4 } else { 0 };
            assert_eq!(header, expect, "header length for {len}");
            let reader_role = if role == Role::Client { Role::Server } else { Role::Client };
            let (msgs, e) = decode(reader_role, &out, &[4096], Limits::default());
            assert_eq!((msgs, e), (vec![Owned::Binary(payload.clone())], None), "len {len} role {role:?}");
        }
    }
}

#[test]
fn buffer_too_small_is_an_error_not_a_panic() {
    let mut w = FrameWriter::new(Role::Client, TestRng(3));
    let mut out = [0u8; 10];
    assert_eq!(
        w.encode_message(OpCode::Binary, &[0; 20], &mut out),
        Err(nexus_net::ws::EncodeError::BufferTooSmall { needed: 26 })
    );
}

// ---- control frames, close frames ----

#[test]
fn control_frames_interleaved_in_a_fragmented_message() {
    let mut wire = frame(0x01, None, b"Hel");
    wire.extend(frame(0x89, None, b"p1"));
    wire.extend(frame(0x00, None, b"l"));
    wire.extend(frame(0x8A, None, b"p2"));
    wire.extend(frame(0x80, None, b"o"));
    let expected = vec![Owned::Ping(b"p1".to_vec()), Owned::Pong(b"p2".to_vec()), text("Hello")];
    assert_eq!(decode_every_split(CLIENT, &wire, Limits::default()), (expected, None));
}

#[test]
fn masked_fragments_with_interleaved_ping() {
    let mut wire = frame(0x02, Some(KEY), &[1, 2, 3, 4, 5]);
    wire.extend(frame(0x89, Some([9, 8, 7, 6]), b"ping"));
    wire.extend(frame(0x80, Some([1, 1, 1, 1]), &[6, 7]));
    let expected = vec![Owned::Ping(b"ping".to_vec()), Owned::Binary(vec![1, 2, 3, 4, 5, 6, 7])];
    assert_eq!(decode_every_split(SERVER, &wire, Limits::default()), (expected, None));
}

#[test]
fn close_frames() {
    assert_eq!(
        decode_every_split(CLIENT, &frame(0x88, None, &[]), Limits::default()),
        (vec![Owned::Close(1005, String::new())], None)
    );
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice("bye ✓".as_bytes());
    assert_eq!(
        decode_every_split(CLIENT, &frame(0x88, None, &payload), Limits::default()),
        (vec![Owned::Close(1000, "bye ✓".into())], None)
    );
    for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] {
        let (m, e) = decode(CLIENT, &frame(0x88, None, &code.to_be_bytes()), &[1], Limits::default());
        assert_eq!((m, e), (vec![Owned::Close(code, String::new())], None));
    }
}

#[test]
fn writer_close_and_validation() {
    let mut w = FrameWriter::new(Role::Server, TestRng(1));
    let mut out = [0u8; 200];
    let n = w.encode_close(CloseCode::Normal, "bye", &mut out).unwrap();
    assert_eq!(&out[..n], &[0x88, 5, 0x03, 0xe8, b'b', b'y', b'e']);
    let n = w.encode_close(CloseCode::NoStatus, "", &mut out).unwrap();
    assert_eq!(&out[..n], &[0x88, 0]);
    use nexus_net::ws::EncodeError;
    assert_eq!(w.encode_close(CloseCode::Abnormal, "", &mut out), Err(EncodeError::InvalidCloseCode(1006)));
    assert_eq!(w.encode_close(CloseCode::Other(2000), "", &mut out), Err(EncodeError::InvalidCloseCode(2000)));
    assert_eq!(w.encode_close(CloseCode::Normal, &"x".repeat(124), &mut out), Err(EncodeError::CloseReasonTooLong));
    assert_eq!(w.encode_control(OpCode::Ping, &[0; 126], &mut out), Err(EncodeError::ControlTooLong));
    assert_eq!(w.encode_control(OpCode::Text, b"", &mut out), Err(EncodeError::NotADataOpcode));
    assert_eq!(w.encode_message(OpCode::Ping, b"", &mut out), Err(EncodeError::NotADataOpcode));
}

#[test]
fn after_close_more_frames_are_an_error() {
    let mut wire = frame(0x88, None, &[0x03, 0xe8]);
    wire.extend(frame(0x81, None, b"late"));
    let (m, e) = decode(CLIENT, &wire, &[usize::MAX], Limits::default());
    assert_eq!(m, vec![Owned::Close(1000, String::new())]);
    assert_eq!(e, Some(ProtocolError::FrameAfterClose));
}

// ---- every error path and its close code ----

#[test]
fn protocol_errors_and_their_close_codes() {
    use ProtocolError::*;
    let cases: Vec<(&str, Role, Vec<u8>, ProtocolError, u16)> = vec![
        ("rsv1", CLIENT, frame(0xC1, None, b"x"), ReservedBits, 1002),
        ("rsv2", CLIENT, frame(0xA1, None, b"x"), ReservedBits, 1002),
        ("rsv3", CLIENT, frame(0x91, None, b"x"), ReservedBits, 1002),
        ("opcode 3", CLIENT, frame(0x83, None, b""), ReservedOpcode(3), 1002),
        ("opcode 0xB", CLIENT, frame(0x8B, None, b""), ReservedOpcode(0xB), 1002),
        ("unmasked to server", SERVER, frame(0x81, None, b"x"), UnmaskedFrame, 1002),
        ("masked to client", CLIENT, frame(0x81, Some(KEY), b"x"), MaskedFrame, 1002),
        ("64-bit length msb", CLIENT, vec![0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1], InvalidLength, 1002),
        ("ping 126", CLIENT, frame(0x89, None, &[0; 126]), ControlFrameTooLong, 1002),
        ("fragmented ping", CLIENT, frame(0x09, None, b"x"), FragmentedControlFrame, 1002),
        ("lone continuation", CLIENT, frame(0x80, None, b"x"), UnexpectedContinuation, 1002),
        (
            "text inside fragmented",
            CLIENT,
            [frame(0x01, None, b"a"), frame(0x81, None, b"b")].concat(),
            ExpectedContinuation,
            1002,
        ),
        (
            "binary inside fragmented",
            CLIENT,
            [frame(0x02, None, b"a"), frame(0x02, None, b"b")].concat(),
            ExpectedContinuation,
            1002,
        ),
        ("close len 1", CLIENT, frame(0x88, None, &[3]), InvalidCloseLength, 1002),
        ("close code 999", CLIENT, frame(0x88, None, &999u16.to_be_bytes()), InvalidCloseCode(999), 1002),
        ("close code 1004", CLIENT, frame(0x88, None, &1004u16.to_be_bytes()), InvalidCloseCode(1004), 1002),
        ("close code 1005", CLIENT, frame(0x88, None, &1005u16.to_be_bytes()), InvalidCloseCode(1005), 1002),
        ("close code 1006", CLIENT, frame(0x88, None, &1006u16.to_be_bytes()), InvalidCloseCode(1006), 1002),
        ("close code 1015", CLIENT, frame(0x88, None, &1015u16.to_be_bytes()), InvalidCloseCode(1015), 1002),
        ("close code 2999", CLIENT, frame(0x88, None, &2999u16.to_be_bytes()), InvalidCloseCode(2999), 1002),
        ("close code 5000", CLIENT, frame(0x88, None, &5000u16.to_be_bytes()), InvalidCloseCode(5000), 1002),
        ("close reason utf8", CLIENT, frame(0x88, None, &[0x03, 0xe8, 0xff]), InvalidUtf8, 1007),
        ("text utf8", CLIENT, frame(0x81, None, &[b'a', 0xc0, 0xaf]), InvalidUtf8, 1007),
        ("text truncated utf8", CLIENT, frame(0x81, None, &[b'a', 0xe2, 0x82]), InvalidUtf8, 1007),
        ("surrogate", CLIENT, frame(0x81, None, &[0xed, 0xa0, 0x80]), InvalidUtf8, 1007),
        (
            "fragmented utf8",
            CLIENT,
            [frame(0x01, None, &[0xce]), frame(0x80, None, &[0x41])].concat(),
            InvalidUtf8,
            1007,
        ),
    ];
    for (name, role, wire, expected, code) in cases {
        assert_eq!(err(role, &wire), expected, "{name}");
        assert_eq!(expected.close_code().as_u16(), code, "{name}");
    }
}

#[test]
fn size_limits_give_1009_at_the_header() {
    let limits = Limits { max_frame_size: 100, max_message_size: 150 };
    // The header alone is enough to refuse: no payload is sent.
    let e = decode(CLIENT, &[0x82, 101], &[1], limits).1.unwrap();
    assert_eq!(e, ProtocolError::FrameTooLarge { len: 101, max: 100 });
    assert_eq!(e.close_code(), CloseCode::MessageTooBig);
    let wire = [frame(0x02, None, &[0; 100]), frame(0x00, None, &[0; 51])].concat();
    let e = decode(CLIENT, &wire, &[3], limits).1.unwrap();
    assert_eq!(e, ProtocolError::MessageTooLarge { len: 151, max: 150 });
    assert_eq!(e.close_code(), CloseCode::MessageTooBig);
    // Exactly at the limits is fine.
    let wire = [frame(0x02, None, &[0; 100]), frame(0x80, None, &[0; 50])].concat();
    assert_eq!(decode(CLIENT, &wire, &[3], limits), (vec![Owned::Binary(vec![0; 150])], None));
}

#[test]
fn fixed_storage_refuses_what_does_not_fit_with_1009() {
    let mut buf = [0u8; 1024];
    let mut reader = FrameReader::new(CLIENT, &mut buf[..], Limits::default());
    let (m, e) = feed(&mut reader, &frame(0x82, None, &[7; 1000]), &[100]);
    assert_eq!((m, e), (vec![Owned::Binary(vec![7; 1000])], None));
    let e = feed(&mut reader, &frame(0x82, None, &[7; 1025]), &[100]).1.unwrap();
    assert_eq!(e, ProtocolError::MessageTooLarge { len: 1025, max: 1024 });
    assert_eq!(e.close_code().as_u16(), 1009);
}

#[test]
fn fixed_storage_reassembles_fragments_near_capacity() {
    let mut buf = [0u8; 1024];
    let mut reader = FrameReader::new(CLIENT, &mut buf[..], Limits::default());
    // 860 bytes in 4 fragments with pings between them, fed in odd reads: the
    // fragments must be moved down over the framing to fit.
    let mut wire = Vec::new();
    let payload: Vec<u8> = (0..860).map(|i| i as u8).collect();
    for (i, chunk) in payload.chunks(215).enumerate() {
        let op = if i == 0 { 0x02 } else { 0x00 } | if i == 3 { 0x80 } else { 0 };
        wire.extend(frame(op, None, chunk));
        wire.extend(frame(0x89, None, &[i as u8; 125]));
    }
    let (m, e) = feed(&mut reader, &wire, &[97, 13, 500]);
    assert_eq!(e, None);
    assert_eq!(m.len(), 5);
    assert_eq!(m[3], Owned::Binary(payload));
}

#[test]
fn growable_storage_grows_up_to_the_limit() {
    let mut reader = FrameReader::new(CLIENT, GrowBuf(vec![0; 256]), Limits::default());
    let payload: Vec<u8> = (0..1_000_000).map(|i| (i % 251) as u8).collect();
    let (m, e) = feed(&mut reader, &frame(0x82, None, &payload), &[65536]);
    assert_eq!((m, e), (vec![Owned::Binary(payload)], None));
    assert!(reader.capacity() >= 1_000_000);
}

#[test]
fn invalid_utf8_fails_as_soon_as_the_byte_arrives() {
    // A 1000-byte text frame whose 11th byte is invalid: the reader must fail with
    // only the first 12 bytes of the frame in hand, not wait for the rest.
    let mut payload = vec![b'a'; 1000];
    payload[10] = 0xff;
    let wire = frame(0x81, None, &payload);
    let mut reader = FrameReader::new(CLIENT, GrowBuf(vec![0; 4096]), Limits::default());
    let (_, e) = feed(&mut reader, &wire[..4 + 11], &[1]);
    assert_eq!(e, Some(ProtocolError::InvalidUtf8));
    // And in a later fragment, before its FIN.
    let mut wire = frame(0x01, None, "héllo".as_bytes());
    wire.extend(frame(0x00, None, &[0xf4, 0x90])); // > U+10FFFF
    let mut reader = FrameReader::new(CLIENT, GrowBuf(vec![0; 4096]), Limits::default());
    assert_eq!(feed(&mut reader, &wire, &[1]).1, Some(ProtocolError::InvalidUtf8));
}

#[test]
fn utf8_split_across_fragments_and_reads_is_accepted() {
    let s = "κόσμε€𝄞";
    let bytes = s.as_bytes();
    for cut in 1..bytes.len() {
        let wire = [frame(0x01, None, &bytes[..cut]), frame(0x80, None, &bytes[cut..])].concat();
        assert_eq!(decode_every_split(CLIENT, &wire, Limits::default()), (vec![text(s)], None), "cut {cut}");
    }
}

#[test]
fn empty_messages_and_fragments() {
    let wire =
        [frame(0x81, None, b""), frame(0x02, None, b""), frame(0x00, None, b""), frame(0x80, None, b"")].concat();
    assert_eq!(decode_every_split(CLIENT, &wire, Limits::default()), (vec![text(""), Owned::Binary(vec![])], None));
}

#[test]
fn handshake_bytes_can_be_consumed_before_frames() {
    let mut reader = FrameReader::new(CLIENT, GrowBuf(vec![0; 512]), Limits::default());
    let head = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";
    let mut wire = head.to_vec();
    wire.extend(frame(0x81, None, b"first"));
    let spare = reader.spare();
    spare[..wire.len()].copy_from_slice(&wire);
    reader.commit(wire.len());
    assert!(reader.buffered().starts_with(b"HTTP/1.1 101"));
    reader.consume(head.len());
    assert_eq!(feed(&mut reader, &[], &[1]), (vec![text("first")], None));
}

/// `encode_message`'s one-frame fast paths (both roles on hosts) write exactly what
/// the general frame code writes: the same header (RSV1 included), the same key
/// drawn from the same RNG, the same masked payload.
#[test]
fn one_frame_fast_paths_match_the_general_frames() {
    for len in [0usize, 1, 125, 126, 127, 4096, 65535] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        for role in [Role::Client, Role::Server] {
            for (opcode, rsv1) in [(OpCode::Binary, false), (OpCode::Text, false), (OpCode::Binary, true)] {
                let mut a = FrameWriter::new(role, TestRng(11));
                let mut b = FrameWriter::new(role, TestRng(11));
                a.set_rsv1(rsv1);
                b.set_rsv1(rsv1);
                let mut fast = vec![0u8; a.encoded_len(len)];
                let n = a.encode_message(opcode, &payload, &mut fast).unwrap();
                let mut general = vec![0u8; b.encoded_len(len)];
                let frames: Vec<_> = b.fragments(opcode, &payload).unwrap().collect();
                assert_eq!(frames.len(), 1);
                let m = frames[0].write_into(&mut general).unwrap();
                assert_eq!((n, &fast[..n]), (m, &general[..m]), "len {len} role {role:?} {opcode:?} rsv1 {rsv1}");
            }
        }
    }
}

#[test]
fn streamed_fragments_match_whole_encoding() {
    let payload: Vec<u8> = (0..10_000).map(|i| i as u8).collect();
    for role in [Role::Client, Role::Server] {
        let mut a = FrameWriter::new(role, TestRng(5)).with_fragment_size(3000);
        let mut b = FrameWriter::new(role, TestRng(5)).with_fragment_size(3000);
        let mut whole = vec![0u8; a.encoded_len(payload.len())];
        let n = a.encode_message(OpCode::Binary, &payload, &mut whole).unwrap();
        // Stream through a 100-byte scratch buffer, as an adapter with a small write
        // buffer would.
        let mut streamed = Vec::new();
        for f in b.fragments(OpCode::Binary, &payload).unwrap() {
            streamed.extend_from_slice(f.header());
            let mut from = 0;
            while from < f.payload().len() {
                let mut scratch = [0u8; 100];
                let take = (f.payload().len() - from).min(100);
                f.write_payload(from, &mut scratch[..take]);
                streamed.extend_from_slice(&scratch[..take]);
                from += take;
            }
        }
        assert_eq!(&whole[..n], &streamed[..]);
        let reader_role = if role == Role::Client { Role::Server } else { Role::Client };
        assert_eq!(
            decode(reader_role, &streamed, &[777], Limits::default()),
            (vec![Owned::Binary(payload.clone())], None)
        );
    }
}

#[test]
fn is_idle_between_messages_only() {
    let mut buf = [0u8; 1024];
    let mut reader = FrameReader::new(Role::Client, &mut buf[..], Limits::default());
    assert!(reader.is_idle());
    // A fragmented text message: first fragment, then the final one.
    let wire = [frame(0x01, None, b"Hel"), frame(0x80, None, b"lo")].concat();
    let (first, rest) = wire.split_at(5);
    reader.spare()[..first.len()].copy_from_slice(first);
    reader.commit(first.len());
    assert_eq!(reader.advance().unwrap(), Progress::NeedMore);
    assert!(!reader.is_idle(), "a fragmented message is in progress");
    reader.spare()[..rest.len()].copy_from_slice(rest);
    reader.commit(rest.len());
    assert_eq!(reader.advance().unwrap(), Progress::Message);
    assert!(reader.is_idle());
    // Half a header is not idle.
    reader.spare()[0] = 0x81;
    reader.commit(1);
    assert_eq!(reader.advance().unwrap(), Progress::NeedMore);
    assert!(!reader.is_idle());
}

#[test]
fn whole_frame_text_checks_at_every_vector_width() {
    // Whole frames take the reader's hot path (one pass unmasking and checking ASCII,
    // the UTF-8 validator only when not ASCII). Lengths straddle every vector width of
    // every SIMD path; the odd byte sits at the start, the middle and the end.
    for len in [3usize, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 1023, 1024, 1025, 4099] {
        for at in [0, len / 2, len - 2] {
            for (role, key) in [(CLIENT, None), (SERVER, Some(KEY))] {
                let mut ok = vec![b'a'; len];
                ok[at..at + 2].copy_from_slice("é".as_bytes());
                let s = String::from_utf8(ok.clone()).unwrap();
                let wire = frame(0x81, key, &ok);
                assert_eq!(decode(role, &wire, &[usize::MAX], Limits::default()), (vec![text(&s)], None), "len {len}");

                let mut bad = vec![b'a'; len];
                bad[at] = 0xff;
                let wire = frame(0x81, key, &bad);
                let (m, e) = decode(role, &wire, &[usize::MAX], Limits::default());
                assert_eq!((m.len(), e), (0, Some(ProtocolError::InvalidUtf8)), "len {len} at {at}");

                let ascii = vec![b'z'; len];
                let wire = frame(0x81, key, &ascii);
                let s = String::from_utf8(ascii).unwrap();
                assert_eq!(decode(role, &wire, &[usize::MAX], Limits::default()), (vec![text(&s)], None));
            }
        }
    }
}

#[test]
fn after_close_a_whole_masked_frame_is_an_error() {
    let mut wire = frame(0x88, Some(KEY), &[0x03, 0xe8]);
    wire.extend(frame(0x82, Some(KEY), b"late binary"));
    let (m, e) = decode(SERVER, &wire, &[usize::MAX], Limits::default());
    assert_eq!(m, vec![Owned::Close(1000, String::new())]);
    assert_eq!(e, Some(ProtocolError::FrameAfterClose));
}
