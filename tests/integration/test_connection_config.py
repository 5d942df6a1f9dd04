"""
The AWS connection's botocore settings (its extra's ``config_kwargs``) in the operators' hooks and their triggers.

The Amazon provider builds a client's ``Config`` from ``config_kwargs`` only when its hook is given no ``config``
(``AwsConnectionWrapper``: ``if not self.botocore_config and config_kwargs``). The operators passed their own
default (standard retries, 10/60 s timeouts) whenever they were given none, so a connection's FIPS endpoints,
proxies, timeouts or S3 addressing style were dropped, where the Amazon provider's own operators keep them. Now the
connection's settings win over the provider's default, which fills in what the connection does not set; an operator's
own ``botocore_config`` replaces both, as for the Amazon provider's operators. The triggers get the same.

Real botocore and aiobotocore clients, built from Airflow connections in environment variables. The requests sent
go to a local proxy that records where each one was going and refuses it: nothing reaches AWS.
"""

from __future__ import annotations

import asyncio
import json
import socketserver
import threading
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.amazon.aws.operators.emr import EmrTerminateJobFlowOperator
from airflow.providers.amazon.aws.triggers.emr import EmrCreateJobFlowTrigger, EmrTerminateJobFlowTrigger
from airflow.sdk.exceptions import TaskDeferred
from botocore.exceptions import BotoCoreError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.triggers import ProbeStepsTrigger

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-east-1"
CLUSTER_ID = "j-2AXXXXXXGAPLF"
FIPS_EMR = "https://elasticmapreduce-fips.us-east-1.amazonaws.com"
EMR = "https://elasticmapreduce.us-east-1.amazonaws.com"
#: The provider's default as a client has it: botocore turns ``max_attempts`` 10 (retries) into 11 attempts in all.
DEFAULT_RETRIES = {"mode": "standard", "total_max_attempts": 11}
#: An operator's own ``botocore_config``.
OWN_CONFIG = {"retries": {"mode": "adaptive", "max_attempts": 2}, "read_timeout": 30}


class RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on a free local port that records each request line (``CONNECT host:443 ...``) and refuses it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), RefusingProxy.Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def targets(self) -> list[str]:
        """The host and port of each ``CONNECT`` request."""
        return [line.split()[1] for line in self.requests if line.startswith("CONNECT ")]

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            head = [self.rfile.readline().decode("latin-1").strip()]
            while head[-1]:
                head.append(self.rfile.readline().decode("latin-1").strip())
            self.server.requests.append(head[0])  # type: ignore[attr-defined]
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    server = RefusingProxy()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def connection(**config_kwargs: Any) -> str:
    """An AWS connection in ``REGION`` with static keys, and ``config_kwargs`` in its extra when given."""
    extra: dict[str, Any] = {"region_name": REGION}
    if config_kwargs:
        extra["config_kwargs"] = config_kwargs
    return json.dumps({"conn_type": "aws", "login": "AKIDEXAMPLE", "password": "example-secret", "extra": extra})


@pytest.fixture
def connections(proxy: RefusingProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    """``aws_fips``: the reviewer's connection (FIPS, a 900 s read timeout, a proxy); ``aws_plain``: no ``config_kwargs``."""
    settings = {"use_fips_endpoint": True, "read_timeout": 900, "proxies": {"https": proxy.url}}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_FIPS", connection(**settings))
    monkeypatch.setenv("AIRFLOW_CONN_AWS_FIPS_DESTINATION", connection(**settings))
    monkeypatch.setenv("AIRFLOW_CONN_AWS_PLAIN", connection())
    # botocore's standard retries try again at once (the attempts are still sent, each to the proxy).
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.0)


def settings(client: Any) -> dict[str, Any]:
    """What a client was built with, of what the connections and operators here set."""
    config = client.meta.config
    return {
        "endpoint_url": client.meta.endpoint_url,
        "retries": config.retries,
        "connect_timeout": config.connect_timeout,
        "read_timeout": config.read_timeout,
        "proxies": config.proxies,
    }


def upstream_emr_client(conn_id: str, **kwargs: Any) -> Any:
    """The client of the Amazon provider's own ``EmrTerminateJobFlowOperator`` on ``conn_id``: the reference."""
    return EmrTerminateJobFlowOperator(
        task_id="upstream", job_flow_id=CLUSTER_ID, aws_conn_id=conn_id, **kwargs
    ).hook.conn


def terminate(conn_id: str, **kwargs: Any) -> TerminateClusterOperator:
    return TerminateClusterOperator(task_id="terminate_cluster", job_flow_id=CLUSTER_ID, aws_conn_id=conn_id, **kwargs)


