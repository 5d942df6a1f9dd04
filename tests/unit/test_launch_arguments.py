"""The launch's checks before any AWS call (``pure/launch_arguments.py``), without Airflow or AWS."""

from __future__ import annotations

import re

import pytest
from jinja2.nativetypes import NativeEnvironment

from airflow_provider_emrfs_xacct.macros import as_text
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import (
    MAX_CLUSTER_TAGS,
    NATIVE_RENDERING_HINT,
    connection_extra_field,
    deployment_key,
    has_idempotency_tag,
    idempotency_key_of,
    idempotency_tag_value,
    launch_key,
    launch_security_configuration,
    named_where_given,
    parse_job_flow_overrides,
    refuse_too_many_tags,
    refuse_unpaired_kerberos,
    run_job_flow_field,
    same_task_instance,
    task_instance_key,
    validate_cluster_tags,
    validate_configuration_document,
    validate_launch_arguments,
    validate_run_job_flow_names,
    with_idempotency_tag,
)
from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, security_configuration_name

EXTRA = connection_extra_field("emr_default")


def test_overrides_are_read_from_json_or_a_python_literal() -> None:
    assert parse_job_flow_overrides('{"Name": "c"}') == {"Name": "c"}
    assert parse_job_flow_overrides("{'Name': 'c', 'Tags': []}") == {"Name": "c", "Tags": []}
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides: is a string that is neither"):
        parse_job_flow_overrides("{Name: c")
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides: must be a dict"):
        parse_job_flow_overrides(["Name"])
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides\.Tags: must be a list"):
        parse_job_flow_overrides({"Tags": {"Key": "a"}})


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"Name": "a", "Name": "b"}', '\'Name\' appears twice in one JSON object ("a" and "b")'),
        ("{'Name': 'a', 'Name': 'b'}", "'Name' appears twice in one dict ('a' and 'b')"),
        ('{"Name": "a", "Instances": {"Ec2SubnetId": "s-1", "Ec2SubnetId": "s-2"}}', "'Ec2SubnetId' appears twice"),
        ("{'Name': 'a', 'Tags': [{'Key': 'k', 'Key': 'j', 'Value': 'v'}]}", "'Key' appears twice in one dict"),
    ],
)
def test_overrides_text_naming_a_key_twice_is_refused(text: str, shown: str) -> None:
    """json.loads and ast.literal_eval keep the last of a key given twice: the other vanished unseen."""
    with pytest.raises(InvalidParameterError) as caught:
        parse_job_flow_overrides(text)

    assert caught.value.field == "job_flow_overrides"
    assert shown in caught.value.problem


def test_a_repeated_key_in_base_configuration_text_is_refused() -> None:
    text = '{"EncryptionConfiguration": {"EnableAtRestEncryption": true, "EnableAtRestEncryption": false}}'

    with pytest.raises(InvalidParameterError) as caught:
        build_security_configuration([], text)

    assert caught.value.field == "base_configuration"
    assert "'EnableAtRestEncryption' appears twice" in caught.value.problem
    assert build_security_configuration([], '{"EncryptionConfiguration": {}}')["EncryptionConfiguration"] == {}


def test_a_launch_refusal_of_a_setting_from_the_extra_names_the_extra() -> None:
    fields = {"Configurations": f"{EXTRA} Configurations", "Steps": "job_flow_overrides.Steps"}
    error = InvalidParameterError("job_flow_overrides.Configurations[2].Properties.fs.s3.impl", "is S3A's")

    renamed = named_where_given(error, fields)

    assert (renamed.field, renamed.problem) == (f"{EXTRA} Configurations[2].Properties.fs.s3.impl", "is S3A's")
    # Given in the overrides, or another argument whose name only starts the same: as it was.
    assert named_where_given(InvalidParameterError("job_flow_overrides.Steps[0]", "x"), fields).field == (
        "job_flow_overrides.Steps[0]"
    )
    other = InvalidParameterError("job_flow_overrides.ConfigurationsOther", "x")
    assert named_where_given(other, fields) is other


