"""
Every fact the verifier lacks that decides a write makes the verdict NOT_CHECKED, never a PASS with a warning.

docs/howto/verify.md: "PASS only when every link passed or only warned"; a WARN is advice about a write that
works either way. Each case below is one link whose answer depends on something not read or not known; the
state is otherwise :func:`tests.unit.test_chain.healthy_state`, which passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import denial_message
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    OBJECT_LOCK_LINK,
    OUTSIDE_POLICIES,
    PROBE_FIX,
    STS_ROUTE,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    WARN,
    Link,
    name_refused_reads,
    once_each,
    still_not_checked,
)
from airflow_provider_emrfs_xacct.pure.checks.key_user import NOT_SETTLED_BY_PROBE_FIX
from airflow_provider_emrfs_xacct.pure.checks.principal import LINK as PRINCIPAL
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, RefusedRead, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, sts_endpoint_check
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    KEY,
    KMS,
    OWNER,
    PREFIX,
    ROLE,
    ROOT_STATEMENT,
    by_name,
    document,
    healthy_state,
    key_users_statement,
    mappings,
)
from tests.unit.test_chain_audit_fixes import MKDIRS, emr_role_writes_unmapped_keys, public_policy_under

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

STS = "cluster reaches STS"
#: A private subnet whose VPC has an STS interface endpoint with private DNS and its DNS attributes on.
PRIVATE_SUBNET = SubnetFacts(
    subnet_id="subnet-0a",
    region="us-east-1",
    nat_route=False,
    internet_gateway_route=False,
    public_ip_on_launch=False,
    sts_interface_endpoint=False,
    vpc_id="vpc-0a",
    dns_support=True,
    dns_hostnames=True,
    subnet_cidr="10.0.1.0/24",
    instance_groups=("sg-0emr",),
    endpoint_groups=("sg-0e",),
)


def no_release(state: ChainState) -> ChainState:
    state.release_label, state.cluster_configurations = None, None
    return state


def s3a_release_without_cluster_settings(state: ChainState) -> ChainState:
    state.release_label, state.cluster_configurations = "emr-7.10.0", None
    return state


def user_mapping_without_prefixes(state: ChainState) -> ChainState:
    state.security_configuration = mappings((ROLE, "User", "etl"))
    return state


def bucket_owner_preferred_without_cluster_settings(state: ChainState) -> ChainState:
    # The EMR EC2 role (of the EMR account) writes the keys no mapping covers: a writer of another account.
    state = emr_role_writes_unmapped_keys(state)
    state.buckets[BUCKET].object_ownership = "BucketOwnerPreferred"  # type: ignore[union-attr]
    state.cluster_configurations = None
    return state


def account_block_public_access_refused_with_a_public_policy(state: ChainState) -> ChainState:
    state = public_policy_under(emr_role_writes_unmapped_keys(state), restrict=False)
    state.account_restrict_public_buckets = Unreadable("s3:GetAccountPublicAccessBlock denied")
    return state


def route(facts: SubnetFacts | None, emrfs_site: dict[str, str] | None = None) -> Callable[[ChainState], ChainState]:
    def change(state: ChainState) -> ChainState:
        state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts, emrfs_site)
        return state

    return change


def s3_route(facts: SubnetFacts) -> Callable[[ChainState], ChainState]:
    """The cluster's subnet read, with an STS route that passes: only the route to the bucket's S3 is in question."""

    def change(state: ChainState) -> ChainState:
        state.subnet = facts
        state.sts_reachability = sts_endpoint_check("emr-6.15.0", SubnetFacts(**{**facts.__dict__, "nat_route": True}))
        return state

    return change


#: The subnet's S3 gateway endpoint serves us-east-1 (the bucket's Region) no more: the cluster is in eu-west-1.
S3_ELSEWHERE = SubnetFacts(**{**PRIVATE_SUBNET.__dict__, "region": "eu-west-1", "s3_gateway_endpoint": True})


def object_lock(retention: dict[str, object] | None, unread: str = "") -> Callable[[ChainState], ChainState]:
    """The bucket's Object Lock default retention, or its read refused."""

    def change(state: ChainState) -> ChainState:
        bucket = state.buckets[BUCKET]
        assert isinstance(bucket, BucketState)
        bucket.object_lock_retention = retention
        if unread:
            bucket.unreadable["object lock"] = unread
        return state

    return change


