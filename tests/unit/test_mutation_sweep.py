"""
Every planted bug of ``benchmarks/mutation_sweep.py`` still applies to the code it names.

docs/development.md reports the sweep's figures ("Of 95 mutations ...", then a third round of 57, a fourth of 59,
a fifth of 47, a sixth of 63 and a seventh of 67 in the stand-in's judges). A mutation whose text the code no
longer holds is not planted: the sweep reports it as a "bad mutation" and proves nothing about it, so a refactoring
that moves the text must move the mutation with it.
"""

from __future__ import annotations

import ast

import pytest

from benchmarks.mutation_sweep import MUTATIONS, ROOT, Mutation, main


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[mutation.ident for mutation in MUTATIONS])
def test_the_mutation_is_found_once_and_makes_a_module_that_parses(mutation: Mutation) -> None:
    text = (ROOT / mutation.path).read_text()

    assert text.count(mutation.old) == 1, (
        f"{mutation.ident}: its text is in {mutation.path} {text.count(mutation.old)} times"
    )
    mutated = text.replace(mutation.old, mutation.new)
    assert mutated != text
    ast.parse(mutated, mutation.path)
    assert mutation.tests, mutation.ident
    assert [test for test in mutation.tests if not (ROOT / test).is_file()] == []


def test_the_idents_are_unique_and_the_list_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert len({mutation.ident for mutation in MUTATIONS}) == len(MUTATIONS)
    assert main(["--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(MUTATIONS)
