"""
``sessions_may_last_until``: when EMRFS's sessions of the revoked role, assumed before the revoke, may last until.

``access_ended`` true means no NEW session can be assumed once IAM applies the change; sessions already assumed keep
the role's permissions: temporary credentials "are valid until they expire" (IAM User Guide, "Disabling permissions
for temporary security credentials"). EMRFS assumes the role with the instance profile's session credentials, role
chaining, which limits its session to one hour (IAM User Guide, "Methods to assume a role"; AWS STS API Reference,
"AssumeRole", ``DurationSeconds``). So the result says until when: an hour after this run's last write; ``None`` when
this run wrote nothing that narrows the access (a dry run, a rerun finding it done).
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from devstack.testing import ROOT, run_operator
from tests.integration.test_revoke import PARTNER_1, revoker, two_partners

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

__all__ = ["two_partners"]  # the fixture, imported for the tests below

HOUR = timedelta(hours=1)


def parsed(value: str) -> datetime:
    """An ISO-8601 UTC time as the result gives it (``...Z``)."""
    assert value.endswith("Z"), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("options", [{}, {"remove_destination_trust": False}, {"delete_destination_role": True}])
def test_sessions_may_last_an_hour_after_the_writes_and_a_rerun_says_null(
    aws: Seeded, two_partners: str, options: dict[str, bool]
) -> None:
    revoke = {"security_configuration": two_partners, "name_prefix": "emrfs-xacct", **options}
    planned = run_operator(revoker(aws, PARTNER_1, dry_run=True, **revoke))[0]
    assert planned["plan"] != []
    assert planned["sessions_may_last_until"] is None  # nothing written: no session to wait for

    before = datetime.now(timezone.utc).replace(microsecond=0)
    first = run_operator(revoker(aws, PARTNER_1, **revoke))[0]
    after = datetime.now(timezone.utc)
    assert first["access_ended"] is True
    until = parsed(first["sessions_may_last_until"])
    assert before + HOUR <= until <= after + HOUR + timedelta(seconds=2)

    again = run_operator(revoker(aws, PARTNER_1, **revoke))[0]
    assert again["plan"] == []
    assert again["access_ended"] is True
    assert again["sessions_may_last_until"] is None  # the first run's time holds


def test_the_cleanup_keeps_two_days_by_default_as_in_the_example_dag() -> None:
    """Above a daily pipeline's interval between launches (docs/howto/revoke.md): a late launch finds its own."""
    two_days = 2 * 24 * 60 * 60
    assert DeleteUnusedSecurityConfigsOperator(task_id="cleanup", name_prefix="x").min_age_seconds == two_days
    spec = importlib.util.spec_from_file_location("offboard_dag", ROOT / "dags" / "emrfs_xacct_offboard_partner.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    task = module.dag.get_task("delete_unused_security_configurations")
    assert task.min_age_seconds == two_days
