"""Reading AWS errors: their codes, and access denials turned into messages that say what to grant."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import (
    ConnectionError as BotocoreConnectionError,
)

from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FEDERATED_ASSUMPTIONS,
    KEY_POLICY_DECIDED,
    ROLE_ASSUMPTIONS,
    key_policy_allows,
)
from airflow_provider_emrfs_xacct.pure.denials import (
    identity_named,
    in_identity_policy,
    is_federated,
    read_denial,
    refused_action,
    what_lifts,
)
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, PrincipalNotFoundError
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

log = logging.getLogger(__name__)

# The error codes that mean AWS refused the caller, by the services the provider calls:
# - ``AccessDenied``: S3 ("AccessDenied", 403 Forbidden: Amazon S3 API Reference, "Error responses", "List of error
#   codes") and S3 Control, whose denial format has no page of its own: the same page's REST error responses, whose
#   list also holds S3 Control's codes (Storage Lens, Access Grants), are taken as its, and nothing wider. IAM and
#   STS (query protocol) answer it too ("User: … is not authorized to perform: iam:…"), which their API References
#   do not list as a code: their "Common Errors" name ``AccessDeniedException``, kept for them as well;
# - ``AccessDeniedException``: KMS and EMR (JSON protocol: "You do not have sufficient access to perform this
#   action", AWS KMS API Reference and Amazon EMR API Reference, "Common Errors");
# - ``UnauthorizedOperation``: EC2 (Amazon EC2 API Reference, "Troubleshooting API request errors", "Unauthorized
#   operation": "the request returns the following error: Client.UnauthorizedOperation").
# A HEAD request (HeadBucket) has no error body: botocore gives its status as the code (``403``), read where it
# is sent (``EmrfsS3Hook.bucket_region``). "Forbidden" is no code any of these services documents (it is the
# HTTP reason botocore puts in the *message* of such an answer), so it is not taken as a refusal.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
#: The codes a write is refused with, changing nothing, while another request changes the same resource
#: (HTTP 409): IAM's ``ConcurrentModification`` ("The request was rejected because multiple requests to
#: change this object were submitted simultaneously. Wait a few minutes and submit your request again.",
#: IAM API Reference, e.g. "CreateRole", "DeleteRole"; IAM also answers it to ``PutRolePolicy`` and
#: ``AttachRolePolicy``, hashicorp/terraform-provider-aws#34371 and #39421) and S3's ``OperationAborted``
#: ("A conflicting conditional operation is currently in progress against this resource. Try again.",
#: Amazon S3 API Reference, "Error responses", "List of error codes"; answered to ``PutBucketPolicy``
#: beside another change of the bucket, ansible/ansible#67811). botocore retries neither: they are not
#: among the throttling or transient codes of ``botocore/retries/standard.py``, and no service model
#: marks them retryable.
CONCURRENT_WRITE_CODES = frozenset({"ConcurrentModification", "OperationAborted"})
#: Codes with which AWS refuses a request's credentials themselves, whatever the call (Common Errors of the
#: AWS APIs, e.g. AWS STS API Reference and Amazon EMR API Reference, "Common Errors": "ExpiredTokenException:
#: The security token included in the request is expired" (STS's query protocol answers ``ExpiredToken``),
#: "InvalidClientTokenId: The X.509 certificate or AWS access key ID provided does not exist in our records",
#: "MissingAuthenticationToken"); ``UnrecognizedClientException`` is the JSON services' (KMS, EMR) invalid
#: token, ``SignatureDoesNotMatch`` a secret key that does not belong to the key id. S3 has its own (Amazon S3 API
#: Reference, "Error responses", "List of error codes": ``InvalidAccessKeyId`` "The AWS access key ID that you provided
#: does not exist in our records", ``InvalidToken`` "The provided token is malformed or otherwise invalid",
#: ``TokenRefreshRequired`` "The provided token must be refreshed", ``ExpiredToken`` "The provided token has
#: expired"). EC2 answers expired credentials with ``ExpiredTokenException`` (Amazon EC2 API Reference, "Common Error
#: Types": "The security token included in the request has expired") and a signature AWS no longer takes with
#: ``RequestExpired`` ("Common Errors" of the API references: "The request reached the service more than 15 minutes
#: after the date stamp on the request"): the request's signing, not what it reads. EC2's ``AuthFailure`` is not
#: among them: it also answers a request the caller may not make (Amazon EC2 API Reference, "Error codes for the
#: Amazon EC2 API": "You might not be authorized to carry out the request").
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "MissingAuthenticationToken",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidToken",
        "TokenRefreshRequired",
        "RequestExpired",
    }
)
#: The codes botocore's standard retries count as throttling (``botocore/retries/standard.py``,
#: ``ThrottledRetryableChecker``), e.g. IAM's and STS's ``Throttling``, KMS's and EMR's ``ThrottlingException``
#: ("The request was denied due to request throttling", "Common Errors" of their API References), EC2's
#: ``RequestLimitExceeded`` and S3's ``SlowDown``. One answered after the retries ran out says "not now".
THROTTLING_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
#: The waits before sending again a write refused with one of :data:`CONCURRENT_WRITE_CODES` (or IAM's lag
#: on a delete): doubling from 0.5 s up to 8 s, about a minute in all, as the read-modify-writes' bounded
#: backoff (``ConvergeSettings``: ``first_backoff_seconds``, ``consistency_wait_seconds``). IAM says "Wait a
#: few minutes": past this the error is raised, and the task's own retries take over.
CONCURRENT_WRITE_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0)
# Request parameters that name the resource a call acts on, most specific first: the one its action is granted
# on (Service Authorization Reference, "Actions, resources, and condition keys for AWS Identity and Access
# Management": a managed policy's reads and writes on the ``policy`` its ``PolicyArn`` names; AttachRolePolicy and
# DetachRolePolicy on the ``role``, so ``RoleName`` before ``PolicyArn``; GetRolePolicy and the other inline
# policy calls on the role too, so ``RoleName`` before ``PolicyName``, which CreatePolicy names alone).
RESOURCE_PARAMETERS = (
    "KeyId",
    "RoleName",
    "PolicyArn",
    "PolicyName",
    "InstanceProfileName",
    "PolicySourceArn",
    "Name",
    "ClusterId",
    "JobFlowId",
    "JobFlowIds",
    "Bucket",
    "VpcId",
    "PrefixListId",
    "AccountId",
)


#: The IAM actions of the S3 operations the provider sends whose action is not named after them (Service
#: Authorization Reference, "Actions, resources, and condition keys for Amazon S3"; S3 API Reference, each
#: operation's "Permissions", e.g. HeadBucket: "you must have permissions to perform the s3:ListBucket action").
S3_ACTIONS = {
    "HeadBucket": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
}


class FieldAccessDeniedError(AccessDeniedError):
    """
    An :class:`AccessDeniedError` about the value of one parameter (``key_arn``): still a denial (retriable; the
    command line's exit 3), and its message starts with the parameter, as an ``InvalidParameterError``'s does, so
    that a task (``operators/failures.py``, ``name_the_argument``) or the command line names where the value came from.

    :param message: the denial (:func:`denial_message`).
    :param field: the parameter whose value the denied call was made for.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def iam_action(service: str, operation: str) -> str:
    """The IAM action of one API operation of ``service`` (its signing name): ``s3:ListBucket`` for HeadBucket."""
    return S3_ACTIONS.get(operation, f"s3:{operation}") if service == "s3" else f"{service}:{operation}"


def error_code(error: ClientError) -> str:
    """Return the AWS error code of a botocore ``ClientError``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    """The HTTP status AWS answered ``error`` with (0 when the answer gives none)."""
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def error_message(error: ClientError) -> str:
    """Return the AWS error message of a botocore ``ClientError`` (empty when it has none)."""
    return str(error.response.get("Error", {}).get("Message", ""))


def refuses_a_principal(error: BaseException, code: str) -> bool:
    """
    Return whether ``error`` is AWS's refusal (``code``) of a policy for a principal it does not see.

    IAM (``MalformedPolicyDocument``), KMS (``MalformedPolicyDocumentException``) and S3 (``MalformedPolicy``)
    say "invalid principal(s)" in the message only: none has a code of its own for it.
    """
    return (
        isinstance(error, ClientError)
        and error_code(error) == code
        and "invalid principal" in error_message(error).lower()
    )


@contextmanager
def naming_missing_principals(
    is_refusal: Callable[[ClientError], bool], field: str, where: str, principals: list[str], waited_seconds: float
) -> Iterator[None]:
    """
    Raise AWS's refusal of a policy naming principals it does not see (``is_refusal``) as :class:`PrincipalNotFoundError`.

    Meant around a write whose refusal has already been waited out for ``waited_seconds`` (IAM's lag) or,
    with 0, is not waited out: what AWS said is kept, and ``field`` and ``principals`` are named.
    """
    try:
        yield
    except ClientError as error:
        if is_refusal(error):
            raise PrincipalNotFoundError(field, where, principals, waited_seconds, error_message(error)) from error
        raise


def is_concurrent_write(error: BaseException) -> bool:
    """Return whether AWS refused a write because another request was changing the same resource (try again later)."""
    return isinstance(error, ClientError) and error_code(error) in CONCURRENT_WRITE_CODES


#: A request whose answer was lost or never came (a connection refused, closed or timed out).
CONNECTION_ERRORS = (BotocoreConnectionError, HTTPClientError)


def is_refused_for_now(error: BaseException) -> bool:
    """
    Whether a call failed for a while, not for what it asks: another write in progress (:func:`is_concurrent_write`),
    AWS's rate (:func:`is_throttled`), a fault of AWS's own (HTTP 5xx) or an answer lost (:data:`CONNECTION_ERRORS`),
    what botocore's standard retries send a call again after (Boto3 guide, "Retries"), and ``ConcurrentModification``.
    """
    if isinstance(error, CONNECTION_ERRORS):
        return True
    if not isinstance(error, ClientError):
        return False
    status = http_status(error)
    return is_concurrent_write(error) or is_throttled(error) or status >= 500


def send_again_while(
    is_passing: Callable[[Exception], bool],
    call: Callable[..., Any],
    *,
    waits: Sequence[float] = CONCURRENT_WRITE_WAITS,
    **arguments: Any,
) -> Any:
    """
    Send one write (``call(**arguments)``), again after each of ``waits`` while AWS refuses it with an error ``is_passing``.

    For writes that replace nothing read before (attach, delete): a document read, merged and written goes
    through :func:`~airflow_provider_emrfs_xacct.pure.converge.read_modify_write`, which reads it again instead.
    The last refusal is raised as it is.
    """
    for wait in waits:
        try:
            return call(**arguments)
        except (ClientError, *CONNECTION_ERRORS) as error:
            if not is_passing(error):
                raise
            if isinstance(error, ClientError):
                log.info("%s: %s; sending it again in %.1f s", error.operation_name, error_message(error), wait)
            else:
                log.info("%s; sending it again in %.1f s", error, wait)
            time.sleep(wait)
    return call(**arguments)


def retry_concurrent_writes(call: Callable[..., Any], **arguments: Any) -> Any:
    """Send one write, again after a backoff while AWS refuses it for another write in progress (:func:`is_concurrent_write`)."""
    return send_again_while(is_concurrent_write, call, **arguments)


def credentials_problem(error: BaseException) -> bool:
    """Whether ``error`` says the credentials are missing, expired or not valid (not that a call is denied)."""
    if isinstance(
        error, (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError, TokenRetrievalError, SSOError)
    ):
        return True
    return isinstance(error, ClientError) and error_code(error) in CREDENTIAL_ERROR_CODES


def is_throttled(error: BaseException) -> bool:
    """Whether AWS answered ``error`` for too many requests (:data:`THROTTLING_ERROR_CODES`): try again later."""
    return isinstance(error, ClientError) and error_code(error) in THROTTLING_ERROR_CODES


def says_nothing_of_the_read(error: BaseException) -> bool:
    """
    Whether a read's ``error`` is about the caller's credentials (:func:`credentials_problem`) or AWS's rate
    (:func:`is_throttled`), not about what is read: a verifier's read raises it (the command line's exit 6 and 3)
    instead of leaving a link "not read".
    """
    return credentials_problem(error) or is_throttled(error)


def is_access_denied(error: BaseException) -> bool:
    """Return whether an error is AWS refusing the caller (as opposed to a missing resource or a fault)."""
    return isinstance(error, ClientError) and error_code(error) in ACCESS_DENIED_CODES


def denial_message(
    error: ClientError, *, action: str, resource: str, account: str, conn_id: str | None, advice: str = ""
) -> str:
    """
    The one way access denials are explained: who (account, connection) was refused what action on
    which resource, AWS's message, and what to grant (``advice``, else :func:`what_to_grant`'s). The refused call
    follows an action not named after it (``s3:ListBucket (HeadBucket)``: S3's actions are not its operations).
    """
    operation = getattr(error, "operation_name", "") or ""
    called = f" ({operation})" if operation and action.partition(":")[2] != operation else ""
    return (
        f"{action}{called} on {resource} was denied in account {account} (connection {conn_id!r}): "
        f"{error_message(error)}. {advice or what_to_grant(action, error_message(error), account)}"
    )


def assumed_by_connection(hook: Any, error: ClientError) -> str | None:
    """
    The role a refused STS role assumption was for, when ``error`` refuses the connection's own (``None``: another
    call). AwsBaseHook assumes a connection's ``role_arn`` (``AssumeRole``, ``AssumeRoleWithWebIdentity`` or
    ``AssumeRoleWithSAML``: :data:`~.findings.ROLE_ASSUMPTIONS`) when it builds the session and when the credentials are
    refreshed, in the middle of any call; its profile may assume another role first (AWS CLI User Guide, "Using an IAM
    role in the AWS CLI": ``role_arn`` with ``source_profile``). The provider sends none of its own. The role AWS's
    message names ("not authorized to perform: sts:AssumeRole on resource: <ARN>": IAM User Guide, "Troubleshoot access
    denied error messages") first, else the connection's ``role_arn``; a web identity login its
    ``assume_role_method`` does not make is the worker's own (:data:`WORKER_LOGINS`: its role and account unknown).
    """
    operation = getattr(error, "operation_name", "")
    if operation not in ROLE_ASSUMPTIONS:
        return None
    named = refused_action(error_message(error), "")[1]
    if named or operation not in WORKER_LOGINS or connection_method(hook) == FEDERATED_METHODS[operation]:
        return named or connection_role_arn(hook) or "the connection's role_arn"
    return WORKER_LOGINS[operation]


#: The ``assume_role_method`` under which AwsBaseHook assumes the connection's ``role_arn`` with each federated STS
#: operation (Airflow's Amazon provider, "Amazon Web Services Connection": ``assume_role_method``).
FEDERATED_METHODS = {
    "AssumeRoleWithWebIdentity": "assume_role_with_web_identity",
    "AssumeRoleWithSAML": "assume_role_with_saml",
}
#: The role a web identity assumption refused under another ``assume_role_method`` logs in to: the worker's own
#: credentials' (AWS SDKs and Tools Reference Guide, "Assume role credential provider": ``AWS_ROLE_ARN`` with
#: ``AWS_WEB_IDENTITY_TOKEN_FILE``, or a profile's ``role_arn`` with ``web_identity_token_file``), maybe in another
#: account; STS's refusal does not name it ("Not authorized to perform sts:AssumeRoleWithWebIdentity"). No SDK
#: credential provider logs in with SAML ("AWS SDKs and Tools standardized credential providers"): only the
#: connection's ``assume_role_with_saml`` sends ``AssumeRoleWithSAML``, so its refusal is the connection's own.
WORKER_LOGINS = {
    "AssumeRoleWithWebIdentity": "the role of the worker's web identity (AWS_ROLE_ARN, or its profile's role_arn)",
}


def connection_method(hook: Any) -> str:
    """The connection's ``assume_role_method`` (``""``: none, or its configuration not readable)."""
    return _connection_setting(hook, "assume_role_method")


def connection_role_arn(hook: Any) -> str:
    """The connection's ``role_arn`` (``""``: none, or its configuration not readable)."""
    return _connection_setting(hook, "role_arn")


def _connection_setting(hook: Any, name: str) -> str:
    """A setting of the hook's connection (``""``: none, or its configuration not readable)."""
    try:
        return str(getattr(hook.conn_config, name, None) or "")
    except Exception:
        return ""


def role_arn_account(hook: Any) -> str:
    """
    The account the hook's connection acts in when it assumes a role, read from its ``role_arn`` with no call:
    AssumeRole returns credentials of the role ("AssumeRole", AWS STS API Reference). ``""``: no ``role_arn``.
    """
    role_arn = connection_role_arn(hook)
    account = account_of_arn(role_arn) if role_arn.startswith("arn:") else ""
    return account if account.isdigit() and len(account) == 12 else ""


def role_account(role: str) -> str:
    """The account of a role's ARN, read with no call (``(unknown)``: no ARN)."""
    account = account_of_arn(role)
    return account if account.isdigit() and len(account) == 12 else "(unknown)"


def connection_role_denial(hook: Any, error: ClientError, role: str) -> str:
    """
    Explain the refusal of the connection's own assumption of ``role``, in ``role``'s account (no GetCallerIdentity:
    it would assume the profile's role again, a second MFA prompt). When AWS does not say which policy lacks the Allow,
    both may: across accounts the caller's identity policy must allow it and the role's trust policy must name the
    caller (IAM User Guide, "Cross-account policy evaluation logic": "The resource-based policy in the trusting account
    must specify the principal of the trusted account", and the principal's identity-based policy must allow it).
    """
    action = f"sts:{error.operation_name}"
    advice = "" if read_denial(error_message(error)) is not None else _assumption_advice(hook, error, action, role)
    return denial_message(
        error, action=action, resource=role, account=role_account(role), conn_id=hook.aws_conn_id, advice=advice
    )


def _assumption_advice(hook: Any, error: ClientError, action: str, role: str) -> str:
    """
    What lets the connection assume ``role``. A web identity or SAML assertion has no identity policy: the role's trust
    policy must allow its provider that action (IAM User Guide, "Create a role for OpenID Connect federation", "Create
    a role for SAML 2.0 federation").
    """
    whose = "its role_arn" if role == connection_role_arn(hook) else "a role its profile's credentials assume"
    assumes = f"The connection {hook.aws_conn_id!r} assumes {role} ({whose}) when its session is built or refreshed"
    if role in WORKER_LOGINS.values():
        assumes, role = (
            f"The worker's own credentials log in to that role, not the role_arn of the connection {hook.aws_conn_id!r}",
            "that role",
        )
    if action in FEDERATED_ASSUMPTIONS:
        provider = FEDERATED_ASSUMPTIONS[action]
        article = "an" if provider[0] in "AEIOU" else "a"
        return f"{assumes}: the trust policy of {role} must allow its {provider} {action} ({article} {provider} has no identity policy)."
    whom = identity_named(error_message(error))
    return (
        f"{assumes}: {whom}'s identity policy must allow {action} on {role}, and the trust policy of {role} must "
        f"allow {whom} too (across accounts both must)."
    )


def what_to_grant(action: str, message: str = "", caller_account: str = "") -> str:
    """
    What a refused ``action`` needs, after what AWS's ``message`` says of why (:func:`~.denials.read_denial`: an
    explicit deny must go or its condition be met, an organisation's policy changed by the organisation, else the policy
    that lacks the Allow), of the action it says it refused (:func:`~.denials.refused_action`: iam:PassRole for a
    RunJobFlow), to whom it names (:func:`~.denials.identity_named`). A KMS call on a key
    (:data:`~.findings.KEY_POLICY_DECIDED`) needs the key policy too, when AWS does not say which lacks it: "Unless the
    key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key" (AWS KMS Developer
    Guide, "Key policies in AWS KMS"); a key of another account than ``caller_account`` must name it
    (:func:`~.findings.key_policy_allows`).
    """
    called = action
    action, resource = refused_action(message, action)
    # A KMS action AWS names instead of the one called (S3 refused kms:GenerateDataKey) is decided by a key policy too.
    on_key = action in KEY_POLICY_DECIDED or (action != called and action.lower().startswith("kms:"))
    whom = identity_named(message)
    named = f"{action} on {resource}" if resource else action
    denial = read_denial(message)
    key_policy = key_policy_allows(message, caller_account)
    if denial is not None:
        lifts = what_lifts(denial, named, whom, key_policy if on_key else None)
        return f"{lifts[0].upper()}{lifts[1:]}."
    where = in_identity_policy(is_federated(message))
    if on_key:
        key = named if resource else f"{action} on that key"
        return f"Grant {key} to {whom} {where}, and make sure the key policy allows it: {key_policy}."
    if resource or is_federated(message):
        return f"Grant {named} to {whom} {where}."
    if action != called:
        return f"Grant {action} on the resource AWS names to {whom}."
    return f"Grant {action} on that resource to {whom}."


@contextmanager
def explain_access_denied(hook: Any, *other_clients: Any) -> Iterator[None]:
    """
    Turn an access denial from ``hook``'s client into an :class:`AccessDeniedError` naming the account, action and resource.

    botocore does not retry a denial: it fails the try at once with a message that says what to grant.
    Airflow's task retries do (``AccessDeniedError`` is retriable): a grant made seconds before may not be
    in effect yet (IAM User Guide, "Changes that I make are not always immediately visible").

    :param other_clients: more clients of the same service whose calls may be denied in the block
        (e.g. the EMR hook's ``client_sending_once``, which sends ``RunJobFlow``).
    """
    # The parameters of the last call of each operation: a denied call may be followed by others before the
    # denial reaches here (e.g. a DescribeKey that tells why PutKeyPolicy was denied).
    last: dict[str, dict[str, Any]] = {}

    def remember(params: dict[str, Any], model: Any, **_: Any) -> None:
        last[model.name] = params

    clients: tuple[Any, ...] = ()
    try:
        # Building the client assumes the connection's role_arn: a refusal of it is explained too.
        clients = (hook.conn, *other_clients)
        for watched in clients:
            watched.meta.events.register("provide-client-params", remember)
        yield
    except ClientError as error:
        if error_code(error) not in ACCESS_DENIED_CODES:
            raise
        raise AccessDeniedError(_explained(hook, error, last, clients[:1])) from error
    finally:
        for watched in clients:
            watched.meta.events.unregister("provide-client-params", remember)


def _explained(hook: Any, error: ClientError, last: dict[str, dict[str, Any]], built: tuple[Any, ...]) -> str:
    """
    The denial of a call of ``hook``'s client, or of the connection's own role assumption, explained. The client is not
    built again (``built``: the one built, or none when building it was refused: the session's own STS call, whose
    actions are named as its operations), which would repeat an identity provider's login and STS's calls.
    """
    role = assumed_by_connection(hook, error)
    if role is not None:
        return connection_role_denial(hook, error, role)
    service = built[0].meta.service_model.signing_name if built else "sts"
    action = iam_action(service, error.operation_name)
    params = last.get(error.operation_name, {})
    resource = next((f"{key}={params[key]}" for key in RESOURCE_PARAMETERS if key in params), "(unknown)")
    return denial_message(error, action=action, resource=resource, account=account_of(hook), conn_id=hook.aws_conn_id)


def acting_account(hook: Any) -> str:
    """
    Return the account a hook's connection acts in.

    A connection that assumes a role acts in that role's account: AssumeRole returns credentials of
    the role ("AssumeRole", AWS STS API Reference), so the account is read from ``role_arn`` with no
    call. Otherwise one ``sts:GetCallerIdentity`` (``AwsBaseHook.account_id``, cached per hook), which
    builds one more boto3 session and STS client: a few hundred milliseconds per task, saved here.
    """
    return role_arn_account(hook) or str(hook.account_id)


def account_of(hook: Any) -> str:
    """The account a hook acts in, for messages (``(unknown)`` when even that cannot be read)."""
    try:
        return acting_account(hook)
    except Exception:
        return "(unknown)"


def unless_gone(send: Callable[..., Any], *arguments: Any, **parameters: Any) -> None:
    """
    Send a delete (``send(*arguments, **parameters)``); a ``NoSuchEntity`` answer means it is done already.

    botocore sends a request again when its answer was lost (Boto3 guide, "Retries": connection errors and
    5xx are retried), and IAM answers ``NoSuchEntity`` for what the first request deleted (IAM API
    Reference, "DeleteRolePolicy", "DeleteRole"): the revoke's deletes are sent only for what a read showed.
    """
    try:
        send(*arguments, **parameters)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
