"""Option (a): GrantBucketAccessOperator and RevokeBucketAccessOperator against the destination bucket in moto."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import principal_sids
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.documents import OBJECT_ACTIONS, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import (
    CallRecorder,
    RecordingTaskInstance,
    captured_logs,
    moto_authorization_switch,
    provisioner_roles,
    run_operator,
)
from tests.conftest import use_connections

OTHER_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-batch"
DENY_INSECURE = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::partner-results-b", "arn:aws:s3:::partner-results-b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ANALYTICS_READ = {
    "Sid": "AnalyticsRead",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::partner-results-b/reports/*",
}
ENFORCED_OWNER = "bucket owner (ACLs are disabled)"
WRITER_OWNER = (
    "the writing account (the EMR account), not the bucket owner, which the bucket-owner-full-control ACL gives full "
    "control of them"
)


@pytest.fixture
def s3(aws: Seeded) -> Any:
    """The destination account's S3 client; the bucket starts with a policy the provider did not write."""
    # S3 refuses a bucket policy naming a principal that does not exist (Knowledge Center, s3-invalid-principal-in-policy-error).
    create_principals(aws.url, ANALYTICS_READ["Principal"]["AWS"], OTHER_EMR_ROLE)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_policy(
        Bucket=aws.bucket,
        Policy=json.dumps(
            {"Version": "2012-10-17", "Id": "partner-policy", "Statement": [DENY_INSECURE, ANALYTICS_READ]}
        ),
    )
    return s3


@pytest.fixture
def connections(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """Only the connections, nothing reset or seeded: for arguments refused before any AWS call."""
    use_connections(monkeypatch, moto_stack.url)
    return Seeded(
        url=moto_stack.url,
        emr_ec2_role_arn=f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}",
        bucket="partner-results-b",
        kms_key_arn="",
        key_policy={},
    )


def refused(operator: Any) -> tuple[InvalidParameterError, CallRecorder]:
    """Run the operator, expecting it to refuse its arguments; return the error and the calls it made."""
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(InvalidParameterError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})
    return caught.value, recorder


def grant(aws: Seeded, principals: list[str] | None = None, **kwargs: Any) -> GrantBucketAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "grant_bucket_access",
        "aws_conn_id": DESTINATION_CONN_ID,
        "s3_prefixes": [f"s3://{aws.bucket}/exports/"],
        "principal_arns": principals or [aws.emr_ec2_role_arn],
        "settle_seconds": 0,
    }
    arguments.update(kwargs)
    return GrantBucketAccessOperator(**arguments)


def revoke(aws: Seeded, principals: list[str], **kwargs: Any) -> RevokeBucketAccessOperator:
    return RevokeBucketAccessOperator(
        task_id="revoke_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket=aws.bucket,
        principal_arns=principals,
        settle_seconds=0,
        **kwargs,
    )


def policy_of(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def by_sid(policy: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid"): statement for statement in (policy or {}).get("Statement", [])}


def set_ownership(s3: Any, bucket: str, ownership: str | None) -> None:
    if ownership is None:
        s3.delete_bucket_ownership_controls(Bucket=bucket)
    else:
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})


def ownership_of(s3: Any, bucket: str) -> str | None:
    try:
        return s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "OwnershipControlsNotFoundError":
            return None
        raise


def test_grant_adds_two_statements_for_the_principal_and_keeps_every_other(aws: Seeded, s3: Any) -> None:
    result, recorder, ti = run_operator(grant(aws))

    assert result == {
        "bucket": aws.bucket,
        "object_ownership": "BucketOwnerEnforced",
        "objects_owned_by": ENFORCED_OWNER,
        "emrfs_site_properties": {},
        "kms_key_arn": aws.kms_key_arn,
    }
    assert recorder.mutating == ["PutBucketPolicy"]
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    assert policy["Id"] == "partner-policy"
    assert policy["Statement"][:2] == [DENY_INSECURE, ANALYTICS_READ]
    objects_sid, list_sid = principal_sids(aws.emr_ec2_role_arn)
    assert [statement["Sid"] for statement in policy["Statement"][2:]] == [objects_sid, list_sid]
    objects, listing = policy["Statement"][2:]
    assert objects == {
        "Sid": objects_sid,
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": list(OBJECT_ACTIONS),
        "Resource": [
            f"arn:aws:s3:::{aws.bucket}/exports/*",
            f"arn:aws:s3:::{aws.bucket}/exports",
            f"arn:aws:s3:::{aws.bucket}/exports_$folder$",
        ],
    }
    # Unconditioned: a HEAD of a missing key is a 404 only with s3:ListBucket, and AWS does not document which
    # listing keys it carries.
    assert listing == {
        "Sid": list_sid,
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"],
        "Resource": f"arn:aws:s3:::{aws.bucket}",
    }
    (change,) = ti.xcoms["plan"]
    assert change["action"] == "update"


