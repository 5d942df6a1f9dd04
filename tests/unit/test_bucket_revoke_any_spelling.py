"""
A bucket revoke ends the role's access in the provider's statements whatever spelling the grant was given.

A bucket policy's per-role statements have ``Sid``s hashed from the spelling of the role's ARN the grant was given,
and S3 shows the role's own spelling once the policy is saved (IAM User Guide, "AWS JSON policy elements:
Principal": a role principal is saved as the role's unique ID and shown as its ARN). With a second principal
someone added to the objects statement, a ``Sid`` hashed from ``…:role/emr_ec2_defaultrole`` matched neither the
spelling shown (``…:role/EMR_EC2_DefaultRole``) nor the one the revoke was given, so the revoke took nothing, said
nothing, and the role kept its access.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.documents import SID_PREFIX, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import names_any
from airflow_provider_emrfs_xacct.pure.validation import S3Location

REAL = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"  # the role's own spelling, as S3 shows it
LOWER = "arn:aws:iam::111111111111:role/emr_ec2_defaultrole"
MIXED = "arn:aws:iam::111111111111:role/Emr_Ec2_DefaultRole"
OTHER = "arn:aws:iam::111111111111:role/JobFlowRole"
OTHER_MIXED = "arn:aws:iam::111111111111:role/JOBFLOWROLE"
DENY = {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
LOCATION = S3Location("b", "a/")


def granted_as(given: str, shown: str, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """The policy after a grant given ``given``, as S3 shows it: the role's principal in its own spelling ``shown``."""
    before = len(as_list((policy or {}).get("Statement")))
    granted = bucket_policy.grant(policy, "aws", given, {LOCATION})
    for statement in granted["Statement"][before:]:
        statement["Principal"] = {"AWS": shown}
    return granted


def shared(policy: dict[str, Any], sid: str, *principals: str) -> None:
    """Someone adds principals to statement ``sid`` (its own first)."""
    [statement] = [statement for statement in policy["Statement"] if statement.get("Sid") == sid]
    statement["Principal"] = {"AWS": [*as_list(statement["Principal"]["AWS"]), *principals]}


def left_in_provider_statements(policy: dict[str, Any] | None, role: str) -> list[str]:
    return [
        statement["Sid"]
        for statement in as_list((policy or {}).get("Statement"))
        if str(statement.get("Sid", "")).startswith(SID_PREFIX)
        and names_any(as_list((statement.get("Principal") or {}).get("AWS")), [role])
    ]


def test_the_reviewers_case_a_grant_given_another_spelling_and_a_principal_added_since() -> None:
    """Before: revoke(REAL) returned the policy unchanged (Sid hashed from LOWER; REAL shown; OTHER added)."""
    policy = granted_as(LOWER, REAL, {"Version": "2012-10-17", "Statement": [DENY]})
    objects_sid, list_sid = bucket_policy.principal_sids(LOWER)
    assert objects_sid == "EmrfsXacctObjects20065d7f6ab8"
    shared(policy, objects_sid, OTHER)
    before = copy.deepcopy(policy)

    for spelling in (REAL, LOWER, MIXED):
        revoked = bucket_policy.revoke(policy, spelling)

        assert policy == before
        assert revoked is not None
        assert left_in_provider_statements(revoked, REAL) == []
        # The other principal keeps the objects statement, and nothing else changed; the list statement was the
        # role's alone, so it goes.
        assert revoked["Statement"] == [DENY, {**before["Statement"][1], "Principal": {"AWS": OTHER}}]
        assert list_sid not in {statement.get("Sid") for statement in revoked["Statement"]}


