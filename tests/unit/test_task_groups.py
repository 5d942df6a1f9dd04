"""The one-call-per-partner TaskGroup factory: the chain it builds, what it returns, what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.task_groups import partner_access

EMR_EC2_ROLE_ARN = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PREFIX = "s3://partner-results/acme/"


def build(**kwargs: Any) -> tuple[DAG, Any]:
    arguments: dict[str, Any] = {
        "partner": "acme",
        "destination_prefix": PREFIX,
        "kms_key_arn": KEY_ARN,
        "emr_ec2_role_arn": EMR_EC2_ROLE_ARN,
    }
    arguments.update(kwargs)
    with DAG(dag_id="factory", schedule=None) as dag:
        access = partner_access(**arguments)
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", emr_conn_id=None, security_configuration=access.security_configuration
        )
        access.task_group >> launch
    return dag, access


def test_one_call_builds_the_chain_and_returns_what_the_launch_needs() -> None:
    dag, access = build(release_label="emr-7.5.0", settle_seconds=0.5)

    group = "partner_acme"
    upstream = {task_id: sorted(dag.get_task(task_id).upstream_task_ids) for task_id in dag.task_ids}
    assert upstream == {
        f"{group}.ensure_destination_role": [],
        f"{group}.allow_emr_role_to_assume": [f"{group}.ensure_destination_role"],
        f"{group}.grant_kms_key_user": [f"{group}.ensure_destination_role"],
        f"{group}.create_security_configuration": [f"{group}.ensure_destination_role"],
        f"{group}.verify_access": [
            f"{group}.allow_emr_role_to_assume",
            f"{group}.create_security_configuration",
            f"{group}.grant_kms_key_user",
        ],
        # The launch waits for the whole group (the verifier included), not only for its XCom.
        "launch_cluster": [f"{group}.create_security_configuration", f"{group}.verify_access"],
    }
    assert access.task_group.group_id == group
    assert access.security_configuration.operator.task_id == f"{group}.create_security_configuration"
    assert access.destination_role_arn.operator.task_id == f"{group}.ensure_destination_role"

    role = dag.get_task(f"{group}.ensure_destination_role")
    assert role.role_name == "emrfs-acme-writer"
    assert role.trusted_role_arns == [EMR_EC2_ROLE_ARN]
    assert role.s3_prefixes == [PREFIX]
    assert role.kms_key_arns == KEY_ARN  # one key (a string stands for a one-element list)
    assert role.aws_conn_id == "aws_destination_account"
    assume = dag.get_task(f"{group}.allow_emr_role_to_assume")
    assert assume.emr_ec2_role_name == EMR_EC2_ROLE_ARN  # the ARN itself: its account is checked by the task
    assert assume.aws_conn_id == "aws_emr_account"
    configuration = dag.get_task(f"{group}.create_security_configuration")
    assert configuration.name_prefix == "emrfs-xacct-acme"
    (mapping,) = configuration.role_mappings
    assert mapping["IdentifierType"] == "Prefix"
    assert mapping["Identifiers"] == [PREFIX]
    assert mapping["Role"].operator is role
    verify = dag.get_task(f"{group}.verify_access")
    assert verify.release_label == "emr-7.5.0"
    assert verify.destination_aws_conn_id == "aws_destination_account"
    assert {dag.get_task(t).settle_seconds for t in dag.task_ids if hasattr(dag.get_task(t), "settle_seconds")} == {0.5}


def test_without_a_key_or_a_verifier() -> None:
    dag, _ = build(kms_key_arn=None, verify_access=False, group_id="p")
    assert sorted(dag.task_ids) == [
        "launch_cluster",
        "p.allow_emr_role_to_assume",
        "p.create_security_configuration",
        "p.ensure_destination_role",
    ]
    assert dag.get_task("p.ensure_destination_role").kms_key_arns is None


def test_templates_are_passed_through() -> None:
    dag, _ = build(
        partner=None,
        group_id="templated",
        role_name="emrfs-{{ params.partner }}-writer",
        name_prefix="emrfs-xacct-{{ params.partner }}",
        destination_prefix="{{ params.destination_prefix }}",
        emr_ec2_role_arn="arn:aws:iam::{{ params.emr_account_id }}:role/{{ params.emr_ec2_role_name }}",
    )
    assert dag.get_task("templated.ensure_destination_role").role_name == "emrfs-{{ params.partner }}-writer"
    assert "{{ params.emr_ec2_role_name }}" in dag.get_task("templated.allow_emr_role_to_assume").emr_ec2_role_name


@pytest.mark.parametrize("native", [False, True])
@pytest.mark.parametrize(
    ("template", "params"),
    [
        (
            "arn:aws:iam::{{ params.account }}:role/{{ params.name }}",
            {"account": "111111111111", "name": "EMR_EC2_Role"},
        ),
        ("{{ params.arn }}", {"arn": "arn:aws:iam::111111111111:role/EMR_EC2_Role"}),
        ("arn:aws:iam::111111111111:role/{{ params.path }}EMR_EC2_Role", {"path": "service-role/"}),
    ],
)
def test_the_emr_ec2_role_name_is_cut_from_the_rendered_arn(
    template: str, params: dict[str, Any], native: bool
) -> None:
    # A template's "/" may come from what it renders (a Variable holding the whole ARN, a role path): the name is
    # cut once rendered, as text or as objects, by the tasks that take it (the assume grant, the verifier).
    from airflow_provider_emrfs_xacct.pure.validation import validate_role_name_or_arn

    with DAG(dag_id="factory", schedule=None, render_template_as_native_obj=native) as dag:
        partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=template)
    for task_id in ("partner_acme.allow_emr_role_to_assume", "partner_acme.verify_access"):
        task = dag.get_task(task_id)
        rendered = task.render_template(task.emr_ec2_role_name, {"params": params}, jinja_env=dag.get_template_env())
        assert validate_role_name_or_arn(rendered, "emr_ec2_role_name") == ("EMR_EC2_Role", "111111111111"), task_id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"partner": "{{ params.partner }}"}, "partner"),
        ({"partner": ""}, "partner"),
        ({"partner": None}, "role_name"),
        ({"partner": None, "role_name": "r"}, "name_prefix"),
        ({"destination_prefix": " "}, "destination_prefix"),
        ({"emr_ec2_role_arn": "EMR_EC2_DefaultRole"}, "emr_ec2_role_arn"),
        ({"shared_documents_pool": " "}, "shared_documents_pool"),
        ({"shared_documents_pool": "{{ params.pool }}"}, "shared_documents_pool"),
        # Airflow refused it too, naming no argument ("The key '{{ params.g }}' has to be made of alphanumeric ...").
        ({"group_id": "{{ params.group }}"}, "group_id"),
        ({"group_id": 7}, "group_id"),
        # It decides whether the verifier's task exists (docs/airflow.md: refused as a template or an XComArg).
        ({"verify_access": "{{ params.verify }}"}, "verify_access"),
        ({"verify_access": "false"}, "verify_access"),
    ],
)
def test_refuses_missing_or_unusable_arguments(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError, match=field):
        build(**kwargs)


def test_the_writers_of_shared_documents_take_the_pool_given_and_the_others_do_not() -> None:
    dag, _ = build(shared_documents_pool="emrfs_xacct_shared_documents")
    default, _ = build()

    pools = {task_id.split(".")[-1]: dag.get_task(task_id).pool for task_id in dag.task_ids}
    shared = {"allow_emr_role_to_assume", "grant_kms_key_user", "ensure_destination_role"}
    assert {task for task, pool in pools.items() if pool == "emrfs_xacct_shared_documents"} == shared
    assert {default.get_task(task_id).pool for task_id in default.task_ids} == {dag.get_task("launch_cluster").pool}


def test_accounts_are_pinned_on_each_side_and_dry_run_reaches_every_task() -> None:
    dag, _ = build(emr_account_id="{{ params.emr_account_id }}", destination_account_id="222222222222", dry_run=True)

    pins = {task_id.split(".")[-1]: dag.get_task(task_id).expected_account_id for task_id in dag.task_ids}
    assert pins == {
        "ensure_destination_role": "222222222222",
        "grant_kms_key_user": "222222222222",
        "allow_emr_role_to_assume": "{{ params.emr_account_id }}",
        "create_security_configuration": "{{ params.emr_account_id }}",
        "verify_access": "{{ params.emr_account_id }}",
        "launch_cluster": None,  # the caller's own task
    }
    # The verifier reads both accounts: its destination side is pinned too.
    assert dag.get_task("partner_acme.verify_access").expected_destination_account_id == "222222222222"
    assert {dag.get_task(t).dry_run for t in dag.task_ids if t.startswith("partner_acme.")} == {True}


def test_not_given_the_pins_and_dry_run_stay_the_tasks_own() -> None:
    with DAG(dag_id="factory", schedule=None, default_args={"dry_run": True}) as dag:
        partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)

    assert {(dag.get_task(t).dry_run, dag.get_task(t).expected_account_id) for t in dag.task_ids} == {(True, None)}


def test_settle_seconds_not_given_stays_the_tasks_own() -> None:
    """A DAG's ``default_args`` reach the group's tasks, as they reach any task; the operators' own default else."""
    with DAG(dag_id="factory", schedule=None, default_args={"settle_seconds": 4.0}) as dag:
        partner_access(
            partner="acme", destination_prefix=PREFIX, kms_key_arn=KEY_ARN, emr_ec2_role_arn=EMR_EC2_ROLE_ARN
        )
    with DAG(dag_id="factory_plain", schedule=None) as plain:
        partner_access(
            partner="acme", destination_prefix=PREFIX, kms_key_arn=KEY_ARN, emr_ec2_role_arn=EMR_EC2_ROLE_ARN
        )

    writers = [
        "ensure_destination_role",
        "allow_emr_role_to_assume",
        "grant_kms_key_user",
        "create_security_configuration",
    ]
    assert [dag.get_task(f"partner_acme.{task_id}").settle_seconds for task_id in writers] == [4.0] * 4
    # Not given anywhere: the tasks take the [emrfs_xacct] settle_seconds option when they run.
    assert [plain.get_task(f"partner_acme.{task_id}").settle_seconds for task_id in writers] == [None] * 4


