"""``devstack.backend_judges.install``: judges of two modules in front of one backend method, installed again."""

from __future__ import annotations

from typing import Any

from devstack import backend_judges


def test_installing_again_keeps_one_chain_of_judges() -> None:
    """
    Each ``MotoStack`` installs every judge module (``aws_quotas``, ``aws_principals`` … both judge IAM's
    ``create_role``); a second stack in one process (``make bench``'s perf tests beside the benchmark's own)
    installed them again. The second install of the first module then wrapped the second module's judge,
    which wrapped the first's: ``RecursionError`` at the next ``CreateRole``, a 500 from the stand-in.
    """

    class Backend:
        def create_role(self, name: str) -> list[str]:
            return [f"moto {name}"]

    first: dict[str, Any] = {}
    second: dict[str, Any] = {}

    def create_role(self: Backend, name: str) -> list[str]:  # the first module's judge
        return ["first", *first["create_role"](self, name)]

    def create_role_2(self: Backend, name: str) -> list[str]:  # the second module's, of the same name
        return ["second", *second["create_role"](self, name)]

    create_role_2.__name__ = "create_role"
    for _ in range(3):  # three stacks in one process
        backend_judges.install({Backend: (create_role,)}, first)
        backend_judges.install({Backend: (create_role_2,)}, second)

    assert Backend().create_role("r") == ["second", "first", "moto r"]
