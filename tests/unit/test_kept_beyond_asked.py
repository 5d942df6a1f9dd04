"""kept_beyond_asked: what a destination role's provider statements hold that a run did not ask for (journeys)."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.documents import (
    TRUST_NOBODY_STATEMENT,
    destination_permissions_policy,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.merge import kept_beyond_asked
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

OLD, NEW = parse_s3_location("s3://bucket-a/old/", "p"), parse_s3_location("s3://bucket-b/new/", "p")
KEY_1 = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_2 = "arn:aws:kms:us-east-1:222222222222:key/9999abcd-12ab-34cd-56ef-1234567890ab"
OLD_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
NEW_ROLE = "arn:aws:iam::111111111111:role/emr/pipeline-b"


def trust(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_nothing_when_the_run_asks_for_all_it_holds() -> None:
    policy = destination_permissions_policy("aws", [OLD], [KEY_1])
    assert kept_beyond_asked(policy, trust(trust_statement([OLD_ROLE])), [OLD], [KEY_1], [OLD_ROLE]) == []
    assert kept_beyond_asked(None, None, [NEW], [KEY_2], [NEW_ROLE]) == []


def test_each_kind_kept_is_named_and_only_what_was_not_asked_for() -> None:
    policy = destination_permissions_policy("aws", [OLD, NEW], [KEY_1, KEY_2])
    held = trust(trust_statement([OLD_ROLE, NEW_ROLE]))
    assert kept_beyond_asked(policy, held, [NEW], [KEY_2], [NEW_ROLE]) == [
        "prefixes s3://bucket-a/old/",
        f"KMS keys {KEY_1}",
        f"trusted EMR EC2 roles {OLD_ROLE}",
    ]


def test_another_spelling_deleted_roles_nobody_and_others_statements_are_not_named() -> None:
    policy = destination_permissions_policy("aws", [NEW], [])
    spelt = OLD_ROLE.replace("EMR_EC2_DefaultRole", "emr_ec2_defaultrole")
    theirs = {"Sid": "Auditor", "Effect": "Allow", "Principal": {"AWS": NEW_ROLE}, "Action": "sts:AssumeRole"}
    ours = trust_statement([OLD_ROLE, "AROAEXAMPLEUNIQUEID12"])
    assert kept_beyond_asked(policy, trust(ours, theirs), [NEW], [], [spelt]) == []
    assert kept_beyond_asked(policy, trust(dict(TRUST_NOBODY_STATEMENT)), [NEW], [], [NEW_ROLE]) == []