VPCE_NAME = {"fs.s3.sts.endpoint": "https://vpce-0a1b2c3d4e5f67890-abcdefgh.sts.us-east-1.vpce.amazonaws.com"}
#: Each case: how it changes the healthy state, and the links left not checked.
CASES: dict[str, tuple[Callable[[ChainState], ChainState], set[str]]] = {
    "release unknown": (no_release, {"release supports role mappings"}),
    "S3A release, cluster settings unknown": (s3a_release_without_cluster_settings, {"s3:// connector"}),
    "User mapping without s3_prefixes": (user_mapping_without_prefixes, {"access to prefixes", PRINCIPAL}),
    "BucketOwnerPreferred, canned ACL unknown": (
        bucket_owner_preferred_without_cluster_settings,
        {OWNER},
    ),
    # The EMR EC2 role's requests (of another account) on the keys no mapping covers.
    "account Block Public Access refused, public policy": (
        account_block_public_access_refused_with_a_public_policy,
        {f"output directory lookup {PREFIX}", MKDIRS, f"job commit {PREFIX}"},
    ),
    "subnet unknown": (route(None), {STS}),
    "bucket in another Region, an S3 interface endpoint": (
        s3_route(SubnetFacts(**{**S3_ELSEWHERE.__dict__, "s3_interface_endpoints": ("com.amazonaws.us-east-1.s3",)})),
        {f"cluster reaches s3://{BUCKET}"},
    ),
    "bucket in another Region, egress not seen": (
        s3_route(SubnetFacts(**{**S3_ELSEWHERE.__dict__, "other_default_route": "transit gateway tgw-0a"})),
        {f"cluster reaches s3://{BUCKET}"},
    ),
    "Object Lock default retention": (object_lock({"Mode": "GOVERNANCE", "Days": 30}), {OBJECT_LOCK_LINK}),
    "Object Lock configuration unread": (
        object_lock(None, "s3:GetBucketObjectLockConfiguration denied"),
        {OBJECT_LOCK_LINK},
    ),
    "egress not seen": (route(SubnetFacts(**{**PRIVATE_SUBNET.__dict__, "other_default_route": "tgw-0abc"})), {STS}),
    "STS override names an interface endpoint": (route(PRIVATE_SUBNET, VPCE_NAME), {STS}),
    "STS endpoint open to a source not tied to the cluster": (
        route(
            SubnetFacts(
                **{
                    **PRIVATE_SUBNET.__dict__,
                    "sts_interface_endpoint": True,
                    "endpoint_ingress": (IngressRule("-1", groups=("sg-0default",)),),
                }
            )
        ),
        {STS},
    ),
}


def test_the_healthy_state_passes() -> None:
    assert check_chain(healthy_state()).verdict == VERDICT_PASS


@pytest.mark.parametrize("case", list(CASES))
def test_each_unknown_that_decides_the_write_is_not_checked(case: str) -> None:
    change, link_names = CASES[case]

    report = check_chain(change(healthy_state()))

    unknown = [link for link in report.links if link.status == UNKNOWN]
    assert {link.link for link in unknown} == link_names, report.table()
    assert all(link.fix for link in unknown), "a not-checked link says what to pass or allow to check it"
    assert report.verdict == VERDICT_NOT_CHECKED


def test_without_a_cluster_subnet_the_route_to_sts_is_listed_as_not_seen() -> None:
    # No link "cluster reaches STS" then; EMRFS needs STS for every mapped role, so the report must say so.
    unread = check_chain(healthy_state())
    read = check_chain(route(PRIVATE_SUBNET)(healthy_state()))  # read (here: no way out)

    assert STS_ROUTE[0] in [item["what"] for item in unread.not_checked]
    assert "cluster_id" in next(item["how"] for item in unread.not_checked if item["what"] == STS_ROUTE[0])
    assert STS_ROUTE[0] not in [item["what"] for item in read.not_checked]


def test_a_bucket_in_another_region_than_the_cluster_s_only_s3_gateway_endpoint_fails() -> None:
    # Amazon VPC User Guide, "Gateway endpoints for Amazon S3": a gateway endpoint serves its own Region only.
    report = check_chain(s3_route(S3_ELSEWHERE)(healthy_state()))

    link = next(link for link in report.links if link.link == f"cluster reaches s3://{BUCKET}")
    assert link.status == "fail", report.table()
    assert "us-east-1" in link.detail
    assert "eu-west-1" in link.detail
    assert report.verdict == "FAIL"
    # In the bucket's own Region the same endpoint serves it, and the chain passes.
    same_region = SubnetFacts(**{**S3_ELSEWHERE.__dict__, "region": "us-east-1"})
    assert check_chain(s3_route(same_region)(healthy_state())).verdict == VERDICT_PASS


