//! The opening handshake, RFC 6455 section 4: sans-IO, over caller buffers, no
//! allocation.
//!
//! - [`client`] (section 4.1): write the upgrade request ([`ClientRequest`],
//!   [`ClientKey`]) and validate the server's `101` ([`parse_response`]).
//! - [`server`] (section 4.2): parse and validate an upgrade request
//!   ([`parse_request`], [`UpgradeRequest`]) and write the `101`
//!   ([`write_accept`]) or a refusal ([`write_reject`]).
//!
//! Heads are parsed with [`crate::http::head`]; the accept key is SHA-1 (`hmac-sha1-compact`: one hash per handshake, so the
//! small rolled implementation) and base64
//! (`base64`) as section 4.2.2 prescribes. Parsers are incremental: they return
//! `Ok(None)` until the whole head (up to the empty line) is in the buffer, and then
//! the head's length, so that bytes after it (the first frames) stay where they are
//! for the frame reader. The head size limit is the caller's ([`DEFAULT_MAX_HEAD_LEN`]
//! is a suggestion, not a cap).
//!
//! ```
//! use nexus_net::ws::handshake::{
//!     parse_request, parse_response, write_accept, ClientKey, ClientRequest,
//!     DEFAULT_MAX_HEAD_LEN,
//! };
//!
//! // Client: write the request.
//! let key = ClientKey::from_nonce(*b"the sample nonce");
//! let mut request = [0u8; 512];
//! let n = ClientRequest::new("server.example.com", "/chat")
//!     .subprotocols(&["chat", "superchat"])
//!     .write(&key, &mut request)?;
//!
//! // Server: parse it, pick a subprotocol, answer.
//! let req = parse_request(&request[..n], DEFAULT_MAX_HEAD_LEN)?.expect("whole head");
//! assert_eq!(req.path(), "/chat");
//! let chosen = req.subprotocols().find(|p| *p == "chat");
//! let mut response = [0u8; 512];
//! let m = write_accept(&mut response, req.key(), chosen, &[])?;
//!
//! // Client: validate the answer.
//! let resp = parse_response(&response[..m], &key, &["chat", "superchat"], DEFAULT_MAX_HEAD_LEN)?
//!     .expect("whole head");
//! assert_eq!(resp.head_len, m);
//! assert_eq!(resp.subprotocol, Some(0));
//! # Ok::<(), nexus_net::ws::handshake::HandshakeError>(())
//! ```

pub mod client;
mod error;
mod head;
pub mod server;

pub use client::{parse_response, parse_response_with_deflate, ClientKey, ClientRequest, ServerResponse};
pub use error::HandshakeError;
pub(crate) use head::is_tchar;
pub use server::{
    parse_request, write_accept, write_accept_with_extensions, write_reject, HeaderIter, Subprotocols, UpgradeRequest,
};

use base64::Engine as _;

/// The GUID that section 1.3 appends to the client's key before hashing.
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The only protocol version this crate speaks (`Sec-WebSocket-Version: 13`).
pub const WEBSOCKET_VERSION: &str = "13";

/// A reasonable limit for the handshake head, in bytes, for callers that have no
/// better idea: 8 KiB, the default of common servers. The parsers take the limit as
/// a parameter, capped at 65535 bytes (the head parser's 16-bit offsets): a longer
/// head is [`HandshakeError::HeadTooLarge`] whatever the limit.
pub const DEFAULT_MAX_HEAD_LEN: usize = 8 * 1024;

/// The longest head the parsers look at: [`crate::http::head`] records 16-bit offsets.
pub(crate) const MAX_PARSED_HEAD: usize = u16::MAX as usize;

