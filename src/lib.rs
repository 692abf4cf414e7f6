//! Root package of the nexus-net workspace: the runnable `examples/`, the cross-crate
//! end-to-end `tests/`, and the library code they share.
//!
//! - [`demo`]: the market-data demo (`cargo run --release --example market_demo`): a
//!   simulated exchange and a client built the way the seed recipes are.
//! - [`gateway`]: the gateway recipe sharded across cores (`SO_REUSEPORT`, one
//!   current-thread runtime and `LocalSet` per shard).
#![warn(missing_docs)]

pub mod demo;
pub mod gateway;
