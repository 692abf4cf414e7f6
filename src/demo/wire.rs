//! The simulated exchange's feed format: Binance-like JSON text messages, written by
//! the simulator and scanned by the client without allocating.
//!
//! ```text
//! {"e":"trade","E":123456789,"s":"SYM0","u":42,"p":"97000.25","q":"0.015"}
//! {"e":"depth","E":123456789,"s":"SYM0","u":17,"b":[["96999.75","1.20"]],"a":[["97000.75","0.80"]]}
//! ```
//!
//! `E` is the send time in nanoseconds since the demo's shared start instant, `u` the
//! sequence number of that stream (trades and depth of one symbol are two streams,
//! each numbered 1, 2, 3, ...). The subscribe message carries the last sequence
//! number the client saw of each stream, so that a reconnect resumes without a gap:
//!
//! ```text
//! {"method":"SUBSCRIBE","params":["SYM0@trade","SYM0@depth"],"id":1,"resume":{"trade":41,"depth":16}}
//! ```
//!
//! Writing and scanning a message (no allocation once `out` has grown):
//!
//! ```
//! use nexus_suite::demo::wire::{format_event, parse_event, Event, Stream};
//!
//! let mut out = String::new();
//! let trade = Event { stream: Stream::Trade, seq: 42, price_cents: 9_700_025, qty_milli: 15 };
//! format_event(&mut out, 0, &trade, 1_000);
//! assert_eq!(out, r#"{"e":"trade","E":1000,"s":"SYM0","u":42,"p":"97000.25","q":"0.015"}"#);
//! let parsed = parse_event(&out).unwrap();
//! assert_eq!((parsed.stream, parsed.seq, parsed.sent_nanos), (Stream::Trade, 42, 1_000));
//! ```

use std::fmt::Write;

/// One of the two streams of a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Trades.
    Trade,
    /// Order book depth updates.
    Depth,
}

impl Stream {
    /// Index into per-stream arrays.
    pub fn index(self) -> usize {
        match self {
            Stream::Trade => 0,
            Stream::Depth => 1,
        }
    }
}

/// A feed event as the simulator stores it (formatted only when sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Which stream.
    pub stream: Stream,
    /// Sequence number within the stream, from 1.
    pub seq: u64,
    /// Price in hundredths.
    pub price_cents: u64,
    /// Quantity in thousandths.
    pub qty_milli: u64,
}

/// Write `event` of `symbol` into `out` (cleared first), stamped with `sent_nanos`.
pub fn format_event(out: &mut String, symbol: usize, event: &Event, sent_nanos: u64) {
    out.clear();
    let (p, q) = (event.price_cents, event.qty_milli);
    let _ = match event.stream {
        Stream::Trade => write!(
            out,
            r#"{{"e":"trade","E":{sent_nanos},"s":"SYM{symbol}","u":{},"p":"{}.{:02}","q":"{}.{:03}"}}"#,
            event.seq,
            p / 100,
            p % 100,
            q / 1000,
            q % 1000
        ),
        Stream::Depth => write!(
            out,
            r#"{{"e":"depth","E":{sent_nanos},"s":"SYM{symbol}","u":{},"b":[["{}.{:02}","{}.{:03}"]],"a":[["{}.{:02}","{}.{:03}"]]}}"#,
            event.seq,
            (p - 25) / 100,
            (p - 25) % 100,
            q / 1000,
            q % 1000,
            (p + 25) / 100,
            (p + 25) % 100,
            (q / 2) / 1000,
            (q / 2) % 1000
        ),
    };
}

/// What the client needs from a feed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// Which stream.
    pub stream: Stream,
    /// Sequence number.
    pub seq: u64,
    /// Send stamp (nanoseconds since the shared start).
    pub sent_nanos: u64,
}

/// Scan a feed message; `None` when it is not in the simulator's format (a real
/// exchange's messages, a subscription acknowledgement).
pub fn parse_event(json: &str) -> Option<Parsed> {
    let stream = if json.starts_with(r#"{"e":"trade""#) {
        Stream::Trade
    } else if json.starts_with(r#"{"e":"depth""#) {
        Stream::Depth
    } else {
        return None;
    };
    Some(Parsed { stream, seq: field_u64(json, r#""u":"#)?, sent_nanos: field_u64(json, r#""E":"#)? })
}

/// The unsigned integer right after `key` in `json`.
pub fn field_u64(json: &str, key: &str) -> Option<u64> {
    let start = json.find(key)? + key.len();
    let digits = json[start..].bytes().take_while(u8::is_ascii_digit).count();
    json[start..start + digits].parse().ok()
}

/// The subscribe message for `symbol`, with the last sequence numbers seen (per
/// [`Stream::index`]) when there are any.
pub fn subscribe_message(out: &mut String, symbol: &str, last_seen: [Option<u64>; 2]) {
    out.clear();
    let _ = write!(out, r#"{{"method":"SUBSCRIBE","params":["{symbol}@trade","{symbol}@depth"],"id":1"#);
    if let [Some(_), _] | [_, Some(_)] = last_seen {
        let [t, d] = last_seen.map(|s| s.unwrap_or(0));
        let _ = write!(out, r#","resume":{{"trade":{t},"depth":{d}}}"#);
    }
    out.push('}');
}

/// What the simulator reads from a subscribe message: the symbol index (`SYM<n>`;
/// any other symbol, such as the seed recipe's `btcusdt`, is symbol 0) and the resume
/// point, if any. `None` when it is not a subscription.
pub fn parse_subscribe(json: &str) -> Option<(usize, Option<[u64; 2]>)> {
    if !json.contains(r#""SUBSCRIBE""#) {
        return None;
    }
    let symbol = field_u64(json, r#""params":["SYM"#).unwrap_or(0) as usize;
    let resume = match (field_u64(json, r#""trade":"#), field_u64(json, r#""depth":"#)) {
        (Some(t), Some(d)) => Some([t, d]),
        _ => None,
    };
    Some((symbol, resume))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let mut out = String::new();
        for stream in [Stream::Trade, Stream::Depth] {
            let e = Event { stream, seq: 42, price_cents: 9_700_025, qty_milli: 1_500 };
            format_event(&mut out, 3, &e, 123_456_789);
            assert_eq!(parse_event(&out), Some(Parsed { stream, seq: 42, sent_nanos: 123_456_789 }), "{out}");
        }
        assert_eq!(parse_event(r#"{"result":null,"id":1}"#), None);
    }

    #[test]
    fn subscribe_round_trips_with_and_without_resume() {
        let mut out = String::new();
        subscribe_message(&mut out, "SYM7", [None, None]);
        assert_eq!(parse_subscribe(&out), Some((7, None)), "{out}");
        subscribe_message(&mut out, "SYM7", [Some(41), Some(16)]);
        assert_eq!(parse_subscribe(&out), Some((7, Some([41, 16]))), "{out}");
        subscribe_message(&mut out, "SYM7", [Some(41), None]);
        assert_eq!(parse_subscribe(&out), Some((7, Some([41, 0]))), "{out}");
        let seed = r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth20@100ms"],"id":1}"#;
        assert_eq!(parse_subscribe(seed), Some((0, None)));
        assert_eq!(parse_subscribe("hello"), None);
    }
}
