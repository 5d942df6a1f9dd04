"""Property tests: whatever the user types as an S3 location, the policy built from it stays least-privilege."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.policies.documents import (
    as_list,
    destination_permissions_policy,
    locations_in_permissions_policy,
)
from airflow_provider_emrfs_xacct.policies.merge import normalize, same_meaning
from airflow_provider_emrfs_xacct.policies.validation import S3Location, parse_s3_location

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)

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


@PROPERTY_SETTINGS
@given(bucket=BUCKETS, prefix=PREFIXES)
def test_parsed_location_ends_with_slash_and_its_policy_is_least_privilege(bucket, prefix):
    location = parse_or_none(bucket, prefix)
    if location is None:
        return
    # The bucket may itself hold a '/': what counts is that the location is what was typed.
    assert location.uri.rstrip("/") == f"s3://{bucket}/{prefix}".rstrip("/")
    assert location.prefix.endswith("/")
    assert location.prefix != "/"
    assert "/" not in location.bucket
    bucket = location.bucket

    policy = destination_permissions_policy("aws", [location])
    resources = [resource for statement in policy["Statement"] for resource in as_list(statement.get("Resource"))]
    assert "*" not in resources
    assert f"arn:aws:s3:::{bucket}/*" not in resources
    for resource in resources:
        assert resource.startswith(f"arn:aws:s3:::{bucket}")
        if resource != f"arn:aws:s3:::{bucket}":
            key = resource[len(f"arn:aws:s3:::{bucket}/") :]
            # Object access is only under the prefix, on the prefix's own key (getFileStatus of the
            # directory), or on EMRFS's folder marker of the prefix itself.
            assert key in (f"{location.prefix}*", location.prefix[:-1], f"{location.prefix[:-1]}_$folder$")
    for statement in policy["Statement"]:
        if "s3:ListBucket" in as_list(statement["Action"]):
            # Bucket-level, unconditioned (a HEAD of a missing key carries no s3:prefix), on this bucket only.
            assert statement["Resource"] == f"arn:aws:s3:::{bucket}"
            assert "Condition" not in statement


@PROPERTY_SETTINGS
@given(bucket=BUCKETS, prefix=PREFIXES)
def test_trailing_slash_does_not_change_the_location(bucket, prefix):
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
def test_permissions_policy_round_trips_through_json(pairs):
    locations = {location for location in (parse_or_none(bucket, prefix) for bucket, prefix in pairs) if location}
    policy = destination_permissions_policy("aws", locations)
    decoded = json.loads(json.dumps(policy))
    assert locations_in_permissions_policy(decoded) == (locations, set())
    assert same_meaning(destination_permissions_policy("aws", sorted(locations, reverse=True)), decoded)
    assert normalize(decoded) == normalize(policy)


VALID_BUCKETS = st.from_regex(r"[a-z0-9][a-z0-9-]{1,40}[a-z0-9]", fullmatch=True).filter(
    lambda name: not name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) and not name.endswith("-s3alias")
)
VALID_PREFIXES = st.from_regex(r"[A-Za-z0-9=_-]+(/[A-Za-z0-9=_ .-]*[A-Za-z0-9=_-])*/?", fullmatch=True)


@PROPERTY_SETTINGS
@given(bucket=VALID_BUCKETS, prefix=VALID_PREFIXES)
def test_ordinary_locations_are_accepted_and_scoped_to_their_prefix(bucket, prefix):
    location = parse_s3_location(f"s3://{bucket}/{prefix}", "f")
    assert location == S3Location(bucket, prefix if prefix.endswith("/") else f"{prefix}/")
    resources = [
        resource
        for statement in destination_permissions_policy("aws", [location])["Statement"]
        for resource in as_list(statement["Resource"])
    ]
    assert f"arn:aws:s3:::{bucket}/{location.prefix}*" in resources
    assert f"arn:aws:s3:::{bucket}/*" not in resources
    assert "*" not in resources
