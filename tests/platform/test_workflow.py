"""The request's rules: transitions, the 5-business-day clock and the check-in schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from secondopinion.platform import workflow

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_happy_path_is_a_chain_of_allowed_moves():
    path = [
        "draft",
        "submitted",
        "records_pending",
        "records_complete",
        "assigned",
        "in_review",
        "opinion_signed",
        "delivered",
        "follow_up",
        "third_opinion",
        "opinion_signed",
    ]
    for a, b in pairwise(path):
        assert workflow.can_move(a, b), (a, b)


def test_shortcuts_and_going_back_are_refused():
    assert not workflow.can_move("draft", "assigned")
    assert not workflow.can_move("submitted", "assigned")
    assert not workflow.can_move("delivered", "draft")
    assert not workflow.can_move("opinion_signed", "in_review")
    assert not workflow.can_move("nonsense", "submitted")


def test_every_state_has_rules():
    assert set(workflow.TRANSITIONS) == set(workflow.STATES)
    for targets in workflow.TRANSITIONS.values():
        assert targets <= set(workflow.STATES)


def test_five_business_days_from_monday_is_next_monday():
    assert workflow.add_business_days(MONDAY, 5) == MONDAY + timedelta(days=7)


def test_five_business_days_from_thursday_skip_the_weekend():
    thursday = MONDAY + timedelta(days=3)
    assert workflow.add_business_days(thursday, 5) == thursday + timedelta(days=7)


def test_a_weekend_start_counts_from_monday():
    saturday = MONDAY + timedelta(days=5, hours=5)
    due = workflow.add_business_days(saturday, 5)
    assert due.weekday() == 0 and due.date() == (MONDAY + timedelta(days=14)).date()


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(1, 30))
def test_business_days_land_on_a_weekday_with_exactly_n_weekdays_between(start, n):
    start = start.replace(tzinfo=UTC)
    due = workflow.add_business_days(start, n)
    assert due.weekday() < 5
    while start.weekday() >= 5:  # a weekend start counts from the Monday
        start += timedelta(days=1)
    days = [(start + timedelta(days=i)).date() for i in range(1, (due.date() - start.date()).days + 1)]
    assert sum(1 for d in days if d.weekday() < 5) == n


def test_overdue_only_while_the_clock_runs():
    due = MONDAY
    later = MONDAY + timedelta(minutes=1)
    assert workflow.overdue("in_review", due, later)
    assert not workflow.overdue("in_review", due, MONDAY - timedelta(minutes=1))
    assert not workflow.overdue("delivered", due, later)
    assert not workflow.overdue("submitted", None, later)


def test_check_ins_at_3_6_and_12_months_clamp_short_months():
    dates = workflow.check_in_dates(datetime(2026, 11, 30, 12, tzinfo=UTC))
    assert [(m, d.date().isoformat()) for m, d in dates] == [
        (3, "2027-02-28"),
        (6, "2027-05-30"),
        (12, "2027-11-30"),
    ]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)), st.integers(0, 48))
def test_add_months_moves_the_month_and_never_the_day_forward(start, months):
    out = workflow.add_months(start, months)
    assert (out.year * 12 + out.month) - (start.year * 12 + start.month) == months
    assert out.day <= start.day
