#!/usr/bin/env python3
"""Prints the totals of ./lab test from its summary file; exits 1 if anything failed or nothing ran."""
import sys

rows = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3:
            rows.append((parts[0], int(parts[1]), int(parts[2])))
print()
print(f"{'check':<16} {'passed':>7} {'failed':>7}")
for name, p, fl in rows:
    print(f"{name:<16} {p:>7} {fl:>7}")
passed = sum(r[1] for r in rows)
failed = sum(r[2] for r in rows)
print(f"Summary: {passed} passed, {failed} failed")
sys.exit(1 if failed or not rows else 0)
