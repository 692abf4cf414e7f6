//! permessage-deflate negotiation (RFC 7692 section 7.1): the client's offer, the
//! server's choice among the client's offers, and the client's check of the answer.
//!
//! Extension headers are parsed by hand (RFC 7230 `#extension` with `;` parameters,
//! token or quoted-string values), without allocation. A `,` inside a quoted value
//! does not split the list.

use core::fmt;

use super::super::handshake::{HandshakeError, UpgradeRequest};
use super::super::Role;

/// The extension token.
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// The longest header value [`DeflateConfig::offer`] and
/// [`accept_offers`] write.
pub const MAX_EXTENSION_HEADER_LEN: usize = 128;

/// What this endpoint wants from permessage-deflate. The same type serves both
/// roles; `client_*` parameters always concern the client's messages (what the
/// client compresses and the server inflates), `server_*` the server's.
///
/// Defaults: context takeover in both directions, 15-bit windows (the RFC's
/// defaults, best compression).
///
/// - As a client: [`offer`](Self::offer) writes the `Sec-WebSocket-Extensions`
///   value; `server_no_context_takeover` and `server_max_window_bits < 15` are
///   requests the server must honour, `client_*` say what the client will do.
/// - As a server: [`accept_offers`] picks the first acceptable offer;
///   `client_no_context_takeover` is imposed on the client, `server_*` are what the
///   server will do, `client_max_window_bits < 15` limits the client when the
///   client's offer allows it.
///
/// Window bits are `8..=15`; zlib cannot compress with an 8-bit window, so a
/// compressor asked for 8 uses 9 (the usual practice; see [`DeflateParams`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeflateConfig {
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// The LZ77 window (log2 bytes) of the client's compressor, 8..=15.
    pub client_max_window_bits: u8,
    /// The LZ77 window (log2 bytes) of the server's compressor, 8..=15.
    pub server_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            client_no_context_takeover: false,
            server_no_context_takeover: false,
            client_max_window_bits: 15,
            server_max_window_bits: 15,
        }
    }
}

/// The parameters agreed in the handshake: what each side compresses with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeflateParams {
    /// The client resets its compression context (and the server its
    /// decompression context) after each message.
    pub client_no_context_takeover: bool,
    /// The server resets its compression context (and the client its
    /// decompression context) after each message.
    pub server_no_context_takeover: bool,
    /// The client's compression window, 8..=15.
    pub client_max_window_bits: u8,
    /// The server's compression window, 8..=15.
    pub server_max_window_bits: u8,
}

impl DeflateParams {
    /// Whether `role` resets its compressor after each message it sends.
    pub fn deflate_no_context_takeover(&self, role: Role) -> bool {
        match role {
            Role::Client => self.client_no_context_takeover,
            Role::Server => self.server_no_context_takeover,
        }
    }

    /// Whether `role` resets its decompressor after each message it receives.
    pub fn inflate_no_context_takeover(&self, role: Role) -> bool {
        match role {
            Role::Client => self.server_no_context_takeover,
            Role::Server => self.client_no_context_takeover,
        }
    }

    /// The window `role` compresses with: the agreed bits, except that 8 becomes 9
    /// (zlib's raw deflate has no 256-byte window; every common peer inflates 9-bit
    /// distances in that case).
    pub fn deflate_window_bits(&self, role: Role) -> u8 {
        let bits = match role {
            Role::Client => self.client_max_window_bits,
            Role::Server => self.server_max_window_bits,
        };
        bits.max(9)
    }

    /// The window `role` decompresses with: the peer's agreed window (an inflater
    /// may always use a larger one).
    pub fn inflate_window_bits(&self, role: Role) -> u8 {
        match role {
            Role::Client => self.server_max_window_bits,
            Role::Server => self.client_max_window_bits,
        }
    }

