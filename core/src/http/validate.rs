//! What the request writer may write: header names and values, paths, queries and
//! hosts are checked before a byte of them is copied.

use super::HttpError;
use crate::rest::RestError;

/// The first error a builder met, reported by `finish`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Fault {
    TooLarge,
    Crlf,
    Url(&'static str),
    Http(HttpError),
    BodyWrite,
}

pub(super) const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Byte classes, as bit flags OR-ed over a whole string in one pass.
/// CR, LF or NUL: header injection.
pub(super) const CRLF: u8 = 1;
/// Not an RFC 9110 `tchar`: can't be in a header name.
pub(super) const BAD_NAME: u8 = 2;
/// A control byte other than HTAB (CR, LF, NUL also have [`CRLF`]): can't be in a
/// header value.
pub(super) const BAD_VALUE: u8 = 4;
/// Not printable ASCII, or space, or `#`: can't be written raw in a request target.
pub(super) const BAD_TARGET: u8 = 8;
/// Not an RFC 3986 unreserved character: percent-encoded in a query. Must stay the
/// highest flag (`class >> 4` counts escapes).
pub(super) const ESCAPE: u8 = 16;

const fn class_of(b: u8) -> u8 {
    let mut c = 0;
    if b == b'\r' || b == b'\n' || b == 0 {
        c |= CRLF;
    }
    let tchar = b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        );
    if !tchar {
        c |= BAD_NAME;
    }
    if (b < 0x20 && b != b'\t') || b == 0x7f {
        c |= BAD_VALUE;
    }
    if b < 0x21 || b > 0x7e || b == b'#' {
        c |= BAD_TARGET;
    }
    if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
        c |= ESCAPE;
    }
    c
}

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
};

/// The OR of the classes of `s`'s bytes, and how many of them need escaping.
/// The count takes a second pass, only when some byte needs escaping (rare for
/// trading parameters: symbols, numbers, hex signatures).
#[inline]
pub(super) fn scan(s: &[u8]) -> (u8, usize) {
    if all_unreserved(s) {
        // No class flag on an unreserved byte: nothing to report, nothing to escape.
        return (0, 0);
    }
    let acc = classes(s);
    if acc & ESCAPE == 0 {
        return (acc, 0);
    }
    let esc = s.iter().map(|&b| usize::from(CLASS[usize::from(b)] >> 4)).sum();
    (acc, esc)
}

#[inline]
fn classes(s: &[u8]) -> u8 {
    s.iter().fold(0, |acc, &b| acc | CLASS[usize::from(b)])
}

/// Whether every byte of `s` is RFC 3986 unreserved (`A-Z a-z 0-9 - . _ ~`), the
/// usual case for trading parameters (symbols, numbers, hex signatures). Checked 16
/// bytes at a time (the lane loop compiles to SSE2/NEON compares), short strings in
/// one step by overlapping loads, so a typical key or value costs about as much as
/// one byte of the table scan.
#[inline]
pub(super) fn all_unreserved(s: &[u8]) -> bool {
    let n = s.len();
    if n >= 16 {
        let whole = s.chunks_exact(16).all(|c| c.first_chunk().is_some_and(unreserved16));
        // The remainder, if any, as the last 16 bytes.
        return whole && (n.is_multiple_of(16) || s.last_chunk().is_some_and(unreserved16));
    }
    // Under 16 bytes: every byte lands in some lane (overlapping when `n` is not a
    // power of two); the other lanes hold an unreserved filler.
    unreserved16(&gather(s))
}

/// Whether every byte of `s` is printable ASCII (`0x20..=0x7e`), 16 at a time like
/// [`all_unreserved`] (short strings gathered into one block padded with `a`).
#[inline]
pub(super) fn all_printable(s: &[u8]) -> bool {
    let n = s.len();
    if n >= 16 {
        let whole = s.chunks_exact(16).all(|c| c.first_chunk().is_some_and(printable16));
        return whole && (n.is_multiple_of(16) || s.last_chunk().is_some_and(printable16));
    }
    printable16(&gather(s))
}

/// Whether every byte of `s` may stand raw in a request target (printable ASCII but
/// space and `#`: no [`BAD_TARGET`] byte), 16 at a time like [`all_unreserved`].
#[inline]
fn all_target(s: &[u8]) -> bool {
    let n = s.len();
    if n >= 16 {
        let whole = s.chunks_exact(16).all(|c| c.first_chunk().is_some_and(target16));
        return whole && (n.is_multiple_of(16) || s.last_chunk().is_some_and(target16));
    }
    target16(&gather(s))
}

