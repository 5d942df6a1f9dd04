"""``make demo`` shows what each task's log says about its plan: diffs for the first run, summaries for the second."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.plan import CREATE, UPDATE, Change, plan_message
from devstack.testing import count_changes, show_plans, task_plans

LOGGER = (
    "[airflow.task.operators.airflow_provider_emrfs_xacct.operators.iam.EnsureDestinationRoleOperator] loc=base.py:96"
)
CHANGES = [
    Change(CREATE, "iam role r trust policy", None, {"a": 1}),
    Change(UPDATE, "kms key k key policy", {"b": 1}, {"b": 2}),
]


def airflow_output(*tasks: tuple[str, str]) -> str:
    """What ``airflow dags test`` prints around each task's plan message (structlog's console format)."""
    lines = []
    for task_id, message in tasks:
        lines.append(f"2026-11-29T17:43:42.899868Z [info     ] [DAG TEST] starting task_id={task_id} map_index=-1 [x]")
        lines.append("2026-11-29T17:43:55.710048Z [info     ] AWS Connection credentials retrieved [y] loc=z.py:1")
        lines.append(f"2026-11-29T17:43:57.784953Z [info     ] {message} {LOGGER}")
        lines.append(f"2026-11-29T17:43:57.958488Z [info     ] [DAG TEST] end task task_id={task_id} map_index=-1 [x]")
    return "\n".join(lines) + "\n"


def test_first_run_shows_each_tasks_diffs_and_counts_the_changes() -> None:
    output = airflow_output(
        ("ensure_destination_role", plan_message(CHANGES[:1], dry_run=False)),
        ("grant_kms_key_user", plan_message(CHANGES[1:], dry_run=False)),
    )

    assert [task for task, _ in task_plans(output)] == ["ensure_destination_role", "grant_kms_key_user"]
    assert count_changes(output) == 2
    shown = show_plans(output, diffs=True)
    assert "  ensure_destination_role:\n    + create iam role r trust policy\n        +{" in shown
    assert "    ~ update kms key k key policy" in shown
    assert "    Applied: 1 added, 0 changed, 0 destroyed." in shown
    assert "Changes made:" not in shown


def test_second_run_shows_one_summary_line_per_task() -> None:
    output = airflow_output(("ensure_destination_role", "No changes."), ("grant_kms_key_user", "No changes."))

    assert count_changes(output) == 0
    assert show_plans(output, diffs=False) == (
        "  ensure_destination_role:\n    No changes.\n  grant_kms_key_user:\n    No changes."
    )


def test_a_launch_that_changed_nothing_is_shown_naming_its_cluster() -> None:
    launched = "No changes to the accounts' set-up; cluster j-1 launched for this run (not counted as a change)"
    output = airflow_output(("ensure_destination_role", "No changes."), ("launch_cluster", launched))

    assert count_changes(output) == 0
    assert (
        show_plans(output, diffs=True)
        == f"  ensure_destination_role:\n    No changes.\n  launch_cluster:\n    {launched}"
    )


def test_a_dry_run_is_shown_as_planned_not_applied() -> None:
    output = airflow_output(("ensure_destination_role", plan_message(CHANGES, dry_run=True)))

    assert count_changes(output) == 0
    assert (
        show_plans(output, diffs=False) == "  ensure_destination_role:\n    Plan: 1 to add, 1 to change, 0 to destroy."
    )
