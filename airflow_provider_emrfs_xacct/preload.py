"""
Import what a DAG file that uses the provider loads, once, in the process Airflow's DAG processor forks from.

Airflow's DAG processor parses each DAG file in a process forked from its manager, after importing
in the manager the ``airflow.*`` modules the file imports (``DagFileProcessorProcess.start`` in
``airflow/dag_processing/processor.py``). The provider's modules are not ``airflow.*``, so every parse
imports them again (about half of the example DAG's parse, ``docs/performance.md``). Airflow imports
``airflow_local_settings`` when any of its processes starts (``airflow.settings.initialize``), so two
lines there make every later parse inherit them:

.. code-block:: python

    # $AIRFLOW_HOME/config/airflow_local_settings.py
    from airflow_provider_emrfs_xacct.preload import import_parse_time_modules

    import_parse_time_modules()

The other Airflow processes (scheduler, API server, workers) then import them once at start too.
"""

from __future__ import annotations

from importlib import import_module

#: The modules a DAG file may import from the provider, besides the operator modules the provider
#: metadata lists (``get_provider_info``): the factory and the template macros (``user_defined_macros``).
OTHER_PARSE_TIME_MODULES = ("airflow_provider_emrfs_xacct.task_groups", "airflow_provider_emrfs_xacct.macros")
#: What ``task_groups.partner_access`` imports when it is called, at parse time: its arguments are checked
#: with the tasks' own rules then (about 15 ms cold, ``python -X importtime``).
FACTORY_PARSE_TIME_MODULES = (
    "airflow_provider_emrfs_xacct.pure.validation",
    "airflow_provider_emrfs_xacct.pure.security_config",
)


def parse_time_modules() -> list[str]:
    """The provider's modules a DAG file can load: its operator modules, ``task_groups``, what the factory checks with."""
    from airflow_provider_emrfs_xacct.get_provider_info import get_provider_info

    operators = [module for entry in get_provider_info()["operators"] for module in entry["python-modules"]]
    return [*operators, *OTHER_PARSE_TIME_MODULES, *FACTORY_PARSE_TIME_MODULES]


def import_parse_time_modules() -> list[str]:
    """Import :func:`parse_time_modules` (nothing a task needs only when it runs) and return their names."""
    modules = parse_time_modules()
    for module in modules:
        import_module(module)
    return modules
