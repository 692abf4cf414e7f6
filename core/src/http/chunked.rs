//! In-place decoder for `Transfer-Encoding: chunked` (RFC 9112 section 7.1).
//!
//! The decoder works on one buffer holding the decoded body followed by the encoded
//! bytes not yet consumed. The first chunk's payload stays where it is; each later
//! chunk's payload is moved down over the chunk framing already consumed, so the body
//! ends up contiguous without a second buffer and without allocating (a body sent as
//! one chunk is not copied at all). Chunk extensions are accepted
//! (checked for control bytes, then ignored); trailer fields are checked and left
//! in place, where [`ChunkedDecoder::trailer_range`] finds them.

use super::HttpError;
use crate::rest::RestError;

/// Whether `decode_in_place` tries `complete_chunks` first (not on bare-metal
/// targets, for code size).
const FAST_PATH: bool = cfg!(not(target_os = "none"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's payload, this many bytes to go.
    Data(usize),
    /// Expecting the CRLF that closes a chunk's payload.
    DataEnd,
    /// After the last chunk: trailer fields, up to an empty line.
    Trailers,
    /// The empty line after the trailers was consumed.
    Done,
}

/// Incremental, in-place chunked-body decoder.
///
/// Feed it with [`decode_in_place`](Self::decode_in_place) as bytes arrive. It keeps
/// only a few words of state, so input may be split anywhere, down to one byte per
/// call.
///
/// ```
/// use nexus_net::http::ChunkedDecoder;
///
/// let mut buf = *b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
/// let mut dec = ChunkedDecoder::new(1024, 1 << 20);
/// let (mut out, mut raw) = (0, 0);
/// assert!(dec.decode_in_place(&mut buf, &mut out, &mut raw).unwrap());
/// assert_eq!(&buf[dec.body_start(out)..out], b"hello world");
/// assert_eq!(&buf[raw..], b"NEXT"); // bytes after the body are left alone
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChunkedDecoder {
    state: State,
    /// Decoded body bytes so far (counted against `max_body`).
    total: usize,
    /// Trailer-section bytes so far (counted against `max_line`).
    trailer_bytes: usize,
    max_line: usize,
    max_body: usize,
}

impl ChunkedDecoder {
    /// A decoder that accepts chunk-size lines and a trailer section of up to
    /// `max_line` bytes each, and a decoded body of up to `max_body` bytes.
    pub const fn new(max_line: usize, max_body: usize) -> Self {
        Self { state: State::Size, total: 0, trailer_bytes: 0, max_line, max_body }
    }

    /// Forget all progress, keeping the limits.
    pub fn reset(&mut self) {
        *self = Self::new(self.max_line, self.max_body);
    }

    /// True once the last chunk and the trailer section have been consumed.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decoded body bytes so far.
    pub fn decoded(&self) -> usize {
        self.total
    }

    /// Where the decoded body starts, given the current `out` index:
    /// `out - self.decoded()`.
    pub fn body_start(&self, out: usize) -> usize {
        out - self.total
    }

    /// Where the trailer section is, once [`is_done`](Self::is_done), given the final
    /// `raw` index: its field lines, each ending in CRLF, without the final empty
    /// line (an empty range when there are no trailers). Parse them like header
    /// lines, e.g. with [`head::parse_fields`](super::head::parse_fields).
    pub fn trailer_range(&self, raw: usize) -> core::ops::Range<usize> {
        if self.state != State::Done {
            return raw..raw;
        }
        let end = raw - 2;
        end - self.trailer_bytes..end
    }

    /// A lower bound of the whole body size: bytes decoded plus the rest of the chunk
    /// being read.
    pub fn size_lower_bound(&self) -> usize {
        match self.state {
            State::Data(rest) => self.total.saturating_add(rest),
            _ => self.total,
        }
    }

    /// Decode as much of `buf[*raw..]` as possible.
    ///
    /// Start with `*out == *raw` (the index where the encoded body begins). Between
    /// calls `buf[self.body_start(*out)..*out]` is the body decoded so far and
    /// `buf[*raw..]` the encoded bytes not yet consumed (`*out <= *raw`); the caller
    /// may move both regions (keeping their contents) between calls, e.g. to compact
    /// its buffer. Payload bytes are moved to `*out`; both indices advance. Returns `Ok(true)` when the body is complete (then
    /// `buf[*raw..]` is whatever follows the body), `Ok(false)` when more input is
    /// needed.
    ///
    /// # Errors
    /// `RestError::Http` with [`HttpError::InvalidChunkSize`],
    /// [`ChunkSizeOverflow`](HttpError::ChunkSizeOverflow),
    /// [`InvalidChunkExtension`](HttpError::InvalidChunkExtension),
    /// [`MissingChunkCrlf`](HttpError::MissingChunkCrlf),
    /// [`ChunkLineTooLong`](HttpError::ChunkLineTooLong),
    /// [`InvalidTrailer`](HttpError::InvalidTrailer) or
    /// [`TrailersTooLarge`](HttpError::TrailersTooLarge);
    /// `RestError::BodyTooLarge` as soon as a chunk size would take the body past
    /// `max_body`.
    // On hosts: inlined, with the fast path for complete chunks. Bare-metal targets
    // favour code size: there the general state machine alone does the work (same
    // results; it is what every split-input test exercises) and is not inlined.
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn decode_in_place(&mut self, buf: &mut [u8], out: &mut usize, raw: &mut usize) -> Result<bool, RestError> {
        debug_assert!(*out <= *raw && *raw <= buf.len());
        loop {
            if FAST_PATH && self.state == State::Size && self.complete_chunks(buf, out, raw) {
                return Ok(true);
            }
            if let Some(done) = self.decode_general(buf, out, raw)? {
                return Ok(done);
            }
        }
    }

    /// The state machine for everything `complete_chunks` leaves: runs until more
    /// input is needed (`Some(false)`), the body is done (`Some(true)`), or a chunk
    /// ended and the next size line may take the fast path again (`None`).
    fn decode_general(&mut self, buf: &mut [u8], out: &mut usize, raw: &mut usize) -> Result<Option<bool>, RestError> {
        loop {
            match self.state {
                State::Size => {
                    let avail = &buf[*raw..];
                    let Some(nl) = find_line(avail, self.max_line) else {
                        if avail.len() >= self.max_line {
                            return Err(HttpError::ChunkLineTooLong.into());
                        }
                        return Ok(Some(false));
                    };
                    let (size, line_len) = (parse_size_line(&avail[..nl])?, nl + 1);
                    *raw += line_len;
                    if size == 0 {
                        self.state = State::Trailers;
                    } else {
                        let want = self.total.saturating_add(size);
                        if want > self.max_body {
                            return Err(RestError::BodyTooLarge { size: want, max: self.max_body });
                        }
                        self.state = State::Data(size);
                    }
                }
                State::Data(rest) => {
                    let n = rest.min(buf.len() - *raw);
                    if n == 0 {
                        return Ok(Some(false));
                    }
                    *out = append(buf, self.total, *out, *raw, n);
                    *raw += n;
                    self.total += n;
                    if n < rest {
                        self.state = State::Data(rest - n);
                        return Ok(Some(false));
                    }
                    self.state = State::DataEnd;
                }
                State::DataEnd => {
                    let avail = &buf[*raw..];
                    match avail {
                        [] | [b'\r'] => return Ok(Some(false)),
                        [b'\r', b'\n', ..] => {
                            *raw += 2;
                            self.state = State::Size;
                            return Ok(None);
                        }
                        _ => return Err(HttpError::MissingChunkCrlf.into()),
                    }
                }
                State::Trailers => {
                    // Trailer lines are checked but not consumed until the empty line
                    // arrives, so the caller's compaction keeps them with the
                    // unconsumed bytes and they are still in place when done.
                    let avail = &buf[*raw + self.trailer_bytes..];
                    let room = self.max_line.saturating_sub(self.trailer_bytes);
                    let Some(nl) = find_line(avail, room) else {
                        if avail.len() >= room {
                            return Err(HttpError::TrailersTooLarge.into());
                        }
                        return Ok(Some(false));
                    };
                    let line = &avail[..nl];
                    let Some((&b'\r', field)) = line.split_last() else {
                        return Err(HttpError::InvalidTrailer.into());
                    };
                    if field.is_empty() {
                        *raw += self.trailer_bytes + nl + 1;
                        self.state = State::Done;
                        return Ok(Some(true));
                    }
                    check_trailer_field(field)?;
                    self.trailer_bytes += nl + 1;
                }
                State::Done => return Ok(Some(true)),
            }
        }
    }
}

impl ChunkedDecoder {
    /// The fast path, for state `Size`: consumes every complete chunk in `buf[*raw..]`
    /// that has a plain size line (`fast_size_line`), its whole payload and its CRLF,
    /// and an empty trailer section (`0\r\n\r\n`). Stops, leaving the state at
    /// `Size`, at the first thing that is not all there or not that simple, where the
    /// general path takes over (and reports any error). Returns true when done.
    #[inline]
    fn complete_chunks(&mut self, buf: &mut [u8], out: &mut usize, raw: &mut usize) -> bool {
        let (mut o, mut r, mut total) = (*out, *raw, self.total);
        let done = loop {
            let Some((size, line_len)) = fast_size_line(buf, r, self.max_line) else {
                break false;
            };
            let src = r + line_len;
            if size == 0 {
                if buf.get(src..src + 2) == Some(&b"\r\n"[..]) {
                    r = src + 2;
                    break true;
                }
                break false;
            }
            // `size` has fewer than usize::BITS / 4 hex digits: `size + 2` can't overflow.
            if buf.len() - src < size + 2 || buf[src + size..src + size + 2] != *b"\r\n" {
                break false;
            }
            let want = total.saturating_add(size);
            if want > self.max_body {
                break false;
            }
            o = append(buf, total, o, src, size);
            total = want;
            r = src + size + 2;
        };
        (*out, *raw, self.total) = (o, r, total);
        if done {
            self.state = State::Done;
        }
        done
    }
}

/// Moves `n` payload bytes from `raw` to the end of the body decoded so far
/// (`total` bytes ending at `out`) and returns the body's new end. The first payload
/// is not moved: the body starts where it is.
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline)]
fn append(buf: &mut [u8], total: usize, out: usize, raw: usize, n: usize) -> usize {
    if total == 0 {
        return raw + n;
    }
    buf.copy_within(raw..raw + n, out);
    out + n
}