def test_a_list_statement_of_an_earlier_version_gains_get_bucket_location_and_nothing_else_changes(
    aws: Seeded, s3: Any
) -> None:
    """Earlier versions granted the bucket actions without s3:GetBucketLocation, which the EMR role's own policy grants."""
    run_operator(grant(aws))
    objects_sid, list_sid = principal_sids(aws.emr_ec2_role_arn)
    earlier = policy_of(s3, aws.bucket)
    assert earlier is not None
    by_sid(earlier)[list_sid]["Action"] = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(earlier))

    _, recorder, _ = run_operator(grant(aws))

    assert recorder.mutating == ["PutBucketPolicy"]
    after = by_sid(policy_of(s3, aws.bucket))
    assert after[list_sid]["Action"] == ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]
    assert {sid: statement for sid, statement in after.items() if sid != list_sid} == {
        sid: statement for sid, statement in by_sid(earlier).items() if sid != list_sid
    }
    assert objects_sid in after


def test_second_run_makes_no_mutating_call(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))
    before = policy_of(s3, aws.bucket)

    result, recorder, ti = run_operator(grant(aws))

    assert recorder.mutating == []
    assert ti.xcoms["plan"] == []
    assert policy_of(s3, aws.bucket) == before
    assert result["object_ownership"] == "BucketOwnerEnforced"


def test_a_second_principal_gets_its_own_statements(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))
    first = by_sid(policy_of(s3, aws.bucket))

    _, recorder, _ = run_operator(grant(aws, [OTHER_EMR_ROLE], s3_prefixes=[f"s3://{aws.bucket}/batch/"]))

    assert recorder.mutating == ["PutBucketPolicy"]
    statements = by_sid(policy_of(s3, aws.bucket))
    assert len(statements) == 6
    for sid, statement in first.items():
        assert statements[sid] == statement  # the first principal's statements, the Deny and the other Allow
    objects_sid, list_sid = principal_sids(OTHER_EMR_ROLE)
    assert statements[objects_sid]["Principal"] == {"AWS": OTHER_EMR_ROLE}
    assert statements[objects_sid]["Resource"][0] == f"arn:aws:s3:::{aws.bucket}/batch/*"
    assert statements[list_sid]["Principal"] == {"AWS": OTHER_EMR_ROLE}
    assert statements[list_sid]["Resource"] == f"arn:aws:s3:::{aws.bucket}"


def test_a_new_prefix_for_a_principal_adds_to_what_it_had(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))

    run_operator(grant(aws, s3_prefixes=[f"s3://{aws.bucket}/archive/"]))

    objects_sid, list_sid = principal_sids(aws.emr_ec2_role_arn)
    statements = by_sid(policy_of(s3, aws.bucket))
    assert len(statements) == 4
    assert f"arn:aws:s3:::{aws.bucket}/exports/*" in statements[objects_sid]["Resource"]
    assert f"arn:aws:s3:::{aws.bucket}/archive/*" in statements[objects_sid]["Resource"]
    assert statements[list_sid]["Resource"] == f"arn:aws:s3:::{aws.bucket}"
    assert "Condition" not in statements[list_sid]


def test_revoke_removes_only_that_principals_statements(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))
    run_operator(grant(aws, [OTHER_EMR_ROLE]))
    other = [by_sid(policy_of(s3, aws.bucket))[sid] for sid in principal_sids(OTHER_EMR_ROLE)]

    _, recorder, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn]))

    assert recorder.mutating == ["PutBucketPolicy"]
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    assert policy["Statement"] == [DENY_INSECURE, ANALYTICS_READ, *other]
    assert policy["Id"] == "partner-policy"

    _, again, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn]))
    assert again.mutating == []


def test_revoke_of_the_last_principal_keeps_the_deny(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))

    run_operator(revoke(aws, [aws.emr_ec2_role_arn]))

    assert policy_of(s3, aws.bucket) == {
        "Version": "2012-10-17",
        "Id": "partner-policy",
        "Statement": [DENY_INSECURE, ANALYTICS_READ],
    }


def test_revoke_deletes_a_policy_left_empty(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    assert policy_of(s3, aws.bucket) is None  # the seeded bucket has no policy
    run_operator(grant(aws))
    assert len(by_sid(policy_of(s3, aws.bucket))) == 2

    plan, recorder, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn]))

    assert recorder.mutating == ["DeleteBucketPolicy"]
    assert policy_of(s3, aws.bucket) is None
    assert [change["action"] for change in plan] == ["delete"]


