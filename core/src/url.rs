//! URLs for `ws://`, `wss://`, `http://` and `https://`, parsed without allocation.
//!
//! [`Url::parse`] borrows the input and splits it into what a client needs to
//! connect and to write a request: scheme, host, port, path and query, and the
//! `Host` header value ([`Url::host_header`]).
//!
//! Deliberately strict: a URL that a client could not use as-is, or that could
//! smuggle something into a request line or header, is an error rather than
//! something quietly repaired. Credentials in the URL (`user:pass@`) are refused
//! (send them in a header); so are spaces, control characters and non-ASCII bytes
//! anywhere (percent-encode paths, punycode international host names).
//!
//! ```
//! use nexus_net::url::{Scheme, Url};
//!
//! let url = Url::parse("wss://stream.binance.com:9443/ws?streams=btcusdt@trade")?;
//! assert_eq!(url.scheme(), Scheme::Wss);
//! assert!(url.scheme().is_tls());
//! assert_eq!(url.host(), "stream.binance.com");
//! assert_eq!(url.port(), 9443);
//! assert_eq!(url.path_and_query(), "/ws?streams=btcusdt@trade");
//! assert_eq!(url.query(), Some("streams=btcusdt@trade"));
//! # extern crate std;
//! # use std::string::ToString;
//! assert_eq!(url.host_header().to_string(), "stream.binance.com:9443");
//! # Ok::<(), nexus_net::url::UrlError>(())
//! ```

// Byte searches are plain loops: `<[u8]>::contains` links memchr's word-at-a-time
// search and inlines its setup at every use (about 100 B each on Cortex-M), for
// inputs of a few dozen bytes.
#![allow(clippy::manual_contains)]

use core::fmt;

/// A URL scheme this crate can connect with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scheme {
    /// `ws://`: WebSocket over plain TCP, port 80 by default.
    Ws,
    /// `wss://`: WebSocket over TLS, port 443 by default.
    Wss,
    /// `http://`: HTTP/1.1 over plain TCP, port 80 by default.
    Http,
    /// `https://`: HTTP/1.1 over TLS, port 443 by default.
    Https,
}

impl Scheme {
    /// Whether connections with this scheme use TLS (`wss`, `https`).
    pub const fn is_tls(self) -> bool {
        matches!(self, Self::Wss | Self::Https)
    }

    /// 443 for TLS schemes, 80 otherwise.
    pub const fn default_port(self) -> u16 {
        if self.is_tls() {
            443
        } else {
            80
        }
    }

