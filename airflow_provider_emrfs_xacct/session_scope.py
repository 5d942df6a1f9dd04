"""
One boto3 session per connection and Region while a task runs, shared by the provider's hooks.

The Amazon provider builds a new session for every client it makes (``AwsGenericHook.get_session``:
``SessionFactory(...).create_session()``), and on a connection with ``role_arn`` each new session
assumes the role again (``BaseSessionFactory._create_session_with_assume_role``: one
``sts:AssumeRole`` and two botocore sessions). A verifier builds IAM, S3, S3 Control, KMS, EMR and
STS clients on two connections, so it assumed the same two roles seven times. Within
:func:`shared_sessions` (every provider task's ``execute`` and ``execute_complete``, and each command
of the command line) the hooks of one connection, Region and kind (deferrable or not) share one
session: its assumed-role credentials refresh themselves before they expire (the Amazon provider
builds them as botocore's ``RefreshableCredentials``, refreshed by assuming the role again), and each
client keeps its own botocore config and TLS setting, which ``get_client_type`` passes to the client,
not to the session. Sessions are not to be shared between
threads (boto3 User Guide, "Session": "Session objects are not thread safe and should not be shared
across threads and processes"): the scope is a context variable, which a new thread does not inherit,
so threads a task starts build their own sessions, as before. Outside a scope (a trigger's async hooks, a
macro rendering a template, a hook built by hand) every call builds a new session, as the Amazon
provider does. Either way the session is the Amazon provider's but for one thing: on a connection with
``profile_name`` and ``role_arn`` it keeps the profile's settings (:func:`_profile_keeping_session_factory`).
This module imports nothing of boto3 or the Amazon provider: the operators' modules
import it when a DAG file is parsed (:func:`in_shared_sessions`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

CallableT = TypeVar("CallableT", bound=Callable[..., Any])

_SESSIONS: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "emrfs_xacct_shared_sessions", default=None
)


@contextlib.contextmanager
def shared_sessions() -> Iterator[None]:
    """Within the block, the provider's hooks of one connection, Region and kind share one session (nested: the outer one's)."""
    if _SESSIONS.get() is not None:
        yield
        return
    token = _SESSIONS.set({})
    try:
        yield
    finally:
        _SESSIONS.reset(token)


def in_shared_sessions(method: CallableT) -> CallableT:
    """Decorate ``method`` (a task entry method, a command) to run within :func:`shared_sessions`."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with shared_sessions():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SharedSessionHookMixin:
    """``get_session`` of the Amazon provider's hooks, once per connection, Region and kind within :func:`shared_sessions`."""

    aws_conn_id: str | None
    conn_config: Any
    config: Any

    def get_session(self, region_name: str | None = None, deferrable: bool = False) -> Any:
        sessions = _SESSIONS.get()
        if sessions is None:
            return self._new_session(region_name, deferrable)
        # The Region the session gets (the hook's or the connection's when none is given) and the TLS setting
        # its sts:AssumeRole client uses (the connection's ``verify``, the hook's if given) tell sessions apart.
        key = (self.aws_conn_id, region_name or self.conn_config.region_name, self.conn_config.verify, deferrable)
        if key not in sessions:
            sessions[key] = self._new_session(region_name, deferrable)
        return sessions[key]

    def _new_session(self, region_name: str | None, deferrable: bool) -> Any:
        """A new session, as the Amazon provider's ``get_session`` builds it, but keeping the connection's profile."""
        factory = _profile_keeping_session_factory()(conn=self.conn_config, region_name=region_name, config=self.config)
        return factory.create_session(deferrable=deferrable)


@functools.cache
def _profile_keeping_session_factory() -> type[Any]:
    """
    The Amazon provider's ``SessionFactory`` (``[aws] session_factory`` if set), keeping the connection's profile.

    On a connection with ``role_arn`` the Amazon provider assumes the role through a session of ``profile_name``,
    but makes the calls through a new session built from no profile (``_create_session_with_assume_role``:
    ``botocore.session.get_session()``) given only the assumed credentials and the Region: the profile's
    ``endpoint_url`` and ``services`` section (AWS SDKs and Tools Reference Guide, "Service-specific endpoints"),
    ``use_fips_endpoint`` ("Dual-stack and FIPS endpoints"), ``ca_bundle`` … gave way to ``AWS_PROFILE``'s or
    ``[default]``'s, and an ``AWS_PROFILE`` naming no profile failed it. Here that session is named the profile
    (botocore's ``profile`` variable, which ``boto3.Session(profile_name=…)`` sets before it reads any setting)
    before any client is made; the credentials set on it stay the role's (``profile_name`` sets none).
    """
    from airflow.providers.amazon.aws.hooks.base_aws import SessionFactory

    class ProfileKeepingSessionFactory(SessionFactory):  # type: ignore[misc,valid-type]
        def _create_session_with_assume_role(self, session_kwargs: dict[str, Any], deferrable: bool = False) -> Any:
            profile = self.conn.profile_name
            if profile is None:
                return super()._create_session_with_assume_role(session_kwargs, deferrable=deferrable)
            if not deferrable:
                return super()._create_session_with_assume_role({**session_kwargs, "profile_name": profile})
            session = super()._create_session_with_assume_role(session_kwargs, deferrable=True)  # aiobotocore's
            session.set_config_variable("profile", profile)
            return session

    return ProfileKeepingSessionFactory
