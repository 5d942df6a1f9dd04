"""
A prefix taken out by hand does not take away a bucket's listing that another policy of the role relies on.

A role's identity policies are evaluated together ("Policy evaluation for requests within a single account", IAM
User Guide: AWS looks for "at least one Allow" in all of them), and without ``s3:ListBucket`` on the bucket a
``HeadObject`` of a missing key is a 403, not a 404 (Amazon S3 API Reference, "HeadObject", "Permissions"). So a
team's ``s3:GetObject`` in ``bucket-two``, in a policy of its own beside the provider's (inline or attached managed),
relies on the provider's ``EmrfsXacctList`` and ``EmrfsXacctBucketLocation`` there as much as one inside the
provider's policy does. When the provider's last prefix in that bucket is taken out of ``EmrfsXacctObjects`` by hand
(the documented way to remove one), the next write is refused as for such an ``Allow`` in the provider's own policy
(``ConflictError``, the other policy named as the cause, nothing written) rather than dropping the bucket's grants.
Unless the other policies themselves allow ``s3:ListBucket`` and ``s3:GetBucketLocation`` on the bucket: then dropping
the provider's grants takes nothing away, and they go (the AWS managed ``AmazonElasticMapReduceforEC2Role``, which
``EMR_EC2_DefaultRole`` holds, allows ``s3:*`` on ``*``: "AmazonElasticMapReduceforEC2Role - AWS Managed Policy"). The
other policies are read only when a bucket's grants would go; a read refused is a refusal naming the permission, and
nothing changes. Against the two-account moto server, on the destination role and on option (a)'s EMR EC2 role.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import bucket_policy, documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder

SETTINGS = ConvergeSettings(settle_seconds=0)
ROLE_NAME = "partner-d-writer"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-00"
KEPT = parse_s3_location("s3://bucket-one/p1/", "s3_prefixes")
REMOVED = parse_s3_location("s3://bucket-two/p2/", "s3_prefixes")
BUCKET_TWO = "arn:aws:s3:::bucket-two"
#: A team's grant in bucket-two, outside the provider's prefixes: it relies on the provider's listing there.
TEAM_STATEMENT = {
    "Sid": "TeamShared",
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::bucket-two/shared/*",
}
TEAM_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [TEAM_STATEMENT]})
#: The S3 statement of the AWS managed policy AmazonElasticMapReduceforEC2Role ("AmazonElasticMapReduceforEC2Role - AWS
#: Managed Policy", v3, its action list cut to a few besides ``s3:*``). moto holds no AWS managed policies unless asked
#: to load them all: the tests attach a customer managed copy of the same name at the same path.
EMR_FOR_EC2_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Resource": "*",
                "Action": ["cloudwatch:*", "dynamodb:*", "ec2:Describe*", "elasticmapreduce:Describe*", "s3:*"],
            }
        ],
    }
)
#: The reads of the role's other policies the provider makes only when a bucket's grants would go.
OTHER_POLICY_READS = {"ListAttachedRolePolicies", "GetPolicy", "GetPolicyVersion"}


def bucket_statements(iam: Any, role: str, policy: str) -> dict[str, list[str]]:
    """The resources of the provider's two bucket statements, as IAM holds them."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    return {
        sid: documents.as_list((documents_statement(held, sid) or {}).get("Resource"))
        for sid in (documents.LIST_SID, documents.BUCKET_LOCATION_SID)
    }


def documents_statement(policy: dict[str, Any], sid: str) -> dict[str, Any] | None:
    return next((item for item in documents.as_list(policy["Statement"]) if item.get("Sid") == sid), None)


