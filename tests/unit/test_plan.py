"""Unit tests of plans and their rendering."""

from __future__ import annotations

import json

from airflow_provider_emrfs_xacct.pure.documents import trust_statement
from airflow_provider_emrfs_xacct.pure.merge import upsert_statement
from airflow_provider_emrfs_xacct.pure.plan import (
    CREATE,
    DELETE,
    DIFF_INDENT,
    UPDATE,
    Change,
    Summary,
    plan_message,
    render_plan,
)

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
JOB_ROLE = "arn:aws:iam::111111111111:role/JobFlowRole"

BEFORE = upsert_statement(None, trust_statement([EMR_ROLE]))
AFTER = upsert_statement(BEFORE, trust_statement([EMR_ROLE, JOB_ROLE]))


def changed_lines(diff: str, sign: str) -> list[str]:
    return [
        line[1:].strip() for line in diff.splitlines() if line.startswith(sign) and not line.startswith(("+++", "---"))
    ]


class TestChangeDiff:
    def test_update_shows_the_added_line(self):
        diff = Change(UPDATE, "iam role r trust policy", BEFORE, AFTER).diff()
        assert diff.startswith("--- before\n+++ after\n")
        added = changed_lines(diff, "+")
        assert f'"{JOB_ROLE}"' in added
        assert f'"{JOB_ROLE}"' not in changed_lines(diff, "-")
        # Unchanged content is context, not a change.
        assert not any("sts:AssumeRole" in line for line in added + changed_lines(diff, "-"))

    def test_update_shows_a_changed_value_as_removed_and_added(self):
        diff = Change(UPDATE, "r", {"Effect": "Allow"}, {"Effect": "Deny"}).diff()
        assert changed_lines(diff, "-") == ['"Effect": "Allow"']
        assert changed_lines(diff, "+") == ['"Effect": "Deny"']

    def test_create_shows_every_line_added(self):
        diff = Change(CREATE, "r", None, AFTER).diff()
        pretty = json.dumps(AFTER, indent=2, sort_keys=True)
        assert changed_lines(diff, "-") == []
        assert changed_lines(diff, "+") == [line.strip() for line in pretty.splitlines()]

    def test_diff_does_not_depend_on_key_order(self):
        reordered = {key: AFTER[key] for key in reversed(list(AFTER))}
        assert Change(UPDATE, "r", AFTER, reordered).diff() == ""

    def test_to_dict(self):
        change = Change(UPDATE, "r", BEFORE, AFTER)
        assert change.to_dict() == {"action": "update", "resource": "r", "before": BEFORE, "after": AFTER}
        assert json.loads(json.dumps(change.to_dict())) == change.to_dict()


def body_lines(change: Change, sign: str) -> list[str]:
    return [line[1:].strip() for line in change.body() if line.startswith(sign)]


class TestChangeBody:
    """The document's lines as a plan shows them: no diff file headers, ``...`` for what is left out."""

    def test_create_is_every_line_added_without_headers(self):
        body = Change(CREATE, "r", None, AFTER).body()
        pretty = json.dumps(AFTER, indent=2, sort_keys=True).splitlines()
        assert body == [f"+{line}" for line in pretty]

    def test_delete_is_every_line_removed(self):
        body = Change(DELETE, "r", {"Arn": "x"}, None).body()
        assert body == ["-{", '-  "Arn": "x"', "-}"]

    def test_update_shows_the_change_with_context_and_elides_the_rest(self):
        body = Change(UPDATE, "r", BEFORE, AFTER).body()
        assert f'"{JOB_ROLE}"' in body_lines(Change(UPDATE, "r", BEFORE, AFTER), "+")
        assert not any(line.startswith(("---", "+++", "@@")) for line in body)
        # Lines far from the change are left out, marked by "...".
        assert '"Version": "2012-10-17"' not in [line.strip() for line in body]
        assert " ..." in body
        assert len(body) < len(json.dumps(AFTER, indent=2).splitlines())

    def test_small_update_shows_the_whole_document(self):
        body = Change(UPDATE, "r", {"Effect": "Allow"}, {"Effect": "Deny"}).body()
        assert body == [" {", '-  "Effect": "Allow"', '+  "Effect": "Deny"', " }"]


class TestSummary:
    def test_counts_each_action(self):
        changes = [
            Change(CREATE, "a", None, {}),
            Change(CREATE, "b", None, {}),
            Change(UPDATE, "c", {}, {"x": 1}),
        ]
        summary = Summary.of(changes)
        assert summary == Summary(add=2, change=1, destroy=0)
        assert summary.plan_line() == "Plan: 2 to add, 1 to change, 0 to destroy."
        assert summary.applied_line() == "Applied: 2 added, 1 changed, 0 destroyed."
        assert Summary.of([change.to_dict() for change in changes]) == summary

    def test_no_change(self):
        assert Summary.of([]).plan_line() == "No changes."
        assert Summary.of([]).applied_line() == "No changes."

    def test_adds_up(self):
        total = Summary.of([Change(DELETE, "a", {}, None)]) + Summary(1, 2, 3)
        assert total == Summary(1, 2, 4)
        assert total.total == 7


