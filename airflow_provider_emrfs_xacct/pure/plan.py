"""
Plans: what the provider will change, as data, before it changes it.

Pure: standard library only. A dry run stops after the plan. The log shows a plan the way Terraform
does: one line per change marked ``+`` (create), ``~`` (update) or ``-`` (delete), the document's
diff indented under it, and a one-line summary (``Plan: 2 to add, 1 to change, 0 to destroy.``);
an empty plan reads ``No changes.``
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
#: The mark of each action in a rendered plan, as in Terraform's.
SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-"}
#: What an empty plan renders as.
NO_CHANGES = "No changes."
#: Indentation of a document's diff under its change's line.
DIFF_INDENT = "    "


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
        import difflib  # only when a plan is rendered: DAG files import this module on every parse

        return "".join(difflib.unified_diff(_lines(self.before), _lines(self.after), fromfile="before", tofile="after"))

    def heading(self) -> str:
        """Return the change's line in a plan: its mark, action and resource (``+ create iam role r``)."""
        return f"{SYMBOLS.get(self.action, '?')} {self.action} {self.resource}"

    def body(self) -> list[str]:
        """
        Return the document's changed lines, without the diff's file headers.

        A created document is all ``+`` lines, a deleted one all ``-`` lines; an updated one shows
        each changed line with three lines of context, and ``...`` where unchanged lines are left out.
        """
        import difflib  # only when a plan is rendered: DAG files import this module on every parse

        before, after = _lines(self.before), _lines(self.after)
        lines: list[str] = []
        shown_to = 0  # the last line of ``before`` shown so far (1-based)
        for line in difflib.unified_diff(before, after, lineterm="", n=3):
            hunk = _HUNK.match(line)
            if hunk:
                first, count = int(hunk.group(1)), int(hunk.group(2) or 1)
                if before and after and first > shown_to + 1:
                    lines.append(" ...")
                shown_to = first + count - 1 if count else first
            elif not line.startswith(("---", "+++")):
                lines.append(line.rstrip("\n"))
        if before and after and lines and shown_to < len(before):
            lines.append(" ...")
        return lines


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def landing(landed: list[Change], call: Callable[[list[Change]], list[Change]]) -> list[Change]:
    """
    Run ``call``, a call of several writes that appends to ``landed`` the change of each as it lands (what a failure
    part-way through it leaves applied, told in the failure's report), then put the changes it returns in their place
    (a deleted role in place of the deletions of its inline policies, which it names); return those.
    """
    start = len(landed)
    returned = call(landed)
    landed[start:] = returned
    return returned


def _lines(document: Any) -> list[str]:
    if document is None:
        return []
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").splitlines(keepends=True)


@dataclass(frozen=True)
class Summary:
    """How many changes of each kind a plan holds."""

    add: int = 0
    change: int = 0
    destroy: int = 0

    @classmethod
    def of(cls, changes: Iterable[Change | dict[str, Any]]) -> Summary:
        """Count the changes (objects or their :meth:`Change.to_dict` form) by action."""
        actions = [change["action"] if isinstance(change, dict) else change.action for change in changes]
        return cls(actions.count(CREATE), actions.count(UPDATE), actions.count(DELETE))

    def __add__(self, other: Summary) -> Summary:
        return Summary(self.add + other.add, self.change + other.change, self.destroy + other.destroy)

    @property
    def total(self) -> int:
        return self.add + self.change + self.destroy

    def plan_line(self) -> str:
        """``Plan: 2 to add, 1 to change, 0 to destroy.``, or ``No changes.`` when there is none."""
        if not self.total:
            return NO_CHANGES
        return f"Plan: {self.add} to add, {self.change} to change, {self.destroy} to destroy."

    def applied_line(self) -> str:
        """``Applied: 2 added, 1 changed, 0 destroyed.``, or ``No changes.`` when there is none."""
        if not self.total:
            return NO_CHANGES
        return f"Applied: {self.add} added, {self.change} changed, {self.destroy} destroyed."


def render_changes(changes: Iterable[Change]) -> str:
    """Return each change's line with its document's diff indented under it, changes apart by a blank line."""
    blocks = []
    for change in changes:
        body = [f"{DIFF_INDENT}{line}" for line in change.body()]
        blocks.append("\n".join([change.heading(), *body]))
    return "\n\n".join(blocks)


def render_plan(changes: list[Change], *, applied: bool = False) -> str:
    """
    Return a plan people can read, like Terraform's.

    ``No changes.`` when there is nothing to do; otherwise each change (see :func:`render_changes`)
    and the summary line: ``Plan: 1 to add, 1 to change, 0 to destroy.``, or, for changes already
    made (``applied=True``), ``Applied: 1 added, 1 changed, 0 destroyed.``

    :param changes: the plan.
    :param applied: the changes were made (not only planned).
    """
    if not changes:
        return NO_CHANGES
    summary = Summary.of(changes)
    line = summary.applied_line() if applied else summary.plan_line()
    return f"{render_changes(changes)}\n\n{line}"


#: First line of a task's log message about a plan it only planned, and about changes it made.
DRY_RUN_HEADING = "Dry run, nothing changed. Plan:"
APPLIED_HEADING = "Changes made:"


def plan_message(changes: list[Change], *, dry_run: bool) -> str:
    """
    Return what a task logs about its plan: ``No changes.``, or a heading, the changes and the summary.

    :param changes: the plan.
    :param dry_run: the changes were only planned.
    """
    if not changes:
        return NO_CHANGES
    heading = DRY_RUN_HEADING if dry_run else APPLIED_HEADING
    return f"{heading}\n{render_plan(changes, applied=not dry_run)}"
