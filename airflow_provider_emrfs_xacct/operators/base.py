"""
The contract every provider operator follows: retry default, dry run, account pin, plan in XCom, hooks.

This module is imported whenever a DAG file that uses the provider is parsed, so it imports nothing
that only a running task needs: validation, the plan's rendering and the hooks are imported inside
the methods that use them (``tests/unit/test_parse_cost.py``).
"""

from __future__ import annotations

import copy
from functools import cached_property
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

from airflow.providers.amazon.aws.utils.mixins import AwsBaseHookMixin, AwsHookParams, AwsHookType
from airflow.sdk import BaseOperator
from airflow.sdk.definitions._internal.types import ArgNotSet

from airflow_provider_emrfs_xacct.operators.failures import FailsWithoutRetryMixin, wrap_task_entry_methods
from airflow_provider_emrfs_xacct.session_scope import in_shared_sessions

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import timedelta

    from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
    from airflow_provider_emrfs_xacct.pure.plan import Change

#: botocore settings used when the operator is given none: standard retries (throttling, 5xx and
#: dropped connections are retried with exponential backoff), 10 retries (11 attempts) per call: in a botocore
#: ``Config``, ``max_attempts`` counts the retries after the first request (boto3 guide, "Retries"; the client
#: reads it as ``total_max_attempts`` 11). Each setting the connection's extra sets in ``config_kwargs`` wins
#: over this one (:func:`build_hook`).
DEFAULT_BOTOCORE_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 10},
    "connect_timeout": 10,
    "read_timeout": 60,
}

#: XCom key under which every operator pushes its plan (the list of changes it made or would make).
PLAN_XCOM_KEY = "plan"
#: Template fields every provider operator adds to its own.
SAFETY_TEMPLATE_FIELDS = ("dry_run", "expected_account_id")


#: XCom key under which ``CreateEmrfsSecurityConfigOperator`` pushes the document it ensured.
DOCUMENT_XCOM_KEY = "security_configuration_document"


def document_xcom_of(security_configuration: Any) -> Any:
    """The XCom of the document beside a task's return value given as the name (``create.output``), else ``None``."""
    from airflow.providers.common.compat.sdk import XComArg

    if isinstance(security_configuration, XComArg) and getattr(security_configuration, "key", None) == "return_value":
        return security_configuration[DOCUMENT_XCOM_KEY]  # type: ignore[index]
    return None


def expanded_name_sources(task: Any) -> list[str]:
    """
    The ids of the tasks whose return value a mapped ``task`` takes its ``security_configuration`` from.

    Airflow builds each instance of ``Op.partial(...).expand(security_configuration=create.output)``
    (or ``.expand_kwargs(...)``) from the resolved value: the instance's ``__init__`` never sees
    ``create.output``, but the mapped operator the DAG holds under the same task id still does.
    ``.expand(**kwargs)`` names the field's own argument; ``.expand_kwargs(...)`` may set it from any of
    its references. Empty for a task that is not mapped.
    """
    from airflow.providers.common.compat.sdk import XComArg

    dag = task.get_dag()
    mapped = None if dag is None else dag.task_dict.get(task.task_id)
    if mapped is None or mapped is task or not getattr(mapped, "is_mapped", False):
        return []
    expand_input = getattr(mapped, "expand_input", None)
    arguments = getattr(expand_input, "value", None)
    if getattr(expand_input, "EXPAND_INPUT_TYPE", None) == "dict-of-lists":
        arguments = arguments.get("security_configuration")  # type: ignore[union-attr]
    return sorted(
        {operator.task_id for operator, key in XComArg.iter_xcom_references(arguments) if key == "return_value"}
    )


def knows_create_task(task: Any, document_xcom: Any) -> bool:
    """Whether ``task`` has its ``security_configuration`` from another task's return value (see :func:`created_document`)."""
    return document_xcom is not None or bool(expanded_name_sources(task))


