"""The example DAG: it parses cleanly, and runs end to end with ``airflow dags test`` against moto."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import (
    DAG_ID,
    ROOT,
    airflow_env,
    assert_changed_nothing,
    count_changes,
    partner_export_conf,
    run_dag,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import ChangesNothing, ExampleDagRuns


#: The mutating operations every run of the example DAG sends, with nothing to change: its cluster (launched, then
#: terminated by the teardown), the verifier's probe step and the job's step, and the probe object the probe step
#: writes as EMRFS does (a ``._COPYING_`` object, copied to its name, deleted) and the verifier deletes.
EVERY_RUN_SENDS = (
    "RunJobFlow",
    "AddJobFlowSteps",
    "AddJobFlowSteps",
    "PutObject",
    "CopyObject",
    "DeleteObject",
    "DeleteObject",
    "TerminateJobFlows",
)


def test_example_dag_parses_with_the_chain_in_order() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    upstream = {task_id: sorted(dag.get_task(task_id).upstream_task_ids) for task_id in dag.task_ids}
    assert upstream["allow_emr_role_to_assume"] == ["ensure_destination_role"]
    assert upstream["grant_kms_key_user"] == ["ensure_destination_role"]
    assert upstream["create_security_configuration"] == ["ensure_destination_role"]
    assert upstream["launch_cluster"] == [
        "allow_emr_role_to_assume",
        "create_security_configuration",
        "grant_kms_key_user",
    ]
    # The verifier (with the live probe, on the launched cluster) stands between the launch and the job.
    assert upstream["verify_cross_account_access"] == ["create_security_configuration", "launch_cluster"]
    assert dag.get_task("verify_cross_account_access").probe is True
    verify = dag.get_task("verify_cross_account_access")
    assert (verify.expected_account_id, verify.expected_destination_account_id) == (
        "{{ params.emr_account_id | as_text }}",
        "{{ params.destination_account_id | as_text }}",
    )
    assert upstream["write_results"] == ["launch_cluster", "verify_cross_account_access"]
    assert upstream["terminate_cluster"] == ["launch_cluster", "wait_for_results"]


def test_provider_is_registered_with_airflow() -> None:
    # What ``airflow providers list`` shows: the providers Airflow's ProvidersManager finds through the
    # ``apache_airflow_provider`` entry point.
    from airflow.providers_manager import ProvidersManager

    assert "airflow-provider-emrfs-xacct" in ProvidersManager().providers


def test_airflow_dags_test_provisions_both_accounts_and_a_rerun_changes_nothing(
    example_dag_runs: ExampleDagRuns,
) -> None:
    """
    The example DAG run with ``airflow dags test``, then rerun without a logical date.

    The runs are the session's :func:`~tests.conftest.example_dag_runs` (the security invariants check
    the same runs for leaked secrets); what they left in moto was read right after them.
    """
    runs, aws = example_dag_runs, example_dag_runs.seeded
    first, second = runs.outputs

    assert count_changes(first) == 5  # trust+role, permissions, assume-role policy, key policy, security configuration
    assert count_changes(second) == 0
    # Not only the provider's own summary: the rerun sent no mutating call but the run's own (moto recorded every
    # request), and both accounts' documents were as before it.
    assert_changed_nothing(
        runs.rerun_requests, runs.documents_before_rerun, runs.documents_after_rerun, EVERY_RUN_SENDS
    )
    state = runs.state
    destination = state[f"destination account {DESTINATION_ACCOUNT}"]
    emr = state[f"EMR account {EMR_ACCOUNT}"]
    role_arn = destination["role"]
    assert role_arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"
    assert destination["trust policy"]["Statement"][0]["Principal"]["AWS"] == [aws.emr_ec2_role_arn]
    key_users = [s for s in destination["key policy"]["Statement"] if s.get("Sid") == "EmrfsXacctKeyUsers"]
    assert key_users[0]["Principal"]["AWS"] == [role_arn]
    assert destination["key policy"]["Statement"][:2] == aws.key_policy["Statement"]
    assume = emr["EMR_EC2_DefaultRole inline policies"]["emrfs-xacct-assume-destination-roles"]
    assert assume["Statement"][0]["Resource"] == [role_arn]
    assert "emr-ec2-own-bucket-access" in emr["EMR_EC2_DefaultRole inline policies"]
    (name, configuration), *others = emr["security configurations"].items()
    assert others == []
    assert configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
        {"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [f"s3://{aws.bucket}/acme/out"]}
    ]
    assert len(emr["clusters"]) == 2  # one per DAG run, both terminated by the teardown
    for cluster in emr["clusters"]:
        assert cluster["security configuration"] == name
        assert cluster["state"] == "TERMINATED"
        assert "emrfs-xacct:idempotency-key" in cluster["tags"]
        assert re.fullmatch(r"export-acme-\d{8}T\d{6}-[0-9a-f]{10}", cluster["name"])
    assert len({cluster["name"] for cluster in emr["clusters"]}) == 2
    # Each run's verifier probed its cluster: the stand-in ran the probe step through EMRFS's routing
    # (devstack/moto_stack.py), the verifier found the object and deleted it.
    assert sorted(runs.steps) == sorted(cluster["id"] for cluster in emr["clusters"])
    for cluster_steps in runs.steps.values():
        steps = dict(cluster_steps)
        assert steps.pop("emrfs-xacct-probe") == "COMPLETED", steps
        assert list(steps.values()) == ["COMPLETED"]  # the job's step, after the probe
    for output in (first, second):
        # The verifier added its probe step (and fails the run when the probe fails: run_dag checks it succeeded).
        assert "through the cluster's s3:// file system" in output
    assert not [key for key in runs.left if "probe" in key], runs.left  # every probe object was deleted


# Safe to unpause, and a whole run as a plan (issue 10) --------------------------------------------

#: Params that name real resources: the example DAGs give them no default.
REQUIRED = {
    "emrfs_xacct_partner_export": {
        "partner",
        "emr_account_id",
        "destination_account_id",
        "destination_prefix",
        "kms_key_arn",
    },
    "emrfs_xacct_bucket_policy_export": {"partner", "emr_account_id", "destination_account_id", "destination_prefix"},
    "emrfs_xacct_multi_tenant": {"emr_account_id", "destination_account_id", "bucket"},
    "emrfs_xacct_many_partners": {"emr_account_id", "destination_account_id", "partners"},
    "emrfs_xacct_offboard_partner": {
        "emr_account_id",
        "destination_account_id",
        "destination_role_arn",
        "security_configuration",
        "name_prefix",
    },
}


def test_every_example_dag_is_safe_to_unpause() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert set(REQUIRED) <= set(bag.dags)
    for dag_id, required in REQUIRED.items():
        dag = bag.dags[dag_id]
        assert not dag.timetable.can_be_scheduled, dag_id  # schedule=None: nothing runs on unpausing
        defaults = dag.params.dump()
        for name in required:
            assert defaults[name] is None, (dag_id, name)  # no placeholder that a run could write
        for name, value in defaults.items():  # and no other default names an account, an ARN or a bucket
            assert not (isinstance(value, str) and ("arn:" in value or "s3://" in value)), (dag_id, name)


#: The account param each example connection acts in, and the pin that names it for each connection argument.
ACCOUNT_PARAM = {"aws_emr_account": "emr_account_id", "aws_destination_account": "destination_account_id"}
PINS = {"aws_conn_id": "expected_account_id", "destination_aws_conn_id": "expected_destination_account_id"}


def test_every_example_task_is_pinned_to_the_account_of_its_connection() -> None:
    """
    A copied example keeps the guard against swapped or mistyped connections: each provider task that acts
    through a connection is given the account it must act in, from the param of that connection's account.
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    checked = 0
    for dag_id in REQUIRED:
        for task in bag.dags[dag_id].tasks:
            partial = getattr(task, "partial_kwargs", None)  # a mapped task's arguments
            operator_class = task.operator_class if partial is not None else type(task)
            if not operator_class.__module__.startswith("airflow_provider_emrfs_xacct."):
                continue
            for conn_argument, pin in PINS.items():
                conn_id = partial.get(conn_argument) if partial is not None else getattr(task, conn_argument, None)
                if conn_id is None:
                    continue
                value = partial.get(pin) if partial is not None else getattr(task, pin)
                where = (dag_id, task.task_id, pin)
                assert value == f"{{{{ params.{ACCOUNT_PARAM[conn_id]} | as_text }}}}", where  # as text
                assert ACCOUNT_PARAM[conn_id] in REQUIRED[dag_id], where  # a param every run must give
                checked += 1
    assert checked >= 25, checked  # every example's tasks were seen, mapped ones too