    /// The server's `Sec-WebSocket-Extensions` value accepting these parameters,
    /// written into `out`. Only an offer with `client_max_window_bits` may be
    /// answered with that parameter.
    fn write_response<'o>(&self, offer: &Offer, out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN]) -> &'o str {
        let mut w = Out { buf: out, len: 0 };
        w.put(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            w.put("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            w.put("; client_no_context_takeover");
        }
        if self.server_max_window_bits < 15 || offer.server_max_window_bits.is_some() {
            w.put("; server_max_window_bits=");
            w.put_bits(self.server_max_window_bits);
        }
        if offer.client_max_window_bits.is_some() && self.client_max_window_bits < 15 {
            w.put("; client_max_window_bits=");
            w.put_bits(self.client_max_window_bits);
        }
        w.finish()
    }
}

/// Why a permessage-deflate parameter set was refused. A server declines such an
/// offer (and takes the next); a client fails the handshake with
/// [`HandshakeError::Deflate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DeflateReject {
    /// The header is not a valid extension list (bad token, unterminated quote...).
    Syntax,
    /// A parameter permessage-deflate does not define.
    UnknownParam,
    /// A parameter given twice.
    DuplicateParam,
    /// A window size outside 8..=15 (or not a plain decimal), or a value on a
    /// parameter that takes none, or none on one that needs one.
    InvalidValue,
    /// The server's window is larger than the client asked for, or its answer lacks
    /// a parameter the client required (`server_no_context_takeover`,
    /// `server_max_window_bits`).
    NotAsRequested,
    /// The server enabled permessage-deflate more than once, or another extension.
    UnsolicitedExtension,
}

impl fmt::Display for DeflateReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "malformed Sec-WebSocket-Extensions",
            Self::UnknownParam => "unknown permessage-deflate parameter",
            Self::DuplicateParam => "duplicate permessage-deflate parameter",
            Self::InvalidValue => "invalid permessage-deflate parameter value",
            Self::NotAsRequested => "server's permessage-deflate parameters are not what the client requested",
            Self::UnsolicitedExtension => "server enabled an extension other than the one permessage-deflate offered",
        })
    }
}

/// One permessage-deflate element's parameters, as written (RFC 7692 section 7.1).
/// `Some(None)` for `client_max_window_bits` is the parameter without a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Offer {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    client_max_window_bits: Option<Option<u8>>,
}

impl DeflateConfig {
    /// Check the configuration: window bits in 8..=15.
    pub fn is_valid(&self) -> bool {
        (8..=15).contains(&self.client_max_window_bits) && (8..=15).contains(&self.server_max_window_bits)
    }

    /// The client's `Sec-WebSocket-Extensions` value, written into `out`:
    /// `permessage-deflate` with the parameters this configuration asks for, and
    /// always `client_max_window_bits` (so that a server may limit the client's
    /// window). Window bits outside 8..=15 are clamped.
    ///
    /// ```
    /// use nexus_net::ws::deflate::{DeflateConfig, MAX_EXTENSION_HEADER_LEN};
    /// let config = DeflateConfig { server_no_context_takeover: true, server_max_window_bits: 10, ..Default::default() };
    /// let mut buf = [0u8; MAX_EXTENSION_HEADER_LEN];
    /// assert_eq!(
    ///     config.offer(&mut buf),
    ///     "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"
    /// );
    /// ```
    pub fn offer<'o>(&self, out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN]) -> &'o str {
        let mut w = Out { buf: out, len: 0 };
        w.put(PERMESSAGE_DEFLATE);
        if self.client_no_context_takeover {
            w.put("; client_no_context_takeover");
        }
        if self.server_no_context_takeover {
            w.put("; server_no_context_takeover");
        }
        if self.server_max_window_bits < 15 {
            w.put("; server_max_window_bits=");
            w.put_bits(self.server_max_window_bits.clamp(8, 15));
        }
        w.put("; client_max_window_bits");
        if self.client_max_window_bits < 15 {
            w.put("=");
            w.put_bits(self.client_max_window_bits.clamp(8, 15));
        }
        w.finish()
    }

