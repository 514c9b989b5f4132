"""The presentation layer: results for people, in Swedish.

Tables in every form people use (``tables``), charts (``plots``), and the sentences that
describe results: the screening list (``screening_text``) and the criteria check
(``criteria_report``, with its JSON form). Nothing here computes statistics.
"""
