"""The quota table, the refusals it drives, and the placement of assume-role grants past the inline wall."""

from __future__ import annotations

import hashlib
import re

import pytest

from airflow_provider_emrfs_xacct.pure import documents, quotas, spill
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    MAX_TRUST_POLICY_CHARS,
    iam_policy_length,
    require_iam_policy_length,
)


def arns(start: int, count: int) -> list[str]:
    return [
        f"arn:aws:iam::{900000000000 + i:012d}:role/emrfs-partner-writer-{i:04d}" for i in range(start, start + count)
    ]


def test_every_quota_names_its_aws_page_and_a_remedy() -> None:
    assert len(quotas.QUOTAS) == 10
    for quota in quotas.QUOTAS:
        assert "https://docs.aws.amazon.com/" in quota.source or "https://repost.aws/" in quota.source, quota
        assert quota.remedy, quota
        assert quota.adjustable or quota.maximum is None, quota
    for rate in quotas.REQUEST_RATES:
        assert rate.burst > 0, rate
        assert rate.rate > 0, rate
        assert "https://" in rate.basis, rate
        assert rate.documented or "assum" in rate.basis, rate


@pytest.mark.parametrize(
    ("service", "operation", "burst", "rate"),
    [
        ("kms", "PutKeyPolicy", 15, 15),
        ("kms", "GetKeyPolicy", 1000, 1000),
        ("kms", "DescribeKey", 2000, 2000),
        ("kms", "CreateKey", 5, 5),
        ("elasticmapreduce", "RunJobFlow", 5, 0.5),
        ("iam", "PutRolePolicy", 20, 10),
        ("sts", "AssumeRole", 100, 100),
    ],
)
def test_request_rates_fall_back_to_the_service_figure(service: str, operation: str, burst: float, rate: float) -> None:
    entry = quotas.request_rate(service, operation)
    assert (entry.burst, entry.rate) == (burst, rate)


def test_the_figures_the_provider_checks_come_from_the_table() -> None:
    assert MAX_ROLE_INLINE_POLICIES_CHARS == 10240
    assert MAX_MANAGED_POLICY_CHARS == 6144
    assert MAX_TRUST_POLICY_CHARS == 4096  # the trust policy's raised ceiling (2,048 by default)
    assert quotas.KEY_POLICY_BYTES.value == 32768
    assert quotas.POLICY_VERSIONS.value == 5
    assert quotas.MANAGED_POLICIES_PER_ROLE.value == 10


@pytest.mark.parametrize(
    ("limit", "name"),
    [
        (MAX_ROLE_INLINE_POLICIES_CHARS, "Role policy size"),
        (MAX_TRUST_POLICY_CHARS, "Role trust policy length"),
        (MAX_MANAGED_POLICY_CHARS, "Managed policy size"),
    ],
)
def test_a_too_long_policy_is_refused_naming_the_field_the_quota_and_the_remedy(limit: int, name: str) -> None:
    document = documents.assume_role_policy(arns(0, 300))
    with pytest.raises(quotas.QuotaExceededError) as refused:
        require_iam_policy_length(document, limit, "destination_role_arns", "the policy")
    assert refused.value.field == "destination_role_arns"
    assert name in str(refused.value)
    assert "Remedy:" in str(refused.value)
    assert f"limit of {limit}" in str(refused.value)
    assert isinstance(refused.value, InvalidParameterError)  # callers catching the old error still do


def test_require_within_passes_at_the_limit_and_refuses_past_it() -> None:
    quotas.require_within(quotas.KEY_POLICY_BYTES, 32768, "principal_arns", "the key policy")
    with pytest.raises(quotas.QuotaExceededError, match="Key policy document size"):
        quotas.require_within(quotas.KEY_POLICY_BYTES, 32769, "principal_arns", "the key policy")


def test_a_service_without_a_figure_has_no_request_rate() -> None:
    with pytest.raises(KeyError, match="s3:PutObject"):
        quotas.request_rate("s3", "PutObject")


@pytest.mark.parametrize("limit", [1, 10, 20])
def test_a_quota_value_from_1_to_the_documented_maximum_is_accepted(limit: int) -> None:
    # Managed policies per role: 10 by default, raisable to 20 (quotas.MANAGED_POLICIES_PER_ROLE.source).
    assert quotas.require_valid_limit(quotas.MANAGED_POLICIES_PER_ROLE, limit, "managed_policies_per_role") == limit


@pytest.mark.parametrize("limit", [0, 21, True, "10", 2.5])
def test_an_impossible_quota_value_is_refused(limit: object) -> None:
    with pytest.raises(InvalidParameterError, match="managed_policies_per_role"):
        quotas.require_valid_limit(quotas.MANAGED_POLICIES_PER_ROLE, limit, "managed_policies_per_role")  # type: ignore[arg-type]


def test_fill_takes_what_fits_exactly() -> None:
    chosen = spill.fill(None, arns(0, 500), MAX_MANAGED_POLICY_CHARS)
    assert 50 < len(chosen) < 500
    assert iam_policy_length(spill.with_roles(None, chosen)) <= MAX_MANAGED_POLICY_CHARS
    assert iam_policy_length(spill.with_roles(None, arns(0, len(chosen) + 1))) > MAX_MANAGED_POLICY_CHARS


