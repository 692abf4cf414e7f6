//! Caller-owned byte storage for the codecs.
//!
//! The codecs never allocate. They work over any [`Storage`]: a `&mut [u8]`, a
//! `[u8; N]`, or (feature `std`) a `Vec<u8>` that may grow up to a limit the codec
//! enforces. Fixed storage never grows: a message that does not fit is an error
//! (`MessageTooBig`), never a reallocation.

/// Bytes a codec reads into and parses from.
///
/// `try_grow` is the one hook an adapter with an allocator may implement; the codec
/// calls it only when a message it must accept (within its configured limits) does
/// not fit the current capacity, and picks the new size itself (geometric growth,
/// capped by its limits), so every storage grows by the same policy.
pub trait Storage {
    /// The whole storage.
    fn bytes(&self) -> &[u8];
    /// The whole storage, mutable.
    fn bytes_mut(&mut self) -> &mut [u8];
    /// Grow to at least `min_len` bytes, keeping the contents. Returns `false` when the
    /// storage is fixed (the default) or the memory can't be had.
    fn try_grow(&mut self, min_len: usize) -> bool {
        let _ = min_len;
        false
    }
}

impl Storage for &mut [u8] {
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl<const N: usize> Storage for [u8; N] {
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

#[cfg(feature = "std")]
impl Storage for std::vec::Vec<u8> {
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
    fn try_grow(&mut self, min_len: usize) -> bool {
        if min_len > self.len() {
            if self.try_reserve_exact(min_len - self.len()).is_err() {
                return false;
            }
            self.resize(min_len, 0);
        }
        true
    }
}

#[cfg(feature = "std")]
impl Storage for std::boxed::Box<[u8]> {
    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}
