//! What the request writer may write: header names and values, paths, queries and
//! hosts are checked before a byte of them is copied.

use super::{is_tchar, HttpError};
use crate::rest::RestError;

/// The first error a builder met, reported by `finish`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fault {
    TooLarge,
    Crlf,
    Url(&'static str),
    Http(HttpError),
    BodyWrite,
}

pub(super) const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[inline]
pub(super) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

#[inline]
pub(super) fn is_crlf_nul(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | 0)
}

/// Decimal digits of `n`, written at the end of `out`.
pub(super) fn itoa(mut n: usize, out: &mut [u8; 20]) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &out[i..];
        }
    }
}

pub(super) fn check_host(host: &[u8]) -> Result<(), RestError> {
    if host.iter().any(|&b| is_crlf_nul(b)) {
        return Err(RestError::CrlfInjection);
    }
    if host.is_empty() {
        return Err(RestError::InvalidUrl("empty host"));
    }
    let ok =
        host.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'[' | b']' | b'%'));
    if ok {
        Ok(())
    } else {
        Err(RestError::InvalidUrl("host has a character a host name can't have"))
    }
}

/// Path and raw-query bytes: printable ASCII but space and `#`.
pub(super) fn check_target(s: &[u8]) -> Result<(), Fault> {
    for &b in s {
        if is_crlf_nul(b) {
            return Err(Fault::Crlf);
        }
        if !(0x21..0x7f).contains(&b) || b == b'#' {
            return Err(Fault::Url("space, '#', control or non-ASCII byte in the path or query; percent-encode it"));
        }
    }
    Ok(())
}

pub(super) fn check_query_raw(s: &[u8]) -> Result<(), Fault> {
    check_target(s)
}

pub(super) fn check_query_encoded(s: &[u8]) -> Result<(), Fault> {
    if s.iter().any(|&b| is_crlf_nul(b)) {
        Err(Fault::Crlf)
    } else {
        Ok(())
    }
}

pub(super) fn check_header(name: &[u8], value: &[u8]) -> Result<(), Fault> {
    if name.iter().chain(value).any(|&b| is_crlf_nul(b)) {
        return Err(Fault::Crlf);
    }
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(Fault::Http(HttpError::InvalidHeaderName));
    }
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Fault::Http(HttpError::InvalidHeaderValue));
    }
    if name.eq_ignore_ascii_case(b"host")
        || name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"transfer-encoding")
    {
        return Err(Fault::Http(HttpError::ReservedHeader));
    }
    Ok(())
}

/// For the checks run outside a builder (base path, default headers); `TooLarge`
/// never comes from a check.
impl From<Fault> for RestError {
    fn from(f: Fault) -> Self {
        match f {
            Fault::TooLarge => RestError::RequestTooLarge { needed: 0, capacity: 0 },
            Fault::Crlf => RestError::CrlfInjection,
            Fault::Url(why) => RestError::InvalidUrl(why),
            Fault::Http(e) => RestError::Http(e),
            Fault::BodyWrite => RestError::BodyWrite,
        }
    }
}
