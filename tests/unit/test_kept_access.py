"""
The verifier's "access beyond this configuration" (journeys: a partner that moved, a key replaced, a new EMR EC2 role).

Advice only (WARN): the chain checked works either way; the link names what the provider's own statements of a mapped
role grant beyond it, and only what it can judge.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import WARN
from airflow_provider_emrfs_xacct.pure.checks.kept_access import LINK
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT, trust_statement
from tests.unit.test_chain import (
    BUCKET,
    EMR_ROLE,
    IDENTIFIER,
    KEY,
    PREFIX,
    ROLE,
    THIRD_ACCOUNT,
    by_name,
    destination_role,
    document,
    healthy_state,
    mappings,
)

OLD_IDENTIFIER = f"s3://{BUCKET}/old-exports"
OLD_KEY = KEY.replace("1234abcd", "9999abcd")
THIRD_KEY = KEY.replace("222222222222", THIRD_ACCOUNT).replace("1234abcd", "5555abcd")
SPARE_KEY = KEY.replace("1234abcd", "7777abcd")
OLD_EMR_ROLE = EMR_ROLE.replace("EMR_EC2_DefaultRole", "emr/old-pipeline")


def test_nothing_beyond_the_chain_adds_no_link() -> None:
    report = check_chain(healthy_state())
    assert LINK not in by_name(report)
    assert report.verdict == "PASS"


def test_an_old_prefix_key_and_emr_role_are_named_as_advice() -> None:
    state = healthy_state()
    role = destination_role(prefixes=(IDENTIFIER, OLD_IDENTIFIER), keys=(KEY, OLD_KEY))
    role.trust_policy = document(trust_statement([EMR_ROLE, OLD_EMR_ROLE]))
    state.destination_roles[ROLE] = role
    report = check_chain(state)
    link = by_name(report)[LINK]
    assert link.status == WARN
    assert link.mapping == 0
    assert f"prefixes s3://{BUCKET}/old-exports/" in link.detail
    assert f"KMS keys {OLD_KEY}" in link.detail
    assert f"trusted EMR EC2 roles {OLD_EMR_ROLE}" in link.detail
    assert PREFIX not in link.detail
    assert "RevokePartnerAccessOperator" in link.fix
    # A replaced key is not "unused": the objects written with it keep it, and reading them needs kms:Decrypt on it.
    assert "objects already written with a replaced key still needs that key" in link.detail
    assert "a replaced key only once nothing reads the objects written with it" in link.fix
    assert report.verdict == "PASS"


def test_keys_are_not_judged_without_the_cluster_settings() -> None:
    """emrfs-site may ask for any key (fs.s3.serverSideEncryption.kms.keyId): unread, no key is named."""
    state = healthy_state()
    state.cluster_configurations = None
    state.destination_roles[ROLE] = destination_role(keys=(KEY, OLD_KEY))
    assert LINK not in by_name(check_chain(state))


def test_prefixes_are_not_judged_for_a_group_mapping_without_prefixes() -> None:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Group", "analysts"))
    state.destination_roles[ROLE] = destination_role(prefixes=(IDENTIFIER, OLD_IDENTIFIER))
    assert LINK not in by_name(check_chain(state))
    state.prefixes_for_principal_mappings = [PREFIX]
    link = by_name(check_chain(state))[LINK]
    assert (link.status, "old-exports" in link.detail) == (WARN, True), link  # docs/howto/verify.md: a WARN


def test_a_role_mapped_twice_is_judged_on_all_its_prefixes_once() -> None:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", IDENTIFIER), (ROLE, "Prefix", OLD_IDENTIFIER))
    state.destination_roles[ROLE] = destination_role(prefixes=(IDENTIFIER, OLD_IDENTIFIER))
    assert LINK not in [link.link for link in check_chain(state).links]
    state.destination_roles[ROLE].trust_policy = document(trust_statement([EMR_ROLE, OLD_EMR_ROLE]))
    assert [link.mapping for link in check_chain(state).links if link.link == LINK] == [0]


def test_a_revoked_trust_names_no_role() -> None:
    state = healthy_state()
    state.destination_roles[ROLE].trust_policy = document(dict(TRUST_NOBODY_STATEMENT))
    assert LINK not in by_name(check_chain(state))


def _kms_site(key: str) -> list[dict[str, object]]:
    """emrfs-site asking every upload for SSE-KMS with ``key``."""
    return [
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": key},
        }
    ]


def _kept_keys(state: ChainState) -> str:
    """The kept-access link's detail ("" without the link)."""
    link = by_name(check_chain(state)).get(LINK)
    return link.detail if link is not None else ""


def test_a_key_asked_for_by_its_arn_that_could_not_be_described_is_not_named_as_unused() -> None:
    """
    Uploads with SSE-KMS need kms:GenerateDataKey on the key they ask for (Amazon S3 User Guide, "Using server-side
    encryption with AWS KMS keys (SSE-KMS)"): the role's statement for it is what the writes use, whether or not the
    verifier could describe the key (another account's, or DescribeKey refused). Advice to remove it would end them.
    """
    for asked, why in [
        (THIRD_KEY, f"the key is in account {THIRD_ACCOUNT}; the destination connection cannot read it"),
        (OLD_KEY, "kms:DescribeKey was denied (AccessDeniedException)"),
    ]:
        state = healthy_state()
        state.cluster_configurations = _kms_site(asked)
        state.destination_roles[ROLE] = destination_role(keys=(KEY, asked))
        state.requested_keys[asked] = Unreadable(why)
        assert asked not in _kept_keys(state), asked
        # Still judged: a key neither the bucket nor the uploads name stays advice.
        state.destination_roles[ROLE] = destination_role(keys=(KEY, asked, SPARE_KEY))
        assert f"KMS keys {SPARE_KEY}" in _kept_keys(state)
        assert asked not in _kept_keys(state)


def test_a_key_asked_for_by_an_alias_that_could_not_be_described_leaves_the_keys_not_judged() -> None:
    """An alias names whichever key it points to (AWS KMS Developer Guide, "Aliases in AWS KMS"): any held may be it."""
    state = healthy_state()
    state.cluster_configurations = _kms_site("alias/partner-exports")
    state.destination_roles[ROLE] = destination_role(keys=(KEY, OLD_KEY))
    state.requested_keys["alias/partner-exports in us-east-1"] = Unreadable("kms:DescribeKey was denied")
    assert OLD_KEY not in _kept_keys(state)


def test_a_bucket_default_key_not_resolved_to_its_arn_leaves_the_keys_not_judged() -> None:
    """The verifier keeps the bucket's key as the bucket names it (an alias) when DescribeKey fails: not its ARN."""
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.kms_key_arn = bucket.kms_key_id = "alias/partner-exports"
    state.destination_roles[ROLE] = destination_role(keys=(KEY, OLD_KEY))
    assert OLD_KEY not in _kept_keys(state)
    bucket.kms_key_arn = bucket.kms_key_id = KEY  # resolved: the other key held is advice again
    assert f"KMS keys {OLD_KEY}" in _kept_keys(state)
