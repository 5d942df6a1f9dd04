"""
A statement that decides some keys under the job's prefix and not others leaves the links it may decide not checked,
and a passing live probe settles a request only where every statement decides its object as the probe's.

The verifier judges each object request on one key of its table (``pure/requests.py``: ``part-00000``, the markers,
``_SUCCESS``), while a job writes others (Spark's ``part-00000-<uuid>-c000.csv``, ``partitionBy``'s ``k=v/part-…``).
A statement applies only to the resources its ``Resource``/``NotResource`` names (IAM User Guide, "IAM JSON policy
elements: Resource"; "Policy evaluation logic"), and a condition on ``kms:EncryptionContext:aws:s3:arn`` (AWS KMS
Developer Guide, "AWS KMS condition keys") to the objects whose ARN it matches, the encryption context S3 sends
without an S3 Bucket Key (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)"; with one
it is the bucket's ARN: "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"). The probe writes only
``PREFIX_emrfs_xacct_probe/<uuid>`` (``verify.probe_key``). Before, each state below passed (with the probe, or
without it).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    SOME_KEYS_FIX,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.s3_access import LISTING_KEYS_404_FIX
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    KEY,
    KMS,
    PREFIX,
    ROLE,
    ROOT_STATEMENT,
    by_name,
    destination_role,
    document,
    healthy_state,
)
from tests.unit.test_probe_scope import OUTSIDE_THE_ENDPOINT, PASSED, _links
from tests.unit.test_root_outputs import WHOLE, _whole_bucket_state

BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
WRITE = f"write files {PREFIX}"
READ_BACK = f"read back {PREFIX}"
MKDIRS = f"mkdirs {PREFIX}"


def _bucket(state: ChainState) -> BucketState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    return bucket


def _with_bucket_policy(*statements: dict[str, Any]) -> ChainState:
    state = healthy_state()
    _bucket(state).policy = document(*statements)
    return state


def _deny(actions: str | list[str], resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Deny", "Principal": "*", "Action": actions, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


# --- Static sampling: a Resource naming some keys under the prefix ---------------------------------------------------


@pytest.mark.parametrize("pattern", ["exports/*.csv", "exports/*/*"])
def test_a_deny_of_some_keys_under_the_prefix_is_not_a_pass(pattern: str) -> None:
    """
    The reproduction: the healthy chain plus a Deny of ``s3:PutObject`` on Spark's CSV files (or on every key one
    folder down, as ``partitionBy`` writes them). ``part-00000`` matches neither, so the write passed; a Spark job's
    ``part-00000-<uuid>-c000.csv`` (or ``k=v/part-…``) is refused.
    """
    state = _with_bucket_policy(_deny("s3:PutObject", f"{BUCKET_ARN}/{pattern}"))

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED
    write = by_name(report)[WRITE]
    assert write.status == UNKNOWN, write
    assert "Statement[0] of the bucket policy" in write.detail
    assert f'its Resource "{BUCKET_ARN}/{pattern}"' in write.detail
    assert "decides only some keys under the prefix" in write.detail
    assert write.fix == SOME_KEYS_FIX
    # The probe's one object is one key: a passing probe settles none of it.
    assert not write.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_the_statement_is_named_by_its_sid() -> None:
    state = _with_bucket_policy({**_deny("s3:GetObject", f"{BUCKET_ARN}/exports/*.parquet"), "Sid": "NoParquetReads"})

    read_back = by_name(check_chain(state))[READ_BACK]

    assert read_back.status == UNKNOWN, read_back
    assert "statement 'NoParquetReads' of the bucket policy" in read_back.detail
    assert read_back.statement == "bucket policy: Sid NoParquetReads"


def test_a_statement_of_the_roles_own_policy_counts_too() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    statement = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/exports/*.tmp"}
    role.policies.append(("inline policy no-temporary-reads", document(statement)))

    read_back = by_name(check_chain(state))[READ_BACK]

    assert read_back.status == UNKNOWN, read_back
    assert "Statement[0] of the inline policy no-temporary-reads" in read_back.detail
    assert not read_back.probe_settles


@pytest.mark.parametrize(
    "resource",
    [f"{BUCKET_ARN}/exports/*", f"{BUCKET_ARN}/*", f"{BUCKET_ARN}/ex*", "*", f"{BUCKET_ARN}/other/*"],
    ids=["prefix", "bucket", "ex-star", "star", "elsewhere"],
)
def test_a_statement_naming_every_key_under_the_prefix_or_none_is_judged_as_before(resource: str) -> None:
    """
    An ``Allow`` to the role (the provider's own statements name ``prefix/*``) or a ``Deny`` of everyone outside the
    partner's endpoint (a key the verifier does not know: not checked) that names every key under the prefix, or
    none, decides every key alike: the healthy chain still passes, and the endpoint's Deny is settled by the probe.
    """
    allow = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:*", "Resource": resource}
    assert check_chain(_with_bucket_policy(allow)).verdict == VERDICT_PASS

    state = _with_bucket_policy(_deny(["s3:PutObject", "s3:GetObject"], resource, OUTSIDE_THE_ENDPOINT))
    report = check_chain(state)
    unknown = [link for link in report.links if link.status == UNKNOWN]
    assert all("decides only some keys" not in link.detail for link in unknown), report.table()
    assert all(link.probe_settles for link in unknown), report.table()
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_PASS, True)


def test_another_principals_statement_decides_none_of_the_roles_requests() -> None:
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/analyst"
    statement = {**_deny("s3:PutObject", f"{BUCKET_ARN}/exports/*.csv"), "Principal": {"AWS": other}}

    assert check_chain(_with_bucket_policy(statement)).verdict == VERDICT_PASS


def test_a_certain_refusal_of_a_key_the_write_sends_still_fails() -> None:
    """``exports/part-*`` names ``part-00000``, which a Hadoop write sends: refused for certain, the link fails."""
    report = check_chain(_with_bucket_policy(_deny("s3:PutObject", f"{BUCKET_ARN}/exports/part-*")))

    assert report.verdict == VERDICT_FAIL
    assert by_name(report)[WRITE].status == FAIL


def test_a_mapping_of_the_whole_bucket_is_judged_on_every_key() -> None:
    state = _whole_bucket_state(_deny("s3:PutObject", f"{BUCKET_ARN}/*.csv"))

    links = by_name(check_chain(state))

    write = links[f"write files {WHOLE}"]
    assert write.status == UNKNOWN, write
    assert "decides only some keys under the prefix" in write.detail


# --- The probe settles only requests whose objects every statement decides as the probe's ----------------------------


def test_a_passing_probe_does_not_settle_a_deny_of_some_keys() -> None:
    """
    The reproduction: a Deny of puts and gets of ``exports/part-*`` outside the partner's endpoint. Before, the links
    were not checked but settled by the probe, whose object ``exports/_emrfs_xacct_probe/<uuid>`` that Deny never
    names: the verdict with a passing probe was PASS.
    """
    state = _with_bucket_policy(
        _deny(["s3:PutObject", "s3:GetObject"], f"{BUCKET_ARN}/exports/part-*", OUTSIDE_THE_ENDPOINT)
    )

    links = by_name(check_chain(state))

    for name in (WRITE, READ_BACK):
        assert links[name].status == UNKNOWN, links[name]
        assert not links[name].probe_settles, links[name]
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_passing_probe_does_not_settle_a_deny_of_the_prefix_s_own_marker() -> None:
    """
    ``exports_$folder$`` is not under the prefix: the Deny names that one key, judged as it is, and not the probe's
    object, so the probe's PutObject (alike in every other way) shows nothing of it.
    """
    state = _with_bucket_policy(_deny("s3:PutObject", f"{BUCKET_ARN}/exports_$folder$", OUTSIDE_THE_ENDPOINT))

    mkdirs = by_name(check_chain(state))[MKDIRS]

    assert mkdirs.status == UNKNOWN, mkdirs
    assert "decides only some keys" not in mkdirs.detail  # one key the write sends, judged on itself
    assert not mkdirs.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


# --- The KMS calls: the encryption context is each object's ARN without an S3 Bucket Key ----------------------------


def _key_policy(*statements: dict[str, Any]) -> ChainState:
    """The healthy chain whose key policy (no delegation to the account's IAM) is ``statements``."""
    state = healthy_state()
    state.key_policies[KEY] = document(ADMIN_STATEMENT, *statements)
    return state


def _under_exports_and_endpoint() -> ChainState:
    """
    The brief's key policy: ``UnderExports`` allows the data keys of objects under ``exports/`` only; a second
    statement allows ``kms:GenerateDataKey`` through the partner's endpoint only (not known: not checked).
    """
    return _key_policy(
        {
            "Sid": "UnderExports",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports/*"}},
        },
        {
            "Sid": "ThroughTheEndpoint",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:GenerateDataKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0partner"}},
        },
    )


def test_an_allow_of_the_objects_under_the_prefix_is_not_settled_for_the_marker_by_the_probe() -> None:
    """
    ``UnderExports`` allows every object under ``exports/`` (alike), so the probe's object; the ``exports_$folder$``
    marker's data key rests on the endpoint's statement alone. Before, the passing probe settled it: PASS.
    """
    state = _under_exports_and_endpoint()

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "aws:SourceVpce" in link.detail
    assert not link.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_with_a_bucket_key_the_probes_data_key_is_the_jobs() -> None:
    """
    With an S3 Bucket Key the context is the bucket's ARN for every object, the probe's too: a statement testing it
    (here beside the partner's endpoint, not known) decides the probe's data key as the job's, and the probe settles
    it. Without one the marker's context, ``exports_$folder$``, is none the statement names: refused.
    """
    state = _key_policy(
        {"Sid": "Reads", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"},
        {
            "Sid": "DataKeysThroughTheEndpoint",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:GenerateDataKey",
            "Resource": "*",
            "Condition": {
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [BUCKET_ARN, f"{BUCKET_ARN}/exports/*"]},
                "StringEquals": {"aws:SourceVpce": "vpce-0partner"},
            },
        },
    )
    assert by_name(check_chain(state))[KMS].status == FAIL
    _bucket(state).bucket_key_enabled = True

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert link.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_PASS, True)


def _deny_part_files_outside_the_endpoint() -> dict[str, Any]:
    return {
        "Sid": "PartFilesThroughTheEndpoint",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:GenerateDataKey",
        "Resource": "*",
        "Condition": {
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports/part-*"},
            **OUTSIDE_THE_ENDPOINT,
        },
    }


def test_a_key_policy_deny_of_some_objects_is_not_settled_by_the_probe() -> None:
    """
    The key policy lets the role use the key, and denies the part files' data keys outside the partner's endpoint:
    ``part-00000`` matches, so the link is not checked; the probe's object does not, so a passing probe settles
    nothing. Before, it did: PASS.
    """
    users = {
        "Sid": "Users",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
    }
    state = _key_policy(users, _deny_part_files_outside_the_endpoint())

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "statement 'PartFilesThroughTheEndpoint' of the key policy" in link.detail
    assert "decides only some keys under the prefix" in link.detail
    assert not link.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)
    # With a Bucket Key the context is the bucket's ARN: the Deny names no call, and the chain passes.
    _bucket(state).bucket_key_enabled = True
    assert by_name(check_chain(state))[KMS].status == PASS


def test_a_key_policy_allow_of_some_objects_under_the_prefix_is_not_a_pass() -> None:
    """
    The data keys allowed for ``part-*`` files and the write's own markers and ``_SUCCESS``: every call of the table
    is allowed, but a Spark file ``part-00000-<uuid>-c000.csv`` matches too while ``k=v/part-…`` does not.
    """
    objects = [
        f"{BUCKET_ARN}/exports_$folder$",
        f"{BUCKET_ARN}/exports/_temporary_$folder$",
        f"{BUCKET_ARN}/exports/_SUCCESS",
        f"{BUCKET_ARN}/exports/part-*",
        f"{BUCKET_ARN}/exports/_temporary/0/part-*",  # the rename's source, which its copy decrypts
    ]
    state = _key_policy(
        {
            "Sid": "PartFiles",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": objects}},
        }
    )

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "statement 'PartFiles' of the key policy (its Condition StringLike on kms:EncryptionContext:aws:s3:arn" in (
        link.detail
    )
    assert report.verdict == VERDICT_NOT_CHECKED


def test_a_grant_bound_to_one_object_under_the_prefix_is_not_a_pass() -> None:
    """
    AWS KMS API Reference, GrantConstraints: ``EncryptionContextEquals`` allows the operation "only when the encryption
    context in the request is the same": a grant per object of the table allows those objects only.
    """
    state = _key_policy()
    objects = [
        f"{BUCKET_ARN}/exports_$folder$",
        f"{BUCKET_ARN}/exports/_temporary_$folder$",
        f"{BUCKET_ARN}/exports/_SUCCESS",
        f"{BUCKET_ARN}/exports/part-00000",
        f"{BUCKET_ARN}/exports/_temporary/0/part-00000",  # the rename's source, which its copy decrypts
    ]
    state.key_grants[KEY] = [
        {
            "GrantId": f"g-{index}",
            "GranteePrincipal": ROLE,
            "Operations": ["GenerateDataKey", "Decrypt"],
            "Constraints": {"EncryptionContextEquals": {"aws:s3:arn": arn}},
        }
        for index, arn in enumerate(objects)
    ]

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "which names one object: it decides only some keys under the prefix" in link.detail
    assert not link.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


# --- Listings: a Condition on s3:prefix naming some of the prefixes a job lists -------------------------------------

#: The listings of the table (``pure/requests.py``), by step; a job lists others under the prefix (a ``partitionBy``
#: folder's lookup lists ``exports/date=2024-01-01/``).
LISTING_STEPS = [f"{step} {PREFIX}" for step in ("output directory lookup", "mkdirs", "job commit", "read back")]
ONLY_THE_TABLE_S_LISTINGS = {
    "Sid": "OnlyTheseListings",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:ListBucket",
    "Resource": BUCKET_ARN,
    "Condition": {
        "ForAnyValue:StringNotLike": {"s3:prefix": ["exports/", "exports/_temporary", "exports/_temporary/0/"]}
    },
}


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        (ONLY_THE_TABLE_S_LISTINGS, "statement 'OnlyTheseListings' of the bucket policy (its Condition "),
        (_deny("s3:ListBucket", BUCKET_ARN, {"StringLike": {"s3:prefix": "exports/*=*"}}), "Statement[0]"),
    ],
    ids=["not-like-the-table-s", "partition-folders"],
)
def test_a_deny_of_some_listings_under_the_prefix_is_not_a_pass(statement: dict[str, Any], shown: str) -> None:
    """
    The table's three listings (``exports/``, ``exports/_temporary/0/``, ``exports/_temporary``) are not refused, so
    every step passed; a job's lookup of a missing ``partitionBy`` folder lists ``exports/date=…/``, which either
    statement refuses. IAM decides each request on its own context (IAM User Guide, "Policy evaluation logic"), and
    ``s3:prefix`` is a condition key of ``s3:ListBucket`` (Service Authorization Reference, "Actions, resources, and
    condition keys for Amazon S3").
    """
    state = _with_bucket_policy(statement)

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    links = by_name(report)
    for name in LISTING_STEPS:
        link = links[name]
        assert link.status == UNKNOWN, link
        assert "(s3:ListBucket)" in link.detail
        assert shown in link.detail
        assert "on s3:prefix" in link.detail
        assert "decides only some keys under the prefix" in link.detail
        assert link.fix == SOME_KEYS_FIX
        assert not link.probe_settles
    # Its HEADs' 404 is S3's s3:ListBucket check, whose s3:prefix AWS does not document: not checked (review J39).
    assert links[WRITE].status == UNKNOWN, links[WRITE]
    assert links[WRITE].fix.startswith(LISTING_KEYS_404_FIX), links[WRITE].fix
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_condition_naming_every_listing_under_the_prefix_alike_still_passes() -> None:
    """
    ``ForAnyValue:StringNotLike ["exports/*"]`` names every prefix a job lists there alike: it refuses none. Only the
    HEADs' 404 check, whose ``s3:prefix`` AWS does not document, is not checked, and a passing probe does not settle
    it (review J42): were S3 to fill ``s3:prefix`` from the key HEADed, the job's HEAD of ``exports`` would meet the
    Deny, the probe's of ``exports/_emrfs_xacct_probe/<uuid>`` not.
    """
    condition = {"ForAnyValue:StringNotLike": {"s3:prefix": ["exports/*"]}}
    state = _with_bucket_policy(_deny("s3:ListBucket", BUCKET_ARN, condition))

    report = check_chain(state)

    unknown = [link for link in report.links if link.status == UNKNOWN]
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert unknown, report.table()
    assert all(link.fix.startswith(LISTING_KEYS_404_FIX) and not link.probe_settles for link in unknown), report.table()
    assert all("run the live probe" not in link.fix for link in unknown), report.table()
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_deny_of_every_listing_under_the_prefix_still_fails() -> None:
    report = check_chain(
        _with_bucket_policy(_deny("s3:ListBucket", BUCKET_ARN, {"StringLike": {"s3:prefix": "exports/*"}}))
    )

    assert report.verdict == VERDICT_FAIL
    links = by_name(report)
    for name in LISTING_STEPS:
        assert links[name].status == FAIL, links[name]
        assert "explicitly denied" in links[name].detail


# --- An Allow of some keys beside one of its side that grants every key decides none ---------------------------------
#
# A request is allowed where an applicable Allow allows it and no Deny applies (IAM User Guide, "How AWS enforcement
# code logic evaluates requests to allow or deny access"; within one account "at least one Allow": "Policy evaluation
# for requests within a single account"). Before, any statement naming some keys only left the step not checked, an
# Allow beside the provider's own grant of every key too.

STEPS = [*LISTING_STEPS, WRITE]


def _with_inline_policy(*statements: dict[str, Any], state: ChainState | None = None) -> ChainState:
    """The healthy chain (or ``state``) whose destination role has another inline policy of ``statements``."""
    state = state or healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.policies.append(("inline policy partner-extras", document(*statements)))
    return state


def _allow(actions: str, resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


def _without_provider_grant(sid: str, action: str) -> ChainState:
    """The healthy chain whose destination role's provider statement ``sid`` no longer allows ``action``."""
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    name, policy = role.policies[0]
    statements = [
        {**each, "Action": [other for other in each["Action"] if other != action]} if each.get("Sid") == sid else each
        for each in policy["Statement"]
    ]
    role.policies[0] = (name, {**policy, "Statement": statements})
    return state


EXPORTS_LISTING_ONLY = _allow("s3:ListBucket", BUCKET_ARN, {"StringEquals": {"s3:prefix": ["exports/"]}})
#: AWS's home-directory shape (IAM User Guide, "IAM JSON policy elements: Condition", listing a folder): the root and
#: the folder listed with "/" as delimiter, and everything below the folder.
HOME_DIRECTORY = (
    _allow("s3:ListBucket", BUCKET_ARN, {"StringEquals": {"s3:prefix": ["", "exports/"], "s3:delimiter": ["/"]}}),
    _allow("s3:ListBucket", BUCKET_ARN, {"StringLike": {"s3:prefix": ["exports/*"]}}),
)


def test_an_allow_of_one_listing_beside_the_providers_grant_of_every_listing_passes() -> None:
    """
    The provider's ``EmrfsXacctList`` allows every listing of the bucket; another inline policy allows listing
    ``exports/`` only. Without that Allow every listing is still allowed: it decides none. Before, all four listing
    steps were not checked.
    """
    report = check_chain(_with_inline_policy(EXPORTS_LISTING_ONLY))

    assert report.verdict == VERDICT_PASS, report.table()
    links = by_name(report)
    for name in STEPS:
        assert links[name].status == PASS, links[name]


def test_the_home_directory_shape_passes() -> None:
    """
    The root-and-folder Allow names some prefixes only; the Allow of ``exports/*`` beside it and the provider's
    ``EmrfsXacctList`` grant every listing under the prefix alike.
    """
    report = check_chain(_with_inline_policy(*HOME_DIRECTORY))

    assert report.verdict == VERDICT_PASS, report.table()
    links = by_name(report)
    for name in LISTING_STEPS:
        assert links[name].status == PASS, links[name]


def test_an_allow_of_some_keys_beside_the_providers_grant_of_every_key_passes() -> None:
    """``Allow s3:PutObject exports/*.csv`` beside the provider's ``exports/*``: the write is granted for every key."""
    report = check_chain(_with_inline_policy(_allow("s3:PutObject", f"{BUCKET_ARN}/exports/*.csv")))

    assert report.verdict == VERDICT_PASS, report.table()
    assert by_name(report)[WRITE].status == PASS


def test_an_allow_of_some_keys_that_is_the_only_grant_is_still_not_a_pass() -> None:
    """Without the provider's ``EmrfsXacctObjects`` the ``*.csv`` Allow grants the CSV files only: not checked."""
    state = _with_inline_policy(
        _allow("s3:PutObject", f"{BUCKET_ARN}/exports/*.csv"),
        _allow("s3:PutObject", f"{BUCKET_ARN}/exports/part-00000"),
        state=_without_provider_grant("EmrfsXacctObjects", "s3:PutObject"),
    )

    report = check_chain(state)

    write = by_name(report)[WRITE]
    assert write.status == UNKNOWN, write
    assert "Statement[0] of the inline policy partner-extras" in write.detail
    assert "decides only some keys under the prefix" in write.detail
    assert report.verdict != VERDICT_PASS  # the markers' puts are refused: mkdirs fails


def test_an_allow_of_one_listing_that_is_the_only_listing_grant_is_still_not_a_pass() -> None:
    """
    Without the provider's ``EmrfsXacctList`` listing ``exports/`` is allowed alone: the read back's listing (the
    other steps' HEADs, of which AWS does not document which listing keys they carry, fail) is not checked.
    """
    state = _with_inline_policy(EXPORTS_LISTING_ONLY, state=_without_provider_grant("EmrfsXacctList", "s3:ListBucket"))

    report = check_chain(state)

    assert report.verdict == VERDICT_FAIL, report.table()
    read_back = by_name(report)[READ_BACK]
    assert read_back.status == UNKNOWN, read_back
    assert "Statement[0] of the inline policy partner-extras (its Condition StringEquals on s3:prefix" in (
        read_back.detail
    )
    assert "decides only some keys under the prefix" in read_back.detail


def test_a_deny_of_some_keys_beside_a_grant_of_every_key_still_decides() -> None:
    state = _with_inline_policy({**_allow("s3:PutObject", f"{BUCKET_ARN}/exports/*.csv"), "Effect": "Deny"})

    write = by_name(check_chain(state))[WRITE]

    assert write.status == UNKNOWN, write
    assert "decides only some keys under the prefix" in write.detail


def test_a_boundary_allowing_some_keys_is_not_lifted_by_the_identity_policys_grant() -> None:
    """
    A permissions boundary is a side of its own: the identity policy's grant of ``exports/*`` does not lift the
    boundary's limit to CSV files (IAM User Guide, "Permissions boundaries for IAM entities").
    """
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    boundary = document(
        _allow("s3:PutObject", f"{BUCKET_ARN}/exports/*.csv"),
        _allow("s3:PutObject", f"{BUCKET_ARN}/exports/part-00000"),
        {"Effect": "Allow", "NotAction": "s3:PutObject", "Resource": "*"},
    )
    role.boundary = ("permissions boundary csv-only", boundary)

    write = by_name(check_chain(state))[WRITE]

    assert write.status == UNKNOWN, write
    assert "of the permissions boundary csv-only" in write.detail


@pytest.mark.parametrize("where", ["key policy", "identity policy"])
def test_an_allow_of_one_objects_data_key_beside_an_unconstrained_allow_passes(where: str) -> None:
    """
    The key policy's ``EmrfsXacctKeyUsers`` (or the role's ``EmrfsXacctKmsKeyUse``, the key policy delegating to the
    account) allows the key for every object; a statement allowing the data key of ``part-00000`` only, by its
    encryption context (AWS KMS Developer Guide, "AWS KMS condition keys"), decides none.
    """
    one_object = {
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports/part-00000"}},
    }
    state = healthy_state()
    if where == "key policy":
        policy = state.key_policies[KEY]
        policy["Statement"].append({**one_object, "Principal": {"AWS": ROLE}})
    else:
        _with_inline_policy(one_object, state=state)

    report = check_chain(state)

    assert by_name(report)[KMS].status == PASS, by_name(report)[KMS]
    assert report.verdict == VERDICT_PASS, report.table()


def test_a_grant_bound_to_one_object_beside_an_unconstrained_grant_passes() -> None:
    """
    A grant only allows ("A grant can allow access to a KMS key, but not deny access": AWS KMS Developer Guide, "Grants
    in AWS KMS"): beside a grant of the same operations without constraints, the per-object grants decide no object.
    """
    state = _key_policy()
    objects = [f"{BUCKET_ARN}/exports_$folder$", f"{BUCKET_ARN}/exports/part-00000"]
    operations = ["GenerateDataKey", "Decrypt"]
    state.key_grants[KEY] = [
        *(
            {
                "GrantId": f"g-{index}",
                "GranteePrincipal": ROLE,
                "Operations": operations,
                "Constraints": {"EncryptionContextEquals": {"aws:s3:arn": arn}},
            }
            for index, arn in enumerate(objects)
        ),
        {"GrantId": "g-every-object", "GranteePrincipal": ROLE, "Operations": operations},
    ]

    link = by_name(check_chain(state))[KMS]

    assert link.status == PASS, link
    assert "g-every-object" in link.detail


def test_an_allow_to_the_account_does_not_grant_for_the_roles_own_allow_of_some_keys() -> None:
    """
    The key policy delegates to the account's IAM policies (its root statement names the account) and allows the
    role itself every data key but the CSV files'; the role's own policies grant no KMS action. A grant to the account
    lets the role in only where its IAM policies allow too ("Key policies in AWS KMS": "Without permission from the
    key policy, IAM policies that allow permissions have no effect"; "Default key policy", "Allows access to the AWS
    account and enables IAM policies"), so the root statement grants nothing here for every key alike: the role's
    statement decides the CSV files' data keys, which the judged keys do not show. Not a PASS.
    """
    state = healthy_state()
    state.destination_roles[ROLE] = destination_role(keys=())
    no_csv = {
        "Sid": "NoCsvDataKeys",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringNotLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports/*.csv"}},
    }
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, no_csv)

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "statement 'NoCsvDataKeys' of the key policy" in link.detail
    assert "decides only some keys under the prefix" in link.detail
