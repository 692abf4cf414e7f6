//! [`ResponseReader`]: incremental HTTP/1.1 response parser over caller-owned storage.

use super::chunked::ChunkedDecoder;
use super::framing::FramingHeaders;
use super::head::{parse_fields, parse_response_head, HeaderSpan};
use super::message::Response;
use super::HttpError;
use crate::buf::Storage;
use crate::rest::RestError;

/// Default [`ResponseReader::with_max_head_size`]: 16 KiB.
pub const DEFAULT_MAX_HEAD_SIZE: usize = 16 * 1024;
/// Default [`ResponseReader::with_max_body_size`]: 16 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;
/// Default number of header lines a [`ResponseReader`] holds (its const parameter).
pub const DEFAULT_MAX_HEADERS: usize = 64;
/// Smallest size growable storage is given when it starts empty.
const MIN_GROW: usize = 1024;

/// What [`ResponseReader::advance`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Progress {
    /// The response is not complete: read more bytes into
    /// [`spare`](ResponseReader::spare) (which is never empty after this), `commit`
    /// them and call `advance` again. At end of stream call
    /// [`eof`](ResponseReader::eof) instead.
    NeedMore,
    /// The response is complete: [`response`](ResponseReader::response) returns it.
    Complete,
}

/// HTTP version of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Version {
    /// HTTP/1.0: the connection is reused only if the response says
    /// `Connection: keep-alive` (and has a length).
    Http10,
    /// HTTP/1.1.
    Http11,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (HEAD, 204, 304).
    Empty,
    /// `Content-Length`.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Neither: the body runs to the end of the connection.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body,
    Complete,
    /// An error was returned; only `begin` after a reconnect (`reset`) helps.
    Failed,
}

/// Whether a connection may carry the next request after a response
/// ([`ResponseReader::reuse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reuse {
    /// Yes: the server keeps it open and nothing followed the response.
    Ready,
    /// No, the server ends it: `Connection: close`, HTTP/1.0 without keep-alive, or
    /// a body that ran to the end of the stream.
    Closing,
    /// No: bytes nobody asked for followed the response (or it was cut short), so
    /// where the next response would start is unknown. Sending on would pair the
    /// next request with a wrong answer: the next send is
    /// [`RestError::ConnectionStale`].
    Broken,
}

/// Incremental HTTP/1.1 response reader.
///
/// Owns its storage (`[u8; N]`, `&mut [u8]`, or with `std` a growable `Vec<u8>`);
/// `H` is the most header lines a response may have (default 64). The head is parsed
/// by [`head::parse_response_head`](super::head::parse_response_head) once it is complete; body framing (Content-Length, chunked
/// decoded in place, read-to-close) is done here without copying, except that chunk
/// payloads are moved down over their framing so the body is contiguous.
///
/// The adapter's loop, for each request sent:
///
/// ```
/// use nexus_net::http::{Progress, ResponseReader};
/// # use nexus_net::rest::RestError;
/// # fn main() -> Result<(), RestError> {
/// # let mut socket: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
/// let mut reader = ResponseReader::new([0u8; 4096]);
/// reader.begin(false); // false: the request was not HEAD
/// loop {
///     match reader.advance()? {
///         Progress::Complete => break,
///         Progress::NeedMore => {
///             let spare = reader.spare();
///             let n = socket.len().min(spare.len()); // socket.read(spare)
///             spare[..n].copy_from_slice(&socket[..n]);
///             socket = &socket[n..];
///             if n == 0 {
///                 reader.eof()?; // complete only for read-to-close bodies
///                 break;
///             }
///             reader.commit(n);
///         }
///     }
/// }
/// let resp = reader.response();
/// assert_eq!(resp.status(), 200);
/// assert_eq!(resp.body(), b"ok");
/// assert!(resp.keep_alive());
/// # Ok(()) }
/// ```
///
/// Bytes after the current response (pipelined responses) stay buffered for the
/// next [`begin`](Self::begin).
pub struct ResponseReader<B: Storage, const H: usize = DEFAULT_MAX_HEADERS> {
    buf: B,
    /// Start of the current response in `buf`.
    start: usize,
    /// End of the bytes read.
    end: usize,
    max_head: usize,
    max_body: usize,
    state: State,
    head_request: bool,
    /// Bytes of the current head already known to hold no complete head (so a retry
    /// waits for a new LF).
    head_scanned: usize,
    // Parsed head (valid from state Body on); offsets relative to `start`.
    head_len: usize,
    status: u16,
    version: Version,
    reason: (u16, u16),
    spans: [HeaderSpan; H],
    header_count: usize,
    /// Trailer fields of a chunked body: their spans follow the headers' in `spans`
    /// (relative to `trailer_off`, which is relative to the body start).
    trailer_count: usize,
    trailer_off: usize,
    trailer_len: usize,
    keep_alive: bool,
    framing: Framing,
    // Body, relative to `start + head_len`: the decoded body is
    // `[body_off, body_off + body_len)`; `raw` is where the undecoded bytes start and
    // `out` the chunked decoder's write index.
    body_off: usize,
    body_len: usize,
    raw: usize,
    out: usize,
    chunked: ChunkedDecoder,
    /// Total bytes of the complete response (head plus encoded body).
    consumed: usize,
}

