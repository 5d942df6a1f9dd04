"""
Template macros for DAG files: give them to a DAG as ``user_defined_macros``.

Cheap to import when a DAG file is parsed: the hook they use is imported when a template calls them,
in the running task.

Airflow calls them while it renders a task's templates, before ``execute`` and in any operator (the Amazon
provider's ``EmrAddStepsOperator`` as well as the provider's): a provider error a retry cannot mend leaves each
as an ``AirflowFailException`` too (:func:`fails_without_retry`), so the task fails on its first try, as it
would in the provider's ``execute`` (``operators/failures.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

import jinja2
from jinja2.nativetypes import NativeEnvironment

MacroT = TypeVar("MacroT", bound=Callable[..., Any])


def fails_without_retry(macro: MacroT) -> MacroT:
    """
    Decorate a macro or filter: a provider error a retry cannot mend leaves it failing the task without retries.

    The Task SDK renders templates in ``_prepare`` (``ti.render_templates``), inside the ``try`` whose
    ``except (AirflowFailException, AirflowSensorTimeout)`` alone fails a task without its retries
    (``airflow/sdk/execution_time/task_runner.py``); the rendered arguments are the same on every try.
    """

    @functools.wraps(macro)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return macro(*args, **kwargs)
        except Exception as error:
            from airflow_provider_emrfs_xacct.operators.failures import fail_without_retry

            fail_without_retry(error)
            raise

    return wrapper  # type: ignore[return-value]


@fails_without_retry
def aws_partition(aws_conn_id: str | None) -> str:
    """
    Return the AWS partition a connection acts in: ``aws``, ``aws-cn``, ``aws-us-gov`` ….

    For the ARNs a DAG builds, e.g. ``"arn:{{ aws_partition('aws_emr_account') }}:iam::{{ params.emr_account_id
    }}:role/EMR_EC2_DefaultRole"``: in the China Regions an ARN starts ``arn:aws-cn:`` ("ARNs for Amazon Web
    Services in China"), in AWS GovCloud (US) ``arn:aws-us-gov:``, and IAM does not grant across partitions, so a
    hard-coded ``arn:aws:`` names a role that cannot be trusted there. The partition is the one of the
    connection's Region (botocore's client metadata, as ``AwsBaseHook.conn_partition``, which the operators
    compare ARNs with): no request of its own, only the connection's credentials (a connection with a
    ``role_arn`` assumes it, as every task on it does).

    A connection Airflow does not have is refused, naming it: the Amazon hook would fall back to boto3's default
    chain ("Unable to find AWS Connection ID '...', switching to empty") and this would return the partition of
    the worker's own Region (``aws`` when it has none), not the connection's: an ``arn:aws:`` in China, refused
    later as an ARN of another partition, with no word of the missing connection.

    :param aws_conn_id: the Airflow AWS connection (``None``: boto3's default chain, on purpose).
    :raises InvalidParameterError: Airflow has no connection ``aws_conn_id`` (failing the task without retries).
    """
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    from airflow_provider_emrfs_xacct.operators.base import require_defined_connection

    require_defined_connection(
        aws_conn_id,
        f"aws_partition({aws_conn_id!r})",
        "its partition would be that of the worker's own Region (boto3's default chain), not the connection's; "
        "define the connection, or pass None to take the worker's on purpose",
    )
    return AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts").conn_partition


@fails_without_retry
def run_stamp(dag_run: Any) -> str:
    """
    Return a name part unique to a DAG run: ``<run_after as %Y%m%dT%H%M%S>-<10 hex of the DAG id and run id>``
    (to a partition, for a run of one).

    For what a run names after itself: its cluster (``"Name": "export-acme-{{ run_stamp(dag_run) }}"``), its
    steps, the key it writes its results under. ``{{ dag_run.run_after | ts_nodash }}`` alone is the same for
    two runs: it drops the microseconds, and two runs triggered in one second (``airflow dags trigger``, the
    REST API, which also takes a ``run_after`` of the caller's) get the same one, so the second run's results
    overwrite the first's. The run id tells every run of a DAG apart (Airflow keeps it unique per DAG), but a
    user gives it (``--run-id``: up to 250 characters of ``[scheduler] allowed_run_id_pattern``, ``~`` and
    ``..``-free dots included), and EMR names end at 256 characters and tags refuse a ``~`` (Amazon EMR
    Management Guide, "Restrictions that apply to tagging resources in Amazon EMR"): its hash goes in
    instead, so the stamp is 26 characters of digits, ``T``, ``-`` and ``a-f``, valid in a cluster or step
    ``Name`` (Amazon EMR API Reference, "RunJobFlow", "AddJobFlowSteps"), a tag value and an S3 key
    (Amazon S3 User Guide, "Naming Amazon S3 objects": safe characters only). Every run has both values
    (an API-triggered run has no logical date).

    A run of a partition (a ``partition_key``: ``CronPartitionTimetable``, or the REST API's trigger given one)
    is stamped by the partition instead: its ``partition_date`` (else ``run_after``) and a hash of the DAG id and
    partition key. A backfill's ``--reprocess-behavior`` makes a partition a new run beside the old one, its run
    id ending in a random string (``_create_backfill_dag_run_partitioned``, ``airflow/models/backfill.py``): with
    the run id, its results went to a second folder beside the first's, and a reader of the prefix saw the
    partition twice; with the partition, they overwrite the first's.
    """
    partition_key = getattr(dag_run, "partition_key", None)
    if partition_key is None:
        identity, moment = json.dumps([dag_run.dag_id, dag_run.run_id]), dag_run.run_after
    else:
        # A dict, where a run id is text: no run id hashes like a partition key.
        identity = json.dumps([dag_run.dag_id, {"partition_key": partition_key}])
        moment = getattr(dag_run, "partition_date", None) or dag_run.run_after
    return f"{moment:%Y%m%dT%H%M%S}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


@fails_without_retry
def under_prefix(prefix: Any, *parts: Any) -> str:
    """
    Return the S3 URI of ``parts`` (joined by ``/``) under a granted prefix, read as the provider reads it.

    For what a job writes under the prefix it was granted:
    ``"{{ under_prefix(params.destination_prefix, run_stamp(dag_run), 'results.txt') }}"``. The provider's tasks
    take ``s3://bucket/exports`` as ``s3://bucket/exports/`` and grant, verify and probe ``exports/*``;
    ``"{{ params.destination_prefix }}{{ run_stamp(dag_run) }}/results.txt"`` wrote ``exports20261201T…`` beside
    it, which no grant allows (S3 AccessDenied, an implicit deny: IAM User Guide, "The difference between explicit
    and implicit denies"), on a cluster already launched. The joined URI is checked as a prefix is: no empty,
    ``.`` or ``..`` segment (Hadoop's ``Path`` would collapse ``//`` and resolve ``..``, writing elsewhere), no
    ``*``, ``?``, ``$`` or control character, a key of at most S3's 1,024 bytes.

    :raises InvalidParameterError: a prefix the grant operators refuse, or such a part, naming the prefix (failing
        the task without retries).
    """
    from airflow_provider_emrfs_xacct.pure import validation

    field = f"under_prefix({prefix!r})"
    granted = validation.parse_s3_location(prefix, field).uri
    for number, part in enumerate(parts, start=1):
        validation.require_str(part, f"{field}, part {number}")
    uri = granted + "/".join(parts)
    # An object's key may take all of S3's 1,024 bytes (a granted prefix, at most 1,000, leaves room for it).
    validation.parse_s3_location(uri, f"{field}, parts {list(parts)!r}", max_key_bytes=validation.KEY_MAX_BYTES)
    return uri


@fails_without_retry
@jinja2.pass_environment
def as_text(environment: jinja2.Environment, value: Any) -> str:
    """
    Return ``value`` as the Python literal of the text given: a filter (``user_defined_filters={"as_text": as_text}``)
    for a DAG that renders templates as native objects; in one that renders them as text, the text itself.

    Rendered so, a template that is one value alone is read back as a Python literal: a role or a security
    configuration named ``2024`` reaches its task as the number 2024 (``None``, ``True``, ``1_000``, ``1e5`` alike),
    an account id ``111111111111`` as a number. ``"{{ params.name | as_text }}"`` reaches it as the text given.
    Jinja's ``tojson`` quotes too, but writes a character beyond U+FFFF as two escaped surrogates, which Python
    reads back as two characters (a security configuration name may hold one: Amazon EMR API Reference,
    "CreateSecurityConfiguration", Name). A value that is not text is left as it is (``None`` stays ``None``, for
    the operators to refuse, naming the field).

    Copied into a DAG that renders as text (Airflow's default), the literal's quotes would stay in the value and every
    pinned task be refused: there the filter writes the text as Jinja would (``str``), so it serves either rendering.
    """
    if isinstance(environment, NativeEnvironment):
        return repr(value)
    return str(value)
