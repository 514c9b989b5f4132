"""The run's manifest: which page was made from which inputs, so a re-run redoes only changes.

``manifest.json`` in the report folder has one entry per page: the key of its inputs (see
:meth:`isuwork.render.jobs.RenderJob.key`), whether it was made, and the Swedish message when it
was not; and one per kommun for its Excel workbook and PDF, keyed by its pages' keys. It is rewritten atomically after every page, so a run that is interrupted keeps what
it finished and the next run starts from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isuwork.data.io import write_text
from isuwork.render.jobs import RenderJob

NAME = "manifest.json"


@dataclass
class Manifest:
    """Pages made so far and the keys of their inputs."""

    out_dir: Path
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, out_dir: Path) -> Manifest:
        """Read the folder's manifest (an empty one when there is none or it is unreadable)."""
        path = Path(out_dir) / NAME
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            pages, bundles = dict(saved["pages"]), dict(saved.get("bundles", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pages, bundles = {}, {}
        return cls(out_dir=Path(out_dir), pages=pages, bundles=bundles)

    def _name(self, job: RenderJob) -> str:
        return job.html_path.relative_to(self.out_dir).as_posix()

    def is_current(self, job: RenderJob, key: str) -> bool:
        """True when the page exists and was made from inputs with this key."""
        entry = self.pages.get(self._name(job), {})
        return entry.get("key") == key and entry.get("ok") is True and job.html_path.is_file()

    def record(self, job: RenderJob, key: str, *, error: str | None, seconds: float) -> None:
        """Note a page's outcome and save the manifest."""
        self.pages[self._name(job)] = {
            "kommun": job.kommun,
            "notebook": job.notebook.name,
            "key": key,
            "ok": error is None,
            "message": error,
            "seconds": round(seconds, 2),
        }
        self.save()

    def bundle_ok(self, kommun: str, key: str) -> bool:
        """True when the kommun's workbook and PDF were made from pages with this key."""
        entry = self.bundles.get(kommun, {})
        return entry.get("key") == key and entry.get("ok") is True

    def record_bundle(self, kommun: str, key: str, *, error: str | None) -> None:
        """Note whether a kommun's workbook and PDF were made, and save the manifest."""
        self.bundles[kommun] = {"key": key, "ok": error is None, "message": error}
        self.save()

    def forget_bundle(self, kommun: str) -> None:
        """Forget a kommun's workbook and PDF (a page they come from could not be made)."""
        if self.bundles.pop(kommun, None) is not None:
            self.save()

    def bundle_failures(self) -> dict[str, str]:
        """The kommuner whose workbook and PDF could not be made, with the message why."""
        return {k: e["message"] for k, e in self.bundles.items() if not e.get("ok")}

    def save(self) -> Path:
        """Write the manifest atomically."""
        saved = {"pages": self.pages, "bundles": self.bundles}
        text = json.dumps(saved, ensure_ascii=False, indent=1, sort_keys=True)
        return write_text(text, self.out_dir / NAME)
