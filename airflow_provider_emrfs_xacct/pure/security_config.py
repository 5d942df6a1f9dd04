"""
EMR security configurations with EMRFS role mappings.

Pure: standard library only. Security configurations are immutable in EMR, so the name is derived
from the content: the same content gets the same name (and is reused), changed content a new one.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.json_values import require_json_value
from airflow_provider_emrfs_xacct.pure.merge import load_argument_text, names_any
from airflow_provider_emrfs_xacct.pure.validation import (
    identifiers_taken_as_before,
    parse_s3_location,
    refuse_rendered_text,
    region_of_arn,
    require_list,
    require_partition,
    require_str,
    validate_hadoop_principal,
    validate_name_prefix,
    validate_role_arn,
)

if TYPE_CHECKING:
    from collections.abc import Callable

IDENTIFIER_TYPES = ("Prefix", "User", "Group")
MAPPING_KEYS = {"Role", "IdentifierType", "Identifiers"}
#: The provider's own cap on the names it makes (``<name_prefix>-<hash>``); EMR allows longer ones.
MAX_NAME_LENGTH = 256
HASH_LENGTH = 12
#: EMR's limit on security configuration names: Amazon EMR API Reference, CreateSecurityConfiguration,
#: ``Name``: "Maximum length of 10280. Pattern: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*"
#: (RunJobFlow's ``SecurityConfiguration`` has the same constraints).
EMR_MAX_NAME_LENGTH = 10280


def validate_security_configuration_name(value: Any, field: str) -> str:
    """
    Validate the name of an existing security configuration as EMR constrains it.

    1 to 10280 characters, none outside EMR's pattern (control characters other than tab, CR and LF,
    lone surrogates, U+FFFE, U+FFFF). Leading or trailing whitespace, which EMR would accept, is
    refused too (:func:`validate_emr_name`): a name pasted with a stray space or newline names another configuration.
    """
    return validate_emr_name(value, field, EMR_MAX_NAME_LENGTH, "EMR's limit")


def validate_emr_name(value: Any, field: str, max_length: int, limit: str) -> str:
    """Validate a name as EMR constrains names: a string of at most ``max_length`` characters of EMR's pattern."""
    value = require_str(value, field)
    if len(value) > max_length:
        raise InvalidParameterError(field, f"must be at most {max_length} characters ({limit}), got {len(value)}")
    bad = next((char for char in value if not _emr_name_char(char)), None)
    if bad is not None:
        raise InvalidParameterError(field, f"has the character {bad!r}, which EMR refuses in names, in {value!r}")
    return value


def _emr_name_char(char: str) -> bool:
    """Whether EMR's name pattern (``[\u0020-\ud7ff\ue000-\ufffd\ud800\udc00-\udbff\udfff\r\n\t]``) allows ``char``."""
    code = ord(char)
    return char in "\t\r\n" or (0x20 <= code <= 0xD7FF) or (0xE000 <= code <= 0xFFFD) or code >= 0x10000


def validate_role_mappings(value: Any, field: str = "role_mappings") -> list[dict[str, Any]]:
    """
    Validate role mappings in AWS's shape, in order, and return them normalised.

    ``Prefix`` identifiers (given as ``s3://bucket/prefix/`` or ``s3://bucket/prefix``) are written
    without the trailing slash, ``s3://bucket/prefix`` (see :attr:`S3Location.mapping_identifier`),
    so the directory's own key and its ``_$folder$`` marker route to the mapped role too. An
    identifier that an earlier mapping of the same type already matches is refused: EMRFS evaluates
    mappings top-down and matches ``Prefix`` identifiers as plain string prefixes, so the later one
    would never apply (``s3://b/p`` before ``s3://b/p2`` captures ``s3://b/p2/...``).
    """
    refuse_rendered_text(value, field, "list")
    if isinstance(value, dict):
        value = [value]
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray, memoryview)):
        # A tuple, or what a DAG's XComArg resolves to: a mapped task's output (LazyXComSequence) or
        # ``.map()``/``zip()``/``.concat()`` of one (_MapResult, _ZipResult, _ConcatResult), read as their list.
        value = list(value)
    if not isinstance(value, list) or not value:
        raise InvalidParameterError(field, f"must be a non-empty list of role mappings, got {value!r}")
    result: list[dict[str, Any]] = []
    for index, mapping in enumerate(value):
        where = f"{field}[{index}]"
        checked = _validate_mapping(mapping, where)
        kind, identifiers = checked["IdentifierType"], checked["Identifiers"]
        for position, identifier in enumerate(identifiers):
            shadow = shadowed_by(result, kind, identifier)
            if shadow is None and identifier in identifiers[:position]:
                shadow = index, identifier
            if shadow is not None:
                earlier, earlier_identifier = shadow
                raise InvalidParameterError(
                    f"{where}.Identifiers[{position}]",
                    f"{identifier!r} is already covered by {earlier_identifier!r} in {field}[{earlier}]; mappings apply "
                    "top-down, so this one would never be used (put the narrower mapping first)",
                )
        result.append(checked)
    return result


def _validate_mapping(mapping: Any, where: str) -> dict[str, Any]:
    """Validate one role mapping (``where`` names it in errors) and return it normalised."""
    if not isinstance(mapping, dict):
        raise InvalidParameterError(where, f"must be a dict with Role, IdentifierType and Identifiers, got {mapping!r}")
    unknown = set(mapping) - MAPPING_KEYS
    missing = MAPPING_KEYS - set(mapping)
    if unknown or missing:
        raise InvalidParameterError(
            where,
            f"must have exactly the keys Role, IdentifierType, Identifiers (missing {sorted(missing)}, unknown {sorted(unknown)})",
        )
    role = validate_role_arn(mapping["Role"], f"{where}.Role")
    kind = require_str(mapping["IdentifierType"], f"{where}.IdentifierType")
    if kind not in IDENTIFIER_TYPES:
        raise InvalidParameterError(
            f"{where}.IdentifierType", f"must be one of {', '.join(IDENTIFIER_TYPES)}, got {kind!r}"
        )
    if kind == "Prefix":
        identifiers = require_list(mapping["Identifiers"], f"{where}.Identifiers", _prefix_identifier)
    else:
        identifiers = require_list(mapping["Identifiers"], f"{where}.Identifiers", _principal_identifier(kind))
    return {"Role": role, "IdentifierType": kind, "Identifiers": identifiers}


def shadowed_by(earlier_mappings: list[Any], kind: Any, identifier: str) -> tuple[int, str] | None:
    """
    Return the first earlier mapping of the same type that matches every request ``identifier`` matches.

    EMRFS tries the mappings top-down and uses the first that matches; a ``Prefix`` identifier matches
    as a plain string prefix of ``s3://bucket/key`` (Amazon EMR Management Guide, "Configure IAM roles
    for EMRFS requests to Amazon S3"), so ``s3://b/p`` captures ``s3://b/p2`` too. One that ends inside a
    bucket's name (``s3://b`` before ``s3://b2/p``) may match only, and is no shadow here
    (``checks/routing.py`` :func:`prefix_matches`; the verifier says "not checked"). Used by
    :func:`validate_role_mappings` (which refuses it) and the verifier's check (which fails the link).

    :param earlier_mappings: the mappings before the one ``identifier`` belongs to, in order.
    :param kind: the ``IdentifierType`` of that mapping.
    :param identifier: one of its identifiers.
    :return: the earlier mapping's index and its identifier that matches first, or ``None``.
    """
    from airflow_provider_emrfs_xacct.pure.checks.routing import prefix_matches  # it reads mappings with ours

    for earlier, mapping in enumerate(earlier_mappings):
        read = read_mapping(mapping)
        if read.kind is None or read.kind != kind:
            continue
        for earlier_identifier in read.identifiers:
            matched = kind == "Prefix" and prefix_matches(earlier_identifier, identifier)
            if identifier == earlier_identifier or matched:
                return earlier, earlier_identifier
    return None


def _prefix_identifier(value: Any, field: str) -> str:
    """
    A ``Prefix`` identifier, written as ``s3://bucket/prefix``: the only form the Amazon EMR Management Guide shows
    ("Configure IAM roles for EMRFS requests to Amazon S3"). Another scheme (``s3a://``, ``s3n://``, ``S3://``) is
    refused: whether EMR accepts it and how EMRFS matches it are not documented (``checks/routing.py``).
    """
    if isinstance(value, str) and "://" in value and not value.startswith("s3://"):
        raise InvalidParameterError(
            field,
            f"a Prefix mapping takes s3://bucket/prefix/ identifiers, got {value!r}: AWS documents neither whether "
            "EMR accepts another scheme (or spelling of s3://) nor how EMRFS matches it",
        )
    if isinstance(value, str) and not value.startswith("s3://"):
        raise InvalidParameterError(
            field,
            f"a Prefix mapping takes s3://bucket/prefix/ identifiers, got {value!r}; put users and groups in their own mapping",
        )
    return parse_s3_location(value, field, allow_bucket_root=True).mapping_identifier


def _principal_identifier(kind: str) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        # Any URI, of any scheme or spelling (s3://, S3://, s3a://): a prefix put in the wrong mapping, which would
        # be created and never match a user or group (OX227).
        if isinstance(value, str) and ("://" in value if not identifiers_taken_as_before() else value[:5] == "s3://"):
            raise InvalidParameterError(
                field,
                f"a {kind} mapping takes Hadoop {kind.lower()} names, got the prefix {value!r}: put "
                "s3://bucket/prefix/ identifiers in a Prefix mapping",
            )
        return validate_hadoop_principal(value, field)

    return check


