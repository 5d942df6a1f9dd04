"""
AWS's size and count quotas on the documents the provider writes, enforced in the stand-in (moto has none).

The provider refuses a request that would cross one of these before it writes anything
(``airflow_provider_emrfs_xacct/pure/quotas.py``). These judges are what AWS would do if it did not:
each counts the request as AWS documents, by itself (not with the provider's code), and refuses it as
AWS does, changing nothing. So a test that seeds a state AWS would not accept, or a provider that
miscounts, fails here as it would on AWS.

=====================================  ====================================================  ==============
Request                                Quota (AWS documentation)                             Refused with
=====================================  ====================================================  ==============
``PutRolePolicy``                      all inline policies of a role together: 10,240        ``LimitExceeded``
                                       characters, whitespace not counted
``CreatePolicy``,                      a managed policy: 6,144 characters, whitespace not    ``LimitExceeded``
``CreatePolicyVersion``                counted
``CreateRole``,                        a role's trust policy: 2,048 characters, whitespace   ``LimitExceeded``
``UpdateAssumeRolePolicy``             not counted (up to 4,096 when raised)
``AttachRolePolicy``                   10 managed policies per role (up to 20 when raised)   ``LimitExceeded``
``PutKeyPolicy``, ``CreateKey``        a key policy: 32,768 bytes                            ``LimitExceededException``
=====================================  ====================================================  ==============

Sources: IAM User Guide, "IAM and AWS STS quotas" (the figures; "IAM doesn't count white space when
calculating the size of a policy against these quotas"); IAM API Reference, "GetAccountSummary"
(``RolePolicySizeQuota``, ``PolicySizeQuota`` and ``AssumeRolePolicySizeQuota`` are "in non-whitespace
characters"), and the ``LimitExceeded`` error of "PutRolePolicy", "CreatePolicy", "CreatePolicyVersion",
"CreateRole", "UpdateAssumeRolePolicy" and "AttachRolePolicy" (HTTP 409, "attempted to create
resources beyond the current AWS account limits"); AWS KMS API Reference, "PutKeyPolicy" ("The key
policy size quota is 32 kilobytes (32768 bytes)"; its errors include ``LimitExceededException``,
though which error an oversized policy gets is not documented). The messages are IAM's as AWS's
Knowledge Center article "iam-increase-policy-size" and common reports quote them.

IAM's figures are read from moto's account summary, which ``GetAccountSummary`` shows; a test plays
a quota raised in Service Quotas with :func:`raise_iam_quota`. A reset of the server restores them.
"""

from __future__ import annotations

import re
from typing import Any

import moto.iam.models
import moto.kms.models
from moto.core.exceptions import JsonRESTError
from moto.iam.exceptions import LimitExceededException

from devstack import backend_judges

#: The key policy size quota, in bytes (not adjustable).
KEY_POLICY_BYTES = 32768
#: The IAM quotas a test may raise, by the name ``GetAccountSummary`` gives them.
RAISABLE = {
    "AssumeRolePolicySizeQuota": "_assume_role_policy_size_quota",
    "AttachedPoliciesPerRoleQuota": "_attached_policies_per_role_quota",
    "PoliciesQuota": "_policies_quota",
}


def iam_characters(document: str) -> int:
    """
    The size IAM counts: the characters of the document as sent, whitespace excluded ("IAM doesn't count white
    space": IAM User Guide, "IAM and AWS STS quotas").

    Which characters that is, is not documented: only the space, tab, line feed and carriage return are left out
    (the stricter reading); a no-break space (U+00A0) or next line (U+0085), which a policy may hold ("characters in
    the range U+0020 to U+00FF"), counts.
    """
    return len(re.sub(r"[ \t\n\r]", "", document))


def raise_iam_quota(account: str, name: str, value: int) -> None:
    """Play a quota raised in Service Quotas for ``account`` (``name``: a key of :data:`RAISABLE`)."""
    for backend in moto.iam.models.iam_backends[account].values():
        setattr(backend.account_summary, RAISABLE[name], value)