impl<B: Storage> ResponseReader<B> {
    /// A reader over `storage` with the default limits: heads up to
    /// [`DEFAULT_MAX_HEAD_SIZE`], bodies up to [`DEFAULT_MAX_BODY_SIZE`], up to
    /// [`DEFAULT_MAX_HEADERS`] header lines. Ready for a response to a non-HEAD
    /// request.
    pub fn new(storage: B) -> Self {
        Self::with_header_slots(storage)
    }
}

impl<B: Storage, const H: usize> ResponseReader<B, H> {
    /// Like [`new`](ResponseReader::new), holding up to `H` header lines (a response
    /// with more is [`HttpError::TooManyHeaders`]):
    /// `ResponseReader::<_, 16>::with_header_slots([0u8; 4096])`.
    pub fn with_header_slots(storage: B) -> Self {
        Self {
            buf: storage,
            start: 0,
            end: 0,
            max_head: DEFAULT_MAX_HEAD_SIZE,
            max_body: DEFAULT_MAX_BODY_SIZE,
            state: State::Head,
            head_request: false,
            head_scanned: 0,
            head_len: 0,
            status: 0,
            version: Version::Http11,
            reason: (0, 0),
            spans: [HeaderSpan::default(); H],
            header_count: 0,
            trailer_count: 0,
            trailer_off: 0,
            trailer_len: 0,
            keep_alive: false,
            framing: Framing::Empty,
            body_off: 0,
            body_len: 0,
            raw: 0,
            out: 0,
            chunked: ChunkedDecoder::new(DEFAULT_MAX_HEAD_SIZE, DEFAULT_MAX_BODY_SIZE),
            consumed: 0,
        }
    }

    /// Largest head (status line and headers) accepted, and largest chunk-size line
    /// and trailer section; default [`DEFAULT_MAX_HEAD_SIZE`], at most 65535 (header
    /// positions are kept as 16-bit offsets; larger values are capped). A larger head
    /// is [`HttpError::HeadTooLarge`].
    pub fn with_max_head_size(mut self, n: usize) -> Self {
        self.set_max_head_size(n);
        self
    }

    /// Largest body accepted; default [`DEFAULT_MAX_BODY_SIZE`]. A larger one is
    /// [`RestError::BodyTooLarge`], reported as soon as it is known (at the head for
    /// Content-Length, at the chunk-size line for chunked).
    pub fn with_max_body_size(mut self, n: usize) -> Self {
        self.set_max_body_size(n);
        self
    }

    /// See [`with_max_head_size`](Self::with_max_head_size); applies from the next
    /// response.
    pub fn set_max_head_size(&mut self, n: usize) {
        // Header positions are stored as u16 offsets.
        self.max_head = n.min(usize::from(u16::MAX));
    }

    /// See [`with_max_body_size`](Self::with_max_body_size); applies from the next
    /// response.
    pub fn set_max_body_size(&mut self, n: usize) {
        self.max_body = n;
    }

