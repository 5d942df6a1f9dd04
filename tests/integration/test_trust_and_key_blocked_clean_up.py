"""
A trust or key policy whose only change would be the clean-up of deleted principals, which someone's statement blocks.

The provider drops the unique IDs (``AROA…``) of deleted principals from its own statements on every write. IAM and
KMS refuse every trust or key policy still naming a deleted principal ("Invalid principal in policy": AWS Knowledge
Center, iam-trust-policy-error; "Policy contains a statement with one or more invalid principals": AWS Knowledge
Center, kms-policy-error-invalid-principals), and a statement someone else wrote naming one is not the provider's to
edit. A run with nothing else to write (a grant rerun, a revoke run again) writes nothing and succeeds with a warning
naming that statement, as the bucket policy's does (``test_bucket_policy.py``); before, each was refused with a
``ConflictError``, its dry run too. A run that has something else to write is still refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder, captured_logs, run_operator
from tests.integration.partners import destination_role_operator, grant_key_users, provision_partner, role_arn

PARTNER = "partner-a-writer"
PREFIX = "s3://partner-results-b/partner-a/"
#: Another EMR EC2 role the destination role trusts too, deleted later.
BATCH_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-batch"
#: Whom someone's own statement names, deleted later (a role of the destination account).
CONSOLE_USER = "console-user"


def trust_policy(aws: Seeded) -> dict[str, Any]:
    return client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]


def key_policy(aws: Seeded) -> dict[str, Any]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])


def principals_of(document: dict[str, Any], sid: str) -> list[str]:
    [statement] = [item for item in document["Statement"] if item.get("Sid") == sid]
    return sorted(as_list(statement["Principal"]["AWS"]))


def add_theirs(aws: Seeded, *, trust: bool = False, key: bool = False) -> str:
    """Someone's statement ``Theirs`` naming console-user (made once), in the trust and/or key policy; its role ID."""
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    create_principals(aws.url, role_arn(CONSOLE_USER))
    console = iam.get_role(RoleName=CONSOLE_USER)["Role"]
    theirs = {"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": console["Arn"]}}
    if trust:
        document = trust_policy(aws)
        document["Statement"].append({**theirs, "Action": "sts:AssumeRole"})
        iam.update_assume_role_policy(RoleName=PARTNER, PolicyDocument=json.dumps(document))
    if key:
        document = key_policy(aws)
        document["Statement"].append({**theirs, "Action": "kms:Decrypt", "Resource": "*"})
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(document))
    return str(console["RoleId"])


def delete_emr_role(aws: Seeded, arn: str) -> str:
    """Delete a role of the EMR account; trust policies show it as its unique ID from then on, as AWS does."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    name = arn.rsplit("/", 1)[-1]
    role_id = str(iam.get_role(RoleName=name)["Role"]["RoleId"])
    iam.delete_role(RoleName=name)
    return role_id


def delete_destination_role(aws: Seeded, name: str) -> str:
    """Delete a role of the destination account (its inline policies first, as IAM requires); return its ID."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    role_id = str(iam.get_role(RoleName=name)["Role"]["RoleId"])
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    iam.delete_role(RoleName=name)
    return role_id


def warnings_naming(logs: list[Any], document: str) -> list[str]:
    return [str(entry) for entry in logs if "is left as it is" in str(entry) and document in str(entry)]


def trusting_two_emr_roles(aws: Seeded) -> None:
    """The destination role trusting the seeded EMR EC2 role and the batch one, in the provider's statement."""
    create_principals(aws.url, BATCH_EMR_ROLE)
    run_operator(destination_role_operator(aws, PARTNER, PREFIX, trusted_role_arns=[aws.emr_ec2_role_arn]))
    run_operator(destination_role_operator(aws, PARTNER, PREFIX, trusted_role_arns=[BATCH_EMR_ROLE]))
    assert principals_of(trust_policy(aws), TRUST_SID) == sorted([aws.emr_ec2_role_arn, BATCH_EMR_ROLE])


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_destination_role_rerun_whose_only_trust_change_is_a_blocked_clean_up_writes_nothing(
    aws: Seeded, dry_run: bool
) -> None:
    """
    The provider's trust statement holds the EMR EC2 role and the batch role, deleted since (shown as its unique ID:
    IAM User Guide, "AWS JSON policy elements: Principal"); someone's statement ``Theirs`` names console-user, deleted
    too. The rerun trusting the EMR EC2 role has nothing to write but the clean-up IAM would refuse: it writes
    nothing, succeeds and warns naming ``Theirs``.
    """
    trusting_two_emr_roles(aws)
    console_id = add_theirs(aws, trust=True)
    batch_id = delete_emr_role(aws, BATCH_EMR_ROLE)
    delete_destination_role(aws, CONSOLE_USER)
    before = trust_policy(aws)
    assert principals_of(before, TRUST_SID) == sorted([aws.emr_ec2_role_arn, batch_id])

    with captured_logs() as logs:
        result, recorder, ti = run_operator(destination_role_operator(aws, PARTNER, PREFIX, dry_run=dry_run))

    assert result == role_arn(PARTNER)
    assert recorder.mutating == []
    assert ti.xcoms.get("plan", []) == []
    assert trust_policy(aws) == before
    [warning] = warnings_naming(logs, f"trust policy of role {PARTNER}")
    assert f"statement 'Theirs' names '{console_id}'" in warning
    assert batch_id in warning


