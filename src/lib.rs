//! Root package of the nexus-net workspace: it holds the runnable `examples/` and the
//! cross-crate end-to-end `tests/`. It has no API of its own.
