"""The ``p4p-sim`` console command: a Hydra app that runs one simulation per job.

Before Hydra creates any directory, the command checks the overrides given (each value of
each swept parameter, for ``-m``) and stops with a one-line error on an unknown scenario,
unknown key or wrong type; a slip with a known correction (a config group without its ``+``,
a value the shell split into several arguments) shows the corrected command. A single run is
also range-checked before its directory exists (:class:`sim.run.hydra_hooks.CheckRunConfig`);
in a sweep a value that is out of range fails only its own job, which records
``failure.json``.

Importing this module loads Hydra, not the model: Mesa and pandas load when a run starts, so
``--help`` and a mistyped override answer at once.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import itertools
import logging
import math
import shlex
import signal
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config.validation import ConfigError
from sim.run.api import (
    CommandSlip,
    check_overrides,
    compose_config,
    composes_as_first_value,
    config_dir,
    default_choice,
    hold_interrupts,
    interrupt,
    keep_dropped_interrupts,
    register_schema,
    release_interrupts,
    run_to_dir,
    structural,
)
from sim.run.outputs import write_failure

log = logging.getLogger("p4p_sim")

PASSTHROUGH_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--version",
    "--cfg",
    "-c",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
    "--resolve",
    "-p",
    "--package",
}
FLAGS_WITH_VALUE = {
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
}


_jobs_in_process = 0  # sweep jobs this process has run


def run_task(cfg: DictConfig) -> dict:
    """Hydra task: validate, simulate, write outputs. In a sweep, failures are recorded."""
    global _jobs_in_process
    release_interrupts()  # a Ctrl-C pressed while p4p-sim composed stops the run now
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if multirun and _jobs_in_process:  # a process that runs several jobs: loading the
        from sim.model.arrays import groups  # compiled loops pays back (same results)

        groups.load_compiled()
    _jobs_in_process += 1
    overrides = list(hydra_cfg.overrides.task)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        with quiet_console(multirun):
            results = run_to_dir(cfg, out_dir)
            log.info("wrote %s", out_dir)
    except ConfigError as exc:  # nothing was written: a bad value fails before any work
        if not multirun:
            fail(str(exc))
        log.error("invalid config: %s", exc)
        write_failure(out_dir, str(exc), "config", overrides)
        return {"status": "failed", "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a sweep must outlive one broken job
        if not multirun:
            raise
        message = f"{type(exc).__name__}: {exc}"
        log.error("job failed: %s\n%s", message, traceback.format_exc())
        write_failure(out_dir, message, "exception", overrides)
        return {"status": "failed", "error": message}
    if not multirun:
        print(headline(results.kpis, out_dir))
    return {"status": "completed", "kpis": results.kpis}


HEADLINE_KPIS = (
    "training_incidence",
    "certifications_per_1000",
    "employer_net_spend_per_employee",
    "public_cost",
    "deadweight_share",
)


def headline(kpis: dict, out_dir: Path) -> str:
    """A few headline KPIs with units, and where the run's files are."""
    from sim.config.outcomes import kpi_unit

    lines = [
        f"  {name:<34} {_number(kpis[name]):>12}  {kpi_unit(name)}"
        for name in HEADLINE_KPIS
        if name in kpis
    ]
    return "\n".join(
        [
            "headline KPIs (policy window):",
            *lines,
            f"files: {out_dir} (summary.json has every KPI; timeseries.parquet the months)",
        ]
    )


