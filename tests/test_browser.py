"""As a new user would: JupyterLab in a real browser, step 1 run, the explorer driven by hand.

Starts JupyterLab headless on a free local port, opens ``01_vad_ser_vi.ipynb`` in Debian's
Chromium (driven by Playwright), runs all cells, changes the explorer's outcome and checks that
the table changes. A screenshot of the explorer is saved to ``test-artifacts/explorer.png``.
"""

from __future__ import annotations

import os
import re
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
            heading = box.locator(".widget-output").first.inner_text()
            images = box.locator(".widget-output img").count()
        finally:
            explorer.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=False)
        browser.close()
    assert before != after
    assert images >= 1  # the chart is drawn, not its text representation
    assert "Deltog i utredningssamtal" in heading  # the table's heading names the new outcome


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The sample's reports for every kommun, rendered once for the tests below."""
    _require_browser()
    from isuwork.render import render_reports, reports_parameters

    tmp = tmp_path_factory.mktemp("reports")
    sample = ROOT / "data" / "sample" / "isu_exempel.csv"
    summary = render_reports(
        None,
        out_dir=tmp / "reports",
        parameters=reports_parameters(data=sample, journal_dir=tmp / "journal"),
        workers=2,
        progress=False,
        cache_dir=tmp / "cache",
    )
    assert summary.ok, summary.failures
    return tmp / "reports"


def test_a_rendered_report_in_chromium(rendered):
    """A kommun's rendered step-1 page, opened from disk as a reader would: every table and
    chart is there and every chart loads (offline); the index links the pages, PDF and Excel."""
    from playwright.sync_api import sync_playwright

    out = rendered
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
    assert {"Saknade uppgifter per kön och verksamhet", "De största skillnaderna"} <= set(captions)
    assert len(images) >= 4 and all(done and width > 0 for done, width in images)
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing from the net
    assert "exempelby/01_vad_ser_vi.html" in links
    assert {"exempelby/exempelby_rapport.pdf", "exempelby/exempelby_tabeller.xlsx"} <= set(links)


#: English words that have no business in a Swedish report (whole words, case as written).
ENGLISH = ("the", "and", "with", "missing", "True", "False", "Traceback", "Error", "Warning")


def _forbidden_words() -> re.Pattern[str]:
    """Codes and words a reader must never meet: verdict and flag codes, variable codes (those
    that are not Swedish words of the catalogue's labels), interval and test codes, ``nan``,
    ``None`` and a few English words."""
    from isuwork.domain.catalog import load_catalog
    from isuwork.domain.vocabulary import FLAG_LABELS, VERDICTS

    catalog = load_catalog()
    label_words = set(
        re.findall(r"\w+", " ".join(v.label.lower() for v in catalog.variables.values()))
    )
    variables = [v for v in catalog.variables if "_" in v or v not in label_words]
    words = [*VERDICTS, *FLAG_LABELS, *variables, "wilson", "chi2", "nan", "NaN", "None", *ENGLISH]
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def test_every_report_page_reads_well_in_chromium(rendered):
    """Every page of every kommun, opened at 1,280 px with its folded details open: nothing
    wider than the window, a Swedish alt text on every image, and no codes, English words,
    ``nan``, ``None``, ``¶`` or paths of the machine in the visible text. A screenshot of each
    page is saved under ``test-artifacts/pages/``."""
    from playwright.sync_api import sync_playwright

    forbidden = _forbidden_words()
    shots = ARTIFACTS / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    pages = sorted(rendered.glob("*/0*.html")) + [rendered / "index.html"]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path in pages:
            name = f"{path.parent.name}/{path.name}"
            page.goto(path.as_uri())
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            text = page.evaluate("document.body.innerText")
            width = page.evaluate("document.documentElement.scrollWidth")
            alts = page.evaluate("Array.from(document.images).map(i => i.alt)")
            page.screenshot(path=str(shots / f"{path.parent.name}_{path.stem}.png"), full_page=True)
            if width > 1280:
                problems.append(f"{name}: {width} px wide")
            problems += [
                f"{name}: alt text {alt!r}" for alt in alts if not alt.startswith("Diagram: ")
            ]
            problems += [
                f"{name}: {m.group(1)!r} in {text[max(0, m.start() - 40) : m.end() + 20]!r}"
                for m in forbidden.finditer(text)
            ]
            problems += [
                f"{name}: {token!r}"
                for token in ("¶", str(ROOT), str(rendered), "/tmp/")
                if token in text
            ]
        browser.close()
    assert len(pages) == 17  # four kommuner of four pages, and the index
    assert not problems, "\n".join(problems)


def test_the_opening_links_to_its_sections(rendered):
    """Every link of step 1's opening reaches its target: the screening further down, each
    verdict's card on the step-2 page."""
    for folder in sorted(p for p in rendered.iterdir() if p.is_dir()):
        step1 = (folder / "01_vad_ser_vi.html").read_text(encoding="utf-8")
        step2 = (folder / "02_vi_reflekterar.html").read_text(encoding="utf-8")
        cards = re.findall(r'href="02_vi_reflekterar\.html#([^"]+)"', step1)
        assert cards, folder.name
        assert all(f'id="{anchor}"' in step2 for anchor in cards), folder.name
        assert 'href="#screening"' in step1 and 'id="screening"' in step1
