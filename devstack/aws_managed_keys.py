"""
AWS managed keys described as AWS's, as KMS describes them: :func:`install`.

A predefined AWS alias (``alias/aws/s3``) names an AWS managed key: "If you specify a predefined AWS alias
(an AWS alias with no key ID), KMS associates the alias with an AWS managed key and returns its KeyId and
Arn in the response" (AWS KMS API Reference, "DescribeKey", ``KeyId``); "The ``alias/aws/`` prefix is
reserved for AWS managed keys" ("CreateAlias", ``AliasName``), and ``DescribeKey``'s ``KeyManager`` tells
the two kinds apart (``AWS`` or ``CUSTOMER``). moto creates the key on first use but describes it as
``CUSTOMER``; here it is ``AWS``.

Nor can an AWS managed key's policy be changed: "You can view the key policy for an AWS managed key or a
customer managed key, but you can only change the key policy for a customer managed key. The policies of
AWS managed keys are created and managed by the AWS service that created the KMS key in your account"
(AWS KMS Developer Guide, "Change a key policy"). moto writes it; here ``PutKeyPolicy`` is refused with
``AccessDeniedException`` (the policy AWS writes for such a key grants ``kms:PutKeyPolicy`` to nobody; the
code for this case is not documented), changing nothing.

Nor does ``ListAliases`` name a key for a predefined alias before KMS created it: "The response might also include
aliases that have no TargetKeyId field. These are predefined aliases that AWS has created but has not yet
associated with a KMS key" (AWS KMS API Reference, "ListAliases"). moto lists them with made-up key ids; here they
have none until ``DescribeKey`` (or a use) creates the key.
"""

from __future__ import annotations

import json
from typing import Any

import moto.kms.models
import moto.kms.responses
from moto.core.exceptions import JsonRESTError

from devstack import backend_judges

_moto: dict[str, Any] = {}


def _generate_default_keys(self: Any, alias_name: str) -> str | None:
    key_id = _moto["_generate_default_keys"](self, alias_name)
    if key_id is not None:
        self.keys[key_id].key_manager = "AWS"
    return key_id


def put_key_policy(self: Any, key_id: str, policy: str) -> None:
    key = self.keys[self.get_key_id(key_id)]
    if key.key_manager == "AWS":
        raise JsonRESTError(
            "AccessDeniedException",
            f"no identity-based policy or resource-based policy allows the kms:PutKeyPolicy action on {key.arn}, "
            "an AWS managed key",
        )
    _moto["put_key_policy"](self, key_id, policy)


def list_aliases(self: Any) -> str:
    answer = json.loads(_moto["list_aliases"](self))
    keys = self.kms_backend.keys
    for alias in answer["Aliases"]:
        if alias["AliasName"] in moto.kms.responses.RESERVED_ALIASES and alias.get("TargetKeyId") not in keys:
            alias.pop("TargetKeyId", None)  # predefined, not associated with a key yet
    return json.dumps(answer)


_JUDGES: dict[type, tuple[Any, ...]] = {
    moto.kms.models.KmsBackend: (_generate_default_keys, put_key_policy),
    moto.kms.responses.KmsResponse: (list_aliases,),
}


def install() -> None:
    """Put the judge in front of moto's KMS backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
