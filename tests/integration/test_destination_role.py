"""EnsureDestinationRoleOperator against moto: the destination role in account B (article steps 1 and 2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError, QuotaRefusedByAwsError
from devstack.aws_quotas import raise_iam_quota
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    Seeded,
    client,
    connection_uri_json,
    create_principals,
)
from devstack.testing import (
    AFTER_CALL,
    READ_PREFIXES,
    CallRecorder,
    RecordingTaskInstance,
    run_operator,
    use_workers_own_credentials,
)
from tests.integration.partners import AUDITOR_STATEMENT, create_auditor

ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
PREFIX = f"s3://{BUCKET}/exports/partner-a/"
SECOND_PREFIX = f"s3://{BUCKET}/exports/partner-a-archive/"
POLICY_NAME = "emrfs-xacct-destination-access"
EMR_EC2_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
SECOND_EMR_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_PartnerJobs"
#: A well-formed key ARN for tests that expect no AWS call (the seeded key's id is random).
SOME_KEY_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_USER_ACTIONS = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
OBJECT_ACTIONS = {
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
}
#: Trust statements someone else wrote: another account's auditor behind an external id
#: (``AUDITOR_STATEMENT``), and the EMR EC2 role limited to one session name (a conditional grant, so the
#: provider must still add its own).
CONDITIONAL_EMR_STATEMENT = {
    "Sid": "NightlySessionOnly",
    "Effect": "Allow",
    "Principal": {"AWS": EMR_EC2_ROLE_ARN},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:RoleSessionName": "nightly"}},
}
#: An inline policy someone else put on the role.
OTHER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReference", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ref-data/*"}
    ],
}


def make_operator(aws: Seeded | None, **overrides: Any) -> EnsureDestinationRoleOperator:
    arguments: dict[str, Any] = {
        "task_id": "ensure_destination_role",
        "aws_conn_id": DESTINATION_CONN_ID,
        "role_name": ROLE_NAME,
        "trusted_role_arns": [EMR_EC2_ROLE_ARN if aws is None else aws.emr_ec2_role_arn],
        "s3_prefixes": [PREFIX],
        "kms_key_arns": [SOME_KEY_ARN if aws is None else aws.kms_key_arn],
        "settle_seconds": 0,
    }
    arguments.update(overrides)
    return EnsureDestinationRoleOperator(**arguments)


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    matches = [item for item in document["Statement"] if item.get("Sid") == sid]
    assert len(matches) == 1, f"expected one statement {sid!r} in {document}"
    return matches[0]


def trust_policy(iam: Any) -> dict[str, Any]:
    return iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]


def permissions_policy(iam: Any) -> dict[str, Any]:
    return iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=POLICY_NAME)["PolicyDocument"]


def object_arns(prefix_uri: str) -> set[str]:
    key = prefix_uri.removeprefix(f"s3://{BUCKET}/")
    stem = key.rstrip("/")
    # Everything below the prefix, the directory's own key (getFileStatus) and its EMRFS folder marker.
    return {f"arn:aws:s3:::{BUCKET}/{key}*", f"arn:aws:s3:::{BUCKET}/{stem}", f"arn:aws:s3:::{BUCKET}/{stem}_$folder$"}


def create_role_by_hand(iam: Any, statements: list[dict[str, Any]]) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(document), Description="made by hand")
    return document


def test_first_run_creates_what_the_article_asks_and_a_second_run_changes_nothing(aws: Seeded) -> None:
    operator = make_operator(aws)
    result, recorder, ti = run_operator(operator)

    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert result == ROLE_ARN == role["Arn"]
    assert {"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"} in role.get("Tags", [])

    # Trust: exactly the EMR EC2 role may call sts:AssumeRole, unconditionally.
    trust = trust_policy(iam)
    [trusted] = trust["Statement"]
    assert trusted["Effect"] == "Allow"
    assert as_list(trusted["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]
    assert as_list(trusted["Action"]) == ["sts:AssumeRole"]
    assert "Condition" not in trusted

    # Permissions: one provider-owned inline policy, least privilege under the prefix only.
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == [POLICY_NAME]
    policy = permissions_policy(iam)
    assert len(policy["Statement"]) == 4
    objects = statement(policy, "EmrfsXacctObjects")
    assert objects["Effect"] == "Allow"
    assert set(as_list(objects["Action"])) == OBJECT_ACTIONS
    assert set(as_list(objects["Resource"])) == object_arns(PREFIX)
    listing = statement(policy, "EmrfsXacctList")
    # Unconditioned on the bucket: a HEAD of a missing key needs s3:ListBucket to answer 404, and AWS does not
    # document which listing keys it carries.
    assert as_list(listing["Action"]) == ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    assert as_list(listing["Resource"]) == [f"arn:aws:s3:::{BUCKET}"]
    assert "Condition" not in listing
    location = statement(policy, "EmrfsXacctBucketLocation")
    assert as_list(location["Action"]) == ["s3:GetBucketLocation"]
    assert as_list(location["Resource"]) == [f"arn:aws:s3:::{BUCKET}"]
    kms = statement(policy, "EmrfsXacctKmsKeyUse")
    assert set(as_list(kms["Action"])) == KEY_USER_ACTIONS
    assert as_list(kms["Resource"]) == [aws.kms_key_arn]
    all_resources = [arn for item in policy["Statement"] for arn in as_list(item["Resource"])]
    assert "*" not in all_resources
    assert f"arn:aws:s3:::{BUCKET}/*" not in all_resources

    assert recorder.mutating == ["CreateRole", "PutRolePolicy"]
    plan = ti.xcoms["plan"]
    assert [change["action"] for change in plan] == ["create", "create"]
    assert "trust policy" in plan[0]["resource"]
    assert plan[0]["before"] is None
    assert plan[0]["after"] == trust
    assert POLICY_NAME in plan[1]["resource"]
    assert plan[1]["after"] == policy

    # The same run again (a retry, the next DAG run): reads only, empty plan, same ARN.
    second, recorder, ti = run_operator(make_operator(aws))
    assert second == ROLE_ARN
    assert recorder.mutating == []
    assert "GetRole" in recorder.reads
    assert ti.xcoms["plan"] == []
    assert trust_policy(iam) == trust
    assert permissions_policy(iam) == policy


def test_existing_trust_statements_and_inline_policies_are_kept(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    create_auditor(aws)
    create_role_by_hand(iam, [AUDITOR_STATEMENT, CONDITIONAL_EMR_STATEMENT])
    iam.put_role_policy(
        RoleName=ROLE_NAME, PolicyName="partner-reference-read", PolicyDocument=json.dumps(OTHER_POLICY)
    )

    operator = make_operator(aws)
    result, recorder, ti = run_operator(operator)

    assert result == ROLE_ARN
    assert recorder.mutating == ["UpdateAssumeRolePolicy", "PutRolePolicy"]  # no CreateRole, no delete
    trust = trust_policy(iam)
    assert trust["Statement"][:2] == [AUDITOR_STATEMENT, CONDITIONAL_EMR_STATEMENT]  # first, exactly as written
    assert len(trust["Statement"]) == 3
    ours = trust["Statement"][2]
    assert as_list(ours["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]
    assert as_list(ours["Action"]) == ["sts:AssumeRole"]
    assert "Condition" not in ours
    assert sorted(iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"]) == [POLICY_NAME, "partner-reference-read"]
    assert (
        iam.get_role_policy(RoleName=ROLE_NAME, PolicyName="partner-reference-read")["PolicyDocument"] == OTHER_POLICY
    )
    assert iam.get_role(RoleName=ROLE_NAME)["Role"]["Description"] == "made by hand"
    assert [change["action"] for change in ti.xcoms["plan"]] == ["update", "create"]

    # The steady state holds with the foreign statements in place.
    _, again, ti = run_operator(operator)
    assert again.mutating == []
    assert ti.xcoms["plan"] == []


def test_trust_already_granted_unconditionally_is_left_alone(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    granted = {
        "Sid": "HandWrittenEmrTrust",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": "sts:AssumeRole",
    }
    document = create_role_by_hand(iam, [granted])

    _, recorder, ti = run_operator(make_operator(aws))

    assert trust_policy(iam) == document
    assert recorder.mutating == ["PutRolePolicy"]
    assert [POLICY_NAME in change["resource"] for change in ti.xcoms["plan"]] == [True]


def test_a_later_run_adds_its_trusted_role_and_prefix_and_keeps_the_earlier_ones(aws: Seeded) -> None:
    client(aws.url, EMR_ACCOUNT, "iam").create_role(
        RoleName="EMR_EC2_PartnerJobs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    run_operator(make_operator(aws))

    # Another DAG: another EMR EC2 role, another prefix, no key named.
    _, recorder, ti = run_operator(
        make_operator(aws, trusted_role_arns=[SECOND_EMR_ROLE_ARN], s3_prefixes=[SECOND_PREFIX], kms_key_arns=None)
    )

    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = trust_policy(iam)
    assert len(trust["Statement"]) == 1
    assert sorted(as_list(trust["Statement"][0]["Principal"]["AWS"])) == sorted(
        [aws.emr_ec2_role_arn, SECOND_EMR_ROLE_ARN]
    )
    policy = permissions_policy(iam)
    assert set(as_list(statement(policy, "EmrfsXacctObjects")["Resource"])) == object_arns(PREFIX) | object_arns(
        SECOND_PREFIX
    )
    listing = statement(policy, "EmrfsXacctList")
    assert as_list(listing["Resource"]) == [f"arn:aws:s3:::{BUCKET}"]  # one bucket, one statement
    assert "Condition" not in listing
    assert as_list(statement(policy, "EmrfsXacctKmsKeyUse")["Resource"]) == [aws.kms_key_arn]  # kept
    assert recorder.mutating == ["UpdateAssumeRolePolicy", "PutRolePolicy"]
    trust_change, policy_change = ti.xcoms["plan"]
    assert (trust_change["action"], policy_change["action"]) == ("update", "update")
    assert as_list(trust_change["before"]["Statement"][0]["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]


def test_dry_run_changes_nothing_and_returns_the_arn_the_role_will_have(aws: Seeded) -> None:
    arn, recorder, ti = run_operator(make_operator(aws, dry_run=True))

    assert recorder.mutating == []
    assert arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
    result = ti.xcoms["plan"]
    assert [change["action"] for change in result] == ["create", "create"]
    assert as_list(result[0]["after"]["Statement"][0]["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]
    assert {item["Sid"] for item in result[1]["after"]["Statement"]} == {
        "EmrfsXacctObjects",
        "EmrfsXacctList",
        "EmrfsXacctBucketLocation",
        "EmrfsXacctKmsKeyUse",
    }
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=ROLE_NAME)

    # On an existing role a dry run plans only what is missing, and still writes nothing.
    run_operator(make_operator(aws))
    trust_before, policy_before = trust_policy(iam), permissions_policy(iam)
    arn, recorder, ti = run_operator(make_operator(aws, s3_prefixes=[PREFIX, SECOND_PREFIX], dry_run=True))

    assert recorder.mutating == []
    assert arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
    [change] = ti.xcoms["plan"]
    assert change["action"] == "update"
    assert change["before"] == policy_before
    assert set(as_list(statement(change["after"], "EmrfsXacctObjects")["Resource"])) == object_arns(
        PREFIX
    ) | object_arns(SECOND_PREFIX)
    assert trust_policy(iam) == trust_before
    assert permissions_policy(iam) == policy_before


# Malformed arguments, one per row: tests/integration/test_bad_input_table.py.


@pytest.fixture
def defined_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The destination connection, defined (pointing nowhere): the argument checks come after the connection's."""
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{DESTINATION_CONN_ID.upper()}", connection_uri_json("http://127.0.0.1:9", DESTINATION_ACCOUNT)
    )


