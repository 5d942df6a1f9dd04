"""
A grant and a revoke of one partner, serialised (one after the other, each finished), while reads lag behind writes.

``docs/safety.md`` ("A grant and a revoke of the same partner at once"): with the revoke in the same one-slot pool
as the grants, the later of the two wins while reads lag less than ``settle_seconds``. IAM, KMS and bucket
policies are eventually consistent, and AWS gives no bound (IAM User Guide, "Troubleshoot IAM", "Changes that I
make are not always immediately visible": a change "must be replicated across IAM, which can take some time";
AWS KMS Developer Guide, "AWS KMS eventual consistency"; S3 User Guide, "Amazon S3 data consistency model":
"Bucket configurations have an eventual consistency model"). What is relied on is only what those pages allow:
a read made a while after a write may still answer the document as it was before it, and a delete is a write
like any other (a read just after ``DeleteRolePolicy`` may still show the policy; one just after a
``PutRolePolicy`` that re-creates it may still say ``NoSuchEntity``).

The grant's path and the revoke's differ (``pure/converge.py``): the revoke removes, a removal that empties the
EMR EC2 role's assume-role policy is a ``DeleteRolePolicy`` (and one that empties a bucket policy a
``DeleteBucketPolicy``), and a delete, like an update, is taken as held after one read-back that shows it. The
next writer's first read comes at least a settle wait after the previous writer's last write, so with reads
lagging less than that it shows that write, delete included.

The lag is played by :class:`IndependentReplicas`, a ``devstack/fault_proxy.py`` ``FaultProxy`` (with AWS's
50-100 ms round trip, as in ``tests/integration/test_stale_reads.py``) whose every read of a key policy, inline
role policy, bucket policy or role trust policy is answered by a replica of its own, lagging 0.5-0.9 s drawn anew
for each read (reads may go back in time): a deleted inline or bucket policy is still answered within the lag,
one re-created after a delete is answered missing, and trust policies lag too. That is the model the claim is
about ("even from replicas that lag independently", ``pure/converge.py``). The proxy's own one lagging replica
cannot play what matters here: its reads never go back in time (a delete included), so it keeps serialised writers
whole whatever the lag, since a writer stops only on a read that shows its change and every later read shows it
too (``docs/safety.md``). Both answer a document missing, or one moto no longer has, with the same
``fault_proxy.replica_answer``.

The writers run one after the other in one thread with ``settle_seconds`` 1, the way a pool of one slot runs
them. The grant's writers include ``EnsureDestinationRoleOperator``, whose trust policy the revoke rewrites: the
example DAGs give it the pool too (``tests/dags/test_example_dag.py``), and the trust is checked after each writer
here like the other documents. The stand-in's judge (``devstack/aws_judge.py``, independent of the provider's evaluator) decides
whether the EMR EC2 role may assume the partner's role (and, for option (a), write under the prefix), from the
documents as moto holds them. In these runs no read at all falls within the lag of the write before it (the
fixture prints the count): the grant and the revoke also touch their documents in the same order, so between
one writer's write of a document and the next writer's read of it lies the rest of a chain.

Breaks seen, in scratch copies of this file: with reads lagging 0-4 s (past the settle wait, replicas drawn
unseeded), the bucket test lost the later writer's change in 3 of 6 runs (a revoke that planned nothing, a grant
the judge denies), and every run of the last-partner test deleted the assume-role policy more than twice; with
``settle_seconds`` 0 both delete counts fail; with ``read_modify_write`` taking each write as held at once (no
settle wait, no read-back), the bucket test's revoke planned nothing in 3 of 3 runs, and with reads lagging 0-4 s
as well both chain tests lost a change in 4 of 4 runs (the judge denying the re-granted partner, a revoke
leaving the key policy). The chain tests did not fail on reads lagging 0-8 s (seeded) nor with the read-back
removed at 0.5-0.9 s: the rest of the chain outlasts those lags.
"""

from __future__ import annotations