def test_object_lock_default_retention_stays_not_checked_after_a_passing_probe() -> None:
    """
    S3 API Reference, PutObject and UploadPart, ``Content-MD5``: required for an upload with an Object Lock retention
    period. The probe's one small PutObject does not show what the parts of a job's multipart uploads carry.
    """
    report = check_chain(object_lock({"Mode": "COMPLIANCE", "Years": 1})(healthy_state()))
    links = report.to_dict()["links"]
    found = next(link for link in links if link["link"] == OBJECT_LOCK_LINK)

    assert "COMPLIANCE" in found["detail"]
    assert BUCKET in found["detail"]
    assert [link["link"] for link in still_not_checked(links, {f"s3://{BUCKET}/exports/probe": 0})] == [
        OBJECT_LOCK_LINK
    ]
    # No default retention (Object Lock on or off): nothing to say.
    assert check_chain(object_lock({})(healthy_state())).verdict == VERDICT_PASS


def test_the_rcp_item_names_the_destination_role_and_who_can_list_them() -> None:
    """
    RCPs apply to AWS STS resources as to S3 and KMS (AWS Control Tower Controls Reference, "Controls implemented with
    resource control policies (RCPs)"): one may refuse AssumeRole on the destination role. ListPoliciesForTarget
    answers only the management account or a delegated administrator (AWS Organizations API Reference).
    """
    what, how = next(item for item in OUTSIDE_POLICIES if "(RCPs)" in item[0])

    assert "destination role (sts:AssumeRole)" in what
    assert "management account" in how
    assert "a member account cannot" in how


def _denied(state: ChainState, action: str, resource: str, conn_id: str, operation: str = "") -> str:
    """
    A refused read's explanation, as the verifier writes it (hooks/errors.py, ``denial_message``), and the refusal
    recorded beside it as ``verify.read`` records it; ``operation``: the call refused, when not named as ``action``.
    """
    operation = operation or action.split(":")[1]
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, operation)
    why = denial_message(error, action=action, resource=resource, account="222222222222", conn_id=conn_id)
    state.refused_reads.append(RefusedRead(action, conn_id, "222222222222", resource, operation, why))
    return why


def _refused_bucket_policy(state: ChainState) -> str:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.unreadable["policy"] = _denied(state, "s3:GetBucketPolicy", f"Bucket={BUCKET}", "aws_destination_account")
    return "s3:GetBucketPolicy to the connection 'aws_destination_account'"


def _refused_head_bucket(state: ChainState) -> str:
    """The verifier labels HeadBucket's read with its action and the call (S3's actions are not its operations)."""
    state.buckets[BUCKET] = Unreadable(_denied(state, "s3:ListBucket", f"Bucket={BUCKET}", "aws_dest", "HeadBucket"))
    return "s3:ListBucket to the connection 'aws_dest'"


def _refused_role_policy(state: ChainState) -> str:
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.unreadable = "its policies could not be read: " + _denied(state, "iam:GetRolePolicy", "RoleName=r", "aws_dest")
    return "iam:GetRolePolicy to the connection 'aws_dest'"


@pytest.mark.parametrize(
    ("refuse", "link"),
    [
        (_refused_bucket_policy, MKDIRS),
        (_refused_head_bucket, f"bucket {BUCKET}"),
        (_refused_role_policy, "destination role"),
    ],
)
def test_a_link_not_checked_for_a_refused_read_names_the_action_to_grant_in_its_fix(
    refuse: Callable[[ChainState], str], link: str
) -> None:
    """
    The answer is known once the read is allowed, not "only when the job runs": the fix names the action and the
    connection, whatever check made the link (a write's, whose fix was the probe's alone; the role's, without one).
    """
    state = healthy_state()
    grant = refuse(state)

    report = check_chain(state)

    unchecked = {item.link: item for item in report.links if item.status == UNKNOWN}
    assert link in unchecked, sorted(unchecked)
    for item in unchecked.values():
        assert f"allow {grant}" in item.fix, item
        assert "only known when the job runs" not in item.fix, item
    assert report.verdict == VERDICT_NOT_CHECKED


def test_a_fix_that_names_the_refused_action_already_is_kept() -> None:
    state = healthy_state()
    state.account_restrict_public_buckets = Unreadable(
        _denied(state, "s3:GetAccountPublicAccessBlock", "account", "aws_destination_account")
    )

    links = [link for link in check_chain(state).links if link.link == "account-level Block Public Access"]

    assert [link.fix for link in links] == ["allow s3:GetAccountPublicAccessBlock to the destination connection"]


def _refusal(action: str, resource: str, conn_id: str) -> RefusedRead:
    """A refused read as ``verify.read`` records it, its explanation as ``denial_message`` writes it."""
    state = healthy_state()
    _denied(state, action, resource, conn_id)
    return state.refused_reads[-1]


