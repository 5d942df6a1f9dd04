"""
A service role with AWS's scoped managed policy ``AmazonEMRServicePolicy_v2`` provisions only clusters tagged
``for-use-with-amazon-emr-managed-policies=true`` (Amazon EMR Management Guide, "Service role for Amazon EMR (EMR
role)": the default role ``EMR_DefaultRole_V2`` has that policy, and "you need to pass the user tag
for-use-with-amazon-emr-managed-policies = true when provisioning the cluster"). The stand-in plays it
(``devstack.aws_emr``); the example DAGs' launches carry the tag.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.aws_emr import MANAGED_POLICIES_TAG
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_SERVICE_ROLE, Seeded, client
from devstack.testing import ROOT, CallRecorder, captured_logs, run_operator, small_cluster

SCOPED_POLICY = "AmazonEMRServicePolicy_v2"


def give_the_service_role_the_scoped_policy(seeded: Seeded) -> None:
    """Attach ``AmazonEMRServicePolicy_v2`` to the seeded service role (moto loads no AWS managed policy: added here)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)[SCOPED_POLICY]
    policy = AWSManagedPolicy.from_data(SCOPED_POLICY, EMR_ACCOUNT, "us-east-1", data)
    iam_backends[EMR_ACCOUNT]["aws"].managed_policies[policy.arn] = policy
    assert policy.arn == f"arn:aws:iam::aws:policy/service-role/{SCOPED_POLICY}"
    client(seeded.url, EMR_ACCOUNT, "iam").attach_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyArn=policy.arn)


def launched_state(seeded: Seeded, tags: list[dict[str, str]]) -> dict[str, Any]:
    emr = client(seeded.url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster(ServiceRole=EMR_SERVICE_ROLE, Tags=tags))["JobFlowId"]
    return dict(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"])


def test_stand_in_fails_an_untagged_cluster_of_a_scoped_service_role(aws: Seeded) -> None:
    assert launched_state(aws, [])["State"] == "WAITING"  # the deprecated policy, or none: no tag asked
    give_the_service_role_the_scoped_policy(aws)
    refused = launched_state(aws, [{"Key": "partner", "Value": "b"}])
    assert refused["State"] == "TERMINATED_WITH_ERRORS"
    assert MANAGED_POLICIES_TAG in refused["StateChangeReason"]["Message"]
    assert launched_state(aws, [{"Key": MANAGED_POLICIES_TAG, "Value": "false"}])["State"] == "TERMINATED_WITH_ERRORS"
    assert launched_state(aws, [{"Key": MANAGED_POLICIES_TAG, "Value": "true"}])["State"] == "WAITING"


@pytest.mark.parametrize(
    ("dag_id", "task_id"),
    [
        ("emrfs_xacct_partner_export", "launch_cluster"),
        ("emrfs_xacct_bucket_policy_export", "launch_cluster"),
        ("emrfs_xacct_multi_tenant", "launch_shared_cluster"),
    ],
)
def test_example_dags_launch_clusters_a_scoped_service_role_provisions(aws: Seeded, dag_id: str, task_id: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / f"{dag_id}.py"))
    overrides = bag.dags[dag_id].get_task(task_id).job_flow_overrides
    # The tags as rendered, templated values left out (the partner's name): the tag asked is a constant.
    tags = [tag for tag in overrides.get("Tags", []) if "{{" not in tag["Value"]]
    give_the_service_role_the_scoped_policy(aws)
    assert launched_state(aws, tags)["State"] == "WAITING"


