"""Grammar of the cancer itself: cancer words, anatomical sites, histology phrases, and the
patterns of setting, spread, recurrence and side. No cancer-type list lives here: types come
from the knowledge base.
"""

from __future__ import annotations

import re

CANCER_WORD = re.compile(
    r"\b(?:cancers?|carcinomas?|adenocarcinomas?|\w*sarcomas?|melanomas?|lymphomas?|leuka?emias?|"
    r"myelomas?|mesotheliomas?|gliomas?|glioblastomas?|astrocytomas?|oligodendrogliomas?|ependymomas?|"
    r"\w+blastomas?|seminomas?|carcinoids?|cholangiocarcinomas?|malignan(?:cy|cies)|"
    r"neuroendocrine\s+(?:tumou?rs?|neoplasms?|carcinomas?)|germ[\s-]cell\s+tumou?rs?|"
    r"malignant\s+(?:tumou?rs?|neoplasms?|\w+omas?)|myelodysplastic\s+syndromes?|thymomas?|chordomas?|"
    r"metastatic\s+disease)\b"
)
# 'rectal adenoca', 'papillary thyroid ca.': clinicians' short forms, read only behind a site word
# (never 'CA-125', 'CA 19-9' or 'ca. 3 cm')
CA_ABBR = re.compile(r"\b(?P<w>adeno)?ca\b(?!\s*-?\s*\d|-|\.\s*\d)")
# Scores given only for one organ's cancer name the site when the text names no type: a Gleason
# score is graded on a prostate cancer; PI-RADS is a prostate MRI score (a site, not a cancer).
_BLADDER_LUMP = (
    r"(?<!of\s)(?<!of\sthe\s)(?<!of\sa\s)\bbladder\s+(?:tumou?rs?|mass(?:es)?|lesions?|growths?|neoplasms?)\b"
)
_BLADDER_FINDING = (
    r"(?:\bmuscle[\s-]+invasi\w+|\bdetrusor\b|\bmuscularis\s+propria\b|\bp?t(?:a|is|[1-4])\b|"
    r"\bhigh[\s-]grade\b|\blow[\s-]grade\b|\bbcg\b|\bcystectomy\b|\bcis\b|\burothelial\b|\btransitional\b)"
)
SCORE_SITES: list[tuple[re.Pattern[str], str, bool]] = [
    (
        re.compile(r"\bgleason\b(?:\s+(?:score|sum|grade|pattern))?[\s:=]*(?:of\s+|is\s+)?\d"),
        "prostate",
        True,
    ),
    (re.compile(r"\bpi-?rads\b"), "prostate", False),
    # 'a bladder tumour / mass' with a finding only bladder cancer has (muscle invasion, a T
    # category, a grade, BCG, cystectomy): the bladder cancer itself ('resection of bladder
    # tumour', the TURBT procedure's name, does not count)
    (
        re.compile(
            r"(?s)" + _BLADDER_LUMP + r"(?=.*?" + _BLADDER_FINDING + r")"
            r"|" + _BLADDER_FINDING + r".*?" + _BLADDER_LUMP
        ),
        "bladder",
        True,
    ),
]
NOT_CANCER_AFTER = re.compile(
    r"\s*(?:center|centre|centers|centres|clinic|institute|society|screening|survivor|support|"
    r"foundation|specialist|care\s+team|doctor|surgeon|nurse|research|risk|gene|genes|predisposition|"
    r"syndrome|free|-free)\b"
)
SITES: dict[str, str] = {
    "lung": "lung",
    "lungs": "lung",
    "rul": "lung",
    "rml": "lung",
    "rll": "lung",
    "lul": "lung",
    "lll": "lung",
    "pulmonary": "lung",
    "bronchus": "lung",
    "bronchial": "lung",
    "upper lobe": "lung",
    "lower lobe": "lung",
    "middle lobe": "lung",
    "breast": "breast",
    "mammary": "breast",
    "colon": "colon",
    "colonic": "colon",
    "sigmoid": "colon",
    "cecum": "colon",
    "caecum": "colon",
    "rectum": "rectum",
    "rectal": "rectum",
    "appendix": "appendix",
    "appendiceal": "appendix",
    "pancreas": "pancreas",
    "pancreatic": "pancreas",
    "stomach": "stomach",
    "gastric": "stomach",
    "esophagus": "esophagus",
    "oesophagus": "esophagus",
    "esophageal": "esophagus",
    "oesophageal": "esophagus",
    "liver": "liver",
    "hepatic": "liver",
    "bile duct": "bile duct",
    "gallbladder": "gallbladder",
    "kidney": "kidney",
    "renal": "kidney",
    "bladder": "bladder",
    "prostate": "prostate",
    "prostatic": "prostate",
    "ovary": "ovary",
    "ovarian": "ovary",
    "ovaries": "ovary",
    "uterus": "uterus",
    "uterine": "uterus",
    "endometrium": "endometrium",
    "endometrial": "endometrium",
    "cervix": "cervix",
    "cervical": "cervix",
    "vulva": "vulva",
    "vulvar": "vulva",
    "vagina": "vagina",
    "vaginal": "vagina",
    "skin": "skin",
    "cutaneous": "skin",
    "brain": "brain",
    "thyroid": "thyroid",
    "tongue": "tongue",
    "tonsil": "tonsil",
    "larynx": "larynx",
    "laryngeal": "larynx",
    "pharynx": "pharynx",
    "nasopharynx": "nasopharynx",
    "nasopharyngeal": "nasopharynx",
    "bone": "bone",
    "testis": "testis",
    "testicle": "testis",
    "testicular": "testis",
    "penis": "penis",
    "penile": "penis",
    "anus": "anus",
    "anal": "anus",
    "small bowel": "small intestine",
    "small intestine": "small intestine",
    "duodenum": "duodenum",
    "duodenal": "duodenum",
    "adrenal": "adrenal gland",
    "thymus": "thymus",
    "eye": "eye",
    "ocular": "eye",
    "parotid": "parotid gland",
    "salivary gland": "salivary gland",
    "peritoneum": "peritoneum",
    "peritoneal": "peritoneum",
    "pleura": "pleura",
    "pleural": "pleura",
    "ureter": "ureter",
    "urethra": "urethra",
    "head and neck": "head and neck",
    "oral": "oral cavity",
    "mouth": "oral cavity",
    "throat": "throat",
    "bowel": "bowel",
    "intestine": "intestine",
}
PROCEDURE_SITES = {
    "lobectomy": "lung",
    "pneumonectomy": "lung",
    "segmentectomy": "lung",
    "upper lobe": "lung",
    "lower lobe": "lung",
    "middle lobe": "lung",
    "mastectomy": "breast",
    "lumpectomy": "breast",
    "hemicolectomy": "colon",
    "colectomy": "colon",
    "prostatectomy": "prostate",
    "whipple": "pancreas",
    "pancreaticoduodenectomy": "pancreas",
    "gastrectomy": "stomach",
    "nephrectomy": "kidney",
    "cystectomy": "bladder",
    "esophagectomy": "esophagus",
    "oesophagectomy": "esophagus",
    "thyroidectomy": "thyroid",
    "hysterectomy": "uterus",
    "orchiectomy": "testis",
}
# Words that name an organ without being a site word: a lung mass at the hilum, a uterine
# wall, a scope of the bowel. Read only when a cancer word has no site anywhere near it.
TEXT_SITE_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:hilar\s+(?:mass|lesion|tumou?r)|ebus|endobronchial|bronchoscop\w*)\b"), "lung"),
    (re.compile(r"\bmyometri\w*\b"), "endometrium"),
    (re.compile(r"\b(?:colonoscop\w*|polypectomy)\b"), "colon"),
    (re.compile(r"\b(?:mammogra\w*|axilla\w*)\b"), "breast"),
    (re.compile(r"\b(?:cystoscop\w*|turbt)\b"), "bladder"),
]
# Before a site word: it is where the cancer went, or someone else's, or ruled out
SITE_NOT_PRIMARY = re.compile(
    r"(?:\b(?:to|into)\s+(?:the\s+|my\s+|her\s+|his\s+|both\s+)?(?:\w+\s+)?"
    r"|\b(?:spread|metasta\w*|mets?|no|not|without|normal|clear)\b[^.;,]{0,25})$"
)
RELATIVE_WORD = re.compile(
    r"\b(?:mother|mom|mum|father|dad|sister|brother|aunt|uncle|cousin|grandmother|grandfather|"
    r"grandma|grandpa|family\s+history)\b"
)
PROCEDURE_SITE_RE = re.compile(
    r"\b(?:" + "|".join(PROCEDURE_SITES) + r")\b|(?<![\w-])(?:rul|rml|rll|lul|lll)(?![\w-])"
)
SITE_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, SITES), key=len, reverse=True)) + r")\b")
HIST_MOD = (
    r"(?:invasive|infiltrating|micropapillary|ductal|lobular|serous|clear[\s-]cell|mucinous|"
    r"signet[\s-]ring(?:[\s-]cell)?|endometrioid|papillary|follicular|medullary|anaplastic|"
    r"squamous(?:[\s-]cell)?|small[\s-]cell|large[\s-]cell|adenosquamous|sarcomatoid|urothelial|"
    r"transitional[\s-]cell|neuroendocrine|goblet[\s-]cell|acinar|basal[\s-]cell|merkel[\s-]cell|"
    r"hepatocellular|renal[\s-]cell|chromophobe|spindle[\s-]cell|pleomorphic|tubular|cribriform|"
    r"high[\s-]grade|low[\s-]grade|germ[\s-]cell|epithelioid|biphasic|dedifferentiated|myxoid|"
    r"nodular|superficial[\s-]spreading|acral(?:[\s-]lentiginous)?|desmoplastic|adenoid[\s-]cystic|"
    r"poorly[\s-]cohesive|intestinal[\s-]type|diffuse[\s-]type|in[\s-]situ)"
)
HIST_CORE = (
    r"(?:adenocarcinoma|carcinoma|\w*sarcoma|melanoma|mesothelioma|carcinoid|cholangiocarcinoma|"
    r"seminoma|\w+blastoma|glioma|astrocytoma|oligodendroglioma|ependymoma|neuroendocrine\s+tumou?r|"
    r"germ\s+cell\s+tumou?r)"
)
HISTOLOGY = re.compile(
    r"(?<!non-)(?<!non\s)\b(?P<mods>(?:" + HIST_MOD + r"[\s-]+){0,4})(?P<core>" + HIST_CORE + r")\b"
    r"(?:\s+in\s+situ)?"
    r"|(?<!non-)(?<!non\s)\b(?P<only>(?:" + HIST_MOD + r")(?:[\s-]+" + HIST_MOD + r"){0,3})\b"
)
HIST_NOUN_AFTER = re.compile(  # 'serous ovarian cancer': a histology word before a cancer or site word
    r"\s+(?:\w+\s+){0,2}(?:cancer|carcinoma|tumou?r|" + HIST_CORE + "|" + SITE_RE.pattern + ")"
)
# 'clear cell RCC', 'papillary RCC', 'fibrolamellar HCC': a histology word before a carcinoma's
# abbreviation (capitals ending in C)
CARCINOMA_ABBR_AFTER = re.compile(r"[\s-]+[A-Z]{1,5}C\b")
HIST_ABBR = {
    "IDC": "invasive ductal carcinoma",
    "ILC": "invasive lobular carcinoma",
    "DCIS": "ductal carcinoma in situ",
    "LCIS": "lobular carcinoma in situ",
    "SCC": "squamous cell carcinoma",
    "NSCLC": None,
    "ADC": "adenocarcinoma",
}
HIST_ABBR_RE = re.compile(r"(?<![\w-])(?:IDC|ILC|DCIS|LCIS|SCC|ADC)(?![\w-])")
GRADE_ONLY = re.compile(r"^(?:(?:high|low)[\s-]grade|invasive|infiltrating|in[\s-]situ|nodular)$")

