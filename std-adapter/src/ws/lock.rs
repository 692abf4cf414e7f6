//! The split writer's lock: an async mutex whose uncontended lock and unlock are one
//! compare-and-swap each, and which hands the lock straight to a waiter when there
//! is one.
//!
//! `tokio::sync::Mutex` releases through its semaphore, which takes the waiter
//! list's lock on every release, waiters or not: 100 instructions per round trip
//! of the echo benchmark (whose server sends through a split writer), measured.
//! Here the list is touched only when a task waits.
//!
//! State (one `usize`): [`LOCKED`] while someone owns the lock or a handoff is
//! pending; [`HANDOFF`] when the last owner left it to a waiter; the rest counts the
//! registered waiters (in units of [`WAITER`]). The lock is owned by whoever sets
//! `LOCKED` on a free lock or clears `HANDOFF`: each is one atomic step, so there is
//! never more than one owner. An owner that leaves with waiters registered sets
//! `HANDOFF` (the lock stays `LOCKED`) and wakes one through a [`Notify`].
//!
//! Cancellation: a waiter dropped after it was woken leaves `HANDOFF` set, and
//! tokio passes the wake-up on to the next waiter (or keeps it for the next one to
//! come). Whoever comes next claims the handoff, even [`WriteLock::try_lock`] when no
//! waiter is left, so a dropped `send` can never strand the lock. Waiters are woken
//! in the order they started to wait; a task that arrives while others wait joins
//! them instead of taking the lock first, except for the moment between a release
//! and the first waiter's claim, where any registered waiter may claim it.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

const LOCKED: usize = 1;
const HANDOFF: usize = 2;
const WAITER: usize = 4;

pub(super) struct WriteLock<T> {
    state: AtomicUsize,
    wake: Notify,
    value: UnsafeCell<T>,
}

// SAFETY: the lock gives `&mut T` to one owner at a time (see the module docs), so
// sharing the lock between threads needs only `T: Send`, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for WriteLock<T> {}
// SAFETY: as above; moving the lock moves the `T`.
unsafe impl<T: Send> Send for WriteLock<T> {}

impl<T> WriteLock<T> {
    pub(super) fn new(value: T) -> Self {
        Self { state: AtomicUsize::new(0), wake: Notify::new(), value: UnsafeCell::new(value) }
    }

    /// The lock if it is free, or if it was handed over and no waiter is left to
    /// take it; `None` otherwise (never waits).
    #[inline]
    pub(super) fn try_lock(&self) -> Option<WriteGuard<'_, T>> {
        match self.state.compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => Some(self.guard()),
            Err(state) => self.try_lock_slow(state),
        }
    }

    #[cold]
    fn try_lock_slow(&self, mut state: usize) -> Option<WriteGuard<'_, T>> {
        loop {
            let next = if state & LOCKED == 0 {
                // Free, with waiters registered that have not claimed it yet.
                state | LOCKED
            } else if state == LOCKED | HANDOFF {
                // Handed over to a waiter that has gone since.
                LOCKED
            } else {
                return None;
            };
            match self.state.compare_exchange_weak(state, next, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return Some(self.guard()),
                Err(now) => state = now,
            }
        }
    }

    /// The lock, waiting in turn if another task holds it.
    #[inline]
    pub(super) async fn lock(&self) -> WriteGuard<'_, T> {
        match self.state.compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => self.guard(),
            Err(_) => self.lock_slow().await,
        }
    }

    async fn lock_slow(&self) -> WriteGuard<'_, T> {
        self.state.fetch_add(WAITER, Ordering::Relaxed);
        let registered = Registered(self);
        loop {
            // Listen first, then look: a release after the look wakes this waiter
            // (or another one, which then claims the lock).
            let mut woken = pin!(self.wake.notified());
            woken.as_mut().enable();
            if self.claim_as_waiter() {
                std::mem::forget(registered);
                return self.guard();
            }
            woken.await;
        }
    }

    /// Take a free lock or a handoff, leaving the waiters' count in the same step.
    fn claim_as_waiter(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let next = if state & LOCKED == 0 {
                (state | LOCKED) - WAITER
            } else if state & HANDOFF != 0 {
                state - HANDOFF - WAITER
            } else {
                return false;
            };
            match self.state.compare_exchange_weak(state, next, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    fn guard(&self) -> WriteGuard<'_, T> {
        WriteGuard { lock: self, _not_sync_unless_t_is: PhantomData }
    }

    #[inline]
    fn unlock(&self) {
        if self.state.compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed).is_err() {
            self.unlock_slow();
        }
    }

    #[cold]
    fn unlock_slow(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            debug_assert!(state & LOCKED != 0 && state & HANDOFF == 0, "unlock of a lock not held: {state:#x}");
            let (next, hand_over) = if state < WAITER { (state & !LOCKED, false) } else { (state | HANDOFF, true) };
            match self.state.compare_exchange_weak(state, next, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => {
                    if hand_over {
                        self.wake.notify_one();
                    }
                    return;
                }
                Err(now) => state = now,
            }
        }
    }
}