def delete_role(aws: Seeded, arn: str) -> str:
    """Delete a role of the EMR account; the stand-in shows it in every bucket policy as its unique ID, as AWS does."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    name = arn.rsplit("/", 1)[-1]
    role_id = iam.get_role(RoleName=name)["Role"]["RoleId"]
    iam.delete_role(RoleName=name)
    return role_id


def test_a_deleted_role_in_a_statement_not_ours_is_named_before_any_write(aws: Seeded, s3: Any) -> None:
    """
    Someone's statement names a role deleted since, which the policy shows as its unique ID: S3 refuses every bucket
    policy that still names it ("Invalid principal in policy", AWS Knowledge Center,
    s3-invalid-principal-in-policy-error) without saying which. The grant waited it out as a principal of its own not
    visible yet, then blamed principal_arns; it is now refused before the write, naming the statement and the ID.
    """
    theirs = {**ANALYTICS_READ, "Sid": "BatchRead", "Principal": {"AWS": OTHER_EMR_ROLE}}
    s3.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE, theirs]})
    )
    role_id = delete_role(aws, OTHER_EMR_ROLE)
    before = policy_of(s3, aws.bucket)
    assert by_sid(before)["BatchRead"]["Principal"] == {"AWS": role_id}

    started = time.monotonic()
    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(grant(aws))

    assert f"statement 'BatchRead' names '{role_id}'" in str(refused.value)
    assert "by hand" in str(refused.value)
    assert calls.mutating == []
    assert time.monotonic() - started < 10  # not waited out as a principal not visible yet
    assert policy_of(s3, aws.bucket) == before


def test_the_provider_s_statements_of_a_deleted_role_go_with_a_grant_of_another_role(aws: Seeded, s3: Any) -> None:
    """
    The provider's own statements for a role deleted since hold only its unique ID, which grants nobody anything and
    which S3 refuses to keep (AWS Knowledge Center, s3-invalid-principal-in-policy-error). A grant of another role
    drops them as a revoke does, logged; before, it was refused before the write, saying to revoke first.
    """
    run_operator(grant(aws, [OTHER_EMR_ROLE]))
    role_id = delete_role(aws, OTHER_EMR_ROLE)

    with captured_logs() as logs:
        _, recorder, _ = run_operator(grant(aws))

    assert recorder.mutating == ["PutBucketPolicy"]
    after = policy_of(s3, aws.bucket)
    assert set(by_sid(after)) == {DENY_INSECURE["Sid"], ANALYTICS_READ["Sid"], *principal_sids(aws.emr_ec2_role_arn)}
    assert unique_ids_in(after) == []
    [logged] = [entry for entry in logs if CLEARED in str(entry)]
    assert role_id in str(logged)
    assert all(sid in str(logged) for sid in principal_sids(OTHER_EMR_ROLE))


def test_bucket_owner_preferred_returns_the_canned_acl_setting(aws: Seeded, s3: Any) -> None:
    set_ownership(s3, aws.bucket, "BucketOwnerPreferred")

    result, recorder, _ = run_operator(grant(aws))

    assert result["object_ownership"] == "BucketOwnerPreferred"
    assert "bucket-owner-full-control" in result["objects_owned_by"]
    assert result["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    assert "PutBucketOwnershipControls" not in recorder.mutating
    assert ownership_of(s3, aws.bucket) == "BucketOwnerPreferred"


def test_a_grant_refused_before_its_write_leaves_the_ownership_as_it_was(aws: Seeded, s3: Any) -> None:
    """
    With ``enforce_bucket_owner=True`` the switch is written after the grant, so the grant's own refusals (here a
    statement of others naming a deleted role, which S3 would refuse: AWS Knowledge Center,
    "s3-invalid-principal-in-policy-error", found before the write) come before the switch: disabling ACLs ends what
    object ACLs grant (S3 User Guide, "Controlling ownership of objects and disabling ACLs"), and must not happen for
    nothing. A principal that does not exist, which only S3's answer to the write shows: test_missing_principals.py.
    """
    set_ownership(s3, aws.bucket, "ObjectWriter")
    theirs = {**ANALYTICS_READ, "Sid": "BatchRead", "Principal": {"AWS": OTHER_EMR_ROLE}}
    document = {"Version": "2012-10-17", "Statement": [DENY_INSECURE, theirs]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(document))
    delete_role(aws, OTHER_EMR_ROLE)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError):
        run_operator(grant(aws, enforce_bucket_owner=True))

    assert calls.mutating == []
    assert ownership_of(s3, aws.bucket) == "ObjectWriter"


#: The Deny S3 User Guide recommends beside BucketOwnerPreferred ("Disabling ACLs for all new buckets and enforcing
#: Object Ownership": "require the bucket-owner-full-control canned ACL for all PUT requests").
def require_canned_acl(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "RequireBucketOwnerFullControl",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
    }


@pytest.mark.parametrize("enforce", [True, False], ids=["switched", "already-enforced"])
def test_a_policy_requiring_the_canned_acl_keeps_it_asked_for_on_an_enforced_bucket(
    aws: Seeded, s3: Any, enforce: bool
) -> None:
    """
    A bucket that was BucketOwnerPreferred keeps its Deny of uploads without ``bucket-owner-full-control`` when it is
    switched to BucketOwnerEnforced, which S3 takes ("All S3 PUT requests must either specify the
    bucket-owner-full-control canned ACL or not specify an ACL": S3 User Guide, Object Ownership "Troubleshooting").
    The report said no ACL (the ownership alone asks for none): every upload of the cluster was refused.

    The ACL alone does not let the uploads by: UploadPart and CompleteMultipartUpload are authorized as s3:PutObject
    and carry no x-amz-acl (aws/aws-cli#1674; S3 API Reference, CompleteMultipartUpload), and for a negated operator an
    absent key makes the condition true (IAM User Guide, "IAM JSON policy elements: Condition operators"), so the Deny
    refuses every multipart upload of EMRFS. The grant names the statement and a fix that works (deny only a header
    present and wrong; exempting by s3:ObjectCreationOperation leaves CompleteMultipartUpload refused: S3 User Guide,
    "Enforce conditional writes on Amazon S3 buckets") in a WARNING and in its report; before, it said nothing.
    """
    set_ownership(s3, aws.bucket, "BucketOwnerPreferred" if enforce else "BucketOwnerEnforced")
    # Beside the fixture's HTTPS-only Deny, which the ACL does not change.
    document = policy_of(s3, aws.bucket) or {"Version": "2012-10-17", "Statement": []}
    document["Statement"] = [*document["Statement"], require_canned_acl(aws.bucket)]
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(document))

    with captured_logs() as logs:
        result, _, _ = run_operator(grant(aws, enforce_bucket_owner=enforce))

    assert result["object_ownership"] == "BucketOwnerEnforced"
    assert result["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    statements = by_sid(policy_of(s3, aws.bucket))
    assert statements["RequireBucketOwnerFullControl"] == require_canned_acl(aws.bucket)  # kept as it was
    objects_sid, _ = principal_sids(aws.emr_ec2_role_arn)
    assert "s3:PutObjectAcl" in statements[objects_sid]["Action"]
    part, complete = result["still_refused"]
    assert part["principal"] == complete["principal"] == aws.emr_ec2_role_arn
    assert (part["statement"], part["request"]) == ("RequireBucketOwnerFullControl", "UploadPart")
    assert (complete["statement"], complete["request"]) == ("RequireBucketOwnerFullControl", "CompleteMultipartUpload")
    assert "Null false" in part["fix"]
    json.dumps(result)  # an XCom
    [warning] = [entry for entry in logs if "still refuses uploads" in str(entry.get("event"))]
    assert warning["log_level"] == "warning"
    assert "'RequireBucketOwnerFullControl' refuses UploadPart" in str(warning["event"])
    assert "'RequireBucketOwnerFullControl' refuses CompleteMultipartUpload" in str(warning["event"])


# enforce_bucket_owner is templated: rendered as text, Airflow's default, "false" is true to Python; read as the flag
# it leaves the ownership alone (the switch would end what object ACLs grant: docs/safety.md).
@pytest.mark.parametrize("flag", [{}, {"enforce_bucket_owner": "false"}], ids=["default", "rendered-false"])
@pytest.mark.parametrize("ownership", [None, "ObjectWriter"], ids=["no-controls", "object-writer"])
def test_object_writer_warns_that_the_writer_owns_the_objects(
    aws: Seeded, s3: Any, capfd: pytest.CaptureFixture[str], ownership: str | None, flag: dict[str, str]
) -> None:
    set_ownership(s3, aws.bucket, ownership)

    result, recorder, _ = run_operator(grant(aws, **flag))

    # The writer owns what it writes and, without an ACL, the bucket owner has no permission on it (S3 User Guide,
    # "Policy examples for ACLs": "Account A has no permissions on these objects"): the canned ACL is asked for, and
    # s3:PutObjectAcl granted, as on BucketOwnerPreferred. Before, the report asked for no ACL.
    assert result == {
        "bucket": aws.bucket,
        "object_ownership": "ObjectWriter",
        "objects_owned_by": WRITER_OWNER,
        "emrfs_site_properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"},
        "kms_key_arn": aws.kms_key_arn,
    }
    objects_sid, _ = principal_sids(aws.emr_ec2_role_arn)
    assert "s3:PutObjectAcl" in by_sid(policy_of(s3, aws.bucket))[objects_sid]["Action"]
    output = capfd.readouterr().out
    assert "warning" in output
    assert "has ObjectWriter ownership" in output
    assert "bucket-owner-full-control ACL" in output
    assert "enforce_bucket_owner=True" in output
    assert recorder.mutating == ["PutBucketPolicy"]
    assert ownership_of(s3, aws.bucket) == ownership


@pytest.mark.parametrize("ownership", [None, "ObjectWriter"], ids=["no-controls", "object-writer"])
def test_enforce_bucket_owner_switches_an_object_writer_bucket(
    aws: Seeded, s3: Any, capfd: pytest.CaptureFixture[str], ownership: str | None
) -> None:
    set_ownership(s3, aws.bucket, ownership)

    result, recorder, ti = run_operator(grant(aws, enforce_bucket_owner=True))

    assert result["object_ownership"] == "BucketOwnerEnforced"
    assert result["objects_owned_by"] == ENFORCED_OWNER
    assert ownership_of(s3, aws.bucket) == "BucketOwnerEnforced"
    # The grant first: a grant S3 refuses leaves the ownership as it was (test_missing_principals.py); a switch
    # refused after it, the grant on a bucket that kept its ownership (the test below).
    assert recorder.mutating == ["PutBucketPolicy", "PutBucketOwnershipControls"]
    assert "has ObjectWriter ownership" not in capfd.readouterr().out
    assert len(ti.xcoms["plan"]) == 2

    _, again, _ = run_operator(grant(aws, enforce_bucket_owner=True))
    assert again.mutating == []


def test_a_refused_ownership_switch_after_the_grant_fails_the_task_and_its_rerun_switches(
    aws: Seeded, s3: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    ``s3:PutBucketOwnershipControls`` is a permission of its own (S3 API Reference, PutBucketOwnershipControls: "you
    must have the s3:PutBucketOwnershipControls permission"), which no read shows beforehand. The switch comes after
    the grant (a grant S3 refuses must leave the ownership as it was: test_missing_principals.py), so refused, it
    leaves the grant on a bucket still ObjectWriter, as a run without ``enforce_bucket_owner`` does: the task fails
    naming the permission (nothing after it runs) and says what it left. Its rerun writes no policy and switches; the
    bucket owner then owns every object, those written before too (S3 User Guide, "Controlling ownership of objects
    and disabling ACLs for your bucket": "the bucket owner automatically owns and has full control over every object in
    the bucket").
    """
    set_ownership(s3, aws.bucket, "ObjectWriter")
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: "s3:PutBucketOwnershipControls"})
    switch_on = moto_authorization_switch(aws.url)
    operator = grant(aws, enforce_bucket_owner=True)
    try:
        # One session for the task (session_scope.py), its role assumed before moto checks its credentials; the
        # account check's GetCallerIdentity learnt now too (tests/integration/test_faults.py does the same).
        with shared_sessions():
            assert operator.hook.conn is not None
            operator.hook.account_id  # noqa: B018
            next(switch_on)()
            with pytest.raises(AccessDeniedError, match="s3:PutBucketOwnershipControls"):
                run_operator(operator)
    finally:
        switch_on.close()

    assert ownership_of(s3, aws.bucket) == "ObjectWriter"
    granted = policy_of(s3, aws.bucket)
    assert set(principal_sids(aws.emr_ec2_role_arn)) <= set(by_sid(granted))
    output = capfd.readouterr().out
    assert "its object ownership stays ObjectWriter" in output
    assert "the policy is not written again" in output

    result, recorder, _ = run_operator(grant(aws, enforce_bucket_owner=True))

    assert recorder.mutating == ["PutBucketOwnershipControls"]
    assert result["object_ownership"] == "BucketOwnerEnforced"
    assert ownership_of(s3, aws.bucket) == "BucketOwnerEnforced"
    assert policy_of(s3, aws.bucket) == granted


