"""
The stand-in judge's request keys of a KMS key's labels and of the source address (``devstack/aws_judge.py``,
``devstack/emrfs_writer.py``), on policies alone; the writes they decide are in
``tests/integration/test_stand_in_request_context.py``.
"""

from __future__ import annotations

import ipaddress

import pytest

from devstack import aws_judge
from devstack.aws_judge import Decision, Principal
from devstack.emrfs_writer import _judge_key, _Key, _Undecided

B = "222222222222"
ROLE = f"arn:aws:iam::{B}:role/partner"
KEY = f"arn:aws:kms:us-east-1:{B}:key/1234"
OBJECT = "arn:aws:s3:::bucket-b/p/x"
KEY_USERS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}],
}


def denying(condition: dict[str, object]) -> Principal:
    """The role, allowed every KMS call, but denied ``kms:*`` under ``condition`` (an IAM policy)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:*", "Resource": "*", "Condition": condition},
        ],
    }
    return Principal(ROLE, policies=(("guard", document),))


def judged(principal: Principal, key: _Key) -> Decision:
    return _judge_key(principal, "kms:GenerateDataKey", key, Decision(True, "s3 ok"), OBJECT)


@pytest.mark.parametrize(
    ("tags", "aliases", "allowed"),
    [
        ((("Classification", "restricted"),), (), False),
        ((("Classification", "public"),), (), True),
        ((), ("alias/restricted-results",), False),
        ((), ("alias/partner-results",), True),
        ((), (), True),  # no alias: ForAnyValue does not hold ("AWS KMS condition keys", kms:ResourceAliases)
    ],
)
def test_s3s_kms_call_carries_the_keys_tags_and_aliases(
    tags: tuple[tuple[str, str], ...], aliases: tuple[str, ...], allowed: bool
) -> None:
    """
    AWS KMS Developer Guide, "Use tags to control access to KMS keys" (``aws:ResourceTag/tag-key``) and "Use aliases to
    control access to KMS keys" (``kms:ResourceAliases``, multivalued): a Deny on either in the role's IAM policy
    applies to the key so labelled, and not to another.
    """
    principal = denying(
        {"StringEquals": {"aws:ResourceTag/Classification": "restricted"}}
        if tags
        else {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/restricted-*"}}
    )

    decision = judged(principal, _Key(KEY, KEY_USERS, tags=tags, aliases=aliases))

    assert decision.allowed is allowed, decision.reason


def test_labels_that_could_not_be_read_leave_a_call_whose_policy_names_them_unknown() -> None:
    """``ListResourceTags`` refused (``tags=None``): a Deny on ``aws:ResourceTag`` may or may not apply."""
    principal = denying({"StringEquals": {"aws:ResourceTag/Classification": "restricted"}})

    with pytest.raises(_Undecided, match="aws:ResourceTag"):
        judged(principal, _Key(KEY, KEY_USERS, tags=None))
    # A policy that names no tag does not depend on them.
    assert judged(Principal(ROLE, policies=(("any", KEY_USERS),)), _Key(KEY, KEY_USERS, tags=None)).allowed


def test_a_key_policy_condition_on_the_keys_tag_is_unknown_where_it_decides() -> None:
    """
    Same page: the tag key "isn't supported in key policies"; what such a condition does there is not documented. A
    key policy Deny on it would decide the call: unknown. One that decides nothing (another tag) does not matter.
    """

    def key_policy(value: str) -> dict[str, object]:
        deny = {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/Classification": value}},
        }
        return {**KEY_USERS, "Statement": [*KEY_USERS["Statement"], deny]}

    caller = Principal(ROLE)
    tagged = (("Classification", "restricted"),)

    with pytest.raises(_Undecided, match="key polic"):
        judged(caller, _Key(KEY, key_policy("restricted"), tags=tagged))
    assert judged(caller, _Key(KEY, key_policy("secret"), tags=tagged)).allowed


def test_blind_to_hides_only_the_named_keys_and_names_condition_key_finds_them_in_any_case() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Deny",
                "Condition": {
                    "StringEquals": {"AWS:ResourceTag/Team": "x", "kms:CallerAccount": B},
                    "ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/*"},
                },
            }
        ]
    }

    blind = aws_judge.blind_to(policy, aws_judge.KEY_LABEL_KEYS)

    assert aws_judge.names_condition_key([policy], aws_judge.KEY_LABEL_KEYS)
    assert not aws_judge.names_condition_key([blind], aws_judge.KEY_LABEL_KEYS)
    assert blind is not None
    assert blind["Statement"][0]["Condition"]["StringEquals"]["kms:CallerAccount"] == B
    assert not aws_judge.names_condition_key([{"Statement": [{"Effect": "Allow"}]}, None], aws_judge.KEY_LABEL_KEYS)


def test_the_source_addresses_tried_are_one_outside_every_named_range_and_one_inside_each() -> None:
    """
    IAM User Guide, "AWS global condition context keys": ``aws:SourceIp`` "can only be used for public IP address
    ranges", so no RFC 1918 address is tried for it; ``aws:VpcSourceIp`` is the private address, so one is.
    """
    document = {
        "Statement": [
            {"Effect": "Deny", "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}},
            {"Effect": "Deny", "Condition": {"NotIpAddress": {"aws:VpcSourceIp": "10.61.1.0/24"}}},
        ]
    }

    public = aws_judge.source_address_candidates([document], "aws:SourceIp", public=True)
    private = aws_judge.source_address_candidates([document], "aws:VpcSourceIp", public=False)
    unnamed = aws_judge.source_address_candidates([], "aws:SourceIp", public=True)

    assert len(public) == 2  # one outside both ranges, one in 203.0.113.0/24, none in 10.0.0.0/8
    assert ipaddress.ip_address(public[1]) in ipaddress.ip_network("203.0.113.0/24")
    assert not any(ipaddress.ip_address(address) in ipaddress.ip_network("10.0.0.0/8") for address in public)
    assert ipaddress.ip_address(private[1]) in ipaddress.ip_network("10.61.1.0/24")
    assert len(unnamed) == 1
    assert aws_judge.source_address_candidates([], "aws:SourceIp", public=True) == unnamed


def test_the_source_addresses_tried_never_run_out() -> None:
    """Ranges holding every sample address, and none public: still one address to judge with."""
    everything = {"Statement": [{"Condition": {"IpAddress": {"aws:SourceIp": ["0.0.0.0/0", "not-an-address"]}}}]}

    assert aws_judge.source_address_candidates([everything], "aws:SourceIp", public=True)
    assert aws_judge.source_address_candidates(
        [{"Statement": [{"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}], "aws:SourceIp", public=True
    )
