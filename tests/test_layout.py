"""The house rules of the package that a linter does not check.

Modules stay small unless they hold one algorithm; imports inside functions carry their reason;
every part of the package belongs to a layer of the import-linter contract; and the front door
(``import isuwork``, ``isuwork --version`` and ``--help``) loads no statistics stack.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import isuwork

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "isuwork"
MODULES = sorted(PACKAGE.rglob("*.py"))
#: A module may be longer than this only when its docstring says it holds one algorithm.
MAX_LINES = 600


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_are_small_or_hold_one_algorithm(path):
    text = path.read_text(encoding="utf-8")
    if len(text.splitlines()) > MAX_LINES:
        assert "one algorithm" in (ast.get_docstring(ast.parse(text)) or ""), path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_inside_functions_say_why(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    above = lines[inner.lineno - 2].strip()
                    assert above.startswith("#"), (path, inner.lineno, ast.unparse(inner))


def test_every_part_of_the_package_is_in_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    layers = {name for layer in contract["layers"] for name in layer.split("|")}
    parts = {
        f"isuwork.{p.stem if p.is_file() else p.name}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert parts == {name.strip() for name in layers}


def test_the_public_api_resolves():
    for name in isuwork.__all__:
        assert getattr(isuwork, name) is not None, name
    with pytest.raises(AttributeError):
        isuwork.finns_inte  # noqa: B018


@pytest.mark.parametrize(
    "code",
    [
        "import isuwork",
        "import isuwork; isuwork.__version__",
        "from isuwork.cli.main import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass",
        "from isuwork.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    ],
)
def test_the_front_door_loads_no_statistics_stack(code):
    probe = "\nimport sys\nprint(sorted(m for m in ('scipy', 'statsmodels', 'pandas', 'numpy') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code + probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