/// A string under 16 bytes as one block: every byte lands in some lane, the other
/// lanes hold `a` (accepted by every block test).
#[inline(always)]
fn gather(s: &[u8]) -> [u8; 16] {
    let n = s.len();
    let mut v = [b'a'; 16];
    if n >= 8 {
        v[..8].copy_from_slice(&s[..8]);
        v[8..].copy_from_slice(&s[n - 8..]);
    } else if n >= 4 {
        v[..4].copy_from_slice(&s[..4]);
        v[4..8].copy_from_slice(&s[n - 4..]);
    } else if n > 0 {
        v[0] = s[0];
        v[1] = s[n / 2];
        v[2] = s[n - 1];
    }
    v
}

/// Whether all 16 bytes may stand raw in a target: `0x21..=0x7e` but `#`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn target16(v: &[u8; 16]) -> bool {
    use core::arch::x86_64::*;
    // SAFETY: a 16-byte unaligned load of `v`; SSE2 is in the x86_64 baseline.
    unsafe {
        let x = _mm_loadu_si128(v.as_ptr().cast());
        // `x - 0x21 < 0x5e` as a signed compare after moving 0x21 to -128.
        let d = _mm_add_epi8(x, _mm_set1_epi8(0x5f));
        let printable = _mm_cmplt_epi8(d, _mm_set1_epi8(i8::MIN.wrapping_add(0x5e)));
        let hash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'#' as i8));
        _mm_movemask_epi8(_mm_andnot_si128(hash, printable)) == 0xffff
    }
}

/// Whether all 16 bytes may stand raw in a target; branch-free.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn target16(v: &[u8; 16]) -> bool {
    v.iter().fold(true, |ok, &b| ok & (b.wrapping_sub(0x21) < 0x5e) & (b != b'#'))
}

/// Whether all 16 bytes are printable ASCII: `x + 0x60` (wrapping) is then in
/// `0x80..=0xde`, i.e. below `0xdf - 0x100` as a signed byte.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn printable16(v: &[u8; 16]) -> bool {
    use core::arch::x86_64::*;
    // SAFETY: a 16-byte unaligned load of `v`; SSE2 is in the x86_64 baseline.
    unsafe {
        let x = _mm_loadu_si128(v.as_ptr().cast());
        let d = _mm_add_epi8(x, _mm_set1_epi8(0x60));
        _mm_movemask_epi8(_mm_cmplt_epi8(d, _mm_set1_epi8(0xdfu8 as i8))) == 0xffff
    }
}

/// Whether all 16 bytes are printable ASCII; branch-free so the compiler vectorises it.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn printable16(v: &[u8; 16]) -> bool {
    v.iter().fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f))
}

/// Whether all 16 bytes are unreserved: SSE2 compares on x86_64 (written out: the
/// compiler's vectorisation of the portable loop below comes and goes with the
/// inlining context, and the loop costs about 8x more scalar).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn unreserved16(v: &[u8; 16]) -> bool {
    use core::arch::x86_64::*;
    // SAFETY: a 16-byte unaligned load of `v`; SSE2 is in the x86_64 baseline.
    unsafe {
        let x = _mm_loadu_si128(v.as_ptr().cast());
        // `x - lo < n` (unsigned) as a signed compare after moving `lo` to -128:
        // `x + (128 - lo) < -128 + n` (wrapping add, signed lanes).
        let range = |x: __m128i, lo: u8, n: u8| {
            let d = _mm_add_epi8(x, _mm_set1_epi8(128u8.wrapping_sub(lo) as i8));
            _mm_cmplt_epi8(d, _mm_set1_epi8(i8::MIN.wrapping_add(n as i8)))
        };
        let letter = range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 26);
        let ok = _mm_or_si128(
            _mm_or_si128(letter, range(x, b'0', 10)),
            _mm_or_si128(
                range(x, b'-', 2),
                _mm_or_si128(
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'_' as i8)),
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'~' as i8)),
                ),
            ),
        );
        _mm_movemask_epi8(ok) == 0xffff
    }
}

