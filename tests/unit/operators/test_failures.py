"""
Errors a retry cannot mend fail the task without its retries (``operators/failures.py``).

Airflow's task runner fails a task without retrying it when it raises ``AirflowFailException``
(``_run_task_and_map_outcome`` in ``airflow/sdk/execution_time/task_runner.py``); any other exception
is retried while tries remain. ``tests/dags/test_retries.py`` runs it in Airflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.failures import TASK_ENTRY_METHODS, fail_without_retry
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.converge import StaleReadError
from airflow_provider_emrfs_xacct.pure.exceptions import (
    AccessDeniedError,
    ConflictError,
    EmrfsXacctError,
    InvalidParameterError,
    NotConvergedError,
    PreconditionError,
    PrincipalNotFoundError,
)
from airflow_provider_emrfs_xacct.pure.quotas import MANAGED_POLICIES_PER_ROLE, QuotaExceededError
from devstack.testing import execute_as_task
from tests.conftest import RecordingTaskInstance
from tests.unit.operators.test_base import OPERATORS, build

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator


def principal_not_found(waited_seconds: float) -> PrincipalNotFoundError:
    return PrincipalNotFoundError("principal_arns", "the key policy of k", ["arn:r"], waited_seconds, "refused")


#: Each error class, and whether a retry with the same arguments can succeed.
DECISIONS = [
    (InvalidParameterError("s3_prefixes[0]", "must end with /"), False),
    (QuotaExceededError("s3_prefixes", MANAGED_POLICIES_PER_ROLE, 21, "the policies of the role"), False),
    (ConflictError("statement 'x' holds the wildcard principal '*'"), False),
    (PreconditionError("key_arn: an AWS managed key"), False),
    (principal_not_found(60), False),  # waited out IAM's lag: the principal does not exist
    (principal_not_found(0), True),  # not waited out: may be one created seconds ago
    (AccessDeniedError("account 1 denied iam:GetRole"), True),  # a grant not in effect yet (IAM's lag)
    (NotConvergedError("a concurrent writer"), True),
    (StaleReadError("a stale read"), True),
    (EmrfsXacctError("the live probe failed"), True),  # the verifier: access not in effect yet
]


@pytest.mark.parametrize(("error", "retriable"), DECISIONS, ids=lambda value: type(value).__name__)
def test_an_error_fails_without_retry_only_when_a_retry_cannot_mend_it(error, retriable):
    provider_class, message, attributes = type(error), str(error), dict(vars(error))

    fail_without_retry(error)

    assert isinstance(error, AirflowFailException) is not retriable
    # Still the provider's error, as the author and ``except`` clauses know it.
    assert isinstance(error, provider_class)
    assert type(error).__name__ == provider_class.__name__
    assert (str(error), vars(error)) == (message, attributes)


def test_the_same_class_serves_every_error_of_a_class():
    first, second = InvalidParameterError("a", "b"), InvalidParameterError("c", "d")
    fail_without_retry(first)
    fail_without_retry(second)
    fail_without_retry(second)  # twice: no class of a class
    assert type(first) is type(second)
    assert type(second).__mro__[1:3] == (InvalidParameterError, EmrfsXacctError)


@pytest.mark.parametrize("operator_class", [*OPERATORS, PublishPartnerPrefixOperator], ids=lambda cls: cls.__name__)
def test_every_operator_entry_fails_without_retry_on_a_bad_field(operator_class: type[BaseOperator]):
    entries = [name for name in TASK_ENTRY_METHODS if name in vars(operator_class)]
    assert entries
    assert all(getattr(vars(operator_class)[name], "_fails_without_retry", False) for name in entries)
    if operator_class is PublishPartnerPrefixOperator:
        operator = PublishPartnerPrefixOperator(task_id="t", s3_prefix="not-s3")
    else:
        operator = build(operator_class, dry_run="maybe")  # every execute checks the flag first
    ti = RecordingTaskInstance(task_id="t")

    with pytest.raises(InvalidParameterError) as raised:
        execute_as_task(operator, {"ti": ti, "task_instance": ti})

    assert isinstance(raised.value, AirflowFailException)
    assert raised.value.field in ("dry_run", "s3_prefix")


def test_a_subclass_entry_is_covered_too():
    class Custom(PublishPartnerPrefixOperator):
        def execute(self, context):
            raise ConflictError("fix it by hand")

    with pytest.raises(AirflowFailException):
        execute_as_task(Custom(task_id="t", s3_prefix="s3://b/p/"), {})


def test_a_deferred_task_s_resume_fails_without_retry_too():
    """The task runner resumes a deferred task through ``resume_execution`` into the trigger's method, not ``execute``."""

    class Custom(PublishPartnerPrefixOperator):
        def execute_complete(self, context, event=None):
            raise ConflictError("fix it by hand")

    with pytest.raises(ConflictError) as raised:
        Custom(task_id="t", s3_prefix="s3://b/p/").resume_execution("execute_complete", {"event": None}, {})

    assert isinstance(raised.value, AirflowFailException)


