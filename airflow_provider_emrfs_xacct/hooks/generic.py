"""What every provider hook adds to the Amazon provider's, and a hook of any AWS service with it."""

from __future__ import annotations

import inspect
import sys
from functools import cached_property
from typing import Any, cast

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook, AwsGenericHook
from botocore.config import Config

from airflow_provider_emrfs_xacct.session_scope import SharedSessionHookMixin


class CallerFromFramesMixin:
    """
    The Amazon provider's ``Caller/`` user-agent field, found by walking the frames without reading source files.

    ``AwsGenericHook`` names, in the user agent of every client it builds, the class whose ``execute`` (or
    ``poke``) is on the stack, else an executor's (``_get_caller``). It finds it with ``inspect.stack()``, which
    also reads every frame's source file and lines; under a task's deep stack that is most of what building a
    client costs after the session (about a tenth of a verifier's run on the stand-in). The same search over
    ``frame.f_back`` gives the same answer (``tests/unit/test_hooks_generic.py`` compares both).
    """

    @staticmethod
    def _find_operator_class_name(target_function_name: str) -> str | None:
        frame = sys._getframe(0)
        while frame is not None:
            if frame.f_code.co_name == target_function_name:
                return type(frame.f_locals["self"]).__name__
            frame = frame.f_back  # type: ignore[assignment]
        return None

    @staticmethod
    def _find_executor_class_name() -> str | None:
        frame = sys._getframe(0)
        while frame is not None:
            classes = [name for name, value in frame.f_globals.items() if inspect.isclass(value)]
            if "BaseExecutor" in classes:
                return classes[-1]
            frame = frame.f_back  # type: ignore[assignment]
        return None


class EmrfsHookMixin(SharedSessionHookMixin, CallerFromFramesMixin):
    """Mixed in before an Amazon-provider hook class: one session per connection in a task, a cheaper user agent."""

    @cached_property
    def client_sending_once(self) -> Any:
        """
        A client of the hook's service, with its settings, that sends each call once (botocore's retries off): for the
        calls whose caller sends them again itself (the launch's ``RunJobFlow``, the revoke's ``DeleteRolePolicy``).
        """
        hook = cast("AwsGenericHook[Any]", self)
        return hook.get_client_type(config=(hook.config or Config()).merge(Config(retries={"total_max_attempts": 1})))


class EmrfsAwsHook(EmrfsHookMixin, AwsBaseHook):
    """
    ``AwsBaseHook`` (a client of the service ``client_type`` names) with :class:`EmrfsHookMixin`.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """
