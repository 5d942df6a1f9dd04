"""
The stand-in's judges (devstack/aws_judge.py, devstack/emrfs_writer.py, devstack/aws_principals.py) on request keys,
stored principals, routing and paging that they used to get wrong, each against what AWS documents.
"""

from __future__ import annotations

import json
from typing import Any

from devstack.aws_network import endpoints_on_the_way
from devstack.aws_pages import short_pages
from devstack.emrfs_writer import INSTANCE_ROLE, WriteResult, put_like_emrfs, route, write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, Seeded, client
from tests.integration.partners import create_security_configuration, mapping, provision_partner, role_arn
from tests.integration.test_network_facts import add_sts_interface_endpoint, private_subnet

ROLE_NAME = "partner-b-writer"
PREFIX = "s3://partner-results-b/exports/"
BUCKET_ARN = "arn:aws:s3:::partner-results-b"


def chain(aws: Seeded) -> str:
    provision_partner(aws, ROLE_NAME, PREFIX)
    return create_security_configuration([mapping(ROLE_NAME, PREFIX)])


def put(aws: Seeded, configuration: str, **kwargs: Any) -> WriteResult:
    return put_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        uri=f"{PREFIX}probe",
        body=b"probe\n",
        **kwargs,
    )


def write(aws: Seeded, configuration: str) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=PREFIX,
        files=1,
    )


