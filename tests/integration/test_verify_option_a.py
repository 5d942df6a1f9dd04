"""
The verifier on option (a), a cluster without role mappings: ``security_configuration=None`` and the prefixes.

EMRFS sends a request no role mapping covers as the cluster's EC2 instance profile role (Amazon EMR Management Guide,
"Configure IAM roles for EMRFS requests to Amazon S3"), so a write of account A's role into account B's bucket needs
the bucket policy, the key policy and the role's own identity policy (IAM User Guide, "Cross-account policy evaluation
logic"; KMS Developer Guide, "Allowing users in other accounts to use a KMS key"). Each verdict here is held against
the stand-in's EMRFS-like writer (``devstack/emrfs_writer.py``), whose requests ``devstack/aws_judge.py`` judges with
no code of the verifier's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, launch_cluster, run_operator
from tests.integration.partners import grant_key_users, mapping, provision_partner
from tests.integration.test_option_a_chain import emr_role_access, grant
from tests.integration.test_verify import PREFIX, ROLE_NAME, hand_made_configuration, verifier
from tests.integration.test_verify_against_judge import write as write_through

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.emrfs_writer import WriteResult

CLUSTER_LINK = "cluster runs the security configuration"


def option_a(aws: Seeded, *, bucket: bool = True, key: bool = True, emr_role: bool = True) -> None:
    """The three grants of option (a), each unless told (``dags/emrfs_xacct_bucket_policy_export.py``)."""
    if bucket:
        run_operator(grant())
    if key:
        grant_key_users(aws, [aws.emr_ec2_role_arn])
    if emr_role:
        run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))


def write(aws: Seeded, cluster_id: str, configuration: str | None = None) -> WriteResult:
    """The job's write through the cluster, as EMRFS sends it (no mapping: as the instance profile role)."""
    return write_through(aws, configuration, cluster_id=cluster_id, bucket_account=DESTINATION_ACCOUNT)


def verify(cluster_id: str | None, **kwargs: Any) -> dict[str, Any]:
    report, _, _ = run_operator(
        verifier(None, s3_prefixes=[PREFIX], cluster_id=cluster_id, fail_on_broken=False, **kwargs)  # type: ignore[arg-type]
    )
    return dict(report)


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {link["link"]: link["status"] for link in report["links"]}


def test_the_whole_option_a_chain_passes_and_the_write_succeeds(aws: Seeded) -> None:
    option_a(aws)
    cluster_id = launch_cluster(aws, None)

    report = verify(cluster_id)

    assert report["verdict"] == "PASS", report
    assert report["security_configuration"] is None
    found = statuses(report)
    assert found[CLUSTER_LINK] == "pass"
    assert found[f"write files {PREFIX}"] == "pass"
    assert found[f"use bucket key for {PREFIX}"] == "pass"
    # Every link is the EMR EC2 role's (no mapping), and none asks about role mappings, STS or sessions.
    assert {link["mapping"] for link in report["links"]} == {None}
    assert not [name for name in found if "role mappings" in name or "STS" in name or "session" in name], found
    unseen = [item["what"] for item in report["not_checked"]]
    assert not [what for what in unseen if "STS endpoint" in what or "session policies" in what], unseen
    assert write(aws, cluster_id).success


MISSING: dict[str, tuple[Callable[[Seeded], None], str]] = {
    # What is left out, and the link that must fail.
    "bucket policy": (lambda aws: option_a(aws, bucket=False), f"mkdirs {PREFIX}"),
    "key policy": (lambda aws: option_a(aws, key=False), f"use bucket key for {PREFIX}"),
    "EMR EC2 role's policy": (lambda aws: option_a(aws, emr_role=False), f"mkdirs {PREFIX}"),
}


@pytest.mark.parametrize("missing", list(MISSING))
def test_each_missing_grant_fails_its_link_as_aws_refuses_the_write(aws: Seeded, missing: str) -> None:
    """A cross-account write needs both sides: without any one grant the verifier fails and the judge refuses."""
    setup, failing_link = MISSING[missing]
    setup(aws)
    cluster_id = launch_cluster(aws, None)

    report = verify(cluster_id)

    assert report["verdict"] == "FAIL", report
    assert statuses(report)[failing_link] == "fail", report["links"]
    result = write(aws, cluster_id)
    assert not result.success
    assert result.first_failure is not None
    assert result.first_failure.status == 403, result.first_failure


def test_a_cluster_whose_configuration_maps_roles_fails_the_option_a_chain(aws: Seeded) -> None:
    """Its mappings send the prefix's writes as the destination role: the option (a) verdict would not hold."""
    option_a(aws)
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = hand_made_configuration(aws, "with-mappings", [mapping(ROLE_NAME, PREFIX)])
    assert role_arn in json.dumps(mapping(ROLE_NAME, PREFIX))
    cluster_id = launch_cluster(aws, configuration)

    report = verify(cluster_id)

    link = next(item for item in report["links"] if item["link"] == CLUSTER_LINK)
    assert link["status"] == "fail", link
    assert "with-mappings" in link["detail"]
    assert "security_configuration='with-mappings'" in link["fix"]
    # The judge agrees the write does not go as the EMR EC2 role: the mapping takes it.
    result = write(aws, cluster_id, configuration)
    assert {record.role_arn for record in result.requests if record.uri.startswith(PREFIX)} == {role_arn}


def test_a_cluster_whose_configuration_maps_no_role_is_judged_with_its_encryption(aws: Seeded) -> None:
    """
    A configuration with at-rest encryption only: EMRFS sends every request as the instance profile role, and its
    uploads ask for the configuration's key (Amazon EMR Management Guide, "Create a security configuration"), so the
    key link judges that key, not the bucket's default.
    """
    option_a(aws)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    other_key = kms.create_key(Description="the configuration's key")["KeyMetadata"]["Arn"]
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name="encryption-only",
        SecurityConfiguration=json.dumps(
            {
                "EncryptionConfiguration": {
                    "EnableInTransitEncryption": False,
                    "EnableAtRestEncryption": True,
                    "AtRestEncryptionConfiguration": {
                        "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": other_key}
                    },
                }
            }
        ),
    )
    cluster_id = launch_cluster(aws, "encryption-only")

    report = verify(cluster_id)

    found = statuses(report)
    assert found[CLUSTER_LINK] == "pass", report["links"]
    key_link = next(item for item in report["links"] if item["link"] == f"use bucket key for {PREFIX}")
    assert key_link["status"] == "fail", key_link
    assert other_key in key_link["detail"], key_link
    assert not write(aws, cluster_id, "encryption-only").success  # the EMR EC2 role may not use that key

    grant_key_users(aws, [aws.emr_ec2_role_arn], other_key)
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn, other_key]))
    assert verify(cluster_id)["verdict"] == "PASS"
    assert write(aws, cluster_id, "encryption-only").success


def test_option_a_without_prefixes_is_refused_before_any_call(aws: Seeded) -> None:
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as caught:
        run_operator(verifier(None, cluster_id=None))  # type: ignore[arg-type]
    assert caught.value.field == "s3_prefixes"
    assert "security_configuration=None" in str(caught.value)
    assert calls.every == []
