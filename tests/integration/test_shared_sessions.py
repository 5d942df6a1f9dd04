"""
A task's hooks of one connection and Region share one session: each role is assumed once per task.

The Amazon provider builds a new session, and on a connection with ``role_arn`` assumes the role again,
for every client it makes (``AwsGenericHook.get_session``); the stand-in's connections assume a role in
each account (``devstack.moto_stack.connection_uri_json``), as cross-account deployments do. Counted
here on the requests botocore sends (``CallRecorder``), not on the code's own bookkeeping.
"""

from __future__ import annotations

import threading
from typing import Any

from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.moto_stack import DESTINATION_CONN_ID, EMR_CONN_ID, REGION, Seeded
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner

ROLE_NAME = "partner-shared-sessions"
PREFIX = "s3://partner-results-b/shared-sessions/"


def verifier(configuration: str) -> VerifyCrossAccountAccessOperator:
    return VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=configuration,
        release_label="emr-6.15.0",
    )


def assumed(calls: CallRecorder) -> list[str]:
    """The roles the recorded ``sts:AssumeRole`` requests asked for, in order."""
    return [params["RoleArn"] for params in calls.params_of("AssumeRole")]


def test_the_verifier_assumes_each_connections_role_once_and_a_second_task_again(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])

    with CallRecorder().everywhere() as calls:
        result, _, _ = run_operator(verifier(configuration))
    assert result["verdict"] == "PASS"
    # IAM, S3, S3 Control, KMS, EMR and STS clients on two connections: seven AssumeRole before.
    first = assumed(calls)
    assert len(first) == 2, first
    assert len(set(first)) == 2  # the EMR account's provisioner role and the destination account's
    assert calls.mutating == []

    with CallRecorder().everywhere() as calls:
        run_operator(verifier(configuration))
    assert sorted(assumed(calls)) == sorted(first)  # each task its own sessions: nothing outlives the task


def sessions_of(hooks: list[EmrfsAwsHook]) -> list[Any]:
    return [hook.get_session(region_name=hook.region_name) for hook in hooks]


def test_sessions_are_shared_only_within_the_scope_one_thread_and_one_region(moto_url: str) -> None:
    def hook(region: str = REGION, conn_id: str = EMR_CONN_ID) -> EmrfsAwsHook:
        return EmrfsAwsHook(aws_conn_id=conn_id, client_type="sts", region_name=region)

    outside = sessions_of([hook(), hook()])
    assert outside[0] is not outside[1]  # as the Amazon provider does

    with shared_sessions():
        iam_side, sts_side = sessions_of([hook(), hook()])
        other_connection = hook(conn_id=DESTINATION_CONN_ID).get_session(region_name=REGION)
        other_region = hook("us-west-2").get_session(region_name="us-west-2")
        with shared_sessions():  # nested: the outer scope's sessions
            nested = hook().get_session(region_name=REGION)
        in_thread: list[Any] = []
        thread = threading.Thread(target=lambda: in_thread.append(hook().get_session(region_name=REGION)))
        thread.start()
        thread.join()

    assert iam_side is sts_side is nested
    assert other_connection is not iam_side
    assert other_region is not iam_side
    assert other_region.region_name == "us-west-2"
    assert in_thread[0] is not iam_side  # boto3 sessions are not shared between threads
    assert hook().get_session(region_name=REGION) is not iam_side  # the scope ended
