//! Glue between the shared connect code ([`crate::connect`]) and [`RestError`]:
//! error mapping and the HTTP/1.1 ALPN offer.

use std::sync::Arc;

use nexus_net::rest::{RestError, TlsError};
use nexus_net::tls::{rustls, TlsConfig};
use nexus_net::url::UrlError;

use crate::ws::WsError;

/// The config with `http/1.1` offered by ALPN, unless it offers protocols already.
pub(crate) fn with_http11_alpn(tls: &TlsConfig) -> TlsConfig {
    let config = tls.client_config();
    if !config.alpn_protocols.is_empty() {
        return tls.clone();
    }
    let mut config = (**config).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConfig::from_client_config(Arc::new(config))
}

/// [`crate::connect::tls_connect`] reports WebSocket errors; say the same in REST terms.
pub(crate) fn ws_to_rest(e: WsError) -> RestError {
    match e {
        WsError::Io(e) => RestError::Io(e),
        WsError::Tls(e) => RestError::Tls(tls_error(&e)),
        WsError::InvalidDnsName(_) => RestError::InvalidUrl("host is not a valid TLS server name"),
        WsError::TlsConfig(_) => RestError::Tls(TlsError::Config),
        WsError::Timeout => RestError::Io(std::io::ErrorKind::TimedOut.into()),
        _ => RestError::Tls(TlsError::Other),
    }
}

/// The kind of a rustls handshake error.
pub(crate) fn tls_error(e: &rustls::Error) -> TlsError {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsError::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsError::NameMismatch,
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => TlsError::Expired,
            _ => TlsError::BadCertificate,
        },
        rustls::Error::AlertReceived(alert) => TlsError::Alert(u8::from(*alert)),
        rustls::Error::NoCertificatesPresented => TlsError::BadCertificate,
        _ => TlsError::HandshakeFailed,
    }
}

/// [`UrlError`] as the `&'static str` of [`RestError::InvalidUrl`], naming the
/// schemes a REST client takes.
pub(crate) fn url_error(e: UrlError) -> RestError {
    RestError::InvalidUrl(match e {
        UrlError::MissingScheme => "URL has no scheme:// (use http:// or https://)",
        UrlError::UnknownScheme => "URL scheme must be http or https",
        other => other.as_str(),
    })
}
