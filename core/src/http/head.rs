//! HTTP/1.x head parser: status line (or request line) and header lines, recorded as
//! 16-bit offsets into the head.
//!
//! It accepts and refuses exactly what `httparse` 1.10 does with its default
//! configuration (checked by a differential fuzz target, `core/fuzz/fuzz_targets/
//! http_head_diff.rs`, and a property test), reports the same errors at the same
//! points of partial input, and adds two things: a header line that starts with SP
//! or HTAB is reported as [`HttpError::ObsFold`], and request-line errors as
//! [`HttpError::InvalidRequestLine`].
//!
//! What it does differently is how: header positions are written directly as
//! [`HeaderSpan`]s (no slices to convert), the instruction set is chosen once per
//! head rather than per header, and header values and reason phrases are scanned 16
//! or 32 bytes at a time (SSE2, or AVX2 when detected at run time with `std`; eight
//! bytes per word elsewhere, e.g. on Cortex-M) for the first byte that is not allowed
//! in a value (a control byte other than HTAB, or DEL), which is also how the line
//! end is found.
//!
//! Not resumable: on `Ok(None)` (incomplete) the caller parses again from the start
//! when more bytes have arrived. Heads are limited to 65535 bytes (the offsets are
//! 16-bit): a longer input is parsed up to that length, so a head that does not end
//! within it is reported as incomplete, which the caller turns into "head too large".
//!
//! ```
//! use nexus_net::http::head::{parse_response_head, HeaderSpan};
//! let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\nok";
//! let mut spans = [HeaderSpan::default(); 8];
//! let head = parse_response_head(wire, &mut spans).unwrap().expect("complete");
//! assert_eq!((head.status, head.headers, head.len), (200, 2, wire.len() - 2));
//! assert_eq!(head.reason(wire), b"OK");
//! assert_eq!(spans[1].name(wire), b"X-A");
//! assert_eq!(spans[1].value(wire), b"b"); // surrounding whitespace trimmed
//! // Incomplete input is not an error; a bad byte is, as soon as it is seen.
//! assert_eq!(parse_response_head(b"HTTP/1.1 200 OK\r\nX-A: b", &mut spans), Ok(None));
//! assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nX-A: \0", &mut spans).is_err());
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

use super::{HttpError, Version};

/// Positions of one header line in the head: `name` and `value` are byte offsets
/// from the start of the parsed input. The value excludes the surrounding
/// whitespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HeaderSpan {
    /// Offset of the name.
    pub name: u16,
    /// Length of the name.
    pub name_len: u16,
    /// Offset of the value.
    pub value: u16,
    /// Length of the value.
    pub value_len: u16,
}

impl HeaderSpan {
    /// The name's bytes in `head` (the input that was parsed).
    ///
    /// # Panics
    /// If `head` is not (a prefix covering) the parsed input.
    #[inline]
    pub fn name<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        &head[self.name_range()]
    }

    /// The value's bytes in `head` (the input that was parsed).
    ///
    /// # Panics
    /// If `head` is not (a prefix covering) the parsed input.
    #[inline]
    pub fn value<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        &head[self.value_range()]
    }

    #[inline]
    pub(super) fn name_range(&self) -> core::ops::Range<usize> {
        usize::from(self.name)..usize::from(self.name) + usize::from(self.name_len)
    }

    #[inline]
    pub(super) fn value_range(&self) -> core::ops::Range<usize> {
        usize::from(self.value)..usize::from(self.value) + usize::from(self.value_len)
    }
}

/// A parsed response head (status line and headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHead {
    /// Length of the head, its final empty line included (leading empty lines, which
    /// are skipped, count too): the body starts here.
    pub len: usize,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The three-digit status code (any three digits).
    pub status: u16,
    /// Offset and length of the reason phrase; empty when absent or when it holds
    /// bytes above 0x7F.
    pub reason: (u16, u16),
    /// Number of header lines written to the front of the spans.
    pub headers: usize,
}

impl ResponseHead {
    /// The reason phrase's bytes in `head` (the input that was parsed).
    pub fn reason<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        let (off, len) = (usize::from(self.reason.0), usize::from(self.reason.1));
        &head[off..off + len]
    }
}

