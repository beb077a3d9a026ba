"""The whole sample journey, command by command through `execute`, ends as a graduate's journey should."""

from __future__ import annotations

from collections import Counter

from domain.actors import Role
from domain.evolve import fold
from domain.sample_journey import sample_journey
from domain.state import Outcome
from tests.domain.journey import HR_ENDPOINT, given


def test_the_sample_journey_graduates_with_personal_qualities_the_milestone_and_hr_notified() -> None:
    j = given(sample_journey())
    status = j.status
    assert status.outcome is Outcome.GRADUATED
    assert status.progress.applicable == 105
    assert status.progress.achieved * 100 >= 90 * 105
    assert status.progress.percent >= 90.0
    assert (status.personal_qualities.state, status.personal_qualities.achieved) == ("accepted", True)
    [milestone] = status.milestones
    assert (milestone.progress.applicable, milestone.at_risk, milestone.questionable) == (105, False, False)
    assert status.graduation is not None
    assert status.graduation.eligible
    assert status.graduation.graduated_on == status.scheme_end
    assert status.graduation.hr_notified == (HR_ENDPOINT,)
    assert status.current_placement is None
    assert len(status.placements) == 3
    assert status.pending_sign_offs == ()


def test_the_sample_journey_is_a_realistic_size_and_mix() -> None:
    j = given(sample_journey())
    assert 800 <= len(j.events) <= 1_100
    types = Counter(e.type for e in j.events)
    assert types["TraineeEnrolled"] == types["TraineeGraduated"] == types["HRNotified"] == 1
    assert types["SignOffRevoked"] == 1
    assert types["SignOffRequestDeclined"] >= 1
    assert types["ReflectivePieceSubmitted"] == 2
    assert {e.actor_role for e in j.events} >= {
        Role.TRAINEE,
        Role.PLACEMENT_MANAGER,
        Role.PROGRAMME_MANAGER,
        Role.SYSTEM,
    }
    assert fold(j.events) == j.state
