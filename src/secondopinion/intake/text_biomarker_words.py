"""Grammar of biomarker results: status cues, signs, alterations, values, methods, germline
words and the phrases that name several results at once ('triple negative', 'loss of MLH1').
"""

from __future__ import annotations

import re

from secondopinion.intake.text_patterns import NUM

B = r"(?<![\w+])"
CUE = re.compile(
    B + r"(?:"
    r"(?P<not_tested>(?:has|have|had|was|were|is|are)\s*(?:not|n't)\s+(?:yet\s+)?(?:been\s+)?"
    r"(?:tested|done|performed|checked|assessed|evaluated|ordered|sent)"
    r"|(?:hasn't|haven't|hadn't|wasn't|weren't|isn't|aren't)\s+(?:yet\s+)?(?:been\s+)?"
    r"(?:tested|done|performed|checked|assessed|ordered|sent)"
    r"|not\s+(?:yet\s+)?(?:been\s+)?(?:tested|done|performed|checked|assessed|evaluated|ordered)"
    r"|never\s+(?:been\s+)?(?:tested|checked|done)|untested|no\s+testing|not\s+available)"
    r"|(?P<pending>pending|awaiting|awaited|waiting|sent(?:\s+(?:off|out|away))?|in\s+progress"
    r"|in\s+process|not\s+(?:yet\s+)?back|results?\s+(?:are\s+|is\s+)?(?:due|outstanding)"
    r"|outstanding|ordered|to\s+follow|tbd)"
    r"|(?P<equivocal>equivocal|borderline|indeterminate|inconclusive)"
    r"|(?P<unknown>unknown|not\s+known)"
    r"|(?P<neg>negative|neg|non-?amplified|not\s+amplified|no\s+amplification|wild[- ]?type|wt"
    r"|not\s+detected|undetected|none\s+detected|not\s+identified|not\s+found|not\s+present"
    r"|absent|unmethylated|non-?methylated|not\s+methylated|intact|retained|preserved|proficient"
    r"|stable|non-?codeleted|not\s+co-?deleted|no\s+co-?deletion|normal|not\s+mutated|non-?mutated"
    r"|unmutated|no\s+(?:mutations?|alterations?|fusions?|rearrangements?|deletions?"
    r"|amplifications?|variants?|changes?)|(?:was|were|is|are)\s+not)"
    r"|(?P<low>low)"
    r"|(?P<pos>positive|pos|over-?expressed|amplified|mutated|mutant|rearranged|translocated"
    r"|methylated|co-?deleted|detected|present|high|deficient|deficiency|unstable|lost|loss"
    r"|carrier|expressed|harbou?rs?|refractory|hit)"
    r"|(?P<noun>mutations?|alterations?|variants?|changes?|deletions?|insertions?|duplications?"
    r"|fusions?|rearrangements?|translocations?|amplifications?|co-?deletions?|methylation"
    r"|skipping|driver|syndrome|expression)"
    r")(?![\w])"
)
SUFFIX = re.compile(
    r"\s*(?:\(\s*)?(?:(?P<ihc>[0-3])\s*\+(?![\w])|(?P<plus>\+{1,3}|\(\+\)|\+ve)(?![\w])"
    r"|(?P<minus>-|\(-\)|-ve)(?![\w])|(?P<zero>0)(?!\.?\d|[%+]))"
)
BEFORE_NEG = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnegative\s+for|\bneg\s+for|\babsence\s+of|\black\s+of|\bfree\s+of"
    r"|\bneither|\bnor)\b(?![\s-]*smok)[^,;]*$"
    r"|\bnon[\s-]*$"  # 'non-amplified': only right before the marker ('non-smoking man with HPV+ ...')
)
BEFORE_CUE = re.compile(
    r"(?P<not_tested>\bnot\s+(?:been\s+)?(?:tested|checked|assessed)\s+for|(?:hasn't|haven't|has\s+not"
    r"|have\s+not|wasn't|was\s+not|weren't|were\s+not|never)\s+(?:been\s+)?(?:tested|checked)\s+for"
    r"|\bno\s+testing\s+(?:for|of))"
    r"|(?P<pending>\b(?:awaiting|pending|waiting\s+(?:for|on)|sent\s+(?:off\s+)?for|ordered)\b)"
    r"|(?P<pos>\b(?:positive|pos)\s+for\b|\bharbou?rs?\b|\bcarries\b|\bcarrying\b|\bcarry\b)"
    r"|(?P<neg>\b(?:negative|neg)\s+for\b|\bno\b|\bnot\b|\bwithout\b|\bneither\b|\bnor\b"
    r"|\babsence\s+of\b|\black\s+of\b|\bfree\s+of\b|\bwild[- ]?type\b|\bwt\b)"
)
ADJ_BEFORE = re.compile(
    r"\b(?:(?P<pos>mutant|mutated|positive|deficient|amplified|unstable|high|rearranged)"
    r"|(?P<neg>proficient|intact|wild[- ]?type|negative|stable|normal|unmethylated|standard[\s-]risk))[\s-]*$"
)
BEFORE_SKIP = re.compile(
    r"\b(?:haven't|have\s+not|hasn't|has\s+not|not|never)\s+(?:\w+\s+)?(?:heard|mentioned|discussed|told|talked)"
    r"|\b(?:nobody|no\s+one|no-one)\b|\bnot\s+aware\b|\bdon't\s+know\b|\bwonder\w*|\b(?:read|heard|asked|ask|learn\w*)\s+about"
    r"|\bwhether\b|\bshould\s+(?:i|we|she|he)\s+(?:be\s+)?(?:test\w*|check\w*)|\bcould\s+be\b"
)
LATE_RESULT = re.compile(
    r"[^.;,]{0,30}?\b(?:was|were|is|are|came\s+back|returned|tested|test(?:ing)?\s+(?:was|is))\s+"
    r"(?P<r>negative|not\s+detected|ruled\s+out|pending|awaited|not\s+done)\b"
)
SEPARATOR = re.compile(r"\s*(?:,|/|&|and/or|and|or|nor|\+)?\s*(?:,|/|and|or)?\s*")
BOUNDARY = re.compile(
    r"[.;]\s|;|\bbut\b|\bwhereas\b|\bwhile\b|\bhowever\b|\b(?:positive|negative|pos|neg)\s+for\b"
)
NOT_A_RESULT_AFTER = re.compile(
    r"[\s-]*(?:inhibitors?|tkis?|blockers?|targeted|directed|antibod|therapy|therapies|drugs?|pills?"
    r"|treatment|testing\s+(?:is|was)\s+(?:recommended|planned|needed)|test(?:ing)?\s+(?:should|will|would))"
)
REFERRED_FOR = re.compile(
    r"\b(?:counsel+ing|referr\w*|referred|sent)\b[^.;]{0,40}\bfor\s+(?:[\w-]+\s+){0,3}$"
)
ANTI = re.compile(r"\banti[- ]?$")

