"""The tests' botocore sharing (``devstack/shared_botocore_loader.py``): the same answers, worked out once."""

from __future__ import annotations

import botocore.hooks
import botocore.session

from devstack import shared_botocore_loader


def own_aliaser(aliases: dict[str, str] | None = None) -> botocore.hooks.EventAliaser:
    """An aliaser as botocore builds it, with a table of its own."""
    aliaser = botocore.hooks.EventAliaser.__new__(botocore.hooks.EventAliaser)
    shared_botocore_loader.botocore_aliaser_init(aliaser, botocore.hooks.HierarchicalEmitter(), aliases)
    return aliaser


def test_sessions_share_one_table_of_event_names_and_name_each_event_as_botocore_does() -> None:
    first, second = botocore.session.get_session(), botocore.session.get_session()
    shared = first._events._alias_name_cache  # type: ignore[attr-defined]
    assert shared is second._events._alias_name_cache  # type: ignore[attr-defined]
    assert len(shared) > 100  # the events of every handler a session registers
    own = own_aliaser()
    assert {name: own._alias_event_name(name) for name in shared} == dict(shared)
    assert any(name != aliased for name, aliased in shared.items())  # botocore's aliases were applied


def test_an_aliaser_with_other_aliases_keeps_a_table_of_its_own() -> None:
    other = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter(), {"s3": "not-s3"})
    assert other._alias_event_name("before-call.s3.PutObject") == "before-call.not-s3.PutObject"
    session = botocore.session.get_session()
    assert session._events._alias_event_name("before-call.s3.PutObject") == "before-call.s3.PutObject"  # type: ignore[attr-defined]