import json
import random
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.sax.saxutils import unescape

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import granted_locations, principal_sids
from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT, TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.fault_proxy import FaultProxy, replica_answer
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    client,
)
from devstack.testing import run_operator
from tests.conftest import use_connections
from tests.integration.partners import provision_partner, role_arn
from tests.integration.state import changes, snapshot
from tests.integration.test_revoke import (
    assumable,
    assume_policy,
    key_policy,
    key_users,
    may_assume,
    revoker,
    seeded_emr_policy,
    trust_policy,
)

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The settle wait of every operator here (the default).
SETTLE = 1.0
#: AWS's round trip, as in test_stale_reads.py.
LATENCY_RANGE = (0.05, 0.10)
#: How far behind the writes each read lags, drawn anew for each read: always less than ``SETTLE``.
LAG = (0.5, 0.9)
PARTNER_P, PREFIX_P = "partner-p-writer", "s3://partner-results-b/partner-p/"
PARTNER_Q, PREFIX_Q = "partner-q-writer", "s3://partner-results-b/partner-q/"
_ROLE_TRUST = re.compile(rb"<AssumeRolePolicyDocument>(.*?)</AssumeRolePolicyDocument>", re.DOTALL)
_POLICY_DOCUMENT = re.compile(rb"<PolicyDocument>(.*?)</PolicyDocument>", re.DOTALL)
#: The IAM calls that write or read a role's trust policy.
_TRUST_WRITES = {"CreateRole": "AssumeRolePolicyDocument", "UpdateAssumeRolePolicy": "PolicyDocument"}
_SAME = object()


class IndependentReplicas(FaultProxy):
    """
    A fault proxy whose every read of a shared document comes from a replica of its own, ``lag`` seconds behind.

    Each read of a key policy, inline role policy, bucket policy or role trust policy draws its lag anew,
    uniformly from ``lag``, and is answered with the version in force that long ago, whatever it was:
    a document that existed then and is deleted now is answered as it was (``GetRolePolicy``,
    ``GetBucketPolicy``), one that did not exist then is answered missing (``NoSuchEntity``,
    ``NoSuchBucketPolicy``). The managed-policy reads keep the base proxy's fixed lag (no spill policy here).
    """

    def __init__(self, upstream: str, *, lag: tuple[float, float], seed: int = 0, **kwargs: Any) -> None:
        super().__init__(upstream, stale_read_seconds=lag[1], **kwargs)
        self.lag = lag
        self._draws = random.Random(seed)

    def _document_key(
        self, service: str, operation: str, account: str, form: dict[str, str], body: bytes, path: str
    ) -> tuple[str, ...] | None:
        if service == "iam" and operation in ("GetRole", "DeleteRole", *_TRUST_WRITES):
            return ("iam-trust", account, form.get("RoleName", ""))
        return super()._document_key(service, operation, account, form, body, path)

    def _note_version(
        self, key: tuple[str, ...] | None, operation: str, form: dict[str, str], body: bytes, status: int
    ) -> None:
        if key is None or key[0] != "iam-trust":
            super()._note_version(key, operation, form, body, status)
            return
        if status != 200 or operation == "GetRole":
            return
        document = form.get(_TRUST_WRITES[operation]) if operation in _TRUST_WRITES else None
        with self.lock:
            self._versions.setdefault(key, []).append((time.monotonic(), document))
        self.shared_document_written.set()

    def _stale_answer(
        self, key: tuple[str, ...] | None, operation: str, form: dict[str, str], status: int, answer: bytes
    ) -> tuple[int, bytes] | None:
        if key is None or key[0] == "iam-managed" or status not in (200, 404):
            return super()._stale_answer(key, operation, form, status, answer)
        if operation == "GetKeyPolicy":
            fresh = json.loads(answer).get("Policy") if status == 200 else None
        elif operation in ("GetRolePolicy", "GetRole"):
            match = (_POLICY_DOCUMENT if operation == "GetRolePolicy" else _ROLE_TRUST).search(answer)
            fresh = unquote(unescape(match.group(1).decode())) if status == 200 and match else None
        elif operation == "s3 GET":
            fresh = answer.decode() if status == 200 else None
        else:
            return None  # a write
        document = self._on_a_replica(key, fresh)
        if document is _SAME:
            return None
        stale = self._answer(key, operation, form, document, answer)
        if stale is not None:
            self.stats["stale-read"] += 1
        return stale

    def _on_a_replica(self, key: tuple[str, ...], fresh: str | None) -> Any:
        """The version a replica lagging a lag drawn now has (``_SAME``: the one moto has)."""
        now = time.monotonic()
        with self.lock:
            lag = self._draws.uniform(*self.lag)
            versions = self._versions.setdefault(key, [])
            if not versions:
                versions.append((now, fresh))  # the oldest version known: as moto has it at the first read
                return _SAME
            in_force = [document for when, document in versions if when <= now - lag]
            document = in_force[-1] if in_force else versions[0][1]
        if document is None or fresh is None:
            return _SAME if document is fresh else document
        return _SAME if json.loads(document) == json.loads(fresh) else document

    @staticmethod
    def _answer(
        key: tuple[str, ...], operation: str, form: dict[str, str], document: str | None, answer: bytes
    ) -> tuple[int, bytes] | None:
        """The answer a replica holding ``document`` (``None``: none) gives, in the service's protocol."""
        return replica_answer(key, operation, form, document, answer)


