"""
IAM documents are read as the text IAM sent: a name given twice in one JSON object is refused, not half kept.

IAM answers a policy document as URL-encoded JSON text (IAM API Reference, "GetRolePolicy", "GetPolicyVersion":
"Policies returned by this operation are URL-encoded compliant with RFC 3986"). botocore's ``json_decode_policies``
handler (``after-call.iam``) decodes it with a plain ``json.loads``, which keeps only the last of two values of one
name: a trust policy whose ``Condition`` gives ``StringEquals`` twice (``sts:ExternalId``, ``aws:PrincipalOrgID``)
reached the grant as the ``aws:PrincipalOrgID`` one alone, and the grant wrote it back without the external id.
The stand-in keeps the text as it was sent, so each document here holds such a name, through real botocore calls.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pytest
from botocore.handlers import json_decode_policies

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import parse_document
from airflow_provider_emrfs_xacct.verify import read_role
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import AUDITOR_ARN, create_auditor, destination_role_operator

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator

ROLE_NAME = "partner-a-writer"
PREFIX = "s3://partner-results-b/exports/partner-a/"
#: A vendor's trust statement whose Condition gives StringEquals twice: IAM keeps the text as sent.
VENDOR = (
    '{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"%s"},"Action":"sts:AssumeRole",'
    '"Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"},"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}'
)
#: An identity policy statement with the same repetition, and a managed policy of it.
READ_WITH_TWO_CONDITIONS = (
    '{"Sid":"ReadReference","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::ref-data/*",'
    '"Condition":{"StringEquals":{"aws:PrincipalTag/team":"a"},"StringEquals":{"aws:ResourceAccount":"222222222222"}}}'
)
MANAGED_TEXT = '{"Version":"2012-10-17","Statement":[' + READ_WITH_TWO_CONDITIONS + "]}"


def raw_iam(aws: Seeded) -> Any:
    """A destination IAM client that answers documents as the text IAM keeps (botocore's decoding taken off)."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.meta.events.unregister("after-call.iam", json_decode_policies)
    return iam


def trust_text(aws: Seeded) -> str:
    return unquote(raw_iam(aws).get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"])


def operator(aws: Seeded, **overrides: Any) -> EnsureDestinationRoleOperator:
    return destination_role_operator(aws, ROLE_NAME, PREFIX, **overrides)


def refused(task: EnsureDestinationRoleOperator) -> tuple[ConflictError, CallRecorder]:
    ti = RecordingTaskInstance(task_id=task.task_id)
    with CallRecorder().everything() as recorder, pytest.raises(ConflictError) as caught:
        task.execute({"ti": ti, "task_instance": ti})
    return caught.value, recorder


@pytest.fixture
def vendor_trust(aws: Seeded) -> str:
    """The destination role made by hand, trusting a vendor under a Condition that gives StringEquals twice."""
    create_auditor(aws)
    text = '{"Version":"2012-10-17","Statement":[%s]}' % (VENDOR % AUDITOR_ARN)
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=text)
    assert trust_text(aws) == text  # the stand-in keeps the text, as IAM does
    return text


def test_a_trust_policy_giving_a_name_twice_is_refused_before_any_write(aws: Seeded, vendor_trust: str) -> None:
    """Before: the grant wrote the vendor's statement back with the aws:PrincipalOrgID condition alone."""
    error, recorder = refused(operator(aws))

    assert recorder.mutating == []
    assert "GetRole" in recorder.reads
    assert f"the trust policy of role {ROLE_NAME}" in str(error)
    assert "'StringEquals' appears twice" in str(error)
    assert "update-assume-role-policy" in str(error)  # what to do about it
    assert trust_text(aws) == vendor_trust  # the external id is still there


def test_the_revoke_of_the_trust_refuses_it_too(aws: Seeded, vendor_trust: str) -> None:
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    with CallRecorder().everything() as recorder, pytest.raises(ConflictError, match="appears twice"):
        hook.revoke_role_trust(f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}", ("111111111111", "EMR"))
    assert recorder.mutating == []
    assert trust_text(aws) == vendor_trust


def test_an_inline_policy_giving_a_name_twice_is_refused_before_any_write(aws: Seeded) -> None:
    """The role's own inline policy (the provider's, with a statement someone added) is read as text too."""
    run_operator(operator(aws))
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy_name = "emrfs-xacct-destination-access"
    held = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=policy_name)["PolicyDocument"]
    ours = ",".join(json.dumps(statement) for statement in held["Statement"])
    text = '{"Version":"2012-10-17","Statement":[' + ours + "," + READ_WITH_TWO_CONDITIONS + "]}"
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=policy_name, PolicyDocument=text)

    error, recorder = refused(operator(aws, s3_prefixes=[PREFIX, "s3://partner-results-b/exports/partner-a-2/"]))

    assert recorder.mutating == []
    assert f"inline policy {policy_name} of role {ROLE_NAME}" in str(error)
    assert "'StringEquals' appears twice" in str(error)
    assert unquote(raw_iam(aws).get_role_policy(RoleName=ROLE_NAME, PolicyName=policy_name)["PolicyDocument"]) == text


def test_a_managed_policy_giving_a_name_twice_is_refused_by_the_hook(aws: Seeded) -> None:
    arn = client(aws.url, DESTINATION_ACCOUNT, "iam").create_policy(
        PolicyName="team-reference", PolicyDocument=MANAGED_TEXT
    )["Policy"]["Arn"]

    with pytest.raises(ConflictError, match="appears twice") as caught:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).get_managed_policy(arn)
    assert f"managed policy {arn} (version v1)" in str(caught.value)


def test_the_readers_keep_their_answers_and_a_refused_document_is_not_checked(aws: Seeded, vendor_trust: str) -> None:
    """
    Documents without a repeated name read as before (dicts); the verifier's reader makes a refused one
    ``Unreadable`` ("not checked"), as any document it cannot read; the revoke's ListRoles reader gets each trust
    policy's text, so a refusal is that document's alone.
    """
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    other = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": AUDITOR_ARN}, "Action": "sts:AssumeRole"}],
    }
    other.create_role(RoleName="plain", AssumeRolePolicyDocument=json.dumps(trust))
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    other.put_role_policy(RoleName="plain", PolicyName="p", PolicyDocument=json.dumps(read))

    assert hook.get_role("plain")["AssumeRolePolicyDocument"] == trust  # type: ignore[index]
    assert hook.get_inline_policy("plain", "p") == read
    assert other.get_role(RoleName="plain")["Role"]["AssumeRolePolicyDocument"] == trust  # other clients decode still

    unreadable = read_role(hook, ROLE_NAME)
    assert type(unreadable).__name__ == "Unreadable"
    assert "appears twice" in unreadable.detail  # type: ignore[union-attr]

    texts = dict(hook.trust_policies())
    assert parse_document(texts[f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/plain"]) == trust
    with pytest.raises(ConflictError, match="appears twice"):
        parse_document(texts[f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"])