def test_a_detail_naming_several_refused_reads_names_each_in_the_fix() -> None:
    """
    One link may be left not checked by several refused reads (a role whose trust policy and policies were both
    refused): each is granted, with its own connection, in the order they were refused, and the probe is kept.
    """
    trust = _refusal("iam:GetRole", "RoleName=r", "aws_dest")
    policies = _refusal("iam:ListRolePolicies", "RoleName=r", "aws_source")
    detail = f"its trust policy could not be read: {trust.explanation}; its policies could not be read: "
    detail += policies.explanation

    (link,) = name_refused_reads([Link(None, "destination role", UNKNOWN, detail, fix=PROBE_FIX)], [trust, policies])

    assert link.fix == (
        "allow iam:GetRole to the connection 'aws_dest', iam:ListRolePolicies to the connection 'aws_source' "
        "(refused: see the detail) and verify again; or run the live probe (probe=True)"
    )
    assert link.refused_reads == [trust, policies]


def test_a_link_without_a_fix_of_its_own_gets_the_grant_alone() -> None:
    refused = _refusal("iam:GetRole", "RoleName=r", "aws_dest")

    (link,) = name_refused_reads(
        [Link(None, "destination role", UNKNOWN, f"the role could not be read: {refused.explanation}")], [refused]
    )

    assert link.fix == "allow iam:GetRole to the connection 'aws_dest' (refused: see the detail) and verify again"


def test_a_refused_read_names_its_action_in_warnings_but_not_in_a_verdict_it_did_not_leave_open() -> None:
    refused = _refusal("s3:GetBucketOwnershipControls", f"Bucket={BUCKET}", "aws_dest")
    links = [
        Link(None, "object ownership", WARN, refused.explanation, fix="set BucketOwnerEnforced"),
        Link(None, "object ownership", FAIL, refused.explanation, fix="set BucketOwnerEnforced"),
    ]

    warned, failed = name_refused_reads(links, [refused])

    assert warned.fix == (
        "allow s3:GetBucketOwnershipControls to the connection 'aws_dest' (refused: see the detail) and verify "
        "again; set BucketOwnerEnforced"
    )
    assert failed == links[1]


def test_each_link_carries_the_refused_reads_behind_it_and_no_other() -> None:
    """
    Two refusals feeding different links: each link carries, and its fix names, its own only; a refusal the hook read
    past without a word in any detail (``ec2:DescribeNatGateways``) is in the report's list, behind no link.
    """
    state = healthy_state()
    _refused_role_policy(state)
    state.account_restrict_public_buckets = Unreadable(
        _denied(state, "s3:GetAccountPublicAccessBlock", "AccountId=222222222222", "aws_destination_account")
    )
    state.refused_reads.append(
        RefusedRead("ec2:DescribeNatGateways", "aws_emr", "111111111111", "nat-1", "DescribeNatGateways")
    )

    report = check_chain(state)

    behind = {link.link: [item.action for item in link.refused_reads] for link in report.links if link.refused_reads}
    assert behind == {
        "destination role": ["iam:GetRolePolicy"],
        "account-level Block Public Access": ["s3:GetAccountPublicAccessBlock"],
    }
    role = next(link for link in report.links if link.link == "destination role")
    assert "s3:GetAccountPublicAccessBlock" not in role.fix
    assert [item.action for item in report.refused_reads] == [
        "iam:GetRolePolicy",
        "s3:GetAccountPublicAccessBlock",
        "ec2:DescribeNatGateways",
    ]
    assert next(link for link in report.to_dict()["links"] if link["link"] == "destination role")["refused_reads"] == [
        {
            "action": "iam:GetRolePolicy",
            "connection": "aws_dest",
            "account": "222222222222",
            "resource": "RoleName=r",
            "call": "GetRolePolicy",
        }
    ]


def test_the_report_lists_a_read_refused_twice_once_where_it_was_first_refused() -> None:
    """The same read refused again (another call, another message) is one grant: listed once, in its first place."""
    first = RefusedRead("kms:DescribeKey", "aws_dest", "222222222222", "alias/a", "DescribeKey", "refused once")
    other = RefusedRead("iam:GetRole", "aws_dest", "222222222222", "RoleName=r", "GetRole", "refused")
    again = RefusedRead("kms:DescribeKey", "aws_dest", "222222222222", "alias/a", "DescribeKey", "refused again")

    assert once_each([first, other, again]) == [first, other]


