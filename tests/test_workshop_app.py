"""The workshop app in a real browser: ``isuwork workshop`` serves a workspace with Voilà.

As a group would: the start page lists the steps by their headings, in Swedish, and nothing of
the workspace's private data; open step 1 (no code on the page, Swedish text while it loads),
pick an outcome and a selection in the explorer, save it as an observation, open step 2 and see
it checked there. Screenshots go to ``test-artifacts/workshop/``.
"""

from __future__ import annotations

import json
import os
import re
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
#: The steps on the start page, in order: each notebook's heading.
STEPS = [
    "Kom igång: läs in er egen export",
    "Steg 1. Vad ser vi?",
    "Steg 2. Vi reflekterar",
    "Steg 3. Kan vi dra slutsatser?",
    "Steg 4. Hur kan vi göra annorlunda?",
    "Aktgranskning med jämställdhetsglasögon",
]
#: Voilà's own English, which the workshop's template replaces.
VOILA_ENGLISH = re.compile(
    r"Select items|open with|Executing|Running|Reading|Voil[àa]|Not Found|does not exist"
    r"|There was an error|Please run"
)
#: Records every text the loading screen of a page shows (run before the page's own scripts).
RECORD_LOADING = """
window.loadingTexts = [];
new MutationObserver(() => {
  const loading = document.getElementById("loading");
  const text = loading && loading.textContent.replace(/\\s+/g, " ").trim();
  if (text && window.loadingTexts.at(-1) !== text) window.loadingTexts.push(text);
}).observe(document, {childList: true, subtree: true, characterData: true});
"""

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
        page.add_init_script(RECORD_LOADING)
        page.goto(url)
        page.get_by_role("link", name="Steg 1. Vad ser vi?").click()
        save = page.get_by_role("button", name="Spara som iakttagelse")
        save.wait_for(timeout=300_000)
        assert page.get_by_text("Steg 1. Vad ser vi?").is_visible()
        text = page.inner_text("body")
        assert "open_session" not in text and "import" not in text  # no code on the page
        # Swedish while the cells ran ("Executing 2 of 40" in Voilà's own page), and after
        loading = page.evaluate("window.loadingTexts")
        assert any(t.startswith("Sidan förbereds …") for t in loading), loading
        assert any(re.search(r"\d+ av \d+ delar är klara", t) for t in loading), loading
        assert not [t for t in loading if VOILA_ENGLISH.search(t)], loading
        assert not VOILA_ENGLISH.search(text), VOILA_ENGLISH.search(text)
        assert page.title() == "Steg 1. Vad ser vi?"
        assert page.locator("html").get_attribute("lang") == "sv"
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


def test_the_start_page_is_swedish_and_lists_the_steps_only(workshop):
    from playwright.sync_api import sync_playwright

    folder, url = workshop
    assert {"data", "journal", "reports", "ovningar"} <= {p.name for p in folder.iterdir()}
    listed = json.load(urllib.request.urlopen(f"{url}/voila/api/contents", timeout=30))
    assert [c["name"] for c in listed["content"]] == sorted(p.name for p in folder.glob("0*.ipynb"))
    shots = ARTIFACTS / "workshop"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        steps = page.locator("#isuwork-start li a")
        steps.first.wait_for(timeout=30_000)
        page.screenshot(path=shots / "0_start.png")
        assert steps.all_inner_texts() == STEPS
        hrefs = [steps.nth(i).get_attribute("href") for i in range(steps.count())]
        assert all(re.fullmatch(r"/voila/render/0\d_\w+\.ipynb", h) for h in hrefs), hrefs
        text = page.inner_text("body")
        assert "Arbetsboken för Exempelby" in text and "Välj ett steg" in text
        assert not VOILA_ENGLISH.search(text), VOILA_ENGLISH.search(text)
        for name in ("data", "journal", "reports", "ovningar", "arbetsbok.yaml", ".ipynb"):
            assert name not in text, name
        assert page.title() == "Arbetsboken – Exempelby"
        assert page.locator("html").get_attribute("lang") == "sv"

        # the private folder is no step: nothing of it on its page either
        page.goto(f"{url}/voila/tree/data")
        assert page.locator("#isuwork-start li").count() == 0
        assert "Här finns inga steg att öppna" in page.inner_text("body")

        missing = page.goto(f"{url}/voila/render/finns_inte.ipynb")
        assert missing.status == 404
        text = page.inner_text("body")
        assert "Sidan finns inte" in text and not VOILA_ENGLISH.search(text), text
        assert page.locator("html").get_attribute("lang") == "sv"
        browser.close()