/// A parsed request head (request line and headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestHead {
    /// Length of the head, its final empty line included (leading empty lines, which
    /// are skipped, count too).
    pub len: usize,
    /// Offset and length of the method (a token).
    pub method: (u16, u16),
    /// Offset and length of the request target (visible ASCII or UTF-8, non-empty).
    pub target: (u16, u16),
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// Number of header lines written to the front of the spans.
    pub headers: usize,
}

/// Parses a response head from the start of `buf`.
///
/// Returns `Ok(Some(head))` when the head is complete (header positions are in
/// `spans[..head.headers]`), `Ok(None)` when more bytes are needed (also when
/// `buf` holds 65535 bytes or more without the end of a head), and an error as soon
/// as the bytes seen are malformed.
///
/// # Errors
/// [`HttpError::InvalidVersion`], [`InvalidStatusLine`](HttpError::InvalidStatusLine),
/// [`InvalidHeaderName`](HttpError::InvalidHeaderName),
/// [`InvalidHeaderValue`](HttpError::InvalidHeaderValue) (a control byte, or a CR not
/// followed by LF, in a value), [`InvalidLineEnding`](HttpError::InvalidLineEnding),
/// [`ObsFold`](HttpError::ObsFold), or [`TooManyHeaders`](HttpError::TooManyHeaders)
/// when a complete header line does not fit in `spans`.
// Without `std` (firmware), one out-of-line copy: the WebSocket handshake and the
// HTTP response reader both call it, and inlining it into each links two head
// parsers (about 1 KiB of `.text` on thumbv7em). Hosts keep it inlined.
#[cfg_attr(feature = "std", inline)]
#[cfg_attr(not(feature = "std"), inline(never))]
pub fn parse_response_head(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<ResponseHead>, HttpError> {
    let buf = clamp(buf);
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected on this CPU.
        return unsafe { response_avx2(buf, spans) };
    }
    response::<Best>(buf, spans)
}

/// Parses a request head from the start of `buf`; see [`parse_response_head`].
///
/// # Errors
/// As [`parse_response_head`], with [`HttpError::InvalidRequestLine`] for a method
/// or request target that is not well formed.
#[inline]
pub fn parse_request_head(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<RequestHead>, HttpError> {
    let buf = clamp(buf);
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected on this CPU.
        return unsafe { request_avx2(buf, spans) };
    }
    request::<Best>(buf, spans)
}

