//! AVX-512F masking, 64 bytes per instruction (x86_64, detected at run time with
//! `std`). Used for long buffers only: short ones gain nothing from the wider registers.
//!
//! The stores are aligned to 64 bytes (one cache line each): an unaligned 64-byte
//! store touches two lines, which halves the store throughput that bounds this loop.
//! The unaligned first and last 64 bytes are loaded before anything is stored and
//! written last, overlapping the aligned middle with the same values.

use core::arch::x86_64::{
    __m512i, _mm512_load_si512, _mm512_loadu_si512, _mm512_or_si512, _mm512_set1_epi32, _mm512_set1_epi8,
    _mm512_setzero_si512, _mm512_store_si512, _mm512_storeu_si512, _mm512_test_epi32_mask, _mm512_xor_si512,
};

use super::swar::rotate_key_u32;

/// The shortest buffer these functions take.
pub const MIN_LEN: usize = 64;

/// Mask `buf` in place; `key[0]` applies to `buf[0]`.
///
/// # Safety
/// The CPU must support AVX-512F, and `buf.len() >= MIN_LEN`.
#[target_feature(enable = "avx512f")]
pub unsafe fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    // SAFETY: forwarded from the caller.
    unsafe { mask_in_place::<false>(buf, key) };
}

/// Mask `buf` in place and return whether every masked byte is ASCII.
///
/// # Safety
/// The CPU must support AVX-512F, and `buf.len() >= MIN_LEN`.
#[target_feature(enable = "avx512f")]
pub unsafe fn apply_mask_ascii(buf: &mut [u8], key: [u8; 4]) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe { mask_in_place::<true>(buf, key) }
}

#[inline(always)]
unsafe fn mask_in_place<const ASCII: bool>(buf: &mut [u8], key: [u8; 4]) -> bool {
    let len = buf.len();
    assert!(len >= MIN_LEN);
    let p = buf.as_mut_ptr();
    let k = u32::from_ne_bytes(key);
    // First aligned position (0..=63).
    let a = p.align_offset(64);
    // SAFETY: the caller guarantees AVX-512F. `len >= 64`, so the head (at 0) and the
    // tail (at `len - 64`) are in bounds; the loop accesses `i..i + 64` with
    // `i + 64 <= len`, `i` 64-byte aligned from `a` on, so the aligned loads and
    // stores are valid. Head and tail are loaded before any store and stored after
    // the loop; the loop loads only bytes it has not stored yet. Overlapping bytes
    // receive the same value from both stores, so none is XORed twice.
    unsafe {
        let head = _mm512_xor_si512(_mm512_loadu_si512(p.cast()), _mm512_set1_epi32(k as i32));
        let tail_p = p.add(len - 64);
        let tail =
            _mm512_xor_si512(_mm512_loadu_si512(tail_p.cast()), _mm512_set1_epi32(rotate_key_u32(k, len) as i32));
        let mask = _mm512_set1_epi32(rotate_key_u32(k, a) as i32);
        let mut acc = if ASCII { _mm512_or_si512(head, tail) } else { _mm512_setzero_si512() };
        let mut i = a;
        while i + 256 <= len {
            let q = p.add(i).cast::<__m512i>();
            let v0 = _mm512_xor_si512(_mm512_load_si512(q), mask);
            let v1 = _mm512_xor_si512(_mm512_load_si512(q.add(1)), mask);
            let v2 = _mm512_xor_si512(_mm512_load_si512(q.add(2)), mask);
            let v3 = _mm512_xor_si512(_mm512_load_si512(q.add(3)), mask);
            _mm512_store_si512(q, v0);
            _mm512_store_si512(q.add(1), v1);
            _mm512_store_si512(q.add(2), v2);
            _mm512_store_si512(q.add(3), v3);
            if ASCII {
                acc = _mm512_or_si512(acc, _mm512_or_si512(_mm512_or_si512(v0, v1), _mm512_or_si512(v2, v3)));
            }
            i += 256;
        }
        while i + 64 <= len {
            let q = p.add(i).cast::<__m512i>();
            let v = _mm512_xor_si512(_mm512_load_si512(q), mask);
            _mm512_store_si512(q, v);
            if ASCII {
                acc = _mm512_or_si512(acc, v);
            }
            i += 64;
        }
        _mm512_storeu_si512(p.cast(), head);
        _mm512_storeu_si512(tail_p.cast(), tail);
        !ASCII || _mm512_test_epi32_mask(acc, _mm512_set1_epi8(0x80u8 as i8)) == 0
    }
}

/// Copy `src` into `dst` masked; `key[0]` applies to `src[0]`; equal lengths.
///
/// # Safety
/// The CPU must support AVX-512F, `dst.len() == src.len()` and `src.len() >= MIN_LEN`.
#[target_feature(enable = "avx512f")]
pub unsafe fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let len = src.len();
    assert!(len >= MIN_LEN && dst.len() == len);
    let (d, s) = (dst.as_mut_ptr(), src.as_ptr());
    let k = u32::from_ne_bytes(key);
    let a = d.align_offset(64);
    // SAFETY: the caller guarantees AVX-512F; both slices hold `len >= 64` bytes and
    // are distinct. Stores from `a` on are 64-byte aligned in `dst` and end at or
    // before `len`; the unaligned head and tail stores rewrite overlapping bytes with
    // the same values (the source is never modified).
    unsafe {
        let mask = _mm512_set1_epi32(rotate_key_u32(k, a) as i32);
        let head = _mm512_xor_si512(_mm512_loadu_si512(s.cast()), _mm512_set1_epi32(k as i32));
        _mm512_storeu_si512(d.cast(), head);
        let mut i = a;
        while i + 256 <= len {
            let (q, r) = (s.add(i).cast::<__m512i>(), d.add(i).cast::<__m512i>());
            let v0 = _mm512_loadu_si512(q.cast());
            let v1 = _mm512_loadu_si512(q.add(1).cast());
            let v2 = _mm512_loadu_si512(q.add(2).cast());
            let v3 = _mm512_loadu_si512(q.add(3).cast());
            _mm512_store_si512(r, _mm512_xor_si512(v0, mask));
            _mm512_store_si512(r.add(1), _mm512_xor_si512(v1, mask));
            _mm512_store_si512(r.add(2), _mm512_xor_si512(v2, mask));
            _mm512_store_si512(r.add(3), _mm512_xor_si512(v3, mask));
            i += 256;
        }
        while i + 64 <= len {
            let v = _mm512_loadu_si512(s.add(i).cast());
            _mm512_store_si512(d.add(i).cast::<__m512i>(), _mm512_xor_si512(v, mask));
            i += 64;
        }
        let tail = _mm512_loadu_si512(s.add(len - 64).cast());
        let tail_mask = _mm512_set1_epi32(rotate_key_u32(k, len) as i32);
        _mm512_storeu_si512(d.add(len - 64).cast(), _mm512_xor_si512(tail, tail_mask));
    }
}
