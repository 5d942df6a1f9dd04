"""
The fields checked only in ``execute``, on the moto server: a cluster id and the name of an existing
security configuration, as EMR constrains them, in every operator that takes one.

* ``TerminateClusterOperator.job_flow_id`` and ``VerifyCrossAccountAccessOperator.cluster_id``: a value of
  another type (what a template rendered as a native object makes of a list or a number) or with
  surrounding whitespace is refused, naming the field, before any call; botocore's
  ``ParamValidationError`` names no field, and a padded id was sent to ``TerminateJobFlows``.
* ``security_configuration`` of the verifier and the revoke names an existing configuration, maybe not made
  by the provider: any name EMR accepts (Amazon EMR API Reference, CreateSecurityConfiguration, ``Name``:
  "Maximum length of 10280", any character but controls) is accepted, as the launch accepts it; so is the
  command line's ``--security-configuration``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster

#: Valid to EMR, refused by the provider's own name pattern before the fix (spaces, a parenthesis).
HAND_MADE_NAME = "Prod EMRFS roles (partner b)"
DEST_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
OTHER_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-c-writer"
# A list holding one malformed id: the teardown takes a list of ids (a mapped launch's output), each checked by its index.
BAD_CLUSTER_IDS = [12345, [" j-1ABCDEFGHIJK"], {"ClusterId": "j-1ABCDEFGHIJK"}, " j-1ABCDEFGHIJK", "j-1ABC\x00"]


def execute_recorded(op: Any) -> tuple[CallRecorder, Any, Exception | None]:
    """Run ``op.execute`` recording every client's calls in the process; return them, the result, the error."""
    ti = RecordingTaskInstance(task_id=op.task_id)
    with CallRecorder().everywhere() as recorder:
        try:
            return recorder, op.execute({"ti": ti, "task_instance": ti}), None
        except Exception as error:
            return recorder, None, error


@pytest.mark.parametrize("value", BAD_CLUSTER_IDS, ids=repr)
def test_a_malformed_cluster_id_is_refused_before_any_call(aws: Seeded, value: Any) -> None:
    cluster = client(aws.url, EMR_ACCOUNT, "emr").run_job_flow(**small_cluster())["JobFlowId"]
    for op, field in (
        (TerminateClusterOperator(task_id="terminate", aws_conn_id=EMR_CONN_ID, job_flow_id=value), "job_flow_id"),
        (
            VerifyCrossAccountAccessOperator(
                task_id="verify",
                aws_conn_id=EMR_CONN_ID,
                destination_aws_conn_id=DESTINATION_CONN_ID,
                security_configuration="emrfs-xacct-partner-0123456789ab",
                cluster_id=value,
                probe=True,
            ),
            "cluster_id",
        ),
    ):
        recorder, _, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), (field, error)
        assert error.field == (f"{field}[0]" if isinstance(value, list) and field == "job_flow_id" else field), error
        assert recorder.calls == [], recorder.calls
    states = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"]
    assert states == "WAITING"  # the one cluster there is still running


def test_a_valid_cluster_id_still_terminates(aws: Seeded) -> None:
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster = emr.run_job_flow(**small_cluster())["JobFlowId"]
    _, _, error = execute_recorded(TerminateClusterOperator(task_id="t", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster))
    assert error is None
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"].startswith("TERMINAT")


@pytest.fixture
def hand_made_configuration(aws: Seeded) -> str:
    """A security configuration made by hand, named as EMR allows but as the provider never names its own."""
    mappings = [
        {"Role": DEST_ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/exports"]},
        {"Role": OTHER_ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-c/exports"]},
    ]
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=HAND_MADE_NAME,
        SecurityConfiguration=json.dumps(
            {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": mappings}}}
        ),
    )
    return HAND_MADE_NAME


def test_the_verifier_checks_a_configuration_of_any_name_emr_accepts(hand_made_configuration: str) -> None:
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=hand_made_configuration,
        release_label="emr-6.15.0",
        fail_on_broken=False,
    )
    recorder, report, error = execute_recorded(verify)
    assert error is None, error
    assert report["security_configuration"] == hand_made_configuration
    assert recorder.mutating == []


def test_the_revoke_rebuilds_a_configuration_of_any_name_emr_accepts(hand_made_configuration: str) -> None:
    revoke = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=DEST_ROLE_ARN,
        security_configuration=hand_made_configuration,
        name_prefix="emrfs-xacct-partner",
        dry_run=True,
    )
    recorder, result, error = execute_recorded(revoke)
    assert error is None, error
    assert recorder.mutating == []
    # Planned: a configuration of the other partner's mapping only.
    assert result["security_configuration"].startswith("emrfs-xacct-partner-"), result


@pytest.mark.parametrize(
    ("name", "accepted"),
    [(HAND_MADE_NAME, True), ("x" * 10280, True), ("x" * 10281, False), (" padded", False), ("tab\x01", False)],
    ids=["spaces", "longest", "too-long", "padded", "control"],
)
def test_the_cli_takes_the_security_configuration_option_as_emr_does(name: str, accepted: bool) -> None:
    """``--security-configuration`` (verify, revoke) names an existing configuration: EMR's rule, as the operators."""
    options = {"emr_role_arn": None, "destination_role_arn": None, "emr_profile": None, "destination_profile": None}
    args = argparse.Namespace(**options, region="us-east-1", endpoint_url=None, security_configuration=name)
    if accepted:
        cli.validate_options(args, {})
    else:
        with pytest.raises(InvalidParameterError) as refusal:
            cli.validate_options(args, {})
        assert refusal.value.field == "--security-configuration"
