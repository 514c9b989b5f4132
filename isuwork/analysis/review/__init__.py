"""Case review (aktgranskning) with a gender lens: drawing the sample and analysing the review.

:mod:`~isuwork.analysis.review.sampling` draws a reproducible sample stratified by kön (and by
verksamhet, insats or any other column), :mod:`~isuwork.analysis.review.findings` compares the
reviewed items by kön with the step-1 machinery. The review book and its key are files of the
data layer (:mod:`isuwork.data.review_book`), the text measures too
(:mod:`isuwork.data.text_measures`).
"""

from isuwork.analysis.review.findings import review_outcomes, review_screening
from isuwork.analysis.review.sampling import Sample, draw_sample

__all__ = ["Sample", "draw_sample", "review_outcomes", "review_screening"]
