//! The market-data client: the seed's "Exchange client with reconnect" recipe, with
//! the demo's bookkeeping added (sequence tracking, latency, a stop signal).
//!
//! Differences from the recipe, and why:
//! - the subscription names the last sequence number seen of each stream, so the
//!   simulator replays what was missed while the client was away (a real exchange
//!   would ignore the field; then only its own format's gaps could be detected);
//! - the backoff returns to its minimum once a session has connected, so a feed that
//!   is broken every few seconds reconnects quickly every time (the recipe only
//!   resets it after a clean close);
//! - `stop` ends the loop so the demo can finish.

use std::rc::Rc;
use std::time::{Duration, Instant};

use nexus_async_net::ws::{WsError, WsStreamBuilder};
use nexus_net::tls::TlsConfig;
use nexus_net::ws::{CloseCode, Message};
use tokio::sync::watch;

use super::stats::ClientStats;
use super::wire::{parse_event, subscribe_message};

/// First and largest reconnect delay (the recipe's 100 ms and 30 s).
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// One feed connection's settings.
#[derive(Clone)]
pub struct FeedConfig {
    /// `ws://` or `wss://` URL.
    pub url: String,
    /// Symbol to subscribe to (`SYM0`, ... for the simulator).
    pub symbol: String,
    /// Trust for `wss://`.
    pub tls: TlsConfig,
    /// The instant the simulator's send stamps count from; `None` for a real
    /// exchange (no latency measured: its clock is not ours).
    pub epoch: Option<Instant>,
}

/// Per-stream sequence tracking across sessions.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeqTracker {
    last: [Option<u64>; 2],
}

impl SeqTracker {
    /// The last sequence number seen of each stream.
    pub fn last_seen(&self) -> [Option<u64>; 2] {
        self.last
    }

    /// Account for `seq` on stream `index`: returns `(lost, duplicate)`, the number
    /// of sequence numbers skipped and whether `seq` was already seen.
    pub fn observe(&mut self, index: usize, seq: u64) -> (u64, bool) {
        match self.last[index] {
            None => {
                self.last[index] = Some(seq);
                (0, false)
            }
            Some(last) if seq <= last => (0, true),
            Some(last) => {
                self.last[index] = Some(seq);
                (seq - last - 1, false)
            }
        }
    }
}

/// Run the feed until `stop` turns true: connect, subscribe (resuming), stream, answer
/// pings, reconnect with exponential backoff on any failure.
pub async fn run_feed(config: FeedConfig, stats: Rc<ClientStats>, mut stop: watch::Receiver<bool>) {
    let builder = WsStreamBuilder::new()
        .tls(&config.tls)
        .disable_nagle()
        .buffer_capacity(1 << 20)
        .max_message_size(16 << 20)
        .connect_timeout(Duration::from_secs(3));
    let mut tracker = SeqTracker::default();
    let mut subscribe = String::with_capacity(256);
    let mut backoff = BACKOFF_MIN;
    loop {
        let mut connected = false;
        let session = one_session(&builder, &config, &stats, &mut tracker, &mut subscribe, &mut connected);
        let result = tokio::select! {
            r = session => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        // A session that had connected ended: the next one is a reconnect.
        if connected {
            ClientStats::add(&stats.reconnects, 1);
            backoff = BACKOFF_MIN;
        }
        match result {
            Ok(()) => tracing::info!(symbol = %config.symbol, "feed ended (close or end of stream), reconnecting"),
            Err(e) => {
                tracing::warn!(symbol = %config.symbol, error = %e, retry_in = ?backoff, "feed disconnected, reconnecting");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

async fn one_session(
    builder: &WsStreamBuilder,
    config: &FeedConfig,
    stats: &ClientStats,
    tracker: &mut SeqTracker,
    subscribe: &mut String,
    connected: &mut bool,
) -> Result<(), WsError> {
    let mut ws = builder.connect(&config.url).await?;
    *connected = true;
    tracing::info!(symbol = %config.symbol, resume = ?tracker.last_seen(), "feed connected, subscribing");

    // Re-send subscription state on every reconnect, with where we got to.
    subscribe_message(subscribe, &config.symbol, tracker.last_seen());
    ws.send_text(subscribe).await?;

    loop {
        match ws.recv().await? {
            Some(Message::Text(json)) => on_json(json, config, stats, tracker),
            Some(Message::Binary(_)) => ClientStats::add(&stats.messages, 1),
            Some(Message::Ping(data)) => {
                ws.send_pong(data).await?;
                ClientStats::add(&stats.pongs_sent, 1);
            }
            Some(Message::Pong(_)) => {}
            Some(Message::Close(_)) => {
                let _ = ws.close(CloseCode::Normal, "").await;
                return Ok(());
            }
            None => return Ok(()), // EOF
        }
    }
}

/// The hot path: scan, check the sequence, record latency. No allocation.
fn on_json(json: &str, config: &FeedConfig, stats: &ClientStats, tracker: &mut SeqTracker) {
    let Some(event) = parse_event(json) else {
        // A subscription acknowledgement, or a real exchange's own format.
        if !json.contains(r#""result""#) {
            ClientStats::add(&stats.messages, 1);
        }
        return;
    };
    ClientStats::add(&stats.messages, 1);
    let counter = match event.stream.index() {
        0 => &stats.trades,
        _ => &stats.depth_updates,
    };
    ClientStats::add(counter, 1);
    let (lost, duplicate) = tracker.observe(event.stream.index(), event.seq);
    if lost > 0 {
        tracing::warn!(symbol = %config.symbol, stream = ?event.stream, seq = event.seq, lost, "sequence gap");
        ClientStats::add(&stats.lost, lost);
    }
    if duplicate {
        ClientStats::add(&stats.duplicates, 1);
    }
    if let Some(epoch) = config.epoch {
        let now = epoch.elapsed().as_nanos() as u64;
        stats.feed_latency.record(now.saturating_sub(event.sent_nanos));
    }
}

#[cfg(test)]
mod tests {
    use super::SeqTracker;

    #[test]
    fn tracker_counts_gaps_and_duplicates_per_stream() {
        let mut t = SeqTracker::default();
        assert_eq!(t.observe(0, 5), (0, false)); // the first one sets the baseline
        assert_eq!(t.observe(0, 6), (0, false));
        assert_eq!(t.observe(0, 9), (2, false));
        assert_eq!(t.observe(0, 9), (0, true));
        assert_eq!(t.observe(1, 1), (0, false));
        assert_eq!(t.last_seen(), [Some(9), Some(1)]);
    }
}
