"""
What a user installing the wheel gets: the command line's help, flags and version, and the build's manifest.

The wheel holds only the ``airflow_provider_emrfs_xacct`` packages (setup.cfg); ``devstack/``,
``examples/``, ``dags/`` and ``docs/`` are in the source distribution only (MANIFEST.in).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_the_manifest_includes_exists() -> None:
    """A pattern matching nothing is a warning in every build, and a file the source distribution misses."""
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if words and words[0] in ("include", "graft"):
            for pattern in words[1:]:
                assert list(ROOT.glob(pattern)), f"MANIFEST.in: {line!r}: no {pattern}"
