"""The structure holds (issue 11): layers enforced by import-linter, imports at the top, small modules."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
LAZY = {"torch", "matplotlib", "numpy", "ray", "ditrates.experiments"}
"""The only imports allowed inside functions: the heavy or optional ones (ditrates.experiments is torch, ray is
the extra ``scale``), off the command line's start-up path."""
FACADES = {("result.py", "ditrates.solve"), ("result.py", "ditrates.latex")}
"""Result.solve_for and Result.latex import their module when called (documented in docs/architecture.md)."""


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    res = _lint(ROOT)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "2 kept, 0 broken" in res.stdout


@pytest.mark.parametrize(("module", "line"), [("errors.py", "import ditrates.cli\n"),
                                              ("numerics.py", "import torch\n"),
                                              ("result.py", "from ditrates import report\n")])
def test_a_back_arrow_breaks_the_contracts(tmp_path, module, line):
    """The contracts are live: one import against the layers in a copy of the tree makes lint-imports fail."""
    shutil.copytree(ROOT / "ditrates", tmp_path / "ditrates", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "ditrates" / module
    path.write_text(path.read_text() + "\n" + line)
    res = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent)})
    assert res.returncode != 0 and "BROKEN" in res.stdout


def _function_imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    names = [sub.module] if isinstance(sub, ast.ImportFrom) else [a.name for a in sub.names]
                    yield from ((sub.lineno, n) for n in names)


def test_imports_inside_functions_are_only_the_deliberate_lazy_ones():
    found = [(str(p.relative_to(ROOT)), line, name) for p in sorted((ROOT / "ditrates").rglob("*.py"))
             for line, name in _function_imports(p)
             if not any(name == m or name.startswith(m + ".") for m in LAZY) and (p.name, name) not in FACADES]
    assert not found, found


def test_no_source_file_over_400_lines_and_each_says_what_it_holds():
    for path in sorted((ROOT / "ditrates").rglob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) <= 400, path
        if text.strip():
            doc = ast.get_docstring(ast.parse(text))
            assert doc and len(doc.splitlines()[0]) > 10, f"{path}: the first line should say what it holds"


def test_a_reader_finds_each_theorem_by_its_number_in_the_tree():
    import ditrates

    sources = {r.source.split(" (")[0] for r in ditrates.results() if r.kind != "baseline"}
    for source in sources:
        short = source.replace("Theorem", "Thm").replace("Proposition", "Prop").replace("Definition", "Def")
        first = [((ast.get_docstring(ast.parse(p.read_text())) or "") + "\n").splitlines()[0]
                 for p in (ROOT / "ditrates").rglob("*.py")]
        hits = [line for line in first if source in line or short in line]
        assert hits, f"no module names {source} on its first line"


def test_the_style_is_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    res = subprocess.run([ruff, "check", "ditrates", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout[-3000:]


def _contracts():
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_module_belongs_to_a_layer_and_the_core_is_listed_as_core():
    """A new ditrates/newcore.py must be placed in the layers (else it could import the CLI unnoticed), and every
    module outside the command line and the torch/matplotlib products is held to "no torch, matplotlib, rich,
    typer"."""
    layers, core = _contracts()
    in_layers = {m.strip() for line in layers["layers"] for m in line.split("|")}
    heavy = {"ditrates.cli", "ditrates.experiments", "ditrates.plot"}
    top = {f"ditrates.{p.stem}" for p in (ROOT / "ditrates").glob("*.py") if not p.stem.startswith("_")}
    top |= {f"ditrates.{p.parent.name}" for p in (ROOT / "ditrates").glob("*/__init__.py")}
    assert top - in_layers == set(), "modules in no layer of pyproject.toml's contract"
    assert top - heavy - set(core["source_modules"]) == set(), "core modules missing from the forbidden contract"


def test_a_new_baseline_appears_in_compare_plot_and_page_with_its_registry_line_alone(monkeypatch):
    """docs/architecture.md: a new baseline is its Result (in its module) and one line of registry._TABLE; compare,
    the plot's baselines and the page's charts read the pairings from the Result objects."""
    import types

    import ditrates
    from ditrates import comparison, curves, registry
    from ditrates.page import generate
    from ditrates.rates import recovery
    from ditrates.result import Order, Result
    from ditrates.symbols import S

    smith = Result(name="smith2026-tv", source="Smith et al. 2026, Theorem 1", kind="baseline", summary="test",
                   statement="test", expr=S.C_hu25 * S.n ** (-1 / (S.d0 + 3)),
                   order=Order(S.n ** (-1 / (S.d0 + 3)), tilde=True), **recovery.TV_AT_MOST_1)
    module = types.ModuleType("ditrates.rates.smith")
    module.RESULTS = (smith,)
    monkeypatch.setitem(sys.modules, "ditrates.rates.smith", module)
    table = (*registry._TABLE, ("smith2026-tv", "baselines", "rates.smith"))
    monkeypatch.setattr(registry, "_TABLE", table)
    monkeypatch.setattr(registry, "_HOME", {**registry._HOME, "smith2026-tv": "ditrates.rates.smith"})
    monkeypatch.setattr(registry, "GROUPS", {**registry.GROUPS,
                                             "baselines": (*registry.GROUPS["baselines"], "smith2026-tv")})
    assert "smith2026-tv" in comparison.compared()
    assert ("tv-recovery", "smith2026-tv") in comparison.pairs(comparison.compared())
    assert "smith2026-tv" in curves.shown(["tv-recovery"], "n")
    assert "smith2026-tv" in generate.charts()["n"] and "smith2026-tv" in generate.data_js()
    assert ditrates.get("smith2026-tv").evaluate(n=10**6, d0=4).value == pytest.approx((10**6) ** (-1 / 7))