def remove_by_hand(iam: Any, role: str, policy: str) -> None:
    """Take ``bucket-two/p2/*`` out of ``EmrfsXacctObjects``, as docs/concepts.md says to remove a prefix."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    objects = documents_statement(held, documents.OBJECTS_SID)
    assert objects is not None
    objects["Resource"] = [arn for arn in documents.as_list(objects["Resource"]) if arn != f"{BUCKET_TWO}/p2/*"]
    iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(held))


def give_team_policy(iam: Any, account: str, role: str, where: str) -> None:
    """The team's grant in its own inline policy of the role, or in a managed policy attached to it."""
    if where == "inline":
        iam.put_role_policy(RoleName=role, PolicyName="team-shared", PolicyDocument=TEAM_POLICY)
        return
    iam.create_policy(PolicyName="team-shared", PolicyDocument=TEAM_POLICY)
    iam.attach_role_policy(RoleName=role, PolicyArn=f"arn:aws:iam::{account}:policy/team-shared")


def attach_emr_for_ec2_policy(iam: Any, account: str, role: str) -> None:
    """Attach the managed policy granting ``s3:*`` on ``*`` (a copy of AmazonElasticMapReduceforEC2Role) to ``role``."""
    arn = iam.create_policy(
        PolicyName="AmazonElasticMapReduceforEC2Role", Path="/service-role/", PolicyDocument=EMR_FOR_EC2_POLICY
    )["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{account}:policy/service-role/AmazonElasticMapReduceforEC2Role"
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)


def objects_resources(iam: Any, role: str, policy: str) -> list[str]:
    """The resources of the provider's ``EmrfsXacctObjects``, as IAM holds them."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    return documents.as_list((documents_statement(held, documents.OBJECTS_SID) or {}).get("Resource"))


@pytest.fixture
def destination_role(aws: Seeded) -> Any:
    """Role D holding the provider's policy for ``bucket-one/p1/`` and ``bucket-two/p2/``, ``p2`` taken out by hand."""
    create_principals(aws.url, EMR_ROLE)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    hook.ensure_destination_access(ROLE_NAME, [KEPT, REMOVED], [], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    assert BUCKET_TWO in bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)[documents.LIST_SID]
    remove_by_hand(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    return iam


def assert_names_the_other_policy(message: str, policy_name: str) -> None:
    """The refusal names the bucket, the team's policy as the cause, the provider's policy, and the ways out."""
    assert f"{BUCKET_TWO} (" in message
    assert "policy team-shared" in message
    assert policy_name in message
    assert "s3:ListBucket, s3:ListBucketMultipartUploads, s3:GetBucketLocation" in message
    assert "Nothing was changed" in message


@pytest.mark.parametrize("where", ["inline", "managed"])
def test_a_destination_roles_bucket_grants_another_policy_relies_on_are_refused_not_dropped(
    destination_role: Any, where: str
) -> None:
    iam = destination_role
    give_team_policy(iam, DESTINATION_ACCOUNT, ROLE_NAME, where)
    before = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]

    with (
        CallRecorder().everywhere() as recorder,
        pytest.raises(ConflictError, match="team-shared") as refused,
    ):
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [KEPT], [], settings=SETTINGS
        )

    assert_names_the_other_policy(str(refused.value), documents.DESTINATION_POLICY_NAME)
    assert recorder.mutating == []
    assert "ListAttachedRolePolicies" in recorder.reads
    after = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert after == before
    held = bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert BUCKET_TWO in held[documents.LIST_SID]
    assert BUCKET_TWO in held[documents.BUCKET_LOCATION_SID]


def test_without_another_policy_the_left_behind_bucket_grants_still_go(destination_role: Any) -> None:
    """The same removal, no other grant in bucket-two: what the removed prefix left goes with it, as before."""
    iam = destination_role

    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(ROLE_NAME, [KEPT], [], settings=SETTINGS)

    held = bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]
    assert BUCKET_TWO not in held[documents.BUCKET_LOCATION_SID]
    assert "arn:aws:s3:::bucket-one" in held[documents.LIST_SID]


def test_the_other_policies_are_not_read_when_no_bucket_grant_would_go(aws: Seeded) -> None:
    create_principals(aws.url, EMR_ROLE)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    hook.ensure_destination_access(ROLE_NAME, [KEPT, REMOVED], [], settings=SETTINGS)

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [KEPT], [], settings=SETTINGS
        )

    assert not OTHER_POLICY_READS & set(recorder.reads)
    assert recorder.mutating == []