def created_document(task: Any, document_xcom: Any, context: Context, name: str) -> dict[str, Any] | None:
    """
    Return the document a create task pushed beside ``name`` (see :func:`document_xcom_of`), if it is ``name``'s content.

    ``document_xcom`` is that task instance's XCom when ``task`` was given ``create.output``; a mapped
    ``task`` (``.expand(security_configuration=create.output)``, ``.expand_kwargs(...)``) reads the
    documents every instance of the tasks it expands over pushed in this run
    (:func:`expanded_name_sources`) and takes the one whose content ``name`` is: the name is the hash of
    its content, so that is the instance that returned ``name``, whatever map index it had.
    ``None`` without such an XCom, or when no document is the content the name was made from.
    """
    from airflow.providers.common.compat.sdk import XComNotFound

    from airflow_provider_emrfs_xacct.pure.security_config import names_content

    if document_xcom is not None:
        try:
            documents = [document_xcom.resolve(context)]
        except XComNotFound:
            return None
    else:
        sources = expanded_name_sources(task)
        if not sources:
            return None
        # A list of task ids and no map index: every instance's XCom of each (a list, also for one task).
        documents = context["ti"].xcom_pull(task_ids=sources, key=DOCUMENT_XCOM_KEY)
    return next((document for document in documents if names_content(name, document)), None)


def destination_account_pin(operator: Any) -> str | None:
    """
    Return the validated ``expected_destination_account_id`` of the verifier or the revoke (``None``: not pinned).

    Taken with :func:`take_pin`: one asked for that resolved to ``None`` is refused (:func:`pinned_account`).
    """
    return pinned_account(
        operator.expected_destination_account_id, "expected_destination_account_id", operator._destination_pin_asked
    )


def pinned_destination_account(hook: Any, conn_id: str | None, pinned: str | None, nothing: str) -> str:
    """
    Return the account ``hook`` (on ``conn_id``) acts in, refusing it if ``pinned`` (:func:`destination_account_pin`) names another.

    :param nothing: what the refusal says was not done, e.g. ``"changed"`` or ``"read"``.
    """
    from airflow_provider_emrfs_xacct.hooks.errors import acting_account, explain_access_denied
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    with explain_access_denied(hook):
        account = acting_account(hook)
    if pinned is not None and account != pinned:
        raise InvalidParameterError(
            "expected_destination_account_id",
            f"connection {conn_id!r} acts in account {account}, not in account {pinned}; nothing was {nothing}",
        )
    return account


def destination_conn_id(conn_id: Any, pinned: str | None) -> str | None:
    """
    Return the validated ``destination_aws_conn_id``, refusing ``None`` unless ``pinned`` names the account.

    The Amazon provider reads ``aws_conn_id=None`` as boto3's default credential chain (``AwsGenericHook``:
    "If this is None or empty then the default boto3 behaviour is used"): the worker's own credentials,
    in whatever account they are. For the destination account that is accepted only when
    ``expected_destination_account_id`` (``pinned``, :func:`destination_account_pin`) makes it checked before
    anything is read or changed. No AWS call.
    """
    from airflow_provider_emrfs_xacct.pure.validation import validate_conn_id

    return validate_conn_id(conn_id, "destination_aws_conn_id", default_chain=pinned is not None)


#: What the Amazon provider does instead of using an AWS connection Airflow does not have.
WITHOUT_AWS_CONNECTION = (
    "the Amazon provider would act with the worker's own credentials (boto3's default chain); define the "
    "connection, or pass None to act with those credentials on purpose"
)


def require_defined_connection(conn_id: str | None, field: str, without_it: str = WITHOUT_AWS_CONNECTION) -> None:
    """
    Refuse ``field``'s connection id ``conn_id`` when Airflow has no connection of that id (no AWS call).

    Read from Airflow as the Amazon hook reads it (``BaseHook.get_connection``), without building a hook.
    The hook would then act with boto3's default credential chain, the worker's own credentials
    (``AwsGenericHook.conn_config``: "Unable to find AWS Connection ID '...', switching to empty"): a
    mistyped connection would read or change whatever account they are in. ``None`` or empty: that chain
    asked for on purpose, as the Amazon provider documents it.

    :param without_it: what the Amazon provider would do without the connection, and the way out (the refusal's end).
    """
    from airflow.providers.common.compat.sdk import AirflowNotFoundException, BaseHook

    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    if not conn_id:
        return
    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise InvalidParameterError(
            field, f"names the connection {conn_id!r}, which Airflow does not have: {without_it}"
        ) from None


