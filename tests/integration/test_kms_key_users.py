"""GrantKmsKeyUserOperator against moto: the destination role as a key user of the bucket's key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, PreconditionError
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, captured_logs, run_operator

SID = "EmrfsXacctKeyUsers"
PARTNER_A_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
KEY_USER_ACTIONS = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
#: Well-formed but unseeded (the seeded key's id is random).
SOME_KEY_ARN = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def make_operator(key_arn: str, **overrides: Any) -> GrantKmsKeyUserOperator:
    arguments: dict[str, Any] = {
        "task_id": "grant_kms_key_user",
        "aws_conn_id": DESTINATION_CONN_ID,
        "key_arn": key_arn,
        "principal_arns": [PARTNER_A_ROLE],
        "settle_seconds": 0,
    }
    arguments.update(overrides)
    return GrantKmsKeyUserOperator(**arguments)


def key_policy(kms: Any, key_arn: str) -> dict[str, Any]:
    return json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])


def create_roles(aws: Seeded, *names: str) -> None:
    """KMS refuses principals that do not exist (the stand-in too, devstack/aws_principals.py): make them first."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=EC2_ONLY_TRUST)


def test_first_run_adds_the_key_user_statement_and_a_second_run_changes_nothing(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer")
    operator = make_operator(aws.kms_key_arn)

    result, recorder, ti = run_operator(operator)
    sent = recorder.params_of("PutKeyPolicy")

    assert result == aws.kms_key_arn
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = key_policy(kms, aws.kms_key_arn)
    assert policy["Version"] == aws.key_policy["Version"]
    assert policy["Id"] == aws.key_policy["Id"]
    assert policy["Statement"][:2] == aws.key_policy["Statement"]  # the admin statements, exactly and first
    assert len(policy["Statement"]) == 3
    users = policy["Statement"][2]
    assert users["Sid"] == SID
    assert users["Effect"] == "Allow"
    assert as_list(users["Principal"]["AWS"]) == [PARTNER_A_ROLE]
    assert set(as_list(users["Action"])) == KEY_USER_ACTIONS
    assert users["Resource"] == "*"  # in a key policy, "*" is this key
    assert recorder.mutating == ["PutKeyPolicy"]
    assert len(sent) == 1
    assert not sent[0].get("BypassPolicyLockoutSafetyCheck", False)
    [change] = ti.xcoms["plan"]
    assert change["action"] == "update"
    assert change["before"] == aws.key_policy
    assert change["after"] == policy

    second, recorder, ti = run_operator(make_operator(aws.kms_key_arn))
    assert second == aws.kms_key_arn
    assert recorder.mutating == []
    # The key's kind and state are read only when the grant would change the policy: a rerun reads it once.
    assert recorder.reads == ["GetKeyPolicy"]
    assert ti.xcoms["plan"] == []
    assert key_policy(kms, aws.kms_key_arn) == policy


def test_a_second_principal_is_added_and_the_first_and_the_admins_are_kept(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer", "partner-b-writer")
    run_operator(make_operator(aws.kms_key_arn))

    _, recorder, ti = run_operator(make_operator(aws.kms_key_arn, principal_arns=PARTNER_B_ROLE))

    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = key_policy(kms, aws.kms_key_arn)
    assert policy["Statement"][:2] == aws.key_policy["Statement"]
    assert len(policy["Statement"]) == 3
    assert sorted(as_list(policy["Statement"][2]["Principal"]["AWS"])) == [PARTNER_A_ROLE, PARTNER_B_ROLE]
    assert recorder.mutating == ["PutKeyPolicy"]
    [change] = ti.xcoms["plan"]
    assert as_list(change["before"]["Statement"][2]["Principal"]["AWS"]) == [PARTNER_A_ROLE]

    # Naming only the first again takes nothing away.
    _, recorder, _ = run_operator(make_operator(aws.kms_key_arn))
    assert recorder.mutating == []


def test_a_key_user_statement_written_earlier_keeps_its_principals_and_place(aws: Seeded) -> None:
    """A key policy where someone (an earlier version, a colleague) already wrote our Sid, with another principal."""
    create_roles(aws, "partner-a-writer", "partner-b-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    earlier = {
        "Sid": SID,
        "Effect": "Allow",
        "Principal": {"AWS": PARTNER_B_ROLE},
        "Action": sorted(KEY_USER_ACTIONS),
        "Resource": "*",
    }
    admins_first, admins_second = aws.key_policy["Statement"]
    existing = {**aws.key_policy, "Statement": [admins_first, earlier, admins_second]}
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(existing))

    run_operator(make_operator(aws.kms_key_arn))

    policy = key_policy(kms, aws.kms_key_arn)
    assert [item.get("Sid") for item in policy["Statement"]] == [admins_first["Sid"], SID, admins_second["Sid"]]
    assert policy["Statement"][0] == admins_first
    assert policy["Statement"][2] == admins_second
    assert sorted(as_list(policy["Statement"][1]["Principal"]["AWS"])) == [PARTNER_A_ROLE, PARTNER_B_ROLE]


def test_unknown_key_is_a_precondition_error_without_a_write(aws: Seeded) -> None:
    operator = make_operator(SOME_KEY_ARN)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    # The task log names the field, the call, the key, the connection, AWS's answer and the fix.
    assert str(excinfo.value).startswith(f"key_arn: kms:GetKeyPolicy on {SOME_KEY_ARN} failed for connection ")
    assert "(NotFoundException: " in str(excinfo.value)
    assert str(excinfo.value).endswith("check the key's id and region, or create the key first")
    assert recorder.calls == ["GetKeyPolicy"]
    # KMS is eventually consistent: a key created seconds ago may answer NotFoundException for a while (AWS KMS
    # Developer Guide, "AWS KMS eventual consistency"), so the task keeps its Airflow retries.
    assert not isinstance(excinfo.value, AirflowFailException)
    # Only the console link, persisted before any AWS call; no plan, no value.
    assert set(ti.xcoms) <= {"emrfs_xacct_kms_key"}
    assert "plan" not in ti.xcoms


def test_dry_run_changes_nothing_and_returns_the_key_arn(aws: Seeded) -> None:
    result, recorder, ti = run_operator(make_operator(aws.kms_key_arn, dry_run=True))

    assert recorder.mutating == []
    assert result == aws.kms_key_arn
    [change] = ti.xcoms["plan"]
    assert change["action"] == "update"
    assert change["before"] == aws.key_policy
    assert as_list(change["after"]["Statement"][-1]["Principal"]["AWS"]) == [PARTNER_A_ROLE]
    assert key_policy(client(aws.url, DESTINATION_ACCOUNT, "kms"), aws.kms_key_arn) == aws.key_policy


@pytest.mark.parametrize("sid", ["AllowUseOfTheKey", None])
def test_a_deleted_principal_in_a_statement_not_ours_is_a_conflict_before_any_write(
    aws: Seeded, sid: str | None
) -> None:
    """
    KMS shows a deleted role as its unique ID and refuses every key policy still naming it (Knowledge
    Center, kms-policy-error-invalid-principals; the stand-in plays both, devstack/aws_principals.py).
    The provider must not edit that statement: it names it and the ID at once, rather than retrying
    about a minute as if IAM were slow and then raising KMS's error.

    The provider's statement holds a role deleted since too: dropping its ID is a write KMS would refuse, and the
    rerun has nothing else to write, so it writes nothing (it was refused before, for a write it never needed).
    """
    create_roles(aws, "partner-a-writer", "partner-b-writer", "retired-writer", "console-user")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    console_user = iam.get_role(RoleName="console-user")["Role"]
    theirs = {"Effect": "Allow", "Principal": {"AWS": [console_user["Arn"]]}, "Action": "kms:Decrypt", "Resource": "*"}
    if sid:
        theirs = {"Sid": sid, **theirs}
    existing = {**aws.key_policy, "Statement": [*aws.key_policy["Statement"], theirs]}
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(existing))
    retired = PARTNER_A_ROLE.replace("partner-a-writer", "retired-writer")
    run_operator(make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE, retired]))
    retired_id = iam.get_role(RoleName="retired-writer")["Role"]["RoleId"]
    iam.delete_role(RoleName="console-user")
    iam.delete_role(RoleName="retired-writer")
    before = key_policy(kms, aws.kms_key_arn)
    assert retired_id in as_list(before["Statement"][-1]["Principal"]["AWS"])  # the provider's, shown as its ID
    # Nothing to change: the rerun reads and writes nothing, whatever the other statements hold.
    _, recorder, _ = run_operator(make_operator(aws.kms_key_arn))
    assert recorder.mutating == []
    assert key_policy(kms, aws.kms_key_arn) == before
    operator = make_operator(aws.kms_key_arn, principal_arns=[PARTNER_B_ROLE])
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    named = f"statement {sid!r}" if sid else "statement [2] (no Sid)"
    assert f"{named} names {console_user['RoleId']!r}" in str(excinfo.value)
    assert "remove" in str(excinfo.value)
    assert recorder.mutating == []
    assert key_policy(kms, aws.kms_key_arn) == before


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_rerun_whose_only_change_is_a_clean_up_kms_refuses_writes_nothing_and_names_the_statement(
    aws: Seeded, dry_run: bool
) -> None:
    """
    The key users are partner-a-writer and partner-b-writer; someone's statement ``Theirs`` names console-user; both
    partner-b-writer and console-user are deleted since, and the key policy shows each as its unique ID (IAM User
    Guide, "AWS JSON policy elements: Principal"; the stand-in plays it). KMS refuses every key policy still naming
    console-user's ID ("Policy contains a statement with one or more invalid principals": AWS Knowledge Center,
    kms-policy-error-invalid-principals), which the provider does not edit, so dropping partner-b-writer's ID from
    the provider's statement cannot be written; nothing else is to change. The rerun for partner-a-writer writes
    nothing, succeeds, and warns naming ``Theirs``; before, it was refused (``ConflictError``), its dry run too.
    """
    create_roles(aws, "partner-a-writer", "partner-b-writer", "console-user")
    kms, iam = client(aws.url, DESTINATION_ACCOUNT, "kms"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE, PARTNER_B_ROLE]))
    console_user = iam.get_role(RoleName="console-user")["Role"]
    policy = key_policy(kms, aws.kms_key_arn)
    theirs = {
        "Sid": "Theirs",
        "Effect": "Allow",
        "Principal": {"AWS": console_user["Arn"]},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    policy["Statement"].append(theirs)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
    partner_b_id = iam.get_role(RoleName="partner-b-writer")["Role"]["RoleId"]
    iam.delete_role(RoleName="partner-b-writer")
    iam.delete_role(RoleName="console-user")
    before = key_policy(kms, aws.kms_key_arn)
    [ours] = [statement for statement in before["Statement"] if statement.get("Sid") == SID]
    assert sorted(as_list(ours["Principal"]["AWS"])) == sorted([PARTNER_A_ROLE, partner_b_id])

    with captured_logs() as logs:
        result, recorder, ti = run_operator(make_operator(aws.kms_key_arn, dry_run=dry_run))

    assert result == aws.kms_key_arn
    assert recorder.mutating == []
    assert ti.xcoms.get("plan", []) == []
    assert key_policy(kms, aws.kms_key_arn) == before
    [warning] = [str(entry) for entry in logs if "is left as it is" in str(entry)]
    assert f"statement 'Theirs' names '{console_user['RoleId']}'" in warning
    assert partner_b_id in warning  # the clean-up held back


def test_a_grant_with_something_to_write_beside_a_blocked_clean_up_is_still_refused(aws: Seeded) -> None:
    """
    The same key policy, and a grant that adds a key user: that write is needed, and KMS refuses it while ``Theirs``
    names a deleted principal (AWS Knowledge Center, kms-policy-error-invalid-principals): a ``ConflictError``
    naming the statement and the ID, before any write, as before.
    """
    create_roles(aws, "partner-a-writer", "partner-b-writer", "partner-c-writer", "console-user")
    kms, iam = client(aws.url, DESTINATION_ACCOUNT, "kms"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE, PARTNER_B_ROLE]))
    console_user = iam.get_role(RoleName="console-user")["Role"]
    policy = key_policy(kms, aws.kms_key_arn)
    theirs = {"Effect": "Allow", "Principal": {"AWS": console_user["Arn"]}, "Action": "kms:Decrypt", "Resource": "*"}
    policy["Statement"].append({"Sid": "Theirs", **theirs})
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
    iam.delete_role(RoleName="partner-b-writer")
    iam.delete_role(RoleName="console-user")
    before = key_policy(kms, aws.kms_key_arn)
    partner_c = PARTNER_A_ROLE.replace("partner-a-writer", "partner-c-writer")

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as refused:
        run_operator(make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE, partner_c], dry_run=True))

    assert f"statement 'Theirs' names '{console_user['RoleId']}'" in str(refused.value)
    assert recorder.mutating == []
    assert key_policy(kms, aws.kms_key_arn) == before


