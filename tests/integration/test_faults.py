"""
The whole chain of five operators against a struggling AWS, with the provider's default retry settings.

A fault-injecting proxy sits between the operators and moto: throttling, HTTP 500 and 503, and
connections dropped before the request reaches AWS or after AWS handled it (so the client never
learns that its call succeeded). Then IAM's eventual consistency, and an access denial, which must
not be retried at all.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES, IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    idempotency_key,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.fault_proxy import FAULT_KINDS, FaultProxy
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    KEY_ADMIN_ARN,
    PROVISIONER_ROLE,
    Seeded,
    airflow_environment,
    client,
    seed,
)
from devstack.testing import (
    CallRecorder,
    RecordingTaskInstance,
    answer_denials_like_aws,
    moto_authorization,
    moto_authorization_switch,
    provisioner_roles,
    run_operator,
    small_cluster,
)
from tests.conftest import reset_moto

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The operators' settle wait. A write is dropped and read again when sent later than half of it after
#: its read (``pure/converge.py``). From a read's start to its write's send, without a retry, took
#: 5-25 ms idle and 10-35 ms with two CPU burners on two cores: at 0.05 s (a 25 ms deadline) half the
#: writes under load were dropped and read again, and a call whose every attempt came late would give
#: up (after its consistency wait). 0.5 s leaves a 250 ms deadline, seven times the slowest; writes
#: that botocore retries after a backoff still come late and are dropped, as designed.
SETTLE_SECONDS = 0.5
#: For the operators whose first write is denied: a write is dropped and read again when sent later than
#: half the settle wait after its read (``pure/converge.py``), which a busy machine can take at 0.05 s and
#: which would show as a second attempt; the denied write fails before any settle wait, so this costs nothing.
DENIED_SETTLE_SECONDS = 10.0
SEEDED_EMR_POLICY = "emr-ec2-own-bucket-access"


def statement(document: Any, sid: str) -> dict[str, Any]:
    document = json.loads(document) if isinstance(document, str) else document
    [found] = [item for item in document["Statement"] if item.get("Sid") == sid]
    return found


def role_name(partner: str) -> str:
    return f"{partner}-writer"


def role_arn(partner: str) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{role_name(partner)}"


def prefix(partner: str) -> str:
    return f"s3://{BUCKET}/exports/{partner}/"


def task_instance(partner: str, task_id: str) -> RecordingTaskInstance:
    return RecordingTaskInstance(
        dag_id=f"export_{partner}", run_id="scheduled__2026-03-01T00:00:00+00:00", task_id=task_id
    )


def job_flow(partner: str) -> dict[str, Any]:
    return small_cluster(f"{partner}-export")


def launch(
    partner: str, security_configuration: str, botocore_config: dict[str, Any] | None = None
) -> LaunchClusterWithSecConfigOperator:
    """The launch of the partner's cluster with ``security_configuration``."""
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration,
        job_flow_overrides=job_flow(partner),
        botocore_config=botocore_config,
    )


def run_chain(aws: Seeded, partner: str, botocore_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """
    Run the five operators for one partner, as a DAG would chain them; return what they returned.

    ``botocore_config`` is given to every operator (``None``: the provider's default).
    """

    def step(operator_class: Any, task_id: str, **arguments: Any) -> Any:
        operator = operator_class(
            task_id=task_id, settle_seconds=SETTLE_SECONDS, botocore_config=botocore_config, **arguments
        )
        result, _, _ = run_operator(operator, task_instance(partner, task_id))
        return result

    arn = step(
        EnsureDestinationRoleOperator,
        "ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=role_name(partner),
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[prefix(partner)],
        kms_key_arns=[aws.kms_key_arn],
    )
    policy = step(
        AttachAssumeRolePolicyOperator,
        "attach_assume_role_policy",
        aws_conn_id=EMR_CONN_ID,
        destination_role_arns=[arn],
    )
    key = step(
        GrantKmsKeyUserOperator,
        "grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn=aws.kms_key_arn,
        principal_arns=[arn],
    )
    name = step(
        CreateEmrfsSecurityConfigOperator,
        "create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=f"emrfs-xacct-{partner}",
        role_mappings=[{"Role": arn, "IdentifierType": "Prefix", "Identifiers": [prefix(partner)]}],
    )
    launch_ti = task_instance(partner, "launch_cluster")
    cluster_id, _, _ = run_operator(launch(partner, name, botocore_config), launch_ti)
    return {
        "role_arn": arn,
        "policy": policy,
        "key": key,
        "security_configuration": name,
        "cluster_id": cluster_id,
        "idempotency_key": idempotency_key({"ti": launch_ti}),
    }


def assert_end_state(aws: Seeded, outcomes: dict[str, dict[str, Any]]) -> None:
    """Read everything back from moto directly (not through the proxy) and check it."""
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    for partner, outcome in outcomes.items():
        assert outcome["role_arn"] == role_arn(partner)
        role = iam_b.get_role(RoleName=role_name(partner))["Role"]
        assert role["Arn"] == role_arn(partner)
        trust = statement(role["AssumeRolePolicyDocument"], documents.TRUST_SID)
        assert as_list(trust["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]
        access = iam_b.get_role_policy(RoleName=role_name(partner), PolicyName=documents.DESTINATION_POLICY_NAME)
        objects = as_list(statement(access["PolicyDocument"], documents.OBJECTS_SID)["Resource"])
        assert f"arn:aws:s3:::{BUCKET}/exports/{partner}/*" in objects
        # One partner's role never gets another partner's prefix.
        assert {arn.split("/exports/")[1].split("/")[0].removesuffix("_$folder$") for arn in objects} == {partner}
        key_use = statement(access["PolicyDocument"], documents.KMS_USE_SID)
        assert as_list(key_use["Resource"]) == [aws.kms_key_arn]

        assert outcome["key"] == aws.kms_key_arn
        configuration = json.loads(
            emr.describe_security_configuration(Name=outcome["security_configuration"])["SecurityConfiguration"]
        )
        mappings = configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
        assert mappings == [
            {"Role": role_arn(partner), "IdentifierType": "Prefix", "Identifiers": [prefix(partner).rstrip("/")]}
        ]
        cluster = emr.describe_cluster(ClusterId=outcome["cluster_id"])["Cluster"]
        assert cluster["SecurityConfiguration"] == outcome["security_configuration"]
        assert {"Key": IDEMPOTENCY_TAG, "Value": outcome["idempotency_key"]} in cluster["Tags"]

    # The EMR EC2 role may assume exactly the partners' roles; its own policy is untouched.
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME)
    allowed = statement(assume["PolicyDocument"], documents.ASSUME_SID)
    assert sorted(as_list(allowed["Resource"])) == sorted(role_arn(partner) for partner in outcomes)
    assert sorted(iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]) == sorted(
        [SEEDED_EMR_POLICY, documents.ASSUME_POLICY_NAME]
    )
    own = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_POLICY)["PolicyDocument"]
    assert (json.loads(own) if isinstance(own, str) else own)["Statement"][0]["Sid"] == "OwnLogs"

    # The key policy: the seeded statements as they were, plus ours with every partner's role.
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    ours = statement(policy, documents.KEY_USERS_SID)
    assert sorted(as_list(ours["Principal"]["AWS"])) == sorted(role_arn(partner) for partner in outcomes)
    assert [item for item in policy["Statement"] if item.get("Sid") != documents.KEY_USERS_SID] == aws.key_policy[
        "Statement"
    ]

    # Exactly one cluster per partner, however often RunJobFlow was retried or its answer lost.
    clusters = emr.list_clusters()["Clusters"]
    assert sorted(cluster["Id"] for cluster in clusters) == sorted(o["cluster_id"] for o in outcomes.values())
    assert all(cluster["Status"]["State"] in ACTIVE_CLUSTER_STATES for cluster in clusters)


