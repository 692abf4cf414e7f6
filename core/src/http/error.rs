//! [`HttpError`]: one variant per way an HTTP/1.1 message can be malformed.

use core::fmt;

/// A malformed or hostile HTTP/1.1 message, found by the response reader or refused
/// by the request writer.
///
/// Each variant means one thing. Every one of them leaves the connection in an
/// unknown framing state: the adapter must close it rather than reuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HttpError {
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason] CRLF`.
    InvalidStatusLine,
    /// The request line is not `method SP request-target SP HTTP/1.x CRLF` (only
    /// reported by [`parse_request_head`](super::head::parse_request_head)).
    InvalidRequestLine,
    /// The version is neither `HTTP/1.0` nor `HTTP/1.1`.
    InvalidVersion,
    /// A header name holds a byte outside the RFC 9110 token set.
    InvalidHeaderName,
    /// A header value holds a control byte (NUL, DEL, ...) other than HTAB.
    InvalidHeaderValue,
    /// A line of the head does not end in CRLF (for instance a bare CR).
    InvalidLineEnding,
    /// A header line is continued on the next line (obs-fold, RFC 9112 section 5.2).
    ObsFold,
    /// The head is larger than the reader's `max_head_size` (or its buffer).
    HeadTooLarge,
    /// The head has more header lines than the reader can hold.
    TooManyHeaders,
    /// Both `Content-Length` and `Transfer-Encoding` are present (request smuggling
    /// shape, RFC 9112 section 6.3).
    ContentLengthWithTransferEncoding,
    /// Two `Content-Length` values differ.
    ConflictingContentLength,
    /// A `Content-Length` value is not a decimal number.
    InvalidContentLength,
    /// A `Content-Length` value does not fit in `usize`.
    ContentLengthOverflow,
    /// `Transfer-Encoding` names a coding other than a single final `chunked`.
    UnsupportedTransferEncoding,
    /// An HTTP/1.0 response carries `Transfer-Encoding`, which HTTP/1.0 does not
    /// define; its framing can't be trusted (RFC 9112 section 6.1).
    TransferEncodingInHttp10,
    /// The server answered `101 Switching Protocols` to a plain request.
    UnexpectedUpgrade,
    /// A chunk-size line is not `1*HEXDIG [chunk-ext] CRLF`.
    InvalidChunkSize,
    /// A chunk size does not fit in `usize`.
    ChunkSizeOverflow,
    /// A chunk extension holds a control byte.
    InvalidChunkExtension,
    /// Chunk data is not followed by CRLF.
    MissingChunkCrlf,
    /// A chunk-size line is longer than the reader's `max_head_size`.
    ChunkLineTooLong,
    /// A trailer field after the last chunk is malformed.
    InvalidTrailer,
    /// The trailer section is larger than the reader's `max_head_size`.
    TrailersTooLarge,
    /// The request writer was asked to write a header it writes itself
    /// (`Host`, `Content-Length`, `Transfer-Encoding`).
    ReservedHeader,
}

impl HttpError {
    /// A short description, the same text `Display` prints.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidStatusLine => "invalid HTTP status line",
            Self::InvalidRequestLine => "invalid HTTP request line",
            Self::InvalidVersion => "unsupported HTTP version (only HTTP/1.0 and HTTP/1.1)",
            Self::InvalidHeaderName => "invalid byte in a header name",
            Self::InvalidHeaderValue => "control byte in a header value",
            Self::InvalidLineEnding => "header line not terminated by CRLF (bare CR?)",
            Self::ObsFold => "obsolete line folding in a header (rejected, RFC 9112 5.2)",
            Self::HeadTooLarge => "response head larger than max_head_size or the buffer",
            Self::TooManyHeaders => "more header lines than the reader can hold",
            Self::ContentLengthWithTransferEncoding => {
                "both Content-Length and Transfer-Encoding present (ambiguous framing)"
            }
            Self::ConflictingContentLength => "conflicting Content-Length values",
            Self::InvalidContentLength => "Content-Length is not a decimal number",
            Self::ContentLengthOverflow => "Content-Length does not fit in usize",
            Self::UnsupportedTransferEncoding => "Transfer-Encoding other than a single final chunked",
            Self::TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 response",
            Self::UnexpectedUpgrade => "unexpected 101 Switching Protocols",
            Self::InvalidChunkSize => "malformed chunk-size line",
            Self::ChunkSizeOverflow => "chunk size does not fit in usize",
            Self::InvalidChunkExtension => "control byte in a chunk extension",
            Self::MissingChunkCrlf => "chunk data not followed by CRLF",
            Self::ChunkLineTooLong => "chunk-size line longer than max_head_size",
            Self::InvalidTrailer => "malformed trailer field",
            Self::TrailersTooLarge => "trailer section larger than max_head_size",
            Self::ReservedHeader => "Host, Content-Length and Transfer-Encoding are written by the request writer",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HttpError {}
