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

from airflow_provider_emrfs_xacct.pure.evaluator import Request, Tri, evaluate
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn


@dataclass(frozen=True)
class GrantMatch:
    """The grants of a key read against one call: the one that allows it, and those that nearly did."""

    #: A grant whose grantee is the role's ARN, whose operations cover the call and whose constraints hold.
    allowing: dict[str, Any] | None = None
    #: Why a grant is not judged (its grantee is an account, may or may not be the role's session, or the role is of
    #: another account than the key's).
    unsettled: str = ""
    #: Grants to the role (or maybe to it) covering the operation whose constraints the call's encryption context does
    #: not meet.
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


def grantee_names_role(grantee: Any, role_arn: str, key_arn: str, action: str, *, direct_only: bool = True) -> Tri:
    """
    Whether a grant's ``GranteePrincipal`` names the sessions of ``role_arn``: read as a key policy's ``Principal``
    by :func:`~airflow_provider_emrfs_xacct.pure.evaluator.evaluate`, so a grantee is judged as the evaluator judges a
    principal. ``True``: the role's ARN (``direct_only``), or also its account; ``None``: a session of the role, whose
    name EMRFS chooses, or the role's ARN in another case, which AWS does not document matching; ``False``: neither.
    (``*`` is no grantee: AWS KMS API Reference, GrantListEntry, GranteePrincipal pattern ``^[\\w+=,.@:/-]+$``.)
    """
    statement = {"Effect": "Allow", "Principal": {"AWS": str(grantee)}, "Action": "*", "Resource": "*"}
    request = Request(action, key_arn, role_arn)
    decision = evaluate([("grant", {"Statement": [statement]})], request, resource_policy=True, direct_only=direct_only)
    return True if decision.allowed else None if decision.undetermined else False


def match_grants(
    grants: list[dict[str, Any]], role_arn: str, key_arn: str, action: str, encryption_context: dict[str, str]
) -> GrantMatch:
    """
    Judge the key's grants for ``action`` by sessions of ``role_arn`` with ``encryption_context``.

    Only a grant naming the role's ARN as ``GranteePrincipal`` is taken to allow, and only when the role is in the
    key's account. The grantee may also be an account or another principal (AWS KMS API Reference, CreateGrant,
    GranteePrincipal: "AWS accounts, IAM users, IAM roles, federated users, and assumed role users"; AWS KMS
    Developer Guide, "Examining grants", shows a grantee ``arn:aws:sts::…:assumed-role/…/…``): what a grant to the
    role's account gives its sessions, whether one to a session of the role is EMRFS's (which chooses the session's
    name), and whether KMS matches the role's ARN spelt in another case (nowhere documented) is not judged.
    """
    operation = operation_of(action)
    covering = [grant for grant in grants if operation in (grant.get("Operations") or [])]
    judged = [
        (grant, grantee_names_role(grant.get("GranteePrincipal"), role_arn, key_arn, action)) for grant in covering
    ]
    to_role = [(grant, named) for grant, named in judged if named is not False]
    meeting = [
        (grant, named) for grant, named in to_role if constraints_hold(grant.get("Constraints"), encryption_context)
    ]
    constrained = tuple(grant for grant, _ in to_role if all(grant is not met for met, _ in meeting))
    holding = [grant for grant, named in meeting if named]
    if holding and account_of_arn(role_arn) == account_of_arn(key_arn):
        return GrantMatch(allowing=holding[0])
    if holding:
        return GrantMatch(
            unsettled=f"grant {holding[0].get('GrantId')} names {role_arn}, of another account than the key's: "
            "a cross-account grant is not judged",
            constrained=constrained,
        )
    if meeting:
        return GrantMatch(unsettled=_maybe_the_role(meeting[0][0]), constrained=constrained)
    to_account = [
        grant
        for grant, named in judged
        if named is False
        and grantee_names_role(grant.get("GranteePrincipal"), role_arn, key_arn, action, direct_only=False)
        and constraints_hold(grant.get("Constraints"), encryption_context)
    ]
    if to_account:
        return GrantMatch(
            unsettled=f"grant {to_account[0].get('GrantId')} names the role's account {account_of_arn(role_arn)} "
            "as grantee: what it gives the account's roles is not judged",
            constrained=constrained,
        )
    return GrantMatch(constrained=constrained)


def _maybe_the_role(grant: dict[str, Any]) -> str:
    """Why a grant whose grantee may or may not be the role's session is not judged."""
    grantee = grant.get("GranteePrincipal")
    if ":assumed-role/" in str(grantee):
        return (
            f"grant {grant.get('GrantId')} names a session of the role ({grantee}): whether it is the writer's "
            "depends on the session's name, which EMRFS chooses and the verifier does not know"
        )
    return (
        f"grant {grant.get('GrantId')} names {grantee}, the role's ARN in another case: whether KMS matches a "
        "grantee without regard to case is not documented"
    )


def describe_grant(grant: dict[str, Any]) -> str:
    """A grant as the report names it: its id (and name), grantee and operations."""
    name = f" ({grant['Name']})" if grant.get("Name") else ""
    operations = ", ".join(grant.get("Operations") or [])
    return f"grant {grant.get('GrantId')}{name} to {grant.get('GranteePrincipal')} for {operations}"
