"""Each sweep job's config, composed by Hydra once per kind of job and reused for the others.

Hydra composes every job of a sweep from scratch (defaults list, config files, merges: ~0.1 s
a job), although most jobs differ from another one only in plain values (``seed=3``, the job's
``hydra.sweep.subdir``), which Hydra applies after composing anyway.
:class:`ReusedCompositions` wraps a sweep's config loader: the first job of each kind is
Hydra's own composition, kept; a later job of the same kind is a copy of it with the values
that differ applied as Hydra applies them, its recorded overrides and ``override_dirname``
updated, and the master config's resolver cache copied as Hydra copies it.

Two jobs are of the same kind when their overrides, the master config's ``hydra.overrides.hydra``
first, are the same list except for the values of *plain* overrides: ``key=value`` with a
scalar value (no ``+``, ``++``, ``~``, ``@package``, sweep, list or mapping), a key that is
not a config group, and no other override on the same key, a key above it or below it. Every
other override (``scenario=baseline``, ``hydra/launcher=basic``, ``+experiment=x``) must be
the same text. Hydra's composition before its overrides apply depends only on those (plain
overrides change no defaults list), so a job of the same kind differs from the kept one only
where its plain values do. A job is composed by Hydra instead when its process differs from
the one that composed the kept config in what Hydra records from it (working directory,
Hydra version and version base, the variables of ``hydra.job.env_copy``, the task name),
when ``hydra.searchpath`` is set, or when reusing raises anything (then Hydra reports it).
Config files are read once per kind of job: a file edited while a sweep runs reaches no job
of a kind composed before the edit.

``tests/test_compositions.py`` checks, for every job of several sweeps, that the reused
config is Hydra's own, node for node (values, types and flags).
"""

from __future__ import annotations

import copy
import os
import pickle
from collections import OrderedDict
from typing import Any, List, Optional, Sequence

from omegaconf import DictConfig, OmegaConf

SCALARS = (bool, int, float, str, type(None))
KEPT = 32  # compositions kept (kinds of job), least recently used dropped first


class ReusedCompositions:
    """A config loader that composes each kind of sweep job once (see the module docstring);
    everything but :meth:`load_sweep_config` is the wrapped loader's. Pickled with the
    compositions it keeps, so a worker that receives it reuses those of the sweep's parent."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        # kind -> (overrides, process record, env_copy keys, config: pickled, or itself)
        self.kept: OrderedDict = OrderedDict()
        self._groups: dict = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("loader", "kept", "_groups"):
            raise AttributeError(name)
        return getattr(self.loader, name)

    def load_sweep_config(
        self, master_config: DictConfig, sweep_overrides: List[str]
    ) -> DictConfig:
        """The job's config: as ``ConfigLoaderImpl.load_sweep_config`` composes it."""
        config_name = master_config.hydra.job.config_name
        overrides = [*OmegaConf.to_container(master_config.hydra.overrides.hydra), *sweep_overrides]
        planned = self._plan(overrides)
        if planned is not None:
            kind = (config_name, planned[0])
            reused = self._reuse(kind, planned[1], master_config)
            if reused is not None:
                return reused
        config = self.loader.load_sweep_config(master_config, list(sweep_overrides))
        if planned is not None and not config.hydra.searchpath:
            lines = [o.input_line for o in planned[1]]
            env_copy = tuple(config.hydra.job.env_copy)
            self.kept[kind] = (lines, process_record(env_copy), env_copy, kept_copy(config))
            while len(self.kept) > KEPT:
                self.kept.popitem(last=False)
        return config

    # --- which overrides may differ within a kind of job ----------------------------------
    def _plan(self, overrides: Sequence[str]) -> Optional[tuple]:
        """(kind, parsed overrides): the override texts with each plain override's value left
        out; None when nothing may be reused (an override Hydra cannot parse, a search path)."""
        from hydra.core.override_parser.overrides_parser import OverridesParser

        try:
            parsed = OverridesParser.create().parse_overrides(overrides=list(overrides))
        except Exception:  # noqa: BLE001 - Hydra's composition reports it
            return None
        keys = [o.key_or_group for o in parsed]
        if any(key == "hydra.searchpath" for key in keys):
            return None
        kind = tuple(
            ("plain", o.key_or_group) if self._plain(o, keys) else ("text", o.input_line)
            for o in parsed
        )
        return kind, parsed

    def _plain(self, override: Any, keys: Sequence[str]) -> bool:
        from hydra.core.override_parser.types import OverrideType, ValueType

        key = override.key_or_group
        if override.type != OverrideType.CHANGE or override.package is not None:
            return False
        if override.value_type != ValueType.ELEMENT:
            return False
        if not isinstance(override.value(), SCALARS) or self._is_group(key):
            return False
        related = [
            other
            for other in keys
            if other == key or other.startswith(key + ".") or key.startswith(other + ".")
        ]
        return len(related) == 1  # itself only

    def _is_group(self, key: str) -> bool:
        if key not in self._groups:
            self._groups[key] = bool(self.loader.repository.group_exists(key))
        return self._groups[key]

    # --- a kept composition, with another job's values -------------------------------------
    def _reuse(self, kind: tuple, parsed: list, master_config: DictConfig) -> Optional[DictConfig]:
        kept = self.kept.get(kind)
        if kept is None:
            return None
        lines, process, env_copy, config = kept
        if process != process_record(env_copy):
            return None
        try:
            reused = with_values(copy_of(config), lines, parsed)
        except Exception:  # noqa: BLE001 - compose it from scratch: Hydra reports any error
            return None
        self.kept.move_to_end(kind)
        # as ConfigLoaderImpl.load_sweep_config: the master's resolver cache (${now:...})
        OmegaConf.copy_cache(from_config=master_config, to_config=reused)
        return reused


