//! [`RequestWriter`]: HTTP/1.1 requests written straight into caller-owned storage.

use core::fmt;

#[cfg(feature = "std")]
use super::builder::Cursor;
use super::builder::{Query, RequestBuilder};
use super::validate::{check_header, check_host, check_target, itoa};
#[allow(unused_imports)] // doc links
use super::HttpError;
use crate::buf::Storage;
use crate::rest::RestError;
use crate::url::Url;

/// Default growth limit of a growable writer: 1 MiB.
pub const DEFAULT_MAX_REQUEST_SIZE: usize = 1024 * 1024;
/// Bytes reserved for the decimal Content-Length of a body written in place.
pub(super) const LEN_DIGITS: usize = 20;

/// Request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD` (its response has no body: tell the reader with `begin(true)`).
    Head,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The method token, e.g. `"GET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
        }
    }

    /// The method token and its space, padded with spaces to 8 bytes (the builder
    /// writes it as one word and keeps `as_str().len() + 1` of it).
    pub(super) const fn padded(self) -> [u8; 8] {
        match self {
            Self::Get => *b"GET     ",
            Self::Post => *b"POST    ",
            Self::Put => *b"PUT     ",
            Self::Delete => *b"DELETE  ",
            Self::Patch => *b"PATCH   ",
            Self::Head => *b"HEAD    ",
            Self::Options => *b"OPTIONS ",
        }
    }

    /// Methods whose requests carry `Content-Length: 0` when they have no body (many
    /// servers answer 411 Length Required otherwise).
    pub(super) const fn sends_empty_length(self) -> bool {
        matches!(self, Self::Post | Self::Put | Self::Patch)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finished request: a small `Copy` token that borrows nothing.
///
/// The bytes stay in the [`RequestWriter`]; get them with
/// [`RequestWriter::bytes`], which refuses a token from another writer or one made
/// stale by a newer request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Request {
    pub(super) writer: u32,
    pub(super) generation: u32,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) method: Method,
}

impl Request {
    /// Length of the request in bytes (head and body).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a request has at least a request line.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The request method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// True for HEAD: the response reader must be told (`begin(true)`).
    pub fn is_head(&self) -> bool {
        self.method == Method::Head
    }
}

#[cfg(target_has_atomic = "32")]
fn next_writer_id() -> u32 {
    use core::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(not(target_has_atomic = "32"))]
fn next_writer_id() -> u32 {
    // No atomics: tokens of different writers can't be told apart by id, only by
    // generation.
    0
}

/// Writes HTTP/1.1 requests for one host into storage it owns.
///
/// The host line, base path and default headers are rendered once, at set time, and
/// kept at the front of the storage; each request copies them in one `memcpy`.
/// Nothing allocates; growable storage (`Vec<u8>`, feature `std`) grows
/// geometrically up to [`set_max_request_size`](Self::set_max_request_size).
///
/// ```
/// use nexus_net::http::RequestWriter;
/// # fn main() -> Result<(), nexus_net::rest::RestError> {
/// let mut w = RequestWriter::new([0u8; 1024], "api.example.com", 443, true)?;
/// w.set_base_path("/api/v3")?;
/// w.default_header("X-MBX-APIKEY", "key")?;
/// let req = w
///     .post("/order")
///     .query("symbol", "BTCUSDT")
///     .query("side", "BUY")
///     .header("Content-Type", "application/json")
///     .body(br#"{"qty":1}"#)
///     .finish()?;
/// assert_eq!(
///     w.bytes(&req)?,
///     b"POST /api/v3/order?symbol=BTCUSDT&side=BUY HTTP/1.1\r\n\
///       Host: api.example.com\r\n\
///       X-MBX-APIKEY: key\r\n\
///       Content-Type: application/json\r\n\
///       Content-Length: 9\r\n\r\n{\"qty\":1}"
/// );
/// # Ok(()) }
/// ```
pub struct RequestWriter<B: Storage> {
    pub(super) buf: B,
    pub(super) id: u32,
    pub(super) generation: u32,
    /// `buf[..base_len]`: the base path, without a trailing `/`.
    pub(super) base_len: usize,
    /// `buf[base_len..prefix_len]`: `" HTTP/1.1\r\nHost: ...\r\n"` and default headers.
    pub(super) prefix_len: usize,
    max_size: usize,
    /// Hosts: the state of the request being built (see [`RequestBuilder`]).
    #[cfg(feature = "std")]
    pub(super) cur: Cursor,
}

