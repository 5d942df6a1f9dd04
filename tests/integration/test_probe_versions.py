"""
The probe leaves nothing in a partner's bucket that keeps object versions: no noncurrent version, no delete marker.

In a bucket whose versioning is enabled or suspended, ``DeleteObject`` without a version id only adds a delete
marker and the data stays as a noncurrent version; with ``VersionId`` it deletes that version, or that marker, for
good (Amazon S3 User Guide, "Deleting object versions from a versioning-enabled bucket"; S3 API Reference,
"DeleteObject"). ``hadoop fs -put`` writes ``<key>._COPYING_`` and renames it (a copy and a delete on S3), so the
temporary key keeps a version and a marker too. moto keeps versions and markers as S3 does in a versioning-enabled
bucket; the versions are read back here with plain boto3, not with the code under test. In a suspended bucket moto's
``DeleteObject`` without a version id drops every version of the key and adds no marker, where S3 removes only the
null version and inserts a delete marker (S3 API Reference, "DeleteObject"): the ``Suspended`` case shows that the
cleanup works there, not that it is needed (the stand-in does not play that yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY
from airflow_provider_emrfs_xacct.verify import PUT_TEMPORARY_SUFFIX, check_probe_object, probe_key
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client
from devstack.testing import launch_cluster, moto_authorization_switch, provisioner_roles, run_operator
from tests.integration.test_verify import PREFIX, head, partner, s3_hook, verifier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["partner"]  # the fixture, imported for the tests below

BODY = b"emrfs-xacct-probe\n"


def versions(s3: Any, bucket: str, prefix: str) -> list[tuple[str, str]]:
    """Every version and delete marker under ``prefix``, as ``(key, "version" or "marker")``."""
    listing = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return sorted(
        [(item["Key"], "version") for item in listing.get("Versions", [])]
        + [(item["Key"], "marker") for item in listing.get("DeleteMarkers", [])]
    )


def put_as_hadoop_does(s3: Any, bucket: str, key: str) -> None:
    """``hadoop fs -put``: PUT ``<key>._COPYING_``, then rename it (CopyObject, DeleteObject)."""
    temporary = key + PUT_TEMPORARY_SUFFIX
    s3.put_object(Bucket=bucket, Key=temporary, Body=BODY)
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": temporary})
    s3.delete_object(Bucket=bucket, Key=temporary)


@pytest.mark.parametrize("status", ["Enabled", "Suspended"])
def test_the_probe_check_deletes_its_versions_and_markers_and_no_other_writers(aws: Seeded, status: str) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    # Another writer's objects: one whose key begins with the probe's, one versioned before the suspension.
    others = [key + "-someone-elses", key.rsplit("/", 1)[0] + "/other"]
    for other in others:
        s3.put_object(Bucket=aws.bucket, Key=other, Body=b"theirs")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": status})
    put_as_hadoop_does(s3, aws.bucket, key)
    prefix = key.rsplit("/", 1)[0] + "/"
    before = versions(s3, aws.bucket, prefix)
    assert (key, "version") in before
    if status == "Enabled":  # the rename's delete left a marker (S3 adds one when suspended too; moto does not)
        assert (key + PUT_TEMPORARY_SUFFIX, "marker") in before

    outcome = check_probe_object(s3_hook(), uri, expected_key_arn=None)

    assert outcome["ok"] is True
    assert outcome.get("left", []) == []
    assert versions(s3, aws.bucket, prefix) == sorted((other, "version") for other in others)


def destination_denied(aws: Seeded, action: str) -> Iterator[Callable[[], None]]:
    """
    The destination connection's role may do everything but ``action``; yield a switch that turns moto's IAM
    authorization on (off again however the test ends). moto asks for ``s3:DeleteObjectVersion`` of a
    ``DeleteObject`` with a version id and ``s3:ListBucketVersions`` of ``ListObjectVersions``, as the Service
    Authorization Reference ("Actions, resources, and condition keys for Amazon S3") does.
    """
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: action})
    yield from moto_authorization_switch(aws.url)


@pytest.fixture
def version_deletes_denied(aws: Seeded) -> Iterator[Callable[[], None]]:
    yield from destination_denied(aws, "s3:DeleteObjectVersion")


@pytest.fixture
def version_listing_denied(aws: Seeded) -> Iterator[Callable[[], None]]:
    yield from destination_denied(aws, "s3:ListBucketVersions")


def test_a_refused_version_listing_says_the_data_stays_and_hides_the_object(
    aws: Seeded, version_listing_denied: Callable[[], None]
) -> None:
    """
    ``ListObjectVersions`` refused (``s3:ListBucketVersions``): the versions cannot be found, so the report says the
    probe's data stays as noncurrent versions and what needs the permission, and the object is hidden behind a delete
    marker (docs/howto/verify.md; docs/permissions.md).
    """
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    put_as_hadoop_does(s3, aws.bucket, key)
    hook = s3_hook()
    assert hook.conn is not None  # its session first (moto checks identity policies of moto-issued credentials)
    version_listing_denied()

    outcome = check_probe_object(hook, uri, expected_key_arn=None)

    left = "\n".join(outcome.get("left", []))
    assert "could not be listed" in left
    assert "s3:ListBucketVersions" in left
    assert f"s3://{aws.bucket}/{key}: hidden behind delete marker" in left
    assert head(s3, uri) is None
    assert outcome["ok"] is True  # the probe's verdict is on its access, not on the cleanup (docs/howto/verify.md)


def test_a_refused_version_delete_is_reported_with_what_stays_and_the_object_is_hidden(
    aws: Seeded, version_deletes_denied: Any
) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    put_as_hadoop_does(s3, aws.bucket, key)
    hook = s3_hook()
    assert hook.conn is not None  # its session first (moto checks identity policies of moto-issued credentials)
    version_deletes_denied()

    outcome = check_probe_object(hook, uri, expected_key_arn=None)

    left = "\n".join(outcome.get("left", []))
    assert f"s3://{aws.bucket}/{key} version " in left
    assert f"s3://{aws.bucket}/{key}{PUT_TEMPORARY_SUFFIX} delete marker " in left
    assert "s3:DeleteObjectVersion" in left
    # The other cause S3 gives for such a refusal, whose fix is no permission (Amazon S3 User Guide, "Locking objects
    # with Object Lock"): said beside it, so a user does not grant s3:DeleteObjectVersion and find the version kept.
    refusals = [line for line in outcome["left"] if "stays: DeleteObject with its VersionId" in line]
    version = next(line for line in refusals if f"{key} version " in line)
    marker = next(line for line in refusals if " delete marker " in line)
    assert "unless an Object Lock retention or legal hold keeps it" in version
    assert "s3:BypassGovernanceRetention" in version
    assert "Object Lock" not in marker  # a delete marker is no Object Lock's to keep
    assert f"s3://{aws.bucket}/{key}: hidden behind delete marker" in left
    assert head(s3, uri) is None  # nobody reads the probe's object as current


def test_an_unversioned_bucket_needs_no_version_calls(aws: Seeded) -> None:
    from devstack.testing import CallRecorder

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    put_as_hadoop_does(s3, aws.bucket, uri.removeprefix(f"s3://{aws.bucket}/"))

    with CallRecorder().everything() as calls:
        outcome = check_probe_object(s3_hook(), uri, expected_key_arn=None)

    assert outcome.get("left", []) == []
    assert head(s3, uri) is None
    assert "ListObjectVersions" not in calls.calls
    assert all("VersionId" not in params for params in calls.params_of("DeleteObject"))


def test_the_verifier_probe_leaves_no_version_in_a_versioned_bucket(partner: Any) -> None:
    """End to end: the stand-in's step writes as EMRFS's ``hadoop fs -put`` does, the verifier cleans up."""
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=partner.aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    cluster_id = launch_cluster(partner.aws, partner.configuration)

    result, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True))

    assert result["probe"]["ok"] is True, result["probe"]
    assert "left" not in result["probe"]
    probe_folder = PREFIX.removeprefix(f"s3://{partner.aws.bucket}/") + PROBE_KEY + "/"
    assert versions(s3, partner.aws.bucket, probe_folder) == []


def test_a_put_cut_short_leaves_no_version_of_its_temporary_key(aws: Seeded) -> None:
    """
    The step's ``hadoop fs -put`` failed mid-way: Hadoop deleted its ``<key>._COPYING_`` without a version id, which
    in a versioned bucket leaves the data as a noncurrent version under a delete marker (Amazon S3 User Guide,
    "Working with delete markers"). Neither key is current, yet the cleanup finds and deletes both by version id,
    and nobody else's key (one beginning like the probe's) is touched.
    """
    from airflow_provider_emrfs_xacct.verify import delete_probe_writes

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    someone_elses = key + PUT_TEMPORARY_SUFFIX + "-theirs"
    s3.put_object(Bucket=aws.bucket, Key=someone_elses, Body=b"theirs")
    s3.put_object(Bucket=aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX, Body=BODY)
    s3.delete_object(Bucket=aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX)  # the FileSystem's deleteOnExit
    assert (key + PUT_TEMPORARY_SUFFIX, "marker") in versions(s3, aws.bucket, key)

    outcome = delete_probe_writes(s3_hook(), aws.bucket, key)

    assert outcome == {"deleted": False, "left": []}
    assert versions(s3, aws.bucket, key) == [(someone_elses, "version")]


def test_a_put_cut_short_with_versions_unlisted_is_reported(
    aws: Seeded, version_listing_denied: Callable[[], None]
) -> None:
    """Neither key current and ``ListObjectVersions`` refused: what may stay is said (``left``), with the error."""
    from airflow_provider_emrfs_xacct.verify import delete_probe_writes

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    s3.put_object(Bucket=aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX, Body=BODY)
    s3.delete_object(Bucket=aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX)
    hook = s3_hook()
    assert hook.conn is not None
    version_listing_denied()

    outcome = delete_probe_writes(hook, aws.bucket, key)

    assert outcome["deleted"] is False
    left = "\n".join(outcome["left"])
    assert f"s3://{aws.bucket}/{key}" in left
    assert "s3:ListBucketVersions" in left


def test_the_abandoned_probe_deletes_the_versions_of_a_put_cut_short(
    partner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``abandon_probe`` (a failed step, a wait run out): the cut-short put's version and marker are deleted."""
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.verify import abandon_probe, probe_step
    from devstack import moto_stack
    from devstack.moto_stack import EMR_CONN_ID, REGION

    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)  # the step stays PENDING: it writes nothing itself

    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_versioning(Bucket=partner.aws.bucket, VersioningConfiguration={"Status": "Enabled"})
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{partner.aws.bucket}/")
    emr = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID, region_name=REGION)
    (step_id,) = emr.conn.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(uri)])["StepIds"]
    s3.put_object(Bucket=partner.aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX, Body=BODY)
    s3.delete_object(Bucket=partner.aws.bucket, Key=key + PUT_TEMPORARY_SUFFIX)

    abandoned = abandon_probe(emr, s3_hook(), cluster_id, {uri: step_id})

    assert abandoned["steps"][uri]["state"] == "CANCELLED", abandoned
    assert versions(s3, partner.aws.bucket, key) == [], abandoned
