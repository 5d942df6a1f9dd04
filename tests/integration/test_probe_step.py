"""
The stand-in runs the verifier's probe step as EMR would: the probe passes with the chain, fails with a broken link.

moto has no step runner; ``devstack/moto_stack.py`` performs the probe step's write
(``hadoop fs -put -f - s3://...``) with the EMRFS-like writer, routed by the cluster's live security
configuration from its instance-profile role, before it reports the step ``COMPLETED``, or
``FAILED`` with the refused request in the step's ``FailureDetails`` (EMR API Reference,
"FailureDetails": the reason and message of a failed step). Nothing here writes the probe object
for the step.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_emrfs_xacct.pure.checks.findings import NOT_THE_MULTIPART_REQUESTS, OUTSIDE_POLICIES
from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.verify import probe_key, probe_step
from devstack import aws_network
from devstack.emrfs_writer import put_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, client, probe_uri
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_deferrable import run_trigger
from tests.integration.test_network_facts import (
    add_s3_gateway_endpoint,
    add_sts_interface_endpoint,
    private_subnet,
    public_subnet,
)
from tests.integration.test_verify import (
    IDENTIFIER,
    PREFIX,
    Partner,
    hand_made_configuration,
    head,
    partner,
    verifier,
)

__all__ = ["partner"]  # the fixture, imported for the tests below


def add_probe_step(partner: Partner, cluster_id: str, uri: str) -> dict[str, Any]:
    """Add the verifier's probe step (as the operator builds it) and return the step as EMR describes it."""
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(uri)])["StepIds"]
    return dict(emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"])


def test_the_stand_in_recognises_the_probe_step_and_nothing_else() -> None:
    uri = probe_key(PREFIX)

    assert probe_uri(probe_step(uri)["HadoopJarStep"]["Args"]) == uri
    assert probe_uri(["bash", "-c", f"echo results | hadoop fs -put -f - {uri}"]) is None
    assert probe_uri(["spark-submit", uri]) is None


def test_with_the_chain_the_probe_step_writes_through_the_destination_role(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri = probe_key(PREFIX)

    step = add_probe_step(partner, cluster_id, uri)

    assert step["Status"]["State"] == "COMPLETED", step["Status"]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    written = head(s3, uri)
    assert written is not None
    # The bucket's default encryption applied: the write used the destination role's key access.
    assert written["ServerSideEncryption"] == "aws:kms"
    assert written["SSEKMSKeyId"] == partner.aws.kms_key_arn
    # hadoop fs -put wrote through a ._COPYING_ file and renamed it: nothing of it is left.
    assert head(s3, f"{uri}._COPYING_") is None


def test_a_probe_whose_credentials_the_stand_in_cannot_tell_fails_rather_than_completes(partner: Partner) -> None:
    """
    A custom EMRFS credentials provider: whose credentials the write gets is not documented
    (devstack/aws_cluster_settings.py), so the stand-in's step runner must not report the probe's write as done.
    """
    provider = {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": "com.x.P"}}
    cluster_id = launch_cluster(partner.aws, partner.configuration, Configurations=[provider])
    uri = probe_key(PREFIX)

    step = add_probe_step(partner, cluster_id, uri)

    assert step["Status"]["State"] == "FAILED", step["Status"]
    assert "customAWSCredentialsProvider" in step["Status"]["FailureDetails"]["Message"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_the_verifier_probe_passes_with_the_chain(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)

    result, _, ti = run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True))

    assert result["probe"]["ok"] is True, result["probe"]
    assert (result["verdict"], result["healthy"]) == ("PASS", True)
    [uri] = result["probe"]["objects"]
    assert uri.startswith(f"{PREFIX}{PROBE_KEY}/")
    assert result["probe"]["objects"][uri]["owner_is_bucket_owner"] is True
    # What no policy read shows is now covered by the probe.
    unseen = {item["what"]: item["how"] for item in result["not_checked"]}
    assert {unseen[what] for what, _ in OUTSIDE_POLICIES} == {
        f"covered by the live probe, which passed, {NOT_THE_MULTIPART_REQUESTS}"
    }
    assert ti.xcoms["report"] == result
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "COMPLETED"
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None  # checked, then deleted


def test_a_failed_probe_makes_the_reports_verdict_fail_when_the_task_does_not_fail_on_it(partner: Partner) -> None:
    """
    The probe's step ended FAILED (EMR API Reference, "StepStatus"): the write did not go through, whatever the links
    read. With ``fail_on_broken=False`` the task returns the report: its headline must say so, in XCom too.
    """
    provider = {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": "com.x.P"}}
    cluster_id = launch_cluster(partner.aws, partner.configuration, Configurations=[provider])

    result, _, ti = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, probe=True, fail_on_broken=False)
    )

    assert result["probe"]["ok"] is False, result["probe"]
    assert all(link["status"] != "fail" for link in result["links"])  # the links read nothing broken
    assert (result["verdict"], result["healthy"]) == ("FAIL", False)
    assert ti.xcoms["report"] == result


def test_a_dry_run_verifier_reads_and_reports_but_runs_no_probe(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)

    result, recorder, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True, dry_run=True))

    assert result["healthy"] is True  # the probe would run outside a dry run
    assert "probe" not in result
    # Only reads (and the policy simulator's second opinion): no probe step, no object written.
    assert recorder.mutating == []
    assert client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"] == []


