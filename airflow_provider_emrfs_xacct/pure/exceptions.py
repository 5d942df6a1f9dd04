"""Errors raised by the provider; each message names what was wrong."""

from __future__ import annotations


class EmrfsXacctError(Exception):
    """Base class of every error this provider raises."""


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


class ConflictError(EmrfsXacctError):
    """What exists in AWS contradicts what was asked and cannot be merged safely."""


class NotConvergedError(EmrfsXacctError):
    """A read-modify-write did not see its own change after the allowed number of attempts."""


class PreconditionError(EmrfsXacctError):
    """Something the step depends on is missing (e.g. the named security configuration)."""


class AccessDeniedError(EmrfsXacctError):
    """AWS denied a call; the message names the account, the action and the resource."""
