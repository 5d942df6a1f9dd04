"""
``emrfs-xacct``: plan, apply, verify or revoke one partner's cross-account EMRFS access from a laptop.

The partner is described in a YAML or JSON file (its keys: the documentation's "The partner file";
an example: ``examples/partner.yaml``; both in the project's source distribution, not installed with
the package). The two accounts are reached through AWS profiles (``--emr-profile``,
``--destination-profile``) or the environment.
It runs the very operators the DAGs use, outside Airflow, so what it plans is what a DAG would do.

The result is one JSON document on stdout and nothing else (logs and the readable plan go to
stderr), so it can be piped. Exit status: 0 done (``verify``: every link was checked and holds), 1 ``verify`` found
a broken link, 2 the input was refused (nothing was changed), 3 an AWS call failed (denied too) or
the connection did (nothing was changed), 4 a step failed while applying (partially applied: the
JSON says what was), 5 ``verify`` found no broken link but could not check one (verdict ``NOT_CHECKED``),
6 a connection has no credentials or AWS refused them as expired or not valid (nothing was changed),
70 an unexpected error (a bug: the traceback is on stderr), 130 interrupted by Ctrl-C or SIGTERM (while applying: the
JSON says what was applied) or stdout's reader closed it before the JSON was written (a pager quit).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import difflib
import json
import logging
import os
import signal
import sys
import threading
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import yaml

from airflow_provider_emrfs_xacct import __version__
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, EmrfsXacctError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.plan import Change, Summary, render_changes
from airflow_provider_emrfs_xacct.session_scope import shared_sessions

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

EMR_CONN = "emrfs_xacct_cli_emr"
DESTINATION_CONN = "emrfs_xacct_cli_destination"
DEFAULT_EC2_ROLE = "EMR_EC2_DefaultRole"
HookT = TypeVar("HookT")

#: Where :func:`run` keeps the connections' partition in the loaded partner (not a key of the file).
PARTITION_KEY = "_partition"
#: Where :func:`run` keeps the EMR EC2 role's ARN as IAM shows it (see :func:`resolve_emr_role_arn`).
EMR_ROLE_ARN_KEY = "_emr_role_arn"
#: Where :func:`run` keeps the destination role's ARN as IAM shows it (see :func:`resolve_destination_role_arn`).
DESTINATION_ROLE_ARN_KEY = "_destination_role_arn"


@dataclass(frozen=True)
class Key:
    """One key of a partner file's section."""

    required: bool = False
    help: str = ""


#: Every key a partner file may hold, by section; any other key is refused (a typo would
#: otherwise silently fall back to a default). The values are validated by :func:`validate_partner`.
SCHEMA: dict[str, dict[str, Key]] = {
    "emr": {
        "account_id": Key(True, "the EMR account (12 digits)"),
        "expected_account_id": Key(help="pin: the EMR connection must act in this account (default: account_id)"),
        "ec2_role_name": Key(
            help=f"the EMR EC2 instance-profile role, its name or its ARN (default: {DEFAULT_EC2_ROLE})"
        ),
        "release_label": Key(help="the clusters' release, e.g. emr-7.5.0 (verify)"),
        "assume_policy_name": Key(
            help="the EMR EC2 role's inline policy that allows it to assume the destination role "
            f"(default: {ASSUME_POLICY_NAME}); apply writes it, revoke takes the role out of it"
        ),
    },
    "destination": {
        "account_id": Key(True, "the destination account (12 digits)"),
        "expected_account_id": Key(
            help="pin: the destination connection must act in this account (default: account_id)"
        ),
        "role_name": Key(True, "the destination role to create or update"),
        "s3_prefixes": Key(True, "s3://bucket/prefix/ locations the role may write under"),
        "kms_key_arns": Key(help="customer-managed keys of the bucket(s), in the destination account"),
        "object_acl": Key(
            help="true when the clusters set emrfs-site fs.s3.canned.acl: the role may also s3:PutObjectAcl "
            "(default: false)"
        ),
        "permissions_boundary": Key(
            help="a managed policy ARN (of the destination account, or AWS's) CreateRole sets as the role's permissions "
            "boundary; used only when apply creates the role"
        ),
        "role_tags": Key(help="tags CreateRole adds beside the provider's own; used only when apply creates the role"),
    },
    "security_configuration": {
        "name_prefix": Key(True, "start of the content-named security configuration"),
        "role_mappings": Key(help="EMRFS role mappings (default: the prefixes to the destination role)"),
        "base_configuration": Key(help="other sections of the security configuration"),
    },
}
#: Top-level keys besides the sections.
TOP_LEVEL_KEYS = {"partner": Key(help="a label for the partner")}


def _unknown_key(where: str, key: Any, known: Any) -> InvalidParameterError:
    known = sorted(known)
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return InvalidParameterError(f"{where}{key}", f"unknown key (known keys: {', '.join(known)}){hint}")


