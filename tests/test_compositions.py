"""Sweep jobs' configs composed once per kind of job (sim.run.compositions): every reused
composition is Hydra's own, node for node; what may not be reused is composed by Hydra."""

from __future__ import annotations

import importlib
import itertools
import pickle

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf

from hydra_plugins.p4p_sim_sweeper.resumable_sweeper import as_launched
from sim.run.api import config_dir, register_schema
from sim.run.compositions import ReusedCompositions
from sim.run.sweep_jobs import job_name, override_key


class Counting:
    """Hydra's config loader, counting its compositions of sweep jobs."""

    def __init__(self, loader) -> None:
        self.loader, self.composed = loader, 0

    def __getattr__(self, name):
        if name.startswith("__") or name in ("loader", "composed"):
            raise AttributeError(name)  # not set yet: unpickling
        return getattr(self.loader, name)

    def load_sweep_config(self, master_config, sweep_overrides):
        self.composed += 1
        return self.loader.load_sweep_config(master_config, sweep_overrides)


@pytest.fixture
def loader():
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        yield GlobalHydra.instance().config_loader()
    GlobalHydra.instance().clear()


def master(loader, *overrides: str) -> DictConfig:
    """A multirun's config, as ``p4p-sim -m`` composes it (Hydra adds hydra.mode)."""
    return loader.load_configuration(
        "config",
        [*overrides, "hydra.sweep.dir=/tmp/p4p-sweep", "hydra.mode=MULTIRUN"],
        RunMode.MULTIRUN,
    )


def nodes(node) -> list:
    """Every node of a config: its class, metadata (types, flags, key) and value, in order."""
    record = [type(node).__name__, dict(vars(node._metadata))]
    if isinstance(node, (DictConfig, ListConfig)) and not (
        node._is_none() or node._is_missing() or node._is_interpolation()
    ):
        keys = node.keys() if isinstance(node, DictConfig) else range(len(node))
        return record + [[(key, nodes(node._get_node(key))) for key in keys]]
    return record + [repr(node._value())]


def assert_hydras_own(reused: DictConfig, own: DictConfig) -> None:
    assert OmegaConf.to_yaml(reused) == OmegaConf.to_yaml(own)
    assert nodes(reused) == nodes(own)
    assert pickle.dumps(reused) == pickle.dumps(own)


def launched(*jobs) -> list[list[str]]:
    """Jobs as the resumable sweeper launches them: with their directory."""
    return [as_launched(job_name(job, [override_key(o) for o in job]), job) for job in jobs]


SWEEPS = {
    "scenario x seed": (
        [],
        launched(
            *(
                [f"scenario={s}", f"seed={k}"]
                for s, k in itertools.product(("baseline", "pay_for_performance"), (1, 2, 3))
            )
        ),
    ),
    "groups, settings and hydra overrides": (
        ["population=tiny", "hydra/launcher=basic", "hydra.job.chdir=false"],
        launched(
            *(
                ["population=tiny", f"scenario={s}", f"funding.outcome_share={v}", f"seed={k}"]
                for s, v, k in itertools.product(
                    ("pay_for_performance", "tiered_p4p"), (0.3, 0.5), (4, 5)
                )
            )
        ),
    ),
    "additions, text and null values": (
        ["+experiment=outcome_share_sweep"],
        launched(
            *(
                [
                    "+experiment=outcome_share_sweep",
                    f"funding.recipient={r}",
                    f"funding.budget_per_year={b}",
                    f"output.employer_panel={p}",
                    f"seed={k}",
                ]
                for r, b, p, k in itertools.product(
                    ("employer", "'provider'"), ("null", "500000"), ("true", "false"), (1, 2)
                )
            )
        ),
    ),
}


