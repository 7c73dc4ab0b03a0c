"""The docs page of `06_polytopes`: the notebook is executed (its fast cells: synthetic data, every figure and explorer),
written as an offline HTML page with plotly.js beside it, and, when Chromium is installed, screenshotted headless."""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from polytope_hsae.viz import PLOTLY_MIME, chromium_path, is_blank, notebook_to_html, screenshot

NB = Path(__file__).parents[1]/"nbs"/"06_polytopes.ipynb"

def _is_slow(cell) -> bool:
    return cell.cell_type == "code" and any(l.replace(" ", "") == "#|slow" for l in cell.source.splitlines())

@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from nbclient import NotebookClient
    nb = nbformat.read(NB, as_version=4)
    nb.cells = [c for c in nb.cells if not _is_slow(c)]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB.parent)}}).execute()
    return notebook_to_html(nb, tmp_path_factory.mktemp("docs")/"06_polytopes.html"), nb

def test_page_is_offline_and_has_every_figure(page):
    path, nb = page
    text = path.read_text()
    n_figures = sum(PLOTLY_MIME in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert n_figures >= 6, n_figures
    assert len(re.findall(r"""Plotly\.newPlot\(\s*["']fig\d+""", text)) == n_figures
    assert not re.search(r"""src=["']https?://""", text), "the page loads a script from the web"
    assert not re.search(r"<script[^>]*>[^<]*https?://", text), "a script on the page reaches the web (a CDN loader)"
    assert (path.parent/"plotly.min.js").stat().st_size > 1_000_000
    assert "<h1>Polytopes: figures and explorers</h1>" in text

def _colored_share(png) -> float:
    "Share of saturated pixels: plotly's markers and heatmaps are coloured, the page's text and code are not."
    a = np.asarray(Image.open(png).convert("RGB")).astype(int)
    return float(((a.max(-1) - a.min(-1)) > 80).mean())

@pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed (apt-get install chromium)")
def test_page_screenshot_shows_figures(page, tmp_path):
    png = screenshot(page[0], tmp_path/"page.png", width=1200, height=6000)
    assert not is_blank(png)
    assert _colored_share(png) > 0.005, "the page rendered but no figure was drawn"

def test_docs_processor_renders_figures_for_quarto(page):
    "nbdev's doc pipeline (with this project's `doc_procs`) gives every plotly output an HTML rendering."
    import json
    from fastcore.nbio import dict2nb
    from nbdev.processors import FilterDefaults
    nb = dict2nb(json.loads(nbformat.writes(page[1])))       # the form nbdev's docs pipeline reads
    nb.path_ = str(NB)
    FilterDefaults().nb_proc(nb).process()
    figures = [o for c in nb.cells for o in c.get("outputs", []) if PLOTLY_MIME in o.get("data", {})]
    assert figures and all("Plotly.newPlot" in o["data"]["text/html"] for o in figures)
