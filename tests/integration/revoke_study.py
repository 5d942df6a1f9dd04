"""
Random starting states, a grant, then a revoke with random options: does the access end, and only the partner's?

Each case (numbered; its random choices come from ``seed`` and its number alone, so a case runs again alone:
``EMRFS_XACCT_REVOKE_STUDY_CASES=12,57``) builds a state in both accounts, grants partner P (and maybe Q) with
the provider's operators, changes things by hand as people do, revokes P, and checks what happened with the
stand-in's judge and the EMRFS-like writer (``devstack/emrfs_writer.py``), not with the code under test:

- the writer, on a cluster still running with the old security configuration, is refused P's prefix after
  the revoke, unless the revoke left the trust (``remove_destination_trust=False``) while another grant of
  ``sts:AssumeRole`` on ``*`` stays on the EMR EC2 role, as documented (the case then says ``still-writes``);
- Q (another partner on the same EMR EC2 role, key and configuration) still writes, with the configuration the
  revoke returns;
- every statement and document the provider did not write is equal byte for byte, and the provider's own
  statements lose only P (or, in the trust, the EMR EC2 role);
- a second revoke plans nothing and writes nothing; a grant after the revoke lets P write again;
- a refused revoke changes nothing in either account, and refuses a deletion while a policy it does not change names
  the role (a policy of the granted bucket, another role's trust); a revoke that goes on leaves no policy of the
  destination account naming a deleted role's unique ID (the stand-in's judge, ``devstack/aws_principals.py``);
- with ``remove_destination_trust=False`` and ``iam:ListRolePolicies`` refused to the EMR connection, the revoke
  is done all the same and says that the access may not be ended.
"""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    ASSUME_SID,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    KMS_USE_SID,
    TRUST_SID,
    as_list,
    assume_role_policy,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import identity_key
from devstack.aws_principals import orphaned_ids
from devstack.emrfs_writer import write_like_emrfs
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    KEY_ADMIN_ARN,
    REGION,
    Seeded,
    client,
    create_principals,
    seed,
)
from devstack.testing import (
    CallRecorder,
    captured_logs,
    moto_authorization,
    provisioner_roles,
    run_operator,
    sign_connections_as_moto_user,
)
from tests.integration.partners import (
    AUDITOR_STATEMENT,
    create_auditor,
    create_security_configuration,
    ensure_destination_role,
    grant_key_users,
    mapping,
)
from tests.integration.state import changes, snapshot

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