def test_a_bad_name_is_refused_naming_where_it_came_from() -> None:
    with pytest.raises(InvalidParameterError, match=r"emr_conn_id 'emr_default' extra Name"):
        validate_run_job_flow_names({"Name": "x" * 257}, {}, EXTRA)
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides\.SecurityConfiguration"):
        validate_run_job_flow_names({}, {"SecurityConfiguration": " padded"}, EXTRA)
    validate_run_job_flow_names({"Name": "c"}, {"Name": "d", "SecurityConfiguration": "sc"}, EXTRA)


def test_the_tag_limit_leaves_room_for_the_idempotency_tag() -> None:
    tags = [{"Key": f"k{index}", "Value": "v"} for index in range(MAX_CLUSTER_TAGS - 1)]
    refuse_too_many_tags({"Tags": [*tags, {"Key": IDEMPOTENCY_TAG, "Value": "old"}]}, "job_flow_overrides.Tags")
    with pytest.raises(InvalidParameterError, match=rf"{EXTRA} Tags: has {MAX_CLUSTER_TAGS} tags"):
        refuse_too_many_tags({"Tags": [*tags, {"Key": "one-more", "Value": "v"}]}, f"{EXTRA} Tags")


def test_the_idempotency_tag_replaces_an_earlier_one_and_is_read_back() -> None:
    config = {"Name": "c", "Tags": [{"Key": IDEMPOTENCY_TAG, "Value": "old"}, {"Key": "team", "Value": "a"}]}
    tagged = with_idempotency_tag(config, "new")
    assert tagged["Tags"] == [{"Key": "team", "Value": "a"}, {"Key": IDEMPOTENCY_TAG, "Value": "new"}]
    assert idempotency_key_of(tagged) == "new"
    assert idempotency_key_of({"Name": "c"}) is None
    assert config["Tags"][0]["Value"] == "old"  # the caller's arguments are not changed


def test_the_security_configuration_given_twice_must_agree() -> None:
    assert launch_security_configuration({"SecurityConfiguration": "a"}, None) == "a"
    assert launch_security_configuration({}, "b") == "b"
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides\.SecurityConfiguration: is 'a'"):
        launch_security_configuration({"SecurityConfiguration": "a"}, "b")


def test_a_document_must_be_the_content_of_its_name() -> None:
    document = {"EncryptionConfiguration": {"EnableInTransitEncryption": False}}
    validate_configuration_document(security_configuration_name("p", document), document)
    with pytest.raises(InvalidParameterError, match="is not the content of 'p-000000000000'"):
        validate_configuration_document("p-000000000000", document)
    with pytest.raises(InvalidParameterError, match="without security_configuration"):
        validate_configuration_document(None, document)


def test_launch_arguments_are_validated_by_field() -> None:
    assert validate_launch_arguments(None, None, None) == (None, None, {})
    with pytest.raises(InvalidParameterError, match="emrfs_site_properties: must be a dict of strings"):
        validate_launch_arguments("sc", None, {"fs.s3.x": 1})
    with pytest.raises(InvalidParameterError, match="emrfs_credentials_provider"):
        validate_launch_arguments("sc", {"jar": "s3://b/p.jar"}, None)


def test_tags_given_as_null_are_no_tags() -> None:
    # The emr_conn_id extra's ``"Tags": null`` passes its shape check (``or []``) and the tag limit; adding
    # the idempotency tag then failed with "'NoneType' object is not iterable" instead of launching.
    assert with_idempotency_tag({"Tags": None}, "k")["Tags"] == [{"Key": IDEMPOTENCY_TAG, "Value": "k"}]
    assert idempotency_key_of({"Tags": None}) is None


def test_a_cluster_is_known_by_its_idempotency_tag_and_its_key() -> None:
    tags = [{"Key": "team", "Value": "k"}, {"Key": IDEMPOTENCY_TAG, "Value": "k"}]
    assert has_idempotency_tag(tags)
    assert has_idempotency_tag(tags, "k")
    assert not has_idempotency_tag(tags, "other")
    assert not has_idempotency_tag([{"Key": "team", "Value": "k"}], "k")


