//! Word-at-a-time masking: the portable path, and the tail of every SIMD path.
//!
//! XOR is byte-wise, so a `u64` whose bytes are the key repeated twice masks eight
//! payload bytes at once, whatever the target's endianness: the mask word is built
//! from bytes in memory order and the payload is loaded in the same order.

// `apply_mask` (and its aligned-word loop) is the dispatch target only where no
// SIMD path is compiled in; on x86_64 and aarch64 only the SIMD tails and the tests
// call into this file.
#![cfg_attr(
    any(all(target_arch = "x86_64", target_feature = "sse2"), all(target_arch = "aarch64", target_feature = "neon")),
    allow(dead_code)
)]

/// The key repeated to fill a `u64`, in memory order.
#[inline(always)]
fn mask_word(key: [u8; 4]) -> u64 {
    let [a, b, c, d] = key;
    u64::from_ne_bytes([a, b, c, d, a, b, c, d])
}

/// `key` rotated so that its first byte is the one for payload position `n`.
#[inline(always)]
pub(crate) const fn rotate_key(key: [u8; 4], n: usize) -> [u8; 4] {
    [key[n & 3], key[(n + 1) & 3], key[(n + 2) & 3], key[(n + 3) & 3]]
}

/// `rotate_key` for a key held as a native-endian `u32` (its bytes in memory order).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) const fn rotate_key_u32(key: u32, n: usize) -> u32 {
    let bits = 8 * (n as u32 & 3);
    if cfg!(target_endian = "little") {
        key.rotate_right(bits)
    } else {
        key.rotate_left(bits)
    }
}

/// Below this length, aligning first costs more than it saves.
const ALIGN_MIN_LEN: usize = 32;

/// Mask `buf` in place; `key[0]` applies to `buf[0]` (the key is already rotated).
///
/// Long buffers are masked one aligned `u64` at a time after an unaligned head of up
/// to seven bytes (aligned words are cheaper on targets, such as Cortex-M, where
/// unaligned 64-bit access is split or traps); short ones go straight to
/// [`apply_mask_short`].
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    if buf.len() < ALIGN_MIN_LEN {
        apply_mask_short(buf, key);
        return;
    }
    // SAFETY: every bit pattern is a valid `u64` and a valid `[u8; 8]`, so viewing
    // the aligned middle of a byte slice as words (and back) is sound; `align_to_mut`
    // itself guarantees the middle part is correctly aligned and in bounds.
    let (head, words, tail) = unsafe { buf.align_to_mut::<u64>() };
    mask_bytes(head, key);
    let key = rotate_key(key, head.len());
    let mask = mask_word(key);
    for w in words.iter_mut() {
        *w ^= mask;
    }
    // The middle is a whole number of 8-byte words, so the key phase is unchanged.
    apply_mask_short(tail, key);
}

/// Mask a short buffer (heads, tails, small frames): 8, then 4, then 1 byte at a
/// time, with unaligned word accesses (`from_ne_bytes` on a copied array compiles
/// to a plain load where the target allows it).
#[inline(always)]
pub fn apply_mask_short(buf: &mut [u8], key: [u8; 4]) {
    let mask = mask_word(key);
    let mut words = buf.chunks_exact_mut(8);
    for c in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ mask).to_ne_bytes());
    }
    let rest = words.into_remainder();
    let (four, last) = rest.split_at_mut(rest.len() & !3);
    if !four.is_empty() {
        let mut w = [0u8; 4];
        w.copy_from_slice(four);
        four.copy_from_slice(&(u32::from_ne_bytes(w) ^ u32::from_ne_bytes(key)).to_ne_bytes());
    }
    for (b, k) in last.iter_mut().zip(key) {
        *b ^= k;
    }
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`. Lengths must match
/// (checked by the caller; a mismatch here would only mask the shorter prefix).
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    debug_assert_eq!(dst.len(), src.len());
    let mask = mask_word(key);
    // Source and destination alignments differ in general, so use unaligned word
    // accesses.
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d8, s8) in (&mut d).zip(&mut s) {
        let mut w = [0u8; 8];
        w.copy_from_slice(s8);
        d8.copy_from_slice(&(u64::from_ne_bytes(w) ^ mask).to_ne_bytes());
    }
    let (d, s) = (d.into_remainder(), s.remainder());
    let split = s.len().min(d.len()) & !3;
    let (d4, d1) = d.split_at_mut(split);
    let (s4, s1) = s.split_at(split);
    if !d4.is_empty() {
        let mut w = [0u8; 4];
        w.copy_from_slice(s4);
        d4.copy_from_slice(&(u32::from_ne_bytes(w) ^ u32::from_ne_bytes(key)).to_ne_bytes());
    }
    for ((d, s), k) in d1.iter_mut().zip(s1).zip(key) {
        *d = *s ^ k;
    }
}

/// One byte at a time (the unaligned head of a long buffer).
#[inline(always)]
pub(crate) fn mask_bytes(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// One byte at a time, copying (a second reference for the tests).
#[cfg(test)]
pub(crate) fn copy_bytes(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    for (i, (d, s)) in dst.iter_mut().zip(src).enumerate() {
        *d = *s ^ key[i & 3];
    }
}
