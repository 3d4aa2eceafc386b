"""End-to-end: drive p4p-app in headless Chromium (Debian's package) with Playwright.

Set P4P_APP_SCREENSHOTS=docs/figures to refresh the README's screenshots.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"
    ),
]
playwright = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    out = tmp_path_factory.mktemp("app")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.app.main",
            "--port",
            str(port),
            "--no-open",
            "--outputs",
            str(out),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def page(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        external = []
        page.on(
            "request", lambda r: external.append(r.url) if not r.url.startswith(server) else None
        )
        page.goto(server, timeout=120_000)
        page.get_by_text("Run against baseline").wait_for(timeout=120_000)
        page.external_requests = external
        yield page
        browser.close()


def shoot(page, name: str) -> None:
    folder = os.environ.get("P4P_APP_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def set_field(page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")


def run_design(page, name: str, outcome_share: str) -> None:
    set_field(page, "Design name", name)
    set_field(page, "Outcome share of training cost", outcome_share)
    set_field(page, "Paired seeds", "2")
    page.get_by_text("Run against baseline").click()
    page.get_by_text(re.compile(f"^{name} vs baseline$")).wait_for(timeout=400_000)


def test_loads_offline(page):
    assert page.external_requests == []  # assets served by solara-assets, no CDN
    shoot(page, "app_form.png")


def test_bad_value_shows_the_cli_message(page):
    set_field(page, "Outcome share of training cost", "1.5")
    page.get_by_text("Run against baseline").click()
    message = "funding.outcome_share=1.5 is out of range; allowed: [0, 1]"
    page.get_by_text(message).first.wait_for(timeout=30_000)


def test_run_cards_match_the_api(page):
    import sim
    from sim.app import designs
    from sim.app.page import fmt

    run_design(page, "half", "0.5")
    shoot(page, "app_results.png")
    preset = designs.PRESETS[next(iter(designs.PRESETS))]
    extra = []
    for seed in (1, 2):
        base = sim.run_model("baseline", seed, preset).kpis
        design = sim.run_model(
            "pay_for_performance", seed, {**preset, "funding.outcome_share": 0.5}
        ).kpis
        extra.append(design["trainees"] - base["trainees"])
    shown = page.locator(".p4p-card-additional_trainees .p4p-value").first.inner_text()
    assert shown == fmt(sum(extra) / 2)


def test_compare_two_designs_and_download_csv(page):
    run_design(page, "upfront", "0.3")
    page.get_by_role("tab", name="Compare designs").click()
    page.get_by_text("Download comparison CSV").wait_for(timeout=30_000)
    table = page.locator("table").first.inner_text()
    assert "half" in table and "upfront" in table
    shoot(page, "app_compare.png")
    with page.expect_download() as info:
        page.get_by_text("Download comparison CSV").click()
    text = Path(info.value.path()).read_text()
    assert text.splitlines()[0].startswith("design,kpi") and "upfront" in text and "half" in text