@dataclass(frozen=True)
class CrossTypeShadow:
    """
    An earlier mapping that captures some requests a later one names: of another identifier type, or two groups.

    EMRFS tries the mappings top-down across all types and uses the first that matches (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"), so a ``User`` or
    ``Group`` mapping captures every request of that user or group, a later ``Prefix`` included, and
    a ``Prefix`` mapping captures requests under it of a later ``User`` or ``Group``. A user is in
    several Hadoop groups at once (the same page: "Hadoop users and groups that are defined on the
    cluster"), so a ``Group`` mapping captures the requests of its members that a later ``Group``
    mapping names too.
    """

    earlier: int
    earlier_type: str
    earlier_identifier: str
    earlier_role: str
    later: int
    later_type: str
    later_identifier: str
    later_role: str

    @property
    def certain(self) -> bool:
        """False for ``User`` against ``Group`` and for two groups: it depends on group membership, not known here."""
        return "Prefix" in (self.earlier_type, self.later_type)

    def message(self, field: str = "role_mappings") -> str:
        earlier = f"{field}[{self.earlier}] ({self.earlier_type} {self.earlier_identifier!r} -> {self.earlier_role})"
        later = f"{field}[{self.later}] ({self.later_type} {self.later_identifier!r} -> {self.later_role})"
        if self.earlier_type == "Prefix":
            what = f"requests of {self.later_type.lower()} {self.later_identifier!r} under {self.earlier_identifier}"
        elif self.later_type == "Prefix":
            what = f"requests of {self.earlier_type.lower()} {self.earlier_identifier!r} to {self.later_identifier}"
        elif self.earlier_type == self.later_type:
            what = (
                f"if a user is in both group {self.earlier_identifier!r} and group {self.later_identifier!r}, "
                "its requests"
            )
        else:
            what = f"if user {self._user!r} is in group {self._group!r}, its requests"
        return (
            f"{earlier} comes first and captures {what}, which {later} names: EMRFS uses the first mapping that "
            f"matches, whatever its type, so they get {self.earlier_role}, not {self.later_role}"
        )

    @property
    def _user(self) -> str:
        return self.earlier_identifier if self.earlier_type == "User" else self.later_identifier

    @property
    def _group(self) -> str:
        return self.earlier_identifier if self.earlier_type == "Group" else self.later_identifier


def cross_type_shadowing(mappings: list[Any]) -> list[CrossTypeShadow]:
    """
    Return every pair of mappings where the earlier may capture requests the later names (:class:`CrossTypeShadow`).

    Pairs of different types, and pairs of ``Group`` mappings naming different groups (a user may be in
    both). Pure, for the operator (which warns) and the verifier. Mappings to the same role, in any spelling
    of its name (:func:`~.merge.identity_key`), are not reported (whichever matches, the role is the same).
    Same-type shadowing (the same user or group twice, a prefix under an earlier one) is refused by
    :func:`validate_role_mappings` instead: there the later identifier can never apply.

    :param mappings: role mappings in AWS's shape (as validated, or as read from a live configuration).
    """
    found: list[CrossTypeShadow] = []
    read = [read_mapping(mapping) for mapping in mappings]
    for later, later_mapping in enumerate(read):
        for earlier in range(later):
            earlier_mapping = read[earlier]
            earlier_type, later_type = earlier_mapping.kind, later_mapping.kind
            if earlier_type is None or later_type is None:
                continue  # an unread type: the verifier's mapping link says so (read_mapping)
            same_type = earlier_type == later_type
            if (same_type and earlier_type != "Group") or names_any([earlier_mapping.role], [later_mapping.role]):
                continue
            for earlier_identifier in earlier_mapping.identifiers:
                for later_identifier in later_mapping.identifiers:
                    if same_type and earlier_identifier == later_identifier:
                        continue  # the same group twice: shadowed_by's (the later one never applies)
                    found.append(
                        CrossTypeShadow(
                            earlier,
                            earlier_type,
                            earlier_identifier,
                            str(earlier_mapping.role),
                            later,
                            later_type,
                            later_identifier,
                            str(later_mapping.role),
                        )
                    )
    return found


def requests_taken_over(mappings: list[Any], removed: set[int]) -> list[str]:
    """
    Say which kept mappings take the requests the ``removed`` mappings took, once those are gone.

    "When EMRFS makes a request to Amazon S3 that matches users, groups, or the locations that you specify, the
    cluster uses the corresponding role that you specify instead of the EMR role for EC2" (Amazon EMR Management
    Guide, "Configure IAM roles for EMRFS requests to Amazon S3"), the first mapping that matches, whatever its
    type. A request a removed mapping took goes to the next one that matches it: a later ``Prefix`` over the same
    keys, a later ``User`` or ``Group`` of the job's user; with none, the EMR EC2 role. An earlier mapping that
    matches it took it before already, so only later ones are named; and a pair is not named when an earlier
    ``Prefix`` mapping takes every request in question (:func:`_taken_first`). A later kept mapping that cannot be
    read (:func:`read_mapping`) is named as one that may take them, and so is a pair of ``Prefix`` identifiers one
    of which ends inside the other's bucket name (``s3://b`` and ``s3://b2/p``): whether EMRFS matches
    ``s3://b`` for another bucket is not documented (``checks/routing.py`` :func:`prefix_matches`).

    :param mappings: the configuration's role mappings, in order.
    :param removed: the indexes of the mappings taken out.
    :return: one sentence per pair of a removed and a later kept identifier that a request may match both.
    """
    read = [read_mapping(mapping) for mapping in mappings]
    found: list[str] = []
    for gone in sorted(removed):
        if read[gone].kind is None:
            continue  # what it took is not known: the verifier's mapping link says so (read_mapping)
        for later in range(gone + 1, len(read)):
            if later in removed:
                continue
            for sentence in _taken_by_later(read, removed, gone, later):
                if sentence not in found:
                    found.append(sentence)
    return found


def _taken_by_later(read: list[ReadMapping], removed: set[int], gone: int, later: int) -> list[str]:
    """The sentences of :func:`requests_taken_over` for removed mapping ``gone`` and kept mapping ``later``."""
    went, goes = _role_named(read[gone].role), _role_named(read[later].role)
    if read[later].kind is None:
        return [
            f"requests that went as {went} (mapping {gone}) may go as {goes} (mapping {later}): mapping {later} "
            f"could not be read ({read[later].problem}), so whether it takes them is not known"
        ]
    sentences = []
    for identifier in read[gone].identifiers:
        for other in read[later].identifiers:
            matched = _matched_by_both(str(read[gone].kind), identifier, str(read[later].kind), other)
            if matched is None or _taken_first(read, removed, gone, later, matched[1]):
                continue
            sentences.append(
                f"{matched[0]}, which went as {went} (mapping {gone}), go as {goes} (mapping {later}) unless an "
                "earlier kept mapping takes them"
            )
    return sentences


def _role_named(role: str | None) -> str:
    """A mapping's role as a sentence names it (``Role`` that is no string: it could not be read)."""
    return role if role is not None else "a role that could not be read"


def _taken_first(read: list[ReadMapping], removed: set[int], gone: int, later: int, prefix: str | None) -> bool:
    """
    Whether every request under ``prefix`` goes to another mapping than ``gone`` before, or than ``later`` after: a
    ``Prefix`` mapping before ``gone`` (kept or removed: ``gone`` never took them), or a kept one before ``later``
    (it takes them first), with an identifier that matches ``prefix`` (``checks/routing.py``
    :func:`prefix_matches`: a string prefix of it that does not end inside its bucket's name). A ``Prefix``
    identifier matches every key it is such a prefix of, whoever the user; a ``User`` or ``Group`` mapping takes
    only some users' requests.
    """
    from airflow_provider_emrfs_xacct.pure.checks.routing import prefix_matches  # it reads mappings with ours

    if prefix is None:
        return False
    return any(
        mapping.kind == "Prefix"
        and (index < gone or index not in removed)
        and any(prefix_matches(identifier, prefix) for identifier in mapping.identifiers)
        for index, mapping in enumerate(read[:later])
        if index != gone
    )


def _may_both_match(identifier: str, other: str) -> bool:
    """
    Whether EMRFS may match two ``Prefix`` identifiers for one request though neither certainly matches what the
    other does: one of another form than ``s3://bucket/prefix`` (``s3a://``, ``s3n://``, ``S3://``, a bucket in
    capitals), which the Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") does not
    show, or one ending inside the other's bucket name (``s3://b`` and ``s3://b2/p``), compared as
    ``checks/routing.py`` :func:`may_match_otherwise` does.
    """
    from airflow_provider_emrfs_xacct.pure.checks.routing import may_match_otherwise  # it reads mappings with ours

    first, second = _with_s3_scheme(identifier), _with_s3_scheme(other)
    return (
        first.startswith(second)
        or second.startswith(first)
        or may_match_otherwise(other, first)
        or may_match_otherwise(identifier, second)
    )


def _with_s3_scheme(identifier: str) -> str:
    """``identifier`` with the ``s3://`` scheme in place of another one (``s3a://``, ``S3://``)."""
    scheme, separator, rest = identifier.partition("://")
    return identifier if not separator or scheme == "s3" else f"s3://{rest}"


