"""
Connection ids and the verifier's release label, on the moto server: refused naming the field, before any call.

The Amazon provider reads ``aws_conn_id=None`` (or ``""``) as boto3's default credential chain
(``airflow/providers/amazon/aws/hooks/base_aws.py``, ``AwsGenericHook``: "If this is None or empty then
the default boto3 behaviour is used"): the worker's own credentials, in whatever account they are. For the
destination connection of the verifier and the revoke, ``None`` is refused unless
``expected_destination_account_id`` pins the account (then the pin is checked before anything is read);
``""`` (a template rendered empty) is refused for every connection.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, Seeded
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster, use_workers_own_credentials

DEST_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
CONFIGURATION = "emrfs-xacct-partner-0123456789ab"


def execute_recorded(op: Any) -> tuple[CallRecorder, Exception | None]:
    """Run ``op.execute`` recording every client's calls in the process; return them and the error."""
    ti = RecordingTaskInstance(task_id=op.task_id)
    with CallRecorder().everywhere() as recorder:
        try:
            op.execute({"ti": ti, "task_instance": ti})
        except Exception as error:
            return recorder, error
    return recorder, None


def verifier(**kwargs: Any) -> VerifyCrossAccountAccessOperator:
    arguments = {"destination_aws_conn_id": DESTINATION_CONN_ID, "security_configuration": CONFIGURATION}
    arguments = {"aws_conn_id": EMR_CONN_ID, **arguments}
    return VerifyCrossAccountAccessOperator(task_id="verify", **{**arguments, **kwargs})


def revoke(**kwargs: Any) -> RevokePartnerAccessOperator:
    arguments = {"destination_aws_conn_id": DESTINATION_CONN_ID, "destination_role_arn": DEST_ROLE_ARN}
    arguments = {"aws_conn_id": EMR_CONN_ID, **arguments}
    return RevokePartnerAccessOperator(task_id="revoke", **{**arguments, **kwargs})


@pytest.mark.parametrize("build", [verifier, revoke], ids=["verify", "revoke"])
@pytest.mark.parametrize("conn_id", [None, "", " aws_destination_account", ["aws_destination_account"]], ids=repr)
def test_a_destination_connection_that_would_act_with_the_workers_credentials_is_refused(
    aws: Seeded, build: Any, conn_id: Any
) -> None:
    recorder, error = execute_recorded(build(destination_aws_conn_id=conn_id))
    assert isinstance(error, InvalidParameterError), error
    assert error.field == "destination_aws_conn_id", error
    assert recorder.calls == [], recorder.calls


@pytest.mark.parametrize("build", [verifier, revoke], ids=["verify", "revoke"])
def test_a_destination_connection_airflow_does_not_have_is_refused_before_any_call(aws: Seeded, build: Any) -> None:
    # The Amazon hook would log "Unable to find AWS Connection ID ..., switching to empty" and act with the
    # worker's own credentials; pinned or not, a mistyped connection id is refused.
    for pin in (None, DESTINATION_ACCOUNT):
        op = build(destination_aws_conn_id="aws_destination_acount", expected_destination_account_id=pin)
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), error
        assert error.field == "destination_aws_conn_id", error
        assert "'aws_destination_acount'" in str(error)
        assert recorder.calls == [], recorder.calls


def test_with_the_destination_account_pinned_none_is_checked_against_the_pin(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's own credentials (boto3's default chain) act in moto's default account, not the destination.
    use_workers_own_credentials(aws.url, monkeypatch)
    for build in (verifier, revoke):
        op = build(destination_aws_conn_id=None, expected_destination_account_id=DESTINATION_ACCOUNT)
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), error
        assert error.field == "expected_destination_account_id", error
        assert f"not in account {DESTINATION_ACCOUNT}" in str(error)
        assert recorder.mutating == [], recorder.mutating


