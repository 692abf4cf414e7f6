//! WebSocket masking. Being written; scalar placeholder so the crate builds.

/// XOR `buf` with the 4-byte mask `key`, as if `buf` began `offset` bytes into the
/// masked payload.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(i + offset) & 3];
    }
}

/// Copy `src` into `dst` (same length) masked with `key`, as if `src` began `offset`
/// bytes into the payload.
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    assert_eq!(dst.len(), src.len());
    for (i, (d, s)) in dst.iter_mut().zip(src).enumerate() {
        *d = *s ^ key[(i + offset) & 3];
    }
}
