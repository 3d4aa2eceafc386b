"""The ODD+D model description (docs/odd.md) matches the code: its generated tables are
current, the schedule lists every phase in order, and the declared agent state is the state
the agents have."""

from __future__ import annotations

import re

import numpy as np
import pytest

import sim.docs.generate as docs
from sim.docs.markdown import block_markers, first_sentence
from sim.docs.odd import ODD_PATH, phase_components
from sim.model import employers, providers, workers
from sim.model.model import TrainingMarketModel, phase_name

SECTIONS = (
    "1. Purpose and patterns",
    "2. Entities, state variables and scales",
    "3. Process overview and scheduling",
    "4. Design concepts",
    "5. Initialisation",
    "6. Input data",
    "7. Submodels",
)
DESIGN_CONCEPTS = (
    "Theoretical and empirical background",
    "Individual decision making",
    "Learning",
    "Individual sensing",
    "Individual prediction",
    "Interaction",
    "Collectives",
    "Heterogeneity",
    "Stochasticity",
    "Observation and emergence",
)
# Submodels that change often: each in a subsection of its own, easy to find and rewrite.
SEPARATE_SUBMODELS = ("Learning and certification", "Training decisions", "Deadweight measurement")


def block(text: str, name: str) -> str:
    start, end = block_markers(name)
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.fixture(scope="module")
def model():
    from tests.conftest import tiny_config

    return TrainingMarketModel(tiny_config())


def test_odd_page_is_generated_from_the_current_code():
    assert ODD_PATH.read_text() == docs.generated()[ODD_PATH], (
        "docs/odd.md is stale: run python -m sim.docs"
    )


def test_schedule_table_lists_every_phase_in_order():
    rows = re.findall(
        r"^\| (\d+) \| `([\w.]+)` \| (.+) \|$", block(ODD_PATH.read_text(), "schedule"), re.M
    )
    assert [phase for _, phase, _ in rows] == [phase_name(p) for p in TrainingMarketModel.PHASES]
    assert [int(n) for n, _, _ in rows] == list(range(1, len(TrainingMarketModel.PHASES) + 1))
    assert all(what.strip() for _, _, what in rows), "every phase says what happens"


def test_the_schedule_reads_each_phase_from_the_component_that_runs_it(model):
    components = phase_components()
    for owner, method in TrainingMarketModel.PHASES:
        assert isinstance(getattr(model, owner), components[owner]), owner
        assert getattr(components[owner], method).__doc__, f"{owner}.{method} has no docstring"


@pytest.mark.parametrize(
    "owner, columns",
    [
        ("workers", workers.COLUMNS),
        ("employers", employers.COLUMNS),
        ("providers", providers.COLUMNS),
    ],
)
def test_declared_state_is_the_state_the_agents_have(model, owner, columns):
    table = getattr(model, owner)
    for name, column in columns.items():
        values = getattr(table, name)
        assert values.dtype == np.dtype(column.dtype), name
        assert len(values) == table.n, name
        assert column.description.endswith("."), name
    per_agent = {
        name
        for name, value in vars(table).items()
        if isinstance(value, np.ndarray) and value.shape[:1] == (table.n,)
    }
    assert per_agent == set(columns), "declare every per-agent array, and only those"


@pytest.mark.parametrize(
    "owner, columns", [("employers", employers.COLUMNS), ("providers", providers.COLUMNS)]
)
def test_employers_and_providers_start_at_their_declared_values(model, owner, columns):
    table = getattr(model, owner)
    for name, column in columns.items():
        if column.shared_start:
            start = np.asarray(column.start, dtype=column.dtype)
            assert (getattr(table, name) == start).all(), name


def test_an_edited_table_is_rewritten_and_the_prose_kept():
    text = ODD_PATH.read_text()
    prose = "every agent is processed at once"
    assert prose in text
    edited = text.replace("`labour_market.retire`", "`labour_market.retires`").replace(
        prose, "all agents are processed at once"
    )
    rewritten = docs.odd_with_tables(edited)
    assert "`labour_market.retires`" not in rewritten
    assert "all agents are processed at once" in rewritten and prose not in rewritten


def test_a_page_without_a_block_is_an_error():
    start, _ = block_markers("schedule")
    with pytest.raises(ValueError, match="docs/odd.md lacks the markers"):
        docs.odd_with_tables(ODD_PATH.read_text().replace(start, ""))


def test_the_check_command_notices_a_stale_odd(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "odd.md"
    stale.write_text(ODD_PATH.read_text().replace("| `workers.age` |", "| `workers.aging` |"))
    monkeypatch.setattr(docs, "ODD_PATH", stale)
    assert docs.main(["--check"]) == 1
    assert "odd.md is out of date" in capsys.readouterr().err


def test_odd_has_the_sections_of_the_protocol():
    text = ODD_PATH.read_text()
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == list(SECTIONS)
    concepts = re.findall(r"^### 4\.\d+ (.+)$", text, re.M)
    assert concepts == list(DESIGN_CONCEPTS)
    submodels = re.findall(r"^### 7\.\d+ (.+)$", text, re.M)
    for title in SEPARATE_SUBMODELS:
        assert submodels.count(title) == 1, title


def test_odd_stays_inside_the_repository():
    text = ODD_PATH.read_text()
    assert "../shared" not in text
    for target in re.findall(r"\]\(([^)#]+)", text):
        assert not target.startswith(("/", "..")), target
        assert (ODD_PATH.parent / target).exists(), target


def test_readme_links_the_odd():
    assert "](docs/odd.md)" in docs.README_PATH.read_text()


def test_a_summary_is_the_first_sentence_of_the_first_paragraph():
    doc = """Seats move toward demand,
    and prices with it. Then more.

    Details."""
    assert first_sentence(doc) == "Seats move toward demand, and prices with it."