def test_the_deployment_key_is_the_name_when_set_else_the_run_start() -> None:
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 1, 2, 0, 0, 2, 411_000, tzinfo=timezone.utc)
    same_instant = start.astimezone(timezone(timedelta(hours=2)))  # another time zone, one instant
    assert deployment_key(None, start) == deployment_key(None, same_instant)
    assert deployment_key(None, start) != deployment_key(None, start + timedelta(microseconds=1))
    assert deployment_key("production", start) == deployment_key("production", start + timedelta(days=1))
    assert deployment_key("production", start) != deployment_key("staging", start)
    assert deployment_key(None, None) != deployment_key("production", None)


def test_keys_of_one_task_instance_are_recognised_whatever_their_deployment() -> None:
    instance = task_instance_key("dag", "scheduled__2026-01-02T00:00:00+00:00", "launch_cluster", -1)
    production = launch_key(instance, deployment_key("production", None))
    staging = launch_key(instance, deployment_key("staging", None))
    other = launch_key(task_instance_key("dag", "scheduled__2026-01-03T00:00:00+00:00", "launch_cluster", -1), "0")
    assert same_task_instance(production, staging)
    assert same_task_instance(production, instance)  # an earlier release's key: the task instance's part alone
    assert not same_task_instance(production, other)
    assert idempotency_tag_value([{"Key": "team", "Value": "a"}, {"Key": IDEMPOTENCY_TAG, "Value": staging}]) == staging
    assert idempotency_tag_value([{"Key": "team", "Value": "a"}]) is None


def test_a_naive_run_start_is_read_as_utc_whatever_the_worker_s_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow stores times in UTC; a naive one read as the worker's local time gave workers in other zones other keys."""
    import time
    from datetime import datetime, timezone

    naive = datetime(2026, 1, 2, 0, 0, 2, 411_000)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert deployment_key(None, naive) == deployment_key(None, naive.replace(tzinfo=timezone.utc))
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_cluster_takes_fifty_tags_in_all() -> None:
    """EMR applies EC2's tag restrictions (Amazon EMR Management Guide, "Restrictions that apply to tagging resources
    in Amazon EMR"), and EC2 allows 50 user tags per resource (Amazon EC2 User Guide, "Tag restrictions")."""
    assert MAX_CLUSTER_TAGS == 50


def test_tags_must_each_be_a_dict() -> None:
    """``RunJobFlow``'s ``Tags`` is a list of ``Tag`` objects (``Key``, ``Value``: Amazon EMR API Reference, "Tag")."""
    with pytest.raises(InvalidParameterError, match=r"job_flow_overrides\.Tags: must be a list"):
        parse_job_flow_overrides({"Tags": [{"Key": "team", "Value": "a"}, "owner=b"]})


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("sc", '{"Type": "Custom"}', None, None), "emrfs_credentials_provider"),
        (("sc", None, '{"fs.s3.consistent": "true"}', None), "emrfs_site_properties"),
        (("sc", None, None, '{"EncryptionConfiguration": {}}'), "security_configuration_document"),
        ((" padded", None, None, None), "security_configuration"),
    ],
    ids=["provider-as-text", "site-as-text", "document-as-text", "bad-name"],
)
def test_each_launch_argument_is_refused_by_its_own_name(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidParameterError, match=rf"^{field}: ") as refused:
        validate_launch_arguments(*arguments)

    # A dict template rendered as text (Airflow's default) is told apart, with the DAG setting that gives the object.
    assert ("looks like a rendered dict" in str(refused.value)) is (field != "security_configuration")


def test_the_security_configuration_name_is_returned_as_given() -> None:
    assert validate_launch_arguments("partner-a-config", None, None) == ("partner-a-config", None, {})


