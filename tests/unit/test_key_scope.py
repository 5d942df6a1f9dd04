"""
Which keys under a prefix a pattern names: every one, none, or only some (``pure/key_scope.py``).

IAM matches a ``Resource`` with ``*`` (any run of characters) and ``?`` (one character) within an ARN segment, a ``*``
that ends a segment also across colons (IAM User Guide, "IAM JSON policy elements: Resource"), and ``StringLike`` the
same over the whole value, case-sensitively ("IAM JSON policy elements: Condition operators"). The analysis answers
for the infinite set of keys under a prefix; here it is checked against a brute-force sample of keys matched one by
one with the evaluator's own matching.
"""

from __future__ import annotations

import itertools
import random

import pytest

from airflow_provider_emrfs_xacct.pure.evaluator import condition_holds, resource_match, wildcard_match
from airflow_provider_emrfs_xacct.pure.key_scope import (
    ALL,
    NONE,
    SOME,
    Keys,
    condition_named,
    decides_keys_alike,
    keys_named,
    resources_named,
)

PREFIX = "arn:aws:s3:::partner-results-b/exports/"


@pytest.mark.parametrize(
    ("pattern", "alike"),
    [
        # Every key under the prefix: the provider's own statements, and wider ones.
        ("arn:aws:s3:::partner-results-b/exports/*", True),
        ("arn:aws:s3:::partner-results-b/*", True),
        ("arn:aws:s3:::partner-results-b/ex*", True),
        ("arn:aws:s3:::partner-results-b/exports*", True),
        ("arn:aws:s3:::*", True),
        ("*", True),
        ("arn:aws:s3:::partner-results-b/*s/*", True),  # "exports/" holds "s/": every key
        # None of them.
        ("arn:aws:s3:::partner-results-b/other/*", True),
        ("arn:aws:s3:::partner-results-b", True),
        ("arn:aws:s3:::partner-results-b/exports", True),
        ("arn:aws:s3:::partner-results-b/Exports/*", True),  # case-sensitive: none
        # Some of them only.
        ("arn:aws:s3:::partner-results-b/exports/*.csv", False),
        ("arn:aws:s3:::partner-results-b/exports/*/*", False),
        ("arn:aws:s3:::partner-results-b/exports/part-*", False),
        ("arn:aws:s3:::partner-results-b/exports/?*", False),  # not the key "exports/" itself
        ("arn:aws:s3:::partner-results-b/exports/part-00000", False),
        ("arn:aws:s3:::partner-results-b/*.csv", False),
    ],
)
def test_decides_keys_alike_on_the_brief_s_patterns(pattern: str, alike: bool) -> None:
    assert decides_keys_alike(pattern, PREFIX) is alike


def test_a_policy_variable_is_not_known() -> None:
    assert decides_keys_alike("arn:aws:s3:::partner-results-b/${aws:username}/*", PREFIX) is None
    assert resources_named("arn:aws:s3:::partner-results-b/exports/${aws:PrincipalTag/team}/*", Keys(PREFIX)) is None


def test_a_union_that_covers_every_key_names_them_all() -> None:
    """``exports/`` (the directory's own key) and ``exports/?*`` (every other one) together name every key."""
    patterns = [f"{PREFIX}", f"{PREFIX}?*"]
    assert keys_named(patterns, Keys(PREFIX)) == ALL
    assert keys_named(patterns[1:], Keys(PREFIX)) == SOME


def test_resource_segments_and_colons() -> None:
    """
    A ``*`` before a colon inside the ARN's last segment stays within it ("IAM JSON policy elements: Resource"): keys
    with a colon are matched otherwise per segment than over the whole ARN, which the evaluator does not decide.
    """
    # The * ends no segment: per segment it does not cross the colon of a key "exports/a:b.csv".
    assert resources_named(f"{PREFIX}*.csv", Keys(f"{PREFIX}a:b.csv", exact=True)) is None
    assert resources_named(f"{PREFIX}*", Keys(f"{PREFIX}a:b.csv", exact=True)) == ALL
    # "…/exports/*:x": per segment the first * does not cross colons, over the whole ARN it does: never alike.
    assert resources_named(f"{PREFIX}*:x", Keys(PREFIX)) not in (ALL, NONE)
    assert resources_named("arn:*:s3:::partner-results-b/exports/*", Keys(PREFIX)) == ALL


#: The alphabet of the sampled keys: two letters the patterns use, the colon, and one they never name.
KEY_CHARACTERS = "ab:z"
#: Every suffix of up to five characters: a shortest key a pattern of up to five characters matches, or does not
#: match, is at most that long.
SUFFIXES = ["".join(chars) for size in range(6) for chars in itertools.product(KEY_CHARACTERS, repeat=size)]


def _patterns(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("ab:*?") for _ in range(rng.randint(0, 5))) for _ in range(count)]


def _sampled(matches: list[bool]) -> str:
    return ALL if all(matches) else NONE if not any(matches) else SOME


