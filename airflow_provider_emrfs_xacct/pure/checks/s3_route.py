"""The cluster reaches S3 of each destination bucket's Region."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.contexts import s3_endpoint_setting
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, OtherOwner, Unreadable
from airflow_provider_emrfs_xacct.pure.checks.sts_route import LINK_STATUS
from airflow_provider_emrfs_xacct.pure.network import s3_route_check


def audit(state: ChainState) -> list[Link]:
    """
    One link per destination bucket: the cluster's subnet reaches S3 of the bucket's Region.

    Without a route to the internet the subnet reaches S3 only through an S3 gateway endpoint on its route table,
    which serves buckets of its own Region only (Amazon VPC User Guide, "Gateway endpoints for Amazon S3"), or an S3
    interface endpoint (not checked: its DNS decides). ``pure/network.py`` decides; no subnet read, no link (the
    report lists the route as not seen: ``findings.STS_ROUTE``). A bucket that does not exist, or that another
    account owns, has its own FAIL.
    """
    facts = state.subnet
    if facts is None:
        return []
    links = []
    for bucket, read in sorted(state.buckets.items()):
        name = f"cluster reaches s3://{bucket}"
        # Only a probe write to this bucket settles its route (findings.still_not_checked): one to another bucket
        # went to S3 of that bucket's Region, perhaps another, through another endpoint.
        prefix = f"s3://{bucket}/"
        if isinstance(facts, Unreadable):
            links.append(Link(None, name, UNKNOWN, facts.detail, fix="allow ec2:Describe* to check it", prefix=prefix))
        elif read is not None and not isinstance(read, OtherOwner):
            region = read.region if isinstance(read, BucketState) else None
            found = s3_route_check(bucket, region, facts)
            status = LINK_STATUS[found.status]
            link = Link(
                None, name, status, found.detail, fix=found.fix, prefix=prefix, probe_settles=found.probe_settles
            )
            endpoint = s3_endpoint_setting(state, bucket)
            if endpoint and link.status != UNKNOWN:
                # The facts show the way to S3's Regional name; a connector pointed elsewhere may go another way, a
                # PASS or a FAIL alike: an interface endpoint's own DNS name (bucket.vpce-….s3.REGION.vpce.amazonaws.com)
                # reaches that endpoint without any route out (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3",
                # "Accessing Amazon S3 interface endpoints"), and one of another VPC or Region may be reached through
                # peering.
                link = Link(
                    None,
                    name,
                    UNKNOWN,
                    f"{found.detail}; but the connector is pointed at an S3 endpoint of its own ({endpoint}), "
                    "the way to which is not read",
                    fix="remove the endpoint setting, or run the live probe (probe=True)",
                    prefix=prefix,
                )
            links.append(link)
    return links
