"""
Revoke, a statement of someone's that trusts the EMR EC2 role, then EnsureDestinationRoleOperator: the Deny goes.

docs/howto/revoke.md: a revoke that takes the last role out of the trust policy's only statement writes a Deny of
``sts:AssumeRole`` for everyone in its place, and the next EnsureDestinationRoleOperator for the role writes the
normal statement there. With a statement added by hand since that already trusts the EMR EC2 role, the grant has
no principal to add: it refused the Deny ("Effect 'Deny'") and the Deny stayed, overriding that statement's Allow
(IAM User Guide, "The difference between explicit and implicit denies").
"""

from __future__ import annotations

import json

from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import ensure_destination_role, provision_partner
from tests.integration.test_revoke import (
    PARTNER_1,
    PREFIX_1,
    allow_assuming_any_role,
    may_assume,
    revoker,
    trust_policy,
)


def test_the_grant_after_a_revoke_removes_its_deny_beside_a_statement_trusting_the_role(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    run_operator(revoker(aws, PARTNER_1))
    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}
    mine = {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": aws.emr_ec2_role_arn}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT, mine]}
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps(trust)
    )
    assert not may_assume(aws, PARTNER_1).allowed  # the Deny overrides the Allow

    with CallRecorder().everywhere() as calls:
        ensure_destination_role(aws, PARTNER_1, PREFIX_1)  # before: ConflictError "has Effect 'Deny'"

    assert calls.mutating == ["UpdateAssumeRolePolicy"]
    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [mine]}  # theirs, as written
    decision = may_assume(aws, PARTNER_1)
    assert decision.allowed, decision.reason
    with CallRecorder().everywhere() as calls:
        ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    assert calls.mutating == []
