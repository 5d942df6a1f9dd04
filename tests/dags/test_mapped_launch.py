"""
Mapped launches, verifiers and publishes, with ``airflow dags test`` against moto.

The DAG is ``race_dags/emrfs_xacct_mapped_launch_dag.py``. Airflow builds each instance of a mapped
task from the resolved arguments (``MappedOperator.unmap``): a launch or verifier mapped over a create
task's ``.output`` still finds, after a cleanup deleted the configurations, the document of the
create task's instance that returned its name. A mapped publish declares its asset alias when the DAG
is parsed (the serialised DAG's dependencies), as an unmapped one does.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from airflow_provider_emrfs_xacct.operators.assets import PARTNER_EXPORTS_ALIAS
from airflow_provider_emrfs_xacct.pure.security_config import names_content
from devstack.moto_stack import EMR_ACCOUNT, Seeded, client
from devstack.testing import airflow_env
from tests.dags.race_dags.emrfs_xacct_mapped_launch_dag import (
    DAG_ID,
    EXPAND_KWARGS_PREFIX,
    EXPAND_PREFIX,
    PARTIAL_PREFIX,
    PARTNERS,
    prefix,
    role_mappings,
    role_name,
)
from tests.dags.test_airflow_native import dags_test, last_run, query
from tests.integration.partners import provision_partner

RACE_DAGS = Path(__file__).resolve().parent / "race_dags"


def test_mapped_launches_and_verifiers_restore_the_configuration_and_a_mapped_publish_declares_its_alias(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    for partner in PARTNERS:
        provision_partner(aws, role_name(partner), prefix(partner))
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(RACE_DAGS)}

    output = dags_test(env, DAG_ID, {}, tmp_path / "mapped-launch.log")

    run, states = last_run(env, DAG_ID)
    assert run.state == "success", output[-4000:]
    assert states[("launch_partial", 0)] == "success"
    for task_id in ("verify_expand", "launch_expand", "launch_expand_kwargs", "publish_results"):
        for index in range(len(PARTNERS)):
            assert states[(task_id, index)] == "success", (task_id, index)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    by_task: dict[str, list[str]] = {}
    for name_prefix, launch in ((EXPAND_PREFIX, "launch_expand"), (EXPAND_KWARGS_PREFIX, "launch_expand_kwargs")):
        rows = query(
            env,
            "SELECT task_id, map_index, value FROM xcom WHERE run_id = :r AND key = 'return_value' "
            "AND task_id IN (:c, :d, :l) ORDER BY task_id, map_index",
            r=run.run_id,
            c=f"create_{name_prefix}",
            d=f"cleanup_{name_prefix}",
            l=launch,
        )
        for row in rows:
            by_task.setdefault(row.task_id, []).append(json.loads(row.value))
        names = by_task[f"create_{name_prefix}"]
        assert sorted(by_task[f"cleanup_{name_prefix}"][0]) == sorted(names)  # the cleanup deleted both
        # Each launch instance started its cluster with its own partner's configuration, created again
        # with the content its name was made from.
        launched = [emr.describe_cluster(ClusterId=cluster)["Cluster"] for cluster in by_task[launch]]
        assert [cluster["SecurityConfiguration"] for cluster in launched] == names
        for partner, name in zip(PARTNERS, names, strict=True):
            document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
            assert names_content(name, document)
            assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
                {**mapping, "Identifiers": [prefix(partner).rstrip("/")]} for mapping in role_mappings(partner)
            ]
    # .partial(security_configuration=create.output) of an unmapped create task, mapped over the overrides.
    [(created,)] = query(
        env,
        "SELECT value FROM xcom WHERE run_id = :r AND key = 'return_value' AND task_id = :t",
        r=run.run_id,
        t=f"create_{PARTIAL_PREFIX}",
    )
    [(cluster,)] = query(
        env,
        "SELECT value FROM xcom WHERE run_id = :r AND key = 'return_value' AND task_id = 'launch_partial'",
        r=run.run_id,
    )
    assert emr.describe_cluster(ClusterId=json.loads(cluster))["Cluster"]["SecurityConfiguration"] == json.loads(
        created
    )
    assert output.count("creating it again from its document") == 2 * len(PARTNERS) + 1
    # The mapped verifier checked each partner's document (WARN: deleted after its create task ran).
    reports = query(
        env,
        "SELECT map_index, value FROM xcom WHERE run_id = :r AND key = 'report' AND task_id = 'verify_expand' "
        "ORDER BY map_index",
        r=run.run_id,
    )
    assert [json.loads(row.value)["security_configuration"] for row in reports] == by_task[f"create_{EXPAND_PREFIX}"]
    for row in reports:
        [existence] = [
            link for link in json.loads(row.value)["links"] if link["link"] == "security configuration exists"
        ]
        assert existence["status"] == "warn", existence
    # The mapped publish task declared its alias at parse time: the serialised DAG (what the UI's DAG
    # dependencies and asset graph are drawn from) has this DAG producing the alias.
    [(data, compressed)] = query(env, "SELECT data, data_compressed FROM serialized_dag WHERE dag_id = :d", d=DAG_ID)
    serialised = json.loads(data) if data else json.loads(zlib.decompress(compressed))
    assert {
        (dependency["source"], dependency["target"], dependency["dependency_id"])
        for dependency in serialised["dag"]["dag_dependencies"]
    } == {(DAG_ID, "asset-alias", PARTNER_EXPORTS_ALIAS)}
    # Each event emitted through the alias is linked to it (Airflow links it at run time from the
    # task instance's outlets, and records the alias then if no DAG declared it).
    linked = query(
        env,
        "SELECT a.name AS alias, e.source_map_index FROM asset_alias_asset_event l "
        "JOIN asset_alias a ON a.id = l.alias_id JOIN asset_event e ON e.id = l.event_id "
        "WHERE e.source_dag_id = :d AND e.source_run_id = :r ORDER BY e.source_map_index",
        d=DAG_ID,
        r=run.run_id,
    )
    assert [(row.alias, row.source_map_index) for row in linked] == [
        (PARTNER_EXPORTS_ALIAS, index) for index in range(len(PARTNERS))
    ]
