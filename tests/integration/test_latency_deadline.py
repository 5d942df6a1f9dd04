"""
Every read-modify-write converges at real AWS round trips, with the protocol's default settle wait.

IAM has one endpoint for the ``aws`` partition, in us-east-1 (IAM User Guide, "AWS Identity and Access
Management endpoints and quotas"), so a worker in eu-west-1 or ap-southeast-2 pays about 80 to 250 ms
per IAM request. A write is dropped when sent later than half the settle wait (0.5 s by default) after
the read it is based on (``pure/converge.py``): only that read's own requests may come between them.
The fault proxy adds ``LATENCY`` to every request; each test gives the protocol a short consistency
wait (the budget for writes dropped as late), so that a write that can never be sent in time fails in
seconds instead of minutes. docs/scale.md, "Deadlines at real round trips", has the figure per shape.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from tests.conftest import run_operator
from tests.integration.test_faults import through
from tests.integration.test_scale import FULL, SPILL_2, SPILL_ARN, attach, fill_inline, granted, partners

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

#: Per request, as from eu-west-1 or further to IAM in us-east-1.
LATENCY = 0.15
#: The default settle wait (1 s, a 0.5 s deadline); a budget of a few seconds for writes dropped as late.
SETTINGS = ConvergeSettings(consistency_wait_seconds=3.0)


def spilled_with_versions(aws: Seeded, versions: int) -> tuple[object, list[str]]:
    """The EMR EC2 role's inline policy full, and one spill policy of ``versions`` versions; its partners."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    spilled = partners(FULL, versions)
    for arn in spilled:  # the first creates the spill policy, each next one adds a version
        run_operator(attach(destination_role_arns=[arn]))
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) == versions
    return iam, spilled


def test_spill_policy_deleted_at_real_round_trips(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Revoking the last grant of a spill policy of three versions: the tag, attachment and version requests
    come before the read, and only the detach counts against the deadline (it used to come after five
    other requests, and the delete was dropped and tried again until the budget ran out).
    """
    iam, spilled = spilled_with_versions(aws, 3)
    proxy = FaultProxy(aws.url, latency_seconds=LATENCY)
    with through(proxy, aws, monkeypatch):
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).revoke_assume_role(EMR_EC2_ROLE, spilled, settings=SETTINGS)

    assert SPILL_2 not in granted(iam)
    assert SPILL_ARN not in [policy["Arn"] for policy in iam.list_policies(Scope="Local")["Policies"]]
    assert proxy.requests["DetachRolePolicy"] == 1, proxy.requests


def test_spill_version_at_five_made_at_real_round_trips(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    A grant into a spill policy of five versions: the room (``ListPolicyVersions``, ``DeletePolicyVersion``)
    is made before the read, so ``CreatePolicyVersion`` follows the read's two requests alone.
    """
    iam, spilled = spilled_with_versions(aws, 5)
    newcomer = partners(FULL + 5, 1)[0]
    proxy = FaultProxy(aws.url, latency_seconds=LATENCY)
    with through(proxy, aws, monkeypatch):
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_assume_role_policy(EMR_EC2_ROLE, [newcomer], settings=SETTINGS)

    assert {*spilled, newcomer} <= granted(iam)[SPILL_2]
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) == 5
    assert proxy.requests["CreatePolicyVersion"] == 1, proxy.requests


def test_inline_policy_beside_others_written_on_its_first_read(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    The EMR EC2 role's bucket-access policy (option a), beside the role's other inline policy: the sizes of
    the others are read before the write's read, not between it and ``PutRolePolicy``.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    extra = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="extra-deny", PolicyDocument=json.dumps(extra))
    proxy = FaultProxy(aws.url, latency_seconds=LATENCY)
    with through(proxy, aws, monkeypatch):
        changes = EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(
            EMR_EC2_ROLE, [S3Location(BUCKET, "exports/latency/")], [], settings=SETTINGS
        )

    assert changes
    assert proxy.requests["PutRolePolicy"] == 1, proxy.requests


def test_trust_key_and_bucket_policies_hold_at_real_round_trips(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trust policy, a key policy and a bucket policy: one read, then the write, each well within the deadline."""
    emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    # IAM refuses a trust policy naming a role that does not exist ("Invalid principal in policy").
    create_principals(aws.url, f"arn:aws:iam::{EMR_ACCOUNT}:role/other")
    proxy = FaultProxy(aws.url, latency_seconds=LATENCY)
    with through(proxy, aws, monkeypatch):
        _arn, trust = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            "latency-writer", [emr_role], settings=SETTINGS
        )
        _arn, trust_update = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            "latency-writer", [emr_role, f"arn:aws:iam::{EMR_ACCOUNT}:role/other"], settings=SETTINGS
        )
        key = EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/latency-writer"], settings=SETTINGS
        )
        bucket = EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID).ensure_bucket_access(
            BUCKET, [S3Location(BUCKET, "exports/latency/")], [emr_role], settings=SETTINGS
        )

    assert trust
    assert trust_update
    assert key
    assert bucket
    assert proxy.requests["UpdateAssumeRolePolicy"] == 1, proxy.requests
    assert proxy.requests["PutKeyPolicy"] == 1, proxy.requests
    assert proxy.requests["s3 PUT"] == 1, proxy.requests


#: Per request, as from the farthest Regions to IAM in us-east-1 (with the stand-in's own time per request,
#: about 0.35 s): two requests between a read's start and its write no longer fit in the 0.5 s deadline.
FAR_LATENCY = 0.3


def test_spill_writes_hold_from_the_farthest_regions_on_the_version_read_once(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A new spill version and a spill delete at ``FAR_LATENCY``: the first write, two requests after its read's
    start, is dropped as late; the read again finds the same default version, whose document never changes
    (IAM User Guide, "Versioning IAM policies"), and sends ``GetPolicy`` alone, so the write is in time.
    Without the kept document every read takes two requests, and each write is dropped until the budget ends.
    """
    iam, spilled = spilled_with_versions(aws, 3)
    newcomer = partners(FULL + 5, 1)[0]
    proxy = FaultProxy(aws.url, latency_seconds=FAR_LATENCY)
    with through(proxy, aws, monkeypatch):
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        hook.ensure_assume_role_policy(EMR_EC2_ROLE, [newcomer], settings=SETTINGS)
        assert {*spilled, newcomer} <= granted(iam)[SPILL_2]
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).revoke_assume_role(EMR_EC2_ROLE, [*spilled, newcomer], settings=SETTINGS)

    assert SPILL_2 not in granted(iam)
    assert SPILL_ARN not in [policy["Arn"] for policy in iam.list_policies(Scope="Local")["Policies"]]
    assert proxy.requests["CreatePolicyVersion"] == 1, proxy.requests
    assert proxy.requests["DetachRolePolicy"] == 1, proxy.requests
