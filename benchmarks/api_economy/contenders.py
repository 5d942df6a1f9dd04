"""
The two contenders: the provider's operators, and a hand-written minimal boto3 sequence doing the same work.

Each builds its clients once in :meth:`Contender.setup` (timed apart) and returns, per partner, a
chain ready to run; the chain returns the partner's security configuration name.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from benchmarks.api_economy.scenario import Partner
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    Seeded,
    account_session,
)
from devstack.testing import RecordingTaskInstance, execute_as_task

if TYPE_CHECKING:
    from collections.abc import Callable

SECURITY_CONFIG_HASH_LENGTH = 12
# The provider's owned names, which the baseline uses too so that both end states read the same.
TRUST_SID = "EmrfsXacctTrustEmrRoles"
ASSUME_SID = "EmrfsXacctAssumeDestinationRoles"
KEY_USERS_SID = "EmrfsXacctKeyUsers"
DESTINATION_POLICY = "emrfs-xacct-destination-access"
ASSUME_POLICY = "emrfs-xacct-assume-destination-roles"
KEY_USER_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]


def emr_role_name(seeded: Seeded) -> str:
    return seeded.emr_ec2_role_arn.rsplit("/", 1)[-1]


class Contender:
    name = ""
    owner = ""

    def __init__(self, url: str, seeded: Seeded) -> None:
        self.url = url
        self.seeded = seeded

    def setup(self) -> None:
        """Build the clients (credentials and service models)."""
        raise NotImplementedError

    def prepare(self, partner: Partner) -> Callable[[], str]:
        """Return the partner's chain, ready to run (untimed preparation); it returns the configuration name."""
        raise NotImplementedError


class ProviderChain(Contender):
    """The provider's operators, one chain per partner, each operator executed as its task would."""

    name = "provider"
    owner = "p"

    def __init__(self, url: str, seeded: Seeded) -> None:
        super().__init__(url, seeded)
        self.hooks: dict[tuple[type, str | None], Any] = {}

    def setup(self) -> None:
        for operator in self.operators(Partner(0, self.owner)):
            operator.hook.conn  # noqa: B018  (builds the client: AssumeRole and the service model)
            self.hooks[(operator.aws_hook_class, operator.aws_conn_id)] = operator.hook

    def operators(self, partner: Partner) -> list[Any]:
        common: dict[str, Any] = {"settle_seconds": 0}
        return [
            EnsureDestinationRoleOperator(
                task_id="ensure_destination_role",
                aws_conn_id=DESTINATION_CONN_ID,
                role_name=partner.role_name,
                trusted_role_arns=[self.seeded.emr_ec2_role_arn],
                s3_prefixes=[partner.location],
                kms_key_arns=[self.seeded.kms_key_arn],
                **common,
            ),
            AttachAssumeRolePolicyOperator(
                task_id="allow_assume_destination_role",
                aws_conn_id=EMR_CONN_ID,
                emr_ec2_role_name=emr_role_name(self.seeded),
                destination_role_arns=[partner.role_arn],
                **common,
            ),
            GrantKmsKeyUserOperator(
                task_id="grant_kms_key_user",
                aws_conn_id=DESTINATION_CONN_ID,
                key_arn=self.seeded.kms_key_arn,
                principal_arns=[partner.role_arn],
                **common,
            ),
            CreateEmrfsSecurityConfigOperator(
                task_id="create_security_configuration",
                aws_conn_id=EMR_CONN_ID,
                name_prefix=partner.name_prefix,
                role_mappings=partner.role_mappings(),
                **common,
            ),
        ]

    def prepare(self, partner: Partner) -> Callable[[], str]:
        operators = self.operators(partner)
        for operator in operators:
            # Share the hook (and so the client) of the same class and connection: cached_property.
            operator.__dict__["hook"] = self.hooks[(operator.aws_hook_class, operator.aws_conn_id)]

        def chain() -> str:
            result = None
            for operator in operators:
                ti = RecordingTaskInstance(dag_id="emrfs_xacct_bench", task_id=operator.task_id)
                result = execute_as_task(operator, {"ti": ti, "task_instance": ti})
            return str(result)

        return chain


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def find_sid(document: dict[str, Any], sid: str) -> dict[str, Any] | None:
    return next((s for s in as_list(document.get("Statement")) if isinstance(s, dict) and s.get("Sid") == sid), None)