    /// Client side: validate the server's `Sec-WebSocket-Extensions` values (every
    /// such header of the `101`, in order) against the offer this configuration
    /// made. `Ok(None)`: the server declined compression.
    ///
    /// # Errors
    /// [`HandshakeError::Deflate`] with the reason: another or a second extension,
    /// unknown or duplicate parameters, window bits outside 8..=15 or above what was
    /// requested, `client_max_window_bits` that was not offered, a requested
    /// parameter missing.
    pub fn check_response<'h>(
        &self,
        headers: impl IntoIterator<Item = &'h [u8]>,
    ) -> Result<Option<DeflateParams>, HandshakeError> {
        let mut agreed = None;
        for value in headers {
            let mut list = ExtensionList { rest: value, failed: false };
            while let Some(element) = list.next_element() {
                let (name, params) = element.map_err(HandshakeError::Deflate)?;
                if !name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE.as_bytes()) || agreed.is_some() {
                    return Err(HandshakeError::Deflate(DeflateReject::UnsolicitedExtension));
                }
                agreed = Some(self.check_answer(&params).map_err(HandshakeError::Deflate)?);
            }
            if list.failed {
                return Err(HandshakeError::Deflate(DeflateReject::Syntax));
            }
        }
        Ok(agreed)
    }

    fn check_answer(&self, answer: &Params<'_>) -> Result<DeflateParams, DeflateReject> {
        let answer = answer.parse_offer()?;
        if self.server_no_context_takeover && !answer.server_no_context_takeover {
            return Err(DeflateReject::NotAsRequested);
        }
        let server_bits = match answer.server_max_window_bits {
            Some(bits) if bits > self.server_max_window_bits => return Err(DeflateReject::NotAsRequested),
            Some(bits) => bits,
            None if self.server_max_window_bits < 15 => return Err(DeflateReject::NotAsRequested),
            None => 15,
        };
        // The offer always carries client_max_window_bits, with our value when < 15.
        let client_bits = match answer.client_max_window_bits {
            Some(None) => return Err(DeflateReject::InvalidValue),
            Some(Some(bits)) => bits.min(self.client_max_window_bits),
            None => self.client_max_window_bits,
        };
        Ok(DeflateParams {
            client_no_context_takeover: self.client_no_context_takeover || answer.client_no_context_takeover,
            server_no_context_takeover: answer.server_no_context_takeover,
            client_max_window_bits: client_bits,
            server_max_window_bits: server_bits,
        })
    }
}

/// Server side: choose among the client's offers (every `Sec-WebSocket-Extensions`
/// value of the request, in order; see
/// [`UpgradeRequest::headers`](super::super::handshake::UpgradeRequest::headers)).
/// The first permessage-deflate offer whose parameters are valid wins; invalid
/// ones (unknown or duplicate parameters, bad values) are declined, as are other
/// extensions. A header that is not a valid extension list is ignored whole.
///
/// Returns the agreed parameters and the response header value (written into
/// `out`) for [`write_accept_with_extensions`](super::super::handshake::write_accept_with_extensions),
/// or `None` to answer without compression.
///
/// ```
/// use nexus_net::ws::deflate::{accept_offers, DeflateConfig, MAX_EXTENSION_HEADER_LEN};
/// let offers: [&[u8]; 1] = [b"permessage-deflate; foo, permessage-deflate; client_max_window_bits"];
/// let mut out = [0u8; MAX_EXTENSION_HEADER_LEN];
/// let config = DeflateConfig { client_max_window_bits: 12, ..Default::default() };
/// let (params, header) = accept_offers(&config, offers, &mut out).expect("second offer accepted");
/// assert_eq!(header, "permessage-deflate; client_max_window_bits=12");
/// assert_eq!(params.client_max_window_bits, 12);
/// ```
pub fn accept_offers<'h, 'o>(
    config: &DeflateConfig,
    headers: impl IntoIterator<Item = &'h [u8]>,
    out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN],
) -> Option<(DeflateParams, &'o str)> {
    for value in headers {
        let mut list = ExtensionList { rest: value, failed: false };
        while let Some(element) = list.next_element() {
            let Ok((name, params)) = element else { break };
            if !name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE.as_bytes()) {
                continue;
            }
            let Ok(offer) = params.parse_offer() else { continue };
            let server_bits = match offer.server_max_window_bits {
                Some(bits) => bits.min(config.server_max_window_bits),
                None => config.server_max_window_bits,
            };
            let client_bits = match offer.client_max_window_bits {
                Some(Some(bits)) => bits.min(config.client_max_window_bits),
                Some(None) => config.client_max_window_bits,
                // The client can't be limited: it compresses with up to 15 bits.
                None => 15,
            };
            let params = DeflateParams {
                client_no_context_takeover: config.client_no_context_takeover || offer.client_no_context_takeover,
                server_no_context_takeover: config.server_no_context_takeover || offer.server_no_context_takeover,
                client_max_window_bits: client_bits,
                server_max_window_bits: server_bits,
            };
            let header = params.write_response(&offer, out);
            return Some((params, header));
        }
    }
    None
}

