//! [`WsError`]: everything that can end a WebSocket operation.

use core::fmt;

use nexus_net::rest::IoErrorKind;
use nexus_net::url::UrlError;
use nexus_net::ws::handshake::HandshakeError;
use nexus_net::ws::session::Refused;
use nexus_net::ws::{CloseCode, EncodeError, ProtocolError};

use crate::net::ConnectError;
use crate::transport::IoFail;

/// Why a WebSocket connect, receive, send or close failed. Every variant is plain
/// and matchable; the type is `Copy` and small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WsError {
    /// The transport failed (reset, broken pipe, end of stream in the middle of the
    /// opening handshake, ...).
    Io(IoErrorKind),
    /// Setting up the connection (DNS, TCP, TLS) failed.
    Connect(ConnectError),
    /// The peer broke RFC 6455 or a configured limit (an oversize message is
    /// `MessageTooLarge`). A Close with `code` was sent to it (1002, 1007 for bad
    /// UTF-8, 1009 for an oversize message) and the connection was closed.
    Protocol {
        /// What the peer did wrong.
        error: ProtocolError,
        /// The close code sent in reply.
        code: CloseCode,
    },
    /// The opening handshake failed: the server answered something other than a
    /// valid `101` ([`HandshakeError::Status`] carries its status), or the request
    /// could not be written (too many or invalid extra headers for the write buffer).
    Handshake(HandshakeError),
    /// A deadline passed: the connect timeout (DNS, TCP, TLS and the upgrade) or the
    /// read timeout of [`recv`](super::WsClient::recv).
    Timeout,
    /// The URL could not be parsed.
    InvalidUrl(UrlError),
    /// The URL's scheme does not fit the call: `connect` takes `ws://`,
    /// `connect_tls` takes `wss://`, `connect_with` either (the transport is given).
    UnsupportedScheme,
    /// A send after the close handshake began, or after the connection ended or
    /// failed.
    Closed,
    /// An earlier send was cancelled half-way: the peer may have seen part of a
    /// frame, so nothing more can be sent. Drop the connection.
    Poisoned,
    /// The message could not be encoded: a control payload over 125 bytes, a close
    /// reason over 123 bytes, or a close code that may not be sent.
    Encode(EncodeError),
}

impl WsError {
    /// The close code sent to the peer because of this error, if any.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::Protocol { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(k) => write!(f, "websocket i/o error: {k}"),
            Self::Connect(e) => write!(f, "websocket connect failed: {e}"),
            Self::Protocol { error, code } => write!(f, "websocket protocol error: {error} (closed with {code})"),
            Self::Handshake(e) => write!(f, "websocket handshake failed: {e}"),
            Self::Timeout => f.write_str("websocket operation timed out"),
            Self::InvalidUrl(e) => write!(f, "invalid websocket URL: {e}"),
            Self::UnsupportedScheme => f.write_str("URL scheme does not fit this connect call (ws:// or wss://)"),
            Self::Closed => f.write_str("websocket is closed"),
            Self::Poisoned => f.write_str("websocket poisoned by a cancelled send"),
            Self::Encode(e) => write!(f, "cannot encode websocket frame: {e}"),
        }
    }
}

impl core::error::Error for WsError {}

impl From<Refused> for WsError {
    fn from(e: Refused) -> Self {
        match e {
            Refused::Closed => Self::Closed,
            Refused::Poisoned => Self::Poisoned,
        }
    }
}

impl From<EncodeError> for WsError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

impl From<HandshakeError> for WsError {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl From<UrlError> for WsError {
    fn from(e: UrlError) -> Self {
        Self::InvalidUrl(e)
    }
}

impl From<ConnectError> for WsError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Timeout => Self::Timeout,
            other => Self::Connect(other),
        }
    }
}

impl From<IoErrorKind> for WsError {
    fn from(k: IoErrorKind) -> Self {
        Self::Io(k)
    }
}

impl From<IoFail> for WsError {
    fn from(e: IoFail) -> Self {
        match e {
            IoFail::Io(k) => Self::Io(k),
            IoFail::Timeout => Self::Timeout,
        }
    }
}
