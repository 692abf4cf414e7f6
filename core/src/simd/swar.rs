//! Word-at-a-time masking: the portable path, and the tail of every SIMD path.
//!
//! XOR is byte-wise, so a `u64` whose bytes are the key repeated twice masks eight
//! payload bytes at once, whatever the target's endianness: the mask word is built
//! from bytes in memory order and the payload is loaded in the same order.

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

/// Mask `buf` in place; `key[0]` applies to `buf[0]` (the key is already rotated).
///
/// Bytes before the first 8-aligned address are done one at a time, so that the
/// word loop below runs on aligned words (cheaper on targets, such as Cortex-M,
/// where unaligned 64-bit access is split or traps).
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    if buf.len() < 8 {
        mask_bytes(buf, key);
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
    mask_bytes(tail, key);
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`. Lengths must match
/// (checked by the caller; a mismatch here would only mask the shorter prefix).
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    debug_assert_eq!(dst.len(), src.len());
    let mask = mask_word(key);
    // Source and destination alignments differ in general, so use unaligned word
    // accesses (`from_ne_bytes` on a copied array compiles to a plain load).
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d8, s8) in (&mut d).zip(&mut s) {
        let mut w = [0u8; 8];
        w.copy_from_slice(s8);
        d8.copy_from_slice(&(u64::from_ne_bytes(w) ^ mask).to_ne_bytes());
    }
    copy_bytes(d.into_remainder(), s.remainder(), key);
}

/// One byte at a time (short heads and tails).
#[inline(always)]
pub(crate) fn mask_bytes(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// One byte at a time, copying.
#[inline(always)]
pub(crate) fn copy_bytes(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    for (i, (d, s)) in dst.iter_mut().zip(src).enumerate() {
        *d = *s ^ key[i & 3];
    }
}
