"""The words the pages show for request states follow the workflow's own list of states."""

from __future__ import annotations

from itertools import pairwise

from secondopinion.platform.workflow import DELIVERED, STATES
from secondopinion.web.ui import labels


def test_every_state_has_words_and_no_words_name_an_unknown_state():
    assert set(labels._STATE_WORDS) == set(STATES)
    assert list(labels.STATE) == list(labels.STATE_SHORT) == list(STATES)
    assert all(labels.STATE[s] and labels.STATE_SHORT[s] for s in STATES)


def test_journey_steps_are_done_in_the_workflow_order():
    done = [states for _, states in labels.STEPS]
    assert done[0] == frozenset(STATES) and done[-1] == DELIVERED
    assert all(later < earlier for earlier, later in pairwise(done))
