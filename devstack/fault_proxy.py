"""
A fault-injecting HTTP proxy on loopback, in front of the moto server.

It adds an AWS-like round trip (``latency_seconds``), and on a share of requests (``fault_rate``)
answers like a struggling AWS instead of forwarding: throttling errors, HTTP 500 and 503, or a
dropped connection (before the request reaches moto, or after moto handled it, so the client never
learns that its call succeeded). It can also play IAM's eventual consistency: for the first
``consistency_lag`` requests after a role is created that name the role, it answers
``NoSuchEntity`` (IAM reads and writes on the role) or a malformed-policy error (a trust policy,
``UpdateAssumeRolePolicy``'s form value read decoded, or a key policy that names the role); other
requests naming it (an S3 bucket policy, an EMR call) go through and use up none of the count.

Faults come spaced evenly (``spacing="even"``: exactly the asked share, never two in a row unless
the share is over one half) or at random (``spacing="random"``, seeded: each request starts a fault
with probability ``fault_rate``), and in bursts: a fault goes on for ``burst`` requests in a row, all
of one kind (a throttling storm, an outage answering 503). A ``storm`` puts one such burst at a
chosen request. Requests are sent one after another by a chain of tasks, so a burst of ``n`` hits one
call ``n`` times in a row: a client needs ``n + 1`` attempts to get through. ``drop_answers`` loses
the answer to the first requests of an operation after moto handled them (e.g. ``RunJobFlow``).
``requests`` counts every request the proxy saw, by operation, whatever it answered.

``delete_lag`` plays IAM's lag on the way out: for the next ``delete_lag`` ``DeleteRole`` requests after a
``DeleteRolePolicy`` or ``DetachRolePolicy`` on the role, and ``DeletePolicy`` requests after a
``DetachRolePolicy`` or ``DeletePolicyVersion`` of the policy, IAM still sees what was just removed and
refuses with ``DeleteConflict`` (HTTP 409; IAM API Reference, "DeleteRole", "DeletePolicy": "The request
was rejected because it attempted to delete a resource that has attached subordinate entities"), changing
nothing. IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible":
a change "must be replicated across IAM, which can take some time"; hashicorp/terraform-provider-aws sends
``DeleteRole`` again while it answers ``DeleteConflict`` after deleting the role's policies
(``internal/service/iam/role.go``, ``deleteRole``). moto removes the policy at once and never answers it.

``conflicts`` plays IAM and S3 refusing a write while another request changes the same entity: the
first requests of the operations it names are answered ``ConcurrentModification`` (IAM; HTTP 409, "Another
request updating the entity is in progress. Please try again later.") or ``OperationAborted`` (S3; HTTP
409, "A conflicting conditional operation is currently in progress against this resource. Please try
again.": Amazon S3 API Reference, "Error responses", "List of error codes"; answered to ``PutBucketPolicy``
beside another change of the bucket, ansible/ansible#67811) and never reach moto. The IAM API
Reference documents the error ("The request was rejected because multiple requests to change this object
were submitted simultaneously. Wait a few minutes and submit your request again.", e.g. "CreateRole",
"DeleteRole", "TagRole", "CreatePolicy"), and IAM answers it to writes whose reference does not list it
too: ``AttachRolePolicy`` (hashicorp/terraform-provider-aws#34371, whose error output the message
quotes) and a role's inline policies put while it is created (#39421). botocore does not retry it (not a
throttling or transient code of ``botocore/retries/standard.py``, and IAM's model marks no error
retryable); moto never answers it.

STS is left alone by the faults: it only supplies the connections' credentials. ``intercept`` reaches
every request, STS's too: a test holds one (and interrupts its client meanwhile) or answers it with an AWS
error moto never gives, such as STS's ``ExpiredToken`` for an expired session (``tests/integration/test_cli.py``).

Rate-limited mode (``rate_limits=True``): AWS throttles control-plane APIs per account and Region
with token buckets. The proxy keeps one bucket per (account, service, API): the account of the
request's access key, as moto routes the request (``moto.iam.models.get_account_id_from``: the proxy
runs in the moto server's process, see ``devstack.moto_stack``), so every assumed-role session of an
account draws on the account's buckets, as on AWS. With the burst and refill figures of
:data:`airflow_provider_emrfs_xacct.pure.quotas.REQUEST_RATES` (AWS's documented figures where they
exist, stated assumptions elsewhere), times ``rate_scale``. A request finding its bucket empty gets the
service's own throttling answer: IAM and STS ``Throttling`` (HTTP 400, the query protocol's XML error),
KMS and EMR ``ThrottlingException`` (HTTP 400, JSON), codes that botocore's retry handler counts as
throttling (``botocore/retries/standard.py``, ``_THROTTLED_ERROR_CODES``) and retries with backoff.
S3 is not rate-limited here (its request rates are per prefix, thousands per second).

Stale reads (``stale_read_seconds``): IAM and KMS are eventually consistent (IAM User Guide,
"Troubleshoot IAM", "Changes that I make are not always immediately visible": a change "must be
replicated across IAM, which can take some time"; AWS KMS Developer Guide, "AWS KMS eventual
consistency": a change "generally takes less than a few seconds" to propagate, "in some cases, it can
take several minutes"), so a read right after a write may return the document as it was before. The
proxy plays one replica that lags ``stale_read_seconds`` behind, for the shared documents a
read-modify-write can lose changes to: a key policy (``GetKeyPolicy``), a role's inline policy
(``GetRolePolicy``), a role's trust policy (``GetRole``'s ``AssumeRolePolicyDocument``, the rest of the role
answered as moto has it; ``ListRoles`` is not played), a bucket policy (``GetBucketPolicy``; S3 User Guide, "Amazon S3 data consistency
model": "Bucket configurations have an eventual consistency model") and a customer managed policy
(the provider's spill policies: ``GetPolicy``'s ``DefaultVersionId``, ``GetPolicyVersion``, which
answers ``NoSuchEntity`` for a version the replica does not have yet and the document of one it still
has, and ``ListPolicyVersions``). It keeps each document's versions as the writes through it set them
(``PutKeyPolicy``, ``PutRolePolicy``, ``DeleteRolePolicy``, ``CreateRole``, ``UpdateAssumeRolePolicy``,
``DeleteRole``, ``PutBucketPolicy``, ``DeleteBucketPolicy``;
for a managed policy, its default version and versions as moto holds them right after each
``CreatePolicy``, ``CreatePolicyVersion``, ``DeletePolicyVersion``, ``SetDefaultPolicyVersion`` or
``DeletePolicy``, read from moto's backend in this process; before the first write of a document it sees,
the document as moto has it then, read from that backend too, so a write seen before any read lags as well)
and answers a read with the version in force ``stale_read_seconds`` before it (the oldest it knows, if none
is that old), deletes included: a document deleted then (or not created yet) is answered missing, as the service
answers it (``NoSuchEntity``, ``NoSuchBucketPolicy``), and one deleted since is still answered; a document
nobody wrote lately is answered as moto has it. A role moto no longer has cannot be written out (``GetRole``
answers more than its trust policy), so that read is answered as moto has it, and the replica answers
nothing older afterwards. The lag is the same for every reader and reads never go back in time (a
document's requests hold a lock of their own from their forward to the version they note or answer, so that
its versions are kept in the order moto applied the writes; one document has one key: role names are not
distinguished by case, a key is named by its ID or ARN), so this is a kind lag: AWS promises neither (its
replicas may lag differently).
"""

