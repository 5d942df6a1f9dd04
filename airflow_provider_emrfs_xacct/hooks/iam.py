"""IAM hook: the destination role (account B) and the EMR EC2 role's assume-role policy (account A)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import cache, partial
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

from airflow_provider_emrfs_xacct.hooks.errors import (
    acting_account,
    denial_message,
    error_code,
    error_message,
    iam_action,
    is_access_denied,
    is_concurrent_write,
    is_refused_for_now,
    naming_missing_principals,
    refuses_a_principal,
    send_again_while,
    unless_gone,
)
from airflow_provider_emrfs_xacct.hooks.iam_managed import MANAGED_BY_TAG as MANAGED_BY_TAG
from airflow_provider_emrfs_xacct.hooks.iam_managed import (
    MANAGED_VERSION_REREAD_WAITS,
    ManagedPolicyBaseHook,
    NoRoomError,
    SlotTakenError,
    adding_roles,
    iam_document,
    iam_text,
    is_lingering_subordinate,
    say_left,
)
from airflow_provider_emrfs_xacct.pure import bucket_policy, documents, spill
from airflow_provider_emrfs_xacct.pure.converge import (
    DEFAULT_SETTINGS,
    ConvergeSettings,
    Prefetched,
    guard_writes,
    read_modify_write,
)
from airflow_provider_emrfs_xacct.pure.exceptions import (
    AccessDeniedError,
    ConflictError,
    EmrfsXacctError,
    InvalidParameterError,
    NotConvergedError,
    PreconditionError,
)
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    MAX_TRUST_POLICY_CHARS,
    beyond_asked,
    find_statement,
    granted_trust_statement,
    kept_trust_condition,
    merge_owned_statements,
    merged_principals,
    merged_resources,
    names_role,
    only_removes,
    policy_size,
    refuse_ending_others,
    refuse_orphaned_ids,
    remove_owned_statement,
    require_iam_policy_length,
    roles_named,
    same_identity,
    same_meaning,
    same_role,
    stored_policy_length,
    trust_without_role,
    trusted_besides,
    unless_cleanup_blocked,
    upsert_statement,
    without_roles_named,
    without_trust_nobody,
    written_text,
)
from airflow_provider_emrfs_xacct.pure.plan import CREATE, DELETE, Change, landing
from airflow_provider_emrfs_xacct.pure.quotas import (
    MANAGED_POLICIES_PER_ROLE,
    ROLE_INLINE_POLICIES_CHARS,
    TRUST_POLICY_CHARS,
    QuotaRefusedByAwsError,
    require_valid_limit,
    require_within,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from mypy_boto3_iam import IAMClient  # noqa: F401 (the hook's client type, named as a string below)
    from mypy_boto3_iam.type_defs import ContextEntryTypeDef

    from airflow_provider_emrfs_xacct.pure.validation import S3Location

#: The task log of the writes that land (as ``pure.converge`` logs them).
log = logging.getLogger(__name__)

#: ``ListRoles``' largest ``MaxItems`` (IAM API Reference, "ListRoles": valid range 1 to 1000; 100 when left out).
LIST_ROLES_PAGE_SIZE = 1000
#: The context keys the verifier sends the simulator whose data type is Boolean (IAM User Guide, "AWS global
#: condition context keys": aws:SecureTransport, aws:ViaAWSService, aws:PrincipalIsAWSService, "Data type: Boolean");
#: a ``ContextEntry``'s ``ContextKeyType`` is "the data type of the value (or values)" (IAM API Reference,
#: "ContextEntry"); so is ``s3:ObjectCreationOperation`` (S3 User Guide, "Enforce conditional writes on Amazon S3
#: buckets": ``"Bool": {"s3:ObjectCreationOperation": "true"}``). Every other key the verifier sends is a String
#: (an ARN's is too).
BOOLEAN_CONTEXT_KEYS = frozenset(
    {"aws:securetransport", "aws:viaawsservice", "aws:principalisawsservice", "s3:objectcreationoperation"}
)


def is_eventually_consistent(error: Exception) -> bool:
    """
    Return whether an IAM error may be IAM not yet seeing something created seconds ago.

    ``MalformedPolicyDocument: Invalid principal in policy`` is what IAM answers for a trusted
    principal it does not see yet (IAM User Guide, "Troubleshoot IAM": "Changes that I make are not
    always immediately visible"; and the Knowledge Center article "How do I resolve the IAM trust
    policy error 'Invalid principal in policy'?"). Any other ``MalformedPolicyDocument`` is a fault in
    the document, not transient: it is raised at once with what IAM said. (The one place this
    provider reads an error message rather than its code: IAM has no separate code for this case.)
    ``NoSuchEntity`` reaches here only for a role this hook has just created.
    """
    if not isinstance(error, ClientError):
        return False
    if error_code(error) == "MalformedPolicyDocument":
        return refuses_a_principal(error, "MalformedPolicyDocument")
    return error_code(error) == "NoSuchEntity"


def _url_decoded(document: Any) -> Any:
    """IAM's URL-encoded document text decoded as botocore decodes it (``urllib.parse.unquote``); anything else as it is."""
    return unquote(document) if isinstance(document, str) else document


def _deleted_role(role: dict[str, Any], inline: list[str], tags: dict[str, str]) -> dict[str, Any]:
    """
    What a plan says goes with a deleted role: its ARN, inline policies, tags and permissions boundary.

    Tags (someone's besides the provider's) and the boundary (the policy itself stays) go with the role: ``DeleteRole``
    needs neither removed first (IAM API Reference, "DeleteRole" lists inline policies, attached managed policies and
    instance profiles), so the plan names them.
    """
    deleted: dict[str, Any] = {"Arn": role["Arn"], "InlinePolicies": inline, "Tags": dict(sorted(tags.items()))}
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary:
        deleted["PermissionsBoundary"] = boundary
    return deleted


def _create_role_extras(permissions_boundary: str | None, role_tags: dict[str, str] | None) -> dict[str, Any]:
    """
    ``CreateRole``'s ``PermissionsBoundary`` (when given) and ``Tags``: the provider's tag, then ``role_tags``.

    Sent at creation, so an account whose policies allow ``iam:CreateRole`` only with its boundary
    (``iam:PermissionsBoundary``: IAM User Guide, "Permissions boundaries for IAM entities") or its tags
    (``aws:RequestTag``: IAM User Guide, "Controlling access during AWS requests") lets the role be created.
    """
    extras: dict[str, Any] = {"Tags": [MANAGED_BY_TAG]}
    extras["Tags"] += [{"Key": key, "Value": value} for key, value in (role_tags or {}).items()]
    if permissions_boundary:
        extras["PermissionsBoundary"] = permissions_boundary
    return extras


def _checked_once(
    check_found: Callable[[dict[str, Any]], None] | None, role: Prefetched | None
) -> Callable[[dict[str, Any] | None], None]:
    """
    What each read of the trust calls with the role it found: ``check_found`` once, on a role made since ``role``
    showed none, before anything is written to it, whether its trust needs a write or not.

    Made by someone else (``CreateRole`` then answers ``EntityAlreadyExists``: IAM API Reference, "CreateRole",
    "Errors") or by our ``CreateRole`` whose answer was lost (it carries our tag and path: nothing to warn about).
    """
    pending = [check_found] if check_found is not None and role is not None and role.document is None else []

    def check(found: dict[str, Any] | None) -> None:
        if found is not None and pending:
            pending.pop()(found)

    return check


def _missing_boundary(policy_arn: str, answer: str, field: str) -> PreconditionError:
    """
    A boundary IAM says does not exist: retriable, naming ``field``, as a missing role or key is.

    A policy another task or tool created seconds ago may not be visible yet (IAM User Guide, "Troubleshoot IAM",
    "Changes that I make are not always immediately visible"): the task keeps its retries.
    """
    return PreconditionError(
        f"the managed policy {policy_arn} does not exist ({answer}): check the ARN, or create the policy first "
        "(one created seconds ago may not be visible yet)",
        retriable=True,
        field=field,
    )


#: The path of AWS's service role policies, which "can only be attached to the service-linked role for that service"
#: (IAM API Reference, "PutRolePermissionsBoundary", "Errors", ``PolicyNotAttachable``): never a role's boundary (in
#: any partition: ``arn:<partition>:iam::aws:policy/aws-service-role/…``).
SERVICE_ROLE_POLICIES = ":iam::aws:policy/aws-service-role/"


def _refuse_boundary(error: ClientError, permissions_boundary: str | None, field: str) -> None:
    """
    Raise ``CreateRole``'s refusal of the boundary naming ``field``. What ``CreateRole`` answers for a boundary that
    does not exist or cannot be attached is not documented: its "Errors" list LimitExceeded, InvalidInput,
    EntityAlreadyExists, MalformedPolicyDocument, ConcurrentModification and ServiceFailure only (IAM API Reference,
    "CreateRole"). ``PutRolePermissionsBoundary``, which sets a boundary too, documents ``NoSuchEntity`` and
    ``PolicyNotAttachable`` ("AWS service role policies can only be attached to the service-linked role for that
    service": IAM API Reference, "PutRolePermissionsBoundary", "Errors"); both are taken here. ``NoSuchEntity`` is
    retriable (IAM's lag), unless the boundary is an AWS service role policy, which its answer ("does not exist or is
    not attachable") covers too and which never becomes attachable: permanent, as ``PolicyNotAttachable`` is.
    """
    if not permissions_boundary:
        return
    code = error_code(error)
    if code == "NoSuchEntity" and SERVICE_ROLE_POLICIES not in permissions_boundary:
        raise _missing_boundary(permissions_boundary, f"CreateRole: {error_message(error)}", field) from error
    if code in ("NoSuchEntity", "PolicyNotAttachable"):
        raise InvalidParameterError(
            field,
            f"IAM refused {permissions_boundary} as the role's permissions boundary ({code}: "
            f"{error_message(error)}): name a managed policy that can be attached to a role",
        ) from error


def _refuse_at_trust_quota(error: ClientError, text: str, role_name: str) -> None:
    """
    Turn IAM's ``LimitExceeded`` for a trust policy longer than the default quota into a clear refusal.

    The provider refuses past 4,096 characters (the quota's ceiling) itself; between 2,048 (the
    default) and that, only IAM knows the value in force, and refuses a longer document with
    ``LimitExceeded``, changing nothing (IAM API Reference, "CreateRole", "UpdateAssumeRolePolicy";
    "IAM and AWS STS quotas"). A shorter document cannot be refused for its length: that error is
    another quota (e.g. roles per account) and is left as it is. ``text`` is the text sent, counted as IAM counts.
    """
    length = stored_policy_length(text)
    if error_code(error) == "LimitExceeded" and length > int(TRUST_POLICY_CHARS.value or 0):
        raise QuotaRefusedByAwsError(
            "trusted_role_arns",
            TRUST_POLICY_CHARS,
            f"the trust policy of role {role_name} ({length} characters without whitespace)",
            error_message(error),
        ) from error


#: The room a trust policy's usual text is sent in (else its shortest text): the default quota, 2,048 characters (IAM
#: User Guide, "IAM and AWS STS quotas"), which no account's value in force is below.
_TRUST_ROOM = int(TRUST_POLICY_CHARS.value or 0)


def _say_what_was_written(refused: QuotaRefusedByAwsError, landed: list[str]) -> None:
    """
    End the refusal's message with what the run wrote before it and kept, or that it wrote nothing else.

    IAM's refusal changes nothing (the message says so), but writes before it in the same run did land: they are
    in force, and named, so that the task's failure does not read as "nothing changed" when something did.
    """
    if landed:
        written = f"Before it, this run wrote and kept: {'; '.join(landed)}. The rest of the grant was not written"
    else:
        written = "This run wrote nothing else"
    refused.problem = f"{refused.problem}. {written}"
    refused.args = (f"{refused.field}: {refused.problem}", *refused.args[1:])


def _writable_trust(
    current: dict[str, Any] | None, desired: dict[str, Any] | None, role_name: str, log: Any
) -> dict[str, Any] | None:
    """
    ``desired``, or ``current`` where the only change would be the clean-up of deleted principals IAM refuses.

    A change to a trust policy whose other statements name a deleted principal's unique ID is refused before the
    write: IAM refuses to save such a policy with ``MalformedPolicyDocument`` "Invalid principal in policy" (AWS
    Knowledge Center, iam-trust-policy-error), which would otherwise be waited out as IAM's lag. When dropping the
    unique IDs of the provider's own statement is all the write would change (a grant rerun, a revoke of a role the
    statement no longer holds), the trust policy is left as it is and the warning names the blocking statement
    (:func:`~airflow_provider_emrfs_xacct.pure.merge.unless_cleanup_blocked`).
    """
    what = f"the trust policy of role {role_name}"

    def refuse() -> None:
        if not same_meaning(desired, current):
            refuse_orphaned_ids(
                current,
                documents.TRUST_SID,
                what,
                refused_by="IAM refuses every trust policy ('Invalid principal in policy')",
            )

    written, warning = unless_cleanup_blocked(current, desired, lambda sid: sid == documents.TRUST_SID, refuse, what)
    if warning:
        log.warning("%s", warning)
    return written


def _warn_kept_condition_goes(log: Any, current: dict[str, Any] | None, role_name: str) -> None:
    """Warn of the ``Condition`` a revoke kept for the next grant, when that grant writes no statement to put it on."""
    if kept := kept_trust_condition(current):
        log.warning(
            "Statement %s of the trust policy of role %s, the one a revoke left, goes: other statements trust every "
            "role asked for. The Condition %s someone had added to it, which the revoke kept for the next grant, goes "
            "with it; to keep that restriction, put it in a statement of your own",
            documents.TRUST_SID,
            role_name,
            json.dumps(kept, sort_keys=True),
        )


def _granted_trust(
    current: dict[str, Any] | None, desired: dict[str, Any], role_name: str, log: Any
) -> dict[str, Any] | None:
    """
    ``desired`` as :func:`_writable_trust` leaves it, its length judged only when there is something to add.

    A rerun with nothing to add leaves the trust policy as IAM holds it, and is not refused for its length; one that
    only removes (deleted principals dropped) is sent no longer than IAM holds (:func:`~.merge.written_text`).
    """
    written = _writable_trust(current, desired, role_name, log)
    if written is not None and not same_meaning(current, written) and not only_removes(current, written):
        require_iam_policy_length(
            written, MAX_TRUST_POLICY_CHARS, "trusted_role_arns", f"the trust policy of role {role_name}"
        )
    return written


class EmrfsIamHook(ManagedPolicyBaseHook):
    """
    Interact with AWS IAM for cross-account EMRFS access, with idempotent ``ensure_*`` methods.

    Additional arguments (such as ``aws_conn_id``) may be specified and
    are passed down to the underlying AwsBaseHook.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "iam"
        super().__init__(*args, **kwargs)
        #: Roles this hook created or saw exist (CreateRole or a read said so); IAM may not show them to
        #: the next call for a few seconds.
        self.created_roles: set[str] = set()
        #: ``(role, policy)``: the characters of the role's other inline policies, as a plan read them.
        self._other_inline_reads: dict[tuple[str, str], Prefetched] = {}
        #: ``(role, policy)``: the provider's inline policy as the deletion's last check read it
        #: (:meth:`refuse_deleting`), to be read the same just before its ``DeleteRolePolicy``.
        self._checked_inline: dict[tuple[str, str], dict[str, Any] | None] = {}
        #: The operator's parameter that names the role this hook acts on, named when the role is missing
        #: (``emr_ec2_role_name`` for the operators on the EMR EC2 role).
        self.role_field = "role_name"

    # Reads --------------------------------------------------------------------------------------

    def _known_if_found(self, role_name: str, role: dict[str, Any] | None) -> dict[str, Any] | None:
        """Return ``role``; when it was found, a NoSuchEntity for it from now on is IAM's lag (``created_roles``)."""
        if role is not None:
            self.created_roles.add(role_name)  # e.g. made by our CreateRole whose answer was lost
        return role

    def get_role(self, role_name: str) -> dict[str, Any] | None:
        """
        Return the role as ``GetRole`` describes it, or ``None`` if there is none.

        Its ``AssumeRolePolicyDocument`` is parsed from the text IAM sent (:func:`~.iam_managed.iam_document`).

        :raises ConflictError: the trust policy gives a name twice in one JSON object, naming it (before any write).
        """
        try:
            role = dict(self.conn.get_role(RoleName=role_name)["Role"])
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return None
            raise
        if "AssumeRolePolicyDocument" in role:
            role["AssumeRolePolicyDocument"] = iam_document(
                role["AssumeRolePolicyDocument"], f"the trust policy of role {role_name}", "trust policy"
            )
        return role

    def check_permissions_boundary(self, policy_arn: str, field: str) -> None:
        """
        Refuse, naming ``field``, a permissions boundary ``CreateRole`` would refuse: read it with ``GetPolicy``.

        ``CreateRole`` refuses a boundary that does not exist or cannot be attached (its answer is not documented;
        ``PutRolePermissionsBoundary``'s are ``NoSuchEntity`` and ``PolicyNotAttachable``: IAM API Reference,
        "PutRolePermissionsBoundary", "Errors"; :func:`_refuse_boundary`); ``GetPolicy`` answers ``NoSuchEntity`` for the first and ``IsAttachable`` false for the second (IAM API
        Reference, "GetPolicy"; "Policy": "Specifies whether the policy can be attached to an IAM user, group, or
        role"). The first is a retriable :class:`PreconditionError` (a policy made seconds ago may not be visible
        yet), the second an :class:`InvalidParameterError`. ``iam:GetPolicy`` refused: a WARNING that it was not
        checked (``CreateRole`` still refuses it).
        """
        try:
            policy = self.conn.get_policy(PolicyArn=policy_arn)["Policy"]
        except ClientError as error:
            if is_access_denied(error):
                self.log.warning(
                    "%s %s not checked (iam:GetPolicy refused: %s); CreateRole refuses it if it does not exist",
                    field,
                    policy_arn,
                    error_message(error),
                )
                return
            if error_code(error) == "NoSuchEntity":
                raise _missing_boundary(policy_arn, "GetPolicy: NoSuchEntity", field) from error
            raise
        if policy.get("IsAttachable") is False:
            raise InvalidParameterError(field, f"the managed policy {policy_arn} cannot be attached to a role")

    def get_inline_policy(self, role_name: str, policy_name: str) -> dict[str, Any] | None:
        """Return an inline policy document of the role, or ``None`` if it has none by that name."""
        answer = self._inline_policy_answer(role_name, policy_name)
        if answer is None:
            return None
        return iam_document(answer, f"inline policy {policy_name} of role {role_name}", "inline policy")

    def _inline_policy_answer(self, role_name: str, policy_name: str) -> Any:
        """Return ``GetRolePolicy``'s ``PolicyDocument`` (IAM's URL-encoded text), or ``None`` if there is none."""
        try:
            response = self.conn.get_role_policy(RoleName=role_name, PolicyName=policy_name)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return None
            raise
        return response["PolicyDocument"]

    def get_role_policies(self, role_name: str) -> list[tuple[str, dict[str, Any] | None]]:
        """
        Return every identity policy of the role, inline and attached managed, as ``(name, document)``.

        A managed policy's default version deleted between ``GetPolicy`` and ``GetPolicyVersion`` by a concurrent
        writer is read again, as :meth:`read_managed_policy` reads it (the policy exists: it is attached).
        """
        policies = [
            (documents.inline_policy_label(name), self.get_inline_policy(role_name, name))
            for name in self.inline_policy_names(role_name)
        ]
        for attached in self._every("list_attached_role_policies", "AttachedPolicies", RoleName=role_name):
            policies.append(
                (
                    spill.managed_policy_label(attached["PolicyArn"], attached["PolicyName"]),
                    self.get_managed_policy(attached["PolicyArn"], reread_waits=MANAGED_VERSION_REREAD_WAITS),
                )
            )
        return policies

    def inline_policy_names(self, role_name: str) -> list[str]:
        """Return the names of the role's inline policies (``ListRolePolicies``, all pages)."""
        return [str(name) for name in self._every("list_role_policies", "PolicyNames", RoleName=role_name)]

    def trust_policies(self) -> list[tuple[str, Any]]:
        """
        Return ``(role ARN, trust policy text)`` of every role of the account (``ListRoles``, all pages).

        The text is IAM's, URL-decoded (:func:`~.iam_managed.iam_document`): the caller parses each document with
        :func:`~.merge.parse_document`, whose refusal of a name given twice in one JSON object is then that
        document's alone.

        ``ListRoles`` answers each role's ``AssumeRolePolicyDocument``; it leaves out only ``PermissionsBoundary``,
        ``RoleLastUsed`` and ``Tags`` (IAM API Reference, "ListRoles").

        Pages of :data:`LIST_ROLES_PAGE_SIZE` roles: ``MaxItems`` "defaults to 100" and goes up to 1,000 (same page, "Valid Range"),
        so an account at its default quota of 1,000 roles (IAM User Guide, "IAM and AWS STS quotas") takes one
        request, not ten. No ``PathPrefix``: a trust policy naming a role can be on a role of any path. IAM may still
        cut a page short (``IsTruncated``): every page is read.
        """
        roles = self._every("list_roles", "Roles", PaginationConfig={"PageSize": LIST_ROLES_PAGE_SIZE})
        return [(str(role["Arn"]), _url_decoded(role.get("AssumeRolePolicyDocument"))) for role in roles]

    def get_role_tags(self, role: dict[str, Any]) -> dict[str, str]:
        """Return the role's tags (``GetRole`` includes them; else ``ListRoleTags``)."""
        tags = role.get("Tags")
        if tags is None:
            tags = self._every("list_role_tags", "Tags", RoleName=role["RoleName"])
        return {str(tag["Key"]): str(tag["Value"]) for tag in tags}

    def simulate_principal_policy(self, principal_arn: str, action: str, resource: str, context: dict[str, Any]) -> str:
        """
        Ask ``iam:SimulatePrincipalPolicy`` about one request (identity policies and boundary only).

        Sent through :attr:`conn`, with the provider's standard retries: a throttled call (IAM answers
        ``Throttling``, HTTP 400; IAM API Reference, "Common Errors": "ThrottlingException – The request was
        denied due to request throttling. HTTP Status Code: 400") or a 5xx such as ``ServiceUnavailable`` (503)
        is tried again. An endpoint that does not offer the simulator (the local stand-in answers
        ``NotImplemented``, HTTP 501, which botocore does not retry) or a connection not allowed to call it
        (``AccessDenied``) is answered at once; the caller tells the two kinds apart. AWS's documented limits:
        the simulator does not evaluate a role's trust policy for ``sts:AssumeRole``, and ``CallerArn`` must be
        a user (so it is not passed). Returns ``EvalDecision``: ``allowed``, ``implicitDeny`` or ``explicitDeny``.
        """
        entries: list[dict[str, Any]] = []
        for key, value in context.items():
            values = [str(item) for item in value] if isinstance(value, list) else [str(value)]
            kind = "boolean" if key.lower() in BOOLEAN_CONTEXT_KEYS else "string"
            kind += "List" if isinstance(value, list) else ""
            entries.append({"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": kind})
        response = self.conn.simulate_principal_policy(
            PolicySourceArn=principal_arn,
            ActionNames=[action],
            ResourceArns=[resource],
            ContextEntries=cast("list[ContextEntryTypeDef]", entries),  # ContextKeyType: one of IAM's enum values
        )
        return str(response["EvaluationResults"][0]["EvalDecision"])

    # Ensures ------------------------------------------------------------------------------------

    def ensure_role_trusts(
        self,
        role_name: str,
        trusted_role_arns: Iterable[str],
        *,
        path: str = "/",
        description: str = "",
        max_session_duration: int = 3600,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        role: Prefetched | None = None,
        account_id: str | None = None,
        permissions_boundary: str | None = None,
        role_tags: dict[str, str] | None = None,
        check_found: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[str, list[Change]]:
        """
        Create the role if missing, or add the trusted roles to its trust policy.

        Every other trust statement and principal is kept as it was.

        :param permissions_boundary: the managed policy ARN ``CreateRole`` sets as the role's boundary; a role that
            exists keeps its own (``CreateRole`` only: IAM API Reference, "CreateRole", PermissionsBoundary).
        :param role_tags: tags ``CreateRole`` adds beside the provider's own; a role that exists keeps its tags.

        :param role: the role as a ``GetRole`` just before showed it (its document ``None``: missing), to
            save a read while a write based on it is still in time.
        :param account_id: the account the connection acts in, if known (for the ARN of a role not created yet).
        :param check_found: called with the role (as ``GetRole`` shows it) when ``role`` showed none and a later read
            finds one, once, on that read, before anything is written to it (whether its trust needs a write or
            not); it may refuse.
        :return: the role's ARN (in a dry run, the one it will have) and the change made (or planned).
        """
        trusted = list(trusted_role_arns)
        seen: dict[str, Any] = {}
        check_late = _checked_once(check_found, role)

        def trust_of(found: dict[str, Any] | None) -> dict[str, Any] | None:
            seen["role"] = self._known_if_found(role_name, found)
            check_late(seen["role"])
            document = None if seen["role"] is None else seen["role"]["AssumeRolePolicyDocument"]
            return iam_document(document, f"the trust policy of role {role_name}", "trust policy")

        def desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            base = without_trust_nobody(current)  # a revoke's statement for nobody: ours takes its place
            principals = merged_principals(base, documents.TRUST_SID, trusted, skip_if_granted=True)
            if principals or current is None:
                # With the condition someone added before a revoke, kept on its statement for nobody.
                desired = upsert_statement(base, granted_trust_statement(current, principals))
                return _granted_trust(current, desired, role_name, self.log)
            else:  # other statements trust every role asked for; ours, if there, held only deleted roles
                # Judged on ``base``, which a revoke's statement for nobody has left already: it allows nobody, and
                # its Deny would override the other statements' Allow (IAM User Guide, "The difference between
                # explicit and implicit denies": "the Deny statement trumps the Allow statement").
                # A service or "*" someone put beside them would lose its trust with the statement: refused.
                refuse_ending_others(
                    find_statement(base, documents.TRUST_SID),
                    documents.TRUST_SID,
                    why="(it names only deleted roles, and other statements trust every role asked for)",
                    then="run again",
                )
                _warn_kept_condition_goes(self.log, current, role_name)
                # An action someone added to it goes with it no more (remove_owned_statement).
                desired = remove_owned_statement(base or {}, documents.trust_statement([]))
            return _writable_trust(current, desired, role_name, self.log)

        def write(current: dict[str, Any] | None, desired: dict[str, Any]) -> bool:
            guard_writes(self.conn)
            # Judged at its shortest text (_granted_trust); sent escaped if that fits the default quota, which every
            # account's value in force is at least, else as that shortest text (merge.written_text).
            text = written_text(current, desired, room=_TRUST_ROOM)
            if current is None:
                try:
                    seen["role"] = self.conn.create_role(
                        RoleName=role_name,
                        Path=path,
                        Description=description,
                        MaxSessionDuration=max_session_duration,
                        AssumeRolePolicyDocument=text,
                        **_create_role_extras(permissions_boundary, role_tags),
                    )["Role"]
                    self.created_roles.add(role_name)
                except ClientError as error:
                    _refuse_at_trust_quota(error, text, role_name)
                    _refuse_boundary(error, permissions_boundary, "permissions_boundary")
                    if error_code(error) != "EntityAlreadyExists":
                        raise
                    # It exists (made concurrently, or by us when the answer to our CreateRole was lost
                    # and botocore retried it) though our read did not show it: IAM's lag. Back off
                    # and read again (a NoSuchEntity for it from now on is that lag too); check_found
                    # sees the role on that read, before anything is written to it.
                    self.created_roles.add(role_name)
                    self.log.info("Role %s exists already (created concurrently); merging into it", role_name)
                    raise
                # CreateRole is atomic: whoever changes this trust policy from now on has read it, our
                # statement included, and merges into it. No need to wait and read it back.
                return True
            try:
                self.conn.update_assume_role_policy(RoleName=role_name, PolicyDocument=text)
            except ClientError as error:
                _refuse_at_trust_quota(error, text, role_name)
                raise
            return False

        # Still "Invalid principal in policy" after the bounded wait: a trusted role that does not exist.
        with naming_missing_principals(
            lambda error: refuses_a_principal(error, "MalformedPolicyDocument"),
            "trusted_role_arns",
            f"the trust policy of role {role_name}",
            trusted,
            settings.consistency_wait_seconds,
        ):
            changes = read_modify_write(
                resource=f"iam role {role_name} trust policy",
                read=lambda: trust_of(self.get_role(role_name)),
                prefetched=None if role is None else Prefetched(trust_of(role.document), role.read_at),
                desire=desire,
                write=write,
                settings=settings,
                dry_run=dry_run,
                is_transient=lambda error: (
                    is_eventually_consistent(error)
                    or is_concurrent_write(error)
                    or (isinstance(error, ClientError) and error_code(error) == "EntityAlreadyExists")
                ),
            )
        if seen["role"] is not None:
            return str(seen["role"]["Arn"]), changes
        return f"arn:{self.conn_partition}:iam::{account_id or acting_account(self)}:role{path}{role_name}", changes

    def ensure_destination_access(
        self,
        role_name: str,
        locations: Iterable[S3Location],
        kms_key_arns: Iterable[str],
        *,
        object_acl: bool = False,
        partition: str | None = None,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        current: Prefetched | None = None,
        role_exists: bool = True,
    ) -> list[Change]:
        """
        Keep the provider's inline permissions policy on the destination role.

        Prefixes and keys already in the policy are kept (other runs may have added them), and so is
        every statement someone else put into the same policy (a ``Deny``, say); what the provider wrote for a
        prefix taken out of ``EmrfsXacctObjects`` by hand goes with it
        (:func:`~airflow_provider_emrfs_xacct.pure.documents.remains_of_removed_prefixes`), but for a bucket's listing
        the role's other policies rely on: refused (:meth:`_remains_of_removed_prefixes`). A change that would
        take the role's inline policies together past IAM's quota is refused before the write.

        :param object_acl: also allow ``s3:PutObjectAcl`` on the prefixes' objects; once granted it is kept, as the
            prefixes are (another pipeline's clusters sharing the role may set ``fs.s3.canned.acl``).
        :param partition: of the policy's ARNs (``arn:aws-cn:s3:::…`` in China); default: the connection's.
        :param current: the policy as a read just before showed it (its document ``None``: none), to
            save a read while a write based on it is still in time.
        :param role_exists: ``False`` when a read just before found no role (a plan for a role still to be
            created): it has no other inline policies, so they are not read.
        """
        wanted_locations, wanted_keys = set(locations), set(kms_key_arns)
        partition = partition or self.conn_partition
        others: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}  # the role's other policies, once read

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            held_locations, held_keys = documents.locations_in_permissions_policy(current)
            locations, keys = held_locations | wanted_locations, held_keys | wanted_keys
            documents.refuse_restricted_legacy_statements(current, {location.bucket for location in locations})
            held_acl = find_statement(current, documents.OBJECT_ACL_SID) is not None
            ours = documents.destination_permissions_policy(
                partition, locations, keys, object_acl=object_acl or held_acl
            )
            widest = documents.destination_permissions_policy(partition, locations, keys, object_acl=True)
            removed = self._remains_of_removed_prefixes(
                role_name, documents.DESTINATION_POLICY_NAME, current, locations, others
            )
            # An older version's EmrfsXacctList<n> goes only with its bucket listed again or judged as the above.
            documents.refuse_losing_legacy_listing(current, {location.bucket for location in locations}, removed)
            return merge_owned_statements(
                current, ours, documents.is_owned_destination_sid, widest=widest, dropping=removed
            )

        return self._ensure_inline_policy(
            role_name,
            documents.DESTINATION_POLICY_NAME,
            desire,
            "s3_prefixes",
            settings=settings,
            dry_run=dry_run,
            current=current,
            other_chars=lambda: (
                self._other_inline_chars_in_time(
                    role_name, documents.DESTINATION_POLICY_NAME, settings, missing_ok=True
                )
                if role_exists
                else 0
            ),
        )

    def ensure_assume_role_policy(
        self,
        role_name: str,
        destination_role_arns: Iterable[str],
        *,
        policy_name: str = documents.ASSUME_POLICY_NAME,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        managed_policies_per_role: int = int(MANAGED_POLICIES_PER_ROLE.value or 0),
    ) -> list[Change]:
        """
        Keep the provider's statement allowing ``sts:AssumeRole`` on the listed roles, and those already there.

        The statement lives in the inline policy ``policy_name``; any other statement in that policy (when
        ``policy_name`` names a policy someone else wrote) is kept as it is. Roles that no longer fit into
        the role's inline policies (IAM's 10,240 characters for all of them together) go into the
        provider's managed policies ``<policy_name>-<role_name>-2``, ``-3`` … attached to this role alone (see
        :mod:`~airflow_provider_emrfs_xacct.pure.spill`); past the managed-policy quota, or when a spill
        policy to write or attach lacks the provider's tag or is attached to another role too
        (``ConflictError``), the request is refused before any write. The new spill policies are created and
        attached before any other document is written (:meth:`_add_spill_policies`): IAM may refuse either write
        at a quota whose value in force the provider cannot know (``QuotaRefusedByAwsError``), and such a
        refusal then leaves the role as it was, or names what this call wrote before it and kept.

        :param managed_policies_per_role: the role's managed-policy quota in force (10 by default, up to 20).
        """
        wanted = sorted(set(destination_role_arns))
        slots = require_valid_limit(MANAGED_POLICIES_PER_ROLE, managed_policies_per_role, "managed_policies_per_role")
        changes: list[Change] = []
        landed: list[str] = []  # what this call wrote and kept, for a refusal after it
        for _attempt in range(settings.max_attempts):
            try:
                self._spread_assume_roles(role_name, policy_name, wanted, slots, changes, settings, dry_run, landed)
                return changes
            except NoRoomError as full:
                # A concurrent writer filled the document we chose since we read it: read and place again.
                self.log.info("%s filled up concurrently; placing the remaining roles again", full)
            except QuotaRefusedByAwsError as refused:
                _say_what_was_written(refused, landed)
                raise
        raise NotConvergedError(
            f"iam role {role_name} assume-role policies kept filling up under concurrent writers; retry the task, "
            "or serialise the writers with an Airflow pool"
        )

    def _spread_assume_roles(
        self,
        role_name: str,
        policy_name: str,
        wanted: list[str],
        slots: int,
        changes: list[Change],
        settings: ConvergeSettings,
        dry_run: bool,
        landed: list[str],
    ) -> None:
        """
        Read every document that holds the grants, place the missing ones (or refuse), then write them.

        The new spill policies first, then the spill policies there already, then the inline policy (read again:
        the read above came before other reads, too long ago to write on, ``converge.py``). ``landed`` is told
        each write past the wall that is in force once done.
        """
        first = Prefetched.now(lambda: self.get_inline_policy(role_name, policy_name))
        inline = first.document
        pending = [arn for arn in wanted if arn not in spill.held(inline)]
        if not pending:
            return  # the steady state: one read
        attached = self.list_attached_policies(role_name)
        self.remember_attachments(role_name, [item["PolicyArn"] for item in attached])  # for a refused attach
        ours = {
            item["PolicyName"]: item["PolicyArn"]
            for item in attached
            if spill.is_spill_arn(item["PolicyArn"], policy_name, role_name)
        }
        # A grant a spill policy already holds is not pending: a rerun after a revoke freed inline room writes
        # nothing (idempotent), rather than granting it twice.
        managed = {name: self.read_managed_policy(arn) for name, arn in ours.items()}
        for document in managed.values():
            pending = [arn for arn in pending if arn not in spill.held(document)]
        if not pending:
            return
        shared = MAX_ROLE_INLINE_POLICIES_CHARS - self._other_inline_chars(role_name, policy_name)
        room = spill.assume_inline_room(shared)  # a reserve left for the role's other inline policies (place())
        if policy_size(spill.with_roles(inline, pending)) <= room:
            # Everything still missing fits inline. The first read is written on only while still in time (the
            # reads above may have been throttled and retried for seconds): else it is read again (converge.py).
            changes += self._ensure_inline_policy(
                role_name,
                policy_name,
                adding_roles(pending, room, f"inline policy {policy_name}"),
                "destination_role_arns",
                settings=settings,
                dry_run=dry_run,
                current=first,
                room=room,
            )
            return
        placement = spill.place(
            pending,
            inline=inline,
            inline_room=shared,
            managed=managed,
            free_slots=slots - len(attached),
            role_name=role_name,
            slots_limit=slots,
        )
        taken = {name.lower() for name in ours}  # IAM policy names are not distinguished by case ("CreatePolicy")
        new = [(*self._free_spill_name(role_name, policy_name, taken, set(wanted)), arns) for arns in placement.new]
        # Before any write: every spill policy about to be written or attached is the provider's and this role's alone
        # (the new ones' names were checked as they were chosen).
        for arn in [ours[name] for name in placement.managed]:
            self.refuse_foreign_spill_policy(arn, role_name)
        changes += self._add_spill_policies(role_name, new, settings, dry_run, landed)
        for name, arns in placement.managed.items():
            changes += self._ensure_spill_policy(role_name, name, ours[name], arns, settings, dry_run)
            landed.append(f"{len(arns)} of the roles added to managed policy {name}, attached to role {role_name}")
        if placement.inline:
            changes += self._ensure_inline_policy(
                role_name,
                policy_name,
                adding_roles(placement.inline, placement.inline_room, f"inline policy {policy_name}"),
                "destination_role_arns",
                settings=settings,
                dry_run=dry_run,
                room=placement.inline_room,  # the reserve filled where no managed policy takes the rest
            )

    def _add_spill_policies(
        self,
        role_name: str,
        new: list[tuple[str, str, list[str]]],
        settings: ConvergeSettings,
        dry_run: bool,
        landed: list[str],
    ) -> list[Change]:
        """
        Create the new spill policies ``(name, ARN, roles)``, then attach them; at a refusal, leave none unattached.

        Both writes can be refused at an adjustable quota whose value in force the provider cannot know before
        writing: ``CreatePolicy`` at "Customer managed policies in an AWS account", ``AttachRolePolicy`` at "Managed
        policies attached to an IAM role" when ``managed_policies_per_role`` says more than IAM's (IAM User Guide,
        "IAM and AWS STS quotas"; IAM API Reference, "CreatePolicy" and "AttachRolePolicy", ``LimitExceeded``). So
        every ``CreatePolicy`` comes before the first attach, and both before any other document is written; at a
        refusal the policies this call created and has not attached are deleted again: one attached to nothing
        grants nothing (IAM User Guide, "Managed policies and inline policies": attaching a policy gives the entity
        its permissions). Those attached before a refused attach are in force and kept: ``landed`` names them, and
        a left-over policy (:meth:`_free_spill_name`) written into and not attached. An attach refused because a
        concurrent grant's spill policy took the role's last slot since the plan listed them, with room for these
        grants, deletes the same and raises :class:`SlotTakenError`: the grants are placed again, into it
        (:meth:`_attach_spill_policy`). Any other failure of these writes (an attach still answering ``NoSuchEntity``
        for the new policy after IAM's lag is waited out, denied, unanswered) deletes the same before it is raised:
        left, a later grant would take such a policy for an in-flight grant's and create another beside it.
        """
        changes: list[Change] = []
        unattached: list[str] = []  # created by this call, not attached yet
        try:
            for name, arn, arns in new:
                written = self._converge_spill_policy(
                    role_name,
                    arn,
                    name,
                    adding_roles(arns, MAX_MANAGED_POLICY_CHARS, f"managed policy {name}"),
                    settings,
                    dry_run,
                    on_create=partial(unattached.append, arn),
                )
                changes += written
                if written and not dry_run and arn not in unattached:
                    landed.append(f"{len(arns)} of the roles added to managed policy {name}, left over, not attached")
            for name, arn, arns in new:
                created = arn in unattached
                if not created:  # one made since the check before the writes
                    self.refuse_foreign_spill_policy(arn, role_name)
                changes.append(Change(CREATE, f"iam role {role_name} attached policy {name}", None, {"PolicyArn": arn}))
                if not dry_run:
                    self._attach_new_spill_policy(role_name, name, arn, arns, unattached, settings)
                    landed.append(
                        f"managed policy {name} attached to role {role_name}, granting {len(arns)} of the roles"
                    )
        except (EmrfsXacctError, SlotTakenError, ClientError, BotoCoreError) as error:  # any refusal or failure
            self._delete_unattached_spill_policies(unattached, landed, settings, error)
            raise
        return changes

    def _attach_new_spill_policy(
        self,
        role_name: str,
        name: str,
        arn: str,
        arns: list[str],
        unattached: list[str],
        settings: ConvergeSettings,
    ) -> None:
        """
        Attach one spill policy of :meth:`_add_spill_policies`, striking it from ``unattached`` once attached; its
        attach refused at IAM's quota strikes it once it has deleted it (:meth:`_attach_spill_policy`). Failed
        otherwise (IAM still not showing it after the wait, denied, the role gone, no answer), it is left there, to be
        deleted.
        """
        self._attach_spill_policy(role_name, name, arn, unattached=unattached, arns=arns, settings=settings)
        if arn in unattached:
            unattached.remove(arn)

    def _delete_unattached_spill_policies(
        self, policy_arns: list[str], landed: list[str], settings: ConvergeSettings, refusal: BaseException
    ) -> None:
        """
        Delete spill policies this call created and did not attach, a later write having been refused (``refusal``).

        Each as :meth:`delete_created_spill_policy` does: one a concurrent grant took meanwhile is kept, one IAM does
        not show yet is waited for, then named as maybe left. A delete that fails does not hide the refusal:
        ``landed`` names the policy kept, and so does the refusal's message (a refusal at a quota says ``landed``
        itself: :func:`_say_what_was_written`).
        """
        kept = self.delete_created_spill_policies(policy_arns, settings)
        landed += kept
        if not isinstance(refusal, QuotaRefusedByAwsError):
            say_left(refusal, kept)

    def _free_spill_name(self, role_name: str, policy_name: str, taken: set[str], wanted: set[str]) -> tuple[str, str]:
        """
        Return the name and ARN of the spill policy to create for new grants: the first of the role's names not taken.

        The name's policy may exist though not attached to the role: a revoke killed between its
        ``DetachRolePolicy`` and its ``DeletePolicy`` (:meth:`_delete_prepared_spill_policy`) leaves it with the
        revoked role still in its default version, and a grant killed between ``CreatePolicy`` and
        ``AttachRolePolicy`` leaves its own. Merged into and attached, the first would put the revoked grant back
        in force, silently. So each name is checked before it is chosen (:meth:`refuse_foreign_spill_policy`,
        which any write needs first: its ``ListPolicyTags`` answers ``NoSuchEntity`` for a name free of any policy,
        so a free name costs no request more); one that exists, is not attached to the role (its
        ``ListEntitiesForPolicy``) and grants a role this grant does not ask for is left as it is, its name taken
        (:meth:`_say_name_left`). One that grants only roles this grant asks for (the retry of a grant killed before
        its attach) is taken, merged into and attached, as is one attached since the role's policies were listed (a
        concurrent grant's: what it grants is in force already).

        :param taken: the names taken, lower-cased (updated with the one chosen and the ones left).
        """
        for index in range(2, 10_000):
            name = spill.spill_name(policy_name, role_name, index)
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            arn = f"arn:{self.conn_partition}:iam::{acting_account(self)}:policy{spill.SPILL_PATH}{name}"
            self.refuse_foreign_spill_policy(arn, role_name)
            if arn not in self._spill_policies_checked or self._attached_to_role.get(arn):
                return name, arn  # no such policy (to be created), or attached to the role already
            others = sorted(spill.held(self.read_managed_policy(arn)) - wanted)
            if not others:
                return name, arn
            self._say_name_left(name, arn, role_name, others)
        raise AssertionError("unreachable: 10,000 spill names taken")

    def _say_name_left(self, name: str, arn: str, role_name: str, others: list[str]) -> None:
        """
        Log why a spill policy attached to nothing, granting ``others`` besides this grant's roles, is left as it is.

        IAM shows no difference between a concurrent grant's new policy, waiting for its ``AttachRolePolicy`` while
        that grant creates its others (:meth:`_add_spill_policies`), and one a killed task left, but the time it was
        last written (its ``UpdateDate``, read by the ``GetPolicy`` just sent: :func:`~.spill.in_flight`). Written
        within :data:`~.spill.IN_FLIGHT`, it is taken as in flight: no warning, and its roles are not named, being
        granted, not revoked (a grant at the role's last slot then converges into this one's policy:
        :meth:`_attach_spill_policy`). Older, a warning names it and its roles: a killed revoke's or grant's to
        run again.
        """
        written = self._last_written.get(arn)
        now = datetime.now(timezone.utc)
        ago = spill.written_ago(written, now)
        if ago is not None and spill.in_flight(written, now):
            self.log.info(
                "Managed policy %s is not attached to role %s and grants roles this grant does not ask for, but IAM "
                "shows it written %.0f s ago (UpdateDate): taken for a concurrent grant's new policy, between its "
                "CreatePolicy and its AttachRolePolicy. Not merging into it nor attaching it; taking another name, "
                "one managed policy more",
                name,
                role_name,
                max(ago.total_seconds(), 0),
            )
            return
        self.log.warning(
            "Managed policy %s exists but is not attached to role %s, and grants %s; IAM shows it last written at %s, "
            "longer ago than a grant takes to attach what it creates: a revoke killed after detaching it left it (or "
            "a grant killed before attaching it). Not merging into it nor attaching it, which would give that access "
            "back; taking another name. If a revoke of those roles failed, run it again to delete it; if a grant of "
            "them did, run that grant again to attach it",
            name,
            role_name,
            ", ".join(others),
            written.isoformat() if written else "an unknown time",
        )

    def list_attached_policies(self, role_name: str) -> list[dict[str, str]]:
        """Return the role's attached managed policies as ``{"PolicyName", "PolicyArn"}``."""
        try:
            return [
                {"PolicyName": str(item["PolicyName"]), "PolicyArn": str(item["PolicyArn"])}
                for page in self.conn.get_paginator("list_attached_role_policies").paginate(RoleName=role_name)
                for item in page["AttachedPolicies"]
            ]
        except ClientError as error:
            self._refuse_missing_role(error, role_name)
            raise

    def _refuse_missing_role(self, error: ClientError, role_name: str) -> None:
        """Raise a clear precondition error when ``error`` says the role does not exist (and it is not IAM's lag)."""
        if error_code(error) == "NoSuchEntity" and role_name not in self.created_roles:
            # A role another task or tool created seconds ago may not be visible yet (IAM User Guide,
            # "Changes that I make are not always immediately visible"): the task keeps its retries.
            raise PreconditionError(
                f"IAM role {role_name!r} does not exist in account {acting_account(self)} "
                f"(connection {self.aws_conn_id!r}): check the role's name, or create it first",
                retriable=True,
                field=self.role_field,
            ) from error

    def _other_inline_chars(self, role_name: str, policy_name: str, *, missing_ok: bool = False) -> int:
        """
        Return the characters IAM counts for the role's inline policies other than ``policy_name``.

        Each as IAM holds it: the text ``GetRolePolicy`` answers, whitespace excluded
        (:func:`~.merge.stored_policy_length`), not the parsed document sent again: the provider does not
        write them, and someone's ``é`` sent as ``\\u00e9`` counts six characters there, not one. Not parsed
        either: a name given twice in one of them is theirs to keep (the provider does not write it back).

        :param missing_ok: a role that does not exist (yet) has none, rather than being an error.
        """
        try:
            names = self.inline_policy_names(role_name)
        except ClientError as error:
            if missing_ok and error_code(error) == "NoSuchEntity":
                return 0
            self._refuse_missing_role(error, role_name)
            raise
        answers = (self._inline_policy_answer(role_name, name) for name in names if name != policy_name)
        return sum(stored_policy_length(iam_text(answer)) for answer in answers if answer is not None)

    def _other_inline_chars_in_time(
        self, role_name: str, policy_name: str, settings: ConvergeSettings, *, missing_ok: bool = False
    ) -> int:
        """
        :meth:`_other_inline_chars`, read once per run: the apply reuses the plan's read while a write
        based on it is still in time (as it reuses a :class:`Prefetched` document), and reads again
        after that, or once this hook has written an inline policy of the role.
        """
        key = (role_name, policy_name)
        read = self._other_inline_reads.get(key)
        if read is None or not read.in_time(settings.settle_seconds):
            read = Prefetched.now(lambda: self._other_inline_chars(role_name, policy_name, missing_ok=missing_ok))
            self._other_inline_reads[key] = read
        return int(read.document)

    def _forget_inline_reads(self, role_name: str) -> None:
        """Drop the reads of the role's inline policy sizes: this hook is about to change one."""
        self._other_inline_reads = {key: read for key, read in self._other_inline_reads.items() if key[0] != role_name}

    def ensure_emr_role_bucket_access(
        self,
        role_name: str,
        locations: Iterable[S3Location],
        kms_key_arns: Iterable[str],
        *,
        object_acl: bool = False,
        partition: str | None = None,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        kept: list[str] | None = None,
    ) -> list[Change]:
        """
        Keep the EMR EC2 role's provider-owned inline policy for option (a): the partner bucket and its key.

        Prefixes, keys and the ``s3:PutObjectAcl`` grant already in the policy are kept (other partners'
        runs share the role), and so is every statement someone else put into the same policy (a ``Deny``,
        say) or onto the provider's (a ``Condition``); revoking is a separate step.

        :param partition: of the policy's ARNs (``arn:aws-cn:s3:::…`` in China); default: the connection's.
        :param kept: filled with the prefixes the policy held, as last read, in the buckets of ``locations`` beyond
            them (:func:`~airflow_provider_emrfs_xacct.pure.merge.beyond_asked`). Other buckets' prefixes and the keys
            are not named: partners share the EMR EC2 role, and which partner a bucket or key is for is not known.
        """
        wanted_locations, wanted_keys = set(locations), set(kms_key_arns)
        partition = partition or self.conn_partition
        buckets = {location.bucket for location in wanted_locations}
        others: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}  # the role's other policies, once read

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            held_locations, held_keys, held_acl = bucket_policy.emr_role_policy_holds(current)
            documents.refuse_restricted_legacy_statements(
                current, {location.bucket for location in held_locations | wanted_locations}
            )
            if kept is not None:
                same_buckets = {location for location in held_locations if location.bucket in buckets}
                kept[:] = beyond_asked(same_buckets, wanted_locations)
            locations = held_locations | wanted_locations
            ours = bucket_policy.emr_role_bucket_policy(
                partition, locations, held_keys | wanted_keys, object_acl=object_acl or held_acl
            )
            # Same statements as the destination role's: what others put beside or onto them is kept, what a
            # prefix taken out by hand left behind goes with it; one of them about to be dropped is refused for a
            # NotResource someone put in place of its keys, as the destination role's is (merge_owned_statements);
            # a bucket's grants the role's other policies rely on are refused, naming them.
            removed = self._remains_of_removed_prefixes(
                role_name, bucket_policy.EMR_ROLE_POLICY_NAME, current, locations, others
            )
            documents.refuse_losing_legacy_listing(current, {location.bucket for location in locations}, removed)
            return merge_owned_statements(current, ours, documents.is_owned_destination_sid, dropping=removed)

        return self._ensure_inline_policy(
            role_name,
            bucket_policy.EMR_ROLE_POLICY_NAME,
            desire,
            "s3_prefixes",
            settings=settings,
            dry_run=dry_run,
            other_chars=lambda: self._other_inline_chars_in_time(
                role_name, bucket_policy.EMR_ROLE_POLICY_NAME, settings
            ),
        )

    def _remains_of_removed_prefixes(
        self,
        role_name: str,
        policy_name: str,
        current: dict[str, Any] | None,
        locations: set[S3Location],
        others: dict[str, list[tuple[str, dict[str, Any] | None]]],
    ) -> set[str]:
        """
        What the provider wrote for prefixes taken out by hand, to drop; a bucket's listing only if the role's other
        identity policies (inline and attached managed) do not rely on it.

        IAM combines every identity policy of the role ("Policy evaluation for requests within a single account", IAM
        User Guide), and without ``s3:ListBucket`` a ``HeadObject`` of a missing key is a 403, not a 404 (Amazon S3
        API Reference, "HeadObject", "Permissions"): a team's ``s3:GetObject`` in the bucket, in another policy, relies
        on the provider's listing, unless those policies allow the listing themselves
        (:func:`~airflow_provider_emrfs_xacct.pure.documents.refuse_dropping_what_other_policies_rely_on`: refused,
        naming them). Someone else's ``Allow`` in the provider's own policy keeps the bucket's grants likewise, unless
        the role's policies hold the listing anyway. The other policies are read only when a bucket's grants would go
        or are kept for such an ``Allow``, once per call (``others``); a read refused is a refusal naming the
        permission, nothing dropped.
        """
        removed = documents.remains_of_removed_prefixes(current, locations)
        dropped = documents.bucket_grants(removed)
        kept_for_own = documents.kept_for_statements_of_others(current, locations)
        if not dropped and not kept_for_own:
            return removed
        if "policies" not in others:
            others["policies"] = self._other_policies(role_name, policy_name, dropped | kept_for_own)
        # Someone else's statements in the provider's own policy are the role's too.
        policies = [*others["policies"], documents.statements_of_others(policy_name, current)]
        listed = documents.listing_held_elsewhere(kept_for_own, policies)
        if listed:  # an Allow beside the provider's relies on nothing of it where the role holds the listing anyway
            removed = documents.remains_of_removed_prefixes(current, locations, listed)
            dropped = documents.bucket_grants(removed)
        documents.refuse_dropping_what_other_policies_rely_on(policy_name, dropped, policies)
        return removed

    def _other_policies(
        self, role_name: str, policy_name: str, dropped: set[str]
    ) -> list[tuple[str, dict[str, Any] | None]]:
        """Return the role's identity policies but ``policy_name`` (:meth:`get_role_policies`)."""
        ours = documents.inline_policy_label(policy_name)
        try:
            return [(label, document) for label, document in self.get_role_policies(role_name) if label != ours]
        except ClientError as error:
            if not is_access_denied(error):
                raise
            denied = denial_message(
                error,
                action=iam_action("iam", error.operation_name),
                resource=f"role {role_name} and its attached policies",
                account=acting_account(self),
                conn_id=self.aws_conn_id,
            )
            raise AccessDeniedError(
                f"{denied} The role's other policies are read before dropping the grants on {sorted(dropped)} that a "
                f"prefix taken out of {policy_name} by hand left behind: an Allow of theirs in that bucket relies "
                "on them. Nothing was changed."
            ) from error

    def _ensure_inline_policy(
        self,
        role_name: str,
        policy_name: str,
        desire: Any,
        field: str,
        *,
        settings: ConvergeSettings,
        dry_run: bool,
        current: Prefetched | None = None,
        other_chars: Callable[[], int] | None = None,
        shrinking: bool = False,
        room: int | None = None,
    ) -> list[Change]:
        """
        Keep one inline policy at ``desire(current)`` (``None``: delete it).

        ``field`` is the parameter to blame if the policy grows too long.

        :param other_chars: returns the characters of the role's other inline policies; when given, a
            change is refused (:class:`QuotaExceededError`) if all of them together would pass IAM's
            10,240 ("IAM and AWS STS quotas", role policy size), which IAM would refuse at PutRolePolicy.
        :param shrinking: the change only removes (a revoke). Such a change, or any whose document only removes from
            the one read (:func:`~.merge.only_removes`: a prefix's left-behind grants dropped), is not judged for size,
            and its text is no longer than the text read (:func:`~.merge.written_text`), so that it never sends more
            than IAM held.
        :param room: the characters ``desire`` judged the policy within (default: 10,240, less ``other_chars``).

        A change that adds is judged at its shortest text (:func:`~.merge.policy_size`: every printable Latin-1
        character as itself, which IAM takes: IAM API Reference, "PutRolePolicy", ``PolicyDocument``: "The printable
        characters in the Basic Latin and Latin-1 Supplement character set (through \\u00FF)"), and is sent escaped as
        usual if that fits the room, else as that shortest text: never more than was judged to fit.
        """

        # The other policies are read between this policy's read and its write, where every moment
        # counts against the write's deadline: read them once per call, so that an attempt dropped as
        # too late (throttled, retried) is followed by one that reads only this policy again. They are
        # not the provider's to race on; one added meanwhile past the quota, IAM itself refuses.
        others_once = cache(other_chars) if other_chars is not None else None
        read_text: str | None = None  # the policy's text as the last read answered it (a shrinking write's room)
        room_left = MAX_ROLE_INLINE_POLICIES_CHARS if room is None else room  # an adding write's room

        def read() -> dict[str, Any] | None:
            nonlocal read_text
            answer = self._inline_policy_answer(role_name, policy_name)
            if answer is None:
                read_text = None
                return None
            read_text = iam_text(answer)
            return iam_document(answer, f"inline policy {policy_name} of role {role_name}", "inline policy")

        def checked_desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            nonlocal room_left
            desired = desire(current)
            if desired is None:
                return None
            # Nothing to write, or only less: not judged for size (IAM took what it holds, and is sent no more).
            if same_meaning(current, desired) or shrinking or only_removes(current, desired):
                return desired
            what = f"the inline policy {policy_name} of role {role_name}"
            # The limit is on all inline policies of the role together: ours alone must fit at least.
            require_iam_policy_length(desired, MAX_ROLE_INLINE_POLICIES_CHARS, field, what)
            if others_once is not None:
                ours, others = policy_size(desired), others_once()
                require_within(
                    ROLE_INLINE_POLICIES_CHARS,
                    ours + others,
                    field,
                    f"{what} ({ours} characters) with the role's other inline policies ({others})",
                )
                room_left = min(room_left, MAX_ROLE_INLINE_POLICIES_CHARS - others)
            return desired

        def write(current: dict[str, Any] | None, desired: dict[str, Any] | None) -> None:
            guard_writes(self.conn)
            self._forget_inline_reads(role_name)
            if desired is None:
                self.conn.delete_role_policy(RoleName=role_name, PolicyName=policy_name)
                return
            text = written_text(current, desired, read=read_text, shrinking=shrinking, room=room_left)
            try:
                self.conn.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=text)
            except ClientError as error:
                self._refuse_missing_role(error, role_name)
                raise

        return read_modify_write(
            resource=f"iam role {role_name} inline policy {policy_name}",
            read=read,
            prefetched=current,
            desire=checked_desire,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=lambda error: is_eventually_consistent(error) or is_concurrent_write(error),
        )

    # Revoking ------------------------------------------------------------------------------------

    def revoke_assume_role(
        self,
        role_name: str,
        destination_role_arns: Iterable[str],
        *,
        policy_name: str = documents.ASSUME_POLICY_NAME,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        landed: list[Change] | None = None,
    ) -> list[Change]:
        """
        Remove roles from the provider's assume-role statements, inline and in its managed policies.

        Each role goes under every ARN that names it, at any path, its name in any case
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.same_role`): the grant names the role as IAM showed it (its
        path), while the revoke may be given the ARN built from its name. A document is deleted once nothing is left
        in it (a managed policy only if this provider created it). Only this role's spill policies are changed: one
        attached to anything else as well is refused (``ConflictError``) before any write.

        :param landed: told each write's change as it lands (:func:`~airflow_provider_emrfs_xacct.pure.plan.landing`):
            the inline policy's, then each spill policy's (its detach from the role, once it lands, until the policy's
            deletion that follows replaces it), so that a write failing names those before it.
        """
        unwanted = set(destination_role_arns)
        landed = [] if landed is None else landed

        def named(document: dict[str, Any] | None) -> set[str]:
            """``unwanted`` and each ARN of the document's provider statement naming one of those roles."""
            return {*unwanted, *roles_named(spill.held(document), unwanted)}

        def desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            ours = find_statement(current, documents.ASSUME_SID)
            if current is None or ours is None:
                return current
            held = merged_resources(current, documents.ASSUME_SID, [])  # refuses a wildcard someone added
            # Every ARN of a revoked role goes, at any path, its name in any case (same_role).
            remaining = without_roles_named(held, unwanted)
            if remaining:
                return upsert_statement(
                    current,
                    documents.assume_role_policy(remaining)["Statement"][0],
                    dropping=set(held) - set(remaining),
                )
            # What someone added to the statement (an action, a resource) is refused, not removed with it.
            policy = remove_owned_statement(current, documents.assume_role_policy(held)["Statement"][0])
            return policy if policy.get("Statement") else None

        attached = [
            (item["PolicyArn"], item["PolicyName"])
            for item in self.list_attached_policies(role_name)
            if spill.is_spill_arn(item["PolicyArn"], policy_name, role_name)
        ]
        spilled = [
            (arn, name)
            for arn, name in attached + self._detached_spill_policies(role_name, policy_name, {a for a, _ in attached})
            if names_role(spill.held(self.read_managed_policy(arn)), unwanted)
        ]
        for arn, _name in spilled:  # before any write: only the provider's spill policies of this role are changed
            self.refuse_foreign_spill_policy(arn, role_name)
            current = self.read_managed_policy(arn)
            spill.without_roles(current, named(current))  # refuses dropping what others added
        changes = self._ensure_inline_policy(
            role_name, policy_name, desire, "destination_role_arns", settings=settings, dry_run=dry_run, shrinking=True
        )
        landed += changes
        for arn, name in spilled:
            changes += landing(
                landed, partial(self._revoke_spill_policy, role_name, arn, name, named, settings, dry_run)
            )
        return changes

    def _revoke_spill_policy(
        self,
        role_name: str,
        arn: str,
        name: str,
        named: Callable[[dict[str, Any] | None], set[str]],
        settings: ConvergeSettings,
        dry_run: bool,
        landed: list[Change],
    ) -> list[Change]:
        """Take the roles ``named`` out of the spill policy ``arn``; its detach from the role told ``landed`` as it lands."""
        detached = Change(DELETE, f"iam role {role_name} attached policy {name}", {"PolicyArn": arn}, None)
        return self._converge_spill_policy(
            role_name,
            arn,
            name,
            lambda current: spill.without_roles(current, named(current)),
            settings,
            dry_run,
            on_detached=partial(landed.append, detached),
        )

    def revoke_role_trust(
        self,
        role_arn: str,
        emr_role: tuple[str, str],
        *,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> list[Change]:
        """
        Take the EMR EC2 role out of the provider's trust statement of the destination role; nothing else changes.

        Cross-account ``sts:AssumeRole`` needs the role's trust policy to allow the caller as well as the caller's
        identity policies (IAM User Guide, "Cross-account policy evaluation logic"): without this, any other
        ``sts:AssumeRole`` grant the EMR EC2 role holds (``"Resource": "*"``, a managed policy) would still reach
        the role. The read-merge-write is the grant's (:meth:`ensure_role_trusts`); see
        :func:`~airflow_provider_emrfs_xacct.pure.merge.trust_without_role` for what is written.

        The role is the one ``GetRole`` answers for ``role_arn``'s name, at whatever path: a role's name alone tells
        it in its account (IAM API Reference, "CreateRole", ``RoleName``;
        :func:`~airflow_provider_emrfs_xacct.pure.merge.same_role`), so the ARN built from the name finds a role made
        under a path.

        :param emr_role: ``(account, role name)`` of the EMR EC2 role whose access is revoked.
        :raises ConflictError: the role of that name the connection sees is of another account or partition than
            ``role_arn`` (not the role named), or the statement also trusts a principal the provider does not write.
        """
        role_name = role_arn.rsplit("/", 1)[1]

        def trust_of(role: dict[str, Any] | None) -> dict[str, Any] | None:
            if role is None:
                return None
            if not same_role(role["Arn"], role_arn):
                raise ConflictError(
                    f"the role named {role_name} that connection {self.aws_conn_id!r} sees is "
                    f"{role['Arn']}, of another account or partition than {role_arn}; not changing its trust policy",
                    field="destination_role_arn",
                )
            return iam_document(
                role["AssumeRolePolicyDocument"], f"the trust policy of role {role_name}", "trust policy"
            )

        def desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            desired = _writable_trust(current, trust_without_role(current, *emr_role), role_name, self.log)
            if desired is not None:
                ours = find_statement(current, documents.TRUST_SID)
                if ours and ours.get("Condition") and find_statement(desired, documents.TRUST_SID) is None:
                    self.log.warning(
                        "Statement %s of the trust policy of role %s goes with its last role, and with it the "
                        "Condition %s someone added (the policy has other statements, which a Deny keeping it "
                        "would refuse too): a later grant writes the statement without it. To keep a restriction "
                        "across revokes, put it in a Deny statement of your own",
                        documents.TRUST_SID,
                        role_name,
                        json.dumps(ours["Condition"], sort_keys=True),
                    )
            return desired

        def write(current: dict[str, Any] | None, desired: dict[str, Any]) -> None:
            guard_writes(self.conn)
            # Only removes: no longer than IAM holds (IAM API Reference, "UpdateAssumeRolePolicy", PolicyDocument:
            # "The printable characters in the Basic Latin and Latin-1 Supplement character set (through \u00FF)").
            text = written_text(current, desired, shrinking=True)
            self.conn.update_assume_role_policy(RoleName=role_name, PolicyDocument=text)

        return read_modify_write(
            resource=f"iam role {role_name} trust policy",
            read=lambda: trust_of(self.get_role(role_name)),
            desire=desire,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=lambda error: is_eventually_consistent(error) or is_concurrent_write(error),
        )

    def _not_deleting(
        self, role_arn: str, why: str, fix: str = "delete it by hand, or revoke without deleting it"
    ) -> ConflictError:
        """
        The refusal to delete ``role_arn``, naming the field, the role, the connection and the way out.

        Its ``field`` is ``delete_destination_role``, so that the command line names its own option (``--delete-role``)
        instead of the operator's argument (``cli.file_field``); the way out names both spellings.
        """
        return ConflictError(
            f"{why}; not deleting {role_arn} (connection {self.aws_conn_id!r}): {fix} "
            "(delete_destination_role=False revokes the access and keeps the role; CLI: without --delete-role)",
            field="delete_destination_role",
        )

    def _refuse_policies_not_ours(self, role_arn: str, role_name: str) -> list[str]:
        """
        Return the names of the destination role's inline policies, refusing a policy or statement someone else wrote.

        :raises ConflictError: the role carries another inline or an attached policy, or the provider's inline
            policy holds a statement the provider did not write (ensure_destination_access keeps such
            statements: deleting the role would delete them with it).
        """
        inline = self.inline_policy_names(role_name)
        foreign = [name for name in inline if name != documents.DESTINATION_POLICY_NAME]
        foreign += [policy["PolicyName"] for policy in self.list_attached_policies(role_name)]
        if foreign:
            raise self._not_deleting(
                role_arn, f"role {role_name} carries policies this provider did not write ({', '.join(foreign)})"
            )
        if documents.DESTINATION_POLICY_NAME in inline:
            policy = self.get_inline_policy(role_name, documents.DESTINATION_POLICY_NAME)
            self._checked_inline[(role_name, documents.DESTINATION_POLICY_NAME)] = policy
            self._refuse_statements_not_ours(role_arn, role_name, policy)
        return inline

    def _refuse_statements_not_ours(
        self, role_arn: str, role_name: str, policy: dict[str, Any] | None, since: str = ""
    ) -> None:
        """Refuse (``ConflictError``) the provider's inline policy ``policy`` holding a statement someone else wrote."""
        added = documents.statements_not_owned(policy, documents.is_owned_destination_sid)
        if added:
            raise self._not_deleting(
                role_arn,
                f"role {role_name}: its inline policy {documents.DESTINATION_POLICY_NAME} holds "
                f"{', '.join(added)}, which this provider did not write{since}",
                fix="move them to a policy of their own, or delete the role by hand",
            )

    def _refuse_inline_changed(self, role_arn: str, role_name: str, policy_name: str) -> None:
        """
        Refuse (``ConflictError``) deleting the inline policy ``policy_name`` when it no longer reads as the
        deletion's check read it (:meth:`refuse_deleting`): IAM deletes an inline policy whatever it holds
        (IAM API Reference, "DeleteRolePolicy": a role name and a policy name, no condition), so a statement added
        since would be lost with it. One ``GetRolePolicy``; a policy gone meanwhile is left to the delete.
        """
        policy = self.get_inline_policy(role_name, policy_name)
        if policy is None or policy == self._checked_inline.get((role_name, policy_name)):
            return
        since = " (it changed since the deletion's check read it)"
        self._refuse_statements_not_ours(role_arn, role_name, policy, since)
        raise self._not_deleting(role_arn, f"role {role_name}: its inline policy {policy_name} changed{since}")

    def _delete_inline_unchanged(self, role_arn: str, role_name: str, policy_name: str) -> None:
        """
        Delete the inline policy ``policy_name``, each ``DeleteRolePolicy`` sent right after
        :meth:`_refuse_inline_changed` read it, the first and each one sent again.

        IAM refuses a write with ``ConcurrentModification`` while another changes the role (IAM API Reference, e.g.
        "DeleteRole", Errors: "The request was rejected because multiple requests to change this object were submitted
        simultaneously"), and that other may be a ``PutRolePolicy`` of this very policy: sent again on the first read,
        the delete would lose the statement that write added. So botocore does not send it again (its standard retries
        would, after a throttling or 5xx answer, up to 20 s later: Boto3 guide, "Retries"): this loop does, after
        each such answer, reading first. The read has botocore's retries: a read that fails past them is raised.
        """

        sending: list[bool] = []  # whether the last try got past its read: a read that failed is not tried again

        def delete_role_policy(**arguments: Any) -> Any:
            sending.clear()
            self._refuse_inline_changed(role_arn, role_name, policy_name)
            sending.append(True)
            return self.client_sending_once.delete_role_policy(**arguments)

        def delete_refused_for_now(error: Exception) -> bool:
            return bool(sending) and is_refused_for_now(error)

        unless_gone(
            send_again_while, delete_refused_for_now, delete_role_policy, RoleName=role_name, PolicyName=policy_name
        )

    def delete_provider_role(
        self,
        role_arn: str,
        emr_role: tuple[str, str],
        *,
        dry_run: bool = False,
        checked: tuple[dict[str, Any], dict[str, str], list[str]] | None = None,
        landed: list[Change] | None = None,
        keys_revoked: list[str] | None = None,
    ) -> list[Change]:
        """
        Delete a destination role, only if this provider created it (tagged), nobody added policies to it
        (nor statements to the provider's inline policy), no instance profile holds it and it trusts nobody
        but the EMR EC2 role whose access is revoked.

        The role is found by name and must be ``role_arn`` as ``GetRole`` shows it (partition, account and path
        exactly, the name in any case: :func:`~airflow_provider_emrfs_xacct.pure.merge.same_identity`): a deletion
        cannot be undone, so a role of that name at another path than the ARN given is never deleted, though it is
        the role named (:func:`~airflow_provider_emrfs_xacct.pure.merge.same_role`, the rule of
        :meth:`revoke_role_trust` and of the other revoke steps), and the refusal says how to revoke it.

        :param emr_role: ``(account, role name)`` of the EMR EC2 role whose access is revoked.
        :param checked: what :meth:`refuse_deleting` answered before, with no write to the role since (the
            revoke's run before its key writes); ``None``: run it now. Given, the real run reads the role's trust
            again (``GetRole``) just before its first delete (:meth:`_refuse_trusted_since`). Either way the
            provider's inline policy is read again just before each send of its ``DeleteRolePolicy``, and must read
            as the check read it.
        :param landed: told each inline policy's deletion as it lands (before ``DeleteRole``, which may yet fail:
            :func:`~airflow_provider_emrfs_xacct.pure.plan.landing` puts the role's deletion in their place).
        :raises ConflictError: the role is not the one named, not the provider's, carries policies the
            provider did not write, is in an instance profile, or its trust policy lets someone else assume it; or its
            inline policy changed since the check; or, ``checked`` given, its trust lets someone else assume it now.
        :param keys_revoked: the keys the revoke took the role out of since ``checked`` was read, for that refusal.
        """
        role_name = role_arn.rsplit("/", 1)[1]
        read_before = checked is not None
        checked = checked or self.refuse_deleting(role_arn, emr_role)
        if checked is None:
            return []
        role, tags, inline = checked
        change = Change(DELETE, f"iam role {role_name}", _deleted_role(role, inline, tags), None)
        if not dry_run:
            if read_before:
                self._refuse_trusted_since(role_arn, emr_role, keys_revoked or [])
            self._forget_inline_reads(role_name)
            for name in inline:
                self._delete_inline_unchanged(role_arn, role_name, name)
                deleted = self._checked_inline.get((role_name, name))  # as read just before its delete, unchanged
                (landed if landed is not None else []).append(
                    Change(DELETE, f"iam role {role_name} inline policy {name}", deleted, None)
                )
                # Said as it lands: a task killed in DeleteRole's waits below (IAM's lag, execution_timeout) pushes
                # no plan, and its retry finds the policy gone and plans none: this line tells what it deleted.
                log.info("iam role %s inline policy %s: deleted", role_name, name)

            def lingering(error: Exception) -> bool:
                if (
                    is_lingering_subordinate(error)
                    and isinstance(error, ClientError)
                    and error_code(error) == "DeleteConflict"
                ):
                    self._refuse_added_since(role_arn, inline)  # not IAM's lag: someone's policy came meanwhile
                return is_lingering_subordinate(error)

            unless_gone(send_again_while, lingering, self.conn.delete_role, RoleName=role_name)
            log.info("iam role %s: deleted", role_name)
        return [change]

    def _refuse_trusted_since(self, role_arn: str, emr_role: tuple[str, str], keys_revoked: list[str]) -> None:
        """
        Refuse (``ConflictError``) the deletion when the role's trust, read again now (one ``GetRole``), lets someone
        besides ``emr_role`` assume it: the rule of :meth:`refuse_deleting`, whose answer came before the revoke's key
        writes (``keys_revoked``: what they took the role out of). Another pipeline's grant may have added its EMR EC2
        role to the trust since, and IAM deletes a role whatever its trust says (IAM API Reference, "DeleteRole",
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html: a role name, no condition to delete
        against). Read just before the first ``DeleteRolePolicy``: a grant landing
        after it, or that this read does not show yet (IAM User Guide, "Troubleshoot IAM": "Changes that I make are
        not always immediately visible"), is not seen. A role gone meanwhile is left to the deletes (nothing to keep).

        The keys are not granted back: that would be more key-policy writes in a refusal, each of which may fail or
        be denied and would have to be reported, and whether the other pipeline uses those keys is its own grant's
        business (``GrantKmsKeyUserOperator``, which restores it, and changes nothing when it needs nothing).
        """
        role_name = role_arn.rsplit("/", 1)[1]
        role = self.get_role(role_name)
        if role is None:
            return
        trust = iam_document(
            role.get("AssumeRolePolicyDocument"), f"the trust policy of role {role_name}", "trust policy"
        )
        others = trusted_besides(trust, documents.TRUST_SID, *emr_role)
        if not others:
            return
        keys = (
            f"it was already taken out of the key users of {', '.join(f'kms key {key}' for key in keys_revoked)}, "
            "so their SSE-KMS writes with those keys fail until their key grant (GrantKmsKeyUserOperator; CLI: "
            "emrfs-xacct apply with their partner file) runs again"
            if keys_revoked
            else "no key policy was written without it"
        )
        raise self._not_deleting(
            role_arn,
            f"role {role_name} is trusted by {', '.join(others)} too, since the check before the key writes (another "
            f"pipeline's grant, say), not only by role {emr_role[1]} of account {emr_role[0]}: deleting it would end "
            f"their access. Nothing of the role was deleted: it is kept with its trust policy and its permissions (the "
            f"writes before stay done), and {keys}",
            fix="run their key grant again if it was revoked (CLI: emrfs-xacct apply with their partner file), then "
            f"revoke this pipeline again without deleting the role (its trust step takes role {emr_role[1]} out), or "
            "revoke theirs first and then delete it",
        )

    def refuse_deleting(
        self, role_arn: str, emr_role: tuple[str, str]
    ) -> tuple[dict[str, Any], dict[str, str], list[str]] | None:
        """
        Run every refusal of :meth:`delete_provider_role` (reads only): return the role as ``GetRole`` answered it, its
        tags and its inline policy names; ``None`` when the role is gone (nothing to refuse).

        The revoke runs them again just before its key writes too: one that comes only after them (an instance profile,
        a policy or a trust statement added since the plan) would leave the role, not deleted, out of its key users
        (its SSE-KMS writes then fail: S3 User Guide, "Using server-side encryption with AWS KMS keys").

        :raises ConflictError: the role is not the one named, not the provider's, carries policies the provider did not
            write, is in an instance profile, or its trust policy lets someone besides ``emr_role`` assume it.
        """
        role_name = role_arn.rsplit("/", 1)[1]
        role = self.get_role(role_name)
        if role is None:
            return None
        if not same_identity(role["Arn"], role_arn):
            raise ConflictError(
                f"the role named {role_name} that connection {self.aws_conn_id!r} sees is "
                f"{role['Arn']}, not {role_arn}; not deleting it (a deletion cannot be undone): give "
                "destination_role_arn as IAM shows it, or revoke without deleting the role "
                "(delete_destination_role=False), which revokes the role of that name at any path",
                field="destination_role_arn",
            )
        # GetRole answers the role's tags ("Tags: A list of tags that are attached to the role", IAM API
        # Reference, "Role"); get_role_tags lists them only when it did not.
        tags = self.get_role_tags(role)
        if tags.get(MANAGED_BY_TAG["Key"]) != MANAGED_BY_TAG["Value"]:
            raise self._not_deleting(
                role_arn, f"role {role_name} has no {MANAGED_BY_TAG['Key']} tag: this provider did not create it"
            )
        inline = self._refuse_policies_not_ours(role_arn, role_name)
        # IAM refuses to delete a role still in an instance profile (IAM API Reference, "DeleteRole":
        # RemoveRoleFromInstanceProfile first; DeleteConflict): such a role is an EC2 role of someone's too.
        profiles = [
            str(profile["InstanceProfileName"])
            for profile in self._every("list_instance_profiles_for_role", "InstanceProfiles", RoleName=role_name)
        ]
        if profiles:
            raise self._not_deleting(
                role_arn,
                f"role {role_name} is in instance profile {', '.join(profiles)} (EC2 instances may run with it)",
            )
        # Deleting the role ends the access of everyone its trust policy lets assume it: another pipeline's EMR EC2
        # role (trusted_role_arns of its own EnsureDestinationRoleOperator), a statement someone added.
        trust = iam_document(
            role.get("AssumeRolePolicyDocument"), f"the trust policy of role {role_name}", "trust policy"
        )
        others = trusted_besides(trust, documents.TRUST_SID, *emr_role)
        if others:
            raise self._not_deleting(
                role_arn,
                f"role {role_name} is trusted by {', '.join(others)} too, not only by role {emr_role[1]} of account "
                f"{emr_role[0]}: deleting it would end their access",
                fix="revoke theirs first, remove them from its trust policy by hand, or revoke without deleting",
            )
        return role, tags, inline

    def _refuse_added_since(self, role_arn: str, deleted: list[str]) -> None:
        """
        Refuse (``ConflictError``) when ``DeleteRole`` answered ``DeleteConflict`` for a policy or instance profile
        added to the role since its checks, not for the inline policies ``deleted`` a moment ago (IAM's lag).

        IAM has no conditional delete: what is attached between the checks and ``DeleteRole`` is seen only by
        IAM's refusal ("Cannot delete entity, must detach all policies first", IAM API Reference, "DeleteRole").
        Named as the other refusals of the role deletion are (:meth:`_not_deleting`).
        """
        role_name = role_arn.rsplit("/", 1)[1]
        added = [f"inline policy {name}" for name in self.inline_policy_names(role_name) if name not in deleted]
        added += [f"managed policy {policy['PolicyName']}" for policy in self.list_attached_policies(role_name)]
        added += [
            f"instance profile {profile['InstanceProfileName']}"
            for profile in self._every("list_instance_profiles_for_role", "InstanceProfiles", RoleName=role_name)
        ]
        if added:
            raise self._not_deleting(
                role_arn,
                # The revoke says which inline policies it deleted before, as at any failure of DeleteRole.
                f"role {role_name}: {', '.join(added)} came since it was checked, so IAM refused to delete it "
                "(DeleteConflict)",
                fix="find out who attached it; delete the role by hand once nobody needs it, or revoke without deleting it",
            )
