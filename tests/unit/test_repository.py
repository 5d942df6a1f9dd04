"""The project's own files: nothing a merge left behind."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: A line git writes around both sides of a conflict (built here so that this file holds none).
CONFLICT_MARKER = re.compile("^(" + "<" * 7 + " |" + "=" * 7 + "$|" + ">" * 7 + " )", re.MULTILINE)


def tracked_text_files() -> list[Path]:
    """Every file git tracks in the project that reads as UTF-8 text."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in listed.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file():
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    files = tracked_text_files()
    assert len(files) > 100  # the listing worked
    marked = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in files
        for text in [path.read_text(encoding="utf-8")]
        for match in CONFLICT_MARKER.finditer(text)
    ]
    assert not marked, f"merge conflict markers left in: {', '.join(marked)}"