def load_partner(path: Path) -> dict[str, Any]:
    """
    Read a partner file (YAML or JSON), refuse unknown or missing keys and validate every value.

    :param path: the file.
    :return: the partner, each value as the operators read it (:func:`validate_partner`): every later reader
        meets that one shape.
    :raises EmrfsXacctError: the file cannot be read, or names the field that is wrong.
    """
    document = _read_partner_file(path)
    try:
        _check_keys(document)
        return validate_partner(document)
    except EmrfsXacctError as error:
        raise EmrfsXacctError(f"{path}: {error}") from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """
    YAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one silently).

    YAML 1.2.2, 3.2.1.1 Nodes: "The content of a mapping node is an unordered set of key/value node
    pairs, with the restriction that each of the keys is unique"; JSON (RFC 8259, 4. Objects): "The
    names within an object SHOULD be unique". A second ``role_name`` or ``s3_prefixes`` is a mistake
    either way, and taking one of the two silently would provision something else than was read.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # ``<<: *defaults`` may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            with contextlib.suppress(TypeError):  # an unhashable key: the constructor refuses it itself
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found the key {key!r} twice (first on line {seen[key].line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _read_partner_file(path: Path) -> dict[str, Any]:
    """
    Parse the file as YAML (which reads JSON too); it must hold a mapping, each key once.

    Read as bytes, so that YAML tells the encoding itself: UTF-8, or UTF-16 by its byte order mark (the two a YAML
    processor must read: YAML 1.1, "Character Encoding"; Windows PowerShell 5.1's ``>`` writes UTF-16), not the
    locale's; bytes neither decodes are refused, naming their position.
    """
    try:
        with path.open("rb") as stream:  # a stream: YAML's errors name the file
            document = yaml.load(stream, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except OSError as error:
        raise EmrfsXacctError(f"{path}: cannot read the partner file ({error.strerror or error})") from None
    except yaml.MarkedYAMLError as error:  # one line: where (1-based, as editors count) and what
        raise EmrfsXacctError(f"{path}: {_yaml_problem(error)}") from None
    except yaml.reader.ReaderError as error:
        raise EmrfsXacctError(f"{path}: {_reader_problem(error)}") from None
    except yaml.YAMLError as error:
        raise EmrfsXacctError(f"{path}: not valid YAML or JSON: {error}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise EmrfsXacctError(f"{path}: not read: its lists or mappings are nested too deeply") from None
    if not isinstance(document, dict):
        raise EmrfsXacctError(f"{path}: must hold a mapping with 'emr', 'destination' and 'security_configuration'")
    return document


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """``line L, column C: not valid YAML or JSON: <problem> (<context> at line …)``: a parser's error on one line."""

    def place(mark: yaml.Mark) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"

    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "cannot be parsed"
    context = ""
    if error.problem and error.context:
        context = f" ({error.context}{f' at {place(error.context_mark)}' if error.context_mark else ''})"
    return f"{place(mark) + ': ' if mark else ''}not valid YAML or JSON: {problem}{context}"


def _reader_problem(error: yaml.reader.ReaderError) -> str:
    """
    A byte YAML cannot decode, or a character it does not allow, and where (counted from 0), on one line.

    PyYAML's reader gives the code of either in ``character``: for a character, with the encoding ``"unicode"`` and
    ``position`` counting characters; for a byte, with the file's encoding and ``position`` counting bytes.
    """
    if error.encoding == "unicode":
        return f"character {error.position} (counted from 0) is #x{error.character:04x}: {error.reason}"
    return (
        f"byte {error.position} (counted from 0) is 0x{error.character:02x}, which is not {error.encoding} "
        f"({error.reason}): save the file as UTF-8 (or UTF-16 with a byte order mark)"
    )


def _check_keys(document: dict[str, Any]) -> None:
    """Refuse unknown top-level keys, then check each section's keys against :data:`SCHEMA`."""
    for key in document:
        if key not in SCHEMA and key not in TOP_LEVEL_KEYS:
            raise _unknown_key("", key, [*SCHEMA, *TOP_LEVEL_KEYS])
    for section, keys in SCHEMA.items():
        _check_section_keys(section, document.get(section), keys)


def _check_section_keys(section: str, values: Any, keys: dict[str, Key]) -> None:
    """Refuse a section that is not a mapping, holds an unknown key or lacks a required one."""
    if not isinstance(values, dict):
        raise EmrfsXacctError(f"section {section!r} is missing or not a mapping")
    for key in values:
        if key not in keys:
            raise _unknown_key(f"{section}.", key, keys)
    for key, spec in keys.items():
        if spec.required and values.get(key) in (None, "", []):
            raise EmrfsXacctError(f"{section}.{key} is missing")


def validate_partner(partner: dict[str, Any]) -> dict[str, Any]:
    """
    Validate every value of a partner file, naming the file's field (pure: no AWS call).

    The operators validate their own arguments again; this names the file's fields and checks what
    only the file knows (the key is in the destination account, the pins match the accounts).

    :return: a copy of ``partner``, its values normalised by the operators' validators (:func:`normalised`).
    """
    from airflow_provider_emrfs_xacct.pure.cluster_config import parse_release_label
    from airflow_provider_emrfs_xacct.pure.security_config import (
        build_security_configuration,
        validate_role_mappings,
        validate_security_configuration_name_prefix,
    )
    from airflow_provider_emrfs_xacct.pure.validation import (
        parse_s3_location,
        require_list,
        require_str,
        validate_role_name,
    )

    if "partner" in partner:
        require_str(partner["partner"], "partner")
    emr, destination = partner["emr"], partner["destination"]
    configuration = partner["security_configuration"]
    for name, section in (("emr", emr), ("destination", destination)):
        _validate_accounts(name, section)
    if destination["account_id"] == emr["account_id"]:
        # The operators refuse a destination role in the EMR account (it is not cross-account access), but
        # only after reading the account through the connections: refuse it here, naming the file's field.
        raise InvalidParameterError(
            "destination.account_id", f"is emr.account_id too ({emr['account_id']}): the destination is another account"
        )
    ec2_role_name(partner)
    assume_policy_name(partner)
    if emr.get("release_label") is not None:
        parse_release_label(emr["release_label"], "emr.release_label")
    validate_role_name(destination["role_name"], "destination.role_name")
    require_list(destination["s3_prefixes"], "destination.s3_prefixes", parse_s3_location)
    object_acl(partner)
    permissions_boundary(partner)
    role_tags(partner)
    for index, key in enumerate(kms_key_arns(partner)):
        # The command line edits key policies through the destination connection, and PutKeyPolicy
        # acts only on a key of the caller's own account (AWS KMS API Reference, PutKeyPolicy:
        # "Cross-account use: No. You cannot perform this operation on a KMS key in a different AWS account").
        if key.split(":")[4] != destination["account_id"]:
            raise InvalidParameterError(
                f"destination.kms_key_arns[{index}]",
                f"is a key of account {key.split(':')[4]}, but the command line changes key policies through "
                f"the destination account {destination['account_id']}; grant it with GrantKmsKeyUserOperator "
                "and a connection to the key's account instead",
            )
    # As CreateEmrfsSecurityConfigOperator checks it: room for "-<hash>" within the names the provider makes.
    validate_security_configuration_name_prefix(configuration["name_prefix"], "security_configuration.name_prefix")
    for key in JSON_KEYS:
        require_json_value(_as_read(configuration.get(key)), f"security_configuration.{key}")
    mappings = validate_role_mappings(role_mappings(partner), "security_configuration.role_mappings")
    try:
        build_security_configuration(mappings, configuration.get("base_configuration"))
    except InvalidParameterError as error:
        raise InvalidParameterError(f"security_configuration.{error.field}", error.problem) from None
    return normalised(partner)


def normalised(partner: dict[str, Any]) -> dict[str, Any]:
    """
    A copy of a validated partner, each value in the one shape the operators' validators read it as; pure.

    The validators take more than one shape: one mapping object, key or prefix for a list of one
    (``validate_role_mappings``, ``validate_kms_key_arns``, ``require_list``), ``"true"`` for ``true``
    (``validate_bool``), a base configuration as JSON text (``build_security_configuration``). The command line
    reads the file once, so, and every later step (the accounts' check, the operators' arguments, the
    configuration's name, the fields named in errors) meets the same value. A key the file leaves out stays out
    (its default is the accessor's: :func:`ec2_role_name`, :func:`role_mappings` …).
    """
    from airflow_provider_emrfs_xacct.pure.merge import load_argument_text
    from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings

    result = copy.deepcopy(partner)
    for section in ("emr", "destination"):  # a null pin is no pin: the account pins (_pinned, file_field)
        if result[section].get("expected_account_id") is None:
            result[section].pop("expected_account_id", None)
    destination, configuration = result["destination"], result["security_configuration"]
    prefixes = destination["s3_prefixes"]
    destination["s3_prefixes"] = [prefixes] if isinstance(prefixes, str) else list(prefixes)
    if "kms_key_arns" in destination:
        destination["kms_key_arns"] = kms_key_arns(result)
    if "object_acl" in destination:
        destination["object_acl"] = object_acl(result)
    if "role_tags" in destination:
        destination["role_tags"] = role_tags(result)
    if configuration.get("role_mappings") is not None:
        configuration["role_mappings"] = validate_role_mappings(
            configuration["role_mappings"], "security_configuration.role_mappings"
        )
    if isinstance(configuration.get("base_configuration"), str):
        configuration["base_configuration"] = load_argument_text(
            configuration["base_configuration"], "security_configuration.base_configuration"
        )
    return result


#: The keys of ``security_configuration`` whose values are sent to AWS as JSON as they are given: the security
#: configuration is "The security configuration details in JSON format" (Amazon EMR API Reference,
#: CreateSecurityConfiguration, ``SecurityConfiguration``), the role mappings inside it. Every other value of the
#: file is a string, a list of strings or a boolean, each checked as such.
JSON_KEYS = ("role_mappings", "base_configuration")


def require_json_value(value: Any, field: str) -> None:
    """
    Refuse what JSON cannot hold, naming its place and what YAML read it as; pure.

    YAML reads more than JSON: an unquoted ``2020-01-01`` as a date, ``!!binary``, ``!!set``, ``!!omap``, a key
    that is a number, ``true`` or ``null``, ``.nan`` and ``.inf``, an alias inside its own anchor (``&x {A: *x}``,
    an object holding itself): :func:`~airflow_provider_emrfs_xacct.pure.json_values.require_json_value`.

    :raises InvalidParameterError: naming the first such value, or key, and what YAML read it as.
    """
    from airflow_provider_emrfs_xacct.pure import json_values

    json_values.require_json_value(value, field, _yaml_source())


def _as_read(value: Any) -> Any:
    """A value as the operators read it: JSON text (a string) parsed, when it parses (else refused where it is read)."""
    from airflow_provider_emrfs_xacct.pure.merge import load_argument_text

    if not isinstance(value, str):
        return value
    try:
        return load_argument_text(value, "")
    except (ValueError, InvalidParameterError):  # json.JSONDecodeError is a ValueError
        return value


def _yaml_kind(value: Any) -> str:
    """What YAML's safe loader read ``value`` as, in a user's words."""
    import datetime

    if isinstance(value, datetime.date):
        return f"a date ({value.isoformat()}: YAML 1.1 reads an unquoted date or time so)"
    if isinstance(value, (bool, int, float, type(None))):  # as a key
        kind = "true or false" if isinstance(value, bool) else "null" if value is None else "a number"
        return f"{kind} ({value!r})"
    kinds: dict[type, str] = {bytes: "binary data (!!binary)", set: "a set (!!set)", tuple: "a pair (!!omap, !!pairs)"}
    return kinds.get(type(value), type(value).__name__)


def _yaml_source() -> Any:
    """How a partner file's values were written, for :func:`require_json_value`'s refusals."""
    from airflow_provider_emrfs_xacct.pure.json_values import ValueSource

    return ValueSource(
        "YAML read as",
        _yaml_kind,
        "quote it",
        tuple_is_list=False,
        cycle=" (a YAML alias inside its own anchor, such as &x {A: *x})",
    )


def refuse_roles_not_provisioned(path: Path, partner: dict[str, Any], role_arn: str | None = None) -> None:
    """
    Refuse, for ``plan`` and ``apply``, a role mapping to another role than ``destination.role_name`` of
    ``destination.account_id`` (pure: no AWS call; ``partner`` as :func:`load_partner` validated it).

    ``apply`` lets the EMR EC2 role assume that role only (its trust, the EMR EC2 role's ``sts:AssumeRole``
    grant, the key users), so nothing it applies lets EMRFS assume another. ``verify`` and ``revoke`` read
    the security configuration itself and never write these mappings: a file mapping some prefixes to a role
    another partner file provisions is theirs to judge or revoke. IAM does not distinguish role names by case
    (IAM User Guide, "IAM identifiers"); the path and the name's spelling are IAM's to tell: before any call
    (``role_arn`` ``None``) the account and the name in any case are compared, and once ``role_arn``, the
    destination role's ARN as IAM shows it (or as ``apply`` creates it, at ``/``: :func:`resolve_destination_role_arn`),
    is known, the whole ARN as written, path included (a role's ARN holds its path: IAM User Guide, "IAM identifiers",
    "IAM ARNs"; the path-less ARN of a role made under a path names no role) and the name in IAM's case (the EMR EC2
    role's grant names it so, and in a policy's ``Resource`` the name is case sensitive: IAM User Guide, "IAM JSON
    policy elements: Resource"). A role of the EMR account is left to ``CreateEmrfsSecurityConfigOperator``, which refuses it
    with its own reason. A ``Prefix`` identifier of a mapping to the destination role must be at or under one of
    ``destination.s3_prefixes``, the only prefixes ``apply`` grants that role (:func:`_identifier_not_granted`; OX252).

    :param role_arn: the destination role's ARN, path included; ``None``: not read yet.
    :raises EmrfsXacctError: naming the file and ``security_configuration.role_mappings[N].Role`` (or ``.Identifiers[M]``).
    """
    from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings

    mappings = validate_role_mappings(role_mappings(partner), "security_configuration.role_mappings")
    for index, mapping in enumerate(mappings):
        problem = _not_provisioned(str(mapping["Role"]), partner, role_arn)
        if problem:
            error = InvalidParameterError(f"security_configuration.role_mappings[{index}].Role", problem)
            raise EmrfsXacctError(f"{path}: {error}")
        outside = _identifier_not_granted(mapping, partner)
        if outside is not None:
            position, problem = outside
            error = InvalidParameterError(
                f"security_configuration.role_mappings[{index}].Identifiers[{position}]", problem
            )
            raise EmrfsXacctError(f"{path}: {error}")


def _identifier_not_granted(mapping: dict[str, Any], partner: dict[str, Any]) -> tuple[int, str] | None:
    """
    The first ``Prefix`` identifier of a mapping to the destination role that is not at or under one of
    ``destination.s3_prefixes``, and why that is refused (see :func:`refuse_roles_not_provisioned`); ``None``: none.

    When a request matches a mapping, EMRFS sends it with the mapped role's credentials instead of the EMR EC2
    role's (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3" and "Authorizing
    access to EMRFS data in Amazon S3"), and ``apply`` grants that role ``destination.s3_prefixes`` only: every
    request the identifier matches outside them would be denied. Compared as S3 locations (:func:`parse_s3_location`
    ends each prefix with ``/``): the bucket alike, and a granted prefix a prefix of the identifier's key on a ``/``
    boundary, so ``s3://b/exports`` (a ``s3://b/exports/`` prefix as :attr:`S3Location.mapping_identifier` writes it)
    and ``s3://b/exports/daily`` are under ``s3://b/exports/``, while ``s3://b/`` and ``s3://b/exp`` are not.
    """
    from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

    destination = partner["destination"]
    if not _names_destination_role(str(mapping["Role"]), partner) or mapping["IdentifierType"] != "Prefix":
        return None
    prefixes = [str(prefix) for prefix in destination["s3_prefixes"]]
    granted = [parse_s3_location(prefix, "destination.s3_prefixes") for prefix in prefixes]
    for position, identifier in enumerate(mapping["Identifiers"]):
        location = parse_s3_location(identifier, "Identifiers", allow_bucket_root=True)
        if not any(location.bucket == g.bucket and location.prefix.startswith(g.prefix) for g in granted):
            return position, (
                f"is {identifier!r}, which is not at or under any of destination.s3_prefixes {prefixes}: EMRFS sends "
                "every request it matches with the destination role's credentials, and apply grants that role only "
                "those prefixes, so its requests elsewhere would be denied. Add that prefix to destination.s3_prefixes, "
                "or narrow the mapping to them"
            )
    return None


def refuse_keys_not_kms_arns_of(path: Path, partner: dict[str, Any], err: TextIO) -> None:
    """
    Refuse, for ``plan`` and ``apply``, an at-rest ``AwsKmsKey`` of ``security_configuration.base_configuration``
    that is not a KMS ARN (``partner`` as :func:`load_partner` validated it), when the EMR account holds no
    configuration of the name the file gives (:func:`_current_configuration`; :meth:`~.EmrfsEmrHook.refuse_keys_not_kms_arns`,
    as the create operator does); one that exists, applied by an earlier release, is reused as it is: a warning on
    ``err`` names the field, so rerunning ``apply`` keeps working (OX242). Read only when the file names such a key
    (``DescribeSecurityConfiguration``, read-only), before any write.

    ``apply`` creates the configuration from it (:func:`~.security_config.refuse_keys_not_kms_arns`: the EMR guide
    documents the ARN form), after the steps before it wrote. ``verify`` creates nothing, and ``revoke`` creates only
    the configuration rebuilt from one EMR holds without the partner's mappings, keeping its keys as EMR holds them
    (a warning names the field): a file naming a key id or alias name, perhaps applied by an earlier release, names a
    configuration they read or take the partner's grants from as it is (OX226).

    :raises EmrfsXacctError: naming the file and the field.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
    from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings

    configuration = partner["security_configuration"]
    mappings = validate_role_mappings(role_mappings(partner), "security_configuration.role_mappings")
    document = build_security_configuration(mappings, configuration.get("base_configuration"))
    name = _current_configuration(partner)
    hook = cli_hook(EmrfsEmrHook, aws_conn_id=EMR_CONN)
    try:
        with explain_access_denied(hook):
            problems = hook.refuse_keys_not_kms_arns(name, document, "security_configuration.base_configuration")
    except InvalidParameterError as error:
        raise EmrfsXacctError(f"{path}: {error}") from None
    for problem in problems:
        print(
            f"emrfs-xacct: warning: {path}: {problem.field}: {problem.problem.split(': ', 1)[0]}. Security "
            f"configuration {name} exists already (applied by an earlier release), so it is reused, not created",
            file=err,
        )


def _account_and_role_name(role: str) -> tuple[str, str]:
    """The account and the name (its path left out) of the role ARN ``role``; ``("", "")`` for no ARN."""
    parts = role.split(":", 5)
    return (parts[4], parts[5].rsplit("/", 1)[-1]) if len(parts) == 6 else ("", "")


def _names_destination_role(role: str, partner: dict[str, Any]) -> bool:
    """Whether the role ARN ``role`` names ``destination.role_name`` of ``destination.account_id`` (name in any case)."""
    destination = partner["destination"]
    account, name = _account_and_role_name(role)
    return account == str(destination["account_id"]) and name.lower() == str(destination["role_name"]).lower()


def _not_provisioned(role: str, partner: dict[str, Any], role_arn: str | None) -> str:
    """Why ``apply`` lets the EMR EC2 role assume no role of ARN ``role`` (see :func:`refuse_roles_not_provisioned`); ``""``: it does."""
    from airflow_provider_emrfs_xacct.pure.merge import same_identity

    destination = partner["destination"]
    if _account_and_role_name(role)[0] == str(partner["emr"]["account_id"]):
        return ""
    if not _names_destination_role(role, partner):
        return (
            f"is {role!r}, a role this partner file does not provision: apply lets the EMR EC2 role assume "
            f"destination.role_name {destination['role_name']!r} of {destination['account_id']} only, so "
            "nothing it applies lets EMRFS assume this one for the writes mapped to it, and revoke would not "
            "take it back. Map them to that role, or provision the other role with its own partner file"
        )
    if role_arn is None or role == role_arn:
        return ""
    shown = (
        "as IAM shows it" if partner.get(DESTINATION_ROLE_ARN_KEY) else "as apply creates it (IAM has no such role yet)"
    )
    why = (
        # The EMR EC2 role's grant names IAM's spelling, and a Resource compares the name as written.
        "the name is spelt in another case, and in a policy's Resource it is case sensitive (IAM User Guide, "
        "\"IAM JSON policy elements: Resource\"): apply's grant lets the EMR EC2 role assume IAM's spelling only"
        if same_identity(role, role_arn)
        else 'a role\'s ARN holds its path (IAM User Guide, "IAM identifiers"), so this ARN names no role apply '
        "lets the EMR EC2 role assume"
    )
    return (
        f"is {role!r}, but destination.role_name is {role_arn!r} {shown}: {why}, and EMRFS could not assume it "
        f"for the writes mapped to it. Map them to {role_arn!r}"
    )


def _validate_accounts(name: str, section: dict[str, Any]) -> None:
    """Validate a section's ``account_id`` and its pin ``expected_account_id``, which must equal it."""
    from airflow_provider_emrfs_xacct.pure.validation import validate_account_id

    for key in ("account_id", "expected_account_id"):
        if isinstance(section.get(key), int) and not isinstance(section[key], bool):
            # YAML 1.1 (PyYAML) reads 111122223333 as a number, and 012345670123 as octal (another number).
            raise InvalidParameterError(
                f"{name}.{key}", f"must be quoted ('123456789012'): YAML read it as the number {section[key]}"
            )
    account = validate_account_id(section["account_id"], f"{name}.account_id")
    if section.get("expected_account_id") is not None:
        pinned = validate_account_id(section["expected_account_id"], f"{name}.expected_account_id")
        if pinned != account:
            raise InvalidParameterError(
                f"{name}.expected_account_id", f"is {pinned} but {name}.account_id is {account}"
            )


def ec2_role_name(partner: dict[str, Any]) -> str:
    """
    The EMR EC2 role's name: ``emr.ec2_role_name`` given as a name, or as an ARN (cut after its last ``/``).

    An ARN is checked against ``emr.account_id`` and the connections' partition by :func:`require_ec2_role_here`,
    as the operators check theirs (``require_role_here``).
    """
    from airflow_provider_emrfs_xacct.pure.validation import validate_role_name_or_arn

    return validate_role_name_or_arn(partner["emr"].get("ec2_role_name", DEFAULT_EC2_ROLE), "emr.ec2_role_name")[0]


def ec2_role_given(partner: dict[str, Any]) -> str:
    """
    The EMR EC2 role as ``emr.ec2_role_name`` gives it: its name, or its ARN, path included (:func:`ec2_role_name`).

    A role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs"): when ``iam:GetRole`` may not read the
    role, the revoke judges a trust statement by the ARN the trust policy shows for it, else by an ARN given with its
    path, so an ARN is passed on whole, not cut to the name.
    """
    ec2_role_name(partner)  # validated
    return str(partner["emr"].get("ec2_role_name", DEFAULT_EC2_ROLE))


def assume_policy_name(partner: dict[str, Any]) -> str:
    """The EMR EC2 role's inline policy for the assume grant: ``emr.assume_policy_name``, or the operators' default."""
    from airflow_provider_emrfs_xacct.pure.validation import validate_policy_name

    name = partner["emr"].get("assume_policy_name", ASSUME_POLICY_NAME)
    return validate_policy_name(name, "emr.assume_policy_name")


def require_ec2_role_here(partner: dict[str, Any]) -> None:
    """
    Refuse an ``emr.ec2_role_name`` ARN outside ``emr.account_id`` or the connections' partition (no write before it).

    The steps act on the role by its name in the EMR account (a role of another account or partition would be
    another role of that name there), and the destination role would trust the ARN.
    """
    from airflow_provider_emrfs_xacct.pure.validation import require_role_here

    emr = partner["emr"]
    where = f"the EMR account (emr.account_id {emr['account_id']}, partition {partition(partner)!r})"
    require_role_here(
        emr.get("ec2_role_name", DEFAULT_EC2_ROLE), emr["account_id"], partition(partner), "emr.ec2_role_name", where
    )


def refuse_service_linked_ec2_role(partner: dict[str, Any]) -> None:
    """
    Refuse an EMR EC2 role of the service-linked path, by its ARN as IAM shows it (:func:`emr_role_arn`), before the steps.

    The destination role's trust names that ARN, but the assume grant gets the role's name alone, without its path:
    the trust was written, then IAM refused the grant (``UnmodifiableEntity``: IAM API Reference,
    "CreateServiceLinkedRole", "The service controls the attached policies").
    """
    from airflow_provider_emrfs_xacct.pure.validation import refuse_service_linked, role_path_of_arn

    arn = emr_role_arn(partner)
    try:
        refuse_service_linked(role_path_of_arn(arn), arn, "emr.ec2_role_name")
    except InvalidParameterError as error:
        raise InvalidParameterError(error.field, f"{error.problem} (nothing was changed)") from None


def kms_key_arns(partner: dict[str, Any]) -> list[str]:
    """The destination's keys, validated: none when not given (or ``[]``); a string stands for one key."""
    from airflow_provider_emrfs_xacct.pure.validation import validate_kms_key_arns

    return validate_kms_key_arns(partner["destination"].get("kms_key_arns"), "destination.kms_key_arns")


def object_acl(partner: dict[str, Any]) -> bool:
    """Whether the destination role may also ``s3:PutObjectAcl`` (``destination.object_acl``; default: no)."""
    from airflow_provider_emrfs_xacct.pure.validation import validate_bool

    return validate_bool(partner["destination"].get("object_acl", False), "destination.object_acl")


def permissions_boundary(partner: dict[str, Any]) -> str | None:
    """
    ``destination.permissions_boundary`` as ``EnsureDestinationRoleOperator`` checks it (none when not given or null).

    A managed policy ARN (``CreateRole``'s ``PermissionsBoundary``: IAM API Reference, "CreateRole") of
    ``destination.account_id`` or AWS's (account ``aws``): a customer managed policy is attached in its own account
    (IAM User Guide, "Define custom IAM permissions with customer managed policies"), so before any call; in the
    connections' partition once :func:`check_accounts` has read it, in its own before.
    """
    from airflow_provider_emrfs_xacct.pure.validation import (
        partition_of_arn,
        require_boundary_account,
        validate_policy_arn,
    )

    destination, field = partner["destination"], "destination.permissions_boundary"
    value = destination.get("permissions_boundary")
    if value is None:
        return None
    given = partition_of_arn(value) if isinstance(value, str) else "aws"
    arn = validate_policy_arn(value, field, partner.get(PARTITION_KEY, given), "the destination connection")
    return require_boundary_account(arn, str(destination["account_id"]), field, "destination.account_id")


def role_tags(partner: dict[str, Any]) -> dict[str, str]:
    """``destination.role_tags`` as ``EnsureDestinationRoleOperator`` checks them (IAM's tag rules); none: ``{}``."""
    from airflow_provider_emrfs_xacct.hooks.iam_managed import MANAGED_BY_TAG
    from airflow_provider_emrfs_xacct.pure.validation import validate_role_tags

    return validate_role_tags(partner["destination"].get("role_tags"), "destination.role_tags", MANAGED_BY_TAG["Key"])


def partition(partner: dict[str, Any]) -> str:
    """
    The AWS partition the role ARNs are built in: the connections' own (``aws``, ``aws-cn``,
    ``aws-us-gov`` …), which :func:`run` sets from :func:`check_accounts`; ``aws`` before that.
    """
    return str(partner.get(PARTITION_KEY, "aws"))


def emr_role_arn(partner: dict[str, Any]) -> str:
    """The EMR EC2 role's ARN as IAM shows it (path included: :func:`resolve_emr_role_arn`), else built from its name."""
    emr = partner["emr"]
    resolved = partner.get(EMR_ROLE_ARN_KEY)
    if resolved:
        return str(resolved)
    given = str(emr.get("ec2_role_name", DEFAULT_EC2_ROLE))
    if given.startswith("arn:"):  # its path too; checked by require_ec2_role_here
        return given
    return f"arn:{partition(partner)}:iam::{emr['account_id']}:role/{given}"


def resolve_emr_role_arn(partner: dict[str, Any], err: TextIO) -> str | None:
    """
    Read the EMR EC2 role's ARN through the EMR connection (``iam:GetRole``, a read); ``None`` when it cannot be read.

    The partner file names the role, but a role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM
    ARNs": ``arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access``), and IAM refuses a trust
    policy naming a role that does not exist ("Invalid principal in policy"): a role made under a path (such as
    ``/emr/``) must be trusted by that ARN.

    Decided per error: a role that does not exist (``NoSuchEntity``: the operators then refuse it before any
    change) or a connection not allowed to read it (``AccessDenied``) leaves the ARN built from the name, and
    says so on ``err``; any other failure raises :class:`AwsCallError` naming the call: exit 6 for credentials
    AWS refuses as expired or not valid, else 3 (throttled past botocore's retries, an endpoint that does not
    answer): the ARN built from the name would otherwise go into the trust unannounced.
    """
    role_name = ec2_role_name(partner)
    fallback = emr_role_arn({**partner, EMR_ROLE_ARN_KEY: None})
    return _read_role_arn(
        EMR_CONN, "the EMR", "EMR EC2", role_name, fallback, err, "the destination role's trust names"
    )


#: Why each sub-command that writes cannot go on without the destination role's ARN as IAM shows it (its
#: path: IAM User Guide, "IAM identifiers", "IAM ARNs"), when ``iam:GetRole`` of it is denied.
_NEEDS_DESTINATION_ARN = {
    "plan": "the EMR EC2 role's sts:AssumeRole grant, the key users and the role mappings name the role by that "
    "ARN, path included",
    "revoke": "the revoke judges by that ARN, path included, whether the access ended (another grant of the EMR EC2 "
    "role reaching it) and deletes the role by it (--delete-role): it finds the role's statements by its name at any "
    "path, but the ARN built from destination.role_name, without a path, is another role's for a role made under a "
    "path (with --keep-destination-trust too)",
}
_NEEDS_DESTINATION_ARN["apply"] = _NEEDS_DESTINATION_ARN["plan"]


def resolve_destination_role_arn(
    partner: dict[str, Any], err: TextIO, refused: list[RefusedRead] | None = None, *, command: str = "verify"
) -> str | None:
    """
    Read the destination role's ARN through the destination connection (``iam:GetRole``, a read, which the
    steps make too); ``None`` when it cannot be read, or when the role does not exist yet (``apply`` creates it
    at the path ``/``, whose ARN is the one built from its name).

    As for the EMR EC2 role (:func:`resolve_emr_role_arn`): an existing role keeps its path (``role_path`` is used
    only when creating it), and its ARN holds it, so the EMR EC2 role's grant, the key users and the role mappings
    must name that ARN (KMS and IAM refuse a principal that does not exist), and the revoke finds the role's
    statements by it. So a denied read stops ``plan``, ``apply`` and ``revoke`` (an :class:`AccessDeniedError`,
    exit 3, before any change): the ARN built from the name has no path, and a revoke by it would say "No changes."
    while the grant and the key policies still name a role made under a path. ``verify``, which changes nothing,
    goes on with the ARN built from the name (:func:`with_unknown_configuration_name`).

    :param refused: where a denied read is recorded: the ARN built from the name is then a guess, not IAM's answer
        (:func:`with_unknown_configuration_name`).
    :param command: the sub-command.
    """
    fallback = destination_role_arn({**partner, DESTINATION_ROLE_ARN_KEY: None})
    role_name = partner["destination"]["role_name"]
    return _read_role_arn(
        DESTINATION_CONN,
        "the destination",
        "destination",
        role_name,
        fallback,
        err,
        "the steps name",
        quiet_if_missing=True,
        refused=refused,
        refuse_denial=_NEEDS_DESTINATION_ARN.get(command),
    )


def _read_role_arn(
    conn_id: str,
    connection: str,
    which: str,
    role_name: str,
    fallback: str,
    err: TextIO,
    used_by: str,
    *,
    quiet_if_missing: bool = False,
    refused: list[RefusedRead] | None = None,
    refuse_denial: str | None = None,
) -> str | None:
    """
    ``iam:GetRole`` of ``role_name`` through ``conn_id``: its ARN, or ``None`` (the fallback used, said on ``err``).

    :param refused: where a denied read is recorded (``fallback``'s account is the role's).
    :param refuse_denial: why the ARN is needed: a denied read then raises :class:`AccessDeniedError` saying it.
    """
    from botocore.exceptions import ClientError

    from airflow_provider_emrfs_xacct.hooks.errors import error_code, is_access_denied
    from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook
    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

    where = f"reading the {which} role's ARN (iam:GetRole on RoleName={role_name}) through {connection} connection"
    try:
        iam: Any = cli_hook(EmrfsAwsHook, aws_conn_id=conn_id, client_type="iam").conn
        return str(iam.get_role(RoleName=role_name)["Role"]["Arn"])
    except ClientError as error:
        # IAM API Reference, GetRole, Errors: "NoSuchEntity: The request was rejected because it referenced
        # a resource entity that does not exist" (HTTP 404); a denial is AccessDenied (Common Errors).
        missing = error_code(error) == "NoSuchEntity"
        if not (missing or is_access_denied(error)):  # credentials refused: exit 6 (_aws_call_failed), else 3
            raise AwsCallError(where, error) from None
        if missing and quiet_if_missing:
            return None
        if not missing and refuse_denial:
            raise _arn_refused(error, where, connection, fallback, refuse_denial) from None
        why = "IAM has no such role" if missing else f"{connection} connection may not read it (grant it iam:GetRole)"
        message = (
            f"{where}: {why} ({error_code(error)}); {used_by} {fallback}, "
            "the ARN built from the name, without a path: IAM refuses it for a role made under a path"
        )
        print(f"emrfs-xacct: {message}", file=err)
        if not missing and refused is not None:
            account = fallback.split(":")[4]
            refused.append(RefusedRead("iam:GetRole", conn_id, account, f"RoleName={role_name}", "GetRole", message))
        return None
    except Exception as error:
        if not _from_botocore(error):
            raise
        raise AwsCallError(where, error) from None


def _arn_refused(error: Any, where: str, connection: str, fallback: str, needed: str) -> AccessDeniedError:
    """The denial of a role's ARN the sub-command cannot go on without (exit 3): what was refused, why it is needed, the fix."""
    from airflow_provider_emrfs_xacct.hooks.errors import error_code, error_message

    return AccessDeniedError(
        f"{where}: denied ({error_code(error)}: {error_message(error)}). A role's ARN holds its path (IAM User Guide, "
        f'"IAM identifiers"), and {needed}; {fallback}, the ARN built from the name, is another role\'s when the '
        f"role was made under a path. Grant {connection} connection iam:GetRole on the role (or give a "
        "--destination-profile or --destination-role-arn that may read it) and run again (nothing was changed)"
    )


def destination_role_arn(partner: dict[str, Any]) -> str:
    """The destination role's ARN as IAM shows it (path included: :func:`resolve_destination_role_arn`), else built from its name."""
    resolved = partner.get(DESTINATION_ROLE_ARN_KEY)
    if resolved:
        return str(resolved)
    destination = partner["destination"]
    return f"arn:{partition(partner)}:iam::{destination['account_id']}:role/{destination['role_name']}"


def role_mappings(partner: dict[str, Any]) -> Any:
    """
    The security configuration's role mappings: the file's (a list, once :func:`normalised`), or, when the file gives
    none (no key, or ``null``), the prefixes to the destination role. An empty list, object or text is given, and
    refused as the operator refuses it.
    """
    configuration, destination = partner["security_configuration"], partner["destination"]
    given = configuration.get("role_mappings")
    if given is not None:
        return given
    return [
        {"Role": destination_role_arn(partner), "IdentifierType": "Prefix", "Identifiers": destination["s3_prefixes"]}
    ]


def _connection(profile: str | None, region: str | None, endpoint_url: str | None, role_arn: str | None) -> str:
    extra: dict[str, Any] = {}
    if profile:
        extra["profile_name"] = profile
    if region:
        extra["region_name"] = region
    if role_arn:
        extra["role_arn"] = role_arn
    if endpoint_url:
        extra["endpoint_url"] = endpoint_url
        # One endpoint for every service (a local stand-in): STS too, and S3 Control without the account
        # label botocore puts in front of its host (see EmrfsS3Hook.control).
        extra["service_config"] = {"sts": {"endpoint_url": endpoint_url}, "s3control": {"account_id_in_host": False}}
    return json.dumps({"conn_type": "aws", "extra": extra})


def validate_options(args: argparse.Namespace, partner: dict[str, Any]) -> None:
    """
    Refuse a bad command-line option, naming it, before any AWS call (pure but for reading the AWS config files).

    Each ``--*-role-arn`` must be a role of the account the partner file names for its connection (the
    connection acts as that role, and :func:`check_accounts` would refuse it only after assuming it);
    ``--endpoint-url`` and the profiles as botocore would refuse them when it makes the first client, which names no
    option (``Invalid endpoint: …``, ``The config profile (…) could not be found``); ``--region`` when it is no
    Region code (:func:`validate_region`: botocore takes an empty one as "not given").
    """
    from airflow_provider_emrfs_xacct.pure.cluster_config import validate_cluster_id
    from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name
    from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, validate_region_name, validate_role_arn

    for section in ("emr", "destination"):
        option = f"--{section}-role-arn"
        role_arn = getattr(args, f"{section}_role_arn")
        if role_arn is not None:
            validate_role_arn(role_arn, option)
            account = partner[section]["account_id"]
            if account_of_arn(role_arn) != account:
                raise InvalidParameterError(
                    option,
                    f"is a role of account {account_of_arn(role_arn)}, but the partner file's {section}.account_id "
                    f"is {account}: {role_arn!r}",
                )
    if args.region is not None:
        validate_region(args.region)
    elif os.environ.get(REGION_VARIABLE):
        validate_region_name(os.environ[REGION_VARIABLE], REGION_VARIABLE)
    for section in ("emr", "destination"):
        _check_profile_and_region(section, getattr(args, f"{section}_profile"), cli_region(args))
    _check_endpoints(args)
    if getattr(args, "security_configuration", None) is not None:  # verify, revoke: as the operators check it
        validate_security_configuration_name(args.security_configuration, "--security-configuration")
    retry_settings()  # AWS_MAX_ATTEMPTS, AWS_RETRY_MODE
    if getattr(args, "cluster_id", None) is not None:  # verify: before any call (the operator checks it again)
        validate_cluster_id(args.cluster_id, "--cluster-id")


def validate_endpoint_url(url: str, option: str) -> str:
    """
    Refuse an endpoint that is no ``http://`` or ``https://`` URL with a host and a port from 0 to 65535, naming ``option``.

    botocore's checks (``is_valid_endpoint_url``, ``is_valid_ipv6_endpoint_url``) take ``http://host:99999`` and raise
    ``ValueError`` for ``http://[::1`` rather than answer; the URL's port is read (and refused) only at the first call.
    """
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    problem = f"must be an http:// or https:// URL with a host, got {url!r}"
    try:
        _ = urlsplit(url).port  # ValueError: "Port out of range 0-65535", "Port could not be cast to integer value"
        valid = bool(is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))  # ValueError: "Invalid IPv6 URL"
    except ValueError as error:
        raise InvalidParameterError(option, f"{problem} ({error})") from None
    if url.split("://", 1)[0] not in ("http", "https") or not valid:
        raise InvalidParameterError(option, problem)
    return url


