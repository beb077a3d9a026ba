"""The Scheme's specialisms. Each needs a framework data file before trainees can be enrolled on it."""

from __future__ import annotations

from enum import StrEnum


class Specialism(StrEnum):
    GENERAL_MANAGEMENT = "general-management"
    FINANCE = "finance"
    HUMAN_RESOURCES = "human-resources"
    POLICY_AND_STRATEGY = "policy-and-strategy"
    INFORMATICS = "informatics"
    HEALTH_ANALYSIS = "health-analysis"
