//! WebSocket (RFC 6455), sans-IO.
pub mod handshake;

/// Which end of the connection this codec speaks for. Clients mask what they send
/// and require unmasked frames from the server; servers the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// The side that opened the connection.
    Client,
    /// The side that accepted it.
    Server,
}
