//! [`RequestBuilder`]: the typestate builder of one request.

use core::fmt;
use core::marker::PhantomData;

use super::request::{Method, Request, RequestWriter, LEN_DIGITS};
use super::validate::{
    check_header, check_target_find_query, copy_short, copy_short_raw, itoa, scan, unreserved_at, write_escaped, Fault,
    BAD_TARGET, BAD_TARGET_MSG, CRLF,
};
#[allow(unused_imports)] // doc links
use super::HttpError;
use crate::buf::Storage;
use crate::rest::RestError;

/// Host-only fast paths (a query parameter checked in one pass over its copy, the
/// prefix copied inline, several pieces appended after one bound check); firmware
/// keeps the general code alone for size.
const FAST_QUERY: bool = cfg!(not(target_os = "none"));

/// Builder state: query parameters may still be added (then headers, then a body).
#[derive(Debug)]
pub struct Query;
/// Builder state: headers may be added (then a body).
#[derive(Debug)]
pub struct Headers;
/// Builder state: the body is written; only [`finish`](RequestBuilder::finish) is left.
#[derive(Debug)]
pub struct Body;

/// A request being written; states [`Query`] → [`Headers`] → [`Body`].
///
/// Every step takes and returns the builder by value and never fails on the spot:
/// the first error is recorded and returned by [`finish`](Self::finish), and nothing
/// is sent unless `finish` succeeded.
///
/// On hosts the builder is only the writer's address: the request's state lives in
/// the writer (a `Cursor`), so passing the builder from step to step moves one
/// pointer, not the state.
#[must_use = "a request is only usable after finish()"]
pub struct RequestBuilder<'w, B: Storage, S = Query> {
    w: &'w mut RequestWriter<B>,
    /// Without `std` (firmware) the state travels with the builder: everything is
    /// inlined into one task there and kept in registers, and reaching it through
    /// the writer costs about 370 B of `.text`.
    #[cfg(not(feature = "std"))]
    cur: Cursor,
    _state: PhantomData<S>,
}

/// The builder's [`Cursor`]: in the writer with `std`, in the builder without.
#[cfg(feature = "std")]
macro_rules! cur {
    ($b:expr) => {
        $b.w.cur
    };
}
#[cfg(not(feature = "std"))]
macro_rules! cur {
    ($b:expr) => {
        $b.cur
    };
}

/// The state of the request a [`RequestBuilder`] is writing, kept in its writer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cursor {
    start: usize,
    /// Write position; keeps counting past the end of full storage so that
    /// `RequestTooLarge` reports the size really needed.
    pos: usize,
    fault: Option<Fault>,
    method: Method,
    /// Where the query string starts (after `?`), once there is one.
    query_start: usize,
    has_query: bool,
    /// The request line and the fixed headers are written.
    target_done: bool,
    /// The body (and so the end of the head) is written.
    body_done: bool,
}

impl Cursor {
    /// No request started yet.
    pub(super) const IDLE: Cursor = Cursor {
        start: 0,
        pos: 0,
        fault: None,
        method: Method::Get,
        query_start: 0,
        has_query: false,
        target_done: false,
        body_done: false,
    };
}

impl<'w, B: Storage> RequestBuilder<'w, B, Query> {
    /// Write the method and the path; the writer's generation is already bumped.
    pub(super) fn start(w: &'w mut RequestWriter<B>, method: Method, path: &str) -> Self {
        Self::start_with(w, method, path, FAST_QUERY)
    }

