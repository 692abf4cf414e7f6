//! Server side of the opening handshake (RFC 6455 section 4.2): parse and validate
//! the client's upgrade request, answer with `101` or a refusal.

use core::fmt;

use super::head::{self, Writer};
use super::{accept_key, is_valid_key, HandshakeError, MAX_HEADERS, MAX_PARSED_HEAD};
use crate::http::head::{parse_request_head, HeaderSpan};
use crate::http::{HttpError, Version};

/// A validated upgrade request (section 4.2.1), borrowing the receive buffer.
///
/// Every requirement of section 4.2.1 has been checked: `GET`, HTTP/1.1, one `Host`,
/// `Upgrade: websocket`, `Connection: Upgrade`, one valid `Sec-WebSocket-Key`,
/// `Sec-WebSocket-Version: 13`. What is left to the application: the path, the
/// `Origin`, the subprotocol to pick among [`subprotocols`](Self::subprotocols),
/// and any other header (cookies, authentication) through [`header`](Self::header)
/// or [`headers`](Self::headers).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct UpgradeRequest<'b> {
    head: &'b [u8],
    /// The head from its first header line.
    header_lines: &'b [u8],
    path: &'b str,
    host: &'b str,
    origin: Option<&'b str>,
    key: &'b str,
}

impl<'b> UpgradeRequest<'b> {
    /// Length of the request head in bytes, through the empty line. Bytes after it
    /// are the client's first frames: leave them for the frame reader.
    pub fn head_len(&self) -> usize {
        self.head.len()
    }

    /// The request target as sent (path and query, e.g. `/chat?room=1`).
    pub fn path(&self) -> &'b str {
        self.path
    }

    /// The `Host` header value (host, and port when the client sent one).
    pub fn host(&self) -> &'b str {
        self.host
    }

    /// The `Origin` header, if any. Browsers always send it; a server that serves
    /// browsers should check it against its own origins (section 10.2).
    pub fn origin(&self) -> Option<&'b str> {
        self.origin
    }

    /// The `Sec-WebSocket-Key` (validated: base64 of 16 bytes). Pass it to
    /// [`write_accept`].
    pub fn key(&self) -> &'b str {
        self.key
    }

    /// The subprotocols the client offers, in its order of preference: every
    /// comma-separated token of every `Sec-WebSocket-Protocol` header. All are
    /// validated tokens; empty list elements are skipped.
    pub fn subprotocols(&self) -> Subprotocols<'b> {
        Subprotocols { headers: self.headers(), current: &[] }
    }

    /// The value of the first header called `name` (ASCII case-insensitive),
    /// without surrounding whitespace.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every header, in order, as `(name, value)`; the value without surrounding
    /// whitespace.
    pub fn headers(&self) -> HeaderIter<'b> {
        HeaderIter { rest: self.header_lines }
    }
}

impl fmt::Debug for UpgradeRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpgradeRequest")
            .field("head_len", &self.head.len())
            .field("path", &self.path)
            .field("host", &self.host)
            .field("origin", &self.origin)
            .field("key", &self.key)
            .finish()
    }
}

/// The headers of an [`UpgradeRequest`], from [`UpgradeRequest::headers`].
#[derive(Debug, Clone)]
pub struct HeaderIter<'b> {
    rest: &'b [u8],
}

impl<'b> Iterator for HeaderIter<'b> {
    type Item = (&'b str, &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        // The head was validated by the head parser (no folded lines, names are tokens), so
        // each line up to the empty one is exactly `name:value`.
        let nl = self.rest.iter().position(|&b| b == b'\n')?;
        let line = &self.rest[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.rest = &self.rest[nl + 1..];
        if line.is_empty() {
            self.rest = &[];
            return None;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = core::str::from_utf8(&line[..colon]).ok()?;
        Some((name, head::trim_ows(&line[colon + 1..])))
    }
}

/// The subprotocols offered in an [`UpgradeRequest`], from
/// [`UpgradeRequest::subprotocols`].
#[derive(Debug, Clone)]
pub struct Subprotocols<'b> {
    headers: HeaderIter<'b>,
    current: &'b [u8],
}

impl<'b> Iterator for Subprotocols<'b> {
    type Item = &'b str;

