"""The contract every provider operator shares (``operators/base.py``), checked on each of them."""

from __future__ import annotations

import inspect

import pytest
from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.sdk import DAG, BaseOperator

from airflow_provider_emrfs_xacct.operators.base import (
    DEFAULT_BOTOCORE_CONFIG,
    DEFAULT_SETTLE_SECONDS,
    SETTLE_SECONDS_ENV,
    EmrfsXacctAwsBaseOperator,
    EmrfsXacctBaseOperator,
    EmrfsXacctOperatorMixin,
    default_botocore_config,
)
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.conftest import RecordingTaskInstance
from tests.unit.operators.template_fields import SAFETY_FIELDS, validate_template_fields

ROLE_ARN = "arn:aws:iam::222222222222:role/emrfs-acme-writer"
#: One instance of every operator that calls AWS, with its required arguments only.
OPERATORS: dict[type[BaseOperator], dict] = {
    EnsureDestinationRoleOperator: {"role_name": "r", "trusted_role_arns": [ROLE_ARN], "s3_prefixes": ["s3://b/p/"]},
    AttachAssumeRolePolicyOperator: {"destination_role_arns": [ROLE_ARN]},
    GrantKmsKeyUserOperator: {"key_arn": "k", "principal_arns": [ROLE_ARN]},
    CreateEmrfsSecurityConfigOperator: {"name_prefix": "p", "role_mappings": []},
    LaunchClusterWithSecConfigOperator: {"security_configuration": "c"},
    TerminateClusterOperator: {"job_flow_id": "j-1"},
    VerifyCrossAccountAccessOperator: {"security_configuration": "c", "destination_aws_conn_id": "d"},
    GrantBucketAccessOperator: {"s3_prefixes": ["s3://b/p/"], "principal_arns": [ROLE_ARN]},
    GrantEmrRoleBucketAccessOperator: {"s3_prefixes": ["s3://b/p/"]},
    RevokeBucketAccessOperator: {"bucket": "b", "principal_arns": [ROLE_ARN]},
    RevokePartnerAccessOperator: {"destination_role_arn": ROLE_ARN, "destination_aws_conn_id": "d"},
    DeleteUnusedSecurityConfigsOperator: {"name_prefix": "p"},
}
#: The operators that write documents other runs may write too (``settle_seconds``).
PROVISIONING = [cls for cls in OPERATORS if issubclass(cls, EmrfsXacctBaseOperator)]
#: The operators built on the provider's own base (``BaseOperator`` and ``AwsBaseHookMixin``).
ON_OWN_BASE = [cls for cls in OPERATORS if issubclass(cls, EmrfsXacctAwsBaseOperator)]
CASES = pytest.mark.parametrize("operator_class", list(OPERATORS), ids=lambda cls: cls.__name__)


def build(operator_class: type[BaseOperator], **kwargs: object) -> BaseOperator:
    return operator_class(**{"task_id": "t", **OPERATORS[operator_class], **kwargs})


@CASES
def test_every_operator_has_the_contract(operator_class):
    operator = build(operator_class)
    assert isinstance(operator, EmrfsXacctOperatorMixin)
    validate_template_fields(operator)
    assert set(SAFETY_FIELDS) <= set(operator.template_fields)
    assert operator.dry_run is False
    assert operator.expected_account_id is None


@CASES
def test_the_retry_default_is_a_fresh_copy_per_operator(operator_class):
    first, second = build(operator_class), build(operator_class)
    assert first.botocore_config == DEFAULT_BOTOCORE_CONFIG
    assert first.botocore_config is not second.botocore_config
    assert first.botocore_config["retries"] is not second.botocore_config["retries"]


@CASES
def test_a_given_botocore_config_is_kept(operator_class):
    given = {"retries": {"mode": "adaptive", "max_attempts": 3}}
    assert build(operator_class, botocore_config=given).botocore_config is given


@CASES
def test_execute_has_a_typed_return_value(operator_class):
    annotation = inspect.signature(operator_class.execute).return_annotation
    assert annotation not in (inspect.Signature.empty, "Any")


def wrapped_init_levels(cls: type) -> list[type]:
    """The classes of ``cls``'s hierarchy whose own ``__init__`` Airflow wraps (``BaseOperatorMeta``)."""
    return [klass for klass in cls.__mro__ if hasattr(vars(klass).get("__init__"), "__wrapped__")]