/// Whether all 16 bytes are unreserved; branch-free so the compiler vectorises it.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn unreserved16(v: &[u8; 16]) -> bool {
    let mut bad = 0u8;
    for &b in v {
        let ok = ((b | 0x20).wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b.wrapping_sub(b'-') < 2)
            | (b == b'_')
            | (b == b'~');
        bad |= u8::from(!ok);
    }
    bad == 0
}

/// Whether `out[from..to]` is all unreserved, checked where it lies, 32 bytes at a
/// time with AVX2 (hosts where it is detected at run time): `None` when AVX2 is
/// missing or fewer than 32 bytes follow `to` in `out` (the last load reads up to
/// 32 bytes from its start, and the lanes past `to` are ignored), and the caller
/// then checks the string with [`all_unreserved`]. A query parameter is checked
/// here right after it was copied into the request buffer, whose bytes past the
/// request are scratch, so no gathering of short strings is needed.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[inline(always)]
pub(super) fn unreserved_in_place(out: &[u8], from: usize, to: usize) -> Option<bool> {
    if from > to || out.len() < 32 || to > out.len() - 32 || !std::is_x86_feature_detected!("avx2") {
        return None;
    }
    // SAFETY: AVX2 was detected; `from <= to` and `to + 32 <= out.len()`, so every
    // 32-byte load of `unreserved_avx2` (which start at or before `to`) is in bounds.
    Some(unsafe { unreserved_avx2(out.as_ptr().add(from), to - from) })
}

/// Whether `out[from..to]` is all unreserved: [`unreserved_in_place`] when it
/// applies, else [`all_unreserved`]. One out-of-line copy for every query
/// parameter of a request (the run-time dispatch and the bounds checks once, not
/// at each inlined `query`); its usual path (AVX2 known to be there, room after
/// the string) is a few tests and a jump, everything else is
/// [`unreserved_at_slow`].
#[inline(never)]
pub(super) fn unreserved_at(out: &[u8], from: usize, to: usize) -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if from <= to && out.len() >= 32 && to <= out.len() - 32 && AVX2.load(core::sync::atomic::Ordering::Relaxed) {
        // SAFETY: AVX2 was detected (`AVX2` is only set then); `from <= to` and
        // `to + 32 <= out.len()`, as `unreserved_in_place` requires.
        return unsafe { unreserved_avx2(out.as_ptr().add(from), to - from) };
    }
    unreserved_at_slow(out, from, to)
}

/// AVX2 was detected (set by the first [`unreserved_at_slow`] that sees it).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
static AVX2: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// [`unreserved_at`] when its usual path does not apply (first call, no AVX2, too
/// little room after the string).
#[cold]
#[inline(never)]
fn unreserved_at_slow(out: &[u8], from: usize, to: usize) -> bool {
    match unreserved_in_place(out, from, to) {
        Some(ok) => {
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            AVX2.store(true, core::sync::atomic::Ordering::Relaxed);
            ok
        }
        None => all_unreserved(&out[from..to]),
    }
}

/// Other targets: no in-place check (the caller uses [`all_unreserved`]).
#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
#[inline(always)]
pub(super) fn unreserved_in_place(_out: &[u8], _from: usize, _to: usize) -> Option<bool> {
    None
}

/// Unreserved bytes by nibbles, for a byte shuffle (see
/// [`nibble_tables`](super::head::nibble_tables)).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
static UNRESERVED_NIBBLES: [[u8; 32]; 2] = super::head::nibble_tables(&{
    let mut member = [false; 256];
    let mut b = 0;
    while b < 256 {
        member[b] = CLASS[b] & ESCAPE == 0;
        b += 1;
    }
    member
});

