//! TLS configuration on rustls 0.23 (feature `tls`), shared by the std adapters.
//!
//! - [`TlsConfig`]: what a client trusts and offers. Cheap to clone (an `Arc`), so one
//!   config serves every connection and every reconnect.
//! - [`TlsServerConfig`]: a certificate and key for accepting `wss://` connections.
//!
//! The crypto provider is always named explicitly (rustls' `ring` provider), so no
//! user ever meets rustls' "no process-level CryptoProvider" panic, whatever else is
//! linked into the program.
//!
//! ```
//! use nexus_net::tls::TlsConfig;
//!
//! // System roots, with the bundled Mozilla roots when the system has none.
//! let tls = TlsConfig::new();
//! // Or: a private CA only, TLS 1.3 only, offering HTTP/1.1 by ALPN.
//! # let ca_pem = include_bytes!("../tests/data/test-ca.pem");
//! let private = TlsConfig::builder()
//!     .skip_system_certs()
//!     .add_root_cert(ca_pem)
//!     .tls13_only()
//!     .alpn(&[b"http/1.1"])
//!     .build()?;
//! # let _ = (tls, private);
//! # Ok::<(), nexus_net::tls::TlsError>(())
//! ```

use std::fmt;
use std::string::String;
use std::sync::{Arc, OnceLock};
use std::vec::Vec;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

pub use rustls;

/// Why a TLS configuration could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A certificate given as PEM had no `CERTIFICATE` section, or a section was
    /// malformed.
    InvalidCertificate(String),
    /// A private key given as PEM or DER could not be parsed (PKCS#8, PKCS#1 and SEC1
    /// are accepted).
    InvalidPrivateKey(String),
    /// A root certificate was parsed but rustls refused it as a trust anchor.
    InvalidRoot(rustls::Error),
    /// The trust store is empty: [`TlsConfigBuilder::skip_system_certs`] without any
    /// [`TlsConfigBuilder::add_root_cert`].
    NoRootCertificates,
    /// rustls refused the configuration (an unusable key for the certificate, say).
    Rustls(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCertificate(why) => write!(f, "invalid certificate: {why}"),
            Self::InvalidPrivateKey(why) => write!(f, "invalid private key: {why}"),
            Self::InvalidRoot(e) => write!(f, "root certificate refused: {e}"),
            Self::NoRootCertificates => f.write_str("no root certificates to trust"),
            Self::Rustls(e) => write!(f, "TLS configuration refused: {e}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidRoot(e) | Self::Rustls(e) => Some(e),
            _ => None,
        }
    }
}

/// The crypto provider every config of this crate uses: rustls' `ring` provider.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// The system's trust anchors, or the bundled Mozilla roots (`webpki-roots`) when
/// the system store is missing or empty. Loaded once per process.
fn default_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            let native = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(native.certs);
            if added == 0 {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(store)
        })
        .clone()
}

/// Certificates from PEM (every `CERTIFICATE` section) or from one DER certificate.
fn parse_certs(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    if is_pem(data) {
        let certs = CertificateDer::pem_slice_iter(data)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::InvalidCertificate(std::format!("{e:?}")))?;
        if certs.is_empty() {
            return Err(TlsError::InvalidCertificate("no CERTIFICATE section in the PEM".into()));
        }
        Ok(certs)
    } else if data.is_empty() {
        Err(TlsError::InvalidCertificate("empty certificate".into()))
    } else {
        Ok(std::vec![CertificateDer::from(data.to_vec())])
    }
}

/// A private key from PEM or DER (PKCS#8, PKCS#1 or SEC1).
fn parse_key(data: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    if is_pem(data) {
        PrivateKeyDer::from_pem_slice(data).map_err(|e| TlsError::InvalidPrivateKey(std::format!("{e:?}")))
    } else {
        PrivateKeyDer::try_from(data).map(|k| k.clone_key()).map_err(|e| TlsError::InvalidPrivateKey(e.into()))
    }
}

fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Client-side TLS configuration: trusted roots, protocol versions, ALPN, an optional
/// client certificate. Wraps an `Arc<rustls::ClientConfig>`, so `clone` is cheap.
///
/// Server names are checked against the certificate (SNI and verification use the
/// host of the URL being connected to) unless [`TlsConfigBuilder::danger_no_verify`]
/// was called.
#[derive(Clone)]
pub struct TlsConfig {
    client: Arc<rustls::ClientConfig>,
}

impl TlsConfig {
    /// The default configuration: trust the system's root certificates, falling back
    /// to the bundled Mozilla roots when the system has none; TLS 1.2 and 1.3; no
    /// ALPN; no client certificate.
    ///
    /// Infallible: with the bundled fallback there is always a trust store, and the
    /// `ring` provider supports every default protocol version. The system store is
    /// read once per process.
    pub fn new() -> Self {
        let roots = default_roots();
        // The builder with system roots and no extras cannot fail; keep a fallback
        // rather than a panic all the same.
        TlsConfigBuilder::default().build_with_roots(roots).unwrap_or_else(|_| Self::bundled_only())
    }

    /// A builder starting from [`TlsConfig::new`]'s defaults.
    pub fn builder() -> TlsConfigBuilder {
        TlsConfigBuilder::default()
    }

    /// Wrap a rustls configuration made elsewhere (it keeps its own provider).
    pub fn from_client_config(config: Arc<rustls::ClientConfig>) -> Self {
        Self { client: config }
    }

    /// The rustls configuration, e.g. for a `tokio_rustls::TlsConnector`.
    pub fn client_config(&self) -> &Arc<rustls::ClientConfig> {
        &self.client
    }

    fn bundled_only() -> Self {
        let mut store = RootCertStore::empty();
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = rustls::ClientConfig::builder_with_provider(crypto_provider())
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .map(|b| b.with_root_certificates(store).with_no_client_auth())
            .unwrap_or_else(|_| unreachable_config());
        Self { client: Arc::new(config) }
    }
}

/// Only reached if the `ring` provider stopped supporting rustls' default versions,
/// which would be a build-time mismatch of the two crates.
#[cold]
fn unreachable_config() -> rustls::ClientConfig {
    panic!("rustls' ring provider supports no default protocol version")
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn", &self.client.alpn_protocols)
            .field("client_auth", &self.client.client_auth_cert_resolver.has_certs())
            .finish_non_exhaustive()
    }
}

/// Builds a [`TlsConfig`]. Every option is by value; errors (unparsable certificates
/// or keys) are reported by [`build`](Self::build).
#[derive(Default)]
#[must_use]
pub struct TlsConfigBuilder {
    roots: Vec<Vec<u8>>,
    skip_system: bool,
    tls13_only: bool,
    alpn: Vec<Vec<u8>>,
    client_cert: Option<(Vec<u8>, Vec<u8>)>,
    no_verify: bool,
}

impl TlsConfigBuilder {
    /// Also trust this root: PEM (every `CERTIFICATE` section is added) or a single
    /// DER certificate. May be called several times.
    pub fn add_root_cert(mut self, pem_or_der: impl AsRef<[u8]>) -> Self {
        self.roots.push(pem_or_der.as_ref().to_vec());
        self
    }

    /// Don't load the system roots (nor the bundled fallback): trust only the roots
    /// given with [`add_root_cert`](Self::add_root_cert).
    pub fn skip_system_certs(mut self) -> Self {
        self.skip_system = true;
        self
    }

    /// Offer TLS 1.3 only (default: 1.2 and 1.3).
    pub fn tls13_only(mut self) -> Self {
        self.tls13_only = true;
        self
    }