def _prefixes_matched_by_both(identifier: str, other: str) -> tuple[str, str | None] | None:
    """:func:`_matched_by_both` for two ``Prefix`` identifiers (``checks/routing.py`` :func:`prefix_matches`)."""
    from airflow_provider_emrfs_xacct.pure.checks.routing import ends_inside_bucket, prefix_matches

    if prefix_matches(other, identifier) or prefix_matches(identifier, other):
        longer = max(identifier, other, key=len)
        return f"requests under {longer}", longer
    if not _may_both_match(identifier, other):
        return None
    if ends_inside_bucket(identifier, other) or ends_inside_bucket(other, identifier):
        why = (
            "a bucket specifier ending inside the other's bucket name, which AWS does not document to match another "
            "bucket"
        )
    else:
        why = "an identifier of another form than s3://bucket/prefix, whose matching AWS does not document"
    return f"requests that both {identifier} and {other} may match ({why})", None


def _matched_by_both(kind: str, identifier: str, other_kind: str, other: str) -> tuple[str, str | None] | None:
    """
    The requests an identifier of type ``kind`` and one of ``other_kind`` may both match, and the prefix they are
    all under (``None``: not one prefix), or ``None``.
    """
    if kind == other_kind == "Prefix":
        return _prefixes_matched_by_both(identifier, other)
    if "Prefix" in (kind, other_kind):
        prefix, (who_kind, who) = (identifier, (other_kind, other)) if kind == "Prefix" else (other, (kind, identifier))
        return f"requests of {who_kind.lower()} {who!r} under {prefix}", prefix
    if kind == other_kind:
        if identifier == other:
            return f"requests of {kind.lower()} {identifier!r}", None
        if kind == "User":
            return None
        return f"requests of a user in both group {identifier!r} and group {other!r}", None
    user, group = (identifier, other) if kind == "User" else (other, identifier)
    return f"requests of user {user!r}, if it is in group {group!r}", None


def build_security_configuration(
    role_mappings: list[dict[str, Any]],
    base_configuration: Any = None,
    *,
    check_shape: bool = True,
    refuse_bypasses: bool = True,
) -> dict[str, Any]:
    """
    Return the security configuration: ``base_configuration`` with the EMRFS role mappings added.

    :param role_mappings: validated mappings (see :func:`validate_role_mappings`).
    :param base_configuration: other sections (``EncryptionConfiguration`` …), kept as given.
    :param check_shape: refuse a value JSON has none for (:func:`~.json_values.require_json_value`) and a
        documented field of another JSON type or missing where its section's mode requires it
        (:func:`refuse_misshapen_fields`); off
        for a configuration read from EMR, which accepted it already.
    :param refuse_bypasses: refuse a section that takes writes away from the role mappings
        (:func:`refuse_routing_bypasses`); off where a revoke rebuilds a configuration EMR holds with the other
        mappings it already had: taking one partner's mappings out grants nothing, and must not be blocked by them.
    """
    if base_configuration is None:
        base_configuration = {}
    if isinstance(base_configuration, str):
        try:  # a name given twice in one object is refused naming the field (load_argument_text)
            base_configuration = load_argument_text(base_configuration, "base_configuration")
        except json.JSONDecodeError as error:
            raise InvalidParameterError(
                "base_configuration",
                f"is not valid JSON: {error} (a dict that a template rendered as text reads so, with single quotes "
                "and True/None: pass the dict, or set render_template_as_native_obj=True on the DAG)",
            ) from None
    if not isinstance(base_configuration, dict):
        raise InvalidParameterError("base_configuration", f"must be a dict, got {type(base_configuration).__name__}")
    document = copy.deepcopy(base_configuration)
    authorization = document.setdefault("AuthorizationConfiguration", {})
    if not isinstance(authorization, dict):
        raise InvalidParameterError("base_configuration.AuthorizationConfiguration", "must be a dict")
    emrfs = authorization.setdefault("EmrFsConfiguration", {})
    if not isinstance(emrfs, dict):
        raise InvalidParameterError(
            "base_configuration.AuthorizationConfiguration.EmrFsConfiguration", "must be a dict"
        )
    if "RoleMappings" in emrfs:
        raise InvalidParameterError(
            "base_configuration.AuthorizationConfiguration.EmrFsConfiguration.RoleMappings",
            "is set; pass role mappings through role_mappings instead",
        )
    if check_shape:
        require_json_value(base_configuration, "base_configuration")  # EMR takes it "in JSON format"
        refuse_misshapen_fields(base_configuration, "base_configuration")
    if refuse_bypasses:
        refuse_routing_bypasses(document, "base_configuration")
    emrfs["RoleMappings"] = copy.deepcopy(role_mappings)
    return document


#: A field AWS documents as ``true | false``. AWS's own example for CSE-Custom writes ``"EnableInTransitEncryption" :
#: "true"`` (a string), so the strings ``"true"`` and ``"false"`` are let through too; anything else is refused.
_BOOLEAN = "true or false"
#: The values a ``true | false`` field may hold, as :data:`_BOOLEAN` lets them through, and what each means.
DOCUMENTED_BOOLEANS: dict[Any, bool] = {True: True, False: False, "true": True, "false": False}


def documented_boolean(value: Any) -> bool | None:
    """
    Read a field AWS documents as ``true | false`` as the grant accepts it: a JSON boolean, or the text ``"true"``
    or ``"false"`` (AWS's own CSE-Custom example, see :data:`_BOOLEAN`); ``None`` for anything else.

    One rule for the grant (:func:`refuse_misshapen_fields`) and the verifier (:func:`at_rest_s3_encryption`): a
    configuration the provider creates is one its verifier reads.
    """
    if not isinstance(value, (bool, str)):  # 1 == True in Python: a number is not a documented boolean
        return None
    return DOCUMENTED_BOOLEANS.get(value)


_STRING = "a string"
_NUMBER = "a number"
#: The S3 encryption modes the guide lists: ``"EncryptionMode" : "SSE-S3" | "SSE-KMS" | "CSE-KMS" | "CSE-Custom"``.
ENCRYPTION_MODES = ("SSE-S3", "SSE-KMS", "CSE-KMS", "CSE-Custom")
_S3_ENCRYPTION_FIELDS: dict[str, Any] = {
    "EncryptionMode": ENCRYPTION_MODES,
    "AwsKmsKey": _STRING,
    "S3Object": _STRING,
    "EncryptionKeyProviderClass": _STRING,
}
#: The documented JSON type of each field of a security configuration that the guide's JSON references give
#: (Amazon EMR Management Guide, "Create a security configuration": "JSON Reference for Encryption Settings", "JSON
#: Reference for Kerberos Settings", and the metadata service settings read by :func:`imds_problem`): a dict is an
#: object of those fields, a one-element list a list of such objects. AWS refuses another type at
#: ``CreateSecurityConfiguration``, the last step. Keys not listed here are kept as given, not refused: the guide
#: gives no complete list (sections such as ``LakeFormationConfiguration`` came later), and refusing a key AWS
#: accepts would refuse a valid configuration.
SECURITY_CONFIGURATION_SHAPE: dict[str, Any] = {
    "EncryptionConfiguration": {
        "EnableInTransitEncryption": _BOOLEAN,
        "EnableAtRestEncryption": _BOOLEAN,
        "InTransitEncryptionConfiguration": {
            "TLSCertificateConfiguration": {
                "CertificateProviderType": _STRING,
                "S3Object": _STRING,
                "CertificateProviderClass": _STRING,
            },
        },
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {
                **_S3_ENCRYPTION_FIELDS,
                "Overrides": [{"BucketName": _STRING, **_S3_ENCRYPTION_FIELDS}],
            },
            "LocalDiskEncryptionConfiguration": {
                "EncryptionKeyProviderType": _STRING,
                "AwsKmsKey": _STRING,
                "S3Object": _STRING,
                "EncryptionKeyProviderClass": _STRING,
                "EnableEbsEncryption": _BOOLEAN,
            },
        },
    },
    "AuthenticationConfiguration": {
        "KerberosConfiguration": {
            "Provider": _STRING,
            "ClusterDedicatedKdcConfiguration": {
                # AWS's spelling (Amazon EMR Management Guide, Kerberos "Configuration examples":
                # "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": 24}; AWS Config, emr-kerberos-enabled).
                "TicketLifetimeInHours": _NUMBER,
                "CrossRealmTrustConfiguration": {
                    "Realm": _STRING,
                    "Domain": _STRING,
                    "AdminServer": _STRING,
                    "KdcServer": _STRING,
                },
            },
        },
        # "EnableIdentityCenter": true (Amazon EMR Management Guide, "Getting started with AWS IAM Identity Center
        # integration for Amazon EMR", the JSON example; the only value AWS shows). Another value is refused in a
        # document the provider creates, as the runtime-roles switch is (a configuration made elsewhere is read by
        # :func:`identity_center_on`).
        "IdentityCenterConfiguration": {"EnableIdentityCenter": _BOOLEAN},
    },
    "AuthorizationConfiguration": {
        "EmrFsConfiguration": {},
        # AWS's only spelling: "EnableApplicationScopedIAMRole": true (Amazon EMR Management Guide, "Runtime roles for
        # Amazon EMR steps"); another value (1, "yes", " TRUE ") is refused in a document the provider creates
        # (a configuration made elsewhere is read by :func:`runtime_roles_on`).
        "IAMConfiguration": {"EnableApplicationScopedIAMRole": _BOOLEAN},
    },
    "InstanceMetadataServiceConfiguration": {},
}


