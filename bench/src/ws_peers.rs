//! The WebSocket peers of the `ws_echo` bench and the `instr_ws_echo` example: for each
//! library, an echo server for one accepted TCP connection and a client that does one
//! round trip at a time. See `benches/ws_echo.rs` for what each candidate is.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A library under test (the bench runs one server per library; its A/A candidate
/// shares nexus's listener but has its own connections).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Lib {
    /// Length-prefixed echo over plain tokio TCP: the floor.
    Raw,
    /// This workspace's nexus-async-net.
    Nexus,
    /// crates.io nexus-async-net 0.7.
    Nexus07,
    /// tokio-tungstenite.
    Tungstenite,
    /// fastwebsockets (no HTTP upgrade: `after_handshake` on both ends).
    FastWs,
    /// tokio-websockets.
    TokioWs,
}

impl Lib {
    /// Every library, in the order of the tables.
    pub const ALL: [Lib; 6] = [Lib::Raw, Lib::Nexus, Lib::Nexus07, Lib::Tungstenite, Lib::FastWs, Lib::TokioWs];

    /// The library named `name` (the candidate names of the bench).
    pub fn from_name(name: &str) -> Option<Lib> {
        Some(match name {
            "raw" => Lib::Raw,
            "nexus" => Lib::Nexus,
            "nexus07" => Lib::Nexus07,
            "tungstenite" => Lib::Tungstenite,
            "fastwebsockets" => Lib::FastWs,
            "tokio-websockets" => Lib::TokioWs,
            _ => return None,
        })
    }
}

async fn serve_raw(mut s: TcpStream) {
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0;
    loop {
        let n = match s.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        len += n;
        let mut start = 0;
        while len - start >= 4 {
            let m = u32::from_le_bytes(buf[start..start + 4].try_into().unwrap()) as usize;
            if len - start < 4 + m {
                break;
            }
            if s.write_all(&buf[start..start + 4 + m]).await.is_err() {
                return;
            }
            start += 4 + m;
        }
        buf.copy_within(start..len, 0);
        len -= start;
    }
}

