"""
What a refused KMS call on a key asks for, AWS's message naming no policy type: the identity policy and the key policy; other refusals are unchanged.

AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it, you cannot use IAM
policies to allow access to a KMS key. Without permission from the key policy, IAM policies that allow permissions
have no effect." ``kms:ListAliases`` is no call on a key: "Required permissions: kms:ListAliases (IAM policy)" (AWS KMS
API Reference, "ListAliases"), so it is granted as any other action.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import denial_message
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DOCS = 'docs/permissions.md, "A key policy without the account-root statement"'


def denied(action: str, resource: str) -> RefusedRead:
    """A refused read as ``verify.read`` records it, its explanation as ``denial_message`` writes it."""
    operation = action.partition(":")[2]
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, operation)
    why = denial_message(error, action=action, resource=resource, account="222222222222", conn_id="aws_dest")
    return RefusedRead(action, "aws_dest", "222222222222", resource, operation, why)


def fix_of(*refused: RefusedRead) -> str:
    detail = "; ".join(item.explanation for item in refused)
    (link,) = name_refused_reads([Link(None, "KMS key", UNKNOWN, detail)], list(refused))
    return link.fix


@pytest.mark.parametrize(
    ("action", "resource"),
    [("kms:ListAliases", "alias/aws/s3"), ("s3:GetBucketPolicy", "Bucket=b"), ("iam:GetRole", "RoleName=r")],
)
def test_a_refusal_of_no_key_is_granted_to_the_connection_alone(action: str, resource: str) -> None:
    refused = denied(action, resource)

    assert refused.explanation.endswith(f"Grant {action} on that resource to the connection's identity.")
    assert fix_of(refused) == f"allow {action} to the connection 'aws_dest' (refused: see the detail) and verify again"


def test_refused_reads_of_a_key_ask_the_key_policy_once_for_each_action() -> None:
    describe, grants = denied("kms:DescribeKey", KEY), denied("kms:ListGrants", KEY)

    assert fix_of(describe, grants, denied("kms:ListAliases", "alias/aws/s3")) == (
        "allow kms:DescribeKey to the identity of the connection 'aws_dest' in its identity policy, kms:ListGrants to "
        "the identity of the connection 'aws_dest' in its identity policy, kms:ListAliases to the connection 'aws_dest' "
        "(refused: see the detail); the key policy must allow kms:DescribeKey and kms:ListGrants to the connection's "
        "identity too: its statement enabling IAM policies for the account, or a statement naming that identity "
        f"({DOCS}); then verify again"
    )
    assert describe.explanation.endswith(
        "Grant kms:DescribeKey on that key to the connection's identity in its identity policy, and make sure the key "
        "policy allows it: its statement enabling IAM policies for the account, or a statement naming that identity "
        f"({DOCS})."
    )
