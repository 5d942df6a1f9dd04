"""Errors raised by the provider; each message names what was wrong."""

from __future__ import annotations

from typing import Any


def rebuilt(error_class: type[BaseException], args: tuple[Any, ...], attributes: dict[str, Any]) -> BaseException:
    """Rebuild an error from its ``args`` and attributes, without calling its ``__init__`` (see :meth:`EmrfsXacctError.__reduce__`)."""
    error = error_class.__new__(error_class)
    error.args = args
    error.__dict__.update(attributes)
    return error


class EmrfsXacctError(Exception):
    """
    Base class of every error this provider raises.

    Picklable and copyable whatever its constructor's parameters: Python rebuilds an exception by calling its
    class with its ``args`` (``BaseException.__reduce__``), and ``args`` is the message alone, not what
    ``__init__`` takes (``InvalidParameterError(field, problem)``). An error sent to another process (a
    ``concurrent.futures`` or ``multiprocessing`` pool running provider code) then failed to unpickle there.
    """

    #: Whether running the task again with the same arguments can succeed. ``True`` where the cause may
    #: pass on its own (IAM's lag, a concurrent writer, a denial an administrator lifts); ``False`` where it
    #: is in the arguments or in AWS state only a person changes. The operators fail the task without its
    #: retries on an error that is not (``operators/failures.py``); the CLI ignores it.
    retriable: bool = True

    def __reduce__(self) -> tuple[Any, ...]:
        """Rebuild from the message and the attributes as they are now (a renamed ``field`` too), not through ``__init__``."""
        return rebuilt, (type(self), self.args, dict(self.__dict__))


class InvalidParameterError(EmrfsXacctError, ValueError):
    """
    A parameter failed validation; raised before any AWS call that changes anything.

    :param field: the parameter (or path inside it, e.g. ``role_mappings[1].Role``) that is wrong.
    :param problem: what is wrong with it.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    retriable = False


class ConflictError(EmrfsXacctError):
    """
    What exists in AWS contradicts what was asked and cannot be merged safely (fixed by hand, not by a retry).

    :param message: what is wrong and how to fix it.
    :param document: the AWS document it is about (``iam role r trust policy``), when the message names it;
        else the document's read-modify-write names it (:meth:`naming`).
    :param field: the parameter whose value met the conflict (``emr_ec2_role_name``): the message starts with it, as
        an :class:`InvalidParameterError`'s does, so that a task refusing it names the argument the DAG author wrote
        (``operators/failures.py``, ``name_the_argument``).
    """

    retriable = False

    def __init__(self, message: str, document: str | None = None, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.document = document
        self.field = field

    def naming(self, document: str) -> None:
        """Start the message with ``document`` unless it names one already."""
        if self.document is None:
            self.document = document
            self.args = (f"{document}: {self.args[0]}", *self.args[1:])


class NotConvergedError(EmrfsXacctError):
    """A read-modify-write did not see its own change after the allowed number of attempts (retriable)."""


class PreconditionError(EmrfsXacctError):
    """
    Something the step depends on is missing or set otherwise in AWS (fixed by hand, not by a retry).

    :param retriable: a retry may see it (a key or role made seconds ago that eventual consistency hides).
    :param field: the parameter whose value it is about (``key_arn``): the message starts with it, as
        :class:`ConflictError`'s does.
    """

    retriable = False

    def __init__(self, message: str, *, retriable: bool = False, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.retriable = retriable
        self.field = field


class AccessDeniedError(EmrfsXacctError):
    """
    AWS denied a call; the message names the account, the action and the resource.

    Retriable: a permission granted seconds ago may not be in effect yet (IAM's lag), or an
    administrator may grant it before the next try.
    """


class PrincipalNotFoundError(InvalidParameterError):
    """
    AWS still refused a policy naming the principals in ``field`` after the bounded wait for IAM's lag.

    KMS and IAM refuse a key or trust policy naming a principal they do not see; a principal created
    seconds ago may not be visible yet, so the refusal is waited out first. One that never appears does not
    exist (a wrong account, path or name). Nothing was changed. Retriable only when it was not waited out.

    :param field: the parameter holding the principals.
    :param where: the policy refused (e.g. ``the key policy of arn:...``).
    :param principals: the principals the provider asked for.
    :param waited_seconds: how long the refusal was waited out (0: not waited out, S3's bucket policies).
    :param aws_said: the refusal, as AWS worded it.
    """

    def __init__(self, field: str, where: str, principals: list[str], waited_seconds: float, aws_said: str) -> None:
        self.retriable = not waited_seconds
        refused = (
            f"{where} was still refused after {waited_seconds:g} s of waiting for new principals to become visible"
            if waited_seconds
            else f"{where} was refused"
        )
        super().__init__(
            field,
            f"{refused}: one of {', '.join(principals)} does not exist (check each ARN's account, path and name"
            f"{'' if waited_seconds else '; or was created seconds ago and is not visible yet: run again'}); "
            f"AWS said: {aws_said}",
        )