def connections_through(proxy: FaultProxy, aws: Seeded) -> dict[str, str]:
    """
    The two connections with every AWS call sent through the proxy, except STS, sent to moto directly.

    STS only supplies the connections' credentials (the proxy never faults it); sending it around
    the proxy keeps the proxy's counts, and so ``fault_share``, to the calls the operators make.
    """
    environment = airflow_environment(proxy.url)
    for name, value in list(environment.items()):
        if name.startswith("AIRFLOW_CONN_"):
            connection = json.loads(value)
            connection["extra"]["service_config"]["sts"]["endpoint_url"] = aws.url
            environment[name] = json.dumps(connection)
    return environment


@contextmanager
def through(proxy: FaultProxy, aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """Point the two Airflow connections at the proxy for the duration."""
    with proxy, monkeypatch.context() as patch:
        for name, value in connections_through(proxy, aws).items():
            patch.setenv(name, value)
        yield proxy


#: Partners whose chains run through the faults: at least two (their grants share the EMR EC2 role's
#: policy and the key policy), more until every kind of fault has been seen.
PARTNERS = ["partner-a", "partner-b", "partner-c", "partner-d"]


def skip_backoffs(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Make botocore's standard retry mode try again at once: the attempts are real requests, through the
    proxy's faults, as many as before; only botocore's sleeps between them (random, doubling up to 20 s)
    are skipped. The provider's own waits (settle, consistency) are unchanged.
    """
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.0)


def test_chain_completes_through_faults_with_default_retries(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    skip_backoffs(monkeypatch)
    proxy = FaultProxy(aws.url, fault_rate=0.4, kinds=FAULT_KINDS, seed=20260301)

    outcomes: dict[str, dict[str, Any]] = {}
    with through(proxy, aws, monkeypatch):
        for partner in PARTNERS:
            outcomes[partner] = run_chain(aws, partner)
            if len(outcomes) >= 2 and all(proxy.stats[kind] for kind in FAULT_KINDS):
                break

    assert_end_state(aws, outcomes)
    # The proxy really made AWS struggle: a large share of faults, and every kind of them.
    assert proxy.fault_share >= 0.3, proxy.stats
    assert all(proxy.stats[kind] >= 1 for kind in FAULT_KINDS), proxy.stats
    # Every call the chains made went through the proxy (none of them around it).
    assert proxy.stats["forwarded"] >= 15 * len(outcomes), proxy.stats


# The retry configuration, pinned and measured ---------------------------------------------------

#: What the operators use unless given a ``botocore_config``.
PINNED_DEFAULT = {"retries": {"mode": "standard", "max_attempts": 10}, "connect_timeout": 10, "read_timeout": 60}


def every_operator(aws: Seeded) -> list[Any]:
    """One instance of each of the provider's operators that talks to AWS, with its defaults."""
    from airflow_provider_emrfs_xacct.operators.revoke import (
        DeleteUnusedSecurityConfigsOperator,
        RevokePartnerAccessOperator,
    )
    from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
    from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

    arn = role_arn("partner-a")
    return [
        EnsureDestinationRoleOperator(
            task_id="a",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name="w",
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix("partner-a")],
        ),
        AttachAssumeRolePolicyOperator(task_id="b", aws_conn_id=EMR_CONN_ID, destination_role_arns=[arn]),
        GrantKmsKeyUserOperator(
            task_id="c", aws_conn_id=DESTINATION_CONN_ID, key_arn=aws.kms_key_arn, principal_arns=[arn]
        ),
        CreateEmrfsSecurityConfigOperator(
            task_id="d",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="p",
            role_mappings=[{"Role": arn, "IdentifierType": "Prefix", "Identifiers": [prefix("partner-a")]}],
        ),
        LaunchClusterWithSecConfigOperator(
            task_id="e",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration="s",
            job_flow_overrides=job_flow("partner-a"),
        ),
        GrantBucketAccessOperator(
            task_id="f",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[prefix("partner-a")],
            principal_arns=[aws.emr_ec2_role_arn],
        ),
        RevokeBucketAccessOperator(
            task_id="g", aws_conn_id=DESTINATION_CONN_ID, bucket=BUCKET, principal_arns=[aws.emr_ec2_role_arn]
        ),
        RevokePartnerAccessOperator(
            task_id="h",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=arn,
        ),
        DeleteUnusedSecurityConfigsOperator(task_id="i", aws_conn_id=EMR_CONN_ID, name_prefix="p"),
        VerifyCrossAccountAccessOperator(
            task_id="j",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            security_configuration="s",
        ),
    ]


def test_default_retry_configuration_is_pinned(aws: Seeded) -> None:
    """
    Every operator defaults to standard retries with ``max_attempts`` 10, which botocore takes as retries.

    botocore's ``Config`` documents ``retries["max_attempts"]`` as "the maximum number of retry attempts
    that will be made on a single request" (2: retried at most twice after the initial request) and
    ``total_max_attempts`` as attempts including the initial request; the client turns the first into
    the second by adding one (``botocore/args.py``, ``_compute_retry_max_attempts``). So 11 attempts.
    """
    from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG

    assert DEFAULT_BOTOCORE_CONFIG == PINNED_DEFAULT
    for operator in every_operator(aws):
        assert operator.botocore_config == PINNED_DEFAULT, type(operator).__name__
    client_config = EnsureDestinationRoleOperator(
        task_id="a",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="w",
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[prefix("partner-a")],
    ).hook.conn.meta.config
    assert client_config.retries == {"mode": "standard", "total_max_attempts": 11}
    assert (client_config.connect_timeout, client_config.read_timeout) == (10, 60)
    # botocore rewrites the retries dict it is given: the shared default and the next operator's
    # configuration must not have changed with it (they did, before each operator got its own copy).
    assert DEFAULT_BOTOCORE_CONFIG == PINNED_DEFAULT
    assert every_operator(aws)[0].botocore_config == PINNED_DEFAULT


@pytest.mark.parametrize(
    ("botocore_config", "attempts"),
    [
        pytest.param(None, 11, id="default-max_attempts-10"),
        pytest.param({"retries": {"mode": "standard", "max_attempts": 2}}, 3, id="max_attempts-2"),
        pytest.param({"retries": {"mode": "standard", "total_max_attempts": 2}}, 2, id="total_max_attempts-2"),
    ],
)
def test_attempts_per_call_counted_at_the_proxy(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, botocore_config: dict[str, Any] | None, attempts: int
) -> None:
    """An IAM that answers every request with HTTP 503: the proxy counts the attempts of one call."""
    skip_backoffs(monkeypatch)  # ten backoffs of up to 20 s each would be most of a minute of sleeping
    proxy = FaultProxy(aws.url, fault_rate=1.0, kinds=("http503",), services=("iam",), seed=1)
    with through(proxy, aws, monkeypatch):
        operator = EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name="w",
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix("partner-a")],
            botocore_config=botocore_config,
        )
        with pytest.raises(ClientError) as caught:
            operator.hook.conn.get_role(RoleName="w")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert proxy.requests["GetRole"] == attempts
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1


