"""
Unit tests of the safety rules in the pure policy logic (issue 10): provider-owned statements keep
what restricts them and refuse what widens them, comparisons never raise on foreign values, and
small input traps are refused.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import is_eventually_consistent
from airflow_provider_emrfs_xacct.hooks.kms import is_invalid_principal
from airflow_provider_emrfs_xacct.pure import bucket_policy, documents
from airflow_provider_emrfs_xacct.pure.cluster_config import parse_release_label
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings, read_modify_write
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import (
    merge_owned_statements,
    merged_principals,
    merged_resources,
    normalize,
    refuse_orphaned_ids,
    same_meaning,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.validation import (
    S3Location,
    refuse_account,
    require_account,
    validate_bool,
    validate_iam_path,
    validate_kms_key_arn,
    validate_positive_number,
    validate_role_arn,
)

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "arn:aws:iam::222222222222:role/partner-a-writer"
OTHER = "arn:aws:iam::222222222222:role/partner-b-writer"
KEY = "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000"
RESTRICTION = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": documents.VERSION, "Statement": list(statements)}


def with_extra(statement: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(statement), **fields}


# Provider-owned statements: restrictions kept --------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "merge"),
    [
        pytest.param(
            documents.trust_statement([EMR_ROLE]),
            lambda current: upsert_statement(
                current,
                documents.trust_statement(merged_principals(current, documents.TRUST_SID, [EMR_ROLE, OTHER])),
            ),
            id="trust",
        ),
        pytest.param(
            documents.key_users_statement([PARTNER]),
            lambda current: upsert_statement(
                current,
                documents.key_users_statement(merged_principals(current, documents.KEY_USERS_SID, [OTHER])),
            ),
            id="key-users",
        ),
        pytest.param(
            documents.assume_role_policy([PARTNER])["Statement"][0],
            lambda current: upsert_statement(
                current,
                documents.assume_role_policy(merged_resources(current, documents.ASSUME_SID, [OTHER]))["Statement"][0],
            ),
            id="assume-role",
        ),
    ],
)
def test_a_condition_a_person_added_to_a_provider_statement_is_kept(ours, merge) -> None:
    deny = {"Sid": "PersonDeny", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    current = policy(with_extra(ours, Condition=RESTRICTION), deny)

    merged = merge(current)

    [statement] = [item for item in merged["Statement"] if item["Sid"] == ours["Sid"]]
    assert statement["Condition"] == RESTRICTION
    assert deny in merged["Statement"]


def test_the_providers_own_condition_keys_win_and_a_persons_other_keys_stay() -> None:
    location = S3Location("bucket-b", "exports/")
    ours = documents.destination_permissions_policy("aws", [location])
    [listing] = [item for item in ours["Statement"] if item["Sid"] == documents.LIST_SID]
    mine = {"StringLike": {"s3:prefix": ["narrowed/"]}, "Bool": {"aws:SecureTransport": "true"}}
    current = merge_owned_statements(None, ours, documents.is_owned_destination_sid)
    current["Statement"][1]["Condition"] = mine
    deny = {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    current["Statement"].append(deny)

    merged = merge_owned_statements(current, ours, documents.is_owned_destination_sid)

    [merged_listing] = [item for item in merged["Statement"] if item["Sid"] == listing["Sid"]]
    # The provider's own condition keys (if its statement sets any) win; the person's other keys stay.
    expected = {**mine, **(listing.get("Condition") or {})}
    assert merged_listing["Condition"] == expected
    assert merged_listing["Condition"]["Bool"] == {"aws:SecureTransport": "true"}
    assert merged["Statement"][-1] == deny


def test_a_provider_statement_no_longer_wanted_is_dropped_and_foreign_ones_stay() -> None:
    foreign = {"Sid": "EmrfsXacctListMine", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    current = policy({"Sid": "EmrfsXacctList2", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "x"}, foreign)
    ours = documents.destination_permissions_policy("aws", [S3Location("bucket-b", "exports/")])

    merged = merge_owned_statements(current, ours, documents.is_owned_destination_sid)

    assert foreign in merged["Statement"]  # not a Sid the provider writes (no digits after the prefix)
    assert "EmrfsXacctList2" not in {item["Sid"] for item in merged["Statement"]}


# Provider-owned statements: widenings refused ------------------------------------------------


@pytest.mark.parametrize(
    ("sid", "make", "field", "wildcard"),
    [
        (documents.TRUST_SID, documents.trust_statement, "Principal", {"AWS": "*"}),
        (documents.TRUST_SID, documents.trust_statement, "Principal", "*"),
        (documents.TRUST_SID, documents.trust_statement, "Principal", {"AWS": "arn:aws:iam::111111111111:root"}),
        (documents.TRUST_SID, documents.trust_statement, "Principal", {"AWS": "111111111111"}),
        (documents.TRUST_SID, documents.trust_statement, "Principal", {"AWS": "arn:aws:iam::*:role/*"}),
        (documents.KEY_USERS_SID, documents.key_users_statement, "Principal", {"AWS": ["*", PARTNER]}),
        (documents.KEY_USERS_SID, documents.key_users_statement, "Action", "kms:*"),
    ],
)
def test_a_wildcard_in_a_provider_statement_is_refused_naming_the_statement_and_wildcard(
    sid, make, field, wildcard
) -> None:
    current = policy(with_extra(make([EMR_ROLE]), **{field: wildcard}))

    with pytest.raises(ConflictError) as excinfo:
        upsert_statement(current, make(merged_principals(current, sid, [OTHER])))

    assert sid in str(excinfo.value)
    shown = wildcard if isinstance(wildcard, str) else next(iter(wildcard.values()))
    shown = shown[0] if isinstance(shown, list) else shown
    assert repr(shown) in str(excinfo.value)


def test_a_wildcard_resource_in_the_assume_role_statement_is_refused() -> None:
    current = documents.assume_role_policy([PARTNER, "arn:aws:iam::*:role/*"])

    with pytest.raises(ConflictError, match=r"EmrfsXacctAssumeDestinationRoles.*arn:aws:iam::\*:role/\*"):
        merged_resources(current, documents.ASSUME_SID, [OTHER])


@pytest.mark.parametrize("key", ["*", "exp*/*"])
def test_a_whole_bucket_or_wildcard_prefix_in_an_object_statement_is_refused(key) -> None:
    ours = documents.destination_permissions_policy("aws", [S3Location("bucket-b", "exports/")])
    ours["Statement"][0]["Resource"].append(f"arn:aws:s3:::bucket-b/{key}")

    with pytest.raises(ConflictError, match="EmrfsXacctObjects"):
        documents.locations_in_permissions_policy(ours)
    statement = bucket_policy.grant(None, "aws", EMR_ROLE, {S3Location("bucket-b", "exports/")})
    statement["Statement"][0]["Resource"].append(f"arn:aws:s3:::bucket-b/{key}")
    with pytest.raises(ConflictError):
        bucket_policy.grant(statement, "aws", EMR_ROLE, {S3Location("bucket-b", "more/")})


def test_a_bucket_policy_statement_widened_to_everyone_is_refused_and_a_condition_kept() -> None:
    location = {S3Location("bucket-b", "exports/")}
    granted = bucket_policy.grant(None, "aws", EMR_ROLE, location)
    granted["Statement"][0]["Condition"] = RESTRICTION
    again = bucket_policy.grant(granted, "aws", EMR_ROLE, {S3Location("bucket-b", "more/")})
    assert again["Statement"][0]["Condition"] == RESTRICTION

    granted["Statement"][0]["Principal"] = "*"
    with pytest.raises(ConflictError, match=r"wildcard principal '\*'"):
        bucket_policy.grant(granted, "aws", EMR_ROLE, location)


@pytest.mark.parametrize("widened", ["*", "arn:aws:iam::111111111111:root", "111111111111", "arn:aws:iam::*:role/*"])
def test_a_bucket_policy_statement_widened_within_its_aws_principal_is_refused(widened: str) -> None:
    # {"AWS": "*"} is everyone, {"AWS": "<account>:root"} or a bare account id the whole account (IAM
    # User Guide, "AWS JSON policy elements: Principal"): grant writes the statement without going
    # through merged_principals, so upsert itself must refuse it.
    granted = bucket_policy.grant(None, "aws", EMR_ROLE, {S3Location("bucket-b", "exports/")})
    granted["Statement"][0]["Principal"] = {"AWS": [EMR_ROLE, widened]}
    with pytest.raises(ConflictError, match="wildcard principal"):
        bucket_policy.grant(granted, "aws", EMR_ROLE, {S3Location("bucket-b", "more/")})


@pytest.mark.parametrize(
    ("sid", "make", "kind", "value"),
    [
        (documents.TRUST_SID, documents.trust_statement, "Service", "ec2.amazonaws.com"),
        (documents.TRUST_SID, documents.trust_statement, "Federated", "cognito-identity.amazonaws.com"),
        (documents.KEY_USERS_SID, documents.key_users_statement, "Service", "s3.amazonaws.com"),
    ],
)
def test_a_principal_of_another_type_added_to_a_provider_statement_is_refused(sid, make, kind, value) -> None:
    # Principals in one statement are alternatives: a Service or Federated one is one more who may assume
    # the role or use the key (IAM User Guide, "AWS JSON policy elements: Principal").
    ours = make([EMR_ROLE])
    ours["Principal"][kind] = value
    current = policy(ours)

    with pytest.raises(ConflictError, match=rf"statement '{sid}' holds the {kind} principal '{value}'.*widens it"):
        upsert_statement(current, make(merged_principals(current, sid, [OTHER])))


def test_an_effect_turned_to_deny_or_a_not_element_is_never_written_back() -> None:
    current = policy(with_extra(documents.trust_statement([EMR_ROLE]), Effect="Deny"))
    with pytest.raises(ConflictError, match="Effect 'Deny'"):
        upsert_statement(current, documents.trust_statement([EMR_ROLE, OTHER]))
    current = policy(with_extra(documents.key_users_statement([PARTNER]), NotResource="x"))
    with pytest.raises(ConflictError, match="NotResource"):
        upsert_statement(current, documents.key_users_statement([PARTNER, OTHER]))


@pytest.mark.parametrize(
    ("key", "value"),
    [("NotPrincipal", {"AWS": "arn:aws:iam::999999999999:role/x"}), ("NotAction", "iam:*"), ("NotResource", "x")],
)
def test_each_not_element_added_to_a_provider_statement_is_refused(key: str, value: Any) -> None:
    # NotPrincipal, NotAction and NotResource match everything except what they list (IAM User Guide,
    # "AWS JSON policy elements: NotPrincipal / NotAction / NotResource"): in an Allow, each widens it.
    current = policy(with_extra(documents.trust_statement([EMR_ROLE]), **{key: value}))
    with pytest.raises(ConflictError, match=rf"statement '{documents.TRUST_SID}' has {key} .*widens it"):
        upsert_statement(current, documents.trust_statement([EMR_ROLE, OTHER]))


def test_revoking_a_role_is_not_a_conflict_but_a_wildcard_left_beside_it_is() -> None:
    current = documents.assume_role_policy([PARTNER, OTHER])
    revoked = upsert_statement(current, documents.assume_role_policy([OTHER])["Statement"][0], dropping={PARTNER})
    assert revoked["Statement"][0]["Resource"] == [OTHER]
    with pytest.raises(ConflictError):
        upsert_statement(current, documents.assume_role_policy([OTHER])["Statement"][0])


# Comparing by meaning never raises on foreign values -------------------------------------------


def test_comparing_documents_with_mixed_type_condition_values_does_not_raise() -> None:
    foreign = {
        "Sid": "Foreign",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "s3:GetObject"],
        "Resource": "*",
        "Condition": {"NumericLessThan": {"s3:max-keys": [10, "5", 7.5]}, "Bool": {"aws:SecureTransport": False}},
    }
    reordered = copy.deepcopy(foreign)
    reordered["Condition"]["NumericLessThan"]["s3:max-keys"] = ["5", 7.5, 10]
    reordered["Condition"]["Bool"]["aws:SecureTransport"] = "false"

    assert same_meaning(policy(foreign), policy(reordered))
    assert normalize(policy(foreign)) == normalize(policy(reordered))
    assert not same_meaning(policy(foreign), policy({**foreign, "Effect": "Allow"}))


# Small input traps ------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["emr-\u0667.5.0", "emr-7.\u0661\u0660.0", "emr-7.5.0\n", "emr-７.5.0"])
def test_release_labels_with_non_ascii_digits_are_refused(label) -> None:
    with pytest.raises(InvalidParameterError, match="ReleaseLabel"):
        parse_release_label(label)


@pytest.mark.parametrize("path", ["//", "/a//", "//a/", "/a//b/"])
def test_an_empty_segment_in_an_iam_path_is_refused(path) -> None:
    with pytest.raises(InvalidParameterError, match="role_path"):
        validate_iam_path(path, "role_path")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::222222222222:role//partner-a-writer",
        "arn:aws:iam::222222222222:role/a//partner-a-writer",
        f"{PARTNER},{OTHER}",
        f"{PARTNER}, {OTHER}",
        f"{PARTNER} {OTHER}",
    ],
)
def test_a_role_arn_with_an_empty_path_segment_or_two_arns_joined_is_refused(arn) -> None:
    with pytest.raises(InvalidParameterError, match=r"trusted_role_arns\[0\]"):
        validate_role_arn(arn, "trusted_role_arns[0]")


def test_two_key_arns_joined_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match="several joined"):
        validate_kms_key_arn(f"{KEY},{KEY}", "key_arn")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_numbers_that_are_not_finite_are_refused(value) -> None:
    with pytest.raises(InvalidParameterError, match="settle_seconds: must be a finite number"):
        validate_positive_number(value, "settle_seconds")


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("True", True), ("false", False), (" FALSE ", False)])
def test_a_rendered_flag_is_read_as_a_bool(value, expected) -> None:
    assert validate_bool(value, "dry_run") is expected


@pytest.mark.parametrize("value", ["yes", "", "1", 1, 0, None, "{{ params.dry_run }}"])
def test_anything_else_is_refused_as_a_flag(value) -> None:
    with pytest.raises(InvalidParameterError, match="dry_run: must be True or False"):
        validate_bool(value, "dry_run")


def test_account_errors_name_both_accounts() -> None:
    with pytest.raises(InvalidParameterError) as excinfo:
        require_account(PARTNER, "333333333333", "destination_role_arn", "connection 'dest'")
    assert "222222222222" in str(excinfo.value)
    assert "333333333333" in str(excinfo.value)
    with pytest.raises(InvalidParameterError, match="account 111111111111"):
        refuse_account(EMR_ROLE, "111111111111", "trusted_role_arns[0]", "connection 'dest'", "swapped?")


# Errors that are not transient are raised at once ----------------------------------------------


def client_error(code: str, message: str, operation: str = "PutRolePolicy") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_only_the_invalid_principal_case_counts_as_eventual_consistency() -> None:
    assert is_eventually_consistent(client_error("MalformedPolicyDocument", "Invalid principal in policy: AWS"))
    assert not is_eventually_consistent(client_error("MalformedPolicyDocument", "Syntax errors in policy."))
    assert is_invalid_principal(
        client_error(
            "MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals."
        )
    )
    assert not is_invalid_principal(client_error("MalformedPolicyDocumentException", "Policy is too long"))


def test_a_malformed_policy_is_raised_at_once_without_waiting_or_a_second_write() -> None:
    writes: list[Any] = []
    sleeps: list[float] = []

    def write(_current: Any, desired: Any) -> None:
        writes.append(desired)
        raise client_error("MalformedPolicyDocument", "Syntax errors in policy.")

    with pytest.raises(ClientError, match="Syntax errors in policy"):
        read_modify_write(
            resource="iam role r inline policy p",
            read=lambda: None,
            desire=lambda _current: policy({"Sid": "X", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "x"}),
            write=write,
            settings=ConvergeSettings(settle_seconds=0),
            is_transient=is_eventually_consistent,
            sleep=sleeps.append,
        )
    assert len(writes) == 1
    assert sleeps == []


def test_an_orphaned_id_is_refused_only_in_statements_the_provider_did_not_write() -> None:
    orphan = "AROADBQP57FF2AEXAMPLE"
    ours = documents.key_users_statement([PARTNER, orphan])
    service = {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:*"}
    refuse_orphaned_ids(policy(ours, service), documents.KEY_USERS_SID, "the key policy")  # ours: dropped, not refused

    foreign = {"Sid": "Console", "Effect": "Allow", "Principal": {"AWS": [PARTNER, orphan]}, "Action": "kms:Decrypt"}
    with pytest.raises(ConflictError, match=rf"the key policy: statement 'Console' names '{orphan}'.*remove"):
        refuse_orphaned_ids(policy(ours, foreign), documents.KEY_USERS_SID, "the key policy")


def test_an_orphaned_id_in_a_not_principal_is_refused_as_in_a_principal() -> None:
    """``NotPrincipal`` names principals as ``Principal`` does (IAM User Guide, "AWS JSON policy elements: NotPrincipal")."""
    orphan = "AROADBQP57FF2AEXAMPLE"
    ours = documents.key_users_statement([PARTNER])
    foreign = {"Effect": "Deny", "NotPrincipal": {"AWS": [orphan, "arn:aws:iam::1:root"]}, "Action": "kms:*"}
    with pytest.raises(ConflictError, match=rf"the key policy: statement \[1\] \(no Sid\) names '{orphan}'"):
        refuse_orphaned_ids(policy(ours, foreign), documents.KEY_USERS_SID, "the key policy")


@pytest.mark.parametrize(
    ("other", "refused"),
    [
        ("*", True),
        ("arn:aws:iam::111111111111:role/*", True),
        ("arn:aws:iam::111111111111:root", True),
        ("111111111111", True),
        ("arn:aws:iam::333333333333:root", False),
        ("arn:aws:iam::111111111111:role/Auditor", False),
    ],
)
def test_a_bucket_revoke_refuses_a_principal_beside_the_role_that_still_covers_it(other: str, refused: bool) -> None:
    """Taking the role's ARN out of a statement that still grants everyone, or its account, would revoke nothing."""
    sid = bucket_policy.principal_sids(EMR_ROLE)[0]
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": [EMR_ROLE, other]}, "Action": "s3:GetObject"}
    document = policy({**statement, "Resource": "arn:aws:s3:::b/p/*"})
    if refused:
        with pytest.raises(ConflictError, match=rf"grants '{re.escape(other)}', which still covers"):
            bucket_policy.revoke(document, EMR_ROLE)
    else:
        revoked = bucket_policy.revoke(document, EMR_ROLE)
        assert revoked is not None
        assert revoked["Statement"][0]["Principal"] == {"AWS": other}
