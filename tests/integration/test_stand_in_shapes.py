"""
The request-shape judge (``devstack/aws_shapes.py``) in place: a real client's request that breaks its
shape is refused as AWS would refuse it, and reaches nothing; Airflow processes of a test home judge too.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import botocore.exceptions
import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, Seeded, client
from devstack.testing import share_botocore_loader

if TYPE_CHECKING:
    from pathlib import Path

TRUST = EC2_ONLY_TRUST


def test_a_role_name_past_64_characters_is_refused_and_nothing_is_created(aws: Seeded) -> None:
    """IAM API Reference, CreateRole: RoleName "Maximum length of 64"; moto alone creates the role."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    with pytest.raises(botocore.exceptions.ClientError) as refused:
        iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=TRUST)

    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "at 'roleName'" in refused.value.response["Error"]["Message"]
    assert [role["RoleName"] for role in iam.list_roles()["Roles"] if role["RoleName"].startswith("rrr")] == []
    iam.create_role(RoleName="r" * 64, AssumeRolePolicyDocument=TRUST)  # the limit itself is accepted


def test_an_airflow_process_of_a_test_home_judges_its_requests(tmp_path: Path) -> None:
    """Airflow imports ``$AIRFLOW_HOME/config/airflow_local_settings.py``, with ``config`` on ``sys.path``."""
    share_botocore_loader(tmp_path)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import airflow_local_settings, botocore.client; "
        "print(getattr(botocore.client.BaseClient._convert_to_request_dict, 'judges_shapes', False))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "config")], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "True"
