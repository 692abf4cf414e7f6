//! The opening handshake (RFC 6455 section 4). Being written (see the issue tracker).