/// Parses header lines (or trailer fields) from the start of `buf` up to and
/// including the empty line that ends them: `Ok(Some((length, count)))`, positions in
/// `spans[..count]`. Same rules and errors as the header part of
/// [`parse_response_head`].
///
/// # Errors
/// As [`parse_response_head`], for the header lines.
#[inline]
pub fn parse_fields(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<(usize, usize)>, HttpError> {
    headers::<Best>(clamp(buf), 0, spans)
}

/// Offsets are 16-bit: parse at most the first 65535 bytes.
#[inline(always)]
fn clamp(buf: &[u8]) -> &[u8] {
    &buf[..buf.len().min(usize::from(u16::MAX))]
}

#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
unsafe fn response_avx2(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<ResponseHead>, HttpError> {
    response::<Avx2>(buf, spans)
}

#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
unsafe fn request_avx2(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<RequestHead>, HttpError> {
    request::<Avx2>(buf, spans)
}

/// Incomplete input: `Ok(None)` out of the enclosing parser.
macro_rules! need {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

// ---- byte classes (httparse's, default configuration) ----

/// RFC 9110 `tchar`.
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        i += 1;
    }
    t
};

/// A byte allowed in a header value or reason phrase: HTAB, SP, VCHAR, obs-text.
#[inline(always)]
const fn is_value(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// A byte allowed in a request target: VCHAR and obs-text.
#[inline(always)]
const fn is_target(b: u8) -> bool {
    b > 0x20 && b != 0x7f
}

/// How the value scan is done; one implementation per instruction set, chosen once
/// per head.
trait Scan {
    /// The first index `>= pos` whose byte is not [`is_value`], or `buf.len()`.
    fn skip_value(buf: &[u8], pos: usize) -> usize;

    /// The fast path of one header line at `pos` (hosts with a byte-shuffle
    /// instruction): `Some(line)` when the bytes from `pos` are a non-empty token,
    /// `:`, optional SP/HTAB and the value's first byte, all within one window.
    /// Anything else (too close to the end of the input, a long name, a byte that is
    /// not a token before the colon) is `None`, and the general code parses the line
    /// from `pos`, so every error comes from one place.
    #[inline(always)]
    fn header_line(buf: &[u8], pos: usize) -> Option<Line> {
        let _ = (buf, pos);
        None
    }

    /// The fast path of the status line (hosts, with `header_line`): `Some` when
    /// the input starts with `HTTP/1.1 ` or `HTTP/1.0 `, three digits, a SP, and a
    /// reason phrase and CRLF within one window after it. Anything else is `None`,
    /// and the general code parses the status line from the start.
    #[inline(always)]
    fn status_line(buf: &[u8]) -> Option<StatusLine> {
        let _ = buf;
        None
    }
}

/// A parsed status line.
#[derive(Clone, Copy)]
struct StatusLine {
    version: Version,
    status: u16,
    /// Offset and length of the reason phrase, empty when it holds obs-text.
    reason: (u16, u16),
    /// The start of the next line.
    next: usize,
}

/// One header line found by [`Scan::header_line`] (indices into the input).
#[derive(Clone, Copy)]
struct Line {
    /// The colon after the name (which starts at the line's start).
    colon: usize,
    /// The value's first byte (the first byte after the colon that is not SP/HTAB).
    value: usize,
    /// With `next != 0`: the end of the value without its trailing SP/HTAB.
    /// Otherwise the first byte at or after `value` that is not [`is_value`] (or the
    /// input's length): the caller checks the line end there and trims the value.
    end: usize,
    /// The start of the next line when the value and a CRLF right after it lie
    /// within the window; 0 otherwise.
    next: usize,
}

/// Whether the one-window header line fast path is compiled in: hosts only, so
/// firmware keeps the smaller byte loop alone (its size budget is tight).
const FAST_LINE: bool = cfg!(not(target_os = "none"));

/// The byte-shuffle tables that test membership of a byte set whose members all lie
/// in `0x20..0x80`: byte `b` is in the set iff `LO[b & 15] & HI[b >> 4] != 0` (bit
/// `h - 2` of the low-nibble entry says whether `h << 4 | l` is a member, for high
/// nibbles 2 to 7). Each table is repeated for both 128-bit lanes of an AVX2
/// register. Used for `tchar` here and for the query's unreserved bytes
/// (`validate.rs`).
#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
pub(super) const fn nibble_tables(member: &[bool; 256]) -> [[u8; 32]; 2] {
    let mut lo = [0u8; 32];
    let mut hi = [0u8; 32];
    let mut b = 0;
    while b < 256 {
        if member[b] {
            let (h, l) = (b >> 4, b & 15);
            assert!(h >= 2 && h < 8, "a member outside 0x20..0x80");
            lo[l] |= 1 << (h - 2);
            lo[l + 16] |= 1 << (h - 2);
        }
        b += 1;
    }
    let mut h = 2;
    while h < 8 {
        hi[h] = 1 << (h - 2);
        hi[h + 16] = 1 << (h - 2);
        h += 1;
    }
    [lo, hi]
}

/// `tchar` by nibbles (see [`nibble_tables`]).
#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
static TCHAR_NIBBLES: [[u8; 32]; 2] = nibble_tables(&TOKEN);

/// Eight bytes per `u64` word: any target.
struct Swar;

impl Scan for Swar {
    // Without `std` (firmware): one copy for the reason phrase and the header
    // values. Hosts use it as the tail of the SSE2/AVX2 scans, inlined.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn skip_value(buf: &[u8], mut pos: usize) -> usize {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        while let Some(w) = buf.get(pos..pos + 8) {
            let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            // Some byte < 0x20, or some byte == 0x7f: exact as word-level tests.
            let lt = x.wrapping_sub(LO * 0x20) & !x & HI;
            let d = x ^ (LO * 0x7f);
            let del = d.wrapping_sub(LO) & !d & HI;
            if lt | del != 0 {
                break; // the byte loop finds which (HTAB is allowed)
            }
            pos += 8;
        }
        while pos < buf.len() && is_value(buf[pos]) {
            pos += 1;
        }
        pos
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
struct Sse2;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
impl Scan for Sse2 {
    #[inline(always)]
    fn skip_value(buf: &[u8], mut pos: usize) -> usize {
        use core::arch::x86_64::*;
        while pos + 16 <= buf.len() {
            // SAFETY: 16 bytes at `pos` are in bounds; SSE2 is in the x86_64 baseline.
            let m = unsafe {
                let v = _mm_loadu_si128(buf.as_ptr().add(pos).cast());
                // v <= 0x1f (unsigned), not HTAB; or DEL.
                let ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
                let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
                let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
                _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, ctl), del)) as u32
            };
            if m != 0 {
                return pos + m.trailing_zeros() as usize;
            }
            pos += 16;
        }
        Swar::skip_value(buf, pos)
    }
}

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
struct Avx2;

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
impl Avx2 {
    /// The SP/HTAB mask and the mask of bytes that end a header value (controls but
    /// HTAB, and DEL) of the 32 bytes in `v`. Inlined into AVX2 code only, as below.
    #[inline(always)]
    fn ws_ctl(v: core::arch::x86_64::__m256i) -> (u32, u32) {
        use core::arch::x86_64::*;
        // SAFETY: register-only AVX2 operations, reached only from code compiled for
        // AVX2 on a CPU that has it (see `parse_response_head`).
        unsafe {
            let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
            let sp = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8));
            let ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0x1f)), _mm256_set1_epi8(0x1f));
            let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f));
            (
                _mm256_movemask_epi8(_mm256_or_si256(sp, tab)) as u32,
                _mm256_movemask_epi8(_mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)) as u32,
            )
        }
    }

    /// Where a value that starts at `value` and whose line ends (CR) at `end` stops,
    /// without trailing SP/HTAB (`ws`: the SP/HTAB mask from the line's start; `end >
    /// value` unless the value is empty): usually `end` itself (the byte before the CR
    /// is no SP/HTAB); otherwise after the last byte that is none, or `value`.
    #[inline(always)]
    fn trim(ws: u64, value: usize, end: usize) -> usize {
        if ws & (1 << (end - 1)) == 0 {
            return end;
        }
        let body = !ws & ((1u64 << end) - 1) & (u64::MAX << value);
        if body == 0 {
            value
        } else {
            64 - body.leading_zeros() as usize
        }
    }
}

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
impl Scan for Avx2 {
    /// Only ever inlined into `#[target_feature(enable = "avx2")]` functions (or
    /// compiled with AVX2 enabled for the whole program).
    #[inline(always)]
    fn skip_value(buf: &[u8], mut pos: usize) -> usize {
        use core::arch::x86_64::*;
        while pos + 32 <= buf.len() {
            // SAFETY: 32 bytes at `pos` are in bounds; this is only reached from code
            // compiled for AVX2 on a CPU that has it (see `parse_response_head`).
            let (_, m) = Self::ws_ctl(unsafe { _mm256_loadu_si256(buf.as_ptr().add(pos).cast()) });
            if m != 0 {
                return pos + m.trailing_zeros() as usize;
            }
            pos += 32;
        }
        Sse2::skip_value(buf, pos)
    }

