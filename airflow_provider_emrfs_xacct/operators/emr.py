"""Operators for the EMR side: the security configuration (step 3) and the cluster launch (step 5)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, cast

from airflow.providers.amazon.aws.operators.emr import EmrCreateJobFlowOperator, EmrTerminateJobFlowOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowSkipException
from airflow.sdk import TriggerRule
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from airflow_provider_emrfs_xacct.links.console import SecurityConfigurationLink
from airflow_provider_emrfs_xacct.operators.base import (
    DOCUMENT_XCOM_KEY,
    SAFETY_TEMPLATE_FIELDS,
    EmrfsXacctBaseOperator,
    EmrfsXacctOperatorMixin,
    LazyHookClass,
    created_document,
    document_xcom_of,
    knows_create_task,
    require_defined_connection,
)
from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.pure.plan import Change
    from airflow_provider_emrfs_xacct.pure.scoped_service_role import Refusal, RoleDocuments, ServiceRolePolicies


#: The error codes EMR answers invalid input with (Amazon EMR API Reference, "Common Errors";
#: InvalidRequestException: "something wrong with user input").
INPUT_ERROR_CODES = frozenset({"ValidationException", "InvalidRequestException"})

#: Why a role mapping whose role is in the EMR connection's own account is refused: the signature of swapped connections.
SWAPPED_CONNECTIONS = (
    "a destination role must be in another account than the EMR cluster (are the two connections swapped?)"
)

#: The waits (seconds) before ``on_kill`` searches again for the cluster of a ``RunJobFlow`` sent with no answer
#: known: "Provides the status of all clusters visible to this Amazon Web Services account" (Amazon EMR API
#: Reference, "ListClusters") says nothing of when a cluster launched seconds ago becomes visible. 1.75 s in all,
#: plus four searches: well within the 5 s Airflow's supervisor leaves a task between SIGTERM and SIGKILL
#: (``ActivitySubprocess.kill``'s ``escalation_delay`` in ``airflow/sdk/execution_time/supervisor.py``).
KILL_SEARCH_WAITS = (0.25, 0.5, 1.0)

#: The XCom key under which a launch records where it launches (``region_name``, ``aws_conn_id``, ``account`` when known
#: without a call), before ``RunJobFlow``: its teardown, finding no cluster in another Region or account, fails instead
#: of skipping. A cluster is launched in a Region (Amazon EMR Management Guide, "Choose an AWS Region for your Amazon
#: EMR cluster": "When you launch an Amazon EMR cluster, you must specify a Region") and EMR's endpoints are per Region
#: (AWS General Reference, "Amazon EMR endpoints and quotas"): a Region's endpoint lists and describes its own.
LAUNCH_LOCATION_XCOM_KEY = "launch_location"


class CreateEmrfsSecurityConfigOperator(EmrfsXacctBaseOperator["EmrfsEmrHook"]):
    """
    Create an EMR security configuration with EMRFS role mappings (in the EMR account).

    Security configurations cannot be changed, so the name is ``<name_prefix>-<hash of the content>``:
    the same content reuses the same configuration, changed content creates a new one.

    EMRFS uses the first mapping that matches, whatever its type. A later identifier of the same type
    that an earlier one covers is refused (it would never apply); an earlier mapping of another type
    that captures some of a later one's requests (a ``User`` before a ``Prefix``: that user's requests
    to the prefix get the user's role) is logged as a warning naming both mappings, since it can be
    meant. ``User`` identifiers may be Kerberos principal names (``user/host@REALM``).

    An ``ExternalId`` in ``base_configuration`` (``AuthorizationConfiguration.IAMConfiguration.
    ApplicationScopedIAMRoleConfiguration``, copied from ``DescribeSecurityConfiguration``) is left out with a warning:
    EMR generates its own for each configuration with runtime roles. A configuration that exists is compared without
    it.

    An at-rest ``AwsKmsKey`` given as a key id or alias name, not the KMS ARN the EMR guide documents, is refused
    before ``CreateSecurityConfiguration`` when EMR holds no configuration of the name; one that exists with this
    content (made before the provider asked for the ARN) is reused, with a warning naming the field.

    :param name_prefix: start of the configuration's name. (templated)
    :param role_mappings: EMRFS role mappings in AWS's shape, evaluated top-down:
        ``[{"Role": arn, "IdentifierType": "Prefix" | "User" | "Group", "Identifiers": [...]}]``. (templated)
    :param base_configuration: other sections of the configuration (``EncryptionConfiguration`` …),
        combined with the role mappings. (templated)
    :param dry_run: only log the plan; the name returned is the one the configuration will have. (templated,
        default: False)
    :param expected_account_id: the EMR account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the configuration's name; its document is pushed to XCom under
        ``security_configuration_document`` (also in a dry run), for a launch that finds the
        configuration deleted (:class:`LaunchClusterWithSecConfigOperator`).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    template_fields: Sequence[str] = aws_template_fields(
        "name_prefix", "role_mappings", "base_configuration", *SAFETY_TEMPLATE_FIELDS
    )
    template_fields_renderers = {"role_mappings": "json", "base_configuration": "json"}
    ui_color = "#f9c915"
    operator_extra_links = (SecurityConfigurationLink(),)

    def __init__(
        self,
        *,
        name_prefix: str,
        role_mappings: list[dict[str, Any]],
        base_configuration: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name_prefix = name_prefix
        self.role_mappings = role_mappings
        self.base_configuration = base_configuration

    def execute(self, context: Context) -> str:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure.launch_arguments import tuples_as_lists
        from airflow_provider_emrfs_xacct.pure.security_config import (
            EXTERNAL_ID_FIELD,
            build_security_configuration,
            cross_type_shadowing,
            generated_external_id,
            refuse_unfit_document,
            security_configuration_name,
            validate_role_mappings,
            without_generated_fields,
        )

        self.validate_safety()
        # A tuple of mappings, as botocore takes one for a list, read as its list (tuples_as_lists).
        mappings = validate_role_mappings(tuples_as_lists(self.role_mappings), "role_mappings")
        # Before any call. The document's checks are refuse_unfit_document's, the launch's too when it creates a
        # missing configuration from this document.
        # So is a tuple inside the base configuration ("Overrides": ({...},)): the hook sends the document with
        # json.dumps, which writes a tuple as a JSON array, so EMR gets the list the checks then read.
        base = tuples_as_lists(self.base_configuration)
        document = build_security_configuration(mappings, base, check_shape=False, refuse_bypasses=False)
        if generated_external_id(document) is not None:
            self.log.warning(
                "base_configuration.%s is left out: EMR generates it for each configuration with runtime roles "
                "(one copied from another configuration is not this one's)",
                EXTERNAL_ID_FIELD,
            )
            document = without_generated_fields(document)
        where = f"connection {self.aws_conn_id!r}"
        roles = refuse_unfit_document(
            document,
            where,
            lambda: (self.hook.conn_region_name, self.hook.conn_partition),
            field="base_configuration",
            mappings_field="role_mappings",
            require_key_arns=False,  # asked below, of a configuration to create only
        )
        # A User/Group mapping before a Prefix (or the reverse) is a legitimate design (a user that must
        # always act as its own role), so it is a warning naming both mappings, not an error.
        for shadow in cross_type_shadowing(mappings):
            self.log.warning("%s", shadow.message("role_mappings"))
        name = security_configuration_name(self.name_prefix, document)
        persist_links(context, self, security_configuration=name)
        with explain_access_denied(self.hook):
            account = self.connection_account(self.hook)
            refuse_mapped_roles_in_account(roles, account, where)
            # Raised when EMR holds no configuration of this name; one that exists is reused as it is (OX242) and
            # ensure_security_configuration raises them if it finds it gone when it reads again (OX243).
            problems = self.hook.refuse_keys_not_kms_arns(name, document, "base_configuration")
            for problem in problems:
                self.log.warning(
                    "%s: %s. Security configuration %s exists already, so it is reused, not created",
                    problem.field,
                    problem.problem.split(": ", 1)[0],
                    name,
                )
            changes = self.hook.ensure_security_configuration(
                name, document, dry_run=self.dry_run, refuse_create=problems
            )
        self.report(context, changes)
        self.push_xcom(context, DOCUMENT_XCOM_KEY, document)
        return name


class _WaitsMixin:
    """``validate_waits`` of the launch and the teardown, whose Amazon operators template their waits."""

    waiter_delay: Any
    waiter_max_attempts: Any

    def validate_waits(self) -> None:
        """
        Take ``waiter_delay`` and ``waiter_max_attempts`` as whole numbers, or their rendered text, before any call.

        The upstream operators use them as they render: a DAG that renders templates as text (Airflow's default)
        gave them ``"30"``, which failed the task only after ``RunJobFlow`` or ``TerminateJobFlows`` (deferred: the
        deferral's ``timeout`` multiplies them; in the worker: botocore's waiter sleeps ``Delay`` seconds), the
        cluster left running or its wait lost. botocore's waiter takes whole numbers (``WaiterConfig``).
        """
        from airflow_provider_emrfs_xacct.pure.validation import validate_whole_number

        self.waiter_delay = validate_whole_number(self.waiter_delay, "waiter_delay", minimum=0)
        self.waiter_max_attempts = validate_whole_number(self.waiter_max_attempts, "waiter_max_attempts", minimum=1)


class LaunchClusterWithSecConfigOperator(_WaitsMixin, EmrfsXacctOperatorMixin, EmrCreateJobFlowOperator):
    """
    Launch an EMR cluster with a security configuration: at most one active cluster per task instance.

    Everything :class:`~airflow.providers.amazon.aws.operators.emr.EmrCreateJobFlowOperator` offers
    (``emr_conn_id``, waiting, deferrable mode, links), plus: sets ``SecurityConfiguration``; refuses
    to launch when that configuration does not exist, or when its role mappings need a newer release;
    tags the cluster with an idempotency key made from the DAG id, run id, task id and map index and
    the deployment (``[emrfs_xacct] deployment_name``, else the DAG run's start date: ``idempotency_key``),
    so that a retried task returns the cluster it already launched (while it is active) instead of
    launching a second one, and another Airflow deployment running the same DAG run never takes it (so
    the cluster's own tags may be 49 at most: EMR allows 50). A retry after that cluster ended (its steps done,
    or terminated) launches again and runs its steps again, with a warning naming the ended cluster.
    On EMR 7.10.0 and later ``s3://`` goes
    through S3A by default; EMR translates the role mappings for S3A, so they apply on either connector,
    unless ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` is false (then
    ``keep_emrfs=False`` is refused, unless the configurations' own ``core-site`` ``fs.s3.impl`` keeps EMRFS). With ``keep_emrfs=True`` (the default) it sets ``fs.s3.impl`` and ``fs.s3n.impl``, as AWS's S3A migration guide does, so that ``s3://`` and
    ``s3n://`` stay on EMRFS (``s3a://`` URIs always use S3A). ``Instances.TerminationProtected: true``
    is logged as a warning: EMR then refuses to terminate the cluster, so its teardown
    (:class:`TerminateClusterOperator`) fails unless it sets ``disable_termination_protection``.
    A launch with no ``Steps`` and without ``Instances.KeepJobFlowAliveWhenNoSteps: true`` (EMR's
    default is false) is refused before ``RunJobFlow``: that cluster would terminate as soon as it has
    started, before the steps other tasks add. Keep it alive and end it with
    :class:`TerminateClusterOperator` as the teardown.

    A security configuration deleted since its create task ran (by
    :class:`~airflow_provider_emrfs_xacct.operators.revoke.DeleteUnusedSecurityConfigsOperator` in
    another DAG, say) is created again from its document before ``RunJobFlow``, and once more if
    ``RunJobFlow`` is refused because it was deleted in between: the document is
    ``security_configuration_document``, or, when ``security_configuration`` is a create task's
    ``.output``, the document that task instance pushed; mapped over a mapped create task's
    ``.output`` (``.expand``, ``.expand_kwargs``), the document of its instance that returned the name.
    It is re-created only under the name of its content (``<prefix>-<hash>``); without a document, the
    launch is refused naming the configuration.

    :param security_configuration: name of the security configuration, e.g. the XCom of
        :class:`CreateEmrfsSecurityConfigOperator`; ``None`` to launch without one (e.g. with a
        custom credentials provider only). (templated)
    :param security_configuration_document: the configuration's document, to create it again if it
        was deleted; its name must be its content's (``<prefix>-<hash>``). Not needed when
        ``security_configuration`` is a create task's ``.output``. (templated, default: None)
    :param job_flow_overrides: ``RunJobFlow`` arguments, as for the upstream operator. (templated)
    :param emr_conn_id: EMR connection whose extra holds the initial ``RunJobFlow`` arguments, which
        ``job_flow_overrides`` overlays key by key; ``None`` for none. One other than ``emr_default`` that Airflow
        does not have is refused (the upstream operator would launch with an empty initial configuration).
        (templated, default: ``emr_default``)
    :param wait_for_completion: wait until the cluster is up (``WAITING`` or ``RUNNING``) before returning its id; a
        cluster that ends meanwhile (``TERMINATING``, ``TERMINATED``, ``TERMINATED_WITH_ERRORS``: a user, auto-termination)
        fails the task naming its state and EMR's reason. A cluster launched to end after its ``Steps``
        (``Instances.KeepJobFlowAliveWhenNoSteps`` not true) is waited for as upstream: ``TERMINATED`` is its
        expected end, and its id is returned. (default: False)
    :param wait_policy: how to wait, as upstream: ``WaitPolicy.WAIT_FOR_COMPLETION`` (the cluster up) or
        ``WaitPolicy.WAIT_FOR_STEPS_COMPLETION`` (the cluster ended); setting it waits. The latter on a cluster kept
        alive (``Instances.KeepJobFlowAliveWhenNoSteps: true``) is refused before any call without an
        ``AutoTerminationPolicy`` (it never ends by itself) or with an ``IdleTimeout`` as long as the wait
        (``waiter_max_attempts`` times ``waiter_delay``) or longer (it cannot end before the wait runs out). (default: None)
    :param waiter_delay: seconds between two reads of the cluster's state while waiting; a whole number, or its
        rendered text (refused before any call otherwise). (templated, default: 60)
    :param waiter_max_attempts: reads of the cluster's state before the wait fails; a whole number from 1, or its
        rendered text. (templated, default: 60)
    :param deferrable: wait in the triggerer instead of the worker, in the cluster's Region; only when waiting.
        (default: ``[operators] default_deferrable``, else False)
    :param terminate_job_flow_on_failure: when the wait (in the worker or deferred) or the deferral fails, terminate
        the cluster and every other active cluster of this task instance's idempotency key before the task fails; a
        refusal is logged. (default: True)
    :param emrfs_credentials_provider: option (b) of the AWS article, a custom credentials provider
        ``{"jar": "s3://bucket/path/provider.jar", "class_name": "com.example.Provider", "interface":
        "sdk_v1" | "sdk_v2"}``: adds a bootstrap action that copies the JAR into
        ``/usr/share/aws/emr/emrfs/auxlib`` and names the class to the connector: EMRFS
        (``emrfs-site`` ``fs.s3.customAWSCredentialsProvider``) takes an SDK v1
        ``com.amazonaws.auth.AWSCredentialsProvider``, S3A (``core-site``
        ``fs.s3a.aws.credentials.provider``) an SDK v2
        ``software.amazon.awssdk.auth.credentials.AwsCredentialsProvider``. Without ``interface`` it is
        inferred from the release and ``keep_emrfs``; a mismatch is refused. (templated)
    :param emrfs_site_properties: more ``emrfs-site`` properties, e.g. ``{"fs.s3.canned.acl":
        "BucketOwnerFullControl"}`` from :class:`GrantBucketAccessOperator`. (templated)
    :param keep_emrfs: on 7.10.0 and later, keep EMRFS for ``s3://`` and ``s3n://``; ``True``/``False`` or their
        rendered text. With ``False``, a ``core-site`` ``fs.s3.impl`` of the configurations naming EMRFS keeps it
        all the same, and the launch judges the cluster as EMRFS's. Before 7.10.0 a ``core-site`` ``fs.s3.impl``
        naming another class (S3A's too) is refused either way: Hadoop would serve ``s3://`` with it, and whether the
        role mappings reach it is not documented. (templated, default: True)
    :param dry_run: only read (the security configuration, an active cluster already launched for
        this task instance) and log the plan: the ``RunJobFlow`` arguments; launch nothing. A cluster
        id cannot be known before ``RunJobFlow``, so a dry run returns the id of the cluster this task
        instance already launched if there is one; otherwise it pushes the plan to XCom under ``plan``
        and ends the task as *skipped*, so that the tasks that need the cluster skip too. (templated,
        default: False)
    :param expected_account_id: the EMR account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients, where the cluster is launched; default: the connection's.
        (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :return: the cluster (job flow) id.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    template_fields: Sequence[str] = (
        *EmrCreateJobFlowOperator.template_fields,
        "security_configuration",
        "security_configuration_document",
        "emrfs_credentials_provider",
        "emrfs_site_properties",
        "keep_emrfs",
        *SAFETY_TEMPLATE_FIELDS,
    )
    # The UI's Rendered Template view shows the dict fields as JSON, as the upstream job_flow_overrides.
    template_fields_renderers = {
        **EmrCreateJobFlowOperator.template_fields_renderers,
        "security_configuration_document": "json",
        "emrfs_credentials_provider": "json",
        "emrfs_site_properties": "json",
    }
    operator_extra_links = (*EmrCreateJobFlowOperator.operator_extra_links, SecurityConfigurationLink())  # type: ignore[assignment]
    #: The ARN of the instance profile's role, once ``GetInstanceProfile`` read it (``""``: not read).
    _profile_role_arn = ""

    def __init__(
        self,
        *,
        security_configuration: str | None,
        security_configuration_document: dict[str, Any] | None = None,
        emrfs_credentials_provider: dict[str, str] | None = None,
        emrfs_site_properties: dict[str, str] | None = None,
        keep_emrfs: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.security_configuration = security_configuration
        self.security_configuration_document = security_configuration_document
        # ``security_configuration=create.output``: the document is that task instance's XCom.
        self._document_xcom = document_xcom_of(security_configuration)
        self.emrfs_credentials_provider = emrfs_credentials_provider
        self.emrfs_site_properties = emrfs_site_properties
        self.keep_emrfs = keep_emrfs
        #: The idempotency key of the launch this try sent (or is about to send); ``None`` before, and in a dry run.
        self._launch_key: str | None = None
        #: How refusals name each top-level ``RunJobFlow`` argument: the overrides', or the ``emr_conn_id`` extra's.
        self._argument_fields: dict[str, str] = {}
        #: The security configuration this launch created again (or, in a dry run, plans), reported (a dry run plans
        #: the cluster too).
        self._launch_changes: list[Change] = []

    def resolve_template_files(self) -> None:
        """Read ``job_flow_overrides`` from its file when it names one (``.json``); no other field names a file."""
        overrides = self.job_flow_overrides
        if isinstance(overrides, str) and overrides.endswith(tuple(self.template_ext)):
            env = self.get_template_env()
            try:
                self.job_flow_overrides = env.loader.get_source(env, overrides)[0]  # type: ignore[union-attr]
            except Exception:
                self.log.exception("Failed to resolve template field 'job_flow_overrides'")
        self.prepare_template()

    def render_template(
        self, content: Any, context: Context, jinja_env: Any = None, seen_oids: set[int] | None = None
    ) -> Any:
        """
        Render as Airflow does, except that only the whole ``job_flow_overrides`` may name a template file.

        The upstream operator's ``template_ext`` (``.json``, for ``job_flow_overrides="overrides.json"``)
        makes Airflow read every string that ends in ``.json``, in every template field and at any depth, as
        a template file's name: a step argument ``s3://bucket/job.json`` failed the task with
        ``TemplateNotFound``. Any other string is rendered as text, as Airflow renders a string.
        """
        if (
            isinstance(content, str)
            and content is not self.job_flow_overrides
            and content.endswith(tuple(self.template_ext))
        ):
            env = jinja_env or self.get_template_env()
            return self._render(env.from_string(content), context)
        return super().render_template(content, context, jinja_env, seen_oids)

    def execute(self, context: Context) -> str | None:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure import launch_arguments as arguments
        from airflow_provider_emrfs_xacct.pure.cluster_config import check_wait_policy, plan_launch
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.validation import validate_bool

        self.validate_safety()
        self.validate_emr_conn_id()
        self.validate_waits()
        self.keep_emrfs = validate_bool(self.keep_emrfs, "keep_emrfs")
        hook = cast("EmrfsEmrHook", self.hook)
        name, provider, site = arguments.validate_launch_arguments(
            self.security_configuration,
            self.emrfs_credentials_provider,
            self.emrfs_site_properties,
            self.security_configuration_document,
        )
        # The hook overlays the overrides on the emr_conn_id extra key by key; work on the merged
        # arguments, or adding a tag or a classification would drop the connection's own.
        extra_field = arguments.connection_extra_field(self.emr_conn_id)
        extra = hook.connection_job_flow_config()
        arguments.require_tag_dicts(extra.get("Tags") or [], f"{extra_field} Tags")
        overrides = arguments.parse_job_flow_overrides(self.job_flow_overrides)
        arguments.validate_run_job_flow_names(extra, overrides, extra_field)
        config = {**extra, **overrides}
        # How a refusal names a top-level argument: the connection extra's when only the extra gives it, else the
        # overrides' (also when neither does: where a DAG author would add it).
        fields = {
            key: arguments.run_job_flow_field(key, overrides, extra, extra_field)
            for key in (
                "JobFlowRole",
                "Tags",
                "Instances",
                "ReleaseLabel",
                "Configurations",
                "Steps",
                "BootstrapActions",
                "SecurityConfiguration",
                *config,
            )
        }
        arguments.refuse_too_many_tags(config, fields["Tags"])
        arguments.validate_cluster_tags(config, fields["Tags"])
        name = arguments.launch_security_configuration(config, name, fields["SecurityConfiguration"])
        arguments.validate_configuration_document(name, self.security_configuration_document)
        # A wait for the end of a cluster that stays up would poll until it runs out, then fail: refused before any call.
        check_wait_policy(
            config,
            self.wait_policy,
            waiter_max_attempts=self.waiter_max_attempts,  # validated above; the trigger gets them too
            waiter_delay=self.waiter_delay,
            instances_field=fields["Instances"],
            execution_timeout=self.execution_timeout,  # Airflow ends the wait there: a worker's, a deferral's alike
        )
        if self.expected_account_id is not None:
            with explain_access_denied(hook):
                self.connection_account(hook)
        uses_role_mappings, deleted, imds_v2_required, mapped_buckets = False, None, False, None
        # A Kerberos configuration and the cluster's KerberosAttributes come together or not at all.
        kerberos = (config, arguments.run_job_flow_field("KerberosAttributes", overrides, extra, extra_field))
        if name is None:
            arguments.refuse_unpaired_kerberos(None, None, *kerberos)
        else:
            uses_role_mappings, deleted, imds_v2_required, mapped_buckets = self._read_configuration(
                context, hook, name, kerberos
            )
            config["SecurityConfiguration"] = name
            persist_links(context, self, security_configuration=name)
        try:
            launch = plan_launch(
                config,
                uses_role_mappings=uses_role_mappings,
                keep_emrfs=self.keep_emrfs,
                credentials_provider=provider,
                emrfs_site_properties=site,
                imds_v2_required=imds_v2_required,
                mapped_buckets=mapped_buckets,
                instances_field=fields["Instances"],
                release_field=fields["ReleaseLabel"],
            )
        except InvalidParameterError as error:  # a setting of the emr_conn_id extra's, named there
            raise arguments.named_where_given(error, fields) from None
        for note in launch.notes:
            if note not in launch.warnings:
                self.log.info("%s", note)
        for warning in launch.warnings:
            self.log.warning("%s", warning)
        key = idempotency_key(context)
        hook.launch_created_after = launch_search_bound(context)
        hook.launch_is_retry = is_retry(context)  # only a retry describes ended clusters to warn of a relaunch
        self.job_flow_overrides = arguments.with_idempotency_tag(launch.overrides, key)
        self._validate_request(hook, self.job_flow_overrides, fields)
        self._check_launch_roles(hook, self.job_flow_overrides, fields)
        self._refuse_unfit_document(hook, deleted)  # in a dry run too
        # An active cluster this task instance launched with other arguments is refused naming each where it was given.
        self._argument_fields = fields
        # The writes of the launch, reported (as every operator's) once it has made them, or planned in a dry run.
        self._launch_changes = []
        if self.dry_run:
            return self._dry_run_launch(context, hook, key, name, deleted)
        if name is not None and deleted is not None:
            # Only now that every argument is validated: bad input changes nothing. A cluster this task instance
            # launched with another configuration or other arguments is refused before that write too.
            with explain_access_denied(hook):
                with arguments.conflicts_named_where_given(fields):
                    hook.find_launched_cluster(key, self.job_flow_overrides)
                self._launch_changes += hook.create_deleted_security_configuration(name, deleted)
        self.log.info("Launching with security configuration %s, idempotency key %s", name, key)
        if self.deferrable and self.region_name is None:
            # The trigger waits in the region the cluster is launched in (the connection's), not in
            # whatever region the triggerer's environment would pick (the upstream operator hands its
            # region_name to the trigger from Amazon provider 9.37 on: setup.cfg's floor).
            self.region_name = hook.conn_region_name
        self._launch_key = key
        # Before RunJobFlow: a launch that dies after it still tells its teardown where it launched (no AWS call).
        self.push_xcom(context, LAUNCH_LOCATION_XCOM_KEY, self._location(hook))
        with arguments.conflicts_named_where_given(fields):
            return self._launch_and_report(context, hook, name)

    def _location(self, hook: EmrfsEmrHook) -> dict[str, Any]:
        """
        Where this launch launches: its Region (``region_name``, else the connection's), its connection id and, when
        known without a call (:func:`known_account`, else the instance profile's role's ARN that ``GetInstanceProfile``
        read), its account.
        """
        from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

        location = {"region_name": hook.conn_region_name, "aws_conn_id": self.aws_conn_id}
        account = known_account(hook) or account_of_arn(self._profile_role_arn)
        if account.isdigit() and len(account) == 12:
            location["account"] = account
        return location

    def _launch_and_report(self, context: Context, hook: EmrfsEmrHook, name: str | None) -> str | None:
        """
        Launch (:meth:`_launch`); report the security configuration it created again, whatever the launch's end:
        returned, deferred to wait, or failed after its writes (a wait that failed leaves the configuration created).

        The cluster is the run's own, not a change to the accounts' set-up: it is logged and returned (its id in XCom,
        as the Amazon provider's launch), and every run launches one, so a rerun's plan stays empty; a dry run plans it.
        """
        try:
            return self._launch(context, hook, name)
        finally:
            self._report_launch(context)

    def _report_launch(self, context: Context) -> None:
        """
        Report the launch's changes to the accounts' set-up (``plan`` in XCom: those alone), and name its cluster.

        Once ``RunJobFlow`` answered (or an earlier try's cluster was taken), the log names the cluster as the run's
        own rather than ``No changes.``, which would say the task had nothing to do; before that, :meth:`report`'s.
        """
        from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY

        cluster = getattr(self, "_job_flow_id", None)
        if not cluster:
            self.report(context, self._launch_changes)
        elif self._launch_changes:
            self.report(context, self._launch_changes)
            self.log.info("Cluster %s launched for this run (not counted as a change)", cluster)
        else:
            # As report() would, but for its log line: the plan in XCom and last_plan stays empty.
            self.log.info(
                "No changes to the accounts' set-up; cluster %s launched for this run (not counted as a change)",
                cluster,
            )
            self.last_plan = []
            self.push_xcom(context, PLAN_XCOM_KEY, [])

    def _cluster_created(self) -> Change:
        """The change that launches the cluster: its ``RunJobFlow`` arguments, sensitive values masked (no call)."""
        from airflow.providers.common.compat.sdk import redact

        from airflow_provider_emrfs_xacct.pure.plan import CREATE, Change

        overrides = cast("dict[str, Any]", self.job_flow_overrides)
        # Values under a sensitive key (a Hive metastore's ConnectionPassword) masked, as Airflow masks the
        # rendered job_flow_overrides: the plan is logged and pushed to XCom.
        return Change(CREATE, f"emr cluster {overrides.get('Name')}", None, redact(overrides))

    @staticmethod
    def _validate_request(hook: EmrfsEmrHook, request: dict[str, Any], fields: dict[str, str]) -> None:
        """Refuse what ``RunJobFlow``'s model refuses in ``request``, naming where it was given (``fields``)."""
        from airflow_provider_emrfs_xacct.pure import launch_arguments as arguments
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        try:
            hook.validate_run_job_flow_arguments(request)
        except InvalidParameterError as error:  # an argument of the emr_conn_id extra's, named there
            raise arguments.named_where_given(error, fields) from None

    def _check_launch_roles(self, hook: EmrfsEmrHook, config: dict[str, Any], fields: dict[str, str]) -> None:
        """
        Refuse, before any write, a launch whose roles EMR cannot launch with, as IAM and EC2 answer them.

        The instance profile (``JobFlowRole``) must hold a role of its own name. A service role with
        ``AmazonEMRServicePolicy_v2`` provisions only a cluster tagged ``for-use-with-amazon-emr-managed-policies=true``
        in subnets and security groups so tagged, and passes only ``EMR_EC2_DefaultRole`` to EC2
        (``pure/scoped_service_role.py``). A service role with other policies besides is judged by all its policies
        together: a refusal holds only where they do not allow what EMR would ask, and a warning replaces it where
        that cannot be decided (a read refused, a condition not settled). A read refused is logged, and the launch
        goes on.

        :param fields: how a refusal names ``JobFlowRole``, ``Tags`` and ``Instances`` (the overrides', or the
            connection extra's).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import account_of
        from airflow_provider_emrfs_xacct.pure import scoped_service_role as scoped

        profile, service_role = config.get("JobFlowRole"), config.get("ServiceRole")
        profile_role = self._instance_profile_role(hook, profile, fields["JobFlowRole"])
        if not isinstance(service_role, str) or not service_role:
            return
        resources = scoped.network_resources(config.get("Instances"), fields["Instances"])
        tags = config.get("Tags") or []
        passable = profile_role is None or scoped.passable_ec2_role(profile_role)
        if scoped.carries_managed_policies_tag(tags) and not resources and passable:
            return  # nothing the scoped policy could refuse: no read
        policies = hook.service_role_policies(service_role)
        if policies is None or not policies.scoped:
            return
        account = account_of(hook)
        refusals = scoped.refusals(
            service_role,
            (tags, fields["Tags"]),
            (resources, hook.network_resource_tags(resources) if resources else {}),
            (str(profile), profile_role, fields["JobFlowRole"]),
            (hook.conn_partition, str(hook.conn_region_name), account),
        )
        documents = hook.role_documents(service_role) if refusals and policies.others and account.isdigit() else None
        held = [refusal.error for refusal in refusals if self._holds(refusal, policies, documents)]
        for refusal in held[1:]:
            self.log.error("%s", refusal)
        if held:
            raise held[0]

    def _instance_profile_role(self, hook: EmrfsEmrHook, profile: Any, field: str) -> dict[str, Any] | None:
        """The role of the launch's instance profile, refused when EMR does not support it; ``None``: not read."""
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.launch_arguments import instance_profile_problem

        if not isinstance(profile, str) or not profile:
            return None
        # By its name, also when given as an instance profile's ARN (``...:instance-profile/path/name``).
        name = profile.rsplit("/", 1)[-1]
        roles = hook.instance_profile_roles(name)
        # Its role's ARN names the account (IAM API Reference, "GetInstanceProfile": the profile's roles): the launch's.
        self._profile_role_arn = str((roles or [{}])[0].get("Arn") or "")
        problem = None if roles is None else instance_profile_problem(name, roles)
        if problem is not None:
            raise InvalidParameterError(field, problem)
        return roles[0] if roles else None

    def _holds(self, refusal: Refusal, policies: ServiceRolePolicies, documents: RoleDocuments | None) -> bool:
        """
        Whether a refusal of the scoped policy holds for the service role, all its policies (``documents``: ``None``
        when not read) judged; warn where that is not known.
        """
        from airflow_provider_emrfs_xacct.pure.scoped_service_role import judge

        if not policies.others:
            return True
        judged = judge(refusal, documents) if documents is not None else ""
        if judged is refusal:
            return True
        if judged is not None:
            self.log.warning(
                "%s. The role's other policies (%s) may allow it: not judged%s",
                refusal.error,
                ", ".join(policies.others),
                f" ({judged})" if judged else "",
            )
        return False

    def validate_emr_conn_id(self) -> None:
        """
        Refuse an ``emr_conn_id`` other than ``emr_default`` that Airflow does not have (no AWS call).

        The Amazon provider launches with an empty initial configuration when the connection does not exist
        (``EmrCreateJobFlowOperator``: "If this is None or empty or the connection does not exist, then an
        empty initial configuration is used"; its hook only warns): a mistyped or missing connection would
        launch without the network, roles, tags and settings its extra holds. ``None`` asks for no initial
        configuration on purpose; ``emr_default``, the Amazon provider's default that many deployments never
        define, keeps its documented meaning (an empty one when it does not exist). ``""`` (a template
        rendered empty) is refused as for ``aws_conn_id``.
        """
        from airflow.providers.amazon.aws.hooks.emr import EmrHook

        from airflow_provider_emrfs_xacct.pure.validation import validate_conn_id

        conn_id = validate_conn_id(self.emr_conn_id, "emr_conn_id", default_chain=True)
        if conn_id != EmrHook.default_conn_name:
            require_defined_connection(
                conn_id,
                "emr_conn_id",
                "the Amazon provider would launch with an empty initial configuration instead of that connection's "
                "extra (network, roles, tags, settings); define the connection, or pass None to launch from "
                "job_flow_overrides alone",
            )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        """
        Resume after the deferred wait; a wait that failed terminates the clusters of the launch first, as in the worker.

        Waiting in the worker, the upstream operator terminates the cluster when the wait fails
        (``terminate_job_flow_on_failure``, default True); deferred, the trigger reports the failure (a
        cluster that failed to start, or still starting after ``waiter_max_attempts``) and the upstream
        ``execute_complete`` only raises, leaving a cluster that is still starting to run and bill. The cluster the
        event names is terminated, and every other active cluster of the launch's idempotency key: a launch that sent
        ``RunJobFlow`` again after an answer it lost may have started two (:meth:`_terminate_every_cluster_of_the_key`,
        which also checks ``aws_conn_id`` again first: the resume runs in a new worker process). A refusal
        (termination protection, a connection the worker does not have) is logged, not raised over the wait's own error.
        """
        cluster_id = (event or {}).get("job_flow_id")
        # The upstream parameter (apache/airflow#61010) is in every Amazon provider setup.cfg accepts (9.37 on).
        if (event or {}).get("status") != "success" and self.terminate_job_flow_on_failure:
            self._terminate_every_cluster_of_the_key(
                context,
                f"The wait for cluster {cluster_id} failed ({(event or {}).get('message')})",
                known=str(cluster_id) if cluster_id else None,
            )
        return super().execute_complete(context, event)

    def provider_trigger(self, trigger: Any) -> Any:
        """
        The provider's trigger (``triggers.trigger_for``), carrying this launch's idempotency key and
        ``terminate_job_flow_on_failure``.

        The wait's trigger (:class:`~airflow_provider_emrfs_xacct.triggers.LaunchWaitTrigger`) terminates, when the
        deferred launch is killed, the other active clusters of the key too: a launch that sent ``RunJobFlow`` again
        after an answer it lost may have started two, the one it returned and one ``ListClusters`` did not show yet.
        With ``terminate_job_flow_on_failure`` it also terminates them before it fires an error event, as
        :meth:`execute_complete` then does again: a task marked failed before a worker resumes it never runs that.
        """
        from airflow_provider_emrfs_xacct.triggers import LaunchWaitTrigger

        trigger = super().provider_trigger(trigger)
        if isinstance(trigger, LaunchWaitTrigger):
            bound = cast("EmrfsEmrHook", self.hook).launch_created_after
            trigger.with_launch(
                self._launch_key,
                bound.isoformat() if bound is not None and self._launch_key is not None else None,
                ends_after_steps=ends_after_its_steps(self.job_flow_overrides),
                terminate_job_flow_on_failure=bool(self.terminate_job_flow_on_failure),
            )
        return trigger

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """
        Resume after the deferral; when it failed (timed out, the trigger crashed), first terminate the cluster.

        The deferral's deadline is the earlier of the wait's own (``waiter_max_attempts`` times ``waiter_delay``, plus
        60 s) and ``execution_timeout`` counted from the task's start, which the provider gives it (Airflow 3 does not:
        ``EmrfsXacctOperatorMixin.deferral_timeout``): past it the scheduler
        resumes the task in a worker with ``__fail__`` (``check_trigger_timeouts``), and neither the worker's
        :meth:`on_kill` nor the trigger's runs. As a wait in the worker that fails
        (``terminate_job_flow_on_failure``), the cluster, found by its idempotency tag (the failed deferral passes
        no cluster id), is terminated before the task fails, and so is every other active cluster of that tag (a
        launch that sent ``RunJobFlow`` again may have started two); a refusal is logged, not raised over the failure.
        """
        from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR

        if next_method == TRIGGER_FAIL_REPR and self.terminate_job_flow_on_failure:
            self._terminate_every_cluster_of_the_key(context, "The deferral failed")
        return super().resume_execution(next_method, next_kwargs, context)

    def _terminate_every_cluster_of_the_key(
        self, context: Context, when: str, *, known: str | None = None, known_ended: bool = False
    ) -> None:
        """
        Terminate every active cluster tagged with this task instance's idempotency key, after a failed wait or deferral.

        ``RunJobFlow`` has no client token (Amazon EMR API Reference, "RunJobFlow"): a launch that sent it again after
        an answer it lost may have started a second cluster, one ``ListClusters`` did not show at the launch's own
        search, under the same key. The key is the task instance's (:func:`idempotency_key`), so a resumed operator,
        a new instance, finds the same. ``aws_conn_id`` is checked first: a worker without the connection would
        terminate with its own credentials. A refusal is logged, not raised over the failure (``when`` starts each
        message).

        :param known: the cluster ``RunJobFlow`` answered with: terminated first, and not again among those found.
        :param known_ended: ``known`` was terminated already (the upstream wait's failure path in the worker).
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        key = idempotency_key(context)
        try:
            # A new worker process: one without the connection would terminate with its own credentials.
            self.validate_safety()
            hook = cast("EmrfsEmrHook", self.hook)
            if known and not known_ended:
                self.log.warning("%s: terminating cluster %s, launched by this task", when, known)
                _terminate_logging_refusal(hook, known, key, self.log, f"{when}, and")
            clusters = hook.find_clusters_by_idempotency_key(key, created_after=launch_search_bound(context))
        except (InvalidParameterError, ClientError, BotoCoreError) as error:
            self.log.error(
                "%s, and the clusters of this launch%s could not be terminated (%s): they may still be running; find "
                "them by their tag %s=%s",
                when,
                f" ({known} and any other of its key)" if known else "",
                error,
                IDEMPOTENCY_TAG,
                key,
            )
            return
        others = [cluster_id for cluster_id in clusters if cluster_id != known]
        if not others and not known:
            self.log.info("%s; no active cluster carries idempotency key %s", when, key)
        for cluster_id in others:
            self.log.warning(
                "%s: terminating cluster %s, launched by this task (tag %s=%s)", when, cluster_id, IDEMPOTENCY_TAG, key
            )
            _terminate_logging_refusal(hook, cluster_id, key, self.log, f"{when}, and")

    def on_kill(self) -> None:
        """
        Terminate the clusters this try launched: the one ``RunJobFlow`` answered with, else those its key tags.

        Airflow calls it when the task is killed (marked failed, cleared while running) and past its
        ``execution_timeout``: as the upstream operator, the cluster is terminated, not left billing in a DAG
        without a teardown (a retry launches a new one). The upstream operator knows the cluster only once
        ``RunJobFlow`` has answered; a timeout while ``RunJobFlow`` is under way or being retried finds the
        cluster by its idempotency tag instead, searching again after each of ``KILL_SEARCH_WAITS`` (1.75 s in all)
        when ``RunJobFlow`` was sent, since ``ListClusters`` need not show a cluster launched seconds ago; still
        not found, a warning names the ``emrfs-xacct:idempotency-key`` tag to find and terminate it by. A launch that
        sent ``RunJobFlow`` again after an attempt whose outcome is not known may have started two: the other active
        clusters of its key are terminated too (:meth:`_find_killed_launch`). Nothing before ``RunJobFlow`` is sent,
        nothing in a dry run.
        Airflow's SIGTERM handler returns into the task until it is killed: the launch then sends no further
        ``RunJobFlow``. A refusal (termination protection, a denial) is logged, not raised: it would replace
        the kill's own exception.
        """
        if self._launch_key is None:
            return
        hook = cast("EmrfsEmrHook", self.hook)
        # Airflow's SIGTERM handler returns into the launch: it must not send RunJobFlow again after this.
        hook.launch_cancelled = True
        known = getattr(self, "_job_flow_id", None)
        if known:  # first the cluster RunJobFlow answered with: the one the kill is sure of
            self.log.warning("Killed: terminating cluster %s, launched by this task", known)
            _terminate_logging_refusal(hook, known, self._launch_key, self.log, "Killed, but")
        try:
            clusters = self._find_killed_launch(hook, self._launch_key, known)
        except (ClientError, BotoCoreError) as error:
            self.log.error(
                "Killed, but the clusters of this launch could not be looked for (%s): one may still be running; find "
                "it by its tag %s=%s",
                error,
                IDEMPOTENCY_TAG,
                self._launch_key,
            )
            return
        for cluster_id in clusters:
            self.log.warning("Killed: terminating cluster %s, launched by this task", cluster_id)
            _terminate_logging_refusal(hook, cluster_id, self._launch_key, self.log, "Killed, but")

    def _find_killed_launch(self, hook: EmrfsEmrHook, key: str, known: str | None) -> list[str]:
        """
        Return the active clusters tagged with ``key`` other than ``known``; log why there is none.

        With the cluster ``RunJobFlow`` answered with ``known``, they are looked for once, and only when the launch
        sent ``RunJobFlow`` after an attempt whose outcome is not known (``hook.run_job_flow_unanswered``): it may
        have started two. Without it, once ``RunJobFlow`` was sent (``hook.run_job_flow_sent``) with its answer
        unknown, the search is made again after each of ``KILL_SEARCH_WAITS``, and a cluster still not found is
        logged as a warning: the launch may have gone through.
        """
        if known:
            if not hook.run_job_flow_unanswered:
                return []
            found = hook.find_clusters_by_idempotency_key(key, created_after=hook.launch_created_after)
            return [cluster_id for cluster_id in found if cluster_id != known]
        sent = hook.run_job_flow_sent
        waits = KILL_SEARCH_WAITS if sent else ()
        for wait in (0.0, *waits):
            if wait:
                time.sleep(wait)
            clusters = hook.find_clusters_by_idempotency_key(
                key,
                created_after=hook.launch_created_after,
                name=cast("dict[str, Any]", self.job_flow_overrides).get("Name"),
            )
            if clusters:
                return clusters
        if not sent:
            self.log.info("Killed before a cluster was launched for idempotency key %s", key)
            return []
        self.log.warning(
            "Killed while RunJobFlow was under way or its answer was lost: the launch may have gone through, and "
            "its cluster may be starting, billing and able to assume the partner's role, yet no active cluster "
            "carried the tag %s=%s in %d searches over %.2f s (ListClusters need not show a cluster launched "
            "seconds ago). Find the active cluster with that tag (aws emr list-clusters --active, then aws emr "
            "describe-cluster for its Tags) and terminate it (aws emr terminate-clusters --cluster-ids <id>), or "
            "let this launch's TerminateClusterOperator teardown find it by that tag",
            IDEMPOTENCY_TAG,
            key,
            len(waits) + 1,
            sum(waits),
        )
        return []

    def _launch(self, context: Context, hook: EmrfsEmrHook, name: str | None) -> str | None:
        """
        Launch (the upstream operator's ``execute``); once more if the configuration was deleted meanwhile.

        The wait for the cluster up succeeds on ``WAITING`` and ``RUNNING`` only, in the worker as deferred
        (``triggers.cluster_up_waiter_overrides``): a cluster that ended meanwhile fails it, naming its state and EMR's
        reason, unless it was launched to end after its ``Steps``. A wait in the worker that fails (``WaiterError``)
        terminates, besides the cluster the upstream operator terminates, every other active cluster of the key
        (``terminate_job_flow_on_failure``); so does an error past ``RunJobFlow``'s answer that the upstream operator
        does not clean up after (``BotoCoreError``, ``ClientError``: a connection lost while waiting).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.triggers import CLUSTER_UP_WAITER, cluster_up_waiter_overrides

        hook.job_flow_waiting_overrides = cluster_up_waiter_overrides(
            CLUSTER_UP_WAITER, ends_after_its_steps(self.job_flow_overrides)
        )
        try:
            with explain_access_denied(hook, hook.client_sending_once):  # RunJobFlow goes through client_sending_once
                try:
                    return super().execute(context)
                except ClientError as refusal:
                    if name is None or not self._recreate_if_deleted(context, hook, name, refusal):
                        raise
                    return super().execute(context)
        except WaiterError as error:
            # The upstream operator terminated the cluster RunJobFlow answered with; the key may tag another.
            known = getattr(self, "_job_flow_id", None)
            if self.terminate_job_flow_on_failure:
                self._terminate_every_cluster_of_the_key(
                    context, f"The wait for cluster {known} failed", known=known, known_ended=True
                )
            ended = cluster_not_up(error, known)
            if ended is not None:
                raise ended from error
            raise
        except (ClientError, BotoCoreError) as error:
            # Raised past the waiter (a connection error outlasting botocore's retries: Boto3 guide, "Retries"; its
            # waiter turns only an error answer into WaiterError), which the upstream operator leaves running.
            self._end_launch_after_error(context, error)
            raise

    def _end_launch_after_error(self, context: Context, error: Exception) -> None:
        """
        After ``RunJobFlow`` answered, terminate every active cluster of the key, the answered one first
        (``terminate_job_flow_on_failure``), as after a failed wait. Before it answered, the hook's ``create_job_flow``
        has warned, naming the tag, and terminated the clusters of the key its lost answers started that it found
        (:meth:`~airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook.create_job_flow`); one ``ListClusters`` did not
        show yet carries the key, for the teardown or a retry to find and end.
        """
        known = getattr(self, "_job_flow_id", None)
        if known and self.terminate_job_flow_on_failure:
            self._terminate_every_cluster_of_the_key(
                context, f"Cluster {known} was launched, then the launch failed ({error})", known=known
            )

    def _known_document(self, context: Context, name: str) -> dict[str, Any] | None:
        """Return the document to create ``name`` again from: the given one, else the create task's XCom (if ``name``'s)."""
        if self.security_configuration_document is not None:
            return self.security_configuration_document
        document = created_document(self, self._document_xcom, context, name)
        if document is None and knows_create_task(self, self._document_xcom):
            self.log.warning("No document of %s in the XCom %s of its create task", name, DOCUMENT_XCOM_KEY)
        return document

    def _recreate_if_deleted(self, context: Context, hook: EmrfsEmrHook, name: str, refusal: ClientError) -> bool:
        """
        Create the configuration again if ``RunJobFlow``'s refusal was its deletion since the check; return whether it did.

        RunJobFlow lists no error of its own for a missing configuration (Amazon EMR API Reference,
        "RunJobFlow", "Errors": InternalServerError only); invalid input is answered with
        ``ValidationException`` ("Common Errors") or EMR's ``InvalidRequestException`` ("something
        wrong with user input"). After either, the configuration itself is read again, since the
        message is not documented: only a configuration that is gone is created again, once. Other
        errors (a denial, throttling) are not input errors and are raised as they are.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import error_code, explain_access_denied

        if error_code(refusal) not in INPUT_ERROR_CODES:
            return False
        with explain_access_denied(hook):
            if hook.describe_security_configuration(name) is not None:
                return False
        document = self._known_document(context, name)
        if document is None:
            raise self._missing_configuration(hook, name) from refusal
        with explain_access_denied(hook):
            self._refuse_unfit_document(hook, document)
            self._launch_changes += hook.create_deleted_security_configuration(name, document)
        self.log.warning("RunJobFlow was refused (%s); launching again with %s created again", refusal, name)
        return True

    def _refuse_unfit_document(self, hook: EmrfsEmrHook, document: dict[str, Any] | None) -> None:
        """
        Refuse to create a missing configuration from ``document`` unless its create task would create it; no write
        (``None``: no configuration to create).

        :func:`~airflow_provider_emrfs_xacct.pure.security_config.refuse_unfit_document`, the check of
        :class:`CreateEmrfsSecurityConfigOperator` (no call), in the launch's Region, the one the configuration is
        created in (a create task's document reused by a launch in another Region names its keys of the create task's
        Region), then :func:`refuse_mapped_roles_in_account`: a destination role is in the partner's account, never
        in the EMR cluster's, so such a document given to a launch whose ``aws_conn_id`` acts in the destination
        account would create the configuration, and launch, there. A field is named under
        ``security_configuration_document``, or ``security_configuration`` for its create task's document.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.security_config import ROLE_MAPPINGS_FIELD, refuse_unfit_document

        if document is None:
            return
        given = self.security_configuration_document is not None
        source = "security_configuration_document" if given else "security_configuration"
        where = f"connection {self.aws_conn_id!r}"
        roles = refuse_unfit_document(
            document,
            where,
            lambda: (hook.conn_region_name, hook.conn_partition),
            field=source,
            mappings_field=f"{source}.{ROLE_MAPPINGS_FIELD}",
        )
        with explain_access_denied(hook):
            refuse_mapped_roles_in_account(roles, self.connection_account(hook), where)

    def _read_configuration(
        self, context: Context, hook: EmrfsEmrHook, name: str, kerberos: tuple[dict[str, Any], str]
    ) -> tuple[bool, dict[str, Any] | None, bool, tuple[str, ...] | None]:
        """
        Read the security configuration ``name``; refuse it when it does not exist and cannot be created again.

        In a dry run a configuration that does not exist yet is planned with its known document (given, or its create
        task's), and its create with the launch (:meth:`_dry_run_launch`). A
        configuration whose Kerberos section and the launch's ``KerberosAttributes`` do not come together is refused
        (:func:`~.launch_arguments.refuse_unpaired_kerberos`), before any write; not in a dry run whose document is
        not known.

        :param kerberos: the ``RunJobFlow`` arguments and how a refusal names their ``KerberosAttributes``.
        :return: whether it has role mappings, the document to create it again from when it was
            deleted, or in a dry run not created yet (``None`` when it exists), whether it requires IMDSv2, and the buckets its role mappings
            may take (:func:`~.security_config.mapped_bucket_prefixes`; ``None``: any).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.cluster_config import requires_imds_v2
        from airflow_provider_emrfs_xacct.pure.launch_arguments import refuse_unpaired_kerberos
        from airflow_provider_emrfs_xacct.pure.security_config import mapped_bucket_prefixes

        with explain_access_denied(hook):
            document = hook.describe_security_configuration(name)
        deleted = None
        if document is None and self.dry_run:
            # A dry run of the whole chain: the configuration is only planned upstream (the create task's
            # plan has it). Plan the launch with its create task's document, else as if it had role
            # mappings (the stricter case for the release).
            document = self._known_document(context, name)
            self.log.warning(
                "Security configuration %s does not exist (yet): planning the launch %s",
                name,
                self._planned_with(document),
            )
            if document is None:
                return True, None, False, None
            # Judged as the real run judges a document it creates (_refuse_unfit_document): a launch in another
            # Region than its create task's creates it from this document.
            deleted = document
        elif document is None:
            deleted = self._known_document(context, name)
            if deleted is None:
                raise self._missing_configuration(hook, name)
            document = deleted
        refuse_unpaired_kerberos(document, name, *kerberos)
        return (
            _uses_role_mappings(document, name),
            deleted,
            requires_imds_v2(document),
            mapped_bucket_prefixes(document),
        )

    def _planned_with(self, document: dict[str, Any] | None) -> str:
        """How a dry run plans a launch whose configuration does not exist yet: with which document, or without."""
        if document is None:
            return "as if it had role mappings"
        if self.security_configuration_document is not None:
            return "with its security_configuration_document, and the configuration's create from it"
        return "with its create task's document, and the configuration's create from it"

    def _dry_run_launch(
        self, context: Context, hook: EmrfsEmrHook, key: str, name: str | None, missing: dict[str, Any] | None
    ) -> str:
        """
        Return the cluster this task instance launched already; else log and push the launch it would make, and skip.

        The plan holds the create of the configuration ``name`` from ``missing``, its document, when it does not
        exist: the real run creates it before ``RunJobFlow``, and before it returns a cluster already launched.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.launch_arguments import conflicts_named_where_given

        overrides = cast("dict[str, Any]", self.job_flow_overrides)
        if name is not None and missing is not None:
            self._launch_changes = [hook.security_configuration_created(name, missing)]
        with explain_access_denied(hook), conflicts_named_where_given(self._argument_fields):
            existing = hook.find_launched_cluster(key, overrides)
        if existing:
            self.log.info("Cluster %s was already launched for this task instance", existing)
            self.report(context, self._launch_changes)
            return existing
        self.report(context, [*self._launch_changes, self._cluster_created()])
        raise AirflowSkipException(
            "Dry run: the cluster was not launched (its id exists only once RunJobFlow answers); the plan is in "
            "XCom under 'plan'. Tasks that need the cluster skip too."
        )

    @staticmethod
    def _missing_configuration(hook: EmrfsEmrHook, name: str) -> Exception:
        """Return the refusal of a configuration that does not exist and whose document is not known."""
        from airflow_provider_emrfs_xacct.hooks.errors import account_of
        from airflow_provider_emrfs_xacct.pure.launch_arguments import missing_configuration_error

        return missing_configuration_error(name, account_of(hook), hook.conn_region_name)


def _terminate_logging_refusal(hook: EmrfsEmrHook, cluster_id: str, key: str, log: Any, when: str) -> None:
    """
    Ask EMR to terminate a cluster of the launch; a refusal (termination protection, a denial) is logged, not raised.

    For ``on_kill`` and a failed deferral: an error there would replace the task's own, and each cluster of the
    launch is still tried. ``when`` starts the logged error (``"Killed, but"``).
    """
    try:
        hook.terminate_cluster(cluster_id)
    except (ClientError, BotoCoreError) as error:
        log.error(
            "%s could not terminate cluster %s (%s): it may still be running; find it by its tag %s=%s",
            when,
            cluster_id,
            error,
            IDEMPOTENCY_TAG,
            key,
        )


def refuse_mapped_roles_in_account(roles: Sequence[tuple[str, str]], account: str, where: str) -> None:
    """
    Refuse a role mapping's role in ``account``, the one the EMR connection acts in (``where`` names it).

    The EMR cluster's account never holds a destination role: such a mapping is the signature of swapped connections.
    With :func:`~airflow_provider_emrfs_xacct.pure.security_config.refuse_unfit_document` (no call), the check of every
    write of a security configuration (its create task's, a launch creating it again); this part needs the account.

    :param roles: ``(field, role ARN)`` of each mapping (``refuse_unfit_document``'s), the field naming where it was given.
    """
    from airflow_provider_emrfs_xacct.pure.validation import refuse_account

    for field, role in roles:
        refuse_account(role, account, field, where, SWAPPED_CONNECTIONS)


def ends_after_its_steps(config: Any) -> bool:
    """
    Whether ``RunJobFlow`` arguments launch a cluster that ends after its ``Steps``: it has some, and
    ``Instances.KeepJobFlowAliveWhenNoSteps`` is not true ("Specifies whether the cluster should remain available after
    completing all steps. Defaults to false", Amazon EMR API Reference, "JobFlowInstancesConfig").
    """
    if not isinstance(config, dict) or not config.get("Steps"):
        return False
    instances = config.get("Instances")
    return not (isinstance(instances, dict) and instances.get("KeepJobFlowAliveWhenNoSteps") is True)


def cluster_not_up(error: WaiterError, cluster_id: str | None) -> WaiterError | None:
    """
    The failure of a wait for the cluster up that ended on a state of a cluster ending or ended (Amazon EMR API
    Reference, "ClusterStatus"), naming that state and EMR's ``StateChangeReason``; ``None`` for another failure.
    """
    from airflow_provider_emrfs_xacct.triggers import CLUSTER_UP_ACCEPTORS

    response: dict[str, Any] = dict(error.last_response) if isinstance(error.last_response, dict) else {}
    status: dict[str, Any] = (response.get("Cluster") or {}).get("Status") or {}
    state = status.get("State")
    failing = {acceptor["expected"] for acceptor in CLUSTER_UP_ACCEPTORS if acceptor["state"] == "failure"}
    if state not in failing:
        return None
    reason = status.get("StateChangeReason") or {}
    said = ": ".join(str(reason[key]) for key in ("Code", "Message") if reason.get(key)) or "no reason given"
    return WaiterError(
        name=error.kwargs.get("name", "job_flow_waiting"),
        reason=(
            f"cluster {cluster_id} is {state} ({said}), not up (WAITING or RUNNING): it ended while the launch "
            "waited, and steps can be added only to a cluster that is STARTING, BOOTSTRAPPING, RUNNING or WAITING "
            '(Amazon EMR API Reference, "AddJobFlowSteps")'
        ),
        last_response=error.last_response,
    )


def _uses_role_mappings(document: dict[str, Any], name: str) -> bool:
    """
    Whether the configuration ``name`` has role mappings; refuse it when it also has a section AWS documents to
    take writes away from them (runtime roles, Lake Formation, the Ranger EMRFS S3 plugin: ``routing_bypasses``).
    """
    from airflow_provider_emrfs_xacct.pure.security_config import refuse_routing_bypasses, role_mappings_of

    if not role_mappings_of(document):
        return False
    refuse_routing_bypasses(document, f"security_configuration {name!r}")
    return True


def deployment_name() -> str | None:
    """Return ``[emrfs_xacct] deployment_name`` (``AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME``); ``None`` when unset or blank."""
    from airflow.providers.common.compat.sdk import conf

    return str(conf.get("emrfs_xacct", "deployment_name", fallback="") or "").strip() or None


def idempotency_key(context: Context, task_id: str | None = None, *, map_index: int | None = None) -> str:
    """
    Return a key that is the same for every try of one task instance in one deployment and differs otherwise.

    The task instance's part (DAG id, run id, task id, map index) is the same in every Airflow deployment
    that runs the DAG; the deployment's part is ``[emrfs_xacct] deployment_name`` when set, else the DAG
    run's start date (``pure.launch_arguments.deployment_key``), so that another deployment's launch,
    teardown and ``on_kill`` never take this one's cluster.

    :param task_id: the key of that task (same DAG run and map index) instead of the running one's.
    :param map_index: the key of the task instance of that map index (-1: not mapped) instead of the running one's.
    """
    from airflow_provider_emrfs_xacct.pure.launch_arguments import deployment_key, launch_key, task_instance_key

    ti = context["ti"]
    run_start = getattr(context.get("dag_run"), "start_date", None)
    return launch_key(
        task_instance_key(
            ti.dag_id, ti.run_id, task_id or ti.task_id, ti.map_index if map_index is None else map_index
        ),
        deployment_key(deployment_name(), run_start),
    )


def launch_map_indexes(dag_id: str, run_id: str, task_id: str) -> list[int]:
    """
    The map indexes of a task's instances in a DAG run (-1: not mapped), as the Task SDK API lists them.

    ``RuntimeTaskInstance.get_task_states`` answers ``{run_id: {key: state}}``, a mapped instance keyed
    ``<task_id>_<map_index>``, one not mapped ``<task_id>`` (``get_task_instance_states`` in Airflow's
    ``api_fastapi/execution_api/routes/task_instances.py``).
    """
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, task_ids=[task_id], run_ids=[run_id])
    indexes = set()
    for key in states.get(run_id, {}):
        name, _, index = key.rpartition("_")
        if key == task_id:
            indexes.add(-1)
        elif name == task_id and index.isdigit():
            indexes.add(int(index))
    return sorted(indexes)


#: Subtracted from a DAG run's times before they bound a search by creation time. They come from Airflow's
#: clocks (the scheduler's or API server's ``utcnow``, the metadata database's ``now()``), the cluster's
#: ``CreationDateTime`` from AWS's. AWS bounds only the clocks that sign its requests ("a request must reach
#: AWS within five minutes of the time stamp in the request", IAM User Guide, "AWS Signature Version 4 for
#: API requests"), not the scheduler's or the database's: an hour leaves room for a host whose clock is off
#: by more than that, at the cost of describing the clusters created in the hour before the run.
CLOCK_SKEW_MARGIN = timedelta(hours=1)
#: How much earlier than a DAG run's start date a cluster of its launch's task instance under another key must have
#: been created for the teardown to fail naming it rather than skip (``TerminateClusterOperator``): the run's start
#: date is the scheduler's clock (``clear_task_instances``: ``timezone.utcnow()``), the cluster's ``CreationDateTime``
#: AWS's. No AWS bound reaches the scheduler's clock: SigV4's five minutes bound the clocks that sign requests (IAM
#: User Guide, "AWS Signature Version 4 for API requests"), the workers', not the scheduler's (``CLOCK_SKEW_MARGIN``).
#: The margin assumes the scheduler's clock within five minutes of AWS's; one further ahead (fast) makes another
#: deployment's cluster, launched since its run started, look older than the start date, and that deployment's
#: teardown fails naming it; one further behind (slow) makes a run cleared more than five minutes after its cluster's
#: creation skip past that cluster with the warning only, as within the margin (docs/limits.md). Not ``CLOCK_SKEW_MARGIN``: a wider margin is not free here, as a
#: run cleared within it would skip past the cluster it left running.
NAMESAKE_CLOCK_SKEW_MARGIN = timedelta(minutes=5)


def is_retry(context: Context) -> bool:
    """
    Whether the task instance's ``try_number`` is above 1: a retry, or a task cleared and run again.

    Not proof of a first try when 1 (``airflow tasks test`` keeps the number): only the warning of an ended cluster
    (``EmrfsEmrHook.launch_is_retry``) rests on it, never the search for the active one.
    """
    try_number = getattr(context.get("ti"), "try_number", None)
    return isinstance(try_number, int) and try_number > 1


def known_account(hook: Any) -> str:
    """
    The account ``hook``'s connection acts in, when known without a call (``""``: not known): its ``role_arn``'s
    (``AssumeRole`` returns credentials of the role: AWS STS API Reference, "AssumeRole"), else one read already
    (``AwsBaseHook.account_id``, cached per hook: the ``expected_account_id`` check's ``GetCallerIdentity``).
    """
    from airflow_provider_emrfs_xacct.hooks.errors import role_arn_account

    return role_arn_account(hook) or str(vars(hook).get("account_id") or "")


def launch_search_bound(context: Context) -> datetime | None:
    """
    Return a time before which no try of any task of this DAG run launched a cluster, less ``CLOCK_SKEW_MARGIN``.

    ``None`` outside a DAG run (the search then reads every active cluster). The run's ``run_after`` is
    set once, when the run is created (``DagRun.__init__``; ``clear_task_instances`` and ``set_state``
    in ``airflow/models/dagrun.py`` and ``taskinstance.py`` never change it), and the scheduler starts a
    run, and schedules its tasks, only once ``DagRun.run_after <= func.now()``
    (``get_queued_dag_runs_to_set_running``, ``get_running_dag_runs_to_examine``): so every try, those
    of a task cleared later included, runs after it. It is the data interval's end for a scheduled run
    and for a backfill's (``models/backfill.py``: ``run_after=info.run_after``; a backfill of old dates
    thus narrows little), the trigger time for a manual run (``api/common/trigger_dag.py``:
    ``run_after or utcnow()``), whatever its logical date. The run's ``start_date`` is no such bound
    alone: clearing a finished run sets it anew (``clear_task_instances``: ``dr.start_date =
    timezone.utcnow()``), and so do ``queued_at`` and a run set to queued by hand (``set_state``),
    while a cleared task's earlier cluster may still run. It is kept as a second bound for runs started
    outside the scheduler (``dag.test``: ``start_date=logical_date or run_after``; ``airflow tasks
    test`` with a future date: ``run_after`` is that date's interval end, and no start date): the earliest of
    the two and now. The logical date is none: it can be absent, or later than the run (a manual run with
    a future date).
    """
    dag_run = context.get("dag_run")
    if dag_run is None:
        return None
    times = [time for time in (getattr(dag_run, "run_after", None), getattr(dag_run, "start_date", None)) if time]
    return min([*times, datetime.now(timezone.utc)]) - CLOCK_SKEW_MARGIN


#: The fields that say where a launch and its teardown act (``AwsBaseOperator``'s).
LOCATION_FIELDS = ("aws_conn_id", "region_name")


def location_fields(task: Any) -> dict[str, Any]:
    """
    ``aws_conn_id`` and ``region_name`` as the DAG gives them to ``task`` (what its ``__init__`` got, ``default_args``
    included, as Airflow records it; a mapped task's ``.partial()`` values). One not given, a ``region_name`` of
    ``None`` and a field mapped over (``.expand``: only its instances know it) are left out.
    """
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    mapped: set[str] = set()
    if not isinstance(task, MappedOperator):
        given = getattr(task, "_BaseOperator__init_kwargs", None) or {}
    else:
        given = task.partial_kwargs
        mapped = mapped_over(task._get_specified_expand_input().value)
    return {
        field: given[field]
        for field in LOCATION_FIELDS
        if field in given and field not in mapped and (field != "region_name" or given[field] is not None)
    }


def mapped_over(expand_input: Any) -> set[str]:
    """
    The arguments a mapped task's expand input maps over: ``.expand``'s names, or every name of ``.expand_kwargs``'s
    literal dicts (none known for an ``XComArg``).
    """
    items = expand_input if isinstance(expand_input, (list, tuple)) else [expand_input]
    return {name for kwargs in items if isinstance(kwargs, dict) for name in kwargs}


def is_cluster_launch(task: Any) -> bool:
    """Whether ``task`` launches an EMR cluster (an ``EmrCreateJobFlowOperator``, mapped or not)."""
    operator_class = getattr(task, "operator_class", type(task))
    return isinstance(operator_class, type) and issubclass(operator_class, EmrCreateJobFlowOperator)


def _literal(value: Any) -> bool:
    """Whether ``value`` is known when the DAG is parsed: not a template, not an ``XComArg``."""
    return value is None or (isinstance(value, str) and "{{" not in value)


def teardown_location(teardown: dict[str, Any], launches: Sequence[Any], task_id: str) -> dict[str, Any]:
    """
    The ``aws_conn_id`` and ``region_name`` a teardown not given them (``teardown``: :func:`location_fields`) takes from
    its launch (``{}``: none); refuse a literal ``region_name`` given to both that differ: the teardown would look for
    the launch's cluster in another Region (AWS General Reference, "Amazon EMR endpoints and quotas": endpoints, and so
    clusters, are per Region). Another ``aws_conn_id`` is no other place (a terminate-only connection to the launch's
    account, say), and a value given to one of them only is the run's to check (XCom ``launch_location``: Region and
    account).
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    taken: dict[str, Any] = {}
    for launch in (task for task in launches if is_cluster_launch(task)):
        for field, theirs in sorted(location_fields(launch).items()):
            own = taken.get(field, teardown.get(field))
            if field not in teardown and field not in taken:
                taken[field] = theirs
            elif field == "region_name" and _literal(own) and _literal(theirs) and own != theirs:
                raise InvalidParameterError(
                    f"{task_id}: {field}",
                    f"{own!r} is not the {field} of its launch {launch.task_id!r} ({theirs!r}): the teardown would "
                    "look for the launch's cluster in another Region (EMR lists and describes the clusters of its "
                    "endpoint's Region only), find none while the cluster keeps running. Give the teardown the "
                    f"launch's {field}, or none (it then takes the launch's). A {field} in the DAG's default_args "
                    f"counts as given to a teardown that is not mapped ({field}=None in its arguments overrides it); "
                    "a mapped one takes its launch's over default_args",
                )
    return taken


class TerminateClusterOperator(_WaitsMixin, EmrfsXacctOperatorMixin, EmrTerminateJobFlowOperator):
    """
    Terminate the cluster a launch task started: the teardown of :class:`LaunchClusterWithSecConfigOperator`.

    Use it as Airflow's teardown of the launch, after the tasks that use the cluster::

        terminate = TerminateClusterOperator(task_id="terminate_cluster", job_flow_id=cluster.output)
        cluster >> write >> terminate.as_teardown(setups=cluster)

    As a teardown it does not decide the run's state, so a run whose write failed ends failed (an
    ``all_done`` leaf would have made it a success). Unlike other teardowns it also runs when the
    launch failed (its trigger rule stays ``all_done``): a launch can fail after ``RunJobFlow``,
    e.g. while waiting for the cluster, without returning the cluster id. Without ``job_flow_id`` it
    looks for the active clusters tagged with the launch task instance's idempotency key (of this
    deployment: ``idempotency_key``), among those created since the DAG run became runnable
    (``launch_search_bound``), terminates every one, and skips when there is none (the launch never produced a
    cluster). Without ``[emrfs_xacct] deployment_name``, when none has the key but active clusters carry the tag of the
    launch's task instance under another key and were created before the run's start date (this run's before a
    finished run was cleared: a new start date; or another deployment's), it fails without retries naming them, and
    terminates none; one created since (another deployment's run) is named in a warning, and a dry run only warns. A launch that sent ``RunJobFlow`` again after an answer it lost may have started two (it has no client
    token): given ``job_flow_id``, the teardown terminates that cluster, then reads its idempotency tag and terminates
    the other active clusters carrying the same key too, when it is of ``launch_task_id``'s task instance (when
    known); a refusal of one of them fails the task after the others were terminated. A connection refused that
    search (``ListClusters``, or ``DescribeCluster`` on the cluster given) has still terminated the cluster given: a
    warning names the refused action and the tag of the clusters that may be left running, and the task does not
    fail (without ``job_flow_id`` a refused search fails it: nothing was found). That search relies on ``ListClusters``
    showing a cluster launched seconds before, which AWS does not promise: after a launch that failed
    right after ``RunJobFlow``, a cluster the search missed keeps running (find it by its
    ``emrfs-xacct:idempotency-key`` tag). Mapped (``.partial(...).expand(...)``), ``as_teardown`` does the same,
    each instance looking for the cluster of the launch instance of its own map index (see ``partial``; a teardown
    mapped over its mapped launch's output is refused). Not mapped, the teardown of a mapped launch
    (``TerminateClusterOperator(job_flow_id=launch.output).as_teardown(setups=launch)``: Airflow gives it the list of
    the ids the launch instances returned) terminates those clusters and the active clusters tagged with the key of
    each instance of the launch in the run (one that failed after ``RunJobFlow`` returned no id); which instances
    there are it reads through the Task SDK API (``get_task_states``). ``TerminateJobFlows`` is asynchronous
    (AWS, Amazon EMR API Reference, "TerminateJobFlows"): the cluster goes through ``TERMINATING``,
    which the search by tag does not count as active.

    A cluster launched with ``Instances.TerminationProtected: true`` refuses ``TerminateJobFlows``
    (Amazon EMR Management Guide, "Using termination protection"): the task then fails, naming the
    cluster, unless ``disable_termination_protection`` lets it turn protection off first. Make that
    failure fail the run: ``as_teardown(setups=launch, on_failure_fail_dagrun=True)``, with a
    non-teardown task after the work (so that a failed write still fails the run).

    :param job_flow_id: the cluster id, usually ``launch.output``; a list of them (a mapped launch's ``.output`` in a
        teardown that is not mapped); empty when the launch returned none. A list rendered as text (``"['j-A',
        'j-B']"``) is refused before any call: pass the list, or set ``render_template_as_native_obj=True``. (templated)
    :param launch_task_id: task id of the launch (same DAG run and map index), to find its cluster
        by its idempotency tag when ``job_flow_id`` is empty; ``as_teardown(setups=launch)`` sets it
        to the launch's task id. (default: None)
    :param disable_termination_protection: when EMR refuses because the cluster is termination
        protected, turn protection off (``SetTerminationProtection``) and terminate it; only for a
        cluster this provider launched (it carries the idempotency tag, of ``launch_task_id``'s task
        instance when that is known, in whichever deployment or start date of the run: a finished run
        cleared has a new one); ``True``/``False`` or their rendered text. (templated, default: False: fail and
        leave the cluster protected)
    :param dry_run: find the cluster and log the plan (its termination); terminate nothing. (templated,
        default: False)
    :param expected_account_id: the EMR account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account (another than the launch's, to its account, is the
        same place); not given (nor in ``default_args``, which a mapped teardown does not count),
        ``as_teardown(setups=launch)`` gives it the launch's. (templated)
    :param region_name: the AWS Region of its clients, the cluster's; default: the launch's under ``as_teardown``
        (when the launch was given one), else the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param deferrable: after ``TerminateJobFlows``, wait in the triggerer until the first cluster has ended
        (``TERMINATED`` or ``TERMINATED_WITH_ERRORS``); in the worker the teardown does not wait. (default:
        ``[operators] default_deferrable``, else False)
    :param waiter_delay: deferred, seconds between two reads of the cluster's state; a whole number, or its rendered
        text (refused before any call otherwise, deferred or not). (templated, default: 60)
    :param waiter_max_attempts: deferred, reads of the cluster's state before the wait fails; a whole number from 1,
        or its rendered text. (templated, default: 20)
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    #: The idempotency keys of the launch task instances this teardown ends (``_launch_keys``), once looked for.
    _launch_instance_keys: Sequence[str] = ()
    #: The map indexes of the launch task instances of ``_launch_instance_keys``, in the same order.
    _launch_indexes: Sequence[int] = ()
    #: The clusters this try ends, the one it waits for first: the deferral hands them to ``execute_complete``.
    _ending: Sequence[str] = ()
    template_fields: Sequence[str] = (
        *EmrTerminateJobFlowOperator.template_fields,
        "disable_termination_protection",
        # Templated as the launch's (EmrCreateJobFlowOperator's); the Amazon teardown does not template them.
        "waiter_delay",
        "waiter_max_attempts",
        *SAFETY_TEMPLATE_FIELDS,
    )
    # A mapped launch's ``.output`` is a list: the Rendered Template view shows it as JSON.
    template_fields_renderers = {"job_flow_id": "json"}

    def __init__(
        self,
        *,
        job_flow_id: str | None = None,
        launch_task_id: str | None = None,
        disable_termination_protection: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(job_flow_id=job_flow_id, **kwargs)
        self.launch_task_id = launch_task_id
        self.disable_termination_protection = disable_termination_protection

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> TerminateClusterOperator:
        taken = teardown_location(location_fields(self), self._launches_of(setups), self.task_id)
        super().as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        # Airflow's teardown rule (all_done_setup_success) would not run it after a failed launch.
        self.trigger_rule = TriggerRule.ALL_DONE
        for field, value in taken.items():
            setattr(self, field, value)
        if self.launch_task_id is None:
            self.launch_task_id = self._launch_task_id_of(setups)
        return self

    @staticmethod
    def _launches_of(setups: Any) -> list[Any]:
        """The tasks ``as_teardown`` was given as ``setups`` (an ``XComArg`` as its task)."""
        launches = list(setups) if isinstance(setups, (list, tuple, set)) else [setups] if setups is not None else []
        return [getattr(launch, "operator", launch) for launch in launches]

    @classmethod
    def _launch_task_id_of(cls, setups: Any) -> str | None:
        """The launch's task id when ``setups`` is one task, else ``None`` (which launch's tag to look for is unknown)."""
        launches = cls._launches_of(setups)
        return str(launches[0].task_id) if len(launches) == 1 else None

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """
        Give the mapped task (``.partial(...).expand(...)``) this class's ``as_teardown``, not Airflow's.

        Airflow builds a mapped task as its own ``MappedOperator``, whose ``as_teardown`` is Airflow's: the mapped
        teardown kept Airflow's rule (``all_done_setup_success``: skipped once every launch instance failed, also
        after ``RunJobFlow``) and no ``launch_task_id`` (an instance without a cluster id skipped instead of
        looking for its launch's cluster by its tag), so such a cluster kept running. Mapped, ``as_teardown`` now
        sets both as for a task that is not mapped (``launch_task_id`` unless given); each instance looks for the
        cluster of the launch instance of its own map index. It refuses a teardown mapped over the output of a
        mapped launch (``.expand(job_flow_id=launch.output)``): Airflow makes an instance for each launch that
        returned a cluster id only, so a launch that failed after ``RunJobFlow`` has no teardown instance.
        """
        partial = super().partial(**kwargs)
        partial.__class__ = cls._TeardownPartial  # no attribute of its own (``__slots__ = ()``): the same layout
        return partial

    # Airflow's mapped-task classes (loaded with the Amazon provider's operators above), subclassed for ``partial``.
    from airflow.sdk.definitions.mappedoperator import MappedOperator as _MappedOperator
    from airflow.sdk.definitions.mappedoperator import OperatorPartial as _OperatorPartial

    class _MappedTeardown(_MappedOperator):
        """A mapped :class:`TerminateClusterOperator`: ``as_teardown`` as the class's (``TerminateClusterOperator.partial``)."""

        __slots__ = ()

        def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> Any:
            from airflow.sdk.definitions.mappedoperator import MappedOperator
            from airflow.sdk.definitions.xcom_arg import XComArg

            from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

            expand_input = self._get_specified_expand_input().value
            launches = TerminateClusterOperator._launches_of(setups)
            mapped_launches = [launch.task_id for launch in launches if isinstance(launch, MappedOperator)]
            over = sorted({ref.task_id for ref, _ in XComArg.iter_xcom_references(expand_input)} & set(mapped_launches))
            if over:
                launch = over[0]
                arguments = [
                    name
                    for name, value in (expand_input.items() if isinstance(expand_input, dict) else [])
                    if any(ref.task_id == launch for ref, _ in XComArg.iter_xcom_references(value))
                ]
                mapping = f".expand({arguments[0]}=...)" if arguments else ".expand_kwargs(...)"
                raise InvalidParameterError(
                    f"{self.task_id}: {mapping}",
                    f"a teardown mapped over the output of the mapped launch {launch!r} gets an instance only for each "
                    "launch instance that returned a cluster id: one that failed after RunJobFlow (e.g. while waiting "
                    "for the cluster) returns none, and its cluster would keep running. Put the launch and its teardown "
                    "in a mapped task group (@task_group, then .expand or .expand_kwargs, as "
                    "dags/emrfs_xacct_many_partners.py does), or map the teardown over a list as long as the launch's "
                    "(its map indexes are then the launch's) and give .partial() "
                    f"job_flow_id=\"{{{{ ti.xcom_pull(task_ids='{launch}', map_indexes=ti.map_index, default='') }}}}\": "
                    "an instance whose launch returned no cluster id finds its cluster by its tag; or use one teardown "
                    "that is not mapped, TerminateClusterOperator(job_flow_id=<the launch>.output).as_teardown("
                    f"setups=<the launch>), which terminates the clusters of every instance of {launch!r}",
                )
            taken = teardown_location(location_fields(self), launches, self.task_id)
            super().as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
            # As TerminateClusterOperator.as_teardown: Airflow's rule would not run it after failed launches.
            self.trigger_rule = TriggerRule.ALL_DONE
            self.partial_kwargs.update(taken)
            mapped_names = mapped_over(expand_input)
            launch_task_id = TerminateClusterOperator._launch_task_id_of(setups)
            if (
                self.partial_kwargs.get("launch_task_id") is None
                and "launch_task_id" not in mapped_names
                and launch_task_id is not None
            ):
                self.partial_kwargs["launch_task_id"] = launch_task_id
            return self

    class _TeardownPartial(_OperatorPartial):
        """``TerminateClusterOperator.partial(...)``: its ``.expand`` and ``.expand_kwargs`` make a ``_MappedTeardown``."""

        __slots__ = ()

        def _expand(self, expand_input: Any, *, strict: bool) -> Any:
            mapped = super()._expand(expand_input, strict=strict)
            mapped.__class__ = TerminateClusterOperator._MappedTeardown  # the same layout, as for the partial
            return mapped

    del _MappedOperator, _OperatorPartial

    def execute(self, context: Context) -> None:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.validation import validate_bool

        self.validate_safety()
        self.validate_waits()
        self._clusters_read = {}  # this try's own reads
        given = self._given_clusters()
        self.disable_termination_protection = validate_bool(
            self.disable_termination_protection, "disable_termination_protection"
        )
        if self.expected_account_id is not None:
            with explain_access_denied(self.hook):
                self.connection_account(self.hook)
        # Before any termination: turning protection off checks the cluster's tag against the launch's keys.
        self._launch_instance_keys = self._launch_keys(context) if self.launch_task_id else []
        clusters = given
        if not given:
            with explain_access_denied(self.hook):
                clusters = self._clusters_of_the_launch(context, given)
        if not clusters:
            self._refuse_another_location(context, "no cluster of the launch was found")
            if not self.dry_run:  # its launch always skips: the search's warning alone names a cluster found
                self._refuse_to_skip_past_namesakes(context)
            raise AirflowSkipException(
                f"No cluster to terminate: the launch ({self.launch_task_id or 'job_flow_id'}) produced none"
            )
        self.job_flow_id = clusters[0]
        # A mapped launch's instance whose cluster is not here may have launched elsewhere: failed after the others end.
        elsewhere = self._launched_elsewhere(
            context, "no cluster of a launch instance was found", self._instances_not_found(clusters)
        )
        with self._unknown_cluster_explained(context):
            if self.dry_run:
                planned = [*clusters, *self._other_clusters_of_the_launch(context, given)]
                self.report(context, [change for cluster_id in planned for change in self._teardown_plan(cluster_id)])
                if elsewhere is not None:
                    raise elsewhere
                return
            if self.deferrable and self.region_name is None:
                # As the launch: the trigger waits in the cluster's region (the connection's), not the triggerer's.
                self.region_name = self.hook.conn_region_name
            self._ending = clusters
            self._terminate_all(context, clusters, given, elsewhere)

    @contextmanager
    def _unknown_cluster_explained(self, context: Context) -> Iterator[None]:
        """
        Turn EMR's "Cluster id ... is not valid" (``InvalidRequestException``, ``ValidationException``: a cluster of
        another Region or account, Amazon EMR API Reference, "DescribeCluster") into a failure naming where the launch
        launched, when its record says another Region or account than this teardown's.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import error_code, error_message

        try:
            yield
        except ClientError as error:
            if error_code(error) in INPUT_ERROR_CODES and "is not valid" in error_message(error):
                self._refuse_another_location(context, f"{error.operation_name} answered {error_message(error)!r}")
            raise

    def _refuse_another_location(self, context: Context, what: str) -> None:
        """Raise :meth:`_launched_elsewhere`'s failure for every launch instance this teardown ends, if any."""
        elsewhere = self._launched_elsewhere(context, what)
        if elsewhere is not None:
            raise elsewhere

    def _launched_elsewhere(
        self, context: Context, what: str, indexes: Sequence[int] | None = None
    ) -> Exception | None:
        """
        A failure naming ``region_name`` / ``aws_conn_id`` and the launch instance, when one of the map ``indexes``
        (``None``: every one this teardown ends) recorded (XCom ``launch_location``, pushed before ``RunJobFlow``)
        another Region or account than this teardown's: its cluster may be running there (EMR lists and describes the
        clusters of its endpoint's Region only: Amazon EMR Management Guide, "Choose an AWS Region for your Amazon EMR
        cluster"; AWS General Reference, "Amazon EMR endpoints and quotas"; clusters belong to the account that launched them). Another connection id
        to the same account is the same place; a record without an account (static keys and none read, or an earlier
        release's) places another connection id elsewhere, as its account is not known. One XCom read; this teardown's account is read (:func:`acting_account`:
        no call for a connection with ``role_arn``) only for a record of its Region that names an account.
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError

        here: dict[str, Any] = {"region_name": self.hook.conn_region_name}
        for index, record in self._launch_records(context, indexes).items():
            field = self._other_place(record, here)
            if field:
                instance = f" (map index {index})" if index >= 0 else ""
                return PreconditionError(
                    f"{what} in Region {here['region_name']} (account {here.get('account', 'not read')}) through "
                    f"connection {self.aws_conn_id!r}, but the launch {self.launch_task_id!r}{instance} launched in "
                    f"Region {record.get('region_name')} (account {record.get('account', 'not recorded')}) through "
                    f"connection {record.get('aws_conn_id')!r}: its cluster may be running there, billing. Give the "
                    f"teardown the launch's {field} (as_teardown(setups=launch) gives a teardown not given them the "
                    f"launch's), then clear it; or terminate the cluster there by its tag {IDEMPOTENCY_TAG}",
                    field=field,
                )
        return None

    def _launch_records(self, context: Context, indexes: Sequence[int] | None) -> dict[int, Any]:
        """The ``launch_location`` record of each launch instance of map ``indexes`` (``None``: all), in one XCom read."""
        pull = getattr(context.get("ti"), "xcom_pull", None)
        wanted = (list(self._launch_indexes) or [-1]) if indexes is None else list(indexes)
        if not self.launch_task_id or pull is None or not wanted:
            return {}
        pulled = pull(
            task_ids=str(self.launch_task_id),
            key=LAUNCH_LOCATION_XCOM_KEY,
            map_indexes=wanted[0] if len(wanted) == 1 else wanted,
        )
        return dict(
            zip(wanted, pulled if len(wanted) > 1 and isinstance(pulled, (list, tuple)) else [pulled], strict=False)
        )

    def _other_place(self, record: Any, here: dict[str, Any]) -> str | None:
        """
        The field (``region_name``, ``aws_conn_id``) that places a launch's ``record`` elsewhere than ``here`` (this
        teardown's Region, and its account once read); ``None``: the same place. A record without an account (static
        keys with none read, or an earlier release's) cannot say the account is the same: another connection id is
        another place, as it may act in another account.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import acting_account

        if not isinstance(record, dict):
            return None
        if "region_name" in record and record["region_name"] != here["region_name"]:
            return "region_name"
        if "account" not in record:
            return "aws_conn_id" if record.get("aws_conn_id", self.aws_conn_id) != self.aws_conn_id else None
        here.setdefault("account", acting_account(self.hook))
        return "aws_conn_id" if record["account"] != here["account"] else None

    def _instances_not_found(self, clusters: list[str]) -> list[int]:
        """
        The map indexes of the instances of a mapped launch this teardown ends whose idempotency key tags none of
        ``clusters``, as they were read (no call): a cluster not read counts as not found.
        """
        from airflow_provider_emrfs_xacct.pure.launch_arguments import idempotency_tag_value, same_task_instance

        if len(self._launch_instance_keys) < 2:
            return []
        hook, read = cast("EmrfsEmrHook", self.hook), self._clusters_read
        tags = [
            (hook.clusters_of_keys_read.get(cluster_id) or read.get(cluster_id) or {}).get("Tags", [])
            for cluster_id in clusters
        ]
        found = [key for key in map(idempotency_tag_value, tags) if key is not None]
        return [
            index
            for index, key in zip(self._launch_indexes, self._launch_instance_keys, strict=True)
            if not any(same_task_instance(key, other) for other in found)
        ]

    def defer(
        self,
        *,
        trigger: Any,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | float | None = None,
    ) -> NoReturn:
        """
        Defer the wait for the first cluster, handing ``execute_complete`` every cluster this teardown ends.

        The task resumes as a new operator, whose ``job_flow_id`` is rendered again: a list (a mapped launch's
        ``.output``), or empty when the clusters were found by their tag. Airflow, "Deferrable Operators & Triggers":
        "The only way you can pass state from the old instance of the operator to the new one is with
        ``method_name`` and ``kwargs``."
        """
        if self._ending:
            kwargs = {**(kwargs or {}), "job_flow_ids": list(self._ending)}
        super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)

    def _given_clusters(self) -> list[str]:
        """
        The cluster ids ``job_flow_id`` gives, validated: one id, or a list of them; none when empty.

        A list is what a teardown that is not mapped gets from a mapped launch's ``.output`` (Airflow's lazy sequence
        of the ids its instances returned; an instance that returned none, or failed, is not in it); an empty item is
        skipped as an empty ``job_flow_id`` is.
        """
        from collections.abc import Iterable, Mapping, Sequence, Set

        from airflow_provider_emrfs_xacct.pure.cluster_config import validate_cluster_id
        from airflow_provider_emrfs_xacct.pure.validation import refuse_rendered_text

        given = self.job_flow_id
        # A mapped launch's ids rendered as text ("['j-A', 'j-B']", default rendering) would be sent as one id.
        refuse_rendered_text(given, "job_flow_id", "list")
        if given is None or given == "" or (not given and isinstance(given, Sequence) and not isinstance(given, bytes)):
            return []  # empty (None, "", [], a lazy sequence of none): the launch returned none (by its tag, or skipped)
        if isinstance(given, (str, bytes, Mapping, Set)) or not isinstance(given, Iterable):
            return [validate_cluster_id(self.job_flow_id, "job_flow_id")]
        ids = [
            validate_cluster_id(item, f"job_flow_id[{index}]")
            for index, item in enumerate(self.job_flow_id)
            if item is not None and item != ""
        ]
        return list(dict.fromkeys(ids))

    def _clusters_of_the_launch(self, context: Context, given: list[str]) -> list[str]:
        """
        The clusters to terminate: those ``given`` and the other active clusters of their idempotency keys; without
        one, or when this teardown ends every instance of a mapped launch, every active cluster tagged with a key of
        the launch's task instances (``_launch_instance_keys``); those given first.

        ``RunJobFlow`` has no client token: a launch that sent it again after an answer it lost, while ``ListClusters``
        did not show the first cluster yet, started two under one key, and returned the second. A given cluster's key
        is looked for only when it is of a task instance of ``launch_task_id`` (when known), among the clusters
        created since the run's bound, as without it (``launch_search_bound``); a cluster the connection may not
        describe is skipped and named, as in the launch's search. A launch instance that failed after ``RunJobFlow``
        returned no id: its cluster is found by its tag only.
        """
        hook = cast("EmrfsEmrHook", self.hook)
        return self._clusters_of_keys(context, given, self._keys_to_search(hook, given))

    def _keys_to_search(self, hook: EmrfsEmrHook, given: list[str]) -> list[str]:
        """The idempotency keys whose clusters the teardown ends: of the clusters ``given``, and the launch's."""
        keys = list(self._launch_instance_keys)
        searched = [key for cluster_id in given if (key := self._key_of_given_cluster(hook, cluster_id, keys))]
        if not given or len(keys) > 1:
            searched += keys
        return list(dict.fromkeys(searched))

    def _clusters_of_keys(self, context: Context, given: list[str], searched: list[str]) -> list[str]:
        """Those ``given``, then the other active clusters tagged with one of the keys ``searched``."""
        hook = cast("EmrfsEmrHook", self.hook)
        found = hook.find_clusters_of_keys(searched, created_after=launch_search_bound(context)) if searched else []
        untold = [cluster_id for cluster_id in found if cluster_id not in given]
        if untold and not given:
            self.log.info("The launch returned no cluster id; found its cluster(s) %s by its tag", ", ".join(found))
        elif untold and len(self._launch_instance_keys) > 1:
            self.log.info(
                "Found cluster(s) %s of the mapped launch %r by their tags (besides the ids its instances returned)",
                ", ".join(untold),
                self.launch_task_id,
            )
        return [*given, *untold]

    def _other_clusters_of_the_launch(self, context: Context, given: list[str]) -> list[str]:
        """
        The active clusters of the launch of the clusters ``given`` besides them (:meth:`_clusters_of_the_launch`).

        The teardown looks for them after it has sent ``TerminateJobFlows`` for those given (a dry run only plans
        that), so a connection refused ``ListClusters`` still ends the cluster it was given: the refusal is a warning
        naming the action and the tag of the clusters that may be left running, and the task does not fail, as a
        refused ``DescribeCluster`` of a given cluster (:meth:`_key_of_given_cluster`) and the launch's search
        skipping a cluster it may not describe. ``ListClusters`` takes no cluster id, and EMR's tag condition keys
        "apply only to those Amazon EMR API actions that accept ClusterID as a request parameter" (Amazon EMR
        Management Guide, "Use Cluster Tags for Fine-Grained Access Control", now "IAM policies for tag-based access
        to clusters and EMR notebooks"): a policy scoped to the team's clusters by tag may allow ``TerminateJobFlows``
        and ``DescribeCluster`` on them and not ``ListClusters``.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import error_message, is_access_denied

        if not given:
            return []
        searched = self._keys_to_search(cast("EmrfsEmrHook", self.hook), given)
        try:
            return self._clusters_of_keys(context, given, searched)[len(given) :]
        except ClientError as error:
            if not is_access_denied(error):
                raise
            self.log.warning(
                "%s was refused (%s): the teardown ends cluster(s) %s, but did not look for the other active clusters "
                "of their launch: a cluster it started under the same key (RunJobFlow sent again after an answer it "
                "lost) may still be running and billing. Find any by the tag %s=%s and terminate it; grant this "
                "connection elasticmapreduce:ListClusters (resource *) and elasticmapreduce:DescribeCluster on the "
                "clusters it launches for the teardown to do it",
                error.operation_name,
                error_message(error),
                ", ".join(given),
                IDEMPOTENCY_TAG,
                " or ".join(searched),
            )
            return []

    def _refuse_to_skip_past_namesakes(self, context: Context) -> None:
        """
        Fail without retries, naming them, when the search found no cluster of the launch's keys but active clusters
        of its task instances under another key (:attr:`~.EmrfsEmrHook.idempotency_tags_read`) created before the DAG
        run's start date, less ``NAMESAKE_CLOCK_SKEW_MARGIN``, without ``[emrfs_xacct] deployment_name``.

        The key's deployment part is then the DAG run's start date, which clearing a finished run sets anew
        (``clear_task_instances``: ``dr.start_date = timezone.utcnow()``): a launch that failed after ``RunJobFlow``
        without returning the id, whose teardown then failed and was cleared, left its cluster under the earlier key,
        created before the new start date. Skipping said the launch "produced none" while that cluster kept running.
        It is not terminated either: the tag cannot tell this deployment's earlier start date from another
        deployment's run of the same DAG run (a hash of it; docs/limits.md, "Two Airflow deployments in one EMR
        account and Region"), and terminating would end that deployment's job. A cluster created since the start
        date (``Status.Timeline.CreationDateTime``, :attr:`~.EmrfsEmrHook.creation_times_read`) is no cluster this
        run left before a clear: another deployment's (a staging copy of production), named by the search's warning,
        and the teardown skips; so it does with ``deployment_name``, whose key survives a clear.
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError

        started = getattr(context.get("dag_run"), "start_date", None)
        if started is None or deployment_name() is not None:
            return
        namesakes = self._namesakes_created_before(started - NAMESAKE_CLOCK_SKEW_MARGIN)
        if not namesakes:
            return
        raise PreconditionError(
            f"no active cluster carries the {IDEMPOTENCY_TAG} tag of launch task {self.launch_task_id!r} in this run "
            f"({' or '.join(self._launch_instance_keys)}), but active cluster(s) "
            + ", ".join(f"{cluster_id} ({IDEMPOTENCY_TAG}={key})" for cluster_id, key in sorted(namesakes.items()))
            + f" carry the tag of its task instance under another key and were created before this run's start date "
            f"({started.isoformat()}): launched by this run before a finished run was cleared (clearing sets a new "
            "start date, which the key holds without [emrfs_xacct] deployment_name), or by another Airflow "
            "deployment running this DAG run. The tag cannot tell which, so they were not terminated, and may be "
            "running and billing: if they are this deployment's, terminate them (aws emr terminate-clusters "
            "--cluster-ids <id>); set [emrfs_xacct] deployment_name to keep the key across clears"
        )

    def _namesakes_created_before(self, bound: datetime) -> dict[str, str]:
        """The key of each cluster of the launch's task instances under another key the search read, created before ``bound``."""
        from airflow_provider_emrfs_xacct.pure.launch_arguments import same_task_instance

        hook = cast("EmrfsEmrHook", self.hook)
        created = hook.creation_times_read
        return {
            cluster_id: key
            for cluster_id, key in hook.idempotency_tags_read.items()
            if any(same_task_instance(key, own) for own in self._launch_instance_keys)
            and cluster_id in created
            and created[cluster_id] < bound
        }

    def _launch_keys(self, context: Context) -> list[str]:
        """
        The idempotency keys of the launch task instances this teardown ends: the launch's, of this map index.

        A launch that is not mapped has one task instance, map index -1, whatever this teardown's. A mapped launch
        (``.expand``, or in a mapped task group) with a mapped teardown: the instance of the teardown's own map index
        (a mapped task group, or a teardown mapped over a list as long). With a teardown that is not mapped: every
        instance of the launch in this DAG run, as Airflow's Task SDK API lists them (``get_task_states``). Where the
        launch is not in this teardown's DAG (a teardown built alone): the teardown's own map index, as before.
        """
        ti = context["ti"]
        launch_task_id, own_index = str(self.launch_task_id), -1 if ti.map_index is None else ti.map_index
        mapped = self._launch_is_mapped()
        if mapped is False:
            indexes = [-1]
        elif mapped is None or own_index >= 0:
            indexes = [own_index]
        else:
            indexes = launch_map_indexes(ti.dag_id, ti.run_id, launch_task_id)
        self._launch_indexes = indexes
        return [idempotency_key(context, launch_task_id, map_index=index) for index in indexes]

    def _launch_is_mapped(self) -> bool | None:
        """Whether the launch task is mapped (itself, or in a mapped task group); ``None``: not in this DAG."""
        from airflow.sdk.definitions.mappedoperator import MappedOperator

        dag = self.get_dag()
        if dag is None or not dag.has_task(str(self.launch_task_id)):
            return None
        launch = dag.get_task(str(self.launch_task_id))
        return isinstance(launch, MappedOperator) or launch.get_closest_mapped_task_group() is not None

    @cached_property
    def _clusters_read(self) -> dict[str, dict[str, Any] | None]:
        """Each cluster :meth:`_cluster_read` described (``None``: refused), by id: empty until one is read."""
        return {}

    def _cluster_read(self, hook: EmrfsEmrHook, cluster_id: str) -> dict[str, Any] | None:
        """
        The cluster ``cluster_id`` as ``DescribeCluster`` (or the teardown's search) described it, read once per run;
        ``None``: the read was refused (access denied), warned of once.
        """
        from airflow_provider_emrfs_xacct.hooks.errors import error_message, is_access_denied

        read = self._clusters_read
        if cluster_id in hook.clusters_of_keys_read:
            return hook.clusters_of_keys_read[cluster_id]
        if cluster_id not in read:
            try:
                read[cluster_id] = hook.describe_cluster(cluster_id)
            except ClientError as error:
                if not is_access_denied(error):
                    raise
                self.log.warning(
                    "DescribeCluster of cluster %s was refused (%s): its %s tag is not read, so other clusters its "
                    "launch may have started are not looked for; grant elasticmapreduce:DescribeCluster on it",
                    cluster_id,
                    error_message(error),
                    IDEMPOTENCY_TAG,
                )
                read[cluster_id] = None
        return read[cluster_id]

    def _known_ended(self, cluster_id: str) -> bool:
        """
        Whether ``cluster_id`` has ended or is ending (``TERMINATING``, ``TERMINATED``, ``TERMINATED_WITH_ERRORS``:
        Amazon EMR API Reference, "ClusterStatus"), as read; a cluster not read is not known to.
        """
        from airflow_provider_emrfs_xacct.hooks.emr import ENDED_CLUSTER_STATES

        try:
            cluster = self._cluster_read(cast("EmrfsEmrHook", self.hook), cluster_id)
        except (ClientError, BotoCoreError) as error:  # the teardown still ends it: a failed read is no reason not to
            self.log.info("Cluster %s was not read (%s): terminating it", cluster_id, error)
            return False
        state = ((cluster or {}).get("Status") or {}).get("State")
        if state in ENDED_CLUSTER_STATES:
            self.log.info("Cluster %s is %s already: not terminated again", cluster_id, state)
            return True
        return False

    def _teardown_plan(self, cluster_id: str) -> list[Change]:
        """
        The changes the real run makes to ``cluster_id``: none when it has ended or is ending; its termination
        protection turned off first where the real run would (the same refusals, :meth:`_refuse_to_turn_protection_off`).
        """
        from airflow_provider_emrfs_xacct.pure.plan import DELETE, UPDATE, Change

        if self._known_ended(cluster_id):
            return []
        cluster = self._cluster_read(cast("EmrfsEmrHook", self.hook), cluster_id) or {}
        delete = Change(DELETE, f"emr cluster {cluster_id}", {"ClusterId": cluster_id}, None)
        if not cluster.get("TerminationProtected"):
            return [delete]
        self._refuse_to_turn_protection_off(cluster_id, cluster)
        protection = f"emr cluster {cluster_id} termination protection"
        return [Change(UPDATE, protection, {"TerminationProtected": True}, {"TerminationProtected": False}), delete]

    def _key_of_given_cluster(self, hook: EmrfsEmrHook, cluster_id: str, launch_keys: list[str]) -> str | None:
        """
        The idempotency key the cluster ``cluster_id`` is tagged with, to find the other clusters its launch started;
        ``None``: none to look for (no tag, of another task instance than the launch's ``launch_keys``, or
        ``DescribeCluster`` refused).
        """
        from airflow_provider_emrfs_xacct.pure.launch_arguments import idempotency_tag_value, same_task_instance

        cluster = self._cluster_read(hook, cluster_id)
        if cluster is None:
            return None
        key = idempotency_tag_value(cluster.get("Tags", []))
        if key is not None and launch_keys and not any(same_task_instance(key, launch) for launch in launch_keys):
            self.log.info(
                "Cluster %s carries the %s tag of another task instance than launch task %r: the clusters of that "
                "tag are not looked for",
                cluster_id,
                IDEMPOTENCY_TAG,
                self.launch_task_id,
            )
            return None
        return key

    def _terminate_all(
        self, context: Context, clusters: list[str], given: list[str], elsewhere: Exception | None = None
    ) -> None:
        """
        Terminate ``clusters``, then the launch's other active clusters (with ``given``), then wait for the first.

        ``TerminateJobFlows`` goes to the clusters found or given before the search for others and the reads for the
        console link, so neither a refused search (:meth:`_other_clusters_of_the_launch`) nor a refused or failed
        ``DescribeCluster`` of the cluster (its state, read first to leave an ended one alone; its tag, the log URI of
        its console link: :meth:`_persist_links`) leaves it running; the upstream operator's ``execute`` read the log
        URI first, and a refusal sent no termination. A refusal of one (termination
        protection) does not stop the others: each is tried, and the first refusal is raised at the end, without
        waiting (the task fails either way), as is ``elsewhere`` (:meth:`_launched_elsewhere`: a launch instance whose
        cluster may be running in another Region or account), first. Deferred, the first cluster is waited for in the
        triggerer.
        """
        mapped = len(self._launch_instance_keys) > 1
        if len(clusters) > 1 and mapped:
            self.log.info(
                "Terminating the clusters of every instance of the mapped launch %r: %s",
                self.launch_task_id,
                ", ".join(clusters),
            )
        elif len(clusters) > 1 and not given:
            self._warn_of_duplicates(clusters)
        refusals = self._terminate_each(context, clusters)
        others = self._other_clusters_of_the_launch(context, given)
        if others and not mapped:
            self._warn_of_duplicates([*clusters, *others])
        refusals += self._terminate_each(context, others)
        self._ending = [*clusters, *others]
        self._persist_links(context, clusters[0])
        failures = [*([elsewhere] if elsewhere is not None else []), *refusals]
        for failure in failures[1:]:
            self.log.error("%s", failure)
        if failures:
            raise failures[0]
        if self.deferrable:
            self._defer_the_wait(clusters[0])

    def _warn_of_duplicates(self, clusters: list[str]) -> None:
        """Warn that the launch started every one of ``clusters`` under its key, and that the teardown ends them."""
        self.log.warning(
            "The launch started more than one cluster under its %s tag (RunJobFlow has no client token: it was sent "
            "again after an answer it lost): terminating every one, %s",
            IDEMPOTENCY_TAG,
            ", ".join(clusters),
        )

    def _terminate_each(self, context: Context, clusters: list[str]) -> list[Exception]:
        """Terminate each cluster; return the refusals, each logged naming its cluster (the others are still tried)."""
        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

        refusals: list[Exception] = []
        for cluster_id in clusters:
            if self._known_ended(cluster_id):
                continue
            try:
                self._terminate(context, cluster_id)
            except (ClientError, BotoCoreError, EmrfsXacctError) as refusal:
                self.log.error("Cluster %s was not terminated: %s", cluster_id, refusal)
                refusals.append(refusal)
        return refusals

    def _terminate(self, context: Context, cluster_id: str) -> None:
        """Terminate a cluster; a protected one only as ``disable_termination_protection`` says."""
        from airflow_provider_emrfs_xacct.hooks.errors import error_code, explain_access_denied

        hook = cast("EmrfsEmrHook", self.hook)
        self.log.info("Terminating cluster %s", cluster_id)
        try:
            hook.terminate_cluster(cluster_id)
        except ClientError as error:
            # EMR refuses to terminate a protected cluster with ValidationException (moto too); the
            # cluster's own TerminationProtected says whether that was the reason, not the message.
            if error_code(error) != "ValidationException":
                raise
            with explain_access_denied(self.hook):
                cluster = hook.describe_cluster(cluster_id)
            if not cluster.get("TerminationProtected"):
                raise
            self._turn_protection_off(context, cluster_id, cluster, error)
            hook.terminate_cluster(cluster_id)

    def _persist_links(self, context: Context, cluster_id: str) -> None:
        """
        Keep the upstream operator's console links of the first cluster: the cluster's, and its logs' (their S3
        location, ``LogUri``, is read with ``DescribeCluster``; a failed read leaves that link out, logged).
        """
        from airflow.providers.amazon.aws.links.emr import EmrClusterLink, EmrLogsLink, get_log_uri

        where = {"region_name": self.hook.conn_region_name, "aws_partition": self.hook.conn_partition}
        EmrClusterLink.persist(context=context, operator=self, job_flow_id=cluster_id, **where)
        try:
            log_uri = get_log_uri(emr_client=self.hook.conn, job_flow_id=cluster_id)
        except (ClientError, BotoCoreError) as error:
            self.log.info("The log location of cluster %s was not read (%s): no logs link", cluster_id, error)
            return
        EmrLogsLink.persist(context=context, operator=self, job_flow_id=cluster_id, log_uri=log_uri, **where)

    def _defer_the_wait(self, cluster_id: str) -> NoReturn:
        """Wait in the triggerer until ``cluster_id`` has ended, as the upstream operator's ``execute`` does."""
        from airflow.providers.amazon.aws.triggers.emr import EmrTerminateJobFlowTrigger

        self.defer(
            trigger=EmrTerminateJobFlowTrigger(
                job_flow_id=cluster_id,
                waiter_delay=self.waiter_delay,
                waiter_max_attempts=self.waiter_max_attempts,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            # As upstream: a trigger that dies does not restart the wait; 60 seconds for it to exit gracefully.
            timeout=timedelta(seconds=self.waiter_max_attempts * self.waiter_delay + 60),
        )

    def execute_complete(
        self, context: Context, event: dict[str, Any] | None = None, job_flow_ids: list[str] | None = None
    ) -> None:
        """
        The deferred teardown's end: the cluster has ended (an error event raises, as upstream).

        The trigger (:class:`~airflow_provider_emrfs_xacct.triggers.TerminateWaitTrigger`) ends on ``TERMINATED`` and
        on ``TERMINATED_WITH_ERRORS``, both states of a cluster that has ended (Amazon EMR API Reference,
        "ClusterStatus"): the cluster is gone either way, as the teardown in the worker (which does not wait) takes it.
        Each cluster the teardown ended that ended ``TERMINATED_WITH_ERRORS`` (e.g. a step with
        ``ActionOnFailure=TERMINATE_CLUSTER`` failed) is warned about, with EMR's state-change reason.

        :param job_flow_ids: the clusters the teardown ended, the one it waited for first (the deferral's kwargs: the
            resumed operator is a new one). Missing (``dag.test()`` before apache/airflow#69942 resumes with the event
            alone, or a deferral of an earlier release): those ``job_flow_id`` gives.
        """
        super().execute_complete(context, event)
        clusters = job_flow_ids if job_flow_ids is not None else self._given_clusters()
        if not clusters:
            self.log.info("The clusters this teardown ended are not known: their final states are not read")
        for cluster_id in clusters:
            self._warn_if_ended_with_errors(str(cluster_id))

    def _warn_if_ended_with_errors(self, cluster_id: str) -> None:
        """Warn, with EMR's reason, when ``cluster_id`` ended ``TERMINATED_WITH_ERRORS``; a failed read is logged."""
        try:
            status = cast("EmrfsEmrHook", self.hook).describe_cluster(cluster_id).get("Status") or {}
        except (ClientError, BotoCoreError) as error:
            self.log.info("The final state of cluster %s could not be read (%s)", cluster_id, error)
            return
        if status.get("State") == "TERMINATED_WITH_ERRORS":
            reason = status.get("StateChangeReason") or {}
            self.log.warning(
                "Cluster %s had already ended TERMINATED_WITH_ERRORS (%s: %s): it is gone; the teardown succeeds",
                cluster_id,
                reason.get("Code", "no code"),
                reason.get("Message", "no message"),
            )

    def _turn_protection_off(
        self, context: Context, cluster_id: str, cluster: dict[str, Any], refusal: Exception
    ) -> None:
        """Turn off the termination protection of a cluster this provider launched, or refuse naming the cluster."""
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError

        try:
            self._refuse_to_turn_protection_off(cluster_id, cluster)
        except PreconditionError as error:
            raise error from refusal
        self.log.warning(
            "cluster %s (%r) has termination protection on; turning it off to terminate it (disable_termination_protection=True)",
            cluster_id,
            cluster.get("Name"),
        )
        with explain_access_denied(self.hook):
            cast("EmrfsEmrHook", self.hook).turn_termination_protection_off(cluster_id)

    def _refuse_to_turn_protection_off(self, cluster_id: str, cluster: dict[str, Any]) -> None:
        """
        Refuse a protected cluster unless ``disable_termination_protection`` lets the teardown turn its protection off:
        only of a cluster this provider launched (its idempotency tag; the launch's task instance, when known).
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
        from airflow_provider_emrfs_xacct.pure.launch_arguments import idempotency_tag_value, same_task_instance

        described = f"cluster {cluster_id} ({cluster.get('Name')!r})"
        if not self.disable_termination_protection:
            raise PreconditionError(
                f"{described} has termination protection on (Instances.TerminationProtected in the launch's "
                "job_flow_overrides or emr_conn_id extra), so EMR refuses to terminate it: it is still running and "
                "billing. Turn protection off and terminate it (EMR console, or aws emr modify-cluster-attributes "
                f"--cluster-id {cluster_id} --no-termination-protected, then aws emr terminate-clusters), or set "
                "disable_termination_protection=True on this task to let it do that for the clusters it launched"
            )
        # The launch task instances' part of the key only: this cluster's id is the launch's (``job_flow_id``) or
        # was found by the whole key, and clearing a finished run gives it a new start date (``idempotency_key``):
        # the deployment's part then differs from the launch's, which tagged this very cluster.
        keys = self._launch_instance_keys if self.launch_task_id else []
        tagged = idempotency_tag_value(cluster.get("Tags", []))
        if tagged is None or (keys and not any(same_task_instance(tagged, key) for key in keys)):
            launch = f"launch task {self.launch_task_id!r} of this run" if keys else "this provider"
            raise PreconditionError(
                f"{described} has termination protection on and was not launched by {launch} (no {IDEMPOTENCY_TAG} "
                "tag of it): disable_termination_protection only applies to the clusters this provider launched; "
                "it was left protected and running"
            )
