"""Jobs of a sweep on disk: deterministic job directories, status, and the job manifest.

A sweep directory holds one subdirectory per job, named after the job's swept overrides
(``scenario=baseline,seed=3``), so rerunning the same sweep finds every job again whichever
launcher or job order ran it. ``sweep_jobs.json`` lists the jobs the sweep asked for, so a job
that never started is still reported (status ``missing``) instead of silently absent.

Statuses: ``completed`` (``summary.json`` says so), ``failed`` (``failure.json``),
``incomplete`` (the job started but left neither: still running, or killed), ``missing``
(listed in the manifest, never started), ``unreadable`` (its files are truncated or foreign).
A job that a scheduler killed (SLURM's ``scancel``, a time limit, preemption) cannot write
``failure.json``; when the scheduler's own log says so, the job is ``failed`` with its words.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from sim.run.outputs import FAILURE, SUMMARY, atomic_write_json

MANIFEST = "sweep_jobs.json"
OVERRIDES = Path(".hydra") / "overrides.yaml"
JOB_CONFIG = Path(".hydra") / "config.yaml"
MAX_NAME = 120  # characters of a job directory name before it is shortened with a hash
UNSAFE = re.compile(r"[^A-Za-z0-9._=,+@-]")

COMPLETED, FAILED, INCOMPLETE, MISSING, UNREADABLE = (
    "completed",
    "failed",
    "incomplete",
    "missing",
    "unreadable",
)


def override_key(override: str) -> str:
    """``+experiment=x`` -> ``experiment``; the config key an override sets."""
    return override.split("=", 1)[0].lstrip("+~")


def job_name(
    overrides: Sequence[str],
    swept_keys: Iterable[str],
    kv_sep: str = "=",
    item_sep: str = ",",
) -> str:
    """Directory name of a job: its swept overrides sorted by key, filesystem-safe.

    Overrides that are the same for every job (``population.workers=2000``) are left out, so
    names stay short; names longer than :data:`MAX_NAME` keep a prefix and a hash of the rest.
    """
    swept = {override_key(k) for k in swept_keys}
    chosen = [o for o in overrides if override_key(o) in swept] or list(overrides)
    if not chosen:
        return "default"
    pairs = sorted((override_key(o), o.split("=", 1)[1] if "=" in o else "") for o in chosen)
    name = UNSAFE.sub("_", item_sep.join(f"{k}{kv_sep}{v}" for k, v in pairs))
    if len(name) > MAX_NAME:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]
        name = f"{name[: MAX_NAME - 13]}-{digest}"
    return name


def read_overrides(job_dir: Path) -> list[str] | None:
    """The task overrides Hydra recorded for a job, or None if it has none readable."""
    path = Path(job_dir) / OVERRIDES
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return None
    return [str(o) for o in data] if isinstance(data, list) else None


def read_json(path: Path) -> dict | None:
    """A JSON object from ``path``; None if absent, truncated or not an object."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def same_overrides(a: Sequence[str], b: Sequence[str]) -> bool:
    return sorted(a) == sorted(b)


def is_completed(job_dir: Path, overrides: Sequence[str]) -> bool:
    """True when the job finished (``summary.json`` completed) with exactly these overrides."""
    summary = read_json(Path(job_dir) / SUMMARY)
    recorded = read_overrides(job_dir)
    return (
        summary is not None
        and summary.get("status") == COMPLETED
        and recorded is not None
        and same_overrides(recorded, overrides)
    )


@dataclass
class JobState:
    """What the files of one job directory say about it."""

    job: str
    status: str
    overrides: list[str] = field(default_factory=list)
    summary: dict | None = None
    error: str | None = None
    error_type: str | None = None


