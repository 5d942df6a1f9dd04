"""
A wait in the worker that raises a connection error cleans up as a wait that ended does.

botocore retries a connection error (``EndpointConnectionError``, ``ReadTimeoutError``, ``ConnectionClosedError``) up
to its maximum attempts, then raises it (Boto3 guide, "Retries"); its waiter turns only a service's error answer into
``WaiterError``, so such an error escapes the wait. Before, the probe's steps, still PENDING, were left to write into
the partner's bucket later (nothing cancelled them: Amazon EMR API Reference, "CancelSteps") and the report stayed
pending; the launch's cluster, and any other of its key, kept running despite ``terminate_job_flow_on_failure``. The
connection failure is raised where the wait sends its request: nothing in the stand-in plays an endpoint that stops
answering for longer than botocore's retries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import EndpointConnectionError

from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
from airflow_provider_emrfs_xacct.operators.verify import REPORT_XCOM_KEY
from devstack import moto_stack
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client, run_held_probe_steps
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_duplicate_launch import ENDED, launch_twice_unseen, states, waiting_launch
from tests.integration.test_faults import partner_a_configuration
from tests.integration.test_verify import head, partner, verifier

if TYPE_CHECKING:
    from tests.integration.test_verify import Partner

__all__ = ["partner"]  # the fixture, imported for the tests below


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


def unreachable(**_: Any) -> None:
    raise EndpointConnectionError(endpoint_url="https://emr")


def test_a_probe_wait_that_loses_the_connection_cancels_the_steps_so_nothing_is_written_later(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The operator imports the Amazon provider's wait from its module when it waits.
    monkeypatch.setattr("airflow.providers.amazon.aws.utils.waiter_with_logging.wait", unreachable)
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=False)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    with pytest.raises(EndpointConnectionError):
        run_operator(operator, ti)

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert "probe_pending" not in report
    # The held step was RUNNING when cancelled (no step before it): whether its write goes through is not known,
    # so the probe is not checked rather than failed (and never passed).
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("NOT_CHECKED", True, None)
    assert "the wait for the probe steps failed" in report["probe"]["problems"][0]
    [(uri, abandoned)] = report["probe"]["abandoned"].items()
    assert (abandoned["state_before_cancel"], abandoned["state"]) == ("RUNNING", "CANCELLED")
    [step] = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    # The cluster gets to its queue: the cancelled probe writes nothing.
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_probe_whose_cleanup_raises_too_still_leaves_no_pending_report(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cleanup itself fails (the endpoint still unreachable): the report says what may still be written."""

    def cleanup_unreachable(*_: Any, **__: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://emr")

    monkeypatch.setattr("airflow.providers.amazon.aws.utils.waiter_with_logging.wait", unreachable)
    monkeypatch.setattr("airflow_provider_emrfs_xacct.verify.abandon_probe", cleanup_unreachable)
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=False)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    with pytest.raises(EndpointConnectionError):
        run_operator(operator, ti)

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert "probe_pending" not in report
    # The clean-up read no step state: whether the write went through is not known, so no PASS and no FAIL.
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("NOT_CHECKED", True, None)
    assert "is not known" in report["probe"]["not_checked"][0]
    problems = report["probe"]["problems"]
    assert any("could not be cancelled" in problem and "delete what appears" in problem for problem in problems)


def test_a_launch_whose_wait_loses_the_connection_terminates_every_cluster_of_its_key(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``terminate_job_flow_on_failure`` (the default): the wait for the cluster raises ``EndpointConnectionError``
    after ``RunJobFlow`` answered; the cluster, and the other cluster of its key (a first ``RunJobFlow`` whose answer
    was lost, ``launch_twice_unseen``), are terminated.
    """

    class UnreachableWaiter:
        def wait(self, **_: Any) -> None:
            raise EndpointConnectionError(endpoint_url="https://emr")

    real_get_waiter = EmrfsEmrHook.get_waiter

    def get_waiter(self: EmrfsEmrHook, name: str, *args: Any, **kwargs: Any) -> Any:
        return UnreachableWaiter() if name == "job_flow_waiting" else real_get_waiter(self, name, *args, **kwargs)

    monkeypatch.setattr(EmrfsEmrHook, "get_waiter", get_waiter)
    operator = waiting_launch(partner_a_configuration(aws))

    proxy, _ = launch_twice_unseen(aws, monkeypatch, operator, EndpointConnectionError)

    assert all(states(aws)[cluster_id] in ENDED for cluster_id in proxy.launched), states(aws)