    /// [`start`](Self::start), with the host fast path for the method and base path
    /// on or off (the tests compare the two).
    #[inline(always)]
    fn start_with(w: &'w mut RequestWriter<B>, method: Method, path: &str, fast: bool) -> Self {
        let start = w.prefix_len;
        let cursor = Cursor { start, pos: start, method, ..Cursor::IDLE };
        #[cfg(feature = "std")]
        let mut b = {
            w.cur = cursor;
            RequestBuilder { w, _state: PhantomData }
        };
        #[cfg(not(feature = "std"))]
        let mut b = RequestBuilder { w, cur: cursor, _state: PhantomData };
        let path = path.as_bytes();
        let (checked, query) = check_target_find_query(path);
        if let Err(e) = checked {
            b.fault(e);
        }
        let base_len = b.w.base_len;
        let cap = b.w.buf.bytes().len();
        // `prefix_len` is at least 17 (`" HTTP/1.1\r\nHost: "`), so the first 16
        // bytes of the storage are the base path and then prefix bytes.
        if fast && base_len <= 16 && cur!(b).fault.is_none() && start + 24 <= cap && start >= 16 {
            // The method and its space as one 8-byte store, the base path as one
            // 16-byte store: the bytes past the new `pos` are scratch.
            let out = b.w.buf.bytes_mut();
            let (front, back) = out.split_at_mut(start);
            let at = method.as_str().len() + 1;
            back[..8].copy_from_slice(&method.padded());
            back[at..at + 16].copy_from_slice(&front[..16]);
            cur!(b).pos = start + at + base_len;
        } else {
            b.put(method.as_str().as_bytes());
            b.put(b" ");
            b.copy_within(0..base_len);
        }
        let slash = match path.first() {
            Some(b'/') => false,
            Some(b'?') | None => base_len == 0,
            Some(_) => true,
        };
        if slash {
            b.put(b"/");
        }
        b.put(path);
        if let Some(q) = query {
            // A path ending in '?' opens the query without a parameter yet.
            cur!(b).has_query = q + 1 < path.len();
            cur!(b).query_start = cur!(b).pos - path.len() + q + 1;
        } else {
            cur!(b).query_start = cur!(b).pos + 1;
        }
        b
    }
}

impl<'w, B: Storage, S> RequestBuilder<'w, B, S> {
    #[inline]
    fn fault(&mut self, f: Fault) {
        if cur!(self).fault.is_none() {
            cur!(self).fault = Some(f);
        }
    }

    /// Append bytes, or count them once the storage is full. (Hosts: always
    /// inlined; with the state in the writer the compiler otherwise calls it.)
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn put(&mut self, src: &[u8]) {
        let end = cur!(self).pos + src.len();
        if cur!(self).fault.is_none() && self.w.reserve(end) {
            copy_short(&mut self.w.buf.bytes_mut()[cur!(self).pos..end], src);
        } else {
            self.fault(Fault::TooLarge);
        }
        cur!(self).pos = end;
    }

    /// Append a copy of `buf[range]` (the prefix kept at the front of the storage).
    #[inline]
    fn copy_within(&mut self, range: core::ops::Range<usize>) {
        let end = cur!(self).pos + range.len();
        if cur!(self).fault.is_none() && self.w.reserve(end) {
            self.w.buf.bytes_mut().copy_within(range, cur!(self).pos);
        } else {
            self.fault(Fault::TooLarge);
        }
        cur!(self).pos = end;
    }

    /// Append several pieces. Hosts: when there is no earlier fault and the
    /// storage has room for all of them, one bound check and raw word copies
    /// ([`put_all_fast`](Self::put_all_fast)); otherwise one [`put`](Self::put)
    /// each, which gives the same bytes and the same error.
    #[inline(always)]
    fn put_all<const N: usize>(&mut self, parts: [&[u8]; N]) {
        if !(FAST_QUERY && self.put_all_fast(&parts)) {
            for part in parts {
                self.put(part);
            }
        }
    }

    /// The fast path of [`put_all`](Self::put_all): `false` (nothing committed)
    /// when there is an earlier fault or too little room.
    #[inline(always)]
    fn put_all_fast(&mut self, parts: &[&[u8]]) -> bool {
        if cur!(self).fault.is_some() {
            return false;
        }
        let pos = cur!(self).pos;
        let mut end = pos;
        for part in parts {
            match end.checked_add(part.len()) {
                Some(e) => end = e,
                None => return false,
            }
        }
        if !self.w.reserve(end) {
            return false;
        }
        let out = self.w.buf.bytes_mut();
        if end > out.len() {
            return false; // a `Storage` that did not grow as it said
        }
        // SAFETY: the pieces' lengths add up to `end - pos` without overflow and
        // `end <= out.len()`, so every copy is within `out`; the pieces are shared
        // borrows, so they do not overlap `out`.
        unsafe {
            let mut at = out.as_mut_ptr().add(pos);
            for part in parts {
                copy_short_raw(at, part);
                at = at.add(part.len());
            }
        }
        cur!(self).pos = end;
        true
    }

