"""The bucket's account owns the objects the mapped roles write (S3 Object Ownership)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, PROBE_FIX, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, RoleState
    from airflow_provider_emrfs_xacct.pure.validation import S3Location


#: The only ACL a BucketOwnerEnforced bucket accepts on a PUT (besides none).
OWNER_FULL_CONTROL = "bucket-owner-full-control"


def audit(
    index: int | None,
    writers: list[RoleState],
    bucket: BucketState,
    location: S3Location,
    acl: str | None = None,
    settings_read: bool = False,
    acl_setting: str = "emrfs-site fs.s3.canned.acl",
) -> Link:
    """
    Check who owns what ``writers`` put under ``location``, given the bucket's Object Ownership setting.

    :param acl: the ``x-amz-acl`` header the uploads to the bucket carry (``contexts.canned_acl``), if any.
    :param settings_read: whether the cluster's settings were read, so that ``acl`` ``None`` means no ACL.
    :param acl_setting: the setting the connector takes the ACL from, for messages (``contexts.canned_acl_setting``).
    """
    name = f"owner of objects in {location.uri}"
    refused_acl = acl not in (None, OWNER_FULL_CONTROL)
    foreign = sorted({account_of_arn(role.arn) for role in writers} - {bucket.account})
    if "ownership" in bucket.unreadable:
        unread = bucket.unreadable["ownership"]
        if foreign or (writers and refused_acl):
            # A BucketOwnerEnforced bucket would refuse that ACL (below): the setting decides.
            why = f"; BucketOwnerEnforced would refuse x-amz-acl {acl}" if writers and refused_acl else ""
            return Link(index, name, UNKNOWN, unread + why, fix=PROBE_FIX)
        # S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket": with Object
        # writer the uploading account owns the object, with Bucket owner preferred an object not written
        # with bucket-owner-full-control stays the uploader's, with Bucket owner enforced the bucket owner owns
        # every object. The writers are the bucket owner's own account: it owns the objects under any setting.
        return Link(
            index,
            name,
            PASS,
            f"the writers ({', '.join(sorted(role.arn for role in writers)) or 'none'}) are in the bucket's account "
            f"{bucket.account}, which owns the objects whatever the ownership setting (not read: {unread})",
        )
    if writers and bucket.object_ownership == "BucketOwnerEnforced" and refused_acl:
        # S3 User Guide, "Troubleshooting" (Object Ownership): with Bucket owner enforced, PUT requests must
        # specify bucket-owner-full-control or no ACL, else they fail with 400 AccessControlListNotSupported.
        return Link(
            index,
            name,
            FAIL,
            f"BucketOwnerEnforced: uploads carry x-amz-acl {acl}, which S3 refuses (400 AccessControlListNotSupported)",
            fix=f"remove {acl_setting} (or set it to BucketOwnerFullControl)",
        )
    if not foreign:
        return Link(
            index,
            name,
            PASS,
            f"the writers ({', '.join(sorted(role.arn for role in writers)) or 'none'}) are in the bucket's account "
            f"{bucket.account}, which owns the objects",
        )
    if bucket.object_ownership == "BucketOwnerEnforced":
        return Link(index, name, PASS, "BucketOwnerEnforced: the bucket owner owns every object")
    if bucket.object_ownership == "BucketOwnerPreferred" and acl == OWNER_FULL_CONTROL:
        return Link(index, name, PASS, "BucketOwnerPreferred, and the uploads carry bucket-owner-full-control")
    # BucketOwnerEnforced refuses any other ACL (above): switching to it also means dropping that ACL.
    enforce = "switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator enforce_bucket_owner=True)" + (
        f" and remove {acl_setting} (that bucket refuses x-amz-acl {acl})" if refused_acl else ""
    )
    owners = f"objects stay owned by account {', '.join(foreign)}"
    if bucket.object_ownership == "BucketOwnerPreferred":
        # S3 API Reference, OwnershipControlsRule: with BucketOwnerPreferred, objects change ownership to the
        # bucket owner only if uploaded with the bucket-owner-full-control canned ACL; else the writer owns them.
        fix = f"set {acl_setting}=BucketOwnerFullControl (a new cluster), or {enforce}"
        if not settings_read:
            return Link(
                index,
                name,
                UNKNOWN,
                "BucketOwnerPreferred: the bucket owner owns objects only if written with bucket-owner-full-control, "
                "and the cluster's emrfs-site fs.s3.canned.acl, which decides it, was not read",
                fix=f"pass cluster_id to check it; {fix}",
            )
        sent = f"x-amz-acl {acl}" if acl else f"no ACL ({acl_setting} is not set)"
        return Link(index, name, FAIL, f"BucketOwnerPreferred, and the uploads carry {sent}: {owners}", fix=fix)
    return Link(index, name, FAIL, f"ObjectWriter: {owners}", fix=enforce)
