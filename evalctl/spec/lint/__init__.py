"""Checks on loaded documents: the JSON Schema of each kind, then semantics across files."""
