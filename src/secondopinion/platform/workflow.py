"""The request's life, as pure rules: states, allowed transitions, the turnaround clock and the
follow-up schedule.

    draft → submitted → records_pending → records_complete → assigned → in_review
          → opinion_signed → delivered → follow_up
    delivered | follow_up → third_opinion (a blinded reviewer) → opinion_signed → delivered

`records_complete` starts the turnaround clock: the opinion is due 5 business days later
(Saturdays and Sundays skipped; public holidays are not modelled) and overdue after that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

State = Literal[
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
]
STATES: tuple[State, ...] = get_args(State)  # in workflow order

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"records_pending", "records_complete"}),
    "records_pending": frozenset({"records_complete"}),
    "records_complete": frozenset({"assigned"}),
    "assigned": frozenset({"in_review", "assigned"}),
    "in_review": frozenset({"opinion_signed", "in_review"}),
    "opinion_signed": frozenset({"delivered"}),
    "delivered": frozenset({"follow_up", "third_opinion"}),
    "follow_up": frozenset({"third_opinion", "follow_up"}),
    "third_opinion": frozenset({"opinion_signed"}),
}

# While the clock runs: from records complete until the opinion reaches the patient.
CLOCK_RUNNING = frozenset({"records_complete", "assigned", "in_review", "opinion_signed", "third_opinion"})
# Once delivered the patient may read opinions, ask questions and answer check-ins.
DELIVERED = frozenset({"delivered", "follow_up", "third_opinion"})
CHECK_IN_MONTHS = (3, 6, 12)


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days after `start`, at the same time of day. A start on a weekend counts
    from the next Monday."""
    current = start
    while current.weekday() >= 5:
        current = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def overdue(state: str, due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and state in CLOCK_RUNNING and now > due_at


def add_months(start: datetime, months: int) -> datetime:
    """Same day `months` later, or the month's last day when it has no such day."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def check_in_dates(delivered_at: datetime) -> list[tuple[int, datetime]]:
    return [(m, add_months(delivered_at, m)) for m in CHECK_IN_MONTHS]
