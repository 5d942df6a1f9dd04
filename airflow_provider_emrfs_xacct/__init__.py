"""Airflow provider that provisions cross-account EMRFS access on AWS."""

__version__ = "0.1.0"
