"""
The stand-in serves EMR of each Region apart, as AWS does, over its one loopback endpoint.

EMR is a Regional service: each Region has its own endpoint (``elasticmapreduce.<region>.amazonaws.com``, and
``.amazonaws.com.cn`` in the China Regions: AWS General Reference, "Amazon EMR endpoints and quotas"), and a cluster
or security configuration exists in the Region it was created in. moto reads EMR's Region from the host name alone
and, on a loopback URL, put every Region's clusters in ``us-east-1`` (partition ``aws``): a cluster of
``cn-north-1`` had its probe judged against ``aws``'s IAM and S3. The stand-in reads the Region from the request's
signature (``devstack.moto_stack._emr_in_the_signed_region``).
"""

from __future__ import annotations

import json

from devstack.moto_stack import EMR_ACCOUNT, client

CONFIGURATION = json.dumps({"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}})


def test_a_security_configuration_exists_in_its_own_region_only(moto_url: str) -> None:
    ireland = client(moto_url, EMR_ACCOUNT, "emr", "eu-west-1")
    ireland.create_security_configuration(Name="in-ireland", SecurityConfiguration=CONFIGURATION)

    def names(region: str) -> set[str]:
        emr = client(moto_url, EMR_ACCOUNT, "emr", region)
        return {item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]}

    assert names("eu-west-1") == {"in-ireland"}
    assert names("us-east-1") == set()
    assert names("cn-north-1") == set()