@pytest.mark.parametrize(
    ("refused", "behind"),
    [
        (
            ("public access block", "policy status", "account"),
            ["s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus", "s3:GetAccountPublicAccessBlock"],
        ),
        (("public access block", "account"), ["s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock"]),
        (("public access block", "policy status"), ["s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus"]),
    ],
)
def test_a_write_left_not_checked_by_block_public_access_carries_every_refused_read_behind_it(
    refused: tuple[str, ...], behind: list[str]
) -> None:
    """
    A request of another account to a bucket whose policy S3 calls public (or whose status is unread) depends on the
    bucket's and the account's RestrictPublicBuckets ("the most restrictive combination", S3 API Reference,
    GetPublicAccessBlock): each of those reads refused is behind the link, not only the first.
    """
    state = public_policy_under(emr_role_writes_unmapped_keys(healthy_state()), restrict=False)
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    actions = {"public access block": "s3:GetBucketPublicAccessBlock", "policy status": "s3:GetBucketPolicyStatus"}
    for part in refused:
        if part == "account":
            why = _denied(state, "s3:GetAccountPublicAccessBlock", "AccountId=222222222222", "aws_dest")
            state.account_restrict_public_buckets = Unreadable(why)
        else:
            bucket.unreadable[part] = _denied(state, actions[part], f"Bucket={BUCKET}", "aws_dest")

    link = by_name(check_chain(state))[MKDIRS]

    assert link.status == UNKNOWN, link
    assert [item.action for item in link.refused_reads] == behind


def test_a_fix_naming_a_longer_action_does_not_name_the_refused_one() -> None:
    """
    A fix that names ``s3:ListBucketMultipartUploads`` (or ``iam:GetPolicyVersion``) does not grant the refused
    ``s3:ListBucket`` (``iam:GetPolicy``): the grant is still added; a fix naming the action itself is kept as it is.
    """
    refused = _refusal("s3:ListBucket", f"Bucket={BUCKET}", "aws_dest")
    longer = Link(None, "destination role", UNKNOWN, refused.explanation, fix="grant s3:ListBucketMultipartUploads")
    named = Link(None, "destination role", UNKNOWN, refused.explanation, fix="grant s3:ListBucket on the bucket")

    widened, kept = name_refused_reads([longer, named], [refused])

    assert widened.fix.startswith("allow s3:ListBucket to the connection 'aws_dest' (refused: see the detail)")
    assert widened.fix.endswith("; grant s3:ListBucketMultipartUploads")
    assert kept.fix == named.fix


def test_the_key_link_judges_the_kms_calls_of_requests_a_bucket_gate_left_not_checked() -> None:
    """
    A refused bucket-policy read stops the S3 links before their policies, but S3's KMS calls depend on the key's
    policy, not on the bucket's: a multipart SSE-KMS upload needs kms:Decrypt too (S3 User Guide, "Multipart upload
    API and permissions"), so a key policy allowing GenerateDataKey only still fails the key link (it passed naming
    no call, and a passing probe, one small PUT, then settled every "not checked" link).
    """
    from tests.unit.test_chain import ADMIN_STATEMENT, KEY, KMS, ROOT_STATEMENT, destination_role, document

    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.unreadable["policy"] = "s3:GetBucketPolicy refused"
    write_only = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["kms:GenerateDataKey"], "Resource": "*"}
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, write_only)
    state.destination_roles[ROLE] = destination_role(keys=())

    links = by_name(check_chain(state))

    assert links[KMS].status == FAIL, links[KMS]
    assert "kms:Decrypt" in links[KMS].detail
    assert "(none)" not in links[OWNER].detail  # the owner is judged for the role that writes, not for nobody


def test_the_key_link_is_not_checked_while_a_request_s_role_is_not_known() -> None:
    """
    An identifier with its trailing slash leaves the prefix's own ``_$folder$`` marker to the EMR EC2 role; that role
    unread, S3's KMS call for the marker's upload is made as a role not judged: the key link cannot pass.
    """
    from tests.unit.test_chain import KMS

    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    assert PREFIX.endswith("/")
    state.emr_role = Unreadable("iam:GetRole refused")

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "_$folder$" in link.detail
    assert "EMR EC2 role" in link.detail


#: A Condition allowing a KMS call only when the request names the key by its alias.
BY_ALIAS = {"StringEquals": {"kms:RequestAlias": "alias/partner-data"}}


def _uploads_by_alias(*, generate: dict[str, Any] | None = None, decrypt: dict[str, Any] | None = None) -> ChainState:
    """The healthy chain with the bucket's key named by its alias and a key policy allowing the two S3 calls so."""
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.kms_key_id = "alias/partner-data"
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": action, "Resource": "*"}
        | ({"Condition": condition} if condition else {})
        for action, condition in (("kms:GenerateDataKey", generate), ("kms:Decrypt", decrypt))
    ]
    state.key_policies[KEY] = document(ADMIN_STATEMENT, *statements)
    return state


