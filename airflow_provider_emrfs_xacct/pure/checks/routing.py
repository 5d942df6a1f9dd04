"""Which role EMRFS sends a request as: the first role mapping that matches, else the EC2 instance profile role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY, ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.requests import WRITE_REQUESTS, expand_key
from airflow_provider_emrfs_xacct.pure.security_config import ReadMapping, read_mapping
from airflow_provider_emrfs_xacct.pure.validation import S3Location, account_of_arn

if TYPE_CHECKING:
    from collections.abc import Iterator


def route(mappings: list[Any], uri: str, checking: int | None) -> int | None:
    """
    Return the index of the mapping EMRFS uses for ``uri`` (``None``: the EC2 instance profile role).

    Mappings apply top-down, the first match wins; a ``Prefix`` identifier matches as a plain string
    prefix of ``s3://bucket/key``: the EMR page ("Configure IAM roles for EMRFS requests to Amazon S3") calls it
    an "Amazon S3 prefix", and S3 defines a prefix as "a string of characters at the beginning of the object key
    name" (Amazon S3 User Guide, "Organizing objects using prefixes"; "prefixes are not directories"). EMRFS's
    matching code is not published: the live probe's write under the prefix settles it. A string prefix that ends
    inside the bucket's name (``s3://b`` for ``s3://b2/k``) is no match here, only a maybe (:func:`prefix_matches`).
    ``User``/``Group`` mappings are taken to match only when they are the mapping being
    checked (``checking``): the job is assumed to run as that user or group (a "not checked" link says so:
    ``checks/principal.py``). An identifier not of the page's ``s3://bucket/prefix`` form matches here only as that
    plain string; whether EMRFS matches it otherwise is :func:`may_match_otherwise`'s question.
    """
    for index, mapping in enumerate(mappings):
        read = read_mapping(mapping)
        kind = read.kind
        if kind == "Prefix" and any(prefix_matches(identifier, uri) for identifier in read.identifiers):
            return index
        if kind in ("User", "Group") and index == checking:
            return index
    return None


def probe_routes(mappings: list[Any], uris: list[str]) -> dict[str, int | None]:
    """
    The mapping each live probe write goes through: the first ``Prefix`` mapping that routes its URI.

    ``None`` where that is not known: a ``User``/``Group`` mapping comes first, and which Hadoop user an EMR step
    runs as is not documented (``checks/cluster.py`` :func:`~.cluster.probe_blocker`), so that mapping may take
    the write; a mapping that could not be read comes first (:func:`unread_before`), or one whose identifier EMRFS
    may match otherwise (:func:`doubtful_before`); the one that routes it matches only with an identifier a URI
    percent-encodes, so the write may go to a later mapping or as the EC2 instance profile role
    (:func:`escaped_route`; not when it goes as the same role either way); or no mapping routes it (it would go as
    the EC2 instance profile role).
    """
    routes: dict[str, int | None] = {}
    for uri in uris:
        index = route(mappings, uri, checking=-1)  # -1: no User/Group mapping is taken to match
        earlier = [read_mapping(mapping) for mapping in mappings[: len(mappings) if index is None else index]]
        unknown = (
            index is None
            or any(mapping.kind in ("User", "Group") for mapping in earlier)
            or bool(unread_before(mappings, index, checking=-1))
            or bool(doubtful_before(mappings, index, uri))
            or bool(escaped_route(mappings, index, uri, checking=-1))  # it may fall to a later mapping, or none
        )
        routes[uri] = None if unknown else index
    return routes


def probe_taker(mappings: list[Any], role: str, location: S3Location) -> str:
    """
    Why the live probe's writes under ``location`` are not known to go as ``role``, naming the mapping that may
    take them; ``""`` when each is known to.

    The probe writes ``PREFIX<probe key>/…`` (``verify.probe_key``) with ``hadoop fs``, whose requests also name the
    keys of that directory (:func:`writes_under`). EMRFS uses the first mapping that matches (Amazon EMR Management
    Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): each of those writes must be routed
    (:func:`probe_routes`: not ``None``) by a mapping naming ``role``, or every mapping that may take it (an earlier
    ``User``/``Group`` mapping, one whose identifier EMRFS may match otherwise, and the one that routes it) names
    ``role`` (the same ARN string): whichever EMRFS uses, it assumes that role (the guide: the mapping's role is the
    one assumed), so the write goes as ``role``, and, its route not known, settles links of no mapping only
    (``findings.still_not_checked``). Where one of another role, or one not read, may take it, the probe could
    write as a role this verification neither judges nor may use.
    """
    directory = S3Location(location.bucket, f"{location.prefix}{PROBE_KEY}/")
    for uri, routed in probe_routes(mappings, writes_under(directory, mappings)).items():
        if (
            routed is not None
            and read_mapping(mappings[routed]).role == role
            and plain_match(read_mapping(mappings[routed]), uri) is not None  # else _may_take names each taker
        ):
            continue
        taker = _taker(mappings, uri, role)
        if taker:
            return taker
    return ""


def _taker(mappings: list[Any], uri: str, role: str) -> str:
    """
    The mapping that may take ``uri``'s write as another role than ``role`` (else why its route is not known); ``""``
    when every mapping that may take it was read and names ``role``, and one of them is known to take it.
    """
    found = list(_may_take(mappings, uri))
    others = [entry for entry in found if entry[2].role != role]
    if others:
        position, why, read = others[0]
        return (
            f"mapping {position} ({read.role or 'a role that could not be read'}) may take the probe's write to "
            f"{uri}: {why}"
        )
    unread = [entry for entry in found if entry[2].problem is not None]
    if found and not unread and route(mappings, uri, checking=-1) is not None:
        # Each possible taker names ``role``: the write goes as ``role`` whichever EMRFS uses, or, where the last
        # one's match holds a URI-escaped character, as the EC2 instance profile role, the cluster's own and no
        # other tenant's: a job's write under the prefix takes the same route, so the probe's outcome is the job's.
        return ""
    if unread:
        found = unread
    if found:
        position, why, _ = found[0]
        return (
            f"which mapping takes the probe's write to {uri} is not known (mapping {position}: {why}), so a "
            "passing probe would settle no mapping's links"
        )
    return f"no mapping is known to route {uri}: EMRFS would send it as the EC2 instance profile role"


def _may_take(mappings: list[Any], uri: str) -> Iterator[tuple[int, str, ReadMapping]]:
    """
    Each mapping that may take ``uri``'s request, with why, up to the first known to take it (:func:`plain_match`:
    one whose matching identifiers all hold a URI-escaped character may not, :func:`uri_escaped`).
    """
    for position, mapping in enumerate(mappings):
        read = read_mapping(mapping)
        if read.problem is not None:
            yield position, f"it could not be read ({read.problem})", read
            continue
        if read.kind in ("User", "Group"):
            yield (
                position,
                f"it names Hadoop {read.kind.lower()}s, and which Hadoop user an EMR step (the probe) runs as is not "
                "documented",
                read,
            )
            continue
        matching = plain_match(read, uri)
        if matching is not None:
            yield position, f"its Prefix identifier {matching!r} matches it", read
            return
        escaped = next((value for value in read.identifiers if prefix_matches(value, uri)), None)
        if read.kind == "Prefix" and escaped is not None:
            yield position, f"its Prefix identifier {escaped!r} is {why_may_match(escaped, uri)}", read
            continue
        doubtful = next((value for value in read.identifiers if may_match_otherwise(value, uri)), None)
        if read.kind == "Prefix" and doubtful is not None:
            yield position, f"its Prefix identifier {doubtful!r} is {why_may_match(doubtful, uri)}", read


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


def prefix_matches(identifier: str, uri: str) -> bool:
    """
    Whether EMRFS is taken to match the ``Prefix`` ``identifier`` for ``uri``: the one rule of :func:`route`, of
    ``security_config.shadowed_by`` and ``requests_taken_over`` (``uri`` there is a later identifier), and of the
    option (a) cluster link.

    ``identifier`` must be a string prefix of ``uri`` that ends at the end of ``uri``'s bucket name or past it.
    The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") says an S3 prefix
    identifier can be "a bucket specifier of any depth" (``s3://amzn-s3-demo-bucket`` or
    ``s3://amzn-s3-demo-bucket/myproject/mydata``), and does not say that ``s3://bucket`` also matches another
    bucket whose name starts with ``bucket`` (``s3://bucket-b/...``): such a match is only a maybe
    (:func:`may_match_otherwise`), never certain. Past the bucket's name the match stays a plain string prefix of
    the key, ending mid-segment or not (``s3://b/exp`` matches ``s3://b/exports/x``): the guide calls the identifier
    an "Amazon S3 prefix", S3 defines a prefix as "a string of characters at the beginning of the object key name"
    (Amazon S3 User Guide, "Organizing objects using prefixes"), and the guide says nothing else of keys.
    """
    rest = uri.partition("://")[2] if "://" in uri else uri
    bucket_end = len(uri) - len(rest) + len(rest.partition("/")[0])
    return uri.startswith(identifier) and len(identifier) >= bucket_end


def ends_inside_bucket(identifier: str, uri: str) -> bool:
    """
    Whether the ``s3://`` ``identifier`` is a string prefix of ``uri`` that ends inside its bucket's name
    (``s3://partner-results`` for ``s3://partner-results-b/x``): a bucket specifier of the guide's form that EMRFS
    may match for another bucket whose name starts with it (:func:`prefix_matches`).
    """
    return identifier.startswith("s3://") and uri.startswith(identifier) and not prefix_matches(identifier, uri)


def why_may_match(identifier: str, uri: str) -> str:
    """Why EMRFS may match ``identifier`` for ``uri`` (:func:`may_match_otherwise`), to follow "the identifier is"."""
    if ends_inside_bucket(identifier, uri):
        bucket = uri.removeprefix("s3://").partition("/")[0]
        return (
            f"a bucket specifier ending inside the name of the bucket {bucket} (the Amazon EMR Management Guide shows "
            "s3://bucket identifiers, not that one matches another bucket whose name starts with it)"
        )
    escaped = uri_escaped(identifier)
    if escaped and _escaped_may_match(identifier, uri):
        return (
            f"holding {escaped}, while the Amazon EMR Management Guide shows plain identifiers only, not whether "
            "EMRFS compares a request's path as written or URI-encoded"
        )
    return "not of the s3://bucket/prefix form the Amazon EMR Management Guide shows"


def may_match_otherwise(identifier: str, uri: str) -> bool:
    """
    Whether EMRFS may match the ``Prefix`` ``identifier`` for ``uri`` (``s3://bucket/key``) though :func:`route` does not.

    The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows ``Prefix``
    identifiers as ``s3://bucket`` or ``s3://bucket/prefix`` only, and documents neither whether EMR accepts another
    form nor how EMRFS matches one (``s3a://``, ``s3n://``, ``S3://``, none; a URI's scheme and host are
    case-insensitive: RFC 3986, 3.1 and 3.2.2). So an identifier of another scheme, or none, may match where its
    rest, compared without regard to case, is a string prefix of ``bucket/key``; an ``s3://`` one naming its bucket
    in another case than ``uri`` may match where its key part is a string prefix of the key ("Object key names are
    case sensitive": Amazon S3 User Guide, "Naming Amazon S3 objects"). A string prefix of ``uri`` that ends inside
    its bucket's name (``s3://partner-results`` for ``s3://partner-results-b/x``), or inside its scheme, may match
    too: the guide shows "a bucket specifier of any depth", and does not say that one matches another bucket whose
    name starts with it (:func:`prefix_matches`). An identifier holding a character a URI percent-encodes
    (:func:`uri_escaped`) may match, even where :func:`route` matches it, wherever it or its ``%XX`` escapes decoded
    is a string prefix of ``uri`` as written or URI-encoded, or it URI-encoded of ``uri`` as written
    (:func:`_escaped_may_match`); and, as any other, where it is of another form that may name ``uri``.
    """
    if uri_escaped(identifier) and _escaped_may_match(identifier, uri):
        return True
    if prefix_matches(identifier, uri):
        return False  # route() matches it: no doubt
    if uri.startswith(identifier):
        return True  # it ends inside the bucket's name (or the scheme): whether EMRFS matches it is not documented
    scheme, separator, rest = identifier.partition("://")
    if not separator:
        scheme, rest = "", identifier
    written = uri.removeprefix("s3://")
    if scheme != "s3":
        return written.lower().startswith(rest.lower())
    bucket, slash, key = rest.partition("/")
    uri_bucket, _, uri_key = written.partition("/")
    if not slash:
        return uri_bucket.lower().startswith(bucket.lower())
    return bucket.lower() == uri_bucket.lower() and uri_key.startswith(key)


#: The characters a URI path holds as written (RFC 3986, 3.3: ``pchar`` is unreserved, sub-delims, ``:`` and ``@``;
#: ``/`` separates segments). java.net.URI's multi-argument constructors always quote ``%`` and quote an ASCII
#: character illegal in the path (a space, ``#``, ``^``...), but "Any other characters are preserved" (its javadoc):
#: a non-ASCII character is kept by ``toString()`` and encoded (UTF-8 ``%XX``) by ``toASCIIString()``. AWS does not
#: say which form EMRFS compares, so both stay a maybe.
URI_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")


def uri_escaped(identifier: str) -> str:
    """
    The first character of ``identifier`` that a URI percent-encodes, named with its escape (``a space (%20 in a
    URI)``); ``""`` when it has none.

    Such a key is a valid S3 key, whose characters "might require special handling" (Amazon S3 User Guide, "Naming
    Amazon S3 objects"); the Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows
    plain ``s3://bucket/prefix`` identifiers only, and does not say whether EMRFS compares one with a request's path
    as written (``partner exports``) or URI-encoded (``partner%20exports``). A plain identifier matches the same keys
    either way (encoding a key changes none of the characters a plain string prefix of it holds), so a key holding
    such characters leaves a plain identifier's match certain.
    """
    character = next((value for value in identifier.removeprefix("s3://") if value not in URI_PLAIN), "")
    if not character:
        return ""
    if character == " ":
        name = "a space"
    elif not character.isascii():
        name = f"the non-ASCII {character!r}"
    else:
        name = repr(character)
    return f"{name} ({quote(character, safe='')} in a URI)"


def _escaped_may_match(identifier: str, uri: str) -> bool:
    """
    Whether EMRFS may match ``identifier``, which holds a character a URI percent-encodes (:func:`uri_escaped`), for
    ``uri``: it as written or with its ``%XX`` escapes decoded, against ``uri`` as written or URI-encoded; or it
    URI-encoded against ``uri`` as written (a key holding ``%20`` itself, ``s3://b/a b`` encoded ``s3://b/a%20b``).
    """
    readings = [(value, written) for value in (identifier, unquote(identifier)) for written in (uri, _encoded(uri))]
    readings.append((_encoded(identifier), uri))
    return any(prefix_matches(value, written) for value, written in readings)


def _encoded(uri: str) -> str:
    """``uri`` with each character a URI path does not hold as written percent-encoded (UTF-8), ``%`` included."""
    return quote(uri, safe="".join(sorted(URI_PLAIN)))


def plain_match(read: ReadMapping, uri: str) -> str | None:
    """The first ``Prefix`` identifier of ``read`` that matches ``uri`` either way, holding no URI-escaped character."""
    if read.kind != "Prefix":
        return None
    return next((value for value in read.identifiers if prefix_matches(value, uri) and not uri_escaped(value)), None)


def plain_route(mappings: list[Any], uri: str) -> int | None:
    """The first ``Prefix`` mapping with an identifier that matches ``uri`` as written or URI-encoded (:func:`plain_match`)."""
    return next((index for index, mapping in enumerate(mappings) if plain_match(read_mapping(mapping), uri)), None)


def escaped_route(mappings: list[Any], routed: int | None, uri: str, checking: int | None = None) -> str:
    """
    Why mapping ``routed`` (:func:`route`) is not known to take ``uri``: each of its identifiers that matches holds a
    character a URI percent-encodes (:func:`uri_escaped`), and if EMRFS compares the path URI-encoded none matches,
    so the request goes to a later mapping or as the EC2 instance profile role; ``""`` when one is plain, or when
    the request goes as the same role either way (:func:`_taken_alike`).
    """
    if routed is None:
        return ""
    read = read_mapping(mappings[routed])
    matching = [value for value in read.identifiers if prefix_matches(value, uri)]
    if not matching or not all(uri_escaped(value) for value in matching):
        return ""
    if _taken_alike(mappings, routed, uri, checking):
        return ""
    return (
        f"mapping {routed}'s Prefix identifier {matching[0]!r} holds {uri_escaped(matching[0])}: the Amazon EMR "
        'Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows plain identifiers only, not '
        "whether EMRFS compares a request's path as written or URI-encoded (the Amazon S3 User Guide, \"Naming Amazon "
        'S3 objects": such characters "might require special handling"), so it may match this key or not, and then '
        "the request goes to a later mapping or as the EC2 instance profile role (a job's write, or the live probe's, "
        "shows which)"
    )


def _taken_alike(mappings: list[Any], routed: int, uri: str, checking: int | None) -> bool:
    """
    Whether the request for ``uri`` goes as mapping ``routed``'s role even if its URI-escaped identifiers do not
    match (:func:`escaped_route`): EMRFS then uses the next mapping that matches (Amazon EMR Management Guide,
    "Configure IAM roles for EMRFS requests to Amazon S3": the first that matches; the EC2 instance profile role only
    when none does), here one known to (none between not read or that may match otherwise, its own match plain)
    naming the same role (the same ARN string, as :func:`_taker` compares them).
    """
    later = routed + 1
    found = route(mappings[later:], uri, None if checking is None else checking - later)
    if found is None:
        return False  # the EC2 instance profile role
    taker = later + found
    between = [entry[0] for entry in unread_before(mappings, taker, checking) + doubtful_before(mappings, taker, uri)]
    read = read_mapping(mappings[taker])
    if any(position > routed for position in between) or (read.kind == "Prefix" and not plain_match(read, uri)):
        return False
    return read.role is not None and read.role == read_mapping(mappings[routed]).role


def doubtful_before(mappings: list[Any], index: int | None, uri: str) -> list[tuple[int, str, ReadMapping]]:
    """
    The ``Prefix`` mappings before ``index`` (all of them for ``None``) with an identifier EMRFS may match for
    ``uri`` though :func:`route` does not (:func:`may_match_otherwise`), each with that identifier.

    EMRFS tries the mappings top-down and uses the first that matches (Amazon EMR Management Guide, "Configure IAM
    roles for EMRFS requests to Amazon S3"): such a mapping may take the request first, so the later mapping's
    role (or the EC2 instance profile role) is not known to be the one used.
    """
    end = len(mappings) if index is None else index
    found = []
    for position, mapping in enumerate(mappings[:end]):
        read = read_mapping(mapping)
        if read.kind != "Prefix":
            continue
        identifier = next((value for value in read.identifiers if may_match_otherwise(value, uri)), None)
        if identifier is not None:
            found.append((position, identifier, read))
    return found


def writes_under(location: S3Location, mappings: list[Any]) -> list[str]:
    """
    URIs standing for every write under ``location`` that a ``Prefix`` identifier of ``mappings`` may match.

    A job writes any key under the prefix, and the write's own requests (``pure/requests.py``) also name the
    directory's keys beside it (``s3://b/p``, ``s3://b/p_$folder$``): those requests' URIs, and for each identifier
    naming a key under the prefix (``s3://b/p/x`` under ``s3://b/p/``; compared without regard to case or scheme,
    as :func:`may_match_otherwise` does) that key, which the job may write. An identifier matches some write under
    the prefix if, and only if, :func:`route` (or :func:`may_match_otherwise`) matches it for one of these.
    """
    uris = [location.uri]
    for call in WRITE_REQUESTS:
        key = None if call.key is None else expand_key(call.key, location.stem)
        if key is not None:
            uris.append(f"s3://{location.bucket}/{key}")
    inside = location.uri.removeprefix("s3://")
    for mapping in mappings:
        read = read_mapping(mapping)
        if read.kind != "Prefix":
            continue
        for identifier in read.identifiers:
            rest = identifier.partition("://")[2] if "://" in identifier else identifier
            if rest.lower().startswith(inside.lower()):
                uris.append(location.uri + rest[len(inside) :])
    return list(dict.fromkeys(uris))


def routed_role(
    state: ChainState, mappings: list[Any], uri: str, checking: int | None
) -> tuple[RoleState | None, str, str]:
    """
    Return the role EMRFS sends ``uri``'s request as, why that role, and why it cannot be checked.

    :return: (the role as read, or ``None`` when it could not be read; "mapping N" or why the EC2
        instance profile role; the problem when the role is ``None``).
    """
    role, why, doubt = routed_writer(state, mappings, uri, checking)
    if role is None or not role.unreadable:
        return role, why, doubt
    if role is state.emr_role:
        return None, why, "sent as the EMR EC2 role, which could not be read"
    return None, why, f"sent as {role.arn} ({why}), which could not be checked (see its links)"


def routed_writer(
    state: ChainState, mappings: list[Any], uri: str, checking: int | None
) -> tuple[RoleState | None, str, str]:
    """
    Return the role EMRFS sends ``uri``'s request as, its policies read or not, why that role, and why which role is
    not known.

    A role not read is its :class:`RoleState` with ``unreadable`` set (a mapping's role not read at all: one built
    from its ARN), which still tells the role's account: the objects' owner where the bucket's ACLs are enabled
    (S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket": with Object writer, the
    account that uploads an object owns it). ``None`` where a mapping before the one that routes ``uri`` may take it
    (:func:`_first_doubt`), or the EMR EC2 role, or the mapping's role's account, is not known.
    """
    routed = route(mappings, uri, checking)
    why = "no mapping matches this key: the EC2 instance profile role" if routed is None else f"mapping {routed}"
    doubt = _first_doubt(mappings, routed, uri, checking)
    if doubt:
        return None, why, doubt
    if routed is None:
        role = state.emr_role
        if isinstance(role, RoleState):
            return role, why, ""
        return None, why, "sent as the EMR EC2 role, which could not be read"
    arn = str(read_mapping(mappings[routed]).role)
    target = state.destination_roles.get(arn)
    if isinstance(target, RoleState) and target.arn == arn:
        return target, why, ""
    if account_of_arn(arn):
        return RoleState(arn, unreadable="not read"), why, ""
    return None, why, f"sent as {arn} ({why}), which could not be checked (see its links)"


def _first_doubt(mappings: list[Any], routed: int | None, uri: str, checking: int | None) -> str:
    """
    Why the mapping ``route`` chose for ``uri`` (``routed``) is not known to be the one EMRFS uses, or ``""``: the
    first mapping that may take the request before it, one not read (:func:`unread_before`) or one whose identifier
    EMRFS may match otherwise (:func:`doubtful_before`); else its own identifier that matches may not
    (:func:`escaped_route`).
    """
    unread = unread_before(mappings, routed, checking)
    doubtful = doubtful_before(mappings, routed, uri)
    if doubtful and not (unread and unread[0][0] < doubtful[0][0]):
        position, identifier, read = doubtful[0]
        return (
            f"mapping {position} comes first with the Prefix identifier {identifier!r}, {why_may_match(identifier, uri)}:"
            " whether EMRFS matches it for this key is not documented, so it may send it as "
            f"{read.role or 'a role that could not be read'} (mapping {position})"
        )
    if unread:
        position, mapping = unread[0]
        return (
            f"mapping {position} comes first and could not be read ({mapping.problem}): EMRFS may send it as that "
            "mapping's role"
        )
    return escaped_route(mappings, routed, uri, checking)