#: The operators that write documents partners share, grants and revokes, and the pool of one slot they take in the
#: example DAGs (docs/safety.md, "Reads that lag behind writes").
SHARED_DOCUMENT_WRITERS = {
    "EnsureDestinationRoleOperator",
    "AttachAssumeRolePolicyOperator",
    "GrantKmsKeyUserOperator",
    "GrantEmrRoleBucketAccessOperator",
    "GrantBucketAccessOperator",
    "RevokeBucketAccessOperator",
    "RevokePartnerAccessOperator",
}
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"
#: The actions that write a shared document, per connection of docs/permissions.md: the EMR EC2 role's policies (the
#: EMR connection), a key policy, a bucket policy, and a partner's destination role, its trust and permissions (the
#: destination connection). The destination role is the partner's own, but its grant (``EnsureDestinationRoleOperator``)
#: and its revoke (``RevokePartnerAccessOperator``, which takes the EMR EC2 role out of its trust) both write it, and
#: run at once when the partner is offboarded while an export runs. ``UpdateAssumeRolePolicy`` sends the whole trust
#: policy (IAM API Reference, "UpdateAssumeRolePolicy": ``PolicyDocument``, "The policy that grants an entity permission
#: to assume the role"), so a writer whose read lags behind the other's write (IAM User Guide, "Troubleshoot IAM",
#: "Changes that I make are not always immediately visible") writes back what it read, undoing the other's change.
#: The examples left the destination role's writer out of the pool before.
SHARED_DOCUMENT_WRITES = {
    "EMR": {"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:CreatePolicyVersion"},
    "destination": {
        "kms:PutKeyPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DeleteRole",
    },
}


