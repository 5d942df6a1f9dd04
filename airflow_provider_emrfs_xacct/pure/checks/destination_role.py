"""The role a mapping names exists at exactly that ARN and could be read."""

from __future__ import annotations

from dataclasses import replace

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.merge import identity_key


def audit(index: int, role_arn: str, role: RoleState | Unreadable | None) -> Link:
    """
    Check the destination role of mapping ``index``.

    A link that does not pass stands for the role's later links (its assume permission, each prefix's steps, key
    and objects' owner: ``checks/chain.py`` stops there), so a passing live probe does not settle it
    (:attr:`~.findings.Link.probe_settles` false): those links judge requests the probe's one small ``PutObject``
    never sends, such as a multipart upload's, whose SSE-KMS parts need ``kms:Decrypt`` as well as
    ``kms:GenerateDataKey`` (Amazon S3 User Guide, "Multipart upload API and permissions").

    :param role_arn: the ARN the mapping names.
    :param role: the role of that name as read from the destination account.
    """
    link = _audit(index, role_arn, role)
    return link if link.status == PASS else replace(link, probe_settles=False)


def _audit(index: int, role_arn: str, role: RoleState | Unreadable | None) -> Link:
    """The destination role link of :func:`audit`, before what a probe settles of it."""
    name = "destination role"
    if isinstance(role, Unreadable):
        return Link(index, name, UNKNOWN, f"{role_arn}: {role.detail}")
    if role is None:
        return Link(
            index,
            name,
            FAIL,
            f"{role_arn} not found: EMRFS's AssumeRole on it will fail",
            fix="create it with EnsureDestinationRoleOperator, or name an existing role in the mapping",
        )
    if role.arn != role_arn and identity_key(role.arn) == identity_key(role_arn):
        # The same role (names "aren't distinguished by case": IAM User Guide, "IAM and AWS STS quotas"), but not
        # for STS: "When you assume a role using AWS STS API or AWS CLI, make sure to use the exact name of your role
        # in the ARN. Role names are case sensitive when you assume a role" (IAM User Guide, "Troubleshoot IAM
        # roles", "I can't assume a role": https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html).
        # EMRFS calls AssumeRole on the mapping's ARN.
        return Link(
            index,
            name,
            FAIL,
            f"the mapping names {role_arn}, the role's own spelling is {role.arn}: role names are case sensitive "
            "when a role is assumed, so EMRFS's AssumeRole on the mapping's ARN will fail",
            fix=f"put {role.arn} in the mapping (CreateEmrfsSecurityConfigOperator)",
        )
    if role.arn != role_arn:
        # EMRFS calls AssumeRole on the mapping's ARN: partition, account, path and name must all be the role's.
        return Link(
            index,
            name,
            FAIL,
            f"the mapping names {role_arn}, but the role of that name is {role.arn}: EMRFS's AssumeRole on the "
            "mapping's ARN will fail",
            fix=f"put {role.arn} in the mapping (CreateEmrfsSecurityConfigOperator)",
        )
    if role.unreadable:
        return Link(index, name, UNKNOWN, f"{role_arn}: {role.unreadable}")
    return Link(index, name, PASS, f"{role.arn} exists")