def _check_endpoints(args: argparse.Namespace) -> None:
    """
    Refuse ``--endpoint-url``, or without it an endpoint the environment or a profile sets, that is no URL, naming it.

    Without ``--endpoint-url`` botocore takes ``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``, then the profile's
    ``services`` section and ``endpoint_url``, unless ``ignore_configured_endpoint_urls`` (AWS SDKs and Tools Reference
    Guide, "Service-specific endpoints": each "A URL including the scheme and host for the endpoint"); an endpoint
    given to the client, as ``--endpoint-url`` is, wins over them all.
    """
    import botocore.session

    if args.endpoint_url is not None:
        validate_endpoint_url(args.endpoint_url, "--endpoint-url")
        return
    for section in ("emr", "destination"):
        session = botocore.session.Session(profile=getattr(args, f"{section}_profile"))
        if not session.get_config_variable("ignore_configured_endpoint_urls"):
            for where, url in _configured_endpoints(session, f"--{section}-profile").items():
                validate_endpoint_url(url, where)


def _configured_endpoints(session: Any, option: str) -> dict[str, str]:
    """The endpoints the environment and the session's profile set, by where each is set."""
    found = {
        name: value
        for name, value in sorted(os.environ.items())
        if name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")
    }
    scoped = session.get_scoped_config()
    where = f"the AWS config file's profile {session.profile or 'default'!r} ({option})"
    services = session.full_config.get("services", {}).get(scoped.get("services")) or {}
    settings = {f"{where}: endpoint_url": scoped.get("endpoint_url")}
    for service, values in services.items():
        settings[f"{where}: services {scoped['services']!r}, {service} endpoint_url"] = (
            values.get("endpoint_url") if isinstance(values, dict) else None
        )
    found.update({name: str(value) for name, value in settings.items() if value})
    return found


