//! Property tests: whatever the writer encodes, the reader decodes back, for random
//! messages, roles, fragment sizes, interleaved control frames and read sizes.

mod common;

use common::{decode, decode_every_split, feed_with, GrowBuf, Owned, TestRng};
use nexus_net::ws::{FrameReader, FrameWriter, Limits, OpCode, Role};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Out {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

fn message() -> impl Strategy<Value = Out> {
    prop_oneof![
        ".{0,300}".prop_map(Out::Text),
        proptest::collection::vec(any::<u8>(), 0..3000).prop_map(Out::Binary),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Out::Ping),
    ]
}

fn encode(role: Role, fragment: usize, seed: u64, msgs: &[Out]) -> (Vec<u8>, Vec<Owned>) {
    let mut w = FrameWriter::new(role, TestRng(seed | 1)).with_fragment_size(fragment);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for m in msgs {
        let mut out = vec![0u8; w.encoded_len(3000).max(200)];
        let n = match m {
            Out::Text(s) => {
                expected.push(Owned::Text(s.clone()));
                w.encode_message(OpCode::Text, s.as_bytes(), &mut out)
            }
            Out::Binary(b) => {
                expected.push(Owned::Binary(b.clone()));
                w.encode_message(OpCode::Binary, b, &mut out)
            }
            Out::Ping(p) => {
                expected.push(Owned::Ping(p.clone()));
                w.encode_control(OpCode::Ping, p, &mut out)
            }
        }
        .unwrap();
        wire.extend_from_slice(&out[..n]);
    }
    (wire, expected)
}

fn peer(role: Role) -> Role {
    match role {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_random_reads(
        msgs in proptest::collection::vec(message(), 1..8),
        client in any::<bool>(),
        fragment in 1usize..4000,
        seed in any::<u64>(),
        chunks in proptest::collection::vec(1usize..2000, 1..6),
    ) {
        let role = if client { Role::Client } else { Role::Server };
        let (wire, expected) = encode(role, fragment, seed, &msgs);
        prop_assert_eq!(decode(peer(role), &wire, &chunks, Limits::default()), (expected, None));
    }

    #[test]
    fn round_trip_split_at_every_boundary(
        msgs in proptest::collection::vec(message(), 1..3),
        client in any::<bool>(),
        fragment in 1usize..64,
        seed in any::<u64>(),
    ) {
        let role = if client { Role::Client } else { Role::Server };
        let (wire, expected) = encode(role, fragment, seed, &msgs);
        prop_assume!(wire.len() <= 600);
        prop_assert_eq!(decode_every_split(peer(role), &wire, Limits::default()), (expected, None));
    }

    /// `advance_compact` (a client-role reader without the inlined fast path and
    /// without unmasking) decides exactly as `advance`, on valid streams and on
    /// streams with a byte flipped (a set MASK bit included: `MaskedFrame`), with
    /// tight limits so that the size checks are exercised too.
    #[test]
    fn advance_compact_agrees_with_advance(
        msgs in proptest::collection::vec(message(), 1..6),
        fragment in 1usize..4000,
        seed in any::<u64>(),
        chunks in proptest::collection::vec(1usize..2000, 1..6),
        flip in proptest::option::of((any::<prop::sample::Index>(), 1u8..=255)),
        max in 64usize..4000,
    ) {
        let (mut wire, _) = encode(Role::Server, fragment, seed, &msgs);
        if let Some((at, bits)) = flip {
            let i = at.index(wire.len());
            wire[i] ^= bits;
        }
        let limits = Limits { max_frame_size: max, max_message_size: max };
        let mut fast = FrameReader::new(Role::Client, GrowBuf(vec![0; 512]), limits);
        let mut compact = FrameReader::new(Role::Client, GrowBuf(vec![0; 512]), limits);
        prop_assert_eq!(
            feed_with(&mut compact, &wire, &chunks, FrameReader::advance_compact),
            feed_with(&mut fast, &wire, &chunks, FrameReader::advance)
        );
    }
}

#[test]
#[should_panic(expected = "advance_compact is for the client role")]
fn advance_compact_refuses_the_server_role() {
    let mut reader = FrameReader::new(Role::Server, GrowBuf(vec![0; 512]), Limits::default());
    let _ = reader.advance_compact();
}
