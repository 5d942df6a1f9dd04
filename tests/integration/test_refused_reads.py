"""
A randomized study of refused reads: sound set-ups, the verifier's connections refused a random few of its reads.

The promise (docs/howto/verify.md): a link whose read was refused is never PASS or FAIL on a guess; it is "not
checked", its fix naming the refused IAM action to grant, and the verdict is never PASS while a link is not checked.

Each case takes a set-up where every link passes with every read allowed (:func:`build`: the example grant with
its release given; the same grant's cluster in a private subnet reaching STS and S3 through VPC endpoints; two
partners, the second's key access a KMS grant; the EMR EC2 role with a managed policy and the destination roles
with a permissions boundary, as real roles have), gives each connection's role an identity policy that allows
everything but one to three of the verifier's read actions (drawn from docs/permissions.md's rows of
``VerifyCrossAccountAccessOperator``) and runs the verifier with moto's IAM authorization on. The connections sign
with an IAM user's keys of their account (moto authenticates only keys it issued), so every session the hooks open
is checked too. What was refused is what moto's authorization refused (recorded in the server, not by the
verifier), with S3's actions named as AWS names them (devstack/aws_s3_actions.py).

The claims, for every case: nothing escapes the verifier; no link FAILs (the set-up is sound: a FAIL is a guess);
a link PASSes only if none of the reads it depends on (:data:`DEPENDS`, from docs/permissions.md) was refused; a
refused read that bears on the set-up (not :data:`TOLERATED` nor :data:`NOT_BEARING_HERE`) is named in a link's
fix when it is the case's only one; every refused read is named in the report (its list of refused reads, which names
those a link's fix leaves out when several feed it); the verdict is not PASS while a link is not checked. And with every read allowed, every
action the verifier was authorized for is one the table lists. ``make test`` runs :data:`SAMPLE` cases; the full
study (:data:`STUDY` cases) runs with ``EMRFS_XACCT_REFUSED_STUDY=1`` (``make refused-study``).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.verify import verify_chain
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    Seeded,
    client,
    connection_uri_json,
)
from devstack.testing import (
    ALLOW_EVERYTHING,
    answer_denials_like_aws,
    moto_authorization_checked,
    moto_user,
    run_operator,
    small_cluster,
)
from tests.integration.partners import (
    create_security_configuration,
    ensure_destination_role,
    mapping,
    provision_partner,
)
from tests.integration.test_differential import readers
from tests.integration.test_network_facts import add_s3_gateway_endpoint, add_sts_interface_endpoint, private_subnet
from tests.integration.test_permission_tables import documented

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.findings import Link, Report

SEED = 20261201
SAMPLE = 18
STUDY = 300
ROLE_NAME = "partner-a-writer"
GRANTED_ROLE_NAME = "partner-g-writer"
CONNECTIONS = {EMR_ACCOUNT: "EMR", DESTINATION_ACCOUNT: "destination"}
CONNECTION_IDS = {EMR_CONN_ID: "EMR", DESTINATION_CONN_ID: "destination"}
SIGNER = "verifier-signer"

#: The verifier's actions with ``probe=True`` only (docs/permissions.md: "with ``probe=True``: ..."), and its
#: simulator call (not asked here: ``simulate=False``, moto has no simulator): never drawn.
NOT_READ_HERE = frozenset(
    {
        "elasticmapreduce:AddJobFlowSteps",
        "elasticmapreduce:ListSteps",
        "elasticmapreduce:DescribeStep",
        "elasticmapreduce:CancelSteps",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:ListBucketVersions",
        "s3:DeleteObjectVersion",
        "iam:SimulatePrincipalPolicy",
        # A cluster of instance fleets' (the set-ups' clusters are of instance groups: ListInstanceGroups).
        "elasticmapreduce:ListInstanceFleets",
    }
)

#: Refusals docs/permissions.md says the verifier tolerates: ``ec2:DescribeNatGateways`` ("refused or not described,
#: egress not seen": an egress not seen can only make the STS and S3 links fail or not checked, never pass on its
#: account; a link it leaves not checked names it, test_network_facts.py). (``s3:GetAccountPublicAccessBlock``, "refused: a warning", is a WARN
#: link whose fix names it.)
TOLERATED = frozenset({("EMR", "ec2:DescribeNatGateways")})

#: A role's reads: itself (its trust), its inline and managed policies (``iam:GetPolicy``/``iam:GetPolicyVersion``
#: also read its permissions boundary).
_ROLE_READS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
)
_EMR_ROLE = {("EMR", action) for action in (*_ROLE_READS, "iam:ListRoleTags")}
_DESTINATION_ROLE = {("destination", action) for action in _ROLE_READS}
_CONFIGURATION = {("EMR", "elasticmapreduce:DescribeSecurityConfiguration")}
_CLUSTER = {("EMR", "elasticmapreduce:DescribeCluster")}
_ROUTES = {
    ("EMR", action)
    for action in (
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribePrefixLists",
    )
}
#: The bucket's reads every write depends on: its policy, and its owner and Region (HeadBucket: ``s3:ListBucket``).
_BUCKET = {("destination", "s3:GetBucketPolicy"), ("destination", "s3:ListBucket")}
#: Reads that decide nothing in these set-ups, so that no link depends on them and the report need not name them:
#: the bucket reads that bear only on writers of another account than the bucket's (every mapped role here is the
#: destination account's, which owns the bucket): Block Public Access (RestrictPublicBuckets blocks "public and
#: cross-account access" only: S3 API Reference, PublicAccessBlockConfiguration), Requester Pays ("Bucket owners do
#: not need to add x-amz-request-payer": S3 User Guide, "Downloading objects from Requester Pays buckets") and
#: Object Ownership ("the AWS account that uploads an object owns the object": S3 User Guide, "Controlling ownership
#: of objects"); and the entries of the S3 gateway endpoint's prefix list, read "to find the routes as specific or
#: more that take S3's addresses from it" (docs/permissions.md): the subnet here has no route but the local one and
#: the endpoints'.
NOT_BEARING_HERE = frozenset(
    {
        *(
            ("destination", action)
            for action in (
                "s3:GetBucketPublicAccessBlock",
                "s3:GetBucketPolicyStatus",
                "s3:GetBucketRequestPayment",
                "s3:GetBucketOwnershipControls",
                "s3:GetBucketAcl",
            )
        ),
        ("EMR", "ec2:GetManagedPrefixListEntries"),
    }
)
_KEY = {("destination", action) for action in ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants")}

#: A link (by the start of its name) and the reads of docs/permissions.md it depends on: what its claim is about.
DEPENDS: list[tuple[str, set[tuple[str, str]]]] = [
    ("cluster runs the security configuration", _CLUSTER),
    ("cluster's instance profile role", _CLUSTER | {("EMR", "iam:GetInstanceProfile")}),
    ("cluster accepts jobs", _CLUSTER),
    # Each instance group's own configurations, over the cluster's (ListInstanceGroups).
    ("instance groups' connector settings", _CLUSTER | {("EMR", "elasticmapreduce:ListInstanceGroups")}),
    # With a cluster its release is the cluster's (DescribeCluster; refused, unknown, whatever release_label says);
    # without, the release given (no read, so nothing to refuse).
    ("release supports role mappings", _CLUSTER),
    # "with a cluster_id in a VPC subnet (the routes to STS and S3)": the routes, the endpoints (their policies
    # judge the assume), the VPC's DNS attributes and the endpoint's security groups (private DNS).
    (
        "cluster reaches STS",
        _CLUSTER | _ROUTES | {("EMR", "ec2:DescribeVpcAttribute"), ("EMR", "ec2:DescribeSecurityGroups")},
    ),
    # The S3 route: the routes and endpoints, the bucket's Region (an S3 gateway endpoint serves its own), and the
    # VPC's DNS support, without which no way resolves S3's name ("read once for every link").
    (
        "cluster reaches s3://",
        _CLUSTER | _ROUTES | {("destination", "s3:ListBucket"), ("EMR", "ec2:DescribeVpcAttribute")},
    ),
    ("security configuration exists", _CONFIGURATION),
    ("EMR EC2 role", _EMR_ROLE),
    ("mapping not shadowed", _CONFIGURATION),
    ("destination role", _CONFIGURATION | _DESTINATION_ROLE),
    # The EMR EC2 role's identity policies and tags (aws:PrincipalTag), the destination role's trust (GetRole).
    ("EMR role can assume destination role", _CONFIGURATION | _EMR_ROLE | {("destination", "iam:GetRole")}),
    # The writes: the mapped role's policies, the bucket's policy and owner (the default encryption is the key
    # link's: a write's SSE condition keys are its own headers, S3 User Guide, "Specifying server-side encryption
    # with AWS KMS (SSE-KMS)").
    *(
        (step, _CONFIGURATION | _DESTINATION_ROLE | _BUCKET)
        for step in (
            "output directory lookup",
            "mkdirs",
            "write files",
            "abort pending uploads",
            "rename",  # a job's rename without the S3-optimized committer (requests.RENAME_REQUESTS)
            "job commit",
            "read back",
        )
    ),
    # "kms:DescribeKey, kms:GetKeyPolicy; only when the key's policies do not allow ...: kms:ListGrants".
    (
        "use bucket key",
        _CONFIGURATION | _DESTINATION_ROLE | _KEY | {("destination", "s3:GetEncryptionConfiguration")},
    ),
    # Who owns what the writers put: the writers (the mappings' roles) and the bucket's owner (Object Ownership
    # matters for writers of another account only: NOT_BEARING_HERE).
    ("owner of objects", _CONFIGURATION | {("destination", "s3:ListBucket")}),
    # "s3:GetBucketObjectLockConfiguration (Object Lock default retention; refused, the link is not checked)".
    ("uploads meet Object Lock default retention", {("destination", "s3:GetBucketObjectLockConfiguration")}),
]


def depends_on(link: str) -> set[tuple[str, str]]:
    found = [reads for start, reads in DEPENDS if link.startswith(start)]
    assert found, f"no dependency known for the link {link!r}: add it to DEPENDS"
    return found[0]


def candidates() -> list[tuple[str, str]]:
    """The verifier's read actions, per connection, from docs/permissions.md (probe and simulator left out)."""
    table = documented()["VerifyCrossAccountAccessOperator"]
    return sorted(
        (connection, action)
        for connection, actions in table.items()
        for action in actions
        if action not in NOT_READ_HERE
    )