impl<B: Storage> RequestWriter<B> {
    /// A writer for `host` (a name, an IPv4 address, or an IPv6 address with or
    /// without brackets) on `port`. The `Host` header omits the port when it is the
    /// scheme's default (443 with `tls`, 80 without).
    ///
    /// # Errors
    /// [`RestError::CrlfInjection`] for CR, LF or NUL in `host`;
    /// [`RestError::InvalidUrl`] for an empty host or one with characters a host
    /// can't have; [`RestError::RequestTooLarge`] when the storage can't hold the
    /// host line.
    #[allow(clippy::manual_contains)] // a plain loop: `contains` inlines memchr's setup
    pub fn new(storage: B, host: &str, port: u16, tls: bool) -> Result<Self, RestError> {
        let mut w = Self {
            buf: storage,
            id: next_writer_id(),
            generation: 0,
            base_len: 0,
            prefix_len: 0,
            max_size: DEFAULT_MAX_REQUEST_SIZE,
            #[cfg(feature = "std")]
            cur: Cursor::IDLE,
        };
        let host = host.as_bytes();
        check_host(host)?;
        let bracket = host.iter().any(|&b| b == b':') && host.first() != Some(&b'[');
        let default_port = if tls { 443 } else { 80 };
        let mut digits = [0u8; 20];
        let port_digits: &[u8] = if port == default_port { &[] } else { itoa(port as usize, &mut digits) };
        let parts: [&[u8]; 7] = [
            b" HTTP/1.1\r\nHost: ",
            if bracket { b"[" } else { b"" },
            host,
            if bracket { b"]" } else { b"" },
            if port_digits.is_empty() { b"" } else { b":" },
            port_digits,
            b"\r\n",
        ];
        w.append_prefix(&parts)?;
        Ok(w)
    }

    /// A writer for a base URL, `http(s)://host[:port][/base/path]`: host and port
    /// (the `Host` header omits the scheme's default port), and the URL's path, if
    /// any, as the [base path](Self::set_base_path). A base URL names a server and a
    /// path prefix, so a query in it is refused rather than dropped.
    ///
    /// # Errors
    /// [`RestError::InvalidUrl`] for a URL with a query; otherwise as
    /// [`new`](Self::new) and [`set_base_path`](Self::set_base_path).
    pub fn for_url(storage: B, url: &Url<'_>) -> Result<Self, RestError> {
        if url.query().is_some() {
            return Err(RestError::InvalidUrl("a base URL may not carry a query"));
        }
        let mut w = Self::new(storage, url.host(), url.port(), url.scheme().is_tls())?;
        if url.path() != "/" {
            w.set_base_path(url.path())?;
        }
        Ok(w)
    }

    /// Largest size growable storage may reach (default
    /// [`DEFAULT_MAX_REQUEST_SIZE`]); requests that need more are
    /// [`RestError::RequestTooLarge`]. Fixed storage never grows.
    pub fn set_max_request_size(&mut self, n: usize) {
        self.max_size = n;
    }

    /// Prefix every request path with `path` (e.g. `"/api/v3"`). A missing leading
    /// `/` is added and a trailing `/` dropped. Invalidates outstanding
    /// [`Request`] tokens.
    ///
    /// # Errors
    /// [`RestError::CrlfInjection`] for CR, LF or NUL; [`RestError::InvalidUrl`] for
    /// spaces, `?`, `#`, other control bytes or non-ASCII bytes (percent-encode
    /// them); [`RestError::RequestTooLarge`] when the storage can't hold it.
    #[allow(clippy::manual_contains)] // a plain loop: `contains` inlines memchr's setup
    pub fn set_base_path(&mut self, path: &str) -> Result<(), RestError> {
        let mut p = path.as_bytes();
        check_target(p)?;
        if p.iter().any(|&b| b == b'?') {
            return Err(RestError::InvalidUrl("base path must not contain a query ('?')"));
        }
        while let [rest @ .., b'/'] = p {
            p = rest;
        }
        let lead = usize::from(!p.is_empty() && p[0] != b'/');
        let new_base = p.len() + lead;
        let block = self.base_len..self.prefix_len;
        let new_prefix = new_base + block.len();
        self.generation = self.generation.wrapping_add(1);
        if !self.reserve(new_prefix) {
            return Err(self.too_large(new_prefix));
        }
        let bytes = self.buf.bytes_mut();
        bytes.copy_within(block, new_base);
        if lead == 1 {
            bytes[0] = b'/';
        }
        bytes[lead..new_base].copy_from_slice(p);
        self.base_len = new_base;
        self.prefix_len = new_prefix;
        Ok(())
    }

