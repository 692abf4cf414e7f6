//! Negotiation, frame rules and the codec drivers, with miniz_oxide as the test
//! compressor (a dev-dependency only).

extern crate std;

use std::vec;
use std::vec::Vec;

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

use super::*;
use crate::buf::Storage;
use crate::ws::handshake::{
    parse_request, parse_response_with_deflate, write_accept_with_extensions, ClientKey, ClientRequest, HandshakeError,
    DEFAULT_MAX_HEAD_LEN,
};
use crate::ws::{FrameReader, FrameWriter, Limits, Message, OpCode, Progress, ProtocolError, Role};

struct TestInflater(std::boxed::Box<InflateState>);

impl TestInflater {
    fn new() -> Self {
        Self(InflateState::new_boxed(DataFormat::Raw))
    }
}

impl Inflater for TestInflater {
    fn reset(&mut self) {
        self.0.reset(DataFormat::Raw);
    }
    fn inflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError> {
        let r = miniz_oxide::inflate::stream::inflate(&mut self.0, input, output, MZFlush::Sync);
        let stream_end = match r.status {
            Ok(MZStatus::StreamEnd) => true,
            Ok(_) => false,
            Err(miniz_oxide::MZError::Buf) => false,
            Err(_) => return Err(CodecError),
        };
        Ok(Step { consumed: r.bytes_consumed, produced: r.bytes_written, stream_end })
    }
}

struct TestDeflater(std::boxed::Box<CompressorOxide>);

impl TestDeflater {
    fn new() -> Self {
        Self(std::boxed::Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(6, -15, 0))))
    }
}

impl Deflater for TestDeflater {
    fn reset(&mut self) {
        self.0.reset();
    }
    fn deflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError> {
        let r = miniz_oxide::deflate::stream::deflate(&mut self.0, input, output, MZFlush::Sync);
        match r.status {
            Ok(_) | Err(miniz_oxide::MZError::Buf) => {
                Ok(Step { consumed: r.bytes_consumed, produced: r.bytes_written, stream_end: false })
            }
            Err(_) => Err(CodecError),
        }
    }
}

/// A growable storage that remembers the largest size it was grown to.
#[derive(Default)]
struct Tracked {
    bytes: Vec<u8>,
    peak: usize,
}

impl Storage for Tracked {
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
    fn try_grow(&mut self, min_len: usize) -> bool {
        if min_len > self.bytes.len() {
            self.bytes.resize(min_len, 0);
        }
        self.peak = self.peak.max(self.bytes.len());
        true
    }
}

struct Rng(u32);
impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, d: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, d)
    }
    fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(d);
        Ok(())
    }
}

fn accept(config: &DeflateConfig, offers: &[&str]) -> Option<(DeflateParams, std::string::String)> {
    let mut out = [0u8; MAX_EXTENSION_HEADER_LEN];
    accept_offers(config, offers.iter().map(|o| o.as_bytes()), &mut out).map(|(p, h)| (p, h.into()))
}

fn check(config: &DeflateConfig, answer: &str) -> Result<Option<DeflateParams>, HandshakeError> {
    config.check_response([answer.as_bytes()])
}

const DEFAULT_PARAMS: DeflateParams = DeflateParams {
    client_no_context_takeover: false,
    server_no_context_takeover: false,
    client_max_window_bits: 15,
    server_max_window_bits: 15,
};

#[test]
fn offer_formats() {
    let mut buf = [0u8; MAX_EXTENSION_HEADER_LEN];
    assert_eq!(DeflateConfig::default().offer(&mut buf), "permessage-deflate; client_max_window_bits");
    let all = DeflateConfig {
        client_no_context_takeover: true,
        server_no_context_takeover: true,
        client_max_window_bits: 9,
        server_max_window_bits: 8,
    };
    assert_eq!(
        all.offer(&mut buf),
        "permessage-deflate; client_no_context_takeover; server_no_context_takeover; \
         server_max_window_bits=8; client_max_window_bits=9"
    );
    assert!(all.is_valid());
    assert!(!DeflateConfig { server_max_window_bits: 16, ..all }.is_valid());
    assert!(!DeflateConfig { client_max_window_bits: 7, ..all }.is_valid());
}

