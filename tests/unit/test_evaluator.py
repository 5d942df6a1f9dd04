"""
Table tests of the local IAM policy evaluator against outcomes AWS documents.

Each case cites the rule of AWS's policy evaluation logic it checks (IAM User Guide: "Policy
evaluation logic", "Condition operators", "Principal", "Cross-account policy evaluation logic").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.evaluator import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    UNDETERMINED,
    Request,
    condition_holds,
    conditions_hold,
    evaluate,
    evaluate_access,
    wildcard_match,
)

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT_B}:role/partner-writer"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT_B}:role/someone-else"
EMR_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/EMR_EC2_DefaultRole"
BUCKET = "arn:aws:s3:::partner-results-b"
OBJECT = f"{BUCKET}/exports/part-0000"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = None, resource: Any = "*", **fields: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": "Allow", "Effect": "Allow", **fields}
    if action is not None:
        statement["Action"] = action
    if resource is not None and "NotResource" not in fields:
        statement["Resource"] = resource
    return statement


def deny(action: Any = None, resource: Any = "*", **fields: Any) -> dict[str, Any]:
    return {**allow(action, resource, **fields), "Sid": "Deny", "Effect": "Deny"}


def request(action: str = "s3:GetObject", resource: str = OBJECT, principal: str = ROLE, **context: Any) -> Request:
    return Request(action, resource, principal=principal, context=context)


@dataclass(frozen=True)
class Case:
    id: str
    statements: list[dict[str, Any]]
    request: Request
    allowed: bool
    reason: str
    #: Sid of the deciding statement (None: no statement decided).
    sid: str | None = None
    resource_policy: bool = False
    more_policies: list[dict[str, Any]] = field(default_factory=list)
    #: Where the expected outcome comes from: "AWS: <documentation page>" for a documented AWS
    #: outcome, "design: <why>" for a choice of this evaluator where AWS's answer is not known here.
    source: str = ""


#: Documentation pages the rows follow (IAM User Guide).
EVALUATION = "AWS: IAM User Guide, Policy evaluation logic (and: How AWS enforcement code logic evaluates requests)"
ACTION = "AWS: IAM User Guide, IAM JSON policy elements: Action / NotAction"
RESOURCE = "AWS: IAM User Guide, IAM JSON policy elements: Resource / NotResource"
PRINCIPAL = "AWS: IAM User Guide, AWS JSON policy elements: Principal"
NOTPRINCIPAL = "AWS: IAM User Guide, AWS JSON policy elements: NotPrincipal"
CONDITIONS = "AWS: IAM User Guide, IAM JSON policy elements: Condition operators"
MULTIVALUED = "AWS: IAM User Guide, Set operators for multivalued context keys"
S3_PREFIX = "AWS: Amazon S3 User Guide, Bucket policy examples (s3:prefix)"


def _source_of(case_id: str) -> str:
    """The documentation page a row of the table follows, by its id (rows that set their own keep it)."""
    if case_id.startswith(("notprincipal",)):
        return NOTPRINCIPAL
    if case_id.startswith("principal"):
        return PRINCIPAL
    if case_id.startswith(("action", "notaction")):
        return ACTION
    if case_id.startswith(("resource", "notresource")):
        return RESOURCE
    if case_id.startswith(("foranyvalue", "forallvalues")):
        return MULTIVALUED
    if case_id.startswith("s3-prefix"):
        return S3_PREFIX
    if case_id.startswith(("allow", "implicit", "explicit", "deny-of")):
        return EVALUATION
    return CONDITIONS


SESSION_ARN = f"arn:aws:sts::{ACCOUNT_B}:assumed-role/partner-writer/emrfs"
S3_PREFIX_LIST = allow("s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["exports/", "exports/*"]}})
ANYONE = {"AWS": "*"}

CASES = [
    # --- Allow, implicit deny, explicit deny ----------------------------------------------------------
    # An Allow whose Action and Resource match the request allows it.
    Case("allow-exact", [allow("s3:GetObject", OBJECT)], request(), True, ALLOWED, "Allow"),
    # By default every request is implicitly denied: no statement at all.
    Case("implicit-deny-empty-policy", [], request(), False, IMPLICIT_DENY),
    # An Allow for another action leaves the request implicitly denied.
    Case("implicit-deny-other-action", [allow("s3:GetObject", OBJECT)], request("s3:PutObject"), False, IMPLICIT_DENY),
    # An explicit Deny overrides any Allow in the same policy ...
    Case(
        "explicit-deny-beats-allow",
        [allow("s3:*", "*"), deny("s3:PutObject", OBJECT)],
        request("s3:PutObject"),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ... whatever the order of the statements ...
    Case(
        "explicit-deny-first-still-wins",
        [deny("s3:PutObject", OBJECT), allow("s3:*", "*")],
        request("s3:PutObject"),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ... and in another policy of the same principal.
    Case(
        "explicit-deny-in-another-policy",
        [allow("s3:*", "*")],
        request("s3:PutObject"),
        False,
        EXPLICIT_DENY,
        "Deny",
        more_policies=[policy(deny("s3:Put*", f"{BUCKET}/*"))],
    ),
    # A Deny that does not match the request does not affect it.
    Case(
        "deny-of-other-action-ignored",
        [allow("s3:*", "*"), deny("s3:DeleteObject", "*")],
        request("s3:PutObject"),
        True,
        ALLOWED,
        "Allow",
    ),
    # --- Action / NotAction ------------------------------------------------------------------------
    # "s3:*" matches every S3 action.
    Case("action-service-wildcard", [allow("s3:*", OBJECT)], request("s3:PutObject"), True, ALLOWED),
    # "*" matches every action of every service.
    Case("action-star", [allow("*", "*")], request("kms:Decrypt", KEY), True, ALLOWED),
    # Action names are case-insensitive.
    Case("action-case-insensitive", [allow("S3:putobject", OBJECT)], request("s3:PutObject"), True, ALLOWED),
    # A prefix wildcard matches only actions starting so.
    Case("action-prefix-wildcard-no-match", [allow("s3:Get*", OBJECT)], request("s3:PutObject"), False, IMPLICIT_DENY),
    # "?" matches exactly one character.
    Case("action-question-mark", [allow("s3:?etObject", OBJECT)], request("s3:GetObject"), True, ALLOWED),
    # A wildcard does not cross the service prefix.
    Case("action-wildcard-other-service", [allow("s3:*", "*")], request("kms:Decrypt", KEY), False, IMPLICIT_DENY),
    # Allow with NotAction allows every action except the listed ones ...
    Case("notaction-allow-others", [allow(NotAction="iam:*")], request("s3:GetObject"), True, ALLOWED),
    # ... and not the listed ones.
    Case(
        "notaction-allow-not-listed",
        [allow(NotAction="iam:*")],
        request("iam:CreateRole", f"arn:aws:iam::{ACCOUNT_B}:role/x"),
        False,
        IMPLICIT_DENY,
    ),
    # Deny with NotAction denies every action except the listed ones ...
    Case(
        "notaction-deny-others",
        [allow("*"), deny(NotAction="s3:*")],
        request("kms:Decrypt", KEY),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ... and leaves the listed ones to the Allow.
    Case("notaction-deny-spares-listed", [allow("*"), deny(NotAction="s3:*")], request(), True, ALLOWED, "Allow"),
    # NotAction matches actions as Action does: case-insensitively.
    Case("notaction-ignores-case", [allow(NotAction="S3:GETOBJECT")], request("s3:GetObject"), False, IMPLICIT_DENY),
    # --- Resource / NotResource --------------------------------------------------------------------
    # A trailing "*" matches any key under the prefix, "/" included.
    Case("resource-prefix-wildcard", [allow("s3:GetObject", f"{BUCKET}/*")], request(), True, ALLOWED),
    # A resource under another prefix is not matched.
    Case(
        "resource-other-prefix",
        [allow("s3:GetObject", f"{BUCKET}/exports/*")],
        request(resource=f"{BUCKET}/private/secret"),
        False,
        IMPLICIT_DENY,
    ),
    # Resource ARNs are case-sensitive (S3 bucket names and keys are).
    Case(
        "resource-case-sensitive",
        [allow("s3:GetObject", "arn:aws:s3:::Partner-Results-B/*")],
        request(),
        False,
        IMPLICIT_DENY,
    ),
    # "?" in a resource matches exactly one character ...
    Case("resource-question-mark", [allow("s3:GetObject", f"{BUCKET}/exports/part-000?")], request(), True, ALLOWED),
    # ... not two.
    Case(
        "resource-question-mark-one-char-only",
        [allow("s3:GetObject", f"{BUCKET}/exports/part-000?")],
        request(resource=f"{BUCKET}/exports/part-00000"),
        False,
        IMPLICIT_DENY,
    ),
    # Object ARNs (bucket/*) do not cover the bucket itself (ListBucket acts on the bucket ARN).
    Case(
        "resource-objects-not-bucket",
        [allow("s3:*", f"{BUCKET}/*")],
        request("s3:ListBucket", BUCKET, **{"s3:prefix": "exports/"}),
        False,
        IMPLICIT_DENY,
    ),
    # Allow with NotResource allows every resource except the listed ones ...
    Case("notresource-allow-others", [allow("s3:*", NotResource=f"{BUCKET}/private/*")], request(), True, ALLOWED),
    # ... and not the listed ones.
    Case(
        "notresource-allow-not-listed",
        [allow("s3:*", NotResource=f"{BUCKET}/private/*")],
        request(resource=f"{BUCKET}/private/x"),
        False,
        IMPLICIT_DENY,
    ),
    # Deny with NotResource denies everything outside the listed resources.
    Case(
        "notresource-deny-outside",
        [allow("s3:*"), deny("s3:*", NotResource=f"{BUCKET}/exports/*")],
        request(resource=f"{BUCKET}/private/x"),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # --- Principal / NotPrincipal (resource-based policies) -----------------------------------------
    # "Principal": "*" matches everyone.
    Case("principal-star", [allow("s3:GetObject", Principal="*")], request(), True, ALLOWED, resource_policy=True),
    # "Principal": {"AWS": "*"} matches everyone too.
    Case(
        "principal-aws-star", [allow("s3:GetObject", Principal=ANYONE)], request(), True, ALLOWED, resource_policy=True
    ),
    # A role ARN matches that role ...
    Case(
        "principal-role-arn",
        [allow("s3:GetObject", Principal={"AWS": ROLE})],
        request(),
        True,
        ALLOWED,
        resource_policy=True,
    ),
    # ... and no other role of the account.
    Case(
        "principal-other-role",
        [allow("s3:GetObject", Principal={"AWS": OTHER_ROLE})],
        request(),
        False,
        IMPLICIT_DENY,
        resource_policy=True,
    ),
    # A list of principals names each of them ("IAM JSON policy elements: Principal"): the role's exact ARN names
    # it, whatever else the list holds (here the same role in another case, whose match is not documented).
    Case(
        "principal-role-arn-beside-another-spelling-of-it",
        [allow("s3:GetObject", Principal={"AWS": [ROLE, ROLE.replace("partner-writer", "PARTNER-WRITER")]})],
        request(),
        True,
        ALLOWED,
        resource_policy=True,
    ),
    # A session of another role is not one of the caller's, even when that role's name starts with the caller's:
    # an assumed-role session ARN is arn:aws:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION-NAME ("IAM identifiers").
    Case(
        "principal-session-of-a-role-whose-name-extends-the-callers",
        [allow("s3:GetObject", Principal={"AWS": f"arn:aws:sts::{ACCOUNT_B}:assumed-role/partner-writer-2/emrfs"})],
        request(),
        False,
        IMPLICIT_DENY,
        resource_policy=True,
    ),
    # The account root ARN names the account: every principal of that account matches.
    Case(
        "principal-account-root",
        [allow("s3:GetObject", Principal={"AWS": f"arn:aws:iam::{ACCOUNT_B}:root"})],
        request(),
        True,
        ALLOWED,
        resource_policy=True,
    ),
    # A bare account id is the same as the account root ARN.
    Case(
        "principal-bare-account-id",
        [allow("s3:GetObject", Principal={"AWS": [ACCOUNT_A, ACCOUNT_B]})],
        request(),
        True,
        ALLOWED,
        resource_policy=True,
    ),
    # Another account's root does not match.
    Case(
        "principal-other-account-root",
        [allow("s3:GetObject", Principal={"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"})],
        request(),
        False,
        IMPLICIT_DENY,
        resource_policy=True,
    ),
    # A service principal is not an IAM role.
    Case(
        "principal-service-not-role",
        [allow("sts:AssumeRole", Principal={"Service": "ec2.amazonaws.com"})],
        request("sts:AssumeRole", ROLE, EMR_ROLE),
        False,
        IMPLICIT_DENY,
        resource_policy=True,
    ),
    # Deny with NotPrincipal does not deny the listed principal: for a role's session that takes the
    # session's ARN; a listed role alone does not spare its sessions (see the rows further down) ...
    Case(
        "notprincipal-deny-spares-listed-account-principal",
        [allow("s3:*", Principal="*"), deny("s3:*", NotPrincipal={"AWS": ROLE})],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
    ),
    # ... and denies everyone else.
    Case(
        "notprincipal-deny-others",
        [allow("s3:*", Principal="*"), deny("s3:*", NotPrincipal={"AWS": ROLE})],
        request(principal=OTHER_ROLE),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
    ),
    # --- Conditions --------------------------------------------------------------------------------
    # StringEquals: exact, case-sensitive match.
    Case(
        "stringequals-match",
        [allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})],
        request(**{"aws:PrincipalTag/team": "data"}),
        True,
        ALLOWED,
    ),
    Case(
        "stringequals-case-sensitive",
        [allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})],
        request(**{"aws:PrincipalTag/team": "Data"}),
        False,
        IMPLICIT_DENY,
    ),
    # Several values for one key are ORed.
    Case(
        "stringequals-values-ored",
        [allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": ["ops", "data"]}})],
        request(**{"aws:PrincipalTag/team": "data"}),
        True,
        ALLOWED,
    ),
    # A key missing from the request context makes a (non-negated) condition false.
    Case(
        "stringequals-missing-key",
        [allow("s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})],
        request(),
        False,
        IMPLICIT_DENY,
    ),
    # StringLike: "*" and "?" wildcards, case-sensitive.
    Case(
        "stringlike-wildcard",
        [allow("s3:GetObject", Condition={"StringLike": {"aws:userid": "AROA*:i-0?"}})],
        request(**{"aws:userid": "AROAEXAMPLE:i-01"}),
        True,
        ALLOWED,
    ),
    # s3:prefix for ListBucket: listing the prefix itself ...
    Case(
        "s3-prefix-list-prefix",
        [S3_PREFIX_LIST],
        request("s3:ListBucket", BUCKET, **{"s3:prefix": "exports/"}),
        True,
        ALLOWED,
    ),
    # ... and below it are allowed ...
    Case(
        "s3-prefix-list-below",
        [S3_PREFIX_LIST],
        request("s3:ListBucket", BUCKET, **{"s3:prefix": "exports/2026/01/"}),
        True,
        ALLOWED,
    ),
    # ... another prefix is not ...
    Case(
        "s3-prefix-list-other",
        [S3_PREFIX_LIST],
        request("s3:ListBucket", BUCKET, **{"s3:prefix": "private/"}),
        False,
        IMPLICIT_DENY,
    ),
    # ... nor listing the whole bucket (no s3:prefix in the request: the key is missing).
    Case("s3-prefix-list-whole-bucket", [S3_PREFIX_LIST], request("s3:ListBucket", BUCKET), False, IMPLICIT_DENY),
    # StringNotEquals on a present key with another value is true: the Deny applies.
    Case(
        "stringnotequals-other-value",
        [allow("s3:*"), deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT_A}})],
        request(**{"aws:PrincipalAccount": ACCOUNT_B}),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # Several values of a negated operator are NORed: equal to one of them makes it false.
    Case(
        "stringnotequals-values-nored",
        [allow("s3:*"), deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalAccount": [ACCOUNT_A, ACCOUNT_B]}})],
        request(**{"aws:PrincipalAccount": ACCOUNT_B}),
        True,
        ALLOWED,
        "Allow",
    ),
    # A negated operator on a key missing from the context is true: the Deny applies.
    Case(
        "stringnotequals-missing-key",
        [
            allow("s3:*"),
            deny("s3:PutObject", Condition={"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}),
        ],
        request("s3:PutObject"),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    Case(
        "stringnotlike-missing-key",
        [
            allow("s3:*"),
            deny("s3:*", Condition={"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/partner-*"}}),
        ],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ArnLike: wildcard match of an ARN.
    Case(
        "arnlike-match",
        [allow("s3:GetObject", Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/partner-*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        True,
        ALLOWED,
    ),
    # ArnNotLike: a matching ARN makes it false, so the Deny does not apply.
    Case(
        "arnnotlike-spares-match",
        [
            allow("s3:*"),
            deny("s3:*", Condition={"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_B}:role/*"}}),
        ],
        request(**{"aws:PrincipalArn": ROLE}),
        True,
        ALLOWED,
        "Allow",
    ),
    # ArnEquals: exact.
    Case(
        "arnequals-other-arn",
        [allow("s3:GetObject", Condition={"ArnEquals": {"aws:PrincipalArn": OTHER_ROLE}})],
        request(**{"aws:PrincipalArn": ROLE}),
        False,
        IMPLICIT_DENY,
    ),
    # Bool: the usual deny-insecure-transport statement does not apply over TLS ...
    Case(
        "bool-secure-transport-true",
        [allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})],
        request(**{"aws:SecureTransport": "true"}),
        True,
        ALLOWED,
        "Allow",
    ),
    # ... and applies over plain HTTP.
    Case(
        "bool-secure-transport-false",
        [allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})],
        request(**{"aws:SecureTransport": "false"}),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # Bool on a missing key is false (not negated): the Deny does not apply.
    Case(
        "bool-missing-key",
        [allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
        request(),
        True,
        ALLOWED,
        "Allow",
    ),
    # ...IfExists: a missing key makes the condition true (the Deny applies) ...
    Case(
        "boolifexists-missing-key",
        [allow("s3:*"), deny("s3:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ... (the Allow applies) ...
    Case(
        "stringequalsifexists-missing-key",
        [allow("s3:GetObject", Condition={"StringEqualsIfExists": {"aws:PrincipalTag/team": "data"}})],
        request(),
        True,
        ALLOWED,
    ),
    # ... and a present key is compared as without IfExists.
    Case(
        "stringequalsifexists-present-mismatch",
        [allow("s3:GetObject", Condition={"StringEqualsIfExists": {"aws:PrincipalTag/team": "data"}})],
        request(**{"aws:PrincipalTag/team": "ops"}),
        False,
        IMPLICIT_DENY,
    ),
    # Null "true": true when the key is missing ...
    Case(
        "null-true-missing",
        [allow("s3:*"), deny("s3:PutObject", Condition={"Null": {"s3:x-amz-server-side-encryption": "true"}})],
        request("s3:PutObject"),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ... false when it is present.
    Case(
        "null-true-present",
        [allow("s3:*"), deny("s3:PutObject", Condition={"Null": {"s3:x-amz-server-side-encryption": "true"}})],
        request("s3:PutObject", **{"s3:x-amz-server-side-encryption": "aws:kms"}),
        True,
        ALLOWED,
        "Allow",
    ),
    # Null "false": true when the key is present.
    Case(
        "null-false-present",
        [allow("s3:GetObject", Condition={"Null": {"aws:PrincipalTag/team": "false"}})],
        request(**{"aws:PrincipalTag/team": "data"}),
        True,
        ALLOWED,
    ),
    # NumericLessThan compares numbers ...
    Case(
        "numericlessthan-true",
        [allow("s3:ListBucket", BUCKET, Condition={"NumericLessThan": {"s3:max-keys": "10"}})],
        request("s3:ListBucket", BUCKET, **{"s3:max-keys": "5"}),
        True,
        ALLOWED,
    ),
    # ... as numbers, not text ("50" > "10").
    Case(
        "numericlessthan-false",
        [allow("s3:ListBucket", BUCKET, Condition={"NumericLessThan": {"s3:max-keys": "10"}})],
        request("s3:ListBucket", BUCKET, **{"s3:max-keys": "9.5e1"}),
        False,
        IMPLICIT_DENY,
    ),
    # ForAnyValue: true when any request value matches any policy value.
    Case(
        "foranyvalue-one-matches",
        [allow("s3:GetObject", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["project"]}})],
        request(**{"aws:TagKeys": ["owner", "project"]}),
        True,
        ALLOWED,
    ),
    # ForAllValues: false when one request value matches no policy value ...
    Case(
        "forallvalues-one-outside",
        [allow("s3:GetObject", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["project", "owner"]}})],
        request(**{"aws:TagKeys": ["owner", "cost"]}),
        False,
        IMPLICIT_DENY,
    ),
    # ... true when every request value does ...
    Case(
        "forallvalues-all-inside",
        [allow("s3:GetObject", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["project", "owner"]}})],
        request(**{"aws:TagKeys": ["owner", "project"]}),
        True,
        ALLOWED,
    ),
    # ... and true when the key is missing from the request.
    Case(
        "forallvalues-missing-key",
        [allow("s3:GetObject", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["project"]}})],
        request(),
        True,
        ALLOWED,
    ),
    # ForAllValues with a negated operator on a missing key is true too (AWS's aws:TagKeys example).
    Case(
        "forallvalues-negated-missing-key",
        [allow("s3:*"), deny("s3:*", Condition={"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # ForAnyValue on a missing key is false ...
    Case(
        "foranyvalue-missing-key",
        [allow("s3:GetObject", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["project"]}})],
        request(),
        False,
        IMPLICIT_DENY,
    ),
    # ... even with a negated operator (no request value, so none that differs).
    Case(
        "foranyvalue-negated-missing-key",
        [allow("s3:*"), deny("s3:*", Condition={"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["project"]}})],
        request(),
        True,
        ALLOWED,
        "Allow",
    ),
    # Several operators (and several keys) in one Condition are ANDed.
    Case(
        "conditions-anded",
        [
            allow(
                "s3:GetObject",
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": "data"},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            )
        ],
        request(**{"aws:PrincipalTag/team": "data", "aws:SecureTransport": "false"}),
        False,
        IMPLICIT_DENY,
    ),
    # Condition key names are not case-sensitive (aws:securetransport is aws:SecureTransport).
    Case(
        "condition-key-name-case-insensitive",
        [allow("s3:*"), deny("s3:*", Condition={"StringNotEquals": {"aws:securetransport": "true"}})],
        request(**{"aws:SecureTransport": "true"}),
        True,
        ALLOWED,
        "Allow",
    ),
    # --- ArnEquals / ArnLike: per ARN component ------------------------------------------------------
    # Each of the six colon-separated parts is matched on its own: "*" does not cross a colon ...
    Case(
        "arnlike-wildcard-does-not-cross-components",
        [allow("s3:GetObject", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:1*:y"}})],
        request(**{"aws:SourceArn": "arn:aws:logs:us-east-1:123:log-group:x:log-stream:y"}),
        False,
        IMPLICIT_DENY,
    ),
    # ... and a policy value of fewer than six components is not known to match or not (the page says only
    # that each of the six components is checked separately): not a certain refusal ...
    Case(
        "arnlike-fewer-components-undetermined",
        [allow("s3:GetObject", Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        False,
        UNDETERMINED,
        source="design: AWS's Condition operators page does not say how an ARN value of fewer components compares",
    ),
    # ... nor, under ArnNotLike, a certain Deny.
    Case(
        "arnnotlike-star-deny-undetermined",
        [allow("s3:GetObject"), deny("s3:GetObject", Condition={"ArnNotLike": {"aws:PrincipalArn": "*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        False,
        UNDETERMINED,
        "Deny",
        source="design: AWS's Condition operators page does not say how an ARN value of fewer components compares",
    ),
    # ... while the same text as a string pattern would match.
    Case(
        "stringlike-wildcard-crosses-colons",
        [allow("s3:GetObject", Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        True,
        ALLOWED,
    ),
    # A wildcard in the account component matches any account.
    Case(
        "arnlike-account-wildcard",
        [allow("s3:GetObject", Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/partner-*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        True,
        ALLOWED,
    ),
    # ArnEquals takes wildcards too (the operators page lists ArnEquals and ArnLike together).
    Case(
        "arnequals-with-wildcard",
        [allow("s3:GetObject", Condition={"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_B}:role/*"}})],
        request(**{"aws:PrincipalArn": ROLE}),
        True,
        ALLOWED,
    ),
    # A request value that is not a six-part ARN matches no ARN pattern.
    Case(
        "arnlike-not-an-arn",
        [allow("s3:GetObject", Condition={"ArnLike": {"aws:PrincipalArn": "arn:*:*:*:*:*"}})],
        request(**{"aws:PrincipalArn": "partner-writer"}),
        False,
        IMPLICIT_DENY,
    ),
    # --- Resource wildcards per ARN segment -------------------------------------------------------------
    # A "*" inside a segment does not cross a colon ...
    Case(
        "resource-mid-segment-wildcard-stays-in-segment",
        [allow("kms:Decrypt", "arn:aws:kms:us-*-1:*:key/*")],
        request("kms:Decrypt", KEY),
        True,
        ALLOWED,
        source=RESOURCE,
    ),
    Case(
        "resource-mid-segment-wildcard-does-not-cross",
        [allow("kms:Decrypt", "arn:aws:k*s:us-east-1:*:key/*")],
        request("kms:Decrypt", KEY.replace("arn:aws:kms", "arn:aws:kms:extra")),
        False,
        IMPLICIT_DENY,
        source=RESOURCE,
    ),
    # Where the per-segment and the whole-string readings disagree (a key with a colon), the
    # evaluator does not guess.
    Case(
        "resource-colon-in-key-undetermined",
        [allow("s3:*"), deny("s3:GetObject", f"{BUCKET}/*/secret")],
        request(resource=f"{BUCKET}/a:b/secret"),
        False,
        UNDETERMINED,
        "Deny",
        source="design: AWS's page describes wildcards per segment; an S3 key with a colon is not covered by it",
    ),
    # ... a "*" at the end of a segment may expand beyond it.
    Case(
        "resource-trailing-wildcard-crosses",
        [allow("kms:Decrypt", "arn:aws:kms:*")],
        request("kms:Decrypt", KEY),
        True,
        ALLOWED,
    ),
    # --- NotPrincipal and role sessions -----------------------------------------------------------------
    # A Deny with NotPrincipal naming the role (and its account) still denies the role's sessions.
    Case(
        "notprincipal-deny-naming-role-denies-its-sessions",
        [allow("s3:*", Principal="*"), deny("s3:*", NotPrincipal={"AWS": [ROLE, f"arn:aws:iam::{ACCOUNT_B}:root"]})],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
    ),
    # Naming a session of the role too: whether it is the caller's session depends on its name, which
    # EMRFS chooses.
    Case(
        "notprincipal-deny-naming-a-session-is-undetermined",
        [
            allow("s3:*", Principal="*"),
            deny(
                "s3:*",
                NotPrincipal={
                    "AWS": [
                        ROLE,
                        f"arn:aws:sts::{ACCOUNT_B}:assumed-role/partner-writer/emrfs",
                        f"arn:aws:iam::{ACCOUNT_B}:root",
                    ]
                },
            ),
        ],
        request(),
        False,
        UNDETERMINED,
        "Deny",
        resource_policy=True,
        source="design: the session name is not known before the job runs (NotPrincipal page: sessions are named exactly)",
    ),
    # With the session's own name known, all three named exempt it.
    Case(
        "notprincipal-deny-naming-session-role-and-account-spares",
        [
            allow("s3:*", Principal="*"),
            deny(
                "s3:*",
                NotPrincipal={
                    "AWS": [
                        ROLE,
                        f"arn:aws:sts::{ACCOUNT_B}:assumed-role/partner-writer/emrfs",
                        f"arn:aws:iam::{ACCOUNT_B}:root",
                    ]
                },
            ),
        ],
        Request("s3:GetObject", OBJECT, principal=ROLE, session_known=True),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
        source="design: a known session name other than the listed one is another session",
    ),
    # A principal with a permissions boundary is always denied by a NotPrincipal Deny.
    Case(
        "notprincipal-deny-with-boundary-always-denies",
        [allow("s3:*", Principal="*"), deny("s3:*", NotPrincipal={"AWS": [ROLE, f"arn:aws:iam::{ACCOUNT_B}:root"]})],
        Request("s3:GetObject", OBJECT, principal=ROLE, has_boundary=True),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
        source="AWS: IAM User Guide, Permissions boundaries for IAM entities (NotPrincipal with Deny)",
    ),
    # The NotPrincipal page: "If the NotPrincipal element was missing the ARN of the role, the effect of the
    # policy might be to explicitly deny access to the role"; likewise for the role's account.
    Case(
        "notprincipal-deny-without-the-role-denies",
        [
            allow("s3:*", Principal="*"),
            deny("s3:*", NotPrincipal={"AWS": [SESSION_ARN, f"arn:aws:iam::{ACCOUNT_B}:root"]}),
        ],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
    ),
    Case(
        "notprincipal-deny-without-the-account-denies",
        [allow("s3:*", Principal="*"), deny("s3:*", NotPrincipal={"AWS": [SESSION_ARN, ROLE]})],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
        resource_policy=True,
    ),
    # An Allow with NotPrincipal does not grant the principals it lists (the NotPrincipal page).
    Case(
        "notprincipal-allow-does-not-grant-the-listed-role",
        [allow("s3:*", NotPrincipal={"AWS": ROLE})],
        request(),
        False,
        IMPLICIT_DENY,
        resource_policy=True,
    ),
    # ... nor, for sure, anyone else: "Using it with "Effect":"Allow" is not supported" (the NotPrincipal
    # page), and what AWS then does is not said, so a role it does not list is undetermined, not allowed.
    Case(
        "notprincipal-allow-grants-an-unlisted-role-undetermined",
        [allow("s3:*", NotPrincipal={"AWS": OTHER_ROLE})],
        request(),
        False,
        UNDETERMINED,
        "Allow",
        resource_policy=True,
        source=NOTPRINCIPAL,
    ),
    # --- Dates and IP addresses ---------------------------------------------------------------------------
    Case(
        "date-before-deadline",
        [allow("s3:*"), deny("s3:*", Condition={"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})],
        request(**{"aws:CurrentTime": "2026-11-29T12:00:00Z"}),
        True,
        ALLOWED,
        "Allow",
        source="design: dates are compared as instants (ISO 8601 or epoch seconds); the verifier does not fill "
        "aws:CurrentTime, so date conditions on it stay undetermined in the chain",
    ),
    Case(
        "date-epoch-after-deadline",
        [allow("s3:*"), deny("s3:*", Condition={"DateGreaterThan": {"aws:EpochTime": "1600000000"}})],
        request(**{"aws:EpochTime": "1700000000"}),
        False,
        EXPLICIT_DENY,
        "Deny",
        source="design: dates are compared as instants (ISO 8601 or epoch seconds)",
    ),
    Case(
        "ip-address-in-range",
        [allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
        request(**{"aws:SourceIp": "10.1.2.3"}),
        True,
        ALLOWED,
    ),
    Case(
        "not-ip-address-out-of-range",
        [allow("s3:*"), deny("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}})],
        request(**{"aws:SourceIp": "203.0.113.9"}),
        False,
        EXPLICIT_DENY,
        "Deny",
    ),
    # --- What the evaluator cannot know: undetermined, never a guess ------------------------------------
    # An operator it does not know: an Allow or a Deny resting on it is undetermined ...
    Case(
        "unknown-operator-allow-undetermined",
        [allow("s3:GetObject", Condition={"StringFrobnicates": {"aws:PrincipalTag/team": "data"}})],
        request(**{"aws:PrincipalTag/team": "data"}),
        False,
        UNDETERMINED,
        "Allow",
        source="design: an unknown operator is reported as not checked rather than guessed",
    ),
    Case(
        "unknown-operator-deny-undetermined",
        [allow("s3:*"), deny("s3:*", Condition={"StringFrobnicates": {"aws:PrincipalTag/team": "data"}})],
        request(**{"aws:PrincipalTag/team": "data"}),
        False,
        UNDETERMINED,
        "Deny",
        source="design: an unknown operator is reported as not checked rather than guessed",
    ),
    # ... unless a known condition of the same statement is false (conditions are ANDed) ...
    Case(
        "unknown-operator-deny-with-false-known-condition",
        [
            allow("s3:*"),
            deny(
                "s3:*",
                Condition={
                    "StringFrobnicates": {"aws:PrincipalTag/team": "data"},
                    "Bool": {"aws:SecureTransport": "false"},
                },
            ),
        ],
        request(**{"aws:SecureTransport": "true"}),
        True,
        ALLOWED,
        "Allow",
        source=CONDITIONS + " (conditions are ANDed)",
    ),
    # ... and an undetermined Allow does not matter when a Deny certainly applies.
    Case(
        "certain-deny-beats-undetermined-allow",
        [
            allow("s3:GetObject", Condition={"StringFrobnicates": {"k": "v"}}),
            deny("s3:GetObject"),
        ],
        request(),
        False,
        EXPLICIT_DENY,
        "Deny",
        source=EVALUATION,
    ),
    # A key the request carries but whose value is not known (a partial context): undetermined.
    Case(
        "key-of-unknown-value-undetermined",
        [allow("s3:*"), deny("s3:*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})],
        Request("s3:GetObject", OBJECT, principal=ROLE, known_absent=frozenset()),
        False,
        UNDETERMINED,
        "Deny",
        source="design: the verifier names the keys it knows are absent; any other key is not known",
    ),
    # A key the partial context names as absent behaves as missing.
    Case(
        "key-known-absent-is-missing",
        [allow("s3:*"), deny("s3:*", Condition={"StringEquals": {"aws:RequestTag/x": "y"}})],
        Request("s3:GetObject", OBJECT, principal=ROLE, known_absent=frozenset({"aws:RequestTag/"})),
        True,
        ALLOWED,
        "Allow",
        source=CONDITIONS + " (a missing key makes a non-negated condition false)",
    ),
    # Policy variables are not expanded: a statement resting on one is undetermined.
    Case(
        "policy-variable-undetermined",
        [allow("s3:GetObject", f"{BUCKET}/${{aws:PrincipalTag/prefix}}/*")],
        request(),
        False,
        UNDETERMINED,
        "Allow",
        source="design: policy variables are not expanded",
    ),
]

for _case in CASES:
    if not _case.source:
        object.__setattr__(_case, "source", _source_of(_case.id))


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def test_every_row_says_whether_it_is_aws_documented_or_a_design_choice() -> None:
    documented = [case for case in CASES if case.source.startswith("AWS: ")]
    design = [case for case in CASES if case.source.startswith("design: ")]
    assert len(documented) + len(design) == len(CASES)
    assert {case.id for case in design} >= {
        "unknown-operator-allow-undetermined",
        "unknown-operator-deny-undetermined",
        "date-before-deadline",
        "notprincipal-deny-naming-a-session-is-undetermined",
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_evaluate(case: Case) -> None:
    policies = [("policy", policy(*case.statements))] + [
        (f"policy {index}", document) for index, document in enumerate(case.more_policies)
    ]
    decision = evaluate(policies, case.request, resource_policy=case.resource_policy)
    assert (decision.allowed, decision.reason) == (case.allowed, case.reason)
    if case.sid is not None:
        assert decision.statement is not None
        assert decision.statement["Sid"] == case.sid
    if case.reason == IMPLICIT_DENY:
        assert decision.statement is None


def test_documents_may_be_json_text_or_missing() -> None:
    # AWS hands policies back as JSON text; a resource without a policy has none.
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    decision = evaluate([("missing", None), ("text", text)], request())
    assert decision.allowed
    assert decision.source == "text"


# --- evaluate_access: identity and resource-based policies together -----------------------------------


@dataclass(frozen=True)
class AccessCase:
    id: str
    identity: list[dict[str, Any]]
    resource: list[dict[str, Any]]
    request: Request
    resource_account: str
    required: bool
    allowed: bool
    reason: str
    source: str | None = None
    #: Statements of the caller's permissions boundary (None: it has none).
    boundary: list[dict[str, Any]] | None = None


ROOT_B = f"arn:aws:iam::{ACCOUNT_B}:root"
ROOT_A = f"arn:aws:iam::{ACCOUNT_A}:root"
S3_ALLOW = allow("s3:PutObject", f"{BUCKET}/exports/*")
KMS_REQUEST = request("kms:GenerateDataKey", KEY)
TRUST_REQUEST = request("sts:AssumeRole", ROLE, EMR_ROLE)
SQS_ONLY = [allow("sqs:*")]
SESSION = f"arn:aws:sts::{ACCOUNT_B}:assumed-role/partner-writer/emrfs"

ACCESS_CASES = [
    # --- S3: within one account an Allow in either the identity or the bucket policy suffices ----------
    # Same account: the identity policy alone allows.
    AccessCase(
        "s3-same-identity-only", [S3_ALLOW], [], request("s3:PutObject"), ACCOUNT_B, False, True, ALLOWED, "identity"
    ),
    # Same account: a bucket policy naming the role allows without an identity policy.
    AccessCase(
        "s3-same-bucket-names-role",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        True,
        ALLOWED,
        "resource",
    ),
    # Same account: "Principal": "*" names every principal, this role included.
    AccessCase(
        "s3-same-bucket-public",
        [],
        [allow("s3:GetObject", f"{BUCKET}/*", Principal="*")],
        request("s3:GetObject"),
        ACCOUNT_B,
        False,
        True,
        ALLOWED,
        "resource",
    ),
    # Same account: a bucket policy naming the account (root) delegates to IAM: the identity policy must allow.
    AccessCase(
        "s3-same-bucket-names-account-only",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROOT_B})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        IMPLICIT_DENY,
        "identity",
    ),
    AccessCase(
        "s3-same-bucket-names-account-and-identity",
        [S3_ALLOW],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROOT_B})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        True,
        ALLOWED,
    ),
    # An explicit Deny in the bucket policy wins over the identity policy's Allow ...
    AccessCase(
        "s3-bucket-deny-wins",
        [S3_ALLOW],
        [deny("s3:PutObject", f"{BUCKET}/*", Principal="*")],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        EXPLICIT_DENY,
        "resource",
    ),
    # ... and a Deny in the identity policy over the bucket policy's Allow.
    AccessCase(
        "s3-identity-deny-wins",
        [deny("s3:PutObject", "*")],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        EXPLICIT_DENY,
        "identity",
    ),
    # Across accounts both must allow: the identity policy alone is not enough ...
    AccessCase(
        "s3-cross-identity-only",
        [S3_ALLOW],
        [],
        request("s3:PutObject"),
        ACCOUNT_A,
        False,
        False,
        IMPLICIT_DENY,
        "resource",
    ),
    # ... nor the bucket policy alone ...
    AccessCase(
        "s3-cross-bucket-only",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_A,
        False,
        False,
        IMPLICIT_DENY,
        "identity",
    ),
    # ... both together are.
    AccessCase(
        "s3-cross-both",
        [S3_ALLOW],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_A,
        False,
        True,
        ALLOWED,
    ),
    # A bucket policy naming the caller's account (root) counts for the cross-account resource side.
    AccessCase(
        "s3-cross-bucket-names-caller-account",
        [S3_ALLOW],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROOT_B})],
        request("s3:PutObject"),
        ACCOUNT_A,
        False,
        True,
        ALLOWED,
    ),
    # --- KMS key policies: the key policy must allow -------------------------------------------------
    # Same account: a key policy naming the role itself suffices, without an IAM policy.
    AccessCase(
        "kms-same-key-names-role",
        [],
        [allow("kms:GenerateDataKey*", Principal={"AWS": ROLE})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
        "resource",
    ),
    # Same account: a key policy naming only the account (root) needs the IAM policy too ...
    AccessCase(
        "kms-same-root-only",
        [],
        [allow("kms:*", Principal={"AWS": ROOT_B})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        False,
        IMPLICIT_DENY,
        "identity",
    ),
    # ... with which it allows.
    AccessCase(
        "kms-same-root-and-identity",
        [allow("kms:GenerateDataKey*", KEY)],
        [allow("kms:*", Principal={"AWS": ROOT_B})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
    ),
    # An IAM policy alone never suffices: the key policy must allow (no root delegation, no naming).
    AccessCase(
        "kms-identity-without-key-policy",
        [allow("kms:*", "*")],
        [allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT_B}:role/KeyAdmin"})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        False,
        IMPLICIT_DENY,
        "resource",
    ),
    # A key policy with the default root statement first and the role named in a later statement:
    # the later statement names the role, so no IAM policy is needed.
    AccessCase(
        "kms-same-root-first-role-named-later",
        [],
        [
            allow("kms:*", Principal={"AWS": ROOT_B}),
            {**allow("kms:GenerateDataKey*", Principal={"AWS": [ROLE]}), "Sid": "KeyUsers"},
        ],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
        "resource",
    ),
    # Across accounts, a key policy naming the role is not enough: its own account's IAM policy must allow ...
    AccessCase(
        "kms-cross-key-names-role-only",
        [],
        [allow("kms:GenerateDataKey*", Principal={"AWS": ROLE})],
        request("kms:GenerateDataKey", KEY.replace(ACCOUNT_B, ACCOUNT_A)),
        ACCOUNT_A,
        True,
        False,
        IMPLICIT_DENY,
        "identity",
    ),
    # ... with which it allows.
    AccessCase(
        "kms-cross-both",
        [allow("kms:GenerateDataKey*", "*")],
        [allow("kms:GenerateDataKey*", Principal={"AWS": ROLE})],
        request("kms:GenerateDataKey", KEY.replace(ACCOUNT_B, ACCOUNT_A)),
        ACCOUNT_A,
        True,
        True,
        ALLOWED,
    ),
    # --- Role trust policies -------------------------------------------------------------------------
    # Cross-account: the trust policy names the EMR role and the EMR role's policy allows sts:AssumeRole.
    AccessCase(
        "trust-cross-both",
        [allow("sts:AssumeRole", ROLE)],
        [allow("sts:AssumeRole", None, Principal={"AWS": EMR_ROLE})],
        TRUST_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
    ),
    # Cross-account: trusted, but the EMR role's own policy does not allow sts:AssumeRole.
    AccessCase(
        "trust-cross-no-identity",
        [],
        [allow("sts:AssumeRole", None, Principal={"AWS": EMR_ROLE})],
        TRUST_REQUEST,
        ACCOUNT_B,
        True,
        False,
        IMPLICIT_DENY,
        "identity",
    ),
    # Cross-account: allowed by its own policy, but the trust policy trusts someone else.
    AccessCase(
        "trust-cross-not-trusted",
        [allow("sts:AssumeRole", ROLE)],
        [allow("sts:AssumeRole", None, Principal={"AWS": f"arn:aws:iam::{ACCOUNT_A}:role/Other"})],
        TRUST_REQUEST,
        ACCOUNT_B,
        True,
        False,
        IMPLICIT_DENY,
        "resource",
    ),
    # Trusting the EMR account (root) delegates to that account's IAM policies.
    AccessCase(
        "trust-cross-account-root",
        [allow("sts:AssumeRole", ROLE)],
        [allow("sts:AssumeRole", None, Principal={"AWS": ROOT_A})],
        TRUST_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
    ),
    # Same account: a trust policy naming the role directly needs no identity policy.
    AccessCase(
        "trust-same-names-role",
        [],
        [allow("sts:AssumeRole", None, Principal={"AWS": OTHER_ROLE})],
        request("sts:AssumeRole", ROLE, OTHER_ROLE),
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
        "resource",
    ),
    # An explicit Deny in the trust policy wins.
    AccessCase(
        "trust-deny-wins",
        [allow("sts:AssumeRole", ROLE)],
        [
            allow("sts:AssumeRole", None, Principal={"AWS": EMR_ROLE}),
            deny("sts:AssumeRole", None, Principal={"AWS": EMR_ROLE}),
        ],
        TRUST_REQUEST,
        ACCOUNT_B,
        True,
        False,
        EXPLICIT_DENY,
        "resource",
    ),
]


ACCESS_CASES += [
    # --- Permissions boundaries (IAM User Guide, "Permissions boundaries for IAM entities"; "How AWS
    # enforcement code logic evaluates requests": a resource policy granting a role's ARN is limited by
    # an implicit deny in its boundary, one granting the role session directly is not) -----------------
    # The identity policy allows, the boundary does not: denied.
    AccessCase(
        "boundary-limits-identity-policy",
        [S3_ALLOW],
        [],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        IMPLICIT_DENY,
        "permissions boundary",
        boundary=SQS_ONLY,
    ),
    # Both allow: allowed.
    AccessCase(
        "boundary-and-identity-allow",
        [S3_ALLOW],
        [],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        True,
        ALLOWED,
        boundary=[allow("s3:*")],
    ),
    # A bucket policy naming the role's ARN is limited by the boundary too ...
    AccessCase(
        "boundary-limits-bucket-policy-naming-role",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        IMPLICIT_DENY,
        "permissions boundary",
        boundary=SQS_ONLY,
    ),
    # ... one naming the role session itself is not.
    AccessCase(
        "boundary-does-not-limit-bucket-policy-naming-session",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": SESSION})],
        Request("s3:PutObject", OBJECT, principal=ROLE, session_known=False),
        ACCOUNT_B,
        False,
        False,
        UNDETERMINED,
        boundary=SQS_ONLY,
    ),
    # A key policy naming the role, same account: limited by the boundary.
    AccessCase(
        "boundary-limits-key-policy-naming-role",
        [],
        [allow("kms:GenerateDataKey*", Principal={"AWS": ROLE})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        False,
        IMPLICIT_DENY,
        "permissions boundary",
        boundary=SQS_ONLY,
    ),
    # Across accounts the boundary limits the identity side, which must allow.
    AccessCase(
        "boundary-limits-cross-account",
        [S3_ALLOW],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_A,
        False,
        False,
        IMPLICIT_DENY,
        "permissions boundary",
        boundary=SQS_ONLY,
    ),
    # A grant to everyone ("*"), same account, with a boundary that does not allow: AWS documents that a boundary
    # limits a grant to the role's ARN and not one to the role session ("Permissions boundaries for IAM
    # entities"), not which of the two "*" is. The aws/s3 key policy is such a grant (KMS Developer Guide,
    # kms:CallerAccount). Design: not known, never a guess either way.
    AccessCase(
        "boundary-and-key-policy-naming-everyone-undetermined",
        [],
        [allow("kms:GenerateDataKey*", Principal={"AWS": "*"})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        False,
        UNDETERMINED,
        "resource",
        boundary=SQS_ONLY,
    ),
    AccessCase(
        "boundary-and-bucket-policy-naming-everyone-undetermined",
        [],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal="*")],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        UNDETERMINED,
        "resource",
        boundary=SQS_ONLY,
    ),
    # ... and with a boundary that allows, the grant to everyone allows (either reading gives it).
    AccessCase(
        "boundary-allowing-and-key-policy-naming-everyone",
        [],
        [allow("kms:GenerateDataKey*", Principal={"AWS": "*"})],
        KMS_REQUEST,
        ACCOUNT_B,
        True,
        True,
        ALLOWED,
        "resource",
        boundary=[allow("kms:*")],
    ),
    # A NotPrincipal Deny always denies a principal with a permissions boundary, whatever it lists (IAM User
    # Guide, "AWS JSON policy elements: NotPrincipal"): evaluate_access knows of the boundary from its argument.
    AccessCase(
        "boundary-and-notprincipal-deny-always-denies",
        [S3_ALLOW],
        [
            allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE}),
            deny("s3:*", NotPrincipal={"AWS": [ROLE, SESSION, ROOT_B]}),
        ],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        EXPLICIT_DENY,
        "resource",
        boundary=[allow("*")],
    ),
    # A Deny that may apply (its condition key's value is known only when the job runs) leaves an allowed
    # request undetermined: the evaluator never reads an unknown Deny as not applying.
    AccessCase(
        "s3-same-maybe-deny-undetermined",
        [S3_ALLOW],
        [deny("s3:*", Principal="*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
        Request("s3:PutObject", OBJECT, principal=ROLE, known_absent=frozenset()),
        ACCOUNT_B,
        False,
        False,
        UNDETERMINED,
        "resource",
    ),
    # With a boundary that does not allow, a grant to everyone that may apply leaves the answer undetermined
    # (not allowed, whatever else is known): no statement certainly decides it.
    AccessCase(
        "boundary-and-maybe-grant-to-everyone-undetermined",
        [],
        [
            allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROOT_B}),
            allow(
                "s3:PutObject", f"{BUCKET}/*", Principal="*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
            ),
        ],
        Request("s3:PutObject", OBJECT, principal=ROLE, known_absent=frozenset()),
        ACCOUNT_B,
        False,
        False,
        UNDETERMINED,
        boundary=SQS_ONLY,
    ),
    # A Deny in the boundary wins over every allow.
    AccessCase(
        "boundary-deny-wins",
        [S3_ALLOW],
        [allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": ROLE})],
        request("s3:PutObject"),
        ACCOUNT_B,
        False,
        False,
        EXPLICIT_DENY,
        "boundary",
        boundary=[allow("*"), deny("s3:PutObject")],
    ),
]


def test_the_access_table_is_broad() -> None:
    assert len(ACCESS_CASES) >= 20
    assert len({case.id for case in ACCESS_CASES}) == len(ACCESS_CASES)


@pytest.mark.parametrize("case", ACCESS_CASES, ids=[case.id for case in ACCESS_CASES])
def test_evaluate_access(case: AccessCase) -> None:
    decision = evaluate_access(
        case.request,
        identity_policies=[("identity", policy(*case.identity))],
        resource_policies=[("resource", policy(*case.resource))],
        resource_account=case.resource_account,
        resource_policy_required=case.required,
        boundary=None if case.boundary is None else ("boundary", policy(*case.boundary)),
    )
    assert (decision.allowed, decision.reason) == (case.allowed, case.reason)
    if case.source is not None:
        # An implicit deny has no deciding statement; its source names the side that failed to allow.
        assert decision.source == case.source
        if decision.reason == IMPLICIT_DENY:
            assert decision.statement is None


def test_kms_decision_cites_the_statement_naming_the_role() -> None:
    # The deciding statement is the one that grants: the key-users statement, not the root delegation.
    decision = evaluate_access(
        KMS_REQUEST,
        identity_policies=[],
        resource_policies=[
            (
                "key policy",
                policy(
                    {**allow("kms:*", Principal={"AWS": ROOT_B}), "Sid": "Root"},
                    {**allow("kms:GenerateDataKey*", Principal={"AWS": ROLE}), "Sid": "KeyUsers"},
                ),
            )
        ],
        resource_account=ACCOUNT_B,
        resource_policy_required=True,
    )
    assert decision.allowed
    assert decision.statement is not None
    assert decision.statement["Sid"] == "KeyUsers"


# --- The building blocks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("s3:*", "s3:PutObject", True, True),  # "*" matches any run of characters
        ("s3:*Object", "s3:PutObject", True, True),
        ("s3:Get?bject", "s3:GetObject", True, True),  # "?" matches one character
        ("s3:Get?bject", "s3:GetOObject", True, False),
        ("S3:GETOBJECT", "s3:GetObject", True, True),  # actions: case-insensitive
        ("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", False, False),  # resources: case-sensitive
        ("arn:aws:s3:::b/a.c", "arn:aws:s3:::b/abc", False, False),  # "." is literal, not a regex
        ("arn:aws:s3:::b/[x]", "arn:aws:s3:::b/[x]", False, True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b\nc", False, True),  # "*" spans "/" and newlines
        ("", "", False, True),
        ("x", "xy", False, False),  # the whole value must match
    ],
)
def test_wildcard_match(pattern: str, value: str, ignore_case: bool, expected: bool) -> None:
    assert wildcard_match(pattern, value, ignore_case=ignore_case) is expected


@pytest.mark.parametrize(
    ("operator", "wanted", "context", "expected"),
    [
        ("StringEquals", "a", {"k": "a"}, True),
        ("StringEquals", "a", {}, False),  # missing key: false
        ("StringNotEquals", "a", {}, True),  # negated on a missing key: true
        ("StringEqualsIgnoreCase", "ABC", {"k": "abc"}, True),
        ("StringNotEqualsIgnoreCase", "ABC", {"k": "abc"}, False),
        ("StringEqualsIfExists", "a", {}, True),  # IfExists on a missing key: true
        ("StringEquals", "a", {"k": None}, False),  # a key without a value is missing
        ("Null", "true", {}, True),
        ("Null", "false", {}, False),
        ("Null", "true", {"k": "x"}, False),
        ("NumericGreaterThanEquals", "10", {"k": "10"}, True),
        ("NumericNotEquals", "10", {"k": "10.0"}, False),
        # Not a number: not known (False would make NumericNotEquals hold, granting through a value never read).
        ("NumericLessThan", "10", {"k": "ten"}, None),
        ("NumericNotEquals", "10", {"k": "ten"}, None),
        ("NumericNotEquals", "ten", {"k": "10"}, None),
        ("Bool", "true", {"k": "True"}, True),
        # The Condition operators page writes Bool and Null values only as true and false; another spelling in a
        # policy ("True") is read by AWS in a way it does not document: not known, never a match or a mismatch.
        ("Bool", "True", {"k": "true"}, None),
        ("Bool", "FALSE", {"k": "true"}, None),
        ("Bool", "yes", {"k": "true"}, None),
        ("Bool", True, {"k": "true"}, True),  # a JSON true is the text "true"
        ("Bool", False, {"k": "true"}, False),
        ("Null", "True", {}, None),
        ("Null", "TRUE", {"k": "x"}, None),
        ("Null", True, {}, True),
        ("Null", False, {"k": "x"}, True),
        ("Null", ["True", "true"], {}, True),  # values are ORed: the documented one decides
        ("ForAllValues:StringLike", "a*", {"k": []}, True),  # an empty set: ForAllValues true
        ("ForAnyValue:StringLike", "a*", {"k": []}, False),  # ... ForAnyValue false
        ("ForAnyValue:StringNotEquals", "a", {}, False),
        ("ForAllValues:StringNotEquals", "a", {}, True),
        ("DateLessThan", "2020-01-01T00:00:00Z", {"k": "2019-01-01T00:00:00Z"}, True),
        ("DateLessThan", "2020-01-01T00:00:00Z", {"k": "1577836801"}, False),  # epoch seconds
        ("DateLessThan", "2020-01-01T00:00:00Z", {}, False),  # missing key: false
        ("IpAddress", "10.0.0.0/8", {"k": "10.1.2.3"}, True),
        ("IpAddress", "10.0.0.0/8", {"k": "11.1.2.3"}, False),
        ("NotIpAddress", "10.0.0.0/8", {"k": "11.1.2.3"}, True),
        ("ArnLike", "arn:aws:iam::*:role/x", {"k": "arn:aws:iam::123:role/x"}, True),
        ("ArnLike", "arn:aws:logs:*:1*:y", {"k": "arn:aws:logs:us-east-1:123:log-group:x:log-stream:y"}, False),
        ("ArnLike", "arn:aws:iam::*", {"k": "arn:aws:iam::123:role/x"}, None),  # fewer components: not documented
        ("ArnNotLike", "*", {"k": "arn:aws:iam::123:role/x"}, None),
        # A key's values are ORed, NORed under a negated operator (IAM User Guide, "Conditions with multiple context
        # keys or values"): one value that certainly matches decides beside one not known, for both ...
        ("ArnLike", ["*", "arn:aws:iam::123:role/x"], {"k": "arn:aws:iam::123:role/x"}, True),
        ("ArnNotLike", ["*", "arn:aws:iam::123:role/x"], {"k": "arn:aws:iam::123:role/x"}, False),
        ("ArnEquals", ["arn:aws:iam::*", "arn:aws:iam::123:role/x"], {"k": "arn:aws:iam::123:role/x"}, True),
        ("ArnNotEquals", ["arn:aws:iam::*", "arn:aws:iam::123:role/x"], {"k": "arn:aws:iam::123:role/x"}, False),
        # ... while a certain mismatch beside one not known stays not known.
        ("ArnLike", ["*", "arn:aws:iam::123:role/y"], {"k": "arn:aws:iam::123:role/x"}, None),
        ("ArnNotLike", ["*", "arn:aws:iam::123:role/y"], {"k": "arn:aws:iam::123:role/x"}, None),
        # The same for a request's several values: any decides for ForAnyValue, a certain failure for ForAllValues.
        ("ForAnyValue:ArnLike", "arn:aws:iam::*:role/x", {"k": ["arn:aws:iam::123:role/x", "x"]}, True),
        ("ForAllValues:ArnLike", ["*", "arn:aws:iam::*:role/x"], {"k": ["arn:aws:iam::1:role/x"] * 2}, True),
        ("ForAllValues:IpAddress", "10.0.0.0/8", {"k": ["11.0.0.1", "not-an-address"]}, False),
        ("ForAnyValue:IpAddress", "10.0.0.0/8", {"k": ["10.0.0.1", "not-an-address"]}, True),
        # "ArnEquals, ArnLike: Case-sensitive matching of the ARN" (Condition operators, ARN condition operators):
        # a role name in another case is another ARN to them, though IAM itself takes it for the same role.
        ("ArnEquals", "arn:aws:iam::123:role/Partner", {"k": "arn:aws:iam::123:role/partner"}, False),
        ("ArnLike", "arn:aws:iam::*:role/Partner-*", {"k": "arn:aws:iam::123:role/partner-a"}, False),
        # Six components: colons after the fifth belong to the resource part (a log stream's ARN).
        (
            "ArnLike",
            "arn:aws:logs:*:*:log-group:x:*",
            {"k": "arn:aws:logs:us-east-1:123:log-group:x:log-stream:y"},
            True,
        ),
        ("BinaryEquals", "QmluYXJ5", {"k": "QmluYXJ5"}, None),  # an operator not known: None
        ("Frobnicate:StringEquals", "a", {"k": "a"}, None),  # an unknown set qualifier
        # Rows the automated mutation study showed missing (benchmarks/auto_mutants.py): each operator
        # the evaluator knows decides, and each numeric comparison is strict or not as its name says.
        ("ArnNotEquals", "arn:aws:iam::*:role/x", {"k": "arn:aws:iam::123:role/x"}, False),
        ("ArnNotEquals", "arn:aws:iam::*:role/x", {"k": "arn:aws:iam::123:role/y"}, True),
        ("StringNotLike", "a*", {"k": "abc"}, False),
        ("StringNotLike", "a*", {"k": "xbc"}, True),
        ("NumericEquals", "10", {"k": "10.0"}, True),
        ("NumericEquals", "10", {"k": "11"}, False),
        ("NumericLessThan", "10", {"k": "10"}, False),  # strictly less
        ("NumericLessThanEquals", "10", {"k": "10"}, True),
        ("NumericLessThanEquals", "10", {"k": "11"}, False),
        ("NumericGreaterThan", "10", {"k": "10"}, False),  # strictly greater
        ("NumericGreaterThanEquals", "10", {"k": "9"}, False),
        ("DateEquals", "2020-01-01T00:00:00Z", {"k": "1577836800"}, True),  # the same instant
        ("DateEquals", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:01Z"}, False),
        ("DateNotEquals", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:00Z"}, False),
        ("DateNotEquals", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:01Z"}, True),
        ("DateLessThan", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:00Z"}, False),  # strictly earlier
        ("DateLessThanEquals", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:00Z"}, True),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:00Z"}, False),  # strictly later
        ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", {"k": "2020-01-01T00:00:00Z"}, True),
        ("IpAddress", "10.0.0.0/8", {"k": "not-an-address"}, None),  # not an address: not known, as for
        ("NotIpAddress", "10.0.0.0/8", {"k": "not-an-address"}, None),  # the negated operator
        ("DateNotEquals", "2020-01-01T00:00:00Z", {"k": "yesterday"}, None),
        # A policy variable is replaced by the request's value when AWS evaluates ("IAM policy elements:
        # Variables and tags"); this evaluator does not expand them, so the condition is not known.
        ("StringEquals", "${aws:username}", {"k": "${aws:username}"}, None),
        # "You can add IfExists to the end of any condition operator name except the Null condition":
        # NullIfExists is not an operator AWS knows.
        ("NullIfExists", "true", {}, None),
    ],
)
def test_condition_holds(operator: str, wanted: Any, context: dict[str, Any], expected: bool | None) -> None:
    assert condition_holds(operator, "k", wanted, context) is expected


def test_a_malformed_condition_element_is_not_known() -> None:
    # AWS refuses such a policy (MalformedPolicyDocument); a planned document could still hold one,
    # and the evaluator must neither crash nor read it as holding.
    assert conditions_hold(["StringEquals"], {"k": "a"})[0] is None
    assert conditions_hold({"StringEquals": ["k", "a"]}, {"k": "a"})[0] is None


def test_a_date_without_a_zone_is_read_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    # Design: the machine's own zone must not change a verdict; a date without a zone is read as UTC.
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert condition_holds("DateEquals", "k", "2020-01-01T00:00:00", {"k": "2020-01-01T00:00:00Z"}) is True
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_partial_context_knows_only_the_keys_it_names() -> None:
    # Request.known_absent: a key it names (or one below a name ending in "/") is known absent; any other
    # key of a partial context is not known.
    absent = frozenset({"aws:SourceVpce", "aws:RequestTag/"})
    assert condition_holds("StringEquals", "AWS:SOURCEVPCE", "vpce-1", {}, absent) is False
    assert condition_holds("StringEquals", "aws:RequestTag/team", "data", {}, absent) is False
    assert condition_holds("StringEquals", "aws:SourceIp", "10.0.0.1", {}, absent) is None
    assert condition_holds("StringEquals", "aws:SourceVpcearly", "x", {}, absent) is None  # a name, not a prefix
    assert condition_holds("StringEquals", "aws:RequestTagX", "x", {}, absent) is None
    assert condition_holds("StringEquals", "aws:SourceIp", "10.0.0.1", {}, frozenset()) is None


def test_condition_key_lookup_ignores_case() -> None:
    assert condition_holds("StringEquals", "AWS:PrincipalTag/Team", "data", {"aws:principaltag/team": "data"}) is True
    # Values keep the operator's case rule: StringEquals is case-sensitive.
    assert condition_holds("StringEquals", "aws:principaltag/team", "Data", {"aws:PrincipalTag/team": "data"}) is False


ROLE_OTHER_CASE = f"arn:aws:iam::{ACCOUNT_B}:role/Partner-Writer"
SESSION_OTHER_CASE = f"arn:aws:sts::{ACCOUNT_B}:assumed-role/Partner-Writer/emrfs"


@pytest.mark.parametrize(
    ("identity", "resource_statement"),
    [
        ([allow("s3:GetObject")], deny("s3:GetObject", Principal={"AWS": ROLE_OTHER_CASE})),
        ([], allow("s3:GetObject", Principal={"AWS": ROLE_OTHER_CASE})),
        # A session of the role, the role's name in another case: as undetermined as the role's ARN so spelt.
        ([allow("s3:GetObject")], deny("s3:GetObject", Principal={"AWS": SESSION_OTHER_CASE})),
        ([], allow("s3:GetObject", Principal={"AWS": SESSION_OTHER_CASE})),
    ],
    ids=[
        "deny-naming-another-spelling",
        "allow-naming-another-spelling",
        "deny-naming-a-session-under-another-spelling",
        "allow-naming-a-session-under-another-spelling",
    ],
)
def test_a_principal_naming_the_role_in_another_case_is_undetermined(
    identity: list[dict[str, Any]], resource_statement: dict[str, Any]
) -> None:
    """
    Role names "aren't distinguished by case" (IAM User Guide, "IAM and AWS STS quotas"): ``Partner-Writer``
    and ``partner-writer`` are one role. Whether a resource policy (bucket, key) naming the other spelling
    matches the caller is not documented outside trust policies: neither a match nor a miss.
    """
    decision = evaluate_access(
        request("s3:GetObject"),
        identity_policies=[("inline policy p", policy(*identity))] if identity else [],
        resource_policies=[("bucket policy", policy(resource_statement))],
        resource_account=ACCOUNT_B,
    )

    assert decision.undetermined, decision


CANONICAL_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


@pytest.mark.parametrize(
    ("resource_statement", "resource_account"),
    [
        (deny("s3:GetObject", Principal={"CanonicalUser": CANONICAL_ID}), ACCOUNT_B),
        (allow("s3:GetObject", Principal={"CanonicalUser": [CANONICAL_ID]}), ACCOUNT_A),
    ],
    ids=["deny-in-the-caller-s-account", "allow-from-another-account"],
)
def test_a_canonical_user_principal_is_undetermined(resource_statement: dict[str, Any], resource_account: str) -> None:
    """
    S3 User Guide, "Principals": a canonical user ID is "an obfuscated form of the AWS account ID"; which account
    it names is not read. A Deny by one may refuse the caller; an Allow by one, in another account's bucket, may be
    the grant the caller's own allow needs. Neither a pass nor a fail.
    """
    decision = evaluate_access(
        request("s3:GetObject"),
        identity_policies=[("inline policy p", policy(allow("s3:GetObject")))],
        resource_policies=[("bucket policy", policy(resource_statement))],
        resource_account=resource_account,
    )

    assert decision.undetermined, decision


# The Allow whose Condition the request does not meet -------------------------------------------------------------


def test_a_request_refused_for_want_of_a_condition_names_the_statement_that_would_allow_it() -> None:
    """
    A key policy naming the role under a ``kms:ViaService`` of another Region: no statement allows S3's call, and the
    decision names the one that would but for its Condition (so the verifier's fix is that Condition, not a grant the
    statement already holds). A statement of another action or principal is never named.
    """
    users = {
        "Sid": "KeyUsers",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
    }
    other = {**users, "Sid": "Other", "Principal": {"AWS": OTHER_ROLE}}
    decrypt = {**users, "Sid": "Decrypt", "Action": "kms:Decrypt"}
    request = Request("kms:GenerateDataKey", KEY, ROLE, {"kms:ViaService": "s3.us-east-1.amazonaws.com"})

    decision = evaluate_access(
        request,
        identity_policies=[],
        resource_policies=[("key policy", policy(other, decrypt, users))],
        resource_account=ACCOUNT_B,
        resource_policy_required=True,
    )

    assert (decision.allowed, decision.reason, decision.statement) == (False, IMPLICIT_DENY, None)
    assert (decision.unmet, decision.unmet_source) == (users, "key policy")
    unconditioned = {key: value for key, value in users.items() if key != "Condition"}
    allowed = evaluate_access(
        request,
        identity_policies=[],
        resource_policies=[("key policy", policy(unconditioned))],
        resource_account=ACCOUNT_B,
        resource_policy_required=True,
    )
    assert allowed.allowed
    assert allowed.unmet is None
    assert evaluate([("key policy", policy(other, decrypt))], request, resource_policy=True).unmet is None


def _trust_allow(sid: str, principal: str = EMR_ROLE) -> dict[str, Any]:
    """A trust statement allowing ``principal`` only with an ``sts:ExternalId``."""
    external_id = {"StringEquals": {"sts:ExternalId": "partner-b-123"}}
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": external_id,
    }


def _assume_unmet(trust: list[dict[str, Any]], grants: list[dict[str, Any]], **prefer: Any) -> Any:
    """The ``Allow`` an ``sts:AssumeRole`` with no ``sts:ExternalId`` fails only by its Condition, and its policy."""
    decision = evaluate_access(
        Request("sts:AssumeRole", ROLE, EMR_ROLE),
        identity_policies=[(f"inline policy p{index}", policy(grant)) for index, grant in enumerate(grants)],
        resource_policies=[("trust policy", policy(*trust))],
        resource_account=ACCOUNT_B,
        resource_policy_required=True,
        **prefer,
    )
    assert (decision.allowed, decision.reason) == (False, IMPLICIT_DENY)
    return (decision.unmet or {}).get("Sid"), decision.unmet_source


def test_a_preferred_sid_names_its_unmet_allow_though_another_comes_first() -> None:
    """
    Two ``Allow`` statements name the request under a Condition it does not meet (a key absent from the request does
    not match: IAM User Guide, "IAM JSON policy elements: Condition operators"). Unasked, the first is named; a later one
    whose Sid is preferred replaces one that is not, never the other way round, and a preferred Sid of a statement not
    naming the request (another principal, or an Allow that applies but for nothing) is never named.
    """
    theirs, ours, elsewhere = _trust_allow("Theirs"), _trust_allow("Ours"), _trust_allow("Ours", OTHER_ROLE)
    grant = allow("sts:AssumeRole", ROLE)

    assert _assume_unmet([theirs, ours], [grant]) == ("Theirs", "trust policy")
    assert _assume_unmet([theirs, ours], [grant], prefer_unmet_sids={"Ours"}) == ("Ours", "trust policy")
    assert _assume_unmet([ours, theirs], [grant], prefer_unmet_sids={"Ours"}) == ("Ours", "trust policy")
    assert _assume_unmet([theirs, elsewhere], [grant], prefer_unmet_sids={"Ours"}) == ("Theirs", "trust policy")
    trusted = {key: value for key, value in theirs.items() if key != "Condition"}
    team, own = (
        {**allow("sts:AssumeRole", ROLE, Condition=theirs["Condition"]), "Sid": sid} for sid in ("Team", "Ours")
    )
    assert _assume_unmet([trusted], [team, own]) == ("Team", "inline policy p0")
    assert _assume_unmet([trusted], [team, own], prefer_unmet_sids={"Ours"}) == ("Ours", "inline policy p1")


def test_a_preferred_sid_costs_only_its_own_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Whether an ``Allow`` fails only by its Condition is asked of no more statements than unasked but those with a
    preferred Sid: a policy of hundreds of statements that do not name the request costs what it did.
    """
    from airflow_provider_emrfs_xacct.pure import evaluator

    asked: list[str] = []
    only_condition_unmet = evaluator._only_condition_unmet

    def counted(statement: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
        asked.append(statement.get("Sid", ""))
        return only_condition_unmet(statement, *args, **kwargs)

    monkeypatch.setattr(evaluator, "_only_condition_unmet", counted)
    others = [{**_trust_allow(f"Other{index}"), "Action": "sts:TagSession"} for index in range(50)]
    trust = [_trust_allow("Theirs"), *others, _trust_allow("Ours"), *others]
    _assume_unmet(trust, [allow("sts:AssumeRole", ROLE)])
    unasked = len(asked)
    asked.clear()

    _assume_unmet(trust, [allow("sts:AssumeRole", ROLE)], prefer_unmet_sids={"Ours"})

    assert (unasked, asked) == (1, ["Theirs", "Ours"])
