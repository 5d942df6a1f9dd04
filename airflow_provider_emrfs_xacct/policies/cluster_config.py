"""
What the launch adds to ``RunJobFlow`` arguments: release checks, EMRFS settings, bootstrap actions.

Pure: standard library only. Merges never clobber what the user wrote: a property the user set to
another value, or a bootstrap action of the same name that differs, is a conflict that names the field.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass
from typing import Any

from airflow_provider_emrfs_xacct.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.policies.validation import parse_s3_location, require_str

#: Role mappings in security configurations need this release or later.
ROLE_MAPPINGS_SINCE = (5, 10, 0)
#: From this release on, ``s3://`` goes through S3A instead of EMRFS unless ``fs.s3.impl`` says otherwise.
S3A_DEFAULT_SINCE = (7, 10, 0)
EMRFS_IMPL = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"
#: Where EMRFS loads extra JARs (custom credentials providers) from.
EMRFS_AUXLIB = "/usr/share/aws/emr/emrfs/auxlib/"
CREDENTIALS_PROVIDER_ACTION = "emrfs-xacct-install-credentials-provider"
_RELEASE = re.compile(r"^emr-([0-9]+)\.([0-9]+)\.([0-9]+)$", re.ASCII)
_JAVA_CLASS = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$")


def parse_release_label(value: Any, field: str = "job_flow_overrides.ReleaseLabel") -> tuple[int, int, int]:
    """Return the version of a release label such as ``emr-7.10.0``."""
    value = require_str(value, field)
    match = _RELEASE.fullmatch(value)
    if not match:
        raise InvalidParameterError(field, f"must be an EMR release label such as 'emr-7.5.0', got {value!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def release_text(version: tuple[int, int, int]) -> str:
    return "emr-" + ".".join(str(part) for part in version)


@dataclass(frozen=True)
class CredentialsProvider:
    """A custom EMRFS credentials provider: the JAR's S3 location and the class EMRFS instantiates."""

    jar: str
    class_name: str

    @classmethod
    def parse(cls, value: Any, field: str = "emrfs_credentials_provider") -> CredentialsProvider:
        if not isinstance(value, dict) or set(value) != {"jar", "class_name"}:
            raise InvalidParameterError(field, f"must be a dict with the keys 'jar' and 'class_name', got {value!r}")
        jar = require_str(value["jar"], f"{field}.jar")
        parse_s3_location(jar.rsplit("/", 1)[0] + "/", f"{field}.jar", allow_bucket_root=True)
        if not jar.endswith(".jar"):
            raise InvalidParameterError(f"{field}.jar", f"must be the s3:// location of a .jar file, got {jar!r}")
        class_name = require_str(value["class_name"], f"{field}.class_name")
        if not _JAVA_CLASS.match(class_name):
            raise InvalidParameterError(
                f"{field}.class_name", f"must be a fully qualified Java class name, got {class_name!r}"
            )
        return cls(jar, class_name)

    def bootstrap_action(self) -> dict[str, Any]:
        """The bootstrap action that copies the JAR into EMRFS's auxlib folder on every node."""
        return {
            "Name": CREDENTIALS_PROVIDER_ACTION,
            "ScriptBootstrapAction": {
                "Path": "file:/bin/bash",
                # Quoted: the JAR's name is user input, and this line runs as root on every node.
                "Args": [
                    "-c",
                    f"sudo mkdir -p {EMRFS_AUXLIB} && sudo aws s3 cp {shlex.quote(self.jar)} {EMRFS_AUXLIB}",
                ],
            },
        }


def merge_classification(
    configurations: list[dict[str, Any]], classification: str, properties: dict[str, str], field: str
) -> list[dict[str, Any]]:
    """
    Return ``configurations`` with ``properties`` added to ``classification`` (created if missing).

    A property the user already set to the same value is fine; to another value, a conflict.
    """
    result = copy.deepcopy(configurations)
    for index, configuration in enumerate(result):
        if configuration.get("Classification") != classification:
            continue
        existing = configuration.setdefault("Properties", {})
        if not isinstance(existing, dict):
            raise InvalidParameterError(f"{field}[{index}].Properties", f"must be a dict of strings, got {existing!r}")
        for key, value in properties.items():
            if key in existing and existing[key] != value:
                raise InvalidParameterError(
                    f"{field}[{index}].Properties.{key}",
                    f"is {existing[key]!r}, but cross-account access needs {value!r}",
                )
            existing[key] = value
        return result
    result.append({"Classification": classification, "Properties": dict(properties)})
    return result


