"""The package as users install it: a wheel, in a fresh environment, outside the repository.

The wheel is built from the source distribution (as pip builds it from the package index),
installed with its dependencies into a new virtual environment, and run from an empty folder
with a clean environment, so that nothing of the repository can be found: the demo reads the
sample data that comes with the wheel, and ``isuwork render`` renders a kommun's report from the
notebooks that come with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-4000:])
    return result.stdout


@pytest.mark.slow
def test_wheel_installs_and_renders_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        cwd=ROOT,
        env=dict(os.environ),
    )
    (wheel,) = dist.glob("isuwork-*.whl")

    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": "/usr/bin:/bin",
        "MPLBACKEND": "Agg",
        # the machine's pip settings (an index on disk, certificates) but nothing of this venv
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
    }
    try:
        _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=clean)
        work = tmp_path / "work"
        work.mkdir()
        where = _run(
            [str(python), "-c", "import isuwork, sys; print(isuwork.__file__)"],
            cwd=work,
            env=clean,
        )
        assert Path(where.strip()).is_relative_to(env_dir), where
        assert not Path(where.strip()).is_relative_to(ROOT)

        isuwork = str(env_dir / "bin" / "isuwork")
        demo = _run([isuwork, "demo", "--utan-rapporter"], cwd=work, env=clean)
        assert "Rader som används: 12\u00a0000" in demo
        sample = _run(
            [str(python), "-c", "from isuwork.data.sample import sample_csv_path as p; print(p())"],
            cwd=work,
            env=clean,
        ).strip()
        assert Path(sample).is_relative_to(env_dir)
        out = _run(
            [isuwork, "render", sample, "--kommun", "Exempelby", "--out", "rapporter"],
            cwd=work,
            env=clean,
        )
        assert "4 rapportsidor skrevs" in out, out
        pages = sorted((work / "rapporter" / "exempelby").glob("*.html"))
        assert [p.name for p in pages] == [
            "01_vad_ser_vi.html",
            "02_vi_reflekterar.html",
            "03_slutsatser.html",
            "04_gora_annorlunda.html",
        ]
        step1 = pages[0].read_text(encoding="utf-8")
        assert "De största skillnaderna" in step1 and "<img" in step1
        assert "Traceback" not in step1
    finally:
        shutil.rmtree(env_dir, ignore_errors=True)
