"""
IAM's short pages, played in the stand-in on demand: :func:`short_pages` (moto answers every list in one page).

IAM may cut any list short, whatever ``MaxItems`` asks: "IAM might return fewer than the MaxItems number of
results even when there are more results available. We recommend that you check IsTruncated after every
call to ensure that you receive all your results" (IAM API Reference, ``IsTruncated`` of "ListRolePolicies",
"ListAttachedRolePolicies", "ListPolicyVersions", "ListRoleTags", "ListPolicyTags"). moto never truncates
``ListRolePolicies`` or ``ListPolicyVersions`` (no ``Marker`` at all) and the others only at ``MaxItems``
(100 unless asked), so a caller that reads one page passes here and misses items on AWS.

Inside :func:`short_pages` these five calls answer at most ``size`` items a page, with ``IsTruncated`` and
a ``Marker`` that the next call continues from, as IAM does. Off by default: many tests read the state
with a single call, and AWS would cut those short only past a page.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import moto.iam.models
from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

from devstack import backend_judges

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Items per page while :func:`short_pages` is active (``None``: moto's own paging).
page_size: int | None = None

#: moto's own methods, by name, called by the judges.
_moto: dict[str, Any] = {}


@contextmanager
def short_pages(size: int = 1) -> Iterator[None]:
    """Make IAM's list calls (above) answer at most ``size`` items a page while the block runs."""
    global page_size
    before, page_size = page_size, size
    try:
        yield
    finally:
        page_size = before


def _capped(max_items: Any) -> Any:
    return max_items if page_size is None else min(int(max_items or 100), page_size)


def _one_page(response: IamResponse, result: ActionResult, key: str) -> ActionResult:
    """Cut a one-page answer of moto's to the page the request's ``Marker`` (an offset) and ``MaxItems`` ask for."""
    if page_size is None:
        return result
    answer = dict(result.result)  # type: ignore[call-overload]
    items = list(answer[key])
    start = int(response._get_param("Marker") or 0)
    end = start + _capped(response._get_param("MaxItems"))
    answer[key], answer["IsTruncated"] = items[start:end], end < len(items)
    answer.pop("Marker", None)
    if end < len(items):
        answer["Marker"] = str(end)
    return ActionResult(answer)


def list_role_policies(self: IamResponse) -> ActionResult:
    return _one_page(self, _moto["list_role_policies"](self), "PolicyNames")


def list_policy_versions(self: IamResponse) -> ActionResult:
    return _one_page(self, _moto["list_policy_versions"](self), "Versions")


def list_attached_role_policies(self: Any, role_name: str, marker: Any = None, max_items: Any = 100, **kw: Any) -> Any:
    return _moto["list_attached_role_policies"](self, role_name, marker=marker, max_items=_capped(max_items), **kw)


def list_role_tags(self: Any, role_name: str, marker: Any, max_items: Any = 100) -> Any:
    return _moto["list_role_tags"](self, role_name, marker, _capped(max_items))


def list_policy_tags(self: Any, policy_arn: str, marker: Any, max_items: Any = 100) -> Any:
    return _moto["list_policy_tags"](self, policy_arn, marker, _capped(max_items))


_JUDGES: dict[type, tuple[Any, ...]] = {
    IamResponse: (list_role_policies, list_policy_versions),
    moto.iam.models.IAMBackend: (list_attached_role_policies, list_role_tags, list_policy_tags),
}


def install() -> None:
    """Put the judges in front of moto's IAM (once per process); they change nothing until :func:`short_pages`."""
    backend_judges.install(_JUDGES, _moto)
