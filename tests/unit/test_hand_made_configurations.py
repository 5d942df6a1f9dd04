"""
Property test: any security configuration EMR returns gives the verifier a report, never an exception.

Configurations made by hand (console, CLI, Terraform) or by other tools reach the verifier as EMR stores them,
so any JSON may sit where the Amazon EMR Management Guide ("Create a security configuration"; "Configure IAM
roles for EMRFS requests to Amazon S3") shows objects, a list of role mappings, strings and a list of strings.
The documents here follow that shape with wrong types injected at every level. Whatever the shape, the pure
readers and checks answer, and a document with any part the guide does not describe is never PASS: a mapping
the verifier cannot read could be the one EMRFS uses first for the partner's prefix. The judge of "well formed"
is this file's own (:func:`well_formed`), not the code under test.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure.checks import principal, shadowing
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import client_side_encryption, requested_encryption
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
)
from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes, route
from airflow_provider_emrfs_xacct.pure.cluster_config import requires_imds_v2
from airflow_provider_emrfs_xacct.pure.security_config import (
    IDENTIFIER_TYPES,
    cross_type_shadowing,
    mapping_identifiers,
    role_mappings_of,
    routing_bypasses,
    shadowed_by,
)
from tests.unit.test_chain import BUCKET, IDENTIFIER, KEY, PREFIX, ROLE, healthy_state
from tests.unit.test_routing_bypasses import AWS_RANGER_DOCUMENT

#: Fixed and small: part of ``make test`` (derandomized there by tests/conftest.py's profile).
FUZZ_SETTINGS = settings(max_examples=200, deadline=None, database=None)
OTHER_ROLE = "arn:aws:iam::222222222222:role/other-writer"

#: What may stand where another type belongs: every JSON type.
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(["", "s", IDENTIFIER, "Prefix", ROLE]),
    st.lists(st.one_of(st.none(), st.integers(0, 1), st.just("s")), max_size=2),
    st.dictionaries(st.sampled_from(["Role", "a"]), st.integers(0, 1), max_size=2),
)


def or_wrong(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good``, or one time in four any other JSON type (``one_of`` would flatten :data:`WRONG`'s branches)."""
    return st.integers(0, 3).flatmap(lambda draw: WRONG if draw == 0 else good)


ROLES = or_wrong(st.sampled_from([ROLE, OTHER_ROLE]))
KINDS = or_wrong(st.sampled_from(IDENTIFIER_TYPES))
GOOD_IDENTIFIER = st.sampled_from([IDENTIFIER, f"s3://{BUCKET}", f"s3://{BUCKET}/other", "alice", "etl"])
IDENTIFIERS = or_wrong(st.one_of(st.lists(or_wrong(GOOD_IDENTIFIER), max_size=3), GOOD_IDENTIFIER))
GOOD_MAPPING = st.fixed_dictionaries(
    {"Role": st.just(ROLE), "IdentifierType": st.just("Prefix"), "Identifiers": st.just([IDENTIFIER])}
)
MAPPING = or_wrong(
    st.one_of(
        GOOD_MAPPING,
        st.fixed_dictionaries({}, optional={"Role": ROLES, "IdentifierType": KINDS, "Identifiers": IDENTIFIERS}),
    )
)
#: Mostly the partner's own mapping among others: what comes before it decides its route.
WITH_PARTNER = st.builds(
    lambda before, partner, after: [*before, partner, *after],
    st.lists(MAPPING, max_size=2),
    GOOD_MAPPING,
    st.lists(MAPPING, max_size=1),
)
ROLE_MAPPINGS = or_wrong(st.one_of(WITH_PARTNER, st.lists(MAPPING, max_size=4), MAPPING))
EMRFS = or_wrong(st.fixed_dictionaries({"RoleMappings": ROLE_MAPPINGS}))
RANGER_PLUGIN = st.one_of(
    st.sampled_from(
        AWS_RANGER_DOCUMENT["AuthorizationConfiguration"]["RangerConfiguration"]["RangerPluginConfigurations"]
    ),
    st.fixed_dictionaries({"App": or_wrong(st.sampled_from(["emrfs-s3", "EMRFS_S3", "EMRFS-S3 ", "Trino"]))}),
)
AUTHORIZATION = or_wrong(
    st.fixed_dictionaries(
        {"EmrFsConfiguration": EMRFS},
        optional={
            "IAMConfiguration": or_wrong(
                st.fixed_dictionaries({"EnableApplicationScopedIAMRole": or_wrong(st.booleans())})
            ),
            # AWS's shape (tests/unit/test_routing_bypasses.py, AWS_RANGER_DOCUMENT): its plugins, and their App
            # spelled otherwise or under a key AWS does not give, which only an exact "EMRFS-S3" under
            # RangerPluginConfigurations turns into a FAIL.
            "RangerConfiguration": or_wrong(
                st.fixed_dictionaries(
                    {"RangerPluginConfigurations": or_wrong(st.lists(or_wrong(RANGER_PLUGIN), max_size=4))},
                    optional={"ApplicationConfigurations": or_wrong(st.lists(or_wrong(RANGER_PLUGIN), max_size=2))},
                )
            ),
            "LakeFormationConfiguration": WRONG,
        },
    )
)
S3_ENCRYPTION = or_wrong(
    st.fixed_dictionaries(
        {},
        optional={
            "EncryptionMode": or_wrong(st.sampled_from(["SSE-S3", "SSE-KMS", "CSE-KMS", "CSE-Custom"])),
            "AwsKmsKey": or_wrong(st.just(KEY)),
            "Overrides": or_wrong(
                st.lists(or_wrong(st.fixed_dictionaries({"BucketName": st.just(BUCKET)})), max_size=2)
            ),
        },
    )
)
ENCRYPTION = or_wrong(
    st.fixed_dictionaries(
        {},
        optional={
            "EnableAtRestEncryption": or_wrong(st.booleans()),
            "AtRestEncryptionConfiguration": or_wrong(
                st.fixed_dictionaries({}, optional={"S3EncryptionConfiguration": S3_ENCRYPTION})
            ),
        },
    )
)
IMDS = or_wrong(
    st.fixed_dictionaries({"MinimumInstanceMetadataServiceVersion": or_wrong(st.sampled_from([1, 2, "2"]))})
)
DOCUMENTS = st.fixed_dictionaries(
    {"AuthorizationConfiguration": AUTHORIZATION},
    optional={"EncryptionConfiguration": ENCRYPTION, "InstanceMetadataServiceConfiguration": IMDS},
)


