"""
Every request recorder marks a read that may create something alike (``devstack.fault_proxy.recorded_name``).

AWS KMS API Reference, "DescribeKey", ``KeyId``: "If you specify a predefined AWS alias (an AWS alias with no key ID),
KMS associates the alias with an AWS managed key"; "To specify a KMS key, use its key ID, key ARN, alias name, or alias
ARN". So ``DescribeKey`` on ``alias/aws/s3``, by name or by alias ARN, may change the account; on a key id, a key ARN
or a customer alias it only reads. The in-process recorder (``CallRecorder``), moto's request recorder
(``record_moto_requests``) and the fault proxy (``FaultProxy.requests``) must all say so, since tests prove "no
mutating call" with each (``devstack.testing.may_change``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, REGION, Seeded, client
from devstack.testing import CREATES_AWS_MANAGED_KEY, CallRecorder, may_change, record_moto_requests, recorded_name

if TYPE_CHECKING:
    from pathlib import Path

MARKED = "DescribeKey" + CREATES_AWS_MANAGED_KEY
AWS_S3_ALIAS_ARN = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:alias/aws/s3"
CUSTOMER_ALIAS = "alias/partner-recorders"


def _described(aws: Seeded, url: str | None = None) -> tuple[Any, list[str]]:
    """A KMS client of the destination account (through ``url``, else moto) and the key ids to describe, in order."""
    kms = client(url or aws.url, DESTINATION_ACCOUNT, "kms")
    key = client(aws.url, DESTINATION_ACCOUNT, "kms").create_key()["KeyMetadata"]
    client(aws.url, DESTINATION_ACCOUNT, "kms").create_alias(AliasName=CUSTOMER_ALIAS, TargetKeyId=key["KeyId"])
    return kms, ["alias/aws/s3", AWS_S3_ALIAS_ARN, key["KeyId"], key["Arn"], CUSTOMER_ALIAS]


#: What every recorder must keep for the key ids of :func:`_described`, in that order.
EXPECTED = [MARKED, MARKED, "DescribeKey", "DescribeKey", "DescribeKey"]


def _describe_each(kms: Any, key_ids: list[str]) -> list[dict[str, Any]]:
    return [kms.describe_key(KeyId=key_id)["KeyMetadata"] for key_id in key_ids]


@pytest.mark.parametrize(
    ("operation", "params", "changes"),
    [
        ("DescribeKey", {"KeyId": "alias/aws/s3"}, True),
        ("DescribeKey", {"KeyId": AWS_S3_ALIAS_ARN}, True),
        ("DescribeKey", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}, False),
        ("DescribeKey", {"KeyId": f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/1234abcd"}, False),
        ("DescribeKey", {"KeyId": CUSTOMER_ALIAS}, False),
        ("DescribeKey", {"KeyId": f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:{CUSTOMER_ALIAS}"}, False),
        ("DescribeKey", {"KeyId": "alias/awsome"}, False),  # only alias/aws/ is reserved
        ("DescribeKey", None, False),
        # GetKeyPolicy takes a key ID or key ARN only (AWS KMS API Reference, "GetKeyPolicy", KeyId): a plain read.
        ("GetKeyPolicy", {"KeyId": "alias/aws/s3"}, False),
        # Not reads by name: counted as changes, marked or not.
        ("GenerateDataKey", {"KeyId": "alias/aws/s3"}, True),
        ("Encrypt", {"KeyId": AWS_S3_ALIAS_ARN}, True),
    ],
)
def test_recorded_name_marks_describe_key_on_a_predefined_alias_by_name_or_alias_arn(
    operation: str, params: dict[str, str] | None, changes: bool
) -> None:
    assert may_change(recorded_name(operation, params)) is changes


def test_the_in_process_recorder_marks_describe_key_on_alias_aws_s3_and_its_arn(aws: Seeded) -> None:
    kms, key_ids = _described(aws)
    attached = CallRecorder().attach(kms)
    with CallRecorder().everything() as everything:
        _describe_each(kms, key_ids)

    assert everything.calls == EXPECTED
    assert attached.calls == EXPECTED
    assert everything.mutating == [MARKED, MARKED]
    assert everything.reads == ["DescribeKey"] * 3


def test_the_moto_request_recorder_marks_describe_key_on_alias_aws_s3_and_its_arn(aws: Seeded, tmp_path: Path) -> None:
    kms, key_ids = _described(aws)
    with record_moto_requests(tmp_path) as served:
        _describe_each(kms, key_ids)

    assert [name for name in served.operations if name.startswith("DescribeKey")] == EXPECTED
    assert served.mutating() == [MARKED, MARKED]


def test_the_fault_proxy_marks_a_real_describe_key_on_alias_aws_s3_and_its_arn(aws: Seeded) -> None:
    """The proxy reads a JSON request's body to name it, and still forwards it as sent (the answers are moto's)."""
    direct, key_ids = _described(aws)
    seen: list[str] = []

    def watch(operation: str) -> None:
        seen.append(operation)

    with FaultProxy(aws.url, intercept=watch) as proxy:
        kms = client(proxy.url, DESTINATION_ACCOUNT, "kms")
        through = _describe_each(kms, key_ids)

    assert through == _describe_each(direct, key_ids)
    described = Counter({name: count for name, count in proxy.requests.items() if name.startswith("DescribeKey")})
    assert described == Counter({MARKED: 2, "DescribeKey": 3})
    assert [name for name in proxy.requests if may_change(name) and name.startswith("Describe")] == [MARKED]
    assert [name for name in seen if name.startswith("Describe")] == ["DescribeKey"] * 5  # intercept: the API's name
