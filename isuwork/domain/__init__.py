"""The ground floor: the words of the field that every layer shares.

The variable catalogue (names, labels, types, codes and roles of the ISU schema), the
vocabulary (the compared groups, yes/no, verdicts, kommun slugs), the one selection function
that every entry point filters with, Swedish number formatting, and the files that come with
isuwork. Nothing here reads user data or computes statistics.
"""
