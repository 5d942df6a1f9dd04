"""
What the verifier says on the stand-in of a bucket whose default key is ANOTHER account's (the EMR account's), named by
its key ARN, now that the stand-in answers KMS across accounts as AWS does (devstack/aws_key_policy_calls.py).

AWS KMS API Reference, DescribeKey: "Cross-account use: Yes. To perform this operation with a KMS key in a different AWS
account, specify the key ARN or alias ARN"; GetKeyPolicy: "Cross-account use: No". AWS KMS Developer Guide, "Allowing
users in other accounts to use a KMS key": the key policy and the caller's IAM policy must both allow. The destination
connection cannot read such a key's policy, so the key link is "not checked" (or PASS), never the certain FAIL "does
not exist": the key exists, only in another account.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_verify import KMS, PREFIX, ROLE_NAME, verifier


def emr_account_key(aws: Seeded, destination_reads: bool) -> str:
    """A key of the EMR account; its policy lets the destination account describe it when ``destination_reads``."""
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"}, "Action": "kms:*"}
    statements = [{**root, "Resource": "*"}]
    if destination_reads:
        reads = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
        statements.append({**reads, "Action": ["kms:DescribeKey", "kms:ListGrants"], "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    return str(client(aws.url, EMR_ACCOUNT, "kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"])


def key_link(aws: Seeded, destination_reads: bool) -> tuple[str, dict[str, Any], str]:
    """The verifier's verdict and key link for a partner whose bucket's default key is the EMR account's."""
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    key_arn = emr_account_key(aws, destination_reads)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]
        },
    )
    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    [link] = [item for item in report["links"] if item["link"] == KMS]
    return str(report["verdict"]), link, key_arn


@pytest.mark.parametrize("destination_reads", [True, False], ids=["key-policy-allows-describe", "key-policy-refuses"])
def test_another_account_s_default_key_is_not_checked_never_does_not_exist(
    aws: Seeded, destination_reads: bool
) -> None:
    verdict, key, key_arn = key_link(aws, destination_reads)

    assert "does not exist" not in key["detail"], key
    assert (verdict, key["status"]) == ("NOT_CHECKED", "not checked"), key
    if destination_reads:  # described across accounts: its policy is another account's, which it cannot read
        assert f"the key is in account {EMR_ACCOUNT}" in key["detail"], key
    else:  # AWS refuses the DescribeKey: a refused read, named
        assert [(read["action"], read["resource"]) for read in key["refused_reads"]] == [("kms:DescribeKey", key_arn)]
