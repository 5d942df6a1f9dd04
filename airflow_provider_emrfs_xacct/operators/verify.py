"""Operator that proves the cross-account chain works before the job writes, or says what it could not see."""

from __future__ import annotations

import logging
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import conf
from airflow.sdk.definitions._internal.types import NOTSET, ArgNotSet

from airflow_provider_emrfs_xacct.operators.base import (
    SAFETY_TEMPLATE_FIELDS,
    EmrfsXacctAwsBaseOperator,
    LazyHookClass,
    created_document,
    destination_account_pin,
    destination_conn_id,
    document_xcom_of,
    knows_create_task,
    pinned_destination_account,
    require_defined_connection,
    take_pin,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook  # noqa: F401 (the operator's Generic argument)
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState
    from airflow_provider_emrfs_xacct.verify import Readers

# The hooks, the verifier (evaluator, chain checks) and the trigger are imported when the task runs,
# not when a DAG file is parsed (tests/unit/test_parse_cost.py).

#: The verifier's flags, templated and taken as ``True``/``False`` or their rendered text.
FLAGS = ("probe", "second_opinion", "fail_on_broken", "fail_on_not_checked")
#: XCom key of the report (pushed before the task fails, before the probe runs or defers, and once it ended).
REPORT_XCOM_KEY = "report"
#: The probe steps a deferred verifier waits for (``{probe uri: step id}``), for the cleanup of a failed deferral.
PROBE_STEPS_XCOM_KEY = "probe_steps"
#: The report's field while its live probe runs (:func:`probe_pending`): why its verdict is ``NOT_CHECKED`` for now.
PROBE_PENDING = "probe_pending"
#: The property (``HadoopJarStepConfig.Properties``, Amazon EMR API Reference: "A list of Java properties that are set
#: when the step runs") each probe step carries, with its task instance's key as value: ``ListSteps`` answers it in each
#: step's ``Config.Properties`` (``StepSummary``, ``HadoopStepConfig``), so a later try finds the probe steps an earlier
#: try left pending or running (:meth:`VerifyCrossAccountAccessOperator._abandon_earlier_tries`).
PROBE_TASK_PROPERTY = "emrfs_xacct.probe.task_instance"
#: The probe steps' states a later try looks for an earlier try's steps in (``ListSteps``): those in which a step may
#: still write, and those it ended in, having maybe written its object (Amazon EMR API Reference, "StepStatus"). A
#: lost worker is noticed only past its heartbeat timeout and retried past ``retry_delay``: its step, seconds long,
#: has mostly ended by then, its object still there.
EARLIER_PROBE_STEP_STATES = ("PENDING", "CANCEL_PENDING", "RUNNING", "COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED")
#: What else ``execute_complete`` needs of a deferred probe (``{"encryption": ..., "routes": ...}``), for a
#: resume whose event came without the deferral's kwargs (see ``resume_execution``).
PROBE_CONTEXT_XCOM_KEY = "probe_context"


class VerifyCrossAccountAccessOperator(EmrfsXacctAwsBaseOperator["EmrfsEmrHook"]):
    """
    Check every link of the cross-account EMRFS chain, reading the live documents in both accounts.

    For each role mapping of the security configuration: is the mapped role the real role (whole
    ARN); can the EMR EC2 role assume it (its own policies within its boundary, the trust policy);
    is every request of a write allowed (``pure/requests.py``: the prefix's own key and
    ``_$folder$`` marker, HEAD of missing keys and the 403-versus-404 rule, listings, multipart
    uploads, deletes), each for the role EMRFS uses for that key, against its policies, its
    permissions boundary and the bucket policy, with the request context AWS builds; can that role
    use the bucket's KMS key through S3; who will own the objects; does an earlier mapping shadow it;
    does the release support role mappings. A read AWS refuses makes its links "not checked", never
    a crash. Logs a table, pushes the report to XCom under ``report`` (always) and returns it.

    The verdict is ``FAIL`` when a link failed, ``NOT_CHECKED`` when none failed but one could not be
    judged (what the write depends on was not read or given), ``PASS`` only when every link passed or only
    warned (a WARN is advice about a write that works either way). The report always lists what no policy read can show (SCPs, RCPs,
    VPC endpoint policies, session policies, object ACLs): the live probe covers them.

    :param security_configuration: name of the security configuration; given as a create task's
        ``.output`` (or mapped over a mapped create task's) with no ``cluster_id``, a configuration deleted since that task ran is checked as the
        document it pushed (which the launch creates again), with a WARN. ``None``: option (a), a cluster whose EMRFS
        writes ``s3_prefixes`` as the EMR EC2 role, no role mapping taking them (the bucket policy's grant); its
        cluster must run no security configuration, or one without role mappings, or one whose mappings are all
        ``Prefix`` mappings that take none of the writes under ``s3_prefixes`` (EMRFS sends a request no identifier
        matches as the instance profile role); one whose mappings may take them leaves the cluster link failed or
        not checked. (templated)
    :param destination_aws_conn_id: connection that acts in the destination account. (templated)
    :param emr_ec2_role_name: the EMR EC2 instance-profile role: its name, or its ARN (e.g. an upstream task's
        output), which must be in ``aws_conn_id``'s partition and account. (templated, default: ``EMR_EC2_DefaultRole``)
    :param cluster_id: a cluster to read the release label and configurations from; its security
        configuration and instance profile's role must be the verified ones. (templated)
    :param release_label: the release to check when no cluster is given, e.g. ``emr-7.10.0``; with
        neither, the release link is not checked. Beside ``cluster_id`` the cluster's own release is judged, and
        a different one given here is a WARN naming both. (templated)
    :param s3_prefixes: prefixes to check for ``User``/``Group`` mappings, which name none; without them
        those mappings' access is not checked. With ``security_configuration=None``, the prefixes the EMR EC2
        role writes (needed). (templated)
    :param probe: also write a small object through the cluster's ``s3://`` file system (an EMR step;
        needs ``cluster_id``), check from the destination account that it exists with the bucket's key
        (resolved through DescribeKey) and owner, and delete it. Not run unless the cluster runs
        ``security_configuration`` (with ``None``: none whose role mappings may take the writes) and its instance
        profile's role is ``emr_ec2_role_name``. It writes only where the verification is about, the account
        ``destination_aws_conn_id`` acts in, which every S3 call of the verifier expects as the bucket owner: under
        the ``Prefix`` identifiers of that account's roles (else under ``s3_prefixes``), of the
        ``s3://bucket/prefix`` form, in buckets read as that account's. Another tenant's mapping (another account's
        role or bucket), an identifier of another form, or one where a mapping before it (another role's, a
        ``User``/``Group`` one, one not read) may take the write, is listed under ``probe.not_probed`` and never
        written under (:func:`~airflow_provider_emrfs_xacct.verify.probe_targets`). (templated, default: False)
    :param waiter_delay: seconds between checks of the probe step, a whole number. (templated, default: 30)
    :param waiter_max_attempts: checks of the probe step before giving up, a whole number from 1. (templated,
        default: 60)
    :param deferrable: wait for the probe step in the triggerer. (default: the
        ``operators.default_deferrable`` setting)
    :param second_opinion: ask ``iam:SimulatePrincipalPolicy`` about the identity side of every
        request, where the connections may, and report disagreements. (templated, default: True)
    :param fail_on_broken: fail the task when a link fails. (templated, default: True)
    :param fail_on_not_checked: also fail the task when a link could not be checked. (templated, default: False)
    :param dry_run: the verifier only reads, except for the probe: a dry run reads and reports as
        usual but does not run the probe (which writes an object), and does not fail the task on what it
        finds (a warning says the verdict): it reads the chain before the changes the run only planned.
        (templated, default: False)
    :param expected_account_id: the EMR account; ``aws_conn_id`` must act in it. (templated)
    :param expected_destination_account_id: the destination account; ``destination_aws_conn_id`` must act
        in it, checked before anything is read. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients, on both connections; default: each connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :return: the report: ``{"security_configuration", "verdict", "healthy", "links", "not_checked"}``
        (plus ``probe``, whose ``routes`` give the mapping each probe write went through: a passing probe
        settles only the links of those mappings and prefixes, and its ``not_probed`` the identifiers it did not write
        under, which leave the verdict ``NOT_CHECKED`` at best). With a probe, ``verdict`` and ``healthy`` say what
        it showed too: a failed probe makes them ``FAIL`` and ``False`` whatever the links read; one whose object
        was written but a read of the verifier's own was refused (``probe.ok`` ``None``, ``probe.not_checked``)
        makes the verdict ``NOT_CHECKED``, never ``PASS``.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    template_fields: Sequence[str] = aws_template_fields(
        "security_configuration",
        "destination_aws_conn_id",
        "emr_ec2_role_name",
        "cluster_id",
        "release_label",
        "s3_prefixes",
        "expected_destination_account_id",
        # Templated as the Amazon provider's EMR operators template them (EmrCreateJobFlowOperator, EmrAddStepsOperator).
        "waiter_delay",
        "waiter_max_attempts",
        # Flags a DAG param may set (a strict run, a run with the probe): True/False or their rendered text.
        *FLAGS,
        *SAFETY_TEMPLATE_FIELDS,
    )
    template_fields_renderers = {"s3_prefixes": "json"}
    ui_color = "#d4f5d9"

    def __init__(
        self,
        *,
        security_configuration: str | None,
        destination_aws_conn_id: str,
        emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
        cluster_id: str | None = None,
        release_label: str | None = None,
        s3_prefixes: list[str] | str | None = None,
        probe: bool | str = False,
        waiter_delay: int = 30,
        waiter_max_attempts: int = 60,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        second_opinion: bool | str = True,
        fail_on_broken: bool | str = True,
        fail_on_not_checked: bool | str = False,
        expected_destination_account_id: str | ArgNotSet | None = NOTSET,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.expected_destination_account_id, self._destination_pin_asked = take_pin(
            self, expected_destination_account_id, "expected_destination_account_id"
        )
        self.security_configuration = security_configuration
        # ``security_configuration=create.output``: a configuration deleted since is checked as that task's document.
        self._document_xcom = document_xcom_of(security_configuration)
        self.destination_aws_conn_id = destination_aws_conn_id
        self.emr_ec2_role_name = emr_ec2_role_name
        self.cluster_id = cluster_id
        self.release_label = release_label
        self.s3_prefixes = s3_prefixes
        self.probe = probe
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.deferrable = deferrable
        self.second_opinion = second_opinion
        self.fail_on_broken = fail_on_broken
        self.fail_on_not_checked = fail_on_not_checked
        #: ``{probe uri: step id}`` of the probe steps this try added and has not checked yet (:meth:`on_kill`).
        self._probe_steps: dict[str, str] | None = None
        #: The probe URIs and steps of an ``AddJobFlowSteps`` under way, whose step ids are not known yet.
        self._probe_adding: tuple[list[str], list[dict[str, Any]]] | None = None
        #: ``on_kill`` ran: Airflow's SIGTERM handler returns into the task, which must not go on with the probe.
        self._killed = False
        #: Pushes the report with the outcome of the probe under way (a kill's), until ``execute_complete`` has.
        self._report_probe: Callable[[dict[str, Any]], None] | None = None
        #: ``_report_probe`` pushed a failed probe (a kill's, a failed wait's): ``execute_complete`` pushes no other.
        self._probe_failure_reported = False
        #: The task instance's key (``operators.emr.idempotency_key``) the probe steps of this try carry
        #: (:data:`PROBE_TASK_PROPERTY`), by which a later try finds those left pending; ``None``: not known.
        self._task_key: str | None = None

    @cached_property
    def readers(self) -> Readers:
        """The hooks the verifier reads through, in both accounts."""
        from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
        from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
        from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
        from airflow_provider_emrfs_xacct.verify import Readers

        destination = self.destination_aws_conn_id
        return Readers(
            emr_iam=self.other_hook(EmrfsIamHook, self.aws_conn_id),
            emr=self.hook,
            iam=self.other_hook(EmrfsIamHook, destination),
            s3=self.other_hook(EmrfsS3Hook, destination),
            kms=self.other_hook(EmrfsKmsHook, destination),
        )

    def validate_safety(self) -> None:
        """
        Check the contract (:meth:`EmrfsXacctOperatorMixin.validate_safety`) and turn the rendered flags into bools.

        A flag rendered as text (``"false"``, Airflow's default rendering) is true to Python: ``probe="false"`` would
        write to the partner's bucket, ``fail_on_broken="false"`` fail the task. Called first by :meth:`execute` and
        by the resume after a deferral (a new operator, rendered again), before anything is read.
        """
        from airflow_provider_emrfs_xacct.pure.validation import validate_bool

        super().validate_safety()
        for flag in FLAGS:
            setattr(self, flag, validate_bool(getattr(self, flag), flag))

    def _validated_name_and_prefixes(self) -> tuple[str | None, list[str]]:
        """
        The security configuration's name (``None``: option (a), none) and the prefixes, as URIs; option (a) needs
        prefixes, since no role mapping names them.
        """
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name

        # An existing configuration, maybe not made by this provider: EMR's constraint, as the launch checks it.
        name = (
            None
            if self.security_configuration is None
            else validate_security_configuration_name(self.security_configuration, "security_configuration")
        )
        prefixes = [
            location.uri
            for location in validation.require_list(
                [] if self.s3_prefixes is None else self.s3_prefixes,
                "s3_prefixes",
                validation.parse_s3_location,
                allow_empty=True,
            )
        ]
        if name is None and not prefixes:
            raise InvalidParameterError(
                "s3_prefixes",
                "is needed with security_configuration=None (option (a)): the prefixes the EMR EC2 role writes",
            )
        return name, prefixes

    def _validate_cluster_and_probe(self) -> None:
        """Check ``cluster_id`` (EMR's constraint on it) and the probe's arguments (no AWS call)."""
        from airflow_provider_emrfs_xacct.pure.cluster_config import validate_cluster_id
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.validation import validate_whole_number

        if self.probe and not self.cluster_id:
            raise InvalidParameterError("cluster_id", "is needed for probe=True (the probe runs as a step on it)")
        if self.cluster_id is not None:  # "" too: a template or variable that rendered empty is not "no cluster"
            self.cluster_id = validate_cluster_id(self.cluster_id, "cluster_id")
        if self.probe:  # rendered by now: a whole number, or its text (a DAG that renders templates as text)
            self.waiter_delay = validate_whole_number(self.waiter_delay, "waiter_delay", minimum=0)
            self.waiter_max_attempts = validate_whole_number(self.waiter_max_attempts, "waiter_max_attempts", minimum=1)
        if self.probe and self.deferrable and not self.do_xcom_push:
            # A deferral that fails (timed out, its trigger crashed) resumes with Airflow's failure in place of the
            # deferral's kwargs (next_kwargs replaced by {"error": ...}); the trigger's are not passed to the task
            # either. The probe steps to cancel are then known from XCom only (PROBE_STEPS_XCOM_KEY): without it a
            # PENDING probe step would write in the partner's bucket later, never deleted.
            raise InvalidParameterError(
                "do_xcom_push",
                "must be true with deferrable=True and probe=True: a failed deferral finds the probe steps to cancel "
                "in XCom only (set do_xcom_push=True, or deferrable=False)",
            )

    def _refuse_two_partitions(self) -> None:
        """
        Refuse connections of two partitions (no AWS call): no chain crosses them.

        "You cannot use IAM credentials from one partition to interact with resources in a different partition"
        (AWS Fault Isolation Boundaries, "Partitions"); each reader's partition is its connection's Region's.
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        emr, destination = self.hook.conn_partition, self.readers.iam.conn_partition
        if emr != destination:
            raise InvalidParameterError(
                "destination_aws_conn_id",
                f"connection {self.destination_aws_conn_id!r} acts in partition {destination!r} and connection "
                f"{self.aws_conn_id!r} in {emr!r}: cross-account access works within one partition",
            )

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.verify import verify_chain

        self.validate_safety()
        name, prefixes = self._validated_name_and_prefixes()
        role_name, role_account = validation.validate_role_name_or_arn(self.emr_ec2_role_name, "emr_ec2_role_name")
        if self.release_label is not None:  # the launch's rule, before anything is read
            validation.parse_release_label(self.release_label, "release_label")
        destination_pin = destination_account_pin(self)
        destination_conn_id(self.destination_aws_conn_id, destination_pin)
        self._validate_cluster_and_probe()
        require_defined_connection(self.readers.iam.aws_conn_id, "destination_aws_conn_id")
        self._refuse_two_partitions()
        if self.expected_account_id is not None or role_account is not None:
            account = self.connection_account(self.hook)
            # By ARN: a role of another account or partition would be another role of that name here.
            where = f"connection {self.aws_conn_id!r}"
            validation.require_role_here(
                self.emr_ec2_role_name, account, self.hook.conn_partition, "emr_ec2_role_name", where
            )
        if destination_pin is not None:  # before anything is read there
            pinned_destination_account(self.readers.iam, self.destination_aws_conn_id, destination_pin, "read")
        # Before the chain is read: whether this try then probes (a FAIL, a blocker, nothing to write under, a dry
        # run) changes nothing of what an earlier, lost try left writing in the partner's bucket.
        self._abandon_earlier_tries(context)
        report, state = verify_chain(
            self.readers,
            simulate=self.second_opinion is True,  # a bool by now (validate_safety)
            security_configuration=name,
            emr_ec2_role_name=role_name,
            cluster_id=self.cluster_id,
            release_label=self.release_label,
            s3_prefixes=prefixes,
            created_document=(
                partial(created_document, self, self._document_xcom, context, name)
                if name is not None and knows_create_task(self, self._document_xcom)
                else None
            ),
        )
        self.log.info("\n%s", report.table())
        if state.simulation_note and state.simulations is not None:  # asked, not answered for now: not checked
            self.log.warning("No second opinion on the identity side: %s", state.simulation_note)
        elif state.simulation_note:  # the simulator could not be asked: no second-opinion link, say why
            self.log.info("No second opinion on the identity side: %s", state.simulation_note)
        result = report.to_dict()
        if self.probe and self.dry_run:
            self.log.info("Dry run: the probe (one object written under each prefix) is not run")
        if self.probe and report.healthy and not self.dry_run:
            from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker

            blocked = probe_blocker(state)
            if not blocked:
                return self._probe(context, result, state, name, prefixes)
            # A write on that cluster would not go through the verified mappings and role.
            self.log.warning("The live probe is not run: %s", blocked)
            result["probe"] = {"ok": None, "skipped": blocked, "problems": [], "objects": {}}
        self.push_xcom(context, REPORT_XCOM_KEY, result)
        return self._finish(result)

    def _probe(
        self, context: Context, result: dict[str, Any], state: ChainState, name: str | None, prefixes: list[str]
    ) -> dict[str, Any]:
        """
        Run the live probe and judge the report with it (:meth:`execute_complete`), here or once deferred.

        Until the probe has ended, the report in XCom says so (:func:`probe_pending`): a deferred task marked
        failed, or a worker killed past :meth:`on_kill`, leaves that report, not the links' ``PASS``.
        """
        from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes
        from airflow_provider_emrfs_xacct.pure.security_config import role_mappings_of
        from airflow_provider_emrfs_xacct.verify import probe_encryption, probe_targets

        # Only the destination account's prefixes, as its roles, in its buckets (probe_targets): never another
        # tenant's, whose objects the verifier could neither check nor delete.
        targets, not_probed = probe_targets(state, self.readers.s3.expected_bucket_owner)
        for left_out in not_probed:
            self.log.warning("The live probe does not write under %s: %s", _where(left_out), left_out["why"])
        if not targets:
            return self._nothing_to_probe(context, result, not_probed)
        self.push_xcom(context, REPORT_XCOM_KEY, probe_pending(result))
        self._report_probe = partial(self._push_with_probe, context, result)  # a kill says the probe failed
        uris = self._start_probe(name, targets)
        # The mapping each write goes through (none known for an unread configuration): a passing probe settles
        # the links of that mapping and prefix only.
        document = state.security_configuration if isinstance(state.security_configuration, dict) else None
        routes = probe_routes(role_mappings_of(document), list(uris))
        # The encryption the uploads to each bucket ask for (security configuration, emrfs-site), which S3
        # applies instead of the bucket's default (S3 API Reference, ServerSideEncryptionRule); None: not known
        # (S3A's own settings, or no cluster settings read), and then not compared.
        # The key as the chain check resolved it (an alias or key id to its key ARN), which HeadObject answers.
        encryption = {uri: probe_encryption(state, uri.removeprefix("s3://").split("/", 1)[0]) for uri in uris}
        if uris and self.deferrable:
            from datetime import timedelta

            from airflow_provider_emrfs_xacct.triggers import ProbeStepsTrigger
            from airflow_provider_emrfs_xacct.verify import pin_bucket_owner

            self.push_xcom(context, PROBE_STEPS_XCOM_KEY, uris)  # a failed deferral keeps no kwargs
            self.push_xcom(
                context,
                PROBE_CONTEXT_XCOM_KEY,
                {"encryption": encryption, "routes": routes, "not_probed": not_probed},
            )
            pin_bucket_owner(self.readers)  # the trigger deletes the objects of a killed probe with the same pin
            self.defer(
                # A killed deferral (marked failed or success, cleared) cancels the steps and deletes their objects.
                trigger=ProbeStepsTrigger(
                    probe_steps=uris,
                    destination_aws_conn_id=self.destination_aws_conn_id,
                    destination_region_name=self.region_name,
                    expected_bucket_owner=self.readers.s3.expected_bucket_owner,
                    job_flow_id=str(self.cluster_id),
                    step_ids=list(uris.values()),
                    waiter_delay=int(self.waiter_delay),
                    waiter_max_attempts=int(self.waiter_max_attempts),
                    aws_conn_id=self.aws_conn_id,
                    # The region the steps were added in (the connection's), as the launch's trigger:
                    # not whatever region the triggerer's environment would pick.
                    region_name=self.region_name or self.hook.conn_region_name,
                    verify=self.verify,
                    botocore_config=self.botocore_config,
                ),
                method_name="execute_complete",
                kwargs={
                    "result": result,
                    "uris": uris,
                    "encryption": encryption,
                    "routes": routes,
                    "not_probed": not_probed,
                },
                # As the Amazon provider's EMR operators: a trigger restarted (triggerer restart) waits its
                # attempts again, so the deferral's own deadline bounds the wait (60 s to fire its event).
                timeout=timedelta(seconds=int(self.waiter_max_attempts) * int(self.waiter_delay) + 60),
            )
        try:
            event = self._wait_for_probe(uris) or {"status": "success"}
        except Exception as error:
            # Not a wait that ended (those return why): the steps still run, as after one, unless abandoned here.
            self._abandon_after_failed_wait(error)
            raise
        return self.execute_complete(
            context, event, result=result, uris=uris, encryption=encryption, routes=routes, not_probed=not_probed
        )

    def _nothing_to_probe(
        self, context: Context, result: dict[str, Any], not_probed: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Report a probe with nothing to write under (``skipped``, ``ok`` ``None``), as a probe not run is."""
        why = "; ".join(f"{_where(item)}: {item['why']}" for item in not_probed) or "no prefix"
        self.log.warning("The live probe is not run: it has nothing to write under (%s)", why)
        probe: dict[str, Any] = {
            "ok": None,
            "skipped": f"nothing to write under ({why})",
            "problems": [],
            "objects": {},
        }
        result = with_not_probed({**result, "probe": probe}, not_probed)
        self.push_xcom(context, REPORT_XCOM_KEY, result)
        return self._finish(result)

    def _abandon_earlier_tries(self, context: Context) -> None:
        """
        On a later try of a probing verifier, abandon the probe steps an earlier try of this task instance left.

        A try whose worker was lost (heartbeat timeout, out of memory: no ``on_kill``) left its steps to write their
        objects, which nothing would delete. They carry the task instance's key (:data:`PROBE_TASK_PROPERTY`):
        ``ListSteps`` with ``StepStates`` ("The filter to limit the step list based on certain states", Amazon EMR API
        Reference, "ListSteps") finds them, still pending or running or ended (:data:`EARLIER_PROBE_STEP_STATES`),
        and they are abandoned as after a wait that ran out (``verify.abandon_probe``: those that may run cancelled,
        "Cancels a pending step or steps in a running cluster", Amazon EMR API Reference, "CancelSteps"; every one's
        object deleted if it is there). Called by :meth:`execute` before the chain is read, whether this try then
        probes or not: a retry whose chain reads ``FAIL`` (and every retry after it, with ``fail_on_broken``), whose
        probe is blocked or has nothing to write under, abandons them too. A dry run only lists and logs them (no
        ``CancelSteps``, no delete). Not on a first try, which has none; a look that is refused is logged, not
        raised: this try goes on.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.probe:
            return
        self._task_key = _task_key(context)  # also carried by this try's own probe steps (_start_probe)
        ti = context.get("ti")
        try_number = getattr(ti, "try_number", None)
        if self._task_key is None or not isinstance(try_number, int) or try_number <= 1:
            return
        try:
            found = self.hook.steps_with_property(
                str(self.cluster_id), PROBE_TASK_PROPERTY, self._task_key, EARLIER_PROBE_STEP_STATES
            )
        except (ClientError, BotoCoreError) as error:
            self.log.warning(
                "Could not look for the probe steps an earlier try left on cluster %s (%s): one still pending may "
                "write its object later; look for steps with property %s=%s",
                self.cluster_id,
                error,
                PROBE_TASK_PROPERTY,
                self._task_key,
            )
            return
        steps = {uri: str(step["Id"]) for step in found if (uri := _probe_uri_of(step)) is not None}
        if steps and self.dry_run:
            self.log.warning(
                "Dry run: try %d found probe steps %s an earlier try left (%s): not cancelled, nothing deleted; a run "
                "that is not a dry run cancels those that may run and deletes what they wrote",
                try_number,
                ", ".join(steps.values()),
                ", ".join(steps),
            )
        elif steps:
            self.log.warning(
                "Try %d: an earlier try left probe steps %s: cancelling those that may run, deleting what they wrote",
                try_number,
                ", ".join(steps.values()),
            )
            self._abandon_probe_steps(steps)

    def on_kill(self) -> None:
        """
        Cancel the probe steps this try added and delete what they wrote, when the task is killed while they run.

        Airflow calls it when the task is killed (marked failed, cleared while running: SIGTERM) and past its
        ``execution_timeout``. A probe step still PENDING or RUNNING would write its object later, which nothing
        would delete: the steps are abandoned as after a wait that ran out (``verify.abandon_probe``: CancelSteps,
        the objects deleted), and what may still be written is logged. Nothing when no probe step is under way.
        Killed while ``AddJobFlowSteps`` was under way (its answer lost, or not in yet), the steps are looked for
        among the cluster's (``ListSteps``, as after a lost answer; AWS does not promise that it shows them yet).
        Airflow's SIGTERM handler returns into the task: steps added after this look are abandoned as soon as
        ``AddJobFlowSteps`` returns (:meth:`_start_probe`).
        A deferred probe has no worker to kill: its trigger cleans up when the deferred task is killed
        (``triggers.ProbeStepsTrigger``), and the resume when the deferral fails (:meth:`resume_execution`). Once
        resumed, the task is killed here too while it checks the objects (:meth:`execute_complete` takes the steps
        over first).
        """
        from botocore.exceptions import BotoCoreError, ClientError

        self._killed = True
        steps, self._probe_steps, adding, self._probe_adding = self._probe_steps, None, self._probe_adding, None
        if steps is None and adding is not None:
            uris, added = adding
            try:
                step_ids = self.hook.added_steps(str(self.cluster_id), added)
            except (ClientError, BotoCoreError) as error:
                step_ids = None
                self.log.error("Killed while adding the probe steps; they could not be looked for (%s)", error)
            if step_ids is None:
                lost = (
                    f"none is listed on cluster {self.cluster_id}; one added meanwhile may still write "
                    f"{', '.join(uris)} (delete it if it appears)"
                )
                self.log.warning("Killed while adding the probe steps: %s", lost)
                self._report_killed([f"the task was killed while its probe steps were added: {lost}"])
                return
            steps = dict(zip(uris, step_ids, strict=True))
        if not steps:  # no probe under way, or killed before its steps were added
            self._report_killed(["the task was killed before its probe steps were added"])
            return
        self.log.warning("Killed while the probe steps %s ran: cancelling them", ", ".join(steps.values()))
        problems, outcomes = self._abandon_probe_steps(steps)
        # After the cleanup: from Airflow's SIGTERM handler, a push may wait on the task's own channel to Airflow.
        self._report_killed(["the task was killed while its probe steps ran", *problems], outcomes)

    def _abandon_after_failed_wait(self, error: Exception) -> None:
        """
        Abandon the probe steps (``verify.abandon_probe``) when the wait for them raised instead of ending, and push
        the report with the probe cut short (:func:`cut_short_probe`), in place of the pending one.

        botocore retries a connection error (``EndpointConnectionError``, ``ReadTimeoutError``...) up to its maximum
        attempts, then raises it (Boto3 guide, "Retries"); its waiter turns only a service's error answer into
        ``WaiterError``: such an error escaped the wait, and a step still PENDING or RUNNING would write its object
        into the partner's bucket later, with nothing to delete it (Amazon EMR API Reference, "CancelSteps"). A
        cleanup that raises itself is reported as such; the wait's error is raised either way.
        """
        steps, self._probe_steps = self._probe_steps, None
        if not steps:  # none added, or on_kill took them
            return
        self.log.error("The wait for the probe steps failed (%s): cancelling them", error)
        problems, outcomes = self._abandon_probe_steps(steps)
        if self._report_probe is not None:
            self._report_probe(cut_short_probe([f"the wait for the probe steps failed: {error}", *problems], outcomes))
        self._report_probe = None  # reported: a kill from now on changes nothing of it

    def _abandon_probe_steps(self, steps: dict[str, str]) -> tuple[list[str], dict[str, Any] | None]:
        """
        Cancel the probe ``steps`` (``{uri: step id}``) and delete what they wrote (``verify.abandon_probe``, with
        the bucket owner pinned), logging each step's state and each problem; return the problems and each step's
        outcome. A cleanup that raises itself (a kill or a failed wait must still report) is a problem, with no
        outcomes.
        """
        from airflow_provider_emrfs_xacct.verify import abandon_probe, pin_bucket_owner

        try:
            pin_bucket_owner(self.readers)
            abandoned = abandon_probe(self.hook, self.readers.s3, str(self.cluster_id), steps)
        except Exception as cleanup_error:
            problems = [
                f"the probe steps {', '.join(steps.values())} could not be cancelled ({cleanup_error}): they may "
                f"still write {', '.join(steps)}; delete what appears"
            ]
            outcomes = None
        else:
            problems, outcomes = list(abandoned["problems"]), abandoned["steps"]
        for uri, outcome in (outcomes or {}).items():
            self.log.warning("Probe step %s (%s) is %s", outcome.get("step"), uri, outcome.get("state"))
        for problem in problems:
            self.log.error("%s", problem)
        return problems, outcomes

    def _report_killed(self, problems: list[str], abandoned: dict[str, Any] | None = None) -> None:
        """Push the report with a probe that failed for ``problems`` (a kill): ``FAIL``, not the pending report."""
        if self._report_probe is not None:  # a probe under way
            self._report_probe(failed_probe(problems, abandoned))
            self._probe_failure_reported = True

    def _push_with_probe(self, context: Context, result: dict[str, Any], probe: dict[str, Any]) -> None:
        """Push ``result`` with ``probe``'s outcome (:func:`with_probe`) to XCom under ``report``."""
        self.push_xcom(context, REPORT_XCOM_KEY, with_probe(result, probe))

    def _wait_for_probe(self, uris: dict[str, str]) -> dict[str, Any] | None:
        """
        Wait for the probe steps as the deferred path's trigger does (the Amazon provider's ``EmrAddStepsTrigger``:
        its ``steps_wait_for_terminal`` waiter, ``ListSteps`` with the step ids); return the error event of a wait
        that ended early, if it did: why, naming each step's state, and the states it last saw (``states_seen``).

        The waiter ends on every state a step does not leave: ``COMPLETED`` (success), ``CANCELLED``, ``FAILED`` and
        ``INTERRUPTED`` (Amazon EMR API Reference, "StepStatus": State values ``PENDING | CANCEL_PENDING | RUNNING |
        COMPLETED | CANCELLED | FAILED | INTERRUPTED``). botocore's ``step_complete`` waiter, used before, has no
        acceptor for ``INTERRUPTED``: such a step was polled until the attempts ran out and reported as "max attempts
        reached".

        Ten steps at a time (``hooks.emr.wait_for_steps``): ``ListSteps`` takes at most 10 step ids (Amazon EMR API
        Reference, "ListSteps"), and the probe adds a step per prefix it writes under; the chunks share the attempts.
        """
        from airflow.providers.common.compat.sdk import AirflowException

        from airflow_provider_emrfs_xacct.hooks.emr import STEPS_WAITER, wait_for_steps

        step_ids = list(uris.values())
        if not step_ids:
            return None
        waiter = self.hook.get_waiter(STEPS_WAITER)
        try:
            wait_for_steps(
                waiter, str(self.cluster_id), step_ids, int(self.waiter_delay), int(self.waiter_max_attempts)
            )
        except AirflowException as error:
            response = getattr(error, "last_response", None)
            ended = _steps_ended(response)
            message = f"{ended}: {error}" if ended else str(error)
            return {"status": "error", "message": message, "states_seen": _states_seen(response)}
        return None

    def _start_probe(self, name: str | None, prefixes: list[str]) -> dict[str, str]:
        """
        Add one probe step per prefix of ``prefixes``: those the probe writes under
        (:func:`~airflow_provider_emrfs_xacct.verify.probe_targets`, from the configuration ``name`` as read, or the
        prefixes given for option (a), ``name`` ``None``). Returns ``{probe uri: step id}``.
        """
        from airflow_provider_emrfs_xacct.verify import probe_key, probe_step

        uris = [probe_key(prefix) for prefix in prefixes]
        if not uris:
            return {}
        steps = [_with_task_key(probe_step(uri), self._task_key) for uri in uris]
        self._probe_adding = (uris, steps)  # a kill before the answer looks for them (on_kill)
        # Once: a second AddJobFlowSteps after a lost answer would leave probe steps nobody watches or cancels.
        step_ids = self.hook.add_steps_once(str(self.cluster_id), steps)
        self._probe_steps, self._probe_adding = dict(zip(uris, step_ids, strict=True)), None
        if self._killed:
            # Killed while AddJobFlowSteps was under way, before EMR listed the steps: Airflow's SIGTERM handler
            # returned into the task (task_runner._on_term), whose call then completed. Abandon them now: the
            # supervisor's SIGKILL follows, and a step left PENDING would write its object later.
            self.on_kill()
            from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

            raise EmrfsXacctError(
                f"the task was killed while its probe steps were added to cluster {self.cluster_id}; they were "
                "abandoned once added"
            )
        for uri, step_id in zip(uris, step_ids, strict=True):
            self.log.info(
                "Probe step %s writes %s through the cluster's s3:// file system (security configuration %s)",
                step_id,
                uri,
                name,
            )
        return self._probe_steps

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """
        Resume after the deferral; when it failed (the deferral timed out, the trigger crashed), first clean up
        after the probe steps, whose URIs the failed deferral no longer passes (they are in XCom). Both
        connections are checked first, as :meth:`execute` checks them: the resume may run in a worker without them.

        The triggerer adds the trigger's event to the deferral's kwargs (``Trigger.submit_event``), but
        ``dag.test()`` (and ``airflow dags test``) before apache/airflow#69942 resumes with the event alone:
        the probe's arguments are then read back from the XComs pushed before the task deferred.
        """
        from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR

        # A new worker process: one without a connection would read, cancel steps and delete with its own
        # credentials (see require_defined_connection), so both are checked again before anything is sent.
        self.validate_safety()
        require_defined_connection(self.readers.iam.aws_conn_id, "destination_aws_conn_id")
        if next_method == TRIGGER_FAIL_REPR:
            self._abandon_deferred_probe(context)
        elif next_method == "execute_complete" and "uris" not in (next_kwargs or {}):
            next_kwargs = {**self._deferral_kwargs_from_xcom(context), **(next_kwargs or {})}
        return super().resume_execution(next_method, next_kwargs, context)

    def _deferral_kwargs_from_xcom(self, context: Context) -> dict[str, Any]:
        """The ``execute_complete`` kwargs of the deferral, as pushed to XCom before the task deferred."""
        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

        ti = context.get("ti")
        pull = partial(ti.xcom_pull, task_ids=ti.task_id, map_indexes=ti.map_index) if ti is not None else None
        result = pull(key=REPORT_XCOM_KEY) if pull else None
        uris = pull(key=PROBE_STEPS_XCOM_KEY) if pull else None
        if not isinstance(result, dict) or not isinstance(uris, dict):
            raise EmrfsXacctError(
                "the probe's deferral resumed without its arguments, and they are not in XCom (do_xcom_push=False): "
                f"the probe steps on cluster {self.cluster_id} are not checked"
            )
        probe_context = (pull(key=PROBE_CONTEXT_XCOM_KEY) if pull else None) or {}
        return {"result": result, "uris": uris, **probe_context}

    def _abandon_deferred_probe(self, context: Context) -> None:
        """
        Cancel the steps of a probe whose deferral failed and delete what they wrote; push the report with the probe
        cut short (:func:`cut_short_probe`: ``FAIL`` when a step failed, else ``NOT_CHECKED``), in place of the
        pending one.
        """
        from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY

        ti = context.get("ti")
        if ti is None:
            return
        # This instance's own (without map_indexes, Airflow returns every instance's of a mapped task).
        uris = ti.xcom_pull(task_ids=ti.task_id, key=PROBE_STEPS_XCOM_KEY, map_indexes=ti.map_index)
        problems = ["the probe's deferral failed before its steps ended"]
        steps = None
        if not uris:
            # Refused with do_xcom_push=False (_validate_cluster_and_probe); an XCom lost otherwise is said.
            lost = (
                f"its steps are not in XCom: a probe step on cluster {self.cluster_id} may still write its "
                f"{PROBE_KEY} object; look for it (ListSteps, name emrfs-xacct-probe) and delete what it writes"
            )
            self.log.warning("The probe's deferral failed and %s", lost)
            problems.append(lost)
        else:
            self.log.warning("The probe's deferral failed before its steps ended: cancelling them")
            abandoned, steps = self._abandon_probe_steps(uris)
            problems.extend(abandoned)
        report = ti.xcom_pull(task_ids=ti.task_id, key=REPORT_XCOM_KEY, map_indexes=ti.map_index)
        if isinstance(report, dict):
            self.push_xcom(context, REPORT_XCOM_KEY, with_probe(report, cut_short_probe(problems, steps)))

    def execute_complete(
        self,
        context: Context,
        event: dict[str, Any] | None = None,
        *,
        result: dict[str, Any],
        uris: dict[str, str],
        encryption: dict[str, list[str | None] | None] | None = None,
        routes: dict[str, int | None] | None = None,
        not_probed: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """
        Check the probe objects once the steps are done (directly, or when the trigger fires).

        :param encryption: by probe URI, ``[x-amz-server-side-encryption, key id]`` the uploads to its bucket
            ask for (``[None, None]``: none, the bucket's default applies; ``None``: not known, not compared).
            Missing (a deferral from before it was passed): none asked for.
        :param routes: by probe URI, the role mapping its write goes through (``None``: not known); a passing
            probe settles the links of those mappings and prefixes only. Missing (a deferral from before it was
            passed): none.
        :param not_probed: the identifiers the probe did not write under, each with why
            (:func:`~airflow_provider_emrfs_xacct.verify.probe_targets`); reported under ``probe.not_probed``.
        """
        from airflow_provider_emrfs_xacct.pure.checks.findings import covered_by_probe
        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
        from airflow_provider_emrfs_xacct.verify import pin_bucket_owner

        self._take_over_the_probe(context, result, uris)
        routes = {uri: (routes or {}).get(uri) for uri in uris}
        probe: dict[str, Any] = {"ok": True, "problems": [], "objects": {}, "routes": routes}
        if not_probed:
            probe["not_probed"] = not_probed
        pin_bucket_owner(self.readers)  # every probe read and the delete carry ExpectedBucketOwner
        if event is not None and event.get("status") != "success":
            # The wait ended (a failed step, or attempts run out): a step still pending or running would write
            # its object later, which nothing would delete. Cancel them, delete what is there, report the rest (the
            # deferred wait's trigger did the same before it fired: again here, as both are idempotent).
            problems, outcomes = self._abandon_probe_steps(uris)
            outcomes = _with_the_triggers_deletes(outcomes, event.get("abandoned"))
            # Judged by the steps' states before any cancel (cut_short_probe): FAIL only when one failed.
            problems = [f"the probe step did not complete: {event.get('message')}", *problems]
            probe = {
                **cut_short_probe(problems, outcomes, event.get("states_seen")),
                "routes": routes,
                **({"not_probed": not_probed} if not_probed else {}),
            }
        else:
            self._check_probe_objects(probe, uris, encryption)
        # Judged (its objects deleted, or its steps abandoned): from here a kill (on_kill) neither abandons nor reports.
        self._report_probe = None
        self._probe_steps = None
        if self._probe_failure_reported:
            # A kill came while the objects were checked: on_kill abandoned the steps and pushed the report with the
            # probe failed; what the checks saw after it (the objects it deleted) would contradict that report.
            raise EmrfsXacctError(
                f"the task was killed while its probe on cluster {self.cluster_id} was checked: its steps were "
                "abandoned, and the report says the probe failed"
            )
        if probe["ok"] is True:
            # The live writes went through the policies no read shows, as the mappings they were routed to; the
            # other unseen items stay listed.
            result = {**result, "not_checked": covered_by_probe(result["not_checked"], result["links"], routes)}
        # The headline says what the probe showed: a refused write is no PASS, whatever the links read.
        result = with_probe(result, probe)
        self.push_xcom(context, REPORT_XCOM_KEY, result)
        return self._finish(result)

    def _take_over_the_probe(self, context: Context, result: dict[str, Any], uris: dict[str, str]) -> None:
        """
        Make the probe steps ``uris`` this operator's until they are checked: a kill (:meth:`on_kill`) then abandons
        them and reports the probe failed. The operator a deferral resumes on is a new instance ("When your operator
        resumes, it resumes as a new instance of it", Airflow, "Deferrable Operators & Triggers"), with none of what
        :meth:`execute` set: killed while it checks the objects (marked failed, cleared), it left the objects and
        the pending report. Refused when a kill already came (Airflow's SIGTERM handler returns into the task): during
        the wait in the worker, :meth:`on_kill` abandoned the steps; as the resumed task started, it found none to
        abandon: they are abandoned here, and the probe reported failed, before the refusal.
        """
        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

        self._probe_steps = dict(uris)
        if self._report_probe is None:
            self._report_probe = partial(self._push_with_probe, context, result)
        if self._killed:  # on_kill ran before this: during the worker's wait, or as the resumed task started
            # The latter found no steps to abandon; abandoning again after the former changes nothing
            # (verify.abandon_probe: an ended step is not cancelled, an object deleted is not there).
            self.on_kill()
            raise EmrfsXacctError(
                f"the task was killed while its probe steps on cluster {self.cluster_id} ran: they were abandoned"
            )

    def _check_probe_objects(
        self, probe: dict[str, Any], uris: dict[str, str], encryption: dict[str, list[str | None] | None] | None
    ) -> None:
        """
        Check each probe object (``verify.check_probe_object``, which deletes it) into ``probe``. Every object is
        checked and deleted whatever the reads of what it must be encrypted with answer (:meth:`_expectation_or_none`);
        credentials AWS refused there are raised only then, saying what stays in the partner's bucket.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import credentials_problem
        from airflow_provider_emrfs_xacct.pure.checks.findings import add_probe_object
        from airflow_provider_emrfs_xacct.verify import check_probe_object

        refused_credentials: Exception | None = None
        for uri in uris:
            expected, not_compared, error = self._expectation_or_none(uri, (encryption or {}).get(uri, [None, None]))
            if refused_credentials is None and error is not None and credentials_problem(error):
                refused_credentials = error
            try:
                outcome = check_probe_object(self.readers.s3, uri, **expected)
            except (ClientError, BotoCoreError) as failure:  # its own cleanup ran (check_probe_object's finally)
                outcome = {"exists": None, "ok": False, "problems": [f"{uri} could not be checked: {failure}"]}
            if not_compared:
                outcome["key_not_compared"] = not_compared
            # A failed object fails the probe; one not checked (a refused read of ours) leaves it not checked.
            add_probe_object(probe, uri, outcome)
            for leftover in outcome.get("left", []):
                # The access was probed; what the cleanup could not delete is said, not failed on.
                self.log.warning("The probe's cleanup left something in the partner's bucket: %s", leftover)
                probe.setdefault("left", []).append(leftover)
        if refused_credentials is not None:
            raise _after_the_cleanup(refused_credentials, probe.get("left") or [])

    def _expectation_or_none(
        self, uri: str, encryption: list[str | None] | None
    ) -> tuple[dict[str, Any], str | None, Exception | None]:
        """
        :meth:`_probe_expectation`, and the error of its reads when one raised: the reads' own failures are "not
        read" (``verify.read``), but credentials AWS refuses and throttling are raised there. Either says nothing of
        the write (throttling: "Please reduce your request rate", Amazon S3 API Reference, "Error responses",
        ``SlowDown``): the key is then not compared, naming the error, and the object is still checked and deleted.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            expected, not_compared = self._probe_expectation(uri, encryption)
        except (ClientError, BotoCoreError) as error:
            why = f"what {uri} must be encrypted with was not read: {error}"
            self.log.warning("The probe does not compare the key of %s: %s", uri, why)
            sse = encryption[0] if encryption else None
            return {"expected_sse": sse, "expected_key_arn": None}, why, error
        return expected, not_compared, None

    def _probe_expectation(self, uri: str, encryption: list[str | None] | None) -> tuple[dict[str, Any], str | None]:
        """
        What the probe object must be encrypted with (the arguments of ``check_probe_object``): what the uploads ask
        for, else the bucket's default key; nothing when what they ask for is not known (``encryption`` ``None``).
        And why the key the uploads ask for, or the bucket's default names, is not compared (the probe's ``key_not_compared``; ``None``: it is, or none is
        named). Read once the probe object is written: the AWS managed key ``aws/s3`` that its write had S3 create
        is resolved then (:func:`~airflow_provider_emrfs_xacct.verify.expected_key`).
        """
        from airflow_provider_emrfs_xacct.pure.bucket_policy import AWS_MANAGED_S3_ALIAS
        from airflow_provider_emrfs_xacct.pure.kms_keys import NOT_CREATED_YET, is_key_arn
        from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
        from airflow_provider_emrfs_xacct.verify import expected_key, predefined_aws_alias, read

        if encryption is None:
            self.log.info("The encryption the uploads to %s ask for is not known: the probe does not compare it", uri)
            return {"expected_key_arn": None}, None
        sse, key = encryption
        location = parse_s3_location(uri.rsplit("/", 2)[0] + "/", "probe_uri", allow_bucket_root=True)
        if sse is not None:
            # HeadObject's SSEKMSKeyId is the key's ARN: only a key ARN is compared with it, as asked or as the
            # chain check resolved it (verify.probe_encryption); an alias (name or ARN) or key id it did not resolve
            # is not a key ARN (AWS KMS Developer Guide, "Key identifiers (KeyId)"), and is not compared.
            if not key or is_key_arn(key):
                return {"expected_sse": sse, "expected_key_arn": key}, None
            if key.endswith(f":key/{NOT_CREATED_YET}"):
                # A deferral's context from before the stand-in was told from a key ARN: the aws/s3 it stood for.
                key = f"{key.rsplit(':', 1)[0]}:{AWS_MANAGED_S3_ALIAS}"
            if predefined_aws_alias(key) is None:
                why: str | None = f"{key} was not resolved to a key ARN"
            else:
                # aws/s3 not created when the chain was read: the probe's SSE-KMS write had S3 create it ("Amazon S3
                # automatically creates an AWS KMS key (aws/s3) in your AWS account the first time that you add an
                # object encrypted with SSE-KMS to a bucket": Amazon S3 API Reference, ServerSideEncryptionByDefault).
                # Read again with ListAliases (never DescribeKey on the alias, which would create it).
                expected, why = expected_key(self._bucket_kms(location.bucket), key)
                if expected is not None:
                    return {"expected_sse": sse, "expected_key_arn": expected}, None
            self.log.info("The probe does not compare the key of %s: %s", uri, why)
            return {"expected_sse": sse, "expected_key_arn": None}, why
        default = read(
            self.readers.s3,
            "s3:GetEncryptionConfiguration",
            f"Bucket={location.bucket}",
            partial(self.readers.s3.get_default_encryption, location.bucket),
        )
        configured = None if not isinstance(default, dict) else default.get("KMSMasterKeyID")
        if not configured:
            return {"expected_key_arn": None}, None
        expected, why = expected_key(self._bucket_kms(location.bucket), configured)
        if expected is None:  # an alias or key id not resolved (a refused read; aws/s3 not there yet)
            self.log.info("The probe does not compare the key of %s: %s", uri, why)
        return {"expected_key_arn": expected}, why

    def _bucket_kms(self, bucket: str) -> EmrfsKmsHook:
        """KMS of the bucket's Region, where S3 resolves an alias or key id (EmrfsKmsHook.in_region)."""
        from airflow_provider_emrfs_xacct.verify import read

        region = read(
            self.readers.s3,
            "s3:ListBucket",
            f"Bucket={bucket}",
            partial(self.readers.s3.bucket_region, bucket),
        )
        return self.readers.kms.in_region(region if isinstance(region, str) else None)

    def _finish(self, result: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_emrfs_xacct.pure.checks.findings import (
            VERDICT_NOT_CHECKED,
            VERDICT_PASS,
            still_not_checked,
        )
        from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

        broken = [link for link in result["links"] if link["status"] == "fail"]
        if self.dry_run:
            # The chain read is the one before the changes a dry run only planned (a new partner's role is not there
            # yet): the report says what is broken now; failing on it would fail every plan of a first grant.
            if result["verdict"] != VERDICT_PASS:
                self.log.warning(
                    "Dry run: the chain as it is now, before the changes this run only planned, is %s (%d broken "
                    "link(s)); the task does not fail on it",
                    result["verdict"],
                    len(broken),
                )
            return result
        if self.fail_on_broken and broken:
            raise EmrfsXacctError(
                f"{len(broken)} broken link(s) in the cross-account EMRFS chain: "
                + "; ".join(f"{link['link']}: {link['detail']} (fix: {link['fix']})" for link in broken)
            )
        probe = result.get("probe") or {}
        if self.fail_on_broken and probe.get("ok") is False:
            raise EmrfsXacctError(f"the live probe failed: {probe_problems(result)}")
        # A passing probe settles the links of the mappings and prefixes it wrote through, not whom a job runs as
        # (checks/principal.py), nor another mapping's role.
        unknown = still_not_checked(result["links"], probe.get("routes") or {} if probe.get("ok") is True else None)
        # And what the probe itself left not checked (a refused read of ours once its write was seen).
        unseen = [f"{link['link']}: {link['detail']}" for link in unknown]
        unseen += [f"the live probe: {what}" for what in probe.get("not_checked") or []]
        unseen += [f"the live probe, not under {_where(item)}: {item['why']}" for item in probe.get("not_probed") or []]
        if self.fail_on_not_checked and result["verdict"] == VERDICT_NOT_CHECKED and unseen:
            raise EmrfsXacctError(f"{len(unseen)} link(s) or probe check(s) could not be checked: " + "; ".join(unseen))
        return result


def probe_problems(result: dict[str, Any]) -> list[str]:
    """
    The problems of a report's failed live probe, each failed object or step under a warned rename followed by that
    warning's statement and fix (the probe's own rename link first, else the job's): a copy guard refuses the probe's
    ``put`` only at its rename of ``._COPYING_``, and "was not written" alone names neither the statement nor the fix
    (regression review J35).
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import PROBE_RENAME_LINK
    from airflow_provider_emrfs_xacct.pure.requests import RENAME_STEP

    probe = result.get("probe") or {}
    problems = [str(problem) for problem in probe.get("problems") or []]
    failed = [uri for uri, outcome in (probe.get("objects") or {}).items() if outcome.get("ok") is False]
    failed += [uri for uri in probe.get("failed_steps") or [] if uri]
    for name in (PROBE_RENAME_LINK, RENAME_STEP):
        warned = [
            link
            for link in result.get("links") or []
            if link["status"] == "warn"
            and link["link"].startswith(f"{name} ")
            and any(uri.startswith(link.get("prefix") or "") for uri in failed)
        ]
        if warned:
            named = [f"under {link['link']}: {link['statement']} (fix: {link['fix']})" for link in warned]
            return problems + [line for line in named if line not in problems]
    return problems


def _after_the_cleanup(error: Exception, left: list[str]) -> Exception:
    """
    ``error`` (credentials AWS refused while the probe objects were checked) to raise once they were deleted: a
    ``ClientError`` keeps its code and operation (the command line's exit 6), its message saying what stays.
    """
    from botocore.exceptions import ClientError

    stays = f"; these stay in the partner's bucket: {'; '.join(left)}" if left else "; nothing of it stays"
    said = f" (raised once the probe objects were checked and deleted{stays})"
    if not isinstance(error, ClientError):  # botocore's own credentials errors: said in the task's log
        logging.getLogger(__name__).error("%s%s", error, said)
        return error
    details = error.response.get("Error", {})
    response = {**error.response, "Error": {**details, "Message": f"{details.get('Message', '')}{said}"}}
    return ClientError(response, error.operation_name)  # type: ignore[arg-type]


def probe_pending(result: dict[str, Any]) -> dict[str, Any]:
    """
    The report while its live probe runs: ``NOT_CHECKED``, and ``probe_pending`` says why (no ``probe`` yet).

    The probe runs only on a chain whose links failed none (``PASS`` or ``NOT_CHECKED``), and a probe that fails makes
    the report ``FAIL`` (:func:`with_probe`): until it has ended, the links' ``PASS`` is not proven. ``healthy`` stays
    ``True``: nothing failed yet.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_NOT_CHECKED

    pending = "the live probe has not ended: the verdict waits for it"
    return {**result, "verdict": VERDICT_NOT_CHECKED, PROBE_PENDING: pending}


def failed_probe(problems: list[str], abandoned: dict[str, Any] | None = None) -> dict[str, Any]:
    """
    A live probe's outcome when it failed cut short (killed; or a step of a wait that ended failed:
    :func:`cut_short_probe`): why, and its abandoned steps.
    """
    probe: dict[str, Any] = {"ok": False, "problems": problems, "objects": {}}
    if abandoned is not None:
        probe["abandoned"] = abandoned
    return probe


def cut_short_probe(
    problems: list[str], abandoned: dict[str, Any] | None, seen: dict[str, Any] | None = None
) -> dict[str, Any]:
    """
    A live probe's outcome when its wait ended before its steps did (ran out, failed, or its deferral failed).

    :func:`failed_probe` when one of its steps ended FAILED or INTERRUPTED before the verifier cancelled anything;
    else not checked (``ok`` ``None``, never a pass), saying why and how to let it run
    (:func:`~airflow_provider_emrfs_xacct.pure.checks.findings.cut_short`): the steps are judged by their states
    before the cancel (``abandoned``'s ``state_before_cancel``, ``verify.abandon_probe``), and a step the wait saw
    fail (``seen``, ``{step id: state}``) failed whatever was read after it.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import (
        PROBE_DID_NOT_RUN_FIX,
        STEP_DID_NOT_COMPLETE,
        cut_short,
    )

    states = {str(outcome.get("step")): outcome.get("state_before_cancel") for outcome in (abandoned or {}).values()}
    states.update({step: state for step, state in (seen or {}).items() if state in STEP_DID_NOT_COMPLETE})
    probe = failed_probe(problems, abandoned)
    why = cut_short(states)
    if why is None:
        return {**probe, **_failed_steps(states, abandoned)}
    return {**probe, "ok": None, "not_checked": [why], "not_checked_fix": PROBE_DID_NOT_RUN_FIX}


def _failed_steps(states: dict[str, Any], abandoned: dict[str, Any] | None) -> dict[str, Any]:
    """
    The probe URIs whose step ended FAILED or INTERRUPTED (``failed_steps``; ``None``: a step whose URI is not known),
    and why the other steps are not checked (``others_not_checked``): what the report shows of a probe that failed.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import STEP_DID_NOT_COMPLETE, cut_short

    uri_of = {str(outcome.get("step")): uri for uri, outcome in (abandoned or {}).items()}
    failed = [step for step, state in states.items() if state in STEP_DID_NOT_COMPLETE]
    others = {step: state for step, state in states.items() if step not in failed}
    extra: dict[str, Any] = {"failed_steps": [uri_of.get(step) for step in failed]}
    if others:
        extra["others_not_checked"] = cut_short(others)
    return extra


def with_probe(result: dict[str, Any], probe: dict[str, Any]) -> dict[str, Any]:
    """
    The report with its live probe's outcome: ``verdict`` and ``healthy`` say what the probe showed too
    (:func:`~airflow_provider_emrfs_xacct.pure.checks.findings.verdict_with_probe`; a failed probe: ``FAIL``; one not
    checked: ``NOT_CHECKED``), and ``not_checked`` and ``refused_reads`` list what the probe left not checked.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import probe_not_checked, verdict_with_probe

    judged = {key: value for key, value in result.items() if key != PROBE_PENDING}
    judged["probe"] = probe
    judged["not_checked"] = [*judged.get("not_checked", []), *probe_not_checked(probe)]
    refused = list(judged.get("refused_reads") or [])
    judged["refused_reads"] = refused + [read for read in probe.get("refused_reads") or [] if read not in refused]
    judged["verdict"], judged["healthy"] = verdict_with_probe(judged["links"], probe)
    if probe.get("ok") is False:
        judged["probe"] = {**probe, "problems": probe_problems(judged)}
    return with_not_probed(judged, probe.get("not_probed") or [])


def _where(not_probed: dict[str, Any]) -> str:
    """Where the probe did not write (a ``probe.not_probed`` item): its identifier, else the configuration's prefixes."""
    return str(not_probed.get("identifier") or "the security configuration's prefixes")


def with_not_probed(result: dict[str, Any], not_probed: list[dict[str, Any]]) -> dict[str, Any]:
    """
    The report with the identifiers its live probe did not write under (``probe.not_probed``,
    :func:`~airflow_provider_emrfs_xacct.verify.probe_targets`) in ``not_checked``: a probe settles only what it wrote
    under, so with one left out the verdict is ``NOT_CHECKED`` at best, never ``PASS``.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_NOT_CHECKED, VERDICT_PASS

    if not not_probed:
        return result
    items = [
        {
            "what": f"live probe under {_where(item)}"
            + ("" if item.get("mapping") is None else f" (mapping {item['mapping']})")
            + f": not written, {item['why']}",
            "how": item.get("how") or "the probe does not write there",
        }
        for item in not_probed
    ]
    judged = {**result, "not_checked": [*result.get("not_checked", []), *items]}
    judged["probe"] = {**judged.get("probe", {}), "not_probed": not_probed}
    if judged.get("verdict") == VERDICT_PASS:
        judged["verdict"] = VERDICT_NOT_CHECKED
    return judged


def _steps_ended(response: Any) -> str:
    """
    The state of each step a ``ListSteps`` answer shows that did not complete, with EMR's reason (``FailureDetails``,
    else ``StateChangeReason``; Amazon EMR API Reference, "StepStatus"), e.g. ``step s-1 INTERRUPTED (...)``; ``""``
    when the answer shows none.
    """
    if not isinstance(response, dict):
        return ""
    ended = []
    for step in response.get("Steps") or []:
        status = step.get("Status") or {}
        state = status.get("State")
        if state in (None, "COMPLETED"):
            continue
        details = status.get("FailureDetails") or {}
        change = status.get("StateChangeReason") or {}
        why = details.get("Message") or details.get("Reason") or change.get("Message") or change.get("Code")
        ended.append(f"step {step.get('Id')} {state}" + (f" ({why})" if why else ""))
    return "; ".join(ended)


def _states_seen(response: Any) -> dict[str, Any]:
    """Each step's state in a ``ListSteps`` answer (``{step id: state}``); none when it is not one."""
    if not isinstance(response, dict):
        return {}
    return {str(step.get("Id")): (step.get("Status") or {}).get("State") for step in response.get("Steps") or []}


def _with_the_triggers_deletes(
    outcomes: dict[str, Any] | None, triggers: dict[str, Any] | None
) -> dict[str, Any] | None:
    """
    Each abandoned probe step's outcome as the task's clean-up saw it, ``deleted`` where the deferred wait's trigger
    had deleted its object before it fired (its error event's ``abandoned``, :class:`~airflow_provider_emrfs_xacct.
    triggers.ProbeStepsTrigger`), with the state the trigger read before it cancelled the step (the task's read
    comes after that cancel); the trigger's outcomes when the task's clean-up has none.
    """
    if not isinstance(triggers, dict):
        return outcomes
    if outcomes is None:
        return triggers
    merged = {}
    for uri, outcome in outcomes.items():
        seen = triggers.get(uri)
        if isinstance(seen, dict):  # a trigger's outcome without the state (older): not known
            outcome = {**outcome, "state_before_cancel": seen.get("state_before_cancel")}
            outcome = {**outcome, "deleted": True} if seen.get("deleted") is True else outcome
        merged[uri] = outcome
    return merged


def _task_key(context: Context) -> str | None:
    """The key of the running task instance (``operators.emr.idempotency_key``); ``None`` without a task instance."""
    from airflow_provider_emrfs_xacct.operators.emr import idempotency_key

    ti = context.get("ti")
    if ti is None or not all(hasattr(ti, name) for name in ("dag_id", "run_id", "task_id", "map_index")):
        return None
    return idempotency_key(context)


def _with_task_key(step: dict[str, Any], key: str | None) -> dict[str, Any]:
    """The probe ``step`` carrying the task instance's ``key`` as :data:`PROBE_TASK_PROPERTY` (``None``: as it is)."""
    if key is None:
        return step
    jar = step["HadoopJarStep"]
    properties = [*jar.get("Properties", []), {"Key": PROBE_TASK_PROPERTY, "Value": key}]
    return {**step, "HadoopJarStep": {**jar, "Properties": properties}}


#: The words of a probe step's command before its URI (``verify.probe_step``: ``echo emrfs-xacct-probe | hadoop fs
#: -put -f - <uri>``, the URI quoted for bash with ``shlex.quote``, which ``shlex.split`` reads back).
_PROBE_COMMAND = ["echo", "emrfs-xacct-probe", "|", "hadoop", "fs", "-put", "-f", "-"]


def _probe_uri_of(step: dict[str, Any]) -> str | None:
    """
    The probe URI a listed step (a ``ListSteps`` ``StepSummary``) writes: ``None`` unless it is a probe step's
    command whose URI ends in the probe's key (``<prefix>_emrfs_xacct_probe/<32 hex digits>``, ``verify.probe_key``),
    so that the clean-up of an earlier try's step deletes nothing but a probe object.
    """
    import re
    import shlex

    from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY

    args = (step.get("Config") or {}).get("Args") or []
    if len(args) != 3 or args[:2] != ["bash", "-c"]:
        return None
    try:
        words = shlex.split(str(args[2]))
    except ValueError:
        return None
    if words[:-1] != _PROBE_COMMAND or not re.fullmatch(rf"s3://[^/]+/(.*/)?{PROBE_KEY}/[0-9a-f]{{32}}", words[-1]):
        return None
    return words[-1]
