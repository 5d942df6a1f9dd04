"""
A prefix the probe's ``hadoop fs -put`` cannot write is not probed: never a certain FAIL for a working link.

S3 keys may hold ``[``, ``{`` or ``:`` (Amazon S3 User Guide, "Naming Amazon S3 objects"), and a job writes its
output path as given; but the shell expands put's destination as a glob (Apache Hadoop "FileSystem Shell": put), so a
destination holding ``[`` or ``{`` matches nothing and the put fails (the stand-in models it,
devstack/moto_stack.py ``hadoop_put_destination``). Before, the verifier probed such a prefix: its step FAILED and
the report said FAIL though every link passed (review rev70-S3).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.verify import probe_key
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_probe_step import add_probe_step
from tests.integration.test_probe_targets import probe_steps
from tests.integration.test_verify import ROLE_NAME, Partner, verifier

GLOB_PREFIX = "s3://partner-results-b/team[eu]/"


def glob_partner(aws: Any) -> Partner:
    role_arn = provision_partner(aws, ROLE_NAME, GLOB_PREFIX)
    return Partner(aws, role_arn, create_security_configuration([mapping(ROLE_NAME, GLOB_PREFIX)]))


def test_the_stand_in_fails_a_put_whose_destination_is_a_glob(aws: Any) -> None:
    partner = glob_partner(aws)
    cluster_id = launch_cluster(aws, partner.configuration)

    step = add_probe_step(partner, cluster_id, probe_key(GLOB_PREFIX))

    assert step["Status"]["State"] == "FAILED"
    assert "No such file or directory" in step["Status"]["FailureDetails"]["Message"]


def test_a_glob_prefix_is_not_probed_and_its_passing_links_are_no_fail(aws: Any) -> None:
    partner = glob_partner(aws)
    cluster_id = launch_cluster(aws, partner.configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    result, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True), ti)

    assert probe_steps(partner, cluster_id) == []  # no step: its put would fail
    probe = result["probe"]
    assert probe["ok"] is None
    [skipped] = probe["not_probed"]
    assert skipped["identifier"] == GLOB_PREFIX.rstrip("/")  # as the operator stores it
    assert "`hadoop fs -put` expands its destination as a glob" in skipped["why"]
    assert "a job's own write under it" in skipped["how"]
    assert result["verdict"] == "NOT_CHECKED"  # the links passed; never FAIL
    assert ti.xcoms["report"] == result
