"""
Growing past the EMR EC2 role's inline-policy wall, and refusing at each hard quota before any write.

Against the two-account moto server. Documents are prefilled near their limit (one ``PutRolePolicy``
of a long list) rather than grown partner by partner, to stay fast. The quotas and their AWS pages
are in ``airflow_provider_emrfs_xacct/pure/quotas.py``: a role's inline policies share 10,240
characters and a managed policy holds 6,144 (IAM User Guide, "IAM and AWS STS quotas"); a role takes
10 managed policies by default; a managed policy keeps 5 versions (IAM API Reference, "CreatePolicyVersion").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import iam_policy_length
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError, QuotaRefusedByAwsError
from devstack.aws_quotas import raise_iam_quota
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import RecordingTaskInstance, execute_as_task
from tests.conftest import CallRecorder, run_operator

POLICY = documents.ASSUME_POLICY_NAME
#: The role's first and second spill policies (named for the role: ``<policy>-<role>-2``).
SPILL_2, SPILL_3 = (spill.spill_name(POLICY, EMR_EC2_ROLE, index) for index in (2, 3))
SPILL_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}{SPILL_2}"


def partners(start: int, count: int) -> list[str]:
    """``count`` destination role ARNs, spread over partner accounts (one account per ten partners)."""
    return [
        f"arn:aws:iam::{900000000000 + index // 10:012d}:role/emrfs-partner-writer-{index:04d}"
        for index in range(start, start + count)
    ]


def attach(**overrides: Any) -> AttachAssumeRolePolicyOperator:
    arguments: dict[str, Any] = {"task_id": "attach", "aws_conn_id": EMR_CONN_ID, "settle_seconds": 0}
    arguments.update(overrides)
    return AttachAssumeRolePolicyOperator(**arguments)


#: Partners in a full inline policy: one more than the provider puts beside the role's seeded policy within IAM's
#: 10,240 characters for all of a role's inline policies less the reserve it leaves for the role's other inline
#: policies (``spill.INLINE_RESERVE``, 2,048: 133), so that no further ARN, however short, goes inline (as an inline
#: policy written before the reserve is kept). (168 fit the 10,240 themselves, 170 would not: the stand-in refuses
#: them, as IAM does, see ``tests/integration/test_stand_in_quotas.py``.)
FULL = 134


def fill_inline(iam: Any, count: int) -> list[str]:
    """Put ``count`` partners straight into the provider's inline policy (as earlier runs would have)."""
    arns = partners(0, count)
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName=POLICY, PolicyDocument=json.dumps(documents.assume_role_policy(arns))
    )
    return arns


def granted(iam: Any) -> dict[str, set[str]]:
    """Every document on the EMR EC2 role granting sts:AssumeRole through the provider's statement."""
    result = {"inline": spill.held(json.loads(json.dumps(_inline(iam))))}
    for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=item["PolicyArn"], VersionId=policy["DefaultVersionId"])
        result[item["PolicyName"]] = spill.held(version["PolicyVersion"]["Document"])
    return result


def _inline(iam: Any) -> dict[str, Any] | None:
    names = iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    return iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY)["PolicyDocument"] if POLICY in names else None