    /// Add a header sent with every request (e.g. an API key), validated now.
    /// Invalidates outstanding [`Request`] tokens.
    ///
    /// # Errors
    /// [`RestError::CrlfInjection`] for CR, LF or NUL in `name` or `value`;
    /// [`HttpError::InvalidHeaderName`] / [`HttpError::InvalidHeaderValue`] for other
    /// bytes a header can't hold; [`HttpError::ReservedHeader`] for `Host`,
    /// `Content-Length` or `Transfer-Encoding`; [`RestError::RequestTooLarge`] when
    /// the storage can't hold it.
    pub fn default_header(&mut self, name: &str, value: &str) -> Result<(), RestError> {
        check_header(name.as_bytes(), value.as_bytes())?;
        self.generation = self.generation.wrapping_add(1);
        self.append_prefix(&[name.as_bytes(), b": ", value.as_bytes(), b"\r\n"])
    }

    /// Start a `GET` request for `path` (appended to the base path; it may carry a
    /// query already).
    pub fn get(&mut self, path: &str) -> RequestBuilder<'_, B, Query> {
        self.request(Method::Get, path)
    }

    /// Start a `POST` request. Without a body it is sent with `Content-Length: 0`.
    pub fn post(&mut self, path: &str) -> RequestBuilder<'_, B, Query> {
        self.request(Method::Post, path)
    }

    /// Start a `PUT` request. Without a body it is sent with `Content-Length: 0`.
    pub fn put(&mut self, path: &str) -> RequestBuilder<'_, B, Query> {
        self.request(Method::Put, path)
    }

    /// Start a `DELETE` request.
    pub fn delete(&mut self, path: &str) -> RequestBuilder<'_, B, Query> {
        self.request(Method::Delete, path)
    }

    /// Start a `PATCH` request. Without a body it is sent with `Content-Length: 0`.
    pub fn patch(&mut self, path: &str) -> RequestBuilder<'_, B, Query> {
        self.request(Method::Patch, path)
    }

    /// Start a request with any [`Method`].
    ///
    /// Starting a request invalidates the previous [`Request`] token (its bytes are
    /// overwritten). Errors in `path` are reported by
    /// [`finish`](RequestBuilder::finish).
    pub fn request(&mut self, method: Method, path: &str) -> RequestBuilder<'_, B, Query> {
        self.generation = self.generation.wrapping_add(1);
        RequestBuilder::start(self, method, path)
    }

    /// The bytes of a finished request.
    ///
    /// # Errors
    /// [`RestError::StaleRequest`] when `req` comes from another writer, or a request
    /// was started (or the defaults changed) since it was finished.
    pub fn bytes(&self, req: &Request) -> Result<&[u8], RestError> {
        if req.writer != self.id || req.generation != self.generation {
            return Err(RestError::StaleRequest);
        }
        self.buf.bytes().get(req.start..req.start + req.len).ok_or(RestError::StaleRequest)
    }

    /// The storage's current size.
    pub fn capacity(&self) -> usize {
        self.buf.bytes().len()
    }

    fn append_prefix(&mut self, parts: &[&[u8]]) -> Result<(), RestError> {
        let add: usize = parts.iter().map(|p| p.len()).sum();
        let end = self.prefix_len + add;
        if !self.reserve(end) {
            return Err(self.too_large(end));
        }
        let bytes = self.buf.bytes_mut();
        let mut at = self.prefix_len;
        for p in parts {
            bytes[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        self.prefix_len = end;
        Ok(())
    }

    /// Make the storage at least `end` bytes long, growing it geometrically within
    /// `max_size` when it can grow.
    #[inline]
    pub(super) fn reserve(&mut self, end: usize) -> bool {
        let cap = self.buf.bytes().len();
        end <= cap || self.grow(cap, end)
    }

    #[cold]
    fn grow(&mut self, cap: usize, end: usize) -> bool {
        if end > self.max_size {
            return false;
        }
        let want = cap.saturating_mul(2).max(end).max(256).min(self.max_size);
        self.buf.try_grow(want)
    }

    pub(super) fn too_large(&self, needed: usize) -> RestError {
        RestError::RequestTooLarge { needed, capacity: self.capacity() }
    }
}

impl<B: Storage> fmt::Debug for RequestWriter<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestWriter")
            .field("capacity", &self.capacity())
            .field("prefix_len", &self.prefix_len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