P, PREFIX_P = "partner-p-writer", f"s3://{BUCKET}/partner-p/"
Q, PREFIX_Q = "partner-q-writer", f"s3://{BUCKET}/partner-q/"
NIGHTLY_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_NightlyRole"
PATH_ROLE, PATH = "EMR_EC2_PipelineRole", "/emr/pipelines/"
PARTNER_PATH = "/partners/"
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
#: A restriction people add to the provider's statements; the EMR EC2 role meets it (the judge evaluates it).
IN_EMR_ACCOUNT = {"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}
#: Someone's trust statement on P for the whole EMR account: it hands the decision to the account's identity policies
#: (IAM User Guide, "How to use trust policies with IAM roles"), so a revoke that keeps it ends the access only when
#: no other grant of the EMR EC2 role lets it in.
EMR_ACCOUNT_STATEMENT = {
    "Sid": "EmrAccountAdmins",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"},
    "Action": "sts:AssumeRole",
}
OTHER_KEY_USERS = {
    "Sid": "TeamKeyUsers",
    "Effect": "Allow",
    "Principal": {"AWS": KEY_ADMIN_ARN},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
}
#: Partners of another EMR pipeline in the provider's inline policy (resources only: nothing needs to exist).
FILLER = [f"arn:aws:iam::{900000000000 + index // 10:012d}:role/other-writer-{index:04d}" for index in range(168)]
PROVIDER_SIDS = (ASSUME_SID, TRUST_SID, KEY_USERS_SID)
#: Another role of the destination account that P may assume (role chaining).
CHAINED_ROLE = "partner-p-reports-reader"
#: A key P's policy grants that KMS deleted since (it never existed in the stand-in: GetKeyPolicy answers NotFound).
DELETED_KEY = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/0f0f0f0f-1111-2222-3333-777777777777"


@dataclass
class Case:
    """One case's random choices."""

    number: int
    path_role: bool
    partner_path: bool
    assume_any: bool
    spilled: bool
    other_key_users: bool
    key_user_added: bool  # someone put another principal in the provider's key-users statement
    key_condition: bool
    partner_q: bool
    nightly: bool
    auditor: bool
    trust_condition: bool
    assume_condition: bool
    revoked_before: bool
    partial: str  # "", "emr-side" (an earlier revoke with remove_destination_trust=False), "trust" (its first step)
    remove_destination_trust: bool
    delete_destination_role: bool
    with_configuration: bool
    with_keys: bool
    dry_run_first: bool
    bucket_names_p: bool  # the bucket owner's own statement in the granted bucket's policy names P
    chained_role: bool  # another role's trust policy names P
    deleted_key: bool  # P's policy grants a key KMS deleted since
    deny_assume_read: bool  # iam:ListRolePolicies refused to the EMR connection (remove_destination_trust=False)
    emr_account_trusted: bool  # someone's statement in P's trust trusts the EMR account (its root), kept by the revoke

    @property
    def emr_role(self) -> str:
        return PATH_ROLE if self.path_role else EMR_EC2_ROLE

    @property
    def emr_role_arn(self) -> str:
        path = PATH if self.path_role else "/"
        return f"arn:aws:iam::{EMR_ACCOUNT}:role{path}{self.emr_role}"

    @property
    def p_arn(self) -> str:
        """P's ARN: at the path ``/partners/`` or ``/``."""
        return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role{PARTNER_PATH if self.partner_path else '/'}{P}"

    def options(self) -> str:
        chosen = [name for name, value in vars(self).items() if value is True]
        return ",".join(chosen + ([f"partial={self.partial}"] if self.partial else []))


def generate(number: int, seed_value: int) -> Case:
    rng = random.Random(seed_value * 7_919 + number)
    path_role = rng.random() < 0.25
    remove_trust = rng.random() < 0.75
    return Case(
        number=number,
        path_role=path_role,
        partner_path=rng.random() < 0.25,
        assume_any=rng.random() < 0.4,
        spilled=not path_role and rng.random() < 0.2,
        other_key_users=rng.random() < 0.4,
        key_user_added=rng.random() < 0.12,
        key_condition=rng.random() < 0.2,
        partner_q=rng.random() < 0.5,
        nightly=rng.random() < 0.25,
        auditor=rng.random() < 0.3,
        trust_condition=rng.random() < 0.3,
        assume_condition=rng.random() < 0.2,
        revoked_before=rng.random() < 0.15,
        partial=rng.choice(["", "", "", "", "emr-side", "trust"]),
        remove_destination_trust=remove_trust,
        delete_destination_role=remove_trust and rng.random() < 0.3,
        with_configuration=rng.random() < 0.75,
        with_keys=rng.random() < 0.85,
        dry_run_first=rng.random() < 0.3,
        # Drawn last, so that the choices above stay those of earlier runs of the study.
        bucket_names_p=rng.random() < 0.2,
        chained_role=rng.random() < 0.2,
        deleted_key=rng.random() < 0.25,
        deny_assume_read=rng.random() < 0.4 and not remove_trust,
        emr_account_trusted=rng.random() < 0.2,
    )


@dataclass
class Outcome:
    """What one case showed; ``problems`` is empty when every claim held."""

    case: Case
    result: str = ""  # "revoked", "still-writes" (documented), "refused"
    problems: list[str] = field(default_factory=list)
    refusal: str = ""  # the refusal's message, its start

    def line(self) -> str:
        problems = "; ".join(self.problems)
        problems = problems if len(problems) < 2000 else f"{problems[:2000]}..."
        return (
            f"case {self.case.number}: {self.result} [{self.case.options()}]"
            + (f" ({self.refusal})" if self.refusal else "")
            + (f" PROBLEMS: {problems}" if problems else "")
        )


# Building --------------------------------------------------------------------------------------------------


def _iam(aws: Seeded, account: str) -> Any:
    return client(aws.url, account, "iam")


def _put_trust(aws: Seeded, role: str, change: Any) -> None:
    iam = _iam(aws, DESTINATION_ACCOUNT)
    trust = _trust(aws, role)
    assert trust is not None
    change(trust)
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))