#[test]
fn server_accepts_plain_offer_with_defaults() {
    let (params, header) = accept(&DeflateConfig::default(), &["permessage-deflate"]).unwrap();
    assert_eq!(params, DEFAULT_PARAMS);
    assert_eq!(header, "permessage-deflate");
}

#[test]
fn server_declines_bad_offers_and_takes_the_next() {
    let config = DeflateConfig::default();
    for bad in [
        "permessage-deflate; foo",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; client_max_window_bits=10; client_max_window_bits",
    ] {
        assert_eq!(accept(&config, &[bad]), None, "{bad}");
        let both = std::format!("{bad}, permessage-deflate; server_no_context_takeover");
        let (params, header) = accept(&config, &[&both]).unwrap();
        assert!(params.server_no_context_takeover, "{bad}");
        assert_eq!(header, "permessage-deflate; server_no_context_takeover");
    }
    // Other extensions are skipped; a second header is looked at too.
    let (params, _) =
        accept(&config, &["x-webkit-deflate-frame", "permessage-deflate; client_no_context_takeover"]).unwrap();
    assert!(params.client_no_context_takeover);
    // Nothing acceptable: no compression.
    assert_eq!(accept(&config, &["x-foo; a=1", ""]), None);
    // A header that is not a list at all is ignored.
    assert_eq!(accept(&config, &["permessage-deflate; =", "permessage-deflate; \"x"]), None);
}

#[test]
fn server_parses_quoted_values_and_case() {
    let config = DeflateConfig::default();
    let (params, header) =
        accept(&config, &["PerMessage-Deflate ; Server_Max_Window_Bits = \"10\" ; client_max_window_bits=\"1\\2\""])
            .unwrap();
    assert_eq!(params.server_max_window_bits, 10);
    assert_eq!(params.client_max_window_bits, 12);
    assert_eq!(header, "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12");
    // A comma inside a quoted value does not split the list (and is not a number).
    assert_eq!(accept(&config, &["permessage-deflate; server_max_window_bits=\"1,0\""]), None);
}

#[test]
fn server_applies_its_config() {
    let config = DeflateConfig {
        client_no_context_takeover: true,
        server_no_context_takeover: true,
        client_max_window_bits: 10,
        server_max_window_bits: 11,
    };
    // The client allows limiting its window: it is limited.
    let (params, header) = accept(&config, &["permessage-deflate; client_max_window_bits"]).unwrap();
    assert_eq!(
        params,
        DeflateParams {
            client_no_context_takeover: true,
            server_no_context_takeover: true,
            client_max_window_bits: 10,
            server_max_window_bits: 11
        }
    );
    assert_eq!(
        header,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=11; client_max_window_bits=10"
    );
    // The client does not: its window stays 15 and the answer can't name it.
    let (params, header) = accept(&config, &["permessage-deflate; server_max_window_bits=9"]).unwrap();
    assert_eq!(params.client_max_window_bits, 15);
    assert_eq!(params.server_max_window_bits, 9);
    assert!(!header.contains("client_max_window_bits"));
    // Compressors never use 8 bits; inflaters use what was agreed.
    let (params, _) = accept(&config, &["permessage-deflate; server_max_window_bits=8"]).unwrap();
    assert_eq!(params.deflate_window_bits(Role::Server), 9);
    assert_eq!(params.inflate_window_bits(Role::Client), 8);
}

