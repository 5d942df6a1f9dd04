"""
KMS's and IAM's refusal of a key or trust policy that names a deleted principal, played in the stand-in (moto has none).

AWS stores a key policy's principals by their unique IDs. Once a role named there is deleted,
``GetKeyPolicy`` shows its unique ID (``AROA…``) in place of its ARN (IAM User Guide, "AWS JSON
policy elements: Principal": if you delete the role, "the principal ID shows up"). KMS then refuses
every ``PutKeyPolicy`` (and ``CreateKey``) whose policy still holds such an orphaned ID with
``MalformedPolicyDocumentException`` "Policy contains a statement with one or more invalid
principals" and changes nothing (AWS Knowledge Center, "How do I resolve the AWS KMS key policy error
'Policy contains a statement with one or more invalid principals'?", kms-policy-error-invalid-principals:
"Remove orphaned unique IDs from the key policy"; AWS KMS API Reference, "PutKeyPolicy": "The principals
in the key policy must exist and be visible to KMS").

IAM does the same with role trust policies: the deleted role shows as its unique ID, and saving a trust
policy that still names it fails with ``MalformedPolicyDocument`` "Invalid principal in policy" (AWS
Knowledge Center, "How do I resolve the IAM trust policy error 'Failed to update trust policy. Invalid
principal in policy'?", iam-trust-policy-error: "confirm that the user or role wasn't deleted").

AWS also shows a role principal in the role's own spelling, whatever case it was given in (stored as
the unique ID, shown as the ARN; IAM names are not distinguished by case): :func:`show_as_saved`.

moto does none of this. These judges do, with their own code (not the provider's): ``DeleteRole``
rewrites the role's ARN to its unique ID in every key policy and every role's trust policy of the
stand-in; ``PutKeyPolicy``/``CreateKey`` and ``CreateRole``/``UpdateAssumeRolePolicy`` refuse a policy
naming a unique ID of a user (``AIDA…``) or role (``AROA…``; IAM User Guide, "IAM identifiers",
"Unique identifiers").
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import moto.iam.models
import moto.kms.models
from moto.core.exceptions import JsonRESTError
from moto.iam.exceptions import MalformedPolicyDocument

from devstack import backend_judges

if TYPE_CHECKING:
    from collections.abc import Callable

INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
_USER_OR_ROLE_ID = re.compile(r"(AIDA|AROA)[A-Z0-9]{12,}")


def _aws_principals(statement: Any) -> list[Any]:
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    if not isinstance(principal, dict):
        return []
    values = principal.get("AWS")
    return values if isinstance(values, list) else [values]


def _statements(policy: dict[str, Any]) -> list[Any]:
    statements = policy.get("Statement")
    return statements if isinstance(statements, list) else [statements]


def orphaned_ids(policy: str | None) -> list[str]:
    """The user and role unique IDs a key policy names as ``Principal.AWS``."""
    try:
        document = json.loads(policy or "{}")
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    return [
        value
        for statement in _statements(document)
        for value in _aws_principals(statement)
        if isinstance(value, str) and _USER_OR_ROLE_ID.fullmatch(value)
    ]


def _check_principals(policy: str | None) -> None:
    if orphaned_ids(policy):
        raise JsonRESTError("MalformedPolicyDocumentException", INVALID_PRINCIPALS)


def _show_deleted(policy: str, arn: str, unique_id: str) -> str:
    """The key policy as KMS shows it once the principal ``arn`` is deleted."""
    return _rewrite_principals(policy, lambda value: unique_id if value == arn else value) or policy


_ROLE_ARN = re.compile(r"arn:([a-z-]+):iam::([0-9]{12}):role/(?:[^/]*/)*([^/]+)", re.ASCII)


def _role_as_saved(value: Any) -> Any:
    """A role ARN as AWS shows it once saved: the existing role's own ARN, whatever the case of the name given."""
    match = _ROLE_ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return value
    partition, account, name = match.groups()
    backend = moto.iam.models.iam_backends[account][partition]
    # The judge's own look-up, not the provider's: IAM names are unique without regard to case.
    found = [role for role in backend.roles.values() if role.name.lower() == name.lower()]
    return found[0].arn if found and found[0].arn.lower() == value.lower() else value


def show_as_saved(policy: str | None) -> str | None:
    """
    The policy as AWS shows it after saving: each role principal in the role's own spelling.

    AWS stores a role named in a ``Principal`` as the role's unique ID and shows it back as the role's
    ARN (IAM User Guide, "AWS JSON policy elements: Principal"); IAM names are not distinguished by
    case (IAM API Reference, "CreateRole"), so ``…:role/emr_ec2_defaultrole`` comes back as
    ``…:role/EMR_EC2_DefaultRole``. moto keeps the text as sent.
    """
    return _rewrite_principals(policy, _role_as_saved)


def _rewrite_principals(policy: str | None, show: Callable[[Any], Any]) -> str | None:
    """The policy with each ``Principal.AWS`` value shown as ``show`` gives it (as it was when nothing changes)."""
    try:
        document = json.loads(policy or "")
    except ValueError:
        return policy
    changed = False
    for statement in _statements(document) if isinstance(document, dict) else []:
        values = _aws_principals(statement)
        shown = [show(value) for value in values]
        if shown != values:
            single = not isinstance(statement["Principal"]["AWS"], list)
            statement["Principal"]["AWS"] = shown[0] if single else shown
            changed = True
    return json.dumps(document) if changed else policy


#: moto's own methods, by name, called once a judge lets a request through.
_moto: dict[str, Any] = {}


def create_key(self: Any, policy: str | None, *args: Any, **kwargs: Any) -> Any:
    _check_principals(policy)
    return _moto["create_key"](self, show_as_saved(policy), *args, **kwargs)


def put_key_policy(self: Any, key_id: str, policy: str) -> None:
    _check_principals(policy)
    _moto["put_key_policy"](self, key_id, show_as_saved(policy))


def _check_trust(policy: str | None) -> None:
    orphaned = orphaned_ids(policy)
    if orphaned:
        raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{orphaned[0]}"')


def create_role(self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any) -> Any:
    _check_trust(assume_role_policy_document)
    return _moto["create_role"](self, role_name, show_as_saved(assume_role_policy_document), *args, **kwargs)


def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
    _check_trust(policy_document)
    _moto["update_assume_role_policy"](self, role_name, show_as_saved(policy_document))


def delete_role(self: Any, role_name: str) -> None:
    role = self.get_role(role_name)
    arn, unique_id = role.arn, role.id
    _moto["delete_role"](self, role_name)
    for regions in moto.kms.models.kms_backends.values():
        for backend in regions.values():
            for key in backend.keys.values():
                if key.policy:
                    key.policy = _show_deleted(key.policy, arn, unique_id)
    for partitions in moto.iam.models.iam_backends.values():
        for iam in partitions.values():
            for other in iam.roles.values():
                if other.assume_role_policy_document:
                    other.assume_role_policy_document = _show_deleted(other.assume_role_policy_document, arn, unique_id)


_JUDGES = {
    moto.iam.models.IAMBackend: (delete_role, create_role, update_assume_role_policy),
    moto.kms.models.KmsBackend: (create_key, put_key_policy),
}


def install() -> None:
    """Put the judges in front of moto's IAM and KMS backends (once per process)."""
    backend_judges.install(_JUDGES, _moto)