@pytest.mark.usefixtures("defined_connection")
def test_invalid_input_fails_before_the_hook_is_even_built() -> None:
    operator = make_operator(None, trusted_role_arns=[EMR_EC2_ROLE_ARN, "arn:aws:iam::111111111111:role/"])
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    assert excinfo.value.field == "trusted_role_arns[1]"
    assert "hook" not in vars(operator)  # no session and no client were made, so not even an STS call


def test_a_trust_policy_past_the_quota_in_force_is_refused_naming_the_field_and_goes_through_once_raised(
    aws: Seeded,
) -> None:
    """
    Between IAM's default 2,048 characters and the 4,096 ceiling only IAM knows the quota in force.

    IAM refuses a longer trust policy with ``LimitExceeded`` and changes nothing ("IAM and AWS STS
    quotas"; CreateRole, UpdateAssumeRolePolicy); the stand-in plays that (``devstack/aws_quotas.py``).
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    many = [f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-{index:03d}" for index in range(40)]
    create_principals(aws.url, *many)  # IAM refuses a trust policy naming a role that does not exist

    with pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(make_operator(aws, trusted_role_arns=many))  # a new role: CreateRole
    assert refused.value.field == "trusted_role_arns"
    assert "ACLSizePerRole: 2048" in str(refused.value)
    assert "Role trust policy length" in str(refused.value)
    assert ROLE_NAME not in [role["RoleName"] for role in iam.list_roles()["Roles"]]

    run_operator(make_operator(aws))  # the role exists, trusting one role
    before = trust_policy(iam)
    with pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(make_operator(aws, trusted_role_arns=many))  # UpdateAssumeRolePolicy
    assert refused.value.field == "trusted_role_arns"
    assert trust_policy(iam) == before

    raise_iam_quota(DESTINATION_ACCOUNT, "AssumeRolePolicySizeQuota", 4096)
    run_operator(make_operator(aws, trusted_role_arns=many))
    assert set(many) <= set(as_list(statement(trust_policy(iam), TRUST_SID)["Principal"]["AWS"]))


def test_a_prefix_in_a_bucket_sorting_first_is_added_and_a_rerun_changes_nothing(aws: Seeded) -> None:
    """Earlier the ListBucket statements were numbered by sorted bucket: this run was a ConflictError forever."""
    run_operator(make_operator(aws))
    first = f"aaa-{BUCKET}"[:63]
    assert first < BUCKET
    prefixes = [PREFIX, f"s3://{first}/exports/partner-a/"]

    _, recorder, _ = run_operator(make_operator(aws, s3_prefixes=prefixes))

    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = permissions_policy(iam)
    assert as_list(statement(policy, "EmrfsXacctList")["Resource"]) == [
        f"arn:aws:s3:::{first}",
        f"arn:aws:s3:::{BUCKET}",
    ]
    assert recorder.mutating == ["PutRolePolicy"]
    _, again, ti = run_operator(make_operator(aws, s3_prefixes=prefixes))
    assert again.mutating == []
    assert ti.xcoms["plan"] == []
    assert permissions_policy(iam) == policy


def test_a_policy_in_the_numbered_form_of_earlier_versions_converges(aws: Seeded) -> None:
    """``EmrfsXacctList1``, ``2`` … (one per bucket) are the provider's own: replaced by one statement, no conflict."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    other, first = f"zzz-{BUCKET}"[:63], f"aaa-{BUCKET}"[:63]
    legacy = permissions_policy(iam)
    legacy["Statement"] = [item for item in legacy["Statement"] if not item["Sid"].startswith("EmrfsXacctList")]
    legacy["Statement"][1:1] = [
        {
            "Sid": f"EmrfsXacctList{index}",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": f"arn:aws:s3:::{bucket}",
        }
        for index, bucket in enumerate([BUCKET, other], start=1)
    ]
    legacy["Statement"].append(OTHER_POLICY["Statement"][0])  # someone else's statement in the same policy
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(legacy))
    prefixes = [PREFIX, f"s3://{other}/in/", f"s3://{first}/in/"]

    _, recorder, _ = run_operator(make_operator(aws, s3_prefixes=prefixes))

    policy = permissions_policy(iam)
    assert not [item["Sid"] for item in policy["Statement"] if item["Sid"][len("EmrfsXacctList") :].isdigit()]
    assert as_list(statement(policy, "EmrfsXacctList")["Resource"]) == [
        f"arn:aws:s3:::{first}",
        f"arn:aws:s3:::{BUCKET}",
        f"arn:aws:s3:::{other}",
    ]
    assert statement(policy, "ReadReference") == OTHER_POLICY["Statement"][0]
    assert recorder.mutating == ["PutRolePolicy"]
    _, again, _ = run_operator(make_operator(aws, s3_prefixes=prefixes))
    assert again.mutating == []


