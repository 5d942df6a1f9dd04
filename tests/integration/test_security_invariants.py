"""
Security invariants of what the provider actually sends and leaves behind, against the moto stack.

(a) Every AWS call of a full chain of the five operators, and of the revokes, is recorded with its
    parameters: no ``PutKeyPolicy`` bypasses the lockout safety check, and no document the provider sent trusts
    ``"*"`` or grants ``sts:AssumeRole`` on ``"*"``.
(b) The example DAG run with ``airflow dags test`` leaks no secret: neither the connections' password
    nor any credential moto issued to the Airflow process appears in the command's output, in any
    task log, in any XCom value, or anywhere in the metadata database.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import as_list
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
)
from devstack.testing import (
    DAG_ID,
    CallRecorder,
    RecordingTaskInstance,
    small_cluster,
)
from tests.integration.partners import provision_partner

if TYPE_CHECKING:
    from tests.conftest import ExampleDagRuns

#: Request parameters that carry a policy document.
DOCUMENT_PARAMETERS = ("PolicyDocument", "AssumeRolePolicyDocument", "Policy")
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:*", "*")
#: What moto's STS issues as session tokens and as access key ids of assumed-role sessions.
MOTO_CREDENTIAL = r"FQoGZXIvYXdzE[A-Za-z0-9+/=]*|ASIA[A-Z0-9]{16}"
PROVIDER_TASKS = (
    "ensure_destination_role",
    "allow_emr_role_to_assume",
    "grant_kms_key_user",
    "create_security_configuration",
    "launch_cluster",
)


# --- (a) every call's parameters during a full chain ---------------------------------------------------


def run_recorded(operator: Any, recorder: CallRecorder) -> Any:
    """Run the operator with every call of every client it uses (in this thread) recorded."""
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything():
        return operator.execute({"ti": ti, "task_instance": ti})


def service_calls(recorder: CallRecorder) -> list[tuple[str, dict[str, Any]]]:
    """(operation, parameters) of every call but STS's (the connections assuming their own roles)."""
    return [
        (operation, params)
        for (service, operation), params in zip(recorder.every, recorder.params, strict=True)
        if service != "sts"
    ]


def wildcard_grants(document: dict[str, Any]) -> list[str]:
    """Return what in a policy document trusts ``*`` or allows ``sts:AssumeRole`` on ``*`` (a Deny grants nothing)."""
    problems = []
    for statement in as_list(document.get("Statement")):
        if statement.get("Effect") == "Deny":
            continue  # e.g. the revoke's trust policy of a role nobody may assume any more
        principal = statement.get("Principal")
        principals = [principal] if isinstance(principal, str) else list(principal.values()) if principal else []
        if any("*" in as_list(value) for value in principals):
            problems.append(f"'*' principal: {statement}")
        assumes = any(action in ASSUME_ACTIONS for action in as_list(statement.get("Action")))
        if assumes and "*" in as_list(statement.get("Resource")):
            problems.append(f"sts:AssumeRole on '*': {statement}")
        if assumes and "NotResource" in statement:
            problems.append(f"sts:AssumeRole on NotResource: {statement}")
    return problems


def test_full_chain_sends_no_lockout_bypass_and_no_wildcard_trust(aws: Seeded) -> None:
    recorder = CallRecorder()
    fast = {"settle_seconds": 0}
    role_arn = run_recorded(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name="emrfs-partner-writer",
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[f"s3://{aws.bucket}/exports/"],
            kms_key_arns=[aws.kms_key_arn],
            **fast,
        ),
        recorder,
    )
    run_recorded(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=[role_arn],
            **fast,
        ),
        recorder,
    )
    run_recorded(
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[role_arn],
            **fast,
        ),
        recorder,
    )
    name = run_recorded(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-partner",
            role_mappings=[
                {"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [f"s3://{aws.bucket}/exports/"]}
            ],
        ),
        recorder,
    )
    cluster_id = run_recorded(
        LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=name,
            wait_for_completion=False,
            job_flow_overrides=small_cluster("partner-export", "emr-7.5.0"),
        ),
        recorder,
    )
    assert role_arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-writer"
    assert cluster_id.startswith("j-")

    # Every step wrote: the checks below see the real documents, not an empty list.
    calls = service_calls(recorder)
    operations = [operation for operation, _ in calls]
    for operation in ("CreateRole", "PutRolePolicy", "PutKeyPolicy", "CreateSecurityConfiguration", "RunJobFlow"):
        assert operation in operations, operations
    # The destination role's permissions, the EMR role's assume policy.
    assert len(recorder.params_of("PutRolePolicy")) == 2

    for params in recorder.params_of("PutKeyPolicy"):
        assert "BypassPolicyLockoutSafetyCheck" not in params, params
    for operation in ("CreateKey", "ReplicateKey"):
        assert operation not in operations  # the other two calls that take the bypass flag are never sent

    documents = [
        (operation, json.loads(params[key]))
        for operation, params in calls
        for key in DOCUMENT_PARAMETERS
        if key in params
    ]
    assert {operation for operation, _ in documents} == {"CreateRole", "PutRolePolicy", "PutKeyPolicy"}
    for operation, document in documents:
        assert wildcard_grants(document) == [], (operation, document)
    # The EMR EC2 role may assume exactly the destination role, and the destination role trusts exactly it.
    [assume] = [doc for op, doc in documents if op == "PutRolePolicy" and "sts:AssumeRole" in json.dumps(doc)]
    assert [as_list(s["Resource"]) for s in assume["Statement"]] == [[role_arn]]
    [trust] = [doc for op, doc in documents if op == "CreateRole"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"AWS": [aws.emr_ec2_role_arn]}]
    # The security configuration maps to the role, not to anything broader.
    [configuration] = [
        json.loads(p["SecurityConfiguration"]) for p in recorder.params_of("CreateSecurityConfiguration")
    ]
    mappings = configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    assert [m["Role"] for m in mappings] == [role_arn]


