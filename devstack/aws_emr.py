"""
EMR's refusal of a cluster launched with a security configuration that does not exist, played in the stand-in.

``RunJobFlow``'s ``SecurityConfiguration`` is "the name of a security configuration to apply to the
cluster" (Amazon EMR API Reference, "RunJobFlow"): a configuration stored by
``CreateSecurityConfiguration`` ("Creates a security configuration, which is stored in the service and
can be specified when a cluster is created"). EMR launches no cluster with a name it does not store;
moto launches one anyway (``Cluster.__init__``: "ToDo: Raise if doesn't already exist").

RunJobFlow lists no error of its own for it ("Errors": InternalServerError only), so the judge answers
with the common client error for input that fails the service's constraints, ``ValidationException``
(HTTP 400; Amazon EMR API Reference, "Common Errors"), and launches nothing. AWS's exact code and message
for this case are not documented, and the stand-in cannot prove them: the provider reads the
configuration again after ``RunJobFlow``'s input errors (``ValidationException``,
``InvalidRequestException``), whatever their message.

It also refuses the cluster tags EMR refuses and moto keeps (botocore's model gives EMR's ``Tag`` no
constraint, so ``aws_shapes`` has none to apply): "Restrictions that apply to Amazon EC2 resources apply
to Amazon EMR as well", "Keys and values can contain any alphabetic character in any language, any
numeric character, white spaces, invisible separators, and the following symbols: _ . : / = + - @",
"Do not use the aws: prefix in tag names and values", "a tag key cannot be an empty string" (Amazon EMR
Management Guide, "Restrictions that apply to tagging resources in Amazon EMR"); a key of at most 128
characters, a value of at most 256 (Amazon EC2 User Guide, "Tag restrictions"). moto reads the tags in
its response handler and adds them after it made the cluster, so this judge stands before the handler:
a refused ``RunJobFlow`` launches nothing. Written apart from the provider's own check.

And it fails the cluster a service role with ``AmazonEMRServicePolicy_v2`` cannot provision: that policy "depends on
scoped down access to resources that Amazon EMR provisions or uses. When you use this policy, you need to pass the
user tag ``for-use-with-amazon-emr-managed-policies = true`` when provisioning the cluster. Amazon EMR will
automatically propagate those tags" (Amazon EMR Management Guide, "Service role for Amazon EMR (EMR role)", whose
default role, ``EMR_DefaultRole_V2``, has that policy; the policy's ``ec2:RunInstances`` statements are conditioned
on ``aws:ResourceTag/for-use-with-amazon-emr-managed-policies`` being ``true``: AWS Managed Policy Reference,
"AmazonEMRServicePolicy_v2"). Whether EMR refuses such a request itself or accepts it and fails the cluster is not
in those pages; the stand-in accepts it and ends the cluster ``TERMINATED_WITH_ERRORS``, with a reason
of its own. So does a cluster whose ``Instances`` name a subnet or a security group without the tag: "You must
manually tag EC2 security groups and EC2 subnets with the Amazon EMR managed policy tag" (Amazon EMR Management Guide,
"Tagging resources to use managed policies"; the policy's ``CreateInTaggedNetwork`` statement allows
``ec2:RunInstances`` on ``subnet/*`` and ``security-group/*`` only so tagged). Not played: the default subnet of a
cluster given none and the VPC's tag for the security groups EMR creates. The same policy may pass only
``EMR_EC2_DefaultRole`` to EC2 (its ``PassRoleForEC2`` statement names that role, no path): a cluster whose instance
profile holds another role is failed too. Each of these is the judge's decision (``devstack/aws_judge.py``) over all
the service role's policies, so another policy of the role can allow what the scoped one does not.

Whatever the service role, a ``RunJobFlow`` whose instance profile holds a role of another name is refused: "Amazon
EC2 allows you to create instance profiles and roles with different names, but Amazon EMR does not support this
configuration, and it results in an 'invalid instance profile' error when you create the cluster" (Amazon EMR
Management Guide, "Customize IAM roles with Amazon EMR"); its code (``ValidationException``) and message are the
stand-in's. A profile that does not exist is launched, as moto does (not played).

A cluster that has ended keeps the state it ended in: ``TERMINATED`` and ``TERMINATED_WITH_ERRORS`` are both states of
a cluster that has ended, ``TERMINATED_WITH_ERRORS`` with "information about the errors that caused a cluster to
terminate" (Amazon EMR API Reference, "ClusterStatus", "ClusterStateChangeReason"); ``TerminateJobFlows`` "shuts a
list of clusters (job flows) down" (Amazon EMR API Reference, "TerminateJobFlows"), and no page has it rewrite the
end of one already down. moto's ``Cluster.terminate`` sets ``TERMINATED`` on every call, so an ended cluster's errors
would vanish on a teardown; the stand-in leaves an ended cluster as it is (:func:`_terminate`). That EMR answers such
a call without an error, as moto does, is the stand-in's reading, not a documented fact.

A security configuration with runtime roles gets an ``ExternalId`` of EMR's own: EMR generates one for each security
configuration with runtime role authorization, and ``DescribeSecurityConfiguration`` gives it (Amazon EMR Management
Guide, "Runtime roles for Amazon EMR steps"), inside ``IAMConfiguration``'s ``ApplicationScopedIAMRoleConfiguration``
(where a public issue thread shows it read back: terraform-provider-aws #37526). moto stores the document as sent. The
stand-in adds a new identifier to each configuration whose ``EnableApplicationScopedIAMRole`` is ``true`` (as JSON, or
the text ``"true"`` in any case), in place of any sent (:func:`create_security_configuration`), and stores the document
as JSON text again. What EMR does with one sent, and the identifier's form, are not documented: both are the
stand-in's own.

``CreateSecurityConfiguration`` with a document that is not a JSON object (``"{not json"``, ``[]``) is refused with
``InvalidRequestException``, HTTP 400, the error EMR lists for it: "This exception occurs when there is something
wrong with user input" (Amazon EMR API Reference, "CreateSecurityConfiguration", Errors); moto stores any text. The
message is the stand-in's. EMR's own checks of the document's sections (a field's type, ``RoleMappings``' roles and
identifier types) are not played: a JSON object is stored as sent (:func:`not_a_json_object`).
"""

