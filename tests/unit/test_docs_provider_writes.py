"""
docs/concepts.md, "What the provider owns": its list of what the provider writes accounts for every mutating
action of docs/permissions.md's tables, so a new write documented there without an entry in that list fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The verbs of the actions that only read (IAM, S3, KMS, EMR, EC2); every other action changes something.
READ_VERBS = ("Get", "List", "Describe", "Simulate")
#: Each mutating action of the tables, and the words of the list's entries that account for it (each must be there).
ACCOUNTED_FOR: dict[str, tuple[str, ...]] = {
    "iam:CreateRole": ("the destination role: created when missing",),
    "iam:TagRole": ("created when missing (at `role_path`, tagged `emrfs-xacct:managed-by`)",),
    "iam:UpdateAssumeRolePolicy": ("one trust statement (`Sid: EmrfsXacctTrustEmrRoles`",),
    "iam:PutRolePolicy": (
        "one inline policy (`emrfs-xacct-destination-access`)",
        "one inline policy for the assume grant (`policy_name`, default `emrfs-xacct-assume-destination-roles`",
        "the inline policy `emrfs-xacct-bucket-access`",
    ),
    "iam:DeleteRolePolicy": (
        "deleted by the revoke once no statement is left in it",
        "that inline policy and the role itself are deleted",
    ),
    "iam:DeleteRole": ("with the revoke's `delete_destination_role=True`, that inline policy and the role itself",),
    "iam:CreatePolicy": ("spill managed policies under the path `/emrfs-xacct/`",),
    "iam:TagPolicy": ("created tagged `emrfs-xacct:managed-by`, attached",),
    "iam:AttachRolePolicy": ("attached to the role",),
    "iam:CreatePolicyVersion": ("given new versions",),
    "iam:DeletePolicyVersion": ("the oldest deleted to make room",),
    "iam:DetachRolePolicy": ("detached and deleted",),
    "iam:DeletePolicy": ("detached and deleted",),
    "iam:PassRole": ("launched (passing their service and EC2 roles)",),
    "kms:PutKeyPolicy": ("one key-policy statement (`Sid: EmrfsXacctKeyUsers`)",),
    "s3:PutBucketPolicy": ("in the destination bucket's policy, one pair of statements per granted role",),
    "s3:DeleteBucketPolicy": ("the bucket policy is deleted when a revoke leaves it no statement",),
    "s3:PutBucketOwnershipControls": ("with `enforce_bucket_owner=True`, the bucket's Object Ownership",),
    "s3:DeleteObject": ("`…/_emrfs_xacct_probe/<uuid>` object", "deleted afterwards"),
    "s3:DeleteObjectVersion": ("each version of them",),
    "elasticmapreduce:CreateSecurityConfiguration": ("security configurations named `<name_prefix>-<hash>`: created",),
    "elasticmapreduce:DeleteSecurityConfiguration": ("deleted when unused (`DeleteUnusedSecurityConfigsOperator`)",),
    "elasticmapreduce:RunJobFlow": ("clusters tagged `emrfs-xacct:idempotency-key`: launched",),
    "elasticmapreduce:TerminateJobFlows": ("terminated by the teardown or by a launch killed",),
    "elasticmapreduce:SetTerminationProtection": ("with `disable_termination_protection=True`",),
    "elasticmapreduce:AddJobFlowSteps": ("its probe steps on the given cluster (added",),
    "elasticmapreduce:CancelSteps": ("cancelled if still pending or running",),
}


def table_actions() -> set[str]:
    """Every action named in docs/permissions.md's two tables (the operators' and the command line's)."""
    text = (DOCS / "permissions.md").read_text()
    rows: list[str] = []
    for table in ("permissions", "cli-permissions"):
        body = text.split(f"<!-- {table}:start -->", 1)[1].split(f"<!-- {table}:end -->", 1)[0]
        rows += [line for line in body.splitlines() if line.startswith("|")]
    return set(re.findall(r"`([a-z0-9-]+:[A-Za-z*]+)`", "\n".join(rows)))


def writes_list() -> str:
    """The list after "It writes only" in docs/concepts.md, its lines joined (an entry's words may wrap)."""
    text = (DOCS / "concepts.md").read_text()
    listed = text.split("It writes only", 1)[1].split("\n\n", 2)[1]
    assert listed.startswith("- "), listed[:80]
    return " ".join(line.strip() for line in listed.splitlines())


def mutating(actions: set[str]) -> set[str]:
    return {action for action in actions if not action.split(":", 1)[1].startswith(READ_VERBS)}


def test_every_mutating_action_of_the_permission_tables_is_in_the_list_of_writes() -> None:
    # The classification: any verb but a read's counts, whatever its service.
    assert mutating({"iam:GetRole", "s3:ListBucket", "ec2:DescribeSubnets", "iam:SimulatePrincipalPolicy"}) == set()
    assert mutating({"iam:UntagRole", "s3:PutBucketVersioning"}) == {"iam:UntagRole", "s3:PutBucketVersioning"}
    writes = mutating(table_actions())
    assert {"kms:PutKeyPolicy", "iam:CreatePolicy", "s3:PutBucketOwnershipControls"} <= writes  # the tables were read
    missing = sorted(writes - set(ACCOUNTED_FOR))
    assert missing == [], f"docs/permissions.md writes with {missing}: say what in docs/concepts.md's list, map it here"
    assert sorted(set(ACCOUNTED_FOR) - writes) == []  # no action the tables no longer name

    listed = writes_list()
    unsaid = {action: words for action, entries in ACCOUNTED_FOR.items() for words in entries if words not in listed}
    assert unsaid == {}