def test_the_deferred_probe_passes_with_the_chain_through_the_trigger(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    # The report is in XCom before the task defers (docs/howto/verify.md): the reads' verdict, no probe yet.
    before_probe = ti.xcoms["report"]
    assert before_probe["healthy"] is True
    assert "probe" not in before_probe or before_probe["probe"] is None

    event = run_trigger(deferred.value.trigger)
    result = operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload, **deferred.value.kwargs)

    assert event.payload["status"] == "success", event.payload
    assert result["probe"]["ok"] is True, result["probe"]
    assert before_probe["links"] == result["links"]


def test_the_deferred_probe_resumes_with_the_event_alone_as_dag_test_does(partner: Partner) -> None:
    # dag.test() (and ``airflow dags test``) resumes a deferred task with ``next_kwargs={"event": payload}``,
    # dropping the deferral's kwargs (airflow/sdk/definitions/dag.py ``_run_task`` before apache/airflow#69942;
    # the triggerer adds the event to them): the probe's arguments come back from XCom.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    event = run_trigger(deferred.value.trigger)
    context = {"ti": ti, "task_instance": ti}

    result = operator.resume_execution("execute_complete", {"event": event.payload}, context)  # type: ignore[arg-type]

    assert result["probe"]["ok"] is True, result["probe"]
    assert result["probe"]["routes"] == deferred.value.kwargs["routes"]
    assert ti.xcoms["report"] == result
    # Without those XComs (do_xcom_push=False) the resumption fails naming the cluster, not with a TypeError.
    ti.xcoms.clear()
    with pytest.raises(EmrfsXacctError, match=f"without its arguments.*{cluster_id}"):
        operator.resume_execution("execute_complete", {"event": event.payload}, context)  # type: ignore[arg-type]


def remove_assume_permission(partner: Partner) -> str:
    client(partner.aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    return "AssumeRole"


def distrust_the_emr_role(partner: Partner) -> str:
    iam = client(partner.aws.url, DESTINATION_ACCOUNT, "iam")
    other = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_DefaultRole"
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": other}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=partner.role_arn.rsplit("/", 1)[1], PolicyDocument=json.dumps(trust))
    return "trust policy"


def remove_prefix_permissions(partner: Partner) -> str:
    iam = client(partner.aws.url, DESTINATION_ACCOUNT, "iam")
    role_name = partner.role_arn.rsplit("/", 1)[1]
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=name)
    return "s3:"