def _grant(aws: Seeded, case: Case, role: str, prefix: str) -> None:
    """The chain's IAM and KMS steps for one partner, on the case's EMR EC2 role."""
    path = PARTNER_PATH if role == P and case.partner_path else "/"
    arn = ensure_destination_role(aws, role, prefix, case.emr_role_arn, role_path=path)
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=case.emr_role,
            destination_role_arns=[arn],
            settle_seconds=0,
        )
    )
    grant_key_users(aws, [arn])


def _revoker(aws: Seeded, case: Case, configuration: str | None, **overrides: Any) -> RevokePartnerAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "revoke_partner",
        "aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "destination_role_arn": case.p_arn,
        "emr_ec2_role_name": case.emr_role,
        "kms_key_arns": [aws.kms_key_arn] if case.with_keys else None,
        "remove_destination_trust": case.remove_destination_trust,
        "delete_destination_role": case.delete_destination_role,
        "settle_seconds": 0,
    }
    if case.with_configuration:
        arguments.update(security_configuration=configuration, name_prefix="emrfs-xacct-study")
    arguments.update(overrides)
    return RevokePartnerAccessOperator(**arguments)


def build(aws: Seeded, case: Case) -> str:
    """Create the case's starting state and grant P (and Q); return the security configuration's name."""
    _start(aws, case)
    mappings = _grant_partners(aws, case)
    _edit_by_hand(aws, case)
    _name_p_elsewhere(aws, case)
    configuration = create_security_configuration(mappings, name_prefix="emrfs-xacct-study")
    if case.partial == "emr-side":  # an earlier revoke that left the trust
        run_operator(_revoker(aws, case, None, remove_destination_trust=False, delete_destination_role=False))
    elif case.partial == "trust":  # an earlier revoke stopped after its first step
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).revoke_role_trust(
            case.p_arn, (EMR_ACCOUNT, case.emr_role), settings=_settings()
        )
    return configuration


def _start(aws: Seeded, case: Case) -> None:
    """What the accounts hold before the provider runs."""
    emr_iam = _iam(aws, EMR_ACCOUNT)
    if case.path_role:
        ec2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        emr_iam.create_role(
            RoleName=PATH_ROLE,
            Path=PATH,
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ec2]}),
        )
    if case.assume_any:  # the source article's grant
        emr_iam.put_role_policy(
            RoleName=case.emr_role, PolicyName="assume-any-role", PolicyDocument=json.dumps(ASSUME_ANY_ROLE)
        )
    if case.spilled:  # the inline policy is full: P's grant goes to a managed spill policy
        emr_iam.put_role_policy(
            RoleName=case.emr_role, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(assume_role_policy(FILLER))
        )
    if case.other_key_users:
        _change_key_policy(aws, lambda policy: policy["Statement"].append(OTHER_KEY_USERS))


def _grant_partners(aws: Seeded, case: Case) -> list[dict[str, Any]]:
    """Grant P (after an earlier grant and revoke of it, maybe), Q and another EMR role; return the mappings."""
    if case.revoked_before:
        _grant(aws, case, P, PREFIX_P)
        run_operator(_revoker(aws, case, None, remove_destination_trust=True, delete_destination_role=False))
    _grant(aws, case, P, PREFIX_P)
    mappings = [p_mapping(case)]
    if case.partner_q:
        _grant(aws, case, Q, PREFIX_Q)
        mappings.append(mapping(Q, PREFIX_Q))
    if case.nightly:  # another EMR pipeline the provider trusts on P
        create_principals(aws.url, NIGHTLY_EMR_ROLE)
        ensure_destination_role(
            aws, P, PREFIX_P, NIGHTLY_EMR_ROLE, role_path=PARTNER_PATH if case.partner_path else "/"
        )
    return mappings