@pytest.mark.parametrize("verify_access", [True, False])
def test_a_key_known_only_at_run_time_may_be_none_without_skipping_the_launch(verify_access: bool) -> None:
    from airflow.sdk import task

    with DAG(dag_id="factory", schedule=None) as dag:

        @task
        def partner_key() -> str | None:
            return None  # e.g. a partner whose bucket uses SSE-S3

        key = partner_key()
        access = partner_access(
            partner="acme",
            destination_prefix=PREFIX,
            kms_key_arn=key,
            emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
            verify_access=verify_access,
        )

    role = dag.get_task("partner_acme.ensure_destination_role")
    assert role.kms_key_arns is key  # not [key]: a run-time None is "no key", not a list holding None
    grant = dag.get_task("partner_acme.grant_kms_key_user")
    assert grant.skip_without_key is True
    # The task after the grant runs when it skipped; the group's leaves (before the launch) never skip for it.
    after = "partner_acme.verify_access" if verify_access else "partner_acme.create_security_configuration"
    assert grant.task_id in dag.get_task(after).upstream_task_ids
    assert dag.get_task(after).trigger_rule == "none_failed_min_one_success"
    assert grant.task_id not in {leaf.task_id for leaf in access.task_group.get_leaves()}


@pytest.mark.parametrize(
    ("partner", "problem"),
    [
        # IAM API Reference, CreateRole: RoleName at most 64 characters: "emrfs-" + 52 + "-writer" is 65.
        ("p" * 52, "'emrfs-" + "p" * 52 + "-writer', which is refused"),
        # A valid role name ("+" is one of IAM's characters) but not a valid name prefix: the role would
        # be created before the security configuration's task refused its prefix.
        ("acme+b", "'emrfs-xacct-acme+b', which is refused"),
    ],
)
def test_a_partner_name_that_makes_an_invalid_name_is_refused_when_the_dag_is_built(partner: str, problem: str) -> None:
    with pytest.raises(InvalidParameterError) as refused, DAG(dag_id="factory", schedule=None):
        partner_access(partner=partner, destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)

    assert refused.value.field == "partner_access(partner=...)"
    assert problem in refused.value.problem


