"""The competency framework as data: model, loader, validator and the catalogue of shipped frameworks."""

from domain.framework.catalogue import framework_for, framework_for_specialism, shipped_frameworks
from domain.framework.model import Competency, CompetencyKind, Framework, LeadershipDomain, Section

__all__ = [
    "Competency",
    "CompetencyKind",
    "Framework",
    "LeadershipDomain",
    "Section",
    "framework_for",
    "framework_for_specialism",
    "shipped_frameworks",
]
