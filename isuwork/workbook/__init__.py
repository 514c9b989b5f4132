"""The workbook layer: what the notebooks of the four steps use.

The session (one kommun's data, ``session``), observations moving from step 1 to the criteria
of step 2 and the summary of step 3 (``observations``), the group's journal (``journal``), and
the widgets: journal forms (``forms``) and the step-1 explorer (``explorer``).
"""