def test_a_key_user_named_in_another_spelling_is_held_already(aws: Seeded) -> None:
    """
    A key policy shows a role principal as the role's own ARN (IAM User Guide, "AWS JSON policy elements:
    Principal"; IAM names are not distinguished by case, "CreateRole"; the stand-in plays it). A grant
    naming ``Partner-A-Writer`` for the key user ``partner-a-writer`` writes nothing.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(RoleName="partner-a-writer", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    run_operator(make_operator(aws.kms_key_arn))

    _, recorder, _ = run_operator(
        make_operator(aws.kms_key_arn, principal_arns=[PARTNER_A_ROLE.replace("partner-a-writer", "Partner-A-Writer")])
    )

    assert recorder.mutating == []
    policy = json.loads(
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
    )
    [users] = [statement for statement in policy["Statement"] if statement.get("Sid") == SID]
    assert as_list(users["Principal"]["AWS"]) == [PARTNER_A_ROLE]


def aws_managed_key(aws: Seeded) -> str:
    """The ARN of the destination account's AWS managed key ``aws/s3`` (KMS makes it on first use)."""
    return str(client(aws.url, DESTINATION_ACCOUNT, "kms").describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"])


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_an_aws_managed_key_needs_no_grant_for_a_principal_of_its_account(
    aws: Seeded, dry_run: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The policy AWS gives its managed keys lets every principal of the key's account use it through the service
    (AWS KMS Developer Guide, "kms:CallerAccount"), and nobody may change it: "you can only change the key policy
    for a customer managed key" ("Change a key policy"). A destination role of the key's account (option (b)) can
    write to a bucket encrypted with ``aws/s3`` as it is (the verifier and the stand-in's EMRFS judge so): the
    grant changes nothing and plans nothing, rather than failing a pipeline that works.
    """
    create_roles(aws, "partner-a-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    managed = aws_managed_key(aws)
    before = key_policy(kms, managed)

    capfd.readouterr()
    result, recorder, ti = run_operator(make_operator(managed, dry_run=dry_run))
    logged = capfd.readouterr().out  # the task's log (Airflow's structured logger writes to stdout)

    assert result == managed
    assert recorder.mutating == []
    # Told by DescribeKey's KeyManager, and ListAliases: alias/aws/s3 names it (not another service's).
    assert recorder.of("kms") == ["GetKeyPolicy", "DescribeKey", "ListAliases"]
    assert ti.xcoms["plan"] == []
    assert key_policy(kms, managed) == before
    # docs/howto/kms_key_user.md: the task "says why in its log".
    assert f"{managed} is an AWS managed key" in logged, logged
    assert "nothing is granted" in logged


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_an_aws_managed_key_is_refused_for_a_principal_of_another_account_before_any_write(
    aws: Seeded, dry_run: bool
) -> None:
    """
    No principal of another account may ever use an AWS managed key (its policy allows only its own account, and
    cannot be changed): the EMR EC2 role of option (a) is refused, naming it and the key, before any write, in a
    dry run too, instead of planning a ``PutKeyPolicy`` KMS must deny and asking for a permission that would not help.
    """
    create_roles(aws, "partner-a-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    managed = aws_managed_key(aws)
    before = key_policy(kms, managed)
    operator = make_operator(managed, principal_arns=[PARTNER_A_ROLE, aws.emr_ec2_role_arn], dry_run=dry_run)

    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError, match="AWS managed key") as caught:
        run_operator(operator)

    assert caught.value.field == "principal_arns[1]"
    assert aws.emr_ec2_role_arn in str(caught.value)
    assert managed in str(caught.value)
    assert "kms:PutKeyPolicy" not in str(caught.value)
    assert recorder.of("kms") == ["GetKeyPolicy", "DescribeKey", "ListAliases"]
    assert key_policy(kms, managed) == before


def test_a_key_policy_with_a_name_twice_in_one_object_is_a_conflict_before_any_write(aws: Seeded) -> None:
    """
    KMS keeps a key policy as the text it was sent (AWS KMS API Reference, GetKeyPolicy: ``Policy``, "A key
    policy document in JSON format"), so a statement someone wrote with an operator twice in its
    ``Condition`` comes back so. A JSON parser keeps one of the two; writing the document back would drop
    the other, a restriction its author wrote, without anyone seeing it. The grant refuses, naming the
    name and the key, before any write; the text stays exactly as it was.
    """
    create_roles(aws, "partner-a-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    admins = json.dumps(aws.key_policy["Statement"])[1:-1]
    theirs = (
        '{"Sid": "DecryptThroughS3FromTheVpc", "Effect": "Allow", '
        f'"Principal": {{"AWS": "arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}, "Action": "kms:Decrypt", '
        '"Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, '
        '"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}'
    )
    text = f'{{"Version": "2012-10-17", "Id": {json.dumps(aws.key_policy["Id"])}, "Statement": [{admins}, {theirs}]}}'
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=text)
    operator = make_operator(aws.kms_key_arn)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    assert "'StringEquals'" in str(excinfo.value)
    assert "put the key policy back (PutKeyPolicy" in str(excinfo.value)
    # Named once, as parse_document names it (the read-modify-write does not name it again).
    assert str(excinfo.value).startswith(f"the key policy of {aws.kms_key_arn}: 'StringEquals' appears twice")
    assert excinfo.value.document == f"the key policy of {aws.kms_key_arn}"
    assert recorder.mutating == []
    assert kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"] == text


def test_a_key_policy_that_fits_as_sent_is_not_refused_for_the_spaces_of_another_spelling(aws: Seeded) -> None:
    """
    KMS limits the key policy it is sent to 32,768 bytes (AWS KMS API Reference, PutKeyPolicy, ``Policy``; AWS
    KMS Developer Guide, "Key policy format": "Up to 32 kilobytes (32,768 bytes)"), spaces counted: unlike IAM
    ("IAM doesn't count white space"), KMS documents no exception. The provider sends the policy without the
    spaces a JSON dumper puts after ``,`` and ``:``, and measures what it sends: a policy that fits so is
    written (the stand-in refuses past 32,768 bytes, devstack/aws_quotas.py), not refused for spaces it
    would not have sent; one byte more is refused, naming the quota, before any write.
    """
    create_roles(aws, "partner-a-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    ours = documents.key_users_statement([PARTNER_A_ROLE])

    def compact(document: dict[str, Any]) -> int:
        return len(json.dumps(document, separators=(",", ":")).encode())

    def existing_policy(size_with_ours: int) -> dict[str, Any]:
        """The seeded policy and statements of someone else's: with the provider's statement, this many bytes."""
        theirs = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
                  "Action": ["kms:DescribeKey", "kms:GetKeyPolicy"], "Resource": "*"}  # fmt: skip
        statements = [*aws.key_policy["Statement"]]
        while compact({**aws.key_policy, "Statement": [*statements, {"Sid": "x", **theirs}, ours]}) < size_with_ours:
            statements.append({"Sid": f"Audit{len(statements)}", **theirs})
        short = compact({**aws.key_policy, "Statement": [*statements, ours]}) - size_with_ours
        statements[-1] = {
            **statements[-1],
            "Sid": statements[-1]["Sid"][:-short] if short > 0 else statements[-1]["Sid"] + "x" * -short,
        }
        return {**aws.key_policy, "Statement": statements}

    fits = existing_policy(32_768)
    granted = {**fits, "Statement": [*fits["Statement"], ours]}
    assert compact(granted) == 32_768 < len(json.dumps(granted).encode())
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(fits, separators=(",", ":")))

    _, recorder, _ = run_operator(make_operator(aws.kms_key_arn))

    assert recorder.mutating == ["PutKeyPolicy"]
    assert key_policy(kms, aws.kms_key_arn) == granted

    over = existing_policy(32_769)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(over, separators=(",", ":")))
    operator = make_operator(aws.kms_key_arn)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError, match="32768"):
        operator.execute({"ti": ti, "task_instance": ti})
    assert recorder.mutating == []


@pytest.mark.parametrize("foreign", ["ü", "あ"])
def test_a_key_policy_with_characters_beyond_ascii_is_sent_as_kms_takes_them_and_counted_so(
    aws: Seeded, foreign: str
) -> None:
    """
    KMS takes the printable characters of Basic Latin and Latin-1 Supplement as they are, and no others (AWS KMS
    Developer Guide, "Create a key policy"; AWS KMS API Reference, "PutKeyPolicy": ``Policy``, "Pattern:
    [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", which the stand-in's request-shape judge applies). Someone's condition
    holding ``ü`` is sent as itself, two bytes of UTF-8, so a policy of 32,768 bytes so is written: sent as ``\\u00fc``,
    six bytes each, it was refused as past KMS's quota. ``あ`` is sent as its escape, six bytes, and counted so: sent as
    itself, KMS would refuse it.
    """
    create_roles(aws, "partner-a-writer")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    ours = documents.key_users_statement([PARTNER_A_ROLE])
    theirs: dict[str, Any] = {
        "Sid": "Audit",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/Abteilung": ""}},
    }
    sent_size = len(foreign.encode()) if foreign == "ü" else len("\\u3042")  # the judge: the documented rule

    def granted_bytes(value: str) -> int:
        theirs["Condition"]["StringEquals"]["aws:PrincipalTag/Abteilung"] = value
        document = {**aws.key_policy, "Statement": [*aws.key_policy["Statement"], theirs, ours]}
        ascii_part = value.replace(foreign, "")
        return (
            len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
            - len(value.encode())
            + len(ascii_part)
            + value.count(foreign) * sent_size
        )

    room = 32_768 - granted_bytes("")
    value = foreign * (room // sent_size) + "x" * (room % sent_size)
    assert granted_bytes(value) == 32_768
    before = {**aws.key_policy, "Statement": [*aws.key_policy["Statement"], theirs]}
    seeded = json.dumps(before, ensure_ascii=foreign != "ü", separators=(",", ":"))  # as KMS takes it
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=seeded)

    _, recorder, _ = run_operator(make_operator(aws.kms_key_arn))

    assert recorder.mutating == ["PutKeyPolicy"]
    assert key_policy(kms, aws.kms_key_arn) == {**before, "Statement": [*before["Statement"], ours]}
    stored = kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]
    assert len(stored.encode()) == 32_768  # as sent
    assert (foreign in stored) == (foreign == "ü")


def _key_of_kind(aws: Seeded, kind: str) -> str:
    """A key of the destination account, with the seeded key's policy, that S3 cannot encrypt with as it is."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    arguments: dict[str, Any] = {"Policy": json.dumps(aws.key_policy)}
    if kind == "RSA_2048":
        arguments.update(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    elif kind == "HMAC_256":
        arguments.update(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    metadata = kms.create_key(**arguments)["KeyMetadata"]
    # moto's ScheduleKeyDeletion and DisableKey take no ARN (HTTP 500): the key id.
    if kind == "PendingDeletion":
        kms.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    elif kind == "Disabled":
        kms.disable_key(KeyId=metadata["KeyId"])
    return str(metadata["Arn"])


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        # Amazon S3 API Reference, "Encryption": "Amazon S3 only supports symmetric encryption KMS keys".
        (
            "RSA_2048",
            "has KeySpec RSA_2048 and KeyUsage ENCRYPT_DECRYPT, and S3 encrypts only with symmetric encryption keys",
        ),
        (
            "HMAC_256",
            "has KeySpec HMAC_256 and KeyUsage GENERATE_VERIFY_MAC, and S3 encrypts only with symmetric encryption keys",
        ),
        # AWS KMS API Reference, ScheduleKeyDeletion / CancelKeyDeletion: deleted at the end of its waiting period.
        ("PendingDeletion", "is PendingDeletion: KMS deletes it when its waiting period ends"),
    ],
)
def test_a_key_s3_cannot_encrypt_with_is_refused_before_any_write(aws: Seeded, kind: str, said: str) -> None:
    """No grant makes writes work with such a key: refused naming ``key_arn``, the key and the fix; nothing written."""
    create_roles(aws, "partner-a-writer")
    key_arn = _key_of_kind(aws, kind)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    before = key_policy(kms, key_arn)

    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError) as caught:
        run_operator(make_operator(key_arn))

    assert str(caught.value).startswith(f"key_arn: {key_arn} {said}")
    assert ("kms:CancelKeyDeletion" if kind == "PendingDeletion" else "SYMMETRIC_DEFAULT") in str(caught.value)
    assert recorder.mutating == []
    assert key_policy(kms, key_arn) == before
    assert not caught.value.retriable  # a person changes the key or the bucket; a retry sees the same


def test_a_dry_run_that_would_grant_a_key_scheduled_for_deletion_refuses_it(aws: Seeded) -> None:
    """The key is judged when a change is planned, so a dry run shows the refusal the real run would meet."""
    create_roles(aws, "partner-a-writer")
    key_arn = _key_of_kind(aws, "PendingDeletion")

    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError) as caught:
        run_operator(make_operator(key_arn, dry_run=True))

    assert str(caught.value).startswith(f"key_arn: {key_arn} is PendingDeletion")
    assert recorder.calls == ["GetKeyPolicy", "DescribeKey"]


def test_a_key_granted_before_it_was_scheduled_for_deletion_is_not_described_again(aws: Seeded) -> None:
    """
    A rerun that changes nothing reads the key policy only (no write to guard); the verifier, which describes the
    key on every run, fails the key link of a key scheduled for deletion, naming the fix.
    """
    create_roles(aws, "partner-a-writer")
    run_operator(make_operator(aws.kms_key_arn))
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.schedule_key_deletion(KeyId=aws.kms_key_arn.rsplit("/", 1)[1], PendingWindowInDays=7)

    result, recorder, ti = run_operator(make_operator(aws.kms_key_arn))

    assert result == aws.kms_key_arn
    assert recorder.calls == ["GetKeyPolicy"]
    assert ti.xcoms["plan"] == []


def test_a_disabled_key_is_granted_with_a_warning_naming_the_fix(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A disabled key may be enabled again (AWS KMS API Reference, EnableKey): the grant is right then, so it is made;
    the writes fail until then, which the task log says (and the verifier fails, naming the same fix).
    """
    create_roles(aws, "partner-a-writer")
    key_arn = _key_of_kind(aws, "Disabled")

    capfd.readouterr()
    result, recorder, _ti = run_operator(make_operator(key_arn))
    logged = capfd.readouterr().out  # the task's log (Airflow's structured logger writes to stdout)

    assert result == key_arn
    assert recorder.mutating == ["PutKeyPolicy"]
    users = key_policy(client(aws.url, DESTINATION_ACCOUNT, "kms"), key_arn)["Statement"][-1]
    assert as_list(users["Principal"]["AWS"]) == [PARTNER_A_ROLE]
    warned = [line for line in logged.splitlines() if "warning" in line.lower() and f"{key_arn} is Disabled" in line]
    assert warned, logged
    assert "kms:EnableKey" in warned[0]


def test_an_enabled_symmetric_key_is_granted_without_a_warning(aws: Seeded, capfd: pytest.CaptureFixture[str]) -> None:
    create_roles(aws, "partner-a-writer")

    capfd.readouterr()
    run_operator(make_operator(aws.kms_key_arn))

    assert "S3 cannot encrypt" not in capfd.readouterr().out


def test_a_describe_key_the_connection_may_not_make_is_said_and_the_grant_goes_on(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A connection without kms:DescribeKey granted before keeps working: the check is skipped, and said to be."""
    from devstack.fault_proxy import FaultProxy
    from tests.conftest import use_connections

    create_roles(aws, "partner-a-writer")
    denied = (400, "AccessDeniedException", "User is not authorized to perform: kms:DescribeKey")
    with FaultProxy(aws.url, intercept=lambda operation: denied if operation == "DescribeKey" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        capfd.readouterr()
        result, recorder, _ = run_operator(make_operator(aws.kms_key_arn))

    assert result == aws.kms_key_arn
    assert recorder.mutating == ["PutKeyPolicy"]
    assert proxy.requests["DescribeKey"] == 1
    logged = capfd.readouterr().out
    assert f"kms:DescribeKey on {aws.kms_key_arn} was denied" in logged
    assert "is not checked" in logged
