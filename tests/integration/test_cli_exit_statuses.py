"""
The command line's exit statuses and messages for what AWS answers about the credentials, the Region and the rate.

docs/cli.md: 6 "a connection has no AWS credentials, or AWS refused them as expired or not valid", 3 "an AWS call
failed (… failing after its retries)", the same for every sub-command: ``verify`` too, whose reads otherwise turn a
failure into a link "not checked" (5). And the profile and Region errors name what botocore really took.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import pytest
import yaml
from airflow.providers.common.compat.sdk import AirflowFailException
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import REGION
from devstack.testing import run_operator
from tests.integration.test_cli import EXAMPLE, emrfs_xacct, partner_file
from tests.integration.test_faults import through
from tests.integration.test_verify import partner, verifier

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from devstack.moto_stack import Seeded
    from tests.integration.test_verify import Partner

__all__ = ["partner", "partner_file"]  # the fixtures, imported for the tests below

#: KMS's answers (AWS KMS API Reference, "Common Errors": "ExpiredTokenException: The security token included in the
#: request is expired. HTTP Status Code: 403"; "ThrottlingException: The request was denied due to request
#: throttling. HTTP Status Code: 400"; "UnrecognizedClientException" for a token it does not know).
EXPIRED = (403, "ExpiredTokenException", "The security token included in the request is expired")
THROTTLED = (400, "ThrottlingException", "Rate exceeded")
UNRECOGNIZED = (400, "UnrecognizedClientException", "The security token included in the request is invalid.")


def answering_get_key_policy(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """An ``intercept`` of the fault proxy: ``GetKeyPolicy`` answered ``answer``, before it reaches the stand-in."""
    return lambda operation: answer if operation == "GetKeyPolicy" else None


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        pytest.param(
            EXPIRED,
            cli.NO_CREDENTIALS,
            "emrfs-xacct: the AWS credentials are missing, expired or not valid: An error occurred "
            "(ExpiredTokenException) when calling the GetKeyPolicy operation",
            id="credentials-expiring-while-verifying",
        ),
        pytest.param(
            THROTTLED,
            3,
            "emrfs-xacct: AWS call failed: An error occurred (ThrottlingException) when calling the GetKeyPolicy "
            "operation (reached max retries: 0)",
            id="throttled-past-its-retries",
        ),
    ],
)
def test_verify_exits_as_plan_does_when_the_credentials_expire_or_aws_throttles_past_the_retries(
    aws: Seeded,
    partner_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: tuple[int, str, str],
    status: int,
    message: str,
) -> None:
    """
    An assumed role's or an SSO session's credentials expiring during a long ``verify`` (a ``--cluster-id`` probe's
    wait), or a read throttled past its retries, says nothing about the link read: it was exit 5, "not checked",
    with no refused read named. Now 6 and 3, as for ``plan`` and ``apply``, with no report on stdout.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    with FaultProxy(aws.url, intercept=answering_get_key_policy(answer)) as proxy:
        assert emrfs_xacct("verify", partner_file, dataclasses.replace(aws, url=proxy.url)) == status

    assert proxy.requests["GetKeyPolicy"] == 1
    captured = capsys.readouterr()
    assert (captured.out, "Traceback" in captured.err) == ("", False)
    assert message in captured.err


