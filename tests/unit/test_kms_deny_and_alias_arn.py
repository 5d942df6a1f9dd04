"""
The KMS key link where a grant meets a ``Deny`` that may apply, and where the key is named by an alias ARN for a
writer of another account.

AWS KMS Developer Guide, "KMS key access and permissions": "No AWS principal has any permissions to a KMS key unless
that permission is provided explicitly and never denied"; "Grants in AWS KMS": "A grant can allow access to a KMS
key, but not deny access". Amazon S3 API Reference, ServerSideEncryptionByDefault, KMSMasterKeyID: "If you are using
encryption with cross-account or AWS service operations, you must use a fully qualified KMS key ARN"; PutObject,
``x-amz-server-side-encryption-aws-kms-key-id``: "If the KMS key doesn't exist in the same account that's issuing the
command, you must use the full Key ARN"; an alias ARN is not a key ARN (AWS KMS Developer Guide, "Key identifiers
(KeyId)").
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import emr_role_bucket_policy
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from airflow_provider_emrfs_xacct.pure.evaluator import EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate, evaluate_access
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ROLE,
    KEY,
    KMS,
    ROLE,
    ROOT_STATEMENT,
    THIRD_ACCOUNT,
    _writer_in_third_account,
    by_name,
    document,
    healthy_state,
)
from tests.unit.test_chain_audit_fixes import LOCATION, OTHER_KEY, emr_role_writes_unmapped_keys
from tests.unit.test_kms_grants import admins_only, grant
from tests.unit.test_option_a_verify import KMS as OPTION_A_KMS
from tests.unit.test_option_a_verify import option_a_state
from tests.unit.test_requested_encryption import asking_for_other_key

#: Data-perimeter conditions whose value the verifier cannot know before the job runs.
PERIMETERS = [
    {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
]


def perimeter(condition: dict[str, Any], *, principal: bool = True) -> dict[str, Any]:
    statement = {"Sid": "Perimeter", "Effect": "Deny", "Action": "kms:*", "Resource": "*", "Condition": condition}
    return {**statement, "Principal": "*"} if principal else statement


def with_role_policy(state: ChainState, statement: dict[str, Any]) -> ChainState:
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.policies = [*role.policies, ("inline policy Perimeter", document(statement))]
    return state


# --- A grant does not lift a Deny that may apply -------------------------------------------------------


@pytest.mark.parametrize("condition", PERIMETERS)
def test_a_grant_beside_a_key_policy_deny_that_may_apply_is_not_checked(condition: dict[str, Any]) -> None:
    state = admins_only()
    state.key_policies[KEY] = document(ADMIN_STATEMENT, perimeter(condition))
    state.key_grants[KEY] = [grant()]

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "grant g-1" in link.detail
    assert "a Deny in the key policy may apply" in link.detail
    assert link.statement == "key policy: Sid Perimeter"


@pytest.mark.parametrize("condition", PERIMETERS)
def test_a_grant_beside_a_deny_in_the_role_s_own_policy_that_may_apply_is_not_checked(
    condition: dict[str, Any],
) -> None:
    state = with_role_policy(admins_only(), perimeter(condition, principal=False))
    state.key_grants[KEY] = [grant()]

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "a Deny in the inline policy Perimeter may apply" in link.detail
    assert link.statement == "inline policy Perimeter: Sid Perimeter"


@pytest.mark.parametrize("in_key_policy", [True, False])
def test_a_certain_deny_beside_a_grant_still_fails(in_key_policy: bool) -> None:
    deny = {"Sid": "NoKms", "Effect": "Deny", "Action": "kms:GenerateDataKey", "Resource": "*"}
    state = admins_only()
    if in_key_policy:
        state.key_policies[KEY] = document(ADMIN_STATEMENT, {**deny, "Principal": "*"})
    else:
        with_role_policy(state, deny)
    state.key_grants[KEY] = [grant()]

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert link.statement.endswith(": Sid NoKms")


def test_a_deny_that_may_apply_without_any_allow_still_fails() -> None:
    """Nothing allows the call (no grant either): refused whatever the Deny's condition."""
    state = admins_only()
    state.key_policies[KEY] = document(ADMIN_STATEMENT, perimeter(PERIMETERS[0]))
    state.key_grants[KEY] = []

    assert by_name(check_chain(state))[KMS].status == FAIL


def test_an_implicit_deny_keeps_the_deny_that_may_apply() -> None:
    """The refusal stands; the undetermined Deny travels with it for whoever allows by other means."""
    # Only the keys in the context are known: aws:SourceIp is not (known_absent empty).
    request = Request("kms:GenerateDataKey", KEY, ROLE, {"kms:CallerAccount": DESTINATION_ACCOUNT}, frozenset())
    key_policy = document(ADMIN_STATEMENT, perimeter(PERIMETERS[1]))

    decision = evaluate_access(
        request,
        identity_policies=[],
        resource_policies=[("key policy", key_policy)],
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=True,
    )
    alone = evaluate([("key policy", key_policy)], request, resource_policy=True)

    for refused in (decision, alone):
        assert refused.reason == IMPLICIT_DENY
        assert refused.statement is None
        assert refused.maybe_deny is not None
        assert refused.maybe_deny.statement == perimeter(PERIMETERS[1])
        assert refused.maybe_deny.undetermined


