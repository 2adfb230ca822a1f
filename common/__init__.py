"""Mechanisms shared by the four SCM services: settings, database wiring, envelopes,
the cache, the Cloud Auth client and token security policy. Never domain rules."""
