"""
Whether S3 can encrypt with a KMS key as ``DescribeKey`` describes it: one judgement for the grant and the verifier.

A key user's grant makes writes work only with a key S3 can use. S3 uses symmetric encryption keys only: "Amazon S3
only supports symmetric encryption KMS keys" (Amazon S3 API Reference, Encryption, ``KMSKeyId``; the same words for
``ServerSideEncryptionByDefault``'s ``KMSMasterKeyID``: "Amazon S3 only supports symmetric KMS keys and not asymmetric
KMS keys"), and "you can only use symmetric encryption KMS keys to generate symmetric data keys" (AWS KMS Developer
Guide, "Key type reference"), which is what S3 asks KMS for (``GenerateDataKey``). A key is used in cryptographic
operations only while ``Enabled`` (AWS KMS Developer Guide, "Key states of AWS KMS keys"), or ``Updating`` (below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

#: The key states in which KMS encrypts and decrypts: ``Enabled``, and ``Updating``, the few seconds a multi-Region
#: key takes to change its primary Region: "While the key state is Updating, you can use the keys in cryptographic
#: operations" (AWS KMS Developer Guide, "Change the primary key in a set of multi-Region keys").
USABLE_KEY_STATES = frozenset({"Enabled", "Updating"})
#: The key states of a key scheduled for deletion: ``PendingDeletion``, and ``PendingReplicaDeletion``, a multi-Region
#: primary key scheduled for deletion while its replicas are (AWS KMS Developer Guide, "Key states of AWS KMS keys").
#: Once the waiting period ends KMS deletes the key, and what it encrypted cannot be decrypted any more (AWS KMS API
#: Reference, ScheduleKeyDeletion): a grant on it is refused rather than written for a key about to go.
SCHEDULED_FOR_DELETION = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
#: The only key spec and key usage S3 can encrypt with (module docstring).
S3_KEY_SPEC, S3_KEY_USAGE = "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"
#: The key id judged for the AWS managed key ``aws/s3`` before KMS created it (S3 has it created on the first write
#: encrypted with it: "Amazon S3 automatically creates an AWS KMS key (aws/s3) in your AWS account the first time that
#: you add an object encrypted with SSE-KMS to a bucket", Amazon S3 API Reference, ServerSideEncryptionByDefault): its
#: policy is AWS's own whatever its id (``checks.key_user.aws_managed_key_policy``). An ARN ending in it is a stand-in,
#: not a key's ARN (:func:`is_key_arn`): the key S3 creates has another id.
NOT_CREATED_YET = "not-created-yet"


@dataclass(frozen=True)
class KeyProblem:
    """Why S3 cannot encrypt with a key now, how to fix it, and whether a grant could still be right (``refuse``)."""

    problem: str
    fix: str
    #: ``True``: a grant cannot make the writes work (the key's kind, or its deletion), so the grant refuses it.
    #: ``False``: the writes fail until someone changes the key (enables it, imports its material, connects its
    #: store), and the grant is still right then: the grant warns; the verifier fails it, naming the fix.
    refuse: bool


def enable_fix(key_state: str) -> str:
    """
    How to make the key usable again. A key pending deletion cannot be enabled: cancelling its deletion
    leaves it Disabled, then it must be enabled (AWS KMS Developer Guide, "Cancel key deletion"; AWS KMS API
    Reference, CancelKeyDeletion: "the key state of the KMS key is Disabled. To enable the KMS key, use
    EnableKey").
    """
    if key_state in SCHEDULED_FOR_DELETION:
        return "cancel the key's deletion (kms:CancelKeyDeletion; it is then Disabled), then enable it (kms:EnableKey)"
    if key_state == "Disabled":
        return "enable the key (kms:EnableKey)"
    # AWS KMS Developer Guide, "Key states of AWS KMS keys": a key with imported key material is PendingImport
    # once that material is deleted or expires; a key of a custom key store is Unavailable while the store is
    # disconnected ("You can view and manage unavailable KMS keys, but you cannot use them in cryptographic
    # operations").
    if key_state == "PendingImport":
        return "import the key's material again (kms:GetParametersForImport, kms:ImportKeyMaterial)"
    if key_state == "Unavailable":
        return "connect the key's custom key store (kms:ConnectCustomKeyStore)"
    return 'the key must be Enabled to encrypt and decrypt (AWS KMS Developer Guide, "Key states of AWS KMS keys")'


def key_problem(metadata: dict[str, Any]) -> KeyProblem | None:
    """
    What keeps S3 from encrypting with the key ``DescribeKey`` returned (``KeyMetadata``), or ``None``.

    Its kind first (no change of state makes an asymmetric or HMAC key usable by S3), then its state. A field
    ``DescribeKey`` did not return is not judged.
    """
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec")
    usage = metadata.get("KeyUsage")
    if (spec is not None and spec != S3_KEY_SPEC) or (usage is not None and usage != S3_KEY_USAGE):
        return KeyProblem(
            f"has KeySpec {spec or 'not read'} and KeyUsage {usage or 'not read'}, and S3 encrypts only with symmetric "
            f'encryption keys ({S3_KEY_SPEC}, {S3_KEY_USAGE}: Amazon S3 API Reference, "Encryption")',
            "encrypt the bucket with a symmetric encryption customer managed key (KeySpec SYMMETRIC_DEFAULT) and "
            "grant that key",
            refuse=True,
        )
    state = str(metadata.get("KeyState") or "Enabled")
    if state in USABLE_KEY_STATES:
        return None
    if state in SCHEDULED_FOR_DELETION:
        return KeyProblem(
            f"is {state}: KMS deletes it when its waiting period ends, and S3 cannot encrypt with it meanwhile",
            f"{enable_fix(state)}; or encrypt the bucket with another key and grant that one",
            refuse=True,
        )
    return KeyProblem(f"is {state}: S3 cannot encrypt with it until it is Enabled", enable_fix(state), refuse=False)


def is_key_arn(key: str | None) -> TypeGuard[str]:
    """
    Whether ``key`` is a KMS key ARN (``arn:PARTITION:kms:REGION:ACCOUNT:key/ID``), the only form HeadObject's
    ``SSEKMSKeyId`` takes; an alias name or alias ARN (``…:alias/NAME``) or a bare key id names a key without being
    its ARN (AWS KMS Developer Guide, "Key identifiers (KeyId)"): compared with it, a correct write would FAIL. Nor is
    the stand-in for the AWS managed key ``aws/s3`` not created yet (``key/``:data:`NOT_CREATED_YET`): the write that
    S3 encrypts with it creates the key under another id (Amazon S3 API Reference, ServerSideEncryptionByDefault).
    """
    if not key or not key.startswith("arn:"):
        return False
    parts = key.split(":", 5)
    return (
        len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("key/") and parts[5] != f"key/{NOT_CREATED_YET}"
    )


#: Where KMS says a key policy statement without ``Resource`` or ``Action`` does nothing.
INEFFECTIVE_STATEMENT_PAGE = (
    'AWS KMS API Reference, "PutKeyPolicy" (and "CreateKey"), Policy: "If either of the required Resource or Action '
    'elements are missing from a key policy statement, the policy statement has no effect"'
)


def missing_elements(statement: Any) -> tuple[str, ...]:
    """
    Which of the elements a key policy statement needs it lacks: ``Resource`` (neither it nor ``NotResource``),
    ``Action`` (neither it nor ``NotAction``); ``()``: none, or ``statement`` is no statement (judged as written).

    KMS takes such a statement and ignores it: "When a key policy statement is missing one of these elements, the KMS
    console correctly reports an error, but the PutKeyPolicy API request succeeds, even though the policy statement is
    ineffective" (:data:`INEFFECTIVE_STATEMENT_PAGE`). A trust policy has no ``Resource`` of right: this is for key
    policies only.
    """
    if not isinstance(statement, dict):
        return ()
    pairs = (("Resource", "NotResource"), ("Action", "NotAction"))
    return tuple(name for name, other in pairs if name not in statement and other not in statement)


def ineffective_statements(document: Any) -> list[dict[str, Any]]:
    """The statements of the key policy ``document`` KMS ignores (:func:`missing_elements`)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    listed = statements if isinstance(statements, list) else [statements]
    return [each for each in listed if isinstance(each, dict) and missing_elements(each)]


def effective_key_policy(document: Any) -> Any:
    """
    The key policy ``document`` as KMS evaluates it: without the statements that lack ``Resource``/``NotResource`` or
    ``Action``/``NotAction``, which have no effect (:data:`INEFFECTIVE_STATEMENT_PAGE`). Anything else is returned as
    it is: a document that names no such statement, or that is no policy (judged as before).
    """
    if not ineffective_statements(document):
        return document
    statements = document["Statement"]
    listed = statements if isinstance(statements, list) else [statements]
    return {**document, "Statement": [each for each in listed if not missing_elements(each)]}
