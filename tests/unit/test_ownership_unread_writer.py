"""
The owner link on uploads whose role's policies could not be read, or whose role is not known.

S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket": with Object writer, the AWS
account that uploads an object owns it. That account is the one in the uploading role's ARN, whatever the role's
policies say: a role the verifier could not read still writes for its account, and an upload whose role is not
known leaves the owner not known. Neither may let the link pass on the other writers' account.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks import ownership
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from tests.unit.test_chain import (
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_ROLE,
    IDENTIFIER,
    OWNER,
    PREFIX,
    ROLE,
    by_name,
    healthy_state,
    mappings,
)
from tests.unit.test_option_a_verify import option_a_state

UNREAD = "iam:ListRolePolicies refused"
#: A role of the EMR account that a mapping names, beside the destination role.
EMR_ACCOUNT_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-side-writer"


def _bucket(state_buckets: dict[str, object]) -> BucketState:
    bucket = state_buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    return bucket


def test_an_unreadable_emr_role_writing_the_marker_still_fails_an_object_writer_bucket() -> None:
    """
    Option (b), the identifier with its trailing slash: the prefix's own key and its ``_$folder$`` marker go as
    the EMR EC2 role (account 111), which keeps them on an ObjectWriter bucket whether its policies were read or not.
    """
    state = healthy_state()
    _bucket(state.buckets).object_ownership = "ObjectWriter"
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    assert isinstance(state.emr_role, RoleState)
    state.emr_role.unreadable = UNREAD

    link = by_name(check_chain(state))[OWNER]

    assert link.status == FAIL, link
    assert link.detail == f"ObjectWriter: objects stay owned by account {EMR_ACCOUNT}"
    assert "BucketOwnerEnforced" in link.fix


def test_option_a_with_the_emr_role_unreadable_fails_an_object_writer_bucket() -> None:
    """Option (a): every object is written by the EMR EC2 role, of account 111; before, "the writers (none)" passed."""
    state = option_a_state()
    _bucket(state.buckets).object_ownership = "ObjectWriter"
    assert isinstance(state.emr_role, RoleState)
    state.emr_role.unreadable = UNREAD

    link = by_name(check_chain(state))[OWNER]

    assert link.status == FAIL, link
    assert EMR_ACCOUNT in link.detail
    assert "(none)" not in link.detail


def test_an_unreadable_emr_role_is_a_writer_of_another_account_where_the_setting_was_not_read() -> None:
    """With the setting unread, a writer of another account leaves the owner to that setting: not checked."""
    state = healthy_state()
    _bucket(state.buckets).unreadable["ownership"] = "s3:GetBucketOwnershipControls denied"
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    assert isinstance(state.emr_role, RoleState)
    state.emr_role.unreadable = UNREAD

    link = by_name(check_chain(state))[OWNER]

    assert link.status == UNKNOWN, link
    assert link.detail.startswith("s3:GetBucketOwnershipControls denied")


@pytest.mark.parametrize("ownership_setting", ["ObjectWriter", "BucketOwnerPreferred", None])
def test_an_upload_as_an_emr_role_whose_arn_was_not_read_is_not_checked(ownership_setting: str | None) -> None:
    """
    The EMR EC2 role itself could not be read (``GetRole`` refused): which account writes the marker is not known,
    so the owner is not known where the bucket's ACLs are enabled or its setting unread. The live probe writes
    under the mapping only, so its passing settles nothing here.
    """
    state = healthy_state()
    bucket = _bucket(state.buckets)
    if ownership_setting is None:
        bucket.unreadable["ownership"] = "s3:GetBucketOwnershipControls denied"
    else:
        bucket.object_ownership = ownership_setting
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    state.emr_role = Unreadable("iam:GetRole refused")

    link = by_name(check_chain(state))[OWNER]

    assert link.status == UNKNOWN, link
    assert f"PutObject s3://{BUCKET}/exports_$folder$" in link.detail
    assert "which role uploads is not known" in link.detail
    assert link.probe_settles is False
    assert "probe" not in link.fix


def test_a_key_routed_to_another_mapping_whose_role_is_unreadable_counts_that_role_s_account() -> None:
    """
    An earlier mapping takes the ``_temporary`` keys under the prefix for a role of the EMR account that could not
    be read: that account uploads those objects, and keeps them on an ObjectWriter bucket.
    """
    state = healthy_state()
    _bucket(state.buckets).object_ownership = "ObjectWriter"
    state.security_configuration = mappings(
        (EMR_ACCOUNT_ROLE, "Prefix", f"s3://{BUCKET}/exports/_temporary"), (ROLE, "Prefix", IDENTIFIER)
    )
    state.destination_roles[EMR_ACCOUNT_ROLE] = RoleState(EMR_ACCOUNT_ROLE, unreadable=UNREAD)

    owners = [link for link in check_chain(state).links if link.link == OWNER and link.mapping == 1]

    assert len(owners) == 1
    assert owners[0].status == FAIL, owners[0]
    assert owners[0].detail == f"ObjectWriter: objects stay owned by account {EMR_ACCOUNT}"


def test_an_upload_an_earlier_mapping_may_take_keeps_the_owner_not_checked() -> None:
    """
    An earlier ``s3a://`` identifier may match the prefix's own keys (``routing.may_match_otherwise``): which role
    uploads them is not known, so on an ObjectWriter bucket neither is their owner, though every known writer is of
    the bucket's account.
    """
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/other-writer"
    state = healthy_state()
    _bucket(state.buckets).object_ownership = "ObjectWriter"
    state.security_configuration = mappings((other, "Prefix", f"s3a://{BUCKET}/exports"), (ROLE, "Prefix", IDENTIFIER))

    owners = [link for link in check_chain(state).links if link.link == OWNER and link.mapping == 1]

    assert len(owners) == 1
    assert owners[0].status == UNKNOWN, owners[0]
    assert "may send it as" in owners[0].detail


@pytest.mark.parametrize("unread", [False, True])
def test_no_writer_at_all_never_passes(unread: bool) -> None:
    """An owner link with no writer and no upload whose role is unknown has judged nothing: never "(none)" PASS."""
    bucket = BucketState(account=DESTINATION_ACCOUNT, object_ownership="ObjectWriter")
    if unread:
        bucket.unreadable["ownership"] = "s3:GetBucketOwnershipControls denied"
    location = parse_s3_location(PREFIX, "prefix")

    link = ownership.audit(None, [], bucket, location)

    assert link.status == UNKNOWN
    assert "(none)" not in link.detail


def test_a_readable_writer_of_the_bucket_s_account_still_passes_beside_an_unreadable_emr_role_on_enforced() -> None:
    """
    BucketOwnerEnforced gives the bucket owner every object whoever writes it: the EMR EC2 role's account, read or
    not, changes nothing there (the rest of the chain is what the unread role leaves not checked).
    """
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    assert isinstance(state.emr_role, RoleState)
    state.emr_role.unreadable = UNREAD

    report = check_chain(state)
    link = by_name(report)[OWNER]

    assert link.status == PASS, link
    assert link.detail == "BucketOwnerEnforced: the bucket owner owns every object"
    assert report.verdict != VERDICT_PASS
    assert EMR_ROLE not in link.detail