def test_the_many_partners_dag_launches_clusters_a_scoped_service_role_provisions(aws: Seeded) -> None:
    """Its launches take their overrides from a task (one per partner): that task's tags, as the launch is given them."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "emrfs_xacct_many_partners.py"))
    overrides = bag.dags["emrfs_xacct_many_partners"].get_task("export_partner.cluster_overrides")
    tags = overrides.python_callable("partner-a-cluster", "emr-7.0.0", "20261203T000000")["Tags"]
    give_the_service_role_the_scoped_policy(aws)
    assert launched_state(aws, tags)["State"] == "WAITING"


# The launch's own check, before RunJobFlow. The stand-in above is its judge: what the launch lets through, the
# stand-in provisions, and what it refuses, the stand-in fails.


def network(seeded: Seeded, *, subnet_tagged: bool, group_tagged: bool) -> dict[str, str]:
    """A subnet and a security group of the EMR account, each tagged for the scoped policy or not; ``Instances`` keys."""
    ec2 = client(seeded.url, EMR_ACCOUNT, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="emr-primary", Description="EMR primary", VpcId=vpc)["GroupId"]
    for resource, tagged in ((subnet, subnet_tagged), (group, group_tagged)):
        if tagged:
            ec2.create_tags(Resources=[resource], Tags=[{"Key": MANAGED_POLICIES_TAG, "Value": "true"}])
    return {"Ec2SubnetId": subnet, "EmrManagedMasterSecurityGroup": group}


def launch(tags: list[dict[str, str]], instances: dict[str, str] | None = None, **kwargs: Any) -> Any:
    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator

    overrides = small_cluster(ServiceRole=EMR_SERVICE_ROLE, Tags=tags)
    overrides["Instances"] = {**overrides["Instances"], **(instances or {})}
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=None,
        job_flow_overrides=overrides,
        wait_for_completion=False,
        **kwargs,
    )


def warnings(logs: list[dict[str, Any]]) -> list[str]:
    """The warnings logged, each as its event with its arguments (``%s`` ones are kept apart)."""
    return [str(entry) for entry in logs if entry["log_level"] == "warning"]


def clusters(seeded: Seeded) -> list[dict[str, Any]]:
    return list(client(seeded.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"])


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
@pytest.mark.parametrize(
    "tags",
    [[], [{"Key": MANAGED_POLICIES_TAG, "Value": "True"}], [{"Key": "team", "Value": "data"}]],
    ids=["no-tags", "True", "other-tag"],
)
def test_the_launch_refuses_a_cluster_without_the_tag_before_run_job_flow(
    aws: Seeded, tags: list[dict[str, str]], dry_run: bool
) -> None:
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    give_the_service_role_the_scoped_policy(aws)

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(launch(tags, dry_run=dry_run))

    assert refused.value.field == "job_flow_overrides.Tags"
    assert SCOPED_POLICY in str(refused.value)
    assert EMR_SERVICE_ROLE in str(refused.value)
    assert f"'Key': '{MANAGED_POLICIES_TAG}', 'Value': 'true'" in str(refused.value)
    assert clusters(aws) == []
    # The stand-in, judging apart, fails the same cluster launched by hand.
    assert launched_state(aws, tags)["State"] == "TERMINATED_WITH_ERRORS"


@pytest.mark.parametrize(
    ("subnet_tagged", "group_tagged", "field", "untagged"),
    [
        (False, True, "job_flow_overrides.Instances.Ec2SubnetId", ["Ec2SubnetId"]),
        (True, False, "job_flow_overrides.Instances.EmrManagedMasterSecurityGroup", ["EmrManagedMasterSecurityGroup"]),
        (False, False, "job_flow_overrides.Instances.Ec2SubnetId", ["Ec2SubnetId", "EmrManagedMasterSecurityGroup"]),
    ],
    ids=["subnet", "security-group", "both"],
)
def test_the_launch_refuses_an_untagged_subnet_or_security_group_naming_each(
    aws: Seeded, subnet_tagged: bool, group_tagged: bool, field: str, untagged: list[str]
) -> None:
    from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError

    give_the_service_role_the_scoped_policy(aws)
    instances = network(aws, subnet_tagged=subnet_tagged, group_tagged=group_tagged)
    tags = [{"Key": MANAGED_POLICIES_TAG, "Value": "true"}]

    with pytest.raises(PreconditionError) as refused:
        run_operator(launch(tags, instances))

    assert refused.value.field == field
    message = str(refused.value)
    for key in instances:
        assert (instances[key] in message) == (key in untagged)
    assert f"aws ec2 create-tags --resources {' '.join(instances[key] for key in untagged)} " in message
    assert clusters(aws) == []
    # The stand-in fails the cluster for the same resources.
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    arguments = small_cluster(ServiceRole=EMR_SERVICE_ROLE, Tags=tags)
    arguments["Instances"] = {**arguments["Instances"], **instances}
    cluster = emr.describe_cluster(ClusterId=emr.run_job_flow(**arguments)["JobFlowId"])["Cluster"]
    assert cluster["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    for key in instances:
        assert (instances[key] in cluster["Status"]["StateChangeReason"]["Message"]) == (key in untagged)


def test_a_tagged_cluster_in_a_tagged_network_is_launched_and_provisioned(aws: Seeded) -> None:
    give_the_service_role_the_scoped_policy(aws)
    instances = network(aws, subnet_tagged=True, group_tagged=True)

    cluster_id, recorder, _ = run_operator(launch([{"Key": MANAGED_POLICIES_TAG, "Value": "true"}], instances))

    state = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "WAITING"
    for call in ("ListAttachedRolePolicies", "ListRolePolicies", "DescribeSubnets", "DescribeSecurityGroups"):
        assert call in recorder.calls
    assert recorder.calls.index("DescribeSecurityGroups") < recorder.calls.index("RunJobFlow")


def test_a_service_role_without_the_scoped_policy_is_launched_as_it_was(aws: Seeded) -> None:
    """The deprecated policy (or none): no tag asked, and only the role's attached policies are read."""
    cluster_id, recorder, _ = run_operator(launch([{"Key": "team", "Value": "data"}]))

    assert cluster_id.startswith("j-")
    assert "ListAttachedRolePolicies" in recorder.calls
    assert "ListRolePolicies" not in recorder.calls


