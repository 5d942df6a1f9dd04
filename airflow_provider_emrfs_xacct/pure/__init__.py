"""The provider's pure core: everything here imports only the standard library and this package.

Validation, policy documents and their merges, plans, the evaluator and the chain checks live
here; boto3 and Airflow stay in ``hooks/`` and ``operators/``. ``tests/unit/test_purity.py``
checks every module of this folder.
"""