def with_values(reused: DictConfig, lines: Sequence[str], parsed: Sequence[Any]) -> DictConfig:
    """``reused`` (composed with the overrides ``lines``), changed in place into what Hydra
    composes with the overrides ``parsed``, which differ from ``lines`` only in plain values:
    those applied as Hydra applies overrides, then the records Hydra keeps of the overrides
    (the job's ``hydra.overrides.hydra`` and ``.task`` and ``hydra.job.override_dirname``)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname

    changed = [(i, o) for i, (line, o) in enumerate(zip(lines, parsed)) if o.input_line != line]
    ConfigLoaderImpl._apply_overrides_to_config([o for _, o in changed], reused)
    # Hydra appends each override's text to hydra.overrides.hydra or .task, in order
    for records, of_kind in (
        (reused.hydra.overrides.hydra, [o.is_hydra_override() for o in parsed]),
        (reused.hydra.overrides.task, [not o.is_hydra_override() for o in parsed]),
    ):
        start = len(records) - sum(of_kind)
        positions = {i: start + sum(of_kind[:i]) for i in range(len(parsed)) if of_kind[i]}
        for i, override in changed:
            if i in positions:
                if records[positions[i]] != lines[i]:
                    raise ValueError(f"{lines[i]} is not where Hydra recorded it")
                records[positions[i]] = override.input_line
    dirname = reused.hydra.job.config.override_dirname
    reused.hydra.job.override_dirname = get_overrides_dirname(
        overrides=[o for o in parsed if not o.is_hydra_override()],
        kv_sep=dirname.kv_sep,
        item_sep=dirname.item_sep,
        exclude_keys=dirname.exclude_keys,
    )
    return reused


def kept_copy(config: DictConfig) -> bytes | DictConfig:
    """A composition to keep: pickled (:func:`sim.run.pickling.dumps`; each reuse loads a new
    copy in ~1.4 ms, where ``copy.deepcopy`` takes ~8 ms), or a deep copy if it cannot be."""
    from sim.run.pickling import dumps

    try:
        return dumps(config)
    except Exception:  # noqa: BLE001 - something pickle cannot do: copied as Hydra would
        return copy.deepcopy(config)


def copy_of(kept: bytes | DictConfig) -> DictConfig:
    """A new copy of a kept composition (:func:`kept_copy`)."""
    return pickle.loads(kept) if isinstance(kept, bytes) else copy.deepcopy(kept)


def process_record(env_copy: Sequence[str]) -> tuple:
    """What Hydra records of the composing process in a config whose ``hydra.job.env_copy``
    is ``env_copy``, as this process would record it: Hydra's version and version base, the
    working directory, the variables ``env_copy`` names and the task name."""
    from hydra import __version__, version
    from hydra.core.utils import JobRuntime

    return (
        __version__,
        str(version.getbase()),
        os.getcwd(),
        tuple((key, os.environ.get(key)) for key in env_copy),
        _task_name(JobRuntime.instance()),
    )


def _task_name(runtime: Any) -> Optional[str]:
    try:
        return runtime.get("name")
    except Exception:  # noqa: BLE001 - not set in this process
        return None