/// Whether the `len` bytes at `p` are unreserved.
///
/// # Safety
/// AVX2 must be available, and 32 bytes must be readable from every offset below
/// `len` that is a multiple of 32 (at least from `p` itself).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2")]
unsafe fn unreserved_avx2(mut p: *const u8, mut len: usize) -> bool {
    use core::arch::x86_64::*;
    let nib = _mm256_set1_epi8(0x0f);
    // SAFETY: two 32-byte tables.
    let (lo_t, hi_t) = unsafe {
        (
            _mm256_loadu_si256(UNRESERVED_NIBBLES[0].as_ptr().cast()),
            _mm256_loadu_si256(UNRESERVED_NIBBLES[1].as_ptr().cast()),
        )
    };
    loop {
        // SAFETY: 32 bytes are readable at `p` (the caller's contract).
        let v = unsafe { _mm256_loadu_si256(p.cast()) };
        let lo = _mm256_shuffle_epi8(lo_t, _mm256_and_si256(v, nib));
        let hi = _mm256_shuffle_epi8(hi_t, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
        // A byte with its top bit set shuffles to 0 in `hi`: not unreserved.
        let bad = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256())) as u32;
        if len <= 32 {
            // Lanes from `len` on are past the string.
            let lanes = ((1u64 << len) - 1) as u32;
            return bad & lanes == 0;
        }
        if bad != 0 {
            return false;
        }
        // SAFETY: `len > 32`: the next block starts within the string.
        p = unsafe { p.add(32) };
        len -= 32;
    }
}

/// Copy `src` into `out` from `at`, percent-encoding all but unreserved bytes;
/// `escapes` is the count from [`scan`]. Returns the new position.
#[inline]
pub(super) fn write_escaped(out: &mut [u8], at: usize, src: &[u8], escapes: usize) -> usize {
    let end = at + src.len();
    if escapes == 0 {
        copy_short(&mut out[at..end], src);
        return end;
    }
    write_percent_encoded(out, at, src)
}

#[inline(never)]
fn write_percent_encoded(out: &mut [u8], mut at: usize, src: &[u8]) -> usize {
    for &b in src {
        if CLASS[usize::from(b)] & ESCAPE == 0 {
            out[at] = b;
            at += 1;
        } else {
            out[at] = b'%';
            out[at + 1] = HEX[usize::from(b >> 4)];
            out[at + 2] = HEX[usize::from(b & 15)];
            at += 3;
        }
    }
    at
}

/// `dst.copy_from_slice(src)` without a `memcpy` call for the short strings a
/// request is built from (query keys and values, paths): under 16 bytes, two
/// overlapping word copies. `dst` and `src` have the same length.
#[inline(always)]
pub(super) fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n >= 16 || dst.len() != n {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        let (a, b) = (word::<8>(src, 0), word::<8>(src, n - 8));
        dst[..8].copy_from_slice(&a);
        dst[n - 8..].copy_from_slice(&b);
    } else if n >= 4 {
        let (a, b) = (word::<4>(src, 0), word::<4>(src, n - 4));
        dst[..4].copy_from_slice(&a);
        dst[n - 4..].copy_from_slice(&b);
    } else if n > 0 {
        let (a, m, z) = (src[0], src[n / 2], src[n - 1]);
        dst[0] = a;
        dst[n / 2] = m;
        dst[n - 1] = z;
    }
}

