//! A coarse monotonic clock for idle bookkeeping: reading it is a few nanoseconds
//! (Linux `CLOCK_MONOTONIC_COARSE`, a value the kernel keeps at tick resolution, a
//! few milliseconds), where `Instant::now` costs 20 ns or more. Idle limits are
//! seconds, so the resolution is ample, and `try_acquire` stays well under 100 ns.

use std::time::Duration;

/// A point in coarse monotonic time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp(Duration);

impl Stamp {
    #[inline]
    pub fn now() -> Self {
        Self(now())
    }

    /// Time from `self` to now (zero if the clock read earlier than `self`).
    #[inline]
    pub fn elapsed(self) -> Duration {
        now().saturating_sub(self.0)
    }
}

#[cfg(target_os = "linux")]
#[inline]
fn now() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC_COARSE exists on
    // every Linux since 2.6.32 and this call cannot fail with valid arguments.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(target_os = "linux"))]
#[inline]
fn now() -> Duration {
    use std::sync::OnceLock;
    use std::time::Instant;
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances() {
        let t = Stamp::now();
        std::thread::sleep(Duration::from_millis(30));
        let e = t.elapsed();
        assert!(e >= Duration::from_millis(20) && e < Duration::from_secs(5), "{e:?}");
        assert!(Stamp::now() >= t);
    }
}
