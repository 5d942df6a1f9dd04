"""
Parse DAG files as Airflow's DAG processor does: forked from a process that has Airflow loaded.

Run by ``benchmarks/parse_cost.py`` in a subprocess (``python -m benchmarks.dag_processor_sampler
ROUNDS OURS STOCK BY_HAND``); prints one JSON object with every sample, in CPU milliseconds.

What Airflow 3 does for each parse (``airflow/dag_processing/processor.py`` and
``airflow/sdk/execution_time/supervisor.py``): the DAG processor manager, a long-lived process that
has imported ``airflow.dag_processing.manager`` (and with it the models, serialization and
timetables), imports the ``airflow.*`` modules the DAG file imports (``_pre_import_airflow_modules``,
in ``DagFileProcessorProcess.start``), then forks; the child loads the file with a
``SourceFileLoader`` (``airflow/dag_processing/importers/python_importer.py``), which uses the file's
cached bytecode. This program does the same: it imports what the manager has, pre-imports each
file's ``airflow.*`` imports, and times the load of the file in a forked child.

Samples per round, in alternating order:

- ``ours``, ``stock``, ``by_hand``: loading each DAG file;
- ``ours_provider_preloaded``: loading the example DAG in a child that ran
  ``airflow_provider_emrfs_xacct.preload.import_parse_time_modules()`` first (untimed), as when a
  deployment runs it in ``airflow_local_settings.py`` and the manager has the modules before it forks;
- ``import``: importing the provider's operator modules.
"""

from __future__ import annotations

import gc
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def load_dag_file(path: str) -> None:
    """Load ``path`` as Airflow's DAG processor loads a DAG file (``python_importer.py``)."""
    from airflow.utils.file import get_unique_dag_module_name

    name = get_unique_dag_module_name(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)


def in_forked_child(timed: Callable[[], object], untimed: Callable[[], object] = lambda: None) -> float:
    """CPU milliseconds of ``timed()`` in a forked child, after ``untimed()`` there."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, and never return into the parent's code
        status = 1
        try:
            os.close(read_end)
            untimed()
            gc.collect()
            start = time.process_time()
            timed()
            os.write(write_end, json.dumps((time.process_time() - start) * 1000).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    _, status = os.waitpid(pid, 0)
    if status or not data:
        raise SystemExit(f"a forked sample failed (wait status {status})")
    return float(json.loads(data))


def main(argv: list[str]) -> None:
    rounds, ours, stock, by_hand, *operator_modules = argv
    # What the DAG processor manager has loaded (with it the models, serialization and timetables).
    for module in ("airflow.dag_processing.manager", "airflow.dag_processing.processor"):
        importlib.import_module(module)
    from airflow.utils.file import iter_airflow_imports

    for path in (ours, stock, by_hand):
        for module in iter_airflow_imports(path):
            importlib.import_module(module)

    def import_provider() -> None:
        for module in operator_modules:
            importlib.import_module(module)

    def preload() -> None:
        from airflow_provider_emrfs_xacct.preload import import_parse_time_modules

        import_parse_time_modules()

    kinds: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "ours": (lambda: load_dag_file(ours), lambda: None),
        "stock": (lambda: load_dag_file(stock), lambda: None),
        "by_hand": (lambda: load_dag_file(by_hand), lambda: None),
        "ours_provider_preloaded": (lambda: load_dag_file(ours), preload),
        "import": (import_provider, lambda: None),
    }
    for timed, untimed in kinds.values():  # write the bytecode caches once
        in_forked_child(timed, untimed)
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_ in range(int(rounds)):
        order = list(kinds) if round_ % 2 == 0 else list(reversed(kinds))
        for kind in order:
            samples[kind].append(in_forked_child(*kinds[kind]))
    print(json.dumps(samples))


if __name__ == "__main__":
    main(sys.argv[1:])
