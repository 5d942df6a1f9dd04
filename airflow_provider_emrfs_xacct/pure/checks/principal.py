"""A ``User`` or ``Group`` mapping routes a job's writes only if the job runs as that Hadoop user or group."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import PRINCIPAL_LINK, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.security_config import read_mapping

LINK = PRINCIPAL_LINK


def audit(index: int, mapping: Any) -> list[Link]:
    """
    Say, for a ``User`` or ``Group`` mapping, that whom the job runs as is not checked.

    EMRFS matches "Hadoop users and groups that are defined on the cluster", which are "passed to EMRFS in the
    context of the application using it (for example, YARN user impersonation)" (Amazon EMR Management Guide,
    "Configure IAM roles for EMRFS requests to Amazon S3"). Which Hadoop user a job runs as is the job's own
    setting, and AWS does not document it for an EMR step (the live probe is one) or for Spark on YARN, so the
    links of such a mapping are judged as if its user or group sent the writes: not checked. Nor is it documented
    whether EMRFS compares a Kerberos principal (``user@REALM``) in full or by its short name.
    """
    read = read_mapping(mapping)
    kind, identifiers = read.kind, read.identifiers
    if kind not in ("User", "Group"):
        return []
    names = ", ".join(repr(value) for value in identifiers)
    who = f"as Hadoop user {names}" if kind == "User" else f"as a member of Hadoop group {names}"
    kerberos = [value for value in identifiers if "@" in value]
    if kerberos:
        # A Kerberos principal: Hadoop knows a user by the full principal and by its short name (its
        # hadoop.security.auth_to_local rules); which one EMRFS compares is not documented.
        who += (
            f" ({', '.join(repr(value) for value in kerberos)} a Kerberos principal: whether EMRFS compares the full "
            "principal or its short name is not documented)"
        )
    return [
        Link(
            index,
            LINK,
            UNKNOWN,
            f"EMRFS gives mapping {index}'s role only to writes of a job that runs {who} (the Hadoop user passed to "
            "EMRFS, e.g. through YARN user impersonation); whom the job runs as is not seen here, and AWS does not "
            "document which user an EMR step or Spark on YARN runs as: the links below assume it",
            fix="run the job as that user (a proxy user through YARN impersonation), or map the job's output prefix "
            "with a Prefix mapping, which does not depend on the user",
        )
    ]
