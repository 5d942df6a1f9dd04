"""
Malformed inputs, one table across the ten operators that change anything but the teardown (its one
input, the cluster, is AWS's to judge): each is refused with a typed error naming the
parameter, and nothing is changed in AWS (no call at all, unless the refusal depends on what is there).

"Nothing is changed" is checked twice, independently: every botocore client of the process is
recorded (``CallRecorder.everywhere``, which patches ``BaseClient._make_api_call``), so a write sent
through a client made on the fly counts too; and the whole state of both accounts (IAM roles and
their policies, instance profiles, key policies, bucket policies, security configurations,
clusters) is read from moto's records after each refused case, and through the API before and
after the whole table (``tests/integration/state.py``), and compared with the state before.

Every operator is built with valid defaults and exactly one argument overridden per row. The defaults
themselves are checked first (they pass validation), so a row cannot pass by tripping over another
argument: the error must name the row's field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
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
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator, small_cluster
from tests.integration.state import changes, moto_state, snapshot

EMR_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
DEST_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-writer"
PREFIX = f"s3://{BUCKET}/exports/"
KEY_ID = "0123abcd-0123-4567-89ab-0123456789ab"
OTHER_KEY_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}"
SECURITY_CONFIGURATION = "emrfs-xacct-partner-0123456789ab"
FULLWIDTH_ACCOUNT = "\uff11" * 12  # twelve FULLWIDTH DIGIT ONE: digits to Python's \d, not to AWS


def roles(count: int, account: str = DESTINATION_ACCOUNT) -> list[str]:
    """``count`` distinct, individually valid role ARNs with long names (to exceed size limits)."""
    return [f"arn:aws:iam::{account}:role/emrfs-partner-writer-{index:04d}-{'x' * 30}" for index in range(count)]


def mapping(**changes: Any) -> list[dict[str, Any]]:
    """One valid Prefix role mapping, with ``changes`` applied."""
    return [{"Role": DEST_ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": [PREFIX], **changes}]


def job_flow_overrides(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = small_cluster("partner-export", "emr-7.5.0", Tags=[{"Key": "partner", "Value": "b"}])
    arguments.update(changes)
    return arguments


def defaults(seeded: Seeded) -> dict[str, tuple[type, dict[str, Any]]]:
    """Each operator with valid arguments (against the seeded accounts)."""
    return {
        "role": (
            EnsureDestinationRoleOperator,
            {
                "aws_conn_id": DESTINATION_CONN_ID,
                "role_name": "emrfs-partner-writer",
                "trusted_role_arns": [EMR_ROLE_ARN],
                "s3_prefixes": [PREFIX],
                "kms_key_arns": [seeded.kms_key_arn],
            },
        ),
        "assume": (
            AttachAssumeRolePolicyOperator,
            {"aws_conn_id": EMR_CONN_ID, "emr_ec2_role_name": EMR_EC2_ROLE, "destination_role_arns": [DEST_ROLE_ARN]},
        ),
        "kms": (
            GrantKmsKeyUserOperator,
            {"aws_conn_id": DESTINATION_CONN_ID, "key_arn": seeded.kms_key_arn, "principal_arns": [DEST_ROLE_ARN]},
        ),
        "secconf": (
            CreateEmrfsSecurityConfigOperator,
            {"aws_conn_id": EMR_CONN_ID, "name_prefix": "emrfs-xacct-partner", "role_mappings": mapping()},
        ),
        "launch": (
            LaunchClusterWithSecConfigOperator,
            {
                "aws_conn_id": EMR_CONN_ID,
                "emr_conn_id": None,
                "security_configuration": SECURITY_CONFIGURATION,
                "job_flow_overrides": job_flow_overrides(),
            },
        ),
        # The operators beyond the five steps: option (a), the revokes and the clean-up.
        "bucket": (
            GrantBucketAccessOperator,
            {"aws_conn_id": DESTINATION_CONN_ID, "s3_prefixes": [PREFIX], "principal_arns": [EMR_ROLE_ARN]},
        ),
        "emr_bucket": (
            GrantEmrRoleBucketAccessOperator,
            {"aws_conn_id": EMR_CONN_ID, "s3_prefixes": [PREFIX], "kms_key_arns": [seeded.kms_key_arn]},
        ),
        "revoke_bucket": (
            RevokeBucketAccessOperator,
            {"aws_conn_id": DESTINATION_CONN_ID, "bucket": BUCKET, "principal_arns": [EMR_ROLE_ARN]},
        ),
        "revoke": (
            RevokePartnerAccessOperator,
            {
                "aws_conn_id": EMR_CONN_ID,
                "destination_aws_conn_id": DESTINATION_CONN_ID,
                "destination_role_arn": DEST_ROLE_ARN,
                "kms_key_arns": [seeded.kms_key_arn],
                "security_configuration": SECURITY_CONFIGURATION,
                "name_prefix": "emrfs-xacct-partner",
            },
        ),
        "cleanup": (
            DeleteUnusedSecurityConfigsOperator,
            {"aws_conn_id": EMR_CONN_ID, "name_prefix": "emrfs-xacct-partner"},
        ),
    }


@dataclass(frozen=True)
class Case:
    """One malformed argument and the refusal it must get."""

    id: str
    operator: str
    argument: str
    value: Any
    field: str
    fragment: str
    #: The refusal depends on the current document (a merged size limit): reads allowed, writes never.
    reads: bool = False


def c(id_: str, operator: str, argument: str, value: Any, field: str, fragment: str, *, reads: bool = False) -> Case:
    return Case(id_, operator, argument, value, field, fragment, reads)


NOT_ROLE_NAME = "not a valid IAM role name"
IAM_PATH = "must be an IAM path"
S3_NAMING = "breaks S3 naming rules"
NOT_STRING = "must be a string"
NOT_LIST = "must be a list"
EMPTY = "must not be empty"
DUPLICATE = "duplicates an earlier element"
RENDERED = "looks like a rendered list"
RENDERED_DICT = "looks like a rendered dict; pass a dict, or set render_template_as_native_obj=True"
WILDCARD = "wildcards are refused"
NOT_ARN = "is not an ARN"
ACCOUNT = "not a 12-digit account id"
PARTITION = "partition"
T0 = "trusted_role_arns[0]"
S0 = "s3_prefixes[0]"
K0 = "kms_key_arns[0]"
D0 = "destination_role_arns[0]"
P0 = "principal_arns[0]"
M0 = "role_mappings[0]"

CASES: list[Case] = [
    # --- EnsureDestinationRoleOperator: role name and path -------------------------------------
    c("role-name-empty", "role", "role_name", "", "role_name", EMPTY),
    c("role-name-65-chars", "role", "role_name", "r" * 65, "role_name", NOT_ROLE_NAME),
    c("role-name-space", "role", "role_name", "partner writer", "role_name", NOT_ROLE_NAME),
    c("role-name-slash", "role", "role_name", "partners/writer", "role_name", NOT_ROLE_NAME),
    c("role-name-wildcard", "role", "role_name", "writer-*", "role_name", NOT_ROLE_NAME),
    c("role-name-non-ascii", "role", "role_name", "rôle-writer", "role_name", NOT_ROLE_NAME),
    c("role-name-int", "role", "role_name", 42, "role_name", NOT_STRING),
    c("role-name-none", "role", "role_name", None, "role_name", NOT_STRING),
    c("role-name-trailing-space", "role", "role_name", "writer ", "role_name", "leading or trailing whitespace"),
    c("role-path-no-slashes", "role", "role_path", "partners", "role_path", IAM_PATH),
    c("role-path-no-trailing-slash", "role", "role_path", "/partners", "role_path", IAM_PATH),
    c("role-path-space", "role", "role_path", "/part ners/", "role_path", IAM_PATH),
    c("role-path-wildcard", "role", "role_path", "/a*/", "role_path", IAM_PATH),
    c("role-path-513-chars", "role", "role_path", "/" + "p/" * 256, "role_path", IAM_PATH),
    c("max-session-too-short", "role", "max_session_duration", 60, "max_session_duration", "3600"),
    c("max-session-too-long", "role", "max_session_duration", 43201, "max_session_duration", "43200"),
    c("max-session-string", "role", "max_session_duration", "1h", "max_session_duration", "whole number"),
    c("max-session-decimal-text", "role", "max_session_duration", "3600.0", "max_session_duration", "whole number"),
    c("description-too-long", "role", "role_description", "d" * 1001, "role_description", "1000"),
    c("settle-negative", "role", "settle_seconds", -1, "settle_seconds", "must be a finite number >= 0"),
    c("settle-nan", "role", "settle_seconds", float("nan"), "settle_seconds", "must be a finite number >= 0"),
    c("settle-inf", "kms", "settle_seconds", float("inf"), "settle_seconds", "must be a finite number >= 0"),
    c("dry-run-text", "assume", "dry_run", "yes", "dry_run", "must be True or False"),
    c("expected-account-short", "secconf", "expected_account_id", "1234", "expected_account_id", "12-digit"),
    # --- trusted_role_arns ------------------------------------------------------------------------
    c("trusted-empty-list", "role", "trusted_role_arns", [], "trusted_role_arns", EMPTY),
    c(
        "trusted-duplicate",
        "role",
        "trusted_role_arns",
        [EMR_ROLE_ARN, EMR_ROLE_ARN],
        "trusted_role_arns[1]",
        DUPLICATE,
    ),
    c("trusted-rendered-list", "role", "trusted_role_arns", f"['{EMR_ROLE_ARN}']", "trusted_role_arns", RENDERED),
    c("trusted-dict", "role", "trusted_role_arns", {"Role": EMR_ROLE_ARN}, "trusted_role_arns", NOT_LIST),
    c("trusted-int", "role", "trusted_role_arns", 111111111111, "trusted_role_arns", NOT_LIST),
    c("trusted-none", "role", "trusted_role_arns", None, "trusted_role_arns", NOT_LIST),
    c("trusted-nested-list", "role", "trusted_role_arns", [[EMR_ROLE_ARN]], T0, NOT_STRING),
    c("trusted-s3-arn", "role", "trusted_role_arns", [f"arn:aws:s3:::{BUCKET}"], T0, "must be an ARN of service 'iam'"),
    c(
        "trusted-sts-arn",
        "role",
        "trusted_role_arns",
        [f"arn:aws:sts::{EMR_ACCOUNT}:assumed-role/EMR/i-1"],
        T0,
        "'iam'",
    ),
    c("trusted-short-account", "role", "trusted_role_arns", ["arn:aws:iam::1111111111:role/EMR"], T0, ACCOUNT),
    c("trusted-alias-account", "role", "trusted_role_arns", ["arn:aws:iam::aws:role/EMR"], T0, ACCOUNT),
    c(
        "trusted-fullwidth-account",
        "role",
        "trusted_role_arns",
        [f"arn:aws:iam::{FULLWIDTH_ACCOUNT}:role/EMR"],
        T0,
        ACCOUNT,
    ),
    c("trusted-account-newline", "role", "trusted_role_arns", [f"arn:aws:iam::{EMR_ACCOUNT}\n:role/EMR"], T0, ACCOUNT),
    c("trusted-wildcard-name", "role", "trusted_role_arns", [f"arn:aws:iam::{EMR_ACCOUNT}:role/*"], T0, WILDCARD),
    c(
        "trusted-policy-variable",
        "role",
        "trusted_role_arns",
        [f"arn:aws:iam::{EMR_ACCOUNT}:role/${{aws:username}}"],
        T0,
        WILDCARD,
    ),
    c(
        "trusted-user-arn",
        "role",
        "trusted_role_arns",
        [f"arn:aws:iam::{EMR_ACCOUNT}:user/etl"],
        T0,
        "must be a role ARN",
    ),
    c("trusted-root", "role", "trusted_role_arns", [f"arn:aws:iam::{EMR_ACCOUNT}:root"], T0, "must be a role ARN"),
    c("trusted-star", "role", "trusted_role_arns", ["*"], T0, NOT_ARN),
    c("trusted-account-id", "role", "trusted_role_arns", [EMR_ACCOUNT], T0, NOT_ARN),
    c("trusted-role-name", "role", "trusted_role_arns", [EMR_EC2_ROLE], T0, NOT_ARN),
    c(
        "trusted-assumed-role-arn",
        "role",
        "trusted_role_arns",
        [f"arn:aws:sts::{EMR_ACCOUNT}:assumed-role/{EMR_EC2_ROLE}/i-0abc"],
        T0,
        "must be an ARN of service 'iam'",
    ),
    c(
        "trusted-unknown-partition",
        "role",
        "trusted_role_arns",
        [f"arn:amazon:iam::{EMR_ACCOUNT}:role/EMR"],
        T0,
        "unknown partition",
    ),
    c(
        "trusted-other-partition",
        "role",
        "trusted_role_arns",
        [f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/EMR"],
        T0,
        PARTITION,
    ),
    c(
        "trusted-with-region",
        "role",
        "trusted_role_arns",
        [f"arn:aws:iam:us-east-1:{EMR_ACCOUNT}:role/EMR"],
        T0,
        "no region",
    ),
    c("trusted-empty-path", "role", "trusted_role_arns", [f"arn:aws:iam::{EMR_ACCOUNT}:role//EMR"], T0, IAM_PATH),
    c(
        "trust-policy-over-limit",
        "role",
        "trusted_role_arns",
        roles(90, EMR_ACCOUNT),
        "trusted_role_arns",
        "limit",
        reads=True,
    ),
    # --- s3_prefixes --------------------------------------------------------------------------------
    c("prefix-bare-scheme", "role", "s3_prefixes", ["s3://"], S0, "names no bucket"),
    c("prefix-no-bucket", "role", "s3_prefixes", ["s3:///exports/"], S0, "names no bucket"),
    c("prefix-no-scheme", "role", "s3_prefixes", [f"{BUCKET}/exports/"], S0, "must start with 's3://'"),
    c(
        "prefix-https-url",
        "role",
        "s3_prefixes",
        [f"https://{BUCKET}.s3.amazonaws.com/x/"],
        S0,
        "must start with 's3://'",
    ),
    c("prefix-s3a-scheme", "role", "s3_prefixes", [f"s3a://{BUCKET}/exports/"], S0, "must start with 's3://'"),
    c("prefix-upper-scheme", "role", "s3_prefixes", [f"S3://{BUCKET}/exports/"], S0, "must start with 's3://'"),
    c("prefix-is-an-arn", "role", "s3_prefixes", [f"arn:aws:s3:::{BUCKET}/exports/*"], S0, "must start with 's3://'"),
    c("prefix-whole-bucket", "role", "s3_prefixes", [f"s3://{BUCKET}"], S0, "whole-bucket access is refused"),
    c("prefix-bucket-root", "role", "s3_prefixes", [f"s3://{BUCKET}/"], S0, "whole-bucket access is refused"),
    c("prefix-wildcard", "role", "s3_prefixes", [f"s3://{BUCKET}/exports/*"], S0, "wildcards"),
    c("prefix-bucket-wildcard", "role", "s3_prefixes", [f"s3://{BUCKET}/*"], S0, "wildcards"),
    c("prefix-question-mark", "role", "s3_prefixes", [f"s3://{BUCKET}/export?/"], S0, "wildcards"),
    c("prefix-policy-variable", "role", "s3_prefixes", [f"s3://{BUCKET}/${{aws:username}}/"], S0, "wildcards"),
    c("prefix-dot-dot", "role", "s3_prefixes", [f"s3://{BUCKET}/exports/../"], S0, "'..' path segment"),
    c("prefix-double-slash", "role", "s3_prefixes", [f"s3://{BUCKET}//exports/"], S0, "empty"),
    c("prefix-control-char", "role", "s3_prefixes", [f"s3://{BUCKET}/ex\tports/"], S0, "not a valid S3 key prefix"),
    c(
        "prefix-over-1024-bytes",
        "role",
        "s3_prefixes",
        [f"s3://{BUCKET}/{'é' * 600}/"],
        S0,
        "not a valid S3 key prefix",
    ),
    c("bucket-uppercase", "role", "s3_prefixes", ["s3://Partner-Results/x/"], S0, S3_NAMING),
    c("bucket-too-short", "role", "s3_prefixes", ["s3://pr/x/"], S0, S3_NAMING),
    c("bucket-too-long", "role", "s3_prefixes", [f"s3://{'b' * 64}/x/"], S0, S3_NAMING),
    c("bucket-underscore", "role", "s3_prefixes", ["s3://partner_results/x/"], S0, S3_NAMING),
    c("bucket-leading-dash", "role", "s3_prefixes", ["s3://-partner/x/"], S0, S3_NAMING),
    c("bucket-trailing-dot", "role", "s3_prefixes", ["s3://partner./x/"], S0, S3_NAMING),
    c("bucket-double-dot", "role", "s3_prefixes", ["s3://partner..results/x/"], S0, "no '..'"),
    c("bucket-dot-dash", "role", "s3_prefixes", ["s3://partner.-results/x/"], S0, "'.-'"),
    c("bucket-ip-address", "role", "s3_prefixes", ["s3://192.168.10.20/x/"], S0, "IP address"),
    c("bucket-reserved-prefix", "role", "s3_prefixes", ["s3://xn--partner/x/"], S0, "reserved prefix"),
    c("bucket-reserved-suffix", "role", "s3_prefixes", ["s3://partner-s3alias/x/"], S0, "reserved suffix"),
    c("prefixes-empty-list", "role", "s3_prefixes", [], "s3_prefixes", EMPTY),
    c("prefixes-duplicate", "role", "s3_prefixes", [PREFIX, PREFIX.rstrip("/")], "s3_prefixes[1]", DUPLICATE),
    c("prefixes-rendered-list", "role", "s3_prefixes", f"['{PREFIX}']", "s3_prefixes", RENDERED),
    c("prefixes-dict", "role", "s3_prefixes", {"bucket": BUCKET, "prefix": "exports/"}, "s3_prefixes", NOT_LIST),
    c("prefixes-int", "role", "s3_prefixes", 7, "s3_prefixes", NOT_LIST),
    c("prefixes-none-element", "role", "s3_prefixes", [None], S0, NOT_STRING),
    c(
        "permissions-policy-over-limit",
        "role",
        "s3_prefixes",
        [f"s3://{BUCKET}/exports/partner-{index:03d}/daily/" for index in range(80)],
        "s3_prefixes",
        "limit",
    ),
    # --- kms_key_arns ---------------------------------------------------------------------------------
    c(
        "key-alias",
        "role",
        "kms_key_arns",
        [f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner"],
        K0,
        "not an alias",
    ),
    c(
        "key-no-region",
        "role",
        "kms_key_arns",
        [f"arn:aws:kms::{DESTINATION_ACCOUNT}:key/{KEY_ID}"],
        K0,
        "must have a region",
    ),
    c("key-bare-id", "role", "kms_key_arns", [KEY_ID], K0, NOT_ARN),
    c("key-wildcard", "role", "kms_key_arns", [f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/*"], K0, WILDCARD),
    c("key-wrong-service", "role", "kms_key_arns", [f"arn:aws:s3:::{BUCKET}"], K0, "must be an ARN of service 'kms'"),
    c(
        "key-other-partition",
        "role",
        "kms_key_arns",
        [f"arn:aws-cn:kms:cn-north-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}"],
        K0,
        PARTITION,
    ),
    c("keys-duplicate", "role", "kms_key_arns", [OTHER_KEY_ARN, OTHER_KEY_ARN], "kms_key_arns[1]", DUPLICATE),
    c("keys-rendered-list", "role", "kms_key_arns", f"['{OTHER_KEY_ARN}']", "kms_key_arns", RENDERED),
    c("keys-dict", "role", "kms_key_arns", {"key": OTHER_KEY_ARN}, "kms_key_arns", NOT_LIST),
    # --- AttachAssumeRolePolicyOperator -----------------------------------------------------------------
    # By ARN (an upstream task's output through partner_access): a role ARN, of the connection's account.
    c(
        "emr-role-arn-user",
        "assume",
        "emr_ec2_role_name",
        EMR_ROLE_ARN.replace(":role/", ":user/"),
        "emr_ec2_role_name",
        "must be a role ARN",
    ),
    c(
        "emr-role-arn-other-account",
        "assume",
        "emr_ec2_role_name",
        DEST_ROLE_ARN,
        "emr_ec2_role_name",
        f"is in account {DESTINATION_ACCOUNT}",
    ),
    c(
        "assume-managed-policies-text",
        "assume",
        "managed_policies_per_role",
        "ten",
        "managed_policies_per_role",
        "whole number",
    ),
    c("launch-keep-emrfs-text", "launch", "keep_emrfs", "yes", "keep_emrfs", "must be True or False"),
    c("emr-role-name-empty", "assume", "emr_ec2_role_name", "", "emr_ec2_role_name", EMPTY),
    c("emr-role-name-list", "assume", "emr_ec2_role_name", [EMR_EC2_ROLE], "emr_ec2_role_name", NOT_STRING),
    c("destination-star", "assume", "destination_role_arns", "*", D0, NOT_ARN),
    c("destination-star-in-list", "assume", "destination_role_arns", ["*"], D0, NOT_ARN),
    c(
        "destination-short-account-second",
        "assume",
        "destination_role_arns",
        [DEST_ROLE_ARN, "arn:aws:iam::2222:role/partner-a-writer"],
        "destination_role_arns[1]",
        ACCOUNT,
    ),
    c(
        "destination-wrong-service",
        "assume",
        "destination_role_arns",
        ["arn:aws:s3:::partner-results-b"],
        D0,
        "must be an ARN of service 'iam'",
    ),
    c(
        "destination-wildcard",
        "assume",
        "destination_role_arns",
        [f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/*"],
        D0,
        WILDCARD,
    ),
    c(
        "destination-policy-arn",
        "assume",
        "destination_role_arns",
        [f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/x"],
        D0,
        "must be a role ARN",
    ),
    c(
        "destination-other-partition",
        "assume",
        "destination_role_arns",
        [f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/w"],
        D0,
        PARTITION,
    ),
    c("destination-empty-list", "assume", "destination_role_arns", [], "destination_role_arns", EMPTY),
    c(
        "destination-duplicate",
        "assume",
        "destination_role_arns",
        [DEST_ROLE_ARN] * 2,
        "destination_role_arns[1]",
        DUPLICATE,
    ),
    c(
        "destination-rendered-list",
        "assume",
        "destination_role_arns",
        f"['{DEST_ROLE_ARN}']",
        "destination_role_arns",
        RENDERED,
    ),
    c("destination-dict", "assume", "destination_role_arns", {"arn": DEST_ROLE_ARN}, "destination_role_arns", NOT_LIST),
    c("destination-none", "assume", "destination_role_arns", None, "destination_role_arns", NOT_LIST),
    c("destination-none-element", "assume", "destination_role_arns", [None], D0, NOT_STRING),
    c(
        "assume-policy-over-limit",
        "assume",
        "destination_role_arns",
        roles(1000),  # past the inline policies and ten managed policies (the excess spills, see test_scale.py)
        "destination_role_arns",
        "Managed policies attached to an IAM role",
        reads=True,
    ),
    c("policy-name-space", "assume", "policy_name", "assume role", "policy_name", "must be 1-128"),
    # --- GrantKmsKeyUserOperator ----------------------------------------------------------------------------
    c(
        "key-arn-alias",
        "kms",
        "key_arn",
        f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner",
        "key_arn",
        "not an alias",
    ),
    c("key-arn-alias-name", "kms", "key_arn", "alias/partner", "key_arn", NOT_ARN),
    c("key-arn-bare-id", "kms", "key_arn", KEY_ID, "key_arn", NOT_ARN),
    c(
        "key-arn-no-region",
        "kms",
        "key_arn",
        f"arn:aws:kms::{DESTINATION_ACCOUNT}:key/{KEY_ID}",
        "key_arn",
        "must have a region",
    ),
    c(
        "key-arn-wrong-service",
        "kms",
        "key_arn",
        f"arn:aws:s3:::partner-results-b/{DESTINATION_ACCOUNT}",
        "key_arn",
        "must be an ARN of service 'kms'",
    ),
    c(
        "key-arn-uppercase-id",
        "kms",
        "key_arn",
        OTHER_KEY_ARN.upper()
        .replace("ARN:AWS:KMS", "arn:aws:kms")
        .replace("US-EAST-1", "us-east-1")
        .replace(":KEY/", ":key/"),
        "key_arn",
        "must be a key ARN",
    ),
    c(
        "key-arn-region-newline",
        "kms",
        "key_arn",
        f"arn:aws:kms:us-east-1\n:{DESTINATION_ACCOUNT}:key/{KEY_ID}",
        "key_arn",
        "must have a region",
    ),
    c("key-arn-short-account", "kms", "key_arn", f"arn:aws:kms:us-east-1:2222:key/{KEY_ID}", "key_arn", ACCOUNT),
    c(
        "key-arn-other-partition",
        "kms",
        "key_arn",
        f"arn:aws-us-gov:kms:us-gov-west-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}",
        "key_arn",
        PARTITION,
    ),
    c(
        "key-arn-other-region",
        "kms",
        "key_arn",
        f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}",
        "key_arn",
        "acts in region 'us-east-1'",
    ),
    c("key-arn-list", "kms", "key_arn", [OTHER_KEY_ARN], "key_arn", NOT_STRING),
    c("key-arn-none", "kms", "key_arn", None, "key_arn", NOT_STRING),
    c("principals-empty", "kms", "principal_arns", [], "principal_arns", EMPTY),
    c("principals-duplicate", "kms", "principal_arns", [DEST_ROLE_ARN] * 2, "principal_arns[1]", DUPLICATE),
    c(
        "principals-root",
        "kms",
        "principal_arns",
        [f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"],
        P0,
        "must be a role ARN",
    ),
    c(
        "principals-root-second",
        "kms",
        "principal_arns",
        [DEST_ROLE_ARN, f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"],
        "principal_arns[1]",
        "must be a role ARN",
    ),
    c("principals-account-letter", "kms", "principal_arns", ["arn:aws:iam::22222222222x:role/w"], P0, ACCOUNT),
    c("principals-star", "kms", "principal_arns", ["*"], P0, NOT_ARN),
    c("principals-rendered-list", "kms", "principal_arns", f"['{DEST_ROLE_ARN}']", "principal_arns", RENDERED),
    c("principals-int", "kms", "principal_arns", 222222222222, "principal_arns", NOT_LIST),
    c(
        "principals-other-partition",
        "kms",
        "principal_arns",
        [f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/w"],
        P0,
        PARTITION,
    ),
    c(
        "key-policy-over-32kb",
        "kms",
        "principal_arns",
        roles(400),
        "principal_arns",
        "limit of 32768 set by AWS's quota 'Key policy document size'",
        reads=True,
    ),
    # --- CreateEmrfsSecurityConfigOperator --------------------------------------------------------------------
    c("mappings-empty", "secconf", "role_mappings", [], "role_mappings", "must be a non-empty list"),
    c("mappings-none", "secconf", "role_mappings", None, "role_mappings", "must be a non-empty list"),
    c(
        "mappings-rendered-string",
        "secconf",
        "role_mappings",
        str(mapping()),
        "role_mappings",
        RENDERED,
    ),
    c("mappings-list-of-arns", "secconf", "role_mappings", [DEST_ROLE_ARN], M0, "must be a dict"),
    c(
        "mapping-mixed-prefix-user",
        "secconf",
        "role_mappings",
        mapping(Identifiers=[PREFIX, "alice"]),
        f"{M0}.Identifiers[1]",
        "own mapping",
    ),
    c(
        "mapping-mixed-user-prefix",
        "secconf",
        "role_mappings",
        mapping(IdentifierType="User", Identifiers=["alice", PREFIX]),
        f"{M0}.Identifiers[1]",
        "takes Hadoop user names",
    ),
    c(
        "mapping-group-is-arn",
        "secconf",
        "role_mappings",
        mapping(IdentifierType="Group", Identifiers=[DEST_ROLE_ARN]),
        f"{M0}.Identifiers[0]",
        "not a valid Hadoop",
    ),
    c(
        "mapping-type-lowercase",
        "secconf",
        "role_mappings",
        mapping(IdentifierType="prefix"),
        f"{M0}.IdentifierType",
        "must be one of",
    ),
    c("mapping-extra-key", "secconf", "role_mappings", mapping(Description="x"), M0, "unknown ['Description']"),
    c("mapping-identifiers-empty", "secconf", "role_mappings", mapping(Identifiers=[]), f"{M0}.Identifiers", EMPTY),
    c(
        "mapping-identifiers-duplicate",
        "secconf",
        "role_mappings",
        mapping(Identifiers=[PREFIX, PREFIX]),
        f"{M0}.Identifiers[1]",
        DUPLICATE,
    ),
    c(
        "mapping-identifiers-dict",
        "secconf",
        "role_mappings",
        mapping(Identifiers={"p": PREFIX}),
        f"{M0}.Identifiers",
        NOT_LIST,
    ),
    c(
        "mapping-identifiers-rendered",
        "secconf",
        "role_mappings",
        mapping(Identifiers=f"['{PREFIX}']"),
        f"{M0}.Identifiers",
        RENDERED,
    ),
    c(
        "mapping-identifier-bare-s3",
        "secconf",
        "role_mappings",
        mapping(Identifiers=["s3://"]),
        f"{M0}.Identifiers[0]",
        "names no bucket",
    ),
    c(
        "mapping-identifier-wildcard",
        "secconf",
        "role_mappings",
        mapping(Identifiers=[f"{PREFIX}*"]),
        f"{M0}.Identifiers[0]",
        "wildcards",
    ),
    c(
        "mapping-role-wildcard",
        "secconf",
        "role_mappings",
        mapping(Role=f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/*"),
        f"{M0}.Role",
        WILDCARD,
    ),
    c("mapping-role-none", "secconf", "role_mappings", mapping(Role=None), f"{M0}.Role", NOT_STRING),
    c("mapping-role-name", "secconf", "role_mappings", mapping(Role="partner-reader"), f"{M0}.Role", NOT_ARN),
    c(
        "mapping-role-short-account",
        "secconf",
        "role_mappings",
        mapping(Role="arn:aws:iam::2222:role/partner-writer"),
        f"{M0}.Role",
        ACCOUNT,
    ),
    c(
        "mapping-role-is-user",
        "secconf",
        "role_mappings",
        mapping(Role=f"arn:aws:iam::{DESTINATION_ACCOUNT}:user/bob", IdentifierType="User", Identifiers=["a"]),
        f"{M0}.Role",
        "must be a role ARN",
    ),
    c(
        "mapping-role-rendered-list",
        "secconf",
        "role_mappings",
        mapping(Role=f"['{DEST_ROLE_ARN}']"),
        f"{M0}.Role",
        NOT_ARN,
    ),
    c(
        "mapping-role-other-partition",
        "secconf",
        "role_mappings",
        mapping(Role=f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/w"),
        f"{M0}.Role",
        PARTITION,
    ),
    c(
        "mapping-shadowed",
        "secconf",
        "role_mappings",
        mapping() + mapping(Identifiers=[f"{PREFIX}daily/"]),
        "role_mappings[1].Identifiers[0]",
        "already covered",
    ),
    c("name-prefix-space", "secconf", "name_prefix", "emrfs xacct", "name_prefix", "must be 1-243"),
    c("name-prefix-too-long", "secconf", "name_prefix", "n" * 244, "name_prefix", "must be 1-243"),
    c(
        "base-config-has-role-mappings",
        "secconf",
        "base_configuration",
        {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": mapping()}}},
        "base_configuration.AuthorizationConfiguration.EmrFsConfiguration.RoleMappings",
        "pass role mappings through role_mappings",
    ),
    c(
        "base-config-bad-json",
        "secconf",
        "base_configuration",
        '{"EncryptionConfiguration": ',
        "base_configuration",
        "not valid JSON",
    ),
    c(
        "base-config-rendered-as-text",
        "secconf",
        "base_configuration",
        str({"EncryptionConfiguration": {"EnableInTransitEncryption": False, "EnableAtRestEncryption": False}}),
        "base_configuration",
        "render_template_as_native_obj=True",
    ),
    c(
        "base-config-list",
        "secconf",
        "base_configuration",
        ["EncryptionConfiguration"],
        "base_configuration",
        "must be a dict",
    ),
    # --- LaunchClusterWithSecConfigOperator ------------------------------------------------------------------------
    c("secconf-name-empty", "launch", "security_configuration", "", "security_configuration", EMPTY),
    c(
        "secconf-name-list",
        "launch",
        "security_configuration",
        [SECURITY_CONFIGURATION],
        "security_configuration",
        NOT_STRING,
    ),
    # EMR's constraint (Amazon EMR API Reference, CreateSecurityConfiguration, Name): spaces are fine.
    c(
        "secconf-name-control-character",
        "launch",
        "security_configuration",
        "emrfs\x00xacct",
        "security_configuration",
        "which EMR refuses in names",
    ),
    c(
        "secconf-name-trailing-newline",
        "launch",
        "security_configuration",
        "emrfs xacct\n",
        "security_configuration",
        "leading or trailing whitespace",
    ),
    c(
        "secconf-name-too-long",
        "launch",
        "security_configuration",
        "s" * 10281,
        "security_configuration",
        "must be at most 10280",
    ),
    c(
        "overrides-secconf-control-character",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(SecurityConfiguration="someone\x07elses"),
        "job_flow_overrides.SecurityConfiguration",
        "which EMR refuses in names",
    ),
    c(
        "overrides-other-secconf",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(SecurityConfiguration="someone-elses"),
        "job_flow_overrides.SecurityConfiguration",
        "but security_configuration is",
    ),
    c("overrides-list", "launch", "job_flow_overrides", [job_flow_overrides()], "job_flow_overrides", "must be a dict"),
    # What a template of a dict gives these template fields in a DAG that renders templates as text (Airflow's
    # default): the dict's text, refused with the way out (render_template_as_native_obj=True).
    c(
        "site-properties-rendered-as-text",
        "launch",
        "emrfs_site_properties",
        str({"fs.s3.canned.acl": "BucketOwnerFullControl"}),
        "emrfs_site_properties",
        RENDERED_DICT,
    ),
    c(
        "site-properties-empty-rendered-as-text",
        "launch",
        "emrfs_site_properties",
        "{}",
        "emrfs_site_properties",
        RENDERED_DICT,
    ),
    c(
        "credentials-provider-rendered-as-text",
        "launch",
        "emrfs_credentials_provider",
        str({"jar": "s3://b/provider.jar", "class_name": "com.example.Provider"}),
        "emrfs_credentials_provider",
        RENDERED_DICT,
    ),
    c(
        "document-rendered-as-text",
        "launch",
        "security_configuration_document",
        json.dumps({"AuthorizationConfiguration": {}}),
        "security_configuration_document",
        RENDERED_DICT,
    ),
    c(
        "overrides-broken-string",
        "launch",
        "job_flow_overrides",
        "{'Name': 'partner-export'",
        "job_flow_overrides",
        "neither JSON nor",
    ),
    c(
        "overrides-tags-dict",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Tags={"partner": "b"}),
        "job_flow_overrides.Tags",
        NOT_LIST,
    ),
    c(
        "overrides-tags-past-the-cluster-limit",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Tags=[{"Key": f"team-{index}", "Value": "b"} for index in range(50)]),
        "job_flow_overrides.Tags",
        "at most 49 besides",
    ),
    # Amazon EMR API Reference, RunJobFlow: Name at most 256 characters of EMR's name pattern. The DAGs
    # make it from user input; EMR would refuse it after the tasks before the launch changed AWS.
    c(
        "overrides-cluster-name-257-chars",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Name="n" * 257),
        "job_flow_overrides.Name",
        "must be at most 256",
    ),
    c(
        "overrides-cluster-name-control-character",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Name="export\x00partner"),
        "job_flow_overrides.Name",
        "which EMR refuses in names",
    ),
    c(
        "overrides-tags-strings",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Tags=["partner=b"]),
        "job_flow_overrides.Tags",
        NOT_LIST,
    ),
    # Amazon EMR Management Guide, "Restrictions that apply to tagging resources in Amazon EMR": letters, numbers,
    # white space and _ . : / = + - @ only, no aws: prefix. A run id Airflow allows (rerun~2026-12-01) in a tag was
    # refused by RunJobFlow only after the run's provisioning tasks had changed AWS.
    c(
        "overrides-tag-value-tilde",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Tags=[{"Key": "run", "Value": "rerun~2026-12-01"}]),
        "job_flow_overrides.Tags[0].Value",
        "which an EMR cluster tag may not",
    ),
    c(
        "overrides-tag-key-aws-prefix",
        "launch",
        "job_flow_overrides",
        job_flow_overrides(Tags=[{"Key": "AWS:team", "Value": "b"}]),
        "job_flow_overrides.Tags[0].Key",
        "reserved for AWS",
    ),
    # --- GrantBucketAccessOperator (option (a)) ---------------------------------------------------------------
    c(
        "bucket-prefixes-two-buckets",
        "bucket",
        "s3_prefixes",
        [PREFIX, "s3://other-bucket/x/"],
        "s3_prefixes",
        "must all be in one bucket",
    ),
    c("bucket-prefix-wildcard", "bucket", "s3_prefixes", [f"s3://{BUCKET}/ex*/"], S0, "must be a literal prefix"),
    c("bucket-prefix-not-s3", "bucket", "s3_prefixes", ["https://example.com/x/"], S0, "must start with 's3://'"),
    c("bucket-principal-wildcard", "bucket", "principal_arns", ["*"], P0, NOT_ARN),
    c(
        "bucket-principal-other-partition",
        "bucket",
        "principal_arns",
        [f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/E"],
        P0,
        PARTITION,
    ),
    c("bucket-principals-empty", "bucket", "principal_arns", [], "principal_arns", EMPTY),
    c(
        "bucket-enforce-owner-text",
        "bucket",
        "enforce_bucket_owner",
        "yes",
        "enforce_bucket_owner",
        "must be True or False",
    ),
    # --- GrantEmrRoleBucketAccessOperator ---------------------------------------------------------------------
    c("emr-bucket-role-name", "emr_bucket", "emr_ec2_role_name", "EMR role", "emr_ec2_role_name", NOT_ROLE_NAME),
    c(
        "emr-bucket-prefix-whole-bucket-wildcard",
        "emr_bucket",
        "s3_prefixes",
        [f"s3://{BUCKET}/*"],
        S0,
        "must be a literal prefix",
    ),
    c("emr-bucket-key-not-arn", "emr_bucket", "kms_key_arns", ["alias/partner"], K0, NOT_ARN),
    c(
        "emr-bucket-key-other-partition",
        "emr_bucket",
        "kms_key_arns",
        [f"arn:aws-cn:kms:cn-north-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}"],
        K0,
        PARTITION,
    ),
    c("emr-bucket-canned-acl-text", "emr_bucket", "canned_acl", "yes", "canned_acl", "must be True or False"),
    # --- RevokeBucketAccessOperator ---------------------------------------------------------------------------
    c("revoke-bucket-name-with-key", "revoke_bucket", "bucket", f"{BUCKET}/x", "bucket", S3_NAMING),
    c("revoke-bucket-name-upper", "revoke_bucket", "bucket", "Partner-Results", "bucket", S3_NAMING),
    c("revoke-bucket-principal-wildcard", "revoke_bucket", "principal_arns", ["*"], P0, NOT_ARN),
    c(
        "revoke-bucket-principal-rendered-list",
        "revoke_bucket",
        "principal_arns",
        f"['{EMR_ROLE_ARN}']",
        "principal_arns",
        RENDERED,
    ),
    # --- RevokePartnerAccessOperator --------------------------------------------------------------------------
    c("revoke-role-not-arn", "revoke", "destination_role_arn", "partner-writer", "destination_role_arn", NOT_ARN),
    c(
        "revoke-role-wildcard",
        "revoke",
        "destination_role_arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/*",
        "destination_role_arn",
        WILDCARD,
    ),
    c("revoke-emr-role-name", "revoke", "emr_ec2_role_name", "EMR role", "emr_ec2_role_name", NOT_ROLE_NAME),
    c("revoke-key-not-arn", "revoke", "kms_key_arns", ["alias/partner"], K0, NOT_ARN),
    c("revoke-policy-name-space", "revoke", "policy_name", "assume role", "policy_name", "must be 1-128"),
    c(
        "revoke-key-other-region",
        "revoke",
        "kms_key_arns",
        [OTHER_KEY_ARN.replace("us-east-1", "eu-west-1")],
        K0,
        "is in region 'eu-west-1'",
    ),
    c(
        "revoke-configuration-name",
        "revoke",
        "security_configuration",
        "a\x01b",  # a control character: outside EMR's name pattern (a space is inside it)
        "security_configuration",
        "which EMR refuses in names",
    ),
    c("revoke-configuration-without-prefix", "revoke", "name_prefix", None, "name_prefix", NOT_STRING),
    c(
        "revoke-delete-role-text",
        "revoke",
        "delete_destination_role",
        "yes",
        "delete_destination_role",
        "must be True or False",
    ),
    c(
        "revoke-keep-trust-text",
        "revoke",
        "remove_destination_trust",
        "no",
        "remove_destination_trust",
        "must be True or False",
    ),
    c(
        "revoke-destination-pin",
        "revoke",
        "expected_destination_account_id",
        "2222",
        "expected_destination_account_id",
        "must be a 12-digit AWS account id",
    ),
    # --- DeleteUnusedSecurityConfigsOperator ------------------------------------------------------------------
    c("cleanup-prefix-empty", "cleanup", "name_prefix", "", "name_prefix", EMPTY),
    c("cleanup-prefix-wildcard", "cleanup", "name_prefix", "emrfs-*", "name_prefix", "must be 1-243 letters"),
    c("cleanup-min-age-negative", "cleanup", "min_age_seconds", -1, "min_age_seconds", "must be a finite number >= 0"),
    c("cleanup-min-age-text", "cleanup", "min_age_seconds", "a day", "min_age_seconds", "must be a finite number >= 0"),
]


def build(seeded: Seeded, hooks: dict[Any, Any], operator: str, **override: Any) -> Any:
    """Build an operator from its defaults plus ``override``; operators of one kind share one hook (client)."""
    cls, arguments = defaults(seeded)[operator]
    op = cls(task_id=f"bad_input_{operator}", **{**arguments, **override})
    key = (cls, op.aws_conn_id)
    if key in hooks:
        op.__dict__["hook"] = hooks[key]  # ``hook`` is a cached property: building clients is the slow part
    else:
        hooks[key] = op.hook
    return op


def execute_recorded(op: Any) -> tuple[CallRecorder, RecordingTaskInstance, Exception | None]:
    """Run ``op.execute`` recording every client's calls (not only the operator's); return them, its XComs, the error."""
    ti = RecordingTaskInstance(task_id=op.task_id)
    with CallRecorder().everywhere() as recorder:
        try:
            op.execute({"ti": ti, "task_instance": ti})
        except Exception as error:
            return recorder, ti, error
    return recorder, ti, None


def test_the_table_is_broad() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 200  # docs/safety.md, "Bad input": "over 200"
    assert {case.operator for case in CASES} == set(defaults(Seeded("", "", "", "", {})))


def test_malformed_inputs_are_refused_before_any_change(aws: Seeded, subtests: pytest.Subtests) -> None:
    hooks: dict[Any, Any] = {}
    # The defaults are valid: a dry run of each plans without complaint; the launch gets past
    # validation to the (missing) security configuration.
    for name in ("role", "assume", "kms", "secconf"):
        plan, recorder, _ = run_operator(build(aws, hooks, name, dry_run=True))
        assert plan, name
        assert recorder.mutating == [], name
    for name in ("bucket", "emr_bucket", "revoke_bucket", "revoke", "cleanup"):
        _, recorder, _ = run_operator(build(aws, hooks, name, dry_run=True))
        assert recorder.mutating == [], name
    with pytest.raises(PreconditionError, match="does not exist"):
        run_operator(build(aws, hooks, "launch"))
    before, records = snapshot(aws), moto_state()

    for case in CASES:
        with subtests.test(msg=case.id, field=case.field):
            op = build(aws, hooks, case.operator, **{case.argument: case.value})
            recorder, ti, error = execute_recorded(op)
            assert isinstance(error, InvalidParameterError), f"{case.id}: accepted or failed otherwise: {error!r}"
            assert error.field == case.field, f"{case.id}: {error}"
            assert case.fragment in error.problem, f"{case.id}: {error}"
            assert recorder.mutating == [], f"{case.id}: mutating calls {recorder.calls}"
            if case.reads:
                assert recorder.reads, f"{case.id}: the refusal should come after reading the current document"
            else:
                assert recorder.calls == [], f"{case.id}: validation should precede every call, got {recorder.calls}"
                assert ti.xcoms == {}, f"{case.id}: validation should precede every XCom, got {ti.xcoms}"
            # And nothing changed in either account, whichever client might have sent a write.
            assert changes(records, moto_state()) == {}, f"{case.id} changed the stand-in's records"
    assert changes(before, snapshot(aws)) == {}
