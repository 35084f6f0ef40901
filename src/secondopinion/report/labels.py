"""Plain-language names for the contract's codes, shared by every renderer."""

RECOMMENDATION = {
    "strongly_recommended": "Strongly recommended",
    "recommended": "Recommended",
    "optional": "Optional",
}
VERDICT = {
    "concordant": "In line with the evidence",
    "partially_concordant": "Mostly in line with the evidence, with gaps",
    "discordant": "Differs from the evidence in important ways",
    "insufficient_information": "Not enough information to judge",
}
KIND = {
    "not_recommended": "Advised against",
    "missing_treatment": "Missing treatment",
    "missing_test": "Missing test",
    "information_needed": "Information needed",
    "alternative": "Also ask about",
    "confirmed": "Confirmed",
}
CRITERION = {
    "rare_cancer": "Rare cancer",
    "complex_case": "Complex situation",
    "uncertainty_or_disagreement": "Uncertainty or disagreement",
    "major_treatment_decision": "Major treatment decision",
}
STATUS = {"have": "have", "missing": "missing", "unknown": "not seen"}
