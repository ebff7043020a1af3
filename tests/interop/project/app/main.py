"""Placeholder entrypoint: the fixture's runtimes are never deployed, only their telemetry is seeded."""
