"""
``emrfs-xacct``: plan, apply, verify or revoke one partner's cross-account EMRFS access from a laptop.

The partner is described in a YAML or JSON file (see ``examples/partner.yaml``); the two accounts
are reached through AWS profiles (``--emr-profile``, ``--destination-profile``) or the environment.
It runs the very operators the DAGs use, outside Airflow, so what it plans is what a DAG would do.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from airflow_provider_emrfs_xacct.exceptions import EmrfsXacctError

EMR_CONN = "emrfs_xacct_cli_emr"
DESTINATION_CONN = "emrfs_xacct_cli_destination"
#: What a partner file must hold, by section (the values are validated by the operators).
REQUIRED_KEYS = {
    "emr": ("account_id",),
    "destination": ("account_id", "role_name", "s3_prefixes"),
    "security_configuration": ("name_prefix",),
}


def load_partner(path: Path) -> dict[str, Any]:
    """Read a partner file (YAML or JSON) and check its shape."""
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise EmrfsXacctError(f"{path}: cannot read the partner file ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise EmrfsXacctError(f"{path}: not valid YAML or JSON: {error}") from None
    if not isinstance(document, dict):
        raise EmrfsXacctError(f"{path}: must hold a mapping with 'emr', 'destination' and 'security_configuration'")
    for section, keys in REQUIRED_KEYS.items():
        if not isinstance(document.get(section), dict):
            raise EmrfsXacctError(f"{path}: section {section!r} is missing or not a mapping")
        for key in keys:
            if document[section].get(key) in (None, "", []):
                raise EmrfsXacctError(f"{path}: {section}.{key} is missing")
    return document


def _connection(profile: str | None, region: str | None, endpoint_url: str | None, role_arn: str | None) -> str:
    extra: dict[str, Any] = {}
    if profile:
        extra["profile_name"] = profile
    if region:
        extra["region_name"] = region
    if role_arn:
        extra["role_arn"] = role_arn
    if endpoint_url:
        extra["endpoint_url"] = endpoint_url
        extra["service_config"] = {"sts": {"endpoint_url": endpoint_url}}
    return json.dumps({"conn_type": "aws", "extra": extra})


def configure_connections(args: argparse.Namespace) -> None:
    """Define the two connections the operators use, from the command line's profiles."""
    os.environ[f"AIRFLOW_CONN_{EMR_CONN.upper()}"] = _connection(
        args.emr_profile, args.region, args.endpoint_url, args.emr_role_arn
    )
    os.environ[f"AIRFLOW_CONN_{DESTINATION_CONN.upper()}"] = _connection(
        args.destination_profile, args.region, args.endpoint_url, args.destination_role_arn
    )


