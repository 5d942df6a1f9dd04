"""
The connection's own role assumption refused, whichever role and whichever STS operation (regression review J12).

A profile may assume a role itself before the connection's ``role_arn`` (``role_arn`` with ``source_profile``: AWS CLI
User Guide, "Using an IAM role in the AWS CLI"): STS's refusal names the role it refused ("User: ... is not authorized
to perform: sts:AssumeRole on resource: <ARN>": IAM User Guide, "Troubleshoot access denied error messages"), which is
the one to explain. AwsBaseHook assumes the ``role_arn`` with ``AssumeRoleWithWebIdentity`` or ``AssumeRoleWithSAML``
too (its ``assume_role_method``); their callers have no identity policy: the role's trust policy must allow the OIDC
or SAML provider (IAM User Guide, "Create a role for OpenID Connect federation", "Create a role for SAML 2.0
federation"). A ``CreateRole`` refused for its boundary: what it answers is not documented (IAM API Reference,
"CreateRole", "Errors"); ``PutRolePermissionsBoundary`` documents ``NoSuchEntity`` ("does not exist or is not
attachable") and ``PolicyNotAttachable`` for AWS service role policies (same reference, "PutRolePermissionsBoundary").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from airflow.providers.amazon.aws.hooks.base_aws import BaseSessionFactory
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import verify
from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook, _refuse_boundary
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, InvalidParameterError, PreconditionError

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

CONN_ROLE = "arn:aws:iam::222222222222:role/Deployer"
JUMP_ROLE = "arn:aws:iam::111111111111:role/JumpRole"
ALICE = "arn:aws:iam::111111111111:user/alice"


def denial(operation: str, message: str) -> ClientError:
    """An STS refusal (query protocol: code ``AccessDenied``, HTTP 403)."""
    answer = {"Error": {"Code": "AccessDenied", "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 403}}
    return ClientError(answer, operation)  # type: ignore[arg-type]


class Hook:
    """A hook-like object whose client is built; it counts the calls that would assume the role again."""

    def __init__(self, role_arn: str | None, service: str = "iam", method: str | None = None) -> None:
        self.conn = boto3.client(service, region_name="us-east-1", aws_access_key_id="A", aws_secret_access_key="x")
        self.conn_config = type("Config", (), {"role_arn": role_arn, "assume_role_method": method})()
        self.aws_conn_id = "dest"
        self.identity_reads = 0

    @property
    def account_id(self) -> str:
        self.identity_reads += 1  # GetCallerIdentity: assumes the profile's role again (an MFA prompt)
        return "999999999999"


def explained(hook: Any, error: ClientError) -> str:
    with pytest.raises(AccessDeniedError) as caught, explain_access_denied(hook):
        raise error
    return str(caught.value)


@pytest.mark.parametrize("role_arn", [CONN_ROLE, None])
def test_a_refused_first_hop_of_the_profile_is_named_as_aws_names_it(role_arn: str | None) -> None:
    hook = Hook(role_arn)
    message = f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {JUMP_ROLE}"

    said = explained(hook, denial("AssumeRole", message))

    assert said.startswith(f"sts:AssumeRole on {JUMP_ROLE} was denied in account 111111111111 (connection 'dest')")
    assert f"assumes {JUMP_ROLE} (a role its profile's credentials assume)" in said
    assert "Deployer" not in said
    assert "its role_arn" not in said
    assert hook.identity_reads == 0


def test_the_connections_own_role_named_by_aws_is_its_role_arn() -> None:
    message = f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {CONN_ROLE}"

    said = explained(Hook(CONN_ROLE), denial("AssumeRole", message))

    assert f"assumes {CONN_ROLE} (its role_arn)" in said


METHODS = {"AssumeRoleWithWebIdentity": "assume_role_with_web_identity", "AssumeRoleWithSAML": "assume_role_with_saml"}


@pytest.mark.parametrize(
    ("operation", "provider"),
    [("AssumeRoleWithWebIdentity", "an OIDC provider"), ("AssumeRoleWithSAML", "a SAML provider")],
)
def test_a_refused_web_identity_or_saml_assumption_asks_the_trust_policy_for_its_provider(
    operation: str, provider: str
) -> None:
    hook = Hook(CONN_ROLE, "s3", METHODS[operation])

    said = explained(hook, denial(operation, f"Not authorized to perform sts:{operation}"))

    assert said.startswith(f"sts:{operation} on {CONN_ROLE} was denied in account 222222222222 (connection 'dest')")
    kind = provider.split(" ", 1)[1]
    assert f"the trust policy of {CONN_ROLE} must allow its {kind} sts:{operation} ({provider} has no identity" in said
    assert "identity policy must allow" not in said
    assert f"s3:{operation}" not in said


@pytest.mark.parametrize(("operation", "whose"), [("AssumeRoleWithWebIdentity", "web identity (AWS_ROLE_ARN")])
@pytest.mark.parametrize("role_arn", [CONN_ROLE, None])
def test_a_web_identity_login_the_connection_does_not_make_is_the_workers_own(
    operation: str, whose: str, role_arn: str | None
) -> None:
    """
    A worker on EKS logs in with its own web identity (AWS SDKs and Tools Reference Guide, "Assume role credential
    provider": ``AWS_ROLE_ARN`` and ``AWS_WEB_IDENTITY_TOKEN_FILE``) before the connection's ``role_arn`` is assumed
    with ``AssumeRole`` (its ``assume_role_method`` by default: Airflow's Amazon provider, "Amazon Web Services
    Connection"); STS's refusal names no role, and the role refused is not the connection's (review J15).
    """
    hook = Hook(role_arn, "s3", "assume_role" if role_arn else None)

    said = explained(hook, denial(operation, f"Not authorized to perform sts:{operation}"))

    assert said.startswith(f"sts:{operation} on the role of the worker's {whose}")
    assert "was denied in account (unknown) (connection 'dest')" in said
    assert "Deployer" not in said
    assert "its role_arn)" not in said
    assert hook.identity_reads == 0


@pytest.mark.parametrize("operation", ["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"])
def test_a_verifier_read_refused_at_a_web_identity_or_saml_assumption_names_that_sts_action(operation: str) -> None:
    hook = Hook(CONN_ROLE, "iam", METHODS[operation])
    error = denial(operation, f"Not authorized to perform sts:{operation}")
    assert verify.refused_action("s3:GetBucketPolicy", error) == f"sts:{operation}"
    assert verify.refused_action("iam:GetRole", error) == f"sts:{operation}"

    def refused() -> None:
        raise error

    refusals: list[RefusedRead] = []
    with verify.recording_refusals(refusals):
        got = verify.read(hook, "iam:GetRole", "RoleName=Dest", refused)

    [read] = refusals
    assert (read.action, read.resource, read.account) == (f"sts:{operation}", CONN_ROLE, "222222222222")
    [link] = name_refused_reads([Link(0, "destination role", UNKNOWN, f"not read: {got.detail}")], refusals)  # type: ignore[union-attr]
    assert f"in the trust policy of {CONN_ROLE}" in link.fix
    assert "identity policy" not in link.fix


def test_a_saml_connection_refused_when_its_session_is_built_is_explained_once(monkeypatch: pytest.MonkeyPatch) -> None:
    saml = {
        "principal_arn": "arn:aws:iam::222222222222:saml-provider/idp",
        "idp_url": "https://idp.example",
        "idp_auth_method": "http_spegno_auth",
    }
    extra = {"role_arn": CONN_ROLE, "region_name": "us-east-1", "assume_role_method": "assume_role_with_saml"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_SAML", json.dumps({"conn_type": "aws", "extra": {**extra, "assume_role_with_saml": saml}})
    )
    logins: list[int] = []

    def refused(self: object, sts_client: object) -> None:
        logins.append(1)
        raise denial("AssumeRoleWithSAML", "Not authorized to perform sts:AssumeRoleWithSAML")

    monkeypatch.setattr(BaseSessionFactory, "_assume_role_with_saml", refused)
    hook = EmrfsIamHook(aws_conn_id="saml")

    with (
        pytest.raises(AccessDeniedError, match=f"^sts:AssumeRoleWithSAML on {CONN_ROLE} was denied"),
        explain_access_denied(hook),
    ):
        pass
    assert len(logins) == 1


class RefusedBuild:
    """A hook whose client build is refused by a call that is not a role assumption; it counts the builds."""

    aws_conn_id = "dest"
    conn_config = type("Config", (), {"role_arn": CONN_ROLE})()

    def __init__(self) -> None:
        self.builds = 0

    @property
    def conn(self) -> Any:
        self.builds += 1
        raise denial("GetSessionToken", f"User: {ALICE} is not authorized to perform: sts:GetSessionToken")


def test_a_build_refused_otherwise_is_explained_without_building_the_client_again() -> None:
    hook = RefusedBuild()

    with pytest.raises(AccessDeniedError) as caught, explain_access_denied(hook):
        pass

    assert str(caught.value).startswith("sts:GetSessionToken on (unknown) was denied in account 222222222222")
    assert hook.builds == 1


SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy"


def boundary_refusal(code: str, arn: str) -> ClientError:
    message = f"Policy {arn} does not exist or is not attachable."
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateRole")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["NoSuchEntity", "PolicyNotAttachable"])
def test_a_service_role_policy_refused_as_a_boundary_is_permanent(code: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        _refuse_boundary(boundary_refusal(code, SERVICE_ROLE_POLICY), SERVICE_ROLE_POLICY, "permissions_boundary")
    assert (refused.value.field, refused.value.retriable) == ("permissions_boundary", False)
    assert f"IAM refused {SERVICE_ROLE_POLICY} as the role's permissions boundary ({code}:" in str(refused.value)


def test_a_customer_policy_create_role_does_not_find_stays_retriable() -> None:
    arn = "arn:aws:iam::222222222222:policy/typo-boundary"
    with pytest.raises(PreconditionError) as refused:
        _refuse_boundary(boundary_refusal("NoSuchEntity", arn), arn, "permissions_boundary")
    assert (refused.value.field, refused.value.retriable) == ("permissions_boundary", True)


def test_a_saml_refusal_is_the_connection_s_own() -> None:
    """
    No SDK credential provider logs in with SAML (AWS SDKs and Tools Reference Guide, "AWS SDKs and Tools standardized
    credential providers"): only a connection's ``assume_role_with_saml`` sends ``AssumeRoleWithSAML``, so a refusal of
    it names the connection's role, never "the worker's SAML login" (review J17).
    """
    hook = Hook(CONN_ROLE, "s3", "assume_role")

    said = explained(hook, denial("AssumeRoleWithSAML", "Not authorized to perform sts:AssumeRoleWithSAML"))

    assert said.startswith(f"sts:AssumeRoleWithSAML on {CONN_ROLE} was denied")
    assert "worker" not in said