@CASES
def test_the_contract_adds_no_wrapped_init_level(operator_class):
    # Each wrapped level deep-copies the DAG's params again (``_get_parent_defaults`` in
    # ``airflow.sdk.bases.operator``): an operator costs its Airflow parent operator's levels plus its own.
    airflow_parent = next(
        klass
        for klass in operator_class.__mro__
        if klass.__module__.startswith("airflow.") and issubclass(klass, BaseOperator)
    )
    levels = wrapped_init_levels(operator_class)
    assert levels[0] is operator_class
    assert levels[1:] == wrapped_init_levels(airflow_parent)


def test_the_provisioning_operators_and_the_verifier_have_two_levels():
    # Built on BaseOperator and AwsBaseHookMixin, not on AwsBaseOperator (one wrapped level more).
    assert len(ON_OWN_BASE) == len(OPERATORS) - 2  # all but the launch and the terminate (Amazon EMR operators)
    for operator_class in ON_OWN_BASE:
        assert wrapped_init_levels(operator_class) == [operator_class, BaseOperator]


@pytest.mark.parametrize("operator_class", ON_OWN_BASE, ids=lambda cls: cls.__name__)
def test_the_aws_parameters_are_taken_as_aws_base_operator_takes_them(operator_class):
    # Same defaults, same default_args precedence, same hook: what an AwsBaseOperator would do.
    reference = AwsBaseOperator.__init__.__wrapped__.__kwdefaults__  # type: ignore[attr-defined]
    default = build(operator_class)
    for name in ("aws_conn_id", "region_name", "verify"):
        assert getattr(default, name) == reference[name]
    with DAG("d", schedule=None, default_args={"aws_conn_id": "from_dag", "region_name": "eu-west-1", "verify": False}):
        from_dag = build(operator_class)
        given = build(operator_class, task_id="u", aws_conn_id="given", default_args={"region_name": "us-east-2"})
    assert (from_dag.aws_conn_id, from_dag.region_name, from_dag.verify) == ("from_dag", "eu-west-1", False)
    assert (given.aws_conn_id, given.region_name, given.verify) == ("given", "us-east-2", False)
    hook_class = operator_class.aws_hook_class
    assert issubclass(hook_class, AwsGenericHook)
    hook = given.hook  # type: ignore[attr-defined]
    assert isinstance(hook, hook_class)
    assert (hook.aws_conn_id, hook.region_name, hook.verify) == ("given", "us-east-2", False)
    with pytest.raises(TypeError, match="aws_conn_idd"):
        build(operator_class, aws_conn_idd="typo")


@CASES
def test_default_args_follow_airflows_precedence(operator_class):
    config = {"retries": {"mode": "adaptive", "max_attempts": 2}}
    dag_args = {"dry_run": True, "expected_account_id": "111111111111", "botocore_config": config}
    with DAG("d", schedule=None, default_args=dag_args):
        from_dag = build(operator_class)
    with DAG("e", schedule=None, default_args=dag_args):
        # A task's own default_args beat the DAG's, and a given argument beats both.
        own = build(operator_class, default_args={"expected_account_id": "222222222222"}, dry_run=False)
    assert (from_dag.dry_run, from_dag.expected_account_id, from_dag.botocore_config) == (True, "111111111111", config)
    assert (own.dry_run, own.expected_account_id) == (False, "222222222222")


@pytest.mark.parametrize("operator_class", PROVISIONING, ids=lambda cls: cls.__name__)
def test_default_args_reach_settle_seconds(operator_class):
    assert build(operator_class).settle_seconds is None
    with DAG("d", schedule=None, default_args={"settle_seconds": 0}):
        assert build(operator_class).settle_seconds == 0


