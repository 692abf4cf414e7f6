//! A coarse monotonic clock for idle bookkeeping: reading it is a few nanoseconds
//! (Linux `CLOCK_MONOTONIC_COARSE`, a value the kernel keeps at tick resolution, a
//! few milliseconds), where `Instant::now` costs 20 ns or more. Idle limits are
//! seconds, so the resolution is ample, and `try_acquire` stays well under 100 ns.

use std::time::Duration;

/// A point in coarse monotonic time, in nanoseconds (one integer: reading, storing
/// and subtracting it is cheaper than a `Duration`'s seconds and nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp(u64);

impl Stamp {
    #[inline]
    pub fn now() -> Self {
        Self(now())
    }

    /// Time from `self` to now (zero if the clock read earlier than `self`).
    #[inline]
    pub fn elapsed(self) -> Duration {
        Duration::from_nanos(now().saturating_sub(self.0))
    }
}

#[cfg(target_os = "linux")]
#[inline]
fn now() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC_COARSE exists on
    // every Linux since 2.6.32 and this call cannot fail with valid arguments.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    // Monotonic time is time since boot: u64 nanoseconds last 584 years.
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

#[cfg(not(target_os = "linux"))]
#[inline]
fn now() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static BASE: OnceLock<Instant> = OnceLock::new();
    // Time since the first read: u64 nanoseconds last 584 years.
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64
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
