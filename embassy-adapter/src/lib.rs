//! # nexus-embassy-net
//!
//! The embassy-net adapter of nexus-net for small stacks with no allocator. The
//! WebSocket and HTTP clients are tracked as their own issue and not in this crate yet.
#![no_std]
