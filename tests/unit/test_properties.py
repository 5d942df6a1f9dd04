"""
Property tests: whatever the user types as an S3 location, the policy built from it stays least-privilege.

The expectations are built from what the test typed, never from what validation returned: a prefix
``ex*/`` that slipped through validation would come back as ``S3Location(bucket, "ex*/")`` and a
policy granting ``…/ex*/*``, consistent with itself but not with what was asked. So every accepted
input is checked against the literal ARNs and ``s3:prefix`` values the test computes from its own
input, and the only IAM wildcard or variable characters allowed are the ones the provider adds on
purpose (the trailing ``*`` of "everything under the prefix", and the ``$`` of EMRFS's
``_$folder$`` marker). The generators produce mostly valid locations with poison mixed in, and a
floor on the share of accepted inputs keeps the property from passing by refusing nearly everything.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure.documents import (
    as_list,
    destination_permissions_policy,
    locations_in_permissions_policy,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import normalize, same_meaning
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/0123abcd-0123-4567-89ab-0123456789ab"
#: Characters with a meaning in IAM policy strings: wildcards in ARNs and under ``StringLike``, and
#: the start of a policy variable (``${aws:username}``).
IAM_SPECIAL = ("*", "?", "$")
#: What the provider itself appends to a prefix, and nothing else: everything under it, EMRFS's folder marker.
EVERYTHING_UNDER = "*"
FOLDER_MARKER = "_$folder$"

# Mostly plausible names and keys, with the characters that break things mixed in.
BUCKETS = st.one_of(
    st.text(alphabet=string.ascii_lowercase + string.digits + ".-", min_size=0, max_size=70),
    st.text(max_size=20),
)
PREFIXES = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "/.-_=*?$ ", max_size=40),
    st.text(max_size=40),
    st.sampled_from(["", "/", "//", "a", "a/", "a/b", "*", "a/*", "..", "a/./b", "x_$folder$"]),
)

# Valid by construction (S3's bucket naming rules and the characters S3 calls safe in keys), written
# here independently of the provider's validation.
_LABELS = st.lists(
    st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10), min_size=1, max_size=4
)
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", ".mrap", "--table-s3")


@st.composite
def valid_buckets(draw: Any) -> str:
    labels = draw(_LABELS)
    separators = draw(st.lists(st.sampled_from("-."), min_size=len(labels) - 1, max_size=len(labels) - 1))
    name = labels[0] + "".join(sep + label for sep, label in zip(separators, labels[1:], strict=True))
    name = (name + "bkt")[: max(3, len(name))] if len(name) < 3 else name[:63].rstrip("-.")
    if (
        len(name) < 3
        or re.fullmatch(r"[0-9]+(\.[0-9]+){3}", name)
        or name.startswith(_RESERVED_BUCKET_PREFIXES)
        or name.endswith(_RESERVED_BUCKET_SUFFIXES)
    ):
        name = "b-" + name.replace(".", "-")[:58] + "-0"
    return name


_SEGMENT = st.text(alphabet=string.ascii_letters + string.digits + "_=-.", min_size=1, max_size=12).filter(
    lambda segment: segment not in (".", "..")
)
VALID_KEYS = st.builds(
    lambda segments, trailing: "/".join(segments) + ("/" if trailing else ""),
    st.lists(_SEGMENT, min_size=1, max_size=5),
    st.booleans(),
)
#: Inserted somewhere into a valid key or bucket: each must get the input refused.
POISON = st.sampled_from(["*", "?", "$", "${aws:username}", "//", "/../", "\t", "*/", "/?"])


@st.composite
def typed_locations(draw: Any) -> tuple[str, str, bool]:
    """``(bucket, key, poisoned)``: a valid location, or (about a fifth of the time) one with poison in it."""
    bucket, key = draw(valid_buckets()), draw(VALID_KEYS)
    if draw(st.sampled_from([False, False, False, False, True])):
        poison = draw(POISON)
        if draw(st.booleans()):
            at = draw(st.integers(0, len(key)))
            key = key[:at] + poison + key[at:]
        else:
            at = draw(st.integers(1, len(bucket) - 1))
            bucket = bucket[:at] + poison + bucket[at:]
        return bucket, key, True
    return bucket, key, False


def parse_or_none(bucket: str, prefix: str) -> S3Location | None:
    """Parse ``s3://bucket/prefix``; ``None`` when refused, and then only with an InvalidParameterError."""
    refusal: InvalidParameterError | None = None
    try:
        return parse_s3_location(f"s3://{bucket}/{prefix}", "s3_prefixes[0]")
    except InvalidParameterError as error:
        refusal = error
    assert refusal.field == "s3_prefixes[0]"
    assert refusal.problem
    return None


def literal(text: str) -> bool:
    """Whether IAM reads ``text`` as itself: no wildcard, no policy variable."""
    return not any(special in text for special in IAM_SPECIAL)


