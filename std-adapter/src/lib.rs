//! # nexus-async-net
//!
//! The tokio adapter of nexus-net. It moves bytes between tokio sockets and the codecs
//! of [`nexus_net`]; every protocol decision is made there.
//!
//! The WebSocket stream (`ws`) and the REST pool (`rest`) are tracked as their own
//! issues and not in this crate yet.
