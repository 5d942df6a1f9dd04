"""
One call per partner: a TaskGroup that provisions and verifies the whole cross-account chain.

:func:`partner_access` builds, in a TaskGroup, the article's chain for one partner: the destination
role in the destination account, the EMR EC2 role's permission to assume it, the role as a key user
of the bucket's KMS key, the EMRFS security configuration mapping the partner prefix to the role,
and the verifier that reads both accounts back. It returns what the launch needs::

    access = partner_access(
        partner="acme",
        destination_prefix="s3://partner-results/acme/",
        kms_key_arn="arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        emr_ec2_role_arn="arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
        emr_account_id="111111111111",
        destination_account_id="222222222222",
    )
    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster", security_configuration=access.security_configuration, ...
    )
    access.task_group >> cluster

The arguments the operators take as template fields (the prefix, the key, the EMR EC2 role's ARN, the
names, the connections, the release, the account pins, ``dry_run``) may be a Jinja template, an
``XComArg`` (an upstream task's output, e.g. the EMR EC2 role's ARN) or, inside a mapped task group
(``@task_group(...).expand_kwargs(...)``), the group's mapped arguments: one call then provisions one
partner per map index (see ``dags/emrfs_xacct_many_partners.py``). Those that shape the DAG
(``partner``, ``group_id``, ``verify_access``, ``shared_documents_pool``) and ``settle_seconds`` must be
known when the DAG is parsed, and are refused otherwise, naming the argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.sdk import TaskGroup, TriggerRule
from airflow.sdk.definitions._internal.mixins import ResolveMixin
from airflow.sdk.exceptions import DuplicateTaskIdFound

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, XComArg

DEFAULT_EMR_CONN_ID = "aws_emr_account"
DEFAULT_DESTINATION_CONN_ID = "aws_destination_account"


@dataclass(frozen=True)
class PartnerAccess:
    """
    What :func:`partner_access` built.

    :param task_group: the group; put the launch downstream of it (``access.task_group >> launch``),
        so that it waits for the verifier and every grant.
    :param security_configuration: the security configuration's name (XComArg), for the launch.
    :param destination_role_arn: the destination role's ARN (XComArg).
    """

    task_group: TaskGroup
    security_configuration: XComArg
    destination_role_arn: XComArg


def argument(name: str) -> str:
    """How a refusal names an argument of :func:`partner_access`: as the DAG author wrote it."""
    return f"partner_access({name}=...)"


def _given(value: Any, name: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidParameterError(argument(name), "must be given")
    return value


def _known(value: Any) -> bool:
    """Whether ``value`` is known when the DAG is parsed: not a template, an ``XComArg`` or a mapped argument."""
    if isinstance(value, ResolveMixin):  # XComArg, MappedArgument
        return False
    return not (isinstance(value, str) and ("{{" in value or "{%" in value))


def _emr_ec2_role_name(role_arn: Any) -> Any:
    """
    What the tasks that take the EMR EC2 role (the assume grant, the verifier) get for ``role_arn``: the ARN itself.

    A string, a template, an upstream task's output or a mapped argument: those tasks take a role's name or its ARN,
    cut its name once resolved and refuse an ARN outside their connection's partition or account, naming
    ``emr_ec2_role_arn``. Cut to its name here, a string or template ARN of another account or partition reached
    them unchecked: the role of that name in the EMR account got the grant.
    """
    if isinstance(role_arn, ResolveMixin) or (isinstance(role_arn, str) and (not _known(role_arn) or "/" in role_arn)):
        return role_arn
    raise InvalidParameterError(
        argument("emr_ec2_role_arn"),
        "must be a role ARN ending in /<role name>: a string, a template, or an upstream task's output "
        f"(XComArg), got {role_arn!r}",
    )


def _check_known_arguments(arguments: dict[str, Any]) -> None:
    """
    Check each argument known when the DAG is parsed with its task's own rule, naming the argument.

    Cheap checks of the pure core (string rules, no AWS call, no hook): a value known only at run time is
    checked by the task, and refused naming the argument too (the tasks' ``argument_names``).
    """
    from airflow_provider_emrfs_xacct.operators.base import pinned_account
    from airflow_provider_emrfs_xacct.pure import validation

    def conn_id(default_chain: bool) -> Any:
        return lambda value, field: validation.validate_conn_id(value, field, default_chain=default_chain)

    # A pin known only at run time may render to None (a native-rendered empty param): the destination
    # tasks would then act unpinned, so the default chain needs a pin known now.
    pin = arguments["destination_account_id"]
    pinned = pin is not None and _known(pin)
    checks: dict[str, Any] = {
        "role_name": validation.validate_role_name,
        "name_prefix": _validate_name_prefix,
        "destination_prefix": validation.parse_s3_location,
        "emr_ec2_role_arn": validation.validate_own_role_arn,  # a service-linked role too (its path)
        "kms_key_arn": validation.validate_kms_key_arn,
        "emr_aws_conn_id": conn_id(default_chain=True),
        # None: boto3's default chain, the worker's own credentials in whatever account they are.
        "destination_aws_conn_id": conn_id(default_chain=pinned),
        "release_label": validation.parse_release_label,
        "settle_seconds": validation.validate_positive_number,
        "emr_account_id": pinned_account,
        "destination_account_id": pinned_account,
        "dry_run": validation.validate_bool,
        "assume_policy_name": validation.validate_policy_name,
    }
    optional = {
        "kms_key_arn",
        "release_label",
        "settle_seconds",
        "emr_account_id",
        "destination_account_id",
        "dry_run",
        "assume_policy_name",
    }
    for name, check in checks.items():
        value = arguments[name]
        if _known(value) and not (value is None and name in optional):
            check(value, argument(name))
    _check_known_pairs(arguments)
    if arguments["settle_seconds"] is not None and not _known(arguments["settle_seconds"]):
        raise InvalidParameterError(
            argument("settle_seconds"),
            "must be a number known when the DAG is parsed (the tasks do not template it), not a template or an "
            f"upstream task's output: got {arguments['settle_seconds']!r}",
        )
    if not isinstance(arguments["verify_access"], bool):
        raise InvalidParameterError(
            argument("verify_access"), f"must be True or False, got {arguments['verify_access']!r}"
        )


def _check_known_pairs(arguments: dict[str, Any]) -> None:
    """Check together the (already checked) arguments a later task uses together, when both are known."""
    from airflow_provider_emrfs_xacct.pure import validation

    role, key = arguments["emr_ec2_role_arn"], arguments["kms_key_arn"]
    if key is not None and _known(role) and _known(key):
        # The destination role trusts the EMR EC2 role and uses the key: one partition for both (IAM and KMS
        # do not grant across partitions; "ARNs for Amazon Web Services in China": arn:aws-cn:…).
        where = f"{argument('emr_ec2_role_arn')} ({role!r})"
        validation.require_partition(key, validation.partition_of_arn(role), argument("kms_key_arn"), where)
    emr_pin = _known_pin(arguments["emr_account_id"], "emr_account_id")
    if emr_pin is not None and _known(role) and _known(emr_pin):
        # The destination role, whose task runs first, would trust a role of another account than the EMR one's.
        where = f"{argument('emr_account_id')} ({emr_pin!r})"
        validation.require_account(role, emr_pin, argument("emr_ec2_role_arn"), where)
    destination_pin = _known_pin(arguments["destination_account_id"], "destination_account_id")
    if key is not None and destination_pin is not None and _known(key) and _known(destination_pin):
        # The key grant acts in the destination account, and PutKeyPolicy is not cross-account ("Cross-account use:
        # No", AWS KMS API Reference, PutKeyPolicy): it refused the key only after the destination role was written.
        where = f"{argument('destination_account_id')} ({destination_pin!r})"
        validation.require_account(key, destination_pin, argument("kms_key_arn"), where)


def _known_pin(value: Any, name: str) -> Any:
    """
    An account pin as the tasks read it (:func:`~airflow_provider_emrfs_xacct.operators.base.pinned_account`), when known.

    An id given as a number (``111111111111``, or ``11111111111`` for ``011111111111``) is the 12-digit id, zero-padded:
    compared as given with an ARN's account (text), it was refused as another account than its own. A value known only
    at run time (a template, an upstream task's output) is left as it is, for the tasks to read.
    """
    from airflow_provider_emrfs_xacct.operators.base import pinned_account

    if value is None or not _known(value):
        return value
    return pinned_account(value, argument(name))


def _checked_ahead(arguments: dict[str, Any], verify_access: bool) -> dict[str, Any] | None:
    """
    What the first task checks for the later ones (``EnsureDestinationRoleOperator(checked_ahead=...)``), or ``None``.

    The names and the release known only at run time (those known now were checked above); the release only for the
    verifier, which alone uses it. The key always when given: the key grant, on the same connection, refuses a key
    of another Region than that connection's (known only at run time) or of another account than the one it acts in.
    """
    later = {
        "name_prefix": arguments["name_prefix"],
        "policy_name": arguments["assume_policy_name"],
        "release_label": arguments["release_label"] if verify_access else None,
    }
    ahead = {field: value for field, value in later.items() if value is not None and not _known(value)}
    if arguments["kms_key_arn"] is not None:
        ahead["key_user_key"] = arguments["kms_key_arn"]
    return ahead or None


def _safety(dry_run: Any, account_id: Any) -> dict[str, Any]:
    """The contract arguments given (those not given stay the operators' own, e.g. from ``default_args``)."""
    given = {"dry_run": dry_run, "expected_account_id": account_id}
    return {name: value for name, value in given.items() if value is not None}


def _trusted_account(emr_account_id: Any, emr_aws_conn_id: Any) -> dict[str, Any]:
    """
    What the destination role's task checks the EMR EC2 role's ARN against, once resolved: the pin, else the connection.

    That task runs first: an ARN of another account (a template, an XComArg) reached IAM as that role's trust before
    the assume grant refused it. With the pin the task needs no call (a pin that resolves to ``None`` is refused
    there, as by the EMR side's tasks, before any write); without it, it reads the account the EMR connection acts
    in (no write); with ``emr_aws_conn_id=None``, the one boto3's default chain acts in, as the EMR side's tasks then
    do (``trusted_default_chain``).
    """
    given = {"trusted_account_id": emr_account_id, "trusted_aws_conn_id": emr_aws_conn_id}
    chosen: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if emr_aws_conn_id is None and emr_account_id is None:
        chosen["trusted_default_chain"] = True
    return chosen


def _validate_name_prefix(value: Any, field: str) -> str:
    """A security configuration's name prefix, as ``CreateEmrfsSecurityConfigOperator`` checks it."""
    from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name_prefix

    return validate_security_configuration_name_prefix(value, field)


def _named(task: BaseOperator, fields: dict[str, str | None]) -> None:
    """Make ``task``'s refusals of ``fields`` name the argument each came from (``None``: from none, e.g. ``default_args``)."""
    task.argument_names = {field: argument(name) for field, name in fields.items() if name is not None}


def partner_names(partner: str, field: str = "partner") -> tuple[str, str]:
    """
    Return the destination role's name (``emrfs-<partner>-writer``) and the security configurations'
    name prefix (``emrfs-xacct-<partner>``) made from a partner's name; refuse a name that makes either invalid.

    Checked where the partner's name is given: the task that uses a derived name would find it only
    after the tasks before it changed AWS (the role before the configuration's prefix). IAM takes role
    names of 1-64 letters, digits and ``+=,.@_-`` (IAM API Reference, "CreateRole": ``RoleName``), so a
    partner's name has at most 51 characters.

    :param field: the name of the user's field, for the error.
    """
    from airflow_provider_emrfs_xacct.pure.validation import validate_role_name

    role_name, name_prefix = f"emrfs-{partner}-writer", f"emrfs-xacct-{partner}"
    for name, validate in ((role_name, validate_role_name), (name_prefix, _validate_name_prefix)):
        try:
            validate(name, field)
        except InvalidParameterError as error:
            raise InvalidParameterError(field, f"makes the name {name!r}, which is refused: {error.problem}") from None
    return role_name, name_prefix


def partner_group_id(partner: str) -> str:
    """
    The id of a partner's group: ``partner_<partner>`` with ``-`` and ``.`` as ``_``.

    Airflow takes group ids of letters, digits, ``-`` and ``_`` only; a partner's name may also hold a ``.``
    (its role name and name prefix take one).
    """
    return "partner_" + partner.replace("-", "_").replace(".", "_")


def _partner_group(group_id: str, partner: str | None) -> TaskGroup:
    """
    The group of one ``partner_access`` call.

    :param partner: the partner whose name made ``group_id`` (``None``: the caller gave it): a group id
        already in use is then refused naming ``partner``.
    """
    if not isinstance(group_id, str) or not _known(group_id):
        raise InvalidParameterError(
            argument("group_id"),
            f"must be a plain string (it names the tasks when the DAG is parsed), got {group_id!r}",
        )
    try:
        return TaskGroup(group_id=group_id, tooltip="Cross-account EMRFS access")
    except DuplicateTaskIdFound:
        if partner is None:
            raise
        raise InvalidParameterError(
            argument("partner"),
            f"{partner!r} makes the group id {group_id!r}, which another group of this DAG (or of its enclosing "
            "group) already has (a partner_access call for this partner, or one whose name differs only in '-', "
            "'.' or '_'): give group_id",
        ) from None


def _refuse_role_in_another_case(role: EnsureDestinationRoleOperator, name: str) -> None:
    """
    Refuse a destination role another ``partner_access`` call of the DAG names in another case.

    IAM role names "are not distinguished by case" (IAM API Reference, "CreateRole", ``RoleName``): both groups would
    write one role, each adding its prefix to it, so each partner's mapping could write the other's prefix. The same
    name in the same case (one partner's chain built twice, with its own ``group_id``) is allowed.
    """
    ours = role.role_name
    if role.dag is None or not isinstance(ours, str) or not _known(ours):
        return
    for task in role.dag.tasks:
        theirs = getattr(task, "role_name", None) if isinstance(task, EnsureDestinationRoleOperator) else None
        if isinstance(theirs, str) and theirs != ours and theirs.lower() == ours.lower():
            raise InvalidParameterError(
                argument(name),
                f"makes the role name {ours!r}, which IAM does not tell apart from {theirs!r} of task "
                f"{task.task_id!r} (role names are not distinguished by case): one role would serve both",
            )


def partner_access(
    *,
    destination_prefix: Any,
    emr_ec2_role_arn: str,
    kms_key_arn: Any = None,
    partner: str | None = None,
    role_name: Any = None,
    name_prefix: Any = None,
    group_id: str | None = None,
    emr_aws_conn_id: str = DEFAULT_EMR_CONN_ID,
    destination_aws_conn_id: str = DEFAULT_DESTINATION_CONN_ID,
    release_label: Any = None,
    verify_access: bool = True,
    settle_seconds: float | None = None,
    emr_account_id: Any = None,
    destination_account_id: Any = None,
    dry_run: Any = None,
    shared_documents_pool: str | None = None,
    assume_policy_name: Any = None,
) -> PartnerAccess:
    """
    Build the provisioning chain of one partner in a TaskGroup and return what the launch needs.

    Inside the group: ``ensure_destination_role`` >> [``allow_emr_role_to_assume``,
    ``grant_kms_key_user`` (when a key is given), ``create_security_configuration``] >>
    ``verify_access`` (unless ``verify_access=False``). A bad value is refused naming the
    argument (``partner_access(emr_ec2_role_arn=...)``): when the DAG is parsed if it is known then,
    else by the first task that uses it, before any AWS call that changes anything.

    A key known only at run time (an XComArg, a mapped argument, a template of a DAG rendering native
    objects) may resolve to ``None`` (a partner whose bucket uses SSE-S3): the role then gets no key actions
    and ``grant_kms_key_user`` skips. Rendered as text (Airflow's default), a template gives ``"None"`` or
    ``""``, which is refused naming ``kms_key_arn``, not read as no key. The task after it (``verify_access``, or ``create_security_configuration`` without the
    verifier) runs when none of its upstream tasks failed and one succeeded
    (``none_failed_min_one_success``), so the skip does not skip the launch.

    :param destination_prefix: ``s3://bucket/prefix/`` in the destination account. (templated)
    :param emr_ec2_role_arn: ARN of the EMR EC2 instance-profile role (the cluster's
        ``JobFlowRole``); a string, a template (``"{{ var.value.emr_ec2_role_arn }}"``), an upstream task's
        output (``XComArg``) or a mapped argument: its last ``/`` part, once resolved, is the role name, and
        its partition and account must be ``emr_aws_conn_id``'s (and ``emr_account_id``, when both are known
        as the DAG is parsed), refused by the assume grant and the verifier before they change anything, and by
        ``ensure_destination_role`` (the first task) before anything is written in either account: against
        ``emr_account_id`` once resolved, else against the account ``emr_aws_conn_id`` acts in (``None``: the one
        boto3's default chain acts in, as the EMR side's tasks then do).
    :param kms_key_arn: the destination bucket's customer-managed key, or ``None`` (also when it
        resolves to ``None`` at run time): of the Region and account ``destination_aws_conn_id`` acts in (the key
        grant writes its policy through it), refused otherwise by ``ensure_destination_role`` before it writes, and
        when the DAG is parsed if it and ``destination_account_id`` are known then. (templated)
    :param partner: short partner name (a plain string): the defaults of ``role_name``
        (``emrfs-<partner>-writer``), ``name_prefix`` (``emrfs-xacct-<partner>``) and ``group_id``.
    :param role_name: name of the destination role. (templated; required without ``partner``)
    :param name_prefix: the security configuration's name prefix. (templated; required without ``partner``)
    :param group_id: the TaskGroup's id. (default: ``partner_<partner>`` with ``-`` and ``.`` as ``_``, or
        ``partner_access``; two partners whose names make the same id are refused: give each its own)
    :param emr_aws_conn_id: connection that acts in the EMR account. (default: ``aws_emr_account``)
    :param destination_aws_conn_id: connection that acts in the destination account (and the key's
        account); ``None`` (boto3's default chain, the worker's own credentials) only with
        ``destination_account_id`` known when the DAG is parsed. (default: ``aws_destination_account``)
    :param release_label: the EMR release to check the mappings against, e.g. ``emr-7.5.0``; known only at run
        time, ``ensure_destination_role`` checks it too, with the verifier's rule, before it writes. (templated)
    :param verify_access: add the verifier, which fails when a link of the chain is broken, so that
        nothing downstream (the launch) runs. (default: True)
    :param settle_seconds: the convergence wait of the operators that write shared documents, a number known
        when the DAG is parsed (not a template field of theirs). (default: the tasks' own, e.g. from
        ``default_args``, else the ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :param emr_account_id: the EMR account: each task on ``emr_aws_conn_id`` gets it as
        ``expected_account_id`` and refuses another account before any change, and the destination role's
        task gets it as ``trusted_account_id``: an ``emr_ec2_role_arn`` of another account is refused before
        the destination role trusts it, also when either is known only at run time. An id given as a number
        (``111111111111``; ``11111111111`` for ``011111111111``) is the 12-digit id, zero-padded, as the tasks read
        it: the tasks get that id, and the pair checks compare it. (templated)
    :param destination_account_id: the same for the tasks on ``destination_aws_conn_id``, and the
        verifier's ``expected_destination_account_id``. (templated)
    :param dry_run: passed to every task: plan every change, make none (the verifier then reads what
        is there now, and warns instead of failing on it). (templated; default: the tasks' own, e.g. from
        ``default_args``)
    :param shared_documents_pool: an Airflow pool (created beforehand, e.g. ``airflow pools set
        emrfs_xacct_shared_documents 1 "..."``) for the three tasks that write documents another run or the
        partner's revoke writes too: ``allow_emr_role_to_assume`` (the EMR EC2 role's policies, every
        partner's), ``grant_kms_key_user`` (the key policy) and ``ensure_destination_role`` (the destination
        role's trust, which the partner's revoke, in the same pool, takes the EMR EC2 role out of). With one
        slot, no two of them write at once, which keeps every partner's grant while IAM and KMS reads lag
        behind writes by less than ``settle_seconds`` (about four times what concurrent writers bear; see the
        docs' "Safe under backfills").
        (default: none)
    :param assume_policy_name: the name of the EMR EC2 role's inline policy that lets it assume the destination
        roles (``AttachAssumeRolePolicyOperator``'s ``policy_name``); give the revoke the same name. (templated;
        default: ``emrfs-xacct-assume-destination-roles``)
    :return: a :class:`PartnerAccess`.
    """
    derived_group_id = False
    if partner is not None:
        if not isinstance(partner, str) or not partner or "{{" in partner:
            raise InvalidParameterError(
                argument("partner"), f"must be a plain string (it names the tasks), got {partner!r}"
            )
        derived_role_name, derived_name_prefix = partner_names(partner, argument("partner"))
        role_name = derived_role_name if role_name is None else role_name
        name_prefix = derived_name_prefix if name_prefix is None else name_prefix
        derived_group_id = group_id is None
        group_id = group_id or partner_group_id(partner)
    _given(role_name, "role_name")
    _given(name_prefix, "name_prefix")
    _given(destination_prefix, "destination_prefix")
    arguments: dict[str, Any] = {
        "role_name": role_name,
        "name_prefix": name_prefix,
        "destination_prefix": destination_prefix,
        "emr_ec2_role_arn": emr_ec2_role_arn,
        "kms_key_arn": kms_key_arn,
        "emr_aws_conn_id": emr_aws_conn_id,
        "destination_aws_conn_id": destination_aws_conn_id,
        "release_label": release_label,
        "settle_seconds": settle_seconds,
        "emr_account_id": emr_account_id,
        "destination_account_id": destination_account_id,
        "dry_run": dry_run,
        "verify_access": verify_access,
        "assume_policy_name": assume_policy_name,
    }
    _check_known_arguments(arguments)
    # The tasks get a known pin as the 12-digit id they would read it as (an id given as a number, zero-padded).
    emr_account_id = _known_pin(emr_account_id, "emr_account_id")
    destination_account_id = _known_pin(destination_account_id, "destination_account_id")
    emr_ec2_role_name = _emr_ec2_role_name(emr_ec2_role_arn)
    if shared_documents_pool is not None and (
        not isinstance(shared_documents_pool, str) or not shared_documents_pool.strip() or "{{" in shared_documents_pool
    ):
        raise InvalidParameterError(
            argument("shared_documents_pool"),
            f"must be the name of an Airflow pool (a plain string), got {shared_documents_pool!r}",
        )
    in_emr, in_destination = _safety(dry_run, emr_account_id), _safety(dry_run, destination_account_id)
    # Given only when given: Airflow's default_args (of the DAG, an enclosing group) then apply, as to any task.
    common: dict[str, Any] = {"settle_seconds": settle_seconds} if settle_seconds is not None else {}
    shared: dict[str, Any] = {"pool": shared_documents_pool} if shared_documents_pool is not None else {}
    named_policy: dict[str, Any] = {"policy_name": assume_policy_name} if assume_policy_name is not None else {}

    # A value known only at run time is refused by the task naming the argument it came from, as above.
    contract = {
        "dry_run": "dry_run" if dry_run is not None else None,
        "settle_seconds": "settle_seconds" if settle_seconds is not None else None,
    }
    emr_side = {
        **contract,
        "aws_conn_id": "emr_aws_conn_id",
        "expected_account_id": "emr_account_id" if emr_account_id is not None else None,
    }
    destination_side = {
        **contract,
        "aws_conn_id": "destination_aws_conn_id",
        "expected_account_id": "destination_account_id" if destination_account_id is not None else None,
    }
    # Values the later tasks use and refuse: the first task checks them before it writes.
    ahead = _checked_ahead(arguments, verify_access)
    with _partner_group(group_id or "partner_access", partner if derived_group_id else None) as group:
        role = EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=destination_aws_conn_id,
            role_name=role_name,
            trusted_role_arns=[emr_ec2_role_arn],
            s3_prefixes=[destination_prefix],
            kms_key_arns=kms_key_arn,  # one key; None (also at run time): none
            # The EMR EC2 role's account, checked before this task (the first) writes anything in either account.
            **_trusted_account(emr_account_id, emr_aws_conn_id),
            checked_ahead=ahead,
            **common,
            **in_destination,
            **shared,  # its trust is the partner's revoke's to write too (docs/safety.md)
        )
        _refuse_role_in_another_case(
            role, "partner" if partner is not None and role_name == derived_role_name else "role_name"
        )
        _named(
            role,
            {
                **destination_side,
                "checked_ahead.name_prefix": "name_prefix",
                "checked_ahead.policy_name": "assume_policy_name",
                "checked_ahead.release_label": "release_label",
                "checked_ahead.key_user_key": "kms_key_arn",
                "role_name": "role_name",
                "trusted_role_arns": "emr_ec2_role_arn",
                "s3_prefixes": "destination_prefix",
                "kms_key_arns": "kms_key_arn",
                "trusted_account_id": "emr_account_id",
                "trusted_aws_conn_id": "emr_aws_conn_id",
                "trusted_default_chain": "emr_aws_conn_id",
            },
        )
        grants: list[BaseOperator] = [
            AttachAssumeRolePolicyOperator(
                task_id="allow_emr_role_to_assume",
                aws_conn_id=emr_aws_conn_id,
                emr_ec2_role_name=emr_ec2_role_name,
                destination_role_arns=[role.output],  # type: ignore[list-item]
                **named_policy,
                **common,
                **shared,
                **in_emr,
            )
        ]
        _named(grants[0], {**emr_side, "emr_ec2_role_name": "emr_ec2_role_arn", "policy_name": "assume_policy_name"})
        if kms_key_arn is not None:
            grants.append(
                GrantKmsKeyUserOperator(
                    task_id="grant_kms_key_user",
                    aws_conn_id=destination_aws_conn_id,
                    key_arn=kms_key_arn,
                    principal_arns=[role.output],  # type: ignore[list-item]
                    skip_without_key=True,
                    **common,
                    **shared,
                    **in_destination,
                )
            )
        security_configuration = CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=emr_aws_conn_id,
            name_prefix=name_prefix,
            role_mappings=[{"Role": role.output, "IdentifierType": "Prefix", "Identifiers": [destination_prefix]}],
            **common,
            **in_emr,
        )
        if kms_key_arn is not None:
            _named(grants[1], {**destination_side, "key_arn": "kms_key_arn"})
        _named(
            security_configuration,
            {**emr_side, "name_prefix": "name_prefix", "role_mappings[0].Identifiers": "destination_prefix"},
        )
        role >> grants
        if verify_access:
            check = VerifyCrossAccountAccessOperator(
                task_id="verify_access",
                aws_conn_id=emr_aws_conn_id,
                destination_aws_conn_id=destination_aws_conn_id,
                security_configuration=security_configuration.output,  # type: ignore[arg-type]
                emr_ec2_role_name=emr_ec2_role_name,
                release_label=release_label,
                trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
                expected_destination_account_id=destination_account_id,
                **in_emr,
            )
            _named(
                check,
                {
                    **emr_side,
                    "emr_ec2_role_name": "emr_ec2_role_arn",
                    "release_label": "release_label",
                    "destination_aws_conn_id": "destination_aws_conn_id",
                    "expected_destination_account_id": "destination_account_id",
                },
            )
            for upstream in [*grants, security_configuration]:
                upstream >> check
        elif len(grants) > 1:  # no verifier: the configuration comes after the key grant, which may skip
            security_configuration.trigger_rule = TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS
            grants[1] >> security_configuration
    return PartnerAccess(
        task_group=group, security_configuration=security_configuration.output, destination_role_arn=role.output
    )
