"""
A refused deletion of the destination role that comes before any of its inline policies was deleted says nothing of
deleted inline policies.

IAM API Reference, "DeleteRole" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html): a role in
an instance profile cannot be deleted ("remove the following attributes from the role: ... Instance profile
(RemoveRoleFromInstanceProfile)"); the provider refuses such a role before it deletes anything. Only a failure after
the inline policies' ``DeleteRolePolicy`` says "The role is kept, without the provider's inline policy (...)"
(``RevokePartnerAccessOperator._delete_role``, OX232).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import DESTINATION_ACCOUNT, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import provision_partner
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, revoker, role_exists

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded


def test_a_deletion_refused_before_any_inline_delete_does_not_say_the_role_is_kept_without_one(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_instance_profile(InstanceProfileName="partner-batch")
    iam.add_role_to_instance_profile(InstanceProfileName="partner-batch", RoleName=PARTNER_1)

    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(ConflictError, match="instance profile partner-batch") as refused,
    ):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)
    assert iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"] == [DESTINATION_POLICY_NAME]
    assert "kept, without" not in str(refused.value), refused.value
    assert "already deleted" not in str(refused.value)
