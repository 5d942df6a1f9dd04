"""The cluster's release applies EMRFS role mappings, and its ``s3://`` connector keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import site_property
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    ROLE_MAPPINGS_SINCE,
    S3A_DEFAULT_SINCE,
    parse_release_label,
    release_text,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState


def audit(state: ChainState) -> list[Link]:
    """Check the release label against the first release with role mappings, and the S3A default."""
    if state.release_label is None:
        detail = state.cluster_unreadable or "release label unknown (no cluster given)"
        return [
            Link(
                None,
                "release supports role mappings",
                WARN,
                detail,
                fix="pass release_label or cluster_id to check it",
            )
        ]
    try:
        version = parse_release_label(state.release_label, "release_label")
    except EmrfsXacctError as error:
        return [Link(None, "release supports role mappings", UNKNOWN, str(error))]
    if version < ROLE_MAPPINGS_SINCE:
        return [
            Link(
                None,
                "release supports role mappings",
                FAIL,
                f"{state.release_label} ignores role mappings",
                fix=f"use {release_text(ROLE_MAPPINGS_SINCE)} or later",
            )
        ]
    links = [Link(None, "release supports role mappings", PASS, f"{state.release_label} supports role mappings")]
    if version >= S3A_DEFAULT_SINCE:
        impl = site_property(state, "core-site", "fs.s3.impl")
        if impl == EMRFS_IMPL:
            links.append(
                Link(None, "s3:// connector", PASS, f"{state.release_label} defaults to S3A; fs.s3.impl keeps EMRFS")
            )
        elif state.cluster_configurations is None:
            links.append(
                Link(
                    None,
                    "s3:// connector",
                    WARN,
                    f"{state.release_label} defaults to S3A for s3://; cluster settings unknown",
                    fix="launch with LaunchClusterWithSecConfigOperator (keep_emrfs=True) or pass cluster_id",
                )
            )
        else:
            links.append(
                Link(
                    None,
                    "s3:// connector",
                    PASS,
                    # Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": EMR translates
                    # fs.s3.authorization.roleMapping to fs.s3a.authorization.roleMapping.
                    f"{state.release_label} uses S3A for s3://; EMR translates the EMRFS role mappings to S3A",
                )
            )
    return links
