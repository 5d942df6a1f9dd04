"""
The pure rules behind two refusals of the provider's own statements, in every document that has them.

1. The clean-up of deleted principals (``without_deleted_ids``) is the same for a key, trust or bucket policy, and a run
   whose only change would be that clean-up, which someone's statement naming another deleted principal blocks (IAM,
   KMS and S3 refuse every policy still naming one: AWS Knowledge Center, iam-trust-policy-error,
   kms-policy-error-invalid-principals, s3-invalid-principal-in-policy-error), writes nothing
   (``unless_cleanup_blocked``); a run with more to write is refused as before.
2. A ``NotResource``, ``NotAction`` or ``NotPrincipal`` in a provider statement that ``merge_owned_statements`` keeps
   or drops is a ``ConflictError`` (IAM User Guide, "IAM JSON policy elements: NotResource": it "matches every resource
   except those specified"), with or without the statement's widest form: before, a dropped one went silently.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy, documents
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import (
    merge_owned_statements,
    refuse_orphaned_ids,
    same_meaning,
    trust_without_role,
    unless_cleanup_blocked,
    upsert_statement,
    without_deleted_ids,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER_A = "arn:aws:iam::222222222222:role/partner-a-writer"
DELETED = "AROAEXAMPLEDELETED001"  # a principal of the provider's statement, deleted since
THEIRS_ID = "AROAEXAMPLETHEIRS0002"  # whom someone's own statement names, deleted since
KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADMINS = {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*"}
THEIRS = {"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": THEIRS_ID}, "Action": "kms:Decrypt", "Resource": "*"}


def owns_key_users(sid: str) -> bool:
    return sid == documents.KEY_USERS_SID


def key_policy(*users: str, theirs: dict[str, Any] = THEIRS) -> dict[str, Any]:
    ours = documents.key_users_statement(users)
    return {"Version": "2012-10-17", "Statement": [copy.deepcopy(ADMINS), ours, copy.deepcopy(theirs)]}


def writable(current: dict[str, Any], desired: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """As the key hook judges it: KMS refuses the write while a statement not the provider's names a deleted ID."""

    def refuse() -> None:
        if not same_meaning(desired, current):
            refuse_orphaned_ids(current, documents.KEY_USERS_SID, "the key policy of k")

    return unless_cleanup_blocked(current, desired, owns_key_users, refuse, "the key policy of k")


def test_the_clean_up_takes_the_ids_out_of_the_provider_statement_and_drops_one_naming_only_them() -> None:
    cleaned, cleared = without_deleted_ids(key_policy(PARTNER_A, DELETED), owns_key_users)

    assert cleaned["Statement"][1]["Principal"] == {"AWS": PARTNER_A}
    assert cleaned["Statement"][2] == THEIRS  # not the provider's: left as it is
    assert cleared == [f"{DELETED} taken out of statement {documents.KEY_USERS_SID!r}"]
    dropped, cleared = without_deleted_ids(key_policy(DELETED), owns_key_users)
    assert [statement["Sid"] for statement in dropped["Statement"]] == ["Admins", "Theirs"]
    assert cleared == [f"statement {documents.KEY_USERS_SID!r}, which named only {DELETED}"]


def test_a_service_beside_only_deleted_ids_keeps_the_statement() -> None:
    policy = key_policy(DELETED)
    policy["Statement"][1]["Principal"]["Service"] = "s3.amazonaws.com"

    cleaned, _ = without_deleted_ids(policy, owns_key_users)

    assert cleaned["Statement"][1]["Principal"] == {"Service": "s3.amazonaws.com"}


def test_the_bucket_policy_clean_up_is_the_same_rule() -> None:
    """``bucket_policy.without_deleted_principals`` is the shared clean-up over the provider's pairs of statements."""
    location = S3Location("bkt", "exports/")
    granted = bucket_policy.grant(None, "aws", EMR_ROLE, {location})
    shown = copy.deepcopy(granted)
    for statement in shown["Statement"]:
        statement["Principal"] = {"AWS": [EMR_ROLE, DELETED]}
    shown["Statement"].append({**THEIRS, "Sid": "BatchRead"})

    cleaned, cleared = bucket_policy.without_deleted_principals(shown)

    assert cleaned == without_deleted_ids(shown, bucket_policy.owns_pair)[0]
    assert same_meaning(cleaned, {**granted, "Statement": [*granted["Statement"], {**THEIRS, "Sid": "BatchRead"}]})
    assert len(cleared) == 2