    #[inline(always)]
    fn header_line(buf: &[u8], pos: usize) -> Option<Line> {
        use core::arch::x86_64::*;
        if pos + 32 > buf.len() {
            return None;
        }
        // SAFETY: 32 bytes at `pos` are in bounds; AVX2 as in `skip_value`.
        let (not_token, ws, ctl) = unsafe {
            let v = _mm256_loadu_si256(buf.as_ptr().add(pos).cast());
            let nib = _mm256_set1_epi8(0x0f);
            let lo_t = _mm256_loadu_si256(TCHAR_NIBBLES[0].as_ptr().cast());
            let hi_t = _mm256_loadu_si256(TCHAR_NIBBLES[1].as_ptr().cast());
            let lo = _mm256_shuffle_epi8(lo_t, _mm256_and_si256(v, nib));
            let hi = _mm256_shuffle_epi8(hi_t, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
            let tok = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
            let (ws, ctl) = Self::ws_ctl(v);
            (_mm256_movemask_epi8(tok) as u32, ws, ctl)
        };
        // The name: tokens up to the first byte that is not one, which must be ':'.
        let colon = not_token.trailing_zeros() as usize;
        // SAFETY: `colon < 31` is checked first, and 32 bytes at `pos` are in bounds.
        if colon == 0 || colon >= 31 || unsafe { *buf.get_unchecked(pos + colon) } != b':' {
            return None;
        }
        // The value's first byte: the first byte after the colon that is not SP/HTAB.
        let value = (!ws & (u32::MAX << (colon + 1))).trailing_zeros() as usize;
        if value >= 32 {
            return None;
        }
        // Token bytes, ':', SP and HTAB are all value bytes: the first control byte
        // is at or after `value`.
        if ctl == 0 {
            // No line end in the window: look in the next 32 bytes (lines of 33 to
            // 64 bytes are common: content types, dates, cache directives).
            if pos + 64 <= buf.len() {
                // SAFETY: 64 bytes at `pos` are in bounds; AVX2 as in `skip_value`.
                let (ws2, ctl2) = Self::ws_ctl(unsafe { _mm256_loadu_si256(buf.as_ptr().add(pos + 32).cast()) });
                if ctl2 == 0 {
                    let end = Self::skip_value(buf, pos + 64);
                    return Some(Line { colon: pos + colon, value: pos + value, end, next: 0 });
                }
                // Every byte of the first window is a value byte: the first one that
                // is not is in the second.
                let end = 32 + ctl2.trailing_zeros() as usize;
                // SAFETY: `end + 1 < 64` and 64 bytes at `pos` are in bounds.
                if end < 63 && unsafe { buf.as_ptr().add(pos + end).cast::<[u8; 2]>().read() } == *b"\r\n" {
                    // As below, over both windows (`end >= 32 > value`).
                    let trimmed = Self::trim(u64::from(ws) | u64::from(ws2) << 32, value, end);
                    return Some(Line {
                        colon: pos + colon,
                        value: pos + value,
                        end: pos + trimmed,
                        next: pos + end + 2,
                    });
                }
                return Some(Line { colon: pos + colon, value: pos + value, end: pos + end, next: 0 });
            }
            let end = Self::skip_value(buf, pos + 32);
            return Some(Line { colon: pos + colon, value: pos + value, end, next: 0 });
        }
        let end = ctl.trailing_zeros() as usize;
        // SAFETY: `end + 1 < 32` and 32 bytes at `pos` are in bounds.
        if end < 31 && unsafe { buf.as_ptr().add(pos + end).cast::<[u8; 2]>().read() } == *b"\r\n" {
            // The line ends at a CRLF in the window: the value ends after its last
            // byte that is not SP/HTAB, usually the one before the CR (`end > 1`:
            // the colon comes first). Otherwise search the mask (the byte at
            // `value` is no SP/HTAB, unless it is the CR itself: an empty value).
            let trimmed = Self::trim(u64::from(ws), value, end);
            return Some(Line { colon: pos + colon, value: pos + value, end: pos + trimmed, next: pos + end + 2 });
        }
        Some(Line { colon: pos + colon, value: pos + value, end: pos + end, next: 0 })
    }

    #[inline(always)]
    fn status_line(buf: &[u8]) -> Option<StatusLine> {
        use core::arch::x86_64::*;
        // The reason phrase's window: 32 bytes from 13.
        let h = buf.first_chunk::<{ 13 + 32 }>()?;
        let version = match u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]) {
            HTTP11 => Version::Http11,
            HTTP10 => Version::Http10,
            _ => return None,
        };
        let [b' ', a, b, c, b' '] = [h[8], h[9], h[10], h[11], h[12]] else {
            return None;
        };
        let (a, b, c) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'), c.wrapping_sub(b'0'));
        if a > 9 || b > 9 || c > 9 {
            return None;
        }
        // SAFETY: 45 bytes are in bounds; AVX2 as in `skip_value`.
        let (ctl, high) = unsafe {
            let v = _mm256_loadu_si256(h.as_ptr().add(13).cast());
            let ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0x1f)), _mm256_set1_epi8(0x1f));
            let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
            let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f));
            (
                _mm256_movemask_epi8(_mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)) as u32,
                _mm256_movemask_epi8(v) as u32,
            )
        };
        // The reason phrase ends at the first byte that is not `is_value`, which
        // must be the CR of a CRLF in the window.
        let end = ctl.trailing_zeros() as usize;
        if end >= 31 || [h[13 + end], h[14 + end]] != *b"\r\n" {
            return None;
        }
        // httparse gives an empty reason when it holds obs-text.
        let reason = if high & ((1 << end) - 1) == 0 { (13, end as u16) } else { (0, 0) };
        let status = u16::from(a) * 100 + u16::from(b) * 10 + u16::from(c);
        Some(StatusLine { version, status, reason, next: 13 + end + 2 })
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
type Best = Avx2;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2")))]
type Best = Sse2;
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
type Best = Swar;

