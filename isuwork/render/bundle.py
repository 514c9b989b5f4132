"""A kommun's whole report in two files: one Excel workbook of its tables, one PDF of its pages.

Both are made from the kommun's executed notebooks, after its pages: the workbook from the
tables the pages showed (each carries its cells as numbers, see
:data:`isuwork.present.tables.TABLE_MIME`), the PDF from the pages' text, tables and charts with
weasyprint, fonts and charts embedded. Nothing is computed again, so the files show exactly what
the pages show.

The PDF is laid out from the pages' own HTML (:func:`isuwork.render.page.notebook_body`), with
folded sections reduced to their headings (:func:`print_body`).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from isuwork.data.io import write_bytes
from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import IsuworkError
from isuwork.present.excel import sheet_names, write_tables
from isuwork.present.tables import TABLE_MIME
from isuwork.render.jobs import RenderJob
from isuwork.render.page import FOOTER, notebook_body, title_of

PRINT_STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-left { content: "%(kommun)s"; font: 7.5pt "DejaVu Sans", sans-serif; color: #555; }
  @bottom-right { content: "Sida " counter(page) " av " counter(pages);
                  font: 7.5pt "DejaVu Sans", sans-serif; color: #555; } }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 9pt;
       line-height: 1.4; color: #1a1a1a; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; } h3 { font-size: 11pt; }
h1, h2, h3 { break-after: avoid; }
section.sida { break-before: page; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 7pt; table-layout: fixed;
        width: 100%%; }
th, td { border: 0.5pt solid #bbb; padding: 1pt 3pt; overflow-wrap: break-word; }
th { background: #f0f0f0; }
tr { break-inside: avoid; }
img { max-width: 100%%; break-inside: avoid; }
pre { white-space: pre-wrap; font-size: 7.5pt; background: #f7f7f7; padding: 4pt; }
.framsida p { font-size: 10pt; }
details > :not(summary) { display: none; }
details > summary { list-style: none; font-style: italic; }
details > summary::after { content: ": se webbsidan och Excel-filen."; }
div.bedomning { break-inside: avoid; }
"""


def bundle_paths(kommun: str, folder: Path) -> tuple[Path, Path]:
    """Where a kommun's workbook and PDF go: ``<slug>_tabeller.xlsx``, ``<slug>_rapport.pdf``."""
    slug = kommun_slug(kommun)
    return folder / f"{slug}_tabeller.xlsx", folder / f"{slug}_rapport.pdf"


def page_tables(nb: Any) -> list[dict[str, Any]]:
    """The tables an executed notebook showed, in order, with their cells as numbers."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload is not None:
                found.append(dict(payload))
    return found


_FOLDED = re.compile(r"(<details[^>]*>\s*<summary>.*?</summary>).*?</details>", re.DOTALL)


def print_body(nb: Any) -> str:
    """The page's HTML for print: a folded section (``<details>``) keeps only its heading.

    The print style tells the reader where the rest is (the web page and the workbook).
    Laying out text is most of a PDF's time, so what print does not show is not laid out.
    """
    return _FOLDED.sub(r"\1</details>", notebook_body(nb))


def write_workbook(
    kommun: str,
    pages: Sequence[tuple[str, Any]],
    path: Path,
    *,
    settings: Mapping[str, str] = {},
) -> Path:
    """Write the tables of a kommun's pages to one Excel workbook, page by page.

    Parameters
    ----------
    kommun
        The kommun, named on the first sheet.
    pages
        Each page's title and executed notebook, in report order.
    path
        The workbook to write.
    settings
        The run's parameters, listed on the first sheet.
    """
    tables, described = [], []
    for title, nb in pages:
        for table in page_tables(nb):
            described.append(f"{title}: {table['caption'] or 'tabell'}")
            tables.append(table)
    names = sheet_names([t["caption"] for t in tables])
    about = {"Kommun": kommun, **settings}
    return write_tables(tables, path, names=names, about=about, descriptions=described)


def report_html(
    kommun: str, pages: Sequence[tuple[str, str]], *, settings: Mapping[str, str] = {}
) -> str:
    """One printable HTML document of a kommun's pages: a front page, then a page per step."""
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in settings.items()
    )
    contents = "".join(f"<li>{html.escape(title)}</li>" for title, _ in pages)
    front = (
        '<section class="framsida">'
        f"<h1>Jämställdhetsintegrerad analys av ISU: {html.escape(kommun)}</h1>"
        f"<p>Rapporten innehåller:</p><ol>{contents}</ol>"
        f"<table>{rows}</table><p>{html.escape(FOOTER)}</p></section>"
    )
    sections = "".join(f'<section class="sida">{body}</section>' for _, body in pages)
    style = PRINT_STYLE % {"kommun": html.escape(kommun).replace('"', "'")}
    return (
        f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{html.escape(kommun)}</title><style>{style}</style></head>"
        f"<body>{front}{sections}</body></html>"
    )


def write_pdf(
    kommun: str,
    pages: Sequence[tuple[str, str]],
    path: Path,
    *,
    settings: Mapping[str, str] = {},
) -> Path:
    """Write a kommun's pages as one PDF, fonts and charts embedded (weasyprint).

    Raises
    ------
    IsuworkError
        When weasyprint cannot be loaded (it needs the Pango library of the system).
    """
    try:
        # weasyprint loads the system's Pango when imported: only runs that make PDFs pay for
        # it, and a machine without Pango gets a Swedish message instead of an import error
        import weasyprint
    except (ImportError, OSError) as err:
        raise IsuworkError(
            "PDF kunde inte skapas: weasyprint eller systemets Pango-bibliotek saknas "
            f"({err}). Installera dem, till exempel med apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0."
        ) from err
    document = weasyprint.HTML(string=report_html(kommun, pages, settings=settings))
    return write_bytes(document.write_pdf(), path)


def write_bundle(
    kommun: str,
    jobs: Sequence[RenderJob],
    *,
    settings: Mapping[str, str] = {},
    pdf: bool = True,
) -> list[Path]:
    """Write a kommun's Excel workbook, and its PDF, from its executed notebooks.

    Parameters
    ----------
    kommun
        The kommun.
    jobs
        Its pages, in report order; each executed notebook must exist.
    settings
        The run's parameters, shown on the workbook's first sheet and the PDF's front page.
    pdf
        Also write the PDF; without it, an older PDF of the kommun is removed, since it may no
        longer match the pages.

    Returns
    -------
    list of Path
        The files written.
    """
    pages = [(title_of(job.notebook), nbformat.read(job.ipynb_path, as_version=4)) for job in jobs]
    xlsx, document = bundle_paths(kommun, jobs[0].html_path.parent)
    made = {"Gjord": time.strftime("%Y-%m-%d %H:%M"), **settings}  # the run's time, if given
    written = [write_workbook(kommun, pages, xlsx, settings=made)]
    if not pdf:
        document.unlink(missing_ok=True)
        return written
    html_pages = [(title, print_body(nb)) for title, nb in pages]
    return [*written, write_pdf(kommun, html_pages, document, settings=made)]
