"""
The DAG that ``tests/dags/test_backfill.py`` runs with ``deferrable=True``: its waits run in a real triggerer.

It provisions a partner (destination role, the EMR EC2 role's permission to assume it, a security
configuration), launches a cluster with that configuration and waits for it in the triggerer
(``LaunchClusterWithSecConfigOperator`` with ``wait_for_completion`` and ``deferrable``: the
upstream ``EmrCreateJobFlowTrigger``), adds a step and waits for it there (``EmrAddStepsOperator``
with ``deferrable``: ``EmrAddStepsTrigger``, the step wait), verifies the chain with the live probe
and waits for the probe step there (``VerifyCrossAccountAccessOperator`` with ``probe`` and
``deferrable``; the stand-in runs the probe's write through EMRFS's routing), and terminates the
cluster, waiting in the triggerer again (``EmrTerminateJobFlowTrigger``). The triggers reach moto
through aiobotocore, with the connection's region, ``verify`` and the operators' ``botocore_config``.

It shares the backfill test's DAGs folder and moto, and touches neither the KMS key's policy nor
the seeded EMR EC2 role: its cluster runs with an EC2 role of its own (:data:`EMR_EC2_ROLE`, which
the test creates with its instance profile), its destination role uses the bucket's key through its
own IAM policy (the key policy delegates to the destination account's IAM), and its cluster's name
starts with ``deferred-``, the backfill's with ``backfill-``.
"""

from __future__ import annotations

from airflow.providers.amazon.aws.operators.emr import EmrTerminateJobFlowOperator
from airflow.sdk import DAG, Param
from emrfs_xacct_test_tasks import (
    DAG_ARGS,
    DESTINATION_CONN_ID,
    EMR_CONN_ID,
    WAITS,
    launch_cluster,
    partner_chain,
    write_results,
)

from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

DAG_ID = "emrfs_xacct_deferred_test"
#: The cluster's EC2 role and instance profile (same name), created by the test before the run.
EMR_EC2_ROLE = "EMR_EC2_DeferredRole"
PREFIX = "s3://partner-results-b/deferred-partner/"
#: Every wait deferred to the triggerer, which polls every second (:data:`~emrfs_xacct_test_tasks.WAITS`).
DEFERRED = {"deferrable": True, **WAITS}
#: Task ids that must go through the ``deferred`` state in the test.
DEFERRED_TASKS = ("launch_cluster", "write_results", "verify_cross_account_access", "terminate_cluster")

with DAG(
    dag_id=DAG_ID,
    description="Deferred-task test: launch, step, probe and terminate wait in the triggerer",
    schedule=None,
    catchup=False,
    # The seeded key's ARN: the test's run conf gives it (moto gives the key a random id).
    params={"kms_key_arn": Param(type="string")},
    **DAG_ARGS,
) as dag:
    chain = partner_chain("deferred-partner", PREFIX, emr_ec2_role=EMR_EC2_ROLE, grant_key=False)
    # run_id in the name: every run has one, with or without a logical date.
    cluster = launch_cluster(
        "deferred-{{ run_id }}", chain.security_configuration.output, job_flow_role=EMR_EC2_ROLE, **DEFERRED
    )
    write = write_results(cluster, "write-results", "results", f"{PREFIX}results.txt", **DEFERRED)

    # The live probe: a step that writes through EMRFS, its wait deferred to the triggerer.
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=chain.security_configuration.output,
        emr_ec2_role_name=EMR_EC2_ROLE,
        cluster_id=cluster.output,
        probe=True,
        **DEFERRED,
    )

    terminate = EmrTerminateJobFlowOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output, **DEFERRED
    )

    chain.allow_assume >> cluster
    write >> verify >> terminate
