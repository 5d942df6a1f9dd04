"""The option (a) documents: the EMR role's identity policy and the bucket grant with s3:PutObjectAcl."""

from __future__ import annotations

import json
from typing import Any

import parliament
import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    OBJECT_ACL_SID,
    emr_role_bucket_policy,
    emr_role_policy_holds,
    grant,
    principal_sids,
)
from airflow_provider_emrfs_xacct.pure.documents import OBJECT_ACTIONS
from airflow_provider_emrfs_xacct.pure.merge import find_statement
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
LOCATION = parse_s3_location("s3://partner-results-b/exports/", "s3_prefixes")


@pytest.mark.parametrize("object_acl", [False, True])
def test_emr_role_policy_passes_parliament_and_reads_back(object_acl: bool) -> None:
    policy = emr_role_bucket_policy("aws", {LOCATION}, {KEY}, object_acl=object_acl)
    findings = parliament.analyze_policy_string(json.dumps(policy)).findings
    assert [f"{finding.issue}: {finding.detail}" for finding in findings] == []
    assert emr_role_policy_holds(policy) == ({LOCATION}, {KEY}, object_acl)
    resources = [arn for statement in policy["Statement"] for arn in statement["Resource"]]
    assert "*" not in resources
    assert (find_statement(policy, OBJECT_ACL_SID) is not None) is object_acl


def test_bucket_grant_adds_put_object_acl_and_keeps_it() -> None:
    with_acl = grant(None, "aws", EMR_ROLE, {LOCATION}, object_acl=True)
    objects: Any = find_statement(with_acl, principal_sids(EMR_ROLE)[0])
    assert objects["Action"] == sorted([*OBJECT_ACTIONS, "s3:PutObjectAcl"])
    again = grant(with_acl, "aws", EMR_ROLE, {LOCATION})
    assert again == with_acl
    plain = grant(None, "aws", EMR_ROLE, {LOCATION})
    assert find_statement(plain, principal_sids(EMR_ROLE)[0])["Action"] == list(OBJECT_ACTIONS)  # type: ignore[index]
