"""
A cluster DescribeCluster shows without a ``ReleaseLabel`` is judged as the AMI-version cluster it is, never as the
``release_label`` given beside it (``pure/checks/release.py``), without AWS.

"The release label applies only to Amazon EMR releases version 4.0 and later. Earlier versions use AmiVersion"
(Amazon EMR API Reference, "Cluster"); role mappings need release 5.10.0 or later (Amazon EMR Management Guide,
"Configure IAM roles for EMRFS requests to Amazon S3").
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, WARN
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, ClusterState, Unreadable
from tests.unit.test_chain import EMR_ROLE, RELEASE, by_name, healthy_state

CLUSTER = "j-3AMIVERSION01"
GIVEN = "release_label given is the cluster's"


def ami_cluster_state(given: str | None) -> ChainState:
    """The facts the verifier reads of a cluster without a ``ReleaseLabel`` (``given``: the label passed beside it)."""
    state = healthy_state()
    state.cluster = ClusterState(CLUSTER, "sc", "EMR_EC2_DefaultRole", EMR_ROLE.rsplit("/", 1)[-1], "WAITING")
    state.release_label = None
    state.ignored_release_label = given
    return state


def test_a_cluster_without_a_release_label_fails_the_release_link() -> None:
    report = check_chain(ami_cluster_state(None))

    release = by_name(report)[RELEASE]
    assert release.status == FAIL
    assert CLUSTER in release.detail
    assert "RunningAmiVersion" in release.detail
    assert "emr-5.10.0" in release.detail
    assert release.fix is not None
    assert "ReleaseLabel emr-5.10.0 or later" in release.fix
    assert not report.healthy


def test_a_release_label_given_beside_it_is_named_not_judged() -> None:
    """The CLI passes ``emr.release_label``: an AMI-version cluster was judged as that label, and PASSed."""
    report = check_chain(ami_cluster_state("emr-6.15.0"))

    links = by_name(report)
    assert links[RELEASE].status == FAIL
    assert links[GIVEN].status == WARN
    assert "'emr-6.15.0'" in links[GIVEN].detail
    assert "shows no ReleaseLabel" in links[GIVEN].detail
    assert "runs None" not in links[GIVEN].detail


def test_a_cluster_not_read_or_not_named_stays_not_checked() -> None:
    """Only a cluster read without a ``ReleaseLabel`` is an AMI-version one: an unread cluster's release is unknown."""
    state = healthy_state()
    state.release_label = None
    state.cluster = Unreadable("elasticmapreduce:DescribeCluster on j-1 refused")
    state.cluster_unreadable = "DescribeCluster refused"
    assert by_name(check_chain(state))[RELEASE].status == UNKNOWN
    state.cluster = None
    state.cluster_unreadable = ""
    assert by_name(check_chain(state))[RELEASE].status == UNKNOWN
    state.release_label = "emr-6.15.0"
    assert by_name(check_chain(state))[RELEASE].status == PASS
