"""
What a cluster launched with AWS's scoped EMR service policy needs tagged, checked before ``RunJobFlow``.

``AmazonEMRServicePolicy_v2``, the policy of AWS's default service role ``EMR_DefaultRole_V2``, "depends on scoped
down access to resources that Amazon EMR provisions or uses. When you use this policy, you need to pass the user tag
``for-use-with-amazon-emr-managed-policies = true`` when provisioning the cluster" (Amazon EMR Management Guide,
"Service role for Amazon EMR (EMR role)"); and "You must manually tag EC2 security groups and EC2 subnets with the
Amazon EMR managed policy tag" ("Tagging resources to use managed policies": EMR tags the security groups it
creates itself). The policy's ``CreateInTaggedNetwork`` statement allows ``ec2:RunInstances`` on
``subnet/*`` and ``security-group/*`` only under ``StringEquals`` ``aws:ResourceTag/for-use-with-amazon-emr-managed-
policies`` ``true`` (AWS Managed Policy Reference, "AmazonEMRServicePolicy_v2"). Without them the cluster is not
provisioned, minutes and a bill after the run's other tasks changed both accounts.

A role's identity policies add up: another policy of the service role (the deprecated ``AmazonElasticMapReduceRole``,
an inline one) may allow what the scoped one does not. For such a role each refusal carries the requests EMR's service
role would send for it (:class:`Refusal`), and :func:`judge` evaluates them with all the role's policies: the refusal
holds only where they do not allow one.

Pure: no boto3, no Airflow. ``hooks/emr.py`` reads the role's policies and the network's tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_emrfs_xacct.pure.evaluator import Request
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError

#: The tag AWS's scoped (v2) EMR managed policies ask on the cluster, its subnets and the security groups it is given.
MANAGED_POLICIES_TAG = "for-use-with-amazon-emr-managed-policies"
SCOPED_SERVICE_POLICY = "AmazonEMRServicePolicy_v2"
#: The ARN of the AWS managed policy, in any partition (``arn:aws-cn:...`` in China).
_SCOPED_POLICY_ARN = re.compile(rf"arn:aws(-[a-z-]+)?:iam::aws:policy/service-role/{SCOPED_SERVICE_POLICY}")
#: Where ``RunJobFlow``'s ``Instances`` names a subnet or a security group (``Ec2SubnetIds``: instance fleets).
_SUBNET_KEYS = ("Ec2SubnetId", "Ec2SubnetIds")
_SECURITY_GROUP_KEYS = (
    "EmrManagedMasterSecurityGroup",
    "EmrManagedSlaveSecurityGroup",
    "ServiceAccessSecurityGroup",
    "AdditionalMasterSecurityGroups",
    "AdditionalSlaveSecurityGroups",
)
TAGGING_PAGE = 'Amazon EMR Management Guide, "Tagging resources to use managed policies"'


@dataclass(frozen=True)
class NetworkResource:
    """A subnet or security group the launch names: where (``job_flow_overrides.Instances.Ec2SubnetId``), what, which."""

    field: str
    kind: str
    resource_id: str


@dataclass(frozen=True)
class ServiceRolePolicies:
    """
    The service role's policies as read: whether the scoped one is attached, and the names of its others.

    :param others: the role's other attached policies and its inline ones, which may allow what the scoped one does not.
    """

    scoped: bool
    others: tuple[str, ...]


def is_scoped_service_policy(policy_arn: str) -> bool:
    """Whether ``policy_arn`` is AWS's ``AmazonEMRServicePolicy_v2`` (a customer policy of that name is not)."""
    return _SCOPED_POLICY_ARN.fullmatch(policy_arn) is not None


def role_name(service_role: str) -> str:
    """The role name in ``ServiceRole`` (a name, or an ARN whose path is dropped: ``ListAttachedRolePolicies`` takes the name)."""
    return service_role.rsplit("/", 1)[-1] if service_role.startswith("arn:") else service_role


def carries_managed_policies_tag(tags: Iterable[Mapping[str, Any]]) -> bool:
    """Whether ``tags`` hold ``for-use-with-amazon-emr-managed-policies`` ``true`` (``StringEquals``: case counts)."""
    return any(tag.get("Key") == MANAGED_POLICIES_TAG and tag.get("Value") == "true" for tag in tags)