def test_a_key_policy_allowing_decrypt_only_by_alias_is_not_checked() -> None:
    """
    The uploads name the key by its alias, so S3's kms:GenerateDataKey carries kms:RequestAlias; its kms:Decrypt of
    the parts decrypts with the key S3 recorded, and what it names there AWS does not document (AWS KMS Developer
    Guide, "AWS KMS condition keys", kms:RequestAlias). A Decrypt allowed only with that alias used to PASS.
    """
    state = _uploads_by_alias(decrypt=BY_ALIAS)

    report = check_chain(state)

    key = by_name(report)[f"use bucket key for {PREFIX}"]
    assert key.status == UNKNOWN, key
    assert "kms:Decrypt" in key.detail
    assert report.verdict == VERDICT_NOT_CHECKED
    # The live probe's one small PutObject makes S3 call kms:GenerateDataKey only: a passing probe leaves it, and the
    # fix does not send the user to it.
    assert not key.probe_settles
    assert PROBE_FIX not in key.fix
    links = [link.to_dict() for link in report.links]
    assert [link["link"] for link in still_not_checked(links, {f"{PREFIX}probe": 0})] == [key.link]


def _key_policy_with(generate_condition: dict[str, Any] | None, decrypt: bool) -> dict[str, Any]:
    generate = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:GenerateDataKey", "Resource": "*"}
    statements = [ADMIN_STATEMENT, {**generate, "Condition": generate_condition} if generate_condition else generate]
    if decrypt:
        statements.append({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})
    return document(*statements)


