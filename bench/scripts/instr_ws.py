#!/usr/bin/env python3
"""Instructions per frame for WebSocket decode/encode under callgrind (repeatable on a
busy machine). Run from bench/: python3 scripts/instr_ws.py > instr.md"""
import re
import subprocess
import sys

BIN = "target/release/examples/instr_ws"
ROUNDS = 3


def count(args):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", BIN, *args],
        capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    frames = int(re.search(r"frames_per_round=(\d+)", out.stdout).group(1))
    return int(m.group(1)), frames


def per_frame(who, op, size, masked, text):
    base, _ = count([who, op, str(size), masked, text, "0"])
    total, frames = count([who, op, str(size), masked, text, str(ROUNDS)])
    return (total - base) / (ROUNDS * frames)


subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "instr_ws"], check=True)
print("| op | masked | kind | size | nexus-net | nexus-net 0.7 | tungstenite | vs 0.7 | vs tungstenite |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for op in ["decode", "encode"]:
    for masked in ["0", "1"]:
        for text in (["0", "1"] if op == "decode" else ["0"]):
            for size in [40, 128, 512, 16384]:
                r = {w: per_frame(w, op, size, masked, text) for w in ["ours", "old", "tungstenite"]}
                print(f"| {op} | {'yes' if masked == '1' else 'no'} | {'text' if text == '1' else 'binary'} | {size} "
                      f"| {r['ours']:.0f} | {r['old']:.0f} | {r['tungstenite']:.0f} "
                      f"| {r['old'] / r['ours']:.2f}x | {r['tungstenite'] / r['ours']:.2f}x |")
                sys.stdout.flush()