def test_the_longest_partner_name_makes_valid_names() -> None:
    dag, _ = build(partner="p" * 51)

    assert dag.get_task(f"partner_{'p' * 51}.ensure_destination_role").role_name == f"emrfs-{'p' * 51}-writer"


def many_partners_settings() -> Any:
    """The ``partner_settings`` task's function of ``dags/emrfs_xacct_many_partners.py``, loaded from its file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "dags" / "emrfs_xacct_many_partners.py"
    spec = importlib.util.spec_from_file_location("emrfs_xacct_many_partners_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag.get_task("partner_settings").python_callable


def test_the_many_partners_dag_refuses_a_partner_name_before_any_task_changes_aws() -> None:
    """``partner_settings`` runs first; a name refused there names the run configuration's field."""
    settings = many_partners_settings()
    partners = [{"name": "acme", "destination_prefix": PREFIX}, {"name": "b" * 60, "destination_prefix": PREFIX}]

    with pytest.raises(InvalidParameterError) as refused:
        settings(params={"partners": partners, "release_label": "emr-7.5.0"})

    assert refused.value.field == "params.partners[1].name"
    params = {"partners": partners[:1], "release_label": "emr-7.5.0"}
    assert settings(params=params)[0]["role_name"] == "emrfs-acme-writer"


@pytest.mark.parametrize("second", ["Acme", "acme"])
def test_the_many_partners_dag_refuses_two_partners_making_one_role_before_any_task_changes_aws(second: str) -> None:
    """IAM role names "are not distinguished by case" (IAM API Reference, "CreateRole"): one role for both."""
    settings = many_partners_settings()
    partners = [
        {"name": "acme", "destination_prefix": PREFIX},
        {"name": "globex", "destination_prefix": PREFIX},
        {"name": second, "destination_prefix": PREFIX + "other/"},
    ]

    with pytest.raises(InvalidParameterError) as refused:
        settings(params={"partners": partners, "release_label": "emr-7.5.0"})

    assert refused.value.field == "params.partners[2].name"
    assert "params.partners[0]" in refused.value.problem
    assert len(settings(params={"partners": partners[:2], "release_label": "emr-7.5.0"})) == 2


def test_a_partner_name_with_a_dot_makes_a_group_airflow_takes() -> None:
    """IAM role names and the name prefixes take a '.'; Airflow's group ids do not (letters, digits, '-', '_')."""
    dag, access = build(partner="acme.eu")

    assert access.task_group.group_id == "partner_acme_eu"
    assert dag.get_task("partner_acme_eu.ensure_destination_role").role_name == "emrfs-acme.eu-writer"
    assert dag.get_task("partner_acme_eu.create_security_configuration").name_prefix == "emrfs-xacct-acme.eu"


