//! Client side of the opening handshake (RFC 6455 section 4.1): write the upgrade
//! request, validate the server's answer.

use core::fmt;

use base64::Engine as _;
use rand_core::RngCore;

use super::head::{self, Writer};
use super::{accept_key, HandshakeError, MAX_HEADERS, MAX_PARSED_HEAD};
use crate::http::head::{parse_response_head, HeaderSpan};
use crate::http::{HttpError, Version};
use crate::url::Url;
use crate::ws::deflate::{DeflateConfig, DeflateParams, DeflateReject};

/// A `Sec-WebSocket-Key`: the base64 encoding (24 ASCII bytes) of a 16-byte random
/// nonce, chosen afresh for every connection (section 4.1, item 7).
///
/// Keep it between [`ClientRequest::write`] and [`parse_response`], which checks the
/// server's `Sec-WebSocket-Accept` against it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClientKey([u8; 24]);

impl ClientKey {
    /// A key from 16 bytes of `rng`. The RNG should be unpredictable to the network
    /// (a CSPRNG in production); the key is not a secret, but a guessable nonce lets
    /// a cache or proxy replay an old handshake.
    pub fn generate<R: RngCore + ?Sized>(rng: &mut R) -> Self {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        Self::from_nonce(nonce)
    }

    /// The key for a given nonce (for tests and for callers with their own
    /// randomness).
    ///
    /// ```
    /// use nexus_net::ws::handshake::ClientKey;
    /// assert_eq!(ClientKey::from_nonce(*b"the sample nonce").as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
    /// ```
    pub fn from_nonce(nonce: [u8; 16]) -> Self {
        let mut key = [0u8; 24];
        // 16 bytes encode to exactly 24 with padding: the buffer always fits.
        let n = base64::engine::general_purpose::STANDARD.encode_slice(nonce, &mut key).unwrap_or(0);
        debug_assert_eq!(n, 24);
        Self(key)
    }

    /// The key as sent in `Sec-WebSocket-Key`.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII, so this never takes the error branch.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The `Sec-WebSocket-Accept` value a conforming server answers this key with.
    pub fn expected_accept(&self) -> [u8; 28] {
        accept_key(&self.0)
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientKey").field(&self.as_str()).finish()
    }
}

/// Headers the client writes itself; an extra header may not repeat them.
const CLIENT_RESERVED: &[&str] = &[
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Origin",
    "Content-Length",
    "Transfer-Encoding",
];

/// The client's upgrade request (section 4.1), built by value and written with
/// [`write`](Self::write).
///
/// Defaults: no port in `Host` (the scheme's default), no subprotocols, no extra
/// headers, no `Origin` (browsers send one; other clients need not).
///
/// ```
/// use nexus_net::url::Url;
/// use nexus_net::ws::handshake::{ClientKey, ClientRequest};
///
/// let url = Url::parse("wss://stream.binance.com:9443/ws/btcusdt@trade")?;
/// let key = ClientKey::from_nonce([7; 16]);
/// let mut out = [0u8; 256];
/// let n = ClientRequest::from_url(&url)
///     .extra_headers(&[("User-Agent", "nexus-net")])
///     .write(&key, &mut out)
///     .expect("fits");
/// assert!(out[..n].starts_with(b"GET /ws/btcusdt@trade HTTP/1.1\r\nHost: stream.binance.com:9443\r\n"));
/// # Ok::<(), nexus_net::url::UrlError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRequest<'a> {
    host: &'a str,
    port: Option<u16>,
    path_and_query: &'a str,
    subprotocols: &'a [&'a str],
    extra_headers: &'a [(&'a str, &'a str)],
    origin: Option<&'a str>,
    extensions: Option<&'a str>,
}

impl<'a> ClientRequest<'a> {
    /// A request for `path_and_query` (starting with `/`, or with `?` for a query
    /// on the root path, as [`Url::path_and_query`] gives for `ws://host?q`) on
    /// `host` (a name, an IPv4 address, or an IPv6 address with or without
    /// brackets). `Host` carries no port.
    pub const fn new(host: &'a str, path_and_query: &'a str) -> Self {
        Self { host, port: None, path_and_query, subprotocols: &[], extra_headers: &[], origin: None, extensions: None }
    }

