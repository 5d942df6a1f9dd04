"""
The verifier's checks of the cross-account EMRFS chain, one module per link, from documents already read.

Pure: standard library only. :func:`~airflow_provider_emrfs_xacct.pure.checks.chain.check_chain` takes
a :class:`~airflow_provider_emrfs_xacct.pure.checks.state.ChainState` (what the verifier read in both
accounts) and runs every check in order; each check module has one ``audit`` function returning
:class:`~airflow_provider_emrfs_xacct.pure.checks.findings.Link` values (pass, warn, fail or "not
checked"), in the manner of parliament (duo-labs). ``contexts`` builds the requests AWS would see and
``routing`` picks the role EMRFS sends a request as.
"""