@pytest.mark.parametrize(("first", "second"), [("acme", "acme"), ("a-b", "a_b"), ("a.b", "a_b")])
def test_two_partners_making_one_group_id_are_refused_naming_the_partner(first: str, second: str) -> None:
    with DAG(dag_id="factory", schedule=None):
        partner_access(partner=first, destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)
        with pytest.raises(InvalidParameterError) as refused:
            partner_access(partner=second, destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)

    assert refused.value.field == "partner_access(partner=...)"
    assert "give group_id" in refused.value.problem


@pytest.mark.parametrize(
    ("second", "field"), [({"partner": "Acme"}, "partner"), ({"role_name": "EMRFS-acme-writer"}, "role_name")]
)
def test_two_partner_access_calls_naming_one_role_in_two_cases_are_refused(second: dict[str, Any], field: str) -> None:
    """IAM role names "are not distinguished by case" (IAM API Reference, "CreateRole"): both would write one role."""
    with DAG(dag_id="factory", schedule=None):
        partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)
        with pytest.raises(InvalidParameterError) as refused:
            partner_access(
                **{"partner": "globex", **second},
                destination_prefix="s3://partner-results/other/",
                emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
            )

    assert refused.value.field == f"partner_access({field}=...)"
    assert "'emrfs-acme-writer'" in refused.value.problem


def test_the_same_partner_twice_in_one_dag_and_inside_another_group() -> None:
    """With its own group_id, or in another enclosing group, one partner's chain may be built twice."""
    from airflow.sdk import TaskGroup

    with DAG(dag_id="factory", schedule=None) as dag:
        with TaskGroup("eu"):
            nested = partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)
        top = partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN)
        again = partner_access(
            partner="acme", group_id="acme_again", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN
        )

    assert [access.security_configuration.operator.task_id for access in (nested, top, again)] == [
        "eu.partner_acme.create_security_configuration",
        "partner_acme.create_security_configuration",
        "acme_again.create_security_configuration",
    ]
    assert len(dag.task_ids) == 3 * 4  # role, assume, configuration, verifier (no key given)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        # Each passed the factory before and was refused only at run time, under the task's field name.
        ({"emr_ec2_role_arn": "arn:aws:iam::111111111111:user/EMR_EC2_DefaultRole"}, "emr_ec2_role_arn"),
        ({"emr_ec2_role_arn": "arn:aws:iam::1111:role/EMR_EC2_DefaultRole"}, "emr_ec2_role_arn"),
        ({"emr_ec2_role_arn": "arn:aws:iam::111111111111:role/EMR EC2"}, "emr_ec2_role_arn"),
        ({"kms_key_arn": "arn:aws:kms:us-east-1:222222222222:alias/partner"}, "kms_key_arn"),
        # Mixed partitions: the destination role could neither trust the EMR EC2 role nor use the key.
        ({"kms_key_arn": KEY_ARN.replace(":aws:", ":aws-cn:").replace("us-east-1", "cn-north-1")}, "kms_key_arn"),
        ({"emr_ec2_role_arn": EMR_EC2_ROLE_ARN.replace(":aws:", ":aws-us-gov:")}, "kms_key_arn"),
        ({"destination_prefix": "partner-results/acme/"}, "destination_prefix"),
        ({"partner": None, "role_name": "emrfs acme", "name_prefix": "emrfs-xacct-acme"}, "role_name"),
        ({"partner": None, "role_name": "emrfs-acme-writer", "name_prefix": "emrfs/acme"}, "name_prefix"),
        ({"release_label": "7.5.0"}, "release_label"),
        # PutKeyPolicy is not cross-account (AWS KMS API Reference, PutKeyPolicy, "Cross-account use: No"): the key
        # grant, on the destination connection, refused it only after the destination role was written.
        (
            {"kms_key_arn": KEY_ARN.replace("222222222222", "333333333333"), "destination_account_id": "222222222222"},
            "kms_key_arn",
        ),
        ({"settle_seconds": -1}, "settle_seconds"),
        ({"emr_account_id": "1111"}, "emr_account_id"),
        ({"destination_account_id": "2222-2222-2222"}, "destination_account_id"),
        ({"dry_run": "yes"}, "dry_run"),
        ({"verify_access": "false"}, "verify_access"),
        # IAM's policy names: 1 to 128 of [\w+=,.@-] (IAM API Reference, "PutRolePolicy", PolicyName).
        ({"assume_policy_name": "assume roles"}, "assume_policy_name"),
        ({"assume_policy_name": "x" * 129}, "assume_policy_name"),
        ({"assume_policy_name": ""}, "assume_policy_name"),
        ({"emr_aws_conn_id": ""}, "emr_aws_conn_id"),
        ({"destination_aws_conn_id": " aws_destination_account"}, "destination_aws_conn_id"),
        ({"destination_aws_conn_id": None}, "destination_aws_conn_id"),
        # A pin known only at run time may render to None (native rendering of an empty param): the
        # destination tasks would then act unpinned with the worker's own credentials.
        (
            {"destination_aws_conn_id": None, "destination_account_id": "{{ params.account }}"},
            "destination_aws_conn_id",
        ),
    ],
)
def test_a_bad_argument_known_when_the_dag_is_parsed_is_refused_then_naming_the_argument(
    kwargs: dict[str, Any], name: str
) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        build(**kwargs)
    assert refused.value.field == f"partner_access({name}=...)"