    /// The scheme in lower case, without `://`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ws => "ws",
            Self::Wss => "wss",
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    fn from_bytes(s: &[u8]) -> Option<Self> {
        [Self::Ws, Self::Wss, Self::Http, Self::Https]
            .into_iter()
            .find(|scheme| s.eq_ignore_ascii_case(scheme.as_str().as_bytes()))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a usable URL. Each variant means one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UrlError {
    /// A space, control character (CR, LF, NUL, tab...) or non-ASCII byte somewhere in
    /// the URL. Percent-encode paths; write international host names in punycode.
    InvalidCharacter,
    /// No `scheme://` prefix.
    MissingScheme,
    /// A scheme other than `ws`, `wss`, `http` or `https`.
    UnknownScheme,
    /// The URL carries credentials (`user:pass@host`). They are refused so that they
    /// never end up in logs or a `Host` header: send them in an `Authorization`
    /// header instead.
    UserInfo,
    /// Nothing between `://` and the port, path, query or fragment.
    EmptyHost,
    /// The host has a character that no host name or IPv4 address has (allowed:
    /// letters, digits, `-`, `.`, `_`, `~`).
    InvalidHost,
    /// An IPv6 address without brackets (`ws://::1/` instead of `ws://[::1]/`).
    UnbracketedIpv6,
    /// A bracketed IPv6 address that is not a valid IPv6 address, lacks its closing
    /// `]`, or is followed by something other than `:port`. Zone identifiers
    /// (`%25eth0`) are not supported.
    InvalidIpv6,
    /// A port that is empty (`host:`) or not all decimal digits.
    InvalidPort,
    /// A port of 0 or above 65535.
    PortOutOfRange,
}

impl UrlError {
    /// What went wrong, in a few words (the `Display` text; a `&'static str` for
    /// error types that carry one).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidCharacter => "URL contains a space, control character or non-ASCII byte",
            Self::MissingScheme => "URL has no `scheme://`",
            Self::UnknownScheme => "URL scheme is not ws, wss, http or https",
            Self::UserInfo => "URL contains credentials (user:pass@); send them in a header instead",
            Self::EmptyHost => "URL has an empty host",
            Self::InvalidHost => "URL host has an invalid character",
            Self::UnbracketedIpv6 => "IPv6 address in URL must be in brackets, e.g. [::1]",
            Self::InvalidIpv6 => "URL has a malformed bracketed IPv6 address",
            Self::InvalidPort => "URL port is empty or not a decimal number",
            Self::PortOutOfRange => "URL port must be 1..=65535",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UrlError {}

/// A parsed `ws`, `wss`, `http` or `https` URL, borrowing the input string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Url<'a> {
    scheme: Scheme,
    host: &'a str,
    port: u16,
    explicit_port: bool,
    ipv6: bool,
    /// Path and query as in the input, fragment removed; empty when both are, and
    /// starting with `?` for a query without a path.
    path_and_query: &'a str,
}

impl<'a> Url<'a> {
    /// Parse `s`. Scheme names are case-insensitive; everything else is kept as
    /// written (host names are not lower-cased, paths not normalised).
    ///
    /// # Errors
    /// One [`UrlError`] per reason; see its variants.
    pub fn parse(s: &'a str) -> Result<Self, UrlError> {
        // Byte-wise on purpose: the input is checked to be ASCII first, and byte
        // searches keep `str`'s pattern machinery out of small firmware images.
        let bytes = s.as_bytes();
        if !bytes.iter().all(u8::is_ascii_graphic) {
            return Err(UrlError::InvalidCharacter);
        }
        let sep = bytes.windows(3).position(|w| w == b"://").ok_or(UrlError::MissingScheme)?;
        let scheme = Scheme::from_bytes(&bytes[..sep]).ok_or(UrlError::UnknownScheme)?;

        let rest = &bytes[sep + 3..];
        let authority_end = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if authority.iter().any(|&b| b == b'@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port, ipv6) = split_authority(authority)?;
        let explicit_port = port.is_some();
        let port = port.unwrap_or(scheme.default_port());

        let path_and_query = match tail.iter().position(|&b| b == b'#') {
            Some(i) => &tail[..i],
            None => tail,
        };
        Ok(Self { scheme, host: ascii(host), port, explicit_port, ipv6, path_and_query: ascii(path_and_query) })
    }

    /// The scheme.
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host: a name, an IPv4 address, or an IPv6 address without its brackets
    /// (connect to it as is; use [`host_header`](Self::host_header) for `Host`).
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// The port: as written, else the scheme's default (80 or 443).
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Whether the URL spells out a port (even one equal to the default).
    pub const fn has_explicit_port(&self) -> bool {
        self.explicit_port
    }

    /// Whether the host is a (bracketed) IPv6 address.
    pub const fn is_ipv6(&self) -> bool {
        self.ipv6
    }

    /// The request target: path and query, without the fragment; `/` when the URL
    /// has neither. Starts with `/`, except for a query without a path
    /// (`ws://host?q` gives `?q`), whose target on the wire is `/?q`: borrowing the
    /// input, the `/` can't be put in front here, so request writers do it
    /// ([`ClientRequest`](crate::ws::handshake::ClientRequest) does).
    pub fn path_and_query(&self) -> &'a str {
        if self.path_and_query.is_empty() {
            "/"
        } else {
            self.path_and_query
        }
    }

    /// The path alone; `/` when the URL has none.
    pub fn path(&self) -> &'a str {
        let pq = self.path_and_query();
        match pq.bytes().position(|b| b == b'?') {
            Some(0) => "/",
            Some(i) => ascii(&pq.as_bytes()[..i]),
            None => pq,
        }
    }

    /// The query without its `?`: `None` when there is no `?`, `Some("")` for a bare
    /// `?`.
    pub fn query(&self) -> Option<&'a str> {
        let pq = self.path_and_query.as_bytes();
        pq.iter().position(|&b| b == b'?').map(|i| ascii(&pq[i + 1..]))
    }

