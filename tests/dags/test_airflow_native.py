"""
The example DAGs as Airflow 3 expects them: no logical-date values, the cluster's teardown, assets,
and many partners through one factory call in a mapped task group (``airflow dags test`` against moto).

The scheduler and API server side (a run triggered without a logical date, the Extra Links endpoint,
a failing middle task with its teardown) is in ``test_backfill.py``, which has them running.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from airflow.sdk import Asset
from sqlalchemy.pool import NullPool

from devstack import testing
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import ROOT, airflow_command, airflow_env, execute_as_task, partner_export_conf

if TYPE_CHECKING:
    from tests.conftest import ChangesNothing

#: Context values a run without a logical date lacks (Airflow 3: API-triggered and asset-triggered runs).
LOGICAL_DATE_VALUES = (
    "ds",
    "ds_nodash",
    "ts",
    "ts_nodash",
    "ts_nodash_with_tz",
    "logical_date",
    "execution_date",
    "data_interval_start",
    "data_interval_end",
    "prev_data_interval_start_success",
    "prev_data_interval_end_success",
)


def dags_test(env: dict[str, str], dag_id: str, conf: dict[str, Any], log_file: Path) -> str:
    """``airflow dags test`` without a logical date; return the output (the run may fail)."""
    result = airflow_command(["dags", "test", dag_id, "--conf", json.dumps(conf)], env, log_file.parent)
    output = result.stdout + result.stderr
    log_file.write_text(output)
    return output


def query(env: dict[str, str], sql: str, **params: Any) -> list[Any]:
    """Rows from the metadata database these ``airflow`` commands use."""
    url = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or f"sqlite:///{Path(env['AIRFLOW_HOME']) / 'airflow.db'}"
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sqlalchemy.text(sql), params))
    finally:
        engine.dispose()


def last_run(env: dict[str, str], dag_id: str) -> tuple[Any, dict[tuple[str, int], str]]:
    """The DAG's latest run and its task instances' states by (task id, map index)."""
    runs = query(env, "SELECT run_id, state FROM dag_run WHERE dag_id = :d ORDER BY id DESC", d=dag_id)
    run = runs[0]
    states = query(
        env,
        "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = :d AND run_id = :r",
        d=dag_id,
        r=run.run_id,
    )
    return run, {(row.task_id, row.map_index): row.state for row in states}


def asset_events(env: dict[str, str], dag_id: str, run_id: str) -> list[Any]:
    return query(
        env,
        "SELECT a.name, a.uri, e.source_task_id, e.source_map_index, e.extra FROM asset_event e "
        "JOIN asset a ON a.id = e.asset_id WHERE e.source_dag_id = :d AND e.source_run_id = :r "
        "ORDER BY e.source_map_index",
        d=dag_id,
        r=run_id,
    )


def clusters(url: str) -> list[dict[str, Any]]:
    emr = client(url, EMR_ACCOUNT, "emr")
    return [emr.describe_cluster(ClusterId=summary["Id"])["Cluster"] for summary in emr.list_clusters()["Clusters"]]


def template_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in template_strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in template_strings(item)]
    return []


def logical_date_names(template: str) -> set[str]:
    """The logical-date context values a Jinja template reads (a filter such as ``| ts_nodash`` is fine)."""
    found = set()
    for expression in re.findall(r"\{\{(.*?)\}\}", template):
        without_filters = re.sub(r"\|\s*\w+", " ", expression)
        without_attributes = re.sub(r"\.\s*\w+", " ", without_filters)
        found |= set(re.findall(r"\b\w+\b", without_attributes)) & set(LOGICAL_DATE_VALUES)
    return found


def test_logical_date_check_sees_what_it_should() -> None:
    assert logical_date_names("export-{{ ds }}") == {"ds"}
    assert logical_date_names("{{ params.p }}{{ data_interval_start | ts_nodash }}/x") == {"data_interval_start"}
    assert logical_date_names("{{ dag_run.run_after | ts_nodash }}-{{ run_id }}") == set()


def test_example_dags_need_no_logical_date_and_tear_their_clusters_down() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert "emrfs_xacct_many_partners" in bag.dags
    teardowns = 0
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            fields = {name: getattr(task, name, None) for name in task.template_fields}
            fields.update({"op_args": getattr(task, "op_args", None), "op_kwargs": getattr(task, "op_kwargs", None)})
            if task.is_mapped:
                fields.update(task.partial_kwargs)
            used = {
                name for value in fields.values() for s in template_strings(value) for name in logical_date_names(s)
            }
            assert used == set(), f"{dag_id}.{task.task_id} reads {used}, which a run without a logical date lacks"
            if task.task_type == "TerminateClusterOperator":
                teardowns += 1
                (launch,) = [up for up in task.upstream_list if up.task_type == "LaunchClusterWithSecConfigOperator"]
                assert task.is_teardown, f"{dag_id}.{task.task_id} is not a teardown"
                assert launch.is_setup, f"{dag_id}.{launch.task_id} is not the teardown's setup"
                assert task.trigger_rule == "all_done"
                # The teardown comes after the work on the cluster, and no work task is a leaf after it.
                assert len(task.upstream_task_ids) >= 2
                assert not task.downstream_task_ids
    assert teardowns == 4  # partner export, bucket policy export, many partners, multi-tenant


def run_state(dag: Any, failed: str) -> str:
    """
    The state Airflow gives a finished run of ``dag`` where ``failed`` failed, the tasks after it were
    upstream_failed and every other task succeeded (Airflow's own choice of the tasks that decide).
    """
    from collections import namedtuple

    from airflow.models.dagrun import DagRun
    from airflow.utils.state import State

    after = dag.get_task(failed).get_flat_relative_ids(upstream=False)
    states = {
        task.task_id: "failed" if task.task_id == failed else "upstream_failed" if task.task_id in after else "success"
        for task in dag.tasks
    }
    teardown = next(task for task in dag.tasks if task.task_type == "TerminateClusterOperator")
    if teardown.task_id != failed:
        states[teardown.task_id] = "success"  # all_done: it runs, and terminates the cluster
    ti = namedtuple("ti", "task_id state")  # the two fields Airflow reads (hashable, as it needs)
    tis = [ti(task_id, state) for task_id, state in states.items()]
    deciding = DagRun._tis_for_dagrun_state(None, dag=dag, tis=tis)  # type: ignore[arg-type]
    return "failed" if any(ti.state in State.failed_states for ti in deciding) else "success"


def test_a_teardown_that_cannot_terminate_fails_the_run_and_a_failed_task_still_does() -> None:
    """
    ``as_teardown(on_failure_fail_dagrun=True)``: a cluster left running (e.g. termination protected)
    is not a green run, and the work tasks still decide too (a leaf after them is not the teardown).
    """
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    checked = 0
    for dag in bag.dags.values():
        teardowns = [task for task in dag.tasks if task.task_type == "TerminateClusterOperator"]
        if not teardowns:
            continue
        checked += 1
        assert run_state(dag, teardowns[0].task_id) == "failed", dag.dag_id
        for task in dag.tasks:
            if task not in teardowns:
                assert run_state(dag, task.task_id) == "failed", f"{dag.dag_id}: {task.task_id} failed, run green"
    assert checked == 4


def example_dag_folders() -> list[Path]:
    """The folders holding example DAGs: ``dags/``, and ``examples/`` once it holds Python files."""
    return [folder for folder in (ROOT / "dags", ROOT / "examples") if any(folder.glob("**/*.py"))]


def launch_arguments(task: Any) -> dict[str, Any]:
    """A launch's arguments as the DAG gives them (``.partial()``'s for a mapped launch)."""
    if task.is_mapped:
        return dict(task.partial_kwargs)
    return {"job_flow_overrides": task.job_flow_overrides, "emr_conn_id": task.emr_conn_id}


def keeps_cluster_alive(arguments: dict[str, Any]) -> bool:
    """
    Whether a launch's cluster stays up once its steps are done, or may: RunJobFlow reads the switch from
    ``Instances.KeepJobFlowAliveWhenNoSteps`` (Amazon EMR API Reference, "JobFlowInstancesConfig": "Specifies whether
    the cluster should remain available after completing all steps. Defaults to false"). Not known from the DAG (a
    template, overrides that are not a dict, or an ``emr_conn_id`` whose extra may set it): yes.
    """
    overrides = arguments.get("job_flow_overrides")
    if not isinstance(overrides, dict):
        return True
    instances = overrides.get("Instances")
    keep_alive = instances.get("KeepJobFlowAliveWhenNoSteps") if isinstance(instances, dict) else None
    if keep_alive is None:  # the launch's emr_conn_id extra, beneath the overrides, may set it
        return bool(arguments.get("emr_conn_id"))
    return keep_alive is not False


def test_keep_alive_check_sees_what_it_should() -> None:
    alive = {"Instances": {"KeepJobFlowAliveWhenNoSteps": True}}
    assert keeps_cluster_alive({"job_flow_overrides": alive, "emr_conn_id": None})
    assert keeps_cluster_alive({"job_flow_overrides": {"Instances": {"KeepJobFlowAliveWhenNoSteps": "{{ x }}"}}})
    assert keeps_cluster_alive({"job_flow_overrides": "overrides.json"})
    assert keeps_cluster_alive({"job_flow_overrides": {"Steps": [{}]}, "emr_conn_id": "emr_default"})
    transient = {"Steps": [{}], "Instances": {"KeepJobFlowAliveWhenNoSteps": False}}
    assert not keeps_cluster_alive({"job_flow_overrides": transient, "emr_conn_id": None})
    assert not keeps_cluster_alive({"job_flow_overrides": {"Steps": [{}]}, "emr_conn_id": None})


def test_every_example_cluster_kept_alive_has_a_teardown() -> None:
    """
    A launch whose cluster stays up after its steps (``KeepJobFlowAliveWhenNoSteps``) bills until something ends it:
    in every example DAG it is the setup of a ``TerminateClusterOperator`` teardown, which fails the run when it
    cannot terminate (``on_failure_fail_dagrun``). ``emrfs_xacct_multi_tenant`` launched a new shared cluster each run
    and left it running.
    """
    from airflow.dag_processing.dagbag import DagBag

    kept_alive = []
    for folder in example_dag_folders():
        bag = DagBag(dag_folder=str(folder))
        assert bag.import_errors == {}, folder
        for dag_id, dag in bag.dags.items():
            for launch in dag.tasks:
                if launch.task_type != "LaunchClusterWithSecConfigOperator":
                    continue
                if not keeps_cluster_alive(launch_arguments(launch)):
                    continue
                kept_alive.append(f"{dag_id}.{launch.task_id}")
                teardowns = [
                    task
                    for task in launch.downstream_list
                    if task.task_type == "TerminateClusterOperator" and task.is_teardown
                ]
                assert teardowns, f"{dag_id}.{launch.task_id} keeps its cluster with no teardown"
                assert launch.is_setup, f"{dag_id}.{launch.task_id} is not its teardown's setup"
                assert all(task.on_failure_fail_dagrun for task in teardowns), f"{dag_id}.{launch.task_id}"
    assert "emrfs_xacct_multi_tenant.launch_shared_cluster" in kept_alive
    assert len(kept_alive) == 4, kept_alive


def test_a_failed_launch_fails_the_run_and_its_teardown_skips(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    env = airflow_env(aws.url, airflow_home)
    # Role mappings need emr-5.10.0 or later: the launch refuses before RunJobFlow.
    conf = partner_export_conf(aws, "acme", release_label="emr-5.9.0")

    dags_test(env, "emrfs_xacct_partner_export", conf, tmp_path / "failed-launch.log")

    run, states = last_run(env, "emrfs_xacct_partner_export")
    assert run.state == "failed"
    assert states[("create_security_configuration", -1)] == "success"
    assert states[("launch_cluster", -1)] == "failed"
    assert states[("write_results", -1)] == "upstream_failed"
    assert states[("publish_results", -1)] == "upstream_failed"
    # The teardown ran (all_done), found no cluster id and no cluster tagged for the launch, and skipped.
    assert states[("terminate_cluster", -1)] == "skipped"
    assert clusters(aws.url) == []
    assert asset_events(env, "emrfs_xacct_partner_export", run.run_id) == []


@pytest.mark.parametrize("native", [True, False], ids=["native", "rendered-as-text"])
def test_many_partners_reads_the_partner_list_as_the_run_gave_it(native: bool) -> None:
    """
    ``partner_settings`` takes the run's params from its context, the objects the run gave: a
    ``"{{ params.partners }}"`` argument reached it as the list's text in a DAG that renders templates as
    text (Airflow's default, for a copy without ``render_template_as_native_obj=True``) and was refused.
    """
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "emrfs_xacct_many_partners.py")).dags["emrfs_xacct_many_partners"]
    dag.render_template_as_native_obj = native
    task = dag.get_task("partner_settings")
    partners = [
        {
            "name": "acme",
            "destination_prefix": "s3://acme-results/acme/",
            "kms_key_arn": "arn:aws:kms:us-east-1:1:key/k",
        },
        {"name": "globex", "destination_prefix": "s3://globex-results/globex/"},
    ]
    context: Any = {"dag": dag, "task": task, "params": {"partners": partners, "release_label": "emr-7.5.0"}}
    task.render_template_fields(context)

    settings = execute_as_task(task, context)

    assert [(item["role_name"], item["destination_prefix"], item["kms_key_arn"]) for item in settings] == [
        ("emrfs-acme-writer", "s3://acme-results/acme/", "arn:aws:kms:us-east-1:1:key/k"),
        ("emrfs-globex-writer", "s3://globex-results/globex/", None),
    ]
    assert {item["release_label"] for item in settings} == {"emr-7.5.0"}


@pytest.mark.parametrize("partner", ["acme", "123", "0-1"])
def test_the_partner_tag_is_the_partners_name_as_text_whatever_the_name(partner: str) -> None:
    """
    The example DAG renders templates as native objects: a bare ``"{{ params.partner }}"`` made a partner named
    ``123`` (the param's pattern takes it) the number 123, and the launch was refused (EMR's tag values are
    strings) after the role, the grants and the configuration were made.
    """
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "emrfs_xacct_partner_export.py")).dags["emrfs_xacct_partner_export"]
    assert dag.render_template_as_native_obj is True
    task = dag.get_task("launch_cluster")
    params = {
        "partner": partner,
        "release_label": "emr-7.5.0",
        "emr_ec2_role_name": "EMR_EC2_DefaultRole",
        "emr_account_id": "111111111111",
        "dry_run": False,
    }
    context: Any = {
        "dag": dag,
        "task": task,
        "params": params,
        "dag_run": airflow_dag_run(dag.dag_id, "manual__2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00"),
        "ti": SimpleNamespace(xcom_pull=lambda **_: "emrfs-xacct-acme-0123456789abcdef"),
    }

    task.render_template_fields(context)

    assert task.job_flow_overrides["Tags"] == [
        {"Key": "partner", "Value": partner},
        {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"},  # a string, as EMR asks
    ]
    assert re.fullmatch(rf"export-{partner}-20260301T000000-[0-9a-f]{{10}}", task.job_flow_overrides["Name"])


#: Params whose valid values may be digits only, each a distinct value: a role name "2024" (IAM API Reference,
#: "CreateRole", RoleName: upper and lowercase alphanumeric characters and _+=,.@-), a security configuration name
#: (Amazon EMR API Reference, "CreateSecurityConfiguration", Name), a name prefix of letters, digits, ".", "_" and
#: "-", a partner (the DAGs' pattern), and 12-digit account ids, one of which Python reads as a number.
DIGITS_ONLY_PARAMS = {
    "emr_ec2_role_name": "2024",
    "security_configuration": "2025",
    "name_prefix": "2026",
    "partner": "123",
    "emr_account_id": "111111111111",
    "destination_account_id": "222222222222",
}
#: The other params, as a run gives them.
OTHER_PARAMS = {
    "destination_prefix": "s3://bucket/acme/out/",
    "kms_key_arn": "arn:aws:kms:us-east-1:222222222222:key/k",
    "destination_role_arn": "arn:aws:iam::222222222222:role/emrfs-acme-writer",
    "release_label": "emr-7.5.0",
    "bucket": "bucket",
    "partners": [],
    "dry_run": False,
    "enforce_bucket_owner": False,
    "remove_destination_trust": True,
}
WHOLE_PARAM_TEMPLATE = re.compile(r"\{\{ *params\.(\w+) *(?:\| *as_text *)?\}\}")


def whole_param_templates(value: Any, path: str = "") -> list[tuple[str, str, str]]:
    """``(path, template, param)`` of every string in ``value`` (at any depth) that is one param's template alone."""
    if isinstance(value, str):
        whole = WHOLE_PARAM_TEMPLATE.fullmatch(value)
        return [(path, value, whole.group(1))] if whole else []
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in whole_param_templates(item, f"{path}.{key}")]
    if isinstance(value, list | tuple):
        return [found for index, item in enumerate(value) for found in whole_param_templates(item, f"{path}[{index}]")]
    return []


@pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_offboard_partner.py", "emrfs_xacct_offboard_partner"),
        ("emrfs_xacct_multi_tenant.py", "emrfs_xacct_multi_tenant"),
        ("emrfs_xacct_many_partners.py", "emrfs_xacct_many_partners"),
    ],
)
@pytest.mark.parametrize("account", ["111111111111", "012345678901"], ids=["account-a-number", "account-leading-0"])
def test_a_name_or_account_id_made_of_digits_reaches_every_task_as_the_text_given(
    dag_file: str, dag_id: str, account: str
) -> None:
    """
    The example DAGs render templates as native objects: a bare ``"{{ params.emr_ec2_role_name }}"`` made a role
    named ``2024`` the number 2024 (``None``, ``True``, ``1_000`` and ``1e5`` alike), refused by the operators only
    after earlier tasks had written (the destination role trusting ``role/2024``). Every template that is a name or
    an account id alone reaches its task as the text the run gave (``012345678901`` already did: Python reads no
    number with a leading zero).
    """
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / dag_file)).dags[dag_id]
    assert dag.render_template_as_native_obj is True
    params = {**OTHER_PARAMS, **DIGITS_ONLY_PARAMS, "emr_account_id": account}
    rendered: dict[tuple[str, str], Any] = {}
    for task in dag.tasks:
        for field in task.template_fields:
            for path, template, param in whole_param_templates(getattr(task, field, None), field):
                if param in DIGITS_ONLY_PARAMS:
                    rendered[(task.task_id, path)] = (task.render_template(template, {"params": params}), params[param])

    wrong = {
        where: value for where, (value, given) in rendered.items() if not (isinstance(value, str) and value == given)
    }
    assert wrong == {}
    fields = {path for _, path in rendered}
    assert "expected_account_id" in fields  # every DAG pins its tasks' accounts
    # The role, the configuration and the name prefix, wherever a DAG takes them from its params.
    expected = {
        "emrfs_xacct_partner_export": {
            "emr_ec2_role_name",
            "job_flow_overrides.JobFlowRole",
            "expected_destination_account_id",
        },
        "emrfs_xacct_bucket_policy_export": {"emr_ec2_role_name", "job_flow_overrides.JobFlowRole"},
        "emrfs_xacct_offboard_partner": {"emr_ec2_role_name", "security_configuration", "name_prefix"},
        "emrfs_xacct_multi_tenant": set(),
        "emrfs_xacct_many_partners": {"trusted_account_id"},
    }[dag_id]
    assert expected <= fields