def bucket_deny(aws: Seeded, condition: dict[str, Any], principal: Any = "*") -> None:
    statement = {
        "Sid": "Guard",
        "Effect": "Deny",
        "Principal": principal,
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET_ARN}/*",
    }
    if condition:
        statement["Condition"] = condition
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


#: Amazon S3 User Guide, "Enforce conditional writes on Amazon S3 buckets", its example's Deny.
CONDITIONAL_WRITES = {"Null": {"s3:if-none-match": "true"}, "Bool": {"s3:ObjectCreationOperation": "true"}}


def test_the_conditional_writes_guard_refuses_the_first_put_object(aws: Seeded) -> None:
    """
    Amazon S3 User Guide, "Enforce conditional writes on Amazon S3 buckets": with the Deny of ``s3:PutObject`` on
    ``Null s3:if-none-match`` and ``Bool s3:ObjectCreationOperation true``, PutObject and CompleteMultipartUpload must
    carry the header, and "CopyObject requests without an If-None-Match or If-Match HTTP header fail with a 403".
    EMRFS's ``-put`` sends no such header: its PutObject of ``._COPYING_`` is refused (the judge left the key out).
    """
    configuration = chain(aws)
    assert put(aws, configuration).success
    bucket_deny(aws, CONDITIONAL_WRITES)

    written = put(aws, configuration)

    refused = written.first_failure
    assert refused is not None, written.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403), written.summary()
    assert refused.uri == f"{PREFIX}probe._COPYING_"
    assert "bucket policy denies it" in refused.reason
    assert not written.unknown


def test_a_guard_on_object_creation_false_leaves_a_multipart_upload_unknown_not_judged(aws: Seeded) -> None:
    """
    The same page says the key exempts CreateMultipartUpload and UploadPart, not whether they carry ``false`` or
    nothing. A Deny on ``Bool s3:ObjectCreationOperation false`` passes the ``true`` uploads (PutObject, CopyObject),
    and leaves the multipart upload's outcome unknown, nothing sent for it.
    """
    configuration = chain(aws)
    bucket_deny(aws, {"Bool": {"s3:ObjectCreationOperation": "false"}})

    assert put(aws, configuration).success
    written = write(aws, configuration)

    assert "CreateMultipartUpload" in written.unknown, written.summary()
    assert written.first_failure is None, written.summary()
    assert "CreateMultipartUpload" not in [record.operation for record in written.requests]
    assert "PutObject" in [record.operation for record in written.requests]


def test_a_bucket_policy_principal_in_another_case_is_stored_as_the_roles_own_and_judged(aws: Seeded) -> None:
    """
    IAM User Guide, "AWS JSON policy elements: Principal": a role ARN "transforms to the role unique principal ID when
    you save the policy", and role names are not distinguished by case (IAM API Reference, "CreateRole"): a Deny
    naming ``role/PARTNER-B-WRITER`` reads back as ``role/partner-b-writer`` and refuses that role's write.
    """
    configuration = chain(aws)
    shouted = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/PARTNER-B-WRITER"
    bucket_deny(aws, {}, principal={"AWS": shouted})

    stored = json.loads(client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=aws.bucket)["Policy"])
    written = put(aws, configuration)

    assert stored["Statement"][0]["Principal"]["AWS"] == role_arn(ROLE_NAME)
    refused = written.first_failure
    assert refused is not None, written.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403), written.summary()


def test_a_string_identifiers_makes_the_route_unknown_and_nothing_is_sent(aws: Seeded) -> None:
    """
    The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows ``Identifiers`` as a
    list; how EMRFS reads a string is not documented. Read character by character it matched every URI on ``s``; now
    the route is unknown (nothing sent), unless a mapping before it matches.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    string = {"Role": role_arn(ROLE_NAME), "IdentifierType": "Prefix", "Identifiers": PREFIX.rstrip("/")}
    name = "string-identifiers"
    document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [string]}}}
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )

    written = write(aws, name)

    assert "not a list of strings" in written.unknown
    assert written.requests == [], written.summary()
    instance = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    listed = {"Role": "arn:aws:iam::111111111111:role/first", "IdentifierType": "Prefix", "Identifiers": ["s3://b/"]}
    assert route([listed, string], "s3://b/key", instance, "hadoop").matched == "Prefix s3://b/"
    assert route([listed, string], "s3://other/key", instance, "hadoop").unknown
    assert route([{**string, "Identifiers": [1]}], "s3://b/key", instance, "hadoop").unknown
    assert route([], "s3://b/key", instance, "hadoop").matched == INSTANCE_ROLE


def test_assume_role_through_an_sts_interface_endpoint_carries_its_id_and_vpc(aws: Seeded) -> None:
    """
    IAM User Guide, "AWS global condition context keys": aws:SourceVpce "is included in the request context only if
    the requester uses a VPC endpoint to make the request". A trust Deny unless the call comes through the cluster's
    STS interface endpoint lets EMRFS's AssumeRole through that endpoint by (the judge used to see no key and refuse
    it), and refuses it over another endpoint's id.
    """
    configuration = chain(aws)
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.41")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    endpoints = endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, aws.bucket, "emr-6.15.0", {})
    assert "sts" in endpoints
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = json.loads(json.dumps(iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]))
    results = {}
    for allowed in (endpoints["sts"].endpoint_id, "vpce-0another000000000"):
        guard = {
            "Sid": "OurEndpointOnly",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": allowed}},
        }
        document = {**trust, "Statement": [*trust["Statement"], guard]}
        iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(document))
        results[allowed] = put(aws, configuration, endpoints=endpoints)

    ours = results[endpoints["sts"].endpoint_id]
    assert ours.success, ours.summary()
    refused = results["vpce-0another000000000"].first_failure
    assert refused is not None
    assert (refused.operation, refused.status) == ("AssumeRole", 403)
    assert "trust policy denies it explicitly" in refused.reason


def test_the_roles_policies_are_read_over_every_page(aws: Seeded) -> None:
    """
    IAM "might return fewer than the MaxItems number of results even when there are more results available" (IAM API
    Reference, ListRolePolicies, ListAttachedRolePolicies, ListRoleTags: IsTruncated). With one item a page, the
    judge still sees every policy of the instance role and the destination role: the intact chain's write passes.
    """
    configuration = chain(aws)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    # A second inline policy before the grant's, so the grant is not on the first page.
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="aaa-first",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]}
        ),
    )
    iam.tag_role(RoleName=ROLE_NAME, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])

    with short_pages(1):
        written = put(aws, configuration)

    assert written.success, written.summary()