SETTING = re.compile(
    r"\b(?P<la>locally[\s-]advanced)\b|\b(?P<nonmet>non-?metastatic)\b"
    r"|\b(?P<met>metastatic|metastasi[sz]ed|widespread|disseminated|distant\s+(?:spread|metastas[ie]s|disease))\b"
    r"|\b(?P<adv>advanced)\b|\b(?P<loc>early[\s-]stage|locali[sz]ed|confined\s+to\s+the\s+\w+|organ[\s-]confined)\b"
)
SETTING_NEG = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnon|\bnegative\s+for|\bfree\s+of|\bany)\s+(?:\w+\s+){0,2}$"
)
ADVANCED_NOT = re.compile(
    r"\s*(?:age|directives?|practice|care\s+plan|imaging|degrees?|training|"
    r"registered|nurse|cardiac|heart|kidney)"
)
RECURRENCE = re.compile(
    r"\b(?:recurren(?:ce|t)|relapse[sd]?|relapsing|recurred|regrowth)\b"
    r"|\b(?:cancer|tumou?r|disease|lymphoma|myeloma|melanoma|carcinoma|it)\s+(?:has\s+|had\s+|have\s+)?"
    r"(?:came|come|comes|coming)\s+back\b(?!\s+(?:positive|negative|normal|clear|fine|benign|showing|with|as))"
    r"|\b(?:cancer|tumou?r|disease|lymphoma|it)\s+(?:has\s+|had\s+)?returned\b"
)
RECURRENCE_NOT = re.compile(
    r"(?:risk|chance|chances|odds|prevent|preventing|reduce|reducing|lower|lowering|decrease|"
    r"likelihood|rate|probability|if|case|fear|afraid|worried|whether|avoid|stop|minimi[sz]e|"
    r"\bno|\bnot|\bwithout|free|against)\b[^.;]{0,25}$"
)
LATERALITY = re.compile(
    r"\b(?P<side>left|right)[\s-](?:sided\b|(?:upper|lower|middle)\s+lobe|(?:breast|lung|kidney|ovary|"
    r"colon|hemicolectomy|adrenal|testis|testicle|eye|thigh|leg|arm|neck|tonsil|parotid|hemisphere|"
    r"frontal|temporal|parietal|occipital|axilla|chest|side|foot|hand|shoulder|cheek|ear|tongue)\b)"
    r"|\b(?P<bilateral>bilateral)\s+(?:breast|lung|kidney|ovar\w+)\b"
    r"|\b(?P<leftcolon>sigmoid|descending\s+colon|rectosigmoid|splenic\s+flexure)\b"
    r"|\b(?P<rightcolon>ascending\s+colon|cecum|caecum|cecal|caecal|hepatic\s+flexure|right\s+colon)\b"
)
LOBE = re.compile(r"(?<![\w-])(?P<l>RUL|RML|RLL|LUL|LLL)(?![\w-])")
MET_SITES: dict[str, str] = {
    "liver": "liver",
    "hepatic": "liver",
    "lung": "lung",
    "lungs": "lung",
    "pulmonary": "lung",
    "bone": "bone",
    "bones": "bone",
    "osseous": "bone",
    "skeletal": "bone",
    "bony": "bone",
    "spine": "bone",
    "spinal": "bone",
    "vertebrae": "bone",
    "vertebra": "bone",
    "ribs": "bone",
    "rib": "bone",
    "pelvis": "bone",
    "hip": "bone",
    "hips": "bone",
    "brain": "brain",
    "cerebral": "brain",
    "intracranial": "brain",
    "adrenal": "adrenal",
    "adrenals": "adrenal",
    "adrenal gland": "adrenal",
    "adrenal glands": "adrenal",
    "peritoneum": "peritoneum",
    "peritoneal": "peritoneum",
    "omentum": "peritoneum",
    "omental": "peritoneum",
    "pleura": "pleura",
    "pleural": "pleura",
    "skin": "skin",
    "cutaneous": "skin",
    "leptomeningeal": "leptomeninges",
    "leptomeninges": "leptomeninges",
    "meninges": "leptomeninges",
    "ovary": "ovary",
    "ovaries": "ovary",
    "spleen": "spleen",
    "pericardium": "pericardium",
    "pericardial": "pericardium",
    "soft tissue": "soft tissue",
    "distant lymph nodes": "distant lymph nodes",
    "distant nodes": "distant lymph nodes",
    "parotid": "parotid gland",
    "parotid gland": "parotid gland",
    "chest wall": "chest wall",
    "abdominal wall": "abdominal wall",
}
MET_SITE = r"(?:" + "|".join(sorted(map(re.escape, MET_SITES), key=len, reverse=True)) + r")"
DET = r"(?:the\s+|my\s+|her\s+|his\s+|both\s+|multiple\s+|several\s+|other\s+|opposite\s+|left\s+|right\s+)*"
NODES = r"(?:(?:[\w-]+\s+){0,2}(?:lymph\s+)?nodes?)"
ITEM = DET + r"(?:" + MET_SITE + r"|" + NODES + r")"
SITE_LIST = ITEM + r"(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*,\s*and\s+|\s*/\s*)" + ITEM + r")*"
METS_TO = re.compile(
    r"\b(?:spread|spreading|metastasi[sz]ed|metastatic|mets|metastases|metastasis|deposits|"
    r"gone|moved|travel+ed|spots?|lesions?|nodules?|tumou?rs|cancer|carcinoma|disease|back|returned|recurred|"
    r"relapsed|recurrences?|relapses?)\s+(?:[\w-]+\s+){0,6}?"
    r"(?:to|in|into|involving|within|throughout)\s+(?P<sites>" + SITE_LIST + r")\b"
)
METS_PAREN = re.compile(
    r"\b(?:metastatic|metastases|stage\s+iv\w*)\b[^()]{0,60}?\(\s*(?P<sites>" + SITE_LIST + r")\s*\)"
)
METS_OF = re.compile(
    r"\b(?P<sites>"
    + SITE_LIST
    + r")\s+(?:mets|metastases|metastasis|metastatic\s+(?:disease|lesions?|deposits?)|"
    r"deposits|secondaries|involvement\s+by\s+(?:the\s+)?cancer)\b"
)
METS_NOT = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnegative\s+for|\bfree\s+of|\brule\s+out|\br/o|\bpossible|\bsuspicious|"
    r"\bindeterminate|\bconcern(?:ing)?\s+for|\bquestionable|\bequivocal|\bprobable|\bmay|\bmight|"
    r"\bcould|\bif|\bwhether|\bprevent|\brisks?\s+(?:of|for|that)|\bchances?\s+(?:of|for|that)|\bevaluate|"
    r"\bexclude|\bany|\bnor)\b[^.;]{0,30}$"
)
# After a site word: it is named as where the cancer spread ('lung and liver metastases')
SITE_AS_SPREAD_AFTER = re.compile(
    r"(?:\s*(?:,|and|or|/)\s*(?:the\s+)?(?:" + MET_SITE + r"))*\s+(?:mets|metastas[ie]s|metastatic|deposits?|"
    r"secondaries|spread)\b"
)
# A non-seminoma, by name or as a mixed germ cell tumour (treated as one)
NONSEMINOMA = re.compile(
    r"\bnon[\s-]?seminoma(?:s|tous(?:\s+(?:testicular\s+)?germ[\s-]cell\s+tumou?rs?)?)?\b|\bnsgct\b"
    r"|\bmixed\s+(?:malignant\s+)?(?:testicular\s+)?germ[\s-]cell\s+tumou?rs?\b"
)
HISTORICAL = re.compile(
    r"\b(?:history\s+of|previous|prior|past|former|in\s+remission|survivor|years\s+ago|"
    r"treated\s+for|had\s+(?:a\s+)?(?:\w+\s+)?(?:cancer|carcinoma)\s+in\s+(?:19|20)\d\d)\b"
)

