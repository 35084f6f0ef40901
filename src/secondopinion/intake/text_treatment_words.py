"""Grammar of treatments in free text: modality words, surgical procedures, and the cues that say
whether a treatment is proposed, ongoing or done, its intent, and whether it is ruled out.

No drug or regimen names live here: those come from the knowledge base.
"""

from __future__ import annotations

import re

from secondopinion.case import Intent

_ADJ = (
    r"(?:(?:robotic(?:ally)?(?:[\s-]assisted)?|laparoscopic|minimally\s+invasive|open|vats|radical|partial|"
    r"total|subtotal|simple|upper|lower|middle|modified\s+radical|nipple[\s-]sparing|skin[\s-]sparing|"
    r"double|bilateral|unilateral|prophylactic|completion|extended|distal|right|left|sigmoid|transverse|"
    r"low\s+anterior|abdominoperineal|wide\s+local|wide|cytoreductive|interval|primary|sleeve|wedge|"
    r"segmental|transurethral|salvage|nerve[\s-]sparing|breast[\s-]conserving|abdominal|vaginal|repeat|"
    r"d[12]|staging|comprehensive|gross\s+total|debulking|lymph\s+node|major|further|more|"
    r"inguinal|inguino-?femoral|groin|ilio-?inguinal|iliac|pelvic|para-?aortic|retroperitoneal|axillary|"
    r"cervical|neck|regional|superficial|deep)[\s-]+){0,4}"
)
GENERIC_SURGERY = frozenset(
    {
        "surgery",
        "surgeries",
        "operation",
        "operations",
        "surgically removed",
        "removal of the tumour",
        "removal of the tumor",
        "operate",
        "operated on",
    }
)
PROCEDURE = re.compile(
    r"\b(?P<adj>" + _ADJ + r")(?P<core>pneumonectomy|segmentectomy|bilobectomy|lobectomy|mastectomy|"
    r"lumpectomy|quadrantectomy|breast[\s-]conserving\s+(?:surgery|therapy)|"
    r"whipple(?:\s+(?:procedure|surgery|operation))?|pancreaticoduodenectomy|pancreatectomy|prostatectomy|"
    r"hemicolectomy|colectomy|proctectomy|(?:total\s+)?mesorectal\s+excision|anterior\s+resection|"
    r"abdominoperineal\s+resection|cystoprostatectomy|cystectomy|nephroureterectomy|nephrectomy|"
    r"hysterectomy|salpingo-?oophorectomy|oophorectomy|orchi(?:d)?ectomy|gastrectomy|o?esophagectomy|"
    r"hepatectomy|liver\s+resection|cholecystectomy|thyroidectomy|laryngectomy|glossectomy|pharyngectomy|"
    r"craniotomy|metastasectomy|adrenalectomy|vulvectomy|trachelectomy|penectomy|splenectomy|enucleation|"
    r"mohs(?:\s+(?:surgery|procedure|micrographic\s+surgery))?|cytoreduction|"
    r"curettage(?:\s+and\s+(?:electrodesiccation|electrocautery|cautery|cauterisation|cauterization))?|"
    r"electrodesiccation(?:\s+and\s+curettage)?|exenteration|"
    r"sentinel\s+(?:lymph\s+)?node\s+(?:biopsy|dissection)|axillary\s+(?:lymph\s+node\s+)?dissection|"
    r"lymphadenectomy|(?:lymph\s+)?node\s+dissection|neck\s+dissection|"
    r"transurethral\s+resection(?:\s+of\s+(?:the\s+)?bladder\s+tumou?r)?|resections?|excisions?|"
    r"surgeries|surgery|operations?|surgically\s+removed|removal\s+of\s+the\s+tumou?r|"
    r"resected|excised|debulked|operated\s+on|debulking)\b"
    r"(?!\s+(?:oncolog\w*|consult\w*|team|margins?\s+(?:were|was|are)|specimen))"
)
PAST_PARTICIPLES = frozenset({"resected", "excised", "debulked", "operated on", "surgically removed"})
HAD_REMOVED = re.compile(
    r"\b(?:had|have\s+had|was|were|got)\s+(?:(?:a|an|the|my|her|his)\s+)?(?:[\w-]+\s+){0,5}?removed\b"
    r"|\b(?:shelled|scooped|cut|took|dug|carved)\s+(?:it|them|this|that|the\s+(?:\w+\s+)?(?:lump|tumou?r|mass|"
    r"growth|lesion|spot|mole|nodule))\s+out\b"
)
# An operation named by the organ it takes out ('remove his bladder', 'removal of the womb',
# 'bladder removal'): the procedure it is
ORGAN_REMOVED = {
    "bladder": "cystectomy",
    "kidney": "nephrectomy",
    "prostate": "prostatectomy",
    "prostate gland": "prostatectomy",
    "breast": "mastectomy",
    "thyroid": "thyroidectomy",
    "thyroid gland": "thyroidectomy",
    "womb": "hysterectomy",
    "uterus": "hysterectomy",
    "stomach": "gastrectomy",
    "oesophagus": "esophagectomy",
    "esophagus": "esophagectomy",
    "voice box": "laryngectomy",
    "larynx": "laryngectomy",
}
_ORGAN = r"(?:" + "|".join(sorted(map(re.escape, ORGAN_REMOVED), key=len, reverse=True)) + r")"
ORGAN_WORD = re.compile(r"\b" + _ORGAN + r"\b")
ORGAN_REMOVAL = re.compile(
    r"\b(?:remov(?:e|es|ed|ing|al\s+of)|tak(?:e|es|ing)\s+out|take\s+away)\s+(?:the\s+|his\s+|her\s+|my\s+|"
    r"their\s+|your\s+|whole\s+|entire\s+)*" + _ORGAN + r"\b(?!\s+(?:tumou?r|cancer|lump|mass|nodule))"
    r"|\b" + _ORGAN + r"\s+removal\b"
)
# A sarcoma or lump taken out without planning for cancer: shelled out, a 'whoops' operation
SHELL_OUT = re.compile(
    r"\b(?:shelled|scooped|dug|popped|shelling|scooping)\s+(?:it|them|this|that|the\s+(?:\w+\s+)?(?:lump|tumou?r|"
    r"mass|growth|lesion|nodule|cyst|lipoma))\s+out\b"
    r"|\bshell(?:ed)?[\s-]out(?:\s+(?:excision|operation|procedure|surgery))?\b"
    r"|\bwhoops\s+(?:procedure|operation|excision|surgery|resection)\b"
    r"|\bunplanned\s+(?:excision|resection|removal|operation|surgery)\b"
)  # not 'enucleation': of an eye, a small pancreatic tumour or a prostate it is a planned operation
SURGERY_ABBREVIATIONS = {
    "TME": "total mesorectal excision",
    "LAR": "low anterior resection",
    "APR": "abdominoperineal resection",
    "BSO": "bilateral salpingo-oophorectomy",
    "TURBT": "transurethral resection of bladder tumour",
    "WLE": "wide local excision",
    "SLNB": "sentinel lymph node biopsy",
    "ALND": "axillary lymph node dissection",
    "TAH": "total abdominal hysterectomy",
    "TLH": "total laparoscopic hysterectomy",
    "RALP": "robotic radical prostatectomy",
    "VATS": "VATS resection",
}
SURGERY_ABBR_RE = re.compile(r"(?<![\w])(?:" + "|".join(SURGERY_ABBREVIATIONS) + r")(?![\w])")