def shared_document_writers() -> set[str]:
    """
    Every operator whose actions in docs/permissions.md (checked against the calls by
    tests/integration/test_permission_tables.py) write a shared document (:data:`SHARED_DOCUMENT_WRITES`).
    """
    permissions = (ROOT / "docs" / "permissions.md").read_text()
    table = permissions.split("<!-- permissions:start -->")[1].split("<!-- permissions:end -->")[0]
    writers = set()
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        connection = cells[1].split()[0]
        if set(re.findall(r"`([a-z0-9]+:[A-Za-z]+)`", cells[2])) & SHARED_DOCUMENT_WRITES.get(connection, set()):
            writers.add(cells[0].strip("`"))
    return writers


def test_the_shared_document_writers_are_every_operator_that_writes_one_and_the_docs_name_each() -> None:
    """
    The writers above are every operator whose actions write the EMR EC2 role's policies, a key policy, a bucket
    policy or a destination role, and docs/safety.md tells to give each of them the pool. ``RevokeBucketAccessOperator``
    rewrites the bucket policy through the same read, merge and write as the grant, and was missing from both lists;
    ``EnsureDestinationRoleOperator`` writes the trust the partner's revoke writes, and was missing too.
    """
    assert shared_document_writers() == SHARED_DOCUMENT_WRITERS

    safety = " ".join((ROOT / "docs" / "safety.md").read_text().split())
    advice = safety.split("or `pool=` on every operator that rewrites a document partners share")[1]
    advice = advice.split("; create")[0]
    assert set(re.findall(r"`(\w+Operator)`", advice)) == SHARED_DOCUMENT_WRITERS


