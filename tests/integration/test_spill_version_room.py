"""
Which version a write deletes from a spill policy at IAM's five versions: the oldest non-default one.

Against the two-account moto server. "A managed policy can have up to five versions. If the policy has five
versions, you must delete an existing version using DeletePolicyVersion before you create a new version" (IAM API
Reference, "CreatePolicyVersion"). Which one is the provider's choice (docs/scale.md, docs/concepts.md: the oldest
non-default version, by ``CreateDate``): the newer versions are the rollback points an operator reaches for first
(IAM User Guide, "Versioning IAM policies": "you can roll back to a previous version of the managed policy by setting
the previous version as the default version"; "Roll back an IAM policy version using an AWS SDK" sorts the versions
by ``create_date`` and takes the one before the default). A grant and a revoke that narrows the policy both make
their new version after making that room (``_converge_spill_policy``).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import documents
from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from tests.conftest import CallRecorder, run_operator
from tests.integration.test_scale import FULL, SPILL_ARN, attach, fill_inline
from tests.integration.test_spill_isolation import assumable, partners, revoke

#: Versions v1 (the policy's creation) to v5, v5 the default.
FIVE = ["v1", "v2", "v3", "v4", "v5"]


def versions(iam: Any) -> dict[str, Any]:
    """The spill policy's versions: ``VersionId`` to ``(CreateDate, IsDefaultVersion)``."""
    listed = iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]
    return {v["VersionId"]: (v["CreateDate"], v["IsDefaultVersion"]) for v in listed}


def five_versions(iam: Any, held: list[str]) -> None:
    """
    Bring the spill policy (v1, holding ``held``) to five versions, each made later than the one before.

    The pause keeps the ``CreateDate``s apart, so the order the provider sorts by is the order they were made in
    (with equal dates a sort keeps the listing's order, and deleting the newest could not be told from the oldest).
    """
    for _ in range(4):
        time.sleep(0.01)
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy(held)), SetAsDefault=True
        )
    made = versions(iam)
    assert sorted(made) == FIVE
    dates = [made[version][0] for version in FIVE]
    assert all(earlier < later for earlier, later in itertools.pairwise(dates)), dates  # CreateDate tells them apart
    assert [version for version in FIVE if made[version][1]] == ["v5"]


def deleted_versions(calls: CallRecorder) -> list[str]:
    """The ``VersionId`` of each ``DeletePolicyVersion`` sent."""
    pairs = zip(calls.every, calls.params, strict=True)
    return [params["VersionId"] for (_, operation), params in pairs if operation == "DeletePolicyVersion"]


def assert_oldest_non_default_deleted(iam: Any, calls: CallRecorder) -> None:
    """v1 alone was deleted; v2 to v5 (v5 the default replaced, v4 the one before) are kept; v6 is the default."""
    assert deleted_versions(calls) == ["v1"]
    left = versions(iam)
    assert sorted(left) == ["v2", "v3", "v4", "v5", "v6"], left
    assert [version for version, (_, default) in left.items() if default] == ["v6"]


@pytest.mark.parametrize("default", ["v5", "v3"])
def test_a_grant_at_five_versions_deletes_the_oldest_non_default_version(aws: Seeded, default: str) -> None:
    """
    A grant into a spill policy at five versions deletes v1, keeping the newer rollback points.

    With ``v3`` the default (rolled back by an operator, IAM API Reference, "SetDefaultPolicyVersion"), v4 and v5
    are newer non-default versions: still v1 goes, the oldest by ``CreateDate``, not the newest.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    first, second = partners(0, 2)
    run_operator(attach(destination_role_arns=[first]))
    five_versions(iam, [first])
    iam.set_default_policy_version(PolicyArn=SPILL_ARN, VersionId=default)

    with CallRecorder().everywhere() as calls:
        run_operator(attach(destination_role_arns=[second]))

    assert_oldest_non_default_deleted(iam, calls)
    assert {first, second} <= assumable(iam, EMR_EC2_ROLE)


def test_a_revoke_narrowing_a_spill_policy_at_five_versions_deletes_the_oldest_non_default_version(
    aws: Seeded,
) -> None:
    """A revoke that leaves partners in the spill policy writes a new version too, making room the same way."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    kept, revoked = partners(0, 2)
    run_operator(attach(destination_role_arns=[kept, revoked]))
    five_versions(iam, [kept, revoked])

    with CallRecorder().everywhere() as calls:
        run_operator(revoke(revoked))

    assert_oldest_non_default_deleted(iam, calls)
    assert kept in assumable(iam, EMR_EC2_ROLE)
    assert revoked not in assumable(iam, EMR_EC2_ROLE)
