"""
Whether an active cluster a retried launch finds under its idempotency key was launched with the arguments it asks for.

A retried launch returns the cluster its task instance launched already (``hooks.emr.find_launched_cluster``). A
cluster keeps what it was launched with: a retry whose instance profile, service role, release or configurations
changed since would otherwise be handed the old cluster, with the old access. Compared here is what
``DescribeCluster`` shows of ``RunJobFlow``'s arguments (Amazon EMR API Reference, "DescribeCluster", "Cluster",
"Ec2InstanceAttributes"):

- ``JobFlowRole``, as ``Ec2InstanceAttributes.IamInstanceProfile`` ("The IAM role that was specified when the cluster
  was launched. The Amazon EC2 instances of the cluster assume this role."), and ``ServiceRole`` ("The IAM role that
  Amazon EMR assumes in order to access Amazon Web Services resources on your behalf"): by name, the last part of an
  ARN, since either may be given as one (``RunJobFlow``: "If you've created a custom service role path, you must
  specify it for the service role"). A name names one of them in an account whatever its path: "IAM user, group,
  role, and policy names must be unique within the account. Names are not distinguished by case" (IAM API Reference,
  "CreateRole", ``RoleName``), so a service role's name is compared without its case; an instance profile is read by
  its name alone (IAM API Reference, "GetInstanceProfile", ``InstanceProfileName``; no path), and its name is compared
  as written (that IAM does not tell its names by case is not documented);
- ``ReleaseLabel``, as given;
- ``Configurations`` ("The list of configurations that are supplied to the Amazon EMR cluster"), with what the launch
  adds to them (``emrfs-site`` properties, ``fs.s3.impl`` of ``keep_emrfs``, the credentials provider's class):
  property by property under each classification. ``DescribeCluster`` shows them in plaintext, and a property whose
  key carries the ``EMR.secret@`` annotation without it, with the secret's ARN as its value (Amazon EMR Release
  Guide, "Store sensitive configuration data in AWS Secrets Manager"): a key is compared without the annotation.

An argument the cluster does not show (or the launch does not give) is not compared; neither are the bootstrap actions
(the credentials provider's JAR: ``DescribeCluster`` does not show them, and the class it names is a property).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The prefix of a configuration property's key whose value is a Secrets Manager ARN (Amazon EMR Release Guide,
#: "Store sensitive configuration data in AWS Secrets Manager"); ``DescribeCluster`` shows the key without it.
SECRET_ANNOTATION = "EMR.secret@"


def property_name(key: object) -> str:
    """
    The name of the property a ``Configurations`` key sets, as EMR sends it to the cluster: the key without the
    :data:`SECRET_ANNOTATION`. EMR "retrieves this secret when it sends configuration data to the cluster" (the key's
    value, a Secrets Manager ARN, is replaced by the secret) and "doesn't send the annotation" (Amazon EMR Release
    Guide, "Store sensitive configuration data in AWS Secrets Manager"): ``EMR.secret@fs.s3.impl`` sets ``fs.s3.impl``.
    Every check of a property's name reads it through this (``cluster_config``).
    """
    return str(key).removeprefix(SECRET_ANNOTATION)


def shows_secret(value: object) -> bool:
    """
    Whether a property's value, as ``DescribeCluster`` shows it, is a Secrets Manager secret's ARN
    (``arn:PARTITION:secretsmanager:...``): what it shows of a key given with the :data:`SECRET_ANNOTATION`, whose
    annotation it leaves out, while the cluster got the secret's value (same guide), which the verifier does not read.
    """
    return isinstance(value, str) and re.match(r"arn:aws[\w-]*:secretsmanager:", value) is not None


def is_secret(key: object) -> bool:
    """Whether a ``Configurations`` key carries the :data:`SECRET_ANNOTATION`: the cluster gets a secret's value, not its own."""
    return property_name(key) != str(key)


@dataclass(frozen=True)
class Difference:
    """
    One ``RunJobFlow`` argument an active cluster was launched with otherwise than a launch asks for.

    :param field: the argument (``JobFlowRole``, ``Configurations``).
    :param detail: how it differs, for a message; a configuration property's values are not shown (a password).
    """

    field: str
    detail: str


def launch_differences(launch: Mapping[str, Any], cluster: Mapping[str, Any]) -> list[Difference]:
    """
    Return how ``cluster`` (``DescribeCluster``'s ``Cluster``) differs from the ``RunJobFlow`` arguments ``launch``.

    The security configuration aside (compared by the caller, naming both configurations).
    """
    attributes = cluster.get("Ec2InstanceAttributes") or {}
    differences = [
        Difference(field, f"{shown!r} on the cluster, {asked!r} asked for")
        for field, shown, asked, same in (
            ("JobFlowRole", attributes.get("IamInstanceProfile"), launch.get("JobFlowRole"), _same_profile),
            ("ServiceRole", cluster.get("ServiceRole"), launch.get("ServiceRole"), _same_role),
            ("ReleaseLabel", cluster.get("ReleaseLabel"), launch.get("ReleaseLabel"), str.__eq__),
        )
        if isinstance(shown, str) and isinstance(asked, str) and not same(shown, asked)
    ]
    if "Configurations" in cluster:
        differences.extend(_configuration_differences(cluster.get("Configurations"), launch.get("Configurations")))
    return differences


def _name(name_or_arn: str) -> str:
    """The name of an IAM role or instance profile given by name or ARN (``...:role/path/name``)."""
    return name_or_arn.rsplit("/", 1)[-1]


def _same_profile(shown: str, asked: str) -> bool:
    """Whether two instance profile names or ARNs name one profile."""
    return _name(shown) == _name(asked)


def _same_role(shown: str, asked: str) -> bool:
    """Whether two role names or ARNs name one role (IAM does not tell role names by case)."""
    return _name(shown).casefold() == _name(asked).casefold()


def _configuration_differences(shown: Any, asked: Any) -> list[Difference]:
    """The properties set on one side only, or to other values, each named by its classifications and key."""
    launched, wanted = _properties(shown), _properties(asked)
    differences = []
    for place in sorted({*launched, *wanted}):
        on_cluster, in_launch = launched.get(place), wanted.get(place)
        if on_cluster == in_launch:
            continue
        classifications, key = place
        if on_cluster is None:
            how = "not set on the cluster, set by the launch"
        elif in_launch is None:
            how = "set on the cluster, not by the launch"
        else:
            how = "set to another value on the cluster than by the launch"
        differences.append(Difference("Configurations", f"{' > '.join(classifications)} property {key!r}: {how}"))
    return differences


def _properties(configurations: Any, path: tuple[str, ...] = ()) -> dict[tuple[tuple[str, ...], str], set[str]]:
    """Every property of ``Configurations`` (nested ones under their parents' classifications): its values by place."""
    found: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for item in configurations if isinstance(configurations, list) else []:
        if not isinstance(item, Mapping):
            continue
        here = (*path, str(item.get("Classification")))
        properties = item.get("Properties")
        for key, value in properties.items() if isinstance(properties, Mapping) else ():
            found.setdefault((here, property_name(key)), set()).add(str(value))
        for place, values in _properties(item.get("Configurations"), here).items():
            found.setdefault(place, set()).update(values)
    return found
