"""Unit tests of the policy document builders: least privilege, and reading back what was written."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import emr_role_bucket_policy
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    ASSUME_SID,
    BUCKET_LOCATION_SID,
    DESTINATION_POLICY_NAME,
    KEY_USER_ACTIONS,
    KEY_USERS_SID,
    KMS_USE_SID,
    LIST_SID,
    OBJECT_ACL_SID,
    OBJECT_ACTIONS,
    OBJECTS_SID,
    SID_PREFIX,
    TRUST_SID,
    VERSION,
    as_list,
    assume_role_policy,
    destination_permissions_policy,
    is_owned_destination_sid,
    key_users_statement,
    list_prefixes,
    locations_in_permissions_policy,
    object_resources,
    refuse_restricted_legacy_statements,
    s3_arn,
    statements_not_owned,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import merge_owned_statements
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
EMR_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/EMR_EC2_DefaultRole"
JOB_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/emr/JobFlowRole"
DEST_ROLE = f"arn:aws:iam::{ACCOUNT_B}:role/partners/PartnerWriter"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN_2 = f"arn:aws:kms:us-east-1:{ACCOUNT_B}:key/mrk-0123456789abcdef0123456789abcdef"

RESULTS = S3Location("partner-b", "results/daily/")
RAW = S3Location("partner-b", "raw/")
OTHER = S3Location("partner-c", "in/")


def statements_by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids)), f"duplicate Sids: {sids}"
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def all_resources(policy: dict[str, Any]) -> list[str]:
    return [resource for statement in policy["Statement"] for resource in as_list(statement.get("Resource"))]


class TestHelpers:
    def test_s3_arn(self):
        assert s3_arn("aws", "bkt") == "arn:aws:s3:::bkt"
        assert s3_arn("aws", "bkt", "a/b/*") == "arn:aws:s3:::bkt/a/b/*"
        assert s3_arn("aws-cn", "bkt", "") == "arn:aws-cn:s3:::bkt/"

    def test_object_resources_are_the_prefix_its_own_key_and_the_emrfs_folder_marker(self):
        # getFileStatus(s3://partner-b/results/daily) sends HEAD results/daily; mkdirs writes results/daily_$folder$.
        assert object_resources("aws", RESULTS) == [
            "arn:aws:s3:::partner-b/results/daily/*",
            "arn:aws:s3:::partner-b/results/daily",
            "arn:aws:s3:::partner-b/results/daily_$folder$",
        ]

    def test_object_resources_for_a_top_level_prefix(self):
        assert object_resources("aws", RAW) == [
            "arn:aws:s3:::partner-b/raw/*",
            "arn:aws:s3:::partner-b/raw",
            "arn:aws:s3:::partner-b/raw_$folder$",
        ]

    def test_object_resources_never_name_a_sibling_prefix(self):
        # The role-mapping identifier s3://partner-b/raw also routes s3://partner-b/raw2/...; the policy must not allow it.
        resources = object_resources("aws", RAW)
        assert not any(arn.startswith("arn:aws:s3:::partner-b/raw2") for arn in resources)
        assert all(arn.endswith(("raw/*", "raw", "raw_$folder$")) for arn in resources)

    def test_list_prefixes(self):
        assert list_prefixes(RESULTS) == ["results/daily/", "results/daily/*"]

    @pytest.mark.parametrize(("value", "expected"), [(None, []), ("a", ["a"]), (["a", "b"], ["a", "b"]), ([], [])])
    def test_as_list(self, value, expected):
        assert as_list(value) == expected

    def test_as_list_returns_a_copy(self):
        original = ["a"]
        result = as_list(original)
        result.append("b")
        assert original == ["a"]

    def test_every_sid_carries_the_prefix(self):
        sids = [
            TRUST_SID,
            ASSUME_SID,
            KEY_USERS_SID,
            OBJECTS_SID,
            LIST_SID,
            BUCKET_LOCATION_SID,
            KMS_USE_SID,
            OBJECT_ACL_SID,
        ]
        assert all(sid.startswith(SID_PREFIX) for sid in sids)
        assert len(set(sids)) == len(sids)


class TestTrustStatement:
    def test_allows_exactly_sts_assume_role_for_the_given_roles(self):
        statement = trust_statement([JOB_ROLE, EMR_ROLE, EMR_ROLE])
        assert statement == {
            "Sid": TRUST_SID,
            "Effect": "Allow",
            "Principal": {"AWS": sorted([EMR_ROLE, JOB_ROLE])},
            "Action": "sts:AssumeRole",
        }
        assert "Condition" not in statement

    def test_is_stable_for_any_input_order(self):
        assert trust_statement([EMR_ROLE, JOB_ROLE]) == trust_statement(iter([JOB_ROLE, EMR_ROLE]))


class TestDestinationPermissionsPolicy:
    def test_exact_document_for_one_prefix_and_one_key(self):
        policy = destination_permissions_policy("aws", [RESULTS], [KEY_ARN])
        assert policy == {
            "Version": VERSION,
            "Statement": [
                {
                    "Sid": OBJECTS_SID,
                    "Effect": "Allow",
                    "Action": [
                        "s3:AbortMultipartUpload",
                        "s3:DeleteObject",
                        "s3:GetObject",
                        "s3:ListMultipartUploadParts",
                        "s3:PutObject",
                    ],
                    "Resource": [
                        "arn:aws:s3:::partner-b/results/daily/*",
                        "arn:aws:s3:::partner-b/results/daily",
                        "arn:aws:s3:::partner-b/results/daily_$folder$",
                    ],
                },
                {
                    "Sid": LIST_SID,
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
                    "Resource": ["arn:aws:s3:::partner-b"],
                },
                {
                    "Sid": BUCKET_LOCATION_SID,
                    "Effect": "Allow",
                    "Action": "s3:GetBucketLocation",
                    "Resource": ["arn:aws:s3:::partner-b"],
                },
                {
                    "Sid": KMS_USE_SID,
                    "Effect": "Allow",
                    "Action": [
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey*",
                        "kms:ReEncrypt*",
                    ],
                    "Resource": [KEY_ARN],
                },
            ],
        }

    def test_version_and_json_serialisable(self):
        policy = destination_permissions_policy("aws", [RESULTS, OTHER], [KEY_ARN])
        assert policy["Version"] == "2012-10-17"
        assert json.loads(json.dumps(policy)) == policy

    def test_object_actions_only_under_the_prefixes_and_their_folder_markers(self):
        policy = destination_permissions_policy("aws", [RESULTS, RAW, OTHER])
        objects = statements_by_sid(policy)[OBJECTS_SID]
        assert sorted(objects["Resource"]) == sorted(
            [
                "arn:aws:s3:::partner-b/results/daily/*",
                "arn:aws:s3:::partner-b/results/daily",
                "arn:aws:s3:::partner-b/results/daily_$folder$",
                "arn:aws:s3:::partner-b/raw/*",
                "arn:aws:s3:::partner-b/raw",
                "arn:aws:s3:::partner-b/raw_$folder$",
                "arn:aws:s3:::partner-c/in/*",
                "arn:aws:s3:::partner-c/in",
                "arn:aws:s3:::partner-c/in_$folder$",
            ]
        )
        # Every object action is an s3 object action, no wildcard actions.
        assert set(objects["Action"]) == set(OBJECT_ACTIONS)
        assert all(action.startswith("s3:") and "*" not in action for action in objects["Action"])
        assert "s3:ListBucket" not in objects["Action"]

    def test_no_statement_grants_objects_bucket_wide(self):
        policy = destination_permissions_policy("aws", [RESULTS, OTHER], [KEY_ARN])
        resources = all_resources(policy)
        assert "*" not in resources
        for bucket in ("partner-b", "partner-c"):
            assert f"arn:aws:s3:::{bucket}/*" not in resources
        for statement in policy["Statement"]:
            actions = as_list(statement["Action"])
            assert "*" not in actions
            assert "s3:*" not in actions
            assert statement["Effect"] == "Allow"
            assert "NotResource" not in statement
            assert "NotAction" not in statement
            assert "Principal" not in statement  # an identity policy

    def test_list_bucket_is_unconditioned_on_exactly_the_prefixes_buckets(self):
        # A HEAD of a missing key is 404 only with s3:ListBucket (S3 API Reference, HeadObject), and AWS does
        # not document which listing keys it carries: a condition on s3:prefix could turn an exists() into 403.
        policy = destination_permissions_policy("aws", [RESULTS, RAW, OTHER])
        [statement] = [s for s in policy["Statement"] if "s3:ListBucket" in as_list(s["Action"])]
        assert statement["Resource"] == ["arn:aws:s3:::partner-b", "arn:aws:s3:::partner-c"]
        assert as_list(statement["Action"]) == ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
        assert statement["Sid"] == LIST_SID
        assert "Condition" not in statement
        # The buckets only: these are bucket actions, no object access.
        assert not any("/" in arn for arn in statement["Resource"])

    def test_bucket_actions_are_granted_on_no_other_bucket(self):
        policy = destination_permissions_policy("aws", [RESULTS])
        bucket_level = [
            s
            for s in policy["Statement"]
            if set(as_list(s["Action"])) & {"s3:ListBucket", "s3:ListBucketMultipartUploads"}
        ]
        assert [as_list(s["Resource"]) for s in bucket_level] == [["arn:aws:s3:::partner-b"]]

    def test_get_bucket_location_on_each_bucket_once(self):
        policy = destination_permissions_policy("aws", [RESULTS, RAW, OTHER])
        statement = statements_by_sid(policy)[BUCKET_LOCATION_SID]
        assert statement["Action"] == "s3:GetBucketLocation"
        assert statement["Resource"] == ["arn:aws:s3:::partner-b", "arn:aws:s3:::partner-c"]

    def test_kms_statement_only_when_keys_are_given(self):
        without = destination_permissions_policy("aws", [RESULTS])
        assert KMS_USE_SID not in statements_by_sid(without)
        assert not any(resource.startswith("arn:aws:kms") for resource in all_resources(without))
        with_keys = destination_permissions_policy("aws", [RESULTS], [KEY_ARN_2, KEY_ARN, KEY_ARN])
        kms = statements_by_sid(with_keys)[KMS_USE_SID]
        assert kms["Resource"] == sorted([KEY_ARN, KEY_ARN_2])
        assert set(kms["Action"]) == {
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        }

    def test_is_deterministic_whatever_the_input_order_and_duplicates(self):
        first = destination_permissions_policy("aws", [RESULTS, OTHER, RAW], [KEY_ARN, KEY_ARN_2])
        second = destination_permissions_policy("aws", [OTHER, RAW, RESULTS, RAW], [KEY_ARN_2, KEY_ARN])
        assert first == second
        assert json.dumps(first) == json.dumps(second)

    def test_partition_is_used_everywhere(self):
        policy = destination_permissions_policy("aws-cn", [RESULTS])
        resources = all_resources(policy)
        assert resources
        assert all(resource.startswith("arn:aws-cn:s3:::") for resource in resources)


class TestLocationsInPermissionsPolicy:
    @pytest.mark.parametrize(
        ("locations", "keys"),
        [
            ({RESULTS}, set()),
            ({RESULTS}, {KEY_ARN}),
            ({RESULTS, RAW, OTHER}, {KEY_ARN, KEY_ARN_2}),
            ({S3Location("a.b.c", "x/y/z/"), S3Location("bkt", "with space/dt=2026-01-01/")}, set()),
            ({S3Location("bkt", "a:::b/")}, set()),  # a key may hold the ARN's own ":::" (validation allows colons)
        ],
    )
    def test_round_trip(self, locations, keys):
        policy = destination_permissions_policy("aws", locations, keys)
        assert locations_in_permissions_policy(policy) == (locations, keys)

    def test_round_trip_through_json_and_parsed_locations(self):
        locations = {parse_s3_location("s3://partner-b/results/daily", "f"), parse_s3_location("s3://bkt/a/", "f")}
        policy = json.loads(json.dumps(destination_permissions_policy("aws", locations, [KEY_ARN])))
        assert locations_in_permissions_policy(policy) == (locations, {KEY_ARN})

    def test_rebuilding_from_what_was_read_gives_the_same_document(self):
        policy = destination_permissions_policy("aws", [RESULTS, OTHER], [KEY_ARN])
        locations, keys = locations_in_permissions_policy(policy)
        assert destination_permissions_policy("aws", locations, keys) == policy

    def test_reads_single_value_resources_as_aws_may_return_them(self):
        policy = destination_permissions_policy("aws", [RESULTS], [KEY_ARN])
        for statement in policy["Statement"]:
            if statement["Sid"] == KMS_USE_SID:
                statement["Resource"] = KEY_ARN
            if statement["Sid"] == OBJECTS_SID:
                statement["Resource"] = "arn:aws:s3:::partner-b/results/daily/*"
        assert locations_in_permissions_policy(policy) == ({RESULTS}, {KEY_ARN})

    @pytest.mark.parametrize("policy", [None, {}, {"Version": VERSION}, {"Statement": []}])
    def test_nothing_held(self, policy):
        assert locations_in_permissions_policy(policy) == (set(), set())

    def test_ignores_statements_it_did_not_write(self):
        policy = destination_permissions_policy("aws", [RESULTS])
        policy["Statement"].append(
            {"Sid": "SomeoneElse", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x-bkt/y/*"}
        )
        policy["Statement"].append({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN_2})
        policy["Statement"].append("not a statement")
        assert locations_in_permissions_policy(policy) == ({RESULTS}, set())

    def test_folder_markers_are_not_read_as_locations(self):
        policy = {
            "Statement": [
                {"Sid": OBJECTS_SID, "Resource": ["arn:aws:s3:::bkt/a_$folder$", "arn:aws:s3:::bkt/b/*"]},
            ]
        }
        assert locations_in_permissions_policy(policy) == ({S3Location("bkt", "b/")}, set())


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::partner-b/*",  # the whole bucket
        "arn:aws:s3:::partner-b//*",  # a prefix of slashes only
        "arn:aws:s3:::partner-b/res*/*",
        "arn:aws:s3:::partner-b/res?lts/*",
        "arn:aws:s3:::partner-b/results?",  # not below a prefix, yet a wildcard
        "arn:aws:s3:::partner-*/results/*",
    ],
)
def test_a_widened_object_resource_is_a_conflict_not_read_back(resource):
    # "*" and "?" are wildcards within an ARN's segments (IAM User Guide, "IAM JSON policy elements:
    # Resource"): read back as a prefix, the provider would write the wider grant again on every run.
    policy = {"Version": VERSION, "Statement": [{"Sid": OBJECTS_SID, "Effect": "Allow", "Resource": [resource]}]}
    with pytest.raises(ConflictError, match="wildcard resource"):
        locations_in_permissions_policy(policy)


@pytest.mark.parametrize(
    "resource", ["arn:aws:kms:us-east-1:222233334444:key/*", "arn:aws:kms:us-east-1:222233334444:key/1234abcd-?"]
)
def test_a_wildcard_key_is_a_conflict_not_read_back(resource):
    policy = {"Statement": {"Sid": KMS_USE_SID, "Effect": "Allow", "Resource": [KEY_ARN, resource]}}
    with pytest.raises(ConflictError, match="wildcard resource"):
        locations_in_permissions_policy(policy)


class TestAssumeRolePolicy:
    def test_allows_assume_role_only_on_the_named_roles(self):
        other = f"arn:aws:iam::{ACCOUNT_B}:role/Other"
        policy = assume_role_policy([DEST_ROLE, other, DEST_ROLE])
        assert policy == {
            "Version": VERSION,
            "Statement": [
                {
                    "Sid": ASSUME_SID,
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": sorted([DEST_ROLE, other]),
                }
            ],
        }

    def test_never_on_star(self):
        policy = assume_role_policy([DEST_ROLE])
        assert "*" not in all_resources(policy)
        assert all(":role/" in resource for resource in all_resources(policy))
        assert all(statement["Action"] == "sts:AssumeRole" for statement in policy["Statement"])


class TestKeyUsersStatement:
    def test_key_user_actions_for_the_principals(self):
        statement = key_users_statement([DEST_ROLE, EMR_ROLE, DEST_ROLE])
        assert statement["Sid"] == KEY_USERS_SID
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"AWS": sorted([DEST_ROLE, EMR_ROLE])}
        assert statement["Action"] == list(KEY_USER_ACTIONS)
        # In a key policy, ``*`` means this key only.
        assert statement["Resource"] == "*"
        assert "kms:PutKeyPolicy" not in statement["Action"]
        assert not any(action in ("kms:*", "*") for action in statement["Action"])


def _merged(current: dict[str, Any] | None, locations: list[S3Location]) -> dict[str, Any]:
    """What the destination hook writes: ``locations`` plus what ``current`` grants, merged into ``current``."""
    held, keys = locations_in_permissions_policy(current)
    refuse_restricted_legacy_statements(current, {location.bucket for location in held | set(locations)})
    ours = destination_permissions_policy("aws", held | set(locations), keys)
    return merge_owned_statements(current, ours, is_owned_destination_sid)


#: The form earlier versions wrote: one s3:ListBucket statement per bucket, numbered by sorted position.
LEGACY_POLICY = {
    "Version": VERSION,
    "Statement": [
        {
            "Sid": OBJECTS_SID,
            "Effect": "Allow",
            "Action": list(OBJECT_ACTIONS),
            "Resource": ["arn:aws:s3:::partner-b/raw/*"],
        },
        {
            "Sid": "EmrfsXacctList1",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": "arn:aws:s3:::partner-b",
        },
        {
            "Sid": "EmrfsXacctList2",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": "arn:aws:s3:::partner-c",
        },
        {"Sid": "TeamDeny", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ],
}


class TestListStatement:
    """The ``s3:ListBucket`` grant is one statement for all buckets, so its ``Sid`` never moves."""

    def test_adding_a_bucket_sorting_first_converges(self):
        # Earlier, partner-b was EmrfsXacctList1 and then became 2: a ConflictError on every run.
        current = _merged(None, [RAW])
        merged = _merged(current, [S3Location("aaa-first", "in/")])
        listing = statements_by_sid(merged)[LIST_SID]
        assert listing["Resource"] == ["arn:aws:s3:::aaa-first", "arn:aws:s3:::partner-b"]
        assert _merged(merged, []) == merged  # a rerun changes nothing

    def test_the_numbered_form_of_earlier_versions_converges_keeping_foreign_statements(self):
        merged = _merged(copy.deepcopy(LEGACY_POLICY), [S3Location("aaa-first", "in/")])
        sids = [statement["Sid"] for statement in merged["Statement"]]
        assert sids == [OBJECTS_SID, "TeamDeny", LIST_SID, BUCKET_LOCATION_SID]
        assert statements_by_sid(merged)["TeamDeny"] == LEGACY_POLICY["Statement"][3]
        assert statements_by_sid(merged)[LIST_SID]["Resource"] == [
            "arn:aws:s3:::aaa-first",
            "arn:aws:s3:::partner-b",
        ]
        assert _merged(merged, []) == merged

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "Condition"),
            ({"Effect": "Deny"}, "Effect 'Deny'"),
        ],
    )
    def test_a_restricted_numbered_statement_is_a_conflict_not_dropped(self, change, named):
        current = copy.deepcopy(LEGACY_POLICY)
        current["Statement"][2].update(change)
        with pytest.raises(ConflictError, match=rf"'EmrfsXacctList2' .*carries {named}"):
            _merged(current, [])

    @pytest.mark.parametrize(
        ("sid", "owned"),
        [
            (LIST_SID, True),
            ("EmrfsXacctList1", True),
            ("EmrfsXacctList12", True),
            ("EmrfsXacctListMine", False),
            ("EmrfsXacctList\u00b2", False),  # a superscript digit: not a number IAM or the provider writes
            ("XEmrfsXacctList1", False),
        ],
    )
    def test_owned_sids(self, sid, owned):
        assert is_owned_destination_sid(sid) is owned


class TestObjectAcl:
    """``object_acl``: ``s3:PutObjectAcl`` for uploads carrying a canned ACL (S3 API Reference, PutObject, "Permissions")."""

    def test_the_grant_is_its_own_statement_on_the_prefixes_objects(self):
        policy = destination_permissions_policy("aws", [RESULTS], [KEY_ARN], object_acl=True)

        [granted] = [item for item in policy["Statement"] if item["Sid"] == OBJECT_ACL_SID]
        assert granted == {
            "Sid": "EmrfsXacctObjectAcl",
            "Effect": "Allow",
            "Action": "s3:PutObjectAcl",
            "Resource": object_resources("aws", RESULTS),
        }
        assert policy["Statement"][:-1] == destination_permissions_policy("aws", [RESULTS], [KEY_ARN])["Statement"]

    def test_the_provider_owns_it_so_a_run_without_it_removes_it_and_keeps_the_rest(self):
        assert is_owned_destination_sid(OBJECT_ACL_SID)
        theirs = {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
        with_acl = merge_owned_statements(
            None, destination_permissions_policy("aws", [RESULTS], object_acl=True), is_owned_destination_sid
        )
        with_acl["Statement"].append(theirs)

        without = merge_owned_statements(
            with_acl, destination_permissions_policy("aws", [RESULTS]), is_owned_destination_sid
        )

        assert [item["Sid"] for item in without["Statement"]] == [
            OBJECTS_SID,
            LIST_SID,
            BUCKET_LOCATION_SID,
            "NoDeletes",
        ]

    def test_option_a_uses_the_same_statement(self):
        emr_role = emr_role_bucket_policy("aws", {RESULTS}, {KEY_ARN}, object_acl=True)

        assert emr_role == destination_permissions_policy("aws", [RESULTS], [KEY_ARN], object_acl=True)


def test_a_new_permissions_policy_holds_only_version_and_statements() -> None:
    # A policy document's top-level elements are Version, Id and Statement (IAM User Guide, "IAM JSON
    # policy element reference"); without Version, IAM reads it as 2008-10-17, which has no policy
    # variables ("IAM JSON policy elements: Version").
    desired = destination_permissions_policy("aws", [S3Location("partner-b", "raw/")])
    written = merge_owned_statements(None, desired, is_owned_destination_sid)
    assert set(written) == {"Version", "Statement"}
    assert written["Version"] == VERSION == "2012-10-17"
    assert written["Statement"] == desired["Statement"]


def test_the_inline_policy_names_are_the_ones_already_written_in_aws() -> None:
    # The provider finds its inline policies by name (GetRolePolicy, PutRolePolicy, DeleteRolePolicy):
    # renamed, the next run would write a second policy and revoke would leave the old grant in place.
    assert DESTINATION_POLICY_NAME == "emrfs-xacct-destination-access"
    assert ASSUME_POLICY_NAME == "emrfs-xacct-assume-destination-roles"


def test_the_statement_ids_are_the_ones_already_written_in_aws() -> None:
    # The provider finds its own statements by Sid, and leaves every other one alone: renamed, the next
    # run would add a second statement beside the old one, and revoke would leave the old grant in place.
    assert SID_PREFIX == "EmrfsXacct"
    assert (TRUST_SID, ASSUME_SID, KEY_USERS_SID) == (
        "EmrfsXacctTrustEmrRoles",
        "EmrfsXacctAssumeDestinationRoles",
        "EmrfsXacctKeyUsers",
    )
    assert (OBJECTS_SID, LIST_SID, BUCKET_LOCATION_SID, KMS_USE_SID, OBJECT_ACL_SID) == (
        "EmrfsXacctObjects",
        "EmrfsXacctList",
        "EmrfsXacctBucketLocation",
        "EmrfsXacctKmsKeyUse",
        "EmrfsXacctObjectAcl",
    )


def test_statements_not_owned_names_every_statement_the_provider_does_not_write() -> None:
    """What a role deletion refuses: a statement of another Sid, one without a Sid (by index), one that is not a mapping."""
    ours = destination_permissions_policy("aws", set(), set())["Statement"]
    policy = {
        "Version": VERSION,
        "Statement": [*ours, {"Sid": "PartnerDeny", "Effect": "Deny"}, {"Effect": "Allow"}, "not a statement"],
    }

    assert statements_not_owned(policy, is_owned_destination_sid) == [
        "statement 'PartnerDeny'",
        f"statement [{len(ours) + 1}]",
        f"statement [{len(ours) + 2}]",
    ]
    assert statements_not_owned({"Version": VERSION, "Statement": ours}, is_owned_destination_sid) == []
    assert statements_not_owned(None, is_owned_destination_sid) == []


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ({"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}, None),
        ({"Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"], "Resource": "arn:aws-cn:s3:::b"}, None),
        ({"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::gone"}, None),  # as written, for a bucket left since
        ({"Action": "s3:ListBucket", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::archive"]}, "arn:aws:s3:::archive"),
        ({"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::b/*"),
        ({"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::*"}, "arn:aws:s3:::*"),
        ({"Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "arn:aws:s3:::b"}, "s3:GetObject"),
        ({"Action": "s3:*", "Resource": "arn:aws:s3:::b"}, "s3:*"),
    ],
)
def test_an_earlier_version_s_numbered_statement_is_dropped_only_as_it_was_written(
    statement: dict[str, Any], refused: str | None
) -> None:
    # The run replaces EmrfsXacctList<n> (one bucket's ARN, the bucket actions) by EmrfsXacctList over `buckets`:
    # anything else someone added to it would go with it.
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "EmrfsXacctList2", "Effect": "Allow", **statement}]}
    if refused is None:
        refuse_restricted_legacy_statements(policy, {"b"})
    else:
        with pytest.raises(ConflictError, match=re.escape(repr(refused))):
            refuse_restricted_legacy_statements(policy, {"b"})