def create(conn_id: str, **kwargs: Any) -> CreateEmrfsSecurityConfigOperator:
    return CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration", name_prefix="p", role_mappings=[], aws_conn_id=conn_id, **kwargs
    )


def launch(conn_id: str, **kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster", security_configuration="c", aws_conn_id=conn_id, emr_conn_id=None, **kwargs
    )


def verifier(conn_id: str, **kwargs: Any) -> VerifyCrossAccountAccessOperator:
    return VerifyCrossAccountAccessOperator(
        task_id="verify",
        security_configuration="c",
        aws_conn_id=conn_id,
        destination_aws_conn_id=f"{conn_id}_destination" if conn_id == "aws_fips" else conn_id,
        **kwargs,
    )


#: The operators' clients: their own hook (on an Amazon operator, on the provider's base) and a hook of another
#: connection or service (``other_hook``: the verifier's readers, the revoke's hooks).
CLIENTS = {
    "terminate": lambda conn_id, **kwargs: terminate(conn_id, **kwargs).hook.conn,
    "create_security_configuration": lambda conn_id, **kwargs: create(conn_id, **kwargs).hook.conn,
    "other_hook": lambda conn_id, **kwargs: create(conn_id, **kwargs).other_hook(EmrfsIamHook, conn_id).conn,
}


@pytest.mark.parametrize("client_of", CLIENTS.values(), ids=CLIENTS.keys())
def test_the_connections_config_kwargs_win_over_the_provider_default(
    connections: None, proxy: RefusingProxy, client_of: Any
) -> None:
    client = client_of("aws_fips")

    if client.meta.service_model.service_name == "emr":
        assert client.meta.endpoint_url == upstream_emr_client("aws_fips").meta.endpoint_url == FIPS_EMR
    else:
        assert client.meta.endpoint_url == "https://iam-fips.amazonaws.com"
    assert client.meta.config.use_fips_endpoint is True
    assert (client.meta.config.read_timeout, client.meta.config.proxies) == (900, {"https": proxy.url})
    # What the connection does not set is the provider's default.
    assert (client.meta.config.retries, client.meta.config.connect_timeout) == (DEFAULT_RETRIES, 10)


@pytest.mark.parametrize("client_of", CLIENTS.values(), ids=CLIENTS.keys())
def test_without_config_kwargs_the_provider_default_applies(connections: None, client_of: Any) -> None:
    client = client_of("aws_plain")

    assert settings(client) == {
        "endpoint_url": EMR if client.meta.service_model.service_name == "emr" else "https://iam.amazonaws.com",
        "retries": DEFAULT_RETRIES,
        "connect_timeout": 10,
        "read_timeout": 60,
        "proxies": None,
    }


@pytest.mark.parametrize("client_of", CLIENTS.values(), ids=CLIENTS.keys())
def test_an_operators_own_botocore_config_replaces_the_connections_as_upstream(
    connections: None, client_of: Any
) -> None:
    client = client_of("aws_fips", botocore_config=OWN_CONFIG)

    # The Amazon provider's own operator given the same configuration: no FIPS, no proxy, botocore's timeouts.
    upstream = settings(upstream_emr_client("aws_fips", botocore_config=OWN_CONFIG))
    assert upstream == {
        "endpoint_url": EMR,
        "retries": {"mode": "adaptive", "total_max_attempts": 3},
        "connect_timeout": 60,
        "read_timeout": 30,
        "proxies": None,
    }
    if client.meta.service_model.service_name != "emr":
        upstream["endpoint_url"] = "https://iam.amazonaws.com"
    assert settings(client) == upstream


def test_the_operators_calls_go_through_the_connections_proxy_to_the_fips_endpoint(
    connections: None, proxy: RefusingProxy
) -> None:
    """The reviewer's case, sent: the provider's teardown reaches the FIPS endpoint through the connection's proxy."""
    client = terminate("aws_fips").hook.conn
    assert client.meta.config.proxies == {"https": proxy.url}  # else the request would go to AWS itself
    with pytest.raises(BotoCoreError):
        client.describe_cluster(ClusterId=CLUSTER_ID)

    # Each attempt went to the proxy; the provider's 11 attempts, where the connection sets no retries.
    assert proxy.targets() == ["elasticmapreduce-fips.us-east-1.amazonaws.com:443"] * 11


# The triggers ---------------------------------------------------------------------------------------------------


def deferred(operator: Any, trigger: Any) -> Any:
    """The trigger ``operator`` defers to when handed ``trigger`` (as its ``execute`` hands it)."""
    with pytest.raises(TaskDeferred) as raised:
        operator.defer(trigger=trigger, method_name="execute_complete")
    return raised.value.trigger


