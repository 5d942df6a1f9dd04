"""
The stand-in itself: the fault proxy's lagging replica (``stale_read_seconds``) and its ``consistency_lag``.

The replica is one replica lagging ``stale_read_seconds``: a read is answered with the version in force that long
ago, a delete included (a document deleted then, or not created yet, is answered missing, as the service answers a
missing one), and it never goes back in time. The clock is the proxy's own, set by the test (``FakeClock``); the
requests go to the moto server through the proxy.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure import documents
from devstack import fault_proxy
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client

if TYPE_CHECKING:
    from collections.abc import Iterator

ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"


class FakeClock:
    """The proxy's ``time.monotonic``, set by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def at(self, seconds: float) -> None:
        self.now = 1000.0 + seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(fault_proxy, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


@pytest.fixture
def replica(request: Any, aws: Seeded) -> Iterator[FaultProxy]:
    with FaultProxy(aws.url, stale_read_seconds=request.param) as proxy:
        yield proxy


def policy(*principals: str) -> str:
    return json.dumps(documents.assume_role_policy(list(principals)))


def trust(principal: str, **statement: Any) -> dict[str, Any]:
    """A policy with one statement allowing ``principal`` (``sts:AssumeRole`` unless ``statement`` says else)."""
    allowed = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole", **statement}
    return {"Version": "2012-10-17", "Statement": [allowed]}


def inline(iam: Any) -> str | None:
    """The probe inline policy as the replica answers it (``None``: ``NoSuchEntity``)."""
    try:
        return json.dumps(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")["PolicyDocument"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return None


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_delete_is_answered_missing_for_the_lag_and_reads_never_go_back(
    replica: FaultProxy, clock: FakeClock
) -> None:
    """Put A, delete, put B, put C: read 1.15 s, 1.25 s and 1.35 s later, one replica lagging 1 s answers none, B, C."""
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    a, b, c = (policy(ROLE_ARN.replace(EMR_EC2_ROLE, name)) for name in ("a", "b", "c"))
    clock.at(0.0)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=a)
    clock.at(0.1)
    iam.delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")
    clock.at(0.2)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=b)
    clock.at(0.3)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=c)

    answers = []
    for seconds in (1.15, 1.25, 1.35):
        clock.at(seconds)
        answers.append(inline(iam))

    assert answers == [None, json.dumps(json.loads(b)), json.dumps(json.loads(c))]