def test_prefixes_in_two_buckets_are_refused(connections: Seeded) -> None:
    bucket = connections.bucket
    operator = grant(connections, s3_prefixes=[f"s3://{bucket}/exports/", "s3://other-bucket-b/exports/"])

    error, recorder = refused(operator)

    assert error.field == "s3_prefixes"
    assert "other-bucket-b" in error.problem
    assert bucket in error.problem
    assert recorder.calls == []


def test_a_bucket_policy_past_20_kb_is_refused_before_the_write(aws: Seeded, s3: Any) -> None:
    """Amazon S3 User Guide, "Bucket policies and user policies": "Bucket policies are limited to 20 KB in size"."""
    before = policy_of(s3, aws.bucket)
    principals = [f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-writer-{n:02d}" for n in range(40)]

    error, recorder = refused(grant(aws, principals))

    assert error.field == "principal_arns"
    assert "20 KB" in error.problem
    assert recorder.reads  # the current policy was read to plan
    assert recorder.mutating == []
    assert policy_of(s3, aws.bucket) == before


def test_dry_run_makes_no_mutating_call(aws: Seeded, s3: Any) -> None:
    set_ownership(s3, aws.bucket, None)
    before = policy_of(s3, aws.bucket)

    result, recorder, ti = run_operator(grant(aws, enforce_bucket_owner=True, dry_run=True))

    assert recorder.mutating == []
    assert policy_of(s3, aws.bucket) == before
    assert ownership_of(s3, aws.bucket) is None
    assert [change["action"] for change in ti.xcoms["plan"]] == ["update", "update"]
    assert "plan" not in result  # the same report as a real run; the plan is in XCom
    # It reports what the bucket is now, not what it would become.
    assert result["object_ownership"] == "ObjectWriter"

    run_operator(grant(aws))
    plan, revoke_recorder, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn], dry_run=True))
    assert revoke_recorder.mutating == []
    assert [change["action"] for change in plan] == ["update"]
    assert len(by_sid(policy_of(s3, aws.bucket))) == 4


