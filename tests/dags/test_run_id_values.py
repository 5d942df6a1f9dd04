"""
What the launch makes of a DAG run's id, through real Airflow: ``airflow dags trigger --run-id`` makes
the run with Airflow's own code (a ``DagRun`` of that id, validated by ``DagRun.validate_run_id``), and
``airflow tasks test <dag> <task> <run id>`` runs its launch against the stand-in.

A run id a user gives (``airflow dags trigger --run-id``, the REST API's ``dag_run_id``) needs only to
match ``[scheduler] allowed_run_id_pattern``, by default ``^[A-Za-z0-9_.~:+-]+$``: a ``~`` is allowed
there, and not in an EMR cluster tag (Amazon EMR Management Guide, "Restrictions that apply to tagging
resources in Amazon EMR": letters, numbers, white space and ``_ . : / = + - @`` only).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import airflow_command, airflow_env

if TYPE_CHECKING:
    from pathlib import Path

DAG_ID = "emrfs_xacct_run_id_tag"
#: A launch that tags its cluster with the run's id, as DAG authors do to find a run's cluster.
DAG_FILE = f'''
import pendulum
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator

with DAG("{DAG_ID}", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
    LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id="aws_emr_account",
        emr_conn_id=None,
        security_configuration=None,  # a launch without one, as option (a) of the bucket policy
        wait_for_completion=False,
        job_flow_overrides={{
            "Name": "run-{{{{ dag_run.run_after | ts_nodash }}}}",
            "ReleaseLabel": "emr-7.5.0",
            "Instances": {{
                "InstanceGroups": [
                    {{"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}}
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            }},
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            "Tags": [{{"Key": "airflow:run-id", "Value": "{{{{ run_id }}}}"}}],
        }},
    )
'''


def run_launch(moto_url: str, airflow_home: Path, dags: Path, run_id: str) -> str:
    """Trigger a run of ``run_id`` and run its launch; return the output (``airflow tasks test`` exits 0 on failure)."""
    dags.mkdir(exist_ok=True)
    (dags / f"{DAG_ID}.py").write_text(textwrap.dedent(DAG_FILE))
    env = {**airflow_env(moto_url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags)}
    # The run as a user triggers it (``airflow dags trigger --run-id``, Airflow's own DagRun), then its launch.
    for command in (["dags", "reserialize"], ["dags", "trigger", DAG_ID, "--run-id", run_id]):
        airflow_command(command, env, dags.parent).check_returncode()
    result = airflow_command(["tasks", "test", DAG_ID, "launch_cluster", run_id], env, dags.parent)
    return result.stdout + result.stderr


def cluster_tags(url: str) -> list[dict[str, str]]:
    emr = client(url, EMR_ACCOUNT, "emr")
    return [
        {tag["Key"]: tag.get("Value") for tag in emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]["Tags"]}
        for summary in emr.list_clusters()["Clusters"]
    ]


def test_a_run_id_airflow_allows_but_a_tag_may_not_hold_is_refused_before_the_launch(
    moto_url: str, airflow_home: Path, tmp_path: Path
) -> None:
    # Allowed by Airflow's default allowed_run_id_pattern; refused by EMR in a tag (and by the stand-in).
    output = run_launch(moto_url, airflow_home, tmp_path / "dags", "rerun~2026-12-01")

    refusal = "job_flow_overrides.Tags[0].Value: holds '~', which an EMR cluster tag may not"
    assert refusal in output, output[-3000:]
    assert "(got 'rerun~2026-12-01')" in output  # the run's own id (not a temporary run's)
    assert "Invalid tag" not in output  # refused by the launch's own check, not by RunJobFlow
    assert cluster_tags(moto_url) == []


def test_a_manual_run_id_airflow_makes_is_a_valid_tag(moto_url: str, airflow_home: Path, tmp_path: Path) -> None:
    run_id = "manual__2026-12-01T10:00:00.123456+00:00"

    output = run_launch(moto_url, airflow_home, tmp_path / "dags", run_id)

    assert "InvalidParameterError" not in output, output[-3000:]
    (tags,) = cluster_tags(moto_url)
    assert tags["airflow:run-id"] == run_id  # the run's own id (not a temporary run's)


@pytest.mark.parametrize(
    "tag",
    [
        {"Key": "run", "Value": "rerun~1"},
        {"Key": "run", "Value": "x" * 257},
        {"Key": "k" * 129, "Value": "v"},
        {"Key": "aws:run", "Value": "v"},
        {"Key": "run", "Value": "a, b"},
        {"Key": "run", "Value": "a\tb"},  # a control character: outside AWS's tag pattern (IAM API Reference, "Tag")
    ],
)
def test_the_stand_in_refuses_a_tag_emr_refuses_and_launches_nothing(moto_url: str, tag: dict[str, str]) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    arguments = {
        "Name": "c",
        "ReleaseLabel": "emr-7.5.0",
        "Instances": {"InstanceCount": 1, "MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge"},
        "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole",
    }

    with pytest.raises(ClientError, match="ValidationException"):
        emr.run_job_flow(**arguments, Tags=[tag])

    assert emr.list_clusters()["Clusters"] == []
    emr.run_job_flow(**arguments, Tags=[{"Key": "run ü", "Value": "manual__2026-12-01T10:00:00.123456+00:00 @a/b=c"}])
    assert len(emr.list_clusters()["Clusters"]) == 1


def test_the_stand_in_takes_a_tag_without_a_value(moto_url: str) -> None:
    # "A user-defined value, which is optional in a tag", "Required: No" (Amazon EMR API Reference, "Tag").
    emr = client(moto_url, EMR_ACCOUNT, "emr")

    emr.run_job_flow(
        Name="c",
        ReleaseLabel="emr-7.5.0",
        Instances={"InstanceCount": 1, "MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge"},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=[{"Key": "cost-center"}, {"Key": "run", "Value": "nightly"}],
    )

    assert [sorted(tags) for tags in cluster_tags(moto_url)] == [["cost-center", "run"]]
