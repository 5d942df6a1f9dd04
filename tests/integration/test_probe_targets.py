"""
The live probe writes only where the verification is about: the destination account's prefixes, as its roles, in its
buckets; every other mapping's identifier is reported not probed, never written under, never a crash.

The verifier's S3 calls all carry ``ExpectedBucketOwner`` set to the destination account, which S3 refuses on a bucket
another account owns (Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition": the request
fails; the stand-in enforces it, devstack/aws_bucket_owner.py): a probe object written in another tenant's bucket could
be neither checked nor deleted. Before, the probe added a step per ``Prefix`` identifier of every mapping: one under a
tenant of another account wrote there as that tenant's role, its check was refused and FAILed the verdict, and its
object stayed; an ``s3a://`` identifier, or a bucket name outside today's naming rules (Amazon S3 User Guide, "Bucket
naming rules"), crashed the task with ``prefix: must start with 's3://'``, its report stuck at ``probe_pending``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY
from airflow_provider_emrfs_xacct.verify import abandon_probe, check_probe_object, probe_key
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    client,
)
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_deferrable import run_trigger
from tests.integration.test_probe_step import add_probe_step
from tests.integration.test_verify import IDENTIFIER, PREFIX, Partner, hand_made_configuration, head, partner, verifier

__all__ = ["partner"]  # the fixture, imported for the tests below

OTHER_ACCOUNT = "333333333333"
OTHER_BUCKET = "third-party-bucket"
OTHER_ROLE_NAME = "tenant-writer"
OTHER_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/{OTHER_ROLE_NAME}"
OTHER_PREFIX = f"s3://{OTHER_BUCKET}/tenant/"


def another_tenant(partner: Partner) -> Any:
    """
    A tenant of another account whose chain works: its bucket, its role (trusting the EMR EC2 role, allowed to write
    there), the EMR EC2 role allowed to assume it. Returns that account's S3 client.
    """
    s3 = client(partner.aws.url, OTHER_ACCOUNT, "s3")
    s3.create_bucket(Bucket=OTHER_BUCKET)
    iam = client(partner.aws.url, OTHER_ACCOUNT, "iam")
    trust = {"Effect": "Allow", "Principal": {"AWS": partner.aws.emr_ec2_role_arn}, "Action": "sts:AssumeRole"}
    iam.create_role(
        RoleName=OTHER_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )
    writes = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{OTHER_BUCKET}", f"arn:aws:s3:::{OTHER_BUCKET}/*"],
    }
    iam.put_role_policy(
        RoleName=OTHER_ROLE_NAME,
        PolicyName="tenant-writes",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [writes]}),
    )
    assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": OTHER_ROLE}
    client(partner.aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName="assume-the-other-tenant",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [assume]}),
    )
    return s3


def two_tenants(partner: Partner) -> str:
    """Mapping 0: partner B's role for its prefix; mapping 1: the other tenant's role for its own bucket."""
    another_tenant(partner)
    return hand_made_configuration(
        partner.aws,
        "two-tenants",
        [
            {"Role": partner.role_arn, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]},
            {"Role": OTHER_ROLE, "IdentifierType": "Prefix", "Identifiers": [OTHER_PREFIX]},
        ],
    )


def left_in_the_other_bucket(partner: Partner) -> list[str]:
    listed = client(partner.aws.url, OTHER_ACCOUNT, "s3").list_objects_v2(Bucket=OTHER_BUCKET)
    return [item["Key"] for item in listed.get("Contents", [])]


def probe_steps(partner: Partner, cluster_id: str) -> list[str]:
    """The URI each step on the cluster wrote (the probe step's last argument)."""
    steps = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    return [step["Config"]["Args"][-1].rsplit(" ", 1)[-1] for step in steps]


def test_the_probe_writes_nothing_under_another_accounts_mapping(partner: Partner) -> None:
    configuration = two_tenants(partner)
    cluster_id = launch_cluster(partner.aws, configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    result, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True), ti)

    assert left_in_the_other_bucket(partner) == []  # nothing written there, so nothing left
    assert [uri.startswith(f"{PREFIX}{PROBE_KEY}/") for uri in probe_steps(partner, cluster_id)] == [True]
    probe = result["probe"]
    assert probe["ok"] is True, probe
    assert set(probe["routes"].values()) == {0}
    [skipped] = probe["not_probed"]
    assert (skipped["identifier"], skipped["mapping"]) == (OTHER_PREFIX, 1)
    assert f"{OTHER_ROLE} is not of the destination account {DESTINATION_ACCOUNT}" in skipped["why"]
    # Mapping 1 is not checked (its role was not read, its prefix not probed): not FAIL, not PASS.
    assert (result["verdict"], result["healthy"]) == ("NOT_CHECKED", True)
    assert any(OTHER_PREFIX in item["what"] and "not written" in item["what"] for item in result["not_checked"])
    assert ti.xcoms["report"] == result


def test_a_probe_with_only_another_accounts_mappings_is_not_run(partner: Partner) -> None:
    another_tenant(partner)
    configuration = hand_made_configuration(
        partner.aws,
        "other-tenant-only",
        [{"Role": OTHER_ROLE, "IdentifierType": "Prefix", "Identifiers": [OTHER_PREFIX]}],
    )
    cluster_id = launch_cluster(partner.aws, configuration)

    result, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True))

    assert probe_steps(partner, cluster_id) == []
    assert left_in_the_other_bucket(partner) == []
    assert result["probe"]["ok"] is None
    assert "nothing to write under" in result["probe"]["skipped"]
    assert [item["identifier"] for item in result["probe"]["not_probed"]] == [OTHER_PREFIX]
    assert result["verdict"] == "NOT_CHECKED"