def mapped_argument(operator: Any, name: str | None) -> bool:
    """
    Whether a mapped task's instance ``operator`` may have argument ``name`` from its expand input.

    ``.expand(...)`` names its arguments (Airflow refuses one that ``.partial()`` gave too); ``.expand_kwargs(...)``
    may set any argument ``.partial()`` did not. ``True`` when that cannot be told (no name, no mapped task).
    """
    dag = operator.get_dag()
    mapped = None if dag is None else dag.task_dict.get(operator.task_id)
    if name is None or mapped is None or mapped is operator or not getattr(mapped, "is_mapped", False):
        return True
    expand_input = getattr(mapped, "expand_input", None)
    if getattr(expand_input, "EXPAND_INPUT_TYPE", None) == "dict-of-lists":
        return name in expand_input.value  # type: ignore[union-attr]
    return name not in mapped.partial_kwargs


def pin_asked(operator: Any, value: Any, passed: bool, name: str | None = None) -> bool:
    """
    Whether the DAG asked for an account pin such as ``expected_account_id``, as ``operator`` is built.

    A value other than ``None`` (an id, a template, an upstream task's output, a mapped argument) asks for one,
    whatever it resolves to. A mapped task's instance is built from the values Airflow has already resolved
    (``MappedOperator.unmap``), so there a pin ``passed`` as ``None`` from its expand input (argument ``name``,
    :func:`mapped_argument`) was asked for too; a literal ``None`` given to ``.partial()`` is one as on a plain task.
    """
    if value is not None:
        return True
    from_mapped = passed and bool(getattr(operator, "_BaseOperator__from_mapped", False))
    return from_mapped and mapped_argument(operator, name)


def take_pin(operator: Any, value: Any, name: str | None = None) -> tuple[Any, bool]:
    """
    Return a pin argument whose default is :data:`NOTSET` (``None`` when not given) and whether it was asked for.

    The sentinel tells a mapped task's ``None``, given, from an argument left out; ``name`` is the argument's,
    to tell a mapped value from a literal of ``.partial()`` (:func:`pin_asked`).
    """
    passed = not isinstance(value, ArgNotSet)
    value = value if passed else None
    return value, pin_asked(operator, value, passed, name)