    #[inline(always)]
    fn cast<T>(self) -> RequestBuilder<'w, B, T> {
        RequestBuilder {
            w: self.w,
            #[cfg(not(feature = "std"))]
            cur: self.cur,
            _state: PhantomData,
        }
    }

    /// End the request target: protocol version, Host and default headers.
    #[inline]
    fn end_target(&mut self) {
        if !cur!(self).target_done {
            cur!(self).target_done = true;
            let (from, to) = (self.w.base_len, self.w.prefix_len);
            self.copy_within(from..to);
        }
    }

    /// Hosts: [`end_target`](Self::end_target) and then `tail` (the end of a head
    /// without a body) after one bound check, the fixed headers copied from the
    /// front of the storage with one `memcpy`. `false` (nothing committed) when
    /// there is an earlier fault, the target is already ended, or there is too
    /// little room: the general code then does the same from the start.
    #[inline(always)]
    fn end_head_fast(&mut self, tail: &[u8]) -> bool {
        if cur!(self).fault.is_some() || cur!(self).target_done {
            return false;
        }
        let (from, to) = (self.w.base_len, self.w.prefix_len);
        let pos = cur!(self).pos;
        let Some(end) = to.checked_sub(from).and_then(|n| n.checked_add(tail.len())).and_then(|n| pos.checked_add(n))
        else {
            return false;
        };
        if to > pos || !self.w.reserve(end) {
            return false;
        }
        let out = self.w.buf.bytes_mut();
        if end > out.len() {
            return false; // a `Storage` that did not grow as it said
        }
        // SAFETY: `from <= to <= pos` and `pos + (to - from) + tail.len() == end <=
        // out.len()` (checked sums): the block `from..to` is read from `out` and
        // written at `pos`, after its end, so the two do not overlap; `tail` is a
        // shared borrow, so it does not overlap `out`.
        unsafe {
            let p = out.as_mut_ptr();
            core::ptr::copy_nonoverlapping(p.add(from), p.add(pos), to - from);
            copy_short_raw(p.add(pos + (to - from)), tail);
        }
        cur!(self).target_done = true;
        cur!(self).pos = end;
        true
    }

    #[inline]
    fn push_query(&mut self, key: &[u8], value: &[u8], encode: bool) {
        if !(FAST_QUERY && self.query_fast(key, value)) {
            self.query_general(key, value, encode);
        }
    }

    /// The separator in front of the next parameter: `&` after one, `?` unless the
    /// path already opened the query.
    #[inline(always)]
    fn query_sep(&self) -> Option<u8> {
        if cur!(self).has_query {
            Some(b'&')
        } else if cur!(self).pos == cur!(self).query_start {
            None
        } else {
            Some(b'?')
        }
    }

    /// The usual parameter (both parts unreserved, the storage has room, no earlier
    /// fault): copy `key`, a filler byte and `value`, check the copy in one pass,
    /// then put the `=` in. `false` (nothing committed: `pos` and `has_query` are
    /// untouched, bytes past `pos` are scratch) hands the parameter to
    /// [`query_general`](Self::query_general), which writes it again from the start,
    /// so every error comes from there. Unreserved bytes are the same with and
    /// without encoding, so this serves `query` and `query_raw` alike.
    #[inline(always)]
    fn query_fast(&mut self, key: &[u8], value: &[u8]) -> bool {
        if cur!(self).fault.is_some() {
            return false;
        }
        let sep = self.query_sep();
        let pos = cur!(self).pos;
        let kv = pos + usize::from(sep.is_some());
        // `key.len() + 1 + value.len()` can't overflow: each length is at most
        // `isize::MAX`.
        let Some(end) = kv.checked_add(key.len() + 1 + value.len()) else {
            return false;
        };
        if !self.w.reserve(end) {
            return false;
        }
        let out = self.w.buf.bytes_mut();
        if end > out.len() {
            return false; // a `Storage` that did not grow as it said
        }
        let eq = kv + key.len();
        let p = out.as_mut_ptr();
        // SAFETY: `pos <= kv <= eq < end <= out.len()` (no overflow: `end` is a
        // checked sum of `kv` and the lengths), so every write is within `out`;
        // `key` and `value` are shared borrows, so they do not overlap `out`.
        unsafe {
            copy_short_raw(p.add(kv), key);
            // A filler that passes the check; the key and value themselves must not
            // hold a `=`, which the check rejects.
            *p.add(eq) = b'a';
            copy_short_raw(p.add(eq + 1), value);
        }
        if !unreserved_at(out, kv, end) {
            return false;
        }
        // SAFETY: as above (`pos < kv` when there is a separator).
        unsafe {
            *p.add(eq) = b'=';
            if let Some(sep) = sep {
                *p.add(pos) = sep;
            }
        }
        cur!(self).has_query = true;
        cur!(self).pos = end;
        true
    }

    /// One pass over each part to validate it and count escapes, one reservation,
    /// one write.
    #[cfg_attr(feature = "std", inline(never))]
    fn query_general(&mut self, key: &[u8], value: &[u8], encode: bool) {
        let ((ak, ek), (av, ev)) = (scan(key), scan(value));
        let acc = ak | av;
        if acc & CRLF != 0 {
            return self.fault(Fault::Crlf);
        }
        if !encode && acc & BAD_TARGET != 0 {
            return self.fault(Fault::Url(BAD_TARGET_MSG));
        }
        let (ek, ev) = if encode { (ek, ev) } else { (0, 0) };
        let sep = self.query_sep();
        cur!(self).has_query = true;
        let end = cur!(self).pos + usize::from(sep.is_some()) + key.len() + 2 * ek + 1 + value.len() + 2 * ev;
        if cur!(self).fault.is_none() && self.w.reserve(end) {
            let out = &mut self.w.buf.bytes_mut()[..end];
            let mut at = cur!(self).pos;
            if let Some(sep) = sep {
                out[at] = sep;
                at += 1;
            }
            at = write_escaped(out, at, key, ek);
            out[at] = b'=';
            write_escaped(out, at + 1, value, ev);
        } else {
            self.fault(Fault::TooLarge);
        }
        cur!(self).pos = end;
    }

    #[inline]
    fn push_header(&mut self, name: &str, value: &str) {
        self.end_target();
        let (name, value) = (name.as_bytes(), value.as_bytes());
        if let Err(e) = check_header(name, value) {
            return self.fault(e);
        }
        if FAST_QUERY && self.put_all_fast(&[name, b": ", value, b"\r\n"]) {
            return;
        }
        let end = cur!(self).pos + name.len() + 2 + value.len() + 2;
        if cur!(self).fault.is_none() && self.w.reserve(end) {
            let out = &mut self.w.buf.bytes_mut()[cur!(self).pos..end];
            let (n, rest) = out.split_at_mut(name.len());
            copy_short(n, name);
            let (sep, rest) = rest.split_at_mut(2);
            sep.copy_from_slice(b": ");
            let (v, crlf) = rest.split_at_mut(value.len());
            copy_short(v, value);
            crlf.copy_from_slice(b"\r\n");
        } else {
            self.fault(Fault::TooLarge);
        }
        cur!(self).pos = end;
    }

    fn push_body(&mut self, body: &[u8]) {
        self.end_target();
        cur!(self).body_done = true;
        let mut digits = [0u8; 20];
        self.put_all([b"Content-Length: ", itoa(body.len(), &mut digits), b"\r\n\r\n", body]);
    }

    /// Writes the body in place: reserves room for the length, lets `fill` write the
    /// body, then writes the length and moves the body down over the unused digits.
    fn push_body_in_place(&mut self, fill: impl FnOnce(&mut Self) -> Option<usize>) {
        self.end_target();
        cur!(self).body_done = true;
        self.put(b"Content-Length: ");
        let len_at = cur!(self).pos;
        cur!(self).pos += LEN_DIGITS + 4;
        let body_at = cur!(self).pos;
        // The length is written over the reserved room afterwards: it must exist
        // even when the body turns out empty.
        if cur!(self).fault.is_none() && !self.w.reserve(body_at) {
            self.fault(Fault::TooLarge);
        }
        let Some(n) = fill(self) else {
            self.fault(Fault::BodyWrite);
            return;
        };
        let body_end = body_at + n;
        if cur!(self).fault.is_some() {
            cur!(self).pos = body_end;
            return;
        }
        let mut digits = [0u8; 20];
        let d = itoa(n, &mut digits);
        let bytes = self.w.buf.bytes_mut();
        bytes[len_at..len_at + d.len()].copy_from_slice(d);
        bytes[len_at + d.len()..len_at + d.len() + 4].copy_from_slice(b"\r\n\r\n");
        let new_body_at = len_at + d.len() + 4;
        bytes.copy_within(body_at..body_end, new_body_at);
        cur!(self).pos = new_body_at + n;
    }

    fn finish_inner(mut self) -> Result<Request, RestError> {
        if !cur!(self).body_done {
            // The methods that carry a body say it is empty (many servers answer
            // 411 Length Required otherwise); then the empty line.
            let tail: &[u8] =
                if cur!(self).method.sends_empty_length() { b"Content-Length: 0\r\n\r\n" } else { b"\r\n" };
            if !(FAST_QUERY && self.end_head_fast(tail)) {
                self.end_target();
                self.put(tail);
            }
        }
        match cur!(self).fault {
            None => Ok(Request {
                writer: self.w.id,
                generation: self.w.generation,
                start: cur!(self).start,
                len: cur!(self).pos - cur!(self).start,
                method: cur!(self).method,
            }),
            Some(Fault::TooLarge) => Err(self.w.too_large(cur!(self).pos)),
            Some(Fault::Crlf) => Err(RestError::CrlfInjection),
            Some(Fault::Url(why)) => Err(RestError::InvalidUrl(why)),
            Some(Fault::Http(e)) => Err(RestError::Http(e)),
            Some(Fault::BodyWrite) => Err(RestError::BodyWrite),
        }
    }
}

