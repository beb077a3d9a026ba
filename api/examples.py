"""One worked example per request body, shown in the OpenAPI document (/docs) and used by the CLI's help."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "EnrolTrainee": {
        "trainee_id": "t-0001",
        "name": "Alex Example",
        "specialism": "general-management",
        "cohort": "2025-north",
        "scheme_start": "2025-09-01",
        "scheme_end": "2027-09-01",
        "programme_manager_id": "pm-north",
    },
    "StartPlacement": {
        "placement_id": "operational",
        "organisation": "Leeds Teaching Hospitals NHS Trust",
        "placement_kind": "operational",
        "placement_manager_id": "plm-leeds",
        "starts_on": "2025-09-01",
        "planned_end": "2026-08-01",
    },
    "EndPlacement": {"ended_on": "2026-08-01"},
    "SubmitEvidence": {
        "narrative": "Led the discharge pathway risk review with the ward team; mitigations agreed at the "
        "divisional board.",
        "competency_ids": ["4.1.3", "2.2.1"],
        "documents": [{"sha256": "9f" * 32, "filename": "risk-review.pdf", "media_type": "application/pdf"}],
    },
    "RequestSignOff": {"competency_id": "4.1.3", "evidence_ids": ["6f1c1f0e-2b0a-4c39-9d8e-0b7e5a2f4a11"]},
    "DeclineSignOffRequest": {"feedback": "Show your own part in the mitigation plan, not the team's."},
    "SignOffCompetency": {
        "competency_id": "4.1.3",
        "level": 3,
        "feedback": "Clear ownership of the risk log and measurable outcomes.",
        "evidence_ids": ["6f1c1f0e-2b0a-4c39-9d8e-0b7e5a2f4a11"],
    },
    "RevokeSignOff": {"reason": "Signed against the wrong evidence; to be re-signed after the next review."},
    "SubmitReflectivePiece": {
        "word_count": 2040,
        "document": {
            "sha256": "ab" * 32,
            "filename": "reflective-piece.pdf",
            "media_type": "application/pdf",
        },
    },
    "ReviewReflectivePiece": {"outcome": "accepted", "feedback": "A candid reflection with strong examples."},
    "RecordProgressReview": {"summary": "On track: agreed the next three competencies for this placement."},
    "AssessMilestone": {"milestone": "year_one"},
    "ExtendScheme": {"new_end": "2028-03-01", "reason": "Six months of long-term sickness absence."},
    "WithdrawTrainee": {"reason": "Took a role outside the NHS."},
    "AssessGraduation": {},
}

# The same record's ids where a URL names them, so the document's examples walk one trainee's journey.
PATH_EXAMPLES: dict[str, list[str]] = {
    "trainee_id": ["t-0001"],
    "placement_id": ["operational"],
    "competency_id": ["4.1.3"],
}
