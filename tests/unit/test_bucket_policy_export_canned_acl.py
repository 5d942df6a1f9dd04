"""
The bucket-policy example DAG asks the EMR role's grant for ``s3:PutObjectAcl`` only when the bucket grant's report
asks EMRFS for the canned ACL (``fs.s3.canned.acl``), not for any other ``emrfs-site`` setting it returns (the
Requester Pays header: S3 User Guide, "Downloading objects from Requester Pays buckets"; AWS Knowledge Center,
"Access Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena").
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import jinja2
import pytest

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "emrfs_xacct_bucket_policy_export.py"


def canned_acl_template() -> str:
    """The ``canned_acl`` argument of the DAG's ``GrantEmrRoleBucketAccessOperator``, as written."""
    for node in ast.walk(ast.parse(DAG_FILE.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "GrantEmrRoleBucketAccessOperator":
            [value] = [keyword.value for keyword in node.keywords if keyword.arg == "canned_acl"]
            assert isinstance(value, ast.Constant)
            return str(value.value)
    raise AssertionError("no GrantEmrRoleBucketAccessOperator in the DAG")


class _TaskInstance:
    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report

    def xcom_pull(self, task_ids: str) -> dict[str, Any]:
        assert task_ids == "grant_bucket_access"
        return self.report


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({}, "False"),
        ({"fs.s3.useRequesterPaysHeader": "true"}, "False"),
        ({"fs.s3.canned.acl": "BucketOwnerFullControl"}, "True"),
        ({"fs.s3.canned.acl": "BucketOwnerFullControl", "fs.s3.useRequesterPaysHeader": "true"}, "True"),
    ],
    ids=["none", "requester-pays-only", "canned-acl", "both"],
)
def test_canned_acl_is_asked_for_by_the_canned_acl_setting_only(properties: dict[str, str], expected: str) -> None:
    report = {"bucket": "partner-results-b", "emrfs_site_properties": properties}

    rendered = jinja2.Environment(autoescape=False).from_string(canned_acl_template()).render(ti=_TaskInstance(report))

    assert rendered == expected
