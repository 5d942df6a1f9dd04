"""
Unit tests of the chain checks: a healthy chain, and each kind of broken link, from hand-built state.

The documents are the ones the provider's builders write (so a healthy chain is what the operators
provision), then broken one at a time the way they break in real accounts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.policies.chain import (
    FAIL,
    PASS,
    WARN,
    BucketState,
    ChainState,
    Link,
    Report,
    RoleState,
    check_chain,
)
from airflow_provider_emrfs_xacct.policies.cluster_config import EMRFS_IMPL
from airflow_provider_emrfs_xacct.policies.documents import (
    ASSUME_POLICY_NAME,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    OBJECTS_SID,
    as_list,
    assume_role_policy,
    destination_permissions_policy,
    key_users_statement,
    trust_statement,
)
from airflow_provider_emrfs_xacct.policies.security_config import build_security_configuration
from airflow_provider_emrfs_xacct.policies.validation import parse_s3_location

if TYPE_CHECKING:
    from collections.abc import Callable

EMR_ACCOUNT = "111111111111"
DESTINATION_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
BROAD_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-everything"
BUCKET = "partner-results-b"
PREFIX = f"s3://{BUCKET}/exports/"
KEY = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONFIGURATION = "emrfs-xacct-partner-b-0123456789ab"
ROOT_STATEMENT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ADMIN_STATEMENT = {
    "Sid": "Allow access for Key Administrators",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/KeyAdmin"},
    "Action": ["kms:Describe*", "kms:Put*", "kms:Get*"],
    "Resource": "*",
}

LIST = f"list {PREFIX}"
READ = f"read {PREFIX}"
WRITE = f"write {PREFIX}"
DELETE = f"delete {PREFIX}"
KMS = f"use bucket key for {PREFIX}"
OWNER = f"owner of objects in {PREFIX}"
ASSUME = "EMR role can assume destination role"
SHADOW = "mapping not shadowed"
RELEASE = "release supports role mappings"
CONNECTOR = "s3:// connector"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def destination_role(
    arn: str = ROLE, prefixes: tuple[str, ...] = (PREFIX,), keys: tuple[str, ...] = (KEY,)
) -> RoleState:
    locations = [parse_s3_location(prefix, "prefix", allow_bucket_root=True) for prefix in prefixes]
    return RoleState(
        arn,
        document(trust_statement([EMR_ROLE])),
        [(f"inline policy {DESTINATION_POLICY_NAME}", destination_permissions_policy("aws", locations, keys))],
    )


def healthy_state() -> ChainState:
    """What the provider's operators leave behind for one partner, read back."""
    return ChainState(
        emr_role=RoleState(
            EMR_ROLE,
            document({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            [(f"inline policy {ASSUME_POLICY_NAME}", assume_role_policy([ROLE]))],
        ),
        security_configuration_name=CONFIGURATION,
        security_configuration=build_security_configuration(
            [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}]
        ),
        destination_roles={ROLE: destination_role()},
        buckets={
            BUCKET: BucketState(
                account=DESTINATION_ACCOUNT,
                policy=None,
                object_ownership="BucketOwnerEnforced",
                sse_algorithm="aws:kms",
                kms_key_arn=KEY,
            )
        },
        key_policies={KEY: document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement([ROLE]))},
        release_label="emr-6.15.0",
        cluster_configurations=[],
    )


def by_name(report: Report) -> dict[str, Link]:
    links = {link.link: link for link in report.links}
    assert len(links) == len(report.links), "link names repeat"
    return links


def statuses(report: Report) -> dict[str, str]:
    return {link.link: link.status for link in report.links}


# --- The healthy chain --------------------------------------------------------------------------------


def test_a_provisioned_chain_is_healthy() -> None:
    report = check_chain(healthy_state())

    assert report.healthy
    assert statuses(report) == {
        RELEASE: PASS,
        SHADOW: PASS,
        ASSUME: PASS,
        LIST: PASS,
        READ: PASS,
        WRITE: PASS,
        DELETE: PASS,
        KMS: PASS,
        OWNER: PASS,
    }
    links = by_name(report)
    # Each pass names the statement that grants it.
    assert links[ASSUME].statement == f"trust policy: Sid {trust_statement([EMR_ROLE])['Sid']}"
    assert links[WRITE].statement == f"inline policy {DESTINATION_POLICY_NAME}: Sid {OBJECTS_SID}"
    assert links[LIST].statement.startswith(f"inline policy {DESTINATION_POLICY_NAME}: Sid EmrfsXacctList")
    assert links[KMS].statement == f"key policy: Sid {KEY_USERS_SID}"  # the statement naming the role
    assert all(link.fix == "" for link in report.links)
    assert all(link.mapping == 0 for link in report.links if link.link != RELEASE)


