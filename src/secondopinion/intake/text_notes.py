"""What the person says around the medical facts: who recommended what, which records they
have, what worries them and what they ask."""

from __future__ import annotations

import re

from secondopinion.case import OpinionOnRecord, RecordOnHand
from secondopinion.intake.text_spans import TextContext, clauses

_ROLE = (
    r"(?:radiation\s+oncologist|medical\s+oncologist|surgical\s+oncologist|gyn(?:a?ecologic(?:al)?)?\s+oncologist|"
    r"neuro-?oncologist|thoracic\s+surgeon|breast\s+surgeon|colorectal\s+surgeon|neurosurgeon|"
    r"oncologist|surgeon|urologist|gyn(?:a?ecologist)?|ha?ematologist|pulmonologist|dermatologist|"
    r"gastroenterologist|hepatologist|radiologist|pathologist|endocrinologist|primary\s+care\s+(?:doctor|physician)|"
    r"gp|pcp|family\s+doctor|doctor|doc|physician|specialist|oncology\s+team|care\s+team|medical\s+team|team|"
    r"tumou?r\s+board|mdt|multidisciplinary\s+(?:team|board|meeting)|nurse(?:\s+practitioner)?)"
)
_WHO = re.compile(
    r"\b(?:(?:my|the|our|her|his|their|a|one|another|second|first|local|new|other)\s+)?"
    r"(?:(?:\w+\s+){0,2}?)(?P<role>" + _ROLE + r")\b"
)
_ANOTHER = re.compile(r"\b(?:another|the\s+other|a\s+second)(?:\s+one)?\b")
# 'one suggests FCR, the other ...': one of the doctors just mentioned (read only before a verb)
_ONE = re.compile(r"\b(?:one(?:\s+of\s+(?:them|the\s+\w+))?|the\s+first(?:\s+one)?)\b(?!\s+other)")
_DR = re.compile(r"\b(?:[Dd]r|DR|Doctor|Prof|Professor)\.?\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]+)?")
_VERB = re.compile(
    r"\s*(?:,\s*(?:my\s+|the\s+)?(?P<appos>" + _ROLE + r")\s*,\s*|\s+\([^)]{0,30}\)\s*)?"
    r"(?:\s+(?:has|have|had|also|now|strongly|initially|originally|first|then|instead|however|just|"
    r"actually|is|was|were|are|only|i\s+saw|we\s+saw|i\s+met|we\s+consulted))*\s+"
    r"(?P<verb>recommend(?:s|ed|ing)?|suggest(?:s|ed|ing)?|says|said|want(?:s|ed)?|think(?:s)?|thought|"
    r"advis(?:es|ed|ing)|propos(?:es|ed|ing)|offer(?:s|ed|ing)|(?:feels?|felt)\s+(?:that\s+)?(?=we|i|she|he|it|the)|believ(?:es|ed)|"
    r"prefer(?:s|red)?|push(?:es|ed|ing)\s+for|favou?r(?:s|ed)?|insist(?:s|ed)?|told\s+(?:me|us|her|him)|"
    r"would\s+like|plans?|planned|is\s+recommending|are\s+recommending|leans?\s+toward)\b"
)
_RECORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "pathology_slides",
        re.compile(
            r"\b(?:pathology\s+|biopsy\s+|tissue\s+|glass\s+)?(?:slides|blocks|tissue\s+blocks?|paraffin\s+blocks?)\b"
        ),
    ),
    (
        "ngs_report",
        re.compile(
            r"\b(?:ngs|genomic|molecular|sequencing|foundation\s*one|foundation|tempus|guardant|caris)"
            r"(?:\s+\w+)?\s+(?:report|results?|testing\s+results?)\b"
        ),
    ),
    (
        "germline_report",
        re.compile(
            r"\b(?:genetic|germline|hereditary|myriad|invitae|ambry)(?:\s+\w+)?\s+"
            r"(?:report|results?|testing\s+results?)\b"
        ),
    ),
    (
        "biomarker_report",
        re.compile(r"\b(?:biomarker|ihc|receptor|her2|pd-?l1)(?:\s+\w+)?\s+(?:report|results?)\b"),
    ),
    ("pathology_report", re.compile(r"\b(?:pathology|path|biopsy|surgical\s+pathology)\s+reports?\b")),
    (
        "imaging_files",
        re.compile(
            r"\b(?:(?:ct|pet|mri|pet[\s/-]ct|x-ray|imaging|scan)s?\s+(?:images|files|scans|discs?|cds?|dvds?)"
            r"|(?:ct|pet|mri|pet[\s/-]ct)\s+scans?\b(?=[^.]{0,40}\b(?:dis[ck]|cd|dvd|usb|drive|files?|images)\b)"
            r"|(?:the\s+)?(?:actual\s+)?(?:images|scans)\s+on\s+(?:a\s+)?(?:dis[ck]|cd|dvd|usb|drive)"
            r"|(?:dis[ck]|cd|dvd)\s+(?:of|with)\s+(?:my\s+|the\s+)?(?:ct|pet|mri|scans?|images|imaging))\b"
        ),
    ),
    (
        "imaging_report",
        re.compile(r"\b(?:radiology|imaging|ct|pet|mri|scan|mammogram|ultrasound|x-ray)s?\s+reports?\b"),
    ),
    ("operative_report", re.compile(r"\b(?:operative|surgical|surgery|op)\s+(?:report|note)s?\b")),
    (
        "lab_results",
        re.compile(
            r"\b(?:lab(?:oratory)?\s+(?:results?|work|reports?|tests?)|blood\s*work|blood\s+(?:tests?|results?)|labs)\b"
        ),
    ),
    (
        "consult_notes",
        re.compile(
            r"\b(?:consult(?:ation)?|clinic|visit|office|doctor'?s?|oncologist'?s?)\s+(?:notes?|letters?)\b"
            r"|\bletters?\s+from\s+(?:my\s+|the\s+)?(?:doctor|oncologist|surgeon)\b"
        ),
    ),
]
_HAVE = re.compile(
    r"\b(?:i|we)\s+(?:have|'ve\s+got|have\s+got|got|hold|brought|received|obtained|requested\s+and\s+received|"
    r"can\s+(?:send|share|upload|provide|bring|get)|will\s+(?:send|bring|upload)|am\s+attaching|'m\s+attaching|"
    r"attached|keep)\b|\bi've\s+(?:got|attached|uploaded|included)\b|\battached\b|\benclosed\b|\bincluded\b|"
    r"\bon\s+(?:a\s+)?(?:dis[ck]|cd|dvd|usb)\b|\bcopies\s+of\b|\bcopy\s+of\b|\bin\s+hand\b|\bavailable\b"
)
_DONT_HAVE = re.compile(r"\b(?:don't|do\s+not|didn't|did\s+not|haven't|have\s+not|can't|cannot|never|no)\b")
_CONCERN = re.compile(
    r"\bnot\s+(?:sure|certain|convinced|confident)\b|\bunsure\b|\buncertain\b|\bdoubt\w*|\bworr(?:y|ied|ies|ying)\b|"
    r"\bconcern(?:ed|s)?\b|\bscared\b|\bafraid\b|\banxious\b|\bnervous\b|\bfrightened\b|\bterrified\b|"
    r"\bis\s+(?:this|that|it)\s+(?:right|correct|necessary|the\s+right|the\s+best|really|too)\b|"
    r"\b(?:really|truly|actually)\s+(?:necessary|needed|need|the\s+best|right)\b|"
    r"\bsecond\s+opinion\b|\bconflicting\b|\bdisagree\w*|\bcontradict\w*|\bconfus\w*|\bhesita\w*|"
    r"\btoo\s+aggressive\b|\bover-?treat\w*|\bunder-?treat\w*|\bdon't\s+(?:know|understand)\s+(?:whether|if|why|what)\b|"
    r"\b(?:nobody|no\s+one|no-one)\s+(?:has\s+|had\s+|ever\s+|even\s+)*(?:mentioned|offered|talked|told|discussed|raised)\b|"
    r"\bshould\s+(?:we|i)\s+(?:be\s+)?(?:ask|asking|push|pushing|insist)\w*\b|"
    r"\bwonder(?:ing)?\s+(?:if|whether)\b|\b(?:don't|do\s+not)\s+know\s+(?:who|whom|which|what)\s+to\b|\bquestion(?:ing)?\s+(?:whether|if|the)\b|\bskeptical\b|\bsceptical\b"
)