def test_roles_past_the_inline_wall_go_into_a_managed_policy_and_a_second_run_writes_nothing(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    held = fill_inline(iam, 160)
    others = iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    assert len(others) >= 2  # the seeded policy of the role's own shares the 10,240 characters
    new = partners(160, 40)

    _, recorder, _ = run_operator(attach(destination_role_arns=new))

    grants = granted(iam)
    assert set(held) <= grants["inline"]
    assert SPILL_2 in grants, grants.keys()
    assert set(new) <= grants["inline"] | grants[SPILL_2]
    assert set(new) & grants[SPILL_2]  # some did not fit the inline policy
    # The role's inline policies together stay within IAM's 10,240 characters.
    total = sum(
        iam_policy_length(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )
    assert total <= 10240
    assert "CreatePolicy" in recorder.mutating
    assert "AttachRolePolicy" in recorder.mutating
    policy = iam.get_policy(PolicyArn=SPILL_ARN)["Policy"]
    assert policy["Path"] == spill.SPILL_PATH

    _, again, _ = run_operator(attach(destination_role_arns=new + held[:5]))

    assert again.mutating == []


def test_a_rerun_of_a_grant_a_spill_policy_holds_writes_nothing_after_a_revoke_freed_inline_room(aws: Seeded) -> None:
    """
    Idempotent in the state other partners leave: once a revoke frees room in the inline policy, a rerun of a
    grant held in a spill policy still finds it there, and neither writes nor grants it twice.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    spilled = partners(FULL, 5)
    run_operator(attach(destination_role_arns=spilled))
    assert set(spilled) <= granted(iam)[SPILL_2]
    fill_inline(iam, FULL - 20)  # 20 other partners revoked: the inline policy has room for five again

    _, again, _ = run_operator(attach(destination_role_arns=spilled))

    assert again.mutating == []
    grants = granted(iam)
    assert set(spilled) <= grants[SPILL_2]
    assert not set(spilled) & grants["inline"]


def test_a_full_managed_policy_starts_another_and_versions_stay_within_five(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    for start in range(FULL, FULL + 6):  # six runs: six versions of the spill policy asked for
        run_operator(attach(destination_role_arns=partners(start, 1)))
    versions = iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]
    assert len(versions) <= 5
    assert set(partners(FULL, 6)) <= granted(iam)[SPILL_2]

    run_operator(attach(destination_role_arns=partners(FULL + 6, 150)))

    grants = granted(iam)
    assert SPILL_3 in grants
    assert set(partners(0, FULL + 156)) == set().union(*grants.values())


def test_refused_at_the_managed_policy_quota_with_no_write_naming_the_remedy(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    for index in range(10 - attached - 1):  # others' policies leave one slot free
        arn = iam.create_policy(
            PolicyName=f"team-policy-{index}",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)

    with pytest.raises(QuotaExceededError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 300)))  # needs about three managed policies

    message = str(refused.value)
    assert refused.value.field == "destination_role_arns"
    assert "Managed policies attached to an IAM role" in message
    assert "instance-profile role" in message
    assert "Service Quotas" in message
    assert "reference_iam-quotas" in message
    assert SPILL_2 not in granted(iam)

    # With the quota raised in IAM (played by the stand-in) and said so, the same request goes through.
    raise_iam_quota(EMR_ACCOUNT, "AttachedPoliciesPerRoleQuota", 20)
    with pytest.raises(QuotaExceededError):
        run_operator(attach(destination_role_arns=partners(FULL, 300), managed_policies_per_role=11))
    run_operator(attach(destination_role_arns=partners(FULL, 300), managed_policies_per_role=20))
    assert set(partners(0, FULL + 300)) == set().union(*granted(iam).values())


def test_a_managed_policy_quota_said_higher_than_iam_s_is_refused_by_iam_leaving_no_policy_attached_to_nothing(
    aws: Seeded,
) -> None:
    """
    IAM refuses an 11th managed policy on the role (``LimitExceeded``, "AttachRolePolicy") whatever the task says.

    The inline policy has room for a few grants: it is written last, so it is left as it was; the spill policies
    attached before the refused attach are in force and named in the refusal, the others made for it are deleted.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL - 10)
    inline_before = granted(iam)["inline"]

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 1300), managed_policies_per_role=20))  # 12 policies

    assert refused.value.field == "managed_policies_per_role"
    assert "PoliciesPerRole: 10" in str(refused.value)
    assert "PutRolePolicy" not in recorder.mutating
    assert granted(iam)["inline"] == inline_before
    made = {item["Arn"] for item in iam.list_policies(Scope="Local")["Policies"]}
    attached = {
        item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    }
    assert len(attached) == 10
    assert made == attached  # the policies made for the refused attach and those after it were deleted again
    assert f"this run wrote and kept: managed policy {SPILL_2} attached to role {EMR_EC2_ROLE}" in str(refused.value)

    raise_iam_quota(EMR_ACCOUNT, "AttachedPoliciesPerRoleQuota", 20)
    run_operator(attach(destination_role_arns=partners(FULL, 1300), managed_policies_per_role=20))
    assert set(partners(0, FULL - 10) + partners(FULL, 1300)) == set().union(*granted(iam).values())


