//! Everything that can go wrong in the opening handshake.

use core::fmt;

/// Why a handshake head was refused or could not be written.
///
/// Each variant means one thing. An incomplete head is not an error: the parsers
/// return `Ok(None)` for it. [`http_status`](Self::http_status) gives the status a
/// server should answer a refused request with (see
/// [`write_reject`](super::write_reject)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HandshakeError {
    // ---- the head as a whole (both roles) ----
    /// The caller's head size limit was reached before the empty line ending the
    /// head.
    HeadTooLarge,
    /// The head has more header lines than [`MAX_HEADERS`](super::MAX_HEADERS).
    TooManyHeaders,
    /// The head is not valid HTTP/1.x syntax (bad request or status line, bad header
    /// name or value bytes, bare CR, folded header lines, ...).
    MalformedHead,
    /// The head is not HTTP/1.1 (e.g. HTTP/1.0, which has no `Upgrade`).
    HttpVersion,
    /// No `Upgrade` header with the token `websocket` (case-insensitive).
    MissingUpgrade,
    /// No `Connection` header with the token `Upgrade` (case-insensitive).
    MissingConnectionUpgrade,
    /// A subprotocol name (offered, requested or chosen) is not a valid HTTP token.
    InvalidSubprotocol,

    // ---- server side: the client's request ----
    /// The request method is not `GET`.
    MethodNotGet,
    /// The request has no `Host` header.
    MissingHost,
    /// The request has more than one `Host` header.
    DuplicateHost,
    /// A `Host` value is empty, not ASCII, or has characters a host cannot have (in a
    /// request to parse or in a [`ClientRequest`](super::ClientRequest) to write).
    InvalidHost,
    /// The request has no `Sec-WebSocket-Key` header.
    MissingKey,
    /// The request has more than one `Sec-WebSocket-Key` header.
    DuplicateKey,
    /// A `Sec-WebSocket-Key` is not the base64 encoding of 16 bytes (received, or
    /// given to [`write_accept`](super::write_accept)).
    InvalidKey,
    /// The request has no `Sec-WebSocket-Version` header.
    MissingVersion,
    /// `Sec-WebSocket-Version` is not exactly `13` (or is repeated). The answer is
    /// `426 Upgrade Required` with `Sec-WebSocket-Version: 13` (section 4.2.2).
    UnsupportedVersion,
    /// `Origin` is repeated or not valid UTF-8.
    InvalidOrigin,

    // ---- client side: the server's response ----
    /// The server answered with this status instead of `101 Switching Protocols`.
    Status(u16),
    /// The `101` has no `Sec-WebSocket-Accept` header.
    MissingAccept,
    /// `Sec-WebSocket-Accept` is repeated or does not match the key that was sent.
    InvalidAccept,
    /// The server chose a subprotocol the client did not offer, or more than one.
    UnsolicitedSubprotocol,
    /// The server enabled an extension (`Sec-WebSocket-Extensions`); this client
    /// offers none.
    UnsolicitedExtension,
    /// The server's permessage-deflate answer does not fit the offer (RFC 7692
    /// section 7.1): the reason says how.
    Deflate(crate::ws::deflate::DeflateReject),

    // ---- writing a head ----
    /// The output buffer is too small for the head. Nothing usable was written;
    /// retry with a larger buffer.
    BufferTooSmall,
    /// A header name to write is empty or not an HTTP token.
    InvalidHeaderName,
    /// A header value to write contains CR, LF, NUL or another control character
    /// (horizontal tab excepted): writing it could inject headers.
    InvalidHeaderValue,
    /// An extra header names one that the handshake writes itself (`Host`,
    /// `Upgrade`, `Connection`, `Sec-WebSocket-*`, `Origin`, `Content-Length`, ...).
    ReservedHeader,
    /// The request target to write does not start with `/` or contains a space,
    /// control character, `#` or non-ASCII byte.
    InvalidRequestTarget,
    /// The status given to [`write_reject`](super::write_reject) is not in
    /// `400..=599`.
    InvalidStatus,
}

impl HandshakeError {
    /// The HTTP status a server should refuse a request with for this error:
    /// `426` for [`UnsupportedVersion`](Self::UnsupportedVersion), `431` for
    /// [`HeadTooLarge`](Self::HeadTooLarge) and
    /// [`TooManyHeaders`](Self::TooManyHeaders), `505` for
    /// [`HttpVersion`](Self::HttpVersion), `405` for
    /// [`MethodNotGet`](Self::MethodNotGet), `500` for errors in writing (a local
    /// fault), `400` otherwise (including client-side errors, which a server never
    /// sees).
    pub const fn http_status(&self) -> u16 {
        match self {
            Self::UnsupportedVersion => 426,
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::HttpVersion => 505,
            Self::MethodNotGet => 405,
            Self::BufferTooSmall
            | Self::InvalidHeaderName
            | Self::InvalidHeaderValue
            | Self::ReservedHeader
            | Self::InvalidRequestTarget
            | Self::InvalidStatus => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::HeadTooLarge => "handshake head exceeds the size limit",
            Self::TooManyHeaders => "handshake head has too many headers",
            Self::MalformedHead => "handshake head is not valid HTTP/1.1",
            Self::HttpVersion => "handshake is not HTTP/1.1",
            Self::MissingUpgrade => "missing `Upgrade: websocket`",
            Self::MissingConnectionUpgrade => "missing `Connection: Upgrade`",
            Self::InvalidSubprotocol => "subprotocol name is not a valid token",
            Self::MethodNotGet => "upgrade request method is not GET",
            Self::MissingHost => "missing Host header",
            Self::DuplicateHost => "more than one Host header",
            Self::InvalidHost => "invalid Host",
            Self::MissingKey => "missing Sec-WebSocket-Key",
            Self::DuplicateKey => "more than one Sec-WebSocket-Key",
            Self::InvalidKey => "Sec-WebSocket-Key is not base64 of 16 bytes",
            Self::MissingVersion => "missing Sec-WebSocket-Version",
            Self::UnsupportedVersion => "Sec-WebSocket-Version is not 13",
            Self::InvalidOrigin => "Origin is repeated or not UTF-8",
            Self::Status(code) => return write!(f, "server answered {code}, not 101"),
            Self::MissingAccept => "missing Sec-WebSocket-Accept",
            Self::InvalidAccept => "Sec-WebSocket-Accept does not match the key sent",
            Self::UnsolicitedSubprotocol => "server chose a subprotocol that was not offered",
            Self::UnsolicitedExtension => "server enabled an extension that was not offered",
            Self::Deflate(reason) => return write!(f, "permessage-deflate negotiation failed: {reason}"),
            Self::BufferTooSmall => "output buffer too small for the handshake head",
            Self::InvalidHeaderName => "header name is not a valid token",
            Self::InvalidHeaderValue => "header value contains CR, LF, NUL or a control character",
            Self::ReservedHeader => "extra header duplicates one the handshake writes itself",
            Self::InvalidRequestTarget => "request target must start with `/` and be printable ASCII",
            Self::InvalidStatus => "rejection status must be in 400..=599",
        };
        f.write_str(s)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HandshakeError {}
