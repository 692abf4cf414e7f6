//! [`Response`]: a complete response, borrowed from the reader.

use super::head::HeaderSpan;
use super::Version;

/// A complete response, borrowed from its [`ResponseReader`](super::ResponseReader).
///
/// Plain data: it implements no `Drop`, so a caller may drop the reader's owner
/// while only the `Response` binding is still in scope syntactically.
#[derive(Clone, Copy)]
pub struct Response<'a> {
    pub(super) head: &'a [u8],
    pub(super) spans: &'a [HeaderSpan],
    pub(super) body: &'a [u8],
    pub(super) trailers: &'a [u8],
    pub(super) trailer_spans: &'a [HeaderSpan],
    pub(super) status: u16,
    pub(super) version: Version,
    pub(super) reason: (u16, u16),
    pub(super) keep_alive: bool,
}

impl<'a> Response<'a> {
    /// The status code, 200..=599 in practice (any three digits are accepted).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (may be empty).
    pub fn reason(&self) -> &'a str {
        let (off, len) = (usize::from(self.reason.0), usize::from(self.reason.1));
        core::str::from_utf8(&self.head[off..off + len]).unwrap_or("")
    }

    /// HTTP/1.0 or HTTP/1.1.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The body, decoded (chunk framing removed), contiguous.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Whether the connection may carry another request (RFC 9112 section 9.3):
    /// false for `Connection: close`, for HTTP/1.0 unless the response says
    /// `Connection: keep-alive`, and for read-to-close bodies (whatever the
    /// headers say). Adapters decide reuse from this alone.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The first header called `name` (ASCII case-insensitive), as text; `None` if
    /// absent or not UTF-8 (see [`header_bytes`](Self::header_bytes)).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.header_bytes(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The first header called `name` (ASCII case-insensitive), as bytes.
    pub fn header_bytes(&self, name: &str) -> Option<&'a [u8]> {
        find(self.head, self.spans, name.as_bytes())
    }

    /// All header lines in order, as `(name, value)`; repeated names appear repeatedly.
    pub fn headers(&self) -> HeaderIter<'a> {
        HeaderIter { head: self.head, spans: self.spans.iter() }
    }

    /// Number of header lines.
    pub fn header_count(&self) -> usize {
        self.spans.len()
    }

    /// The trailer fields sent after a chunked body, in order, as `(name, value)`;
    /// empty for other bodies. They share the reader's header slots (headers plus
    /// trailers at most `H`, else [`HttpError::TooManyHeaders`](super::HttpError))
    /// and the trailer section is limited by `max_head_size`.
    pub fn trailers(&self) -> HeaderIter<'a> {
        HeaderIter { head: self.trailers, spans: self.trailer_spans.iter() }
    }

    /// The first trailer field called `name` (ASCII case-insensitive), as text;
    /// `None` if absent or not UTF-8.
    pub fn trailer(&self, name: &str) -> Option<&'a str> {
        self.trailer_bytes(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The first trailer field called `name` (ASCII case-insensitive), as bytes.
    pub fn trailer_bytes(&self, name: &str) -> Option<&'a [u8]> {
        find(self.trailers, self.trailer_spans, name.as_bytes())
    }
}

/// The value of the first field in `spans` (over `bytes`) called `name`.
fn find<'a>(bytes: &'a [u8], spans: &[HeaderSpan], name: &[u8]) -> Option<&'a [u8]> {
    spans.iter().find_map(|s| {
        let n = &bytes[s.name_range()];
        (n.len() == name.len() && n.eq_ignore_ascii_case(name)).then(|| &bytes[s.value_range()])
    })
}

impl core::fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("reason", &self.reason())
            .field("version", &self.version)
            .field("headers", &self.header_count())
            .field("trailers", &self.trailer_spans.len())
            .field("body_len", &self.body.len())
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

/// Iterator over a response's header lines: `(name, value)`.
#[derive(Clone)]
pub struct HeaderIter<'a> {
    head: &'a [u8],
    spans: core::slice::Iter<'a, HeaderSpan>,
}

impl<'a> Iterator for HeaderIter<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.spans.next()?;
        let name = &self.head[s.name_range()];
        let value = &self.head[s.value_range()];
        // Names were checked by the head parser to be tokens, hence ASCII.
        Some((core::str::from_utf8(name).unwrap_or(""), value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for HeaderIter<'_> {}
