"""The person: age, sex, performance status, menopause, pregnancy, other illnesses, where they
live. Facts written about relatives or other people ('my 70-year-old mother') are left out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from secondopinion.case import Comorbidity, Patient, Provenance
from secondopinion.intake.text_pipeline import RELATIVES, Assertion
from secondopinion.intake.text_spans import TextContext

_NOT_AFTER_AGE = re.compile(
    r"\s*(?:-\s*)?(?:weeks?|days?|months?|minutes?|hours?|miles?|km|kg|kilos?|lbs?|pounds|%|cm|mm|"
    r"percent|times|cycles?|sessions?|years?\s+(?:ago|since|after|out|post|later|of\s+(?:treatment|marriage))|"
    r"and\s+a\s+half|/\d)"
)
_PEOPLE_AFTER = re.compile(
    r"[\s-]*(?:(?:year|yr)s?[\s-]*old\s+)?(?:"
    + "|".join(RELATIVES)
    + r"|husband|wife|partner|friend|neighbou?r|colleague|coworker|child|kids?|grand\w+)\b"
)
AGE = [
    re.compile(r"\b(?P<a>\d{1,3})[\s-]?(?:years?|yrs?|yr)[\s-]?old\b"),
    re.compile(r"\b(?P<a>\d{1,3})\s*(?:yo|y/o|y\.o\.?|yrs?\s+old)(?![\w])"),
    re.compile(r"\bi(?:'m|\s+am)\s+(?:now\s+|a\s+|only\s+|just\s+)?(?P<a>\d{1,3})\b"),
    re.compile(r"\b(?:aged?|age\s*:)\s*(?P<a>\d{1,3})\b"),
    re.compile(r"\b(?P<a>\d{1,3})\s+years?\s+of\s+age\b"),
]
AGE_SEX = re.compile(r"(?<![\w.-])(?P<a>\d{1,3})\s?(?:yo\s?|y/o\s?)?(?P<s>[FM])(?![\w])")
SEX_FIELD = re.compile(r"\b(?:sex|gender)\s*[:=]?\s*(?P<s>female|male|f|m|woman|man)\b")
FEMALE = re.compile(r"\b(?:woman|female|lady|girl|mrs|ms|miss)\b")
MALE = re.compile(r"\b(?:man|male|gentleman|guy|boy|mr)\b")
_SEX_LEAD = re.compile(
    r"(?:\b(?:year|yr)s?[\s-]*old\s*|\b(?:yo|y/o)\s*|\b(?:i(?:'m|\s+am)|patient\s+is|this\s+is|she\s+is|"
    r"he\s+is|she's|he's)\s+(?:an?\s+)?(?:\d{1,3}\s*)?|^\s*(?:an?\s+)?(?:\d{1,3}[\s-]*)?|\bas\s+an?\s+|"
    r"\d\s*|\bpostmenopausal\s+|\bpremenopausal\s+)$"
)
_SEX_NOT_AFTER = re.compile(
    r"\s*(?:doctor|surgeon|oncologist|nurse|friend|relatives?|cousin|colleague|"
    r"physician|provider|partner|who\s+i)"
)
ECOG = re.compile(
    r"\b(?:ecog|zubrod|who)(?:\s+(?:performance\s+status|performance\s+score|ps|score|status))?"
    r"(?:\s*(?::|=|of|is|was))?\s*(?P<v>[0-5])(?:\s*(?:-|to|/|or)\s*(?P<v2>[0-5]))?(?!\.?\d|%)"
    r"|\b(?:performance\s+status|ps)(?:\s*(?::|=|of|is|was))?\s*(?P<v3>[0-5])(?!\.?\d|%)"
)
KPS = re.compile(
    r"\b(?:kps|karnofsky)(?:\s+(?:performance\s+(?:status|score)|score|ps|index))?"
    r"(?:\s*(?::|=|of|is|was))?\s*(?P<v>\d{2,3})\s*%?(?!\.?\d)"
)
MENOPAUSE = re.compile(
    r"\b(?P<p>post|pre|peri)[\s-]?menopausal\b|\b(?:after|through|past|finished|completed|went\s+through)"
    r"\s+(?:the\s+|my\s+|her\s+)?menopause\b|\bstill\s+(?:have|having|get|getting)\s+(?:my\s+|her\s+|regular\s+)?periods\b"
)
PREGNANT = re.compile(r"\bpregnan(?:t|cy)\b")
_PREG_NEG = re.compile(r"(?:\bnot|n't|\bno\s+longer|\bnever)\s+(?:currently\s+)?$")
_PREG_HYPO = re.compile(
    r"\b(?:want|wants|wanted|plan|planning|plans|hope|hoping|try|trying|future|become|get|getting|"
    r"fertility|could|would|if|after|before|during|was|were|previous|past|prior|since|preserve|"
    r"safe|avoid|prevent)\b[^.]{0,25}$"
)
_PREG_YES = re.compile(
    r"(?:\bi(?:'m|\s+am)|\bshe(?:'s|\s+is)|\bcurrently|\bnow|\bweeks?|\btrimester|"
    r"\bpatient\s+is)\s+(?:\w+\s+){0,2}$"
)

_COMORBIDITIES: list[tuple[str, re.Pattern[str]]] = [
    (
        "heart failure",
        re.compile(
            r"\b(?:congestive\s+)?heart\s+failure\b|\bchf\b|\bhfref\b|\bhfpef\b|"
            r"\bcardiomyopathy\b|\bweak\s+heart\b|\blow\s+ejection\s+fraction\b"
        ),
    ),
    (
        "chronic kidney disease",
        re.compile(
            r"\bchronic\s+kidney\s+disease\b|\bckd\b|\bkidney\s+disease\b|"
            r"\brenal\s+(?:insufficiency|impairment|failure|disease)\b|"
            r"\bkidney\s+(?:failure|problems|impairment|insufficiency|damage|"
            r"function\s+is\s+(?:poor|low|reduced))\b|"
            r"\b(?:on\s+)?(?:hemo|haemo|peritoneal\s+)?dialysis\b|\besrd\b|"
            r"\bend[\s-]stage\s+(?:renal|kidney)"
        ),
    ),
    ("cirrhosis", re.compile(r"\bcirrho\w+")),
    ("COPD", re.compile(r"\bcopd\b|\bemphysema\b|\bchronic\s+obstructive\s+(?:pulmonary|lung)")),
    ("diabetes", re.compile(r"\bdiabet\w*|\bt[12]dm\b|\biddm\b|\bniddm\b")),
    (
        "autoimmune disease",
        re.compile(
            r"\bautoimmune\b|\blupus\b|\bsle\b|\brheumatoid\s+arthritis\b|\bcrohn'?s?\b|\bulcerative\s+colitis\b|"
            r"\binflammatory\s+bowel\s+disease\b|\bibd\b|\bmultiple\s+sclerosis\b|\bpsoria\w+|\bmyasthenia\b|"
            r"\bsarcoidosis\b|\bscleroderma\b|\bhashimoto'?s?\b|\bgraves'?\s+disease\b|\bvasculitis\b"
        ),
    ),
    ("HIV", re.compile(r"\bhiv\b")),
    (
        "organ transplant",
        re.compile(
            r"\b(?:kidney|renal|liver|heart|lung|pancreas|organ|solid[\s-]organ)\s+transplant\w*|"
            r"\btransplant\s+recipient\b"
        ),
    ),
    (
        "interstitial lung disease",
        re.compile(r"\binterstitial\s+lung\s+disease\b|\bpulmonary\s+fibrosis\b|\bipf\b"),
    ),
    ("hepatitis B", re.compile(r"\bhepatitis\s+b\b|\bhep\s+b\b|\bhbv\b")),
    ("hepatitis C", re.compile(r"\bhepatitis\s+c\b|\bhep\s+c\b|\bhcv\b")),
    (
        "coronary artery disease",
        re.compile(
            r"\bcoronary\s+(?:artery|heart)\s+disease\b|\bheart\s+attack\b|"
            r"\bmyocardial\s+infarction\b|\bangina\b"
        ),
    ),
    ("atrial fibrillation", re.compile(r"\batrial\s+fibrillation\b|\ba-?fib\b")),
    ("stroke", re.compile(r"\bstroke\b|\bcva\b")),
    ("hypertension", re.compile(r"\bhypertension\b|\bhigh\s+blood\s+pressure\b")),
    ("peripheral neuropathy", re.compile(r"\b(?:peripheral\s+)?neuropathy\b")),
    (
        "hearing loss",
        re.compile(
            r"\bhearing\s+(?:loss|impairment|problems?)\b|\b(?:hard\s+of|impaired)\s+hearing\b|\bdeaf(?:ness)?\b"
        ),
    ),
    (
        "unfit for cisplatin",
        re.compile(
            r"\bcisplatin[\s-](?:ineligible|unfit|intolerant)\b|\bineligible\s+for\s+cisplatin\b"
            r"|\b(?:not|isn'?t|wasn'?t)\s+(?:\w+\s+)?(?:fit|eligible|a\s+candidate|suitable)\s+for\s+cisplatin\b"
            r"|\bunfit\s+for\s+(?:cisplatin|chemo\w*)\b"
        ),
    ),
    ("dementia", re.compile(r"\bdementia\b|\balzheimer'?s?\b")),
    (
        "frailty",
        re.compile(r"\bfrail(?:ty)?\b|\bbed[\s-]?bound\b|\bbedridden\b|\bpoor\s+performance\s+status\b"),
    ),
]
_CKD_SEVERE = re.compile(
    r"(?:stage|ckd|grade)\s*(?:3|4|5|iii|iv|v)[ab]?\b|dialysis|esrd|end[\s-]stage|"
    r"severe|failure|egfr\s*(?:of\s*)?(?:[1-5]?\d)\b|gfr\s*(?:of\s*)?(?:[1-5]?\d)\b"
)
_COPD_SEVERE = re.compile(r"\bsevere\b|\boxygen\b|\bo2\b|\bgold\s*(?:3|4|iii|iv|d)\b|\bvery\s+severe\b")
_AUTOIMMUNE_ACTIVE = re.compile(
    r"\bactive\b|\bflare|\bon\s+(?:\w+\s+)?(?:methotrexate|prednisone|steroids|"
    r"biologics?|immunosuppress\w*|humira|remicade|infliximab|adalimumab)|uncontrolled"
)
LOCATION = re.compile(
    r"(?i:\b(?:i|we)\s+(?:live|am\s+living|'m\s+living|reside|am\s+based|'m\s+based|am\s+located)"
    r"|\b(?:lives|living|resides|residing|based|located)|\b(?:i'm|i\s+am|we're|we\s+are|she\s+is|he\s+is|"
    r"she's|he's|originally|comes|coming|patient|woman|man|female|male|lady|gentleman)\s+(?:\w+\s+)?from)"
    r"\s+(?:(?i:in|near|outside(?:\s+of)?|close\s+to|just\s+outside)\s+)?(?:(?i:the)\s+)?"
    r"(?P<loc>(?:St\.\s)?[A-Z][\w'-]*(?:[ -](?:[A-Z][\w'-]*|de|du|la|le|sur|upon|on|of)(?![\w']))*"
    r"(?:,\s*[A-Z][\w]*(?:\s+[A-Z][\w]*)*)?|\d{5}(?:-\d{4})?)"
)
_NOT_PLACES = frozenset(
    [
        "Dr",
        "Doctor",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "The",
        "My",
        "I",
    ]
)


_FEMALE_PROXY = frozenset(
    [
        "mother",
        "mom",
        "mum",
        "wife",
        "sister",
        "daughter",
        "aunt",
        "grandmother",
        "grandma",
        "niece",
        "girlfriend",
    ]
)
_MALE_PROXY = frozenset(
    ["father", "dad", "husband", "brother", "son", "uncle", "grandfather", "grandpa", "nephew", "boyfriend"]
)
PROXY = re.compile(  # 'my wife', 'our father', or 'Mum'/'Dad' as a name at the start of a sentence
    r"(?:\b(?:my|our)\s+(?:(?P<age0>\d{1,3})[\s-]*(?:years?|yrs?)[\s-]*old\s+)?"
    r"|(?:^|(?<=[.!?]\s)|(?<=\n))[ \t]*(?=(?:mum|mom|mother|dad|father|grandma|grandpa)\b))"
    r"(?P<rel>mother|mom|mum|father|dad|husband|wife|partner|sister|brother|son|daughter|"
    r"aunt|uncle|grandmother|grandfather|grandma|grandpa|friend|spouse|boyfriend|girlfriend|niece|nephew|"
    r"cousin)\b(?:\s*\((?:aged?\s*)?(?P<age>\d{1,3})\)?)?"
    # a first name after the relative: 'my husband Raj is 59 and has ...'
    r"(?:,?\s+(?!(?:is|has|have|was|and|who|had|diagnosed|found|told|just|recently|newly|aged?|now|"
    r"with|of|in|at|to|the|a|an|for|on|said|says|thinks|wants|did|does|will|would|can|could|got|"
    r"went|had|recently|also|too|still|who's|which|that)\b)[a-z]+(?=,?\s+(?:is|has|was|who|\(|,)))?"
    r"(?:\s*,?\s*(?:who\s+)?(?:is|,)\s+(?:now\s+|aged?\s+)?(?P<age2>\d{1,3})\b(?:\s*(?:years?|yrs?)(?:[\s-]old)?)?)?"
    r"(?:\s*(?:,|and)?\s+(?:(?:just|recently|was|has\s+been|is|just\s+been|newly)\s+)*"
    r"(?P<verb>has|have|'s|is\s+(?:being\s+treated|fighting|battling|dealing)|was\s+diagnosed|diagnosed|found|told"
    r"|was\s+found|was\s+told))?"
)


OWN_DIAGNOSIS = re.compile(
    r"\bi(?:'ve|\s+have|\s+had|\s+was|\s+am|'m|\s+got)\b[^.;]{0,50}\b(?:cancer|carcinoma|tumou?r|lymphoma|"
    r"leuka?emia|melanoma|myeloma|sarcoma|diagnos\w*)|\bmy\s+(?:cancer|tumou?r|diagnosis|biopsy|oncologist|"
    r"surgeon|chemo\w*|treatment|scans?)\b"
)


def speaks_for(low: str, first_cancer: int) -> re.Match[str] | None:
    """The relative the writer speaks for, when the text opens about them and the writer never
    describes a cancer of their own ('My mother is 72. She had surgery for a cancer of the caecum')."""
    m = proxy_subject(low)
    if m is None or m.start() > first_cancer or OWN_DIAGNOSIS.search(low):
        return None
    return m


def proxy_subject(low: str) -> re.Match[str] | None:
    """'My wife is 47 and has melanoma', 'My father has colon cancer': the writer speaks for the
    patient. A past 'my mother had breast cancer' is family history, not this."""
    for m in PROXY.finditer(low):
        if m.group("verb") or m.group("age") or m.group("age2") or m.group("age0"):
            return m
    return None


def _ages(ctx: TextContext) -> Iterator[tuple[int, int, int]]:
    low = ctx.low
    if ctx.proxy:
        m = proxy_subject(low)
        if m and (m.group("age") or m.group("age2") or m.group("age0")):
            key = next(k for k in ("age0", "age", "age2") if m.group(k))
            yield int(m.group(key)), m.start(key), m.end(key)
    for i, pattern in enumerate(AGE):
        if ctx.proxy and i == 2:
            continue  # 'I'm 45' is the writer
        for m in pattern.finditer(low):
            if _NOT_AFTER_AGE.match(low, m.end()) or (_PEOPLE_AFTER.match(low, m.end()) and not ctx.proxy):
                continue
            if (
                "i" in m.group()[:1]
                and re.match(r"\s+(?:years?|yrs?)\s+(?:old)?", low[m.end() :]) is None
                and re.match(r"\s*(?:\.|,|$|and\b|now\b|with\b|y)", low[m.end() :] or "") is None
            ):
                continue
            yield int(m.group("a")), m.start(), m.end()
    for m in AGE_SEX.finditer(ctx.norm):
        yield int(m.group("a")), m.start(), m.end()


def _sex(ctx: TextContext) -> tuple[str, int, int] | None:
    low, norm = ctx.low, ctx.norm
    if ctx.proxy:
        m = proxy_subject(low)
        if m and m.group("rel") in _FEMALE_PROXY | _MALE_PROXY:
            return ("female" if m.group("rel") in _FEMALE_PROXY else "male"), m.start("rel"), m.end("rel")
    m = next((x for x in AGE_SEX.finditer(norm) if not ctx.is_excluded(x.start(), x.end())), None)
    if m:
        return ("female" if m.group("s") == "F" else "male"), m.start(), m.end()
    field = SEX_FIELD.search(low)
    if field:
        sex = "female" if field.group("s") in ("female", "f", "woman") else "male"
        return sex, field.start(), field.end()
    hits = []
    for pattern, sex in ((FEMALE, "female"), (MALE, "male")):
        for x in pattern.finditer(low):
            if ctx.is_excluded(x.start(), x.end()) or _SEX_NOT_AFTER.match(low, x.end()):
                continue
            s_start = ctx.sentence_of(x.start())[0]
            lead = low[max(s_start, x.start() - 40) : x.start()]
            honorific = x.group() in ("mrs", "ms", "miss", "mr") and re.match(
                r"\.?\s+[A-Z]", norm[x.end() : x.end() + 3]
            )
            if (
                honorific
                or _SEX_LEAD.search(lead)
                or re.search(r"\bmale\s+breast\b", low[x.start() : x.end() + 8])
            ):
                hits.append((x.start(), sex, x.end()))
    if hits:
        start, sex, end = min(hits)
        return sex, start, end
    from secondopinion.intake.text_pipeline import first_person

    if first_person(low) and not ctx.proxy:
        return None
    she = [
        x
        for x in re.finditer(r"\b(?:she|her|hers|herself)\b", low)
        if not ctx.is_excluded(x.start(), x.end())
    ]
    he = [
        x for x in re.finditer(r"\b(?:he|his|him|himself)\b", low) if not ctx.is_excluded(x.start(), x.end())
    ]
    if she and not he:
        return "female", she[0].start(), she[0].end()
    if he and not she:
        return "male", he[0].start(), he[0].end()
    return None


def comorbidity_spans(low: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for name, pattern in _COMORBIDITIES:
        for m in pattern.finditer(low):
            out.append((name, m.start(), m.end()))
    return out


def _serious(name: str, window: str) -> bool:
    if name in ("heart failure", "cirrhosis", "organ transplant", "interstitial lung disease", "frailty"):
        return True
    if name == "chronic kidney disease":
        return _CKD_SEVERE.search(window) is not None
    if name == "COPD":
        return _COPD_SEVERE.search(window) is not None
    if name == "autoimmune disease":
        return _AUTOIMMUNE_ACTIVE.search(window) is not None
    return False


def extract(
    ctx: TextContext, spans: list[tuple[str, int, int]], assertions: dict[tuple[int, int], Assertion]
) -> Patient:
    low = ctx.low
    facts: dict[str, object] = {}
    provs: list[Provenance] = []

    def take(key: str, value: object, start: int, end: int) -> None:
        if key not in facts and not ctx.is_excluded(start, end):
            facts[key] = value
            provs.append(ctx.prov(start, end))

    for age, start, end in sorted(_ages(ctx), key=lambda x: x[1]):
        if 1 <= age <= 120:
            take("age", age, start, end)
    sex = _sex(ctx)
    if sex:
        take("sex", *sex)
    for m in ECOG.finditer(low):
        values = [int(v) for v in (m.group("v"), m.group("v2"), m.group("v3")) if v is not None]
        take("ecog", max(values), m.start(), m.end())
    for m in KPS.finditer(low):
        value = int(m.group("v"))
        if 0 <= value <= 100 and value % 10 == 0:
            take("karnofsky", value, m.start(), m.end())
    for m in MENOPAUSE.finditer(low):
        p = m.group("p")
        if p == "peri":
            continue
        status = "premenopausal" if p == "pre" or "period" in m.group() else "postmenopausal"
        take("menopausal_status", status, m.start(), m.end())
    for m in PREGNANT.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        before = low[max(s_start, m.start() - 40) : m.start()]
        after = low[m.end() : m.end() + 30]
        test = re.match(r"\s+test\s+(?:was\s+|is\s+)?negative", after)
        if m.group().endswith("cy") and test:
            take("pregnant", False, m.start(), m.end() + test.end())
        elif _PREG_NEG.search(before):
            take("pregnant", False, m.start(), m.end())
        elif m.group() == "pregnant" and _PREG_YES.search(before) and not _PREG_HYPO.search(before):
            take("pregnant", True, m.start(), m.end())
    if facts.get("pregnant") is True and "sex" not in facts:
        i = next(k for k, p in enumerate(provs) if p.text and PREGNANT.search(p.text.lower()))
        facts["sex"] = "female"  # only a woman is pregnant
        provs.append(provs[i])
    comorbidities: list[Comorbidity] = []
    for name, start, end in spans:
        a = assertions.get((start, end), Assertion())
        if not a.about_patient or a.negated or a.hypothetical or ctx.is_excluded(start, end):
            continue
        if re.match(r"[\s-]*(?:negative|neg\b|-(?!\w)|status\s+negative|free|screen\w*|test\w*)", low[end:]):
            continue
        s_start, s_end = ctx.sentence_of(start)
        window = low[max(s_start, start - 40) : min(s_end, end + 40)]
        serious = _serious(name, window)
        existing = next((c for c in comorbidities if c.name == name), None)
        if existing:
            existing.serious = existing.serious or serious
            existing.provenance = [*existing.provenance, ctx.prov(start, end)]
            continue
        comorbidities.append(Comorbidity(name=name, serious=serious, provenance=[ctx.prov(start, end)]))
    for m in LOCATION.finditer(ctx.norm):
        place = m.group("loc").rstrip(".,")
        if place.split()[0].rstrip(".,") in _NOT_PLACES:
            continue
        take("location", place, m.start("loc"), m.start("loc") + len(place))
    return Patient(
        age=facts.get("age"),  # type: ignore[arg-type]
        sex=facts.get("sex", "unknown"),  # type: ignore[arg-type]
        ecog=facts.get("ecog"),  # type: ignore[arg-type]
        karnofsky=facts.get("karnofsky"),  # type: ignore[arg-type]
        menopausal_status=facts.get("menopausal_status"),  # type: ignore[arg-type]
        pregnant=facts.get("pregnant"),  # type: ignore[arg-type]
        comorbidities=comorbidities,
        location=facts.get("location"),  # type: ignore[arg-type]
        provenance=provs,
    )
