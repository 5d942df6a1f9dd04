"""Unit tests of the parameter validation (pure: no AWS, no Airflow)."""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.validation import (
    PARTITIONS,
    Arn,
    S3Location,
    account_of_arn,
    parse_arn,
    parse_s3_location,
    partition_of_arn,
    region_of_arn,
    require_dicts,
    require_list,
    require_partition,
    require_region,
    require_role_here,
    require_str,
    role_name_from_arn,
    validate_account_id,
    validate_bucket_name,
    validate_hadoop_principal,
    validate_iam_path,
    validate_kms_key_arn,
    validate_max_session_duration,
    validate_name_prefix,
    validate_policy_name,
    validate_positive_number,
    validate_region_name,
    validate_role_arn,
    validate_role_description,
    validate_role_name,
    validate_role_name_or_arn,
    validate_whole_number,
)

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PartnerWriter"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


def refused(function, value, field, *needles, **kwargs) -> InvalidParameterError:
    """Call ``function(value, field)``, expect an InvalidParameterError naming ``field`` and saying ``needles``."""
    with pytest.raises(InvalidParameterError) as excinfo:
        function(value, field, **kwargs)
    error = excinfo.value
    assert error.field == field
    for needle in needles:
        assert needle in error.problem, f"{needle!r} not in {error.problem!r}"
    assert str(error) == f"{field}: {error.problem}"
    return error


class TestErrorType:
    def test_invalid_parameter_error_is_a_value_error_and_a_provider_error(self):
        error = refused(validate_account_id, "12", "account_id")
        assert isinstance(error, ValueError)
        assert isinstance(error, EmrfsXacctError)


class TestRequireStr:
    def test_accepts_a_plain_string(self):
        assert require_str("abc", "name") == "abc"

    @pytest.mark.parametrize(
        ("value", "needle"),
        [
            (None, "must be a string, got NoneType"),
            (12, "must be a string, got int"),
            (["a"], "must be a string, got list"),
            (b"abc", "must be a string, got bytes"),
            ("", "must not be empty"),
            (" abc", "leading or trailing whitespace"),
            ("abc\n", "leading or trailing whitespace"),
        ],
    )
    def test_refuses(self, value, needle):
        refused(require_str, value, "name", needle)


class TestAccountId:
    def test_accepts_twelve_digits(self):
        assert validate_account_id(ACCOUNT, "account_id") == ACCOUNT

    @pytest.mark.parametrize("value", ["11112222333", "1111222233334", "11112222333a", "1111-2222-3333", "*"])
    def test_refuses_anything_but_twelve_digits(self, value):
        refused(validate_account_id, value, "account_id", "12-digit AWS account id", repr(value))

    def test_refuses_an_int(self):
        # An account id with a leading zero cannot survive as an int: it must be passed as a string.
        refused(validate_account_id, 111122223333, "account_id", "must be a string")

    def test_refuses_surrounding_whitespace(self):
        refused(validate_account_id, f"{ACCOUNT} ", "account_id", "whitespace")


class TestRoleName:
    @pytest.mark.parametrize("value", ["EMR_EC2_DefaultRole", "a", "a+b=c,d.e@f_g-h", "x" * 64])
    def test_accepts(self, value):
        assert validate_role_name(value, "role_name") == value

    @pytest.mark.parametrize("value", ["x" * 65, "bad/name", "bad name", "bad*", "rôle"])
    def test_refuses(self, value):
        refused(validate_role_name, value, "role_name", "not a valid IAM role name")


class TestIamPath:
    # IAM API Reference, CreateRole, Path: 1 to 512 characters.
    @pytest.mark.parametrize("value", ["/", "/partners/", "/a/b/c/", "/a-b_c.d/", "/" + "a" * 510 + "/"])
    def test_accepts(self, value):
        assert validate_iam_path(value, "path") == value

    @pytest.mark.parametrize("value", [None, 5, ["/partners/"]])
    def test_refuses_a_non_string_naming_the_field(self, value):
        refused(validate_iam_path, value, "path", "must be a string")

    @pytest.mark.parametrize("value", ["partners/", "/partners", "//", "/a*/", "/a b/", "/" + "a/" * 256])
    def test_refuses(self, value):
        refused(validate_iam_path, value, "path", "must be an IAM path")


