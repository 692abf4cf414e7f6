"""Python `websockets` as the permessage-deflate peer of std-adapter/tests/deflate.rs.

  deflate_peer.py server          start one echo server per parameter combination on
                                  127.0.0.1; print {"<combo>": port, ...} on one line,
                                  then serve until stdin closes.
  deflate_peer.py client PORT...  for every port (a nexus echo server), and every
                                  client parameter combination, connect, send text and
                                  binary messages, check each echo; print the agreed
                                  parameters; exit 1 on any mismatch.

A combination is 4 bits: server_no_context_takeover, client_no_context_takeover,
server_max_window_bits=10, client_max_window_bits=11.
"""
import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

COMBOS = range(16)


def flags(combo):
    return bool(combo & 1), bool(combo & 2), 10 if combo & 4 else None, 11 if combo & 8 else None


def messages():
    row = '{"e":"trade","s":"BTCUSDT","p":"%d.%02d","q":"0.%03d"},'
    json_2k = "".join(row % (43000 + i % 97, i % 100, i % 1000) for i in range(60))[:2048]
    yield json_2k
    yield json_2k  # the same again: context takeover, when allowed, pays off here
    yield ""
    yield "é" * 5000
    yield bytes(range(256)) * 80
    yield bytes(70_000)


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def run_servers():
    servers = {}
    for combo in COMBOS:
        snct, cnct, smwb, cmwb = flags(combo)
        factory = ServerPerMessageDeflateFactory(
            server_no_context_takeover=snct,
            client_no_context_takeover=cnct,
            server_max_window_bits=smwb,
            client_max_window_bits=cmwb,
        )
        server = await serve(echo, "127.0.0.1", 0, extensions=[factory], compression=None, max_size=None)
        servers[str(combo)] = server.sockets[0].getsockname()[1]
    print(json.dumps(servers), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def run_clients(ports):
    failures = 0
    for port in ports:
        for combo in COMBOS:
            snct, cnct, smwb, cmwb = flags(combo)
            factory = ClientPerMessageDeflateFactory(
                server_no_context_takeover=snct,
                client_no_context_takeover=cnct,
                server_max_window_bits=smwb,
                client_max_window_bits=cmwb if cmwb else True,
            )
            try:
                async with connect(
                    f"ws://127.0.0.1:{port}/", extensions=[factory], compression=None, max_size=None
                ) as ws:
                    ext = ws.protocol.extensions
                    if len(ext) != 1:
                        raise AssertionError(f"no permessage-deflate agreed: {ext}")
                    e = ext[0]
                    for message in messages():
                        await ws.send(message)
                        got = await ws.recv()
                        if got != message:
                            raise AssertionError(f"echo differs ({len(message)} bytes sent)")
                    print(
                        f"port {port} combo {combo}: ok; remote_nct={e.remote_no_context_takeover} "
                        f"local_nct={e.local_no_context_takeover} remote_bits={e.remote_max_window_bits} "
                        f"local_bits={e.local_max_window_bits}",
                        flush=True,
                    )
            except Exception as error:  # report every failing combination
                failures += 1
                print(f"port {port} combo {combo}: FAILED: {error!r}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(run_servers())
    else:
        asyncio.run(run_clients([int(p) for p in sys.argv[2:]]))