#: The fields each documented mode of an enabled encryption section requires: ``(switch, section, mode field, {mode:
#: required fields})``. Amazon EMR Management Guide, "Create a security configuration", "JSON Reference for Encryption
#: Settings" (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-create-security-configuration.html):
#: ``EncryptionMode``: "If either SSE-KMS or CSE-KMS is specified, an AWS KMS customer master key (CMK) ARN must be
#: specified as the AwsKmsKey value. If CSE-Custom is specified, S3Object and EncryptionKeyProviderClass values must be
#: specified" (the field an ``Overrides`` entry sets for its bucket too: the guide's example gives each of its KMS
#: entries its own ``AwsKmsKey``); ``EncryptionKeyProviderType``: "If AwsKms is specified, an AWS KMS CMK ARN must be
#: specified as the AwsKmsKey value. If Custom is specified, S3Object and EncryptionKeyProviderClass values must be
#: specified"; ``CertificateProviderType``: "If PEM is specified, S3Object must be a reference to the location in
#: Amazon S3 of a zip file ... If Custom is specified, S3Object must be a reference to the location in Amazon S3 of a
#: JAR file, followed by a CertificateProviderClass entry". A section counts only when its switch is on: the guide
#: describes ``AtRestEncryptionConfiguration`` and ``InTransitEncryptionConfiguration`` as the values used "when
#: EnableAtRestEncryption is true" (``EnableInTransitEncryption``). A mode the guide does not list requires nothing here.
REQUIRED_BY_MODE: tuple[tuple[str, str, str, dict[str, tuple[str, ...]]], ...] = (
    (
        "EnableAtRestEncryption",
        "AtRestEncryptionConfiguration.S3EncryptionConfiguration",
        "EncryptionMode",
        {
            "SSE-KMS": ("AwsKmsKey",),
            "CSE-KMS": ("AwsKmsKey",),
            "CSE-Custom": ("S3Object", "EncryptionKeyProviderClass"),
        },
    ),
    (
        "EnableAtRestEncryption",
        "AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration",
        "EncryptionKeyProviderType",
        {"AwsKms": ("AwsKmsKey",), "Custom": ("S3Object", "EncryptionKeyProviderClass")},
    ),
    (
        "EnableInTransitEncryption",
        "InTransitEncryptionConfiguration.TLSCertificateConfiguration",
        "CertificateProviderType",
        {"PEM": ("S3Object",), "Custom": ("S3Object", "CertificateProviderClass")},
    ),
)


def refuse_misshapen_fields(document: Any, field: str) -> None:
    """
    Refuse a field of :data:`SECURITY_CONFIGURATION_SHAPE` whose value is of another JSON type, or one an enabled
    section's mode requires (:data:`REQUIRED_BY_MODE`) that is missing or blank, naming it.

    Before any write: EMR refuses such a document only at ``CreateSecurityConfiguration``, after the chain's other
    steps were applied (``EnableAtRestEncryption: "yes"``; ``SSE-KMS`` without its ``AwsKmsKey``).
    :func:`imds_problem`'s rule for the metadata service.

    :param field: how the document is named in errors (``base_configuration``).
    """
    _refuse_misshapen(document, SECURITY_CONFIGURATION_SHAPE, field)
    _refuse_missing_required_fields(document, field)
    problem = imds_problem(document)
    if problem is not None:
        raise InvalidParameterError(f"{field}.{problem.split(' ', 1)[0]}", problem.split(" ", 1)[1])


def _refuse_misshapen(value: Any, shape: Any, field: str) -> None:
    if isinstance(shape, (dict, list)):
        _refuse_misshapen_container(value, shape, field)
    elif isinstance(shape, tuple):
        if value not in shape:
            raise InvalidParameterError(field, f"must be one of {', '.join(shape)}, got {_json(value)}")
    elif not _is_of_type(value, shape):
        raise InvalidParameterError(field, f"must be {shape}, got {_json(value)}")


def _refuse_misshapen_container(value: Any, shape: dict[str, Any] | list[Any], field: str) -> None:
    """An object of the fields ``shape`` names (others are not checked), or a list of such objects."""
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise InvalidParameterError(field, f"must be a list, got {_json(value)}")
        for index, item in enumerate(value):
            _refuse_misshapen(item, shape[0], f"{field}[{index}]")
        return
    if not isinstance(value, dict):
        raise InvalidParameterError(field, f"must be an object, got {_json(value)}")
    for key, inner in shape.items():
        if value.get(key) is not None:
            _refuse_misshapen(value[key], inner, f"{field}.{key}")


def _refuse_missing_required_fields(document: dict[str, Any], field: str) -> None:
    """Refuse a field :data:`REQUIRED_BY_MODE` asks of an enabled section's mode, missing or blank; shapes checked."""
    for entry, where, needed, when in _required_fields(document, field):
        value = entry.get(needed)
        if not isinstance(value, str) or not value.strip():
            got = f", got {_json(value)}" if needed in entry else ""
            raise InvalidParameterError(where, f"required when {when}{got}")


def _required_fields(document: dict[str, Any], field: str) -> list[tuple[dict[str, Any], str, str, str]]:
    """
    Each field :data:`REQUIRED_BY_MODE` asks of an enabled section's mode: ``(entry, where, needed, when)``, the
    section holding it, its name in errors, the field, and why (``EncryptionMode is SSE-KMS``); shapes checked.
    """
    encryption = document.get("EncryptionConfiguration") or {}
    found = []
    for switch, path, mode_field, required in REQUIRED_BY_MODE:
        if documented_boolean(encryption.get(switch)) is not True:
            continue
        for where, entry in _mode_entries(encryption, path, f"{field}.EncryptionConfiguration"):
            mode = entry.get(mode_field)
            for needed in required.get(mode, ()) if isinstance(mode, str) else ():
                found.append((entry, f"{where}.{needed}", needed, f"{mode_field} is {mode}"))
    return found


#: What the guide asks of an at-rest ``AwsKmsKey`` (Amazon EMR Management Guide, "Create a security configuration",
#: "JSON Reference for Encryption Settings"), quoted when one is not an ARN.
KMS_KEY_ARN_REQUIRED = (
    '"If either SSE-KMS or CSE-KMS is specified, an AWS KMS customer master key (CMK) ARN must be specified as the '
    'AwsKmsKey value", and for the local disks "If AwsKms is specified, an AWS KMS CMK ARN must be specified as the '
    'AwsKmsKey value"; "MyKeyARN must be a fully specified ARN to a key (for example, '
    'arn:aws:kms:us-east-1:123456789012:key/...)" (Amazon EMR Management Guide, "Create a security configuration")'
)


def keys_not_kms_arns(document: dict[str, Any], field: str) -> list[InvalidParameterError]:
    """
    Why each at-rest ``AwsKmsKey`` an enabled section's mode uses (S3's ``SSE-KMS``/``CSE-KMS``, each ``Overrides``
    entry's, the local disks' ``AwsKms``: :data:`REQUIRED_BY_MODE`) is not what the guide asks, a KMS ARN
    (:func:`is_kms_arn`); pure, shapes checked (:func:`refuse_misshapen_fields`), ``field`` naming the document.

    A key id (``1234abcd-...``) or an alias name (``alias/partner-key``), which KMS itself resolves: AWS documents the
    ARN form (:data:`KMS_KEY_ARN_REQUIRED`) and does not say what EMR does with another, so configurations naming one
    may exist (made by hand, or by this provider before it asked for the ARN). Refused only where a configuration is
    to be created from the partner's or a task's document: ``emrfs-xacct plan``/``apply`` and
    :class:`CreateEmrfsSecurityConfigOperator` when EMR holds no configuration of its name, a launch creating a missing
    one (:func:`refuse_unfit_document`); never where one that exists is reused or verified (OX226). Revoke does create
    one, the configuration rebuilt from one EMR holds without the partner's mappings, and keeps its keys as EMR holds
    them, with a warning naming the field (``RevokePartnerAccessOperator._ensure_rebuilt``): EMR already holds that
    content, and refusing it would block taking the access away. An alias ARN (``arn:aws:kms:…:alias/x``) is kept:
    the guide documents key ARNs only, but the provider's tests create configurations with one (the aws/s3 alias ARN:
    ``tests/integration/test_verify.py``), and the verifier reads them.
    """
    return [
        InvalidParameterError(
            where,
            f"must be the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) when {when}, got {_json(value)}: "
            f"{KMS_KEY_ARN_REQUIRED}; AWS does not document what EMR does with another form",
        )
        for entry, where, needed, when in _required_fields(document, field)
        if needed == "AwsKmsKey" and isinstance(value := entry.get(needed), str) and not is_kms_arn(value)
    ]


def refuse_keys_not_kms_arns(document: dict[str, Any], field: str) -> None:
    """Refuse the first of :func:`keys_not_kms_arns`: a configuration is to be created from ``document``."""
    for error in keys_not_kms_arns(document, field):
        raise error


def is_kms_arn(value: str) -> bool:
    """Whether ``value`` is a KMS key or alias ARN: ``arn:PARTITION:kms:REGION:ACCOUNT:key/…`` (or ``alias/…``)."""
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[2] == "kms"
        and all(parts[1:5])
        and parts[5].startswith(("key/", "alias/"))
        and len(parts[5].split("/", 1)[1]) > 0
    )


def _mode_entries(encryption: dict[str, Any], path: str, field: str) -> list[tuple[str, dict[str, Any]]]:
    """The section at ``path`` under ``encryption`` and, S3's, each of its ``Overrides`` entries, by field name."""
    section: Any = encryption
    for key in path.split("."):
        section = section.get(key)
        if section is None:
            return []
        field = f"{field}.{key}"
    entries = [(field, section)]
    if field.endswith(S3_ENCRYPTION_FIELD):  # SECURITY_CONFIGURATION_SHAPE's only Overrides
        overrides = section.get("Overrides") or []
        entries += [(f"{field}.Overrides[{index}]", entry) for index, entry in enumerate(overrides)]
    return entries