def trigger_arguments(operator: Any) -> dict[str, Any]:
    """The arguments the operators give their triggers."""
    return {
        "aws_conn_id": operator.aws_conn_id,
        "region_name": operator.region_name,
        "verify": operator.verify,
        "botocore_config": operator.botocore_config,
        "waiter_delay": 1,
        "waiter_max_attempts": 2,
    }


#: Each operator's deferral: the launch's and the teardown's as the Amazon provider's operators build their triggers,
#: the verifier's as it builds its own.
DEFERRALS = {
    "launch": lambda conn_id, **kwargs: deferred(
        op := launch(conn_id, **kwargs),
        EmrCreateJobFlowTrigger(job_flow_id=CLUSTER_ID, waiter_name="job_flow_waiting", **trigger_arguments(op)),
    ),
    "teardown": lambda conn_id, **kwargs: deferred(
        op := terminate(conn_id, deferrable=True, **kwargs),
        EmrTerminateJobFlowTrigger(job_flow_id=CLUSTER_ID, **trigger_arguments(op)),
    ),
    "probe": lambda conn_id, **kwargs: deferred(
        op := verifier(conn_id, **kwargs),
        ProbeStepsTrigger(
            probe_steps={"s3://b/p/probe": "s-1"},
            destination_aws_conn_id=op.destination_aws_conn_id,
            job_flow_id=CLUSTER_ID,
            step_ids=["s-1"],
            **trigger_arguments(op),
        ),
    ),
}


def rebuilt(trigger: Any) -> Any:
    """The trigger as the triggerer gets it: its serialised form through JSON, then built again."""
    classpath, kwargs = trigger.serialize()
    assert classpath == f"{type(trigger).__module__}.{type(trigger).__qualname__}"
    again = type(trigger)(**json.loads(json.dumps(kwargs)))
    assert again.serialize() == (classpath, kwargs)
    return again


@pytest.mark.parametrize("defer", DEFERRALS.values(), ids=DEFERRALS.keys())
def test_a_trigger_has_its_operators_settings_from_the_connection(
    connections: None, proxy: RefusingProxy, defer: Any
) -> None:
    trigger = rebuilt(defer("aws_fips"))

    client = trigger.hook().conn
    assert client.meta.endpoint_url == FIPS_EMR
    assert (client.meta.config.read_timeout, client.meta.config.proxies) == (900, {"https": proxy.url})
    assert (client.meta.config.retries, client.meta.config.connect_timeout) == (DEFAULT_RETRIES, 10)
    # Only the operator's botocore_config is serialised (a plain dict), not the connection's settings: the proxy
    # (maybe with a password in its URL) and the rest stay in the connection.
    assert proxy.url not in json.dumps(trigger.serialize())
    if isinstance(trigger, ProbeStepsTrigger):  # its clean-up deletes through the destination connection
        s3 = trigger.aws_hook(EmrfsS3Hook, trigger.destination_aws_conn_id, None).conn
        assert s3.meta.endpoint_url.startswith("https://s3-fips.")
        assert (s3.meta.config.read_timeout, s3.meta.config.proxies) == (900, {"https": proxy.url})


@pytest.mark.parametrize("defer", DEFERRALS.values(), ids=DEFERRALS.keys())
def test_a_triggers_settings_without_config_kwargs_and_with_the_operators_own(connections: None, defer: Any) -> None:
    plain = rebuilt(defer("aws_plain")).hook().conn
    assert settings(plain) == {
        "endpoint_url": EMR,
        "retries": DEFAULT_RETRIES,
        "connect_timeout": 10,
        "read_timeout": 60,
        "proxies": None,
    }

    own = rebuilt(defer("aws_fips", botocore_config=OWN_CONFIG)).hook().conn
    assert settings(own) == settings(upstream_emr_client("aws_fips", botocore_config=OWN_CONFIG))


async def first_event(trigger: Any) -> Any:
    async for event in trigger.run():
        return event
    raise AssertionError(f"{trigger!r} ended without an event")


def test_a_triggers_wait_goes_through_the_connections_proxy_to_the_fips_endpoint(
    connections: None, proxy: RefusingProxy
) -> None:
    """The teardown's wait, run as the triggerer runs it (aiobotocore): its requests go where the operator's went."""
    trigger = rebuilt(DEFERRALS["teardown"]("aws_fips"))
    # The hook the wait builds its client with (else the requests would go to AWS itself).
    assert trigger.hook().conn.meta.config.proxies == {"https": proxy.url}

    with pytest.raises(Exception):  # noqa: B017, PT011 (refused by the proxy: aiohttp's error or botocore's)
        asyncio.run(asyncio.wait_for(first_event(trigger), timeout=60))

    assert proxy.targets() == ["elasticmapreduce-fips.us-east-1.amazonaws.com:443"] * 11
