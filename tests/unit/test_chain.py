"""
Unit tests of the chain checks: a passing chain, each kind of broken link, and what the verifier
cannot know ("not checked"), from hand-built state.

The documents are the ones the provider's builders write (the shape every request of
``pure/requests.py`` needs), then broken one at a time the way they break in real accounts.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks import second_opinion
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BLOCK_PUBLIC_ACCESS,
    CLUSTER_SETTINGS,
    FAIL,
    NOT_SETTLED_BY_PROBE,
    NOT_THE_MULTIPART_REQUESTS,
    OUTSIDE_POLICIES,
    PASS,
    STS_ROUTE,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    WARN,
    Evaluated,
    Link,
    Report,
    cite,
    covered_by_probe,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.principal import LINK as PRINCIPAL
from airflow_provider_emrfs_xacct.pure.checks.state import (
    BucketState,
    ChainState,
    OtherOwner,
    RefusedRead,
    RoleState,
    Unreadable,
)
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    OBJECTS_SID,
    TRUST_NOBODY_STATEMENT,
    assume_role_policy,
    destination_permissions_policy,
    key_users_statement,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.evaluator import Decision
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, sts_endpoint_check
from airflow_provider_emrfs_xacct.pure.requests import RENAME_STEP, STEPS, WRITE_REQUESTS
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

if TYPE_CHECKING:
    from collections.abc import Callable

EMR_ACCOUNT = "111111111111"
DESTINATION_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
BROAD_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-everything"
BUCKET = "partner-results-b"
#: The mapping's identifier, without the trailing slash, so that the prefix's own key and its
#: ``_$folder$`` marker go through the mapping too.
IDENTIFIER = f"s3://{BUCKET}/exports"
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

LOOKUP = f"output directory lookup {PREFIX}"
WRITE = f"write files {PREFIX}"
#: The link of a job's rename (requests.RENAME_REQUESTS): it only warns, but FAILs as the write links where what
#: refuses it refuses the uploads too (every job fails then, not only those that rename).
RENAME = f"{RENAME_STEP} {PREFIX}"
ROLE_LINK = "destination role"
KMS = f"use bucket key for {PREFIX}"
OWNER = f"owner of objects in {PREFIX}"
ASSUME = "EMR role can assume destination role"
SHADOW = "mapping not shadowed"
RELEASE = "release supports role mappings"
CONNECTOR = "s3:// connector"
KEPT_LINK = "access beyond this configuration"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def destination_policy(prefixes: tuple[str, ...] = (IDENTIFIER,), keys: tuple[str, ...] = (KEY,)) -> dict[str, Any]:
    """The destination role's policy as the provider's builder writes it."""
    locations = [parse_s3_location(prefix, "prefix", allow_bucket_root=True) for prefix in prefixes]
    return destination_permissions_policy("aws", locations, keys)


def destination_role(
    arn: str = ROLE, prefixes: tuple[str, ...] = (IDENTIFIER,), keys: tuple[str, ...] = (KEY,)
) -> RoleState:
    return RoleState(
        arn,
        document(trust_statement([EMR_ROLE])),
        [(f"inline policy {DESTINATION_POLICY_NAME}", destination_policy(prefixes, keys))],
    )


def mappings(*items: tuple[str, str, str | list[str]]) -> dict[str, Any]:
    """A security configuration with these ``(role, identifier type, identifier or identifiers)`` mappings."""
    return {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [
                    {"Role": role, "IdentifierType": kind, "Identifiers": [ids] if isinstance(ids, str) else ids}
                    for role, kind, ids in items
                ]
            }
        }
    }


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
            validate_role_mappings([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}])
        ),
        destination_roles={ROLE: destination_role()},
        buckets={
            BUCKET: BucketState(
                account=DESTINATION_ACCOUNT,
                policy=None,
                object_ownership="BucketOwnerEnforced",
                sse_algorithm="aws:kms",
                kms_key_arn=KEY,
                kms_key_id=KEY,
                region="us-east-1",
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


def failing(report: Report) -> list[str]:
    return [link.link for link in report.links if link.status == FAIL]


# --- The healthy chain --------------------------------------------------------------------------------


def test_a_provisioned_chain_passes() -> None:
    report = check_chain(healthy_state())

    assert report.healthy
    assert report.verdict == VERDICT_PASS
    assert statuses(report) == {
        RELEASE: PASS,
        SHADOW: PASS,
        ROLE_LINK: PASS,
        ASSUME: PASS,
        **{f"{step} {PREFIX}": PASS for step in STEPS},
        KMS: PASS,
        OWNER: PASS,
    }
    links = by_name(report)
    # Each pass names the statement that grants it.
    assert links[ASSUME].statement == f"trust policy: Sid {trust_statement([EMR_ROLE])['Sid']}"
    assert links[WRITE].statement == f"inline policy {DESTINATION_POLICY_NAME}: Sid {OBJECTS_SID}"
    assert links[KMS].statement == f"key policy: Sid {KEY_USERS_SID}"  # the statement naming the role
    assert all(link.fix == "" for link in report.links)
    assert all(link.mapping == 0 for link in report.links if link.link != RELEASE)
    # Every request of the table was evaluated for the role (and the assume-role for the EMR role).
    actions = {item.action for item in report.evaluated if item.principal == ROLE}
    assert {call.action for call in WRITE_REQUESTS} <= actions
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= actions
    # What reading policies cannot see is listed, with how to check it.
    assert [item["what"] for item in report.not_checked] == [
        *(what for what, _ in OUTSIDE_POLICIES),
        STS_ROUTE[0],  # no cluster subnet was read
        BLOCK_PUBLIC_ACCESS[0],
    ]
    assert all("probe" in item["how"] for item in report.not_checked)


def test_passing_report_as_dict_and_table() -> None:
    report = check_chain(healthy_state())

    as_dict = report.to_dict()
    assert as_dict["security_configuration"] == CONFIGURATION
    assert as_dict["healthy"] is True
    assert as_dict["verdict"] == "PASS"
    assert [link["link"] for link in as_dict["links"]] == [link.link for link in report.links]
    assert set(as_dict["links"][0]) == {
        "mapping",
        "link",
        "status",
        "detail",
        "statement",
        "fix",
        "prefix",
        "refused_reads",
        "probe_settles",
    }
    assert len(as_dict["not_checked"]) == len(OUTSIDE_POLICIES) + 2  # and the route to STS, S3 Block Public Access

    table = report.table()
    assert table.splitlines()[0] == f"Cross-account EMRFS chain for {CONFIGURATION}: PASS"
    for link in report.links:
        assert link.link in table
    assert "Not checked by reading policies:" in table
    assert "SCPs" in table
    assert "FAIL" not in table


def test_without_a_release_the_chain_is_not_checked() -> None:
    # A release before 5.10.0 does not support role mappings
    # (AWS documents them from 5.10.0 on, not what an older release does with them): unknown, the write may go out as the EC2 role.
    state = healthy_state()
    state.release_label = None
    state.cluster_configurations = None

    report = check_chain(state)

    assert report.healthy
    release = by_name(report)[RELEASE]
    assert (release.status, release.detail) == (UNKNOWN, "release label unknown (no cluster given)")
    assert "cluster_id" in release.fix
    assert report.verdict == VERDICT_NOT_CHECKED


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


def test_a_bucket_policy_deny_by_canonical_user_is_not_passed() -> None:
    """S3 User Guide, "Principals": ``CanonicalUser`` names an account, by an ID not mapped to it here."""
    state = healthy_state()
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "DenyAnAccount",
            "Effect": "Deny",
            "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    )

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert any("canonical user ID" in link.detail for link in report.links if link.status == UNKNOWN), report.table()


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

    assert check_chain(state).verdict == VERDICT_PASS


def test_tls_turned_off_on_an_sse_kms_bucket_fails_whatever_the_policies() -> None:
    """
    Amazon S3 API Reference, PutObject, x-amz-server-side-encryption-aws-kms-key-id: "All GET and PUT requests for an
    object protected by AWS KMS fail if they're not made via SSL or using SigV4". The chain passed with
    ``fs.s3n.ssl.enabled=false`` on the bucket default SSE-KMS (``tests/unit/test_tls_off_sse_kms.py`` has the rest).
    """
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "false"}}]

    report = check_chain(state)

    assert report.verdict == VERDICT_FAIL
    assert failing(report) == [KMS]
    assert "emrfs-site fs.s3n.ssl.enabled" in by_name(report)[KMS].fix


def test_a_passing_probe_does_not_settle_a_link_on_requests_it_never_sends() -> None:
    """
    The probe (``hadoop fs -put``) sends no multipart upload listing or abort: a Deny of them outside a VPC endpoint
    stays not checked after it passes (``tests/unit/test_probe_scope.py`` has the rest). It was settled: PASS.
    """
    state = healthy_state()
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
        }
    )
    links = [link.to_dict() for link in check_chain(state).links]

    [unknown] = [link for link in links if link["status"] == UNKNOWN]
    assert (unknown["link"], unknown["probe_settles"]) == (f"abort pending uploads {PREFIX}", False)
    probe = {"ok": True, "routes": {PREFIX + "_emrfs_xacct_probe/x": 0}}
    assert verdict_with_probe(links, probe) == (VERDICT_NOT_CHECKED, True)


# --- Each broken link ---------------------------------------------------------------------------------


def _no_assume_policy(state: ChainState) -> None:
    state.emr_role.policies = [("inline policy emr-ec2-own-bucket-access", document())]


def _trust_other_role(state: ChainState) -> None:
    state.destination_roles[ROLE].trust_policy = document(  # type: ignore[union-attr]
        trust_statement([f"arn:aws:iam::{EMR_ACCOUNT}:role/SomeOtherRole"])
    )


def _trust_only_with_external_id(state: ChainState) -> None:
    # Someone added a Condition to the provider's trust statement: EMRFS's AssumeRole sends no sts:ExternalId, so the
    # statement never applies, and EnsureDestinationRoleOperator keeps that Condition (it keeps what others wrote).
    trust = state.destination_roles[ROLE].trust_policy  # type: ignore[union-attr]
    trust["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": "partner-b-123"}}


def _assume_grant_only_with_external_id(state: ChainState) -> None:
    # The same on the EMR EC2 role's side: AttachAssumeRolePolicyOperator keeps someone's Condition on its statement.
    emr_role = state.emr_role
    assert isinstance(emr_role, RoleState)
    _, policy = emr_role.policies[0]
    policy["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": "partner-b-123"}}


def _trust_only_by_the_partners_conditional_statement(state: ChainState) -> None:
    # No statement of the provider's in the trust, only the partner's own under its Condition: the operator's
    # statement is the fix, or that Condition, which is the partner's to change.
    state.destination_roles[ROLE].trust_policy = document(  # type: ignore[union-attr]
        {
            "Sid": "PartnerOwn",
            "Effect": "Allow",
            "Principal": {"AWS": EMR_ROLE},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "partner-b-123"}},
        }
    )


def _trust_partners_conditional_statement_before_the_providers(state: ChainState) -> None:
    # The partner's own conditional statement first, then the provider's under the same Condition someone added to it.
    # EMRFS's AssumeRole sends no sts:ExternalId, and a Condition on a key the request lacks does not hold (IAM User
    # Guide, "IAM JSON policy elements: Condition operators"): neither applies. Rerunning EnsureDestinationRoleOperator
    # writes nothing (it keeps others' Conditions on its statement): the provider's statement is the one to name.
    trust = state.destination_roles[ROLE].trust_policy  # type: ignore[union-attr]
    own = copy.deepcopy(trust["Statement"][0])
    own["Condition"] = {"StringEquals": {"sts:ExternalId": "partner-b-123"}}
    partners = {
        "Sid": "PartnerOwn",
        "Effect": "Allow",
        "Principal": {"AWS": EMR_ROLE},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "partner-b-123"}},
    }
    trust["Statement"] = [partners, own]


def _assume_teams_conditional_policy_before_the_providers(state: ChainState) -> None:
    # The same on the EMR EC2 role's side: a team's policy, read first, allows the assume under a Condition, and
    # someone put that Condition on the provider's statement too (AttachAssumeRolePolicyOperator keeps it).
    emr_role = state.emr_role
    assert isinstance(emr_role, RoleState)
    _, policy = emr_role.policies[0]
    policy["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": "partner-b-123"}}
    teams = {**policy["Statement"][0], "Sid": "TeamX"}
    emr_role.policies.insert(0, ("inline policy a-team-policy", document(teams)))


def _trust_denies(state: ChainState) -> None:
    trust = state.destination_roles[ROLE].trust_policy  # type: ignore[union-attr]
    trust["Statement"].append(
        {"Sid": "NoEmr", "Effect": "Deny", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}
    )


def _no_put_object(state: ChainState) -> None:
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
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


def _key_policy_without_role_or_root(state: ChainState) -> None:
    state.key_policies[KEY] = document(ADMIN_STATEMENT)


@dataclass(frozen=True)
class Broken:
    id: str
    breaks: Callable[[ChainState], None]
    #: Every link that fails, the first one in the report first.
    links: tuple[str, ...]
    #: Text of the first failing link's deciding statement ("" when nothing decided: an implicit deny).
    statement: str
    fix: str
    detail: str
    #: Links that warn besides (the role trusting another EMR EC2 role than the one checked: test_kept_access.py).
    warns: tuple[str, ...] = ()


WRITE_STEPS = (f"mkdirs {PREFIX}", WRITE, RENAME, f"job commit {PREFIX}")

BROKEN = [
    Broken(
        "emr-role-lacks-assume-role",
        _no_assume_policy,
        (ASSUME,),
        "",
        "AttachAssumeRolePolicyOperator",
        "not allowed by any statement",
    ),
    Broken(
        "trust-policy-trusts-another-role",
        _trust_other_role,
        (ASSUME,),
        "",
        "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns",
        "not allowed by any statement",
        warns=(KEPT_LINK,),
    ),
    Broken(
        "trust-statement-under-someones-condition",
        _trust_only_with_external_id,
        (ASSUME,),
        "trust policy: Sid EmrfsXacctTrustEmrRoles (Condition not met)",
        "names this request but its Condition does not hold for it: change that Condition",
        "not allowed by any statement; trust policy Sid EmrfsXacctTrustEmrRoles allows it only under its Condition "
        '{"StringEquals": {"sts:ExternalId": "partner-b-123"}}, and the request carries no sts:ExternalId',
    ),
    Broken(
        "assume-grant-under-someones-condition",
        _assume_grant_only_with_external_id,
        (ASSUME,),
        "inline policy emrfs-xacct-assume-destination-roles: Sid EmrfsXacctAssumeDestinationRoles (Condition not met)",
        "names this request but its Condition does not hold for it: change that Condition",
        "and the request carries no sts:ExternalId",
    ),
    Broken(
        "trust-only-by-the-partners-conditional-statement",
        _trust_only_by_the_partners_conditional_statement,
        (ASSUME,),
        "trust policy: Sid PartnerOwn (Condition not met)",
        "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns (command line: emrfs-xacct apply); "
        "or trust policy Sid PartnerOwn names this request but its Condition does not hold for it",
        "and the request carries no sts:ExternalId",
    ),
    Broken(
        "trust-partners-conditional-statement-before-the-providers",
        _trust_partners_conditional_statement_before_the_providers,
        (ASSUME,),
        "trust policy: Sid EmrfsXacctTrustEmrRoles (Condition not met)",
        "trust policy Sid EmrfsXacctTrustEmrRoles names this request but its Condition does not hold for it: change "
        "that Condition",
        "trust policy Sid EmrfsXacctTrustEmrRoles allows it only under its Condition",
    ),
    Broken(
        "assume-teams-conditional-policy-before-the-providers",
        _assume_teams_conditional_policy_before_the_providers,
        (ASSUME,),
        "inline policy emrfs-xacct-assume-destination-roles: Sid EmrfsXacctAssumeDestinationRoles (Condition not met)",
        "inline policy emrfs-xacct-assume-destination-roles Sid EmrfsXacctAssumeDestinationRoles names this request "
        "but its Condition does not hold for it: change that Condition",
        "Sid EmrfsXacctAssumeDestinationRoles allows it only under its Condition",
    ),
    Broken(
        "trust-policy-denies-emr-role",
        _trust_denies,
        (ASSUME,),
        "trust policy: Sid NoEmr",
        # An explicit deny overrides every allow (IAM User Guide, "Policy evaluation logic"), and
        # EnsureDestinationRoleOperator keeps statements it did not write: trusting the role again cannot lift it.
        "a Deny in trust policy blocks it: change that statement",
        "explicitly denied",
    ),
    Broken(
        "destination-role-lacks-put-object",
        _no_put_object,
        WRITE_STEPS,
        "",
        "EnsureDestinationRoleOperator with this prefix in s3_prefixes",
        "s3:PutObject not allowed by any statement",
    ),
    Broken(
        "bucket-policy-denies-put-for-role",
        _bucket_denies_put_for_role,
        WRITE_STEPS,
        "bucket policy: Sid NoPartnerWrites",
        "the bucket policy denies it",
        "s3:PutObject explicitly denied",
    ),
    Broken(
        "bucket-policy-denies-unencrypted-put",
        _bucket_denies_unencrypted_put,
        WRITE_STEPS,
        "bucket policy: Sid DenyUnencryptedUploads",
        "the bucket policy denies it",
        "s3:PutObject explicitly denied",
    ),
    # s3:ListBucket only with an s3:prefix condition (the old shape) is no FAIL: whether the 404's check carries
    # s3:prefix AWS does not document (review J39, tests/unit/test_head_404_listing_keys.py).
    Broken(
        "key-policy-lacks-role-and-root",
        _key_policy_without_role_or_root,
        (KMS,),
        "",
        "GrantKmsKeyUserOperator",
        f"kms:GenerateDataKey on {KEY} as {ROLE} not allowed by any statement",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=[case.id for case in BROKEN])
def test_each_broken_link_is_detected(case: Broken) -> None:
    healthy = statuses(check_chain(healthy_state()))
    state = healthy_state()
    case.breaks(state)

    report = check_chain(state)

    assert not report.healthy
    assert report.verdict == VERDICT_FAIL
    assert tuple(failing(report)) == case.links
    link = by_name(report)[case.links[0]]
    assert link.mapping == 0
    assert case.detail in link.detail
    assert link.statement == case.statement
    assert case.fix in link.fix
    # Only those links broke: every other check reads as before, but those that warn besides.
    assert {name: status for name, status in statuses(report).items() if name not in case.links} == {
        **{name: status for name, status in healthy.items() if name not in case.links},
        **dict.fromkeys(case.warns, WARN),
    }
    table = report.table()
    assert table.splitlines()[0] == f"Cross-account EMRFS chain for {CONFIGURATION}: FAIL"
    assert case.links[0] in table
    if case.statement:
        assert case.statement[:90] in table  # the table cuts each cell at 90 characters


CHANGE_THAT_CONDITION = (
    "names this request but its Condition does not hold for it: change that Condition to what AWS sends (shown in the "
    "detail)"
)


@pytest.mark.parametrize(
    ("breaks", "own"),
    [
        (_trust_partners_conditional_statement_before_the_providers, "trust policy Sid EmrfsXacctTrustEmrRoles"),
        (
            _assume_teams_conditional_policy_before_the_providers,
            "inline policy emrfs-xacct-assume-destination-roles Sid EmrfsXacctAssumeDestinationRoles",
        ),
    ],
    ids=["trust", "identity"],
)
def test_the_providers_own_statement_under_a_condition_is_the_fix_though_another_conditional_allow_comes_first(
    breaks: Callable[[ChainState], None], own: str
) -> None:
    """
    Another's ``Allow`` under a Condition comes first, the provider's own statement under the same Condition after it:
    the fix is the provider's statement's Condition alone. Its operator keeps what others wrote on that statement, so
    rerunning it writes nothing, and the other's Condition is theirs to keep.
    """
    state = healthy_state()
    breaks(state)

    link = by_name(check_chain(state))[ASSUME]

    assert link.fix == f"{own} {CHANGE_THAT_CONDITION}"


def _writer_in_third_account(state: ChainState, ownership: str) -> ChainState:
    third_role = f"arn:aws:iam::{THIRD_ACCOUNT}:role/partner-writer"
    state.security_configuration = mappings((third_role, "Prefix", IDENTIFIER))
    state.destination_roles = {third_role: destination_role(third_role)}
    state.buckets[BUCKET].object_ownership = ownership  # type: ignore[union-attr]
    return state


def test_object_writer_bucket_with_a_writer_in_another_account_fails_ownership() -> None:
    report = check_chain(_writer_in_third_account(healthy_state(), "ObjectWriter"))

    link = by_name(report)[OWNER]
    assert link.status == FAIL
    assert THIRD_ACCOUNT in link.detail
    assert link.fix == "switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator enforce_bucket_owner=True)"
    assert not report.healthy


def test_bucket_owner_preferred_with_a_writer_in_another_account_and_no_acl_fails() -> None:
    """
    S3 API Reference, OwnershipControlsRule: BucketOwnerPreferred gives the bucket owner only objects uploaded
    with bucket-owner-full-control; the cluster's emrfs-site sets no fs.s3.canned.acl, so the writer keeps them.
    """
    report = check_chain(_writer_in_third_account(healthy_state(), "BucketOwnerPreferred"))

    link = by_name(report)[OWNER]
    assert link.status == FAIL
    assert THIRD_ACCOUNT in link.detail
    assert "no ACL" in link.detail
    assert "fs.s3.canned.acl=BucketOwnerFullControl" in link.fix
    assert "BucketOwnerEnforced" in link.fix
    assert not report.healthy


def test_bucket_owner_preferred_with_a_writer_in_another_account_and_bucket_owner_full_control_passes() -> None:
    state = _writer_in_third_account(healthy_state(), "BucketOwnerPreferred")
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}}
    ]

    link = by_name(check_chain(state))[OWNER]

    assert (link.status, link.fix) == (PASS, "")
    assert "bucket-owner-full-control" in link.detail


def test_bucket_owner_preferred_with_a_writer_in_another_account_is_not_checked_without_the_cluster_settings() -> None:
    # Whether the writer or the bucket owner owns the objects depends on the canned ACL, which is not known.
    state = _writer_in_third_account(healthy_state(), "BucketOwnerPreferred")
    state.cluster_configurations = None  # no cluster read: the canned ACL is not known

    link = by_name(check_chain(state))[OWNER]
    assert link.status == UNKNOWN
    assert "cluster_id" in link.fix
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
    state.security_configuration = mappings((BROAD_ROLE, "Prefix", f"s3://{BUCKET}/"), (ROLE, "Prefix", IDENTIFIER))
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE, prefixes=(f"s3://{BUCKET}/",))
    state.emr_role.policies = [(f"inline policy {ASSUME_POLICY_NAME}", assume_role_policy([ROLE, BROAD_ROLE]))]
    state.key_policies[KEY] = document(ROOT_STATEMENT, key_users_statement([ROLE, BROAD_ROLE]))

    report = check_chain(state)

    shadow = {link.mapping: link for link in report.links if link.link == SHADOW}
    assert shadow[0].status == PASS
    assert shadow[1].status == FAIL
    assert f"mapping 0 (s3://{BUCKET}/)" in shadow[1].detail
    assert IDENTIFIER in shadow[1].detail
    assert "narrower mapping first" in shadow[1].fix
    assert not report.healthy
    # Only the shadowing fails: both mappings' access is otherwise fine.
    assert [link.link for link in report.links if link.status == FAIL] == [SHADOW]


def test_the_same_user_mapped_twice_is_shadowed() -> None:
    state = healthy_state()
    state.security_configuration = mappings((BROAD_ROLE, "User", "etl"), (ROLE, "User", ["hadoop", "etl"]))
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE)

    report = check_chain(state)

    shadow = {link.mapping: link for link in report.links if link.link == SHADOW}
    assert (shadow[0].status, shadow[1].status) == (PASS, FAIL)
    # User mappings name no prefix: without s3_prefixes their roles' access is not checked.
    assert {link.status for link in report.links if link.link == "access to prefixes"} == {UNKNOWN}


@pytest.mark.parametrize(
    ("kind", "earlier", "later"),
    [("Prefix", f"s3://{BUCKET}/", IDENTIFIER), ("User", "etl", ["hadoop", "etl"])],
    ids=["prefix-under-prefix", "user-twice"],
)
def test_an_earlier_mapping_to_the_same_role_shadows_harmlessly(kind: str, earlier: str, later: Any) -> None:
    """EMRFS uses the first mapping that matches (EMR Management Guide, "Configure IAM roles for EMRFS requests to
    Amazon S3"): when both map to one role (any spelling of its name), the request goes as that role either way."""
    state = healthy_state()
    same_role = ROLE.replace(ROLE.rsplit("/", 1)[1], ROLE.rsplit("/", 1)[1].upper())
    state.security_configuration = mappings((same_role, kind, earlier), (ROLE, kind, later))

    shadow = [link for link in check_chain(state).links if link.link == SHADOW]

    assert [link.status for link in shadow] == [PASS, PASS]
    assert "same role" in shadow[1].detail


def test_of_several_shadowed_identifiers_the_earliest_shadowing_mapping_is_named() -> None:
    state = healthy_state()
    state.security_configuration = mappings(
        (BROAD_ROLE, "User", "bob"), (BROAD_ROLE, "User", "alice"), (ROLE, "User", ["alice", "bob"])
    )
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE)

    shadow = [link for link in check_chain(state).links if link.link == SHADOW]

    assert [link.status for link in shadow] == [PASS, PASS, FAIL]
    # alice comes first in the mapping, but bob's mapping 0 is the one EMRFS reaches first.
    assert shadow[2].detail == "bob is matched first by mapping 0 (bob)"


