#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (what `nbdev-readme` does, without Quarto).

Markdown cells are copied as they are; code cells become ```python blocks without their `#|`
directive lines (consecutive code cells make one block); cells marked `#| hide` are left out. `--check` exits 1 if README.md differs.
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def render(nb_path: Path = ROOT / "nbs" / "index.ipynb") -> str:
    "The README text for the index notebook at `nb_path`."
    nb = nbformat.read(nb_path, as_version=4)
    parts = []
    for cell in nb.cells:
        lines = cell.source.splitlines()
        directives = [l.replace(" ", "") for l in lines if l.startswith("#|")]
        if "#|hide" in directives:
            continue
        if cell.cell_type == "markdown":
            parts.append(cell.source.strip())
        elif cell.cell_type == "code":
            code = "\n".join(l for l in lines if not l.startswith("#|")).strip()
            if code and parts and parts[-1].startswith("```python\n"):   # consecutive code cells: one block
                parts[-1] = parts[-1][: -len("\n```")] + f"\n{code}\n```"
            elif code:
                parts.append(f"```python\n{code}\n```")
    return "\n\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    text, readme = render(), ROOT / "README.md"
    if "--check" in argv:
        if not readme.exists() or readme.read_text() != text:
            print("README.md differs from nbs/index.ipynb; run: python tools/sync_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