def validate_region(region: str) -> str:
    """
    Refuse a ``--region`` that is no Region code, naming the option (pure: :func:`.validation.validate_region_name`).

    botocore's own check (``validate_region_name``) takes ``""``, which the connections then drop for the
    environment's Region, and ``US-EAST-1``, a host name but no Region code.
    """
    from airflow_provider_emrfs_xacct.pure.validation import validate_region_name

    return validate_region_name(region, "--region")


#: The variable the AWS CLI v2 takes the Region from before ``AWS_DEFAULT_REGION`` and the profile's ``region``
#: (AWS CLI User Guide, "Environment variables to configure the AWS CLI", ``AWS_REGION``; AWS SDKs and Tools
#: Reference Guide, "AWS Region", its support table: the AWS CLI v2 uses any value in ``AWS_REGION`` before any in
#: ``AWS_DEFAULT_REGION``). botocore reads only ``AWS_DEFAULT_REGION`` (``configprovider``: ``'region': ('region',
#: 'AWS_DEFAULT_REGION', …)``), so the command line reads it itself.
REGION_VARIABLE = "AWS_REGION"


def cli_region(args: argparse.Namespace) -> str | None:
    """
    The Region both connections get: ``--region``, else ``AWS_REGION`` when set and not empty, else ``None``
    (botocore's own: ``AWS_DEFAULT_REGION``, then the profile's ``region``). Every client the command builds, in both
    accounts, the ``sts:AssumeRole`` clients of ``--*-role-arn`` and the command line's own hooks, takes it from the
    connections (:func:`configure_connections`).
    """
    if args.region is not None:
        return str(args.region)
    return os.environ.get(REGION_VARIABLE) or None


def region_source(args: argparse.Namespace) -> str:
    """
    What chose the connections' Region, for messages naming it: ``--region``, else ``AWS_REGION`` (:func:`cli_region`),
    else botocore's own, ``AWS_DEFAULT_REGION``, then the profile's ``region``.
    """
    if getattr(args, "region", None) is not None:
        return "--region"
    for variable in (REGION_VARIABLE, "AWS_DEFAULT_REGION"):
        if os.environ.get(variable):
            return variable
    return "the profile's region"


#: The environment variables botocore takes the profile from, the first one set winning, whatever its value
#: (``botocore/configprovider.py``: ``'profile': (None, ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'], …)``; so
#: ``AWS_DEFAULT_PROFILE`` wins over ``AWS_PROFILE``, unlike the AWS CLI v2: boto/boto3#3891).
PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


def _profile_in_use(section: str, profile: str | None, session: Any) -> tuple[str, str] | None:
    """
    The profile botocore's ``session`` uses for the ``section``'s connection and what chose it (the option or the
    variable of :data:`PROFILE_VARIABLES` botocore read); ``None`` for the default profile.
    """
    if profile is not None:
        return profile, f"--{section}-profile"
    if session.profile is None:
        return None
    return session.profile, next(name for name in PROFILE_VARIABLES if name in os.environ)


def _check_profile_and_region(section: str, profile: str | None, region: str | None) -> None:
    """
    Refuse a profile the AWS config and credentials files do not hold, and a connection with no Region.

    Without ``--region`` (or ``AWS_REGION``: :func:`cli_region`, given as ``region``) the connection's Region is
    botocore's (``AWS_DEFAULT_REGION``, then the profile's ``region``); when there is none, botocore fails only at the first call, with "You must specify a region".
    Both errors name the profile in use and what chose it: the option, else the variable botocore took it from.
    """
    import botocore.session

    option = f"--{section}-profile"
    if profile is not None:
        profiles = botocore.session.Session().available_profiles
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise InvalidParameterError(
                option, f"no profile {profile!r} in the AWS config or credentials files (profiles there: {known})"
            )
    session = botocore.session.Session(profile=profile)
    in_use = _profile_in_use(section, profile, session)
    if in_use is not None and in_use[0] not in session.available_profiles:
        # No option given, and the environment's variable names no profile.
        raise InvalidParameterError(
            in_use[1], f"no profile {in_use[0]!r} in the AWS config or credentials files (or give {option})"
        )
    if region is None and not session.get_config_variable("region"):
        where = "the default profile" if in_use is None else f"profile {in_use[0]!r} ({in_use[1]})"
        raise InvalidParameterError(
            "--region",
            f"is needed: neither {REGION_VARIABLE}, AWS_DEFAULT_REGION nor {where} sets a Region for the {section} "
            "connection",
        )


def configure_connections(args: argparse.Namespace) -> None:
    """Define the two connections the operators use, from the command line's profiles."""
    region = cli_region(args)  # one Region for both accounts, their sts:AssumeRole clients and every hook
    os.environ[f"AIRFLOW_CONN_{EMR_CONN.upper()}"] = _connection(
        args.emr_profile, region, args.endpoint_url, args.emr_role_arn
    )
    os.environ[f"AIRFLOW_CONN_{DESTINATION_CONN.upper()}"] = _connection(
        args.destination_profile, region, args.endpoint_url, args.destination_role_arn
    )


#: botocore's retry mode names (botocore Config, ``retries``: "mode": legacy, standard or adaptive).
RETRY_MODES = ("legacy", "standard", "adaptive")


def retry_settings() -> dict[str, Any]:
    """
    The operators' ``botocore_config`` when ``AWS_MAX_ATTEMPTS`` or ``AWS_RETRY_MODE`` is set, else nothing.

    The operators send each call up to 11 times with backoff (``DEFAULT_BOTOCORE_CONFIG``), and a client's
    ``Config`` wins over botocore's environment variables, so a user waiting a minute or two for an endpoint
    that does not answer could not shorten it. These are botocore's own variables (AWS SDKs and Tools
    Reference Guide, "Retry behavior": ``AWS_MAX_ATTEMPTS`` "Specifies the maximum number attempts to make on a
    request", "Valid values: Number greater than 0"; ``AWS_RETRY_MODE``, ``legacy``, ``standard`` or ``adaptive``); the command line's own calls (the
    accounts' check, the two roles' ARNs, revoke's ``--security-configuration``) get the same (:func:`cli_hook`).

    :raises InvalidParameterError: a value botocore would refuse, naming the variable.
    """
    from airflow_provider_emrfs_xacct.operators.base import default_botocore_config

    attempts, mode = os.environ.get("AWS_MAX_ATTEMPTS"), os.environ.get("AWS_RETRY_MODE")
    if attempts is None and mode is None:
        return {}
    config = default_botocore_config()
    retries: dict[str, Any] = dict(config["retries"])
    if attempts is not None:
        if not attempts.strip().isdecimal() or int(attempts) < 1:  # isdigit() takes "²", which int() refuses
            raise InvalidParameterError(
                "AWS_MAX_ATTEMPTS", f"must be a whole number of attempts >= 1, got {attempts!r}"
            )
        retries.pop("max_attempts", None)
        retries["total_max_attempts"] = int(attempts)
    if mode is not None:
        if mode not in RETRY_MODES:
            raise InvalidParameterError("AWS_RETRY_MODE", f"must be one of {', '.join(RETRY_MODES)}, got {mode!r}")
        retries["mode"] = mode
    config["retries"] = retries
    return {"botocore_config": config}


def cli_hook(hook_class: type[HookT], **parameters: Any) -> HookT:
    """
    A hook for the command line's own calls (the accounts' check, the roles' ARNs, revoke's configuration), with the
    operators' botocore settings, as :func:`~airflow_provider_emrfs_xacct.operators.base.build_hook` gives theirs.

    That is, the ``botocore_config`` the steps get (:func:`retry_settings`, under ``AWS_MAX_ATTEMPTS`` or
    ``AWS_RETRY_MODE``), else the provider's default (standard retries, up to 11 attempts, its timeouts) beneath the
    connection's ``config_kwargs``. The first hook of a connection also builds the session the command shares, whose
    ``sts:AssumeRole`` client (``--*-role-arn``) takes the same settings.
    """
    from airflow_provider_emrfs_xacct.operators.base import build_hook, default_botocore_config

    given = retry_settings().get("botocore_config")
    config = default_botocore_config() if given is None else given
    return build_hook(hook_class, config=config, config_is_default=given is None, **parameters)


def _pinned(section: dict[str, Any]) -> dict[str, Any]:
    """
    The account pin of an operator acting through the section's connection (``check_accounts`` checked it
    once already; each operator checks it again before it changes anything).
    """
    return {"expected_account_id": section.get("expected_account_id") or section["account_id"]}


def _pinned_destination(partner: dict[str, Any]) -> dict[str, Any]:
    """The destination account pin of an operator that acts through both connections (revoke, verify)."""
    return {"expected_destination_account_id": _pinned(partner["destination"])["expected_account_id"]}


def provisioning_operators(partner: dict[str, Any], *, dry_run: bool) -> list[Any]:
    """The chain's provisioning operators for one partner (no cluster launch)."""
    from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
    from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
    from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator

    emr, destination, configuration = partner["emr"], partner["destination"], partner["security_configuration"]
    # do_xcom_push: the plan is taken from the (recording) task instance's XCom "plan".
    common: dict[str, Any] = {"dry_run": dry_run, "do_xcom_push": True, **retry_settings()}
    role_arn = destination_role_arn(partner)
    operators: list[Any] = [
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN,
            role_name=destination["role_name"],
            trusted_role_arns=[emr_role_arn(partner)],
            s3_prefixes=destination["s3_prefixes"],
            kms_key_arns=kms_key_arns(partner),
            object_acl=object_acl(partner),
            permissions_boundary=permissions_boundary(partner),
            role_tags=role_tags(partner),
            **_pinned(destination),
            **common,
        ),
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN,
            emr_ec2_role_name=ec2_role_name(partner),
            destination_role_arns=[role_arn],
            policy_name=assume_policy_name(partner),
            **_pinned(emr),
            **common,
        ),
    ]
    operators += [
        GrantKmsKeyUserOperator(
            task_id=f"grant_kms_key_user_{index}",
            aws_conn_id=DESTINATION_CONN,
            key_arn=key_arn,
            principal_arns=[role_arn],
            **_pinned(destination),
            **common,
        )
        for index, key_arn in enumerate(kms_key_arns(partner))
    ]
    operators.append(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN,
            name_prefix=configuration["name_prefix"],
            role_mappings=role_mappings(partner),
            base_configuration=configuration.get("base_configuration"),
            **_pinned(emr),
            **common,
        )
    )
    return operators


