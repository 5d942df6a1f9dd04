"""
One role, two spellings of its name: grants do not hold it twice, revokes remove every spelling.

IAM names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``: "you cannot
create resources named both "MyResource" and "myresource""), so ``…:role/EMR_EC2_DefaultRole`` and
``…:role/emr_ec2_defaultrole`` are one role. A resource policy stores a role principal as the role's
unique ID and shows it as the role's own ARN (IAM User Guide, "AWS JSON policy elements: Principal"), so
a grant that adds the other spelling would never read back what it wrote.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy, documents, spill
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import (
    grants_assume_role,
    identity_key,
    merged_principals,
    same_meaning,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
EMR_ROLE_LOWER = "arn:aws:iam::111111111111:role/emr_ec2_defaultrole"
OTHER_EMR_ROLE = "arn:aws:iam::111111111111:role/JobFlowRole"
PARTNER = "arn:aws:iam::222222222222:role/Partner-Writer"
PARTNER_LOWER = "arn:aws:iam::222222222222:role/partner-writer"
DENY = {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        (EMR_ROLE, EMR_ROLE_LOWER, True),
        ("arn:aws:iam::111111111111:role/service-role/EMR", "arn:aws:iam::111111111111:role/service-role/emr", True),
        ("arn:aws:iam::111111111111:user/Alice", "arn:aws:iam::111111111111:user/alice", True),
        (EMR_ROLE, "arn:aws:iam::222222222222:role/EMR_EC2_DefaultRole", False),  # another account
        (EMR_ROLE, "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole2", False),
        ("AROAEXAMPLEID123456", "aroaexampleid123456", False),  # unique IDs are not names
        ("arn:aws:s3:::Bucket/Key", "arn:aws:s3:::bucket/key", False),  # only IAM users and roles
    ],
)
def test_identity_key_folds_only_iam_user_and_role_names(left: str, right: str, same: bool) -> None:
    assert (identity_key(left) == identity_key(right)) is same


def test_a_trust_grant_of_another_spelling_adds_nothing() -> None:
    trust = {"Version": "2012-10-17", "Statement": [documents.trust_statement([EMR_ROLE])]}

    principals = merged_principals(trust, documents.TRUST_SID, [EMR_ROLE_LOWER, OTHER_EMR_ROLE])

    assert principals == [EMR_ROLE, OTHER_EMR_ROLE]
    # The steady state: the document IAM shows holds everything asked, so nothing is written.
    again = upsert_statement(
        trust, documents.trust_statement(merged_principals(trust, documents.TRUST_SID, [EMR_ROLE_LOWER]))
    )
    assert same_meaning(again, trust)


def test_another_statements_trust_counts_under_any_spelling() -> None:
    foreign = {"Sid": "ByHand", "Effect": "Allow", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}

    assert grants_assume_role(foreign, EMR_ROLE_LOWER)
    assert (
        merged_principals({"Statement": [foreign]}, documents.TRUST_SID, [EMR_ROLE_LOWER], skip_if_granted=True) == []
    )


def test_a_spill_revoke_removes_every_spelling_and_keeps_the_rest() -> None:
    policy = spill.with_roles({"Version": "2012-10-17", "Statement": [DENY]}, [PARTNER, OTHER_EMR_ROLE])

    revoked = spill.without_roles(policy, {PARTNER_LOWER})

    assert revoked is not None
    assert spill.held(revoked) == {OTHER_EMR_ROLE}
    assert revoked["Statement"][0] == DENY


def grant(policy: dict[str, Any] | None, principal: str, prefix: str) -> dict[str, Any]:
    return bucket_policy.grant(policy, "aws", principal, {S3Location("partner-bucket", prefix)})


def test_a_bucket_grant_of_another_spelling_extends_the_roles_statements() -> None:
    policy = grant({"Version": "2012-10-17", "Statement": [DENY]}, EMR_ROLE, "a/")

    again = grant(policy, EMR_ROLE_LOWER, "b/")

    sids = [statement["Sid"] for statement in again["Statement"]]
    assert sids == ["NoDeletes", *bucket_policy.principal_sids(EMR_ROLE)]  # no second pair for the same role
    assert bucket_policy.granted_locations(again, EMR_ROLE_LOWER) == {
        S3Location("partner-bucket", "a/"),
        S3Location("partner-bucket", "b/"),
    }
    assert again["Statement"][1]["Principal"] == {"AWS": EMR_ROLE}  # as the policy shows it


def test_a_bucket_revoke_of_another_spelling_removes_the_roles_statements_only() -> None:
    policy = grant(grant({"Version": "2012-10-17", "Statement": [DENY]}, EMR_ROLE, "a/"), OTHER_EMR_ROLE, "c/")

    revoked = bucket_policy.revoke(policy, EMR_ROLE_LOWER)

    assert revoked is not None
    assert [statement["Sid"] for statement in revoked["Statement"]] == [
        "NoDeletes",
        *bucket_policy.principal_sids(OTHER_EMR_ROLE),
    ]
    assert revoked["Statement"][1:] == policy["Statement"][3:]


def test_the_emr_roles_spill_policies_are_found_under_any_spelling_of_its_name() -> None:
    """
    A grant made with ``EMR_EC2_DefaultRole`` and a revoke given ``emr_ec2_defaultrole`` (one role: IAM
    names are not distinguished by case) must find the same spill policies, or the revoke leaves their
    grants in place; policy names are not distinguished by case either ("CreatePolicy").
    """
    head = "arn:aws:iam::111111111111:policy/emrfs-xacct"
    name = spill.spill_name(documents.ASSUME_POLICY_NAME, "EMR_EC2_DefaultRole", 2)

    assert spill.is_spill_arn(f"{head}/{name}", documents.ASSUME_POLICY_NAME, "emr_ec2_defaultrole")
    assert spill.is_own_spill_name(name, documents.ASSUME_POLICY_NAME, "emr_ec2_defaultrole")
    assert spill.is_spill_arn(f"{head}/{documents.ASSUME_POLICY_NAME.upper()}-3", documents.ASSUME_POLICY_NAME, "x")
    other = spill.spill_name(documents.ASSUME_POLICY_NAME, "EMR_EC2_DefaultRole2", 2)
    assert not spill.is_own_spill_name(other, documents.ASSUME_POLICY_NAME, "emr_ec2_defaultrole")


def test_a_principal_added_to_the_providers_bucket_statement_is_never_dropped() -> None:
    """
    A second role someone put into the provider's per-role bucket statement has access through it: a
    grant that rewrites the statement would take that away silently, so it is refused (ConflictError
    naming the principal) and the policy is left as it was. A revoke of the provider's role takes only
    that role out of the statements, and the other role keeps them.
    """
    policy = grant({"Version": "2012-10-17", "Statement": [DENY]}, EMR_ROLE, "a/")
    for statement in policy["Statement"][1:]:
        statement["Principal"] = {"AWS": [EMR_ROLE, OTHER_EMR_ROLE]}
    before = copy.deepcopy(policy)

    with pytest.raises(ConflictError, match="JobFlowRole"):
        grant(policy, EMR_ROLE, "b/")
    assert policy == before

    revoked = bucket_policy.revoke(policy, EMR_ROLE)
    assert policy == before
    assert revoked is not None
    assert revoked["Statement"][0] == DENY
    assert [statement["Principal"] for statement in revoked["Statement"][1:]] == [{"AWS": OTHER_EMR_ROLE}] * 2
    for kept, held in zip(revoked["Statement"][1:], before["Statement"][1:], strict=True):
        assert {key: value for key, value in kept.items() if key != "Principal"} == {
            key: value for key, value in held.items() if key != "Principal"
        }


def test_a_bucket_revoke_keeps_other_kinds_of_principal_and_refuses_a_principal_that_is_not_a_mapping() -> None:
    """A ``Service`` someone added beside the role stays; ``Principal: "*"`` cannot be split, so it is refused."""
    policy = grant(None, EMR_ROLE, "a/")
    policy["Statement"][0]["Principal"] = {"AWS": EMR_ROLE, "Service": "logging.s3.amazonaws.com"}
    revoked = bucket_policy.revoke(policy, EMR_ROLE)
    assert revoked is not None
    assert [statement["Principal"] for statement in revoked["Statement"]] == [{"Service": "logging.s3.amazonaws.com"}]
    policy["Statement"][0]["Principal"] = "*"
    with pytest.raises(ConflictError, match="move them into a statement of your own"):
        bucket_policy.revoke(policy, EMR_ROLE)


def test_a_key_user_revoke_drops_only_whom_it_names() -> None:
    """Writing the key-users statement without a principal it holds is refused unless that principal is dropped on purpose."""
    held = {"Version": "2012-10-17", "Statement": [documents.key_users_statement([PARTNER, OTHER_EMR_ROLE])]}

    with pytest.raises(ConflictError, match="Partner-Writer"):
        upsert_statement(held, documents.key_users_statement([OTHER_EMR_ROLE]))
    kept = upsert_statement(held, documents.key_users_statement([OTHER_EMR_ROLE]), dropping={PARTNER})
    assert kept["Statement"][0]["Principal"] == {"AWS": [OTHER_EMR_ROLE]}


def test_a_shared_bucket_statement_is_found_under_another_spelling_of_the_roles_name() -> None:
    """
    The provider's statements of a role someone added a second principal to are still that role's: a revoke
    given another spelling of its name takes it out of them (or the partner keeps its access), and a grant
    given another spelling is refused as under the first (not a second pair of statements for one role).
    """
    policy = grant({"Version": "2012-10-17", "Statement": [DENY]}, EMR_ROLE, "a/")
    for statement in policy["Statement"][1:]:
        statement["Principal"] = {"AWS": [EMR_ROLE, OTHER_EMR_ROLE]}

    revoked = bucket_policy.revoke(policy, EMR_ROLE_LOWER)

    assert revoked is not None
    assert [statement["Principal"] for statement in revoked["Statement"][1:]] == [{"AWS": OTHER_EMR_ROLE}] * 2
    assert bucket_policy.granted_locations(policy, EMR_ROLE_LOWER) == {S3Location("partner-bucket", "a/")}
    with pytest.raises(ConflictError, match="JobFlowRole"):
        grant(policy, EMR_ROLE_LOWER, "b/")


def test_a_role_added_to_another_roles_bucket_statement_keeps_its_own_statements() -> None:
    """A grant of a role someone also added to another role's statement extends its own pair, not that one."""
    policy = grant(grant(None, EMR_ROLE, "a/"), OTHER_EMR_ROLE, "c/")
    for statement in policy["Statement"][:2]:
        statement["Principal"] = {"AWS": [EMR_ROLE, OTHER_EMR_ROLE]}

    again = grant(policy, OTHER_EMR_ROLE, "d/")

    assert again["Statement"][:2] == policy["Statement"][:2]
    assert bucket_policy.granted_locations(again, OTHER_EMR_ROLE) == {
        S3Location("partner-bucket", "c/"),
        S3Location("partner-bucket", "d/"),
    }