    /// Host, path and query of `url`; the port goes into `Host` only when it is not
    /// the scheme's default.
    pub fn from_url(url: &Url<'a>) -> Self {
        let port = url.port();
        Self {
            port: (port != url.scheme().default_port()).then_some(port),
            ..Self::new(url.host(), url.path_and_query())
        }
    }

    /// Put `:port` into the `Host` header (do so when it is not the default port of
    /// the scheme).
    pub const fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Offer these subprotocols, in order of preference (`Sec-WebSocket-Protocol`).
    /// Each must be an HTTP token. Pass the same slice to [`parse_response`].
    pub const fn subprotocols(mut self, protocols: &'a [&'a str]) -> Self {
        self.subprotocols = protocols;
        self
    }

    /// Add these headers (authentication, `User-Agent`, cookies...), in order,
    /// after the handshake's own. Names must be tokens and must not be one of the
    /// handshake's own headers; values must not contain control characters.
    pub const fn extra_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.extra_headers = headers;
        self
    }

    /// Send `Origin: origin`.
    pub const fn origin(mut self, origin: &'a str) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Send `Sec-WebSocket-Extensions: extensions`, e.g. a permessage-deflate
    /// [`offer`](crate::ws::deflate::DeflateConfig::offer); check the answer with
    /// [`parse_response_with_deflate`].
    pub const fn extensions(mut self, extensions: &'a str) -> Self {
        self.extensions = Some(extensions);
        self
    }

    /// Write the request head into `out`; returns its length.
    ///
    /// Everything is validated before anything is written, so a request that would
    /// smuggle a header (CR, LF or NUL anywhere) is refused whole.
    ///
    /// # Errors
    /// [`InvalidHost`](HandshakeError::InvalidHost),
    /// [`InvalidRequestTarget`](HandshakeError::InvalidRequestTarget),
    /// [`InvalidSubprotocol`](HandshakeError::InvalidSubprotocol),
    /// [`InvalidHeaderName`](HandshakeError::InvalidHeaderName),
    /// [`InvalidHeaderValue`](HandshakeError::InvalidHeaderValue),
    /// [`ReservedHeader`](HandshakeError::ReservedHeader), and
    /// [`BufferTooSmall`](HandshakeError::BufferTooSmall) when `out` cannot hold
    /// the head (the contents of `out` are then unspecified).
    pub fn write(&self, key: &ClientKey, out: &mut [u8]) -> Result<usize, HandshakeError> {
        self.validate()?;
        let mut w = Writer::new(out);
        // The target's `/` is written here, so that a query without a path
        // (`ws://host?q`) is requested on `/`.
        w.put(b"GET /");
        w.put_str(self.path_and_query.strip_prefix('/').unwrap_or(self.path_and_query));
        w.put(b" HTTP/1.1\r\nHost: ");
        let bare = strip_brackets(self.host);
        if bare.bytes().any(|b| b == b':') {
            w.put(b"[");
            w.put_str(bare);
            w.put(b"]");
        } else {
            w.put_str(bare);
        }
        if let Some(port) = self.port {
            w.put(b":");
            w.put_u16(port);
        }
        w.put(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
        w.put(&key.0);
        w.put(b"\r\nSec-WebSocket-Version: 13\r\n");
        if let Some(origin) = self.origin {
            w.header("Origin", origin.as_bytes());
        }
        if let Some((first, rest)) = self.subprotocols.split_first() {
            w.put(b"Sec-WebSocket-Protocol: ");
            w.put_str(first);
            for p in rest {
                w.put(b", ");
                w.put_str(p);
            }
            w.put(b"\r\n");
        }
        if let Some(extensions) = self.extensions {
            w.header("Sec-WebSocket-Extensions", extensions.as_bytes());
        }
        for (name, value) in self.extra_headers {
            w.header(name, value.as_bytes());
        }
        w.put(b"\r\n");
        let n = w.finish()?;
        trace!("ws handshake: request head {} bytes", n);
        Ok(n)
    }

    fn validate(&self) -> Result<(), HandshakeError> {
        if !is_valid_host(self.host) {
            return Err(HandshakeError::InvalidHost);
        }
        let target = self.path_and_query.as_bytes();
        if !matches!(target.first(), Some(b'/' | b'?')) || target.iter().any(|&b| b <= b' ' || b >= 0x7f || b == b'#') {
            return Err(HandshakeError::InvalidRequestTarget);
        }
        if let Some(value) = self.extensions {
            if !head::is_safe_value(value.as_bytes()) {
                return Err(HandshakeError::InvalidHeaderValue);
            }
        }
        if let Some(origin) = self.origin {
            if !head::is_safe_value(origin.as_bytes()) {
                return Err(HandshakeError::InvalidHeaderValue);
            }
        }
        if !self.subprotocols.iter().all(|p| head::is_token(p.as_bytes())) {
            return Err(HandshakeError::InvalidSubprotocol);
        }
        for (name, value) in self.extra_headers {
            head::check_extra_header(name, value, CLIENT_RESERVED)?;
        }
        Ok(())
    }
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

/// A registered name or IPv4 address (RFC 3986 `reg-name` characters), or an IPv6
/// literal (hex digits, `:` and `.`), bracketed or not.
fn is_valid_host(host: &str) -> bool {
    let bare = strip_brackets(host);
    if bare.is_empty() || (bare.len() != host.len() && !bare.bytes().any(|b| b == b':')) {
        return false;
    }
    if bare.bytes().any(|b| b == b':') {
        bare.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        bare.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b'%'
                )
        })
    }
}

