"""Read models derived from the events: trainee progress by cohort, pending sign-offs, graduations.

`projections.projector` follows the global log and keeps the tables (eventstore/migrations/0002_read_models.sql)
exactly once; `projections.queries` answers the API from them. The record is the events; these tables can be
emptied and rebuilt from the log at any time (`gmts projections rebuild`).
"""

from projections.projector import (
    ProjectionError,
    Projector,
    follow,
    lag,
    project_once,
    rebuild,
    run_until_caught_up,
)

__all__ = [
    "ProjectionError",
    "Projector",
    "follow",
    "lag",
    "project_once",
    "rebuild",
    "run_until_caught_up",
]