def test_every_example_task_that_writes_a_shared_document_takes_the_one_slot_pool() -> None:
    """
    The project's rule (docs/safety.md): runs that share a key or an EMR EC2 role (a mapped group, concurrent runs,
    a backfill), and a partner's grant and revoke, serialise the writers of the shared documents with a pool of one
    slot. The examples wrote them concurrently (the many-partners group, up to 8 runs of the partner export); each
    now gives its writers the pool and says how to create it (a task whose pool does not exist is never scheduled).
    Every task of every shipped DAG is checked, its operator's documented writes deciding (``ensure_destination_role``,
    whose trust write the offboarding DAG's revoke undoes, stayed in ``default_pool`` before).
    """
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert set(bag.dags) == set(REQUIRED)  # every shipped example is checked
    create = f"airflow pools set {SHARED_DOCUMENTS_POOL} 1 "
    assert create in (ROOT / "docs" / "safety.md").read_text()
    shared_writers = shared_document_writers()
    writers: dict[str, list[str]] = {}
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            if task.task_type in shared_writers:
                assert task.pool == SHARED_DOCUMENTS_POOL, (dag_id, task.task_id)
                writers.setdefault(dag_id, []).append(task.task_id)
            else:
                assert task.pool == "default_pool", (dag_id, task.task_id)  # only the writers wait for one another
        assert create in Path(dag.fileloc).read_text(), dag_id  # its docstring says how to create the pool
    assert {dag_id: sorted(task_ids) for dag_id, task_ids in writers.items()} == {
        "emrfs_xacct_partner_export": ["allow_emr_role_to_assume", "ensure_destination_role", "grant_kms_key_user"],
        "emrfs_xacct_bucket_policy_export": [
            "grant_bucket_access",
            "grant_emr_role_bucket_access",
            "grant_kms_key_user",
        ],
        "emrfs_xacct_multi_tenant": [
            "allow_emr_role_to_assume",
            "ensure_finance_role",
            "ensure_partner-b_role",
            "ensure_partner-c_role",
        ],
        "emrfs_xacct_many_partners": [
            "export_partner.access.allow_emr_role_to_assume",
            "export_partner.access.ensure_destination_role",
            "export_partner.access.grant_kms_key_user",
        ],
        "emrfs_xacct_offboard_partner": ["revoke_partner_access"],
    }


def test_every_example_wait_for_a_step_is_deferred_to_the_triggerer() -> None:
    """
    A step's wait (hours) holds no worker slot: the step sensors and a step operator that waits defer to the
    triggerer, as the Amazon provider recommends; a deferred sensor's limit is ``max_attempts`` x ``poke_interval``
    (its ``timeout`` applies to poke mode only), here the 6 h the partner export's sensor allowed.
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    waits = []
    for dag_id in REQUIRED:
        for task in bag.dags[dag_id].tasks:
            if task.task_type == "EmrStepSensor":
                assert task.deferrable is True, (dag_id, task.task_id)
                assert task.max_attempts * task.poke_interval == 6 * 60 * 60, (dag_id, task.task_id)
                waits.append((dag_id, task.task_id))
            elif task.task_type == "EmrAddStepsOperator" and (task.wait_for_completion or task.deferrable):
                assert task.deferrable is True, (dag_id, task.task_id)
                assert task.waiter_max_attempts * task.waiter_delay == 6 * 60 * 60, (dag_id, task.task_id)
                waits.append((dag_id, task.task_id))
    assert sorted(waits) == [
        ("emrfs_xacct_bucket_policy_export", "wait_for_results"),
        ("emrfs_xacct_many_partners", "export_partner.write_results"),
        ("emrfs_xacct_partner_export", "wait_for_results"),
    ]


def test_every_example_wait_for_a_cluster_or_a_probe_is_deferred_to_the_triggerer() -> None:
    """
    The cluster's start and the verifier's probe step (minutes) hold no worker slot either: the launches and the
    verifier that probes defer, checking every 30 s for up to 30 min.
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    waits = []
    for dag_id in REQUIRED:
        for task in bag.dags[dag_id].tasks:
            launches = task.task_type == "LaunchClusterWithSecConfigOperator" and task.wait_for_completion
            probes = task.task_type == "VerifyCrossAccountAccessOperator" and task.probe
            if launches or probes:
                assert task.deferrable is True, (dag_id, task.task_id)
                assert task.waiter_max_attempts * task.waiter_delay == 30 * 60, (dag_id, task.task_id)
                waits.append((dag_id, task.task_id))
    assert sorted(waits) == [
        ("emrfs_xacct_bucket_policy_export", "launch_cluster"),
        ("emrfs_xacct_bucket_policy_export", "verify_cross_account_access"),
        ("emrfs_xacct_many_partners", "export_partner.launch_cluster"),
        ("emrfs_xacct_partner_export", "launch_cluster"),
        ("emrfs_xacct_partner_export", "verify_cross_account_access"),
    ]