def _edit_by_hand(aws: Seeded, case: Case) -> None:
    """What people add after the grant: a statement of their own, conditions, a principal in the provider's statement."""
    if case.auditor:
        create_auditor(aws)
        _put_trust(aws, P, lambda trust: trust["Statement"].insert(0, dict(AUDITOR_STATEMENT)))
    if case.emr_account_trusted:
        _put_trust(aws, P, lambda trust: trust["Statement"].append(dict(EMR_ACCOUNT_STATEMENT)))
    if case.trust_condition:
        _put_trust(aws, P, lambda trust: _ours(trust, TRUST_SID).update(Condition=IN_EMR_ACCOUNT))
    if case.assume_condition:
        for name, document in _emr_documents(aws, case):
            statement = _ours(document, ASSUME_SID)
            if name.startswith("inline ") and statement is not None:
                statement["Condition"] = IN_EMR_ACCOUNT
                _iam(aws, EMR_ACCOUNT).put_role_policy(
                    RoleName=case.emr_role, PolicyName=name[7:], PolicyDocument=json.dumps(document)
                )
    if case.key_user_added:
        _change_key_policy(
            aws,
            lambda policy: _ours(policy, KEY_USERS_SID)["Principal"].update(
                AWS=[*as_list(_ours(policy, KEY_USERS_SID)["Principal"]["AWS"]), KEY_ADMIN_ARN]
            ),
        )
    if case.key_condition:
        in_destination = {"StringEquals": {"aws:PrincipalAccount": DESTINATION_ACCOUNT}}
        _change_key_policy(aws, lambda policy: _ours(policy, KEY_USERS_SID).update(Condition=in_destination))