/// The common chunk-size line at `buf[at..]`, `1*HEXDIG CRLF` without extensions,
/// parsed in one pass: `(size, line length)`. `None` for everything else
/// (extensions, errors, incomplete or over-long lines, sizes that might overflow),
/// which the general path (`find_line`, `parse_size_line`) decides; it gives the
/// same answer for what this accepts.
#[inline(always)]
fn fast_size_line(buf: &[u8], at: usize, max_line: usize) -> Option<(usize, usize)> {
    // Fewer than usize::BITS / 4 digits can't overflow.
    let max_digits = (usize::BITS / 4) as usize - 1;
    let end = buf.len().min(at.saturating_add(max_digits));
    let mut i = at;
    let mut size = 0usize;
    while i < end {
        let d = HEX_VALUE[usize::from(buf[i])];
        if d == 0xff {
            break;
        }
        size = size << 4 | usize::from(d);
        i += 1;
    }
    let digits = i - at;
    let ok = digits > 0 && digits + 2 <= max_line && buf.get(i..i + 2) == Some(&b"\r\n"[..]);
    ok.then_some((size, digits + 2))
}

static HEX_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Index of the first LF within the first `limit` bytes of `buf`.
#[inline]
fn find_line(buf: &[u8], limit: usize) -> Option<usize> {
    let scan = &buf[..buf.len().min(limit)];
    scan.iter().position(|&b| b == b'\n')
}

