"""
A role's other inline policies count against IAM's quota as IAM holds them, not as the provider would send them.

IAM counts all inline policies of a role together against 10,240 characters, whitespace not counted (IAM User
Guide, "IAM and AWS STS quotas": "Role policy size cannot exceed 10,240 characters", "IAM doesn't count white
space"), and answers each as the text it was sent (IAM API Reference, "GetRolePolicy": "URL-encoded compliant with
RFC 3986"). A policy someone wrote with Python's ``json.dumps`` (``ensure_ascii``) holds ``é`` as the six characters
``\\u00e9``: the provider counted it once, as it would send it, so its check let a change through that IAM then
refused at ``PutRolePolicy`` (``LimitExceeded``): on the destination role after the trust policy was written, and on
the EMR EC2 role instead of spilling the assume-role grants into a managed policy. The stand-in counts the text it
holds (``devstack/aws_quotas.py``), as IAM does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.handlers import json_decode_policies

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from devstack.aws_quotas import iam_characters
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import AUDITOR_STATEMENT, create_auditor, destination_role_operator

ROLE_NAME = "partner-a-writer"
PREFIX = "s3://partner-results-b/exports/partner-a/"
ROLE_QUOTA = 10240


def raw_iam(aws: Seeded, account: str) -> Any:
    """An IAM client answering documents as the text IAM keeps (botocore's decoding taken off)."""
    iam = client(aws.url, account, "iam")
    iam.meta.events.unregister("after-call.iam", json_decode_policies)
    return iam


def accented_policy(stored: int, accents: int) -> str:
    """
    An inline policy as Python's ``json.dumps`` writes it (``é`` as ``\\u00e9``, spaces after ``,`` and ``:``):
    ``stored`` characters without whitespace, as the stand-in and IAM count it, ``accents`` of its ``é``.
    """
    document: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "",
                "Effect": "Deny",
                "Action": "s3:DeleteObject",
                "Resource": "arn:aws:s3:::ref-data/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "é" * accents}},
            }
        ],
    }
    document["Statement"][0]["Sid"] = "P" * (stored - iam_characters(json.dumps(document)))
    text = json.dumps(document)
    assert "\\u00e9" in text
    assert iam_characters(text) == stored
    return text


def inline_texts(aws: Seeded, account: str, role_name: str) -> dict[str, str]:
    """Every inline policy of the role, as the text the stand-in holds (URL-decoded)."""
    iam = raw_iam(aws, account)
    return {
        name: unquote(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    }


def test_a_foreign_policy_counted_as_stored_is_refused_before_any_write_naming_the_field(aws: Seeded) -> None:
    """
    9,500 characters as stored (1,200 ``é`` of six each; 3,500 as the provider would send them): the permissions
    policy does not fit beside it, refused before the trust policy or anything else is written.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    create_auditor(aws)
    iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [AUDITOR_STATEMENT]}),
    )
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-accents", PolicyDocument=accented_policy(9500, 1200))
    before = unquote(raw_iam(aws, DESTINATION_ACCOUNT).get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"])
    operator = destination_role_operator(aws, ROLE_NAME, PREFIX)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everything() as recorder, pytest.raises(QuotaExceededError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == "s3_prefixes"
    assert "other inline policies (9500)" in str(refused.value)
    assert "Role policy size (all inline policies of a role together)" in str(refused.value)
    assert recorder.mutating == []
    assert (
        unquote(raw_iam(aws, DESTINATION_ACCOUNT).get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"])
        == before
    )
    assert list(inline_texts(aws, DESTINATION_ACCOUNT, ROLE_NAME)) == ["team-accents"]


def test_beside_a_foreign_policy_counted_as_stored_the_assume_grants_spill_into_a_managed_policy(
    aws: Seeded,
) -> None:
    """
    6,000 characters as stored (900 ``é``; 1,500 as the provider would send them): 100 grants fit the inline policy
    by the provider's old count, but not by IAM's. The ones past the room left go into the provider's managed
    policy, and every write is one the stand-in (IAM's count) accepts.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="team-accents", PolicyDocument=accented_policy(6000, 900))
    wanted = [
        f"arn:aws:iam::{900000000000 + index // 10:012d}:role/emrfs-partner-writer-{index:04d}" for index in range(100)
    ]

    _, recorder, _ = run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="attach", aws_conn_id=EMR_CONN_ID, destination_role_arns=wanted, settle_seconds=0
        )
    )

    texts = inline_texts(aws, EMR_ACCOUNT, EMR_EC2_ROLE)
    assert sum(iam_characters(text) for text in texts.values()) <= ROLE_QUOTA
    inline = spill.held(json.loads(texts[documents.ASSUME_POLICY_NAME]))
    spill_name = spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE, 2)
    attached = {
        item["PolicyName"]: item["PolicyArn"]
        for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    }
    assert spill_name in attached
    version = iam.get_policy(PolicyArn=attached[spill_name])["Policy"]["DefaultVersionId"]
    spilled = spill.held(
        iam.get_policy_version(PolicyArn=attached[spill_name], VersionId=version)["PolicyVersion"]["Document"]
    )
    assert spilled  # some did not fit beside the foreign policy as IAM counts it
    assert inline | spilled == set(wanted)
    assert {"CreatePolicy", "AttachRolePolicy", "PutRolePolicy"} <= set(recorder.mutating)
