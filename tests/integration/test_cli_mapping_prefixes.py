"""
The command line and a ``Prefix`` role mapping to the destination role outside ``destination.s3_prefixes``: EMRFS
sends every request a mapping matches with the mapped role's credentials instead of the EMR EC2 role's (Amazon EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"), and ``apply`` grants that role only
``destination.s3_prefixes``, so such a mapping routes requests to a role that may not make them (outside review J27:
``plan``/``apply`` exited 0, ``verify`` then 1). ``plan``/``apply`` refuse it before any call (OX252); ``verify`` and
``revoke``, which create no mapping, still take a file an earlier release applied.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, client
from devstack.testing import CallRecorder
from tests.integration.test_cli import _edited, emrfs_xacct, partner_file, state

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from devstack.moto_stack import Seeded

ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-b-writer"
__all__ = ["partner_file"]  # the fixture, imported for the tests below


def mapped(*identifiers: str) -> Callable[[dict[str, Any]], None]:
    """An edit of the partner file: a mapping of its own, ``identifiers`` to the destination role."""

    def edit(partner: dict[str, Any]) -> None:
        assert partner["destination"]["s3_prefixes"] == ["s3://partner-results-b/exports/"]
        partner["security_configuration"]["role_mappings"] = [
            {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}
        ]

    return edit


OUTSIDE = [
    # (a) the whole bucket: the role may touch s3://partner-results-b/exports/ only
    ("whole-bucket", ("s3://partner-results-b/",), 0, "s3://partner-results-b/"),
    # (b) another prefix of the bucket, after one that is granted
    (
        "other-prefix",
        ("s3://partner-results-b/exports/", "s3://partner-results-b/other/"),
        1,
        "s3://partner-results-b/other",
    ),
    # a string prefix of the granted one that is not on a "/" boundary: it matches s3://partner-results-b/exp-x/ too
    ("mid-segment", ("s3://partner-results-b/exp",), 0, "s3://partner-results-b/exp"),
    # the granted key prefix in another bucket (it need not exist: the refusal comes before any call), OX256
    ("other-bucket", ("s3://partner-results-c/exports/",), 0, "s3://partner-results-c/exports"),
    # the granted prefix without its "/" boundary: s3://partner-results-b/exports2/ is not under .../exports/, OX257
    ("past-the-boundary", ("s3://partner-results-b/exports2/",), 0, "s3://partner-results-b/exports2"),
]


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize(
    ("identifiers", "position", "shown"), [case[1:] for case in OUTSIDE], ids=[case[0] for case in OUTSIDE]
)
def test_plan_and_apply_refuse_a_mapping_outside_the_granted_prefixes_before_any_call(
    aws: Seeded,
    partner_file: Path,
    command: str,
    identifiers: tuple[str, ...],
    position: int,
    shown: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    partner = _edited(partner_file, mapped(*identifiers))
    before = state(aws, partner["destination"]["role_name"])

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command, partner_file, aws)

    captured = capsys.readouterr()
    assert (status, captured.out, calls.every) == (2, "", []), captured.err
    assert state(aws, partner["destination"]["role_name"]) == before
    assert captured.err.startswith(
        f"emrfs-xacct: {partner_file}: security_configuration.role_mappings[0].Identifiers[{position}]: is "
        f"{shown!r}, which is not at or under any of destination.s3_prefixes ['s3://partner-results-b/exports/']"
    )
    assert "Add that prefix to destination.s3_prefixes, or narrow the mapping to them" in captured.err


@pytest.mark.parametrize(
    "identifiers",
    [
        ("s3://partner-results-b/exports/",),
        ("s3://partner-results-b/exports",),
        ("s3://partner-results-b/exports/daily/",),
    ],
    ids=["the-prefix", "without-its-slash", "under-it"],
)
def test_a_mapping_at_or_under_a_granted_prefix_still_applies(
    aws: Seeded, partner_file: Path, identifiers: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    partner = _edited(partner_file, mapped(*identifiers))

    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err

    assert state(aws, partner["destination"]["role_name"])["configurations"] == [
        cli._current_configuration(cli.load_partner(partner_file))
    ]


@pytest.mark.parametrize(
    "identifiers",
    [("s3://partner-results-b/",), ("s3://partner-results-b/other/",)],
    ids=["whole-bucket", "other-prefix"],
)
def test_verify_and_revoke_still_take_such_a_file_an_earlier_release_applied(
    aws: Seeded, partner_file: Path, identifiers: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``verify`` and ``revoke`` create no mapping (docs/cli.md, "The partner file"): the file an earlier release
    applied, its mapping and all, is verified (the writes the mapping sends to the role fail, as they do on a
    cluster) and taken back.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    _edited(partner_file, mapped(*identifiers))
    partner = cli.load_partner(partner_file)
    # What the earlier release's apply created: the file's own mapping, under the name it gives.
    name = cli._current_configuration(partner)
    document = build_security_configuration(validate_role_mappings(cli.role_mappings(partner)), None)
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )
    capsys.readouterr()

    assert emrfs_xacct("verify", partner_file, aws) == 1
    captured = capsys.readouterr()
    assert "Identifiers[" not in captured.err
    assert json.loads(captured.out)["verdict"] == "FAIL"

    assert emrfs_xacct("revoke", partner_file, aws, "--security-configuration", name, "--delete-role") == 0
    captured = capsys.readouterr()
    assert "Identifiers[" not in captured.err
    revoked = state(aws, partner["destination"]["role_name"])
    assert (revoked["assume"], revoked["role"]) == (None, None)
