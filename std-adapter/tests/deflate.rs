//! permessage-deflate (feature `deflate`): nexus against itself for every parameter
//! combination, Python `websockets` as server and as client, a zip bomb, the RSV1
//! frame rules over a socket.

#![cfg(feature = "deflate")]

use std::process::{Command, Stdio};
use std::time::Duration;

use nexus_async_net::ws::{DeflateConfig, DeflateParams, Message, WsError, WsStreamBuilder};
use nexus_net::ws::deflate::{accept_request, MAX_EXTENSION_HEADER_LEN};
use nexus_net::ws::handshake::{parse_request, write_accept_with_extensions};
use nexus_net::ws::CloseCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn combo(bits: u32) -> DeflateConfig {
    DeflateConfig {
        server_no_context_takeover: bits & 1 != 0,
        client_no_context_takeover: bits & 2 != 0,
        server_max_window_bits: if bits & 4 != 0 { 10 } else { 15 },
        client_max_window_bits: if bits & 8 != 0 { 11 } else { 15 },
    }
}

fn json_2k() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 2048 {
        s += &format!(
            "{{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"{}.{:02}\",\"q\":\"0.{:03}\"}},",
            43000 + i % 97,
            i % 100,
            i % 1000
        );
        i += 1;
    }
    s.truncate(2048);
    s
}

/// An echo server (split halves, zero-copy echo) with `builder`; returns its port.
async fn echo_server(builder: WsStreamBuilder) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let builder = builder.clone();
            tokio::spawn(async move {
                let Ok(ws) = builder.accept_tcp(tcp).await else { return };
                let (mut reader, writer) = ws.split();
                while let Ok(Some(message)) = reader.recv().await {
                    if matches!(message, Message::Text(_) | Message::Binary(_)) && writer.send(message).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// Send a series of messages and check each echo.
async fn exchange(url: &str, builder: &WsStreamBuilder) -> Result<Option<DeflateParams>, WsError> {
    let mut ws = builder.connect(url).await?;
    let params = ws.deflate_params();
    let json = json_2k();
    let texts = [json.as_str(), json.as_str(), "", &"é".repeat(5000)];
    for text in texts {
        ws.send_text(text).await?;
        match ws.recv().await? {
            Some(Message::Text(got)) => assert_eq!(got, text),
            other => panic!("expected text, got {other:?}"),
        }
    }
    let binaries = [(0..=255u8).cycle().take(20_000).collect::<Vec<u8>>(), vec![0u8; 70_000]];
    for data in &binaries {
        ws.send_binary(data).await?;
        match ws.recv().await? {
            Some(Message::Binary(got)) => assert_eq!(got, &data[..]),
            other => panic!("expected binary, got {other:?}"),
        }
    }
    ws.close(CloseCode::Normal, "").await?;
    while ws.recv().await?.is_some() {}
    Ok(params)
}

#[tokio::test]
async fn nexus_to_nexus_every_combination() {
    let servers = [DeflateConfig::default(), combo(15), DeflateConfig { server_max_window_bits: 9, ..combo(2) }];
    for server in servers {
        let port = echo_server(WsStreamBuilder::new().deflate(server)).await;
        for bits in 0..16 {
            let client = combo(bits);
            let url = format!("ws://127.0.0.1:{port}/");
            let params = exchange(&url, &WsStreamBuilder::new().deflate(client)).await.unwrap().expect("agreed");
            assert_eq!(
                params.server_no_context_takeover,
                server.server_no_context_takeover || client.server_no_context_takeover
            );
            assert_eq!(
                params.client_no_context_takeover,
                server.client_no_context_takeover || client.client_no_context_takeover
            );
            assert_eq!(params.server_max_window_bits, server.server_max_window_bits.min(client.server_max_window_bits));
            assert_eq!(params.client_max_window_bits, server.client_max_window_bits.min(client.client_max_window_bits));
        }
    }
    // Either side without deflate: plain WebSocket.
    let port = echo_server(WsStreamBuilder::new()).await;
    let url = format!("ws://127.0.0.1:{port}/");
    assert_eq!(exchange(&url, &WsStreamBuilder::new().deflate(DeflateConfig::default())).await.unwrap(), None);
    let port = echo_server(WsStreamBuilder::new().deflate(DeflateConfig::default())).await;
    let url = format!("ws://127.0.0.1:{port}/");
    assert_eq!(exchange(&url, &WsStreamBuilder::new()).await.unwrap(), None);
}

#[tokio::test]
async fn zip_bomb_gets_1009() {
    let port = echo_server(WsStreamBuilder::new().deflate(DeflateConfig::default()).max_message_size(1 << 20)).await;
    let mut ws = WsStreamBuilder::new()
        .deflate(DeflateConfig::default())
        .connect(&format!("ws://127.0.0.1:{port}/"))
        .await
        .unwrap();
    // 64 MiB of zeros compress to about 64 KiB: well under the server's 1 MiB limit
    // on the wire, 64 times over it inflated.
    ws.send_binary(&vec![0u8; 64 << 20]).await.unwrap();
    match ws.recv().await.unwrap() {
        Some(Message::Close(frame)) => assert_eq!(frame.code(), CloseCode::MessageTooBig),
        other => panic!("expected a 1009 close, got {other:?}"),
    }
}

/// A server that agrees to permessage-deflate (or not), then sends `frames` raw.
async fn raw_server(negotiate: bool, frames: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut len = 0;
        let response = loop {
            len += tcp.read(&mut buf[len..]).await.unwrap();
            if let Some(request) = parse_request(&buf[..len], 4096).unwrap() {
                let mut answer = [0u8; MAX_EXTENSION_HEADER_LEN];
                let agreed = accept_request(&DeflateConfig::default(), &request, &mut answer);
                let ext = if negotiate { agreed.map(|(_, header)| header) } else { None };
                let mut out = vec![0u8; 1024];
                let n = write_accept_with_extensions(&mut out, request.key(), None, ext, &[]).unwrap();
                out.truncate(n);
                break out;
            }
        };
        tcp.write_all(&response).await.unwrap();
        tcp.write_all(frames).await.unwrap();
        let mut sink = [0u8; 1024];
        while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
    });
    port
}

#[tokio::test]
async fn rsv1_frame_rules_over_the_wire() {
    let cases: [(bool, &'static [u8], &str); 4] = [
        (true, &[0xc9, 0x00], "RSV1 on a ping"),
        (true, &[0x41, 0x01, 0x00, 0xc0, 0x01, 0x00], "RSV1 on a continuation"),
        (false, &[0xc1, 0x01, 0x00], "compressed but not negotiated"),
        (true, &[0xe1, 0x01, 0x00], "RSV2"),
    ];
    for (negotiate, frames, what) in cases {
        let port = raw_server(negotiate, frames).await;
        let mut ws = WsStreamBuilder::new()
            .deflate(DeflateConfig::default())
            .connect(&format!("ws://127.0.0.1:{port}/"))
            .await
            .unwrap();
        assert_eq!(ws.deflate_params().is_some(), negotiate);
        match ws.recv().await {
            Err(WsError::Protocol { code, .. }) => assert_eq!(code, CloseCode::Protocol, "{what}"),
            other => panic!("{what}: expected a protocol error, got {other:?}"),
        }
    }
}

/// `python3` with `websockets`, or `None` after saying loudly why the test is skipped.
fn python_websockets() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import websockets.asyncio.server, websockets.extensions.permessage_deflate"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "\n*** SKIPPED: python3 with the `websockets` module (>= 13) is missing: pip install websockets ***\n"
        );
        return None;
    }
    Some("python3")
}

