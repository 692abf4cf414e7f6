//! Close codes (RFC 6455 section 7.4 and the IANA registry).

/// The status code of a Close frame.
///
/// [`CloseCode::from_u16`] maps every `u16`; codes without a name become
/// [`CloseCode::Other`]. Whether a code may appear on the wire is
/// [`CloseCode::is_valid_on_wire`]: 1005, 1006 and 1015 are for reporting only,
/// 1004 and 1016..=2999 are reserved, 3000..=4999 belong to libraries and
/// applications, and everything below 1000 or above 4999 is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    Normal,
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    GoingAway,
    /// 1002: the peer broke the protocol.
    Protocol,
    /// 1003: the endpoint received a data type it cannot accept.
    Unsupported,
    /// 1005: reported locally when a Close frame carried no code. Never sent.
    NoStatus,
    /// 1006: reported locally when the connection dropped without a Close. Never sent.
    Abnormal,
    /// 1007: message data inconsistent with its type (invalid UTF-8 in text).
    InvalidPayload,
    /// 1008: a message violated the endpoint's policy.
    PolicyViolation,
    /// 1009: a message was too big to process.
    MessageTooBig,
    /// 1010: the client expected an extension the server did not negotiate.
    MandatoryExtension,
    /// 1011: the server met an unexpected condition.
    InternalError,
    /// 1012: the service is restarting.
    ServiceRestart,
    /// 1013: try again later (temporary overload).
    TryAgainLater,
    /// 1014: a gateway or proxy got an invalid response upstream.
    BadGateway,
    /// 1015: reported locally when the TLS handshake failed. Never sent.
    TlsHandshake,
    /// Any other code: 3000..=4999 are valid (registered libraries and private use),
    /// the rest are reserved or invalid.
    Other(u16),
}

impl CloseCode {
    /// The code for a numeric value. Every value maps to something; check
    /// [`is_valid_on_wire`](Self::is_valid_on_wire) before trusting a received one.
    pub const fn from_u16(code: u16) -> Self {
        match code {
            1000 => Self::Normal,
            1001 => Self::GoingAway,
            1002 => Self::Protocol,
            1003 => Self::Unsupported,
            1005 => Self::NoStatus,
            1006 => Self::Abnormal,
            1007 => Self::InvalidPayload,
            1008 => Self::PolicyViolation,
            1009 => Self::MessageTooBig,
            1010 => Self::MandatoryExtension,
            1011 => Self::InternalError,
            1012 => Self::ServiceRestart,
            1013 => Self::TryAgainLater,
            1014 => Self::BadGateway,
            1015 => Self::TlsHandshake,
            other => Self::Other(other),
        }
    }

    /// The numeric value.
    pub const fn as_u16(self) -> u16 {
        // The named codes are 1000..=1003 and 1005..=1015 in declaration order: the
        // value follows from the position with one add, instead of a jump table with
        // a branch per name (about 100 B less on Cortex-M).
        let index = match self {
            Self::Normal => 0,
            Self::GoingAway => 1,
            Self::Protocol => 2,
            Self::Unsupported => 3,
            Self::NoStatus => 4,
            Self::Abnormal => 5,
            Self::InvalidPayload => 6,
            Self::PolicyViolation => 7,
            Self::MessageTooBig => 8,
            Self::MandatoryExtension => 9,
            Self::InternalError => 10,
            Self::ServiceRestart => 11,
            Self::TryAgainLater => 12,
            Self::BadGateway => 13,
            Self::TlsHandshake => 14,
            Self::Other(code) => return code,
        };
        1000 + index + (index >= 4) as u16
    }

    /// Whether this code may be carried by a Close frame, sent or received
    /// (RFC 6455 section 7.4.1/7.4.2). A received Close with a code for which this is
    /// `false` is a protocol error (1002).
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.as_u16(), 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self::from_u16(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.as_u16()
    }
}

impl core::fmt::Display for CloseCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_u16() {
        for code in 0..=u16::MAX {
            assert_eq!(CloseCode::from_u16(code).as_u16(), code);
        }
    }

    #[test]
    fn named_codes_are_not_other() {
        for code in (1000..=1003).chain(1005..=1015) {
            assert!(!matches!(CloseCode::from_u16(code), CloseCode::Other(_)), "{code}");
        }
        assert_eq!(CloseCode::from_u16(1004), CloseCode::Other(1004));
    }

    #[test]
    fn wire_validity() {
        let valid = |c: u16| CloseCode::from_u16(c).is_valid_on_wire();
        for c in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] {
            assert!(valid(c), "{c} must be valid");
        }
        for c in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            assert!(!valid(c), "{c} must be invalid");
        }
    }
}