def test_a_refused_cluster_read_is_the_release_links_detail() -> None:
    state = healthy_state()
    state.release_label = None
    state.cluster_unreadable = "emr:DescribeCluster on j-1 denied"

    release = by_name(check_chain(state))[RELEASE]

    assert (release.status, release.detail) == (UNKNOWN, "emr:DescribeCluster on j-1 denied")
    # Not "pass release_label": beside cluster_id that is not the cluster's release, and it is not judged.
    assert "elasticmapreduce:DescribeCluster" in release.fix


def test_a_release_label_that_cannot_be_parsed_leaves_the_release_not_checked() -> None:
    state = healthy_state()
    state.release_label = "emr-7.x"

    report = check_chain(state)

    release = by_name(report)[RELEASE]
    assert release.status == UNKNOWN
    assert "release_label" in release.detail
    assert "'emr-7.x'" in release.detail
    assert CONNECTOR not in by_name(report)
    assert report.verdict == VERDICT_NOT_CHECKED


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


def test_fs_s3_impl_is_read_trimmed_as_hadoop_reads_it() -> None:
    # Hadoop's FileSystem takes fs.s3.impl through Configuration.getClass, which trims the value: EMRFS
    # serves s3:// here, so turning the S3A translation off leaves only s3a:// URIs unmapped.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {
            "Classification": "core-site",
            "Properties": {"fs.s3.impl": f" {EMRFS_IMPL}\n", "fs.s3a.emrfs.compatibility.enable": "false"},
        }
    ]

    links = by_name(check_chain(state))

    assert links[CONNECTOR].status == PASS
    assert links["s3a:// connector"].status == WARN


