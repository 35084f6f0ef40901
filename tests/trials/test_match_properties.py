"""Properties of the matcher over generated trials and cases: a fact the case does not state never
fails a criterion, the order of the input never changes the output, and the ranking is consistent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.case import Biomarker, Cancer, Case, Patient, PlanItem
from secondopinion.trials.match import match_trials
from secondopinion.trials.model import Criterion, Trial

TYPES = ["nsclc", "lung", "breast", "melanoma", "colorectal", "dlbcl"]
GENES = ["EGFR", "ALK", "KRAS", "ERBB2", "BRAF"]

criteria = st.one_of(
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("age"),
        text=st.just("age"),
        min_age=st.none() | st.integers(0, 90).map(float),
        max_age=st.none() | st.integers(20, 120).map(float),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("sex"),
        text=st.just("sex"),
        sex=st.sampled_from(["female", "male"]),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("cancer_type"),
        text=st.just("type"),
        cancer_types=st.lists(st.sampled_from(TYPES), min_size=1, max_size=2),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("biomarker"),
        text=st.just("marker"),
        gene=st.sampled_from(GENES),
        alteration=st.none() | st.sampled_from(["exon 19 deletion", "V600E", "G12C"]),
        biomarker_status=st.none() | st.sampled_from(["positive", "negative"]),
        value_min=st.none() | st.sampled_from([1.0, 10.0, 50.0]),
        group=st.none() | st.just("or1"),
        option=st.integers(0, 2),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("performance_status"),
        text=st.just("ps"),
        ecog_max=st.none() | st.integers(0, 3),
        karnofsky_min=st.none() | st.sampled_from([50, 60, 70, 80]),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.sampled_from(
            [
                "metastatic",
                "brain_metastases",
                "measurable_disease",
                "organ_function",
                "pregnancy",
                "unparsed",
            ]
        ),
        text=st.just("other"),
        metastatic=st.none() | st.booleans(),
        settings=st.lists(
            st.sampled_from(["localized", "locally_advanced", "metastatic", "recurrent"]), max_size=2
        ),
        group=st.none() | st.just("or1"),
        option=st.integers(0, 2),
    ),
    st.builds(
        Criterion,
        inclusion=st.booleans(),
        type=st.just("prior_therapy"),
        text=st.just("prior"),
        therapy_drugs=st.lists(st.sampled_from(["osimertinib", "pembrolizumab", "carboplatin"]), max_size=1),
        therapy_classes=st.lists(st.sampled_from(["PD-1 inhibitor", "platinum"]), max_size=1),
        within_days=st.none() | st.just(28),
    ),
)

trials = st.lists(
    st.builds(
        Trial,
        nct_id=st.integers(1, 99).map(lambda i: f"NCT{i:08d}"),
        title=st.just("t"),
        status=st.just("RECRUITING"),
        cancer_types=st.lists(st.sampled_from(TYPES), max_size=2),
        criteria=st.lists(criteria, max_size=6),
        min_age=st.none() | st.just(18.0),
        sex=st.sampled_from(["all", "female", "male"]),
    ),
    max_size=8,
    unique_by=lambda t: t.nct_id,
)

cases = st.builds(
    Case,
    patient=st.builds(
        Patient,
        age=st.none() | st.integers(10, 95),
        sex=st.sampled_from(["female", "male", "unknown"]),
        ecog=st.none() | st.integers(0, 4),
        karnofsky=st.none() | st.sampled_from([40, 60, 80, 100]),
    ),
    cancers=st.lists(
        st.builds(
            Cancer,
            type=st.sampled_from(TYPES),
            stage_group=st.none() | st.sampled_from(["I", "IIIA", "IV"]),
            metastatic_sites=st.lists(st.sampled_from(["bone", "brain", "liver"]), max_size=2),
        ),
        max_size=1,
    ),
    biomarkers=st.lists(
        st.builds(
            Biomarker,
            name=st.sampled_from(GENES),
            status=st.sampled_from(["positive", "negative", "pending"]),
            detail=st.none() | st.sampled_from(["exon 19 deletion", "V600E"]),
            value=st.none() | st.sampled_from([0.0, 5.0, 60.0]),
        ),
        max_size=3,
    ),
    history=st.lists(
        st.builds(
            PlanItem, modality=st.just("chemotherapy"), drugs=st.just(["carboplatin"]), status=st.just("done")
        ),
        max_size=1,
    ),
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(trials=trials)
def test_a_case_that_states_nothing_fails_no_criterion(kb, trials):
    for m in match_trials(Case(), trials, kb, top=None):
        assert m.not_met == 0 and m.met == 0
        assert all(r.evaluation == "unknown" for r in m.results)


@FAST
@given(case=cases, trials=trials, data=st.data())
def test_the_order_of_the_trials_never_changes_the_output(kb, case, trials, data):
    shuffled = data.draw(st.permutations(trials))
    first = match_trials(case, trials, kb, top=None)
    second = match_trials(case, shuffled, kb, top=None)
    assert [m.model_dump() for m in first] == [m.model_dump() for m in second]


@FAST
@given(case=cases, trials=trials)
def test_counts_questions_and_ranking_are_consistent(kb, case, trials):
    matches = match_trials(case, trials, kb, top=None)
    seen_failed = False
    for m in matches:
        tally = [r.evaluation for r in m.results]
        assert (m.met, m.not_met, m.unknown) == (
            tally.count("met"),
            tally.count("not_met"),
            tally.count("unknown"),
        )
        assert all(r.to_resolve is None for r in m.results if r.evaluation != "unknown")
        assert all(r.because for r in m.results)
        if m.not_met:
            seen_failed = True
        else:
            assert not seen_failed, "a trial with a failed criterion ranked above one without"
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
