//! permessage-deflate (RFC 7692), sans-IO and allocation-free.
//!
//! - [`negotiate`](self#negotiation): [`DeflateConfig`] says what an endpoint wants;
//!   a client writes its [`offer`](DeflateConfig::offer) and checks the server's answer
//!   with [`check_response`](DeflateConfig::check_response) (or
//!   [`parse_response_with_deflate`](super::handshake::parse_response_with_deflate));
//!   a server picks among the client's offers with [`accept_offers`]. Both end with the
//!   agreed [`DeflateParams`].
//! - Frames: [`FrameReader::set_compression`](super::FrameReader::set_compression)
//!   allows RSV1 on the first frame of a data message (RSV1 on a control frame or a
//!   continuation is a protocol error, 1002), and such a message is handed out by
//!   [`FrameReader::compressed_message`](super::FrameReader::compressed_message);
//!   [`FrameWriter::set_rsv1`](super::FrameWriter::set_rsv1) marks outgoing ones.
//! - Codec: [`MessageInflater`] and [`MessageDeflater`] drive an adapter's
//!   [`Inflater`] / [`Deflater`] (a zlib binding, say) through the RFC's rules: the
//!   `00 00 ff ff` tail, context takeover per role, output bounded by
//!   `max_message_size` (a zip bomb gets 1009), UTF-8 of text (1007).
//!
//! # Negotiation
//! ```
//! use nexus_net::ws::deflate::{accept_offers, DeflateConfig, MAX_EXTENSION_HEADER_LEN};
//!
//! // Client: offer.
//! let client = DeflateConfig { server_no_context_takeover: true, ..Default::default() };
//! let mut offer = [0u8; MAX_EXTENSION_HEADER_LEN];
//! let offer = client.offer(&mut offer);
//!
//! // Server: accept.
//! let server = DeflateConfig { server_max_window_bits: 12, ..Default::default() };
//! let mut answer = [0u8; MAX_EXTENSION_HEADER_LEN];
//! let (server_params, answer) = accept_offers(&server, [offer.as_bytes()], &mut answer).unwrap();
//! assert_eq!(answer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=12");
//!
//! // Client: check the answer; both ends agree.
//! let client_params = client.check_response([answer.as_bytes()])?.unwrap();
//! assert_eq!(client_params, server_params);
//! assert!(client_params.server_no_context_takeover);
//! # Ok::<(), nexus_net::ws::handshake::HandshakeError>(())
//! ```

mod codec;
mod negotiate;

pub use codec::{CodecError, Deflater, Inflater, MessageDeflater, MessageInflater, Step};
pub use negotiate::{
    accept_offers, accept_request, DeflateConfig, DeflateParams, DeflateReject, MAX_EXTENSION_HEADER_LEN,
    PERMESSAGE_DEFLATE,
};

#[cfg(test)]
mod tests;
