"""
Preloaded by the fork server of ``test_concurrency``: import Airflow and the provider once, warm botocore.

Its worker processes are forked from the fork server, so they start with all of this loaded.
"""

from tests.integration.test_concurrency import prepare_writer_process

prepare_writer_process()