def test_an_attach_iam_refuses_at_once_leaves_the_role_as_it_was(aws: Seeded) -> None:
    """
    The role at IAM's 10 managed policies, the task saying 20: IAM refuses the first ``AttachRolePolicy``
    (``LimitExceeded``: IAM API Reference, "AttachRolePolicy"; "Managed policies attached to an IAM role" is adjustable,
    IAM User Guide, "IAM and AWS STS quotas", so only IAM knows the value in force). The new spill policies are created
    and attached before the inline policy, which has room for some of the grants, is written: the refusal leaves every
    grant and every policy as it was, and says that nothing else was written.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL - 10)
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    for index in range(10 - attached):  # others' policies fill IAM's quota of the role
        arn = iam.create_policy(
            PolicyName=f"team-policy-{index}",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)
    before = granted(iam)
    policies = {item["Arn"] for item in iam.list_policies(Scope="Local")["Policies"]}

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 300), managed_policies_per_role=20))  # 3 policies

    assert refused.value.field == "managed_policies_per_role"
    assert "PutRolePolicy" not in recorder.mutating
    assert recorder.of("iam").count("AttachRolePolicy") == 1
    assert granted(iam) == before
    assert {item["Arn"] for item in iam.list_policies(Scope="Local")["Policies"]} == policies
    assert "This run wrote nothing else" in str(refused.value)


def test_an_account_at_its_customer_managed_policy_quota_is_refused_at_once_naming_it(aws: Seeded) -> None:
    """
    IAM refuses CreatePolicy past the account's "Customer managed policies in an AWS account" (1,500 by default,
    adjustable: IAM User Guide, "IAM and AWS STS quotas"; IAM API Reference, "CreatePolicy", ``LimitExceeded``), played
    by the stand-in at the policies the account already has. Waiting does not lift it: refused on the first answer,
    naming the quota. The inline policy has room for some of the grants, but the new spill policy is created before it
    is written: the grant is left as it was, nothing but the refused CreatePolicy sent, and the refusal says so; with
    the quota raised, the same request goes through.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL - 10)
    before = granted(iam)
    raise_iam_quota(EMR_ACCOUNT, "PoliciesQuota", len(iam.list_policies(Scope="Local")["Policies"]))

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 300)))  # 10 fit inline, the rest need managed policies

    assert refused.value.field == "destination_role_arns"
    assert "Customer managed policies in an AWS account" in str(refused.value)
    assert "PoliciesPerAccount" in str(refused.value)
    assert recorder.mutating == ["CreatePolicy"]  # not sent again (waiting does not lift the quota); no PutRolePolicy
    assert granted(iam) == before
    assert "This run wrote nothing else" in str(refused.value)

    raise_iam_quota(EMR_ACCOUNT, "PoliciesQuota", 1500)
    run_operator(attach(destination_role_arns=partners(FULL, 300)))
    assert set(partners(0, FULL - 10) + partners(FULL, 300)) == set().union(*granted(iam).values())


