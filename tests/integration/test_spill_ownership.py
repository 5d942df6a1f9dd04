"""
A managed policy that has a spill policy's name but not the provider's tag is never written, attached nor deleted.

Against the two-account moto server. The provider's spill policies are created with its tag (``CreatePolicy``
``Tags``; read back with ``ListPolicyTags``, IAM API Reference). A policy of the same name that a person or
another tool made holds statements the provider did not write and may be attached to other principals; a new
version replaces what it grants to all of them (IAM API Reference, "CreatePolicyVersion": "The default version
is the version that is in effect for the IAM users, groups, and roles to which the policy is attached"). The
grant and the revoke refuse it, naming the policy ARN and the remedy, before any write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import MANAGED_BY_TAG
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from tests.conftest import CallRecorder
from tests.integration.test_scale import FULL, SPILL_2, SPILL_ARN, attach, fill_inline
from tests.integration.test_spill_isolation import (
    ROLE_B,
    attached_to,
    create_role_b,
    managed_document,
    partners,
    revoke,
)

#: What the person wrote into the policy: not the provider's, and it must survive every run.
THEIRS = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::their-bucket/*"}


def hand_made(iam: Any, arns: list[str], *, tags: list[Any] | None = None) -> dict[str, Any]:
    """The spill policy's name, made by hand: the provider's statement for ``arns`` (if any) and someone else's."""
    statements = [*documents.assume_role_policy(arns)["Statement"], THEIRS] if arns else [THEIRS]
    document = {"Version": "2012-10-17", "Statement": statements}
    extra = {"Tags": tags} if tags else {}
    iam.create_policy(PolicyName=SPILL_2, Path="/emrfs-xacct/", PolicyDocument=json.dumps(document), **extra)
    return document


def refused(operator: Any) -> str:
    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(ConflictError) as error:
        operator.execute({"ti": None})
    assert recorder.mutating == []  # before any write: the inline policy too
    return str(error.value)


def versions(iam: Any) -> list[str]:
    return [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]]


@pytest.mark.parametrize("elsewhere", [False, True], ids=["attached-to-nothing", "attached-to-another-role"])
def test_a_grant_past_the_wall_refuses_an_untagged_policy_of_the_spill_name(aws: Seeded, elsewhere: bool) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    inline_arns = fill_inline(iam, FULL)
    document = hand_made(iam, [])
    if elsewhere:
        create_role_b(iam)
        iam.attach_role_policy(RoleName=ROLE_B, PolicyArn=SPILL_ARN)

    message = refused(attach(destination_role_arns=[*inline_arns, *partners(FULL, 5)]))

    assert SPILL_ARN in message
    assert f"{MANAGED_BY_TAG['Key']}={MANAGED_BY_TAG['Value']}" in message or f"role {ROLE_B}" in message
    assert managed_document(iam, SPILL_ARN) == document
    assert versions(iam) == ["v1"]
    assert attached_to(iam, SPILL_ARN) == ([ROLE_B] if elsewhere else [])


