"""
``Prefix`` identifiers of another form than ``s3://bucket/prefix``: ``s3a://``, ``s3n://``, ``S3://``, a bucket in
capitals.

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows ``Prefix``
identifiers as ``s3://bucket`` or ``s3://bucket/prefix`` only; whether EMR accepts another form, and how EMRFS
matches one, it does not say (a URI's scheme and host are case-insensitive: RFC 3986, 3.1 and 3.2.2; "Object key
names are case sensitive": Amazon S3 User Guide, "Naming Amazon S3 objects"). EMRFS tries the mappings top-down and
uses the first that matches (the same page), so such a mapping coming first may take a later mapping's writes: those
writes are "not checked", naming it, never judged as the later mapping's. The provider writes none of them.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, UNKNOWN, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.routing import (
    doubtful_before,
    may_match_otherwise,
    probe_routes,
    routed_role,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    bucket_mapped,
    mapped_bucket_prefixes,
    validate_role_mappings,
)
from tests.unit.test_chain import (
    ASSUME,
    BROAD_ROLE,
    BUCKET,
    IDENTIFIER,
    PREFIX,
    ROLE,
    WRITE,
    healthy_state,
    mappings,
)

OTHER_FORMS = [
    f"s3a://{BUCKET}/",
    f"s3n://{BUCKET}/exports",
    f"S3://{BUCKET}/exports",
    f"S3A://{BUCKET.upper()}/",
    f"s3://{BUCKET.upper()}/exports",
    f"s3a://{BUCKET[:7]}",  # a plain string prefix of the bucket's name
]


@pytest.mark.parametrize(
    ("identifier", "uri", "may"),
    [
        *[(identifier, f"{PREFIX}part-00000", True) for identifier in OTHER_FORMS],
        (f"s3a://{BUCKET}/EXPORTS", f"{PREFIX}x", True),  # another scheme: its key's case is not known either
        (f"s3://{BUCKET.upper()}/EXPORTS", f"{PREFIX}x", False),  # s3://: the key is case-sensitive
        ("s3a://other-bucket/", f"{PREFIX}x", False),
        (f"s3a://{BUCKET}/imports/", f"{PREFIX}x", False),
        (IDENTIFIER, f"{PREFIX}x", False),  # route() matches it: no doubt
        (f"s3://{BUCKET}/exports/y", f"{PREFIX}x", False),  # s3:// in the guide's form: route() decides
    ],
)
def test_which_identifiers_emrfs_may_match_otherwise(identifier: str, uri: str, may: bool) -> None:
    assert may_match_otherwise(identifier, uri) is may


def configuration_with_first(identifier: str) -> dict[str, Any]:
    """Another partner's mapping of ``identifier`` first, then the verified partner's own."""
    return mappings((BROAD_ROLE, "Prefix", identifier), (ROLE, "Prefix", IDENTIFIER))


@pytest.mark.parametrize("identifier", OTHER_FORMS)
def test_an_earlier_mapping_of_another_form_makes_the_later_writes_not_checked(identifier: str) -> None:
    """It passed: the earlier mapping was taken to match nothing, and the writes to get the later mapping's role."""
    state = healthy_state()
    state.security_configuration = configuration_with_first(identifier)

    report = check_chain(state)

    write = next(link for link in report.links if link.mapping == 1 and link.link == WRITE)
    assert write.status == UNKNOWN, write
    assert f"mapping 0 comes first with the Prefix identifier {identifier!r}" in write.detail
    assert BROAD_ROLE in write.detail
    assert report.verdict != VERDICT_PASS


def test_an_earlier_mapping_of_another_form_for_another_bucket_changes_nothing() -> None:
    state = healthy_state()
    state.security_configuration = configuration_with_first("s3a://other-bucket/out")

    report = check_chain(state)

    assert {link.link: link.status for link in report.links if link.mapping == 1}[WRITE] == PASS
    assert {link.link: link.status for link in report.links if link.mapping == 1}[ASSUME] == PASS


def test_the_role_of_a_key_no_mapping_matches_is_not_known_behind_such_a_mapping() -> None:
    """The EC2 instance profile role is the fallback only where no mapping matches: that one may."""
    state = healthy_state()
    listed = [{"Role": BROAD_ROLE, "IdentifierType": "Prefix", "Identifiers": [f"s3a://{BUCKET}/"]}]

    role, why, problem = routed_role(state, listed, f"s3://{BUCKET}/elsewhere/x", checking=None)

    assert role is None
    assert why == "no mapping matches this key: the EC2 instance profile role"
    assert "mapping 0 comes first" in problem
    assert doubtful_before(listed, None, f"s3://{BUCKET}/elsewhere/x")[0][:2] == (0, f"s3a://{BUCKET}/")


def test_the_probe_credits_no_mapping_whose_write_such_a_mapping_may_take() -> None:
    listed = configuration_with_first(f"S3://{BUCKET}/")["AuthorizationConfiguration"]["EmrFsConfiguration"][
        "RoleMappings"
    ]
    uri = f"{PREFIX}emrfs-xacct-probe/x"

    assert probe_routes(listed, [uri]) == {uri: None}
    assert probe_routes(listed[1:], [uri]) == {uri: 0}


@pytest.mark.parametrize("identifier", [f"s3a://{BUCKET}/exports/", f"S3://{BUCKET}/exports/", f"s3n://{BUCKET}/"])
def test_the_provider_refuses_to_write_such_an_identifier_naming_the_field(identifier: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        validate_role_mappings(
            [
                {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]},
                {"Role": BROAD_ROLE, "IdentifierType": "Prefix", "Identifiers": [identifier]},
            ]
        )
    assert refused.value.field == "role_mappings[1].Identifiers[0]"
    assert "another scheme" in str(refused.value)


def test_a_bucket_named_in_capitals_may_be_the_bucket() -> None:
    """The checks that ask which buckets a mapping may take (STS route, session duration) count it."""
    prefixes = mapped_bucket_prefixes(mappings((ROLE, "Prefix", f"s3://{BUCKET.upper()}/exports")))

    assert prefixes == (f"{BUCKET.upper()}/",)
    assert bucket_mapped(BUCKET, prefixes)
    assert not bucket_mapped("other-bucket", prefixes)
