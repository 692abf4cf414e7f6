//! Counters, a fixed-size latency histogram and the demo's [`Summary`].
//!
//! The client runs on one thread (a current-thread runtime with a `LocalSet`), so the
//! counters are plain `Cell`s behind an `Rc`: recording a message costs a few adds and
//! no allocation.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::time::Duration;

/// Sub-buckets per power of two: values are kept to within 1/16 (about 6 %).
const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
const BUCKETS: usize = 64 * SUB;

/// A log-linear histogram of nanosecond values in a fixed array (no allocation after
/// creation). Quantiles are exact to within 1/16 of the value.
///
/// ```
/// use nexus_suite::demo::stats::Histogram;
/// use std::time::Duration;
///
/// let mut h = Histogram::new();
/// for micros in 1..=100 {
///     h.record(micros * 1000);
/// }
/// let p50 = h.quantile(0.5).unwrap();
/// assert!(p50 >= Duration::from_micros(50) && p50 <= Duration::from_micros(53));
/// assert_eq!(h.max(), Some(Duration::from_micros(100)));
/// ```
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self { counts: Box::new([0; BUCKETS]), total: 0, max: 0 }
    }

    fn index(value: u64) -> usize {
        if value < SUB as u64 {
            return value as usize;
        }
        let exp = 63 - value.leading_zeros(); // >= SUB_BITS
        let shift = exp - SUB_BITS;
        let mantissa = (value >> shift) as usize & (SUB - 1);
        ((shift as usize + 1) << SUB_BITS) + mantissa
    }

    /// The largest value that falls in bucket `index`.
    fn upper(index: usize) -> u64 {
        if index < SUB {
            return index as u64;
        }
        let shift = (index >> SUB_BITS) as u32 - 1;
        let mantissa = (index & (SUB - 1)) as u64;
        (((SUB as u64) | mantissa) << shift) + ((1u64 << shift) - 1)
    }

    /// Record one value (nanoseconds).
    pub fn record(&mut self, value: u64) {
        self.counts[Self::index(value)] += 1;
        self.total += 1;
        self.max = self.max.max(value);
    }

    /// Number of recorded values.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The value at quantile `q` (0.0..=1.0), rounded up to its bucket's upper bound
    /// and never above the largest recorded value; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Duration::from_nanos(Self::upper(i).min(self.max)));
            }
        }
        Some(Duration::from_nanos(self.max))
    }

    /// The largest recorded value; `None` when empty.
    pub fn max(&self) -> Option<Duration> {
        (self.total > 0).then(|| Duration::from_nanos(self.max))
    }

    /// Add every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.counts.fill(0);
        self.total = 0;
        self.max = 0;
    }
}

/// A latency histogram for the whole run plus one for the current status interval.
#[derive(Default)]
pub struct Latency {
    /// Every value of the run.
    pub total: RefCell<Histogram>,
    /// Values since the status line last printed.
    pub interval: RefCell<Histogram>,
}

impl Latency {
    /// Record one latency.
    pub fn record(&self, nanos: u64) {
        self.total.borrow_mut().record(nanos);
        self.interval.borrow_mut().record(nanos);
    }

    /// p50 and p99 of the current interval, then start a new one.
    pub fn take_interval(&self) -> (Option<Duration>, Option<Duration>) {
        let mut h = self.interval.borrow_mut();
        let r = (h.quantile(0.50), h.quantile(0.99));
        h.clear();
        r
    }
}

/// Everything the client side counts while it runs.
#[derive(Default)]
pub struct ClientStats {
    /// Feed messages received (trades and depth updates in the simulator's format,
    /// or any text/binary message from a real exchange).
    pub messages: Cell<u64>,
    /// Trades received.
    pub trades: Cell<u64>,
    /// Depth updates received.
    pub depth_updates: Cell<u64>,
    /// Sequence numbers never received (gaps), summed over every stream.
    pub lost: Cell<u64>,
    /// Messages whose sequence number was already seen.
    pub duplicates: Cell<u64>,
    /// Pings answered with a pong.
    pub pongs_sent: Cell<u64>,
    /// Feed sessions that ended and were reconnected.
    pub reconnects: Cell<u64>,
    /// Feed latency (server send stamp to client receipt).
    pub feed_latency: Latency,
    /// REST requests answered (any HTTP status).
    pub rest_ok: Cell<u64>,
    /// GETs sent again after a transport error (the idempotent retry).
    pub rest_retries: Cell<u64>,
    /// REST requests that failed (after retries, for GETs).
    pub rest_errors: Cell<u64>,
    /// Orders accepted by the exchange.
    pub orders_placed: Cell<u64>,
    /// Orders not sent because no healthy connection was free (fail-fast).
    pub orders_rejected: Cell<u64>,
    /// REST round-trip latency of answered requests.
    pub rest_latency: Latency,
}

impl ClientStats {
    /// Add `n` to a counter.
    pub fn add(cell: &Cell<u64>, n: u64) {
        cell.set(cell.get() + n);
    }
}

/// What the exchange simulator did to the client, counted on the server side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeCounts {
    /// Feed messages published (per symbol, summed).
    pub published: u64,
    /// Feed messages replayed from history to reconnecting clients.
    pub replayed: u64,
    /// Feed connections the simulator broke on purpose.
    pub feed_breaks: u64,
    /// REST connections the simulator killed on purpose.
    pub rest_kills: u64,
    /// Pongs received from feed clients.
    pub pongs_received: u64,
}