@dataclass
class SetUp:
    """A sound set-up: what the verifier is given."""

    name: str
    arguments: dict[str, Any]
    #: The mappings whose role the key's policy leaves out and a KMS grant lets in (the others' key links do not
    #: depend on ``kms:ListGrants``: "only when the key's policies do not allow a writer's KMS call").
    key_by_grant: set[int] = field(default_factory=set)


@dataclass
class Outcome:
    """One case: what was denied, what moto refused, what the verifier said, and what broke the promise."""

    number: int
    setup: str
    denied: list[tuple[str, str]]
    refused: set[tuple[str, str]] = field(default_factory=set)
    verdict: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        refused = sorted(f"{connection} {action}" for connection, action in self.refused)
        return (
            f"case {self.number} [{self.setup}] denied {[f'{c} {a}' for c, a in self.denied]} refused {refused}: "
            f"{self.verdict}"
            f"{'; ' + '; '.join(self.problems) if self.problems else ''}"
        )


def judge_report(report: Report, refused: set[tuple[str, str]], setup: SetUp) -> list[str]:
    """What in ``report`` breaks the promise, given the reads moto ``refused``."""
    problems = []
    links: list[Link] = report.links
    for link in links:
        if link.status == "fail":
            problems.append(f"{link.link!r} FAILs in a sound set-up: {link.detail}")
        if link.status != "pass":
            continue
        depends = depends_on(link.link)
        if link.link.startswith("use bucket key") and link.mapping not in setup.key_by_grant:
            depends = depends - {("destination", "kms:ListGrants")}
        guessed = depends & refused
        if guessed:
            problems.append(f"{link.link!r} PASSes with {sorted(guessed)} refused")
    fixes = " ".join(link.fix for link in links if link.status != "pass")
    bearing = refused - TOLERATED - NOT_BEARING_HERE
    unnamed = [f"{connection} {action}" for connection, action in sorted(bearing) if action not in fixes]
    if unnamed and len(bearing) == 1:  # alone, nothing else it feeds can be not checked for another reason
        problems.append(f"the refused {unnamed[0]} is named in no fix")
    # Every refused read is in the report's list, with its connection: however many were refused, one run tells
    # what to grant (a link's fix names only the refusal that left it not checked first). The stand-in answers an
    # S3 Control denial as AWS does (devstack/testing.py, answer_denials_like_aws), so the account's Block Public
    # Access read refused is listed too.
    listed = {(CONNECTION_IDS.get(item.connection), item.action) for item in report.refused_reads}
    problems += [
        f"the refused {connection} {action} is named nowhere in the report"
        for connection, action in sorted(refused - listed)
    ]
    if any(link.status == "not checked" for link in links) and report.verdict == "PASS":
        problems.append("the verdict is PASS with links not checked")
    return problems