@pytest.mark.parametrize("padding", ["\u00a0", "\u3000", "\u2003"])
def test_fs_s3_impl_padded_with_a_space_java_keeps_is_not_known(padding: str) -> None:
    # Java's String.trim removes only characters up to U+0020 (Java SE API, String.trim): Configuration.getClass
    # (getTrimmed, then getClassByName) finds no class of this name, so s3:// is not EMRFS as the value reads.
    # Python's str.strip removed the padding and read it as EMRFS kept (a PASS); now "not checked", naming it.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL + padding}}]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == UNKNOWN
    assert f"fs.s3.impl={EMRFS_IMPL + padding!r}" in connector.detail
    assert "fs.s3.impl" in connector.fix
    assert report.verdict == VERDICT_NOT_CHECKED


@pytest.mark.parametrize(
    "impl", ["com.example.fs.WrappedEmrFileSystem", "com.amazon.ws.emr.hadoop.fs.EmrFileSystem$Sub", "S3AFileSystem"]
)
def test_fs_s3_impl_naming_another_class_leaves_the_connector_not_known(impl: str) -> None:
    # A class neither EMRFS's nor S3A's (a customer's class, a subclass, a wrapper) was read as "not EMRFS", so S3A
    # with its translated role mappings, and the connector link passed: AWS documents what neither class does.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == UNKNOWN, connector
    assert f"fs.s3.impl={impl!r}" in connector.detail
    assert "fs.s3.impl" in connector.fix
    assert report.verdict == VERDICT_NOT_CHECKED


def test_fs_s3_impl_naming_s3a_is_s3a() -> None:
    # Apache Hadoop, core-default.xml: fs.s3a.impl org.apache.hadoop.fs.s3a.S3AFileSystem, "The implementation class
    # of the S3A Filesystem": S3A, as the release's default is, its role mappings translated.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3.impl": " org.apache.hadoop.fs.s3a.S3AFileSystem\n"}}
    ]

    connector = by_name(check_chain(state))[CONNECTOR]

    assert connector.status == PASS
    assert "translates" in connector.detail


def test_s3a_release_without_fs_s3_impl_passes() -> None:
    # AWS, Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": EMR translates
    # fs.s3.authorization.roleMapping to the S3A setting, so role mappings apply under S3A too.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.defaultFS": "hdfs:///"}}]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == PASS
    assert "S3A" in connector.detail
    assert "translates" in connector.detail
    assert report.healthy


def test_s3a_serving_s3_leaves_its_requests_not_checked_and_says_why() -> None:
    """
    Where S3A serves s3://, the write links judge EMRFS's request list, and AWS documents no list of the requests
    S3A's committers send (their __magic paths and multipart uploads; Amazon EMR Release Guide, "Migration guide:
    EMRFS to S3A filesystem", documents only which settings carry over and that S3A's directories "end with a '/'
    suffix"), nor how S3A matches an s3a:// URI against the mappings' s3:// prefixes. So the verdict is not PASS on
    them (it was), and a passing probe, one small PutObject, does not settle it; with EMRFS kept there is no such link.
    """
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {}}]

    report = check_chain(state)

    link = by_name(report)["S3A's requests"]
    assert link.status == UNKNOWN
    assert "__magic" in link.detail
    assert "s3a://" in link.detail
    # The fix: the setting the guide gives to keep EMRFS (the one that drops the link below), the launch operator's
    # parameter that sets it, and s3:// (s3a:// stays S3A: the guide's fs.s3.impl names the s3 scheme only).
    assert link.fix == (
        f"keep EMRFS for s3:// (core-site fs.s3.impl={EMRFS_IMPL}; LaunchClusterWithSecConfigOperator keep_emrfs=True) "
        "and write through s3://"
    )
    assert report.verdict == "NOT_CHECKED", report.table()
    assert "S3A's requests" in NOT_SETTLED_BY_PROBE

    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}]
    assert "S3A's requests" not in by_name(check_chain(state))


@pytest.mark.parametrize("value", ["false", "FALSE", " False"])
def test_s3a_release_with_the_emrfs_translation_off_fails(value: str) -> None:
    # Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": core-site
    # fs.s3a.emrfs.compatibility.enable=false disables the translation of fs.s3.authorization.roleMapping.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": value}}
    ]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == FAIL
    assert "fs.s3a.emrfs.compatibility.enable=false" in connector.detail
    assert "keep_emrfs=True" in connector.fix
    assert not report.healthy


def test_emrfs_kept_with_the_translation_off_warns_for_s3a_uris() -> None:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {
            "Classification": "core-site",
            "Properties": {"fs.s3.impl": EMRFS_IMPL, "fs.s3a.emrfs.compatibility.enable": "false"},
        }
    ]

    links = by_name(check_chain(state))

    assert links[CONNECTOR].status == PASS
    assert links["s3a:// connector"].status == WARN
    assert "s3a:// URIs" in links["s3a:// connector"].detail


@pytest.mark.parametrize(
    ("release", "value", "status"),
    [
        pytest.param("emr-7.10.0", "true", PASS, id="7.10.0-on"),
        pytest.param("emr-7.9.0", "false", None, id="7.9.0-off-emrfs-anyway"),
    ],
)
def test_the_emrfs_translation_switch_matters_only_when_off_on_s3a(
    release: str, value: str, status: str | None
) -> None:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": value}}
    ]

    links = by_name(check_chain(state))

    assert (links[CONNECTOR].status if CONNECTOR in links else None) == status
    assert "s3a:// connector" not in links


@pytest.mark.parametrize("value", ["false\u00a0", "\u2003FALSE", "no"])
@pytest.mark.parametrize("keep", [False, True])
def test_an_emrfs_translation_switch_neither_true_nor_false_is_not_checked(value: str, keep: bool) -> None:
    # Hadoop's Configuration.getBoolean trims with Java's String.trim (up to U+0020 only), true/false in any case;
    # another value takes the caller's default, which the migration guide does not document: not a FAIL, not a PASS.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    properties = {"fs.s3a.emrfs.compatibility.enable": value, **({"fs.s3.impl": EMRFS_IMPL} if keep else {})}
    state.cluster_configurations = [{"Classification": "core-site", "Properties": properties}]

    links = by_name(check_chain(state))

    unknown = links["s3a:// connector" if keep else CONNECTOR]
    assert unknown.status == UNKNOWN
    assert "neither true nor false" in unknown.detail
    assert links[CONNECTOR].status == (PASS if keep else UNKNOWN)


def test_a_user_mapping_before_a_prefix_mapping_warns_in_the_verifier() -> None:
    # AWS, EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": mappings are
    # tried top-down across all types; the first match wins.
    state = healthy_state()
    other = ROLE.replace("writer", "analyst") if "writer" in ROLE else ROLE + "-analyst"
    state.security_configuration = build_security_configuration(
        validate_role_mappings(
            [
                {"Role": other, "IdentifierType": "User", "Identifiers": ["analyst"]},
                {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]},
            ]
        )
    )

    links = [link for link in check_chain(state).links if link.link == "mapping not captured by another type"]

    assert [(link.mapping, link.status) for link in links] == [(1, WARN)]
    assert "'analyst'" in links[0].detail
    assert "first mapping that matches" in links[0].detail


