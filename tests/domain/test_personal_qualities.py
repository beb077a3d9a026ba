"""The reflective piece: 2,000 words +/- 10%, in the Scheme's last twelve months; its acceptance achieves
all fourteen Personal Qualities competencies together."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from domain.calendar import months_before, reflective_window_opens
from domain.errors import DuplicateId, FeedbackRequired, NotAllowed, ReflectivePieceRejected
from domain.events import ReflectivePieceReviewed, ReviewOutcome
from domain.state import Achievement
from tests.domain.journey import (
    FRAMEWORK,
    OTHER_TRAINEE,
    PERSONAL_QUALITIES,
    PLACEMENT_MANAGER,
    SCHEME_END,
    TRAINEE,
    WINDOW_OPENS,
    enrolled,
    given,
    personal_qualities_accepted,
    piece_reviewed,
    placement_started,
    reflective_piece,
    scheme_extended,
    the_event,
    types_of,
    uid,
)

RETURNED = ReviewOutcome.RETURNED


def test_the_framework_has_fourteen_unrated_personal_qualities() -> None:
    assert len(PERSONAL_QUALITIES) == 14
    assert all(cid.startswith("1.") for cid in PERSONAL_QUALITIES)
    assert [c.id for c in FRAMEWORK.personal_qualities()] == list(PERSONAL_QUALITIES)


def test_the_window_opens_twelve_months_before_the_schemes_end() -> None:
    assert reflective_window_opens(SCHEME_END) == WINDOW_OPENS
    assert given(enrolled()).status.personal_qualities.window_opens == WINDOW_OPENS


def test_the_window_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


# --- word count ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", [1_799, 2_201, 0])
def test_the_piece_is_two_thousand_words_give_or_take_ten_percent(words: int) -> None:
    j = given(enrolled())
    with j.refused(
        ReflectivePieceRejected,
        match=f"must be 2,000 words \\+/- 10% \\(1,800 to 2,200\\); this one has {words:,}",
    ):
        j.when(reflective_piece(words))


@pytest.mark.parametrize("words", [1_800, 2_000, 2_200])
def test_a_piece_within_the_word_range_is_submitted(words: int) -> None:
    j = given(enrolled())
    assert types_of(j.when(reflective_piece(words))) == ["ReflectivePieceSubmitted"]
    pq = j.status.personal_qualities
    assert (pq.state, pq.word_count, pq.achieved) == ("awaiting_review", words, False)


# --- the last twelve months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(WINDOW_OPENS - timedelta(days=1), id="the day before the window"),
        pytest.param(SCHEME_END + timedelta(days=1), id="the day after the Scheme"),
        pytest.param(date(2024, 12, 1), id="the first year"),
    ],
)
def test_the_piece_is_submitted_only_in_the_last_twelve_months(day: date) -> None:
    j = given(enrolled())
    with j.refused(
        ReflectivePieceRejected,
        match=f"only be submitted in the Scheme's last twelve months, {WINDOW_OPENS} to {SCHEME_END}; {day} is outside",
    ):
        j.when(reflective_piece(on=day))


@pytest.mark.parametrize("day", [WINDOW_OPENS, SCHEME_END], ids=["first day", "last day"])
def test_the_piece_is_submitted_on_the_windows_first_and_last_days(day: date) -> None:
    j = given(enrolled())
    assert types_of(j.when(reflective_piece(on=day))) == ["ReflectivePieceSubmitted"]


def test_the_piece_is_accepted_on_the_windows_first_day() -> None:
    j = given(enrolled(), reflective_piece(on=WINDOW_OPENS))
    assert types_of(j.when(piece_reviewed(on=WINDOW_OPENS))) == ["ReflectivePieceReviewed"]
    assert j.status.personal_qualities.achieved


def test_the_piece_is_not_accepted_after_the_schemes_end() -> None:
    j = given(enrolled(), reflective_piece(on=SCHEME_END))
    day = SCHEME_END + timedelta(days=1)
    with j.refused(
        ReflectivePieceRejected,
        match=f"only be accepted in the Scheme's last twelve months, {WINDOW_OPENS} to {SCHEME_END}; {day} is outside",
    ):
        j.when(piece_reviewed(on=day))


def test_the_piece_may_be_returned_after_the_window() -> None:
    j = given(enrolled(), reflective_piece(on=SCHEME_END))
    j.when(piece_reviewed(RETURNED, on=SCHEME_END + timedelta(days=3)))
    assert j.status.personal_qualities.state == "returned"


def test_an_extension_moves_the_window() -> None:
    j = given(enrolled(), scheme_extended(date(2027, 3, 2)))
    with j.refused(ReflectivePieceRejected, match="2026-03-02 to 2027-03-02; 2026-03-01 is outside"):
        j.when(reflective_piece(on=date(2026, 3, 1)))
    assert types_of(j.when(reflective_piece(on=date(2027, 3, 1)))) == ["ReflectivePieceSubmitted"]


# --- review -------------------------------------------------------------------------------------------


def test_accepting_the_piece_achieves_all_fourteen_personal_qualities_together() -> None:
    j = given(enrolled(), reflective_piece())
    assert {j.competency(cid).achievement for cid in PERSONAL_QUALITIES} == {Achievement.NOT_ACHIEVED}
    j.when(piece_reviewed(ReviewOutcome.ACCEPTED, feedback="Candid and well evidenced."))
    for cid in PERSONAL_QUALITIES:
        c = j.competency(cid)
        assert (c.achievement, c.level, c.target_level, c.feedback) == (
            Achievement.ACHIEVED,
            None,
            None,
            "Candid and well evidenced.",
        )
    j.then_progress(14)
    section_one = j.status.sections[0]
    assert (
        section_one.number,
        section_one.rated,
        section_one.progress.achieved,
        section_one.progress.applicable,
    ) == (1, False, 14, 14)


def test_returned_then_resubmitted_then_accepted() -> None:
    j = given(enrolled(), placement_started(starts_on=date(2026, 1, 1), planned_end=SCHEME_END))
    j.when(reflective_piece(1_950, id="p1"))
    j.when(piece_reviewed(RETURNED, by=PLACEMENT_MANAGER, feedback="Reflect on how others perceive you."))
    assert (j.status.personal_qualities.state, j.status.personal_qualities.achieved) == ("returned", False)
    j.then_progress(0)
    j.when(reflective_piece(2_080, id="p2"))
    assert j.status.personal_qualities.state == "awaiting_review"
    accepted = the_event(j.when(piece_reviewed(by=PLACEMENT_MANAGER)), ReflectivePieceReviewed)
    assert (accepted.piece_id, accepted.outcome) == (uid("p2"), ReviewOutcome.ACCEPTED)
    pq = j.status.personal_qualities
    assert (pq.state, pq.achieved, pq.word_count, pq.reviewed_by) == (
        "accepted",
        True,
        2_080,
        PLACEMENT_MANAGER,
    )
    j.then_progress(14)


def test_a_second_piece_waits_for_the_first_to_be_reviewed() -> None:
    j = given(enrolled(), reflective_piece(id="p1"))
    with j.refused(ReflectivePieceRejected, match=f"reflective piece {uid('p1')} is still awaiting review"):
        j.when(reflective_piece(id="p2"))


def test_no_piece_is_submitted_after_one_was_accepted() -> None:
    j = given(enrolled(), personal_qualities_accepted())
    with j.refused(ReflectivePieceRejected, match="already accepted; Personal Qualities are signed off"):
        j.when(reflective_piece(id="p2"))


def test_a_resubmission_is_a_new_piece() -> None:
    j = given(enrolled(), reflective_piece(id="p1"), piece_reviewed(RETURNED))
    with j.refused(DuplicateId, match=f"reflective piece {uid('p1')} was already submitted"):
        j.when(reflective_piece(id="p1"))


def test_a_review_needs_a_piece_awaiting_review() -> None:
    j = given(enrolled(), reflective_piece(), piece_reviewed(RETURNED))
    with j.refused(ReflectivePieceRejected, match="there is no reflective piece awaiting review"):
        j.when(piece_reviewed())


def test_a_review_needs_feedback() -> None:
    j = given(enrolled(), reflective_piece())
    with j.refused(FeedbackRequired, match="feedback on the reflective piece must not be blank"):
        j.when(piece_reviewed(feedback=" \n "))


def test_only_the_trainee_submits_their_piece() -> None:
    j = given(enrolled())
    with j.refused(
        NotAllowed, match="only trainee t-0001 can submit their reflective piece; t-0002 \\(trainee\\) cannot"
    ):
        j.when(reflective_piece(by=OTHER_TRAINEE))


def test_the_trainee_cannot_review_their_own_piece() -> None:
    j = given(enrolled(), reflective_piece())
    with j.refused(NotAllowed, match="trainee t-0001 cannot review the reflective piece on their own record"):
        j.when(piece_reviewed(by=TRAINEE))


def test_the_window_is_judged_on_the_utc_day() -> None:
    """23:30 in New York on the day before the window opens is already its first day in UTC."""
    eve = datetime.combine(
        WINDOW_OPENS - timedelta(days=1), time(23, 30), tzinfo=timezone(timedelta(hours=-5))
    )
    j = given(enrolled(), placement_started())
    events = j.when(reflective_piece(on=eve))
    assert types_of(events) == ["ReflectivePieceSubmitted"]