@pytest.fixture
def lagging(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], FaultProxy]]:
    """
    Start the stand-in; return ``lag()``, which points the connections at it (after the test's set-up, which
    went to moto directly) and returns it.
    """
    with IndependentReplicas(moto_stack.url, latency_seconds=LATENCY_RANGE, lag=LAG) as proxy:

        def lag() -> FaultProxy:
            use_connections(monkeypatch, proxy.url)
            return proxy

        yield lag
        # What the run saw: with the writers serialised no read comes within the lag of the write before it.
        print(f"\n{proxy.stats['stale-read']} stale reads of {sum(proxy.requests.values())} requests")


# The writers --------------------------------------------------------------------------------------------


def grant(aws: Seeded, name: str, prefix: str) -> None:
    """The chain's IAM and KMS operators for one partner (as ``provision_partner``), each with the settle wait."""
    for operator in (
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=name,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=SETTLE,
        ),
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=[role_arn(name)],
            settle_seconds=SETTLE,
        ),
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[role_arn(name)],
            settle_seconds=SETTLE,
        ),
    ):
        run_operator(operator)


def revoke(aws: Seeded, name: str) -> list[dict[str, Any]]:
    """RevokePartnerAccessOperator for one partner, with the settle wait; return its plan."""
    result, _, _ = run_operator(revoker(aws, name, settle_seconds=SETTLE))
    return list(result["plan"])


# What the judge and the documents say --------------------------------------------------------------------


def assert_access(aws: Seeded, name: str) -> None:
    """The EMR EC2 role may assume the partner's role, and every document holds the partner."""
    decision = may_assume(aws, name)
    assert decision.allowed, decision.reason
    assert role_arn(name) in (assumable(aws) or [])
    assert role_arn(name) in (key_users(aws) or [])
    [ours] = [statement for statement in trust_policy(aws, name)["Statement"] if statement.get("Sid") == TRUST_SID]
    assert (ours["Effect"], as_list(ours["Principal"]["AWS"])) == ("Allow", [aws.emr_ec2_role_arn])


def assert_ended(aws: Seeded, name: str) -> None:
    """
    The judge denies the EMR EC2 role the partner's role on both sides (its own policies no longer allow it, and
    the role's trust no longer names it), and neither the assume-role policy nor the key users hold the partner.
    """
    decision = may_assume(aws, name)
    assert not decision.allowed, decision.reason
    assert "identity=False" in decision.checks, decision.reason  # the EMR side alone ends it
    assert role_arn(name) not in (assumable(aws) or [])
    assert role_arn(name) not in (key_users(aws) or [])
    assert trust_policy(aws, name) == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}


def planned(plan: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(change["action"], change["resource"]) for change in plan]


# (a) and (b): grant then revoke, revoke then grant, with another partner sharing the documents ------------


