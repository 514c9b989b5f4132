"""As a new user would: JupyterLab in a real browser, step 1 run, the explorer driven by hand.

Starts JupyterLab headless on a free local port, opens ``01_vad_ser_vi.ipynb`` in Debian's
Chromium (driven by Playwright), runs all cells, changes the explorer's outcome and checks that
the table changes. A screenshot of the explorer is saved to ``test-artifacts/explorer.png``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium saknas; .ci/run ska installera paketet chromium")
        pytest.skip("Chromium from Debian's packages is not installed (make browser-deps)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("Playwright saknas; make installerar det med extra-paketet browser")
        pytest.skip("Playwright is not installed (pip install -e '.[browser]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyter_lab(tmp_path):
    _require_browser()
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    env.pop("MPLBACKEND", None)  # a person's session draws charts inline
    # No "notified about Jupyter news?" toast over the screenshot.
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "settings")
    # JupyterLab autosaves what it runs; serve a copy so the committed notebooks stay without
    # outputs, with the sample data where the notebooks' relative paths expect it.
    work = tmp_path / "work"
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    (work / "data").symlink_to(ROOT / "data", target_is_directory=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work / 'notebooks'}",
            "--LabApp.news_url=",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("JupyterLab startade inte inom 60 sekunder")
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def test_explorer_in_a_real_browser(jupyter_lab):
    from playwright.sync_api import sync_playwright

    base, token = jupyter_lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/01_vad_ser_vi.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator, .jp-Toolbar", timeout=30_000)
        time.sleep(3)  # let the kernel start
        page.click("text=Run", timeout=30_000)
        page.click("text=Run All Cells", timeout=30_000)
        explorer = page.locator(".widget-dropdown select").first
        explorer.wait_for(timeout=240_000)
        box = page.locator(".widget-vbox").filter(has=page.locator(".widget-dropdown")).first
        table = box.locator(".widget-output table").first
        try:
            table.wait_for(timeout=120_000)
            before = table.inner_text()
            explorer.select_option(label="Deltog i utredningssamtal")
            page.wait_for_function(
                "([el, old]) => el.querySelector('.widget-output table') &&"
                " el.querySelector('.widget-output table').innerText !== old",
                arg=[box.element_handle(), before],
                timeout=120_000,
            )
            after = box.locator(".widget-output table").first.inner_text()
            images = box.locator(".widget-output img").count()
        finally:
            explorer.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=False)
        browser.close()
    assert before != after
    assert images >= 1  # the chart is drawn, not its text representation
    assert "Deltog i utredningssamtal" in after


def test_a_rendered_report_in_chromium(tmp_path):
    """A kommun's rendered step-1 page, opened from disk as a reader would: every table and
    chart is there and every chart loads (offline); the index links the pages, PDF and Excel."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    from isuwork.render import render_reports, reports_parameters

    sample = ROOT / "data" / "sample" / "isu_exempel.csv"
    out = tmp_path / "reports"
    summary = render_reports(
        ["Exempelby"],
        out_dir=out,
        parameters=reports_parameters(data=sample, journal_dir=tmp_path / "journal"),
        workers=1,
        progress=False,
        cache_dir=tmp_path / "cache",
    )
    assert summary.ok, summary.failures
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto((out / "exempelby" / "01_vad_ser_vi.html").as_uri())
        tables = page.locator("table").count()
        captions = page.locator("p strong").all_inner_texts()
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        page.screenshot(path=str(ARTIFACTS / "report_step1.png"), full_page=False)
        page.goto((out / "index.html").as_uri())
        links = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        browser.close()
    assert tables >= 3
    assert {"Saknade uppgifter per kön", "De största skillnaderna"} <= set(captions)
    assert len(images) >= 4 and all(done and width > 0 for done, width in images)
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing from the net
    assert "exempelby/01_vad_ser_vi.html" in links
    assert {"exempelby/exempelby_rapport.pdf", "exempelby/exempelby_tabeller.xlsx"} <= set(links)
