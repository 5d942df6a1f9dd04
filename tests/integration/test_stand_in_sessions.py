"""The tests' role sessions (``devstack.moto_stack.account_session``): assumed once per reset of the stand-in."""

from __future__ import annotations

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, account_session
from tests.conftest import moto_issued_credentials, reset_moto


def access_key(url: str, account: str) -> str:
    return str(account_session(url, account).get_credentials().access_key)


def test_each_role_is_assumed_once_until_the_stand_in_resets(moto_url: str) -> None:
    first = access_key(moto_url, EMR_ACCOUNT)
    assert access_key(moto_url, EMR_ACCOUNT) == first
    assert access_key(moto_url, DESTINATION_ACCOUNT) != first  # another account's role, its own credentials
    other_session = account_session(moto_url, EMR_ACCOUNT, session_name="another").get_credentials().access_key
    assert other_session != first  # another role session of the same role, its own credentials

    reset_moto(moto_url)  # moto's STS forgets what it issued; so must the sessions

    after = access_key(moto_url, EMR_ACCOUNT)
    assert after != first
    assert after in moto_issued_credentials(moto_url)
    assert first not in moto_issued_credentials(moto_url)
