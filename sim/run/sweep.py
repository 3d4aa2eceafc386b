"""One table per sweep: ``sweep.parquet`` (a row per job) and a stacked ``timeseries.parquet``.

Rows carry the job's overrides as parameter columns (``scenario``, ``seed``,
``funding.outcome_share``...), its status and error, and every KPI scalar of its
``summary.json``. Jobs that failed, are still running, never started or left unreadable files
are listed with that status and empty KPIs: never silently dropped (EMA Workbench's contract
of row-aligned experiments and outcomes).

    >>> import sim
    >>> sweep = sim.load_sweep("outputs/sweeps/20260101-120000")
    >>> sweep.table.groupby("scenario")["training_incidence"].mean()
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.config.outcomes import EXTRA_SCALARS, KPI_NAMES
from sim.run.outputs import FAILURE, SUMMARY, TIMESERIES, TIMING, atomic_write_parquet
from sim.run.sweep_jobs import (
    COMPLETED,
    JOB_CONFIG,
    MANIFEST,
    OVERRIDES,
    JobState,
    find_job_dirs,
    job_state,
    override_key,
    read_json,
    read_manifest,
)

log = logging.getLogger("p4p_sim")

SWEEP_TABLE = "sweep.parquet"
MULTIRUN = "multirun.yaml"  # Hydra writes it at the top of every sweep directory
SWEEP_TIMESERIES = "timeseries.parquet"
JOB_COLUMNS = ("job", "status", "scenario", "seed")
ERROR_COLUMNS = ("error_type", "error")


@dataclass
class Sweep:
    """A sweep loaded into pandas: the job table, the stacked monthly series, and problems."""

    directory: Path
    table: pd.DataFrame
    timeseries: pd.DataFrame
    params: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def swept(self) -> list[str]:
        """Parameters that take more than one value across jobs (seed included)."""
        return [p for p in self.params if self.table[p].nunique(dropna=False) > 1]

    @property
    def factors(self) -> list[str]:
        """Swept parameters other than the seed: what the sweep compares."""
        return [p for p in self.swept if p != "seed"]

    @property
    def kpis(self) -> list[str]:
        known = [k for k in (*KPI_NAMES, *EXTRA_SCALARS) if k in self.table.columns]
        return known + [
            c for c in self.table.attrs.get("p4p_sim", {}).get("kpis", []) if c not in known
        ]

    @property
    def completed(self) -> pd.DataFrame:
        return self.table[self.table["status"] == COMPLETED]

    def setting(self, key: str):
        """A config value of the sweep's runs (``"time.burn_in"``): the column if it was
        overridden, else the resolved config recorded in a completed job's summary."""
        if key in self.table and self.table[key].nunique() == 1:
            return _plain(self.table[key].iloc[0])
        for job in self.completed["job"]:
            node = (
                (read_json(self.directory / job / SUMMARY) or {})
                .get("provenance", {})
                .get("config", {})
            )
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                return node
        return None

    def status_counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.table["status"].value_counts().items()}


class NotASweepError(ValueError):
    """The directory given is not a sweep directory; the message says what it is instead."""


def is_sweep_dir(path: Path) -> bool:
    """A directory made by ``p4p-sim -m``: Hydra's ``multirun.yaml`` or the job manifest."""
    path = Path(path)
    return path.is_dir() and ((path / MULTIRUN).is_file() or (path / MANIFEST).is_file())


def is_run_dir(path: Path) -> bool:
    """A single run's (or one job's) directory: files a run writes, which nothing else may touch."""
    path = Path(path)
    return any((path / name).exists() for name in (SUMMARY, FAILURE, TIMING, OVERRIDES))


