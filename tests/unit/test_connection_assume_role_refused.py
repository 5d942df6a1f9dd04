"""
What users see when AWS refuses: the connection's own role assumption, a key of another account, an S3 Control action.

AwsBaseHook assumes a connection's ``role_arn`` with STS ``AssumeRole`` when it builds the session and again when the
credentials are refreshed. Nothing here can make STS refuse it: the moto stand-in does not judge trust policies on a
cross-account ``AssumeRole`` and, with its IAM authentication on, rejects the connections' static keys (see
tests/integration/test_iam_authentication.py), so ``BaseSessionFactory._assume_role`` raises STS's ``AccessDenied`` as
AWS documents it ("User: ... is not authorized to perform: sts:AssumeRole on resource: ...", IAM User Guide,
"Troubleshoot access denied error messages"). Across accounts both the caller's identity policy and the role's trust
policy must allow it (IAM User Guide, "Cross-account policy evaluation logic").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from airflow.providers.amazon.aws.hooks.base_aws import BaseSessionFactory
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import verify
from airflow_provider_emrfs_xacct.hooks.errors import denial_message, explain_access_denied
from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BLOCK_PUBLIC_ACCESS,
    KEY_POLICY_ALLOWS,
    UNKNOWN,
    Link,
    name_refused_reads,
)
from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError

ROLE = "arn:aws:iam::222222222222:role/Deployer"
CALLER = "arn:aws:iam::111111111111:user/airflow"
REFUSED = f"User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
TRUST = f"the trust policy of {ROLE} must allow {CALLER} too"


def sts_denial(message: str = REFUSED) -> ClientError:
    """STS's refusal of AssumeRole (query protocol: code ``AccessDenied``, HTTP 403)."""
    answer = {"Error": {"Code": "AccessDenied", "Type": "Sender", "Message": message}}
    return ClientError({**answer, "ResponseMetadata": {"HTTPStatusCode": 403}}, "AssumeRole")  # type: ignore[arg-type]


@pytest.fixture
def refused_hook(monkeypatch: pytest.MonkeyPatch) -> EmrfsIamHook:
    """A hook whose connection assumes ``ROLE``, which STS refuses when the session is built."""
    extra = {"role_arn": ROLE, "region_name": "us-east-1", "aws_access_key_id": "AKIAEX", "aws_secret_access_key": "x"}
    monkeypatch.setenv("AIRFLOW_CONN_REFUSED_DEST", json.dumps({"conn_type": "aws", "extra": extra}))

    def refused(self: object, sts_client: object) -> None:
        raise sts_denial()

    monkeypatch.setattr(BaseSessionFactory, "_assume_role", refused)
    return EmrfsIamHook(aws_conn_id="refused_dest")


def assumes_role_with_client() -> SimpleNamespace:
    """A hook-like object whose client is built (the refusal comes later, at a refresh) and whose connection assumes ``ROLE``."""
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIAEX", aws_secret_access_key="x")
    return SimpleNamespace(conn=client, conn_config=SimpleNamespace(role_arn=ROLE), aws_conn_id="dest")


def test_a_refused_session_is_explained_naming_the_connection_and_both_policies(refused_hook: EmrfsIamHook) -> None:
    with pytest.raises(AccessDeniedError) as caught, explain_access_denied(refused_hook):
        refused_hook.conn.get_role(RoleName="x")

    said = str(caught.value)
    assert said.startswith(f"sts:AssumeRole on {ROLE} was denied in account 222222222222 (connection 'refused_dest')")
    assert "iam:AssumeRole" not in said
    assert f"The connection 'refused_dest' assumes {ROLE} (its role_arn)" in said
    assert f"{CALLER}'s identity policy must allow sts:AssumeRole on {ROLE}, and {TRUST}" in said


def test_a_refresh_refused_inside_the_block_names_the_role_not_an_unknown_resource() -> None:
    hook = assumes_role_with_client()

    with pytest.raises(AccessDeniedError) as caught, explain_access_denied(hook):
        raise sts_denial()  # as RefreshableCredentials' refresh raises it in the middle of a call

    said = str(caught.value)
    assert said.startswith(f"sts:AssumeRole on {ROLE} was denied in account 222222222222 (connection 'dest')")
    assert "(unknown)" not in said
    assert TRUST in said