@pytest.mark.parametrize("seed", range(4))
def test_whole_string_globs_against_a_brute_force_sample(seed: int) -> None:
    """Prefix, pattern and keys over a small alphabet; each key matched one by one with ``wildcard_match``."""
    rng = random.Random(1000 + seed)
    for pattern in _patterns(seed, 120):
        prefix = "".join(rng.choice("ab:") for _ in range(rng.randint(0, 3)))
        sample = _sampled([wildcard_match(pattern, prefix + suffix) for suffix in SUFFIXES])
        assert keys_named([pattern], Keys(prefix)) == sample, (pattern, prefix)
        assert decides_keys_alike(pattern, prefix) is (sample != SOME), (pattern, prefix)


@pytest.mark.parametrize("seed", range(3))
def test_unions_against_a_brute_force_sample(seed: int) -> None:
    rng = random.Random(2000 + seed)
    patterns = _patterns(100 + seed, 150)
    for first, second in zip(patterns[::2], patterns[1::2], strict=True):
        prefix = "".join(rng.choice("ab") for _ in range(rng.randint(0, 2)))
        sample = _sampled([wildcard_match(first, prefix + s) or wildcard_match(second, prefix + s) for s in SUFFIXES])
        assert keys_named([first, second], Keys(prefix)) == sample, (first, second, prefix)


@pytest.mark.parametrize("seed", range(3))
def test_resource_patterns_against_the_evaluators_matching(seed: int) -> None:
    """
    ``resources_named`` answers as the evaluator decides each key: matched both per ARN segment and over the whole
    ARN (``ALL``), by neither (``NONE``), and where the two readings differ for some key it does not know.
    """
    rng = random.Random(3000 + seed)
    for tail in _patterns(200 + seed, 100):
        pattern = f"arn:aws:s3:::b/{tail}"
        prefix = "arn:aws:s3:::b/" + "".join(rng.choice("ab") for _ in range(rng.randint(0, 2)))
        readings = [(resource_match(pattern, prefix + s), wildcard_match(pattern, prefix + s)) for s in SUFFIXES]
        named = resources_named(pattern, Keys(prefix))
        if any(segment != whole for segment, whole in readings):
            assert named not in (ALL, NONE), (pattern, prefix)  # the evaluator does not decide some key alike
        else:
            assert named == _sampled([segment for segment, _ in readings]), (pattern, prefix)
        for suffix in SUFFIXES[:40]:
            segment, whole = resource_match(pattern, prefix + suffix), wildcard_match(pattern, prefix + suffix)
            exact = None if segment != whole else ALL if segment else NONE
            assert resources_named(pattern, Keys(prefix + suffix, exact=True)) == exact, (pattern, suffix)


@pytest.mark.parametrize(
    "operator",
    [
        "StringLike",
        "StringNotLike",
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "ArnLike",
        "ArnNotLike",
        "ArnEquals",
        "ForAnyValue:StringLike",
        "StringLikeIfExists",
    ],
)
def test_conditions_on_the_objects_arn_against_the_evaluator(operator: str) -> None:
    """
    Each condition operator, as ``condition_holds`` decides it for each sampled object ARN: a negated operator names
    the keys as alike as its positive one (the keys it holds for are the others).
    """
    rng = random.Random(operator)
    for tail in _patterns(300, 40):
        wanted = [f"arn:aws:s3:::b/{tail}", f"arn:aws:s3:::b/{rng.choice(['A', 'a', 'ab', '*'])}"]
        prefix = "arn:aws:s3:::b/" + rng.choice(["", "a", "A", "ab"])
        # The values' own keys too, where they are under the prefix (a literal names only itself).
        named_keys = [prefix + value[len(prefix) :] for value in wanted if value.lower().startswith(prefix.lower())]
        holds = [
            condition_holds(
                operator, "kms:EncryptionContext:aws:s3:arn", wanted, {"kms:EncryptionContext:aws:s3:arn": k}
            )
            for k in [*(prefix + suffix for suffix in SUFFIXES), *named_keys]
        ]
        assert None not in holds
        expected = _sampled([bool(each) for each in holds])
        named = condition_named(operator, wanted, Keys(prefix))
        # Negated: the same set is named as alike, all and none swapped.
        assert (named == SOME) is (expected == SOME), (operator, wanted, prefix)


def test_an_operator_that_does_not_read_an_arn_is_not_known_and_null_is_alike() -> None:
    assert condition_named("NumericLessThan", "3", Keys(PREFIX)) is None
    assert condition_named("Bogus:StringLike", "*", Keys(PREFIX)) is None
    assert condition_named("Null", "false", Keys(PREFIX)) == ALL
    assert condition_named("ArnLike", "arn:aws:s3:::other-bucket/*", Keys(PREFIX)) == NONE
    assert condition_named("ArnLike", "arn:aws:s3:::partner-results-b/exports/*", Keys(PREFIX)) == ALL
    assert condition_named("ArnLike", "arn:aws:kms:::partner-results-b/exports/*", Keys(PREFIX)) == NONE
