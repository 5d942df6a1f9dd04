"""
The local AWS stand-in: a moto server over HTTP on loopback with two accounts, seeded like a real setup.

Account A (the EMR account) has the EMR service role, ``EMR_EC2_DefaultRole`` and its instance
profile. Account B (the destination account) has a bucket whose default encryption is SSE-KMS with
a customer-managed key whose policy already holds admin statements that must survive.

Airflow reaches each account through a connection that assumes a role in it (moto acts in the
account of the assumed role's ARN), the same shape as production.

Both accounts may act in another partition's Region (``seed(url, region)``, ``client(..., region)``,
``airflow_environment(url, region)``: ``cn-north-1`` for ``aws-cn``, ``us-gov-west-1`` for ``aws-us-gov``).

Extensions of moto, applied in the process that runs the server: each Region's EMR apart (moto put every
Region's in ``us-east-1`` on a loopback URL; :func:`_emr_in_the_signed_region`), ``ListSecurityConfigurations``
(moto lacks it), the size and count quotas of IAM and KMS on the documents the provider writes (moto
enforces none of them; :mod:`devstack.aws_quotas`), KMS's, IAM's and S3's refusal of a key, trust or
bucket policy naming a deleted or missing principal (:mod:`devstack.aws_principals`), EMR's refusal of a launch with a security configuration
that does not exist (:mod:`devstack.aws_emr`), S3's bucket owner condition (``ExpectedBucketOwner``,
:mod:`devstack.aws_bucket_owner`), Requester Pays buckets (:mod:`devstack.aws_request_payer`), bucket policy statements applied only to the principals they name (moto applies them to every caller;
:mod:`devstack.aws_policy_principals`), IAM's refusal to delete a managed policy still attached or with other
versions and EMR's to delete a security configuration a cluster not terminated uses (:mod:`devstack.aws_deletes`), a new bucket's default Object Ownership, ``BucketOwnerEnforced`` (moto
made none, an old bucket's ``ObjectWriter``), and S3's refusal to disable ACLs on a bucket whose ACL grants others
(:mod:`devstack.aws_object_ownership`), routes' ``blackhole`` state and VPC endpoints' ``DnsOptions``
(:mod:`devstack.aws_vpc_states`), IAM's short pages on demand (:mod:`devstack.aws_pages`), the AWS
managed keys KMS makes for ``alias/aws/…`` described as AWS's (:mod:`devstack.aws_managed_keys`), and a step
runner (moto has none), with EMR's CancelSteps (moto lacks it; :func:`_cancel_steps`) and the caps on the step
ids of one ``ListSteps`` (10) and one ``CancelSteps`` (256) (:func:`_list_steps_cap`). Steps added
to a cluster complete at once, except the verifier's probe step (``echo emrfs-xacct-probe | hadoop fs -put -f - s3://...``, see
``airflow_provider_emrfs_xacct.verify.probe_step``): the stand-in performs its write as EMRFS on the
cluster would (:func:`devstack.emrfs_writer.put_like_emrfs`: routed by the cluster's live security
configuration, with the cluster's instance-profile role as the instance role, the encryption its
security configuration and ``emrfs-site`` ask for, every request judged
against the live policies) before the step is reported ``COMPLETED``, or ``FAILED`` with the denied
request in its ``FailureDetails`` (EMR API Reference, StepStatus and FailureDetails). So the probe
passes on the stand-in when the chain is right and fails where AWS would refuse the write.

And one saving: moto makes an RSA-2048 private key for every KMS key, symmetric ones included
(``Key.__init__``, ``moto/kms/utils.py`` ``generate_private_key``); here it is made on first use only
(signing and ``GetPublicKey`` use it; a symmetric key never does), which took most of seeding's time.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

import boto3
import botocore.exceptions
import moto.backends
import moto.kms.models
import moto.moto_api._internal.models
import moto.s3.models
from moto.core.responses import ActionResult, BaseResponse
from moto.emr.exceptions import ValidationException
from moto.emr.models import Cluster, Step
from moto.emr.responses import ElasticMapReduceResponse
from moto.iam.responses import IamResponse
from moto.server import ThreadedMotoServer

from devstack import (
    aws_bucket_owner,
    aws_deletes,
    aws_emr,
    aws_key_policy_calls,
    aws_managed_keys,
    aws_object_ownership,
    aws_pages,
    aws_policy_principals,
    aws_principals,
    aws_quotas,
    aws_request_payer,
    aws_role_boundaries,
    aws_s3_actions,
    aws_service_linked_roles,
    aws_sse_kms_keys,
    aws_vpc_states,
)

REGION = "us-east-1"
#: The Region the stand-in acts in for each partition it serves ("ARNs for Amazon Web Services in China": the
#: Beijing Region is cn-north-1; AWS GovCloud (US) User Guide, "Service endpoints": us-gov-west-1).
PARTITION_REGIONS = {"aws": REGION, "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
EMR_ACCOUNT = "111111111111"
DESTINATION_ACCOUNT = "222222222222"
EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: Roles the two Airflow connections assume; moto selects the account from their ARNs.
PROVISIONER_ROLE = "airflow-provisioner"
BUCKET = "partner-results-b"
KEY_ADMIN_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/KeyAdmin"


def partition_of(region: str) -> str:
    """The partition of ``region`` (``cn-`` Regions: ``aws-cn``; ``us-gov-``: ``aws-us-gov``; else ``aws``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def region_of(arn: str) -> str:
    """The Region an ARN's resource is served from here: its own, else its partition's (IAM and S3 ARNs have none)."""
    parts = arn.split(":")
    return parts[3] or PARTITION_REGIONS[parts[1]]


def key_admin_arn(region: str = REGION) -> str:
    """The key administrators' role of the destination account, in ``region``'s partition."""
    return f"arn:{partition_of(region)}:iam::{DESTINATION_ACCOUNT}:role/KeyAdmin"


EMR_EC2_ROLE = "EMR_EC2_DefaultRole"
EMR_SERVICE_ROLE = "EMR_DefaultRole"


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed` created."""

    url: str
    emr_ec2_role_arn: str
    bucket: str
    kms_key_arn: str
    key_policy: dict[str, Any]


#: The verifier's probe step, as ``airflow_provider_emrfs_xacct.verify.probe_step`` writes its command, in
#: the words bash splits it into (its quotes read, its operators words of their own); the last is the URI.
PROBE_WORDS = ["echo", "emrfs-xacct-probe", "|", "hadoop", "fs", "-put", "-f", "-"]
#: The server URL the step runner writes through (set when a :class:`MotoStack` starts).
_step_runner_url: str | None = None
#: While true, probe steps added stay ``PENDING`` (a cluster busy with other steps) until
#: :func:`run_held_probe_steps`; a verifier waiting for them runs out of attempts.
hold_probe_steps = False


def probe_uri(args: list[str]) -> str | None:
    """The S3 location a step's arguments write, when they are the verifier's probe; else ``None``."""
    if len(args) == 3 and args[:2] == ["bash", "-c"]:
        # Split as bash does: quotes read, and ; | & ( ) < > outside quotes separate words of their own.
        lexer = shlex.shlex(args[2], posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:  # an unbalanced quote: bash refuses it too
            return None
        if len(words) == len(PROBE_WORDS) + 1 and words[:-1] == PROBE_WORDS and words[-1].startswith("s3://"):
            return words[-1]
    return None


def hadoop_put_destination(uri: str) -> tuple[str, str | None]:
    """
    Where ``hadoop fs -put -f - URI`` writes, or why it fails: the shell expands its destination as a glob (Apache
    Hadoop "FileSystem Shell": put; CommandWithDestination.getRemoteDestination, PathData.expandAsGlob). ``[``, ``{``,
    ``*`` or ``?`` makes a pattern (Hadoop's ``GlobPattern.set`` marks each a wildcard), which matches no new object:
    PathNotFoundException. A trailing ``\\`` is an illegal pattern; without a match, each ``\\`` escape is removed
    (the write lands at that key). Hadoop's ``Path`` refuses a key segment holding ``:`` as a relative path with a
    scheme. A job's own write (Spark's ``new Path``) globs nothing.
    """
    key = uri.removeprefix("s3://").partition("/")[2]
    if any(char in key for char in "[{*?"):
        return uri, f"put: `{uri}': No such file or directory"
    if key.endswith("\\"):
        return uri, f"put: Illegal file pattern: Missing escaped character for {uri}"
    if ":" in key:
        return uri, f"put: java.net.URISyntaxException: Relative path in absolute URI: {uri}"
    return re.sub(r"\\(.)", r"\1", uri), None


def _instance_role_arn(url: str, cluster: Cluster) -> str:
    """The role of the cluster's instance profile (its ``JobFlowRole``), read from IAM as EC2 would."""
    from devstack.emrfs_writer import _admin

    account, partition = cluster.emr_backend.account_id, partition_of(cluster.emr_backend.region_name)
    try:
        profile = _admin(url, account, "iam", cluster.emr_backend.region_name).get_instance_profile(
            InstanceProfileName=cluster.role
        )
    except botocore.exceptions.ClientError:  # no such profile: the role of the same name
        return f"arn:{partition}:iam::{account}:role/{cluster.role}"
    roles = profile["InstanceProfile"]["Roles"]
    return str(roles[0]["Arn"]) if roles else f"arn:{partition}:iam::{account}:role/{cluster.role}"


def _run_probe(cluster: Cluster, step: Any, uri: str) -> None:
    """Write the probe object as EMRFS on ``cluster`` would; mark ``step`` COMPLETED or FAILED."""
    from devstack import aws_cluster_settings
    from devstack.aws_network import endpoints_on_the_way, kms_unreachable, s3_unreachable, sts_unreachable
    from devstack.emrfs_writer import put_like_emrfs

    url = _step_runner_url
    failure: str | None
    destination, refused = hadoop_put_destination(uri)
    backend = cluster.emr_backend
    bucket = uri.removeprefix("s3://").split("/", 1)[0]
    # The STS endpoint the s3:// connector calls for this bucket's mapped roles (EMRFS's, or S3A's per-bucket one).
    site = aws_cluster_settings.sts_endpoint_site(cluster.release_label, cluster.configurations, bucket)
    unreachable = s3_unreachable(backend.account_id, backend.region_name, cluster.ec2_subnet_id, bucket, cluster.id)
    if refused:  # the shell refused its destination: no request was sent
        failure = refused
    elif url is None:
        failure = "the stand-in's step runner has no server URL (start the server through MotoStack)"
    elif unreachable:  # the write's requests never reach S3 (devstack/aws_network.py)
        failure = unreachable
    else:
        try:
            result = put_like_emrfs(
                url,
                emr_account=cluster.emr_backend.account_id,
                instance_role=_instance_role_arn(url, cluster),
                region=backend.region_name,
                security_configuration=cluster.security_configuration,
                uri=destination,
                body=b"emrfs-xacct-probe\n",
                cluster_id=cluster.id,
                endpoints=endpoints_on_the_way(
                    backend.account_id, backend.region_name, cluster.ec2_subnet_id, bucket, cluster.release_label, site
                ),
                # Judged only where the write assumes a mapped role (the instance profile's credentials call no STS).
                sts_unreachable=sts_unreachable(
                    backend.account_id,
                    backend.region_name,
                    cluster.ec2_subnet_id,
                    cluster.release_label,
                    site,
                    cluster.id,
                ),
                # moto's record of which account holds the bucket: the writer need not guess it from the mappings.
                bucket_account=(dict.get(moto.s3.models.s3_backends.bucket_accounts, bucket) or (None, None))[1],
                # Asked only for EMRFS's own KMS call of a CSE-KMS write, to KMS of the cluster's Region: that call goes
                # from the node (SSE-KMS's calls go from S3, not through the VPC: not judged). No subnet, no way judged.
                kms_unreachable=functools.partial(
                    kms_unreachable,
                    backend.account_id,
                    backend.region_name,
                    cluster.ec2_subnet_id,
                    cluster_id=cluster.id,
                )
                if cluster.ec2_subnet_id
                else None,
            )
            record = result.first_failure
            failure = (
                # The cluster's settings leave whose credentials the write gets unknown, or the stand-in cannot tell
                # whether the subnet reaches STS for a mapped role: nothing was written, and the stand-in cannot say
                # that AWS would have; the step fails rather than claim the write.
                f"the stand-in cannot tell the outcome of this write: {result.unknown}"
                if result.unknown
                else None
                if record is None
                else f"{record.status} {record.operation} {record.uri} as {record.role_arn}: {record.reason}"
            )
        except Exception as error:  # any error fails the step, as a crashed job would
            failure = f"{type(error).__name__}: {error}"
    step.start_date_time = step.creation_date_time
    step.end_date_time = step.creation_date_time
    if failure is None:
        step.state = "COMPLETED"
        return
    step.state = "FAILED"
    step.last_state_change_reason = "Step failed"
    step.failure_details = {"Reason": "The probe's write through EMRFS was refused", "Message": failure}


def _run_at_once(cluster: Cluster, added: list[Any]) -> None:
    """Complete the cluster's steps, run the probe steps just added; hold those while :data:`hold_probe_steps`."""
    for step in added:
        step.held_probe = probe_uri(step.args) if hold_probe_steps else None
    for step in cluster.steps:
        if step.state in ("PENDING", "RUNNING") and not getattr(step, "held_probe", None):
            step.state = "COMPLETED"
    for step in added:
        uri = probe_uri(step.args)
        if uri is not None and not step.held_probe:
            _run_probe(cluster, step, uri)


def _run_steps() -> None:
    original = Cluster.add_steps
    if getattr(original, "runs_steps", False):
        return

    def add_steps(self: Cluster, steps: list[dict[str, Any]]) -> list[Any]:
        added = original(self, steps)
        _run_at_once(self, added)
        self.state = "WAITING"
        return added

    add_steps.runs_steps = True  # type: ignore[attr-defined]
    Cluster.add_steps = add_steps  # type: ignore[method-assign]

    original_status = Step.__dict__["status"].fget
    if getattr(original_status, "has_failure_details", False):
        return

    def status(self: Any) -> dict[str, Any]:
        answer = dict(original_status(self))
        if getattr(self, "failure_details", None):
            answer["FailureDetails"] = self.failure_details
        return answer

    status.has_failure_details = True  # type: ignore[attr-defined]
    status_property = property(status)
    Step.status = status_property  # type: ignore[assignment,method-assign]


def run_held_probe_steps() -> list[str]:
    """
    The cluster gets to its held probe steps: each still ``PENDING`` or ``RUNNING`` writes its object now (a
    cancelled one does not). Returns the URIs written to.
    """
    from moto.emr.models import emr_backends

    ran = []
    for backends in emr_backends.values():
        for backend in backends.values():
            for cluster in backend.clusters.values():
                for step in cluster.steps:
                    uri = getattr(step, "held_probe", None)
                    if uri is not None and step.state in ("PENDING", "RUNNING"):
                        _run_probe(cluster, step, uri)
                        ran.append(uri)
                    step.held_probe = None  # type: ignore[attr-defined]
    return ran


def _no_policy_simulator() -> None:
    """
    IAM's SimulatePrincipalPolicy, which moto lacks, answered as an AWS error: HTTP 501 ``NotImplemented``.

    moto raised ``NotImplementedError`` in the server, which printed a traceback into every demo and answered an
    HTML page botocore cannot parse. The verifier asks the simulator only for a second opinion and goes on
    without it when it is not available (``verify.py``), so the stand-in says plainly that it has none, in IAM's
    error shape (Query protocol ``ErrorResponse``); 501 is not among the statuses botocore retries.
    """
    if "simulate_principal_policy" in vars(IamResponse):
        return

    def simulate_principal_policy(self: IamResponse) -> tuple[str, dict[str, str | int]]:
        body = (
            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
            "<Code>NotImplemented</Code><Message>the local stand-in has no IAM policy simulator</Message></Error>"
            "<RequestId>stand-in</RequestId></ErrorResponse>"
        )
        return body, {"status": 501, "Content-Type": "text/xml"}

    IamResponse.simulate_principal_policy = simulate_principal_policy  # type: ignore[attr-defined]


#: The most step ids EMR takes in one ``ListSteps``: "You can specify a maximum of 10 stepIDs" (Amazon EMR API
#: Reference, "ListSteps"; its ``StepIds`` member: "You can specify a maximum of ten Step IDs"). moto takes any number.
LIST_STEPS_MAX_STEP_IDS = 10
#: The most steps one ``CancelSteps`` request takes: "A maximum of 256 steps are allowed in each CancelSteps request"
#: (Amazon EMR API Reference, "CancelSteps").
CANCEL_STEPS_MAX_STEP_IDS = 256


def _list_steps_cap() -> None:
    """
    EMR's cap on ``ListSteps``' ``StepIds`` (:data:`LIST_STEPS_MAX_STEP_IDS`), which moto lacks: more are refused
    with ``ValidationException`` (the common error of input that fails a service's constraints), as a whole.
    """
    original = ElasticMapReduceResponse.list_steps
    if getattr(original, "caps_step_ids", False):
        return

    def list_steps(self: ElasticMapReduceResponse) -> ActionResult:
        if len(self._get_param("StepIds", [])) > LIST_STEPS_MAX_STEP_IDS:
            raise ValidationException(f"You can specify a maximum of {LIST_STEPS_MAX_STEP_IDS} stepIDs")
        return original(self)

    list_steps.caps_step_ids = True  # type: ignore[attr-defined]
    ElasticMapReduceResponse.list_steps = list_steps  # type: ignore[method-assign]


def _cancel_steps() -> None:
    """
    EMR's CancelSteps, which moto lacks: a ``PENDING`` or ``RUNNING`` step of the cluster is ``CANCELLED``; the
    answer holds ``SUBMITTED`` for it, ``FAILED`` with a reason for any other.

    EMR API Reference, CancelSteps: "Cancels a pending step or steps in a running cluster"; "CancelSteps is
    idempotent but asynchronous; it does not guarantee that a step will be canceled"; "When you use Amazon EMR
    releases 5.28.0 and later, you can cancel steps that are in a PENDING or RUNNING state". CancelStepsInfo:
    ``Status`` ``SUBMITTED`` | ``FAILED``, ``Reason``. Here the cancellation is immediate (one of the outcomes
    the API allows); a step already ended is not changed.
    """
    if hasattr(ElasticMapReduceResponse, "cancel_steps"):
        return

    def cancel_steps(self: ElasticMapReduceResponse) -> ActionResult:
        if len(self._get_param("StepIds", [])) > CANCEL_STEPS_MAX_STEP_IDS:
            raise ValidationException(
                f"A maximum of {CANCEL_STEPS_MAX_STEP_IDS} steps are allowed in each CancelSteps request."
            )
        cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
        steps = {step.id: step for step in cluster.steps}
        answers = []
        for step_id in self._get_param("StepIds", []):
            step = steps.get(step_id)
            if step is not None and step.state in ("PENDING", "RUNNING"):
                step.state = "CANCELLED"
                step.last_state_change_reason = "Cancelled by CancelSteps"  # type: ignore[attr-defined]
                answers.append({"StepId": step_id, "Status": "SUBMITTED"})
            else:
                state = "not found" if step is None else step.state
                answers.append({"StepId": step_id, "Status": "FAILED", "Reason": f"the step is {state}"})
        return ActionResult({"CancelStepsInfoList": answers})

    ElasticMapReduceResponse.cancel_steps = cancel_steps  # type: ignore[attr-defined]


def _list_security_configurations() -> None:
    if hasattr(ElasticMapReduceResponse, "list_security_configurations"):
        return

    def list_security_configurations(self: ElasticMapReduceResponse) -> ActionResult:
        configurations = sorted(self.backend.security_configurations.values(), key=lambda item: item.name)
        return ActionResult({"SecurityConfigurations": configurations})

    ElasticMapReduceResponse.list_security_configurations = list_security_configurations  # type: ignore[attr-defined]


def _emr_in_the_signed_region() -> None:
    """
    Serve each EMR request from the Region it is signed for when its host names none (the stand-in's loopback URL).

    moto's EMR reads the Region from the host name only (``elasticmapreduce.<region>.amazonaws.com``) and falls back
    to ``us-east-1``: over one loopback endpoint every cluster and security configuration, of ``cn-north-1`` or
    ``eu-west-1`` too, would live in ``us-east-1`` (and ``aws``'s partition), unlike the roles, buckets and keys
    they name. A SigV4 signature's credential scope names the Region the request is meant for (AWS General
    Reference, "Signature Version 4": the credential scope is ``date/region/service/aws4_request``), which moto's
    other services already use.
    """
    original = ElasticMapReduceResponse.get_region_from_url
    if getattr(original, "signed_region", False):
        return

    def get_region_from_url(self: ElasticMapReduceResponse, request: Any, full_url: str) -> str:
        if any(regex.search(self.parsed_url.netloc) for regex in ElasticMapReduceResponse.emr_region_regex):
            return original(self, request, full_url)
        return str(BaseResponse.get_region_from_url(self, request, full_url))

    get_region_from_url.signed_region = True  # type: ignore[attr-defined]
    ElasticMapReduceResponse.get_region_from_url = get_region_from_url  # type: ignore[method-assign]


class _PrivateKeyOnFirstUse:
    """Stands for moto's private key of a KMS key; makes it when first used."""

    def __init__(self, key_spec: str, generate: Any) -> None:
        self._key_spec, self._generate, self._key = key_spec, generate, None

    def __getattr__(self, name: str) -> Any:
        if self._key is None:
            self._key = self._generate(self._key_spec)
        return getattr(self._key, name)


def _private_keys_on_first_use() -> None:
    original = moto.kms.models.generate_private_key
    if getattr(original, "on_first_use", False):
        return

    def generate_private_key(key_spec: str) -> Any:
        return _PrivateKeyOnFirstUse(key_spec, original)

    generate_private_key.on_first_use = True  # type: ignore[attr-defined]
    moto.kms.models.generate_private_key = generate_private_key


def _moto_modules_listed_once() -> None:
    """
    List moto's service packages once: its server lists that directory (and stats each entry) for every request, to
    tell a host named after a service (``moto.backends.list_of_moto_modules``), about a tenth of its CPU. The list is
    of moto's installed files, the same for the process's life.
    """
    listed = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: listed


#: The URLs of the moto servers this process serves (:class:`MotoStack`).
_SERVED_HERE: set[str] = set()
#: Role credentials :func:`account_session` got from a moto server of this process, by URL, account, role, Region
#: and session name; emptied whenever such a server resets (its STS forgets what it issued then).
_ROLE_CREDENTIALS: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}


