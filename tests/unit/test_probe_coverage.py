"""
A passing live probe settles only the links of the route it wrote through.

The probe writes one object per ``Prefix`` identifier, each through the first mapping that routes its key
(Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": the first matching role
mapping is used). Another mapping's role (a ``User`` mapping's, or a second prefix's role) was never assumed, so
what only that role's write would show (its trust, its policies' conditions, an SCP naming it) stays not checked.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    COVERED_BY_PROBE,
    NOT_THE_MULTIPART_REQUESTS,
    OUTSIDE_POLICIES,
    STS_ROUTE,
    UNKNOWN,
    covered_by_probe,
    still_not_checked,
)
from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes
from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from airflow_provider_emrfs_xacct.verify import probe_key
from tests.unit.test_chain import BUCKET, DESTINATION_ACCOUNT, PREFIX, ROLE, healthy_state

OTHER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-analyst"
OTHER_PREFIX = f"s3://{BUCKET}/analysts/"


def two_mapping_state(second: dict[str, object]) -> tuple[list[dict[str, object]], list[dict[str, str]]]:
    """The healthy chain plus a second mapping whose role could not be read; return its links and unseen items."""
    state = healthy_state()
    mappings = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}, {"Role": OTHER_ROLE, **second}]
    state.security_configuration = build_security_configuration(validate_role_mappings(mappings))
    state.destination_roles[OTHER_ROLE] = Unreadable(f"iam:GetRole on {OTHER_ROLE} was denied")
    report = check_chain(state)
    return [asdict(link) for link in report.links], report.not_checked


def test_a_probe_through_the_first_mapping_does_not_settle_a_user_mapping_s_role() -> None:
    links, _ = two_mapping_state({"IdentifierType": "User", "Identifiers": ["analyst"]})
    mappings = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}]
    uri = probe_key(PREFIX)
    routes = probe_routes(mappings, [uri])
    assert routes == {uri: 0}

    remaining = [(link["mapping"], link["link"]) for link in still_not_checked(links, routes)]

    assert (1, "destination role") in remaining  # never assumed by the probe
    assert all(mapping == 1 for mapping, _ in remaining)  # mapping 0's links: its route was written through
    # Before the probe, every not checked link is listed.
    assert len(still_not_checked(links, None)) == len([link for link in links if link["status"] == UNKNOWN])


def test_a_probe_through_both_prefix_mappings_settles_both_routes_but_not_an_unread_roles_hidden_links() -> None:
    """
    The second mapping's role could not be read: its "destination role" link stands for the assume, step, key and
    owner links it hides, which judge requests the probe never sends (a multipart upload's ``kms:Decrypt``: Amazon S3
    User Guide, "Multipart upload API and permissions"), so even a probe through its route leaves it not checked.
    """
    second = {"IdentifierType": "Prefix", "Identifiers": [OTHER_PREFIX]}
    links, _ = two_mapping_state(second)
    mappings = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}, {"Role": OTHER_ROLE, **second}]
    uris = [probe_key(PREFIX), probe_key(OTHER_PREFIX)]

    routes = probe_routes(mappings, uris)

    assert list(routes.values()) == [0, 1]
    assert [(link["mapping"], link["link"]) for link in still_not_checked(links, routes)] == [(1, "destination role")]
    # Only the first prefix written: the second mapping's role stays not checked.
    assert [link["mapping"] for link in still_not_checked(links, {uris[0]: 0})] == [1]


def test_a_prefix_link_is_settled_only_by_a_write_under_that_prefix() -> None:
    links = [{"mapping": 0, "link": f"use bucket key for {OTHER_PREFIX}", "status": UNKNOWN, "prefix": OTHER_PREFIX}]

    assert still_not_checked(links, {probe_key(PREFIX): 0}) == links  # same role, another prefix
    assert still_not_checked(links, {probe_key(OTHER_PREFIX): 0}) == []


def test_a_user_mapping_before_the_prefix_mapping_leaves_the_probe_s_route_unknown() -> None:
    # Which Hadoop user an EMR step runs as is not documented: the User mapping may take the probe's write.
    mappings = [
        {"Role": OTHER_ROLE, "IdentifierType": "User", "Identifiers": ["hadoop"]},
        {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]},
    ]
    uri = probe_key(PREFIX)

    assert probe_routes(mappings, [uri]) == {uri: None}
    links = [{"mapping": 1, "link": "destination role", "status": UNKNOWN, "prefix": ""}]
    assert still_not_checked(links, {uri: None}) == links


def test_what_no_policy_shows_is_covered_only_for_the_routes_written_through() -> None:
    links, not_checked = two_mapping_state({"IdentifierType": "User", "Identifiers": ["analyst"]})
    uri = probe_key(PREFIX)

    unseen = {item["what"]: item["how"] for item in covered_by_probe(not_checked, links, {uri: 0})}

    for what, how in OUTSIDE_POLICIES:
        assert unseen[what].startswith(COVERED_BY_PROBE)
        assert NOT_THE_MULTIPART_REQUESTS in unseen[what]  # one small upload: no UploadPart
        assert "not for mapping 1" in unseen[what]
        assert unseen[what].endswith(how)  # how to check it for the other role, kept
    # The route from the subnet to STS is the same for every role: one write through it covers it.
    if STS_ROUTE[0] in unseen:
        assert unseen[STS_ROUTE[0]] == COVERED_BY_PROBE


def test_with_every_route_written_through_what_no_policy_shows_is_covered() -> None:
    links, not_checked = two_mapping_state({"IdentifierType": "Prefix", "Identifiers": [OTHER_PREFIX]})
    routes = {probe_key(PREFIX): 0, probe_key(OTHER_PREFIX): 1}

    unseen = {item["what"]: item["how"] for item in covered_by_probe(not_checked, links, routes)}

    assert {unseen[what] for what, _ in OUTSIDE_POLICIES} == {f"{COVERED_BY_PROBE}, {NOT_THE_MULTIPART_REQUESTS}"}


def test_every_bucket_read_fills_a_field_of_the_bucket_state_through_a_method_of_the_s3_hook() -> None:
    """``read_bucket`` sets its fields by name: a misspelt field would be a new attribute no check reads."""
    import dataclasses

    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState
    from airflow_provider_emrfs_xacct.verify import BUCKET_READS

    fields = {field.name for field in dataclasses.fields(BucketState)}
    for label, action, attribute, method in BUCKET_READS:
        assert attribute in fields, (label, attribute)
        assert callable(getattr(EmrfsS3Hook, method, None)), (label, method)
        assert action.startswith("s3:Get"), (label, action)
    assert len({entry[0] for entry in BUCKET_READS}) == len(BUCKET_READS)


def test_a_bucket_s_route_is_settled_only_by_a_probe_write_to_that_bucket() -> None:
    """
    A link "cluster reaches s3://BUCKET" is about S3 of that bucket's Region (a gateway endpoint serves its own Region
    only: Amazon VPC User Guide, "Gateway endpoints for Amazon S3"): a passing probe that wrote to another bucket only
    (a bucket the verifier was given that no ``Prefix`` mapping names, so no probe write went to it) says nothing of
    it. The route to STS is one for every write: any passing write settles it.
    """
    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState
    from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, sts_endpoint_check

    other = "partner-archive"
    state = healthy_state()
    state.buckets[other] = BucketState(account=DESTINATION_ACCOUNT, policy=None, region="us-west-2")
    # A default route to a transit gateway: egress not seen, every route link not checked.
    state.subnet = SubnetFacts("subnet-1", "us-east-1", False, False, False, False, "transit gateway tgw-1")
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", state.subnet)
    links = [asdict(link) for link in check_chain(state).links]
    route_links = {"cluster reaches STS", f"cluster reaches s3://{BUCKET}", f"cluster reaches s3://{other}"}
    assert {link["link"] for link in links if link["status"] == UNKNOWN} >= route_links

    remaining = {link["link"] for link in still_not_checked(links, {probe_key(PREFIX): 0})}

    assert remaining & route_links == {f"cluster reaches s3://{other}"}


def _unsettled_after_a_probe(state: object) -> list[str]:
    report = check_chain(state)  # type: ignore[arg-type]
    links = [link.to_dict() for link in report.links]
    assert [link for link in links if link["status"] == UNKNOWN], "nothing to settle"
    return [link["link"] for link in still_not_checked(links, {probe_key(PREFIX): 0})]


def test_the_probe_does_not_settle_what_only_core_and_task_nodes_or_spark_jobs_read() -> None:
    """
    The probe is one EMR step, `hadoop fs -put`: "Use Step to specify a cluster (job flow) step, which runs only on the
    master node" (AWS CloudFormation, AWS::EMR::Step), and not a Spark job. A core group's own setting, a Spark-only
    setting, and the STS endpoint's security groups left unmatched to the core and task nodes are not its to settle.
    """
    from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, sts_endpoint_check
    from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups

    duration = {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "3600"}}
    longer = {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "1800"}}
    spark = {"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.sts.sessionDurationSeconds": "900"}}
    # Not even the primary group's: its asked configuration may not be the one the probe ran under.
    for where in ["instance group core (ig-2, CORE)", "instance group main (ig-1, MASTER)"]:
        state = healthy_state()
        state.cluster_configurations = [duration]
        state.instance_configurations = [(where, [longer])]
        assert _unsettled_after_a_probe(state) == ["instance groups' connector settings"]

    state = healthy_state()
    state.cluster_configurations = [duration, spark]
    assert _unsettled_after_a_probe(state) == ["Spark jobs' connector settings"]

    state = healthy_state()
    state.sts_reachability = sts_endpoint_check(
        "emr-7.1.0",
        SubnetFacts(
            subnet_id="subnet-1",
            region="us-east-1",
            nat_route=False,
            internet_gateway_route=False,
            public_ip_on_launch=False,
            sts_interface_endpoint=True,
            vpc_id="vpc-1",
            dns_support=True,
            dns_hostnames=True,
            subnet_cidr="10.0.1.0/24",
            instance_groups=NodeGroups(primary=("sg-master",), core_and_task=("sg-slave",)),
            endpoint_groups=("sg-sts-endpoint",),
            endpoint_ingress=(IngressRule("tcp", 443, 443, groups=("sg-master",)),),
        ),
    )
    assert _unsettled_after_a_probe(state) == ["cluster reaches STS"]
    assert "probe=True" not in next(link.fix for link in check_chain(state).links if link.link == "cluster reaches STS")


def test_an_endpoint_the_verifier_cannot_see_is_not_settled_by_the_probe() -> None:
    """
    The owner's interface endpoints of a subnet shared through AWS RAM, or a hub VPC's reached over a transit gateway,
    may take the names of STS and S3; their security groups may let the primary node in, where the probe's step runs
    ("runs only on the master node": AWS CloudFormation, AWS::EMR::Step), and not the core and task nodes.
    """
    from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, s3_route_check, sts_endpoint_check
    from airflow_provider_emrfs_xacct.pure.security_groups import NodeGroups

    common: dict[str, Any] = {
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": False,
        "vpc_id": "vpc-1",
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.0.0/24",
        "instance_groups": NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",)),
    }
    shared = SubnetFacts("subnet-1", "us-east-1", nat_route=True, shared_by="333333333333", **common)
    hub = SubnetFacts(
        "subnet-1", "us-east-1", nat_route=False, routes_to_other_networks=("10.0.0.0/8 to tgw-1",), **common
    )
    answers = [
        sts_endpoint_check("emr-6.15.0", shared),
        sts_endpoint_check("emr-6.15.0", hub),
        s3_route_check("b", "us-east-1", shared),
    ]

    assert [(answer.status, answer.probe_settles) for answer in answers] == [("NOT CHECKED", False)] * 3
    assert not [answer.fix for answer in answers if "probe=True" in answer.fix]
