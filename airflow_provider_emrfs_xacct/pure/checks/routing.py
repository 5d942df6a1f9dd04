"""Which role EMRFS sends a request as: the first role mapping that matches, else the EC2 instance profile role."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.security_config import mapping_identifiers


def route(mappings: list[dict[str, Any]], uri: str, checking: int) -> int | None:
    """
    Return the index of the mapping EMRFS uses for ``uri`` (``None``: the EC2 instance profile role).

    Mappings apply top-down, the first match wins; a ``Prefix`` identifier matches as a plain string
    prefix of ``s3://bucket/key``: the EMR page ("Configure IAM roles for EMRFS requests to Amazon S3") calls it
    an "Amazon S3 prefix", and S3 defines a prefix as "a string of characters at the beginning of the object key
    name" (Amazon S3 User Guide, "Organizing objects using prefixes"; "prefixes are not directories"). EMRFS's
    matching code is not published: the live probe's write under the prefix settles it. ``User``/``Group`` mappings are taken to match only when they are the mapping being
    checked (``checking``): the job is assumed to run as that user or group (a "not checked" link says so:
    ``checks/principal.py``).
    """
    for index, mapping in enumerate(mappings):
        kind = mapping.get("IdentifierType")
        identifiers = mapping_identifiers(mapping)
        if kind == "Prefix" and any(uri.startswith(identifier) for identifier in identifiers):
            return index
        if kind in ("User", "Group") and index == checking:
            return index
    return None


def probe_routes(mappings: list[dict[str, Any]], uris: list[str]) -> dict[str, int | None]:
    """
    The mapping each live probe write goes through: the first ``Prefix`` mapping that routes its URI.

    ``None`` where that is not known: a ``User``/``Group`` mapping comes first, and which Hadoop user an EMR step
    runs as is not documented (``checks/cluster.py`` :func:`~.cluster.probe_blocker`), so that mapping may take
    the write; or no mapping routes it (it would go as the EC2 instance profile role).
    """
    routes: dict[str, int | None] = {}
    for uri in uris:
        index = route(mappings, uri, checking=-1)  # -1: no User/Group mapping is taken to match
        earlier = mappings[: len(mappings) if index is None else index]
        unknown = index is None or any(mapping.get("IdentifierType") in ("User", "Group") for mapping in earlier)
        routes[uri] = None if unknown else index
    return routes


def routed_role(
    state: ChainState, mappings: list[dict[str, Any]], uri: str, checking: int
) -> tuple[RoleState | None, str, str]:
    """
    Return the role EMRFS sends ``uri``'s request as, why that role, and why it cannot be checked.

    :return: (the role as read, or ``None`` when it could not be read; "mapping N" or why the EC2
        instance profile role; the problem when the role is ``None``).
    """
    routed = route(mappings, uri, checking)
    if routed is None:
        role = state.emr_role
        why = "no mapping matches this key: the EC2 instance profile role"
        if isinstance(role, RoleState) and not role.unreadable:
            return role, why, ""
        return None, why, "sent as the EMR EC2 role, which could not be read"
    arn = str(mappings[routed].get("Role"))
    target = state.destination_roles.get(arn)
    if isinstance(target, RoleState) and target.arn == arn and not target.unreadable:
        return target, f"mapping {routed}", ""
    return None, f"mapping {routed}", f"sent as {arn} (mapping {routed}), which could not be checked (see its links)"