def test_verify_still_reports_a_refused_read_as_not_checked(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refusal (``AccessDeniedException``) is about the read: its links are not checked (5), the read named."""
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    denial = (400, "AccessDeniedException", "User is not authorized to perform: kms:GetKeyPolicy")

    with FaultProxy(aws.url, intercept=answering_get_key_policy(denial)) as proxy:
        assert emrfs_xacct("verify", partner_file, dataclasses.replace(aws, url=proxy.url)) == cli.NOT_CHECKED

    report = json.loads(capsys.readouterr().out)
    assert [read["action"] for read in report["refused_reads"]] == ["kms:GetKeyPolicy"]


def test_the_verifier_task_fails_with_the_credentials_error_and_may_be_retried(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    In a DAG the verifier raises AWS's credentials error instead of reporting links "not checked": the task fails as
    for any credentials error, and keeps its retries (no ``AirflowFailException``): new credentials may come.
    """
    with (
        through(FaultProxy(partner.aws.url, intercept=answering_get_key_policy(EXPIRED)), partner.aws, monkeypatch),
        pytest.raises(ClientError) as raised,
    ):
        run_operator(verifier(partner.configuration))

    assert raised.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert not isinstance(raised.value, AirflowFailException)


@pytest.mark.parametrize(
    ("intercept", "command", "message"),
    [
        pytest.param(
            lambda operation: (
                (403, "InvalidClientTokenId", "The security token included in the request is invalid.")
                if operation == "GetCallerIdentity"
                else None
            ),
            "plan",
            f"emrfs-xacct: the EMR connection has no valid AWS credentials, or the Region ({REGION}) is not enabled "
            "for this account or is of another partition (--region): An error occurred (InvalidClientTokenId)",
            id="the-accounts-check",
        ),
        pytest.param(
            answering_get_key_policy(UNRECOGNIZED),
            "plan",
            "emrfs-xacct: step grant_kms_key_user_0: the AWS credentials are missing, expired or not valid, or the "
            f"Region ({REGION}) is not enabled for this account or is of another partition (--region): An error "
            "occurred (UnrecognizedClientException)",
            id="a-step",
        ),
    ],
)
def test_credentials_aws_does_not_know_name_the_region_too(
    aws: Seeded,
    partner_file: Path,
    capsys: pytest.CaptureFixture[str],
    intercept: Callable[[str], tuple[int, str, str] | None],
    command: str,
    message: str,
) -> None:
    """
    A Region not enabled for the account (IAM User Guide, "Manage AWS STS in an AWS Region": "Session tokens from the
    global STS endpoint are valid only in AWS Regions that are enabled by default"; AWS Account Management Reference,
    "Enable or disable AWS Regions in your account"), or of another partition, answers as unknown credentials do:
    the advice was only "Sign in again".
    """
    with FaultProxy(aws.url, intercept=intercept) as proxy:
        assert emrfs_xacct(command, partner_file, dataclasses.replace(aws, url=proxy.url)) == cli.NO_CREDENTIALS

    assert message in capsys.readouterr().err


def test_an_expired_token_is_not_blamed_on_the_region(aws: Seeded, partner_file: Path) -> None:
    """Only unknown credentials may be a Region's doing: an expired token is the credentials' (no Region advice)."""
    message, status = cli._aws_call_failed(
        ClientError({"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "GetRole"), None, REGION
    )
    assert status == cli.NO_CREDENTIALS
    assert "Region" not in message


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AWS config file with profiles ``with-region`` and ``no-region``; no profile or Region variable set."""
    config = tmp_path / "config"
    config.write_text("[profile with-region]\nregion = eu-west-1\n\n[profile no-region]\noutput = json\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    return config


def options_refusal(*arguments: str) -> InvalidParameterError:
    """What :func:`cli.validate_options` refuses in ``plan`` with ``arguments`` (no AWS call is made)."""
    partner = yaml.safe_load(EXAMPLE.read_text())
    with pytest.raises(InvalidParameterError) as refused:
        cli.validate_options(cli.parser().parse_args(["plan", "partner.yaml", *arguments]), partner)
    return refused.value


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        pytest.param({"AWS_PROFILE": "partner-c"}, "AWS_PROFILE", id="aws-profile"),
        pytest.param({"AWS_DEFAULT_PROFILE": "partner-c"}, "AWS_DEFAULT_PROFILE", id="aws-default-profile"),
        pytest.param(
            {"AWS_DEFAULT_PROFILE": "partner-c", "AWS_PROFILE": "with-region"}, "AWS_DEFAULT_PROFILE", id="both"
        ),
    ],
)
def test_a_profile_of_the_environment_that_does_not_exist_is_named_by_the_variable_botocore_took(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    """botocore reads the profile from ``AWS_DEFAULT_PROFILE``, then ``AWS_PROFILE``: the error named AWS_PROFILE."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    refused = options_refusal()

    assert refused.field == named
    assert str(refused) == (
        f"{named}: no profile 'partner-c' in the AWS config or credentials files (or give --emr-profile)"
    )


@pytest.mark.parametrize(
    ("variables", "arguments", "where"),
    [
        pytest.param({}, [], "the default profile", id="default"),
        pytest.param({"AWS_PROFILE": "no-region"}, [], "profile 'no-region' (AWS_PROFILE)", id="aws-profile"),
        pytest.param(
            {"AWS_DEFAULT_PROFILE": "no-region", "AWS_PROFILE": "with-region"},
            [],
            "profile 'no-region' (AWS_DEFAULT_PROFILE)",
            id="aws-default-profile-wins",
        ),
        pytest.param(
            {"AWS_PROFILE": "with-region"},
            ["--emr-profile", "no-region"],
            "profile 'no-region' (--emr-profile)",
            id="option",
        ),
    ],
)
def test_no_region_names_the_profile_in_use_and_what_chose_it(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], arguments: list[str], where: str
) -> None:
    """The profile ``AWS_PROFILE`` chose was called "the default profile", which may well set a Region."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    refused = options_refusal(*arguments)

    assert str(refused) == (
        f"--region: is needed: neither AWS_REGION, AWS_DEFAULT_REGION nor {where} sets a Region for the emr connection"
    )


@pytest.mark.parametrize("region", ["abcde-east-1", "us-east-100", "u-east-1"])
def test_region_is_checked_with_the_one_pattern_of_region_names(aws_files: Path, region: str) -> None:
    """The command line had a looser copy of the pattern the partner file's key ARNs are checked with."""
    refused = options_refusal("--region", region)

    assert str(refused) == f"--region: is not a Region name such as us-east-1: {region!r}"
