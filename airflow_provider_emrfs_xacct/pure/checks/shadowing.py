"""No earlier mapping of the same type matches every request a mapping names (it would never apply)."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.routing import doubtful_before, ends_inside_bucket, unread_before
from airflow_provider_emrfs_xacct.pure.merge import names_any
from airflow_provider_emrfs_xacct.pure.security_config import read_mapping, shadowed_by


def audit(index: int, mappings: list[Any]) -> Link:
    """
    Fail the mapping ``index`` when an earlier mapping of its type matches one of its identifiers first.

    An earlier mapping to the same role, in any spelling of its name (:func:`~.merge.identity_key`), is no
    failure: whichever of the two EMRFS picks, the request goes as that role (as :func:`~.cross_type_shadowing`
    reads pairs of different types).

    :param index: the mapping checked.
    :param mappings: all role mappings of the security configuration, in order.
    """
    mapping = read_mapping(mappings[index])
    hits = [
        (shadow, identifier)
        for identifier in mapping.identifiers
        if (shadow := shadowed_by(mappings[:index], mapping.kind, identifier)) is not None
    ]
    same_role = [hit for hit in hits if names_any([read_mapping(mappings[hit[0][0]]).role], [mapping.role])]
    hits = [hit for hit in hits if hit not in same_role]
    unread = unread_before(mappings, index, index)
    if not hits and (mapping.kind is None or unread):
        # An earlier mapping EMRFS may read otherwise than here, or this one's type unread: not known either way.
        what = "its IdentifierType is not read" if mapping.kind is None else f"mapping {unread[0][0]} is not read"
        return Link(
            index, "mapping not shadowed", UNKNOWN, f"{what}: whether an earlier mapping matches first is not known"
        )
    doubts = [] if hits else _doubtful(index, mappings)
    if doubts:
        return _doubt_link(index, *doubts[0])
    if not hits and same_role:
        (earlier_index, earlier_identifier), identifier = min(same_role, key=lambda hit: hit[0][0])
        return Link(
            index,
            "mapping not shadowed",
            PASS,
            f"{identifier} is matched first by mapping {earlier_index} ({earlier_identifier}), which maps to the "
            "same role: the request goes as that role either way",
        )
    if not hits:
        return Link(index, "mapping not shadowed", PASS, "no earlier mapping matches its identifiers first")
    (earlier_index, earlier_identifier), identifier = min(hits, key=lambda hit: hit[0][0])
    return Link(
        index,
        "mapping not shadowed",
        FAIL,
        f"{identifier} is matched first by mapping {earlier_index} ({earlier_identifier})",
        fix="put the narrower mapping first",
    )


def _doubt_link(index: int, earlier_index: int, earlier_identifier: str, identifier: str) -> Link:
    """
    The "not checked" link of mapping ``index`` whose ``identifier`` mapping ``earlier_index`` may match first
    (:func:`_doubtful`): by an identifier of another form than ``s3://bucket/prefix``, or one ending inside the name
    of ``identifier``'s bucket (``s3://b`` before ``s3://b2/p``: ``checks/routing.py`` :func:`prefix_matches`).
    """
    if ends_inside_bucket(earlier_identifier, identifier):
        return Link(
            index,
            "mapping not shadowed",
            UNKNOWN,
            f"mapping {earlier_index} ({earlier_identifier}) may match {identifier} first: a bucket specifier ending "
            "inside the name of this one's bucket, which the Amazon EMR Management Guide does not document to match "
            "another bucket whose name starts with it",
            fix=f"put mapping {index} first, or end mapping {earlier_index}'s identifier with a slash "
            f"({earlier_identifier}/) if it is meant for its own bucket only",
        )
    return Link(
        index,
        "mapping not shadowed",
        UNKNOWN,
        f"mapping {earlier_index} ({earlier_identifier}) may match {identifier} first: an identifier of another "
        "form than s3://bucket/prefix, whose matching AWS does not document",
        fix=f"write mapping {earlier_index}'s identifier as s3://bucket/prefix, with the bucket as S3 names it",
    )


def _doubtful(index: int, mappings: list[Any]) -> list[tuple[int, str, str]]:
    """
    The earlier ``Prefix`` mappings to another role with an identifier of another form than ``s3://bucket/prefix``
    (``s3a://``, ``s3n://``, ``S3://``, a bucket in capitals), or ending inside a bucket's name (``s3://b`` before
    ``s3://b2/p``), that EMRFS may match first for one of mapping
    ``index``'s identifiers (:func:`~.routing.doubtful_before`): each as its index, that identifier and the one of
    ``index`` it may match. The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3")
    shows ``s3://bucket/prefix`` only and says EMRFS uses the first mapping that matches.
    """
    mapping = read_mapping(mappings[index])
    if mapping.kind != "Prefix":
        return []
    found: list[tuple[int, str, str]] = []
    for identifier in mapping.identifiers:
        uri = _as_s3(identifier)
        doubtful = doubtful_before(mappings, index, uri)
        if uri != identifier:  # its own form is not documented either: an earlier s3:// one may match it first too
            doubtful += [
                (earlier, value, read)
                for earlier, read in enumerate(read_mapping(other) for other in mappings[:index])
                if read.kind == "Prefix"
                for value in read.identifiers
                if uri.startswith(value)
            ]
        found.extend(
            (earlier, earlier_identifier, identifier)
            for earlier, earlier_identifier, read in doubtful
            if not names_any([read.role], [mapping.role])  # the same role: the request goes as it either way
        )
    return sorted(found)


def _as_s3(identifier: str) -> str:
    """``identifier`` with the ``s3://`` scheme, the form :func:`~.routing.may_match_otherwise` compares with."""
    scheme, separator, rest = identifier.partition("://")
    return identifier if not separator or scheme == "s3" else f"s3://{rest}"
