"""
EMR's refusal of a cluster launched with a security configuration that does not exist, played in the stand-in.

``RunJobFlow``'s ``SecurityConfiguration`` is "the name of a security configuration to apply to the
cluster" (Amazon EMR API Reference, "RunJobFlow"): a configuration stored by
``CreateSecurityConfiguration`` ("Creates a security configuration, which is stored in the service and
can be specified when a cluster is created"). EMR launches no cluster with a name it does not store;
moto launches one anyway (``Cluster.__init__``: "ToDo: Raise if doesn't already exist").

RunJobFlow lists no error of its own for it ("Errors": InternalServerError only), so the judge answers
with the common client error for input that fails the service's constraints, ``ValidationException``
(HTTP 400; Amazon EMR API Reference, "Common Errors"), and launches nothing. AWS's exact code and message
for this case are not documented, and the stand-in cannot prove them: the provider reads the
configuration again after ``RunJobFlow``'s input errors (``ValidationException``,
``InvalidRequestException``), whatever their message.
"""

from __future__ import annotations

from typing import Any

import moto.emr.models
from moto.emr.exceptions import ValidationException

from devstack import backend_judges

#: moto's own methods, by name, called once a judge lets a request through.
_moto: dict[str, Any] = {}


def run_job_flow(self: Any, **kwargs: Any) -> Any:
    name = kwargs.get("security_configuration")
    if name and name not in self.security_configurations:
        raise ValidationException(f"The security configuration '{name}' does not exist.")
    return _moto["run_job_flow"](self, **kwargs)


_JUDGES: dict[type, tuple[Any, ...]] = {moto.emr.models.ElasticMapReduceBackend: (run_job_flow,)}


def install() -> None:
    """Put the judge in front of moto's EMR backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
