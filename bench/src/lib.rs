//! Benchmarks only; see benches/. Shared peer code for the benches and examples.

pub mod http_fixtures;
pub mod ws_peers;
