"""EMR hook: content-named security configurations and idempotent cluster launches."""

from __future__ import annotations

import json
from typing import Any

from airflow.providers.amazon.aws.hooks.emr import EmrHook
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.exceptions import ConflictError
from airflow_provider_emrfs_xacct.hooks.errors import error_code
from airflow_provider_emrfs_xacct.policies.merge import parse_document
from airflow_provider_emrfs_xacct.policies.plan import CREATE, Change
from airflow_provider_emrfs_xacct.policies.security_config import canonical_json

#: Tag holding the idempotency key of the task instance that launched a cluster.
IDEMPOTENCY_TAG = "emrfs-xacct:idempotency-key"
#: Cluster states in which a launched cluster counts as "already there" for a retried task.
ACTIVE_CLUSTER_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")


class EmrfsEmrHook(EmrHook):
    """
    Interact with Amazon EMR: security configurations by content, and launches that a retry does not repeat.

    :param emr_conn_id: as for :class:`~airflow.providers.amazon.aws.hooks.emr.EmrHook`, the
        connection whose extra holds the initial ``RunJobFlow`` configuration.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.emr.EmrHook`
    """

    def describe_security_configuration(self, name: str) -> dict[str, Any] | None:
        """Return the security configuration's document, or ``None`` if there is none by that name."""
        try:
            response = self.conn.describe_security_configuration(Name=name)
        except ClientError as error:
            if error_code(error) == "InvalidRequestException":
                return None
            raise
        return parse_document(response["SecurityConfiguration"])

    def ensure_security_configuration(
        self, name: str, document: dict[str, Any], *, dry_run: bool = False
    ) -> list[Change]:
        """
        Create the security configuration unless one with this name and content exists.

        Configurations are immutable: one with the same name and other content is a conflict.
        """
        current = self.describe_security_configuration(name)
        if current is None:
            change = Change(CREATE, f"emr security configuration {name}", None, document)
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
                self.log.info("Security configuration %s was created concurrently", name)
        if canonical_json(current) != canonical_json(document):
            raise ConflictError(
                f"security configuration {name!r} exists with other content; it was not made by this "
                "provider for these arguments (configurations are immutable: choose another name_prefix)"
            )
        return []

    def find_cluster_by_idempotency_key(self, idempotency_key: str, name: str | None = None) -> str | None:
        """Return the id of an active cluster tagged with this idempotency key (and with this name, if given)."""
        paginator = self.conn.get_paginator("list_clusters")
        for page in paginator.paginate(ClusterStates=list(ACTIVE_CLUSTER_STATES)):
            for summary in page["Clusters"]:
                if name is not None and summary["Name"] != name:
                    continue
                cluster = self.conn.describe_cluster(ClusterId=summary["Id"])["Cluster"]
                if {"Key": IDEMPOTENCY_TAG, "Value": idempotency_key} in cluster.get("Tags", []):
                    return str(summary["Id"])
        return None

    def create_job_flow(self, job_flow_overrides: dict[str, Any]) -> dict[str, Any]:
        """
        Launch a cluster, unless an active one already carries the same idempotency-key tag.

        ``RunJobFlow`` has no client token, so a retried task would otherwise launch a second cluster.
        The answer has the shape of ``RunJobFlow``'s either way.
        """
        key = next(
            (tag["Value"] for tag in job_flow_overrides.get("Tags", []) if tag.get("Key") == IDEMPOTENCY_TAG), None
        )
        if key is not None:
            existing = self.find_cluster_by_idempotency_key(key, job_flow_overrides.get("Name"))
            if existing is not None:
                self.log.info("Cluster %s was already launched by this task instance; not launching another", existing)
                return {"JobFlowId": existing, "ResponseMetadata": {"HTTPStatusCode": 200}}
        return super().create_job_flow(job_flow_overrides)
