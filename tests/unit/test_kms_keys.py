"""pure/kms_keys.py: whether S3 can encrypt with a key as DescribeKey describes it, and whether a grant is refused."""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.kms_keys import key_problem

SYMMETRIC = {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}


@pytest.mark.parametrize("state", ["Enabled", "Updating"])
def test_a_symmetric_key_in_a_usable_state_has_no_problem(state: str) -> None:
    assert key_problem({**SYMMETRIC, "KeyState": state}) is None


def test_fields_not_described_are_not_judged() -> None:
    assert key_problem({}) is None


@pytest.mark.parametrize(
    "kind",
    [
        {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"},
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "GENERATE_VERIFY_MAC"},
        {"CustomerMasterKeySpec": "RSA_4096"},  # the older field DescribeKey still returns
    ],
)
def test_a_key_of_another_kind_is_refused_whatever_its_state(kind: dict[str, str]) -> None:
    problem = key_problem({**kind, "KeyState": "Enabled"})
    assert problem is not None
    assert problem.refuse
    assert "SYMMETRIC_DEFAULT" in problem.fix


@pytest.mark.parametrize("state", ["PendingDeletion", "PendingReplicaDeletion"])
def test_a_key_scheduled_for_deletion_is_refused_with_the_way_back(state: str) -> None:
    problem = key_problem({**SYMMETRIC, "KeyState": state})
    assert problem is not None
    assert problem.refuse
    assert problem.fix.startswith("cancel the key's deletion (kms:CancelKeyDeletion")


@pytest.mark.parametrize(
    ("state", "fix"),
    [
        ("Disabled", "enable the key (kms:EnableKey)"),
        ("PendingImport", "import the key's material again"),
        ("Unavailable", "connect the key's custom key store"),
        ("Creating", "the key must be Enabled"),
    ],
)
def test_a_key_someone_can_make_usable_is_a_warning_not_a_refusal(state: str, fix: str) -> None:
    problem = key_problem({**SYMMETRIC, "KeyState": state})
    assert problem is not None
    assert not problem.refuse
    assert problem.problem.startswith(f"is {state}: ")
    assert problem.fix.startswith(fix)
