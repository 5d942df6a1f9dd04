"""
IAM's refusal to delete a managed policy that is still attached or has other versions, played in the stand-in.

"Before you can delete a managed policy, you must first detach the policy from all users, groups, and roles
that it is attached to. In addition, you must delete all the policy's versions" (IAM API Reference,
"DeletePolicy"; refused with ``DeleteConflict``: "attempted to delete a resource that has attached subordinate
entities"). moto deletes it anyway. This judge, with its own count of moto's records (not the provider's
code), refuses as IAM does and deletes nothing.

And EMR's refusal to delete a security configuration that a cluster not terminated uses:
``InvalidRequestException`` "Security configuration '<name>' cannot be deleted because it is in use by active
clusters" (seen in public issue threads, e.g. terraform-provider-aws #6279; the Amazon EMR API Reference lists
``InvalidRequestException`` for DeleteSecurityConfiguration, "Errors", without saying when). moto deletes it
anyway. This judge reads moto's own clusters (their ``state`` and ``security_configuration``), counts a cluster
in use until it is ``TERMINATED`` or ``TERMINATED_WITH_ERRORS`` (Amazon EMR API Reference, "ClusterStatus"), and
deletes nothing when one is.
"""

from __future__ import annotations

from typing import Any

import moto.emr.models
import moto.iam.models
from moto.emr.exceptions import InvalidRequestException
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


#: A cluster in these states no longer uses its security configuration.
_ENDED = ("TERMINATED", "TERMINATED_WITH_ERRORS")


def delete_security_configuration(self: Any, name: str) -> None:
    users = sorted(
        cluster.id
        for cluster in self.clusters.values()
        if cluster.security_configuration == name and cluster.state not in _ENDED
    )
    if users:
        raise InvalidRequestException(
            f"Security configuration '{name}' cannot be deleted because it is in use by active clusters "
            f"({', '.join(users)})."
        )
    _moto["delete_security_configuration"](self, name)


_JUDGES: dict[type, tuple[Any, ...]] = {
    moto.iam.models.IAMBackend: (delete_policy,),
    moto.emr.models.ElasticMapReduceBackend: (delete_security_configuration,),
}


def install() -> None:
    """Put the judges in front of moto's IAM and EMR backends (once per process)."""
    backend_judges.install(_JUDGES, _moto)