EXON = re.compile(
    r"\b(?:exon|ex)\s*(?P<n>\d{1,2})\s*(?P<kind>deletions?|del|insertions?|ins|skipping|skip"
    r"|mutations?|mut|duplications?|dup|alterations?|point\s+mutation|substitution)?(?![\w])"
    r"|\bex(?P<n2>\d{1,2})(?P<kind2>del|ins)\b"
)
PROTEIN = re.compile(
    r"(?<![A-Za-z0-9.])(?:p\.)?(?P<c>[ACDEFGHIKLMNPQRSTVWY])(?P<pos>\d{1,4})"
    r"(?P<alt>[ACDEFGHIKLMNPQRSTVWY]|del|fs|\*|X)(?![A-Za-z0-9])"
)
STRUCTURAL = re.compile(
    r"\b(?P<s>fusion|rearrangement|amplification|translocation|insertion|deletion|skipping)s?\b"
)
VALUE = re.compile(
    r"(?P<cmp><|>|less\s+than|greater\s+than|under|over|below|above)?\s*(?P<v>" + NUM + r")"
    r"(?:\s*-\s*(?P<v2>\d+(?:\.\d+)?))?\s*(?P<unit>%|percent|mut(?:ations)?\s*/\s*mb|mut/mb)?"
)
METHOD = [
    ("IHC", re.compile(r"\bihc\b|immunohisto")),
    ("FISH", re.compile(r"\bfish\b")),
    ("ISH", re.compile(r"\b(?:s|c|dd)?ish\b|in\s+situ\s+hybridi")),
    ("NGS", re.compile(r"\bngs\b|next[- ]generation|sequencing|foundation\s*one|\bpanel\b")),
    ("PCR", re.compile(r"\bpcr\b")),
    ("ctDNA", re.compile(r"\bctdna\b|liquid\s+biopsy|guardant")),
]
GERMLINE = re.compile(
    r"\bgermline\b|\binherited\b|\bhereditary\b|\bcarrier\b|\bblood\s+test|\bsaliva\b|"
    r"\bcarr(?:y|ies|ying)\b|\bgenetic\s+test\w*(?!\s+(?:of|on)\s+(?:the|my)\s+tumou?r)"
)
GERMLINE_TEST = re.compile(
    r"\b(?:germline|hereditary|inherited)\s+(?:genetic\s+|gene\s+|brca\S*\s+)?(?:testing|tests?|panel)"
    r"(?:\s+(?:was|is|were|came\s+back|returned))?\s+(?P<r>negative|normal|positive|pending|not\s+done|found|showed)"
)
SOMATIC = re.compile(r"\bsomatic\b|\btumou?r\s+(?:testing|sequencing|ngs|tissue)|\bin\s+the\s+tumou?r\b")
TRIPLE_NEGATIVE = re.compile(r"\btriple[- ]negative\b|\btnbc\b")
HORMONE_RECEPTOR = re.compile(
    r"\b(?:hormone[- ]receptors?|(?<![a-z])hr)(?:\s*[- ]\s*|\s+)?(?:status\s+)?(?:is\s+|was\s+)?"
    r"(?P<s>\+|positive|pos\b|-(?![a-z])|negative|neg\b)"
)
MMR_LOSS = re.compile(
    r"\b(?:loss\s+of|absent|lost|deficient|no)\s+(?:\w+\s+)?(?:mlh1|msh2|msh6|pms2)\b"
    r"|\b(?:mlh1|msh2|msh6|pms2)(?:\s*(?:,|/|and)\s*(?:mlh1|msh2|msh6|pms2))*\s+(?:(?:protein\s+)?expression\s+)?"
    r"(?:is\s+|was\s+|were\s+|are\s+)?(?:loss|lost|absent|deficient)\b"
)
MMR_INTACT = re.compile(
    r"\b(?:mlh1|msh2|msh6|pms2)(?:\s*(?:,|/|and)\s*(?:mlh1|msh2|msh6|pms2))+\s+(?:(?:protein\s+)?expression\s+)?"
    r"(?:is\s+|was\s+|were\s+|are\s+)?(?:all\s+)?(?:intact|retained|preserved|normal)\b"
)
SELF_POSITIVE = frozenset(
    [
        "positive",
        "mutant",
        "mutated",
        "high",
        "h",
        "deficient",
        "unstable",
        "codeleted",
        "codeletion",
        "co",
        "deleted",
        "amplified",
        "rearranged",
        "hit",
        "refractory",
        "dmmr",
        "syndrome",
    ]
)
SELF_NEGATIVE = frozenset(["wildtype", "wild", "stable", "proficient", "mss", "pmmr", "intact"])
SELF_NOUN = frozenset(
    ["fusion", "rearrangement", "amplification", "methylation", "instability", "mutation", "deletion", "exon"]
)
METHOD_WORDS = frozenset(
    {"fish", "hereditary", "germline testing", "genetic counseling", "genetic counselling"}
)
COO = {
    "gcb": "GCB",
    "non gcb": "non-GCB",
    "non-gcb": "non-GCB",
    "abc subtype": "ABC",
    "germinal center": "GCB",
    "germinal centre": "GCB",
}