    /// The body size limit in force.
    pub fn max_body_size(&self) -> usize {
        self.max_body
    }

    /// The head size limit in force.
    pub fn max_head_size(&self) -> usize {
        self.max_head
    }

    /// Get ready for the response to the next request; `head_request` says whether it
    /// was a HEAD request (its response has no body whatever its headers say).
    ///
    /// The previous response, if complete, is dropped and the bytes after it are kept
    /// as the start of this one. If the previous response was not complete (or
    /// failed), its bytes are meaningless and everything buffered is dropped: the
    /// adapter must not reuse such a connection anyway.
    pub fn begin(&mut self, head_request: bool) {
        match self.state {
            State::Complete => self.start += self.consumed,
            State::Head if self.end == self.start || self.head_scanned == 0 => {}
            _ => self.start = self.end,
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        self.state = State::Head;
        self.head_request = head_request;
        self.head_scanned = 0;
        self.consumed = 0;
    }

    /// Drop everything buffered and get ready for a response to a non-HEAD request,
    /// as on a fresh connection.
    pub fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.state = State::Complete;
        self.consumed = 0;
        self.begin(false);
    }

    /// Bytes buffered that are not part of the current response: after `Complete`,
    /// what followed it; before, everything read so far. Before sending a request on
    /// a kept-alive connection a non-zero value means the server sent something
    /// unasked (the adapter may treat the connection as stale).
    pub fn buffered(&self) -> usize {
        match self.state {
            State::Complete => self.end - self.start - self.consumed,
            _ => self.end - self.start,
        }
    }

    /// Free space to read into, after compacting the buffer (and growing it, within
    /// the limits, when the storage can grow). Empty only when the response can't fit,
    /// which `advance` reports as an error first.
    pub fn spare(&mut self) -> &mut [u8] {
        // Hosts: the usual case (the response starts at the front and there is room
        // after it), where `make_room` would change nothing, without the call.
        #[cfg(feature = "std")]
        if self.start == 0 && self.end < self.buf.bytes().len() {
            let end = self.end;
            return &mut self.buf.bytes_mut()[end..];
        }
        let _ = self.make_room();
        let end = self.end;
        &mut self.buf.bytes_mut()[end..]
    }

    /// Record that `n` bytes were read into the front of [`spare`](Self::spare).
    ///
    /// # Panics
    /// If `n` is larger than the spare space.
    pub fn commit(&mut self, n: usize) {
        assert!(n <= self.buf.bytes().len() - self.end, "commit past the spare space");
        self.end += n;
    }

    /// Copy `data` in and advance: a convenience for tests and one-shot use. `data`
    /// is copied in pieces as large as the spare room, and copying stops as soon as
    /// the response is complete, so bytes of `data` after that point may be dropped:
    /// with pipelined input, use [`spare`](Self::spare) and
    /// [`commit`](Self::commit) instead.
    ///
    /// # Errors
    /// As [`advance`](Self::advance); input that can't fit is
    /// [`HttpError::HeadTooLarge`] or [`RestError::BodyTooLarge`].
    pub fn feed(&mut self, mut data: &[u8]) -> Result<Progress, RestError> {
        loop {
            let p = self.advance()?;
            if p == Progress::Complete || data.is_empty() {
                return Ok(p);
            }
            let spare = self.spare();
            let n = spare.len().min(data.len());
            if n == 0 {
                // Unreachable: `advance` reports a full buffer before returning NeedMore.
                self.state = State::Failed;
                return Err(HttpError::HeadTooLarge.into());
            }
            spare[..n].copy_from_slice(&data[..n]);
            self.commit(n);
            data = &data[n..];
        }
    }

