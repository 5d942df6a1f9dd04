"""
Plans: what the provider will change, as data, before it changes it.

Pure: standard library only. A dry run stops after the plan; the log shows it as a diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CREATE = "create"
UPDATE = "update"
DELETE = "delete"


@dataclass(frozen=True)
class Change:
    """
    One change to one AWS resource.

    :param action: ``create``, ``update`` or ``delete``.
    :param resource: what changes, e.g. ``iam role partner-a (account 222233334444) trust policy``.
    :param before: the document before (``None`` when created).
    :param after: the document after (``None`` when deleted).
    """

    action: str
    resource: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        """Return the change as plain values for XCom."""
        return {"action": self.action, "resource": self.resource, "before": self.before, "after": self.after}

    def diff(self) -> str:
        """Return a unified diff of the document, before against after."""
        before = _pretty(self.before).splitlines(keepends=True) if self.before is not None else []
        after = _pretty(self.after).splitlines(keepends=True) if self.after is not None else []
        import difflib  # only when a plan is rendered: DAG files import this module on every parse

        return "".join(difflib.unified_diff(before, after, fromfile="before", tofile="after"))


def _pretty(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def render_plan(changes: list[Change]) -> str:
    """Return a readable plan: one header and one diff per change, or a line saying nothing changes."""
    if not changes:
        return "No changes: everything is already in place."
    parts = [f"{len(changes)} change(s):"]
    for change in changes:
        parts.append(f"~ {change.action} {change.resource}\n{change.diff()}")
    return "\n".join(parts)