/// A validated `101 Switching Protocols`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServerResponse {
    /// Length of the response head in bytes, through the empty line. Bytes after it
    /// are already WebSocket frames: leave them in the buffer for the frame reader.
    pub head_len: usize,
    /// The subprotocol the server chose, as an index into the `offered_protocols`
    /// given to [`parse_response`]; `None` when it chose none.
    pub subprotocol: Option<usize>,
}

/// Parse and validate the server's answer to the upgrade request (section 4.1, the
/// client's checks 1 to 6).
///
/// `buf` holds what has been received so far; `key` is the key that was sent and
/// `offered_protocols` the subprotocols that were offered (empty for none). At most
/// `max_head_len` bytes of `buf` are looked at.
///
/// Returns `Ok(None)` while the head is incomplete (read more and call again with the
/// longer buffer), else the head length and the chosen subprotocol.
///
/// # Errors
/// - [`Status`](HandshakeError::Status) with the code when it is not `101` (a
///   redirect or `401`, say); checked first, so an HTTP/1.0 error answer is still
///   reported by its status.
/// - [`HeadTooLarge`](HandshakeError::HeadTooLarge) when `max_head_len` bytes hold
///   no complete head; [`TooManyHeaders`](HandshakeError::TooManyHeaders) beyond
///   [`MAX_HEADERS`]; [`MalformedHead`](HandshakeError::MalformedHead);
///   [`HttpVersion`](HandshakeError::HttpVersion).
/// - [`MissingUpgrade`](HandshakeError::MissingUpgrade),
///   [`MissingConnectionUpgrade`](HandshakeError::MissingConnectionUpgrade),
///   [`MissingAccept`](HandshakeError::MissingAccept),
///   [`InvalidAccept`](HandshakeError::InvalidAccept),
///   [`UnsolicitedExtension`](HandshakeError::UnsolicitedExtension) (any
///   `Sec-WebSocket-Extensions`: none are offered),
///   [`UnsolicitedSubprotocol`](HandshakeError::UnsolicitedSubprotocol).
pub fn parse_response(
    buf: &[u8],
    key: &ClientKey,
    offered_protocols: &[&str],
    max_head_len: usize,
) -> Result<Option<ServerResponse>, HandshakeError> {
    parse_response_inner(
        buf,
        key,
        offered_protocols,
        max_head_len,
        &mut |value| match head::list_elements(value).next() {
            Some(_) => Err(HandshakeError::UnsolicitedExtension),
            None => Ok(()),
        },
    )
}