@pytest.mark.parametrize("value", ["yes", "Flase", 1, 0, None, "{{ params.enforce }}"])
def test_non_bool_enforce_bucket_owner_is_refused_before_any_aws_call(connections: Seeded, value: Any) -> None:
    error, recorder = refused(grant(connections, enforce_bucket_owner=value))

    assert error.field == "enforce_bucket_owner"
    assert "True or False" in error.problem
    assert recorder.calls == []


def test_every_s3_call_of_grant_and_revoke_carries_the_expected_bucket_owner(aws: Seeded, s3: Any) -> None:
    """
    S3 refuses a call whose ``ExpectedBucketOwner`` is not the bucket's owner with 403 (Amazon S3 User Guide,
    "Verifying bucket ownership with bucket owner condition"); docs/safety.md promises every call carries it.
    """
    set_ownership(s3, aws.bucket, "ObjectWriter")  # the switch reads the ACL too

    _, granting, _ = run_operator(grant(aws, enforce_bucket_owner=True))
    _, revoking, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn]))

    sent = [
        (name, params.get("ExpectedBucketOwner"))
        for recorder in (granting, revoking)
        for (service, name), params in zip(recorder.every, recorder.params, strict=True)
        if service == "s3"
    ]
    assert {"GetBucketEncryption", "GetBucketAcl", "PutBucketPolicy"} <= {name for name, _ in sent}
    assert [name for name, owner in sent if owner != DESTINATION_ACCOUNT] == []


