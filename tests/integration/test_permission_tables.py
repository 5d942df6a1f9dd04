"""
The documented tables of what each connection needs (docs/permissions.md) list every call every operator makes, and no more.

Each operator runs against the two-account moto server through its branches (create and update,
grant and revoke, the verifier's live probe, the clean-up deleting a configuration); every botocore
call any client sends is recorded with the account of the credentials that signed it, turned into the
IAM action it needs, and compared with the table parsed from ``docs/permissions.md`` (between the
``permissions:start``/``permissions:end`` markers). STS calls are the connections assuming their own
roles (the usual ``sts:AssumeRole`` on ``role_arn``), listed once under the table, not per operator.

Operation to IAM action: the same name under the service's prefix (``emr`` is ``elasticmapreduce``),
except where the Service Authorization Reference ("Actions, resources, and condition keys for Amazon
S3") names another action: ``GetBucketEncryption`` needs ``s3:GetEncryptionConfiguration``,
``HeadObject`` needs ``s3:GetObject``, ``ListObjectsV2`` needs ``s3:ListBucket``, ``GetPublicAccessBlock``
(on a bucket) needs ``s3:GetBucketPublicAccessBlock`` and S3 Control's (on an account)
``s3:GetAccountPublicAccessBlock``. Permissions a call
needs besides its own action are listed in :data:`IMPLIED`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import yaml
from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
from airflow.sdk.exceptions import TaskDeferralTimeout, TaskDeferred

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack import moto_stack
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_SERVICE_ROLE,
    PROVISIONER_ROLE,
    REGION,
    Seeded,
    client,
    run_held_probe_steps,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster
from tests.integration.test_scoped_service_role import (
    MANAGED_POLICIES_TAG,
    SCOPED_POLICY,
    give_the_service_role_the_scoped_policy,
    network,
)

if TYPE_CHECKING:
    from collections.abc import Callable

PERMISSIONS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
SERVICE_PREFIX = {"emr": "elasticmapreduce"}
#: Where an operation needs an action of another name (Service Authorization Reference, Amazon S3).
ACTION_OF = {
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",  # S3 API Reference, GetPublicAccessBlock
    # The account's: S3 Control GetPublicAccessBlock (Service Authorization Reference, Amazon S3).
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    # Service Authorization Reference, Amazon S3: s3:GetBucketObjectLockConfiguration grants GetObjectLockConfiguration.
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
}
#: Actions a call needs besides its own, so the table lists them though no call is named so:
#: RunJobFlow passes the service role and the EC2 role (``iam:PassRole``, Amazon EMR Management Guide,
#: "Allow users and groups to create and modify roles"); CreateRole with tags needs ``iam:TagRole``
#: (IAM API Reference, CreateRole: "Tags").
IMPLIED = {
    "LaunchClusterWithSecConfigOperator": {"EMR": {"iam:PassRole"}},
    "EnsureDestinationRoleOperator": {"destination": {"iam:TagRole"}},
}
#: :data:`SOMETIMES`: the actions of the table these runs do not call, each only under a condition they do not meet.
#: Every other action of a row is called by them (the stale check below), and none of these is: a conditional action
#: called on a run whose condition does not hold shows the table's condition wrong, as the first grant's
#: ``ListAttachedRolePolicies`` did when the table listed it past the wall only. ``ListRoleTags`` when ``GetRole``
#: returns no tags (moto always returns them); ``PutBucketPolicy`` when other statements stay in the bucket policy
#: (test_bucket_policy.py). The calls on the provider's managed policies happen only past the EMR EC2 role's
#: inline-policy wall, or once a spill policy is attached (the grants spill into them; exercised in test_scale.py and
#: test_permission_table_conditions.py). ``ListAttachedRolePolicies`` is no spill call: every grant that adds a role
#: reads it, and every revoke.
SPILL_CALLS = {
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:DeletePolicyVersion",
    "iam:CreatePolicyVersion",
}
#: Read only once S3 refused a bucket policy's PutBucketPolicy with AccessDenied: Block Public Access BlockPublicPolicy
#: or a missing permission (test_block_public_policy.py exercises them).
BLOCKED_POLICY_READS = {"s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock", "s3:GetBucketPolicyStatus"}
#: Read only when a run would drop a bucket's grants that a prefix taken out by hand left behind: the role's other
#: policies, whose Allow in that bucket keeps them (test_removed_prefix_other_policies.py exercises them).
OTHER_POLICY_READS = {"iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"}
SOMETIMES = {
    "EnsureDestinationRoleOperator": {"destination": OTHER_POLICY_READS},
    "GrantEmrRoleBucketAccessOperator": {"EMR": OTHER_POLICY_READS},
    "AttachAssumeRolePolicyOperator": {
        "EMR": SPILL_CALLS
        | {
            "iam:CreatePolicy",
            "iam:TagPolicy",
            "iam:AttachRolePolicy",
            "iam:ListEntitiesForPolicy",
            "iam:ListPolicyTags",
            "iam:DeletePolicy",  # a spill policy left unattached by a quota refusal (test_scale.py)
        }
    },
    "RevokePartnerAccessOperator": {
        "destination": {"iam:ListRoleTags"},
        "EMR": SPILL_CALLS
        | {
            "iam:ListPolicyTags",
            "iam:ListEntitiesForPolicy",
            "iam:DetachRolePolicy",
            "iam:DeletePolicy",
        },
    },
    "RevokeBucketAccessOperator": {"destination": {"s3:PutBucketPolicy", *BLOCKED_POLICY_READS}},
    # ListAliases only for an AWS managed key: whether alias/aws/s3 names it (test_option_a_default_keys.py).
    "GrantKmsKeyUserOperator": {"destination": {"kms:ListAliases"}},
    "GrantBucketAccessOperator": {"destination": {"kms:ListAliases", *BLOCKED_POLICY_READS}},
    # Only for a termination-protected cluster with disable_termination_protection=True
    # (test_links_and_teardown.py exercises it).
    "TerminateClusterOperator": {"EMR": {"elasticmapreduce:SetTerminationProtection"}},
    # Only for a cluster in a VPC subnet (test_verify.py's private-subnet test exercises them); DescribeNatGateways
    # only when its default route goes to a NAT gateway; DescribeVpcs and DescribeDhcpOptions only beside an STS
    # interface endpoint with private DNS (test_network_dhcp_options.py); DescribeVpcAttribute, DescribeNetworkAcls and
    # DescribeSecurityGroups (the cluster's groups' outbound rules) for every subnet; DescribePrefixLists only for a
    # gateway endpoint route whose endpoint is not described, GetManagedPrefixListEntries only for a route to another prefix list,
    # DescribeManagedPrefixLists only for a list answered with no entries
    # (test_network_facts.py, test_prefix_list_routes.py and test_verify.py exercise them).
    # ListSteps (the wait for the probe steps) and the probe's failing paths, DescribeStep and CancelSteps, are run
    # below (failing_probes); ListGrants too (the hand-made role of v2, which the key's policies do not name), and
    # ListObjectVersions (a refused probe wrote neither of its keys).
    # ListAliases only for a bucket encrypting with the AWS managed key aws/s3 (test_verify.py's aws/s3 tests).
    # DeleteObject of a version id only for a probe in a bucket whose versioning is enabled or suspended
    # (test_probe_versions.py exercises it).
    # ListInstanceFleets only for a cluster of instance fleets, which moto does not launch (it has no ListInstanceFleets;
    # tests/unit/test_instance_settings.py reads a botocore-validated answer).
    "VerifyCrossAccountAccessOperator": {
        "destination": {"kms:ListAliases", "s3:DeleteObjectVersion"},
        "EMR": {
            "elasticmapreduce:ListInstanceFleets",
            "ec2:DescribeSubnets",
            "ec2:DescribeRouteTables",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeNatGateways",
            "ec2:DescribeVpcAttribute",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeNetworkAcls",
            "ec2:DescribePrefixLists",
            "ec2:GetManagedPrefixListEntries",
            "ec2:DescribeManagedPrefixLists",
        },
    },
}
ACCOUNTS = {EMR_ACCOUNT: "EMR", DESTINATION_ACCOUNT: "destination"}
#: An action in a cell of the table.
ACTION = r"`([a-z0-9-]+:[A-Za-z0-9*]+)`"
ROLE = "partner-b-writer"
PREFIX = "s3://partner-results-b/exports/"


def documented(marker: str = "permissions") -> dict[str, dict[str, set[str]]]:
    """
    Parse a documented table: operator -> connection -> actions (``marker`` ``cli-permissions``: the command line's,
    where a row's first cell names one or more sub-commands, each getting the row's actions).
    """
    text = PERMISSIONS_PAGE.read_text()
    assert f"<!-- {marker}:start -->" in text, f"docs/permissions.md has no {marker} table"
    block = text.split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    table: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        names, connection, actions = cells
        for name in re.findall(r"`([^`]+)`", names):
            table[name][connection.split()[0]] |= set(re.findall(ACTION, actions))
    return {name: dict(connections) for name, connections in table.items()}


def clauses(name: str, connection: str) -> dict[str, set[str]]:
    """
    The actions of one row of the table by the condition its text gives them: its cell split at each ``;`` outside
    parentheses; a clause whose text before its first action ends with ``:`` is that condition's (``past the
    inline-policy wall ([](scale.md)):``), any other is of every run (key ``""``).
    """
    text = PERMISSIONS_PAGE.read_text()
    block = text.split("<!-- permissions:start -->", 1)[1].split("<!-- permissions:end -->", 1)[0]
    [cell] = [
        cells[2]
        for cells in ([cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.splitlines())
        if len(cells) == 3 and f"`{name}`" in cells[0] and cells[1].split()[0] == connection
    ]
    found: dict[str, set[str]] = defaultdict(set)
    for clause in _top_level_clauses(cell):
        first = re.search(ACTION, clause)
        condition = clause[: first.start() if first else len(clause)].strip()
        found[condition if condition.endswith(":") else ""] |= set(re.findall(ACTION, clause))
    return dict(found)


def _top_level_clauses(cell: str) -> list[str]:
    """``cell`` split at each ``;`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for position, character in enumerate(cell):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == ";" and depth == 0:
            parts.append(cell[start:position])
            start = position + 1
    return [*parts, cell[start:]]


def account_of(url: str, frozen: Any, cache: dict[str, str]) -> str:
    if frozen.access_key not in cache:
        sts = boto3.client(
            "sts",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        cache[frozen.access_key] = sts.get_caller_identity()["Account"]
    return cache[frozen.access_key]


def action(service: str, operation: str, params: dict[str, Any] | None = None) -> str:
    # Service Authorization Reference, Amazon S3: DeleteObject of a version id needs s3:DeleteObjectVersion.
    if (service, operation) == ("s3", "DeleteObject") and (params or {}).get("VersionId") is not None:
        return "s3:DeleteObjectVersion"
    return ACTION_OF.get((service, operation), f"{SERVICE_PREFIX.get(service, service)}:{operation}")


def run(operator: Any) -> Any:
    ti = RecordingTaskInstance(task_id=operator.task_id)
    return operator.execute({"ti": ti, "task_instance": ti})


def launch_with_a_deleted_configuration(aws: Seeded, mapping: dict[str, Any]) -> LaunchClusterWithSecConfigOperator:
    """A launch given the document of a configuration EMR does not have (deleted since its create task ran)."""
    document = {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {"RoleMappings": [{**mapping, "Identifiers": [PREFIX.rstrip("/")]}]}
        }
    }
    name = security_configuration_name("perm", document)
    existing = client(aws.url, EMR_ACCOUNT, "emr").list_security_configurations()["SecurityConfigurations"]
    assert name not in [item["Name"] for item in existing]
    return LaunchClusterWithSecConfigOperator(
        task_id="l2",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        security_configuration_document=document,
        job_flow_overrides=small_cluster("perm-again"),
        wait_for_completion=False,
    )


def failing_probes(aws: Seeded, record: Callable[..., Any], configuration: str, cluster_id: str) -> None:
    """
    Run the verifier's probe where it does not succeed, each path cleaning up after its steps
    (``verify.abandon_probe``: ``DescribeStep``, Amazon EMR API Reference, "DescribeStep"; then ``CancelSteps``
    for a step that may still run).

    A probe step that FAILED, its write refused (the EMR EC2 role's assume-role policy removed between the verifier's
    reads and its step, as a concurrent revoke would: the probe's ordinary FAIL): its state is read, it is not
    cancelled, nor reported as one that may still write. Then a deferred probe whose step is still PENDING, killed
    (its trigger's clean-up) and its deferral failed (timed out, the resume's clean-up): cancelled, nothing written.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    role_name = aws.emr_ec2_role_arn.rsplit("/", 1)[-1]
    kept = iam.get_role_policy(RoleName=role_name, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    probe = {
        "aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "security_configuration": configuration,
        "cluster_id": cluster_id,
        "probe": True,
    }
    refused = VerifyCrossAccountAccessOperator(task_id="v-refused", fail_on_broken=False, **probe)
    start_probe = refused._start_probe

    def break_then_start(name: str | None, prefixes: list[str]) -> dict[str, str]:
        # From another thread: the recorder keeps this thread's calls, the operator's.
        with ThreadPoolExecutor(1) as other:
            other.submit(iam.delete_role_policy, RoleName=role_name, PolicyName=ASSUME_POLICY_NAME).result()
        return start_probe(name, prefixes)

    refused._start_probe = break_then_start  # type: ignore[method-assign]
    try:
        result = record("VerifyCrossAccountAccessOperator", refused)
    finally:
        iam.put_role_policy(RoleName=role_name, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(kept))
    assert result["probe"]["ok"] is False, result["probe"]
    assert result["probe"]["abandoned"], result["probe"]
    for abandoned in result["probe"]["abandoned"].values():
        assert (abandoned["state"], abandoned["may_still_write"]) == ("FAILED", False), result["probe"]

    deferred = VerifyCrossAccountAccessOperator(task_id="v-deferred", deferrable=True, waiter_delay=1, **probe)
    ti = RecordingTaskInstance(task_id=deferred.task_id)
    context = {"ti": ti, "task_instance": ti}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto_stack, "hold_probe_steps", True)  # the steps stay PENDING
        with pytest.raises(TaskDeferred) as deferral:
            record("VerifyCrossAccountAccessOperator", deferred, call=lambda: deferred.execute(context))
        # Killed while deferred: the trigger cancels the steps, with the verifier's connections.
        record("VerifyCrossAccountAccessOperator", deferred, call=deferral.value.trigger.clean_up_after_kill)
        with pytest.raises(TaskDeferralTimeout):
            record(
                "VerifyCrossAccountAccessOperator",
                deferred,
                call=lambda: deferred.resume_execution(
                    TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, context
                ),
            )
        assert {step["state"] for step in ti.xcoms["report"]["probe"]["abandoned"].values()} == {"CANCELLED"}
        assert run_held_probe_steps() == []  # cancelled: nothing written later


def merged(*tables: dict[str, set[str]]) -> dict[str, set[str]]:
    """Connection -> actions, the union of ``tables``."""
    union: dict[str, set[str]] = defaultdict(set)
    for table in tables:
        for connection, actions in table.items():
            union[connection] |= actions
    return union


def test_the_permission_tables_list_every_call_of_every_operator(aws: Seeded) -> None:
    recorded: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    keys: dict[str, str] = {}
    emr_role = aws.emr_ec2_role_arn
    other_emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_SERVICE_ROLE}"

    def record(name: str, operator: Any, call: Any = None) -> Any:
        # Only this thread: the stand-in's step runner writes the verifier's probe object from the
        # moto server's threads, with the cluster's roles, as EMRFS on the cluster does; those calls
        # are the cluster's, not the operator's. ``call``: another entry point than execute (on_kill).
        # What a call that raises (a deferral, its failure) sent is recorded too.
        recorder = CallRecorder(record_signers=True)
        try:
            with recorder.everything():
                return run(operator) if call is None else call()
        finally:
            for (service, operation), frozen, params in zip(
                recorder.every, recorder.signers, recorder.params, strict=True
            ):
                if service != "sts":  # the connection assuming its own role
                    recorded[name][ACCOUNTS[account_of(aws.url, frozen, keys)]].add(action(service, operation, params))

    dest = {"aws_conn_id": DESTINATION_CONN_ID, "settle_seconds": 0}
    emr = {"aws_conn_id": EMR_CONN_ID, "settle_seconds": 0}
    role_kwargs = {"role_name": ROLE, "s3_prefixes": [PREFIX], "kms_key_arns": [aws.kms_key_arn]}
    # Create, then update the trust (a second trusted role) and the permissions of the existing role
    # (a second prefix: its other inline policies are counted, iam:ListRolePolicies).
    role_arn = record(
        "EnsureDestinationRoleOperator",
        EnsureDestinationRoleOperator(task_id="r1", trusted_role_arns=[emr_role], **role_kwargs, **dest),
    )
    record(
        "EnsureDestinationRoleOperator",
        EnsureDestinationRoleOperator(
            task_id="r2",
            trusted_role_arns=[emr_role, other_emr_role],
            **{**role_kwargs, "s3_prefixes": [PREFIX, "s3://partner-results-b/archive/"]},
            **dest,
        ),
    )
    # A second partner, so that revoking the first rewrites (not deletes) the shared documents.
    other_role_arn = record(
        "EnsureDestinationRoleOperator",
        EnsureDestinationRoleOperator(
            task_id="r3",
            trusted_role_arns=[emr_role],
            role_name="partner-c-writer",
            s3_prefixes=["s3://partner-results-b/partner-c/"],
            **dest,
        ),
    )
    record(
        "AttachAssumeRolePolicyOperator",
        AttachAssumeRolePolicyOperator(task_id="a", destination_role_arns=[role_arn, other_role_arn], **emr),
    )
    record(
        "GrantKmsKeyUserOperator",
        GrantKmsKeyUserOperator(
            task_id="k", key_arn=aws.kms_key_arn, principal_arns=[role_arn, other_role_arn], **dest
        ),
    )
    mappings = [
        {"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX]},
        {"Role": other_role_arn, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/partner-c/"]},
    ]
    configuration = record(
        "CreateEmrfsSecurityConfigOperator",
        CreateEmrfsSecurityConfigOperator(task_id="c", name_prefix="perm", role_mappings=mappings, **emr),
    )
    # One more configuration nobody uses, for the clean-up to delete.
    record(
        "CreateEmrfsSecurityConfigOperator",
        CreateEmrfsSecurityConfigOperator(
            task_id="c2",
            name_prefix="perm",
            role_mappings=[
                {"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/x/"]}
            ],
            **emr,
        ),
    )
    overrides = small_cluster("perm")
    launch = LaunchClusterWithSecConfigOperator(
        task_id="l",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=configuration,
        job_flow_overrides=overrides,
        wait_for_completion=True,
        waiter_delay=1,
        waiter_max_attempts=5,
    )
    cluster_id = record("LaunchClusterWithSecConfigOperator", launch)
    # A configuration deleted since its create task ran (the clean-up): the launch creates it again from its
    # document (docs/howto/launch_cluster.md), so it needs CreateSecurityConfiguration too.
    record("LaunchClusterWithSecConfigOperator", launch_with_a_deleted_configuration(aws, mappings[0]))
    # A service role with AmazonEMRServicePolicy_v2 and a cluster given a subnet and a security group: the launch reads
    # the role's inline policies and the network's tags (docs/howto/launch_cluster.md); the policy detached after.
    give_the_service_role_the_scoped_policy(aws)
    scoped = small_cluster("perm-scoped", Tags=[{"Key": MANAGED_POLICIES_TAG, "Value": "true"}])
    scoped["Instances"] = {**scoped["Instances"], **network(aws, subnet_tagged=True, group_tagged=True)}
    record(
        "LaunchClusterWithSecConfigOperator",
        LaunchClusterWithSecConfigOperator(
            task_id="l-scoped",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=configuration,
            job_flow_overrides=scoped,
        ),
    )
    # With another policy besides, which allows what the scoped one does not (an untagged cluster): the launch reads
    # every policy of the role to judge it.
    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
    iam_emr = client(aws.url, EMR_ACCOUNT, "iam")
    iam_emr.put_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyName="perm-ec2", PolicyDocument=json.dumps(broad))
    record(
        "LaunchClusterWithSecConfigOperator",
        LaunchClusterWithSecConfigOperator(
            task_id="l-scoped-judged",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=configuration,
            job_flow_overrides=small_cluster("perm-judged"),
        ),
    )
    iam_emr.delete_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyName="perm-ec2")
    iam_emr.detach_role_policy(
        RoleName=EMR_SERVICE_ROLE, PolicyArn=f"arn:aws:iam::aws:policy/service-role/{SCOPED_POLICY}"
    )
    # The verifier with the live probe: the stand-in runs the probe step (devstack/moto_stack.py), writing
    # the object through EMRFS's routing with the cluster's roles; the operator then checks and deletes it.
    writer = client(aws.url, DESTINATION_ACCOUNT, "s3")
    # As real roles have them, for the verifier's reads: a managed policy on the EMR EC2 role (the default role has
    # AmazonElasticMapReduceforEC2Role attached: Amazon EMR Management Guide, "Service role for cluster EC2 instances
    # (EC2 instance profile)"), a permissions boundary on the destination role; both removed after the verifier.
    unrelated = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}]}
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    emr_iam, destination_iam = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    instance_policy = emr_iam.create_policy(PolicyName="instance-extras", PolicyDocument=json.dumps(unrelated))
    emr_iam.attach_role_policy(RoleName=emr_role.rsplit("/", 1)[-1], PolicyArn=instance_policy["Policy"]["Arn"])
    boundary = destination_iam.create_policy(PolicyName="partner-boundary", PolicyDocument=json.dumps(everything))
    destination_iam.put_role_permissions_boundary(RoleName=ROLE, PermissionsBoundary=boundary["Policy"]["Arn"])
    verified = record(
        "VerifyCrossAccountAccessOperator",
        VerifyCrossAccountAccessOperator(
            task_id="v",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            security_configuration=configuration,
            cluster_id=cluster_id,
            probe=True,
        ),
    )
    assert verified["probe"]["ok"] is True  # the probe step wrote, the operator checked and deleted
    # A mapped role the provider did not make, with no tags: GetRole shows none, so the verifier reads them with
    # ListRoleTags (its tags are aws:PrincipalTag values; IAM API Reference, GetRole: the Role's "Tags").
    untagged = destination_iam.create_role(
        RoleName="hand-made-untagged-writer",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": emr_role}, "Action": "sts:AssumeRole"}],
            }
        ),
    )["Role"]["Arn"]
    hand_made = {"Role": untagged, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/hand-made/"]}
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name="hand-made-untagged",
        SecurityConfiguration=json.dumps(
            {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [hand_made]}}}
        ),
    )
    record(
        "VerifyCrossAccountAccessOperator",
        VerifyCrossAccountAccessOperator(
            task_id="v2",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            security_configuration="hand-made-untagged",
            release_label="emr-6.15.0",
            fail_on_broken=False,
        ),
    )
    assert "iam:ListRoleTags" in recorded["VerifyCrossAccountAccessOperator"]["destination"]
    failing_probes(aws, record, configuration, cluster_id)
    emr_iam.detach_role_policy(RoleName=emr_role.rsplit("/", 1)[-1], PolicyArn=instance_policy["Policy"]["Arn"])
    destination_iam.delete_role_permissions_boundary(RoleName=ROLE)
    # Option (a): an ObjectWriter bucket switched to BucketOwnerEnforced (ACL read first), its SSE-KMS key described.
    writer.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    record(
        "GrantBucketAccessOperator",
        GrantBucketAccessOperator(
            task_id="g", s3_prefixes=[PREFIX], principal_arns=[emr_role], enforce_bucket_owner=True, **dest
        ),
    )
    record(
        "GrantEmrRoleBucketAccessOperator",
        GrantEmrRoleBucketAccessOperator(task_id="e", s3_prefixes=[PREFIX], kms_key_arns=[aws.kms_key_arn], **emr),
    )
    record(
        "RevokeBucketAccessOperator",
        RevokeBucketAccessOperator(task_id="rb", bucket=aws.bucket, principal_arns=[emr_role], **dest),
    )
    # The partner's access revoked, the role kept: the EMR EC2 role leaves the role's trust (UpdateAssumeRolePolicy).
    record(
        "RevokePartnerAccessOperator",
        RevokePartnerAccessOperator(
            task_id="rk",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=role_arn,
            settle_seconds=0,
        ),
    )
    # The second EMR role's pipeline is gone and its trust taken out: a role another EMR role still assumes
    # is not deleted (RevokePartnerAccessOperator refuses it).
    destination_iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = destination_iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    for item in trust["Statement"]:
        item["Principal"]["AWS"] = emr_role
    destination_iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    record(
        "RevokePartnerAccessOperator",
        RevokePartnerAccessOperator(
            task_id="rp",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=role_arn,
            kms_key_arns=[aws.kms_key_arn],
            security_configuration=configuration,
            name_prefix="perm",
            delete_destination_role=True,
            settle_seconds=0,
        ),
    )
    # The other partner revoked with its trust left as it is: the destination role's trust is not written (the table's
    # "not with remove_destination_trust=False"), only read, for the keys (whether someone else still assumes it),
    # and the key policy is written.
    record(
        "kept-trust",
        RevokePartnerAccessOperator(
            task_id="rt",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=other_role_arn,
            kms_key_arns=[aws.kms_key_arn],
            remove_destination_trust=False,
            settle_seconds=0,
        ),
    )
    kept_trust = recorded.pop("kept-trust")
    assert "kms:PutKeyPolicy" in kept_trust["destination"], kept_trust
    assert "iam:UpdateAssumeRolePolicy" not in kept_trust["destination"], kept_trust
    assert "iam:GetRole" in kept_trust["destination"], kept_trust
    recorded["RevokePartnerAccessOperator"] = merged(recorded["RevokePartnerAccessOperator"], kept_trust)
    deleted = record(
        "DeleteUnusedSecurityConfigsOperator",
        DeleteUnusedSecurityConfigsOperator(task_id="d", name_prefix="perm", min_age_seconds=0, **emr),
    )
    assert deleted  # the clean-up's DeleteSecurityConfiguration was exercised (the cluster's kept: in use)
    # The launch's teardown, finding the cluster by the launch's idempotency tag.
    record(
        "TerminateClusterOperator", TerminateClusterOperator(task_id="t", launch_task_id="l", aws_conn_id=EMR_CONN_ID)
    )
    # The launch killed (on_kill, as Airflow calls it): it terminates the cluster it launched.
    record("LaunchClusterWithSecConfigOperator", launch, call=launch.on_kill)

    table = documented()
    problems = []
    for name in sorted(set(recorded) | set(table)):
        for connection in sorted(set(recorded.get(name, {})) | set(table.get(name, {})) | set(IMPLIED.get(name, {}))):
            problems += row_problems(
                f"{name} ({connection})",
                made=recorded.get(name, {}).get(connection, set()),
                listed=table.get(name, {}).get(connection, set()),
                implied=IMPLIED.get(name, {}).get(connection, set()),
                sometimes=SOMETIMES.get(name, {}).get(connection, set()),
            )
    recorded_plain = {name: {c: sorted(a) for c, a in conns.items()} for name, conns in recorded.items()}
    assert not problems, "\n".join(problems) + f"\nrecorded: {recorded_plain}"


def row_problems(where: str, *, made: set[str], listed: set[str], implied: set[str], sometimes: set[str]) -> list[str]:
    """
    What is wrong with one row (``listed``) for the calls ``made``: a call it does not list, an action ``implied``
    that it does not list, an action of :data:`SOMETIMES` called (its condition does not hold on these runs, so the
    table's condition is wrong, or the runs met it and it is no longer only sometimes), an action never called.
    """
    problems = []
    if made - listed:
        problems.append(f"{where}: calls not in docs/permissions.md: {sorted(made - listed)}")
    if implied - listed:
        problems.append(f"{where}: needed but not in docs/permissions.md: {sorted(implied - listed)}")
    if made & sometimes:
        problems.append(
            f"{where}: called though SOMETIMES says no run here meets its condition (the condition docs/permissions.md "
            f"gives it may be wrong): {sorted(made & sometimes)}"
        )
    stale = sorted(listed - made - implied - sometimes)
    if stale:
        problems.append(f"{where}: in docs/permissions.md but never called: {stale}")
    return problems


#: Actions of :data:`SOMETIMES` sent as another operation (or needed by it) than the one of their name.
SENT_AS = {
    "s3:DeleteObjectVersion": "DeleteObject",  # with a VersionId (Service Authorization Reference, Amazon S3)
    "iam:TagPolicy": "CreatePolicy",  # with Tags (IAM API Reference, CreatePolicy: "Tags")
}


def test_every_action_called_only_sometimes_is_still_sent_by_the_package() -> None:
    """
    The actions of :data:`SOMETIMES` are exempt from the stale check above (the run does not take their branches):
    each must still be an operation the package sends, or the table would go on listing a call a change removed.
    """
    from botocore import xform_name

    source = "\n".join(
        path.read_text() for path in (PERMISSIONS_PAGE.parents[1] / "airflow_provider_emrfs_xacct").rglob("*.py")
    )
    operation_of = {name: operation for (_, operation), name in ACTION_OF.items()}
    missing = []
    for connections in SOMETIMES.values():
        for actions in connections.values():
            for name in sorted(actions):
                operation = SENT_AS.get(name) or operation_of.get(name) or name.split(":", 1)[1]
                snake = xform_name(operation)
                if not re.search(rf"""(\.{snake}\b|["']{snake}["'])""", source):
                    missing.append(f"{name} ({snake})")
    assert not missing, f"docs/permissions.md lists calls the package no longer sends: {missing}"


#: The operators each sub-command of the command line runs (cli.provisioning_operators, verify_operator, revoke_operator).
CLI_OPERATORS = {
    "plan": (
        "EnsureDestinationRoleOperator",
        "AttachAssumeRolePolicyOperator",
        "GrantKmsKeyUserOperator",
        "CreateEmrfsSecurityConfigOperator",
    ),
    "verify": ("VerifyCrossAccountAccessOperator",),
    "revoke": ("RevokePartnerAccessOperator",),
}
CLI_OPERATORS["apply"] = CLI_OPERATORS["plan"]


def test_the_command_line_needs_its_operators_actions_and_the_ones_its_table_lists(
    aws: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Each sub-command, run against the stand-in, calls only actions of its operators' rows and of the command line's
    own table, and every action of that table is called by each sub-command it names, on that connection: the
    command line's reads of the role ARNs (``iam:GetRole``, through both connections, the destination's also with
    ``--keep-destination-trust``, where the revoke operator reads no role) and of the configuration to rebuild.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in (cli.EMR_CONN, cli.DESTINATION_CONN):  # the command line defines these: undo it after the test
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", "")
    partner_file = tmp_path / "partner.yaml"
    partner = yaml.safe_load((PERMISSIONS_PAGE.parents[1] / "examples" / "partner.yaml").read_text())
    partner["destination"]["kms_key_arns"] = [aws.kms_key_arn]
    partner_file.write_text(yaml.safe_dump(partner))
    configuration = cli._current_configuration(cli.load_partner(partner_file))
    connections = [
        "--emr-role-arn",
        f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-role-arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--endpoint-url",
        aws.url,
        "--region",
        REGION,
    ]
    runs = [
        ("plan",),
        ("apply",),
        ("verify",),
        ("revoke", "--keep-security-configuration", "--keep-destination-trust"),
        ("revoke", "--security-configuration", configuration),
    ]
    recorded: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    keys: dict[str, str] = {}
    for command, *options in runs:
        with CallRecorder(record_signers=True).everything() as recorder:
            assert cli.main([command, str(partner_file), *connections, *options]) == 0, (command, options)
        for (service, operation), frozen in zip(recorder.every, recorder.signers, strict=True):
            if service != "sts":  # the connections assuming their roles, and GetCallerIdentity (no permission)
                recorded[command][ACCOUNTS[account_of(aws.url, frozen, keys)]].add(action(service, operation))
        if options == ["--keep-security-configuration", "--keep-destination-trust"]:
            assert "iam:GetRole" in recorded[command]["destination"]  # the command line's own read

    operators, own = documented(), documented("cli-permissions")
    unknown = sorted(set(own) - set(CLI_OPERATORS))
    assert not unknown, f"docs/permissions.md: unknown sub-commands {unknown}"
    problems = [
        problem
        for command, names in CLI_OPERATORS.items()
        for connection in ("EMR", "destination")
        for problem in _cli_problems(
            f"{command} ({connection})",
            recorded[command][connection],
            own.get(command, {}).get(connection, set()),
            set().union(*(operators[name].get(connection, set()) for name in names)),
        )
    ]
    assert not problems, "\n".join(problems)


def _cli_problems(where: str, made: set[str], own: set[str], operators: set[str]) -> list[str]:
    """A sub-command's calls on one connection against its operators' rows and its own row of the command line's table."""
    problems = []
    if made - own - operators:
        problems.append(f"{where}: calls not in docs/permissions.md: {sorted(made - own - operators)}")
    if own - made:
        problems.append(f"{where}: in the command line's table but never called: {sorted(own - made)}")
    return problems
