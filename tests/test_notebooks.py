"""The notebooks in experiments/notebooks run top to bottom on a small sweep."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.sweep_helpers import PROJECT_ROOT, outcome_share_sweep, paired_sweep

NOTEBOOKS = PROJECT_ROOT / "experiments" / "notebooks"


@pytest.mark.parametrize(
    "name, make_sweep",
    [("compare_scenarios", paired_sweep), ("explore_sweep", outcome_share_sweep)],
)
def test_notebook_executes_on_a_small_sweep(name, make_sweep, tmp_path_factory, monkeypatch):
    sweep_dir = make_sweep(tmp_path_factory)
    monkeypatch.setenv("P4P_SWEEP_DIR", str(sweep_dir))
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path_factory.mktemp(name))}},
    ).execute()
    outputs = [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    ]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the notebook should show its figures"
    assert any(str(sweep_dir) in "".join(o.get("text", "")) for o in outputs)
