"""
The provider's operator that grants what a refused request lacks, by the role that sends it and the side that refuses.

A request of the EMR EC2 role (option (a), or a key no mapping covers) reaches the partner's bucket and key
from another account: both its own identity policy and the bucket policy (or key policy) must allow it (IAM User
Guide, "Cross-account policy evaluation logic"; AWS KMS Developer Guide, "Allowing users in other accounts to use
a KMS key"). The EMR EC2 role's side is ``GrantEmrRoleBucketAccessOperator``'s, the partner's side
``GrantBucketAccessOperator``'s and ``GrantKmsKeyUserOperator``'s. A destination role's own policy is
``EnsureDestinationRoleOperator``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState


def is_emr_role(state: ChainState, role_arn: str) -> bool:
    """Whether ``role_arn`` is the cluster's EMR EC2 role as read (its instance profile's role)."""
    role = state.emr_role
    return getattr(role, "arn", None) == role_arn


def prefix_identity_fix(state: ChainState, role_arn: str) -> str:
    """The fix of an S3 request the role's own policies do not allow."""
    if is_emr_role(state, role_arn):
        return "GrantEmrRoleBucketAccessOperator (the EMR EC2 role's own policy) with this prefix in s3_prefixes"
    return (
        "EnsureDestinationRoleOperator with this prefix in s3_prefixes (command line: in the partner file's "
        "destination.s3_prefixes, then emrfs-xacct apply)"
    )


def bucket_policy_fix(state: ChainState, role_arn: str) -> str:
    """The fix of an S3 request of another account's role that the bucket policy does not allow."""
    if is_emr_role(state, role_arn):
        return (
            "the bucket policy must allow the EMR EC2 role (it is in another account): GrantBucketAccessOperator "
            "with it in principal_arns and this prefix in s3_prefixes"
        )
    return "the bucket policy must allow this role (it is in another account)"


def key_fix(state: ChainState, role_arn: str, source: str | None) -> str:
    """The fix of a KMS call S3 makes for the role that the key policy (``resource``) or the role's policies refuse."""
    if not is_emr_role(state, role_arn):
        return (
            "GrantKmsKeyUserOperator with the destination role (command line: this key in the partner file's "
            "destination.kms_key_arns, then emrfs-xacct apply)"
        )
    if source == "identity":
        return (
            "the EMR EC2 role's own policy must allow the key too (it is in another account): "
            "GrantEmrRoleBucketAccessOperator with this key in kms_key_arns"
        )
    return (
        "the key policy must allow the EMR EC2 role (it is in another account): GrantKmsKeyUserOperator with it in "
        "principal_arns, and GrantEmrRoleBucketAccessOperator with this key in kms_key_arns for its own side"
    )
