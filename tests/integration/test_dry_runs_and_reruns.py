"""
A dry run lists exactly the writes its real run makes, and refuses what it refuses; a rerun after success writes nothing.

The launch of a security configuration deleted since its create task ran creates it again
(``CreateSecurityConfiguration``, Amazon EMR API Reference) before ``RunJobFlow``: the dry run plans both, and the real
run reports both. The teardown of a cluster with termination protection sends ``SetTerminationProtection`` (Amazon EMR
API Reference, "SetTerminationProtection": a protected cluster is unlocked with ``TerminationProtected`` false before
``TerminateJobFlows``) only for a cluster this provider launched; a cluster that ended (``TERMINATED``,
``TERMINATED_WITH_ERRORS``) or is ending (``TERMINATING``; Amazon EMR API Reference, "ClusterStatus"; Amazon EMR
Management Guide, "Understanding the cluster lifecycle") is not terminated again, nor planned.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import RecordingTaskInstance, captured_logs, run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_links_and_teardown import RUN_ID, launch, security_configuration
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, names

__all__ = ["security_configuration"]  # the fixture, imported to be used here


def launch_operator(name: str, document: Any, dry_run: bool) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        security_configuration_document=document,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
        dry_run=dry_run,
    )


def headings(plan: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(change["action"], change["resource"]) for change in plan]


def test_the_launch_plans_and_reports_the_configuration_it_creates_again(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    emr.delete_security_configuration(Name=name)  # e.g. DeleteUnusedSecurityConfigsOperator

    planned = launch_operator(name, document, dry_run=True)
    with captured_logs() as logs, pytest.raises(AirflowSkipException):
        run_operator(planned)
    assert name not in names(emr)
    logged = " ".join(str(entry.get("event")) for entry in logs)
    assert "planning the launch with its security_configuration_document" in logged
    assert "create task's document" not in logged

    real = launch_operator(name, document, dry_run=False)
    _, recorder, _ = run_operator(real)
    assert recorder.mutating == ["CreateSecurityConfiguration", "RunJobFlow"]
    expected = [("create", f"emr security configuration {name}"), ("create", "emr cluster partner-export")]
    assert headings(planned.last_plan) == expected
    # The real run reports the configuration it created again; the cluster is the run's own (its id returned).
    assert headings(real.last_plan) == expected[:1]


def test_a_launch_retry_reports_no_change(aws: Seeded) -> None:
    """
    A launch whose configuration is there reports no change (the cluster is the run's own); its retry finds the
    cluster its first try launched: nothing written, nothing reported.
    """
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    first = launch_operator(name, document, dry_run=False)
    _, first_recorder, _ = run_operator(first)
    assert first_recorder.mutating == ["RunJobFlow"]
    assert first.last_plan == []

    retry = launch_operator(name, document, dry_run=False)
    _, recorder, _ = run_operator(retry)
    assert recorder.mutating == []
    assert retry.last_plan == []


def teardown(cluster_id: str, dry_run: bool, **kwargs: Any) -> TerminateClusterOperator:
    return TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster_id, dry_run=dry_run, **kwargs
    )


def run_teardown(operator: TerminateClusterOperator) -> list[str]:
    _, recorder, _ = run_operator(operator, RecordingTaskInstance(task_id=operator.task_id, run_id=RUN_ID))
    return list(recorder.mutating)


def test_a_rerun_after_a_teardown_plans_and_sends_nothing(moto_url: str, security_configuration: str) -> None:
    cluster_id = launch(security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    assert run_teardown(teardown(cluster_id, False)) == ["TerminateJobFlows"]
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"

    planned = teardown(cluster_id, True)
    assert run_teardown(planned) == []
    assert planned.last_plan == []
    assert run_teardown(teardown(cluster_id, False)) == []


def test_the_dry_run_plans_turning_protection_off(moto_url: str, security_configuration: str) -> None:
    cluster_id = launch(
        security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID), protected=True
    )
    planned = teardown(cluster_id, True, disable_termination_protection=True)
    assert run_teardown(planned) == []
    assert headings(planned.last_plan) == [
        ("update", f"emr cluster {cluster_id} termination protection"),
        ("delete", f"emr cluster {cluster_id}"),
    ]
    assert planned.last_plan[0]["before"] == {"TerminationProtected": True}
    assert planned.last_plan[0]["after"] == {"TerminationProtected": False}

    sent = run_teardown(teardown(cluster_id, False, disable_termination_protection=True))
    assert "SetTerminationProtection" in sent


@pytest.mark.parametrize("disable", [True, False], ids=["disable", "default"])
def test_the_dry_run_refuses_a_protected_cluster_as_the_real_run(moto_url: str, disable: bool) -> None:
    """Not launched by this provider (no idempotency tag): the real run and its dry run refuse it alike."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    job = small_cluster("by-hand")
    job["Instances"] = {**job["Instances"], "TerminationProtected": True}
    cluster_id = emr.run_job_flow(**job)["JobFlowId"]

    with pytest.raises(PreconditionError) as real:
        run_teardown(teardown(cluster_id, False, disable_termination_protection=disable))
    with pytest.raises(PreconditionError) as dry:
        run_teardown(teardown(cluster_id, True, disable_termination_protection=disable))
    assert str(dry.value) == str(real.value)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["TerminationProtected"]


def test_a_launch_whose_wait_fails_still_reports_what_it_made(moto_url: str) -> None:
    """
    The wait in the worker fails after ``RunJobFlow`` (the cluster ended under it): the configuration the launch
    created again before it is reported all the same (regression review J8).
    """
    from botocore.exceptions import WaiterError

    from tests.integration.test_launch_wait_states import end_before_the_first_poll
    from tests.integration.test_launch_wait_states import launch as waiting_launch

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    emr.delete_security_configuration(Name=name)  # e.g. DeleteUnusedSecurityConfigsOperator
    operator = waiting_launch(security_configuration=name, security_configuration_document=document)
    ended = end_before_the_first_poll(operator)
    with pytest.raises(WaiterError):
        run_operator(operator)
    assert len(ended) == 1
    assert emr.describe_cluster(ClusterId=ended[0])["Cluster"]["Status"]["State"] == "TERMINATED"
    assert headings(operator.last_plan) == [("create", f"emr security configuration {name}")]