def check_sweep_dir(path: str | Path) -> Path:
    """``path`` if it is a sweep directory; else :class:`NotASweepError` saying what it is."""
    path = Path(path)
    expected = "expected a sweep directory made by `p4p-sim -m` (outputs/sweeps/<name>)"
    if not path.exists():
        raise NotASweepError(f"{path} does not exist; {expected}")
    if not path.is_dir():
        raise NotASweepError(f"{path} is a file, not a directory; {expected}")
    if is_sweep_dir(path):
        if is_run_dir(path):
            raise NotASweepError(f"{path} holds both a sweep's and a run's files; {expected}")
        return path
    if is_run_dir(path):
        raise NotASweepError(f"{path} is a single run's directory, not a sweep; {expected}")
    children = sorted(c for c in path.iterdir() if c.is_dir() and not c.name.startswith("."))
    sweeps = [c.name for c in children if is_sweep_dir(c)]
    if sweeps:
        shown = ", ".join(sweeps[:5]) + (f" and {len(sweeps) - 5} more" if len(sweeps) > 5 else "")
        raise NotASweepError(
            f"{path} is a folder of {len(sweeps)} sweeps ({shown}), not one sweep; "
            f"give one of them, e.g. {path / sweeps[-1]}"
        )
    runs = [
        c
        for c in children
        if is_run_dir(c) or any(is_run_dir(g) for g in c.glob("*") if g.is_dir())
    ]
    if runs:
        raise NotASweepError(f"{path} is a folder of single runs, not a sweep; {expected}")
    if not any(path.iterdir()):
        raise NotASweepError(f"{path} is empty; {expected}")
    raise NotASweepError(f"{path} holds no {MULTIRUN} or {MANIFEST}; {expected}")


def refuse_run_dir(path: str | Path) -> Path:
    """``path`` for analysis output, unless it is a run's directory (whose files must stay)."""
    path = Path(path)
    if is_run_dir(path):
        raise NotASweepError(f"{path} is a run's directory; write analysis output elsewhere")
    return path


def collect_sweep(sweep_dir: str | Path, write: bool = True, progress: bool = False) -> Sweep:
    """Build the sweep table and stacked time series from the job directories of a sweep.

    Refuses (:class:`NotASweepError`, before reading or writing anything) a directory that is
    not a sweep: a run directory, a folder of sweeps, an empty folder.
    """
    sweep_dir = check_sweep_dir(sweep_dir)
    manifest = read_manifest(sweep_dir)
    expected = manifest.get("jobs", {})
    jobs = sorted(set(expected) | set(find_job_dirs(sweep_dir)))
    states = [job_state(sweep_dir, job, expected.get(job)) for job in _progress(jobs, progress)]
    problems = [
        f"{s.job}: {s.status}: {s.error}" for s in states if s.status not in (COMPLETED, "failed")
    ]
    rows, params, kpis = [], [], []
    for state in states:
        row, keys = _job_row(sweep_dir, state)
        rows.append(row)
        params += [k for k in keys if k not in params]
        kpis += [k for k in (state.summary or {}).get("kpis", {}) if k not in kpis]
    table = _tidy(pd.DataFrame(rows), params, kpis)
    timeseries = _stack_timeseries(sweep_dir, table, params, problems)
    sweep = Sweep(sweep_dir, table, timeseries, params, problems)
    if write:
        atomic_write_parquet(sweep_dir / SWEEP_TABLE, table)
        atomic_write_parquet(sweep_dir / SWEEP_TIMESERIES, timeseries)
    return sweep


def load_sweep(sweep_dir: str | Path, refresh: bool = False) -> Sweep:
    """A sweep's tables: read ``sweep.parquet`` if present (``refresh`` rebuilds it from the
    job directories, in memory). Loading never writes into the sweep directory: only
    ``p4p-collect`` and the end of a sweep do."""
    sweep_dir = check_sweep_dir(sweep_dir)
    table_path = sweep_dir / SWEEP_TABLE
    if refresh or not table_path.exists():
        return collect_sweep(sweep_dir, write=False)
    try:
        table = pd.read_parquet(table_path)
        ts_path = sweep_dir / SWEEP_TIMESERIES
        timeseries = pd.read_parquet(ts_path) if ts_path.exists() else pd.DataFrame()
    except Exception as exc:  # noqa: BLE001 - truncated or foreign tables: rebuild from the jobs
        log.warning(
            "%s unreadable (%s); rebuilding it from the job directories",
            table_path,
            type(exc).__name__,
        )
        return collect_sweep(sweep_dir, write=False)
    params = list(table.attrs.get("p4p_sim", {}).get("params", []))
    return Sweep(sweep_dir, table, timeseries, params)