@pytest.mark.parametrize("name", SWEEPS)
def test_reused_composition_is_hydras_own_for_every_job_of_a_sweep(loader, name):
    common, jobs = SWEEPS[name]
    config = master(loader, *common)
    counting = Counting(loader)
    reused = ReusedCompositions(counting)
    for job in jobs:
        assert_hydras_own(
            reused.load_sweep_config(config, job), loader.load_sweep_config(config, job)
        )
    kinds = {
        tuple(o for o in job if o.startswith(("scenario=", "+", "population="))) for job in jobs
    }
    assert counting.composed == len(kinds)  # one Hydra composition per kind of job


def test_reused_sweep_composition_travels_to_a_worker(loader):
    """Pickled with the launch's context, a worker reuses the parent's compositions."""
    config = master(loader)
    first, second = launched(["scenario=baseline", "seed=1"], ["scenario=baseline", "seed=2"])
    parent = ReusedCompositions(Counting(loader))
    parent.load_sweep_config(config, first)  # the sweeper's validation
    worker = pickle.loads(pickle.dumps(parent))
    assert_hydras_own(
        worker.load_sweep_config(config, second), loader.load_sweep_config(config, second)
    )
    assert worker.loader.composed == 1  # the parent's


def test_sweep_overrides_on_related_keys_are_composed_by_hydra(loader):
    """A value whose key another override sets too, above or below it, is not reused."""
    config = master(loader)
    counting = Counting(loader)
    reused = ReusedCompositions(counting)
    jobs = launched(
        *(
            ["scenario=baseline", f"funding.outcome_share={v}", "funding={outcome_share: 0.2}"]
            for v in (0.4, 0.6)
        )
    )
    for job in jobs:
        assert_hydras_own(
            reused.load_sweep_config(config, job), loader.load_sweep_config(config, job)
        )
    assert counting.composed == 2


def test_sweep_job_from_another_working_directory_is_composed_by_hydra(
    loader, tmp_path, monkeypatch
):
    config = master(loader)
    counting = Counting(loader)
    reused = ReusedCompositions(counting)
    first, second = launched(["scenario=baseline", "seed=1"], ["scenario=baseline", "seed=2"])
    reused.load_sweep_config(config, first)
    monkeypatch.chdir(tmp_path)
    assert_hydras_own(
        reused.load_sweep_config(config, second), loader.load_sweep_config(config, second)
    )
    assert counting.composed == 2


def test_sweep_value_hydra_refuses_is_refused_as_hydra_refuses_it(loader):
    config = master(loader)
    reused = ReusedCompositions(loader)
    reused.load_sweep_config(config, launched(["scenario=baseline", "seed=1"])[0])
    bad = launched(["scenario=baseline", "seed=abc"])[0]
    with pytest.raises(Exception) as theirs:
        loader.load_sweep_config(config, bad)
    with pytest.raises(type(theirs.value)) as ours:
        reused.load_sweep_config(config, bad)
    assert str(ours.value) == str(theirs.value)


def test_local_launcher_keeps_its_sweep_context_when_hydra_rescans_plugins():
    """Hydra's plugin scan executes each plugin module again (in a worker, at each job): the
    launch's context a worker unpickled is kept, not unpickled again for every job."""
    module = importlib.import_module("hydra_plugins.p4p_sim_sweeper.local_launcher")
    context, pool = module._CONTEXT, module._POOL
    module.__spec__.loader.exec_module(module)  # what Plugins._scan_all_plugins does
    assert module._CONTEXT is context and module._POOL is pool


API_OVERRIDES = [
    ["scenario=pay_for_performance", "population=tiny"],
    ["scenario=baseline", "funding=emc_p4p", "economy.discount_rate=0.07"],
    ["scenario=provider_outcomes", "trial=emc", "seed=4"],
]


