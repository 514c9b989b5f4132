"""Rendering the workbook into one report per kommun.

A regional analyst runs the same parameterised notebooks once per kommun, in batch mode
(``interaktiv=False``, so widgets fall back to ordinary cell outputs): :mod:`~isuwork.render.jobs`
plans the pages, :mod:`~isuwork.render.kernel` executes them on warm kernels,
:mod:`~isuwork.render.page` turns them into offline HTML without code and writes the index,
:mod:`~isuwork.render.manifest` remembers what was made from which inputs, and
:mod:`~isuwork.render.run` ties a run together.
"""

from isuwork.render.jobs import DEFAULT_NOTEBOOKS, RenderJob, plan_jobs, reports_parameters
from isuwork.render.page import notebook_to_html, write_index
from isuwork.render.run import RenderSummary, render_one, render_reports

__all__ = [
    "DEFAULT_NOTEBOOKS",
    "RenderJob",
    "RenderSummary",
    "notebook_to_html",
    "plan_jobs",
    "render_one",
    "render_reports",
    "reports_parameters",
    "write_index",
]
