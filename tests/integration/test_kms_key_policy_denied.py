"""
A denied ``kms:GetKeyPolicy`` is a denial (AWS KMS API Reference, "Common Errors": ``AccessDeniedException``, "You do
not have sufficient access to perform this action"), not a missing key: the operators that read a key policy fail
with an ``AccessDeniedError`` that names ``key_arn`` and keeps the task's retries (a grant may be in effect soon).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID
from devstack.testing import run_operator
from tests.conftest import use_connections
from tests.integration.test_kms_key_users import PARTNER_A_ROLE, create_roles, make_operator

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

DENIED = (400, "AccessDeniedException", "User is not authorized to perform: kms:GetKeyPolicy")


def test_a_grant_whose_key_policy_read_is_denied_fails_as_a_denial_naming_key_arn(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_roles(aws, "partner-a-writer")
    with FaultProxy(aws.url, intercept=lambda operation: DENIED if operation == "GetKeyPolicy" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        with pytest.raises(AccessDeniedError) as caught:
            run_operator(make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE]))

    assert proxy.requests["PutKeyPolicy"] == 0
    error = caught.value
    assert error.field == "key_arn"  # type: ignore[attr-defined]
    assert str(error).startswith(
        f"key_arn: kms:GetKeyPolicy on KeyId={aws.kms_key_arn} was denied in account {DESTINATION_ACCOUNT} "
        f"(connection {DESTINATION_CONN_ID!r}): User is not authorized to perform: kms:GetKeyPolicy. Grant "
        "kms:GetKeyPolicy"
    ), error
    assert error.retriable
    assert not isinstance(error, AirflowFailException)  # the task keeps its retries
