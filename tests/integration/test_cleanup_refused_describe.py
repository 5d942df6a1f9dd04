"""
The clean-up of security configurations when the connection may not describe an active cluster.

In an account shared by teams under tag-based policies (Amazon EMR Management Guide, "IAM policies for tag-based
access to clusters and EMR notebooks"), ``DescribeCluster`` of another team's cluster answers
``AccessDeniedException``. Before, that denial failed ``DeleteUnusedSecurityConfigsOperator`` on every run. Such a
cluster's ``SecurityConfiguration`` is not known: it may use any, so no configuration is deleted while it runs (the
Amazon EMR API Reference, "DeleteSecurityConfiguration", does not say EMR refuses to delete one in use), and a
warning names it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator
from tests.integration.test_launch_search import another_teams_cluster, describe_cluster_refused

if TYPE_CHECKING:
    import pytest

PREFIX = "emrfs-xacct-cleanup"


def unused_configuration(emr: Any) -> str:
    """A configuration this provider made (its name is its content's), which no cluster uses."""
    document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}
    name = security_configuration_name(PREFIX, document)
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    return name


def names(emr: Any) -> list[str]:
    return [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]


def cleanup() -> DeleteUnusedSecurityConfigsOperator:
    return DeleteUnusedSecurityConfigsOperator(
        task_id="cleanup", aws_conn_id=EMR_CONN_ID, name_prefix=PREFIX, min_age_seconds=0
    )


def test_a_cluster_the_connection_may_not_describe_keeps_every_configuration(
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    name = unused_configuration(emr)
    theirs, their_arn = another_teams_cluster(emr)

    with describe_cluster_refused(moto_url, monkeypatch, [their_arn]), caplog.at_level(logging.INFO):
        deleted, calls, ti = run_operator(cleanup())

    assert deleted == []
    assert "DeleteSecurityConfiguration" not in calls.mutating
    assert ti.xcoms["plan"] == []
    assert names(emr) == [name]
    output = capfd.readouterr().out + caplog.text
    assert f"DescribeCluster was refused (access denied) for cluster(s) {theirs}" in output
    assert "none is deleted while they run" in output
    assert f"Keeping {name}: used by active or recent cluster {theirs} (not described" in output


def test_once_the_cluster_may_be_described_the_unused_configuration_is_deleted(moto_url: str) -> None:
    """The same account without the denial: the configuration no cluster uses is deleted (the other team's uses none)."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    name = unused_configuration(emr)
    another_teams_cluster(emr)

    deleted, _, _ = run_operator(cleanup())

    assert deleted == [name]
    assert names(emr) == []
