"""
Five things EC2 answers about a VPC that moto does not, played in the stand-in: :func:`install`.

A route's ``State`` (Amazon EC2 API Reference, "Route": "The blackhole state indicates that the route's target
isn't available (for example, the specified gateway isn't attached to the VPC, or the specified NAT instance has
been terminated)"). moto answers ``active`` for every route, whatever became of its target. This judge reads the
target from moto's own models (not the provider's code): a NAT gateway deleted, deleting or failed, an instance
terminated or shutting down, an internet gateway detached from the route table's VPC or deleted, a network
interface deleted, make the route ``blackhole``. A blackhole route carries nothing (the stand-in's network judge,
:mod:`devstack.aws_network`, skips it).

A VPC endpoint's ``DnsOptions`` (Amazon EC2 API Reference, "CreateVpcEndpoint" and "ModifyVpcEndpoint" take a
``DnsOptionsSpecification``; "VpcEndpoint" answers ``DnsOptions``): moto drops them. This judge keeps what the
request gave (``DnsRecordIpType``, ``PrivateDnsOnlyForInboundResolverEndpoint``: "It routes traffic that originates
from the VPC to the gateway endpoint and traffic that originates from on-premises to the interface endpoint",
"DnsOptionsSpecification") on moto's endpoint, where ``DescribeVpcEndpoints`` serves it. What AWS answers when the
request names none is not documented: the endpoint then has none, as in moto.

A managed prefix list the caller's account does not hold (an unknown id, another account's list not shared with it,
or a deleted one): ``GetManagedPrefixListEntries`` and ``DescribeManagedPrefixLists`` by id answer the client error
``InvalidPrefixListID.NotFound`` with "The prefix list ID 'pl-…' does not exist", where moto answers an empty entry
list, or no list: the caller must not take an unread list for an empty one. The message is EC2's as a user reported it
(aws-cloudformation/rain issue 308, a 400 from EC2); the code's row in the Amazon EC2 API Reference, "Error codes for
the Amazon EC2 API", could not be read here, so the code is the form EC2's other ``Invalid<Resource>ID.NotFound``
codes take. The verifier takes any error there as "entries not read", so it does not depend on the code.

S3 Express One Zone's AWS-managed prefix list, ``com.amazonaws.REGION.s3express`` (Amazon VPC User Guide, "AWS-managed
prefix lists", beside ``com.amazonaws.REGION.s3`` and ``.dynamodb``), which moto lacks: without it a gateway endpoint
of ``com.amazonaws.REGION.s3express`` gets no route (moto routes a gateway endpoint to the list of its service's
name), where AWS routes "traffic destined for the service to the gateway endpoint using the prefix list for the
service" (AWS PrivateLink Guide, "Gateway endpoints"; S3 Express One Zone takes gateway endpoints: Amazon S3 User Guide,
"Networking for directory buckets"). Its entry is the stand-in's own
(:data:`S3EXPRESS_RANGES`, apart from moto's S3 and DynamoDB ranges), as moto's lists' are; AWS publishes the real
ones in the list itself.

A new VPC's DHCP option set: AWS associates the Region's default DHCP option set, whose ``domain-name-servers`` is
``AmazonProvidedDNS`` (Amazon VPC User Guide, "DHCP option set concepts",
https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html: "Each Region has a default DHCP option
set. Each VPC uses the default DHCP option set for its Region unless you either create and associate a custom DHCP
option set with the VPC or configure the VPC with no DHCP option set"), where moto associates none (``DhcpOptionsId``
``default``, which AWS answers only for a VPC configured with no option set). This judge makes that set once per
account and Region (``domain-name`` as AWS's: ``ec2.internal`` in us-east-1, else ``REGION.compute.internal``) and
associates it with each VPC ``CreateVpc`` makes; ``AssociateDhcpOptions`` changes it as in moto.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.managed_prefixes import ManagedPrefixListBackend
from moto.ec2.models.route_tables import Route
from moto.ec2.models.vpcs import VPCBackend
from moto.ec2.responses import EC2Response
from moto.ec2.responses.vpcs import VPCs

from devstack import backend_judges

#: The states of a NAT gateway that is no target any more (Amazon EC2 API Reference, "NatGateway", ``State``).
NAT_GATEWAY_GONE = ("deleting", "deleted", "failed")
#: The states of an instance that is no target any more ("Route": "the specified NAT instance has been terminated").
INSTANCE_GONE = ("shutting-down", "terminated")
BLACKHOLE, ACTIVE = "blackhole", "active"
#: The stand-in's entries of ``com.amazonaws.REGION.s3express`` (public, apart from moto's S3 and DynamoDB ranges).
S3EXPRESS_RANGES = ("18.97.0.0/16",)

#: moto's own methods (or the judges installed before this one), by name.
_moto: dict[str, Any] = {}


def route_state(route: Any) -> str:
    """``blackhole`` when the route's target is not available (see the module), else ``active``."""
    if route.local:
        return ACTIVE
    table = route.route_table
    backend = table.ec2_backend
    if route.nat_gateway is not None and route.nat_gateway.state in NAT_GATEWAY_GONE:
        return BLACKHOLE
    if route.instance is not None and route.instance._state.name in INSTANCE_GONE:
        return BLACKHOLE
    gateway = route.gateway
    if gateway is not None and str(gateway.id).startswith("igw-"):
        vpc = getattr(gateway, "vpc", None)
        if gateway.id not in backend.internet_gateways or vpc is None or vpc.id != table.vpc_id:
            return BLACKHOLE
    if route.interface is not None and route.interface.id not in backend.enis:
        return BLACKHOLE
    return ACTIVE