@pytest.mark.parametrize("build", [verifier, revoke], ids=["verify", "revoke"])
def test_a_destination_pin_that_resolves_to_none_is_refused_before_any_call(aws: Seeded, build: Any) -> None:
    # A template rendered as a native None, and a mapped task given None (Airflow resolves an expanded value before it
    # builds the instance): the destination connection's account went unchecked (failed before: the verifier and the
    # revoke read and acted in whatever account the connection is in). Left out, or a plain None: no pin, as before.
    from airflow.sdk import DAG

    with DAG(dag_id="pin", schedule=None, params={"pin": None}, render_template_as_native_obj=True) as dag:
        templated = build(expected_destination_account_id="{{ params.pin }}")
    templated.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    operator_class = type(templated)
    with DAG(dag_id="mapped_pin", schedule=None):
        arguments = {key: getattr(templated, key) for key in ("aws_conn_id", "destination_aws_conn_id")}
        target = (
            {"security_configuration": CONFIGURATION} if build is verifier else {"destination_role_arn": DEST_ROLE_ARN}
        )
        mapped = operator_class.partial(task_id=templated.task_id, **arguments, **target).expand(
            expected_destination_account_id=[None]
        )
    for op in (templated, mapped.unmap({"expected_destination_account_id": None})):
        assert op.expected_destination_account_id is None
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), error
        assert error.field == "expected_destination_account_id", error
        assert "resolved to None" in str(error)
        assert recorder.calls == [], recorder.calls
    for op in (build(), build(expected_destination_account_id=None)):
        recorder, error = execute_recorded(op)
        assert not (isinstance(error, InvalidParameterError) and error.field == "expected_destination_account_id")
        assert recorder.calls, op  # it read the accounts


@pytest.mark.parametrize("conn_id", ["", "  ", "aws default", 7], ids=repr)
def test_an_empty_or_malformed_aws_conn_id_is_refused_before_any_call(aws: Seeded, conn_id: Any) -> None:
    """Every operator (docs/safety.md, "Connections"), the ones acting through both connections too."""
    both = [verifier(aws_conn_id=conn_id), revoke(aws_conn_id=conn_id)]
    for op in [*own_connection_operators(conn_id), *both]:
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), (op.task_id, error)
        assert error.field == "aws_conn_id", (op.task_id, error)
        assert recorder.calls == [], (op.task_id, recorder.calls)


@pytest.mark.parametrize("label", ["7.5.0", " emr-7.5.0", "emr-7.5", 7, ["emr-7.5.0"], ""], ids=repr)
def test_the_verifiers_release_label_is_refused_by_the_launchs_rule_before_any_call(aws: Seeded, label: Any) -> None:
    recorder, error = execute_recorded(verifier(release_label=label))
    assert isinstance(error, InvalidParameterError), error
    assert error.field == "release_label", error
    assert recorder.calls == [], recorder.calls


# --- partner_access: a value known only at run time is refused by the task, naming the factory's argument ---

#: What the group's upstream tasks returned: the destination role's ARN, the security configuration's name.
UPSTREAM = {
    "ensure_destination_role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer",
    "create_security_configuration": CONFIGURATION,
}


class UpstreamTaskInstance(RecordingTaskInstance):
    """A task instance whose upstream tasks in the group returned :data:`UPSTREAM` (and pushed nothing else)."""

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", map_indexes: Any = None, **_: Any) -> Any:
        if key != "return_value" or not isinstance(task_ids, str):
            return None
        return UPSTREAM.get(task_ids.rpartition(".")[2])