@pytest.mark.parametrize("overrides", API_OVERRIDES, ids=lambda o: ",".join(o))
def test_the_api_composes_the_same_overrides_once_and_gives_a_new_copy(overrides, monkeypatch):
    """sim.compose's kept composition is Hydra's own, and each call gets its own copy: a
    caller that changes its config changes no later one."""
    from sim.run import api

    monkeypatch.setattr(api, "_COMPOSED", type(api._COMPOSED)())
    first = api.compose_config(overrides)
    calls = []
    monkeypatch.setattr(
        api, "compose_dictconfig", lambda o: calls.append(o) or pytest.fail("composed again")
    )
    again = api.compose_config(overrides)
    assert repr(again) == repr(first) and again is not first and calls == []
    again.time.months += 1
    assert repr(api.compose_config(overrides)) == repr(first)
    monkeypatch.undo()
    monkeypatch.setattr(api, "_COMPOSED", type(api._COMPOSED)())
    assert repr(api.compose_config(overrides)) == repr(first)  # Hydra's, composed afresh


def test_the_api_composes_again_once_a_config_file_changes(tmp_path, monkeypatch):
    import shutil

    from sim.run import api

    configs = tmp_path / "configs"
    shutil.copytree(api.config_dir(), configs)
    monkeypatch.setenv("P4P_SIM_CONFIG_DIR", str(configs))
    assert api.compose("baseline", overrides={"population": "tiny"}).population.workers == 600
    tiny = configs / "population" / "tiny.yaml"
    tiny.write_text(tiny.read_text().replace("workers: 600", "workers: 700"))
    assert api.compose("baseline", overrides={"population": "tiny"}).population.workers == 700
    (configs / "population" / "small_test.yaml").write_text(
        "# @package _global_\npopulation:\n  workers: 900\n"
    )
    assert api.compose("baseline", overrides={"population": "small_test"}).population.workers == 900


def test_the_warm_up_config_is_hydras_and_kept_until_a_config_file_changes(tmp_path, monkeypatch):
    """A process that warms up reads the warm-up economy's config from its kept file instead of
    composing it; an edited config file composes it again, under a new name that replaces the
    earlier one."""
    import shutil

    from sim.run import api

    configs, kept = tmp_path / "configs", tmp_path / "kept"
    kept.mkdir()
    shutil.copytree(api.config_dir(), configs)
    monkeypatch.setenv("P4P_SIM_CONFIG_DIR", str(configs))
    composed = api.compose(*api.WARM_UP)
    assert api.warm_up_config(kept) == composed
    (first,) = kept.iterdir()
    monkeypatch.setattr(api, "compose", lambda *a, **k: pytest.fail("composed again"))
    assert api.warm_up_config(kept) == composed  # read from the kept file
    monkeypatch.undo()
    monkeypatch.setenv("P4P_SIM_CONFIG_DIR", str(configs))
    tiny = configs / "population" / "tiny.yaml"
    tiny.write_text(tiny.read_text().replace("workers: 600", "workers: 700"))
    assert api.warm_up_config(kept).population.workers == 700
    (second,) = kept.iterdir()
    assert second.name != first.name and second.name.startswith("warm-up-config-")


def test_an_unreadable_or_unwritable_warm_up_file_is_composed_instead(tmp_path):
    """Neither a file that is not a config nor a folder that cannot be made stops a warm-up,
    and neither is written over; a missing folder (no bytecode cache: ``PYTHONDONTWRITEBYTECODE``)
    is made, and the config kept there."""
    from sim.run import api

    composed = api.compose(*api.WARM_UP)
    api.warm_up_config(tmp_path)
    (kept,) = tmp_path.iterdir()
    kept.write_bytes(b"not a pickle")
    assert api.warm_up_config(tmp_path) == composed
    assert kept.read_bytes() == b"not a pickle" and list(tmp_path.iterdir()) == [kept]
    under_a_file = kept / "__pycache__"
    assert api.warm_up_config(under_a_file) == composed
    assert kept.read_bytes() == b"not a pickle" and list(tmp_path.iterdir()) == [kept]
    missing = tmp_path / "package" / "__pycache__"
    missing.parent.mkdir()
    assert api.warm_up_config(missing) == composed
    (made,) = missing.iterdir()
    assert made.name.startswith("warm-up-config-")
    assert pickle.loads(made.read_bytes()) == composed
