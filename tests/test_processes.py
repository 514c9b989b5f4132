"""Functions run in a separate Python process."""

from __future__ import annotations

import numpy as np
import pytest

from isuwork.privacy.processes import Job, JobError


def test_job_returns_what_the_function_returns_here():
    values = np.arange(12.0).reshape(3, 4)
    job = Job("numpy:cumsum", a=values, axis=1)
    np.testing.assert_array_equal(job.result(), np.cumsum(values, axis=1))


def test_failing_job_raises_with_the_error_of_its_process():
    job = Job("numpy:cumsum", a=np.arange(3), axis=5)
    with pytest.raises(JobError, match="AxisError|axis 5"):
        job.result()