def _number(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


class quiet_console:
    """In a sweep job, keep the console for warnings: its log lines go to the job's own
    ``p4p-sim.log`` (the sweeper shows one progress bar). Restored afterwards, for in-process
    launchers."""

    def __init__(self, active: bool) -> None:
        self.active, self.saved = active, []

    def __enter__(self):
        if self.active:
            for handler in logging.getLogger().handlers:
                if type(handler) is logging.StreamHandler:
                    self.saved.append((handler, handler.level))
                    handler.setLevel(max(handler.level, logging.WARNING))
        return self

    def __exit__(self, *exc) -> None:
        for handler, level in self.saved:
            handler.setLevel(level)


def fail(message: str) -> None:
    print(f"p4p-sim: error: {message}", file=sys.stderr)
    sys.exit(2)


def split_argv(argv: list[str]) -> tuple[list[str], bool, bool]:
    """(overrides, multirun?, passthrough?) from the command line."""
    overrides, multirun, passthrough = [], False, False
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in PASSTHROUGH_FLAGS or arg.startswith("--cfg=") or arg.startswith("--info="):
            passthrough = True
        elif arg in FLAGS_WITH_VALUE:
            skip = True
        elif arg.startswith("-"):
            continue
        else:
            overrides.append(arg)
    return overrides, multirun, passthrough


def precheck(overrides: list[str], multirun: bool, argv: list[str] | None = None) -> None:
    """Check every value of every override, then compose each if needed; one-line error on
    failure, with the corrected command for a known slip (``argv``: the command line).

    A single run composes here only when an override could fail Hydra's composition after
    passing these checks (``+``, ``~``, ``@`` or a list index); otherwise Hydra composes it
    once and :class:`sim.run.hydra_hooks.CheckRunConfig` range-checks it before Hydra creates
    the run directory. A sweep composes its first job, then each other value of the overrides
    that can fail composition value by value (config-group options, lists, mappings: see
    :func:`sim.run.api.composes_as_first_value`), not each seed. In a sweep, out-of-range
    values fail only their own job (``failure.json``).
    """
    check_values(overrides, argv)
    check_compositions(overrides, multirun, argv)


def check_values(overrides: list[str], argv: list[str] | None = None) -> None:
    """:func:`precheck`'s first half: each value's key, type and option, composing nothing
    (milliseconds: a sweep's workers start only after it)."""
    model_overrides = _model_overrides(overrides)
    with _refusing(model_overrides, argv):
        check_overrides(model_overrides)


def check_compositions(overrides: list[str], multirun: bool, argv: list[str] | None = None) -> None:
    """:func:`precheck`'s second half: the compositions, for overrides whose values passed
    :func:`check_values`."""
    model_overrides = _model_overrides(overrides)
    if not multirun and not needs_composition(model_overrides):
        return
    with _refusing(model_overrides, argv):
        parsed = OverridesParser.create().parse_overrides(model_overrides)
        firsts, variants = [], []
        for text, override in zip(model_overrides, parsed):
            values = _values(override)
            prefix = text[: len(text) - len(text.split("=", 1)[1])] if "=" in text else text
            firsts.append(f"{prefix}{values[0]}" if values else text)
            variants.append([(f"{prefix}{v}") for v in values[1:]])
        compose_config(firsts, check_ranges=False)
        for i, (override, extra) in enumerate(zip(parsed, variants)):
            if composes_as_first_value(override):
                continue  # each value's key and type were checked; the first one composed
            for variant in extra:
                compose_config(firsts[:i] + [variant] + firsts[i + 1 :], check_ranges=False)


def _model_overrides(overrides: list[str]) -> list[str]:
    return [o for o in overrides if not o.lstrip("+~").startswith("hydra")]


@contextlib.contextmanager
def _refusing(model_overrides: list[str], argv: list[str] | None):
    """A :class:`ConfigError` inside becomes ``p4p-sim``'s one-line error and exit 2."""
    try:
        yield
    except ConfigError as exc:
        fail(slip_message(exc, model_overrides, sys.argv[1:] if argv is None else argv))


def needs_composition(overrides: list[str]) -> bool:
    """Whether an override that passed :func:`sim.run.api.check_overrides` may still fail
    Hydra's composition: one that adds (``+``) or deletes (``~``) a node, sets a package
    (``@``) or indexes a list entry (``credentials.programs.3.name``). Plain ``key=value`` and
    ``group=option`` overrides of checked keys, types and options cannot."""
    return any(structural(text) for text in overrides)


# --- hints for common slips ------------------------------------------------------------------
def slip_message(exc: ConfigError, overrides: list[str], argv: list[str]) -> str:
    """The error, or for a slip with a known correction the error and the corrected command."""
    split = shell_split(overrides)
    if split is not None:
        args, fixed = split
        return (
            f"{fixed.split('=', 1)[0]}: the shell split its value into {len(args)} arguments"
            " (unquoted braces or spaces); allowed: the override in quotes,"
            f" as in: {corrected_command(argv, args, fixed)}"
        )
    if isinstance(exc, CommandSlip):
        return f"{exc}, as in: {corrected_command(argv, exc.args_to_replace, exc.fixed)}"
    return str(exc)


def corrected_command(argv: list[str], args: tuple[str, ...], fixed: str) -> str:
    """``p4p-sim`` with the consecutive arguments ``args`` of ``argv`` replaced by ``fixed``,
    quoted for a POSIX shell."""
    argv = list(argv)
    for i in range(len(argv) - len(args) + 1):
        if tuple(argv[i : i + len(args)]) == tuple(args):
            argv[i : i + len(args)] = [fixed]
            break
    return shlex.join(["p4p-sim", *argv])


def shell_split(overrides: list[str]) -> tuple[tuple[str, ...], str] | None:
    """Arguments that are one override split by the shell, and that override, if it checks.

    Two splits are recognised: an unquoted space (``funding.milestones=[{event:`` followed by
    ``certification,`` ... until the brackets close), and brace expansion, which turns
    ``key=[{a:1,b:2}]`` into ``key=[a:1]`` ``key=[b:2]`` (several groups: every combination).
    """
    for candidate in (*_space_splits(overrides), *_brace_expansions(overrides)):
        args, fixed = candidate
        for text in (fixed, _as_list(fixed)):
            if text is None:
                continue
            try:
                check_overrides([text])
            except ConfigError:
                continue
            return args, text
    return None


def _depth(text: str) -> int:
    return sum(text.count(c) for c in "[{") - sum(text.count(c) for c in "]}")


def _space_splits(overrides: list[str]):
    for i, text in enumerate(overrides):
        if "=" not in text or _depth(text) <= 0:
            continue
        for j in range(i + 1, len(overrides)):
            depth = _depth(" ".join(overrides[i : j + 1]))
            if depth <= 0:
                if depth == 0:
                    yield tuple(overrides[i : j + 1]), " ".join(overrides[i : j + 1])
                break


def _brace_expansions(overrides: list[str]):
    """Runs of arguments setting the same key, undone as a shell's brace expansion."""
    i = 0
    while i < len(overrides):
        key = overrides[i].split("=", 1)[0]
        j = i + 1
        while j < len(overrides) and "=" in overrides[j] and overrides[j].split("=", 1)[0] == key:
            j += 1
        if "=" in overrides[i] and j - i >= 2:
            value = _unexpand([text.split("=", 1)[1] for text in overrides[i:j]])
            if value is not None:
                yield tuple(overrides[i:j]), f"{key}={value}"
        i = j


def _unexpand(values: list[str]) -> str | None:
    """``[a,c]`` ``[a,d]`` ``[b,c]`` ``[b,d]`` -> ``[{a,b},{c,d}]`` (the brace expression a shell
    expanded), or None if ``values`` are not every combination of per-position choices."""
    bracketed = all(v.startswith("[") and v.endswith("]") for v in values)
    rows = [(v[1:-1] if bracketed else v).split(",") for v in values]
    if len({len(row) for row in rows}) != 1:
        return None
    choices = [list(dict.fromkeys(column)) for column in zip(*rows)]
    if len(values) != math.prod(len(c) for c in choices) or not any(len(c) > 1 for c in choices):
        return None
    if {tuple(row) for row in rows} != set(itertools.product(*choices)):
        return None
    items = ["{" + ",".join(c) + "}" if len(c) > 1 else c[0] for c in choices]
    return f"[{','.join(items)}]" if bracketed else ",".join(items)


def _as_list(override: str) -> str | None:
    """``key={...}`` as ``key=[{...}]``: a single mapping given where a list of them is due."""
    key, _, value = override.partition("=")
    return f"{key}=[{value}]" if value.startswith("{") and value.endswith("}") else None


def _values(override) -> list[str]:
    if override.is_sweep_override():
        return [str(v) for v in override.sweep_string_iterator()]
    if override.value() is None and override.is_delete():
        return []
    return [override.get_value_element_as_str()]


def interrupted_message(sweep: bool) -> str:
    """The line ``p4p-sim`` ends with when Ctrl-C stops it where the resumable sweeper does not
    report it (as the jobs run): before a sweep's jobs, under another sweeper, or while the
    sweep's tables are written."""
    if not sweep:
        return "p4p-sim: interrupted; the run did not finish (its directory has no summary.json)"
    from sim.run.hydra_hooks import LAST_SWEEP

    directory = LAST_SWEEP.get("directory")
    if directory is None:
        return (
            "p4p-sim: interrupted; the sweep did not finish (jobs that finished keep their files)"
        )
    return (
        f"p4p-sim: interrupted while writing the sweep's tables; its jobs' files are kept in"
        f" {directory}; write the tables with: p4p-collect {directory}"
    )


def start_local_workers(overrides: list[str], argv: list[str]) -> bool:
    """For a sweep on the default launcher (``local``, its default settings), start its
    workers' fork server now (elsewhere, its workers), so that it imports the model while this
    process composes the sweep's configs and sets it up; whether it did (``main`` ends it at
    the end, or if a composition fails). Not for another launcher, launcher settings or
    primary config on the command line."""
    if any(arg in FLAGS_WITH_VALUE or arg.startswith("--config") for arg in argv):
        return False
    if any(o.lstrip("+~").startswith(("hydra/launcher", "hydra.launcher")) for o in overrides):
        return False
    if default_choice("hydra/launcher") != "local":
        return False
    from hydra_plugins.p4p_sim_sweeper.local_launcher import start_default_workers

    start_default_workers()
    return True


register_schema()


@hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")
def hydra_app(cfg: DictConfig) -> dict:
    return run_task(cfg)


def main() -> None:
    """Console entry point: pre-check the overrides, then hand over to Hydra. What it sets for
    Ctrl-C (its handler, the unraisable hook, held interrupts) is undone when it returns, for a
    caller in the same process."""
    # at the exit, every file written: no last garbage collection of Hydra, pandas and the
    # model (~0.07 s); the objects go with the process
    atexit.register(gc.freeze)
    handler = signal.signal(signal.SIGINT, interrupt)  # not dropped inside Numba's callbacks
    hook, sys.unraisablehook = sys.unraisablehook, keep_dropped_interrupts  # nor where dropped
    hold_interrupts()  # until the run or the sweep's jobs start (run_task, the sweeper)
    try:
        run_command()
    finally:
        release_interrupts(raise_held=False)
        signal.signal(signal.SIGINT, handler)
        sys.unraisablehook = hook


def run_command() -> None:
    """:func:`main`'s work, with its Ctrl-C handling in place."""
    overrides, multirun, passthrough = split_argv(sys.argv[1:])
    sweep = multirun and not passthrough
    try:
        if not passthrough:
            check_values(overrides, sys.argv[1:])  # bad input stops before any worker starts
            if multirun:  # the workers import the model while this process composes
                start_local_workers(overrides, sys.argv[1:])
            check_compositions(overrides, multirun, sys.argv[1:])
            if not multirun:
                # the run needs the model: import it now, not inside Hydra's task, where Mesa's
                # import-time loggers (inspect.stack()) walk Hydra's deeper stack
                import sim.model.model  # noqa: F401
        hydra_app()
    except KeyboardInterrupt:  # while its jobs run, a sweep says what finished itself
        print(interrupted_message(sweep), file=sys.stderr)
        sys.exit(130)
    finally:
        if sweep:  # the workers stopped after the sweep's last job
            from hydra_plugins.p4p_sim_sweeper.local_launcher import (
                stop_fork_server,
                stop_workers,
            )

            # ending: every file is written; its processes end (a few milliseconds) whatever
            # key is pressed, and the command with them
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            stop_workers()  # after an error: the workers still run
            stop_fork_server()
    if sweep:
        from sim.run.hydra_hooks import LAST_SWEEP

        if LAST_SWEEP and not LAST_SWEEP.get("complete"):
            sys.exit(1)  # the table is written; some jobs did not complete


def command() -> None:
    """The ``p4p-sim`` console script (and ``python -m sim.run.cli``): :func:`main`, then
    Ctrl-C ignored while the process ends, its work done (a Ctrl-C in those milliseconds
    would otherwise print a traceback)."""
    try:
        main()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    command()
