"""
IAM managed policies: reading them, and the provider's spill policies.

A spill policy is one of the provider's managed policies ``<policy_name>-<role_name>-<n>``, attached to one
EMR EC2 role alone, that holds the ``sts:AssumeRole`` grants no longer fitting the role's inline policies
(see :mod:`~airflow_provider_emrfs_xacct.pure.spill`). :class:`EmrfsIamHook` places the grants; this
module creates, changes, attaches and deletes those policies.
"""

from __future__ import annotations

import copy
import logging
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import unquote

from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook
from botocore.exceptions import BotoCoreError, ClientError
from botocore.handlers import json_decode_policies

from airflow_provider_emrfs_xacct.hooks.errors import (
    error_code,
    error_message,
    is_concurrent_write,
    retry_concurrent_writes,
    send_again_while,
    unless_gone,
)
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsHookMixin
from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.converge import (
    ConvergeSettings,
    consistency_waits,
    guard_writes,
    lift_deadline,
    read_modify_write,
)
from airflow_provider_emrfs_xacct.pure.exceptions import (
    ConflictError,
    EmrfsXacctError,
    NotConvergedError,
    PreconditionError,
)
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    parse_document,
    policy_size,
    policy_text,
    policy_text_within,
    same_meaning,
    stored_policy_length,
    written_text,
)
from airflow_provider_emrfs_xacct.pure.plan import CREATE, Change
from airflow_provider_emrfs_xacct.pure.quotas import (
    CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT,
    MANAGED_POLICIES_PER_ROLE,
    MANAGED_POLICY_CHARS,
    POLICY_VERSIONS,
    QuotaRefusedByAwsError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from botocore.config import Config
    from mypy_boto3_iam import IAMClient  # noqa: F401 (the hook's client type, named as a string below)
    from mypy_boto3_iam.type_defs import TagTypeDef

log = logging.getLogger(__name__)
#: Tag put on every role the provider creates (revoke deletes only roles carrying it).
MANAGED_BY_TAG: TagTypeDef = {"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"}
#: The waits before reading a managed policy's default version again when the version named is not found.
MANAGED_VERSION_REREAD_WAITS = (0.0, 0.5, 1.0, 2.0)


def is_not_visible_yet(error: BaseException, policy_arn: str) -> bool:
    """
    Whether IAM refused an attach for not seeing the managed policy ``policy_arn`` (yet), not the role.

    IAM documents only that ``NoSuchEntity``'s "error message describes the resource" (IAM API Reference,
    "AttachRolePolicy"); the wording is as observed, not documented: "Policy <ARN> does not exist or is not
    attachable." for the policy, "The role with name <name> cannot be found." for the role. Worded otherwise, without
    the policy's ARN, the attach fails at once and the policy just created is deleted: no wait, no harm.
    """
    return isinstance(error, ClientError) and error_code(error) == "NoSuchEntity" and policy_arn in error_message(error)


def is_not_found(error: BaseException) -> bool:
    """Whether IAM answered ``NoSuchEntity``: not there, or not visible yet (IAM's eventual consistency)."""
    return isinstance(error, ClientError) and error_code(error) == "NoSuchEntity"


def say_left(error: BaseException, left: Sequence[str]) -> None:
    """End ``error``'s message with the policies its clean-up left (:meth:`ManagedPolicyBaseHook.delete_created_spill_policy`)."""
    if left and error.args and isinstance(error.args[0], str):
        error.args = (f"{error.args[0]}. Left by this run: {'; '.join(left)}", *error.args[1:])


def is_lingering_subordinate(error: Exception) -> bool:
    """
    Return whether IAM refused a delete for a policy, attachment or version that may be one just removed.

    ``DeleteRole`` and ``DeletePolicy`` answer ``DeleteConflict`` ("attempted to delete a resource that has
    attached subordinate entities", IAM API Reference, "DeleteRole", "DeletePolicy") while IAM still sees
    what a ``DeleteRolePolicy``, ``DetachRolePolicy`` or ``DeletePolicyVersion`` removed a moment before (IAM
    User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible";
    hashicorp/terraform-provider-aws sends ``DeleteRole`` again while it answers this). The deletes are sent
    only once the provider has checked that nothing else holds the role or policy, so the error is waited
    out for a bounded time, then raised as IAM said it. Another request changing it (:func:`is_concurrent_write`) too.
    """
    return is_concurrent_write(error) or (isinstance(error, ClientError) and error_code(error) == "DeleteConflict")


def iam_document(answer: Any, what: str, kind: str = "policy") -> dict[str, Any] | None:
    """
    Return a policy document of an IAM answer, parsed from the text IAM sent.

    IAM answers a document as URL-encoded JSON text (IAM API Reference, "GetRolePolicy", "GetPolicyVersion":
    "Policies returned by this operation are URL-encoded compliant with RFC 3986"; the ``Role`` data type's
    ``AssumeRolePolicyDocument`` likewise). botocore's ``json_decode_policies`` handler (``after-call.iam``,
    ``botocore/handlers.py``) would decode it with a plain ``json.loads``, which keeps the last of a name given
    twice in one JSON object (two ``StringEquals`` in one ``Condition``, say): a document written back would lose
    the other without anyone seeing it. The provider's IAM clients go without that handler
    (:meth:`ManagedPolicyBaseHook.get_client_type`); the text is URL-decoded as botocore does
    (``urllib.parse.unquote``) and parsed by :func:`~.merge.parse_document`, which refuses such a name with a
    ``ConflictError`` naming ``what``, as for KMS and S3 texts. A dict (decoded by another client) is taken as it is.

    :param what: names the document in the refusal ("the trust policy of role dest", …).
    :param kind: a key of :data:`~.merge.REPEATED_NAME_ADVICE`: what the refusal advises.
    """
    return parse_document(unquote(answer) if isinstance(answer, str) else answer, what, kind)


def iam_text(answer: Any) -> str:
    """
    Return the text of a policy document as IAM holds it: an IAM answer's URL-encoded text, URL-decoded (see
    :func:`iam_document`); a dict (decoded by another client) as the provider would send it.

    What IAM counts against its size quotas for a policy the provider does not write
    (:func:`~.merge.stored_policy_length`).
    """
    return unquote(answer) if isinstance(answer, str) else policy_text(answer)


class NoRoomError(Exception):
    """The document chosen for new grants filled up (a concurrent writer) since it was read."""


class SlotTakenError(NoRoomError):
    """
    IAM refused an attach at the role's managed-policy quota, the last slot taken since the role's policies were
    listed by a spill policy of the same role with room for the grants (a concurrent grant's): place them again.
    """


def adding_roles(role_arns: list[str], room: int, what: str) -> Any:
    """
    Return a ``desire`` adding ``role_arns`` to the provider's assume-role statement, within ``room`` characters.

    The room is judged only when there is something to write: a document that holds every role already (a concurrent
    grant's, or this grant's own write read back) stays as IAM holds it, whatever its length, since IAM took it (IAM
    User Guide, "IAM and AWS STS quotas": "Managed policy size", 6,144 characters, "IAM doesn't count white space").
    A document to write is measured at its shortest text (:func:`~.merge.policy_size`), and the write sends no more
    than that room (:func:`~.merge.written_text` with ``room``).
    """

    def desire(current: dict[str, Any] | None) -> dict[str, Any]:
        desired = spill.with_roles(current, role_arns)
        if current is not None and same_meaning(current, desired):
            return current
        if policy_size(desired) > room:
            raise NoRoomError(what)
        return desired

    return desire


class ManagedPolicyBaseHook(EmrfsHookMixin, AwsGenericHook["IAMClient"]):
    """
    Read IAM managed policies, and keep the provider's spill policies; the base of :class:`EmrfsIamHook`.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsGenericHook`
    """

    def get_client_type(
        self, region_name: str | None = None, config: Config | None = None, deferrable: bool = False
    ) -> Any:
        """
        An IAM client that answers policy documents as the text IAM sent (URL-encoded JSON), not decoded.

        botocore registers ``json_decode_policies`` on ``after-call.iam`` for every IAM client
        (``botocore/handlers.py``, ``BUILTIN_HANDLERS``); each client has its own copy of the session's event
        handlers, so unregistering it here leaves every other client as it was. The hook reads documents with
        :func:`iam_document`, which refuses a name given twice in one JSON object instead of keeping one.
        """
        client: Any = super().get_client_type(region_name=region_name, config=config, deferrable=deferrable)
        client.meta.events.unregister("after-call.iam", json_decode_policies)
        return client

    def _every(self, operation: str, key: str, **arguments: Any) -> list[Any]:
        """
        Return the items under ``key`` of every page of an IAM list call.

        IAM may cut any page short: "IAM might return fewer than the MaxItems number of results even when
        there are more results available. We recommend that you check IsTruncated after every call" (IAM
        API Reference, ``IsTruncated`` of e.g. "ListRolePolicies", "ListPolicyVersions", "ListPolicyTags").
        """
        paginator = cast("Any", self.conn).get_paginator(operation)
        return [item for page in paginator.paginate(**arguments) for item in page[key]]

    def _policy_versions(self, policy_arn: str) -> list[Any]:
        """Return every version of a managed policy (``ListPolicyVersions``, all pages)."""
        return self._every("list_policy_versions", "Versions", PolicyArn=policy_arn)

    def get_managed_policy(self, policy_arn: str, *, reread_waits: Sequence[float] = ()) -> dict[str, Any] | None:
        """
        Return the default version's document of a managed policy.

        A version's document never changes: a change to a managed policy is a new version, and a deleted
        version's identifier is not used again (IAM User Guide, "Versioning IAM policies": "the changed policy
        doesn't overwrite the existing policy. Instead, IAM creates a new version"; "When you delete a
        version, the version identifiers for the remaining versions do not change"). So a version read once
        is kept by the policy's unique ID (a policy deleted and made again under the same ARN has another)
        and its identifier, and a read again of the same default version sends ``GetPolicy`` alone: a write
        based on it then follows one request, not two (docs/scale.md, "Deadlines at real round trips").

        :param reread_waits: the waits before reading ``GetPolicy`` and ``GetPolicyVersion`` again when the
            version ``GetPolicy`` named is not found (see :meth:`read_managed_policy`); none: raise at once.
        """
        for attempt in range(len(reread_waits) + 1):
            policy = self.conn.get_policy(PolicyArn=policy_arn)["Policy"]
            self._attachment_counts[policy_arn] = policy.get("AttachmentCount")
            self._last_written[policy_arn] = policy.get("UpdateDate") or policy.get("CreateDate")
            version = policy["DefaultVersionId"]
            known = self._version_documents.get((policy.get("PolicyId"), version))
            if known is not None:
                return copy.deepcopy(known)
            try:
                answer = self.conn.get_policy_version(PolicyArn=policy_arn, VersionId=version)
            except ClientError as error:
                if error_code(error) != "NoSuchEntity" or attempt == len(reread_waits):
                    raise
                self.log.info("%s: default version %s not found; reading the policy again", policy_arn, version)
                time.sleep(reread_waits[attempt])
                continue
            document = iam_document(
                answer["PolicyVersion"]["Document"],
                f"managed policy {policy_arn} (version {version})",
                "managed policy",
            )
            if policy.get("PolicyId") and document is not None:
                self._version_documents[(policy["PolicyId"], version)] = copy.deepcopy(document)
            return document
        raise AssertionError("unreachable")

    @cached_property
    def _version_documents(self) -> dict[tuple[str | None, str], dict[str, Any]]:
        """The documents of the policy versions this hook has read, by policy ID and version (see :meth:`get_managed_policy`)."""
        return {}

    @cached_property
    def _attachment_counts(self) -> dict[str, int | None]:
        """
        Each managed policy's ``AttachmentCount`` as :meth:`get_managed_policy`'s last ``GetPolicy`` answered it.

        IAM API Reference, "Policy" data type: "The number of entities (users, groups, and roles) that the policy is
        attached to". ``None``: the answer did not say.
        """
        return {}

    @cached_property
    def _last_written(self) -> dict[str, datetime | None]:
        """
        Each managed policy's ``UpdateDate`` (else ``CreateDate``) as :meth:`get_managed_policy`'s last ``GetPolicy``
        answered it: "when the policy was last updated", the creation of its latest version (IAM API Reference,
        "Policy" data type). ``None``: the answer did not say.
        """
        return {}

    @cached_property
    def _attachments_listed(self) -> dict[str, set[str]]:
        """
        Per role (its name lower-cased), the managed policies attached to it as the grant's plan listed them, and those
        the grant attached since (:meth:`remember_attachments`, :meth:`_attach_spill_policy`).
        """
        return {}

    def remember_attachments(self, role_name: str, policy_arns: Iterable[str]) -> None:
        """Note the managed policies a plan found attached to the role: a refused attach compares with them."""
        self._attachments_listed[role_name.lower()] = set(policy_arns)

    def read_managed_policy(self, policy_arn: str) -> dict[str, Any] | None:
        """
        Return a managed policy's default document, ``None`` if the policy does not exist.

        ``GetPolicy`` names the default version and ``GetPolicyVersion`` reads it: between the two,
        another writer may make a new default and delete the one named (IAM API Reference,
        "DeletePolicyVersion": any version but the default), or the version read may come from a copy
        that has not seen it yet (IAM User Guide, "Changes that I make are not always immediately
        visible"). Either way the policy exists, so its version's ``NoSuchEntity`` is never read as
        "no policy" (a revoke would then skip a policy that still grants): the pair is read again, a
        few times, and the error raised if it persists.
        """
        try:
            return self.get_managed_policy(policy_arn, reread_waits=MANAGED_VERSION_REREAD_WAITS)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity" and error.operation_name == "GetPolicy":
                return None
            raise

    def _ensure_spill_policy(
        self,
        role_name: str,
        name: str,
        policy_arn: str,
        arns: list[str],
        settings: ConvergeSettings,
        dry_run: bool,
    ) -> list[Change]:
        """
        Add roles to one of the role's attached managed policies of the provider's, attaching it again if missing.

        New spill policies are created and attached before this (``EmrfsIamHook._add_spill_policies``).

        Also attached when found attached but created again: a concurrent revoke that emptied it may
        have deleted it (with this write in it) since the plan read it. And when the read that confirmed the
        grants held shows it attached to nothing: a revoke that emptied it as the plan read it has detached it
        and is about to delete it (:meth:`_delete_prepared_spill_policy`, whatever the time after the detach),
        or was killed in between. The grant would report success and be gone with the policy; attached again
        (``AttachRolePolicy`` is idempotent), that revoke's ``DeletePolicy`` answers ``DeleteConflict`` ("you
        must first detach the policy from all users, groups, and roles", IAM API Reference, "DeletePolicy"),
        and it reads again and keeps the policy. The policy is read back again after the settle wait: one
        deleted before the attach is created and attached again.
        """
        what = f"managed policy {name}"
        changes: list[Change] = []
        attach = Change(CREATE, f"iam role {role_name} attached policy {name}", None, {"PolicyArn": policy_arn})
        adding = adding_roles(arns, MAX_MANAGED_POLICY_CHARS, what)
        last_read: list[dict[str, Any] | None] = [None]

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            last_read[0] = current  # the read the grant is found held in, at the end
            return adding(current)

        created: list[bool] = []
        for _round in range(settings.max_attempts):
            created.clear()
            changes += self._converge_spill_policy(
                role_name,
                policy_arn,
                name,
                desire,
                settings,
                dry_run,
                on_create=lambda: created.append(True),
            )
            if created:
                if attach not in changes:
                    changes.append(attach)
                if not dry_run:
                    self._attach_recreated_spill_policy(role_name, name, policy_arn, arns, settings)
                return changes
            if dry_run or self._read_back_attached(policy_arn, role_name):
                return changes
            self._attach_detached_spill_policy(
                role_name, name, policy_arn, sorted(spill.held(last_read[0]) - set(arns)), arns, settings
            )
            if attach not in changes:
                changes.append(attach)
            time.sleep(settings.settle_seconds)  # then read back again: a revoke's DeletePolicy sent before the attach
        raise NotConvergedError(
            f"{what} kept being detached from role {role_name} after this grant wrote into it (concurrent revokes "
            "deleting it); retry the task, or serialise the writers with an Airflow pool"
        )

    def _attach_recreated_spill_policy(
        self, role_name: str, name: str, policy_arn: str, arns: list[str], settings: ConvergeSettings
    ) -> None:
        """
        Attach a spill policy created again after a concurrent revoke deleted it (:meth:`_ensure_spill_policy`).

        Its attach failed (IAM not showing it after the wait, denied, no answer), it is deleted again before the error
        is raised, as a new one is (``EmrfsIamHook._add_spill_policies``): left, it would hold the grant attached to
        nothing, and a later grant would take it for an in-flight one's. Refused at the role's quota, the attach has
        deleted it itself, and struck it from ``unattached`` (:meth:`_attach_spill_policy`).
        """
        unattached = [policy_arn]
        try:
            self._attach_spill_policy(role_name, name, policy_arn, unattached=unattached, arns=arns, settings=settings)
        except (EmrfsXacctError, NoRoomError, ClientError, BotoCoreError) as error:
            say_left(error, self.delete_created_spill_policies(unattached, settings))
            raise

    def delete_created_spill_policies(self, policy_arns: list[str], settings: ConvergeSettings) -> list[str]:
        """Delete each of ``policy_arns`` (:meth:`delete_created_spill_policy`); what is kept and why."""
        return [note for arn in policy_arns if (note := self.delete_created_spill_policy(arn, settings))]

    def delete_created_spill_policy(self, policy_arn: str, settings: ConvergeSettings) -> str | None:
        """
        Delete a spill policy this run created and did not attach, a later write having failed; ``None`` once deleted,
        else what is kept and why (told with the failure, which is raised, not the delete's).

        The lag after ``CreatePolicy`` that can make the attach answer ``NoSuchEntity`` can make the delete answer it
        too (IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible"): not
        taken for "deleted already", the delete (with its ``ListPolicyVersions`` and ``DeletePolicyVersion``) is sent
        again after the attach's waits (:func:`~.converge.consistency_waits`); still ``NoSuchEntity`` after them, the
        policy may be left: a warning names it and how to delete it. ``DeletePolicy`` refuses a policy attached to
        something or holding other versions (IAM API Reference, "DeletePolicy": ``DeleteConflict``): one a concurrent
        grant of the same roles took meanwhile (``EmrfsIamHook._free_spill_name``) is kept. A delete denied, or left
        unanswered after botocore's retries (Boto3 guide, "Retries": ``EndpointConnectionError``, ``ReadTimeoutError``),
        keeps it too, named with how to delete it: the failure that called for the clean-up is raised, not the delete's.
        """
        try:
            send_again_while(
                is_not_found, self._delete_policy_and_versions, waits=consistency_waits(settings), policy_arn=policy_arn
            )
        except (ClientError, BotoCoreError) as error:
            return self._say_created_kept(policy_arn, error, settings)
        log.info("iam managed policy %s: deleted (created for this refused grant, never attached)", policy_arn)
        return None

    def _delete_policy_and_versions(self, policy_arn: str) -> None:
        """Delete a managed policy's versions but the default one, then the policy (IAM API Reference, "DeletePolicy")."""
        for version in self._policy_versions(policy_arn):
            if not version["IsDefaultVersion"]:
                self.conn.delete_policy_version(PolicyArn=policy_arn, VersionId=version["VersionId"])
        self.conn.delete_policy(PolicyArn=policy_arn)

    def _say_created_kept(self, policy_arn: str, error: ClientError | BotoCoreError, settings: ConvergeSettings) -> str:
        """What :meth:`delete_created_spill_policy` kept and why, a warning too when IAM did not show the policy."""
        if not isinstance(error, ClientError):  # no answer: it may or may not have been deleted
            return (
                f"managed policy {policy_arn}, created by this run, kept (deleting it failed: {error}); if it exists, "
                f"delete it: aws iam delete-policy --policy-arn {policy_arn}"
            )
        if is_not_found(error):
            how = f"if it exists, delete it: aws iam delete-policy --policy-arn {policy_arn}"
            log.warning(
                "Managed policy %s, created by this run and not attached, may be left: IAM still did not show it to "
                "its delete after %g s (NoSuchEntity, IAM's eventual consistency after CreatePolicy). It grants "
                "nothing, but a later grant may take it for an in-flight one's; %s",
                policy_arn,
                settings.consistency_wait_seconds,
                how,
            )
            return (
                f"managed policy {policy_arn}, created by this run and not attached, may be left (IAM did not show it "
                f"to DeletePolicy after {settings.consistency_wait_seconds:g} s); {how}"
            )
        if error_code(error) == "DeleteConflict":
            why = "another run has written into or attached it since"
            return f"managed policy {policy_arn}, created by this run, kept ({why}: DeleteConflict)"
        return (
            f"managed policy {policy_arn}, created by this run, kept (deleting it failed: {error_code(error)}; not "
            f"attached by this run, so granting nothing); delete it: aws iam delete-policy --policy-arn {policy_arn}"
        )

    def _read_back_attached(self, policy_arn: str, role_name: str) -> bool:
        """
        Return whether the spill policy is attached, as the read that confirmed the write (its ``GetPolicy``) shows.

        ``AttachmentCount`` of that answer (:attr:`_attachment_counts`): a spill policy is written only when found
        attached to nothing or to ``role_name`` alone (:meth:`refuse_foreign_spill_policy`), so a count above zero
        is this role's attachment, and zero is none. No request of its own; only an answer without the count
        sends ``ListAttachedRolePolicies`` (all pages).
        """
        count = self._attachment_counts.get(policy_arn)
        if count is not None:
            return int(count) > 0
        return any(
            item["PolicyArn"] == policy_arn
            for item in self._every("list_attached_role_policies", "AttachedPolicies", RoleName=role_name)
        )

    def _attach_detached_spill_policy(
        self, role_name: str, name: str, policy_arn: str, others: list[str], arns: list[str], settings: ConvergeSettings
    ) -> None:
        """
        Attach again a spill policy this grant wrote into that its read-back found detached (:meth:`_ensure_spill_policy`).

        A warning says so, naming the other roles it grants (``others``, as that read-back showed): the revoke that
        detached it was removing one of them, and if that revoke was killed after its detach, they are in force
        again until it is run again.
        """
        self.log.warning(
            "Managed policy %s was found detached from role %s after this grant wrote into it (a revoke emptying "
            "it, deleting it or killed after its detach); attaching it again so that the grant holds. It also "
            "grants %s: if a revoke of one of them failed, run it again",
            name,
            role_name,
            ", ".join(others) or "nothing else",
        )
        try:
            self._attach_spill_policy(role_name, name, policy_arn, unattached=[], arns=arns, settings=settings)
        except ClientError as error:
            if error_code(error) != "NoSuchEntity":  # deleted since the read-back: the next round creates it again
                raise

    def _attach_spill_policy(
        self,
        role_name: str,
        name: str,
        policy_arn: str,
        *,
        unattached: list[str],
        arns: list[str],
        settings: ConvergeSettings,
    ) -> None:
        """
        Attach one of the provider's managed policies to the role; at IAM's quota, place again or refuse.

        IAM refuses an attach past the role's quota in force with ``LimitExceeded``, changing nothing (IAM API
        Reference, "AttachRolePolicy": "attempted to create resources beyond the current AWS account limits"). A policy
        this call has just created (in ``unattached``) is then deleted again, so that no grant is left in a policy
        attached to nothing, and struck from ``unattached`` before anything else is sent: the read of what took the slot
        (:meth:`_refused_attach`) may fail, and the clean-up of ``unattached`` would find the policy gone (IAM's
        ``NoSuchEntity``, waited on as IAM's lag, then warned about as maybe left). A policy just created has its
        attach wait out IAM's lag first (:meth:`_attach_created_spill_policy`).

        :param unattached: the policies this run created and has not attached (one of them ``policy_arn`` if new).
        :param arns: the destination roles the policy is attached for.
        """
        created = policy_arn in unattached
        try:
            # AttachRolePolicy is idempotent: attaching an attached policy changes nothing.
            if created:
                self._attach_created_spill_policy(role_name, name, policy_arn, arns, settings)
            else:
                retry_concurrent_writes(self.conn.attach_role_policy, RoleName=role_name, PolicyArn=policy_arn)
        except ClientError as error:
            if error_code(error) != "LimitExceeded":
                raise
            if created:
                self._delete_spill_policy(policy_arn, role_name)
                unattached.remove(policy_arn)
                log.info("iam managed policy %s: deleted (created for this refused grant, never attached)", policy_arn)
            self._refused_attach(role_name, name, policy_arn, arns, error)
        listed = self._attachments_listed.get(role_name.lower())
        if listed is not None:
            listed.add(policy_arn)

    def _attach_created_spill_policy(
        self, role_name: str, name: str, policy_arn: str, arns: list[str], settings: ConvergeSettings
    ) -> None:
        """
        Attach a managed policy this run has just created, sent again while IAM does not show it yet.

        Right after ``CreatePolicy`` the attach can answer ``NoSuchEntity`` for the policy (IAM User Guide,
        "Troubleshoot IAM", "Changes that I make are not always immediately visible"): waited out as the trust
        write's "Invalid principal", for ``settings.consistency_wait_seconds`` (:func:`consistency_waits`), as
        another write in progress is. Not a ``NoSuchEntity`` for the role (:func:`is_not_visible_yet`): raised at once.

        :raises PreconditionError: IAM still did not show the policy after the wait (a retry may).
        """
        try:
            send_again_while(
                lambda error: is_concurrent_write(error) or is_not_visible_yet(error, policy_arn),
                self.conn.attach_role_policy,
                waits=consistency_waits(settings),
                RoleName=role_name,
                PolicyArn=policy_arn,
            )
        except ClientError as error:
            if not is_not_visible_yet(error, policy_arn):
                raise
            raise PreconditionError(
                f"managed policy {name}, created by this run to hold {len(arns)} of the roles, could still not be "
                f"attached to role {role_name} after {settings.consistency_wait_seconds:g} s of waiting for IAM to "
                "show the new policy (IAM's eventual consistency after CreatePolicy); run the task again. AWS said: "
                f"{error_message(error)}",
                retriable=True,
                field="destination_role_arns",
            ) from error

    def _refused_attach(
        self, role_name: str, name: str, policy_arn: str, arns: list[str], error: ClientError
    ) -> NoReturn:
        """
        Tell what took the slot of an attach IAM refused at the role's quota, reading the role's policies again.

        A policy attached since the plan listed them (:attr:`_attachments_listed`; not one this grant attached) took
        the slot: a concurrent attach. One of them that is a spill policy of the same role with room for one of
        ``arns`` (a concurrent grant's: :func:`~.spill.same_role_spill`, :func:`~.spill.has_room`) makes the grant
        place them again (:class:`SlotTakenError`), into it. Any other attached since: the role is full, and the
        refusal says so, blaming no setting. None: the role had the free slot the plan counted on only by
        ``managed_policies_per_role``, which says more than IAM's quota in force.

        :raises SlotTakenError: to place the grants again.
        :raises QuotaRefusedByAwsError: naming what took the slot, or the quota given.
        """
        listed = self._attachments_listed.get(role_name.lower())
        attached = self._every("list_attached_role_policies", "AttachedPolicies", RoleName=role_name)
        since = [
            item
            for item in attached
            if listed is not None and item["PolicyArn"] not in listed and item["PolicyArn"] != policy_arn
        ]
        with_room = [
            str(item["PolicyName"])
            for item in since
            if spill.same_role_spill(policy_arn, item["PolicyArn"])
            and spill.has_room(self.read_managed_policy(item["PolicyArn"]), arns)
        ]
        if with_room:
            raise SlotTakenError(
                f"role {role_name}'s last managed-policy slot, taken since the plan by {', '.join(with_room)}"
            ) from error
        if since:
            raise QuotaRefusedByAwsError(
                "destination_role_arns",
                MANAGED_POLICIES_PER_ROLE,
                f"attaching managed policy {name} to role {role_name}: the role's last free slot was taken since this "
                f"run listed its policies, by a concurrent attach of {', '.join(str(i['PolicyName']) for i in since)} "
                "(no spill policy of this role with room for these grants), so the role is full",
                error_message(error),
            ) from error
        read = "" if listed is None else "nothing was attached to it since this run listed its managed policies: "
        raise QuotaRefusedByAwsError(
            "managed_policies_per_role",
            MANAGED_POLICIES_PER_ROLE,
            f"attaching managed policy {name} to role {role_name} ({read}the quota given is higher than the one in "
            "force)",
            error_message(error),
        ) from error

    def _converge_spill_policy(
        self,
        role_name: str,
        policy_arn: str,
        name: str,
        desire: Any,
        settings: ConvergeSettings,
        dry_run: bool,
        *,
        on_create: Callable[[], None] | None = None,
        on_detached: Callable[[], None] | None = None,
    ) -> list[Change]:
        """
        Keep one of the provider's managed policies at ``desire(current)`` (``None``: delete it); ``on_detached`` is
        called once its detach from ``role_name`` lands, before the ``DeletePolicy`` that may yet fail.

        A managed policy changes by a new default version (IAM API Reference, "CreatePolicyVersion": "A
        managed policy can have up to five versions. If the policy has five versions, you must delete an
        existing version using DeletePolicyVersion before you create a new version"), so the oldest
        non-default version is deleted first when there are five. ``CreatePolicy`` is atomic like
        ``CreateRole``: a concurrent create answers ``EntityAlreadyExists`` and this run merges into it.
        """

        def prepare(current: Any, desired: dict[str, Any] | None) -> None:
            # Before the read the write is based on: what does not depend on the document's content.
            if desired is None:
                self._prepare_spill_policy_delete(policy_arn, role_name)
            elif current is not None:
                self.refuse_foreign_spill_policy(policy_arn, role_name)  # one made since the check before the writes
                self._make_version_room(policy_arn)

        def write(current: Any, desired: dict[str, Any] | None) -> bool:
            guard_writes(self.conn)
            if desired is None:
                self._delete_prepared_spill_policy(policy_arn, role_name, on_detached)
                return False
            if current is None:
                self._create_spill_policy(name, desired, role_name)
                if on_create is not None:
                    on_create()
                return True
            # Judged at its shortest text (adding_roles): sent within the managed policy size.
            self._create_default_version(
                policy_arn, desired, written_text(current, desired, room=MAX_MANAGED_POLICY_CHARS)
            )
            return False

        return read_modify_write(
            resource=f"iam managed policy {name}",
            read=lambda: self.read_managed_policy(policy_arn),
            desire=desire,
            prepare=prepare,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=lambda error: (
                is_lingering_subordinate(error)  # DeletePolicy right after its detach and versions' deletes
                or (
                    isinstance(error, ClientError)
                    and error_code(error) in ("EntityAlreadyExists", "LimitExceeded", "NoSuchEntity")
                )
            ),
        )

    def _create_spill_policy(self, name: str, desired: dict[str, Any], role_name: str) -> None:
        """
        ``CreatePolicy`` for a spill policy; IAM's ``LimitExceeded``, which waiting does not lift, is refused at once,
        naming both quotas it answers for here: the account's count of customer managed policies, and the managed
        policy size (checked before at the shortest text, :func:`~.merge.policy_size`, and sent escaped only where that
        fits, :func:`~.merge.policy_text_within`). Only AWS's message tells which, and it is quoted, not parsed.

        IAM API Reference, "CreatePolicy", ``LimitExceeded``: "The request was rejected because it attempted to create
        resources beyond the current AWS account limits. The error message describes the limit exceeded"; IAM User
        Guide, "IAM and AWS STS quotas": "Customer managed policies in an AWS account", 1,500 by default, and "Managed
        policy size", 6,144 characters.
        """
        text = policy_text_within(desired, MAX_MANAGED_POLICY_CHARS)
        try:
            self.conn.create_policy(
                PolicyName=name,
                Path=spill.SPILL_PATH,
                PolicyDocument=text,
                Description="emrfs-xacct: sts:AssumeRole on destination roles that no longer fit the inline policy",
                Tags=[MANAGED_BY_TAG],
            )
        except ClientError as error:
            if error_code(error) != "LimitExceeded":
                raise
            raise QuotaRefusedByAwsError(
                "destination_role_arns",
                CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT,
                f"creating managed policy {name} for role {role_name}",
                error_message(error),
                or_quota=MANAGED_POLICY_CHARS,
                or_why=(
                    f"this document counts {stored_policy_length(text):,} of its {MAX_MANAGED_POLICY_CHARS:,} as the "
                    "provider counts them (whitespace excluded, every printable Latin-1 character as one), so IAM "
                    "counts it otherwise. The provider fills its managed policies up to its own count, which no "
                    "setting changes: if AWS's message names PolicySize, report it with the destination role ARNs"
                ),
            ) from error

    def _create_default_version(self, policy_arn: str, desired: dict[str, Any], text: str | None = None) -> None:
        """
        Make ``desired`` a managed policy's new default version (room made by :meth:`_make_version_room` first).

        ``CreatePolicyVersion`` with ``SetAsDefault`` makes the new version the default at once, and the
        default version cannot be deleted (IAM API Reference, "CreatePolicyVersion", "DeletePolicyVersion"),
        so no writer deletes another's version before it is in force. Concurrent writers race for the
        room: another writer may have taken the room made (``LimitExceeded``, "A managed policy can have up
        to five versions"). That is not IAM's lag, so it does not wait: make room again (deleting the
        oldest version not tried yet, also when the listing, lagging, shows fewer than five) and create
        again. A ``LimitExceeded`` left after that is raised to the protocol, which reads again.

        ``LimitExceeded`` also answers for the managed policy size (IAM API Reference, "CreatePolicyVersion",
        ``LimitExceeded``: "The error message describes the limit exceeded"): for a text over it as IAM counts
        (:func:`~.merge.stored_policy_length`), which no waiting lifts, it is refused at once, nothing deleted.

        :param text: the text to send (:func:`~.merge.written_text`); default: :func:`~.merge.policy_text`.
        """
        text = policy_text(desired) if text is None else text
        limit = int(POLICY_VERSIONS.value or 0)
        tried: set[str] = set()
        for attempt in range(limit + 1):
            try:
                self.conn.create_policy_version(PolicyArn=policy_arn, PolicyDocument=text, SetAsDefault=True)
                return
            except ClientError as error:
                if error_code(error) == "LimitExceeded" and stored_policy_length(text) > MAX_MANAGED_POLICY_CHARS:
                    raise QuotaRefusedByAwsError(
                        "destination_role_arns",
                        MANAGED_POLICY_CHARS,
                        f"a new version of managed policy {policy_arn} ({stored_policy_length(text):,} characters "
                        "without whitespace)",
                        error_message(error),
                        or_quota=POLICY_VERSIONS,
                    ) from error
                if error_code(error) != "LimitExceeded" or attempt == limit:
                    raise
                self.log.info("%s: another writer took the room for a new version; making room again", policy_arn)
            self._make_version_room(policy_arn, tried, full=True)

    def _make_version_room(self, policy_arn: str, tried: set[str] | None = None, *, full: bool = False) -> None:
        """
        Delete a managed policy's oldest non-default version when it has five (or when ``full``), for a new one.

        Sent before the read a new version is based on (it does not depend on the document's content, and a
        non-default version grants nothing: IAM API Reference, "DeletePolicyVersion", "SetDefaultPolicyVersion").
        The oldest version may be gone already (``NoSuchEntity``: deleted by another writer, which made room
        all the same).

        :param tried: versions deleted by earlier calls of the same write, not to be tried again (updated).
        """
        tried = set() if tried is None else tried
        versions = self._policy_versions(policy_arn)
        older = sorted(
            (v for v in versions if not v["IsDefaultVersion"] and v["VersionId"] not in tried),
            key=lambda v: v["CreateDate"],
        )
        if older and (full or len(versions) >= int(POLICY_VERSIONS.value or 0)):
            tried.add(older[0]["VersionId"])
            unless_gone(self.conn.delete_policy_version, PolicyArn=policy_arn, VersionId=older[0]["VersionId"])

    def _attached_elsewhere(self, policy_arn: str, role_name: str) -> list[str]:
        """
        Return the users, groups and roles but ``role_name`` a managed policy is attached to (none if it is missing).

        IAM API Reference, "ListEntitiesForPolicy": "Lists all IAM users, groups, and roles that the
        specified managed policy is attached to". Role names are not distinguished by case (IAM User
        Guide, "IAM and AWS STS quotas").
        """
        others: list[str] = []
        here = False
        try:
            for page in self.conn.get_paginator("list_entities_for_policy").paginate(PolicyArn=policy_arn):
                roles = [r["RoleName"] for r in page["PolicyRoles"]]
                here = here or any(name.lower() == role_name.lower() for name in roles)
                others += [f"role {name}" for name in roles if name.lower() != role_name.lower()]
                others += [f"user {u['UserName']}" for u in page["PolicyUsers"]]
                others += [f"group {g['GroupName']}" for g in page["PolicyGroups"]]
        except ClientError as error:
            if error_code(error) != "NoSuchEntity":
                raise
        self._attached_to_role[policy_arn] = here
        return others

    @cached_property
    def _attached_to_role(self) -> dict[str, bool]:
        """Whether each spill policy was attached to its role when :meth:`_attached_elsewhere` last read it."""
        return {}

    def _refuse_shared_spill_policy(self, policy_arn: str, role_name: str) -> None:
        """
        Refuse to write to a spill policy attached to anything but ``role_name`` (it would grant to others too).

        :raises ConflictError: naming the policy and what else it is attached to.
        """
        others = self._attached_elsewhere(policy_arn, role_name)
        if others:
            raise ConflictError(
                f"managed policy {policy_arn} is attached to {', '.join(others)}, not to role "
                f"{role_name} alone: a spill policy must belong to one EMR EC2 role, or each role may assume the "
                'others\' destination roles; not writing to it (see docs/scale.md, "Spill policies shared by several roles")',
                document=policy_arn,
                field="emr_ec2_role_name",
            )

    @cached_property
    def _spill_policies_checked(self) -> set[str]:
        """The spill policies :meth:`refuse_foreign_spill_policy` found the provider's and this role's alone."""
        return set()

    def refuse_foreign_spill_policy(self, policy_arn: str, role_name: str, *, again: bool = False) -> None:
        """
        Refuse to write to, attach or delete a spill-named policy that is not the provider's, or not ``role_name``'s alone.

        A new version replaces what the policy grants to everything it is attached to (IAM API Reference,
        "CreatePolicyVersion": "The default version is the version that is in effect for the IAM users,
        groups, and roles to which the policy is attached"), so a policy of a spill name that a person or
        another tool made is never written, attached nor deleted: the provider's carry its tag
        (:data:`MANAGED_BY_TAG`, given to ``CreatePolicy``; read with ``ListPolicyTags``: "Lists the tags that
        are attached to the specified IAM customer managed policy"). One attached to anything else too is
        refused as well (:meth:`_refuse_shared_spill_policy`). A policy missing passes: it is to be created,
        and if another writer makes it first, the write's preparation checks it (a policy found once
        is not checked again in this run, unless ``again``).

        :raises ConflictError: naming the policy, what is wrong and what to do, before any write.
        """
        if policy_arn in self._spill_policies_checked and not again:
            return
        try:
            tags = self._every("list_policy_tags", "Tags", PolicyArn=policy_arn)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return  # to be created (CreatePolicy tags it)
            raise
        if MANAGED_BY_TAG not in tags:
            raise ConflictError(
                f"managed policy {policy_arn} has a name of role {role_name}'s spill policies "
                f"but not the tag {MANAGED_BY_TAG['Key']}={MANAGED_BY_TAG['Value']}: this provider did not create "
                "it, and a new version would replace what it grants to everything it is attached to; not writing, "
                "attaching or deleting it: rename or delete it, or, if it is this provider's, tag it so "
                "(iam tag-policy)",
                document=policy_arn,
                field="emr_ec2_role_name",
            )
        self._refuse_shared_spill_policy(policy_arn, role_name)
        self._spill_policies_checked.add(policy_arn)

    def _delete_spill_policy(self, policy_arn: str, role_name: str) -> None:
        """Detach an emptied managed policy from ``role_name`` and delete it: only the provider's, attached to no other."""
        self._prepare_spill_policy_delete(policy_arn, role_name)
        self._delete_prepared_spill_policy(policy_arn, role_name)

    def _prepare_spill_policy_delete(self, policy_arn: str, role_name: str) -> None:
        """
        What deleting a spill policy needs before the read it is based on: its tag and attachments checked,
        its non-default versions deleted (IAM API Reference, "DeletePolicy": "you must delete all the
        policy's versions"; a non-default version grants nothing, "DeletePolicyVersion").

        :raises ConflictError: the policy is not the provider's, or is attached to something but ``role_name``.
        """
        self.refuse_foreign_spill_policy(policy_arn, role_name, again=True)
        self._delete_other_versions(policy_arn)

    def _delete_other_versions(self, policy_arn: str) -> None:
        """Delete every version of a managed policy but its default one (one gone already is done)."""
        for version in self._policy_versions(policy_arn):
            if not version["IsDefaultVersion"]:
                unless_gone(self.conn.delete_policy_version, PolicyArn=policy_arn, VersionId=version["VersionId"])

    def _delete_prepared_spill_policy(
        self, policy_arn: str, role_name: str, on_detached: Callable[[], None] | None = None
    ) -> None:
        """
        Detach the spill policy from ``role_name`` and delete it (:meth:`_prepare_spill_policy_delete` first);
        ``on_detached`` is told once the detach landed: a detached policy grants nothing (IAM User Guide, "Managed
        policies and inline policies"), so a ``DeletePolicy`` failing after it leaves the revoke of it in force.

        The detach is the first destructive request: it is sent by the write's deadline, and the rest after
        it whatever the time (:func:`~airflow_provider_emrfs_xacct.pure.converge.lift_deadline`): the
        versions made since the preparation, then the policy. A concurrent grant's version made since the
        read goes with it; that grant's read-back then finds no policy, and creates and attaches it again. A
        read-back between the detach and ``DeletePolicy`` finds the grant held in a detached policy: that grant
        attaches it again (:meth:`_ensure_spill_policy`), so ``DeletePolicy`` answers ``DeleteConflict``, and this
        revoke reads again and writes the policy without its partner.
        """
        # Not attached when the preparation read it (a retry of a revoke killed after its detach, a policy made for
        # a refused attach): no detach, so a retry sends only what the dead try did not. One a grant attached since
        # makes DeletePolicy answer DeleteConflict, which reads again and prepares again (is_lingering_subordinate).
        if self._attached_to_role.get(policy_arn, True):
            try:
                self.conn.detach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
            except ClientError as error:
                if error_code(error) != "NoSuchEntity":  # not attached (a lagging read showed it attached)
                    raise
            else:
                if on_detached is not None:
                    on_detached()
        lift_deadline()
        self._delete_other_versions(policy_arn)
        self.conn.delete_policy(PolicyArn=policy_arn)

    def _detached_spill_policies(self, role_name: str, policy_name: str, attached: set[str]) -> list[tuple[str, str]]:
        """
        Return ``(arn, name)`` of ``role_name``'s own spill policies that exist but are attached to it no more.

        A managed policy is deleted only after it is detached and its other versions deleted (IAM API
        Reference, "DeletePolicy"); a revoke killed in between leaves it detached, its default version
        still granting the revoked role, and the next grant past the inline wall would take that name
        again, merge into it and attach it. So a revoke also looks among the provider's policies
        (``ListPolicies`` with ``Scope=Local`` and ``PathPrefix``, IAM API Reference, "ListPolicies") for
        this role's names that are not attached to it; a policy made for an attach killed before it
        is found the same way.
        """
        return [
            (str(policy["Arn"]), str(policy["PolicyName"]))
            for page in self.conn.get_paginator("list_policies").paginate(Scope="Local", PathPrefix=spill.SPILL_PATH)
            for policy in page["Policies"]
            if spill.is_own_spill_name(policy["PolicyName"], policy_name, role_name) and policy["Arn"] not in attached
        ]