/// [`parse_response`] for a request that offered permessage-deflate with `config`
/// ([`ClientRequest::extensions`] with [`DeflateConfig::offer`]): also returns the
/// agreed parameters, `None` when the server declined compression.
///
/// # Errors
/// As [`parse_response`], and [`Deflate`](HandshakeError::Deflate) when the server's
/// `Sec-WebSocket-Extensions` is not a valid answer to the offer (see
/// [`DeflateConfig::check_response`]).
pub fn parse_response_with_deflate(
    buf: &[u8],
    key: &ClientKey,
    offered_protocols: &[&str],
    config: &DeflateConfig,
    max_head_len: usize,
) -> Result<Option<(ServerResponse, Option<DeflateParams>)>, HandshakeError> {
    let mut agreed = None;
    let resp = parse_response_inner(buf, key, offered_protocols, max_head_len, &mut |value| {
        if let Some(params) = config.check_response([value])? {
            if agreed.replace(params).is_some() {
                return Err(HandshakeError::Deflate(DeflateReject::UnsolicitedExtension));
            }
        }
        Ok(())
    })?;
    Ok(resp.map(|r| (r, agreed)))
}

/// The response headers the client looks at, in the order `parse_response_inner`
/// matches their index.
const RESPONSE_HEADERS: &[&str] =
    &["upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol", "sec-websocket-extensions"];