impl<'w, B: Storage> RequestBuilder<'w, B, Query> {
    /// Add a query parameter, both parts percent-encoded (RFC 3986: everything but
    /// `A-Z a-z 0-9 - . _ ~`).
    ///
    /// Errors (reported by `finish`): [`RestError::CrlfInjection`] if either part
    /// holds CR, LF or NUL.
    #[cfg_attr(feature = "std", inline(always))]
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.push_query(key.as_bytes(), value.as_bytes(), true);
        self
    }

    /// Add a query parameter written as given (already encoded by the caller).
    ///
    /// Errors (reported by `finish`): [`RestError::CrlfInjection`] for CR, LF or NUL;
    /// [`RestError::InvalidUrl`] for spaces, `#`, other control bytes or non-ASCII.
    pub fn query_raw(mut self, key: &str, value: &str) -> Self {
        self.push_query(key.as_bytes(), value.as_bytes(), false);
        self
    }

    /// The query string written so far (without the leading `?`), as it will be
    /// sent: what an exchange signs. Sign it, then add the signature with
    /// [`query`](Self::query). Empty if the storage overflowed.
    pub fn query_string(&self) -> &[u8] {
        if cur!(self).pos <= cur!(self).query_start || cur!(self).fault.is_some() {
            return b"";
        }
        &self.w.buf.bytes()[cur!(self).query_start..cur!(self).pos]
    }

    /// Add a header (ends the query).
    ///
    /// Errors (reported by `finish`): [`RestError::CrlfInjection`] for CR, LF or NUL;
    /// [`HttpError::InvalidHeaderName`], [`HttpError::InvalidHeaderValue`],
    /// [`HttpError::ReservedHeader`].
    pub fn header(mut self, name: &str, value: &str) -> RequestBuilder<'w, B, Headers> {
        self.push_header(name, value);
        self.cast()
    }

    /// Set the body; `Content-Length` is written for it.
    pub fn body(mut self, body: &[u8]) -> RequestBuilder<'w, B, Body> {
        self.push_body(body);
        self.cast()
    }

    /// Write the body in place through [`core::fmt::Write`] (JSON, form data):
    /// no intermediate copy; `Content-Length` is filled in afterwards (room for a
    /// 20-digit length is reserved while the body is written, then the body is moved
    /// down over what the length did not use).
    ///
    /// Errors (reported by `finish`): [`RestError::BodyWrite`] if `f` returns an
    /// error other than running out of room, [`RestError::RequestTooLarge`] if it
    /// ran out of room.
    pub fn body_writer<F>(self, f: F) -> RequestBuilder<'w, B, Body>
    where
        F: FnOnce(&mut BodyWriter<'_, B>) -> fmt::Result,
    {
        self.cast::<Headers>().body_writer(f)
    }

    /// Write the body in place into a slice of `max_len` bytes; `f` returns how many
    /// it wrote. `Content-Length` is filled in afterwards.
    ///
    /// Errors (reported by `finish`): [`RestError::RequestTooLarge`] if `max_len`
    /// bytes don't fit, [`RestError::BodyWrite`] if `f` returns more than `max_len`.
    pub fn body_with<F>(self, max_len: usize, f: F) -> RequestBuilder<'w, B, Body>
    where
        F: FnOnce(&mut [u8]) -> usize,
    {
        self.cast::<Headers>().body_with(max_len, f)
    }

    /// Finish the request.
    ///
    /// # Errors
    /// The first error met while building it (see each step).
    pub fn finish(self) -> Result<Request, RestError> {
        self.finish_inner()
    }
}

