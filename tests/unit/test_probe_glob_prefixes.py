"""
A prefix the probe's ``hadoop fs -put`` cannot write is left out of the probe ("not probed"), not probed to a
certain FAIL.

S3 keys may hold ``[ ] { } \\`` and ``:`` (Amazon S3 User Guide, "Naming Amazon S3 objects"), and validation
accepts them (a job writes its output path as given, no glob); but the shell expands put's destination as a glob
(Apache Hadoop "FileSystem Shell": put): ``[``/``{`` match no new object ("No such file or directory"), ``\\``
escapes the character after it, and Hadoop's ``Path`` refuses a segment holding ``:`` ("Relative path in absolute
URI"). Before, such a prefix was probed and the failed step made the report FAIL (review rev70-S3).
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.operators.verify import with_not_probed
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from airflow_provider_emrfs_xacct.verify import probe_targets
from tests.unit.operators.test_verify import links_pass_report
from tests.unit.test_probe_targets import DESTINATION, OURS, prefix, state

NOT_FOR_PUT = [
    "s3://ours/team[eu]/",
    "s3://ours/{a,b}/",
    "s3://ours/back\\slash/",
    "s3://ours/time=12:00/",
]
#: A lone ``]`` or ``}`` opens no pattern (Hadoop's ``GlobPattern`` sets a wildcard only for ``*``, ``?``, ``[`` and
#: ``{``): ``hadoop fs -put`` writes such a destination as given.
PUT_WRITES = ["s3://ours/team]eu/", "s3://ours/a}b/"]


@pytest.mark.parametrize("identifier", PUT_WRITES)
def test_a_lone_closing_bracket_or_brace_is_probed(identifier: str) -> None:
    read = state([prefix(OURS, identifier)], {"ours": BucketState(account=DESTINATION)})

    targets, left_out = probe_targets(read, DESTINATION)

    assert (targets, left_out) == ([identifier], [])


@pytest.mark.parametrize("identifier", NOT_FOR_PUT)
def test_a_prefix_put_cannot_write_is_not_probed_and_the_verdict_is_not_fail(identifier: str) -> None:
    parse_s3_location(identifier, "identifier")  # valid for jobs: not refused
    read = state([prefix(OURS, identifier)], {"ours": BucketState(account=DESTINATION)})

    targets, left_out = probe_targets(read, DESTINATION)

    assert targets == []
    [item] = left_out
    assert (item["identifier"], item["mapping"]) == (identifier, 0)
    assert "`hadoop fs -put` expands its destination as a glob" in item["why"]
    assert '"FileSystem Shell"' in item["why"]
    assert "a job's own write under it" in item["how"]
    probe = {"ok": None, "skipped": "nothing to write under", "problems": [], "objects": {}}
    report = with_not_probed({**links_pass_report(), "probe": probe}, left_out)
    assert report["verdict"] == "NOT_CHECKED"


def test_option_a_prefixes_put_cannot_write_are_left_out_the_others_probed() -> None:
    read = state(
        None, {"ours": BucketState(account=DESTINATION)}, name=None, prefixes=["s3://ours/a[1]/", "s3://ours/b/"]
    )

    targets, left_out = probe_targets(read, DESTINATION)

    assert targets == ["s3://ours/b/"]
    assert [(item["identifier"], item["mapping"]) for item in left_out] == [("s3://ours/a[1]/", None)]
    assert left_out[0]["why"].startswith("the prefix holds [:")