#[test]
fn client_checks_the_answer() {
    use DeflateReject::*;
    let config = DeflateConfig { server_no_context_takeover: false, server_max_window_bits: 12, ..Default::default() };
    let ok = check(&config, "permessage-deflate; server_max_window_bits=10; client_no_context_takeover").unwrap();
    assert_eq!(
        ok,
        Some(DeflateParams {
            client_no_context_takeover: true,
            server_no_context_takeover: false,
            client_max_window_bits: 15,
            server_max_window_bits: 10
        })
    );
    for (answer, why) in [
        ("permessage-deflate; foo", UnknownParam),
        ("permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", DuplicateParam),
        ("permessage-deflate; server_max_window_bits=16", InvalidValue),
        ("permessage-deflate; server_max_window_bits=13", NotAsRequested),
        // Asked for 12: an answer without the parameter is not acceptable.
        ("permessage-deflate", NotAsRequested),
        ("permessage-deflate; server_max_window_bits=10; client_max_window_bits", InvalidValue),
        ("permessage-deflate; server_max_window_bits=10, permessage-deflate", UnsolicitedExtension),
        ("x-foo", UnsolicitedExtension),
        ("permessage-deflate; server_max_window_bits=\"10", Syntax),
    ] {
        assert_eq!(check(&config, answer), Err(HandshakeError::Deflate(why)), "{answer}");
    }
    let wants_nct = DeflateConfig { server_no_context_takeover: true, ..Default::default() };
    assert_eq!(check(&wants_nct, "permessage-deflate"), Err(HandshakeError::Deflate(NotAsRequested)));
    assert!(check(&wants_nct, "permessage-deflate; server_no_context_takeover").unwrap().is_some());
    // Declined: no header, or an empty one.
    assert_eq!(DeflateConfig::default().check_response([]), Ok(None));
    assert_eq!(check(&DeflateConfig::default(), " , "), Ok(None));
    // The server limited the client's window.
    let p = check(&DeflateConfig::default(), "permessage-deflate; client_max_window_bits=9").unwrap().unwrap();
    assert_eq!(p.client_max_window_bits, 9);
    assert_eq!(p.deflate_window_bits(Role::Client), 9);
}

/// Every combination of the four parameters, client offer to server answer to client
/// check: both ends agree, and on what was asked.
#[test]
fn handshake_round_trip_every_combination() {
    for bits in 0..16u32 {
        let client = DeflateConfig {
            client_no_context_takeover: bits & 1 != 0,
            server_no_context_takeover: bits & 2 != 0,
            client_max_window_bits: if bits & 4 != 0 { 10 } else { 15 },
            server_max_window_bits: if bits & 8 != 0 { 9 } else { 15 },
        };
        let key = ClientKey::from_nonce([bits as u8; 16]);
        let mut offer = [0u8; MAX_EXTENSION_HEADER_LEN];
        let mut req = [0u8; 512];
        let n = ClientRequest::new("h", "/").extensions(client.offer(&mut offer)).write(&key, &mut req).unwrap();
        let request = parse_request(&req[..n], DEFAULT_MAX_HEAD_LEN).unwrap().unwrap();
        let mut answer = [0u8; MAX_EXTENSION_HEADER_LEN];
        let (server_params, answer) = accept_request(&DeflateConfig::default(), &request, &mut answer).unwrap();
        let mut resp = [0u8; 512];
        let m = write_accept_with_extensions(&mut resp, request.key(), None, Some(answer), &[]).unwrap();
        let (r, client_params) =
            parse_response_with_deflate(&resp[..m], &key, &[], &client, DEFAULT_MAX_HEAD_LEN).unwrap().unwrap();
        assert_eq!(r.head_len, m);
        let client_params = client_params.unwrap();
        assert_eq!(client_params.server_no_context_takeover, server_params.server_no_context_takeover);
        assert_eq!(client_params.server_max_window_bits, server_params.server_max_window_bits);
        assert_eq!(client_params.server_no_context_takeover, client.server_no_context_takeover);
        assert_eq!(client_params.server_max_window_bits, client.server_max_window_bits);
        assert_eq!(client_params.client_no_context_takeover, client.client_no_context_takeover);
        assert!(client_params.client_max_window_bits <= server_params.client_max_window_bits);
    }
    // Without an offer, a 101 carrying the extension is still refused.
    let key = ClientKey::from_nonce([1; 16]);
    let mut resp = [0u8; 512];
    let m = write_accept_with_extensions(&mut resp, key.as_str(), None, Some("permessage-deflate"), &[]).unwrap();
    assert_eq!(
        crate::ws::handshake::parse_response(&resp[..m], &key, &[], DEFAULT_MAX_HEAD_LEN),
        Err(HandshakeError::UnsolicitedExtension)
    );
    // Two headers each enabling it.
    let m = write_accept_with_extensions(&mut resp, key.as_str(), None, Some("permessage-deflate"), &[("X-Pad", "1")])
        .unwrap();
    let doubled = std::format!(
        "{}Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        core::str::from_utf8(&resp[..m - 2]).unwrap()
    );
    assert_eq!(
        parse_response_with_deflate(doubled.as_bytes(), &key, &[], &DeflateConfig::default(), DEFAULT_MAX_HEAD_LEN),
        Err(HandshakeError::Deflate(DeflateReject::UnsolicitedExtension))
    );
}

