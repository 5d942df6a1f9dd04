"""
EMRFS's own requests carry no ``aws:SourceArn``, ``aws:SourceAccount``, ``aws:SourceOrgID`` or ``aws:SourceOrgPaths``.

IAM User Guide, "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): "the aws:SourceAccount
condition key is only available when the call to your resource is made directly by an AWS service principal", and each
of these keys' Availability says the same. EMRFS's ``sts:AssumeRole`` is signed by the EMR EC2 role's instance-profile
session and its S3 calls by the destination role's session, neither a service principal: a condition needing one of
them does not hold, a negated or ``...IfExists`` one does ("IAM JSON policy elements: Condition operators": "If the key
that you specify in a policy condition is not present in the request context, the values do not match", and the
``...IfExists`` operators are true on a request without the key). Before, each was "not checked".

The KMS calls S3 makes for SSE-KMS are forward access sessions ("Forward access sessions"), for which AWS does not
document these keys: a key policy's condition on them stays "not checked".
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import OBJECTS_SID
from devstack import aws_judge
from devstack.aws_judge import Principal, authorize
from tests.unit.test_chain import (
    ANY_BUCKET,
    ASSUME,
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_ROLE,
    KEY,
    KMS,
    LOOKUP,
    ROLE,
    WRITE,
    by_name,
    document,
    healthy_state,
)

#: The four keys of a service-to-service request, each with a value a partner might compare it with.
SOURCE_CONDITIONS = {
    "aws:SourceAccount": ("StringEquals", EMR_ACCOUNT),
    "aws:SourceArn": ("ArnLike", f"arn:aws:elasticmapreduce:us-east-1:{EMR_ACCOUNT}:cluster/*"),
    "aws:SourceOrgID": ("StringEquals", "o-exampleorgid"),
    "aws:SourceOrgPaths": ("ForAnyValue:StringLike", "o-exampleorgid/r-ab12/*"),
}
NEGATED = {"StringEquals": "StringNotEquals", "ArnLike": "ArnNotLike", "ForAnyValue:StringLike": "StringNotLike"}


def _trust(state: ChainState) -> dict[str, Any]:
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    return role.trust_policy


def _links(state: ChainState) -> dict[str, Any]:
    return by_name(check_chain(state))


@pytest.mark.parametrize("key", sorted(SOURCE_CONDITIONS))
def test_a_trust_allow_needing_a_source_key_fails_naming_the_condition(key: str) -> None:
    operator, value = SOURCE_CONDITIONS[key]
    state = healthy_state()
    _trust(state)["Statement"][0]["Condition"] = {operator: {key: value}}

    link = _links(state)[ASSUME]

    assert link.status == FAIL, link
    assert key in link.detail
    assert f"the request carries no {key}" in link.detail


@pytest.mark.parametrize("key", sorted(SOURCE_CONDITIONS))
def test_a_trust_deny_with_a_negated_source_key_fails(key: str) -> None:
    """A negated operator on a key the request lacks is true: the Deny applies."""
    operator, value = SOURCE_CONDITIONS[key]
    state = healthy_state()
    _trust(state)["Statement"].append(
        {
            "Sid": "OnlyFromOurService",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {NEGATED[operator]: {key: value}},
        }
    )

    link = _links(state)[ASSUME]

    assert link.status == FAIL, link
    assert "OnlyFromOurService" in link.statement


def test_a_bucket_deny_with_string_not_equals_if_exists_on_source_account_fails() -> None:
    """``...IfExists`` on an absent key is true, so the Deny applies to every S3 call of the role."""
    state = healthy_state()
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "ConfusedDeputyGuard",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ANY_BUCKET,
            "Condition": {"StringNotEqualsIfExists": {"aws:SourceAccount": EMR_ACCOUNT}},
        }
    )

    links = _links(state)

    assert links[LOOKUP].status == FAIL, links[LOOKUP]
    assert links[WRITE].status == FAIL, links[WRITE]
    assert "ConfusedDeputyGuard" in links[WRITE].statement


def test_a_bucket_allow_under_source_arn_grants_nothing() -> None:
    """
    The role's own objects grant taken away, the bucket policy's Allow naming the role (same account: either policy
    suffices, IAM User Guide, "Policy evaluation for requests within a single account") holds only under
    ``ArnLike`` ``aws:SourceArn``, which the role's S3 calls do not carry: it grants nothing.
    """
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    _, policy = role.policies[0]
    policy["Statement"] = [item for item in policy["Statement"] if item.get("Sid") != OBJECTS_SID]
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "OnlyFromOurCluster",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "s3:*",
            "Resource": ANY_BUCKET,
            "Condition": {"ArnLike": {"aws:SourceArn": SOURCE_CONDITIONS["aws:SourceArn"][1]}},
        }
    )

    link = _links(state)[WRITE]

    assert link.status == FAIL, link
    assert "aws:SourceArn" in link.detail


@pytest.mark.parametrize("key", sorted(SOURCE_CONDITIONS))
def test_an_if_exists_allow_on_a_source_key_passes(key: str) -> None:
    """``StringEqualsIfExists`` (or ``ArnLikeIfExists``) on a key the request lacks is true: the trust still allows."""
    operator, value = SOURCE_CONDITIONS[key]
    plain = operator.removeprefix("ForAnyValue:")
    state = healthy_state()
    _trust(state)["Statement"][0]["Condition"] = {f"{plain}IfExists": {key: value}}

    assert _links(state)[ASSUME].status == PASS


def test_a_key_policy_condition_on_source_account_stays_not_checked() -> None:
    """
    S3's KMS calls are forward access sessions (IAM User Guide, "Forward access sessions"), whose page names only
    ``aws:CalledVia*`` and ``aws:ViaAWSService`` as set on them: whether they carry ``aws:SourceAccount`` AWS does not
    document, so the key policy's Deny on it is neither applied nor skipped.
    """
    state = healthy_state()
    state.key_policies[KEY]["Statement"].append(  # type: ignore[index]
        {
            "Sid": "OnlyOurAccountAsSource",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": EMR_ACCOUNT}},
        }
    )

    assert _links(state)[KMS].status == UNKNOWN


# --- The stand-in's judge, written apart: the same keys absent on the writer's own requests -------------------------

JUDGE_EMR_ROLE = EMR_ROLE
JUDGE_BUCKET = f"arn:aws:s3:::{BUCKET}"


def test_the_stand_ins_trust_allow_needing_source_account_does_not_allow() -> None:
    caller = Principal(JUDGE_EMR_ROLE, policies=(("assume", document(_allow("sts:AssumeRole", ROLE))),))
    trust = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": JUDGE_EMR_ROLE},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": EMR_ACCOUNT}},
        }
    )
    decision = authorize(caller, "sts:AssumeRole", ROLE, resource_policy=trust, resource_owner=DESTINATION_ACCOUNT)
    assert not decision.allowed


def test_the_stand_ins_bucket_deny_if_exists_on_source_account_applies() -> None:
    role = Principal(ROLE, policies=(("p", document(_allow("s3:*", "*"))),), session="emrfs")
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:SourceAccount": EMR_ACCOUNT}},
    }
    decision = authorize(
        role, "s3:PutObject", f"{JUDGE_BUCKET}/p/x", resource_policy=document(deny), resource_owner=DESTINATION_ACCOUNT
    )
    assert not decision.allowed


def test_the_stand_ins_kms_call_of_s3_leaves_source_account_not_known() -> None:
    """A forward access session's aws:SourceAccount is not documented: the key policy's Deny on it is not decided."""
    role = Principal(ROLE, policies=(("p", document(_allow("kms:*", "*"))),), session="emrfs")
    key_policy = document(
        {**_allow("kms:*", "*"), "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}},
        {
            **_allow("kms:*", "*"),
            "Effect": "Deny",
            "Principal": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": EMR_ACCOUNT}},
        },
    )
    with pytest.raises(aws_judge.NotKnown):
        authorize(
            role,
            "kms:GenerateDataKey",
            KEY,
            resource_policy=key_policy,
            resource_owner=DESTINATION_ACCOUNT,
            context=aws_judge.s3_kms_context(KEY, DESTINATION_ACCOUNT),
        )


def _allow(action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}
