#!/usr/bin/env python3
"""Instructions per WebSocket echo round trip (client + server, user space) under
callgrind, for every library of the ws_echo bench: repeatable whatever the load.
Run from bench/: python3 scripts/instr_ws_echo.py > instr_echo.md"""
import re
import subprocess
import sys

BIN = "target/release/examples/instr_ws_echo"
N = 2000
LIBS = ["raw", "nexus", "nexus07", "tungstenite", "fastwebsockets", "tokio-websockets"]
SIZES = [int(s) for s in sys.argv[1:]] or [40, 128, 512, 16384]


def count(lib, size, n):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", BIN, lib, str(size), str(n)],
        capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "instr_ws_echo"], check=True)
print("| size | " + " | ".join(LIBS) + " | nexus - raw | nexus07 / nexus | tungstenite / nexus |")
print("|---:|" + "---:|" * (len(LIBS) + 3))
for size in SIZES:
    r = {lib: (count(lib, size, N) - count(lib, size, 0)) / N for lib in LIBS}
    print(f"| {size} | " + " | ".join(f"{r[lib]:.0f}" for lib in LIBS)
          + f" | {r['nexus'] - r['raw']:.0f} | {r['nexus07'] / r['nexus']:.2f} | {r['tungstenite'] / r['nexus']:.2f} |")
    sys.stdout.flush()
