"""``validate_template_fields``: the check the Amazon provider's unit tests run on every operator."""

from __future__ import annotations

from typing import Any

#: What every provider operator that changes AWS carries among its template fields.
SAFETY_FIELDS = ("dry_run", "expected_account_id")
#: What every AWS operator carries (``aws_template_fields`` of the Amazon provider).
AWS_FIELDS = ("aws_conn_id", "region_name", "verify")


def validate_template_fields(operator: Any) -> None:
    """
    Fail unless every template field is an attribute the constructor set on the operator.

    Airflow renders template fields by name, with ``getattr``/``setattr`` on the instance: a field
    the constructor did not set (or set under another name) is silently never rendered.
    """
    missing = [name for name in operator.template_fields if name not in vars(operator)]
    assert not missing, f"{type(operator).__name__}: template fields not set by the constructor: {missing}"
    assert len(set(operator.template_fields)) == len(operator.template_fields), "a template field is listed twice"
