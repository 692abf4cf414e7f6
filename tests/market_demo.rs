//! End to end: run the market demo for a few seconds against its simulator, with
//! faults every second, and check the summary: messages arrived, nothing was lost
//! across the reconnects, the REST API answered, and the client did reconnect.

use std::sync::mpsc;
use std::time::Duration;

use nexus_suite::demo::{run, DemoConfig, Summary};

fn run_with_deadline(config: DemoConfig, deadline: Duration) -> Summary {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run(&config).map_err(|e| e.to_string()));
    });
    match rx.recv_timeout(deadline) {
        Ok(Ok(summary)) => summary,
        Ok(Err(e)) => panic!("demo failed: {e}"),
        Err(_) => panic!("demo did not finish within {deadline:?}"),
    }
}

#[test]
fn demo_heals_and_loses_nothing() {
    let config = DemoConfig {
        duration: Duration::from_secs(4),
        rate: 2000,
        connections: 2,
        fault_every: Some(Duration::from_millis(700)),
        status_line: false,
        // Connections live about 1.4 s each here: ping often enough that every one sees some.
        ping_every: Duration::from_millis(200),
        ..DemoConfig::default()
    };
    let summary = run_with_deadline(config, Duration::from_secs(60));
    println!("{summary}");
    let exchange = summary.exchange.expect("simulator counts");

    assert!(summary.messages > 1000, "messages received: {}", summary.messages);
    assert!(summary.trades > 0 && summary.depth_updates > 0, "{summary:?}");
    assert!(exchange.feed_breaks >= 1 && exchange.rest_kills >= 1, "faults injected: {exchange:?}");
    assert!(summary.reconnects >= 1, "reconnects: {}", summary.reconnects);
    assert_eq!(summary.lost, 0, "lost sequence numbers after {} reconnects", summary.reconnects);
    assert!(exchange.replayed > 0, "the reconnects resumed from history: {exchange:?}");
    assert!(summary.rest_ok > 10, "REST requests answered: {}", summary.rest_ok);
    assert!(summary.orders_placed > 0, "orders placed: {}", summary.orders_placed);
    assert!(summary.pongs_sent > 0 && exchange.pongs_received > 0, "pings answered: {summary:?}");
    assert!(summary.feed_p50.is_some() && summary.rest_p50.is_some(), "latencies measured: {summary:?}");
}