class TestRenderPlan:
    def test_empty_plan_says_no_changes(self):
        assert render_plan([]) == "No changes."
        assert render_plan([], applied=True) == "No changes."
        assert plan_message([], dry_run=True) == "No changes."
        assert plan_message([], dry_run=False) == "No changes."

    def test_marks_each_change_like_terraform(self):
        changes = [
            Change(CREATE, "iam role partner-a (account 222233334444) trust policy", None, BEFORE),
            Change(UPDATE, "kms key k key policy", {"Effect": "Allow"}, {"Effect": "Deny"}),
            Change(DELETE, "iam role old", {"Arn": "x"}, None),
        ]
        text = render_plan(changes)
        lines = text.splitlines()
        headings = [line for line in lines if not line.startswith(DIFF_INDENT) and line]
        assert headings == [
            "+ create iam role partner-a (account 222233334444) trust policy",
            "~ update kms key k key policy",
            "- delete iam role old",
            "Plan: 1 to add, 1 to change, 1 to destroy.",
        ]
        assert lines[-1] == "Plan: 1 to add, 1 to change, 1 to destroy."
        # Each change's diff is indented under it.
        assert f'{DIFF_INDENT}-  "Effect": "Allow"' in lines
        assert f'{DIFF_INDENT}+  "Effect": "Deny"' in lines
        assert any(line.startswith(f"{DIFF_INDENT}+") and f'"{EMR_ROLE}"' in line for line in lines)
        assert lines.index(f'{DIFF_INDENT}+  "Effect": "Deny"') > lines.index("~ update kms key k key policy")
        assert "No changes" not in text

    def test_applied_changes_end_with_what_was_done(self):
        text = render_plan([Change(CREATE, "r", None, {"a": 1})], applied=True)
        assert text.splitlines()[-1] == "Applied: 1 added, 0 changed, 0 destroyed."
        assert "Plan:" not in text

    def test_the_task_log_message_says_whether_anything_changed(self):
        changes = [Change(UPDATE, "r", {"Effect": "Allow"}, {"Effect": "Deny"})]
        planned = plan_message(changes, dry_run=True)
        assert planned.startswith("Dry run, nothing changed. Plan:\n~ update r\n")
        assert planned.endswith("\n\nPlan: 0 to add, 1 to change, 0 to destroy.")
        applied = plan_message(changes, dry_run=False)
        assert applied.startswith("Changes made:\n~ update r\n")
        assert applied.endswith("\n\nApplied: 0 added, 1 changed, 0 destroyed.")


def test_an_update_far_apart_elides_what_lies_between_and_around_with_dots():
    before = {f"k{index:02}": index for index in range(20)}
    after = {**before, "k03": 103, "k19": 119}
    indent = DIFF_INDENT + " "  # a context line: the diff's " " mark, then json.dumps' indentation
    assert [f"{DIFF_INDENT}{line}" for line in Change(UPDATE, "r", before, after).body()] == [
        f"{DIFF_INDENT} ...",  # the opening "{" is left out
        f'{indent}  "k00": 0,',
        f'{indent}  "k01": 1,',
        f'{indent}  "k02": 2,',
        f'{DIFF_INDENT}-  "k03": 3,',
        f'{DIFF_INDENT}+  "k03": 103,',
        f'{indent}  "k04": 4,',
        f'{indent}  "k05": 5,',
        f'{indent}  "k06": 6,',
        f"{DIFF_INDENT} ...",  # k07 to k15
        f'{indent}  "k16": 16,',
        f'{indent}  "k17": 17,',
        f'{indent}  "k18": 18,',
        f'{DIFF_INDENT}-  "k19": 19',
        f'{DIFF_INDENT}+  "k19": 119',
        f"{indent}}}",
    ]
    assert DIFF_INDENT == "    "  # four spaces, as in the plans the docs show


def test_an_update_ending_one_line_before_the_document_does_marks_the_line_left_out():
    before = {f"k{index:02}": index for index in range(20)}
    body = Change(UPDATE, "r", before, {**before, "k16": 116}).body()
    assert body[-2:] == ['   "k19": 19', " ..."]  # three lines of context, then the closing "}" left out


def test_an_empty_summary_counts_nothing():
    # Callers add summaries up from ``Summary()``: it must say "No changes." on its own.
    assert Summary() == Summary.of([]) == Summary(0, 0, 0)
    assert Summary().plan_line() == "No changes."


def test_changes_are_apart_by_a_blank_line():
    text = render_plan([Change(CREATE, "a", None, {"x": 1}), Change(DELETE, "b", {"y": 2}, None)])
    assert f"{DIFF_INDENT}+}}\n\n- delete b\n" in text