def add_bootstrap_action(actions: list[dict[str, Any]], action: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """Return ``actions`` with ``action`` appended, unless an identical one is there; a different one of that name conflicts."""
    for index, existing in enumerate(actions):
        if existing.get("Name") == action["Name"]:
            if existing != action:
                raise InvalidParameterError(
                    f"{field}[{index}]", f"a different bootstrap action is named {action['Name']!r}"
                )
            return copy.deepcopy(actions)
    return [*copy.deepcopy(actions), action]


@dataclass(frozen=True)
class LaunchPlan:
    """The ``RunJobFlow`` arguments to send, and what the log should say about them."""

    overrides: dict[str, Any]
    notes: list[str]


def plan_launch(
    overrides: dict[str, Any],
    *,
    uses_role_mappings: bool = True,
    keep_emrfs: bool = True,
    credentials_provider: CredentialsProvider | None = None,
    emrfs_site_properties: dict[str, str] | None = None,
) -> LaunchPlan:
    """
    Add what cross-account EMRFS needs to ``RunJobFlow`` arguments, checking the release label.

    :param uses_role_mappings: the cluster relies on a security configuration's role mappings
        (refused before 5.10.0).
    :param keep_emrfs: on 7.10.0 and later, set ``fs.s3.impl`` so that ``s3://`` stays on EMRFS
        (where role mappings and custom credentials providers apply). Otherwise S3A is used.
    :param credentials_provider: option (b) of the article: a custom EMRFS credentials provider.
    :param emrfs_site_properties: more ``emrfs-site`` settings, e.g. ``fs.s3.canned.acl``.
    """
    notes: list[str] = []
    result = copy.deepcopy(overrides)
    configurations = result.get("Configurations", [])
    if not isinstance(configurations, list) or not all(isinstance(item, dict) for item in configurations):
        raise InvalidParameterError(
            "job_flow_overrides.Configurations", f"must be a list of classifications, got {configurations!r}"
        )
    actions = result.get("BootstrapActions", [])
    if not isinstance(actions, list) or not all(isinstance(item, dict) for item in actions):
        raise InvalidParameterError(
            "job_flow_overrides.BootstrapActions", f"must be a list of bootstrap actions, got {actions!r}"
        )
    label = result.get("ReleaseLabel")
    version = parse_release_label(label) if label is not None else None
    if version is None:
        notes.append("No ReleaseLabel given: the release (and so the S3 connector) comes from the EMR connection.")
    elif uses_role_mappings and version < ROLE_MAPPINGS_SINCE:
        raise InvalidParameterError(
            "job_flow_overrides.ReleaseLabel",
            f"{label} does not support EMRFS role mappings; they need {release_text(ROLE_MAPPINGS_SINCE)} or later",
        )
    emrfs_site = dict(emrfs_site_properties or {})
    if credentials_provider is not None:
        given = emrfs_site.get("fs.s3.customAWSCredentialsProvider", credentials_provider.class_name)
        if given != credentials_provider.class_name:
            raise InvalidParameterError(
                "emrfs_site_properties.fs.s3.customAWSCredentialsProvider",
                f"is {given!r}, but emrfs_credentials_provider names {credentials_provider.class_name!r}",
            )
        emrfs_site["fs.s3.customAWSCredentialsProvider"] = credentials_provider.class_name
        result["BootstrapActions"] = add_bootstrap_action(
            actions,
            credentials_provider.bootstrap_action(),
            "job_flow_overrides.BootstrapActions",
        )
        notes.append(
            f"EMRFS loads credentials provider {credentials_provider.class_name} from {credentials_provider.jar}."
        )
    if version is not None and version >= S3A_DEFAULT_SINCE:
        if keep_emrfs:
            configurations = merge_classification(
                configurations, "core-site", {"fs.s3.impl": EMRFS_IMPL}, "job_flow_overrides.Configurations"
            )
            notes.append(f"{label} uses S3A for s3:// by default; fs.s3.impl keeps EMRFS, so the role mappings apply.")
        else:
            notes.append(f"{label} uses S3A for s3://; EMR translates the EMRFS settings for it.")
    elif version is not None:
        notes.append(f"{label} uses EMRFS for s3://.")
    if emrfs_site:
        configurations = merge_classification(
            configurations, "emrfs-site", emrfs_site, "job_flow_overrides.Configurations"
        )
    if configurations:
        result["Configurations"] = configurations
    return LaunchPlan(result, notes)