def test_the_assume_grant_takes_the_policy_name_given_and_keeps_its_own_default_otherwise() -> None:
    dag, _ = build(assume_policy_name="team-emr-assume-partners")
    default, _ = build()
    templated, _ = build(assume_policy_name="{{ params.assume_policy_name }}")

    grant = dag.get_task("partner_acme.allow_emr_role_to_assume")
    assert grant.policy_name == "team-emr-assume-partners"
    assert grant.argument_names["policy_name"] == "partner_access(assume_policy_name=...)"
    assert default.get_task("partner_acme.allow_emr_role_to_assume").policy_name == ASSUME_POLICY_NAME
    assert templated.get_task("partner_acme.allow_emr_role_to_assume").policy_name == "{{ params.assume_policy_name }}"


def test_the_default_credential_chain_for_the_destination_only_with_its_account_pinned() -> None:
    dag, _ = build(destination_aws_conn_id=None, destination_account_id="222222222222")
    verify = dag.get_task("partner_acme.verify_access")
    assert verify.destination_aws_conn_id is None
    assert verify.expected_destination_account_id == "222222222222"
    assert dag.get_task("partner_acme.ensure_destination_role").expected_account_id == "222222222222"


def test_values_known_only_at_run_time_are_left_to_the_tasks() -> None:
    dag, _ = build(
        kms_key_arn="{{ params.kms_key_arn }}",
        release_label="{{ params.release_label }}",
        destination_account_id="{{ params.destination_account_id }}",
        dry_run="{{ params.dry_run }}",
    )
    assert dag.get_task("partner_acme.verify_access").release_label == "{{ params.release_label }}"


def test_a_key_of_another_partition_than_the_emr_role_is_refused_naming_both() -> None:
    china_key = KEY_ARN.replace(":aws:", ":aws-cn:").replace("us-east-1", "cn-north-1")
    with pytest.raises(InvalidParameterError) as refused:
        build(kms_key_arn=china_key)
    assert "is in partition 'aws-cn'" in refused.value.problem
    assert f"partner_access(emr_ec2_role_arn=...) ({EMR_EC2_ROLE_ARN!r}) is in partition 'aws'" in refused.value.problem

    # Both in aws-cn: accepted; a role known only at run time leaves the comparison to the tasks.
    build(kms_key_arn=china_key, emr_ec2_role_arn=EMR_EC2_ROLE_ARN.replace(":aws:", ":aws-cn:"))
    build(kms_key_arn=china_key, emr_ec2_role_arn="arn:{{ aws_partition('aws_emr_account') }}:iam::1:role/R")


def test_the_emr_ec2_role_arn_may_be_an_upstream_task_s_output() -> None:
    # An XComArg was refused as the DAG was parsed ("must be a role ARN string (or template)"): the ARN of a role a
    # previous task created or looked up could not be given. The tasks that take the role by name now take the
    # resolved ARN (cutting its name, checking its account) and wait for that task.
    from airflow.sdk import task

    with DAG(dag_id="factory", schedule=None) as dag:

        @task
        def emr_ec2_role() -> str:
            return EMR_EC2_ROLE_ARN

        role = emr_ec2_role()
        partner_access(partner="acme", destination_prefix=PREFIX, kms_key_arn=KEY_ARN, emr_ec2_role_arn=role)

    for task_id in ("allow_emr_role_to_assume", "verify_access"):
        got = dag.get_task(f"partner_acme.{task_id}")
        assert got.emr_ec2_role_name is role, task_id
        assert "emr_ec2_role" in got.upstream_task_ids, task_id
        assert got.argument_names["emr_ec2_role_name"] == "partner_access(emr_ec2_role_arn=...)"
    ensure = dag.get_task("partner_acme.ensure_destination_role")
    assert ensure.trusted_role_arns == [role]
    assert "emr_ec2_role" in ensure.upstream_task_ids


def test_the_emr_ec2_role_arn_may_be_a_mapped_argument_of_a_task_group() -> None:
    # One EMR EC2 role per partner, mapped over with the group (docs/airflow.md said it was not taken).
    from airflow.sdk import task_group

    with DAG(dag_id="factory", schedule=None) as dag:

        @task_group
        def export(destination_prefix: str, emr_ec2_role_arn: str) -> None:
            partner_access(
                role_name="emrfs-partner-writer",
                name_prefix="emrfs-xacct-partner",
                destination_prefix=destination_prefix,
                emr_ec2_role_arn=emr_ec2_role_arn,
            )

        export.expand_kwargs([{"destination_prefix": PREFIX, "emr_ec2_role_arn": EMR_EC2_ROLE_ARN}])

    assert any(task_id.endswith("allow_emr_role_to_assume") for task_id in dag.task_ids)


@pytest.mark.parametrize("value", [42, None, ["arn:aws:iam::111111111111:role/R"]])
def test_an_emr_ec2_role_arn_of_another_kind_is_still_refused_naming_it(value: Any) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        build(emr_ec2_role_arn=value)
    assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"


