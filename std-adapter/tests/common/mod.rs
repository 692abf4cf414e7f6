//! Shared test support: deadlines, certificates, loopback listeners.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use nexus_net::tls::{rustls, TlsConfig, TlsServerConfig};
use tokio::net::TcpListener;

/// Every test body runs under this deadline, so a hang fails instead of blocking CI.
pub async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), fut).await.expect("test timed out")
}

pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    (listener, addr)
}

/// A self-signed certificate for `localhost` only (not for 127.0.0.1).
pub struct TestCert {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_der: Vec<u8>,
}

pub fn localhost_cert() -> TestCert {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    TestCert { cert_pem: ck.cert.pem(), key_pem: ck.key_pair.serialize_pem(), cert_der: ck.cert.der().to_vec() }
}

impl TestCert {
    /// Our client config, trusting only this certificate.
    pub fn client(&self) -> TlsConfig {
        TlsConfig::builder().skip_system_certs().add_root_cert(&self.cert_pem).build().unwrap()
    }

    /// Our server config.
    pub fn server(&self) -> TlsServerConfig {
        TlsServerConfig::new(&self.cert_pem, &self.key_pem).unwrap()
    }

    /// A rustls client config for tokio-tungstenite (explicit provider: no process default needed).
    pub fn rustls_client(&self) -> Arc<rustls::ClientConfig> {
        self.client().client_config().clone()
    }

    pub fn rustls_server(&self) -> Arc<rustls::ServerConfig> {
        self.server().server_config().clone()
    }
}
