"""
The names the stand-in's judge (``devstack/aws_judge.py``) tries for a role session whose name it does not know:
EMRFS's (its ``RoleSessionName`` is not documented: IAM User Guide, "Available keys for AWS STS" documents the key,
not EMRFS's value) and the instance profile's, named by the id of the instance that sends the request (IAM User Guide,
"IAM policy elements: Variables and tags": ``aws:userid`` ``role-id:ec2-instance-id``; Amazon EC2 User Guide,
"Resource IDs").
"""

from __future__ import annotations

import re
from typing import Any

from devstack.aws_judge import (
    ANY_SESSION_NAME,
    INSTANCE_ID,
    Principal,
    authorize,
    session_name_patterns,
    session_names,
)

ROLE = "arn:aws:iam::222222222222:role/partner-b-writer"
WRITER = Principal(ROLE, role_id="AROAPARTNERB")


def statement(**element: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", **element}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_the_names_a_policy_gives_a_session_of_the_role_are_read() -> None:
    named = policy(
        statement(Principal={"AWS": ["arn:aws:sts::222222222222:assumed-role/partner-b-writer/emrfs", "111111111111"]}),
        statement(NotPrincipal={"AWS": "arn:aws:sts::222222222222:assumed-role/PARTNER-B-WRITER/nightly"}),
        statement(Principal={"AWS": "arn:aws:sts::222222222222:assumed-role/another-role/elsewhere"}),
        statement(Principal="*", Condition={"StringLike": {"aws:userid": ["AROAPARTNERB:job-*", "AROAOTHER:no"]}}),
        statement(Principal="*", Condition={"StringEquals": {"sts:RoleSessionName": "asked"}}),
    )

    assert session_name_patterns([named], WRITER) == {"emrfs", "nightly", "job-*"}
    assert session_name_patterns([named], requested=True) == {"asked"}
    assert session_name_patterns([None, policy(statement(Principal="*"))], WRITER) == set()


def test_one_name_for_each_pattern_and_one_no_pattern_names() -> None:
    names = session_names({"emrfs", "job-*", "x"}, ANY_SESSION_NAME)

    assert names[0] not in ("emrfs", "x")
    assert not names[0].startswith("job-")
    assert "emrfs" in names
    assert any(name.startswith("job-") for name in names)
    assert "x" not in names  # one character: no session is named so (2 to 64 characters)
    assert all(re.fullmatch(ANY_SESSION_NAME, name) for name in names)
    assert session_names((), ANY_SESSION_NAME) == session_names([], ANY_SESSION_NAME)


def test_an_instance_profiles_session_is_named_by_an_instance_id() -> None:
    names = session_names({"i-0123*", "emr-instance-profile", "i-0123456789abcdef0"}, INSTANCE_ID)

    assert all(re.fullmatch(INSTANCE_ID, name) for name in names)
    assert "emr-instance-profile" not in names
    assert "i-0123456789abcdef0" in names
    assert not names[0].startswith("i-0123")
    assert len(names) == 3  # none of them, one of i-0123*, the one named


def test_every_name_tried_is_judged_and_tells_the_deny_apart() -> None:
    """A Deny naming one session of the role denies that name only: the decision depends on the name."""
    allow_all = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    bucket = policy(
        statement(Principal={"AWS": "arn:aws:sts::222222222222:assumed-role/partner-b-writer/emrfs"}),
        {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"},
    )
    writer = Principal(ROLE, role_id="AROAPARTNERB", policies=(("all", allow_all),))
    decided = {
        name: authorize(
            Principal(ROLE, "AROAPARTNERB", writer.policies, session=name),
            "s3:PutObject",
            "arn:aws:s3:::b/k",
            resource_policy=bucket,
            resource_owner="222222222222",
        ).allowed
        for name in session_names(session_name_patterns([bucket], writer), ANY_SESSION_NAME)
    }

    assert decided["emrfs"] is False
    assert set(decided.values()) == {False, True}