from __future__ import annotations

import functools
import http.client
import json
import random
import re
import select
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape, unescape

from airflow_provider_emrfs_xacct.pure.quotas import request_rate

if TYPE_CHECKING:
    from collections.abc import Callable

FAULT_KINDS = ("throttle", "http500", "http503", "drop-before", "drop-after")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


@functools.lru_cache(maxsize=4096)
def account_of_access_key(access_key: str) -> str:
    """The account moto serves ``access_key``'s requests in (a key never changes account)."""
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


#: The services the rate-limited mode throttles.
RATE_LIMITED_SERVICES = ("iam", "sts", "kms", "elasticmapreduce")
_IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
#: The IAM reads whose document lags (stale reads), by the element of the answer that holds it.
_IAM_DOCUMENTS = {"GetRolePolicy": "PolicyDocument", "GetRole": "AssumeRolePolicyDocument"}
_IAM_DOCUMENT_TEXT = {
    operation: re.compile(rf"<{element}>(.*?)</{element}>".encode(), re.DOTALL)
    for operation, element in _IAM_DOCUMENTS.items()
}
#: The IAM calls that set a role's trust policy, and the parameter that carries it.
_TRUST_WRITES = {"CreateRole": "AssumeRolePolicyDocument", "UpdateAssumeRolePolicy": "PolicyDocument"}
_DEFAULT_VERSION = re.compile(rb"<DefaultVersionId>(.*?)</DefaultVersionId>")
#: The managed-policy calls whose reads lag (stale reads), and those of them that write.
_MANAGED_POLICY_WRITES = (
    "CreatePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
    "DeletePolicy",
)
_MANAGED_POLICY_OPERATIONS = (*_MANAGED_POLICY_WRITES, "GetPolicy", "GetPolicyVersion", "ListPolicyVersions")
#: The writes of each kind of shared document (:meth:`FaultProxy._document_key`'s first element), for stale reads.
_DOCUMENT_WRITES = {
    "iam-managed": _MANAGED_POLICY_WRITES,
    "iam": ("PutRolePolicy", "DeleteRolePolicy"),
    "iam-trust": (*_TRUST_WRITES, "DeleteRole"),
    "kms": ("PutKeyPolicy",),
    "s3": ("s3 PUT", "s3 DELETE"),
}
#: The S3 requests ``conflicts`` may name, by the proxy's operation (``s3 METHOD``) and subresource.
_S3_CONFLICTING = {
    ("s3 PUT", "policy"): "PutBucketPolicy",
    ("s3 DELETE", "policy"): "DeleteBucketPolicy",
    ("s3 PUT", "ownershipControls"): "PutBucketOwnershipControls",
}
#: "Answer as moto has it" (no stale version to play).
_FRESH = object()