def test_a_later_spill_policy_refused_at_the_account_quota_leaves_none_of_the_grant(aws: Seeded) -> None:
    """
    Room in the account for one customer managed policy more, the grant needing three: the first CreatePolicy goes
    through, the second is refused (IAM User Guide, "IAM and AWS STS quotas"). Every CreatePolicy comes before any
    attach, so the policy made is attached to nothing (IAM User Guide, "Managed policies and inline policies": a
    policy gives its permissions once attached) and is deleted again; the inline policy is not written.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL - 10)
    before = granted(iam)
    policies = {item["Arn"] for item in iam.list_policies(Scope="Local")["Policies"]}
    raise_iam_quota(EMR_ACCOUNT, "PoliciesQuota", len(policies) + 1)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 300)))

    assert refused.value.field == "destination_role_arns"
    assert recorder.mutating == ["CreatePolicy", "CreatePolicy", "DeletePolicy"]
    assert granted(iam) == before
    assert {item["Arn"] for item in iam.list_policies(Scope="Local")["Policies"]} == policies
    assert "This run wrote nothing else" in str(refused.value)


def test_the_refusal_comes_before_any_write(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    operator = attach(destination_role_arns=partners(FULL, 2000))
    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(QuotaExceededError):
        operator.execute({"ti": None})
    assert recorder.mutating == []
    assert recorder.reads  # it read what is there before deciding


@pytest.mark.parametrize("quota", [0, 21, "10", True])
def test_an_impossible_managed_policy_quota_is_refused_naming_the_field(connections: None, quota: Any) -> None:
    with pytest.raises(ValueError, match="managed_policies_per_role"):
        attach(destination_role_arns=partners(0, 1), managed_policies_per_role=quota).hook.ensure_assume_role_policy(
            EMR_EC2_ROLE, partners(0, 1), managed_policies_per_role=quota
        )


def test_dry_run_shows_the_spill_and_writes_nothing(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)

    _, recorder, ti = run_operator(attach(destination_role_arns=partners(FULL, 20), dry_run=True))

    assert recorder.mutating == []
    text = json.dumps(ti.xcoms, default=str)
    assert f"iam managed policy {SPILL_2}" in text
    assert f"attached policy {SPILL_2}" in text


def test_revoke_removes_a_partner_from_the_managed_policy_and_deletes_it_once_empty(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    spilled = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-writer-spill"  # as long as a partner's
    run_operator(attach(destination_role_arns=[spilled]))
    assert spilled in granted(iam)[SPILL_2]

    run_operator(
        RevokePartnerAccessOperator(
            task_id="revoke",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arn=spilled,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            settle_seconds=0,
        )
    )

    grants = granted(iam)
    assert SPILL_2 not in grants  # emptied, detached and deleted (the provider created it)
    assert not any(policy["PolicyName"] == SPILL_2 for policy in iam.list_policies(Scope="Local")["Policies"])
    assert len(grants["inline"]) == FULL


# The whole EMR EC2 role, run at README's figures ------------------------------------------------------------------
#
# README.md ("How far it grows") and docs/scale.md ("Managed policies on the EMR EC2 role"): one EMR EC2 role holds
# 770 to 1,200 partners by ARN length, its inline policy (beside the seeded role's other one) and 9 provider-owned
# managed policies, the 10th slot being AWS's AmazonElasticMapReduceforEC2Role: 187 + 9 x 113 = 1,204 with ARNs of 50
# characters, 119 + 9 x 72 = 767 with 80 (with no slot left, the inline policy fills spill.INLINE_RESERVE too). The
# figures are README's, written here, not computed with the provider's placement (pure/spill.py), which is the code under test; the judge is the stand-in's (devstack/aws_quotas.py), which
# counts by itself and refuses as IAM does at AWS's figures (IAM User Guide, "IAM and AWS STS quotas": a role's inline
# policies together 10,240 characters, a managed policy 6,144, whitespace not counted; 10 managed policies per role by
# default). What the run leaves is measured here a third way (compact JSON), and each document must be full: no room
# for one more ARN of that length, so no placement of the provider's statement could hold more on this role.

#: README's partners per role, by destination role ARN length.
CLAIMED = {50: 1_204, 80: 767}
#: docs/scale.md, "How many partners each document holds": the inline policy beside the seeded role's other one, its
#: reserve filled (no managed-policy slot left), and each managed policy.
CLAIMED_PER_DOCUMENT = {50: (187, 113), 80: (119, 72)}
#: The managed policy the default EMR EC2 role has attached (Amazon EMR Management Guide, "Service role for cluster
#: EC2 instances (EC2 instance profile)").
EMR_FOR_EC2_NAME = "AmazonElasticMapReduceforEC2Role"
EMR_FOR_EC2 = f"arn:aws:iam::aws:policy/service-role/{EMR_FOR_EC2_NAME}"
ROLE_INLINE_CHARS, MANAGED_CHARS, POLICIES_PER_ROLE = 10_240, 6_144, 10


def attach_aws_emr_for_ec2_policy(seeded: Seeded) -> None:
    """Attach AWS's ``AmazonElasticMapReduceforEC2Role`` to the EMR EC2 role (moto loads no AWS managed policy: added
    here from moto's copy of AWS's, as ``tests/integration/test_scoped_service_role.py`` does)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)[EMR_FOR_EC2_NAME]
    policy = AWSManagedPolicy.from_data(EMR_FOR_EC2_NAME, EMR_ACCOUNT, "us-east-1", data)
    iam_backends[EMR_ACCOUNT]["aws"].managed_policies[policy.arn] = policy
    assert policy.arn == EMR_FOR_EC2
    client(seeded.url, EMR_ACCOUNT, "iam").attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=policy.arn)


def partners_of_length(length: int, count: int) -> list[str]:
    """``count`` destination role ARNs in the destination account, each exactly ``length`` characters."""
    stem = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/"
    arns = [f"{stem}partner-{index:04d}-".ljust(length, "w") for index in range(count)]
    assert {len(arn) for arn in arns} == {length}
    return arns


def compact_length(document: dict[str, Any]) -> int:
    """IAM's count of a document read back: its JSON without whitespace (no string here holds any)."""
    return len(json.dumps(document, separators=(",", ":")))


def role_documents(iam: Any) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """The role's inline policies and its attached customer managed policies (default versions), by name; every ARN."""
    inline = {
        name: iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    }
    attached = iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    managed = {}
    for item in attached:
        if item["PolicyArn"] == EMR_FOR_EC2:
            continue
        version = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]["DefaultVersionId"]
        managed[item["PolicyName"]] = iam.get_policy_version(PolicyArn=item["PolicyArn"], VersionId=version)[
            "PolicyVersion"
        ]["Document"]
    return inline, managed, [item["PolicyArn"] for item in attached]