# No distant spread, said in words ('no metastases', 'CT chest clear', 'staging scans negative',
# 'nothing anywhere else on the PET'): M0 when the text gives no M category. Spread to lymph nodes
# is not distant spread.
NO_SPREAD = re.compile(
    r"\b(?:no|without)\s+(?:(?:evidence|signs?)\s+of\s+)?(?:any\s+)?(?:distant\s+|further\s+)?"
    r"(?:spread|metastas[ie]s|metastatic\s+disease|mets|distant\s+disease|disease\s+elsewhere|"
    r"evidence\s+of\s+disease|other\s+(?:disease|lesions?))\b(?!\s+(?:to|in|into)\s+(?:the\s+|any\s+)?"
    r"(?:\w+\s+)?(?:lymph\s+)?nod)"
    r"|\b(?:has|have|had)\s*(?:not|n'?t)\s+spread\b(?!\s+(?:to|into)\s+(?:the\s+)?(?:\w+\s+)?(?:lymph\s+)?nod)"
    r"|\bnothing\s+(?:anywhere\s+)?else(?:where)?\b|\bnowhere\s+else\b"
    r"|\b(?:ct|pet|pet[\s/-]ct|mri|bone\s+scan|staging|scans?|imaging|work-?up)\b(?:\s+[\w/-]+){0,3}?"
    r"(?:\s*[:-]\s*|\s+(?:was|were|is|are)\s+|\s+)(?:all\s+)?(?:clear|negative|normal|unremarkable)\b"
)
# Growth beyond the organ that raises T whatever the size ('extrathyroidal extension', 'ETE',
# 'invading the strap muscles'): recorded as a score so that T is not read from size alone
BEYOND_ORGAN = re.compile(
    r"\b(?:extra-?thyroidal|extra-?capsular\s+thyroid)\s+(?:extension|spread|invasion)\b|\bete\b"
    r"|\b(?:extension|spread|growth)\s+(?:beyond|outside)\s+(?:the\s+)?(?:thyroid|capsule)\b"
    r"|\b(?:invad\w*|invasion\s+(?:of|into)|infiltrat\w*|extend\w*\s+into|grow\w*\s+into)\s+(?:the\s+)?"
    r"(?:strap\s+muscles?|larynx|laryngeal|o?esophag\w*|recurrent\s+laryngeal\s+nerve|perithyroidal)"
)
BEYOND_ORGAN_NOT_BEFORE = re.compile(
    r"\b(?:no|without|absence\s+of|absent|negative\s+for|not|nor|free\s+of)\b[^.;:]{0,25}$"
)
BEYOND_ORGAN_NOT_AFTER = re.compile(
    r"[\s:,-]*(?:was\s+|were\s+|is\s+)?(?:absent|negative|none|not\s+(?:seen|identified|present|found)|no\b)"
)
# How soon the cancer came back after the end of first treatment ('came back 4 months after I
# finished', 'relapsed within 6 months of completing R-CHOP'); refractory disease counts as 0.
_COUNT = r"(?P<n>\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen)"
_UNIT = r"\s*(?P<u>months?|mos?|weeks?|wks?|years?|yrs?)"
_CAME_BACK = (
    r"(?:came\s+back|come\s+back|relapsed|recurred|returned|progressed|recurrence|relapse|progression|"
    r"grew\s+back|was\s+back|is\s+back)"
)
_END_OF_FIRST = (
    r"(?:after|from|following|post|of)\s+(?:i\s+|she\s+|he\s+|we\s+)?(?:had\s+)?(?:finish\w*|complet\w*|"
    r"the\s+end\s+of|end\s+of|stopping|the\s+last|last|treatment|therapy|chemo\w*|r-?chop|first[\s-]line)"
)
RELAPSE_AFTER: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\b" + _CAME_BACK + r"\s+(?:only\s+|just\s+|about\s+|around\s+|some\s+|barely\s+)?(?:within\s+|"
        r"after\s+(?:only\s+|just\s+)?|at\s+)?" + _COUNT + _UNIT + r"\s+" + _END_OF_FIRST
    ),
    re.compile(
        r"\b"
        + _CAME_BACK
        + r"\s+(?:within|in\s+less\s+than|under|less\s+than)\s+"
        + _COUNT
        + _UNIT
        + r"\s+"
        + _END_OF_FIRST
    ),
    re.compile(
        r"\b" + _COUNT + _UNIT + r"\s+(?:after|following)\s+(?:i\s+|she\s+|he\s+)?(?:finish\w*|complet\w*)"
        r"[^.;]{0,50}?\b" + _CAME_BACK
    ),
)
REFRACTORY = re.compile(
    r"\bprimary\s+refractory\b|\brefractory\s+to\s+(?:first[\s-]line|initial|front[\s-]line|r-?chop|"
    r"pola-?r-?chp)\b|\b(?:did\s+not|didn't|never)\s+(?:respond|go\s+into\s+remission)\s+to\s+"
    r"(?:the\s+)?(?:first|initial|r-?chop|pola-?r-?chp)\b|\bprogressed\s+(?:on|during|while\s+on)\s+"
    r"(?:the\s+)?(?:first|initial|r-?chop|pola-?r-?chp)\b"
)
_WORD_COUNTS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
}