/// Most headers [`parse_response`] and [`parse_request`] accept in one head (their
/// header positions, 8 bytes each, live on the stack). More is
/// [`HandshakeError::TooManyHeaders`].
pub const MAX_HEADERS: usize = 64;

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` value (section 4.2.2, step 5.4):
/// base64 of the SHA-1 of the key (as sent, without surrounding whitespace)
/// followed by [`WEBSOCKET_GUID`]. Always 28 ASCII bytes.
///
/// ```
/// use nexus_net::ws::handshake::accept_key;
/// // RFC 6455 section 1.3.
/// assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(client_key: &[u8]) -> [u8; 28] {
    let mut sha = hmac_sha1_compact::Hash::new();
    sha.update(client_key);
    sha.update(WEBSOCKET_GUID.as_bytes());
    let digest = sha.finalize();
    let mut out = [0u8; 28];
    // 20 bytes encode to exactly 28 with padding, so the slice is always big enough.
    let n = base64::engine::general_purpose::STANDARD.encode_slice(digest, &mut out).unwrap_or(0);
    debug_assert_eq!(n, 28);
    out
}

/// Whether `key` is a valid `Sec-WebSocket-Key`: the canonical base64 of exactly 16
/// bytes (24 characters, `==` padded).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let mut nonce = [0u8; 18];
    key.len() == 24 && base64::engine::general_purpose::STANDARD.decode_slice(key, &mut nonce) == Ok(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_rfc6455_1_3() {
        assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn accept_key_rfc6455_4_1_example_key() {
        // Section 4.1's sample key; expected value computed independently
        // (`printf %s KEY$GUID | openssl sha1 -binary | base64`).
        assert_eq!(&accept_key(b"x3JJHMbDL1EzLkh9GBhXDw=="), b"HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    }

    #[test]
    fn round_trip_client_server_client() {
        let key = ClientKey::from_nonce([0x5a; 16]);
        let offered = ["v2.feed", "v1.feed"];
        let mut req_buf = [0u8; 512];
        let n = ClientRequest::new("feed.example", "/md?depth=10")
            .port(9443)
            .origin("https://app.example")
            .subprotocols(&offered)
            .extra_headers(&[("Authorization", "Bearer t0ken"), ("X-Id", "7")])
            .write(&key, &mut req_buf)
            .unwrap();

        // Server side, also fed one byte at a time.
        for len in 0..n {
            assert_eq!(parse_request(&req_buf[..len], DEFAULT_MAX_HEAD_LEN), Ok(None));
        }
        let req = parse_request(&req_buf[..n], DEFAULT_MAX_HEAD_LEN).unwrap().unwrap();
        assert_eq!(req.head_len(), n);
        assert_eq!(req.path(), "/md?depth=10");
        assert_eq!(req.host(), "feed.example:9443");
        assert_eq!(req.origin(), Some("https://app.example"));
        assert_eq!(req.key(), key.as_str());
        assert!(req.subprotocols().eq(offered));
        assert_eq!(req.header("authorization"), Some(&b"Bearer t0ken"[..]));
        assert_eq!(req.header("x-id"), Some(&b"7"[..]));

        let chosen = req.subprotocols().find(|p| *p == "v1.feed");
        let mut resp_buf = [0u8; 512];
        let m = write_accept(&mut resp_buf, req.key(), chosen, &[("Server", "t")]).unwrap();
        // The server's first frame arrives in the same read.
        resp_buf[m..m + 2].copy_from_slice(&[0x89, 0x00]);

        for len in 0..m {
            assert_eq!(parse_response(&resp_buf[..len], &key, &offered, DEFAULT_MAX_HEAD_LEN), Ok(None));
        }
        let resp = parse_response(&resp_buf[..m + 2], &key, &offered, DEFAULT_MAX_HEAD_LEN).unwrap().unwrap();
        assert_eq!(resp.head_len, m);
        assert_eq!(resp.subprotocol, Some(1));
        assert_eq!(offered[resp.subprotocol.unwrap()], "v1.feed");
    }

    #[test]
    fn round_trip_rejection_is_reported_by_status() {
        let key = ClientKey::from_nonce([1; 16]);
        let mut req_buf = [0u8; 256];
        let n = ClientRequest::new("h", "/").write(&key, &mut req_buf).unwrap();
        // Corrupt the version the way an old client would send it.
        let at = req_buf.windows(2).position(|w| w == b"13").unwrap();
        req_buf[at..at + 2].copy_from_slice(b"08");
        let err = parse_request(&req_buf[..n], DEFAULT_MAX_HEAD_LEN).unwrap_err();
        assert_eq!(err, HandshakeError::UnsupportedVersion);
        let mut resp_buf = [0u8; 256];
        let m = write_reject(&mut resp_buf, err.http_status(), &[]).unwrap();
        assert_eq!(parse_response(&resp_buf[..m], &key, &[], DEFAULT_MAX_HEAD_LEN), Err(HandshakeError::Status(426)));
    }

    #[test]
    fn errors_display() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(HandshakeError::Status(403).to_string(), "server answered 403, not 101");
        assert_eq!(HandshakeError::InvalidKey.to_string(), "Sec-WebSocket-Key is not base64 of 16 bytes");
    }

    proptest::proptest! {
        /// Any valid request the client can write, the server parses back to the same
        /// fields, and the server's answer validates on the client.
        #[test]
        fn round_trip_any_valid_request(
            nonce in proptest::prelude::any::<[u8; 16]>(),
            host in "[a-z0-9][a-z0-9.-]{0,30}",
            port in proptest::option::of(1u16..),
            path in "/[!-~&&[^#]]{0,40}",
            protocols in proptest::collection::vec("[a-zA-Z0-9.!#$%&'*+^_`|~-]{1,12}", 0..4),
            header_values in proptest::collection::vec("[ -~]{0,20}", 0..4),
            pick in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            extern crate std;
            use std::vec::Vec;
            let key = ClientKey::from_nonce(nonce);
            let protocols: Vec<&str> = protocols.iter().map(|s| s.as_str()).collect();
            let names = ["X-A", "X-B", "X-C", "X-D"];
            let extra: Vec<(&str, &str)> =
                header_values.iter().enumerate().map(|(i, v)| (names[i], v.as_str())).collect();
            let mut r = ClientRequest::new(&host, &path).subprotocols(&protocols).extra_headers(&extra);
            if let Some(p) = port {
                r = r.port(p);
            }
            let mut buf = [0u8; 1024];
            let n = r.write(&key, &mut buf).unwrap();
            let req = parse_request(&buf[..n], n).unwrap().unwrap();
            proptest::prop_assert_eq!(req.head_len(), n);
            proptest::prop_assert_eq!(req.path(), path.as_str());
            let want_host = match port {
                Some(p) => std::format!("{host}:{p}"),
                None => host.clone(),
            };
            proptest::prop_assert_eq!(req.host(), want_host.as_str());
            proptest::prop_assert!(req.subprotocols().eq(protocols.iter().copied()));
            for (name, value) in &extra {
                proptest::prop_assert_eq!(req.header(name), Some(value.trim_matches(' ').as_bytes()));
            }
            let chosen = (!protocols.is_empty()).then(|| pick.index(protocols.len()));
            let mut out = [0u8; 512];
            let m = write_accept(&mut out, req.key(), chosen.map(|i| protocols[i]), &[]).unwrap();
            let resp = parse_response(&out[..m], &key, &protocols, m).unwrap().unwrap();
            // Duplicate offers resolve to the first equal one.
            let want = chosen.map(|i| protocols.iter().position(|p| *p == protocols[i]).unwrap());
            proptest::prop_assert_eq!(resp, ServerResponse { head_len: m, subprotocol: want });
        }
    }

    proptest::proptest! {
        /// The compact SHA-1 agrees with RustCrypto's on keys of any length (one and
        /// two blocks, padding on either side of a block boundary).
        #[test]
        fn accept_key_matches_reference_sha1(key in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            use sha1::Digest as _;
            let mut reference = sha1::Sha1::new();
            reference.update(&key);
            reference.update(WEBSOCKET_GUID.as_bytes());
            let mut want = [0u8; 28];
            base64::engine::general_purpose::STANDARD.encode_slice(reference.finalize(), &mut want).unwrap();
            proptest::prop_assert_eq!(accept_key(&key), want);
        }
    }

    #[test]
    fn key_validity() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        // 15 and 17 bytes, unpadded, wrong alphabet, non-canonical trailing bits.
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZSE="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZSEh"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=!"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZR=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j-Q=="));
        assert!(!is_valid_key(b""));
    }
}