@pytest.mark.parametrize(
    ("key", "added"),
    [("Resource", "arn:aws:s3:::partner-archive"), ("Action", "s3:GetObject")],
    ids=["another-bucket", "another-action"],
)
def test_an_earlier_version_s_numbered_statement_holding_what_someone_added_is_refused_not_dropped(
    aws: Seeded, key: str, added: str
) -> None:
    """
    An ``EmrfsXacctList<n>`` statement of an earlier version goes when the run writes the one ``EmrfsXacctList``
    statement; someone had added a bucket (or an action) to it, and that access went with it silently. Refused
    before any write, as an addition to a statement the provider writes now is (docs/safety.md).
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    legacy = permissions_policy(iam)
    legacy["Statement"] = [item for item in legacy["Statement"] if item["Sid"] != "EmrfsXacctList"]
    numbered = {"Sid": "EmrfsXacctList1", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": []}
    numbered["Resource"] = [f"arn:aws:s3:::{BUCKET}"]
    numbered[key] = [*numbered[key], added]
    legacy["Statement"].append(numbered)
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(legacy))
    trust = trust_policy(iam)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError, match=rf"EmrfsXacctList1.*'{added}'"):
        run_operator(make_operator(aws))

    assert recorder.mutating == []
    assert permissions_policy(iam) == legacy
    assert trust_policy(iam) == trust


def test_the_roles_inline_policies_together_past_the_quota_are_refused_before_any_write(aws: Seeded) -> None:
    """
    IAM counts all inline policies of a role together against 10,240 characters ("IAM and AWS STS
    quotas", role policy size) and refuses a PutRolePolicy past it (the stand-in plays that,
    devstack/aws_quotas.py). Earlier, the trust policy was written first and then PutRolePolicy was
    refused: the role trusted the EMR role and granted nothing.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    create_auditor(aws)
    create_role_by_hand(iam, [AUDITOR_STATEMENT])
    # Another team's inline policy takes 9,500 of the role's 10,240 characters.
    extra = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
    }
    extra["Statement"][0]["Sid"] = "P" * (9500 - len(json.dumps(extra, separators=(",", ":"))))
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-extra", PolicyDocument=json.dumps(extra))
    before = trust_policy(iam)
    operator = make_operator(aws)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == "s3_prefixes"
    assert "other inline policies (9500)" in str(refused.value)
    assert "Role policy size (all inline policies of a role together)" in str(refused.value)
    assert recorder.mutating == []
    assert trust_policy(iam) == before
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == ["team-extra"]