def test_the_revokes_send_no_lockout_bypass_and_no_wildcard_trust(aws: Seeded) -> None:
    """The revoke writes the key policy and the trust policy too: kept and deleted role alike."""
    kept = provision_partner(aws, "partner-1-writer", f"s3://{aws.bucket}/partner-1/")
    deleted = provision_partner(aws, "partner-2-writer", f"s3://{aws.bucket}/partner-2/")
    recorder = CallRecorder()
    for arn, delete in ((kept, False), (deleted, True)):
        run_recorded(
            RevokePartnerAccessOperator(
                task_id="revoke_partner",
                aws_conn_id=EMR_CONN_ID,
                destination_aws_conn_id=DESTINATION_CONN_ID,
                destination_role_arn=arn,
                emr_ec2_role_name=EMR_EC2_ROLE,
                kms_key_arns=[aws.kms_key_arn],
                delete_destination_role=delete,
                settle_seconds=0,
            ),
            recorder,
        )

    calls = service_calls(recorder)
    operations = [operation for operation, _ in calls]
    # Each revoke wrote the key policy; the kept role's trust and the EMR role's assume policy were written.
    assert operations.count("PutKeyPolicy") == 2, operations
    for operation in ("UpdateAssumeRolePolicy", "PutRolePolicy", "DeleteRole"):
        assert operation in operations, operations
    for params in recorder.params_of("PutKeyPolicy"):
        assert "BypassPolicyLockoutSafetyCheck" not in params, params
    documents = [
        (operation, json.loads(params[key]))
        for operation, params in calls
        for key in DOCUMENT_PARAMETERS
        if key in params
    ]
    assert {operation for operation, _ in documents} >= {"UpdateAssumeRolePolicy", "PutKeyPolicy"}
    for operation, document in documents:
        assert wildcard_grants(document) == [], (operation, document)


def test_the_wildcard_check_finds_what_it_looks_for() -> None:
    """The check above must be able to fail."""
    assert wildcard_grants({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}]})
    assert wildcard_grants({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["a", "*"]}, "Action": "x"}]})
    assert wildcard_grants({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})
    assert not wildcard_grants({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ["arn"]}]})
    assert not wildcard_grants(
        {"Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    )


# --- (b) no secret in the output, the task logs, XCom or the metadata DB of a DAG run --------------------


XCOM_DUMP = """
import json
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session

with create_session() as session:
    rows = session.query(XComModel).filter(XComModel.dag_id == {dag_id!r}).all()
    print(json.dumps([[row.task_id, row.key, row.value] for row in rows], default=str))
"""


def test_example_dag_run_leaks_no_secret(example_dag_runs: ExampleDagRuns) -> None:
    """
    The example DAG's runs of the session (:func:`~tests.conftest.example_dag_runs`: a run and a rerun,
    with connections that carry a password) leak neither that password nor any credential moto issued.
    """
    runs = example_dag_runs
    home, output = runs.home, "\n".join(runs.outputs)

    # The runs went through the provider's operators with these connections, and moto issued them credentials.
    assert "Applied: " in output  # a summary line: "Applied: 2 added, 0 changed, 0 destroyed."
    assert len(runs.issued) >= 3, "expected the Airflow process to assume the connections' roles"
    secrets = [runs.secret, *runs.issued, *runs.issued_before]

    # ``airflow dags test`` runs the tasks in its own process: their logs are in its output (checked
    # here), and AIRFLOW_HOME/logs holds only what else Airflow writes there (scanned all the same).
    for task_id in PROVIDER_TASKS:
        assert f"starting task_id={task_id} " in output, task_id
    assert output.count("Applied: ") >= len(PROVIDER_TASKS) - 1  # the launch logs no plan
    logs = {path: path.read_text(errors="replace") for path in (home / "logs").rglob("*") if path.is_file()}

    dumped = subprocess.run(
        [sys.executable, "-c", XCOM_DUMP.format(dag_id=DAG_ID)],
        env=runs.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    xcoms = json.loads(dumped.strip().splitlines()[-1])
    keys = {(task_id, key) for task_id, key, _ in xcoms}
    for task_id in PROVIDER_TASKS:
        assert (task_id, "return_value") in keys, sorted(keys)
    xcom_text = json.dumps(xcoms)
    database = (home / "airflow.db").read_bytes().decode("utf-8", errors="replace")

    places = {"airflow dags test output": output, "XCom values": xcom_text, "metadata database": database}
    places.update({f"log {path.relative_to(home)}": text for path, text in logs.items()})
    leaks = [
        f"{where}: {value[:12]}…" for where, text in places.items() for value in secrets if value and value in text
    ]
    # Any moto credential at all, also ones issued after the state was read: the patterns match what moto issues.
    assert all(re.fullmatch(MOTO_CREDENTIAL, value) for value in runs.issued if value.startswith(("ASIA", "FQoG")))
    leaks += [
        f"{where}: moto credential pattern {match.group(0)[:12]}…"
        for where, text in places.items()
        for match in re.finditer(MOTO_CREDENTIAL, text)
    ]
    assert leaks == []
