"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct import __version__

#: Where the documentation lives (also the package's ``Documentation`` project URL, which Airflow 3.3
#: and later show in Admin > Providers): the package's own page, whose description is the README
#: (no documentation host exists yet; docs/development.md, "Where the project lives").
DOCUMENTATION_URL = "https://pypi.org/project/airflow-provider-emrfs-xacct/"


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata (name, versions, documentation, hooks, operators, configuration)."""
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
                    "airflow_provider_emrfs_xacct.hooks.generic",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "EMRFS cross-account access",
                "python-modules": ["airflow_provider_emrfs_xacct.triggers"],
            }
        ],
        "config": {
            "emrfs_xacct": {
                "description": "Settings of the EMRFS cross-account access provider.",
                "options": {
                    "deployment_name": {
                        "description": "A name of this Airflow deployment that no other deployment launching "
                        "clusters in the same EMR account and Region uses (``production``, ``staging``). A "
                        "cluster's idempotency key (tag ``emrfs-xacct:idempotency-key``), by which a retried "
                        "launch, the teardown and ``on_kill`` find it, is made of the task instance and this "
                        "name; unset, of the task instance and the DAG run's start date, which a cleared "
                        "finished run sets anew: its launch then no longer finds a cluster of the run before "
                        "the clear. Set it in every component that runs tasks (the workers), and change it "
                        "only while no launch of the deployment is between its first try and its teardown.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "production",
                        "default": "",
                    },
                    "settle_seconds": {
                        "description": "How long an operator that writes a document other runs may write too "
                        "(a key policy, the EMR EC2 role's policies, the destination role's trust and inline policy, "
                        "a bucket policy) waits after its write before reading the document back to confirm its "
                        "change held, when the task is given no ``settle_seconds`` of its own (the task's argument "
                        "and ``default_args`` win over it). A decimal number of seconds from 0 to 10**9 (``0.5``, "
                        "``2``); any other value fails every provisioning task given no ``settle_seconds``, before "
                        "any change. Concurrent writers lose no change while reads lag behind writes by less than "
                        "about a quarter of it: raise it where reads lag longer. 0 waits for nothing, which suits only a "
                        "stand-in whose reads never lag (the provider's own tests run so).",
                        "version_added": "0.1.0",
                        "type": "float",
                        "example": "2.0",
                        "default": "1.0",
                    },
                },
            }
        },
        "extra-links": [
            "airflow_provider_emrfs_xacct.links.console.DestinationRoleLink",
            "airflow_provider_emrfs_xacct.links.console.KmsKeyLink",
            "airflow_provider_emrfs_xacct.links.console.SecurityConfigurationLink",
            "airflow_provider_emrfs_xacct.links.console.DestinationPrefixLink",
            "airflow_provider_emrfs_xacct.links.console.EmrEc2RoleLink",
        ],
    }