def test_settle_seconds_known_only_at_run_time_is_refused_as_the_dag_is_parsed() -> None:
    # The tasks do not template settle_seconds: a template or XComArg reached them as written and failed each run.
    from airflow.sdk import task

    with pytest.raises(InvalidParameterError) as refused:
        build(settle_seconds="{{ params.settle }}")
    assert refused.value.field == "partner_access(settle_seconds=...)"
    assert "known when the DAG is parsed" in refused.value.problem
    with DAG(dag_id="factory", schedule=None):

        @task
        def settle() -> float:
            return 1.0

        upstream = settle()
        with pytest.raises(InvalidParameterError, match="settle_seconds"):
            partner_access(
                partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=EMR_EC2_ROLE_ARN, settle_seconds=upstream
            )


@pytest.mark.parametrize(
    "given",
    [
        "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole",
        "arn:aws:iam::{{ params.account }}:role/EMR_EC2_DefaultRole",
        "arn:aws-cn:iam::111111111111:role/EMR_EC2_DefaultRole",
    ],
    ids=["string", "template", "partition"],
)
def test_an_emr_ec2_role_arn_outside_the_emr_connection_is_refused_by_the_assume_grant_before_any_change(
    aws: Any, given: str
) -> None:
    # A string or template ARN reached the assume grant and the verifier as its name only: another account's role
    # (or another partition's) got the grant on the EMR account's role of that name, unchecked, while an upstream
    # task's ARN was refused. Now each takes the ARN as given, as for an XComArg.
    from devstack.testing import CallRecorder, run_operator

    with DAG(dag_id="factory", schedule=None, params={"account": "333333333333"}) as dag:
        kwargs = {"kms_key_arn": None} if ":aws-cn:" in given else {}
        partner_access(partner="acme", destination_prefix=PREFIX, emr_ec2_role_arn=given, **kwargs)
    for task_id in ("partner_acme.allow_emr_role_to_assume", "partner_acme.verify_access"):
        task = dag.get_task(task_id)
        if task_id.endswith("assume"):  # the upstream tasks' outputs, as they resolve
            task.destination_role_arns = ["arn:aws:iam::222222222222:role/emrfs-acme-writer"]
        else:
            task.security_configuration = "emrfs-xacct-acme-0123456789ab"
        task.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
        with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
            run_operator(task)
        assert refused.value.field == "partner_access(emr_ec2_role_arn=...)", task_id
        assert calls.mutating == [], task_id


def test_an_emr_ec2_role_arn_outside_emr_account_id_is_refused_when_the_dag_is_parsed() -> None:
    # Both known when the DAG is parsed: before, the destination role trusted the other account's role at run time.
    with pytest.raises(InvalidParameterError) as refused:
        build(emr_account_id="333333333333")
    assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"
    assert "is in account 111111111111" in refused.value.problem


def rendered_role_task(params: dict[str, Any], **kwargs: Any) -> Any:
    """The group's first task, ``ensure_destination_role``, of a partner ``acme`` group built with ``kwargs``, rendered."""
    arguments: dict[str, Any] = {
        "destination_prefix": PREFIX,
        "emr_ec2_role_arn": EMR_EC2_ROLE_ARN,
        "kms_key_arn": None,
    }
    with DAG(dag_id="factory", schedule=None, params=params) as dag:
        partner_access(partner="acme", **{**arguments, **kwargs})
    task = dag.get_task("partner_acme.ensure_destination_role")
    task.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    return task


@pytest.mark.parametrize("pin", ["111111111111", "{{ params.emr_account }}"], ids=["pin", "template-pin"])
def test_an_emr_ec2_role_arn_outside_emr_account_id_known_at_run_time_is_refused_before_the_trust_is_written(
    aws: Any, pin: str
) -> None:
    # The role ARN (or the pin) known only at run time: the destination role, whose task runs first, wrote a trust of
    # the other account's role, and only the assume grant refused it after (failed before the fix: the trust written).
    from devstack.testing import CallRecorder, run_operator

    task = rendered_role_task(
        {"account": "333333333333", "emr_account": "111111111111"},
        emr_ec2_role_arn="arn:aws:iam::{{ params.account }}:role/EMR_EC2_DefaultRole",
        emr_account_id=pin,
    )
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(task)
    assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"
    assert "is in account 333333333333" in refused.value.problem
    assert "111111111111" in refused.value.problem
    assert calls.mutating == []


@pytest.mark.parametrize(
    ("argument", "rendered"),
    [("name_prefix", "emrfs-xacct/acme"), ("assume_policy_name", "emrfs xacct assume"), ("release_label", "7.5.0")],
)
def test_a_name_known_only_at_run_time_that_a_later_task_refuses_is_refused_before_the_role_is_written(
    aws: Any, argument: str, rendered: str
) -> None:
    # The security configuration's prefix and the assume grant's policy name are used by later tasks: a template
    # rendering to a refused value left the role (and the key grant) written and a retry failed the same way.
    from devstack.testing import CallRecorder, run_operator

    task = rendered_role_task({"value": rendered}, **{argument: "{{ params.value }}"})
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(task)
    assert refused.value.field == f"partner_access({argument}=...)"
    assert calls.mutating == []