def test_every_example_dag_runs_as_a_plan_with_its_dry_run_param() -> None:
    """
    Each example DAG takes ``dry_run`` (default False) and gives it to every provider task that changes AWS, the
    teardown included: a dry run of a task instance whose launch finds the cluster it already launched would
    otherwise terminate it.
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    checked = 0
    for dag_id in REQUIRED:
        dag = bag.dags[dag_id]
        assert dag.params.dump()["dry_run"] is False, dag_id
        for task in dag.tasks:
            partial = getattr(task, "partial_kwargs", None)
            operator_class = task.operator_class if partial is not None else type(task)
            if not operator_class.__module__.startswith("airflow_provider_emrfs_xacct.") or not hasattr(
                operator_class, "validate_safety"
            ):
                continue
            value = partial.get("dry_run") if partial is not None else task.dry_run
            assert value == "{{ params.dry_run }}", (dag_id, task.task_id)
            checked += 1
    assert checked >= 25, checked


def test_a_run_without_the_required_params_is_refused() -> None:
    """
    Airflow creates no run whose params fail validation: ``create_dagrun`` (``airflow dags test``, the
    scheduler, the API) merges the run's conf into the DAG's params and validates them first.
    """
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import ParamValidationError  # a ValueError only from Airflow 3.3 on

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    with pytest.raises(ParamValidationError, match="Invalid input for param"):
        copy.deepcopy(dag.params).validate()
    # The same params with every required value given validate.
    params = copy.deepcopy(dag.params)
    params.update(
        {
            "partner": "acme",
            "emr_account_id": "111111111111",
            "destination_account_id": "222222222222",
            "destination_prefix": "s3://partner-results-b/acme/out/",
            "kms_key_arn": "arn:aws:kms:us-east-1:222222222222:key/0123abcd-0123-4567-89ab-0123456789ab",
        }
    )
    params.validate()


def test_the_whole_example_dag_as_a_dry_run_plans_every_step_and_changes_nothing(
    aws: Seeded, airflow_home: Path, tmp_path: Path, changes_nothing: ChangesNothing
) -> None:
    env = airflow_env(aws.url, airflow_home)
    conf = partner_export_conf(aws, "planned", dry_run=True)

    with changes_nothing(aws):  # no mutating call at all, both accounts' documents as before
        output = run_dag(env, conf, tmp_path / "dry-run.log", "2026-03-04")

    assert count_changes(output) == 0
    # Four provisioning tasks and the launch each logged a plan.
    assert output.count("Dry run, nothing changed. Plan:") == 5
    # Each provisioning task returned what a real run returns, so the next one could use it.
    assert f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-planned-writer" in output
    assert "emrfs-xacct-planned-" in output  # the configuration's content-derived name, in the launch plan
    assert "state=failed" not in output
    # Nothing exists in either account that the run would have made.
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    assert "emrfs-planned-writer" not in {role["RoleName"] for role in iam_b.list_roles()["Roles"]}
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    assert emr.list_clusters()["Clusters"] == []
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    assert (
        "emrfs-xacct-assume-destination-roles"
        not in iam_a.list_role_policies(RoleName="EMR_EC2_DefaultRole")["PolicyNames"]
    )