#: Faults at random (seeded), in bursts of 2 to 4 of one kind, and a throttling storm of 5 in a row on
#: the chain's third request. A burst of n needs n + 1 attempts of the call it hits.
BURSTS = {"fault_rate": 0.06, "spacing": "random", "burst": (2, 4), "storm": (3, "throttle", 5), "seed": 11}
TWO_ATTEMPTS = {"retries": {"mode": "standard", "total_max_attempts": 2}, "connect_timeout": 10, "read_timeout": 60}


def test_default_retries_survive_bursts_that_two_attempts_do_not(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    skip_backoffs(monkeypatch)
    proxy = FaultProxy(aws.url, **BURSTS)  # type: ignore[arg-type]
    outcomes: dict[str, dict[str, Any]] = {}
    with through(proxy, aws, monkeypatch):
        for partner in ("partner-a", "partner-b"):
            outcomes[partner] = run_chain(aws, partner)
    assert_end_state(aws, outcomes)
    # The faults really came in bursts, a storm of 5 among them.
    assert 5 in proxy.bursts, proxy.bursts
    assert sum(length >= 3 for length in proxy.bursts) >= 2, proxy.bursts
    assert len(proxy.bursts) >= 4, proxy.bursts

    # The control: the same faults, the same chain, a client with 2 attempts per call. It fails.
    reset_moto(aws.url)
    aws = seed(aws.url)
    control = FaultProxy(aws.url, **BURSTS)  # type: ignore[arg-type]
    with through(control, aws, monkeypatch), pytest.raises((ClientError, BotoCoreError)) as caught:
        run_chain(aws, "partner-a", botocore_config=TWO_ATTEMPTS)
    if isinstance(caught.value, ClientError):
        assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 1


def partner_a_configuration(aws: Seeded) -> str:
    """Create partner-a's security configuration in the EMR account; return its name."""
    name = "emrfs-xacct-partner-a-0123456789ab"
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name,
        SecurityConfiguration=json.dumps(
            {
                "AuthorizationConfiguration": {
                    "EmrFsConfiguration": {
                        "RoleMappings": [
                            {
                                "Role": role_arn("partner-a"),
                                "IdentifierType": "Prefix",
                                "Identifiers": [prefix("partner-a")],
                            }
                        ]
                    }
                }
            }
        ),
    )
    return name


def test_lost_run_job_flow_answer_launches_one_cluster(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    moto launches the cluster, and the answer to ``RunJobFlow`` is lost on the way back.

    ``RunJobFlow`` has no client token: its input shape in botocore's EMR service model (AWS's API
    model) has no ``ClientToken`` and no member marked ``idempotencyToken``, and the SDK references'
    ``RunJobFlowInput`` list none (unlike e.g. EC2 ``RunInstances``). Sent again, it launches a second
    cluster. The launch must look for the cluster its lost attempt started before it tries again.
    """
    name = partner_a_configuration(aws)
    proxy = FaultProxy(aws.url, drop_answers={"RunJobFlow": 1})
    ti = task_instance("partner-a", "launch_cluster")
    with through(proxy, aws, monkeypatch):
        cluster_id, calls, _ = run_operator(launch("partner-a", name), ti)

    assert proxy.stats["dropped-answer"] == 1
    assert proxy.requests["RunJobFlow"] == 1  # moto was asked to launch once, and did
    assert calls.mutating == ["RunJobFlow"]
    clusters = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert [cluster["Id"] for cluster in clusters] == [cluster_id]
    tags = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]
    assert {"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": ti})} in tags  # type: ignore[typeddict-item]


def test_a_lost_answer_to_the_last_run_job_flow_attempt_returns_its_cluster(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The last ``RunJobFlow`` attempt's answer is lost after EMR launched the cluster: the launch returns that cluster.

    Raising the lost answer's error would leave the cluster running with no task knowing its id: with
    ``retries=0`` no retry finds it by its tag, and it bills until someone notices. A DAG author expects what
    the Amazon provider's ``EmrCreateJobFlowOperator`` gives after botocore resent the call: a task that
    succeeded with a running cluster's id, which the teardown terminates. One attempt here, so that the only
    one is the last.
    """
    from airflow_provider_emrfs_xacct.hooks import emr as emr_hooks

    monkeypatch.setattr(emr_hooks, "LAUNCH_ATTEMPTS", 1)
    name = partner_a_configuration(aws)
    proxy = FaultProxy(aws.url, drop_answers={"RunJobFlow": 1})
    with through(proxy, aws, monkeypatch):
        cluster_id, calls, _ = run_operator(launch("partner-a", name), task_instance("partner-a", "launch_cluster"))

    assert proxy.stats["dropped-answer"] == 1
    assert proxy.requests["RunJobFlow"] == 1
    assert calls.mutating == ["RunJobFlow"]
    [cluster] = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert (cluster["Id"], cluster["Status"]["State"] in ACTIVE_CLUSTER_STATES) == (cluster_id, True)


