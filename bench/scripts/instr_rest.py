#!/usr/bin/env python3
"""Instructions per request build / response parse of the REST bench's workloads,
under callgrind (repeatable on a busy machine). Run from bench/: python3 scripts/instr_rest.py"""
import re
import subprocess
import sys

BIN = "target/release/examples/instr_rest"
ROUNDS = 500


def count(args):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", BIN, *args],
        capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


if "--no-build" not in sys.argv:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "instr_rest"], check=True)
print("| workload | instructions |")
print("|---|---:|")
for what in ["get", "post", "parse"]:
    n = (count([what, str(ROUNDS)]) - count([what, "0"])) / ROUNDS
    print(f"| {what} | {n:.0f} |")
    sys.stdout.flush()
