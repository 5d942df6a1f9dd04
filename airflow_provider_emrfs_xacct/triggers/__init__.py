"""Triggers of the provider's deferred waits."""
