"""Pure policy logic: validation, document builders, merges and plans. Imports neither boto3 nor Airflow."""
