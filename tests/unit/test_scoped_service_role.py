"""The scoped EMR service policy's rules on the launch's arguments (``pure/scoped_service_role.py``)."""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.scoped_service_role import (
    NetworkResource,
    RoleDocuments,
    is_scoped_service_policy,
    judge,
    network_resources,
    refusals,
    role_name,
    unpassable_ec2_role,
)

TAG = {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}


@pytest.mark.parametrize(
    ("arn", "scoped"),
    [
        ("arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2", True),
        ("arn:aws-cn:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2", True),
        ("arn:aws-us-gov:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2", True),
        # A customer policy of that name is the customer's: not AWS's, whatever it holds.
        ("arn:aws:iam::111111111111:policy/service-role/AmazonEMRServicePolicy_v2", False),
        ("arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole", False),
        ("arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2x", False),
    ],
)
def test_only_aws_s_scoped_policy_in_any_partition_is_scoped(arn: str, scoped: bool) -> None:
    assert is_scoped_service_policy(arn) is scoped


@pytest.mark.parametrize(
    ("service_role", "name"),
    [
        ("EMR_DefaultRole_V2", "EMR_DefaultRole_V2"),
        ("arn:aws:iam::111111111111:role/service/emr-service", "emr-service"),
    ],
)
def test_the_role_name_of_a_name_or_an_arn_with_a_path(service_role: str, name: str) -> None:
    assert role_name(service_role) == name


def test_every_subnet_and_security_group_of_the_instances_is_named_by_its_field() -> None:
    instances = {
        "Ec2SubnetIds": ["subnet-1", "subnet-2"],
        "EmrManagedMasterSecurityGroup": "sg-m",
        "EmrManagedSlaveSecurityGroup": "sg-s",
        "ServiceAccessSecurityGroup": "sg-a",
        "AdditionalMasterSecurityGroups": ["sg-x"],
        "AdditionalSlaveSecurityGroups": ["sg-y", ""],
        "Ec2KeyName": "not-a-network-resource",
    }

    found = network_resources(instances, "job_flow_overrides.Instances")

    assert found == [
        NetworkResource("job_flow_overrides.Instances.Ec2SubnetIds[0]", "subnet", "subnet-1"),
        NetworkResource("job_flow_overrides.Instances.Ec2SubnetIds[1]", "subnet", "subnet-2"),
        NetworkResource("job_flow_overrides.Instances.EmrManagedMasterSecurityGroup", "security group", "sg-m"),
        NetworkResource("job_flow_overrides.Instances.EmrManagedSlaveSecurityGroup", "security group", "sg-s"),
        NetworkResource("job_flow_overrides.Instances.ServiceAccessSecurityGroup", "security group", "sg-a"),
        NetworkResource("job_flow_overrides.Instances.AdditionalMasterSecurityGroups[0]", "security group", "sg-x"),
        NetworkResource("job_flow_overrides.Instances.AdditionalSlaveSecurityGroups[0]", "security group", "sg-y"),
    ]
    assert network_resources(None, "job_flow_overrides.Instances") == []


@pytest.mark.parametrize(
    ("name", "path", "passable"),
    [
        ("EMR_EC2_DefaultRole", "/", True),
        # The statement's resource is arn:aws:iam::*:role/EMR_EC2_DefaultRole: a path is part of a role's ARN.
        ("EMR_EC2_DefaultRole", "/emr/", False),
        ("emr_ec2_defaultrole", "/", False),
        ("emr-ec2-partner-b", "/", False),
    ],
)
def test_the_scoped_policy_passes_only_emr_ec2_default_role_without_a_path(
    name: str, path: str, passable: bool
) -> None:
    role = {"RoleName": name, "Path": path, "Arn": f"arn:aws:iam::111111111111:role{path}{name}"}

    problem = unpassable_ec2_role(role, name, "EMR_DefaultRole_V2")

    assert (problem is None) is passable
    if problem is not None:
        assert f"whose role is arn:aws:iam::111111111111:role{path}{name}" in problem


def scoped_policy_text() -> dict[str, object]:
    """``AmazonEMRServicePolicy_v2`` as AWS publishes it (moto's copy of AWS's managed policies)."""
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    document: dict[str, object] = json.loads(aws_managed_policies_data)["AmazonEMRServicePolicy_v2"]["Document"]
    return document


@pytest.mark.parametrize(
    ("tags", "subnet_tags", "role", "refused"),
    [
        ([{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}], [TAG], "EMR_EC2_DefaultRole", []),
        ([], [TAG], "EMR_EC2_DefaultRole", ["Tags"]),
        (
            [{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "True"}],
            [TAG],
            "EMR_EC2_DefaultRole",
            ["Tags"],
        ),
        ([TAG], [], "EMR_EC2_DefaultRole", ["Instances.Ec2SubnetId"]),
        ([TAG], [TAG], "emr-ec2-partner-b", ["JobFlowRole"]),
    ],
    ids=["all-tagged", "no-cluster-tag", "True", "untagged-subnet", "other-ec2-role"],
)
def test_the_rules_agree_with_the_scoped_policy_s_own_text(
    tags: list[dict[str, str]], subnet_tags: list[dict[str, str]], role: str, refused: list[str]
) -> None:
    """Each refusal the rules make is one the policy's own text, evaluated, does not allow."""
    found = refusals(
        "EMR_DefaultRole_V2",
        (tags, "Tags"),
        ([NetworkResource("Instances.Ec2SubnetId", "subnet", "subnet-1")], {"subnet-1": subnet_tags}),
        ("p", {"RoleName": role, "Path": "/", "Arn": f"arn:aws:iam::111111111111:role/{role}"}, "JobFlowRole"),
        ("aws", "us-east-1", "111111111111"),
    )

    assert [refusal.error.field for refusal in found] == refused
    for refusal in found:
        assert judge(refusal, RoleDocuments((("AmazonEMRServicePolicy_v2", scoped_policy_text()),))) is refusal


def test_a_permissions_boundary_keeps_a_refusal_the_role_s_other_policies_would_lift() -> None:
    """A boundary allows only what both it and the identity policies allow (IAM User Guide, "Permissions boundaries")."""
    [refusal] = refusals(
        "EMR_DefaultRole_V2",
        ([], "Tags"),
        ([], {}),
        ("p", None, "JobFlowRole"),
        ("aws", "us-east-1", "111111111111"),
    )
    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
    narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}]}
    policies = (("AmazonEMRServicePolicy_v2", scoped_policy_text()), ("more", broad))

    assert judge(refusal, RoleDocuments(policies)) is None
    assert judge(refusal, RoleDocuments(policies, ("permissions boundary narrow", narrow))) is refusal
    assert judge(refusal, RoleDocuments(policies, ("permissions boundary broad", broad))) is None