def test_run_job_flow_is_sent_on_the_last_of_launch_attempts(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    ``RunJobFlow`` is sent up to ``LAUNCH_ATTEMPTS`` times: a connection that fails before the call reaches EMR
    on every attempt but the last still launches, on the last (hooks/emr.py, ``_send_once_per_attempt``).
    """
    from botocore.exceptions import EndpointConnectionError

    from airflow_provider_emrfs_xacct.hooks import emr as emr_hooks
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook

    monkeypatch.setattr(emr_hooks, "LAUNCH_ATTEMPTS", 2)
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID, emr_conn_id=None)
    refused: list[str] = []

    def connection_refused(request: Any, **_: Any) -> None:
        if not refused:  # the first attempt never reaches EMR
            refused.append(request.url)
            raise EndpointConnectionError(endpoint_url=request.url)

    hook.client_sending_once.meta.events.register("before-send.emr.RunJobFlow", connection_refused)
    tags = [{"Key": IDEMPOTENCY_TAG, "Value": "dag.run.task.-1.0123456789abcdef"}]

    answer = hook.create_job_flow(small_cluster(Tags=tags))

    assert len(refused) == 1
    [cluster] = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert cluster["Id"] == answer["JobFlowId"]


def test_a_timeout_while_run_job_flow_is_retried_terminates_the_cluster_it_launched(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``execution_timeout`` strikes after ``RunJobFlow`` launched a cluster whose answer was lost.

    Airflow's timeout raises ``AirflowTaskTimeout`` wherever the task is (a SIGALRM; here in the
    launch's wait before it looks for the cluster again) and then calls ``on_kill``
    (``_run_execute_callable`` in ``airflow/sdk/execution_time/task_runner.py``). The cluster id was
    never answered: ``on_kill`` finds the cluster by its idempotency tag and terminates it.
    """
    from airflow.sdk.exceptions import AirflowTaskTimeout

    def alarm(seconds: float) -> None:
        raise AirflowTaskTimeout("Timeout")

    name = partner_a_configuration(aws)
    proxy = FaultProxy(aws.url, drop_answers={"RunJobFlow": 1})
    operator = launch("partner-a", name)
    with through(proxy, aws, monkeypatch):
        # A real SIGALRM would make the test timed: the timeout is raised from the launch's one wait.
        monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=alarm))
        with pytest.raises(AirflowTaskTimeout):
            run_operator(operator, task_instance("partner-a", "launch_cluster"))
        operator.on_kill()

    assert proxy.stats["dropped-answer"] == 1
    (cluster,) = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert cluster["Status"]["State"] in {"TERMINATING", "TERMINATED"}


def test_chain_waits_for_eventual_consistency(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """For a while after CreateRole, IAM does not show the new role and refuses it as a principal."""
    proxy = FaultProxy(aws.url, consistency_lag=3, seed=1)

    with through(proxy, aws, monkeypatch):
        outcomes = {"partner-new": run_chain(aws, "partner-new")}

    assert proxy.stats["consistency"] == 3, proxy.stats
    assert_end_state(aws, outcomes)


class LostCreateRoleAnswer(FaultProxy):
    """
    IAM creates the role but the answer to ``CreateRole`` is lost; then IAM's write path lags.

    botocore's retry of ``CreateRole`` gets ``EntityAlreadyExists``. Reads of the role already see it,
    but the first ``stale_writes`` ``PutRolePolicy`` calls on it still answer ``NoSuchEntity``
    (IAM's eventual consistency; the plain ``consistency_lag`` makes reads lag first, so it cannot
    show a write lagging after a read).
    """

    def __init__(self, upstream: str, *, stale_writes: int) -> None:
        super().__init__(upstream)
        self.stale_writes = stale_writes
        self.created: set[str] = set()
        self.answer_lost = False
        self.request = threading.local()

    def _consistency_error(self, service: str, form: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        self.request.action = form.get("Action")
        if form.get("Action") == "PutRolePolicy" and form.get("RoleName") in self.created and self.stale_writes:
            with self.lock:
                self.stale_writes -= 1
            return 404, "NoSuchEntity", f"The role with name {form['RoleName']} cannot be found."
        return None

    def _note_created(self, service: str, form: dict[str, str], status: int) -> None:
        if form.get("Action") == "CreateRole" and status == 200:
            self.created.add(form["RoleName"])

    def _choose_fault(self, service: str) -> str | None:
        if getattr(self.request, "action", None) == "CreateRole" and not self.answer_lost:
            self.answer_lost = True
            return "drop-after"
        return None


def test_lost_create_role_answer_then_lagging_iam(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """EntityAlreadyExists after a lost answer proves the role exists: a NoSuchEntity after it is IAM's lag."""
    proxy = LostCreateRoleAnswer(aws.url, stale_writes=2)
    operator = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=role_name("partner-new"),
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[prefix("partner-new")],
        settle_seconds=SETTLE_SECONDS,
    )

    with through(proxy, aws, monkeypatch):
        arn, _calls, _ = run_operator(operator, task_instance("partner-new", operator.task_id))

    assert proxy.stats["drop-after"] == 1
    assert proxy.stats["consistency"] == 2
    # What IAM received: two refused while it lagged, then the one that held. (The client may also have
    # dropped a write before sending it, as too late after its read on a loaded machine: not sent, not counted.)
    assert proxy.requests["PutRolePolicy"] == 3
    assert arn == role_arn("partner-new")
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = statement(
        iam.get_role(RoleName=role_name("partner-new"))["Role"]["AssumeRolePolicyDocument"], documents.TRUST_SID
    )
    assert as_list(trust["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]
    access = iam.get_role_policy(RoleName=role_name("partner-new"), PolicyName=documents.DESTINATION_POLICY_NAME)
    objects = as_list(statement(access["PolicyDocument"], documents.OBJECTS_SID)["Resource"])
    assert f"arn:aws:s3:::{BUCKET}/exports/partner-new/*" in objects


# IAM's ConcurrentModification: another request changes the same entity ---------------------------


def create_role(aws: Seeded, partner: str, settle_seconds: float = 0) -> str:
    """Run EnsureDestinationRoleOperator for ``partner`` (trusting the seeded EMR EC2 role); return the role ARN."""
    arn, _, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="create",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=role_name(partner),
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix(partner)],
            settle_seconds=settle_seconds,
        )
    )
    return str(arn)


def revoke_deleting_role(arn: str, settle_seconds: float = 0) -> RevokePartnerAccessOperator:
    """The revoke of the partner whose destination role is ``arn``, deleting that role."""
    return RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=arn,
        delete_destination_role=True,
        settle_seconds=settle_seconds,
    )