def well_formed(mapping: Any) -> bool:
    """A role mapping as the Amazon EMR Management Guide shows it: a role ARN, a type, a non-empty list of strings."""
    if not isinstance(mapping, dict):
        return False
    identifiers = mapping.get("Identifiers")
    return (
        isinstance(mapping.get("Role"), str)
        and mapping.get("IdentifierType") in IDENTIFIER_TYPES
        and isinstance(identifiers, list)
        and bool(identifiers)
        and all(isinstance(identifier, str) for identifier in identifiers)
    )


def raw_mappings(document: dict[str, Any]) -> Any:
    """The ``RoleMappings`` as generated (``...`` where a level above is not an object)."""
    authorization = document.get("AuthorizationConfiguration")
    emrfs = authorization.get("EmrFsConfiguration") if isinstance(authorization, dict) else None
    return emrfs.get("RoleMappings") if isinstance(emrfs, dict) else ...


@FUZZ_SETTINGS
@given(DOCUMENTS)
# Found by `make fuzz`: a first mapping whose Identifiers is one string routed the partner's writes and was
# credited PASS, as if EMRFS were known to read the string as one identifier.
@example(
    {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [
                    {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": IDENTIFIER},
                    {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]},
                ]
            }
        }
    }
)
def test_every_shape_gives_a_report_and_an_unreadable_mapping_is_never_pass(document: dict[str, Any]) -> None:
    state = dataclasses.replace(healthy_state(), security_configuration=document)

    report = check_chain(state)

    mappings = raw_mappings(document)
    if not (isinstance(mappings, list) and all(well_formed(mapping) for mapping in mappings)):
        assert report.verdict != VERDICT_PASS, [(link.link, link.status) for link in report.links]
    entries = mappings if isinstance(mappings, list) else [mappings]  # one RoleMappings object: one mapping
    for link in report.links:
        if link.link in (f"write files {PREFIX}", "mapping not shadowed") and link.status == PASS:
            # EMRFS tries the mappings top-down: a PASS is only sure when no mapping before the one that decides it
            # (this one, or an earlier well-formed Prefix mapping that takes the requests) is unreadable.
            assert link.mapping is not None
            decides = next((j for j, m in enumerate(entries) if takes_the_partners_requests(m)), link.mapping)
            if link.link == "mapping not shadowed":
                decides = link.mapping
            assert all(well_formed(m) for m in entries[: min(decides, link.mapping)]), (link, mappings)


def takes_the_partners_requests(mapping: Any) -> bool:
    """A well-formed ``Prefix`` mapping with an identifier that starts every key under :data:`IDENTIFIER`."""
    return (
        well_formed(mapping)
        and mapping["IdentifierType"] == "Prefix"
        and any(IDENTIFIER.startswith(identifier) for identifier in mapping["Identifiers"])
    )


@FUZZ_SETTINGS
@given(DOCUMENTS)
def test_the_readers_answer_for_every_shape(document: dict[str, Any]) -> None:
    state = dataclasses.replace(healthy_state(), security_configuration=document)
    mappings = role_mappings_of(document)

    routing_bypasses(document)
    requires_imds_v2(document)
    requested_encryption(state, BUCKET)
    client_side_encryption(state, BUCKET)
    probe_routes(mappings, [f"{PREFIX}part-0000"])
    cross_type_shadowing(mappings)
    for index, mapping in enumerate(mappings):
        assert all(isinstance(identifier, str) for identifier in mapping_identifiers(mapping))
        shadowed_by(mappings[:index], "Prefix", IDENTIFIER)
        shadowing.audit(index, mappings)
        principal.audit(index, mapping)
        route(mappings, f"{PREFIX}part-0000", index)


