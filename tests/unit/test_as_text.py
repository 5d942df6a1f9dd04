"""
``macros.as_text``: a DAG rendering templates as native objects gets back the text a run gave, whatever it reads as.

Airflow renders such a template with Jinja's ``NativeEnvironment``, which reads a whole template's output back as a
Python literal (``ast.literal_eval``); the tests render through that environment, not through the function alone.
"""

from __future__ import annotations

import json

import pytest
from airflow.sdk import DAG
from jinja2.nativetypes import NativeEnvironment

from airflow_provider_emrfs_xacct.macros import as_text

TEXTS = [
    "2024",
    "111111111111",
    "None",
    "True",
    "1_000",
    "1e5",
    "[1, 2]",
    "partner-\U0001f512-config",
    'it\'s "quoted" \\ and\ttabbed\nnewline',
    "\u00a0no-break\u2028line-separator",
    "",
]


def render(template: str, value: object) -> object:
    environment = NativeEnvironment()
    environment.filters["as_text"] = as_text
    return environment.from_string(template).render(params={"name": value})


@pytest.mark.parametrize("text", TEXTS)
def test_a_whole_template_with_as_text_is_the_text_given(text: str) -> None:
    assert render("{{ params.name | as_text }}", text) == text


def test_without_it_or_with_tojson_the_text_is_lost() -> None:
    """The two readings it replaces: bare, ``2024`` is a number; ``tojson`` splits a character beyond U+FFFF."""
    assert render("{{ params.name }}", "2024") == 2024
    environment = NativeEnvironment()
    rendered = environment.from_string("{{ params.name | tojson }}").render(params={"name": "a\U0001f512"})
    assert rendered != "a\U0001f512"
    assert len(rendered) == 3  # two lone surrogates where one character was
    assert json.dumps("a\U0001f512") == '"a\\ud83d\\udd12"'


def test_a_value_that_is_not_text_stays_as_it_is() -> None:
    """``None`` stays ``None`` (the operators refuse it, naming the field), not the text ``"None"``."""
    assert render("{{ params.name | as_text }}", None) is None
    assert render("{{ params.name | as_text }}", 12) == 12


def rendered_by_a_dag(template: str, value: object, *, native: bool) -> object:
    """Render as a real Airflow DAG does, with its own template environment (text by default, or native objects)."""
    dag = DAG(
        "as_text_probe", schedule=None, render_template_as_native_obj=native, user_defined_filters={"as_text": as_text}
    )
    return dag.get_template_env().from_string(template).render(params={"name": value})


@pytest.mark.parametrize("native", [True, False], ids=["native", "text"])
@pytest.mark.parametrize("text", TEXTS)
def test_a_dag_of_either_rendering_gets_the_text_given(text: str, native: bool) -> None:
    """
    Copied into a DAG that renders as text (Airflow's default), the filter once kept the literal's quotes: an account
    pin ``'111111111111'`` was refused as no 12-digit id. It now gives the text in either rendering.
    """
    assert rendered_by_a_dag("{{ params.name | as_text }}", text, native=native) == text


def test_in_a_dag_that_renders_as_text_a_longer_template_keeps_the_text_as_it_is() -> None:
    assert rendered_by_a_dag("s3://bucket/{{ params.name | as_text }}/", "2024", native=False) == "s3://bucket/2024/"