def test_place_fills_the_inline_policy_then_existing_managed_ones_then_new_ones() -> None:
    inline = documents.assume_role_policy(arns(0, 100))  # room left before spill.INLINE_RESERVE
    existing = documents.assume_role_policy(arns(100, 80))
    placement = spill.place(
        arns(230, 200),
        inline=inline,
        inline_room=MAX_ROLE_INLINE_POLICIES_CHARS,
        managed={"p-2": existing},
        free_slots=5,
        role_name="EMR_EC2_DefaultRole",
        slots_limit=10,
    )
    placed = placement.inline + placement.managed["p-2"] + [arn for batch in placement.new for arn in batch]
    assert sorted(placed) == sorted(arns(230, 200))
    assert placement.inline  # the inline policy had room for some
    assert placement.new  # and new managed policies the rest
    for batch in placement.new:
        assert iam_policy_length(spill.with_roles(None, batch)) <= MAX_MANAGED_POLICY_CHARS


def test_place_refuses_past_the_managed_policy_quota_naming_the_remedy() -> None:
    with pytest.raises(quotas.QuotaExceededError) as refused:
        spill.place(
            arns(0, 400),
            inline=None,
            inline_room=MAX_ROLE_INLINE_POLICIES_CHARS,
            managed={},
            free_slots=1,
            role_name="EMR_EC2_DefaultRole",
            slots_limit=10,
        )
    assert "Managed policies attached to an IAM role" in str(refused.value)
    assert "instance-profile role" in str(refused.value)


def test_spill_policies_are_recognised_by_path_and_name_only() -> None:
    name, role = documents.ASSUME_POLICY_NAME, "EMR_EC2_DefaultRole"
    head = "arn:aws:iam::111111111111:policy"
    assert spill.is_spill_arn(f"{head}/emrfs-xacct/{name}-{role}-2", name, role)
    assert spill.is_spill_arn(f"{head}/emrfs-xacct/{name}-2", name, role)  # the earlier, shared name
    assert not spill.is_spill_arn(f"{head}/{name}-{role}-2", name, role)
    assert not spill.is_spill_arn(f"{head}/emrfs-xacct/{name}-{role}-x", name, role)
    assert not spill.is_spill_arn(f"{head}/emrfs-xacct/other-{name}-2", name, role)


def test_spill_names_are_one_role_s_and_within_iam_s_128_characters() -> None:
    name = documents.ASSUME_POLICY_NAME
    head = "arn:aws:iam::111111111111:policy/emrfs-xacct"
    assert spill.spill_name(name, "emr-a", 2) == f"{name}-emr-a-2"
    # Another role's names are not this role's, even where one role's name extends the other's.
    for mine, other in (("emr-a", "emr-b"), ("emr-a", "emr-a-2"), ("emr-a-2", "emr-a")):
        assert not spill.is_spill_arn(f"{head}/{spill.spill_name(name, other, 3)}", name, mine)
    long_role = "r" * 64  # IAM's longest role name
    for policy_name in (name, "p" * 128):
        names = {spill.spill_name(policy_name, role, 21) for role in (long_role, long_role[:-1] + "s")}
        assert len(names) == 2
        assert all(len(item) <= 128 and re.fullmatch(r"[\w+=,.@-]+", item) for item in names)
        assert spill.is_spill_arn(f"{head}/{spill.spill_name(policy_name, long_role, 21)}", policy_name, long_role)