    /// Parse what has been committed.
    ///
    /// Returns [`Progress::Complete`] once the whole response (head and body) is
    /// buffered, and keeps returning it until [`begin`](Self::begin). 1xx interim
    /// responses are skipped.
    ///
    /// # Errors
    /// [`RestError::Http`] for a malformed or ambiguous response,
    /// [`RestError::BodyTooLarge`] for a body over the limit or the buffer. After an
    /// error the connection must be closed; further calls return
    /// [`RestError::ConnectionPoisoned`] until [`reset`](Self::reset).
    pub fn advance(&mut self) -> Result<Progress, RestError> {
        let r = self.step();
        match r {
            Ok(Progress::NeedMore) => {
                if let Err(e) = self.make_room() {
                    self.state = State::Failed;
                    return Err(e);
                }
            }
            Ok(Progress::Complete) => {}
            Err(_) => self.state = State::Failed,
        }
        r
    }

    /// The connection reached end of stream. Completes a read-to-close body.
    ///
    /// # Errors
    /// [`RestError::ConnectionClosed`] when the response is not complete (no response
    /// at all, a partial head, or a body shorter than its framing says), or any error
    /// of [`advance`](Self::advance) on bytes committed before.
    pub fn eof(&mut self) -> Result<Progress, RestError> {
        // `step`, not `advance`: a read-to-close body that exactly fills the buffer
        // is complete here, not too large. A partial head is parsed in full once more
        // so that a malformed one is reported as malformed, not as truncated.
        self.head_scanned = 0;
        match self.step() {
            Ok(Progress::Complete) => return Ok(Progress::Complete),
            Ok(Progress::NeedMore) => {}
            Err(e) => {
                self.state = State::Failed;
                return Err(e);
            }
        }
        let why = match (self.state, self.framing) {
            (State::Body, Framing::Close) => {
                self.body_len = self.end - self.start - self.head_len;
                self.consumed = self.end - self.start;
                self.state = State::Complete;
                return Ok(Progress::Complete);
            }
            (State::Head, _) if self.end == self.start => "no response before end of stream",
            (State::Head, _) => "end of stream inside the response head",
            _ => "end of stream before the response body was complete",
        };
        self.state = State::Failed;
        Err(RestError::ConnectionClosed(why))
    }

    /// True once `advance` (or `eof`) returned `Complete` for the current response.
    pub fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    /// Whether the connection may carry another request after the response just
    /// read: one rule for every adapter.
    pub fn reuse(&self) -> Reuse {
        if self.state != State::Complete {
            // Cut short or failed: the framing of the stream is unknown.
            Reuse::Broken
        } else if !self.keep_alive {
            Reuse::Closing
        } else if self.buffered() != 0 {
            Reuse::Broken
        } else {
            Reuse::Ready
        }
    }

