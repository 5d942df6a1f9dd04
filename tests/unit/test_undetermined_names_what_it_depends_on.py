"""
An undetermined answer names a grant it depends on, and a fix words a statement as a Deny only when it is one.

AWS: across accounts "the principal's identity-based policy must allow the requested access" and the resource-based
policy must specify the principal (IAM User Guide, "Cross-account policy evaluation logic":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html): a side that
certainly allows decides nothing more, whatever else it holds under a condition. Within one account either side
allowing suffices, and a grant to the account in a bucket policy delegates to the identity policies ("Policy
evaluation for requests within a single account"); a permissions boundary grants nothing but caps the identity
policies ("Permissions boundaries for IAM entities"). A condition on ``aws:SourceIp`` or ``aws:SourceVpce`` ("AWS
global condition context keys") is known only at the request. Setting an object's ACL (``x-amz-acl``) needs
``s3:PutObjectAcl`` (S3 API Reference, "PutObjectAcl": "You must have the WRITE_ACP permission").
"""

from __future__ import annotations

import itertools
from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import RoleState
from airflow_provider_emrfs_xacct.pure.evaluator import UNDETERMINED, Decision, Request, evaluate_access
from tests.unit.test_canned_acl_readings import BASE, UPLOAD_STEPS, _state
from tests.unit.test_chain import (
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ROLE,
    ROLE,
    by_name,
    document,
    healthy_state,
    trust_statement,
)

