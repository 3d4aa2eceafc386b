"""Jobs of a sweep on disk: deterministic job directories, status, and the job manifest.

A sweep directory holds one subdirectory per job, named after the job's swept overrides
(``scenario=baseline,seed=3``), so rerunning the same sweep finds every job again whichever
launcher or job order ran it. ``sweep_jobs.json`` lists the jobs the sweep asked for, so a job
that never started is still reported (status ``missing``) instead of silently absent.

Statuses: ``completed`` (``summary.json`` says so), ``failed`` (``failure.json``),
``incomplete`` (the job started but left neither: still running, or killed), ``missing``
(listed in the manifest, never started), ``unreadable`` (its files are truncated or foreign).
"""
from __future__ import annotations

import hashlib
import json
import re
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
    "completed", "failed", "incomplete", "missing", "unreadable",
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
            return JobState(job, UNREADABLE, overrides, error=f"{SUMMARY} is truncated or not a run summary")
        return JobState(job, str(summary.get("status", COMPLETED)), overrides, summary=summary)
    if (job_dir / FAILURE).exists():
        failure = read_json(job_dir / FAILURE)
        if failure is None:
            return JobState(job, UNREADABLE, overrides, error=f"{FAILURE} is truncated")
        recorded = failure.get("overrides") or overrides
        return JobState(
            job, FAILED, list(recorded), error=failure.get("error"), error_type=failure.get("error_type")
        )
    return JobState(job, INCOMPLETE, overrides, error="started but wrote neither summary.json nor failure.json")


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


def write_manifest(sweep_dir: Path, jobs: dict[str, list[str]], swept: Sequence[str]) -> None:
    """Record the jobs a sweep asked for (merged with those of earlier runs into this dir)."""
    previous = read_manifest(sweep_dir)
    merged = {**previous.get("jobs", {}), **jobs}
    swept_all = list(dict.fromkeys([*previous.get("swept", []), *map(override_key, swept)]))
    atomic_write_json(Path(sweep_dir) / MANIFEST, {"swept": swept_all, "jobs": merged})


def read_manifest(sweep_dir: Path) -> dict:
    data = read_json(Path(sweep_dir) / MANIFEST) or {}
    jobs = data.get("jobs")
    if not isinstance(jobs, dict):
        return {}
    return {"swept": list(data.get("swept") or []), "jobs": {str(k): list(v) for k, v in jobs.items()}}


def count_finished(sweep_dir: Path) -> tuple[int, int]:
    """(jobs finished, jobs in the sweep): finished means completed or failed."""
    manifest = read_manifest(sweep_dir)
    jobs = set(manifest.get("jobs", {})) | set(find_job_dirs(sweep_dir))
    done = sum((Path(sweep_dir) / j / SUMMARY).exists() or (Path(sweep_dir) / j / FAILURE).exists() for j in jobs)
    return done, len(jobs)