def _refuse_past(count: int, quota: int, message: str) -> None:
    if count > quota:
        raise LimitExceededException(message)


def _check_managed(backend: Any, document: str) -> None:
    quota = backend.account_summary._policy_size_quota
    _refuse_past(iam_characters(document), quota, f"Cannot exceed quota for PolicySize: {quota}")


def _check_trust(backend: Any, document: str) -> None:
    quota = backend.account_summary._assume_role_policy_size_quota
    _refuse_past(iam_characters(document), quota, f"Cannot exceed quota for ACLSizePerRole: {quota}")


def _check_key_policy(policy: str | None) -> None:
    if policy is not None and len(policy.encode()) > KEY_POLICY_BYTES:
        raise JsonRESTError(
            "LimitExceededException", f"The key policy size quota is 32 kilobytes ({KEY_POLICY_BYTES} bytes)"
        )


#: moto's own methods, by name, called once a judge lets a request through.
_moto: dict[str, Any] = {}


def put_role_policy(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
    role = self.get_role(role_name)
    others = [document for name, document in role.policies.items() if name != policy_name]
    quota = self.account_summary._role_policy_size_quota
    total = sum(iam_characters(document) for document in [*others, policy_json])
    _refuse_past(total, quota, f"Maximum policy size of {quota} bytes exceeded for role {role_name}")
    _moto["put_role_policy"](self, role_name, policy_name, policy_json)


def create_policy(self: Any, description: str, path: str, policy_document: str, *args: Any, **kwargs: Any) -> Any:
    _check_managed(self, policy_document)
    # Customer managed policies in an AWS account: 1,500 by default (IAM User Guide, "IAM and AWS STS quotas");
    # AWS's own managed policies (arn:aws:iam::aws:policy/...) do not count.
    quota = self.account_summary._policies_quota
    customer = [arn for arn in self.managed_policies if arn.split(":")[4] != "aws"]
    _refuse_past(len(customer) + 1, quota, f"Cannot exceed quota for PoliciesPerAccount: {quota}")
    return _moto["create_policy"](self, description, path, policy_document, *args, **kwargs)


def create_policy_version(self: Any, policy_arn: str, policy_document: str, *args: Any, **kwargs: Any) -> Any:
    _check_managed(self, policy_document)
    return _moto["create_policy_version"](self, policy_arn, policy_document, *args, **kwargs)


def create_role(self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any) -> Any:
    _check_trust(self, assume_role_policy_document)
    return _moto["create_role"](self, role_name, assume_role_policy_document, *args, **kwargs)


def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
    _check_trust(self, policy_document)
    _moto["update_assume_role_policy"](self, role_name, policy_document)


def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
    attached = self.get_role(role_name).managed_policies
    if policy_arn not in attached:  # attaching an attached policy changes nothing
        quota = self.account_summary._attached_policies_per_role_quota
        _refuse_past(len(attached) + 1, quota, f"Cannot exceed quota for PoliciesPerRole: {quota}")
    _moto["attach_role_policy"](self, policy_arn, role_name)


def create_key(self: Any, policy: str | None, *args: Any, **kwargs: Any) -> Any:
    _check_key_policy(policy)
    return _moto["create_key"](self, policy, *args, **kwargs)


def put_key_policy(self: Any, key_id: str, policy: str) -> None:
    _check_key_policy(policy)
    _moto["put_key_policy"](self, key_id, policy)


_JUDGES = {
    moto.iam.models.IAMBackend: (
        put_role_policy,
        create_policy,
        create_policy_version,
        create_role,
        update_assume_role_policy,
        attach_role_policy,
    ),
    moto.kms.models.KmsBackend: (create_key, put_key_policy),
}


def install() -> None:
    """Put the judges in front of moto's IAM and KMS backends (once per process)."""
    backend_judges.install(_JUDGES, _moto)