/// The result of a demo run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// How long the client ran.
    pub elapsed: Duration,
    /// Feed connections (one per symbol).
    pub feed_connections: usize,
    /// Feed messages received.
    pub messages: u64,
    /// Trades received.
    pub trades: u64,
    /// Depth updates received.
    pub depth_updates: u64,
    /// Sequence numbers never received.
    pub lost: u64,
    /// Sequence numbers received twice.
    pub duplicates: u64,
    /// Feed reconnects.
    pub reconnects: u64,
    /// Pings the client answered.
    pub pongs_sent: u64,
    /// Feed latency p50.
    pub feed_p50: Option<Duration>,
    /// Feed latency p99.
    pub feed_p99: Option<Duration>,
    /// Feed latency max.
    pub feed_max: Option<Duration>,
    /// REST requests answered.
    pub rest_ok: u64,
    /// GET retries after transport errors.
    pub rest_retries: u64,
    /// REST requests that failed.
    pub rest_errors: u64,
    /// Orders accepted.
    pub orders_placed: u64,
    /// Orders rejected by the client (no healthy connection).
    pub orders_rejected: u64,
    /// REST latency p50.
    pub rest_p50: Option<Duration>,
    /// REST latency p99.
    pub rest_p99: Option<Duration>,
    /// Server-side counts (`None` when both URLs point at a real exchange).
    pub exchange: Option<ExchangeCounts>,
}

impl Summary {
    /// Build the summary from the client's counters.
    pub fn new(
        stats: &ClientStats,
        elapsed: Duration,
        feed_connections: usize,
        exchange: Option<ExchangeCounts>,
    ) -> Self {
        let feed = stats.feed_latency.total.borrow();
        let rest = stats.rest_latency.total.borrow();
        Self {
            elapsed,
            feed_connections,
            messages: stats.messages.get(),
            trades: stats.trades.get(),
            depth_updates: stats.depth_updates.get(),
            lost: stats.lost.get(),
            duplicates: stats.duplicates.get(),
            reconnects: stats.reconnects.get(),
            pongs_sent: stats.pongs_sent.get(),
            feed_p50: feed.quantile(0.50),
            feed_p99: feed.quantile(0.99),
            feed_max: feed.max(),
            rest_ok: stats.rest_ok.get(),
            rest_retries: stats.rest_retries.get(),
            rest_errors: stats.rest_errors.get(),
            orders_placed: stats.orders_placed.get(),
            orders_rejected: stats.orders_rejected.get(),
            rest_p50: rest.quantile(0.50),
            rest_p99: rest.quantile(0.99),
            exchange,
        }
    }

    /// Feed messages per second over the run.
    pub fn messages_per_sec(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Format a latency as microseconds (`-` when unknown).
pub fn micros(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.1} µs", d.as_nanos() as f64 / 1000.0),
        None => "-".to_owned(),
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = |f: &mut fmt::Formatter<'_>, k: &str, v: String| writeln!(f, "  {k:<34} {v:>14}");
        writeln!(f, "summary ({:.1} s, {} feed connections)", self.elapsed.as_secs_f64(), self.feed_connections)?;
        writeln!(f, "  {:-<34} {:-<14}", "", "")?;
        row(f, "feed messages received", self.messages.to_string())?;
        row(f, "  trades / depth updates", format!("{} / {}", self.trades, self.depth_updates))?;
        row(f, "feed messages/s", format!("{:.0}", self.messages_per_sec()))?;
        row(f, "lost sequence numbers", self.lost.to_string())?;
        row(f, "duplicate sequence numbers", self.duplicates.to_string())?;
        row(f, "feed reconnects", self.reconnects.to_string())?;
        row(f, "pings answered", self.pongs_sent.to_string())?;
        row(f, "feed latency p50", micros(self.feed_p50))?;
        row(f, "feed latency p99", micros(self.feed_p99))?;
        row(f, "feed latency max", micros(self.feed_max))?;
        row(f, "REST requests answered", self.rest_ok.to_string())?;
        row(f, "  orders placed", self.orders_placed.to_string())?;
        row(f, "  orders rejected (no healthy slot)", self.orders_rejected.to_string())?;
        row(f, "REST GET retries (transport errors)", self.rest_retries.to_string())?;
        row(f, "REST requests failed", self.rest_errors.to_string())?;
        row(f, "REST latency p50", micros(self.rest_p50))?;
        row(f, "REST latency p99", micros(self.rest_p99))?;
        if let Some(x) = &self.exchange {
            row(f, "exchange: messages published", x.published.to_string())?;
            row(f, "exchange: replayed on reconnect", x.replayed.to_string())?;
            row(f, "exchange: feed connections broken", x.feed_breaks.to_string())?;
            row(f, "exchange: REST connections killed", x.rest_kills.to_string())?;
            row(f, "exchange: pongs received", x.pongs_received.to_string())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_a_sixteenth() {
        let mut h = Histogram::new();
        for v in 1..=10_000u64 {
            h.record(v * 1000);
        }
        let p50 = h.quantile(0.5).unwrap().as_nanos() as f64;
        let p99 = h.quantile(0.99).unwrap().as_nanos() as f64;
        assert!((p50 / 5_000_000.0 - 1.0).abs() < 1.0 / 16.0, "{p50}");
        assert!((p99 / 9_900_000.0 - 1.0).abs() < 1.0 / 16.0, "{p99}");
        assert_eq!(h.max(), Some(Duration::from_nanos(10_000_000)));
        assert_eq!(h.len(), 10_000);
    }

    #[test]
    fn histogram_buckets_are_ordered_and_cover_small_values() {
        for v in [0u64, 1, 15, 16, 17, 31, 32, 1000, u64::MAX / 2, u64::MAX] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v, "{v}");
            if i > 0 {
                assert!(Histogram::upper(i - 1) < v, "{v}");
            }
        }
        assert!(Histogram::new().quantile(0.5).is_none());
    }
}