def sign_as_users(aws: Seeded, monkeypatch: pytest.MonkeyPatch, *, set_up_allowed: bool = False) -> None:
    """
    Each connection signs with the keys of an IAM user of its account, who may only assume the connection's role.

    moto authenticates only keys it issued (the connections' ``testing`` keys are refused once its IAM
    authorization is on), and the hooks open new sessions during a run (the EC2 reads do). With ``set_up_allowed``
    the connections' roles may do everything (their ``verifier`` policy, which the test's own replaces): a set-up run
    through the connections while moto's authorization is off is still judged by the stand-in's key judge
    (``devstack/aws_key_policy_calls.py``: the connections' KMS calls on a key, as on AWS).
    """
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ""}, "Action": "sts:AssumeRole"}],
    }
    for account, conn_id in ((EMR_ACCOUNT, EMR_CONN_ID), (DESTINATION_ACCOUNT, DESTINATION_CONN_ID)):
        role = f"arn:aws:iam::{account}:role/{PROVISIONER_ROLE}"
        assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}
        user, key = moto_user(aws.url, SIGNER, [assume], account)
        trust["Statement"][0]["Principal"]["AWS"] = user
        client(aws.url, account, "iam").create_role(
            RoleName=PROVISIONER_ROLE, AssumeRolePolicyDocument=json.dumps(trust)
        )
        if set_up_allowed:
            client(aws.url, account, "iam").put_role_policy(
                RoleName=PROVISIONER_ROLE,
                PolicyName="verifier",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_EVERYTHING]}),
            )
        connection = json.loads(connection_uri_json(aws.url, account))
        connection.update(login=key["AccessKeyId"], password=key["SecretAccessKey"])
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))