RUN_TIME_REFUSALS = [
    # (argument, template given to partner_access, what it renders to, tasks that refuse it)
    (
        "emr_ec2_role_arn",
        "arn:aws:iam::{{ params.bad }}:role/EMR_EC2_DefaultRole",
        "1111",
        ["ensure_destination_role"],
    ),
    (
        "emr_ec2_role_arn",
        "arn:aws:iam::111111111111:role/{{ params.bad }}",
        "EMR EC2",
        ["allow_emr_role_to_assume", "verify_access"],
    ),
    (
        "destination_prefix",
        "{{ params.bad }}",
        "partner-results/acme/",
        ["ensure_destination_role", "create_security_configuration"],
    ),
    ("kms_key_arn", "{{ params.bad }}", "arn:aws:kms:us-east-1:222222222222:alias/x", ["grant_kms_key_user"]),
    # Checked ahead by the first task too: verify_access, which uses it, runs after every write.
    ("release_label", "{{ params.bad }}", "7.5.0", ["ensure_destination_role", "verify_access"]),
    ("destination_account_id", "{{ params.bad }}", "2222", ["ensure_destination_role", "verify_access"]),
    ("emr_account_id", "{{ params.bad }}", "1111", ["allow_emr_role_to_assume", "create_security_configuration"]),
    ("dry_run", "{{ params.bad }}", "yes", ["ensure_destination_role", "verify_access"]),
    ("assume_policy_name", "{{ params.bad }}", "assume roles", ["allow_emr_role_to_assume"]),
    (
        "destination_aws_conn_id",
        "{{ params.bad }}",
        " aws_destination_account",
        ["ensure_destination_role", "grant_kms_key_user", "verify_access"],
    ),
    ("emr_aws_conn_id", "{{ params.bad }}", " aws_emr_account", ["allow_emr_role_to_assume", "verify_access"]),
]


@pytest.mark.parametrize(("name", "template", "rendered", "task_ids"), RUN_TIME_REFUSALS, ids=lambda v: str(v)[:30])
def test_a_bad_templated_factory_argument_is_refused_at_run_time_naming_the_argument(
    connections: None, name: str, template: str, rendered: str, task_ids: list[str]
) -> None:
    from airflow.sdk import DAG

    from airflow_provider_emrfs_xacct.task_groups import partner_access

    arguments: dict[str, Any] = {
        "partner": "acme",
        "destination_prefix": "s3://partner-results/acme/",
        "kms_key_arn": f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "emr_ec2_role_arn": "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
        "emr_aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "release_label": "emr-7.5.0",
        name: template,
    }
    with DAG(dag_id="factory_run_time", schedule=None) as dag:
        partner_access(**arguments)
    for task_id in task_ids:
        task = dag.get_task(f"partner_acme.{task_id}")
        ti = UpstreamTaskInstance(task_id=task.task_id)
        context: Any = {"params": {"bad": rendered}, "ti": ti, "task_instance": ti}
        task.render_template_fields(context)
        with CallRecorder().everywhere() as recorder, pytest.raises(InvalidParameterError) as refused:
            task.execute(context)
        error = refused.value
        assert error.field == f"partner_access({name}=...)", (task_id, error)
        assert str(error).startswith(f"partner_access({name}=...): "), error
        assert recorder.calls == [], (task_id, recorder.calls)


# --- every operator's own connection: a mistyped id would act with the worker's credentials ---

