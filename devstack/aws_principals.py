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
the unique ID, shown as the ARN; IAM names are not distinguished by case): :func:`show_as_saved`. And IAM
finds a role by its name in any case (IAM API Reference, "CreateRole", ``RoleName``: "Names are not
distinguished by case. For example, you cannot create resources named both "MyResource" and
"myresource""), where moto compares the name exactly: :func:`get_role`.

A principal that never existed is refused the same way. KMS: "The principals in the key policy must
exist and be visible to KMS" (AWS KMS API Reference, "PutKeyPolicy" and "CreateKey", ``Policy``). IAM
stores a trusted role or user as its unique ID when the policy is saved (IAM User Guide, "IAM roles:
example policies", "the ARN is transformed into the new principal ID when you save the policy"), which a
principal that does not exist has not; the Knowledge Center lists "Invalid principal in policy" for a
principal element value that is not valid (iam-trust-policy-error). S3 answers ``MalformedPolicy``
"Invalid principal in policy" for a bucket policy whose principal is not valid or is a deleted user or
role (AWS Knowledge Center, "Why do I get the error 'Invalid principal in policy' when I try to update my
Amazon S3 bucket policy?", s3-invalid-principal-in-policy-error). So each of the three refuses a
``Principal.AWS`` value that is the ARN of a role or user its account's IAM does not have, and an account
(``arn:…:iam::ACCOUNT:root`` or the bare 12-digit id) the stand-in does not know. ``*``, service,
federated and canonical-user principals are not looked up (AWS documents no existence check for them),
nor are ARNs of other forms (``sts`` assumed-role sessions, CloudFront identities).

IAM also refuses a role trust policy with a ``NotPrincipal`` element or a statement without ``Principal``
(:func:`trust_refusal`), which moto saves; the stand-in also refuses one without statements or with a principal
naming nobody, which AWS does not document either way.

moto does none of this. These judges do, with their own code (not the provider's): ``DeleteRole``
rewrites the role's ARN to its unique ID in every key policy, every role's trust policy and every
bucket policy of the stand-in; ``PutKeyPolicy``/``CreateKey``, ``CreateRole``/``UpdateAssumeRolePolicy``
and ``PutBucketPolicy`` refuse a policy naming a unique ID of a user (``AIDA…``) or role (``AROA…``; IAM
User Guide, "IAM identifiers", "Unique identifiers") or a principal that does not exist. The judges read
moto's IAM backends directly: a role or user exists when the IAM of its account and partition has it
(its name compared without regard to case, its path exactly); an account is known when moto has an IAM
backend for it (both stand-in accounts, and any other account something has acted in).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import moto.iam.models
import moto.kms.models
import moto.s3.models
from moto.core.exceptions import JsonRESTError
from moto.iam.exceptions import EntityAlreadyExists, MalformedPolicyDocument, NotFoundException
from moto.s3.exceptions import S3ClientError

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


def _principal_values(policy: str | bytes | None) -> list[Any]:
    """Every ``Principal.AWS`` value of a policy document (none when it is not JSON)."""
    try:
        document = json.loads(policy or "{}")
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    return [value for statement in _statements(document) for value in _aws_principals(statement)]


def orphaned_ids(policy: str | bytes | None) -> list[str]:
    """The user and role unique IDs a policy names as ``Principal.AWS``."""
    return [
        value for value in _principal_values(policy) if isinstance(value, str) and _USER_OR_ROLE_ID.fullmatch(value)
    ]


_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_ACCOUNT_ROOT = re.compile(r"arn:[a-z-]+:iam::([0-9]{12}):root", re.ASCII)
_IAM_IDENTITY = re.compile(r"arn:([a-z-]+):iam::([0-9]{12}):(role|user)(/.*)", re.ASCII | re.DOTALL)


def _account_known(account: str) -> bool:
    # dict.__contains__: asking moto's BackendDict by [] would make the account.
    return dict.__contains__(moto.iam.models.iam_backends, account)


def _identity_exists(partition: str, account: str, kind: str, path_and_name: str) -> bool:
    if not _account_known(account):
        return False
    backend = dict.get(moto.iam.models.iam_backends[account], partition)
    if backend is None:
        return False
    identities = backend.roles.values() if kind == "role" else backend.users.values()
    path, _, name = path_and_name.rpartition("/")
    # IAM names are unique without regard to case (IAM API Reference, "CreateRole", "CreateUser": "Names are not
    # distinguished by case"); of the path's case AWS documents nothing (IAM User Guide, "IAM identifiers", "Friendly
    # names and paths"): it is compared exactly, the stricter reading.
    return any(_named(identity, f"{path}/", name) for identity in identities)


def _named(identity: Any, path: str, name: str) -> bool:
    """Whether ``identity`` (moto's role or user) is at ``path`` exactly and named ``name`` without regard to case."""
    return bool(identity.path == path and identity.name.lower() == name.lower())


def missing_principal(value: Any) -> str | None:
    """
    Why ``value`` (one ``Principal.AWS`` entry) names no principal AWS would accept; ``None`` when it does.

    Only what AWS stores by identity is looked up: user and role ARNs, account roots and bare account ids.
    """
    if not isinstance(value, str) or value == "*":
        return None
    if _USER_OR_ROLE_ID.fullmatch(value):
        return "a unique ID of a deleted user or role"
    root = _ACCOUNT_ROOT.fullmatch(value)
    account = root[1] if root else value if _ACCOUNT.fullmatch(value) else None
    if account is not None:
        return None if _account_known(account) else "an account the stand-in does not know"
    identity = _IAM_IDENTITY.fullmatch(value)
    if identity and not _identity_exists(*identity.groups()):
        return f"a {identity[3]} that does not exist"
    return None


def missing_principals(policy: str | bytes | None) -> list[str]:
    """The ``Principal.AWS`` values of a policy that name no existing principal (see :func:`missing_principal`)."""
    return [value for value in _principal_values(policy) if missing_principal(value) is not None]


def _check_principals(policy: str | None) -> None:
    if missing_principals(policy):
        raise JsonRESTError("MalformedPolicyDocumentException", INVALID_PRINCIPALS)


def _show_deleted(policy: str, arn: str, unique_id: str) -> str:
    """The key policy as KMS shows it once the principal ``arn`` is deleted."""
    return _rewrite_principals(policy, lambda value: unique_id if value == arn else value) or policy


_ROLE_ARN = re.compile(r"arn:([a-z-]+):iam::([0-9]{12}):role(/(?:[^/]*/)*)([^/]+)", re.ASCII)


def _role_as_saved(value: Any) -> Any:
    """
    A role ARN as AWS shows it once saved: the existing role's own ARN, whatever the case of the name given; its path
    as given exactly (see :func:`_identity_exists`), else it names no role and is kept as sent.
    """
    match = _ROLE_ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return value
    partition, account, path, name = match.groups()
    # dict.get, not []: asking moto's BackendDict by [] would make the account (see _account_known).
    backend = dict.get(dict.get(moto.iam.models.iam_backends, account) or {}, partition)
    if backend is None:
        return value
    # The judge's own look-up, not the provider's: IAM names are unique without regard to case, the path exact.
    found = [role for role in backend.roles.values() if _named(role, path, name)]
    return found[0].arn if found else value


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


def trust_refusal(policy: str | None) -> str | None:
    """
    Why IAM refuses ``policy`` as a role trust policy for its elements; ``None`` when it does not.

    IAM User Guide, "AWS JSON policy elements: NotPrincipal": "You cannot use the NotPrincipal element in an IAM
    identity-based policy nor in an IAM role trust policy"; "AWS JSON policy elements: Principal": "You must use
    the Principal element in resource-based policies", of which "The IAM resource-based policy type is a role trust
    policy". moto accepts both (it checks a trust policy's actions and refuses ``Resource`` itself).

    Refused on the stricter side, as AWS documents no answer: a trust policy without any statement, and a statement
    whose ``Principal`` names nobody (``{}``, ``{"AWS": []}``). "IAM JSON policy elements: Statement" says the
    element "is required", and "Grammar of the IAM JSON policy language" writes it ``"Statement" : [ <statement>,
    <statement>, ... ]`` and a principal entry ``[<principal_id_string>, <principal_id_string>, ...]``; neither
    says whether IAM saves an empty one. moto saves both; the provider must not rely on either.
    """
    try:
        document = json.loads(policy or "{}")
    except ValueError:
        return None  # not JSON: moto's own validation answers
    if not isinstance(document, dict):
        return None
    if document.get("Statement") in (None, [], {}):
        return "Missing required field Statement (a role trust policy without statements: see above)"
    for statement in _statements(document):
        if not isinstance(statement, dict):
            continue
        if "NotPrincipal" in statement:
            return "Has prohibited field NotPrincipal (not supported in a role trust policy)"
        if "Principal" not in statement:
            return "Missing required field Principal (a role trust policy statement must name its principals)"
        principal = statement["Principal"]
        if principal != "*" and (
            not isinstance(principal, dict) or not principal or any(values in ([], "") for values in principal.values())
        ):
            return f"Invalid principal in policy: {json.dumps(principal)} names nobody (see above)"
    return None


def _check_trust(policy: str | None) -> None:
    refusal = trust_refusal(policy)
    if refusal is not None:
        raise MalformedPolicyDocument(refusal)
    missing = missing_principals(policy)
    if missing:
        raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{missing[0]}"')


class InvalidPrincipalInBucketPolicy(S3ClientError):
    """S3's answer to a bucket policy naming a principal that is not valid (Knowledge Center, s3-invalid-principal-in-policy-error)."""

    def __init__(self) -> None:
        super().__init__("MalformedPolicy", "Invalid principal in policy")


def put_bucket_policy(self: Any, bucket_name: str, policy: bytes) -> None:
    """
    Refuse a principal that does not exist, else store the policy as S3 shows it back: each role principal in the
    role's own spelling (:func:`show_as_saved`), as for key and trust policies. A role ARN in a ``Principal``
    "transforms to the role unique principal ID when you save the policy" (IAM User Guide, "AWS JSON policy elements:
    Principal"), and IAM names are not distinguished by case (IAM API Reference, "CreateRole"): a bucket policy naming
    ``role/PARTNER-B-WRITER`` names the role ``partner-b-writer``, and the judge, comparing ARNs exactly, reads it so.
    """
    if missing_principals(policy):
        raise InvalidPrincipalInBucketPolicy()
    try:
        text = policy.decode() if isinstance(policy, bytes) else str(policy)
    except UnicodeDecodeError:  # not a policy text: moto's own validation answers
        text = None
    shown = show_as_saved(text) if text is not None else None
    _moto["put_bucket_policy"](self, bucket_name, policy if shown is None or shown == text else shown.encode())


def create_role(self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any) -> Any:
    _check_trust(assume_role_policy_document)
    taken = _roles_named(self, role_name)
    if taken:  # "you cannot create resources named both "MyResource" and "myresource"" (CreateRole, RoleName)
        raise EntityAlreadyExists(f"Role with name {taken[0].name} already exists.")
    return _moto["create_role"](self, role_name, show_as_saved(assume_role_policy_document), *args, **kwargs)


def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
    _check_trust(policy_document)
    _moto["update_assume_role_policy"](self, role_name, show_as_saved(policy_document))


def get_role(self: Any, role_name: str) -> Any:
    """The role of that name in any case, as IAM finds it (``GetRole`` and every call naming a role)."""
    try:
        return _moto["get_role"](self, role_name)
    except NotFoundException:
        found = _roles_named(self, role_name)
        if not found:
            raise
        return found[0]


def _roles_named(self: Any, role_name: str) -> list[Any]:
    """The roles whose name is ``role_name`` in any case (IAM names are not distinguished by case)."""
    return [role for role in self.roles.values() if role.name.lower() == role_name.lower()]


def delete_role(self: Any, role_name: str) -> None:
    role = self.get_role(role_name)
    arn, unique_id = role.arn, role.id
    _moto["delete_role"](self, role_name)
    _show_deleted_in_key_policies(arn, unique_id)
    _show_deleted_in_trust_policies(arn, unique_id)
    _show_deleted_in_bucket_policies(arn, unique_id)


def _show_deleted_in_key_policies(arn: str, unique_id: str) -> None:
    for regions in moto.kms.models.kms_backends.values():
        for backend in regions.values():
            for key in backend.keys.values():
                if key.policy:
                    key.policy = _show_deleted(key.policy, arn, unique_id)


def _show_deleted_in_trust_policies(arn: str, unique_id: str) -> None:
    for partitions in moto.iam.models.iam_backends.values():
        for iam in partitions.values():
            for other in iam.roles.values():
                if other.assume_role_policy_document:
                    other.assume_role_policy_document = _show_deleted(other.assume_role_policy_document, arn, unique_id)


def _show_deleted_in_bucket_policies(arn: str, unique_id: str) -> None:
    for s3_partitions in moto.s3.models.s3_backends.values():
        for s3 in s3_partitions.values():
            for bucket in s3.buckets.values():
                if bucket.policy:
                    shown = _show_deleted(bucket.policy.decode(), arn, unique_id)
                    bucket.policy = shown.encode()


_JUDGES = {
    moto.iam.models.IAMBackend: (get_role, delete_role, create_role, update_assume_role_policy),
    moto.kms.models.KmsBackend: (create_key, put_key_policy),
    moto.s3.models.S3Backend: (put_bucket_policy,),
}


def install() -> None:
    """Put the judges in front of moto's IAM, KMS and S3 backends (once per process)."""
    backend_judges.install(_JUDGES, _moto)