def _dns_options(specification: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``DnsOptions`` a ``DnsOptionsSpecification`` of the request makes (query strings: ``"true"``)."""
    if not specification:
        return None
    options: dict[str, Any] = {}
    if specification.get("DnsRecordIpType"):
        options["DnsRecordIpType"] = str(specification["DnsRecordIpType"])
    flag = specification.get("PrivateDnsOnlyForInboundResolverEndpoint")
    if flag is not None:
        options["PrivateDnsOnlyForInboundResolverEndpoint"] = str(flag).lower() == "true"
    return options


def create_vpc_endpoint(self: Any) -> Any:
    answer = _moto["create_vpc_endpoint"](self)
    options = _dns_options(self._get_param("DnsOptions"))
    if options is not None:
        endpoint = answer.result["VpcEndpoint"]
        endpoint.dns_options = options
    return answer


def modify_vpc_endpoint(self: Any) -> Any:
    answer = _moto["modify_vpc_endpoint"](self)
    options = _dns_options(self._get_param("DnsOptions"))
    if options is not None:
        endpoint = self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0]
        endpoint.dns_options = {**(getattr(endpoint, "dns_options", None) or {}), **options}
    return answer


class PrefixListNotFound(EC2ClientError):
    """EC2's answer for a prefix list id the caller's account does not hold (see the module)."""

    def __init__(self, prefix_list_id: str) -> None:
        super().__init__("InvalidPrefixListID.NotFound", f"The prefix list ID '{prefix_list_id}' does not exist")


def _held(backend: Any, prefix_list_id: str) -> None:
    """Raise :class:`PrefixListNotFound` unless the caller's account (its Region's backend) holds the list."""
    listed = backend.managed_prefix_lists.get(prefix_list_id)
    if listed is None or str(getattr(listed, "state", "")) == "delete-complete":
        raise PrefixListNotFound(prefix_list_id)


def get_managed_prefix_list_entries(self: Any) -> Any:
    _held(self.ec2_backend, str(self._get_param("PrefixListId")))
    return _moto["get_managed_prefix_list_entries"](self)


def describe_managed_prefix_lists(self: Any) -> Any:
    for prefix_list_id in self._get_param("PrefixListIds", []) or []:
        _held(self.ec2_backend, str(prefix_list_id))
    return _moto["describe_managed_prefix_lists"](self)


def create_default_pls(self: Any) -> None:
    """moto's AWS-managed prefix lists, and S3 Express One Zone's (see the module)."""
    _moto["create_default_pls"](self)
    self._create_aws_managed_prefix_list(
        name=f"com.amazonaws.{self.region_name}.s3express",
        address_family="IPv4",
        entries=[{"Cidr": cidr, "Description": "default"} for cidr in S3EXPRESS_RANGES],
    )


def create_vpc(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's VPC, with the Region's default DHCP option set associated, as AWS's (see the module)."""
    vpc = _moto["create_vpc"](self, *args, **kwargs)
    sets = getattr(self, "dhcp_options_sets", None)
    if sets is None:  # the backend is still being made (its default VPC): no option sets yet
        return vpc
    default = getattr(self, "_region_default_dhcp_options", None)
    if default is None or default.id not in sets:
        domain = "ec2.internal" if self.region_name == "us-east-1" else f"{self.region_name}.compute.internal"
        default = self.create_dhcp_options(domain_name_servers=["AmazonProvidedDNS"], domain_name=[domain])
        self._region_default_dhcp_options = default
    self.associate_dhcp_options(default, vpc)
    return vpc


#: The prefix-list judges stand in front of ``EC2Response``, where the paging judge (``devstack/aws_pages.py``) stands
#: too: on ``VPCs`` that one would call moto's own method past them.
_JUDGES: dict[type, tuple[Any, ...]] = {
    VPCs: (create_vpc_endpoint, modify_vpc_endpoint),
    EC2Response: (get_managed_prefix_list_entries, describe_managed_prefix_lists),
    ManagedPrefixListBackend: (create_default_pls,),
    VPCBackend: (create_vpc,),
}


def install() -> None:
    """Answer routes' states, keep endpoints' DNS options, refuse unknown prefix lists, hold S3 Express One Zone's
    prefix list, give new VPCs the Region's default DHCP option set (once per process)."""
    backend_judges.install(_JUDGES, _moto)
    if not getattr(Route.__dict__["state"].fget, "judged", False):
        route_state.judged = True  # type: ignore[attr-defined]
        Route.state = property(route_state)  # type: ignore[assignment,method-assign]