def test_a_service_principal_someone_added_to_the_providers_trust_statement_is_refused(aws: Seeded) -> None:
    """
    Each principal of a trust statement may assume the role (IAM User Guide, "AWS JSON policy elements:
    Principal"): ``ec2.amazonaws.com`` there lets any EC2 instance profile of the account use the partner
    role. Earlier it was written back on every update as if it restricted the statement.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    trust = trust_policy(iam)
    statement(trust, TRUST_SID)["Principal"]["Service"] = "ec2.amazonaws.com"
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(trust))
    operator = make_operator(aws, trusted_role_arns=[SECOND_EMR_ROLE_ARN])
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert f"statement {TRUST_SID!r} holds the Service principal 'ec2.amazonaws.com'" in str(refused.value)
    # Which document of which role: the statement alone does not say.
    assert str(refused.value).startswith(f"iam role {ROLE_NAME} trust policy: statement {TRUST_SID!r}")
    assert recorder.mutating == []
    assert trust_policy(iam) == trust


# object_acl: s3:PutObjectAcl for uploads carrying a canned ACL (emrfs-site fs.s3.canned.acl) -----------


@pytest.mark.usefixtures("defined_connection")
@pytest.mark.parametrize("value", ["yes", 1, None, ""], ids=["yes", "one", "none", "empty"])
def test_object_acl_must_be_a_flag_and_is_refused_before_any_aws_call(value: Any) -> None:
    operator = make_operator(None, object_acl=value)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    assert excinfo.value.field == "object_acl"
    assert "hook" not in vars(operator)  # no client was made, so no AWS call at all


def test_object_acl_adds_put_object_acl_on_the_prefix_and_a_run_without_it_keeps_it(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    S3 API Reference, PutObject, "Permissions": a PutObject carrying an ACL also needs s3:PutObjectAcl. Once granted
    it is kept, as prefixes are: another pipeline sharing the role may launch clusters with a canned ACL, whose
    uploads a run without it would make fail; that run warns instead.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    iam.put_role_policy(  # a statement the provider did not write, in its own policy: it must stay
        RoleName=ROLE_NAME,
        PolicyName=POLICY_NAME,
        PolicyDocument=json.dumps(
            {
                **permissions_policy(iam),
                "Statement": [
                    *permissions_policy(iam)["Statement"],
                    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
                ],
            }
        ),
    )

    run_operator(make_operator(aws, object_acl="true"))  # the rendered text of a template

    granted = statement(permissions_policy(iam), "EmrfsXacctObjectAcl")
    assert as_list(granted["Action"]) == ["s3:PutObjectAcl"]
    assert set(as_list(granted["Resource"])) == object_arns(PREFIX)
    _, recorder, _ = run_operator(make_operator(aws, object_acl=True))
    assert "PutRolePolicy" not in recorder.calls  # a second run with it changes nothing

    capfd.readouterr()
    _, recorder, _ = run_operator(make_operator(aws))  # object_acl=False: kept, with a warning; the rest stays

    assert "PutRolePolicy" not in recorder.calls
    sids = [item.get("Sid") for item in permissions_policy(iam)["Statement"]]
    assert "EmrfsXacctObjectAcl" in sids
    assert "NoDeletes" in sids
    assert "EmrfsXacctObjects" in sids
    assert "s3:PutObjectAcl on the prefixes' objects (object_acl=True of an earlier run)" in (
        capfd.readouterr().out + caplog.text
    )


def repeated_reads(recorder: CallRecorder) -> list[tuple[str, str]]:
    """The reads sent again, same operation and parameters, with no write between (STS aside)."""
    seen: set[str] = set()
    repeated = []
    for (service, operation), params in zip(recorder.every, recorder.params, strict=True):
        if service == "sts":
            continue
        if not operation.startswith(READ_PREFIXES):
            seen.clear()
            continue
        key = json.dumps([service, operation, params], sort_keys=True, default=str)
        if key in seen:
            repeated.append((operation, json.dumps(params, sort_keys=True, default=str)))
        seen.add(key)
    return repeated


def big_inline_policy(size: int) -> dict[str, Any]:
    """Another team's inline policy of ``size`` characters (as IAM counts them: no whitespace)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
    }
    document["Statement"][0]["Sid"] = "P" * (size - len(json.dumps(document, separators=(",", ":"))))
    return document


