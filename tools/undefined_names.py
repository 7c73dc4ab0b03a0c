#!/usr/bin/env python
"""Undefined names (pyflakes F821, through ruff) outside string literals.

pyproject's ruff config ignores F821 because jaxtyping's shape strings (`Float[Tensor, "n d"]`) read as forward
references to names `n`, `d`; that also hid real undefined names (a missing import is only found when the line runs).
This reports every F821 whose position is not inside a string constant. Exit 1 when there is one.
Usage: python tools/undefined_names.py [paths ...]   (default: polytope_hsae tests benchmarks tools)
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ["polytope_hsae", "tests", "benchmarks", "tools"]


def string_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    "(start, end) of every string constant as (line, UTF-8 byte column), as `ast` gives them."
    return [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)) for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def undefined_names(paths: list[str]) -> list[str]:
    "`file:line:col name` of each undefined name outside string literals."
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F821", "--ignore", "F722", "--output-format", "json",
                          "--exit-zero", *paths], capture_output=True, text=True, cwd=ROOT)
    if run.returncode: raise RuntimeError(f"ruff failed: {run.stderr}")
    found, spans = [], {}
    for d in json.loads(run.stdout):
        f = Path(d["filename"])
        if f not in spans:
            source = f.read_text(encoding="utf-8")
            spans[f] = (source.splitlines(), string_spans(source))
        lines, strings = spans[f]
        row, col = d["location"]["row"], d["location"]["column"]            # col: 1-based characters
        byte = len(lines[row - 1][: col - 1].encode("utf-8"))
        if any(a <= (row, byte) < b for a, b in strings): continue           # a name inside a string: a jaxtyping dimension
        found.append(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}:{row}:{col} {d['message']}")
    return found


if __name__ == "__main__":
    found = undefined_names(sys.argv[1:] or DEFAULT)
    print("\n".join(found) or "no undefined names outside string literals")
    sys.exit(1 if found else 0)
