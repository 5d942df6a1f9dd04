"""
Each round's accounts: reset and seeded, with twins of the shared resources for the baseline; and the end-state check.

The contenders touch disjoint resources of the same shape (their own shared role policy, key policy,
destination roles and configurations), so their chains can alternate one by one and a burst of load
on the machine falls on both alike: alternating whole runs instead (with a reset between them) gave
per-round ratios from 1.27 to 1.93 for one and the same code on a loaded two-core machine; chain by
chain, 1.33 to 1.52.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import requests

from benchmarks.api_economy.contenders import (
    ASSUME_POLICY,
    ASSUME_SID,
    DESTINATION_POLICY,
    KEY_USERS_SID,
    TRUST_SID,
    MinimalBoto3,
    as_list,
    emr_role_name,
    find_sid,
)
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, account_session, seed

if TYPE_CHECKING:
    from benchmarks.api_economy.scenario import Partner

#: The baseline's twin of ``EMR_EC2_DefaultRole`` (same trust and inline policy), in the same account.
BASELINE_EMR_ROLE = "EMR_EC2_BaselineRole"


@dataclass(frozen=True)
class Accounts:
    """What each contender starts from: the seeded EMR EC2 role and key, and the baseline's twins."""

    provider: Seeded
    baseline: Seeded


def fresh_accounts(url: str) -> Accounts:
    """Reset moto and seed both accounts; give the baseline a twin of the EMR EC2 role and of the key."""
    requests.post(f"{url}/moto-api/reset", timeout=30).raise_for_status()
    seeded = seed(url)
    iam_a = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    role = iam_a.get_role(RoleName=EMR_EC2_ROLE)["Role"]
    twin = iam_a.create_role(
        RoleName=BASELINE_EMR_ROLE, AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
    )["Role"]
    for name in iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]:
        document = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
        iam_a.put_role_policy(RoleName=BASELINE_EMR_ROLE, PolicyName=name, PolicyDocument=json.dumps(document))
    kms_b = account_session(url, DESTINATION_ACCOUNT).client("kms", endpoint_url=url)
    key = kms_b.create_key(Description="partner results bucket key", Policy=json.dumps(seeded.key_policy))
    return Accounts(
        provider=seeded,
        baseline=replace(seeded, emr_ec2_role_arn=twin["Arn"], kms_key_arn=key["KeyMetadata"]["Arn"]),
    )


def _principals(document: dict[str, Any], sid: str) -> list[Any]:
    return as_list(((find_sid(document, sid) or {}).get("Principal") or {}).get("AWS"))


def check_end_state(url: str, seeded: Seeded, partners: list[Partner], names: list[str]) -> list[str]:
    """Read back (unrecorded) that every partner is provisioned and the seeded key statements survived."""
    iam_a = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    kms_b = account_session(url, DESTINATION_ACCOUNT).client("kms", endpoint_url=url)
    problems: list[str] = []
    assume = MinimalBoto3.get_role_policy(iam_a, emr_role_name(seeded), ASSUME_POLICY) or {}
    assumable = set(as_list((find_sid(assume, ASSUME_SID) or {}).get("Resource")))
    key_policy = json.loads(kms_b.get_key_policy(KeyId=seeded.kms_key_arn, PolicyName="default")["Policy"])
    key_users = set(_principals(key_policy, KEY_USERS_SID))
    for what, holders in (("roles the EMR EC2 role may assume", assumable), ("key users", key_users)):
        if holders != {partner.role_arn for partner in partners}:
            problems.append(f"{what}: {len(holders)}, not the {len(partners)} partners' roles")
    problems += [
        f"seeded key statement {statement['Sid']!r} was changed or dropped"
        for statement in seeded.key_policy["Statement"]
        if statement not in key_policy["Statement"]
    ]
    iam_b = account_session(url, DESTINATION_ACCOUNT).client("iam", endpoint_url=url)
    emr_a = account_session(url, EMR_ACCOUNT).client("emr", endpoint_url=url)
    for partner, name in zip(partners, names, strict=True):
        problems += _partner_problems(iam_b, emr_a, seeded, partner, name)
    return problems


def _partner_problems(iam_b: Any, emr_a: Any, seeded: Seeded, partner: Partner, name: str) -> list[str]:
    """What is wrong with one partner's destination role and security configuration."""
    problems = []
    trust = iam_b.get_role(RoleName=partner.role_name)["Role"]["AssumeRolePolicyDocument"]
    trusted = _principals(json.loads(trust) if isinstance(trust, str) else trust, TRUST_SID)
    if trusted != [seeded.emr_ec2_role_arn]:
        problems.append(f"{partner.role_name} trusts {trusted}, not the EMR EC2 role alone")
    access = MinimalBoto3.get_role_policy(iam_b, partner.role_name, DESTINATION_POLICY)
    if access is None or f"{partner.prefix}*" not in json.dumps(access):
        problems.append(f"{partner.role_name} has no access to {partner.location}")
    configuration = json.loads(emr_a.describe_security_configuration(Name=name)["SecurityConfiguration"])
    mappings = configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    if mappings != partner.role_mappings():
        problems.append(f"security configuration {name} maps {mappings}")
    return problems