/// [`accept_offers`] over the `Sec-WebSocket-Extensions` headers of `request`.
pub fn accept_request<'o>(
    config: &DeflateConfig,
    request: &UpgradeRequest<'_>,
    out: &'o mut [u8; MAX_EXTENSION_HEADER_LEN],
) -> Option<(DeflateParams, &'o str)> {
    let offers = request.headers().filter(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-extensions"));
    accept_offers(config, offers.map(|(_, value)| value), out)
}

/// A bounded writer for header values we compose (always short).
struct Out<'o> {
    buf: &'o mut [u8; MAX_EXTENSION_HEADER_LEN],
    len: usize,
}

impl<'o> Out<'o> {
    fn put(&mut self, s: &str) {
        // Every value written here is far below the capacity.
        let end = (self.len + s.len()).min(self.buf.len());
        self.buf[self.len..end].copy_from_slice(&s.as_bytes()[..end - self.len]);
        self.len = end;
    }

    fn put_bits(&mut self, bits: u8) {
        let digits = [b'0' + bits / 10, b'0' + bits % 10];
        let s = if bits >= 10 { &digits[..] } else { &digits[1..] };
        self.put(core::str::from_utf8(s).unwrap_or("15"));
    }

    fn finish(self) -> &'o str {
        // Only ASCII was put.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or(PERMESSAGE_DEFLATE)
    }
}

/// A cursor over one `Sec-WebSocket-Extensions` value.
struct ExtensionList<'a> {
    rest: &'a [u8],
    failed: bool,
}

/// The parameters of one element, still unparsed (between the name and the `,`).
struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> ExtensionList<'a> {
    /// The next element's name and parameters; `Err` (and the list ends) on a
    /// syntax error.
    fn next_element(&mut self) -> Option<Result<(&'a [u8], Params<'a>), DeflateReject>> {
        if self.failed {
            return None;
        }
        loop {
            self.rest = skip_ows(self.rest);
            match self.rest.first() {
                None => return None,
                Some(b',') => self.rest = &self.rest[1..],
                Some(_) => break,
            }
        }
        let result = self.element();
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }

    fn element(&mut self) -> Result<(&'a [u8], Params<'a>), DeflateReject> {
        let (name, rest) = take_token(self.rest).ok_or(DeflateReject::Syntax)?;
        let params_start = rest;
        let mut rest = rest;
        loop {
            rest = skip_ows(rest);
            match rest.first() {
                None | Some(b',') => break,
                Some(b';') => {
                    let (_, _, after) = take_param(&rest[1..])?;
                    rest = after;
                }
                Some(_) => return Err(DeflateReject::Syntax),
            }
        }
        let params = Params { rest: &params_start[..params_start.len() - rest.len()] };
        self.rest = rest;
        Ok((name, params))
    }
}

