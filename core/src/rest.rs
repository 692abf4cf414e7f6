//! The error type shared by the HTTP codec and the REST adapters.
//!
//! [`RestError`] is what every REST operation of the stack returns: the codec in
//! [`crate::http`] produces the protocol variants, the adapters the transport ones
//! (`Io`, `ConnectionClosed`, `ReadTimeout`, `Tls`, ...). Its variants are plain so a
//! caller can match on them and construct them (for instance to decide which errors
//! are worth a retry on a fresh connection).
//!
//! ```
//! use nexus_net::rest::RestError;
//!
//! fn retry_on_new_connection(e: &RestError) -> bool {
//!     matches!(
//!         e,
//!         RestError::Io(_)
//!             | RestError::ConnectionPoisoned
//!             | RestError::ConnectionClosed(_)
//!             | RestError::ConnectionStale
//!             | RestError::ReadTimeout
//!     )
//! }
//! assert!(retry_on_new_connection(&RestError::ConnectionClosed("peer closed")));
//! assert!(!retry_on_new_connection(&RestError::CrlfInjection));
//! ```

use core::fmt;

pub use crate::http::HttpError;

/// Every way a REST request can fail.
///
/// With feature `std` it is `std::error::Error + Send + Sync + 'static` and
/// converts from `std::io::Error`.
#[derive(Debug)]
#[cfg_attr(all(feature = "defmt", not(feature = "std")), derive(defmt::Format))]
#[non_exhaustive]
pub enum RestError {
    /// The transport failed (with `std`: the `std::io::Error` itself).
    #[cfg(feature = "std")]
    Io(std::io::Error),
    /// The transport failed (without `std`: the error kind).
    #[cfg(not(feature = "std"))]
    Io(IoErrorKind),
    /// The response is malformed or frames its body ambiguously. The connection must
    /// be closed.
    Http(HttpError),
    /// The response body is larger than `max_body_size` (or than the reader's buffer
    /// can hold). `size` is the declared size, or a lower bound when the body is
    /// chunked or read to close.
    BodyTooLarge {
        /// Body size (or a lower bound).
        size: usize,
        /// The limit in force.
        max: usize,
    },
    /// The request does not fit the writer's buffer. Raise the write buffer capacity
    /// (or use growable storage) to at least `needed` bytes.
    RequestTooLarge {
        /// Bytes the whole request needs (a lower bound when writing stopped early).
        needed: usize,
        /// Bytes the writer could use.
        capacity: usize,
    },
    /// A CR, LF or NUL byte in a header name or value, the path, the query or the host
    /// (an attempt to inject headers or split the request). Nothing was written.
    CrlfInjection,
    /// A previous request on this connection was abandoned half-way (for instance a
    /// cancelled send), so the connection's framing is unknown.
    ConnectionPoisoned,
    /// The peer closed the connection; the text says at which point.
    ConnectionClosed(&'static str),
    /// The connection was idle too long, or the server sent bytes nobody asked for.
    ConnectionStale,
    /// No response arrived within the read timeout.
    ReadTimeout,
    /// The URL, host or path can't be used; the text says why.
    InvalidUrl(&'static str),
    /// The TLS layer failed.
    Tls(TlsError),
    /// A [`Request`](crate::http::Request) token is stale (the writer has begun
    /// another request since) or comes from another writer. Build the request again.
    StaleRequest,
    /// An in-place body closure failed: it returned `fmt::Error`, or reported more
    /// bytes than the buffer it was given.
    BodyWrite,
}

impl RestError {
    /// An `Io` error from a kind, in both configurations: without `std` it is
    /// `Io(kind)`, with `std` `Io(std::io::Error::from(kind))`. Lets a no_std adapter
    /// compile unchanged in a workspace where `std` is unified on.
    pub fn io_kind(kind: IoErrorKind) -> Self {
        #[cfg(feature = "std")]
        {
            Self::Io(std::io::Error::from(std::io::ErrorKind::from(kind)))
        }
        #[cfg(not(feature = "std"))]
        {
            Self::Io(kind)
        }
    }
}

impl fmt::Display for RestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "std")]
            Self::Io(e) => write!(f, "I/O error: {e}"),
            #[cfg(not(feature = "std"))]
            Self::Io(k) => write!(f, "I/O error: {k}"),
            Self::Http(e) => write!(f, "HTTP protocol error: {e}"),
            Self::BodyTooLarge { size, max } => write!(
                f,
                "response body of {size} bytes (or more) exceeds the limit of {max}; raise max_body_size or the response buffer"
            ),
            Self::RequestTooLarge { needed, capacity } => write!(
                f,
                "request needs {needed} bytes but the write buffer has {capacity}; raise the write buffer capacity"
            ),
            Self::CrlfInjection => f.write_str(
                "CR, LF or NUL in a header, path, query or host (header injection refused, nothing sent)",
            ),
            Self::ConnectionPoisoned => f.write_str(
                "connection poisoned: an earlier request was abandoned mid-flight; reconnect",
            ),
            Self::ConnectionClosed(why) => write!(f, "connection closed: {why}"),
            Self::ConnectionStale => f.write_str("connection stale; reconnect"),
            Self::ReadTimeout => f.write_str("timed out waiting for the response"),
            Self::InvalidUrl(why) => write!(f, "invalid URL: {why}"),
            Self::Tls(e) => write!(f, "TLS error: {e}"),
            Self::StaleRequest => f.write_str(
                "stale request token (the writer began another request, or it belongs to another writer); build it again",
            ),
            Self::BodyWrite => f.write_str(
                "the body closure failed (fmt::Error, or it claimed more bytes than it was given)",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Http(e) => Some(e),
            Self::Tls(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for RestError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<HttpError> for RestError {
    fn from(e: HttpError) -> Self {
        Self::Http(e)
    }
}

impl From<TlsError> for RestError {
    fn from(e: TlsError) -> Self {
        Self::Tls(e)
    }
}

/// What went wrong in the TLS layer. Adapters map rustls and embedded-tls errors
/// into these kinds so that one error type serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TlsError {
    /// The handshake failed for a reason not listed below.
    HandshakeFailed,
    /// The server's certificate chain does not lead to a trusted root.
    UnknownIssuer,
    /// The certificate is not valid for the host name that was dialled.
    NameMismatch,
    /// The certificate has expired (or is not yet valid).
    Expired,
    /// The certificate is malformed, revoked or otherwise unusable.
    BadCertificate,
    /// The peer sent a TLS alert with this description code (RFC 8446 section 6).
    Alert(u8),
    /// The local TLS configuration is invalid (no roots, bad client certificate...).
    Config,
    /// Any other TLS failure.
    Other,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HandshakeFailed => f.write_str("handshake failed"),
            Self::UnknownIssuer => {
                f.write_str("certificate issuer unknown; add its root certificate to the TLS config")
            }
            Self::NameMismatch => f.write_str("certificate not valid for the requested host name"),
            Self::Expired => f.write_str("certificate expired or not yet valid (check the clock)"),
            Self::BadCertificate => f.write_str("bad certificate"),
            Self::Alert(code) => write!(f, "peer sent TLS alert {code}"),
            Self::Config => f.write_str("invalid TLS configuration"),
            Self::Other => f.write_str("TLS failure"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TlsError {}

/// Transport error kinds, mirroring `embedded_io::ErrorKind` so that no_std adapters
/// can report I/O failures without `std::io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IoErrorKind {
    /// Unspecified error.
    Other,
    /// An entity was not found.
    NotFound,
    /// Operation not permitted.
    PermissionDenied,
    /// The remote refused the connection.
    ConnectionRefused,
    /// The remote reset the connection.
    ConnectionReset,
    /// The connection was aborted.
    ConnectionAborted,
    /// Not connected.
    NotConnected,
    /// Address in use.
    AddrInUse,
    /// Address not available.
    AddrNotAvailable,
    /// The pipe (connection) is broken.
    BrokenPipe,
    /// The entity already exists.
    AlreadyExists,
    /// A parameter was invalid.
    InvalidInput,
    /// Received data was invalid.
    InvalidData,
    /// The operation timed out.
    TimedOut,
    /// The operation was interrupted.
    Interrupted,
    /// The operation is not supported.
    Unsupported,
    /// Out of memory.
    OutOfMemory,
    /// A write returned zero bytes written.
    WriteZero,
}

impl IoErrorKind {
    /// A short description.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Other => "other error",
            Self::NotFound => "not found",
            Self::PermissionDenied => "permission denied",
            Self::ConnectionRefused => "connection refused",
            Self::ConnectionReset => "connection reset",
            Self::ConnectionAborted => "connection aborted",
            Self::NotConnected => "not connected",
            Self::AddrInUse => "address in use",
            Self::AddrNotAvailable => "address not available",
            Self::BrokenPipe => "broken pipe",
            Self::AlreadyExists => "already exists",
            Self::InvalidInput => "invalid input",
            Self::InvalidData => "invalid data",
            Self::TimedOut => "timed out",
            Self::Interrupted => "interrupted",
            Self::Unsupported => "unsupported",
            Self::OutOfMemory => "out of memory",
            Self::WriteZero => "write returned zero",
        }
    }
}