@pytest.mark.parametrize("operator_class", PROVISIONING, ids=lambda cls: cls.__name__)
def test_settle_seconds_not_given_is_the_configuration_option_s(operator_class, monkeypatch):
    """Not given (nor in ``default_args``): ``[emrfs_xacct] settle_seconds``, 1.0 unless set, read when the task runs."""
    monkeypatch.delenv(SETTLE_SECONDS_ENV, raising=False)
    operator = build(operator_class)
    assert operator.converge_settings.settle_seconds == DEFAULT_SETTLE_SECONDS == 1.0
    monkeypatch.setenv(SETTLE_SECONDS_ENV, "2.5")
    assert operator.converge_settings.settle_seconds == 2.5
    assert build(operator_class, settle_seconds=0).converge_settings.settle_seconds == 0
    with DAG("d", schedule=None, default_args={"settle_seconds": 4}):
        assert build(operator_class).converge_settings.settle_seconds == 4


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e400", "soon", "2000000000"])
def test_a_settle_seconds_option_out_of_range_fails_the_task_before_any_call_naming_the_option(value, monkeypatch):
    monkeypatch.setenv(SETTLE_SECONDS_ENV, value)
    operator = build(PROVISIONING[0], aws_conn_id=None)  # no connection to look up: the checks reach settle_seconds
    with pytest.raises(InvalidParameterError, match=r"settle_seconds \(the \[emrfs_xacct\] settle_seconds option"):
        operator.validate_safety()
    # A task given its own value does not read the option.
    build(PROVISIONING[0], aws_conn_id=None, settle_seconds=0.5).validate_safety()


@CASES
def test_partial_takes_the_contract_parameters_and_still_refuses_unknown_ones(operator_class):
    contract = {"dry_run": True, "expected_account_id": "111111111111", "botocore_config": {}}
    if operator_class in PROVISIONING:
        contract["settle_seconds"] = 0
    with DAG("d", schedule=None):
        mapped = operator_class.partial(task_id="t", **OPERATORS[operator_class], **contract).expand(
            aws_conn_id=["a", "b"]
        )
        with pytest.raises(TypeError, match="dry_rnu"):
            operator_class.partial(task_id="u", dry_rnu=True)
    assert {name: mapped.partial_kwargs[name] for name in contract} == contract


@pytest.mark.parametrize("operator_class", [cls for cls in OPERATORS if cls not in PROVISIONING])
def test_partial_refuses_settle_seconds_where_the_operator_has_none(operator_class):
    # The plain mixins record their own parameters each, so settle_seconds belongs to the provisioning
    # operators only: elsewhere partial() refuses it while the DAG is parsed, as Airflow does.
    with DAG("d", schedule=None), pytest.raises(TypeError, match="settle_seconds"):
        operator_class.partial(task_id="t", **OPERATORS[operator_class], settle_seconds=0)


@pytest.mark.parametrize(("given", "read"), [(True, True), ("False", False), ("true", True), (False, False)])
def test_validate_safety_turns_the_rendered_dry_run_into_a_bool(given, read, monkeypatch):
    # A connection Airflow has: one it has not is refused (test_connection_ids.py). Nothing calls AWS.
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", '{"conn_type": "aws"}')
    operator = build(GrantKmsKeyUserOperator, dry_run=given)
    operator.validate_safety()
    assert operator.dry_run is read


def test_validate_safety_names_a_bad_dry_run():
    operator = build(GrantKmsKeyUserOperator, dry_run="maybe")
    with pytest.raises(InvalidParameterError, match="dry_run"):
        operator.validate_safety()


def test_push_xcom_respects_do_xcom_push():
    ti = RecordingTaskInstance()
    build(GrantKmsKeyUserOperator).push_xcom({"ti": ti}, "plan", [1])  # type: ignore[attr-defined,arg-type]
    build(GrantKmsKeyUserOperator, do_xcom_push=False).push_xcom({"ti": ti}, "other", [2])  # type: ignore[attr-defined,arg-type]
    assert ti.xcoms == {"plan": [1]}


def test_other_hook_carries_the_operator_settings():
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook

    config = default_botocore_config()
    operator = build(GrantKmsKeyUserOperator, region_name="eu-west-1", verify=False, botocore_config=config)
    hook = operator.other_hook(EmrfsKmsHook, "aws_destination_account")  # type: ignore[attr-defined]
    assert isinstance(hook, EmrfsKmsHook)
    assert (hook.aws_conn_id, hook.region_name, hook.verify) == ("aws_destination_account", "eu-west-1", False)
    assert (hook.config.connect_timeout, hook.config.read_timeout) == (10, 60)  # the botocore_config, as a Config
