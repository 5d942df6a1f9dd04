"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct import __version__

#: Where the documentation lives (also the package's ``Documentation`` project URL, which Airflow 3.3
#: and later show in Admin > Providers): the package's own page, whose description is the README
#: (no documentation host exists yet; docs/development.md, "Where the project lives").
DOCUMENTATION_URL = "https://pypi.org/project/airflow-provider-emrfs-xacct/"


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata (name, versions, documentation, hooks, operators)."""
    return {
        "package-name": "airflow-provider-emrfs-xacct",
        "name": "EMRFS cross-account access",
        "description": "Provision cross-account EMRFS access (IAM roles, EMRFS role mappings, KMS key users, "
        "EMR clusters) before a pipeline writes into another AWS account's S3 bucket.",
        "documentation-url": DOCUMENTATION_URL,
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "EMRFS cross-account access",
                "external-doc-url": "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-emrfs-iam-roles.html",
                "tags": ["aws"],
            }
        ],
        "operators": [
            {
                "integration-name": "EMRFS cross-account access",
                "python-modules": [
                    "airflow_provider_emrfs_xacct.operators.iam",
                    "airflow_provider_emrfs_xacct.operators.kms",
                    "airflow_provider_emrfs_xacct.operators.emr",
                    "airflow_provider_emrfs_xacct.operators.s3",
                    "airflow_provider_emrfs_xacct.operators.verify",
                    "airflow_provider_emrfs_xacct.operators.revoke",
                    "airflow_provider_emrfs_xacct.operators.assets",
                ],
            }
        ],
        "hooks": [
            {
                "integration-name": "EMRFS cross-account access",
                "python-modules": [
                    "airflow_provider_emrfs_xacct.hooks.iam",
                    "airflow_provider_emrfs_xacct.hooks.kms",
                    "airflow_provider_emrfs_xacct.hooks.emr",
                    "airflow_provider_emrfs_xacct.hooks.s3",
                ],
            }
        ],
        "extra-links": [
            "airflow_provider_emrfs_xacct.links.console.DestinationRoleLink",
            "airflow_provider_emrfs_xacct.links.console.KmsKeyLink",
            "airflow_provider_emrfs_xacct.links.console.SecurityConfigurationLink",
            "airflow_provider_emrfs_xacct.links.console.DestinationPrefixLink",
        ],
    }