def relapse_months(m: re.Match[str]) -> float | None:
    """The interval a RELAPSE_AFTER match states, in months."""
    count = m.group("n") or ""
    value = float(count) if count[:1].isdigit() else _WORD_COUNTS.get(count)
    if value is None:
        return None
    unit = m.group("u")
    if unit.startswith("w"):
        return round(value / 4.345, 1)
    if unit.startswith("y"):
        return value * 12
    return value


# Bladder cancer that has grown into the muscle wall: T2 or higher by definition ('MIBC',
# 'muscle-invasive', 'invading the detrusor muscle'); 'not muscle-invasive' is excluded by the caller
MUSCLE_INVASIVE = re.compile(
    r"\bmuscle[\s-]+invasive\b|\bmibc\b|\bmuscle[\s-]+invasion\b"
    r"|\b(?:invad\w*|invasion\s+(?:of|into)|infiltrat\w*|into)\s+(?:the\s+)?(?:bladder\s+)?"
    r"(?:detrusor(?:\s+muscle)?|muscularis\s+propria|muscle(?:\s+(?:wall|layer))?)\b"
    r"|\b(?:detrusor(?:\s+muscle)?|muscularis\s+propria)\s+(?:was\s+|is\s+)?(?:invaded|involved)\b"
)
MUSCLE_INVASIVE_NOT = re.compile(
    r"\b(?:non|not|no|without|absence\s+of|negative\s+for)\b[\s-]*(?:\w+[\s-]+){0,2}$"
)