def assert_grants_only_what_was_typed(bucket: str, key: str) -> None:
    """
    The location typed as ``s3://{bucket}/{key}`` was accepted: check its policy against literals built here.

    ``asked`` is the prefix as the user meant it (with its trailing slash); the object ARNs may only be
    ``asked`` followed by ``*`` (everything under it), the prefix's own key or its folder marker, and ``s3:prefix`` values only
    ``asked`` itself, ``asked`` followed by ``*``, or the prefix without its slash (the "directory").
    """
    asked = key if key.endswith("/") else f"{key}/"
    assert literal(bucket), f"validation let an IAM wildcard or variable through: {bucket!r}"
    assert literal(asked), f"validation let an IAM wildcard or variable through: {key!r}"
    assert asked not in ("", "/")
    stem = asked[:-1]
    bucket_arn = f"arn:aws:s3:::{bucket}"
    # Everything under the prefix, the prefix's own key (a directory's getFileStatus) and EMRFS's marker.
    allowed_objects = {
        f"{bucket_arn}/{asked}{EVERYTHING_UNDER}",
        f"{bucket_arn}/{stem}",
        f"{bucket_arn}/{stem}{FOLDER_MARKER}",
    }
    allowed_s3_prefixes = {asked, f"{asked}{EVERYTHING_UNDER}", stem}

    policy = destination_permissions_policy("aws", [parse_s3_location(f"s3://{bucket}/{key}", "f")], [KEY_ARN])
    text = json.dumps(policy)
    assert "${" not in text
    object_arns = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert all(literal(action.removesuffix("*")) and action != "s3:*" for action in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"]):
            if resource.startswith("arn:aws:kms:"):
                assert resource == KEY_ARN
            elif resource != bucket_arn:
                assert resource in allowed_objects, f"{resource!r} is not one of {sorted(allowed_objects)}"
                object_arns.add(resource)
        for operator, conditions in statement.get("Condition", {}).items():
            for condition_key, values in conditions.items():
                if condition_key == "s3:prefix":
                    assert set(as_list(values)) <= allowed_s3_prefixes, (operator, values)
    # Everything under the prefix is granted (the policy is not only narrow but useful).
    assert f"{bucket_arn}/{asked}{EVERYTHING_UNDER}" in object_arns


@PROPERTY_SETTINGS
@given(bucket=BUCKETS, prefix=PREFIXES)
def test_whatever_is_accepted_grants_only_the_typed_prefix(bucket: str, prefix: str) -> None:
    location = parse_or_none(bucket, prefix)
    if location is not None:
        # What was typed is the URL: its bucket ends at the first slash (``s3://000/0`` + ``0`` is the
        # bucket ``000`` and the key ``0/0``), so the expectations are built from the URL's own parts.
        typed_bucket, _, typed_key = f"{bucket}/{prefix}".partition("/")
        assert_grants_only_what_was_typed(typed_bucket, typed_key)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(typed=typed_locations())
def test_valid_locations_are_accepted_and_poisoned_ones_refused(typed: tuple[str, str, bool]) -> None:
    bucket, key, poisoned = typed
    location = parse_or_none(bucket, key)
    if poisoned:
        assert location is None, f"accepted a poisoned location s3://{bucket}/{key}"
        return
    assert location == S3Location(bucket, key if key.endswith("/") else f"{key}/")
    assert_grants_only_what_was_typed(bucket, key)


def test_most_generated_locations_are_accepted() -> None:
    """A floor on acceptance: the property above means little if nearly every input is refused."""
    seen: Counter[str] = Counter()

    @settings(PROPERTY_SETTINGS, derandomize=True)  # the same inputs every run: a fixed figure
    @given(typed=typed_locations())
    def count(typed: tuple[str, str, bool]) -> None:
        seen["generated"] += 1
        if parse_or_none(typed[0], typed[1]) is not None:
            seen["accepted"] += 1

    count()
    assert seen["generated"] >= 50, seen
    # Measured: 76 of 100, the 24 poisoned ones refused (the chaotic BUCKETS x PREFIXES above accept about 15 of 100).
    assert seen["accepted"] / seen["generated"] >= 0.6, seen


@PROPERTY_SETTINGS
@given(bucket=BUCKETS, prefix=PREFIXES)
def test_trailing_slash_does_not_change_the_location(bucket: str, prefix: str) -> None:
    location = parse_or_none(bucket, prefix)
    if location is None or prefix.endswith("/"):
        return
    assert parse_s3_location(f"s3://{bucket}/{prefix}/", "f") == location


@PROPERTY_SETTINGS
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["partner-b", "partner-c", "a.b.c"]),
            st.text(alphabet=string.ascii_lowercase + "/=- ", min_size=1, max_size=20),
        ),
        max_size=6,
    )
)
def test_permissions_policy_round_trips_through_json(pairs: list[tuple[str, str]]) -> None:
    locations = {location for location in (parse_or_none(bucket, prefix) for bucket, prefix in pairs) if location}
    policy = destination_permissions_policy("aws", locations)
    decoded = json.loads(json.dumps(policy))
    assert locations_in_permissions_policy(decoded) == (locations, set())
    assert same_meaning(destination_permissions_policy("aws", sorted(locations, reverse=True)), decoded)
    assert normalize(decoded) == normalize(policy)


@PROPERTY_SETTINGS
@given(typed=typed_locations())
def test_several_prefixes_each_get_only_their_own(typed: tuple[str, str, bool]) -> None:
    """Two partners' prefixes in one bucket: neither prefix's grant is widened by the other."""
    bucket, key, poisoned = typed
    if poisoned:
        return
    other = f"other-{len(key)}/"
    locations = [parse_s3_location(f"s3://{bucket}/{key}", "f"), parse_s3_location(f"s3://{bucket}/{other}", "f")]
    asked = key if key.endswith("/") else f"{key}/"
    expected = {
        f"arn:aws:s3:::{bucket}/{prefix}{suffix}"
        for given in (asked, other)
        for prefix, suffix in ((given, "*"), (given[:-1], ""), (given[:-1], FOLDER_MARKER))
    }
    objects = {
        resource
        for statement in destination_permissions_policy("aws", locations)["Statement"]
        for resource in as_list(statement["Resource"])
        if resource.startswith(f"arn:aws:s3:::{bucket}/")
    }
    assert objects <= expected
    assert f"arn:aws:s3:::{bucket}/{asked}*" in objects
    assert f"arn:aws:s3:::{bucket}/{other}*" in objects
