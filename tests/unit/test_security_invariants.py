"""
Security invariants of every document the provider builds, for arbitrary (templated, user-typed) input.

The pipeline under test is the operators' own, minus AWS: validate the arguments (as the operators
do, including the connection's partition and IAM's size limits), then build the documents. For any
input, either validation refuses it with an :class:`InvalidParameterError` naming the argument, or
the documents are well-formed and grant no more than was asked:

- identity policies: no ``*`` (or other wildcard) resource except the trailing ``*`` of an asked
  prefix, object resources only under the asked prefixes (never ``arn:aws:s3:::bucket/*``),
  ``s3:ListBucket``/``s3:ListBucketMultipartUploads`` only on the asked prefixes' buckets (unconditioned:
  a HEAD of a missing key needs ``s3:ListBucket``, and AWS does not document which listing keys it carries),
  ``sts:AssumeRole`` only on the asked roles;
- trust and key policies: principals are exactly the asked role ARNs, never ``*``;
- every identity policy passes parliament's checks with no finding at all.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from typing import TYPE_CHECKING, Any, TypeVar

import parliament
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.documents import (
    KEY_USERS_SID,
    SID_PREFIX,
    TRUST_SID,
    VERSION,
    as_list,
    assume_role_policy,
    destination_permissions_policy,
    key_users_statement,
    locations_in_permissions_policy,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_ROLE_INLINE_POLICIES_CHARS,
    MAX_TRUST_POLICY_CHARS,
    merged_principals,
    require_iam_policy_length,
    same_meaning,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import (
    S3Location,
    parse_s3_location,
    require_list,
    require_partition,
    validate_kms_key_arn,
    validate_role_arn,
)

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)
PARTITION = "aws"  # the partition of the connection the operator would use
# What docs/concepts.md ("Least privilege, for what a real write sends") says the destination role may do, written
# here rather than taken from pure/documents.py: a widened action list there must fail these checks.
OBJECT_ACTIONS = frozenset(
    {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
)
BUCKET_ACTIONS = frozenset({"s3:ListBucket", "s3:ListBucketMultipartUploads"})
KEY_USER_ACTIONS = frozenset(
    {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
)
ALLOWED_IDENTITY_ACTIONS = {*OBJECT_ACTIONS, *BUCKET_ACTIONS, "s3:GetBucketLocation", *KEY_USER_ACTIONS}
EXISTING_KEY_POLICY = {
    "Version": VERSION,
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}

# --- generators: mostly valid-looking values, with the characters and shapes that break things mixed in ---

ACCOUNTS = st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), st.text(alphabet=string.digits + "１a-", max_size=13))
ROLE_NAMES = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True)
VALID_ROLE_ARNS = st.builds(
    lambda account, path, name: f"arn:aws:iam::{account}:role/{path}{name}",
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    st.sampled_from(["", "service-role/", "partners/b/"]),
    ROLE_NAMES,
)
ODD_ROLE_ARNS = st.one_of(
    st.builds(
        lambda partition, service, region, account, resource: (
            f"arn:{partition}:{service}:{region}:{account}:{resource}"
        ),
        st.sampled_from(["aws", "aws-cn", "amazon", ""]),
        st.sampled_from(["iam", "sts", "s3"]),
        st.sampled_from(["", "us-east-1"]),
        ACCOUNTS,
        st.one_of(
            st.text(max_size=20).map(lambda name: f"role/{name}"),
            st.sampled_from(["role/*", "role/a?", "root", "user/etl", "role/", "role//x", "role/${aws:username}"]),
        ),
    ),
    st.text(max_size=40),
    st.just("*"),
)
ROLE_ARNS = st.one_of(VALID_ROLE_ARNS, ODD_ROLE_ARNS)

KEY_IDS = st.uuids().map(str)
VALID_KEY_ARNS = st.builds(
    lambda account, key_id: f"arn:aws:kms:us-east-1:{account}:key/{key_id}",
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    KEY_IDS,
)
ODD_KEY_ARNS = st.one_of(
    st.builds(
        lambda partition, region, resource: f"arn:{partition}:kms:{region}:222222222222:{resource}",
        st.sampled_from(["aws", "aws-cn"]),
        st.sampled_from(["us-east-1", "", "US-EAST-1"]),
        st.one_of(KEY_IDS.map(lambda key_id: f"key/{key_id}"), st.sampled_from(["key/*", "alias/partner", "key/"])),
    ),
    KEY_IDS,
    st.text(max_size=30),
)
KEY_ARNS = st.one_of(VALID_KEY_ARNS, ODD_KEY_ARNS)

VALID_BUCKETS = st.from_regex(r"[a-z0-9][a-z0-9-]{1,10}[a-z0-9]", fullmatch=True)
ODD_BUCKETS = st.one_of(
    st.text(alphabet=string.ascii_lowercase + string.digits + ".-_A*/ ", max_size=70), st.text(max_size=12)
)
SEGMENTS = st.from_regex(r"[A-Za-z0-9_.=+ -]{1,8}", fullmatch=True)
VALID_KEYS = st.builds(
    lambda segments, slash: "/".join(segments) + slash,
    st.lists(SEGMENTS, min_size=1, max_size=3),
    st.sampled_from(["", "/"]),
)
ODD_KEYS = st.one_of(
    st.text(alphabet=string.ascii_letters + "/.*?$ {}_é", max_size=30),
    st.text(max_size=20),
    st.sampled_from(["", "/", "*", "a/*", "..", "a/./b", "x_$folder$", "${aws:username}/", "a//b"]),
)
VALID_S3_URIS = st.builds(lambda bucket, key: f"s3://{bucket}/{key}", VALID_BUCKETS, VALID_KEYS)
S3_URIS = st.one_of(
    VALID_S3_URIS,
    st.builds(
        lambda bucket, key: f"s3://{bucket}/{key}",
        st.one_of(VALID_BUCKETS, ODD_BUCKETS),
        st.one_of(VALID_KEYS, ODD_KEYS),
    ),
    st.sampled_from(["s3://", "s3:///x/", "S3://bkt/x/", "https://bkt.s3.amazonaws.com/x/", "arn:aws:s3:::bkt/x/*"]),
    st.text(max_size=30),
)


def templated(valid: st.SearchStrategy[Any], anything: st.SearchStrategy[Any], *, min_size: int = 1) -> Any:
    """
    A list argument as templating may render it: mostly a list of valid-looking values, else a list of
    anything, one bare value, a rendered-list string, an empty list, or another type altogether.
    """
    good = st.lists(valid, min_size=min_size, max_size=4, unique=True)
    mixed = st.lists(anything, min_size=min_size, max_size=4)
    odd = st.one_of(anything, mixed.map(str), st.lists(anything, max_size=0), st.sampled_from([None, 7, {"a": 1}]))
    # ``one_of`` does not weight its branches by repetition: pick by a number, 7 in 10 a good list.
    return st.integers(min_value=0, max_value=9).flatmap(lambda pick: good if pick < 7 else mixed if pick < 9 else odd)


# --- the operators' validation, without AWS ---


def validate_destination(trusted: Any, prefixes: Any, keys: Any) -> tuple[list[str], list[S3Location], list[str]]:
    """What EnsureDestinationRoleOperator checks before its first call."""
    trusted = require_list(trusted, "trusted_role_arns", validate_role_arn)
    locations = require_list(prefixes, "s3_prefixes", parse_s3_location)
    keys = require_list(keys or [], "kms_key_arns", validate_kms_key_arn, allow_empty=True)
    for field, arns in (("trusted_role_arns", trusted), ("kms_key_arns", keys)):
        for index, arn in enumerate(arns):
            require_partition(arn, PARTITION, f"{field}[{index}]", "the connection")
    return trusted, locations, keys


def validate_roles(value: Any, field: str) -> list[str]:
    """What AttachAssumeRolePolicyOperator and GrantKmsKeyUserOperator check for their role lists."""
    arns = require_list(value, field, validate_role_arn)
    for index, arn in enumerate(arns):
        require_partition(arn, PARTITION, f"{field}[{index}]", "the connection")
    return arns


# --- the invariants ---


def assert_well_formed(document: dict[str, Any]) -> None:
    assert json.loads(json.dumps(document)) == document  # plain JSON values only
    assert document["Version"] == VERSION
    statements = document["Statement"]
    assert isinstance(statements, list)
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert as_list(statement["Action"])
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        assert "NotPrincipal" not in statement


def assert_no_wildcard_principal(statement: dict[str, Any], asked: list[str]) -> None:
    principal = statement["Principal"]
    assert principal != "*"
    assert set(principal) == {"AWS"}
    principals = as_list(principal["AWS"])
    assert "*" not in principals
    assert not any(char in arn for arn in principals for char in "*?")
    assert sorted(principals) == sorted(set(asked))


def assert_identity_policy_least_privilege(policy: dict[str, Any], locations: set[S3Location], keys: set[str]) -> None:
    assert_well_formed(policy)
    buckets = {location.bucket for location in locations}
    allowed_objects = (
        {f"arn:{PARTITION}:s3:::{location.bucket}/{location.prefix}*" for location in locations}
        | {f"arn:{PARTITION}:s3:::{location.bucket}/{location.prefix.rstrip('/')}_$folder$" for location in locations}
        | {f"arn:{PARTITION}:s3:::{location.bucket}/{location.prefix.rstrip('/')}" for location in locations}
    )
    for statement in policy["Statement"]:
        assert statement["Sid"].startswith(SID_PREFIX)
        assert "Principal" not in statement
        actions = as_list(statement["Action"])
        assert set(actions) <= ALLOWED_IDENTITY_ACTIONS, actions
        resources = as_list(statement["Resource"])
        assert resources
        assert "*" not in resources
        for resource in resources:
            assert not resource.endswith(":*")
            for location in locations:
                assert resource != f"arn:{PARTITION}:s3:::{location.bucket}/*"  # never the whole bucket
        if set(actions) & OBJECT_ACTIONS:
            assert set(actions) == OBJECT_ACTIONS
            assert set(resources) == allowed_objects
        if set(actions) & BUCKET_ACTIONS:
            assert set(actions) == BUCKET_ACTIONS
            # The asked prefixes' buckets (one statement for all), never an object ARN or another bucket.
            assert {resource.removeprefix(f"arn:{PARTITION}:s3:::") for resource in resources} == buckets
            assert "Condition" not in statement, statement
        if "s3:GetBucketLocation" in actions:
            assert {resource.removeprefix(f"arn:{PARTITION}:s3:::") for resource in resources} == buckets
        if set(actions) & KEY_USER_ACTIONS:
            assert set(resources) == keys


def assert_assume_policy_exact(policy: dict[str, Any], asked: list[str]) -> None:
    assert_well_formed(policy)
    for statement in policy["Statement"]:
        assert "Principal" not in statement
        assert as_list(statement["Action"]) == ["sts:AssumeRole"]
        resources = as_list(statement["Resource"])
        assert "*" not in resources
        assert sorted(resources) == sorted(set(asked))
        assert not any(char in arn for arn in resources for char in "*?")


def parliament_findings(policy: dict[str, Any]) -> list[str]:
    findings = parliament.analyze_policy_string(json.dumps(policy)).findings
    return [f"{finding.issue}: {finding.detail} at {finding.location}" for finding in findings]


def assert_parliament_clean(policy: dict[str, Any]) -> None:
    findings = parliament_findings(policy)
    if findings:
        print(json.dumps(policy, indent=2), *findings, sep="\n")
    assert findings == []


# --- the properties ---


def attempt(build: Callable[[], T], fields: tuple[str, ...], outcomes: Counter[str]) -> T | None:
    """Run the validation and building; a refusal must be an InvalidParameterError naming one of ``fields``."""
    refusal: InvalidParameterError | None = None
    try:
        result = build()
    except InvalidParameterError as error:
        refusal = error
    if refusal is None:
        outcomes["accepted"] += 1
        return result
    assert refusal.field.startswith(fields), refusal
    assert refusal.problem
    outcomes["refused"] += 1
    return None


def test_destination_role_documents_are_refused_or_least_privilege() -> None:
    outcomes: Counter[str] = Counter()

    @PROPERTY_SETTINGS
    @given(
        trusted=templated(VALID_ROLE_ARNS, ROLE_ARNS),
        prefixes=templated(VALID_S3_URIS, S3_URIS),
        keys=st.one_of(st.none(), templated(VALID_KEY_ARNS, KEY_ARNS, min_size=0)),
        held=st.integers(min_value=0, max_value=4),
    )
    def check(trusted: Any, prefixes: Any, keys: Any, held: int) -> None:
        def build() -> tuple[Any, ...]:
            valid = validate_destination(trusted, prefixes, keys)
            trust = require_iam_policy_length(
                upsert_statement(None, trust_statement(valid[0])), MAX_TRUST_POLICY_CHARS, "trusted_role_arns", "trust"
            )
            permissions = require_iam_policy_length(
                destination_permissions_policy(PARTITION, valid[1], valid[2]),
                MAX_ROLE_INLINE_POLICIES_CHARS,
                "s3_prefixes",
                "permissions",
            )
            return (*valid, trust, permissions)

        built = attempt(build, ("trusted_role_arns", "s3_prefixes", "kms_key_arns"), outcomes)
        if built is None:
            return
        trusted_arns, locations, key_arns, trust, permissions = built

        [statement] = trust["Statement"]
        assert statement["Sid"] == TRUST_SID
        assert statement["Action"] == "sts:AssumeRole"
        assert "Resource" not in statement
        assert_no_wildcard_principal(statement, trusted_arns)
        assert_well_formed(trust)

        assert_identity_policy_least_privilege(permissions, set(locations), set(key_arns))
        assert_parliament_clean(permissions)

        # A later run merges into what an earlier run wrote: still exactly the union, nothing broader.
        earlier = destination_permissions_policy(PARTITION, locations[:held], key_arns[:held])
        held_locations, held_keys = locations_in_permissions_policy(earlier)
        assert held_locations == set(locations[:held])
        merged = destination_permissions_policy(PARTITION, held_locations | set(locations), held_keys | set(key_arns))
        assert same_meaning(merged, permissions)

    check()
    assert outcomes["accepted"] >= 10, outcomes
    assert outcomes["refused"] >= 10, outcomes


def test_emr_side_documents_are_refused_or_exactly_what_was_asked() -> None:
    outcomes: Counter[str] = Counter()

    @PROPERTY_SETTINGS
    @given(
        destinations=templated(VALID_ROLE_ARNS, ROLE_ARNS),
        principals=templated(VALID_ROLE_ARNS, ROLE_ARNS),
        key_arn=st.one_of(VALID_KEY_ARNS, VALID_KEY_ARNS, KEY_ARNS),
    )
    def check(destinations: Any, principals: Any, key_arn: Any) -> None:
        def build() -> tuple[Any, ...]:
            roles = validate_roles(destinations, "destination_role_arns")
            assume = require_iam_policy_length(
                assume_role_policy(roles), MAX_ROLE_INLINE_POLICIES_CHARS, "destination_role_arns", "assume"
            )
            require_partition(validate_kms_key_arn(key_arn, "key_arn"), PARTITION, "key_arn", "the connection")
            return roles, assume, validate_roles(principals, "principal_arns")

        built = attempt(build, ("destination_role_arns", "principal_arns", "key_arn"), outcomes)
        if built is None:
            return
        roles, assume, key_users = built

        assert_assume_policy_exact(assume, roles)
        assert_parliament_clean(assume)

        key_policy = upsert_statement(
            EXISTING_KEY_POLICY,
            key_users_statement(merged_principals(EXISTING_KEY_POLICY, KEY_USERS_SID, key_users)),
        )
        assert key_policy["Statement"][0] == EXISTING_KEY_POLICY["Statement"][0]  # the admins' statement untouched
        ours = key_policy["Statement"][-1]
        assert ours["Sid"] == KEY_USERS_SID
        assert set(as_list(ours["Action"])) == KEY_USER_ACTIONS
        assert_no_wildcard_principal(ours, key_users)
        assert_well_formed(key_policy)

    check()
    assert outcomes["accepted"] >= 10, outcomes
    assert outcomes["refused"] >= 10, outcomes


HADOOP_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.@-]{0,10}", fullmatch=True)
IDENTIFIERS = st.one_of(S3_URIS, HADOOP_NAMES, st.text(max_size=12))
PREFIX_MAPPINGS = st.fixed_dictionaries(
    {"Role": VALID_ROLE_ARNS, "IdentifierType": st.just("Prefix"), "Identifiers": templated(VALID_S3_URIS, S3_URIS)}
)
NAME_MAPPINGS = st.fixed_dictionaries(
    {
        "Role": VALID_ROLE_ARNS,
        "IdentifierType": st.sampled_from(["User", "Group"]),
        "Identifiers": templated(HADOOP_NAMES, IDENTIFIERS),
    }
)
ODD_MAPPINGS = st.fixed_dictionaries(
    {
        "Role": ROLE_ARNS,
        "IdentifierType": st.sampled_from(["Prefix", "User", "prefix", ""]),
        "Identifiers": templated(IDENTIFIERS, IDENTIFIERS),
    }
)


def test_role_mappings_are_refused_or_map_exactly_the_asked_identifiers() -> None:
    outcomes: Counter[str] = Counter()

    @PROPERTY_SETTINGS
    @given(mappings=st.lists(st.one_of(PREFIX_MAPPINGS, NAME_MAPPINGS, ODD_MAPPINGS), min_size=0, max_size=3))
    def check(mappings: list[dict[str, Any]]) -> None:
        def build() -> list[dict[str, Any]]:
            valid = validate_role_mappings(mappings, "role_mappings")
            for index, mapping in enumerate(valid):
                require_partition(mapping["Role"], PARTITION, f"role_mappings[{index}].Role", "the connection")
            return valid

        validated = attempt(build, ("role_mappings",), outcomes)
        if validated is None:
            return
        document = build_security_configuration(validated)
        assert json.loads(json.dumps(document)) == document
        built = document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
        assert len(built) == len(mappings)
        for asked, mapping in zip(mappings, built, strict=True):
            assert mapping["Role"] == asked["Role"]
            assert mapping["IdentifierType"] == asked["IdentifierType"]
            identifiers = as_list(asked["Identifiers"])
            assert len(mapping["Identifiers"]) == len(identifiers)
            for typed, identifier in zip(identifiers, mapping["Identifiers"], strict=True):
                assert not any(char in identifier for char in "*?$")
                if mapping["IdentifierType"] == "Prefix":
                    # The same location, only normalised to end with '/'.
                    assert identifier.startswith("s3://")
                    assert identifier.rstrip("/") == typed.rstrip("/")
                else:
                    assert identifier == typed
                    assert not identifier.startswith("s3://")

    check()
    assert outcomes["accepted"] >= 10, outcomes
    assert outcomes["refused"] >= 10, outcomes


# --- every identity policy shape the provider generates passes parliament with no finding ---

KEY = "arn:aws:kms:us-east-1:222222222222:key/0123abcd-0123-4567-89ab-0123456789ab"
OTHER_KEY = "arn:aws:kms:eu-west-1:222222222222:key/mrk-0123456789abcdef0123456789abcdef"
RESULTS = S3Location("partner-results-b", "exports/")
IDENTITY_POLICIES = {
    "permissions, one prefix, no key": destination_permissions_policy("aws", [RESULTS]),
    "permissions, one prefix, one key": destination_permissions_policy("aws", [RESULTS], [KEY]),
    "permissions, two buckets, nested prefixes, two keys": destination_permissions_policy(
        "aws",
        [RESULTS, S3Location("partner-results-b", "daily/2026/"), S3Location("partner-archive-b", "a/b/c/")],
        [KEY, OTHER_KEY],
    ),
    "permissions, prefix with EMRFS-legal odd characters": destination_permissions_policy(
        "aws", [S3Location("partner-results-b", "team=data/run 1/")]
    ),
    "permissions, aws-cn partition": destination_permissions_policy(
        "aws-cn", [RESULTS], ["arn:aws-cn:kms:cn-north-1:222222222222:key/0123abcd-0123-4567-89ab-0123456789ab"]
    ),
    "permissions, canned ACL on writes (object_acl)": destination_permissions_policy(
        "aws", [RESULTS], [KEY], object_acl=True
    ),
    "spill policy, roles in two accounts with paths": spill.with_roles(
        None,
        ["arn:aws:iam::222222222222:role/emrfs-partner-writer", "arn:aws:iam::333333333333:role/partners/b/writer"],
    ),
    "assume-role, one role": assume_role_policy(["arn:aws:iam::222222222222:role/emrfs-partner-writer"]),
    "assume-role, roles in two accounts with paths": assume_role_policy(
        ["arn:aws:iam::222222222222:role/emrfs-partner-writer", "arn:aws:iam::333333333333:role/partners/b/writer"]
    ),
}


@pytest.mark.parametrize("name", sorted(IDENTITY_POLICIES))
def test_every_identity_policy_shape_passes_parliament(name: str) -> None:
    assert_parliament_clean(IDENTITY_POLICIES[name])


def test_parliament_does_flag_what_the_provider_must_never_write() -> None:
    """The "no finding" checks above are only worth something if parliament flags broad policies."""
    broad_objects = {"Version": VERSION, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    list_on_objects = {
        "Version": VERSION,
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/x/*"}],
    }
    assert any(finding.startswith("RESOURCE_STAR") for finding in parliament_findings(broad_objects))
    assert any(finding.startswith("RESOURCE_MISMATCH") for finding in parliament_findings(list_on_objects))


@pytest.mark.parametrize(
    "broaden",
    [
        pytest.param(
            lambda policy: policy["Statement"][0]["Resource"].append("arn:aws:s3:::partner-results-b/*"),
            id="bucket-wide-objects",
        ),
        pytest.param(
            lambda policy: policy["Statement"][1].update(Resource="arn:aws:s3:::other-bucket"), id="list-elsewhere"
        ),
        pytest.param(lambda policy: policy["Statement"][1].update(Resource="arn:aws:s3:::*"), id="list-every-bucket"),
        pytest.param(lambda policy: policy["Statement"][2].update(Resource="*"), id="resource-star"),
        pytest.param(lambda policy: policy["Statement"][0]["Action"].append("s3:*"), id="action-wildcard"),
    ],
)
def test_the_invariant_checks_catch_a_broadened_policy(broaden: Callable[[dict[str, Any]], Any]) -> None:
    policy = destination_permissions_policy("aws", [RESULTS])
    assert_identity_policy_least_privilege(policy, {RESULTS}, set())
    broaden(policy)
    with pytest.raises(AssertionError):
        assert_identity_policy_least_privilege(policy, {RESULTS}, set())


def test_the_assume_check_catches_assume_role_on_star() -> None:
    arn = "arn:aws:iam::222222222222:role/emrfs-partner-writer"
    policy = assume_role_policy([arn])
    policy["Statement"][0]["Resource"] = [arn, "*"]
    with pytest.raises(AssertionError):
        assert_assume_policy_exact(policy, [arn])
