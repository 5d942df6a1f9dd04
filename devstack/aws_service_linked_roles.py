"""
IAM's refusal to change a service-linked role, played in the stand-in (moto changes it).

A service-linked role is "predefined by the service" and its permissions can be changed only by that service (IAM
User Guide, "Using service-linked roles"); its path is ``/aws-service-role/<service>/`` (same page). IAM refuses
``UpdateAssumeRolePolicy``, ``PutRolePolicy``, ``DeleteRolePolicy``, ``AttachRolePolicy`` and ``DetachRolePolicy``
on it with ``UnmodifiableEntity`` ("The request was rejected because service-linked roles are protected Amazon Web
Services resources": IAM API Reference, UpdateAssumeRolePolicy, PutRolePolicy, "Errors", HTTP 400). This judge,
on the role's path alone, refuses those writes as IAM does and changes nothing.
"""

from __future__ import annotations

from typing import Any

import moto.iam.models
from moto.iam.exceptions import IAMException

from devstack import backend_judges

#: The path every service-linked role has (IAM User Guide, "Using service-linked roles").
SERVICE_LINKED_PATH = "/aws-service-role/"
#: moto's own methods (or the judges installed before these), by name.
_moto: dict[str, Any] = {}


class UnmodifiableEntity(IAMException):
    code = "UnmodifiableEntity"


def _refuse_if_service_linked(backend: Any, role_name: str) -> None:
    role = backend.get_role(role_name)
    if str(role.path or "").startswith(SERVICE_LINKED_PATH):
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}' - this role is only modifiable by AWS"
        )


def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
    _refuse_if_service_linked(self, role_name)
    _moto["update_assume_role_policy"](self, role_name, policy_document)


def put_role_policy(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
    _refuse_if_service_linked(self, role_name)
    _moto["put_role_policy"](self, role_name, policy_name, policy_json)


def delete_role_policy(self: Any, role_name: str, policy_name: str) -> None:
    _refuse_if_service_linked(self, role_name)
    _moto["delete_role_policy"](self, role_name, policy_name)


def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
    _refuse_if_service_linked(self, role_name)
    _moto["attach_role_policy"](self, policy_arn, role_name)


def detach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
    _refuse_if_service_linked(self, role_name)
    _moto["detach_role_policy"](self, policy_arn, role_name)


_JUDGES: dict[type, tuple[Any, ...]] = {
    moto.iam.models.IAMBackend: (
        update_assume_role_policy,
        put_role_policy,
        delete_role_policy,
        attach_role_policy,
        detach_role_policy,
    ),
}


def install() -> None:
    """Put the judges in front of moto's IAM backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