class FaultProxy:
    """
    Forward HTTP to ``upstream``, injecting faults.

    :param upstream: the moto server's URL.
    :param fault_rate: share of requests (0-1) answered with a fault instead of moto's answer: exactly
        that share of the faultable requests, spread evenly; the kind of fault is drawn at random.
    :param kinds: the faults to choose from (see :data:`FAULT_KINDS`).
    :param latency_seconds: added to every request, like the round trip to AWS; a ``(low, high)``
        pair draws it anew for each request.
    :param consistency_lag: requests naming a newly created role that fail before it "appears".
    :param services: the services whose requests may be faulted (by SigV4 scope).
    :param seed: seed of the random choice, for repeatable runs.
    :param spacing: ``"even"`` (exactly ``fault_rate`` of the requests, spread evenly) or ``"random"``
        (each request not already in a burst starts one with probability ``fault_rate``).
    :param burst: ``(shortest, longest)`` run of consecutive faults, all of one kind, drawn per burst.
    :param storm: ``(request, kind, length)``: a burst of ``length`` faults of ``kind`` starting at the
        ``request``-th faultable request (1-based), whatever ``fault_rate`` says.
    :param drop_answers: ``{operation: n}``: the answers to the first ``n`` requests of the operation
        (``Action`` or ``X-Amz-Target`` name) are dropped after moto handled them.
    :param delete_lag: ``DeleteRole`` and ``DeletePolicy`` requests refused with ``DeleteConflict`` after
        each removal of one of the role's policies or of the policy's attachments or versions.
    :param conflicts: ``{operation: n}``: the first ``n`` requests of the IAM operation, or of the S3 bucket
        policy or ownership operation (:data:`_S3_CONFLICTING`), are answered ``ConcurrentModification``
        or ``OperationAborted`` (see the module's docstring) without reaching moto.
    :param rate_limits: throttle each (account, service, API) with a token bucket (see the module's docstring).
    :param rate_scale: multiplies every bucket's burst and refill rate (1: AWS's figures; more: a shorter run).
    :param stale_read_seconds: how far behind the writes the reads of key policies, inline role
        policies, role trust policies, managed policies and bucket policies lag (see the module's docstring); 0: none.
    :param intercept: called with each request's operation (all services, STS too; the API's name, never marked by
        :func:`recorded_name`): ``None`` handles it as
        usual; ``"hold"`` neither forwards nor answers it, and waits until the client hangs up (a client
        interrupted, e.g. by a Ctrl-C that ``intercept`` sends, while it waits for that answer);
        ``(status, code, message)`` answers that AWS error, in the service's protocol, without forwarding it.
    """

    def __init__(
        self,
        upstream: str,
        *,
        fault_rate: float = 0.0,
        kinds: tuple[str, ...] = FAULT_KINDS,
        latency_seconds: float | tuple[float, float] = 0.0,
        consistency_lag: int = 0,
        services: tuple[str, ...] = ("iam", "kms", "elasticmapreduce", "s3"),
        seed: int | None = None,
        spacing: str = "even",
        burst: tuple[int, int] = (1, 1),
        storm: tuple[int, str, int] | None = None,
        drop_answers: dict[str, int] | None = None,
        conflicts: dict[str, int] | None = None,
        delete_lag: int = 0,
        rate_limits: bool = False,
        rate_scale: float = 1.0,
        stale_read_seconds: float = 0.0,
        intercept: Callable[[str], str | tuple[int, str, str] | None] | None = None,
    ) -> None:
        if spacing not in ("even", "random"):
            raise ValueError(f"spacing must be 'even' or 'random', got {spacing!r}")
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.fault_rate, self.kinds, self.latency_seconds = fault_rate, kinds, latency_seconds
        self.consistency_lag, self.services = consistency_lag, services
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        #: Requests seen and faults injected, by kind (``forwarded``, ``throttle``, ``consistency`` …).
        self.stats: Counter[str] = Counter()
        self._lagging: dict[str, int] = {}  # role name -> requests still to fail
        self._faultable = self._faulted = 0
        self.spacing, self.burst, self.storm = spacing, burst, storm
        self.drop_answers = dict(drop_answers or {})
        self.conflicts = dict(conflicts or {})
        self.delete_lag = delete_lag
        #: ``("role", name)`` or ``("policy", arn)`` -> deletes still to refuse with ``DeleteConflict``.
        self._lingering: dict[tuple[str, str], int] = {}
        #: Every request seen, by operation (``Action`` or the ``X-Amz-Target`` operation; S3: ``s3 METHOD``), as
        #: :func:`recorded_name` names it (``DescribeKey`` of a predefined AWS alias marked as possibly creating a key).
        self.requests: Counter[str] = Counter()
        #: Lengths of the bursts of consecutive faults injected, in order.
        self.bursts: list[int] = []
        self._burst_kind: str | None = None
        self._burst_left = 0
        self.rate_limits, self.rate_scale = rate_limits, rate_scale
        #: Requests answered with a throttling error by the rate-limited mode, by operation.
        self.throttled: Counter[str] = Counter()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}  # key -> (tokens, when)
        self.stale_read_seconds = stale_read_seconds
        self.intercept = intercept
        #: Each shared document's versions, ``(when it was set, the document or None)``, oldest first.
        self._versions: dict[tuple[str, ...], list[tuple[float, str | None]]] = {}
        self._document_locks: dict[tuple[str, ...], threading.Lock] = {}
        #: Each shared document's latest version (its index in ``_versions``) the replica answered: none older follows.
        self._answered: dict[tuple[str, ...], int] = {}
        #: Set once a write of a shared document has gone through (with stale reads on): a test can
        #: start other writers then, so that their first reads fall inside the lag.
        self.shared_document_written = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def fault_share(self) -> float:
        """Share of faultable requests that got a fault (consistency errors not included)."""
        faults = sum(self.stats[kind] for kind in FAULT_KINDS)
        return faults / max(1, faults + self.stats["forwarded"])

    # Decisions -------------------------------------------------------------------------------

    def _latency(self) -> float:
        if isinstance(self.latency_seconds, tuple):
            with self.lock:
                return self.random.uniform(*self.latency_seconds)
        return self.latency_seconds

    def _choose_fault(self, service: str) -> str | None:
        if service not in self.services or not self.kinds:
            return None
        with self.lock:
            self._faultable += 1
            if self.storm is not None and self._faultable == self.storm[0]:
                _, kind, length = self.storm  # the storm comes whatever else is going on
            elif self._burst_left:  # a burst goes on, with the same kind of fault
                self._burst_left -= 1
                self._faulted += 1
                self.bursts[-1] += 1
                return self._burst_kind
            elif self.spacing == "random":
                if self.random.random() >= self.fault_rate:
                    return None
                kind, length = self.random.choice(self.kinds), self._burst_length()
            else:
                # Exactly ``fault_rate`` of the faultable requests, spread evenly (so a short run sees
                # the share it asked for); which fault, at random.
                if self._faulted + 1 > self.fault_rate * self._faultable:
                    return None
                kind, length = self.random.choice(self.kinds), self._burst_length()
            self._faulted += 1
            self._burst_kind, self._burst_left = kind, length - 1
            self.bursts.append(1)
            return kind

    def _burst_length(self) -> int:
        shortest, longest = self.burst
        return shortest if shortest == longest else self.random.randint(shortest, longest)

    def _over_rate(self, service: str, access_key: str, operation: str) -> bool:
        """Take a token from the (account, service, API) bucket; ``True`` when it is empty (throttle)."""
        if not self.rate_limits or service not in RATE_LIMITED_SERVICES:
            return False
        figure = request_rate(service, operation)
        burst, refill = figure.burst * self.rate_scale, figure.rate * self.rate_scale
        key = (account_of_access_key(access_key), service, operation)
        with self.lock:
            now = time.monotonic()
            tokens, when = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - when) * refill)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return False
            self._buckets[key] = (tokens, now)
            self.throttled[operation] += 1
            return True

    def _drop_answer(self, operation: str) -> bool:
        with self.lock:
            if self.drop_answers.get(operation, 0) > 0:
                self.drop_answers[operation] -= 1
                return True
        return False

    def _conflict(self, service: str, operation: str, path: str) -> tuple[int, str, str] | None:
        """The conflict answer for the next of the first requests of ``operation`` in ``conflicts`` (IAM, S3)."""
        if service == "s3":
            subresource = urlsplit(path).query.split("=", 1)[0]
            operation = _S3_CONFLICTING.get((operation, subresource), "")
        elif service != "iam":
            return None
        with self.lock:
            if self.conflicts.get(operation, 0) <= 0:
                return None
            self.conflicts[operation] -= 1
        if service == "s3":
            return (
                409,
                "OperationAborted",
                "A conflicting conditional operation is currently in progress against this resource. Please try again.",
            )
        return (
            409,
            "ConcurrentModification",
            "Another request updating the entity is in progress. Please try again later.",
        )

    def _lingering_error(self, service: str, form: dict[str, str]) -> tuple[int, str, str] | None:
        """``DeleteConflict`` for a delete of a role or policy whose subordinates IAM removed moments ago."""
        action = form.get("Action")
        if service != "iam" or action not in ("DeleteRole", "DeletePolicy"):
            return None
        key = ("role", form.get("RoleName", "")) if action == "DeleteRole" else ("policy", form.get("PolicyArn", ""))
        with self.lock:
            if self._lingering.get(key, 0) <= 0:
                return None
            self._lingering[key] -= 1
        if action == "DeleteRole":
            return 409, "DeleteConflict", "Cannot delete entity, must delete policies first."
        return 409, "DeleteConflict", "Cannot delete a policy attached to entities."

    def _note_removed(self, service: str, form: dict[str, str], status: int) -> None:
        """After a role's policy or a policy's attachment or version is removed, its deletes linger (``delete_lag``)."""
        if not self.delete_lag or service != "iam" or status != 200:
            return
        action, keys = form.get("Action"), []
        if action in ("DeleteRolePolicy", "DetachRolePolicy"):
            keys.append(("role", form.get("RoleName", "")))
        if action in ("DetachRolePolicy", "DeletePolicyVersion"):
            keys.append(("policy", form.get("PolicyArn", "")))
        with self.lock:
            for key in keys:
                self._lingering[key] = self.delete_lag

    def _consistency_error(self, service: str, form: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        """IAM's answer to a request naming a role created moments ago (``consistency_lag``); ``None``: none."""
        if not self._lagging or form.get("Action") == "CreateRole":
            return None
        with self.lock:
            for role, remaining in list(self._lagging.items()):
                if remaining <= 0:
                    continue
                error = _unknown_role_error(service, form, body, role)
                if error is not None:  # the lag is used up only by the requests it answers
                    self._lagging[role] -= 1
                    return error
        return None

    def _note_created(self, service: str, form: dict[str, str], status: int) -> None:
        if self.consistency_lag and service == "iam" and form.get("Action") == "CreateRole" and status == 200:
            with self.lock:
                self._lagging[form["RoleName"]] = self.consistency_lag

    def _document_key(
        self, service: str, operation: str, account: str, form: dict[str, str], body: bytes, path: str
    ) -> tuple[str, ...] | None:
        """The shared document a request reads or writes (for stale reads), ``None`` for any other request."""
        # One key per document: these two calls take the key ID or key ARN, no alias (AWS KMS API Reference,
        # "GetKeyPolicy", "PutKeyPolicy", ``KeyId``); role names "are not distinguished by case" (IAM API
        # Reference, "CreateRole", ``RoleName``).
        if service == "kms" and operation in ("GetKeyPolicy", "PutKeyPolicy"):
            return ("kms", account, str(json.loads(body or b"{}").get("KeyId", "")).rsplit(":key/", 1)[-1])
        role = form.get("RoleName", "").lower()
        if service == "iam" and operation in ("GetRolePolicy", "PutRolePolicy", "DeleteRolePolicy"):
            return ("iam", account, role, form.get("PolicyName", ""))
        if service == "iam" and operation in ("GetRole", "DeleteRole", *_TRUST_WRITES):
            return ("iam-trust", account, role)
        if service == "iam" and operation in _MANAGED_POLICY_OPERATIONS:
            arn = (
                form.get("PolicyArn") or f"arn:aws:iam::{account}:policy{form.get('Path', '/')}{form.get('PolicyName')}"
            )
            return ("iam-managed", account, arn)
        if service == "s3" and operation in ("s3 GET", "s3 PUT", "s3 DELETE"):
            parts = urlsplit(path)
            if "policy" in parse_qs(parts.query, keep_blank_values=True):
                return ("s3", parts.path.strip("/").split("/", 1)[0])
        return None

    def _current(self, key: tuple[str, ...], region: str = "") -> Any:
        """
        A shared document as moto holds it now, read from its backend in this process (``None``: there is none): a
        managed policy's default version and versions, else the document (``region``: the request's, for IAM's
        partition and KMS's Region).
        """
        if key[0] == "iam-managed":
            return _managed_policy_now(key)
        if key[0] == "kms":
            return _key_policy_now(key, region)
        if key[0] == "s3":
            return _bucket_policy_now(key[1])
        return _role_document_now(key, region)

    def _before_write(self, key: tuple[str, ...] | None, operation: str, region: str = "") -> None:
        """Keep a shared document as moto has it before the first write to it the proxy sees (its oldest version)."""
        if key is None or operation not in _DOCUMENT_WRITES.get(key[0], ()):
            return
        with self.lock:
            if not self._versions.get(key):
                self._versions[key] = [(time.monotonic(), self._current(key, region))]

    def _note_version(
        self, key: tuple[str, ...] | None, operation: str, form: dict[str, str], body: bytes, status: int
    ) -> None:
        """Keep the version a successful write of a shared document set (for stale reads)."""
        if key is None or status not in (200, 204):
            return
        if operation in ("PutKeyPolicy",):
            document = json.loads(body or b"{}").get("Policy")
        elif operation == "PutRolePolicy":
            document = form.get("PolicyDocument")
        elif operation in _TRUST_WRITES:
            document = form.get(_TRUST_WRITES[operation])
        elif operation == "s3 PUT":
            document = body.decode()
        elif operation in ("DeleteRolePolicy", "DeleteRole", "s3 DELETE"):
            document = None
        elif operation in _MANAGED_POLICY_WRITES:
            with self.lock:  # the state right after the write, taken in order with the other writers'
                self._versions.setdefault(key, []).append((time.monotonic(), self._current(key)))
            self.shared_document_written.set()
            return
        else:
            return  # a read
        with self.lock:
            self._versions.setdefault(key, []).append((time.monotonic(), document))
        self.shared_document_written.set()

    def versions_kept(self, key: tuple[str, ...]) -> list[Any]:
        """The versions the lagging replica keeps of one shared document (as :meth:`_document_key` names it), oldest first."""
        with self.lock:
            return [document for _when, document in self._versions.get(key, [])]

    def _in_force(self, key: tuple[str, ...], fresh: Any) -> Any:
        """
        The version the lagging replica answers (``None``: no document; ``_FRESH``: the one moto has): the one in
        force ``stale_read_seconds`` ago (the oldest known, if none is that old), or a later one it answered before.
        """
        now = time.monotonic()
        with self.lock:
            versions = self._versions.setdefault(key, [])
            if not versions:
                versions.append((now, fresh))  # the oldest version known: as moto has it at the first read
            if versions[-1][0] <= now - self.stale_read_seconds:
                self._answered[key] = len(versions) - 1
                return _FRESH  # nobody wrote it lately: the replica has caught up
            in_force = sum(1 for when, _document in versions if when <= now - self.stale_read_seconds)
            index = self._answered[key] = max(in_force - 1, self._answered.get(key, 0))
            document = versions[index][1]
        return _FRESH if document == fresh else document

    def _caught_up(self, key: tuple[str, ...]) -> None:
        """A read answered as moto has it (the replica's version could not be written out): none older follows."""
        with self.lock:
            self._answered[key] = len(self._versions.get(key, [])) - 1

    def _stale_answer(
        self, key: tuple[str, ...] | None, operation: str, form: dict[str, str], status: int, answer: bytes
    ) -> tuple[int, bytes] | None:
        """The answer a replica ``stale_read_seconds`` behind gives to a read (``None``: moto's own)."""
        if not self.stale_read_seconds or key is None:
            return None
        if key[0] == "iam-managed" and operation in ("GetPolicy", "GetPolicyVersion", "ListPolicyVersions"):
            return self._stale_managed_answer(key, operation, form, status, answer)
        fresh = _document_answered(operation, status, answer)
        if fresh is _FRESH:
            return None  # a write, or an error other than a missing document
        document = self._in_force(key, fresh)
        if document is _FRESH:
            return None
        stale = replica_answer(key, operation, form, document, answer)
        if stale is None:
            self._caught_up(key)
            return None
        self.stats["stale-read"] += 1
        return stale

    def _stale_managed_answer(
        self, key: tuple[str, ...], operation: str, form: dict[str, str], status: int, answer: bytes
    ) -> tuple[int, bytes] | None:
        """A managed policy's default version, one version or its version list, as the lagging replica has them."""
        fresh = self._current(key)
        state = self._in_force(key, fresh)
        if state is _FRESH:
            return None
        if state is None:  # not created yet, or deleted already, on that replica
            stale: tuple[int, bytes] | None = (
                404,
                _iam_error("NoSuchEntity", f"Policy {key[2]} does not exist or is not attachable."),
            )
        elif operation == "GetPolicy":
            if fresh is None or status != 200:  # a policy moto no longer has: its other fields are not kept
                self._caught_up(key)
                return None
            if state["default"] == fresh["default"]:
                return None
            default = f"<DefaultVersionId>{state['default']}</DefaultVersionId>".encode()
            stale = status, _DEFAULT_VERSION.sub(lambda _match: default, answer, count=1)
        else:
            stale = _versions_answer(key, operation, form.get("VersionId", ""), state, fresh)
            if stale is None:
                return None
        self.stats["stale-read"] += 1
        return stale

    # HTTP ------------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_FaultHandler,), {"proxy": self})

    def _forward_to_replica(
        self, service: str, operation: str, access_key: str, form: dict[str, str], request: tuple[str, str, Any, bytes]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """
        :meth:`_forward` ``(method, path, headers, body)``; with stale reads on, note the writes of the
        shared documents and answer their reads as the lagging replica.
        """
        if not self.stale_read_seconds:
            return self._forward(*request)
        body, path = request[3], request[1]
        account = account_of_access_key(access_key) if access_key else ""
        document = self._document_key(service, operation, account, form, body, path)
        if document is None:
            return self._forward(*request)
        with self._document_lock(document):  # the versions kept in the order moto applied the writes
            match = _REGION.search(request[2].get("Authorization", ""))
            self._before_write(document, operation, match.group(1) if match else "")
            status, headers, answer = self._forward(*request)
            self._note_version(document, operation, form, body, status)
            stale = self._stale_answer(document, operation, form, status, answer)
        return (status, headers, answer) if stale is None else (stale[0], headers, stale[1])

    def _document_lock(self, key: tuple[str, ...]) -> threading.Lock:
        """
        The lock that one shared document's requests hold from their forward to the version they note or read.

        Without it two writes could reach moto in one order and be noted in the other: the replica then
        answered, for the lag, a version moto had already overwritten, then moto's, going back in time (a
        CI run lost a grant so, though inside the limit of ``docs/safety.md``); and a read forwarded between
        a write and its note was answered fresh, the next one as before that write.
        """
        with self.lock:
            return self._document_locks.setdefault(key, threading.Lock())

    def _forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            forwarded = {name: value for name, value in headers.items() if name.lower() != "connection"}
            connection.request(method, path, body=body, headers=forwarded)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


class _FaultHandler(BaseHTTPRequestHandler):
    """Relays one request to moto, or answers it with the fault the proxy chose."""

    protocol_version = "HTTP/1.1"
    proxy: FaultProxy

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _intercepted(self, service: str, operation: str) -> bool:
        """
        Hold or answer the request as the proxy's ``intercept`` says, and return ``True``; else wait the
        proxy's latency and return ``False``.
        """
        decision = self.proxy.intercept(operation) if self.proxy.intercept is not None else None
        if decision is None:
            delay = self.proxy._latency()
            if delay:
                threading.Event().wait(delay)
            return False
        self.proxy.stats["intercepted"] += 1
        if decision == "hold":
            select.select([self.connection], [], [], 60)  # readable: the client hung up (or sent more)
            self.close_connection = True
        else:
            self._error(service, *decision)
        return True

    def _any(self) -> None:
        proxy = self.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _SCOPE.search(self.headers.get("Authorization", ""))
        service = match.group(1) if match else ""
        form = _form(body, self.headers.get("Content-Type", ""))
        operation = _operation(service, self.command, self.headers, form)
        recorded = recorded_name(operation, json_params(operation, body))  # the body itself is forwarded untouched
        with proxy.lock:
            proxy.requests[recorded] += 1
        if self._intercepted(service, operation):
            return None
        key = _ACCESS_KEY.search(self.headers.get("Authorization", ""))
        if proxy._over_rate(service, key.group(1) if key else "", operation):
            proxy.stats["rate-limited"] += 1
            code = "Throttling" if service in ("iam", "sts") else "ThrottlingException"
            return self._error(service, 400, code, "Rate exceeded")
        conflict = proxy._conflict(service, operation, self.path)
        if conflict is not None:
            proxy.stats["conflict"] += 1
            return self._error(service, *conflict)
        lag = proxy._consistency_error(service, form, body) or proxy._lingering_error(service, form)
        if lag is not None:
            proxy.stats["consistency"] += 1
            return self._error(service, *lag)
        fault = proxy._choose_fault(service)
        if fault is not None:
            proxy.stats[fault] += 1
        injected = _injected_error(service, fault)
        if injected is not None:
            return self._error(service, *injected)
        if fault == "drop-before":
            return self._drop()
        status, headers, answer = proxy._forward_to_replica(
            service, operation, key.group(1) if key else "", form, (self.command, self.path, self.headers, body)
        )
        proxy._note_created(service, form, status)
        proxy._note_removed(service, form, status)
        if fault == "drop-after":
            return self._drop()
        if proxy._drop_answer(operation):
            proxy.stats["dropped-answer"] += 1
            return self._drop()
        proxy.stats["forwarded"] += 1
        return self._relay(status, headers, answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

    def _relay(self, status: int, headers: list[tuple[str, str]], answer: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.close()

    def _error(self, service: str, status: int, code: str, message: str) -> None:
        if service in ("iam", "sts"):
            body = _iam_error(code, message)
            content_type = "text/xml"
        elif service == "s3":
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
            content_type = "application/xml"
        elif service == "ec2":  # EC2's query protocol (Amazon EC2 API Reference, "Error codes": the error response)
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>fault-proxy</RequestID></Response>"
            ).encode()
            content_type = "text/xml"
        else:
            body = json.dumps({"__type": code, "message": message}).encode()
            content_type = "application/x-amz-json-1.1"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has no body (S3 API Reference, "HeadObject"): none follows it
            self.wfile.write(body)


def _unknown_role_error(service: str, form: dict[str, str], body: bytes, role: str) -> tuple[int, str, str] | None:
    """
    The error IAM or KMS gives a request naming ``role`` before the role "appears": ``NoSuchEntity`` for an IAM call on
    it, a malformed-policy error for a trust or key policy naming it (IAM's form-encoded trust policy read decoded; an
    identity policy naming it as a resource is not refused).
    """
    if service == "iam" and form.get("RoleName") == role:
        return 404, "NoSuchEntity", f"The role with name {role} cannot be found."
    named = f":role/{role}"
    if service == "iam" and named in form.get(_TRUST_WRITES.get(form.get("Action", ""), ""), ""):
        return 400, "MalformedPolicyDocument", "Invalid principal in policy"
    if service == "kms" and named.encode() in body:
        return (
            400,
            "MalformedPolicyDocumentException",
            "Policy contains a statement with one or more invalid principals.",
        )
    return None


def _injected_error(service: str, fault: str | None) -> tuple[int, str, str] | None:
    """The status, code and message of an injected throttle or server error (``None`` for other faults)."""
    if fault == "throttle":
        return 400, "ThrottlingException" if service != "iam" else "Throttling", "Rate exceeded"
    if fault in ("http500", "http503"):
        return int(fault[4:]), "InternalFailure" if fault == "http500" else "ServiceUnavailable", "injected"
    return None


def _managed_policy_now(key: tuple[str, ...]) -> Any:
    """A managed policy as moto holds it now (its default version and versions), ``None`` if there is none."""
    from moto.iam.models import iam_backends

    _, account, arn = key
    policy = iam_backends[account][arn.split(":")[1]].managed_policies.get(arn)
    if policy is None:
        return None
    versions = {version.version_id: (version.document, version.create_date) for version in list(policy.versions)}
    return {"default": policy.default_version_id, "versions": versions}


def _role_document_now(key: tuple[str, ...], region: str) -> str | None:
    """
    A role's trust policy (``("iam-trust", account, role)``) or inline policy (``("iam", account, role, name)``) as
    moto holds it now, in the partition of ``region``; ``None``: no such role or policy.
    """
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    roles = list(iam_backends[key[1]][get_partition(region)].roles.values())
    role = next((role for role in roles if role.name.lower() == key[2]), None)  # names "not distinguished by case"
    if role is None:
        return None
    return str(role.assume_role_policy_document) if key[0] == "iam-trust" else role.policies.get(key[3])


def _key_policy_now(key: tuple[str, ...], region: str) -> str | None:
    """A KMS key's policy (``("kms", account, key ID)``) as moto holds it now in ``region``; ``None``: no such key."""
    from moto.kms.models import kms_backends

    found = kms_backends[key[1]][region].keys.get(key[2]) if region else None
    return None if found is None else str(found.policy)


def _bucket_policy_now(bucket: str) -> str | None:
    """A bucket's policy as moto holds it now (in its owner's backend); ``None``: no such bucket, or no policy."""
    from moto.s3.models import s3_backends

    owner = dict.get(s3_backends.bucket_accounts, bucket)
    found = s3_backends[owner[1]][owner[0]].buckets.get(bucket) if owner else None
    policy = found.policy if found is not None else None
    return policy.decode() if isinstance(policy, bytes) else policy


def _versions_answer(
    key: tuple[str, ...], operation: str, version_id: str, state: dict[str, Any], fresh: dict[str, Any] | None
) -> tuple[int, bytes] | None:
    """A managed policy's ``ListPolicyVersions`` or ``GetPolicyVersion`` answer from ``state`` (``None``: moto's)."""
    fresh = fresh or {"default": None, "versions": {}}
    if operation == "ListPolicyVersions":
        if (state["default"], list(state["versions"])) == (fresh["default"], list(fresh["versions"])):
            return None
        members = "".join(f"<member>{_version_xml(state, version)}</member>" for version in state["versions"])
        return 200, _iam_answer(operation, f"<Versions>{members}</Versions><IsTruncated>false</IsTruncated>")
    if (version_id in state["versions"], version_id == state["default"]) == (
        version_id in fresh["versions"],
        version_id == fresh["default"],
    ):
        return None
    if version_id not in state["versions"]:  # not created yet, or deleted already, on that replica
        return 404, _iam_error("NoSuchEntity", f"Policy {key[2]} version {version_id} does not exist.")
    return 200, _iam_answer(operation, f"<PolicyVersion>{_version_xml(state, version_id)}</PolicyVersion>")


def _document_answered(operation: str, status: int, answer: bytes) -> Any:
    """
    The shared document moto's answer to a read holds (``None``: the service's "no such document" answer), ``_FRESH``
    for a write or for another answer.
    """
    missing = status == 404 and (b"NoSuchEntity" in answer or b"NoSuchBucketPolicy" in answer)
    if operation == "GetKeyPolicy" and status == 200:
        return json.loads(answer).get("Policy")
    if operation in _IAM_DOCUMENTS and (status == 200 or missing):  # URL-encoded text
        match = _IAM_DOCUMENT_TEXT[operation].search(answer)
        return unquote(unescape(match.group(1).decode())) if status == 200 and match else None
    if operation == "s3 GET" and (status == 200 or missing):
        return answer.decode() if status == 200 else None
    return _FRESH


def replica_answer(
    key: tuple[str, ...], operation: str, form: dict[str, str], document: str | None, answer: bytes
) -> tuple[int, bytes] | None:
    """
    The answer a replica holding ``document`` (``None``: none) gives to a read of a key, inline, trust or bucket policy,
    in the service's protocol; ``None`` where it cannot be written out (moto's ``answer`` has no role to put a trust
    policy in, no key a replica has no policy for). A missing document: ``NoSuchEntity`` (IAM API Reference,
    "GetRolePolicy", "GetRole"), ``NoSuchBucketPolicy`` (Amazon S3 API Reference, "Error responses", "List of error
    codes": "The specified bucket does not have a bucket policy").
    """
    if operation == "GetKeyPolicy":
        return None if document is None else (200, json.dumps({**json.loads(answer), "Policy": document}).encode())
    if operation == "s3 GET":
        if document is None:
            return 404, (
                "<Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not exist</Message>"
                f"<BucketName>{escape(key[1])}</BucketName></Error>"
            ).encode()
        return 200, document.encode()
    if document is None:
        what, name = (
            ("role policy", form.get("PolicyName")) if operation == "GetRolePolicy" else ("role", form.get("RoleName"))
        )
        return 404, _iam_error("NoSuchEntity", f"The {what} with name {name} cannot be found.")
    encoded = escape(quote(document))
    if operation == "GetRole":
        trust = _IAM_DOCUMENT_TEXT["GetRole"]
        if not trust.search(answer):
            return None  # the role is gone now: its other fields are not kept
        replaced = f"<AssumeRolePolicyDocument>{encoded}</AssumeRolePolicyDocument>".encode()
        return 200, trust.sub(lambda _match: replaced, answer, count=1)
    result = (
        f"<RoleName>{escape(form.get('RoleName', ''))}</RoleName><PolicyName>{escape(form.get('PolicyName', ''))}"
        f"</PolicyName><PolicyDocument>{encoded}</PolicyDocument>"
    )
    return 200, _iam_answer("GetRolePolicy", result)


def _version_xml(state: dict[str, Any], version_id: str) -> str:
    """One policy version as IAM's query protocol shows it (the document URL-encoded, as IAM sends it)."""
    document, created = state["versions"][version_id]
    default = "true" if version_id == state["default"] else "false"
    return (
        f"<Document>{escape(quote(document))}</Document><VersionId>{version_id}</VersionId>"
        f"<IsDefaultVersion>{default}</IsDefaultVersion><CreateDate>{created.isoformat().replace('+00:00', '')}Z</CreateDate>"
    )


def _iam_answer(operation: str, result: str) -> bytes:
    return (
        f'<{operation}Response xmlns="{_IAM_NAMESPACE}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>fault-proxy</RequestId></ResponseMetadata></{operation}Response>"
    ).encode()


def _iam_error(code: str, message: str) -> bytes:
    """An error as IAM's (and STS's) query protocol sends it."""
    return (
        f'<ErrorResponse xmlns="{_IAM_NAMESPACE}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    ).encode()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 makes a burst of concurrent clients wait a second to reconnect.
    request_queue_size = 128


#: Marks a read that changes something: ``DescribeKey`` on a predefined AWS alias (``alias/aws/s3``, or its alias ARN
#: ``arn:aws:kms:…:alias/aws/s3``) with no key yet makes KMS create the AWS managed key (AWS KMS API Reference,
#: "DescribeKey", ``KeyId``: "If you specify a predefined AWS alias (an AWS alias with no key ID), KMS associates the
#: alias with an AWS managed key"; "To specify a KMS key, use its key ID, key ARN, alias name, or alias ARN"). Recorded
#: as ``DescribeKey`` + this, it counts as a change (``devstack.testing.may_change``), whether or not the key existed.
CREATES_AWS_MANAGED_KEY = " (predefined AWS alias: may create the AWS managed key)"
#: The reads whose recorded name depends on their parameters: only ``DescribeKey`` is documented to create a key.
#: ``GetKeyPolicy`` takes a key ID or key ARN only (AWS KMS API Reference, "GetKeyPolicy", ``KeyId``); ``GetPublicKey``
#: takes an alias but its reference says nothing of creating a key ("GetPublicKey", ``KeyId``); ``Encrypt`` and
#: ``GenerateDataKey`` (which may create the key too) are not reads by name, so every recorder counts them anyway.
READS_THAT_MAY_CREATE = frozenset({"DescribeKey"})
#: A predefined AWS alias, by name (``alias/aws/s3``) or alias ARN: "The alias/aws/ prefix is reserved for AWS managed
#: key" (AWS KMS Developer Guide, "Create aliases").
_PREDEFINED_AWS_ALIAS = re.compile(r"(^|:)alias/aws/")


def recorded_name(operation: str, params: Any) -> str:
    """
    The name every recorder keeps for a call: the operation's, marked (:data:`CREATES_AWS_MANAGED_KEY`) when a read
    may create something.

    :param operation: the API operation's name (``DescribeKey``).
    :param params: the call's parameters (the request's JSON body, parsed), or ``None`` when not known.
    """
    key_id = params.get("KeyId") if operation in READS_THAT_MAY_CREATE and isinstance(params, dict) else None
    if isinstance(key_id, str) and _PREDEFINED_AWS_ALIAS.search(key_id):
        return operation + CREATES_AWS_MANAGED_KEY
    return operation


def json_params(operation: str, body: Any) -> Any:
    """
    The parsed JSON body of a request whose recorded name depends on it (:data:`READS_THAT_MAY_CREATE`); ``None`` for
    any other operation (not parsed) or a body that is not JSON.
    """
    if operation not in READS_THAT_MAY_CREATE or not isinstance(body, (bytes, str)) or not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _operation(service: str, method: str, headers: Any, form: dict[str, str]) -> str:
    """The operation a request calls: the query protocol's ``Action``, the JSON protocol's target, else the method."""
    if form.get("Action"):
        return form["Action"]
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    return f"{service} {method}"


def _form(body: bytes, content_type: str) -> dict[str, str]:
    if "x-www-form-urlencoded" not in content_type:
        return {}
    return {key: values[0] for key, values in parse_qs(body.decode(errors="replace")).items()}
