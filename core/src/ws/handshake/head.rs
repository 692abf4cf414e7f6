//! Byte-level pieces both roles share: a bounded writer, HTTP token and value
//! checks, token-list matching.

use super::HandshakeError;

/// Appends to a caller buffer; running out of room is an error (from
/// [`finish`](Self::finish)), never a panic. The pieces themselves return nothing:
/// one check at the end instead of an error branch after each of some twenty pieces.
pub(crate) struct Writer<'o> {
    out: &'o mut [u8],
    pos: usize,
    overflow: bool,
}

impl<'o> Writer<'o> {
    pub(crate) fn new(out: &'o mut [u8]) -> Self {
        Self { out, pos: 0, overflow: false }
    }

    // Never inlined: a request head is some twenty `put`s, and each inlined copy
    // (bounds check, copy) costs more code than the call.
    #[inline(never)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        match self.pos.checked_add(bytes.len()).filter(|&end| end <= self.out.len()) {
            Some(end) => {
                self.out[self.pos..end].copy_from_slice(bytes);
                self.pos = end;
            }
            None => self.overflow = true,
        }
    }

    pub(crate) fn put_str(&mut self, s: &str) {
        self.put(s.as_bytes())
    }

    /// A decimal number without leading zeros.
    pub(crate) fn put_u16(&mut self, n: u16) {
        let mut digits = [0u8; 5];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(&digits[i..])
    }

    /// `name: value\r\n`; the caller has validated both.
    pub(crate) fn header(&mut self, name: &str, value: &[u8]) {
        self.put_str(name);
        self.put(b": ");
        self.put(value);
        self.put(b"\r\n")
    }

    /// The length written, or [`HandshakeError::BufferTooSmall`] when a piece did
    /// not fit (the buffer's contents are then unspecified).
    pub(crate) fn finish(&self) -> Result<usize, HandshakeError> {
        if self.overflow {
            Err(HandshakeError::BufferTooSmall)
        } else {
            Ok(self.pos)
        }
    }
}

/// RFC 9110 `tchar`.
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// A non-empty HTTP token (header names, subprotocol names).
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// A header value that is safe to write: no control characters but HTAB (in
/// particular no CR, LF or NUL, which would end or split the header).
pub(crate) fn is_safe_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Validate a caller-supplied extra header for writing.
pub(crate) fn check_extra_header(name: &str, value: &str, reserved: &[&str]) -> Result<(), HandshakeError> {
    if !is_token(name.as_bytes()) {
        return Err(HandshakeError::InvalidHeaderName);
    }
    if !is_safe_value(value.as_bytes()) {
        return Err(HandshakeError::InvalidHeaderValue);
    }
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(HandshakeError::ReservedHeader);
    }
    Ok(())
}

/// The index in `names` (lower case) of header name `name`, compared without
/// regard to case; one loop instead of a comparison inlined per name.
pub(crate) fn name_index(name: &[u8], names: &[&str]) -> Option<usize> {
    names.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(name))
}

/// Strip optional whitespace (SP / HTAB) at both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The non-empty elements of a comma-separated header list (RFC 9110 section 5.6.1:
/// empty elements are ignored), whitespace-trimmed.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim_ows).filter(|e| !e.is_empty())
}

/// Whether a comma-separated list contains `token`, ignoring ASCII case.
pub(crate) fn list_has_token(value: &[u8], token: &str) -> bool {
    list_elements(value).any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_bounds() {
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        w.put(b"abc");
        w.put_u16(65535);
        assert_eq!(w.finish(), Ok(8));
        w.put(b"x");
        assert_eq!(w.finish(), Err(HandshakeError::BufferTooSmall));
        // A later piece that fits does not clear the overflow.
        w.put(b"");
        assert_eq!(w.finish(), Err(HandshakeError::BufferTooSmall));
        assert_eq!(&buf, b"abc65535");
        let mut buf = [0u8; 1];
        let mut w = Writer::new(&mut buf);
        w.put_u16(0);
        assert_eq!(w.finish(), Ok(1));
        assert_eq!(&buf, b"0");
    }

    #[test]
    fn tokens_and_values() {
        assert!(is_token(b"Sec-WebSocket-Key"));
        assert!(is_token(b"v10.stomp"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a b"));
        assert!(!is_token(b"a:b"));
        assert!(!is_token(b"a,b"));
        assert!(!is_token("é".as_bytes()));
        assert!(is_safe_value(b"any value\twith tab, and \"quotes\""));
        assert!(is_safe_value("caf\u{e9}".as_bytes()));
        for bad in [&b"a\rb"[..], b"a\nb", b"a\0b", b"\x7f", b"\x1b[0m"] {
            assert!(!is_safe_value(bad), "{bad:?}");
        }
    }

    #[test]
    fn token_lists() {
        assert!(list_has_token(b"keep-alive, Upgrade", "upgrade"));
        assert!(list_has_token(b" ,UPGRADE,", "upgrade"));
        assert!(!list_has_token(b"keep-alive", "upgrade"));
        assert!(!list_has_token(b"upgraded", "upgrade"));
        assert!(!list_has_token(b"", "upgrade"));
        let v: [&[u8]; 2] = [b"a", b"b c"];
        assert!(list_elements(b" a ,, b c ,").eq(v));
        assert_eq!(trim_ows(b" \t x y\t "), b"x y");
        assert_eq!(trim_ows(b"   "), b"");
    }

    #[test]
    fn extra_header_checks() {
        let reserved = ["Host", "Upgrade"];
        assert_eq!(check_extra_header("X-Api-Key", "k", &reserved), Ok(()));
        assert_eq!(check_extra_header("X Api", "k", &reserved), Err(HandshakeError::InvalidHeaderName));
        assert_eq!(check_extra_header("", "k", &reserved), Err(HandshakeError::InvalidHeaderName));
        assert_eq!(check_extra_header("X", "a\r\nEvil: 1", &reserved), Err(HandshakeError::InvalidHeaderValue));
        assert_eq!(check_extra_header("host", "x", &reserved), Err(HandshakeError::ReservedHeader));
    }
}
