"""Execute notebooks in place, all cells (slow ones included), keeping outputs that belong in the docs.

    python tools/execute_notebook.py nbs/06_polytopes.ipynb [more.ipynb ...]

Keeps figures (plotly JSON) and printed results; drops widget views and widget state (they cannot be
replayed without a kernel, and bloat the file), stderr (progress bars, warnings) and execution counts,
then the caller runs `nbdev-clean`. Commit the result only if `pytest tests/test_repo.py` passes
(no notebook over 1 MB, no plotly.js bundle, no widget state)."""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

def strip(nb):
    for cell in nb.cells:
        if cell.cell_type != "code": continue
        kept = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr": continue
            if WIDGET_VIEW in out.get("data", {}): continue
            kept.append(out)
        cell.outputs = kept
    nb.metadata.pop("widgets", None)
    return nb

if __name__ == "__main__":
    for path in sys.argv[1:]:
        path = Path(path)
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        nbformat.write(strip(nb), path)
        print(f"{path}: executed, {path.stat().st_size / 1e6:.2f} MB")