def test_the_keys_are_the_ones_earlier_releases_tagged_clusters_with() -> None:
    """
    The key is stored on the cluster (its idempotency tag) and a retry finds the cluster by it, maybe after an upgrade
    of the provider between two tries: its text is a stored format, the same in every release.
    """
    from datetime import datetime, timezone

    run = "scheduled__2026-01-02T00:00:00+00:00"
    start = datetime(2026, 1, 2, 0, 0, 2, 411_000, tzinfo=timezone.utc)

    assert task_instance_key("dag", run, "launch_cluster", -1) == "7017d5586ad1016b7ceb86fdc6541198"
    assert deployment_key("production", None) == "8ff14ba9efe12ba6"
    assert deployment_key(None, None) == "3f2209f967d4715e"
    assert deployment_key(None, start) == "3365428b4b8aee34"


def test_no_configuration_document_given_is_nothing_to_check() -> None:
    validate_configuration_document("partner-a-config", None)
    validate_configuration_document(None, None)


def test_a_missing_configuration_is_a_precondition_naming_it_its_account_and_region() -> None:
    from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
    from airflow_provider_emrfs_xacct.pure.launch_arguments import missing_configuration_error

    error = missing_configuration_error("partner-a-config", "111111111111", "eu-west-1")

    assert isinstance(error, PreconditionError)
    assert str(error).startswith(
        "security_configuration: EMR security configuration 'partner-a-config' does not exist in account "
        "111111111111 and region eu-west-1"
    )


#: Run ids Airflow makes (a manual run's, a backfill's, an asset-triggered run's) and one a user typed.
AIRFLOW_RUN_IDS = [
    "manual__2026-12-01T10:00:00.123456+00:00",
    "backfill__2026-01-02T00:00:00+00:00",
    "asset_triggered__2026-12-01T10:00:00.123456+00:00",
    "nightly re-run für Kunde/ä 01",
]


@pytest.mark.parametrize("run_id", AIRFLOW_RUN_IDS)
def test_a_tag_of_a_run_id_airflow_makes_is_taken(run_id: str) -> None:
    validate_cluster_tags({"Tags": [{"Key": "airflow:run_id", "Value": run_id}]}, "job_flow_overrides.Tags")


def test_a_tag_without_a_value_is_taken() -> None:
    # A tag's value is optional: "A user-defined value, which is optional in a tag", "Required: No" (Amazon EMR API
    # Reference, "Tag"), and botocore sends a tag without one; only a value given as a non-string is refused.
    validate_cluster_tags({"Tags": [{"Key": "cost-center"}, {"Key": "run", "Value": ""}]}, "job_flow_overrides.Tags")


def test_a_tag_at_emrs_length_limits_is_taken() -> None:
    # Amazon EMR Management Guide, "Restrictions that apply to tagging resources in Amazon EMR": "Restrictions that
    # apply to Amazon EC2 resources apply to Amazon EMR as well"; Amazon EC2 User Guide, "Tag restrictions": a key of
    # at most 128 Unicode characters, a value of at most 256.
    validate_cluster_tags({"Tags": [{"Key": "k" * 128, "Value": "v" * 256}]}, "job_flow_overrides.Tags")


def test_a_tag_value_rendered_as_a_number_says_why_and_what_to_write() -> None:
    # The Amazon provider's job_flow_overrides in a DAG that renders templates as native objects: "{{ params.year }}"
    # of "2026" is the number 2026, which botocore refuses for a tag (EMR's Tag Value is a String: Amazon EMR API
    # Reference, "Tag").
    with pytest.raises(InvalidParameterError, match=r"got int \(with render_template_as_native_obj=True .*as_text"):
        validate_cluster_tags({"Tags": [{"Key": "year", "Value": 2026}]}, "job_flow_overrides.Tags")


def test_the_native_rendering_hint_advises_as_text_not_tojson() -> None:
    """
    The hint names the provider's ``as_text`` filter, not Jinja's ``tojson``, which writes a character beyond U+FFFF
    as two surrogates (a tag may hold "any alphabetic character in any language": Amazon EMR Management Guide,
    "Restrictions that apply to tagging resources in Amazon EMR").
    """
    assert "as_text" in NATIVE_RENDERING_HINT
    assert "airflow_provider_emrfs_xacct.macros" in NATIVE_RENDERING_HINT
    assert "tojson" not in NATIVE_RENDERING_HINT
    with pytest.raises(InvalidParameterError) as refused:
        validate_cluster_tags({"Tags": [{"Key": "year", "Value": 2026}]}, "job_flow_overrides.Tags")
    assert "'{{ value | as_text }}'" in str(refused.value)
    assert "tojson" not in str(refused.value)