def revoke_operator(partner: dict[str, Any], args: argparse.Namespace, *, dry_run: bool) -> Any:
    from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator

    return RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN,
        destination_aws_conn_id=DESTINATION_CONN,
        destination_role_arn=destination_role_arn(partner),
        emr_ec2_role_name=ec2_role_given(partner),
        policy_name=assume_policy_name(partner),
        kms_key_arns=kms_key_arns(partner),
        security_configuration=None if args.keep_security_configuration else args.security_configuration,
        name_prefix=partner["security_configuration"]["name_prefix"],
        delete_destination_role=args.delete_role,
        remove_destination_trust=not args.keep_destination_trust,
        dry_run=dry_run,
        do_xcom_push=True,
        **retry_settings(),
        **_pinned(partner["emr"]),
        **_pinned_destination(partner),
    )


def verify_operator(partner: dict[str, Any], args: argparse.Namespace) -> Any:
    from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

    return VerifyCrossAccountAccessOperator(
        task_id="verify",
        aws_conn_id=EMR_CONN,
        destination_aws_conn_id=DESTINATION_CONN,
        security_configuration=args.security_configuration or _current_configuration(partner),
        emr_ec2_role_name=ec2_role_name(partner),
        release_label=partner["emr"].get("release_label"),
        cluster_id=args.cluster_id,
        # The prefixes of User and Group mappings, which name none (with Prefix mappings, those mappings' own).
        s3_prefixes=partner["destination"]["s3_prefixes"],
        fail_on_broken=False,
        do_xcom_push=False,
        **retry_settings(),
        **_pinned(partner["emr"]),
        **_pinned_destination(partner),
    )


#: The link ``verify`` adds when the partner file says the clusters' uploads carry a canned ACL that no cluster read tells.
CANNED_ACL_LINK = "uploads' canned ACL"