    /// Offer these ALPN protocols, in order of preference (default: none). For
    /// WebSocket and HTTP/1.1, `&[b"http/1.1"]`.
    pub fn alpn(mut self, protocols: &[&[u8]]) -> Self {
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// Authenticate with this client certificate chain (PEM, or one DER certificate)
    /// and private key (PEM or DER; PKCS#8, PKCS#1 or SEC1).
    pub fn client_cert(mut self, chain: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> Self {
        self.client_cert = Some((chain.as_ref().to_vec(), key.as_ref().to_vec()));
        self
    }

    /// Accept any server certificate, for any name. Handshake signatures are still
    /// checked, but the peer is not authenticated: anyone on the path can read and
    /// change the traffic. For tests against self-signed servers only.
    pub fn danger_no_verify(mut self) -> Self {
        self.no_verify = true;
        self
    }

    /// Build the configuration.
    ///
    /// # Errors
    /// [`TlsError::InvalidCertificate`] / [`TlsError::InvalidRoot`] for a root that
    /// can't be parsed or used, [`TlsError::InvalidPrivateKey`] and
    /// [`TlsError::Rustls`] for a client certificate and key that don't parse or
    /// don't match, [`TlsError::NoRootCertificates`] when the store is empty (and
    /// verification is on).
    pub fn build(self) -> Result<TlsConfig, TlsError> {
        let base = if self.skip_system { Arc::new(RootCertStore::empty()) } else { default_roots() };
        self.build_with_roots(base)
    }

    fn build_with_roots(self, base: Arc<RootCertStore>) -> Result<TlsConfig, TlsError> {
        let provider = crypto_provider();
        let versions: &[&rustls::SupportedProtocolVersion] =
            if self.tls13_only { &[&rustls::version::TLS13] } else { rustls::DEFAULT_VERSIONS };
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(TlsError::Rustls)?;
        let builder = if self.no_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerify(provider.signature_verification_algorithms)))
        } else {
            let mut store = if self.roots.is_empty() { Arc::unwrap_or_clone(base) } else { (*base).clone() };
            for root in &self.roots {
                for cert in parse_certs(root)? {
                    store.add(cert).map_err(TlsError::InvalidRoot)?;
                }
            }
            if store.is_empty() {
                return Err(TlsError::NoRootCertificates);
            }
            builder.with_root_certificates(store)
        };
        let mut config = match &self.client_cert {
            Some((chain, key)) => {
                builder.with_client_auth_cert(parse_certs(chain)?, parse_key(key)?).map_err(TlsError::Rustls)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn;
        Ok(TlsConfig { client: Arc::new(config) })
    }
}

impl fmt::Debug for TlsConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfigBuilder")
            .field("roots", &self.roots.len())
            .field("skip_system", &self.skip_system)
            .field("tls13_only", &self.tls13_only)
            .field("alpn", &self.alpn)
            .field("client_cert", &self.client_cert.is_some())
            .field("no_verify", &self.no_verify)
            .finish()
    }
}

/// Accepts every certificate but still checks the handshake signatures made with it.
#[derive(Debug)]
struct NoVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Server-side TLS configuration for accepting `wss://`: a certificate chain and its
/// private key. Wraps an `Arc<rustls::ServerConfig>`, so `clone` is cheap.
///
/// ```
/// use nexus_net::tls::TlsServerConfig;
/// # let (cert_pem, key_pem) = (include_bytes!("../tests/data/localhost.pem"), include_bytes!("../tests/data/localhost.key"));
/// let server = TlsServerConfig::builder(cert_pem, key_pem).alpn(&[b"http/1.1"]).build()?;
/// # let _ = server;
/// # Ok::<(), nexus_net::tls::TlsError>(())
/// ```
#[derive(Clone)]
pub struct TlsServerConfig {
    server: Arc<rustls::ServerConfig>,
}