fn compress(d: &mut MessageDeflater<TestDeflater>, payload: &[u8]) -> Vec<u8> {
    let mut out = Tracked::default();
    let n = d.deflate(payload, &mut out).unwrap();
    out.bytes.truncate(n);
    out.bytes
}

/// Frame `compressed` as a server would (RSV1, unmasked), `fragment` bytes a frame.
fn frames(opcode: OpCode, compressed: &[u8], fragment: usize) -> Vec<u8> {
    let mut w = FrameWriter::new(Role::Server, Rng(1)).with_fragment_size(fragment);
    w.set_rsv1(true);
    let mut out = vec![0u8; w.encoded_len(compressed.len())];
    let n = w.encode_message(opcode, compressed, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Read one message as a client with compression on; inflate it.
fn receive(
    wire: &[u8],
    inflater: &mut MessageInflater<TestInflater>,
    max: usize,
) -> Result<(OpCode, Vec<u8>, usize), ProtocolError> {
    let limits = Limits { max_frame_size: 1 << 24, max_message_size: 1 << 24 };
    let mut reader = FrameReader::new(Role::Client, Tracked { bytes: vec![0u8; 1 << 12], peak: 0 }, limits);
    reader.set_compression(true);
    let mut rest = wire;
    loop {
        match reader.advance()? {
            Progress::Message => break,
            Progress::NeedMore => {
                let spare = reader.spare();
                let n = spare.len().min(rest.len()).min(1000);
                assert!(n > 0, "ran out of input");
                spare[..n].copy_from_slice(&rest[..n]);
                rest = &rest[n..];
                reader.commit(n);
            }
        }
    }
    assert_eq!(reader.message(), None, "compressed messages are not handed out raw");
    let (opcode, payload) = reader.compressed_message().unwrap();
    let mut out = Tracked::default();
    let len = inflater.inflate(opcode, payload, &mut out, max)?;
    Ok((opcode, out.bytes[..len].to_vec(), out.peak))
}

fn json(n: usize) -> Vec<u8> {
    let mut s = std::string::String::new();
    let mut i = 0;
    while s.len() < n {
        s += &std::format!(
            "{{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"{}.{:02}\",\"q\":\"0.{:03}\"}},",
            43000 + i % 97,
            i % 100,
            i % 1000
        );
        i += 1;
    }
    s.truncate(n);
    s.into_bytes()
}

#[test]
fn compress_frame_read_inflate_round_trip() {
    let params = DEFAULT_PARAMS;
    let mut d = MessageDeflater::new(Role::Server, &params, TestDeflater::new());
    let mut i = MessageInflater::new(Role::Client, &params, TestInflater::new());
    for (size, fragment) in [(0, usize::MAX), (1, usize::MAX), (2048, usize::MAX), (2048, 7), (100_000, 4000)] {
        let msg = json(size);
        let c = compress(&mut d, &msg);
        assert!(!c.ends_with(&[0, 0, 0xff, 0xff]));
        let (opcode, got, _) = receive(&frames(OpCode::Text, &c, fragment), &mut i, 1 << 20).unwrap();
        assert_eq!(opcode, OpCode::Text);
        assert_eq!(got, msg, "size {size} fragment {fragment}");
    }
    // The empty message compresses to an empty block or two (RFC 7692 section 7.2.3.6).
    let mut fresh = MessageDeflater::new(Role::Server, &params, TestDeflater::new());
    assert!(compress(&mut fresh, b"").len() <= 2);
}

/// A compressor that, like zlib, writes nothing for empty input after a flush.
struct SilentOnEmpty(TestDeflater);

impl Deflater for SilentOnEmpty {
    fn reset(&mut self) {
        self.0.reset();
    }
    fn deflate(&mut self, input: &[u8], output: &mut [u8]) -> Result<Step, CodecError> {
        if input.is_empty() {
            return Ok(Step { consumed: 0, produced: 0, stream_end: false });
        }
        self.0.deflate(input, output)
    }
}

#[test]
fn empty_message_is_a_lone_stored_block_header() {
    let msg = json(700);
    let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, SilentOnEmpty(TestDeflater::new()));
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    for payload in [&msg[..], b"", &msg[..], b"", b"", &msg[..]] {
        let mut out = Tracked::default();
        let n = d.deflate(payload, &mut out).unwrap();
        if payload.is_empty() {
            assert_eq!(&out.bytes[..n], [0x00]);
        }
        let got = receive(&frames(OpCode::Text, &out.bytes[..n], usize::MAX), &mut i, 1 << 20).unwrap().1;
        assert_eq!(got, payload);
    }
}

#[test]
fn context_takeover_per_role() {
    let msg = json(2048);
    // Takeover: the second identical message refers to the first.
    let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, TestDeflater::new());
    let first = compress(&mut d, &msg);
    let second = compress(&mut d, &msg);
    assert!(second.len() * 4 < first.len(), "{} vs {}", second.len(), first.len());
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    assert_eq!(receive(&frames(OpCode::Binary, &first, usize::MAX), &mut i, 1 << 20).unwrap().1, msg);
    assert_eq!(receive(&frames(OpCode::Binary, &second, usize::MAX), &mut i, 1 << 20).unwrap().1, msg);
    // A fresh inflater can't decode the second alone: the context matters.
    let mut fresh = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    assert_ne!(
        receive(&frames(OpCode::Binary, &second, usize::MAX), &mut fresh, 1 << 20).map(|r| r.1),
        Ok(msg.clone())
    );

    // server_no_context_takeover: the server's messages stand alone; the client's
    // direction keeps its context.
    let params = DeflateParams { server_no_context_takeover: true, ..DEFAULT_PARAMS };
    let mut d = MessageDeflater::new(Role::Server, &params, TestDeflater::new());
    let a = compress(&mut d, &msg);
    let b = compress(&mut d, &msg);
    assert_eq!(a, b);
    let mut fresh = MessageInflater::new(Role::Client, &params, TestInflater::new());
    assert_eq!(receive(&frames(OpCode::Binary, &b, usize::MAX), &mut fresh, 1 << 20).unwrap().1, msg);
    let mut client = MessageDeflater::new(Role::Client, &params, TestDeflater::new());
    let a = compress(&mut client, &msg);
    assert!(compress(&mut client, &msg).len() < a.len());
}

