"""
Template macros for DAG files: give them to a DAG as ``user_defined_macros``.

Cheap to import when a DAG file is parsed: the hook they use is imported when a template calls them,
in the running task.
"""

from __future__ import annotations


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
    :raises InvalidParameterError: Airflow has no connection ``aws_conn_id``.
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