@pytest.mark.parametrize("value", ["2026", "\U00020000", "team-\U00020000-2026"])
def test_a_tag_rendered_as_the_hint_advises_is_taken_as_the_text_given(value: str) -> None:
    """
    The template the hint advises, rendered as Airflow renders with ``render_template_as_native_obj=True`` (Jinja's
    ``NativeEnvironment``) and the filter given as it says: the tag's value is the text given, a CJK letter beyond
    U+FFFF (U+20000) too, and the tag is taken. ``tojson`` gave two surrogates for that letter, refused.
    """
    environment = NativeEnvironment()
    environment.filters["as_text"] = as_text
    rendered = environment.from_string("{{ value | as_text }}").render(value=value)
    assert rendered == value
    validate_cluster_tags({"Tags": [{"Key": "team", "Value": rendered}]}, "job_flow_overrides.Tags")
    split = NativeEnvironment().from_string("{{ value | tojson }}").render(value=value)
    if "\U00020000" in value:
        assert split != value
        with pytest.raises(InvalidParameterError):
            validate_cluster_tags({"Tags": [{"Key": "team", "Value": split}]}, "job_flow_overrides.Tags")


@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        # Amazon EMR Management Guide, "Restrictions that apply to tagging resources in Amazon EMR".
        ({"Key": "run", "Value": "re-run, after the outage"}, r"\[0\]\.Value: holds ','"),
        ({"Key": "run", "Value": "ticket #42"}, r"\[0\]\.Value: holds '#'"),
        # A tab: a control character, outside AWS's tag pattern (IAM API Reference, "Tag").
        ({"Key": "run", "Value": "nightly\trun"}, r"\[0\]\.Value: holds '\\t'"),
        ({"Key": "run", "Value": "x" * 257}, r"\[0\]\.Value: has 257 characters; .* has 0-256"),
        ({"Key": "k" * 129, "Value": "v"}, r"\[0\]\.Key: has 129 characters; .* has 1-128"),
        ({"Key": "", "Value": "v"}, r"\[0\]\.Key: has 0 characters"),
        ({"Key": "AWS:run", "Value": "v"}, r"\[0\]\.Key: starts with 'AWS:', a prefix reserved for AWS"),
        ({"Key": "run", "Value": None}, r"\[0\]\.Value: must be a string, got NoneType"),
        ({"Key": "run", "Value": 20260101}, r"\[0\]\.Value: must be a string, got int"),
    ],
)
def test_a_tag_emr_refuses_is_refused_before_any_call_naming_it(tag: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidParameterError, match=rf"^job_flow_overrides\.Tags{problem}"):
        validate_cluster_tags({"Tags": [tag]}, "job_flow_overrides.Tags")


KERBEROS_DOCUMENT = {
    "AuthenticationConfiguration": {
        "KerberosConfiguration": {
            "Provider": "ClusterDedicatedKdc",
            "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": 24},
        }
    }
}
ENCRYPTION_DOCUMENT = {"EncryptionConfiguration": {"EnableInTransitEncryption": False}}
SECRET = "kdc-admin-secret-Pa55"
ATTRIBUTES = {"Realm": "EC2.INTERNAL", "KdcAdminPassword": SECRET}
KERBEROS_FIELD = "job_flow_overrides.KerberosAttributes"