def deny(aws: Seeded, denied: list[tuple[str, str]]) -> None:
    """Each connection's role may do everything but the actions ``denied`` to it."""
    for account, connection in CONNECTIONS.items():
        statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        actions = sorted(action for named, action in denied if named == connection)
        if actions:
            statements.append({"Effect": "Deny", "Action": actions, "Resource": "*"})
        client(aws.url, account, "iam").put_role_policy(
            RoleName=PROVISIONER_ROLE,
            PolicyName="verifier",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )


@dataclass
class Authorized:
    """What moto's authorization was asked, and what it refused, as (connection, action)."""

    asked: set[tuple[str, str]] = field(default_factory=set)
    refused: set[tuple[str, str]] = field(default_factory=set)


@pytest.fixture
def authorized(monkeypatch: pytest.MonkeyPatch) -> Authorized:
    """Record what moto's authorization decides (the server runs in this process), the verifier's own reports aside."""
    from moto.iam.access_control import IAMRequestBase

    answer_denials_like_aws(monkeypatch)
    seen = Authorized()
    check = IAMRequestBase.check_action_permitted

    def record(self: Any, resource: str) -> None:
        asked = (CONNECTIONS.get(self.account_id, self.account_id), self._action)
        seen.asked.add(asked)
        try:
            check(self, resource)
        except Exception:
            seen.refused.add(asked)
            raise

    monkeypatch.setattr(IAMRequestBase, "check_action_permitted", record)
    return seen