def test_names_known_only_at_run_time_that_are_valid_let_the_role_be_written(aws: Any) -> None:
    from devstack.testing import run_operator

    task = rendered_role_task(
        {"prefix": "emrfs-xacct-acme", "policy": "emrfs-xacct-assume"},
        name_prefix="{{ params.prefix }}",
        assume_policy_name="{{ params.policy }}",
    )
    assert task.checked_ahead == {"name_prefix": "emrfs-xacct-acme", "policy_name": "emrfs-xacct-assume"}
    role_arn, _, _ = run_operator(task)
    assert role_arn.endswith(":role/emrfs-acme-writer")


def test_names_known_when_the_dag_is_parsed_are_not_checked_again_by_the_first_task() -> None:
    dag, _ = build(name_prefix="emrfs-xacct-acme", assume_policy_name="emrfs-xacct-assume", release_label="emr-7.5.0")
    # The key alone: its Region is the destination connection's, known only at run time.
    assert dag.get_task("partner_acme.ensure_destination_role").checked_ahead == {"key_user_key": KEY_ARN}
    dag, _ = build(kms_key_arn=None, name_prefix="emrfs-xacct-acme", assume_policy_name="emrfs-xacct-assume")
    assert dag.get_task("partner_acme.ensure_destination_role").checked_ahead is None


def test_the_first_task_checks_the_release_label_ahead_only_for_the_verifier_that_uses_it() -> None:
    dag, _ = build(kms_key_arn=None, release_label="{{ params.release }}")
    role = dag.get_task("partner_acme.ensure_destination_role")
    assert role.checked_ahead == {"release_label": "{{ params.release }}"}
    assert role.argument_names["checked_ahead.release_label"] == "partner_access(release_label=...)"
    dag, _ = build(kms_key_arn=None, release_label="{{ params.release }}", verify_access=False)
    assert dag.get_task("partner_acme.ensure_destination_role").checked_ahead is None


@pytest.mark.parametrize(
    ("key", "pin"),
    [
        ("{{ params.key }}", "222222222222"),
        (KEY_ARN.replace("222222222222", "333333333333"), "{{ params.account }}"),
        (KEY_ARN.replace("222222222222", "333333333333"), None),
    ],
    ids=["template-key", "template-pin", "no-pin"],
)
def test_a_key_whose_account_is_known_only_at_run_time_is_left_to_the_first_task(key: str, pin: Any) -> None:
    dag, _ = build(kms_key_arn=key, destination_account_id=pin)
    role = dag.get_task("partner_acme.ensure_destination_role")
    assert role.checked_ahead == {"key_user_key": key}
    assert role.argument_names["checked_ahead.key_user_key"] == "partner_access(kms_key_arn=...)"


def test_a_key_of_another_account_than_the_destination_pin_is_refused_with_the_key_grants_words() -> None:
    with pytest.raises(InvalidParameterError) as refused:
        build(kms_key_arn=KEY_ARN.replace("222222222222", "333333333333"), destination_account_id="222222222222")
    assert refused.value.problem == (
        "is in account 333333333333, but partner_access(destination_account_id=...) ('222222222222') acts in account "
        f"222222222222: {KEY_ARN.replace('222222222222', '333333333333')!r}"
    )


@pytest.mark.parametrize(
    ("given", "checked"),
    [
        ({}, (None, "aws_emr_account", False)),
        ({"emr_aws_conn_id": None}, (None, None, True)),
        ({"emr_aws_conn_id": None, "emr_account_id": "111111111111"}, ("111111111111", None, False)),
    ],
)
def test_the_destination_role_checks_the_trusted_role_against_the_emr_side_however_it_acts(
    given: dict[str, Any], checked: tuple[Any, ...]
) -> None:
    # emr_aws_conn_id=None without emr_account_id left the trusted role's account unchecked before its trust was written
    # (the EMR side then acts with boto3's default chain, whose account only the assume grant, after it, compared).
    dag, _ = build(**given)
    role = dag.get_task("partner_acme.ensure_destination_role")
    assert (role.trusted_account_id, role.trusted_aws_conn_id, role.trusted_default_chain) == checked
    if checked[2]:
        assert role.argument_names["trusted_default_chain"] == "partner_access(emr_aws_conn_id=...)"


