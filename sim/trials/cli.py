"""``p4p-trial``: run (or resume) a trial experiment, or report on one.

    p4p-trial run upskill --seeds 1-20 --sizes 55,110,220 --jobs 2 --out outputs/trials/upskill \\
        population=small                   # a Hydra multirun; add hydra/launcher=... for others
    p4p-trial report outputs/trials/upskill      # or: p4p-report outputs/trials/upskill
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config.validation import ConfigError
from sim.run.listed import split_overrides


def parse_ints(text: str, name: str) -> list[int]:
    """``"1-20"`` or ``"55,110,220"`` (or both, comma-separated) -> a list of whole numbers."""
    values: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                first, last = part.split("-")
                values += list(range(int(first), int(last) + 1))
            else:
                values.append(int(part))
    except ValueError:
        raise ConfigError(
            f"--{name}={text} is not allowed; allowed: whole numbers like 1-20 or 55,110"
        ) from None
    if not values or min(values) < (0 if name == "seeds" else 1):
        raise ConfigError(
            f"--{name}={text} is not allowed; allowed: whole numbers >= {0 if name == 'seeds' else 1}"
        )
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p4p-trial", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run or resume a trial experiment")
    run.add_argument("preset", help="a trial preset (configs/trial): upskill, skilling_up, emc")
    run.add_argument("--seeds", default="1-20", help="replications, e.g. 1-100 (default 1-20)")
    run.add_argument(
        "--sizes", help="trial sizes (units enrolled), e.g. 55,110,220 (default: the preset's)"
    )
    run.add_argument("--scenario", default="pay_for_performance", help="the program evaluated")
    run.add_argument(
        "--jobs", type=int, help="parallel runs on the local cores (default: the launcher's)"
    )
    run.add_argument("--out", type=Path, help="output directory (default outputs/trials/<preset>)")
    run.add_argument(
        "overrides",
        nargs="*",
        help="config overrides KEY=VALUE, and hydra... arguments for the multirun"
        " (hydra/launcher=submitit_slurm)",
    )
    report = sub.add_parser("report", help="tables, power curves and summary.md of an experiment")
    report.add_argument("directory", type=Path)
    args, extra = parser.parse_known_args(argv)
    stray = [a for a in extra if "=" not in a or a.startswith("-")]
    if stray or (extra and args.command != "run"):
        parser.error(f"unrecognized arguments: {' '.join(stray or extra)}")
    try:
        if args.command == "run":
            from sim.trials.experiment import run_experiment

            out = args.out or Path("outputs/trials") / args.preset
            sizes = parse_ints(args.sizes, "sizes") if args.sizes else None
            overrides, hydra_args = split_overrides(args.overrides + extra)
            run_experiment(
                args.preset,
                out,
                parse_ints(args.seeds, "seeds"),
                sizes,
                args.scenario,
                overrides,
                jobs=args.jobs,
                hydra_args=hydra_args,
            )
            print(f"wrote {out / 'summary.md'}")
        else:
            from sim.analysis.trials import report_trial_dir

            print(f"wrote {report_trial_dir(args.directory)}")
    except (ConfigError, FileNotFoundError, RuntimeError) as exc:
        print(f"p4p-trial: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