#[test]
fn zip_bomb_is_refused_with_bounded_memory() {
    let bomb = vec![0u8; 64 << 20];
    let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, TestDeflater::new());
    let c = compress(&mut d, &bomb);
    assert!(c.len() < 128 << 10, "{}", c.len());
    let max = 1 << 20;
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    let err = receive(&frames(OpCode::Binary, &c, usize::MAX), &mut i, max).unwrap_err();
    assert!(matches!(err, ProtocolError::MessageTooLarge { max: m, .. } if m == max), "{err:?}");
    assert_eq!(err.close_code(), crate::ws::CloseCode::MessageTooBig);
    // Exactly at the limit is fine, one more byte is not; storage never passes it.
    let exact = vec![7u8; max];
    for (msg, ok) in [(&exact[..], true), (&bomb[..max + 1], false)] {
        let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, TestDeflater::new());
        let c = compress(&mut d, msg);
        let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
        let mut out = Tracked::default();
        let r = i.inflate(OpCode::Binary, &c, &mut out, max);
        assert_eq!(r.is_ok(), ok);
        assert!(out.peak <= max, "{}", out.peak);
    }
}

#[test]
fn bad_text_and_corrupt_data() {
    let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, TestDeflater::new());
    let c = compress(&mut d, b"caf\xc3 au lait");
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    let err = receive(&frames(OpCode::Text, &c, usize::MAX), &mut i, 1 << 20).unwrap_err();
    assert_eq!(err, ProtocolError::InvalidUtf8);
    assert_eq!(err.close_code(), crate::ws::CloseCode::InvalidPayload);
    // The same bytes as binary are fine (after a reset: the failed message reset it).
    let mut d = MessageDeflater::new(Role::Server, &DEFAULT_PARAMS, TestDeflater::new());
    let c = compress(&mut d, b"caf\xc3 au lait");
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    assert!(receive(&frames(OpCode::Binary, &c, usize::MAX), &mut i, 1 << 20).is_ok());
    // BTYPE 11 is reserved: not DEFLATE.
    let err = receive(&frames(OpCode::Binary, &[0xff, 0xff, 0xff], usize::MAX), &mut i, 1 << 20).unwrap_err();
    assert_eq!(err, ProtocolError::InvalidCompressedData);
}

