"""
``macros.under_prefix``: a key under a granted prefix, joined as the provider reads the prefix (with its slash).

The grant operators read ``s3://b/exports`` as ``s3://b/exports/`` (``parse_s3_location``) and grant ``exports/*``;
``"{{ params.destination_prefix }}{{ run_stamp(dag_run) }}/results.txt"`` wrote ``exports20261201T…/results.txt``,
which no grant allows: S3 answers AccessDenied (an implicit deny: IAM User Guide, "The difference between explicit
and implicit denies"). The tests render through Jinja's ``NativeEnvironment``, as a DAG rendering native objects does.
"""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from jinja2.nativetypes import NativeEnvironment

from airflow_provider_emrfs_xacct.macros import under_prefix
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location


def render(template: str, prefix: object) -> object:
    environment = NativeEnvironment()
    environment.globals["under_prefix"] = under_prefix
    return environment.from_string(template).render(params={"destination_prefix": prefix})


@pytest.mark.parametrize("prefix", ["s3://partner-results-b/exports", "s3://partner-results-b/exports/"])
def test_the_key_lies_under_the_prefix_the_provider_grants_with_or_without_its_slash(prefix: str) -> None:
    granted = parse_s3_location(prefix, "destination_prefix").uri

    uri = render("{{ under_prefix(params.destination_prefix, '20261201T100000-3f2a9c01be', 'results.txt') }}", prefix)

    assert uri == "s3://partner-results-b/exports/20261201T100000-3f2a9c01be/results.txt"
    assert isinstance(uri, str)
    assert uri.startswith(granted)


def test_without_parts_it_is_the_prefix_as_granted() -> None:
    assert under_prefix("s3://partner-results-b/a/b") == "s3://partner-results-b/a/b/"


def test_a_part_may_hold_slashes_and_the_last_may_end_with_one() -> None:
    assert under_prefix("s3://bucket-b/p", "run/out", "x/") == "s3://bucket-b/p/run/out/x/"


@pytest.mark.parametrize(
    "prefix",
    ["partner-results-b/exports", "s3://partner-results-b/", "s3://partner-results-b/ex*", "s3://Bad_Bucket/p", None],
)
def test_a_prefix_the_provider_refuses_is_refused_naming_it_without_retries(prefix: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"under_prefix\(") as refused:
        under_prefix(prefix, "results.txt")

    assert repr(prefix) in str(refused.value)
    assert isinstance(refused.value, AirflowFailException)  # the same on every try: not retried


@pytest.mark.parametrize("parts", [("..", "x"), ("", "x"), ("/x",), ("a/", "x"), (".",), ("a$b",), (3,)])
def test_a_part_that_would_leave_or_blur_the_prefix_is_refused(parts: tuple[object, ...]) -> None:
    """Hadoop's ``Path`` resolves ``..`` and collapses ``//`` (``java.net.URI.normalize``): the key would be another."""
    with pytest.raises(InvalidParameterError, match=r"under_prefix\('s3://bucket-b/p'"):
        under_prefix("s3://bucket-b/p", *parts)


def test_an_object_key_may_take_all_of_s3_s_1024_bytes() -> None:
    """
    A granted prefix is at most 1,000 bytes; the object under it may take S3's whole 1,024 (Amazon S3 User Guide,
    "Naming Amazon S3 objects": "maximum length of 1,024 bytes", prefix included).
    """
    prefix = "s3://bkt-x/" + "k" * 980
    stamp = "20261201T100000-3f2a9c01be"
    assert under_prefix(prefix, stamp, "results.txt") == f"{prefix}/{stamp}/results.txt"
    with pytest.raises(InvalidParameterError, match="1024 bytes"):
        under_prefix(prefix, stamp, "r" * 40)
