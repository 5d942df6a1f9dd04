"""
Property tests: bad input in every field of the operators, the task group and the CLI.

Each field is drawn mostly valid with poison mixed in (another type, ``None``, empty, too long,
look-alike digits and letters, whitespace, the IAM wildcards ``*?`` and policy variables ``${...}``,
ARNs of another service, partition or shape, values valid for another field). The judge of each
draw is a rule written here from AWS's documented format, never the provider's own validation:

* an accepted value is valid for AWS and comes back unchanged where it belongs (the trust, assume and
  key-user statements, the permissions policy);
* a refused value raises :class:`InvalidParameterError` (never ``TypeError``, ``KeyError``,
  ``AttributeError`` or botocore's ``ParamValidationError``) whose ``field`` is the operator's own
  field (``trusted_role_arns[2]``).

Every field is judged through the validation its operator applies to it (``FIELD_CHECKS``; the
operators call these before any AWS call, as ``tests/integration/test_bad_input_table.py`` and
``tests/integration/test_field_refusals.py`` show on the moto server), so the tests need no server.
Names of an existing resource (a security configuration, a cluster id) must also be accepted
whenever AWS would accept them, save for surrounding whitespace: refusing them would make the
provider unusable with a configuration or cluster it did not name.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.operators.base import destination_conn_id, pinned_account
from airflow_provider_emrfs_xacct.pure import validation
from airflow_provider_emrfs_xacct.pure.cluster_config import validate_cluster_id
from airflow_provider_emrfs_xacct.pure.documents import assume_role_policy, key_users_statement, trust_statement
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name
from airflow_provider_emrfs_xacct.pure.validation import (
    require_list,
    validate_account_id,
    validate_bool,
    validate_iam_path,
    validate_kms_key_arn,
    validate_kms_key_arns,
    validate_max_session_duration,
    validate_positive_number,
    validate_role_arn,
    validate_role_description,
    validate_role_name,
)

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, database=None)

# --- AWS's documented formats, written here -----------------------------------------------------------

#: IAM API Reference, CreateRole, ``RoleName``: "Length Constraints: Minimum length of 1. Maximum length
#: of 64. Pattern: [\w+=,.@-]+" (``\w`` of ASCII: letters, digits and ``_``).
ROLE_NAME_CHARS = string.ascii_letters + string.digits + "_+=,.@-"
#: IAM API Reference, CreateRole, ``Path``: "Length Constraints: Minimum length of 1. Maximum length of
#: 512. Pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)".
IAM_PATH_CHARS = "".join(chr(code) for code in range(0x21, 0x7F))
#: AWS General Reference, "Amazon Resource Names (ARNs)": the partitions ``aws``, ``aws-cn``, ``aws-us-gov``
#: (and the isolated ones); account ids are 12 digits ("Your AWS account ID", AWS Account Management guide).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
#: KMS Developer Guide, "Key identifiers (KeyId)": a key ID such as
#: ``1234abcd-12ab-34cd-56ef-1234567890ab``; a multi-Region key's ID starts with ``mrk-``
#: (``mrk-1234abcd12ab34cd56ef1234567890ab``). An alias ARN (``…:alias/name``) names no key policy.
KEY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}")
REGIONS = ("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "ap-southeast-5")
#: IAM User Guide, "IAM JSON policy elements: Resource" / "IAM policy elements: Variables and tags":
#: ``*`` and ``?`` are wildcards in ARNs, ``${...}`` a policy variable; none may name one role or key.
IAM_SPECIAL = ("*", "?", "${")
#: Amazon EMR API Reference: security configuration names (CreateSecurityConfiguration ``Name``, RunJobFlow
#: ``SecurityConfiguration``) "Maximum length of 10280"; cluster ids (RunJobFlow's ``JobFlowId``,
#: AddJobFlowSteps' ``JobFlowId``) "Maximum length of 256"; both "Pattern:
#: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*".
EMR_NAME_MAX = {"security_configuration": 10280, "cluster_id": 256}
#: IAM API Reference, CreateRole: ``MaxSessionDuration`` "Valid Range: Minimum value of 3600. Maximum
#: value of 43200"; ``Description`` "Maximum length of 1000. Pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*".
SESSION_RANGE = (3600, 43200)


def aws_role_name(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 64 and all(char in ROLE_NAME_CHARS for char in value)


def aws_iam_path(value: Any) -> bool:
    if not isinstance(value, str) or not 1 <= len(value) <= 512:
        return False
    return value == "/" or (
        len(value) >= 3 and value[0] == value[-1] == "/" and all(char in IAM_PATH_CHARS for char in value[1:-1])
    )


def aws_account(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 12 and all(char in string.digits for char in value)


def pinned_account_id(value: Any) -> bool:
    """An account id, or what a template rendered as a native object makes of one: its number (leading zeros lost)."""
    return value is None or aws_account(value) or (type(value) is int and 0 <= value < 10**12)


def aws_role_arn(value: Any) -> bool:
    """``arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME``, one role exactly (no wildcard or variable)."""
    if not isinstance(value, str) or any(special in value for special in IAM_SPECIAL):
        return False
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] not in PARTITIONS or parts[2] != "iam" or parts[3]:
        return False
    if not aws_account(parts[4]) or not parts[5].startswith("role/"):
        return False
    path, _, name = parts[5][len("role") :].rpartition("/")
    return aws_role_name(name) and aws_iam_path(path + "/")


def aws_key_arn(value: Any) -> bool:
    """``arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID``: a key (not an alias) of one Region."""
    if not isinstance(value, str):
        return False
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[1] in PARTITIONS
        and parts[2] == "kms"
        and parts[3] in REGIONS
        and aws_account(parts[4])
        and parts[5].startswith("key/")
        and KEY_ID.fullmatch(parts[5][len("key/") :]) is not None
    )


def emr_name(value: Any, kind: str) -> bool:
    """EMR's string constraint, without leading or trailing whitespace (a pasted name names another resource)."""
    if not isinstance(value, str) or not 1 <= len(value) <= EMR_NAME_MAX[kind] or value != value.strip():
        return False
    return all(
        char in "\t\r\n" or 0x20 <= ord(char) <= 0xD7FF or 0xE000 <= ord(char) <= 0xFFFD or ord(char) >= 0x10000
        for char in value
    )


