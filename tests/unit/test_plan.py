"""Unit tests of plans and their rendering."""

from __future__ import annotations

import json

from airflow_provider_emrfs_xacct.policies.documents import trust_statement
from airflow_provider_emrfs_xacct.policies.merge import upsert_statement
from airflow_provider_emrfs_xacct.policies.plan import CREATE, UPDATE, Change, render_plan

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


class TestRenderPlan:
    def test_empty_plan_says_no_changes(self):
        text = render_plan([])
        assert text.startswith("No changes")
        assert "+" not in text

    def test_lists_each_change_with_its_diff(self):
        changes = [
            Change(CREATE, "iam role partner-a (account 222233334444) trust policy", None, BEFORE),
            Change(UPDATE, "kms key k key policy", {"Effect": "Allow"}, {"Effect": "Deny"}),
        ]
        text = render_plan(changes)
        lines = text.splitlines()
        assert lines[0] == "2 change(s):"
        assert "~ create iam role partner-a (account 222233334444) trust policy" in lines
        assert "~ update kms key k key policy" in lines
        assert any(line.startswith("+") and f'"{EMR_ROLE}"' in line for line in lines)
        assert '-  "Effect": "Allow"' in lines
        assert '+  "Effect": "Deny"' in lines
        assert lines.index("~ create iam role partner-a (account 222233334444) trust policy") < lines.index(
            "~ update kms key k key policy"
        )
        assert "No changes" not in text
