"""
A revoke that removes a provider statement with its last role keeps what someone added to it, or refuses.

A grant, and a revoke that leaves a role in the statement, refuse to write the statement back without an action,
resource or principal someone added (``owned_statement``); removing the statement with its last role dropped them
silently. Each pure removal path: the trust policy, a spill policy, the bucket policy.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy, documents, merge, spill
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.validation import S3Location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "arn:aws:iam::222222222222:role/partner-1"
LOCATION = S3Location("partner-bucket", "results/")


def with_added(document: dict[str, Any], sid: str, key: str, value: str) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for item in documents.as_list(document["Statement"]):
        if item.get("Sid") == sid:
            item[key] = [*documents.as_list(item[key]), value]
    return document


def trust() -> dict[str, Any]:
    audit = {
        "Sid": "Audit",
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    return {"Version": "2012-10-17", "Statement": [documents.trust_statement([EMR_ROLE]), audit]}


def spilled() -> dict[str, Any]:
    return documents.assume_role_policy([PARTNER])


def bucket() -> dict[str, Any]:
    return bucket_policy.grant(None, "aws", EMR_ROLE, {LOCATION})


REVOKES = {
    "trust": (
        trust,
        documents.TRUST_SID,
        lambda document: merge.trust_without_role(document, *EMR_ROLE.split(":")[4:5], "EMR_EC2_DefaultRole"),
    ),
    "spill": (spilled, documents.ASSUME_SID, lambda document: spill.without_roles(document, {PARTNER})),
    "bucket objects": (
        bucket,
        bucket_policy.principal_sids(EMR_ROLE)[0],
        lambda document: bucket_policy.revoke(document, EMR_ROLE),
    ),
    "bucket list": (
        bucket,
        bucket_policy.principal_sids(EMR_ROLE)[1],
        lambda document: bucket_policy.revoke(document, EMR_ROLE),
    ),
}
ADDED = {
    "trust": [("Action", "sts:TagSession")],
    "spill": [("Action", "sts:TagSession")],  # another role ARN added is a role the revoke keeps
    "bucket objects": [("Action", "s3:GetObjectTagging"), ("Resource", "arn:aws:s3:::partner-bucket/shared/readme")],
    "bucket list": [("Action", "s3:GetBucketTagging"), ("Resource", "arn:aws:s3:::other-bucket")],
}


@pytest.mark.parametrize(
    ("kind", "key", "value"), [(kind, key, value) for kind, added in ADDED.items() for key, value in added]
)
def test_removing_the_provider_s_statement_with_its_last_role_refuses_what_someone_added(
    kind: str, key: str, value: str
) -> None:
    build, sid, revoke = REVOKES[kind]
    document = with_added(build(), sid, key, value)

    with pytest.raises(ConflictError, match=rf"holds the {key.lower()} '{value}'.*revoke again"):
        revoke(document)


@pytest.mark.parametrize("kind", list(REVOKES))
def test_a_statement_holding_only_what_the_provider_wrote_goes_with_its_last_role(kind: str) -> None:
    build, sid, revoke = REVOKES[kind]
    document = build()

    result = revoke(document)

    kept = [item for item in documents.as_list((result or {}).get("Statement")) if item.get("Sid") == sid]
    assert kept == [] or kept == [documents.TRUST_NOBODY_STATEMENT]


def test_the_bucket_objects_statement_granted_with_the_acl_action_goes_with_its_last_role() -> None:
    # grant(object_acl=True) writes s3:PutObjectAcl (writes carrying a canned ACL need it): the provider's own action,
    # which the revoke removes with the statement, not refuses as someone's addition.
    document = bucket_policy.grant(None, "aws", EMR_ROLE, {LOCATION}, object_acl=True)
    [objects] = [s for s in documents.as_list(document["Statement"]) if s["Sid"] == REVOKES["bucket objects"][1]]
    assert "s3:PutObjectAcl" in objects["Action"]

    assert bucket_policy.revoke(document, EMR_ROLE) is None


def _without_objects_prefixes(document: dict[str, Any], keep: str) -> dict[str, Any]:
    """The bucket policy with its objects statement gone (``keep="list"``) or holding its folder markers only."""
    document = copy.deepcopy(document)
    objects_sid = REVOKES["bucket objects"][1]
    statements = documents.as_list(document["Statement"])
    if keep == "list":
        document["Statement"] = [s for s in statements if s["Sid"] != objects_sid]
    else:
        [objects] = [s for s in statements if s["Sid"] == objects_sid]
        objects["Resource"] = [r for r in documents.as_list(objects["Resource"]) if not r.endswith("/*")]
        assert objects["Resource"]  # the folder markers
    return document


@pytest.mark.parametrize("keep", ["list", "objects"])
def test_a_statement_with_no_prefix_to_read_goes_with_its_last_role_or_refuses_what_was_added(keep: str) -> None:
    # No location to read the statement's shape from (someone removed the objects statement, or its prefixes): the
    # statement as grant writes it is judged by its own actions, the list's or the objects' (with s3:PutObjectAcl).
    document = _without_objects_prefixes(bucket_policy.grant(None, "aws", EMR_ROLE, {LOCATION}, object_acl=True), keep)

    assert bucket_policy.revoke(document, EMR_ROLE) is None

    sid = REVOKES["bucket list" if keep == "list" else "bucket objects"][1]
    added = "s3:GetBucketTagging" if keep == "list" else "s3:GetObjectTagging"
    with pytest.raises(ConflictError, match=rf"holds the action '{added}'.*revoke again"):
        bucket_policy.revoke(with_added(document, sid, "Action", added), EMR_ROLE)


@pytest.mark.parametrize("kind", list(REVOKES))
def test_removing_the_provider_s_statement_refuses_another_statement_under_its_sid(kind: str) -> None:
    # Removing "the" statement by its Sid removed every statement of that Sid, someone's own with it (a key or bucket
    # policy's Sid need not be unique: only IAM asks it, IAM User Guide, "IAM JSON policy elements: Sid").
    build, sid, revoke = REVOKES[kind]
    document = build()
    theirs = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "x:Y"}
    document["Statement"] = [*documents.as_list(document["Statement"]), theirs]

    with pytest.raises(ConflictError, match=rf"several statements with Sid '{sid}'"):
        revoke(document)


def test_removing_the_key_users_statement_refuses_another_statement_under_its_sid() -> None:
    written = documents.key_users_statement([PARTNER])
    theirs = {**written, "Principal": {"AWS": "arn:aws:iam::222222222222:role/analytics"}, "Action": "kms:Decrypt"}
    document = {"Version": "2012-10-17", "Statement": [written, theirs]}

    with pytest.raises(ConflictError, match="several statements with Sid"):
        merge.remove_owned_statement(document, written)
    assert merge.remove_owned_statement({**document, "Statement": [written]}, written)["Statement"] == []


def test_merging_the_provider_s_statements_refuses_a_statement_of_someone_else_under_one_of_their_sids() -> None:
    # The destination role's policy: the provider's statements it no longer wants are dropped by Sid; one of someone
    # else under such a Sid would go with them.
    owned = documents.trust_statement([EMR_ROLE])
    document = {"Version": "2012-10-17", "Statement": [owned, {**owned, "Principal": {"AWS": PARTNER}}]}
    desired = {"Version": "2012-10-17", "Statement": []}

    with pytest.raises(ConflictError, match="several statements with Sid"):
        merge.merge_owned_statements(document, desired, lambda sid: sid == documents.TRUST_SID)


def test_a_bucket_revoke_with_others_in_the_statement_refuses_another_statement_under_its_sid() -> None:
    """
    The revoke takes the role out of a statement that keeps other principals; with someone's own statement under the
    same Sid placed first, it edited theirs and left the provider's, which still let the revoked role write.
    """
    _, sid, _ = REVOKES["bucket objects"]
    document = bucket_policy.grant(None, "aws", EMR_ROLE, {LOCATION})
    document = bucket_policy.grant(document, "aws", PARTNER, {LOCATION})
    reports = f"arn:aws:s3:::{LOCATION.bucket}/reports/*"
    theirs = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": PARTNER},
        "Action": "s3:GetObject",
        "Resource": reports,
    }
    document["Statement"] = [theirs, *documents.as_list(document["Statement"])]

    with pytest.raises(ConflictError, match=rf"several statements with Sid '{sid}'"):
        bucket_policy.revoke(document, EMR_ROLE)