def sleepable(value: Any) -> bool:
    """A wait ``time.sleep`` and ``timedelta`` take: a finite number >= 0 below 2**31 s (a 32-bit ``time_t``)."""
    if type(value) not in (int, float) or value != value or not 0 <= value < 2**31:
        return False
    timedelta(seconds=value)
    return True


#: Amazon EMR Release Guide, "About Amazon EMR Releases": a release label is ``emr-x.x.x`` (``emr-7.5.0``).
RELEASE_LABEL = re.compile(r"emr-[0-9]+\.[0-9]+\.[0-9]+", re.ASCII)
#: Airflow's connection ids (``airflow.models.connection``, ``RE_SANITIZE_CONN_ID`` and ``CONN_ID_MAX_LEN``):
#: 1-250 word characters (Python's ``str.isalnum()`` or ``_``) and ``#!()-.:/\``.
CONN_ID_SYMBOLS = "_#!()-.:/\\"


def emr_release_label(value: Any) -> bool:
    return isinstance(value, str) and RELEASE_LABEL.fullmatch(value) is not None


def airflow_conn_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 250
        and all(char.isalnum() or char in CONN_ID_SYMBOLS for char in value)
    )


def aws_description(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 1000
        and all(char in "\t\n\r" or 0x20 <= ord(char) <= 0x7E or 0xA1 <= ord(char) <= 0xFF for char in value)
    )


# --- Values: mostly valid, poison mixed in --------------------------------------------------------------