class TestParseArn:
    def test_splits_the_parts(self):
        arn = parse_arn(KEY_ARN, "key_arn", service="kms")
        assert arn == Arn("aws", "kms", "us-east-1", ACCOUNT, f"key/{KEY_ID}")
        assert str(arn) == KEY_ARN

    def test_resource_may_contain_colons(self):
        arn = parse_arn(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:name:x", "f", service="logs")
        assert arn.resource == "log-group:name:x"

    @pytest.mark.parametrize("value", ["not-an-arn", "arn:aws:iam", f"urn:aws:iam::{ACCOUNT}:role/x"])
    def test_refuses_non_arns(self, value):
        refused(parse_arn, value, "f", "is not an ARN", service="iam")

    @pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
    def test_accepts_other_partitions(self, partition):
        assert parse_arn(f"arn:{partition}:iam::{ACCOUNT}:role/x", "f", service="iam").partition == partition


class TestRoleArn:
    @pytest.mark.parametrize(
        "value",
        [
            ROLE_ARN,
            f"arn:aws:iam::{ACCOUNT}:role/partners/PartnerWriter",
            f"arn:aws:iam::{ACCOUNT}:role/a/b/c/PartnerWriter",
            f"arn:aws-cn:iam::{ACCOUNT}:role/PartnerWriter",
            f"arn:aws-us-gov:iam::{ACCOUNT}:role/service-role/EMR_EC2_DefaultRole",
            # IAM role names take ',' (IAM API Reference, CreateRole, RoleName: [\w+=,.@-]+): a name
            # holding ",arn" is one ARN, not two joined; a path takes any printable ASCII but '*'
            # (CreateRole, Path), '$' included: only "${" opens a policy variable.
            f"arn:aws:iam::{ACCOUNT}:role/team,arnold",
            f"arn:aws:iam::{ACCOUNT}:role/cost$center/PartnerWriter",
        ],
    )
    def test_accepts_role_arns_with_and_without_paths(self, value):
        assert validate_role_arn(value, "role_arn") == value

    def test_role_name_from_arn_drops_the_path(self):
        assert role_name_from_arn(f"arn:aws:iam::{ACCOUNT}:role/partners/team/PartnerWriter") == "PartnerWriter"
        assert role_name_from_arn(ROLE_ARN) == "PartnerWriter"

    @pytest.mark.parametrize(
        ("value", "needle"),
        [
            (f"arn:aws:s3:::{ACCOUNT}-bucket", "must be an ARN of service 'iam', got service 's3'"),
            (f"arn:aws:sts::{ACCOUNT}:assumed-role/x/y", "got service 'sts'"),
            (f"arn:aws:iam::{ACCOUNT}:user/alice", "must be a role ARN"),
            (f"arn:aws:iam::{ACCOUNT}:root", "must be a role ARN"),
            (f"arn:aws:iam::{ACCOUNT}:role/", "must be a role ARN"),
            (f"arn:aws:iam::{ACCOUNT}:role", "must be a role ARN"),
            (f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x", "IAM ARNs have no region"),
            (f"arn:aws:iam::{ACCOUNT}:role/*", "wildcards are refused"),
            (f"arn:aws:iam::{ACCOUNT}:role/Partner*", "wildcards are refused"),
            (f"arn:aws:iam::{ACCOUNT}:role/Partner?", "wildcards are refused"),
            (f"arn:aws:iam::{ACCOUNT}:role/${{aws:username}}", "wildcards are refused"),
            ("arn:aws:iam::*:role/x", "not a 12-digit account id"),
            ("arn:aws:iam::11112222333:role/x", "not a 12-digit account id"),
            ("arn:aws:iam:::role/x", "not a 12-digit account id"),
            (f"arn:aws-moon:iam::{ACCOUNT}:role/x", "unknown partition 'aws-moon'"),
            (f"arn:aws:iam::{ACCOUNT}:role/bad name", "not a valid IAM role name"),
            (f"arn:aws:iam::{ACCOUNT}:role/{'x' * 65}", "not a valid IAM role name"),
            (f"arn:aws:iam::{ACCOUNT}:role/a b/Name", "must be an IAM path"),
            # An empty path (``role//Name``) is not ``role/Name``: IAM refuses it.
            (f"arn:aws:iam::{ACCOUNT}:role//Name", "must be an IAM path"),
            (f"arn:aws:iam::{ACCOUNT}:role/path/", "ends with '/': a role ARN ends with the role name"),
            (f"{ROLE_ARN} ", "whitespace"),
        ],
    )
    def test_refuses(self, value, needle):
        refused(validate_role_arn, value, "trusted_role_arns[0]", needle)

    def test_refuses_non_strings(self):
        refused(validate_role_arn, {"Arn": ROLE_ARN}, "role_arn", "must be a string, got dict")


class TestKmsKeyArn:
    @pytest.mark.parametrize(
        "value",
        [
            KEY_ARN,
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/mrk-{'0123456789abcdef' * 2}",
            f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:key/{KEY_ID}",
            f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{KEY_ID}",
            f"arn:aws-eusc:kms:eusc-de-east-1:{ACCOUNT}:key/{KEY_ID}",  # the European Sovereign Cloud
        ],
    )
    def test_accepts_key_arns(self, value):
        assert validate_kms_key_arn(value, "kms_key_arns[0]") == value

    @pytest.mark.parametrize(
        ("value", "needle"),
        [
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/partner-key", "not an alias ARN"),
            ("alias/partner-key", "is not an ARN"),
            (KEY_ID, "is not an ARN"),
            (f"arn:aws:kms::{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:useast1:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:europe-west-1:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:e-west-1:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:us-east:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:us-east-100:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:US-EAST-1:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:aws-global:{ACCOUNT}:key/{KEY_ID}", "must have a region"),
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*", "wildcards are refused"),
            (f"arn:aws:kms:*:{ACCOUNT}:key/{KEY_ID}", "wildcards are refused"),
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/", "must be a key ARN"),
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID.upper()}", "must be a key ARN"),
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/not-a-key-id", "must be a key ARN"),
            (f"arn:aws:kms:us-east-1:{ACCOUNT}:grant/{KEY_ID}", "must be a key ARN"),
            (f"arn:aws:iam::{ACCOUNT}:role/x", "must be an ARN of service 'kms'"),
            (f"arn:aws:kms:us-east-1:1234:key/{KEY_ID}", "not a 12-digit account id"),
            (f"arn:aws-moon:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}", "unknown partition"),
        ],
    )
    def test_refuses(self, value, needle):
        refused(validate_kms_key_arn, value, "kms_key_arns[0]", needle)


class TestBucketName:
    @pytest.mark.parametrize("value", ["abc", "partner-b-results", "a.b.c", "0bucket9", "a" * 63, "my.bucket-1"])
    def test_accepts(self, value):
        assert validate_bucket_name(value, "bucket") == value

    @pytest.mark.parametrize("value", ["xn-bucket", "sthreebucket", "amzn-s3-demobucket", "bucket-s3alia", "mrap"])
    def test_accepts_names_that_only_resemble_a_reserved_prefix_or_suffix(self, value):
        # S3 User Guide, "General purpose bucket naming rules": the reserved prefixes are exactly
        # ``xn--``, ``sthree-`` and ``amzn-s3-demo-``.
        assert validate_bucket_name(value, "bucket") == value

    @pytest.mark.parametrize(
        ("value", "needle"),
        [
            ("ab", "3-63 lowercase"),
            ("a" * 64, "3-63 lowercase"),
            ("Partner-Bucket", "3-63 lowercase"),
            ("bucket_name", "3-63 lowercase"),
            ("-bucket", "3-63 lowercase"),
            ("bucket-", "3-63 lowercase"),
            (".bucket", "3-63 lowercase"),
            ("bucket.", "3-63 lowercase"),
            ("my..bucket", "no '..', '.-' or '-.'"),
            ("my.-bucket", "no '..', '.-' or '-.'"),
            ("my-.bucket", "no '..', '.-' or '-.'"),
            ("192.168.5.4", "IP address"),
            ("xn--bucket", "reserved prefix"),
            ("sthree-bucket", "reserved prefix"),
            ("amzn-s3-demo-bucket", "reserved prefix"),
            ("bucket-s3alias", "reserved suffix"),
            ("bucket--ol-s3", "reserved suffix"),
            ("bucket--x-s3", "reserved suffix"),
            ("bucket.mrap", "reserved suffix"),
            ("bucket--table-s3", "reserved suffix"),
        ],
    )
    def test_refuses(self, value, needle):
        error = refused(validate_bucket_name, value, "bucket", "breaks S3 naming rules", needle)
        assert repr(value) in error.problem


class TestParseS3Location:
    @pytest.mark.parametrize(
        ("value", "bucket", "prefix"),
        [
            ("s3://partner-b/results", "partner-b", "results/"),
            ("s3://partner-b/results/", "partner-b", "results/"),
            ("s3://partner-b/a/b/c", "partner-b", "a/b/c/"),
            ("s3://partner-b/a/b/c/", "partner-b", "a/b/c/"),
            ("s3://partner-b/with space/", "partner-b", "with space/"),
            ("s3://partner-b/dt=2026-01-01/", "partner-b", "dt=2026-01-01/"),
        ],
    )
    def test_normalises_the_prefix_to_end_with_a_slash(self, value, bucket, prefix):
        location = parse_s3_location(value, "s3_prefixes[0]")
        assert location == S3Location(bucket, prefix)
        assert location.uri == f"s3://{bucket}/{prefix}"

    def test_with_and_without_trailing_slash_are_equal(self):
        assert parse_s3_location("s3://bkt/x", "f") == parse_s3_location("s3://bkt/x/", "f")
        assert hash(parse_s3_location("s3://bkt/x", "f")) == hash(parse_s3_location("s3://bkt/x/", "f"))

    @pytest.mark.parametrize("value", ["s3://partner-b", "s3://partner-b/"])
    def test_refuses_the_whole_bucket(self, value):
        refused(parse_s3_location, value, "s3_prefixes[0]", "must name a prefix inside the bucket", "whole-bucket")

    @pytest.mark.parametrize("value", ["s3://partner-b", "s3://partner-b/"])
    def test_allows_the_whole_bucket_when_asked(self, value):
        location = parse_s3_location(value, "f", allow_bucket_root=True)
        assert location == S3Location("partner-b", "")
        assert location.uri == "s3://partner-b/"

    @pytest.mark.parametrize(
        ("value", "needle"),
        [
            ("s3://", "names no bucket"),
            ("s3:///prefix/", "names no bucket"),
            ("partner-b/results/", "must start with 's3://'"),
            ("s3a://partner-b/results/", "must start with 's3://'"),
            ("s3:/partner-b/results/", "must start with 's3://'"),
            ("S3://partner-b/results/", "must start with 's3://'"),
            ("https://partner-b.s3.amazonaws.com/results/", "must start with 's3://'"),
            ("s3://Partner-B/results/", "breaks S3 naming rules"),
            ("s3://partner_b/results/", "breaks S3 naming rules"),
            ("s3://partner-b/results/*", "wildcards and '$' are refused"),
            ("s3://partner-b/res?lts/", "wildcards and '$' are refused"),
            ("s3://partner-b/results_$folder$", "wildcards and '$' are refused"),
            ("s3://partner-b/${aws:username}/", "wildcards and '$' are refused"),
            ("s3://partner-b//results/", "empty, '.' or '..' path segment"),
            ("s3://partner-b/a//b/", "empty, '.' or '..' path segment"),
            ("s3://partner-b/a/../b/", "empty, '.' or '..' path segment"),
            ("s3://partner-b/./b/", "empty, '.' or '..' path segment"),
            ("s3://partner-b/a/..", "empty, '.' or '..' path segment"),
            ("s3://partner-b/a\tb/", "not a valid S3 key prefix"),
            ("s3://partner-b/a\x00b/", "not a valid S3 key prefix"),
            ("s3://partner-b/a\x1fb/", "not a valid S3 key prefix"),  # the last control character below a space
            ("s3://partner-b/" + "a" * 1001, "not a valid S3 key prefix"),
            (" s3://partner-b/results/", "whitespace"),
            ("", "must not be empty"),
        ],
    )
    def test_refuses(self, value, needle):
        refused(parse_s3_location, value, "s3_prefixes[2]", needle)

    def test_a_prefix_of_1000_bytes_of_utf_8_is_the_longest_accepted(self):
        # S3 keys are at most 1024 bytes of UTF-8; the prefix leaves room for the object names under it.
        assert parse_s3_location("s3://partner-b/" + "é" * 499 + "a/", "f").prefix == "é" * 499 + "a/"
        refused(parse_s3_location, "s3://partner-b/" + "é" * 500 + "/", "f", "not a valid S3 key prefix")

    def test_a_lone_surrogate_which_utf_8_cannot_encode_is_refused(self):
        refused(parse_s3_location, "s3://partner-b/a\ud800b/", "f", "not a valid S3 key prefix")

    def test_wildcards_are_refused_even_when_the_bucket_root_is_allowed(self):
        refused(parse_s3_location, "s3://partner-b/*", "f", "wildcards", allow_bucket_root=True)

    def test_refuses_non_strings(self):
        refused(parse_s3_location, S3Location("partner-b", "x/"), "f", "must be a string, got S3Location")

    def test_locations_order_by_bucket_then_prefix(self):
        locations = [S3Location("b-bkt", "a/"), S3Location("a-bkt", "z/"), S3Location("a-bkt", "b/")]
        assert sorted(locations) == [S3Location("a-bkt", "b/"), S3Location("a-bkt", "z/"), S3Location("b-bkt", "a/")]


class TestRequireList:
    def test_validates_each_element_and_keeps_order(self):
        assert require_list(["s3://bkt/b", "s3://bkt/a/"], "s3_prefixes", parse_s3_location) == [
            S3Location("bkt", "b/"),
            S3Location("bkt", "a/"),
        ]

    def test_a_tuple_is_a_list(self):
        assert require_list((ROLE_ARN,), "arns", validate_role_arn) == [ROLE_ARN]

    def test_a_single_string_is_a_one_element_list(self):
        assert require_list(ROLE_ARN, "trusted_role_arns", validate_role_arn) == [ROLE_ARN]

    def test_a_single_string_is_still_validated(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list("arn:aws:iam::1:role/x", "trusted_role_arns", validate_role_arn)
        assert excinfo.value.field == "trusted_role_arns[0]"
        assert "12-digit" in excinfo.value.problem

    @pytest.mark.parametrize(
        "value", [f"['{ROLE_ARN}']", f'["{ROLE_ARN}"]', f"  ['{ROLE_ARN}']", f"('{ROLE_ARN}',)", "[]"]
    )
    def test_refuses_a_string_that_looks_like_a_rendered_list(self, value):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list(value, "trusted_role_arns", validate_role_arn)
        assert excinfo.value.field == "trusted_role_arns"
        assert "looks like a rendered list" in excinfo.value.problem
        assert "render_template_as_native_obj=True" in excinfo.value.problem

    def test_refuses_duplicates_naming_the_later_element(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list([ROLE_ARN, "arn:aws:iam::111122223333:role/Other", ROLE_ARN], "arns", validate_role_arn)
        assert excinfo.value.field == "arns[2]"
        assert "duplicates an earlier element" in excinfo.value.problem

    def test_refuses_duplicates_after_normalisation(self):
        # ``s3://bkt/a`` and ``s3://bkt/a/`` are the same prefix.
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list(["s3://bkt/a", "s3://bkt/a/"], "s3_prefixes", parse_s3_location)
        assert excinfo.value.field == "s3_prefixes[1]"
        assert "duplicates" in excinfo.value.problem

    @pytest.mark.parametrize(
        ("value", "type_name"),
        [
            ({"a": ROLE_ARN}, "dict"),
            ({ROLE_ARN}, "set"),
            (42, "int"),
            (None, "NoneType"),
            (b"arn", "bytes"),
            (bytearray(b"arn"), "bytearray"),
            (iter([ROLE_ARN]), "list_iterator"),
        ],
    )
    def test_refuses_non_list_types(self, value, type_name):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list(value, "arns", validate_role_arn)
        assert excinfo.value.field == "arns"
        assert f"must be a list, got {type_name}" in excinfo.value.problem

    def test_refuses_an_empty_list_unless_allowed(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list([], "arns", validate_role_arn)
        assert excinfo.value.field == "arns"
        assert "must not be empty" in excinfo.value.problem
        assert require_list([], "kms_key_arns", validate_kms_key_arn, allow_empty=True) == []

    def test_names_the_index_of_a_bad_element(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list([ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:user/bob"], "trusted_role_arns", validate_role_arn)
        assert excinfo.value.field == "trusted_role_arns[1]"
        assert "must be a role ARN" in excinfo.value.problem

    def test_a_nested_list_element_is_refused(self):
        with pytest.raises(InvalidParameterError) as excinfo:
            require_list([[ROLE_ARN]], "arns", validate_role_arn)
        assert excinfo.value.field == "arns[0]"
        assert "must be a string, got list" in excinfo.value.problem


class TestHadoopPrincipal:
    """
    "The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): no character rule, so a cluster's real
    names are accepted and only what is surely a mistake is refused.
    """

    @pytest.mark.parametrize(
        "value",
        [
            "hadoop",
            "etl_user",
            "_svc",
            "alice@EXAMPLE.COM",
            "a.b-c",
            "hdfs/host.example.com@EXAMPLE.COM",
            # refused before: Active Directory groups through a cross-realm trust, a leading digit, a machine account
            "domain users",
            "Domain Admins",
            "1user",
            "HOST01$",
            "user:group",
            "a" * 256,
        ],
    )
    def test_accepts(self, value):
        assert validate_hadoop_principal(value, "f") == value

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ("", "must not be empty"),
            (" alice", "leading or trailing whitespace"),
            ("alice\n", "leading or trailing whitespace"),
            ("alice,bob", "a comma"),
            ("domain users, Domain Admins", "a comma"),
            ("al\x00ice", "a control character"),
            ("al\tice", "a control character"),
            ("al\x85ice", "a control character"),
            ("a" * 257, "more than 256 characters"),
            ("arn:aws:iam::123456789012:role/Writer", "an ARN"),
            ("*", "a wildcard"),
        ],
    )
    def test_refuses(self, value, problem):
        refused(validate_hadoop_principal, value, "f", problem)


class TestRegionName:
    """A Region code (AWS Account Management API Reference, "Region": ``RegionName``, 1-50 characters)."""

    LONGEST = "us-" + "a" * 45 + "-1"
    TOO_LONG = "us-" + "a" * 46 + "-1"  # the pattern of a Region code, one character over

    def test_the_longest_accepted_is_50_characters(self):
        assert (len(self.LONGEST), len(self.TOO_LONG)) == (50, 51)
        assert validate_region_name(self.LONGEST, "--region") == self.LONGEST

    @pytest.mark.parametrize("value", [TOO_LONG, "", "US-EAST-1", "us-east", None])
    def test_refuses(self, value):
        refused(validate_region_name, value, "--region", "is not a Region name such as us-east-1")


class TestNamePrefix:
    @pytest.mark.parametrize("value", ["emrfs-xacct", "A", "a.b_c-d", "9x"])
    def test_accepts(self, value):
        assert validate_name_prefix(value, "name_prefix") == value

    @pytest.mark.parametrize("value", ["-x", ".x", "a b", "a/b", "a:b", "x" * 201])
    def test_refuses(self, value):
        refused(validate_name_prefix, value, "name_prefix", "must be 1-200 letters")

    def test_max_length_is_configurable(self):
        assert validate_name_prefix("x" * 10, "f", max_length=10) == "x" * 10
        refused(validate_name_prefix, "x" * 11, "f", "must be 1-10 letters", max_length=10)


class TestPolicyName:
    """IAM API Reference, "PutRolePolicy", ``PolicyName``: ``[\\w+=,.@-]+``, 1-128 characters."""

    @pytest.mark.parametrize("value", ["emrfs-xacct-assume", "site+etl=a,b@team", "_x", "-x", "x" * 128, "a.b"])
    def test_accepts_what_iam_accepts(self, value):
        assert validate_policy_name(value, "policy_name") == value

    @pytest.mark.parametrize("value", ["a b", "a/b", "a:b", "a*b", "é", "x" * 129])
    def test_refuses_what_iam_refuses(self, value):
        refused(validate_policy_name, value, "policy_name", "must be 1-128 letters, digits or any of _+=,.@-")


class TestPositiveNumber:
    # A templated min_age_seconds arrives as its text ("86400") in a DAG rendering templates as text (the default).
    @pytest.mark.parametrize(
        ("value", "expected"),
        # 10**9, the upper end the message names ("at most 1,000,000,000 seconds"), is taken (mutants13, #373).
        [(0, 0.0), (1, 1.0), (2.5, 2.5), ("86400", 86400.0), (" 0.5 ", 0.5), (10**9, 1e9), (str(10**9), 1e9)],
    )
    def test_accepts(self, value, expected):
        result = validate_positive_number(value, "settle_seconds")
        assert result == expected
        assert isinstance(result, float)

    @pytest.mark.parametrize(
        "value",
        [
            -1,
            -0.5,
            True,
            False,
            "-1",
            "1e3",
            "nan",
            "inf",
            "1.",
            "",
            "a day",
            "²",
            "\u0661",
            None,
            str(10**9 + 1),
            float("nan"),
            float("inf"),
            float("-inf"),
        ],
    )
    def test_refuses(self, value):
        refused(validate_positive_number, value, "settle_seconds", "must be a finite number >= 0")


class TestWholeNumber:
    # A waiter's Delay and MaxAttempts (botocore WaiterConfig) are whole numbers; a template renders them as text.
    # "from 0 to 1,000,000,000" as the message says: both ends taken.
    @pytest.mark.parametrize(
        ("value", "expected"), [(0, 0), (30, 30), ("30", 30), (" 5 ", 5), (10**9, 10**9), (str(10**9), 10**9)]
    )
    def test_accepts_a_number_or_its_rendered_text(self, value, expected):
        assert validate_whole_number(value, "waiter_delay", minimum=0) == expected

    @pytest.mark.parametrize("value", [-1, 2.5, "2.5", "", "{{ params.delay }}", True, None, 10**9 + 1, "²", "3²"])
    def test_refuses(self, value):
        refused(validate_whole_number, value, "waiter_delay", "must be a whole number from 0", minimum=0)

    def test_refuses_below_the_minimum(self):
        refused(validate_whole_number, 0, "waiter_max_attempts", "from 1", minimum=1)


class TestMaxSessionDuration:
    # IAM API Reference, CreateRole, MaxSessionDuration: "Valid Range: Minimum value of 3600. Maximum value
    # of 43200." (1 to 12 hours).
    @pytest.mark.parametrize("value", [3600, 43200])
    def test_accepts_the_bounds(self, value):
        assert validate_max_session_duration(value, "max_session_duration") == value

    @pytest.mark.parametrize(("value", "expected"), [("7200", 7200), (" 3600 ", 3600)])
    def test_accepts_its_rendered_text(self, value, expected):
        # Templated: "{{ params.max_session_duration }}" renders as text unless the DAG renders native objects.
        assert validate_max_session_duration(value, "max_session_duration") == expected

    @pytest.mark.parametrize("value", [3599, 43201, 86400, True, 3600.0, "3600.0", "1h", "3599", "", None])
    def test_refuses(self, value):
        refused(validate_max_session_duration, value, "max_session_duration", "from 3600 to 43200")


class TestRoleNameOrArn:
    # A role name holds no "/" (IAM API Reference, CreateRole, RoleName): an ARN's last "/" part is its name.
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("EMR_EC2_DefaultRole", ("EMR_EC2_DefaultRole", None)),
            ("arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole", ("EMR_EC2_DefaultRole", "111111111111")),
            ("arn:aws-cn:iam::111111111111:role/service-role/emr-ec2", ("emr-ec2", "111111111111")),
            # A name may begin with "arn" (CreateRole's RoleName allows letters): only "arn:" starts an ARN.
            ("arnold", ("arnold", None)),
        ],
    )
    def test_accepts_a_name_or_a_role_arn(self, value, expected):
        assert validate_role_name_or_arn(value, "emr_ec2_role_name") == expected

    @pytest.mark.parametrize(
        "value",
        [
            "arn:aws:iam::111111111111:user/EMR_EC2_DefaultRole",
            "arn:aws:iam::111111111111:role/EMR EC2",
            "arn:aws:iam::1111:role/EMR_EC2_DefaultRole",
            "service-role/EMR_EC2_DefaultRole",
            "",
            None,
        ],
    )
    def test_refuses_anything_else_naming_the_field(self, value):
        with pytest.raises(InvalidParameterError) as caught:
            validate_role_name_or_arn(value, "emr_ec2_role_name")
        assert caught.value.field == "emr_ec2_role_name"


class TestRequireRoleHere:
    # IAM API Reference, "CreateRole", RoleName: "IAM user, group, role, and policy names must be unique within the
    # account": a role acted on by its name in the connection's account is the ARN's only in that account and partition.
    @pytest.mark.parametrize(
        "value",
        ["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole", "arn:aws:iam::111111111111:role/path/r", "arnold", "r"],
    )
    def test_takes_an_arn_here_or_a_name(self, value):
        assert require_role_here(value, "111111111111", "aws", "emr_ec2_role_name", "the EMR connection") is None

    @pytest.mark.parametrize(
        ("value", "said"),
        [
            (
                "arn:aws:iam::222222222222:role/EMR_EC2_DefaultRole",
                "is in account 222222222222, but the EMR connection",
            ),
            (
                "arn:aws-cn:iam::111111111111:role/EMR_EC2_DefaultRole",
                "is in partition 'aws-cn', but the EMR connection",
            ),
        ],
    )
    def test_refuses_an_arn_of_another_account_or_partition_naming_the_field(self, value, said):
        with pytest.raises(InvalidParameterError) as caught:
            require_role_here(value, "111111111111", "aws", "emr_ec2_role_name", "the EMR connection")
        assert caught.value.field == "emr_ec2_role_name"
        assert said in str(caught.value)


@pytest.mark.parametrize(
    ("arn", "account", "partition"),
    [
        (ROLE_ARN, ACCOUNT, "aws"),
        (KEY_ARN, ACCOUNT, "aws"),
        ("arn:aws-cn:s3:::bucket/key:with:colons", "", "aws-cn"),
        ("arn:aws-us-gov:iam::123456789012:role/a:b", "123456789012", "aws-us-gov"),
        # What the verifier may meet in a live document it did not write: no account, no partition.
        ("not-an-arn", "", "aws"),
        ("", "", "aws"),
        ("arn:aws:iam:", "", "aws"),
        ("arn:aws-cn", "", "aws-cn"),
        (f"arn:aws:iam::{ACCOUNT}", ACCOUNT, "aws"),
    ],
)
def test_account_and_partition_of_an_arn(arn, account, partition):
    assert account_of_arn(arn) == account
    assert partition_of_arn(arn) == partition


def test_every_region_of_every_supported_partition_in_botocores_data_is_accepted():
    """botocore's partition data (botocore/data/partitions.json) lists the regions of each partition."""
    import json
    import pathlib

    import botocore

    data = json.loads((pathlib.Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    # Every partition botocore knows is supported (a partition left out of PARTITIONS is not skipped here).
    assert {partition["id"] for partition in data["partitions"]} <= set(PARTITIONS)
    regions = {
        (partition["id"], region)
        for partition in data["partitions"]
        for region in partition["regions"]
        if not region.endswith("-global")  # the partition's global endpoint, no key lives there
    }
    assert ("aws-eusc", "eusc-de-east-1") in regions
    for partition, region in sorted(regions):
        arn = f"arn:{partition}:kms:{region}:{ACCOUNT}:key/{KEY_ID}"
        assert validate_kms_key_arn(arn, "key_arn") == arn


@pytest.mark.parametrize("value", [None, {"Name": "step"}, [{"Name": "step"}, "step"], "step"])
def test_require_dicts_refuses_anything_but_a_list_of_dicts_naming_the_field(value):
    refused(require_dicts, value, "job_flow_overrides.Steps", "must be a list of steps", what="steps")


def test_require_dicts_names_the_type_found_not_the_content_which_may_hold_a_secret():
    hive_site = {"Classification": "hive-site", "Properties": {"javax.jdo.option.ConnectionPassword": "s3cret"}}
    error = refused(require_dicts, hive_site, "job_flow_overrides.Configurations", "got dict (length 2)", what="c")
    assert "s3cret" not in str(error)
    error = refused(
        require_dicts,
        [hive_site, "pw=s3cret"],
        "job_flow_overrides.Configurations",
        "got str (length 9) at [1]",
        what="c",
    )
    assert "s3cret" not in str(error)


def test_require_dicts_returns_a_list_of_dicts_as_given():
    steps = [{"Name": "a"}, {"Name": "b"}]
    assert require_dicts(steps, "job_flow_overrides.Steps", "steps") is steps
    assert require_dicts([], "job_flow_overrides.Steps", "steps") == []


class TestRoleDescription:
    """IAM API Reference, CreateRole, ``Description``: at most 1000 characters of [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]."""

    @pytest.mark.parametrize("value", ["", "Partner B's writer", "x" * 1000, "tab\there\nand\r", "café ÿ ¡"])
    def test_accepts(self, value):
        assert validate_role_description(value, "description") == value

    @pytest.mark.parametrize("value", ["x" * 1001, "\x7f", "\xa0", "€", "a\x00b"])
    def test_refuses(self, value):
        refused(validate_role_description, value, "description", "at most 1000 printable ASCII or Latin-1")

    def test_refuses_a_non_string(self):
        refused(validate_role_description, None, "description", "must be a string, got NoneType")


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        (KEY_ARN, "us-east-1"),
        (ROLE_ARN, ""),
        (f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/a:b", "cn-north-1"),
        ("arn:aws:kms:us-east-1", ""),
        ("not-an-arn", ""),
    ],
)
def test_region_of_an_arn(arn, region):
    assert region_of_arn(arn) == region


def test_require_partition_returns_an_arn_of_the_partition_and_refuses_another():
    # IAM and KMS cannot grant across partitions: IAM answers MalformedPolicyDocument.
    assert require_partition(ROLE_ARN, "aws", "f", "the connection") == ROLE_ARN
    cn_role = f"arn:aws-cn:iam::{ACCOUNT}:role/PartnerWriter"
    refused(
        lambda arn, field: require_partition(arn, "aws", field, "the connection"),
        cn_role,
        "trusted_role_arns[1]",
        "is in partition 'aws-cn', but the connection is in partition 'aws'",
    )


def test_require_region_returns_a_key_of_the_region_and_refuses_another_or_none():
    # Key policies are Regional (KMS Developer Guide, "Key policies in AWS KMS").
    assert require_region(KEY_ARN, "us-east-1", "key_arn", "connection 'dest'") == KEY_ARN
    refused(
        lambda arn, field: require_region(arn, "us-east-1", field, "connection 'dest'"),
        KEY_ARN.replace("us-east-1", "eu-west-1"),
        "kms_key_arns[2]",
        "is in region 'eu-west-1', but connection 'dest' acts in region 'us-east-1'",
    )
    # A connection with no Region refuses every key: KMS has no global endpoint.
    refused(lambda arn, field: require_region(arn, None, field, "c"), KEY_ARN, "key_arn", "acts in region None")


@pytest.mark.parametrize("function", [validate_hadoop_principal, validate_name_prefix, validate_bucket_name])
@pytest.mark.parametrize("value", [None, 7, ["hadoop"]])
def test_a_non_string_is_refused_naming_the_field(function, value):
    # The bucket operator validates its templated ``bucket`` with validate_bucket_name directly.
    refused(function, value, "field", "must be a string")
