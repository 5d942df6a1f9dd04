"""
Every writer keeps what it did not write, in every form AWS accepts and returns.

Hypothesis draws documents the provider's own writes never produce: ``Statement`` as one object, single
values or lists, ``Principal: "*"``, account ids, root ARNs, unique IDs of deleted roles, ``Service``,
``Federated`` and ``CanonicalUser`` principals, ``NotPrincipal``/``NotAction``/``NotResource``, no
``Sid``, duplicate and non-ASCII ``Sid``s, conditions, ``Version`` 2008-10-17 and an ``Id`` (IAM User
Guide, "IAM JSON policy element reference": ``Version``, ``Id``, ``Sid``, ``Principal``,
``NotPrincipal``, ``NotAction``, ``NotResource``, ``Condition``). The judge is not the merge code: the
statements without the provider's ``Sid`` prefix, as canonical JSON in order, and every top-level key
but ``Statement``, must be the same before and after each grant and revoke.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure import bucket_policy, documents, spill
from airflow_provider_emrfs_xacct.pure.merge import (
    merge_owned_statements,
    merged_principals,
    remove_statement,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNERS = [f"arn:aws:iam::222222222222:role/partner-{n}" for n in range(3)]
LOCATION = S3Location("partner-bucket", "results/")


def one_or_many(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return values | st.lists(values, min_size=1, max_size=3)


SIDS = st.sampled_from(["", "Audit", "Audit", "Prüfung-✓", "AllowAll", "1"]) | st.text(max_size=8).filter(
    lambda sid: not sid.startswith(documents.SID_PREFIX)
)
AWS_PRINCIPALS = st.sampled_from(
    [
        "*",
        "111111111111",
        "arn:aws:iam::111111111111:root",
        EMR_ROLE,
        "arn:aws:iam::111111111111:role/emr_ec2_defaultrole",
        "arn:aws:iam::333333333333:role/Auditor",
        "arn:aws:sts::333333333333:assumed-role/Auditor/session",
        *PARTNERS,
    ]
)
PRINCIPALS = (
    st.just("*")
    | st.fixed_dictionaries({"AWS": one_or_many(AWS_PRINCIPALS)})
    | st.fixed_dictionaries({"Service": one_or_many(st.sampled_from(["ec2.amazonaws.com", "emr.amazonaws.com"]))})
    | st.fixed_dictionaries({"Federated": st.just("cognito-identity.amazonaws.com")})
    | st.fixed_dictionaries(
        {"CanonicalUser": st.just("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")}
    )
    | st.fixed_dictionaries({"AWS": one_or_many(AWS_PRINCIPALS), "Service": st.just("ec2.amazonaws.com")})
)
ACTIONS = one_or_many(st.sampled_from(["sts:AssumeRole", "kms:*", "s3:GetObject", "*", "s3:Put*", "kms:Decrypt"]))
RESOURCES = one_or_many(st.sampled_from(["*", "arn:aws:s3:::partner-bucket/*", "arn:aws:s3:::partner-bucket"]))
CONDITIONS = st.fixed_dictionaries(
    {
        "StringEquals": st.fixed_dictionaries(
            {"aws:PrincipalTag/team": one_or_many(st.sampled_from(["données", "ops", "1"]))}
        )
    }
) | st.fixed_dictionaries({"Bool": st.fixed_dictionaries({"aws:SecureTransport": st.sampled_from([True, "false"])})})


@st.composite
def foreign_statements(draw: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if draw(st.booleans()):
        statement["Sid"] = draw(SIDS)
    statement["Effect"] = draw(st.sampled_from(["Allow", "Deny"]))
    statement["NotPrincipal" if draw(st.booleans()) and statement["Effect"] == "Deny" else "Principal"] = draw(
        PRINCIPALS
    )
    statement["NotAction" if draw(st.booleans()) else "Action"] = draw(ACTIONS)
    statement["NotResource" if draw(st.booleans()) else "Resource"] = draw(RESOURCES)
    if draw(st.booleans()):
        statement["Condition"] = draw(CONDITIONS)
    keys = list(statement)
    order = draw(st.permutations(keys))
    return {key: statement[key] for key in order}


@st.composite
def documents_with_foreign_statements(draw: Any) -> dict[str, Any]:
    statements = draw(st.lists(foreign_statements(), min_size=1, max_size=4))
    document: dict[str, Any] = {"Version": draw(st.sampled_from(["2012-10-17", "2008-10-17"]))}
    if draw(st.booleans()):
        document["Id"] = draw(st.sampled_from(["key-default-1", "Richtlinie-ü"]))
    document["Statement"] = statements[0] if len(statements) == 1 and draw(st.booleans()) else statements
    if draw(st.booleans()):
        document = {key: document[key] for key in reversed(list(document))}
    return document


def foreign(document: dict[str, Any] | None) -> tuple[list[str], str]:
    """The judge: the statements the provider did not write, in order, and the top-level keys, as canonical JSON."""
    if document is None:
        return [], "{}"
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    kept = [
        json.dumps(statement, sort_keys=True)
        for statement in statements
        if not str(statement.get("Sid", "")).startswith(documents.SID_PREFIX)
    ]
    return kept, json.dumps({key: value for key, value in document.items() if key != "Statement"}, sort_keys=True)


def key_users_grant(document: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    principals = merged_principals(document, documents.KEY_USERS_SID, wanted)
    return upsert_statement(document, documents.key_users_statement(principals))


def trust_grant(document: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    principals = merged_principals(document, documents.TRUST_SID, wanted, skip_if_granted=True)
    if principals:
        return upsert_statement(document, documents.trust_statement(principals))
    return remove_statement(document, documents.TRUST_SID)


@settings(max_examples=150, deadline=None)
@given(document=documents_with_foreign_statements())
def test_resource_policy_writers_keep_every_foreign_statement(document: dict[str, Any]) -> None:
    before = foreign(document)
    snapshot = json.dumps(document, sort_keys=True)

    granted = key_users_grant(document, PARTNERS[:2])
    assert foreign(granted) == before
    assert (
        foreign(upsert_statement(granted, documents.key_users_statement([PARTNERS[1]]), dropping={PARTNERS[0]}))
        == before
    )
    assert foreign(remove_statement(granted, documents.KEY_USERS_SID)) == before

    assert foreign(trust_grant(document, [EMR_ROLE])) == before

    shared = bucket_policy.grant(
        bucket_policy.grant(document, "aws", EMR_ROLE, {LOCATION}), "aws", PARTNERS[0], {LOCATION}
    )
    assert foreign(shared) == before
    revoked = bucket_policy.revoke(shared, EMR_ROLE)
    assert foreign(revoked) == before
    assert revoked is not None
    assert bucket_policy.granted_locations(revoked, PARTNERS[0]) == {LOCATION}

    assert json.dumps(document, sort_keys=True) == snapshot  # the input itself is never changed


@settings(max_examples=150, deadline=None)
@given(document=documents_with_foreign_statements())
def test_identity_policy_writers_keep_every_foreign_statement(document: dict[str, Any]) -> None:
    before = foreign(document)
    # Identity policies have no Principal: drop it from the drawn statements.
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for statement in statements:
        statement.pop("Principal", None)
        statement.pop("NotPrincipal", None)
    before = foreign(document)

    with_roles = spill.with_roles(document, PARTNERS)
    assert foreign(with_roles) == before
    assert foreign(spill.without_roles(with_roles, {PARTNERS[0]})) == before
    assert foreign(spill.without_roles(with_roles, set(PARTNERS))) == before

    ours = documents.destination_permissions_policy("aws", {LOCATION}, ["arn:aws:kms:eu-west-1:222222222222:key/k"])
    merged = merge_owned_statements(document, ours, documents.is_owned_destination_sid)
    assert foreign(merged) == before
    assert documents.locations_in_permissions_policy(merged) == (
        {LOCATION},
        {"arn:aws:kms:eu-west-1:222222222222:key/k"},
    )


def test_a_lone_provider_statement_not_in_a_list_is_read_back() -> None:
    """
    IAM takes ``Statement`` as one object as well as a list (IAM User Guide, "IAM JSON policy elements:
    Statement"): the prefixes of a policy cut down by hand to its object statement are still read back,
    so a grant keeps them instead of refusing its own statement as widened.
    """
    [objects, *_] = documents.destination_permissions_policy("aws", {LOCATION})["Statement"]
    policy = {"Version": "2012-10-17", "Statement": objects}
    other = S3Location("partner-bucket", "other/")

    assert documents.locations_in_permissions_policy(policy) == ({LOCATION}, set())
    merged = merge_owned_statements(
        policy,
        documents.destination_permissions_policy("aws", {LOCATION, other}),
        documents.is_owned_destination_sid,
    )
    assert documents.locations_in_permissions_policy(merged)[0] == {LOCATION, other}