def with_unread_canned_acl(report: dict[str, Any], partner: dict[str, Any], cluster_id: str | None) -> dict[str, Any]:
    """
    ``report`` with a "not checked" link when ``destination.object_acl`` says the clusters set ``emrfs-site``
    ``fs.s3.canned.acl`` and no cluster was read (no ``--cluster-id``), its verdict ``NOT_CHECKED`` where it passed.

    The links then judge uploads without ``x-amz-acl``, while every upload of those clusters carries one, which needs
    ``s3:PutObjectAcl`` too ("To successfully change the objects ACL of your PutObject request, you must have the
    s3:PutObjectAcl": Amazon S3 API Reference, ``PutObject``, "Permissions"), and which a bucket with ACLs disabled refuses unless it is
    ``bucket-owner-full-control`` (Amazon S3 User Guide, "Controlling ownership of objects and disabling ACLs for
    your bucket"): a PASS would not hold for them.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS, Link

    if cluster_id is not None or not object_acl(partner):
        return report
    link = Link(
        None,
        CANNED_ACL_LINK,
        UNKNOWN,
        "destination.object_acl is true: the clusters set emrfs-site fs.s3.canned.acl, so every upload carries "
        "x-amz-acl, which needs s3:PutObjectAcl too and which a bucket with ACLs disabled refuses unless it is "
        "bucket-owner-full-control; no cluster was read, so the links judged uploads without it",
        fix="verify with --cluster-id of a cluster that writes to the partner: its canned ACL is then judged",
        probe_settles=False,
    )
    verdict = VERDICT_NOT_CHECKED if report["verdict"] == VERDICT_PASS else report["verdict"]
    return {**report, "verdict": verdict, "links": [*report["links"], link.to_dict()]}


def with_unknown_configuration_name(
    report: dict[str, Any], refused: list[RefusedRead], given: str | None, partner: dict[str, Any]
) -> dict[str, Any]:
    """
    ``report`` with its "security configuration exists" link not checked, instead of failed, when the name it looked
    up was worked out from a destination role ARN IAM was not asked for: ``verify`` without ``--security-configuration``
    whose ``iam:GetRole`` of the destination role was denied (``refused``), and whose partner file gives no
    ``security_configuration.role_mappings`` (the default mapping names the destination role's ARN).

    The configuration is content-named, and its role mappings name the destination role's ARN, which holds the role's
    path (IAM User Guide, "IAM identifiers"): for a role made under a path, the ARN built from its name is another
    one, and so is the name, so "not found" does not say the configuration ``apply`` made is missing. Mappings the
    file gives are written as given: the name is the file's alone, and "not found" stays a broken link.
    """
    from airflow_provider_emrfs_xacct.pure.checks.configuration import EXISTS_LINK as CONFIGURATION_EXISTS_LINK
    from airflow_provider_emrfs_xacct.pure.checks.findings import (
        FAIL,
        UNKNOWN,
        VERDICT_FAIL,
        VERDICT_NOT_CHECKED,
        Link,
        refused_read_dict,
    )

    if given is not None or not refused or partner["security_configuration"].get("role_mappings"):
        return report
    links = report["links"]
    if not any(link["link"] == CONFIGURATION_EXISTS_LINK and link["status"] == FAIL for link in links):
        return report
    denial = refused[0]
    unknown = Link(
        None,
        CONFIGURATION_EXISTS_LINK,
        UNKNOWN,
        f"{report['security_configuration']} not found, but that name was worked out from the destination role's "
        f"ARN built from destination.role_name, without a path: {denial.action} on {denial.resource} was denied to "
        "the destination connection, and for a role made under a path the configuration apply made has another name",
        fix="give --security-configuration NAME (the configuration the partner's clusters use), or grant the "
        f"destination connection {denial.action} on the role, and verify again",
        refused_reads=[denial],
        probe_settles=False,
    ).to_dict()
    links = [
        unknown if link["link"] == CONFIGURATION_EXISTS_LINK and link["status"] == FAIL else link for link in links
    ]
    healthy = all(link["status"] != FAIL for link in links)
    reads = list(report.get("refused_reads", []))
    reads += [read for read in map(refused_read_dict, refused) if read not in reads]
    verdict = VERDICT_NOT_CHECKED if healthy else VERDICT_FAIL
    return {**report, "verdict": verdict, "healthy": healthy, "links": links, "refused_reads": reads}


@dataclass
class _TaskInstance:
    """
    What an operator's ``execute`` reads of its task instance; keeps what it pushes to XCom.

    The tests and benchmarks use it too (``devstack.testing.RecordingTaskInstance``, other defaults).
    """

    task_id: str
    dag_id: str = "emrfs_xacct_cli"
    run_id: str = "cli"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


def execute(operator: Any) -> tuple[Any, list[dict[str, Any]]]:
    """Run an operator's ``execute`` outside Airflow; return its value and its plan (XCom ``plan``)."""
    ti = _TaskInstance(task_id=operator.task_id)
    value = operator.execute({"ti": ti, "task_instance": ti}, **_task_runner_sentinel(operator))
    plan = ti.xcoms.get("plan")
    if plan is None:  # an operator that returns its plan in a dry run and pushes nothing
        plan = value if isinstance(value, list) else []
    return value, plan


def _task_runner_sentinel(operator: Any) -> dict[str, Any]:
    """
    The keyword Airflow's task runner passes to ``execute``; without it Airflow logs the warning
    "… cannot be called outside of the Task Runner!" (``ExecutorSafeguard``), though running an
    operator's ``execute`` on its own is what this command line means to do.
    """
    try:
        from airflow.sdk.bases.operator import ExecutorSafeguard
    except ImportError:  # pragma: no cover - another Airflow layout: the warning is harmless
        return {}
    return {f"{type(operator).__name__}__sentinel": ExecutorSafeguard.sentinel_value}


def check_accounts(partner: dict[str, Any], source: str = "--region") -> str:
    """
    Refuse to go on when a connection acts in another account than the partner file names; return their partition.

    One ``sts:GetCallerIdentity`` per connection. Its ``Account`` is "the AWS account ID number of the
    account that owns or contains the calling entity", and "no permissions are required to perform
    this operation" (AWS STS API Reference, GetCallerIdentity,
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), so the check
    cannot fail for lack of a permission the provisioning needs anyway.

    The partition is the one of the caller's ARN (``arn:aws-cn:sts::…``): the roles the command line
    names are in it, and a key of another partition is refused, naming the field. Partitions "have
    independent instances of AWS Identity and Access Management (IAM)"; "you cannot use IAM credentials
    from one partition to interact with resources in a different partition" (AWS Fault Isolation
    Boundaries, "Partitions"), so both connections must act in the same one.

    :param partner: as :func:`load_partner` returns it: its role mappings a list, its keys validated.
    :param source: what chose the connections' Region (:func:`region_source`), named with it.
    """
    from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook
    from airflow_provider_emrfs_xacct.pure.validation import partition_of_arn, region_of_arn

    partitions: dict[str, str] = {}
    regions: dict[str, str | None] = {}
    for section, label, conn_id in (("emr", "EMR", EMR_CONN), ("destination", "destination", DESTINATION_CONN)):
        expected = partner[section].get("expected_account_id") or partner[section]["account_id"]
        hook = cli_hook(EmrfsAwsHook, aws_conn_id=conn_id, client_type="sts")
        with _credentials_of(label, section, hook, source):
            sts: Any = hook.conn
            regions[label] = hook.conn_region_name
            identity = sts.get_caller_identity()
        actual, partitions[label] = identity["Account"], partition_of_arn(identity["Arn"])
        if actual != expected:
            raise EmrfsXacctError(
                f"the {label} connection acts in account {actual}, but the partner file's "
                f"{section}.account_id is {expected}: check --{section}-profile / --{section}-role-arn "
                "(nothing was changed)"
            )
    if partitions["EMR"] != partitions["destination"]:
        raise EmrfsXacctError(
            f"the EMR connection acts in partition {partitions['EMR']} and the destination connection in "
            f"{partitions['destination']}: cross-account access works within one partition (nothing was changed)"
        )
    for index, key in enumerate(kms_key_arns(partner)):
        if partition_of_arn(key) != partitions["EMR"]:
            raise InvalidParameterError(
                f"destination.kms_key_arns[{index}]",
                f"is a key of partition {partition_of_arn(key)}, but the connections act in {partitions['EMR']} "
                "(nothing was changed)",
            )
        # The key policy is edited through the destination connection's KMS endpoint, of its Region, as
        # GrantKmsKeyUserOperator checks again: "KMS keys are specific to the Amazon Web Services Region that
        # they are created in, and you can't use KMS keys from one Amazon Web Services Region in another"
        # (Amazon RDS API Reference, CreateDBInstanceReadReplica, KmsKeyId; multi-Region keys are
        # separate keys, each with its own ARN and key policy: AWS KMS Developer Guide, "Multi-Region keys").
        if region_of_arn(key) != regions["destination"]:
            raise InvalidParameterError(
                f"destination.kms_key_arns[{index}]",
                f"is a key of Region {region_of_arn(key)}, but the destination connection acts in "
                f"{regions['destination']} ({source}) (nothing was changed)",
            )
    permissions_boundary({**partner, PARTITION_KEY: partitions["EMR"]})  # in the connections' partition
    for index, mapping in enumerate(partner["security_configuration"].get("role_mappings") or []):
        role = str(mapping["Role"])
        if partition_of_arn(role) != partitions["EMR"]:
            raise InvalidParameterError(
                f"security_configuration.role_mappings[{index}].Role",
                f"is a role of partition {partition_of_arn(role)}, but the connections act in {partitions['EMR']}: "
                f"{role!r} (nothing was changed)",
            )
    return partitions["EMR"]


#: The partner file's field (or the option) each operator argument the command line passes comes from, by
#: the argument's name; an operator refusing an argument names the argument, the command line names this.
_FILE_FIELDS = {
    "role_name": "destination.role_name",
    "s3_prefixes": "destination.s3_prefixes",
    "kms_key_arns": "destination.kms_key_arns",
    "object_acl": "destination.object_acl",
    "permissions_boundary": "destination.permissions_boundary",
    "role_tags": "destination.role_tags",
    # The role ARNs the command line builds from the file's account and role name.
    "trusted_role_arns": "emr.ec2_role_name",
    "destination_role_arns": "destination.role_name",
    "destination_role_arn": "destination.role_name",
    "principal_arns": "destination.role_name",
    "emr_ec2_role_name": "emr.ec2_role_name",
    "release_label": "emr.release_label",
    "name_prefix": "security_configuration.name_prefix",
    "role_mappings": "security_configuration.role_mappings",
    "base_configuration": "security_configuration.base_configuration",
    "expected_destination_account_id": "destination.account_id",
    "cluster_id": "--cluster-id",
    "delete_destination_role": "--delete-role",
}
#: The arguments holding the one role ARN the command line builds from the file (``[0]`` names no entry of the file).
_BUILT_ROLE_ARNS = {"trusted_role_arns", "destination_role_arns", "principal_arns"}


def file_field(field: str, operator: Any, partner: dict[str, Any], args: argparse.Namespace) -> str:
    """
    The partner file's field (or the option) behind ``field``, an argument of ``operator`` (or a path in it,
    such as ``role_mappings[0].Identifiers[1]``), as the command line built the operator from the file.

    :return: ``field`` itself when the command line did not build that argument from the file.
    """
    import re

    root, rest = re.fullmatch(r"(\w*)(.*)", field, re.S).groups()  # type: ignore[union-attr]
    if root == "role_mappings" and not partner["security_configuration"].get("role_mappings"):
        # The default mapping (role_mappings()): the destination's prefixes to the destination role.
        default = re.fullmatch(r"\[0\]\.(Identifiers|Role)(.*)", rest, re.S)
        if default is None:
            return "destination.s3_prefixes"
        if default.group(1) == "Identifiers":
            return "destination.s3_prefixes" + default.group(2)
        return "destination.role_name"
    if root == "key_arn" and operator.task_id.startswith("grant_kms_key_user_"):
        return f"destination.kms_key_arns[{operator.task_id.rsplit('_', 1)[1]}]{rest}"
    if root == "expected_account_id":
        section = "destination" if operator.aws_conn_id == DESTINATION_CONN else "emr"
        return (
            f"{section}.expected_account_id" if "expected_account_id" in partner[section] else f"{section}.account_id"
        )
    if root == "security_configuration":  # verify and revoke: the option, else (verify) the file's configuration
        given = getattr(args, "security_configuration", None) is not None
        return "--security-configuration" if given else "security_configuration.name_prefix"
    if root in _BUILT_ROLE_ARNS:  # one role ARN, built from the file's account and role name
        return _FILE_FIELDS[root] + re.sub(r"^\[\d+\]", "", rest)
    return _FILE_FIELDS[root] + rest if root in _FILE_FIELDS else field


def step_failed(
    operator: Any, error: EmrfsXacctError, partner: dict[str, Any], args: argparse.Namespace, *, applying: bool = False
) -> EmrfsXacctError:
    """
    A step's error as the command line's user reads it: an error about an argument (any that names one in its
    ``field``: a refused input, a conflict, a precondition, a denied call made for it) names the partner file's field
    (and the file), not the operator's argument, whether the step failed in its dry run or while applying.

    :param applying: the step failed in the apply phase (the message saying so names the step): only the field
        is renamed, the error keeping its class. Else (a dry run) the step and "nothing was changed" are added, and a
        denial keeps its kind (exit 3).
    """
    kind = AccessDeniedError if isinstance(error, AccessDeniedError) else EmrfsXacctError
    named = _naming_the_file(error, operator, partner, args)
    if named is None:
        return error if applying else kind(f"step {operator.task_id}: {error} (nothing was changed)")
    where, problem = named
    if applying:
        if isinstance(error, InvalidParameterError):
            return InvalidParameterError(where, problem)
        renamed = copy.copy(error)  # its class and attributes (EmrfsXacctError.__reduce__), the field renamed
        renamed.field = where  # type: ignore[attr-defined]
        renamed.args = (f"{where}: {problem}", *error.args[1:])
        return renamed
    problem = f"{problem} (step {operator.task_id}; nothing was changed)"
    if isinstance(error, InvalidParameterError):
        return InvalidParameterError(where, problem)
    return kind(f"{where}: {problem}")


def _naming_the_file(
    error: EmrfsXacctError, operator: Any, partner: dict[str, Any], args: argparse.Namespace
) -> tuple[str, str] | None:
    """
    The partner file's field (after the file, unless it is an option or the argument itself) and the problem of an
    error about one argument of ``operator``; ``None`` when it names none (its message does not start with ``field``).
    """
    field = getattr(error, "field", None)
    if isinstance(error, InvalidParameterError):
        problem = error.problem
    elif isinstance(field, str) and error.args and str(error.args[0]).startswith(f"{field}: "):
        problem = str(error.args[0])[len(field) + 2 :]
    else:
        return None
    where = file_field(str(field), operator, partner, args)
    if where == field and not isinstance(error, InvalidParameterError):  # not from the file: said as it is
        return None
    source = "" if where.startswith("-") or where == field else f"{args.partner_file}: "
    return f"{source}{where}", problem


class AwsCallError(EmrfsXacctError):
    """
    An AWS call before the apply phase failed after botocore's retries (throttled, refused, unreachable):
    nothing was changed.

    :param where: what made it: ``step <task id>`` (a dry run) or ``the EMR connection (…)`` (its account check).
    :param error: botocore's error.
    """

    def __init__(self, where: str, error: Exception) -> None:
        super().__init__(f"{where}: {error}")
        self.where, self.error = where, error


def _from_botocore(error: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(error, (BotoCoreError, ClientError))


def _aws_call_failed(
    error: BaseException, where: str | None, regions: str = "", source: str = "--region"
) -> tuple[str, int]:
    """
    The message and exit status of an AWS call (made by ``where``, if known) that failed before any change.

    :param regions: the connections' Region(s), named when AWS does not know the credentials (:func:`_region_advice`),
        with what chose it (``source``: :func:`region_source`).
    """
    from botocore.exceptions import EndpointConnectionError

    from airflow_provider_emrfs_xacct.hooks.errors import credentials_problem

    where = f"{where}: " if where else ""
    if credentials_problem(error):
        problem = f"the AWS credentials are missing, expired or not valid{_region_advice(error, regions, source)}"
        return f"{where}{problem}: {error} (nothing was changed)", NO_CREDENTIALS
    hint = ""
    if isinstance(error, EndpointConnectionError):
        hint = "; is the endpoint up (--endpoint-url: is the stand-in running?) and reachable"
    return f"{where}AWS call failed: {error}{hint} (nothing was changed)", 3


#: The codes with which AWS says it does not know the credentials (AWS STS API Reference, "Common Errors":
#: "InvalidClientTokenId: The X.509 certificate or AWS access key ID provided does not exist in our records";
#: ``UnrecognizedClientException``, the JSON services' own). A Region the credentials are not valid in answers the
#: same: one not enabled for the account (IAM User Guide, "Manage AWS STS in an AWS Region": "Session tokens from the
#: global STS endpoint are valid only in AWS Regions that are enabled by default"; AWS Account Management Reference,
#: "Enable or disable AWS Regions in your account"), or one of another partition, whose IAM is another ("you cannot
#: use IAM credentials from one partition to interact with resources in a different partition", AWS Fault Isolation
#: Boundaries, "Partitions").
UNKNOWN_CREDENTIALS_CODES = frozenset({"InvalidClientTokenId", "UnrecognizedClientException"})


def _region_advice(error: BaseException, regions: str, source: str = "--region") -> str:
    """
    For credentials AWS does not know (:data:`UNKNOWN_CREDENTIALS_CODES`), the other cause: the Region, and what chose
    it (``source``: :func:`region_source`).
    """
    from botocore.exceptions import ClientError

    from airflow_provider_emrfs_xacct.hooks.errors import error_code

    if not isinstance(error, ClientError) or error_code(error) not in UNKNOWN_CREDENTIALS_CODES:
        return ""
    region = regions or "not known"
    return f", or the Region ({region}) is not enabled for this account or is of another partition ({source})"


def _connections_regions(args: argparse.Namespace) -> str:
    """
    The connections' Region for messages: ``--region`` or ``AWS_REGION`` (:func:`cli_region`), else each profile's as
    botocore reads it (``a / b``).
    """
    import botocore.session

    region = cli_region(args)
    if region:
        return region
    found: list[str] = []
    for section in ("emr", "destination"):
        try:
            session = botocore.session.Session(profile=getattr(args, f"{section}_profile", None))
            region = session.get_config_variable("region")
        except Exception:  # a profile botocore cannot read: none to name
            region = None
        if region and region not in found:
            found.append(str(region))
    return " / ".join(found)


def _region_of(hook: Any) -> str:
    """The Region a hook's connection calls (empty when even that cannot be read)."""
    try:
        return str(hook.conn_region_name or "")
    except Exception:
        return ""


class CredentialsError(EmrfsXacctError):
    """A connection has no AWS credentials, or AWS refused them as expired or not valid (exit :data:`NO_CREDENTIALS`)."""


@contextlib.contextmanager
def _credentials_of(label: str, section: str, hook: Any, source: str = "--region") -> Iterator[None]:
    """
    Turn a failing AWS call of the ``section``'s connection (through ``hook``) into an error naming the connection: a
    :class:`CredentialsError` for a credentials problem, else an :class:`AwsCallError` (e.g. ``sts:AssumeRole``
    denied for ``--*-role-arn``, or nothing answering at the endpoint). ``source``: what chose the Region
    (:func:`region_source`).
    """
    from airflow_provider_emrfs_xacct.hooks.errors import credentials_problem

    try:
        yield
    except Exception as error:
        if not _from_botocore(error):
            raise
        if not credentials_problem(error):
            raise AwsCallError(f"the {label} connection (--{section}-profile, --{section}-role-arn)", error) from None
        raise CredentialsError(
            f"the {label} connection has no valid AWS credentials{_region_advice(error, _region_of(hook), source)}: {error}. "
            f"Sign in again (aws sso login, or new keys), or give --{section}-profile, a profile of the AWS config or "
            "credentials files (nothing was changed)"
        ) from None


def _show(title: str, plans: dict[str, list[dict[str, Any]]], err: TextIO) -> Summary:
    """Write a readable plan of every step to ``err``; return its summary."""
    summary = Summary()
    print(title, file=err)
    for task_id, plan in plans.items():
        changes = [Change(**change) for change in plan]
        summary += Summary.of(changes)
        body = render_changes(changes) if changes else "No changes."
        print(f"\n{task_id}:\n" + "\n".join(f"  {line}" if line else "" for line in body.splitlines()), file=err)
    return summary


def plan_and_apply(
    operators: Callable[[bool], list[Any]],
    *,
    apply: bool,
    err: TextIO,
    refused: Callable[..., EmrfsXacctError],
    progress: ApplyProgress | None = None,
) -> dict[str, Any]:
    """
    Dry-run every step (validating every operator's input and reading what is there), show the
    whole plan, then, when ``apply``, run the steps for real. Nothing is changed unless every step's
    dry run passed; a step that fails after that raises :class:`PartiallyAppliedError` with what was applied.

    :param refused: the error to raise for a step that failed, given the step, its error and ``applying``
        (:func:`step_failed`): in a dry run, raised; while applying, kept in :class:`PartiallyAppliedError`.
    :param progress: told the apply phase's summary as soon as every step was applied, before any output.
    """
    plans: dict[str, list[dict[str, Any]]] = {}
    dry_values: dict[str, Any] = {}
    for operator in operators(True):
        try:
            dry_values[operator.task_id], plans[operator.task_id] = execute(operator)
        except EmrfsXacctError as error:
            raise refused(operator, error) from error
        except Exception as error:
            if not _from_botocore(error):
                raise
            raise AwsCallError(f"step {operator.task_id}", error) from error
    summary = _show("Plan (nothing changed yet):" if apply else "Plan:", plans, err)
    result: dict[str, Any] = {"plan": plans, "summary": summary.plan_line()}
    if not apply:
        print(f"\n{summary.plan_line()}", file=err)
        result["values"] = {task_id: value for task_id, value in dry_values.items() if not isinstance(value, list)}
        return result
    if summary.total:
        print(f"\n{summary.plan_line()}\nApplying ...", file=err)
    done = _apply(operators(False), result, refused, progress)
    print(("" if summary.total else "\n") + done, file=err)
    return result


def _apply(
    operators: Iterable[Any],
    result: dict[str, Any],
    refused: Callable[..., EmrfsXacctError],
    progress: ApplyProgress | None,
) -> str:
    """
    Run each step for real, keeping its value and plan in ``result``; return the summary. Whatever stops it (a
    step's failure, or a signal within a step, between two or in the summary) raises :class:`PartiallyAppliedError`
    with what was applied so far, unless nothing was applied and no step had begun (nothing was changed).
    """
    applied: dict[str, list[dict[str, Any]]] = {}
    values: dict[str, Any] = {}
    running = None  # the step under way: a signal between two steps names none
    try:
        for operator in operators:
            running = operator
            values[operator.task_id], applied[operator.task_id] = execute(operator)
            running = None
        done = _all_applied(applied, progress)
    except (Exception, KeyboardInterrupt) as error:  # Ctrl-C too: say what was applied before it
        if running is None and not applied:
            raise
        with _uninterrupted():  # a second signal here would drop what was applied from the report
            result.update(applied=applied, values=values, summary=_applied_line(applied))
            stopped = _stopped(result, running, error, refused)
        raise stopped from error
    result.update(applied=applied, values=values, summary=done)
    return done


def _stopped(
    result: dict[str, Any], running: Any, error: BaseException, refused: Callable[..., EmrfsXacctError]
) -> PartiallyAppliedError:
    """The apply phase's partial report: ``running``, the step that failed (None: stopped between two), its error."""
    if running is not None and isinstance(error, EmrfsXacctError):  # the partner file's field, not the argument
        error = refused(running, error, applying=True)
    result["failed"] = _failed_step(running, error)
    return PartiallyAppliedError(result, None if running is None else running.task_id, error)


def _all_applied(applied: dict[str, list[dict[str, Any]]], progress: ApplyProgress | None) -> str:
    """The apply phase's summary, told ``progress`` first: a Ctrl-C in the output (a pager quit) lands after the changes."""
    done = _applied_line(applied)
    if progress is not None and any(applied.values()):
        progress.finished = done
    return done


@dataclass
class ApplyProgress:
    """How far the apply phase went, for the report of an interruption: ``finished``, its summary once all was applied."""

    finished: str | None = None


def _failed_step(operator: Any, error: BaseException) -> dict[str, Any]:
    """
    The step that failed while applying (None: interrupted between two), its error, and the writes of its own that
    landed before (as far as known).
    """
    failed: dict[str, Any] = {"step": getattr(operator, "task_id", None), "error": str(error) or type(error).__name__}
    landed = getattr(operator, "landed_changes", None)  # the revoke's: several documents in one step
    if landed:
        failed["applied"] = [change.to_dict() for change in landed]
    return failed


def _applied_line(applied: dict[str, list[dict[str, Any]]]) -> str:
    done = Summary()
    for plan in applied.values():
        done += Summary.of(plan)
    return done.applied_line()


class PartiallyAppliedError(Exception):
    """
    A step failed in the apply phase: the steps before it were applied, and it may have made part of its changes.

    :param result: the JSON result so far (``applied``: each step applied before, ``failed``: the step and its error).
    :param step: the task id of the step that failed; None when interrupted between two steps (or after the last).
    :param error: what it raised.
    """

    def __init__(self, result: dict[str, Any], step: str | None, error: BaseException) -> None:
        super().__init__(f"step {step}: {error}")
        self.result, self.step, self.error = result, step, error


#: What opens a Jinja expression, statement or comment (Jinja documentation, "Template Designer Documentation",
#: "Synopsis": ``{% ... %}``, ``{{ ... }}``, ``{# ... #}``), the templates a DAG's operator fields are rendered with.
TEMPLATE_MARKERS = ("{{", "{%", "{#")

#: Partner file fields ``plan`` and ``apply`` never write to AWS, which may hold template text: ``partner``, a label
#: only echoed in the output, and ``emr.release_label``, which only ``verify`` reads (it is checked as a release label
#: anyway). Every other string value goes into a name, a policy, a tag or a security configuration.
NOT_WRITTEN_FIELDS = frozenset({"partner", "emr.release_label"})


def refuse_template_text(path: Path, partner: dict[str, Any]) -> None:
    """
    Refuse, for ``plan`` and ``apply``, a partner file string value holding a Jinja marker (:data:`TEMPLATE_MARKERS`;
    pure: no AWS call). A DAG renders its operators' templated fields (``s3://bucket/exports/{{ ds }}/``) before they
    run; the command line renders nothing, so such a value copied from a DAG would be written to IAM, KMS or EMR as it
    is (``arn:aws:s3:::bucket/exports/{{ ds }}/*`` in the role's policy). ``revoke`` and ``verify`` create nothing from
    the file: one an earlier ``apply`` took, its literal text written, can still be verified and taken back (as
    :func:`run` takes its identifiers). Fields never written to AWS (:data:`NOT_WRITTEN_FIELDS`) are not looked at.

    :raises EmrfsXacctError: naming the file and the field.
    """
    for field_name, value in _string_values(partner, ""):
        if field_name in NOT_WRITTEN_FIELDS:
            continue
        marker = next((marker for marker in TEMPLATE_MARKERS if marker in value), None)
        if marker is not None:
            error = InvalidParameterError(
                field_name,
                f"holds the template marker {marker!r} ({value!r}): partner files are not templated, so it would be "
                "written to AWS as it is; give the value a DAG run renders it to",
            )
            raise EmrfsXacctError(f"{path}: {error}")


def _string_values(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string of ``value`` (dicts and lists within), with its place (``destination.s3_prefixes[0]``)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_values(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _string_values(item, f"{where}[{index}]")


def run(args: argparse.Namespace, out: TextIO, err: TextIO, progress: ApplyProgress | None = None) -> int:
    """
    Run the command. ``revoke`` and ``verify`` create no role mapping from the file: they take its ``User``/``Group``
    identifiers as the release before the stricter rules did (:func:`~.validation.identifiers_as_taken_before`), so
    the grants of a file an earlier ``apply`` took can still be verified and taken back; ``plan``/``apply`` keep them.
    """
    from airflow_provider_emrfs_xacct.pure.validation import identifiers_as_taken_before

    if args.command in ("revoke", "verify"):
        with identifiers_as_taken_before():
            return _run(args, out, err, progress)
    return _run(args, out, err, progress)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, progress: ApplyProgress | None) -> int:
    partner = load_partner(Path(args.partner_file))
    if args.command in ("plan", "apply"):
        refuse_template_text(Path(args.partner_file), partner)
        refuse_roles_not_provisioned(Path(args.partner_file), partner)
    validate_options(args, partner)
    configure_connections(args)
    partner[PARTITION_KEY] = check_accounts(partner, region_source(args))
    if args.command == "verify" and args.security_configuration is not None:  # before any other read, as revoke
        _require_configuration(args.security_configuration, partner, instead=_VERIFY_INSTEAD, unread_skips=True)
    require_ec2_role_here(partner)

    def refused(operator: Any, error: EmrfsXacctError, *, applying: bool = False) -> EmrfsXacctError:
        return step_failed(operator, error, partner, args, applying=applying)

    if args.command in ("plan", "apply"):  # the EMR EC2 role's ARN first: the steps' trust names it
        partner[EMR_ROLE_ARN_KEY] = resolve_emr_role_arn(partner, err)
        refuse_service_linked_ec2_role(partner)
    refused_reads: list[RefusedRead] = []  # the command line's own, of the destination role's ARN
    partner[DESTINATION_ROLE_ARN_KEY] = resolve_destination_role_arn(partner, err, refused_reads, command=args.command)
    if args.command in ("plan", "apply"):  # the mappings' ARNs, path included, against the role IAM shows
        refuse_roles_not_provisioned(Path(args.partner_file), partner, destination_role_arn(partner))
        # A read, before any write, by the name apply gives (the default mapping names the role's ARN as IAM shows it).
        refuse_keys_not_kms_arns_of(Path(args.partner_file), partner, err)
        result = plan_and_apply(
            lambda dry: provisioning_operators(partner, dry_run=dry),
            apply=args.command == "apply",
            err=err,
            refused=refused,
            progress=progress,
        )
        result["partner"] = partner.get("partner")
        _emit(result, out)
        return 0
    if args.command == "verify":
        from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_FAIL, VERDICT_PASS

        verifier = verify_operator(partner, args)
        try:
            report = verifier.execute({}, **_task_runner_sentinel(verifier))
        except EmrfsXacctError as error:
            raise refused(verifier, error) from error
        report = with_unknown_configuration_name(report, refused_reads, args.security_configuration, partner)
        report = with_unread_canned_acl(report, partner, args.cluster_id)
        _emit(report, out)
        return {VERDICT_PASS: 0, VERDICT_FAIL: 1}.get(report["verdict"], NOT_CHECKED)
    if args.security_configuration is not None:
        _require_configuration(args.security_configuration, partner)
    result = plan_and_apply(
        lambda dry: [revoke_operator(partner, args, dry_run=dry)],
        apply=not args.dry_run,
        err=err,
        refused=refused,
        progress=progress,
    )
    revoked = result["values"].get("revoke") or {}
    result["security_configuration"] = revoked.get("security_configuration")
    result.update({field: revoked.get(field) for field in ACCESS_FIELDS})
    result["partner"] = partner.get("partner")
    if args.keep_security_configuration:
        print(_kept_configuration_message(result, planned=args.dry_run), file=err)
    _emit(result, out)
    return _revoke_status(
        result,
        err,
        planned=args.dry_run,
        emr_ec2_role=ec2_role_given(partner),
        destination_role=destination_role_arn(partner),
    )


#: The revoke's fields saying whether the access ended (``RevokePartnerAccessOperator``'s result), in its JSON.
ACCESS_FIELDS = (
    "access_ended",
    "still_granted",
    "access_not_checked",
    "sessions_may_last_until",
    "also_trusted",
    "destination_role_found",
)


def _kept_configuration_message(result: dict[str, Any], *, planned: bool) -> str:
    """
    What ``revoke --keep-security-configuration`` says of the clusters launched with the kept configuration.

    Their writes end only when their sessions of the role expire AND no new one can be assumed: temporary credentials
    "are valid until they expire", and "it might take a few minutes for policy updates to take effect" (IAM User
    Guide, "Disabling permissions for temporary security credentials"); with the access not ended, EMRFS assumes the
    role again. A dry run (``planned``) wrote nothing: it says what would happen.
    """
    if _nothing_named(result):
        return "Security configuration kept as it is; nothing is revoked (see below)."
    kept = (
        "Security configuration kept as it is: clusters launched with it still map the partner's prefixes to the "
        "revoked role"
    )
    if result["access_ended"] is True:
        until = result["sessions_may_last_until"]
        if planned:
            return (
                f"{kept} (once this revoke is applied, their writes there would fail when the role's sessions they "
                "hold expire, within an hour of its check: see the warning)."
            )
        return (
            f"{kept} (their writes there fail once the role's sessions they hold expire, by {until} "
            "(sessions_may_last_until) plus the minutes IAM may take to apply the change: see the warning)."
        )
    if result["access_ended"] is False:
        return f"{kept}, and their writes there go on while the grant and trust named in still_granted stay."
    return f"{kept}; whether their writes there end is not known (access_not_checked)."


def _revoke_status(
    result: dict[str, Any],
    err: TextIO,
    *,
    planned: bool,
    emr_ec2_role: str = DEFAULT_EC2_ROLE,
    destination_role: str = "the destination role",
) -> int:
    """
    The exit status of a revoke that is done (or, ``planned``, shown): 0 when the access is known ended,
    :data:`ACCESS_NOT_ENDED` when a grant and the trust still allow it, :data:`NOT_CHECKED` when that is not known.
    A revoke of a role the destination account does not have, that nothing names, says it revoked nothing (0).
    """
    done = "revoke planned (--dry-run)" if planned else "revoke done"
    if result["access_ended"] is True:
        if _nothing_named(result):
            print(_role_not_found_message(destination_role, done), file=err)
        elif result["sessions_may_last_until"]:
            print(_sessions_message(result, done, emr_ec2_role), file=err)
        return 0
    if result["access_ended"] is False:
        still = "; ".join(str(entry.get("by")) for entry in result["still_granted"] or [])
        print(
            f"emrfs-xacct: {done}, but the access is NOT ended: {still} still allow the EMR EC2 role to assume the "
            "destination role (still_granted; see the warnings above). Remove that grant or trust statement by hand.",
            file=err,
        )
        return ACCESS_NOT_ENDED
    print(
        f"emrfs-xacct: {done}, but whether the access is ended is NOT checked: "
        f"{'; '.join(result['access_not_checked'] or [])} (access_not_checked; see the warnings above).",
        file=err,
    )
    return NOT_CHECKED


def _nothing_named(result: dict[str, Any]) -> bool:
    """Whether the destination account has no such role (``destination_role_found`` false) and nothing was planned."""
    return result.get("destination_role_found") is False and not any((result.get("plan") or {}).values())


def _role_not_found_message(destination_role: str, done: str) -> str:
    """
    What a revoke says when IAM has no role of the destination role's name and nothing names it: nothing revoked.

    ``GetRole`` answers ``NoSuchEntity`` then (IAM API Reference, "GetRole", Errors): a mistyped role name, or a rerun
    after a revoke deleted the role; the partner's real role, if mistyped, keeps its access.
    """
    return (
        f"emrfs-xacct: {done}, but the destination account has no role named {destination_role.rsplit('/', 1)[-1]} "
        f"({destination_role}) and nothing names it (no trust, EMR EC2 role grant, key-policy principal or mapping), "
        "so nothing is revoked (destination_role_found: false): if the name is mistyped, the partner's real role "
        "keeps its access. Check destination.role_name in the partner file, unless this is a rerun after a revoke "
        "deleted the role."
    )


def _sessions_message(result: dict[str, Any], done: str, emr_ec2_role: str) -> str:
    """
    What a revoke that ended the access says of the sessions still open: the check is of the EMR EC2 role alone.

    EMRFS's sessions are chained from the instance profile's, one hour at most (AWS STS API Reference, "AssumeRole",
    ``DurationSeconds``), so ``sessions_may_last_until`` bounds them. Someone else the trust still lets assume the
    role (``also_trusted``, kept by the revoke) is not chained: up to the role's ``MaxSessionDuration`` (12 hours at
    most) for an ``AssumeRole`` caller, and a service's not bounded by it: "IAM role credentials provided by Amazon EC2
    instances assigned to the role are not subject to the specified maximum session duration" (IAM API Reference,
    "UpdateRole", ``MaxSessionDuration``); none of them bounded by ``sessions_may_last_until``.
    """
    message = (
        f"emrfs-xacct: {done}: the EMR EC2 role {emr_ec2_role} can assume no new session of the destination role "
        "once IAM applies the change, which may take a few minutes; EMRFS's sessions (role-chained, one hour at most) "
        f"assumed before this revoke's check last until {result['sessions_may_last_until']} "
        "(sessions_may_last_until): wait for that time plus a margin for those minutes."
    )
    if result.get("also_trusted"):
        message += (
            f" The destination role's trust policy still lets {', '.join(result['also_trusted'])} assume it "
            "(also_trusted), kept by this revoke: their sessions (up to the role's MaxSessionDuration for AssumeRole "
            "callers; not bounded by it for a service's credentials) are not bounded by sessions_may_last_until."
        )
    return message


#: What ``verify --security-configuration`` with a name EMR does not hold says to do instead of giving another name.
_VERIFY_INSTEAD = "leave the option out to verify the one the partner file names (nothing was changed)"


def _require_configuration(
    name: str,
    partner: dict[str, Any],
    *,
    instead: str = "--keep-security-configuration (nothing was changed)",
    unread_skips: bool = False,
) -> None:
    """
    Refuse ``revoke`` or ``verify --security-configuration NAME`` when the EMR account has no configuration by that
    name (exit 2, naming the option), before anything else is read.

    The revoke operator skips a missing one with a warning (a DAG's retry after a cleanup must not
    fail), and its result, no configuration, would read as "it held nothing but the partner's mappings":
    a mistyped name would tell the user the next clusters need none. The verifier would report the link "security
    configuration exists" broken (exit 1, read by a CI gate as an outage) and advise creating it, while the
    partner's clusters run another one: the name given is the user's typo, not the chain's. The name worked out from
    the partner file (no option) keeps that broken link. ``instead``: the way out besides another name.

    :param unread_skips: (``verify``) a read that fails, denied or not answered, refuses nothing: only EMR's answer
        that there is no such configuration (``InvalidRequestException``: Amazon EMR API Reference,
        DescribeSecurityConfiguration, "Errors") is a typo. The verifier reads it again and reports what it could not
        read as not checked (exit 5, naming the action to grant when denied), unless it is still
        throttled after its retries (exit 3, as any read of ``verify``); the revoke stops (exit 3).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied

    hook = cli_hook(EmrfsEmrHook, aws_conn_id=EMR_CONN)
    try:
        with explain_access_denied(hook):
            document = hook.describe_security_configuration(name)
    except (AccessDeniedError, BotoCoreError, ClientError):
        if unread_skips:
            return
        raise
    if document is None:
        raise InvalidParameterError(
            "--security-configuration",
            f"the EMR account {partner['emr']['account_id']} has no security configuration named {name!r}: "
            f"give the one the partner's clusters use (aws emr list-security-configurations), or {instead}",
        )


def _emit(result: Any, out: TextIO) -> None:
    try:
        out.write(json.dumps(result, indent=2, default=str) + "\n")
        out.flush()
    except BrokenPipeError as error:  # its reader quit (``| less``, then ``q``; ``| head``)
        _to_devnull(out)
        raise ReaderGoneError from error


class ReaderGoneError(Exception):
    """stdout's reader closed it before the JSON was written (a pager quit): reported as an interruption, 130."""

    def __str__(self) -> str:
        return "stdout closed by its reader"


def _to_devnull(out: TextIO) -> None:
    """
    Point ``out``'s file at /dev/null, so that the interpreter's flush at exit does not fail again on what is left in
    its buffer (Python's documentation, the ``signal`` module, "Note on SIGPIPE").
    """
    with contextlib.suppress(OSError, ValueError):  # a stream without a file (in-process use): nothing to flush
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)


def _current_configuration(partner: dict[str, Any]) -> str:
    """The name the partner's security configuration has (content-named, so computed, not looked up)."""
    from airflow_provider_emrfs_xacct.pure.security_config import (
        build_security_configuration,
        security_configuration_name,
        validate_role_mappings,
    )

    configuration = partner["security_configuration"]
    document = build_security_configuration(
        validate_role_mappings(role_mappings(partner)), configuration.get("base_configuration")
    )
    return security_configuration_name(configuration["name_prefix"], document)


_CONNECTION_OPTIONS_HELP = """\
The two accounts: each option pair may be left out to use the environment's credentials.
"""


_FILES = "examples/partner.yaml --emr-profile emr-admin --destination-profile partner-b"
#: Each sub-command's help, description and epilog (its examples).
_COMMANDS = {
    "plan": (
        "show what apply would change; change nothing",
        "Read both accounts and show what apply would change, step by step; change nothing.\n"
        "The JSON on stdout holds each step's changes and the summary.",
        f"example:\n  emrfs-xacct plan {_FILES}",
    ),
    "apply": (
        "validate everything, show the whole plan, then make the changes",
        "Validate the partner file and every step's input, check both connections' accounts, "
        "show the whole plan\n(a dry run of every step), then apply it. When anything is refused, nothing is "
        "changed.\nA second apply changes nothing.",
        f"example:\n  emrfs-xacct apply {_FILES}",
    ),
    "verify": (
        "check every link of the chain in both accounts (exit 1 when one is broken, 5 when one is not checked)",
        "Read the live documents of both accounts and check every link of the chain; print the "
        "report.\nExit status 1 when a link is broken, 5 when none is but one could not be checked.",
        f"example:\n  emrfs-xacct verify {_FILES} --cluster-id j-2AXXXXXXGAPLF",
    ),
    "revoke": (
        "remove the partner's access (say what to do with the security configuration)",
        "Remove the destination role from the EMR EC2 role's assume-role policy and from the key "
        "users,\nand the EMR EC2 role from the destination role's trust; with --security-configuration NAME, "
        "create\na configuration without the partner's mappings (printed as security_configuration, for the "
        "next\nclusters); with --delete-role, delete the role instead if the provider created it; with\n"
        "--keep-destination-trust, leave the destination role's trust as it is. One of\n"
        "--security-configuration and --keep-security-configuration is required.",
        f"examples:\n  emrfs-xacct revoke {_FILES} \\\n      --security-configuration "
        "emrfs-xacct-partner-b-0123456789ab --delete-role\n"
        f"  emrfs-xacct revoke {_FILES} --keep-security-configuration --dry-run",
    ),
}


def parser() -> argparse.ArgumentParser:
    """The command line's arguments: one sub-command each for plan, apply, verify and revoke."""
    formatter = argparse.RawDescriptionHelpFormatter
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "partner_file",
        help="YAML or JSON file describing the partner (an example: examples/partner.yaml in the source distribution)",
    )
    accounts = common.add_argument_group("accounts", _CONNECTION_OPTIONS_HELP)
    accounts.add_argument("--emr-profile", help="AWS profile acting in the EMR account")
    accounts.add_argument("--destination-profile", help="AWS profile acting in the destination account")
    accounts.add_argument("--emr-role-arn", help="role to assume in the EMR account (on top of the profile)")
    accounts.add_argument("--destination-role-arn", help="role to assume in the destination account")
    accounts.add_argument(
        "--region",
        help="AWS Region of both accounts (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's)",
    )
    accounts.add_argument(
        "--endpoint-url", help="one endpoint for every AWS service, e.g. a local moto server (not for AWS itself)"
    )
    accounts.add_argument("-v", "--verbose", action="store_true", help="also log each step's details (to stderr)")
    accounts.add_argument(
        "--debug", action="store_true", help="also show the Python traceback of a failure (for a bug report)"
    )

    result = argparse.ArgumentParser(
        prog="emrfs-xacct",
        description=(__doc__ or "").replace("``", "`"),
        formatter_class=formatter,
        epilog="Try it locally, from the project's source distribution (the stand-in is not installed with the\n"
        "package): `python -m devstack serve` starts a seeded stand-in and prints the options to use.",
    )
    result.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = result.add_subparsers(dest="command", required=True, metavar="{plan,apply,verify,revoke}")
    parsers = {
        name: commands.add_parser(
            name, parents=[common], formatter_class=formatter, help=help_, description=description, epilog=epilog
        )
        for name, (help_, description, epilog) in _COMMANDS.items()
    }
    verify = parsers["verify"]
    verify.add_argument(
        "--security-configuration", help="the configuration to check (default: the one the partner file gives)"
    )
    verify.add_argument("--cluster-id", help="read the release and settings from this cluster")
    revoke = parsers["revoke"]
    choice = revoke.add_mutually_exclusive_group(required=True)
    choice.add_argument(
        "--security-configuration",
        metavar="NAME",
        help="the configuration in use: rebuild it without the partner's role mappings",
    )
    choice.add_argument(
        "--keep-security-configuration",
        action="store_true",
        help="leave the security configuration as it is (its mappings to the revoked role stay)",
    )
    # Deleting the role deletes its trust policy: the pair is a usage error (exit 2) before any call, naming both.
    role = revoke.add_mutually_exclusive_group()
    role.add_argument(
        "--delete-role", action="store_true", help="also delete the destination role if the provider created it"
    )
    role.add_argument(
        "--keep-destination-trust",
        action="store_true",
        help="leave the destination role's trust policy as it is (the EMR side alone then ends the access; "
        "for a destination connection that may not change it, or a trust statement to fix by hand first)",
    )
    revoke.add_argument("--dry-run", action="store_true", help="only show the plan")
    return result


@contextlib.contextmanager
def _quiet(err: TextIO, *, verbose: bool) -> Iterator[None]:
    """
    Keep stdout for the result: everything else (Python's and Airflow's logging, stray prints)
    goes to ``err``; deprecation warnings of the libraries underneath are not shown.
    """
    with warnings.catch_warnings(), contextlib.redirect_stdout(err):
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.simplefilter("ignore", category)
        settings = {
            "AIRFLOW__CORE__LOAD_EXAMPLES": os.environ.get("AIRFLOW__CORE__LOAD_EXAMPLES", "False"),
            # Airflow configures its logging when first imported (below, lazily): INFO only with --verbose.
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        }
        saved_environment = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        root = logging.getLogger()
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        saved = (root.handlers[:], root.level)
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO if verbose else logging.WARNING)
        try:
            yield
        finally:
            root.handlers[:], _ = saved
            root.setLevel(saved[1])
            for name, value in saved_environment.items():  # when called in-process (tests), leave no trace
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


