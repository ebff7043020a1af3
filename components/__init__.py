"""Pulumi components and dynamic providers, one module per kind."""