def test_an_identity_deny_that_may_apply_travels_with_a_refusal_of_the_key_policy() -> None:
    request = Request("kms:Decrypt", KEY, ROLE, known_absent=frozenset())  # aws:PrincipalOrgID not known
    identity = [("inline policy Perimeter", document(perimeter(PERIMETERS[0], principal=False)))]

    decision = evaluate_access(
        request,
        identity_policies=identity,
        resource_policies=[("key policy", document(ADMIN_STATEMENT))],
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=True,
    )

    assert decision.reason == IMPLICIT_DENY
    assert decision.maybe_deny is not None
    assert decision.maybe_deny.source == "inline policy Perimeter"


def test_a_certain_deny_is_no_maybe_deny() -> None:
    request = Request("kms:Decrypt", KEY, ROLE)
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}

    decision = evaluate([("key policy", document(deny))], request, resource_policy=True)

    assert decision.reason == EXPLICIT_DENY
    assert decision.maybe_deny is None


# --- The bucket's default key named by an alias ARN ----------------------------------------------------

ALIAS_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner-exports"


def third_account_writer() -> ChainState:
    """Option (b), the mapped role of a third account, a user of the bucket's key."""
    state = _writer_in_third_account(healthy_state(), "BucketOwnerEnforced")
    third_role = f"arn:aws:iam::{THIRD_ACCOUNT}:role/partner-writer"
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement([third_role]))
    return state


def named(state: ChainState, key_id: str) -> ChainState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.kms_key_id = key_id
    return state


@pytest.mark.parametrize(("make", "link"), [(option_a_state, OPTION_A_KMS), (third_account_writer, KMS)])
@pytest.mark.parametrize(
    ("key_id", "status"), [(KEY, PASS), (ALIAS_ARN, UNKNOWN), ("alias/partner-exports", UNKNOWN)], ids=str
)
def test_the_default_key_s_name_for_a_writer_of_another_account(make: Any, link: str, key_id: str, status: str) -> None:
    """
    An alias name is resolved in the writer's account ("This behavior can result in data that's encrypted with a KMS
    key that belongs to the requester": S3 API Reference, ServerSideEncryptionByDefault): not checked, not failed.
    """
    found = by_name(check_chain(named(make(), key_id)))[link]

    assert found.status == status, found
    if key_id == "alias/partner-exports":
        assert "names its key by the alias name alias/partner-exports" in found.detail
        assert found.fix.startswith(f"set the bucket's default encryption to the key's ARN ({KEY})")
    elif status == UNKNOWN:
        assert f"the bucket's default encryption names it by the alias ARN {ALIAS_ARN}" in found.detail
        assert "not documented" in found.detail
        assert found.fix.startswith(f"set the bucket's default encryption to the key's ARN ({KEY}, not the alias ARN)")


def test_the_default_key_by_alias_arn_for_a_writer_of_its_own_account_passes() -> None:
    """No cross-account operation: the writer, the bucket and the key are of one account."""
    assert by_name(check_chain(named(healthy_state(), ALIAS_ARN)))[KMS].status == PASS


def test_the_default_key_by_alias_arn_that_its_policy_refuses_still_fails() -> None:
    state = named(option_a_state(), ALIAS_ARN)
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT)

    assert by_name(check_chain(state))[OPTION_A_KMS].status == FAIL


@pytest.mark.parametrize(("cross", "status"), [(False, PASS), (True, UNKNOWN)])
def test_a_key_asked_for_by_alias_arn(cross: bool, status: str) -> None:
    """Uploads name the key by alias ARN: judged for writers of the key's account, not checked for others."""
    alias = OTHER_KEY.rsplit(":", 1)[0] + ":alias/partner-results"
    state = healthy_state()
    if cross:
        emr_role_writes_unmapped_keys(state)
        assert isinstance(state.emr_role, RoleState)
        state.emr_role.policies = [
            *state.emr_role.policies[:1],
            ("inline policy emrfs-xacct-bucket-access", emr_role_bucket_policy("aws", {LOCATION}, {KEY, OTHER_KEY})),
        ]
    asking_for_other_key(state, users=[ROLE, EMR_ROLE], key=alias)

    found = by_name(check_chain(state))[KMS]

    assert found.status == status, found
    if cross:
        assert f"every upload asks for it by the alias ARN {alias}" in found.detail
        assert EMR_ROLE in found.detail
        assert found.fix.startswith(
            f"name the key by its key ARN in the security configuration or emrfs-site ({OTHER_KEY}"
        )
