"""Which role EMRFS sends a request as: the first role mapping that matches, else the EC2 instance profile role."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.security_config import ReadMapping, read_mapping


def route(mappings: list[Any], uri: str, checking: int | None) -> int | None:
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
        read = read_mapping(mapping)
        kind = read.kind
        if kind == "Prefix" and any(uri.startswith(identifier) for identifier in read.identifiers):
            return index
        if kind in ("User", "Group") and index == checking:
            return index
    return None


def probe_routes(mappings: list[Any], uris: list[str]) -> dict[str, int | None]:
    """
    The mapping each live probe write goes through: the first ``Prefix`` mapping that routes its URI.

    ``None`` where that is not known: a ``User``/``Group`` mapping comes first, and which Hadoop user an EMR step
    runs as is not documented (``checks/cluster.py`` :func:`~.cluster.probe_blocker`), so that mapping may take
    the write; a mapping that could not be read comes first (:func:`unread_before`); or no mapping routes it (it
    would go as the EC2 instance profile role).
    """
    routes: dict[str, int | None] = {}
    for uri in uris:
        index = route(mappings, uri, checking=-1)  # -1: no User/Group mapping is taken to match
        earlier = [read_mapping(mapping) for mapping in mappings[: len(mappings) if index is None else index]]
        unknown = (
            index is None
            or any(mapping.kind in ("User", "Group") for mapping in earlier)
            or bool(unread_before(mappings, index, checking=-1))
        )
        routes[uri] = None if unknown else index
    return routes


def unread_before(mappings: list[Any], index: int | None, checking: int | None) -> list[tuple[int, ReadMapping]]:
    """
    The mappings up to ``index`` (all of them for ``None``) that could not be read, other than ``checking``.

    EMRFS tries the mappings top-down (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to
    Amazon S3"), and how it reads one of another shape than that page's is not documented
    (:func:`~.security_config.read_mapping`): such a mapping may be the one it uses first, so a request routed past
    it is not known to get the later mapping's role. Nor is a request routed *by* such a mapping (``index``
    itself: its ``Identifiers`` given as one string, read here as one identifier) known to take it. The mapping
    checked (``checking``) has its own link saying so.
    """
    end = len(mappings) if index is None else index + 1
    read = [(position, read_mapping(mapping)) for position, mapping in enumerate(mappings[:end])]
    return [(position, mapping) for position, mapping in read if mapping.problem is not None and position != checking]


def routed_role(
    state: ChainState, mappings: list[Any], uri: str, checking: int | None
) -> tuple[RoleState | None, str, str]:
    """
    Return the role EMRFS sends ``uri``'s request as, why that role, and why it cannot be checked.

    :return: (the role as read, or ``None`` when it could not be read; "mapping N" or why the EC2
        instance profile role; the problem when the role is ``None``).
    """
    routed = route(mappings, uri, checking)
    unread = unread_before(mappings, routed, checking)
    if unread:
        position, mapping = unread[0]
        return (
            None,
            "no mapping matches this key: the EC2 instance profile role" if routed is None else f"mapping {routed}",
            f"mapping {position} comes first and could not be read ({mapping.problem}): EMRFS may send it as that "
            "mapping's role",
        )
    if routed is None:
        role = state.emr_role
        why = "no mapping matches this key: the EC2 instance profile role"
        if isinstance(role, RoleState) and not role.unreadable:
            return role, why, ""
        return None, why, "sent as the EMR EC2 role, which could not be read"
    arn = str(read_mapping(mappings[routed]).role)
    target = state.destination_roles.get(arn)
    if isinstance(target, RoleState) and target.arn == arn and not target.unreadable:
        return target, f"mapping {routed}", ""
    return None, f"mapping {routed}", f"sent as {arn} (mapping {routed}), which could not be checked (see its links)"
