"""Operators that remove what the provider granted: one partner's access, and unused security configurations."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.definitions._internal.types import NOTSET, ArgNotSet

from airflow_provider_emrfs_xacct.operators.base import (
    SAFETY_TEMPLATE_FIELDS,
    EmrfsXacctBaseOperator,
    LazyHookClass,
    destination_account_pin,
    destination_conn_id,
    pinned_destination_account,
    require_defined_connection,
    take_pin,
)
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
    from airflow_provider_emrfs_xacct.pure.evaluator import Decision, Request
    from airflow_provider_emrfs_xacct.pure.plan import Change


def kept_without(deleted: list[str]) -> str:
    """What a deletion of the destination role failing after its inline policies ``deleted`` leaves."""
    return (
        f"The role is kept, without the provider's inline policy ({', '.join(deleted)}), already deleted: fix the "
        "cause and run the revoke again to delete the role"
    )


#: What a refusal of the destination trust step adds: nothing changed, and how to revoke without that step.
TRUST_NOT_REMOVED = (
    "Nothing was changed in either account. To revoke the EMR side (the EMR EC2 role's assume-role policy, the "
    "key users, the role mappings) and leave the destination role's trust policy as it is, run the revoke "
    "again with remove_destination_trust=False (CLI: --keep-destination-trust); then remove the EMR EC2 role "
    "from that trust policy by hand"
)

#: How :meth:`RevokePartnerAccessOperator._still_granted` names a permissions boundary that allows a grant only under a
#: condition known at the request (the start of the undetermined decision's ``unknown``).
BOUNDARY_CONDITION = "its permissions boundary"

#: The longest an EMRFS session of the destination role lasts: EMRFS assumes it with the instance profile's session
#: credentials (role chaining), which limits the session to one hour (IAM User Guide, "Methods to assume a role",
#: role chaining; AWS STS API Reference, "AssumeRole", ``DurationSeconds``).
CHAINED_SESSION_SECONDS = 3600


def _how_it_allows(decision: Decision) -> str:
    """How a grant still reaching the role allows ``sts:AssumeRole``: for certain, or under a condition not known."""
    if decision.allowed:
        return "allows"
    if decision.unknown.startswith(BOUNDARY_CONDITION):
        return f"may allow ({decision.unknown})"
    return "may allow (its condition is not known before a request)"


def _read_noting(unchecked: list[str], what: str, read: Callable[..., Any], *arguments: Any) -> Any:
    """
    Return ``read(*arguments)``; ``None`` when what it reads is gone, or, noting ``what`` in ``unchecked``, refused.

    Refused: access denied, ``GetBucketPolicy`` from outside the bucket owner's account (403, or 405
    ``MethodNotAllowed``: S3 API Reference, "GetBucketPolicy"), or a text naming a key twice (``ConflictError``).
    Any other error is raised.
    """
    from botocore.exceptions import ClientError

    from airflow_provider_emrfs_xacct.hooks.errors import error_code, error_message, is_access_denied
    from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError

    try:
        return read(*arguments)
    except ClientError as error:
        if error_code(error) in ("NoSuchBucket", "NoSuchEntity"):
            return None  # gone: nothing left to name anyone
        if not is_access_denied(error) and error_code(error) != "MethodNotAllowed":
            raise
        unchecked.append(f"{what} ({error_code(error)}: {error_message(error)})")
    except ConflictError as error:
        unchecked.append(f"{what} ({error})")
    return None


class RevokePartnerAccessOperator(EmrfsXacctBaseOperator["EmrfsIamHook"]):
    """
    Remove one partner's cross-account access; statements the provider did not write stay untouched.

    Removes the destination role's ARN from the EMR EC2 role's assume-role policy (EMR account) and
    from the key-users statement of each key (destination account); takes the EMR EC2 role out of the
    provider's trust statement of the destination role (cross-account ``sts:AssumeRole`` needs both
    sides: another grant the EMR EC2 role holds cannot reach the role then), unless
    ``remove_destination_trust=False``; when given the current
    security configuration, creates a new one without the partner's mappings (configurations cannot
    change) and returns its name for the next clusters; and, only with ``delete_destination_role=True``
    and only if the provider created it (tagged), nobody added policies to it or statements to the
    provider's inline policy, and its trust policy lets nobody but this EMR EC2 role assume it
    (another pipeline's EMR role, someone's statement), deletes the role instead of changing its trust; refused
    too, before any write, while a key policy, the policy of a bucket it is granted or another role's trust policy
    names it (the deleted role's unique ID left there would make AWS refuse their owners' next edit).

    The destination role is the role of ``destination_role_arn``'s name in its account and partition, at whatever
    path: names are unique in an account without regard to case (IAM API Reference, "CreateRole", ``RoleName``),
    while a role's ARN holds its path (IAM User Guide, "IAM identifiers"). So every ARN of that role goes from the
    documents, at any path and in any case of its name (the ARN built from the name finds a role made under a path),
    and the trust step takes the role ``GetRole`` answers for that name. The deletion, which cannot be undone, takes
    it only when ``destination_role_arn`` is its ARN as ``GetRole`` shows it (the name in any case).

    :param destination_role_arn: the partner's destination role: its ARN, path included or not. (templated)
    :param destination_aws_conn_id: connection that acts in the destination account. (templated)
    :param emr_ec2_role_name: the EMR EC2 role: its name, or its ARN (as ``partner_access`` and the assume grant take
        it), which must be in ``aws_conn_id``'s partition and account. When ``iam:GetRole`` may not read it, its
        path is the one the destination's trust policy shows for it (before the revoke's write), else that of an ARN
        given with a path; with neither, a trust statement judging the role otherwise at another path leaves
        ``access_ended`` ``None``. (templated, default: ``EMR_EC2_DefaultRole``)
    :param policy_name: the EMR EC2 role's inline policy the grant wrote, as ``AttachAssumeRolePolicyOperator``'s
        ``policy_name``: the role goes from its statement and from its managed policies for more roles. (templated,
        default: ``emrfs-xacct-assume-destination-roles``)
    :param kms_key_arns: keys whose key-users statement holds the role; with ``delete_destination_role=True``
        also every key the role's provider policy grants (a key the destination connection cannot change is
        refused then, before any write). Kept, with a warning, while the role's trust lets someone besides this
        EMR EC2 role assume it: judged by the plan, and again by the apply just before its key writes. (templated)
    :param security_configuration: the configuration in use, to rebuild without the partner. (templated)
    :param name_prefix: name prefix of the rebuilt configuration. (templated)
    :param delete_destination_role: also delete the role (see above); only the role with
        ``destination_role_arn``'s partition, account and path, and its name in any case (IAM names are not
        distinguished by case). Not with ``remove_destination_trust=False``. (templated, default: False)
    :param remove_destination_trust: take the EMR EC2 role out of the destination role's trust policy.
        ``False`` leaves the destination account's trust as it is (when its connection may not change it, or a
        statement there must be fixed by hand first): the EMR side alone then ends the access, as long as
        nothing else grants the EMR EC2 role ``sts:AssumeRole`` on the role. (templated, default: True)
    :param dry_run: only log the plan. (templated, default: False)
    :param expected_account_id: the EMR account; ``aws_conn_id`` must act in it. (templated)
    :param expected_destination_account_id: the destination account; ``destination_aws_conn_id`` must
        act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients, on both connections; default: each connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: ``{"security_configuration": name or None, "plan": [...], "access_ended": True, False or None,
        "still_granted": [...], "access_not_checked": [...], "sessions_may_last_until": time or None,
        "also_trusted": [...] or None, "destination_role_found": bool}``: the
        rebuilt configuration's name (the given one when it maps nothing to the role); ``None`` when the configuration held nothing but the
        partner's mappings (a configuration of its other sections alone is made and named instead), when no
        ``security_configuration`` was given, or when EMR has none by that name (skipped with a warning, so a
        retry after a cleanup does not fail; the command line refuses such a name before any change).
        ``access_ended`` is ``False`` when a grant of the EMR EC2 role and the trust still allow ``sts:AssumeRole``
        on the role (or may, under a condition: ``certain`` false), named in ``still_granted`` (``by``,
        ``statement``), and ``None`` when a read of that check failed (``access_not_checked`` says which); the
        task succeeds either way, as its writes are done, and warns. ``True`` means no NEW session of the role can
        be assumed by the EMR EC2 role once IAM applies the change, not that sessions already assumed end: their
        credentials stay valid until they expire (IAM User Guide, "Disabling permissions for temporary security
        credentials"). ``sessions_may_last_until``: with ``access_ended`` ``True``, the time, ISO-8601 UTC, until
        which EMRFS's sessions assumed before the access ended may last: the time of this try's check (after all
        its writes) plus one hour, the longest a chained session lasts (:data:`CHAINED_SESSION_SECONDS`), whatever
        run or try wrote (a rerun or retry that writes nothing gives a later time than needed); ``None`` for a dry
        run and when ``access_ended`` is not ``True``. IAM may take a few minutes to apply the change (IAM User
        Guide, same page), not in it: add a margin. Gate on it, not on ``access_ended`` alone, a task that must
        not run while the partner may still write. It bounds EMRFS's sessions only: ``also_trusted`` names whom
        else the trust policy, read after the writes, still lets assume the role (another pipeline's EMR EC2 role,
        a statement someone else wrote: the revoke keeps them); their sessions are not chained and may last up to
        the role's ``MaxSessionDuration``, 12 hours at most (AWS STS API Reference, "AssumeRole",
        ``DurationSeconds``), past that time. ``[]`` when it names no one else (or the role is deleted), ``None``
        when it was not read (``remove_destination_trust=False``, or its read failed). ``destination_role_found``:
        ``False`` when ``GetRole`` answered that the destination account has no role of ``destination_role_arn``'s
        name (IAM API Reference, "GetRole", Errors: ``NoSuchEntity``): with nothing planned, a WARNING says that
        nothing was revoked (a mistyped ARN, or a rerun after a revoke deleted the role); ``True`` otherwise, also
        when the role is not read (``remove_destination_trust=False``).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.iam.EmrfsIamHook")
    template_fields: Sequence[str] = aws_template_fields(
        "destination_role_arn",
        "destination_aws_conn_id",
        "emr_ec2_role_name",
        "policy_name",
        "kms_key_arns",
        "security_configuration",
        "name_prefix",
        "expected_destination_account_id",
        "remove_destination_trust",
        "delete_destination_role",
        *SAFETY_TEMPLATE_FIELDS,
    )
    template_fields_renderers = {"kms_key_arns": "json"}
    ui_color = "#f5d4d4"

    def __init__(
        self,
        *,
        destination_role_arn: str,
        destination_aws_conn_id: str,
        emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
        policy_name: str = ASSUME_POLICY_NAME,
        kms_key_arns: list[str] | str | None = None,
        security_configuration: str | None = None,
        name_prefix: str | None = None,
        delete_destination_role: bool = False,
        remove_destination_trust: bool = True,
        expected_destination_account_id: str | ArgNotSet | None = NOTSET,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.expected_destination_account_id, self._destination_pin_asked = take_pin(
            self, expected_destination_account_id, "expected_destination_account_id"
        )
        self.destination_role_arn = destination_role_arn
        self.destination_aws_conn_id = destination_aws_conn_id
        self.emr_ec2_role_name = emr_ec2_role_name
        self.policy_name = policy_name
        self.kms_key_arns = kms_key_arns
        self.security_configuration = security_configuration
        self.name_prefix = name_prefix
        self.delete_destination_role = delete_destination_role
        self.remove_destination_trust = remove_destination_trust

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
        from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
        from airflow_provider_emrfs_xacct.pure import documents, validation
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.security_config import (
            validate_security_configuration_name,
            validate_security_configuration_name_prefix,
        )

        # 1. Validate everything (no AWS call).
        self.validate_safety()
        self.taken_over: tuple[str, list[str]] = ("", [])  # the rebuilt configuration's (_rebuild_configuration)
        dry_run = self.dry_run
        role_arn = validation.validate_role_arn(self.destination_role_arn, "destination_role_arn")
        emr_role, emr_role_account = validation.validate_role_name_or_arn(self.emr_ec2_role_name, "emr_ec2_role_name")
        # An ARN given may carry the role's path (IAM User Guide, "IAM identifiers"): used when GetRole is refused and
        # the destination's trust policy names the role at no path (_assume_request).
        self.emr_role_arn_given: str | None = None if emr_role_account is None else str(self.emr_ec2_role_name)
        self.trust_before: dict[str, Any] | None = None  # the destination's trust policy before the revoke's write
        self.keys_trust_unread = False  # a warning said the trust could not be read for kms_key_arns
        self.destination_role_found = True  # False once GetRole answers that the account has no role of that name
        policy_name = validation.validate_policy_name(self.policy_name, "policy_name")
        destination_pin = destination_account_pin(self)
        destination_conn_id(self.destination_aws_conn_id, destination_pin)
        keys = validation.validate_kms_key_arns(self.kms_key_arns, "kms_key_arns")
        self.key_fields: dict[str, str] = {
            key: f"kms_key_arns[{index}]" for index, key in reversed(list(enumerate(keys)))
        }
        configuration = None
        if self.security_configuration is not None:
            # An existing configuration, maybe not made by this provider: EMR's constraint, as the launch checks it.
            configuration = validate_security_configuration_name(self.security_configuration, "security_configuration")
            # The prefix CreateEmrfsSecurityConfigOperator accepts: a configuration it made can be revoked from.
            validate_security_configuration_name_prefix(self.name_prefix, "name_prefix")
        self.delete_destination_role = validation.validate_bool(self.delete_destination_role, "delete_destination_role")
        self.remove_destination_trust = validation.validate_bool(
            self.remove_destination_trust, "remove_destination_trust"
        )
        if self.delete_destination_role and not self.remove_destination_trust:
            # Deleting the role removes its trust policy with it: keeping the trust cannot go with it.
            raise InvalidParameterError(
                "delete_destination_role",
                "True deletes the destination role, trust policy and all, which contradicts "
                "remove_destination_trust=False (leave the destination account as it is): give one of them",
            )
        if not self.remove_destination_trust:
            self.log.warning(
                "remove_destination_trust=False: the trust policy of %s keeps role %s; any other sts:AssumeRole "
                "grant of that role still reaches it: remove it from the trust by hand",
                role_arn,
                emr_role,
            )
        emr_hook = self.other_hook(EmrfsEmrHook, self.aws_conn_id)
        destination_iam = self.other_hook(EmrfsIamHook, self.destination_aws_conn_id)
        require_defined_connection(destination_iam.aws_conn_id, "destination_aws_conn_id")
        kms = self.other_hook(EmrfsKmsHook, self.destination_aws_conn_id)
        destination = f"connection {self.destination_aws_conn_id!r}"
        validation.require_partition(role_arn, destination_iam.conn_partition, "destination_role_arn", destination)
        # The EMR EC2 role's policies grant it too: in the EMR connection's partition (IAM does not grant across).
        emr_side = f"connection {self.aws_conn_id!r}"
        validation.require_partition(role_arn, self.hook.conn_partition, "destination_role_arn", emr_side)
        for index, key in enumerate(keys):
            validation.require_partition(key, kms.conn_partition, f"kms_key_arns[{index}]", destination)
            validation.require_region(key, kms.conn_region_name, f"kms_key_arns[{index}]", destination)
        # 2. The accounts: the role and keys must be in the destination connection's, not in the EMR one's.
        with explain_access_denied(self.hook):
            emr_account = self.connection_account(self.hook)
        # By ARN: a role of another account or partition would be another role of that name there.
        validation.require_role_here(
            self.emr_ec2_role_name, emr_account, self.hook.conn_partition, "emr_ec2_role_name", emr_side
        )
        destination_account = self._destination_account(destination_iam, destination_pin)
        validation.require_account(role_arn, destination_account, "destination_role_arn", destination)
        validation.refuse_account(
            role_arn,
            emr_account,
            "destination_role_arn",
            f"connection {self.aws_conn_id!r}",
            "the destination role must be in another account than the EMR EC2 role",
        )
        for index, key in enumerate(keys):
            validation.require_account(key, destination_account, f"kms_key_arns[{index}]", destination)
        if self.delete_destination_role:
            with explain_access_denied(destination_iam):
                # Read once for both checks below: the keys and the buckets it grants.
                granted = destination_iam.get_inline_policy(
                    validation.role_name_from_arn(role_arn), documents.DESTINATION_POLICY_NAME
                )
                keys = self._with_granted_keys(kms, role_arn, keys, destination_account, granted)
            self._refuse_policies_naming_the_role(destination_iam, role_arn, destination_account, granted)
        elif keys:
            # The plan's decision; the apply judges these keys again just before its key writes (_revoke).
            keys = self._keys_no_one_else_needs(destination_iam, (emr_account, emr_role), role_arn, keys)
        hooks = (emr_hook, destination_iam, kms)
        # 3. Plan every document: each refusal (a role that is not ours, a key policy KMS would refuse or
        # that someone widened) comes before the first write, in either account.
        emr_ec2_role = (emr_account, emr_role)
        new_configuration, changes = self._revoke(
            hooks, emr_ec2_role, role_arn, keys, configuration, policy_name=policy_name, dry_run=True
        )
        # 4. Apply.
        if not dry_run and changes:
            new_configuration, changes = self._revoke(
                hooks, emr_ec2_role, role_arn, keys, configuration, policy_name=policy_name, dry_run=False
            )
        access = self._access_after_revoke(destination_iam, emr_ec2_role, role_arn, policy_name)
        sessions_until = None if dry_run else _sessions_may_last_until(access["access_ended"])  # after the check
        self._warn_of_requests_taken_over(role_arn, new_configuration, planned=dry_run)
        if changes and not self.delete_destination_role:
            self.log.warning("%s", _open_sessions_warning(role_arn, planned=dry_run))
        self._warn_if_nothing_named(role_arn, destination_account, changes, planned=dry_run)
        plan = self.report(context, changes)
        return {
            "security_configuration": new_configuration,
            "plan": plan,
            **access,
            "sessions_may_last_until": sessions_until,
            "destination_role_found": self.destination_role_found,
        }

    def _warn_if_nothing_named(self, role_arn: str, account: str, changes: list[Change], *, planned: bool) -> None:
        """
        Warn when the account has no role of ``role_arn``'s name and nothing names it: a mistyped ARN revokes nothing.

        ``GetRole`` answers ``NoSuchEntity`` for a role the account does not have (IAM API Reference, "GetRole",
        Errors). Not refused: a rerun after a revoke that deleted the role must stay a no-op.
        """
        if self.destination_role_found or changes:
            return
        self.log.warning(
            "destination_role_arn %s: account %s has no role named %s and nothing names it (no trust, EMR EC2 role "
            "grant, key-policy principal or mapping), so nothing %s revoked: the partner's real role, if the ARN is "
            "mistyped, keeps its access. Check destination_role_arn, unless this is a rerun after a revoke deleted "
            "the role",
            role_arn,
            account,
            role_arn.rsplit("/", 1)[1],
            "is" if planned else "was",
        )

    def _access_after_revoke(
        self, destination_iam: EmrfsIamHook, emr_role: tuple[str, str], role_arn: str, policy_name: str
    ) -> dict[str, Any]:
        """
        Return whether the access is known ended once the revoke is done (or, planned, would be), and what still grants it.

        ``access_ended``: ``True``, ``False`` (``still_granted`` names the EMR EC2 role's grant and the trust that
        still allow it, IAM User Guide, "Cross-account policy evaluation logic": both are needed, and both still
        allow it), or ``None`` when it could not be checked (``access_not_checked`` says why). The checks read after
        the writes: any failure of those reads (a denial, throttling or an HTTP 5xx past the retries, a dropped
        connection, a document that does not parse) leaves the revoke done, with a warning, never a failed task
        whose writes no plan reports.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

        self.still_granted: list[dict[str, Any]] = []
        self.access_not_checked: list[str] = []
        self.path_not_read = ""  # the refused read of the EMR EC2 role's ARN (its path), when nothing tells its path
        self.trusted_at: str | None = None  # an ARN, at a path not known to be the role's, the trust judges otherwise
        self.judged_at_path: dict[str, Any] | None = None  # the statement that judges it so
        self.trusts_read: list[dict[str, Any]] = []  # the trust policy as read before the write, and after
        # Whom else the trust read after the writes lets assume the role; [] for a deleted role; None: not read.
        self.also_trusted: list[str] | None = [] if self.delete_destination_role else None
        self.boundary_not_read = (
            ""  # the refused read of the EMR EC2 role's permissions boundary (or of whether it has one)
        )
        try:
            self._warn_if_not_ended(destination_iam, emr_role, role_arn, policy_name)
        except (ClientError, BotoCoreError, EmrfsXacctError) as error:
            self.still_granted = []
            self.access_not_checked.append(f"a read after the revoke failed: {error}")
            self.log.warning(
                "Whether the access of role %s to %s is ended is NOT checked: a read after the revoke failed (%s). "
                "The revoke itself is done; check by hand that neither the trust policy of %s nor the policies of "
                "role %s still allow sts:AssumeRole on it, or revoke again",
                emr_role[1],
                role_arn,
                error,
                role_arn,
                emr_role[1],
            )
        ended = False if self.still_granted else None if self.access_not_checked else True
        return {
            "access_ended": ended,
            "still_granted": self.still_granted,
            "access_not_checked": self.access_not_checked,
            "also_trusted": self.also_trusted,
        }

    def _warn_of_requests_taken_over(self, role_arn: str, new_configuration: str | None, *, planned: bool) -> None:
        """
        Warn, by mapping, when a kept mapping now takes requests the partner's mappings took.

        EMRFS uses the first mapping that matches (:func:`~airflow_provider_emrfs_xacct.pure.security_config.
        requests_taken_over`): on clusters launched with the rebuilt configuration, a later mapping of another role
        over the partner's prefix, or one of the job's user or group, sends those writes as that role, which may
        have access to the partner's bucket.
        """
        name, sentences = self.taken_over
        if not sentences:
            return
        self.log.warning(
            "Security configuration %s without the mappings of %s: %s. On clusters launched with %s those requests "
            "%s that role's credentials, so if it may write there the partner's writes do not end with this revoke; "
            "remove or narrow that mapping (a new security configuration) if they should",
            name,
            role_arn,
            "; ".join(sentences),
            new_configuration or "it",
            "would be sent with" if planned else "are sent with",
        )

    def _keys_no_one_else_needs(
        self,
        destination_iam: EmrfsIamHook,
        emr_role: tuple[str, str],
        role_arn: str,
        keys: list[str],
        *,
        late: bool = False,
    ) -> list[str]:
        """
        ``keys``, or none while the destination role's trust policy lets someone besides this EMR EC2 role assume it
        (another pipeline's EMR EC2 role, someone's statement): the key users are the role's, so taking it out would
        end their SSE-KMS writes (S3 User Guide, "Using server-side encryption with AWS KMS keys": an upload needs
        kms:GenerateDataKey on the key), while this pipeline's access ends with the trust and its assume grant.

        :param late: the apply's decision, read just before its key writes (after the trust step's): the trust
            policy as it stands then, which another pipeline's grant may have widened since the plan read it.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import error_code, is_access_denied
        from airflow_provider_emrfs_xacct.hooks.iam_managed import iam_document
        from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID
        from airflow_provider_emrfs_xacct.pure.merge import trusted_besides
        from airflow_provider_emrfs_xacct.pure.validation import role_name_from_arn

        role_name = role_name_from_arn(role_arn)
        try:
            role = destination_iam.get_role(role_name)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            # Unless the trust step reads it next (its refusal says how to revoke without it): said once a revoke.
            if (late or not self.remove_destination_trust) and not self.keys_trust_unread:
                self.keys_trust_unread = True
                self.log.warning(
                    "kms_key_arns: the trust policy of role %s could not be read (%s): whether someone else still "
                    "assumes it is not known, and the role goes from the key users as asked",
                    role_name,
                    error_code(error),
                )
            return keys
        if role is None:
            return keys
        trust = iam_document(
            role.get("AssumeRolePolicyDocument"), f"the trust policy of role {role_name}", "trust policy"
        )
        others = trusted_besides(trust, TRUST_SID, *emr_role)
        if not others:
            return keys
        self.log.warning(
            "kms_key_arns: role %s stays a key user of %s: its trust policy lets %s assume it too, not only role %s of "
            "account %s, and they would lose their SSE-KMS writes; revoke theirs, then revoke again with kms_key_arns",
            role_name,
            ", ".join(keys),
            ", ".join(others),
            emr_role[1],
            emr_role[0],
        )
        return []

    def _with_granted_keys(
        self, kms: EmrfsKmsHook, role_arn: str, keys: list[str], account: str, granted_by: dict[str, Any] | None
    ) -> list[str]:
        """
        Return ``keys`` and every other key the role's provider-written policy ``granted_by`` grants: the role is to be
        deleted.

        A key policy still naming a deleted role shows its unique ID (``AROA…``) instead (IAM User Guide, "AWS JSON
        policy elements: Principal"), and KMS refuses every ``PutKeyPolicy`` that keeps it (AWS Knowledge Center,
        "kms-policy-error-invalid-principals"): the key administrators' own edits would fail. So the role's key-user
        access goes from each key its ``EmrfsXacct`` policy's KMS statement names, given in ``kms_key_arns`` or not.
        A key policy naming the role in a statement the provider did not write is refused too (the revoke does not
        change such statements). A key the destination connection cannot change is refused before any write, by
        name: key policies are Regional ("Key policies in AWS KMS"), and ``GetKeyPolicy``/``PutKeyPolicy`` do not
        work across accounts (KMS Developer Guide, "Allowing users in other accounts to use a KMS key": only the
        listed cryptographic and ``DescribeKey``/grant operations do). A granted key KMS no longer has (deleted after
        its waiting period) is passed over, saying so: it has no key policy left to keep the ID.

        :raises ConflictError: the policy grants a key in another account or Region than the connection's, or a key
            policy names the role in a statement the provider did not write.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure import documents, validation
        from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
        from airflow_provider_emrfs_xacct.pure.merge import statements_naming

        role_name = validation.role_name_from_arn(role_arn)
        _, granted = documents.locations_in_permissions_policy(granted_by)
        missing = sorted(granted - set(keys))
        unreachable = [
            key
            for key in missing
            if validation.account_of_arn(key) != account or validation.region_of_arn(key) != kms.conn_region_name
        ]
        if unreachable:
            raise ConflictError(
                f"the policy {documents.DESTINATION_POLICY_NAME} of role {role_name} grants "
                f"key {', '.join(unreachable)}, which connection {self.destination_aws_conn_id!r} cannot change "
                f"(account {account}, Region {kms.conn_region_name}): a key policy naming the role would show its "
                "unique ID once the role is deleted, and KMS refuses to save a policy keeping it. Not deleting "
                f"{role_arn}: take the role out of those key policies, then delete it by hand, or revoke without "
                "deleting it (delete_destination_role=False; CLI: without --delete-role)",
                field="delete_destination_role",
            )
        policies = {}
        for key in keys:
            kms.key_field = self._key_field(key)
            policies[key] = kms.get_key_policy(key)
        for key in missing:
            # A key deleted since (after its waiting period KMS deletes "all KMS data associated with it", AWS KMS API
            # Reference, "ScheduleKeyDeletion"; GetKeyPolicy answers NotFoundException) keeps no policy, nor the ID.
            with explain_access_denied(kms):
                found = kms.read_key_policy(key)
            if found is None:
                self.log.warning(
                    "delete_destination_role: key %s, which the role's policy grants, does not exist (KMS answered "
                    "NotFoundException): it has no key policy to take the role out of",
                    key,
                )
            else:
                policies[key] = found
        missing = [key for key in missing if key in policies]
        if missing:
            self.log.info(
                "delete_destination_role: role %s also uses key %s (not in kms_key_arns): its key users lose it too",
                role_name,
                ", ".join(missing),
            )
        for key, policy in policies.items():
            # The revoke takes the role out of the provider's statement only: one of someone else's would keep its ID.
            foreign = statements_naming(policy, role_arn, besides=documents.KEY_USERS_SID)
            if foreign:
                raise ConflictError(
                    f"the key policy of {key} names {role_arn} in statement "
                    f"{', '.join(foreign)}, which this provider did not write: deleting the role would leave its unique "
                    "ID there, and KMS refuses to save a key policy keeping it. Not deleting the role: take it out of "
                    "that statement, or revoke without deleting it (delete_destination_role=False; CLI: without "
                    "--delete-role)",
                    field="delete_destination_role",
                )
        return [*keys, *missing]

    def _key_field(self, key: str) -> str:
        """The parameter that gave ``key``: its place in ``kms_key_arns``, else the deletion that added it."""
        return self.key_fields.get(key, "delete_destination_role")

    def _refuse_policies_naming_the_role(
        self, destination_iam: EmrfsIamHook, role_arn: str, account: str, granted_by: dict[str, Any] | None
    ) -> None:
        """
        Refuse to delete the role while a bucket policy its provider-written policy ``granted_by`` grants, or another
        role's trust policy, names it.

        Such a policy shows the deleted role's unique ID (``AROA…``) in its place (IAM User Guide, "AWS JSON policy
        elements: Principal"), and S3 then refuses every ``PutBucketPolicy`` keeping it with ``MalformedPolicy``
        "Invalid principal in policy" (AWS Knowledge Center, "s3-invalid-principal-in-policy-error": "confirm that
        the user or role wasn't deleted"), IAM every ``UpdateAssumeRolePolicy`` the same way (Knowledge Center,
        "iam-trust-policy-error"): the owners' own edits would fail. Read are the policies of the buckets the role's
        ``EmrfsXacct`` policy grants (``GetBucketPolicy``, owned by the destination account: ``ExpectedBucketOwner``)
        and the trust policy of every other role of the destination account (``ListRoles``, role chaining). A
        policy that cannot be read (refused, another account's bucket, a text naming a key twice) is not taken as
        clean: a warning names it, before any write.

        :raises ConflictError: one of those policies names the role, in any statement's ``Principal`` or
            ``NotPrincipal`` (see :func:`~airflow_provider_emrfs_xacct.pure.merge.statements_naming`).
        """
        from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
        from airflow_provider_emrfs_xacct.pure import documents
        from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
        from airflow_provider_emrfs_xacct.pure.merge import parse_document, same_role, statements_naming

        locations, _ = documents.locations_in_permissions_policy(granted_by)
        s3 = self.other_hook(EmrfsS3Hook, self.destination_aws_conn_id)
        s3.expected_bucket_owner = account  # another account's bucket is refused (403), not read as clean
        unchecked: list[str] = []
        policies = [
            (
                f"the bucket policy of {bucket}",
                _read_noting(unchecked, f"the bucket policy of {bucket}", s3.get_bucket_policy, bucket),
            )
            for bucket in sorted({location.bucket for location in locations})
        ]
        roles = _read_noting(
            unchecked, f"the trust policies of the roles of account {account}", destination_iam.trust_policies
        )
        policies += [
            (
                f"the trust policy of {other}",
                _read_noting(unchecked, f"the trust policy of {other}", parse_document, trust),
            )
            for other, trust in roles or []
            if not same_role(other, role_arn)  # its own trust policy goes with it, at whatever path
        ]
        naming = [
            f"{what} (statement {', '.join(statements)})"
            for what, document in policies
            if (statements := statements_naming(document, role_arn))
        ]
        if naming:
            raise ConflictError(
                f"{'; '.join(naming)} names {role_arn}: deleting the role would leave its "
                'unique ID there, and S3 and IAM refuse to save a policy keeping it ("Invalid principal in policy"), '
                "so the owners' next edit would fail. Not deleting the role: take it out of those statements first "
                "(RevokeBucketAccessOperator for a bucket policy statement this provider wrote), or revoke without "
                "deleting it (delete_destination_role=False; CLI: without --delete-role)",
                field="delete_destination_role",
            )
        if unchecked:
            self.log.warning(
                "delete_destination_role: NOT checked whether these name %s: %s. One that does would show the role's "
                "unique ID once it is deleted, and S3 or IAM would refuse its owner's next edit (\"Invalid principal "
                'in policy") until that ID is removed: check them by hand, or revoke without deleting the role',
                role_arn,
                "; ".join(unchecked),
            )

    def _warn_if_not_ended(
        self, destination_iam: EmrfsIamHook, emr_role: tuple[str, str], role_arn: str, policy_name: str
    ) -> None:
        """
        Warn, by name, of what still lets the EMR EC2 role assume the role once the revoke is done (or, planned, would be).

        Cross-account ``sts:AssumeRole`` needs both the caller's identity policies and the role's trust policy to
        allow it (IAM User Guide, "Cross-account policy evaluation logic"). With ``remove_destination_trust=False``
        the trust still allows it; otherwise the trust policy is read again, as the revoke leaves it
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.trust_without_role`): a statement the provider did not write
        that still trusts the EMR EC2 role, its account or everyone is kept byte for byte and named in a warning, and
        then the EMR EC2 role's own grants decide. A deleted role needs no check. The request is on the role's ARN as
        ``GetRole`` shows it, path included (``role_arn`` may be the ARN built from its name); with the trust kept,
        not read, on every ARN the EMR EC2 role's policies name the role by, at any path, and ``role_arn``. The
        EMR EC2 role's own ARN is ``GetRole``'s, else the one the trust policy shows, else one given with its path
        (:meth:`_arn_not_read`); with none, a statement judging it otherwise at a path that may be its own leaves the
        check undetermined (:meth:`_judged_at_another_path`).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied

        if self.delete_destination_role:
            return
        trust: dict[str, Any] | None = None
        if self.remove_destination_trust:
            after = self._trust_after_revoke(destination_iam, emr_role, role_arn)
            if after is None:
                return
            trust, role_arn = after
        with explain_access_denied(self.hook):
            request, boundary_arn = self._assume_request(emr_role, role_arn)
            if trust is None:
                trusted = {
                    "by": f"the trust policy of {role_arn} (left as it is: remove_destination_trust=False)",
                    "statement": None,
                    "certain": True,
                }
            elif (trusted_by := self._still_trusted(request, emr_role[1], trust)) is None:
                return
            else:
                trusted = trusted_by
            self._warn_if_still_granted(request, emr_role[1], boundary_arn, policy_name, trusted, trust is None)

    def _trust_after_revoke(
        self, destination_iam: EmrfsIamHook, emr_role: tuple[str, str], role_arn: str
    ) -> tuple[dict[str, Any], str] | None:
        """
        Return the role's trust policy as the revoke leaves it, and the role's ARN as IAM shows it (its path), when a
        statement still allows anyone; else ``None``.

        Read again after the writes (``GetRole``) and taken through the revoke's own change, which changes nothing
        once written: so a dry run, and a read IAM answers from before the write, give the same document.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import is_access_denied
        from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID
        from airflow_provider_emrfs_xacct.pure.merge import as_list, parse_document, trust_without_role, trusted_besides

        try:
            role = destination_iam.get_role(role_arn.rsplit("/", 1)[1])
        except ClientError as error:
            # Read after the writes: a refusal must not fail a revoke that is done (its plan unreported).
            if not is_access_denied(error):
                raise
            self.log.warning(
                "Whether another statement of the trust policy of %s still trusts role %s is NOT checked (iam:%s "
                "refused: %s)",
                role_arn,
                emr_role[1],
                error.operation_name,
                error,
            )
            self.access_not_checked.append(f"the trust policy of {role_arn}: iam:{error.operation_name} refused")
            return None
        if role is None:
            self.also_trusted = []  # no role: no one assumes it
            self.destination_role_found = False  # NoSuchEntity (IAM API Reference, "GetRole", Errors)
            return None
        shown = parse_document(role["AssumeRolePolicyDocument"])
        self.trusts_read = [document for document in (self.trust_before, shown) if isinstance(document, dict)]
        trust = trust_without_role(shown, *emr_role)
        # Whom the kept-key warning names (_keys_no_one_else_needs), from this same read.
        self.also_trusted = trusted_besides(trust, TRUST_SID, *emr_role)
        statements = as_list((trust or {}).get("Statement"))
        if trust is None or not any(
            isinstance(statement, dict) and statement.get("Effect") == "Allow" for statement in statements
        ):
            return None  # nobody is trusted: no new session, whatever the EMR EC2 role's policies allow
        return trust, str(role["Arn"])

    def _assume_request(self, emr_role: tuple[str, str], role_arn: str) -> tuple[Request, str | None]:
        """
        Return the EMR EC2 role's ``sts:AssumeRole`` request on the role, and the ARN of its permissions boundary.

        The role's ARN carries its path (IAM User Guide, "IAM identifiers", "IAM ARNs"): ``GetRole``'s; refused, the
        one the destination's trust policy shows, else the one given (:meth:`_arn_not_read`), and whether the role has
        a permissions boundary is not known (``boundary_not_read``: ``ListRoles`` does not return it, IAM API
        Reference, "ListRoles").
        Unknown condition keys leave a statement undetermined rather than false (``known_absent`` empty). The
        requester's account and, its path known, its ARN are known: they are in every signed request's context (IAM
        User Guide, "AWS global condition context keys": ``aws:PrincipalAccount``, and ``aws:PrincipalArn``, "For IAM
        roles, the request context returns the ARN of the role"), so a statement comparing them is decided, such as
        the revoke's own statement for nobody (:data:`~airflow_provider_emrfs_xacct.pure.documents.TRUST_NOBODY_MARK`):
        it applies to no request, and the statement still trusting the role is named, not it.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import is_access_denied
        from airflow_provider_emrfs_xacct.pure.evaluator import Request
        from airflow_provider_emrfs_xacct.pure.validation import partition_of_arn

        account, name = emr_role
        built = f"arn:{partition_of_arn(role_arn)}:iam::{account}:role/{name}"
        principal, boundary_arn = self.emr_role_arn_given or built, None
        try:
            role = self.hook.get_role(name)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            role = None
            principal = self._arn_not_read(built, f"iam:{error.operation_name} refused")
            self.boundary_not_read = (
                f"whether role {name} has a permissions boundary: iam:{error.operation_name} refused"
            )
        if role is not None:
            principal = str(role["Arn"])
            boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        context = {"aws:PrincipalAccount": account}
        if not self.path_not_read:  # else its ARN is not known: a condition on it stays undetermined
            context["aws:PrincipalArn"] = principal
        request = Request(
            "sts:AssumeRole",
            role_arn,
            principal,
            context=context,
            known_absent=frozenset(),
            has_boundary=bool(boundary_arn),
        )
        return request, boundary_arn

    def _arn_not_read(self, built: str, why: str) -> str:
        """
        Return the EMR EC2 role's ARN, path included, when ``GetRole`` may not read it (``why``); ``built`` has no path.

        IAM keeps a role named in a trust policy's ``Principal`` as its unique ID, and shows it back as the role's
        ARN (IAM User Guide, "AWS JSON policy elements: Principal": "When you save the policy, AWS transforms the ARN
        to a unique principal ID", with "a reverse transformation back to the ARN when the trust policy is
        displayed"), and a role's name alone tells it in its account, whatever its path (IAM API Reference,
        "CreateRole", ``RoleName``; ``UpdateRole`` changes no path). So an ARN of that account and name (in any case)
        that the trust policy, read before the revoke's write (the provider's statement names the role), shows in a
        ``Principal`` is the role's, over the one given. Shown at none, an ARN given with a path is taken; else, or
        shown at two paths (not so on AWS), the path is not known (``path_not_read``, :meth:`_judged_at_another_path`).
        ``NotPrincipal`` does not count: AWS documents that transformation for ``Principal`` only.
        """
        from airflow_provider_emrfs_xacct.pure.merge import roles_named, same_identity

        shown = roles_named(_aws_principals_in(self.trusts_read, ("Principal",)), [built])
        paths = sorted({arn.rsplit("/", 1)[0] for arn in shown})
        given, name = self.emr_role_arn_given, built.rsplit("/", 1)[1]
        if len(paths) == 1:
            if given is not None and not same_identity(given, shown[0]):
                self.log.warning(
                    "emr_ec2_role_name gives %s, but the trust policy names role %s as %s, the ARN IAM shows for it "
                    "(%s): the access is judged for %s",
                    given,
                    name,
                    shown[0],
                    why,
                    shown[0],
                )
            return shown[0]
        if len(paths) > 1:
            self.path_not_read = (
                f"the ARN (path) of role {name}: {why}, and the trust policy names it at {len(paths)} paths "
                f"({', '.join(shown)})"
            )
            return built
        if given is not None and given.split(":", 5)[5].count("/") > 1:
            return given  # given with its path, and the trust names the role at none
        self.path_not_read = f"the ARN (path) of role {name}: {why}"
        return given or built

    def _still_trusted(self, request: Request, name: str, trust: dict[str, Any]) -> dict[str, Any] | None:
        """
        Return the statement by which ``trust`` still trusts the EMR EC2 role (as ``still_granted`` lists it), warning
        of it; else ``None``.

        The revoke took the role out of the provider's statement, so such a statement is one the provider did not
        write (the role, its account, everyone): kept as it is, and named. With the role's path not known, a
        statement that judges it otherwise at another path makes the answer not certain
        (:meth:`_judged_at_another_path`).
        """
        from airflow_provider_emrfs_xacct.pure.evaluator import evaluate

        by_trust = evaluate([("trust policy", trust)], request, resource_policy=True)
        if self.path_not_read:
            other = self._judged_at_another_path(request, trust, by_trust)
            if other is not None and not (by_trust.allowed or by_trust.undetermined):
                by_trust = other  # refused as the path-less ARN, let in (or maybe) at that path
        if not (by_trust.allowed or by_trust.undetermined):
            return None
        statement = json.dumps(by_trust.statement, sort_keys=True)
        how = "still trusts" if by_trust.allowed else "may still trust (its condition is not known before a request)"
        if self.trusted_at is not None:
            how = f"may still trust (as {self.trusted_at} it is judged otherwise: {self.path_not_read})"
        self.log.warning(
            "The trust policy of %s %s role %s in a statement this provider did not write, kept as it is: %s. The "
            "access ends only while none of that role's policies allows sts:AssumeRole on %s: remove that statement, "
            "or the role from it, by hand",
            request.resource,
            how,
            name,
            statement,
            request.resource,
        )
        return {
            "by": f"the trust policy of {request.resource}",
            "statement": by_trust.statement,
            "certain": by_trust.allowed and self.trusted_at is None,
        }

    def _judged_at_another_path(self, request: Request, trust: dict[str, Any], by_trust: Decision) -> Decision | None:
        """
        Return the decision of ``trust`` for the EMR EC2 role at another path when it differs from ``by_trust``; else
        ``None``.

        Only when the role's path is not known (``path_not_read``): a statement naming the role of that account and
        name at another path (in ``Principal`` or ``NotPrincipal``, ``Allow`` or ``Deny``) may name the role itself,
        as a role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs"; "AWS JSON policy elements:
        Principal"). The first ARN judged otherwise than ``request.principal`` is kept as ``trusted_at``, and the
        statement judging it as ``judged_at_path``.
        """
        from airflow_provider_emrfs_xacct.pure.evaluator import evaluate
        from airflow_provider_emrfs_xacct.pure.merge import roles_named

        for arn in roles_named(_aws_principals_in([trust], ("Principal", "NotPrincipal")), [request.principal]):
            decision = evaluate([("trust policy", trust)], replace(request, principal=arn), resource_policy=True)
            if (decision.allowed, decision.undetermined) != (by_trust.allowed, by_trust.undetermined):
                self.trusted_at = arn
                self.judged_at_path = decision.statement or by_trust.statement
                return decision
        return None

    def _warn_if_still_granted(
        self,
        request: Request,
        name: str,
        boundary_arn: str | None,
        policy_name: str,
        trusted: dict[str, Any],
        trust_kept: bool,
    ) -> None:
        """
        Warn by name of a grant of the EMR EC2 role ``name`` that still allows ``request`` (its trust still does).

        Any statement of the role's policies allowing ``sts:AssumeRole`` on the role (the source article's
        ``"Resource": "*"``) keeps the access. The provider's own statement is left out only in ``policy_name`` and its
        managed policies for more roles (:func:`~airflow_provider_emrfs_xacct.pure.spill.as_revoked`), which the
        revoke takes the role out of: the same statement in another policy (a grant under another ``policy_name``)
        still counts. A permissions boundary that does not allow it ends the access all the same (IAM User Guide,
        "Permissions boundaries for IAM entities": the effective permissions are where the identity policies and the
        boundary both allow).

        The request is on ``request.resource``, the role's ARN as IAM shows it; with the trust kept (not read), on
        each ARN the policies name the role by, at any path
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.resources_naming`), and on the one given: a grant of the
        role's ARN with its path does not match the ARN built from its name.

        :param trusted: how the trust policy still trusts the role (its ``still_granted`` entry), for the warning.
        :param trust_kept: ``remove_destination_trust=False``: the warning says a revoke with it would end the access.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import is_access_denied
        from airflow_provider_emrfs_xacct.pure import spill
        from airflow_provider_emrfs_xacct.pure.merge import resources_naming

        role_arn = request.resource
        otherwise = (
            ", or revoke again with remove_destination_trust=True (CLI: without --keep-destination-trust)"
            if trust_kept
            else ""
        )
        statement = json.dumps(trusted["statement"], sort_keys=True)
        trust = f"{trusted['by']} still trusts the role" + ("" if trust_kept else f" (statement {statement})")
        try:
            read_policies = self.hook.get_role_policies(name)
        except ClientError as error:
            # Read after the writes: a refusal must not fail a revoke that is done (its plan unreported).
            if not is_access_denied(error):
                raise
            self.access_not_checked.append(f"the policies of role {name}: iam:{error.operation_name} refused")
            self.log.warning(
                "The access may NOT be ended: the policies of role %s could not be read (iam:%s refused: %s), so "
                "whether another of its grants allows sts:AssumeRole on %s is not checked, and %s. Check that role's "
                "policies%s",
                name,
                error.operation_name,
                error,
                role_arn,
                trust,
                otherwise,
            )
            return
        named = resources_naming([document for _, document in read_policies], role_arn)
        policies = spill.as_revoked(read_policies, policy_name, name, {role_arn, *named})
        judged = dict.fromkeys([*named, role_arn]) if trust_kept else [role_arn]
        for resource in judged:
            decision = self._still_granted(policies, replace(request, resource=resource), boundary_arn)
            if decision is None:
                continue
            if self._not_known(decision, name, resource, trusted):
                return
            self.log.warning(
                "The access is NOT ended: %s of role %s %s sts:AssumeRole on %s (statement %s), and %s. Remove that "
                "grant%s",
                decision.source,
                name,
                _how_it_allows(decision),
                resource,
                json.dumps(decision.statement, sort_keys=True),
                trust,
                otherwise,
            )
            grant = {"by": f"{decision.source} of role {name}", "statement": decision.statement}
            self.still_granted = [{**grant, "certain": decision.allowed, "resource": resource}, trusted]
            return

    def _not_known(self, decision: Decision, name: str, resource: str, trusted: dict[str, Any]) -> bool:
        """
        Whether a grant of role ``name`` that allows (or may allow) ``sts:AssumeRole`` on ``resource`` leaves the
        access not checked rather than NOT ended, noting why in ``access_not_checked`` with a warning.

        So when the trust judges the role otherwise at a path that may be its own (``trusted_at``), or when its
        permissions boundary, or whether it has one, could not be read (``boundary_not_read``): a boundary that does
        not allow it would end the access (IAM User Guide, "Permissions boundaries for IAM entities": an entity may
        do only what both its identity-based policies and its permissions boundary allow).
        """
        grant = f"{decision.source} of role {name} allows sts:AssumeRole on {resource}"
        if self.trusted_at is not None:
            # Judged otherwise at a path that may be the role's (not known): neither ended nor known to go on.
            other = json.dumps(self.judged_at_path, sort_keys=True)
            self.access_not_checked.append(
                f"{self.path_not_read}, and {trusted['by']} judges {self.trusted_at} otherwise (statement {other})"
            )
            self.log.warning(
                "Whether the access is ended is NOT checked: %s, and %s judges %s otherwise (statement %s), which is "
                "that role if that is its path (%s). Check the role's path and that statement",
                grant,
                trusted["by"],
                self.trusted_at,
                other,
                self.path_not_read,
            )
            return True
        if self.boundary_not_read:
            self.access_not_checked.append(self.boundary_not_read)
            self.log.warning(
                "The access may NOT be ended, and whether it is is NOT checked: %s (statement %s) and %s still trusts "
                "the role, but %s, and a permissions boundary that does not allow it would end the access. Check "
                "that role's permissions boundary, or remove that grant",
                grant,
                json.dumps(decision.statement, sort_keys=True),
                trusted["by"],
                self.boundary_not_read,
            )
            return True
        return False

    def _still_granted(
        self, policies: list[tuple[str, dict[str, Any] | None]], request: Request, boundary_arn: str | None
    ) -> Decision | None:
        """
        Return the decision of ``policies`` that allows ``request`` (or may: undetermined), unless the permissions
        boundary ``boundary_arn`` does not allow it; else ``None``.

        The boundary's document refused (``iam:GetPolicy``, ``iam:GetPolicyVersion``), it may end the access or not
        (IAM User Guide, "Permissions boundaries for IAM entities": only what both allow): the decision is returned,
        and ``boundary_not_read`` names the refused read. A boundary that allows it only under a condition known at
        the request (undetermined) may let it through or not: the decision is returned undetermined, as a grant under
        such a condition is (may allow, ``certain`` false).
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import is_access_denied
        from airflow_provider_emrfs_xacct.pure.evaluator import evaluate

        decision = evaluate(policies, request)
        if not (decision.allowed or decision.undetermined):
            return None
        if boundary_arn:
            try:
                document = self.hook.get_managed_policy(boundary_arn)
            except ClientError as error:
                # Read after the writes: a refusal must not fail a revoke that is done (its plan unreported).
                if not is_access_denied(error):
                    raise
                self.boundary_not_read = f"the permissions boundary {boundary_arn}: iam:{error.operation_name} refused"
                return decision
            boundary = evaluate([("permissions boundary", document)], request)
            if document is not None and not (boundary.allowed or boundary.undetermined):
                return None  # the boundary ends it (an explicit deny there too)
            if document is not None and boundary.undetermined and decision.allowed:
                # The grant may allow, as one under a condition (IAM User Guide, "Permissions boundaries for IAM
                # entities": only what both allow).
                unknown = (
                    f"{BOUNDARY_CONDITION} {boundary_arn} allows it only under a condition not known before a request"
                )
                return replace(decision, allowed=False, reason=boundary.reason, unknown=unknown)
        return decision

    def _revoke(
        self,
        hooks: tuple[EmrfsEmrHook, EmrfsIamHook, EmrfsKmsHook],
        emr_role: tuple[str, str],
        role_arn: str,
        keys: list[str],
        configuration: str | None,
        *,
        policy_name: str,
        dry_run: bool,
    ) -> tuple[str | None, list[Change]]:
        """
        Revoke ``role_arn`` from every document (or, with ``dry_run``, only plan it); return the configuration and the changes.

        :param emr_role: ``(account, name)`` of the EMR EC2 role.
        :param policy_name: its inline policy the grant wrote (``AttachAssumeRolePolicyOperator``'s).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.plan import landing

        emr_hook, destination_iam, kms = hooks
        settings = self.converge_settings
        new_configuration = None
        changes: list[Change] = []
        deletion_checked = None  # refuse_deleting's answer before the key writes, for the deletion after them
        if not dry_run:
            self.landed_changes = changes  # grows as each write lands: what a failure part-way leaves applied
        if self.remove_destination_trust and not self.delete_destination_role:
            # First: a refusal here (in the plan, or IAM denying the write) leaves both accounts as they were.
            changes += self._revoke_trust(destination_iam, emr_role, role_arn, dry_run=dry_run)
        with explain_access_denied(self.hook):
            self.hook.role_field = "emr_ec2_role_name"
            landing(  # each write in changes as it lands: the inline policy's, then each spill policy's
                changes,
                lambda landed: self.hook.revoke_assume_role(
                    emr_role[1], [role_arn], policy_name=policy_name, settings=settings, dry_run=dry_run, landed=landed
                ),
            )
        if keys and not dry_run and not self.delete_destination_role:
            # Judged again as late as can be, from the trust as it stands after this revoke's trust write: another
            # pipeline may have added its EMR EC2 role since the plan read it, or the plan's read may not have shown
            # it yet (IAM User Guide, "Troubleshoot IAM": "Changes that I make are not always immediately visible").
            keys = self._keys_no_one_else_needs(destination_iam, emr_role, role_arn, keys, late=True)
        if keys and not dry_run and self.delete_destination_role:
            # The deletion's refusals (a pipeline trusted, an instance profile or a policy added since the plan...),
            # run again before the key writes too: one coming only at the deletion would leave the role, not deleted,
            # out of its key users (its SSE-KMS writes then fail: S3 User Guide, "Using server-side encryption with
            # AWS KMS keys").
            with explain_access_denied(destination_iam):
                deletion_checked = destination_iam.refuse_deleting(role_arn, emr_role)
        with explain_access_denied(kms):
            for key in keys:
                kms.key_field = self._key_field(key)
                changes += kms.revoke_key_users(key, [role_arn], settings=settings, dry_run=dry_run)
        if configuration is not None:
            with explain_access_denied(emr_hook):
                new_configuration, configuration_changes = self._rebuild_configuration(
                    emr_hook, configuration, role_arn, dry_run=dry_run
                )
            changes += configuration_changes
        if self.delete_destination_role:
            # Last: a deleted role would show as its unique ID in the key policies the steps above change. On the
            # refusals' answer just before the key writes, not all read a third time: the writes since (key policies,
            # the security configuration) do not touch the role; a policy or instance profile someone adds meanwhile
            # has IAM refuse DeleteRole (DeleteConflict: IAM API Reference, "DeleteRole"), named as its check names
            # it; the provider's own inline policy is read again just before its DeleteRolePolicy, which no condition
            # guards (refused if it changed: EmrfsIamHook.delete_provider_role); and so is the trust (GetRole), which
            # IAM does not guard either: another pipeline's grant that added its EMR EC2 role during the key writes
            # has the deletion refused, nothing deleted (EmrfsIamHook._refuse_trusted_since). A trust statement
            # added after that read is not seen, as after any read (IAM has no conditional delete).
            deletion = self._delete_role(destination_iam, (role_arn, emr_role), changes, deletion_checked, dry_run)
            self.destination_role_found = bool(deletion)  # [] only when GetRole found no role (refuse_deleting)
        return new_configuration, changes

    def _delete_role(
        self,
        destination_iam: EmrfsIamHook,
        roles: tuple[str, tuple[str, str]],
        changes: list[Change],
        checked: tuple[dict[str, Any], dict[str, str], list[str]] | None,
        dry_run: bool,
    ) -> list[Change]:
        """
        Delete the destination role ``roles[0]`` (of the EMR EC2 role ``roles[1]``), each write in ``changes`` as it
        lands; return its changes. A failure after its inline policies' deletions (``DeleteRole`` denied, or refused:
        IAM API Reference, "DeleteRole": the role's inline policies deleted first) says the role is kept without them.

        Its DeleteRolePolicy goes through the hook's client that sends each call once: a refusal of it names the role
        as one of the hook's own would.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.plan import landing

        start = len(changes)
        # The keys this revoke took the role out of, for a refusal of the deletion after them (its trust read again).
        keys_revoked = [change.resource.split()[2] for change in changes if change.resource.startswith("kms key ")]
        try:
            with explain_access_denied(destination_iam, destination_iam.client_sending_once):
                return landing(
                    changes,
                    lambda landed: destination_iam.delete_provider_role(
                        *roles, dry_run=dry_run, checked=checked, landed=landed, keys_revoked=keys_revoked
                    ),
                )
        except Exception as error:
            deleted = [change.resource.rsplit(" ", 1)[1] for change in changes[start:]]
            if deleted and error.args and isinstance(error.args[0], str):
                error.args = (f"{error.args[0]}. {kept_without(deleted)}", *error.args[1:])
            raise

    def _revoke_trust(
        self, destination_iam: EmrfsIamHook, emr_role: tuple[str, str], role_arn: str, *, dry_run: bool
    ) -> list[Change]:
        """
        Take the EMR EC2 role out of the destination role's trust; a refusal says how to revoke without it.

        The trust too: another ``sts:AssumeRole`` grant of the EMR EC2 role would otherwise still reach the role
        (IAM User Guide, "Cross-account policy evaluation logic"). Runs before every other step, so that each of
        its refusals (a denied ``iam:GetRole`` or ``iam:UpdateAssumeRolePolicy``, a statement IAM would refuse to
        save, one trusting a principal the provider does not write) comes before anything changed. A role of that
        name at another path than ``destination_role_arn``'s is the role named (its name alone tells it), not a
        refusal. The trust policy as read before the write is kept (``trust_before``): the provider's statement names
        the EMR EC2 role by the ARN IAM shows for it, path included (:meth:`_arn_not_read`).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError

        try:
            with explain_access_denied(destination_iam):
                changes = destination_iam.revoke_role_trust(
                    role_arn, emr_role, settings=self.converge_settings, dry_run=dry_run
                )
        except (AccessDeniedError, ConflictError) as error:
            error.args = (f"{error.args[0]}. {TRUST_NOT_REMOVED}", *error.args[1:])
            raise
        if changes and isinstance(changes[0].before, dict):
            self.trust_before = changes[0].before  # as read before the write: it names the EMR EC2 role's ARN
        return changes

    def _destination_account(self, destination_iam: EmrfsIamHook, pinned: str | None) -> str:
        """Return the account ``destination_aws_conn_id`` acts in, refusing it if ``pinned`` (the validated pin) is another."""
        return pinned_destination_account(destination_iam, self.destination_aws_conn_id, pinned, "changed")

    def _rebuild_configuration(
        self, hook: EmrfsEmrHook, name: str, role_arn: str, *, dry_run: bool
    ) -> tuple[str | None, list[Change]]:
        from airflow_provider_emrfs_xacct.pure.merge import names_role
        from airflow_provider_emrfs_xacct.pure.security_config import (
            build_security_configuration,
            read_mapping,
            requests_taken_over,
            role_mappings_of,
            routing_bypasses,
        )

        document = hook.describe_security_configuration(name)
        if document is None:
            self.log.warning("Security configuration %s not found; nothing to rebuild", name)
            return None, []
        # A mapping to the role under another spelling of its ARN goes too: its name in any case, at any path (IAM
        # names are unique in an account without regard to case, and a role's ARN holds its path: same_role).
        mappings = role_mappings_of(document)
        removed = {
            index for index, mapping in enumerate(mappings) if names_role([read_mapping(mapping).role], [role_arn])
        }
        if not removed:
            return name, []
        kept = [mapping for index, mapping in enumerate(mappings) if index not in removed]
        self.taken_over = (name, requests_taken_over(mappings, removed))
        emrfs = dict(document.get("AuthorizationConfiguration", {}).get("EmrFsConfiguration", {}))
        emrfs.pop("RoleMappings", None)
        authorization = {**document.get("AuthorizationConfiguration", {}), "EmrFsConfiguration": emrfs}
        if kept:
            # As EMR holds it: it accepted its shape already, and a section that takes writes from the mappings
            # (runtime roles, Lake Formation, Ranger) was there before; removing one partner's mappings adds none.
            rebuilt = build_security_configuration(
                kept,
                {**document, "AuthorizationConfiguration": authorization},
                check_shape=False,
                refuse_bypasses=False,
            )
            for bypass in routing_bypasses(rebuilt):
                if bypass.documented:
                    self.log.warning(
                        "Security configuration %s keeps %s beside the other partners' role mappings: %s",
                        name,
                        bypass.field,
                        bypass.problem,
                    )
        else:
            # The other sections (encryption, IMDS, Kerberos ...) stand on their own, and the next
            # clusters still need them (CloudFormation User Guide, "AWS::EMR::SecurityConfiguration").
            if not emrfs:
                del authorization["EmrFsConfiguration"]
            rebuilt = {key: value for key, value in document.items() if key != "AuthorizationConfiguration"}
            if authorization:
                rebuilt["AuthorizationConfiguration"] = authorization
            if not rebuilt:
                self.log.info(
                    "No role mapping is left without %s: clusters need no security configuration for it", role_arn
                )
                return None, []
        return self._ensure_rebuilt(hook, name, document, rebuilt, dry_run=dry_run)

    def _ensure_rebuilt(
        self, hook: EmrfsEmrHook, name: str, document: dict[str, Any], rebuilt: dict[str, Any], *, dry_run: bool
    ) -> tuple[str, list[Change]]:
        """
        Create the rebuilt configuration (under the name of its content), without the ``ExternalId`` EMR gave ``name``.

        EMR generates an ``ExternalId`` for each configuration with runtime roles (Amazon EMR Management Guide, "Runtime
        roles for Amazon EMR steps"), and keeps it in the document ``DescribeSecurityConfiguration`` answers: the old
        one's is not sent (nor hashed into the name), so a rerun finds the same configuration and changes nothing. The
        new configuration gets an ``ExternalId`` of its own, so runtime roles whose trust policies require the old one
        (an ``sts:ExternalId`` condition) are no longer assumable on its clusters: a warning names both.

        The warning goes by the switch as :func:`~.security_config.runtime_roles_on` reads it, the rebuilt document
        carrying it unchanged: on (``true``, ``"TRUE"``) it says the configuration has runtime roles; a value it cannot
        read (``1``, ``"yes"``), not documented either way, that it may. Not by the old document's ``ExternalId``: where
        EMR keeps it is not proven by AWS's pages (docs/limits.md), so an ``ExternalId`` not found there would hide
        the warning, while the switch covers every configuration EMR may give one.
        """
        from airflow_provider_emrfs_xacct.pure.security_config import (
            generated_external_id,
            runtime_roles_on,
            runtime_roles_switch,
            security_configuration_name,
            without_generated_fields,
        )

        rebuilt = without_generated_fields(rebuilt)
        new_name = security_configuration_name(str(self.name_prefix), rebuilt)
        self._warn_keys_kept(name, new_name, rebuilt)
        changes = hook.ensure_security_configuration(new_name, rebuilt, dry_run=dry_run)
        runtime_roles = runtime_roles_on(rebuilt)
        if changes and runtime_roles is not False:
            current = None if dry_run else generated_external_id(hook.describe_security_configuration(new_name))
            self.log.warning(
                "Security configuration %s, rebuilt from %s, %s: EMR "
                "gives it an ExternalId of its own (%s), not %s's (%s). Update the trust policy of every runtime role "
                "whose sts:ExternalId condition names %s's to name %s's (aws emr describe-security-configuration --name "
                "%s: AuthorizationConfiguration.IAMConfiguration.ApplicationScopedIAMRoleConfiguration.ExternalId) "
                "before steps run with them on clusters launched with it",
                new_name,
                name,
                "has runtime roles (EnableApplicationScopedIAMRole)"
                if runtime_roles
                else f"may have runtime roles (EnableApplicationScopedIAMRole is {runtime_roles_switch(rebuilt)!r}, "
                "which AWS does not document: if EMR reads it as on)",
                current if current is not None else "known once it is created" if dry_run else "none read",
                name,
                generated_external_id(document) or "none read",
                name,
                new_name,
                new_name,
            )
        return new_name, changes

    def _warn_keys_kept(self, name: str, new_name: str, rebuilt: dict[str, Any]) -> None:
        """
        Log each at-rest ``AwsKmsKey`` of the rebuilt document that is not a KMS ARN (a key id, an alias name), kept
        as EMR holds it in ``name``, not refused: EMR already holds that content, and refusing would block taking the
        access away. The EMR guide documents the ARN form ("an AWS KMS customer master key (CMK) ARN must be specified
        as the AwsKmsKey value", Amazon EMR Management Guide, "Create a security configuration"), so a warning names
        the field: a create from this document elsewhere (plan/apply, a launch) refuses it.
        """
        from airflow_provider_emrfs_xacct.pure.security_config import keys_not_kms_arns

        for problem in keys_not_kms_arns(rebuilt, "SecurityConfiguration"):
            self.log.warning(
                "Security configuration %s, rebuilt from %s: %s is kept as EMR holds it (it %s). Give the key's ARN "
                "in the configuration the partner's next clusters use",
                new_name,
                name,
                problem.field,
                problem.problem.split(": ", 1)[0],
            )


#: ``DeleteUnusedSecurityConfigsOperator``'s default ``min_age_seconds``: two days, above a daily pipeline's interval
#: between launches (a launch late by up to a day still finds the configuration its last run used).
DEFAULT_MIN_AGE_SECONDS = 2 * 24 * 60 * 60


class DeleteUnusedSecurityConfigsOperator(EmrfsXacctBaseOperator["EmrfsEmrHook"]):
    """
    Delete security configurations this provider created that no active or recent cluster uses.

    Only names of the form ``<name_prefix>-<12 hex digits>`` (what :class:`CreateEmrfsSecurityConfigOperator`
    makes) whose content hashes to that name are considered (one made by hand under such a name is kept).
    Kept: one used by a cluster not terminated (starting, bootstrapping, running, waiting or terminating); one
    used by a cluster created within ``min_age_seconds``, in any state; one created within ``min_age_seconds``.
    The clusters are listed without a state filter, as a filtered list may miss one changing state (see
    :meth:`~airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook.list_cluster_summaries`), and listed again just
    before the deletes; a configuration EMR refuses to delete (in use by a cluster launched since) is kept.
    A run that has ensured its configuration but not launched yet leaves no trace in AWS (names come
    from content, so later runs reuse an old one): its launch creates the configuration again from
    the create task's document (:class:`~airflow_provider_emrfs_xacct.operators.emr.LaunchClusterWithSecConfigOperator`
    given the create task's ``.output`` or ``security_configuration_document``); a launch given only a
    name fails naming this operator (clear its create task). Set ``min_age_seconds`` above the longest
    interval between a pipeline's launches.

    :param name_prefix: the prefix given to CreateEmrfsSecurityConfigOperator (1-243 characters, as it
        accepts). (templated)
    :param min_age_seconds: keep configurations created, or used by a cluster created, within this; a number of
        seconds, or its rendered text: above the longest interval between a pipeline's launches. (templated,
        default: two days, :data:`DEFAULT_MIN_AGE_SECONDS`, for a daily pipeline)
    :param dry_run: only log what would be deleted. (templated, default: False)
    :param expected_account_id: the EMR account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the names deleted (or, in a dry run, that would be).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    template_fields: Sequence[str] = aws_template_fields("name_prefix", "min_age_seconds", *SAFETY_TEMPLATE_FIELDS)
    ui_color = "#f5d4d4"

    def __init__(
        self, *, name_prefix: str, min_age_seconds: float | str = DEFAULT_MIN_AGE_SECONDS, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.name_prefix = name_prefix
        self.min_age_seconds = min_age_seconds

    def execute(self, context: Context) -> list[str]:
        import re
        from datetime import datetime, timedelta, timezone

        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.plan import DELETE, Change
        from airflow_provider_emrfs_xacct.pure.security_config import (
            HASH_LENGTH,
            validate_security_configuration_name_prefix,
        )
        from airflow_provider_emrfs_xacct.pure.validation import validate_positive_number

        self.validate_safety()
        # The prefix CreateEmrfsSecurityConfigOperator accepts: every name it made can be cleaned up.
        prefix = validate_security_configuration_name_prefix(self.name_prefix, "name_prefix")
        min_age = timedelta(seconds=validate_positive_number(self.min_age_seconds, "min_age_seconds"))
        if self.expected_account_id is not None:
            with explain_access_denied(self.hook):
                self.connection_account(self.hook)
        ours = re.compile(rf"^{re.escape(prefix)}-[0-9a-f]{{{HASH_LENGTH}}}$")
        now = datetime.now(timezone.utc)
        deleted: list[str] = []
        changes: list[Change] = []
        with explain_access_denied(self.hook):
            candidates = [item for item in self.hook.list_security_configurations() if ours.match(item["Name"])]
            in_use = self.hook.security_configurations_in_use(created_after=now - min_age)
            unused = self._unused(candidates, in_use, now - min_age)
            if unused:
                # Read once more just before the deletes: a cluster launched since the first read keeps its own.
                described = {cluster for clusters in in_use.values() for cluster in clusters}
                since = self.hook.security_configurations_in_use(skip=described)
                unused = [name for name in unused if not self._kept_as_in_use(name, since)]
            for name in unused:
                changes.append(Change(DELETE, f"emr security configuration {name}", {"Name": name}, None))
                if not self.dry_run and not self.hook.delete_security_configuration(name):
                    # EMR refuses the delete of a configuration clusters still use (see the hook): one launched
                    # between the last read of the clusters and this delete.
                    self.log.info("Keeping %s: EMR refused to delete it (in use by a cluster launched since)", name)
                    changes.pop()
                    continue
                if not self.dry_run:  # said now: a task killed before its report still tells what it deleted
                    self.log.info("Deleted %s", name)
                deleted.append(name)
        self.report(context, changes)
        return deleted

    def _kept_as_in_use(self, name: str, in_use: dict[str, list[str]]) -> bool:
        """Whether ``name`` is used by a cluster of ``in_use`` (logged when it is)."""
        if name in in_use:
            self.log.info("Keeping %s: used by active or recent cluster %s", name, ", ".join(in_use[name]))
            return True
        return False

    def _unused(self, candidates: list[dict[str, Any]], in_use: dict[str, list[str]], young: datetime) -> list[str]:
        """The candidates no cluster of ``in_use`` uses, created by ``young``, whose content hashes to their name."""
        from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
        from airflow_provider_emrfs_xacct.pure.security_config import names_content

        unused: list[str] = []
        for item in candidates:
            name = item["Name"]
            if self._kept_as_in_use(name, in_use):
                continue
            if item["CreationDateTime"] > young:
                self.log.info("Keeping %s: younger than min_age_seconds", name)
                continue
            try:
                document = self.hook.describe_security_configuration(name)
            except ConflictError:
                document = None  # its JSON gives a name twice: not a text the provider sends
            if not names_content(name, document):
                self.log.warning(
                    "Keeping %s: its content does not hash to its name; this provider did not make it", name
                )
                continue
            unused.append(name)
        return unused


def _sessions_may_last_until(access_ended: bool | None) -> str | None:
    """
    The time, ISO-8601 UTC, until which sessions of the role assumed before the access ended may last; ``None``
    unless the check found it ended (``False``: EMRFS assumes the role again; ``None``: not known).

    Taken after the revoke's check, itself after every write: a session assumed before the access ended, by this try
    or an earlier run or try, was assumed before the check, and expires within :data:`CHAINED_SESSION_SECONDS` (IAM
    User Guide, "Disabling permissions for temporary security credentials": temporary credentials "are valid until
    they expire"). Rounded up to the second; a rerun's is later than needed, never too early. IAM's minutes to apply
    the change ("It might take a few minutes for policy updates to take effect", the same page) are not in it.
    """
    from datetime import datetime, timedelta, timezone

    if access_ended is not True:
        return None
    checked = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)  # rounded up
    return (checked + timedelta(seconds=CHAINED_SESSION_SECONDS)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open_sessions_warning(role_arn: str, *, planned: bool = False) -> str:
    """
    The WARNING of a revoke that keeps the role: sessions assumed before it keep the role's permissions until they end.

    A revoke ends new ``AssumeRole`` calls (the trust, the EMR EC2 role's grant), not the sessions already issued:
    temporary credentials "are valid through the expiration period and cannot be revoked", while "the permissions
    assigned to temporary security credentials are evaluated each time a request is made" (IAM User Guide,
    "Permissions for temporary security credentials"), and the role's permissions policy stays. EMRFS's session is
    chained from the instance profile's, so it lasts one hour at most (AWS STS API Reference, AssumeRole,
    ``DurationSeconds``). IAM's way to end them is a policy denying sessions issued before a time (IAM User Guide,
    "Revoke IAM role temporary security credentials").
    """
    when = "Once this revoke is applied, sessions" if planned else "Sessions"
    return (
        f"{when} of role {role_arn} assumed before it keep the role's permissions until they "
        "expire (temporary credentials cannot be revoked, and the role's permissions policy stays): EMRFS's, on "
        "clusters already running, for up to one hour. To end them now, terminate those clusters, or revoke the "
        "role's active sessions (IAM console, or a policy denying aws:TokenIssueTime before now: IAM User Guide, "
        '"Revoke IAM role temporary security credentials"; it cuts every user of the role), or delete the role '
        "(delete_destination_role=True; CLI: --delete-role)"
    )


def _aws_principals_in(policies: list[dict[str, Any]], elements: tuple[str, ...]) -> list[str]:
    """The ``AWS`` principals that ``policies``' statements name in ``elements`` (``Principal``, ``NotPrincipal``)."""
    from airflow_provider_emrfs_xacct.pure.merge import as_list, aws_principals

    return [
        value
        for policy in policies
        for statement in as_list(policy.get("Statement"))
        if isinstance(statement, dict)
        for element in elements
        for value in aws_principals(statement, element)
    ]
