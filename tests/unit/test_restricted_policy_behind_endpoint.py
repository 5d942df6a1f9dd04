"""
A request a restricted public bucket policy no longer grants, which the S3 gateway endpoint refuses: the link blames
the endpoint, in its detail as in its fix (``pure/checks/s3_access.py`` ``_evaluate``).

S3 API Reference, "PublicAccessBlockConfiguration", RestrictPublicBuckets: "public and cross-account access within any
public bucket policy, including non-public delegation to specific accounts, is blocked". S3 User Guide, "Access control
list (ACL) overview": with ACLs enabled, a bucket ACL grant may still allow the request where no bucket policy statement
does, so the bucket's side is not settled. AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint
policies": an endpoint policy "does not override or replace identity-based policies or resource-based policies", so the
endpoint's refusal stands whatever the bucket's side says, and it is the one the link names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL
from airflow_provider_emrfs_xacct.pure.endpoint_policy import GATEWAY, EndpointPolicy
from tests.unit.test_chain import EMR_ROLE, PREFIX, by_name
from tests.unit.test_chain_audit_fixes import PUBLIC_STATEMENT, bucket_of
from tests.unit.test_endpoint_policies import OWN_ACCOUNT_ONLY, private_subnet
from tests.unit.test_option_a_verify import option_a_state

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: The steps whose first request is one a bucket ACL grant may allow (a listing, an abort's listing).
ACL_STEPS = [f"{step} {PREFIX}" for step in ("abort pending uploads", "job commit", "read back")]


def restricted_behind_a_refusing_endpoint() -> ChainState:
    """
    Option (a): every request as the EMR EC2 role (another account than the bucket's), granted by a bucket policy S3
    calls public under RestrictPublicBuckets; ACLs enabled with a grant to a canonical ID; an S3 gateway endpoint whose
    policy allows only the EMR account's own buckets (no Allow for the partner's bucket).
    """
    state = option_a_state()
    state.subnet = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),))
    bucket = bucket_of(state)
    assert bucket.policy is not None
    bucket.policy["Statement"].append(PUBLIC_STATEMENT)
    bucket.policy_is_public = True
    bucket.restrict_public_buckets = True
    bucket.object_ownership = "ObjectWriter"
    bucket.acl_grants = (("another-canonical-id", "FULL_CONTROL"),)
    return state


@pytest.mark.parametrize("step", ACL_STEPS)
def test_the_endpoints_refusal_is_named_not_restrict_public_buckets(step: str) -> None:
    link = by_name(check_chain(restricted_behind_a_refusing_endpoint()))[step]

    assert link.status == FAIL, link
    assert EMR_ROLE in link.detail
    assert "VPC endpoint policy of vpce-s3" in link.detail
    assert "RestrictPublicBuckets" not in link.detail
    assert "VPC endpoint policy of vpce-s3 does not let this request through" in link.fix
    assert "RestrictPublicBuckets" not in link.fix
