//! [`WsError`]: everything that can end a WebSocket operation.

use std::fmt;
use std::io;

use nexus_net::tls::{rustls, TlsError};
use nexus_net::url::UrlError;
use nexus_net::ws::handshake::HandshakeError;
use nexus_net::ws::session::Refused;
use nexus_net::ws::{CloseCode, EncodeError, ProtocolError};

/// Why a WebSocket connect, accept, receive or send failed.
///
/// Every variant is a plain, matchable case. `WsError` is
/// `std::error::Error + Send + Sync + 'static`.
#[derive(Debug)]
#[non_exhaustive]
pub enum WsError {
    /// The transport failed (connection refused or reset, DNS failure, EOF in the
    /// middle of a frame or of the handshake, ...).
    Io(io::Error),
    /// The peer broke RFC 6455 or a configured limit. `code` is the close code that
    /// was sent to it before the connection was shut (1002, 1007 for bad UTF-8, 1009
    /// for an oversize message).
    Protocol {
        /// What the peer did wrong.
        error: ProtocolError,
        /// The close code sent in reply.
        code: CloseCode,
    },
    /// The opening handshake failed: the server answered something other than a valid
    /// `101` (see [`HandshakeError::Status`] for its status code), or (server side)
    /// the client's upgrade request was invalid or refused; the refusal was answered
    /// with the status of [`HandshakeError::http_status`].
    Handshake(HandshakeError),
    /// The application refused the upgrade request (see
    /// [`WsStreamBuilder::on_request`](super::WsStreamBuilder::on_request)); the
    /// client was answered with this HTTP status.
    Refused(u16),
    /// The TLS handshake failed (untrusted certificate, wrong host name, no common
    /// protocol version, ...).
    Tls(rustls::Error),
    /// A TLS configuration could not be built.
    TlsConfig(TlsError),
    /// A deadline passed: `connect_timeout` (DNS, TCP, TLS and upgrade),
    /// `handshake_timeout` on accept, or the idle timeout (no answer to a ping).
    Timeout,
    /// The URL could not be parsed, or its scheme is not `ws` or `wss`.
    InvalidUrl(UrlError),
    /// The host of the URL is not a valid DNS name or IP address for TLS.
    InvalidDnsName(String),
    /// A send after the close handshake began (a Close was sent, or received and
    /// answered), or after the connection failed.
    Closed,
    /// A previous send of a message larger than the write buffer was cancelled part
    /// way; the peer has seen half a frame, so nothing more can be sent.
    Poisoned,
    /// The message could not be encoded: a control payload over 125 bytes, a close
    /// reason over 123 bytes, or a close code that may not be sent.
    Encode(EncodeError),
}

impl WsError {
    /// The close code this error corresponds to, when it ended the connection with
    /// (or because of) a Close frame.
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
            Self::Io(e) => write!(f, "websocket i/o error: {e}"),
            Self::Protocol { error, code } => write!(f, "websocket protocol error: {error} (closed with {code})"),
            Self::Handshake(e) => write!(f, "websocket handshake failed: {e}"),
            Self::Refused(status) => write!(f, "websocket upgrade refused by the application with {status}"),
            Self::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Self::TlsConfig(e) => write!(f, "TLS configuration: {e}"),
            Self::Timeout => f.write_str("websocket operation timed out"),
            Self::InvalidUrl(e) => write!(f, "invalid websocket URL: {e}"),
            Self::InvalidDnsName(host) => write!(f, "not a valid TLS server name: {host:?}"),
            Self::Closed => f.write_str("websocket is closed"),
            Self::Poisoned => f.write_str("websocket poisoned by a cancelled send"),
            Self::Encode(e) => write!(f, "cannot encode websocket frame: {e}"),
        }
    }
}

impl std::error::Error for WsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Protocol { error, .. } => Some(error),
            Self::Handshake(e) => Some(e),
            Self::Tls(e) => Some(e),
            Self::TlsConfig(e) => Some(e),
            Self::InvalidUrl(e) => Some(e),
            Self::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for WsError {
    /// I/O errors that carry a rustls error (tokio-rustls wraps them so) become
    /// [`WsError::Tls`].
    fn from(e: io::Error) -> Self {
        if !e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
            return Self::Io(e);
        }
        let kind = e.kind();
        match e.into_inner().map(|inner| inner.downcast::<rustls::Error>()) {
            Some(Ok(tls)) => Self::Tls(*tls),
            Some(Err(other)) => Self::Io(io::Error::new(kind, other)),
            None => Self::Io(kind.into()),
        }
    }
}

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

impl From<TlsError> for WsError {
    fn from(e: TlsError) -> Self {
        Self::TlsConfig(e)
    }
}

impl From<UrlError> for WsError {
    fn from(e: UrlError) -> Self {
        Self::InvalidUrl(e)
    }
}
