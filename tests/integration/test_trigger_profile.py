"""
The deferred waits poll with the provider's EMR hook: on a connection with ``profile_name`` and ``role_arn`` they keep
the profile's settings, as the deferring operator's calls do (outside review J3).

AWS SDKs and Tools Reference Guide, "Service-specific endpoints" (a profile's ``endpoint_url`` and ``services``
section set the endpoint the SDK uses) and "Dual-stack and FIPS endpoints" (``use_fips_endpoint``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from airflow.providers.amazon.aws.triggers.emr import EmrCreateJobFlowTrigger, EmrTerminateJobFlowTrigger

from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
from airflow_provider_emrfs_xacct.operators.base import build_hook, default_botocore_config
from airflow_provider_emrfs_xacct.triggers import ProbeStepsTrigger, trigger_for
from tests.integration.test_assumed_session_profile import GOV_REGION, gov_profile  # noqa: F401


def _triggers(conn: str) -> list[Any]:
    """The launch's, the teardown's and the probe's waits, as the operators defer with them."""
    waits = {"aws_conn_id": conn, "waiter_delay": 30, "waiter_max_attempts": 60, "region_name": GOV_REGION}
    launch = trigger_for(
        EmrCreateJobFlowTrigger(job_flow_id="j-1", botocore_config=default_botocore_config(), **waits),
        botocore_config_is_default=True,
    )
    teardown = trigger_for(
        EmrTerminateJobFlowTrigger(job_flow_id="j-1", botocore_config=default_botocore_config(), **waits),
        botocore_config_is_default=True,
    )
    probe = ProbeStepsTrigger(
        probe_steps={"s3://b/p": "s-1"},
        destination_aws_conn_id=conn,
        job_flow_id="j-1",
        step_ids=["s-1"],
        botocore_config=default_botocore_config(),
        botocore_config_is_default=True,
        **waits,
    )
    return [launch, teardown, probe]


async def _endpoint(hook: Any) -> str:
    async with await hook.get_async_conn() as client:
        return str(client.meta.endpoint_url)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["launch", "teardown", "probe"])
def test_each_wait_keeps_the_profile_s_settings(gov_profile: str, index: int) -> None:  # noqa: F811
    """The wait's session is the named profile's (FIPS on), not ``[default]``'s."""
    session = _triggers(gov_profile)[index].hook().get_session(region_name=GOV_REGION, deferrable=True)
    assert session.get_config_variable("profile") == "gov"
    assert session.get_config_variable("use_fips_endpoint") is True


@pytest.mark.parametrize("index", [0, 1, 2], ids=["launch", "teardown", "probe"])
def test_each_wait_polls_the_endpoint_the_operator_launched_through(gov_profile: str, index: int) -> None:  # noqa: F811
    """A profile's ``services`` section naming an EMR endpoint (a VPC endpoint's): the worker and the wait both use it."""
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "emr =\n  endpoint_url = https://emr.private.example\n")
    worker = build_hook(
        EmrfsEmrHook,
        aws_conn_id=gov_profile,
        region_name=GOV_REGION,
        verify=None,
        config=default_botocore_config(),
        config_is_default=True,
    )
    assert worker.conn.meta.endpoint_url == "https://emr.private.example"
    assert asyncio.run(_endpoint(_triggers(gov_profile)[index].hook())) == "https://emr.private.example"


def test_a_stale_aws_profile_does_not_break_the_wait(gov_profile: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """``AWS_PROFILE`` naming no profile: the wait still builds its client, from the connection's profile."""
    monkeypatch.setenv("AWS_PROFILE", "gone")
    session = _triggers(gov_profile)[0].hook().get_session(region_name=GOV_REGION, deferrable=True)
    assert session.get_config_variable("profile") == "gov"
    assert asyncio.run(_endpoint(_triggers(gov_profile)[0].hook())).startswith("https://")


@pytest.mark.parametrize("index", [0, 1], ids=["launch", "teardown"])  # the probe's wait runs its own loop
def test_the_running_wait_polls_with_the_provider_hook(
    gov_profile: str,  # noqa: F811
    index: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``run()`` builds its hook (in a thread) as the provider's EMR hook, the class that keeps the profile's settings."""
    built: list[type] = []

    async def upstream_run(self: Any) -> Any:  # the upstream wait: only which hook it polls with
        built.append(type(self.hook()))
        for event in ():
            yield event

    monkeypatch.setattr(AwsBaseWaiterTrigger, "run", upstream_run)

    async def drain(trigger: Any) -> None:
        async for _ in trigger.run():
            pass

    asyncio.run(drain(_triggers(gov_profile)[index]))
    assert len(built) == 1
    assert issubclass(built[0], EmrfsEmrHook)
