"""
Documents AWS hands back in another form that means the same: a rerun writes nothing, a revoke still finds ours.

The stand-in hands every document back exactly as it was sent, so the reruns of the other tests compare the
provider's output with itself. On AWS a document someone rewrote, or wrote by hand, keeps its meaning but not
its shape: the order of the keys and of the statements and values is not significant, a single value may stand
alone or in a one-element list, and so may a single statement (IAM User Guide, "IAM JSON policy element
reference" and "Grammar of the IAM JSON policy language": ``<action_string>`` / ``[<action_string>, ...]``,
``"Statement": [...]`` or one statement). Here every document of both accounts is rewritten so, then the
provider runs again.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, GrantEmrRoleBucketAccessOperator
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import AUDITOR_STATEMENT, create_auditor, provision_partner
from tests.integration.test_revoke import may_assume, revoker

PARTNER_1, PREFIX_1 = "partner-1-writer", "s3://partner-results-b/partner-1/"
PARTNER_2, PREFIX_2 = "partner-2-writer", "s3://partner-results-b/partner-2/"


def rewritten(value: Any) -> Any:
    """The same document in another shape: keys and lists reversed, one-element lists as their one item."""
    if isinstance(value, dict):
        return {key: rewritten(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        items = [rewritten(item) for item in reversed(value)]
        return items[0] if len(items) == 1 else items
    return value


def _parsed(document: Any) -> dict[str, Any]:
    return json.loads(document) if isinstance(document, str) else dict(document)


def _rewrite(document: Any, put: Any) -> None:
    before = _parsed(document)
    after = rewritten(before)
    assert json.dumps(after) != json.dumps(before)  # the shape really changes
    put(json.dumps(after))


def rewrite_every_document(aws: Seeded) -> None:
    """Rewrite the trust and inline policies of every role, the key policy and the bucket policy."""
    for account in (EMR_ACCOUNT, DESTINATION_ACCOUNT):
        iam = client(aws.url, account, "iam")
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            _rewrite(
                role["AssumeRolePolicyDocument"],
                lambda text, iam=iam, name=name: iam.update_assume_role_policy(RoleName=name, PolicyDocument=text),
            )
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                _rewrite(
                    iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"],
                    lambda text, iam=iam, name=name, policy=policy: iam.put_role_policy(
                        RoleName=name, PolicyName=policy, PolicyDocument=text
                    ),
                )
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    _rewrite(
        kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"],
        lambda text: kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=text),
    )
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    _rewrite(
        s3.get_bucket_policy(Bucket=aws.bucket)["Policy"],
        lambda text: s3.put_bucket_policy(Bucket=aws.bucket, Policy=text),
    )


def grant_everything(aws: Seeded) -> None:
    """Both partners' chain (role, assume grant, key user), the bucket policy and the EMR role's own access."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    run_operator(
        GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[PREFIX_1, PREFIX_2],
            principal_arns=[aws.emr_ec2_role_arn],
            settle_seconds=0,
        )
    )
    run_operator(
        GrantEmrRoleBucketAccessOperator(
            task_id="grant_emr_role_bucket_access",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            s3_prefixes=[PREFIX_1, PREFIX_2],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )


def _with_auditor(aws: Seeded) -> None:
    """A trust statement someone else wrote on partner 1's role, which must stay as it is."""
    create_auditor(aws)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = _parsed(iam.get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"])
    trust["Statement"].append(AUDITOR_STATEMENT)
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))


def _auditor_statement(aws: Seeded) -> Any:
    trust = _parsed(
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"]
    )
    statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
    (auditor,) = [statement for statement in statements if statement.get("Sid") == AUDITOR_STATEMENT["Sid"]]
    return auditor


def test_a_rerun_on_documents_handed_back_in_another_shape_writes_nothing(aws: Seeded) -> None:
    grant_everything(aws)
    _with_auditor(aws)
    rewrite_every_document(aws)

    with CallRecorder().everywhere() as calls:
        grant_everything(aws)

    assert calls.mutating == []
    assert may_assume(aws, PARTNER_1).allowed
    assert may_assume(aws, PARTNER_2).allowed


def test_a_revoke_on_documents_in_another_shape_ends_the_access_and_keeps_the_rest(aws: Seeded) -> None:
    grant_everything(aws)
    _with_auditor(aws)
    rewrite_every_document(aws)

    auditor_before = _auditor_statement(aws)

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=False))

    # The stand-in's judge, not the provider's evaluator, decides.
    assert not may_assume(aws, PARTNER_1).allowed
    assert may_assume(aws, PARTNER_2).allowed
    assert json.dumps(_auditor_statement(aws)) == json.dumps(auditor_before)  # kept in its shape, byte for byte
    with CallRecorder().everywhere() as calls:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=False))
    assert calls.mutating == []