def _role_credentials_until_reset() -> None:
    """Forget :data:`_ROLE_CREDENTIALS` when a moto server of this process resets (``/moto-api/reset``)."""
    original = moto.moto_api._internal.models.MotoAPIBackend.reset
    if getattr(original, "forgets_role_credentials", False):
        return

    def reset(self: Any) -> None:
        _ROLE_CREDENTIALS.clear()
        original(self)

    reset.forgets_role_credentials = True  # type: ignore[attr-defined]
    moto.moto_api._internal.models.MotoAPIBackend.reset = reset  # type: ignore[method-assign]


class MotoStack:
    """A moto server on a free loopback port (or ``host``/``port``), in this process."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        _run_steps()
        _emr_in_the_signed_region()
        _list_security_configurations()
        _cancel_steps()
        _list_steps_cap()
        _no_policy_simulator()
        # The principals' judges first: the quotas' (CreateKey, PutKeyPolicy, CreateRole, UpdateAssumeRolePolicy) then
        # wrap them and count the document as the caller sent it, not as aws_principals re-serialises it to store it
        # (show_as_saved): KMS measures the policy sent (AWS KMS API Reference, "PutKeyPolicy": "The key policy size
        # quota is 32 kilobytes (32768 bytes)"), IAM its characters but whitespace (IAM User Guide, "IAM and AWS STS
        # quotas").
        aws_principals.install()
        aws_quotas.install()
        aws_emr.install()
        aws_request_payer.install()  # before the owner condition, which then wraps it and is judged first
        aws_bucket_owner.install()
        aws_pages.install()
        aws_deletes.install()
        aws_managed_keys.install()
        aws_object_ownership.install()
        aws_policy_principals.install()
        aws_vpc_states.install()
        aws_s3_actions.install()
        aws_sse_kms_keys.install()
        aws_service_linked_roles.install()  # UnmodifiableEntity on a service-linked role's writes
        aws_role_boundaries.install()  # NoSuchEntity for a CreateRole whose boundary does not exist in its account
        # Last, so judged first: KMS authorizes a session's call on a key before anything else of it.
        aws_key_policy_calls.install()
        _private_keys_on_first_use()
        _moto_modules_listed_once()
        _role_credentials_until_reset()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.url = ""

    def start(self) -> MotoStack:
        self._server.start()
        _, port = self._server.get_host_and_port()
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        _SERVED_HERE.add(self.url)
        global _step_runner_url
        _step_runner_url = self.url
        return self

    def stop(self) -> None:
        _SERVED_HERE.discard(self.url)
        self._server.stop()

    def __enter__(self) -> MotoStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def account_session(
    url: str,
    account: str,
    role: str = PROVISIONER_ROLE,
    region: str = REGION,
    session_name: str = aws_key_policy_calls.STAND_IN_SESSION,
) -> boto3.Session:
    """
    Return a boto3 session acting in ``account`` of ``region``'s partition (by assuming ``role`` there through
    moto's STS; moto serves IAM, S3 and STS of each partition apart, by the Region a request is signed for).

    A moto server of this process issues the role's credentials once until it resets (each test resets it and
    builds many clients): moto judges each request by the role's policies as they are then, not as they were
    when the role was assumed. Another ``session_name`` is another role session, with credentials of its own.
    """
    cached = url in _SERVED_HERE
    credentials: dict[str, Any] | None = (
        _ROLE_CREDENTIALS.get((url, account, role, region, session_name)) if cached else None
    )
    if credentials is None:
        sts = boto3.client(
            "sts",
            endpoint_url=url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        role_arn = f"arn:{partition_of(region)}:iam::{account}:role/{role}"
        credentials = dict(sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"])
        if cached:
            _ROLE_CREDENTIALS[(url, account, role, region, session_name)] = credentials
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


#: The AWS services the stand-in serves to the provider, the tests and the demo.
Service = Literal["ec2", "emr", "iam", "kms", "s3", "sts"]


def client(url: str, account: str, service: Service, region: str = REGION) -> Any:
    """Return a boto3 client for ``service`` acting in ``account`` in ``region``."""
    return account_session(url, account, region=region).client(service, endpoint_url=url)


def s3control_on_one_host(params: dict[str, Any], **_: Any) -> None:
    """
    botocore ``before-call`` handler: drop the ``{AccountId}.`` label botocore's endpoint rules put in front of
    the S3 Control host; moto serves S3 Control for every account on its one host (``/v20180820/`` paths).
    """
    scheme, _, rest = params["url"].partition("://")
    label = f"{params['headers'].get('x-amz-account-id', '')}."
    if label != "." and rest.startswith(label):
        params["url"] = f"{scheme}://{rest[len(label) :]}"


def s3control_client(url: str, account: str, region: str = REGION) -> Any:
    """Return an S3 Control client acting in ``account`` (see :func:`s3control_on_one_host`)."""
    control = account_session(url, account, region=region).client("s3control", endpoint_url=url)
    control.meta.events.register("before-call.s3-control", s3control_on_one_host)
    return control


_IAM_PRINCIPAL = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(root|role|user)(/.*)?", re.ASCII)


def create_principals(url: str, *arns: str) -> None:
    """
    Create the roles and users the ARNs name (in their accounts and partitions, with their paths), as a real
    account has them.

    KMS, IAM and S3 refuse a key, trust or bucket policy naming a principal that does not exist (see
    :mod:`devstack.aws_principals`). A role made here trusts its own account; one that exists already is
    kept. An account root (``arn:PARTITION:iam::ACCOUNT:root``) makes its account known: a request acts in it.
    """
    for arn in arns:
        match = _IAM_PRINCIPAL.fullmatch(arn)
        if match is None:
            raise ValueError(f"not an IAM role, user or account root ARN: {arn!r}")
        partition, account, kind, path_and_name = match.groups()
        iam = client(url, account, "iam", PARTITION_REGIONS[partition])
        if kind == "root":
            iam.list_roles(MaxItems=1)
            continue
        path, _, name = (path_and_name or "").rpartition("/")
        try:
            if kind == "role":
                trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}}
                trust["Action"] = "sts:AssumeRole"
                document = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
                iam.create_role(RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument=document)
            else:
                iam.create_user(UserName=name, Path=f"{path}/")
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "EntityAlreadyExists":
                raise


def _ec2_trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }


#: A trust policy no role or user may use (EC2 instances only), for roles whose trust a test does not exercise: an
#: empty ``Statement`` list is not documented to be accepted (the stand-in refuses it, devstack/aws_principals.py).
EC2_ONLY_TRUST = json.dumps(_ec2_trust())


def seed(url: str, region: str = REGION) -> Seeded:
    """Create what a real pair of accounts has before the provider runs, in ``region`` (and its partition)."""
    partition = partition_of(region)
    iam_a = client(url, EMR_ACCOUNT, "iam", region)
    iam_a.create_role(
        RoleName=EMR_SERVICE_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "elasticmapreduce.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    role = iam_a.create_role(RoleName=EMR_EC2_ROLE, AssumeRolePolicyDocument=json.dumps(_ec2_trust()))["Role"]
    iam_a.put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName="emr-ec2-own-bucket-access",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "OwnLogs",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject"],
                        "Resource": f"arn:{partition}:s3:::emr-logs-a/*",
                    }
                ],
            }
        ),
    )
    iam_a.create_instance_profile(InstanceProfileName=EMR_EC2_ROLE)
    iam_a.add_role_to_instance_profile(InstanceProfileName=EMR_EC2_ROLE, RoleName=EMR_EC2_ROLE)

    destination = account_session(url, DESTINATION_ACCOUNT, region=region)  # one role session for all its clients
    key_admin = key_admin_arn(region)
    # The key administrators' role the key policy names: KMS refuses a key policy naming a principal that
    # does not exist (AWS KMS API Reference, "CreateKey", Policy: "The principals in the key policy must exist").
    destination.client("iam", endpoint_url=url).create_role(
        RoleName=key_admin.rsplit("/", 1)[1],
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{partition}:iam::{DESTINATION_ACCOUNT}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    kms_b = destination.client("kms", endpoint_url=url)
    key_policy = {
        "Version": "2012-10-17",
        "Id": "partner-key-policy",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{DESTINATION_ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Allow access for Key Administrators",
                "Effect": "Allow",
                "Principal": {"AWS": key_admin},
                "Action": [
                    "kms:Create*",
                    "kms:Describe*",
                    "kms:Enable*",
                    "kms:List*",
                    "kms:Put*",
                    "kms:Update*",
                    "kms:Revoke*",
                    "kms:Disable*",
                    "kms:Get*",
                    "kms:Delete*",
                    "kms:ScheduleKeyDeletion",
                    "kms:CancelKeyDeletion",
                ],
                "Resource": "*",
            },
        ],
    }
    key = kms_b.create_key(Description="partner results bucket key", Policy=json.dumps(key_policy))["KeyMetadata"]
    s3_b = destination.client("s3", endpoint_url=url)
    # S3 API Reference, CreateBucket: outside us-east-1 the request names the bucket's Region (LocationConstraint).
    if region == "us-east-1":
        s3_b.create_bucket(Bucket=BUCKET)
    else:
        configuration: Any = {"LocationConstraint": region}  # a Region name, as the caller gives it
        s3_b.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=configuration)
    s3_b.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3_b.put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    return Seeded(url=url, emr_ec2_role_arn=role["Arn"], bucket=BUCKET, kms_key_arn=key["Arn"], key_policy=key_policy)


def connection_uri_json(url: str, account: str, region: str = REGION) -> str:
    """Return the JSON form of an Airflow AWS connection that acts in ``account`` of ``region`` through moto."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {
                "role_arn": f"arn:{partition_of(region)}:iam::{account}:role/{PROVISIONER_ROLE}",
                "region_name": region,
                "endpoint_url": url,
                # S3 Control: every account on this one host (airflow_provider_emrfs_xacct.hooks.s3, ``control``).
                "service_config": {"sts": {"endpoint_url": url}, "s3control": {"account_id_in_host": False}},
            },
        }
    )


def airflow_environment(url: str, region: str = REGION) -> dict[str, str]:
    """Return the environment variables that define the two Airflow connections, acting in ``region``."""
    return {
        f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}": connection_uri_json(url, EMR_ACCOUNT, region),
        f"AIRFLOW_CONN_{DESTINATION_CONN_ID.upper()}": connection_uri_json(url, DESTINATION_ACCOUNT, region),
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,  # what emrfs-xacct reads first, as the AWS CLI v2 does (cli.cli_region)
    }
