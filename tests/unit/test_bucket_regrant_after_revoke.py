"""
A role revoked from bucket-policy statements someone shared with another principal can be granted again.

The revoke takes the role out of its two statements and leaves them to the principal someone added (docs/safety.md:
"a revoke takes only the revoked role out of the statement, which stays for the others"), under the ``Sid``s hashed
from the role's ARN. Before, the next grant of the role wrote those ``Sid``s again with the role alone, and was
refused for good: "holds the principal …/B, which the provider did not write". Now the role gets a pair of ``Sid``s no
statement holds, and the other principal's statements are left exactly as they are, by the grant and by the revoke.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import same_meaning
from airflow_provider_emrfs_xacct.pure.validation import S3Location

A = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
B = "arn:aws:iam::222222222222:role/PartnerJobs"
DENY = {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
OLD = S3Location("exports", "daily/")
NEW = S3Location("exports", "weekly/")
PAIR = re.compile(r"EmrfsXacct(Objects|List)([0-9a-f]{12})")


def shared_with_b(policy: dict[str, Any], role: str) -> dict[str, Any]:
    """Someone adds ``B`` to each of the role's statements."""
    edited = copy.deepcopy(policy)
    for statement in edited["Statement"]:
        if statement.get("Principal") == {"AWS": role}:
            statement["Principal"] = {"AWS": [role, B]}
    return edited


def naming(policy: dict[str, Any] | None, principal: str) -> list[dict[str, Any]]:
    """The statements whose principals list ``principal``."""
    return [
        statement
        for statement in as_list((policy or {}).get("Statement"))
        if isinstance(statement.get("Principal"), dict) and principal in as_list(statement["Principal"].get("AWS"))
    ]


def revoked_after_sharing() -> dict[str, Any]:
    """A granted, B added to A's statements, A revoked: B holds the statements under A's ``Sid``s."""
    granted = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", A, {OLD})
    revoked = bucket_policy.revoke(shared_with_b(granted, A), A)
    assert revoked is not None
    assert [statement["Sid"] for statement in naming(revoked, B)] == list(bucket_policy.principal_sids(A))
    assert naming(revoked, A) == []
    return revoked


def test_the_role_is_granted_again_in_its_own_pair_and_the_others_statements_stay_as_they_are() -> None:
    revoked = revoked_after_sharing()
    others = json.dumps(naming(revoked, B))

    granted = bucket_policy.grant(revoked, "aws", A, {NEW})

    assert json.dumps(naming(granted, B)) == others  # byte for byte
    assert granted["Statement"][: len(revoked["Statement"])] == revoked["Statement"]
    own = naming(granted, A)
    assert [statement["Principal"] for statement in own] == [{"AWS": A}, {"AWS": A}]
    matches = [PAIR.fullmatch(statement["Sid"]) for statement in own]
    assert [match.group(1) for match in matches if match] == ["Objects", "List"]
    assert len({match.group(2) for match in matches if match}) == 1  # one pair
    assert not {statement["Sid"] for statement in own} & set(bucket_policy.principal_sids(A))
    # Only what this grant asked: the location revoked before (still B's) is not granted to the role again.
    assert bucket_policy.granted_locations(granted, A) == {NEW}
    assert "daily" not in json.dumps(own)


def test_a_rerun_of_the_grant_changes_nothing_and_a_revoke_takes_only_the_roles_new_pair() -> None:
    revoked = revoked_after_sharing()
    granted = bucket_policy.grant(revoked, "aws", A, {OLD})

    assert bucket_policy.grant(granted, "aws", A, {OLD}) == granted
    assert same_meaning(bucket_policy.grant(granted, "aws", A.lower(), {OLD}), granted)  # another spelling
    widened = bucket_policy.grant(granted, "aws", A, {NEW})
    assert [statement["Sid"] for statement in naming(widened, A)] == [
        statement["Sid"] for statement in naming(granted, A)
    ]
    assert bucket_policy.granted_locations(widened, A) == {OLD, NEW}

    assert bucket_policy.revoke(widened, A) == revoked  # B's statements (and the Deny) as they were
    assert bucket_policy.revoke(granted, A.lower()) == revoked


def test_the_other_principal_granted_and_revoked_in_between_leaves_the_role_its_own() -> None:
    """B's grant takes the statements listing only B; the role's new pair is not touched by B's grant or revoke."""
    revoked = revoked_after_sharing()
    granted = bucket_policy.grant(revoked, "aws", A, {NEW})
    own = naming(granted, A)

    with_b = bucket_policy.grant(granted, "aws", B, {NEW})
    assert naming(with_b, A) == own
    without_b = bucket_policy.revoke(with_b, B)
    assert without_b is not None
    assert naming(without_b, A) == own
    assert naming(without_b, B) == []


def test_every_pair_of_the_role_held_by_others_is_refused_naming_the_role() -> None:
    """Each cycle of grant, sharing and revoke leaves one more pair to ``B``; the pairs are not without end."""
    policy: dict[str, Any] | None = {"Version": "2012-10-17", "Statement": [DENY]}
    sids: set[str] = set()
    with pytest.raises(ConflictError, match=f"Sids of {A} .* all hold other principals"):  # noqa: PT012
        for _ in range(20):
            policy = bucket_policy.grant(policy, "aws", A, {OLD})
            sids |= {statement["Sid"] for statement in naming(policy, A)}
            policy = bucket_policy.revoke(shared_with_b(policy, A), A)
    assert len(sids) == 16  # eight pairs, each used once
    assert naming(policy, A) == []


@pytest.mark.parametrize(
    "widened",
    [
        {"AWS": "*"},
        "*",
        {"AWS": "arn:aws:iam::111111111111:root"},
        {"AWS": "111111111111"},
        {"Service": "s3.amazonaws.com"},
    ],
)
def test_the_roles_own_statements_widened_by_someone_are_refused_not_left_beside_a_new_pair(widened: Any) -> None:
    """
    A principal that covers the role (everyone, its account) or one of another kind, put in place of the role's own:
    the grant refuses to write it back, naming the statement (docs/safety.md, "What widens it is never written
    back"), rather than leaving it where it is and granting the role a second pair beside it.
    """
    granted = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", A, {OLD})
    edited = copy.deepcopy(granted)
    for statement in edited["Statement"]:
        if statement.get("Principal") == {"AWS": A}:
            statement["Principal"] = widened

    with pytest.raises(ConflictError, match="EmrfsXacct"):
        bucket_policy.grant(edited, "aws", A, {OLD, NEW})
