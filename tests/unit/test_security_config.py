"""Unit tests of EMRFS role mappings and content-named security configurations."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    HASH_LENGTH,
    MAX_NAME_LENGTH,
    bucket_mapped,
    build_security_configuration,
    canonical_json,
    mapped_bucket_prefixes,
    names_content,
    role_mappings_of,
    security_configuration_name,
    shadowed_by,
    validate_role_mappings,
)

ROLE_B = "arn:aws:iam::222222222222:role/partners/PartnerWriter"
ROLE_C = "arn:aws:iam::333333333333:role/PartnerC"

ENCRYPTION = {
    "EncryptionConfiguration": {
        "EnableInTransitEncryption": False,
        "EnableAtRestEncryption": True,
        "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
    }
}


def mapping(role: str = ROLE_B, kind: str = "Prefix", identifiers: Any = ("s3://partner-b/results/",)) -> dict:
    return {
        "Role": role,
        "IdentifierType": kind,
        "Identifiers": list(identifiers) if isinstance(identifiers, tuple) else identifiers,
    }


def refused_mappings(value: Any, field: str, *needles: str) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as excinfo:
        validate_role_mappings(value)
    error = excinfo.value
    assert error.field == field
    for needle in needles:
        assert needle in error.problem, f"{needle!r} not in {error.problem!r}"
    return error


class TestValidateRoleMappings:
    def test_aws_shape_in_order_with_normalised_prefixes(self):
        value = [
            mapping(ROLE_B, "Prefix", ["s3://partner-b/results", "s3://partner-b/raw/"]),
            mapping(ROLE_C, "User", ["etl_user", "alice"]),
            mapping(ROLE_B, "Group", ["analysts"]),
        ]
        original = copy.deepcopy(value)
        assert validate_role_mappings(value) == [
            {
                "Role": ROLE_B,
                "IdentifierType": "Prefix",
                # Without the trailing slash: the directory's own key and its _$folder$ marker route too.
                "Identifiers": ["s3://partner-b/results", "s3://partner-b/raw"],
            },
            {"Role": ROLE_C, "IdentifierType": "User", "Identifiers": ["etl_user", "alice"]},
            {"Role": ROLE_B, "IdentifierType": "Group", "Identifiers": ["analysts"]},
        ]
        assert value == original  # input left alone

    def test_order_of_mappings_is_kept(self):
        first = mapping(ROLE_C, "User", ["zed"])
        second = mapping(ROLE_B, "Prefix", ["s3://a-bucket/x/"])
        result = validate_role_mappings([first, second])
        assert [item["IdentifierType"] for item in result] == ["User", "Prefix"]
        reversed_result = validate_role_mappings([second, first])
        assert [item["IdentifierType"] for item in reversed_result] == ["Prefix", "User"]

    def test_a_single_mapping_dict_is_a_one_element_list(self):
        assert validate_role_mappings(mapping()) == [
            {"Role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-b/results"]}
        ]

    def test_a_single_identifier_string_is_a_one_element_list(self):
        result = validate_role_mappings([mapping(identifiers="s3://partner-b/results/")])
        assert result[0]["Identifiers"] == ["s3://partner-b/results"]

    def test_a_prefix_mapping_may_name_a_whole_bucket(self):
        result = validate_role_mappings([mapping(identifiers=["s3://partner-b"])])
        assert result[0]["Identifiers"] == ["s3://partner-b/"]

    def test_same_identifier_under_different_types_is_fine(self):
        result = validate_role_mappings([mapping(ROLE_B, "User", ["hadoop"]), mapping(ROLE_C, "Group", ["hadoop"])])
        assert len(result) == 2

    @pytest.mark.parametrize("value", [[], None, "s3://partner-b/x/", 3, ()])
    def test_refuses_an_empty_or_non_list_value(self, value):
        refused_mappings(value, "role_mappings", "non-empty list of role mappings")

    def test_refuses_a_mapping_that_is_not_a_dict(self):
        refused_mappings([mapping(), ["Role", "x"]], "role_mappings[1]", "must be a dict")

    def test_refuses_unknown_keys(self):
        value = [{**mapping(), "Priority": 1}]
        refused_mappings(value, "role_mappings[0]", "unknown ['Priority']", "missing []")

    def test_refuses_missing_keys(self):
        value = [mapping(), {"Role": ROLE_B, "Identifiers": ["x"]}]
        refused_mappings(value, "role_mappings[1]", "missing ['IdentifierType']")

    def test_refuses_wrongly_cased_keys(self):
        value = [{"role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://b-b/x/"]}]
        refused_mappings(value, "role_mappings[0]", "missing ['Role']", "unknown ['role']")

    @pytest.mark.parametrize("kind", ["prefix", "Bucket", "USER", ""])
    def test_refuses_unknown_identifier_types(self, kind):
        field = "role_mappings[0].IdentifierType"
        if kind:
            refused_mappings([mapping(kind=kind)], field, "must be one of Prefix, User, Group")
        else:
            refused_mappings([mapping(kind=kind)], field, "must not be empty")

    def test_refuses_a_bad_role(self):
        refused_mappings(
            [mapping(), mapping(role="arn:aws:iam::222222222222:user/bob", identifiers=["s3://partner-b/x/"])],
            "role_mappings[1].Role",
            "must be a role ARN",
        )

    def test_refuses_a_wildcard_role(self):
        refused_mappings([mapping(role="arn:aws:iam::222222222222:role/*")], "role_mappings[0].Role", "wildcards")

    def test_refuses_a_user_name_in_a_prefix_mapping(self):
        value = [mapping(), mapping(ROLE_C, "Prefix", ["s3://partner-c/in/", "etl_user"])]
        refused_mappings(value, "role_mappings[1].Identifiers[1]", "Prefix mapping takes s3://", "'etl_user'")

    def test_refuses_a_prefix_in_a_user_mapping(self):
        value = [mapping(), mapping(ROLE_C, "User", ["s3://partner-c/in/"])]
        refused_mappings(value, "role_mappings[1].Identifiers[0]", "User mapping takes Hadoop user names", "prefix")

    def test_refuses_a_prefix_in_a_group_mapping(self):
        value = [mapping(ROLE_C, "Group", ["analysts", "s3://partner-c/in/"])]
        refused_mappings(value, "role_mappings[0].Identifiers[1]", "Group mapping takes Hadoop group names")

    def test_refuses_a_bad_prefix(self):
        refused_mappings([mapping(identifiers=["s3://partner-b/*"])], "role_mappings[0].Identifiers[0]", "wildcards")

    def test_refuses_a_bad_user_name(self):
        refused_mappings(
            [mapping(kind="User", identifiers=["ok", "bad,name"])],
            "role_mappings[0].Identifiers[1]",
            "not a valid Hadoop user or group name",
        )

    def test_refuses_empty_identifiers(self):
        refused_mappings([mapping(identifiers=[])], "role_mappings[0].Identifiers", "must not be empty")

    def test_refuses_a_rendered_list_of_identifiers(self):
        refused_mappings(
            [mapping(identifiers="['s3://partner-b/x/']")], "role_mappings[0].Identifiers", "rendered list"
        )

    def test_refuses_duplicates_inside_one_mapping(self):
        refused_mappings(
            [mapping(identifiers=["s3://partner-b/x", "s3://partner-b/x/"])],
            "role_mappings[0].Identifiers[1]",
            "duplicates",
        )

    def test_refuses_a_prefix_shadowed_by_an_earlier_mapping(self):
        value = [
            mapping(ROLE_B, "Prefix", ["s3://partner-b/a/"]),
            mapping(ROLE_B, "User", ["alice"]),
            mapping(ROLE_C, "Prefix", ["s3://partner-b/z/", "s3://partner-b/a"]),
        ]
        error = refused_mappings(value, "role_mappings[2].Identifiers[1]", "in role_mappings[0]")
        assert "never be used" in error.problem

    def test_refuses_a_narrower_prefix_after_a_broader_one(self):
        value = [mapping(ROLE_B, "Prefix", ["s3://partner-b/a/"]), mapping(ROLE_C, "Prefix", ["s3://partner-b/a/b/"])]
        error = refused_mappings(value, "role_mappings[1].Identifiers[0]", "covered by 's3://partner-b/a'")
        assert "put the narrower mapping first" in error.problem

    def test_accepts_a_narrower_prefix_before_a_broader_one(self):
        value = [mapping(ROLE_C, "Prefix", ["s3://partner-b/a/b/"]), mapping(ROLE_B, "Prefix", ["s3://partner-b/a/"])]
        assert [m["Identifiers"] for m in validate_role_mappings(value)] == [
            ["s3://partner-b/a/b"],
            ["s3://partner-b/a"],
        ]

    def test_a_prefix_sharing_leading_characters_with_an_earlier_one_is_shadowed(self):
        # EMRFS matches plain string prefixes: the identifier s3://partner-b/a captures s3://partner-b/ab/...
        value = [mapping(ROLE_B, "Prefix", ["s3://partner-b/a/"]), mapping(ROLE_C, "Prefix", ["s3://partner-b/ab/"])]
        error = refused_mappings(value, "role_mappings[1].Identifiers[0]", "covered by 's3://partner-b/a'")
        assert "put the narrower mapping first" in error.problem
        # In the other order each prefix routes to its own role.
        swapped = validate_role_mappings(list(reversed(value)))
        assert [m["Identifiers"] for m in swapped] == [["s3://partner-b/ab"], ["s3://partner-b/a"]]

    def test_refuses_a_user_shadowed_by_an_earlier_mapping(self):
        value = [mapping(ROLE_B, "User", ["alice"]), mapping(ROLE_C, "User", ["bob", "alice"])]
        refused_mappings(
            value, "role_mappings[1].Identifiers[1]", "'alice' is already covered by 'alice' in role_mappings[0]"
        )


@pytest.mark.parametrize(
    ("earlier", "kind", "identifier", "expected"),
    [
        # A Prefix identifier matches as a plain string prefix, so a shorter earlier one captures it.
        ([mapping(identifiers=["s3://partner-b/a"])], "Prefix", "s3://partner-b/ab", (0, "s3://partner-b/a")),
        ([mapping(identifiers=["s3://partner-b/a"])], "Prefix", "s3://partner-b/a", (0, "s3://partner-b/a")),
        ([mapping(identifiers=["s3://partner-b/ab"])], "Prefix", "s3://partner-b/a", None),
        # The first earlier mapping that matches is named, whichever of its identifiers matches.
        (
            [
                mapping(identifiers=["s3://partner-b/z"]),
                mapping(identifiers=["s3://partner-b/q", "s3://partner-b/a"]),
                mapping(identifiers=["s3://partner-b/"]),
            ],
            "Prefix",
            "s3://partner-b/a/b",
            (1, "s3://partner-b/a"),
        ),
        # Users and groups match by name only, and only within their own type.
        ([mapping(kind="User", identifiers=["alice"])], "User", "alice", (0, "alice")),
        ([mapping(kind="User", identifiers=["alice"])], "User", "alicea", None),
        ([mapping(kind="Group", identifiers=["alice"])], "User", "alice", None),
        ([mapping(identifiers=["s3://partner-b/"])], "User", "s3://partner-b/x", None),
    ],
)
def test_one_shadowing_rule_for_validation_and_the_verifier(earlier, kind, identifier, expected):
    assert shadowed_by(earlier, kind, identifier) == expected


class TestBuildSecurityConfiguration:
    MAPPINGS = [{"Role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-b/results/"]}]

    def test_without_base(self):
        assert build_security_configuration(self.MAPPINGS) == {
            "AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": self.MAPPINGS}}
        }

    def test_keeps_other_sections_of_the_base(self):
        document = build_security_configuration(self.MAPPINGS, ENCRYPTION)
        assert document["EncryptionConfiguration"] == ENCRYPTION["EncryptionConfiguration"]
        assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == self.MAPPINGS

    def test_keeps_other_authorization_keys(self):
        base = {
            "AuthorizationConfiguration": {
                # Runtime roles and Lake Formation take writes away from the mappings: refused
                # (tests/unit/test_routing_bypasses.py); switched off, the section is kept as given.
                "IAMConfiguration": {"EnableApplicationScopedIAMRole": False},
                "EmrFsConfiguration": {"SomeOtherSetting": 1},
            },
            **ENCRYPTION,
        }
        original = copy.deepcopy(base)
        document = build_security_configuration(self.MAPPINGS, base)
        authorization = document["AuthorizationConfiguration"]
        assert authorization["IAMConfiguration"] == {"EnableApplicationScopedIAMRole": False}
        assert authorization["EmrFsConfiguration"] == {"SomeOtherSetting": 1, "RoleMappings": self.MAPPINGS}
        assert document["EncryptionConfiguration"] == ENCRYPTION["EncryptionConfiguration"]
        assert base == original  # the base is not mutated

    def test_does_not_share_objects_with_its_inputs(self):
        mappings = copy.deepcopy(self.MAPPINGS)
        base = copy.deepcopy(ENCRYPTION)
        document = build_security_configuration(mappings, base)
        document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Identifiers"].append("x")
        document["EncryptionConfiguration"]["EnableAtRestEncryption"] = False
        assert mappings == self.MAPPINGS
        assert base == ENCRYPTION

    def test_accepts_base_as_json_text(self):
        document = build_security_configuration(self.MAPPINGS, json.dumps(ENCRYPTION))
        assert document["EncryptionConfiguration"] == ENCRYPTION["EncryptionConfiguration"]
        assert role_mappings_of(document) == self.MAPPINGS

    def test_refuses_invalid_json(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            build_security_configuration(self.MAPPINGS, "{not json")
        assert excinfo.value.field == "base_configuration"
        assert "not valid JSON" in excinfo.value.problem

    @pytest.mark.parametrize(("base", "type_name"), [([ENCRYPTION], "list"), (3, "int"), ("[1]", "list")])
    def test_refuses_a_base_that_is_not_a_dict(self, base, type_name):
        with pytest.raises(InvalidParameterError) as excinfo:
            build_security_configuration(self.MAPPINGS, base)
        assert excinfo.value.field == "base_configuration"
        assert f"must be a dict, got {type_name}" in excinfo.value.problem

    def test_refuses_a_base_that_already_has_role_mappings(self):
        base: dict[str, Any] = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}
        with pytest.raises(InvalidParameterError) as excinfo:
            build_security_configuration(self.MAPPINGS, base)
        assert excinfo.value.field == "base_configuration.AuthorizationConfiguration.EmrFsConfiguration.RoleMappings"
        assert "role_mappings" in excinfo.value.problem

    @pytest.mark.parametrize(
        ("base", "field"),
        [
            ({"AuthorizationConfiguration": "x"}, "base_configuration.AuthorizationConfiguration"),
            (
                {"AuthorizationConfiguration": {"EmrFsConfiguration": ["x"]}},
                "base_configuration.AuthorizationConfiguration.EmrFsConfiguration",
            ),
        ],
    )
    def test_refuses_sections_that_are_not_dicts(self, base, field):
        with pytest.raises(InvalidParameterError) as excinfo:
            build_security_configuration(self.MAPPINGS, base)
        assert excinfo.value.field == field
        assert "must be a dict" in excinfo.value.problem

    def test_role_mappings_of(self):
        assert role_mappings_of(build_security_configuration(self.MAPPINGS, ENCRYPTION)) == self.MAPPINGS
        assert role_mappings_of(ENCRYPTION) == []
        assert role_mappings_of(None) == []
        assert role_mappings_of({"AuthorizationConfiguration": None}) == []


class TestSecurityConfigurationName:
    MAPPINGS = [{"Role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-b/results/"]}]

    def test_shape(self):
        name = security_configuration_name("emrfs-xacct", build_security_configuration(self.MAPPINGS))
        assert re.fullmatch(rf"emrfs-xacct-[0-9a-f]{{{HASH_LENGTH}}}", name)

    def test_stable_for_equal_content_regardless_of_key_order(self):
        first = build_security_configuration(self.MAPPINGS, ENCRYPTION)
        reordered = json.loads(json.dumps(first, sort_keys=True))
        reordered = {key: reordered[key] for key in reversed(list(reordered))}
        reordered["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] = [
            {"Identifiers": ["s3://partner-b/results/"], "IdentifierType": "Prefix", "Role": ROLE_B}
        ]
        assert json.dumps(first) != json.dumps(reordered)
        assert security_configuration_name("p", first) == security_configuration_name("p", reordered)
        assert canonical_json(first) == canonical_json(reordered)

    def test_stable_across_calls(self):
        document = build_security_configuration(self.MAPPINGS)
        assert security_configuration_name("p", document) == security_configuration_name("p", copy.deepcopy(document))

    @pytest.mark.parametrize(
        "change",
        [
            lambda d: d["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0].__setitem__(
                "Role", ROLE_C
            ),
            lambda d: d["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Identifiers"].append(
                "s3://partner-b/other/"
            ),
            lambda d: d["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"].append(
                {"Role": ROLE_C, "IdentifierType": "User", "Identifiers": ["alice"]}
            ),
            lambda d: d.update(ENCRYPTION),
        ],
    )
    def test_changes_when_content_changes(self, change):
        document = build_security_configuration(self.MAPPINGS)
        changed = copy.deepcopy(document)
        change(changed)
        assert security_configuration_name("p", document) != security_configuration_name("p", changed)

    def test_mapping_order_is_content(self):
        # Mappings apply top-down, so their order changes the meaning and the name.
        first = {"Role": ROLE_B, "IdentifierType": "User", "Identifiers": ["alice"]}
        second = {"Role": ROLE_C, "IdentifierType": "Group", "Identifiers": ["analysts"]}
        one = build_security_configuration([first, second])
        other = build_security_configuration([second, first])
        assert security_configuration_name("p", one) != security_configuration_name("p", other)

    def test_prefix_changes_the_name_not_the_hash(self):
        document = build_security_configuration(self.MAPPINGS)
        first = security_configuration_name("alpha", document)
        second = security_configuration_name("beta", document)
        assert first.startswith("alpha-")
        assert second.startswith("beta-")
        assert first.rsplit("-", 1)[1] == second.rsplit("-", 1)[1]

    def test_the_name_scheme_stays_what_earlier_versions_wrote(self):
        # Equal content, equal name, across versions too: a rerun after an upgrade reuses the configuration
        # an earlier version made, and the cleanup (names_content) still recognises it as the provider's.
        document = build_security_configuration(self.MAPPINGS)
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        assert security_configuration_name("emrfs-xacct", document) == f"emrfs-xacct-{digest}"
        assert names_content(f"emrfs-xacct-{digest}", document)

    def test_names_are_at_most_256_characters(self):
        # The provider's own cap on the names it makes (EMR allows 10280): a 243-character prefix, the
        # dash and 12 hex digits; one more character of prefix is refused.
        assert len(security_configuration_name("p" * 243, {})) == 256
        with pytest.raises(InvalidParameterError):
            security_configuration_name("p" * 244, {})

    def test_longest_prefix_fits_emr_limit(self):
        prefix = "p" * (MAX_NAME_LENGTH - HASH_LENGTH - 1)
        name = security_configuration_name(prefix, {})
        assert len(name) == MAX_NAME_LENGTH

    @pytest.mark.parametrize("prefix", ["", " x", "-x", "a b", "a/b", "p" * (MAX_NAME_LENGTH - HASH_LENGTH), None])
    def test_refuses_bad_prefixes(self, prefix):
        with pytest.raises(InvalidParameterError) as excinfo:
            security_configuration_name(prefix, {})
        assert excinfo.value.field == "name_prefix"


class TestExistingConfigurationName:
    """
    Names of existing configurations, as EMR constrains them (Amazon EMR API Reference,
    CreateSecurityConfiguration, Name: "Maximum length of 10280. Pattern:
    [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*").
    """

    @pytest.mark.parametrize(
        "name",
        [
            "Prod EMRFS roles",
            "a",
            "x" * 10280,
            "roles/partner:b (v2)",
            "équipe-données",
            "emoji \U0001f600",
            "tab\tinside",
            # Each end of each range of EMR's pattern, and its CR and LF.
            "line\r\nbreak",
            "space inside",
            "a\ud7ffb",
            "a\ue000b",
            "a\ufffdb",
            "a\U00010000b",
            "a\U0010ffffb",
        ],
    )
    def test_names_emr_accepts(self, name: str) -> None:
        from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name

        assert validate_security_configuration_name(name, "security_configuration") == name

    @pytest.mark.parametrize(
        ("name", "problem"),
        [
            ("", "must not be empty"),
            ("x" * 10281, "at most 10280"),
            ("nul\x00inside", "which EMR refuses"),
            ("bell\x07", "which EMR refuses"),
            ("unit\x1fseparator", "which EMR refuses"),
            ("a\udfffb", "which EMR refuses"),
            ("lone\ud800surrogate", "which EMR refuses"),
            ("non\ufffecharacter", "which EMR refuses"),
            (" leading", "leading or trailing whitespace"),
            ("trailing\n", "leading or trailing whitespace"),
            (["a list"], "string"),
        ],
    )
    def test_names_refused_name_the_field(self, name: object, problem: str) -> None:
        from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name

        with pytest.raises(InvalidParameterError) as caught:
            validate_security_configuration_name(name, "job_flow_overrides.SecurityConfiguration")
        assert caught.value.field == "job_flow_overrides.SecurityConfiguration"
        assert problem in caught.value.problem


def test_a_name_names_only_the_content_it_was_made_from() -> None:
    """The launch re-creates a deleted configuration only under its content's name."""
    document = build_security_configuration(
        validate_role_mappings([{"Role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://bucket-b/p/"]}])
    )
    name = security_configuration_name("emrfs-xacct-acme", document)
    other = build_security_configuration(
        validate_role_mappings([{"Role": ROLE_C, "IdentifierType": "Prefix", "Identifiers": ["s3://bucket-b/p/"]}])
    )

    assert names_content(name, document)
    assert names_content(name, json.loads(json.dumps(document)))  # as XCom gives it back
    assert not names_content(name, other)
    assert names_content(name.replace("acme", "globex"), document)  # the hash is of the content, any prefix
    assert not names_content(name[:-1] + ("0" if name[-1] != "0" else "1"), document)
    assert not names_content("no-hash-here", document)
    assert not names_content(name, None)
    assert not names_content(name, [document])
    # A name whose prefix the provider never makes (a space in it, or longer than its 256-character cap)
    # is someone else's configuration, whatever its last 12 characters: the cleanup must never take it.
    digest = name.rsplit("-", 1)[1]
    assert not names_content(f"Prod roles-{digest}", document)
    assert not names_content(f"{'p' * 300}-{digest}", document)


_MAPPINGS = [{"Role": ROLE_B, "IdentifierType": "Prefix", "Identifiers": ["s3://b/p/"]}]


@pytest.mark.parametrize(
    ("base", "field", "problem"),
    [
        (
            {"EncryptionConfiguration": {"EnableAtRestEncryption": "yes"}},
            "EncryptionConfiguration.EnableAtRestEncryption",
            'must be true or false, got "yes"',
        ),
        (
            {"EncryptionConfiguration": {"EnableInTransitEncryption": 1}},
            "EncryptionConfiguration.EnableInTransitEncryption",
            "must be true or false, got 1",
        ),
        (
            {"EncryptionConfiguration": {"AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": "SSE-S3"}}},
            "EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration",
            'must be an object, got "SSE-S3"',
        ),
        (
            {
                "EncryptionConfiguration": {
                    "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-KSM"}}
                }
            },
            "EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.EncryptionMode",
            'must be one of SSE-S3, SSE-KMS, CSE-KMS, CSE-Custom, got "SSE-KSM"',
        ),
        (
            {
                "EncryptionConfiguration": {
                    "AtRestEncryptionConfiguration": {
                        "S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3", "Overrides": [{"BucketName": 7}]}
                    }
                }
            },
            "EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.Overrides[0].BucketName",
            "must be a string, got 7",
        ),
        (
            {
                "EncryptionConfiguration": {
                    "AtRestEncryptionConfiguration": {"LocalDiskEncryptionConfiguration": {"EnableEbsEncryption": "no"}}
                }
            },
            "EncryptionConfiguration.AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration.EnableEbsEncryption",
            'must be true or false, got "no"',
        ),
        (
            {"InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 3}},
            "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion",
            "is 3, not 1 or 2",
        ),
        (  # Amazon EMR Management Guide, Kerberos "Configuration examples": "TicketLifetimeInHours": 24, a number
            {
                "AuthenticationConfiguration": {
                    "KerberosConfiguration": {"ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": "24"}}
                }
            },
            "AuthenticationConfiguration.KerberosConfiguration.ClusterDedicatedKdcConfiguration.TicketLifetimeInHours",
            'must be a number, got "24"',
        ),
        (  # JSON's true is no number, though Python's bool is an int
            {
                "AuthenticationConfiguration": {
                    "KerberosConfiguration": {"ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": True}}
                }
            },
            "AuthenticationConfiguration.KerberosConfiguration.ClusterDedicatedKdcConfiguration.TicketLifetimeInHours",
            "must be a number, got true",
        ),
        (
            {"AuthenticationConfiguration": {"KerberosConfiguration": []}},
            "AuthenticationConfiguration.KerberosConfiguration",
            "must be an object, got []",
        ),
    ],
)
def test_a_documented_field_of_another_json_type_is_refused_naming_it(
    base: dict[str, Any], field: str, problem: str
) -> None:
    """
    EMR refuses it only at ``CreateSecurityConfiguration``, the chain's last step (Amazon EMR Management Guide,
    "Create a security configuration", "JSON Reference for Encryption Settings": ``"EnableAtRestEncryption" : true |
    false``, ``"EncryptionMode" : "SSE-S3" | "SSE-KMS" | "CSE-KMS" | "CSE-Custom"``): refused here, before any write.
    """
    with pytest.raises(InvalidParameterError) as raised:
        build_security_configuration(_MAPPINGS, base)

    assert (raised.value.field, raised.value.problem) == (f"base_configuration.{field}", problem)