/// Parses `chunk-size [chunk-ext] CR` (the LF already stripped).
fn parse_size_line(line: &[u8]) -> Result<usize, HttpError> {
    let Some((&b'\r', line)) = line.split_last() else {
        return Err(HttpError::InvalidChunkSize);
    };
    let mut size: usize = 0;
    let mut digits = 0;
    for &b in line {
        let d = HEX_VALUE[usize::from(b)];
        if d == 0xff {
            break;
        }
        if size > usize::MAX >> 4 {
            return Err(HttpError::ChunkSizeOverflow);
        }
        size = size << 4 | usize::from(d);
        digits += 1;
    }
    if digits == 0 {
        return Err(HttpError::InvalidChunkSize);
    }
    let mut rest = &line[digits..];
    while let [b' ' | b'\t', tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [] => Ok(size),
        [b';', ext @ ..] => {
            if ext.iter().any(|&b| is_ctl(b)) {
                Err(HttpError::InvalidChunkExtension)
            } else {
                Ok(size)
            }
        }
        _ => Err(HttpError::InvalidChunkSize),
    }
}

/// A control byte other than HTAB.
#[inline]
fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

/// `field-name ":" OWS field-value OWS`, no obs-fold.
fn check_trailer_field(field: &[u8]) -> Result<(), HttpError> {
    let colon = field.iter().position(|&b| b == b':').ok_or(HttpError::InvalidTrailer)?;
    let (name, value) = (&field[..colon], &field[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| super::is_tchar(b)) {
        return Err(HttpError::InvalidTrailer);
    }
    if value.iter().any(|&b| is_ctl(b)) {
        return Err(HttpError::InvalidTrailer);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::http::split_feed::check_all_splits;
    use std::vec;
    use std::vec::Vec;

    /// Feeds `pieces` one after another into a growing buffer, like a reader would,
    /// and returns the decoded body, the bytes left after it, or the error.
    fn decode(pieces: &[&[u8]]) -> Result<(Vec<u8>, Vec<u8>), HttpErrorOrSize> {
        let mut dec = ChunkedDecoder::new(64, 1000);
        let mut buf = Vec::new();
        let (mut out, mut raw) = (0, 0);
        let mut done = false;
        for p in pieces {
            buf.extend_from_slice(p);
            if !done {
                done = dec.decode_in_place(&mut buf, &mut out, &mut raw).map_err(classify)?;
            }
        }
        if !done {
            return Err(HttpErrorOrSize::Incomplete);
        }
        Ok((buf[dec.body_start(out)..out].to_vec(), buf[raw..].to_vec()))
    }

    #[derive(Debug, PartialEq)]
    enum HttpErrorOrSize {
        Http(HttpError),
        TooLarge(usize),
        Incomplete,
    }

    fn classify(e: RestError) -> HttpErrorOrSize {
        match e {
            RestError::Http(h) => HttpErrorOrSize::Http(h),
            RestError::BodyTooLarge { size, .. } => HttpErrorOrSize::TooLarge(size),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn ok(input: &[u8], body: &[u8], rest: &[u8]) {
        check_all_splits(input, decode);
        assert_eq!(decode(&[input]), Ok((body.to_vec(), rest.to_vec())));
    }

    fn err(input: &[u8], e: HttpErrorOrSize) {
        check_all_splits(input, decode);
        assert_eq!(decode(&[input]), Err(e));
    }

    #[test]
    fn simple_chunks() {
        ok(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world", b"");
    }

    #[test]
    fn fast_and_general_size_line_paths_agree() {
        for line in
            [&b"1a\r\n"[..], b"0\r\n", b"00000000000000000001\r\n", b"fffffffffffffff\r\n", b"1a;x\r\n", b"1a \r\n"]
        {
            let nl = line.iter().position(|&b| b == b'\n').unwrap();
            let general = parse_size_line(&line[..nl]).ok().map(|n| (n, nl + 1));
            if let Some(fast) = fast_size_line(line, 0, 64) {
                assert_eq!(Some(fast), general, "{line:?}");
            }
        }
        assert_eq!(fast_size_line(b"1a\r\n", 0, 64), Some((26, 4)));
        assert_eq!(fast_size_line(b"xx1a\r\n", 2, 64), Some((26, 4)));
        assert_eq!(fast_size_line(b"1a\r\n", 0, 3), None, "over the line limit: general path decides");
        assert_eq!(fast_size_line(b"1a\r", 0, 64), None);
        assert_eq!(fast_size_line(b"1a;x\r\n", 0, 64), None);
    }

    /// Decodes like `decode`, returning the trailer section instead of the rest.
    fn decode_trailers(pieces: &[&[u8]]) -> Result<(Vec<u8>, Vec<u8>), HttpErrorOrSize> {
        let mut dec = ChunkedDecoder::new(64, 1000);
        let mut buf = Vec::new();
        let (mut out, mut raw) = (0, 0);
        let mut done = false;
        for p in pieces {
            buf.extend_from_slice(p);
            if !done {
                assert!(dec.trailer_range(raw).is_empty(), "no trailers before the end");
                done = dec.decode_in_place(&mut buf, &mut out, &mut raw).map_err(classify)?;
            }
        }
        if !done {
            return Err(HttpErrorOrSize::Incomplete);
        }
        Ok((buf[dec.body_start(out)..out].to_vec(), buf[dec.trailer_range(raw)].to_vec()))
    }

    #[test]
    fn trailers_are_left_in_place() {
        let input = b"3\r\nabc\r\n0\r\nX-Sum: 1\r\nExpires:\tnever \r\n\r\nNEXT";
        check_all_splits(input, decode_trailers);
        assert_eq!(decode_trailers(&[input]), Ok((b"abc".to_vec(), b"X-Sum: 1\r\nExpires:\tnever \r\n".to_vec())));
        assert_eq!(decode_trailers(&[b"3\r\nabc\r\n0\r\n\r\n"]), Ok((b"abc".to_vec(), vec![])));
    }

    #[test]
    fn fast_path_hands_over_mid_body() {
        // Plain chunks (fast path), then an extension, a size with leading zeros and
        // trailers (general path), each whole and split anywhere.
        ok(b"2\r\nab\r\n3;x=1\r\ncde\r\n1\r\nf\r\n000\r\nX: 1\r\n\r\nNEXT", b"abcdef", b"NEXT");
        ok(b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n0\r\n\r\n", b"abcde", b"0\r\n\r\n");
        // The limit is hit by a chunk after the fast path has taken the first ones.
        let mut input = b"1f4\r\n".to_vec();
        input.extend_from_slice(&[b'a'; 500]);
        input.extend_from_slice(b"\r\n1f4\r\n");
        input.extend_from_slice(&[b'b'; 500]);
        input.extend_from_slice(b"\r\n1\r\nc\r\n0\r\n\r\n");
        err(&input, HttpErrorOrSize::TooLarge(1001));
        // A bad CRLF after a payload the fast path could see in full.
        err(b"2\r\nab\r\n3\r\ncdeXY0\r\n\r\n", HttpErrorOrSize::Http(HttpError::MissingChunkCrlf));
    }

    #[test]
    fn empty_body() {
        ok(b"0\r\n\r\n", b"", b"");
    }

    #[test]
    fn leaves_following_bytes() {
        ok(b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", b"abc", b"HTTP/1.1 200 OK\r\n");
    }

    #[test]
    fn hex_sizes_mixed_case_and_leading_zeros() {
        let mut input = Vec::new();
        input.extend_from_slice(b"0000A\r\n0123456789\r\n1a\r\n");
        input.extend_from_slice(&[b'z'; 26]);
        input.extend_from_slice(b"\r\n0\r\n\r\n");
        let mut body = b"0123456789".to_vec();
        body.extend_from_slice(&[b'z'; 26]);
        ok(&input, &body, b"");
    }

    #[test]
    fn extensions_and_trailers_accepted() {
        ok(
            b"4;name=value;q=\"quoted str\"\r\nwiki\r\n5 ;x\r\npedia\r\n0;last\r\nExpires: never\r\nX-Sum:\tabc\r\n\r\n",
            b"wikipedia",
            b"",
        );
    }

    #[test]
    fn missing_crlf_after_data() {
        err(b"3\r\nabcX\r\n0\r\n\r\n", HttpErrorOrSize::Http(HttpError::MissingChunkCrlf));
        err(b"3\r\nabc\rX0\r\n\r\n", HttpErrorOrSize::Http(HttpError::MissingChunkCrlf));
        err(b"3\r\nabc\n0\r\n\r\n", HttpErrorOrSize::Http(HttpError::MissingChunkCrlf));
    }

    #[test]
    fn bad_size_lines() {
        use HttpErrorOrSize::Http;
        err(b"\r\nabc\r\n", Http(HttpError::InvalidChunkSize));
        err(b"g\r\nabc\r\n", Http(HttpError::InvalidChunkSize));
        err(b"-1\r\nabc\r\n", Http(HttpError::InvalidChunkSize));
        err(b"3x\r\nabc\r\n", Http(HttpError::InvalidChunkSize));
        err(b"3\nabc\r\n", Http(HttpError::InvalidChunkSize)); // bare LF
        err(b"0x3\r\nabc\r\n", Http(HttpError::InvalidChunkSize));
        err(b"3;a\0b\r\nabc\r\n", Http(HttpError::InvalidChunkExtension));
        err(b"3;a\rb\r\nabc\r\n", Http(HttpError::InvalidChunkExtension));
    }

    #[test]
    fn size_overflow() {
        err(b"10000000000000000\r\n", HttpErrorOrSize::Http(HttpError::ChunkSizeOverflow));
        err(b"ffffffffffffffff\r\n", HttpErrorOrSize::TooLarge(usize::MAX));
    }

    #[test]
    fn body_limit() {
        // 999 + 2 > 1000: refused at the size line, before any payload arrives.
        let mut input = b"3e7\r\n".to_vec();
        input.extend_from_slice(&[b'a'; 999]);
        input.extend_from_slice(b"\r\n2\r\n");
        err(&input, HttpErrorOrSize::TooLarge(1001));
    }

    #[test]
    fn line_limits() {
        let mut long = b"1;".to_vec();
        long.extend_from_slice(&[b'x'; 70]);
        long.extend_from_slice(b"\r\nA\r\n0\r\n\r\n");
        err(&long, HttpErrorOrSize::Http(HttpError::ChunkLineTooLong));
        let mut trailers = b"0\r\n".to_vec();
        for _ in 0..10 {
            trailers.extend_from_slice(b"X-Long-Trailer: 1\r\n");
        }
        trailers.extend_from_slice(b"\r\n");
        err(&trailers, HttpErrorOrSize::Http(HttpError::TrailersTooLarge));
    }

    #[test]
    fn bad_trailers() {
        use HttpErrorOrSize::Http;
        err(b"0\r\nNoColon\r\n\r\n", Http(HttpError::InvalidTrailer));
        err(b"0\r\n: empty-name\r\n\r\n", Http(HttpError::InvalidTrailer));
        err(b"0\r\nA: 1\r\n folded\r\n\r\n", Http(HttpError::InvalidTrailer));
        err(b"0\r\nA: x\0y\r\n\r\n", Http(HttpError::InvalidTrailer));
        err(b"0\r\nA: 1\n\r\n", Http(HttpError::InvalidTrailer));
        err(b"0\r\n\n", Http(HttpError::InvalidTrailer));
    }

    #[test]
    fn incomplete_is_not_an_error() {
        assert_eq!(decode(&[b"5\r\nhel"]), Err(HttpErrorOrSize::Incomplete));
        assert_eq!(decode(&[b"5\r\nhello\r\n0\r\n"]), Err(HttpErrorOrSize::Incomplete));
    }
}
