//! A hyper HTTP/1.1 test server (http and https) for the REST tests. It runs on its
//! own runtime, so its tasks never count among the client's, and it can be killed
//! and restarted on the same port.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use nexus_net::tls::{rustls, TlsConfig, TlsServerConfig};
use tokio::sync::watch;

/// Every test body runs under this deadline, so a hang fails instead of blocking CI.
pub async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), fut).await.expect("test timed out")
}

pub struct Cert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Cert {
    /// Self-signed, valid for `localhost` and `127.0.0.1`.
    pub fn new() -> Self {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        Self { cert_pem: ck.cert.pem(), key_pem: ck.key_pair.serialize_pem() }
    }

    pub fn client(&self) -> TlsConfig {
        TlsConfig::builder().skip_system_certs().add_root_cert(&self.cert_pem).build().unwrap()
    }

    fn server(&self) -> Arc<rustls::ServerConfig> {
        TlsServerConfig::new(&self.cert_pem, &self.key_pem).unwrap().server_config().clone()
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// Connections accepted since start (TCP accepts, across restarts).
    pub connections: Arc<AtomicUsize>,
    /// Requests served.
    pub requests: Arc<AtomicUsize>,
    kill: watch::Sender<u64>,
    tls: Option<Arc<Cert>>,
    rt: Option<tokio::runtime::Runtime>,
}

type Body = BoxBody<Bytes, Infallible>;

impl TestServer {
    pub fn start(tls: bool) -> Self {
        let cert = tls.then(|| Arc::new(Cert::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        Self::serve(listener, cert, Arc::default(), Arc::default())
    }

    fn serve(
        listener: std::net::TcpListener,
        cert: Option<Arc<Cert>>,
        connections: Arc<AtomicUsize>,
        requests: Arc<AtomicUsize>,
    ) -> Self {
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (kill, _) = watch::channel(0u64);
        let acceptor = cert.as_ref().map(|c| tokio_rustls::TlsAcceptor::from(c.server()));
        let (conns, reqs, kill_tx) = (connections.clone(), requests.clone(), kill.clone());
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((sock, _)) = listener.accept().await else { continue };
                sock.set_nodelay(true).unwrap();
                conns.fetch_add(1, Ordering::SeqCst);
                let mut killed = kill_tx.subscribe();
                let acceptor = acceptor.clone();
                let reqs = reqs.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        reqs.fetch_add(1, Ordering::SeqCst);
                        handle(req)
                    });
                    let serve = async move {
                        let builder = http1::Builder::new();
                        match acceptor {
                            Some(acceptor) => {
                                let Ok(tls) = acceptor.accept(sock).await else { return };
                                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                            }
                            None => {
                                let _ = builder.serve_connection(TokioIo::new(sock), service).await;
                            }
                        }
                    };
                    tokio::select! {
                        _ = serve => {}
                        _ = killed.changed() => {}
                    }
                });
            }
        });
        Self { addr, connections, requests, kill, tls: cert, rt: Some(rt) }
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.addr.port())
    }

    /// Client TLS config trusting this server (https servers only).
    pub fn client_tls(&self) -> Option<TlsConfig> {
        self.tls.as_ref().map(|c| c.client())
    }

    /// Close every open connection (idle ones, in the tests).
    pub fn close_connections(&self) {
        self.kill.send_modify(|g| *g += 1);
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Stop the server (listener and connections closed), wait `down`, start it
    /// again on the same port.
    pub async fn restart(&mut self, down: Duration) {
        self.close_connections();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
        tokio::time::sleep(down).await;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        let fresh = Self::serve(listener, self.tls.clone(), self.connections.clone(), self.requests.clone());
        let old = std::mem::replace(self, fresh);
        drop(old);
    }

    /// Stop for good.
    pub fn stop(&mut self) {
        self.close_connections();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn query<'a>(req: &'a Request<Incoming>, key: &str) -> Option<&'a str> {
    req.uri().query()?.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).boxed()
}

/// Routes:
/// - `/echo...`: `METHOD URI key=<x-api-key> ct=<content-type> body=<body>`
/// - `/id?i=X`: `id=X` (after `ms` milliseconds if given)
/// - `/status?code=N`: empty response with status N
/// - `/bytes?n=N`: N bytes (`Content-Length`), a repeating `0..=9` pattern
/// - `/chunked?n=N&parts=P`: the same bytes, chunked in P frames
/// - `/close`: `closing` with `Connection: close`
/// - `/stall`: answers after 30 s
async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let n = query(&req, "n").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let ms = query(&req, "ms").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let path = req.uri().path().to_owned();
    let resp = match path.as_str() {
        "/id" => Response::new(full(format!("id={}", query(&req, "i").unwrap_or("")))),
        "/status" => {
            let code = query(&req, "code").and_then(|v| v.parse().ok()).unwrap_or(200);
            Response::builder().status(StatusCode::from_u16(code).unwrap()).body(Empty::new().boxed()).unwrap()
        }
        "/bytes" => Response::new(full(pattern(n))),
        "/chunked" => {
            let parts = query(&req, "parts").and_then(|v| v.parse::<usize>().ok()).unwrap_or(4).max(1);
            let data = Bytes::from(pattern(n));
            let step = data.len().div_ceil(parts).max(1);
            let frames: Vec<Result<Frame<Bytes>, Infallible>> =
                data.chunks(step).map(|c| Ok(Frame::data(Bytes::copy_from_slice(c)))).collect();
            Response::new(StreamBody::new(futures_util::stream::iter(frames)).boxed())
        }
        "/close" => Response::builder().header("connection", "close").body(full("closing")).unwrap(),
        "/stall" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::new(full("late"))
        }
        _ => {
            let method = req.method().clone();
            let uri = req.uri().clone();
            let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
            let (key, ct) = (header("x-api-key"), header("content-type"));
            let body = req.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
            Response::new(full(format!("{method} {uri} key={key} ct={ct} body={}", String::from_utf8_lossy(&body))))
        }
    };
    Ok(resp)
}

pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'0' + (i % 10) as u8).collect()
}

use nexus_async_net::rest::{ClientPool, ClientPoolBuilder};
use nexus_net::rest::RestError;

impl TestServer {
    /// A pool builder for this server (TLS trusting its certificate for https).
    pub fn pool(&self) -> ClientPoolBuilder {
        let b = ClientPool::builder().url(&self.url()).disable_nagle();
        match self.client_tls() {
            Some(tls) => b.tls(&tls),
            None => b,
        }
    }
}

/// GET `path` through `acquire`, once: (status, body).
pub async fn get(pool: &ClientPool, path: &str) -> Result<(u16, Vec<u8>), RestError> {
    let mut slot = pool.acquire().await?;
    let s = &mut *slot;
    let req = s.writer.get(path).finish()?;
    let (conn, reader) = s.conn_and_reader()?;
    let resp = conn.send(req, reader).await?;
    Ok((resp.status(), resp.body().to_vec()))
}

/// GET `path` and return the body as text, panicking on any error.
pub async fn get_text(pool: &ClientPool, path: &str) -> String {
    let (status, body) = get(pool, path).await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(status, 200, "GET {path}");
    String::from_utf8(body).unwrap()
}