def latest_sweep(root: str | Path = "outputs/sweeps", contains: str = "") -> Path:
    """The most recently modified sweep directory under ``root`` whose name contains ``contains``."""
    candidates = [d for d in Path(root).glob("*") if contains in d.name and is_sweep_dir(d)]
    if not candidates:
        raise FileNotFoundError(
            f"no sweep directory under {root}" + (f" named *{contains}*" if contains else "")
        )
    return max(candidates, key=lambda d: d.stat().st_mtime)


def _progress(items: list, show: bool):
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="reading jobs", unit="job", file=sys.stderr)


def _job_row(sweep_dir: Path, state: JobState) -> tuple[dict, list[str]]:
    row: dict = {"job": state.job, "status": state.status}
    values = _parse_overrides(state.overrides)
    row.update(values)
    summary = state.summary or {}
    config = {} if summary else (_job_config(sweep_dir / state.job) or {})
    row["scenario"] = summary.get(
        "scenario", config.get("scenario", {}).get("name", values.get("scenario"))
    )
    row["seed"] = summary.get("seed", config.get("seed", values.get("seed")))
    row["error_type"], row["error"] = state.error_type, state.error
    row.update(summary.get("kpis", {}))
    timing = read_json(sweep_dir / state.job / TIMING) if summary else None
    if timing:
        row["run_seconds"] = timing.get("setup_seconds", 0.0) + timing.get("simulate_seconds", 0.0)
    return row, list(values)


def _parse_overrides(overrides: list[str]) -> dict:
    """Override strings -> {config key: typed value} (``seed=3`` -> {"seed": 3})."""
    values = {}
    parser = OverridesParser.create()
    for text in overrides:
        try:
            override = parser.parse_override(text)
            value = override.value()
        except Exception:  # noqa: BLE001 - keep unparsable overrides as text
            value = text.split("=", 1)[1] if "=" in text else None
        values[override_key(text)] = (
            value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
        )
    return values


def _job_config(job_dir: Path) -> dict | None:
    import yaml

    try:
        with open(job_dir / JOB_CONFIG, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _tidy(table: pd.DataFrame, params: list[str], kpis: list[str]) -> pd.DataFrame:
    """Column order job, status, scenario, seed, params, errors, KPIs; one dtype per column."""
    for column in (*JOB_COLUMNS, *ERROR_COLUMNS):
        if column not in table.columns:
            table[column] = None
    kpi_order = [k for k in (*KPI_NAMES, *EXTRA_SCALARS) if k in kpis] + [
        k for k in kpis if k not in KPI_NAMES + EXTRA_SCALARS
    ]
    rest = [
        c for c in table.columns if c not in (*JOB_COLUMNS, *params, *ERROR_COLUMNS, *kpi_order)
    ]
    order = list(dict.fromkeys([*JOB_COLUMNS, *params, *ERROR_COLUMNS, *kpi_order, *rest]))
    table = table[order].copy()
    for column in kpi_order + [c for c in rest if c == "run_seconds"]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    for column in params + ["seed"]:
        table[column] = _one_dtype(table[column])
    for column in ("job", "status", "scenario", *ERROR_COLUMNS):
        table[column] = table[column].astype("object").where(table[column].notna(), None)
    table = _as_stored(table.sort_values("job", kind="stable").reset_index(drop=True))
    table.attrs["p4p_sim"] = {"params": params, "kpis": kpi_order}
    return table


def _as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as Parquet gives it back, so collecting and loading return equal tables."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False).to_pandas()


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _one_dtype(column: pd.Series) -> pd.Series:
    """Numbers stay numbers (int if all integral); mixed columns become text."""
    present = column.dropna()
    if len(present) and all(isinstance(v, bool) for v in present):
        return column.astype("boolean")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        numeric = pd.to_numeric(column, errors="coerce")
        integral = (
            len(present) and all(isinstance(v, int) for v in present) and not column.isna().any()
        )
        return numeric.astype("int64") if integral else numeric.astype("float64")
    return column.map(
        lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
    ).astype("object")


def _stack_timeseries(
    sweep_dir: Path, table: pd.DataFrame, params: list[str], problems: list[str]
) -> pd.DataFrame:
    """The completed jobs' time series, one after another, each row led by its job's keys
    (job, scenario, seed, the other parameters). Read as Arrow tables and, when they all
    have one schema, converted to pandas once (:func:`_stacked`): a frame per job would cost
    about 5 ms more each, seconds on a sweep of thousands of jobs."""
    import pyarrow.parquet as pq

    keys = ["job", "scenario", "seed", *[p for p in params if p not in ("scenario", "seed")]]
    records, parts = [], []
    for record in table[table["status"] == COMPLETED][keys].to_dict("records"):
        path = sweep_dir / record["job"] / TIMESERIES
        if not path.exists():
            continue  # output.timeseries=false
        try:
            with pq.ParquetFile(path) as series:  # half the time of pq.read_table on these
                parts.append(series.read(use_threads=False))
        except Exception as exc:  # noqa: BLE001 - truncated or foreign parquet
            problems.append(_unreadable_series(record, exc))
            continue
        records.append(record)
    if not parts:
        return pd.DataFrame(columns=keys)
    stacked = _stacked(parts, records, keys)
    if stacked is not None:
        return stacked
    frames = []
    for record, part in zip(records, parts):
        try:
            frame = part.to_pandas()
        except Exception as exc:  # noqa: BLE001 - a foreign parquet pandas cannot read
            problems.append(_unreadable_series(record, exc))
            continue
        for position, key in enumerate(keys):
            frame.insert(position, key, record[key])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=keys)


