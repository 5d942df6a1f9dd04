"""
What the checks find: one :class:`Link` per check, and the :class:`Report` with its verdict.

The report's verdict is ``PASS`` only when every link passed or only warned: a ``WARN`` is advice about a
write that works on AWS either way; what the write depends on but was not read or cannot be known is
``UNKNOWN`` ("not checked", verdict ``NOT_CHECKED``). It always lists what reading policies cannot see
(:data:`OUTSIDE_POLICIES`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.denials import (
    Denial,
    identity_named,
    in_identity_policy,
    is_federated,
    read_denial,
    refused_action,
    what_lifts,
)
from airflow_provider_emrfs_xacct.pure.evaluator import EXPLICIT_DENY

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
    from airflow_provider_emrfs_xacct.pure.evaluator import Decision
    from airflow_provider_emrfs_xacct.pure.key_scope import Telling

#: A link's status. ``WARN``: advice (the write works either way); ``UNKNOWN``: its outcome depends on what was
#: not read or not known, so the verdict cannot be ``PASS``.
PASS, WARN, FAIL, UNKNOWN = "pass", "warn", "fail", "not checked"
VERDICT_PASS, VERDICT_FAIL, VERDICT_NOT_CHECKED = "PASS", "FAIL", "NOT_CHECKED"
#: The fix of a link whose answer depends on what only the job knows.
PROBE_FIX = "the answer is only known when the job runs: run the live probe (probe=True)"
#: The action a connection's own role assumption is refused (AwsBaseHook's AssumeRole of its ``role_arn``).
CONNECTION_ASSUMES = "sts:AssumeRole"
#: STS's operations by which AwsBaseHook assumes a connection's role (its ``assume_role_method``), each named as its
#: action (AWS STS API Reference, "AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML").
ROLE_ASSUMPTIONS = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
#: The provider a role's trust policy must allow for a web identity's or SAML assumption: their caller has no identity
#: policy (IAM User Guide, "Create a role for OpenID Connect federation", "Create a role for SAML 2.0 federation").
FEDERATED_ASSUMPTIONS = {"sts:AssumeRoleWithWebIdentity": "OIDC provider", "sts:AssumeRoleWithSAML": "SAML provider"}
#: The provider's own KMS calls on a key, which its key policy decides first: "Unless the key policy explicitly allows
#: it, you cannot use IAM policies to allow access to a KMS key. Without permission from the key policy, IAM policies
#: that allow permissions have no effect" (AWS KMS Developer Guide, "Key policies in AWS KMS"). Not
#: ``kms:ListAliases``, no call on a key: "Required permissions: kms:ListAliases (IAM policy)" (AWS KMS API Reference,
#: "ListAliases").
KEY_POLICY_DECIDED = frozenset({"kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:ListGrants"})
#: How a key policy allows one of :data:`KEY_POLICY_DECIDED` to the connection's identity (the default key policy's
#: account statement "enables IAM policies", same page).
KEY_POLICY_ALLOWS = (
    "its statement enabling IAM policies for the account, or a statement naming that identity "
    '(docs/permissions.md, "A key policy without the account-root statement")'
)
#: The caller's account as AWS's message names it ("User: arn:aws:sts::<account>:assumed-role/...").
_CALLER_ACCOUNT = re.compile(r"\bUser: arn:[\w-]+:(?:sts|iam)::(\d{12}):")
#: The account of the first KMS key ARN a text names.
_KEY_ACCOUNT = re.compile(r"\barn:[\w-]+:kms:[\w-]*:(\d{12}):key/")


def key_policy_allows(text: str, caller_account: str = "") -> str:
    """
    How a key policy allows a call on a key to the caller: :data:`KEY_POLICY_ALLOWS`, unless ``text`` (AWS's message,
    the read) names a key of another account than the caller's (as its message names it, else ``caller_account``).
    A key policy's statement enabling IAM policies reaches its own account's identities only: for another account's
    "the key policy for the KMS key must give the external account (or users and roles in the external account)
    permission to use the KMS key" (AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key").
    """
    key = _KEY_ACCOUNT.search(text)
    caller = _CALLER_ACCOUNT.search(text)
    account = caller.group(1) if caller else (caller_account if caller_account.isdigit() else "")
    if key is None or not account or key.group(1) == account:
        return KEY_POLICY_ALLOWS
    return (
        f"a statement naming account {account} or that identity (the key is in account {key.group(1)}: its statement "
        "enabling IAM policies reaches that account's identities only; AWS KMS Developer Guide, \"Allowing users in "
        'other accounts to use a KMS key")'
    )


#: The VPC endpoint policies, while no cluster subnet was read (then :data:`ENDPOINT_POLICIES_NOT_JUDGED`).
ENDPOINT_POLICIES: tuple[str, str] = (
    "VPC endpoint policies of the cluster's S3, STS and KMS endpoints",
    "pass cluster_id (command line: --cluster-id; the verifier judges the policies of the S3 gateway endpoint on "
    "the cluster subnet's route table and of the STS interface endpoint); or run the live probe",
)
#: What no policy the verifier reads can show, and how to check it. Listed in every report.
#: The item of :data:`OUTSIDE_POLICIES` the option (a) chain leaves out: it assumes no role.
SESSION_POLICIES: tuple[str, str] = (
    "session policies passed when a role is assumed",
    "run the live probe (EMRFS passes none by default)",
)
#: Whether STS answers the mapped roles' AssumeRole at the endpoint EMRFS calls: an account may deactivate STS in a
#: Region (IAM User Guide, "Manage AWS STS in an AWS Region"), and AssumeRole then fails with RegionDisabledException,
#: "STS is not activated in the requested region for the account that is being asked to generate credentials" (AWS
#: STS API Reference, AssumeRole, "Errors"): the destination account's; in a Region enabled manually the page asks it
#: of the account making the request too. No IAM read shows the setting.
STS_ACTIVATION: tuple[str, str] = (
    "AWS STS active in the Region of the STS endpoint EMRFS calls, for the destination account (and, in a Region "
    "enabled manually, the EMR account): an account may deactivate STS in a Region, and AssumeRole then fails with "
    "RegionDisabledException",
    "run the live probe (probe=True); or see IAM's Account settings (Security Token Service) in those accounts",
)
OUTSIDE_POLICIES: tuple[tuple[str, str], ...] = (
    (
        "AWS Organizations service control policies (SCPs) of both accounts",
        "run the live probe (probe=True); or, from the management account or a delegated administrator, "
        "organizations:ListPoliciesForTarget and DescribePolicy for both accounts",
    ),
    # RCPs cover Amazon S3, AWS STS and AWS KMS resources among others (AWS Organizations User Guide, "Resource
    # control policies (RCPs)", its list of the services RCPs apply to; AWS KMS Developer Guide, "Resource control
    # policies in AWS KMS"; AWS Control Tower Controls Reference, "Controls implemented with resource control policies
    # (RCPs)"): the destination account's limit AssumeRole on its role (a data perimeter's aws:PrincipalOrgID
    # condition refuses the EMR account's role from another organization), as well as the bucket's and the key's
    # requests ("RCPs don't affect resources in the management account"; nor AWS managed keys, which a cross-account
    # write cannot use anyway). A member account cannot list them.
    (
        "AWS Organizations resource control policies (RCPs) of the destination account on the destination role "
        "(sts:AssumeRole), the bucket and the key",
        "run the live probe; or, from the destination organization's management account or a delegated "
        "administrator (a member account cannot), organizations:ListPoliciesForTarget (type "
        "RESOURCE_CONTROL_POLICY) and DescribePolicy for the destination account",
    ),
    ENDPOINT_POLICIES,
    SESSION_POLICIES,
    STS_ACTIVATION,
    ("object ACLs of objects that already exist under the prefix", "run the live probe (it checks the owner)"),
)
#: The endpoint item of :data:`OUTSIDE_POLICIES` once the cluster's subnet was read: the S3 gateway endpoint on its
#: route table and the STS interface endpoint with private DNS are judged in the write and assume links
#: (``pure/endpoint_policy.py``); what their requests pass otherwise is not seen. An S3 interface endpoint's policy
#: applies only where EMRFS's requests resolve to it (its DNS: not seen), a KMS endpoint's only to the KMS calls
#: EMRFS makes itself (client-side encryption: SSE-KMS calls go from S3), and an endpoint of another VPC reached
#: through a hub's DNS is not in this VPC.
ENDPOINT_POLICIES_NOT_JUDGED: tuple[str, str] = (
    "VPC endpoint policies the verifier does not judge: those of S3 interface endpoints, of KMS endpoints and of "
    "endpoints in other VPCs (the S3 gateway and STS interface endpoints of the cluster's VPC are judged in the "
    "write and assume links)",
    "run the live probe (probe=True)",
)
#: The endpoint item once a subnet another account shares (AWS RAM) was read: that account's endpoints, gateway and
#: interface, are not visible to the caller (Amazon VPC User Guide, "Share your VPC subnets with other accounts"), so
#: none of their policies is judged, not even the S3 gateway and STS endpoints of :data:`ENDPOINT_POLICIES_NOT_JUDGED`.
ENDPOINT_POLICIES_OF_THE_OWNER: tuple[str, str] = (
    "VPC endpoint policies the verifier does not judge: the cluster's subnet is shared by another account (AWS RAM), "
    "whose endpoints this account cannot see, and endpoints in other VPCs",
    "run the live probe (probe=True); or read the policies of the VPC's endpoints in the account that owns it",
)
#: How an item of :data:`OUTSIDE_POLICIES` reads once the live probe passed.
COVERED_BY_PROBE = "covered by the live probe, which passed"
#: What a passing probe leaves unseen of the policies no read shows: it sends one small upload, not a multipart one,
#: of one object of its own, which a statement's ``Resource`` (or a condition on the encryption context) may name
#: otherwise than a job's keys (IAM User Guide, "IAM JSON policy elements: Resource").
NOT_THE_MULTIPART_REQUESTS = (
    "for the requests of its one small upload only: not for the multipart uploads (CreateMultipartUpload, "
    "UploadPart, CompleteMultipartUpload) of a job's larger files, whose requests carry other headers (UploadPart "
    "none of the encryption and ACL ones), which a policy's conditions may treat otherwise; and for its own object "
    "only (PREFIX_emrfs_xacct_probe/<uuid>), which a statement naming some keys under the prefix may decide otherwise "
    "than a job's"
)
#: The link of a ``User``/``Group`` mapping: whom the job runs as (``checks/principal.py``).
PRINCIPAL_LINK = "job runs as the mapped user or group"
#: The link of a section that takes writes away from the role mappings (``checks/configuration.py``).
BYPASS_LINK = "writes go through the role mappings"
#: The link of a bucket with an Object Lock default retention (``checks/object_lock.py``).
OBJECT_LOCK_LINK = "uploads meet Object Lock default retention"
#: The link of a cluster whose ``s3://`` is S3A: its requests are not the EMRFS ones the links judge (``checks/release.py``).
S3A_REQUESTS_LINK = "S3A's requests"
#: "Not checked" links a passing live probe does not settle: its step writes with no runtime role and as a Hadoop
#: user AWS does not document, so it shows neither a user's route nor what a runtime role or Lake Formation does;
#: and it writes one small object in one PutObject, not the multipart uploads of a job's large files (nor S3A's
#: committers' requests).
NOT_SETTLED_BY_PROBE = (PRINCIPAL_LINK, BYPASS_LINK, OBJECT_LOCK_LINK, S3A_REQUESTS_LINK)


def exercised(mapping: int | None, prefix: str, routes: Mapping[str, int | None]) -> bool:
    """
    Whether a passing live probe wrote as role mapping ``mapping`` under ``prefix`` (``""``: under any prefix).

    :param routes: each probe URI and the mapping its write went through (:func:`~.routing.probe_routes`;
        ``None``: not known, which credits no mapping).
    """
    return mapping is not None and any(index == mapping and uri.startswith(prefix) for uri, index in routes.items())


def not_settled_by_probe(link: Link, fix: str) -> Link:
    """
    ``link``, left not checked on what a passing live probe does not show (:attr:`Link.probe_settles` false): its fix
    no longer offers the probe, and is ``fix`` where the probe was all it offered.
    """
    kept = link.fix.removesuffix(f"; or {PROBE_FIX}")
    return replace(link, probe_settles=False, fix=fix if kept == PROBE_FIX else kept)


#: The fix of a link left not checked on a statement that decides some keys under the prefix only (:func:`some_keys_only`).
SOME_KEYS_FIX = (
    "the verifier judges a few key names of its own, and a job writes others (Spark's part-…-<uuid>-c000.csv, "
    "partitionBy's k=v/…, and lists their folders): make that statement name every key and listing prefix under the "
    "prefix (PREFIX*) or none of them, or check a "
    "job's own writes (the live probe's object shows nothing of the other keys)"
)


def some_keys_only(link: Link, what: str, telling: Telling) -> Link:
    """
    ``link``, not checked: ``telling`` may decide ``what`` (a request, or the KMS call S3 makes for it) for some keys
    under the prefix and not others (``pure/key_scope.py``), so the key the verifier judges stands for no other. A
    passing live probe does not settle it: its one object is one key (:attr:`Link.probe_settles` false). What else
    left the link not checked is kept in its detail.
    """
    detail = (
        f"{what}: {telling.describe()} decides only some keys under the prefix (it names some and not others), and a "
        "job writes (and lists) keys the verifier does not know"
    )
    also = f"; also: {link.detail}" if link.status == UNKNOWN else ""
    statement = f"{telling.source}: {_statement_name(telling.statement)}" if telling.statement else telling.source
    return replace(
        link, status=UNKNOWN, detail=detail + also, statement=statement, fix=SOME_KEYS_FIX, probe_settles=False
    )


def still_not_checked(links: list[dict[str, Any]], routes: Mapping[str, int | None] | None) -> list[dict[str, Any]]:
    """
    The "not checked" links of a report (as :meth:`Report.to_dict` gives them) that remain so.

    :param routes: ``None`` unless the live probe passed; then the mapping each of its writes went through. A
        passing probe settles a mapping's links only where it wrote as that mapping under that link's prefix: it
        writes once per ``Prefix`` identifier, through the first mapping that routes the key, so another mapping's
        role (a ``User``/``Group`` mapping's, or one whose prefix an earlier mapping captures) was never used and
        its links (its trust, its policies' conditions, SCPs on it) stay not checked. Links of no mapping (the
        cluster, the release, the route to STS) are settled by any passing write, except
        :data:`NOT_SETTLED_BY_PROBE` and links that say the probe does not settle them (:attr:`Link.probe_settles`:
        one left not checked on a request the probe does not send, ``contexts.PROBE_REQUESTS``),
        and one with a prefix (the route to a bucket's S3, ``checks/s3_route.py``),
        which only a write under that prefix settles, whatever mapping it went through.
    """
    unknown = [link for link in links if link["status"] == UNKNOWN]
    if routes is None:
        return unknown
    return [
        link
        for link in unknown
        if link["link"] in NOT_SETTLED_BY_PROBE
        or not link.get("probe_settles", True)
        or (link["mapping"] is not None and not exercised(link["mapping"], link.get("prefix") or "", routes))
        or (link["mapping"] is None and not any(uri.startswith(link.get("prefix") or "") for uri in routes))
    ]


#: The name of the warning that the live probe's rename is refused, or may be, before its prefix
#: (``s3_access.PROBE_RENAME``).
PROBE_RENAME_LINK = "live probe's rename"


def verdict_with_probe(links: list[dict[str, Any]], probe: Mapping[str, Any]) -> tuple[str, bool]:
    """
    A report's verdict and health (:attr:`Report.verdict`, :attr:`Report.healthy`) once its live probe is judged.

    A probe that failed (its step did not complete, its object is not what the write must leave, or it could not be
    checked) makes the report FAIL, not healthy: the write the links judge did not go through as they say. One that
    passed settles the "not checked" links it covers (:func:`still_not_checked`). One not checked (``ok`` ``None``: a
    read of the verifier's own refused after the write went through, :func:`add_probe_object`; or a wait that ended
    before the steps did, none of them failed, :func:`cut_short`) makes it ``NOT_CHECKED``: never ``PASS``, since
    the object was not seen whole, and never ``FAIL``, since nothing failed.

    A failure under a warned rename (:data:`PROBE_RENAME_LINK`) is a ``FAIL`` too: the probe's ``hadoop fs -put``
    renames with a CopyObject as every job without the EMRFS S3-optimized committer does (``requests.RENAME_REQUESTS``),
    so it shows such jobs' renames refused, as the warning says; it was excused as ``NOT_CHECKED``.
    """
    failed = any(link["status"] == FAIL for link in links)
    if probe.get("ok") is False or failed:
        return VERDICT_FAIL, False
    if probe.get("ok") is None:
        return VERDICT_NOT_CHECKED, True
    routes = (probe.get("routes") or {}) if probe.get("ok") is True else None
    return (VERDICT_NOT_CHECKED if still_not_checked(links, routes) else VERDICT_PASS), True


#: How to settle what a probe left not checked (:func:`probe_not_checked`).
PROBE_NOT_CHECKED_FIX = "grant the reads the probe's refused_reads name to their connection, then run the probe again"


def add_probe_object(probe: dict[str, Any], uri: str, outcome: Mapping[str, Any]) -> None:
    """
    Fold one probe object's outcome (``verify.check_probe_object``) into the live probe's (``ok`` ``True`` to start).

    An object that failed (``ok`` ``False``) fails the probe with its problems; one not checked (``ok`` ``None``: a read
    of the verifier's own refused once the write was seen) leaves the probe not checked unless another failed, and
    its ``not_checked`` and ``refused_reads`` are carried over, each once.
    """
    probe.setdefault("objects", {})[uri] = outcome
    if outcome.get("ok") is False:
        probe["ok"] = False
        probe.setdefault("problems", []).extend(outcome.get("problems") or [])
    elif outcome.get("ok") is None and probe.get("ok") is not False:
        probe["ok"] = None
    for name in ("not_checked", "refused_reads"):
        for item in outcome.get(name) or []:
            carried = probe.setdefault(name, [])
            if item not in carried:
                carried.append(item)


def probe_not_checked(probe: Mapping[str, Any]) -> list[dict[str, str]]:
    """
    What the live probe left not checked, as the report's ``not_checked`` items (``what``, ``how``): ``how`` is the
    probe's ``not_checked_fix`` (a probe cut short, :func:`cut_short`), else :data:`PROBE_NOT_CHECKED_FIX`.
    """
    how = probe.get("not_checked_fix") or PROBE_NOT_CHECKED_FIX
    return [{"what": f"live probe: {what}", "how": how} for what in probe.get("not_checked") or []]


#: The states of a probe step that ran and ended without completing (Amazon EMR API Reference, "StepStatus"): a
#: refused write fails ``hadoop fs -put``, and its step.
STEP_DID_NOT_COMPLETE = ("FAILED", "INTERRUPTED")
#: How to let a probe that did not run, or whose outcome is not known, run to its end (:func:`cut_short`). EMR runs
#: one step at a time unless the cluster's ``StepConcurrencyLevel`` says more ("The default value is 1", Amazon EMR
#: API Reference, "RunJobFlow"), and "pending steps in queue transition to running state in the order they were
#: submitted" (Amazon EMR Management Guide, "Considerations for running multiple steps in parallel").
PROBE_DID_NOT_RUN_FIX = (
    "run the verifier again with a longer wait (waiter_max_attempts x waiter_delay) or when the cluster has no other "
    "steps to run: EMR runs the probe step after the steps before it (one at a time unless its StepConcurrencyLevel "
    "says more)"
)


def cut_short(states: Mapping[str, str | None]) -> str | None:
    """
    Why a live probe whose wait ended before its steps did is not checked; ``None`` when it failed.

    Judged by each step's state as first read, before the verifier cancelled anything (``{step id: state}``, ``None``:
    not read; no step: none known). A step that ended ``FAILED`` or ``INTERRUPTED`` on its own fails the probe
    (:data:`STEP_DID_NOT_COMPLETE`). Steps all still ``PENDING`` never started ("pending steps in queue transition to
    running state": Amazon EMR Management Guide, "Considerations for running multiple steps in parallel"): no request
    of theirs reached S3 or STS, the probe did not run. Any other (``RUNNING`` or ``CANCEL_PENDING`` when cancelled,
    a write refused and retried looks the same; ``CANCELLED`` before the verifier cancelled it; ``COMPLETED``, its
    object deleted unchecked; not read) leaves whether the writes go through not known. Never a pass.
    """
    if any(state in STEP_DID_NOT_COMPLETE for state in states.values()):
        return None
    if states and all(state == "PENDING" for state in states.values()):
        return (
            f"the probe did not run: its step(s) {', '.join(states)} were still PENDING (not started) when its wait "
            "ended, so no request of theirs had reached S3 or STS"
        )
    if not states:
        return "whether the probe's writes went through is not known: the states of its steps were not read"
    seen = "; ".join(f"step {step} {_state_before_cancel(state)}" for step, state in states.items())
    return f"whether the probe's writes went through is not known: {seen}"


def _state_before_cancel(state: str | None) -> str:
    """A probe step's state before the verifier cancelled it, for :func:`cut_short`."""
    if state is None:
        return "in a state not read"
    if state == "PENDING":
        return "was PENDING (not started)"
    if state == "COMPLETED":
        return "COMPLETED, its object deleted before it was checked"
    if state == "CANCELLED":
        return "was already CANCELLED (whether it had started is not known)"
    return f"was {state} when cancelled (a write refused and retried is {state} too)"


def unexercised_routes(links: list[dict[str, Any]], routes: Mapping[str, int | None]) -> list[str]:
    """The mappings (and prefixes) the report checked that no write of a passing probe went through, described."""
    missed: dict[int, list[str]] = {}
    for link in links:
        mapping, prefix = link["mapping"], link.get("prefix") or ""
        if mapping is not None and not exercised(mapping, prefix, routes):
            prefixes = missed.setdefault(mapping, [])
            if prefix and prefix not in prefixes:
                prefixes.append(prefix)
    return [
        f"mapping {mapping}" + (f" under {', '.join(prefixes)}" if prefixes else "")
        for mapping, prefixes in sorted(missed.items())
    ]


def covered_by_probe(
    not_checked: list[dict[str, str]], links: list[dict[str, Any]], routes: Mapping[str, int | None]
) -> list[dict[str, str]]:
    """
    The report's unseen items after a passing live probe: its writes went through what no policy read shows
    (:data:`OUTSIDE_POLICIES`) for the mappings and prefixes they were sent as (``routes``), for the requests of
    one small upload (:data:`NOT_THE_MULTIPART_REQUESTS`), and one assumed a
    mapped role through STS (:data:`STS_ROUTE`, the same route for every role); the other items stay as they are.
    Where the report checked a mapping or prefix no probe write went through (``links``), the items of
    :data:`OUTSIDE_POLICIES` say so: an SCP, RCP or endpoint policy may name that role or prefix alone.
    """
    missed = unexercised_routes(links, routes)
    outside = {what for what, _ in OUTSIDE_POLICIES} | {
        ENDPOINT_POLICIES_NOT_JUDGED[0],
        ENDPOINT_POLICIES_OF_THE_OWNER[0],
    }
    covered = []
    for item in not_checked:
        if item["what"] in (STS_ROUTE[0], S3_ROUTE[0]):
            item = {**item, "how": COVERED_BY_PROBE}
        elif item["what"] in outside and not missed:
            item = {**item, "how": f"{COVERED_BY_PROBE}, {NOT_THE_MULTIPART_REQUESTS}"}
        elif item["what"] in outside:
            item = {
                **item,
                "how": f"{COVERED_BY_PROBE}, for the mappings and prefixes it wrote through only "
                f"({NOT_THE_MULTIPART_REQUESTS}); not for {'; '.join(missed)}: {item['how']}",
            }
        covered.append(item)
    return covered


#: Listed when the destination account's setting (s3:GetAccountPublicAccessBlock, the IAM action of S3 Control's
#: GetPublicAccessBlock: Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3") was
#: not read or was refused; not covered by the live probe (it writes through the mapped role only): with RestrictPublicBuckets
#: on, a public bucket policy grants no cross-account access, "including non-public delegation to specific
#: accounts" (S3 API Reference, PublicAccessBlockConfiguration). Once read, it is checked with the bucket's
#: own setting (checks/s3_access.py).
BLOCK_PUBLIC_ACCESS: tuple[str, str] = (
    "the account-level Block Public Access setting of the destination account: with RestrictPublicBuckets on "
    "there and a public bucket policy, the policy's grants to other accounts (e.g. to the EMR EC2 role) do not apply",
    "s3:GetAccountPublicAccessBlock for the destination account (it matters only while s3:GetBucketPolicyStatus "
    "says the bucket policy is public); the live probe writes through the mapped role only and does not cover it",
)
#: Listed when no cluster was read: what the cluster's settings change. The upload headers they set (x-amz-acl,
#: x-amz-server-side-encryption and its key, x-amz-storage-class) are then not known (a condition on them is not
#: checked); every other setting that could change a PASS is taken as not set (TLS on) and named here: the
#: encryption the uploads ask for (the key link is judged on the bucket's default key), a custom encryption context
#: (kms:EncryptionContext), TLS turned off (aws:SecureTransport), an S3 endpoint override (the route to S3 and
#: aws:RequestedRegion), the session duration, the credentials and S3 Access Grants settings.
CLUSTER_SETTINGS: tuple[str, str] = (
    "the cluster's emrfs-site and core-site settings, taken as not set (TLS on): the encryption the uploads ask "
    "for (emrfs-site fs.s3.enableServerSideEncryption with fs.s3.serverSideEncryption.kms.keyId or its "
    "bucket-level fs.s3.bucket.BUCKET.serverSideEncryption.kms.keyId, fs.s3.cse.enabled, or S3A's own "
    "fs.s3a.encryption.algorithm and fs.s3a.encryption.key) decides the KMS key S3 uses, judged here on the "
    "bucket's default key; a custom encryption context (fs.s3.serverSideEncryption.kms.customEncryptionContext, "
    "fs.s3a.encryption.context) is the kms:EncryptionContext a key policy or grant may test; fs.s3n.ssl.enabled "
    "or fs.s3a.connection.ssl.enabled false sends plain HTTP (aws:SecureTransport false); an S3 endpoint "
    "override (fs.s3n.endpoint, fs.s3a.endpoint) changes the route to S3 and aws:RequestedRegion; the upload "
    "headers they set (x-amz-acl, x-amz-server-side-encryption, x-amz-storage-class from fs.s3.storageClass or "
    "fs.s3a.create.storage.class) are not known, a condition on them not checked; "
    "with fs.s3.canned.acl every upload carries x-amz-acl, which also needs "
    "s3:PutObjectAcl where ACLs are enabled, and a BucketOwnerEnforced bucket refuses any ACL but bucket-owner-full-control; on a "
    "Requester Pays bucket a writer of another account needs fs.s3.useRequesterPaysHeader=true; with "
    "fs.s3.s3AccessGrants.enabled (6.15.0 on) a Spark job's writes that a grant covers get S3 Access Grants' "
    "credentials, not a mapped role; a custom credentials provider (fs.s3.customAWSCredentialsProvider) or S3A's "
    "own credential options may decide a write's credentials instead of the role mappings, and the cluster's own "
    "fs.s3.authorization.roleMapping or fs.s3a.authorization.roleMapping (S3A's defined, the security "
    "configuration's mappings are not translated) replaces them; a mapped role session "
    "outside 900-3600 seconds (fs.s3.sts.sessionDurationSeconds, or S3A's fs.s3a.assumed.role.session.duration or "
    "its per-bucket form) fails every mapped write it serves, as STS refuses a chained session over one hour",
    "pass cluster_id (command line: --cluster-id; the verifier reads the cluster's configurations)",
)

#: Listed when no cluster subnet was read (no cluster, or none in a subnet): the links "cluster reaches STS" and
#: "cluster reaches s3://BUCKET" are then missing. EMRFS gets every mapped role's credentials from STS (Amazon EMR
#: Release Guide, "Managing the default AWS Security Token Service endpoint") and writes to S3 of the bucket's
#: Region, which an S3 gateway endpoint serves only in its own Region (Amazon VPC User Guide, "Gateway endpoints
#: for Amazon S3"). The live probe, which assumes the mapped role and writes to the bucket, covers both.
STS_ROUTE: tuple[str, str] = (
    "the route from the cluster's subnet to the STS endpoint EMRFS calls for the mapped roles' credentials "
    "(5.31.0/6.1.0 and later call the Regional endpoint: a private subnet needs an STS interface endpoint or NAT), "
    "and to S3 of each bucket's Region (an S3 gateway endpoint serves only buckets of its own Region)",
    "pass cluster_id (command line: --cluster-id; the verifier reads the subnet's routes and the VPC's endpoints); "
    "or run the live probe",
)
#: :data:`STS_ROUTE` of the option (a) chain, which assumes no role: the route to S3 only.
S3_ROUTE: tuple[str, str] = (
    "the route from the cluster's subnet to S3 of each bucket's Region (an S3 gateway endpoint serves only buckets "
    "of its own Region)",
    STS_ROUTE[1],
)


@dataclass
class Link:
    """The result of one check."""

    mapping: int | None
    link: str
    status: str
    detail: str
    statement: str = ""
    fix: str = ""
    #: The prefix the link is about (``""``: the mapping's role, or no mapping): what a probe must write under to settle it.
    prefix: str = ""
    #: The reads AWS refused that left this link not checked (or warned), each once (:func:`name_refused_reads`).
    refused_reads: list[RefusedRead] = field(default_factory=list)
    #: Whether a passing live probe settles this link when it is not checked (:func:`still_not_checked`): not when
    #: what is unknown is a request the probe's one small upload does not send.
    probe_settles: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The link as the report's dict gives it (its refused reads as :func:`refused_read_dict` gives them)."""
        return {
            **{key: value for key, value in asdict(self).items() if key != "refused_reads"},
            "refused_reads": [refused_read_dict(refused) for refused in self.refused_reads],
        }


def refused_read_dict(refused: RefusedRead) -> dict[str, Any]:
    """A refused read in the report's dict: what to grant to whom, on what, and the call AWS refused."""
    return {
        "action": refused.action,
        "connection": refused.connection,
        "account": refused.account,
        "resource": refused.resource,
        "call": refused.call,
    }


@dataclass(frozen=True)
class Evaluated:
    """One request the checks evaluated for a role: what the simulator is asked as a second opinion."""

    principal: str
    action: str
    resource: str
    context: dict[str, Any]
    #: Our identity-side answer (identity policies within the boundary): True, False or None.
    identity_allowed: bool | None


@dataclass
class Report:
    """All links, the verdict, and what reading policies cannot see."""

    #: ``None``: the option (a) chain, verified without one.
    security_configuration: str | None
    links: list[Link]
    not_checked: list[dict[str, str]] = field(default_factory=list)
    #: The identity-side requests evaluated (for the simulator's second opinion); not in the XCom.
    evaluated: list[Evaluated] = field(default_factory=list)
    #: The ARNs of keys whose grants would decide a link but were not read (``ChainState.key_grants``); not in
    #: the XCom.
    grants_wanted: set[str] = field(default_factory=set)
    #: Every read AWS refused in the run (``ChainState.refused_reads``), each once: a link's fix names the refusal
    #: that left it not checked, which may hide others that feed it (a refused role read, a refused bucket policy);
    #: granting this list lets the next run read everything.
    refused_reads: list[RefusedRead] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No link failed (links may still be "not checked": see :attr:`verdict`)."""
        return all(link.status != FAIL for link in self.links)

    @property
    def verdict(self) -> str:
        """``FAIL`` if a link failed, else ``NOT_CHECKED`` if one could not be checked, else ``PASS`` (WARNs allowed)."""
        if not self.healthy:
            return VERDICT_FAIL
        if any(link.status == UNKNOWN for link in self.links):
            return VERDICT_NOT_CHECKED
        return VERDICT_PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "security_configuration": self.security_configuration,
            "verdict": self.verdict,
            "healthy": self.healthy,
            "links": [link.to_dict() for link in self.links],
            "not_checked": list(self.not_checked),
            "refused_reads": [refused_read_dict(refused) for refused in self.refused_reads],
        }

    def table(self) -> str:
        """A readable table: one row per link, with the deciding statement and the fix."""
        rows = [("#", "link", "status", "detail", "deciding statement", "fix")]
        for link in self.links:
            where = "-" if link.mapping is None else str(link.mapping)
            rows.append((where, link.link, link.status.upper(), link.detail, link.statement or "-", link.fix or "-"))
        widths = [min(90, max(len(row[column]) for row in rows)) for column in range(len(rows[0]))]
        lines = [" | ".join(cell[:90].ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
        lines.insert(1, "-+-".join("-" * width for width in widths))
        outside = [f"  - {item['what']}: {item['how']}" for item in self.not_checked]
        tail = ["Not checked by reading policies:", *outside] if outside else []
        refused = [
            f"  - {item.action}{_called(item)} on {item.resource} to the connection {item.connection!r} "
            f"(account {item.account})"
            for item in self.refused_reads
        ]
        if refused:
            tail += ["Reads AWS refused (grant each to its connection, then verify again):"]
            tail += refused
        chain = self.security_configuration or "the EMR EC2 role (no security configuration)"
        return f"Cross-account EMRFS chain for {chain}: {self.verdict}\n" + "\n".join(lines + tail)


def _called(refused: RefusedRead) -> str:
    """The call AWS refused, after an action not named after it (``s3:ListBucket (HeadBucket)``), else ``""``."""
    return f" ({refused.call})" if refused.call and refused.action.partition(":")[2] != refused.call else ""


def cite(decision: Decision) -> str:
    """
    The statement that decided ``decision``, as "source: Sid name" (or its start), or ``""``; for a request no statement
    allows, the ``Allow`` whose ``Condition`` it does not meet (:attr:`~.evaluator.Decision.unmet`), if any.
    """
    if decision.statement is None:
        if decision.unmet is None:
            return ""
        return f"{decision.unmet_source}: {_statement_name(decision.unmet)} (Condition not met)"
    return f"{decision.source}: {_statement_name(decision.statement)}"


def names_a_deny(decision: Decision) -> bool:
    """
    Whether the statement ``decision`` names is a ``Deny`` (one that applies, or may): an undetermined answer may name
    instead the ``Allow`` it depends on, which blocks nothing.
    """
    statement = decision.statement
    return decision.reason.startswith(EXPLICIT_DENY) or (
        isinstance(statement, dict) and statement.get("Effect") == "Deny"
    )


def _statement_name(statement: dict[str, Any]) -> str:
    sid = statement.get("Sid")
    return f"Sid {sid}" if sid else json.dumps(statement, sort_keys=True)[:120]


def condition_shown(decision: Decision, context: Mapping[str, Any]) -> str:
    """
    The Condition behind a refusal and what the request carries for it (``""``: none): the ``Allow`` whose Condition
    the request does not meet (:func:`unmet_condition`), else the conditional ``Deny`` that refuses it
    (:func:`denying_condition`).
    """
    return unmet_condition(decision, context) or denying_condition(decision, context)


def unmet_condition(decision: Decision, context: Mapping[str, Any]) -> str:
    """
    Why the ``Allow`` that names the request does not apply (``""``: no such statement): its ``Condition`` and the
    request's values of the keys it tests. A key the request does not carry is absent, and a condition on it is false
    but for negated operators, ``...IfExists`` and ``Null`` (IAM User Guide, "IAM JSON policy elements: Condition
    operators").
    """
    if decision.unmet is None:
        return ""
    condition, carried = _condition_and_values(decision.unmet, context)
    return (
        f"; {decision.unmet_source} {_statement_name(decision.unmet)} allows it only under its Condition "
        f"{condition}, and the request carries {carried}"
    )


def denying_condition(decision: Decision, context: Mapping[str, Any]) -> str:
    """
    For a request a conditional ``Deny`` refuses: its ``Condition`` and the request's values of the keys it tests (``""``:
    no such statement), such as a guard rail on an encryption header the upload does not send.
    """
    statement = decision.statement
    if statement is None or statement.get("Effect") != "Deny" or not statement.get("Condition"):
        return ""
    condition, carried = _condition_and_values(statement, context)
    return f"; its Condition {condition} holds: the request carries {carried}"


def _condition_and_values(statement: dict[str, Any], context: Mapping[str, Any]) -> tuple[str, str]:
    """A statement's ``Condition`` as JSON, and the request's value of each key it tests ("no KEY": not carried)."""
    condition = statement.get("Condition") or {}
    keys = sorted({key for pairs in condition.values() if isinstance(pairs, dict) for key in pairs})
    lowered = {name.lower(): value for name, value in context.items()}
    carried = ", ".join(f"{key}={lowered[key.lower()]}" if key.lower() in lowered else f"no {key}" for key in keys)
    return json.dumps(condition, sort_keys=True), carried


def unmet_fix(decision: Decision) -> str:
    """The fix of a refusal by an ``Allow`` whose ``Condition`` the request does not meet (``""``: none such)."""
    if decision.unmet is None:
        return ""
    return (
        f"{decision.unmet_source} {_statement_name(decision.unmet)} names this request but its Condition does not "
        "hold for it: change that Condition to what AWS sends (shown in the detail)"
    )


def once_each(refused: list[RefusedRead]) -> list[RefusedRead]:
    """The refused reads, each read (:attr:`~.state.RefusedRead.key`) once, in the order they were made."""
    first: dict[tuple[str, str | None, str, str], RefusedRead] = {}
    for item in refused:
        first.setdefault(item.key, item)
    return list(first.values())


def names_action(text: str, action: str) -> bool:
    """Whether ``text`` names ``action`` as a whole word (``s3:ListBucket`` is not named by ``s3:ListBucketVersions``)."""
    return re.search(rf"(?<![\w:]){re.escape(action)}(?![\w*])", text) is not None


def name_refused_reads(links: list[Link], refused: list[RefusedRead]) -> list[Link]:
    """
    Give each link not checked (or warned) the refused reads behind it, and make its fix name each action to grant,
    and to whom.

    A read is behind a link when the link's detail holds the explanation written where the refusal was caught
    (:attr:`~.state.RefusedRead.explanation`): the part it left unread is the reason the link gives. Such a link's
    answer is known once the read is allowed, not only when the job runs: :data:`PROBE_FIX` alone would say
    otherwise. A fix that names the action already is kept. A read whose AWS message says why asks what lifts it
    (:func:`~..denials.what_lifts`: a deny must go; else the policy AWS names). Otherwise a refused KMS read on a key
    asks the key policy too (:data:`KEY_POLICY_DECIDED`): IAM policies alone do not reach a key.
    """
    named = []
    for link in links:
        behind = once_each(
            [item for item in refused if item.explanation and item.explanation in link.detail]
            if link.status in (UNKNOWN, WARN)
            else []
        )
        link = replace(link, refused_reads=behind)
        said = [(item, denial) for item in behind if (denial := read_denial(item.explanation)) is not None]
        unsaid = [item for item in behind if read_denial(item.explanation) is None]
        grants = list(dict.fromkeys(_grant(item) for item in unsaid if not names_action(link.fix, item.action)))
        asks = [*dict.fromkeys(_lift(item, denial) for item, denial in said), _key_policy_too(unsaid)]
        named.append(replace(link, fix=_with_grants(link.fix, grants, [ask for ask in asks if ask])))
    return named


def _grant(refused: RefusedRead) -> str:
    """What to allow for one refused read, and to whom (a key's: in the identity policy, the key policy too)."""
    if not refused.connection:
        return refused.action
    if refused.action in KEY_POLICY_DECIDED:
        where = in_identity_policy(is_federated(refused.explanation))
        return f"{refused.action} to the identity of the connection {refused.connection!r} {where}"
    if refused.action in FEDERATED_ASSUMPTIONS:  # a web identity or SAML: the role's trust policy alone
        provider = FEDERATED_ASSUMPTIONS[refused.action]
        return f"{refused.action} on {refused.resource} to the {provider} of the connection {refused.connection!r} in the trust policy of {refused.resource}"
    if refused.action == CONNECTION_ASSUMES:  # its role_arn: the role's trust policy too (cross-account: both)
        return (
            f"{refused.action} on {refused.resource} to the identity of the connection {refused.connection!r} in its "
            f"identity policy and in the trust policy of {refused.resource}"
        )
    return f"{refused.action} to the connection {refused.connection!r}"


def _lift(refused: RefusedRead, denial: Denial) -> str:
    """
    What lifts one refused read whose message says why (``denial``, :func:`~..denials.read_denial`): the deny gone, or
    the policy AWS names as lacking the Allow changed.
    """
    whom = f"the connection {refused.connection!r}" if refused.connection else identity_named(refused.explanation)
    action, resource = refused_action(refused.explanation, refused.action)
    key_policy = key_policy_allows(refused.explanation, refused.account) if action in KEY_POLICY_DECIDED else None
    return what_lifts(denial, f"{action} on {resource}" if resource else action, whom, key_policy)


def _key_policy_too(behind: list[RefusedRead]) -> str:
    """What the key policy must allow of the refused KMS reads on a key (IAM policies alone do not reach a key)."""
    on_keys = [item for item in behind if item.action in KEY_POLICY_DECIDED]
    actions = list(dict.fromkeys(item.action for item in on_keys))
    if not actions:
        return ""
    allows = key_policy_allows(on_keys[0].explanation, on_keys[0].account)
    return f"the key policy must allow {' and '.join(actions)} to the connection's identity too: {allows}"


def _with_grants(fix: str, grants: list[str], asks: list[str]) -> str:
    """``fix`` after the grants it does not name yet and the other changes ``asks`` (``fix`` when neither)."""
    if not grants and fix not in ("", PROBE_FIX):
        return "; ".join((fix, *asks))
    changes = [f"allow {', '.join(grants)} (refused: see the detail)"] if grants else []
    changes += asks
    if not changes:
        return fix
    grant = f"{'; '.join(changes)}; then verify again" if len(changes) > 1 else f"{changes[0]} and verify again"
    if fix in ("", PROBE_FIX):
        return grant + ("; or run the live probe (probe=True)" if fix else "")
    return f"{grant}; {fix}"
