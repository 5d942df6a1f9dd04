"""
Where the live probe writes (``verify.probe_targets``): the destination account's prefixes, as its roles, in the
buckets read as its own (every S3 call of the verifier carries ``ExpectedBucketOwner``, which S3 refuses on another
account's bucket: Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition"); everything else is
reported not probed, with why.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, OtherOwner, Unreadable
from airflow_provider_emrfs_xacct.verify import probe_targets

DESTINATION = "222222222222"
OURS = f"arn:aws:iam::{DESTINATION}:role/partner-b-writer"
THEIRS = "arn:aws:iam::333333333333:role/tenant-writer"


def state(
    mappings: list[dict[str, Any]] | None,
    buckets: dict[str, Any],
    *,
    name: str | None = "sc",
    prefixes: list[str] | None = None,
    document: Any = None,
) -> ChainState:
    if document is None and mappings is not None:
        document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": mappings}}}
    return ChainState(
        emr_role=None,
        security_configuration_name=name,
        security_configuration=document,
        destination_roles={},
        buckets=buckets,
        prefixes_for_principal_mappings=prefixes or [],
    )


def prefix(role: str, *identifiers: str) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}


def test_only_the_destination_accounts_roles_in_its_own_buckets_are_probed() -> None:
    read = state(
        [
            prefix(OURS, "s3://ours/exports", "s3://ours/exports"),
            prefix(THEIRS, "s3://theirs/tenant/"),
            prefix(OURS, "s3://elsewhere/x/", "s3://unread/x/", "s3://gone/x/"),
            {"Role": OURS, "IdentifierType": "User", "Identifiers": ["analyst"]},
        ],
        {
            "ours": BucketState(account=DESTINATION),
            "theirs": OtherOwner(DESTINATION),
            "elsewhere": OtherOwner(DESTINATION),
            "unread": Unreadable("s3:ListBucket was denied"),
            "gone": None,
        },
    )

    targets, left_out = probe_targets(read, DESTINATION)

    assert targets == ["s3://ours/exports"]  # once, though named twice
    why = {item["identifier"]: (item["mapping"], item["why"]) for item in left_out}
    assert set(why) == {"s3://theirs/tenant/", "s3://elsewhere/x/", "s3://unread/x/", "s3://gone/x/"}
    assert why["s3://theirs/tenant/"][0] == 1
    assert f"{THEIRS} is not of the destination account {DESTINATION}" in why["s3://theirs/tenant/"][1]
    assert "is not owned by the destination account" in why["s3://elsewhere/x/"][1]
    assert "s3:ListBucket was denied" in why["s3://unread/x/"][1]
    assert "was not found" in why["s3://gone/x/"][1]
    assert all(item["how"] for item in left_out)


def test_identifiers_not_of_the_s3_form_are_left_out_naming_why_not_a_field() -> None:
    read = state([prefix(OURS, "s3a://other-bucket/x/", "s3://Legacy_Bucket/x", "s3://ours/x")], {"ours": None})

    targets, left_out = probe_targets(read, DESTINATION)

    assert targets == []
    assert [item["identifier"] for item in left_out] == ["s3a://other-bucket/x/", "s3://Legacy_Bucket/x", "s3://ours/x"]
    assert "must start with 's3://'" in left_out[0]["why"]
    assert "breaks S3 naming rules" in left_out[1]["why"]
    assert not any(item["why"].startswith(("prefix:", "identifier:")) for item in left_out)


def test_without_the_destination_account_nothing_is_probed() -> None:
    read = state([prefix(OURS, "s3://ours/x/")], {"ours": BucketState(account="(unknown)")})

    targets, left_out = probe_targets(read, None)

    assert targets == []
    assert "account was not read" in left_out[0]["why"]


def test_an_unread_configuration_leaves_nothing_to_probe() -> None:
    read = state(None, {}, document=Unreadable("elasticmapreduce:DescribeSecurityConfiguration was denied"))

    assert probe_targets(read, DESTINATION) == (
        [],
        [
            {
                "identifier": None,
                "mapping": None,
                "why": "the security configuration was not read, so the prefixes its mappings take are not known",
                "how": "let the EMR connection read it (elasticmapreduce:DescribeSecurityConfiguration), then verify "
                "again",
            }
        ],
    )


def test_option_a_probes_the_prefixes_given_not_the_clusters_own_mappings() -> None:
    read = state(
        [prefix(THEIRS, "s3://ours/x/")],  # the configuration the cluster runs: not the verified chain's
        {"ours": BucketState(account=DESTINATION), "theirs": OtherOwner(DESTINATION)},
        name=None,
        prefixes=["s3://ours/a/", "s3://theirs/b/"],
    )

    targets, left_out = probe_targets(read, DESTINATION)

    assert targets == ["s3://ours/a/"]
    assert [(item["identifier"], item["mapping"]) for item in left_out] == [("s3://theirs/b/", None)]