def test_a_refused_read_of_the_other_policies_refuses_rather_than_drops(
    destination_role: Any, aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devstack.testing import (
        answer_denials_like_aws,
        moto_authorization_checked,
        provisioner_roles,
        sign_connections_as_moto_user,
    )

    iam = destination_role
    give_team_policy(iam, DESTINATION_ACCOUNT, ROLE_NAME, "managed")
    before = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]
    answer_denials_like_aws(monkeypatch)
    user = sign_connections_as_moto_user(aws.url, monkeypatch)
    provisioner_roles(aws.url, user, {DESTINATION_ACCOUNT: "iam:ListAttachedRolePolicies"})

    with (
        moto_authorization_checked(aws.url),
        CallRecorder().everywhere() as recorder,
        pytest.raises(AccessDeniedError, match="iam:ListAttachedRolePolicies") as refused,
    ):
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [KEPT], [], settings=SETTINGS
        )

    assert BUCKET_TWO in str(refused.value)
    assert recorder.mutating == []
    after = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert after == before


@pytest.mark.parametrize("where", ["inline", "managed"])
def test_option_a_emr_roles_bucket_grants_another_policy_relies_on_are_refused_not_dropped(
    aws: Seeded, where: str
) -> None:
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT, REMOVED], [], settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    remove_by_hand(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    give_team_policy(iam, EMR_ACCOUNT, EMR_EC2_ROLE, where)

    with (
        CallRecorder().everywhere() as recorder,
        pytest.raises(ConflictError, match="team-shared") as refused,
    ):
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT], [], settings=SETTINGS)

    assert_names_the_other_policy(str(refused.value), bucket_policy.EMR_ROLE_POLICY_NAME)
    assert recorder.mutating == []
    held = bucket_statements(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    assert BUCKET_TWO in held[documents.LIST_SID]
    assert BUCKET_TWO in held[documents.BUCKET_LOCATION_SID]


def test_option_a_without_another_policy_the_left_behind_bucket_grants_still_go(aws: Seeded) -> None:
    """The EMR EC2 role's own seeded policy grants in another bucket (emr-logs-a): bucket-two's grants go."""
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT, REMOVED], [], settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    remove_by_hand(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)

    EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT], [], settings=SETTINGS)

    held = bucket_statements(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]