@pytest.mark.parametrize("replica", [4.0], indirect=True)
def test_a_deleted_policy_is_still_answered_for_the_lag(replica: FaultProxy, clock: FakeClock) -> None:
    """
    A revoke empties the policy (a delete): its read-back a second later still shows the policy, as one replica
    lagging 4 s has it, so the revoke does not stop there; and once the delete shows, a grant's write stays visible.
    """
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    p, q = policy(ROLE_ARN.replace(EMR_EC2_ROLE, "p")), policy(ROLE_ARN.replace(EMR_EC2_ROLE, "q"))
    clock.at(0.0)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=p)
    clock.at(10.0)
    iam.delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")
    clock.at(11.0)
    assert inline(iam) == json.dumps(json.loads(p))
    clock.at(14.5)
    assert inline(iam) is None
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=q)
    clock.at(16.0)
    assert inline(iam) is None  # the put is not visible yet; the deleted policy never comes back
    clock.at(18.6)
    assert inline(iam) == json.dumps(json.loads(q))


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_bucket_policy_deleted_is_answered_missing_then_still_there(
    replica: FaultProxy, clock: FakeClock, aws: Seeded
) -> None:
    """``NoSuchBucketPolicy`` while the delete is in force at the lag, the policy while moto has none."""
    s3 = client(replica.url, DESTINATION_ACCOUNT, "s3")
    document = trust(ROLE_ARN, Sid="Probe", Action="s3:GetObject", Resource=f"arn:aws:s3:::{aws.bucket}/*")
    clock.at(0.0)
    s3.delete_bucket_policy(Bucket=aws.bucket)
    clock.at(0.1)
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(document))
    clock.at(0.5)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)
    clock.at(1.5)
    s3.delete_bucket_policy(Bucket=aws.bucket)
    clock.at(2.0)
    assert json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]) == document
    clock.at(2.6)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_role_deleted_then_created_again_is_never_answered_as_before_the_delete(
    replica: FaultProxy, clock: FakeClock
) -> None:
    """
    A deleted role cannot be crafted (moto has no role to answer): it is answered missing as moto has it, and then
    the replica answers nothing older, not the trust policy before the delete once the role is back.
    """
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    first, second = json.dumps(trust(f"arn:aws:iam::{EMR_ACCOUNT}:root")), json.dumps(trust(ROLE_ARN))
    clock.at(0.0)
    iam.create_role(RoleName="probe-role", AssumeRolePolicyDocument=first)
    clock.at(10.0)
    iam.delete_role(RoleName="probe-role")
    clock.at(10.5)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="probe-role")
    clock.at(10.6)
    iam.create_role(RoleName="probe-role", AssumeRolePolicyDocument=second)
    clock.at(10.7)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="probe-role")
    clock.at(11.7)
    assert iam.get_role(RoleName="probe-role")["Role"]["AssumeRolePolicyDocument"] == json.loads(second)


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_managed_policy_created_within_the_lag_is_not_there_yet(replica: FaultProxy, clock: FakeClock) -> None:
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    clock.at(0.0)
    arn = iam.create_policy(PolicyName="probe-managed", PolicyDocument=policy(ROLE_ARN))["Policy"]["Arn"]
    clock.at(0.5)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=arn)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.list_policy_versions(PolicyArn=arn)
    clock.at(1.5)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_an_inline_policy_first_put_within_the_lag_is_not_there_yet(replica: FaultProxy, clock: FakeClock) -> None:
    """A write the proxy sees before any read: the replica still has the role without the policy (``NoSuchEntity``)."""
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    clock.at(0.0)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=policy(ROLE_ARN))
    clock.at(0.5)
    assert inline(iam) is None
    clock.at(1.5)
    assert inline(iam) == json.dumps(json.loads(policy(ROLE_ARN)))


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_role_created_within_the_lag_is_not_there_yet(replica: FaultProxy, clock: FakeClock) -> None:
    """
    ``CreateRole`` goes through only for a role that does not exist (IAM API Reference, "CreateRole",
    ``EntityAlreadyExists``: "The request was rejected because it attempted to create a resource that already
    exists"): a replica lagging 1 s answers ``NoSuchEntity`` half a second later.
    """
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    document = trust(ROLE_ARN)
    clock.at(0.0)
    iam.create_role(RoleName="probe-created", AssumeRolePolicyDocument=json.dumps(document))
    clock.at(0.5)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="probe-created")
    clock.at(1.5)
    assert iam.get_role(RoleName="probe-created")["Role"]["AssumeRolePolicyDocument"] == document


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_trust_policy_made_before_the_proxy_and_changed_through_it_is_answered_as_before_for_the_lag(
    replica: FaultProxy, clock: FakeClock, aws: Seeded
) -> None:
    """A role the proxy never saw, its trust changed through it: the replica answers the trust it had, for the lag."""
    before, after = trust(ROLE_ARN), trust(f"arn:aws:iam::{EMR_ACCOUNT}:root")
    client(aws.url, EMR_ACCOUNT, "iam").create_role(RoleName="probe-trust", AssumeRolePolicyDocument=json.dumps(before))
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    clock.at(0.0)
    iam.update_assume_role_policy(RoleName="probe-trust", PolicyDocument=json.dumps(after))
    clock.at(0.5)
    assert iam.get_role(RoleName="probe-trust")["Role"]["AssumeRolePolicyDocument"] == before
    clock.at(1.5)
    assert iam.get_role(RoleName="probe-trust")["Role"]["AssumeRolePolicyDocument"] == after


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_an_inline_policy_put_before_the_proxy_and_deleted_through_it_is_still_answered(
    replica: FaultProxy, clock: FakeClock, aws: Seeded
) -> None:
    """A policy the proxy never saw written, deleted through it: the replica still has it for the lag."""
    document = policy(ROLE_ARN)
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=document
    )
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    clock.at(0.0)
    iam.delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")
    clock.at(0.5)
    assert inline(iam) == json.dumps(json.loads(document))
    clock.at(1.5)
    assert inline(iam) is None


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_a_bucket_policy_put_before_the_proxy_and_deleted_through_it_is_still_answered(
    replica: FaultProxy, clock: FakeClock, aws: Seeded
) -> None:
    """The same for a bucket policy (S3 User Guide, "Amazon S3 data consistency model": "Bucket configurations have an
    eventual consistency model")."""
    document = trust(ROLE_ARN, Sid="Probe", Action="s3:GetObject", Resource=f"arn:aws:s3:::{aws.bucket}/*")
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(document))
    s3 = client(replica.url, DESTINATION_ACCOUNT, "s3")
    clock.at(0.0)
    s3.delete_bucket_policy(Bucket=aws.bucket)
    clock.at(0.5)
    assert json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]) == document
    clock.at(1.5)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)