/// A waiter that has not claimed the lock: leaves the count when dropped.
struct Registered<'a, T>(&'a WriteLock<T>);

impl<T> Drop for Registered<'_, T> {
    fn drop(&mut self) {
        self.0.state.fetch_sub(WAITER, Ordering::Relaxed);
    }
}

/// Access to the locked value; unlocks when dropped.
pub(super) struct WriteGuard<'a, T> {
    lock: &'a WriteLock<T>,
    /// `Send` and `Sync` as `&mut T` is.
    _not_sync_unless_t_is: PhantomData<&'a mut T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard is the lock's one owner while it lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard is the lock's one owner while it lives.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use super::*;

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn uncontended_lock_and_unlock_leave_it_free() {
        let lock = WriteLock::new(1);
        *lock.try_lock().unwrap() += 1;
        assert!(matches!(poll_once(pin!(lock.lock())), Poll::Ready(_)));
        let held = lock.try_lock().unwrap();
        assert!(lock.try_lock().is_none());
        drop(held);
        assert_eq!(*lock.try_lock().unwrap(), 2);
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_release_hands_the_lock_to_the_waiter_not_to_a_newcomer() {
        let lock = WriteLock::new(0);
        let held = lock.try_lock().unwrap();
        let mut waiter = pin!(lock.lock());
        assert!(poll_once(waiter.as_mut()).is_pending());
        drop(held);
        // Handed over: a newcomer does not get it while the waiter is there.
        assert!(lock.try_lock().is_none());
        let Poll::Ready(mut guard) = poll_once(waiter.as_mut()) else { panic!("the waiter was not handed the lock") };
        *guard = 7;
        drop(guard);
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
        assert_eq!(*lock.try_lock().unwrap(), 7);
    }

    #[test]
    fn a_waiter_dropped_after_the_handoff_does_not_strand_the_lock() {
        let lock = WriteLock::new(0);
        let held = lock.try_lock().unwrap();
        {
            let mut waiter = Box::pin(lock.lock());
            assert!(poll_once(waiter.as_mut()).is_pending());
            drop(held);
            // Woken and handed the lock, then cancelled before it ran.
        }
        // No waiter left: `try_lock` claims the orphaned handoff...
        let guard = lock.try_lock().expect("the handoff was stranded");
        drop(guard);
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
        // With two waiters, the one woken goes away: the other one gets the lock.
        let held = lock.try_lock().unwrap();
        let mut first = Box::pin(lock.lock());
        assert!(poll_once(first.as_mut()).is_pending());
        let mut second = Box::pin(lock.lock());
        assert!(poll_once(second.as_mut()).is_pending());
        drop(held);
        drop(first);
        assert!(matches!(poll_once(second.as_mut()), Poll::Ready(_)), "the wake-up was not passed on");
        drop(second);
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_waiter_dropped_before_the_release_leaves_the_count() {
        let lock = WriteLock::new(0);
        let held = lock.try_lock().unwrap();
        let mut waiter = Box::pin(lock.lock());
        assert!(poll_once(waiter.as_mut()).is_pending());
        drop(waiter);
        drop(held);
        // Nobody waits: released, not handed over.
        assert_eq!(lock.state.load(Ordering::Relaxed), 0);
    }

    /// Many tasks on a multi-thread runtime, holding the lock across awaits, some
    /// giving up waiting at random: every increment is seen (one owner at a time),
    /// and the lock is free at the end (no handoff lost).
    #[test]
    fn mutual_exclusion_and_progress_under_contention_and_cancellation() {
        for _ in 0..10 {
            contend();
        }
    }

    fn contend() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(30), async {
                let lock = Arc::new(WriteLock::new((0u64, 0u64)));
                let mut tasks = Vec::new();
                for t in 0..8u64 {
                    let lock = lock.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut done = 0u64;
                        let mut seed = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                        for i in 0..400u64 {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            let guard = if seed % 3 == 0 {
                                let wait = Duration::from_micros(seed % 50);
                                match tokio::time::timeout(wait, lock.lock()).await {
                                    Ok(guard) => guard,
                                    Err(_) => continue,
                                }
                            } else if seed % 7 == 0 {
                                match lock.try_lock() {
                                    Some(guard) => guard,
                                    None => continue,
                                }
                            } else {
                                lock.lock().await
                            };
                            let mut guard = guard;
                            let count = guard.0;
                            guard.1 = t * 1000 + i;
                            if i % 4 == 0 {
                                tokio::task::yield_now().await;
                            }
                            assert_eq!(guard.1, t * 1000 + i, "another owner wrote meanwhile");
                            guard.0 = count + 1;
                            drop(guard);
                            done += 1;
                        }
                        done
                    }));
                }
                let mut total = 0;
                for t in tasks {
                    total += t.await.unwrap();
                }
                let guard = tokio::time::timeout(Duration::from_secs(5), lock.lock()).await.expect("the lock was lost");
                assert_eq!(guard.0, total);
                drop(guard);
                assert_eq!(lock.state.load(Ordering::Relaxed), 0);
            })
            .await
            .expect("a waiter was never woken")
        });
    }
}
