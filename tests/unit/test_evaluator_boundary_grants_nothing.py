"""
A permissions boundary grants nothing: an undetermined answer never turns into a grant of the boundary's.

AWS: "A permissions boundary policy defines the maximum permissions that identity-based policies can grant to an
entity, but does not grant permissions" (IAM API Reference, "PutRolePermissionsBoundary"; IAM User Guide,
"Permissions boundaries for IAM entities":
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html). A condition on a key whose value is
known only at the request (``aws:SourceVpce``, ``aws:SourceIp``: IAM User Guide, "AWS global condition context keys")
refuses when it fails, so a grant under it is undetermined here, whatever the boundary allows.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import RoleState
from airflow_provider_emrfs_xacct.pure.evaluator import ALLOWED, IMPLICIT_DENY, UNDETERMINED, Request, evaluate_access
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    KEY,
    KMS,
    ROLE,
    ROOT_STATEMENT,
    WRITE,
    by_name,
    destination_role,
    document,
    healthy_state,
)

VPCE = "vpce-0123456789abcdef0"
BUCKET_ARNS = [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
OBJECT = f"arn:aws:s3:::{BUCKET}/exports/part-0000"
ALLOW_ALL = ("permissions boundary pb", document({"Effect": "Allow", "Action": "*", "Resource": "*"}))
#: The role's own policy: no KMS and no S3 action.
NO_GRANT = [("inline policy other", document({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}))]
KEY_THROUGH_VPCE = {
    "Sid": "UseThroughVpce",
    "Effect": "Allow",
    "Principal": "*",
    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}},
}
BUCKET_ROOT = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
    "Action": "s3:*",
    "Resource": BUCKET_ARNS,
}
BUCKET_FROM_NETWORK = {
    "Sid": "FromNetwork",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": BUCKET_ARNS,
    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
}
KEY_POLICY = [("key policy", document(ROOT_STATEMENT, ADMIN_STATEMENT, KEY_THROUGH_VPCE))]
BUCKET_POLICY = [("bucket policy", document(BUCKET_ROOT, BUCKET_FROM_NETWORK))]
#: (action, resource, resource policies, resource_policy_required, the statement the answer depends on).
REQUESTS = {
    "kms": ("kms:GenerateDataKey", KEY, KEY_POLICY, True, KEY_THROUGH_VPCE),
    "s3": ("s3:PutObject", OBJECT, BUCKET_POLICY, False, BUCKET_FROM_NETWORK),
}
#: A value of the unknown key that meets the condition, and one that does not.
MEETS = {"kms": {"aws:SourceVpce": VPCE}, "s3": {"aws:SourceIp": "10.1.2.3"}}
FAILS = {"kms": {"aws:SourceVpce": "vpce-0fedcba9876543210"}, "s3": {"aws:SourceIp": "192.0.2.7"}}


def _access(kind: str, boundary: tuple[str, Any] | None, context: dict[str, str] | None = None) -> Any:
    action, resource, policies, required, _ = REQUESTS[kind]
    known = None if context is not None else frozenset({"aws:PrincipalArn"})
    request = Request(action, resource, ROLE, {"aws:PrincipalArn": ROLE, **(context or {})}, known)
    return evaluate_access(
        request,
        identity_policies=NO_GRANT,
        resource_policies=policies,
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=required,
        boundary=boundary,
    )


@pytest.mark.parametrize("kind", sorted(REQUESTS))
@pytest.mark.parametrize("boundary", [ALLOW_ALL, None], ids=["boundary", "no-boundary"])
def test_an_unknown_condition_leaves_the_answer_undetermined_and_names_its_statement(
    kind: str, boundary: tuple[str, Any] | None
) -> None:
    decision = _access(kind, boundary)

    assert (decision.allowed, decision.reason) == (False, UNDETERMINED)
    assert decision.statement == REQUESTS[kind][4]
    assert decision.source != "permissions boundary pb"


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_with_the_value_known_the_condition_decides(kind: str) -> None:
    # The grant to everyone allows within an allow-all boundary when its condition holds, and nothing does otherwise.
    assert _access(kind, ALLOW_ALL, MEETS[kind]).reason == ALLOWED
    assert _access(kind, ALLOW_ALL, FAILS[kind]).reason == IMPLICIT_DENY


def _chain_state(boundary: tuple[str, Any] | None, kind: str) -> Any:
    state = healthy_state()
    role = destination_role(keys=()) if kind == "kms" else destination_role(prefixes=())
    state.destination_roles[ROLE] = RoleState(role.arn, role.trust_policy, role.policies, boundary=boundary)
    if kind == "kms":
        state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, KEY_THROUGH_VPCE)
    else:
        state.buckets[BUCKET].policy = document(BUCKET_ROOT, BUCKET_FROM_NETWORK)
    return state


@pytest.mark.parametrize(("kind", "link"), [("kms", KMS), ("s3", WRITE)])
@pytest.mark.parametrize("boundary", [ALLOW_ALL, None], ids=["boundary", "no-boundary"])
def test_the_link_is_not_checked_not_passed(kind: str, link: str, boundary: tuple[str, Any] | None) -> None:
    found = by_name(check_chain(_chain_state(boundary, kind)))[link]

    assert found.status == UNKNOWN, found.detail
    assert "permissions boundary" not in (found.statement or "")


# --- A small fixed sample: an "allowed" with the key unknown is allowed for every value of it ----------------------

_VALUES = [None, VPCE, "vpce-0fedcba9876543210"]
_PRINCIPALS = ["*", {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}, {"AWS": ROLE}]


def _statement(rng: random.Random, *, resource_policy: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": rng.choice(["Allow", "Allow", "Deny"]),
        "Action": rng.choice(["kms:GenerateDataKey", "kms:*", "s3:*"]),
        "Resource": "*",
    }
    if resource_policy:
        statement["Principal"] = rng.choice(_PRINCIPALS)
    if rng.random() < 0.5:
        operator = rng.choice(["StringEquals", "StringNotEquals", "StringEqualsIfExists"])
        statement["Condition"] = {operator: {"aws:SourceVpce": VPCE}}
    return statement


def _policy(rng: random.Random, *, resource_policy: bool, most: int) -> dict[str, Any]:
    return document(*(_statement(rng, resource_policy=resource_policy) for _ in range(rng.randint(0, most))))


def _sample(rng: random.Random) -> dict[str, Any]:
    boundary = rng.choice([ALLOW_ALL, None, ("permissions boundary pb", _policy(rng, resource_policy=False, most=2))])
    return {
        "identity_policies": [("identity", _policy(rng, resource_policy=False, most=2))],
        "resource_policies": [("key policy", _policy(rng, resource_policy=True, most=3))],
        "resource_account": DESTINATION_ACCOUNT,
        "resource_policy_required": rng.random() < 0.5,
        "boundary": boundary,
    }


def test_no_allowed_where_a_value_of_the_unknown_key_refuses() -> None:
    rng = random.Random(43)
    base = {"aws:PrincipalArn": ROLE}
    for _ in range(3000):
        policies = _sample(rng)
        unknown = evaluate_access(
            Request("kms:GenerateDataKey", KEY, ROLE, base, frozenset({"aws:PrincipalArn"})), **policies
        )
        if unknown.reason != ALLOWED:
            continue
        for value in _VALUES:
            context = base if value is None else {**base, "aws:SourceVpce": value}
            known = evaluate_access(Request("kms:GenerateDataKey", KEY, ROLE, context), **policies)
            assert known.reason == ALLOWED, (policies, value, unknown.statement)
