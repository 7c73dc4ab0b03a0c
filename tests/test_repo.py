"""Repository contracts: README is the rendered index notebook, and CI runs the README's commands."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL = 'pip install -e ".[dev]"'

spec = importlib.util.spec_from_file_location("sync_readme", ROOT / "tools" / "sync_readme.py")
sync_readme = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync_readme)


def bash_commands(text: str) -> list[str]:
    "Command lines inside ```bash fences."
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [l for b in blocks for l in b.splitlines() if l.strip()]


def test_readme_is_the_index_notebook():
    assert (ROOT / "README.md").read_text() == sync_readme.render(), "run: python tools/sync_readme.py"


def test_quick_start_is_two_commands_each_starting_with_the_install():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    cmds = bash_commands(quick)
    assert len(cmds) == 2, cmds
    assert all(c.startswith(INSTALL + " && ") for c in cmds)
    assert "polytope-hsae run --config quick" in cmds[0]
    assert "nbdev-test" in cmds[1] and "--flags slow" in cmds[1] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"install_cmd='{INSTALL}'" in ci
    assert 'grep -m1 -F "$install_cmd && nbdev-test" README.md' in ci


def test_notebooks_have_headers_and_stay_small():
    import nbformat
    for nb_path in sorted((ROOT / "nbs").glob("[0-9]*.ipynb")):
        assert nb_path.stat().st_size < 1_000_000, nb_path
        text = nb_path.read_text()
        assert "application/vnd.jupyter.widget-state+json" not in text, f"{nb_path}: widget state saved"
        assert "* plotly.js v" not in text, f"{nb_path}: the plotly.js bundle is saved in it (use viz.notebook_renderer())"
        nb = nbformat.read(nb_path, as_version=4)
        assert nb.cells[0].source.startswith("#| default_exp"), nb_path
        assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.startswith("# "), nb_path
        assert "\n> " in nb.cells[1].source, f"{nb_path}: one-line summary missing"


def test_no_cell_mixes_imports_with_code():
    "nbdev's docs build executes every cell with a top-level import: such a cell must hold imports only (nbdev FAQ),\nor building the docs would run it (load the model, run Phase 1)."
    import ast
    import nbformat
    for nb_path in sorted((ROOT / "nbs").glob("*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type != "code" or "#| export" in cell.source: continue
            tree = ast.parse(cell.source)          # nbdev looks for imports anywhere in the cell, nested ones included
            imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
            code = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
            assert not (imports and code), f"{nb_path.name}: move the imports of this cell into their own cell:\n{cell.source[:300]}"


def test_no_undefined_names_outside_strings(tmp_path):
    "ruff ignores F821 for jaxtyping's shape strings; tools/undefined_names.py still finds real undefined names (a missing import)."
    spec = importlib.util.spec_from_file_location("undefined_names", ROOT / "tools" / "undefined_names.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.undefined_names(tool.DEFAULT) == []
    planted = tmp_path / "planted.py"                      # a missing import is caught; shape strings and λ before it are not
    planted.write_text('from jaxtyping import Float\nfrom torch import Tensor\ndef f(x: Float[Tensor, "n d"]) -> Float[Tensor, "n"]:\n'
                       '    "λ → λ"; return io.BytesIO(x)\n', encoding="utf-8")
    found = tool.undefined_names([str(planted)])
    assert len(found) == 1 and found[0].endswith(":4:21 Undefined name `io`"), found