def test_iam_concurrent_modification_is_waited_out(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    IAM refuses a write with ``ConcurrentModification`` (409) while another request changes the same entity.

    IAM API Reference, "CreateRole", "DeleteRole" (Errors): "The request was rejected because multiple
    requests to change this object were submitted simultaneously. Wait a few minutes and submit your
    request again." IAM also answers it to ``PutRolePolicy`` and ``AttachRolePolicy`` while the role
    changes (hashicorp/terraform-provider-aws#34371, #39421). The EMR EC2 role is shared by every run
    of every partner (``max_active_runs=8``), so its inline policy meets it. botocore does not retry it;
    each write is tried again after a backoff (read again first where the write is a read-modify-write).
    """
    proxy = FaultProxy(
        aws.url,
        # The grant's writes are read, merged and written (read again after a conflict); the revoke's
        # DeleteRolePolicy on the EMR EC2 role too, while the role deletion's DeleteRolePolicy and
        # DeleteRole are sent again as they are.
        conflicts={"CreateRole": 1, "PutRolePolicy": 1, "DeleteRolePolicy": 2, "DeleteRole": 1},
    )
    partner = "partner-busy"
    with through(proxy, aws, monkeypatch):
        arn = create_role(aws, partner, SETTLE_SECONDS)
        run_operator(
            AttachAssumeRolePolicyOperator(
                task_id="attach", aws_conn_id=EMR_CONN_ID, destination_role_arns=[arn], settle_seconds=SETTLE_SECONDS
            )
        )
        assume = client(aws.url, EMR_ACCOUNT, "iam").get_role_policy(
            RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME
        )
        assert as_list(statement(assume["PolicyDocument"], documents.ASSUME_SID)["Resource"]) == [arn]
        trust = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name(partner))["Role"]
        trusted = as_list(statement(trust["AssumeRolePolicyDocument"], documents.TRUST_SID)["Principal"]["AWS"])
        assert trusted == [aws.emr_ec2_role_arn]
        run_operator(revoke_deleting_role(arn, SETTLE_SECONDS))

    assert proxy.stats["conflict"] == 5, proxy.stats
    assert not any(proxy.conflicts.values()), proxy.conflicts  # every conflict was answered
    assert role_name(partner) not in [
        role["RoleName"] for role in client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"]
    ]
    assert (
        documents.ASSUME_POLICY_NAME
        not in client(aws.url, EMR_ACCOUNT, "iam").list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )


def test_role_deletion_waits_for_iam_to_see_its_policies_gone(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    ``DeleteRole`` right after ``DeleteRolePolicy`` may still meet the policy: ``DeleteConflict``, nothing deleted.

    IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible"; IAM API
    Reference, "DeleteRole" (``DeleteConflict``, HTTP 409). The revoke sends ``DeleteRole`` again while IAM
    answers that, as hashicorp/terraform-provider-aws does (``internal/service/iam/role.go``, ``deleteRole``).
    """
    partner = "partner-leaving"
    arn = create_role(aws, partner)
    proxy = FaultProxy(aws.url, delete_lag=2)
    with through(proxy, aws, monkeypatch):
        run_operator(revoke_deleting_role(arn))

    assert proxy.stats["consistency"] == 2, proxy.stats  # two DeleteRole refused while IAM lagged
    assert proxy.requests["DeleteRole"] == 3
    roles = client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"]
    assert role_name(partner) not in [role["RoleName"] for role in roles]


def test_spill_policy_deletion_waits_for_iam_to_see_it_detached(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """``DeletePolicy`` right after ``DetachRolePolicy`` may still meet the attachment: ``DeleteConflict``, waited out."""
    from tests.integration.test_scale import FULL, SPILL_2, attach, fill_inline, granted

    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    spilled = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-spilled"
    run_operator(attach(destination_role_arns=[spilled]))
    assert spilled in granted(iam)[SPILL_2]
    proxy = FaultProxy(aws.url, delete_lag=2)
    with through(proxy, aws, monkeypatch):
        run_operator(
            RevokePartnerAccessOperator(
                task_id="revoke",
                aws_conn_id=EMR_CONN_ID,
                destination_role_arn=spilled,
                destination_aws_conn_id=DESTINATION_CONN_ID,
                settle_seconds=0,
            )
        )

    assert proxy.stats["consistency"] == 2, proxy.stats  # two DeletePolicy refused while IAM lagged
    assert SPILL_2 not in granted(iam)
    assert not any(policy["PolicyName"] == SPILL_2 for policy in iam.list_policies(Scope="Local")["Policies"])


def test_s3_operation_aborted_is_waited_out(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    S3 refuses a bucket policy or ownership write with ``OperationAborted`` (409) beside another change of the bucket.

    Amazon S3 API Reference, "Error responses", "List of error codes": ``OperationAborted``, "A conflicting
    conditional operation is currently in progress against this resource. Try again." (409 Conflict); seen
    on ``PutBucketPolicy`` (ansible/ansible#67811). botocore does not retry it. The grant switches the
    ownership right after its policy write, and other partners' grants write the same bucket policy.
    """
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    proxy = FaultProxy(
        aws.url, conflicts={"PutBucketPolicy": 1, "PutBucketOwnershipControls": 1, "DeleteBucketPolicy": 1}
    )
    bucket_access = {"aws_conn_id": DESTINATION_CONN_ID, "principal_arns": [aws.emr_ec2_role_arn]}
    with through(proxy, aws, monkeypatch):
        run_operator(
            GrantBucketAccessOperator(
                task_id="grant",
                s3_prefixes=[prefix("partner-busy")],
                enforce_bucket_owner=True,
                settle_seconds=SETTLE_SECONDS,
                **bucket_access,
            )
        )
        granted = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
        assert granted["Statement"], granted
        ownership = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        run_operator(
            RevokeBucketAccessOperator(
                task_id="revoke", bucket=aws.bucket, settle_seconds=SETTLE_SECONDS, **bucket_access
            )
        )

    assert proxy.stats["conflict"] == 3, proxy.stats
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):  # the provider's statements were all there was
        s3.get_bucket_policy(Bucket=aws.bucket)


# Access denied: fails at once, says what to grant -----------------------------------------------

#: The reads sent after a denied call to tell why it was denied (``EmrfsKmsHook.ensure_key_users``).

#: What the connections' identity may do while authorization is on: read, never write.
READ_ONLY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:Get*",
                "iam:List*",
                "kms:Get*",
                "kms:Describe*",
                "kms:List*",
                "elasticmapreduce:Describe*",
                "elasticmapreduce:List*",
            ],
            "Resource": "*",
        }
    ],
}


@pytest.fixture
def read_only_identity(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """
    Give the connections' role a read-only policy; yield a switch that turns moto's IAM authorization on.

    moto's ``/moto-api/reset-auth`` takes a plain number: how many more requests go unchecked
    (``inf``: never check). Authorization is switched off again however the test ends.

    moto answers a denial in XML whatever the protocol (its authorization has service-specific
    errors only for IAM, S3 and EC2, getmoto/moto#2300), so botocore reads a KMS or EMR denial as
    error code ``403``. AWS answers JSON-protocol services with ``AccessDeniedException`` in JSON
    (HTTP 400): the moto server runs in this process, so make it answer that way here.
    """
    answer_denials_like_aws(monkeypatch)
    provisioner_roles(aws.url, None, {}, allowed=READ_ONLY["Statement"])
    yield from moto_authorization_switch(aws.url)


def denied_operators(aws: Seeded) -> dict[str, tuple[Any, str, str, str]]:
    """operator, the denied action, the resource the message must name, the account."""
    partner = "partner-a"
    arn = role_arn(partner)
    return {
        "destination-role": (
            EnsureDestinationRoleOperator(
                task_id="ensure_destination_role",
                aws_conn_id=DESTINATION_CONN_ID,
                role_name=role_name(partner),
                trusted_role_arns=[aws.emr_ec2_role_arn],
                s3_prefixes=[prefix(partner)],
                settle_seconds=DENIED_SETTLE_SECONDS,
            ),
            "iam:CreateRole",
            f"RoleName={role_name(partner)}",
            DESTINATION_ACCOUNT,
        ),
        "assume-role-policy": (
            AttachAssumeRolePolicyOperator(
                task_id="attach_assume_role_policy",
                aws_conn_id=EMR_CONN_ID,
                destination_role_arns=[arn],
                settle_seconds=DENIED_SETTLE_SECONDS,
            ),
            "iam:PutRolePolicy",
            f"RoleName={EMR_EC2_ROLE}",
            EMR_ACCOUNT,
        ),
        "kms-key-user": (
            GrantKmsKeyUserOperator(
                task_id="grant_kms_key_user",
                aws_conn_id=DESTINATION_CONN_ID,
                key_arn=aws.kms_key_arn,
                principal_arns=[arn],
                settle_seconds=DENIED_SETTLE_SECONDS,
            ),
            "kms:PutKeyPolicy",
            f"KeyId={aws.kms_key_arn}",
            DESTINATION_ACCOUNT,
        ),
        "security-configuration": (
            CreateEmrfsSecurityConfigOperator(
                task_id="create_security_configuration",
                aws_conn_id=EMR_CONN_ID,
                name_prefix="emrfs-xacct-partner-a",
                role_mappings=[{"Role": arn, "IdentifierType": "Prefix", "Identifiers": [prefix(partner)]}],
                settle_seconds=DENIED_SETTLE_SECONDS,
            ),
            "elasticmapreduce:CreateSecurityConfiguration",
            "Name=emrfs-xacct-partner-a-",
            EMR_ACCOUNT,
        ),
        "launch-cluster": (
            LaunchClusterWithSecConfigOperator(
                task_id="launch_cluster",
                aws_conn_id=EMR_CONN_ID,
                emr_conn_id=None,
                security_configuration="emrfs-xacct-partner-a-0123456789ab",
                job_flow_overrides=job_flow(partner),
            ),
            "elasticmapreduce:RunJobFlow",
            f"Name={partner}-export",
            EMR_ACCOUNT,
        ),
    }


class AttemptCounter:
    """Counts the HTTP attempts a client sends (``before-send`` fires once per attempt, retries included)."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def attach(self, client_: Any) -> None:
        client_.meta.events.register("before-send", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        self.attempts.append(event_name.rsplit(".", 1)[-1])


@pytest.mark.parametrize(
    "case", ["destination-role", "assume-role-policy", "kms-key-user", "security-configuration", "launch-cluster"]
)
def test_access_denied_fails_fast_and_names_what_to_grant(aws: Seeded, read_only_identity: Any, case: str) -> None:
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(
        Name="emrfs-xacct-partner-a-0123456789ab",
        SecurityConfiguration=json.dumps({"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}),
    )
    operator, action, resource, account = denied_operators(aws)[case]
    # One session per connection and Region for the whole case, as within a task (session_scope.py): the clients
    # the operator builds while it runs (the launch's IAM and EC2 reads) come from the role assumed before the denial.
    with shared_sessions():
        clients = [operator.hook.conn]
        if hasattr(operator.hook, "client_sending_once"):
            clients.append(operator.hook.client_sending_once)
        # Building the clients assumed the connection's role (the hook fetches credentials eagerly), while
        # moto still let the base credentials through: from now on only the role's own policy counts.
        # The account check's GetCallerIdentity builds one more session (so one more AssumeRole with the
        # base credentials): learn the account now too. (GetCallerIdentity itself needs no permission.)
        operator.hook.account_id  # noqa: B018
        calls, attempts = CallRecorder(), AttemptCounter()
        for client_ in clients:
            calls.attach(client_)
            attempts.attach(client_)
        key_policy_before = client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(
            KeyId=aws.kms_key_arn, PolicyName="default"
        )["Policy"]
        ti = task_instance("partner-a", operator.task_id)

        read_only_identity()
        started = time.monotonic()
        with pytest.raises(AccessDeniedError) as caught:
            operator.execute({"ti": ti, "task_instance": ti})
        elapsed = time.monotonic() - started

    denied = action.split(":")[1]
    # Exactly one attempt at the denied call, and no call was retried at all.
    assert attempts.attempts.count(denied) == 1
    assert attempts.attempts == calls.calls
    # The denied call is the last: nothing is read after a denial (an AWS managed key, whose policy
    # nobody may change, is refused from DescribeKey before any write).
    assert calls.calls[-1] == denied
    # No backoff either: far below the provider's 60 s consistency wait and botocore's 11 attempts (10 retries).
    assert elapsed < 30, elapsed
    message = str(caught.value)
    assert action in message
    assert resource in message
    assert f"account {account}" in message
    # Nothing was written.
    moto_authorization(aws.url, "inf")
    assert (
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
        == key_policy_before
    )
    assert sorted(r["RoleName"] for r in client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"]) == [
        KEY_ADMIN_ARN.rsplit("/", 1)[1],  # seeded: the key policy names it
        PROVISIONER_ROLE,
    ]
    assert client(aws.url, EMR_ACCOUNT, "iam").list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"] == [
        SEEDED_EMR_POLICY
    ]
    assert emr.list_clusters()["Clusters"] == []


def test_a_sigterm_while_run_job_flow_is_retried_terminates_its_cluster_and_launches_no_other(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The task is killed (marked failed, cleared) after ``RunJobFlow`` launched a cluster whose answer was lost.

    Airflow's SIGTERM handler calls ``on_kill`` and returns into the task (``_on_term`` in
    ``airflow/sdk/execution_time/task_runner.py``), which runs on until the supervisor's SIGKILL: the launch
    must not send ``RunJobFlow`` again after ``on_kill`` terminated the cluster of the lost answer.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import LaunchCancelledError

    name = partner_a_configuration(aws)
    proxy = FaultProxy(aws.url, drop_answers={"RunJobFlow": 1})
    operator = launch("partner-a", name)
    with through(proxy, aws, monkeypatch):
        # The signal arrives in the launch's one wait: the handler runs there, then the wait returns.
        monkeypatch.setattr(
            "airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=lambda seconds: operator.on_kill())
        )
        with pytest.raises(LaunchCancelledError):
            run_operator(operator, task_instance("partner-a", "launch_cluster"))

    assert proxy.requests["RunJobFlow"] == 1
    (cluster,) = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert cluster["Status"]["State"] in {"TERMINATING", "TERMINATED"}


def test_a_sigterm_while_run_job_flow_is_under_way_terminates_the_cluster_it_launches(aws: Seeded) -> None:
    """
    The task is killed while ``RunJobFlow`` is on its way: ``on_kill`` finds no cluster yet, then the launch lands.

    Airflow's SIGTERM handler calls ``on_kill`` and returns into the task (``_on_term`` in
    ``airflow/sdk/execution_time/task_runner.py``), whose ``RunJobFlow`` then completes (Python resumes a
    system call a signal handler interrupted, PEP 475). ``on_kill`` looked for the cluster before EMR had
    launched it: the launch must terminate the cluster it is answered with, not hand it on as the task's.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import LaunchCancelledError

    name = partner_a_configuration(aws)
    operator = launch("partner-a", name)
    killed: list[bool] = []

    def sigterm(**_: Any) -> None:
        if not killed:
            killed.append(True)
            operator.on_kill()  # the signal arrives once the request is on its way

    operator.hook.client_sending_once.meta.events.register("before-send.emr.RunJobFlow", sigterm)
    with pytest.raises(LaunchCancelledError):
        run_operator(operator, task_instance("partner-a", "launch_cluster"))

    assert killed == [True]
    (cluster,) = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert cluster["Status"]["State"] in {"TERMINATING", "TERMINATED"}


def test_a_lost_answer_to_delete_security_configuration_is_reported_as_deleted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    EMR deleted the configuration but its answer was lost: botocore sends the delete again, and EMR answers
    ``InvalidRequestException`` for a name it no longer has (the one client error the Amazon EMR API Reference
    lists for DeleteSecurityConfiguration). The cleanup must report it deleted, not "kept: in use".
    """
    from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator

    name = partner_a_configuration(aws)
    proxy = FaultProxy(aws.url, drop_answers={"DeleteSecurityConfiguration": 1})
    operator = DeleteUnusedSecurityConfigsOperator(
        task_id="delete_unused_security_configurations",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-partner-a",
        min_age_seconds=0,
    )
    # partner_a_configuration's name is not its content's hash: make it so, as the provider names its own.
    from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name

    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    emr.delete_security_configuration(Name=name)
    name = security_configuration_name("emrfs-xacct-partner-a", document)
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    ti = task_instance("partner-a", operator.task_id)
    with through(proxy, aws, monkeypatch):
        deleted, _, _ = run_operator(operator, ti)

    assert proxy.stats["dropped-answer"] == 1
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert deleted == [name]
    assert [change["resource"] for change in ti.xcoms["plan"]] == [f"emr security configuration {name}"]


@pytest.mark.parametrize("lost", [True, False], ids=["answer-lost", "created-meanwhile"])
def test_a_lost_answer_to_create_security_configuration_is_reported_as_created(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, lost: bool
) -> None:
    """
    EMR created the configuration but its answer was lost: botocore sends the create again (Boto3 guide,
    "Retries"), and EMR refuses the name it now has. The task's plan must say it created it, not "no
    changes". One created by someone else between the task's read and its one create is no change of the task's.
    """
    from airflow_provider_emrfs_xacct.pure.security_config import (
        build_security_configuration,
        validate_role_mappings,
    )

    mappings = [{"Role": role_arn("partner-a"), "IdentifierType": "Prefix", "Identifiers": [prefix("partner-a")]}]
    operator = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-partner-a",
        role_mappings=mappings,
    )
    proxy = FaultProxy(aws.url, drop_answers={"CreateSecurityConfiguration": 1 if lost else 0})
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    ti = task_instance("partner-a", operator.task_id)
    with through(proxy, aws, monkeypatch):
        if not lost:  # the operator's hook reads its connection when first built: through the proxy
            document = build_security_configuration(validate_role_mappings(mappings, "role_mappings"))
            read = operator.hook.describe_security_configuration
            reads: list[str] = []

            def created_after_the_first_read(name: str) -> Any:
                reads.append(name)
                if len(reads) == 1:
                    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
                    return None
                return read(name)

            monkeypatch.setattr(operator.hook, "describe_security_configuration", created_after_the_first_read)
        name, _, _ = run_operator(operator, ti)

    assert proxy.requests["CreateSecurityConfiguration"] == (2 if lost else 1)
    assert [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]] == [name]
    planned = [change["resource"] for change in ti.xcoms["plan"]]
    assert planned == ([f"emr security configuration {name}"] if lost else [])


def test_a_configuration_created_meanwhile_with_other_mappings_is_a_conflict_not_a_creation(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Another writer creates the name with other role mappings between the task's read and its create: EMR answers
    the create of a name that exists InvalidRequestException (EMR API Reference, CreateSecurityConfiguration,
    "Errors") and keeps the stored configuration. The task must refuse it, not report it as its own.
    """
    from airflow_provider_emrfs_xacct.pure.security_config import (
        build_security_configuration,
        validate_role_mappings,
    )

    mappings = [{"Role": role_arn("partner-a"), "IdentifierType": "Prefix", "Identifiers": [prefix("partner-a")]}]
    others = [{"Role": role_arn("partner-b"), "IdentifierType": "Prefix", "Identifiers": [prefix("partner-b")]}]
    operator = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-partner-a",
        role_mappings=mappings,
    )
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    theirs = json.dumps(build_security_configuration(validate_role_mappings(others, "role_mappings")))
    read = operator.hook.describe_security_configuration
    reads: list[str] = []

    def created_by_another_after_the_first_read(name: str) -> Any:
        reads.append(name)
        if len(reads) == 1:
            emr.create_security_configuration(Name=name, SecurityConfiguration=theirs)
            return None
        return read(name)

    monkeypatch.setattr(operator.hook, "describe_security_configuration", created_by_another_after_the_first_read)
    ti = task_instance("partner-a", operator.task_id)
    with pytest.raises(ConflictError, match="exists with other content"):
        run_operator(operator, ti)

    assert len(reads) == 2  # the create was refused, and the stored configuration read
    stored = emr.describe_security_configuration(Name=reads[0])["SecurityConfiguration"]
    assert json.loads(stored) == json.loads(theirs)  # not replaced
    assert not [change for change in ti.xcoms.get("plan") or [] if change["action"] == "create"]


@pytest.mark.parametrize("lost", ["DeleteRolePolicy", "DeleteRole"])
def test_a_lost_answer_to_a_role_delete_is_taken_as_done(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """
    IAM deleted the role's policy (or the role) but the answer was lost: botocore sends the delete again
    (Boto3 guide, "Retries": connection errors are retried), and IAM answers ``NoSuchEntity`` for what is
    gone (IAM API Reference, "DeleteRolePolicy", "DeleteRole"). The revoke must take that as done and
    finish, not fail after its writes.
    """
    partner = "partner-leaving"
    arn = create_role(aws, partner)
    proxy = FaultProxy(aws.url, drop_answers={lost: 1})
    with through(proxy, aws, monkeypatch):
        result, _, _ = run_operator(revoke_deleting_role(arn))

    assert proxy.stats["dropped-answer"] == 1
    assert proxy.requests[lost] == 2  # sent again by botocore
    roles = client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"]
    assert role_name(partner) not in [role["RoleName"] for role in roles]
    assert result["plan"][-1]["action"] == "delete"


def test_a_throttled_run_job_flow_searches_again_without_describing_the_siblings_again(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    EMR throttles ``RunJobFlow`` (``ThrottlingException``, Amazon EMR API Reference, "Common Errors"), and the
    launch looks for a cluster after each failed attempt: the three sibling clusters of its run, described by its
    first search, are not described again by the two after the throttled attempts (before: 3 + 3 + 3). One
    cluster is launched, by the third attempt; the last ``DescribeCluster`` is the upstream operator's logs link.
    """
    name = partner_a_configuration(aws)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    for index in range(3):
        tag = {"Key": IDEMPOTENCY_TAG, "Value": f"sibling-{index}.production"}
        emr.run_job_flow(**small_cluster(f"partner-{index}-export", Tags=[tag]))
    throttled: list[str] = []

    def throttle_two_launches(operation: str) -> tuple[int, str, str] | None:
        if operation != "RunJobFlow" or len(throttled) == 2:
            return None
        throttled.append(operation)
        return 400, "ThrottlingException", "Rate exceeded"

    with through(FaultProxy(aws.url, intercept=throttle_two_launches), aws, monkeypatch):
        cluster_id, calls, _ = run_operator(launch("partner-a", name), task_instance("partner-a", "launch_cluster"))

    assert throttled == ["RunJobFlow", "RunJobFlow"]
    assert calls.mutating == ["RunJobFlow"] * 3
    assert calls.calls.count("DescribeCluster") == 3 + 1
    assert len(emr.list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))["Clusters"]) == 4
    assert cluster_id in [cluster["Id"] for cluster in emr.list_clusters()["Clusters"]]


class LaggingClusterList(FaultProxy):
    """
    EMR launches the cluster, but the next ``list_lag`` ``ListClusters`` answers do not show it yet.

    The Amazon EMR API Reference ("ListClusters": "Provides the status of all clusters visible to this Amazon Web
    Services account") does not say when a cluster ``RunJobFlow`` launched becomes visible there. The proxy's own
    ``consistency_lag`` plays IAM's lag on new roles only; this plays the same kind of lag on ``ListClusters``.
    """

    def __init__(self, upstream: str, *, list_lag: int, **kwargs: Any) -> None:
        super().__init__(upstream, **kwargs)
        self.list_lag = list_lag
        self.launched: set[str] = set()

    def _forward_to_replica(
        self, service: str, operation: str, access_key: str, form: dict[str, str], request: tuple[str, str, Any, bytes]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        status, headers, answer = super()._forward_to_replica(service, operation, access_key, form, request)
        if status != 200:
            return status, headers, answer
        if operation == "RunJobFlow":
            with self.lock:
                self.launched.add(json.loads(answer)["JobFlowId"])
        elif operation == "ListClusters" and self.launched:
            with self.lock:
                if self.list_lag <= 0:
                    return status, headers, answer
                self.list_lag -= 1
                self.stats["list-lag"] += 1
            listed = json.loads(answer)
            listed["Clusters"] = [cluster for cluster in listed["Clusters"] if cluster["Id"] not in self.launched]
            answer = json.dumps(listed).encode()
        return status, headers, answer


def timed_out_launch_with_lagging_list(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, list_lag: int
) -> tuple[LaunchClusterWithSecConfigOperator, LaggingClusterList, list[float]]:
    """
    ``execution_timeout`` strikes after ``RunJobFlow`` launched a cluster whose answer was lost, and ``ListClusters``
    misses that cluster ``list_lag`` times; return the killed launch, the proxy and ``on_kill``'s waits.
    """
    from airflow.sdk.exceptions import AirflowTaskTimeout

    def alarm(seconds: float) -> None:
        raise AirflowTaskTimeout("Timeout")

    waits: list[float] = []
    name = partner_a_configuration(aws)
    proxy = LaggingClusterList(aws.url, list_lag=list_lag, drop_answers={"RunJobFlow": 1})
    operator = launch("partner-a", name)
    with through(proxy, aws, monkeypatch):
        # As in the test above: the timeout is raised from the launch's one wait, not by a real SIGALRM.
        monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=alarm))
        # on_kill's waits between searches are recorded, not slept: the lag is counted in requests.
        monkeypatch.setattr("airflow_provider_emrfs_xacct.operators.emr.time", SimpleNamespace(sleep=waits.append))
        with pytest.raises(AirflowTaskTimeout):
            run_operator(operator, task_instance("partner-a", "launch_cluster"))
        operator.on_kill()
    assert proxy.stats["dropped-answer"] == 1
    return operator, proxy, waits


def test_a_timeout_while_list_clusters_lags_searches_again_and_terminates_the_cluster(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``on_kill`` after a ``RunJobFlow`` whose answer was lost: its first search misses the new cluster (``ListClusters``
    lags), so it searches again, finds the cluster by its idempotency tag and terminates it.
    """
    _, proxy, waits = timed_out_launch_with_lagging_list(aws, monkeypatch, list_lag=1)

    assert proxy.stats["list-lag"] == 1
    assert len(waits) == 1
    (cluster,) = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert cluster["Status"]["State"] in {"TERMINATING", "TERMINATED"}


def test_a_timeout_while_list_clusters_never_shows_the_cluster_warns_naming_its_tag(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    ``on_kill`` after a ``RunJobFlow`` whose answer was lost, while ``ListClusters`` never shows the new cluster: the
    launch may have gone through, so it is not logged as killed before a launch; a warning names the cluster's
    ``emrfs-xacct:idempotency-key`` tag to find and terminate it by. The searches stay within the 5 s Airflow's
    supervisor leaves between SIGTERM and SIGKILL (``ActivitySubprocess.kill``).
    """
    import logging

    with caplog.at_level(logging.INFO):
        operator, proxy, waits = timed_out_launch_with_lagging_list(aws, monkeypatch, list_lag=100)
    output = capfd.readouterr().out + caplog.text

    assert proxy.stats["list-lag"] == len(waits) + 1 > 1
    assert sum(waits) < 5
    assert f"{IDEMPOTENCY_TAG}={operator._launch_key}" in output
    assert "may have gone through" in output
    assert "Killed before a cluster was launched" not in output
    # The cluster the warning is about is still there, active, for whoever reads it.
    (cluster,) = client(aws.url, EMR_ACCOUNT, "emr").list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))[
        "Clusters"
    ]
    assert cluster["Id"] in proxy.launched