@pytest.mark.parametrize("operator_class", [*OPERATORS, PublishPartnerPrefixOperator], ids=lambda cls: cls.__name__)
def test_every_resume_method_of_the_provider_is_covered(operator_class: type[BaseOperator]):
    """``execute_complete`` and ``resume_execution`` named here, not through the constants: dropping one there must show."""
    for name in ("execute_complete", "resume_execution"):
        if name in vars(operator_class):
            assert getattr(vars(operator_class)[name], "_fails_without_retry", False), name


def test_the_provider_overrides_resume_execution_where_it_checks_or_cleans_up_first():
    """The verifier (the connections) and the launch (a failed deferral's cluster): covered by the test above."""
    overriding = [cls.__name__ for cls in OPERATORS if "resume_execution" in vars(cls)]
    assert overriding == ["LaunchClusterWithSecConfigOperator", "VerifyCrossAccountAccessOperator"]


@pytest.mark.parametrize("missing", ["aws_conn_id", "destination_aws_conn_id"])
def test_a_resume_refused_before_execute_complete_fails_without_retry(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The verifier's ``resume_execution`` checks both connections before ``execute_complete`` (a new worker may lack
    them): a connection Airflow does not have fails the resumed task at once, as it fails ``execute`` (docs/airflow.md,
    "Retries: only where a retry can help"), not after its ``retries``.
    """
    monkeypatch.setenv("AIRFLOW_CONN_AWS_EMR_HERE", '{"conn_type": "aws"}')
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DESTINATION_HERE", '{"conn_type": "aws"}')
    connections = {"aws_conn_id": "aws_emr_here", "destination_aws_conn_id": "aws_destination_here"}
    operator = build(VerifyCrossAccountAccessOperator, **{**connections, missing: "aws_not_in_airflow"})

    with pytest.raises(InvalidParameterError) as raised:
        operator.resume_execution("execute_complete", {"event": {"status": "success"}}, {})  # type: ignore[arg-type]

    assert raised.value.field == missing
    assert "'aws_not_in_airflow'" in str(raised.value)
    assert isinstance(raised.value, AirflowFailException)


class Nested(PublishPartnerPrefixOperator):
    """Entry methods that call one another, as the verifier's do (``execute`` → ``execute_complete``) and a resume."""

    def execute(self, context):
        return self.execute_complete(context)

    def execute_complete(self, context, event=None):
        raise InvalidParameterError("s3_prefix", "must end with /")

    def resume_execution(self, next_method, next_kwargs, context):
        return super().resume_execution(next_method, next_kwargs, context)


