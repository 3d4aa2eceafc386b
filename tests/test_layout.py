"""The package tree is the architecture: imports point one way only (engine <- edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
FORBIDDEN = {
    # the engine is NumPy + Mesa: no Hydra, OmegaConf or higher layer
    "model": ("sim.run", "sim.analysis", "sim.checks", "hydra", "omegaconf"),
    # analysis reads tables, never models
    "analysis": ("sim.model",),
    # configuration is a leaf: it declares, it does not run (plain Python, as the engine calls it)
    "config": ("sim.model", "sim.run", "sim.analysis", "sim.checks", "hydra", "omegaconf"),
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; use absolute sim.* imports"
            names.add(node.module or "")
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_one_way(layer):
    bad = []
    for path in sorted((SIM / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(SIM.parent)} imports {name}")
    assert not bad, "\n".join(bad)


def test_detector_sees_a_forbidden_import(tmp_path):
    """The check above would catch a violation (guards against a check that cannot fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text("import hydra\nfrom sim.run.api import compose\n")
    assert imported_modules(probe) == {"hydra", "sim.run.api"}
