"""The Solara page of ``p4p-app``: design a policy, run it against the baseline, compare.

Every number shown comes from :mod:`sim.app.designs`, i.e. from ``sim.compose``,
``run_to_dir`` and ``build_report`` (the code of ``p4p-sim`` and ``p4p-report``).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import traceback
from pathlib import Path

import solara
import solara.lab

from sim.analysis.report import build_report
from sim.app import designs
from sim.config.validation import ConfigError

# the runs' worker processes and the report's imports are readied when the page starts,
# in the background, so that the first Run does not wait for them (not in a worker process
# that imports this module again)
if multiprocessing.current_process().name == "MainProcess":
    threading.Thread(target=designs.warm_up, name="p4p-warm-up", daemon=True).start()

MAX_DESIGNS = 4
OUT_ROOT = Path(os.environ.get("P4P_APP_OUTPUTS", "outputs/app"))
DEFAULT_SCENARIO = "pay_for_performance"


def to_text(value) -> str:
    return "" if value is None else str(value)


def from_text(kind: str, text: str):
    """What a text field means: a number when it reads as one, else the text itself (so that
    the config check names the wrong type, as the CLI does)."""
    text = (text or "").strip()
    if kind == "optional_float" and text.lower() in ("", "none", "null"):
        return None
    for cast in (int,) if kind == "int" else (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text


def fmt(value: float | None) -> str:
    """How the page writes a number (tests format the API's numbers the same way)."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def form_texts(scenario: str) -> tuple[dict, list]:
    values = designs.lever_values(scenario)
    texts = {
        lever.key: values[lever.key]
        if lever.kind in ("bool", "choice")
        else to_text(values[lever.key])
        for lever in designs.LEVERS
    }
    milestones = [
        {"event": m["event"], "weight": to_text(m["weight"]), "lag": to_text(m["lag"])}
        for m in values[designs.MILESTONES]
    ]
    return texts, milestones


def form_values(texts: dict, milestones: list) -> dict:
    values = {}
    for lever in designs.LEVERS:
        raw = texts[lever.key]
        values[lever.key] = raw if lever.kind in ("bool", "choice") else from_text(lever.kind, raw)
    values[designs.MILESTONES] = [
        {
            "event": m["event"],
            "weight": from_text("float", m["weight"]),
            "lag": from_text("int", m["lag"]),
        }
        for m in milestones
    ]
    return values


_texts, _milestones = form_texts(DEFAULT_SCENARIO)
scenario = solara.reactive(DEFAULT_SCENARIO)
texts = solara.reactive(_texts)
milestones = solara.reactive(_milestones)
preset = solara.reactive(next(iter(designs.PRESETS)))
seeds_text = solara.reactive("5")
label = solara.reactive("my design")
errors = solara.reactive({})
progress = solara.reactive((0, 0))
status = solara.reactive("")
reports = solara.reactive([])
cancel_event = solara.reactive(threading.Event())
sweep_path = solara.reactive("")
browsed = solara.reactive(None)
browse_error = solara.reactive("")


def set_text(key: str, value) -> None:
    texts.value = {**texts.value, key: value}


def set_milestone(i: int, field: str, value) -> None:
    rows = [dict(m) for m in milestones.value]
    rows[i][field] = value
    milestones.value = rows


def set_milestone_count(n: int) -> None:
    rows = [dict(m) for m in milestones.value][:n]
    while len(rows) < n:
        rows.append({"event": designs.EVENTS[0], "weight": "0", "lag": "0"})
    milestones.value = rows


def pick_scenario(name: str) -> None:
    scenario.value = name
    texts.value, milestones.value = form_texts(name)
    errors.value = {}
    label.value = name


@solara.lab.task
def run_task(name: str, scenario_name: str, values: dict, preset_name: str, n_seeds: int):
    cancel = threading.Event()
    cancel_event.value = cancel
    progress.value = (0, 2 * n_seeds)
    status.value = "running"
    try:
        report = designs.run_design(
            name,
            scenario_name,
            values,
            preset_name,
            n_seeds,
            OUT_ROOT,
            progress=lambda done, total: setattr(progress, "value", (done, total)),
            cancel=cancel,
        )
    except designs.Cancelled as exc:
        status.value = str(exc)
        return
    except ConfigError as exc:
        errors.value = {designs.field_of(str(exc)): str(exc)}
        status.value = ""
        return
    except Exception as exc:  # noqa: BLE001 - a failed run is shown, never crashes the server
        traceback.print_exc()
        status.value = f"the run failed: {type(exc).__name__}: {exc}"
        return
    kept = [r for r in reports.value if designs.design_name(r) != designs.design_name(report)]
    reports.value = (kept + [report])[-MAX_DESIGNS:]
    status.value = f"done: {report.sweep.directory}"


def start_run() -> None:
    seeds = from_text("int", seeds_text.value)
    values = form_values(texts.value, milestones.value)
    checked = designs.check_design(scenario.value, values, preset.value, seeds)
    if designs.slug(label.value) == designs.BASELINE:
        checked.errors["label"] = "design name 'baseline' is reserved; allowed: any other name"
    errors.value = checked.errors
    if checked.errors:
        return
    run_task(label.value, scenario.value, values, preset.value, seeds)


def open_sweep() -> None:
    browse_error.value = ""
    try:
        out = Path(tempfile.mkdtemp(prefix="p4p-app-report-"))
        browsed.value = build_report(Path(sweep_path.value.strip()), out_dir=out)
    except (FileNotFoundError, ValueError, OSError) as exc:
        browsed.value, browse_error.value = None, str(exc)
    except Exception as exc:  # noqa: BLE001 - nothing typed may crash the server
        browsed.value, browse_error.value = (
            None,
            f"cannot read that sweep: {type(exc).__name__}: {exc}",
        )


# --- components --------------------------------------------------------------------------------
@solara.component
def TextLever(key: str, title: str):
    solara.InputText(
        title,
        value=texts.value[key],
        on_value=lambda v: set_text(key, v),
        error=errors.value.get(key, False),
        continuous_update=False,
    )


@solara.component
def PolicyForm():
    with solara.Card("Funding policy", margin=0):
        solara.Select(
            "Start from scenario",
            values=designs.scenarios(),
            value=scenario.value,
            on_value=pick_scenario,
        )
        solara.InputText("Design name", value=label, error=errors.value.get("label", False))
        for lever in designs.LEVERS[:2]:
            TextLever(lever.key, lever.label)
        with solara.Card("Milestones (event, weight, lag)", margin=0, elevation=0):
            solara.Select(
                "Number of milestones",
                values=list(range(designs.MAX_MILESTONES + 1)),
                value=len(milestones.value),
                on_value=set_milestone_count,
            )
            for i, m in enumerate(milestones.value):
                with solara.Row():
                    solara.Select(
                        f"Event {i + 1}",
                        values=list(designs.EVENTS),
                        value=m["event"],
                        on_value=lambda v, i=i: set_milestone(i, "event", v),
                    )
                    solara.InputText(
                        f"Weight {i + 1}",
                        value=m["weight"],
                        on_value=lambda v, i=i: set_milestone(i, "weight", v),
                    )
                    solara.InputText(
                        f"Lag {i + 1}",
                        value=m["lag"],
                        on_value=lambda v, i=i: set_milestone(i, "lag", v),
                    )
            if designs.MILESTONES in errors.value:
                solara.Error(errors.value[designs.MILESTONES], dense=True)
        for lever in designs.LEVERS[2:]:
            if lever.kind == "bool":
                solara.Checkbox(
                    label=lever.label,
                    value=bool(texts.value[lever.key]),
                    on_value=lambda v, k=lever.key: set_text(k, v),
                )
            elif lever.kind == "choice":
                solara.Select(
                    lever.label,
                    values=list(lever.choices),
                    value=texts.value[lever.key],
                    on_value=lambda v, k=lever.key: set_text(k, v),
                )
            else:
                TextLever(lever.key, lever.label)
    with solara.Card("Economy and seeds", margin=0):
        solara.Select("Economy preset", values=list(designs.PRESETS), value=preset)
        solara.InputText("Paired seeds", value=seeds_text, error=errors.value.get("seeds", False))
    if errors.value.get(""):
        solara.Error(errors.value[""])


@solara.component
def RunBar():
    running = run_task.pending
    with solara.Row():
        solara.Button("Run against baseline", on_click=start_run, color="primary", disabled=running)
        solara.Button("Cancel", on_click=lambda: cancel_event.value.set(), disabled=not running)
    done, total = progress.value
    if running:
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(f"{done} of {total} runs finished")
    if errors.value:
        solara.Error(
            f"{len(errors.value)} field(s) need a fix: " + "; ".join(errors.value.values()),
            classes=["p4p-errors"],
        )
    if status.value and not running:
        solara.Info(status.value, dense=True)


@solara.component
def Cards(report):
    with solara.Row(style={"flex-wrap": "wrap"}):
        for card in designs.headline_cards(report):
            with solara.Card(
                margin=0, classes=[f"p4p-card-{card.kpi}"], style={"min-width": "230px"}
            ):
                solara.Text(card.title, style={"font-size": "0.85em", "color": "#555"})
                solara.Div(
                    children=[fmt(card.value)],
                    classes=["p4p-value"],
                    style={"font-size": "1.8em", "font-weight": "600"},
                )
                if card.ci_low is not None:
                    solara.Text(
                        f"vs baseline {fmt(card.difference)} [95% CI {fmt(card.ci_low)}, {fmt(card.ci_high)}]",
                        style={"font-size": "0.8em"},
                    )


@solara.component
def Results():
    if not reports.value:
        solara.Info("Pick a scenario or change the levers, then run. Results appear here.")
        return
    report = reports.value[-1]
    solara.Markdown(f"### {designs.design_name(report)} vs baseline")
    Cards(report)
    with solara.Row():
        solara.FileDownload(
            report.path.read_text(encoding="utf-8"),
            filename="report.md",
            label="Download report.md",
        )
    for figure in report.figures:
        solara.Image(str(figure), width="100%")


@solara.component
def Compare():
    if not reports.value:
        solara.Info("Run designs to compare them here (up to four are kept).")
        return
    table = designs.comparison_table(reports.value)
    headline = [k for k, _ in designs.HEADLINE_CARDS]
    shown = table[table["kpi"].isin(headline)]
    wide = shown.assign(
        value=[
            f"{fmt(d)} [{fmt(lo)}, {fmt(hi)}]"
            for d, lo, hi in zip(shown["difference"], shown["ci_low"], shown["ci_high"])
        ]
    )
    pivot = wide.pivot_table(index="kpi", columns=designs.DESIGN, values="value", aggfunc="first")
    pivot = pivot.reindex([k for k in headline if k in pivot.index]).reset_index()
    solara.Markdown("Difference from the baseline on paired seeds [95% CI].")
    solara.DataFrame(pivot, items_per_page=20)
    with solara.Row():
        solara.FileDownload(
            table.to_csv(index=False),
            filename="comparison.csv",
            label="Download comparison CSV",
            mime_type="text/csv",
        )
        for report in reports.value:
            solara.Button(
                f"Remove {designs.design_name(report)}",
                text=True,
                on_click=lambda r=report: setattr(
                    reports, "value", [x for x in reports.value if x is not r]
                ),
            )
    for report in reports.value:
        with solara.Card(designs.design_name(report), margin=0):
            Cards(report)


@solara.component
def Browse():
    solara.InputText("Sweep directory (outputs/sweeps/...)", value=sweep_path)
    solara.Button("Open report", on_click=open_sweep)
    if browse_error.value:
        solara.Error(browse_error.value)
    if browsed.value is not None:
        text = browsed.value.path.read_text(encoding="utf-8")
        solara.Markdown(text.split("## Figures")[0])
        for figure in browsed.value.figures:
            solara.Image(str(figure), width="100%")


@solara.component
def Page():
    solara.Title("p4p-sim: compare funding designs")
    with solara.Sidebar():
        PolicyForm()
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown("## Pay-for-performance training funding: compare designs")
        RunBar()
        with solara.lab.Tabs():
            with solara.lab.Tab("Results"):
                Results()
            with solara.lab.Tab("Compare designs"):
                Compare()
            with solara.lab.Tab("Open a sweep"):
                Browse()
