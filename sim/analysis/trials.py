"""What an evaluator estimates from a trial, and how that compares with the truth.

Works on unit tables (one row per unit that could be enrolled; see ``sim.model.trial_outcomes``):

* :func:`itt`: intention-to-treat effect, OLS of the outcome on assignment among enrolled
  units, with cluster-robust standard errors (clusters: employers), optionally adjusted for
  baseline covariates (the outcome's own baseline value, log size, SME status), as in
  Athey & Imbens 2017, "The econometrics of randomized experiments";
* :func:`pre_post`: the before/after difference of a design with no control group, clustered
  by unit;
* :func:`bias_decomposition`: the trial's estimate minus the population effect of a full
  roll-out (the same seed with the program for everyone and for no one), split exactly into
  scale (general-equilibrium) effects on the treated, spillovers onto the controls, sampling
  error, and, for pre/post, the secular trend;
* :func:`power_table`: rejection rates over replications with Wilson intervals, and the
  minimum detectable effect at 80% power, (z_{1-alpha/2} + z_{0.8}) x SE (Bloom 1995,
  "Minimum detectable effects").
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from sim.analysis.paired import wilson_interval

ALPHA = 0.05
POWER = 0.8
COVARIATES = ("pre", "log_size", "sme")


@dataclass
class Estimate:
    """One estimate with its cluster-robust standard error."""

    effect: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    n_units: int
    n_clusters: int

    def as_dict(self, prefix: str = "") -> dict:
        return {prefix + k: v for k, v in asdict(self).items()}


def _fit(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> Estimate:
    """OLS of ``y`` on ``X`` (first column: constant, second: the effect), clustered."""
    n_clusters = len(np.unique(groups))
    if np.ptp(y) == 0:  # no variation at all: the effect is exactly zero, nothing to detect
        return Estimate(0.0, 0.0, 1.0, 0.0, 0.0, len(y), n_clusters)
    # a degenerate cluster covariance gives a NaN standard error: not significant in power
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
        low, high = fit.conf_int(alpha=ALPHA)[1]
    return Estimate(
        float(fit.params[1]),
        float(fit.bse[1]),
        float(fit.pvalues[1]),
        float(low),
        float(high),
        len(y),
        n_clusters,
    )


def itt(units: pd.DataFrame, outcome: str, covariates: bool = False) -> Estimate:
    """Intention-to-treat effect of assignment on ``outcome`` among enrolled units."""
    enrolled = units[units["enrolled"]]
    columns = [np.ones(len(enrolled)), enrolled["treated"].to_numpy(float)]
    if covariates:
        columns += [
            enrolled["pre_" + outcome].to_numpy(float),
            np.log(np.maximum(enrolled["size"].to_numpy(float), 1.0)),
            enrolled["sme"].to_numpy(float),
        ]
    X = np.column_stack(columns)
    if covariates:
        keep = [0, 1] + [k for k in range(2, X.shape[1]) if np.ptp(X[:, k]) > 0]
        X = X[:, keep]  # a constant covariate (e.g. all SMEs) is collinear with the constant
    return _fit(enrolled[outcome].to_numpy(float), X, enrolled["cluster"].to_numpy())


def pre_post(units: pd.DataFrame, outcome: str) -> Estimate:
    """Follow-up minus baseline among enrolled (all treated) units, clustered by unit."""
    enrolled = units[units["enrolled"]]
    y = np.concatenate(
        [enrolled["pre_" + outcome].to_numpy(float), enrolled[outcome].to_numpy(float)]
    )
    post = np.repeat([0.0, 1.0], len(enrolled))
    groups = np.tile(enrolled["unit"].to_numpy(), 2)
    return _fit(y, np.column_stack([np.ones(len(y)), post]), groups)


def evaluator_estimates(units: pd.DataFrame, outcomes, design: str) -> pd.DataFrame:
    """Every estimate the evaluator reports for a design: one row per outcome and method."""
    rows = []
    for outcome in outcomes:
        if design == "prepost":
            methods = {"pre_post": pre_post(units, outcome)}
        else:
            methods = {
                "itt": itt(units, outcome),
                "itt_adjusted": itt(units, outcome, covariates=True),
            }
        for method, estimate in methods.items():
            rows.append({"outcome": outcome, "method": method, **estimate.as_dict()})
    return pd.DataFrame(rows)


def population_effect(everyone: pd.DataFrame, no_one: pd.DataFrame, outcome: str) -> float:
    """Mean over every unit of the economy of (program for everyone - program for no one)."""
    joined = _join(everyone, no_one, ("everyone", "no_one"), outcome)
    return float((joined["everyone"] - joined["no_one"]).mean())


def _join(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str], outcome: str) -> pd.DataFrame:
    left = a.set_index("unit")[[outcome]].rename(columns={outcome: names[0]})
    right = b.set_index("unit")[[outcome]].rename(columns={outcome: names[1]})
    return left.join(right, how="inner")


def bias_decomposition(
    trial: pd.DataFrame, everyone: pd.DataFrame, no_one: pd.DataFrame, outcome: str, design: str
) -> dict:
    """The unadjusted estimate minus the truth, split into parts that add up exactly.

    With T the treated, C the controls, y the outcome in the trial, y1 with the program for
    everyone and y0 for no one, and truth = mean over all units of (y1 - y0):

        (mean_T y - mean_C y) - truth
          = mean_T (y - y1)                      scale: the treated alone vs in a full roll-out
          - mean_C (y - y0)                      spillover onto the controls
          + (mean_T y1 - mean_C y0 - truth)      sampling: which units were enrolled and treated

    For pre/post (every enrolled unit E treated, baseline y_pre identical in all worlds):

        (mean_E y - mean_E y_pre) - truth
          = mean_E (y - y1) + (mean_E (y1 - y0) - truth) + mean_E (y0 - y_pre)   (trend)
    """
    truth = population_effect(everyone, no_one, outcome)
    world = trial.set_index("unit")
    y = world[outcome]
    y1 = everyone.set_index("unit")[outcome].reindex(world.index)
    y0 = no_one.set_index("unit")[outcome].reindex(world.index)
    enrolled = world["enrolled"]
    treated, control = enrolled & world["treated"], enrolled & ~world["treated"]
    if design == "prepost":
        estimate = float(y[enrolled].mean() - world.loc[enrolled, "pre_" + outcome].mean())
        parts = {
            "scale": float((y - y1)[enrolled].mean()),
            "spillover": 0.0,
            "sampling": float((y1 - y0)[enrolled].mean() - truth),
            "trend": float((y0 - world["pre_" + outcome])[enrolled].mean()),
        }
    else:
        estimate = float(y[treated].mean() - y[control].mean())
        parts = {
            "scale": float((y - y1)[treated].mean()),
            "spillover": -float((y - y0)[control].mean()),
            "sampling": float(y1[treated].mean() - y0[control].mean() - truth),
            "trend": 0.0,
        }
    return {
        "outcome": outcome,
        "estimate": estimate,
        "truth": truth,
        "bias": estimate - truth,
        **parts,
    }


def mde_factor(alpha: float = ALPHA, power: float = POWER) -> float:
    """(z_{1-alpha/2} + z_power): the MDE in standard errors (2.80 at 5% and 80%)."""
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def power_table(estimates: pd.DataFrame, by=("enrolled", "outcome", "method")) -> pd.DataFrame:
    """Per trial size, outcome and method: power at ALPHA with its Wilson 95% interval, the
    mean estimate and truth, and the MDE at 80% power from the median standard error."""
    rows = []
    for key, group in estimates.groupby(list(by), sort=True):
        n = len(group)
        hits = int((group["p_value"] < ALPHA).sum())
        low, high = wilson_interval(hits, n)
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row.update(
            replications=n,
            power=hits / n,
            power_low=low,
            power_high=high,
            mean_estimate=float(group["effect"].mean()),
            mde=mde_factor() * float(group["se"].median()),
        )
        if "truth" in group:
            row["mean_truth"] = float(group["truth"].mean())
            row["mean_bias"] = float((group["effect"] - group["truth"]).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def power_figure(power: pd.DataFrame, path, method: str = "itt"):
    """Power curves (one panel per outcome) with their simulation 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = power[power["method"] == method]
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.2 * len(outcomes), 3.0), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        rows = table[table["outcome"] == outcome].sort_values("enrolled")
        ax.plot(rows["enrolled"], rows["power"], marker="o")
        ax.fill_between(rows["enrolled"], rows["power_low"], rows["power_high"], alpha=0.25)
        ax.axhline(POWER, ls="--", lw=0.8, color="grey")
        ax.axhline(ALPHA, ls=":", lw=0.8, color="grey")
        ax.set(title=outcome.replace("_", " "), xlabel="units enrolled", ylim=(0, 1))
    axes[0][0].set_ylabel(f"power at alpha={ALPHA:g} ({method})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --- a trial experiment's directory -> tables, figures and a plain-language summary ---------
MANIFEST = "trial.json"
UNITS_DIR = "units"
METHOD_TEXT = {
    "itt": "intention-to-treat, difference in means",
    "itt_adjusted": "intention-to-treat adjusted for baseline outcome, size and SME status",
    "pre_post": "pre/post difference (no control group)",
}


def job_name(world: str, enrolled: int, seed: int) -> str:
    """``world=trial,enrolled=110,seed=3``: the job directory of one run of an experiment."""
    return f"world={world},enrolled={enrolled},seed={seed}"


def units_path(directory: Path, world: str, enrolled: int, seed: int) -> Path:
    """Where a trial experiment keeps the unit table of one world, trial size and seed: the
    ``units.parquet`` of its job directory."""
    return Path(directory) / job_name(world, enrolled, seed) / "units.parquet"


def load_units(directory: Path, world: str, enrolled: int, seed: int) -> pd.DataFrame | None:
    """A finished run's unit table (or None). Experiments made before trials ran as Hydra
    multiruns kept them in ``units/<world>-n<size>-seed<seed>.parquet``; those still load."""
    path = units_path(directory, world, enrolled, seed)
    if not (path.parent / "summary.json").exists():
        path = Path(directory) / UNITS_DIR / f"{world}-n{enrolled}-seed{seed}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def evaluate_experiment(directory: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(manifest, estimates, bias) of every finished replication in a trial experiment."""
    import json

    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"{directory} has no {MANIFEST}: not a trial experiment (p4p-trial run)"
        )
    manifest = json.loads(manifest_path.read_text())
    first = manifest["sizes"][0]
    outcomes, design = manifest["outcomes"], manifest["design"]
    estimates, bias = [], []
    for seed in manifest["seeds"]:
        everyone, no_one = (
            load_units(directory, "everyone", first, seed),
            load_units(directory, "no_one", first, seed),
        )
        if everyone is None or no_one is None:
            continue
        truth = {o: population_effect(everyone, no_one, o) for o in outcomes}
        for n in manifest["sizes"]:
            trial = load_units(directory, "trial", n, seed)
            if trial is None:
                continue
            rows = evaluator_estimates(trial, outcomes, design)
            rows["truth"] = rows["outcome"].map(truth)
            rows["enrolled"], rows["seed"] = n, seed
            estimates.append(rows)
            parts = pd.DataFrame(
                [bias_decomposition(trial, everyone, no_one, o, design) for o in outcomes]
            )
            parts["enrolled"], parts["seed"] = n, seed
            bias.append(parts)
    if not estimates:
        raise FileNotFoundError(f"{directory} has no finished replication yet")
    return manifest, pd.concat(estimates, ignore_index=True), pd.concat(bias, ignore_index=True)