WORKER_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/EMR_EC2_DefaultRole"
KEY_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def own_connection_operators(conn_id: str) -> list[Any]:
    """Every operator that acts through ``aws_conn_id`` alone, unpinned (docs/safety.md, "Connections": every operator)."""
    from airflow_provider_emrfs_xacct.operators.emr import (
        CreateEmrfsSecurityConfigOperator,
        LaunchClusterWithSecConfigOperator,
        TerminateClusterOperator,
    )
    from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
    from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
    from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
    from airflow_provider_emrfs_xacct.operators.s3 import (
        GrantBucketAccessOperator,
        GrantEmrRoleBucketAccessOperator,
        RevokeBucketAccessOperator,
    )

    return [
        EnsureDestinationRoleOperator(
            task_id="role",
            aws_conn_id=conn_id,
            role_name="partner-b-writer",
            trusted_role_arns=[WORKER_ROLE_ARN],
            s3_prefixes=["s3://partner-results-b/exports/"],
        ),
        GrantKmsKeyUserOperator(task_id="key", aws_conn_id=conn_id, key_arn=KEY_ARN, principal_arns=[DEST_ROLE_ARN]),
        GrantBucketAccessOperator(
            task_id="bucket",
            aws_conn_id=conn_id,
            s3_prefixes=["s3://partner-results-b/exports/"],
            principal_arns=[DEST_ROLE_ARN],
        ),
        AttachAssumeRolePolicyOperator(
            task_id="assume",
            aws_conn_id=conn_id,
            emr_ec2_role_name="EMR_EC2_DefaultRole",
            destination_role_arns=[DEST_ROLE_ARN],
        ),
        CreateEmrfsSecurityConfigOperator(
            task_id="configuration",
            aws_conn_id=conn_id,
            name_prefix="emrfs-xacct-partner-b",
            role_mappings=[
                {"Role": DEST_ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/"]}
            ],
        ),
        LaunchClusterWithSecConfigOperator(
            task_id="launch",
            aws_conn_id=conn_id,
            emr_conn_id=None,
            security_configuration=CONFIGURATION,
            job_flow_overrides=small_cluster("partner-export"),
        ),
        TerminateClusterOperator(task_id="terminate", aws_conn_id=conn_id, job_flow_id="j-2AXXXXXXGAPLF"),
        GrantEmrRoleBucketAccessOperator(
            task_id="emr_bucket", aws_conn_id=conn_id, s3_prefixes=["s3://partner-results-b/exports/"]
        ),
        RevokeBucketAccessOperator(
            task_id="revoke_bucket", aws_conn_id=conn_id, bucket="partner-results-b", principal_arns=[DEST_ROLE_ARN]
        ),
        DeleteUnusedSecurityConfigsOperator(
            task_id="cleanup", aws_conn_id=conn_id, name_prefix="emrfs-xacct-partner-b"
        ),
    ]


def test_the_connection_checks_cover_every_operator(connections: None) -> None:
    """docs/safety.md, "Connections", says "every operator": the lists above hold one of each."""
    import airflow_provider_emrfs_xacct.operators.emr as emr
    import airflow_provider_emrfs_xacct.operators.iam as iam
    import airflow_provider_emrfs_xacct.operators.kms as kms
    import airflow_provider_emrfs_xacct.operators.revoke as revoke_module
    import airflow_provider_emrfs_xacct.operators.s3 as s3
    import airflow_provider_emrfs_xacct.operators.verify as verify

    every = {
        name
        for module in (emr, iam, kms, revoke_module, s3, verify)
        for name, value in vars(module).items()
        if name.endswith("Operator") and getattr(value, "__module__", "") == module.__name__
    }
    tried = [*own_connection_operators("aws_default"), verifier(), revoke()]
    assert sorted(type(op).__name__ for op in tried) == sorted(every)


def test_an_operators_connection_airflow_does_not_have_is_refused_before_any_call(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Amazon hook would log "Unable to find AWS Connection ID ..., switching to empty" and act with the
    # worker's own credentials (here moto's default account): an unpinned operator would write there.
    use_workers_own_credentials(aws.url, monkeypatch)
    acting_in_both = [
        verifier(aws_conn_id="aws_emr_acount"),
        revoke(aws_conn_id="aws_emr_acount"),
    ]
    for op in [*own_connection_operators("aws_destination_acount"), *acting_in_both]:
        recorder, error = execute_recorded(op)
        assert isinstance(error, InvalidParameterError), (op.task_id, error)
        assert error.field == "aws_conn_id", (op.task_id, error)
        assert "_acount'" in str(error), error
        assert "pass None to act with those credentials on purpose" in str(error), error  # the way out, said
        assert recorder.calls == [], (op.task_id, recorder.calls)