    /// The `Host` header value, to format with `Display`: the host (IPv6 in
    /// brackets) and `:port` unless the port is the scheme's default.
    pub const fn host_header(&self) -> HostHeader<'a> {
        HostHeader {
            host: self.host,
            port: if self.port == self.scheme.default_port() { None } else { Some(self.port) },
            ipv6: self.ipv6,
        }
    }
}

/// The `Host` header value of a [`Url`], from [`Url::host_header`]; write it with
/// `Display` (`{}`), e.g. `example.com`, `example.com:8080`, `[::1]:8080`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HostHeader<'a> {
    host: &'a str,
    port: Option<u16>,
    ipv6: bool,
}

impl HostHeader<'_> {
    /// The port written after the host, `None` when it is the scheme's default.
    pub const fn port(&self) -> Option<u16> {
        self.port
    }
}

impl fmt::Display for HostHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ipv6 {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(self.host)?;
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// A sub-slice of a URL that [`Url::parse`] has checked to be ASCII, as `&str`.
fn ascii(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: every caller passes a sub-slice of the input of `Url::parse`, which
    // refused any input that is not all ASCII before splitting it; ASCII is UTF-8.
    // (A checked conversion would link a UTF-8 validation call at each use, for
    // nothing: about 70 bytes of firmware.)
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

/// Split `host[:port]` / `[v6][:port]` into host (without brackets), port, is-IPv6.
fn split_authority(authority: &[u8]) -> Result<(&[u8], Option<u16>, bool), UrlError> {
    if let [b'[', bracketed @ ..] = authority {
        let close = bracketed.iter().position(|&b| b == b']').ok_or(UrlError::InvalidIpv6)?;
        let (host, after) = (&bracketed[..close], &bracketed[close + 1..]);
        if !is_ipv6_literal(host) {
            return Err(UrlError::InvalidIpv6);
        }
        let port = match after {
            [] => None,
            [b':', p @ ..] => Some(parse_port(p)?),
            _ => return Err(UrlError::InvalidIpv6),
        };
        return Ok((host, port, true));
    }
    let (host, port) = match authority.iter().position(|&b| b == b':') {
        Some(i) if authority[i + 1..].iter().any(|&b| b == b':') => return Err(UrlError::UnbracketedIpv6),
        Some(i) => (&authority[..i], Some(parse_port(&authority[i + 1..])?)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    if !host.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
        return Err(UrlError::InvalidHost);
    }
    Ok((host, port, false))
}

/// Whether `s` is an IPv6 address in the text forms of RFC 4291 section 2.2: eight
/// groups of 1 to 4 hex digits, at most one `::` standing for one or more zero
/// groups, and optionally a dotted IPv4 address as the last two groups. Accepts
/// exactly what `core::net::Ipv6Addr::from_str` accepts (a test checks it), without
/// linking that parser.
fn is_ipv6_literal(s: &[u8]) -> bool {
    let mut groups = 0;
    let mut compressed = s.starts_with(b"::");
    let mut at = if compressed { 2 } else { 0 };
    while at < s.len() {
        let rest = &s[at..];
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        let part = &rest[..end];
        if part.iter().any(|&b| b == b'.') {
            // A dotted IPv4 address, only as the last two groups.
            let groups = groups + 2;
            return end == rest.len() && is_ipv4_literal(part) && if compressed { groups <= 7 } else { groups == 8 };
        }
        if part.is_empty() || part.len() > 4 || !part.iter().all(u8::is_ascii_hexdigit) {
            return false;
        }
        groups += 1;
        if end == rest.len() {
            break;
        }
        at += end + 1;
        if s.get(at) == Some(&b':') {
            // `::`, at most once; it may end the address.
            if compressed {
                return false;
            }
            compressed = true;
            at += 1;
        } else if at == s.len() {
            // A trailing single `:`.
            return false;
        }
    }
    // `::` stands for at least one group.
    if compressed {
        groups <= 7
    } else {
        groups == 8
    }
}

/// A dotted-quad IPv4 address: four decimal numbers up to 255, without leading zeros
/// (as `core::net::Ipv4Addr::from_str`).
fn is_ipv4_literal(s: &[u8]) -> bool {
    let mut octets = 0;
    for part in s.split(|&b| b == b'.') {
        let canonical = matches!(part, [_] | [b'1'..=b'9', _] | [b'1'..=b'9', _, _]);
        if !canonical || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        if part.iter().fold(0u16, |n, &b| n * 10 + u16::from(b - b'0')) > 255 {
            return false;
        }
        octets += 1;
    }
    octets == 4
}

fn parse_port(p: &[u8]) -> Result<u16, UrlError> {
    if p.is_empty() || !p.iter().all(u8::is_ascii_digit) {
        return Err(UrlError::InvalidPort);
    }
    // All digits: the only failure left is overflow (leading zeros are fine).
    let port = p.iter().try_fold(0u16, |n, &b| n.checked_mul(10)?.checked_add(u16::from(b - b'0')));
    match port {
        Some(0) | None => Err(UrlError::PortOutOfRange),
        Some(port) => Ok(port),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::string::ToString;

    /// (input, scheme, host, port, explicit, ipv6, path_and_query, path, query, Host header)
    #[allow(clippy::type_complexity)]
    const GOOD: &[(&str, Scheme, &str, u16, bool, bool, &str, &str, Option<&str>, &str)] = &[
        (
            "wss://stream.binance.com:9443/ws",
            Scheme::Wss,
            "stream.binance.com",
            9443,
            true,
            false,
            "/ws",
            "/ws",
            None,
            "stream.binance.com:9443",
        ),
        ("ws://[::1]:8080/x?y=1", Scheme::Ws, "::1", 8080, true, true, "/x?y=1", "/x", Some("y=1"), "[::1]:8080"),
        (
            "https://api.binance.com",
            Scheme::Https,
            "api.binance.com",
            443,
            false,
            false,
            "/",
            "/",
            None,
            "api.binance.com",
        ),
        ("http://h/p#frag", Scheme::Http, "h", 80, false, false, "/p", "/p", None, "h"),
        ("http://h#frag", Scheme::Http, "h", 80, false, false, "/", "/", None, "h"),
        ("http://h/p?q#f?g", Scheme::Http, "h", 80, false, false, "/p?q", "/p", Some("q"), "h"),
        ("ws://h/?", Scheme::Ws, "h", 80, false, false, "/?", "/", Some(""), "h"),
        // A query without a path: the path is `/` (the request line says `/?q`).
        ("ws://h?q", Scheme::Ws, "h", 80, false, false, "?q", "/", Some("q"), "h"),
        ("wss://h:81?a=b#f", Scheme::Wss, "h", 81, true, false, "?a=b", "/", Some("a=b"), "h:81"),
        ("http://h?", Scheme::Http, "h", 80, false, false, "?", "/", Some(""), "h"),
        ("ws://h/a?b?c=d&e", Scheme::Ws, "h", 80, false, false, "/a?b?c=d&e", "/a", Some("b?c=d&e"), "h"),
        ("WSS://Example.COM/A", Scheme::Wss, "Example.COM", 443, false, false, "/A", "/A", None, "Example.COM"),
        ("HtTp://h:80/", Scheme::Http, "h", 80, true, false, "/", "/", None, "h"),
        ("wss://h:443", Scheme::Wss, "h", 443, true, false, "/", "/", None, "h"),
        ("ws://h:443", Scheme::Ws, "h", 443, true, false, "/", "/", None, "h:443"),
        ("https://h:80/", Scheme::Https, "h", 80, true, false, "/", "/", None, "h:80"),
        (
            "ws://127.0.0.1:9001/runCase?case=1&agent=nexus",
            Scheme::Ws,
            "127.0.0.1",
            9001,
            true,
            false,
            "/runCase?case=1&agent=nexus",
            "/runCase",
            Some("case=1&agent=nexus"),
            "127.0.0.1:9001",
        ),
        (
            "wss://[2001:db8::1]/feed",
            Scheme::Wss,
            "2001:db8::1",
            443,
            false,
            true,
            "/feed",
            "/feed",
            None,
            "[2001:db8::1]",
        ),
        (
            "ws://[::ffff:192.0.2.1]:1",
            Scheme::Ws,
            "::ffff:192.0.2.1",
            1,
            true,
            true,
            "/",
            "/",
            None,
            "[::ffff:192.0.2.1]:1",
        ),
        ("ws://h:65535/", Scheme::Ws, "h", 65535, true, false, "/", "/", None, "h:65535"),
        ("ws://h:0080/", Scheme::Ws, "h", 80, true, false, "/", "/", None, "h"),
        (
            "ws://my_host-1.local~x/",
            Scheme::Ws,
            "my_host-1.local~x",
            80,
            false,
            false,
            "/",
            "/",
            None,
            "my_host-1.local~x",
        ),
        (
            "wss://ws.example/stream@trade/%20x",
            Scheme::Wss,
            "ws.example",
            443,
            false,
            false,
            "/stream@trade/%20x",
            "/stream@trade/%20x",
            None,
            "ws.example",
        ),
    ];

    #[test]
    fn test_parse_fixtures() {
        for &(input, scheme, host, port, explicit, ipv6, pq, path, query, host_header) in GOOD {
            let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.scheme(), scheme, "{input}");
            assert_eq!(url.host(), host, "{input}");
            assert_eq!(url.port(), port, "{input}");
            assert_eq!(url.has_explicit_port(), explicit, "{input}");
            assert_eq!(url.is_ipv6(), ipv6, "{input}");
            assert_eq!(url.path_and_query(), pq, "{input}");
            assert_eq!(url.path(), path, "{input}");
            assert_eq!(url.query(), query, "{input}");
            assert_eq!(url.host_header().to_string(), host_header, "{input}");
        }
    }

    #[test]
    fn test_parse_errors() {
        use UrlError::*;
        let bad: &[(&str, UrlError)] = &[
            ("wss://user:pass@host/", UserInfo),
            ("wss://user@host/", UserInfo),
            ("wss://@host/", UserInfo),
            ("wss://[::1]@host/", UserInfo),
            ("ws://", EmptyHost),
            ("ws:///path", EmptyHost),
            ("ws://:80/", EmptyHost),
            ("ws://?q", EmptyHost),
            ("ws://h:/", InvalidPort),
            ("ws://h:x/", InvalidPort),
            ("ws://h:+80/", InvalidPort),
            ("ws://h:-1/", InvalidPort),
            ("ws://h:0/", PortOutOfRange),
            ("ws://h:00/", PortOutOfRange),
            ("ws://h:65536/", PortOutOfRange),
            ("ws://h:99999999999999999999/", PortOutOfRange),
            ("ws://::1/", UnbracketedIpv6),
            ("ws://2001:db8::1:8080/", UnbracketedIpv6),
            ("ws://[::1/", InvalidIpv6),
            ("ws://[]/", InvalidIpv6),
            ("ws://[::g]/", InvalidIpv6),
            ("ws://[127.0.0.1]/", InvalidIpv6),
            ("ws://[::1]x/", InvalidIpv6),
            ("ws://[::1]:/", InvalidPort),
            ("ws://[::1]:0/", PortOutOfRange),
            ("ws://[fe80::1%25eth0]/", InvalidIpv6),
            ("ftp://h/", UnknownScheme),
            ("wsss://h/", UnknownScheme),
            ("://h/", UnknownScheme),
            ("h/path", MissingScheme),
            ("ws:/h/path", MissingScheme),
            ("", MissingScheme),
            ("ws://h o/", InvalidCharacter),
            ("ws://h/a b", InvalidCharacter),
            (" ws://h/", InvalidCharacter),
            ("ws://h/\r\nX: y", InvalidCharacter),
            ("ws://h/\n", InvalidCharacter),
            ("ws://h/\0", InvalidCharacter),
            ("ws://h/\t", InvalidCharacter),
            ("ws://h/\x7f", InvalidCharacter),
            ("ws://h\r/", InvalidCharacter),
            ("ws://h/caf\u{e9}", InvalidCharacter),
            ("ws://b\u{fc}cher.de/", InvalidCharacter),
            ("ws://h/#\u{1}", InvalidCharacter),
            ("ws://h!/", InvalidHost),
            ("ws://h,i/", InvalidHost),
            ("ws://h%20/", InvalidHost),
            ("ws://h\\x/", InvalidHost),
        ];
        for &(input, want) in bad {
            assert_eq!(Url::parse(input), Err(want), "{input}");
        }
    }

    #[test]
    fn test_scheme() {
        assert!(Scheme::Wss.is_tls() && Scheme::Https.is_tls());
        assert!(!Scheme::Ws.is_tls() && !Scheme::Http.is_tls());
        assert_eq!(Scheme::Ws.default_port(), 80);
        assert_eq!(Scheme::Http.default_port(), 80);
        assert_eq!(Scheme::Wss.default_port(), 443);
        assert_eq!(Scheme::Https.default_port(), 443);
        assert_eq!(Scheme::Wss.to_string(), "wss");
    }

    #[test]
    fn test_host_header_port() {
        assert_eq!(Url::parse("ws://h:81/").unwrap().host_header().port(), Some(81));
        assert_eq!(Url::parse("ws://h:80/").unwrap().host_header().port(), None);
    }

    /// The IPv6 check without `core::net` agrees with `Ipv6Addr::from_str`.
    #[test]
    fn test_ipv6_literal_table() {
        let cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6::8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            ":::",
            ":::1",
            "1:::2",
            "1::2::3",
            "1:",
            ":1",
            "::1:",
            "1::2:",
            "",
            "::ffff:192.0.2.1",
            "::192.0.2.1",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1.2.3.4::",
            "1.2.3.4",
            "::1.2.3",
            "::1.2.3.4.5",
            "::01.2.3.4",
            "::0.0.0.0",
            "::255.255.255.255",
            "::256.1.1.1",
            "::1.2.3.04",
            "::1..3.4",
            "::1.2.3.4:1",
            "0000:0:0:0:0:0:0:0",
            "00000::",
            "abcd::EF01",
            "g::",
            "fe80::1%eth0",
            "2001:db8::8a2e:370:7334",
            "::1.2.3.4.",
            "::.1.2.3",
            "::1111.2.3.4",
            "::1:1.2.3.4",
            "1::1.2.3.4:5",
        ];
        for case in cases {
            let want = case.parse::<core::net::Ipv6Addr>().is_ok();
            assert_eq!(is_ipv6_literal(case.as_bytes()), want, "{case:?}");
        }
    }

    #[test]
    fn test_error_display() {
        assert!(UrlError::UserInfo.to_string().contains("credentials"));
        assert!(UrlError::UnbracketedIpv6.to_string().contains("[::1]"));
    }

    proptest::proptest! {
        /// The IPv6 check agrees with `Ipv6Addr::from_str` on arbitrary strings of
        /// the characters that matter, and on real addresses in every text form.
        #[test]
        fn test_ipv6_literal_matches_core_net(s in "[0-9a-fA-F:.]{0,45}|([0-9a-f]{0,5}:){0,9}[0-9.]{0,16}") {
            proptest::prop_assert_eq!(is_ipv6_literal(s.as_bytes()), s.parse::<core::net::Ipv6Addr>().is_ok());
        }

        #[test]
        fn test_ipv6_literal_accepts_addresses(bits in proptest::prelude::any::<u128>(), v4 in proptest::prelude::any::<bool>()) {
            let addr = core::net::Ipv6Addr::from(bits);
            let text = if v4 {
                let o = addr.octets();
                std::format!("{:x}::{}", u16::from_be_bytes([o[0], o[1]]), core::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]))
            } else {
                addr.to_string()
            };
            proptest::prop_assert!(is_ipv6_literal(text.as_bytes()), "{}", text);
        }
    }