def test_a_rerun_whose_only_change_is_the_blocked_clean_up_keeps_the_policy_and_says_why() -> None:
    current = key_policy(PARTNER_A, DELETED)
    desired = upsert_statement(current, documents.key_users_statement([PARTNER_A]))

    written, warning = writable(current, desired)

    assert written is current
    assert warning.startswith("The key policy of k is left as it is")
    assert f"statement 'Theirs' names '{THEIRS_ID}'" in warning
    assert DELETED in warning


def test_a_change_beside_the_blocked_clean_up_is_refused_as_before() -> None:
    current = key_policy(PARTNER_A, DELETED)
    desired = upsert_statement(current, documents.key_users_statement([PARTNER_A, EMR_ROLE]))

    with pytest.raises(ConflictError, match=f"statement 'Theirs' names '{THEIRS_ID}'"):
        writable(current, desired)


def test_a_policy_nothing_blocks_is_written_as_desired() -> None:
    current = key_policy(PARTNER_A, DELETED, theirs={**THEIRS, "Principal": {"AWS": EMR_ROLE}})
    desired = upsert_statement(current, documents.key_users_statement([PARTNER_A]))

    assert writable(current, desired) == (desired, "")


def test_a_revoke_of_a_role_the_trust_no_longer_holds_leaves_the_blocked_clean_up() -> None:
    """The trust holds only a deleted EMR role's ID; someone's statement another's: the revoke's change is the clean-up."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            documents.trust_statement([DELETED]),
            {"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": THEIRS_ID}, "Action": "sts:AssumeRole"},
        ],
    }
    desired = trust_without_role(trust, "111111111111", "EMR_EC2_DefaultRole")
    assert desired is not None
    assert not same_meaning(desired, trust)  # the clean-up alone

    def refuse() -> None:
        refuse_orphaned_ids(trust, documents.TRUST_SID, "the trust policy of role r")

    written, warning = unless_cleanup_blocked(
        trust, desired, lambda sid: sid == documents.TRUST_SID, refuse, "the trust policy of role r"
    )

    assert written is trust
    assert "The trust policy of role r is left as it is" in warning


PROVIDER_SIDS = [
    documents.OBJECTS_SID,
    documents.LIST_SID,
    documents.BUCKET_LOCATION_SID,
    documents.KMS_USE_SID,
    documents.OBJECT_ACL_SID,
]


@pytest.mark.parametrize("key", ["NotResource", "NotAction", "NotPrincipal"])
@pytest.mark.parametrize("sid", PROVIDER_SIDS)
@pytest.mark.parametrize("kept", [True, False], ids=["kept", "dropped"])
def test_an_inverted_provider_statement_is_refused_kept_or_dropped(sid: str, key: str, kept: bool) -> None:
    """
    The destination role's policy (the EMR EC2 role's has the same statements): one statement inverted by hand.
    Merged into a policy that keeps it, or one that leaves it out, without the widest form (as the EMR EC2 role's
    grant merges): refused naming the statement and the element.
    """
    location = S3Location("bkt", "exports/")
    written = documents.destination_permissions_policy("aws", {location}, [KEY], object_acl=True)
    current = copy.deepcopy(written)
    [statement] = [item for item in current["Statement"] if item["Sid"] == sid]
    statement[key] = "arn:aws:s3:::other/*" if key != "NotPrincipal" else {"AWS": EMR_ROLE}
    desired = copy.deepcopy(written)
    if not kept:
        desired["Statement"] = [item for item in desired["Statement"] if item["Sid"] != sid]

    with pytest.raises(ConflictError, match=f"statement {sid!r} has {key}"):
        merge_owned_statements(current, desired, documents.is_owned_destination_sid)


def test_an_inverted_statement_not_the_providers_is_kept_as_it_is() -> None:
    location = S3Location("bkt", "exports/")
    written = documents.destination_permissions_policy("aws", {location}, [KEY])
    theirs = {"Sid": "DenyOthers", "Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bkt/*"}
    current = {**written, "Statement": [*written["Statement"], theirs]}

    merged = merge_owned_statements(current, written, documents.is_owned_destination_sid)

    assert merged["Statement"][-1] == theirs