def pinned_account(value: Any, field: str, asked: bool = False) -> str | None:
    """
    Return the validated account id of a pin such as ``expected_account_id`` (``None`` when not pinned).

    A pin ``asked`` for (:func:`pin_asked`) that resolved to ``None`` is refused: the check would be gone
    unseen (as text, ``"None"`` is no 12-digit id either). An id given as a number (a DAG's own
    ``expected_account_id=12345678901``, or ``"{{ params.account }}"`` rendered as native objects, which
    turns ``"111111111111"`` into the number 111111111111) is read back as the 12-digit id: a whole number
    below 10**12, zero-padded.
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from airflow_provider_emrfs_xacct.pure.validation import validate_account_id

    if value is None:
        if asked:
            raise InvalidParameterError(
                field,
                "resolved to None (a template, an upstream task's output or a mapped value): the account it pins "
                "would go unchecked; give the 12-digit account id, or leave the argument out",
            )
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        value = f"{value:012d}"
    return validate_account_id(value, field)


HookT = TypeVar("HookT")


def default_botocore_config() -> dict[str, Any]:
    """
    A fresh copy of :data:`DEFAULT_BOTOCORE_CONFIG` for one operator.

    botocore rewrites the ``retries`` dict it is given (``max_attempts`` becomes
    ``total_max_attempts``), so a shared dict would change under every operator after the first client.
    """
    return copy.deepcopy(DEFAULT_BOTOCORE_CONFIG)


def build_hook(hook_class: type[HookT], *, config: Any, config_is_default: bool, **parameters: Any) -> HookT:
    """
    Build ``hook_class`` with an operator's botocore settings ``config`` (or its trigger's) and ``parameters``.

    The Amazon provider builds a client's ``Config`` from the connection's extra, ``config_kwargs``, only when the
    hook is given no ``config`` (``AwsConnectionWrapper``: ``if not self.botocore_config and config_kwargs``): a
    ``config`` the operator was given replaces them all, as for the Amazon provider's own operators. When
    ``config_is_default`` (the operator was given none, so ``config`` is :data:`DEFAULT_BOTOCORE_CONFIG`), the
    hook is built without it and gets it beneath the connection's ``config_kwargs``, setting by setting
    (``botocore.config.Config.merge``): a connection's ``use_fips_endpoint``, ``proxies``, timeouts or S3
    addressing style apply, and the provider's retries and timeouts fill in what it does not set. That reads
    the connection now (once: the hook keeps it), not at the first client: not in an event loop.
    """
    if not config_is_default:
        return hook_class(config=config, **parameters)  # type: ignore[call-arg]
    from botocore.config import Config

    hook = hook_class(config=None, **parameters)  # type: ignore[call-arg]
    connection = hook.conn_config  # type: ignore[attr-defined]
    default = Config(**copy.deepcopy(config))  # botocore rewrites the retries dict a client is built with
    given = connection.botocore_config  # the connection's config_kwargs, as a Config; None without them
    connection.botocore_config = default if given is None else default.merge(given)
    return hook


class LazyHookClass:
    """
    The ``aws_hook_class`` of an operator, named by import path and imported on first use.

    DAG files are parsed again and again; the hooks (and the policy logic they use) are needed only
    when a task runs. ``EnsureDestinationRoleOperator.aws_hook_class`` still returns the class.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        module, _, name = self.path.rpartition(".")
        return getattr(import_module(module), name)


# Type checkers see the contract as an AWS operator (it is only ever mixed into one); at run time it
# is a plain class, so that Airflow does not wrap its ``__init__`` (see the class docstring).
if TYPE_CHECKING:
    _OperatorBase = AwsBaseOperator[Any]
    _AwsHookMixinBase = AwsBaseHookMixin[Any]
else:
    _OperatorBase = _AwsHookMixinBase = object