def test_without_roles_keeps_other_statements_and_drops_an_emptied_document() -> None:
    other = {"Sid": "Mine", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    document = spill.with_roles({"Version": documents.VERSION, "Statement": [other]}, arns(0, 2))
    left = spill.without_roles(document, set(arns(0, 2)))
    assert left == {"Version": documents.VERSION, "Statement": [other]}
    assert spill.without_roles(documents.assume_role_policy(arns(0, 1)), set(arns(0, 1))) is None


def test_a_spill_stem_is_kept_whole_while_its_longest_name_fits_iam_s_128_characters() -> None:
    # IAM API Reference, "CreatePolicy": PolicyName matches [\w+=,.@-]{1,128}; a role takes at most 20
    # managed policies (IAM User Guide, "IAM and AWS STS quotas"), so "-20" is the longest suffix.
    role = "emr-role"
    fits = "p" * (128 - len("-20") - len(f"-{role}"))
    assert spill.spill_stem(fits, role) == f"{fits}-{role}"
    assert len(spill.spill_name(fits, role, 20)) == 128
    too_long = fits + "p"
    stem = spill.spill_stem(too_long, role)
    digest = stem.rsplit("-", 1)[1]
    assert digest == hashlib.sha256(f"{too_long}-{role}".encode()).hexdigest()[:12]
    assert len(spill.spill_name(too_long, role, 20)) <= 128


def test_fill_takes_an_arn_that_fits_to_the_last_character() -> None:
    exact = iam_policy_length(spill.with_roles(None, arns(0, 3)))
    assert spill.fill(None, arns(0, 5), exact) == arns(0, 3)
    assert spill.fill(None, arns(0, 5), exact - 1) == arns(0, 2)


def test_held_is_empty_for_a_document_without_the_provider_s_statement() -> None:
    other = {"Sid": "Mine", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arns(0, 1)}
    assert spill.held(None) == set()
    assert spill.held({"Version": documents.VERSION, "Statement": [other]}) == set()
    assert spill.held(spill.with_roles(None, arns(0, 2))) == set(arns(0, 2))


def test_without_roles_keeps_the_arns_not_revoked_and_leaves_other_documents_alone() -> None:
    other = {"Sid": "Mine", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    document = spill.with_roles({"Version": documents.VERSION, "Statement": [other]}, arns(0, 3))
    left = spill.without_roles(document, {arns(0, 3)[1]})
    assert left is not None
    assert spill.held(left) == {arns(0, 3)[0], arns(0, 3)[2]}
    assert other in left["Statement"]
    untouched = {"Version": documents.VERSION, "Statement": [other]}
    assert spill.without_roles(untouched, set(arns(0, 1))) == untouched
    assert spill.without_roles(None, set(arns(0, 1))) is None


def test_the_spill_path_is_one_iam_accepts_and_its_arns_are_recognised() -> None:
    # IAM API Reference, "CreatePolicy", Path: "/" alone or a string that begins and ends with "/",
    # of ASCII characters from "!" through DEL.
    assert re.fullmatch(r"/|/[\x21-\x7f]+/", spill.SPILL_PATH)
    name, role = documents.ASSUME_POLICY_NAME, "EMR_EC2_DefaultRole"
    arn = f"arn:aws:iam::111111111111:policy{spill.SPILL_PATH}{spill.spill_name(name, role, 2)}"
    assert spill.is_spill_arn(arn, name, role)


def test_iam_counts_a_policy_s_characters_without_whitespace() -> None:
    # IAM User Guide, "IAM and AWS STS quotas": IAM does not count white space against a policy's size quota.
    document = {"Version": "2012-10-17", "Statement": []}
    assert iam_policy_length(document) == len('{"Version":"2012-10-17","Statement":[]}')


# IAM User Guide, "IAM and AWS STS quotas": the role policy size (10,240), managed policy size (6,144) and
# policy versions (5) cannot be increased; the trust policy length (2,048) can, to 4,096; managed policies per
# role (10) to 20 (AWS Knowledge Center, "How do I increase the default managed policy or character size limit
# for an IAM role or user?"); roles and instance profiles (1,000) and customer managed policies (1,500) can.
# AWS KMS API Reference, PutKeyPolicy: "The key policy size quota is 32 kilobytes (32768 bytes)".
# ``enforced``: the quotas the provider refuses before any write (merge.require_iam_policy_length, spill.place,
# the IAM hook's inline total, the KMS hook's key policy size); the others AWS refuses itself.
@pytest.mark.parametrize(
    ("quota", "value", "adjustable", "maximum", "enforced"),
    [
        (quotas.ROLE_INLINE_POLICIES_CHARS, 10240, False, None, True),
        (quotas.MANAGED_POLICY_CHARS, 6144, False, None, True),
        (quotas.MANAGED_POLICIES_PER_ROLE, 10, True, 20, True),
        (quotas.POLICY_VERSIONS, 5, False, None, False),
        (quotas.TRUST_POLICY_CHARS, 2048, True, 4096, True),
        (quotas.ROLES_PER_ACCOUNT, 1000, True, None, False),
        (quotas.INSTANCE_PROFILES_PER_ACCOUNT, 1000, True, None, False),
        (quotas.CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT, 1500, True, None, False),
        (quotas.KEY_POLICY_BYTES, 32768, False, None, True),
        (quotas.EMR_SECURITY_CONFIGURATIONS, None, True, None, False),
    ],
)
def test_each_quota_s_figure_and_whether_it_can_be_raised_are_aws_s(
    quota: quotas.Quota, value: float | None, adjustable: bool, maximum: float | None, enforced: bool
) -> None:
    assert (quota.value, quota.adjustable, quota.maximum, quota.enforced) == (value, adjustable, maximum, enforced)


def test_a_request_rate_is_documented_exactly_when_its_basis_states_no_assumption() -> None:
    for rate in quotas.REQUEST_RATES:
        assert rate.documented == ("assum" not in rate.basis), rate


def test_a_refusal_says_whether_aws_lets_the_quota_be_raised() -> None:
    hard = quotas.QuotaExceededError("f", quotas.MANAGED_POLICY_CHARS, 7000, "the policy", 6144)
    assert "(a hard limit;" in hard.problem
    raised = quotas.QuotaExceededError("f", quotas.MANAGED_POLICIES_PER_ROLE, 11, "the role's policies", 10)
    assert "(adjustable up to 20;" in raised.problem
    refused = quotas.QuotaRefusedByAwsError("f", quotas.ROLES_PER_ACCOUNT, "creating role r", "LimitExceeded")
    assert refused.field == "f"
    assert "(default 1000 roles, adjustable;" in refused.problem
    assert "That write changed nothing." in refused.problem