impl<'w, B: Storage> RequestBuilder<'w, B, Headers> {
    /// Add a header. See [`RequestBuilder::header`] in state [`Query`].
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.push_header(name, value);
        self
    }

    /// Set the body; `Content-Length` is written for it.
    pub fn body(mut self, body: &[u8]) -> RequestBuilder<'w, B, Body> {
        self.push_body(body);
        self.cast()
    }

    /// Write the body in place through [`core::fmt::Write`]. See the [`Query`]-state
    /// method of the same name.
    pub fn body_writer<F>(mut self, f: F) -> RequestBuilder<'w, B, Body>
    where
        F: FnOnce(&mut BodyWriter<'_, B>) -> fmt::Result,
    {
        self.push_body_in_place(|b| {
            let at = cur!(b).pos;
            let overflow = cur!(b).fault.is_some();
            let mut bw = BodyWriter { w: &mut *b.w, at, pos: at, overflow };
            let r = f(&mut bw);
            let (pos, overflow) = (bw.pos, bw.overflow);
            if overflow {
                b.fault(Fault::TooLarge);
            } else if r.is_err() {
                return None;
            }
            Some(pos - at)
        });
        self.cast()
    }

    /// Write the body in place into a slice of `max_len` bytes. See the
    /// [`Query`]-state method of the same name.
    pub fn body_with<F>(mut self, max_len: usize, f: F) -> RequestBuilder<'w, B, Body>
    where
        F: FnOnce(&mut [u8]) -> usize,
    {
        self.push_body_in_place(|b| {
            let end = cur!(b).pos + max_len;
            if cur!(b).fault.is_some() || !b.w.reserve(end) {
                b.fault(Fault::TooLarge);
                return Some(max_len);
            }
            let n = f(&mut b.w.buf.bytes_mut()[cur!(b).pos..end]);
            (n <= max_len).then_some(n)
        });
        self.cast()
    }

    /// Finish the request.
    ///
    /// # Errors
    /// The first error met while building it (see each step).
    pub fn finish(self) -> Result<Request, RestError> {
        self.finish_inner()
    }
}

