#!/usr/bin/env python3
"""Counts a Python unittest log ("Ran N tests", "FAILED (failures=a, errors=b)") into a
'tool tests<TAB>passed<TAB>failed' line for tools/total_summary.py."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read() if len(sys.argv) > 1 else sys.stdin.read()
ran = re.search(r"^Ran (\d+) tests?", text, re.M)
tests = int(ran.group(1)) if ran else 0
failed = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", text))
skipped = sum(int(n) for n in re.findall(r"skipped=(\d+)", text))
if tests == 0:
    failed = max(failed, 1)  # no tests ran at all: the discovery or an import failed
print(f"tool tests\t{tests - failed - skipped}\t{failed}")