def aws_emrfs_plugin_on(document: dict[str, Any]) -> bool:
    """This file's own reading: ``RangerPluginConfigurations`` lists an object whose ``App`` is exactly ``EMRFS-S3``."""
    authorization = document.get("AuthorizationConfiguration")
    ranger = authorization.get("RangerConfiguration") if isinstance(authorization, dict) else None
    plugins = ranger.get("RangerPluginConfigurations") if isinstance(ranger, dict) else None
    return isinstance(plugins, list) and any(
        isinstance(plugin, dict) and plugin.get("App") == "EMRFS-S3" for plugin in plugins
    )


@FUZZ_SETTINGS
@given(DOCUMENTS)
def test_ranger_is_never_pass_and_aws_emrfs_s3_plugin_always_fails(document: dict[str, Any]) -> None:
    authorization = document.get("AuthorizationConfiguration")
    ranger_on = isinstance(authorization, dict) and authorization.get("RangerConfiguration") is not None

    report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))

    if aws_emrfs_plugin_on(document):
        assert report.verdict == VERDICT_FAIL, [(link.link, link.status) for link in report.links]
    elif ranger_on:
        assert report.verdict != VERDICT_PASS, [(link.link, link.status) for link in report.links]


def test_an_unreadable_mapping_before_the_partners_makes_its_links_not_checked() -> None:
    """The examples the property found first: a mapping of another shape before the partner's, and each level."""
    partner = {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]}
    for unreadable, field in [
        (7, "is 7, not an object"),
        ({"Role": 7, "IdentifierType": "Prefix", "Identifiers": ["s3://elsewhere"]}, "Role is 7"),
        (
            {"Role": OTHER_ROLE, "IdentifierType": "prefix", "Identifiers": ["s3://elsewhere"]},
            'IdentifierType is "prefix"',
        ),
        ({"Role": OTHER_ROLE, "IdentifierType": "Prefix", "Identifiers": {"a": 1}}, "Identifiers is {"),
    ]:
        document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [unreadable, partner]}}}
        report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))

        links = {(link.mapping, link.link): link for link in report.links}
        unread = links[0, "mapping has identifiers" if "Identifiers" in field else "mapping readable"]
        assert (unread.status, field in unread.detail) == (UNKNOWN, True), unread
        # docs/howto/verify.md: "the partner's links after it are \"not checked\"" (not FAIL: a guess).
        write = links[1, f"write files {PREFIX}"]
        assert write.status == UNKNOWN, write
        assert "mapping 0 comes first and could not be read" in write.detail
        assert links[1, "mapping not shadowed"].status == UNKNOWN
        assert probe_routes([unreadable, partner], [f"{PREFIX}part-0000"]) == {f"{PREFIX}part-0000": None}
    # docs/howto/verify.md: a RoleMappings of another shape, or a section above it that is not an object, is read as
    # no mapping "with the \"not checked\" link \"role mappings\""; an EncryptionConfiguration of another shape gets
    # "encryption settings readable", and the key link is not checked: what EMRFS asks for is not known. None fails
    # on the shape.
    key = f"use bucket key for {PREFIX}"
    for document, field, names in [
        ({"AuthorizationConfiguration": "x"}, 'AuthorizationConfiguration is "x", not an object', ["role mappings"]),
        (
            {"AuthorizationConfiguration": {"EmrFsConfiguration": []}},
            "EmrFsConfiguration is [], not an object",
            ["role mappings"],
        ),
        (
            {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": "x"}}},
            'RoleMappings is "x"',
            ["role mappings"],
        ),
        (
            {
                "AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [partner]}},
                "EncryptionConfiguration": [],
            },
            "EncryptionConfiguration is [], not an object",
            ["encryption settings readable", key],
        ),
    ]:
        report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))
        not_passed = [(link.link, link.status) for link in report.links if link.status != PASS]
        assert not_passed == [(name, UNKNOWN) for name in names], report.table()
        assert all(field in link.detail for link in report.links if link.status != PASS), report.table()
        assert report.verdict == VERDICT_NOT_CHECKED


def test_an_unreadable_imds_setting_on_a_release_without_imdsv2_is_not_checked() -> None:
    """EMR 5.30.0 predates IMDSv2 in EMR's components; a version it cannot read may turn IMDSv1 off."""
    document = {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]}]
            }
        },
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": [2]},
    }
    state = dataclasses.replace(healthy_state(), security_configuration=document, release_label="emr-5.30.0")

    report = check_chain(state)

    [link] = [link for link in report.links if link.link == "release calls IMDSv2"]
    assert link.status == UNKNOWN
    assert "MinimumInstanceMetadataServiceVersion is [2], not 1 or 2" in link.detail
