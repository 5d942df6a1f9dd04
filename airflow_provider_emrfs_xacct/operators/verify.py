"""Operator that proves the cross-account chain works before the job writes."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_provider_emrfs_xacct.exceptions import EmrfsXacctError, InvalidParameterError
from airflow_provider_emrfs_xacct.operators.base import LazyHookClass, LazyHookMixin, default_botocore_config
from airflow_provider_emrfs_xacct.policies.security_config import role_mappings_of
from airflow_provider_emrfs_xacct.policies.validation import (
    parse_s3_location,
    require_list,
    validate_name_prefix,
    validate_role_name,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook  # noqa: F401 (the operator's Generic argument)

#: XCom key of the report (pushed before the task fails on a broken link).
REPORT_XCOM_KEY = "report"


class VerifyCrossAccountAccessOperator(LazyHookMixin, AwsBaseOperator["EmrfsEmrHook"]):
    """
    Check every link of the cross-account EMRFS chain, reading the live documents in both accounts.

    For each role mapping of the security configuration: can the EMR EC2 role assume the destination
    role (its own policies and the trust policy); can the destination role list, read, write and
    delete under the prefix (its policies and the bucket policy, ``Deny`` statements included); can
    it use the bucket's default KMS key; who will own the written objects; does an earlier mapping
    shadow it; does the release support role mappings (and is EMRFS still used for ``s3://`` on
    7.10.0 and later). Logs a table (each link: pass/warn/fail, the deciding statement, the fix),
    pushes the report to XCom under ``report`` and returns it; fails the task when a link is broken.

    :param security_configuration: name of the security configuration. (templated)
    :param destination_aws_conn_id: connection that acts in the destination account. (templated)
    :param emr_ec2_role_name: the EMR EC2 instance-profile role. (templated, default: ``EMR_EC2_DefaultRole``)
    :param cluster_id: a cluster to read the release label and configurations from. (templated)
    :param release_label: the release to check when no cluster is given, e.g. ``emr-7.10.0``. (templated)
    :param s3_prefixes: prefixes to check for ``User``/``Group`` mappings, which name none. (templated)
    :param probe: also write a small object through EMRFS from the cluster (an EMR step; needs
        ``cluster_id``), check from the destination account that it exists with the bucket's
        encryption and owner, and delete it. (default: False)
    :param fail_on_broken: fail the task when a link fails. (default: True)
    :param aws_conn_id: connection that acts in the EMR account.
    :return: the report: ``{"security_configuration", "healthy", "links": [...]}`` (plus ``probe``).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.emr.EmrfsEmrHook")
    template_fields: Sequence[str] = aws_template_fields(
        "security_configuration",
        "destination_aws_conn_id",
        "emr_ec2_role_name",
        "cluster_id",
        "release_label",
        "s3_prefixes",
    )
    ui_color = "#d4f5d9"

    def __init__(
        self,
        *,
        security_configuration: str,
        destination_aws_conn_id: str,
        emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
        cluster_id: str | None = None,
        release_label: str | None = None,
        s3_prefixes: list[str] | str | None = None,
        probe: bool = False,
        fail_on_broken: bool = True,
        botocore_config: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            botocore_config=default_botocore_config() if botocore_config is None else botocore_config, **kwargs
        )
        self.security_configuration = security_configuration
        self.destination_aws_conn_id = destination_aws_conn_id
        self.emr_ec2_role_name = emr_ec2_role_name
        self.cluster_id = cluster_id
        self.release_label = release_label
        self.s3_prefixes = s3_prefixes
        self.probe = probe
        self.fail_on_broken = fail_on_broken

    def execute(self, context: Context) -> dict[str, Any]:
        name = validate_name_prefix(self.security_configuration, "security_configuration", max_length=256)
        role_name = validate_role_name(self.emr_ec2_role_name, "emr_ec2_role_name")
        prefixes = [
            location.uri
            for location in require_list(self.s3_prefixes or [], "s3_prefixes", parse_s3_location, allow_empty=True)
        ]
        if self.probe and not self.cluster_id:
            raise InvalidParameterError("cluster_id", "is needed for probe=True (the probe runs as a step on it)")
        from airflow_provider_emrfs_xacct.verify import verify_chain  # the evaluator: only when the task runs

        emr, destination = self._clients(self.aws_conn_id), self._clients(self.destination_aws_conn_id)
        report = verify_chain(
            emr=emr,
            destination=destination,
            security_configuration=name,
            emr_ec2_role_name=role_name,
            cluster_id=self.cluster_id,
            release_label=self.release_label,
            s3_prefixes=prefixes,
        )
        self.log.info("\n%s", report.table())
        result = report.to_dict()
        if self.probe and report.healthy:
            result["probe"] = self._probe(emr, destination, name)
        if self.do_xcom_push:
            context["ti"].xcom_push(key=REPORT_XCOM_KEY, value=result)
        broken = [link for link in report.links if link.status == "fail"]
        if self.fail_on_broken and broken:
            raise EmrfsXacctError(
                f"{len(broken)} broken link(s) in the cross-account EMRFS chain: "
                + "; ".join(f"{link.link}: {link.detail} (fix: {link.fix})" for link in broken)
            )
        if self.fail_on_broken and not result.get("probe", {}).get("ok", True):
            raise EmrfsXacctError(f"the live probe failed: {result['probe']['problems']}")
        return result

    def _clients(self, conn_id: str | None) -> Any:
        @cache
        def client(service: str) -> Any:
            return AwsBaseHook(
                aws_conn_id=conn_id,
                region_name=self.region_name,
                verify=self.verify,
                config=self.botocore_config,
                client_type=service,
            ).conn

        return client

    def _probe(self, emr: Any, destination: Any, name: str) -> dict[str, Any]:
        from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key, probe_step

        document = self.hook.describe_security_configuration(name)
        mapped = [m["Identifiers"][0] for m in role_mappings_of(document) if m.get("IdentifierType") == "Prefix"]
        results: dict[str, Any] = {"ok": True, "problems": [], "objects": {}}
        for prefix in mapped or list(self.s3_prefixes or []):
            uri = probe_key(prefix)
            step_id = emr("emr").add_job_flow_steps(JobFlowId=self.cluster_id, Steps=[probe_step(uri)])["StepIds"][0]
            self.log.info("Probe step %s writes %s through EMRFS", step_id, uri)
            emr("emr").get_waiter("step_complete").wait(
                ClusterId=self.cluster_id, StepId=step_id, WaiterConfig={"Delay": 15, "MaxAttempts": 80}
            )
            location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
            encryption = _bucket_key(destination("s3"), location.bucket)
            account = destination("sts").get_caller_identity()["Account"]
            outcome = check_probe_object(destination("s3"), uri, expected_key_arn=encryption, owner_account_id=account)
            results["objects"][uri] = outcome
            if not outcome["ok"]:
                results["ok"] = False
                results["problems"].extend(outcome["problems"])
        return results


def _bucket_key(s3: Any, bucket: str) -> str | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except Exception:
        return None
    return rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