@pytest.mark.parametrize(
    ("identifier", "problem"),
    [("s3a://other-bucket/x/", "must start with 's3://'"), ("s3://Legacy_Bucket/x", "breaks S3 naming rules")],
    ids=["s3a", "legacy-bucket-name"],
)
def test_an_identifier_the_probe_cannot_write_under_is_not_probed_not_a_crash(
    partner: Partner, identifier: str, problem: str
) -> None:
    """
    The verifier leaves such an identifier's links not checked rather than refusing it; the probe did the same
    with its prefix ``probe_key`` could not parse, and crashed (``InvalidParameterError``, no retries) instead.
    """
    configuration = hand_made_configuration(
        partner.aws,
        "odd-identifier",
        [
            {"Role": partner.role_arn, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]},
            {"Role": partner.role_arn, "IdentifierType": "Prefix", "Identifiers": [identifier]},
        ],
    )
    cluster_id = launch_cluster(partner.aws, configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    result, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True), ti)

    assert result["probe"]["ok"] is True, result["probe"]
    [skipped] = result["probe"]["not_probed"]
    assert (skipped["identifier"], skipped["mapping"]) == (identifier, 1)
    assert problem in skipped["why"]
    assert "prefix:" not in skipped["why"]  # no field the user never gave
    assert result["verdict"] == "NOT_CHECKED"
    assert "probe_pending" not in ti.xcoms["report"]
    assert probe_steps(partner, cluster_id) == [next(iter(result["probe"]["objects"]))]


def test_the_deferred_probe_carries_what_it_did_not_probe_to_its_report(partner: Partner) -> None:
    configuration = two_tenants(partner)
    cluster_id = launch_cluster(partner.aws, configuration)
    operator = verifier(configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    assert list(deferred.value.trigger.serialize()[1]["probe_steps"]) == list(deferred.value.kwargs["uris"])
    assert all(uri.startswith(PREFIX) for uri in deferred.value.kwargs["uris"])
    event = run_trigger(deferred.value.trigger)
    context = {"ti": ti, "task_instance": ti}

    # As dag.test() resumes: the event alone, the rest from XCom.
    result = operator.resume_execution("execute_complete", {"event": event.payload}, context)  # type: ignore[arg-type]

    assert result["probe"]["ok"] is True, result["probe"]
    assert [item["identifier"] for item in result["probe"]["not_probed"]] == [OTHER_PREFIX]
    assert left_in_the_other_bucket(partner) == []


def pinned_hook() -> EmrfsS3Hook:
    """The destination connection's S3 hook with the verifier's owner pin."""
    s3 = EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID)
    s3.expected_bucket_owner = DESTINATION_ACCOUNT
    return s3


def test_a_probe_object_refused_for_the_verifiers_owner_pin_alone_is_not_checked_not_failed(partner: Partner) -> None:
    """
    An object in a bucket another account owns (the verifier no longer writes there; a bucket whose owner changed
    since the chain was read): HeadObject with ExpectedBucketOwner is refused (Amazon S3 User Guide, "Verifying bucket
    ownership with bucket owner condition"), and HeadBucket without it answers: the refusal is the verifier's own
    condition's, and says nothing of the write. Not checked, not FAIL; no delete is sent there.
    """
    other = another_tenant(partner)
    uri = probe_key(OTHER_PREFIX)
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    other.put_object(Bucket=bucket, Key=key, Body=b"emrfs-xacct-probe\n")

    outcome = check_probe_object(pinned_hook(), uri, expected_key_arn=None)

    assert outcome["ok"] is None, outcome
    assert outcome["problems"] == []
    [why] = outcome["not_checked"]
    assert f"ExpectedBucketOwner={DESTINATION_ACCOUNT}" in why
    [left] = outcome["left"]
    assert f"not owned by the destination account {DESTINATION_ACCOUNT}" in left
    assert head(other, uri) is not None  # not deleted: the other account's to delete


def test_an_abandoned_probe_step_in_another_accounts_bucket_says_why_its_object_stays(partner: Partner) -> None:
    """
    The cleanup after a wait cut short (``abandon_probe``, the trigger's kill clean-up too) cannot delete in a bucket
    another account owns, whose requests S3 refuses for the verifier's owner pin: said as such, with whom to ask.
    """
    configuration = two_tenants(partner)
    cluster_id = launch_cluster(partner.aws, configuration)
    uri = probe_key(OTHER_PREFIX)
    step = add_probe_step(partner, cluster_id, uri)  # as an earlier release's probe did

    abandoned = abandon_probe(EmrfsEmrHook(aws_conn_id=EMR_CONN_ID), pinned_hook(), cluster_id, {uri: step["Id"]})

    assert abandoned["steps"][uri]["deleted"] is False
    [problem] = abandoned["problems"]
    assert f"not owned by the destination account {DESTINATION_ACCOUNT}" in problem
    assert "delete it from the bucket owner's account" in problem
    assert head(client(partner.aws.url, OTHER_ACCOUNT, "s3"), uri) is not None