impl<B: Storage> RequestBuilder<'_, B, Body> {
    /// Finish the request.
    ///
    /// # Errors
    /// The first error met while building it (see each step).
    pub fn finish(self) -> Result<Request, RestError> {
        self.finish_inner()
    }
}

/// Writes a request body in place; see [`RequestBuilder::body_writer`].
///
/// Implements [`core::fmt::Write`]; [`write_bytes`](Self::write_bytes) takes raw
/// bytes. Running out of room makes writes fail with `fmt::Error` and the request
/// [`RestError::RequestTooLarge`].
pub struct BodyWriter<'a, B: Storage> {
    w: &'a mut RequestWriter<B>,
    at: usize,
    pos: usize,
    overflow: bool,
}

impl<B: Storage> BodyWriter<'_, B> {
    /// Append raw bytes to the body.
    ///
    /// # Errors
    /// `fmt::Error` when the storage is full (the request then fails with
    /// [`RestError::RequestTooLarge`]).
    #[inline]
    pub fn write_bytes(&mut self, src: &[u8]) -> fmt::Result {
        let end = self.pos + src.len();
        if !self.overflow && self.w.reserve(end) {
            copy_short(&mut self.w.buf.bytes_mut()[self.pos..end], src);
            self.pos = end;
            Ok(())
        } else {
            self.overflow = true;
            self.pos = end;
            Err(fmt::Error)
        }
    }

    /// The body written so far (e.g. to sign it).
    pub fn written(&self) -> &[u8] {
        if self.overflow {
            return b"";
        }
        &self.w.buf.bytes()[self.at..self.pos]
    }
}

