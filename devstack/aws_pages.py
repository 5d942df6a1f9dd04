"""
Short pages of IAM, EMR, EC2 and KMS, played in the stand-in on demand: :func:`short_pages` (moto answers most lists in one page).

IAM may cut any list short, whatever ``MaxItems`` asks: "IAM might return fewer than the MaxItems number of
results even when there are more results available. We recommend that you check IsTruncated after every
call to ensure that you receive all your results" (IAM API Reference, ``IsTruncated`` of "ListRolePolicies",
"ListAttachedRolePolicies", "ListPolicyVersions", "ListRoleTags", "ListPolicyTags"). moto never truncates
``ListRolePolicies`` or ``ListPolicyVersions`` (no ``Marker`` at all) and the others only at ``MaxItems``
(100 unless asked), so a caller that reads one page passes here and misses items on AWS.

IAM's ``ListPolicies``, ``ListEntitiesForPolicy`` and ``ListRoles`` say the same of ``IsTruncated``; moto cuts them
only at ``MaxItems``.

EMR pages ``ListClusters`` and ``ListSecurityConfigurations`` by ``Marker``: "The pagination token that
indicates the next set of results to retrieve" (Amazon EMR API Reference, "ListClusters",
"ListSecurityConfigurations"); a page holds at most 50 clusters, and moto, or the stand-in's own
``ListSecurityConfigurations``, answers a short list in one.

EC2's ``DescribeRouteTables`` and ``DescribeVpcEndpoints`` answer a ``NextToken`` while more results are
left, also with filters, which EC2 may apply to each page after cutting it (Amazon EC2 API Reference,
"DescribeRouteTables", "DescribeVpcEndpoints": ``NextToken``, "The token to use to retrieve the next
page of results. This value is null when there are no more results to return"; Amazon EC2 Developer
Guide, "Pagination in the Amazon EC2 API"). moto ignores ``MaxResults`` and ``NextToken`` on both, and on
``GetManagedPrefixListEntries``, which pages a prefix list's entries alike ("MaxResults": "To retrieve the remaining
results, make another call with the returned nextToken value", Amazon EC2 API Reference).

KMS pages ``ListGrants``: "Truncated: A flag that indicates whether there are more items in the list. When this
value is true, the list in this response is truncated. To get more items, pass the value of the NextMarker element
in this response to the Marker parameter in a subsequent request" (AWS KMS API Reference, "ListGrants"); moto
answers every grant in one page, ``Truncated`` false.

Inside :func:`short_pages` these calls answer at most ``size`` items a page, with the service's token
(and IAM's ``IsTruncated``) that the next call continues from. Off by default: many tests read the state
with a single call, and AWS would cut those short only past a page.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import moto.iam.models
from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response
from moto.emr.responses import ElasticMapReduceResponse
from moto.iam.responses import IamResponse
from moto.kms.responses import KmsResponse

from devstack import backend_judges

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Items per page while :func:`short_pages` is active (``None``: moto's own paging).
page_size: int | None = None

#: moto's own methods, by name, called by the judges.
_moto: dict[str, Any] = {}


@contextmanager
def short_pages(size: int = 1) -> Iterator[None]:
    """Make the list calls above answer at most ``size`` items a page while the block runs."""
    global page_size
    before, page_size = page_size, size
    try:
        yield
    finally:
        page_size = before


def _capped(max_items: Any) -> Any:
    return max_items if page_size is None else min(int(max_items or 100), page_size)


def _one_page(response: Any, result: ActionResult, key: str, *, token: str = "Marker", limit: str = "") -> ActionResult:
    """
    Cut a one-page answer of moto's to the page the request's ``token`` (an offset) and ``limit`` ask for.

    :param key: the list (or lists, ``|``-separated, cut as one list in that order) the answer pages.
    :param token: the request and answer parameter that carries where the next page starts.
    :param limit: the request parameter capping a page (none: EMR); IAM's ``MaxItems`` also adds ``IsTruncated``.
    """
    if page_size is None:
        return result
    answer = dict(result.result)  # type: ignore[call-overload]
    keys = key.split("|")
    items = [(name, item) for name in keys for item in answer.get(name) or []]
    start = int(response._get_param(token) or 0)
    end = start + (_capped(response._get_param(limit)) if limit else page_size)
    for name in keys:
        answer[name] = [item for owner, item in items[start:end] if owner == name]
    answer.pop(token, None)
    if end < len(items):
        answer[token] = str(end)
    if limit == "MaxItems":
        answer["IsTruncated"] = end < len(items)
    return ActionResult(answer)


def list_role_policies(self: IamResponse) -> ActionResult:
    return _one_page(self, _moto["list_role_policies"](self), "PolicyNames", limit="MaxItems")


def list_policy_versions(self: IamResponse) -> ActionResult:
    return _one_page(self, _moto["list_policy_versions"](self), "Versions", limit="MaxItems")


def list_policies(self: IamResponse) -> ActionResult:
    if page_size is None:
        return _moto["list_policies"](self)
    with _whole_list(self):  # moto cuts at MaxItems and Marker itself: ask it for everything
        everything = _moto["list_policies"](self)
    return _one_page(self, everything, "Policies", limit="MaxItems")


def list_roles(self: IamResponse) -> ActionResult:
    # On the response, not the backend: moto's own ListEntitiesForPolicy lists the backend's roles too.
    if page_size is None:
        return _moto["list_roles"](self)
    with _whole_list(self):
        everything = _moto["list_roles"](self)
    return _one_page(self, everything, "Roles", limit="MaxItems")


def list_entities_for_policy(self: IamResponse) -> ActionResult:
    if page_size is None:
        return _moto["list_entities_for_policy"](self)
    with _whole_list(self):
        everything = _moto["list_entities_for_policy"](self)
    return _one_page(self, everything, "PolicyRoles|PolicyUsers|PolicyGroups", limit="MaxItems")


def list_clusters(self: ElasticMapReduceResponse) -> ActionResult:
    everything = _moto["list_clusters"](self)  # whole: moto pages it (by 50) only when it answers
    return _one_page(self, everything, "Clusters")


def list_security_configurations(self: ElasticMapReduceResponse) -> ActionResult:
    return _one_page(self, _moto["list_security_configurations"](self), "SecurityConfigurations")


def describe_route_tables(self: EC2Response) -> ActionResult:
    return _one_page(self, _moto["describe_route_tables"](self), "RouteTables", token="NextToken", limit="MaxResults")


def describe_vpc_endpoints(self: EC2Response) -> ActionResult:
    return _one_page(self, _moto["describe_vpc_endpoints"](self), "VpcEndpoints", token="NextToken", limit="MaxResults")


def get_managed_prefix_list_entries(self: EC2Response) -> ActionResult:
    return _one_page(
        self, _moto["get_managed_prefix_list_entries"](self), "Entries", token="NextToken", limit="MaxResults"
    )


def list_grants(self: KmsResponse) -> str:
    answer = json.loads(_moto["list_grants"](self))
    if page_size is None:
        return json.dumps(answer)
    grants = answer.get("Grants") or []
    start = int(self._get_param("Marker") or 0)
    limit = self._get_param("Limit")
    end = start + (min(int(limit), page_size) if limit else page_size)
    answer["Grants"] = grants[start:end]
    answer["Truncated"] = end < len(grants)
    answer.pop("NextMarker", None)
    if answer["Truncated"]:
        answer["NextMarker"] = str(end)
    return json.dumps(answer)


@contextmanager
def _whole_list(response: Any) -> Iterator[None]:
    """Let moto see no ``Marker`` and the largest ``MaxItems`` (1,000) while it builds an IAM list."""
    original = response._get_param
    overrides = {"Marker": None, "MaxItems": "1000"}

    def get_param(param_name: str, if_none: Any = None) -> Any:
        if param_name in overrides:
            return overrides[param_name] or if_none
        return original(param_name, if_none)

    response._get_param = get_param
    try:
        yield
    finally:
        del response._get_param


def list_attached_role_policies(self: Any, role_name: str, marker: Any = None, max_items: Any = 100, **kw: Any) -> Any:
    return _moto["list_attached_role_policies"](self, role_name, marker=marker, max_items=_capped(max_items), **kw)


def list_role_tags(self: Any, role_name: str, marker: Any, max_items: Any = 100) -> Any:
    return _moto["list_role_tags"](self, role_name, marker, _capped(max_items))


def list_policy_tags(self: Any, policy_arn: str, marker: Any, max_items: Any = 100) -> Any:
    return _moto["list_policy_tags"](self, policy_arn, marker, _capped(max_items))


_JUDGES: dict[type, tuple[Any, ...]] = {
    IamResponse: (list_role_policies, list_policy_versions, list_policies, list_entities_for_policy, list_roles),
    ElasticMapReduceResponse: (list_clusters, list_security_configurations),
    EC2Response: (describe_route_tables, describe_vpc_endpoints, get_managed_prefix_list_entries),
    KmsResponse: (list_grants,),
    moto.iam.models.IAMBackend: (list_attached_role_policies, list_role_tags, list_policy_tags),
}


def install() -> None:
    """
    Put the judges in front of moto's IAM, EMR, EC2 and KMS (once per process); they change nothing until :func:`short_pages`.

    After ``ListSecurityConfigurations`` is added to moto (``devstack.moto_stack``).
    """
    backend_judges.install(_JUDGES, _moto)
