"""
IAM's refusal to delete a managed policy that is still attached or has other versions, played in the stand-in.

"Before you can delete a managed policy, you must first detach the policy from all users, groups, and roles
that it is attached to. In addition, you must delete all the policy's versions" (IAM API Reference,
"DeletePolicy"; refused with ``DeleteConflict``: "attempted to delete a resource that has attached subordinate
entities"). moto deletes it anyway. This judge, with its own count of moto's records (not the provider's
code), refuses as IAM does and deletes nothing.
"""

from __future__ import annotations

from typing import Any

import moto.iam.models
from moto.iam.exceptions import DeleteConflictException

from devstack import backend_judges

#: moto's own methods, by name, called once a judge lets a request through.
_moto: dict[str, Any] = {}


def delete_policy(self: Any, policy_arn: str) -> None:
    policy = self.get_policy(policy_arn)
    others = [version.version_id for version in policy.versions if not version.is_default]
    if policy.attachment_count:
        raise DeleteConflictException(f"Cannot delete a policy attached to entities ({policy.attachment_count}).")
    if others:
        raise DeleteConflictException(
            f"This policy has more than one version ({', '.join(others)} besides the default)."
        )
    _moto["delete_policy"](self, policy_arn)


_JUDGES: dict[type, tuple[Any, ...]] = {moto.iam.models.IAMBackend: (delete_policy,)}


def install() -> None:
    """Put the judge in front of moto's IAM backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