def test_a_bucket_policy_write_held_back_past_its_deadline_is_read_again_and_loses_no_statement(
    aws: Seeded, s3: Any
) -> None:
    """
    A ``PutBucketPolicy`` that S3 throttles (503 SlowDown) is retried by botocore with backoff, so it
    may be sent long after its read; a statement another writer put meanwhile would be overwritten.
    As for IAM and KMS, a write later than half the settle wait after its read is dropped and the
    policy read again (``pure/converge.py``): the other writer's statement stays.
    """
    audit = {**ANALYTICS_READ, "Sid": "AuditRead", "Resource": "arn:aws:s3:::partner-results-b/audit/*"}
    hook = EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID)
    held_back: list[str] = []

    def other_writer_then_backoff(request: Any, **_: Any) -> None:
        if held_back or "policy" not in request.url or request.method != "PUT":
            return
        held_back.append(request.url)
        current = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
        s3.put_bucket_policy(
            Bucket=aws.bucket, Policy=json.dumps({**current, "Statement": [*current["Statement"], audit]})
        )
        time.sleep(0.6)  # past the write's deadline (half the settle wait after its read)

    hook.conn.meta.events.register_first("before-send.s3.PutBucketPolicy", other_writer_then_backoff)
    hook.ensure_bucket_access(
        aws.bucket,
        [parse_s3_location(f"s3://{aws.bucket}/exports/", "destination_prefix")],
        [OTHER_EMR_ROLE],
        settings=ConvergeSettings(settle_seconds=1.0),
    )

    assert len(held_back) == 1
    statements = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])["Statement"]
    assert {"DenyInsecureTransport", "AnalyticsRead", "AuditRead"} <= {statement.get("Sid") for statement in statements}
    assert any(OTHER_EMR_ROLE in json.dumps(statement) for statement in statements)


NOT_ENDED = "The access is NOT ended: a statement of the bucket policy of"


def test_a_revoke_names_a_hand_written_statement_that_still_lets_the_role_write(aws: Seeded, s3: Any) -> None:
    """
    The revoke takes out the provider's statements only: one someone else wrote for the role (here on another prefix)
    is kept as it is and named, in the dry run's plan too, instead of the access being reported ended.
    """
    run_operator(grant(aws))
    legacy = {
        "Sid": "LegacyArchiveWrites",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": ["s3:PutObject", "s3:GetObject"],
        "Resource": f"arn:aws:s3:::{aws.bucket}/archive/*",
    }
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({**policy, "Statement": [*policy["Statement"], legacy]}))

    for dry_run in (True, False):
        with captured_logs() as logs:
            run_operator(revoke(aws, [aws.emr_ec2_role_arn], dry_run=dry_run))
        warned = [entry for entry in logs if entry["log_level"] == "warning" and NOT_ENDED in str(entry)]
        [warning] = warned
        assert f"arn:aws:s3:::{aws.bucket}/archive/x" in str(warning)
        assert "LegacyArchiveWrites" in str(warning)
        # The seeded policy's Deny of plain HTTP (aws:SecureTransport false) is not known before a request.
        assert "may still allow (a condition is not known before a request)" in str(warning)
    assert legacy in (policy_of(s3, aws.bucket) or {})["Statement"]  # kept as it was


def test_a_revoke_that_ends_the_access_names_no_statement(aws: Seeded, s3: Any) -> None:
    """The seeded policy's own statements (a conditional Deny, another account's read) keep no write of the role."""
    run_operator(grant(aws))
    with captured_logs() as logs:
        plan, _, _ = run_operator(revoke(aws, [aws.emr_ec2_role_arn]))
    assert plan  # the provider's statements were taken out: the check had something to look at
    assert any("Changes made" in str(entry) for entry in logs)  # the capture holds
    assert [entry for entry in logs if NOT_ENDED in str(entry)] == []


