//! Benchmarks only; see benches/. Shared peer code for the benches and examples.

pub mod ws_peers;
