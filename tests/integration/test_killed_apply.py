"""
A provisioning task killed between its write and the read that confirms it (``execution_timeout`` in the settle
wait): the change is in AWS, the killed try's log says what it wrote, and the retry finds it there and plans none.

The timeout is Airflow's own (``_run_execute_callable`` in ``airflow/sdk/execution_time/task_runner.py``, with
``airflow.sdk.execution_time.timeout``): its SIGALRM is sent, for real, once the task is in the settle wait.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from airflow.sdk.exceptions import AirflowTaskTimeout

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.s3 import GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from devstack.moto_stack import BUCKET, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import RecordingTaskInstance, execute_with_airflows_timeout, run_operator

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded


def grant(settle_seconds: float) -> GrantEmrRoleBucketAccessOperator:
    return GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access",
        aws_conn_id=EMR_CONN_ID,
        s3_prefixes=[f"s3://{BUCKET}/acme/"],
        settle_seconds=settle_seconds,
        execution_timeout=timedelta(hours=1),
    )


def in_the_settle_wait(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name == "_settle":
            return True
        frame = frame.f_back
    return False


def time_out_in_the_settle_wait(task: threading.Thread, given_up: threading.Event) -> None:
    while not in_the_settle_wait(task):
        if given_up.wait(0.01):
            return
    os.kill(os.getpid(), signal.SIGALRM)  # what the execution_timeout's timer sends


def test_a_task_timed_out_after_its_write_logs_the_write_and_its_retry_finds_it_in(
    aws: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="airflow_provider_emrfs_xacct")
    operator = grant(settle_seconds=600)
    given_up = threading.Event()
    watcher = threading.Thread(target=time_out_in_the_settle_wait, args=(threading.current_thread(), given_up))
    watcher.start()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    try:
        with pytest.raises(AirflowTaskTimeout):
            execute_with_airflows_timeout(operator, ti)
    finally:
        given_up.set()
        watcher.join()

    assert PLAN_XCOM_KEY not in ti.xcoms  # killed before its report
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName="EMR_EC2_DefaultRole", PolicyName=EMR_ROLE_POLICY_NAME)
    assert f"arn:aws:s3:::{BUCKET}/acme/*" in str(policy["PolicyDocument"])
    # The killed try's log is all that says what it wrote.
    assert f"policy {EMR_ROLE_POLICY_NAME}: written (create)" in caplog.text, caplog.text

    _, recorder, retry = run_operator(grant(settle_seconds=0))

    assert retry.xcoms[PLAN_XCOM_KEY] == []
    assert recorder.mutating == []


def test_a_cleanup_timed_out_between_two_deletes_logs_the_one_it_made(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The timeout's SIGALRM is sent as the second ``DeleteSecurityConfiguration`` is about to go: the first is done,
    the task reports no plan, and only its log can tell which configuration it deleted.
    """
    from tests.integration.partners import create_security_configuration, mapping
    from tests.integration.test_revoke import PARTNER_1, PARTNER_2, PREFIX_1, PREFIX_2, cleaner, names

    unused = {
        create_security_configuration([mapping(PARTNER_1, PREFIX_1)]),
        create_security_configuration([mapping(PARTNER_2, PREFIX_2)]),
    }
    operator = cleaner(min_age_seconds=0, execution_timeout=timedelta(hours=1))
    deletes: list[str] = []

    def time_out_at_the_second(params: dict[str, str], **_: object) -> None:
        deletes.append(params["Name"])
        if len(deletes) == 2:
            os.kill(os.getpid(), signal.SIGALRM)  # what the execution_timeout's timer sends

    operator.hook.conn.meta.events.register(
        "provide-client-params.emr.DeleteSecurityConfiguration", time_out_at_the_second
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(AirflowTaskTimeout):
        execute_with_airflows_timeout(operator, ti)

    first, second = deletes
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    assert unused & names(emr) == {second}
    assert PLAN_XCOM_KEY not in ti.xcoms
    logged = capfd.readouterr().out + caplog.text  # the task's logger writes through Airflow's structlog
    assert f"Deleted {first}" in logged, logged
    assert f"Deleted {second}" not in logged