def test_grant_then_revoke_ends_the_access_and_revoke_then_grant_restores_it_keeping_the_other_partner(
    aws: Seeded, lagging: Callable[[], FaultProxy]
) -> None:
    provision_partner(aws, PARTNER_Q, PREFIX_Q)  # granted before, without lag
    seeded = seeded_emr_policy(aws)
    lagging()

    grant(aws, PARTNER_P, PREFIX_P)
    assert_access(aws, PARTNER_P)
    assert assumable(aws) == sorted([role_arn(PARTNER_P), role_arn(PARTNER_Q)])
    assert key_users(aws) == sorted([role_arn(PARTNER_P), role_arn(PARTNER_Q)])
    granted = snapshot(aws)

    plan = revoke(aws, PARTNER_P)

    assert [action for action, _ in planned(plan)] == ["update", "update", "update"]  # trust, assume policy, key
    assert_ended(aws, PARTNER_P)
    assert assumable(aws) == [role_arn(PARTNER_Q)]
    assert key_users(aws) == [role_arn(PARTNER_Q)]
    assert may_assume(aws, PARTNER_Q).allowed  # the other partner keeps its access ...
    assert key_policy(aws)["Statement"][:2] == aws.key_policy["Statement"]  # ... and the key's other statements
    assert seeded_emr_policy(aws) == seeded

    grant(aws, PARTNER_P, PREFIX_P)

    assert_access(aws, PARTNER_P)
    assert may_assume(aws, PARTNER_Q).allowed
    assert changes(granted, snapshot(aws)) == {}  # every statement back as the first grant left it


# (c): the last partner: the revoke deletes the assume-role policy ------------------------------------------


def test_the_only_partner_revoked_then_granted_has_access_and_granted_then_revoked_has_none(
    aws: Seeded, lagging: Callable[[], FaultProxy]
) -> None:
    provision_partner(aws, PARTNER_P, PREFIX_P)  # the only partner, granted without lag
    granted = snapshot(aws)
    proxy = lagging()

    plan = revoke(aws, PARTNER_P)

    assert ("delete", f"iam role {EMR_EC2_ROLE} inline policy emrfs-xacct-assume-destination-roles") in planned(plan)
    assert_ended(aws, PARTNER_P)
    assert assume_policy(aws) is None
    assert key_users(aws) is None  # the statement went with its last user

    grant(aws, PARTNER_P, PREFIX_P)  # at once: its first reads come a settle wait after the delete

    assert_access(aws, PARTNER_P)
    assert assumable(aws) == [role_arn(PARTNER_P)]
    assert changes(granted, snapshot(aws)) == {}  # as the grant without lag left it, every statement

    revoke(aws, PARTNER_P)  # right after the grant that re-created the policy

    assert_ended(aws, PARTNER_P)
    assert assume_policy(aws) is None
    # Last, so that a failure above shows first: each delete was seen held by its first read-back (a read-back
    # still showing the deleted policy, within the lag, would have deleted again).
    assert proxy.requests["DeleteRolePolicy"] == 2


# (d): the bucket-policy writers of option (a) ---------------------------------------------------------------