@pytest.mark.parametrize("breakage", [remove_assume_permission, distrust_the_emr_role, remove_prefix_permissions])
def test_with_a_broken_link_the_probe_step_fails_where_aws_would(partner: Partner, breakage: Any) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    denied = breakage(partner)
    uri = probe_key(PREFIX)

    step = add_probe_step(partner, cluster_id, uri)

    assert step["Status"]["State"] == "FAILED", step["Status"]
    details = step["Status"]["FailureDetails"]
    assert "refused" in details["Reason"]
    assert "403" in details["Message"]
    assert denied in details["Message"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_refused_probe_fails_the_deferred_verifier_with_the_step_failure(partner: Partner) -> None:
    """
    The verifier only probes a chain that checks out on paper; here the link breaks between its
    reading and the step (a concurrent revoke): the trigger reports the failed step, the task fails.
    """
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    start_probe = operator._start_probe

    def break_then_start(name: str, prefixes: list[str]) -> dict[str, str]:
        remove_assume_permission(partner)
        return start_probe(name, prefixes)

    operator._start_probe = break_then_start  # type: ignore[method-assign]
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)

    event = run_trigger(deferred.value.trigger)
    assert event.payload["status"] == "error", event.payload
    with pytest.raises(EmrfsXacctError, match=r"the probe step did not complete: .*AssumeRole"):
        operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload, **deferred.value.kwargs)
    assert ti.xcoms["report"]["probe"]["ok"] is False


def _interrupt(cluster_id: str, step_ids: list[str]) -> None:
    """As EMR may: the steps end INTERRUPTED (Amazon EMR API Reference, "StepStatus": a State value)."""
    from moto.emr.models import emr_backends

    for backends in emr_backends.values():
        for backend in backends.values():
            cluster = backend.clusters.get(cluster_id)
            for step in cluster.steps if cluster is not None else []:
                if step.id in step_ids:
                    step.state = "INTERRUPTED"


@pytest.mark.parametrize("deferrable", [False, True])
def test_an_interrupted_probe_step_ends_the_wait_with_its_state(partner: Partner, deferrable: bool) -> None:
    """
    A probe step that ends INTERRUPTED ends the wait at once, in the worker as in the triggerer (both wait with the
    Amazon provider's ``steps_wait_for_terminal`` waiter), and the probe's problem names the state. Before, the
    in-worker wait (botocore's ``step_complete`` waiter, no acceptor for INTERRUPTED) polled until its attempts ran
    out and reported "Waiter error: max attempts reached".
    """
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration,
        cluster_id=cluster_id,
        probe=True,
        deferrable=deferrable,
        waiter_delay=1,
        waiter_max_attempts=3,
    )
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    start_probe = operator._start_probe

    def start_then_interrupt(name: str, prefixes: list[str]) -> dict[str, str]:
        uris = start_probe(name, prefixes)
        _interrupt(cluster_id, list(uris.values()))
        return uris

    operator._start_probe = start_then_interrupt  # type: ignore[method-assign]
    polled: list[str] = []
    operator.hook.conn.meta.events.register("before-call.emr.*", lambda model, **_: polled.append(model.name))
    if deferrable:
        with pytest.raises(TaskDeferred) as deferred:
            run_operator(operator, ti)
        event = run_trigger(deferred.value.trigger)
        assert event.payload["status"] == "error", event.payload
        with pytest.raises(EmrfsXacctError, match=r"the probe step did not complete: .*INTERRUPTED"):
            operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload, **deferred.value.kwargs)
    else:
        with pytest.raises(EmrfsXacctError, match=r"the probe step did not complete: .*INTERRUPTED"):
            run_operator(operator, ti)
        assert polled.count("ListSteps") + polled.count("DescribeStep") < 3  # not polled until the attempts ran out
    [problem, *_] = ti.xcoms["report"]["probe"]["problems"]
    assert "max attempts reached" not in problem
    assert "INTERRUPTED" in problem