def test_an_explicit_deny_of_the_role_s_writes_ends_what_a_kept_statement_allows(aws: Seeded, s3: Any) -> None:
    run_operator(grant(aws))
    everyone = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
    deny = {
        "Sid": "NoWritesByTheEmrRole",
        "Effect": "Deny",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/*",
    }
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    s3.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({**policy, "Statement": [*policy["Statement"], everyone, deny]})
    )
    with captured_logs() as logs:
        run_operator(revoke(aws, [aws.emr_ec2_role_arn]))
    assert any("Changes made" in str(entry) for entry in logs)
    assert [entry for entry in logs if NOT_ENDED in str(entry)] == []


PATH_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr/emr-ec2-writer"  # as IAM shows it, and as the grant is given it
PATH_LESS = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-writer"  # the ARN built from the role's name
CLEARED = "the provider's statements of principals deleted since"


def unique_ids_in(policy: dict[str, Any] | None) -> list[str]:
    return [
        value
        for statement in (policy or {}).get("Statement", [])
        if isinstance(statement.get("Principal"), dict)
        for value in as_list(statement["Principal"].get("AWS"))
        if str(value).startswith("AROA")
    ]


def test_a_deleted_role_granted_at_a_path_is_cleared_by_a_revoke_given_its_path_less_arn(aws: Seeded, s3: Any) -> None:
    """
    Once the role is deleted the policy shows its unique ID (IAM User Guide, "AWS JSON policy elements: Principal"),
    which S3 refuses to keep in any PutBucketPolicy (AWS Knowledge Center, s3-invalid-principal-in-policy-error).
    Before, the revoke given the path-less ARN planned nothing and wrote nothing (the Sids are hashes of the grant's
    spelling, which no ARN finds behind the ID), and every later grant on the bucket was refused for good. Now the
    dry run plans the change, the revoke drops the pair and logs it, its rerun writes nothing, and the next grant of
    another role goes through.
    """
    create_principals(aws.url, PATH_ROLE)
    run_operator(grant(aws, [PATH_ROLE]))
    role_id = delete_role(aws, PATH_ROLE)
    assert unique_ids_in(policy_of(s3, aws.bucket)) == [role_id, role_id]
    before = policy_of(s3, aws.bucket)

    plan, dry, _ = run_operator(revoke(aws, [PATH_LESS], dry_run=True))
    assert dry.mutating == []
    assert [change["action"] for change in plan] == ["update"]
    assert policy_of(s3, aws.bucket) == before

    with captured_logs() as logs:
        plan, recorder, _ = run_operator(revoke(aws, [PATH_LESS]))
    assert recorder.mutating == ["PutBucketPolicy"]
    assert [change["action"] for change in plan] == ["update"]
    after = policy_of(s3, aws.bucket)
    assert unique_ids_in(after) == []
    assert set(by_sid(after)) == {DENY_INSECURE["Sid"], ANALYTICS_READ["Sid"]}
    [logged] = [entry for entry in logs if CLEARED in str(entry)]
    assert role_id in str(logged)
    assert all(sid in str(logged) for sid in principal_sids(PATH_ROLE))
    assert [entry for entry in logs if NOT_ENDED in str(entry)] == []

    _, rerun, _ = run_operator(revoke(aws, [PATH_LESS]))
    assert rerun.mutating == []
    run_operator(grant(aws))
    assert set(principal_sids(aws.emr_ec2_role_arn)) <= set(by_sid(policy_of(s3, aws.bucket)))


def test_a_deleted_role_granted_under_a_later_pair_is_cleared_by_its_exact_arn(aws: Seeded, s3: Any) -> None:
    """
    Someone added another role to the role's statements, the revoke left them to it, the regrant wrote the role a
    later pair of Sids; then the role is deleted. Before, the revoke by its exact ARN looked under its first pair only
    (the other role's now) and left the later pair holding the ID.
    """
    auditor = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-auditor"
    create_principals(aws.url, auditor)
    run_operator(grant(aws, [OTHER_EMR_ROLE]))
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    for statement in policy["Statement"]:
        if statement["Sid"] in principal_sids(OTHER_EMR_ROLE):
            statement["Principal"] = {"AWS": [OTHER_EMR_ROLE, auditor]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    run_operator(revoke(aws, [OTHER_EMR_ROLE]))
    run_operator(grant(aws, [OTHER_EMR_ROLE]))
    seeded = {DENY_INSECURE["Sid"], ANALYTICS_READ["Sid"]}
    assert len(set(by_sid(policy_of(s3, aws.bucket))) - seeded - set(principal_sids(OTHER_EMR_ROLE))) == 2  # later pair
    role_id = delete_role(aws, OTHER_EMR_ROLE)
    auditors = [by_sid(policy_of(s3, aws.bucket))[sid] for sid in principal_sids(OTHER_EMR_ROLE)]
    assert unique_ids_in(policy_of(s3, aws.bucket)) == [role_id, role_id]

    _, recorder, _ = run_operator(revoke(aws, [OTHER_EMR_ROLE]))

    assert recorder.mutating == ["PutBucketPolicy"]
    after = policy_of(s3, aws.bucket)
    assert unique_ids_in(after) == []
    assert [by_sid(after)[sid] for sid in principal_sids(OTHER_EMR_ROLE)] == auditors  # the auditor's, as they were
    assert set(by_sid(after)) == {*seeded, *principal_sids(OTHER_EMR_ROLE)}
    run_operator(grant(aws))
    assert set(principal_sids(aws.emr_ec2_role_arn)) <= set(by_sid(policy_of(s3, aws.bucket)))


def test_a_statement_not_ours_naming_a_deleted_role_is_kept_byte_for_byte_and_named(aws: Seeded, s3: Any) -> None:
    """
    The provider does not edit what it did not write: the revoke that would clear the provider's pair of a deleted role
    cannot be written while someone's statement keeps another deleted role's ID (S3 refuses the policy whole). That
    clean-up is all the revoke would change (a deleted role's statements grant it nothing: the access is ended), so it
    writes nothing and succeeds, logging the clean-up it leaves and naming that statement; the bucket policy stays
    exactly as it was.
    """
    create_principals(aws.url, PATH_ROLE)
    theirs = {**ANALYTICS_READ, "Sid": "BatchRead", "Principal": {"AWS": OTHER_EMR_ROLE}}
    s3.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE, theirs]})
    )
    run_operator(grant(aws, [PATH_ROLE]))
    delete_role(aws, PATH_ROLE)
    other_id = delete_role(aws, OTHER_EMR_ROLE)
    text = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]

    with captured_logs() as logs, CallRecorder().everywhere() as calls:
        run_operator(revoke(aws, [PATH_LESS]))

    [logged] = [entry for entry in logs if "is left as it is" in str(entry)]
    assert f"statement 'BatchRead' names '{other_id}'" in str(logged)
    assert "by hand" in str(logged)
    assert calls.mutating == []
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == text


def test_a_role_deleted_and_created_again_is_granted_again_under_its_own_sids(aws: Seeded, s3: Any) -> None:
    """
    ``aws emr create-default-roles`` after the role was deleted: the policy shows the old role's unique ID in the
    role's own statements, and the role made again has a new one, which they do not grant (IAM User Guide, "AWS JSON
    policy elements: Principal"). Before, the same grant run again wrote a second pair under the Sids of ``ARN#1``,
    left the old one, and was refused before the write ("revoke ... then run again"). Now the dry run plans the
    change and says what would go, the grant writes the role's own Sids with its ARN and logs the old ID, and its rerun
    writes nothing.
    """
    run_operator(grant(aws, [OTHER_EMR_ROLE]))
    first = by_sid(policy_of(s3, aws.bucket))
    old_id = delete_role(aws, OTHER_EMR_ROLE)
    create_principals(aws.url, OTHER_EMR_ROLE)
    assert unique_ids_in(policy_of(s3, aws.bucket)) == [old_id, old_id]
    before = policy_of(s3, aws.bucket)

    with captured_logs() as logs:
        _, dry, _ = run_operator(grant(aws, [OTHER_EMR_ROLE], dry_run=True))
    assert dry.mutating == []
    assert policy_of(s3, aws.bucket) == before
    assert any(old_id in str(entry) and "would lose (dry run)" in str(entry) for entry in logs if CLEARED in str(entry))

    with captured_logs() as logs:
        _, recorder, _ = run_operator(grant(aws, [OTHER_EMR_ROLE]))

    assert recorder.mutating == ["PutBucketPolicy"]
    after = by_sid(policy_of(s3, aws.bucket))
    assert set(after) == {DENY_INSECURE["Sid"], ANALYTICS_READ["Sid"], *principal_sids(OTHER_EMR_ROLE)}
    assert [after[sid] for sid in principal_sids(OTHER_EMR_ROLE)] == [
        first[sid] for sid in principal_sids(OTHER_EMR_ROLE)
    ]
    [logged] = [entry for entry in logs if CLEARED in str(entry)]
    assert old_id in str(logged)
    assert all(sid in str(logged) for sid in principal_sids(OTHER_EMR_ROLE))

    with captured_logs() as logs:
        _, rerun, _ = run_operator(grant(aws, [OTHER_EMR_ROLE]))
    assert rerun.mutating == []
    assert [entry for entry in logs if CLEARED in str(entry)] == []


def test_a_grant_names_the_statement_not_ours_and_not_the_provider_s_it_clears(aws: Seeded, s3: Any) -> None:
    """
    The provider's pair of a deleted role comes first, someone's statement naming another deleted role after it. The
    grant would clear the first but cannot leave the second (S3 refuses the whole policy), so it is refused before any
    write naming the one to remove by hand; before, it named the provider's pair and advised a revoke.
    """
    create_principals(aws.url, PATH_ROLE)
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE]}))
    run_operator(grant(aws, [PATH_ROLE]))
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    policy["Statement"].append({**ANALYTICS_READ, "Sid": "BatchRead", "Principal": {"AWS": OTHER_EMR_ROLE}})
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    delete_role(aws, PATH_ROLE)
    other_id = delete_role(aws, OTHER_EMR_ROLE)
    text = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(grant(aws))

    assert f"statement 'BatchRead' names '{other_id}'" in str(refused.value)
    assert "by hand" in str(refused.value)
    assert calls.mutating == []
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == text


@pytest.mark.parametrize("run", ["grant-rerun", "revoke-of-a-role-never-granted"])
def test_a_run_with_nothing_to_change_but_a_blocked_clean_up_leaves_the_policy_and_succeeds(
    aws: Seeded, s3: Any, run: str
) -> None:
    """
    The EMR EC2 role already granted; the provider's pair of another role deleted since; someone's statement naming
    another deleted role. S3 refuses every bucket policy that keeps that statement (AWS Knowledge Center,
    s3-invalid-principal-in-policy-error), and the rerun has nothing else to write: it writes nothing and succeeds,
    as before the clean-up of deleted principals existed, logging the clean-up it leaves; it is not refused for a
    write it never needed.
    """
    create_principals(aws.url, PATH_ROLE)
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE]}))
    run_operator(grant(aws))
    run_operator(grant(aws, [PATH_ROLE]))
    policy = policy_of(s3, aws.bucket)
    assert policy is not None
    policy["Statement"].append({**ANALYTICS_READ, "Sid": "BatchRead", "Principal": {"AWS": OTHER_EMR_ROLE}})
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    delete_role(aws, PATH_ROLE)
    delete_role(aws, OTHER_EMR_ROLE)
    text = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    operator = grant(aws) if run == "grant-rerun" else revoke(aws, [f"arn:aws:iam::{EMR_ACCOUNT}:role/never-granted"])

    with captured_logs() as logs, CallRecorder().everywhere() as calls:
        run_operator(operator)

    assert calls.mutating == []
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == text
    assert [entry for entry in logs if "is left as it is" in str(entry) and "BatchRead" in str(entry)]