VPCE = "vpce-0123456789abcdef0"
KNOWN = frozenset({"aws:PrincipalArn"})
OBJECT = f"arn:aws:s3:::{BUCKET}/exports/part-0000"
BUCKET_ARNS = [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
FROM_NETWORK = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
THROUGH_VPCE = {"StringEquals": {"aws:SourceVpce": VPCE}}
ASSUME_FROM_NETWORK = {
    "Sid": "AssumeFromNet",
    "Effect": "Allow",
    "Action": "sts:AssumeRole",
    "Resource": ROLE,
    "Condition": FROM_NETWORK,
}
VIA_VPCE = {
    "Sid": "ViaVpce",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "sts:AssumeRole",
    "Condition": THROUGH_VPCE,
}


def _sid(decision: Decision) -> Any:
    return (decision.statement or {}).get("Sid")


def test_a_cross_account_assume_the_trust_certainly_allows_names_the_identity_grant() -> None:
    trust = document(trust_statement([EMR_ROLE]), VIA_VPCE)
    decision = evaluate_access(
        Request("sts:AssumeRole", ROLE, EMR_ROLE, {"aws:PrincipalArn": EMR_ROLE}, KNOWN),
        identity_policies=[("inline policy assume", document(ASSUME_FROM_NETWORK))],
        resource_policies=[("trust policy", trust)],
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=True,
    )

    assert (decision.reason, decision.source, _sid(decision)) == (UNDETERMINED, "inline policy assume", "AssumeFromNet")


def _put_object(identity: list[tuple[str, Any]], bucket_policy: dict[str, Any], **boundary: Any) -> Decision:
    return evaluate_access(
        Request("s3:PutObject", OBJECT, ROLE, {"aws:PrincipalArn": ROLE}, KNOWN),
        identity_policies=identity,
        resource_policies=[("bucket policy", bucket_policy)],
        resource_account=DESTINATION_ACCOUNT,
        **boundary,
    )


def test_a_bucket_grant_to_the_role_capped_by_an_undetermined_boundary_names_the_boundary() -> None:
    to_role = {"Sid": "ToRole", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:PutObject"}
    to_role_vpce = {"Sid": "ToRoleVpce", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:*"}
    policy = document(
        {**to_role, "Resource": BUCKET_ARNS}, {**to_role_vpce, "Resource": BUCKET_ARNS, "Condition": THROUGH_VPCE}
    )
    bound = document(
        {"Sid": "BoundIp", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": FROM_NETWORK}
    )

    decision = _put_object([], policy, boundary=("permissions boundary pb", bound))

    assert (decision.reason, decision.source, _sid(decision)) == (UNDETERMINED, "permissions boundary pb", "BoundIp")


def test_a_same_account_grant_to_the_account_delegates_so_the_identity_grant_is_named() -> None:
    root = {"Sid": "RootVpce", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
    policy = document({**root, "Action": "s3:*", "Resource": BUCKET_ARNS, "Condition": THROUGH_VPCE})
    own = {"Sid": "IdentIp", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": FROM_NETWORK}

    decision = _put_object([("inline policy dest", document(own))], policy)

    assert (decision.reason, decision.source, _sid(decision)) == (UNDETERMINED, "inline policy dest", "IdentIp")


def test_the_assume_link_cites_the_emr_roles_own_conditional_grant() -> None:
    state = healthy_state()
    emr = state.emr_role
    state.emr_role = RoleState(emr.arn, emr.trust_policy, [("inline policy assume", document(ASSUME_FROM_NETWORK))])
    role = state.destination_roles[ROLE]
    state.destination_roles[ROLE] = RoleState(role.arn, document(trust_statement([EMR_ROLE]), VIA_VPCE), role.policies)

    link = next(link for name, link in by_name(check_chain(state)).items() if "assume" in name)

    assert link.status == UNKNOWN
    assert link.statement == "inline policy assume: Sid AssumeFromNet"


def _acl_links(state: Any) -> list[Any]:
    links = by_name(check_chain(state))
    return [links[step] for step in UPLOAD_STEPS]


def test_an_object_acl_grant_under_a_condition_in_the_bucket_policy_is_not_worded_as_a_deny() -> None:
    state = _state({BASE: "BucketOwnerFullControl"})
    root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
    acl = {"Sid": "AclFromNetwork", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObjectAcl"}
    state.buckets[BUCKET].policy = document(
        {**root, "Action": "s3:*", "Resource": BUCKET_ARNS}, {**acl, "Resource": BUCKET_ARNS, "Condition": FROM_NETWORK}
    )

    for link in _acl_links(state):
        assert link.status == UNKNOWN, link.detail
        assert link.statement == "bucket policy: Sid AclFromNetwork"
        assert "denies" not in link.fix
        assert "EnsureDestinationRoleOperator object_acl=True" in link.fix


def test_an_object_acl_grant_under_a_condition_in_the_role_is_not_worded_as_a_deny() -> None:
    state = _state({BASE: "BucketOwnerFullControl"})
    role = state.destination_roles[ROLE]
    acl = {
        "Sid": "AclFromNet",
        "Effect": "Allow",
        "Action": "s3:PutObjectAcl",
        "Resource": "*",
        "Condition": FROM_NETWORK,
    }
    policies = [*role.policies, ("inline policy acl", document(acl))]
    state.destination_roles[ROLE] = RoleState(role.arn, role.trust_policy, policies)

    for link in _acl_links(state):
        assert link.status == UNKNOWN, link.detail
        assert "a Deny in" not in link.fix
        assert "EnsureDestinationRoleOperator object_acl=True" in link.fix


def test_a_deny_under_a_condition_in_the_bucket_policy_is_still_worded_as_a_deny() -> None:
    state = _state({BASE: "BucketOwnerFullControl"}, object_acl=True)
    root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
    deny = {"Sid": "NoAclOffNetwork", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObjectAcl"}
    state.buckets[BUCKET].policy = document(
        {**root, "Action": "s3:*", "Resource": BUCKET_ARNS},
        {**deny, "Resource": BUCKET_ARNS, "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    )

    for link in _acl_links(state):
        assert link.status == UNKNOWN, link.detail
        assert link.fix.startswith("the bucket policy denies it"), link.fix


#: The boundary's limit on a grant to everyone is unknown on its own (evaluator._combine): that answer names the grant.
_CAPPED = 'whether the permissions boundary limits a grant to everyone ("*")'
#: A conditional grant of each part, by the principal it names (``None``: the identity side, no ``Principal``).
_PRINCIPALS = {
    "Session": {"AWS": f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/partner-writer/emr"},
    "Role": {"AWS": ROLE},
    "Anyone": "*",
    "Account": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
}


def test_a_grant_to_everyone_that_counts_only_with_the_boundary_is_named() -> None:
    """
    Same account: the bucket's Allow to everyone and the identity's both under aws:SourceVpce, and the boundary too.
    Only two together change the answer (the grant to "*" counts only if the boundary allows: a boundary limits
    identity-based policies, not resource-based ones naming the role's ARN, IAM User Guide, "Permissions boundaries
    for IAM entities"): the answer still names the bucket's grant, as it did before a part needed to decide alone.
    """
    readers = {"Sid": "VpceReaders", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject"}
    own = {"Sid": "Own", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": THROUGH_VPCE}
    bound = {"Sid": "Bound", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": THROUGH_VPCE}
    policy = document({**readers, "Resource": BUCKET_ARNS, "Condition": THROUGH_VPCE})

    decision = _put_object([("inline policy own", document(own))], policy, boundary=("pb", document(bound)))

    assert (decision.reason, decision.source, _sid(decision)) == (UNDETERMINED, "bucket policy", "VpceReaders")


def _grant(sid: str, value: Any) -> list[dict[str, Any]]:
    """A part's statement: certain (``True``), under aws:SourceVpce (``None``), or none (``False``)."""
    if value is False:
        return []
    statement = {"Sid": sid, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    if sid in _PRINCIPALS:
        statement |= {"Principal": _PRINCIPALS[sid], "Resource": BUCKET_ARNS}
    return [statement if value else {**statement, "Sid": f"{sid}Vpce", "Condition": THROUGH_VPCE}]


def _combination(values: dict[str, Any], *, caller: str, required: bool) -> Decision:
    resource = [statement for sid in _PRINCIPALS for statement in _grant(sid, values[sid])]
    return evaluate_access(
        Request("s3:PutObject", OBJECT, caller, {"aws:PrincipalArn": caller}, KNOWN),
        identity_policies=[("inline policy own", document(*_grant("Identity", values["Identity"])))],
        resource_policies=[("bucket policy", document(*resource))],
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=required,
        boundary=(
            "pb",
            document(*_grant("Boundary", values["Boundary"]), {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}),
        ),
    )


def test_every_undetermined_combination_names_a_conditional_grant_of_an_undecided_part() -> None:
    """
    Each part certain, under aws:SourceVpce or absent (a session's grant is at most possible: its name is not known),
    in the same account and across, with and without a required resource policy: an undetermined answer names one
    of the conditional grants, unless it is the boundary's limit on a grant to everyone it names.
    """
    parts = ("Session", "Role", "Anyone", "Account", "Identity", "Boundary")
    caller_elsewhere = ROLE.replace(DESTINATION_ACCOUNT, "111111111111")
    checked, unnamed = 0, []
    for combo in itertools.product((None, False), *[(True, None, False)] * (len(parts) - 1)):
        values = dict(zip(parts, combo, strict=True))
        for caller, required in itertools.product((ROLE, caller_elsewhere), (False, True)):
            decision = _combination(values, caller=caller, required=required)
            if decision.reason != UNDETERMINED or decision.unknown == _CAPPED:
                continue
            checked += 1
            if not str(_sid(decision)).endswith("Vpce"):
                unnamed.append((values, caller, required, _sid(decision)))
    assert (checked > 0, unnamed) == (True, [])