def opinions(ctx: TextContext) -> list[OpinionOnRecord]:
    out: list[OpinionOnRecord] = []
    low = ctx.low
    last_role = "doctor"
    for s_start, s_end in ctx.sents:
        for c_start, c_end in clauses(low, s_start, s_end):
            while c_end > c_start and low[c_end - 1] in " .;:!?,":
                c_end -= 1
            whos: list[tuple[int, int, str | None]] = [
                (m.start(), m.end(), None) for m in _DR.finditer(ctx.norm, c_start, c_end)
            ]
            whos += [
                (m.start(), m.end(), m.group("role"))
                for m in _WHO.finditer(low, c_start, c_end)
                if not any(s <= m.start() < e for s, e, _ in whos)
            ]
            whos += [
                (m.start(), m.end(), f"another {last_role}")
                for m in _ANOTHER.finditer(low, c_start, c_end)
                if not any(s <= m.start() < e for s, e, _ in whos)
            ]
            whos += [
                (m.start(), m.end(), last_role)
                for m in _ONE.finditer(low, c_start, c_end)
                if not any(s <= m.start() < e for s, e, _ in whos) and _VERB.match(low, m.end(), c_end)
            ]
            whos.sort()
            gapped = False  # 'one suggests FCR, the other ibrutinib': the verb is said once for both
            for i, (w_start, w_end, role) in enumerate(whos):
                verb = _VERB.match(low, w_end, c_end)
                if role is not None and not role.startswith("another "):
                    last_role = " ".join(role.split())
                # the opinion ends where the next doctor's begins ('..., the other ...')
                nxt = next(
                    (
                        w[0]
                        for w in whos[i + 1 :]
                        if w[0] >= w_end
                        and ((w[2] or "").startswith("another ") or _VERB.match(low, w[1], c_end))
                    ),
                    c_end,
                )
                cut = re.search(r"(?:\s*[,;]\s*|\s+)(?:and\s+|while\s+|whereas\s+|but\s+)?$", low[w_end:nxt])
                end = w_end + cut.start() if cut and nxt < c_end else nxt
                if verb is not None and verb.end() <= end:
                    what_start = verb.end()
                    rest = re.match(
                        r"\s*(?:that\s+)?(?:(?:me|her|him|us)\s+(?:to\s+)?(?:have|get|do|start|undergo|go\s+for)?\s*)?"
                        r"(?:(?:i|she|he|we)\s+(?:should|need\s+to|must|have\s+to)?\s*(?:have|get|do|start|undergo)?\s*)?",
                        low[what_start:end],
                    )
                    what_start += rest.end() if rest else 0
                    gapped = nxt < c_end
                elif gapped and role is not None and role.startswith("another "):
                    what_start = w_end
                else:
                    continue
                what = " ".join(ctx.text[what_start:end].split()).strip(" ,.;:!?")
                if len(what) < 3:
                    continue
                if verb is not None and verb.group("appos"):
                    by = verb.group("appos")
                elif role is not None:
                    by = role
                else:
                    by = ctx.text[w_start:w_end]
                out.append(
                    OpinionOnRecord(
                        by=" ".join(by.split()),
                        recommends=what,
                        provenance=[ctx.prov(w_start if role is None else _who_start(low, w_start), end)],
                    )
                )
                if not gapped:
                    break
    return out


