"""Documentation that is not stale: the generated pages and the README's outputs (issue 4)."""

from pathlib import Path

from typer.testing import CliRunner

import ditrates
from ditrates import docgen
from ditrates.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_generated_pages_are_not_stale():
    stale = [rel for rel, content in docgen.pages().items()
             if not (ROOT / "docs" / rel).exists() or (ROOT / "docs" / rel).read_text() != content]
    assert not stale, f"run `python -m ditrates.docgen docs`: stale pages {stale}"


def test_every_result_has_a_page():
    assert sorted(p.stem for p in (ROOT / "docs" / "results").glob("*.md")) == sorted(ditrates.names())


def test_readme_commands_run_and_their_shown_output_is_current():
    """Every `$ ditrates ...` block of the README runs (exit 0); where the README shows the output in full
    (not elided), it is exactly what the command prints."""
    import shlex

    blocks = docgen.README_BLOCK.findall((ROOT / "README.md").read_text())
    assert len(blocks) >= 6
    assert sum(not docgen.elided(shown) for _, shown in blocks) >= 4  # an elision marker cannot hide them all
    for cmd, shown in blocks:
        res = runner.invoke(app, shlex.split(cmd), env={"COLUMNS": docgen.DOC_COLUMNS, "NO_COLOR": "1"})
        assert res.exit_code == 0, (cmd, res.stderr)
        if not docgen.elided(shown):
            printed = [line.rstrip() for line in res.stdout.rstrip("\n").splitlines()]
            assert printed == shown.rstrip("\n").splitlines(), f"README output of `ditrates {cmd}` is stale: " \
                                                                 "python -m ditrates.docgen docs"


def test_the_experiment_reports_in_the_docs_are_what_the_committed_records_give(monkeypatch):
    """docs/experiments.md shows `ditrates experiment report docs/runs/<sweep> --markdown` whole, from the records
    committed beside it: a change of the report, of the bounds it sets beside the measurements, or of a record
    makes the shown tables stale."""
    import shlex

    blocks = docgen.MARKDOWN_BLOCK.findall((ROOT / "docs" / "experiments.md").read_text())
    assert {cmd.split()[2] for cmd, _ in blocks} >= {"docs/runs/n", "docs/runs/D", "docs/runs/d0"}
    monkeypatch.chdir(ROOT)
    for cmd, shown in blocks:
        res = runner.invoke(app, shlex.split(cmd))
        assert res.exit_code == 0, (cmd, res.output)
        printed = [line.rstrip() for line in res.stdout.rstrip("\n").splitlines()]
        assert printed == shown.rstrip("\n").splitlines(), f"docs/experiments.md: `ditrates {cmd}` is stale: " \
                                                             "python -m ditrates.docgen docs"