def report_trial_dir(directory: Path, out: Path | None = None) -> Path:
    """Write estimates.csv, bias.csv, power.csv, power figures and summary.md; returns summary."""
    directory = Path(directory)
    out = Path(out) if out is not None else directory
    out.mkdir(parents=True, exist_ok=True)
    manifest, estimates, bias = evaluate_experiment(directory)
    power = power_table(estimates)
    mean_bias = (
        bias.groupby(["enrolled", "outcome"], sort=True).mean(numeric_only=True).reset_index()
    )
    mean_bias = mean_bias.drop(columns="seed")
    estimates.to_csv(out / "estimates.csv", index=False)
    mean_bias.to_csv(out / "bias.csv", index=False)
    power.to_csv(out / "power.csv", index=False)
    for method in power["method"].unique():
        power_figure(power, out / f"power_{method}.png", method)
    summary = out / "summary.md"
    summary.write_text(trial_summary(manifest, power, mean_bias))
    return summary


def trial_summary(manifest: dict, power: pd.DataFrame, bias: pd.DataFrame) -> str:
    """A plain-language account of what the evaluator would find, for each trial size."""
    unit, design = manifest["unit"], manifest["design"]
    main_method = "pre_post" if design == "prepost" else "itt"
    lines = [
        f"# What would a trial find? Preset `{manifest['preset']}`, scenario `{manifest['scenario']}`",
        "",
        f"Design: {design}, randomised by {unit}; {len(manifest['seeds'])} replications (seeds)"
        f" per trial size. The truth is the effect of giving the program to every {unit} of the"
        " economy, from the same seeds run with the program for everyone and for no one.",
        f"Power is the share of replications where the evaluator's {METHOD_TEXT[main_method]}"
        f" is significant at alpha = {ALPHA:g} (95% simulation interval in brackets); the MDE is"
        f" the smallest effect detected with {POWER:.0%} power.",
        "",
    ]
    for n, rows in power[power["method"] == main_method].groupby("enrolled"):
        lines += [
            f"## {n} {unit}s enrolled",
            "",
            "| outcome | truth | mean estimate | bias | scale | spillover | sampling | trend | power | MDE |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        parts = bias[bias["enrolled"] == n].set_index("outcome")
        verdicts = []
        for row in rows.itertuples():
            b = parts.loc[row.outcome]
            lines.append(
                f"| {row.outcome} | {row.mean_truth:.4g} | {row.mean_estimate:.4g} | {b['bias']:.3g}"
                f" | {b['scale']:.3g} | {b['spillover']:.3g} | {b['sampling']:.3g} | {b['trend']:.3g}"
                f" | {row.power:.0%} [{row.power_low:.0%}, {row.power_high:.0%}] | {row.mde:.3g} |"
            )
            verdicts.append(_verdict(row, b))
        lines += ["", *verdicts, ""]
    lines += [
        "Bias parts add up to the bias: *scale* is how the treated fare alone rather than in a full"
        " roll-out (seats, prices, recognition), *spillover* minus the effect of the trial on the"
        " controls (poaching, competition for seats, learning from treated peers), *sampling*"
        " which units happened to be enrolled and treated, *trend* what changed without the"
        " program (pre/post only).",
        "",
    ]
    return "\n".join(lines)


def _verdict(row, bias: pd.Series) -> str:
    """One sentence per outcome: detection, and the systematic part of the bias (sampling
    error averages out over replications; scale, spillover and trend do not). Against an
    effect below a tenth of the MDE a percentage means nothing, so the bias is given as is."""
    systematic = bias["scale"] + bias["spillover"] + bias["trend"]
    truth = row.mean_truth
    detect = (
        "usually detects"
        if row.power >= POWER
        else "often misses"
        if row.power < 0.5
        else "sometimes misses"
    )
    head = f"- {row.outcome}: the evaluator {detect} an effect (power {row.power:.0%})"
    if not np.isfinite(row.mde) or abs(truth) < row.mde / 10:
        return (
            f"{head}; the full roll-out's effect ({truth:.3g}) is below a tenth of the MDE"
            f" ({row.mde:.3g}), and the trial's systematic bias is {systematic:+.3g}."
        )
    direction = "overstates" if systematic * truth > 0 else "understates"
    return (
        f"{head}; apart from sampling error the trial {direction} the full roll-out's effect"
        f" ({truth:.3g}) by {abs(systematic) / abs(truth):.0%}."
    )
