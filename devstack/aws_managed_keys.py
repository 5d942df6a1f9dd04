"""
AWS managed keys described as AWS's, as KMS describes them: :func:`install`.

A predefined AWS alias (``alias/aws/s3``) names an AWS managed key: "If you specify a predefined AWS alias
(an AWS alias with no key ID), KMS associates the alias with an AWS managed key and returns its KeyId and
Arn in the response" (AWS KMS API Reference, "DescribeKey", ``KeyId``); "The ``alias/aws/`` prefix is
reserved for AWS managed keys" ("CreateAlias", ``AliasName``), and ``DescribeKey``'s ``KeyManager`` tells
the two kinds apart (``AWS`` or ``CUSTOMER``). moto creates the key on first use but describes it as
``CUSTOMER``; here it is ``AWS``.
"""

from __future__ import annotations

from typing import Any

import moto.kms.models

from devstack import backend_judges

_moto: dict[str, Any] = {}


def _generate_default_keys(self: Any, alias_name: str) -> str | None:
    key_id = _moto["_generate_default_keys"](self, alias_name)
    if key_id is not None:
        self.keys[key_id].key_manager = "AWS"
    return key_id


_JUDGES: dict[type, tuple[Any, ...]] = {moto.kms.models.KmsBackend: (_generate_default_keys,)}


def install() -> None:
    """Put the judge in front of moto's KMS backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