def test_a_group_mapping_before_another_group_mapping_warns_in_the_verifier() -> None:
    # A user in both groups is sent as the first mapping's role (EMR Management Guide, "Configure IAM roles
    # for EMRFS requests to Amazon S3": Hadoop groups; the first match wins), which the second's checks assume not.
    state = healthy_state()
    state.security_configuration = mappings((BROAD_ROLE, "Group", "analysts"), (ROLE, "Group", "partner-b"))
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE)
    state.emr_role.policies = [(f"inline policy {ASSUME_POLICY_NAME}", assume_role_policy([ROLE, BROAD_ROLE]))]

    links = [link for link in check_chain(state).links if link.link == "mapping not captured by another type"]

    assert [(link.mapping, link.status) for link in links] == [(1, WARN)]
    assert "both group 'analysts' and group 'partner-b'" in links[0].detail


def test_the_verifier_reports_no_cross_type_capture_for_a_single_mapping() -> None:
    report = check_chain(healthy_state())
    assert "mapping not captured by another type" not in by_name(report)


#: An STS interface endpoint that works: the VPC's DNS on, its security group letting the subnet in on HTTPS.
OPEN_STS_ENDPOINT = {
    "dns_support": True,
    "dns_hostnames": True,
    "subnet_cidr": "10.0.1.0/24",
    "endpoint_ingress": (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),),
}


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (SubnetFacts("subnet-1", "eu-west-1", False, False, False, False), FAIL),
        (SubnetFacts("subnet-1", "eu-west-1", False, False, False, True, **OPEN_STS_ENDPOINT), PASS),  # type: ignore[arg-type]
        (SubnetFacts("subnet-1", "eu-west-1", True, False, False, False, dns_support=True), PASS),
    ],
    ids=["private-no-endpoint", "sts-interface-endpoint", "nat-route"],
)
def test_the_cluster_must_reach_the_regional_sts_endpoint(facts: SubnetFacts, status: str) -> None:
    # AWS, Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint":
    # 5.31.0/6.1.0 and later call the Regional endpoint.
    state = healthy_state()
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts)

    link = by_name(check_chain(state))["cluster reaches STS"]

    assert link.status == status
    assert "sts.eu-west-1.amazonaws.com" in link.detail
    if status == FAIL:
        assert "com.amazonaws.eu-west-1.sts" in link.fix
        assert not check_chain(state).healthy


@pytest.mark.parametrize(
    ("hostnames", "status", "verdict"),
    [(True, PASS, VERDICT_PASS), (False, FAIL, VERDICT_FAIL), (None, UNKNOWN, VERDICT_NOT_CHECKED)],
)
def test_the_sts_endpoint_counts_only_with_the_vpc_dns_its_private_dns_needs(
    hostnames: bool | None, status: str, verdict: str
) -> None:
    # Amazon EC2 API Reference, "CreateVpcEndpoint", PrivateDnsEnabled: "To use a private hosted zone, you must
    # set the following VPC attributes to true: enableDnsHostnames and enableDnsSupport".
    facts = SubnetFacts(
        "subnet-1",
        "eu-west-1",
        False,
        False,
        False,
        True,
        **{**OPEN_STS_ENDPOINT, "vpc_id": "vpc-1", "dns_hostnames": hostnames},  # type: ignore[arg-type]
    )
    state = healthy_state()
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts)

    report = check_chain(state)

    assert by_name(report)["cluster reaches STS"].status == status
    assert report.verdict == verdict
    if status == FAIL:
        assert (
            "modify-vpc-attribute --vpc-id vpc-1 --enable-dns-hostnames" in by_name(report)["cluster reaches STS"].fix
        )


def test_without_a_cluster_subnet_there_is_no_sts_link() -> None:
    assert "cluster reaches STS" not in by_name(check_chain(healthy_state()))


def test_a_refused_read_of_the_clusters_network_leaves_sts_not_checked() -> None:
    state = healthy_state()
    state.sts_reachability = Unreadable("ec2:DescribeRouteTables denied")

    report = check_chain(state)

    link = by_name(report)["cluster reaches STS"]
    assert (link.status, link.detail) == (UNKNOWN, "ec2:DescribeRouteTables denied")
    assert "ec2:Describe*" in link.fix
    assert report.verdict == VERDICT_NOT_CHECKED


def test_a_refused_read_of_the_clusters_subnet_leaves_each_buckets_s3_route_not_checked() -> None:
    # Without the subnet's routes, whether it reaches S3 of the bucket's Region (a gateway endpoint serves its own
    # Region only: Amazon VPC User Guide, "Gateway endpoints for Amazon S3") is not known: not a silent pass.
    state = healthy_state()
    state.subnet = Unreadable("ec2:DescribeSubnets denied")

    report = check_chain(state)

    link = by_name(report)[f"cluster reaches s3://{BUCKET}"]
    assert (link.status, link.detail, link.prefix) == (UNKNOWN, "ec2:DescribeSubnets denied", f"s3://{BUCKET}/")
    assert "ec2:Describe*" in link.fix
    assert report.verdict == VERDICT_NOT_CHECKED


def test_s3a_release_with_unknown_cluster_settings_is_not_checked() -> None:
    # fs.s3a.emrfs.compatibility.enable=false there would send every write as the EC2 instance profile.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = None

    connector = by_name(check_chain(state))[CONNECTOR]
    assert connector.status == UNKNOWN
    assert "cluster_id" in connector.fix


def test_a_configuration_checked_as_its_create_task_pushed_it_warns() -> None:
    # Deleted after its create task ran: the launch operator creates it again under the same name.
    state = healthy_state()
    state.security_configuration_from_create_task = True

    report = check_chain(state)

    link = by_name(report)["security configuration exists"]
    assert link.status == WARN
    assert "deleted after its create task ran" in link.detail
    assert report.verdict == VERDICT_PASS


def test_a_missing_emr_ec2_role_fails() -> None:
    state = healthy_state()
    state.emr_role = None

    report = check_chain(state)

    link = by_name(report)["EMR EC2 role"]
    assert link.status == FAIL
    assert "not found in the EMR account" in link.detail
    assert "emr_ec2_role_name" in link.fix
    assert report.verdict == VERDICT_FAIL
    # Nothing is judged as a role that does not exist.
    assert by_name(report)[ASSUME].status == UNKNOWN
    assert not any(item.principal == EMR_ROLE for item in report.evaluated)


def test_an_emr_ec2_role_read_in_part_is_not_checked() -> None:
    state = healthy_state()
    assert isinstance(state.emr_role, RoleState)
    state.emr_role.unreadable = "iam:ListAttachedRolePolicies denied"

    report = check_chain(state)

    assert (by_name(report)["EMR EC2 role"].status, by_name(report)["EMR EC2 role"].detail) == (
        UNKNOWN,
        "iam:ListAttachedRolePolicies denied",
    )
    assert by_name(report)[ASSUME].status == UNKNOWN
    assert report.verdict == VERDICT_NOT_CHECKED


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
    assert "FAIL" in report.table()


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

    link = by_name(report)[ROLE_LINK]
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


def test_a_bucket_another_account_owns_fails_and_names_the_expected_owner() -> None:
    """
    S3 User Guide, "Verifying bucket ownership with bucket owner condition": S3 refuses a request whose
    ExpectedBucketOwner is not the bucket's owner (403); the verifier reads nothing more of that bucket.
    """
    state = healthy_state()
    state.buckets[BUCKET] = OtherOwner(DESTINATION_ACCOUNT)

    report = check_chain(state)

    link = by_name(report)[f"bucket {BUCKET}"]
    assert link.status == FAIL
    assert f"not owned by the destination account {DESTINATION_ACCOUNT}" in link.detail
    assert f"ExpectedBucketOwner={DESTINATION_ACCOUNT} (403)" in link.detail
    assert "another account took" in link.fix
    assert OWNER not in by_name(report)  # nothing else of that bucket is judged
    assert not report.healthy