def _is_of_type(value: Any, kind: str) -> bool:
    if kind == _BOOLEAN:
        return documented_boolean(value) is not None
    if kind == _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


#: Where a Ranger security configuration lists its plugins, each an object with its ``App``, and the ``App`` of the
#: EMRFS S3 plugin, as AWS spells them: ``"RangerPluginConfigurations": [{"App": "Spark", ...}, {"App": "Hive", ...},
#: {"App": "EMRFS-S3", "ClientSecretARN": ..., "PolicyRepositoryName": ...}]`` (Amazon EMR Management Guide, "Create
#: the EMR security configuration" for Apache Ranger,
#: https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-ranger-security-config.html). The guide gives no other
#: spelling, nor says whether EMR reads ``App`` regardless of case: only ``EMRFS-S3`` itself is read as the plugin.
RANGER_PLUGINS_KEY = "RangerPluginConfigurations"
RANGER_EMRFS_APP = "EMRFS-S3"
#: The keys of ``RangerConfiguration`` in that example. Another key is not read as a plugin list: the botocore
#: model passes the document as an opaque string (``CreateSecurityConfigurationInput.SecurityConfiguration``:
#: ``String``), and what EMR makes of a key its guide does not name is not documented (a user's report shows it
#: refusing one elsewhere in the document, ``New-EMRSecurityConfiguration``: "Invalid security configuration; object
#: has invalid properties: [LocalDiskEncryptionKeyProvider]", awsdocs/amazon-emr-management-guide pull request 23).
RANGER_KEYS = (
    "AdminServerURL",
    "RoleForRangerPluginsARN",
    "RoleForOtherAWSServicesARN",
    "AdminServerSecretARN",
    RANGER_PLUGINS_KEY,
    "AuditConfiguration",
)


@dataclass(frozen=True)
class RoutingBypass:
    """
    A section of a security configuration that sends EMRFS writes out with other credentials than the role mappings'.

    :param field: where it is, in the document (``AuthorizationConfiguration.…``).
    :param problem: what AWS documents about it, and what it leaves undocumented.
    :param certain: AWS documents that every write it covers bypasses the mappings; ``False``: some (steps with
        a runtime role, registered locations) or none is documented, the rest is not.
    :param documented: AWS documents that at least some writes bypass the mappings.
    """

    field: str
    problem: str
    certain: bool
    documented: bool = True


def routing_bypasses(document: Any) -> list[RoutingBypass]:
    """
    Return the sections of a security configuration whose writes do not go through its EMRFS role mappings.

    EMRFS role mappings work by having the cluster's EC2 instance profile assume the mapped role (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"). Documented to take writes away
    from that route:

    - Runtime roles (``IAMConfiguration.EnableApplicationScopedIAMRole``): "When you specify a runtime role
      for an Amazon EMR step, the jobs or queries that you submit can only access AWS resources that the
      policies attached to the runtime role allow. These jobs and queries can't access the Instance Metadata
      Service on the EC2 instances of the cluster or use the EC2 instance profile of the cluster to access
      any AWS resources" (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps"). Steps without
      a runtime role on such a cluster: not documented. A switch :func:`runtime_roles_on` cannot read (``1``,
      ``"yes"``): whether EMR reads it as on is not documented either (:func:`_runtime_roles_bypass`).
    - Lake Formation (``LakeFormationConfiguration``), which runs on runtime roles ("On Amazon EMR clusters
      with runtime roles, you can also apply AWS Lake Formation based access control", same page): for a
      table location registered in Lake Formation "the data access path goes through Lake Formation stored
      credentials regardless of the IAM permission of the EMR job runtime role" (Amazon EMR Management
      Guide, "Considerations for Amazon EMR with Lake Formation").
    - The Ranger EMRFS S3 plugin (an entry of ``RangerConfiguration.RangerPluginConfigurations`` with ``App``
      ``EMRFS-S3``, :data:`RANGER_PLUGINS_KEY`): "EMRFS sends a request for credentials to the Secret Agent
      process ... the Secret Agent assumes the IAM role for Apache Ranger Engines" (Amazon EMR Management Guide,
      "EMRFS S3 plugin").
    - Ranger without that plugin: AWS does not document how the role mappings combine with Ranger's engine
      role and its "IAM role for other AWS services" (Amazon EMR Management Guide, "IAM roles for native
      integration with Apache Ranger"): not certain either way. So too a plugin list not as AWS spells it (an
      ``App`` such as ``emrfs-s3``, a key other than :data:`RANGER_KEYS`): not read as the plugin, nor as its
      absence; its problem names what is off (:func:`_ranger_oddities`).
    - IAM Identity Center (:data:`IDENTITY_CENTER_FIELD`, on as :func:`identity_center_on` reads it): data access
      on such a cluster is authorized through S3 Access Grants, and AWS does not say whether its requests still
      get the role mappings: not certain either way (:func:`_identity_center_bypass`).

    Kerberos (``AuthenticationConfiguration.KerberosConfiguration``), encryption (``EncryptionConfiguration``) and
    ``InstanceMetadataServiceConfiguration`` change no route (the last needs a release that speaks IMDSv2:
    :func:`~.cluster_config.imds_v2_unsupported`).
    """
    authorization = (document or {}).get("AuthorizationConfiguration") if isinstance(document, dict) else None
    if not isinstance(authorization, dict):
        return _identity_center_bypass(document)
    found: list[RoutingBypass] = _runtime_roles_bypass(document) + _identity_center_bypass(document)
    if authorization.get("LakeFormationConfiguration") is not None:
        found.append(
            RoutingBypass(
                "AuthorizationConfiguration.LakeFormationConfiguration",
                "turns on Lake Formation, which runs on runtime roles; writes to a table location registered in "
                "Lake Formation go out with Lake Formation's stored credentials, not a role mapping (Amazon EMR "
                'Management Guide, "Considerations for Amazon EMR with Lake Formation")',
                certain=False,
            )
        )
    ranger = authorization.get("RangerConfiguration")
    if ranger is not None:
        plugins = ranger.get(RANGER_PLUGINS_KEY) if isinstance(ranger, dict) else None
        emrfs_app = next(
            (
                index
                for index, application in enumerate(plugins if isinstance(plugins, list) else [])
                if isinstance(application, dict) and application.get("App") == RANGER_EMRFS_APP
            ),
            None,
        )
        if emrfs_app is not None:
            found.append(
                RoutingBypass(
                    f"AuthorizationConfiguration.RangerConfiguration.{RANGER_PLUGINS_KEY}[{emrfs_app}]",
                    f"turns on the Ranger {RANGER_EMRFS_APP} plugin: EMRFS then gets its credentials from the "
                    "Secret Agent, which assumes the IAM role for Apache Ranger Engines, not a mapped role (Amazon "
                    'EMR Management Guide, "EMRFS S3 plugin")',
                    certain=True,
                )
            )
        else:
            oddities = _ranger_oddities(ranger)
            found.append(
                RoutingBypass(
                    "AuthorizationConfiguration.RangerConfiguration",
                    "turns on Apache Ranger; AWS does not document how EMRFS role mappings combine with Ranger's "
                    'engine role and its role for other AWS services (Amazon EMR Management Guide, "IAM roles for '
                    'native integration with Apache Ranger")'
                    + (
                        f"; and whether it turns on the {RANGER_EMRFS_APP} plugin is not known: {', '.join(oddities)}"
                        if oddities
                        else ""
                    ),
                    certain=False,
                    documented=False,
                )
            )
    return found


def _runtime_roles_bypass(document: Any) -> list[RoutingBypass]:
    """
    The runtime-roles switch as a bypass: on (:func:`runtime_roles_on`: ``true``, or ``"true"`` in any case), or a
    value it cannot read (``1``, ``"yes"``): AWS documents only a JSON boolean, and whether EMR reads another value
    as on is not documented, so it is neither (not refused at a launch by name, as Ranger without its plugin;
    reported).
    """
    if runtime_roles_enabled(document):
        return [
            RoutingBypass(
                RUNTIME_ROLES_FIELD,
                "turns on runtime roles: a step submitted with ExecutionRoleArn writes as that runtime role and "
                "cannot use the EC2 instance profile, which is what assumes the mapped roles, so its writes never "
                'get a role mapping (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps"); what a '
                "step without one gets on such a cluster is not documented",
                certain=False,
            )
        ]
    if runtime_roles_on(document) is not None:
        return []
    return [
        RoutingBypass(
            RUNTIME_ROLES_FIELD,
            f"is {_json(runtime_roles_switch(document))}, not true or false as AWS documents it (Amazon EMR Management "
            'Guide, "Runtime roles for Amazon EMR steps": "EnableApplicationScopedIAMRole": true): whether EMR reads it as turning on '
            "runtime roles, whose steps write as their runtime role and never get a role mapping, is not known",
            certain=False,
            documented=False,
        )
    ]


#: Where a security configuration turns IAM Identity Center on, and the page that says how data is reached there.
IDENTITY_CENTER_FIELD = "AuthenticationConfiguration.IdentityCenterConfiguration.EnableIdentityCenter"
IDENTITY_CENTER_PAGE = "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc-s3ag.html"