def job_state(sweep_dir: Path, job: str, expected: Sequence[str] | None = None) -> JobState:
    """Status of job ``job`` (a path relative to the sweep directory)."""
    job_dir = Path(sweep_dir) / job
    overrides = read_overrides(job_dir)
    if overrides is None:
        overrides = list(expected or [])
    if not job_dir.is_dir():
        return JobState(job, MISSING, overrides)
    if (job_dir / SUMMARY).exists():
        summary = read_json(job_dir / SUMMARY)
        if summary is None or "kpis" not in summary:
            return JobState(
                job, UNREADABLE, overrides, error=f"{SUMMARY} is truncated or not a run summary"
            )
        return JobState(job, str(summary.get("status", COMPLETED)), overrides, summary=summary)
    if (job_dir / FAILURE).exists():
        failure = read_json(job_dir / FAILURE)
        if failure is None:
            return JobState(job, UNREADABLE, overrides, error=f"{FAILURE} is truncated")
        recorded = failure.get("overrides") or overrides
        return JobState(
            job,
            FAILED,
            list(recorded),
            error=failure.get("error"),
            error_type=failure.get("error_type"),
        )
    killed = scheduler_kill(Path(sweep_dir), job_dir)
    if killed:
        return JobState(job, FAILED, overrides, error=killed, error_type="KilledByScheduler")
    return JobState(
        job, INCOMPLETE, overrides, error="started but wrote neither summary.json nor failure.json"
    )


# What slurmstepd writes into a job's stderr when the scheduler ends it.
SLURM_KILL = re.compile(r"\*\*\* (?:JOB|STEP) \S+ ON \S+ ((?:CANCELLED|DUE TO)[^*]*?) \*\*\*")
HYDRA_CONFIG = Path(".hydra") / "hydra.yaml"