def assumable(document: dict[str, Any]) -> set[str]:
    """The resources of every statement allowing ``sts:AssumeRole``."""
    result: set[str] = set()
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and "sts:AssumeRole" in actions:
            resources = statement["Resource"]
            result |= set(resources if isinstance(resources, list) else [resources])
    return result


def refused_with_no_write(operator: AttachAssumeRolePolicyOperator) -> QuotaExceededError:
    recorder = CallRecorder()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything(), pytest.raises(QuotaExceededError) as refused:
        execute_as_task(operator, {"ti": ti, "task_instance": ti})
    assert recorder.mutating == []
    assert "ListAttachedRolePolicies" in recorder.reads  # it read what is there before deciding
    assert refused.value.field == "destination_role_arns"
    assert refused.value.quota.name == "Managed policies attached to an IAM role"
    assert refused.value.amount == POLICIES_PER_ROLE + 1
    return refused.value


@pytest.mark.parametrize("length", sorted(CLAIMED))
def test_the_emr_ec2_role_holds_the_partners_the_readme_says_and_refuses_one_more_before_any_write(
    aws: Seeded, length: int
) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    # The stand-in judges at AWS's default figures (GetAccountSummary, "in non-whitespace characters").
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["RolePolicySizeQuota"] == ROLE_INLINE_CHARS
    assert summary["PolicySizeQuota"] == MANAGED_CHARS
    assert summary["AttachedPoliciesPerRoleQuota"] == POLICIES_PER_ROLE
    attach_aws_emr_for_ec2_policy(aws)
    seeded = role_documents(iam)
    claimed = CLAIMED[length]
    arns = partners_of_length(length, claimed + 1)

    # One more than the claim, at once: refused, nothing written.
    refused_with_no_write(attach(destination_role_arns=arns))
    assert role_documents(iam) == seeded

    # The claim: every partner held, in the inline policy and 9 managed policies beside AWS's.
    run_operator(attach(destination_role_arns=arns[:claimed]))
    inline, managed, attached = role_documents(iam)
    assert len(attached) == POLICIES_PER_ROLE
    assert EMR_FOR_EC2 in attached
    assert len(managed) == POLICIES_PER_ROLE - 1
    assert set(inline) == {POLICY, *seeded[0]}
    assert set().union(*map(assumable, [*inline.values(), *managed.values()])) == set(arns[:claimed])
    in_inline, in_each_managed = CLAIMED_PER_DOCUMENT[length]
    assert len(assumable(inline[POLICY])) == in_inline
    counts = sorted(len(assumable(document)) for document in managed.values())
    assert counts == [in_each_managed] * (POLICIES_PER_ROLE - 1)
    # Within AWS's figures, counted here, and full: one more ARN (quoted, and a comma) would not fit any document.
    room = [ROLE_INLINE_CHARS - sum(map(compact_length, inline.values()))]  # the reserve filled: no slot left
    room += [MANAGED_CHARS - compact_length(document) for document in managed.values()]
    assert all(0 <= left < length + 3 for left in room), (room, counts)

    # And the next partner: refused, nothing written.
    error = refused_with_no_write(attach(destination_role_arns=arns))
    assert "instance-profile role" in str(error)
    assert role_documents(iam) == (inline, managed, attached)


def test_a_spill_policy_iam_refuses_for_its_size_is_refused_naming_both_quotas(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    IAM answers ``LimitExceeded`` to CreatePolicy for a document over "Managed policy size" too ("Cannot exceed quota
    for PolicySize: 6144"; IAM API Reference, "CreatePolicy": "The error message describes the limit exceeded"), not
    only past "Customer managed policies in an AWS account". The stand-in plays IAM counting the document longer than
    the provider does (a character sent escaped, say) with its size quota under the document. Both quotas are named,
    with the document's size as counted; AWS's message, quoted, says which.
    """
    import moto.iam.models  # the stand-in's own backends (appended here: imported where used)

    for backend in moto.iam.models.iam_backends[EMR_ACCOUNT].values():
        monkeypatch.setattr(backend.account_summary, "_policy_size_quota", 1000)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    before = granted(iam)

    with pytest.raises(QuotaRefusedByAwsError) as refused:
        run_operator(attach(destination_role_arns=partners(FULL, 300)))

    message = str(refused.value)
    assert refused.value.field == "destination_role_arns"
    assert "PolicySize: 1000" in message
    assert "'Managed policy size' (6144 characters without whitespace, a hard limit" in message
    assert "'Customer managed policies in an AWS account'" in message
    assert "this document counts " in message
    assert " of its 6,144 as the provider counts them" in message
    assert granted(iam) == before