// ---- the parser ----

/// Skips empty lines before the start line (httparse does, for both kinds).
#[inline(always)]
fn skip_empty_lines(buf: &[u8], mut pos: usize) -> Result<Option<usize>, HttpError> {
    loop {
        match need!(buf.get(pos)) {
            b'\r' => {
                if *need!(buf.get(pos + 1)) != b'\n' {
                    return Err(HttpError::InvalidLineEnding);
                }
                pos += 2;
            }
            b'\n' => pos += 1,
            _ => return Ok(Some(pos)),
        }
    }
}

const HTTP11: u64 = u64::from_le_bytes(*b"HTTP/1.1");
const HTTP10: u64 = u64::from_le_bytes(*b"HTTP/1.0");

/// `HTTP/1.0` or `HTTP/1.1` at `pos`.
#[inline(always)]
fn version(buf: &[u8], pos: usize) -> Result<Option<Version>, HttpError> {
    match buf.get(pos..pos + 8) {
        Some(v) => match u64::from_le_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]]) {
            HTTP11 => Ok(Some(Version::Http11)),
            HTTP10 => Ok(Some(Version::Http10)),
            _ => Err(HttpError::InvalidVersion),
        },
        None => {
            // Fewer than 8 bytes: refuse early what can't become a version.
            let have = &buf[pos..];
            let n = have.len().min(7);
            if have[..n] == b"HTTP/1."[..n] {
                Ok(None)
            } else {
                Err(HttpError::InvalidVersion)
            }
        }
    }
}

