"""
Template fields a DAG author expects templated as in the Amazon provider, run with ``airflow dags test`` against moto.

The DAG is ``template_dags/emrfs_xacct_verifier_templates.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, client
from devstack.testing import airflow_env, launch_cluster
from tests.dags.template_dags.emrfs_xacct_verifier_templates import DAG_ID
from tests.dags.test_airflow_native import dags_test, last_run, query
from tests.integration.test_verify import Partner, head, partner

__all__ = ["partner"]  # the fixture, imported for the test below

TEMPLATE_DAGS = Path(__file__).resolve().parent / "template_dags"


def test_the_verifier_s_probe_waits_render_from_templates_as_the_amazon_provider_s_emr_waits(
    partner: Partner, airflow_home: Path, tmp_path: Path
) -> None:
    # EmrCreateJobFlowOperator and EmrAddStepsOperator template waiter_delay and waiter_max_attempts; the verifier
    # took the same names untemplated: "{{ params.delay }}" reached its check as written and failed the task.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    env = {**airflow_env(partner.aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {"security_configuration": partner.configuration, "cluster_id": cluster_id, "delay": 1, "attempts": 5}

    output = dags_test(env, DAG_ID, conf, tmp_path / "verifier-templates.log")

    run, states = last_run(env, DAG_ID)
    assert states[("verify_access", -1)] == "success", output[-4000:]
    assert run.state == "success"
    [(value,)] = query(
        env,
        "SELECT value FROM xcom WHERE run_id = :r AND task_id = 'verify_access' AND key = 'return_value'",
        r=run.run_id,
    )
    report = json.loads(value)
    assert report["probe"]["ok"] is True, report["probe"]
    [uri] = report["probe"]["objects"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None  # checked, then deleted
    [step] = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "COMPLETED"
