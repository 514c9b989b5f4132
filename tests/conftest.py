"""Shared fixtures: seeded generators, headless matplotlib, figures closed after each test."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    plt.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, the same in every run."""
    return np.random.default_rng(20240101)