def network_resources(instances: Any, field: str) -> list[NetworkResource]:
    """The subnets and security groups ``RunJobFlow``'s ``Instances`` (at ``field``) names, each with where it is."""
    if not isinstance(instances, Mapping):
        return []
    found: list[NetworkResource] = []
    for kind, keys in (("subnet", _SUBNET_KEYS), ("security group", _SECURITY_GROUP_KEYS)):
        for key in keys:
            value = instances.get(key)
            if isinstance(value, str) and value:
                found.append(NetworkResource(f"{field}.{key}", kind, value))
            elif isinstance(value, list):
                found += [
                    NetworkResource(f"{field}.{key}[{index}]", kind, item)
                    for index, item in enumerate(value)
                    if isinstance(item, str) and item
                ]
    return found


def missing_cluster_tag(tags: Iterable[Mapping[str, Any]], service_role: str) -> str | None:
    """What is wrong with the cluster's tags for a service role with the scoped policy (``None``: nothing)."""
    tags = list(tags)
    if carries_managed_policies_tag(tags):
        return None
    given = [tag.get("Value") for tag in tags if tag.get("Key") == MANAGED_POLICIES_TAG]
    has = f"has {MANAGED_POLICIES_TAG}={given[0]!r}" if given else f"has no tag {MANAGED_POLICIES_TAG}"
    return (
        f"{has}, but the service role {service_role} has {SCOPED_SERVICE_POLICY}, which provisions only clusters that "
        f'pass that tag with the value "true" (Amazon EMR Management Guide, "Service role for Amazon EMR (EMR role)"); '
        f"add {{'Key': '{MANAGED_POLICIES_TAG}', 'Value': 'true'}} to the cluster's Tags"
    )


#: The only EC2 role the scoped policy may pass to EC2: its ``PassRoleForEC2`` statement allows ``iam:PassRole`` on
#: ``arn:aws:iam::*:role/EMR_EC2_DefaultRole`` alone (no path), ``iam:PassedToService`` ``ec2.amazonaws.com*``.
PASSABLE_EC2_ROLE = "EMR_EC2_DefaultRole"


def passable_ec2_role(role: Mapping[str, Any]) -> bool:
    """Whether the scoped policy may pass ``role`` (as IAM answers it) to EC2: ``EMR_EC2_DefaultRole``, path ``/``."""
    return role.get("RoleName") == PASSABLE_EC2_ROLE and role.get("Path", "/") == "/"


def unpassable_ec2_role(role: Mapping[str, Any], profile: str, service_role: str) -> str | None:
    """What is wrong with the instance profile's role for a service role with the scoped policy (``None``: nothing)."""
    if passable_ec2_role(role):
        return None
    arn = role.get("Arn", role.get("RoleName"))
    return (
        f"names instance profile {profile}, whose role is {arn}, but the service role {service_role}'s "
        f"{SCOPED_SERVICE_POLICY} may pass only the role {PASSABLE_EC2_ROLE} (path /) to EC2 (its PassRoleForEC2 "
        'statement: AWS Managed Policy Reference, "AmazonEMRServicePolicy_v2"): EMR could not start the instances. '
        f"Give the service role iam:PassRole on {arn} with the condition iam:PassedToService ec2.amazonaws.com, "
        "or launch with another service role"
    )


def untagged_resources(
    resources: Iterable[NetworkResource], tags_by_id: Mapping[str, Iterable[Mapping[str, Any]]]
) -> list[NetworkResource]:
    """The resources read (in ``tags_by_id``) that do not carry the tag; one not read is not judged."""
    return [
        resource
        for resource in resources
        if resource.resource_id in tags_by_id and not carries_managed_policies_tag(tags_by_id[resource.resource_id])
    ]


def untagged_network_problem(untagged: list[NetworkResource], service_role: str) -> str:
    """What to say of the subnets and security groups without the tag, and the command that tags them."""
    names = ", ".join(f"{resource.kind} {resource.resource_id} ({resource.field})" for resource in untagged)
    ids = " ".join(dict.fromkeys(resource.resource_id for resource in untagged))
    return (
        f"{names} not tagged {MANAGED_POLICIES_TAG}=true, which the service role {service_role}'s "
        f"{SCOPED_SERVICE_POLICY} needs on the subnets and security groups of a cluster ({TAGGING_PAGE}): EMR could "
        f"not provision it. Tag them: aws ec2 create-tags --resources {ids} "
        f"--tags Key={MANAGED_POLICIES_TAG},Value=true"
    )


@dataclass(frozen=True)
class RoleDocuments:
    """A role's identity policies as ``(name, document)``, and its permissions boundary (``None``: it has none)."""

    policies: tuple[tuple[str, Any], ...]
    boundary: tuple[str, Any] | None = None