def test_the_refusal_names_the_policy_and_the_remedy(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    hand_made(iam, [])

    message = refused(attach(destination_role_arns=partners(FULL, 5)))

    assert SPILL_ARN in message
    assert MANAGED_BY_TAG["Key"] in message
    assert "rename or delete it" in message
    assert "tag it" in message


@pytest.mark.parametrize("elsewhere", [False, True], ids=["untagged", "tagged-attached-to-another-role"])
def test_under_partner_access_the_refusal_names_the_argument_the_dag_author_wrote(aws: Seeded, elsewhere: bool) -> None:
    """
    ``partner_access`` gives the grant's task ``argument_names`` (``emr_ec2_role_name`` from ``emr_ec2_role_arn``):
    the spill policy's refusal names that argument, as every refusal of a field does (``name_the_argument``). It
    started with a hard-coded "emr_ec2_role_name:" and carried no field, so it named an argument the author never wrote.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    hand_made(iam, [], tags=[MANAGED_BY_TAG] if elsewhere else None)
    if elsewhere:
        create_role_b(iam)
        iam.attach_role_policy(RoleName=ROLE_B, PolicyArn=SPILL_ARN)
    operator = attach(destination_role_arns=partners(FULL, 5))
    operator.argument_names = {"emr_ec2_role_name": "partner_access(emr_ec2_role_arn=...)"}

    message = refused(operator)

    assert message.startswith(f"partner_access(emr_ec2_role_arn=...): managed policy {SPILL_ARN} "), message
    assert "emr_ec2_role_name" not in message
    assert f"role {ROLE_B}" in message if elsewhere else MANAGED_BY_TAG["Key"] in message


def test_an_untagged_policy_already_holding_the_grants_is_not_attached(aws: Seeded) -> None:
    """No version to write: the grant would only attach it, granting the role what else it holds."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    document = hand_made(iam, partners(FULL, 5))

    assert SPILL_ARN in refused(attach(destination_role_arns=partners(FULL, 5)))
    assert attached_to(iam, SPILL_ARN) == []
    assert managed_document(iam, SPILL_ARN) == document


def test_an_untagged_policy_attached_to_the_role_is_neither_grown_nor_shrunk(aws: Seeded) -> None:
    """Attached by hand to the EMR EC2 role: the grant does not write into it, the revoke does not shrink it."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    document = hand_made(iam, partners(FULL, 5))
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)

    for operator in (attach(destination_role_arns=partners(FULL + 5, 5)), revoke(partners(FULL, 1)[0])):
        assert SPILL_ARN in refused(operator)
    assert managed_document(iam, SPILL_ARN) == document
    assert versions(iam) == ["v1"]
    assert attached_to(iam, SPILL_ARN) == [EMR_EC2_ROLE]


def test_a_revoke_does_not_shrink_a_detached_untagged_policy_of_the_role_s_spill_name(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = hand_made(iam, partners(FULL, 5))

    assert SPILL_ARN in refused(revoke(partners(FULL, 1)[0]))
    assert managed_document(iam, SPILL_ARN) == document


def test_the_provider_s_tagged_policy_attached_to_a_user_too_is_refused(aws: Seeded) -> None:
    """Tagged, but attached to a user as well: a new version would grant the user too (ListEntitiesForPolicy)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    hand_made(iam, partners(FULL, 5), tags=[MANAGED_BY_TAG])
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)
    iam.create_user(UserName="someone")
    iam.attach_user_policy(UserName="someone", PolicyArn=SPILL_ARN)

    for operator in (attach(destination_role_arns=partners(FULL + 5, 5)), revoke(partners(FULL, 1)[0])):
        message = refused(operator)
        assert SPILL_ARN in message
        assert "user someone" in message
    assert versions(iam) == ["v1"]


def test_the_provider_s_own_tagged_policy_still_converges(aws: Seeded) -> None:
    """The check refuses only what is not the provider's: its own spill policy grows and shrinks as before."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    hand_made(iam, partners(FULL, 5), tags=[MANAGED_BY_TAG])
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)

    attach(destination_role_arns=partners(FULL + 5, 5)).execute({"ti": None})
    revoke(partners(FULL, 1)[0]).execute({"ti": None})

    statements = managed_document(iam, SPILL_ARN)["Statement"]
    assert THEIRS in statements
    assert attached_to(iam, SPILL_ARN) == [EMR_EC2_ROLE]


def test_an_untagged_policy_made_after_the_check_is_refused_at_the_write(aws: Seeded) -> None:
    """
    Missing at the check before the writes (``ListPolicyTags`` answers ``NoSuchEntity``: to be created), then made
    by hand before the write: the write's preparation checks it again and refuses it (safety.md: "Checked again when
    the write finds a policy that was missing at the check"), writing no version into it and not attaching it.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    operator = attach(destination_role_arns=partners(FULL, 5))
    asked: list[str] = []
    made: list[dict[str, Any]] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        asked.append(params.get("PolicyArn", ""))

    def make_it_meanwhile(parsed: dict[str, Any], **_: Any) -> None:
        missing = parsed.get("Error", {}).get("Code") == "NoSuchEntity"
        if asked[-1] == SPILL_ARN and missing and not made:
            made.append(hand_made(iam, []))

    operator.hook.conn.meta.events.register("before-parameter-build.iam.ListPolicyTags", note)
    operator.hook.conn.meta.events.register("after-call.iam.ListPolicyTags", make_it_meanwhile)

    with pytest.raises(ConflictError) as error:
        operator.execute({"ti": None})

    assert made, "the check never looked for the spill policy"
    assert SPILL_ARN in str(error.value)
    assert MANAGED_BY_TAG["Key"] in str(error.value)
    assert managed_document(iam, SPILL_ARN) == made[0]
    assert versions(iam) == ["v1"]
    assert attached_to(iam, SPILL_ARN) == []