@pytest.mark.parametrize(
    "base",
    [
        # The guide's own CSE-Custom example writes the booleans as strings: "EnableInTransitEncryption" : "true".
        {"EncryptionConfiguration": {"EnableInTransitEncryption": "true", "EnableAtRestEncryption": "false"}},
        ENCRYPTION,
        # Keys the provider does not know are AWS's to judge (the guide gives no complete list): kept as given.
        {"EncryptionConfiguration": {"EnableAtRestEncryption": False, "SomeNewSetting": {"Any": 1}}, "NewSection": []},
        {
            "InstanceMetadataServiceConfiguration": {
                "MinimumInstanceMetadataServiceVersion": 2,
                "HttpPutResponseHopLimit": 1,
            }
        },
    ],
)
def test_what_the_guide_documents_and_keys_it_does_not_name_are_kept_as_given(base: dict[str, Any]) -> None:
    document = build_security_configuration(_MAPPINGS, base)

    assert {key: value for key, value in document.items() if key != "AuthorizationConfiguration"} == base


def _mappings(*mappings: Any) -> dict[str, Any]:
    return {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": list(mappings)}}}


ROLE = "arn:aws:iam::111122223333:role/writer"


@pytest.mark.parametrize(
    ("mappings", "bucket", "taken"),
    [
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://a/out"]}], "a", True),
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://a/out"]}], "ab", False),
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://a"]}], "ab", True),  # a string prefix
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://a/"]}], "b", False),
        ([{"Role": ROLE, "IdentifierType": "User", "Identifiers": ["hadoop"]}], "b", True),  # every bucket
        ([{"Role": ROLE, "IdentifierType": "Group", "Identifiers": ["hadoop"]}], "b", True),
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["a/out"]}], "b", True),  # not read
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": "s3://a/out"}], "b", True),  # not the shape
        # how EMRFS matches a prefix not spelt s3://BUCKET/... is not documented: any bucket
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3a://a/out"]}], "b", True),
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["S3://a/out"]}], "b", True),
        ([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3:/a/out"]}], "b", True),
    ],
)
def test_which_buckets_the_role_mappings_may_take(mappings: list[Any], bucket: str, taken: bool) -> None:
    assert bucket_mapped(bucket, mapped_bucket_prefixes(_mappings(*mappings))) is taken
