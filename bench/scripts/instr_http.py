#!/usr/bin/env python3
"""Instructions per response parse under callgrind (repeatable on a busy machine).
Run from bench/: python3 scripts/instr_http.py"""
import re
import subprocess
import sys

BIN = "target/release/examples/instr_http"
ROUNDS = 200


def count(args):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", BIN, *args],
        capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def per_op(who, workload):
    return (count([who, workload, str(ROUNDS)]) - count([who, workload, "0"])) / ROUNDS


if "--no-build" not in sys.argv:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "instr_http"], check=True)
print("| workload | httparse head | httparse head (uninit) | nexus-net | nexus-net 0.7 | nexus-net / httparse |")
print("|---|---:|---:|---:|---:|---:|")
for workload in ["cl", "chunked"]:
    r = {w: per_op(w, workload) for w in ["httparse", "httparse_uninit", "ours", "old"]}
    print(f"| {workload} | {r['httparse']:.0f} | {r['httparse_uninit']:.0f} | {r['ours']:.0f} | {r['old']:.0f} "
          f"| {r['ours'] / r['httparse']:.2f} |")
    sys.stdout.flush()