def _identity_center_bypass(document: Any) -> list[RoutingBypass]:
    """
    The Identity Center switch as a bypass AWS documents neither way: on (:func:`identity_center_on`), or a value it
    cannot read. On an Identity Center enabled cluster "Use S3 Access Grants to authorize access to your data sets
    from clusters that use Identity Center" (Amazon EMR Management Guide, "Working with S3 Access Grants on an IAM
    Identity Center enabled EMR cluster", :data:`IDENTITY_CENTER_PAGE`; "Integrate Amazon EMR with AWS IAM Identity
    Center"); neither page says whether such requests still get the EMRFS role mappings. As Ranger without its
    plugin: let through (:func:`refuse_routing_bypasses`), "not checked" by the verifier.
    """
    on = identity_center_on(document)
    if on is False:
        return []
    said = (
        "turns on IAM Identity Center: data access on such a cluster is authorized through S3 Access Grants"
        if on
        else f"is {_json(identity_center_switch(document))}, not true or false as AWS documents it: whether EMR "
        "reads it as turning on IAM Identity Center, whose data access is authorized through S3 Access Grants, is "
        "not known"
    )
    return [
        RoutingBypass(
            IDENTITY_CENTER_FIELD,
            f'{said} (Amazon EMR Management Guide, "Working with S3 Access Grants on an IAM Identity Center enabled '
            f'EMR cluster", {IDENTITY_CENTER_PAGE}), and AWS does not say whether its requests still get the EMRFS '
            "role mappings",
            certain=False,
            documented=False,
        )
    ]


def _ranger_oddities(ranger: Any) -> list[str]:
    """
    What in a ``RangerConfiguration`` without the ``EMRFS-S3`` plugin is not as AWS's example spells it, so might be
    that plugin: a key other than :data:`RANGER_KEYS`, a plugin list that is not a list of objects, an ``App`` that
    is not a string or reads as ``EMRFS-S3`` but for case, spaces or punctuation (``emrfs-s3``, ``EMRFS_S3``).
    """
    if not isinstance(ranger, dict):
        return [f"RangerConfiguration is not an object ({_json(ranger)})"]
    oddities = [
        f"{key} is not a key of AWS's example, which lists the plugins under {RANGER_PLUGINS_KEY}"
        for key in ranger
        if key not in RANGER_KEYS
    ]
    plugins = ranger.get(RANGER_PLUGINS_KEY)
    if plugins is not None and not isinstance(plugins, list):
        oddities.append(f"{RANGER_PLUGINS_KEY} is not a list ({_json(plugins)})")
    for index, plugin in enumerate(plugins if isinstance(plugins, list) else []):
        app = plugin.get("App") if isinstance(plugin, dict) else None
        near = isinstance(app, str) and any(part in re.sub(r"[^a-z0-9]", "", app.lower()) for part in ("emrfs", "s3"))
        if not isinstance(plugin, dict):
            oddities.append(f"{RANGER_PLUGINS_KEY}[{index}] is not an object ({_json(plugin)})")
        elif not isinstance(app, str) or near:
            oddities.append(f"{RANGER_PLUGINS_KEY}[{index}].App {app!r} is not {RANGER_EMRFS_APP!r} as AWS spells it")
    return oddities


def refuse_routing_bypasses(document: dict[str, Any], field: str) -> None:
    """
    Refuse a security configuration with a section AWS documents to take writes away from the role mappings.

    Ranger without its EMRFS S3 plugin (``RangerPluginConfigurations`` without ``"App": "EMRFS-S3"``), undocumented
    either way, is let through (the verifier reports it "not checked"); so is one whose plugins are not spelled as
    AWS's example, which AWS neither documents as the plugin nor as its absence, a runtime-roles switch
    :func:`runtime_roles_on` cannot read (``1``, ``"yes"``; refused before, by :func:`refuse_misshapen_fields`,
    in a document the provider creates, as is ``" TRUE "``), and IAM Identity Center on or not read
    (:func:`_identity_center_bypass`; a value other than a documented boolean refused before as that switch's).

    :param field: how the document is named in errors (``base_configuration``).
    """
    for bypass in routing_bypasses(document):
        if bypass.documented:
            raise InvalidParameterError(
                f"{field}.{bypass.field}",
                f"{bypass.problem}. Role mappings cannot route those writes to the destination role: leave it "
                "out of the configuration that carries the role mappings (use another cluster for those jobs)",
            )


def canonical_json(document: Any) -> str:
    """Return the canonical JSON text of a document (sorted keys, no spaces)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


#: Where EMR keeps the ``ExternalId`` it generates for a configuration with runtime roles. EMR generates one for each
#: security configuration with runtime role authorization, and ``DescribeSecurityConfiguration`` gives it (Amazon EMR
#: Management Guide, "Runtime roles for Amazon EMR steps"); it answers it inside ``IAMConfiguration``'s
#: ``ApplicationScopedIAMRoleConfiguration``, as a public issue thread shows (terraform-provider-aws #37526: a
#: configuration replaced on every apply for the ``ExternalId`` read back), not the guide.
EXTERNAL_ID_PATH = ("AuthorizationConfiguration", "IAMConfiguration", "ApplicationScopedIAMRoleConfiguration")
EXTERNAL_ID_KEY = "ExternalId"
#: How a report names the field.
EXTERNAL_ID_FIELD = ".".join((*EXTERNAL_ID_PATH, EXTERNAL_ID_KEY))


def _external_id_holder(document: Any) -> dict[str, Any] | None:
    """The object of a document that holds (or would hold) EMR's ``ExternalId``; ``None``: there is none."""
    holder = document
    for key in EXTERNAL_ID_PATH:
        holder = holder.get(key) if isinstance(holder, dict) else None
    return holder if isinstance(holder, dict) else None


def generated_external_id(document: Any) -> Any:
    """The ``ExternalId`` in a security configuration (EMR's, for runtime roles); ``None``: it has none."""
    holder = _external_id_holder(document)
    return None if holder is None else holder.get(EXTERNAL_ID_KEY)


def without_generated_fields(document: Any) -> Any:
    """
    A security configuration as it is sent: without the fields EMR writes into it itself (:data:`EXTERNAL_ID_FIELD`).

    EMR generates an ``ExternalId`` for each configuration with runtime roles and keeps it in the stored document, so
    ``DescribeSecurityConfiguration`` answers more than was sent: one read back and sent again would carry another
    configuration's identifier (EMR generates one per configuration), and compared as stored it would never equal
    what is sent. An ``ApplicationScopedIAMRoleConfiguration`` left empty is left out too (EMR may have made it to
    hold its ``ExternalId``; empty or absent, it sets nothing). Any other document is returned as it is.
    """
    holder = _external_id_holder(document)
    if holder is None or (EXTERNAL_ID_KEY not in holder and holder):
        return document
    document = copy.deepcopy(document)
    iam = document[EXTERNAL_ID_PATH[0]][EXTERNAL_ID_PATH[1]]
    scoped = {key: value for key, value in iam[EXTERNAL_ID_PATH[2]].items() if key != EXTERNAL_ID_KEY}
    if scoped:
        iam[EXTERNAL_ID_PATH[2]] = scoped
    else:
        del iam[EXTERNAL_ID_PATH[2]]
    return document


#: Where a security configuration turns runtime roles on.
RUNTIME_ROLES_FIELD = "AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole"


def runtime_roles_switch(document: Any) -> Any:
    """The value of :data:`RUNTIME_ROLES_FIELD` as given; ``None``: absent."""
    return _value_at(document, RUNTIME_ROLES_FIELD)


def _value_at(document: Any, field: str) -> Any:
    """The value at ``field`` (dotted keys) of ``document`` as given; ``None``: absent (or a level on the way not an object)."""
    section: Any = document
    for key in field.split("."):
        section = section.get(key) if isinstance(section, dict) else None
    return section


def runtime_roles_on(document: Any) -> bool | None:
    """
    Whether a security configuration (one made elsewhere, as EMR returns it) turns runtime roles on.

    ``True``: the switch is ``true``, or text that is ``"true"`` in any case, with any whitespace around it. The
    provider read it so before, and so does its stand-in (``devstack/aws_emr.py``, which gives such a configuration
    an ``ExternalId``): keep the two the same. AWS documents only a JSON ``true`` (Amazon EMR Management Guide,
    "Runtime roles for Amazon EMR steps"), so a document the provider creates takes only a documented boolean
    (:func:`refuse_misshapen_fields`). ``False``: absent, or ``false`` as :func:`documented_boolean` reads it.
    ``None``: any other value (``1``, ``"yes"``, ``{}``): whether EMR reads it as on is not documented
    (:func:`routing_bypasses` reports it as not known).
    """
    return _switch_on(runtime_roles_switch(document))


def _switch_on(value: Any) -> bool | None:
    """A switch made elsewhere: ``true`` or ``"true"`` in any case is on, absent or documented false off, else ``None``."""
    if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
        return True
    if value is None or documented_boolean(value) is False:
        return False
    return None


def identity_center_switch(document: Any) -> Any:
    """The value of :data:`IDENTITY_CENTER_FIELD` as given; ``None``: absent (or a level on the way not an object)."""
    return _value_at(document, IDENTITY_CENTER_FIELD)


def identity_center_on(document: Any) -> bool | None:
    """
    Whether a security configuration turns IAM Identity Center on, read as :func:`runtime_roles_on` reads its switch:
    ``True`` for ``true`` or ``"true"`` in any case, ``False`` when absent or false, ``None`` for any other value
    (``1``, ``"yes"``): AWS shows only ``"EnableIdentityCenter": true`` (Amazon EMR Management Guide, "Integrate
    Amazon EMR with AWS IAM Identity Center").
    """
    return _switch_on(identity_center_switch(document))


def runtime_roles_enabled(document: Any) -> bool:
    """Whether a security configuration turns runtime roles on (:func:`runtime_roles_on` reads ``True``)."""
    return runtime_roles_on(document) is True