def test_healthy_report_as_dict_and_table() -> None:
    report = check_chain(healthy_state())

    as_dict = report.to_dict()
    assert as_dict["security_configuration"] == CONFIGURATION
    assert as_dict["healthy"] is True
    assert [link["link"] for link in as_dict["links"]] == [link.link for link in report.links]
    assert set(as_dict["links"][0]) == {"mapping", "link", "status", "detail", "statement", "fix"}

    table = report.table()
    assert table.splitlines()[0] == f"Cross-account EMRFS chain for {CONFIGURATION}: HEALTHY"
    for link in report.links:
        assert link.link in table
    assert "PASS" in table
    assert "FAIL" not in table


def test_without_a_release_the_chain_is_healthy_with_a_warning() -> None:
    state = healthy_state()
    state.release_label = None
    state.cluster_configurations = None

    report = check_chain(state)

    assert report.healthy
    release = by_name(report)[RELEASE]
    assert release.status == WARN
    assert "cluster_id" in release.fix


def test_key_user_without_a_kms_statement_in_the_role_policy_is_enough() -> None:
    # Same account, the key policy names the role: no IAM permission is needed for the key.
    state = healthy_state()
    state.destination_roles[ROLE] = destination_role(keys=())

    assert by_name(check_chain(state))[KMS].status == PASS


def test_root_delegation_with_the_role_policy_is_enough() -> None:
    # The key policy delegates to IAM (the root statement) and the role's policy allows the key.
    state = healthy_state()
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT)

    link = by_name(check_chain(state))[KMS]
    assert link.status == PASS
    assert link.statement == "key policy: Sid Enable IAM User Permissions"


def test_a_deny_on_plain_http_does_not_break_the_chain() -> None:
    state = healthy_state()
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )

    assert check_chain(state).healthy


# --- Each broken link ---------------------------------------------------------------------------------


def _no_assume_policy(state: ChainState) -> None:
    state.emr_role.policies = [("inline policy emr-ec2-own-bucket-access", document())]


def _trust_other_role(state: ChainState) -> None:
    state.destination_roles[ROLE].trust_policy = document(  # type: ignore[union-attr]
        trust_statement([f"arn:aws:iam::{EMR_ACCOUNT}:role/SomeOtherRole"])
    )


def _trust_denies(state: ChainState) -> None:
    trust = state.destination_roles[ROLE].trust_policy  # type: ignore[union-attr]
    trust["Statement"].append(
        {"Sid": "NoEmr", "Effect": "Deny", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}
    )


def _no_put_object(state: ChainState) -> None:
    role = state.destination_roles[ROLE]
    assert role is not None
    _, policy = role.policies[0]
    objects = next(statement for statement in policy["Statement"] if statement["Sid"] == OBJECTS_SID)
    objects["Action"] = [action for action in objects["Action"] if action != "s3:PutObject"]


def _bucket_denies_put_for_role(state: ChainState) -> None:
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "NoPartnerWrites",
            "Effect": "Deny",
            "Principal": {"AWS": ROLE},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    )