#: Exit status of a failure in the apply phase, after changes may have been made.
PARTIALLY_APPLIED = 4
#: Exit status of ``verify`` when no link failed but one could not be checked (verdict ``NOT_CHECKED``):
#: not 0, which says every link holds.
NOT_CHECKED = 5
#: Exit status when a connection has no AWS credentials or AWS refuses them as expired or not valid.
NO_CREDENTIALS = 6
#: Exit status of a ``revoke`` done (or planned, with ``--dry-run``) that does not end the access: a grant of the
#: EMR EC2 role and the destination role's trust still allow ``sts:AssumeRole`` (``access_ended`` false). Not 1,
#: ``verify``'s broken link, nor 0, "done": a script under ``set -e`` stops on it.
ACCESS_NOT_ENDED = 7
#: Exit status of a run interrupted by Ctrl-C (SIGINT): 128 + 2, as shells report a process SIGINT ended. SIGTERM
#: (a CI cancel, ``kill``) too: it is handled as Ctrl-C is (:func:`_sigterm_as_interrupt`); and a reader that closed
#: stdout (a pager quit, :class:`ReaderGoneError`): the same report, not 141 (128 + SIGPIPE), so that one status
#: says "stopped before its output was delivered: the message says what was changed".
INTERRUPTED = 130
#: What the ``KeyboardInterrupt`` raised for SIGTERM says (``failed.error`` in the JSON).
TERMINATED = "SIGTERM"
#: Exit status of an unexpected error (a bug), with its traceback on stderr: sysexits.h's EX_SOFTWARE.
INTERNAL_ERROR = 70