def validate_security_configuration_name_prefix(value: Any, field: str) -> str:
    """A security configuration's name prefix: room left for ``-<hash>`` within EMR's name length."""
    return validate_name_prefix(value, field, max_length=MAX_NAME_LENGTH - HASH_LENGTH - 1)


def security_configuration_name(name_prefix: str, document: dict[str, Any]) -> str:
    """
    Return ``<name_prefix>-<hash of the content>``: equal content, equal name.

    The content as it is sent (:func:`without_generated_fields`): a configuration read back from EMR, with the
    ``ExternalId`` EMR added, has the name of what was sent.
    """
    validate_security_configuration_name_prefix(name_prefix, "name_prefix")
    digest = hashlib.sha256(canonical_json(without_generated_fields(document)).encode()).hexdigest()[:HASH_LENGTH]
    return f"{name_prefix}-{digest}"


def names_content(name: str, document: Any) -> bool:
    """
    Whether ``name`` is the content-addressed name of ``document``: ``<prefix>-<hash of the document>``.

    A configuration is re-created under a name only if this holds, so a name never gets other content
    than the one it was made from.
    """
    prefix, _, _ = name.rpartition("-")
    if not isinstance(document, dict) or not prefix:
        return False
    try:
        return security_configuration_name(prefix, document) == name
    except (InvalidParameterError, TypeError, ValueError):
        return False


#: Where the role mappings sit in a security configuration.
ROLE_MAPPINGS_FIELD = "AuthorizationConfiguration.EmrFsConfiguration.RoleMappings"


@dataclass(frozen=True)
class ReadMapping:
    """
    One role mapping as the verifier reads it from a security configuration (:func:`read_mapping`).

    :param role: ``Role`` if a string, else ``None``.
    :param kind: ``IdentifierType`` if ``Prefix``, ``User`` or ``Group``, else ``None``.
    :param identifiers: ``Identifiers`` as whole strings (:func:`read_mapping`).
    :param problem: how the mapping differs from the documented shape, naming the field; ``None``: it does not.
    """

    role: str | None
    kind: str | None
    identifiers: list[str]
    problem: str | None

    @property
    def routes_known(self) -> bool:
        """Whether which requests it takes is known: its type and role read (its identifiers read as whole strings)."""
        return self.kind is not None and self.role is not None


def read_mapping(mapping: Any) -> ReadMapping:
    """
    Read one entry of ``RoleMappings`` as EMR returns it, whatever its JSON type: the one reading rule.

    The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") gives a mapping as
    an object with ``Role`` (a role ARN), ``IdentifierType`` (``Prefix``, ``User`` or ``Group``) and
    ``Identifiers`` (a list of strings). A configuration made by hand (console, CLI, Terraform) may hold anything:
    what is not of that shape is left unread (``None``), and ``problem`` says what. ``Identifiers`` as one string
    is read as one identifier, as :func:`validate_role_mappings` reads the provider's own input, never character
    by character (``"s3://b/p"`` as the prefixes ``"s"``, ``"3"`` … would route every key); of a list, its strings;
    anything else as no identifier. How EMRFS reads any of these is not documented: the verifier reports such a
    mapping "not checked", and a request any earlier such mapping might take as not checked too.
    """
    if not isinstance(mapping, dict):
        return ReadMapping(
            None, None, [], f"is {_json(mapping)}, not an object with Role, IdentifierType and Identifiers"
        )
    problems = []
    role = mapping.get("Role")
    if not isinstance(role, str):
        problems.append(f"Role is {_json(role)}, not a role ARN")
        role = None
    kind = mapping.get("IdentifierType")
    if kind not in IDENTIFIER_TYPES:
        problems.append(f"IdentifierType is {_json(kind)}, not one of {', '.join(IDENTIFIER_TYPES)}")
        kind = None
    given = mapping.get("Identifiers")
    if isinstance(given, str):
        identifiers = [given]
    elif isinstance(given, list):
        identifiers = [identifier for identifier in given if isinstance(identifier, str)]
    else:
        identifiers = []
    if not (isinstance(given, list) and given and len(identifiers) == len(given)):
        problems.append(
            f"Identifiers is {_json(given)}, not the non-empty list of strings of the Amazon EMR Management Guide "
            '("Configure IAM roles for EMRFS requests to Amazon S3"); how EMRFS reads it is not documented, so it is '
            f"read here as {_json(identifiers)}"
        )
    return ReadMapping(role, kind, identifiers, "; ".join(problems) or None)