fn peer_script() -> String {
    format!("{}/tests/deflate_peer.py", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websockets_as_server() {
    let Some(python) = python_websockets() else { return };
    let mut child = Command::new(python)
        .arg(peer_script())
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let ports: std::collections::BTreeMap<String, u16> = serde_like_parse(&line);
    assert_eq!(ports.len(), 16, "{line}");
    let result = tokio::time::timeout(Duration::from_secs(120), async {
        for (server_combo, port) in &ports {
            let server = combo(server_combo.parse().unwrap());
            for bits in [0, 3, 5, 10, 15] {
                let client = combo(bits);
                let url = format!("ws://127.0.0.1:{port}/");
                let params = exchange(&url, &WsStreamBuilder::new().deflate(client))
                    .await
                    .unwrap_or_else(|e| panic!("python server {server:?}, client {client:?}: {e}"))
                    .expect("agreed");
                assert_eq!(
                    params.server_no_context_takeover,
                    server.server_no_context_takeover || client.server_no_context_takeover
                );
                assert_eq!(
                    params.client_no_context_takeover,
                    server.client_no_context_takeover || client.client_no_context_takeover
                );
                assert_eq!(
                    params.server_max_window_bits,
                    server.server_max_window_bits.min(client.server_max_window_bits)
                );
                assert_eq!(
                    params.client_max_window_bits,
                    server.client_max_window_bits.min(client.client_max_window_bits)
                );
            }
        }
    })
    .await;
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    result.expect("python interop timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websockets_as_client() {
    let Some(python) = python_websockets() else { return };
    let mut ports = Vec::new();
    for bits in [0, 3, 5, 10, 15] {
        ports.push(echo_server(WsStreamBuilder::new().deflate(combo(bits))).await.to_string());
    }
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(peer_script()).arg("client").args(&ports).output().unwrap()
    });
    let output =
        tokio::time::timeout(Duration::from_secs(120), output).await.expect("python client timed out").unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "python client failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout.lines().filter(|l| l.ends_with("ok") || l.contains(": ok;")).count(), 5 * 16, "{stdout}");
}

/// `{"0": 1234, "1": 1235, ...}` as printed by the peer script.
fn serde_like_parse(line: &str) -> std::collections::BTreeMap<String, u16> {
    line.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .filter_map(|pair| {
            let (k, v) = pair.split_once(':')?;
            Some((k.trim().trim_matches('"').to_string(), v.trim().parse().ok()?))
        })
        .collect()
}