@pytest.mark.parametrize("replica", [1.0], indirect=True)
def test_one_document_has_one_key_whatever_names_it(replica: FaultProxy, clock: FakeClock, aws: Seeded) -> None:
    """
    IAM role names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``); ``GetKeyPolicy`` and
    ``PutKeyPolicy`` take the key ID or the key ARN (AWS KMS API Reference, "GetKeyPolicy", "PutKeyPolicy", ``KeyId``).
    """
    iam = client(replica.url, EMR_ACCOUNT, "iam")
    kms = client(replica.url, DESTINATION_ACCOUNT, "kms")
    key_id = aws.kms_key_arn.split("key/", 1)[1]
    original = client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    changed = json.loads(original)
    changed["Statement"] += trust(ROLE_ARN, Sid="Probe", Action="kms:Decrypt", Resource="*")["Statement"]
    clock.at(0.0)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=policy(ROLE_ARN))
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=original)
    clock.at(0.1)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(changed))
    clock.at(1.05)

    assert kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == original  # the ARN's write lags too
    # the oldest version: the document as moto had it before the first write the proxy saw (no policy; the key's own)
    assert replica.versions_kept(("iam", EMR_ACCOUNT, EMR_EC2_ROLE.lower(), "probe")) == [None, policy(ROLE_ARN)]
    assert replica.versions_kept(("kms", DESTINATION_ACCOUNT, key_id)) == [original, original, json.dumps(changed)]


def test_a_trust_policy_naming_a_role_just_created_is_refused_and_other_requests_use_no_lag(aws: Seeded) -> None:
    """
    ``consistency_lag``: IAM's form-encoded ``UpdateAssumeRolePolicy`` naming the new role is refused (``Invalid
    principal in policy``); an S3 request naming it, which the proxy does not refuse, uses up none of the lag.
    """
    iam_direct = client(aws.url, EMR_ACCOUNT, "iam")
    iam_direct.create_role(RoleName="probe-trusting", AssumeRolePolicyDocument=json.dumps(trust(ROLE_ARN)))
    with FaultProxy(aws.url, consistency_lag=2) as proxy:
        iam = client(proxy.url, EMR_ACCOUNT, "iam")
        s3 = client(proxy.url, DESTINATION_ACCOUNT, "s3")
        new_arn = iam.create_role(RoleName="probe-new", AssumeRolePolicyDocument=json.dumps(trust(ROLE_ARN)))["Role"][
            "Arn"
        ]
        readers = trust(new_arn, Sid="Probe", Action="s3:GetObject", Resource=f"arn:aws:s3:::{aws.bucket}/*")
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(readers))

        with pytest.raises(ClientError, match="MalformedPolicyDocument"):
            iam.update_assume_role_policy(RoleName="probe-trusting", PolicyDocument=json.dumps(trust(new_arn)))
        with pytest.raises(ClientError, match="NoSuchEntity"):
            iam.get_role(RoleName="probe-new")
        assert iam.get_role(RoleName="probe-new")["Role"]["Arn"] == new_arn

    assert proxy.stats["consistency"] == 2
