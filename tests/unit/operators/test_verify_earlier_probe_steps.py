"""
How a later try tells an earlier try's probe step from any other step of the cluster (``_probe_uri_of``).

A lost worker's probe step is abandoned by the next try: cancelled, and its object deleted in the partner's bucket. The
URI comes from the listed step's own command, so only a probe step's command, writing a probe object
(``<prefix>_emrfs_xacct_probe/<32 hex digits>``), gives one; any other step of the key is left alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.verify import PROBE_TASK_PROPERTY, _probe_uri_of, _with_task_key
from airflow_provider_emrfs_xacct.verify import probe_key, probe_step


def listed(step: dict[str, Any]) -> dict[str, Any]:
    """The ``StepSummary`` ``ListSteps`` answers for an added step (``Config`` is a ``HadoopStepConfig``)."""
    jar = step["HadoopJarStep"]
    properties = {item["Key"]: item["Value"] for item in jar.get("Properties", [])}
    return {
        "Id": "s-1",
        "Name": step["Name"],
        "Config": {"Jar": jar["Jar"], "Args": jar["Args"], "Properties": properties},
    }


@pytest.mark.parametrize(
    "prefix", ["s3://bucket/exports/", "s3://bucket/", "s3://bucket/a b/it's;rm -rf ~/", "s3://bucket/`x`/"]
)
def test_a_probe_steps_uri_is_read_back_from_its_command(prefix: str) -> None:
    uri = probe_key(prefix)

    assert _probe_uri_of(listed(probe_step(uri))) == uri


@pytest.mark.parametrize(
    "args",
    [
        ["bash", "-c", "echo emrfs-xacct-probe | hadoop fs -put -f - s3://bucket/exports/important.csv"],
        ["bash", "-c", "echo emrfs-xacct-probe | hadoop fs -put -f - s3://bucket/_emrfs_xacct_probe/not-hex"],
        ["bash", "-c", "hadoop fs -rm -r s3://bucket/_emrfs_xacct_probe/" + "a" * 32],
        ["bash", "-c", "echo emrfs-xacct-probe | hadoop fs -put -f - 's3://bucket/_emrfs_xacct_probe/" + "a" * 32],
        ["spark-submit", "job.py"],
        [],
    ],
    ids=["not-a-probe-key", "not-hex", "another-command", "unbalanced-quote", "another-step", "no-arguments"],
)
def test_another_step_gives_no_uri(args: list[str]) -> None:
    assert _probe_uri_of({"Id": "s-1", "Config": {"Args": args}}) is None


def test_the_task_key_is_added_as_a_java_property_and_nothing_else_changes() -> None:
    step = probe_step(probe_key("s3://bucket/exports/"))

    tagged = _with_task_key(step, "0123abcd.ef45")

    assert tagged["HadoopJarStep"]["Properties"] == [{"Key": PROBE_TASK_PROPERTY, "Value": "0123abcd.ef45"}]
    assert {**tagged, "HadoopJarStep": {**tagged["HadoopJarStep"], "Properties": []}} == {
        **step,
        "HadoopJarStep": {**step["HadoopJarStep"], "Properties": []},
    }
    assert _with_task_key(step, None) == step