/// Serve one accepted connection: handshake (except raw and fastwebsockets), then echo
/// every text and binary message until the peer goes away.
pub async fn serve(lib: Lib, tcp: TcpStream) {
    tcp.set_nodelay(true).unwrap();
    match lib {
        Lib::Raw => serve_raw(tcp).await,
        Lib::Nexus => {
            let ws = nexus_async_net::ws::WsStreamBuilder::new().accept(tcp).await.unwrap();
            let (mut rx, tx) = ws.split();
            while let Ok(Some(m)) = rx.recv().await {
                use nexus_net::ws::Message;
                if matches!(m, Message::Text(_) | Message::Binary(_)) && tx.send(m).await.is_err() {
                    break;
                }
            }
        }
        Lib::Nexus07 => {
            use nexus_async_net_07::nexus_net::ws::Message;
            let tcp = nexus_async_net_07::maybe_tls::MaybeTls::Plain(tcp);
            let mut ws = nexus_async_net_07::ws::WsStreamBuilder::new().accept(tcp).await.unwrap();
            let mut scratch = Vec::new();
            loop {
                let text = match ws.recv().await {
                    Ok(Some(Message::Binary(b))) => {
                        scratch.clear();
                        scratch.extend_from_slice(b);
                        false
                    }
                    Ok(Some(Message::Text(t))) => {
                        scratch.clear();
                        scratch.extend_from_slice(t.as_bytes());
                        true
                    }
                    Ok(Some(_)) => continue,
                    _ => break,
                };
                let sent = if text {
                    ws.send_text(std::str::from_utf8(&scratch).unwrap()).await
                } else {
                    ws.send_binary(&scratch).await
                };
                if sent.is_err() {
                    break;
                }
            }
        }
        Lib::Tungstenite => {
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            while let Some(Ok(m)) = ws.next().await {
                if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                    break;
                }
            }
        }
        Lib::FastWs => {
            use fastwebsockets::OpCode;
            let mut ws = fastwebsockets::WebSocket::after_handshake(tcp, fastwebsockets::Role::Server);
            loop {
                let frame = match ws.read_frame().await {
                    Ok(f) => f,
                    Err(_) => break,
                };
                match frame.opcode {
                    OpCode::Text | OpCode::Binary => {
                        let sent = ws.write_frame(frame).await;
                        if sent.is_err() {
                            break;
                        }
                    }
                    OpCode::Close => break,
                    _ => {}
                }
            }
        }
        Lib::TokioWs => {
            let (_, mut ws) = tokio_websockets::ServerBuilder::new().accept(tcp).await.unwrap();
            while let Some(Ok(m)) = ws.next().await {
                if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// One client connection of a library.
#[allow(clippy::large_enum_variant)] // one per connection, never moved in the hot loop
pub enum Client {
    Raw { s: TcpStream, wbuf: Vec<u8>, rbuf: Vec<u8> },
    Nexus(nexus_async_net::ws::WsStream),
    Nexus07(nexus_async_net_07::ws::WsStream<nexus_async_net_07::maybe_tls::MaybeTls>),
    Tungstenite(tokio_tungstenite::WebSocketStream<TcpStream>),
    FastWs { ws: fastwebsockets::WebSocket<TcpStream>, scratch: Vec<u8> },
    TokioWs(tokio_websockets::WebSocketStream<TcpStream>),
}

async fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    s
}

impl Client {
    /// Connect (TCP, `TCP_NODELAY`, handshake) to `lib`'s server at `addr`.
    pub async fn connect(lib: Lib, addr: SocketAddr) -> Client {
        let url = format!("ws://{addr}/");
        match lib {
            Lib::Raw => Client::Raw { s: tcp(addr).await, wbuf: Vec::new(), rbuf: vec![0; 64 * 1024] },
            Lib::Nexus => {
                Client::Nexus(nexus_async_net::ws::WsStreamBuilder::new().disable_nagle().connect(&url).await.unwrap())
            }
            Lib::Nexus07 => Client::Nexus07(
                nexus_async_net_07::ws::WsStreamBuilder::new().disable_nagle().connect(&url).await.unwrap(),
            ),
            Lib::Tungstenite => {
                Client::Tungstenite(tokio_tungstenite::client_async(url, tcp(addr).await).await.unwrap().0)
            }
            Lib::FastWs => Client::FastWs {
                ws: fastwebsockets::WebSocket::after_handshake(tcp(addr).await, fastwebsockets::Role::Client),
                scratch: Vec::new(),
            },
            Lib::TokioWs => Client::TokioWs(
                tokio_websockets::ClientBuilder::new().uri(&url).unwrap().connect_on(tcp(addr).await).await.unwrap().0,
            ),
        }
    }

    /// One round trip of `payload`; returns the echoed length (checked).
    pub async fn echo(&mut self, payload: &Bytes) -> usize {
        let len = match self {
            Client::Raw { s, wbuf, rbuf } => {
                wbuf.clear();
                wbuf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
                wbuf.extend_from_slice(payload);
                s.write_all(wbuf).await.unwrap();
                let want = wbuf.len();
                let mut got = 0;
                while got < want {
                    let n = s.read(&mut rbuf[got..]).await.unwrap();
                    assert!(n > 0, "raw server closed");
                    got += n;
                }
                got - 4
            }
            Client::Nexus(ws) => {
                use nexus_net::ws::Message;
                ws.send_binary(payload).await.unwrap();
                match ws.recv().await.unwrap() {
                    Some(Message::Binary(b)) => b.len(),
                    other => panic!("unexpected {other:?}"),
                }
            }
            Client::Nexus07(ws) => {
                use nexus_async_net_07::nexus_net::ws::Message;
                ws.send_binary(payload).await.unwrap();
                match ws.recv().await.unwrap() {
                    Some(Message::Binary(b)) => b.len(),
                    other => panic!("unexpected {other:?}"),
                }
            }
            Client::Tungstenite(ws) => {
                use tokio_tungstenite::tungstenite::Message;
                ws.send(Message::Binary(payload.clone())).await.unwrap();
                match ws.next().await.unwrap().unwrap() {
                    Message::Binary(b) => b.len(),
                    other => panic!("unexpected {other:?}"),
                }
            }
            Client::FastWs { ws, scratch } => {
                use fastwebsockets::{Frame, OpCode, Payload};
                scratch.clear();
                scratch.extend_from_slice(payload);
                ws.write_frame(Frame::binary(Payload::BorrowedMut(scratch))).await.unwrap();
                let frame = ws.read_frame().await.unwrap();
                assert_eq!(frame.opcode, OpCode::Binary);
                frame.payload.len()
            }
            Client::TokioWs(ws) => {
                ws.send(tokio_websockets::Message::binary(payload.clone())).await.unwrap();
                let m = ws.next().await.unwrap().unwrap();
                assert!(m.is_binary());
                m.as_payload().len()
            }
        };
        assert_eq!(len, payload.len());
        len
    }
}