def test_option_a_with_the_emr_for_ec2_managed_policy_the_left_behind_grants_go(aws: Seeded) -> None:
    """
    EMR_EC2_DefaultRole's AmazonElasticMapReduceforEC2Role allows ``s3:*`` on ``*``: it may cover bucket-two's
    objects, and it allows the bucket's listing itself, so dropping the provider's takes nothing away. Before, every
    rerun after the documented removal was refused, naming the provider's own statement.
    """
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT, REMOVED], [], settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    remove_by_hand(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    attach_emr_for_ec2_policy(iam, EMR_ACCOUNT, EMR_EC2_ROLE)

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT], [], settings=SETTINGS)

    assert "ListAttachedRolePolicies" in recorder.reads
    held = bucket_statements(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]
    assert BUCKET_TWO not in held[documents.BUCKET_LOCATION_SID]
    assert "arn:aws:s3:::bucket-one" in held[documents.LIST_SID]
    objects = objects_resources(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    assert [arn for arn in objects if arn.startswith(f"{BUCKET_TWO}/")] == []
    assert "arn:aws:s3:::bucket-one/p1/*" in objects


def test_a_destination_role_with_the_emr_for_ec2_managed_policy_the_left_behind_grants_go(
    destination_role: Any,
) -> None:
    """The same managed policy attached to the destination role: bucket-two's grants go, no refusal."""
    iam = destination_role
    attach_emr_for_ec2_policy(iam, DESTINATION_ACCOUNT, ROLE_NAME)

    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(ROLE_NAME, [KEPT], [], settings=SETTINGS)

    held = bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]
    assert BUCKET_TWO not in held[documents.BUCKET_LOCATION_SID]
    objects = objects_resources(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert [arn for arn in objects if arn.startswith(f"{BUCKET_TWO}/")] == []


@pytest.mark.parametrize(
    "listing",
    [
        pytest.param({"Action": "s3:ListBucket"}, id="listing-without-location"),
        # The provider's listing grants s3:ListBucketMultipartUploads too (a multipart clean-up lists the uploads).
        pytest.param({"Action": ["s3:ListBucket", "s3:GetBucketLocation"]}, id="listing-without-multipart-uploads"),
        pytest.param(
            {
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            },
            id="conditional-listing",
        ),
    ],
)
def test_another_policys_own_listing_that_is_not_certain_still_refuses(
    destination_role: Any, listing: dict[str, Any]
) -> None:
    """
    The team's policy allows bucket-two's listing too, but not both actions, or only under a condition known when a
    request is made: not certainly, so the provider's grants are still refused, naming the policy.
    """
    iam = destination_role
    own_listing = {"Sid": "TeamListing", "Effect": "Allow", "Resource": BUCKET_TWO, **listing}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [TEAM_STATEMENT, own_listing]})
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-shared", PolicyDocument=policy)

    with pytest.raises(ConflictError, match="team-shared") as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [KEPT], [], settings=SETTINGS
        )

    assert_names_the_other_policy(str(refused.value), documents.DESTINATION_POLICY_NAME)
    held = bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert BUCKET_TWO in held[documents.LIST_SID]


def test_another_policys_own_listing_of_the_bucket_lets_the_grants_go(destination_role: Any) -> None:
    """The team's policy allows the bucket actions on bucket-two itself: its GetObject loses nothing, the grants go."""
    iam = destination_role
    own_listing = {
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"],
        "Resource": BUCKET_TWO,
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [TEAM_STATEMENT, own_listing]})
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-shared", PolicyDocument=policy)

    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(ROLE_NAME, [KEPT], [], settings=SETTINGS)

    held = bucket_statements(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]
    assert BUCKET_TWO not in held[documents.BUCKET_LOCATION_SID]


def put_team_statement_in_the_providers_policy(iam: Any, role: str, policy: str) -> None:
    """Someone's ``Allow`` in bucket-two put into the provider's own inline policy (kept as it is, docs/safety.md)."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    held["Statement"] = [*documents.as_list(held["Statement"]), TEAM_STATEMENT]
    iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(held))


@pytest.mark.parametrize("listing_elsewhere", [True, False], ids=["emr-for-ec2-attached", "nothing-else"])
def test_an_allow_in_the_providers_own_policy_keeps_the_grants_only_where_the_role_lacks_the_listing(
    aws: Seeded, listing_elsewhere: bool
) -> None:
    """
    Option (a): a team's ``Allow`` in bucket-two sits in the provider's own policy. With AmazonElasticMapReduceforEC2Role
    (``s3:*`` on ``*``) attached, it relies on nothing of the provider's and the left-behind grants go (before: refused
    on every rerun, naming the provider's own statement); without it they are still kept for it (refused).
    """
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT, REMOVED], [], settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    remove_by_hand(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    put_team_statement_in_the_providers_policy(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    if listing_elsewhere:
        attach_emr_for_ec2_policy(iam, EMR_ACCOUNT, EMR_EC2_ROLE)

    rerun = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    if not listing_elsewhere:
        with pytest.raises(ConflictError):
            rerun.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT], [], settings=SETTINGS)
        assert (
            BUCKET_TWO in bucket_statements(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)[documents.LIST_SID]
        )
        return
    rerun.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [KEPT], [], settings=SETTINGS)

    held = bucket_statements(iam, EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME)
    assert BUCKET_TWO not in held[documents.LIST_SID]
    assert BUCKET_TWO not in held[documents.BUCKET_LOCATION_SID]
    document = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=bucket_policy.EMR_ROLE_POLICY_NAME)
    assert documents_statement(document["PolicyDocument"], "TeamShared") == TEAM_STATEMENT


#: An older version's form of the provider's listing: one ``EmrfsXacctList<n>`` statement per bucket, no
#: ``EmrfsXacctBucketLocation`` (docs/concepts.md: replaced by the current form on the next run).
NUMBERED_ACTIONS = ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]


def numbered(iam: Any, role: str, policy: str) -> None:
    """Put the provider's two bucket statements back in an older version's numbered form, one per bucket."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    current = (documents.LIST_SID, documents.BUCKET_LOCATION_SID)
    held["Statement"] = [item for item in documents.as_list(held["Statement"]) if item.get("Sid") not in current]
    held["Statement"] += [
        {"Sid": f"{documents.LIST_SID}{index}", "Effect": "Allow", "Action": NUMBERED_ACTIONS, "Resource": arn}
        for index, arn in enumerate(["arn:aws:s3:::bucket-one", BUCKET_TWO], start=1)
    ]
    iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(held))