def test_an_s3_endpoint_setting_of_a_space_java_keeps_is_a_setting() -> None:
    """
    Hadoop's Configuration.getTrimmed is Java's String.trim (characters up to U+0020 only): a no-break space is an
    endpoint value to it, not an unset one; Python's strip emptied it and the route to S3's Regional name passed.
    """
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.subnet = SubnetFacts("subnet-1", "eu-west-1", True, False, False, False, dns_support=True)
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.s3a.endpoint": "\u00a0"}}]

    link = by_name(check_chain(state))[f"cluster reaches s3://{BUCKET}"]

    assert link.status == UNKNOWN, link
    assert "fs.s3a.endpoint" in link.detail


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.endpoint"),
        ("emr-7.10.0", "emrfs-site", "fs.s3n.endpoint"),  # translated to S3A's fs.s3a.endpoint
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.endpoint"),
    ],
)
def test_a_connector_pointed_at_an_s3_endpoint_of_its_own_leaves_the_route_not_checked(
    release: str, classification: str, setting: str
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
    ``fs.s3n.endpoint`` (EMRFS) maps to ``fs.s3a.endpoint`` (S3A), the S3 endpoint the connector calls. The subnet's
    facts show the way to S3's Regional name (here a NAT route: PASS); with the connector pointed elsewhere (an
    interface endpoint's own name, another Region) that way is not the one read: not checked, naming the setting
    (it passed). Nor is a subnet with no way out to S3's Regional name a FAIL then (it was): an interface endpoint's
    own DNS name reaches that endpoint with no route out (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3",
    "Accessing Amazon S3 interface endpoints").
    """
    state = healthy_state()
    state.release_label = release
    state.subnet = SubnetFacts("subnet-1", "eu-west-1", True, False, False, False, dns_support=True)
    name = f"cluster reaches s3://{BUCKET}"
    assert by_name(check_chain(state))[name].status == PASS

    value = "bucket.vpce-0a1b2c3d-4e5f.s3.eu-west-1.vpce.amazonaws.com"
    state.cluster_configurations = [{"Classification": classification, "Properties": {setting: value}}]
    link = by_name(check_chain(state))[name]
    assert link.status == UNKNOWN, link
    assert f"={value}" in link.detail
    assert (setting if classification == "core-site" else "fs.s3n.endpoint") in link.detail

    state.subnet = SubnetFacts("subnet-1", "eu-west-1", False, False, False, False, s3_gateway_endpoint=False)
    unset = copy.deepcopy(state)
    unset.cluster_configurations = []
    assert by_name(check_chain(unset))[name].status == FAIL
    link = by_name(check_chain(state))[name]
    assert link.status == UNKNOWN, link
    assert f"={value}" in link.detail


def test_a_bucket_another_account_owns_gets_no_route_link_beside_its_own_fail() -> None:
    """
    The route to S3 of a bucket another account owns is not judged: its Region is that account's bucket's, not the
    partner's, and the bucket's own FAIL (ExpectedBucketOwner, 403) already decides; a private subnet would otherwise
    add a second, misleading link about the way to it.
    """
    state = healthy_state()
    state.buckets[BUCKET] = OtherOwner(DESTINATION_ACCOUNT)
    state.subnet = SubnetFacts("subnet-1", "eu-west-1", False, False, False, False, s3_gateway_endpoint=True)

    links = by_name(check_chain(state))

    assert links[f"bucket {BUCKET}"].status == FAIL
    assert f"cluster reaches s3://{BUCKET}" not in links


def test_missing_key_fails() -> None:
    state = healthy_state()
    state.key_policies[KEY] = None

    link = by_name(check_chain(state))[KMS]
    assert link.status == FAIL
    assert "does not exist" in link.detail


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


# --- The mapped role is the role: whole ARN ----------------------------------------------------------


@pytest.mark.parametrize(
    "mapped",
    [
        f"arn:aws:iam::{THIRD_ACCOUNT}:role/partner-writer",  # another account
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/partner-writer",  # another path
        f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/partner-writer",  # another partition
    ],
    ids=["account", "path", "partition"],
)
def test_a_mapping_naming_another_arn_than_the_roles_fails(mapped: str) -> None:
    # The verifier read the role of that name in the destination account (GetRole returns its Arn).
    state = healthy_state()
    state.security_configuration = mappings((mapped, "Prefix", IDENTIFIER))
    state.destination_roles = {mapped: destination_role()}

    report = check_chain(state)

    link = by_name(report)[ROLE_LINK]
    assert link.status == FAIL
    assert mapped in link.detail
    assert ROLE in link.detail
    assert ROLE in link.fix
    assert failing(report) == [ROLE_LINK]  # nothing is judged for a role that is not the mapped one


def test_a_role_the_verifier_could_not_read_is_not_checked() -> None:
    state = healthy_state()
    state.destination_roles[ROLE] = Unreadable("iam:GetRole on RoleName=partner-writer was denied in account 222")

    report = check_chain(state)

    link = by_name(report)[ROLE_LINK]
    assert link.status == UNKNOWN
    assert "iam:GetRole" in link.detail
    assert report.healthy
    assert report.verdict == VERDICT_NOT_CHECKED


# --- Permissions boundaries --------------------------------------------------------------------------


def _boundary(*actions: str) -> tuple[str, dict[str, Any]]:
    return ("permissions boundary Boundary", document({"Effect": "Allow", "Action": list(actions), "Resource": "*"}))


def test_a_boundary_allowing_only_sqs_breaks_every_s3_and_kms_link() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.boundary = _boundary("sqs:*")
    # The key policy names the role itself: still limited by the boundary (a role ARN, not a session).
    report = check_chain(state)

    assert report.verdict == VERDICT_FAIL
    # The rename (requests.RENAME_REQUESTS) FAILs as the uploads do: the boundary refuses every job, not only renames.
    assert set(failing(report)) == {f"{step} {PREFIX}" for step in STEPS} | {KMS}
    assert RENAME in set(failing(report))
    assert "as the write's own requests are" in by_name(report)[RENAME].detail
    assert "boundary" in by_name(report)[WRITE].fix


def test_a_boundary_allowing_s3_and_kms_passes() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.boundary = _boundary("s3:*", "kms:*")

    assert check_chain(state).verdict == VERDICT_PASS


def test_a_deny_in_the_boundary_wins() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.boundary = (
        "permissions boundary Boundary",
        document(
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ),
    )

    report = check_chain(state)

    # The rename's delete of its source is refused by the same statement: a FAIL as the job commit (every job fails).
    assert failing(report) == [RENAME, f"job commit {PREFIX}"]
    assert by_name(report)[f"job commit {PREFIX}"].statement == "permissions boundary Boundary: Sid NoDeletes"
    assert by_name(report)[RENAME].statement == "permissions boundary Boundary: Sid NoDeletes"


def test_a_notprincipal_deny_never_spares_a_role_with_a_boundary() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.boundary = _boundary("s3:*", "kms:*")
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "OnlyPartner",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [ROLE, f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"]},
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    )

    report = check_chain(state)

    assert by_name(report)[LOOKUP].status == FAIL
    assert by_name(report)[LOOKUP].statement == "bucket policy: Sid OnlyPartner"


# --- The request context AWS sends: common guards ---------------------------------------------------


def _key_users_with(condition: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        statement = key_users_statement([ROLE])
        statement["Condition"] = condition
        state.key_policies[KEY] = document(ADMIN_STATEMENT, statement)

    return change


def _key_policy_extra(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        policy = state.key_policies[KEY]
        assert isinstance(policy, dict)
        policy["Statement"].append(statement)

    return change


def _bucket_statement(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        state.buckets[BUCKET].policy = document(statement)  # type: ignore[union-attr]

    return change


def _tag_role(tags: dict[str, str]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        role = state.destination_roles[ROLE]
        assert isinstance(role, RoleState)
        role.tags = tags

    return change


def _role_statement(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        role = state.destination_roles[ROLE]
        assert isinstance(role, RoleState)
        role.policies.append(("inline policy guard", document(statement)))

    return change


def _bucket_region(region: str | None) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        state.buckets[BUCKET].region = region  # type: ignore[union-attr]

    return change


REGION_GUARD = {
    "Sid": "DenyOutsideApprovedRegions",
    "Effect": "Deny",
    "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
}


ANY_BUCKET = [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
TEAM_GUARD = {
    "Sid": "OnlyDataTeam",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ANY_BUCKET,
    "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "data"}},
}


@dataclass(frozen=True)
class Guard:
    id: str
    changes: tuple[Callable[[ChainState], None], ...]
    verdict: str
    #: A link that must have failed (or not been checked), when the verdict is not PASS.
    link: str = ""
    #: Source: the AWS documentation page the outcome follows.
    source: str = ""


GUARDS = [
    Guard(
        "key-user-on-regional-via-service",
        (_key_users_with({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),),
        VERDICT_PASS,
        source="KMS Developer Guide, kms:ViaService (S3 calls KMS as s3.<region>.amazonaws.com)",
    ),
    Guard(
        "key-user-on-global-via-service-name",
        (_key_users_with({"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}}),),
        VERDICT_FAIL,
        KMS,
        "KMS Developer Guide, kms:ViaService: the value is the regional endpoint name",
    ),
    # The key (and so the bucket, which S3 only encrypts with a key of its own Region: S3 User Guide, "Using
    # server-side encryption with AWS KMS keys (SSE-KMS)") is in us-east-1; the destination connection is in
    # eu-west-1. S3 of us-east-1 calls KMS, so kms:ViaService is s3.us-east-1.amazonaws.com.
    Guard(
        "key-user-on-the-keys-region-with-a-connection-of-another-region",
        (
            _key_users_with({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),
            lambda state: setattr(state, "region", "eu-west-1"),
        ),
        VERDICT_PASS,
        source="KMS Developer Guide, kms:ViaService; S3 User Guide, SSE-KMS: the key is in the bucket's Region",
    ),
    Guard(
        "key-user-on-the-connections-region-not-the-keys",
        (
            _key_users_with({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
            lambda state: setattr(state, "region", "eu-west-1"),
        ),
        VERDICT_FAIL,
        KMS,
        "KMS Developer Guide, kms:ViaService; S3 User Guide, SSE-KMS: the key is in the bucket's Region",
    ),
    Guard(
        "key-deny-outside-the-keys-region",
        (
            _key_policy_extra(
                {
                    "Sid": "OnlyInRegion",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
                }
            ),
            lambda state: setattr(state, "region", "eu-west-1"),
        ),
        VERDICT_FAIL,
        KMS,
        "IAM User Guide, aws:RequestedRegion: the Region of the endpoint called (KMS of the key's Region)",
    ),
    # The common "deny outside the approved Regions" statement (IAM User Guide, "AWS: Denies access to AWS based
    # on the requested Region"), here in the destination role's own policy. aws:RequestedRegion of an S3
    # request is the bucket's Region (HeadBucket x-amz-bucket-region), not the destination connection's.
    Guard(
        "region-deny-with-the-bucket-in-another-region-than-the-connection",
        (
            _role_statement(REGION_GUARD),
            _bucket_region("eu-west-1"),
            lambda state: setattr(state.buckets[BUCKET], "sse_algorithm", "AES256"),
        ),
        VERDICT_FAIL,
        LOOKUP,
        "IAM User Guide, aws:RequestedRegion; S3 API Reference, HeadBucket (x-amz-bucket-region)",
    ),
    Guard(
        "region-deny-with-the-bucket-in-the-approved-region",
        (
            _role_statement(REGION_GUARD),
            _bucket_region("us-east-1"),
            lambda state: setattr(state, "region", "eu-west-1"),
        ),
        VERDICT_PASS,
        source="IAM User Guide, aws:RequestedRegion; S3 API Reference, HeadBucket (x-amz-bucket-region)",
    ),
    Guard(
        "region-deny-with-the-buckets-region-not-read",
        (_role_statement(REGION_GUARD), _bucket_region(None)),
        VERDICT_NOT_CHECKED,
        LOOKUP,
        "design: without the bucket's Region the Region S3 authorizes the request in is not known",
    ),
    # The data perimeter's key policy statement: deny outside the network unless an AWS service calls on the
    # principal's behalf. S3's calls to KMS are forward access sessions, aws:ViaAWSService true (IAM User Guide,
    # "Forward access sessions"), so the Deny does not apply whatever aws:SourceVpce would be.
    Guard(
        "key-deny-outside-the-network-spares-calls-via-s3",
        (
            _key_policy_extra(
                {
                    "Sid": "NetworkPerimeter",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Condition": {
                        "StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1234"},
                        "BoolIfExists": {"aws:ViaAWSService": "false"},
                    },
                }
            ),
        ),
        VERDICT_PASS,
        source='IAM User Guide, "Forward access sessions": aws:ViaAWSService is true on FAS requests',
    ),
    Guard(
        "deny-unless-via-s3",
        (
            _key_policy_extra(
                {
                    "Sid": "OnlyThroughS3",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Condition": {"StringNotLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
                }
            ),
        ),
        VERDICT_PASS,
        source="KMS Developer Guide, kms:ViaService",
    ),
    Guard(
        "principal-star-with-caller-account",
        (
            lambda state: state.key_policies.__setitem__(
                KEY,
                document(
                    {
                        "Sid": "AccountThroughS3",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "kms:CallerAccount": DESTINATION_ACCOUNT,
                                "kms:ViaService": "s3.us-east-1.amazonaws.com",
                            }
                        },
                    }
                ),
            ),
        ),
        VERDICT_PASS,
        source="the aws/s3 key's policy pattern (KMS Developer Guide, kms:CallerAccount)",
    ),
    Guard(
        "principal-star-with-another-caller-account",
        (
            lambda state: state.key_policies.__setitem__(
                KEY,
                document(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "kms:*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"kms:CallerAccount": THIRD_ACCOUNT}},
                    }
                ),
            ),
        ),
        VERDICT_FAIL,
        KMS,
        "KMS Developer Guide, kms:CallerAccount",
    ),
    Guard(
        "deny-on-principal-arn-of-the-role",
        (
            _bucket_statement(
                {
                    "Sid": "NoPartnerWriter",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": ANY_BUCKET,
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}},
                }
            ),
        ),
        VERDICT_FAIL,
        f"mkdirs {PREFIX}",
        "IAM User Guide, aws:PrincipalArn: for a role session it is the role's ARN",
    ),
    Guard(
        "deny-unless-principal-arn-like-partner-roles",
        (
            _bucket_statement(
                {
                    "Sid": "OnlyPartnerRoles",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/partner-*"}},
                }
            ),
        ),
        VERDICT_PASS,
        source="IAM User Guide, condition operators: ArnLike per ARN component",
    ),
    Guard("bucket-deny-on-missing-principal-tag", (_bucket_statement(TEAM_GUARD),), VERDICT_FAIL, LOOKUP),
    Guard(
        "bucket-deny-on-other-principal-tag",
        (_bucket_statement(TEAM_GUARD), _tag_role({"team": "ops"})),
        VERDICT_FAIL,
        LOOKUP,
        "IAM User Guide, aws:PrincipalTag: the role's tags for a role session",
    ),
    Guard(
        "bucket-deny-spares-the-principal-tag",
        (_bucket_statement(TEAM_GUARD), _tag_role({"team": "data"})),
        VERDICT_PASS,
        source="IAM User Guide, aws:PrincipalTag",
    ),
    Guard(
        "deny-other-resource-accounts",
        (
            _bucket_statement(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                    "Condition": {"StringNotEquals": {"aws:ResourceAccount": DESTINATION_ACCOUNT}},
                }
            ),
        ),
        VERDICT_PASS,
        source="IAM User Guide, aws:ResourceAccount",
    ),
    Guard(
        "deny-outside-a-vpc-endpoint-is-not-known-before-the-job-runs",
        (
            _bucket_statement(
                {
                    "Sid": "OnlyFromVpce",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1234"}},
                }
            ),
        ),
        VERDICT_NOT_CHECKED,
        LOOKUP,
        "design: aws:SourceVpce depends on the cluster's network path, not on any document read",
    ),
    Guard(
        "deny-by-source-ip-is-not-known",
        (
            _bucket_statement(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                }
            ),
        ),
        VERDICT_NOT_CHECKED,
        LOOKUP,
        "design: aws:SourceIp is only known when the job runs",
    ),
    Guard(
        "deny-public-acl-with-unknown-cluster-settings",
        (
            _bucket_statement(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": ANY_BUCKET,
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}},
                }
            ),
            lambda state: setattr(state, "cluster_configurations", None),
        ),
        VERDICT_NOT_CHECKED,
        f"mkdirs {PREFIX}",
        "design: the upload headers depend on the cluster's emrfs-site (pass cluster_id)",
    ),
    Guard(
        "deny-unencrypted-upload-denies-upload-part-even-with-emrfs-sse-kms",
        (
            _bucket_statement(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": ANY_BUCKET,
                    "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
                }
            ),
            lambda state: setattr(
                state,
                "cluster_configurations",
                [
                    {
                        "Classification": "emrfs-site",
                        "Properties": {
                            "fs.s3.enableServerSideEncryption": "true",
                            "fs.s3.serverSideEncryption.kms.keyId": KEY,
                        },
                    }
                ],
            ),
        ),
        VERDICT_FAIL,
        WRITE,
        "UploadPart carries no x-amz-server-side-encryption header (boto/botocore#471, aws/aws-cli#4251)",
    ),
    Guard(
        "notprincipal-deny-naming-only-the-role",
        (
            _bucket_statement(
                {
                    "Sid": "OnlyPartner",
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": [ROLE, f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"]},
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                }
            ),
        ),
        VERDICT_FAIL,
        LOOKUP,
        "IAM User Guide, NotPrincipal: a role's sessions are denied unless the session ARN is listed too",
    ),
    Guard(
        "notprincipal-deny-naming-role-session-and-account",
        (
            _bucket_statement(
                {
                    "Sid": "OnlyPartner",
                    "Effect": "Deny",
                    "NotPrincipal": {
                        "AWS": [
                            ROLE,
                            f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/partner-writer/emrfs",
                            f"arn:aws:iam::{DESTINATION_ACCOUNT}:root",
                        ]
                    },
                    "Action": "s3:*",
                    "Resource": ANY_BUCKET,
                }
            ),
        ),
        VERDICT_NOT_CHECKED,
        LOOKUP,
        "design: EMRFS chooses the session name, so whether the listed session is EMRFS's is not known",
    ),
]


@pytest.mark.parametrize("case", GUARDS, ids=[case.id for case in GUARDS])
def test_common_guards_are_judged_with_the_context_aws_sends(case: Guard) -> None:
    state = healthy_state()
    for change in case.changes:
        change(state)

    report = check_chain(state)

    assert report.verdict == case.verdict, report.table()
    if case.link:
        expected = FAIL if case.verdict == VERDICT_FAIL else UNKNOWN
        assert by_name(report)[case.link].status == expected
    if case.verdict == VERDICT_NOT_CHECKED:
        assert all("probe" in link.fix for link in report.links if link.status == UNKNOWN)


# --- What EMRFS sends for the prefix's own key and its marker ---------------------------------------


def test_an_identifier_with_a_trailing_slash_leaves_the_marker_to_the_emr_role() -> None:
    # s3://b/exports/ does not match s3://b/exports nor s3://b/exports_$folder$: EMRFS sends those as
    # the EC2 instance profile role, which the bucket (in another account) does not allow.
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))

    report = check_chain(state)

    lookup = by_name(report)[LOOKUP]
    assert lookup.status == FAIL
    assert f"HeadObject s3://{BUCKET}/exports as {EMR_ROLE}" in lookup.detail
    assert "without its trailing slash" in lookup.fix


# --- Reads that were refused, and the second opinion -------------------------------------------------


def _ownership_unread_and_an_acl_bucket_owner_enforced_refuses(state: ChainState) -> None:
    """
    The writer is in the bucket's account, which owns its objects under any setting; but the uploads carry
    x-amz-acl bucket-owner-read, which a BucketOwnerEnforced bucket refuses: the setting not read decides.
    """
    bucket = state.buckets[BUCKET]
    role = state.destination_roles[ROLE]
    assert isinstance(bucket, BucketState)
    assert isinstance(role, RoleState)
    bucket.unreadable["ownership"] = "s3:GetBucketOwnershipControls denied"
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerRead"}}
    ]
    allow_acl = {"Effect": "Allow", "Action": "s3:PutObjectAcl", "Resource": f"arn:aws:s3:::{BUCKET}/exports*"}
    role.policies.append(("inline policy object-acl", document(allow_acl)))


@pytest.mark.parametrize(
    ("change", "link"),
    [
        (lambda state: state.key_policies.__setitem__(KEY, Unreadable("kms:GetKeyPolicy denied")), KMS),
        (lambda state: state.buckets[BUCKET].unreadable.update(policy="s3:GetBucketPolicy denied"), LOOKUP),
        (_ownership_unread_and_an_acl_bucket_owner_enforced_refuses, OWNER),
        (lambda state: setattr(state, "emr_role", Unreadable("iam:GetRole denied")), "EMR EC2 role"),
        (
            lambda state: setattr(state, "security_configuration", Unreadable("emr:Describe… denied")),
            "security configuration exists",
        ),
        (
            lambda state: setattr(state.destination_roles[ROLE], "unreadable", "iam:ListRolePolicies denied"),
            ROLE_LINK,
        ),
        (lambda state: state.buckets.__setitem__(BUCKET, Unreadable("s3:HeadBucket denied")), f"bucket {BUCKET}"),
    ],
    ids=[
        "key-policy",
        "bucket-policy",
        "ownership",
        "emr-role",
        "security-configuration",
        "destination-role-part",
        "bucket",
    ],
)
def test_a_refused_read_makes_its_link_not_checked(change: Callable[[ChainState], None], link: str) -> None:
    state = healthy_state()
    change(state)

    report = check_chain(state)

    assert by_name(report)[link].status == UNKNOWN
    assert "denied" in by_name(report)[link].detail
    assert report.verdict == VERDICT_NOT_CHECKED
    assert report.healthy


def test_the_simulator_agreeing_passes_and_disagreeing_is_not_checked() -> None:
    state = healthy_state()
    first = check_chain(state)
    state.simulations = {asked(item): "allowed" for item in first.evaluated}

    agreeing = check_chain(state)
    name = "second opinion (iam:SimulatePrincipalPolicy, identity side)"
    assert by_name(agreeing)[name].status == PASS

    # Our identity side says the EMR role may not write the bucket; the simulator says allowed for all.
    state.simulations = {asked(item): "implicitDeny" for item in first.evaluated}
    disagreeing = check_chain(state)
    assert by_name(disagreeing)[name].status == UNKNOWN
    assert "disagreement" in by_name(disagreeing)[name].detail
    assert disagreeing.verdict == VERDICT_NOT_CHECKED


def test_the_simulator_is_asked_about_the_emr_roles_assume_role_too() -> None:
    # The EMR EC2 role's identity side of sts:AssumeRole is compared with the simulator like every S3 request.
    state = healthy_state()
    first = check_chain(state)
    state.simulations = {asked(item): "allowed" for item in first.evaluated}
    [assume] = [asked(item) for item in first.evaluated if item.action == "sts:AssumeRole"]
    assert assume[:3] == (EMR_ROLE, "sts:AssumeRole", ROLE)
    state.simulations[assume] = "implicitDeny"

    link = by_name(check_chain(state))["second opinion (iam:SimulatePrincipalPolicy, identity side)"]

    assert link.status == UNKNOWN
    assert f"sts:AssumeRole on {ROLE} as {EMR_ROLE}: simulator implicitDeny, local allowed" in link.detail


def test_a_trust_condition_on_what_only_the_cluster_knows_leaves_assume_role_not_checked() -> None:
    # The instances' source IP address is not known to the verifier: the answer depends on it.
    state = healthy_state()
    trust = trust_statement([EMR_ROLE])
    state.destination_roles[ROLE].trust_policy = document(
        {**trust, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    )

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == UNKNOWN
    assert "depends on" in link.detail
    assert "probe" in link.fix


def test_a_deny_in_the_emr_roles_own_policy_fails_assume_role_and_names_it() -> None:
    state = healthy_state()
    deny = {"Sid": "NoPartners", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": ROLE}
    state.emr_role.policies.append(("inline policy guard", document(deny)))

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == FAIL
    assert link.statement == "inline policy guard: Sid NoPartners"
    assert link.fix == "a Deny in inline policy guard blocks it: change that statement"


def test_an_emr_role_boundary_without_assume_role_fails_it_and_says_so() -> None:
    # A permissions boundary caps the identity side (IAM User Guide, "Permissions boundaries for IAM
    # entities"), which a cross-account sts:AssumeRole needs.
    state = healthy_state()
    state.emr_role.boundary = ("boundary", document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == FAIL
    assert link.fix == "the EMR EC2 role's permissions boundary must allow sts:AssumeRole on this role"


def test_a_passing_probe_covers_what_policies_cannot_show() -> None:
    state = healthy_state()
    state.cluster_configurations = None  # the cluster's settings are listed too, and stay

    before = check_chain(state).not_checked
    after = covered_by_probe(before, [], {})

    unseen = {item["what"]: item["how"] for item in after}
    covered = dict((*OUTSIDE_POLICIES, STS_ROUTE))  # the probe also assumed the mapped role through STS
    assert STS_ROUTE[0] in unseen  # no subnet was read
    assert {unseen[what] for what, _ in OUTSIDE_POLICIES} == {
        f"covered by the live probe, which passed, {NOT_THE_MULTIPART_REQUESTS}"
    }
    assert unseen[STS_ROUTE[0]] == "covered by the live probe, which passed"  # one AssumeRole shows the route
    assert [item["what"] for item in after] == [item["what"] for item in before]
    assert [item for item in after if item["what"] not in covered] == [
        item for item in before if item["what"] not in covered
    ]
    # The probe writes through the mapped role only: S3 Block Public Access stays unseen.
    assert unseen[BLOCK_PUBLIC_ACCESS[0]] == BLOCK_PUBLIC_ACCESS[1]


def test_a_disabled_key_fails() -> None:
    state = healthy_state()
    state.key_states[KEY] = "PendingDeletion"

    link = by_name(check_chain(state))[KMS]
    assert link.status == FAIL
    assert "PendingDeletion" in link.detail


def test_a_multi_region_key_updating_its_primary_region_still_encrypts() -> None:
    """
    AWS KMS Developer Guide, "Change the primary key in a set of multi-Region keys", "The Updating key state":
    "While the key state is Updating, you can use the keys in cryptographic operations".
    """
    state = healthy_state()
    state.key_states[KEY] = "Updating"

    assert by_name(check_chain(state))[KMS].status == PASS
    state.key_policies[KEY] = {"Version": "2012-10-17", "Statement": []}  # nobody may use it
    assert by_name(check_chain(state))[KMS].status == FAIL


def test_a_mapping_of_the_whole_bucket_checks_the_requests_under_it() -> None:
    state = healthy_state()
    whole = f"s3://{BUCKET}/"
    state.security_configuration = mappings((ROLE, "Prefix", whole))
    state.destination_roles[ROLE] = destination_role(prefixes=(whole,))

    report = check_chain(state)

    assert report.verdict == VERDICT_PASS, report.table()
    # No key of "the directory itself" exists for the bucket's root: those requests are not sent.
    resources = {item.resource for item in report.evaluated if item.principal == ROLE}
    assert f"arn:aws:s3:::{BUCKET}/part-00000" in resources
    assert not any(resource.endswith("_$folder$") and "/_temporary" not in resource for resource in resources)


def test_the_request_table_names_documented_actions_only() -> None:
    # Each S3 operation is authorized as the IAM action AWS documents for it (S3 User Guide, "Actions,
    # resources, and condition keys for Amazon S3"; HeadObject needs s3:GetObject, the multipart
    # operations s3:PutObject, ListParts s3:ListMultipartUploadParts, ListMultipartUploads
    # s3:ListBucketMultipartUploads).
    documented = {
        "HeadObject": "s3:GetObject",
        "GetObject": "s3:GetObject",
        "PutObject": "s3:PutObject",
        "CopyObject": "s3:PutObject",  # Service Authorization Reference: with s3:x-amz-copy-source
        "CreateMultipartUpload": "s3:PutObject",
        "UploadPart": "s3:PutObject",
        "CompleteMultipartUpload": "s3:PutObject",
        "AbortMultipartUpload": "s3:AbortMultipartUpload",
        "ListParts": "s3:ListMultipartUploadParts",
        "ListMultipartUploads": "s3:ListBucketMultipartUploads",
        "ListObjectsV2": "s3:ListBucket",
        "DeleteObject": "s3:DeleteObject",
    }
    for call in WRITE_REQUESTS:
        assert documented[call.operation] == call.action, call
        assert (call.key is None) == (call.action in ("s3:ListBucket", "s3:ListBucketMultipartUploads")), call


# --- Routing of User and Group mappings ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_a_user_or_group_mapping_writes_the_given_prefixes_as_its_role(kind: str) -> None:
    # AWS, EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": a request of a
    # mapped Hadoop user or group is sent as the mapping's role, not the EC2 instance profile role. Whom the
    # job runs as is not seen (nor documented for EMR steps or Spark on YARN): that one link is not checked,
    # every other link passes.
    state = healthy_state()
    state.security_configuration = mappings((ROLE, kind, "etl"))
    state.prefixes_for_principal_mappings = [IDENTIFIER]

    report = check_chain(state)

    not_passed = [link for link in report.links if link.status != PASS]
    assert [(link.link, link.status) for link in not_passed] == [(PRINCIPAL, UNKNOWN)], report.table()
    assert "'etl'" in not_passed[0].detail
    assert report.verdict == VERDICT_NOT_CHECKED
    writers = {item.principal for item in report.evaluated if item.action == "s3:PutObject"}
    assert writers == {ROLE}


def test_a_prefix_mapping_has_no_link_about_whom_the_job_runs_as() -> None:
    assert PRINCIPAL not in by_name(check_chain(healthy_state()))


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_a_user_or_group_mapping_whose_role_may_not_write_fails(kind: str) -> None:
    # The EMR EC2 role may write (the bucket policy grants its account): were the request sent as that role,
    # the chain would pass; EMRFS sends it as the mapped role, which has no S3 permission.
    state = healthy_state()
    state.security_configuration = mappings((ROLE, kind, "etl"))
    state.prefixes_for_principal_mappings = [IDENTIFIER]
    state.destination_roles[ROLE].policies = []
    state.emr_role.policies.append(
        ("inline policy s3", document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    )
    state.buckets[BUCKET].policy = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"},
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    )

    report = check_chain(state)

    assert by_name(report)[WRITE].status == FAIL
    assert f"as {ROLE} (mapping 0)" in by_name(report)[WRITE].detail


def test_an_earlier_user_mapping_does_not_route_a_later_prefix_mappings_requests() -> None:
    # The job checked under a Prefix mapping is taken to run as none of the mapped users (the cross-type
    # link warns that it may): its requests reach the Prefix mapping, not the earlier User mapping's role.
    state = healthy_state()
    state.security_configuration = mappings((BROAD_ROLE, "User", "analyst"), (ROLE, "Prefix", IDENTIFIER))
    state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE, prefixes=(f"s3://{BUCKET}/other",))

    report = check_chain(state)

    write = next(link for link in report.links if link.mapping == 1 and link.link == WRITE)
    assert write.status == PASS
    assert {item.principal for item in report.evaluated if item.action == "s3:PutObject"} == {ROLE}


@pytest.mark.parametrize("captured_role", ["unreadable", "missing"])
def test_requests_captured_by_a_mapping_whose_role_is_not_known_are_not_checked(captured_role: str) -> None:
    # An earlier Prefix mapping takes the User mapping's requests under its prefix (first match wins): they
    # are sent as its role, which was not (fully) read, so they are not judged with what was read of it.
    state = healthy_state()
    state.security_configuration = mappings((BROAD_ROLE, "Prefix", IDENTIFIER), (ROLE, "User", "etl"))
    state.prefixes_for_principal_mappings = [IDENTIFIER]
    if captured_role == "unreadable":
        state.destination_roles[BROAD_ROLE] = destination_role(BROAD_ROLE)
        state.destination_roles[BROAD_ROLE].unreadable = "iam:ListAttachedRolePolicies denied"
    state.emr_role.policies = [(f"inline policy {ASSUME_POLICY_NAME}", assume_role_policy([ROLE, BROAD_ROLE]))]

    report = check_chain(state)

    write = next(link for link in report.links if link.mapping == 1 and link.link == WRITE)
    assert write.status == UNKNOWN
    assert f"sent as {BROAD_ROLE} (mapping 0), which could not be checked" in write.detail
    assert not any(item.principal == BROAD_ROLE for item in report.evaluated if item.action == "s3:PutObject")


# The report itself (findings.py) ------------------------------------------------------------------


def _small_report() -> Report:
    return Report(
        CONFIGURATION,
        [
            Link(None, "release", PASS, "ok"),
            Link(0, "bucket", FAIL, "d" * 95, "bucket policy: Sid S", "do it"),
        ],
        [{"what": "SCPs", "how": "run the probe"}],
    )


def test_a_link_has_no_statement_or_fix_unless_given() -> None:
    link = Link(None, "release", PASS, "ok")

    assert (link.statement, link.fix) == ("", "")


def test_the_report_as_a_dict_is_exactly_its_fields_and_verdict() -> None:
    assert _small_report().to_dict() == {
        "security_configuration": CONFIGURATION,
        "verdict": VERDICT_FAIL,
        "healthy": False,
        "links": [
            {
                "mapping": None,
                "link": "release",
                "status": PASS,
                "detail": "ok",
                "statement": "",
                "fix": "",
                "prefix": "",
                "refused_reads": [],
                "probe_settles": True,
            },
            {
                "mapping": 0,
                "link": "bucket",
                "status": FAIL,
                "detail": "d" * 95,
                "statement": "bucket policy: Sid S",
                "fix": "do it",
                "prefix": "",
                "refused_reads": [],
                "probe_settles": True,
            },
        ],
        "not_checked": [{"what": "SCPs", "how": "run the probe"}],
        "refused_reads": [],
    }


def test_the_report_lists_every_refused_read_of_its_state_in_the_dict_and_under_the_table() -> None:
    refused = [
        RefusedRead("iam:GetRole", "aws_destination_account", "222222222222", "RoleName=partner-a-writer"),
        RefusedRead("s3:GetBucketPolicy", "aws_destination_account", "222222222222", "Bucket=partner-exports"),
    ]
    state = ChainState(None, CONFIGURATION, None, {}, {}, refused_reads=refused)

    report = check_chain(state)

    assert report.to_dict()["refused_reads"] == [
        {
            "action": "iam:GetRole",
            "connection": "aws_destination_account",
            "account": "222222222222",
            "resource": "RoleName=partner-a-writer",
            "call": "",
        },
        {
            "action": "s3:GetBucketPolicy",
            "connection": "aws_destination_account",
            "account": "222222222222",
            "resource": "Bucket=partner-exports",
            "call": "",
        },
    ]
    assert report.table().splitlines()[-3:] == [
        "Reads AWS refused (grant each to its connection, then verify again):",
        "  - iam:GetRole on RoleName=partner-a-writer to the connection 'aws_destination_account' (account 222222222222)",
        "  - s3:GetBucketPolicy on Bucket=partner-exports to the connection 'aws_destination_account' (account "
        "222222222222)",
    ]


def test_the_table_has_a_row_per_link_with_dashes_for_what_is_missing_and_cells_cut_at_90() -> None:
    lines = [line.rstrip() for line in _small_report().table().splitlines()]

    detail = "detail".ljust(90)
    assert lines == [
        f"Cross-account EMRFS chain for {CONFIGURATION}: FAIL",
        f"# | link    | status | {detail} | deciding statement   | fix",
        "--+---------+--------+-" + "-" * 90 + "-+----------------------+------",
        f"- | release | PASS   | {'ok'.ljust(90)} | -                    | -",
        f"0 | bucket  | FAIL   | {'d' * 90} | bucket policy: Sid S | do it",
        "Not checked by reading policies:",
        "  - SCPs: run the probe",
    ]


def test_a_table_without_anything_unseen_has_no_unseen_section() -> None:
    report = _small_report()
    report.not_checked = []

    assert report.table().splitlines()[-1].startswith("0 | bucket")


def test_a_statement_without_a_sid_is_cited_by_its_sorted_json_cut_at_120_characters() -> None:
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {}}}
    statement["Sid"] = ""
    text = json.dumps(statement, sort_keys=True)

    assert (
        cite(Decision(False, "explicit deny", {**statement, "Sid": "S1"}, "bucket policy")) == "bucket policy: Sid S1"
    )
    assert cite(Decision(False, "explicit deny", statement, "bucket policy")) == f"bucket policy: {text[:120]}"
    long = {**statement, "Resource": "arn:aws:s3:::" + "b" * 200}
    assert cite(Decision(False, "explicit deny", long, "bucket policy")) == (
        "bucket policy: " + json.dumps(long, sort_keys=True)[:120]
    )
    assert cite(Decision(False, "implicit deny")) == ""


# The walk of the chain (chain.py) -----------------------------------------------------------------


def test_a_user_mapping_is_checked_on_the_prefixes_given_and_an_unreadable_one_is_not_checked() -> None:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "User", "etl"))
    state.prefixes_for_principal_mappings = [IDENTIFIER, "s3a://other-bucket/x"]

    report = check_chain(state)

    links = by_name(report)
    assert links[OWNER].status == PASS  # the good prefix is checked as a Prefix mapping's would be
    unreadable = links["access to s3a://other-bucket/x"]
    assert (unreadable.mapping, unreadable.status) == (0, UNKNOWN)
    assert "must start with 's3://'" in unreadable.detail
    assert report.verdict == VERDICT_NOT_CHECKED  # never a silent pass of what was not checked


def test_the_account_block_public_access_setting_not_read_is_listed_with_how_to_read_it() -> None:
    state = healthy_state()
    state.account_restrict_public_buckets = None

    unseen = check_chain(state).not_checked

    assert {"what": BLOCK_PUBLIC_ACCESS[0], "how": BLOCK_PUBLIC_ACCESS[1]} in unseen
    assert "account-level Block Public Access" not in by_name(check_chain(state))  # no WARN link: not refused


# The second opinion (second_opinion.py) -----------------------------------------------------------

OPINION = "second opinion (iam:SimulatePrincipalPolicy, identity side)"


def _asked(action: str, allowed: bool | None) -> Evaluated:
    return Evaluated(ROLE, action, f"arn:aws:s3:::{BUCKET}/exports/x", {}, allowed)


def asked(item: Evaluated) -> tuple[str, ...]:
    """The simulator's key of an evaluated request (:func:`second_opinion.simulation_key`)."""
    return second_opinion.simulation_key(item.principal, item.action, item.resource, item.context)


def key(action: str, resource: str = f"arn:aws:s3:::{BUCKET}/exports/x") -> tuple[str, ...]:
    """The simulator's key of ``_asked(action, ...)``: ROLE, no context."""
    return second_opinion.simulation_key(ROLE, action, resource, {})


def test_the_second_opinion_compares_only_requests_both_sides_answered() -> None:
    state = healthy_state()
    resource = f"arn:aws:s3:::{BUCKET}/exports/x"
    state.simulations = {key("s3:GetObject", resource): "allowed", key("s3:PutObject", resource): "implicitDeny"}
    evaluated = [
        _asked("s3:GetObject", True),
        _asked("s3:PutObject", None),  # undetermined here: nothing to compare
        _asked("s3:DeleteObject", False),  # the simulator was not asked
    ]

    [link] = second_opinion.audit(state, evaluated)

    assert (link.link, link.status) == (OPINION, PASS)
    assert link.detail == "the simulator agrees on 1 request(s)"  # the undetermined one is not agreed on


def test_the_second_opinion_names_at_most_five_disagreements_and_counts_all() -> None:
    state = healthy_state()
    actions = [f"s3:Action{number}" for number in range(7)]
    state.simulations = {key(action): "explicitDeny" for action in actions}

    [link] = second_opinion.audit(state, [_asked(action, True) for action in actions])

    assert link.status == UNKNOWN
    assert link.detail.startswith("7 disagreement(s): s3:Action0 on ")
    assert link.detail.count("; ") == 4
    assert f"as {ROLE}: simulator explicitDeny, local allowed" in link.detail
    assert link.fix == second_opinion.DISAGREEMENT_FIX
    assert not link.probe_settles  # about the requests named, which the probe's one upload does not send


def test_the_second_opinion_says_denied_for_a_local_deny_the_simulator_allows() -> None:
    state = healthy_state()
    state.simulations = {key("s3:GetObject"): "allowed"}

    [link] = second_opinion.audit(state, [_asked("s3:GetObject", False)])

    assert link.status == UNKNOWN
    assert link.detail.endswith("simulator allowed, local denied")


def test_without_simulator_answers_there_is_no_second_opinion_link() -> None:
    assert second_opinion.audit(healthy_state(), [_asked("s3:GetObject", True)]) == []


def test_a_second_opinion_asked_for_and_not_obtained_is_not_checked() -> None:
    # The simulator throttled until the retries ran out (verify.second_opinion): the answers obtained so far, and why
    # not the rest. Not dropped as "not available": a PASS must not rest on a second opinion it did not get.
    state = healthy_state()
    state.simulations = {}
    state.simulation_note = "iam:SimulatePrincipalPolicy is throttled or unavailable for now (Throttling, ...)"

    [link] = second_opinion.audit(state, [_asked("s3:GetObject", True)])

    assert (link.link, link.status) == (OPINION, UNKNOWN)
    assert link.detail.startswith("not obtained: iam:SimulatePrincipalPolicy is throttled or unavailable for now")
    assert link.fix == second_opinion.RETRY_FIX
    # The probe's one upload is not the requests the simulator was to be asked about: a passing probe leaves it.
    assert not link.probe_settles
    assert verdict_with_probe([link.to_dict()], {"ok": True, "routes": {}}) == (VERDICT_NOT_CHECKED, True)


def test_a_second_opinion_cut_short_still_names_the_disagreements_it_got() -> None:
    state = healthy_state()
    state.simulations = {key("s3:GetObject"): "explicitDeny"}
    state.simulation_note = "iam:SimulatePrincipalPolicy is throttled or unavailable for now (503, ...)"

    [link] = second_opinion.audit(state, [_asked("s3:GetObject", True), _asked("s3:PutObject", True)])

    assert link.status == UNKNOWN
    assert "1 disagreement(s): s3:GetObject" in link.detail


@pytest.mark.parametrize(
    ("code", "status", "transient"),
    [
        # IAM API Reference, "Common Errors": ThrottlingException (400), ServiceUnavailable (503).
        ("Throttling", 400, True),
        ("ServiceUnavailable", 503, True),
        ("InternalFailure", 500, True),
        (None, 502, True),
        ("NotImplemented", 501, False),  # an endpoint without the simulator (the local stand-in)
        ("AccessDenied", 403, False),  # a connection not allowed to call it
        ("InvalidInput", 400, False),
    ],
)
def test_only_a_throttled_or_unavailable_simulator_is_transient(code: str | None, status: int, transient: bool) -> None:
    from botocore.exceptions import ClientError

    from airflow_provider_emrfs_xacct.verify import _transient_simulator_error

    error = {"Code": code, "Message": "x"} if code else {}
    response: Any = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}
    assert _transient_simulator_error(ClientError(response, "SimulatePrincipalPolicy")) is transient


