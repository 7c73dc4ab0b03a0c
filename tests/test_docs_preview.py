"""The docs preview (`polytope-hsae docs`, nbs/16_docs) opened in headless Chromium: every page is reached from the
index through the sidebar, none is blank, and the plotly figures stored in 06_polytopes are drawn by the plotly.js
copied beside the site (no network). Each page is loaded once (its DOM after scripts ran, and a screenshot), two at a
time; skipped where Chromium is not installed (CI installs it with apt)."""
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from polytope_hsae.docs_preview import PLOTLY_MIME, build_docs
from polytope_hsae.viz import chromium_path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/"nbs"
pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed (apt-get install chromium)")


def load(url:str, png:Path, width:int=1200, height:int=1600, wait_ms:int=3000) -> str:
    "Open `url` in headless Chromium (offline flags): its DOM after `wait_ms` of virtual time; a screenshot into `png`."
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
               f"--window-size={width},{height}", f"--virtual-time-budget={wait_ms}", f"--screenshot={png}", "--dump-dom", url]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert png.exists() and r.stdout, f"Chromium did not render {url} (exit {r.returncode}): {r.stderr[-1500:]}"
    return r.stdout


FIGURES_PAGE = "06_polytopes.html"      # its figures lie within the first 8000 px


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "The site folder and its pages in site order."
    out = tmp_path_factory.mktemp("preview")/"site"
    return out, [p.name for p in build_docs(out, NBS)]


@pytest.fixture(scope="module")
def rendered(site, tmp_path_factory):
    "page name -> (DOM, screenshot) for every page of the site."
    out, pages = site
    shots = tmp_path_factory.mktemp("shots")
    height = lambda n: 8000 if n == FIGURES_PAGE else 1600
    with ThreadPoolExecutor(2) as pool:
        doms = pool.map(lambda n: load((out/n).as_uri(), shots/f"{n}.png", height=height(n)), pages)
        return {n: (dom, shots/f"{n}.png") for n, dom in zip(pages, doms)}


def sidebar_links(dom:str) -> list[str]:
    nav = re.search(r'<nav class="sidebar">(.*?)</nav>', dom, flags=re.S)
    assert nav, "no sidebar"
    return re.findall(r'href="([^"#]+)"', nav.group(1))


def test_every_notebook_is_reachable_from_the_index_through_the_sidebar(site, rendered):
    expected = site[1]
    assert len(expected) >= 20 and expected[0] == "index.html" and "06_polytopes.html" in expected
    assert {n[:2] for n in expected[1:]} >= {f"{i:02d}" for i in range(16)}, "a numbered notebook is missing"
    assert sidebar_links(rendered["index.html"][0])[1:] == expected, "the sidebar lists the notebooks in order"
    seen, todo = set(), ["index.html"]
    while todo:
        page = todo.pop()
        if page in seen: continue
        seen.add(page)
        todo += [l for l in sidebar_links(rendered[page][0]) if l not in seen]
    assert seen == set(expected)


def blank(png, min_colors:int=8, min_ink:float=0.002) -> bool:
    "`viz.is_blank`'s rule (few colours, or almost every pixel one colour), on packed RGB: quick on big screenshots."
    a = np.asarray(Image.open(png).convert("RGB")).astype(np.int32)
    counts = np.unique((a[..., 0] << 16 | a[..., 1] << 8 | a[..., 2]).ravel(), return_counts=True)[1]
    return len(counts) < min_colors or 1 - counts.max() / counts.sum() < min_ink


def test_no_page_is_blank(rendered, tmp_path):
    Image.new("RGB", (300, 300), "white").save(tmp_path/"white.png")
    assert blank(tmp_path/"white.png")                                   # the check itself sees a blank page
    for name, (dom, png) in rendered.items():
        assert not blank(png), f"{name} rendered blank"
        main = re.search(r"<main>(.*)</main>", dom, flags=re.S).group(1)
        text = re.sub(r"<[^>]+>", " ", main)
        assert "<h1" in main and len(text.split()) > 20, f"{name}: no title or almost no text"


def colored_share(png) -> float:
    "Share of saturated pixels right of the sidebar: plotly's markers and heatmaps are coloured, text and code are not."
    a = np.asarray(Image.open(png).convert("RGB")).astype(int)[:, 260:]
    return float(((a.max(-1) - a.min(-1)) > 80).mean())


def test_plotly_figures_are_drawn(rendered):
    nb = nbformat.read(NBS/"06_polytopes.ipynb", as_version=4)
    n_figures = sum(PLOTLY_MIME in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert n_figures >= 6, "06_polytopes stores its figures"
    dom, png = rendered[FIGURES_PAGE]
    assert dom.count('class="plot-container plotly"') == n_figures, "plotly.js drew every figure"
    assert dom.count('class="main-svg"') >= n_figures
    # measured: 0.0036 with the figures drawn; 0.0001-0.0002 on pages of text and code
    assert colored_share(png) > 0.001, "no coloured pixels: the figures' areas are empty"