def test_a_refusal_with_its_reason_is_lifted_as_that_reason_says() -> None:
    """AWS names the policy that lacks the Allow: that one is asked for, not both."""
    hook = assumes_role_with_client()
    because = f"{REFUSED} because no identity-based policy allows the sts:AssumeRole action"

    with pytest.raises(AccessDeniedError) as caught, explain_access_denied(hook):
        raise sts_denial(because)

    assert str(caught.value).endswith(f"Grant sts:AssumeRole to {CALLER} in its identity policy.")


def test_a_verifier_read_refused_at_the_role_assumption_asks_sts_assume_role_of_both_policies(
    refused_hook: EmrfsIamHook,
) -> None:
    refusals: list[RefusedRead] = []
    with verify.recording_refusals(refusals):
        got = verify.read(
            refused_hook, "iam:GetRole", "RoleName=Dest", lambda: refused_hook.conn.get_role(RoleName="D")
        )

    [refused] = refusals
    assert (refused.action, refused.resource) == ("sts:AssumeRole", ROLE)
    assert TRUST in refused.explanation
    [link] = name_refused_reads([Link(0, "destination role", UNKNOWN, f"not read: {got.detail}")], refusals)
    assert link.fix == (
        f"allow sts:AssumeRole on {ROLE} to the identity of the connection 'refused_dest' in its identity policy and in "
        f"the trust policy of {ROLE} (refused: see the detail) and verify again"
    )


OTHER_KEY = "arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWN_KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def key_refusal(key: str, reason: str) -> tuple[str, RefusedRead]:
    """KMS's refusal of DescribeKey on ``key`` to a role of account 222222222222, explained, and recorded as refused."""
    message = f"User: arn:aws:sts::222222222222:assumed-role/deployer/Airflow is not authorized to perform: kms:DescribeKey on resource: {key}{reason}"
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, "DescribeKey")
    why = denial_message(error, action="kms:DescribeKey", resource=key, account="222222222222", conn_id="aws_dest")
    return why, RefusedRead("kms:DescribeKey", "aws_dest", "222222222222", key, "DescribeKey", why)


def fix_of(refused: RefusedRead) -> str:
    return name_refused_reads([Link(0, "bucket default key", UNKNOWN, f"not read: {refused.explanation}")], [refused])[
        0
    ].fix


@pytest.mark.parametrize("reason", [" because no resource-based policy allows the kms:DescribeKey action", ""])
def test_a_key_of_another_account_asks_its_key_policy_to_name_the_callers_account(reason: str) -> None:
    """AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key": the key policy must name them."""
    why, refused = key_refusal(OTHER_KEY, reason)

    for said in (why, fix_of(refused)):
        assert "its statement enabling IAM policies for the account, or" not in said
        assert "a statement naming account 222222222222 or that identity" in said
        assert "the key is in account 333333333333" in said


def test_a_key_of_the_callers_own_account_keeps_the_account_statement() -> None:
    why, refused = key_refusal(OWN_KEY, " because no resource-based policy allows the kms:DescribeKey action")

    assert why.endswith(f"{KEY_POLICY_ALLOWS}.")
    assert fix_of(refused).startswith(
        f"the key policy must allow kms:DescribeKey to the connection 'aws_dest': {KEY_POLICY_ALLOWS}"
    )


def test_the_account_block_public_access_read_is_named_as_its_iam_action() -> None:
    """Service Authorization Reference, Amazon S3: s3:GetAccountPublicAccessBlock (S3 Control's GetPublicAccessBlock)."""
    assert "s3:GetAccountPublicAccessBlock for the destination account" in BLOCK_PUBLIC_ACCESS[1]
    package = Path(verify.__file__).parent
    docs = package.parent / "docs"
    texts = [path.read_text() for path in [*package.rglob("*.py"), *docs.rglob("*.md")]]
    assert not [found for text in texts for found in re.findall(r"\bs3control:\w+", text)]
