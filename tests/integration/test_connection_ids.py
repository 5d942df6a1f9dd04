"""
Connection ids and the verifier's release label, on the moto server: refused naming the field, before any call.

The Amazon provider reads ``aws_conn_id=None`` (or ``""``) as boto3's default credential chain
(``airflow/providers/amazon/aws/hooks/base_aws.py``, ``AwsGenericHook``: "If this is None or empty then
the default boto3 behaviour is used"): the worker's own credentials, in whatever account they are. For the
destination connection of the verifier and the revoke, ``None`` is refused unless
``expected_destination_account_id`` pins the account (then the pin is checked before anything is read);
``""`` (a template rendered empty) is refused for every connection.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, Seeded
from devstack.testing import CallRecorder, RecordingTaskInstance

DEST_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
CONFIGURATION = "emrfs-xacct-partner-0123456789ab"


def execute_recorded(op: Any) -> tuple[CallRecorder, Exception | None]:
    """Run ``op.execute`` recording every client's calls in the process; return them and the error."""
    ti = RecordingTaskInstance(task_id=op.task_id)
    with CallRecorder().everywhere() as recorder:
        try:
            op.execute({"ti": ti, "task_instance": ti})
        except Exception as error:
            return recorder, error
    return recorder, None


def verifier(**kwargs: Any) -> VerifyCrossAccountAccessOperator:
    arguments = {"destination_aws_conn_id": DESTINATION_CONN_ID, "security_configuration": CONFIGURATION}
    return VerifyCrossAccountAccessOperator(task_id="verify", aws_conn_id=EMR_CONN_ID, **{**arguments, **kwargs})


def revoke(**kwargs: Any) -> RevokePartnerAccessOperator:
    arguments = {"destination_aws_conn_id": DESTINATION_CONN_ID, "destination_role_arn": DEST_ROLE_ARN}
    return RevokePartnerAccessOperator(task_id="revoke", aws_conn_id=EMR_CONN_ID, **{**arguments, **kwargs})


@pytest.mark.parametrize("build", [verifier, revoke], ids=["verify", "revoke"])
@pytest.mark.parametrize("conn_id", [None, "", " aws_destination_account", ["aws_destination_account"]], ids=repr)
def test_a_destination_connection_that_would_act_with_the_workers_credentials_is_refused(
    aws: Seeded, build: Any, conn_id: Any
) -> None:
    recorder, error = execute_recorded(build(destination_aws_conn_id=conn_id))
    assert isinstance(error, InvalidParameterError), error
    assert error.field == "destination_aws_conn_id", error
    assert recorder.calls == [], recorder.calls


def test_with_the_destination_account_pinned_none_is_checked_against_the_pin(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's own credentials (boto3's default chain) act in moto's default account, not the destination.
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "worker")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "worker")
    for build in (verifier, revoke):
        op = build(destination_aws_conn_id=None, expected_destination_account_id=DESTINATION_ACCOUNT)
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), error
        assert error.field == "expected_destination_account_id", error
        assert f"not in account {DESTINATION_ACCOUNT}" in str(error)
        assert recorder.mutating == [], recorder.mutating


@pytest.mark.parametrize("conn_id", ["", "  ", "aws default", 7], ids=repr)
def test_an_empty_or_malformed_aws_conn_id_is_refused_before_any_call(aws: Seeded, conn_id: Any) -> None:
    op = EnsureDestinationRoleOperator(
        task_id="role",
        aws_conn_id=conn_id,
        role_name="partner-b-writer",
        trusted_role_arns=[f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/EMR_EC2_DefaultRole"],
        s3_prefixes=["s3://partner-results-b/exports/"],
    )
    recorder, error = execute_recorded(op)
    assert isinstance(error, InvalidParameterError), error
    assert error.field == "aws_conn_id", error
    assert recorder.calls == [], recorder.calls


@pytest.mark.parametrize("label", ["7.5.0", " emr-7.5.0", "emr-7.5", 7, ["emr-7.5.0"], ""], ids=repr)
def test_the_verifiers_release_label_is_refused_by_the_launchs_rule_before_any_call(aws: Seeded, label: Any) -> None:
    recorder, error = execute_recorded(verifier(release_label=label))
    assert isinstance(error, InvalidParameterError), error
    assert error.field == "release_label", error
    assert recorder.calls == [], recorder.calls