def test_a_tagged_cluster_without_a_named_network_reads_nothing_more(aws: Seeded) -> None:
    give_the_service_role_the_scoped_policy(aws)

    _, recorder, _ = run_operator(launch([{"Key": MANAGED_POLICIES_TAG, "Value": "true"}]))

    assert not {"ListAttachedRolePolicies", "DescribeSubnets", "DescribeSecurityGroups"} & set(recorder.calls)


BROAD_EC2 = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
UNRELATED = {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}
#: A condition on a key the launch cannot know (EC2 sends the instance type; the provider's request does not carry it).
BY_INSTANCE_TYPE = {
    "Effect": "Allow",
    "Action": "ec2:RunInstances",
    "Resource": "*",
    "Condition": {"StringEquals": {"ec2:InstanceType": "m5.xlarge"}},
}


@pytest.mark.parametrize(
    ("kind", "statement", "outcome"),
    [
        ("managed", BROAD_EC2, "launched"),
        ("inline", BROAD_EC2, "launched"),
        ("inline", UNRELATED, "refused"),
        ("inline", BY_INSTANCE_TYPE, "warned"),
    ],
    ids=["managed-ec2", "inline-ec2", "inline-unrelated", "inline-undecided"],
)
def test_other_policies_of_a_scoped_role_are_judged_with_it(
    aws: Seeded, kind: str, statement: dict[str, Any], outcome: str
) -> None:
    """
    A role's identity policies add up: with another policy besides the scoped one, the launch judges what EMR would
    ask (``ec2:RunInstances`` of untagged instances here) by all of them: allowed, launched without a word; not allowed,
    refused; not decidable (a condition on a key it cannot know), warned and launched. The stand-in's judge agrees.
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    give_the_service_role_the_scoped_policy(aws)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    if kind == "managed":
        arn = iam.create_policy(PolicyName="emr-service-more", PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyArn=arn)
    else:
        iam.put_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyName="emr-service-more", PolicyDocument=document)

    with captured_logs() as logs:
        if outcome == "refused":
            with pytest.raises(InvalidParameterError) as refused:
                run_operator(launch([]))
            assert refused.value.field == "job_flow_overrides.Tags"
            assert clusters(aws) == []
            assert launched_state(aws, [])["State"] == "TERMINATED_WITH_ERRORS"
            return
        cluster_id, recorder, _ = run_operator(launch([]))

    assert {"GetRolePolicy", "GetPolicyVersion"} & set(recorder.calls)  # the other policy was read
    state = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    about_the_tag = [message for message in warnings(logs) if "job_flow_overrides.Tags" in message]
    if outcome == "launched":
        assert about_the_tag == []
        assert state == "WAITING"  # the stand-in's judge lets the role provision it too
    else:
        [warning] = about_the_tag
        assert "not judged" in warning
        assert "ec2:InstanceType" in warning


def test_a_service_role_policy_naming_a_key_twice_is_not_judged_and_the_launch_goes_on(aws: Seeded) -> None:
    """
    IAM keeps a policy as the text it was sent (read as text: ``hooks.iam_managed.iam_document``); one whose
    ``Condition`` names ``StringEquals`` twice has no one reading (AWS does not document which it applies). The
    launch's check of the service role's other policies, optional, leaves it not judged and goes on, as for a refused
    read; it failed the launch with the ConflictError before.
    """
    give_the_service_role_the_scoped_policy(aws)
    twice = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*", '
        '"Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}, '
        '"StringEquals": {"aws:PrincipalAccount": "111111111111"}}}]}'
    )
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_SERVICE_ROLE, PolicyName="emr-service-more", PolicyDocument=twice
    )

    with captured_logs() as logs:
        cluster_id, recorder, _ = run_operator(launch([]))

    assert cluster_id.startswith("j-")
    assert "GetRolePolicy" in recorder.calls
    warned = warnings(logs)
    assert any("were not read" in message and "appears twice" in message for message in warned), warned
    assert any("job_flow_overrides.Tags" in message and "not judged" in message for message in warned), warned


def test_a_refused_read_of_the_service_role_leaves_it_unchecked_and_launches(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devstack.testing import (
        answer_denials_like_aws,
        moto_authorization,
        provisioner_roles,
        sign_connections_as_moto_user,
    )

    give_the_service_role_the_scoped_policy(aws)
    answer_denials_like_aws(monkeypatch)
    user = sign_connections_as_moto_user(aws.url, monkeypatch)
    provisioner_roles(aws.url, user, {EMR_ACCOUNT: "iam:ListAttachedRolePolicies"})
    moto_authorization(aws.url, "0")
    try:
        with captured_logs() as logs:
            cluster_id, recorder, _ = run_operator(launch([]))
    finally:
        moto_authorization(aws.url, "inf")

    assert cluster_id.startswith("j-")
    assert recorder.calls.index("ListAttachedRolePolicies") < recorder.calls.index("RunJobFlow")
    warned = warnings(logs)
    assert any(EMR_SERVICE_ROLE in message and "not checked" in message for message in warned)


def pipeline_profile(seeded: Seeded, name: str, path: str = "/") -> str:
    """An EC2 role and its instance profile of the same name (as EMR needs), on ``path``; return the role's ARN."""
    from devstack.moto_stack import EC2_ONLY_TRUST

    iam = client(seeded.url, EMR_ACCOUNT, "iam")
    arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]["Arn"]
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return str(arn)