def test_the_plans_read_of_the_other_inline_policies_is_reused_while_in_time_and_read_again_after_a_write(
    aws: Seeded,
) -> None:
    """
    A run that changes only the permissions policy reads ListRolePolicies (and the other inline
    policies) once: the plan's read, reused by the apply as a Prefetched document is. When the trust
    policy is written first (and settled), the apply reads them again, so a policy another writer added
    meanwhile still stops the write before IAM would refuse it.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-small", PolicyDocument=json.dumps(OTHER_POLICY))

    # The plan's read is reused while a write on it may still be sent: half the settle wait. From that
    # read to the write took 0.02-0.07 s idle and up to 0.16 s with both cores loaded; a 2 s wait leaves
    # 1 s (with 1 s, 0.5 s: three times the loaded figure, and a busier machine read it again).
    _, recorder, ti = run_operator(make_operator(aws, s3_prefixes=[PREFIX, SECOND_PREFIX], settle_seconds=2))

    assert [change["action"] for change in ti.xcoms["plan"]] == ["update"]  # the permissions policy only
    assert recorder.mutating == ["PutRolePolicy"]
    assert recorder.calls.count("ListRolePolicies") == 1
    assert recorder.params_of("GetRolePolicy").count({"RoleName": ROLE_NAME, "PolicyName": "team-small"}) == 1
    assert repeated_reads(recorder) == []

    # Trust and permissions change; another writer adds a big inline policy right after the plan's read.
    client(aws.url, EMR_ACCOUNT, "iam").create_role(
        RoleName="EMR_EC2_PartnerJobs", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )
    third_prefix = f"s3://{BUCKET}/exports/partner-a-third/"
    added: list[str] = []

    def another_writer(service: str, operation: str, _answer: Any) -> None:
        if service == "iam" and operation == "ListRolePolicies" and not added:
            added.append("team-big")
            document = json.dumps(big_inline_policy(9000))
            iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-big", PolicyDocument=document)

    operator = make_operator(aws, trusted_role_arns=[SECOND_EMR_ROLE_ARN], s3_prefixes=[third_prefix], settle_seconds=1)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    AFTER_CALL.append(another_writer)
    try:
        with CallRecorder().everything() as recorder, pytest.raises(QuotaExceededError) as refused:
            operator.execute({"ti": ti, "task_instance": ti})
    finally:
        AFTER_CALL.remove(another_writer)

    assert added == ["team-big"]
    assert refused.value.field == "s3_prefixes"
    # The trust (planned before team-big came) was written; the permissions policy was not sent.
    assert recorder.mutating == ["PutRolePolicy", "UpdateAssumeRolePolicy"]
    assert [params["PolicyName"] for params in recorder.params_of("PutRolePolicy")] == [
        "team-big"
    ]  # the other writer's
    assert recorder.calls.count("ListRolePolicies") == 2  # the plan's, and the apply's after the trust write


def test_a_foreign_trust_statement_naming_a_deleted_role_is_refused_before_any_write(aws: Seeded) -> None:
    """
    IAM refuses to save a trust policy that still names a deleted role's unique ID ("Invalid principal in
    policy", AWS Knowledge Center, iam-trust-policy-error): the provider names the statement at once,
    instead of waiting that refusal out as IAM's lag.
    """
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    nobody = EC2_ONLY_TRUST
    gone = iam_a.create_role(RoleName="EMR_EC2_Retired", AssumeRolePolicyDocument=nobody)["Role"]
    iam_a.create_role(RoleName="EMR_EC2_PartnerJobs", AssumeRolePolicyDocument=nobody)
    run_operator(make_operator(aws))
    trust = iam_b.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    retired = {"Sid": "Retired", "Effect": "Allow", "Principal": {"AWS": gone["Arn"]}, "Action": "sts:AssumeRole"}
    iam_b.update_assume_role_policy(
        RoleName=ROLE_NAME, PolicyDocument=json.dumps({**trust, "Statement": [*trust["Statement"], retired]})
    )
    iam_a.delete_role(RoleName="EMR_EC2_Retired")
    before = iam_b.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]

    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(ConflictError, match=rf"statement 'Retired' names '{gone['RoleId']}'.*Invalid principal"),
    ):
        run_operator(make_operator(aws, trusted_role_arns=[aws.emr_ec2_role_arn, SECOND_EMR_ROLE_ARN]))

    assert calls.mutating == []
    assert iam_b.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"] == before


def test_a_trusted_role_named_in_another_spelling_is_held_already(aws: Seeded) -> None:
    """
    IAM names are not distinguished by case (IAM API Reference, "CreateRole"), and a trust policy shows a
    role principal as the role's own ARN (IAM User Guide, "AWS JSON policy elements: Principal"; the
    stand-in plays it, devstack/aws_principals.py). A run naming ``emr_ec2_defaultrole`` finds
    ``EMR_EC2_DefaultRole`` trusted and writes nothing; adding it would never read back as written.
    """
    run_operator(make_operator(aws))
    head, name = aws.emr_ec2_role_arn.rsplit("/", 1)

    _, recorder, _ = run_operator(make_operator(aws, trusted_role_arns=[f"{head}/{name.lower()}"]))

    assert recorder.mutating == []
    [trusted] = trust_policy(client(aws.url, DESTINATION_ACCOUNT, "iam"))["Statement"]
    assert as_list(trusted["Principal"]["AWS"]) == [aws.emr_ec2_role_arn]


def test_a_service_principal_beside_only_deleted_roles_in_the_providers_trust_statement_is_not_dropped(
    aws: Seeded,
) -> None:
    """
    The provider's trust statement holds only a deleted role (shown as its unique ID, IAM User Guide, "AWS JSON
    policy elements: Principal") and a service someone added; another statement already trusts the EMR EC2 role
    unconditionally. The grant has nothing to add and used to drop its statement whole, and with it the service's
    trust (principals of one statement are alternatives: IAM User Guide, "AWS JSON policy elements: Principal").
    It is refused instead, as the revoke refuses it (``trust_without_role``), with nothing written.
    """
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    gone = iam_a.create_role(RoleName="EMR_EC2_Retired", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    run_operator(make_operator(aws, trusted_role_arns=[gone["Arn"]]))
    trust = trust_policy(iam_b)
    statement(trust, TRUST_SID)["Principal"]["Service"] = "ec2.amazonaws.com"
    by_hand = {
        "Sid": "ByHand",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": "sts:AssumeRole",
    }
    trust["Statement"].append(by_hand)
    iam_b.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(trust))
    iam_a.delete_role(RoleName="EMR_EC2_Retired")
    before = trust_policy(iam_b)
    assert as_list(statement(before, TRUST_SID)["Principal"]["AWS"]) == [gone["RoleId"]]  # shown as its ID

    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(
            ConflictError, match=rf"statement '{TRUST_SID}' also trusts Service principal 'ec2\.amazonaws\.com'"
        ),
    ):
        run_operator(make_operator(aws))

    assert calls.mutating == []
    assert trust_policy(iam_b) == before


def test_a_resource_someone_added_to_the_object_acl_statement_is_not_dropped_by_a_run_without_object_acl(
    aws: Seeded,
) -> None:
    """
    Someone put another bucket's objects into the provider's ``s3:PutObjectAcl`` statement: a run *with*
    ``object_acl`` refuses to write that back (``owned_statement``), and the run without it, which once dropped the
    statement and that grant with it, silently, and now keeps the statement once granted, refuses the same way.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws, object_acl=True))
    policy = permissions_policy(iam)
    statement(policy, "EmrfsXacctObjectAcl")["Resource"] = [
        *as_list(statement(policy, "EmrfsXacctObjectAcl")["Resource"]),
        "arn:aws:s3:::reference-data/*",
    ]
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
    before = permissions_policy(iam)

    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(
            ConflictError, match=r"'EmrfsXacctObjectAcl' holds the wildcard resource 'arn:aws:s3:::reference-data/\*'"
        ),
    ):
        run_operator(make_operator(aws))

    assert calls.mutating == []
    assert permissions_policy(iam) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trusted_account_id": EMR_ACCOUNT}, f"but trusted_account_id ({EMR_ACCOUNT}) acts in account {EMR_ACCOUNT}"),
        ({"trusted_aws_conn_id": EMR_CONN_ID}, f"but connection {EMR_CONN_ID!r} (trusted_aws_conn_id) acts in account"),
        ({"trusted_account_id": "12345"}, "trusted_account_id: "),
        (
            {"trusted_aws_conn_id": "no_such_connection"},
            "trusted_aws_conn_id: names the connection 'no_such_connection'",
        ),
    ],
    ids=["pinned", "by-connection", "bad-pin", "unknown-connection"],
)
def test_a_trusted_role_outside_the_emr_account_is_refused_before_any_write(
    aws: Seeded, overrides: dict[str, Any], message: str
) -> None:
    # Trusted as given: a role of another account than the EMR one's was written into the trust (partner_access's
    # task runs first; the assume grant after it refused that ARN only then).
    foreign = "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole"
    operator = make_operator(aws, trusted_role_arns=[foreign], **overrides)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert message in str(refused.value)
    assert calls.mutating == []
    with pytest.raises(ClientError):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_a_trusted_role_of_the_emr_account_passes_the_check(aws: Seeded) -> None:
    run_operator(make_operator(aws, trusted_aws_conn_id=EMR_CONN_ID, trusted_account_id=EMR_ACCOUNT))

    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)["Role"]
    assert aws.emr_ec2_role_arn in json.dumps(role["AssumeRolePolicyDocument"])


