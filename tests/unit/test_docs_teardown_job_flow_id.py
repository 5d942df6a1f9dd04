"""
docs/airflow.md, "Teardown": what ``TerminateClusterOperator`` takes as ``job_flow_id`` (one id, or a list of them, a
mapped launch's ``.output``) and what it refuses before any call, naming which field, is what ``_given_clusters`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

AIRFLOW_DOC = Path(__file__).resolve().parents[2] / "docs" / "airflow.md"
ID, OTHER = "j-2AXXXXXXGAPLF", "j-3BXXXXXXHBQMG"

#: What the bullet says is taken, and the cluster ids it gives.
TAKEN = [
    pytest.param(ID, [ID], id="one cluster id"),
    pytest.param([ID, OTHER], [ID, OTHER], id="a list of them"),
    pytest.param((ID, OTHER), [ID, OTHER], id="a tuple of them"),
    pytest.param(None, [], id="None"),
    pytest.param("", [], id="empty text"),
    pytest.param([], [], id="empty list"),
    pytest.param([ID, None, "", OTHER], [ID, OTHER], id="an empty or None item of a list"),
]
#: What the bullet says is refused (its words), the value, and the field named.
REFUSED = [
    pytest.param("a number", 12345, "job_flow_id", id="number"),
    pytest.param("a number", 0, "job_flow_id", id="zero"),  # not read as empty
    pytest.param("a number", False, "job_flow_id", id="false"),
    pytest.param("a mapping", {"JobFlowId": ID}, "job_flow_id", id="mapping"),
    pytest.param("a mapping", {}, "job_flow_id", id="empty-mapping"),  # not read as empty
    pytest.param("an id with surrounding whitespace", f"{ID} ", "job_flow_id", id="whitespace"),
    pytest.param("a number", [ID, 7], "job_flow_id[1]", id="item-number"),
    pytest.param("a nested list", [ID, [OTHER]], "job_flow_id[1]", id="item-nested-list"),
    pytest.param("an id with whitespace", [ID, f" {OTHER}"], "job_flow_id[1]", id="item-whitespace"),
]


def teardown_bullet() -> str:
    """docs/airflow.md's "Teardown" bullet, its lines joined."""
    text = AIRFLOW_DOC.read_text().split("- **Teardown.**", 1)[1]
    return " ".join(line.strip() for line in text.split("\n- ", 1)[0].splitlines())


def given(job_flow_id: Any) -> list[str]:
    return TerminateClusterOperator(task_id="terminate", job_flow_id=job_flow_id)._given_clusters()


@pytest.mark.parametrize(("job_flow_id", "clusters"), TAKEN)
def test_what_the_teardown_bullet_says_is_taken_is_taken(job_flow_id: Any, clusters: list[str]) -> None:
    bullet = teardown_bullet()
    assert "`job_flow_id` takes one cluster id, or a list of them (a mapped launch's `.output`" in bullet
    assert 'an empty one (`None`, `""`, `[]`) names no cluster, nor does an empty or `None` item of a list' in bullet

    assert given(job_flow_id) == clusters


@pytest.mark.parametrize(("said", "job_flow_id", "field"), REFUSED)
def test_what_the_teardown_bullet_says_is_refused_is_refused_naming_the_field(
    said: str, job_flow_id: Any, field: str
) -> None:
    bullet = teardown_bullet()
    where = bullet.split("Anything else is refused before any call:", 1)[1]
    whole, items = where.split("in a list,", 1)
    if field.endswith("]"):  # an item of a list
        assert said in items
        assert f"naming it (`{field}`)" in items
    else:
        assert said in whole
        assert "naming `job_flow_id`" in whole

    with pytest.raises(InvalidParameterError) as refused:
        given(job_flow_id)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "job_flow_id", [set(), frozenset({ID}), b"", ID.encode()], ids=["set", "frozenset", "no-bytes", "bytes"]
)
def test_a_set_or_bytes_is_refused_not_read_as_no_cluster(job_flow_id: Any) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        given(job_flow_id)
    assert refused.value.field == "job_flow_id"
