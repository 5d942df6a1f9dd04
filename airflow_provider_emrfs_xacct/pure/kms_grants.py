"""
What a KMS grant allows: the grants of a key (``ListGrants``) against one KMS call S3 makes for a writer.

AWS KMS authorizes a call through the key policy, IAM policies *and* grants (AWS KMS Developer Guide, "KMS key
access and permissions"): "A grant can allow access to a KMS key, but not deny access", it allows "the grantee
principal to call the specified grant operations on the KMS key provided that all conditions specified in the
grant are met" ("Grants in AWS KMS"), and "No AWS principal has any permissions to a KMS key unless that
permission is provided explicitly and never denied" ("KMS key access and permissions"): an explicit ``Deny`` in
the key policy or an IAM policy still wins over a grant.

A grant's constraints (AWS KMS API Reference, GrantConstraints): ``EncryptionContextEquals`` allows the
operation "only when the encryption context in the request is the same", ``EncryptionContextSubset`` only when it
"includes the key-value pairs specified in this constraint"; "in a grant constraint, the key in each key-value pair
is not case sensitive, but the value is case sensitive".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_emrfs_xacct.pure.validation import account_of_arn


@dataclass(frozen=True)
class GrantMatch:
    """The grants of a key read against one call: the one that allows it, and those that nearly did."""

    #: A grant whose grantee is the role's ARN, whose operations cover the call and whose constraints hold.
    allowing: dict[str, Any] | None = None
    #: Why a grant is not judged (its grantee is an account, or the role is of another account than the key's).
    unsettled: str = ""
    #: Grants to the role covering the operation whose constraints the call's encryption context does not meet.
    constrained: tuple[dict[str, Any], ...] = ()


def operation_of(action: str) -> str:
    """The grant operation of a KMS action: ``kms:GenerateDataKey`` -> ``GenerateDataKey``."""
    return action.split(":", 1)[-1]


def constraints_hold(constraints: Any, encryption_context: dict[str, str]) -> bool:
    """
    Whether a grant's ``Constraints`` allow a call with ``encryption_context`` (see the module's docstring). An
    empty map is no constraint (IAM Access Analyzer API Reference, KmsGrantConstraints: "An empty map is treated as
    not specified").
    """
    if not isinstance(constraints, dict):
        return True
    sent = {key.lower(): value for key, value in encryption_context.items()}
    equals = constraints.get("EncryptionContextEquals")
    if equals and {key.lower(): value for key, value in equals.items()} != sent:
        return False
    subset = constraints.get("EncryptionContextSubset")
    return not subset or all(sent.get(key.lower()) == value for key, value in subset.items())


def match_grants(
    grants: list[dict[str, Any]], role_arn: str, key_arn: str, action: str, encryption_context: dict[str, str]
) -> GrantMatch:
    """
    Judge the key's grants for ``action`` by sessions of ``role_arn`` with ``encryption_context``.

    Only a grant naming the role's ARN as ``GranteePrincipal`` is taken to allow, and only when the role is in the
    key's account. The grantee may also be an account or another principal of another account (AWS KMS API
    Reference, CreateGrant, GranteePrincipal: "AWS accounts, IAM users, IAM roles, federated users, and assumed role
    users"); what such a grant gives the role's sessions, with or without IAM policies, is not judged here.
    """
    operation = operation_of(action)
    covering = [grant for grant in grants if operation in (grant.get("Operations") or [])]
    account_root = f"arn:{role_arn.split(':')[1]}:iam::{account_of_arn(role_arn)}:root"
    to_role = [grant for grant in covering if grant.get("GranteePrincipal") == role_arn]
    holding = [grant for grant in to_role if constraints_hold(grant.get("Constraints"), encryption_context)]
    constrained = tuple(grant for grant in to_role if grant not in holding)
    if holding and account_of_arn(role_arn) == account_of_arn(key_arn):
        return GrantMatch(allowing=holding[0])
    if holding:
        return GrantMatch(
            unsettled=f"grant {holding[0].get('GrantId')} names {role_arn}, of another account than the key's: "
            "a cross-account grant is not judged",
            constrained=constrained,
        )
    to_account = [
        grant
        for grant in covering
        if grant.get("GranteePrincipal") in (account_root, account_of_arn(role_arn))
        and constraints_hold(grant.get("Constraints"), encryption_context)
    ]
    if to_account:
        return GrantMatch(
            unsettled=f"grant {to_account[0].get('GrantId')} names the role's account {account_of_arn(role_arn)} "
            "as grantee: what it gives the account's roles is not judged",
            constrained=constrained,
        )
    return GrantMatch(constrained=constrained)


def describe_grant(grant: dict[str, Any]) -> str:
    """A grant as the report names it: its id (and name), grantee and operations."""
    name = f" ({grant['Name']})" if grant.get("Name") else ""
    operations = ", ".join(grant.get("Operations") or [])
    return f"grant {grant.get('GrantId')}{name} to {grant.get('GranteePrincipal')} for {operations}"