def test_a_scoped_service_role_cannot_pass_another_ec2_role_and_the_launch_says_so(aws: Seeded) -> None:
    """``AmazonEMRServicePolicy_v2`` may pass only ``arn:aws:iam::*:role/EMR_EC2_DefaultRole`` (``PassRoleForEC2``)."""
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    seeded, moto_url, name = aws, aws.url, "emr-ec2-partner-b"
    give_the_service_role_the_scoped_policy(seeded)
    arn = pipeline_profile(seeded, name)
    tags = [{"Key": MANAGED_POLICIES_TAG, "Value": "true"}]
    operator = launch(tags)
    operator.job_flow_overrides["JobFlowRole"] = name

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "job_flow_overrides.JobFlowRole"
    message = str(refused.value)
    assert f"whose role is {arn}" in message
    assert "may pass only the role EMR_EC2_DefaultRole" in message
    assert f"iam:PassRole on {arn}" in message
    assert clusters(seeded) == []
    # The stand-in fails the same cluster launched by hand.
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster(ServiceRole=EMR_SERVICE_ROLE, Tags=tags, JobFlowRole=name))[
        "JobFlowId"
    ]
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["State"] == "TERMINATED_WITH_ERRORS"
    assert arn in status["StateChangeReason"]["Message"]


def test_a_scoped_service_role_given_pass_role_launches_the_pipeline_role(aws: Seeded) -> None:
    """The fix the refusal names, an inline policy allowing iam:PassRole on the pipeline role: judged, and launched."""
    give_the_service_role_the_scoped_policy(aws)
    arn = pipeline_profile(aws, "emr-ec2-partner-b")
    statement = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": arn,
        "Condition": {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}},
    }
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_SERVICE_ROLE,
        PolicyName="pass-pipeline-role",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    operator = launch([{"Key": MANAGED_POLICIES_TAG, "Value": "true"}])
    operator.job_flow_overrides["JobFlowRole"] = "emr-ec2-partner-b"

    with captured_logs() as logs:
        cluster_id, recorder, _ = run_operator(operator)

    assert "RunJobFlow" in recorder.calls
    assert any("Launching with security configuration" in str(entry) for entry in logs)  # the capture holds
    assert [message for message in warnings(logs) if "JobFlowRole" in message] == []
    state = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "WAITING"


def test_a_permissions_boundary_keeps_the_refusal_another_policy_would_lift(aws: Seeded) -> None:
    """Within its boundary only (IAM User Guide, "Permissions boundaries for IAM entities"): read and judged too."""
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    give_the_service_role_the_scoped_policy(aws)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.put_role_policy(
        RoleName=EMR_SERVICE_ROLE,
        PolicyName="emr-service-more",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [BROAD_EC2]}),
    )
    narrow = json.dumps({"Version": "2012-10-17", "Statement": [UNRELATED]})
    boundary = iam.create_policy(PolicyName="emr-service-boundary", PolicyDocument=narrow)["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_SERVICE_ROLE, PermissionsBoundary=boundary)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(launch([]))

    assert refused.value.field == "job_flow_overrides.Tags"
    assert "GetRole" in calls.calls
    assert clusters(aws) == []
    assert launched_state(aws, [])["State"] == "TERMINATED_WITH_ERRORS"  # the stand-in's judge, boundary and all
