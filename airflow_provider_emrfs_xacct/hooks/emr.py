"""EMR hook: content-named security configurations and idempotent cluster launches."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from airflow.providers.amazon.aws.hooks.emr import EmrHook
from airflow.providers.common.compat.sdk import AirflowNotFoundException, redact
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from airflow_provider_emrfs_xacct.hooks.errors import (
    account_of,
    error_code,
    error_message,
    http_status,
    is_access_denied,
)
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsHookMixin
from airflow_provider_emrfs_xacct.pure.checks.instance_settings import instance_configurations_of
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import MAX_CLUSTER_TAGS as MAX_CLUSTER_TAGS
from airflow_provider_emrfs_xacct.pure.launch_arguments import (
    has_idempotency_tag,
    idempotency_key_of,
    idempotency_tag_value,
    same_task_instance,
    tuples_as_lists,
)
from airflow_provider_emrfs_xacct.pure.merge import parse_document
from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG as IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.pure.plan import CREATE, Change
from airflow_provider_emrfs_xacct.pure.security_config import canonical_json, without_generated_fields

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
    from datetime import datetime

    from mypy_boto3_emr import EMRClient
    from mypy_boto3_emr.literals import ClusterStateType, StepStateType

    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
    from airflow_provider_emrfs_xacct.pure.network import SubnetFacts
    from airflow_provider_emrfs_xacct.pure.scoped_service_role import (
        NetworkResource,
        RoleDocuments,
        ServiceRolePolicies,
    )

#: Cluster states in which a launched cluster counts as "already there" for a retried task.
ACTIVE_CLUSTER_STATES: tuple[ClusterStateType, ...] = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
#: The states of a cluster that has ended (Amazon EMR API Reference, "ClusterStatus", ``State``).
TERMINATED_CLUSTER_STATES: tuple[ClusterStateType, ...] = ("TERMINATED", "TERMINATED_WITH_ERRORS")
#: The states of a cluster that ended or is ending: neither active nor to be returned to a retry (Amazon EMR API
#: Reference, "ClusterStatus": STARTING | BOOTSTRAPPING | RUNNING | WAITING | TERMINATING | TERMINATED |
#: TERMINATED_WITH_ERRORS).
ENDED_CLUSTER_STATES: tuple[ClusterStateType, ...] = ("TERMINATING", *TERMINATED_CLUSTER_STATES)
#: The newest ended clusters of the launch's ``Name`` a retry describes (one ``DescribeCluster`` each) to warn that
#: one of them was its task instance's (:meth:`EmrfsEmrHook._warn_of_ended_launches`).
ENDED_CLUSTERS_DESCRIBED = 5
#: Attempts at ``RunJobFlow`` when it fails with a throttling, server or connection error.
LAUNCH_ATTEMPTS = 8
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"})


#: A value in botocore's report of invalid parameters ("Invalid type for parameter <path>, value: <value>, type: ...").
_REPORTED_VALUE = re.compile(r"(parameter (?P<path>[^\n]+?), value: )(?P<value>.*?)(?=, (?:type:|valid ))")
#: The parameter the first line of botocore's report is about: ``Invalid type for parameter Steps[0].Name, ...``,
#: ``Missing required parameter in Instances.InstanceGroups[0]: "InstanceRole"``, ``Unknown parameter in input:
#: "Bogus"`` (``input``: the arguments themselves).
#: The path runs to ", value: " or ': "' (a property's name may hold spaces, commas or colons).
_REPORTED_PARAMETER = re.compile(r'parameter (?:in )?(?P<path>.+?)(?:: "(?P<key>[^"]*)"|, value: |, valid |$)')


def reported_field(report: str) -> str:
    """The ``job_flow_overrides`` field the first line of botocore's validation ``report`` names."""
    found = _REPORTED_PARAMETER.search(report.partition("\n")[0])
    if found is None:
        return "job_flow_overrides"
    path = [part for part in (found["path"], found["key"]) if part and part != "input"]
    return ".".join(["job_flow_overrides", *path])


def redacted_report(report: str, arguments: Any) -> str:
    """
    botocore's report with the values under a sensitive key masked, as Airflow masks them in rendered fields.

    The report shows each refused value (a numeric Hive metastore ``ConnectionPassword``, say), and a refused
    dict or list with everything in it (one classification given as ``Configurations``): the task log must
    show neither. ``arguments`` are those validated: a value under a sensitive key in them is masked where the
    report prints it inside another (``'<key>': <value>``).
    """
    report = _REPORTED_VALUE.sub(
        lambda found: f"{found.group(1)}{redact(found.group('value'), name=found.group('path'))}", report
    )
    for key, value in _sensitive_items(arguments):
        report = report.replace(f"{key!r}: {value!r}", f"{key!r}: '***'")
    return report


def _sensitive_items(arguments: Any) -> Iterator[tuple[str, Any]]:
    """Yield the ``(key, value)`` pairs of ``arguments``, at any depth, whose key Airflow's masker hides."""
    if isinstance(arguments, dict):
        for key, value in arguments.items():
            if isinstance(key, str) and redact("x", name=key) != "x":
                yield key, value
            else:
                yield from _sensitive_items(value)
    elif isinstance(arguments, (list, tuple)):
        for item in arguments:
            yield from _sensitive_items(item)


class LaunchCancelledError(Exception):
    """The task was killed while its launch waited to send ``RunJobFlow`` again."""


class ConfigurationsInUse(dict[str, list[str]]):
    """
    Security configuration names, each with the ids of the clusters that use it; with :attr:`undescribed`, every name.

    A cluster whose ``DescribeCluster`` was refused may use any configuration: then each name is in it (``in``), and
    ``[name]`` gives the clusters that use it (none may be) and those not described, so that a clean-up keeps every one.
    :meth:`values` and :meth:`get` give only the clusters described.
    """

    #: Clusters whose configuration is not known (``DescribeCluster`` refused).
    undescribed: tuple[str, ...] = ()

    def __contains__(self, name: object) -> bool:
        return bool(self.undescribed) or super().__contains__(name)

    def __getitem__(self, name: str) -> list[str]:
        if not self.undescribed:
            return super().__getitem__(name)
        refused = [f"{cluster_id} (not described: DescribeCluster refused)" for cluster_id in self.undescribed]
        return [*self.get(name, []), *refused]


