"""Unit tests of merging the provider's statements into shared documents and of comparing by meaning."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import quote

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure.documents import (
    KEY_USERS_SID,
    TRUST_NOBODY_STATEMENT,
    TRUST_SID,
    VERSION,
    is_trust_nobody,
    key_users_statement,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import (
    aws_principals,
    document_size,
    find_statement,
    granted_trust_statement,
    grants_assume_role,
    iam_policy_length,
    live_principals,
    merged_principals,
    merged_resources,
    normalize,
    parse_document,
    policy_text,
    remove_statement,
    same_meaning,
    statements_naming,
    trust_without_role,
    upsert_statement,
    without_trust_nobody,
)

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
JOB_ROLE = "arn:aws:iam::111111111111:role/JobFlowRole"
THIRD_ROLE = "arn:aws:iam::333333333333:role/Auditor"
ROOT_B = "arn:aws:iam::222222222222:root"
DELETED_ROLE_ID = "AROAEXAMPLEID123456"
DELETED_USER_ID = "AIDACKCEVSQ6C2EXAMPLE"


def doc(*statements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Version": VERSION, **extra, "Statement": list(statements)}


def allow(sid: str | None = None, **fields: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", **fields}
    if sid is not None:
        statement["Sid"] = sid
    return statement


ADMIN = allow(
    "Enable IAM User Permissions", Principal={"AWS": ROOT_B}, Action="kms:*", Resource="*"
)  # a KMS default statement
OTHER_TRUST = allow("EC2", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")


class TestParseDocument:
    def test_passes_dicts_and_none_through(self):
        document = doc(ADMIN)
        assert parse_document(document) is document
        assert parse_document(None) is None

    def test_decodes_json_text(self):
        assert parse_document(json.dumps(doc(ADMIN))) == doc(ADMIN)
        assert parse_document("  " + json.dumps(doc(ADMIN)) + "\n") == doc(ADMIN)

    @pytest.mark.parametrize("encode", [quote, lambda text: quote(text).replace("%7B", "%7b")])
    def test_decodes_iam_url_encoded_json(self, encode):
        document = doc(allow(TRUST_SID, Principal={"AWS": EMR_ROLE}, Action="sts:AssumeRole"))
        text = encode(json.dumps(document))
        assert text.lower().startswith("%7b")
        assert parse_document(text) == document

    @pytest.mark.parametrize("text", ["[]", '"a string"', "1"])
    def test_refuses_json_that_is_not_an_object(self, text):
        with pytest.raises(ConflictError, match="not a JSON object"):
            parse_document(text)

    @pytest.mark.parametrize(
        "text",
        [
            # Two operators of one name in a Condition: which one AWS applies is not documented.
            '{"Statement": [{"Condition": {"StringEquals": {"a": "1"}, "StringEquals": {"b": "2"}}}]}',
            '{"Statement": [], "Statement": []}',
            quote('{"Statement": [{"Effect": "Allow", "Effect": "Deny"}]}'),
        ],
    )
    def test_refuses_a_name_twice_in_one_object_naming_it_and_the_document(self, text):
        with pytest.raises(
            ConflictError, match=r"^the bucket policy of b: '(StringEquals|Statement|Effect)' appears twice"
        ):
            parse_document(text, "the bucket policy of b")

    @pytest.mark.parametrize(
        ("kind", "advice"),
        [
            ("policy", "merge them by hand into one"),
            ("key policy", "put the key policy back (PutKeyPolicy"),
            ("bucket policy", "put the bucket policy back (PutBucketPolicy"),
            # EMR has no UpdateSecurityConfiguration (Amazon EMR API Reference): no edit in place.
            ("security configuration", "cannot be edited (EMR has no UpdateSecurityConfiguration): create a new one"),
        ],
    )
    def test_a_name_twice_is_refused_with_advice_that_fits_the_kind_of_document(self, kind, advice):
        with pytest.raises(ConflictError) as refused:
            parse_document('{"Statement": [], "Statement": []}', "it", kind)
        assert advice in str(refused.value)
        if kind == "security configuration":
            assert "merge them by hand into one" not in str(refused.value)

    def test_a_conflict_named_by_parse_document_is_not_named_again_by_its_read_modify_write(self):
        text = '{"Statement": [], "Statement": []}'
        with pytest.raises(ConflictError) as named:
            parse_document(text, "the bucket policy of b")
        named.value.naming("s3 bucket b policy")
        assert str(named.value).startswith("the bucket policy of b: 'Statement' appears twice")
        with pytest.raises(ConflictError) as unnamed:
            parse_document(text)
        unnamed.value.naming("s3 bucket b policy")
        assert str(unnamed.value).startswith("s3 bucket b policy: policy document: 'Statement' appears twice")

    def test_the_same_name_in_different_objects_is_no_repetition(self):
        text = '{"Statement": [{"Sid": "A", "Condition": {"Bool": {"x": "true"}}}, {"Sid": "A", "Condition": {"Bool": {"x": "false"}}}]}'
        assert [statement["Sid"] for statement in parse_document(text)["Statement"]] == ["A", "A"]


class TestNormalizeAndSameMeaning:
    def test_single_value_and_one_element_list_are_equal(self):
        left = doc(allow("S", Principal={"AWS": EMR_ROLE}, Action="sts:AssumeRole", Resource="arn:x"))
        right = doc(allow("S", Principal={"AWS": [EMR_ROLE]}, Action=["sts:AssumeRole"], Resource=["arn:x"]))
        assert same_meaning(left, right)
        assert normalize(left) == normalize(right)

    def test_a_single_statement_and_a_one_element_statement_list_are_equal(self):
        statement = allow("S", Action="s3:GetObject", Resource="arn:aws:s3:::b/k")
        assert same_meaning({"Version": VERSION, "Statement": statement}, doc(statement))

    def test_reordered_lists_are_equal(self):
        left = doc(allow("S", Principal={"AWS": [EMR_ROLE, JOB_ROLE]}, Action=["a:B", "a:A"], Resource=["r2", "r1"]))
        right = doc(allow("S", Principal={"AWS": [JOB_ROLE, EMR_ROLE]}, Action=["a:A", "a:B"], Resource=["r1", "r2"]))
        assert same_meaning(left, right)

    def test_reordered_not_elements_are_equal(self):
        # A foreign statement's NotAction, NotResource and NotPrincipal lists are sets as much as Action's
        # (IAM User Guide, "AWS JSON policy elements: NotAction / NotResource / NotPrincipal"), and IAM may
        # hand a one-element list back as a single value: a rerun must see the same policy.
        left = doc(
            allow("S", NotPrincipal={"AWS": [EMR_ROLE, JOB_ROLE]}, NotAction=["a:B", "a:A"], NotResource=["r2", "r1"])
        )
        right = doc(
            allow("S", NotPrincipal={"AWS": [JOB_ROLE, EMR_ROLE]}, NotAction=["a:A", "a:B"], NotResource=["r1", "r2"])
        )
        assert same_meaning(left, right)
        assert same_meaning(
            doc(allow("S", NotAction="a:A", NotResource="r")), doc(allow("S", NotAction=["a:A"], NotResource=["r"]))
        )
        assert not same_meaning(doc(allow("S", NotAction="a:A")), doc(allow("S", NotAction=["a:A", "a:B"])))

    def test_reordered_condition_values_are_equal(self):
        left = doc(allow("S", Action="s3:ListBucket", Condition={"StringLike": {"s3:prefix": ["a/", "a/*"]}}))
        right = doc(allow("S", Action="s3:ListBucket", Condition={"StringLike": {"s3:prefix": ["a/*", "a/"]}}))
        single = doc(allow("S", Action="s3:ListBucket", Condition={"StringLike": {"s3:prefix": "a/"}}))
        one = doc(allow("S", Action="s3:ListBucket", Condition={"StringLike": {"s3:prefix": ["a/"]}}))
        assert same_meaning(left, right)
        assert same_meaning(single, one)
        assert not same_meaning(left, one)

    @pytest.mark.parametrize(("value", "text"), [(10, "10"), (7.5, "7.5"), (True, "true"), (False, "false")])
    def test_a_number_or_boolean_condition_value_equals_its_text(self, value, text):
        # A foreign statement a person wrote with a JSON number or boolean may come back as text: the same
        # policy, so a rerun must see no change (nothing to write back, no wait for it to settle).
        written = doc(allow("S", Action="s3:ListBucket", Condition={"NumericLessThan": {"s3:max-keys": value}}))
        read = doc(allow("S", Action="s3:ListBucket", Condition={"NumericLessThan": {"s3:max-keys": [text]}}))
        assert same_meaning(written, read)

    def test_reordered_keys_are_equal(self):
        left = {"Version": VERSION, "Statement": [{"Sid": "S", "Effect": "Allow", "Action": "a:A", "Resource": "r"}]}
        right = {"Statement": [{"Resource": "r", "Action": "a:A", "Effect": "Allow", "Sid": "S"}], "Version": VERSION}
        assert json.dumps(left) != json.dumps(right)
        assert same_meaning(left, right)
        assert json.dumps(normalize(left)) == json.dumps(normalize(right))

    def test_iam_url_encoded_json_equals_the_dict(self):
        document = doc(trust_statement([EMR_ROLE, JOB_ROLE]), OTHER_TRUST)
        # IAM hands back a single-valued list as a string and reorders keys; then URL-encodes it.
        returned = {
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"AWS": [JOB_ROLE, EMR_ROLE]},
                    "Sid": TRUST_SID,
                },
                OTHER_TRUST,
            ],
            "Version": VERSION,
        }
        assert same_meaning(document, quote(json.dumps(returned)))
        assert same_meaning(json.dumps(document), quote(json.dumps(returned)))

    def test_duplicate_list_values_do_not_matter(self):
        assert same_meaning(doc(allow("S", Action=["a:A", "a:A"])), doc(allow("S", Action="a:A")))

    @pytest.mark.parametrize(
        "change",
        [
            lambda d: d["Statement"][0].__setitem__("Effect", "Deny"),
            lambda d: d["Statement"][0]["Principal"]["AWS"].append(THIRD_ROLE),
            lambda d: d["Statement"][0]["Principal"]["AWS"].remove(JOB_ROLE),
            lambda d: d["Statement"][0].__setitem__("Action", ["sts:AssumeRole", "sts:TagSession"]),
            lambda d: d["Statement"][0].__setitem__("Condition", {"Bool": {"aws:SecureTransport": "true"}}),
            lambda d: d["Statement"][0].__setitem__("Sid", "Renamed"),
            lambda d: d["Statement"].pop(),
            lambda d: d["Statement"].reverse(),
            lambda d: d.__setitem__("Version", "2008-10-17"),
            lambda d: d.__setitem__("Id", "key-policy"),
            lambda d: d["Statement"][1].__setitem__("Principal", {"Service": "elasticmapreduce.amazonaws.com"}),
        ],
    )
    def test_real_differences_are_different(self, change):
        original = doc(trust_statement([EMR_ROLE, JOB_ROLE]), OTHER_TRUST)
        changed = copy.deepcopy(original)
        change(changed)
        assert not same_meaning(original, changed)
        assert not same_meaning(original, quote(json.dumps(changed)))

    def test_principal_kind_matters(self):
        left = doc(allow("S", Principal={"AWS": EMR_ROLE}, Action="sts:AssumeRole"))
        right = doc(allow("S", Principal={"Service": EMR_ROLE}, Action="sts:AssumeRole"))
        assert not same_meaning(left, right)

    def test_none(self):
        assert normalize(None) is None
        assert same_meaning(None, None)
        assert not same_meaning(None, doc())
        assert not same_meaning(doc(ADMIN), None)

    def test_normalize_does_not_mutate_its_input(self):
        document = doc(allow("S", Principal={"AWS": [JOB_ROLE, EMR_ROLE]}, Action=["b", "a"]))
        before = copy.deepcopy(document)
        normalize(document)
        assert document == before


class TestFindAndUpsert:
    def test_a_person_s_condition_is_kept_and_the_provider_s_condition_keys_are_added_to_it(self):
        # Condition operators and keys in one statement all must hold (IAM User Guide, "IAM JSON policy
        # elements: Condition"): keeping the person's and adding the provider's only narrows it; the
        # provider's value wins where both set the same key.
        held = allow(
            "Ours",
            Action="s3:ListBucket",
            Resource="arn:aws:s3:::b",
            Condition={"Bool": {"aws:SecureTransport": "true"}, "StringLike": {"s3:prefix": "old/*"}},
        )
        wanted = allow(
            "Ours",
            Action="s3:ListBucket",
            Resource="arn:aws:s3:::b",
            Condition={"StringLike": {"s3:prefix": "new/*"}, "StringEquals": {"aws:PrincipalAccount": "111111111111"}},
        )
        written = find_statement(upsert_statement(doc(held), wanted), "Ours")
        assert written is not None
        assert written["Condition"] == {
            "Bool": {"aws:SecureTransport": "true"},
            "StringLike": {"s3:prefix": "new/*"},
            "StringEquals": {"aws:PrincipalAccount": "111111111111"},
        }

    def test_find_statement(self):
        ours = trust_statement([EMR_ROLE])
        document = doc(OTHER_TRUST, ours)
        assert find_statement(document, TRUST_SID) is ours
        assert find_statement(document, "Missing") is None
        assert find_statement(None, TRUST_SID) is None
        assert find_statement({"Statement": ours}, TRUST_SID) is ours

    def test_upsert_into_nothing_creates_a_document(self):
        ours = trust_statement([EMR_ROLE])
        assert upsert_statement(None, ours) == {"Version": VERSION, "Statement": [ours]}
        assert upsert_statement({}, ours) == {"Version": VERSION, "Statement": [ours]}

    def test_new_statement_goes_last_and_others_are_kept_in_order(self):
        first = allow("First", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")
        no_sid = allow(Principal={"AWS": THIRD_ROLE}, Action="sts:AssumeRole")
        document = doc(first, no_sid, Id="trust-policy")
        original = copy.deepcopy(document)
        ours = trust_statement([EMR_ROLE])
        result = upsert_statement(document, ours)
        assert result["Statement"] == [first, no_sid, ours]
        assert result["Id"] == "trust-policy"
        assert result["Version"] == VERSION
        assert document == original  # the input is not changed

    def test_replaces_our_statement_in_place_keeping_every_other_one_identical(self):
        before = allow(
            "Before", Principal={"AWS": THIRD_ROLE}, Action="sts:AssumeRole", Condition={"Bool": {"x": "true"}}
        )
        after = allow("After", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")
        document = {"Id": "custom-id", "Version": VERSION, "Statement": [before, trust_statement([EMR_ROLE]), after]}
        original = copy.deepcopy(document)
        result = upsert_statement(document, trust_statement([EMR_ROLE, JOB_ROLE]))
        assert [statement.get("Sid") for statement in result["Statement"]] == ["Before", TRUST_SID, "After"]
        assert result["Statement"][0] == original["Statement"][0]
        assert result["Statement"][2] == original["Statement"][2]
        assert result["Statement"][1]["Principal"]["AWS"] == sorted([EMR_ROLE, JOB_ROLE])
        assert result["Id"] == "custom-id"
        assert list(result) == list(document)  # top-level key order kept
        assert document == original
        assert result["Statement"][0] is not document["Statement"][0]  # a copy: later edits cannot leak back

    def test_keeps_a_single_statement_document(self):
        document = {"Version": VERSION, "Statement": ADMIN}
        result = upsert_statement(document, key_users_statement([EMR_ROLE]))
        assert result["Statement"][0] == ADMIN
        assert result["Statement"][1]["Sid"] == KEY_USERS_SID

    def test_keeps_statements_that_are_not_dicts(self):
        document = doc(ADMIN)
        document["Statement"].insert(0, "odd")
        result = upsert_statement(document, key_users_statement([EMR_ROLE]))
        assert result["Statement"][:2] == ["odd", ADMIN]

    def test_duplicate_sid_is_a_conflict(self):
        document = doc(trust_statement([EMR_ROLE]), OTHER_TRUST, trust_statement([JOB_ROLE]))
        with pytest.raises(ConflictError, match=TRUST_SID):
            upsert_statement(document, trust_statement([EMR_ROLE]))

    def test_remove_statement(self):
        document = doc(OTHER_TRUST, trust_statement([EMR_ROLE]), ADMIN, Id="x")
        result = remove_statement(document, TRUST_SID)
        assert result == doc(OTHER_TRUST, ADMIN, Id="x")
        assert len(document["Statement"]) == 3
        assert remove_statement(result, TRUST_SID) == result


class TestPrincipals:
    def test_aws_principals(self):
        assert aws_principals(allow(Principal={"AWS": EMR_ROLE})) == [EMR_ROLE]
        assert aws_principals(allow(Principal={"AWS": [EMR_ROLE, JOB_ROLE]})) == [EMR_ROLE, JOB_ROLE]
        assert aws_principals(allow(Principal={"Service": "ec2.amazonaws.com"})) == []
        assert aws_principals(allow(Principal="*")) == []
        assert aws_principals(None) == []

    def test_live_principals_drops_unique_ids_only(self):
        principals = [EMR_ROLE, DELETED_ROLE_ID, ROOT_B, DELETED_USER_ID, "111111111111"]
        assert live_principals(principals) == [EMR_ROLE, ROOT_B, "111111111111"]

    @pytest.mark.parametrize(
        ("statement", "expected"),
        [
            (allow(Principal={"AWS": EMR_ROLE}, Action="sts:AssumeRole"), True),
            (allow(Principal={"AWS": [JOB_ROLE, EMR_ROLE]}, Action=["sts:TagSession", "sts:AssumeRole"]), True),
            (allow(Principal={"AWS": EMR_ROLE}, Action="sts:*"), True),
            (allow(Principal={"AWS": EMR_ROLE}, Action="*"), True),
            (allow(Principal={"AWS": JOB_ROLE}, Action="sts:AssumeRole"), False),
            (allow(Principal={"AWS": EMR_ROLE}, Action="sts:TagSession"), False),
            ({"Effect": "Deny", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}, False),
            (
                allow(
                    Principal={"AWS": EMR_ROLE},
                    Action="sts:AssumeRole",
                    Condition={"StringEquals": {"sts:ExternalId": "x"}},
                ),
                False,
            ),
            (allow(Principal={"Service": EMR_ROLE}, Action="sts:AssumeRole"), False),
            ("not a statement", False),
        ],
    )
    def test_grants_assume_role(self, statement, expected):
        assert grants_assume_role(statement, EMR_ROLE) is expected


class TestMergedPrincipals:
    def test_no_document_gives_the_wanted_principals(self):
        assert merged_principals(None, TRUST_SID, [JOB_ROLE, EMR_ROLE, JOB_ROLE]) == sorted([EMR_ROLE, JOB_ROLE])

    def test_keeps_existing_principals(self):
        document = doc(OTHER_TRUST, trust_statement([THIRD_ROLE, JOB_ROLE]))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE]) == sorted([THIRD_ROLE, JOB_ROLE, EMR_ROLE])

    def test_keeps_a_single_string_principal(self):
        document = doc(allow(TRUST_SID, Principal={"AWS": THIRD_ROLE}, Action="sts:AssumeRole"))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE]) == sorted([THIRD_ROLE, EMR_ROLE])

    def test_already_present_is_unchanged(self):
        document = doc(trust_statement([EMR_ROLE, JOB_ROLE]))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE]) == sorted([EMR_ROLE, JOB_ROLE])

    def test_drops_unique_ids_of_deleted_roles_from_our_statement_only(self):
        others_with_id = allow("Legacy", Principal={"AWS": [DELETED_ROLE_ID, THIRD_ROLE]}, Action="sts:AssumeRole")
        ours = allow(TRUST_SID, Principal={"AWS": [DELETED_ROLE_ID, JOB_ROLE]}, Action="sts:AssumeRole")
        document = doc(others_with_id, ours)
        principals = merged_principals(document, TRUST_SID, [EMR_ROLE])
        assert principals == sorted([JOB_ROLE, EMR_ROLE])
        assert DELETED_ROLE_ID not in principals
        merged = upsert_statement(document, trust_statement(principals))
        assert merged["Statement"][0] == others_with_id
        assert DELETED_ROLE_ID in merged["Statement"][0]["Principal"]["AWS"]
        assert document["Statement"][1]["Principal"]["AWS"] == [DELETED_ROLE_ID, JOB_ROLE]

    def test_a_recreated_role_is_added_back_by_arn(self):
        # The role was deleted and recreated: IAM shows its old unique id; we write its ARN again.
        document = doc(allow(TRUST_SID, Principal={"AWS": DELETED_ROLE_ID}, Action="sts:AssumeRole"))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE]) == [EMR_ROLE]

    def test_skip_if_granted_respects_another_unconditional_allow(self):
        document = doc(allow("Theirs", Principal={"AWS": [EMR_ROLE]}, Action="sts:AssumeRole"))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE, JOB_ROLE], skip_if_granted=True) == [JOB_ROLE]
        assert merged_principals(document, TRUST_SID, [EMR_ROLE], skip_if_granted=True) == []
        # Without the flag the principal is added to our statement anyway.
        assert merged_principals(document, TRUST_SID, [EMR_ROLE]) == [EMR_ROLE]

    def test_skip_if_granted_ignores_conditional_statements(self):
        conditional = allow(
            "Theirs",
            Principal={"AWS": EMR_ROLE},
            Action="sts:AssumeRole",
            Condition={"StringEquals": {"sts:ExternalId": "secret"}},
        )
        assert merged_principals(doc(conditional), TRUST_SID, [EMR_ROLE], skip_if_granted=True) == [EMR_ROLE]

    def test_skip_if_granted_ignores_deny_and_other_actions(self):
        deny = {"Sid": "D", "Effect": "Deny", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}
        tag = allow("T", Principal={"AWS": EMR_ROLE}, Action="sts:TagSession")
        assert merged_principals(doc(deny, tag), TRUST_SID, [EMR_ROLE], skip_if_granted=True) == [EMR_ROLE]

    def test_skip_if_granted_keeps_what_our_statement_already_holds(self):
        document = doc(
            allow("Theirs", Principal={"AWS": EMR_ROLE}, Action="sts:AssumeRole"), trust_statement([EMR_ROLE])
        )
        assert merged_principals(document, TRUST_SID, [EMR_ROLE], skip_if_granted=True) == [EMR_ROLE]

    def test_our_own_statement_does_not_count_as_another_grant(self):
        document = doc(allow(TRUST_SID, Principal={"AWS": DELETED_ROLE_ID}, Action="sts:AssumeRole"))
        assert merged_principals(document, TRUST_SID, [EMR_ROLE], skip_if_granted=True) == [EMR_ROLE]

    def test_key_policy_merge_keeps_the_admin_statement(self):
        document = doc(ADMIN, key_users_statement([THIRD_ROLE]), Id="key-default-1")
        principals = merged_principals(document, KEY_USERS_SID, [EMR_ROLE])
        merged = upsert_statement(document, key_users_statement(principals))
        assert merged["Statement"][0] == ADMIN
        assert merged["Statement"][1]["Principal"]["AWS"] == sorted([THIRD_ROLE, EMR_ROLE])
        assert merged["Id"] == "key-default-1"
        # Merging again changes nothing: the steady state.
        again = upsert_statement(merged, key_users_statement(merged_principals(merged, KEY_USERS_SID, [EMR_ROLE])))
        assert same_meaning(again, merged)


class TestMergedResources:
    def test_union_sorted_without_duplicates(self):
        document = doc(allow("Ours", Action="sts:AssumeRole", Resource=[JOB_ROLE, THIRD_ROLE]))
        assert merged_resources(document, "Ours", [EMR_ROLE, JOB_ROLE]) == sorted([JOB_ROLE, THIRD_ROLE, EMR_ROLE])

    def test_single_resource_string(self):
        document = doc(allow("Ours", Action="sts:AssumeRole", Resource=THIRD_ROLE))
        assert merged_resources(document, "Ours", [EMR_ROLE]) == sorted([THIRD_ROLE, EMR_ROLE])

    @pytest.mark.parametrize("wildcard", ["arn:aws:iam::333333333333:role/*", "arn:aws:iam::333333333333:role/Audit?r"])
    def test_a_wildcard_resource_in_our_statement_is_refused(self, wildcard):
        # "You can use wildcard characters (* and ?) within the individual segments of an ARN" (IAM User
        # Guide, "IAM JSON policy elements: Resource"): ``?`` widens a resource as ``*`` does.
        document = doc(allow("Ours", Action="sts:AssumeRole", Resource=[JOB_ROLE, wildcard]))
        with pytest.raises(ConflictError, match="wildcard resource"):
            merged_resources(document, "Ours", [])

    def test_only_our_statement_counts(self):
        document = doc(allow("Theirs", Action="sts:AssumeRole", Resource=THIRD_ROLE))
        assert merged_resources(document, "Ours", [EMR_ROLE]) == [EMR_ROLE]
        assert merged_resources(None, "Ours", [JOB_ROLE, EMR_ROLE]) == sorted([EMR_ROLE, JOB_ROLE])


#: The characters IAM and KMS take in a policy document, as botocore's models of their APIs give them (IAM
#: "PutRolePolicy" and KMS "PutKeyPolicy", ``Pattern``): the judge here, not the provider's own escaping rule.
_MODEL = botocore.session.get_session()
POLICY_PATTERNS = {
    _MODEL.get_service_model("iam")
    .operation_model("PutRolePolicy")
    .input_shape.members["PolicyDocument"]
    .metadata["pattern"],
    _MODEL.get_service_model("kms").operation_model("PutKeyPolicy").input_shape.members["Policy"].metadata["pattern"],
}


def test_document_size_counts_bytes_as_sent_with_latin1_as_itself():
    """
    IAM and KMS take Latin-1 as it is: ``é`` is sent as two bytes of UTF-8, not six of ``\\u00e9`` (which counted
    against the 32 KB key policy, and the IAM quotas, three times as much); S3, which documents no character set,
    gets it escaped.
    """
    document = doc(allow("S", Action="a:A", Resource="arn:aws:s3:::b/é"))
    assert "é" in policy_text(document)
    assert document_size(document) == len(policy_text(document).encode())
    assert document_size(document) == len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    assert document_size(document, latin1=False) == document_size(document) + len("\\u00e9") - len("é".encode())
    assert policy_text(document, latin1=False).isascii()
    assert iam_policy_length(document) == len(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=10))
def test_policy_text_holds_only_what_iam_and_kms_take_and_means_the_same(value: str, sid: str) -> None:
    """Every character beyond the APIs' pattern (a control, DEL, a non-breaking space, ``あ``, an emoji) is escaped."""
    document = doc(allow(sid, Action="a:A", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/t": value}}))
    text = policy_text(document)
    assert json.loads(text) == document
    for pattern in POLICY_PATTERNS:
        assert re.fullmatch(pattern, text), text
    assert re.fullmatch(r"[\x20-\x7e\xa1-\xff]*", text)  # and printable: KMS's "Printable characters"
    assert json.loads(policy_text(document, latin1=False)) == document
    assert policy_text(document, latin1=False).isascii()


def test_policy_text_sends_no_spaces_and_means_the_same():
    """KMS and S3 count every byte sent against their policy size limits: no space after ``,`` or ``:``."""
    document = doc(allow("S", Principal={"AWS": [EMR_ROLE, JOB_ROLE]}, Action=["a:A", "a:B"], Resource="*"))
    assert ", " not in policy_text(document)
    assert ": " not in policy_text(document)
    assert json.loads(policy_text(document)) == document
    assert document_size(document) < len(json.dumps(document).encode())


def test_trusted_besides_names_everyone_but_the_revoked_role() -> None:
    """
    Who else a destination role's trust lets assume it: the revoked EMR EC2 role under any path or spelling of its
    name is not counted (IAM names are not distinguished by case, IAM API Reference, "CreateRole"), nor a deleted
    principal's unique ID or a Deny; the same name in another account, another principal, another statement are.
    """
    from airflow_provider_emrfs_xacct.pure.merge import trusted_besides

    own = {
        "Sid": "Trust",
        "Effect": "Allow",
        "Principal": {
            "AWS": [
                "arn:aws:iam::111111111111:role/emr/emr_ec2_defaultrole",
                "AROAEXAMPLEEXAMPLE1234",
                "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole",
            ],
            "Service": "ec2.amazonaws.com",
        },
        "Action": "sts:AssumeRole",
    }
    trust = {
        "Statement": [
            own,
            {"Sid": "NoAuditors", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"}, "Action": "sts:AssumeRole"},
        ]
    }

    assert trusted_besides(trust, "Trust", "111111111111", "EMR_EC2_DefaultRole") == [
        "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole",
        "Service: ec2.amazonaws.com",
        "statement [2]",
    ]
    assert (
        trusted_besides(
            {"Statement": [{**own, "Principal": {"AWS": own["Principal"]["AWS"][:2]}}]},
            "Trust",
            "111111111111",
            "EMR_EC2_DefaultRole",
        )
        == []
    )
    assert trusted_besides(None, "Trust", "111111111111", "EMR_EC2_DefaultRole") == []


def test_a_statement_of_someone_else_naming_only_deleted_principals_counts_for_nobody() -> None:
    """
    IAM shows a deleted principal in a trust policy as its unique ID (``AROA…``), which no one can assume the role
    as (AWS Knowledge Center, iam-trust-policy-error): such a statement leaves no one else trusted; one naming a
    live principal beside the ID, or an ID-looking value of another principal kind, still counts.
    """
    from airflow_provider_emrfs_xacct.pure.merge import trusted_besides

    def others(*statements: dict[str, Any]) -> list[str]:
        trust = {"Statement": [{"Sid": "Trust", "Effect": "Allow", "Principal": {"AWS": REVOKED}}, *statements]}
        return trusted_besides(trust, "Trust", EMR, "EMR_EC2_DefaultRole")

    deleted = {
        "Sid": "Old",
        "Effect": "Allow",
        "Principal": {"AWS": ["AROAEXAMPLEEXAMPLE1234", "AIDAEXAMPLEEXAMPLE99"]},
    }
    assert others(deleted) == []
    assert others({**deleted, "Principal": {"AWS": ["AROAEXAMPLEEXAMPLE1234", NIGHTLY]}}) == ["statement 'Old'"]
    assert others({**deleted, "Principal": {"Federated": "AROAEXAMPLEEXAMPLE1234"}}) == ["statement 'Old'"]
    assert others({**deleted, "Principal": {"AWS": []}}) == ["statement 'Old'"]


def test_a_statement_of_someone_else_naming_only_the_revoked_role_is_not_someone_else() -> None:
    """
    A hand-written statement trusting the revoked EMR EC2 role itself (under a Condition, say), in any spelling or
    path of its name (IAM names are not distinguished by case, IAM API Reference, "CreateRole"), leaves no one else
    trusted: the revoke need not keep the key-user grant for it, nor refuse to delete the role. Beside anyone else,
    a principal of another kind, or as a ``NotPrincipal`` (everyone else), it still counts.
    """
    from airflow_provider_emrfs_xacct.pure.merge import trusted_besides

    def others(*statements: dict[str, Any]) -> list[str]:
        trust = {"Statement": [{"Sid": "Trust", "Effect": "Allow", "Principal": {"AWS": REVOKED}}, *statements]}
        return trusted_besides(trust, "Trust", EMR, "EMR_EC2_DefaultRole")

    own = {
        "Sid": "NightlyOnly",
        "Effect": "Allow",
        "Principal": {"AWS": REVOKED},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:RoleSessionName": "nightly"}},
    }
    assert others(own) == []
    assert others({**own, "Principal": {"AWS": [f"arn:aws:iam::{EMR}:role/emr/emr_ec2_defaultrole"]}}) == []
    assert others({**own, "Principal": {"AWS": [REVOKED, "AROAEXAMPLEEXAMPLE1234"]}}) == []
    assert others({key: value for key, value in own.items() if key != "Sid"}) == []
    assert others({**own, "Principal": {"AWS": [REVOKED, NIGHTLY]}}) == ["statement 'NightlyOnly'"]
    assert others({**own, "Principal": {"AWS": REVOKED, "Service": "ec2.amazonaws.com"}}) == ["statement 'NightlyOnly'"]
    assert others({**own, "Principal": {"AWS": "arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole"}}) == [
        "statement 'NightlyOnly'"
    ]
    assert others({**own, "Principal": {"AWS": f"arn:aws:iam::{EMR}:user/EMR_EC2_DefaultRole"}}) == [
        "statement 'NightlyOnly'"
    ]
    assert others({**own, "Principal": {"AWS": f"arn:aws:iam::{EMR}:root"}}) == ["statement 'NightlyOnly'"]
    not_principal = {key: value for key, value in own.items() if key != "Principal"}
    assert others({**not_principal, "NotPrincipal": {"AWS": REVOKED}}) == ["statement 'NightlyOnly'"]
    assert others({**own, "NotPrincipal": {"AWS": NIGHTLY}}) == ["statement 'NightlyOnly'"]


# Revoking the EMR EC2 role from the provider's trust statement ----------------------------------------------

EMR = "111111111111"
REVOKED = f"arn:aws:iam::{EMR}:role/EMR_EC2_DefaultRole"
NIGHTLY = f"arn:aws:iam::{EMR}:role/EMR_EC2_NightlyRole"
SOMEONES = {
    "Sid": "Someones",
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def trusting(*principals: str, others: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    ours = {"Sid": TRUST_SID, "Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [*others, ours]}


def test_the_revoked_role_leaves_the_trust_in_any_spelling_and_path_with_deleted_roles_ids() -> None:
    trust = trusting(
        f"arn:aws:iam::{EMR}:role/emr/emr_ec2_defaultrole", NIGHTLY, "AROADELETEDROLE123456", others=(SOMEONES,)
    )
    result = trust_without_role(trust, EMR, "EMR_EC2_DefaultRole")
    assert result == trusting(NIGHTLY, others=(SOMEONES,))
    assert trust_without_role(result, EMR, "EMR_EC2_DefaultRole") is result  # a second revoke: nothing to do
    # The same name in another account is another role.
    other_account = trusting("arn:aws:iam::333333333333:role/EMR_EC2_DefaultRole")
    assert trust_without_role(other_account, EMR, "EMR_EC2_DefaultRole") is other_account


def test_the_last_role_takes_the_statement_with_it_or_leaves_a_statement_for_nobody() -> None:
    assert trust_without_role(trusting(REVOKED, others=(SOMEONES,)), EMR, "EMR_EC2_DefaultRole") == {
        "Version": "2012-10-17",
        "Statement": [SOMEONES],
    }
    alone = trust_without_role(trusting(REVOKED), EMR, "EMR_EC2_DefaultRole")
    assert alone == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}
    assert alone is not None
    assert alone["Statement"][0] is not TRUST_NOBODY_STATEMENT  # a copy: the constant is never sent and changed
    assert trust_without_role(alone, EMR, "EMR_EC2_DefaultRole") is alone
    # The next grant writes the normal statement in its place.
    assert without_trust_nobody(alone) == {"Version": "2012-10-17", "Statement": []}
    changed = copy.deepcopy(alone)
    changed["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert without_trust_nobody(changed) is changed  # changed by hand: not the revoke's, the grant refuses it


@pytest.mark.parametrize(
    "changed",
    [
        {"Effect": "Allow"},  # everyone allowed: the opposite of the revoke's statement
        {"Principal": {"AWS": "arn:aws:iam::111111111111:root"}},
        {"Action": "sts:TagSession"},
        {"Sid": "SomeonesDeny"},
        {"Condition": ["not", "a", "condition", "block"]},  # the revoke writes a Condition block (a dict) or none
    ],
    ids=["Effect", "Principal", "Action", "Sid", "Condition"],
)
def test_only_the_revokes_exact_statement_for_nobody_is_read_as_it(changed: dict[str, Any]) -> None:
    """
    The revoke's Deny-everyone statement is recognised field by field (its ``Sid``, ``Effect``, ``Principal`` and
    ``Action``): a statement someone changed is theirs, and a grant must not drop it as the revoke's. An ``Allow``
    for ``{"AWS": "*"}`` lets every principal assume the role (IAM User Guide, "AWS JSON policy elements:
    Principal", "All principals"): dropping it silently would hide it, keeping it as nobody would be wrong.
    """
    statement = {**copy.deepcopy(TRUST_NOBODY_STATEMENT), **changed}
    trust = {"Version": "2012-10-17", "Statement": [statement]}

    assert not is_trust_nobody(statement)
    assert without_trust_nobody(trust) is trust
    assert is_trust_nobody(copy.deepcopy(TRUST_NOBODY_STATEMENT))


@pytest.mark.parametrize("statement", [None, "Deny", ["Deny"]], ids=["missing", "text", "list"])
def test_what_is_not_a_statement_is_not_the_revokes_statement_for_nobody(statement: Any) -> None:
    assert is_trust_nobody(statement) is False


RESTRICTION = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}


def test_a_condition_someone_added_survives_a_revoke_of_the_last_role_and_the_next_grant() -> None:
    """
    The statement for nobody keeps it beside its mark (a Deny allows nobody: IAM User Guide, "The difference
    between explicit and implicit denies"; the mark makes it refuse nobody), and the grant puts it back as it was.
    """
    trust = trusting(REVOKED)
    trust["Statement"][0]["Condition"] = RESTRICTION
    alone = trust_without_role(trust, EMR, "EMR_EC2_DefaultRole")
    marked = {"StringEquals": {**RESTRICTION["StringEquals"], **TRUST_NOBODY_STATEMENT["Condition"]["StringEquals"]}}
    assert alone == {"Version": "2012-10-17", "Statement": [{**TRUST_NOBODY_STATEMENT, "Condition": marked}]}
    assert alone is not None
    assert alone["Statement"][0]["Condition"] is not RESTRICTION
    assert trust_without_role(alone, EMR, "EMR_EC2_DefaultRole") is alone  # a second revoke: nothing to do
    assert without_trust_nobody(alone) == {"Version": "2012-10-17", "Statement": []}
    assert granted_trust_statement(alone, [REVOKED]) == {**trust_statement([REVOKED]), "Condition": RESTRICTION}
    # Without a revoke's statement for nobody the grant's statement is the plain one.
    assert granted_trust_statement(trusting(NIGHTLY), [REVOKED]) == trust_statement([REVOKED])
    assert granted_trust_statement(None, [REVOKED]) == trust_statement([REVOKED])


def test_beside_other_statements_the_last_role_takes_the_statement_and_its_condition() -> None:
    """A Deny for everyone under the condition would refuse the other statements' principals too: it is not kept."""
    trust = trusting(REVOKED, others=(SOMEONES,))
    trust["Statement"][1]["Condition"] = RESTRICTION
    assert trust_without_role(trust, EMR, "EMR_EC2_DefaultRole") == {"Version": "2012-10-17", "Statement": [SOMEONES]}


def test_a_conditional_deny_for_everyone_beside_other_statements_is_not_taken_for_the_revokes() -> None:
    """
    An earlier release left its statement for nobody with a ``Condition`` (and no mark) only as the trust policy's
    only statement. Beside
    other statements a ``Deny`` for everyone under a condition restricts their principals (IAM User Guide, "Policy
    evaluation logic": an explicit deny overrides any allow): a grant that dropped it as the revoke's would widen
    their access, and would turn the deny's condition into the allow's. The grant refuses it, naming the ``Effect``.
    """
    deny = {**copy.deepcopy(TRUST_NOBODY_STATEMENT), "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}
    trust = {"Version": "2012-10-17", "Statement": [deny, SOMEONES]}

    assert without_trust_nobody(trust) is trust
    assert granted_trust_statement(trust, [REVOKED]) == trust_statement([REVOKED])
    with pytest.raises(ConflictError, match="Effect 'Deny'"):
        upsert_statement(without_trust_nobody(trust), granted_trust_statement(trust, [REVOKED]))
    # The grant's first step (ensure_role_trusts), naming it for what it is.
    with pytest.raises(ConflictError, match="Deny of sts:AssumeRole for every principal under a Condition"):
        merged_principals(without_trust_nobody(trust), TRUST_SID, [REVOKED], skip_if_granted=True)
    # Alone, as the revoke leaves it, it is the revoke's; without a Condition it is the revoke's anywhere.
    alone = {"Version": "2012-10-17", "Statement": [deny]}
    assert without_trust_nobody(alone) == {"Version": "2012-10-17", "Statement": []}
    plain = {"Version": "2012-10-17", "Statement": [copy.deepcopy(TRUST_NOBODY_STATEMENT), SOMEONES]}
    assert without_trust_nobody(plain) == {"Version": "2012-10-17", "Statement": [SOMEONES]}


def test_a_principal_the_provider_never_writes_is_not_dropped_with_the_statement() -> None:
    trust = trusting(REVOKED)
    trust["Statement"][0]["Principal"]["Service"] = "ec2.amazonaws.com"
    with pytest.raises(ConflictError, match=r"ec2\.amazonaws\.com"):
        trust_without_role(trust, EMR, "EMR_EC2_DefaultRole")
    trust["Statement"][0]["Principal"]["AWS"].append(NIGHTLY)  # a role stays: writing it back would widen it
    with pytest.raises(ConflictError, match="Service"):
        trust_without_role(trust, EMR, "EMR_EC2_DefaultRole")


def test_statements_naming_a_role_by_sid_or_place_in_any_spelling_of_its_name() -> None:
    """A resource policy keeps a principal by its unique ID whatever the case it was given in (IAM names: any case)."""
    policy = doc(
        {"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": [THIRD_ROLE, EMR_ROLE.lower()]}, "Action": "s3:*"},
        {"Effect": "Deny", "Principal": {"AWS": EMR_ROLE}, "Action": "s3:DeleteObject"},
        {"Sid": "Ours", "Effect": "Allow", "Principal": {"AWS": EMR_ROLE}, "Action": "kms:Decrypt"},
        {"Sid": "Service", "Effect": "Allow", "Principal": {"Service": EMR_ROLE}, "Action": "s3:*"},
        {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": JOB_ROLE}, "Action": "s3:*"},
        "not a statement",
    )

    assert statements_naming(policy, EMR_ROLE) == ["'Theirs'", "#1", "'Ours'"]
    assert statements_naming(policy, EMR_ROLE, besides="Ours") == ["'Theirs'", "#1"]
    assert statements_naming({"Statement": {"Principal": {"AWS": EMR_ROLE}}}, EMR_ROLE) == ["#0"]
    assert statements_naming(None, EMR_ROLE) == []


def test_statements_naming_counts_a_not_principal_and_not_a_condition_value() -> None:
    """
    ``NotPrincipal`` names principals as ``Principal`` does (IAM User Guide, "AWS JSON policy elements: NotPrincipal"):
    whether it keeps a deleted role's unique ID is not documented, so it counts (the safe side). A condition value
    does not: "AWS does not convert condition key ARNs to IDs" (IAM User Guide, "AWS JSON policy elements: Principal").
    """
    policy = doc(
        {
            "Sid": "OnlyThePartner",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [EMR_ROLE.lower(), "arn:aws:iam::111111111111:root"]},  # its name in any case
            "Action": "s3:*",
        },
        {
            "Sid": "ByArn",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": EMR_ROLE}},
        },
        {"Effect": "Deny", "NotPrincipal": {"AWS": JOB_ROLE}, "Action": "s3:*"},
    )

    assert statements_naming(policy, EMR_ROLE) == ["'OnlyThePartner'"]
    assert statements_naming(policy, JOB_ROLE) == ["#2"]