def _bucket_denies_unencrypted_put(state: ChainState) -> None:
    # The classic "deny uploads without the SSE header": writes relying on default encryption send no
    # header, the key is missing, StringNotEquals on a missing key is true, so it still applies.
    state.buckets[BUCKET].policy = document(
        {
            "Sid": "DenyUnencryptedUploads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }
    )


def _list_other_prefix(state: ChainState) -> None:
    role = state.destination_roles[ROLE]
    assert role is not None
    _, policy = role.policies[0]
    listing = next(statement for statement in policy["Statement"] if "s3:ListBucket" in as_list(statement["Action"]))
    listing["Condition"] = {"StringLike": {"s3:prefix": ["imports/", "imports/*"]}}


def _key_policy_without_role_or_root(state: ChainState) -> None:
    state.key_policies[KEY] = document(ADMIN_STATEMENT)


@dataclass(frozen=True)
class Broken:
    id: str
    breaks: Callable[[ChainState], None]
    link: str
    #: Text of the deciding statement ("" when nothing decided: an implicit deny).
    statement: str
    fix: str
    detail: str


BROKEN = [
    Broken(
        "emr-role-lacks-assume-role",
        _no_assume_policy,
        ASSUME,
        "",
        "AttachAssumeRolePolicyOperator",
        "not allowed by any statement",
    ),
    Broken(
        "trust-policy-trusts-another-role",
        _trust_other_role,
        ASSUME,
        "",
        "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns",
        "not allowed by any statement",
    ),
    Broken(
        "trust-policy-denies-emr-role",
        _trust_denies,
        ASSUME,
        "trust policy: Sid NoEmr",
        "EnsureDestinationRoleOperator",
        "explicitly denied",
    ),
    Broken(
        "destination-role-lacks-put-object",
        _no_put_object,
        WRITE,
        "",
        "EnsureDestinationRoleOperator with this prefix in s3_prefixes",
        "s3:PutObject not allowed by any statement",
    ),
    Broken(
        "bucket-policy-denies-put-for-role",
        _bucket_denies_put_for_role,
        WRITE,
        "bucket policy: Sid NoPartnerWrites",
        "the bucket policy denies it",
        "s3:PutObject explicitly denied",
    ),
    Broken(
        "bucket-policy-denies-unencrypted-put",
        _bucket_denies_unencrypted_put,
        WRITE,
        "bucket policy: Sid DenyUnencryptedUploads",
        "the bucket policy denies it",
        "s3:PutObject explicitly denied",
    ),
    Broken(
        "destination-role-lacks-list-for-prefix",
        _list_other_prefix,
        LIST,
        "",
        "EnsureDestinationRoleOperator with this prefix in s3_prefixes",
        "s3:ListBucket not allowed by any statement",
    ),
    Broken(
        "key-policy-lacks-role-and-root",
        _key_policy_without_role_or_root,
        KMS,
        "",
        "GrantKmsKeyUserOperator",
        f"kms:GenerateDataKey on {KEY} not allowed by any statement",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=[case.id for case in BROKEN])
def test_each_broken_link_is_detected(case: Broken) -> None:
    healthy = statuses(check_chain(healthy_state()))
    state = healthy_state()
    case.breaks(state)

    report = check_chain(state)

    assert not report.healthy
    link = by_name(report)[case.link]
    assert link.status == FAIL
    assert link.mapping == 0
    assert case.detail in link.detail
    assert link.statement == case.statement
    assert case.fix in link.fix
    # Only that link broke: every other check reads as before.
    assert {name: status for name, status in statuses(report).items() if name != case.link} == {
        name: status for name, status in healthy.items() if name != case.link
    }
    table = report.table()
    assert table.splitlines()[0] == f"Cross-account EMRFS chain for {CONFIGURATION}: BROKEN"
    assert case.link in table
    assert "FAIL" in table
    if case.statement:
        assert case.statement in table


def _writer_in_third_account(state: ChainState, ownership: str) -> ChainState:
    third_role = f"arn:aws:iam::{THIRD_ACCOUNT}:role/partner-writer"
    state.security_configuration = build_security_configuration(
        [{"Role": third_role, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}]
    )
    state.destination_roles = {third_role: destination_role(third_role)}
    state.buckets[BUCKET].object_ownership = ownership  # type: ignore[union-attr]
    return state


def test_object_writer_bucket_with_a_writer_in_another_account_fails_ownership() -> None:
    report = check_chain(_writer_in_third_account(healthy_state(), "ObjectWriter"))

    link = by_name(report)[OWNER]
    assert link.status == FAIL
    assert THIRD_ACCOUNT in link.detail
    assert "BucketOwnerEnforced" in link.fix
    assert not report.healthy


def test_bucket_owner_preferred_with_a_writer_in_another_account_warns() -> None:
    report = check_chain(_writer_in_third_account(healthy_state(), "BucketOwnerPreferred"))

    link = by_name(report)[OWNER]
    assert link.status == WARN
    assert "fs.s3.canned.acl=BucketOwnerFullControl" in link.fix


def test_bucket_owner_enforced_with_a_writer_in_another_account_passes() -> None:
    report = check_chain(_writer_in_third_account(healthy_state(), "BucketOwnerEnforced"))

    assert by_name(report)[OWNER].status == PASS


def test_object_writer_bucket_written_from_its_own_account_passes() -> None:
    state = healthy_state()
    state.buckets[BUCKET].object_ownership = "ObjectWriter"  # type: ignore[union-attr]

    assert by_name(check_chain(state))[OWNER].status == PASS


def test_an_earlier_broader_prefix_shadows_a_later_mapping() -> None:
    state = healthy_state()
    state.security_configuration = build_security_configuration(
        [
            {"Role": BROAD_ROLE, "IdentifierType": "Prefix", "Identifiers": [f"s3://{BUCKET}/"]},
            {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]},
        ]
    )
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE, prefixes=(f"s3://{BUCKET}/",))
    state.emr_role.policies = [(f"inline policy {ASSUME_POLICY_NAME}", assume_role_policy([ROLE, BROAD_ROLE]))]
    state.key_policies[KEY] = document(ROOT_STATEMENT, key_users_statement([ROLE, BROAD_ROLE]))

    report = check_chain(state)

    shadow = {link.mapping: link for link in report.links if link.link == SHADOW}
    assert shadow[0].status == PASS
    assert shadow[1].status == FAIL
    assert f"mapping 0 (s3://{BUCKET}/)" in shadow[1].detail
    assert PREFIX in shadow[1].detail
    assert "narrower mapping first" in shadow[1].fix
    assert not report.healthy
    # Only the shadowing fails: both mappings' access is otherwise fine.
    assert [link.link for link in report.links if link.status == FAIL] == [SHADOW]


