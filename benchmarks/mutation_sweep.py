"""
The mutation sweep: plant one small bug at a time in the provider and see whether the tests notice.

Each mutation replaces one exact piece of text (found exactly once) in one file, runs the test files
that cover that code (``pytest -x``: the first failure kills the mutant), then restores the file with
``git checkout``. Not part of ``make test``; run it by hand, from a clean work tree::

    python -m benchmarks.mutation_sweep                 # every mutation (about half an hour)
    python -m benchmarks.mutation_sweep M01 C02         # some of them
    python -m benchmarks.mutation_sweep --list          # what each one changes
    python -m benchmarks.mutation_sweep M06 --tests tests/unit/test_merge.py   # against other tests

It prints one line per mutation (killed, survived, or timeout) and a Markdown table at the end.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "airflow_provider_emrfs_xacct"
TIMEOUT_SECONDS = 600

UNIT_MERGE = [
    "tests/unit/test_merge.py",
    "tests/unit/test_safety_rules.py",
    "tests/unit/test_documents.py",
    "tests/unit/test_option_a_documents.py",
]
UNIT_CONVERGE = ["tests/unit/test_converge.py", "tests/unit/test_converge_races.py", "tests/unit/test_stale_writes.py"]
UNIT_VALIDATION = ["tests/unit/test_validation.py", "tests/unit/test_safety_rules.py"]
UNIT_CHAIN = ["tests/unit/test_chain.py", "tests/unit/test_chain_audit_fixes.py"]
UNIT_QUOTAS = ["tests/unit/test_quotas.py"]
UNIT_SECCONF = [
    "tests/unit/test_security_config.py",
    "tests/unit/test_role_mappings_user_group.py",
    "tests/unit/test_cross_type_shadowing.py",
]
INT_TRUST = ["tests/integration/test_destination_role.py", "tests/integration/test_safety.py"]
INT_ASSUME = ["tests/integration/test_assume_role_policy.py"]
INT_KMS = ["tests/integration/test_kms_key_users.py"]
INT_S3 = ["tests/integration/test_bucket_policy.py"]
INT_REVOKE = ["tests/integration/test_revoke.py"]
INT_DRY = ["tests/integration/test_dry_run.py"]
INT_EMR = ["tests/integration/test_emr_launch.py", "tests/integration/test_emr_security_config.py"]
INT_VERIFY = ["tests/integration/test_verify.py"]
UNIT_BYPASS = [
    "tests/unit/test_routing_bypasses.py",
    "tests/unit/test_security_config.py",
    "tests/unit/test_hand_made_configurations.py",
    "tests/unit/test_identifiers_as_read.py",
]
UNIT_RELEASE = [
    "tests/unit/test_imds_release.py",
    "tests/unit/test_chain.py",
    "tests/unit/test_hand_made_configurations.py",
]
UNIT_SETTINGS = [
    "tests/unit/test_access_grants.py",
    "tests/unit/test_credential_settings.py",
    "tests/unit/test_chain.py",
]
UNIT_KMS = [
    "tests/unit/test_kms_grants.py",
    "tests/unit/test_chain.py",
    "tests/unit/test_chain_audit_fixes.py",
    "tests/unit/test_requested_encryption.py",
]
UNIT_PROBE = [
    "tests/unit/test_probe_coverage.py",
    "tests/unit/test_chain_not_checked.py",
    "tests/unit/test_role_mappings_user_group.py",
]
INT_DELETE = ["tests/integration/test_revoke.py"]
INT_LAUNCH = ["tests/integration/test_faults.py", "tests/integration/test_probe_leftovers.py"]
UNIT_FAILURES = ["tests/unit/operators/test_failures.py"]


@dataclass(frozen=True)
class Mutation:
    """One planted bug: in ``path``, ``old`` (found exactly once) becomes ``new``; ``tests`` should notice."""

    ident: str
    path: str
    old: str
    new: str
    what: str
    tests: tuple[str, ...]
    equivalent: str = ""  # why no test can tell it from the real code, when none can

    def line(self) -> int:
        """The line of the file where the mutation starts; 0 when ``old`` is not in the file (the code moved on)."""
        text = (ROOT / self.path).read_text()
        return text[: text.index(self.old)].count("\n") + 1 if self.old in text else 0


def m(ident: str, path: str, old: str, new: str, what: str, *tests: list[str], equivalent: str = "") -> Mutation:
    return Mutation(ident, f"{PKG}/{path}", old, new, what, tuple(t for group in tests for t in group), equivalent)


MUTATIONS = [
    # pure/merge.py: the provider's statements in documents others write too.
    m(
        "M01",
        "pure/merge.py",
        'if sids.count(statement["Sid"]) > 1:',
        "if False:",
        "duplicate-Sid guard dropped",
        UNIT_MERGE,
    ),
    m(
        "M02",
        "pure/merge.py",
        "    statement = owned_statement(document, statement, dropping=dropping)\n",
        "",
        "owned_statement skipped (no widening check, no Condition kept)",
        UNIT_MERGE,
    ),
    m(
        "M03",
        "pure/merge.py",
        "        statements.append(statement)",
        "        statements.insert(0, statement)",
        "a new statement goes first, not last",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M04",
        "pure/merge.py",
        'if not (isinstance(item, dict) and isinstance(item.get("Sid"), str) and owns(item["Sid"]))',
        "if False",
        "merge_owned_statements drops foreign statements",
        UNIT_MERGE,
    ),
    m(
        "M05",
        "pure/merge.py",
        '        or item.get("Sid") in wanted\n',
        "        or True\n",
        "merge_owned_statements keeps the provider's stale statements",
        UNIT_MERGE,
    ),
    m(
        "M06",
        "pure/merge.py",
        "any(char in value for char in WILDCARD_CHARS)",
        '"*" in value',
        "'?' no longer a wildcard",
        UNIT_MERGE,
    ),
    m(
        "M07",
        "pure/merge.py",
        " or bool(_ACCOUNT_PRINCIPAL.match(value))",
        "",
        "whole-account principal not a widening",
        UNIT_MERGE,
    ),
    m(
        "M08",
        "pure/merge.py",
        ":root|[0-9]{12})$",
        ":root)$",
        "bare account id not a whole-account principal",
        UNIT_MERGE,
    ),
    m(
        "M09",
        "pure/merge.py",
        '        result["Condition"] = condition\n',
        "",
        "a person's Condition is not kept",
        UNIT_MERGE,
    ),
    m(
        "M10",
        "pure/merge.py",
        "{**(held if isinstance(held, dict) else {}), **pairs}",
        "{**pairs, **(held if isinstance(held, dict) else {})}",
        "a person's value wins over the provider's condition key",
        UNIT_MERGE,
        equivalent="no statement the provider writes sets a Condition (s3:ListBucket is unconditioned), so no key is ever set by both",
    ),
    m(
        "M11",
        "pure/merge.py",
        'if current.get("Effect") != statement.get("Effect"):',
        "if False:",
        "changed Effect not refused",
        UNIT_MERGE,
    ),
    m(
        "M12",
        "pure/merge.py",
        '        if key in current:\n            raise ConflictError(f"{name} has {key}',
        '        if False:\n            raise ConflictError(f"{name} has {key}',
        "NotPrincipal/NotAction/NotResource not refused",
        UNIT_MERGE,
    ),
    m(
        "M13",
        "pure/merge.py",
        'if kind != "*" and kind not in written:',
        "if False:",
        "principal of another type (Service) not refused",
        UNIT_MERGE,
    ),
    m(
        "M14",
        "pure/merge.py",
        "            if json.dumps(value) not in allowed:",
        "            if False:",
        "foreign action/resource not refused",
        UNIT_MERGE,
    ),
    m(
        "M15",
        "pure/merge.py",
        " | {\n            json.dumps(value) for value in dropped\n        }",
        "",
        "revoked values count as foreign",
        UNIT_MERGE,
        INT_REVOKE,
    ),
    m(
        "M16",
        "pure/merge.py",
        "if not _UNIQUE_ID.match(value)]",
        "if True]",
        "deleted principals' unique ids kept",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M17",
        "pure/merge.py",
        "            if orphaned:\n",
        "            if False:\n",
        "orphaned id in a foreign statement not refused",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M18",
        "pure/merge.py",
        'or statement.get("Sid") == own_sid:',
        "or False:",
        "orphan check also on the provider's statement",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M19",
        "pure/merge.py",
        ' or "Condition" in statement:',
        ":",
        "a conditioned trust statement counts as granting",
        UNIT_MERGE,
        INT_TRUST,
    ),
    m(
        "M20",
        "pure/merge.py",
        "        if skip_if_granted and any(",
        "        if any(",
        "skip_if_granted always on (key policies too)",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M21",
        "pure/merge.py",
        '        if widens_principal(value):\n            raise ConflictError(\n                f"statement {sid!r} holds the wildcard principal',
        '        if False:\n            raise ConflictError(\n                f"statement {sid!r} holds the wildcard principal',
        "merged_principals' wildcard check dropped",
        UNIT_MERGE,
        INT_KMS,
        equivalent="both callers pass the result to upsert_statement, whose owned_statement refuses the same principal",
    ),
    m(
        "M22",
        "pure/merge.py",
        "        if not isinstance(value, str) or is_wildcard(value):",
        "        if False:",
        "merged_resources' wildcard check dropped",
        UNIT_MERGE,
        INT_ASSUME,
    ),
    m(
        "M23",
        "pure/merge.py",
        "            result[key] = _canonical_set(as_list(result[key]))",
        "            result[key] = as_list(result[key])",
        "order of Action/Resource matters in comparisons",
        UNIT_MERGE,
    ),
    m(
        "M24",
        "pure/merge.py",
        "    if isinstance(value, (int, float)):\n        return json.dumps(value)",
        "    if False:\n        return json.dumps(value)",
        'condition value 1 differs from "1"',
        UNIT_MERGE,
    ),
    m(
        "M25",
        "pure/merge.py",
        "    return normalize(left) == normalize(right)",
        "    return False",
        "same_meaning always False (rewrite on every run)",
        UNIT_MERGE,
        INT_KMS,
    ),
    m(
        "M26",
        "pure/merge.py",
        "        text = unquote(text)",
        "        pass",
        "IAM's URL-encoded documents not decoded",
        UNIT_MERGE,
    ),
    # pure/converge.py: the read-modify-write protocol.
    m(
        "C01",
        "pure/converge.py",
        "if (current is None and desired is None) or (current is not None and same_meaning(current, desired)):",
        "if current is None and desired is None:",
        "no steady-state check: writes when nothing changed",
        UNIT_CONVERGE,
    ),
    m(
        "C02",
        "pure/converge.py",
        "            if dry_run:\n                return changes",
        "            if False:\n                return changes",
        "dry_run ignored in read_modify_write",
        UNIT_CONVERGE,
    ),
    m(
        "C03",
        "pure/converge.py",
        "if self.left is _NOT_WRITTEN or _same(current, self.left):",
        "if True:",
        "stop at the first read that shows our change",
        UNIT_CONVERGE,
    ),
    m(
        "C04",
        "pure/converge.py",
        "            if settled is True:\n                return changes",
        "            if False:\n                return changes",
        "read back after an atomic create",
        UNIT_CONVERGE,
    ),
    m(
        "C05",
        "pure/converge.py",
        "    if settings.settle_seconds:\n        sleep(",
        "    if False:\n        sleep(",
        "no settle wait after a write",
        UNIT_CONVERGE,
    ),
    m(
        "C06",
        "pure/converge.py",
        "                if not attempts.recover(error, is_transient, sleep, desired):\n                    raise",
        "                if not attempts.recover(error, is_transient, sleep, desired):\n                    return changes",
        "a write error swallowed",
        UNIT_CONVERGE,
    ),
    m(
        "C07",
        "pure/converge.py",
        "    return deadline is None or time.monotonic() <= deadline",
        "    return True",
        "a prefetched read used however old",
        UNIT_CONVERGE,
    ),
    m(
        "C08",
        "pure/converge.py",
        "    if time.monotonic() > deadline:\n        raise StaleReadError(",
        "    if False:\n        raise StaleReadError(",
        "a late (throttled, retried) write still sent",
        UNIT_CONVERGE,
    ),
    m(
        "C09",
        "pure/converge.py",
        "        return left is right",
        "        return True",
        "a missing document equals any document",
        UNIT_CONVERGE,
    ),
    m(
        "C10",
        "pure/converge.py",
        '        if self.waited + self.backoff > self.settings.consistency_wait_seconds:\n            return False\n        log.info("%s: %s; reading',
        '        if self.waited > self.settings.consistency_wait_seconds:\n            return False\n        log.info("%s: %s; reading',
        "the consistency wait may overrun its bound",
        UNIT_CONVERGE,
    ),
    # pure/validation.py: bad input refused, naming the field.
    m(
        "V01",
        "pure/validation.py",
        '    if value != value.strip():\n        raise InvalidParameterError(field, f"has leading',
        '    if False:\n        raise InvalidParameterError(field, f"has leading',
        "surrounding whitespace accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V02",
        "pure/validation.py",
        "        if element in seen:",
        "        if False:",
        "duplicate list elements accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V03",
        "pure/validation.py",
        "    if any(special in value for special in _IAM_SPECIAL):",
        "    if False:",
        "wildcards in ARNs accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V04",
        "pure/validation.py",
        "    if arn.region:\n",
        "    if False:\n",
        "IAM ARN with a region accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V05",
        "pure/validation.py",
        '    if kind == "alias":',
        "    if False:",
        "KMS alias ARN accepted as a key ARN",
        UNIT_VALIDATION,
    ),
    m(
        "V06",
        "pure/validation.py",
        '    if any(special in key for special in ("*", "?", "$")):',
        "    if False:",
        "wildcards in S3 prefixes accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V07",
        "pure/validation.py",
        ' or any(part in (".", "..") for part in key.split("/")):',
        ":",
        "'.'/'..' prefix segments accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V08",
        "pure/validation.py",
        "not 3600 <= value <= 43200",
        "not 3600 <= value",
        "max_session_duration over 12 h accepted",
        UNIT_VALIDATION,
    ),
    m(
        "V09",
        "pure/validation.py",
        "    if actual != account:\n",
        "    if False:\n",
        "require_account lets another account through",
        UNIT_VALIDATION,
        INT_KMS,
    ),
    m(
        "V10",
        "pure/validation.py",
        'if _JOINED_ARNS.search(value) or value.count("arn:") > 1:',
        "if False:",
        "several joined ARNs accepted as one",
        UNIT_VALIDATION,
    ),
    m(
        "V11",
        "pure/validation.py",
        "    elif _IPV4.fullmatch(value):",
        "    elif False:",
        "IP-address bucket names accepted",
        UNIT_VALIDATION,
    ),
    # hooks: the read-modify-write of each document.
    m(
        "K01",
        "hooks/kms.py",
        "            if not same_meaning(desired, current):\n                refuse_orphaned_ids",
        "            if False:\n                refuse_orphaned_ids",
        "orphaned-id refusal skipped before PutKeyPolicy",
        INT_KMS,
        INT_REVOKE,
    ),
    m(
        "K02",
        "hooks/kms.py",
        "            held = live_principals(aws_principals(ours))\n",
        "            held = aws_principals(ours)\n",
        "revoke writes deleted principals' ids back",
        INT_KMS,
        INT_REVOKE,
    ),
    m(
        "K03",
        "hooks/kms.py",
        "            if remaining:\n                return upsert_statement(\n                    current, documents.key_users_statement(remaining)",
        "            if True:\n                return upsert_statement(\n                    current, documents.key_users_statement(remaining)",
        "revoke keeps an empty key-users statement",
        INT_KMS,
        INT_REVOKE,
    ),
    m(
        "K04",
        "hooks/kms.py",
        '            require_within(KEY_POLICY_BYTES, document_size(desired), "principal_arns", f"the key policy of {key_arn}")\n',
        "",
        "key policy size not checked before the write",
        INT_KMS,
        ["tests/integration/test_bad_input_table.py"],
    ),
    m(
        "K05",
        "hooks/kms.py",
        '    return refuses_a_principal(error, "MalformedPolicyDocumentException")\n',
        '    return isinstance(error, ClientError) and error_code(error) == "MalformedPolicyDocumentException"\n',
        "every MalformedPolicyDocument retried",
        INT_KMS,
        ["tests/unit/test_safety_rules.py"],
    ),
    m(
        "I01",
        "hooks/iam.py",
        "principals = merged_principals(base, documents.TRUST_SID, trusted, skip_if_granted=True)",
        "principals = merged_principals(base, documents.TRUST_SID, trusted)",
        "trust adds a role another statement already trusts",
        INT_TRUST,
    ),
    m(
        "I02",
        "hooks/iam.py",
        "                        Tags=[MANAGED_BY_TAG],\n",
        "",
        "created role not tagged as the provider's",
        INT_TRUST,
        INT_REVOKE,
    ),
    m(
        "I03",
        "hooks/iam.py",
        '                require_iam_policy_length(\n                    desired, MAX_TRUST_POLICY_CHARS, "trusted_role_arns", f"the trust policy of role {role_name}"\n                )\n',
        "",
        "trust policy length not checked",
        INT_TRUST,
        ["tests/integration/test_bad_input_table.py"],
    ),
    m(
        "I04",
        "hooks/iam.py",
        "                partition, held_locations | wanted_locations, held_keys | wanted_keys, object_acl=object_acl\n",
        "                partition, wanted_locations, wanted_keys, object_acl=object_acl\n",
        "destination policy drops prefixes/keys other runs added",
        INT_TRUST,
    ),
    m(
        "I05",
        "hooks/iam.py",
        "object_acl=object_acl\n            )\n            return merge_owned_statements(current, ours, documents.is_owned_destination_sid)",
        "object_acl=object_acl\n            )\n            return ours",
        "destination policy drops foreign statements",
        INT_TRUST,
    ),
    m(
        "I06",
        "hooks/iam.py",
        "            if others_once is not None and not same_meaning(current, desired):",
        "            if False:",
        "the role's aggregate inline size not checked",
        INT_TRUST,
        ["tests/integration/test_bad_input_table.py"],
    ),
    m(
        "I07",
        "hooks/iam.py",
        "(identity_key).\n            remaining = without_identities(held, unwanted)\n            if remaining:\n                return upsert_statement(\n                    current,\n                    documents.assume_role_policy(",
        "(identity_key).\n            remaining = list(held)\n            if remaining:\n                return upsert_statement(\n                    current,\n                    documents.assume_role_policy(",
        "revoke_assume_role removes nothing",
        INT_REVOKE,
    ),
    m(
        "I08",
        "hooks/iam.py",
        '        if self.get_role_tags(role).get(MANAGED_BY_TAG["Key"]) != MANAGED_BY_TAG["Value"]:',
        "        if False:",
        "delete_provider_role deletes an untagged role",
        INT_REVOKE,
    ),
    m(
        "I09",
        "hooks/iam.py",
        '        if foreign:\n            raise self._not_deleting(\n                role_arn, f"role {role_name} carries',
        '        if False:\n            raise self._not_deleting(\n                role_arn, f"role {role_name} carries',
        "delete_provider_role deletes a role with others' policies",
        INT_REVOKE,
    ),
    m(
        "I10",
        "hooks/iam.py",
        '            return []\n        if not same_identity(role["Arn"], role_arn):',
        "            return []\n        if False:",
        "delete_provider_role deletes a role at another path",
        INT_REVOKE,
    ),
    m(
        "I11",
        "hooks/iam.py",
        "        if not pending:\n            return  # the steady state: one read",
        "        if False:\n            return  # the steady state: one read",
        "assume-role steady state not short-cut (extra reads)",
        INT_ASSUME,
    ),
    m(
        "S01",
        "hooks/s3.py",
        "            if document_size(policy) > bucket_policy.MAX_BUCKET_POLICY_BYTES:",
        "            if False:",
        "bucket policy size not checked",
        INT_S3,
    ),
    m(
        "S02",
        "hooks/s3.py",
        '        if current == "BucketOwnerEnforced":\n            return []',
        "        if False:\n            return []",
        "ownership rewritten when already enforced",
        INT_S3,
        equivalent="the only caller, GrantBucketAccessOperator, calls it only when the ownership it read is not BucketOwnerEnforced",
    ),
    m(
        "S03",
        "hooks/s3.py",
        "        if not dry_run:\n            retry_concurrent_writes(\n                self.conn.put_bucket_ownership_controls,",
        "        if True:\n            retry_concurrent_writes(\n                self.conn.put_bucket_ownership_controls,",
        "dry run switches ownership",
        INT_S3,
        INT_DRY,
    ),
    m(
        "S04",
        "hooks/s3.py",
        "            if desired is None:  # no statement left",
        "            if False:  # no statement left",
        "an empty bucket policy is put, not deleted",
        INT_S3,
    ),
    m(
        "S05",
        "pure/bucket_policy.py",
        '    if object_acl or OBJECT_ACL_ACTION in as_list(held.get("Action")):',
        "    if object_acl:",
        "a granted s3:PutObjectAcl is dropped by a rerun without object_acl",
        INT_S3,
        UNIT_MERGE,
    ),
    m(
        "S06",
        "pure/bucket_policy.py",
        "    locations = granted_locations(policy, principal_arn) | locations",
        "    locations = set(locations)",
        "grant drops the principal's earlier prefixes",
        INT_S3,
        UNIT_MERGE,
    ),
    m(
        "S07",
        "hooks/s3.py",
        '            if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") == owner:\n                continue',
        "            if True:\n                continue",
        "ACL grants to others not refused before BucketOwnerEnforced",
        INT_S3,
        ["tests/integration/test_option_a_chain.py"],
    ),
    m(
        "E01",
        "hooks/emr.py",
        '        if existing is not None:\n            self.log.info("Cluster %s was already',
        '        if False:\n            self.log.info("Cluster %s was already',
        "a retried launch starts a second cluster",
        INT_EMR,
    ),
    m(
        "E02",
        "hooks/emr.py",
        "        if canonical_json(current) != canonical_json(document):",
        "        if False:",
        "a configuration with other content taken as ours",
        INT_EMR,
    ),
    m(
        "E03",
        "hooks/emr.py",
        "            if check and found != security_configuration:",
        "            if False:",
        "a cluster with another configuration returned",
        INT_EMR,
    ),
    m(
        "E04",
        "hooks/emr.py",
        "            if dry_run:\n                return [change]",
        "            if False:\n                return [change]",
        "dry run creates the security configuration",
        INT_EMR,
        INT_DRY,
    ),
    m(
        "O01",
        "operators/iam.py",
        "            if not self.dry_run and changes:",
        "            if changes:",
        "EnsureDestinationRole ignores dry_run",
        INT_TRUST,
        INT_DRY,
    ),
    m(
        "O02",
        "operators/emr.py",
        "        if self.dry_run:\n            return self._dry_run_launch(context, hook, key)",
        "        if False:\n            return self._dry_run_launch(context, hook, key)",
        "a dry-run launch launches",
        INT_EMR,
        INT_DRY,
    ),
    m(
        "O03",
        "operators/base.py",
        '        self.dry_run = validate_bool(self.dry_run, "dry_run")',
        "        self.dry_run = bool(self.dry_run)",
        "dry_run 'false' (rendered) read as True",
        INT_DRY,
        ["tests/unit/operators/test_base.py"],
    ),
    m(
        "O04",
        "operators/base.py",
        "        if expected is not None and account != expected:",
        "        if False:",
        "expected_account_id not enforced",
        ["tests/integration/test_safety.py", "tests/unit/operators/test_base.py"],
    ),
    m(
        "O05",
        "operators/verify.py",
        "        if self.probe and report.healthy and not self.dry_run:",
        "        if self.probe and report.healthy:",
        "a dry-run verifier writes its probe",
        ["tests/integration/test_probe_step.py"],
        INT_DRY,
    ),
    m(
        "O06",
        "operators/revoke.py",
        "                if not self.dry_run and not self.hook.delete_security_configuration(name):",
        "                if not self.hook.delete_security_configuration(name):",
        "dry-run cleanup deletes configurations",
        ["tests/integration/test_revoke_cleanup.py"],
        INT_DRY,
    ),
    # the verifier names the broken link.
    m(
        "X01",
        "pure/checks/findings.py",
        "        return all(link.status != FAIL for link in self.links)",
        "        return True",
        "a report with a failed link is healthy",
        UNIT_CHAIN,
    ),
    m(
        "X02",
        "pure/checks/findings.py",
        "        if any(link.status == UNKNOWN for link in self.links):",
        "        if False:",
        "a link not checked still gives PASS",
        UNIT_CHAIN,
    ),
    m(
        "X03",
        "pure/checks/destination_role.py",
        "    if role.arn != role_arn:",
        "    if False:",
        "mapping ARN at another path passes",
        UNIT_CHAIN,
        INT_VERIFY,
    ),
    m(
        "X04",
        "pure/checks/chain.py",
        "    if role_link.status != PASS:\n        return links",
        "    if role_link.status == FAIL and False:\n        return links",
        "links after a missing role still checked",
        UNIT_CHAIN,
    ),
    m(
        "X05",
        "pure/checks/key_user.py",
        "        if refused is not None:\n            return refused",
        "        if False:\n            return refused",
        "a refused KMS use still passes",
        UNIT_CHAIN,
        INT_VERIFY,
    ),
    m(
        "X06",
        "pure/checks/key_user.py",
        "    if not roles:\n        return None\n    try:",
        "    if True:\n        return None\n    try:",
        "cross-account writers with aws/s3 pass",
        UNIT_CHAIN,
        INT_VERIFY,
    ),
    # Second round: quotas, spill policies, security configurations, operator-level account checks.
    m(
        "P01",
        "pure/spill.py",
        "        if len(placement.new) == free_slots:",
        "        if False:",
        "managed-policy quota not refused before the write",
        UNIT_QUOTAS,
    ),
    m(
        "P02",
        "pure/spill.py",
        "        return upsert_statement(document, statement, dropping=holds - set(remaining))",
        "        return upsert_statement(document, statement)",
        "revoking from a spill policy is taken as a conflict",
        UNIT_QUOTAS,
        ["tests/integration/test_spill_isolation.py"],
    ),
    m(
        "Q01",
        "pure/quotas.py",
        "    if ceiling is not None and amount > ceiling:",
        "    if ceiling is not None and amount > ceiling + 1:",
        "a quota passed by one accepted",
        UNIT_QUOTAS,
    ),
    m(
        "SC01",
        "pure/security_config.py",
        "            if shadow is not None:\n",
        "            if False:\n",
        "a role mapping shadowed by an earlier one accepted",
        UNIT_SECCONF,
    ),
    m(
        "SC02",
        "pure/security_config.py",
        '    if "RoleMappings" in emrfs:',
        "    if False:",
        "RoleMappings in base_configuration silently replaced",
        UNIT_SECCONF,
    ),
    m(
        "SC03",
        "pure/security_config.py",
        ' or (kind == "Prefix" and identifier.startswith(earlier_identifier))',
        "",
        "a longer prefix after a shorter one accepted",
        UNIT_SECCONF,
    ),
    m(
        "V12",
        "pure/validation.py",
        "    if not _REGION.fullmatch(arn.region):",
        "    if False:",
        "KMS key ARN without a region accepted",
        UNIT_VALIDATION,
    ),
    m(
        "R01",
        "operators/revoke.py",
        "        validation.refuse_account(\n            role_arn,",
        "        (lambda *_: None)(\n            role_arn,",
        "revoke accepts a destination role in the EMR account",
        ["tests/integration/test_safety.py", "tests/unit/operators/test_revoke.py"],
    ),
    m(
        "OK01",
        "operators/kms.py",
        '        validation.require_region(key_arn, self.hook.conn_region_name, "key_arn", where)',
        "        pass",
        "a key of another region accepted by GrantKmsKeyUser",
        INT_KMS,
        ["tests/integration/test_bad_input_table.py"],
    ),
    # Third round: what the last session added (routing bypasses, hand-made shapes, IMDSv2, Access Grants and
    # credential settings, KMS grants, probe routes, role deletion, launches sent once per attempt, retries).
    m(
        "B01",
        "pure/security_config.py",
        'str(iam.get("EnableApplicationScopedIAMRole")).strip().lower() == "true"',
        'iam.get("EnableApplicationScopedIAMRole") is True',
        'runtime roles given as the string "true" not seen',
        UNIT_BYPASS,
    ),
    m(
        "B02",
        "pure/security_config.py",
        'if authorization.get("LakeFormationConfiguration") is not None:',
        "if False:",
        "Lake Formation not a bypass",
        UNIT_BYPASS,
    ),
    m(
        "B03",
        "pure/security_config.py",
        "                    certain=True,\n",
        "                    certain=False,\n",
        "Ranger EMRFS-S3 plugin taken as uncertain",
        UNIT_BYPASS,
    ),
    m(
        "B04",
        "pure/security_config.py",
        "                    certain=False,\n                    documented=False,\n",
        "                    certain=False,\n                    documented=True,\n",
        "Ranger without the EMRFS-S3 plugin refused",
        UNIT_BYPASS,
    ),
    m(
        "B05",
        "pure/security_config.py",
        'if isinstance(application, dict) and application.get("App") == RANGER_EMRFS_APP',
        'if isinstance(application, dict) and application.get("App") == RANGER_EMRFS_APP and index == 0',
        "the Ranger EMRFS-S3 plugin seen only first in the list",
        UNIT_BYPASS,
    ),
    m(
        "B06",
        "pure/security_config.py",
        "        if bypass.documented:\n",
        "        if bypass.certain:\n",
        "only certain bypasses refused (runtime roles, Lake Formation let through)",
        UNIT_BYPASS,
    ),
    m(
        "B07",
        "pure/security_config.py",
        "    if isinstance(given, str):\n        identifiers = [given]\n",
        "    if isinstance(given, str):\n        identifiers = list(given)\n",
        "Identifiers as one string read character by character",
        UNIT_BYPASS,
    ),
    m(
        "B08",
        "pure/security_config.py",
        "    if not (isinstance(given, list) and given and len(identifiers) == len(given)):",
        "    if not (isinstance(given, list) and given):",
        "a list of Identifiers with a non-string read without a problem",
        UNIT_BYPASS,
    ),
    m(
        "B09",
        "pure/security_config.py",
        "        return self.kind is not None and self.role is not None",
        "        return self.kind is not None",
        "a mapping whose Role is not a string taken as routes known",
        UNIT_BYPASS,
        UNIT_CHAIN,
    ),
    m(
        "B10",
        "pure/security_config.py",
        '        return [mappings], f"{ROLE_MAPPINGS_FIELD} is one object, not a list: read as one mapping"',
        "        return [mappings], None",
        "RoleMappings as one object read without a problem",
        UNIT_BYPASS,
        UNIT_CHAIN,
    ),
    m(
        "B11",
        "pure/security_config.py",
        '    if version is None or (not isinstance(version, bool) and str(version).strip() in ("1", "2")):',
        '    if version is None or str(version).strip() in ("1", "2"):',
        "MinimumInstanceMetadataServiceVersion true read as a version",
        UNIT_RELEASE,
        UNIT_BYPASS,
        equivalent="str(True) is 'True', not '1' or '2': the bool guard is redundant",
    ),
    m(
        "B12",
        "pure/cluster_config.py",
        "        return minor >= 32 or (minor in (23, 27) and patch >= 1)",
        "        return minor >= 32 or minor in (23, 27)",
        "5.23.0 and 5.27.0 taken to speak IMDSv2",
        UNIT_RELEASE,
    ),
    m(
        "B13",
        "pure/checks/release.py",
        "    if imds is not None and not speaks_imds_v2(version):",
        "    if False:",
        "an unreadable IMDS setting on an old release not reported",
        UNIT_RELEASE,
    ),
    # S3 Access Grants and credential settings
    m(
        "G01",
        "pure/checks/access_grants.py",
        "    if version is not None and version < ACCESS_GRANTS_SINCE:",
        "    if version is not None and version <= ACCESS_GRANTS_SINCE:",
        "Access Grants on 6.15.0 itself ignored",
        UNIT_SETTINGS,
    ),
    m(
        "G02",
        "pure/checks/access_grants.py",
        "    if found.replaces_mappings and not s3a and version is not None:",
        "    if found.replaces_mappings and version is not None:",
        "Access Grants on S3A a FAIL, not not-checked",
        UNIT_SETTINGS,
    ),
    m(
        "G03",
        "pure/checks/access_grants.py",
        '    classifications = ("emrfs-site", "spark-defaults", *(("core-site",) if s3a else ()))',
        '    classifications = ("emrfs-site", *(("core-site",) if s3a else ()))',
        "spark-defaults Access Grants not read",
        UNIT_SETTINGS,
    ),
    m(
        "G04",
        "pure/cluster_config.py",
        "                values[classification].update({name: str(properties[name]) for name in names if name in properties})",
        "                values[classification].update({name: str(properties[name]) for name in names if name in properties and name not in values[classification]})",
        "the first value of an Access Grants setting wins, not the last",
        UNIT_SETTINGS,
    ),
    m(
        "G05",
        "pure/checks/credential_settings.py",
        "    emrfs = keeps_emrfs(state) or not s3a or state.release_label is None",
        "    emrfs = keeps_emrfs(state) or not s3a",
        "fs.s3.customAWSCredentialsProvider not reported when the release is unknown",
        UNIT_SETTINGS,
    ),
    m(
        "G06",
        "pure/checks/credential_settings.py",
        '            s3a_names = [f"fs.s3a.{option}", *(f"fs.s3a.bucket.{bucket}.{option}" for bucket in buckets)]',
        '            s3a_names = [f"fs.s3a.{option}"]',
        "per-bucket S3A credentials not reported",
        UNIT_SETTINGS,
    ),
    m(
        "G07",
        "pure/checks/contexts.py",
        "    if not state.release_label:\n        return None\n    try:",
        "    if not state.release_label or True:\n        return None\n    try:",
        "the cluster's release never read (cluster_release None)",
        UNIT_SETTINGS,
        UNIT_RELEASE,
    ),
    m(
        "G08",
        "pure/checks/contexts.py",
        'return str(site_property(state, "core-site", "fs.s3.impl")).strip() == EMRFS_IMPL',
        'return str(site_property(state, "core-site", "fs.s3.impl")) == EMRFS_IMPL',
        "fs.s3.impl naming EMRFS with spaces not trimmed",
        UNIT_SETTINGS,
    ),
    # KMS
    m(
        "K06",
        "pure/merge.py",
        "        if name in result:\n",
        "        if False:\n",
        "a JSON name repeated in a policy silently keeps one",
        UNIT_MERGE,
    ),
    m(
        "K07",
        "pure/merge.py",
        '    return json.dumps(document, separators=(",", ":"))',
        "    return json.dumps(document)",
        "policy text sent with spaces (counted against KMS/S3 limits)",
        UNIT_MERGE,
    ),
    m(
        "K08",
        "pure/checks/key_user.py",
        '    if bucket.sse_algorithm not in ("aws:kms", "aws:kms:dsse"):',
        '    if bucket.sse_algorithm not in ("aws:kms",):',
        "DSSE-KMS default encryption not a KMS use",
        UNIT_KMS,
    ),
    m(
        "K09",
        "pure/checks/key_user.py",
        'USABLE_KEY_STATES = frozenset({"Enabled", "Updating"})',
        'USABLE_KEY_STATES = frozenset({"Enabled"})',
        "a multi-Region key Updating taken as unusable",
        UNIT_KMS,
    ),
    m(
        "K10",
        "pure/kms_grants.py",
        "    if equals and {key.lower(): value for key, value in equals.items()} != sent:",
        "    if equals and not all(sent.get(key.lower()) == value for key, value in equals.items()):",
        "EncryptionContextEquals read as Subset",
        UNIT_KMS,
    ),
    m(
        "K11",
        "pure/kms_grants.py",
        "    return not subset or all(sent.get(key.lower()) == value for key, value in subset.items())",
        "    return not subset or all(sent.get(key.lower(), '').lower() == value.lower() for key, value in subset.items())",
        "EncryptionContextSubset values compared without case",
        UNIT_KMS,
    ),
    m(
        "K12",
        "pure/kms_grants.py",
        "    sent = {key.lower(): value for key, value in encryption_context.items()}",
        "    sent = dict(encryption_context)",
        "grant constraint keys compared with case",
        UNIT_KMS,
    ),
    m(
        "K13",
        "pure/kms_grants.py",
        "    if holding and account_of_arn(role_arn) == account_of_arn(key_arn):",
        "    if holding:",
        "a cross-account grant to the role judged as allowing",
        UNIT_KMS,
    ),
    m(
        "K14",
        "pure/kms_grants.py",
        '        and constraints_hold(grant.get("Constraints"), encryption_context)\n    ]',
        "    ]",
        "a grant to the account whose constraints fail still unsettles",
        UNIT_KMS,
    ),
    m(
        "K15",
        "hooks/kms.py",
        '        for page in self.conn.get_paginator("list_grants").paginate(KeyId=key_arn):\n            grants.extend(dict(grant) for grant in page.get("Grants", []))',
        '        for page in [self.conn.list_grants(KeyId=key_arn)]:\n            grants.extend(dict(grant) for grant in page.get("Grants", []))',
        "ListGrants first page only",
        INT_VERIFY,
    ),
    # verifier links and probe routes
    m(
        "X07",
        "pure/checks/findings.py",
        "    return mapping is not None and any(index == mapping and uri.startswith(prefix) for uri, index in routes.items())",
        "    return mapping is not None and any(index == mapping for uri, index in routes.items())",
        "a probe write under another prefix settles a link",
        UNIT_PROBE,
    ),
    m(
        "X08",
        "pure/checks/findings.py",
        "    return mapping is not None and any(index == mapping and uri.startswith(prefix) for uri, index in routes.items())",
        "    return mapping is not None and any(uri.startswith(prefix) for uri, index in routes.items())",
        "a probe write through another mapping settles a link",
        UNIT_PROBE,
    ),
    m(
        "X09",
        "pure/checks/findings.py",
        '        or (link["mapping"] is not None and not exercised(',
        '        or (link["mapping"] is not None and False and not exercised(',
        "every mapping's link settled by any passing probe",
        UNIT_PROBE,
    ),
    m(
        "X10",
        "pure/checks/chain.py",
        '                UNKNOWN,\n                f"a {kind} mapping names no prefix',
        '                PASS,\n                f"a {kind} mapping names no prefix',
        "a User/Group mapping with no prefixes PASS, not not checked",
        UNIT_PROBE,
        UNIT_CHAIN,
    ),
    m(
        "X11",
        "pure/checks/cluster.py",
        '        if mappings and all(read_mapping(mapping).kind in ("User", "Group") for mapping in mappings):',
        "        if False:",
        "probe allowed on User/Group-only mappings",
        UNIT_PROBE,
        [
            "tests/unit/test_access_grants.py",
            "tests/unit/test_routing_bypasses.py",
            "tests/unit/test_chain_audit_fixes.py",
        ],
    ),
    m(
        "X12",
        "pure/checks/cluster.py",
        '        reasons.extend(f"{bypass.field} {bypass.problem}" for bypass in routing_bypasses(configuration))',
        "        pass",
        "probe allowed despite a routing bypass",
        UNIT_PROBE,
        ["tests/unit/test_routing_bypasses.py", "tests/unit/test_chain_audit_fixes.py"],
    ),
    # hooks/iam.py role deletion
    m(
        "D01",
        "hooks/iam.py",
        "        foreign = [name for name in inline if name != documents.DESTINATION_POLICY_NAME]\n",
        "        foreign = []\n",
        "a foreign inline policy on the role deleted with it",
        INT_DELETE,
    ),
    m(
        "D02",
        "hooks/iam.py",
        '        foreign += [policy["PolicyName"] for policy in self.list_attached_policies(role_name)]\n',
        "",
        "a role with an attached policy deleted",
        INT_DELETE,
    ),
    m(
        "D03",
        "hooks/iam.py",
        '            if added:\n                raise self._not_deleting(\n                    role_arn,\n                    f"role {role_name}: its inline',
        '            if False:\n                raise self._not_deleting(\n                    role_arn,\n                    f"role {role_name}: its inline',
        "a foreign statement in the provider's inline policy deleted with the role",
        INT_DELETE,
    ),
    m(
        "D04",
        "hooks/iam.py",
        '        added = [f"inline policy {name}" for name in self.inline_policy_names(role_name) if name not in deleted]',
        "        added = []",
        "an inline policy added since the checks: DeleteConflict retried, not refused",
        INT_DELETE,
    ),
    m(
        "D05",
        "hooks/iam.py",
        "                    self._refuse_added_since(role_arn, inline)  # not IAM's lag: someone's policy came meanwhile\n",
        "                    pass\n",
        "DeleteConflict after a new attachment not refused",
        INT_DELETE,
    ),
    m(
        "D06",
        "hooks/iam.py",
        "        if profiles:\n            raise self._not_deleting(",
        "        if False:\n            raise self._not_deleting(",
        "a role in an instance profile deleted",
        INT_DELETE,
    ),
    # hooks/emr.py
    m(
        "E05",
        "hooks/emr.py",
        "                if attempt == LAUNCH_ATTEMPTS:\n                    raise",
        "                if attempt == LAUNCH_ATTEMPTS - 1:\n                    raise",
        "one attempt fewer than LAUNCH_ATTEMPTS",
        INT_LAUNCH,
    ),
    m(
        "E06",
        "hooks/emr.py",
        "                before_each()\n                found = find()",
        "                before_each()\n                found = find() if attempt < LAUNCH_ATTEMPTS else None",
        "the last attempt's lost answer not looked up",
        INT_LAUNCH,
    ),
    m(
        "E07",
        "hooks/emr.py",
        '        return answer if found else [str(step) for step in answer["StepIds"]]',
        '        return [str(step) for step in answer["StepIds"]] if not found else []',
        "steps found after a lost AddJobFlowSteps answer not returned",
        INT_LAUNCH,
    ),
    m(
        "E08",
        "hooks/emr.py",
        "    return status >= 500 or error_code(error) in THROTTLING_CODES",
        "    return status >= 400 or error_code(error) in THROTTLING_CODES",
        "a 4xx RunJobFlow error sent again",
        INT_LAUNCH,
    ),
    m(
        "E09",
        "pure/launch_arguments.py",
        '    if deployment_name:\n        identity = ["deployment", deployment_name]',
        '    if deployment_name and run_start is None:\n        identity = ["deployment", deployment_name]',
        "deployment_name ignored when the run has a start date",
        ["tests/integration/test_deployment_key.py", "tests/unit/test_launch_arguments.py"],
    ),
    m(
        "E10",
        "pure/launch_arguments.py",
        "        aware = run_start.replace(tzinfo=timezone.utc) if run_start.tzinfo is None else run_start",
        "        aware = run_start.astimezone(timezone.utc)",
        "a naive start date read as local time",
        ["tests/integration/test_deployment_key.py", "tests/unit/test_launch_arguments.py"],
    ),
    m(
        "E11",
        "operators/emr.py",
        '    return str(conf.get("emrfs_xacct", "deployment_name", fallback="") or "").strip() or None',
        '    return str(conf.get("emrfs_xacct", "deployment_name", fallback="") or "") or None',
        "a blank deployment_name taken as a name",
        ["tests/integration/test_deployment_key.py", "tests/unit/test_launch_arguments.py"],
    ),
    m(
        "E12",
        "hooks/emr.py",
        '        report = report.replace(f"{key!r}: {value!r}", f"{key!r}: \'***\'")',
        "        pass",
        "a secret inside a refused dict shown in the refusal",
        INT_EMR,
    ),
    m(
        "E13",
        "hooks/emr.py",
        "        lambda found: f\"{found.group(1)}{redact(found.group('value'), name=found.group('path'))}\", report",
        "        lambda found: found.group(0), report",
        "a refused secret value shown in botocore's report",
        INT_EMR,
    ),
    # operators/failures.py
    m(
        "F01",
        "operators/failures.py",
        "    if isinstance(error, EmrfsXacctError) and not error.retriable and not isinstance(error, AirflowFailException):",
        "    if isinstance(error, EmrfsXacctError) and not isinstance(error, AirflowFailException):",
        "retriable errors (IAM lag, key not found) lose their retries",
        UNIT_FAILURES,
    ),
    m(
        "F02",
        "operators/failures.py",
        "            fail_without_retry(error)\n            raise",
        "            raise",
        "non-retriable errors keep their retries",
        UNIT_FAILURES,
    ),
    m(
        "F03",
        "operators/failures.py",
        'TASK_ENTRY_METHODS = ("execute", "execute_complete")',
        'TASK_ENTRY_METHODS = ("execute",)',
        "execute_complete errors keep their retries",
        UNIT_FAILURES,
    ),
    m(
        "F04",
        "hooks/kms.py",
        "                    retriable=True,\n                ) from error",
        "                    retriable=False,\n                ) from error",
        "a key not found fails without retries",
        UNIT_FAILURES,
        INT_KMS,
    ),
    m(
        "F05",
        "hooks/iam.py",
        '                f"(connection {self.aws_conn_id!r}): check the role\'s name, or create it first",\n                retriable=True,',
        '                f"(connection {self.aws_conn_id!r}): check the role\'s name, or create it first",\n                retriable=False,',
        "a role not found fails without retries",
        UNIT_FAILURES,
        INT_ASSUME,
    ),
]


def run(mutation: Mutation) -> tuple[str, float, str]:
    """Apply ``mutation``, run its tests, restore the file; return the outcome, the seconds and the failing test."""
    path = ROOT / mutation.path
    text = path.read_text()
    if text.count(mutation.old) != 1:
        return f"bad mutation ({text.count(mutation.old)} matches)", 0.0, ""
    path.write_text(text.replace(mutation.old, mutation.new))
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *mutation.tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        outcome = "survived" if result.returncode == 0 else "killed"
        failed = next((line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("FAILED ")), "")
        if result.returncode not in (0, 1):
            outcome, failed = f"error (pytest exit {result.returncode})", result.stdout[-300:]
    except subprocess.TimeoutExpired:
        outcome, failed = "timeout (killed)", ""
    finally:
        subprocess.run(["git", "checkout", "--", mutation.path], cwd=ROOT, check=True)
    return outcome, time.monotonic() - started, failed.split(" - ")[0]


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for mutation in MUTATIONS:
            print(f"{mutation.ident} {mutation.path}:{mutation.line()} {mutation.what}")
        return 0
    tests = tuple(argv[argv.index("--tests") + 1 :]) if "--tests" in argv else ()
    idents = argv[: argv.index("--tests")] if "--tests" in argv else argv
    chosen = [mutation for mutation in MUTATIONS if not idents or mutation.ident in idents]
    if tests:  # check that these tests (new ones, say) kill the chosen mutations
        chosen = [dataclasses.replace(mutation, tests=tests) for mutation in chosen]
    rows = []
    for mutation in chosen:
        line = mutation.line()
        outcome, seconds, failed = run(mutation)
        if outcome == "survived" and mutation.equivalent:
            outcome, failed = "equivalent", mutation.equivalent
        print(
            f"{mutation.ident} {outcome:10} {seconds:6.1f}s {mutation.path}:{line} {mutation.what} {failed}", flush=True
        )
        rows.append(
            f"| {mutation.ident} | `{mutation.path.removeprefix(PKG + '/')}:{line}` | {mutation.what} | {outcome} | {failed} |"
        )
    print("\n| id | where | mutation | outcome | first failing test |\n|---|---|---|---|---|")
    print("\n".join(rows))
    # A mutation that could not be planted (its text is no longer in the code) proves nothing: a failure too.
    return 1 if any("survived" in row or "bad mutation" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