impl fmt::Display for IoErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "std")]
impl From<IoErrorKind> for std::io::ErrorKind {
    fn from(k: IoErrorKind) -> Self {
        use std::io::ErrorKind as K;
        match k {
            IoErrorKind::Other => K::Other,
            IoErrorKind::NotFound => K::NotFound,
            IoErrorKind::PermissionDenied => K::PermissionDenied,
            IoErrorKind::ConnectionRefused => K::ConnectionRefused,
            IoErrorKind::ConnectionReset => K::ConnectionReset,
            IoErrorKind::ConnectionAborted => K::ConnectionAborted,
            IoErrorKind::NotConnected => K::NotConnected,
            IoErrorKind::AddrInUse => K::AddrInUse,
            IoErrorKind::AddrNotAvailable => K::AddrNotAvailable,
            IoErrorKind::BrokenPipe => K::BrokenPipe,
            IoErrorKind::AlreadyExists => K::AlreadyExists,
            IoErrorKind::InvalidInput => K::InvalidInput,
            IoErrorKind::InvalidData => K::InvalidData,
            IoErrorKind::TimedOut => K::TimedOut,
            IoErrorKind::Interrupted => K::Interrupted,
            IoErrorKind::Unsupported => K::Unsupported,
            IoErrorKind::OutOfMemory => K::OutOfMemory,
            IoErrorKind::WriteZero => K::WriteZero,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_kind_builds_io_variant() {
        let e = RestError::io_kind(IoErrorKind::ConnectionReset);
        #[cfg(feature = "std")]
        assert!(matches!(&e, RestError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset));
        #[cfg(not(feature = "std"))]
        assert!(matches!(e, RestError::Io(IoErrorKind::ConnectionReset)));
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_traits() {
        fn assert_traits<T: std::error::Error + Send + Sync + 'static>() {}
        assert_traits::<RestError>();
        let e: RestError = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert!(matches!(e, RestError::Io(_)));
        assert!(std::error::Error::source(&e).is_some());
    }

    #[cfg(feature = "std")]
    #[test]
    fn display_is_actionable() {
        use std::string::ToString;
        let s = RestError::BodyTooLarge { size: 10, max: 5 }.to_string();
        assert!(s.contains("10") && s.contains("max_body_size"), "{s}");
        let s = RestError::RequestTooLarge { needed: 100, capacity: 64 }.to_string();
        assert!(s.contains("100") && s.contains("64"), "{s}");
        let s = RestError::ConnectionClosed("mid-body").to_string();
        assert!(s.ends_with("mid-body"), "{s}");
    }
}