def numbered_sids(iam: Any, role: str, policy: str) -> dict[str, Any]:
    """The resources of the provider's numbered statements, by ``Sid``, as IAM holds them."""
    held = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    return {
        item["Sid"]: item["Resource"]
        for item in documents.as_list(held["Statement"])
        if documents.is_legacy_list_sid(item.get("Sid", ""))
    }


def numbered_role(aws: Seeded, option_a: bool, *, remove: bool = True) -> tuple[Any, str, str, str, Any]:
    """
    ``(iam, role, policy, account, run)``: the role's provider policy granting ``bucket-one/p1/`` and ``bucket-two/p2/``
    in the numbered form, ``p2`` taken out by hand (unless not ``remove``); ``run(locations)`` is the next write.
    """
    if option_a:
        role, policy, account = EMR_EC2_ROLE, bucket_policy.EMR_ROLE_POLICY_NAME, EMR_ACCOUNT
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(
            role, [KEPT, REMOVED], [], settings=SETTINGS
        )

        def run(locations: list[Any]) -> Any:
            hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
            return hook.ensure_emr_role_bucket_access(role, locations, [], settings=SETTINGS)

    else:
        role, policy, account = ROLE_NAME, documents.DESTINATION_POLICY_NAME, DESTINATION_ACCOUNT
        create_principals(aws.url, EMR_ROLE)
        hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
        hook.ensure_role_trusts(role, [EMR_ROLE], settings=SETTINGS)
        hook.ensure_destination_access(role, [KEPT, REMOVED], [], settings=SETTINGS)

        def run(locations: list[Any]) -> Any:
            hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
            return hook.ensure_destination_access(role, locations, [], settings=SETTINGS)

    iam = client(aws.url, account, "iam")
    numbered(iam, role, policy)
    if remove:
        remove_by_hand(iam, role, policy)
    return iam, role, policy, account, run


@pytest.mark.parametrize("where", ["inline", "managed"])
@pytest.mark.parametrize("option_a", [False, True], ids=["destination-role", "option-a-emr-role"])
def test_the_numbered_form_s_listing_another_policy_relies_on_is_refused_not_dropped(
    aws: Seeded, option_a: bool, where: str
) -> None:
    """
    The provider's policy still in an older version's numbered form (``EmrfsXacctList1`` for bucket-one,
    ``EmrfsXacctList2`` for bucket-two), ``bucket-two/p2/*`` taken out by hand, a team's ``s3:GetObject`` in
    bucket-two in another policy of the role. Converting to the one ``EmrfsXacctList`` statement dropped bucket-two's
    listing without a word (its HeadObject of a missing key a 403, not a 404: Amazon S3 API Reference, "HeadObject");
    refused as in the current form, naming the team's policy, nothing written.
    """
    iam, role, policy, account, run = numbered_role(aws, option_a)
    give_team_policy(iam, account, role, where)
    before = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError, match="team-shared") as refused:
        run([KEPT])

    assert_names_the_other_policy(str(refused.value), policy)
    assert recorder.mutating == []
    assert iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"] == before
    assert numbered_sids(iam, role, policy)[f"{documents.LIST_SID}2"] == BUCKET_TWO