def test_the_same_user_mapped_twice_is_shadowed() -> None:
    state = healthy_state()
    state.security_configuration = build_security_configuration(
        [
            {"Role": BROAD_ROLE, "IdentifierType": "User", "Identifiers": ["etl"]},
            {"Role": ROLE, "IdentifierType": "User", "Identifiers": ["hadoop", "etl"]},
        ]
    )
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE)

    report = check_chain(state)

    shadow = {link.mapping: link for link in report.links if link.link == SHADOW}
    assert (shadow[0].status, shadow[1].status) == (PASS, FAIL)
    # User mappings name no prefix: without s3_prefixes the access checks only warn.
    assert {link.status for link in report.links if link.link == "access to prefixes"} == {WARN}


def test_release_without_role_mappings_fails() -> None:
    state = healthy_state()
    state.release_label = "emr-5.9.0"

    report = check_chain(state)

    link = by_name(report)[RELEASE]
    assert link.status == FAIL
    assert "emr-5.9.0" in link.detail
    assert "emr-5.10.0" in link.fix
    assert not report.healthy


def test_first_release_with_role_mappings_passes() -> None:
    state = healthy_state()
    state.release_label = "emr-5.10.0"

    report = check_chain(state)

    assert by_name(report)[RELEASE].status == PASS
    assert CONNECTOR not in by_name(report)


def test_s3a_release_with_emrfs_kept_passes() -> None:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
        {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}},
    ]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == PASS
    assert "keeps EMRFS" in connector.detail
    assert report.healthy


def test_s3a_release_without_fs_s3_impl_warns() -> None:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.defaultFS": "hdfs:///"}}]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == WARN
    assert "S3A" in connector.detail
    assert f"fs.s3.impl={EMRFS_IMPL}" in connector.fix
    assert report.healthy  # a warning, not a failure: EMR translates the mappings


def test_s3a_release_with_unknown_cluster_settings_warns() -> None:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = None

    connector = by_name(check_chain(state))[CONNECTOR]
    assert connector.status == WARN
    assert "keep_emrfs=True" in connector.fix


def test_missing_security_configuration_fails_alone() -> None:
    state = healthy_state()
    state.security_configuration = None

    report = check_chain(state)

    assert not report.healthy
    [link] = report.links
    assert (link.link, link.status) == ("security configuration exists", FAIL)
    assert CONFIGURATION in link.detail
    assert "CreateEmrfsSecurityConfigOperator" in link.fix
    assert "security configuration exists" in report.table()
    assert "BROKEN" in report.table()


def test_security_configuration_without_role_mappings_fails() -> None:
    state = healthy_state()
    state.security_configuration = {"EncryptionConfiguration": {"EnableInTransitEncryption": False}}

    report = check_chain(state)

    link = by_name(report)["role mappings"]
    assert link.status == FAIL
    assert "RoleMappings" in link.fix


def test_missing_destination_role_fails() -> None:
    state = healthy_state()
    state.destination_roles[ROLE] = None

    report = check_chain(state)

    link = by_name(report)["destination role exists"]
    assert link.status == FAIL
    assert ROLE in link.detail
    assert "EnsureDestinationRoleOperator" in link.fix
    # Nothing else can be checked for that mapping.
    assert ASSUME not in by_name(report)
    assert WRITE not in by_name(report)


def test_missing_bucket_fails() -> None:
    state = healthy_state()
    state.buckets[BUCKET] = None

    link = by_name(check_chain(state))[f"bucket {BUCKET}"]
    assert link.status == FAIL
    assert "bucket name" in link.fix


def test_unreadable_key_policy_fails() -> None:
    state = healthy_state()
    state.key_policies[KEY] = None

    link = by_name(check_chain(state))[KMS]
    assert link.status == FAIL
    assert "kms:GetKeyPolicy" in link.fix


def test_bucket_without_kms_needs_no_key() -> None:
    state = healthy_state()
    state.buckets[BUCKET] = BucketState(
        DESTINATION_ACCOUNT, object_ownership="BucketOwnerEnforced", sse_algorithm="AES256"
    )
    state.key_policies = {}

    link = by_name(check_chain(state))[KMS]
    assert link.status == PASS
    assert "AES256" in link.detail


def test_the_checks_do_not_change_the_state() -> None:
    state = healthy_state()
    _bucket_denies_put_for_role(state)
    before = copy.deepcopy(state)

    check_chain(state)

    assert state == before