def test_the_cluster_settings_not_read_are_listed_with_how_to_read_them() -> None:
    state = healthy_state()
    state.cluster_configurations = None

    assert {"what": CLUSTER_SETTINGS[0], "how": CLUSTER_SETTINGS[1]} in check_chain(state).not_checked


def test_a_conditional_deny_for_everyone_beside_other_statements_is_not_reported_as_a_revoke() -> None:
    # The grant refuses such a Deny under the provider's Sid (merge.revokes_trust_nobody): advising it would not help.
    state = healthy_state()
    deny = {**TRUST_NOBODY_STATEMENT, "Condition": {"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}}
    state.destination_roles[ROLE].trust_policy = document(  # type: ignore[union-attr]
        deny, {**trust_statement([EMR_ROLE]), "Sid": "Partners"}
    )

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == FAIL, link
    assert link.fix == "a Deny in trust policy blocks it: change that statement", link.fix
    state.destination_roles[ROLE].trust_policy = document(deny)  # type: ignore[union-attr]
    assert "access was revoked" in by_name(check_chain(state))[ASSUME].fix


@pytest.mark.parametrize(
    "setting",
    [
        "fs.s3.enableServerSideEncryption",  # the KMS link is judged on the bucket's default key
        "fs.s3.cse.enabled",
        "fs.s3a.encryption.algorithm",
        "fs.s3.serverSideEncryption.kms.customEncryptionContext",  # kms:EncryptionContext taken as not set
        "fs.s3a.encryption.context",
        "fs.s3n.ssl.enabled",  # aws:SecureTransport taken as true
        "fs.s3a.connection.ssl.enabled",
        "fs.s3n.endpoint",  # the route to S3 and aws:RequestedRegion judged as without an override
        "fs.s3a.endpoint",
        "fs.s3.storageClass",  # x-amz-storage-class not known
        "fs.s3.canned.acl",
        "fs.s3.sts.sessionDurationSeconds",
    ],
)
def test_every_unread_cluster_setting_taken_as_not_set_is_named_in_the_not_seen_list(setting: str) -> None:
    """
    Not read (no cluster_id), a setting that could change a PASS is not assumed absent silently: the not-seen list
    names it (the encryption, the encryption context, TLS and an endpoint override are taken as not set).
    """
    state = healthy_state()
    state.cluster_configurations = None

    unseen = [item for item in check_chain(state).not_checked if item["how"] == CLUSTER_SETTINGS[1]]

    assert len(unseen) == 1
    assert setting in unseen[0]["what"]


@pytest.mark.parametrize(
    ("bucket_blocks", "account_blocks", "acl", "status"),
    [
        (True, False, "PublicRead", FAIL),
        (False, True, "AuthenticatedRead", FAIL),
        (False, None, "PublicReadWrite", UNKNOWN),  # the account's setting not read: not checked
        (False, False, "PublicRead", PASS),
        (True, True, "BucketOwnerFullControl", PASS),  # not a public ACL
    ],
)
def test_block_public_acls_decides_an_upload_with_a_public_canned_acl(
    bucket_blocks: bool, account_blocks: bool | None, acl: str, status: str
) -> None:
    """S3 API Reference, "PublicAccessBlockConfiguration", BlockPublicAcls: a PUT with a public ACL fails."""
    state = healthy_state()
    location = parse_s3_location(IDENTIFIER, "prefix", allow_bucket_root=True)
    policy = destination_permissions_policy("aws", [location], (KEY,), object_acl=True)
    state.destination_roles[ROLE] = RoleState(
        ROLE, document(trust_statement([EMR_ROLE])), [("inline policy p", policy)]
    )
    state.buckets[BUCKET].object_ownership = "BucketOwnerPreferred"
    state.buckets[BUCKET].block_public_acls = bucket_blocks
    state.account_block_public_acls = account_blocks
    state.account_restrict_public_buckets = False
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": acl}}]

    report = check_chain(state)

    mkdirs = next(link for link in report.links if link.link.startswith("mkdirs"))
    assert mkdirs.status == status, mkdirs
    if status != PASS:
        assert "BlockPublicAcls" in mkdirs.detail


@pytest.mark.parametrize(
    ("ownership", "grants", "unread", "status"),
    [
        ("ObjectWriter", (("another-canonical-id", "WRITE"),), False, UNKNOWN),
        ("BucketOwnerPreferred", (("another-canonical-id", "FULL_CONTROL"),), False, UNKNOWN),
        ("ObjectWriter", (), True, UNKNOWN),  # ACLs enabled, the ACL not read
        ("ObjectWriter", (("another-canonical-id", "READ"),), False, FAIL),  # READ does not let it write
        ("ObjectWriter", (), False, FAIL),
        ("BucketOwnerEnforced", (("another-canonical-id", "WRITE"),), False, FAIL),  # ACLs disabled: no effect
    ],
)
def test_a_bucket_acl_grant_leaves_a_write_no_bucket_policy_allows_not_checked(
    ownership: str, grants: tuple[tuple[str, str], ...], unread: bool, status: str
) -> None:
    """
    S3 User Guide, "Access control list (ACL) overview": with ACLs enabled, a bucket ACL's WRITE lets its grantee
    create objects there, whatever the bucket policy says; the grantee is a canonical ID the verifier cannot map.
    """
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))  # "…_$folder$" goes as the EMR EC2 role
    state.emr_role.policies.append(
        ("inline emr-s3", document({"Effect": "Allow", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}))
    )
    bucket = state.buckets[BUCKET]
    bucket.object_ownership = ownership
    bucket.acl_grants = grants
    if unread:
        bucket.unreadable["acl"] = "s3:GetBucketAcl refused"
    state.account_restrict_public_buckets = False

    report = check_chain(state)

    mkdirs = next(link for link in report.links if link.link.startswith("mkdirs"))
    assert mkdirs.status == status, mkdirs
    if status == UNKNOWN:
        assert "bucket ACL" in mkdirs.detail


@pytest.mark.parametrize(("grants", "unread"), [((("another-canonical-id", "WRITE"),), False), ((), True)])
def test_a_bucket_acl_does_not_stand_in_for_the_caller_s_own_policy(
    grants: tuple[tuple[str, str], ...], unread: bool
) -> None:
    """
    IAM User Guide, "Cross-account policy evaluation logic": across accounts the caller's identity policy must allow
    the request as well as the resource's side. An ACL grant is only the resource's side (S3 User Guide, "Access
    control list (ACL) overview"), so a request the EMR EC2 role's own policies do not allow fails whatever it grants.
    """
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))  # "…_$folder$" goes as the EMR EC2 role
    bucket = state.buckets[BUCKET]
    bucket.object_ownership = "ObjectWriter"
    bucket.acl_grants = grants
    if unread:
        bucket.unreadable["acl"] = "s3:GetBucketAcl refused"
    state.account_restrict_public_buckets = False

    mkdirs = next(link for link in check_chain(state).links if link.link.startswith("mkdirs"))

    assert mkdirs.status == FAIL, mkdirs
    assert "bucket ACL" not in mkdirs.detail
    assert "map the prefix without its trailing slash" in mkdirs.fix
