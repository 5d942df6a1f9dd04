"""
An action taken out of a provider statement by hand is written back by the next run, shown in its plan, while a
``Deny`` someone adds beside the statement stays as it was (docs/safety.md: "To restrict the access, add a ``Deny``
statement of your own"; an explicit deny overrides the allow: IAM User Guide, "Policy evaluation logic").
"""

from __future__ import annotations

import json

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client
from devstack.testing import run_operator
from tests.integration.test_kms_key_users import (
    KEY_USER_ACTIONS,
    PARTNER_A_ROLE,
    SID,
    create_roles,
    key_policy,
    make_operator,
)

NO_DECRYPT = {
    "Sid": "PartnerNoDecrypt",
    "Effect": "Deny",
    "Principal": {"AWS": PARTNER_A_ROLE},
    "Action": "kms:Decrypt",
    "Resource": "*",
}


def test_an_action_taken_out_by_hand_is_written_back_and_a_deny_beside_the_statement_stays(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer")
    run_operator(make_operator(aws.kms_key_arn))
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    narrowed = key_policy(kms, aws.kms_key_arn)
    [ours] = [statement for statement in narrowed["Statement"] if statement.get("Sid") == SID]
    ours["Action"] = ["kms:Encrypt", "kms:DescribeKey"]
    narrowed["Statement"].append(NO_DECRYPT)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(narrowed))

    _, recorder, ti = run_operator(make_operator(aws.kms_key_arn))

    assert recorder.mutating == ["PutKeyPolicy"]
    [change] = ti.xcoms["plan"]
    assert change["before"] == narrowed  # the plan shows what the run put back
    after = key_policy(kms, aws.kms_key_arn)
    assert change["after"] == after
    [restored] = [statement for statement in after["Statement"] if statement.get("Sid") == SID]
    assert set(restored["Action"]) == KEY_USER_ACTIONS
    assert NO_DECRYPT in after["Statement"]  # the restriction someone added stays, exactly
    assert [statement for statement in after["Statement"] if statement.get("Sid") != SID] == [
        statement for statement in narrowed["Statement"] if statement.get("Sid") != SID
    ]