/// [`copy_short`] to a raw destination: `src` to the `src.len()` bytes at `dst`.
///
/// # Safety
/// `dst` must be valid for writes of `src.len()` bytes that do not overlap `src`.
#[inline(always)]
pub(super) unsafe fn copy_short_raw(dst: *mut u8, src: &[u8]) {
    let n = src.len();
    let s = src.as_ptr();
    // SAFETY: every read is within `src` and every write within the `n` bytes at
    // `dst` (the caller's contract); unaligned accesses are explicit.
    unsafe {
        if n >= 16 {
            core::ptr::copy_nonoverlapping(s, dst, n);
        } else if n >= 8 {
            let (a, b) = (s.cast::<u64>().read_unaligned(), s.add(n - 8).cast::<u64>().read_unaligned());
            dst.cast::<u64>().write_unaligned(a);
            dst.add(n - 8).cast::<u64>().write_unaligned(b);
        } else if n >= 4 {
            let (a, b) = (s.cast::<u32>().read_unaligned(), s.add(n - 4).cast::<u32>().read_unaligned());
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else if n > 0 {
            let (a, m, z) = (*s, *s.add(n / 2), *s.add(n - 1));
            *dst = a;
            *dst.add(n / 2) = m;
            *dst.add(n - 1) = z;
        }
    }
}

#[inline(always)]
fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
    let mut w = [0; N];
    w.copy_from_slice(&s[at..at + N]);
    w
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
    if classes(host) & CRLF != 0 {
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

pub(super) const BAD_TARGET_MSG: &str = "space, '#', control or non-ASCII byte in the path or query; percent-encode it";

/// Path and raw-query bytes: printable ASCII but space and `#`.
#[inline]
pub(super) fn check_target(s: &[u8]) -> Result<(), Fault> {
    // Host fast path: all bytes fine by 16-byte blocks; else the table scan, which
    // names the fault.
    if FAST_HEADER && all_target(s) {
        return Ok(());
    }
    target_fault(classes(s))
}

/// [`check_target`] and the index of the first `?` (where a query starts), from
/// one pass over the path on hosts: a path of target bytes is checked and searched
/// 16 bytes at a time; anything else takes the table scan (which names the fault)
/// and a byte search, as before. (Inlined on hosts: out of line it returns its
/// pair through memory.)
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(super) fn check_target_find_query(s: &[u8]) -> (Result<(), Fault>, Option<usize>) {
    if FAST_HEADER {
        if let Some(q) = target_query(s) {
            return (Ok(()), q);
        }
    }
    (target_fault(classes(s)), s.iter().position(|&c| c == b'?'))
}

/// `Some(index of the first '?')` when every byte of `s` may stand raw in a target
/// (as [`all_target`]), else `None`.
#[inline]
fn target_query(s: &[u8]) -> Option<Option<usize>> {
    let n = s.len();
    if n >= 16 {
        let mut first = None;
        let mut at = 0;
        while let Some(c) = s.get(at..at + 16) {
            let (ok, q) = target16_query(c.first_chunk()?);
            if !ok {
                return None;
            }
            if first.is_none() && q != 0 {
                first = Some(at + q.trailing_zeros() as usize);
            }
            at += 16;
        }
        if at < n {
            // The rest as the last 16 bytes: a '?' in the part already searched
            // was found there first.
            let (ok, q) = target16_query(s.last_chunk()?);
            if !ok {
                return None;
            }
            if first.is_none() && q != 0 {
                first = Some(n - 16 + q.trailing_zeros() as usize);
            }
        }
        return Some(first);
    }
    // Under 16 bytes, gathered as in `gather`: the first lane holding a '?' maps
    // back to the first '?' of `s` (the lanes of each half are in order, and the
    // second half starts no later than the first half ends).
    let (ok, q) = target16_query(&gather(s));
    if !ok {
        return None;
    }
    if q == 0 {
        return Some(None);
    }
    let lane = q.trailing_zeros() as usize;
    let index = if n >= 8 {
        if lane < 8 {
            lane
        } else {
            lane + n - 16
        }
    } else if n >= 4 {
        if lane < 4 {
            lane
        } else {
            lane + n - 8
        }
    } else {
        [0, n / 2, n - 1][lane]
    };
    Some(Some(index))
}

/// Whether all 16 bytes may stand raw in a target, and a mask of the lanes that
/// hold a `?`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn target16_query(v: &[u8; 16]) -> (bool, u32) {
    use core::arch::x86_64::*;
    // SAFETY: a 16-byte unaligned load of `v`; SSE2 is in the x86_64 baseline.
    unsafe {
        let x = _mm_loadu_si128(v.as_ptr().cast());
        let q = _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'?' as i8))) as u32;
        (target16(v), q)
    }
}

/// Whether all 16 bytes may stand raw in a target, and a mask of the `?` lanes.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn target16_query(v: &[u8; 16]) -> (bool, u32) {
    let q = v.iter().enumerate().fold(0u32, |m, (i, &b)| m | (u32::from(b == b'?') << i));
    (target16(v), q)
}

/// The fault for a request-target string whose classes OR to `acc`.
#[inline]
fn target_fault(acc: u8) -> Result<(), Fault> {
    if acc & CRLF != 0 {
        Err(Fault::Crlf)
    } else if acc & BAD_TARGET != 0 {
        Err(Fault::Url(BAD_TARGET_MSG))
    } else {
        Ok(())
    }
}

#[inline]
pub(super) fn check_header(name: &[u8], value: &[u8]) -> Result<(), Fault> {
    // Host fast path: a name of unreserved bytes (all `tchar`s) and a value of
    // printable ASCII (no control byte) pass the class checks; anything else (an
    // empty name, HTAB or obs-text in the value, any error) takes the table scan.
    let plain = FAST_HEADER && !name.is_empty() && all_unreserved(name) && all_printable(value);
    if !plain {
        check_header_bytes(name, value)?;
    }
    let reserved = match name.len() {
        4 => name.eq_ignore_ascii_case(b"host"),
        14 => name.eq_ignore_ascii_case(b"content-length"),
        17 => name.eq_ignore_ascii_case(b"transfer-encoding"),
        _ => false,
    };
    if reserved {
        return Err(Fault::Http(HttpError::ReservedHeader));
    }
    Ok(())
}