impl<B: Storage> fmt::Write for BodyWriter<'_, B> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    use super::*;

    type Out = Result<(Vec<u8>, Vec<u8>), String>;

    /// Build `GET path?<prior>&key=value` with the parameter added by the fast path
    /// (`fast`) or by the general code alone; the query string seen before `finish`
    /// and the finished bytes (or the error).
    fn build<const N: usize>(
        base: &str,
        path: &str,
        prior: bool,
        key: &[u8],
        value: &[u8],
        raw: bool,
        fast: bool,
    ) -> Out {
        let mut w = RequestWriter::new([0u8; N], "h", 80, false).unwrap();
        w.set_base_path(base).map_err(|e| format!("base {e:?}"))?;
        let mut b = RequestBuilder::start_with(&mut w, Method::Get, path, fast);
        if prior {
            b = b.query("p", "1");
        }
        if fast {
            b.push_query(key, value, !raw);
        } else {
            b.query_general(key, value, !raw);
        }
        let qs = b.query_string().to_vec();
        let req = b.header("X", "y").finish().map_err(|e| format!("{e:?}"))?;
        Ok((qs, w.bytes(&req).unwrap().to_vec()))
    }

    fn agree<const N: usize>(base: &str, path: &str, prior: bool, key: &[u8], value: &[u8]) {
        for raw in [false, true] {
            let fast = build::<N>(base, path, prior, key, value, raw, true);
            let general = build::<N>(base, path, prior, key, value, raw, false);
            assert_eq!(
                fast, general,
                "N {N} base {base:?} path {path:?} prior {prior} raw {raw} key {key:?} value {value:?}"
            );
        }
    }

    /// Every byte value at every position of the key and of the value (lengths 0 to
    /// 20 and 40), with and without a base path, a query opened by the path, an
    /// earlier parameter, and storage that is just too small: the one-pass fast path
    /// and the general code give the same bytes or the same error.
    #[test]
    fn query_fast_path_agrees_with_the_general_code() {
        let filler: [u8; 40] = core::array::from_fn(|i| b"aZ09-._~"[i % 8]);
        let shapes = [("", "/o"), ("/api/v3", "/order"), ("/b", "o?"), ("/b", "/o?x=1"), ("/0123456789abcdefgh", "")];
        for len in (0..=20).chain([40]) {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut t = filler;
                    t[at] = byte;
                    let t = &t[..len];
                    let (base, path) = shapes[usize::from(byte) % shapes.len()];
                    let prior = byte & 1 == 1;
                    agree::<1024>(base, path, prior, t, b"v");
                    agree::<1024>(base, path, prior, b"k", t);
                }
            }
        }
        // Storage boundaries: every size from far too small to ample.
        for (base, path) in shapes {
            for prior in [false, true] {
                macro_rules! sizes { ($($n:literal)*) => { $(
                    agree::<$n>(base, path, prior, b"symbol", b"BTCUSDT");
                    agree::<$n>(base, path, prior, b"", b"");
                    agree::<$n>(base, path, prior, b"a b", b"c");
                )* } }
                sizes!(30 40 44 48 50 52 54 56 58 60 62 64 66 68 70 72 74 76 78 80 84 88 96 128);
            }
        }
    }

    /// Headers and bodies appended after one bound check, and the end of a head
    /// without a body (hosts), give the bytes the piece-by-piece code gives, and on
    /// storage too small for them the same `RequestTooLarge` (with the size really
    /// needed), for every storage size from far too small to ample, with and
    /// without a per-request header, for every method.
    #[test]
    fn pieces_appended_at_once_agree_with_one_by_one() {
        let body = b"{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\"}";
        let want_with = b"POST /api/o HTTP/1.1\r\nHost: h\r\nX-K: abc\r\nContent-Type: application/json\r\n\
                          Content-Length: 33\r\n\r\n{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\"}";
        let want_without = b"POST /api/o HTTP/1.1\r\nHost: h\r\nX-K: abc\r\nContent-Length: 33\r\n\r\n\
                             {\"symbol\":\"BTCUSDT\",\"side\":\"BUY\"}";
        fn one<const N: usize>(header: bool, body: &[u8]) -> Result<Vec<u8>, RestError> {
            let mut w = RequestWriter::new([0u8; N], "h", 80, false).unwrap();
            w.set_base_path("/api").unwrap();
            w.default_header("X-K", "abc").unwrap();
            let b = w.post("/o");
            let req = if header {
                b.header("Content-Type", "application/json").body(body).finish()?
            } else {
                b.body(body).finish()?
            };
            Ok(w.bytes(&req).unwrap().to_vec())
        }
        macro_rules! sizes { ($($n:literal)*) => { $(
            for (header, want) in [(true, &want_with[..]), (false, &want_without[..])] {
                match one::<$n>(header, body) {
                    Ok(bytes) => assert_eq!(bytes, want, "{}", $n),
                    Err(RestError::RequestTooLarge { needed, capacity }) => {
                        // The storage holds the base path and the fixed headers first.
                        let prefix = "/api HTTP/1.1\r\nHost: h\r\nX-K: abc\r\n".len();
                        assert_eq!((needed, capacity), (prefix + want.len(), $n));
                        assert!(needed > $n, "{}", $n);
                    }
                    Err(e) => panic!("{} {e:?}", $n),
                }
            }
        )* } }
        sizes!(40 48 56 60 64 70 76 80 84 88 92 96 100 104 108 112 116 120 124 128 132 136 140 144 150 160 256);
        // The end of a head without a body, for every method.
        fn bare<const N: usize>(m: Method) -> Result<Vec<u8>, RestError> {
            let mut w = RequestWriter::new([0u8; N], "h", 80, false).unwrap();
            w.set_base_path("/api").unwrap();
            w.default_header("X-K", "abc").unwrap();
            let req = w.request(m, "/o").finish()?;
            Ok(w.bytes(&req).unwrap().to_vec())
        }
        let methods =
            [Method::Get, Method::Post, Method::Put, Method::Delete, Method::Patch, Method::Head, Method::Options];
        for m in methods {
            let empty = if m.sends_empty_length() { "Content-Length: 0\r\n" } else { "" };
            let want = format!("{m} /api/o HTTP/1.1\r\nHost: h\r\nX-K: abc\r\n{empty}\r\n");
            macro_rules! bare_sizes { ($($n:literal)*) => { $(
                match bare::<$n>(m) {
                    Ok(bytes) => assert_eq!(bytes, want.as_bytes(), "{m} {}", $n),
                    Err(RestError::RequestTooLarge { needed, capacity }) => {
                        let prefix = "/api HTTP/1.1\r\nHost: h\r\nX-K: abc\r\n".len();
                        assert_eq!((needed, capacity), (prefix + want.len(), $n), "{m}");
                        assert!(needed > $n, "{}", $n);
                    }
                    Err(e) => panic!("{} {e:?}", $n),
                }
            )* } }
            bare_sizes!(40 44 48 52 56 60 64 68 72 76 78 80 82 84 86 88 90 92 94 96 100 104 108 112 128);
        }
        // A growable storage grows for the pieces.
        #[cfg(feature = "std")]
        {
            let mut w = RequestWriter::new(Vec::new(), "h", 80, false).unwrap();
            w.set_base_path("/api").unwrap();
            w.default_header("X-K", "abc").unwrap();
            let req = w.post("/o").header("Content-Type", "application/json").body(body).finish().unwrap();
            assert_eq!(w.bytes(&req).unwrap(), &want_with[..]);
        }
    }

    /// The method and base path written as two fixed-size stores give the same
    /// request as the general code, for every method, base path length 0 to 20,
    /// and storage sizes around the request's size.
    #[test]
    fn start_fast_path_agrees_with_the_general_code() {
        let methods =
            [Method::Get, Method::Post, Method::Put, Method::Delete, Method::Patch, Method::Head, Method::Options];
        let long = "/abcdefghijklmnopqrst";
        fn one<const N: usize>(m: Method, base: &str, path: &str, fast: bool) -> Result<Vec<u8>, String> {
            let mut w = RequestWriter::new([0u8; N], "h", 80, false).unwrap();
            w.set_base_path(base).map_err(|e| format!("base {e:?}"))?;
            let b = RequestBuilder::start_with(&mut w, m, path, fast);
            let req = b.finish().map_err(|e| format!("{e:?}"))?;
            Ok(w.bytes(&req).unwrap().to_vec())
        }
        for m in methods {
            for n in 0..=long.len() {
                let base = &long[..n];
                for path in ["", "/x", "x?", "/a b", "/o?q=1"] {
                    macro_rules! sizes { ($($n:literal)*) => { $(
                        assert_eq!(one::<$n>(m, base, path, true), one::<$n>(m, base, path, false), "{m:?} {base:?} {path:?} {}", $n);
                    )* } }
                    sizes!(20 24 28 32 36 40 42 44 46 48 50 52 54 56 58 60 64 72 80 1024);
                }
            }
        }
    }
}