    proptest::proptest! {
        /// Parsing never panics, and whatever parses round-trips through its parts.
        #[test]
        fn test_parse_arbitrary(s in "\\PC{0,40}|(?i:wss?|https?)://[a-z0-9.:\\[\\]@/?#%_~-]{0,40}") {
            if let Ok(url) = Url::parse(&s) {
                let rebuilt = std::format!(
                    "{}://{}{}",
                    url.scheme(),
                    if url.has_explicit_port() {
                        if url.is_ipv6() { std::format!("[{}]:{}", url.host(), url.port()) }
                        else { std::format!("{}:{}", url.host(), url.port()) }
                    } else if url.is_ipv6() { std::format!("[{}]", url.host()) } else { url.host().to_string() },
                    url.path_and_query(),
                );
                let again = Url::parse(&rebuilt).unwrap();
                proptest::prop_assert_eq!(again.host(), url.host());
                proptest::prop_assert_eq!(again.port(), url.port());
                proptest::prop_assert_eq!(again.path_and_query(), url.path_and_query());
                proptest::prop_assert!(url.path_and_query().starts_with(['/', '?']));
                proptest::prop_assert!(url.path().starts_with('/'));
                proptest::prop_assert!(!url.host().is_empty());
                proptest::prop_assert!(!url.path_and_query().contains('#'));
            }
        }
    }
}
