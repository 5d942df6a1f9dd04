"""The provider's pure core: everything here imports only the standard library and this package.

Validation, policy documents and their merges, plans and the evaluator live here, and in
``checks/`` the verifier's checks, one module per link of the chain; boto3 and Airflow stay in
``hooks/`` and ``operators/``. ``tests/unit/test_purity.py``
checks every module of this folder.
"""