    fn next(&mut self) -> Option<&'b str> {
        loop {
            while !self.current.is_empty() {
                let (element, rest) = match self.current.iter().position(|&b| b == b',') {
                    Some(i) => (&self.current[..i], &self.current[i + 1..]),
                    None => (self.current, &[][..]),
                };
                self.current = rest;
                let element = head::trim_ows(element);
                if !element.is_empty() {
                    // Validated as tokens (ASCII) by `parse_request`.
                    return core::str::from_utf8(element).ok();
                }
            }
            let (name, value) = self.headers.next()?;
            if name.eq_ignore_ascii_case("sec-websocket-protocol") {
                self.current = value;
            }
        }
    }
}

/// Parse and validate a client's upgrade request (section 4.2.1).
///
/// `buf` holds what has been received so far; at most `max_head_len` bytes of it are
/// looked at. Returns `Ok(None)` while the head is incomplete (read more and call
/// again with the longer buffer), else the validated request, which borrows `buf`.
///
/// ```
/// use nexus_net::ws::handshake::{parse_request, write_accept, write_reject};
///
/// let buf = b"GET /feed HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///             Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2.feed, v1.feed\r\n\r\n";
/// let mut out = [0u8; 256];
/// let n = match parse_request(buf, 8192) {
///     Ok(Some(req)) => {
///         let proto = req.subprotocols().find(|p| *p == "v1.feed");
///         write_accept(&mut out, req.key(), proto, &[])?
///     }
///     Ok(None) => unreachable!("read more"),
///     Err(e) => write_reject(&mut out, e.http_status(), &[])?,
/// };
/// assert!(out[..n].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
/// # Ok::<(), nexus_net::ws::handshake::HandshakeError>(())
/// ```
///
/// # Errors
/// [`HeadTooLarge`](HandshakeError::HeadTooLarge),
/// [`TooManyHeaders`](HandshakeError::TooManyHeaders) (over [`MAX_HEADERS`]),
/// [`MalformedHead`](HandshakeError::MalformedHead),
/// [`MethodNotGet`](HandshakeError::MethodNotGet),
/// [`HttpVersion`](HandshakeError::HttpVersion),
/// [`MissingHost`](HandshakeError::MissingHost),
/// [`DuplicateHost`](HandshakeError::DuplicateHost),
/// [`InvalidHost`](HandshakeError::InvalidHost),
/// [`MissingUpgrade`](HandshakeError::MissingUpgrade),
/// [`MissingConnectionUpgrade`](HandshakeError::MissingConnectionUpgrade),
/// [`MissingVersion`](HandshakeError::MissingVersion),
/// [`UnsupportedVersion`](HandshakeError::UnsupportedVersion),
/// [`MissingKey`](HandshakeError::MissingKey),
/// [`DuplicateKey`](HandshakeError::DuplicateKey),
/// [`InvalidKey`](HandshakeError::InvalidKey),
/// [`InvalidOrigin`](HandshakeError::InvalidOrigin),
/// [`InvalidSubprotocol`](HandshakeError::InvalidSubprotocol); checked in that
/// order. Answer any of them with [`write_reject`] and
/// [`HandshakeError::http_status`].
pub fn parse_request(buf: &[u8], max_head_len: usize) -> Result<Option<UpgradeRequest<'_>>, HandshakeError> {
    let window = &buf[..buf.len().min(max_head_len)];
    let mut spans = [HeaderSpan::default(); MAX_HEADERS];
    let req = match parse_request_head(window, &mut spans) {
        Ok(Some(req)) => req,
        Ok(None) if window.len() >= max_head_len.min(MAX_PARSED_HEAD) => return Err(HandshakeError::HeadTooLarge),
        Ok(None) => return Ok(None),
        Err(HttpError::TooManyHeaders) => return Err(HandshakeError::TooManyHeaders),
        Err(_) => return Err(HandshakeError::MalformedHead),
    };
    let head_len = req.len;
    let span = |(off, len): (u16, u16)| &window[usize::from(off)..usize::from(off) + usize::from(len)];
    if span(req.method) != b"GET" {
        return Err(HandshakeError::MethodNotGet);
    }
    if req.version != Version::Http11 {
        return Err(HandshakeError::HttpVersion);
    }
    let path = core::str::from_utf8(span(req.target)).map_err(|_| HandshakeError::MalformedHead)?;

    let mut host: Option<&[u8]> = None;
    let mut host_count = 0usize;
    let mut upgrade = false;
    let mut connection = false;
    let mut key: Option<&[u8]> = None;
    let mut key_count = 0usize;
    let mut version: Option<&[u8]> = None;
    let mut version_count = 0usize;
    let mut origin: Option<&[u8]> = None;
    let mut origin_count = 0usize;
    let mut protocols_ok = true;
    for span in &spans[..req.headers] {
        // Values come trimmed of surrounding whitespace.
        let (name, value) = (span.name(window), span.value(window));
        if name.eq_ignore_ascii_case(b"host") {
            host = Some(value);
            host_count += 1;
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade |= head::list_has_token(value, "websocket");
        } else if name.eq_ignore_ascii_case(b"connection") {
            connection |= head::list_has_token(value, "upgrade");
        } else if name.eq_ignore_ascii_case(b"sec-websocket-key") {
            key = Some(value);
            key_count += 1;
        } else if name.eq_ignore_ascii_case(b"sec-websocket-version") {
            version = Some(value);
            version_count += 1;
        } else if name.eq_ignore_ascii_case(b"origin") {
            origin = Some(value);
            origin_count += 1;
        } else if name.eq_ignore_ascii_case(b"sec-websocket-protocol") {
            protocols_ok &= head::list_elements(value).all(head::is_token);
        }
    }

    let host = match (host, host_count) {
        (None, _) => return Err(HandshakeError::MissingHost),
        (Some(_), 2..) => return Err(HandshakeError::DuplicateHost),
        (Some(h), _) if is_valid_host_header(h) => ascii_str(h)?,
        (Some(_), _) => return Err(HandshakeError::InvalidHost),
    };
    if !upgrade {
        return Err(HandshakeError::MissingUpgrade);
    }
    if !connection {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    match version {
        None => return Err(HandshakeError::MissingVersion),
        Some(v) if version_count > 1 || v != b"13" => {
            debug!("ws handshake: unsupported version");
            return Err(HandshakeError::UnsupportedVersion);
        }
        Some(_) => {}
    }
    let key = match (key, key_count) {
        (None, _) => return Err(HandshakeError::MissingKey),
        (Some(_), 2..) => return Err(HandshakeError::DuplicateKey),
        (Some(k), _) if is_valid_key(k) => ascii_str(k)?,
        (Some(_), _) => return Err(HandshakeError::InvalidKey),
    };
    let origin = match (origin, origin_count) {
        (None, _) => None,
        (Some(o), 1) => Some(core::str::from_utf8(o).map_err(|_| HandshakeError::InvalidOrigin)?),
        (Some(_), _) => return Err(HandshakeError::InvalidOrigin),
    };
    if !protocols_ok {
        return Err(HandshakeError::InvalidSubprotocol);
    }

    let head = &buf[..head_len];
    Ok(Some(UpgradeRequest { head, header_lines: &head[header_lines_start(head)..], path, host, origin, key }))
}

