"""
API economy: the AWS calls and wall time of the provider's chain against a hand-written minimal boto3 sequence.

``python -m benchmarks.api_economy [--sizes 1 10] [--rounds 3]`` prints the figures and exits 1 when
a check fails; ``make bench`` runs the same checks as tests (``tests/perf``, marker ``perf``). The
scenario, the minimum per partner and how to read the tables: ``docs/performance.md``.

One module per job: :mod:`.scenario` (the partners), :mod:`.contenders` (the provider's operators and
the minimal boto3 sequence), :mod:`.accounts` (each round's fresh accounts and the end-state check),
:mod:`.measuring` (rounds, recorded calls, times), :mod:`.checks` (the pass/fail conditions),
:mod:`.report` (the tables). Calls are recorded by ``devstack.testing.CallRecorder``.
"""