@pytest.mark.parametrize("option_a", [False, True], ids=["destination-role", "option-a-emr-role"])
def test_the_numbered_form_s_listing_the_other_policies_hold_anyway_is_converted_and_dropped(
    aws: Seeded, option_a: bool
) -> None:
    """
    The same, with AmazonElasticMapReduceforEC2Role (``s3:*`` on ``*``) attached beside the team's grant: the role
    surely lists bucket-two without the provider, so the numbered statements become the current form for bucket-one
    only, no refusal.
    """
    iam, role, policy, account, run = numbered_role(aws, option_a)
    give_team_policy(iam, account, role, "inline")
    attach_emr_for_ec2_policy(iam, account, role)

    with CallRecorder().everywhere() as recorder:
        run([KEPT])

    assert "ListAttachedRolePolicies" in recorder.reads
    assert numbered_sids(iam, role, policy) == {}
    held = bucket_statements(iam, role, policy)
    assert held[documents.LIST_SID] == ["arn:aws:s3:::bucket-one"]
    assert held[documents.BUCKET_LOCATION_SID] == ["arn:aws:s3:::bucket-one"]


@pytest.mark.parametrize("option_a", [False, True], ids=["destination-role", "option-a-emr-role"])
def test_the_numbered_form_with_nothing_removed_converts_keeping_both_buckets(aws: Seeded, option_a: bool) -> None:
    """Nothing taken out by hand, the team's grant beside it: converted for both buckets, the other policies unread."""
    iam, role, policy, account, run = numbered_role(aws, option_a, remove=False)
    give_team_policy(iam, account, role, "managed")

    with CallRecorder().everywhere() as recorder:
        run([KEPT])

    assert not OTHER_POLICY_READS & set(recorder.reads)
    assert recorder.mutating == ["PutRolePolicy"]
    assert numbered_sids(iam, role, policy) == {}
    held = bucket_statements(iam, role, policy)
    assert held[documents.LIST_SID] == ["arn:aws:s3:::bucket-one", BUCKET_TWO]
    assert held[documents.BUCKET_LOCATION_SID] == ["arn:aws:s3:::bucket-one", BUCKET_TWO]


@pytest.mark.parametrize("listing_elsewhere", [True, False], ids=["emr-for-ec2-attached", "nothing-else"])
@pytest.mark.parametrize("option_a", [False, True], ids=["destination-role", "option-a-emr-role"])
def test_an_allow_in_the_providers_own_numbered_policy_keeps_the_listing_only_where_the_role_lacks_it(
    aws: Seeded, option_a: bool, listing_elsewhere: bool
) -> None:
    """
    Someone's ``Allow`` in bucket-two inside the provider's own policy, still in the numbered form: without the
    listing elsewhere, bucket-two's ``EmrfsXacctList2`` is kept for it (refused, nothing written), as the current
    form's grants are; with AmazonElasticMapReduceforEC2Role attached it goes in the conversion.
    """
    iam, role, policy, account, run = numbered_role(aws, option_a)
    put_team_statement_in_the_providers_policy(iam, role, policy)
    if listing_elsewhere:
        attach_emr_for_ec2_policy(iam, account, role)
    before = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]

    if not listing_elsewhere:
        with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError, match="EmrfsXacctList2"):
            run([KEPT])
        assert recorder.mutating == []
        assert iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"] == before
        return
    run([KEPT])

    assert numbered_sids(iam, role, policy) == {}
    assert bucket_statements(iam, role, policy)[documents.LIST_SID] == ["arn:aws:s3:::bucket-one"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    assert documents_statement(document, "TeamShared") == TEAM_STATEMENT