_CHECKS = (
    r"(?:scans?|ct(?:\s+scans?)?|mri(?:\s+scans?)?|pet(?:[\s/-]ct)?|ultrasounds?|imaging|x-?rays?|bloods|"
    r"blood\s+(?:tests?|work)|labs?|psa(?:\s+tests?)?|cea(?:\s+checks?)?|tumou?r\s+markers?|check-?ups?|"
    r"follow-?ups?|clinic\s+visits?|visits?|colonoscop(?:y|ies)|cystoscop(?:y|ies))"
)
KEYWORDS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\bchemo[\s-]?radi(?:ation|otherapy)(?:\s+therapy)?\b|\bradio[\s-]?chemo(?:therapy)?\b"
            r"|\bchemo[\s-]?rt\b|\bconcurrent\s+chemo(?:therapy)?\s+(?:and|with|plus)\s+radi(?:ation|otherapy)\b"
        ),
        "chemoradiation",
    ),
    (
        re.compile(
            r"\b(?:autologous\s+|allogeneic\s+|auto(?:logous)?-|allo(?:geneic)?-)?"
            r"(?:(?:hematopoietic\s+|haematopoietic\s+)?stem[\s-]cell|bone\s+marrow)\s+transplant(?:ation)?\b"
            r"|\b(?:auto|allo)(?:logous|geneic)?[\s-](?:sct|transplant)\b"
        ),
        "transplant",
    ),
    (re.compile(r"\bcar[\s-]?t(?:[\s-]cells?)?(?:\s+(?:cell\s+)?therapy)?\b"), "cellular_therapy"),
    (
        re.compile(
            r"\bactive\s+(?:surveillance|monitoring)\b|\b(?:just\s+)?monitor(?:ing)?\s+(?:it|this|the\s+\w+)\b"
            r"|\bobservation\s+(?:only|alone)\b|\bclose\s+(?:observation|monitoring)\b"
            r"|\bsurveillance\s+(?:only|alone|with)\b"
            r"|\bwatch(?:ing)?\s+(?:it\s+|her\s+|him\s+)?(?:with|and|by)\s+(?:regular\s+|repeat\s+)?"
            r"(?:scans?|scanning|imaging|ct|mri|x-?rays?|blood\s+tests?|bloods|check-?ups?)\b"
            r"|\b(?:repeat\s+|regular\s+|serial\s+)?"
            + _CHECKS
            + r"(?:\s*(?:/|,|and|\+|or)\s*"
            + _CHECKS
            + r")*"
            r"\s+(?:(?:every|each)\s+(?:\d+(?:\s*(?:-|to)\s*\d+)?|few|two|three|four|six|twelve)|"
            r"(?:\d+(?:\s*(?:-|to)\s*\d+)?)[\s-]*(?:monthly|weekly))"
            r"(?:\s+(?:months?|weeks?))?\b"
            r"|(?<!on\s)(?<!by\s)(?<!at\s)\b(?:observation|surveillance)\b(?!\s+(?:unit|ward|bias|period|"
            r"program\w*|colonoscop\w*|endoscop\w*|imaging|ct|mri|pet|scans?|x-?rays?|biops\w*|bloods?|found|"
            r"showed|revealed|detected|picked))"
            r"|\bmonitoring\s+(?:only|alone|with|by)\b"
            r"|\b(?:follow-?up|repeat|surveillance)\s+"
            + _CHECKS
            + r"\s+in\s+(?:\d+(?:\s*(?:-|to)\s*\d+)?|a|one|"
            r"two|three|six|twelve)\s+(?:months?|years?)\b"
        ),
        "active_surveillance",
    ),
    (
        re.compile(
            r"\bwatchful\s+waiting\b|\bwatch[\s-]and[\s-]wait\b|\bwait[\s-]and[\s-]see\b"
            r"|\bno\s+(?:further|more|other|additional)\s+(?:treatment|therapy)\s+(?:is\s+|was\s+)?"
            r"(?:needed|required|necessary|planned)\b"
            # nothing after the operation: 'no adjuvant chemotherapy was offered'
            r"|\bno\s+(?:adjuvant|further|additional|post-?operative|more)\s+(?:chemo\w*|treatment|therapy|"
            r"radiation|radiotherapy)\s+(?:(?:was|is|were|has\s+been|will\s+be)\s+)?(?:offered|recommended|"
            r"advised|planned|proposed|suggested|needed|required|necessary)\b"
        ),
        "watchful_waiting",
    ),
    (
        re.compile(
            r"\b(?:stereotactic\s+)?radiosurgery\b|\bgamma\s+knife\b|\bcyber\s*knife\b"
            r"|\bstereotactic\s+(?:body\s+|ablative\s+)?radi\w+\b|\bproton(?:\s+beam)?(?:\s+therapy)?\b"
            r"|\bbrachytherapy\b|\bwhole[\s-]brain\s+radi\w+\b|\bradioactive\s+iodine\b|\bradiotherapy\b"
            r"|\bradiation(?:\s+therapy|\s+treatments?)?\b(?!\s+oncolog)|\bradiate\b|\bradiated\b"
        ),
        "radiation",
    ),
    (
        re.compile(r"\bchemo(?:therapy|therapies)?\b|\bcytotoxic\s+(?:therapy|treatment|drugs?)\b"),
        "chemotherapy",
    ),
    (
        re.compile(r"\bimmuno-?therapy\b|\bimmune\s+therapy\b|\b(?:immune\s+)?checkpoint\s+inhibitors?\b"),
        "immunotherapy",
    ),
    (
        re.compile(
            r"\btargeted\s+(?:therapy|therapies|treatment|drugs?|pills?|medications?|agents?)\b"
            r"|\btyrosine\s+kinase\s+inhibitors?\b"
        ),
        "targeted_therapy",
    ),
    (
        re.compile(
            r"\b(?:hormon(?:e|al)|endocrine|anti-?hormon(?:e|al))\s+(?:therapy|therapies|treatment|"
            r"blockers?|blocking\s+(?:therapy|pills?|drugs?|treatment)|pills?|shots?|injections?)\b"
            r"|\bandrogen[\s-]deprivation(?:\s+therapy)?\b|\baromatase\s+inhibitors?\b"
        ),
        "hormonal_therapy",
    ),
    (
        re.compile(
            r"\b(?:radiofrequency|microwave|cryo|thermal)[\s-]?ablation\b|\bcryoablation\b|\bablation\b"
        ),
        "ablation",
    ),
    (
        re.compile(r"\bhospice\b|\b(?:best\s+)?supportive\s+care\b|\bpalliative\s+care\b|\bcomfort\s+care\b"),
        "supportive_care",
    ),
    (re.compile(r"\bsystemic\s+(?:therapy|treatment)\b"), "systemic_therapy"),
    (re.compile(r"\bchemo-?embolization\b|\bradio-?embolization\b"), "other"),
]
ABBREVIATIONS = {
    "RT": "radiation",
    "XRT": "radiation",
    "EBRT": "radiation",
    "SBRT": "radiation",
    "SABR": "radiation",
    "SRS": "radiation",
    "IMRT": "radiation",
    "VMAT": "radiation",
    "WBRT": "radiation",
    "RAI": "radiation",
    "CRT": "chemoradiation",
    "CCRT": "chemoradiation",
    "ADT": "hormonal_therapy",
    "TKI": "targeted_therapy",
    "TKIs": "targeted_therapy",
    "ASCT": "transplant",
    "BMT": "transplant",
    "HSCT": "transplant",
    "SCT": "transplant",
    "RFA": "ablation",
    "MWA": "ablation",
    "TACE": "other",
    "SIRT": "other",
    "HIPEC": "other",
    "CAR-T": "cellular_therapy",
}
# Radiation named by its technique keeps the technique as its procedure ('HDR brachytherapy')
RADIATION_TECHNIQUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"brachy"), "brachytherapy"),
    (re.compile(r"radiosurgery|gamma|cyber"), "stereotactic radiosurgery"),
    (re.compile(r"stereotactic"), "stereotactic radiotherapy"),
    (re.compile(r"proton"), "proton therapy"),
    (re.compile(r"whole[\s-]brain"), "whole-brain radiotherapy"),
    (re.compile(r"iodine"), "radioactive iodine"),
]
RADIATION_ABBREVIATIONS = {
    "SBRT": "stereotactic body radiotherapy",
    "SABR": "stereotactic ablative radiotherapy",
    "SRS": "stereotactic radiosurgery",
    "WBRT": "whole-brain radiotherapy",
    "RAI": "radioactive iodine",
}
ABBR_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")(?![\w-])"
)

