"""
A connection with ``profile_name`` and ``role_arn`` (the command line's ``--*-profile`` with ``--*-role-arn``) acts
with the role's credentials and the named profile's settings.

The Amazon provider builds the session that carries the assumed credentials from no profile
(``BaseSessionFactory._create_session_with_assume_role``: ``botocore.session.get_session()``), copying only the
Region: the profile's endpoints (AWS SDKs and Tools Reference Guide, "Service-specific endpoints": ``endpoint_url``
and the ``services`` section, settings of a profile) and its ``use_fips_endpoint`` ("Dual-stack and FIPS endpoints")
were dropped for ``AWS_PROFILE``'s or ``[default]``'s, which the command line's checks never looked at.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, PROVISIONER_ROLE, REGION, Seeded
from tests.integration.test_cli import partner_file  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from pathlib import Path

GOV_REGION = "us-gov-west-1"
GOV_ROLE = f"arn:aws-us-gov:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}"


def use_credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *profiles: str) -> None:
    """
    Plain credentials for ``profiles`` in a credentials file: botocore reads no environment credentials for a
    profile named in code (boto3 User Guide, "Credentials": the environment is searched unless a profile is given).
    """
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "".join(f"[{name}]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n" for name in profiles)
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gov_profile(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """
    A profile ``gov`` with ``use_fips_endpoint`` and STS at the stand-in, a ``[default]`` without either, and a
    connection ``gov_conn`` assuming a role on top of ``gov``.
    """
    config = tmp_path / "config"
    config.write_text(
        f"[default]\nregion = {GOV_REGION}\n\n"
        f"[profile gov]\nregion = {GOV_REGION}\nuse_fips_endpoint = true\nservices = gov-services\n\n"
        f"[services gov-services]\nsts =\n  endpoint_url = {moto_url}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    use_credentials_file(tmp_path, monkeypatch, "gov")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_USE_FIPS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    extra = {"profile_name": "gov", "role_arn": GOV_ROLE}
    monkeypatch.setenv("AIRFLOW_CONN_GOV_CONN", json.dumps({"conn_type": "aws", "extra": extra}))
    return "gov_conn"


@pytest.mark.parametrize("shared", [False, True], ids=["own-session", "shared-sessions"])
def test_the_assumed_credentials_go_to_the_named_profiles_fips_endpoint(gov_profile: str, shared: bool) -> None:
    """The KMS client goes to the FIPS endpoint ``gov`` asks for, signed with the assumed role's credentials."""
    with shared_sessions() if shared else contextlib.nullcontext():
        hook = EmrfsAwsHook(aws_conn_id=gov_profile, client_type="kms")
        session = hook.get_session()

        assert hook.conn.meta.endpoint_url == f"https://kms-fips.{GOV_REGION}.amazonaws.com"
        assert session.profile_name == "gov"
        caller = session.client("sts").get_caller_identity()["Arn"]  # the profile's STS endpoint: the stand-in
    assert caller.startswith(f"arn:aws-us-gov:sts::{EMR_ACCOUNT}:assumed-role/{PROVISIONER_ROLE}/"), caller
    assert session.get_credentials().get_frozen_credentials().access_key != "testing"


def test_the_deferrable_session_takes_the_named_profiles_settings(gov_profile: str) -> None:
    """The async session a trigger's hooks use (aiobotocore) carries the same profile."""
    session = EmrfsAwsHook(aws_conn_id=gov_profile, client_type="kms").get_session(deferrable=True)

    assert session.get_config_variable("profile") == "gov"
    assert session.get_config_variable("use_fips_endpoint") is True
    assert session.get_config_variable("region") == GOV_REGION


@pytest.mark.parametrize(
    "environment",
    [pytest.param({}, id="default-profile"), pytest.param({"AWS_PROFILE": "gone"}, id="stale-aws-profile")],
)
def test_the_role_arns_act_through_the_named_profiles_endpoint_not_defaults(
    environment: dict[str, str],
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    docs/cli.md: the role ARNs assume a role on top of the profiles. The profiles set the stand-in's endpoint and
    ``[default]`` one that is no URL, which the command line does not check as no connection uses it: the calls
    went to ``[default]``'s endpoint ("unexpected error (a bug …)", exit 70), or, with an ``AWS_PROFILE`` naming no
    profile, failed on it, blamed on ``--emr-profile``.
    """
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    profiles = "".join(f"[profile {name}]\nendpoint_url = {aws.url}\n\n" for name in ("emr-admin", "partner-b"))
    config = tmp_path / "config"
    config.write_text(f"[default]\nendpoint_url = not-a-url\n\n{profiles}")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    use_credentials_file(tmp_path, monkeypatch, "emr-admin", "partner-b")
    arguments = [
        "plan",
        str(partner_file),
        "--emr-profile",
        "emr-admin",
        "--emr-role-arn",
        f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-profile",
        "partner-b",
        "--destination-role-arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--region",
        REGION,
    ]

    assert cli.main(arguments) == 0, capsys.readouterr().err

    assert json.loads(capsys.readouterr().out)["summary"] == "Plan: 4 to add, 1 to change, 0 to destroy."
