"""The repository itself carries no personal data.

No committed file may hold a string that passes as a valid personnummer of a real person: a
real calendar date (or samordningsnummer day), a correct Luhn check digit, and a serial outside
the test-number range 980–999. The check is written independently of ``isuwork.data.personnummer``.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATTERN = re.compile(r"(?<!\d)(?:19|20)?(\d{6})[-+]?(\d{4})(?!\d)")


def _luhn_ok(ten: str) -> bool:
    total = 0
    for i, ch in enumerate(ten[:9]):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == int(ten[9])


def _real_date(six: str) -> bool:
    yy, mm, dd = int(six[:2]), int(six[2:4]), int(six[4:6])
    if dd > 60:
        dd -= 60
    for century in (1900, 2000):
        try:
            dt.date(century + yy, mm, dd)
            return True
        except ValueError:
            continue
    return False


def looks_like_real_personnummer(text: str) -> list[str]:
    """Return the matches in ``text`` that would pass as a real person's number (masked)."""
    found = []
    for match in PATTERN.finditer(text):
        digits = match.group(1) + match.group(2)
        serial = int(digits[6:9])
        if _real_date(match.group(1)) and _luhn_ok(digits) and not 980 <= serial <= 999:
            found.append(digits[:6] + "-****")
    return found


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("ingen siffra här", 0),
        # built from a real date and a correct check digit, assembled here so no literal exists
        ("x " + "640823" + "-" + "3234" + " y", 1),
        ("640823-3235", 0),  # wrong check digit
        ("640823-9983", 0),  # test-number range (check digit irrelevant)
        ("641323-3234", 0),  # month 13
    ],
)
def test_detector_itself(text, hits):
    assert len(looks_like_real_personnummer(text)) == hits


def test_no_committed_file_holds_a_real_looking_personnummer():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("inte ett git-arkiv")
    offenders = {}
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 20_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:1024] and path.suffix != ".xlsx":
            continue
        texts = [data.decode("utf-8", errors="ignore")]
        if path.suffix == ".xlsx" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                texts = [archive.read(n).decode("utf-8", "ignore") for n in archive.namelist()]
        hits = [h for t in texts for h in looks_like_real_personnummer(t)]
        if hits:
            offenders[str(name.decode())] = hits[:3]
    assert offenders == {}
