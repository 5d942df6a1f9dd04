"""
The whole state of both accounts of the local AWS stand-in, read back from moto and normalised.

A refused input, a dry run or a retry must leave what it did not mean to change as it was: tests take
a :func:`snapshot` before and after and compare. It reads, in both accounts, every IAM role (path,
description, session duration, tags, permissions boundary, attached policies one entry each, inline
policies, trust policy by statement), the instance profiles, every customer managed policy (``Scope=Local``:
path, description, tags, its versions' ids and which is the default, what it is attached to, and its
default version's document by statement; a spill policy leaked or half written shows), every KMS key's
metadata and policy (by statement), every bucket's encryption, ownership controls and policy, every
security configuration and every cluster. Policies are compared by meaning (a one-element list and its
string are the same; order does not matter), and what differs between two seedings (the key's random id,
cluster ids) is replaced by placeholders. Managed policies are named by ARN (account, path and name:
the same in every seeding) and versions by id (``v1``, ``v2`` … in the order made, never reused: IAM
User Guide, "Versioning IAM policies"), so they need no placeholder; their random ``PolicyId`` and dates
are not read.

It uses its own botocore clients: call it outside any block that records calls (``CallRecorder``),
or its reads are recorded too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, Seeded

ACCOUNTS = (EMR_ACCOUNT, DESTINATION_ACCOUNT)
CLUSTER_ID = re.compile(r"\bj-[0-9A-Z]+\b")

#: One botocore session for the test's own clients: it parses each service model once, not per client.
_SESSION = botocore.session.get_session()
_STS: dict[str, Any] = {}


def client(url: str, account: str, service: str) -> Any:
    """A client acting in ``account`` (as ``devstack.moto_stack.client``, but cheap to create)."""
    if url not in _STS:
        _STS[url] = _SESSION.create_client(
            "sts", endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
    credentials = _STS[url].assume_role(RoleArn=f"arn:aws:iam::{account}:role/test-reader", RoleSessionName="test")[
        "Credentials"
    ]
    return _SESSION.create_client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def normalize(value: Any) -> Any:
    """Policy elements by meaning: a one-element list and its string are the same; order does not matter."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in ("Action", "NotAction", "Resource", "NotResource") and isinstance(item, str):
                item = [item]
            if key in ("Principal", "NotPrincipal") and isinstance(item, dict):
                item = {kind: sorted(ids) if isinstance(ids, list) else [ids] for kind, ids in item.items()}
            result[key] = normalize(item)
        return result
    if isinstance(value, list):
        return sorted((normalize(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


def statements(path: str, document: Any) -> dict[str, Any]:
    """Split a policy document into one entry per statement (by Sid, or by content when it has none)."""
    document = json.loads(document) if isinstance(document, str) else document
    entries = {f"{path}/document": normalize({k: v for k, v in document.items() if k != "Statement"})}
    for statement in document.get("Statement", []):
        statement = normalize(statement)
        entries[f"{path}/statement/{statement.get('Sid') or json.dumps(statement, sort_keys=True)}"] = statement
    return entries


def iam_state(iam: Any, account: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        path = f"{account}/iam/role/{name}"
        detail = iam.get_role(RoleName=name)["Role"]
        state[path] = {
            "Path": detail["Path"],
            "Description": detail.get("Description"),
            "MaxSessionDuration": detail.get("MaxSessionDuration"),
            "Tags": normalize(detail.get("Tags", [])),
            "PermissionsBoundary": detail.get("PermissionsBoundary"),
        }
        # One entry per attachment: a test can own the attachment of its policy without owning the role.
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page["AttachedPolicies"]:
                state[f"{path}/attached/{attached['PolicyArn']}"] = attached["PolicyName"]
        state.update(statements(f"{path}/trust", detail["AssumeRolePolicyDocument"]))
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            state[f"{path}/inline/{policy}"] = normalize(
                json.loads(document) if isinstance(document, str) else document
            )
    for profile in iam.list_instance_profiles()["InstanceProfiles"]:
        state[f"{account}/iam/instance-profile/{profile['InstanceProfileName']}"] = sorted(
            role["RoleName"] for role in profile["Roles"]
        )
    state.update(managed_policy_state(iam, account))
    return state


def managed_policy_state(iam: Any, account: str) -> dict[str, Any]:
    """
    Every customer managed policy of the account (``ListPolicies`` with ``Scope=Local``, every page).

    Per policy: path, description, tags, its versions (ids) and the default one, the users, groups and
    roles it is attached to (``ListEntitiesForPolicy``), and its default version's document by statement,
    under ``<account>/iam/policy<path><name>``.
    """
    state: dict[str, Any] = {}
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for policy in page["Policies"]:
            arn = policy["Arn"]
            path = f"{account}/iam/policy{policy['Path']}{policy['PolicyName']}"
            detail = iam.get_policy(PolicyArn=arn)["Policy"]
            versions = [
                version
                for versions_page in iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn)
                for version in versions_page["Versions"]
            ]
            entities: list[str] = []
            for entities_page in iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn):
                entities += [f"role/{item['RoleName']}" for item in entities_page.get("PolicyRoles", [])]
                entities += [f"user/{item['UserName']}" for item in entities_page.get("PolicyUsers", [])]
                entities += [f"group/{item['GroupName']}" for item in entities_page.get("PolicyGroups", [])]
            tags = [
                tag
                for tags_page in iam.get_paginator("list_policy_tags").paginate(PolicyArn=arn)
                for tag in tags_page["Tags"]
            ]
            default = detail["DefaultVersionId"]
            state[path] = {
                "Arn": arn,
                "Description": detail.get("Description"),
                "Tags": normalize(tags),
                "DefaultVersionId": default,
                "Versions": sorted((version["VersionId"] for version in versions), key=_version_number),
                "AttachedTo": sorted(entities),
            }
            document = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]["Document"]
            state.update(statements(f"{path}/default", document))
    return state


def _version_number(version_id: str) -> tuple[int, str]:
    """``v10`` after ``v9``."""
    number = re.match(r"v(\d+)", version_id)
    return (int(number.group(1)) if number else 0, version_id)


def kms_state(kms: Any, account: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        path = f"{account}/kms/key/{key['KeyId']}"
        state[path] = {name: metadata[name] for name in ("Description", "KeyState", "Enabled") if name in metadata}
        state.update(
            statements(f"{path}/policy", kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
        )
    return state


def s3_state(s3: Any, account: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        path = f"{account}/s3/{name}"
        for part, read, field in (
            ("encryption", s3.get_bucket_encryption, "ServerSideEncryptionConfiguration"),
            ("ownership", s3.get_bucket_ownership_controls, "OwnershipControls"),
        ):
            try:
                state[f"{path}/{part}"] = read(Bucket=name)[field]
            except ClientError:
                state[f"{path}/{part}"] = None
        try:
            state.update(statements(f"{path}/policy", s3.get_bucket_policy(Bucket=name)["Policy"]))
        except ClientError:
            state[f"{path}/policy"] = None  # no bucket policy at all
    return state


def emr_state(emr: Any, account: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for page in emr.get_paginator("list_security_configurations").paginate():
        for item in page.get("SecurityConfigurations", []):
            document = emr.describe_security_configuration(Name=item["Name"])["SecurityConfiguration"]
            state[f"{account}/emr/security-configuration/{item['Name']}"] = json.loads(document)
    for summary in emr.list_clusters()["Clusters"]:
        cluster = emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]
        tagged = any(tag["Key"] == IDEMPOTENCY_TAG for tag in cluster.get("Tags", []))
        path = f"{account}/emr/cluster/{'tagged/' + IDEMPOTENCY_TAG if tagged else 'untagged'}/{cluster['Name']}"
        described = {
            "State": cluster["Status"]["State"],
            "ReleaseLabel": cluster.get("ReleaseLabel"),
            "Applications": normalize([app["Name"] for app in cluster.get("Applications", [])]),
            "Tags": normalize(cluster.get("Tags", [])),
            "SecurityConfiguration": cluster.get("SecurityConfiguration"),
            "Configurations": normalize(cluster.get("Configurations", [])),
            "ServiceRole": cluster.get("ServiceRole"),
            "InstanceProfile": cluster.get("Ec2InstanceAttributes", {}).get("IamInstanceProfile"),
            "BootstrapActions": normalize(
                emr.list_bootstrap_actions(ClusterId=summary["Id"]).get("BootstrapActions", [])
            ),
        }
        state.setdefault(path, []).append(described)  # a second cluster shows as a second entry
    return state


class StateReader:
    """Reads :func:`snapshot` again and again with the same clients (valid until moto is reset)."""

    def __init__(self, aws: Seeded) -> None:
        self.aws = aws
        self.clients = {
            (account, service): client(aws.url, account, service)
            for account in ACCOUNTS
            for service in ("iam", "kms", "s3", "emr")
        }

    def snapshot(self) -> dict[str, Any]:
        state: dict[str, Any] = {}
        for account in ACCOUNTS:
            state.update(iam_state(self.clients[account, "iam"], account))
            state.update(kms_state(self.clients[account, "kms"], account))
            state.update(s3_state(self.clients[account, "s3"], account))
            state.update(emr_state(self.clients[account, "emr"], account))
        return without_ids(state, self.aws)


def snapshot(aws: Seeded) -> dict[str, Any]:
    """Everything in both accounts the operators could touch, normalised, with random ids replaced."""
    return StateReader(aws).snapshot()


def without_ids(value: Any, aws: Seeded) -> Any:
    """Replace what differs between two seedings (the key's random id, cluster ids) by placeholders."""
    key_id = aws.kms_key_arn.rsplit("/", 1)[1]
    text = json.dumps(value, sort_keys=True, default=str).replace(key_id, "<seeded-key-id>")
    return json.loads(CLUSTER_ID.sub("<cluster-id>", text))


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What differs between two snapshots: ``{path: (before, after)}`` (``None`` for absent)."""
    return {
        path: (before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    }


def moto_state() -> dict[str, Any]:
    """
    The stand-in's own records of what the operators could change, read from moto's backends (no HTTP).

    The moto server runs in the test process, so its records can be read directly: an exact fingerprint
    (documents as stored, nothing normalised) that costs a fraction of a :func:`snapshot`, cheap enough
    to take after each of a table's many cases. Tests that use it take a full :func:`snapshot` too.
    """
    state: dict[str, Any] = {}
    for account in ACCOUNTS:
        state.update(_moto_iam(account))
        state.update(_moto_kms(account))
        state.update(_moto_s3(account))
        state.update(_moto_emr(account))
    return state


def _moto_iam(account: str) -> dict[str, Any]:
    from moto.iam.models import iam_backends

    state: dict[str, Any] = {}
    iam = iam_backends[account]["global"]
    for role in iam.roles.values():
        state[f"{account}/iam/role/{role.name}"] = {
            "path": role.path,
            "description": role.description,
            "max_session_duration": role.max_session_duration,
            "trust": role.assume_role_policy_document,
            "inline": dict(role.policies),
            "attached": sorted(role.managed_policies),
            "tags": role.tags,
            "permissions_boundary": role.permissions_boundary_arn,
        }
    for name, profile in iam.instance_profiles.items():
        state[f"{account}/iam/instance-profile/{name}"] = sorted(role.name for role in profile.roles)
    for arn in iam.managed_policies:
        if f":{account}:" in arn:
            policy = iam.managed_policies[arn]
            state[f"{account}/iam/policy/{arn}"] = [(v.version_id, v.document) for v in policy.versions]
    return state


def _moto_kms(account: str) -> dict[str, Any]:
    from moto.kms.models import kms_backends

    if REGION not in kms_backends[account]:
        return {}
    return {
        f"{account}/kms/key/{key.id}": {
            "policy": key.policy,
            "state": key.key_state,
            "enabled": key.enabled,
            "description": key.description,
        }
        for key in kms_backends[account][REGION].keys.values()
    }


def _moto_s3(account: str) -> dict[str, Any]:
    from moto.s3.models import s3_backends

    return {
        f"{account}/s3/{name}": {
            "policy": bucket.policy,
            "ownership": bucket.ownership_rule,
            "encryption": bucket.encryption,
            "public_access_block": repr(bucket.public_access_block),
        }
        for name, bucket in s3_backends[account]["aws"].buckets.items()
    }


def _moto_emr(account: str) -> dict[str, Any]:
    from moto.emr.models import emr_backends

    if REGION not in emr_backends[account]:
        return {}
    emr = emr_backends[account][REGION]
    state: dict[str, Any] = {
        f"{account}/emr/security-configuration/{name}": configuration.security_configuration
        for name, configuration in emr.security_configurations.items()
    }
    for cluster_id, cluster in emr.clusters.items():
        state[f"{account}/emr/cluster/{cluster_id}"] = {
            "name": cluster.name,
            "state": cluster.state,
            "tags": dict(cluster.tags),
            "security_configuration": cluster.security_configuration,
        }
    return state