@pytest.mark.parametrize("decrypt", [True, False])
def test_a_key_call_not_known_to_be_allowed_does_not_hide_a_later_refused_one(decrypt: bool) -> None:
    """
    kms:GenerateDataKey depends on a condition the verifier cannot know (aws:SourceVpce, the same for every node's
    uploads: which endpoint the requests come through is not read); kms:Decrypt, which every multipart SSE-KMS upload needs too (S3 User Guide, "Multipart
    upload API and permissions"), is refused: the link FAILs on it, not "not checked" on the first. Where Decrypt
    is allowed, the link is not checked and a passing probe (which makes S3 call GenerateDataKey) settles it.
    """
    state = healthy_state()
    state.key_policies[KEY] = _key_policy_with({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, decrypt)

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    if decrypt:
        assert key.status == UNKNOWN, key
        assert key.probe_settles
        assert "kms:GenerateDataKey" in key.detail
    else:
        assert key.status == FAIL, key
        assert key.detail.startswith("kms:Decrypt")


@pytest.mark.parametrize(
    ("endpoint", "region", "status"),
    [
        ("https://sts.amazonaws.com", "ap-east-1", UNKNOWN),  # an opt-in Region: version 1 tokens do not work there
        ("https://sts.amazonaws.com", None, UNKNOWN),  # the bucket's Region not known
        ("https://STS.amazonaws.com:443/", "me-central-1", UNKNOWN),
        ("https://sts.amazonaws.com", "us-east-1", None),  # enabled by default: every token version works
        ("https://sts.ap-east-1.amazonaws.com", "ap-east-1", None),  # Regional tokens "are valid in all AWS Regions"
    ],
)
def test_global_sts_tokens_in_an_opt_in_region_are_not_checked(endpoint: str, region: str | None, status: str) -> None:
    """
    IAM API Reference, SetSecurityTokenServicePreferences: the global endpoint's "Version 1 tokens are valid only in
    AWS Regions that are available by default. These tokens do not work in manually enabled Regions"; the version an
    account uses is not read.
    """
    from airflow_provider_emrfs_xacct.pure.checks.sts_route import TOKEN_LINK
    from airflow_provider_emrfs_xacct.pure.network import StsReachability

    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.region = region
    bucket.sse_algorithm = "AES256"  # the healthy state's key is of us-east-1: a key of another Region would fail
    state.sts_reachability = StsReachability("PASS", endpoint, "through the internet")

    report = check_chain(state)

    links = [link for link in report.links if link.link == TOKEN_LINK]
    assert [link.status for link in links] == ([status] if status else [])
    if status:
        assert f"{BUCKET} ({region or 'Region not known'})" in links[0].detail
        assert report.verdict == VERDICT_NOT_CHECKED


def test_sts_activation_in_the_region_is_listed_unseen_for_mapped_roles_only() -> None:
    """AWS STS API Reference, AssumeRole, RegionDisabledException: no IAM read shows whether STS is active there."""
    from airflow_provider_emrfs_xacct.pure.checks.findings import STS_ACTIVATION

    assert STS_ACTIVATION[0] in [item["what"] for item in check_chain(healthy_state()).not_checked]


def test_a_part_s_data_key_is_not_known_to_carry_the_upload_s_alias() -> None:
    """
    An UploadPart names no key (its SSE-KMS headers are CreateMultipartUpload's: S3 API Reference, UploadPart): S3's
    kms:GenerateDataKey for it is not known to carry kms:RequestAlias, so a data key allowed only by alias is not
    checked (it used to PASS on the first, header-carrying, GenerateDataKey alone), and the probe does not settle it.
    """
    state = _uploads_by_alias(generate=BY_ALIAS)

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert key.status == UNKNOWN, key
    assert key.detail.startswith("kms:GenerateDataKey")
    assert not key.probe_settles
    assert PROBE_FIX not in key.fix


def test_a_probe_through_the_mapping_does_not_settle_what_the_emr_ec2_role_sends() -> None:
    """
    The mapping names the prefix with its trailing slash, so ``exports_$folder$`` goes as the EMR EC2 role (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": no mapping matches it); the probe writes
    only under the prefix, through the mapping, so neither that role's KMS call nor its S3 requests are the probe's.
    """
    from tests.unit.test_chain_audit_fixes import emr_role_writes_unmapped_keys

    state = emr_role_writes_unmapped_keys(healthy_state())
    for statement in state.key_policies[KEY]["Statement"]:  # type: ignore[index]
        if statement.get("Sid") == "EmrRole":
            statement["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = None  # no statement for the EMR EC2 role: its marker depends on the bucket ACL's WRITE grant
    bucket.object_ownership = "ObjectWriter"
    bucket.acl_grants = (("another-canonical-id", "WRITE"),)
    state.account_restrict_public_buckets = False

    report = check_chain(state)

    unknown = {link.link: link for link in report.links if link.status == UNKNOWN}
    assert set(unknown) >= {f"use bucket key for {PREFIX}", f"mkdirs {PREFIX}", f"job commit {PREFIX}"}, unknown
    assert not [link.link for link in unknown.values() if link.probe_settles]
    links = [link.to_dict() for link in report.links]
    assert {link["link"] for link in still_not_checked(links, {f"{PREFIX}_emrfs_xacct_probe/a": 0})} == set(unknown)


def test_a_part_s_data_key_that_needs_the_alias_stays_unsettled_beside_another_unknown_condition() -> None:
    """
    The part's data key differs from the probe's only in kms:RequestAlias: a statement testing that key keeps it
    unsettled whatever else its Condition leaves unknown (aws:SourceIp here, which used to make both answers
    "undetermined" alike, so the probe settled it).
    """
    state = _uploads_by_alias(generate={**BY_ALIAS, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert key.status == UNKNOWN, key
    assert not key.probe_settles


#: The review's bucket default: the partner's key named by its alias ARN, in the writer's account.
ALIAS_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner-data"


def _default_by_alias_arn(*statements: dict[str, Any]) -> ChainState:
    """The healthy chain with the bucket's default naming the key by its alias ARN, and these key policy statements."""
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.kms_key_id = ALIAS_ARN
    state.key_policies[KEY] = document(ADMIN_STATEMENT, *statements)
    return state


def test_a_deny_on_the_request_alias_of_s3s_data_key_is_not_checked() -> None:
    """
    Review J38: the bucket's default names the key by alias, and the key policy denies kms:GenerateDataKey* under
    ``StringEquals kms:RequestAlias alias/partner-data``. Whether S3's call carries the alias is not documented (AWS KMS
    Developer Guide, "AWS KMS condition keys", kms:RequestAlias: "the value of the KeyId parameter in the request";
    no page says which KeyId S3 sends for SSE-KMS): not checked, where the link FAILed ("the request carries
    kms:RequestAlias=..."). The upload's own data key is the probe's; the parts' is not, so the fix names the Deny.
    """
    deny = {
        "Sid": "NoAliasUse",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:RequestAlias": "alias/partner-data"}},
    }
    state = _default_by_alias_arn(ROOT_STATEMENT, key_users_statement([ROLE]), deny)

    report = check_chain(state)

    key = by_name(report)[KMS]
    assert key.status == UNKNOWN, key
    assert "kms:RequestAlias" in key.detail
    assert "carries kms:RequestAlias" not in key.detail
    # The call named is one the probe does not make, as the fix says (review J42): a part's, not the marker's.
    assert "exports_$folder$" not in key.detail, key
    assert key.statement == "key policy: Sid NoAliasUse"
    assert key.fix == NOT_SETTLED_BY_PROBE_FIX
    assert report.verdict == VERDICT_NOT_CHECKED


def test_an_allow_needing_the_request_alias_does_not_pass_s3s_data_key_for_an_upload() -> None:
    """
    The reverse: the key policy allows kms:GenerateDataKey* only with ``kms:RequestAlias`` ``alias/partner-data``. The
    data key of a PutObject naming the key (the ``exports_$folder$`` marker: requests.WRITE_REQUESTS) was allowed, so the
    link was left not checked on the parts' only; now the marker's is not known too, and a passing probe settles it
    (its PutObject makes that call: contexts.PROBE_REQUESTS), not the parts'. The link names a part's call, the one
    its fix says the probe does not make (review J42: it named the marker's, which the probe's own call is like).
    """
    users = key_users_statement([ROLE])
    by_alias = {**users, "Sid": "ByAlias", "Action": "kms:GenerateDataKey*"}
    by_alias["Condition"] = {"StringEquals": {"kms:RequestAlias": "alias/partner-data"}}
    state = _default_by_alias_arn({**users, "Action": ["kms:Decrypt", "kms:DescribeKey"]}, by_alias)

    key = by_name(check_chain(state))[KMS]

    assert key.status == UNKNOWN, key
    assert key.detail.startswith("kms:GenerateDataKey"), key
    assert "exports_$folder$" not in key.detail, key
    assert f"object arn:aws:s3:::{BUCKET}/exports/part-" in key.detail, key
    assert key.statement == "key policy: Sid ByAlias"
    assert not key.probe_settles
    assert key.fix == NOT_SETTLED_BY_PROBE_FIX


def test_a_key_link_not_checked_before_any_call_is_judged_is_not_settled_by_the_probe() -> None:
    """
    With the key policy unread, kms:Decrypt (every multipart SSE-KMS upload needs it: S3 User Guide, "Multipart
    upload API and permissions") is as unknown as the probe's own data key is known: a passing probe does not settle
    the link, and its fix names the read to allow, not the probe.
    """
    state = healthy_state()
    state.key_policies[KEY] = Unreadable("kms:GetKeyPolicy on the key was denied")

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert key.status == UNKNOWN, key
    assert not key.probe_settles
    assert PROBE_FIX not in key.fix


@pytest.mark.parametrize("where", ["permissions boundary", "inline policy"])
def test_a_request_alias_condition_in_the_role_s_boundary_keeps_the_part_s_data_key_unsettled(where: str) -> None:
    """A Deny on kms:RequestAlias limits the role wherever it is written: its boundary (a (name, document) pair) too."""
    deny = {
        "Effect": "Deny",
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": {"StringLike": {"kms:RequestAlias": "alias/quarantine-*"}},
    }
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    if where == "inline policy":
        role.policies.append(("inline policy extra", document(deny)))
    else:
        role.boundary = ("permissions boundary pb", document({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny))

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert key.status == UNKNOWN, key
    assert not key.probe_settles


def test_unread_instance_groups_are_not_settled_by_the_probe() -> None:
    """The probe's step runs on the primary node only (AWS CloudFormation, AWS::EMR::Step)."""
    state = healthy_state()
    state.cluster_configurations = []
    state.instance_configurations = Unreadable("elasticmapreduce:ListInstanceGroups was denied")

    [link] = [link for link in check_chain(state).links if link.link == "instance groups' connector settings"]

    assert link.status == UNKNOWN
    assert not link.probe_settles


def test_kms_calls_of_requests_whose_role_is_unread_are_settled_only_if_the_probe_makes_them() -> None:
    """
    Option (a) with the EMR EC2 role unread: the writes' KMS calls are not judged; kms:Decrypt (every multipart
    SSE-KMS upload needs it: S3 User Guide, "Multipart upload API and permissions") is not the probe's, so a passing
    probe does not settle the key link, though the key policy allowing only kms:GenerateDataKey refuses the job.
    """
    from tests.unit.test_chain import EMR_ROLE
    from tests.unit.test_option_a_verify import option_a_state

    state = option_a_state()
    generate = {"Effect": "Allow", "Principal": {"AWS": EMR_ROLE}, "Action": "kms:GenerateDataKey", "Resource": "*"}
    state.key_policies[KEY] = document(ADMIN_STATEMENT, generate)
    assert by_name(check_chain(state))[f"use bucket key for {PREFIX}"].status == FAIL  # read, it fails on Decrypt
    state.emr_role = Unreadable("iam:GetRole on EMR_EC2_DefaultRole was denied")

    key = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert key.status == UNKNOWN, key
    assert not key.probe_settles