def build(aws: Seeded) -> list[SetUp]:
    """The sound set-ups: the example grant (its release given), and its cluster in a private subnet."""
    prefix = f"s3://{aws.bucket}/exports/partner-a/"
    provision_partner(aws, ROLE_NAME, prefix)
    configuration = create_security_configuration([mapping(ROLE_NAME, prefix)])
    # As real roles have them: the EMR EC2 role a managed policy (the default role has AmazonElasticMapReduceforEC2Role
    # attached: Amazon EMR Management Guide, "Service role for cluster EC2 instances (EC2 instance profile)"), the
    # destination role a permissions boundary that lets its policies through.
    everything = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    emr_iam = client(aws.url, EMR_ACCOUNT, "iam")
    instance_policy = emr_iam.create_policy(
        PolicyName="emr-instance-permissions",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    emr_iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=instance_policy)
    destination_iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    boundary = destination_iam.create_policy(PolicyName="partner-boundary", PolicyDocument=everything)["Policy"]["Arn"]
    destination_iam.put_role_permissions_boundary(RoleName=ROLE_NAME, PermissionsBoundary=boundary)
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.9")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    instances = {**small_cluster()["Instances"], "Ec2SubnetId": subnet}
    cluster_id = client(aws.url, EMR_ACCOUNT, "emr").run_job_flow(
        **small_cluster("refused-reads", Instances=instances), SecurityConfiguration=configuration
    )["JobFlowId"]
    # A second partner whose key access is a KMS grant, not the key policy: the verifier reads the key's grants.
    granted_prefix = f"s3://{aws.bucket}/exports/partner-g/"
    granted = ensure_destination_role(aws, GRANTED_ROLE_NAME, granted_prefix)
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arns=[granted],
            settle_seconds=0,
        )
    )
    destination_iam.put_role_permissions_boundary(RoleName=GRANTED_ROLE_NAME, PermissionsBoundary=boundary)
    client(aws.url, DESTINATION_ACCOUNT, "kms").create_grant(
        KeyId=aws.kms_key_arn, GranteePrincipal=granted, Operations=["GenerateDataKey", "Decrypt"]
    )
    both = create_security_configuration([mapping(ROLE_NAME, prefix), mapping(GRANTED_ROLE_NAME, granted_prefix)])
    return [
        SetUp("grant", {"security_configuration": configuration, "release_label": "emr-6.15.0"}),
        SetUp("kms grant", {"security_configuration": both, "release_label": "emr-6.15.0"}, key_by_grant={1}),
        SetUp("cluster", {"security_configuration": configuration, "cluster_id": cluster_id}),
    ]


def run_case(aws: Seeded, setups: list[SetUp], seen: Authorized, number: int, pool: list[tuple[str, str]]) -> Outcome:
    rng = random.Random(SEED * 7_919 + number)
    setup = rng.choice(setups)
    denied = rng.sample(pool, rng.randint(1, 3))
    outcome = Outcome(number, setup.name, denied)
    deny(aws, denied)
    seen.refused.clear()
    try:
        with moto_authorization_checked(aws.url):
            report, _ = verify_chain(readers(), simulate=False, **setup.arguments)
    except Exception as error:  # the claim: nothing escapes
        outcome.problems.append(f"escaped: {type(error).__name__}: {error}")
        return outcome
    finally:
        outcome.refused = set(seen.refused)
    outcome.verdict = report.verdict
    outcome.problems = judge_report(report, outcome.refused, setup)
    return outcome