def _who_start(low: str, start: int) -> int:
    """Start the quote at 'My'/'The' before the role, not at words further back."""
    m = re.search(
        r"\b(?:my|the|our|her|his|their|a|one|another)\s+(?:[\w-]+\s+){0,2}$", low[max(0, start - 30) : start]
    )
    return start - (len(low[max(0, start - 30) : start]) - m.start()) if m else start


def records(ctx: TextContext) -> list[RecordOnHand]:
    out: list[RecordOnHand] = []
    low = ctx.low
    for s_start, s_end in ctx.sents:
        for c_start, c_end in clauses(low, s_start, s_end):
            have = _HAVE.search(low, c_start, c_end)
            if have is None or _DONT_HAVE.search(low[c_start : have.end()]):
                continue
            taken: list[tuple[int, int]] = []
            for kind, pattern in _RECORDS:
                for m in pattern.finditer(low, c_start, c_end):
                    if any(s < m.end() and m.start() < e for s, e in taken):
                        continue
                    taken.append((m.start(), m.end()))
                    if any(r.kind == kind for r in out):
                        continue
                    out.append(RecordOnHand(kind=kind, provenance=[ctx.prov(c_start, c_end)]))
    return out


def concerns_and_questions(ctx: TextContext) -> tuple[list[str], list[str]]:
    concerns: list[str] = []
    questions: list[str] = []
    for s_start, s_end in ctx.sents:
        sentence = " ".join(ctx.text[s_start:s_end].split())
        if _CONCERN.search(ctx.low, s_start, s_end) and sentence not in concerns:
            concerns.append(sentence)
        if sentence.endswith("?") and sentence not in questions:
            questions.append(sentence)
    return concerns, questions