#: The EMR EC2 role's own side of option (a), put directly: the bucket policy alone then decides (cross-account).
EMR_ROLE_S3: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::partner-results-b/*",
        }
    ],
}


def bucket_policy(aws: Seeded) -> dict[str, Any] | None:
    try:
        return json.loads(client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=aws.bucket)["Policy"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        return None


def may_write(aws: Seeded) -> aws_judge.Decision:
    """Whether the EMR EC2 role may write under the granted prefix, as the judge decides."""
    principal = read_principal(aws.url, aws.emr_ec2_role_arn)
    assert principal is not None
    return aws_judge.authorize(
        principal,
        "s3:PutObject",
        f"arn:aws:s3:::{aws.bucket}/exports/part-00000",
        resource_policy=bucket_policy(aws),
        resource_owner=DESTINATION_ACCOUNT,
        resource_policy_name="bucket policy",
    )


def test_bucket_access_granted_revoked_and_granted_again_serialised_the_later_wins(
    aws: Seeded, lagging: Callable[[], FaultProxy]
) -> None:
    """The only principal: its revoke deletes the bucket policy (``DeleteBucketPolicy``), and the grant re-creates it."""
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="judge-own-s3-side", PolicyDocument=json.dumps(EMR_ROLE_S3)
    )
    assert bucket_policy(aws) is None
    assert not may_write(aws).allowed
    proxy = lagging()
    location = S3Location(aws.bucket, "exports/")

    def grant_bucket() -> None:
        run_operator(
            GrantBucketAccessOperator(
                task_id="grant_bucket_access",
                aws_conn_id=DESTINATION_CONN_ID,
                s3_prefixes=[f"s3://{aws.bucket}/exports/"],
                principal_arns=[aws.emr_ec2_role_arn],
                settle_seconds=SETTLE,
            )
        )

    def revoke_bucket() -> list[dict[str, Any]]:
        plan, _, _ = run_operator(
            RevokeBucketAccessOperator(
                task_id="revoke_bucket_access",
                aws_conn_id=DESTINATION_CONN_ID,
                bucket=aws.bucket,
                principal_arns=[aws.emr_ec2_role_arn],
                settle_seconds=SETTLE,
            )
        )
        return list(plan)

    grant_bucket()
    decision = may_write(aws)
    assert decision.allowed, decision.reason
    assert granted_locations(bucket_policy(aws), aws.emr_ec2_role_arn) == {location}
    granted = bucket_policy(aws)

    assert [change["action"] for change in revoke_bucket()] == ["delete"]

    decision = may_write(aws)
    assert not decision.allowed, decision.reason
    assert bucket_policy(aws) is None

    grant_bucket()  # at once

    decision = may_write(aws)
    assert decision.allowed, decision.reason
    assert granted is not None
    assert bucket_policy(aws) == granted
    assert set(principal_sids(aws.emr_ec2_role_arn)) <= {s.get("Sid") for s in granted["Statement"]}
    assert proxy.requests["s3 DELETE"] == 1  # the delete seen held by its first read-back


# The stand-in itself ------------------------------------------------------------------------------------------


def test_independent_replicas_answer_a_delete_a_re_creation_and_a_trust_policy_as_they_were(
    moto_stack: MotoStack, aws: Seeded
) -> None:
    """With every read 0.5 s behind: a deleted inline or bucket policy is still there, a re-created one not yet."""
    with IndependentReplicas(moto_stack.url, lag=(0.5, 0.5)) as proxy:
        iam = client(proxy.url, EMR_ACCOUNT, "iam")
        s3 = client(proxy.url, DESTINATION_ACCOUNT, "s3")
        destination_iam = client(proxy.url, DESTINATION_ACCOUNT, "iam")
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=json.dumps(document))
        bucket: dict[str, Any] = {
            "Version": "2012-10-17",
            "Statement": [{**EMR_ROLE_S3["Statement"][0], "Sid": "Probe", "Principal": {"AWS": aws.emr_ec2_role_arn}}],
        }
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket))
        provision: dict[str, Any] = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        destination_iam.create_role(RoleName="probe-role", AssumeRolePolicyDocument=json.dumps(provision))
        time.sleep(0.6)

        iam.delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")
        s3.delete_bucket_policy(Bucket=aws.bucket)
        trusting = {
            **provision,
            "Statement": [{**provision["Statement"][0], "Principal": {"AWS": aws.emr_ec2_role_arn}}],
        }
        destination_iam.update_assume_role_policy(RoleName="probe-role", PolicyDocument=json.dumps(trusting))

        assert iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")["PolicyDocument"] == document
        assert json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]) == bucket
        assert destination_iam.get_role(RoleName="probe-role")["Role"]["AssumeRolePolicyDocument"] == provision
        time.sleep(0.6)
        iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe", PolicyDocument=json.dumps(document))
        with pytest.raises(ClientError, match="NoSuchEntity"):
            iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket))
        with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
            s3.get_bucket_policy(Bucket=aws.bucket)
        assert destination_iam.get_role(RoleName="probe-role")["Role"]["AssumeRolePolicyDocument"] == trusting
        time.sleep(0.6)
        assert iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="probe")["PolicyDocument"] == document
        assert proxy.stats["stale-read"] == 5
