//! Helpers shared by the WebSocket codec tests.
#![allow(dead_code)]

use nexus_net::buf::Storage;
use nexus_net::rand_core::{impls, Error, RngCore};
use nexus_net::ws::{FrameReader, Limits, Message, Progress, ProtocolError, Role};

/// An owned copy of a message, for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owned {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

impl From<Message<'_>> for Owned {
    fn from(m: Message<'_>) -> Self {
        match m {
            Message::Text(t) => Owned::Text(t.to_owned()),
            Message::Binary(b) => Owned::Binary(b.to_vec()),
            Message::Ping(p) => Owned::Ping(p.to_vec()),
            Message::Pong(p) => Owned::Pong(p.to_vec()),
            Message::Close(c) => Owned::Close(c.code().as_u16(), c.reason().to_owned()),
        }
    }
}

/// Growable storage written for the tests (core's own `Vec` impl needs `std`).
pub struct GrowBuf(pub Vec<u8>);

impl Storage for GrowBuf {
    fn bytes(&self) -> &[u8] {
        &self.0
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
    fn try_grow(&mut self, min_len: usize) -> bool {
        if min_len > self.0.len() {
            self.0.resize(min_len, 0);
        }
        true
    }
}

/// A deterministic RNG (xorshift) for mask keys in tests.
pub struct TestRng(pub u64);

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Feed `wire` to `reader` in reads of the sizes `chunks` yields (cycled), collecting
/// messages until the input is exhausted or an error occurs.
pub fn feed<B: Storage>(
    reader: &mut FrameReader<B>,
    wire: &[u8],
    chunks: &[usize],
) -> (Vec<Owned>, Option<ProtocolError>) {
    feed_with(reader, wire, chunks, FrameReader::advance)
}

/// [`feed`], stepping the reader with `advance` (`FrameReader::advance` or
/// `FrameReader::advance_compact`).
pub fn feed_with<B: Storage>(
    reader: &mut FrameReader<B>,
    wire: &[u8],
    chunks: &[usize],
    advance: fn(&mut FrameReader<B>) -> Result<Progress, ProtocolError>,
) -> (Vec<Owned>, Option<ProtocolError>) {
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    loop {
        match advance(reader) {
            Err(e) => return (out, Some(e)),
            Ok(Progress::Message) => out.push(reader.message().expect("announced message").into()),
            Ok(Progress::NeedMore) => {
                if at == wire.len() {
                    return (out, None);
                }
                let spare = reader.spare();
                assert!(!spare.is_empty(), "spare() must never be empty when more input is needed");
                let want = chunks[i % chunks.len()].max(1);
                i += 1;
                let n = want.min(spare.len()).min(wire.len() - at);
                spare[..n].copy_from_slice(&wire[at..at + n]);
                reader.commit(n);
                at += n;
            }
        }
    }
}

/// Decode `wire` for `role` with a fresh reader over `cap` bytes of growable storage.
pub fn decode(role: Role, wire: &[u8], chunks: &[usize], limits: Limits) -> (Vec<Owned>, Option<ProtocolError>) {
    let mut reader = FrameReader::new(role, GrowBuf(vec![0; 512]), limits);
    feed(&mut reader, wire, chunks)
}

/// Decode `wire` whole, a byte at a time, and split at every boundary; all must agree.
pub fn decode_every_split(role: Role, wire: &[u8], limits: Limits) -> (Vec<Owned>, Option<ProtocolError>) {
    let whole = decode(role, wire, &[usize::MAX], limits);
    assert_eq!(decode(role, wire, &[1], limits), whole, "byte-at-a-time differs");
    for cut in 1..wire.len() {
        assert_eq!(decode(role, wire, &[cut, usize::MAX], limits), whole, "split at {cut} differs");
    }
    whole
}