def test_a_security_configuration_name_beyond_u_ffff_reaches_the_offboarding_tasks_as_given() -> None:
    """
    EMR takes a security configuration name with a character beyond U+FFFF (Amazon EMR API Reference,
    "CreateSecurityConfiguration", Name; AWS CloudFormation, "AWS::EMR::SecurityConfiguration": its pattern includes
    ``\\uD800\\uDC00-\\uDBFF\\uDFFF``). Jinja's ``tojson`` wrote it as two escaped surrogates, read back as two
    characters the operators refuse; ``as_text`` keeps it as the run gave it, and the provider's own check takes it.
    """
    from airflow.dag_processing.dagbag import DagBag

    from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name

    dag = DagBag(dag_folder=str(ROOT / "dags" / "emrfs_xacct_offboard_partner.py")).dags["emrfs_xacct_offboard_partner"]
    name = "partner-\U0001f512-config"
    params = {**OTHER_PARAMS, **DIGITS_ONLY_PARAMS, "security_configuration": name}
    rendered = [
        task.render_template(template, {"params": params})
        for task in dag.tasks
        for field in task.template_fields
        for _, template, param in whole_param_templates(getattr(task, field, None), field)
        if param == "security_configuration"
    ]
    assert len(rendered) == 2  # the verifier's and the revoke's
    assert rendered == [name, name]
    assert validate_security_configuration_name(name, "security_configuration") == name