from __future__ import annotations

import json
import unicodedata
import urllib.parse
import uuid
from typing import Any

import moto.ec2.models
import moto.emr.models
import moto.iam.models
from moto.emr.exceptions import InvalidRequestException, ValidationException
from moto.emr.responses import ElasticMapReduceResponse

from devstack import backend_judges

#: moto's own methods, by name, called once a judge lets a request through.
_moto: dict[str, Any] = {}
#: moto's own response handlers, by name (apart: the handler and the backend method share a name).
_moto_handlers: dict[str, Any] = {}
#: What a tag key or value may hold besides letters (L), separators and spaces (Z) and numbers (N).
_TAG_SYMBOLS = frozenset("_.:/=+-@")
#: The tag AWS's scoped (v2) managed policies for EMR ask on the cluster, and the policy of the service role that asks it.
MANAGED_POLICIES_TAG = "for-use-with-amazon-emr-managed-policies"
SCOPED_SERVICE_POLICY = "policy/service-role/AmazonEMRServicePolicy_v2"


def tag_refusal(key: Any, value: Any) -> str | None:
    """What EMR finds wrong with a cluster tag (``None``: nothing)."""
    for part, text, low, high in (("key", key, 1, 128), ("value", value, 0, 256)):
        if not isinstance(text, str):
            return f"the tag {part} must be a string"
        if not low <= len(text) <= high:
            return f"the tag {part} must have {low} to {high} characters"
        # No control character (a tab, a line break): AWS's tag pattern is [\p{L}\p{Z}\p{N}_.:/=+\-@]* (IAM API
        # Reference, "Tag"); EMR's page says "white spaces" and settles nothing more: the stricter reading.
        if not all(unicodedata.category(c)[0] in "LZN" or c in _TAG_SYMBOLS for c in text):
            return f"the tag {part} holds a character a tag may not hold"
        if text.lower().startswith("aws:"):
            return f"the tag {part} starts with the reserved prefix aws:"
    return None


def run_job_flow(self: Any, **kwargs: Any) -> Any:
    name = kwargs.get("security_configuration")
    if name and name not in self.security_configurations:
        raise ValidationException(f"The security configuration '{name}' does not exist.")
    return _moto["run_job_flow"](self, **kwargs)