# Tumour cells in blood or lymph vessels on the pathology report ('no vascular invasion', 'LVI+')
VESSEL_INVASION = re.compile(
    r"\b(?:(?:lympho-?)?vascular|angio-?lymphatic|lymphatic|vascular\s+space)\s+(?:space\s+)?invasion\b"
    r"|\bangio-?invasi(?:on|ve)\b|\blvi\b|\blvsi\b"
)
VESSEL_INVASION_POSITIVE_AFTER = re.compile(r"\s*(?:\+|:?\s*(?:present|positive|seen|identified|yes)\b)")
# 'confined to the skin', 'localised': the cancer has not left its organ, lymph nodes included
CONFINED = re.compile(
    r"\b(?:confined\s+to\s+(?:the\s+)?(?:skin|thyroid|thyroid\s+gland|breast|kidney|prostate|bladder|"
    r"muscle|limb|arm|leg|thigh|organ|gland|lung|liver|pancreas|colon|rectum|uterus|ovary|testis|primary\s+site|"
    r"primary)|organ[\s-]confined|locali[sz]ed)\b(?!\s+(?:to\s+the\s+)?(?:region|regional|pelvis|neck|chest|"
    r"abdomen|nodes?|lymph))"
)
CONFINED_NOT = re.compile(r"\b(?:not|no\s+longer|isn'?t|wasn'?t|if|whether|hope|hoping)\b[^.;,]{0,20}$")
# 'no distant spread', 'no metastases', 'nothing elsewhere', 'CT clear': says nothing about the
# lymph nodes (imaging alone counts as no distant spread)
SPREAD_DISTANT_ONLY = re.compile(
    r"distant|metasta|mets\b|elsewhere|other|\bbone\s+scan|\bct\b|\bmri\b|\bpet\b"
)
# Grown into neighbouring structures or unresectable, without spread: locally advanced
LOCAL_EXTENSION = re.compile(
    r"\b(?:unresectable|(?:not|non)[\s-]resectable)\b"
    r"|\b(?:invad\w*|invasion\s+(?:of|into)|infiltrat\w*|eroding|erodes|erosion\s+of|extend\w*\s+into|"
    r"grow\w*\s+into)\s+(?:into\s+)?(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:orbit|skull|bone|cartilage|chest\s+wall|"
    r"vertebra\w*|mandible|maxilla|pelvic\s+side\s*wall|sidewall|adjacent\s+organs?|surrounding\s+organs?|"
    r"major\s+vessels?|carotid|aorta|trachea|sacrum|dura)\b"
)
# Lung nodal stations in words: ipsilateral mediastinal nodes are N2, contralateral or
# supraclavicular N3, hilar N1 (read only for a cancer of the lung)
LUNG_NODES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(?:contralateral|opposite[\s-]side)\s+(?:mediastinal|hilar)\s+(?:lymph\s+)?nodes?\b"
            r"|\b(?:mediastinal|hilar)\s+(?:lymph\s+)?nodes?\s+on\s+the\s+(?:opposite|other)\s+side\b"
            r"|\bsupraclavicular\s+(?:lymph\s+)?nodes?\b"
        ),
        "N3",
    ),
    (
        re.compile(r"\b(?:ipsilateral\s+)?(?:mediastinal|subcarinal)\s+(?:lymph\s+)?nod(?:es?|al)\b"),
        "N2",
    ),
    (re.compile(r"\b(?:ipsilateral\s+)?(?:hilar|peribronchial)\s+(?:lymph\s+)?nod(?:es?|al)\b"), "N1"),
]
NODES_NEG_BEFORE = re.compile(r"(?:\bno|\bnot|\bwithout|\bnegative|\bfree\s+of|\bclear)\b[^.;,]{0,20}$")
