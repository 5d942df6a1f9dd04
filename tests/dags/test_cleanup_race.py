"""
A cleanup between each partner's create and launch, in a mapped task group, with ``airflow dags test`` against moto.

The DAG is ``race_dags/emrfs_xacct_cleanup_race_dag.py``. Real Airflow resolves each launch's
``access.security_configuration`` and the create task's document for its own map index; the launch
creates the deleted configuration again (same name, same content) and starts its cluster with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from airflow_provider_emrfs_xacct.pure.security_config import names_content
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import airflow_env
from tests.dags.race_dags.emrfs_xacct_cleanup_race_dag import BUCKET, DAG_ID, PARTNERS
from tests.dags.test_airflow_native import dags_test, last_run, query

RACE_DAGS = Path(__file__).resolve().parent / "race_dags"


def test_a_cleanup_between_create_and_launch_in_a_mapped_task_group_fails_no_launch(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(RACE_DAGS)}

    output = dags_test(env, DAG_ID, {}, tmp_path / "cleanup-race.log")

    run, states = last_run(env, DAG_ID)
    assert run.state == "success", output[-4000:]
    for index in range(len(PARTNERS)):
        for task_id in (
            "access.create_security_configuration",
            "delete_unused_security_configurations",
            "launch_cluster",
        ):
            assert states[(f"export_partner.{task_id}", index)] == "success", (task_id, index)
    created = query(
        env,
        "SELECT map_index, value FROM xcom WHERE run_id = :r AND key = 'return_value' "
        "AND task_id = 'export_partner.access.create_security_configuration' ORDER BY map_index",
        r=run.run_id,
    )
    deleted = query(
        env,
        "SELECT map_index, value FROM xcom WHERE run_id = :r AND key = 'return_value' "
        "AND task_id = 'export_partner.delete_unused_security_configurations' ORDER BY map_index",
        r=run.run_id,
    )
    names = [json.loads(row.value) for row in created]
    assert [json.loads(row.value) for row in deleted] == [[name] for name in names]  # each cleanup deleted it
    assert output.count("creating it again from its document") == len(PARTNERS)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    by_configuration = {
        emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]["SecurityConfiguration"]: summary["Id"]
        for summary in emr.list_clusters()["Clusters"]
    }
    assert sorted(by_configuration) == sorted(names)  # one cluster per partner, each with its own
    for partner, name in zip(PARTNERS, names, strict=True):
        document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
        assert names_content(name, document)  # the same content as the name says
        assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
            {
                "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-{partner}-writer",
                "IdentifierType": "Prefix",
                "Identifiers": [f"s3://{BUCKET}/{partner}"],
            }
        ]