@pytest.mark.parametrize("given", [REAL, LOWER, MIXED])
@pytest.mark.parametrize("asked", [REAL, LOWER, MIXED])
def test_any_spelling_given_to_the_grant_and_to_the_revoke(given: str, asked: str) -> None:
    """The module's promise: found under any spelling, also with other principals added to both statements."""
    policy = granted_as(given, REAL, {"Version": "2012-10-17", "Statement": [DENY]})
    for sid in bucket_policy.principal_sids(given):
        shared(policy, sid, OTHER)

    revoked = bucket_policy.revoke(policy, asked)

    assert revoked is not None
    assert left_in_provider_statements(revoked, REAL) == []
    assert [statement["Principal"] for statement in revoked["Statement"][1:]] == [{"AWS": OTHER}] * 2
    with pytest.raises(ConflictError, match="JobFlowRole"):  # a regrant would drop OTHER: refused, not a 2nd pair
        bucket_policy.grant(policy, "aws", asked, {S3Location("b", "c/")})


@pytest.mark.parametrize("other_given", [OTHER, OTHER.replace("JobFlowRole", "jobflowrole")])
def test_another_roles_statement_someone_added_the_role_to_stays_that_roles(other_given: str) -> None:
    """
    Its ``Sid`` is the hash of the other principal (as shown, or its name in lower case): not the role's to take.
    The revoke takes the role's own pair only; the grant extends its own pair.
    """
    policy = granted_as(REAL, REAL, granted_as(other_given, OTHER))
    for sid in bucket_policy.principal_sids(other_given):
        shared(policy, sid, REAL)
    theirs = copy.deepcopy(policy["Statement"][:2])

    revoked = bucket_policy.revoke(policy, LOWER)
    assert revoked is not None
    assert revoked["Statement"] == theirs

    again = bucket_policy.grant(policy, "aws", LOWER, {S3Location("b", "c/")})
    assert again["Statement"][:2] == theirs
    assert bucket_policy.granted_locations(again, REAL) == {LOCATION, S3Location("b", "c/")}


def test_a_statement_that_cannot_be_told_from_the_roles_own_loses_only_the_role() -> None:
    """
    The other role's pair granted under a spelling neither shown nor in lower case, with the role added to it: its
    ``Sid`` cannot be told from one of the role's own. The revoke takes only the role out of it (the other role
    keeps every statement and all it grants); the grant still extends the role's own pair, found first.
    """
    policy = granted_as(REAL, REAL, granted_as(OTHER_MIXED, OTHER))
    shared(policy, bucket_policy.principal_sids(OTHER_MIXED)[0], REAL)
    theirs = copy.deepcopy(policy["Statement"][:2])

    revoked = bucket_policy.revoke(policy, REAL)

    assert revoked is not None
    assert left_in_provider_statements(revoked, REAL) == []
    assert revoked["Statement"] == [{**theirs[0], "Principal": {"AWS": OTHER}}, theirs[1]]
    again = bucket_policy.grant(policy, "aws", REAL, {S3Location("b", "c/")})
    assert again["Statement"][:2] == theirs
    assert bucket_policy.granted_locations(again, REAL) == {LOCATION, S3Location("b", "c/")}


def test_a_second_pair_an_earlier_grant_wrote_goes_too() -> None:
    """Before the fix a regrant of the reviewer's case wrote a second pair: a revoke now takes the role out of both."""
    policy = granted_as(LOWER, REAL)
    shared(policy, bucket_policy.principal_sids(LOWER)[0], OTHER)
    policy["Statement"] += granted_as(REAL, REAL)["Statement"]  # (as that regrant wrote it)

    revoked = bucket_policy.revoke(policy, REAL)

    assert revoked is not None
    assert [statement["Principal"] for statement in revoked["Statement"]] == [{"AWS": OTHER}]


def test_a_list_statement_still_holding_the_role_goes_when_its_objects_statement_no_longer_names_it() -> None:
    """Someone put another principal in place of the role in its objects statement: the list statement is found too."""
    policy = granted_as(LOWER, REAL)
    policy["Statement"][0]["Principal"] = {"AWS": OTHER}
    theirs = copy.deepcopy(policy["Statement"][0])

    revoked = bucket_policy.revoke(policy, REAL)

    assert revoked is not None
    assert revoked["Statement"] == [theirs]