def _unreadable_series(record: dict, exc: Exception) -> str:
    return f"{record['job']}: {TIMESERIES} unreadable ({type(exc).__name__}); skipped"


def _stacked(parts: list, records: list[dict], keys: list[str]) -> pd.DataFrame | None:
    """The frame that inserting each job's keys into its time series and concatenating them
    gives, from one conversion of the concatenated Arrow tables; None where that is not sure
    to hold (schemas that differ, an empty series, a key among the series' columns)."""
    import numpy as np
    import pyarrow as pa

    schema = parts[0].schema
    same = all(part.schema.equals(schema, check_metadata=True) for part in parts)
    if not same or not all(part.num_rows for part in parts) or set(keys) & set(schema.names):
        return None
    try:
        data = pa.concat_tables(parts).to_pandas()
    except Exception:  # noqa: BLE001 - one job at a time then, to name the one that fails
        return None
    # one row per job, typed as inserting its values into that job's frame types them
    job_keys = pd.concat(
        [pd.DataFrame({key: [record[key]] for key in keys}) for record in records],
        ignore_index=True,
    )
    rows = np.repeat(np.arange(len(records)), [part.num_rows for part in parts])
    job_keys = job_keys.iloc[rows].reset_index(drop=True)
    return pd.concat([job_keys, data], axis=1)


def collect_main(argv: list[str] | None = None) -> int:
    """``p4p-collect <sweep dir>``: rebuild sweep.parquet and timeseries.parquet."""
    parser = argparse.ArgumentParser(prog="p4p-collect", description=collect_main.__doc__)
    parser.add_argument(
        "sweep_dir", type=Path, help="a multirun sweep directory (outputs/sweeps/...)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        sweep = collect_sweep(args.sweep_dir, progress=not args.quiet)
    except NotASweepError as exc:
        print(f"p4p-collect: error: {exc}", file=sys.stderr)
        return 2
    print(describe(sweep))
    return 0


SHOWN_FACTORS = 6


def describe(sweep: Sweep) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(sweep.status_counts().items()))
    lines = [
        f"{sweep.directory / SWEEP_TABLE}: {len(sweep.table)} jobs ({counts or 'none'})",
        f"{sweep.directory / SWEEP_TIMESERIES}: {len(sweep.timeseries)} rows",
    ]
    if sweep.factors:
        shown = ", ".join(sweep.factors[:SHOWN_FACTORS])
        if len(sweep.factors) > SHOWN_FACTORS:  # an exploration varies dozens of parameters
            shown += f" and {len(sweep.factors) - SHOWN_FACTORS} more (columns of {SWEEP_TABLE})"
        lines.append("swept: " + shown + (" x seed" if "seed" in sweep.swept else ""))
    failed = sweep.table[sweep.table["status"] != COMPLETED]
    lines += [f"  {r.job}: {r.status}: {r.error}" for r in failed.itertuples()]
    lines += [f"  skipped: {p}" for p in sweep.problems if "skipped" in p]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(collect_main())