PROPOSED = re.compile(
    r"\b(?:recommend\w*|advis\w*|suggest\w*|propos\w*|plan|plans|planned|planning|offer\w*|will|"
    r"i'll|she'll|he'll|we'll|they'll|going\s+to|gonna|schedul\w*|booked|wants?|would\s+like|"
    r"should|next\s+step|consider\w*|options?|discuss\w*|candidate\s+for|eligible\s+for|referr\w*|"
    r"needs?|to\s+start|start|starting|about\s+to|upcoming|expected\s+to|pushing\s+for|"
    r"favou?rs?|prefers?|may\s+need|might\s+need|talked\s+about|is\s+to\s+have|next|"
    r"agree[ds]?\s+(?:on|to|upon)|consensus|chosen|opted\s+for|"
    # a decision taken now: 'we have decided on ibrutinib and venetoclax', 'I chose surveillance'
    r"decided\s+(?:on|upon|to\s+(?:go|have|start|do|proceed|try|take|get))|settled\s+on|chose|choose|"
    r"(?:going|go)\s+(?:ahead\s+)?with)\b"
    r"|(?<!was\s)(?<!were\s)\b(?:prescrib|perscrib)\w*"
)
FIRM_PROPOSAL = re.compile(
    r"\b(?:recommend\w*|propos\w*|plan|plans|planned|offer\w*|schedul\w*|booked|wants?|will|going\s+to|"
    r"advis\w*|suggest\w*)\b"
)
DONE = re.compile(
    r"\b(?:i\s+had|had|underwent|undergone|s/p|status\s+post|completed|finished|received|"
    r"was\s+treated|were\s+treated|treated\s+with|was\s+given|were\s+given|got|previously|prior|"
    r"already|did|was\s+done|was\s+performed|were\s+performed|was\s+removed|took|have\s+had|"
    r"has\s+had|i've\s+had|was\s+on|were\s+on|stopped|ago|last\s+(?:year|month|week)|showed|revealed|"
    r"progress(?:ed|ing)|(?<!until\s)(?<!to\s)(?<!at\s)(?<!on\s)(?<!of\s)progression|grew|failed|stopped\s+working|despite|relapsed|recurred|came\s+back|"
    r"in\s+(?:19|20)\d\d|in\s+(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december))\b"
)
ONGOING = re.compile(
    r"\b(?:currently\s+(?:on|receiving|taking|getting|undergoing|in|having)|i'm\s+on|i\s+am\s+on|"
    r"is\s+on|are\s+on|now\s+on|still\s+on|remains?\s+on|continu(?:e|es|ing)\s+(?:on|with|to\s+take)|"
    r"ongoing|taking|receiving|getting|undergoing|in\s+the\s+middle\s+of|"
    r"on\s+(?:cycle|week|day)\s+\d+|cycle\s+\d+\s+of|started|has\s+been\s+on|have\s+been\s+on|"
    r"i've\s+been\s+on|been\s+taking|been\s+receiving)\b"
)
PAST = re.compile(
    r"\b(?:was|were|had|did|ago|last\s+(?:year|month|week)|in\s+(?:19|20)\d\d|"
    r"response|responded|remission)\b"
)
# 'after six cycles of FOLFOX': the treatment is what came before; in 'after the baby is delivered,
# paclitaxel' or 'after the delivery paclitaxel' it is what comes next
AFTER_OBJECT = re.compile(
    r"\b(?:after|following)\s+(?:(?:the|my|her|his|a|an|\d+|one|two|three|four|five|six|eight|twelve|full|"
    r"cycles?|rounds?|courses?|doses?|sessions?|months?|weeks?|years?|of|completing|finishing|completion)\s+)*$"
)
# 'R-ICE and, if it responds, a stem cell transplant': a planned next step that waits on the response,
# unlike 'if it comes back'
IF_RESPONDS = re.compile(
    r"\bif\s+(?:it|this|that|the\s+\w+|he|she|i|we|they|there\s+is\s+(?:a\s+)?(?:good\s+|complete\s+)?)\s*"
    r"(?:\w+\s+){0,2}?(?:respond\w*|response|shrinks?|works?|goes\s+well|is\s+successful)\b[^.;]{0,40}$"
)
# a heading that makes what follows it the plan: 'Plan:', 'Plan per MDT:', 'Recommendations:'
PLAN_HEADING = re.compile(
    r"(?:(?:treatment|management|proposed|recommended|current|new|oncology|our|the)\s+)?"
    r"(?:plan|recommendations?|next\s+steps?)\b(?:\s+(?!(?:was|is|were|had)\b)[\w/-]+){0,4}?\s*:"
)
HEADING = re.compile(r"^[ \t]*[A-Za-z][A-Za-z /&-]{1,30}:", re.MULTILINE)
_SURGERY_REF = (
    r"(?:the\s+|my\s+|her\s+|his\s+|any\s+|a\s+)?(?:[\w-]+\s+){0,2}?(?:surgery|operation|resection|"
    r"lobectomy|mastectomy|lumpectomy|colectomy|hemicolectomy|prostatectomy|whipple|gastrectomy|"
    r"nephrectomy|cystectomy|o?esophagectomy|hysterectomy|excision)"
)
INTENTS: list[tuple[Intent, re.Pattern[str]]] = [
    (
        "neoadjuvant",
        re.compile(
            r"\bneo-?adjuvant\b|\bpre-?operative(?:ly)?\b|\bpre-?op\b|\bto\s+shrink\b"
            r"|\b(?:before|prior\s+to|ahead\s+of)\s+" + _SURGERY_REF
        ),
    ),
    (
        "adjuvant",
        re.compile(
            r"(?<![\w-])adjuvant\b|\bpost-?operative(?:ly)?\b|\bpost-?op\b"
            r"|\b(?:after|following|post)\s+" + _SURGERY_REF
        ),
    ),
    ("definitive", re.compile(r"\bdefinitive\b")),
    (
        "curative",
        re.compile(
            r"\bcurative\b|\b(?:aim|goal|intent(?:ion)?)\s+(?:of|to)\s+cur(?:e|ing)\b"
            r"|\bto\s+cure\b"
        ),
    ),
    (
        "palliative",
        re.compile(
            r"\bpalliative\b|\bpalliation\b|\bsymptom\s+control\b"
            r"|\bcontrol\s+(?:the\s+)?symptoms\b"
        ),
    ),
    ("maintenance", re.compile(r"\bmaintenance\b")),
]
DRUG_AS_ADJECTIVE = re.compile(
    r"[\s-]*(?:refractory|resistant|sensitive|na[iï]ve|ineligible|eligible|intolerant|unfit|avid|non-avid|"
    r"exposed|pretreated|pre-treated)\b"
)
NEGATED_BEFORE = re.compile(
    r"(?:\bno|\bnot|n't|\bwithout|\bnever|\bdeclined?|\brefused?|\binstead\s+of|\brather\s+than|"
    r"\bdelay\w*|\bdefer\w*|\bpostpon\w*|\bhold\s+off\s+(?:on\s+)?|\bput\s+off|"
    r"\bavoid\w*|\bagainst|\bspared?|\bomit\w*|\bskip\w*|\bno\s+need\s+for|\bnot\s+a\s+candidate\s+for|"
    r"\bnor|\b(?:chosen|chose|preferred|picked|selected|favou?red|opted\s+for\s+\w+)\s+over)\s+(?:[\w-]+[\s(]+){0,3}$"
)  # '[\s(]': the brand in 'no trastuzumab (Herceptin)' is negated with its generic name
NEGATED_AFTER = re.compile(
    r"^\s*(?:is|was|will|would|are|were|has|have)?\s*(?:not|n't|no\s+longer)\b|^\s*(?:isn'?t|wasn'?t|won't|"
    r"aren'?t|weren'?t|hasn'?t|haven'?t|wont)\b|^\s*(?:is\s+|was\s+)?(?:not\s+)?(?:unnecessary|unlikely\s+to\s+help|"
    r"not\s+an\s+option|not\s+possible)"
)
NOT_PLANNED = re.compile(
    r"\b(?:read|heard|learned|learnt|seen|asked|ask|wonder\w*|know|curious)\s+(?:[\w-]+\s+){0,2}(?:about|that)\s+"
    r"(?:[\w-]+\s+){0,8}$"
    r"|\bwhether\s+(?:[\w-]+\s+){0,4}$"
    r"|\b(?:nobody|no\s+one|no-one|none\s+of\s+(?:them|the\s+doctors))\s+(?:has\s+|have\s+|had\s+|did\s+|even\s+|ever\s+)*"
    r"(?:mention\w*|discuss\w*|talk\w*\s+(?:to\s+\w+\s+)?about|brought\s+up|bring\s+up|offer\w*|suggest\w*|"
    r"raised?|told\s+\w+\s+about|considered)\s+(?:[\w-]+\s+){0,2}$"
)
# 'Radiotherapy hasn't been mentioned', 'chemo before surgery wasn't discussed', 'surgery would mean
# losing the eye', 'removal of the eye, which he refuses': talked of, not planned
_DISCUSSED = (
    r"(?:men\w*ned|discuss\w*|offered|raised|brought\s+up|talked\s+about|suggested|considered|proposed|"
    r"recommended|spoken\s+(?:of|about)|an\s+option)"
)
# A new predicate after 'and'/'but' has its own subject and object: in 'R-CHOP to start next week and
# never mentioned waiting' or '... and the surgeon hasn't discussed radiotherapy' the negation is
# not about the treatment named before it
_NEW_PREDICATE = (
    r"\b(?:and|but|or|as|so|because|since|while|whereas)\s+(?:(?:he|she|they|i|we|you|it|the|my|his|her|"
    r"their|our|dr|doctor|nobody|no\s+one|also|still|yet|just|even|has|have|had|was|were|is|are|did|does|do|"
    r"never|not)\b|(?:hasn|haven|hadn|wasn|weren|isn|aren|didn|doesn|don)'?t\b)"
)
NOT_PLANNED_AFTER = re.compile(  # matched at the end of the mention
    r"(?:(?!"
    + _NEW_PREDICATE
    + r")[^,;.]){0,40}?\b(?:(?:has|have|was|were|is|are|had)\s*(?:not|n't|nt)|hasn'?t|haven'?t|"
    r"wasn'?t|weren'?t|isn'?t|aren'?t|hadn'?t|never)\s+(?:yet\s+|even\s+|really\s+)?(?:been\s+)?"
    + _DISCUSSED
    + r"|\s*(?:would|could|might)\s+(?:mean|involve|require)\b"
    r"|[^.;]{0,80}?\b(?:which|that)\s+(?:he|she|i|we|they|my\s+\w+)\s+(?:refuses?|refused|declines?|declined|"
    r"(?:does|do|did)\s*(?:not|n't)\s+want)\b"
)
# A treatment kept for later, not part of the plan now: 'immunotherapy to be considered on
# progression', 'chemotherapy could be saved for later if it comes back', 'chest radiation can be
# considered later if there is residual disease', 'laryngectomy held for salvage'
_LATER = (
    r"(?:later|(?:at|on|upon|after|in\s+case\s+of)\s+(?:\w+\s+){0,2}?(?:progression|relapse|recurrence)|"
    r"for\s+(?:salvage|relapse|recurrence|progression|a\s+recurrence)|"
    r"if\s+(?:there\s+is\s+|it\s+|the\s+\w+\s+|he\s+|she\s+|i\s+)?(?:\w+\s+){0,2}?"
    r"(?:residual|persistent|progress\w*|recur\w*|relapse\w*|comes?\s+back|returns?|grows?|spreads?|needed|necessary)"
    r"|when\s+(?:it|the\s+\w+)\s+(?:progress\w*|comes?\s+back|recurs?|returns?))"
)
NOT_NOW_AFTER = re.compile(
    r"[^.;]{0,25}?\b(?:(?:can|could|may|might|would|will|is|are|to)\s+(?:be\s+)?)?(?:considered|discussed|"
    r"saved|kept|reserved|held|used|given|offered|added|an\s+option|be\s+an\s+option)\s+(?:\w+\s+){0,2}?"
    + _LATER
    + r"|\s*(?:\([^)]*\)\s*)?(?:only\s+)?(?:at|on|upon)\s+(?:\w+\s+)?(?:progression|relapse|recurrence)\b"
    r"|\s+(?:only\s+)?if\s+(?:it\s+is\s+|they\s+are\s+)?(?:needed|necessary|required)\b"
)
NOT_NOW_AFTER_DECIDED = re.compile(  # 'adjuvant treatment to be decided after pathology'
    r"\s*(?:(?:is|are|will\s+be|would\s+be)\s+)?(?:to\s+be\s+|being\s+)?(?:decided|determined|"
    r"discussed|reviewed|revisited)\s+(?:after|later|based\s+on|depending\s+on|once|when|at\s+a\s+later)"
    r"|[^.;]{0,20}\b(?:depending\s+on|based\s+on|according\s+to)\s+(?:the\s+)?(?:final\s+)?patholog"
)
# 'salvage laryngectomy', 'surgery at progression': an operation kept in reserve
NOT_NOW_BEFORE_SURGERY = re.compile(r"\b(?:salvage|at\s+progression|on\s+progression)\s+(?:[\w-]+\s+){0,2}$")
# 'decide about chemo afterwards': not decided, so not planned
NOT_NOW_BEFORE = re.compile(
    r"\b(?:decide|decision|deciding)\s+(?:later\s+)?(?:about|on|whether\s+(?:to\s+)?(?:give|add|use|have)?)"
    r"\s+(?:[\w-]+\s+){0,2}$"
)
OTHER_OPINION = re.compile(
    r"\W*(?:an?other|a\s+second|a\s+different|one\s+other|the\s+other)\s+(?:\w+\s+){0,2}?"
    r"(?:doctor|oncologist|surgeon|specialist|physician|urologist|ha?ematologist|opinion|centre|center)\b"
)
TIMING = re.compile(
    r"(?<!every\s)(?<!every\s\s)\b(?:x\s*)?(?:\d+(?:\s*-\s*\d+)?|two|three|four|five|six|eight|twelve|one)\s+"
    r"(?:cycles?|months?|weeks?|years?|fractions?|sessions?|doses?|courses?)\b(?!\s+ago)(?!\s+(?:after|later|since))"
    r"|\bx\s*\d+\b"
)
