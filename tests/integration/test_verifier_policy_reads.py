"""
The verifier's reads of a role's managed policies and boundary survive a concurrent writer's new default version.

``GetPolicy`` names the default version and ``GetPolicyVersion`` reads it; a writer may make a new default and
delete the one named in between (IAM API Reference, "DeletePolicyVersion": any version but the default). The
policy exists (it is attached, or it is the role's boundary), so the version's ``NoSuchEntity`` is read again,
as the provider's own writes read it, rather than leaving the role "unreadable" in the verifier's report. The
interleaving is a real write through another client, sent from botocore's ``before-send`` event of the read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure.checks.state import RoleState
from airflow_provider_emrfs_xacct.verify import read_role
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

OLD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NEW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}


def replace_default_version_before_the_first_read(hook: EmrfsIamHook, iam: Any, policy_arn: str) -> None:
    """Make ``NEW`` the default version and delete the old one, just before the hook's first GetPolicyVersion."""
    done: list[bool] = []

    def concurrent_writer(**_: Any) -> None:
        if not done:
            done.append(True)
            iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(NEW), SetAsDefault=True)
            iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v1")

    hook.conn.meta.events.register("before-send.iam.GetPolicyVersion", concurrent_writer)


@pytest.mark.parametrize("attached_as", ["managed policy", "permissions boundary"])
def test_a_default_version_replaced_between_the_two_reads_is_read_again(aws: Seeded, attached_as: str) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy_arn = iam.create_policy(PolicyName="verifier-race", PolicyDocument=json.dumps(OLD))["Policy"]["Arn"]
    if attached_as == "managed policy":
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=policy_arn)
    else:
        iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=policy_arn)
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    replace_default_version_before_the_first_read(hook, iam, policy_arn)

    state = read_role(hook, EMR_EC2_ROLE)
    assert isinstance(state, RoleState)

    assert not state.unreadable, state.unreadable
    documents = dict(state.policies)
    if state.boundary is not None:
        documents[state.boundary[0]] = state.boundary[1]
    assert NEW in documents.values()
    assert OLD not in documents.values()