def scheduler_kill(sweep_dir: Path, job_dir: Path) -> str | None:
    """Why the scheduler killed a job, from the log submitit keeps for it
    (``<sweep>/.submitit/<hydra.job.id>/*_log.err``), or None if there is no such record."""
    try:
        config = yaml.safe_load((job_dir / HYDRA_CONFIG).read_text(encoding="utf-8"))
        job_id = str(config["hydra"]["job"]["id"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    folder = sweep_dir / ".submitit" / job_id
    if not folder.is_dir():
        return None
    for log in sorted(folder.glob("*_log.err")):
        try:
            found = SLURM_KILL.search(log.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if found:
            return f"killed by the scheduler: SLURM job {job_id} {found.group(1).lower()}"
    return None


def find_job_dirs(sweep_dir: Path) -> list[str]:
    """Every job directory under a sweep (it has .hydra/overrides.yaml, a summary or a failure)."""
    sweep_dir = Path(sweep_dir)
    found = set()
    for marker in (str(OVERRIDES), SUMMARY, FAILURE):
        for path in sweep_dir.rglob(marker):
            job_dir = path.parent.parent if marker == str(OVERRIDES) else path.parent
            rel = job_dir.relative_to(sweep_dir)
            if rel.parts and not any(part.startswith(".") for part in rel.parts):
                found.add(rel.as_posix())
    return sorted(found)


def write_manifest(
    sweep_dir: Path, jobs: dict[str, list[str]], swept: Sequence[str], settings: dict | None = None
) -> None:
    """Record the jobs a sweep asked for (merged with those of earlier runs into this dir) and
    the settings every job shares (:func:`sweep_settings`), which a resume must match."""
    previous = read_manifest(sweep_dir)
    merged = {**previous.get("jobs", {}), **jobs}
    swept_all = list(dict.fromkeys([*previous.get("swept", []), *map(override_key, swept)]))
    payload = {"swept": swept_all, **(settings or previous.get("settings") or {}), "jobs": merged}
    atomic_write_json(Path(sweep_dir) / MANIFEST, payload)


def read_manifest(sweep_dir: Path) -> dict:
    data = read_json(Path(sweep_dir) / MANIFEST) or {}
    jobs = data.get("jobs")
    if not isinstance(jobs, dict):
        return {}
    manifest = {
        "swept": list(data.get("swept") or []),
        "jobs": {str(k): list(v) for k, v in jobs.items()},
    }
    if isinstance(data.get("fixed"), dict) and "config_hash" in data:
        manifest["settings"] = {k: data[k] for k in ("fixed", "config_hash", "config") if k in data}
    return manifest


def sweep_settings(first_job: Sequence[str], swept: Sequence[str], config: dict) -> dict:
    """What every job of a sweep shares: its fixed overrides (``population.workers: 2000``), and
    the config (interpolations unresolved) without the swept keys, flattened, with its hash."""
    swept_keys = {override_key(k) for k in swept}
    fixed = {
        override_key(o): o.split("=", 1)[1] if "=" in o else "(deleted)"
        for o in first_job
        if override_key(o) not in swept_keys
    }
    flat = {
        key: value
        for key, value in _flatten(config).items()
        if not any(key == k or key.startswith(k + ".") for k in swept_keys)
    }
    digest = hashlib.sha256(
        json.dumps(flat, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    return {"fixed": dict(sorted(fixed.items())), "config_hash": digest[:16], "config": flat}


def settings_differences(recorded: dict, current: dict, limit: int = 6) -> list[str]:
    """Differences between two :func:`sweep_settings`, ``key: old -> new`` (empty when equal):
    the fixed overrides first, else the config keys behind a changed hash."""

    def changed(old: dict, new: dict) -> list[str]:
        return [
            f"{key}: {old.get(key, 'not set')} -> {new.get(key, 'not set')}"
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ]

    changes = changed(recorded.get("fixed", {}), current.get("fixed", {}))
    if not changes and recorded.get("config_hash") != current.get("config_hash"):
        changes = changed(recorded.get("config", {}), current.get("config", {})) or [
            "the config hash"
        ]
    return changes[:limit] + ([f"and {len(changes) - limit} more"] if len(changes) > limit else [])


def _flatten(node, prefix: str = "") -> dict:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}


def count_finished(sweep_dir: Path) -> tuple[int, int]:
    """(jobs finished, jobs in the sweep): finished means completed or failed."""
    manifest = read_manifest(sweep_dir)
    jobs = set(manifest.get("jobs", {})) | set(find_job_dirs(sweep_dir))
    done = sum(
        (Path(sweep_dir) / j / SUMMARY).exists() or (Path(sweep_dir) / j / FAILURE).exists()
        for j in jobs
    )
    return done, len(jobs)


class SweepProgress:
    """One progress bar for a sweep (jobs finished / total, elapsed, estimate), whatever the
    launcher: a thread counts the launched jobs whose ``summary.json`` or ``failure.json`` was
    written since the launch. Per-job logs stay in each job's own log file. Off a terminal it
    logs one line at the end instead."""

    def __init__(self, sweep_dir: Path, jobs: Sequence[str], interval: float = 0.5) -> None:
        self.sweep_dir, self.jobs, self.interval = Path(sweep_dir), list(jobs), interval
        self.started = time.time()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar = None

    def finished(self) -> int:
        def fresh(path: Path) -> bool:
            try:
                return path.stat().st_mtime >= self.started - 1.0
            except OSError:
                return False

        return sum(
            fresh(self.sweep_dir / job / SUMMARY) or fresh(self.sweep_dir / job / FAILURE)
            for job in self.jobs
        )

    def __enter__(self) -> "SweepProgress":
        self.started = time.time()
        if self.jobs and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=len(self.jobs), desc="sweep", unit="job", file=sys.stderr, dynamic_ncols=True
            )
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._bar.update(self.finished() - self._bar.n)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        done = self.finished()
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            self._bar.close()
        if exc[0] is None:
            logging.getLogger("p4p_sim").info(
                "sweep progress: %d/%d jobs finished in %.0f s",
                done,
                len(self.jobs),
                time.time() - self.started,
            )


def resume_command(sweep_dir: Path) -> str:
    """This process's ``p4p-sim`` command line, pinned to ``sweep_dir`` so it resumes there."""
    args = [a for a in sys.argv[1:] if not a.startswith("hydra.sweep.dir=")]
    return shlex.join(["p4p-sim", *args, f"hydra.sweep.dir={sweep_dir}"])
