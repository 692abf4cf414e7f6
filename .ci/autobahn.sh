#!/usr/bin/env bash
# Autobahn conformance (categories 1-10, 301 cases) of the tokio WebSocket adapter, as
# server and as client, driven by kosoku. Exits non-zero unless every case of both
# modes is OK, NON-STRICT or INFORMATIONAL (behaviour and close behaviour).
# Usage: .ci/autobahn.sh            (from anywhere; reports go to target/autobahn/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/target/autobahn
rm -rf "$out"
mkdir -p "$out"

if ! command -v kosoku >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check kosoku
  hash -r
fi
cargo build --release --quiet -p nexus-async-net --example autobahn_server --example autobahn_client
bin=$root/target/release/examples

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { # $1 = port: wait up to 20 s for a listener
  python3 - "$1" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); end = time.time() + 20
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# ---- server mode: kosoku drives our echo server ----
port=$(free_port)
"$bin/autobahn_server" "127.0.0.1:$port" >"$out/server.log" 2>&1 &
server_pid=$!; pids+=("$server_pid")
wait_port "$port"
timeout 1200 kosoku "127.0.0.1:$port" -x '12.*' -x '13.*' -o "$out/servers" >"$out/kosoku-server.log" 2>&1 || true
kill "$server_pid" 2>/dev/null || true

# ---- client mode: our client drives kosoku's fuzzing server ----
port=$(free_port)
kosoku -m fuzzingserver "127.0.0.1:$port" -x '12.*' -x '13.*' -o "$out/clients" >"$out/kosoku-client.log" 2>&1 &
fuzz_pid=$!; pids+=("$fuzz_pid")
wait_port "$port"
timeout 1200 "$bin/autobahn_client" "ws://127.0.0.1:$port" nexus-async-net >"$out/client.log" 2>&1 || true
# kosoku writes its reports on /updateReports; give it a moment, then stop it.
for _ in $(seq 1 50); do [ -f "$out/clients/index.json" ] && break; sleep 0.2; done
sleep 1
kill "$fuzz_pid" 2>/dev/null || true

python3 - "$out" <<'PY'
import json, sys, collections, pathlib
out = pathlib.Path(sys.argv[1])
ok_states = {"OK", "NON-STRICT", "INFORMATIONAL"}
expected = 301
failed = False
for mode in ("servers", "clients"):
    index = out / mode / "index.json"
    if not index.exists():
        print(f"autobahn {mode}: no report ({index} missing)")
        failed = True
        continue
    data = json.loads(index.read_text())
    cases = {}
    for agent_cases in data.values():
        cases.update(agent_cases)
    behaviour = collections.Counter(c["behavior"] for c in cases.values())
    close = collections.Counter(c["behaviorClose"] for c in cases.values())
    bad = sorted(
        (k for k, c in cases.items() if c["behavior"] not in ok_states or c["behaviorClose"] not in ok_states),
        key=lambda k: [int(x) for x in k.split(".")],
    )
    print(f"autobahn {mode}: {len(cases)} cases; behaviour {dict(behaviour)}; close {dict(close)}")
    if bad:
        print(f"  failing: {', '.join(bad[:40])}{' ...' if len(bad) > 40 else ''}")
    if bad or len(cases) != expected:
        failed = True
sys.exit(1 if failed else 0)
PY