@pytest.mark.parametrize(
    "enter",
    [
        lambda operator: execute_as_task(operator, {}),
        lambda operator: operator.resume_execution("execute_complete", {}, {}),
    ],
    ids=["execute", "resume_execution"],
)
def test_an_error_through_nested_entry_methods_is_converted_once(enter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renamed once: an argument's name that is also a field's would be renamed again by the outer entry method."""
    from airflow_provider_emrfs_xacct.operators import failures

    named: list[str] = []
    name_the_argument = failures.name_the_argument

    def counted(error: BaseException, argument_names: Any) -> None:
        named.append(getattr(error, "field", ""))
        name_the_argument(error, argument_names)

    monkeypatch.setattr(failures, "name_the_argument", counted)
    operator = Nested(task_id="t", s3_prefix="s3://b/p/")
    operator.argument_names = {"s3_prefix": "prefix", "prefix": "partner_access(prefix=...)"}

    with pytest.raises(InvalidParameterError) as raised:
        enter(operator)

    assert named == ["s3_prefix"]
    assert raised.value.field == "prefix"
    assert isinstance(raised.value, AirflowFailException)
    assert getattr(Nested.resume_execution, "_fails_without_retry", False)


def errors_of_every_class() -> list[EmrfsXacctError]:
    """A fresh error of each class the provider raises, with the constructor arguments each takes."""
    from botocore.exceptions import EndpointConnectionError

    from airflow_provider_emrfs_xacct.cli import AwsCallError, CredentialsError
    from airflow_provider_emrfs_xacct.pure.quotas import QuotaRefusedByAwsError

    return [
        InvalidParameterError("s3_prefixes[0]", "must end with /"),
        QuotaExceededError("s3_prefixes", MANAGED_POLICIES_PER_ROLE, 21, "the policies of the role"),
        QuotaRefusedByAwsError("trusted_role_arns", MANAGED_POLICIES_PER_ROLE, "the write", "LimitExceeded"),
        ConflictError("statement 'x' holds the wildcard principal '*'", "iam role r trust policy"),
        ConflictError("managed policy p is attached to user u too", "p", field="s3_prefixes"),  # renamed, pickled
        PreconditionError("an AWS managed key", retriable=True, field="s3_prefixes"),  # renamed, pickled
        principal_not_found(60),
        principal_not_found(0),
        AccessDeniedError("account 1 denied iam:GetRole"),
        NotConvergedError("a concurrent writer"),
        StaleReadError("a stale read", sent=True),
        AwsCallError("step grant", EndpointConnectionError(endpoint_url="https://iam.amazonaws.com")),
        CredentialsError("expired"),
        EmrfsXacctError("the live probe failed"),
    ]


def comparable(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes, an exception among them as its class and arguments (exceptions compare by identity)."""
    return {
        name: (type(value), value.args) if isinstance(value, BaseException) else value
        for name, value in attributes.items()
    }


@pytest.mark.parametrize("without_retry", [False, True], ids=["as-raised", "as-it-leaves-the-task"])
@pytest.mark.parametrize("error", errors_of_every_class(), ids=lambda value: type(value).__name__)
def test_every_error_survives_pickling_and_copying(error: EmrfsXacctError, without_retry: bool) -> None:
    """
    An error crossing processes (``multiprocessing``, ``concurrent.futures`` pools) is pickled: Python rebuilds an
    exception by calling its class with its ``args``, the message alone, which ``InvalidParameterError(field,
    problem)`` refused (a ``TypeError`` in the receiving process). The class that fails the task without retries
    is not its module's name (``Can't pickle …: it's not the same object``). Both come back as they left.
    """
    import copy
    import pickle

    from airflow_provider_emrfs_xacct.operators.failures import name_the_argument

    if without_retry:
        name_the_argument(error, {"s3_prefixes": "partner_access(prefixes=...)"})
        fail_without_retry(error)

    for again in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error), copy.copy(error)):
        assert type(again) is type(error)
        assert (again.args, comparable(vars(again))) == (error.args, comparable(vars(error)))
        assert isinstance(again, AirflowFailException) is isinstance(error, AirflowFailException)


@pytest.mark.parametrize(
    "error",
    [
        PreconditionError("arn:aws:kms:eu-west-1:1:key/k is an AWS managed key", field="key_arn"),
        ConflictError("the role named r that connection 'c' sees is arn:aws:iam::1:role/x/r", field="key_arn"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_a_refusal_about_a_hooks_field_names_the_argument_the_dag_author_wrote(error: EmrfsXacctError) -> None:
    from airflow_provider_emrfs_xacct.operators.failures import name_the_argument

    assert str(error).startswith("key_arn: ")
    name_the_argument(error, {"key_arn": "partner_access(kms_key_arn=...)"})
    assert str(error).startswith("partner_access(kms_key_arn=...): ")
    assert error.field == "partner_access(kms_key_arn=...)"  # type: ignore[attr-defined]
