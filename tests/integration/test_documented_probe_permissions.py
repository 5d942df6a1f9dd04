"""
A verifier whose connections hold exactly the actions docs/permissions.md lists for it reports a failed probe as it is.

A probe step whose write is refused (a broken trust or grant: the verifier's ordinary FAIL) ends ``FAILED``; the
verifier then cleans up after it (``verify.abandon_probe``), reading its state with ``DescribeStep`` (Amazon EMR API
Reference, "DescribeStep"), which needs ``elasticmapreduce:DescribeStep`` (Service Authorization Reference, "Actions,
resources, and condition keys for Amazon Elastic MapReduce"). When the table left that action out, a connection
granted only what it lists had ``DescribeStep`` refused: the step's state was unknown, ``CancelSteps`` was sent on a
step that had already failed, and the report said the probe "may still write" its object, to be deleted if it
appears. Here each connection's role is allowed the actions of its row of ``VerifyCrossAccountAccessOperator``, read
from the page, and nothing else, with moto's IAM authorization on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from devstack import moto_stack
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    client,
    run_held_probe_steps,
)
from devstack.testing import answer_denials_like_aws, launch_cluster, moto_authorization, run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_permission_tables import documented
from tests.integration.test_refused_reads import sign_as_users
from tests.integration.test_verify import PREFIX, ROLE_NAME, verifier

if TYPE_CHECKING:
    import pytest

    from devstack.moto_stack import Seeded

ROWS = {EMR_ACCOUNT: "EMR", DESTINATION_ACCOUNT: "destination"}


def record_the_connections_refusals(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """
    ``(row, action)`` of each request signed as the connections' role that moto's authorization refuses (the server
    runs in this process); the cluster's roles' requests (the stand-in's run of the step) are left out.
    """
    from moto.iam.access_control import IAMRequestBase

    refused: set[tuple[str, str]] = set()
    check = IAMRequestBase.check_action_permitted

    def recorded(self: Any, resource: str) -> None:
        try:
            check(self, resource)
        except Exception:
            if f":assumed-role/{PROVISIONER_ROLE}/" in str(getattr(self._access_key, "arn", "")):
                refused.add((ROWS.get(self.account_id, self.account_id), self._action))
            raise

    monkeypatch.setattr(IAMRequestBase, "check_action_permitted", recorded)
    return refused


def allow_only_the_documented_actions(aws: Seeded) -> None:
    """Each connection's role may do the actions of its ``VerifyCrossAccountAccessOperator`` row, and nothing else."""
    rows = documented()["VerifyCrossAccountAccessOperator"]
    for account, row in ROWS.items():
        statement = {"Effect": "Allow", "Action": sorted(rows[row]), "Resource": "*"}
        client(aws.url, account, "iam").put_role_policy(
            RoleName=PROVISIONER_ROLE,
            PolicyName="verifier",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )


def test_a_refused_probe_write_is_reported_failed_with_only_the_documented_permissions(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_denials_like_aws(monkeypatch)
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch, set_up_allowed=True)  # moto's authorization checks only the keys it issued
    provision_partner(aws, ROLE_NAME, PREFIX)  # authorization off: the set-up is not the verifier's
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    cluster_id = launch_cluster(aws, configuration)
    allow_only_the_documented_actions(aws)
    operator = verifier(configuration, cluster_id=cluster_id, probe=True, second_opinion=False, fail_on_broken=False)
    start_probe = operator._start_probe

    def break_then_run(name: str | None, prefixes: list[str]) -> dict[str, str]:
        steps = start_probe(name, prefixes)  # added, held PENDING
        # Between the verifier's reads and its step, as a concurrent revoke would: the EMR EC2 role may no longer
        # assume the destination role, so the probe's write is refused and its step FAILS. The test's request and
        # the stand-in's run of the step (its judge reads as the connections' role, devstack/emrfs_writer.py) are
        # not the verifier's: unchecked.
        moto_authorization(aws.url, "inf")
        client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
        assert run_held_probe_steps() == list(steps)
        moto_authorization(aws.url, "0")
        return steps

    operator._start_probe = break_then_run  # type: ignore[method-assign]
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)
    moto_authorization(aws.url, "0")
    try:
        result, recorder, _ = run_operator(operator)
    finally:
        moto_authorization(aws.url, "inf")

    probe: dict[str, Any] = result["probe"]
    assert probe["ok"] is False, probe
    assert "FAILED" in probe["problems"][0], probe["problems"]
    assert "AssumeRole" in probe["problems"][0], probe["problems"]  # refused for the broken grant, nothing else
    [abandoned] = probe["abandoned"].values()
    assert (abandoned["state"], abandoned["may_still_write"]) == ("FAILED", False), probe
    assert not [problem for problem in probe["problems"] if "delete it if it appears" in problem], probe["problems"]
    assert "DescribeStep" in recorder.of("emr")
    assert "CancelSteps" not in recorder.of("emr")  # a step that ended is not cancelled
    assert not refused, f"refused to the verifier's connections, with the documented actions: {sorted(refused)}"
