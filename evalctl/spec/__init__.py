"""The declaration language: spec models, loader, lint and the mapping to API requests."""

from __future__ import annotations

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.project import Document, Project, load_project

__all__ = ["Diagnostic", "Document", "Project", "load_project"]