/// A parameter value: a token, or the contents of a quoted-string with its
/// escapes still in (`\x`); only digits matter here.
#[derive(Clone, Copy)]
enum Value<'a> {
    Token(&'a [u8]),
    Quoted(&'a [u8]),
}

impl Value<'_> {
    /// A window size: `8`..`15`, no leading zero, quoted or not.
    fn window_bits(self) -> Option<u8> {
        let mut digits = [0u8; 2];
        let mut n = 0;
        let (bytes, quoted) = match self {
            Value::Token(b) => (b, false),
            Value::Quoted(b) => (b, true),
        };
        let mut i = 0;
        while i < bytes.len() {
            let mut b = bytes[i];
            if quoted && b == b'\\' {
                i += 1;
                b = *bytes.get(i)?;
            }
            if n == 2 || !b.is_ascii_digit() {
                return None;
            }
            digits[n] = b;
            n += 1;
            i += 1;
        }
        let bits = match &digits[..n] {
            [d] => d - b'0',
            [b'1', d] => 10 + (d - b'0'),
            _ => return None,
        };
        (8..=15).contains(&bits).then_some(bits)
    }
}

impl Params<'_> {
    fn parse_offer(&self) -> Result<Offer, DeflateReject> {
        let mut offer = Offer::default();
        let mut seen = [false; 4];
        let mut rest = self.rest;
        loop {
            rest = skip_ows(rest);
            let Some(after_semi) = rest.strip_prefix(b";") else { break };
            let (name, value, after) = take_param(after_semi)?;
            rest = after;
            let slot = if name.eq_ignore_ascii_case(b"server_no_context_takeover") {
                0
            } else if name.eq_ignore_ascii_case(b"client_no_context_takeover") {
                1
            } else if name.eq_ignore_ascii_case(b"server_max_window_bits") {
                2
            } else if name.eq_ignore_ascii_case(b"client_max_window_bits") {
                3
            } else {
                return Err(DeflateReject::UnknownParam);
            };
            if core::mem::replace(&mut seen[slot], true) {
                return Err(DeflateReject::DuplicateParam);
            }
            match (slot, value) {
                (0, None) => offer.server_no_context_takeover = true,
                (1, None) => offer.client_no_context_takeover = true,
                (2, Some(v)) => {
                    offer.server_max_window_bits = Some(v.window_bits().ok_or(DeflateReject::InvalidValue)?)
                }
                (3, None) => offer.client_max_window_bits = Some(None),
                (3, Some(v)) => {
                    offer.client_max_window_bits = Some(Some(v.window_bits().ok_or(DeflateReject::InvalidValue)?))
                }
                _ => return Err(DeflateReject::InvalidValue),
            }
        }
        Ok(offer)
    }
}

fn skip_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

fn take_token(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let s = skip_ows(s);
    let n = s.iter().position(|&b| !super::super::handshake::is_tchar(b)).unwrap_or(s.len());
    (n > 0).then(|| s.split_at(n))
}

/// A parameter's name, its value, and what follows it.
type Param<'a> = (&'a [u8], Option<Value<'a>>, &'a [u8]);

/// `name [= value]` after a `;`.
fn take_param(s: &[u8]) -> Result<Param<'_>, DeflateReject> {
    let (name, rest) = take_token(s).ok_or(DeflateReject::Syntax)?;
    let rest = skip_ows(rest);
    let Some(rest) = rest.strip_prefix(b"=") else { return Ok((name, None, rest)) };
    let rest = skip_ows(rest);
    if let Some(quoted) = rest.strip_prefix(b"\"") {
        let mut i = 0;
        while i < quoted.len() {
            match quoted[i] {
                b'"' => return Ok((name, Some(Value::Quoted(&quoted[..i])), &quoted[i + 1..])),
                b'\\' => i += 2,
                b if b < 0x20 && b != b'\t' => return Err(DeflateReject::Syntax),
                _ => i += 1,
            }
        }
        return Err(DeflateReject::Syntax);
    }
    let (value, rest) = take_token(rest).ok_or(DeflateReject::Syntax)?;
    Ok((name, Some(Value::Token(value)), rest))
}