def take_contract_arguments(kwargs: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """
    Pop each contract parameter out of ``kwargs``: the value given, else ``default_args``'s, else the default.

    The same precedence as Airflow's for the parameters of an operator's own ``__init__``: the
    ``default_args`` an operator's constructor receives are the DAG's, its task group's and its own, merged.
    """
    default_args = kwargs.get("default_args") or {}
    return {name: kwargs.pop(name, default_args.get(name, default)) for name, default in defaults.items()}


class SharedSessionsMixin:
    """
    Run the task entry methods every subclass defines with one boto3 session per connection and Region.

    See :mod:`~airflow_provider_emrfs_xacct.session_scope`: the Amazon provider assumes a connection's
    role again for every client it builds.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        wrap_task_entry_methods(cls, in_shared_sessions)


class EmrfsXacctOperatorMixin(FailsWithoutRetryMixin, SharedSessionsMixin, _OperatorBase):
    """
    The provider's operator contract, mixed in before an Amazon-provider operator class.

    Every provider operator that calls AWS has it: ``class X(EmrfsXacctOperatorMixin, EmrCreateJobFlowOperator)``
    on an Amazon-provider operator, else through :class:`EmrfsXacctAwsBaseOperator` (and
    :class:`EmrfsXacctBaseOperator` for the provisioning operators). It gives them the botocore
    retry default, the dry-run flag, the account pin, the plan pushed under ``plan``, one way to
    build a hook of another connection, and no Airflow retries for an error a retry cannot mend
    (:mod:`~airflow_provider_emrfs_xacct.operators.failures`); its hooks of one connection and Region share
    one session while the task runs (:class:`SharedSessionsMixin`).

    It is a plain mixin, not a ``BaseOperator``: Airflow wraps the ``__init__`` of every operator
    class in the hierarchy, and each wrapped level deep-copies the DAG's params again
    (``BaseOperatorMeta._apply_defaults``), which is most of what a DAG file's parse spends on its
    tasks. So an operator has the wrapped levels of its Airflow parent operator plus its own, and
    the contract applies ``default_args`` to its parameters itself, with Airflow's precedence
    (:func:`take_contract_arguments`); ``partial()`` accepts them as it accepts any other parameter.

    ``dry_run`` is a templated field (a DAG param can switch a whole run to a plan): it may arrive as a
    bool or as the rendered text ``"True"``/``"false"``; :meth:`validate_safety`, the first thing every
    ``execute`` does, turns it into a bool or refuses it.

    :param dry_run: only read the current state and log the plan; change nothing. (templated; default: False)
    :param expected_account_id: the account the connection must act in; anything else is refused
        before any change. (templated)
    :param botocore_config: as for every AWS operator: replaces the connection's ``config_kwargs``. Not given:
        :data:`DEFAULT_BOTOCORE_CONFIG` beneath the connection's ``config_kwargs`` (:func:`build_hook`), in the
        operator's hooks and in the triggers it defers to.
    """

    #: The contract's parameters and their defaults (``None``: :data:`DEFAULT_BOTOCORE_CONFIG`).
    contract_parameters: ClassVar[dict[str, Any]] = {
        "dry_run": False,
        "expected_account_id": None,
        "botocore_config": None,
    }

    #: Fields whose value came from an argument of a factory (``partner_access``), and how to name that
    #: argument in a refusal (``{"trusted_role_arns": "partner_access(emr_ec2_role_arn=...)"}``; see
    #: :func:`~airflow_provider_emrfs_xacct.operators.failures.name_the_argument`). Set by the factory.
    argument_names: Mapping[str, str] = MappingProxyType({})
    dry_run: Any  # the attribute shadows BaseOperator.dry_run (a method nothing calls)
    expected_account_id: str | None
    last_plan: list[dict[str, Any]] | None

    def __init__(self, **kwargs: Any) -> None:
        passed = "expected_account_id" in kwargs
        contract = take_contract_arguments(kwargs, EmrfsXacctOperatorMixin.contract_parameters)
        botocore_config = contract.pop("botocore_config")
        super().__init__(
            botocore_config=default_botocore_config() if botocore_config is None else botocore_config, **kwargs
        )
        #: ``botocore_config`` is the provider's default: the connection's ``config_kwargs`` win over it (:func:`build_hook`).
        self.botocore_config_is_default = botocore_config is None
        self.dry_run = contract["dry_run"]
        self.expected_account_id = contract["expected_account_id"]
        self._expected_account_asked = pin_asked(self, self.expected_account_id, passed, "expected_account_id")
        self.last_plan = None

    def validate_attributes(self) -> None:
        """Check ``aws_hook_class`` without importing it (``AwsBaseHookMixin`` would, in every constructor)."""
        declared = next(
            (vars(cls)["aws_hook_class"] for cls in type(self).__mro__ if "aws_hook_class" in vars(cls)), None
        )
        if not isinstance(declared, (LazyHookClass, type)):
            raise AttributeError(f"Class attribute '{type(self).__name__}.aws_hook_class' should be set.")

    def validate_safety(self) -> None:
        """
        Turn the rendered ``dry_run`` into a bool, check the account pin and ``aws_conn_id`` (no AWS call).

        ``aws_conn_id`` must be spelled as Airflow spells connection ids (``None``, boto3's default chain,
        stays allowed, as the Amazon provider documents it) and name a connection Airflow has
        (:func:`require_defined_connection`: the Amazon provider would act with the worker's own credentials).
        Nothing is sent to AWS; the connection is read from Airflow.
        """
        from airflow_provider_emrfs_xacct.pure.validation import validate_bool, validate_conn_id

        self.dry_run = validate_bool(self.dry_run, "dry_run")
        self.expected_account()
        require_defined_connection(validate_conn_id(self.aws_conn_id, "aws_conn_id", default_chain=True), "aws_conn_id")

    def expected_account(self) -> str | None:
        """Return the validated ``expected_account_id`` (``None`` when not pinned; see :func:`pinned_account`)."""
        return pinned_account(self.expected_account_id, "expected_account_id", self._expected_account_asked)

    def connection_account(self, hook: Any, conn_id: str | None = None) -> str:
        """
        Return the account ``hook``'s connection acts in, refusing it if ``expected_account_id`` pins another.

        Read from the connection's ``role_arn`` when it assumes a role, else one
        ``sts:GetCallerIdentity`` per hook, which STS answers for any caller: "No permissions are
        required to perform this operation" (STS API reference, GetCallerIdentity).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import acting_account

        account = acting_account(hook)
        self.check_expected_account(account, conn_id if conn_id is not None else hook.aws_conn_id)
        return account

    def check_expected_account(self, account: str, conn_id: str | None) -> None:
        """Refuse ``account`` if ``expected_account_id`` pins another one."""
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        expected = self.expected_account()
        if expected is not None and account != expected:
            raise InvalidParameterError(
                "expected_account_id",
                f"connection {conn_id!r} acts in account {account}, not in account {expected}; nothing was changed",
            )

    def push_xcom(self, context: Context, key: str, value: Any) -> None:
        """Push ``value`` under ``key`` (the plan, the verifier's report), unless ``do_xcom_push`` is off."""
        if self.do_xcom_push and context and context.get("ti") is not None:
            context["ti"].xcom_push(key=key, value=value)

    def report(self, context: Context, changes: list[Change]) -> list[dict[str, Any]]:
        """Log the plan, push it to XCom under ``plan`` (and keep it in ``last_plan``) and return it as plain values."""
        from airflow_provider_emrfs_xacct.pure.plan import plan_message

        # ``No changes.``, or the changes marked +/~/- with their diffs and a summary line
        # (``Plan: 1 to add, …`` in a dry run, ``Applied: 1 added, …`` otherwise).
        self.log.info("%s", plan_message(changes, dry_run=bool(self.dry_run)))
        plan = [change.to_dict() for change in changes]
        self.last_plan = plan
        self.push_xcom(context, PLAN_XCOM_KEY, plan)
        return plan

    @cached_property  # type: ignore[misc]  # final in AwsBaseHookMixin: here the hook is built by build_hook
    def hook(self) -> Any:
        """The operator's hook (``aws_hook_class``), with its botocore settings as :func:`build_hook` gives them."""
        parameters = dict(self._hook_parameters)
        config = parameters.pop("config")
        return build_hook(
            self.aws_hook_class, config=config, config_is_default=self.botocore_config_is_default, **parameters
        )

    def other_hook(self, hook_class: type[HookT], conn_id: str | None) -> HookT:
        """A hook of ``hook_class`` on another connection (or service), with this operator's region, TLS and botocore settings."""
        return build_hook(
            hook_class,
            aws_conn_id=conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
            config_is_default=self.botocore_config_is_default,
        )

    def defer(
        self,
        *,
        trigger: Any,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | float | None = None,
    ) -> NoReturn:
        """
        Defer to ``trigger`` with the operator's botocore settings as its hooks have them (``triggers.trigger_for``).

        A trigger is serialised, so it carries ``botocore_config`` as given (a plain dict) and whether that is the
        provider's default, not the connection's ``config_kwargs``: its hooks read them from the connection in the
        triggerer, as the operator's did. ``timeout`` is capped at what remains of ``execution_timeout``
        (:meth:`deferral_timeout`).
        """
        timeout = self.deferral_timeout(timeout)
        trigger = self.provider_trigger(trigger)
        super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)

    def deferral_timeout(self, timeout: timedelta | float | None) -> timedelta | float | None:
        """
        ``timeout``, capped at what remains of ``execution_timeout`` since the task instance's start.

        Airflow 3 gives a deferral only the deadline ``defer`` is given: the Task SDK sends ``timeout`` alone and
        the execution API does not add ``execution_timeout`` (apache/airflow#69678), so a launch's wait deferred
        for an hour outlived an ``execution_timeout`` of minutes while its cluster billed. Past the capped deadline
        the scheduler resumes the task with ``__fail__``, whose clean-up runs (``resume_execution``). None left:
        ``AirflowTaskTimeout`` instead of a deferral, as Airflow's task runner raises it past ``execution_timeout``
        (it then calls ``on_kill``). An ``execution_timeout`` of ``timedelta(0)`` is none, as the task runner takes it
        (:func:`~airflow_provider_emrfs_xacct.pure.cluster_config.applied_execution_timeout`). ``start_date`` is the
        first start, also in a task resumed from a deferral (the execution API's ``ti_run`` keeps it). This can go
        once Airflow enforces it (apache/airflow#69734).
        Not run by Airflow's task runner (no current context): ``timeout`` as given.
        """
        from datetime import datetime, timedelta, timezone

        from airflow.providers.common.compat.sdk import AirflowTaskTimeout
        from airflow.sdk import get_current_context

        from airflow_provider_emrfs_xacct.pure.cluster_config import applied_execution_timeout

        try:
            started = getattr(get_current_context().get("ti"), "start_date", None)
        except RuntimeError:  # "no context was found": not within a task
            started = None
        execution_timeout = applied_execution_timeout(self.execution_timeout)  # timedelta(0): none, as Airflow has it
        if execution_timeout is None or started is None:
            return timeout
        remaining = execution_timeout - (datetime.now(timezone.utc) - started)
        if remaining <= timedelta(0):
            raise AirflowTaskTimeout(f"execution_timeout ({execution_timeout}) ran out before the task deferred")
        given = timedelta(seconds=timeout) if isinstance(timeout, (int, float)) else timeout
        if given is not None and given <= remaining:
            return given
        # Past this deadline Airflow says only "Trigger timeout": name the cause before it.
        self.log.info("The deferral ends with execution_timeout (%s): in %s", self.execution_timeout, remaining)
        return remaining

    def provider_trigger(self, trigger: Any) -> Any:
        """The trigger :meth:`defer` defers to in place of ``trigger`` (``triggers.trigger_for``), told the settings."""
        from airflow_provider_emrfs_xacct.triggers import trigger_for

        return trigger_for(trigger, botocore_config_is_default=self.botocore_config_is_default)


class AwsConnectionMixin(_AwsHookMixinBase):
    """
    The AWS connection parameters of an operator built on ``BaseOperator``, as ``AwsBaseOperator`` takes them.

    ``aws_conn_id``, ``region_name``, ``verify`` and ``botocore_config``, resolved with
    ``AwsHookParams.from_constructor`` (the Amazon provider's way for operators that are not an
    ``AwsBaseOperator``, see its docstring), then ``validate_attributes()``. A plain mixin like
    :class:`EmrfsXacctOperatorMixin`, so the operator pays no ``AwsBaseOperator`` level for them.
    """

    #: ``AwsBaseOperator``'s parameters and their defaults.
    aws_parameters: ClassVar[dict[str, Any]] = {
        "aws_conn_id": "aws_default",
        "region_name": None,
        "verify": None,
        "botocore_config": None,
    }

    def __init__(self, **kwargs: Any) -> None:
        given = take_contract_arguments(kwargs, AwsConnectionMixin.aws_parameters)
        params = AwsHookParams.from_constructor(**given, additional_params=kwargs)
        super().__init__(**kwargs)
        self.aws_conn_id = params.aws_conn_id
        self.region_name = params.region_name
        self.verify = params.verify
        self.botocore_config = params.botocore_config
        self.validate_attributes()


class EmrfsXacctAwsBaseOperator(
    EmrfsXacctOperatorMixin, AwsConnectionMixin, BaseOperator, AwsBaseHookMixin[AwsHookType]
):
    """
    Base of the provider's own AWS operators: the contract on ``BaseOperator`` and ``AwsBaseHookMixin``.

    It is what ``AwsBaseOperator`` is (the Amazon provider's base of its operators) with one wrapped
    ``__init__`` level fewer: an operator of it has two, ``BaseOperator``'s and its own.
    """


#: The Airflow configuration option an operator given no ``settle_seconds`` takes its wait from, as
#: ``get_provider_info`` declares it, its environment variable, and its default.
SETTLE_SECONDS_OPTION = ("emrfs_xacct", "settle_seconds")
SETTLE_SECONDS_ENV = "AIRFLOW__EMRFS_XACCT__SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 1.0


def configured_settle_seconds() -> float:
    """The ``[emrfs_xacct] settle_seconds`` option (:data:`DEFAULT_SETTLE_SECONDS` when not set), validated."""
    from airflow.providers.common.compat.sdk import conf

    from airflow_provider_emrfs_xacct.pure.validation import validate_positive_number

    section, option = SETTLE_SECONDS_OPTION
    value = conf.get(section, option, fallback=None)
    if value is None or not str(value).strip():
        return DEFAULT_SETTLE_SECONDS
    field = f"settle_seconds (the [{section}] {option} option, {SETTLE_SECONDS_ENV})"
    return validate_positive_number(value, field)


class SettleSecondsMixin(_OperatorBase):
    """``settle_seconds``, the convergence wait of the operators that write shared documents (a plain mixin)."""

    #: ``None``: the ``[emrfs_xacct] settle_seconds`` option's, read when the task runs (:func:`configured_settle_seconds`).
    settle_parameters: ClassVar[dict[str, Any]] = {"settle_seconds": None}

    def __init__(self, **kwargs: Any) -> None:
        settle_seconds = take_contract_arguments(kwargs, SettleSecondsMixin.settle_parameters)["settle_seconds"]
        super().__init__(**kwargs)
        self.settle_seconds = settle_seconds


class EmrfsXacctBaseOperator(SettleSecondsMixin, EmrfsXacctAwsBaseOperator[AwsHookType]):
    """
    Base of the provider's provisioning operators.

    :param dry_run: only read the current state and log the plan; change nothing. The operator
        returns the same kind of value as in a real run (what it would be) and pushes the plan to XCom
        under ``plan``. (templated; ``True``/``False`` or their rendered text; default: False)
    :param expected_account_id: the account the connection must act in; anything else is refused
        before any change. (templated)
    :param settle_seconds: after writing a document that other runs may write too, wait this long
        before reading it back to confirm the change held (see ``converge``); a finite number from 0 to 10**9.
        (default: the ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :param botocore_config: as for every AWS operator: replaces the connection's ``config_kwargs``. Not given:
        :data:`DEFAULT_BOTOCORE_CONFIG` beneath the connection's ``config_kwargs`` (:func:`build_hook`).
    """

    @property
    def converge_settings(self) -> ConvergeSettings:
        from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings

        return ConvergeSettings(settle_seconds=self.validated_settle_seconds())

    def validated_settle_seconds(self) -> float:
        """``settle_seconds`` validated; when not given, the ``[emrfs_xacct] settle_seconds`` option's."""
        from airflow_provider_emrfs_xacct.pure.validation import validate_positive_number

        if self.settle_seconds is None:
            return configured_settle_seconds()
        return validate_positive_number(self.settle_seconds, "settle_seconds")

    def validate_safety(self) -> None:
        """Check the dry-run flag, the account pin and ``settle_seconds`` or the option it defaults to (no AWS call)."""
        super().validate_safety()
        self.validated_settle_seconds()


# ``Operator.partial(...)`` checks its arguments against the parameter names Airflow records on each
# ``__init__`` it wraps (``validate_mapping_kwargs`` in ``airflow.sdk.definitions.mappedoperator``);
# the plain mixins' ``__init__`` are not wrapped, so each records its own table's names.
# ``tests/unit/operators/test_base.py`` maps every operator with them.
for _init, _parameters in (
    (EmrfsXacctOperatorMixin.__init__, EmrfsXacctOperatorMixin.contract_parameters),
    (SettleSecondsMixin.__init__, SettleSecondsMixin.settle_parameters),
    (AwsConnectionMixin.__init__, AwsConnectionMixin.aws_parameters),
):
    setattr(_init, "_BaseOperatorMeta__param_names", set(_parameters))  # noqa: B010 (name-mangled by Airflow)