def study(aws: Seeded, monkeypatch: pytest.MonkeyPatch, seen: Authorized, cases: int) -> list[Outcome]:
    setups = build(aws)
    sign_as_users(aws, monkeypatch)
    # Every read allowed: each set-up passes (else it is not a sound set-up to refuse reads in), and every action
    # it was authorized for is one docs/permissions.md lists (the connections' own sts:AssumeRole aside).
    deny(aws, [])
    for setup in setups:
        with moto_authorization_checked(aws.url):
            report, _ = verify_chain(readers(), simulate=False, **setup.arguments)
        assert report.verdict == "PASS", [(link.link, link.status, link.detail) for link in report.links]
    pool = candidates()
    unlisted = {read for read in seen.asked if read[1] != "sts:AssumeRole"} - set(pool)
    assert not unlisted, f"the verifier reads what docs/permissions.md does not list: {sorted(unlisted)}"
    return [run_case(aws, setups, seen, number, pool) for number in range(cases)]


def summary(outcomes: list[Outcome]) -> str:
    verdicts = Counter(outcome.verdict or "escaped" for outcome in outcomes)
    refused = sum(len(outcome.refused) for outcome in outcomes)
    broken = sum(1 for outcome in outcomes if outcome.problems)
    return (
        f"{len(outcomes)} cases, {refused} refused reads, verdicts {dict(sorted(verdicts.items()))}, "
        f"{broken} breaking the promise"
    )


def check(outcomes: list[Outcome]) -> None:
    print(summary(outcomes))
    for outcome in outcomes:
        print(outcome.line())
    broken = [outcome.line() for outcome in outcomes if outcome.problems]
    assert broken == [], "\n".join(broken)


def test_the_table_s_dependencies_are_the_verifier_s_reads() -> None:
    """Every read a link depends on is one docs/permissions.md lists for the verifier (and so is held to the code)."""
    listed = set(candidates())
    assert {read for _, reads in DEPENDS for read in reads} <= listed
    assert listed >= TOLERATED | NOT_BEARING_HERE


def test_a_fixed_sample_of_refused_reads(aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized) -> None:
    outcomes = study(aws, monkeypatch, authorized, SAMPLE)
    check(outcomes)
    # The sample refuses reads that matter: some case is NOT_CHECKED (none FAILs: check), and moto refused what was
    # denied.
    assert any(outcome.verdict == "NOT_CHECKED" for outcome in outcomes)
    assert sum(len(outcome.refused) for outcome in outcomes) >= SAMPLE // 2


@pytest.mark.skipif(
    not os.environ.get("EMRFS_XACCT_REFUSED_STUDY"),
    reason="the full study: EMRFS_XACCT_REFUSED_STUDY=1 (make refused-study)",
)
def test_the_full_study_of_refused_reads(aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized) -> None:
    check(study(aws, monkeypatch, authorized, STUDY))


def test_every_refused_part_of_a_role_is_named(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized
) -> None:
    """Its policies and its tags refused: both actions are named, not the first alone (the next run's surprise)."""
    setup = build(aws)[0]
    sign_as_users(aws, monkeypatch)
    deny(aws, [("EMR", "iam:GetRolePolicy"), ("EMR", "iam:ListRoleTags")])
    with moto_authorization_checked(aws.url):
        report, _ = verify_chain(readers(), simulate=False, **setup.arguments)

    assert authorized.refused == {("EMR", "iam:GetRolePolicy"), ("EMR", "iam:ListRoleTags")}
    role = next(link for link in report.links if link.link == "EMR EC2 role")
    assert "iam:GetRolePolicy" in role.fix, role
    assert "iam:ListRoleTags" in role.fix, role