@dataclass(frozen=True)
class Refusal:
    """
    What the scoped policy cannot provision, and the request EMR's service role would send for it.

    With the scoped policy alone the refusal holds; with other policies besides, it holds only where the role's
    policies together do not allow one of ``requests`` (:func:`~airflow_provider_emrfs_xacct.pure.evaluator.evaluate`).
    """

    error: InvalidParameterError | PreconditionError
    #: One per resource the refusal names (every untagged subnet and security group): it holds if one is not allowed.
    requests: tuple[Request, ...]


def refusals(
    service_role: str,
    tags: tuple[Iterable[Mapping[str, Any]], str],
    network: tuple[list[NetworkResource], Mapping[str, Iterable[Mapping[str, Any]]]],
    profile: tuple[str, Mapping[str, Any] | None, str],
    where: tuple[str, str, str],
) -> list[Refusal]:
    """
    What a service role with the scoped policy cannot provision, each naming its field; empty: nothing.

    :param tags: the cluster's tags and their field.
    :param network: the subnets and security groups named, and the tags of those read (by id).
    :param profile: the instance profile's name, its role as IAM answers it (``None``: not read) and its field.
    :param where: the partition, Region and account the cluster is launched in (the requests' ARNs).
    """
    partition, region, account = where
    ec2 = f"arn:{partition}:ec2:{region}:{account}"
    # The caller: the service role, in the account it acts in (its path does not matter to its own policies).
    caller = f"arn:{partition}:iam::{account}:role/{role_name(service_role)}"
    found: list[Refusal] = []
    given = list(tags[0])
    missing = missing_cluster_tag(given, service_role)
    if missing is not None:
        # EMR tags the instances it starts with the cluster's tags: RunInstances carries them as aws:RequestTag.
        request = Request("ec2:RunInstances", f"{ec2}:instance/*", caller, **_tag_context("aws:RequestTag", given))
        found.append(Refusal(InvalidParameterError(tags[1], missing), (request,)))
    resources, tags_by_id = network
    untagged = untagged_resources(resources, tags_by_id)
    if untagged:
        requests = tuple(
            Request(
                "ec2:RunInstances",
                f"{ec2}:{'subnet' if resource.kind == 'subnet' else 'security-group'}/{resource.resource_id}",
                caller,
                **_tag_context("aws:ResourceTag", tags_by_id[resource.resource_id]),
            )
            for resource in untagged
        )
        problem = untagged_network_problem(untagged, service_role)
        found.append(Refusal(PreconditionError(problem, field=untagged[0].field), requests))
    name, role, field = profile
    unpassable = None if role is None else unpassable_ec2_role(role, name, service_role)
    if unpassable is not None and role is not None:
        request = Request(
            "iam:PassRole",
            str(role.get("Arn")),
            caller,
            context={"iam:PassedToService": "ec2.amazonaws.com"},
            known_absent=frozenset(),
        )
        found.append(Refusal(InvalidParameterError(field, unpassable), (request,)))
    return found


def _tag_context(key: str, tags: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """
    The request's context as far as it is known: ``<key>/for-use-with-amazon-emr-managed-policies``, its value or its
    absence. Every other key EC2 sends (the instance type, the other tags ...) is not known: a condition on one leaves
    the decision undetermined (a warning), never a refusal.
    """
    name = f"{key}/{MANAGED_POLICIES_TAG}"
    values = [str(tag.get("Value")) for tag in tags if tag.get("Key") == MANAGED_POLICIES_TAG]
    if values:
        return {"context": {name: values[0]}, "known_absent": frozenset()}
    return {"context": {}, "known_absent": frozenset({name})}


def judge(refusal: Refusal, role: RoleDocuments) -> Refusal | str | None:
    """
    Judge a refusal by all the role's identity policies, within its permissions boundary ("An entity's permissions
    boundary allows it to perform only the actions that are allowed by both its identity-based policies and its
    permissions boundaries": IAM User Guide, "Permissions boundaries for IAM entities"): the refusal where they do not
    allow a request of it, ``None`` where they allow every one, or what could not be decided (a condition the
    evaluator cannot settle).
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import evaluate_access
    from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

    unknown = ""
    for request in refusal.requests:
        # In the caller's own account, with no resource policy: its identity policies, within its boundary.
        decision = evaluate_access(
            request,
            identity_policies=role.policies,
            resource_account=account_of_arn(request.principal),
            boundary=role.boundary,
        )
        if decision.undetermined:
            unknown = unknown or f"{request.action} on {request.resource}: {decision.unknown}"
        elif not decision.allowed:
            return refusal
    return unknown or None
