"""The names the provider gives what it owns in AWS (a module of constants only, cheap to import)."""

from __future__ import annotations

#: Name of the inline policy on the destination role that grants access to the prefixes.
DESTINATION_POLICY_NAME = "emrfs-xacct-destination-access"
#: Name of the inline policy on the EMR EC2 role that allows assuming the destination roles.
ASSUME_POLICY_NAME = "emrfs-xacct-assume-destination-roles"
#: Tag holding the idempotency key of the task instance that launched a cluster.
IDEMPOTENCY_TAG = "emrfs-xacct:idempotency-key"