def create_security_configuration(self: Any, name: str, security_configuration: str) -> Any:
    """
    Refuse a document that is not a JSON object (:func:`not_a_json_object`); store the configuration with an
    ``ExternalId`` of its own when it turns runtime roles on (the module's docstring).
    """
    problem = not_a_json_object(security_configuration)
    if problem:
        raise InvalidRequestException(f"The security configuration is not valid: {problem}.")
    return _moto["create_security_configuration"](self, name, with_external_id(security_configuration))


def not_a_json_object(text: Any) -> str | None:
    """
    Why ``text`` is not a JSON object (``None``: it is one): ``SecurityConfiguration`` is "The security configuration
    details in JSON format" (Amazon EMR API Reference, "CreateSecurityConfiguration"), whose sections are an object's
    names; JSON has no ``NaN`` nor ``Infinity`` (RFC 8259, 6. Numbers), which Python's reader takes.
    """

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON value")

    try:
        document = json.loads(str(text), parse_constant=no_constant)
    except ValueError as error:
        return f"it is not JSON ({error})"
    return None if isinstance(document, dict) else "it is JSON, but not an object"


def with_external_id(text: str) -> str:
    """The configuration's JSON text as EMR stores it: with a new ``ExternalId`` when runtime roles are on."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        return text  # moto keeps what it is given; not a document the stand-in reads
    authorization = document.get("AuthorizationConfiguration") if isinstance(document, dict) else None
    iam = authorization.get("IAMConfiguration") if isinstance(authorization, dict) else None
    if not isinstance(iam, dict):
        return text
    enabled = iam.get("EnableApplicationScopedIAMRole")
    if not (enabled is True or (isinstance(enabled, str) and enabled.strip().lower() == "true")):
        return text
    scoped = iam.get("ApplicationScopedIAMRoleConfiguration")
    iam["ApplicationScopedIAMRoleConfiguration"] = {
        **(scoped if isinstance(scoped, dict) else {}),
        "ExternalId": uuid.uuid4().hex[:22].upper(),
    }
    return json.dumps(document)


def scoped_policy_refusal(
    account: str,
    partition: str,
    region: str,
    service_role: Any,
    tags: dict[str, Any],
    instances: dict[str, Any],
    profile: Any = None,
) -> str | None:
    """
    Why a cluster with this service role, these tags, this network and this instance profile cannot be provisioned
    (``None``: it can). Played for a service role with ``AmazonEMRServicePolicy_v2`` only: what EMR's service role
    then asks (EC2's ``RunInstances`` with the cluster's tag, in each subnet and security group, ``iam:PassRole`` of
    the profile's role to EC2) is decided by the judge (``devstack/aws_judge.py``) over all the role's policies, so
    another policy of the role may allow what the scoped one does not.
    """
    backend = _iam_backend(account, partition)
    name = str(service_role or "").rsplit("/", 1)[-1].lower()
    roles = [role for role in (backend.roles.values() if backend else ()) if role.name.lower() == name]
    if not any(arn.endswith(f":iam::aws:{SCOPED_SERVICE_POLICY}") for role in roles for arn in role.managed_policies):
        return None
    principal = _principal_of(roles[0])
    ec2 = f"arn:{partition}:ec2:{region}:{account}"
    tag = tags.get(MANAGED_POLICIES_TAG)
    request_tags = {} if tag is None else {f"aws:RequestTag/{MANAGED_POLICIES_TAG}": str(tag)}
    if not _allowed(principal, "ec2:RunInstances", f"{ec2}:instance/*", request_tags, account):
        return (
            f"The service role {service_role} has AmazonEMRServicePolicy_v2, which may provision only resources tagged "
            f"{MANAGED_POLICIES_TAG}=true; the cluster was launched without that tag."
        )
    passed = _profile_roles(account, partition, profile) or []
    pass_to_ec2 = {"iam:PassedToService": "ec2.amazonaws.com"}
    if passed and not _allowed(principal, "iam:PassRole", passed[0].arn, pass_to_ec2, account):
        return (
            f"The service role {service_role} has AmazonEMRServicePolicy_v2, which may pass only the role "
            f"{PASSABLE_EC2_ROLE} to EC2; the instance profile {profile} holds {passed[0].arn}."
        )
    untagged: list[str] = []
    for resource in _network_of(instances):
        kind = "subnet" if resource.startswith("subnet-") else "security-group"
        value = _tag_of(account, region, resource)
        context = {} if value is None else {f"aws:ResourceTag/{MANAGED_POLICIES_TAG}": value}
        if not _allowed(principal, "ec2:RunInstances", f"{ec2}:{kind}/{resource}", context, account):
            untagged.append(resource)
    if untagged:
        return (
            f"The service role {service_role} has AmazonEMRServicePolicy_v2, which may launch instances only in "
            f"subnets and security groups tagged {MANAGED_POLICIES_TAG}=true; {', '.join(untagged)} not tagged."
        )
    return None


def _principal_of(role: Any) -> Any:
    """The role as the judge sees it: its inline and attached policies, as moto keeps them, and its boundary."""
    from devstack import aws_judge

    def default_document(policy: Any) -> dict[str, Any]:
        return _loaded(next(version for version in policy.versions if version.is_default).document)

    policies = [(name, _loaded(document)) for name, document in role.policies.items()]
    policies += [(policy.name, default_document(policy)) for policy in role.managed_policies.values()]
    boundary = None
    if role.permissions_boundary_arn:
        found = _iam_backend(role.account_id, role.partition).managed_policies.get(role.permissions_boundary_arn)
        boundary = None if found is None else default_document(found)
    return aws_judge.Principal(role.arn, role.id, tuple(policies), boundary)


def _loaded(document: Any) -> dict[str, Any]:
    """A policy document as moto keeps it (JSON text, at times URL-encoded), as a dict."""
    if isinstance(document, dict):
        return document
    text = str(document)
    return dict(json.loads(text if text.lstrip().startswith("{") else urllib.parse.unquote(text)))


def _allowed(principal: Any, action: str, resource: str, context: dict[str, str], account: str) -> bool:
    """Whether the judge lets the service role make this request in its own account (no resource policy)."""
    from devstack import aws_judge

    decision = aws_judge.authorize(
        principal, action, resource, resource_policy=None, resource_owner=account, context=context
    )
    if action == "iam:PassRole":
        # Passing a role is authorized by the passer's identity policies ("To pass a role ... to an AWS service, you
        # must have permission to pass the role to the service": IAM User Guide, "Grant a user permissions to pass a
        # role to an AWS service"); the role's trust policy governs who assumes it, not who passes it.
        # principalmapper's full check takes the role as a resource of no policy and refuses: its identity verdict
        # (boundary and denies included) is the one that counts.
        return "identity=True" in decision.checks
    return decision.allowed


#: Where ``RunJobFlow``'s ``Instances`` names subnets and security groups (listed apart from the provider's own).
_NETWORK_KEYS = (
    "Ec2SubnetId",
    "Ec2SubnetIds",
    "EmrManagedMasterSecurityGroup",
    "EmrManagedSlaveSecurityGroup",
    "ServiceAccessSecurityGroup",
    "AdditionalMasterSecurityGroups",
    "AdditionalSlaveSecurityGroups",
)


def _network_of(instances: dict[str, Any]) -> list[str]:
    """The subnet and security group ids in ``instances`` (each of :data:`_NETWORK_KEYS`: an id, a list of them or None)."""
    ids: list[str] = []
    for value in instances.values():
        ids += [value] if isinstance(value, str) else [item for item in value or [] if isinstance(item, str)]
    return ids


def _tag_of(account: str, region: str, resource_id: str) -> str | None:
    """The value of the managed-policies tag on an EC2 resource of the account (``None``: no tag, or no such resource)."""
    ec2 = moto.ec2.models.ec2_backends[account][region]
    found = ec2.describe_tags(filters={"resource-id": [resource_id], "key": [MANAGED_POLICIES_TAG]})
    return str(found[0]["value"]) if found else None


#: The only EC2 role ``AmazonEMRServicePolicy_v2`` may pass (its ``PassRoleForEC2`` statement names no path).
PASSABLE_EC2_ROLE = "EMR_EC2_DefaultRole"


def _iam_backend(account: str, partition: str) -> Any:
    """moto's IAM of the account in the partition (``None``: none made yet)."""
    return dict.get(dict.get(moto.iam.models.iam_backends, account) or {}, partition)


def _profile_roles(account: str, partition: str, profile: Any) -> list[Any] | None:
    """The roles of the instance profile ``profile`` of the account (``None``: no such profile)."""
    backend = _iam_backend(account, partition)
    found = backend.instance_profiles.get(str(profile or "").rsplit("/", 1)[-1]) if backend else None
    return None if found is None else list(found.roles)


def profile_refusal(account: str, partition: str, profile: Any) -> str | None:
    """Why EMR refuses ``RunJobFlow`` for this instance profile (``None``: it does not, or the profile is unknown)."""
    roles = _profile_roles(account, partition, profile)
    if roles and roles[0].name != str(profile).rsplit("/", 1)[-1]:
        return f"Invalid InstanceProfile: {profile} holds the role {roles[0].name}, of another name."
    return None


class _Handlers:
    """The judges in front of moto's EMR response handlers (named as the handlers)."""

    @staticmethod
    def run_job_flow(self: Any) -> Any:
        for tag in self._get_param("Tags", []) or []:
            # A tag's value is optional ("A user-defined value, which is optional in a tag": Amazon EMR API
            # Reference, "Tag"); moto's handler reads one from every tag, so an absent one is given as empty.
            if not any(str(name).lower() == "value" for name in tag):
                tag["Value"] = ""
            key, value = tag.get("Key", tag.get("key")), tag.get("Value", tag.get("value"))
            problem = tag_refusal(key, value)
            if problem:
                raise ValidationException(f"Invalid tag {key!r}: {problem}.")
        refused = profile_refusal(self.current_account, self.partition, self._get_param("JobFlowRole"))
        if refused:
            raise ValidationException(refused)
        answer = _moto_handlers["run_job_flow"](self)
        tags = {
            tag.get("Key", tag.get("key")): tag.get("Value", tag.get("value"))
            for tag in self._get_param("Tags", []) or []
        }
        problem = scoped_policy_refusal(
            self.current_account,
            self.partition,
            self.region,
            self._get_param("ServiceRole"),
            tags,
            {key: self._get_param(f"Instances.{key}") for key in _NETWORK_KEYS},
            self._get_param("JobFlowRole"),
        )
        if problem:
            cluster = self.backend.clusters[answer.result["JobFlowId"]]
            cluster.state, cluster.last_state_change_reason = "TERMINATED_WITH_ERRORS", problem
        return answer


_JUDGES: dict[type, tuple[Any, ...]] = {
    moto.emr.models.ElasticMapReduceBackend: (run_job_flow, create_security_configuration)
}
_HANDLER_JUDGES: dict[type, tuple[Any, ...]] = {ElasticMapReduceResponse: (_Handlers.run_job_flow,)}


_moto_instance_group_init = moto.emr.models.InstanceGroup.__init__


def _instance_group_init(
    self: Any, *args: Any, configurations: list[dict[str, Any]] | None = None, **kwargs: Any
) -> None:
    """
    Keep an instance group's own ``Configurations``, which moto refuses (a ``TypeError``: an internal error) and EMR
    takes: "You can specify a separate configuration for each instance group (master, core, and task)" (Amazon EMR API
    Reference, ``InstanceGroupConfig``); ``ListInstanceGroups`` answers them (``InstanceGroup``, ``Configurations``).
    """
    _moto_instance_group_init(self, *args, **kwargs)
    self.configurations = configurations or []


_moto_terminate = moto.emr.models.Cluster.terminate


def _terminate(self: Any) -> None:
    """Shut a cluster down, leaving one that has already ended as it ended (the module's docstring)."""
    if str(self.state).startswith("TERMINATED"):
        return
    _moto_terminate(self)


def install() -> None:
    """Put the judge in front of moto's EMR backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
    backend_judges.install(_HANDLER_JUDGES, _moto_handlers)
    moto.emr.models.InstanceGroup.__init__ = _instance_group_init  # type: ignore[method-assign]
    moto.emr.models.Cluster.terminate = _terminate  # type: ignore[method-assign]