def test_a_passing_probe_leaves_a_second_mapping_it_did_not_write_through_not_checked(partner: Partner) -> None:
    """
    Two mappings, Prefix then User: the probe writes under the prefix, as mapping 0's role (the first match); the
    User mapping's links (here its prefixes, which the verifier was not given) are not settled by that write.
    """
    configuration = hand_made_configuration(
        partner.aws,
        "emrfs-xacct-two-routes",
        [
            {"Role": partner.role_arn, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]},
            {"Role": partner.role_arn, "IdentifierType": "User", "Identifiers": ["analyst"]},
        ],
    )
    cluster_id = launch_cluster(partner.aws, configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    with pytest.raises(EmrfsXacctError, match="could not be checked") as raised:
        run_operator(verifier(configuration, cluster_id=cluster_id, probe=True, fail_on_not_checked=True), ti)

    report = ti.xcoms["report"]
    assert report["probe"]["ok"] is True, report["probe"]
    assert "access to prefixes" in str(raised.value)  # mapping 1's, never written through
    assert set(report["probe"]["routes"].values()) == {0}
    unseen = {item["what"]: item["how"] for item in report["not_checked"]}
    assert {"not for mapping 1" in unseen[what] for what, _ in OUTSIDE_POLICIES} == {True}


@pytest.mark.parametrize("connection", ["aws_emr_account", "aws_destination_account"])
def test_a_resumed_probe_refuses_a_connection_the_new_worker_does_not_have(
    partner: Partner, monkeypatch: pytest.MonkeyPatch, connection: str
) -> None:
    """
    The resume runs in a new worker process, maybe one without a connection: the Amazon hook would then act with
    the worker's own credentials (``AwsGenericHook.conn_config``: "switching to empty"), reading the probe objects,
    cancelling steps and deleting objects wherever they are. The resume checks both connections as ``execute`` does.
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from devstack.testing import CallRecorder

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    failed = {"status": "error", "message": "Waiter failed: Max attempts exceeded"}
    monkeypatch.delenv(f"AIRFLOW_CONN_{connection.upper()}")
    resumed = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    context = {"ti": ti, "task_instance": ti}

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match=connection):
        resumed.resume_execution("execute_complete", {**deferred.value.kwargs, "event": failed}, context)  # type: ignore[arg-type]

    assert calls.every == []


def test_a_probe_step_in_a_private_subnet_reaches_the_bucket_only_through_an_s3_endpoint_of_its_region(
    partner: Partner,
) -> None:
    """
    The stand-in's network judge (devstack/aws_network.py): without a route to the internet the write reaches S3
    only through an S3 gateway endpoint of the bucket's Region on the subnet's route table (Amazon VPC User Guide,
    "Gateway endpoints for Amazon S3"); the step fails where AWS's would, and the verifier's link agrees.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.11")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    cluster_id = launch_cluster(
        partner.aws, partner.configuration, name="private-export", instances={"Ec2SubnetId": subnet}
    )
    uri = probe_key(PREFIX)

    refused = add_probe_step(partner, cluster_id, uri)
    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    written = add_probe_step(partner, cluster_id, probe_key(PREFIX))

    assert refused["Status"]["State"] == "FAILED", refused["Status"]
    assert "no way to S3" in refused["Status"]["FailureDetails"]["Message"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None
    link = next(link for link in report["links"] if link["link"] == f"cluster reaches s3://{partner.aws.bucket}")
    assert link["status"] == "fail"
    assert written["Status"]["State"] == "COMPLETED", written["Status"]


def test_an_s3_gateway_endpoint_policy_of_the_own_account_only_refuses_the_probe_and_fails_the_write_links(
    partner: Partner,
) -> None:
    """
    A data perimeter on the cluster's S3 gateway endpoint: only buckets of the EMR account (``s3:ResourceAccount``).
    The partner's bucket is refused through it (AWS PrivateLink Guide, "Control access to VPC endpoints using
    endpoint policies"; Amazon S3 User Guide, "Controlling access from VPC endpoints with bucket policies"): the
    stand-in's probe step fails on the endpoint's policy (read from moto's EC2 model, judged by devstack/aws_judge.py),
    and the verifier's write links fail naming the endpoint; allowing the partner's bucket there fixes both.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.12")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    [endpoint] = [
        item
        for item in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        if item["VpcEndpointType"] == "Gateway"
    ]
    own_buckets = {
        "Sid": "OwnBuckets",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"s3:ResourceAccount": EMR_ACCOUNT}},
    }
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=json.dumps({"Statement": [own_buckets]})
    )
    cluster_id = launch_cluster(
        partner.aws, partner.configuration, name="private-export", instances={"Ec2SubnetId": subnet}
    )
    uri = probe_key(PREFIX)

    refused = add_probe_step(partner, cluster_id, uri)
    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))
    partner_bucket = {
        "Sid": "PartnerBucket",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{partner.aws.bucket}", f"arn:aws:s3:::{partner.aws.bucket}/*"],
    }
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"],
        PolicyDocument=json.dumps({"Statement": [own_buckets, partner_bucket]}),
    )
    written = add_probe_step(partner, cluster_id, probe_key(PREFIX))
    fixed, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))

    assert refused["Status"]["State"] == "FAILED", refused["Status"]
    assert f"VPC endpoint policy of {endpoint['VpcEndpointId']}" in refused["Status"]["FailureDetails"]["Message"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None
    write = next(link for link in report["links"] if link["link"] == f"write files {PREFIX}")
    assert write["status"] == "fail", write
    assert endpoint["VpcEndpointId"] in write["detail"]
    assert report["verdict"] == "FAIL"
    assert written["Status"]["State"] == "COMPLETED", written["Status"]
    assert {link["status"] for link in fixed["links"] if link["link"].endswith(PREFIX)} == {"pass"}, fixed["links"]


def test_an_sts_endpoint_policy_of_the_own_account_s_roles_refuses_the_assume_role(partner: Partner) -> None:
    """
    The STS interface endpoint's policy lets only roles of the EMR account be assumed through it: EMRFS's AssumeRole
    of the partner's role (with the EMR EC2 role's session, to the Regional endpoint the private DNS answers for) is
    refused there. The stand-in's probe fails on that policy; the verifier's assume link fails naming the endpoint.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.15")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    [endpoint] = [
        item
        for item in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        if item["VpcEndpointType"] == "Interface"
    ]
    own_roles = {
        "Sid": "OwnRoles",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::{EMR_ACCOUNT}:role/*",
    }
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=json.dumps({"Statement": [own_roles]})
    )
    cluster_id = launch_cluster(
        partner.aws, partner.configuration, name="private-export", instances={"Ec2SubnetId": subnet}
    )

    refused = add_probe_step(partner, cluster_id, probe_key(PREFIX))
    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))

    assert refused["Status"]["State"] == "FAILED", refused["Status"]
    message = refused["Status"]["FailureDetails"]["Message"]
    assert "AssumeRole" in message
    assert f"VPC endpoint policy of {endpoint['VpcEndpointId']}" in message
    assume = next(link for link in report["links"] if link["link"] == "EMR role can assume destination role")
    assert assume["status"] == "fail", assume
    assert endpoint["VpcEndpointId"] in assume["detail"]


def test_the_renames_copy_needs_read_permission_on_its_source(partner: Partner) -> None:
    """
    S3 API Reference, CopyObject, "Permissions": the request needs "read access to the source object and write
    access to the destination bucket" (``s3:GetObject`` on the source). ``hadoop fs -put`` renames
    ``<key>._COPYING_`` to ``<key>`` with a CopyObject: a role that may not read the temporary object fails there.
    """
    iam = client(partner.aws.url, DESTINATION_ACCOUNT, "iam")
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{partner.aws.bucket}/*._COPYING_"}
    iam.put_role_policy(
        RoleName=partner.role_arn.rsplit("/", 1)[1],
        PolicyName="no-reading-temporaries",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )

    result = put_like_emrfs(
        partner.aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=partner.configuration,
        uri=f"{PREFIX}part-00000",
        body=b"x",
    )

    failure = result.first_failure
    assert failure is not None, result.summary()
    assert (failure.operation, failure.uri) == ("CopyObject", f"{PREFIX}part-00000._COPYING_"), result.summary()
    assert "s3:GetObject" in failure.reason, failure.reason


def _default_route(ec2: Any, vpc: str, subnet: str, **target: str) -> None:
    """A route table of the subnet's own with its default route (``0.0.0.0/0``) to ``target``."""
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)


@pytest.mark.parametrize("public_ip_on_launch", [False, True])
def test_an_internet_gateway_reaches_s3_only_for_instances_with_public_addresses(
    partner: Partner, public_ip_on_launch: bool
) -> None:
    """
    Amazon VPC User Guide, "Enable internet access for a VPC using an internet gateway": an instance in a subnet
    routed to an internet gateway reaches the internet only with a public IPv4 address (or an Elastic IP address).
    Without public addresses on launch the stand-in cannot tell whether EMR gives its instances some (the Amazon EMR
    Management Guide, "Amazon VPC options", does not say): undecided, not "reaches".
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.12")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    _default_route(ec2, vpc, subnet, GatewayId=gateway)
    if public_ip_on_launch:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})

    verdict = aws_network.s3_unreachable(EMR_ACCOUNT, REGION, subnet, partner.aws.bucket)

    assert verdict is None if public_ip_on_launch else (verdict or "").startswith(aws_network.CANNOT_TELL), verdict


@pytest.mark.parametrize("connectivity", ["public", "private"])
def test_only_a_public_nat_gateway_reaches_s3(partner: Partner, connectivity: str) -> None:
    """
    Amazon VPC User Guide, "NAT gateways", connectivity types: instances in private subnets reach the internet
    through a public NAT gateway; a private NAT gateway connects them only to other VPCs or an on-premises network
    (what lies past it the stand-in cannot tell). Either is in a public subnet, routed to the internet gateway ("You
    route traffic from the NAT gateway to the internet gateway for the VPC").
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.13")
    public = public_subnet(ec2, vpc, "10.13.2.0/24")
    nat = ec2.create_nat_gateway(SubnetId=public, ConnectivityType=connectivity)["NatGateway"]["NatGatewayId"]
    _default_route(ec2, vpc, subnet, NatGatewayId=nat)

    verdict = aws_network.s3_unreachable(EMR_ACCOUNT, REGION, subnet, partner.aws.bucket)

    assert verdict is None if connectivity == "public" else (verdict or "").startswith(aws_network.CANNOT_TELL), verdict


def test_an_s3_gateway_endpoint_serves_the_buckets_of_its_own_region_only(partner: Partner) -> None:
    """
    Amazon VPC User Guide, "Gateway endpoints for Amazon S3": a gateway endpoint serves S3 of its own Region only
    (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Types of VPC endpoints for Amazon S3"). A private
    subnet with the S3 gateway endpoint of its Region reaches that Region's buckets and no other's.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.14")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    elsewhere = "partner-results-eu"
    client(partner.aws.url, DESTINATION_ACCOUNT, "s3", region="eu-west-1").create_bucket(
        Bucket=elsewhere, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )

    assert aws_network.s3_unreachable(EMR_ACCOUNT, REGION, subnet, partner.aws.bucket) is None
    verdict = aws_network.s3_unreachable(EMR_ACCOUNT, REGION, subnet, elsewhere)
    assert verdict is not None
    assert "no way to S3 of eu-west-1" in verdict, verdict


def test_a_subnet_is_routed_by_its_own_route_table_not_a_neighbours(partner: Partner) -> None:
    """
    Amazon VPC User Guide, "Configure route tables": each subnet is routed by the route table associated with it,
    else by the VPC's main route table. A NAT gateway on a neighbour subnet's table gives this subnet, routed by
    the main table, no way out.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.15")
    neighbour = ec2.create_subnet(VpcId=vpc, CidrBlock="10.15.2.0/24")["Subnet"]["SubnetId"]
    public = public_subnet(ec2, vpc, "10.15.3.0/24")  # the NAT gateway's, routed to the internet gateway
    nat = ec2.create_nat_gateway(SubnetId=public, ConnectivityType="public")["NatGateway"]["NatGatewayId"]
    _default_route(ec2, vpc, neighbour, NatGatewayId=nat)

    assert aws_network.s3_unreachable(EMR_ACCOUNT, REGION, neighbour, partner.aws.bucket) is None
    verdict = aws_network.s3_unreachable(EMR_ACCOUNT, REGION, subnet, partner.aws.bucket)
    assert verdict is not None
    assert "no way to S3" in verdict, verdict


def test_a_probe_step_whose_subnet_cannot_reach_sts_fails_at_the_mapped_role_s_assume_role(partner: Partner) -> None:
    """
    EMRFS gets a mapped role's credentials with AssumeRole to the STS endpoint its release calls (Amazon EMR Release
    Guide, "Managing the default AWS Security Token Service endpoint"): a private subnet with an S3 gateway endpoint
    but no STS interface endpoint reaches S3 and not STS, so the write fails there, on the stand-in as on AWS
    (``devstack/aws_network.py``, ``sts_unreachable``), and the verifier's STS link fails too. An STS interface
    endpoint with private DNS lets it through.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.16")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    cluster_id = launch_cluster(
        partner.aws, partner.configuration, name="private-export", instances={"Ec2SubnetId": subnet}
    )
    uri = probe_key(PREFIX)

    refused = add_probe_step(partner, cluster_id, uri)
    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))
    add_sts_interface_endpoint(ec2, vpc, subnet)
    written = add_probe_step(partner, cluster_id, probe_key(PREFIX))

    assert refused["Status"]["State"] == "FAILED", refused["Status"]
    message = refused["Status"]["FailureDetails"]["Message"]
    assert message.startswith("0 AssumeRole"), message
    assert f"no way to sts.{REGION}.amazonaws.com" in message
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None
    sts = next(link for link in report["links"] if link["link"] == "cluster reaches STS")
    assert sts["status"] == "fail", sts
    assert written["Status"]["State"] == "COMPLETED", written["Status"]


@pytest.mark.parametrize(
    ("base", "own", "step_state"),
    [
        ("https://sts.amazonaws.com", f"https://sts.{REGION}.amazonaws.com", "COMPLETED"),
        (f"https://sts.{REGION}.amazonaws.com", "https://sts.amazonaws.com", "FAILED"),
    ],
    ids=["own-reached", "own-not-reached"],
)
def test_an_s3a_buckets_own_sts_endpoint_is_the_one_its_mapped_roles_call(
    partner: Partner, base: str, own: str, step_state: str
) -> None:
    """
    Where S3A serves s3:// (7.10.0: Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"), a bucket's
    own fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint overrides the base one for it ("When connecting to a bucket,
    all options explicitly set for that bucket will override the base fs.s3a. values": Apache Hadoop, "Hadoop-AWS
    module", "Configuring different S3 buckets with Per-Bucket Configuration"). The only mapped bucket overrides it:
    the base endpoint is no mapped role's. In a private subnet whose STS interface endpoint answers the Regional name
    only (the global endpoint has none: AWS General Reference, "AWS Security Token Service endpoints and quotas"), the
    verifier FAILed the unreachable base endpoint of a cluster that writes, and the stand-in judged EMRFS's endpoint
    (the Regional default) for an S3A bucket sent to the global one.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.17")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    core = {
        "fs.s3a.assumed.role.sts.endpoint": base,
        f"fs.s3a.bucket.{partner.aws.bucket}.assumed.role.sts.endpoint": own,
    }
    cluster_id = launch_cluster(
        partner.aws,
        partner.configuration,
        release_label="emr-7.10.0",
        instances={"Ec2SubnetId": subnet},
        Configurations=[{"Classification": "core-site", "Properties": core}],
    )

    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))
    step = add_probe_step(partner, cluster_id, probe_key(PREFIX))

    sts = [link for link in report["links"] if link["link"] == "cluster reaches STS"]
    assert [link["status"] for link in sts] == ["not checked"], sts  # the bucket's own endpoint, not the base one
    assert own in sts[0]["detail"]
    assert step["Status"]["State"] == step_state, step["Status"]
    if step_state == "FAILED":
        message = step["Status"]["FailureDetails"]["Message"]
        assert message.startswith("0 AssumeRole"), message
        assert "sts.amazonaws.com" in message


def test_an_emrfs_bucket_level_sts_endpoint_is_the_one_s3a_calls_for_its_bucket(partner: Partner) -> None:
    """
    EMR translates emrfs-site fs.s3.sts.endpoint to S3A's fs.s3a.assumed.role.sts.endpoint, and the translation
    "extends to bucket-level configurations" (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"):
    the bucket's fs.s3.bucket.BUCKET.sts.endpoint, the global endpoint, is the one its mapped roles call. In a private
    subnet whose STS interface endpoint answers the Regional name only (the global endpoint has none: AWS General
    Reference, "AWS Security Token Service endpoints and quotas"), the verifier passed the Regional base endpoint and
    the stand-in's step judged it too, while the write goes to the global one.
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.18")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    own = f"fs.s3.bucket.{partner.aws.bucket}.sts.endpoint"
    emrfs = {"fs.s3.sts.endpoint": f"https://sts.{REGION}.amazonaws.com", own: "https://sts.amazonaws.com"}
    cluster_id = launch_cluster(
        partner.aws,
        partner.configuration,
        release_label="emr-7.10.0",
        instances={"Ec2SubnetId": subnet},
        Configurations=[{"Classification": "emrfs-site", "Properties": emrfs}],
    )

    report, _, _ = run_operator(verifier(partner.configuration, cluster_id=cluster_id, fail_on_broken=False))
    step = add_probe_step(partner, cluster_id, probe_key(PREFIX))

    sts = [link for link in report["links"] if link["link"] == "cluster reaches STS"]
    assert [link["status"] for link in sts] == ["not checked"], sts
    assert own in sts[0]["detail"]
    assert step["Status"]["State"] == "FAILED", step["Status"]
    message = step["Status"]["FailureDetails"]["Message"]
    assert message.startswith("0 AssumeRole"), message
    assert "sts.amazonaws.com" in message


def test_a_write_with_the_instance_profile_s_credentials_calls_no_sts(partner: Partner) -> None:
    """
    The instance profile's credentials come from the instance metadata, with no AssumeRole (Amazon EC2 User Guide,
    "Retrieve security credentials from instance metadata"): a subnet that cannot reach STS does not stop a write
    EMRFS sends with them (outside every role mapping), while a mapped one gets no answer at its AssumeRole.
    """
    unreachable = f"subnet subnet-0a ({REGION}) has no way to sts.{REGION}.amazonaws.com: no route to the internet"
    arguments: dict[str, Any] = {
        "emr_account": EMR_ACCOUNT,
        "instance_role": EMR_EC2_ROLE,
        "uri": probe_key(PREFIX),
        "body": b"x",
        "sts_unreachable": unreachable,
    }

    unmapped = {**arguments, "uri": f"s3://{partner.aws.bucket}/outside-the-mapped-prefix/probe"}

    instance = put_like_emrfs(partner.aws.url, security_configuration=partner.configuration, **unmapped)
    mapped = put_like_emrfs(partner.aws.url, security_configuration=partner.configuration, **arguments)

    assert "AssumeRole" not in [record.operation for record in instance.requests], instance.summary()
    assert instance.requests, instance.summary()
    failure = mapped.first_failure
    assert failure is not None, mapped.summary()
    assert (failure.operation, failure.status) == ("AssumeRole", 0), mapped.summary()
    assert unreachable in failure.reason
    assert [record.operation for record in mapped.requests] == ["AssumeRole"], mapped.summary()