def test_every_refused_read_is_listed_once_in_the_report(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized
) -> None:
    """
    The destination role's GetRole and the bucket's policy refused: the writes' fix names the role read only (the
    links are not checked for it first), the report's list of refused reads names both, with their connection.
    """
    setup = build(aws)[0]
    sign_as_users(aws, monkeypatch)
    deny(aws, [("destination", "iam:GetRole"), ("destination", "s3:GetBucketPolicy")])
    with moto_authorization_checked(aws.url):
        report, _ = verify_chain(readers(), simulate=False, **setup.arguments)

    assert authorized.refused == {("destination", "iam:GetRole"), ("destination", "s3:GetBucketPolicy")}
    listed = report.to_dict()["refused_reads"]
    assert [(item["action"], item["connection"]) for item in listed] == [
        ("iam:GetRole", DESTINATION_CONN_ID),
        ("s3:GetBucketPolicy", DESTINATION_CONN_ID),
    ]
    assert [item["resource"] for item in listed] == [f"RoleName={ROLE_NAME}", f"Bucket={aws.bucket}"]
    table = report.table()
    assert f"iam:GetRole on RoleName={ROLE_NAME} to the connection {DESTINATION_CONN_ID!r}" in table
    assert f"s3:GetBucketPolicy on Bucket={aws.bucket} to the connection {DESTINATION_CONN_ID!r}" in table
    # The links are as before: the role's is not checked for its refused read, and no fix names the bucket policy.
    role = next(link for link in report.links if link.link == "destination role")
    assert role.status == "not checked"
    assert "iam:GetRole" in role.fix
    assert not any("s3:GetBucketPolicy" in link.fix for link in report.links)


def test_a_refused_account_block_public_access_read_is_a_refused_read(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized
) -> None:
    """
    S3 Control refuses as S3 does, ``AccessDenied`` in an ``Error`` element (Amazon S3 API Reference, "Error
    responses": "REST error responses", whose list also holds S3 Control's own codes, e.g. Storage Lens and Access
    Grants; "AccessDenied", 403 Forbidden): the account's Block Public Access read refused is a refused read, listed
    with its connection and call, and its WARN link carries it.
    """
    setup = build(aws)[0]
    sign_as_users(aws, monkeypatch)
    deny(aws, [("destination", "s3:GetAccountPublicAccessBlock")])
    with moto_authorization_checked(aws.url):
        report, _ = verify_chain(readers(), simulate=False, **setup.arguments)

    assert authorized.refused == {("destination", "s3:GetAccountPublicAccessBlock")}
    listed = report.to_dict()["refused_reads"]
    assert [(item["action"], item["connection"], item["call"]) for item in listed] == [
        ("s3:GetAccountPublicAccessBlock", DESTINATION_CONN_ID, "GetPublicAccessBlock")
    ]
    link = next(link for link in report.links if link.link == "account-level Block Public Access")
    assert link.refused_reads == report.refused_reads


def test_a_cluster_that_cannot_be_described_leaves_the_release_label_given_beside_it_not_judged(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, authorized: Authorized
) -> None:
    """
    docs/howto/verify.md: "a cluster that cannot be described has an unknown release: the links that depend on it are
    \"not checked\", their detail naming the ``release_label`` given, which is not judged". Here the label given
    predates role mappings (5.10.0: Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon
    S3"): judged, it would FAIL the release link, while the cluster's own release (emr-6.15.0) supports them.
    """
    setup = build(aws)[2]  # the cluster
    sign_as_users(aws, monkeypatch)
    deny(aws, [("EMR", "elasticmapreduce:DescribeCluster")])
    with moto_authorization_checked(aws.url):
        report, _ = verify_chain(readers(), simulate=False, **setup.arguments, release_label="emr-5.9.0")

    assert authorized.refused == {("EMR", "elasticmapreduce:DescribeCluster")}
    release = next(link for link in report.links if link.link == "release supports role mappings")
    assert release.status == "not checked", release
    assert "release_label 'emr-5.9.0' was given; the cluster's own release was not read" in release.detail
    assert "elasticmapreduce:DescribeCluster" in release.fix
    assert report.verdict == "NOT_CHECKED", report.table()