LOOK_ALIKES = {"1": "\uff11", "a": "\u0430", "e": "\u0435", "o": "\u043e", "-": "\u2010", "/": "\u2215"}
POISON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=True),
    st.just(""),
    st.sampled_from([" ", "\n", "*", "?", "${aws:username}", "None", "[]", "['x']", "{}", "null"]),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=1),
    st.text(max_size=12),
)


@st.composite
def spoiled(draw: Any, valid: st.SearchStrategy[Any]) -> Any:
    """A valid value, or one spoilt: surrounded by whitespace, a character swapped for a look-alike or a
    wildcard, a policy variable spliced in, cut, doubled; or plain poison."""
    value = draw(valid)
    how = draw(st.sampled_from(["keep"] * 6 + ["space", "look-alike", "special", "cut", "double", "poison"]))
    if how == "poison" or not isinstance(value, str) or not value:
        return draw(POISON) if how != "keep" else value
    if how == "space":
        return draw(st.sampled_from([" ", "\t", "\n", "\u00a0"])) + value if draw(st.booleans()) else value + " "
    index = draw(st.integers(min_value=0, max_value=len(value) - 1))
    if how == "look-alike":
        return value[:index] + LOOK_ALIKES.get(value[index], "\u0430") + value[index + 1 :]
    if how == "special":
        return value[:index] + draw(st.sampled_from(["*", "?", "${aws:userid}", "\x00", "%", "/"])) + value[index:]
    if how == "cut":
        return value[:index]
    return value + value


ROLE_NAMES = st.text(alphabet=ROLE_NAME_CHARS, min_size=1, max_size=70)
IAM_PATHS = st.one_of(
    st.just("/"),
    st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=12), max_size=4).map(
        lambda segments: "/" + "".join(segment + "/" for segment in segments)
    ),
    st.text(alphabet=IAM_PATH_CHARS, max_size=20).map(lambda middle: f"/{middle}/"),
)
ACCOUNTS = st.one_of(
    st.text(alphabet=string.digits, min_size=12, max_size=12),
    st.text(alphabet=string.digits, min_size=10, max_size=13),
)
PARTITION_DRAWS = st.sampled_from([*PARTITIONS, "aws", "aws", "AWS", "aws-xx", ""])


@st.composite
def role_arns(draw: Any) -> str:
    service = draw(st.sampled_from(["iam"] * 8 + ["sts", "kms", "s3"]))
    region = draw(st.sampled_from([""] * 8 + ["us-east-1"]))
    kind = draw(st.sampled_from(["role"] * 8 + ["user", "assumed-role", "root", "policy"]))
    path = draw(IAM_PATHS)
    name = draw(ROLE_NAMES)
    resource = "root" if kind == "root" else f"{kind}{path}{name}"
    return f"arn:{draw(PARTITION_DRAWS)}:{service}:{region}:{draw(ACCOUNTS)}:{resource}"


@st.composite
def key_arns(draw: Any) -> str:
    hexes = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
    digits = draw(hexes)
    key_id = draw(
        st.sampled_from(
            [
                f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}",
                f"mrk-{digits}",
                f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}".upper(),
                f"mrk-{digits[:31]}",
                digits,
            ]
        )
    )
    kind = draw(st.sampled_from(["key"] * 8 + ["alias"]))
    service = draw(st.sampled_from(["kms"] * 8 + ["iam", "s3"]))
    region = draw(st.sampled_from([*REGIONS, "us-east-1", ""]))
    return f"arn:{draw(PARTITION_DRAWS)}:{service}:{region}:{draw(ACCOUNTS)}:{kind}/{key_id}"


EMR_NAMES = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-_. ", min_size=1, max_size=40),
    st.text(min_size=1, max_size=30),
    st.sampled_from(["Prod EMRFS roles", "emrfs-xacct-partner-0123456789ab", "j-2AXXXXXXGAPLF", "x" * 257]),
)

# --- The fields, the check their operator applies, and the rule they are judged by ------------------------