@pytest.mark.parametrize(
    ("document", "config"),
    [
        (KERBEROS_DOCUMENT, {"KerberosAttributes": ATTRIBUTES}),
        # Beside them, the optional cross-realm members (Amazon EMR API Reference, "KerberosAttributes").
        (KERBEROS_DOCUMENT, {"KerberosAttributes": {**ATTRIBUTES, "CrossRealmTrustPrincipalPassword": "x"}}),
        (ENCRYPTION_DOCUMENT, {}),
        (ENCRYPTION_DOCUMENT, {"KerberosAttributes": None}),
        (None, {}),
        # A document with an AuthenticationConfiguration but no Kerberos in it.
        ({"AuthenticationConfiguration": {}}, {}),
    ],
    ids=["both", "both-cross-realm", "neither", "attributes-null", "no-configuration", "no-kerberos-section"],
)
def test_a_kerberos_configuration_and_kerberos_attributes_together_or_neither_are_taken(
    document: dict[str, object] | None, config: dict[str, object]
) -> None:
    refuse_unpaired_kerberos(document, "sc", config, KERBEROS_FIELD)


@pytest.mark.parametrize(
    ("document", "config", "field", "problem"),
    [
        (
            KERBEROS_DOCUMENT,
            {},
            KERBEROS_FIELD,
            r"is missing, but security configuration 'sc' has .*KerberosConfiguration",
        ),
        (
            ENCRYPTION_DOCUMENT,
            {"KerberosAttributes": ATTRIBUTES},
            KERBEROS_FIELD,
            r"is given, but security configuration 'sc' has no",
        ),
        (
            None,
            {"KerberosAttributes": ATTRIBUTES},
            KERBEROS_FIELD,
            r"is given, but the launch has no security configuration",
        ),
        (
            KERBEROS_DOCUMENT,
            {"KerberosAttributes": "EC2.INTERNAL"},
            KERBEROS_FIELD,
            r"must be a dict .*got str \(length 12\)",
        ),
        (
            KERBEROS_DOCUMENT,
            {"KerberosAttributes": {"Realm": "EC2.INTERNAL"}},
            f"{KERBEROS_FIELD}.KdcAdminPassword",
            "got none",
        ),
        (
            KERBEROS_DOCUMENT,
            {"KerberosAttributes": {"KdcAdminPassword": SECRET}},
            f"{KERBEROS_FIELD}.Realm",
            "got none",
        ),
        (
            KERBEROS_DOCUMENT,
            {"KerberosAttributes": {"Realm": "EC2.INTERNAL", "KdcAdminPassword": 12345678}},
            f"{KERBEROS_FIELD}.KdcAdminPassword",
            r'"Required: Yes"\); got int$',
        ),
    ],
    ids=[
        "configuration-alone",
        "attributes-alone",
        "attributes-without-configuration",
        "attributes-not-a-dict",
        "no-password",
        "no-realm",
        "password-not-a-string",
    ],
)
def test_a_kerberos_configuration_or_kerberos_attributes_alone_is_refused_naming_the_field(
    document: dict[str, object] | None, config: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        refuse_unpaired_kerberos(document, "sc", config, KERBEROS_FIELD)

    assert refused.value.field == field
    assert re.search(problem, refused.value.problem), refused.value.problem
    assert SECRET not in str(refused.value)
    assert "12345678" not in str(refused.value)
    # AWS's reason, quoted with its page, when one comes without the other.
    if "is missing" in problem or "is given" in problem:
        assert "You can't specify one set without the other" in refused.value.problem


def test_kerberos_attributes_are_named_where_they_came_from() -> None:
    extra_field = connection_extra_field("emr_kerberos")
    attributes = {"KerberosAttributes": ATTRIBUTES}

    assert run_job_flow_field("KerberosAttributes", {}, attributes, extra_field) == f"{extra_field} KerberosAttributes"
    assert run_job_flow_field("KerberosAttributes", attributes, attributes, extra_field) == KERBEROS_FIELD
    assert run_job_flow_field("KerberosAttributes", attributes, {}, extra_field) == KERBEROS_FIELD
    assert run_job_flow_field("KerberosAttributes", {}, {}, extra_field) == KERBEROS_FIELD  # where to add it
    with pytest.raises(InvalidParameterError) as refused:
        refuse_unpaired_kerberos(
            ENCRYPTION_DOCUMENT, "sc", attributes, run_job_flow_field("KerberosAttributes", {}, attributes, extra_field)
        )
    assert refused.value.field == "emr_conn_id 'emr_kerberos' extra KerberosAttributes"