/// Offset of the first header line: after any empty lines (which the head parser skips
/// before a request line, RFC 9112 section 2.2) and the request line.
fn header_lines_start(head: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = head.get(i) {
        match b {
            b'\n' => i += 1,
            b'\r' if head.get(i + 1) == Some(&b'\n') => i += 2,
            _ => break,
        }
    }
    match head[i..].iter().position(|&b| b == b'\n') {
        Some(nl) => i + nl + 1,
        None => head.len(),
    }
}

/// `host[:port]`: printable ASCII, no whitespace, no characters that end an
/// authority (`/ ? # @`) or backslash.
fn is_valid_host_header(h: &[u8]) -> bool {
    !h.is_empty() && h.iter().all(|&b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'))
}

fn ascii_str(b: &[u8]) -> Result<&str, HandshakeError> {
    core::str::from_utf8(b).map_err(|_| HandshakeError::MalformedHead)
}

/// Headers the `101` carries itself; an extra header may not repeat them.
const ACCEPT_RESERVED: &[&str] = &[
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Content-Length",
    "Transfer-Encoding",
];

/// Write the `101 Switching Protocols` that accepts a request (section 4.2.2,
/// item 5): `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Accept`
/// computed from `req_key` (normally [`UpgradeRequest::key`]), the chosen
/// `Sec-WebSocket-Protocol` if any (it must be one the client offered), then
/// `extra_headers` in order. Returns the number of bytes written.
///
/// # Errors
/// [`InvalidKey`](HandshakeError::InvalidKey) when `req_key` is not base64 of 16
/// bytes, [`InvalidSubprotocol`](HandshakeError::InvalidSubprotocol) when the
/// subprotocol is not a token, [`InvalidHeaderName`](HandshakeError::InvalidHeaderName),
/// [`InvalidHeaderValue`](HandshakeError::InvalidHeaderValue),
/// [`ReservedHeader`](HandshakeError::ReservedHeader), and
/// [`BufferTooSmall`](HandshakeError::BufferTooSmall) (the contents of `out` are then
/// unspecified). Nothing is written unless all inputs are valid.
pub fn write_accept(
    out: &mut [u8],
    req_key: &str,
    subprotocol: Option<&str>,
    extra_headers: &[(&str, &str)],
) -> Result<usize, HandshakeError> {
    write_accept_with_extensions(out, req_key, subprotocol, None, extra_headers)
}

/// [`write_accept`] with a `Sec-WebSocket-Extensions` header, normally the answer
/// [`accept_offers`](crate::ws::deflate::accept_offers) wrote.
///
/// # Errors
/// As [`write_accept`]; [`InvalidHeaderValue`](HandshakeError::InvalidHeaderValue)
/// for an `extensions` value with control characters.
pub fn write_accept_with_extensions(
    out: &mut [u8],
    req_key: &str,
    subprotocol: Option<&str>,
    extensions: Option<&str>,
    extra_headers: &[(&str, &str)],
) -> Result<usize, HandshakeError> {
    if extensions.is_some_and(|e| !head::is_safe_value(e.as_bytes())) {
        return Err(HandshakeError::InvalidHeaderValue);
    }
    if !is_valid_key(req_key.as_bytes()) {
        return Err(HandshakeError::InvalidKey);
    }
    if subprotocol.is_some_and(|p| !head::is_token(p.as_bytes())) {
        return Err(HandshakeError::InvalidSubprotocol);
    }
    for (name, value) in extra_headers {
        head::check_extra_header(name, value, ACCEPT_RESERVED)?;
    }
    let mut w = Writer::new(out);
    w.put(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    w.header("Sec-WebSocket-Accept", &accept_key(req_key.as_bytes()));
    if let Some(p) = subprotocol {
        w.header("Sec-WebSocket-Protocol", p.as_bytes());
    }
    if let Some(e) = extensions {
        w.header("Sec-WebSocket-Extensions", e.as_bytes());
    }
    for (name, value) in extra_headers {
        w.header(name, value.as_bytes());
    }
    w.put(b"\r\n");
    w.finish()
}

/// Headers a refusal carries itself; an extra header may not repeat them.
const REJECT_RESERVED: &[&str] =
    &["Connection", "Content-Length", "Transfer-Encoding", "Sec-WebSocket-Version", "Allow"];

/// Write a refusal: `HTTP/1.1 <status> <reason>` with `Connection: close` and
/// `Content-Length: 0`, then `extra_headers` in order; close the connection after
/// sending it. Returns the number of bytes written.
///
/// `status` is usually [`HandshakeError::http_status`] of the error that
/// [`parse_request`] returned, or the application's own (`403` for a refused
/// `Origin`, `401`, `404`, `429`...). A `426` also carries
/// `Sec-WebSocket-Version: 13` (section 4.2.2), and a `405` carries `Allow: GET`
/// (RFC 9110 section 15.5.6).
///
/// ```
/// use nexus_net::ws::handshake::{write_reject, HandshakeError};
/// let mut out = [0u8; 128];
/// let n = write_reject(&mut out, HandshakeError::UnsupportedVersion.http_status(), &[])?;
/// assert_eq!(
///     &out[..n],
///     b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\
///       Connection: close\r\nContent-Length: 0\r\n\r\n"
/// );
/// # Ok::<(), HandshakeError>(())
/// ```
///
/// # Errors
/// [`InvalidStatus`](HandshakeError::InvalidStatus) outside `400..=599`,
/// [`InvalidHeaderName`](HandshakeError::InvalidHeaderName),
/// [`InvalidHeaderValue`](HandshakeError::InvalidHeaderValue),
/// [`ReservedHeader`](HandshakeError::ReservedHeader),
/// [`BufferTooSmall`](HandshakeError::BufferTooSmall).
pub fn write_reject(out: &mut [u8], status: u16, extra_headers: &[(&str, &str)]) -> Result<usize, HandshakeError> {
    if !(400..=599).contains(&status) {
        return Err(HandshakeError::InvalidStatus);
    }
    for (name, value) in extra_headers {
        head::check_extra_header(name, value, REJECT_RESERVED)?;
    }
    let mut w = Writer::new(out);
    w.put(b"HTTP/1.1 ");
    w.put_u16(status);
    w.put(b" ");
    w.put_str(reason_phrase(status));
    w.put(b"\r\n");
    if status == 426 {
        w.put(b"Sec-WebSocket-Version: 13\r\n");
    }
    if status == 405 {
        w.put(b"Allow: GET\r\n");
    }
    w.put(b"Connection: close\r\nContent-Length: 0\r\n");
    for (name, value) in extra_headers {
        w.header(name, value.as_bytes());
    }
    w.put(b"\r\n");
    w.finish()
}

/// RFC 9110 reason phrases for the statuses a handshake refusal plausibly uses;
/// a generic phrase for the rest (the phrase carries no meaning in HTTP/1.1).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        s if s < 500 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::handshake::DEFAULT_MAX_HEAD_LEN as MAX;

    /// RFC 6455 section 1.3's opening handshake from the client.
    const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    /// `RFC_REQUEST` with `from` replaced by `to`, cut after the empty line.
    fn variant<'o>(out: &'o mut [u8; 1024], from: &str, to: &str) -> &'o [u8] {
        let s = core::str::from_utf8(RFC_REQUEST).unwrap();
        let (a, b) = s.split_once(from).unwrap();
        let mut w = Writer::new(out);
        w.put_str(a);
        w.put_str(to);
        w.put_str(b);
        let n = w.finish().unwrap();
        &out[..n]
    }

    #[test]
    fn parse_rfc_request() {
        let req = parse_request(RFC_REQUEST, MAX).unwrap().unwrap();
        assert_eq!(req.head_len(), RFC_REQUEST.len());
        assert_eq!(req.path(), "/chat");
        assert_eq!(req.host(), "server.example.com");
        assert_eq!(req.origin(), Some("http://example.com"));
        assert_eq!(req.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert!(req.subprotocols().eq(["chat", "superchat"]));
        assert_eq!(req.header("ORIGIN"), Some(&b"http://example.com"[..]));
        assert_eq!(req.header("sec-websocket-version"), Some(&b"13"[..]));
        assert_eq!(req.header("X-Missing"), None);
        let names = [
            "Host",
            "Upgrade",
            "Connection",
            "Sec-WebSocket-Key",
            "Origin",
            "Sec-WebSocket-Protocol",
            "Sec-WebSocket-Version",
        ];
        assert!(req.headers().map(|(n, _)| n).eq(names));
        assert_eq!(req.headers().nth(2), Some(("Connection", &b"Upgrade"[..])));
    }

    #[test]
    fn parse_leaves_trailing_frames() {
        let mut buf = [0u8; 1024];
        buf[..RFC_REQUEST.len()].copy_from_slice(RFC_REQUEST);
        let frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        buf[RFC_REQUEST.len()..RFC_REQUEST.len() + frame.len()].copy_from_slice(&frame);
        let all = &buf[..RFC_REQUEST.len() + frame.len()];
        let req = parse_request(all, MAX).unwrap().unwrap();
        assert_eq!(&all[req.head_len()..], &frame);
        // The header iterator stops at the head's end, not in the frame bytes.
        assert_eq!(req.headers().count(), 7);
    }

    #[test]
    fn parse_subprotocols_across_headers() {
        let mut buf = [0u8; 1024];
        let req = variant(
            &mut buf,
            "Sec-WebSocket-Protocol: chat, superchat\r\n",
            "Sec-WebSocket-Protocol: a,,b ,\r\nX: y\r\nsec-websocket-protocol:\tc\r\nSec-WebSocket-Protocol:\r\n",
        );
        let req = parse_request(req, MAX).unwrap().unwrap();
        assert!(req.subprotocols().eq(["a", "b", "c"]));
        let mut buf = [0u8; 1024];
        let none = variant(&mut buf, "Sec-WebSocket-Protocol: chat, superchat\r\n", "");
        assert_eq!(parse_request(none, MAX).unwrap().unwrap().subprotocols().next(), None);
    }

    #[test]
    fn parse_tolerates_case_lists_lf_and_leading_empty_lines() {
        let req = b"\r\n\nGET /a?b=c HTTP/1.1\n\
            HOST: h:8080\n\
            upgrade: WebSocket\n\
            connection: keep-alive, UPGRADE\n\
            sec-websocket-key:   dGhlIHNhbXBsZSBub25jZQ==  \n\
            sec-websocket-version: 13\n\n";
        for len in 0..req.len() {
            assert_eq!(parse_request(&req[..len], MAX), Ok(None), "prefix {len}");
        }
        let r = parse_request(req, MAX).unwrap().unwrap();
        assert_eq!(r.head_len(), req.len());
        assert_eq!(r.path(), "/a?b=c");
        assert_eq!(r.host(), "h:8080");
        assert_eq!(r.origin(), None);
        assert_eq!(r.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(r.headers().next(), Some(("HOST", &b"h:8080"[..])));
        assert_eq!(r.headers().count(), 5);
    }

    #[test]
    fn parse_errors() {
        use HandshakeError::*;
        let cases: &[(&str, &str, HandshakeError)] = &[
            ("GET /chat HTTP/1.1", "POST /chat HTTP/1.1", MethodNotGet),
            ("GET /chat HTTP/1.1", "get /chat HTTP/1.1", MethodNotGet),
            ("GET /chat HTTP/1.1", "GET /chat HTTP/1.0", HttpVersion),
            ("GET /chat HTTP/1.1", "GET /chat HTTP/2.0", MalformedHead),
            ("GET /chat HTTP/1.1", "GET /c hat HTTP/1.1", MalformedHead),
            ("Host: server.example.com\r\n", "", MissingHost),
            ("Host: server.example.com\r\n", "Host: a\r\nHost: b\r\n", DuplicateHost),
            ("Host: server.example.com\r\n", "Host: \r\n", InvalidHost),
            ("Host: server.example.com\r\n", "Host: a b\r\n", InvalidHost),
            ("Host: server.example.com\r\n", "Host: user@h\r\n", InvalidHost),
            ("Host: server.example.com\r\n", "Host: h/path\r\n", InvalidHost),
            ("Host: server.example.com\r\n", "Host: caf\u{e9}\r\n", InvalidHost),
            ("Upgrade: websocket\r\n", "", MissingUpgrade),
            ("Upgrade: websocket\r\n", "Upgrade: h2c\r\n", MissingUpgrade),
            ("Connection: Upgrade\r\n", "", MissingConnectionUpgrade),
            ("Connection: Upgrade\r\n", "Connection: keep-alive\r\n", MissingConnectionUpgrade),
            ("Sec-WebSocket-Version: 13\r\n", "", MissingVersion),
            ("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n", UnsupportedVersion),
            ("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 13, 8\r\n", UnsupportedVersion),
            ("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 013\r\n", UnsupportedVersion),
            (
                "Sec-WebSocket-Version: 13\r\n",
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n",
                UnsupportedVersion,
            ),
            ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", MissingKey),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                DuplicateKey,
            ),
            ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "Sec-WebSocket-Key: \r\n", InvalidKey),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n",
                InvalidKey,
            ),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\n",
                InvalidKey,
            ),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "Sec-WebSocket-Key: not base64 at all!!!!!!!\r\n",
                InvalidKey,
            ),
            ("Origin: http://example.com\r\n", "Origin: a\r\nOrigin: b\r\n", InvalidOrigin),
            (
                "Sec-WebSocket-Protocol: chat, superchat\r\n",
                "Sec-WebSocket-Protocol: chat room\r\n",
                InvalidSubprotocol,
            ),
            ("Sec-WebSocket-Protocol: chat, superchat\r\n", "Sec-WebSocket-Protocol: \"chat\"\r\n", InvalidSubprotocol),
            ("Sec-WebSocket-Protocol: chat, superchat\r\n", "Bad Name: x\r\n", MalformedHead),
            ("Sec-WebSocket-Protocol: chat, superchat\r\n", "X: a\0b\r\n", MalformedHead),
            ("Sec-WebSocket-Protocol: chat, superchat\r\n", "X: a\r\n  folded\r\n", MalformedHead),
        ];
        for (from, to, want) in cases {
            let mut buf = [0u8; 1024];
            let req = variant(&mut buf, from, to);
            assert_eq!(parse_request(req, MAX).map(|_| ()), Err(*want), "{to:?}");
            // Fed incrementally: incomplete until the error can be seen, then that
            // same error (syntax errors show up before the head is complete).
            for len in 0..req.len() {
                let got = parse_request(&req[..len], MAX).map(|r| r.map(|_| ()));
                assert!(got == Ok(None) || got == Err(*want), "{to:?} prefix {len}: {got:?}");
            }
        }
    }

    #[test]
    fn parse_rejects_non_utf8_origin() {
        let req = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
            Origin: http://\xff\xfe\r\n\r\n";
        assert_eq!(parse_request(req, MAX).map(|_| ()), Err(HandshakeError::InvalidOrigin));
    }

    #[test]
    fn parse_errors_map_to_statuses() {
        use HandshakeError::*;
        assert_eq!(UnsupportedVersion.http_status(), 426);
        assert_eq!(MissingVersion.http_status(), 400);
        assert_eq!(MissingKey.http_status(), 400);
        assert_eq!(HeadTooLarge.http_status(), 431);
        assert_eq!(TooManyHeaders.http_status(), 431);
        assert_eq!(MethodNotGet.http_status(), 405);
        assert_eq!(HttpVersion.http_status(), 505);
        assert_eq!(BufferTooSmall.http_status(), 500);
    }

    #[test]
    fn parse_incremental_every_prefix() {
        for len in 0..RFC_REQUEST.len() {
            assert_eq!(parse_request(&RFC_REQUEST[..len], MAX), Ok(None), "prefix {len}");
        }
    }

    #[test]
    fn parse_head_size_limit() {
        let n = RFC_REQUEST.len();
        assert!(parse_request(RFC_REQUEST, n).unwrap().is_some());
        assert_eq!(parse_request(RFC_REQUEST, n - 1), Err(HandshakeError::HeadTooLarge));
        assert_eq!(parse_request(&RFC_REQUEST[..n - 2], n - 1), Ok(None));
        assert_eq!(parse_request(&[], 0), Err(HandshakeError::HeadTooLarge));
    }

    #[test]
    fn parse_too_many_headers() {
        let mut buf = [0u8; 2048];
        let mut w = Writer::new(&mut buf);
        w.put(b"GET / HTTP/1.1\r\n");
        for _ in 0..=MAX_HEADERS {
            w.put(b"X: 1\r\n");
        }
        let n = w.finish().unwrap();
        // Reported as soon as the 65th header is seen, before the head completes.
        assert_eq!(parse_request(&buf[..n], MAX).map(|_| ()), Err(HandshakeError::TooManyHeaders));
    }

    #[test]
    fn emit_accept_rfc() {
        let mut out = [0u8; 256];
        let n = write_accept(&mut out, "dGhlIHNhbXBsZSBub25jZQ==", Some("chat"), &[]).unwrap();
        assert_eq!(
            &out[..n],
            &b"HTTP/1.1 101 Switching Protocols\r\n\
               Upgrade: websocket\r\n\
               Connection: Upgrade\r\n\
               Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
               Sec-WebSocket-Protocol: chat\r\n\r\n"[..]
        );
        let n = write_accept(&mut out, "dGhlIHNhbXBsZSBub25jZQ==", None, &[("Server", "nexus")]).unwrap();
        assert_eq!(
            &out[..n],
            &b"HTTP/1.1 101 Switching Protocols\r\n\
               Upgrade: websocket\r\n\
               Connection: Upgrade\r\n\
               Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
               Server: nexus\r\n\r\n"[..]
        );
    }

    #[test]
    fn emit_accept_errors() {
        use HandshakeError::*;
        let k = "dGhlIHNhbXBsZSBub25jZQ==";
        let mut out = [0xEEu8; 256];
        type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)], HandshakeError);
        let cases: &[Case<'_>] = &[
            ("short", None, &[], InvalidKey),
            ("dGhlIHNhbXBsZSBub25jZQ==\r\n", None, &[], InvalidKey),
            (k, Some("a b"), &[], InvalidSubprotocol),
            (k, Some("chat\r\nX: 1"), &[], InvalidSubprotocol),
            (k, Some(""), &[], InvalidSubprotocol),
            (k, None, &[("X", "1\r\n")], InvalidHeaderValue),
            (k, None, &[("X:", "1")], InvalidHeaderName),
            (k, None, &[("sec-websocket-accept", "1")], ReservedHeader),
            (k, None, &[("Connection", "close")], ReservedHeader),
        ];
        for (key, proto, extra, want) in cases {
            assert_eq!(write_accept(&mut out, key, *proto, extra), Err(*want), "{key:?} {proto:?} {extra:?}");
            assert!(out.iter().all(|&b| b == 0xEE));
        }
        let full = write_accept(&mut out, k, Some("chat"), &[("X", "1")]).unwrap();
        for len in 0..full {
            assert_eq!(write_accept(&mut out[..len], k, Some("chat"), &[("X", "1")]), Err(BufferTooSmall));
        }
    }

    #[test]
    fn emit_reject() {
        let mut out = [0u8; 256];
        let n = write_reject(&mut out, HandshakeError::MissingKey.http_status(), &[]).unwrap();
        assert_eq!(&out[..n], &b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"[..]);
        let n = write_reject(&mut out, 426, &[]).unwrap();
        assert_eq!(
            &out[..n],
            &b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\
               Connection: close\r\nContent-Length: 0\r\n\r\n"[..]
        );
        let n = write_reject(&mut out, 405, &[]).unwrap();
        assert_eq!(
            &out[..n],
            &b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n\
               Connection: close\r\nContent-Length: 0\r\n\r\n"[..]
        );
        let n = write_reject(&mut out, 403, &[("X-Reason", "origin")]).unwrap();
        assert_eq!(
            &out[..n],
            &b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\nX-Reason: origin\r\n\r\n"[..]
        );
        let n = write_reject(&mut out, 499, &[]).unwrap();
        assert!(out[..n].starts_with(b"HTTP/1.1 499 Client Error\r\n"));
        let n = write_reject(&mut out, 599, &[]).unwrap();
        assert!(out[..n].starts_with(b"HTTP/1.1 599 Server Error\r\n"));
        // The result is a well-formed HTTP response.
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut resp = httparse::Response::new(&mut headers);
        assert_eq!(resp.parse(&out[..n]), Ok(httparse::Status::Complete(n)));
    }

    #[test]
    fn emit_reject_errors() {
        use HandshakeError::*;
        let mut out = [0u8; 256];
        for status in [0, 101, 200, 302, 399, 600, 999, u16::MAX] {
            assert_eq!(write_reject(&mut out, status, &[]), Err(InvalidStatus), "{status}");
        }
        assert_eq!(write_reject(&mut out, 400, &[("Content-Length", "5")]), Err(ReservedHeader));
        assert_eq!(write_reject(&mut out, 400, &[("X", "\n")]), Err(InvalidHeaderValue));
        assert_eq!(write_reject(&mut out, 400, &[("", "x")]), Err(InvalidHeaderName));
        let full = write_reject(&mut out, 426, &[("X", "1")]).unwrap();
        for len in 0..full {
            assert_eq!(write_reject(&mut out[..len], 426, &[("X", "1")]), Err(BufferTooSmall));
        }
    }

    #[test]
    fn header_lines_start_skips_leading_empty_lines() {
        assert_eq!(header_lines_start(b"GET / HTTP/1.1\r\nA: b\r\n\r\n"), 16);
        assert_eq!(header_lines_start(b"\r\n\nGET / HTTP/1.1\nA: b\n\n"), 18);
    }
}