def _partially_applied(failure: PartiallyAppliedError, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Emit what was applied before the failed step, name the step and its error; return 4."""
    from botocore.exceptions import BotoCoreError, ClientError

    interrupted = isinstance(failure.error, KeyboardInterrupt)
    expected = interrupted or isinstance(failure.error, (EmrfsXacctError, BotoCoreError, ClientError))
    if not expected and not args.debug:  # (--debug has shown it already)
        traceback.print_exception(failure.error, file=err)  # a bug: show where
    with contextlib.suppress(KeyboardInterrupt, ReaderGoneError):  # the JSON's write to a reader that quit
        _emit(failure.result, out)
    partially = _partially(failure)
    if interrupted:
        print(
            f"emrfs-xacct: {args.command} interrupted ({_how(failure.error)}) {partially}.\n"
            f"Run {args.command} again: it changes only what is still missing.",
            file=err,
        )
        return INTERRUPTED
    print(
        f"emrfs-xacct: {args.command} failed {partially}: {failure.error}\n"
        f"Fix the cause and run {args.command} again: it changes only what is still missing.",
        file=err,
    )
    return PARTIALLY_APPLIED


def _partially(failure: PartiallyAppliedError) -> str:
    """Where the apply phase stopped and what it applied: at a step (which may have made part of its changes), or after one."""
    if failure.step is None:  # a signal between two steps, or after the last one
        last = list(failure.result["applied"])[-1]
        return f"after step {last}, the steps after it (if any) not begun ({failure.result['summary']})"
    landed = failure.result.get("failed", {}).get("applied")
    itself = (
        f"the step itself: {_applied_line({failure.step: landed})}, and it may have made more"
        if landed
        else "the step itself may have made part of its changes"
    )
    return f"at step {failure.step}, partially applied (before it: {failure.result['summary']}; {itself})"


def _how(interrupt: BaseException) -> str:
    """What interrupted the run: Ctrl-C, SIGTERM (:func:`_sigterm_as_interrupt`), or stderr's reader gone."""
    if isinstance(interrupt, BrokenPipeError):
        return "stderr closed by its reader"
    return str(interrupt) or "Ctrl-C"


def _interrupted(interrupt: BaseException, args: argparse.Namespace, progress: ApplyProgress | None) -> tuple[str, int]:
    """
    Say what an interruption outside the apply phase (Ctrl-C, SIGTERM, or stdout's reader gone) leaves: nothing
    changed, or all of it; return the message and the exit status (:data:`INTERRUPTED`, whichever it was).
    """
    if progress is not None and progress.finished:  # in the output, after the writes: they stay
        state = "the same revoke with --dry-run" if args.command == "revoke" else "plan"
        return (
            f"{args.command} interrupted ({_how(interrupt)}) after applying ({progress.finished}): the changes stay "
            f"made; run {state} to see the state"
        ), INTERRUPTED
    return f"{args.command} interrupted ({_how(interrupt)}) before any change; nothing was changed", INTERRUPTED


def _raise_interrupt(_signal: int, _frame: Any) -> None:
    raise KeyboardInterrupt(TERMINATED)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """
    Within the block, SIGTERM (a CI cancel: GitHub Actions sends SIGINT, then SIGTERM 7.5 s later, "Workflow
    cancellation reference"; ``kill``) stops the command as Ctrl-C does, with the same report and exit status 130.
    Only in place of the default action (the console script's case): a program that calls :func:`main` with its
    own SIGTERM handler, or SIGTERM ignored (or a handler installed from C: ``signal.getsignal`` gives None), keeps
    it. The default is restored after. Only in the main thread: Python runs signal handlers there alone.
    """
    if not _main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """
    While the report of a failure is written, ignore a further SIGINT or SIGTERM (a second Ctrl-C; a CI's SIGTERM
    after its SIGINT), which would cut it short with a traceback; only where it would raise ``KeyboardInterrupt``
    (Python's SIGINT handler, :func:`_sigterm_as_interrupt`'s): another program's own handler is left in place.
    """
    ours = (signal.default_int_handler, _raise_interrupt)
    handlers = (
        {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)} if _main_thread() else {}
    )
    ignored = {number: handler for number, handler in handlers.items() if handler in ours}
    for number in ignored:
        signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        for number, handler in ignored.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    args = parser().parse_args(argv)
    progress = ApplyProgress()
    with _sigterm_as_interrupt(), _quiet(err, verbose=args.verbose):
        try:
            with shared_sessions():  # one session per connection and Region for the whole command
                return run(args, out, err, progress)
        except (Exception, KeyboardInterrupt) as error:
            with _uninterrupted():
                failure = _first_report(error)
                try:
                    if args.debug:  # where it failed, for a bug report: the message and the status stay the same
                        traceback.print_exception(failure, file=err)
                    return _failed(failure, args, out, err, progress)
                except BrokenPipeError:  # stderr's reader gone too (``2>&1 | head``): the status alone can tell
                    _to_devnull(err)
                    with open(os.devnull, "w") as nowhere:
                        return _failed(failure, args, nowhere, nowhere, progress)


def _first_report(error: BaseException) -> BaseException:
    """
    The failure to report: a second Ctrl-C or SIGTERM that landed while a partial apply's report was on its way up
    (before the report's signals were ignored) stands for that report, which holds what was applied.
    """
    context = error.__context__
    if isinstance(error, KeyboardInterrupt) and isinstance(context, PartiallyAppliedError):
        return context
    return error


def _failed(
    error: BaseException, args: argparse.Namespace, out: TextIO, err: TextIO, progress: ApplyProgress | None = None
) -> int:
    """Say on ``err`` what failed, naming the field, option, connection, step or call; return the exit status."""
    if isinstance(error, PartiallyAppliedError):
        return _partially_applied(error, args, out, err)
    message, status = f"{error}", 2
    # Outside the apply phase, or a read-only command; a BrokenPipeError is stderr's reader gone (its "Applied:" line).
    if isinstance(error, (KeyboardInterrupt, ReaderGoneError, BrokenPipeError)):
        message, status = _interrupted(error, args, progress)
    elif isinstance(error, AccessDeniedError):
        status = 3
    elif isinstance(error, CredentialsError):
        status = NO_CREDENTIALS
    elif isinstance(error, AwsCallError):
        message, status = _aws_call_failed(error.error, error.where, _connections_regions(args), region_source(args))
    elif isinstance(error, EmrfsXacctError):
        status = 2
    elif _from_botocore(error) or type(error).__module__.split(".")[0] in ("airflow", "botocore"):
        message, status = _aws_call_failed(error, None, _connections_regions(args), region_source(args))
    else:
        # A bug: show where, and exit with a status of its own (Python's own, 1, is verify's "broken link").
        if not args.debug:
            traceback.print_exception(error, file=err)
        message, status = f"unexpected error (a bug; please report it): {error!r}", INTERNAL_ERROR
    print(f"emrfs-xacct: {message}", file=err)
    return status


if __name__ == "__main__":
    sys.exit(main())
