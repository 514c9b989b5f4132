"""The workshop app in a real browser: ``isuwork workshop`` serves a workspace with Voilà.

As a group would: open step 1 (no code on the page), pick an outcome and a selection in the
explorer, save it as an observation, open step 2 and see it checked there. Screenshots go to
``test-artifacts/workshop/``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_browser import ARTIFACTS, CHROMIUM, _free_port, _require_browser

from isuwork.cli.main import main
from isuwork.workbook.journal import journal_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"
TITLE = "Män deltar mer sällan i utredningssamtal inom LSS"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def workshop(tmp_path):
    _require_browser()
    folder = tmp_path / "exempelby"
    assert main(["init", str(folder), "--data", str(SAMPLE), "--kommun", "Exempelby"]) == 0
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("MPLBACKEND", None)  # a person's session draws charts inline
    command = [sys.executable, "-m", "isuwork", "workshop", str(folder), "--port", str(port)]
    log = (tmp_path / "workshop.log").open("wb")
    server = subprocess.Popen(
        [*command, "--utan-webblasare"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Voilà and its kernels go with it at the end
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("Voilà startade inte: " + (tmp_path / "workshop.log").read_text())
        yield folder, url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_a_group_saves_an_observation_in_step_1_and_sees_it_in_step_2(workshop):
    from playwright.sync_api import sync_playwright

    folder, url = workshop
    shots = ARTIFACTS / "workshop"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_text("01_vad_ser_vi.ipynb").wait_for(timeout=30_000)
        page.screenshot(path=shots / "0_start.png")

        page.goto(f"{url}/voila/render/01_vad_ser_vi.ipynb", wait_until="commit")
        save = page.get_by_role("button", name="Spara som iakttagelse")
        save.wait_for(timeout=300_000)
        assert page.get_by_text("Steg 1. Vad ser vi?").is_visible()
        text = page.inner_text("body")
        assert "open_session" not in text and "import" not in text  # no code on the page
        explorer = page.locator(".widget-vbox").filter(has=save).first
        explorer.get_by_label("Utfall").select_option(label="Deltog i utredningssamtal")
        explorer.get_by_label("Urval").select_option(label="Verksamhet")
        explorer.get_by_label("Värde").select_option(label="LSS")
        explorer.get_by_label("Rubrik").fill(TITLE)
        page.wait_for_timeout(1_000)  # the last choice reaches the kernel
        save.click()
        page.get_by_text("Sparad i journalen").wait_for(timeout=60_000)
        explorer.scroll_into_view_if_needed()
        page.screenshot(path=shots / "1_steg1_sparad.png")

        saved = yaml.safe_load(
            journal_path("Exempelby", journal_dir=folder / "journal").read_text()
        )
        (observation,) = saved["observationer"]
        assert observation["titel"] == TITLE
        assert observation["utfall"] == "deltog_utredningssamtal"
        assert observation["filter"] == {"verksamhet": ["lss"]}

        page.goto(f"{url}/voila/render/02_vi_reflekterar.ipynb", wait_until="commit")
        page.get_by_text("Iakttagelserna kommer från journalen (1 st).").wait_for(timeout=300_000)
        checked = page.get_by_role("heading", name=TITLE)
        checked.wait_for(timeout=120_000)
        checked.scroll_into_view_if_needed()
        page.screenshot(path=shots / "2_steg2_provad.png")
        browser.close()
