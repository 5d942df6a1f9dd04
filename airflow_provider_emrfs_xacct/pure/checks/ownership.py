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
    unjudged: str = "",
    unjudged_probed: bool = True,
) -> Link:
    """
    Check who owns what ``writers`` put under ``location``, given the bucket's Object Ownership setting.

    :param acl: the ``x-amz-acl`` header the uploads to the bucket carry (``contexts.canned_acl``), if any.
    :param settings_read: whether the cluster's settings were read, so that ``acl`` ``None`` means no ACL.
    :param acl_setting: the setting the connector takes the ACL from, for messages (``contexts.canned_acl_setting``).
    :param unjudged: an upload whose role is not known (:func:`.routing.routed_writer`), and why; ``""``: none.
    :param unjudged_probed: whether every such upload goes the live probe's route, which checks its object's owner.
    """
    name = f"owner of objects in {location.uri}"
    refused_acl = acl not in (None, OWNER_FULL_CONTROL)
    foreign = sorted({account_of_arn(role.arn) for role in writers} - {bucket.account})
    if not writers and not unjudged:
        # Every write puts objects (pure/requests.py): none judged means who writes them was not found.
        return Link(index, name, UNKNOWN, "no upload under it was judged: who writes its objects is not known")
    if "ownership" in bucket.unreadable:
        refused = acl if refused_acl else None
        return _setting_unread(index, name, writers, bucket, refused, foreign, (unjudged, unjudged_probed))
    if bucket.object_ownership == "BucketOwnerEnforced" and refused_acl:
        # S3 User Guide, "Troubleshooting" (Object Ownership): with Bucket owner enforced, PUT requests must
        # specify bucket-owner-full-control or no ACL, else they fail with 400 AccessControlListNotSupported.
        return Link(
            index,
            name,
            FAIL,
            f"BucketOwnerEnforced: uploads carry x-amz-acl {acl}, which S3 refuses (400 AccessControlListNotSupported)",
            fix=f"remove {acl_setting} (or set it to BucketOwnerFullControl)",
        )
    if not foreign and not unjudged:
        return Link(
            index,
            name,
            PASS,
            f"the writers ({', '.join(sorted(role.arn for role in writers))}) are in the bucket's account "
            f"{bucket.account}, which owns the objects",
        )
    if bucket.object_ownership == "BucketOwnerEnforced":
        return Link(index, name, PASS, "BucketOwnerEnforced: the bucket owner owns every object")
    if bucket.object_ownership == "BucketOwnerPreferred" and acl == OWNER_FULL_CONTROL:
        return Link(index, name, PASS, "BucketOwnerPreferred, and the uploads carry bucket-owner-full-control")
    if not foreign:
        # S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket": with ACLs enabled,
        # the uploading account owns what it writes (unless Bucket owner preferred takes it over, above).
        return Link(
            index,
            name,
            UNKNOWN,
            f"{bucket.object_ownership}: the uploading account owns the objects, and which role uploads is not "
            f"known ({unjudged})",
            fix="settle why that upload's role is not known (its link above), then verify again"
            + (f"; or {PROBE_FIX}" if unjudged_probed else ""),
            probe_settles=unjudged_probed,
        )
    return _foreign_owner(index, name, bucket, (acl, refused_acl), foreign, settings_read, acl_setting)


def _setting_unread(
    index: int | None,
    name: str,
    writers: list[RoleState],
    bucket: BucketState,
    refused: str | None,
    foreign: list[str],
    unknown_writer: tuple[str, bool],
) -> Link:
    """
    The link where the bucket's Object Ownership setting could not be read.

    :param refused: the ``x-amz-acl`` the uploads carry that a BucketOwnerEnforced bucket refuses (``None``: none).
    :param unknown_writer: an upload whose role is not known and why (``""``: none), and whether it goes the live
        probe's route (:func:`audit`).
    """
    unread = bucket.unreadable["ownership"]
    unjudged, unjudged_probed = unknown_writer
    if foreign or refused or unjudged:
        # A BucketOwnerEnforced bucket would refuse that ACL (audit): the setting decides; so it does for a writer
        # of another account, or one whose role (so account) is not known.
        why = f"; BucketOwnerEnforced would refuse x-amz-acl {refused}" if refused else ""
        who = f"; which role uploads is not known ({unjudged})" if unjudged else ""
        settles = unjudged_probed or not who  # the probe checks its own object's owner only
        fix = PROBE_FIX if settles else "settle why that upload's role is not known (its link above), then verify again"
        return Link(index, name, UNKNOWN, unread + why + who, fix=fix, probe_settles=settles)
    # S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket": with Object
    # writer the uploading account owns the object, with Bucket owner preferred an object not written
    # with bucket-owner-full-control stays the uploader's, with Bucket owner enforced the bucket owner owns
    # every object. The writers are the bucket owner's own account: it owns the objects under any setting.
    return Link(
        index,
        name,
        PASS,
        f"the writers ({', '.join(sorted(role.arn for role in writers))}) are in the bucket's account "
        f"{bucket.account}, which owns the objects whatever the ownership setting (not read: {unread})",
    )


def _foreign_owner(
    index: int | None,
    name: str,
    bucket: BucketState,
    sent_acl: tuple[str | None, bool],
    foreign: list[str],
    settings_read: bool,
    acl_setting: str,
) -> Link:
    """
    The link where writers of another account (``foreign``) upload to a bucket whose ACLs are enabled.

    :param sent_acl: the ``x-amz-acl`` the uploads carry (``None``: none), and whether BucketOwnerEnforced refuses it.
    """
    acl, refused_acl = sent_acl
    # BucketOwnerEnforced refuses any other ACL (audit): switching to it also means dropping that ACL.
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
                fix=f"pass cluster_id to check it (command line: --cluster-id); {fix}",
            )
        sent = f"x-amz-acl {acl}" if acl else f"no ACL ({acl_setting} is not set)"
        return Link(index, name, FAIL, f"BucketOwnerPreferred, and the uploads carry {sent}: {owners}", fix=fix)
    return Link(index, name, FAIL, f"ObjectWriter: {owners}", fix=enforce)