/// Host-only fast paths of [`check_header`] and [`check_target`]; firmware keeps
/// the table scan alone.
const FAST_HEADER: bool = cfg!(not(target_os = "none"));

/// The byte-class checks of [`check_header`] (the general path).
fn check_header_bytes(name: &[u8], value: &[u8]) -> Result<(), Fault> {
    let (n, v) = (classes(name), classes(value));
    if (n | v) & CRLF != 0 {
        return Err(Fault::Crlf);
    }
    if name.is_empty() || n & BAD_NAME != 0 {
        return Err(Fault::Http(HttpError::InvalidHeaderName));
    }
    if v & BAD_VALUE != 0 {
        return Err(Fault::Http(HttpError::InvalidHeaderValue));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_match_the_rfcs() {
        for b in 0..=255u8 {
            let c = CLASS[usize::from(b)];
            assert_eq!(c & CRLF != 0, matches!(b, b'\r' | b'\n' | 0), "{b:#x}");
            assert_eq!(c & BAD_NAME == 0, super::super::is_tchar(b), "{b:#x}");
            assert_eq!(c & ESCAPE == 0, b.is_ascii_alphanumeric() || b"-._~".contains(&b), "{b:#x}");
            assert_eq!(c & BAD_VALUE != 0, b.is_ascii_control() && b != b'\t', "{b:#x}");
            assert_eq!(c & BAD_TARGET == 0, b.is_ascii_graphic() && b != b'#', "{b:#x}");
        }
    }

    /// The vector check agrees with the table for every byte at every position of
    /// every length up to 40 (all the load shapes: 1-3, 4-7, 8-15, whole and
    /// overlapping 16-byte chunks).
    #[test]
    fn all_unreserved_matches_the_table() {
        for len in 0..=40usize {
            let base: [u8; 40] = core::array::from_fn(|i| b"aZ09-._~"[i % 8]);
            let s = &base[..len];
            assert!(all_unreserved(s), "{len}");
            assert_eq!(scan(s), (0, 0));
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut t = base;
                    t[at] = b;
                    let t = &t[..len];
                    let want = CLASS[usize::from(b)] & ESCAPE == 0;
                    assert_eq!(all_unreserved(t), want, "len {len} at {at} byte {b:#x}");
                    assert_eq!(scan(t), (classes(t), t.iter().map(|&c| usize::from(CLASS[usize::from(c)] >> 4)).sum()));
                }
            }
        }
    }

    /// One pass for the target check and the '?' search gives what the two did:
    /// every byte value at every position of every length up to 40, with a '?'
    /// before, at or after it (or none).
    #[test]
    fn check_target_find_query_agrees_with_the_two_passes() {
        let base: [u8; 40] = core::array::from_fn(|i| b"/aZ09-._~%=&"[i % 12]);
        for len in 0..=40usize {
            for q in [None, Some(0), Some(len / 3), Some(len.saturating_sub(1))] {
                let mut t0 = base;
                if let Some(q) = q.filter(|&q| q < len) {
                    t0[q] = b'?';
                }
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut t = t0;
                        t[at] = b;
                        let t = &t[..len];
                        let want = (check_target(t), t.iter().position(|&c| c == b'?'));
                        assert_eq!(check_target_find_query(t), want, "{t:?}");
                    }
                }
                let t = &t0[..len];
                assert_eq!(check_target_find_query(t), (check_target(t), t.iter().position(|&c| c == b'?')));
            }
        }
    }

    /// The in-place AVX2 check (and `unreserved_at`, which uses it) agrees with the table for every byte at every
    /// position of every length up to 100 (one to four loads, the last one masked),
    /// whatever bytes surround the string (bad ones before and after it, which must
    /// be ignored), at every offset within 32 bytes; and it declines (`None`) when
    /// fewer than 32 bytes follow the string.
    #[test]
    fn unreserved_in_place_agrees_with_the_table() {
        let mut out = [0u8; 100 + 32 + 40];
        for len in 0..=100usize {
            for from in [0, 1, 7, 16, 31, 32] {
                let to = from + len;
                out.fill(b' '); // not unreserved: around the string
                for (i, o) in out[from..to].iter_mut().enumerate() {
                    *o = b"aZ09-._~"[i % 8];
                }
                let base = out;
                #[cfg(all(target_arch = "x86_64", feature = "std"))]
                if std::is_x86_feature_detected!("avx2") {
                    assert_eq!(unreserved_in_place(&out, from, to), Some(true), "{len} {from}");
                }
                for at in from..to {
                    for b in 0..=255u8 {
                        out[at] = b;
                        let want = CLASS[usize::from(b)] & ESCAPE == 0;
                        let got = unreserved_in_place(&out, from, to);
                        assert!(got.is_none() || got == Some(want), "len {len} from {from} at {at} byte {b:#x}");
                        assert_eq!(unreserved_at(&out, from, to), want, "len {len} from {from} at {at} byte {b:#x}");
                        out[at] = base[at];
                    }
                }
                // Too close to the end of the buffer: declined.
                let tight = &out[..to + 31];
                assert_eq!(unreserved_in_place(tight, from, to), None);
                assert!(unreserved_at(tight, from, to));
            }
        }
    }

    /// The header check's fast path (unreserved name, printable value) gives the
    /// same answer as the table scan alone for every byte at every position.
    #[test]
    fn check_header_fast_path_agrees_with_the_table() {
        let general = |n: &[u8], v: &[u8]| {
            check_header_bytes(n, v)?;
            let reserved =
                [&b"host"[..], b"content-length", b"transfer-encoding"].iter().any(|r| n.eq_ignore_ascii_case(r));
            if reserved {
                return Err(Fault::Http(HttpError::ReservedHeader));
            }
            Ok(())
        };
        let names: [&[u8]; 4] = [b"X-Api-Key_0.~", b"Host", b"content-LENGTH", b"Transfer-Encoding"];
        for len in 0..=40usize {
            let base: [u8; 40] = core::array::from_fn(|i| b"aZ09 -.~!/:;?"[i % 13]);
            let s = &base[..len];
            for name in names {
                assert_eq!(check_header(name, s), general(name, s), "{len}");
            }
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut t = base;
                    t[at] = b;
                    let t = &t[..len];
                    let name: [u8; 40] = core::array::from_fn(|i| b"Ab-9._~z"[i % 8]);
                    let name = &name[..len];
                    assert_eq!(check_header(name, t), general(name, t), "value len {len} at {at} byte {b:#x}");
                    let mut nm: [u8; 40] = core::array::from_fn(|i| b"Ab-9._~z"[i % 8]);
                    nm[at] = b;
                    let nm = &nm[..len];
                    assert_eq!(check_header(nm, b"v"), general(nm, b"v"), "name len {len} at {at} byte {b:#x}");
                }
            }
        }
    }

    /// The target check's fast path agrees with the table scan for every byte at
    /// every position.
    #[test]
    fn check_target_fast_path_agrees_with_the_table() {
        for len in 0..=40usize {
            let base: [u8; 40] = core::array::from_fn(|i| b"/aZ09-._~?=&%!"[i % 14]);
            assert_eq!(check_target(&base[..len]), Ok(()));
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut t = base;
                    t[at] = b;
                    let t = &t[..len];
                    assert_eq!(check_target(t), target_fault(classes(t)), "len {len} at {at} byte {b:#x}");
                    assert_eq!(all_target(t), classes(t) & (BAD_TARGET | CRLF) == 0, "len {len} at {at} byte {b:#x}");
                }
            }
        }
    }

    #[test]
    fn short_copies() {
        let src: [u8; 40] = core::array::from_fn(|i| i as u8 + 1);
        for n in 0..=40 {
            let mut dst = [0u8; 42];
            copy_short(&mut dst[1..1 + n], &src[..n]);
            assert_eq!(&dst[1..1 + n], &src[..n]);
            assert_eq!((dst[0], dst[1 + n]), (0, 0), "{n}: wrote outside");
        }
    }

    #[test]
    fn escaping() {
        let src = b"a b/\xc3\xa9~";
        let (acc, esc) = scan(src);
        assert_eq!((acc & CRLF, esc), (0, 4));
        let mut out = [0u8; 32];
        let n = write_escaped(&mut out, 1, src, esc);
        assert_eq!(&out[1..n], b"a%20b%2F%C3%A9~");
    }
}