fn parse_response_inner(
    buf: &[u8],
    key: &ClientKey,
    offered_protocols: &[&str],
    max_head_len: usize,
    extensions: &mut dyn FnMut(&[u8]) -> Result<(), HandshakeError>,
) -> Result<Option<ServerResponse>, HandshakeError> {
    let window = &buf[..buf.len().min(max_head_len)];
    let mut spans = [HeaderSpan::default(); MAX_HEADERS];
    let resp = match parse_response_head(window, &mut spans) {
        Ok(Some(resp)) => resp,
        Ok(None) if window.len() >= max_head_len.min(MAX_PARSED_HEAD) => return Err(HandshakeError::HeadTooLarge),
        Ok(None) => return Ok(None),
        Err(HttpError::TooManyHeaders) => return Err(HandshakeError::TooManyHeaders),
        Err(_) => return Err(HandshakeError::MalformedHead),
    };
    let head_len = resp.len;
    if resp.status != 101 {
        debug!("ws handshake: server answered {}", resp.status);
        return Err(HandshakeError::Status(resp.status));
    }
    if resp.version != Version::Http11 {
        return Err(HandshakeError::HttpVersion);
    }

    let mut upgrade = false;
    let mut connection = false;
    let mut accept: Option<&[u8]> = None;
    let mut accept_count = 0usize;
    let mut protocol: Option<&[u8]> = None;
    let mut protocol_count = 0usize;
    let mut extension: Result<(), HandshakeError> = Ok(());
    for span in &spans[..resp.headers] {
        // Values come trimmed of surrounding whitespace.
        let (name, value) = (span.name(window), span.value(window));
        match head::name_index(name, RESPONSE_HEADERS) {
            Some(0) => upgrade |= head::list_has_token(value, "websocket"),
            Some(1) => connection |= head::list_has_token(value, "upgrade"),
            Some(2) => {
                accept = Some(value);
                accept_count += 1;
            }
            Some(3) => {
                protocol = Some(value);
                protocol_count += 1;
            }
            Some(_) if extension.is_ok() => extension = extensions(value),
            _ => {}
        }
    }
    if !upgrade {
        return Err(HandshakeError::MissingUpgrade);
    }
    if !connection {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    match accept {
        None => return Err(HandshakeError::MissingAccept),
        Some(a) if accept_count > 1 || a != key.expected_accept() => return Err(HandshakeError::InvalidAccept),
        Some(_) => {}
    }
    extension?;
    let subprotocol = match protocol {
        None => None,
        Some(p) if protocol_count == 1 => Some(
            offered_protocols.iter().position(|o| o.as_bytes() == p).ok_or(HandshakeError::UnsolicitedSubprotocol)?,
        ),
        Some(_) => return Err(HandshakeError::UnsolicitedSubprotocol),
    };
    Ok(Some(ServerResponse { head_len, subprotocol }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::handshake::DEFAULT_MAX_HEAD_LEN as MAX;

    /// RFC 6455 section 1.3's key (nonce "the sample nonce").
    fn sample_key() -> ClientKey {
        ClientKey::from_nonce(*b"the sample nonce")
    }

    const RFC_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
        Sec-WebSocket-Protocol: chat\r\n\r\n";

    fn parse(resp: &[u8], offered: &[&str]) -> Result<Option<ServerResponse>, HandshakeError> {
        parse_response(resp, &sample_key(), offered, MAX)
    }

    /// `RFC_RESPONSE` with header line `from` replaced by `to`.
    fn variant(from: &str, to: &str) -> [u8; 512] {
        let s = core::str::from_utf8(RFC_RESPONSE).unwrap();
        let (a, b) = s.split_once(from).unwrap();
        let mut out = [0u8; 512];
        let mut w = Writer::new(&mut out);
        w.put_str(a);
        w.put_str(to);
        w.put_str(b);
        out
    }

    fn head(buf: &[u8; 512]) -> &[u8] {
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        &buf[..end]
    }

    struct CountingRng(u8);
    impl RngCore for CountingRng {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    #[test]
    fn a_query_without_a_path_is_requested_on_the_root_path() {
        let url = Url::parse("ws://h:8080?streams=a@b").unwrap();
        let mut buf = [0u8; 512];
        let n = ClientRequest::from_url(&url).write(&sample_key(), &mut buf).unwrap();
        assert!(buf[..n].starts_with(b"GET /?streams=a@b HTTP/1.1\r\nHost: h:8080\r\n"), "{:?}", &buf[..n]);
        let n = ClientRequest::new("h", "?").write(&sample_key(), &mut buf).unwrap();
        assert!(buf[..n].starts_with(b"GET /? HTTP/1.1\r\n"));
    }

    #[test]
    fn key_rfc6455_1_3() {
        let key = sample_key();
        assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(&key.expected_accept(), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn key_generate_uses_16_rng_bytes() {
        let mut rng = CountingRng(0);
        let k1 = ClientKey::generate(&mut rng);
        let k2 = ClientKey::generate(&mut rng);
        let n1: [u8; 16] = core::array::from_fn(|i| i as u8);
        let n2: [u8; 16] = core::array::from_fn(|i| 16 + i as u8);
        assert_eq!(k1, ClientKey::from_nonce(n1));
        assert_eq!(k2, ClientKey::from_nonce(n2));
        assert_eq!(k1.as_str(), "AAECAwQFBgcICQoLDA0ODw==");
        assert!(super::super::is_valid_key(k2.as_str().as_bytes()));
    }

    #[test]
    fn emit_minimal_request() {
        let mut out = [0u8; 256];
        let n = ClientRequest::new("server.example.com", "/chat").write(&sample_key(), &mut out).unwrap();
        assert_eq!(
            &out[..n],
            &b"GET /chat HTTP/1.1\r\n\
               Host: server.example.com\r\n\
               Upgrade: websocket\r\n\
               Connection: Upgrade\r\n\
               Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
               Sec-WebSocket-Version: 13\r\n\r\n"[..]
        );
    }

    #[test]
    fn emit_full_request() {
        let mut out = [0u8; 512];
        let n = ClientRequest::new("::1", "/x?y=1")
            .port(8080)
            .origin("http://example.com")
            .subprotocols(&["chat", "superchat"])
            .extra_headers(&[("Authorization", "Bearer abc"), ("X-Trace", "1")])
            .write(&sample_key(), &mut out)
            .unwrap();
        assert_eq!(
            &out[..n],
            &b"GET /x?y=1 HTTP/1.1\r\n\
               Host: [::1]:8080\r\n\
               Upgrade: websocket\r\n\
               Connection: Upgrade\r\n\
               Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
               Sec-WebSocket-Version: 13\r\n\
               Origin: http://example.com\r\n\
               Sec-WebSocket-Protocol: chat, superchat\r\n\
               Authorization: Bearer abc\r\n\
               X-Trace: 1\r\n\r\n"[..]
        );
    }

    #[test]
    fn emit_from_url() {
        let mut out = [0u8; 256];
        for (url, line, host) in [
            ("wss://stream.binance.com:9443/ws", "GET /ws HTTP/1.1\r\n", "Host: stream.binance.com:9443\r\n"),
            ("wss://example.com:443", "GET / HTTP/1.1\r\n", "Host: example.com\r\n"),
            ("ws://[::1]:8080/x?y=1#f", "GET /x?y=1 HTTP/1.1\r\n", "Host: [::1]:8080\r\n"),
            ("ws://10.0.0.1/", "GET / HTTP/1.1\r\n", "Host: 10.0.0.1\r\n"),
        ] {
            let url = Url::parse(url).unwrap();
            let n = ClientRequest::from_url(&url).write(&sample_key(), &mut out).unwrap();
            let head = core::str::from_utf8(&out[..n]).unwrap();
            assert!(head.starts_with(line), "{head}");
            assert!(head[line.len()..].starts_with(host), "{head}");
        }
    }

    #[test]
    fn emit_bracketed_host_kept() {
        let mut out = [0u8; 256];
        let n = ClientRequest::new("[fe80::1]", "/").write(&sample_key(), &mut out).unwrap();
        assert!(out[..n].starts_with(b"GET / HTTP/1.1\r\nHost: [fe80::1]\r\n"));
    }

    #[test]
    fn emit_rejects_injection_and_bad_input() {
        let key = sample_key();
        let mut out = [0u8; 512];
        let cases: &[(ClientRequest<'_>, HandshakeError)] = &[
            (ClientRequest::new("h", "/a\r\nX: 1"), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h", "/a b"), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h", "a"), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h", ""), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h", "/a#frag"), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h", "/caf\u{e9}"), HandshakeError::InvalidRequestTarget),
            (ClientRequest::new("h\r\nX: 1", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("[]", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("[h]", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("h/x", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("u@h", "/"), HandshakeError::InvalidHost),
            (ClientRequest::new("h", "/").origin("o\r\nX: 1"), HandshakeError::InvalidHeaderValue),
            (ClientRequest::new("h", "/").origin("o\0"), HandshakeError::InvalidHeaderValue),
            (ClientRequest::new("h", "/").subprotocols(&["a b"]), HandshakeError::InvalidSubprotocol),
            (ClientRequest::new("h", "/").subprotocols(&["a,b"]), HandshakeError::InvalidSubprotocol),
            (ClientRequest::new("h", "/").subprotocols(&[""]), HandshakeError::InvalidSubprotocol),
            (ClientRequest::new("h", "/").extra_headers(&[("X", "1\r\nEvil: 2")]), HandshakeError::InvalidHeaderValue),
            (ClientRequest::new("h", "/").extra_headers(&[("X", "1\n")]), HandshakeError::InvalidHeaderValue),
            (ClientRequest::new("h", "/").extra_headers(&[("X\r\nEvil", "1")]), HandshakeError::InvalidHeaderName),
            (ClientRequest::new("h", "/").extra_headers(&[("X: y", "1")]), HandshakeError::InvalidHeaderName),
            (ClientRequest::new("h", "/").extra_headers(&[("sec-websocket-key", "x")]), HandshakeError::ReservedHeader),
            (ClientRequest::new("h", "/").extra_headers(&[("HOST", "x")]), HandshakeError::ReservedHeader),
            (
                ClientRequest::new("h", "/").extra_headers(&[("Sec-WebSocket-Extensions", "permessage-deflate")]),
                HandshakeError::ReservedHeader,
            ),
        ];
        for (req, want) in cases {
            out.fill(0xEE);
            assert_eq!(req.write(&key, &mut out), Err(*want), "{req:?}");
            // Validation precedes writing: nothing was touched.
            assert!(out.iter().all(|&b| b == 0xEE), "{req:?} wrote bytes");
        }
    }

    #[test]
    fn emit_buffer_too_small_at_every_size() {
        let req =
            ClientRequest::new("::1", "/x").port(1).origin("o").subprotocols(&["a", "b"]).extra_headers(&[("X", "1")]);
        let mut out = [0u8; 512];
        let full = req.write(&sample_key(), &mut out).unwrap();
        for len in 0..full {
            let mut small = [0u8; 512];
            assert_eq!(req.write(&sample_key(), &mut small[..len]), Err(HandshakeError::BufferTooSmall), "len {len}");
        }
        let mut exact = [0u8; 512];
        assert_eq!(req.write(&sample_key(), &mut exact[..full]), Ok(full));
        assert_eq!(exact[..full], out[..full]);
    }

    #[test]
    fn parse_rfc_response() {
        let r = parse(RFC_RESPONSE, &["chat", "superchat"]).unwrap().unwrap();
        assert_eq!(r, ServerResponse { head_len: RFC_RESPONSE.len(), subprotocol: Some(0) });
        let r = parse(RFC_RESPONSE, &["superchat", "chat"]).unwrap().unwrap();
        assert_eq!(r.subprotocol, Some(1));
    }

    #[test]
    fn parse_leaves_trailing_frames() {
        let mut buf = [0u8; 256];
        buf[..RFC_RESPONSE.len()].copy_from_slice(RFC_RESPONSE);
        let frame = [0x81, 0x05, b'H', b'e', b'l', b'l', b'o'];
        buf[RFC_RESPONSE.len()..RFC_RESPONSE.len() + 7].copy_from_slice(&frame);
        let all = &buf[..RFC_RESPONSE.len() + 7];
        let r = parse(all, &["chat"]).unwrap().unwrap();
        assert_eq!(r.head_len, RFC_RESPONSE.len());
        assert_eq!(&all[r.head_len..], &frame);
    }

    #[test]
    fn parse_tolerates_case_lists_and_whitespace() {
        let resp = b"HTTP/1.1 101 Whatever\r\n\
            upgrade:   WebSocket  \r\n\
            CONNECTION: keep-alive,upgrade\r\n\
            sec-websocket-accept:\ts3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t\r\n\
            X-Other: 1\r\n\r\n";
        let r = parse(resp, &[]).unwrap().unwrap();
        assert_eq!(r.subprotocol, None);
        // Bare LF line endings are accepted (RFC 9112 section 2.2 allows it).
        let lf = b"HTTP/1.1 101 OK\nUpgrade: websocket\nConnection: Upgrade\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n\n";
        assert_eq!(parse(lf, &[]).unwrap().unwrap().head_len, lf.len());
        // Upgrade split over two headers, and an empty extensions header.
        let two = b"HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Extensions: \r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        assert!(parse(two, &[]).unwrap().is_some());
    }

    #[test]
    fn parse_errors() {
        use HandshakeError::*;
        let cases: &[(&str, &str, HandshakeError)] = &[
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 400 Bad Request", Status(400)),
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 302 Found", Status(302)),
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.0 403 Forbidden", Status(403)),
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 200 OK", Status(200)),
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.0 101 Switching Protocols", HttpVersion),
            ("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 1O1 Switching Protocols", MalformedHead),
            ("Upgrade: websocket", "Upgrade: h2c", MissingUpgrade),
            ("Upgrade: websocket", "Upgrade: websockets", MissingUpgrade),
            ("Upgrade: websocket", "X-Upgrade: websocket", MissingUpgrade),
            ("Connection: Upgrade", "Connection: keep-alive", MissingConnectionUpgrade),
            ("Connection: Upgrade", "Connection: upgraded", MissingConnectionUpgrade),
            ("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "X-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", MissingAccept),
            ("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo", InvalidAccept),
            ("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=", InvalidAccept),
            ("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", InvalidAccept),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: mqtt", UnsolicitedSubprotocol),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: CHAT", UnsolicitedSubprotocol),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat, superchat", UnsolicitedSubprotocol),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat", UnsolicitedSubprotocol),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: ", UnsolicitedSubprotocol),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate", UnsolicitedExtension),
            ("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: x, y", UnsolicitedExtension),
            ("Sec-WebSocket-Protocol: chat", "Bad Header: x", MalformedHead),
            ("Sec-WebSocket-Protocol: chat", "X: a\rb", MalformedHead),
            ("Sec-WebSocket-Protocol: chat", "X: a\r\n folded", MalformedHead),
        ];
        for (from, to, want) in cases {
            let buf = variant(from, to);
            let full = head(&buf);
            let got = parse(full, &["chat", "superchat"]);
            assert_eq!(got, Err(*want), "{to:?}");
            // Fed incrementally: incomplete until the error can be seen, then that
            // same error (syntax errors show up before the head is complete).
            for len in 0..full.len() {
                let got = parse(&full[..len], &["chat", "superchat"]);
                assert!(got == Ok(None) || got == Err(*want), "{to:?} prefix {len}: {got:?}");
            }
        }
        // Subprotocol answered although none was offered.
        assert_eq!(parse(RFC_RESPONSE, &[]), Err(UnsolicitedSubprotocol));
        // Accept for a different key.
        assert_eq!(parse_response(RFC_RESPONSE, &ClientKey::from_nonce([0; 16]), &["chat"], MAX), Err(InvalidAccept));
    }

    #[test]
    fn parse_incremental_every_prefix() {
        for len in 0..RFC_RESPONSE.len() {
            assert_eq!(parse(&RFC_RESPONSE[..len], &["chat"]), Ok(None), "prefix {len}");
        }
        assert!(parse(RFC_RESPONSE, &["chat"]).unwrap().is_some());
    }

    #[test]
    fn parse_head_size_limit() {
        let n = RFC_RESPONSE.len();
        let key = sample_key();
        // Exactly fits.
        assert!(parse_response(RFC_RESPONSE, &key, &["chat"], n).unwrap().is_some());
        // One byte over: the limit is hit without a complete head.
        assert_eq!(parse_response(RFC_RESPONSE, &key, &["chat"], n - 1), Err(HandshakeError::HeadTooLarge));
        // Below the limit and incomplete: keep reading.
        assert_eq!(parse_response(&RFC_RESPONSE[..n - 2], &key, &["chat"], n - 1), Ok(None));
        // A large limit is honoured (no hidden fixed cap): a 20 KiB header.
        let mut big = [b'a'; 20 * 1024 + 300];
        let prefix = b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Big: ";
        big[..prefix.len()].copy_from_slice(prefix);
        let end = big.len();
        big[end - 4..].copy_from_slice(b"\r\n\r\n");
        assert_eq!(parse_response(&big, &key, &[], MAX), Err(HandshakeError::HeadTooLarge));
        assert_eq!(parse_response(&big, &key, &[], 32 * 1024).unwrap().unwrap().head_len, big.len());
    }

    #[test]
    fn parse_too_many_headers() {
        let mut buf = [0u8; 2048];
        let mut w = Writer::new(&mut buf);
        w.put(b"HTTP/1.1 101 OK\r\n");
        for _ in 0..MAX_HEADERS {
            w.put(b"X: 1\r\n");
        }
        let at_limit = w.finish().unwrap();
        w.put(b"\r\n");
        let n = w.finish().unwrap();
        // 64 headers parse (and then fail validation on content, not count).
        assert_eq!(parse(&buf[..n], &[]), Err(HandshakeError::MissingUpgrade));
        let mut w = Writer::new(&mut buf[at_limit..]);
        w.put(b"X: 1\r\n\r\n");
        let n = at_limit + w.finish().unwrap();
        assert_eq!(parse(&buf[..n], &[]), Err(HandshakeError::TooManyHeaders));
    }
}