impl TlsServerConfig {
    /// A server config presenting `chain` (PEM, or one DER certificate; leaf first)
    /// with `key` (PEM or DER), TLS 1.2 and 1.3, no ALPN, no client authentication.
    ///
    /// # Errors
    /// As [`TlsServerConfigBuilder::build`].
    pub fn new(chain: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> Result<Self, TlsError> {
        Self::builder(chain, key).build()
    }

    /// A builder for more options.
    pub fn builder(chain: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> TlsServerConfigBuilder {
        TlsServerConfigBuilder {
            chain: chain.as_ref().to_vec(),
            key: key.as_ref().to_vec(),
            tls13_only: false,
            alpn: Vec::new(),
        }
    }

    /// Wrap a rustls server configuration made elsewhere.
    pub fn from_server_config(config: Arc<rustls::ServerConfig>) -> Self {
        Self { server: config }
    }

    /// The rustls configuration, e.g. for a `tokio_rustls::TlsAcceptor`.
    pub fn server_config(&self) -> &Arc<rustls::ServerConfig> {
        &self.server
    }
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig").field("alpn", &self.server.alpn_protocols).finish_non_exhaustive()
    }
}

/// Builds a [`TlsServerConfig`].
#[must_use]
pub struct TlsServerConfigBuilder {
    chain: Vec<u8>,
    key: Vec<u8>,
    tls13_only: bool,
    alpn: Vec<Vec<u8>>,
}

impl TlsServerConfigBuilder {
    /// Accept TLS 1.3 only (default: 1.2 and 1.3).
    pub fn tls13_only(mut self) -> Self {
        self.tls13_only = true;
        self
    }

    /// Select among these ALPN protocols, in order of preference (default: none).
    pub fn alpn(mut self, protocols: &[&[u8]]) -> Self {
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// Build the configuration.
    ///
    /// # Errors
    /// [`TlsError::InvalidCertificate`], [`TlsError::InvalidPrivateKey`], or
    /// [`TlsError::Rustls`] when the key does not fit the certificate.
    pub fn build(self) -> Result<TlsServerConfig, TlsError> {
        let versions: &[&rustls::SupportedProtocolVersion] =
            if self.tls13_only { &[&rustls::version::TLS13] } else { rustls::DEFAULT_VERSIONS };
        let mut config = rustls::ServerConfig::builder_with_provider(crypto_provider())
            .with_protocol_versions(versions)
            .map_err(TlsError::Rustls)?
            .with_no_client_auth()
            .with_single_cert(parse_certs(&self.chain)?, parse_key(&self.key)?)
            .map_err(TlsError::Rustls)?;
        config.alpn_protocols = self.alpn;
        Ok(TlsServerConfig { server: Arc::new(config) })
    }
}

impl fmt::Debug for TlsServerConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfigBuilder")
            .field("tls13_only", &self.tls13_only)
            .field("alpn", &self.alpn)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &[u8] = include_bytes!("../tests/data/test-ca.pem");
    const CERT: &[u8] = include_bytes!("../tests/data/localhost.pem");
    const KEY: &[u8] = include_bytes!("../tests/data/localhost.key");

    #[test]
    fn default_config_has_roots() {
        let tls = TlsConfig::new();
        assert!(tls.client_config().alpn_protocols.is_empty());
        let _clone = tls.clone();
    }

    #[test]
    fn builder_options() {
        let tls = TlsConfig::builder()
            .skip_system_certs()
            .add_root_cert(CA)
            .tls13_only()
            .alpn(&[b"http/1.1"])
            .client_cert(CERT, KEY)
            .build()
            .unwrap();
        assert_eq!(tls.client_config().alpn_protocols, std::vec![b"http/1.1".to_vec()]);
        assert!(tls.client_config().client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn der_root_and_key() {
        let der = CertificateDer::from_pem_slice(CA).unwrap();
        let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
        TlsConfig::builder().skip_system_certs().add_root_cert(der.as_ref()).build().unwrap();
        let cert_der = CertificateDer::from_pem_slice(CERT).unwrap();
        TlsServerConfig::new(cert_der.as_ref(), key.secret_der()).unwrap();
    }

    #[test]
    fn errors() {
        assert!(matches!(TlsConfig::builder().skip_system_certs().build(), Err(TlsError::NoRootCertificates)));
        assert!(matches!(
            TlsConfig::builder().add_root_cert(b"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n").build(),
            Err(TlsError::InvalidCertificate(_))
        ));
        assert!(matches!(TlsServerConfig::new(CERT, b"garbage"), Err(TlsError::InvalidPrivateKey(_))));
        assert!(TlsConfig::builder().skip_system_certs().danger_no_verify().build().is_ok());
    }
}
