"""
A permissions boundary ``GetPolicy`` says cannot be attached is refused naming the field (outside review H2).

``GetPolicy`` answers the policy's ``IsAttachable`` ("Specifies whether the policy can be attached to an IAM user,
group, or role": IAM API Reference, "Policy"), and IAM refuses such a boundary with ``PolicyNotAttachable`` ("AWS
service role policies can only be attached to the service-linked role for that service": IAM API Reference,
"PutRolePermissionsBoundary", "Errors"). The stand-in has no such policy: the answers are botocore's ``Stubber``.
"""

from __future__ import annotations

import datetime

import pytest
from botocore.stub import Stubber

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

ARN = "arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy"


def _answer(attachable: bool) -> dict[str, object]:
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    return {
        "Policy": {"PolicyName": "P", "Arn": ARN, "IsAttachable": attachable, "CreateDate": when, "UpdateDate": when}
    }


@pytest.mark.parametrize("attachable", [False, True])
def test_a_boundary_that_cannot_be_attached_is_refused(attachable: bool) -> None:
    hook = EmrfsIamHook(aws_conn_id=None)
    with Stubber(hook.conn) as stub:
        stub.add_response("get_policy", _answer(attachable), {"PolicyArn": ARN})
        if attachable:
            hook.check_permissions_boundary(ARN, "permissions_boundary")
        else:
            with pytest.raises(InvalidParameterError, match="cannot be attached to a role") as refused:
                hook.check_permissions_boundary(ARN, "permissions_boundary")
            assert refused.value.field == "permissions_boundary"
        stub.assert_no_pending_responses()


def test_create_roles_policy_not_attachable_names_the_field() -> None:
    """CreateRole's PolicyNotAttachable for the boundary: an InvalidParameterError naming permissions_boundary."""
    from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings

    hook = EmrfsIamHook(aws_conn_id=None)
    with Stubber(hook.conn) as stub:
        stub.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
        stub.add_client_error("create_role", "PolicyNotAttachable", "not attachable", http_status_code=400)
        with pytest.raises(InvalidParameterError, match="PolicyNotAttachable") as refused:
            hook.ensure_role_trusts(
                "dest",
                ["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"],
                permissions_boundary=ARN,
                account_id="222222222222",
                settings=ConvergeSettings(settle_seconds=0, consistency_wait_seconds=0),
            )
    assert refused.value.field == "permissions_boundary"
