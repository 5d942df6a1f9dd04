"""
Errors a retry cannot mend fail the task at once, not after its ``retries``.

Airflow retries a failed task ``retries`` times, ``retry_delay`` apart, unless it raised
``AirflowFailException`` (the Task SDK's task runner then marks it failed). A bad field, a
conflict to fix by hand or a missing precondition fails every try the same way: with the
``retries=3, retry_delay=timedelta(minutes=5)`` of many ETL DAGs, a typo cost four tries and
15 minutes before anyone was told. Such an error (``EmrfsXacctError.retriable`` false) becomes, as
it leaves ``execute`` (after a deferral, ``resume_execution`` or ``execute_complete``), an instance of
a class that is both its own class and ``AirflowFailException``: ``except InvalidParameterError``
still catches it, with the same message and attributes. What may pass on its own (IAM's lag, a
concurrent writer, an access denied) keeps its retries.

The Task SDK renders a task's templates before ``execute``, in the same ``try`` whose
``except (AirflowFailException, AirflowSensorTimeout)`` alone skips the retries (``_prepare`` calls
``ti.render_templates``: ``airflow/sdk/execution_time/task_runner.py``). So a refusal while rendering is
converted there too: in the provider's macros (``macros.py``, in any operator's templates) and in the
provider's operators' own rendering (:meth:`FailsWithoutRetryMixin._do_render_template_fields`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

CallableT = TypeVar("CallableT", bound=Callable[..., Any])

#: The methods through which the task runner enters an operator: ``execute``, and after a deferral
#: the method the trigger names (``execute_complete``), which it calls through :data:`RESUME_METHOD`.
TASK_ENTRY_METHODS = ("execute", "execute_complete")
#: How the task runner resumes a deferred task: ``task.resume_execution(next_method, next_kwargs, context)``
#: (``airflow/sdk/execution_time/task_runner.py``). ``BaseOperator``'s calls the method the trigger names; the
#: verifier's and the launch's check the connections or clean up first, and what they raise leaves the task there.
RESUME_METHOD = "resume_execution"

#: The operators (by ``id``) one of whose task entry methods is running in this context: an entry method it calls
#: in turn (``resume_execution`` calling ``execute_complete``, ``execute`` calling ``execute_complete``, a subclass's
#: ``execute`` its parent's) leaves a provider error to the outermost, which converts it once.
_ENTERED: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar("emrfs_xacct_entered", default=frozenset())

_WITHOUT_RETRY: dict[type[EmrfsXacctError], type[EmrfsXacctError]] = {}


def without_retry_class(error_class: type[EmrfsXacctError]) -> type[EmrfsXacctError]:
    """
    The subclass of ``error_class`` that is also ``AirflowFailException`` (one per class, same name).

    It has no name of its own in its module (that name is ``error_class``'s), so it is pickled as
    ``error_class`` and made this class again when unpickled (:func:`rebuilt_without_retry`).
    """
    if error_class not in _WITHOUT_RETRY:
        _WITHOUT_RETRY[error_class] = type(
            error_class.__name__,
            (error_class, AirflowFailException),
            {
                "__module__": error_class.__module__,
                "__qualname__": error_class.__qualname__,
                "__reduce__": _reduce_without_retry,
            },
        )
    return _WITHOUT_RETRY[error_class]


def _reduce_without_retry(error: EmrfsXacctError) -> tuple[Any, ...]:
    """Pickle an error of a :func:`without_retry_class` as its provider class, rebuilt by :func:`rebuilt_without_retry`."""
    provider_class = next(cls for cls in type(error).__mro__ if cls not in _WITHOUT_RETRY.values())
    return rebuilt_without_retry, (provider_class, error.args, dict(error.__dict__))


def rebuilt_without_retry(
    error_class: type[EmrfsXacctError], args: tuple[Any, ...], attributes: dict[str, Any]
) -> EmrfsXacctError:
    """Rebuild an error pickled by :func:`_reduce_without_retry`: of ``error_class``, failing the task without retries."""
    from airflow_provider_emrfs_xacct.pure.exceptions import rebuilt

    error = rebuilt(without_retry_class(error_class), args, attributes)
    return error  # type: ignore[return-value]


def fail_without_retry(error: BaseException) -> None:
    """Make ``error`` fail the task without retries, when it is a provider error a retry cannot mend."""
    if isinstance(error, EmrfsXacctError) and not error.retriable and not isinstance(error, AirflowFailException):
        error.__class__ = without_retry_class(type(error))


def name_the_argument(error: BaseException, argument_names: Mapping[str, str] | None) -> None:
    """
    Make a refusal of one of the task's fields name the argument its value came from instead.

    ``argument_names`` maps a field (``trusted_role_arns``) to what the DAG author wrote
    (``partner_access(emr_ec2_role_arn=...)``): a refusal of the field or of a part of it
    (``trusted_role_arns[0]``, ``role_mappings[0].Identifiers[0]``) then names that argument.
    """
    field = getattr(error, "field", None)
    if not argument_names or not isinstance(field, str) or not error.args or not isinstance(error.args[0], str):
        return
    for own, given in argument_names.items():
        if (field == own or field.startswith((f"{own}[", f"{own}."))) and error.args[0].startswith(f"{field}: "):
            error.field = given  # type: ignore[attr-defined]
            error.args = (f"{given}: {error.args[0][len(field) + 2 :]}", *error.args[1:])
            return


@contextlib.contextmanager
def provider_errors_failing_without_retry(argument_names: Mapping[str, str] | None = None) -> Iterator[None]:
    """A provider error a retry cannot mend leaves the block as :func:`fail_without_retry` makes it, naming the argument."""
    try:
        yield
    except EmrfsXacctError as error:
        name_the_argument(error, argument_names)
        fail_without_retry(error)
        raise


def failing_without_retry(method: CallableT) -> CallableT:
    """
    Decorate a task entry method: a provider error a retry cannot mend leaves it as :func:`fail_without_retry`
    makes it, naming the argument its value came from (:func:`name_the_argument`, the task's ``argument_names``).
    Once per error: within another entry method of the same operator the error is left to that one.
    """
    if getattr(method, "_fails_without_retry", False):
        return method

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entered, operator = _ENTERED.get(), id(args[0]) if args else 0
        if operator in entered:
            return method(*args, **kwargs)
        token = _ENTERED.set(entered | {operator})
        try:
            with provider_errors_failing_without_retry(getattr(args[0], "argument_names", None) if args else None):
                return method(*args, **kwargs)
        finally:
            _ENTERED.reset(token)

    wrapper._fails_without_retry = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def wrap_task_entry_methods(cls: type, decorator: Callable[[Any], Any]) -> None:
    """Decorate each of the :data:`TASK_ENTRY_METHODS` and :data:`RESUME_METHOD` that ``cls`` itself defines with ``decorator``."""
    for name in (*TASK_ENTRY_METHODS, RESUME_METHOD):
        if name in vars(cls):
            setattr(cls, name, decorator(vars(cls)[name]))


class FailsWithoutRetryMixin:
    """
    Decorate the task entry methods every subclass defines with :func:`failing_without_retry`, and fail
    a refusal while the task's templates are rendered the same way.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        wrap_task_entry_methods(cls, failing_without_retry)

    def _do_render_template_fields(self, parent: Any, template_fields: Any, *args: Any, **kwargs: Any) -> None:
        """
        Render ``template_fields`` of ``parent`` as Airflow does; a provider error a retry cannot mend fails the task.

        Every render of the operator's fields reaches it, also its own hooks (``render_template``, a callable
        field): ``BaseOperator.render_template_fields`` calls it, and a mapped task's ``MappedOperator.render_template_fields``
        calls it on the unmapped operator, not that operator's ``render_template_fields``
        (``airflow/sdk/definitions/mappedoperator.py``).
        """
        with provider_errors_failing_without_retry(getattr(self, "argument_names", None)):
            super()._do_render_template_fields(parent, template_fields, *args, **kwargs)  # type: ignore[misc]