    /// The complete response, or `None` before `advance` returned `Complete`.
    pub fn try_response(&self) -> Option<Response<'_>> {
        if self.state != State::Complete {
            return None;
        }
        let bytes = &self.buf.bytes()[self.start..self.start + self.consumed];
        let body_start = self.head_len;
        let trailers = body_start + self.trailer_off;
        Some(Response {
            head: &bytes[..self.head_len],
            spans: &self.spans[..self.header_count],
            body: &bytes[body_start + self.body_off..body_start + self.body_off + self.body_len],
            trailers: &bytes[trailers..trailers + self.trailer_len],
            trailer_spans: &self.spans[self.header_count..self.header_count + self.trailer_count],
            status: self.status,
            version: self.version,
            reason: self.reason,
            keep_alive: self.keep_alive,
        })
    }

    /// The complete response.
    ///
    /// # Panics
    /// If `advance` has not returned `Complete` since the last `begin` (a bug in the
    /// adapter); use [`try_response`](Self::try_response) to check.
    pub fn response(&self) -> Response<'_> {
        self.try_response().expect("ResponseReader::response before Progress::Complete")
    }

    fn step(&mut self) -> Result<Progress, RestError> {
        loop {
            match self.state {
                State::Head => {
                    if !self.parse_head()? {
                        return Ok(Progress::NeedMore);
                    }
                }
                State::Body => return self.read_body(),
                State::Complete => return Ok(Progress::Complete),
                State::Failed => return Err(RestError::ConnectionPoisoned),
            }
        }
    }

    /// Parses the head when it is complete; skips 1xx responses. Returns false when
    /// more bytes are needed.
    fn parse_head(&mut self) -> Result<bool, RestError> {
        loop {
            let avail = self.end - self.start;
            if avail == 0 {
                return Ok(false);
            }
            let bytes = self.buf.bytes();
            if self.head_scanned != 0 && avail < self.max_head {
                // httparse isn't resumable: re-parse only when a new LF could end the
                // head. (At the size limit, parse once more so a malformed head is
                // reported as such, whatever the read sizes were.)
                let new = &bytes[self.start + self.head_scanned..self.end];
                if !has_lf(new) {
                    return self.head_partial(avail);
                }
            }
            let data = &bytes[self.start..self.start + avail.min(self.max_head)];
            let Some(head) = parse_response_head(data, &mut self.spans)? else {
                return self.head_partial(avail);
            };
            let status = head.status;
            if (100..200).contains(&status) {
                if status == 101 {
                    return Err(HttpError::UnexpectedUpgrade.into());
                }
                trace!("skipping interim {} response", status);
                self.start += head.len;
                self.head_scanned = 0;
                continue;
            }
            let mut framing = FramingHeaders::default();
            for span in &self.spans[..head.headers] {
                let name = &data[span.name_range()];
                if FramingHeaders::may_matter(name) {
                    framing.observe(name, &data[span.value_range()])?;
                }
            }
            self.header_count = head.headers;
            self.trailer_count = 0;
            self.trailer_off = 0;
            self.trailer_len = 0;
            self.reason = head.reason;
            let head_len = head.len;
            self.version = head.version;
            self.status = status;
            self.head_len = head_len;
            self.decide_framing(&framing)?;
            self.body_off = 0;
            self.body_len = 0;
            self.raw = 0;
            self.out = 0;
            self.state = State::Body;
            return Ok(true);
        }
    }

    fn head_partial(&mut self, avail: usize) -> Result<bool, RestError> {
        if avail >= self.max_head {
            return Err(HttpError::HeadTooLarge.into());
        }
        self.head_scanned = avail;
        Ok(false)
    }

    fn decide_framing(&mut self, f: &FramingHeaders) -> Result<(), RestError> {
        if f.transfer_encoding {
            if self.version == Version::Http10 {
                return Err(HttpError::TransferEncodingInHttp10.into());
            }
            if f.content_length.is_some() {
                return Err(HttpError::ContentLengthWithTransferEncoding.into());
            }
        }
        self.framing = if self.head_request || self.status == 204 || self.status == 304 {
            Framing::Empty
        } else if f.transfer_encoding {
            if !f.chunked_last || f.codings != 1 {
                return Err(HttpError::UnsupportedTransferEncoding.into());
            }
            self.chunked = ChunkedDecoder::new(self.max_head, self.max_body);
            Framing::Chunked
        } else if let Some(n) = f.content_length {
            if n > self.max_body {
                return Err(RestError::BodyTooLarge { size: n, max: self.max_body });
            }
            Framing::Length(n)
        } else {
            Framing::Close
        };
        // RFC 9112 9.3: `close` ends the connection; otherwise HTTP/1.1 persists and
        // HTTP/1.0 persists only with `Connection: keep-alive`. A body that runs to
        // the end of the connection ends it whatever the headers say.
        let persistent = match self.version {
            Version::Http11 => !f.close,
            Version::Http10 => f.keep_alive && !f.close,
        };
        self.keep_alive = persistent && self.framing != Framing::Close;
        Ok(())
    }

    fn read_body(&mut self) -> Result<Progress, RestError> {
        let body_start = self.start + self.head_len;
        let have = self.end - body_start;
        match self.framing {
            Framing::Empty => self.body_len = 0,
            Framing::Length(n) => {
                if have < n {
                    return Ok(Progress::NeedMore);
                }
                self.body_len = n;
                self.raw = n;
            }
            Framing::Chunked => {
                let buf = &mut self.buf.bytes_mut()[body_start..self.end];
                if !self.chunked.decode_in_place(buf, &mut self.out, &mut self.raw)? {
                    return Ok(Progress::NeedMore);
                }
                self.body_off = self.chunked.body_start(self.out);
                self.body_len = self.chunked.decoded();
                let trailers = self.chunked.trailer_range(self.raw);
                if !trailers.is_empty() {
                    // Checked line by line by the decoder; now recorded as spans
                    // after the headers', within the same slots.
                    let section = &self.buf.bytes()[body_start + trailers.start..body_start + trailers.end + 2];
                    let slots = &mut self.spans[self.header_count..];
                    self.trailer_count = match parse_fields(section, slots) {
                        Ok(Some((_, n))) => n,
                        Err(HttpError::TooManyHeaders) => return Err(HttpError::TooManyHeaders.into()),
                        Ok(None) | Err(_) => return Err(HttpError::InvalidTrailer.into()),
                    };
                    self.trailer_off = trailers.start;
                    self.trailer_len = trailers.len();
                }
            }
            Framing::Close => {
                if have > self.max_body {
                    return Err(RestError::BodyTooLarge { size: have, max: self.max_body });
                }
                return Ok(Progress::NeedMore);
            }
        }
        self.consumed = self.head_len + self.raw;
        self.state = State::Complete;
        Ok(Progress::Complete)
    }

    /// Make free space after `end`: compact, squeeze chunk framing, then grow.
    fn make_room(&mut self) -> Result<(), RestError> {
        let cap = self.buf.bytes().len();
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end < cap && self.start < cap / 2 {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.bytes_mut().copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end < cap {
            return Ok(());
        }
        if self.state == State::Body && self.framing == Framing::Chunked {
            // Close the gaps left by consumed chunk framing: the body moves to the
            // front, the undecoded bytes right after it.
            let body_start = self.start + self.head_len;
            let decoded = self.chunked.decoded();
            let first = self.chunked.body_start(self.out);
            if first > 0 || self.raw > self.out {
                let bytes = self.buf.bytes_mut();
                bytes.copy_within(body_start + first..body_start + self.out, body_start);
                bytes.copy_within(body_start + self.raw..self.end, body_start + decoded);
                self.end -= self.raw - decoded;
                self.out = decoded;
                self.raw = decoded;
                return Ok(());
            }
        }
        let limit = self.max_head.saturating_mul(2).saturating_add(self.max_body);
        let want = cap.saturating_mul(2).max(MIN_GROW).min(limit);
        if want > cap && self.buf.try_grow(want) {
            debug!("response buffer grown to {}", want);
            return Ok(());
        }
        Err(self.full_error(cap))
    }

    /// The error for a response that can't fit in `cap` bytes.
    fn full_error(&self, cap: usize) -> RestError {
        let room = cap.saturating_sub(self.head_len);
        match (self.state, self.framing) {
            (State::Body, Framing::Length(n)) => RestError::BodyTooLarge { size: n, max: room },
            (State::Body, Framing::Chunked) => {
                RestError::BodyTooLarge { size: self.chunked.size_lower_bound().max(room + 1), max: room }
            }
            (State::Body, _) => RestError::BodyTooLarge { size: room + 1, max: room },
            _ => HttpError::HeadTooLarge.into(),
        }
    }
}

impl<B: Storage, const H: usize> core::fmt::Debug for ResponseReader<B, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponseReader")
            .field("capacity", &self.buf.bytes().len())
            .field("buffered", &(self.end - self.start))
            .field("state", &self.state)
            .field("framing", &self.framing)
            .finish_non_exhaustive()
    }
}

/// Whether `bytes` (what arrived of a partial head since the last parse) holds a
/// LF: memchr's word-at-a-time search on hosts.
#[cfg(feature = "std")]
#[inline]
fn has_lf(bytes: &[u8]) -> bool {
    bytes.contains(&b'\n')
}

/// Without `std` (firmware): a plain loop, instead of memchr's setup inlined here
/// (about 130 B of `.text` on Cortex-M).
#[cfg(not(feature = "std"))]
#[inline]
#[allow(clippy::manual_contains)]
fn has_lf(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'\n')
}

#[cfg(test)]
mod tests;