class MinimalBoto3(Contender):
    """
    A hand-written minimal boto3 sequence: one read per document, a write only where something is missing.

    It keeps the other statements of the shared documents (it must, to be the same work), but it does
    not read back after writing, validate its input, compare documents by meaning or render a plan.
    """

    name = "baseline"
    owner = "b"

    def setup(self) -> None:
        emr_account = account_session(self.url, EMR_ACCOUNT)
        destination = account_session(self.url, DESTINATION_ACCOUNT)
        self.iam_a = emr_account.client("iam", endpoint_url=self.url)
        self.emr_a = emr_account.client("emr", endpoint_url=self.url)
        self.iam_b = destination.client("iam", endpoint_url=self.url)
        self.kms_b = destination.client("kms", endpoint_url=self.url)

    def prepare(self, partner: Partner) -> Callable[[], str]:
        return lambda: self.chain(partner)

    def chain(self, partner: Partner) -> str:
        emr_role_arn, key_arn = self.seeded.emr_ec2_role_arn, self.seeded.kms_key_arn

        # 1-2. The destination role trusts the EMR EC2 role.
        try:
            trust = self.iam_b.get_role(RoleName=partner.role_name)["Role"]["AssumeRolePolicyDocument"]
        except self.iam_b.exceptions.NoSuchEntityException:
            trust_statement = {
                "Sid": TRUST_SID,
                "Effect": "Allow",
                "Principal": {"AWS": [emr_role_arn]},
                "Action": "sts:AssumeRole",
            }
            self.iam_b.create_role(
                RoleName=partner.role_name,
                AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust_statement]}),
                Tags=[{"Key": "emrfs-xacct:managed-by", "Value": "baseline"}],
            )
        else:
            if self.add_principal(trust, TRUST_SID, emr_role_arn, {"Action": "sts:AssumeRole"}):
                self.iam_b.update_assume_role_policy(RoleName=partner.role_name, PolicyDocument=json.dumps(trust))

        # 1. Its permissions: the prefix and the key.
        access = destination_access(partner, key_arn)
        if self.get_role_policy(self.iam_b, partner.role_name, DESTINATION_POLICY) != access:
            self.iam_b.put_role_policy(
                RoleName=partner.role_name, PolicyName=DESTINATION_POLICY, PolicyDocument=json.dumps(access)
            )

        # 4. The shared EMR EC2 role may assume it.
        emr_role = emr_role_name(self.seeded)
        assume = self.get_role_policy(self.iam_a, emr_role, ASSUME_POLICY) or {
            "Version": "2012-10-17",
            "Statement": [],
        }
        statement = find_sid(assume, ASSUME_SID)
        if statement is None:
            statement = {"Sid": ASSUME_SID, "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": []}
            assume["Statement"] = [*as_list(assume.get("Statement")), statement]
        if partner.role_arn not in as_list(statement["Resource"]):
            statement["Resource"] = sorted({*as_list(statement["Resource"]), partner.role_arn})
            self.iam_a.put_role_policy(RoleName=emr_role, PolicyName=ASSUME_POLICY, PolicyDocument=json.dumps(assume))

        # KMS: the role is a user of the shared key.
        key_policy = json.loads(self.kms_b.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
        if self.add_principal(
            key_policy, KEY_USERS_SID, partner.role_arn, {"Action": KEY_USER_ACTIONS, "Resource": "*"}
        ):
            self.kms_b.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(key_policy))

        # 3. The security configuration, named by its content.
        document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": partner.role_mappings()}}}
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
        name = f"{partner.name_prefix}-{hashlib.sha256(canonical.encode()).hexdigest()[:SECURITY_CONFIG_HASH_LENGTH]}"
        try:
            self.emr_a.describe_security_configuration(Name=name)
        except self.emr_a.exceptions.InvalidRequestException:
            self.emr_a.create_security_configuration(Name=name, SecurityConfiguration=canonical)
        return name

    @staticmethod
    def get_role_policy(iam: Any, role_name: str, policy_name: str) -> dict[str, Any] | None:
        try:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            return None
        return json.loads(document) if isinstance(document, str) else document

    @staticmethod
    def add_principal(document: dict[str, Any], sid: str, arn: str, rest: dict[str, Any]) -> bool:
        """Add ``arn`` to the AWS principals of statement ``sid`` (made if missing); return whether it changed."""
        statement = find_sid(document, sid)
        if statement is None:
            statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": []}, **rest}
            document["Statement"] = [*as_list(document.get("Statement")), statement]
        principals = as_list(statement["Principal"].get("AWS"))
        if arn in principals:
            return False
        statement["Principal"]["AWS"] = sorted({*principals, arn})
        return True


def destination_access(partner: Partner, key_arn: str) -> dict[str, Any]:
    """The destination role's least-privilege access: the same statements as the provider's."""
    bucket = f"arn:aws:s3:::{BUCKET}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EmrfsXacctObjects",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:DeleteObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:PutObject",
                ],
                "Resource": [
                    f"{bucket}/{partner.prefix}*",
                    f"{bucket}/{partner.prefix.rstrip('/')}",
                    f"{bucket}/{partner.prefix.rstrip('/')}_$folder$",
                ],
            },
            {
                "Sid": "EmrfsXacctList1",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
                "Resource": bucket,
            },
            {
                "Sid": "EmrfsXacctBucketLocation",
                "Effect": "Allow",
                "Action": "s3:GetBucketLocation",
                "Resource": [bucket],
            },
            {"Sid": "EmrfsXacctKmsKeyUse", "Effect": "Allow", "Action": KEY_USER_ACTIONS, "Resource": [key_arn]},
        ],
    }
