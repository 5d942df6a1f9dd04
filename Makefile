# Two entry points: `make demo` runs the example pipeline end to end against the local AWS
# stand-in (moto, two accounts); `make test` runs lint, type checks and every test; `make bench`
# prints the benchmarks (API economy, scale) and runs their checks (tests/perf); `make docs` builds the documentation
# site into docs/_build/html.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench study net-study revoke-study refused-study fuzz lint typecheck docs clean

# The install compiles the bytecode (--compile-bytecode): the tests start many Python processes
# (airflow dags test, the scheduler's components, the CLI); where PYTHONDONTWRITEBYTECODE is set (many
# CI images set it) each would otherwise compile every module it imports again (about 10 s per
# airflow dags test).
$(STAMP): setup.cfg pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 5) else "make needs Python 3.11.5 or later (constraints.txt pins tools that need it): set PYTHON to one")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m devstack demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run in TEST_WORKERS processes (pytest-xdist; three on two cores: the suite waits a good part of the
# time, docs/development.md), a test file per work unit (--dist loadfile:
# a file's module fixtures are built once); --no-loadscope-reorder keeps the collection order, which
# starts with the longest files (tests/dags). `make test TEST_WORKERS=0` runs them in this one process.
TEST_WORKERS ?= 3

test: lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Also built (into a temporary directory) by tests/unit/test_docs.py in `make test`.
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Parse cost, the API-economy figures and checks (tests/perf, marker perf; also python -m
# benchmarks.api_economy), the calls that grow with the partners (benchmarks.api_economy.growth), then
# the scale benchmark (benchmarks/scale.py).
# Every section runs and prints its figures; the target fails at the end if any section missed a goal.
bench: $(STAMP)
	@status=0; \
	$(BIN)/python -m benchmarks.parse_cost || status=1; \
	$(BIN)/python -m pytest -q -s -p no:cacheprovider -m perf tests || status=1; \
	$(BIN)/python -m benchmarks.api_economy.growth --sizes 1 10 || status=1; \
	$(BIN)/python -m benchmarks.scale || status=1; \
	if [ $$status -ne 0 ]; then echo "make bench: a section missed its goal (see above)"; fi; \
	exit $$status

# The verifier against the EMRFS-like writer on 500 randomly broken set-ups (about 20 minutes).
study: $(STAMP)
	EMRFS_XACCT_STUDY=1 $(BIN)/python -m pytest -q -s tests/integration/test_differential.py -k full_study

# The verifier's network links against the stand-in's network judge on 400 random VPC layouts (2 to 3 minutes).
net-study: $(STAMP)
	EMRFS_XACCT_NET_STUDY=1 $(BIN)/python -m pytest -q -s -p no:logging tests/integration/test_network_study.py -k full_network_study

# The revoke on 300 random starting states: grant, revoke with random options, judged by the writer (about 30 minutes).
revoke-study: $(STAMP)
	EMRFS_XACCT_REVOKE_STUDY=1 $(BIN)/python -m pytest -q -s tests/integration/test_revoke_study.py -k full_revoke_study

# The verifier with a random few of its reads refused to its connections on 300 sound set-ups (about 7 minutes).
refused-study: $(STAMP)
	EMRFS_XACCT_REFUSED_STUDY=1 $(BIN)/python -m pytest -q -s -p no:logging tests/integration/test_refused_reads.py -k full_study

# The property tests (hypothesis) with fresh random inputs, FUZZ_ROUNDS times; `make test` runs them on
# one fixed draw. A failure prints the inputs and a @reproduce_failure line to add to the test.
FUZZ_ROUNDS ?= 50
PROPERTY_TESTS := $(shell grep -l '^from hypothesis' tests/unit/*.py)

fuzz: $(STAMP)
	@for round in $$(seq $(FUZZ_ROUNDS)); do \
	  echo "fuzz round $$round of $(FUZZ_ROUNDS)"; \
	  EMRFS_XACCT_HYPOTHESIS=explore $(BIN)/python -m pytest -q -p no:cacheprovider --no-header $(PROPERTY_TESTS) || exit 1; \
	done

clean:
	rm -rf $(VENV) .airflow .pytest_cache .mypy_cache .ruff_cache docs/_build
