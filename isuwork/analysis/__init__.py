"""The analysis layer: statistics for the four steps, returned as protected results.

Intervals and tests (``stats``), the step-1 comparisons (``compare``, ``screening``,
``units``) built on group summaries (``summaries``, ``outcomes``), and the criteria check for
unmotivated differences (``criteria``). Every table leaves through the privacy layer.
"""
