"""
How the API-economy benchmark tells reads apart (``benchmarks/api_economy/measuring.py``, ``checks.py``).

Not marked ``perf``: these need no moto server and run in ``make test``, so a checker that stops seeing a repeated read,
or that sees one where two different lists of a role are read, fails there before ``make bench`` runs.
"""

from __future__ import annotations

from typing import Any

from benchmarks.api_economy.checks import beyond_minimum, unexplained_calls
from benchmarks.api_economy.measuring import Call, Figures, RunResult, call_of, classify_reads

ROLE = "EMR_EC2_DefaultRole"


def iam(operation: str, **params: Any) -> Call:
    return call_of("iam", operation, {"RoleName": ROLE, **params})


def test_a_role_and_each_of_its_lists_are_resources_of_their_own() -> None:
    """``GetRole``, ``ListRolePolicies``, ``ListAttachedRolePolicies``, ``ListInstanceProfilesForRole``: four first reads."""
    chain = [
        iam("GetRole"),
        iam("ListRolePolicies"),
        iam("ListAttachedRolePolicies"),
        iam("ListInstanceProfilesForRole"),
        iam("GetRolePolicy", PolicyName="grants"),
    ]

    assert classify_reads([chain]) == {"first": 5}


def test_a_list_read_again_with_no_write_between_is_a_repeated_read() -> None:
    for operation in ("GetRole", "ListRolePolicies", "ListAttachedRolePolicies", "ListInstanceProfilesForRole"):
        chain = [iam(operation), iam("GetRolePolicy", PolicyName="grants"), iam(operation)]

        assert classify_reads([chain]) == {"first": 2, "repeated": 1}, operation


def test_a_list_read_after_a_write_that_changes_it_is_a_read_back() -> None:
    """An inline policy put or deleted changes the role's inline policy names; an attach changes its managed ones."""
    for before, write, after in (
        (iam("ListRolePolicies"), iam("PutRolePolicy", PolicyName="grants"), iam("ListRolePolicies")),
        (iam("ListRolePolicies"), iam("DeleteRolePolicy", PolicyName="grants"), iam("ListRolePolicies")),
        (
            iam("ListAttachedRolePolicies"),
            iam("AttachRolePolicy", PolicyArn="arn:aws:iam::111111111111:policy/spill"),
            iam("ListAttachedRolePolicies"),
        ),
    ):
        assert classify_reads([[before, write, after]]) == {"first": 1, "read-back": 1}, write.operation


def figures(provider: list[Call], baseline: list[Call]) -> Figures:
    """One partner's first run and steady state, the steady state being the baseline's reads for both."""
    steady = [call for call in baseline if call.is_read]

    def result(name: str, first: list[Call]) -> RunResult:
        return RunResult(name, [], 0.0, chains={"first": [first], "steady": [steady]})

    return Figures(1, result("provider", provider), result("baseline", baseline), {}, {}, {}, {})


#: The minimum of one partner's first run (docs/performance.md): 5 mutating calls, 5 reads.
MINIMUM = [
    call_of("iam", "GetRole", {"RoleName": "partner-writer"}),
    call_of("iam", "CreateRole", {"RoleName": "partner-writer"}),
    call_of("iam", "GetRolePolicy", {"RoleName": "partner-writer", "PolicyName": "access"}),
    call_of("iam", "PutRolePolicy", {"RoleName": "partner-writer", "PolicyName": "access"}),
    iam("GetRolePolicy", PolicyName="grants"),
    iam("PutRolePolicy", PolicyName="grants"),
    call_of("kms", "GetKeyPolicy", {"KeyId": "key"}),
    call_of("kms", "PutKeyPolicy", {"KeyId": "key"}),
    call_of("emr", "DescribeSecurityConfiguration", {"Name": "config"}),
    call_of("emr", "CreateSecurityConfiguration", {"Name": "config"}),
]


def test_the_quota_reads_before_a_grant_pass_the_checks_and_a_repeated_one_does_not() -> None:
    """
    The EMR role's attached and inline policies read before its grant are explained quota reads; the same list read
    twice with no write between is still caught.
    """
    quota_reads = [iam("ListAttachedRolePolicies"), iam("ListRolePolicies")]
    grant = MINIMUM.index(iam("PutRolePolicy", PolicyName="grants"))
    provider = [*MINIMUM[:grant], *quota_reads, *MINIMUM[grant:]]

    assert beyond_minimum([figures(provider, MINIMUM)]) == []
    assert unexplained_calls([figures(provider, MINIMUM)]) == []

    repeated = [*MINIMUM[:grant], *quota_reads, iam("ListRolePolicies"), *MINIMUM[grant:]]
    assert beyond_minimum([figures(repeated, MINIMUM)]) == ["N=1 first: 1 reads repeat a read with no write between"]