def test_with_the_emr_side_on_the_default_chain_a_trusted_role_of_another_account_is_refused_before_any_write(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # partner_access(emr_aws_conn_id=None) and no emr_account_id: the EMR side acts with boto3's default chain (the
    # worker's own credentials), and nothing checked the trusted role's account before the trust was written (the
    # assume grant, on that chain, refused the ARN only afterwards). The worker's chain acts in moto's default account.
    use_workers_own_credentials(aws.url, monkeypatch)
    operator = make_operator(aws, trusted_default_chain=True)  # aws.emr_ec2_role_arn: the EMR account's

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "trusted_role_arns[0]"
    assert "default credential chain" in str(refused.value)
    assert calls.mutating == []
    with pytest.raises(ClientError):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)
    # A role of the account that chain acts in passes the check (a dry run: that account holds no such role).
    worker_role = "arn:aws:iam::123456789012:role/EMR_EC2_DefaultRole"
    result, calls, _ = run_operator(
        make_operator(aws, trusted_role_arns=[worker_role], trusted_default_chain=True, dry_run=True)
    )
    assert result == ROLE_ARN
    assert calls.mutating == []


def test_a_trusted_account_id_that_renders_to_none_is_refused_before_any_write(aws: Seeded) -> None:
    # trusted_account_id given (a template, an upstream task's output) and resolved to None, with neither
    # trusted_aws_conn_id nor trusted_default_chain: the role of another account was trusted unchecked (failed before
    # the fix: the trust written). A pin asked for and not there is refused, naming the field.
    from airflow.sdk import DAG

    foreign = "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole"
    with DAG(dag_id="pin", schedule=None, params={"emr_account": None}, render_template_as_native_obj=True) as dag:
        operator = make_operator(aws, trusted_role_arns=[foreign], trusted_account_id="{{ params.emr_account }}")
    operator.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    assert operator.trusted_account_id is None

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "trusted_account_id"
    assert "None" in refused.value.problem
    assert calls.mutating == []
    with pytest.raises(ClientError):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_a_trusted_account_id_a_mapped_task_is_given_as_none_is_refused_before_any_write(aws: Seeded) -> None:
    # .partial(...).expand(trusted_account_id=<an upstream task's list>): Airflow resolves the mapped value before it
    # builds the task's instance (MappedOperator.unmap); the instance saw a plain None, read as "not pinned", and
    # trusted the role of another account unchecked (failed before: the trust written).
    from airflow.sdk import DAG

    foreign = "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole"
    with DAG(dag_id="mapped_pin", schedule=None):
        mapped = EnsureDestinationRoleOperator.partial(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=ROLE_NAME,
            trusted_role_arns=[foreign],
            s3_prefixes=[PREFIX],
            settle_seconds=0,
        ).expand(trusted_account_id=[None])
    operator = mapped.unmap({"trusted_account_id": None})

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "trusted_account_id"
    assert "resolved to None" in refused.value.problem
    assert calls.mutating == []
    with pytest.raises(ClientError):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_a_trusted_connection_that_renders_to_none_checks_the_roles_against_the_default_chain(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # trusted_aws_conn_id given as a template that renders to None (a native render of an unset param or Variable):
    # the roles were trusted unchecked (failed before: the trust of another account's role written). The Amazon
    # provider reads a connection id of None as boto3's default credential chain ("If this is None or empty then the
    # default boto3 behaviour is used", AwsGenericHook), as the EMR side's tasks given the same template then act:
    # the roles are checked against the account that chain acts in (here moto's default, 123456789012).
    from airflow.sdk import DAG

    use_workers_own_credentials(aws.url, monkeypatch)
    with DAG(dag_id="conn", schedule=None, params={"conn": None}, render_template_as_native_obj=True) as dag:
        operator = make_operator(aws, trusted_aws_conn_id="{{ params.conn }}")  # aws.emr_ec2_role_arn: another account
    operator.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    assert operator.trusted_aws_conn_id is None

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "trusted_role_arns[0]"
    assert "trusted_aws_conn_id resolved to None" in str(refused.value)
    assert calls.mutating == []
    with pytest.raises(ClientError):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_a_role_the_provider_did_not_create_is_warned_about_and_its_own_is_not(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Whoever a trust lets assume a role gets every permission of its policies (IAM User Guide, "Cross-account policy
    evaluation logic"): a role without the provider's tag (someone's, or a typo in role_name) gets a warning; the
    provider's own role, tagged when created and shown by GetRole with its tags, gets none.
    """
    run_operator(make_operator(aws))
    run_operator(make_operator(aws))
    assert "without the emrfs-xacct:managed-by tag" not in capfd.readouterr().out + caplog.text

    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.untag_role(RoleName=ROLE_NAME, TagKeys=["emrfs-xacct:managed-by"])
    run_operator(make_operator(aws))
    logged = capfd.readouterr().out + caplog.text
    assert f"Role {ROLE_ARN} exists without the emrfs-xacct:managed-by tag" in logged
    assert aws.emr_ec2_role_arn in logged
