"""No earlier mapping of another identifier type captures requests a mapping names."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import WARN, Link
from airflow_provider_emrfs_xacct.pure.security_config import cross_type_shadowing


def audit(index: int, mappings: list[Any]) -> list[Link]:
    """Warn for each earlier mapping of another type that captures some of this mapping's requests (first match wins)."""
    return [
        Link(
            index,
            "mapping not captured by another type",
            WARN,
            shadow.message("mappings"),
            fix="put the narrower mapping first, or map both to the same role",
        )
        for shadow in cross_type_shadowing(mappings)
        if shadow.later == index
    ]
