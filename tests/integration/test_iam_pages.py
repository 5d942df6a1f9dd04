"""
Every IAM list the provider acts on is read to its last page.

IAM may answer fewer items than ``MaxItems`` "even when there are more results available" (IAM API
Reference, ``IsTruncated`` of "ListRolePolicies", "ListAttachedRolePolicies", "ListPolicyVersions",
"ListRoleTags", "ListPolicyTags"); moto never does. Here the stand-in answers one item a page
(:func:`devstack.aws_pages.short_pages`), so an item past the first page is one a single call misses.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.aws_pages import short_pages
from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import provision_partner
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, revoker, role_exists
from tests.integration.test_scale import FULL, SPILL_2, SPILL_ARN, attach, fill_inline, granted, partners
from tests.integration.test_spill_isolation import (
    LEGACY_ARN,
    legacy_policy,
    managed_document,
)
from tests.integration.test_spill_isolation import partners as destination_roles
from tests.integration.test_spill_isolation import revoke as isolation_revoke

EXTRA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}],
}


def test_the_stand_in_cuts_iam_lists_short_and_continues_from_the_marker(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(RoleName="paged", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    for name in ("a", "b", "c"):
        iam.put_role_policy(RoleName="paged", PolicyName=name, PolicyDocument=json.dumps(EXTRA))

    with short_pages(1):
        first = iam.list_role_policies(RoleName="paged")
        pages = list(iam.get_paginator("list_role_policies").paginate(RoleName="paged"))

    assert first["PolicyNames"] == ["a"]
    assert first["IsTruncated"]
    assert [name for page in pages for name in page["PolicyNames"]] == ["a", "b", "c"]
    assert iam.list_role_policies(RoleName="paged")["PolicyNames"] == ["a", "b", "c"]  # off again


def test_delete_destination_role_sees_a_foreign_policy_past_the_first_page(aws: Seeded) -> None:
    """
    IAM refuses DeleteRole while the role has inline policies (IAM API Reference, "DeleteRole": "you must
    delete the items attached to the role manually"); a foreign one missed would leave the role half revoked.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName="zz-added-by-the-partner", PolicyDocument=json.dumps(EXTRA))

    with short_pages(1), pytest.raises(ConflictError, match="zz-added-by-the-partner"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert role_exists(aws, PARTNER_1)
    assert sorted(iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"]) == [
        documents.DESTINATION_POLICY_NAME,
        "zz-added-by-the-partner",
    ]


def test_a_grant_into_a_spill_policy_at_five_versions_counts_every_version(aws: Seeded) -> None:
    """
    "If the policy has five versions, you must delete an existing version using DeletePolicyVersion before
    you create a new version" (IAM API Reference, "CreatePolicyVersion"): counted on one page, five looks like one.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    first, second = partners(FULL, 2)
    run_operator(attach(destination_role_arns=[first]))
    for _ in range(4):
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([first])), SetAsDefault=True
        )

    with short_pages(1):
        run_operator(attach(destination_role_arns=[second]))

    assert {first, second} <= granted(iam)[SPILL_2]
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) == 5


def test_a_revoke_deletes_an_emptied_spill_policy_with_versions_past_the_first_page(aws: Seeded) -> None:
    """DeletePolicy needs every non-default version deleted first (IAM API Reference, "DeletePolicy")."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    spilled = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-spilled"
    run_operator(attach(destination_role_arns=[spilled]))
    for _ in range(3):
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([spilled])), SetAsDefault=True
        )

    with short_pages(1):
        run_operator(revoker(aws, PARTNER_1, destination_role_arn=spilled))

    assert SPILL_2 not in granted(iam)
    assert SPILL_2 not in [policy["PolicyName"] for policy in iam.list_policies(Scope="Local")["Policies"]]


def test_a_spill_policy_attached_to_a_user_past_the_first_page_is_refused(aws: Seeded) -> None:
    """
    ``ListEntitiesForPolicy`` pages its roles, users and groups together (IAM API Reference,
    "ListEntitiesForPolicy", ``IsTruncated``; the stand-in lists roles first): a user past the first page
    still shares the policy.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    legacy_policy(iam, destination_roles(FULL, 5), EMR_EC2_ROLE)
    iam.create_user(UserName="analyst")
    iam.attach_user_policy(UserName="analyst", PolicyArn=LEGACY_ARN)

    with short_pages(1):
        first = iam.list_entities_for_policy(PolicyArn=LEGACY_ARN)
        with pytest.raises(ConflictError, match="user analyst"):
            run_operator(attach(destination_role_arns=destination_roles(FULL + 5, 5)))

    assert [role["RoleName"] for role in first["PolicyRoles"]] == [EMR_EC2_ROLE]
    assert first["PolicyUsers"] == []
    assert spill.held(managed_document(iam, LEGACY_ARN)) == set(destination_roles(FULL, 5))


def test_a_revoke_finds_a_detached_spill_policy_past_the_first_page(aws: Seeded) -> None:
    """
    A revoke killed after ``DetachRolePolicy`` leaves the role's spill policy detached, still granting; the
    retry finds it with ``ListPolicies`` (IAM API Reference, "ListPolicies", ``IsTruncated``) and empties it.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.create_policy(  # an earlier policy under the provider's path, not this role's
        PolicyName="aaa-not-a-spill-policy", Path=spill.SPILL_PATH, PolicyDocument=json.dumps(EXTRA)
    )
    fill_inline(iam, FULL)
    victim = destination_roles(0, 1)[0]
    run_operator(attach(destination_role_arns=[victim]))
    iam.detach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)  # where the killed revoke stopped

    with short_pages(1):
        first = iam.list_policies(Scope="Local", PathPrefix=spill.SPILL_PATH)
        run_operator(isolation_revoke(victim))

    assert [policy["PolicyName"] for policy in first["Policies"]] == ["aaa-not-a-spill-policy"]
    remaining = [policy["Arn"] for policy in iam.list_policies(Scope="Local", PathPrefix=spill.SPILL_PATH)["Policies"]]
    assert SPILL_ARN not in remaining or victim not in spill.held(managed_document(iam, SPILL_ARN))
