"""
The HEADs of the output directory lookup, each judged under the role EMRFS routes *its own key* to.

getFileStatus of the output ``s3://b/p`` asks for the object ``p``, then the directory markers: ``p/`` (the
S3A connector's, "a trailing /") and ``p_$folder$`` (the old s3n connector's, which EMRFS writes) (Hadoop-AWS,
"Controlling the S3A Directory Marker Behavior", "Background: Directory Markers: what and why?"). A mapping
whose identifier is ``s3://b/p/`` routes ``p/`` to its role but not ``p`` (EMR Management Guide, "Configure IAM
roles for EMRFS requests to Amazon S3": the identifier must be a string prefix of ``s3://bucket/key``), so
the HEAD of ``p``, and the 404 it expects, are the EMR EC2 role's (S3 API Reference, HeadObject: a missing key
answers 404 only to a caller allowed ``s3:ListBucket``, 403 otherwise).
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState
from tests.unit.test_chain import (
    BUCKET,
    EMR_ROLE,
    PREFIX,
    ROLE,
    by_name,
    destination_role,
    document,
    healthy_state,
    mappings,
)

LOOKUP = f"output directory lookup {PREFIX}"
STEM_ARN = f"arn:aws:s3:::{BUCKET}/exports"


def _mapped_with_a_slash(*identifiers: str) -> ChainState:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", [PREFIX, *identifiers]))
    state.destination_roles[ROLE] = destination_role(prefixes=(PREFIX,))
    return state


def _emr_role_may_head_the_stem(state: ChainState) -> None:
    """The EMR EC2 role may GetObject the prefix's own key (its policy and the bucket's), but not list the bucket."""
    grant = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": STEM_ARN}
    emr_role = state.emr_role
    assert isinstance(emr_role, RoleState)
    emr_role.policies = [*emr_role.policies, ("inline policy head-stem", document(grant))]
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document({**grant, "Sid": "EmrHeadsStem", "Principal": {"AWS": EMR_ROLE}})


def test_the_head_of_the_prefix_and_of_its_slash_marker_go_as_the_roles_their_keys_route_to() -> None:
    report = check_chain(_mapped_with_a_slash())

    heads = {(item.principal, item.resource) for item in report.evaluated if item.action == "s3:GetObject"}
    assert (EMR_ROLE, STEM_ARN) in heads  # s3://b/exports matches no identifier
    assert (ROLE, f"{STEM_ARN}/") in heads  # s3://b/exports/ matches s3://b/exports/
    assert (ROLE, STEM_ARN) not in heads


def test_the_404_of_the_prefixs_own_key_is_asked_of_the_role_that_sends_its_head() -> None:
    # p_$folder$ is mapped too (s3://b/exports_), so only the HEAD of p goes as the EMR role: its HEAD is
    # allowed, but without s3:ListBucket the missing key answers 403 and Hadoop fails.
    state = _mapped_with_a_slash(f"s3://{BUCKET}/exports_")
    _emr_role_may_head_the_stem(state)

    lookup = by_name(check_chain(state))[LOOKUP]

    assert lookup.status == FAIL, lookup
    assert f"404 (not 403) for HEAD of missing s3://{BUCKET}/exports:" in lookup.detail
    assert EMR_ROLE in lookup.detail
    assert "without its trailing slash" in lookup.fix
