"""
Templates a DAG author writes as for the Amazon provider, run with ``airflow dags test`` against moto.

The DAGs are in ``template_dags/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.task_groups import partner_group_id
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import airflow_env, launch_cluster, task_logs
from tests.dags.test_airflow_native import dags_test, last_run, query
from tests.integration.state import changes, snapshot
from tests.integration.test_verify import Partner, head, partner

__all__ = ["partner"]  # the fixture, imported for the test below

TEMPLATE_DAGS = Path(__file__).resolve().parent / "template_dags"
# The DAG files' ids (not imported: a DAG file that fails to parse fails its own run, not this module).
DAG_ID = "emrfs_xacct_verifier_templates"
ROLE_ARN_DAG_ID = "emrfs_xacct_role_arn_template"
LAUNCH_DAG_ID = "emrfs_xacct_launch_waits"
TEARDOWN_DAG_ID = "emrfs_xacct_teardown_waits"
DESCRIPTION_DAG_ID = "emrfs_xacct_role_description"
XCOM_DAG_ID = "emrfs_xacct_xcom_role_and_settings"


def test_the_verifier_s_probe_waits_render_from_templates_as_the_amazon_provider_s_emr_waits(
    partner: Partner, airflow_home: Path, tmp_path: Path
) -> None:
    # EmrCreateJobFlowOperator and EmrAddStepsOperator template waiter_delay and waiter_max_attempts; the verifier
    # took the same names untemplated: "{{ params.delay }}" reached its check as written and failed the task.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    env = {**airflow_env(partner.aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {"security_configuration": partner.configuration, "cluster_id": cluster_id, "delay": 1, "attempts": 5}

    output = dags_test(env, DAG_ID, conf, tmp_path / "verifier-templates.log")

    run, states = last_run(env, DAG_ID)
    assert states[("verify_access", -1)] == "success", output[-4000:]
    assert run.state == "success"
    [(value,)] = query(
        env,
        "SELECT value FROM xcom WHERE run_id = :r AND task_id = 'verify_access' AND key = 'return_value'",
        r=run.run_id,
    )
    report = json.loads(value)
    assert report["probe"]["ok"] is True, report["probe"]
    [uri] = report["probe"]["objects"]
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None  # checked, then deleted
    [step] = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "COMPLETED"


def test_partner_access_takes_the_emr_ec2_role_arn_from_one_template(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    # "{{ params.emr_ec2_role_arn }}" (or a Variable's) has no "/" before it renders: partner_access cut the role
    # name from the template's text and refused the DAG file as it was parsed.
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {
        "emr_ec2_role_arn": aws.emr_ec2_role_arn,
        "destination_prefix": f"s3://{aws.bucket}/acme/",
        "kms_key_arn": aws.kms_key_arn,
    }

    output = dags_test(env, ROLE_ARN_DAG_ID, conf, tmp_path / "role-arn-template.log")

    run, states = last_run(env, ROLE_ARN_DAG_ID)
    assert run.state == "success", output[-4000:]
    assert set(states.values()) == {"success"}, states
    # The EMR EC2 role (its name cut from the rendered ARN) may assume the partner's role.
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    role_name = aws.emr_ec2_role_arn.rsplit("/", 1)[1]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assert "emrfs-acme-writer" in json.dumps(document)


@pytest.mark.parametrize(("delay", "launched"), [(1, True), ("soon", False)])
def test_a_launch_s_templated_waits_render_as_text_and_a_bad_one_is_refused_before_run_job_flow(
    aws: Seeded, airflow_home: Path, tmp_path: Path, delay: Any, launched: bool
) -> None:
    # The Amazon provider's EmrCreateJobFlowOperator templates its waits but multiplies them as rendered: "1" * "5"
    # failed the deferred launch after RunJobFlow, with its cluster running (and every retry likewise).
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}

    output = dags_test(env, LAUNCH_DAG_ID, {"delay": delay, "attempts": 5}, tmp_path / "launch-waits.log")

    run, states = last_run(env, LAUNCH_DAG_ID)
    clusters = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    if launched:
        assert states[("launch_cluster", -1)] == "success", output[-4000:]
        assert run.state == "success"
        [cluster] = clusters
        assert cluster["Status"]["State"] in ("TERMINATING", "TERMINATED")  # by the teardown
    else:
        assert states[("launch_cluster", -1)] == "failed"
        assert "waiter_delay: must be a whole number" in output
        assert clusters == []


@pytest.mark.parametrize(("delay", "ended"), [(1, True), ("soon", False)])
def test_a_deferred_teardown_s_templated_waits_render_as_text_and_a_bad_one_is_refused_before_terminate_job_flows(
    aws: Seeded, airflow_home: Path, tmp_path: Path, delay: Any, ended: bool
) -> None:
    # The teardown did not template its waits (the Amazon EmrTerminateJobFlowOperator does not): deferred,
    # "{{ params.delay }}" as written failed the task after TerminateJobFlows, naming no field.
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}

    output = dags_test(env, TEARDOWN_DAG_ID, {"delay": delay, "attempts": 5}, tmp_path / "teardown-waits.log")

    run, states = last_run(env, TEARDOWN_DAG_ID)
    [cluster] = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert states[("launch_cluster", -1)] == "success", output[-4000:]
    if ended:
        assert states[("terminate_cluster", -1)] == "success", output[-4000:]
        assert run.state == "success"
        assert cluster["Status"]["State"] == "TERMINATED"  # waited for in the triggerer
    else:
        assert states[("terminate_cluster", -1)] == "failed"
        assert "waiter_delay: must be a whole number" in output
        assert cluster["Status"]["State"] == "WAITING"  # refused before TerminateJobFlows


def test_the_destination_role_s_description_renders_as_its_other_fields(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    # role_name and role_path were templated, role_description was not: the template's text was written to IAM.
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {
        "partner": "acme",
        "emr_ec2_role_arn": aws.emr_ec2_role_arn,
        "destination_prefix": f"s3://{aws.bucket}/acme/",
        "kms_key_arn": aws.kms_key_arn,
    }

    output = dags_test(env, DESCRIPTION_DAG_ID, conf, tmp_path / "role-description.log")

    run, _ = last_run(env, DESCRIPTION_DAG_ID)
    assert run.state == "success", output[-4000:]
    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName="emrfs-acme-writer")["Role"]
    assert role["Description"] == "EMRFS writer for partner acme"


def test_an_upstream_task_s_emr_ec2_role_arn_and_settings_rendered_as_text_reach_aws_as_meant(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    # partner_access refused an XComArg for emr_ec2_role_arn as the DAG was parsed; EnsureDestinationRoleOperator's
    # max_session_duration and the launch's keep_emrfs were not templated: "{{ params.... }}" was refused as written.
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {
        "emr_ec2_role_arn": aws.emr_ec2_role_arn,
        "destination_prefix": f"s3://{aws.bucket}/acme/",
        "kms_key_arn": aws.kms_key_arn,
        "max_session_duration": 7200,
        "keep_emrfs": False,
    }

    output = dags_test(env, XCOM_DAG_ID, conf, tmp_path / "xcom-role-and-settings.log")

    run, states = last_run(env, XCOM_DAG_ID)
    assert run.state == "success", output[-4000:]
    assert set(states.values()) == {"success"}, states
    # The EMR EC2 role, by its name cut from the upstream task's ARN, may assume the partner's role.
    role_name = aws.emr_ec2_role_arn.rsplit("/", 1)[1]
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = iam.get_role_policy(RoleName=role_name, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assert "emrfs-acme-writer" in json.dumps(document)
    # "7200" rendered as text became IAM's whole number of seconds.
    reader = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName="emrfs-acme-reader")["Role"]
    assert reader["MaxSessionDuration"] == 7200
    assert reader["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == [aws.emr_ec2_role_arn]
    # "False" rendered as text is False (text is true to Python): s3:// left to S3A on 7.10.0, no fs.s3.impl.
    [cluster] = client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    described = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster["Id"])["Cluster"]
    assert described["SecurityConfiguration"].startswith("emrfs-xacct-acme-")
    assert not described.get("Configurations"), described.get("Configurations")


OTHER_ACCOUNT = "333333333333"


#: The partners of ``emrfs_xacct_foreign_emr_role``, by the way the EMR EC2 role's ARN (and pin) arrive, and what
#: the refusal names as the account's source.
FOREIGN_ROLE_DAG_ID = "emrfs_xacct_foreign_emr_role"
FOREIGN_ROLE_PARTNERS = {
    "via-template": "connection 'aws_emr_account'",
    "via-xcom": "connection 'aws_emr_account'",
    "pinned": "trusted_account_id",
}


def test_another_account_s_emr_ec2_role_arn_known_at_run_time_is_refused_before_any_write(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    # The destination role's task runs first and trusted the ARN as rendered (or as the upstream task returned it):
    # the partner's role trusted another account's role before the assume grant refused that ARN.
    other = client(aws.url, OTHER_ACCOUNT, "iam")  # a role that exists: IAM saves a trust naming it
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
    trust["Statement"][0]["Action"] = "sts:AssumeRole"
    foreign = other.create_role(RoleName="EMR_EC2_DefaultRole", AssumeRolePolicyDocument=json.dumps(trust))
    env = {**airflow_env(aws.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEMPLATE_DAGS)}
    conf = {
        "emr_ec2_role_arn": foreign["Role"]["Arn"],
        "destination_prefix": f"s3://{aws.bucket}/acme/",
        "kms_key_arn": aws.kms_key_arn,
        "emr_account_id": EMR_ACCOUNT,
    }
    before = snapshot(aws)

    output = dags_test(env, FOREIGN_ROLE_DAG_ID, conf, tmp_path / "foreign-emr-role.log")

    run, states = last_run(env, FOREIGN_ROLE_DAG_ID)
    assert run.state == "failed"
    logs = task_logs(output)
    for name, where in FOREIGN_ROLE_PARTNERS.items():
        task_id = f"{partner_group_id(name)}.ensure_destination_role"
        assert states[(task_id, -1)] == "failed", states
        refusal = f"partner_access(emr_ec2_role_arn=...): is in account {OTHER_ACCOUNT}, but {where}"
        assert refusal in logs[task_id], logs.get(task_id, output[-4000:])
    assert changes(before, snapshot(aws)) == {}  # nothing written in either account
