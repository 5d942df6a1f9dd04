"""
Every boto3 session in this process shares one botocore loader and one table of event names: imported for that
effect.

Each boto3 session (each hook makes one, each Airflow task several) would read and parse botocore's
endpoint and service model files again, and work out again, for each of the few hundred event handlers it
registers and for each event its clients emit, the event's name after botocore's aliases (``EventAliaser``; a
pure function of the name and the aliases, cached per session and per client by botocore itself). The tests import this module (``tests/conftest.py``), and
``devstack.testing.share_botocore_loader`` copies this file into a test ``AIRFLOW_HOME`` as
``config/airflow_local_settings.py``, which every Airflow process of that home imports. The models
read and the names worked out are the same; only the work is shared. Standard library and botocore only: the Airflow
processes cannot import ``devstack``.

The same copy puts the request-shape judge (``devstack/aws_shapes.py``) beside it in ``config/``; an
Airflow process that finds it there installs it, so its AWS calls are judged as the tests' are.
"""

import functools

import botocore.hooks
import botocore.loaders
import botocore.session

botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)

#: The aliased event names, by the aliases they were worked out with.
_ALIASED_NAMES: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
#: botocore's own ``EventAliaser.__init__`` (a table per session and per client), for measurements that undo the sharing.
botocore_aliaser_init = botocore.hooks.EventAliaser.__init__


def _aliaser_sharing_names(self, event_emitter, event_aliases=None):
    botocore_aliaser_init(self, event_emitter, event_aliases)
    aliases = tuple(self._event_aliases.items())
    self._alias_name_cache = _ALIASED_NAMES.setdefault(aliases, self._alias_name_cache)


botocore.hooks.EventAliaser.__init__ = _aliaser_sharing_names  # type: ignore[method-assign]

try:  # an Airflow process of a test AIRFLOW_HOME; the tests' own process installs the judge itself
    import aws_shapes  # type: ignore[import-not-found]
except ImportError:
    pass
else:
    aws_shapes.install()