FieldCheck = Callable[[Any, str], Any]
RELEASE_LABELS = st.one_of(
    st.builds(lambda *parts: "emr-{}.{}.{}".format(*parts), *[st.integers(min_value=0, max_value=30)] * 3),
    st.sampled_from(["emr-7.5.0", "emr-6.15.0", "7.5.0", "emr-7.5", "EMR-7.5.0", "emr-7.5.0-latest"]),
)
CONN_IDS = st.one_of(
    st.sampled_from(["aws_default", "aws_emr_account", "aws_destination_account", "aws-prod.emr:1"]),
    st.text(alphabet=string.ascii_letters + string.digits + CONN_ID_SYMBOLS + " é", min_size=1, max_size=260),
)


def release_label_check(value: Any, field: str) -> Any:
    """The verifier's check of ``release_label`` (the launch's rule): the value, unchanged, when accepted."""
    validation.parse_release_label(value, field)
    return value


def conn_id_check(default_chain: bool) -> FieldCheck:
    return lambda value, field: validation.validate_conn_id(value, field, default_chain=default_chain)


#: A valid call of the factory; each factory field is drawn in turn in place of one of these.
FACTORY_ARGUMENTS: dict[str, Any] = {
    "partner": "acme",
    "destination_prefix": "s3://partner-results/acme/",
    "emr_ec2_role_arn": "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
}
#: Where the value of each factory argument lands: (task, field, index into a list or ``None``).
FACTORY_TARGETS: dict[str, tuple[str, str, int | None]] = {
    "emr_ec2_role_arn": ("ensure_destination_role", "trusted_role_arns", 0),
    "kms_key_arn": ("ensure_destination_role", "kms_key_arns", None),
    "release_label": ("verify_access", "release_label", None),
    "emr_aws_conn_id": ("create_security_configuration", "aws_conn_id", None),
    "destination_aws_conn_id": ("verify_access", "destination_aws_conn_id", None),
    "destination_account_id": ("verify_access", "expected_destination_account_id", None),
    "role_name": ("ensure_destination_role", "role_name", None),
}


def factory_check(name: str) -> FieldCheck:
    """Build a DAG with ``partner_access(name=value)``; return what the task that takes it got."""

    def check(value: Any, field: str) -> Any:
        from airflow.sdk import DAG

        from airflow_provider_emrfs_xacct.task_groups import argument, partner_access

        assert field == argument(name)
        with DAG(dag_id="factory_fields", schedule=None) as dag:
            partner_access(**{**FACTORY_ARGUMENTS, name: value})
        task_id, attribute, index = FACTORY_TARGETS[name]
        got = getattr(dag.get_task(f"partner_acme.{task_id}"), attribute)
        return got if index is None else got[index]

    return check


def role_name_or_arn(value: Any, field: str) -> Any:
    """``validate_role_name_or_arn``: the name it gives is the ARN's last ``/`` part (or the name given), unchanged."""
    name, account = validation.validate_role_name_or_arn(value, field)
    assert name == value.rsplit("/", 1)[-1]
    assert (account is None) == (not value.startswith("arn:"))
    return value


