//! [`Response`]: a complete response, borrowed from the reader.

use super::response::Span;
use super::Version;

/// A complete response, borrowed from its [`ResponseReader`](super::ResponseReader).
///
/// Plain data: it implements no `Drop`, so a caller may drop the reader's owner
/// while only the `Response` binding is still in scope syntactically.
#[derive(Clone, Copy)]
pub struct Response<'a> {
    pub(super) head: &'a [u8],
    pub(super) spans: &'a [Span],
    pub(super) body: &'a [u8],
    pub(super) status: u16,
    pub(super) version: Version,
    pub(super) reason: (u32, u32),
    pub(super) keep_alive: bool,
}

impl<'a> Response<'a> {
    /// The status code, 200..=599 in practice (httparse accepts any three digits).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (may be empty).
    pub fn reason(&self) -> &'a str {
        let (off, len) = (self.reason.0 as usize, self.reason.1 as usize);
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

    /// Whether the connection may carry another request: false for HTTP/1.0, for
    /// `Connection: close`, and for read-to-close bodies.
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
        let name = name.as_bytes();
        let head = self.head;
        self.spans.iter().find_map(|s| {
            let n = &head[s.name as usize..(s.name + s.name_len) as usize];
            (n.len() == name.len() && n.eq_ignore_ascii_case(name))
                .then(|| &head[s.value as usize..(s.value + s.value_len) as usize])
        })
    }

    /// All header lines in order, as `(name, value)`; repeated names appear repeatedly.
    pub fn headers(&self) -> Headers<'a> {
        Headers { head: self.head, spans: self.spans.iter() }
    }

    /// Number of header lines.
    pub fn header_count(&self) -> usize {
        self.spans.len()
    }
}

impl core::fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("reason", &self.reason())
            .field("version", &self.version)
            .field("headers", &self.header_count())
            .field("body_len", &self.body.len())
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

/// Iterator over a response's header lines: `(name, value)`.
#[derive(Clone)]
pub struct Headers<'a> {
    head: &'a [u8],
    spans: core::slice::Iter<'a, Span>,
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.spans.next()?;
        let name = &self.head[s.name as usize..(s.name + s.name_len) as usize];
        let value = &self.head[s.value as usize..(s.value + s.value_len) as usize];
        // Names were checked by httparse to be tokens, hence ASCII.
        Some((core::str::from_utf8(name).unwrap_or(""), value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Headers<'_> {}