class EmrfsEmrHook(EmrfsHookMixin, EmrHook):
    """
    Interact with Amazon EMR: security configurations by content, and launches that a retry does not repeat.

    :param emr_conn_id: as for :class:`~airflow.providers.amazon.aws.hooks.emr.EmrHook`, the
        connection whose extra holds the initial ``RunJobFlow`` configuration.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.emr.EmrHook`
    """

    #: Set by the launch's ``on_kill``: ``create_job_flow`` sends no further ``RunJobFlow``.
    launch_cancelled = False
    #: Set by ``create_job_flow`` just before it sends ``RunJobFlow`` (never unset): from then on the launch may have
    #: started a cluster whose id the task does not know yet (answer under way or lost); ``on_kill`` reads it.
    run_job_flow_sent = False
    #: ``RunJobFlow`` attempts of this hook whose outcome is not known: the connection failed or EMR answered 5xx (not a
    #: refusal such as throttling, which launched nothing). Each may have started a cluster (see :meth:`create_job_flow`).
    run_job_flow_unanswered = 0
    #: Set by the launch: ``create_job_flow`` looks for its key among the clusters created after this time
    #: only (``find_cluster_by_idempotency_key``'s ``created_after``); ``None``: among every active cluster.
    launch_created_after: datetime | None = None
    #: Set by the launch: the ``config_overrides`` of its wait in the worker for the cluster up
    #: (``job_flow_waiting``, :meth:`get_waiter`; ``triggers.cluster_up_waiter_overrides``); ``None``: as upstream.
    job_flow_waiting_overrides: dict[str, Any] | None = None
    #: The summaries of the ended or ending clusters (:data:`ENDED_CLUSTER_STATES`) the last search for idempotency
    #: keys listed: ``create_job_flow`` names one of its key that a relaunch repeats (:meth:`_warn_of_ended_launches`).
    ended_summaries_read: tuple[dict[str, Any], ...] = ()
    #: Set by the launch: its task instance's ``try_number`` is above 1. Only then does ``create_job_flow`` describe
    #: ended clusters to warn of a relaunch (:meth:`_warn_of_ended_launches`); ``False``: none described.
    launch_is_retry = False

    @cached_property
    def idempotency_tags_read(self) -> dict[str, str]:
        """
        The idempotency tag's value of each cluster this hook described that carried the tag with another key.

        Kept for the hook's life (one task): a cluster's tags are those ``RunJobFlow`` gave it, changed only by
        ``AddTags`` and ``RemoveTags`` (Amazon EMR API Reference, "RunJobFlow" ``Tags``: "A list of tags to
        associate with a cluster and propagate to Amazon EC2 instances"; "AddTags"), which this provider never sends
        for its tag: one launched with another key never carries this one. A cluster described without the tag is
        not kept: AWS does not document that a cluster's first ``DescribeCluster`` already shows every tag
        ``RunJobFlow`` gave it, and a just-launched cluster of this key skipped by every later search of the task
        would be launched a second time. A cluster is described again when searched for the key it was found with.
        """
        return {}

    @cached_property
    def creation_times_read(self) -> dict[str, datetime]:
        """
        The creation time of each cluster a search for idempotency keys listed (``ListClusters``).

        Each summary's ``Status.Timeline.CreationDateTime`` (Amazon EMR API Reference, "ClusterSummary",
        "ClusterTimeline": "The creation date and time of the cluster"; not required: a summary without it is not
        kept). The teardown tells by it a cluster of its task instance under another key launched before its run's
        start date from one launched since.
        """
        return {}

    if TYPE_CHECKING:  # the client's type from the stubs (EmrHook's base types it only as boto3.client)

        @cached_property
        def conn(self) -> EMRClient: ...

    def get_waiter(
        self,
        waiter_name: str,
        parameters: dict[str, str] | None = None,
        config_overrides: dict[str, Any] | None = None,
        deferrable: bool = False,
        client: Any = None,
    ) -> Any:
        """
        Get a waiter as the Amazon provider does; ``job_flow_waiting`` with :attr:`job_flow_waiting_overrides` when
        none are given (the upstream launch asks for it by name only: ``EmrCreateJobFlowOperator.execute``).
        """
        if waiter_name == "job_flow_waiting" and config_overrides is None:
            config_overrides = self.job_flow_waiting_overrides
        return super().get_waiter(
            waiter_name, parameters=parameters, config_overrides=config_overrides, deferrable=deferrable, client=client
        )

    def describe_security_configuration(self, name: str) -> dict[str, Any] | None:
        """Return the security configuration's document, or ``None`` if there is none by that name."""
        try:
            response = self.conn.describe_security_configuration(Name=name)
        except ClientError as error:
            if error_code(error) == "InvalidRequestException":
                return None
            raise
        return parse_document(
            response["SecurityConfiguration"], f"security configuration {name}", "security configuration"
        )

    def refuse_keys_not_kms_arns(self, name: str, document: dict[str, Any], field: str) -> list[InvalidParameterError]:
        """
        Refuse an at-rest ``AwsKmsKey`` of ``document`` that is not a KMS ARN (a key id, an alias name) when EMR holds
        no security configuration ``name``, before ``CreateSecurityConfiguration``; return the problems when it does.

        "an AWS KMS customer master key (CMK) ARN must be specified as the AwsKmsKey value" (Amazon EMR Management
        Guide, "Create a security configuration"). AWS does not say what EMR does with another form, so a configuration
        of this name and content may exist, made by an earlier release of this provider: it is reused as it is, not
        created, and the caller warns of each problem returned (OX226, OX242). Read only when the document names such
        a key (``DescribeSecurityConfiguration``).

        :raises InvalidParameterError: the first problem, naming ``field``, when there is no such configuration.
        """
        from airflow_provider_emrfs_xacct.pure.security_config import keys_not_kms_arns

        problems = keys_not_kms_arns(document, field)
        if problems and self.describe_security_configuration(name) is None:
            raise problems[0]
        return problems

    def describe_cluster(self, cluster_id: str) -> dict[str, Any]:
        """Return the cluster as ``DescribeCluster`` describes it."""
        return dict(self.conn.describe_cluster(ClusterId=cluster_id)["Cluster"])

    def instance_collections(self, cluster_id: str, fleets: bool) -> list[dict[str, Any]]:
        """The cluster's instance groups (``ListInstanceGroups``) or, with ``fleets``, fleets (``ListInstanceFleets``)."""
        if fleets:
            fleet_pages = self.conn.get_paginator("list_instance_fleets").paginate(ClusterId=cluster_id)
            return [dict(fleet) for page in fleet_pages for fleet in page["InstanceFleets"]]
        pages = self.conn.get_paginator("list_instance_groups").paginate(ClusterId=cluster_id)
        return [dict(group) for page in pages for group in page["InstanceGroups"]]

    def instance_configurations(self, cluster_id: str, fleets: bool) -> list[tuple[str, list[dict[str, Any]]]]:
        """:func:`instance_configurations_of` the cluster's instance groups or fleets."""
        return instance_configurations_of(self.instance_collections(cluster_id, fleets), fleets)

    @staticmethod
    def security_configuration_created(name: str, document: dict[str, Any]) -> Change:
        """The change that creates the security configuration ``name`` from ``document`` (no call)."""
        return Change(CREATE, f"emr security configuration {name}", None, without_generated_fields(document))

    def ensure_security_configuration(
        self,
        name: str,
        document: dict[str, Any],
        *,
        dry_run: bool = False,
        refuse_create: Sequence[Exception] = (),
    ) -> list[Change]:
        """
        Create the security configuration unless one with this name and content exists.

        Configurations are immutable: one with the same name and other content is a conflict. The fields EMR writes
        into a configuration itself (:func:`~.security_config.without_generated_fields`: the ``ExternalId`` of one with
        runtime roles) are never sent, and a stored configuration is compared without them: EMR's own would otherwise
        make every rerun a conflict, and a copied one would be refused or replaced.

        :param refuse_create: why the document may be reused but not created (an at-rest ``AwsKmsKey`` that is not a
            KMS ARN: ``CreateEmrfsSecurityConfigOperator``, which found the configuration before): the first is
            raised, before ``CreateSecurityConfiguration``, when this read finds none (deleted meanwhile, OX243).
        """
        document = without_generated_fields(document)
        current = self.describe_security_configuration(name)
        if current is None:
            for problem in refuse_create:
                raise problem
            change = self.security_configuration_created(name, document)
            if dry_run:
                return [change]
            try:
                self.conn.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
                return [change]
            except ClientError as error:
                current = (
                    self.describe_security_configuration(name)
                    if error_code(error) == "InvalidRequestException"
                    else None
                )
                if current is None:
                    raise
                # botocore sends a call again after a dropped connection or a 5xx (Boto3 guide, "Retries") and
                # counts it in RetryAttempts: EMR's "already exists" to a resend may answer an earlier attempt
                # whose answer was lost, which created it. Reported as created, not as "no change".
                resent = bool(error.response.get("ResponseMetadata", {}).get("RetryAttempts"))
                self.log.info(
                    "Security configuration %s exists: %s",
                    name,
                    "created by an attempt whose answer was lost, or concurrently"
                    if resent
                    else "created concurrently",
                )
                self._refuse_other_content(name, current, document)
                return [change] if resent else []
        self._refuse_other_content(name, current, document)
        return []

    @staticmethod
    def _refuse_other_content(name: str, current: dict[str, Any], document: dict[str, Any]) -> None:
        # The fields EMR generates (an ExternalId) aside: they are in the document stored, never in the one sent.
        current, document = without_generated_fields(current), without_generated_fields(document)
        if canonical_json(current) != canonical_json(document):
            raise ConflictError(
                f"security configuration {name!r} exists with other content; it was not made by this "
                "provider for these arguments (configurations are immutable: choose another name_prefix)"
            )

    def find_cluster_by_idempotency_key(
        self,
        idempotency_key: str,
        security_configuration: str | None = None,
        *,
        check: bool = False,
        created_after: datetime | None = None,
        name: str | None = None,
        launch: Mapping[str, Any] | None = None,
        others: list[str] | None = None,
    ) -> str | None:
        """
        Return the id of an active cluster tagged with this idempotency key, whatever its name.

        ``ListClusters`` has no tags, so each active cluster listed is described (``DescribeCluster``)
        until one carries the key. A cluster this hook has already described and found tagged with another key is not
        described again (:attr:`idempotency_tags_read`): a launch searches again after each failed ``RunJobFlow``
        attempt, and a throttled one would otherwise describe every sibling cluster of its run each time. A cluster
        whose ``DescribeCluster`` is refused (another team's, under a tag-based policy) is skipped with a warning
        (:meth:`_cluster_if_tagged`), unless it has the ``name`` a launch searches for and no cluster of the key is
        taken: it may be this task's own, and launching again would start a second cluster, so the refusal is raised.
        Once one is taken (``others`` reads on past it), such a refusal is logged instead: nothing is launched, and a
        duplicate among the clusters not read is left to the teardown. Any other error of a ``DescribeCluster`` is
        raised.

        The list is asked for without ``ClusterStates`` (see :meth:`list_cluster_summaries`): a cluster changing
        state while it runs, as one does right after a launch fails while waiting, may be missing from a list
        filtered by state; the active states are kept here, from each summary's ``Status.State``.

        :param security_configuration: the configuration the caller launches with (``None``: none).
        :param check: refuse (:class:`ConflictError`) an active cluster of this key that uses another
            security configuration than ``security_configuration``: returning it would hand the task a
            cluster with the old access (configurations cannot change; a cluster keeps its own).
        :param created_after: list only the clusters created after this time (``ListClusters``'
            ``CreatedAfter``, "the creation date and time beginning value filter for listing clusters",
            Amazon EMR API Reference, "ListClusters"): a time before which no cluster of this key can have
            been launched (see ``launch_search_bound``). ``None``: every active cluster.
        :param name: describe the clusters of this ``Name`` first: a cluster a retried launch finds is
            likely to have its name (it may not: the name can be a template). Only an order; all are read.
        :param launch: with ``check``, the ``RunJobFlow`` arguments the caller launches with: a cluster of this key
            launched with another instance profile, service role, release or configurations is refused too
            (:func:`~.launched_cluster.launch_differences`), naming each argument.
        :param others: given, the search goes on past the cluster it returns and adds to it the ids of the other active
            clusters of this key with that cluster's ``Name`` (not checked): those one try's attempts whose answers were
            lost started share its arguments. Only they are described, not the run's clusters of other names
            (``ListClusters`` has no tags): one of the key under another name (an earlier try's, its name a template)
            is left to the teardown. ``None``: it stops at the first.
        """
        taken: str | None = None
        taken_name: Any = None

        def worth_reading(summary: dict[str, Any]) -> bool:
            return taken is None or summary.get("Name") == taken_name

        tagged = self._tagged_clusters(idempotency_key, created_after, name, worth_reading, lambda: taken)
        for summary, cluster in tagged:
            if taken is not None and others is not None:
                others.append(str(summary["Id"]))
                continue
            found = cluster.get("SecurityConfiguration")
            if check and found != security_configuration:
                raise ConflictError(
                    f"cluster {summary['Id']} ({summary.get('Name')!r}), active, was "
                    f"launched by this task instance with security configuration {found!r}, not "
                    f"{security_configuration!r}; it still has the access of {found!r}. Terminate it, or "
                    "clear the task in a new DAG run, to launch with the new configuration",
                    field="security_configuration",
                )
            if check and launch is not None:
                _refuse_other_launch(summary, cluster, launch)
            taken, taken_name = str(summary["Id"]), summary.get("Name")
            if others is None:
                return taken
        return taken

    def find_clusters_of_keys(
        self, idempotency_keys: Collection[str], *, created_after: datetime | None = None
    ) -> list[str]:
        """
        Return the ids of every active cluster tagged with one of these idempotency keys, in one search.

        For the teardown of a mapped launch: one key per launch instance (its map index), one ``ListClusters`` and one
        ``DescribeCluster`` per active cluster for them all. The rules of :meth:`find_cluster_by_idempotency_key`.
        """
        found = list(self._tagged_clusters(idempotency_keys, created_after, None))
        self.clusters_of_keys_read.update({str(summary["Id"]): dict(cluster) for summary, cluster in found})
        return [str(summary["Id"]) for summary, _ in found]

    @cached_property
    def clusters_of_keys_read(self) -> dict[str, dict[str, Any]]:
        """Each cluster :meth:`find_clusters_of_keys` found, as its search described it (``DescribeCluster``)."""
        return {}

    def find_clusters_by_idempotency_key(
        self, idempotency_key: str, *, created_after: datetime | None = None, name: str | None = None
    ) -> list[str]:
        """
        Return the ids of every active cluster tagged with this idempotency key, not only the first.

        ``RunJobFlow`` has no client token: a launch that sent it again after an answer it lost, while ``ListClusters``
        did not show the first cluster yet, started two clusters under one key (see :meth:`create_job_flow`). A
        teardown, a kill and a failed deferral end them all. The search's rules are those of
        :meth:`find_cluster_by_idempotency_key` (``created_after``, ``name``, a refused ``DescribeCluster``).
        """
        found: list[str] = []
        # Once one is found, a namesake not described is warned of, not raised: a kill, a teardown or a failed
        # launch still ends those it found (:meth:`_raise_if_namesake_refused`).
        clusters = self._tagged_clusters(
            idempotency_key, created_after, name, taken=lambda: found[0] if found else None
        )
        for summary, _ in clusters:
            found.append(str(summary["Id"]))  # one by one: the search asks for the first once it has read every one
        return found

    def _tagged_clusters(
        self,
        idempotency_key: str | Collection[str],
        created_after: datetime | None,
        name: str | None,
        worth_reading: Callable[[dict[str, Any]], bool] | None = None,
        taken: Callable[[], str | None] | None = None,
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """
        Yield ``(summary, description)`` of each active cluster tagged with ``idempotency_key`` (or one of several
        keys), those of ``name`` first; only those ``worth_reading`` (asked of each summary in turn) when given.

        Once every cluster listed is read (not when the caller stops at the first it takes): a refused
        ``DescribeCluster`` of a cluster of ``name`` is raised (:meth:`_raise_if_namesake_refused`), unless ``taken``
        (asked then) names the cluster the caller took, and the clusters not taken are logged
        (:meth:`_warn_of_clusters_not_taken`).
        """
        summaries = self._active_summaries(created_after)
        summaries.sort(key=lambda summary: name is None or summary.get("Name") != name)  # stable: an order only
        self.creation_times_read.update(_creation_times(summaries))
        keys = frozenset([idempotency_key] if isinstance(idempotency_key, str) else idempotency_key)
        namesakes: list[str] = []
        refused: list[tuple[str, ClientError]] = []
        for summary in summaries:
            if worth_reading is not None and not worth_reading(summary):
                continue
            cluster, value = self._cluster_if_tagged(str(summary["Id"]), keys, refused)
            if cluster is not None:
                yield summary, cluster
            elif value is not None and any(same_task_instance(value, key) for key in keys):
                namesakes.append(str(summary["Id"]))
        searched = ", ".join(sorted(keys))
        self._raise_if_namesake_refused(summaries, refused, name, taken() if taken is not None else None, searched)
        self._warn_of_clusters_not_taken(searched, namesakes, [cluster_id for cluster_id, _ in refused])

    def _active_summaries(self, created_after: datetime | None) -> list[dict[str, Any]]:
        """The summaries of the active clusters listed; those of the ended ones are kept in :attr:`ended_summaries_read`."""
        summaries: list[dict[str, Any]] = []
        ended: list[dict[str, Any]] = []
        for summary in self.list_cluster_summaries(created_after):
            if summary.get("Status", {}).get("State") in ACTIVE_CLUSTER_STATES:
                summaries.append(summary)
            elif summary.get("Status", {}).get("State") in ENDED_CLUSTER_STATES:
                ended.append(summary)
        self.ended_summaries_read = tuple(ended)
        return summaries

    def _raise_if_namesake_refused(
        self,
        summaries: list[dict[str, Any]],
        refused: list[tuple[str, ClientError]],
        name: str | None,
        taken: str | None,
        idempotency_key: str,
    ) -> None:
        """
        Raise the refused ``DescribeCluster`` of an active cluster named ``name``: it may be the launch's own.

        Once the search took (or found) a cluster of its key (``taken``), nothing is launched, so such a refusal is
        logged, not raised: under a tag-based policy (Amazon EMR Management Guide, "IAM policies for tag-based access
        to clusters and EMR notebooks") another team's cluster of the same name answers ``AccessDeniedException``, and
        a retry failed on it though its own cluster was found (a kill or a teardown ended none of those it found). A
        duplicate of this launch among those not read is not ended.
        """
        if name is None:
            return
        names = {str(summary["Id"]): summary.get("Name") for summary in summaries}
        namesakes = [(cluster_id, error) for cluster_id, error in refused if names[cluster_id] == name]
        if not namesakes:
            return
        if taken is not None:
            self.log.warning(
                "DescribeCluster was refused for active cluster(s) %s, named %r as this launch's cluster: not read. "
                "This launch's cluster %s was found, tagged %s=%s; if one of them is another cluster of this launch (started "
                "by an attempt whose answer was lost), it is not ended here: the launch's TerminateClusterOperator "
                "teardown terminates every active cluster with that tag it may describe (grant "
                "elasticmapreduce:DescribeCluster on them)",
                ", ".join(cluster_id for cluster_id, _ in namesakes),
                name,
                taken,
                IDEMPOTENCY_TAG,
                idempotency_key,
            )
            return
        cluster_id, error = namesakes[0]
        self.log.error(
            "DescribeCluster was refused for active cluster %s, named %r as this launch's cluster: it may "
            "be the one this task instance launched, so no other is launched; grant "
            "elasticmapreduce:DescribeCluster on it",
            cluster_id,
            name,
        )
        raise error

    def list_cluster_summaries(self, created_after: datetime | None = None) -> list[dict[str, Any]]:
        """
        Return the summary of every cluster ``ListClusters`` shows, in any state: never filtered by state.

        Amazon EMR API Reference, "ListClusters", ``ClusterStates``: "Clusters that change state while this action
        runs may be not be returned as expected in the list of clusters". Without that filter no state is matched,
        so callers keep the states they want from each summary's ``Status.State``.

        :param created_after: only the clusters created after this time (``CreatedAfter``), which keeps the list
            short; ``None``: every cluster listed, terminated ones included (more pages, no ``DescribeCluster``).
        """
        arguments: dict[str, Any] = {} if created_after is None else {"CreatedAfter": created_after}
        paginator = self.conn.get_paginator("list_clusters")
        return [dict(summary) for page in paginator.paginate(**arguments) for summary in page["Clusters"]]

    def _warn_of_clusters_not_taken(self, idempotency_key: str, namesakes: list[str], refused: list[str]) -> None:
        """Log the clusters a search for ``idempotency_key`` did not take: of its task instance under another key, not described."""
        if namesakes:
            self.log.warning(
                "Active cluster(s) %s carry the %s tag of this task instance under another key than %s: launched "
                "by another Airflow deployment running this DAG run, by a release of this provider before the key "
                "named the deployment, or by this run before it was cleared when finished (without [emrfs_xacct] "
                "deployment_name). They are not taken as this task instance's cluster: neither used nor "
                "terminated; terminate them yourself if they are this deployment's",
                ", ".join(namesakes),
                IDEMPOTENCY_TAG,
                idempotency_key,
            )
        if refused:
            self.log.warning(
                "DescribeCluster was refused (access denied) for active cluster(s) %s: skipped by the search for "
                "idempotency key %s. In an account shared under tag-based policies (Amazon EMR Management Guide, "
                '"IAM policies for tag-based access to clusters and EMR notebooks") these are other teams\' '
                "clusters; a cluster this provider launched carries the launch's own tags (its Tags and the %s "
                "tag), which a tag-based policy that grants the launch covers, so it is not among them. If this "
                "connection may not describe the clusters it launches, grant it elasticmapreduce:DescribeCluster on "
                "them: a retry could not find its cluster and would launch another, and the teardown would leave "
                "it running",
                ", ".join(refused),
                idempotency_key,
                IDEMPOTENCY_TAG,
            )

    def _cluster_if_tagged(
        self, cluster_id: str, keys: Collection[str], refused: list[tuple[str, ClientError]]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """
        Return ``(the cluster, key)`` if it carries one of ``keys``, else ``(None, its idempotency tag's value)``.

        Described (``DescribeCluster``) unless :attr:`idempotency_tags_read` already holds it with another key. A
        ``DescribeCluster`` refused (access denied) adds the cluster to ``refused`` and gives ``(None, None)``: EMR
        lets identity policies allow its actions by cluster tag (Amazon EMR Management Guide, "IAM policies for
        tag-based access to clusters and EMR notebooks": "You can use conditions in your identity-based policy to
        control access to clusters and EMR notebooks based on tags", with the ``elasticmapreduce:ResourceTag/``
        condition keys), so in an account shared by teams the caller may not describe another team's active cluster,
        and one such cluster failed every launch, teardown and clean-up that searched. Every other error is raised. A
        refused cluster is not kept in :attr:`idempotency_tags_read`: a cluster's tags may show late (see there), and
        so may what a policy on them allows; the next search describes it again.
        """
        value = self.idempotency_tags_read.get(cluster_id)
        if value is not None and value not in keys:
            return None, value
        try:
            cluster = self.conn.describe_cluster(ClusterId=cluster_id)["Cluster"]
        except ClientError as error:
            # Another team's cluster under a tag-based policy (Amazon EMR Management Guide, "IAM policies for
            # tag-based access to clusters and EMR notebooks"): skipped, named in the search's warning. Only a denial.
            if not is_access_denied(error):
                raise
            self.log.info("DescribeCluster of %s was refused: %s", cluster_id, error_message(error))
            refused.append((cluster_id, error))
            return None, None
        tagged = next((key for key in keys if has_idempotency_tag(cluster.get("Tags", []), key)), None)
        if tagged is not None:
            return cast("dict[str, Any]", cluster), tagged
        other = idempotency_tag_value(cluster.get("Tags", []))
        if other is not None:  # not one without the tag: its tags may not all show yet (idempotency_tags_read)
            self.idempotency_tags_read[cluster_id] = other
        return None, other

    def find_launched_cluster(
        self, idempotency_key: str, config: dict[str, Any], others: list[str] | None = None
    ) -> str | None:
        """
        Return the active cluster a launch of ``config`` (``RunJobFlow``'s arguments) with this key started already.

        Among the clusters created after :attr:`launch_created_after`, its ``Name`` first; one with another
        security configuration, instance profile, service role, release or configurations is refused (see
        :meth:`find_cluster_by_idempotency_key`).

        :param others: given, the other active clusters of the key are added to it (every cluster listed is read).
        """
        return self.find_cluster_by_idempotency_key(
            idempotency_key,
            config.get("SecurityConfiguration"),
            check=True,
            created_after=self.launch_created_after,
            name=config.get("Name"),
            launch=config,
            others=others,
        )

    def create_job_flow(self, job_flow_overrides: dict[str, Any]) -> dict[str, Any]:
        """
        Launch a cluster, unless an active one already carries the same idempotency-key tag.

        ``RunJobFlow`` has no client token: botocore retrying it after a dropped connection, or a
        retried task, could launch a second cluster. So the call is sent once per attempt, and after
        each failed attempt (the last too, before its error is raised) the hook looks for the cluster
        it may have launched, and returns it when found. The answer has the shape of ``RunJobFlow``'s
        either way. That look-up relies on ``ListClusters``
        showing the cluster by then (1 s after the first failure, then 2, 4 … s; AWS does not promise
        it) and on no other try of the task instance launching at the same time.

        When it did not, ``RunJobFlow`` was sent again and two clusters carry the key: a launch that may have
        started more than one says so and ends the others it finds (:meth:`_end_other_launches`). A launch that
        fails after an attempt whose answer was lost ends those it finds before raising (:meth:`_end_failed_launch`),
        and a retry that takes a cluster of its key ends the key's other active clusters of that cluster's name
        (:meth:`_end_clusters_not_taken`): an earlier try's lost attempts may have started several.
        """
        key = idempotency_key_of(job_flow_overrides)
        if key is None:
            return super().create_job_flow(job_flow_overrides)
        config = {**self.connection_job_flow_config(), **job_flow_overrides}
        # By tag alone: a retried task whose cluster name changed (a template rendering the time,
        # say) must still find the cluster its first try launched.
        others: list[str] = []
        existing = self.find_launched_cluster(key, config, others)
        if existing is not None:
            self.log.info("Cluster %s was already launched for this task instance; not launching another", existing)
            if others:
                self._end_clusters_not_taken(key, existing, others)
            return _launched(existing)
        self._warn_of_ended_launches(key, config.get("Name"))
        try:
            response, found = self._send_once_per_attempt(
                "RunJobFlow",
                lambda: self._run_job_flow(config),
                lambda: self.find_launched_cluster(key, config),
                before_each=lambda: self._refuse_if_cancelled(key),
            )
        except (ClientError, BotoCoreError) as error:
            # A kill (LaunchCancelledError, a timeout) is on_kill's to clean up after; this is the launch's own failure.
            if self.run_job_flow_unanswered:
                self._end_failed_launch(key, error)
            raise
        if not found and self.launch_cancelled:
            self._terminate_cancelled_launch(str(response["JobFlowId"]), key)
        # Each attempt whose outcome is unknown may have started a cluster, besides the one answered (or found).
        if self.run_job_flow_unanswered + (0 if found else 1) > 1:
            self._end_other_launches(key, str(response if found else response["JobFlowId"]))
        return _launched(response) if found else response

    def _warn_of_ended_launches(self, key: str, name: Any) -> None:
        """
        On a retry (:attr:`launch_is_retry`), warn that a cluster of ``key`` ended already, or is ending, so this
        launch starts another and runs its steps again.

        The search before the launch keeps active clusters only: a steps cluster (``KeepJobFlowAliveWhenNoSteps``
        false) that ended after its steps, whose try then failed (a lost worker, a timeout), is launched again by the
        retry, as is one ended by a user, or one still ``TERMINATING``. Among the ended clusters that search listed
        (created in its window), the newest :data:`ENDED_CLUSTERS_DESCRIBED` of the launch's ``Name`` are described
        (:meth:`_cluster_if_tagged`: tags are not in ``ListClusters``' summaries); a first try describes none, so the
        ended clusters of a backfill's earlier runs cost it nothing. EMR throttles API calls, ``DescribeCluster``
        among them (AWS Knowledge Center, "How do I prevent 'rate exceeded' ThrottlingException errors when I run
        monitoring scripts in Amazon EMR?"): a refused or failed one
        (throttled past botocore's retries, say) is logged and the launch goes on, since it only feeds a warning.
        """
        if not self.launch_is_retry or name is None:
            return
        self.launch_is_retry = False  # once per task: a launch made again (a configuration recreated) warns no more
        for summary in _newest_of_name(self.ended_summaries_read, name):
            try:
                cluster, _ = self._cluster_if_tagged(str(summary["Id"]), (key,), [])
            except (ClientError, BotoCoreError) as error:
                self.log.warning(
                    "Could not tell whether ended cluster %s was this task instance's (DescribeCluster failed: %s); "
                    "launching without that check. If a cluster tagged %s=%s ended, its steps run again",
                    summary["Id"],
                    error,
                    IDEMPOTENCY_TAG,
                    key,
                )
                return
            if cluster is not None:
                self._warn_of_ended_launch(summary, key)

    def _warn_of_ended_launch(self, summary: dict[str, Any], key: str) -> None:
        """
        Name the ended (or ending) cluster of ``key``, its state and ``Status.StateChangeReason.Code`` ("The
        programmatic code for the state change reason", such as ``ALL_STEPS_COMPLETED`` or ``USER_REQUEST``: Amazon
        EMR API Reference, "ClusterStateChangeReason").
        """
        status = summary.get("Status", {})
        state = status.get("State")
        self.log.warning(
            "Cluster %s of this task instance (tagged %s=%s) %s: %s, reason %s. A new cluster is launched "
            "and its steps run again: a launch returns its task instance's active cluster only, so a retry after "
            "the cluster ended (its steps done, or it was terminated) repeats the work. Make the steps idempotent "
            "(write with overwrite, say)",
            summary["Id"],
            IDEMPOTENCY_TAG,
            key,
            "is ending" if state == "TERMINATING" else "has ended",
            state,
            status.get("StateChangeReason", {}).get("Code", "not given"),
        )

    def _run_job_flow(self, config: dict[str, Any]) -> Any:
        """
        Send ``RunJobFlow`` once, noting first (:attr:`run_job_flow_sent`) that a cluster may exist from now on, and
        each attempt whose outcome is not known (:attr:`run_job_flow_unanswered`).
        """
        self.run_job_flow_sent = True
        try:
            return self.client_sending_once.run_job_flow(**config)
        except (BotoConnectionError, HTTPClientError, ClientError) as error:
            if not isinstance(error, ClientError) or _server_error(error):
                self.run_job_flow_unanswered += 1
            raise

    def _end_other_launches(self, key: str, launched: str) -> None:
        """
        Warn that this launch may have started clusters besides ``launched``; terminate those found now.

        ``RunJobFlow`` was sent again after an attempt whose outcome is not known, whose cluster ``ListClusters`` did
        not show by the next look: EMR may run two clusters under ``key``. Every other active cluster tagged with
        ``key`` (the task instance's and the deployment's parts alike) and created after :attr:`launch_created_after`
        was started by this task instance: the launch found none such before its first ``RunJobFlow``, so each is
        this try's lost attempt, or an earlier try's cluster ``ListClusters`` did not show then. This try returns
        ``launched``; nothing of the task instance uses another unless two of its tries run at once, which the
        launch's one active cluster per task instance rests on not happening (docs/concepts.md). So each is terminated now, not left
        billing (and able to assume the partner's role) until the teardown: a refusal (termination protection) is
        logged, not raised, as is a search that fails; the launch still returns ``launched``. A cluster
        ``ListClusters`` does not show yet is not found: the warning names the tag to find it by, and the launch's
        :class:`~airflow_provider_emrfs_xacct.operators.emr.TerminateClusterOperator` teardown terminates every
        active cluster carrying it.
        """
        found, failed = self._launched_clusters(key)
        others = [cluster_id for cluster_id in found if cluster_id != launched]
        self.log.warning(
            "RunJobFlow was sent again after an attempt whose answer was lost: besides cluster %s, which this launch "
            "returns, it may have started other clusters, all tagged %s=%s%s. %s Any other active cluster with that "
            "tag is this task instance's too: this launch's TerminateClusterOperator teardown terminates every one; "
            "without it, find them (aws emr list-clusters --active, then aws emr describe-cluster for the Tags) and "
            "terminate them (aws emr terminate-clusters --cluster-ids <id>)",
            launched,
            IDEMPOTENCY_TAG,
            key,
            failed,
            f"Found now, and terminated: {', '.join(others)}." if others else "None is found now.",
        )
        self._terminate_launched(key, others)

    def _launched_clusters(self, key: str) -> tuple[list[str], str]:
        """This launch's active clusters of ``key``, and ``"; the search for them failed (…)"`` when it failed."""
        try:
            return self.find_clusters_by_idempotency_key(key, created_after=self.launch_created_after), ""
        except (ClientError, BotoCoreError) as error:
            return [], f"; the search for them failed ({error})"

    def _end_failed_launch(self, key: str, error: Exception) -> None:
        """
        After the launch failed (``error``, raised next by the caller) past an attempt whose answer was lost: warn,
        naming the tag, and terminate every active cluster of ``key`` found now.

        ``RunJobFlow`` has no client token (Amazon EMR API Reference, "RunJobFlow"): each attempt whose answer was
        lost may have started a cluster that ``ListClusters`` did not show by the launch's looks, and nothing of this
        try knows its id. Every active cluster tagged with ``key`` and created after :attr:`launch_created_after` is
        this task instance's (the launch found none before its first ``RunJobFlow``), and no try uses one: this one
        fails, and a retry would take one of them. A search that fails is named in the warning, and a refusal to
        terminate logged (:meth:`_terminate_launched`), never raised over ``error``.
        """
        found, failed = self._launched_clusters(key)
        self.log.warning(
            "The launch failed (%s) after %d RunJobFlow attempt(s) whose answer was lost: each may have started a "
            "cluster, tagged %s=%s%s. %s Any other active cluster with that tag is this task instance's too: this "
            "launch's TerminateClusterOperator teardown terminates every one; without it, find them (aws emr "
            "list-clusters --active, then aws emr describe-cluster for the Tags) and terminate them (aws emr "
            "terminate-clusters --cluster-ids <id>)",
            error,
            self.run_job_flow_unanswered,
            IDEMPOTENCY_TAG,
            key,
            failed,
            f"Found now, and terminated: {', '.join(found)}." if found else "None is found now.",
        )
        self._terminate_launched(key, found)

    def _end_clusters_not_taken(self, key: str, taken: str, others: list[str]) -> None:
        """
        Warn that active clusters ``others`` carry ``key`` besides ``taken``, the one a retry takes; terminate them.

        An earlier try sent ``RunJobFlow`` again after attempts whose answers were lost, and failed or returned
        another cluster: each of ``others`` is this task instance's (the whole key, run and deployment included),
        and nothing of it uses them. A refusal is logged (:meth:`_terminate_launched`).
        """
        self.log.warning(
            "Active clusters %s carry the tag %s=%s too, besides cluster %s, which this launch takes: started by an "
            "earlier try of this task instance that sent RunJobFlow again after an attempt whose answer was lost. "
            "Terminating them",
            ", ".join(others),
            IDEMPOTENCY_TAG,
            key,
            taken,
        )
        self._terminate_launched(key, others)

    def _terminate_launched(self, key: str, cluster_ids: list[str]) -> None:
        """
        Terminate each cluster of ``key`` the launch does not return; a refusal is logged, not raised.

        A cluster launched with termination protection on refuses ``TerminateJobFlows`` until it is turned off
        (Amazon EMR API Reference, "SetTerminationProtection"): as the teardown without
        ``disable_termination_protection``, the launch leaves protection as it is, and the error names how to end it.
        """
        for cluster_id in cluster_ids:
            try:
                self.terminate_cluster(cluster_id)
            except (ClientError, BotoCoreError) as error:
                self.log.error(
                    "Could not terminate cluster %s, launched under idempotency key %s (%s): it is still running. "
                    "With termination protection on, turn it off and terminate it (aws emr modify-cluster-attributes "
                    "--cluster-id %s --no-termination-protected, then aws emr terminate-clusters --cluster-ids %s), or "
                    "let this launch's TerminateClusterOperator teardown end it with disable_termination_protection=True",
                    cluster_id,
                    key,
                    error,
                    cluster_id,
                    cluster_id,
                )

    def _refuse_if_cancelled(self, key: str) -> None:
        """
        Raise :class:`LaunchCancelledError` if the task was killed (``on_kill``) while the launch waited.

        A new attempt would launch a cluster after ``on_kill`` terminated the one the lost attempt launched.
        """
        if self.launch_cancelled:
            raise LaunchCancelledError(f"the launch of idempotency key {key} was cancelled: the task was killed")

    def _terminate_cancelled_launch(self, cluster_id: str, key: str) -> None:
        """
        Terminate a cluster whose ``RunJobFlow`` completed after the task was killed, and raise :class:`LaunchCancelledError`.

        Airflow's SIGTERM handler calls ``on_kill`` and returns into the task, whose ``RunJobFlow`` under way then
        completes (Python resumes a system call a signal handler interrupted: PEP 475). ``on_kill`` looked for
        the cluster before EMR had launched it, or before ``ListClusters`` showed it: nobody else will stop it.
        """
        self.log.warning("Killed while RunJobFlow was under way: terminating cluster %s, launched since", cluster_id)
        self.terminate_cluster(cluster_id)
        raise LaunchCancelledError(
            f"the launch of idempotency key {key} was cancelled: the task was killed; cluster {cluster_id}, "
            "launched meanwhile, was terminated"
        )

    def add_steps_once(self, cluster_id: str, steps: list[dict[str, Any]]) -> list[str]:
        """
        Add steps to a cluster (``AddJobFlowSteps``) so that a lost answer does not add them twice; return their ids.

        ``AddJobFlowSteps`` has no client token (Amazon EMR API Reference, "AddJobFlowSteps"): botocore sending
        it again after a dropped connection or a 5xx (Boto3 guide, "Retries") would add the steps a second
        time, and the first ones, whose ids the caller never learns, would run unwatched (and never be
        cancelled). So it is sent once per attempt, and after each failed attempt (the last too, before its error
        is raised) the cluster's steps are listed (``ListSteps``, every page) for ones with the same name and arguments: the arguments of ``steps`` must
        be unique to this call (a probe's carry a new UUID). That look-up relies on ``ListSteps`` showing the
        steps by then (1 s after the first failure, then 2, 4 … s; AWS does not promise it).
        """
        answer, found = self._send_once_per_attempt(
            "AddJobFlowSteps",
            lambda: self.client_sending_once.add_job_flow_steps(JobFlowId=cluster_id, Steps=steps),
            lambda: self.added_steps(cluster_id, steps),
        )
        return answer if found else [str(step) for step in answer["StepIds"]]

    def _send_once_per_attempt(
        self,
        operation: str,
        send: Callable[[], Any],
        find: Callable[[], Any],
        *,
        before_each: Callable[[], None] = lambda: None,
    ) -> tuple[Any, bool]:
        """
        Send a call without a client token once per attempt, and after each failed attempt look for what it did.

        Up to ``LAUNCH_ATTEMPTS`` attempts, 1 s after the first failure, then 2, 4 … s (at most 20). After each
        transient failure (the last too, before its error is raised: its answer may have been lost with the
        call done) ``find`` looks for its effect. ``before_each`` runs before each attempt and each look
        (``create_job_flow``'s kill check).

        A look that fails (``ClientError``, ``BotoCoreError``) sends nothing more: the attempt's error is raised.

        :return: ``(send's answer, False)``, or ``(what find found, True)``.
        """
        find = _failure_returned(find)
        delay = 1.0
        for attempt in range(1, LAUNCH_ATTEMPTS + 1):
            before_each()
            try:
                return send(), False
            except (BotoConnectionError, HTTPClientError, ClientError) as error:
                if not _worth_retrying(error):
                    raise
                self.log.warning(
                    "%s attempt %d failed (%s); checking whether it took effect", operation, attempt, error
                )
                time.sleep(delay)
                delay = min(delay * 2, 20.0)
                before_each()
                found = find()
                if isinstance(found, _FailedLook):
                    # Not sent again blind; the attempt's own error is the launch's, not the look's.
                    self.log.warning(
                        "%s attempt %d failed, and the look for its effect failed too (%s): not sent again",
                        operation,
                        attempt,
                        found.error,
                    )
                    raise error from found.error
                if found is not None:
                    self.log.info("%s took effect in the attempt whose answer was lost: %s", operation, found)
                    return found, True
                if attempt == LAUNCH_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def added_steps(self, cluster_id: str, steps: list[dict[str, Any]]) -> list[str] | None:
        """Return the ids of the cluster's steps with the names and arguments of ``steps`` (in their order), or ``None`` if any is missing."""
        found: dict[tuple[str, tuple[str, ...]], str] = {}
        for page in self.conn.get_paginator("list_steps").paginate(ClusterId=cluster_id):
            for summary in page.get("Steps", []):
                found[(str(summary.get("Name")), tuple(summary.get("Config", {}).get("Args", [])))] = str(summary["Id"])
        keys = [(str(step.get("Name")), tuple(step["HadoopJarStep"].get("Args", []))) for step in steps]
        ids = [found.get(key) for key in keys]
        return [str(step_id) for step_id in ids] if all(ids) else None

    def steps_with_property(self, cluster_id: str, key: str, value: str, states: Sequence[str]) -> list[dict[str, Any]]:
        """
        The summaries of the cluster's steps in ``states`` whose Java property ``key`` is ``value`` (``ListSteps``,
        every page).

        ``StepStates`` is "The filter to limit the step list based on certain states" (Amazon EMR API Reference,
        "ListSteps"); each ``StepSummary``'s ``Config`` (``HadoopStepConfig``) gives the ``Properties`` the step was
        added with (``HadoopJarStepConfig``: "A list of Java properties that are set when the step runs").
        """
        found: list[dict[str, Any]] = []
        step_states = cast("list[StepStateType]", list(states))
        for page in self.conn.get_paginator("list_steps").paginate(ClusterId=cluster_id, StepStates=step_states):
            for summary in page.get("Steps", []):
                if ((summary.get("Config") or {}).get("Properties") or {}).get(key) == value:
                    found.append(dict(summary))
        return found

    def connection_job_flow_config(self) -> dict[str, Any]:
        """
        Return the ``RunJobFlow`` arguments kept in the extra of ``emr_conn_id`` (as the upstream hook reads them), each
        tuple in them a list, as the launch's checks read them (:func:`tuples_as_lists`).
        """
        if not self.emr_conn_id:
            return {}
        try:
            return dict(tuples_as_lists(self.get_connection(self.emr_conn_id).extra_dejson))
        except AirflowNotFoundException:
            return {}

    def validate_run_job_flow_arguments(self, arguments: dict[str, Any]) -> None:
        """
        Refuse what botocore would refuse in ``RunJobFlow``'s arguments (types, lengths, enums), before any write.

        botocore checks them only when the call is sent, after the launch may have created a deleted
        configuration again; the same check against the same service model, made first.
        """
        from botocore.validate import ParamValidator

        shape = self.client_sending_once.meta.service_model.operation_model("RunJobFlow").input_shape
        report = ParamValidator().validate(arguments, shape)
        if report.has_errors():
            text = report.generate_report()
            raise InvalidParameterError(reported_field(text), redacted_report(text, arguments))

    def create_deleted_security_configuration(self, name: str, document: dict[str, Any]) -> list[Change]:
        """
        Create the security configuration ``name``, deleted since its create task ran, again from its document; return
        the change made (none when it was created concurrently).
        """
        self.log.warning(
            "Security configuration %s was deleted since its create task ran (DeleteUnusedSecurityConfigsOperator?); "
            "creating it again from its document",
            name,
        )
        # Same name, same content (the name is the content's hash); a concurrent create is no conflict.
        return self.ensure_security_configuration(name, document)

    def list_security_configurations(self) -> list[dict[str, Any]]:
        """Return every security configuration's ``Name`` and ``CreationDateTime``."""
        paginator = self.conn.get_paginator("list_security_configurations")
        return [dict(item) for page in paginator.paginate() for item in page.get("SecurityConfigurations", [])]

    def delete_security_configuration(self, name: str) -> bool:
        """
        Delete a security configuration; return ``False`` (and log why) when EMR refuses: one clusters still use.

        EMR refuses to delete a configuration that clusters not terminated use, with ``InvalidRequestException``
        ("Security configuration '<name>' cannot be deleted because it is in use by active clusters"): seen in
        public issue threads (terraform-provider-aws #6279), not in the Amazon EMR API Reference, which lists that
        one client error for DeleteSecurityConfiguration ("Errors") without saying when. EMR answers the same error
        for a name it does not have, so after it the configuration is read: one that is gone was deleted (by this
        call, whose first answer was lost and which botocore sent again after a dropped connection or a 5xx: Boto3
        guide, "Retries"; or by a concurrent cleanup); one still there was refused. The cleanup reads the clusters
        itself first, and again just before deleting; this refusal covers a launch that lands in between.

        .. seealso::
            - :py:meth:`EMR.Client.delete_security_configuration`
        """
        try:
            self.conn.delete_security_configuration(Name=name)
        except ClientError as error:
            if error_code(error) != "InvalidRequestException":
                raise
            if self.describe_security_configuration(name) is None:
                self.log.info("Security configuration %s is gone (deleted by this call or a concurrent one)", name)
                return True
            self.log.info("EMR refused to delete security configuration %s: %s", name, error)
            return False
        return True

    def security_configurations_in_use(
        self, *, created_after: datetime | None = None, skip: Collection[str] = ()
    ) -> ConfigurationsInUse:
        """
        Return the security configurations of clusters, with the ids of the clusters using each.

        Those of every cluster not terminated (``TERMINATED_CLUSTER_STATES``: a ``TERMINATING`` one counts), and
        of every cluster created after ``created_after``, in any state. One ``ListClusters`` without a state filter
        (:meth:`list_cluster_summaries`: a filtered list may miss a cluster changing state), kept by each summary's
        ``Status.State`` and ``Status.Timeline.CreationDateTime`` (Amazon EMR API Reference, "ClusterSummary",
        "ClusterTimeline"); a summary without a creation time counts as recent.

        A cluster whose ``DescribeCluster`` is refused (access denied: another team's, under a tag-based policy,
        Amazon EMR Management Guide, "IAM policies for tag-based access to clusters and EMR notebooks") may use any
        configuration: every name then counts as in use by it (:class:`ConfigurationsInUse`), with a warning naming
        it. Any other error of a ``DescribeCluster`` is raised.

        :param created_after: see above; ``None``: the clusters not terminated only.
        :param skip: ids of clusters not to describe (already described).
        """
        in_use = ConfigurationsInUse()
        refused: list[str] = []
        for summary in self.list_cluster_summaries():
            status = summary.get("Status", {})
            created = status.get("Timeline", {}).get("CreationDateTime")
            ended = status.get("State") in TERMINATED_CLUSTER_STATES
            old = created_after is None or (created is not None and created <= created_after)
            if summary["Id"] in skip or (ended and old):
                continue
            try:
                name = self.conn.describe_cluster(ClusterId=summary["Id"])["Cluster"].get("SecurityConfiguration")
            except ClientError as error:
                if not is_access_denied(error):
                    raise
                self.log.info("DescribeCluster of %s was refused: %s", summary["Id"], error_message(error))
                refused.append(str(summary["Id"]))
                continue
            if name:
                in_use.setdefault(name, []).append(summary["Id"])
        if refused:
            in_use.undescribed = tuple(refused)
            self.log.warning(
                "DescribeCluster was refused (access denied) for cluster(s) %s, active or created recently: which "
                "security configuration each uses is not known, and it may be any, so every one counts as in use "
                "and none is deleted while they run (EMR's own refusal to delete a configuration in use is not in "
                "the Amazon EMR API Reference). Grant this connection elasticmapreduce:DescribeCluster on them for "
                "the clean-up to delete the configurations no cluster uses",
                ", ".join(refused),
            )
        return in_use

    def terminate_cluster(self, cluster_id: str) -> None:
        """
        Ask EMR to terminate a cluster (``TerminateJobFlows``).

        Asynchronous: the cluster goes through ``TERMINATING`` (Amazon EMR API Reference, "TerminateJobFlows").
        """
        self.conn.terminate_job_flows(JobFlowIds=[cluster_id])

    def turn_termination_protection_off(self, cluster_id: str) -> None:
        """
        Turn a cluster's termination protection off, so that ``TerminateJobFlows`` can end it.

        Amazon EMR API Reference, "SetTerminationProtection": "To terminate a cluster that has been
        locked by setting SetTerminationProtection to true, you must first unlock the job flow by a
        subsequent call to SetTerminationProtection in which you set the value to false."
        """
        self.conn.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=False)

    def emr_account_client(self, client_type: str) -> Any:
        """
        A client of ``client_type`` with this hook's connection, region and settings (the EMR account's), built once
        per hook and kind, as the hook's own ``conn`` is (a launch reads IAM for its instance profile and service role).
        """
        from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook

        clients: dict[str, Any] = self.__dict__.setdefault("_emr_account_clients", {})
        if client_type not in clients:
            clients[client_type] = EmrfsAwsHook(
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                config=self.config,
                client_type=client_type,
            ).conn
        return clients[client_type]

    def service_role_policies(self, service_role: str) -> ServiceRolePolicies | None:
        """
        Read whether the service role has ``AmazonEMRServicePolicy_v2`` attached, and its other policies.

        Calls IAM ``ListAttachedRolePolicies`` and, for a role with the scoped policy, ``ListRolePolicies`` (its
        inline policies). ``None``, logged, where IAM refused or does not know the role: not checked (``RunJobFlow``
        answers for a role that does not exist).
        """
        from airflow_provider_emrfs_xacct.pure.scoped_service_role import (
            ServiceRolePolicies,
            is_scoped_service_policy,
            role_name,
        )

        iam = self.emr_account_client("iam")
        name = role_name(service_role)
        try:
            attached = [
                policy["PolicyArn"]
                for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
                for policy in page["AttachedPolicies"]
            ]
            if not any(map(is_scoped_service_policy, attached)):
                return ServiceRolePolicies(scoped=False, others=())
            inline = [
                policy
                for page in iam.get_paginator("list_role_policies").paginate(RoleName=name)
                for policy in page["PolicyNames"]
            ]
        except ClientError as error:
            self.log.warning(
                "The service role %s's policies were not read (%s): whether it needs the cluster, its subnets and "
                "security groups tagged for AmazonEMRServicePolicy_v2 is not checked",
                service_role,
                error_code(error),
            )
            return None
        others = (
            *(arn.rsplit("/", 1)[-1] for arn in attached if not is_scoped_service_policy(arn)),
            *(f"{policy} (inline)" for policy in inline),
        )
        return ServiceRolePolicies(scoped=True, others=others)

    def role_documents(self, service_role: str) -> RoleDocuments | None:
        """
        Every identity policy of the role, inline and managed, and its permissions boundary (``GetRole``,
        ``GetRolePolicy``, ``GetPolicy``, ``GetPolicyVersion``), to judge what its other policies allow; ``None``,
        logged, if IAM refused a read or a document names a key twice.
        """
        from airflow_provider_emrfs_xacct.hooks.iam import MANAGED_VERSION_REREAD_WAITS, EmrfsIamHook
        from airflow_provider_emrfs_xacct.pure.scoped_service_role import RoleDocuments, role_name

        name = role_name(service_role)
        iam = EmrfsIamHook(
            aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify, config=self.config
        )
        try:
            boundary_arn = ((iam.get_role(name) or {}).get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
            boundary = None
            if boundary_arn:
                document = iam.get_managed_policy(boundary_arn, reread_waits=MANAGED_VERSION_REREAD_WAITS)
                boundary = (f"permissions boundary {boundary_arn.rsplit('/', 1)[-1]}", document)
            return RoleDocuments(tuple(iam.get_role_policies(name)), boundary)
        except (ClientError, ConflictError) as error:  # ConflictError: a document naming a key twice (parse_document)
            self.log.warning(
                "The policies of the service role %s were not read (%s): what its other policies allow is not judged",
                service_role,
                error_code(error) if isinstance(error, ClientError) else error,
            )
            return None

    def instance_profile_roles(self, profile: str) -> list[dict[str, Any]] | None:
        """
        Read the roles of the instance profile named ``profile`` (IAM ``GetInstanceProfile``).

        ``None``, logged, where IAM refused the read or does not know the profile (a profile made seconds ago may
        not be seen yet: IAM is eventually consistent; ``RunJobFlow`` answers for one that does not exist).
        """
        try:
            answer = self.emr_account_client("iam").get_instance_profile(InstanceProfileName=profile)
        except ClientError as error:
            self.log.warning(
                "Instance profile %s was not read (%s): whether EMR can launch with it is not checked",
                profile,
                error_code(error),
            )
            return None
        return [dict(role) for role in answer["InstanceProfile"]["Roles"]]

    def network_resource_tags(self, resources: Collection[NetworkResource]) -> dict[str, list[dict[str, Any]]]:
        """
        Read the tags of the subnets and security groups named (EC2 ``DescribeSubnets``, ``DescribeSecurityGroups``).

        A read refused or failed (an id EC2 does not know) leaves its resources out, logged: not checked.
        """
        ec2 = self.emr_account_client("ec2")
        tags: dict[str, list[dict[str, Any]]] = {}
        for kind, operation, parameter, answer, id_key in (
            ("subnet", "describe_subnets", "SubnetIds", "Subnets", "SubnetId"),
            ("security group", "describe_security_groups", "GroupIds", "SecurityGroups", "GroupId"),
        ):
            ids = list(dict.fromkeys(resource.resource_id for resource in resources if resource.kind == kind))
            if not ids:
                continue
            try:
                for page in ec2.get_paginator(operation).paginate(**{parameter: ids}):
                    tags.update({item[id_key]: item.get("Tags", []) for item in page[answer]})
            except ClientError as error:
                self.log.warning(
                    "The tags of %s %s were not read (%s): whether AmazonEMRServicePolicy_v2 may use them is not "
                    "checked",
                    kind,
                    ", ".join(ids),
                    error_code(error),
                )
        return tags

    def subnet_facts(
        self, subnet_id: str, instance_groups: Collection[str] = (), refused: list[RefusedRead] | None = None
    ) -> SubnetFacts:
        """
        Read whether a cluster's subnet reaches STS: its routes and its VPC's STS interface endpoint.

        Calls EC2 ``DescribeSubnets``, ``DescribeRouteTables``, ``DescribeVpcEndpoints``, ``DescribeNatGateways``,
        ``DescribePrefixLists``, ``GetManagedPrefixListEntries``, ``DescribeManagedPrefixLists``,
        ``DescribeVpcAttribute``, ``DescribeSecurityGroups``, ``DescribeNetworkAcls``, ``DescribeVpcs`` and
        ``DescribeDhcpOptions`` (with an STS interface endpoint with private DNS) in the EMR account, whose id
        tells a subnet shared with it by another account (AWS RAM).

        :param instance_groups: the security groups of the cluster's instances.
        :param refused: where each read AWS refused and the facts answer around is added (``read_subnet_facts``).
        """
        from airflow_provider_emrfs_xacct.hooks.network import read_subnet_facts

        ec2 = self.emr_account_client("ec2")
        account = account_of(self)
        return read_subnet_facts(
            ec2,
            subnet_id,
            instance_groups,
            account if account.isdigit() else "",
            conn_id=self.aws_conn_id,
            refused=refused,
        )


@dataclass(frozen=True)
class _FailedLook:
    """The AWS error of a look for what a call without a client token did (:meth:`EmrfsEmrHook._send_once_per_attempt`)."""

    error: Exception


def _failure_returned(find: Callable[[], Any]) -> Callable[[], Any]:
    """``find``, returning its AWS error as a :class:`_FailedLook` instead of raising it."""

    def look() -> Any:
        try:
            return find()
        except (ClientError, BotoCoreError) as error:
            return _FailedLook(error)

    return look


def _refuse_other_launch(summary: Mapping[str, Any], cluster: Mapping[str, Any], launch: Mapping[str, Any]) -> None:
    """
    Refuse (:class:`ConflictError`) an active cluster of the launch's key launched with other arguments than ``launch``.

    A cluster keeps the instance profile, service role, release and configurations it was launched with: returned to a
    retry that asks for others, it would give the task the old ones (another role to assume the mapped roles with,
    another ``emrfs-site``). Named as the security configuration's refusal is: the cluster, and each argument.
    """
    from airflow_provider_emrfs_xacct.pure.launched_cluster import launch_differences

    differences = launch_differences(launch, cluster)
    if not differences:
        return
    raise ConflictError(
        f"cluster {summary['Id']} ({summary.get('Name')!r}), active, was launched by this task instance with other "
        "arguments than this launch's: "
        + "; ".join(f"{difference.field}: {difference.detail}" for difference in differences)
        + ". It keeps what it was launched with. Terminate it, or clear the task in a new DAG run, to launch with the "
        "new arguments",
        field=f"job_flow_overrides.{differences[0].field}",
    )


def _creation_times(summaries: list[dict[str, Any]]) -> dict[str, datetime]:
    """Each cluster summary's ``Status.Timeline.CreationDateTime`` by cluster id, where it has one."""
    times = {
        str(summary["Id"]): summary.get("Status", {}).get("Timeline", {}).get("CreationDateTime")
        for summary in summaries
    }
    return {cluster_id: created for cluster_id, created in times.items() if created is not None}


def _newest_of_name(summaries: Collection[dict[str, Any]], name: Any) -> list[dict[str, Any]]:
    """The newest :data:`ENDED_CLUSTERS_DESCRIBED` of ``summaries`` named ``name`` (``Status.Timeline.CreationDateTime``)."""
    of_name = [summary for summary in summaries if summary.get("Name") == name]
    created = _creation_times(of_name)
    newest_first = sorted(of_name, key=lambda summary: _timestamp(created.get(str(summary["Id"]))), reverse=True)
    return newest_first[:ENDED_CLUSTERS_DESCRIBED]


def _timestamp(created: datetime | None) -> float:
    """``created`` in seconds since the epoch; none known: the oldest."""
    return created.timestamp() if created is not None else float("-inf")


def _launched(cluster_id: str) -> dict[str, Any]:
    """``RunJobFlow``'s answer for a cluster already launched (found by its idempotency tag)."""
    return {"JobFlowId": cluster_id, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _worth_retrying(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return True  # the connection dropped or timed out
    status = http_status(error)
    return status >= 500 or error_code(error) in THROTTLING_CODES


def _server_error(error: ClientError) -> bool:
    """Whether AWS answered with a server error (5xx): the call may have taken effect before it failed."""
    return http_status(error) >= 500


#: The most step ids one ``ListSteps`` takes: "You can specify a maximum of 10 stepIDs" (Amazon EMR API Reference,
#: "ListSteps"; its ``StepIds``: "You can specify a maximum of ten Step IDs"). botocore's model does not check it: a
#: wait on more is refused by EMR itself (``ValidationException``), at its first poll.
LIST_STEPS_MAX_STEP_IDS = 10
#: The Amazon provider's waiter on steps (``ListSteps`` with ``StepIds``): it ends when every step listed completed
#: (success) or one was cancelled, failed or interrupted (failure).
STEPS_WAITER = "steps_wait_for_terminal"
#: What the waits below log of each ``ListSteps`` answer.
STEPS_STATUS_QUERIES = ["Steps[].Status.State", "Steps[].Status.StateChangeReason", "Steps[].Status.FailureDetails"]


def step_id_chunks(step_ids: Sequence[str]) -> list[list[str]]:
    """``step_ids`` in order, in lists of at most :data:`LIST_STEPS_MAX_STEP_IDS` (one ``ListSteps`` each)."""
    size = LIST_STEPS_MAX_STEP_IDS
    return [list(step_ids[start : start + size]) for start in range(0, len(step_ids), size)]


class _PollCounter:
    """
    Counts the polls a wait of the Amazon provider's ``waiter_with_logging`` makes (one ``WaiterConfig``
    ``MaxAttempts`` 1 wait each); a poll answered with an error it retries without counting an attempt
    (``RETRIABLE_ERROR_CODES``) is not counted either.
    """

    def __init__(self, waiter: Any) -> None:
        self.waiter = waiter
        self.polls = 0

    def counted(self, error: Exception) -> None:
        from airflow.providers.amazon.aws.utils.waiter_with_logging import RETRIABLE_ERROR_CODES
        from botocore.exceptions import WaiterError

        response = getattr(error, "last_response", None) if isinstance(error, WaiterError) else None
        code = (response.get("Error") or {}).get("Code") if isinstance(response, dict) else None
        if code in RETRIABLE_ERROR_CODES:
            self.polls -= 1


class _CountingWaiter(_PollCounter):
    def wait(self, **kwargs: Any) -> None:
        self.polls += 1
        try:
            self.waiter.wait(**kwargs)
        except Exception as error:
            self.counted(error)
            raise


class _AsyncCountingWaiter(_PollCounter):
    async def wait(self, **kwargs: Any) -> None:
        self.polls += 1
        try:
            await self.waiter.wait(**kwargs)
        except Exception as error:
            self.counted(error)
            raise


def _chunk_wait_arguments(cluster_id: str, chunk: list[str]) -> dict[str, Any]:
    """The arguments of the Amazon provider's ``wait``/``async_wait`` but the waiter, delay and attempts."""
    return {
        "args": {"ClusterId": cluster_id, "StepIds": chunk},
        "failure_message": f"Error while waiting for steps {chunk} to complete",
        "status_message": f"Step ids: {chunk}, Steps are still in non-terminal state",
        "status_args": STEPS_STATUS_QUERIES,
    }


def wait_for_steps(waiter: Any, cluster_id: str, step_ids: Sequence[str], waiter_delay: int, max_attempts: int) -> None:
    """
    Wait for the steps ``step_ids`` of ``cluster_id`` to end (the Amazon provider's ``wait`` with ``waiter``, the
    :data:`STEPS_WAITER`), :data:`LIST_STEPS_MAX_STEP_IDS` steps at a time, one chunk after the other, all within
    ``max_attempts`` polls ``waiter_delay`` seconds apart, as one wait on them all would be.

    A chunk's last poll saw its steps complete: the next chunk's first poll follows at once, in the same attempt,
    so the waits sleep at most ``max_attempts - 1`` times together. Raises as ``wait`` does (``WaiterTerminalFailure``
    with the chunk's last ``ListSteps`` answer when one of its steps ended otherwise; ``WaiterMaxAttemptsError``).
    """
    from airflow.providers.amazon.aws.utils import waiter_with_logging

    attempts_left = max_attempts
    for chunk in step_id_chunks(step_ids):
        counting = _CountingWaiter(waiter)
        waiter_with_logging.wait(
            waiter=counting,  # type: ignore[arg-type]
            waiter_delay=waiter_delay,
            waiter_max_attempts=attempts_left,
            **_chunk_wait_arguments(cluster_id, chunk),
        )
        attempts_left -= counting.polls - 1


async def async_wait_for_steps(
    waiter: Any, cluster_id: str, step_ids: Sequence[str], waiter_delay: int, max_attempts: int
) -> None:
    """
    :func:`wait_for_steps` with an async waiter, in a trigger: each chunk with the ``async_wait`` the Amazon provider's
    waiter triggers wait with (``AwsBaseWaiterTrigger.run``, looked up in its module when called).
    """
    from airflow.providers.amazon.aws.triggers import base as upstream_triggers

    attempts_left = max_attempts
    for chunk in step_id_chunks(step_ids):
        counting = _AsyncCountingWaiter(waiter)
        await upstream_triggers.async_wait(
            waiter=counting,  # type: ignore[arg-type]
            waiter_delay=waiter_delay,
            waiter_max_attempts=attempts_left,
            **_chunk_wait_arguments(cluster_id, chunk),
        )
        attempts_left -= counting.polls - 1