#: (operator, field) -> (the check the operator applies, AWS's rule, values to draw, accepted iff valid).
FIELD_CHECKS: dict[tuple[str, str], tuple[FieldCheck, Callable[[Any], bool], st.SearchStrategy[Any], bool]] = {
    ("EnsureDestinationRoleOperator", "role_name"): (validate_role_name, aws_role_name, ROLE_NAMES, True),
    ("RevokePartnerAccessOperator", "emr_ec2_role_name"): (validate_role_name, aws_role_name, ROLE_NAMES, True),
    # A role name or its ARN (partner_access passes an upstream task's output): every valid name accepted.
    **{
        (operator, "emr_ec2_role_name"): (
            role_name_or_arn,
            lambda value: aws_role_name(value) or aws_role_arn(value),
            st.one_of(ROLE_NAMES, role_arns()),
            False,
        )
        for operator in ("AttachAssumeRolePolicyOperator", "VerifyCrossAccountAccessOperator")
    },
    ("EnsureDestinationRoleOperator", "role_path"): (validate_iam_path, aws_iam_path, IAM_PATHS, False),
    ("RevokePartnerAccessOperator", "destination_role_arn"): (validate_role_arn, aws_role_arn, role_arns(), False),
    ("GrantKmsKeyUserOperator", "key_arn"): (validate_kms_key_arn, aws_key_arn, key_arns(), True),
    ("EnsureDestinationRoleOperator", "expected_account_id"): (pinned_account, pinned_account_id, ACCOUNTS, True),
    ("cli", "emr.account_id"): (validate_account_id, aws_account, ACCOUNTS, True),
    ("EnsureDestinationRoleOperator", "max_session_duration"): (
        validate_max_session_duration,
        lambda value: type(value) is int and SESSION_RANGE[0] <= value <= SESSION_RANGE[1],
        st.integers(min_value=0, max_value=50000),
        True,
    ),
    ("EnsureDestinationRoleOperator", "role_description"): (
        validate_role_description,
        aws_description,
        st.text(max_size=40),
        True,
    ),
    ("DeleteUnusedSecurityConfigsOperator", "min_age_seconds"): (
        validate_positive_number,
        sleepable,
        st.one_of(st.integers(min_value=0, max_value=10**6), st.floats(min_value=0)),
        False,
    ),
    ("EnsureDestinationRoleOperator", "settle_seconds"): (
        validate_positive_number,
        sleepable,
        st.one_of(st.floats(min_value=0, max_value=10), st.floats(min_value=0)),
        False,
    ),
    ("EnsureDestinationRoleOperator", "object_acl"): (
        validate_bool,
        lambda value: (
            isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))
        ),
        st.sampled_from([True, False, "True", "false", "FALSE"]),
        True,
    ),
    ("VerifyCrossAccountAccessOperator", "release_label"): (
        release_label_check,
        emr_release_label,
        RELEASE_LABELS,
        True,
    ),
    # None (boto3's default chain) only where the account is pinned or the operator's own choice.
    ("VerifyCrossAccountAccessOperator", "destination_aws_conn_id"): (
        lambda value, field: destination_conn_id(value, None),
        airflow_conn_id,
        CONN_IDS,
        True,
    ),
    ("EnsureDestinationRoleOperator", "aws_conn_id"): (
        conn_id_check(default_chain=True),
        lambda value: value is None or airflow_conn_id(value),
        CONN_IDS,
        True,
    ),
    # The factory's arguments, refused naming the argument when the DAG is parsed.
    **{
        ("partner_access", f"partner_access({name}=...)"): (factory_check(name), valid, values, exact)
        for name, valid, values, exact in (
            ("emr_ec2_role_arn", aws_role_arn, role_arns(), False),
            ("kms_key_arn", lambda value: value is None or aws_key_arn(value), key_arns(), True),
            ("release_label", lambda value: value is None or emr_release_label(value), RELEASE_LABELS, True),
            ("emr_aws_conn_id", lambda value: value is None or airflow_conn_id(value), CONN_IDS, True),
            ("destination_aws_conn_id", airflow_conn_id, CONN_IDS, True),
            ("destination_account_id", pinned_account_id, ACCOUNTS, True),
            ("role_name", lambda value: value is None or aws_role_name(value), ROLE_NAMES, True),  # None: from partner
        )
    },
    # Names of an existing resource: whatever EMR accepts (trimmed) must be accepted too.
    **{
        (operator, "security_configuration"): (
            validate_security_configuration_name,
            lambda value: emr_name(value, "security_configuration"),
            EMR_NAMES,
            True,
        )
        for operator in (
            "LaunchClusterWithSecConfigOperator",
            "VerifyCrossAccountAccessOperator",
            "RevokePartnerAccessOperator",
            "cli --security-configuration",
        )
    },
    **{
        (operator, field): (validate_cluster_id, lambda value: emr_name(value, "cluster_id"), EMR_NAMES, True)
        for operator, field in (
            ("TerminateClusterOperator", "job_flow_id"),
            ("VerifyCrossAccountAccessOperator", "cluster_id"),
        )
    },
}