/// `\r\n` or `\n` at `pos` (after the byte loop stopped there): the index after it.
/// A CR followed by anything else is `err`.
#[inline(always)]
fn line_end(buf: &[u8], pos: usize, err: HttpError) -> Result<Option<usize>, HttpError> {
    match need!(buf.get(pos)) {
        b'\n' => Ok(Some(pos + 1)),
        b'\r' => match need!(buf.get(pos + 1)) {
            b'\n' => Ok(Some(pos + 2)),
            _ => Err(err),
        },
        _ => Err(err),
    }
}

#[inline(always)]
fn response<S: Scan>(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<ResponseHead>, HttpError> {
    let line = match S::status_line(buf) {
        Some(line) if FAST_LINE => line,
        _ => need!(status_line::<S>(buf)?),
    };
    let (len, headers) = need!(headers::<S>(buf, line.next, spans)?);
    let StatusLine { version, status, reason, .. } = line;
    Ok(Some(ResponseHead { len, version, status, reason, headers }))
}

/// The status line, byte by byte.
#[inline(always)]
fn status_line<S: Scan>(buf: &[u8]) -> Result<Option<StatusLine>, HttpError> {
    let mut pos = need!(skip_empty_lines(buf, 0)?);
    let version = need!(version(buf, pos)?);
    pos += 8;
    if *need!(buf.get(pos)) != b' ' {
        return Err(HttpError::InvalidVersion);
    }
    pos += 1;
    let mut status = 0u16;
    for _ in 0..3 {
        let b = *need!(buf.get(pos));
        if !b.is_ascii_digit() {
            return Err(HttpError::InvalidStatusLine);
        }
        status = status * 10 + u16::from(b - b'0');
        pos += 1;
    }
    let mut reason = (0u16, 0u16);
    match need!(buf.get(pos)) {
        b' ' => {
            let start = pos + 1;
            let end = S::skip_value(buf, start);
            pos = need!(line_end(buf, end, HttpError::InvalidStatusLine)?);
            let text = &buf[start..end];
            // httparse gives an empty reason when it holds obs-text.
            if text.is_ascii() {
                reason = (start as u16, text.len() as u16);
            }
        }
        _ => pos = need!(line_end(buf, pos, HttpError::InvalidStatusLine)?),
    }
    Ok(Some(StatusLine { version, status, reason, next: pos }))
}

#[inline(always)]
fn request<S: Scan>(buf: &[u8], spans: &mut [HeaderSpan]) -> Result<Option<RequestHead>, HttpError> {
    let mut pos = need!(skip_empty_lines(buf, 0)?);
    let method_start = pos;
    while TOKEN[usize::from(*need!(buf.get(pos)))] {
        pos += 1;
    }
    if pos == method_start || buf[pos] != b' ' {
        return Err(HttpError::InvalidRequestLine);
    }
    let method = (method_start as u16, (pos - method_start) as u16);
    pos += 1;
    let target_start = pos;
    while is_target(*need!(buf.get(pos))) {
        pos += 1;
    }
    let target = &buf[target_start..pos];
    if target.is_empty() || buf[pos] != b' ' || core::str::from_utf8(target).is_err() {
        return Err(HttpError::InvalidRequestLine);
    }
    let target = (target_start as u16, target.len() as u16);
    pos += 1;
    let version = need!(version(buf, pos)?);
    pos = need!(line_end(buf, pos + 8, HttpError::InvalidLineEnding)?);
    let (len, headers) = need!(headers::<S>(buf, pos, spans)?);
    Ok(Some(RequestHead { len, method, target, version, headers }))
}

/// Header lines from `pos` to the empty line: `(end of head, header count)`.
// Without `std` (firmware), one out-of-line copy shared by the response head parser
// and `parse_fields` (the chunked trailers), instead of one inlined into each. With
// `std` it is inlined, also into the AVX2 entry points.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline(never))]
fn headers<S: Scan>(buf: &[u8], mut pos: usize, spans: &mut [HeaderSpan]) -> Result<Option<(usize, usize)>, HttpError> {
    let mut count = 0;
    loop {
        if FAST_LINE {
            if let Some(Line { colon, value, mut end, next }) = S::header_line(buf, pos) {
                let name = pos;
                if next != 0 {
                    pos = next; // line end checked and value trimmed in the window
                } else {
                    pos = need!(line_end(buf, end, HttpError::InvalidHeaderValue)?);
                    end = trim_end(buf, value, end);
                }
                record(spans, count, name, colon - name, value, end)?;
                count += 1;
                continue;
            }
        }
        let b = *need!(buf.get(pos));
        if !TOKEN[usize::from(b)] {
            return match b {
                b'\r' | b'\n' => Ok(line_end(buf, pos, HttpError::InvalidLineEnding)?.map(|end| (end, count))),
                b' ' | b'\t' => Err(HttpError::ObsFold),
                _ => Err(HttpError::InvalidHeaderName),
            };
        }
        let name = pos;
        pos += 1;
        loop {
            // Four table lookups per step: names are short, and a byte loop whose
            // exit the CPU predicts beats a vector scan whose result every later
            // step waits for (measured: wall clock, not instruction counts).
            while let Some(&[a, b, c, d]) = buf.get(pos..pos + 4) {
                let all = TOKEN[usize::from(a)] & TOKEN[usize::from(b)] & TOKEN[usize::from(c)] & TOKEN[usize::from(d)];
                if !all {
                    break;
                }
                pos += 4;
            }
            match *need!(buf.get(pos)) {
                b':' => break,
                b if TOKEN[usize::from(b)] => pos += 1,
                _ => return Err(HttpError::InvalidHeaderName),
            }
        }
        let name_len = pos - name;
        pos += 1;
        while matches!(need!(buf.get(pos)), b' ' | b'\t') {
            pos += 1;
        }
        let value = pos;
        let end = S::skip_value(buf, pos);
        pos = need!(line_end(buf, end, HttpError::InvalidHeaderValue)?);
        record(spans, count, name, name_len, value, trim_end(buf, value, end))?;
        count += 1;
    }
}

/// The end of a header value without its trailing SP/HTAB (`value..end` is the
/// value up to the line end).
#[inline(always)]
fn trim_end(buf: &[u8], value: usize, mut end: usize) -> usize {
    while end > value && matches!(buf[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    end
}

/// Record header line `count` (name at `name`, value `value..end`) in `spans`.
#[inline(always)]
fn record(
    spans: &mut [HeaderSpan],
    count: usize,
    name: usize,
    name_len: usize,
    value: usize,
    end: usize,
) -> Result<(), HttpError> {
    let Some(slot) = spans.get_mut(count) else {
        return Err(HttpError::TooManyHeaders);
    };
    // All offsets are below 65535: the input was clamped.
    *slot = HeaderSpan {
        name: name as u16,
        name_len: name_len as u16,
        value: value as u16,
        value_len: (end - value) as u16,
    };
    Ok(())
}

#[cfg(test)]
mod tests;
