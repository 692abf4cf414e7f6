//! The headers that decide how a response body is delimited (RFC 9112 section 6)
//! and whether the connection may be reused (RFC 9112 section 9.3).

use super::HttpError;

/// The headers that decide body framing and reuse, collected in one pass.
#[derive(Default)]
pub(super) struct FramingHeaders {
    pub(super) content_length: Option<usize>,
    pub(super) transfer_encoding: bool,
    /// Number of transfer codings listed.
    pub(super) codings: usize,
    pub(super) chunked_last: bool,
    /// `Connection: close` (reuse is off, whatever else is said).
    pub(super) close: bool,
    /// `Connection: keep-alive` (what makes an HTTP/1.0 connection reusable).
    pub(super) keep_alive: bool,
}

impl FramingHeaders {
    /// Cheap pre-filter on the name's length and first letter: only `Connection`
    /// (10), `Content-Length` (14) and `Transfer-Encoding` (17) are looked at.
    #[inline(always)]
    pub(super) fn may_matter(name: &[u8]) -> bool {
        const LENGTHS: u32 = 1 << 10 | 1 << 14 | 1 << 17;
        let len = name.len();
        if len >= 32 || LENGTHS & (1 << len) == 0 {
            return false;
        }
        let first = name[0] | 0x20;
        first == if len == 17 { b't' } else { b'c' }
    }

    #[inline]
    pub(super) fn observe(&mut self, name: &[u8], value: &[u8]) -> Result<(), HttpError> {
        match name.len() {
            14 if token_eq(name, b"content-length") => {
                let n = match plain_decimal(value) {
                    Some(n) => n, // the common case: one plain number
                    None => parse_length_list(value)?,
                };
                match self.content_length {
                    Some(prev) if prev != n => return Err(HttpError::ConflictingContentLength),
                    _ => self.content_length = Some(n),
                }
            }
            17 if token_eq(name, b"transfer-encoding") => {
                self.transfer_encoding = true;
                if token_eq(value, b"chunked") {
                    // The common case: one coding.
                    self.codings += 1;
                    self.chunked_last = true;
                    return Ok(());
                }
                for item in value.split(|&b| b == b',') {
                    let coding = trim_ows(item);
                    if coding.is_empty() {
                        continue; // empty list elements are allowed (RFC 9110 5.6.1)
                    }
                    self.codings += 1;
                    self.chunked_last = coding.eq_ignore_ascii_case(b"chunked");
                }
            }
            10 if token_eq(name, b"connection") => {
                if token_eq(value, b"keep-alive") {
                    self.keep_alive = true; // the common case: one option
                } else {
                    for option in value.split(|&b| b == b',') {
                        let option = trim_ows(option);
                        self.close |= token_eq(option, b"close");
                        self.keep_alive |= token_eq(option, b"keep-alive");
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Case-insensitive comparison of a token with a lowercase name made only of
/// letters and `-`: OR-ing 0x20 lowercases letters and keeps `-`, and among token
/// characters only letters and `-` map onto letters and `-`.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline(never))]
fn token_eq(token: &[u8], lower: &[u8]) -> bool {
    #[cfg(feature = "std")]
    if let (Some(t), Some(l)) = (token.first_chunk::<8>(), lower.first_chunk::<8>()) {
        // Hosts, 8 to 16 bytes (all the names looked for): the same per-byte test on
        // two overlapping words (the first 8 and the last 8 bytes).
        let (tz, lz) = (token.last_chunk::<8>(), lower.last_chunk::<8>());
        if let (true, Some(tz), Some(lz)) = (token.len() == lower.len() && token.len() <= 16, tz, lz) {
            const CASE: u64 = 0x2020_2020_2020_2020;
            let w = |b: &[u8; 8]| u64::from_ne_bytes(*b);
            return (w(t) | CASE) == w(l) && (w(tz) | CASE) == w(lz);
        }
    }
    token.len() == lower.len() && token.iter().zip(lower).all(|(&a, &b)| a | 0x20 == b)
}

/// A value of 1 to 19 digits that fits in `usize` (no overflow check per digit:
/// 19 digits fit in a `u64`); `None` for anything else, which
/// [`parse_length_list`] then parses or refuses.
#[inline(always)]
fn plain_decimal(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    usize::try_from(n).ok()
}

/// A list of identical values ("5, 5") is tolerated (RFC 9110 section 8.6); also
/// any single value [`plain_decimal`] does not take (its error is the error).
#[cold]
fn parse_length_list(value: &[u8]) -> Result<usize, HttpError> {
    let mut found = None;
    for item in value.split(|&b| b == b',') {
        let n = parse_decimal(trim_ows(item))?;
        match found {
            Some(prev) if prev != n => return Err(HttpError::ConflictingContentLength),
            _ => found = Some(n),
        }
    }
    found.ok_or(HttpError::InvalidContentLength)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn parse_decimal(s: &[u8]) -> Result<usize, HttpError> {
    if s.is_empty() {
        return Err(HttpError::InvalidContentLength);
    }
    let mut n: usize = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return Err(HttpError::InvalidContentLength);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(usize::from(b - b'0')))
            .ok_or(HttpError::ContentLengthOverflow)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    /// The Content-Length parse before `plain_decimal`: the reference.
    fn old_length(value: &[u8]) -> Result<usize, HttpError> {
        if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
            parse_decimal(value)
        } else {
            parse_length_list(value)
        }
    }

    fn new_length(value: &[u8]) -> Result<Option<usize>, HttpError> {
        let mut f = FramingHeaders::default();
        f.observe(b"Content-Length", value)?;
        Ok(f.content_length)
    }

    /// Every byte value at every position of values of 1 to 22 digits (around the
    /// 19-digit limit of the fast path and `usize`'s range), plus the edge values.
    #[test]
    fn plain_decimal_agrees_with_the_general_parse() {
        let mut values: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"0".to_vec(),
            b"9999999999999999999".to_vec(),
            b"18446744073709551615".to_vec(),
            b"18446744073709551616".to_vec(),
            b"4294967295".to_vec(),
            b"4294967296".to_vec(),
            b"5, 5".to_vec(),
            b" 5".to_vec(),
            b"5 ".to_vec(),
        ];
        for len in 1..=22 {
            let base: Vec<u8> = (0..len).map(|i| b"1234567890"[i % 10]).collect();
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut v = base.clone();
                    v[at] = b;
                    values.push(v);
                }
            }
        }
        for v in &values {
            assert_eq!(new_length(v), old_length(v).map(Some), "{v:?}");
        }
    }
}