def judge(check: FieldCheck, field: str, value: Any, valid: Callable[[Any], bool], exact: bool) -> Any:
    """
    Run ``check`` on ``value``: an accepted value must be valid for AWS; with ``exact``, a valid one accepted.

    A refusal must be an :class:`InvalidParameterError` naming ``field``; any other exception fails the test.
    """
    accepted, error = outcome(check, value, field)
    if error is not None:
        assert error.field == field, (field, value, error)
        assert not (exact and valid(value)), f"{field}: refused a value AWS accepts: {value!r} ({error})"
        return None
    assert valid(value), f"{field}: accepted {value!r}"
    return accepted


def outcome(check: Callable[..., Any], *arguments: Any) -> tuple[Any, InvalidParameterError | None]:
    """Return ``(result, None)``, or ``(None, the refusal)``; any other exception propagates (and fails the test)."""
    try:
        return check(*arguments), None
    except InvalidParameterError as error:
        return None, error


@pytest.mark.parametrize("operator_field", sorted(FIELD_CHECKS), ids=lambda key: ".".join(key))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_each_field_accepts_what_aws_does_and_refuses_the_rest_naming_itself(
    operator_field: tuple[str, str], data: st.DataObject
) -> None:
    check, valid, values, exact = FIELD_CHECKS[operator_field]
    value = data.draw(spoiled(values))
    accepted = judge(check, operator_field[1], value, valid, exact)
    if accepted is not None and isinstance(value, str) and check is not validate_bool:
        assert accepted == value  # unchanged: no trimming, case folding or normalising behind the user's back


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(arns=st.lists(spoiled(role_arns()), min_size=1, max_size=3))
def test_accepted_role_arns_appear_unchanged_in_the_trust_assume_and_key_user_statements(arns: list[Any]) -> None:
    field = "trusted_role_arns"
    accepted, error = outcome(require_list, arns, field, validate_role_arn)
    if error is not None:
        # An element of the list, named by its index (the provider may be stricter than AWS, never laxer).
        match = re.fullmatch(rf"{field}\[(\d+)\]", error.field)
        assert match, error
        assert int(match.group(1)) < len(arns), error
        return
    assert all(aws_role_arn(arn) for arn in arns), arns
    assert accepted == arns
    for document in (
        trust_statement(accepted),
        assume_role_policy(accepted)["Statement"][0],
        key_users_statement(accepted),
    ):
        text = repr(document)
        for arn in arns:
            assert repr(arn) in text, (arn, document)


@PROPERTY_SETTINGS
@given(keys=st.one_of(st.none(), st.lists(spoiled(key_arns()), max_size=3), spoiled(key_arns())))
def test_kms_key_arns_accept_keys_only_and_name_the_element(keys: Any) -> None:
    field = "kms_key_arns"
    accepted, error = outcome(validate_kms_key_arns, keys, field)
    if error is not None:
        assert re.fullmatch(rf"{field}(\[\d+\])?", error.field), error
        return
    as_given = [] if keys is None else [keys] if isinstance(keys, str) else list(keys)
    assert accepted == as_given
    assert all(aws_key_arn(key) for key in as_given), as_given


def test_a_wait_too_long_for_sleep_or_timedelta_is_refused_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """``min_age_seconds=1e300`` failed with ``OverflowError`` (``timedelta``); ``settle_seconds`` so after a write."""
    from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator

    # A connection Airflow has: one it has not is refused first, naming aws_conn_id. Nothing calls AWS.
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", '{"conn_type": "aws"}')
    cleanup = DeleteUnusedSecurityConfigsOperator(
        task_id="cleanup", name_prefix="emrfs-xacct-partner", min_age_seconds=1e300
    )
    with pytest.raises(InvalidParameterError) as refusal:
        cleanup.execute({})  # type: ignore[arg-type]
    assert refusal.value.field == "min_age_seconds"