def provisioning_operators(partner: dict[str, Any], *, dry_run: bool) -> list[Any]:
    """The chain's provisioning operators for one partner (no cluster launch)."""
    from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
    from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
    from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator

    emr, destination, configuration = partner["emr"], partner["destination"], partner["security_configuration"]
    common: dict[str, Any] = {"dry_run": dry_run, "do_xcom_push": False}
    role_arn = destination_role_arn(partner)
    operators: list[Any] = [
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN,
            role_name=destination["role_name"],
            trusted_role_arns=[emr_role_arn(partner)],
            s3_prefixes=destination["s3_prefixes"],
            kms_key_arns=destination.get("kms_key_arns"),
            **common,
        ),
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN,
            emr_ec2_role_name=emr.get("ec2_role_name", "EMR_EC2_DefaultRole"),
            destination_role_arns=[role_arn],
            **common,
        ),
    ]
    operators += [
        GrantKmsKeyUserOperator(
            task_id=f"grant_kms_key_user_{index}",
            aws_conn_id=DESTINATION_CONN,
            key_arn=key_arn,
            principal_arns=[role_arn],
            **common,
        )
        for index, key_arn in enumerate(destination.get("kms_key_arns") or [])
    ]
    operators.append(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN,
            name_prefix=configuration["name_prefix"],
            role_mappings=configuration.get("role_mappings")
            or [{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": destination["s3_prefixes"]}],
            base_configuration=configuration.get("base_configuration"),
            **common,
        )
    )
    return operators


def emr_role_arn(partner: dict[str, Any]) -> str:
    emr = partner["emr"]
    return f"arn:aws:iam::{emr['account_id']}:role/{emr.get('ec2_role_name', 'EMR_EC2_DefaultRole')}"


def destination_role_arn(partner: dict[str, Any]) -> str:
    destination = partner["destination"]
    return f"arn:aws:iam::{destination['account_id']}:role/{destination['role_name']}"


def run(args: argparse.Namespace) -> int:
    partner = load_partner(Path(args.partner_file))
    configure_connections(args)
    if args.command in ("plan", "apply"):
        results = {}
        for operator in provisioning_operators(partner, dry_run=args.command == "plan"):
            results[operator.task_id] = operator.execute({})
        print(json.dumps(results, indent=2, default=str))
        return 0
    if args.command == "verify":
        from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

        verifier = VerifyCrossAccountAccessOperator(
            task_id="verify",
            aws_conn_id=EMR_CONN,
            destination_aws_conn_id=DESTINATION_CONN,
            security_configuration=args.security_configuration or _current_configuration(partner),
            emr_ec2_role_name=partner["emr"].get("ec2_role_name", "EMR_EC2_DefaultRole"),
            release_label=partner["emr"].get("release_label"),
            cluster_id=args.cluster_id,
            fail_on_broken=False,
            do_xcom_push=False,
        )
        report = verifier.execute({})
        print(json.dumps(report, indent=2, default=str))
        return 0 if report["healthy"] else 1
    from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator

    revoker = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN,
        destination_aws_conn_id=DESTINATION_CONN,
        destination_role_arn=destination_role_arn(partner),
        emr_ec2_role_name=partner["emr"].get("ec2_role_name", "EMR_EC2_DefaultRole"),
        kms_key_arns=partner["destination"].get("kms_key_arns"),
        security_configuration=args.security_configuration,
        name_prefix=partner["security_configuration"]["name_prefix"],
        delete_destination_role=args.delete_role,
        dry_run=args.dry_run,
        do_xcom_push=False,
    )
    print(json.dumps(revoker.execute({}), indent=2, default=str))
    return 0


def _current_configuration(partner: dict[str, Any]) -> str:
    """The name the partner's security configuration has (content-named, so computed, not looked up)."""
    from airflow_provider_emrfs_xacct.policies.security_config import (
        build_security_configuration,
        security_configuration_name,
        validate_role_mappings,
    )

    configuration, destination = partner["security_configuration"], partner["destination"]
    mappings = configuration.get("role_mappings") or [
        {"Role": destination_role_arn(partner), "IdentifierType": "Prefix", "Identifiers": destination["s3_prefixes"]}
    ]
    document = build_security_configuration(validate_role_mappings(mappings), configuration.get("base_configuration"))
    return security_configuration_name(configuration["name_prefix"], document)


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="emrfs-xacct", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    result.add_argument("command", choices=["plan", "apply", "verify", "revoke"])
    result.add_argument("partner_file", help="YAML or JSON file describing the partner")
    result.add_argument("--emr-profile", help="AWS profile acting in the EMR account")
    result.add_argument("--destination-profile", help="AWS profile acting in the destination account")
    result.add_argument("--emr-role-arn", help="role to assume in the EMR account (on top of the profile)")
    result.add_argument("--destination-role-arn", help="role to assume in the destination account")
    result.add_argument("--region", help="AWS region (default: the profile's)")
    result.add_argument("--endpoint-url", help="AWS endpoint override, e.g. a local moto server")
    result.add_argument("--security-configuration", help="verify/revoke: the configuration's name (default: computed)")
    result.add_argument("--cluster-id", help="verify: read the release and settings from this cluster")
    result.add_argument(
        "--delete-role", action="store_true", help="revoke: also delete the destination role if the provider created it"
    )
    result.add_argument("--dry-run", action="store_true", help="revoke: only print the plan")
    return result


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except EmrfsXacctError as error:
        print(f"emrfs-xacct: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