def test_an_emr_account_id_template_rendering_to_none_is_refused_before_the_trust_is_written(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # emr_aws_conn_id=None and emr_account_id a template that renders to None (a native render of an unset param):
    # the destination role's task got the pin only, which rendered to None, and wrote the trust of another account's
    # role unchecked (failed before review32's fix). The pin asked for is refused, naming the argument, before any
    # write, as the EMR side's tasks refuse their expected_account_id then (as text, "None" is refused too).
    from devstack.testing import CallRecorder, run_operator, use_workers_own_credentials

    use_workers_own_credentials(aws.url, monkeypatch)  # moto's default account, 123456789012
    params = {"emr_account": None}
    with DAG(dag_id="factory", schedule=None, params=params, render_template_as_native_obj=True) as dag:
        partner_access(
            partner="acme",
            destination_prefix=PREFIX,
            emr_ec2_role_arn="arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole",
            kms_key_arn=None,
            emr_aws_conn_id=None,
            emr_account_id="{{ params.emr_account }}",
        )
    task = dag.get_task("partner_acme.ensure_destination_role")  # the group's first task
    task.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(task)
    assert refused.value.field == "partner_access(emr_account_id=...)"
    assert "resolved to None" in refused.value.problem
    assert calls.mutating == []


@pytest.mark.parametrize(("pin", "refused_too"), [("111111111111", False), ("444444444444", True)])
def test_an_emr_account_id_template_rendering_to_an_account_is_the_check_not_the_default_chain(
    aws: Any, monkeypatch: pytest.MonkeyPatch, pin: str, refused_too: bool
) -> None:
    # emr_aws_conn_id=None beside a templated pin: a pin that renders to an account is the check, not the account the
    # worker's own credentials act in (here moto's 123456789012, another account): a role of the pinned account is
    # trusted, another is refused naming it; the default chain is not asked for beside a pin.
    from devstack.testing import CallRecorder, run_operator, use_workers_own_credentials

    use_workers_own_credentials(aws.url, monkeypatch)  # moto's default account, 123456789012
    with DAG(dag_id="factory", schedule=None, params={"emr_account": pin}) as dag:
        partner_access(
            partner="acme",
            destination_prefix=PREFIX,
            emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
            kms_key_arn=None,
            emr_aws_conn_id=None,
            emr_account_id="{{ params.emr_account }}",
        )
    task = dag.get_task("partner_acme.ensure_destination_role")
    assert task.trusted_default_chain is False
    task.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    assert task.trusted_account_id == pin
    if refused_too:
        with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
            run_operator(task)
        assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"
        assert pin in refused.value.problem
        assert "123456789012" not in refused.value.problem
        assert calls.mutating == []
    else:
        result, recorder, _ = run_operator(task)
        assert result.endswith(":role/emrfs-acme-writer")  # the pinned account's role trusted
        assert not [call for call in recorder.sts_calls if "GetCallerIdentity" in str(call)]  # no default chain read


@pytest.mark.parametrize(
    ("partners", "field"),
    [
        ([{"name": "acme"}], "params.partners[0]"),
        ([{"name": "acme", "destination_prefix": PREFIX}, {"name": "b" * 60, "destination_prefix": PREFIX}], None),
    ],
)
def test_the_many_partners_dag_s_refusals_fail_without_retries(partners: list[dict[str, str]], field: Any) -> None:
    """The same on every try: an ``AirflowFailException``, which alone skips a task's retries (Task SDK)."""
    from airflow.exceptions import AirflowFailException

    with pytest.raises(InvalidParameterError) as refused:
        many_partners_settings()(params={"partners": partners, "release_label": "emr-7.5.0"})

    assert isinstance(refused.value, AirflowFailException)
    assert refused.value.field == (field or "params.partners[1].name")


@pytest.mark.parametrize(
    ("pins", "padded"),
    [
        ({"emr_account_id": 111111111111}, ("111111111111", None)),
        ({"destination_account_id": 222222222222}, (None, "222222222222")),
        ({"emr_account_id": 111111111111, "destination_account_id": 222222222222}, ("111111111111", "222222222222")),
        ({"emr_account_id": 11111111111}, ("011111111111", None)),
    ],
    ids=["emr", "destination", "both", "leading-zero"],
)
def test_a_pin_given_as_a_number_is_its_12_digit_id_in_the_pair_checks_and_the_tasks(
    pins: dict[str, Any], padded: tuple[Any, Any]
) -> None:
    # An id given as a number is the 12-digit id the tasks read it as (pinned_account). Before, the pair checks compared
    # the number with the ARN's account (text): "is in account 111111111111, but ... (111111111111) acts in account
    # 111111111111", and the task kept the number.
    role_arn = EMR_EC2_ROLE_ARN.replace("111111111111", padded[0] or "111111111111")
    dag, _ = build(emr_ec2_role_arn=role_arn, **pins)
    emr, destination = padded
    tasks = {task_id.split(".")[-1]: dag.get_task(task_id) for task_id in dag.task_ids}
    assert {name: task.expected_account_id for name, task in tasks.items()} == {
        "ensure_destination_role": destination,
        "grant_kms_key_user": destination,
        "allow_emr_role_to_assume": emr,
        "create_security_configuration": emr,
        "verify_access": emr,
        "launch_cluster": None,
    }
    assert tasks["ensure_destination_role"].trusted_account_id == emr
    assert tasks["verify_access"].expected_destination_account_id == destination


def test_a_pin_given_as_a_number_of_another_account_is_still_refused() -> None:
    with pytest.raises(InvalidParameterError) as refused:
        build(emr_account_id=333333333333)
    assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"
    assert (
        "is in account 111111111111, but partner_access(emr_account_id=...) ('333333333333')" in refused.value.problem
    )
    with pytest.raises(InvalidParameterError) as refused:
        build(destination_account_id=333333333333)
    assert refused.value.field == "partner_access(kms_key_arn=...)"
    assert "is in account 222222222222" in refused.value.problem