def _name_p_elsewhere(aws: Seeded, case: Case) -> None:
    """What names P besides the provider's documents: the bucket owner's statement, another role's trust, a key gone."""
    destination_iam = _iam(aws, DESTINATION_ACCOUNT)
    if case.bucket_names_p:  # the bucket owner lets the partner read its reports
        reports = {
            "Sid": "PartnerReadsItsReports",
            "Effect": "Allow",
            "Principal": {"AWS": case.p_arn},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/reports/*",
        }
        policy = _bucket_policy(aws) or {"Version": "2012-10-17", "Statement": []}
        policy["Statement"] = [*as_list(policy["Statement"]), reports]
        client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    if case.chained_role:
        trust = {"Effect": "Allow", "Principal": {"AWS": case.p_arn}, "Action": "sts:AssumeRole"}
        destination_iam.create_role(
            RoleName=CHAINED_ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
        )
    if case.deleted_key:
        name = P
        document = _parsed(
            destination_iam.get_role_policy(RoleName=name, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
        )
        statement = _ours(document, KMS_USE_SID)
        assert statement is not None
        statement["Resource"] = [*as_list(statement["Resource"]), DELETED_KEY]
        destination_iam.put_role_policy(
            RoleName=name, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(document)
        )


def _change_key_policy(aws: Seeded, change: Any) -> None:
    policy = _key_policy(aws)
    change(policy)
    client(aws.url, DESTINATION_ACCOUNT, "kms").put_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy)
    )


def p_mapping(case: Case) -> dict[str, Any]:
    return {"Role": case.p_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX_P]}


def _settings() -> Any:
    from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings

    return ConvergeSettings(settle_seconds=0)


# Reading ---------------------------------------------------------------------------------------------------


def _ours(document: dict[str, Any] | None, sid: str) -> dict[str, Any] | None:
    for statement in as_list((document or {}).get("Statement")):
        if isinstance(statement, dict) and statement.get("Sid") == sid:
            return statement
    return None


def _parsed(document: Any) -> dict[str, Any]:
    return json.loads(document) if isinstance(document, str) else dict(document)


def _trust(aws: Seeded, role: str) -> dict[str, Any] | None:
    try:
        found = _iam(aws, DESTINATION_ACCOUNT).get_role(RoleName=role)["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return None
    return _parsed(found["AssumeRolePolicyDocument"])


def _emr_documents(aws: Seeded, case: Case) -> list[tuple[str, dict[str, Any]]]:
    """Every identity policy of the EMR EC2 role: ``("inline <name>" | "managed <name>", document)``."""
    iam = _iam(aws, EMR_ACCOUNT)
    result = [
        (f"inline {name}", _parsed(iam.get_role_policy(RoleName=case.emr_role, PolicyName=name)["PolicyDocument"]))
        for name in iam.list_role_policies(RoleName=case.emr_role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=case.emr_role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        result.append((f"managed {attached['PolicyName']}", _parsed(version["PolicyVersion"]["Document"])))
    return result


def _key_policy(aws: Seeded) -> dict[str, Any]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return _parsed(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])


def _bucket_policy(aws: Seeded) -> dict[str, Any] | None:
    try:
        text = client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=BUCKET)["Policy"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        return None
    return _parsed(text)


def _orphaned(aws: Seeded) -> list[str]:
    """The destination account's policies naming a unique ID where a deleted role was (the stand-in's judge)."""
    iam = _iam(aws, DESTINATION_ACCOUNT)
    policies = {"key policy": _key_policy(aws), "bucket policy": _bucket_policy(aws)}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            policies[f"trust policy of {role['RoleName']}"] = _parsed(role["AssumeRolePolicyDocument"])
    return [
        f"{name} names {ids}" for name, policy in policies.items() if (ids := orphaned_ids(json.dumps(policy or {})))
    ]


def _configuration(aws: Seeded, name: str) -> str:
    return str(client(aws.url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"])


def _split(document: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """
    A document's foreign content, byte for byte, and the provider's statements' values by Sid.

    Foreign: each statement without a provider ``Sid`` (its JSON text, keys in the order AWS returns them, by
    position among the foreign statements) and the document's other elements. Provider's: the values of
    ``Principal.AWS`` (trust, key users) or ``Resource`` (assume) by their identity, with the statement's other
    elements as text (a ``Condition`` someone added).
    """
    foreign: dict[str, str] = {}
    ours: dict[str, list[Any]] = {}
    if document is None:
        return foreign, ours
    for key, value in document.items():
        if key not in ("Statement", "Version"):  # the provider deletes its own documents once empty, Version and all
            foreign[key] = json.dumps(value)
    others = 0
    for statement in as_list(document.get("Statement")):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if sid in PROVIDER_SIDS:
            values = statement["Resource"] if sid == ASSUME_SID else (statement.get("Principal") or {}).get("AWS", [])
            rest = {key: value for key, value in statement.items() if key not in ("Resource", "Principal")}
            ours[sid] = [*sorted(json.dumps(identity_key(value)) for value in as_list(values)), json.dumps(rest)]
        else:
            foreign[f"statement {others}"] = json.dumps(statement)
            others += 1
    return foreign, ours


def state(aws: Seeded, case: Case, configuration: str) -> dict[str, Any]:
    """What the claims compare: every document the revoke touches, split by :func:`_split`."""
    documents: dict[str, dict[str, Any] | None] = {f"emr {name}": doc for name, doc in _emr_documents(aws, case)}
    documents["trust P"] = _trust(aws, P)
    documents["trust Q"] = _trust(aws, Q)
    documents["trust chained"] = _trust(aws, CHAINED_ROLE)
    documents["key policy"] = _key_policy(aws)
    documents["bucket policy"] = _bucket_policy(aws)
    split = {name: _split(document) for name, document in documents.items()}
    return {
        "foreign": {f"{name}: {key}": text for name, (foreign, _) in split.items() for key, text in foreign.items()},
        "ours": {f"{name}: {sid}": values for name, (_, ours) in split.items() for sid, values in ours.items()},
        "configuration": _configuration(aws, configuration),
    }


def write(aws: Seeded, case: Case, configuration: str | None, prefix: str) -> bool:
    """Whether the EMRFS-like writer, on a cluster with ``configuration``, writes under ``prefix`` (the judge decides)."""
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=case.emr_role_arn,
        security_configuration=configuration,
        output_uri=prefix,
        files=1,
        bucket_account=DESTINATION_ACCOUNT,
    ).success


# The claims ------------------------------------------------------------------------------------------------


def _without_revoked(ours: dict[str, list[Any]], case: Case) -> dict[str, list[Any]]:
    """The provider's values as the revoke should leave them: without P (assume, key users), the EMR role (P's trust)."""
    partner, emr_role = json.dumps(identity_key(case.p_arn)), json.dumps(identity_key(case.emr_role_arn))
    result = {}
    for name, values in ours.items():
        gone = emr_role if name.startswith("trust P:") else None if name.startswith("trust Q:") else partner
        kept = [value for value in values[:-1] if value != gone]
        if kept:
            result[name] = [*kept, values[-1]]
    return result


def run_case(aws: Seeded, case: Case) -> Outcome:
    outcome = Outcome(case)
    problems = outcome.problems
    configuration = build(aws, case)
    if case.partner_q and not write(aws, case, configuration, PREFIX_Q):
        problems.append("Q cannot write before the revoke")
    if not case.partial and not write(aws, case, configuration, PREFIX_P):
        problems.append("P cannot write before the revoke")
    with pytest.MonkeyPatch.context() as patch:
        # Set up before the snapshots: what the refused revoke must leave as it was excludes it.
        authorize = _deny_list_role_policies(aws, patch) if case.deny_assume_read else None
        before, whole = state(aws, case, configuration), snapshot(aws)
        try:
            if case.dry_run_first:
                with _authorized(authorize):
                    planned, _, _ = run_operator(_revoker(aws, case, configuration, dry_run=True))
                if changes(whole, snapshot(aws)):
                    problems.append("the dry run changed something")
            # Airflow's task loggers are structlog's.
            with captured_logs() as logged, _authorized(authorize):
                result, _, _ = run_operator(_revoker(aws, case, configuration))
            warnings = [str(entry.get("event")) for entry in logged if entry.get("log_level") == "warning"]
        except ConflictError as error:
            outcome.result, outcome.refusal = "refused", str(error)[:160]
            if changed := changes(whole, snapshot(aws)):
                problems.append(f"a refused revoke changed {sorted(changed)}: {error}")
            if not (case.delete_destination_role and _named_elsewhere(case)):
                problems.append(f"refused, though nothing the case made forbids the revoke: {error}")
            return outcome
    problems += _nothing_orphaned(aws, case)
    if case.dry_run_first and planned["plan"] != result["plan"]:
        problems.append("the dry run planned other changes than the revoke made")

    # (a) The access ends, judged by the writer on a cluster that still runs with the old configuration.
    new_configuration = result["security_configuration"] if case.with_configuration else configuration
    problems += _access(aws, outcome, configuration, new_configuration, warnings)
    # (b) What the provider did not write is kept byte for byte; its own statements lose only the revoked.
    problems += _compare(before, state(aws, case, configuration), case)
    problems += _again(aws, case, configuration)
    return outcome


def _nothing_orphaned(aws: Seeded, case: Case) -> list[str]:
    """A deleted role was named nowhere else; no policy of the destination account shows a unique ID for it."""
    problems = []
    if case.delete_destination_role and (named := _named_elsewhere(case)):
        problems.append(f"the role was deleted while {named} named it")
    if orphaned := _orphaned(aws):
        problems.append(f"a deleted role's unique ID is left: {orphaned}")
    return problems


def _access(
    aws: Seeded, outcome: Outcome, configuration: str, new_configuration: str, warnings: list[str]
) -> list[str]:
    """P no longer writes (unless the revoke said the access is not ended, as documented); Q still writes."""
    case, problems = outcome.case, []
    p_writes = write(aws, case, configuration, PREFIX_P)
    outcome.result = "still-writes" if p_writes else "revoked"
    # Documented: a grant to any role, with a trust the revoke leaves (asked to, or someone's statement for the account).
    trust_left = not case.remove_destination_trust or case.emr_account_trusted
    if p_writes and not (trust_left and case.assume_any):
        problems.append("P still writes after the revoke")
    said = "The access may NOT be ended" if case.deny_assume_read else "The access is NOT ended"
    if p_writes and not any(said in message for message in warnings):
        problems.append(f"P still writes after the revoke, which did not say {said!r}")
    if case.deny_assume_read and not any(said in message for message in warnings):
        problems.append(f"the other grants could not be read, and the revoke did not say {said!r}")
    if case.partner_q and not write(aws, case, new_configuration, PREFIX_Q):
        problems.append("Q cannot write after the revoke")
    return problems


def _compare(before: dict[str, Any], after: dict[str, Any], case: Case) -> list[str]:
    problems = []
    deleted = case.delete_destination_role
    foreign_before = {k: v for k, v in before["foreign"].items() if not (deleted and k.startswith("trust P:"))}
    if after["foreign"] != foreign_before:
        lost = {k: v for k, v in foreign_before.items() if after["foreign"].get(k) != v}
        added = {k: v for k, v in after["foreign"].items() if foreign_before.get(k) != v}
        problems.append(f"foreign content changed: before {lost}, after {added}")
    expected = _without_revoked(before["ours"], case)
    # A revoke deleting the role takes it out of every key its policy grants, given in kms_key_arns or not: a key
    # policy still naming a deleted role would show its unique ID (IAM User Guide, "AWS JSON policy elements:
    # Principal"; devstack/aws_principals.py plays it), which KMS refuses to save back.
    # The key users are the role's: while the trust the revoke leaves lets someone else assume it (another
    # pipeline's EMR EC2 role, someone's statement), the role stays a key user, with a warning.
    shared = case.nightly or _others_in_trust(case)
    keys_untouched = (not case.with_keys or shared) and not deleted
    untouched = ("trust P:",) * (not case.remove_destination_trust) + ("key policy:",) * keys_untouched
    expected.update({k: v for k, v in before["ours"].items() if untouched and k.startswith(untouched)})
    expected = {
        k: v for k, v in expected.items() if not _is_nobody(k, v) and not (deleted and k.startswith("trust P:"))
    }
    got = {k: v for k, v in after["ours"].items() if not _is_nobody(k, v)}
    for name in sorted(set(got) | set(expected)):
        if got.get(name) != expected.get(name):
            missing = sorted(set(expected.get(name, [])) - set(got.get(name, [])))
            extra = sorted(set(got.get(name, [])) - set(expected.get(name, [])))
            problems.append(f"{name}: expected besides {missing}, got besides {extra}")
    if after["configuration"] != before["configuration"]:
        problems.append("the old security configuration changed")
    return problems


def _again(aws: Seeded, case: Case, configuration: str) -> list[str]:
    """A second revoke plans nothing; a grant after the revoke lets P write again (its trust's Condition with it)."""
    problems = []
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(_revoker(aws, case, configuration))
    if again["plan"] or calls.mutating:
        problems.append(f"a second revoke planned {again['plan']} and called {calls.mutating}")
    _grant(aws, case, P, PREFIX_P)
    regranted = create_security_configuration([p_mapping(case)], name_prefix="emrfs-xacct-study")
    if not write(aws, case, regranted, PREFIX_P):
        problems.append("P cannot write after a grant following the revoke")
    if case.trust_condition and case.remove_destination_trust and not case.delete_destination_role:
        statement = _ours(_trust(aws, P), TRUST_SID)
        if statement is None or (statement.get("Condition") != IN_EMR_ACCOUNT and not _others_in_trust(case)):
            problems.append(f"the trust statement's Condition was not kept across revoke and grant: {statement}")
    return problems


def _is_nobody(name: str, values: list[Any]) -> bool:
    """The revoke's trust statement for nobody (a ``Deny`` for ``*``): not a grant."""
    return name.startswith("trust P:") and '"Deny"' in values[-1] and values[:-1] == [json.dumps("*")]


def _others_in_trust(case: Case) -> bool:
    """Whether P's trust policy has statements besides the provider's (its statement then goes with its condition)."""
    return case.auditor or case.emr_account_trusted


@contextlib.contextmanager
def _authorized(authorize: Callable[[str], None] | None) -> Iterator[None]:
    """moto checks identity policies inside (when ``authorize`` is given), none after."""
    if authorize is None:
        yield
        return
    authorize("0")
    try:
        yield
    finally:
        authorize("inf")


def _named_elsewhere(case: Case) -> list[str]:
    """
    What names P that the revoke does not change, so that deleting P is refused: another EMR EC2 role or someone's
    statement in its trust, the bucket owner's statement, another role's trust (the stand-in's judge would show
    P's unique ID there once deleted, and refuse its owner's next edit).
    """
    named = ("nightly", "auditor", "emr_account_trusted", "bucket_names_p", "chained_role")
    return [what for what in named if getattr(case, what)]


def _deny_list_role_policies(aws: Seeded, patch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """
    Refuse ``iam:ListRolePolicies`` to the EMR connection; return ``authorize(count)`` turning moto's checks on or off.

    The connections sign as a user moto issued and assume ``PROVISIONER_ROLE``, allowed everything else (as
    tests/integration/test_revoke_options.py's ``deny_in_destination``); moto checks identity policies once
    ``/moto-api/reset-auth`` is ``0``, none with ``inf``.
    """
    user = sign_connections_as_moto_user(aws.url, patch)
    provisioner_roles(aws.url, user, {EMR_ACCOUNT: "iam:ListRolePolicies"})

    def authorize(count: str) -> None:
        moto_authorization(aws.url, count)

    return authorize


def run(url: str, numbers: list[int], seed_value: int, reset: Any) -> list[Outcome]:
    outcomes = []
    for number in numbers:
        reset(url)
        aws = seed(url)
        outcomes.append(run_case(aws, generate(number, seed_value)))
    return outcomes
