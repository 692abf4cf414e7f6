//! HTTP/1.1 client codec: a request writer and a response reader over caller-owned
//! storage, without allocating.
//!
//! - [`RequestWriter`] writes requests through a typestate builder
//!   (query → headers → body → [`finish`](RequestBuilder::finish)) and hands out a
//!   [`Request`] token that borrows nothing; [`RequestWriter::bytes`] returns the
//!   bytes to send.
//! - [`ResponseReader`] parses responses as bytes arrive (`spare` / `commit` /
//!   `advance`), with Content-Length, chunked (decoded in place) and read-to-close
//!   bodies, 1xx skipped, HEAD/204/304 bodyless, and hostile framing refused.
//!
//! Errors are [`RestError`](crate::rest::RestError); protocol ones carry an
//! [`HttpError`].
//!
//! ```
//! use nexus_net::http::{Progress, RequestWriter, ResponseReader};
//! # fn main() -> Result<(), nexus_net::rest::RestError> {
//! let mut writer = RequestWriter::new([0u8; 512], "example.com", 80, false)?;
//! let req = writer.get("/ticker").query("symbol", "BTC USDT").finish()?;
//! assert_eq!(
//!     writer.bytes(&req)?,
//!     b"GET /ticker?symbol=BTC%20USDT HTTP/1.1\r\nHost: example.com\r\n\r\n"
//! );
//!
//! let mut reader = ResponseReader::new([0u8; 1024]);
//! reader.begin(req.is_head());
//! let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
//! assert_eq!(reader.feed(wire)?, Progress::Complete);
//! let resp = reader.response();
//! assert_eq!((resp.status(), resp.body()), (200, &b"ok"[..]));
//! assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
//! # Ok(()) }
//! ```

mod builder;
mod chunked;
mod error;
mod framing;
pub mod head;
mod message;
mod request;
mod response;
#[cfg(test)]
pub(crate) mod split_feed;
mod validate;

pub use builder::{Body, BodyWriter, Headers, Query, RequestBuilder};
pub use chunked::ChunkedDecoder;
pub use error::HttpError;
pub use message::{HeaderIter, Response};
pub use request::{Method, Request, RequestWriter, DEFAULT_MAX_REQUEST_SIZE};
pub use response::{
    Progress, ResponseReader, Reuse, Version, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_SIZE,
};

/// RFC 9110 `tchar`: the bytes a header name (token) may hold.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}
