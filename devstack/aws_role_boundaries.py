"""
IAM's refusal of a ``CreateRole`` whose permissions boundary does not exist, played in the stand-in (moto takes it).

``CreateRole`` sets ``PermissionsBoundary``, "The ARN of the managed policy that is used to set the permissions
boundary for the role" (IAM API Reference, "CreateRole"). What it answers for a boundary that does not exist or cannot
be attached is not documented: its "Errors" list LimitExceeded, InvalidInput, EntityAlreadyExists,
MalformedPolicyDocument, ConcurrentModification and ServiceFailure only. The stand-in answers as
``PutRolePermissionsBoundary``, which sets a boundary too, documents: ``NoSuchEntity`` (HTTP 404) when a request
"referenced a resource entity that does not exist", ``PolicyNotAttachable`` (HTTP 400) for an AWS service role policy
(IAM API Reference, "PutRolePermissionsBoundary", "Errors"). A customer managed policy is one "that you manage in your
own AWS account" and attach "to identities ... in your AWS account" (IAM User Guide, "Define custom IAM permissions
with customer managed policies"): this judge looks for it among the role's account's policies only, so another
account's is refused too. An AWS managed one (account ``aws``) exists when moto's copy of AWS's list holds it, whether
or not moto loads that list into its backends (``MOTO_IAM_LOAD_MANAGED_POLICIES``); ``GetPolicy`` answers it so too
(IAM API Reference, "GetPolicy": "Retrieves information about the specified managed policy"), as AWS does for any
account, where moto would answer ``NoSuchEntity`` for one it has not loaded. An AWS service role policy (path
``/aws-service-role/``) is refused as a boundary with ``PolicyNotAttachable`` ("AWS service role policies can only be
attached to the service-linked role for that service": IAM API Reference, "PutRolePermissionsBoundary", "Errors"; not
one of CreateRole's documented errors), and ``GetPolicy`` answers its ``IsAttachable`` false. AWS may answer it
``NoSuchEntity`` instead ("does not exist or is not attachable"): the provider takes either as permanent.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import moto.iam.models
from moto.core.responses import ActionResult
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.responses import IamResponse

from devstack import backend_judges

#: moto's own methods (or the judges installed before these), by name.
_moto: dict[str, Any] = {}


@functools.cache
def _aws_managed_data() -> dict[str, tuple[str, dict[str, Any]]]:
    """Each AWS managed policy moto knows (its name and data), by the ``policy/PATH/NAME`` part of its ARN."""
    return {f"policy{data['Path']}{name}": (name, data) for name, data in json.loads(aws_managed_policies_data).items()}


def _aws_managed() -> frozenset[str]:
    """The ``policy/PATH/NAME`` part of every AWS managed policy's ARN moto knows."""
    return frozenset(_aws_managed_data())


#: The path of AWS's service role policies, which "can only be attached to the service-linked role for that service"
#: (IAM API Reference, "PutRolePermissionsBoundary", "Errors", ``PolicyNotAttachable``).
SERVICE_ROLE_PATH = "policy/aws-service-role/"


def _service_role_policy(arn: str) -> bool:
    """An AWS service role policy (``arn:aws:iam::aws:policy/aws-service-role/…``): not attachable to a role."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[4] == "aws" and parts[5].startswith(SERVICE_ROLE_PATH)


def _unloaded_policy(self: Any) -> Any:
    """The AWS managed policy moto knows but has not loaded, as ``GetPolicy`` answers it; else moto's refusal."""
    try:
        return _moto["get_policy"](self).result["Policy"]
    except NotFoundException:
        parts = str(self._get_param("PolicyArn")).split(":", 5)
        if len(parts) != 6 or parts[4] != "aws" or parts[5] not in _aws_managed_data():
            raise
        name, data = _aws_managed_data()[parts[5]]
        return moto.iam.models.AWSManagedPolicy.from_data(name, self.current_account, self.region, data)


def get_policy(self: Any) -> Any:
    """
    ``GetPolicy`` of an AWS managed policy moto knows but has not loaded: answered as AWS answers it; a service role
    policy with ``IsAttachable`` false ("Specifies whether the policy can be attached to an IAM user, group, or
    role": IAM API Reference, "Policy"), where moto answers true.
    """
    policy = _unloaded_policy(self)
    if _service_role_policy(str(self._get_param("PolicyArn"))):
        policy = copy.copy(policy)  # moto's loaded one left as it is
        policy.is_attachable = False
    return ActionResult({"Policy": policy})


class PolicyNotAttachable(IAMException):
    """
    IAM's refusal of a service role policy as a role's boundary, as ``PutRolePermissionsBoundary`` documents it (HTTP
    400: IAM API Reference, "PutRolePermissionsBoundary", "Errors"); CreateRole's answer is not documented.
    """

    code = "PolicyNotAttachable"


def _boundary_exists(backend: Any, arn: str) -> bool:
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return True  # moto's own check refuses it (InvalidParameterValue)
    if parts[4] == "aws":
        return parts[5] in _aws_managed()
    return parts[4] == backend.account_id and arn in backend.managed_policies


def create_role(
    self: Any,
    role_name: str,
    assume_role_policy_document: str,
    path: str,
    permissions_boundary: str | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    if permissions_boundary and not _boundary_exists(self, permissions_boundary):
        raise NotFoundException(f"Policy {permissions_boundary} does not exist or is not attachable.")
    if permissions_boundary and _service_role_policy(permissions_boundary):
        raise PolicyNotAttachable(
            "AWS service role policies can only be attached to the service-linked role for that service."
        )
    return _moto["create_role"](
        self, role_name, assume_role_policy_document, path, permissions_boundary, *args, **kwargs
    )


_JUDGES: dict[type, tuple[Any, ...]] = {moto.iam.models.IAMBackend: (create_role,), IamResponse: (get_policy,)}


def install() -> None:
    """Put the judges in front of moto's IAM backend and its GetPolicy handler (once per process)."""
    backend_judges.install(_JUDGES, _moto)