def airflow_dag_run(dag_id: str, run_id: str, run_after: str) -> Any:
    """A manual run as Airflow builds it (``DagRun``, its run id checked by ``DagRun.validate_run_id``)."""
    import pendulum
    from airflow.models.dagrun import DagRun
    from airflow.utils.types import DagRunType

    return DagRun(dag_id=dag_id, run_id=run_id, run_type=DagRunType.MANUAL, run_after=pendulum.parse(run_after))


def rendered_run_names(dag_file: str, dag_id: str, dag_run: Any) -> list[str]:
    """Every name an example DAG's run derives from itself: its cluster's and steps' names, the keys it writes."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / dag_file)).dags[dag_id]
    params = {
        "partner": "acme",
        "release_label": "emr-7.5.0",
        "emr_ec2_role_name": "EMR_EC2_DefaultRole",
        "emr_account_id": "111111111111",
        "destination_prefix": "s3://bucket/acme/out/",
        "bucket": "bucket",
        "dry_run": False,
    }
    names = []
    for task in dag.tasks:
        if not {"job_flow_overrides", "steps", "op_args", "op_kwargs"} & set(task.template_fields):
            continue
        context: Any = {
            "dag": dag,
            "task": task,
            "params": params,
            "dag_run": dag_run,
            "run_id": dag_run.run_id,
            "ti": SimpleNamespace(xcom_pull=lambda *_, **__: "emrfs-xacct-acme-0123456789abcdef", map_index=-1),
        }
        task.render_template_fields(context)
        for field in ("job_flow_overrides", "steps", "op_args", "op_kwargs"):
            value = getattr(task, field, None)
            names += re.findall(r"20260301T\d{6}[^'\"/ ,]*", json.dumps(value, default=str))
    return names


@pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_multi_tenant.py", "emrfs_xacct_multi_tenant"),
    ],
)
def test_two_runs_triggered_in_one_second_name_nothing_alike(dag_file: str, dag_id: str) -> None:
    """
    Two manual runs of one partner triggered within a second (their ids differ in the microseconds, as
    ``airflow dags trigger`` makes them) named their clusters, steps and result keys from ``run_after |
    ts_nodash``, which drops the microseconds: the second run's results overwrote the first's.
    """
    first = airflow_dag_run(dag_id, "manual__2026-03-01T10:00:00.100000+00:00", "2026-03-01T10:00:00.100000")
    second = airflow_dag_run(dag_id, "manual__2026-03-01T10:00:00.900000+00:00", "2026-03-01T10:00:00.900000")

    first_names = rendered_run_names(dag_file, dag_id, first)
    second_names = rendered_run_names(dag_file, dag_id, second)

    assert first_names, "the DAG names nothing after its run"
    assert not set(first_names) & set(second_names)


def test_no_example_dag_names_a_run_by_its_time_alone() -> None:
    """The rule above in every example DAG (the mapped group's tasks cannot be rendered outside a run)."""
    for dag_file in sorted((ROOT / "dags").glob("*.py")):
        source = dag_file.read_text()
        assert "ts_nodash" not in source, dag_file.name
        if "run_after" in source or "run_stamp" in source:
            assert "run_stamp(dag_run)" in source, dag_file.name


def test_many_partners_as_a_dry_run_plans_every_partner_and_changes_nothing(
    aws: Seeded, airflow_home: Path, tmp_path: Path, changes_nothing: ChangesNothing
) -> None:
    """New partners: every chain and launch is planned; the verifier reports the chain before the plan, not failing."""
    env = airflow_env(aws.url, airflow_home)
    conf = {
        "emr_account_id": EMR_ACCOUNT,
        "destination_account_id": DESTINATION_ACCOUNT,
        "partners": [
            {"name": "acme", "destination_prefix": f"s3://{aws.bucket}/acme/", "kms_key_arn": aws.kms_key_arn},
            {"name": "globex", "destination_prefix": f"s3://{aws.bucket}/globex/"},
        ],
        "dry_run": True,
    }
    key_policy_before = client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default"
    )["Policy"]

    with changes_nothing(aws):  # no mutating call at all, both accounts' documents as before
        dags_test(env, "emrfs_xacct_many_partners", conf, tmp_path / "many-partners-dry-run.log")

    run, states = last_run(env, "emrfs_xacct_many_partners")
    assert run.state == "success"
    for index in range(2):
        for task_id in ("access.ensure_destination_role", "access.allow_emr_role_to_assume", "access.verify_access"):
            assert states[(f"export_partner.{task_id}", index)] == "success", (task_id, index)
        # The launch logs its plan and is skipped, and so are the tasks after it.
        assert states[("export_partner.launch_cluster", index)] == "skipped"
        assert states[("export_partner.write_results", index)] == "skipped"
    roles = {role["RoleName"] for role in client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"]}
    assert not {"emrfs-acme-writer", "emrfs-globex-writer"} & roles
    assert (
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
        == key_policy_before
    )
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert clusters(aws.url) == []


def test_many_partners_one_call_and_one_cluster_each(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    """Two partners, pinned to their accounts; globex's bucket has no customer-managed key (SSE-S3)."""
    env = airflow_env(aws.url, airflow_home)
    names = ["acme", "globex"]
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.create_bucket(Bucket="globex-results")
    s3.put_bucket_encryption(
        Bucket="globex-results",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    prefixes = {"acme": f"s3://{aws.bucket}/acme/", "globex": "s3://globex-results/globex/"}
    conf = {
        "emr_account_id": EMR_ACCOUNT,
        "destination_account_id": DESTINATION_ACCOUNT,
        "partners": [
            {"name": "acme", "destination_prefix": prefixes["acme"], "kms_key_arn": aws.kms_key_arn},
            {"name": "globex", "destination_prefix": prefixes["globex"]},
        ],
    }

    dags_test(env, "emrfs_xacct_many_partners", conf, tmp_path / "many-partners.log")

    run, states = last_run(env, "emrfs_xacct_many_partners")
    assert run.state == "success"
    for index in range(len(names)):
        for task_id in (
            "access.ensure_destination_role",
            "access.allow_emr_role_to_assume",
            "access.grant_kms_key_user",
            "access.create_security_configuration",
            "access.verify_access",
            "launch_cluster",
            "write_results",
            "publish_results",
            "terminate_cluster",
        ):
            # globex has no key: its key grant skips, and the verifier and the launch still run.
            expected = "skipped" if (task_id, index) == ("access.grant_kms_key_user", 1) else "success"
            assert states[(f"export_partner.{task_id}", index)] == expected, (task_id, index)
    assert len(states) == 1 + 11 * len(names)  # partner_settings, then 11 tasks per partner
    key_policy = client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")
    assert "emrfs-acme-writer" in key_policy["Policy"]
    assert "emrfs-globex-writer" not in key_policy["Policy"]
    # One cluster per partner, each with its own security configuration mapping its prefix to its role.
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    by_name = {cluster["Name"].rsplit("-", 2)[0]: cluster for cluster in clusters(aws.url)}  # less the run stamp
    assert sorted(by_name) == [f"export-{name}" for name in names]
    for name in names:
        cluster = by_name[f"export-{name}"]
        assert cluster["Status"]["State"] == "TERMINATED"
        document = json.loads(
            emr.describe_security_configuration(Name=cluster["SecurityConfiguration"])["SecurityConfiguration"]
        )
        assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
            {
                "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-{name}-writer",
                "IdentifierType": "Prefix",
                "Identifiers": [prefixes[name].rstrip("/")],  # written without the trailing slash
            }
        ]
    # The shared documents hold both partners' roles.
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    assume = iam.get_role_policy(RoleName="EMR_EC2_DefaultRole", PolicyName="emrfs-xacct-assume-destination-roles")
    assert sorted(assume["PolicyDocument"]["Statement"][0]["Resource"]) == [
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-{name}-writer" for name in names
    ]
    # Each map index published its own partner prefix as an asset event.
    events = asset_events(env, "emrfs_xacct_many_partners", run.run_id)
    assert [(event.name, event.source_task_id, event.source_map_index) for event in events] == [
        (prefixes[name], "export_partner.publish_results", index) for index, name in enumerate(names)
    ]
    assert [event.uri for event in events] == [Asset(prefixes[name]).uri for name in names]
    # Each event's extra names the object its map index's job wrote (a consumer given both at once tells them apart).
    extras = [json.loads(event.extra) if isinstance(event.extra, str) else event.extra for event in events]
    stamps = {name: "-".join(by_name[f"export-{name}"]["Name"].rsplit("-", 2)[1:]) for name in names}  # the run's
    assert extras == [
        {"run_stamp": stamps[name], "uri": f"{prefixes[name]}{stamps[name]}/results.txt"} for name in names
    ]


# The tests' airflow commands: forks of a warm Airflow process (devstack/airflow_zygote.py) ------------------------


def test_a_command_in_a_fork_of_the_warm_airflow_answers_as_the_executable_does(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    env = airflow_env(aws.url, airflow_home)
    forked = airflow_command(["version"], env, tmp_path / "forked")
    zygote = testing.warm_process(env)
    assert zygote is not None  # the command went through it
    executable = airflow_command(["version"], {**env, "EMRFS_XACCT_AIRFLOW_FORKS": "0"}, tmp_path / "executable")
    assert executable.returncode == 0
    assert executable.stdout.strip()
    assert (forked.returncode, forked.stdout) == (executable.returncode, executable.stdout)

    # Another test's command of the same environment: the same warm process, a failing command's status kept.
    missing = airflow_command(
        ["dags", "test", "emrfs_xacct_no_such_dag"], {**env, "PYTEST_CURRENT_TEST": "another"}, tmp_path / "missing"
    )
    assert missing.returncode != 0
    assert "emrfs_xacct_no_such_dag" in missing.stdout + missing.stderr
    assert testing.warm_process(env) is zygote


def test_a_warm_process_that_cannot_start_leaves_the_commands_to_the_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(testing, "AIRFLOW_IN_FORKS", True)
    env = {**airflow_env("http://127.0.0.1:9", tmp_path), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "no-such-scheme://"}
    result = airflow_command(["version"], env, tmp_path)
    assert testing.AIRFLOW_IN_FORKS is False  # the session's later commands run with the executable
    assert result.args[0] == testing.airflow_cli()
    assert result.returncode != 0  # the executable fails on that database as well