#[test]
fn bfinal_stream_then_next_message() {
    // A peer that ends each message with a final block (section 7.2.3.4) and starts a
    // new stream for the next one.
    let msg = json(500);
    let final_block = |data: &[u8]| miniz_oxide::deflate::compress_to_vec(data, 6);
    let mut i = MessageInflater::new(Role::Client, &DEFAULT_PARAMS, TestInflater::new());
    for _ in 0..2 {
        let (_, got, _) = receive(&frames(OpCode::Text, &final_block(&msg), usize::MAX), &mut i, 1 << 20).unwrap();
        assert_eq!(got, msg);
    }
}

fn read_err(wire: &[u8], compression: bool) -> ProtocolError {
    let mut reader = FrameReader::new(Role::Client, [0u8; 512], Limits::default());
    reader.set_compression(compression);
    reader.spare()[..wire.len()].copy_from_slice(wire);
    reader.commit(wire.len());
    loop {
        match reader.advance() {
            Err(e) => return e,
            Ok(Progress::NeedMore) => panic!("no error"),
            Ok(Progress::Message) => {}
        }
    }
}

#[test]
fn frame_rules() {
    use crate::ws::CloseCode::Protocol;
    // RSV1 on a ping, on a close.
    for wire in [&[0xc9, 0x00][..], &[0xc8, 0x00][..]] {
        let e = read_err(wire, true);
        assert_eq!((e, e.close_code()), (ProtocolError::CompressedControlFrame, Protocol));
    }
    // RSV1 on a continuation (first frame compressed, unfragmented ping between).
    let e = read_err(&[0x41, 0x01, 0x00, 0x89, 0x00, 0xc0, 0x01, 0x00], true);
    assert_eq!((e, e.close_code()), (ProtocolError::CompressedContinuation, Protocol));
    // Compressed message without negotiation.
    let e = read_err(&[0xc1, 0x01, 0x00], false);
    assert_eq!((e, e.close_code()), (ProtocolError::ReservedBits, Protocol));
    // RSV2 and RSV3 stay reserved with compression on.
    assert_eq!(read_err(&[0xa1, 0x00], true), ProtocolError::ReservedBits);
    assert_eq!(read_err(&[0x91, 0x00], true), ProtocolError::ReservedBits);

    // Uncompressed messages still pass as before, and their text is checked.
    let mut reader = FrameReader::new(Role::Client, [0u8; 512], Limits::default());
    reader.set_compression(true);
    let wire = [0x81, 0x02, b'h', b'i', 0xc1, 0x01, 0x00];
    reader.spare()[..wire.len()].copy_from_slice(&wire);
    reader.commit(wire.len());
    assert_eq!(reader.advance(), Ok(Progress::Message));
    assert_eq!(reader.message(), Some(Message::Text("hi")));
    assert_eq!(reader.compressed_message(), None);
    assert_eq!(reader.advance(), Ok(Progress::Message));
    assert_eq!(reader.compressed_message(), Some((OpCode::Text, &[0x00][..])));
}