def _json(value: Any) -> str:
    """``value`` as JSON text for a message (anything not JSON as its repr)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def mapping_identifiers(mapping: Any) -> list[str]:
    """Return the ``Identifiers`` of a role mapping read from a security configuration (:func:`read_mapping`)."""
    return read_mapping(mapping).identifiers


def identifiers_problem(mapping: Any) -> str | None:
    """Say how a role mapping differs from the documented shape (:func:`read_mapping`), or ``None``."""
    return read_mapping(mapping).problem


def role_mappings_of(document: Any) -> list[Any]:
    """
    Return the entries of a security configuration's EMRFS role mappings as stored, each for :func:`read_mapping`.

    Empty when it has none, or when a level on the way is not of the documented type
    (:func:`role_mappings_problem` says which). ``RoleMappings`` as one object is read as one mapping, as
    :func:`validate_role_mappings` reads the provider's own input.
    """
    mappings, _ = _read_role_mappings(document)
    return mappings


def mapped_bucket_prefixes(document: Any) -> tuple[str, ...] | None:
    """
    Return the buckets whose requests a role mapping of ``document`` may send to a mapped role, as prefixes of
    ``"BUCKET/"`` (:func:`bucket_mapped`); ``None`` when that may be any bucket.

    A ``User`` or ``Group`` mapping takes every request of its user or group, whatever the bucket (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"); EMRFS matches a ``Prefix`` identifier
    as a plain string prefix (:func:`validate_role_mappings`), so ``s3://bucket/p`` takes keys of ``bucket`` only and
    ``s3://bucket`` may take those of every bucket whose name starts with ``bucket`` (whether it does is not
    documented: ``checks/routing.py`` :func:`prefix_matches`). A mapping not read
    (:func:`read_mapping`), or an identifier not starting with ``s3://``, may take any bucket; one naming its bucket
    in another case may take that bucket (:func:`bucket_mapped`; ``checks/routing.py`` :func:`may_match_otherwise`).
    """
    prefixes: list[str] = []
    for mapping in role_mappings_of(document):
        read = read_mapping(mapping)
        if read.kind != "Prefix" or read.problem is not None:
            return None
        for identifier in read.identifiers:
            if not identifier.startswith("s3://"):
                return None
            path = identifier[len("s3://") :]
            prefixes.append(path[: path.index("/") + 1] if "/" in path else path)
    return tuple(prefixes)


def bucket_mapped(bucket: str, prefixes: tuple[str, ...] | None) -> bool:
    """
    Whether a role mapping may take a request for ``bucket`` (``prefixes``: :func:`mapped_bucket_prefixes`), the
    bucket compared without regard to case: how EMRFS compares an identifier's bucket is not documented, and a URI's
    host is case-insensitive (RFC 3986, 3.2.2).
    """
    return prefixes is None or any(f"{bucket}/".lower().startswith(prefix.lower()) for prefix in prefixes)


def role_mappings_problem(document: Any) -> str | None:
    """Name the level of :data:`ROLE_MAPPINGS_FIELD` that is not of the documented type and say what it is, or ``None``."""
    _, problem = _read_role_mappings(document)
    return problem


def _read_role_mappings(document: Any) -> tuple[list[Any], str | None]:
    section: Any = document
    path: list[str] = []
    for key in ROLE_MAPPINGS_FIELD.split(".")[:-1]:
        if not isinstance(section, dict):
            return [], _not_an_object(path, section)
        section = section.get(key)
        path.append(key)
        if section is None:
            return [], None
    if not isinstance(section, dict):
        return [], _not_an_object(path, section)
    mappings = section.get("RoleMappings")
    if mappings is None:
        return [], None
    if isinstance(mappings, list):
        return list(mappings), None
    if isinstance(mappings, dict):
        return [mappings], f"{ROLE_MAPPINGS_FIELD} is one object, not a list: read as one mapping"
    return [], f"{ROLE_MAPPINGS_FIELD} is {_json(mappings)}, not a list of role mappings: read as none"


def _not_an_object(path: list[str], value: Any) -> str:
    return (
        f"{'.'.join(path) or 'the security configuration'} is {_json(value)}, not an object: read as no role mappings"
    )


#: Where a security configuration's at-rest S3 encryption sits.
S3_ENCRYPTION_FIELD = "EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration"


def at_rest_s3_encryption(document: Any, bucket: str) -> tuple[dict[str, str] | None, str | None]:
    """
    Read the at-rest S3 encryption a security configuration sets for ``bucket``, whatever the JSON EMR returns.

    The Amazon EMR Management Guide ("Create a security configuration") shows ``EncryptionConfiguration`` as an
    object with ``EnableAtRestEncryption`` (a boolean, or its text as the grant accepts it: :func:`documented_boolean`) and ``AtRestEncryptionConfiguration.S3EncryptionConfiguration``
    (an object of ``EncryptionMode``, one of :data:`ENCRYPTION_MODES`, and ``AwsKmsKey`` strings, and ``Overrides``, a list of such objects with a
    ``BucketName``; the entry for the bucket wins). The same rule as :func:`read_mapping`: what has another shape
    is not read, and the problem names the field.

    :return: (``{"EncryptionMode": …, "AwsKmsKey": …}`` as read, only the string values, or ``None`` when at-rest S3
        encryption is off or not read; how the document differs from that shape, or ``None``).
    """
    section, problem = _s3_encryption_section(document)
    if section is None:
        return None, problem
    overrides = section.get("Overrides")
    if overrides is not None and not isinstance(overrides, list):
        return None, f"{S3_ENCRYPTION_FIELD}.Overrides is {_json(overrides)}, not a list"
    entries = [(S3_ENCRYPTION_FIELD, section)]
    entries += [
        (f"{S3_ENCRYPTION_FIELD}.Overrides[{position}]", entry) for position, entry in enumerate(overrides or [])
    ]
    read: dict[str | None, dict[str, str]] = {}  # by bucket; None: the section's own settings
    for field, entry in entries:  # every entry, whichever bucket: the problem does not depend on the bucket asked
        if not isinstance(entry, dict):
            return None, f"{field} is {_json(entry)}, not an object"
        for key in ("EncryptionMode", "AwsKmsKey", "EncryptionKeyProviderClass"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                return None, f"{field}.{key} is {_json(value)}, not a string"
        mode = entry.get("EncryptionMode")
        if mode is not None and mode not in ENCRYPTION_MODES:  # the grant's rule (refuse_misshapen_fields)
            return None, f"{field}.EncryptionMode is {_json(mode)}, not one of {', '.join(ENCRYPTION_MODES)}"
        read.setdefault(None if entry is section else str(entry.get("BucketName")), _string_settings(entry))
    return read.get(bucket, read[None]), None  # the first Overrides entry for the bucket wins


def refuse_keys_of_other_regions(document: dict[str, Any], region: str | None, field: str) -> None:
    """
    Refuse an at-rest encryption key (``AwsKmsKey``: S3's, the local disks') named by an ARN of another Region than
    ``region``, the Region the configuration is created in through EMR's Regional
    endpoint, and so of the clusters that name it (``RunJobFlow`` ``SecurityConfiguration``, sent to the same
    Regional endpoint, takes a configuration by its name). "The AWS KMS
    encryption key must be created in the same Region as your Amazon EMR cluster instance and the Amazon S3 buckets
    used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data encryption with Amazon
    EMR"). A key id or alias name has no Region here and is kept (where a configuration is created from the document
    and the section's mode uses the key, it is refused before: :func:`refuse_keys_not_kms_arns`). So is a key of an at-rest section that is off, and an ``Overrides`` entry's key: it serves one bucket, which may be of another Region than the clusters'
    (the quote then asks for both Regions at once), and the verifier judges it against that bucket's Region
    (``checks/key_user.py``).

    :param field: how the document is named in errors (``base_configuration``).
    """
    if not region or not isinstance(document.get("EncryptionConfiguration"), dict):
        return
    encryption = document["EncryptionConfiguration"]
    if documented_boolean(encryption.get("EnableAtRestEncryption")) is not True:
        return
    at_rest = encryption.get("AtRestEncryptionConfiguration")
    at_rest = at_rest if isinstance(at_rest, dict) else {}
    for section in ("S3EncryptionConfiguration", "LocalDiskEncryptionConfiguration"):
        entry = at_rest.get(section)
        key = entry.get("AwsKmsKey") if isinstance(entry, dict) else None
        if isinstance(key, str) and key.startswith("arn:") and region_of_arn(key) != region:
            raise InvalidParameterError(
                f"{field}.EncryptionConfiguration.AtRestEncryptionConfiguration.{section}.AwsKmsKey",
                f"is a KMS key of Region {region_of_arn(key) or '(none)'}, but the configuration is created in "
                f'{region}, the Region of the clusters that run it: "The AWS KMS encryption key must be created in '
                'the same Region as your Amazon EMR cluster instance and the Amazon S3 buckets used with EMRFS" '
                '(Amazon EMR Management Guide, "Create keys and certificates for data encryption with Amazon EMR"). '
                f"Name a KMS key of {region} (a multi-Region key's replica there, or another key)",
            )


def refuse_unfit_document(
    document: Any,
    where: str,
    connection: Callable[[], tuple[str | None, str]],
    *,
    field: str,
    mappings_field: str,
    require_key_arns: bool = True,
) -> list[tuple[str, str]]:
    """
    Refuse a security configuration document the provider does not create, before any write; return its mapped roles.

    The one check of every document a configuration is created from: :class:`CreateEmrfsSecurityConfigOperator`'s,
    and a launch's that creates a missing configuration from its ``security_configuration_document`` or its create
    task's document (possibly in another Region than that task's). In order: only values JSON holds
    (:func:`~.json_values.require_json_value`), documented fields of their documented type and those an enabled
    section's mode requires (:func:`refuse_misshapen_fields`), at-rest keys as KMS ARNs (:func:`refuse_keys_not_kms_arns`,
    unless ``require_key_arns`` is off), role mappings as :func:`validate_role_mappings` takes them (when the document
    has ``RoleMappings``; one without is a configuration without role mappings), no section that takes writes from
    them (:func:`refuse_routing_bypasses`); then, ``connection`` read, no at-rest KMS key of another Region than the
    one the configuration is created in (:func:`refuse_keys_of_other_regions`), and no mapped role of another
    partition than the one ``where`` (the EMR connection) acts in: "Each AWS account is scoped to one partition" (AWS
    General Reference, "Amazon Resource Names (ARNs)"), and "You cannot use IAM credentials from one partition to
    interact with resources in a different partition" (AWS Fault Isolation Boundaries, "Partitions").

    :param connection: returns the Region the configuration is created in and the partition of the connection
        ``where`` names; called only once the document's own checks passed (a hook may make a call to answer).
    :param field: how the document is named in errors (``base_configuration``, ``security_configuration_document``).
    :param mappings_field: how its role mappings are named (``role_mappings``, or the document's
        :data:`ROLE_MAPPINGS_FIELD` under ``field``).
    :param require_key_arns: off for :class:`CreateEmrfsSecurityConfigOperator`, which asks it only once it knows EMR
        holds no configuration of the document's name (one that exists is reused, not created).
    :return: ``(field, role ARN)`` of each mapping, for the check of the account the connection acts in (a call).
    """
    if not isinstance(document, dict):
        raise InvalidParameterError(field, f"must be an object, got {_json(document)}")
    require_json_value(document, field)
    refuse_misshapen_fields(document, field)
    if require_key_arns:
        refuse_keys_not_kms_arns(document, field)
    emrfs = (document.get("AuthorizationConfiguration") or {}).get("EmrFsConfiguration") or {}
    mappings: list[dict[str, Any]] = []
    if emrfs.get("RoleMappings") is not None:
        if not isinstance(emrfs["RoleMappings"], list):
            raise InvalidParameterError(
                mappings_field, f"must be a list of role mappings, got {_json(emrfs['RoleMappings'])}"
            )
        mappings = validate_role_mappings(emrfs["RoleMappings"], mappings_field)
    refuse_routing_bypasses(document, field)
    region, partition = connection()
    refuse_keys_of_other_regions(document, region, field)
    roles = [(f"{mappings_field}[{index}].Role", str(mapping["Role"])) for index, mapping in enumerate(mappings)]
    for role_field, role in roles:
        require_partition(role, partition, role_field, where)
    return roles


def _string_settings(entry: dict[str, Any]) -> dict[str, str]:
    return {
        key: entry[key]
        for key in ("EncryptionMode", "AwsKmsKey", "EncryptionKeyProviderClass")
        if isinstance(entry.get(key), str)
    }


def _s3_encryption_section(document: Any) -> tuple[dict[str, Any] | None, str | None]:
    """``S3EncryptionConfiguration`` when at-rest encryption is on, and what on the way to it has another shape."""
    encryption = document.get("EncryptionConfiguration") if isinstance(document, dict) else None
    if encryption is None:
        return None, None
    if not isinstance(encryption, dict):
        return None, f"EncryptionConfiguration is {_json(encryption)}, not an object"
    given = encryption.get("EnableAtRestEncryption")
    enabled = documented_boolean(given)
    if given is not None and enabled is None:
        return None, f"EncryptionConfiguration.EnableAtRestEncryption is {_json(given)}, not true or false"
    if not enabled:
        return None, None
    section: Any = encryption
    for key in S3_ENCRYPTION_FIELD.split(".")[1:]:
        section = section.get(key)
        if section is None:
            return None, None
        if not isinstance(section, dict):
            field = S3_ENCRYPTION_FIELD[: S3_ENCRYPTION_FIELD.index(key) + len(key)]
            return None, f"{field} is {_json(section)}, not an object"
    return section, None


def imds_problem(document: Any) -> str | None:
    """
    Say how ``InstanceMetadataServiceConfiguration`` differs from its documented shape, or ``None``.

    The Amazon EMR Management Guide ("Create a security configuration", metadata service requests) shows an object
    whose ``MinimumInstanceMetadataServiceVersion`` is 1 or 2. The same rule as :func:`read_mapping`: another shape
    is not read (:func:`~.cluster_config.requires_imds_v2` then reads no IMDSv2 requirement), and this says so.
    """
    imds = document.get("InstanceMetadataServiceConfiguration") if isinstance(document, dict) else None
    if imds is None:
        return None
    if not isinstance(imds, dict):
        return f"InstanceMetadataServiceConfiguration is {_json(imds)}, not an object"
    version = imds.get("MinimumInstanceMetadataServiceVersion")
    if version is None or (not isinstance(version, bool) and str(version).strip() in ("1", "2")):
        return None
    return f"InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion is {_json(version)}, not 1 or 2"
