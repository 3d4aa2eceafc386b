"""Generated docs match the code; every parameter and KPI is documented."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config.outcomes import ALL_KPIS, BY_NAME, COMPARISON, EXTRA_SCALARS, KPI_NAMES, kpi_unit
from sim.config.schema import EconomyConfig
from sim.docs.generate import DOC_PATH, README_PATH, generated, readme_with_kpi_table


def test_parameter_page_is_generated_from_the_current_declarations():
    assert DOC_PATH.read_text() == generated()[DOC_PATH], (
        "docs/parameters.md is stale: run python -m sim.docs"
    )


def test_readme_kpi_table_is_generated_from_the_kpi_declarations():
    assert README_PATH.read_text() == generated()[README_PATH], (
        "the README's KPI table is stale: run python -m sim.docs"
    )


def test_kpi_table_check_notices_an_edited_table():
    edited = README_PATH.read_text().replace("| `mean_wage` |", "| `mean_wages` |")
    assert readme_with_kpi_table(edited) != edited


def test_every_economy_parameter_has_meaning_unit_and_source():
    for field in dataclasses.fields(EconomyConfig):
        meta = field.metadata
        assert meta.get("doc"), field.name
        assert meta.get("source"), (
            f"economy.{field.name} has no source (literature, calibrated or assumption)"
        )
        if field.type not in ("bool", bool):
            assert meta.get("unit"), f"economy.{field.name} has no unit"


@pytest.mark.parametrize("kpi", ALL_KPIS, ids=[k.name for k in ALL_KPIS])
def test_every_kpi_has_a_unit_a_meaning_and_a_rule(kpi):
    assert kpi.unit and kpi.description.endswith(".")
    assert kpi_unit(kpi.name) == kpi.unit
    if kpi.is_formula:
        assert kpi.numerator is not None
    if kpi.kind == "ratio":
        assert kpi.denominator is not None
    if kpi.kind == "recorded" and kpi.headline:
        assert kpi.recorded_by, f"{kpi.name}: which recorder method computes it?"


def test_kpi_names_are_unique_and_partitioned():
    names = [k.name for k in ALL_KPIS]
    assert len(names) == len(set(names))
    comparison = {k.name for k in ALL_KPIS if k.kind == COMPARISON}
    assert set(KPI_NAMES) | set(EXTRA_SCALARS) | comparison == set(names)
    assert not set(KPI_NAMES) & set(EXTRA_SCALARS)


class Flows(dict):
    pays_employers = True

    def __call__(self, name):
        return self[name]


def test_a_formula_gives_the_monthly_and_the_window_value_from_the_same_rule():
    month = Flows(
        tuition_spend=100.0,
        release_spend=50.0,
        starts=3.0,
        starts_funded=0.0,
        starts_deadweight=0.0,
    )
    window = Flows({k: 12 * v for k, v in month.items()})
    spend = BY_NAME["gross_training_spend_per_employee"]
    # 10 employees: a month's flow x 12 / 10, or a year's flows / (10 employees x 1 year)
    assert spend.value(month, 12.0 / 10) == pytest.approx(spend.value(window, 1.0 / 10)) == 180.0
    assert np.isnan(BY_NAME["deadweight_share"].value(month))  # no funded start: undefined
    assert kpi_unit("public_cost") == "CAD" and kpi_unit("public_cost", monthly=True) == "CAD/month"
