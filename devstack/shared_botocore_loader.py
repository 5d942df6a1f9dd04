"""
Every boto3 session in this process shares one botocore loader: imported for that effect.

Each boto3 session (each hook makes one, each Airflow task several) would read and parse botocore's
endpoint and service model files again. The tests import this module (``tests/conftest.py``), and
``devstack.testing.share_botocore_loader`` copies this file into a test ``AIRFLOW_HOME`` as
``config/airflow_local_settings.py``, which every Airflow process of that home imports. The models
read are the same; only the reading is shared. Standard library and botocore only: the Airflow
processes cannot import ``devstack``.

The same copy puts the request-shape judge (``devstack/aws_shapes.py``) beside it in ``config/``; an
Airflow process that finds it there installs it, so its AWS calls are judged as the tests' are.
"""

import functools

import botocore.loaders
import botocore.session

botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)

try:  # an Airflow process of a test AIRFLOW_HOME; the tests' own process installs the judge itself
    import aws_shapes  # type: ignore[import-not-found]
except ImportError:
    pass
else:
    aws_shapes.install()
