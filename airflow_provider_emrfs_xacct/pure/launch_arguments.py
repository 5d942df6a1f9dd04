"""
The launch's own arguments, checked before any AWS call: ``job_flow_overrides``, the ``emr_conn_id`` extra, tags.

Pure: standard library and the provider's pure modules only. Each refusal names the field it comes
from (``job_flow_overrides.<key>``, or ``emr_conn_id '<id>' extra <key>``).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.cluster_config import CredentialsProvider, validate_cluster_name
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.pure.merge import load_argument_text
from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.pure.security_config import names_content, validate_security_configuration_name
from airflow_provider_emrfs_xacct.pure.validation import kind_of, refuse_rendered_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

#: Tags a cluster may carry: "Restrictions that apply to Amazon EC2 resources apply to Amazon EMR as well"
#: (Amazon EMR Management Guide, "Restrictions that apply to tagging resources in Amazon EMR"), and EC2
#: allows 50 user tags per resource (Amazon EC2 User Guide, "Tag restrictions").
MAX_CLUSTER_TAGS = 50
#: A cluster tag's key and value, in characters: "Restrictions that apply to Amazon EC2 resources apply to Amazon
#: EMR as well" (Amazon EMR Management Guide, "Restrictions that apply to tagging resources in Amazon EMR"); EC2's
#: "Maximum key length: 128 Unicode characters in UTF-8", "Maximum value length: 256" (Amazon EC2 User Guide,
#: "Tag restrictions"). The botocore model gives EMR's ``Tag`` no constraint, so nothing checks them before AWS.
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
#: The symbols a cluster tag may hold beside letters, numbers and spaces (the same EMR guide: "Keys and values can
#: contain any alphabetic character in any language, any numeric character, white spaces, invisible separators,
#: and the following symbols: _ . : / = + - @").
TAG_SYMBOLS = "_.:/=+-@"
OVERRIDES_FIELD = "job_flow_overrides"
#: Why a template of a tag may render as no string: ``render_template_as_native_obj=True`` reads what a template
#: renders as a Python literal, so ``"{{ params.year }}"`` of ``"2026"`` gives the number 2026, which botocore refuses
#: for a tag (its ``Value`` is a string: Amazon EMR API Reference, "Tag"). The provider's ``as_text`` filter
#: (``airflow_provider_emrfs_xacct.macros.as_text``) gives the text back; Jinja's ``tojson`` would write a character
#: beyond U+FFFF as two surrogates, and a tag may hold "any alphabetic character in any language" (Amazon EMR Management
#: Guide, "Restrictions that apply to tagging resources in Amazon EMR").
NATIVE_RENDERING_HINT = (
    " (with render_template_as_native_obj=True a template that renders as 2026 or true gives a number or a bool: "
    "render it with the provider's as_text filter, '{{ value | as_text }}' with "
    "user_defined_filters={'as_text': as_text} from airflow_provider_emrfs_xacct.macros, or put it in a longer text)"
)


#: The members of ``RunJobFlow``'s ``KerberosAttributes`` marked "Required: Yes" (Amazon EMR API Reference,
#: "KerberosAttributes": ``KdcAdminPassword``, "The password used within the cluster for the kadmin service on the
#: cluster-dedicated KDC", and ``Realm``, "The name of the Kerberos realm to which all nodes in a cluster belong").
KERBEROS_REQUIRED_ATTRIBUTES = ("Realm", "KdcAdminPassword")
#: Where AWS spells the Kerberos architectures that need more ``KerberosAttributes`` (Amazon EMR Management Guide,
#: "Create a security configuration", "JSON Reference for Kerberos Settings", and Kerberos "Configuration examples":
#: "Cluster-dedicated KDC with Active Directory cross-realm trust" and "External cluster KDC with Active Directory
#: cross-realm trust"): each path below ``KerberosConfiguration``, what it is, and the attributes it needs.
#: "Cross-realm trust principal password ... Required when establishing a cross-realm trust"; "Active Directory domain
#: join user ... Required when using Active Directory in a cross-realm trust"; "Active Directory domain join password:
#: The password for the Active Directory domain join user" (Amazon EMR Management Guide, "Security configuration and
#: cluster settings for Kerberos on Amazon EMR"). Whether a cluster-dedicated KDC's cross-realm trust is with Active
#: Directory the configuration does not say (its other realm may be an MIT KDC's): that one needs no join user here.
KERBEROS_ARCHITECTURE_ATTRIBUTES: tuple[tuple[tuple[str, str], str, tuple[str, ...]], ...] = (
    (
        ("ClusterDedicatedKdcConfiguration", "CrossRealmTrustConfiguration"),
        "a cross-realm trust",
        ("CrossRealmTrustPrincipalPassword",),
    ),
    (
        ("ExternalKdcConfiguration", "AdIntegrationConfiguration"),
        "Active Directory integration",
        ("ADDomainJoinUser", "ADDomainJoinPassword"),
    ),
)
#: The page each attribute's requirement is quoted from (``Realm`` and ``KdcAdminPassword``: "Required: Yes").
KERBEROS_SETTINGS_PAGE = (
    'Amazon EMR Management Guide, "Security configuration and cluster settings for Kerberos on Amazon EMR"'
)
#: Why a Kerberos security configuration and ``KerberosAttributes`` go together: "When you create a Kerberized
#: cluster, you specify the security configuration together with Kerberos attributes that are specific to the
#: cluster. You can't specify one set without the other, or an error occurs." (Amazon EMR Management Guide,
#: "Security configuration and cluster settings for Kerberos on Amazon EMR").
KERBEROS_TOGETHER = (
    "EMR launches a Kerberized cluster only with both (\"You can't specify one set without the other, or an error "
    'occurs": Amazon EMR Management Guide, "Security configuration and cluster settings for Kerberos on Amazon EMR")'
)


def connection_extra_field(emr_conn_id: str | None) -> str:
    """Return how a refusal names the ``emr_conn_id`` extra (``emr_conn_id 'emr_default' extra``)."""
    return f"emr_conn_id {emr_conn_id!r} extra"


def named_where_given(error: InvalidParameterError, fields: dict[str, str]) -> InvalidParameterError:
    """
    ``error`` naming the ``RunJobFlow`` argument where it was given: ``fields`` maps each top-level key to how a
    refusal names it (``job_flow_overrides.Configurations``, or ``emr_conn_id 'emr_default' extra Configurations``
    when the overrides leave it to the connection's extra), and the launch's checks name them as the overrides'.
    """
    shown = field_where_given(error.field, fields)
    return error if shown is None else InvalidParameterError(shown, error.problem)


def conflict_named_where_given(error: ConflictError, fields: dict[str, str]) -> ConflictError:
    """
    :func:`named_where_given` for a retried launch's active cluster launched with other arguments
    (``job_flow_overrides.JobFlowRole`` when the ``emr_conn_id`` extra gave the instance profile).
    """
    shown = field_where_given(error.field, fields)
    if shown is None or error.field is None:
        return error
    message = str(error.args[0]).removeprefix(f"{error.field}: ")
    return ConflictError(message, error.document, field=shown)


@contextmanager
def conflicts_named_where_given(fields: dict[str, str]) -> Iterator[None]:
    """Raise a :class:`ConflictError` of the block naming its argument where it was given (:func:`conflict_named_where_given`)."""
    try:
        yield
    except ConflictError as error:
        raise conflict_named_where_given(error, fields) from None


def field_where_given(field: str | None, fields: dict[str, str]) -> str | None:
    """
    How ``field`` (``job_flow_overrides.<key>...``) is named where its top-level key was given (``fields``, as
    :func:`named_where_given` takes them); ``None``: as it is.
    """
    for key, shown in fields.items():
        default = f"{OVERRIDES_FIELD}.{key}"
        if field is None or shown == default or not field.startswith(default):
            continue
        rest = field[len(default) :]
        if rest[:1] in ("", ".", "["):
            return shown + rest
    return None


def require_tag_dicts(tags: Any, field: str) -> None:
    """Refuse ``Tags`` that are not a list of ``{"Key", "Value"}`` dicts."""
    if not isinstance(tags, list) or not all(isinstance(tag, dict) for tag in tags):
        raise InvalidParameterError(field, f"must be a list of {{'Key', 'Value'}} dicts, got {tags!r}")


def tuples_as_lists(value: Any) -> Any:
    """
    ``value`` with every tuple in it, at any depth, a list (dicts copied, their keys kept): ``RunJobFlow`` arguments as
    the launch's checks read them.

    botocore takes a tuple wherever the API takes a list (``botocore.validate``: a ``list`` shape is valid as
    ``(list, tuple)``), and Airflow's templater keeps a tuple a tuple (as does a Python-literal string), so
    ``"InstanceGroups": (master, core)`` reaches ``RunJobFlow`` as given; the launch's checks, which read lists, would
    pass over a tuple's settings (an instance group's own ``Configurations``: Amazon EMR API Reference,
    "InstanceGroupConfig", "InstanceTypeConfig") or refuse tuple ``Tags`` botocore sends. Made lists once where the
    arguments enter the launch, every later check sees them, and ``RunJobFlow`` gets the lists checked. So is any other
    sequence but text: what a DAG's XComArg resolves to, a mapped task's output (``LazyXComSequence``) or ``.map()``,
    ``zip()``, ``.concat()`` of one (``_MapResult``, ``_ZipResult``, ``_ConcatResult``), e.g. the role mappings of
    ``role_mappings=prefixes.output.map(...)``; botocore would refuse it, json.dumps could not write it.
    """
    if isinstance(value, dict):
        return {key: tuples_as_lists(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray, memoryview)):
        return [tuples_as_lists(item) for item in value]
    return value


def parse_job_flow_overrides(overrides: Any) -> dict[str, Any]:
    """
    Return ``job_flow_overrides`` as a dict of ``RunJobFlow`` arguments, each tuple in it a list (:func:`tuples_as_lists`).

    A string (a rendered template) is read as JSON, else as a Python literal; anything else that is
    not a dict, or ``Tags`` that are not a list of dicts, is refused.
    """
    if isinstance(overrides, str):
        try:  # a name given twice in one object is refused naming the field (load_argument_text)
            overrides = load_argument_text(overrides, OVERRIDES_FIELD, python_literal=True)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
            if isinstance(error, InvalidParameterError):
                raise
            raise InvalidParameterError(
                OVERRIDES_FIELD, f"is a string that is neither JSON nor a Python literal ({kind_of(overrides)})"
            ) from None
    if not isinstance(overrides, dict):
        raise InvalidParameterError(
            OVERRIDES_FIELD, f"must be a dict of RunJobFlow arguments, got {kind_of(overrides)}"
        )
    overrides = tuples_as_lists(overrides)
    require_tag_dicts(overrides.get("Tags", []), f"{OVERRIDES_FIELD}.Tags")
    return dict(overrides)


def validate_launch_arguments(
    security_configuration: Any,
    emrfs_credentials_provider: Any,
    emrfs_site_properties: Any,
    security_configuration_document: Any = None,
) -> tuple[str | None, CredentialsProvider | None, dict[str, str]]:
    """
    Return the validated security configuration name, credentials provider and ``emrfs-site`` properties.

    The dict fields given as text (a template rendered as text) are refused first, the document's too.
    """
    # The dict fields a template gives as text in a DAG that renders templates as text.
    refuse_rendered_text(emrfs_credentials_provider, "emrfs_credentials_provider", "dict")
    refuse_rendered_text(emrfs_site_properties, "emrfs_site_properties", "dict")
    refuse_rendered_text(security_configuration_document, "security_configuration_document", "dict")
    name = None
    if security_configuration is not None:
        # An existing configuration, maybe not made by this provider: EMR's own constraint, not
        # the provider's stricter pattern for the names it makes.
        name = validate_security_configuration_name(security_configuration, "security_configuration")
    provider = None
    if emrfs_credentials_provider is not None:
        provider = CredentialsProvider.parse(emrfs_credentials_provider)
    site = emrfs_site_properties or {}
    if not isinstance(site, dict) or not all(isinstance(v, str) and isinstance(k, str) for k, v in site.items()):
        raise InvalidParameterError("emrfs_site_properties", f"must be a dict of strings to strings, got {site!r}")
    return name, provider, site


def validate_run_job_flow_names(extra: dict[str, Any], overrides: dict[str, Any], extra_field: str) -> None:
    """
    Refuse a ``SecurityConfiguration`` or cluster ``Name`` that ``RunJobFlow`` would refuse, naming where it came from.

    A cluster name comes from user input (the example DAGs make it from the partner's name); EMR
    refuses one past 256 characters (Amazon EMR API Reference, RunJobFlow) after the tasks before
    the launch changed AWS.

    :param extra_field: how refusals name the ``emr_conn_id`` extra (:func:`connection_extra_field`).
    """
    validators: tuple[tuple[str, Callable[[Any, str], str]], ...] = (
        ("SecurityConfiguration", validate_security_configuration_name),
        ("Name", validate_cluster_name),
    )
    for key, validate in validators:
        if overrides.get(key) is not None:
            validate(overrides[key], f"{OVERRIDES_FIELD}.{key}")
        if extra.get(key) is not None:
            validate(extra[key], f"{extra_field} {key}")


def refuse_too_many_tags(config: dict[str, Any], field: str) -> None:
    """Refuse more tags than a cluster takes beside the idempotency tag (EMR would refuse ``RunJobFlow``)."""
    tags = [tag for tag in config.get("Tags") or [] if tag.get("Key") != IDEMPOTENCY_TAG]
    if len(tags) >= MAX_CLUSTER_TAGS:
        raise InvalidParameterError(
            field,
            f"has {len(tags)} tags; a cluster takes at most {MAX_CLUSTER_TAGS - 1} besides the provider's "
            f"{IDEMPOTENCY_TAG} ({MAX_CLUSTER_TAGS} in all, the EC2 tag limit EMR applies)",
        )


def tag_character_refused(text: str) -> str | None:
    """Return the first character of ``text`` an EMR cluster tag may not hold (``None``: every one is allowed)."""
    for character in text:
        # L: letters of any language; N: numbers; Z: spaces and separators (the invisible ones too). EMR's page says
        # "white spaces"; a tab or a line break is a control character (Cc), which AWS's tag pattern
        # ``[\p{L}\p{Z}\p{N}_.:/=+\-@]*`` leaves out (IAM API Reference, "Tag"): refused on the safe side.
        if unicodedata.category(character)[0] in "LNZ" or character in TAG_SYMBOLS:
            continue
        return character
    return None


def validate_cluster_tags(config: dict[str, Any], field: str) -> None:
    """
    Refuse a cluster tag ``RunJobFlow`` would refuse, naming it (``<field>[<index>].Key`` or ``.Value``).

    Tags are often made from the run (``{"Key": "run", "Value": "{{ run_id }}"}``), and a run id may be
    anything a user typed (``airflow dags trigger --run-id``: up to 250 characters, commas, ``#``, quotes);
    moto, and botocore, whose model constrains neither, take every one of them, and EMR refuses the launch
    only after the run's provisioning tasks changed AWS. EMR's rules (Amazon EMR Management Guide,
    "Restrictions that apply to tagging resources in Amazon EMR"): a key of 1-128 characters, a value of
    at most 256 (not null), both of letters, numbers, white space and ``_ . : / = + - @`` only, and
    neither starting with ``aws:`` ("reserved for AWS use"; Amazon EC2 User Guide, "Tag restrictions": in
    any upper or lowercase combination). A tag without a ``Value`` is taken: "A user-defined value, which is
    optional in a tag" (Amazon EMR API Reference, "Tag"); one given as ``None`` or a number is refused (botocore
    would refuse it as no string).
    """
    for index, tag in enumerate(config.get("Tags") or []):
        for part, limit, minimum in (("Key", MAX_TAG_KEY_LENGTH, 1), ("Value", MAX_TAG_VALUE_LENGTH, 0)):
            if part == "Value" and part not in tag:
                continue
            where = f"{field}[{index}].{part}"
            text = tag.get(part)
            if not isinstance(text, str):
                raise InvalidParameterError(
                    where,
                    f"must be a string, got {kind_of(text)}" + (NATIVE_RENDERING_HINT if text is not None else ""),
                )
            if not minimum <= len(text) <= limit:
                raise InvalidParameterError(
                    where, f"has {len(text)} characters; an EMR cluster tag's {part.lower()} has {minimum}-{limit}"
                )
            refused = tag_character_refused(text)
            if refused is not None:
                raise InvalidParameterError(
                    where,
                    f"holds {refused!r}, which an EMR cluster tag may not: only letters, numbers, spaces and "
                    f"{' '.join(TAG_SYMBOLS)} (got {text!r})",
                )
            if text[:4].lower() == "aws:":
                raise InvalidParameterError(
                    where, f"starts with {text[:4]!r}, a prefix reserved for AWS (got {text!r})"
                )


def run_job_flow_field(key: str, overrides: Mapping[str, Any], extra: Mapping[str, Any], extra_field: str) -> str:
    """
    How a refusal names the top-level ``RunJobFlow`` argument ``key``: the connection extra's (``<extra_field> <key>``)
    when only the extra has it (the overrides replace the extra key by key), else ``job_flow_overrides.<key>``, also
    when neither has it: where a DAG author would add it.
    """
    return f"{extra_field} {key}" if key in extra and key not in overrides else f"{OVERRIDES_FIELD}.{key}"


def kerberos_configuration(document: Mapping[str, Any]) -> Any:
    """A security configuration's ``AuthenticationConfiguration.KerberosConfiguration`` (``None``: it has none)."""
    authentication = document.get("AuthenticationConfiguration")
    return authentication.get("KerberosConfiguration") if isinstance(authentication, dict) else None


def required_kerberos_attributes(kerberos: Any, attributes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """
    The ``KerberosAttributes`` a launch with the Kerberos section ``kerberos`` needs, each with why.

    ``Realm`` and ``KdcAdminPassword`` always ("Required: Yes": Amazon EMR API Reference, "KerberosAttributes"), and
    those of the architecture the section sets up (:data:`KERBEROS_ARCHITECTURE_ATTRIBUTES`); ``ADDomainJoinPassword``
    also beside an ``ADDomainJoinUser`` given ("The Active Directory password for ADDomainJoinUser", the same API page).
    """
    required = [
        (key, '(Amazon EMR API Reference, "KerberosAttributes": "Required: Yes")')
        for key in KERBEROS_REQUIRED_ATTRIBUTES
    ]
    for (section, part), what, keys in KERBEROS_ARCHITECTURE_ATTRIBUTES:
        holder = kerberos.get(section) if isinstance(kerberos, dict) else None
        if isinstance(holder, dict) and holder.get(part) is not None:
            why = f"(its KerberosConfiguration.{section}.{part} sets up {what}: {KERBEROS_SETTINGS_PAGE})"
            required.extend((key, why) for key in keys)
    if attributes.get("ADDomainJoinUser") is not None:
        required.append(
            ("ADDomainJoinPassword", '(ADDomainJoinUser is given: Amazon EMR API Reference, "KerberosAttributes")')
        )
    return required


def refuse_unpaired_kerberos(
    document: Mapping[str, Any] | None, name: str | None, config: Mapping[str, Any], field: str
) -> None:
    """
    Refuse a launch whose security configuration and ``KerberosAttributes`` do not come together, before any write.

    A security configuration with ``AuthenticationConfiguration.KerberosConfiguration`` needs the cluster's
    ``KerberosAttributes`` with ``Realm`` and ``KdcAdminPassword`` strings, and those its architecture needs (a
    cross-realm trust's ``CrossRealmTrustPrincipalPassword``, Active Directory integration's ``ADDomainJoinUser`` and
    ``ADDomainJoinPassword``: :func:`required_kerberos_attributes`); ``KerberosAttributes`` need such a configuration
    (:data:`KERBEROS_TOGETHER`): EMR refuses either alone only at ``RunJobFlow``, after the run's provisioning tasks
    (and a re-created configuration) changed AWS. No value of the attributes is shown: they hold passwords.

    :param document: the security configuration's document; ``None``: the launch has no security configuration (a
        dry run whose configuration is not known yet does not call this).
    :param name: the security configuration's name, for messages.
    :param config: the ``RunJobFlow`` arguments (``job_flow_overrides`` over the ``emr_conn_id`` extra).
    :param field: how a refusal names ``KerberosAttributes`` (:func:`run_job_flow_field`).
    """
    kerberos = None if document is None else kerberos_configuration(document)
    attributes = config.get("KerberosAttributes")
    if attributes is None:
        if kerberos is not None:
            raise InvalidParameterError(
                field,
                f"is missing, but security configuration {name!r} has AuthenticationConfiguration."
                f"KerberosConfiguration: {KERBEROS_TOGETHER}; give KerberosAttributes with Realm and KdcAdminPassword "
                '(Amazon EMR API Reference, "KerberosAttributes"), or launch with a configuration without Kerberos',
            )
        return
    if kerberos is None:
        configuration = (
            "the launch has no security configuration"
            if document is None
            else f"security configuration {name!r} has no AuthenticationConfiguration.KerberosConfiguration"
        )
        raise InvalidParameterError(
            field,
            f"is given, but {configuration}: {KERBEROS_TOGETHER}; remove KerberosAttributes, or launch with a "
            "security configuration that has a KerberosConfiguration",
        )
    if not isinstance(attributes, dict):
        raise InvalidParameterError(
            field, f"must be a dict with Realm and KdcAdminPassword strings, got {kind_of(attributes)}"
        )
    for key, why in required_kerberos_attributes(kerberos, attributes):
        if not isinstance(attributes.get(key), str):
            got = "none" if attributes.get(key) is None else kind_of(attributes[key])
            raise InvalidParameterError(
                f"{field}.{key}",
                f"must be a string with security configuration {name!r}, which has a KerberosConfiguration {why}; "
                f"got {got}",
            )


def instance_profile_problem(profile: str, roles: list[dict[str, Any]]) -> str | None:
    """
    What EMR refuses in the launch's instance profile (``JobFlowRole``), as IAM answers it (``None``: nothing).

    "Amazon EC2 allows you to create instance profiles and roles with different names, but Amazon EMR does not
    support this configuration, and it results in an 'invalid instance profile' error when you create the cluster"
    (Amazon EMR Management Guide, "Customize IAM roles with Amazon EMR"). A profile without a role gives the
    instances no credentials: EMRFS would have no role to assume the mapped roles with.
    """
    if not roles:
        return (
            f"instance profile {profile} holds no role: add the EMR EC2 role of the same name "
            f"(aws iam add-role-to-instance-profile --instance-profile-name {profile} --role-name {profile})"
        )
    name = roles[0].get("RoleName")
    if name == profile:
        return None
    return (
        f"instance profile {profile} holds the role {name}, of another name, which EMR does not support (Amazon EMR "
        'Management Guide, "Customize IAM roles with Amazon EMR": an "invalid instance profile" error when the '
        f"cluster is created); launch with an instance profile named {name} that holds it (aws iam "
        f"create-instance-profile --instance-profile-name {name}; aws iam add-role-to-instance-profile "
        f"--instance-profile-name {name} --role-name {name})"
    )


def launch_security_configuration(
    config: dict[str, Any], name: str | None, field: str = f"{OVERRIDES_FIELD}.SecurityConfiguration"
) -> str | None:
    """
    Return the configuration to launch with: ``security_configuration``, else the arguments' own (they must agree).

    :param field: how a refusal names the arguments' ``SecurityConfiguration``: the overrides', or the connection
        extra's when only the extra has it (:func:`run_job_flow_field`).
    """
    given = config.get("SecurityConfiguration")
    if name is not None and given not in (None, name):
        raise InvalidParameterError(field, f"is {given!r} but security_configuration is {name!r}")
    return name or given


def validate_configuration_document(name: str | None, document: Any) -> None:
    """Refuse a ``security_configuration_document`` that is not the content of the configuration's name."""
    if document is None:
        return
    if name is None:
        raise InvalidParameterError("security_configuration_document", "is given without security_configuration")
    if not names_content(name, document):
        raise InvalidParameterError(
            "security_configuration_document",
            f"is not the content of {name!r}: a content-named configuration ends in the hash of its document "
            "(the one CreateEmrfsSecurityConfigOperator ensured for that name)",
        )


def task_instance_key(dag_id: str, run_id: str, task_id: str, map_index: int | None) -> str:
    """
    Return the hash of a task instance's identity: the same in every deployment that runs this DAG run.

    It is the whole idempotency key of the releases before the deployment part (``launch_key``).
    """
    identity = json.dumps([dag_id, run_id, task_id, map_index])
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def deployment_key(deployment_name: str | None, run_start: datetime | None) -> str:
    """
    Return the hash of what tells one Airflow deployment's try of a task instance from another deployment's.

    Two deployments running one DAG in one EMR account and Region (a staging copy of production) give a
    scheduled run the same id (``scheduled__<date>``): the task instance alone does not tell their clusters
    apart. ``deployment_name`` (``[emrfs_xacct] deployment_name``) does when it is set, and stays the same
    across every try. Without it, the DAG run's start date: set when the deployment's scheduler starts the
    run, kept across retries, deferrals and the tasks cleared while the run is running, but set anew when a
    finished run is cleared (``clear_task_instances`` in ``airflow/models/taskinstance.py``) or a run is set
    back to queued, or from finished to running (``DagRun.set_state`` in ``airflow/models/dagrun.py``).
    """
    identity: list[str | None]
    if deployment_name:
        identity = ["deployment", deployment_name]
    elif run_start is None:
        identity = ["run started", None]
    else:
        # A naive time is UTC: "Airflow stores datetime information in UTC internally and in the database"
        # (Airflow documentation, "Time Zones"); astimezone would read it as the worker's local time, which
        # may differ between the workers of one deployment and then between the tries of one launch.
        aware = run_start.replace(tzinfo=timezone.utc) if run_start.tzinfo is None else run_start
        identity = ["run started", aware.astimezone(timezone.utc).isoformat()]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]


def launch_key(task_instance: str, deployment: str) -> str:
    """Return the idempotency key of a launch: ``<task_instance_key>.<deployment_key>``."""
    return f"{task_instance}.{deployment}"


def same_task_instance(key: str, other: str) -> bool:
    """Return whether two keys name one task instance (in any deployment; an earlier release's key is that part alone)."""
    return key.partition(".")[0] == other.partition(".")[0]


def idempotency_tag_value(tags: Iterable[Mapping[str, Any]]) -> str | None:
    """Return the value of a cluster's idempotency tag (``None``: it has none)."""
    return next((str(tag.get("Value")) for tag in tags if tag.get("Key") == IDEMPOTENCY_TAG), None)


def with_idempotency_tag(config: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``RunJobFlow`` arguments whose tags end with the idempotency tag ``key`` (and carry no other one)."""
    tags = [tag for tag in config.get("Tags") or [] if tag.get("Key") != IDEMPOTENCY_TAG]
    return {**config, "Tags": [*tags, {"Key": IDEMPOTENCY_TAG, "Value": key}]}


def idempotency_key_of(config: dict[str, Any]) -> str | None:
    """Return the idempotency key ``RunJobFlow`` arguments are tagged with (``None``: untagged)."""
    return next((tag["Value"] for tag in config.get("Tags") or [] if tag.get("Key") == IDEMPOTENCY_TAG), None)


def has_idempotency_tag(tags: Iterable[Mapping[str, Any]], key: str | None = None) -> bool:
    """Return whether a cluster's tags carry the provider's idempotency tag (with the value ``key``, when given)."""
    return any(tag.get("Key") == IDEMPOTENCY_TAG and key in (None, tag.get("Value")) for tag in tags)


def missing_configuration_error(name: str, account: str, region: str | None) -> PreconditionError:
    """Return the refusal of a launch whose security configuration does not exist and cannot be created again."""
    return PreconditionError(
        f"security_configuration: EMR security configuration {name!r} does not exist in account "
        f"{account} and region {region}, and its document is not known here (give "
        "security_configuration_document, or the create task's .output as security_configuration, or map the "
        "launch over a mapped create task's .output: a name from a task of your own leaves no create task "
        "to read); create it "
        "first (CreateEmrfsSecurityConfigOperator). If this run's create task returned it, "
        "DeleteUnusedSecurityConfigsOperator may have deleted it since: clear the create task"
    )
