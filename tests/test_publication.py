"""Counts published together: what another part of the publication settles is taken as given."""

from __future__ import annotations

from isuwork.privacy.publication import Publication


def _groups(min_n: int = 5) -> Publication:
    """Two groups of a total; group b has one case set aside in a step (9 remain)."""
    pub = Publication(min_n=min_n)
    pub.add("total", 30)
    pub.add("a", 20)
    pub.add("b", 10)
    pub.add_sum(["a", "b"], "total")
    pub.add("set_aside", 1, share_of="b")
    pub.add("remaining", 9)
    pub.add_sum(["remaining", "set_aside"], "b")
    return pub


def test_alone_the_remaining_cases_are_hidden_with_the_small_count():
    shown = _groups().protect()
    assert shown.count("set_aside") is None and shown.count("remaining") is None
    assert shown.shows("total", "a", "b")


def test_a_count_shown_elsewhere_stays_and_others_are_hidden_instead():
    """When another part of the page shows the remaining 9, hiding them protects nothing: the
    group's 10 must go, and then one more of the sum it is in (else 30 − 20 gives it back)."""
    pub = _groups()
    pub.given("remaining", shown=True)
    shown = pub.protect()
    assert shown.count("remaining") == 9
    assert shown.count("set_aside") is None and shown.count("b") is None
    assert not shown.shows("total", "a")


def test_a_count_hidden_elsewhere_is_hidden_here_and_protected():
    pub = _groups()
    pub.given("a", shown=False)
    shown = pub.protect()
    assert shown.count("a") is None
    # a + b = total: with both b and the total shown, a would follow by subtraction
    assert not shown.shows("b", "total")


def test_a_count_given_but_never_registered_is_ignored():
    pub = _groups()
    pub.given("not registered", shown=True)
    assert pub.protect().hidden == _groups().protect().hidden
