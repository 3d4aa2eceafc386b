"""The parameter page matches the code, and every economy parameter is documented."""
from __future__ import annotations

import dataclasses

from sim.config.schema import EconomyConfig
from sim.config.docs import DOC_PATH, render


def test_parameter_page_is_generated_from_the_current_declarations():
    assert DOC_PATH.read_text() == render(), "docs/parameters.md is stale: run python -m sim.config.docs"


def test_every_economy_parameter_has_meaning_unit_and_source():
    for field in dataclasses.fields(EconomyConfig):
        meta = field.metadata
        assert meta.get("doc"), field.name
        assert meta.get("source"), f"economy.{field.name} has no source (literature, calibrated or assumption)"
        if field.type not in ("bool", bool):
            assert meta.get("unit"), f"economy.{field.name} has no unit"