def test_a_destination_role_run_adding_a_trusted_role_beside_a_blocked_clean_up_is_still_refused(aws: Seeded) -> None:
    """The same trust policy, and a run that adds a trusted role: a write it needs, refused naming ``Theirs``."""
    trusting_two_emr_roles(aws)
    other = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-nightly"
    create_principals(aws.url, other)
    console_id = add_theirs(aws, trust=True)
    delete_emr_role(aws, BATCH_EMR_ROLE)
    delete_destination_role(aws, CONSOLE_USER)
    before = trust_policy(aws)
    operator = destination_role_operator(aws, PARTNER, PREFIX, trusted_role_arns=[aws.emr_ec2_role_arn, other])

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as refused:
        run_operator(operator)

    assert f"statement 'Theirs' names '{console_id}'" in str(refused.value)
    assert recorder.mutating == []
    assert trust_policy(aws) == before


def revoker(aws: Seeded, **overrides: Any) -> RevokePartnerAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "revoke_partner",
        "aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "destination_role_arn": role_arn(PARTNER),
        "emr_ec2_role_name": EMR_EC2_ROLE,
        "kms_key_arns": [aws.kms_key_arn],
        "settle_seconds": 0,
    }
    return RevokePartnerAccessOperator(**{**arguments, **overrides})


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_revoke_run_again_leaves_a_blocked_clean_up_of_the_trust_and_the_key_policy_and_succeeds(
    aws: Seeded, dry_run: bool
) -> None:
    """
    The partner's role is provisioned and made a key user beside partner-b-writer; someone's ``Theirs`` names
    console-user in the key policy. The revoke takes the EMR EC2 role out of the trust and the partner's role out of
    the key users; another pipeline then has the role trust its batch EMR role, and someone adds ``Theirs`` to the
    trust policy too. The batch role, partner-b-writer and console-user are deleted. The revoke run again has nothing to write but the clean-up
    of the provider's trust statement (the batch role's ID) and key-users statement (partner-b-writer's), which IAM
    and KMS would refuse while ``Theirs`` names console-user's ID: it writes nothing, in either account, succeeds,
    and warns naming ``Theirs`` for each policy. Before, its trust step was refused (``ConflictError``).
    """
    partner_b = role_arn("partner-b-writer")
    create_principals(aws.url, BATCH_EMR_ROLE, partner_b)
    provision_partner(aws, PARTNER, PREFIX)
    grant_key_users(aws, [partner_b])
    add_theirs(aws, key=True)
    run_operator(revoker(aws))
    assert principals_of(key_policy(aws), KEY_USERS_SID) == [partner_b]
    run_operator(destination_role_operator(aws, PARTNER, PREFIX, trusted_role_arns=[BATCH_EMR_ROLE]))
    assert principals_of(trust_policy(aws), TRUST_SID) == [BATCH_EMR_ROLE]
    console_id = add_theirs(aws, trust=True)
    batch_id = delete_emr_role(aws, BATCH_EMR_ROLE)
    partner_b_id = delete_destination_role(aws, "partner-b-writer")
    delete_destination_role(aws, CONSOLE_USER)
    trust_before, key_before = trust_policy(aws), key_policy(aws)
    assert principals_of(trust_before, TRUST_SID) == [batch_id]
    assert principals_of(key_before, KEY_USERS_SID) == [partner_b_id]

    with captured_logs() as logs:
        _, recorder, _ = run_operator(revoker(aws, dry_run=dry_run))

    assert recorder.mutating == []
    assert trust_policy(aws) == trust_before
    assert key_policy(aws) == key_before
    [trust_warning] = warnings_naming(logs, f"trust policy of role {PARTNER}")
    [key_warning] = warnings_naming(logs, f"key policy of {aws.kms_key_arn}")
    for warning, held_back in ((trust_warning, batch_id), (key_warning, partner_b_id)):
        assert f"statement 'Theirs' names '{console_id}'" in warning
        assert held_back in warning
