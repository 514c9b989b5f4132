"""A report page: an executed notebook as one offline HTML page, and the index of all pages."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from isuwork.data.io import write_text
from isuwork.render.jobs import RenderJob

PAGE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }}
h1, h2, h3 {{ line-height: 1.25; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; }}
th, td {{ border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: right; }}
th {{ background: #f0f0f0; }}
td:first-child, th:first-child {{ text-align: left; }}
img {{ max-width: 100%; height: auto; }}
pre {{ white-space: pre-wrap; background: #f7f7f7; padding: 0.5rem; }}
nav a {{ margin-right: 1rem; }}
table.lista td, table.lista th {{ text-align: left; }}
td.fel {{ color: #8a1c1c; }}
footer {{ margin-top: 3rem; font-size: 0.85rem; color: #555; }}
</style>
</head>
<body>
<nav>{nav}</nav>
{body}
<footer>{footer}</footer>
</body>
</html>
"""

FOOTER = (
    "Rapporten är framtagen med isuwork. Den kan visa en risk för omotiverade skillnader, men "
    "inte bevisa dem. Värden som bygger på för få personer visas inte."
)


#: Widget views live only in a session; their text stand-in ("VBox(...)") is not for readers.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def notebook_body(nb: Any) -> str:
    """The HTML of an executed notebook's text, tables and charts, without code or scripts.

    Markdown cells are converted as nbconvert's HTML exporter converts them (without the "¶"
    link after each heading); of each output the richest kind is taken: HTML, then a PNG or
    JPEG chart (with the alt text of its cell's ``alt`` metadata), Markdown, text. Code, widget
    views (their content lives only in a live session), scripts and error tracebacks are left
    out. Outputs follow each other without nbconvert's wrappers around every cell: a page, and
    the PDF laid out from it, has half the elements.
    """
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(_markdown(cell.source))
        elif cell.cell_type == "code":
            alt = str(cell.metadata.get("alt", "Diagram"))
            parts.extend(_output_html(output, alt=alt) for output in cell.get("outputs", []))
    body = "\n".join(part for part in parts if part)
    return re.sub(r"<script[^>]*>.*?</script>", "", body, flags=re.DOTALL)


def _markdown(text: str) -> str:
    renderer = IPythonRenderer(escape=False, exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(text)


def _output_html(output: Any, *, alt: str) -> str:
    if output.get("output_type") == "stream":
        return f'<pre class="{output.get("name", "stdout")}">{html.escape(output["text"])}</pre>'
    data = output.get("data", {})
    if WIDGET_MIME in data:
        return ""
    if "text/html" in data:
        return str(data["text/html"])
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            source = f"data:{mime};base64,{str(data[mime]).strip()}"
            return f'<img src="{source}" alt="{html.escape(alt)}">'
    if "text/markdown" in data:
        return _markdown(str(data["text/markdown"]))
    if "text/plain" in data:
        return f"<pre>{html.escape(str(data['text/plain']))}</pre>"
    return ""


def notebook_to_html(nb: Any, *, title: str, nav: str = "") -> str:
    """Convert an executed notebook to one self-contained HTML page without code cells.

    The page, its style and the footer are ours; the cells come from :func:`notebook_body`.
    """
    return html_page(title=title, nav=nav, body=notebook_body(nb))


def html_page(*, title: str, body: str, nav: str = "") -> str:
    """Our offline page around a body of HTML: style, navigation and the footer."""
    return PAGE.format(title=html.escape(title), nav=nav, body=body, footer=html.escape(FOOTER))


@cache
def title_of(notebook: Path) -> str:
    """The notebook's title: its first level-one heading, else its file name."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def write_index(
    jobs: Sequence[RenderJob],
    *,
    out_dir: Path,
    failures: Mapping[Path, str],
    settings: Mapping[str, str] = {},
    bundles: Mapping[str, Sequence[Path]] = {},
    bundle_failures: Mapping[str, str] = {},
) -> Path:
    """Write ``index.html``: every kommun with its pages, failures with their messages.

    Parameters
    ----------
    jobs
        Every page of the run.
    out_dir
        The run's folder.
    failures
        Pages that could not be made, with the Swedish message of why.
    settings
        The run's parameters as shown to the reader (label to value).
    bundles
        Each kommun's PDF and Excel workbook, where they were made.
    bundle_failures
        Kommuner whose workbook and PDF could not be made, with the message why.
    """
    by_kommun: dict[str, list[RenderJob]] = {}
    for job in jobs:
        by_kommun.setdefault(job.kommun, []).append(job)
    failed_kommuner = sum(any(j.html_path in failures for j in js) for js in by_kommun.values())
    parts = ["<h1>Rapporter: jämställdhetsintegrerad analys av ISU</h1>"]
    status = f"{_count(len(by_kommun), 'kommun', 'kommuner')}, {_count(len(jobs), 'sida', 'sidor')}"
    if failures:
        status += (
            f"; {_count(len(failures), 'sida', 'sidor')} i "
            f"{_count(failed_kommuner, 'kommun', 'kommuner')} kunde inte skapas"
        )
    parts.append(f"<p>{html.escape(status)}.</p>")
    if settings:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in settings.items()
        )
        parts.append(
            f'<table class="lista"><caption>Körningens inställningar</caption>{rows}</table>'
        )
    parts.append('<table class="lista"><tr><th>Kommun</th><th>Status</th><th>Sidor</th></tr>')
    for kommun in sorted(by_kommun):
        links, problems = [], []
        for job in by_kommun[kommun]:
            label = html.escape(title_of(job.notebook))
            if job.html_path in failures:
                problems.append(html.escape(failures[job.html_path]))
            else:
                rel = html.escape(job.html_path.relative_to(out_dir).as_posix())
                links.append(f'<a href="{rel}">{label}</a>')
        for path in bundles.get(kommun, ()):
            rel = html.escape(path.relative_to(out_dir).as_posix())
            what = "Hela rapporten (PDF)" if path.suffix == ".pdf" else "Tabellerna (Excel)"
            links.append(f'<a href="{rel}">{what}</a>')
        if kommun in bundle_failures:
            problems.append(html.escape(bundle_failures[kommun]))
        state = "klar" if not problems else "ofullständig"
        cells = f"<td>{html.escape(kommun)}</td><td>{state}</td><td>{' · '.join(links)}</td>"
        parts.append(f"<tr>{cells}</tr>")
        if problems:
            parts.append(
                f'<tr><td></td><td class="fel" colspan="2">{"<br>".join(problems)}</td></tr>'
            )
    parts.append("</table>")
    return write_text(html_page(title="Rapporter", body="\n".join(parts)), out_dir / "index.html")
