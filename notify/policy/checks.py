"""The closed set of check types: find matches for a rule, turn them into findings and edits."""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from notify.policy.matching.matcher import Hit, PhraseMatcher, fold, longest_first
from notify.policy.matching.patterns import FLAGS, Regex
from notify.policy.matching.prefilter import Prefilter
from notify.policy.matching.sentences import clause_at, reason_at, sentence_spans
from notify.policy.org import Org
from notify.policy.rules import Rule, RuleSet
from notify.policy.vocabulary import Action

OWN_NAME_CATEGORIES = {"blame.third-party", "jargon"}  # what the organisation's own names never are
VOWEL_SOUND = re.compile(
    r"^(?:(?i:[aeio]|u(?!ni|se|sa|su|ro|ti|ku)|hou?r|honest|heir)|[FHLMNRSX](?:[A-Z0-9]|\b)|[AEIOU][A-Z])"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """What one rule says about one span of one field."""

    rule: str
    category: str
    severity: str
    action: str
    field: str
    start: int
    end: int
    text: str
    message: str
    replacement: str | None = None
    suggestion: str | None = None
    fixed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in FINDING_FIELDS}


FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A sentence as written and as it will be sent, and the rules that changed it."""

    field: str
    rules: tuple[str, ...]
    before: str
    after: str

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "rules": list(self.rules), "before": self.before, "after": self.after}


@dataclass(order=True)
class Edit:
    start: int
    end: int
    text: str = field(compare=False)
    rule: str = field(compare=False)
    rank: int = field(compare=False, default=0)


@dataclass
class Compiled:
    """A rule set compiled once: one phrase automaton for all rules, regexes compiled."""

    ruleset: RuleSet
    matcher: PhraseMatcher
    unless: dict[str, list[Regex]]
    followed: dict[str, list[re.Pattern[str]]]
    glossary: dict[str, dict[str, str | None]]
    modifiers: dict[str, dict[str, str]]  # rule -> term -> the plain word that fits before a noun
    prefilter: Prefilter
    keyed: dict[str, dict[str, list[tuple[str, Regex]]]]  # "p" (patterns) or "n" (near): rule -> [(key, regex)]
    key_rule: dict[str, str]
    suppliers: frozenset[str] = frozenset()  # the vendors list, as written
    known_terms: dict[str, frozenset[str]] = field(default_factory=dict)  # rule -> terms it never flags
    indexes: dict[str, TextIndex] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:  # the per-text index cache is not worth pickling
        return {k: v for k, v in self.__dict__.items() if k != "indexes"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, indexes={})

    def could_match(
        self, kind: str, rule_id: str, located: dict[str, list[int] | None]
    ) -> list[tuple[Regex, list[int] | None]]:
        """The rule's patterns of this kind whose required literals occur, with where they occur."""
        return [(p, located[k]) for k, p in self.keyed[kind].get(rule_id, ()) if k in located]


def compile_rules(ruleset: RuleSet) -> Compiled:
    phrases: list[tuple[str, str]] = []
    glossary: dict[str, dict[str, str | None]] = {}
    modifiers: dict[str, dict[str, str]] = {}
    for rule in ruleset.rules:
        words = list(rule.phrases)
        for name in rule.lists:
            words += ruleset.lists[name]
        if rule.any_case:  # a name that is also a word ('stripe') keeps its case here: a pattern finds it in context
            ambiguous = set(ruleset.lists.get("vendors-ambiguous", ()))
            words = [w if w in ambiguous else w.lower() for w in words]
        phrases += [(w, rule.id) for w in words]
        if rule.glossary:
            table, before_noun = {}, {}
            for term, entry in rule.glossary.items():
                plain, modifier = split_entry(entry)
                for variant, text in _expand_plural(term, plain):
                    table[fold(variant)] = text
                    if modifier:
                        before_noun[fold(variant)] = modifier
                    phrases.append((variant, rule.id))
            glossary[rule.id] = table
            modifiers[rule.id] = before_noun
        if rule.near:
            cues = list(rule.near.phrases)
            for name in rule.near.lists:
                cues += ruleset.lists[name]
            phrases += [(c, "near:" + rule.id) for c in cues]

    def regexes(items: Iterable[str]) -> list[Regex]:
        return [Regex(p) for p in items]

    sources = {
        "p": {r.id: r.patterns for r in ruleset.rules if r.patterns},
        "n": {r.id: r.near.patterns for r in ruleset.rules if r.near and r.near.patterns},
    }
    keyed = {
        kind: {
            rule_id: [(f"{kind}:{rule_id}#{i}", Regex(p)) for i, p in enumerate(patterns)]
            for rule_id, patterns in by_rule.items()
        }
        for kind, by_rule in sources.items()
    }
    every = [(key, regex.source) for by_rule in keyed.values() for pairs in by_rule.values() for key, regex in pairs]
    prefilter = Prefilter(every)
    return Compiled(
        prefilter=prefilter,
        keyed=keyed,
        key_rule={key: key[2:].rsplit("#", 1)[0] for key, _ in every},
        ruleset=ruleset,
        matcher=PhraseMatcher(phrases, prefilter.literals),
        unless={r.id: regexes(r.unless) for r in ruleset.rules if r.unless},
        followed={
            r.id: [re.compile(p, FLAGS) for p in r.unless_followed_by] for r in ruleset.rules if r.unless_followed_by
        },
        glossary=glossary,
        modifiers=modifiers,
        suppliers=frozenset(ruleset.lists.get("vendors", ())),
        known_terms={r.id: frozenset(r.known_terms) for r in ruleset.rules if r.known_terms},
    )


_PLURAL = re.compile(r"y\(ies\)|\((e?s)\)")


def split_entry(entry: str | None) -> tuple[str | None, str | None]:
    """'group(s) of servers | server': the plain words, and the word that fits where the term
    stands before a noun ('cluster operations' -> 'server operations', not 'group of servers operations')."""
    if entry is None or " | " not in entry:
        return entry, None
    plain, modifier = (part.strip() for part in entry.split(" | ", 1))
    return plain, modifier


def _expand_plural(term: str, plain: str | None) -> list[tuple[str, str | None]]:
    """'pod(s)': 'server(s)' stands for both forms; '(es)' and 'y(ies)' work the same way."""
    if not _PLURAL.search(term):
        return [(term, plain)]

    def one(s: str) -> str:
        return _PLURAL.sub(lambda m: "y" if m.group().startswith("y") else "", s)

    def many(s: str) -> str:
        return _PLURAL.sub(lambda m: "ies" if m.group().startswith("y") else m.group(1), s)

    return [(one(term), one(plain) if plain else plain), (many(term), many(plain) if plain else plain)]


@dataclass
class Scan:
    """The matches of every rule in one text, ready to become findings and edits."""

    text: str
    spans: list[tuple[int, int]]
    findings: list[Finding]
    edits: list[Edit]
    applied: tuple[str, list[Rewrite], list[tuple[int, int]]] | None = None  # apply_edits of these, once known


@dataclass
class TextIndex:
    """What every check of one text needs first: its folded form, sentences, phrase hits, literals.

    Read-only once built (it is cached and shared by the checks of one text)."""

    text: str
    folded: str
    spans: list[tuple[int, int]]
    by_owner: dict[str, list[Hit]]
    located: dict[str, list[int] | None]
    ends: list[int] = field(init=False, repr=False)
    known_windows: dict[int, list[tuple[int, int]]] = field(init=False, repr=False)  # by id() of places lists

    def __post_init__(self) -> None:
        self.ends = [end for _, end in self.spans]
        self.known_windows = {}

    def sentence_at(self, pos: int) -> tuple[int, int]:
        """The sentence holding offset pos (the next one when pos falls between sentences)."""
        spans = self.spans
        if not spans:
            return (0, 0)
        return spans[min(bisect_right(self.ends, pos), len(spans) - 1)]

    def windows(self, places: list[int] | None) -> list[tuple[int, int]]:
        """The sentences holding any of the places, each once, in order; the whole text when places is None.

        Kept per list: patterns that need the same literals share one list of places."""
        known = self.known_windows.get(id(places))
        if known is None:
            known = self.known_windows[id(places)] = self._windows(places)
        return known

    def _windows(self, places: list[int] | None) -> list[tuple[int, int]]:
        spans = self.spans
        if places is None or not spans:
            return [(0, len(self.text))]
        chosen: list[tuple[int, int]] = []
        covered = -1  # places before this offset fall in the sentence chosen last
        for place in sorted(places):
            if place < covered:
                continue
            i = bisect_right(self.ends, place)
            if i < len(spans) and spans[i][0] <= place:
                chosen.append(spans[i])
                covered = spans[i][1]
        return chosen


def index(compiled: Compiled, text: str) -> TextIndex:
    """Built once per distinct text and kept for the next few calls (the checks revisit texts)."""
    cache = compiled.indexes
    found = cache.get(text)
    if found is None:
        folded = fold(text)
        by_owner: dict[str, list[Hit]] = {}
        hits, tagged = compiled.matcher.find_tagged(text, folded)
        for hit in hits:
            for owner in hit.owners:
                by_owner.setdefault(owner, []).append(hit)
        found = TextIndex(text, folded, sentence_spans(text), by_owner, compiled.prefilter.locate(tagged, folded))
        if len(cache) >= 16:
            cache.clear()
        cache[text] = found
    return found


def scan(
    compiled: Compiled,
    rules: list[Rule],
    text: str,
    field_name: str,
    audience: str,
    extra: PhraseMatcher | None = None,
    only: list[tuple[int, int]] | None = None,
    org: Org | None = None,
) -> Scan:
    """Run every matching rule (not the require rules) over one text, or only over those of its
    sentences that overlap the spans in `only`. The organisation's own names are never blame or jargon."""
    ix = index(compiled, text)
    own = Reach(org.spans(text)) if org is not None else Reach([])
    allowed = org.allowed if org is not None else frozenset()
    spans = ix.spans
    chosen = None if only is None else {s for s in spans if any(a < s[1] and s[0] < b for a, b in only)}
    by_owner = ix.by_owner
    if extra is not None:
        by_owner = {k: list(v) for k, v in by_owner.items()}
        for hit in extra.find(text, ix.folded):
            for owner in hit.owners:
                by_owner.setdefault(owner, []).append(hit)
    findings: list[Finding] = []
    edits: list[Edit] = []
    links: Spans | None = None
    possible = ix.located
    key_rule = compiled.key_rule
    active = set(by_owner)
    active.update(key_rule[key] for key in possible)
    for rule in rules:
        if rule.id not in active or rule.action is Action.require:
            continue
        hits = by_owner.get(rule.id)
        candidates = [(h.start, h.end, h.key) for h in longest_first(hits)] if hits else []
        for regex, places in compiled.could_match("p", rule.id, possible):
            windows = ix.windows(places)
            if chosen is not None:
                windows = [w for w in (spans if places is None else windows) if w in chosen]
            spanned = regex.spanned
            for window_start, window_end in windows:
                for m in regex.finditer(ix, window_start, window_end):
                    start, end = m.span("span") if spanned else m.span()
                    if end > start:
                        candidates.append((start, end, text[start:end]))
        if chosen is not None:
            candidates = [c for c in candidates if ix.sentence_at(c[0]) in chosen]
        if (own or allowed) and rule.category in OWN_NAME_CATEGORIES:
            candidates = [c for c in candidates if fold(c[2]) not in allowed and not own.overlaps(c[0], c[1])]
        if rule.known_terms:
            known = compiled.known_terms[rule.id]
            candidates = [c for c in candidates if text[c[0] : c[1]].removesuffix("s") not in known]
        if rule.category == "jargon" and "/" in text:  # an address is for clicking, not for reading
            if links is None:
                links = Spans.of(m.span() for m in _URL.finditer(text))
            candidates = [c for c in candidates if not links.holds(c[0])]
        if not candidates:
            continue
        cues = by_owner.get("near:" + rule.id, [])
        followed = compiled.followed.get(rule.id)
        unless = compiled.unless.get(rule.id)
        taken = Spans()
        seen_terms: set[str] = set()
        for start, end, key in sorted(set(candidates)):
            if followed and _followed_by(followed, text, end):
                continue
            sentence = ix.sentence_at(start)
            if rule.skip_product_names and _in_product_name(text, sentence[0], start, key, compiled.suppliers):
                continue
            if unless and any(u.search(ix, sentence[0], sentence[1]) for u in unless):
                continue
            if rule.near:
                found = _near(compiled.could_match("n", rule.id, possible), ix, sentence, start, end, cues)
                if found is None:
                    continue
                if rule.near.span == "from-cue":
                    clause = clause_at(text, sentence, found[0], end)
                    start, end = min(start, found[0]), max(end, clause[1])
                    while end > start and text[end - 1] in " ,;:":
                        end -= 1
            if not taken.add(start, end):  # another match of this rule holds part of it
                continue
            finding, edit = _act(compiled, rule, text, field_name, audience, sentence, start, end, key)
            if edit:
                edits.append(edit)
            if rule.once_per_term:  # every use is rewritten; the reviewer reads the term once
                term = fold(text[start:end]).casefold().rstrip("s")
                if term in seen_terms:
                    continue
                seen_terms.add(term)
            findings.append(finding)
    findings = _without_lesser_flags(findings)
    replaced = Reach([(e.start, e.end) for e in edits if e.rank == 0])
    if replaced:  # a term the glossary already rewrote needs no second flag
        findings = [
            f for f in findings if f.action != "flag" or f.category != "jargon" or not replaced.overlaps(f.start, f.end)
        ]
    return Scan(text, spans, findings, edits)


_RANK = {"error": 0, "warning": 1, "suggestion": 2}


def _without_lesser_flags(findings: list[Finding]) -> list[Finding]:
    """A flag on a span that a graver finding of the same category already covers says nothing new
    ('our upstream provider' mentioned, where the sentence already blames it), nor does one inside a
    wider finding as grave."""
    groups: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for g in findings:
        groups.setdefault((g.category, _RANK[g.severity]), []).append((g.start, g.end))
    reach = {key: Reach(spans) for key, spans in groups.items()}

    def covered(f: Finding) -> bool:
        rank = _RANK[f.severity]
        if any(reach[(f.category, r)].overlaps(f.start, f.end) for r in range(rank) if (f.category, r) in reach):
            return True
        same = reach[(f.category, rank)]
        return same.max_end_before(f.start) >= f.end or same.max_end_before(f.start + 1) > f.end

    return [f for f in findings if f.action != "flag" or not covered(f)]


class Spans:
    """Non-overlapping spans in order; add() refuses one that overlaps (neighbours checked only)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Spans:
        out = cls()
        for start, end in spans:
            out.add(start, end)
        return out

    def add(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if (i and self.ends[i - 1] > start) or (i < len(self.starts) and self.starts[i] < end):
            return False
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        return True

    def holds(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos)
        return bool(i) and self.ends[i - 1] > pos


class Reach:
    """Spans that may overlap, sorted by start with the furthest end reached so far: overlap queries
    in log time, so a long text with many findings stays linear."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _ in spans]
        self.reach: list[int] = []
        furthest = -1
        for _, end in spans:
            furthest = max(furthest, end)
            self.reach.append(furthest)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def max_end_before(self, pos: int) -> int:
        """The furthest end of the spans that start before pos (-1 when none)."""
        i = bisect_left(self.starts, pos)
        return self.reach[i - 1] if i else -1

    def overlaps(self, start: int, end: int) -> bool:
        return self.max_end_before(end) > start


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|io|net|org|dev|app|ai|co|eu)(?:/\S*)?", re.I)
_PREVIOUS_WORD = re.compile(r"([A-Za-z][\w-]*)\s+$")
DETERMINERS = {"The", "A", "An", "Our", "Your", "This", "That", "These", "Their", "Its", "No", "Some", "All"}


def _in_product_name(text: str, sentence_start: int, start: int, key: str, suppliers: frozenset[str]) -> bool:
    """An acronym after a capitalised word mid-sentence is part of a name ('Cloud DNS'), not jargon,
    unless that word is a supplier's ('GitHub API')."""
    if not text[start : start + len(key)].isupper():
        return False
    previous = _PREVIOUS_WORD.search(text, max(sentence_start, start - 40), start)
    if previous is None or previous.start(1) == sentence_start:
        return False
    word = previous.group(1)
    if word in suppliers:  # 'GitHub API', 'AWS EC2': a supplier's part, jargon to our customers
        return False
    return word[0].isupper() and not word.isupper() and word not in DETERMINERS


def _followed_by(patterns: list[re.Pattern[str]], text: str, end: int) -> bool:
    return any(p.match(text, end) for p in patterns)


def _near(
    patterns: list[tuple[Regex, list[int] | None]],
    ix: TextIndex,
    sentence: tuple[int, int],
    start: int,
    end: int,
    cues: list[Hit],
) -> tuple[int, int] | None:
    """The cue in the same clause as the match, if any (e.g. 'due to' beside a vendor name)."""
    text = ix.text
    c_start, c_end, _ = clause_at(text, sentence, start, end)
    for cue in cues:
        if c_start <= cue.start and cue.end <= c_end and not (cue.start >= start and cue.end <= end):
            return cue.start, cue.end
    for regex, _ in patterns:
        m = regex.search(ix, c_start, c_end)
        if m and not (m.start() >= start and m.end() <= end):
            return m.span()
    return None


def _act(
    compiled: Compiled,
    rule: Rule,
    text: str,
    field_name: str,
    audience: str,
    sentence: tuple[int, int],
    start: int,
    end: int,
    key: str,
) -> tuple[Finding, Edit | None]:
    advisory = audience in rule.flag_only_for  # e.g. blame in an internal note: flagged, never blocking
    action = Action.flag if advisory else rule.action
    severity = "warning" if advisory and rule.severity.value == "error" else rule.severity.value
    replacement: str | None = None
    edit: Edit | None = None
    if action is Action.replace:
        plain = compiled.glossary.get(rule.id, {}).get(fold(key), rule.replacement)
        modifier = compiled.modifiers.get(rule.id, {}).get(fold(key))
        if plain is not None and modifier and before_a_noun(text, end):
            plain = modifier
        if plain is None:  # no plain equivalent: the technical sentence goes
            action = Action.drop_sentence
        else:
            replacement = plain
            edit = _replace_with_article(text, start, end, replacement, rule.id)
    if action is Action.drop_sentence:
        edit = Edit(sentence[0], sentence[1], "", rule.id, rank=2)
    elif action is Action.drop_clause:
        reason = reason_at(text, sentence, start, end)  # the fact before 'because ...' stays
        c_start, c_end, whole = clause_at(text, sentence, start, end)
        if reason is not None:
            first, last, rank = reason[0], reason[1], 1
        else:  # a lone clause: the sentence
            first, last, rank = (sentence[0], sentence[1], 2) if whole else (c_start, c_end, 1)
        edit = Edit(first, last, "", rule.id, rank=rank)
    finding = Finding(
        rule=rule.id,
        category=rule.category,
        severity=severity,
        action=action.value,
        field=field_name,
        start=start,
        end=end,
        text=text[start:end],
        message=rule.message,
        replacement=replacement,
        suggestion=rule.suggestion,
        fixed=edit is not None,
    )
    return finding, edit


# what follows a noun that is not itself a noun: a verb, a preposition, a conjunction, an adverb
_NOT_A_NOUN = frozenset(
    (  # noqa: SIM905 (a word list reads better as words)
        "is are was were be been being has have had do does did will would can could shall should may might "
        "must and or but nor so yet of in on at to for from with by as into onto over under via per than "
        "that which who whom whose when where while after before during because since until across between "
        "through within without against about around among along behind beyond near off out up down now then "
        "also still just only not no again here there its it we our they their this these those you your he "
        "she his her i my me us them if whether though although unless once due"
    ).split()
)
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][A-Za-z-]*)")


def before_a_noun(text: str, end: int) -> bool:
    """The term stands where a modifier does: the next word reads as a noun ('cluster operations',
    'DNS provider'), not a verb, an adverb or a preposition ('clusters were', 'cluster experienced')."""
    m = _NEXT_WORD.match(text, end)
    if not m:
        return False
    word = m.group(1)
    low = word.lower()
    return not (
        low in _NOT_A_NOUN
        or low.endswith(("ed", "ly", "ing"))
        or (word[0].isupper() and not word.isupper())  # a new name or sentence, not a compound
        or (_VERB_S.search(low) and _AFTER_A_VERB.match(text, m.end()))  # 'once replication lag clears.'
    )


_VERB_S = re.compile(r"[^su]s$")
# what follows a verb in '-s' rather than a plural noun: the end of the clause, an object's determiner
_AFTER_A_VERB = re.compile(
    r"\s*(?:[.!?;:,)]|$|(?:the|a|an|our|its|their|your|this|that|up|down|out|back|again)\b)", re.I
)


_ARTICLE_BEFORE = re.compile(r"\b(a|an|A|An)\s+$")
_OWN_ARTICLE = re.compile(r"(?i)(a|an|the|some)\s")


def _replace_with_article(text: str, start: int, end: int, replacement: str, rule_id: str) -> Edit:
    """Replace a term and keep 'a'/'an' right: 'an OOM kill' -> 'a crash'."""
    before = _ARTICLE_BEFORE.search(text, max(0, start - 4), start)
    if not before:
        return Edit(start, end, replacement, rule_id)
    article = before.group(1)
    own = _OWN_ARTICLE.match(replacement)
    if own:
        if article[0].isupper():
            replacement = replacement[0].upper() + replacement[1:]
        return Edit(before.start(), end, replacement, rule_id)
    fixed = "an" if VOWEL_SOUND.match(replacement) else "a"
    if article[0].isupper():
        fixed = fixed.capitalize()
    return Edit(before.start(), end, f"{fixed} {replacement}", rule_id)


def apply_edits(
    text: str, spans: list[tuple[int, int]], edits: list[Edit], field_name: str
) -> tuple[str, list[Rewrite], list[tuple[int, int]]]:
    """The text with non-overlapping edits applied, tidied sentence by sentence, the rewrites, and
    the sentences left as they were."""
    if not edits:
        return text, [], []
    accepted = accepted_edits(edits)
    pieces: list[str] = []
    rewrites: list[Rewrite] = []
    untouched: list[tuple[int, int]] = []
    cursor = 0
    next_edit = 0  # edits and sentences are both in order: one walk over each
    for s_start, s_end in spans or [(0, len(text))]:
        while next_edit < len(accepted) and accepted[next_edit].start < s_start:
            next_edit += 1  # it crosses into this sentence from the last: never applied
        inside = []
        while next_edit < len(accepted) and accepted[next_edit].start < s_end:
            if accepted[next_edit].end <= s_end:
                inside.append(accepted[next_edit])
            next_edit += 1
        if not inside:
            untouched.append((s_start, s_end))
            continue
        before = text[s_start:s_end]
        after = _tidy(_splice(text, s_start, s_end, inside), before)
        pieces.append(text[cursor:s_start])
        if not after:  # drop the sentence and the space that followed it
            nxt = s_end
            while nxt < len(text) and text[nxt] in " \t":
                nxt += 1
            cursor = nxt
        else:
            pieces.append(after)
            cursor = s_end
        rules = tuple(dict.fromkeys(e.rule for e in inside))
        rewrites.append(Rewrite(field_name, rules, before, after))
    pieces.append(text[cursor:])
    cleaned = "".join(pieces)
    return cleaned.strip() if cleaned.strip() != text.strip() else cleaned, rewrites, untouched


def accepted_edits(edits: list[Edit]) -> list[Edit]:
    """The edits to apply, in text order: graver ones first (a dropped sentence wins over a word
    replaced inside it), then leftmost and longest."""
    taken = Spans()
    graver_first = sorted(edits, key=lambda e: (-e.rank, e.start, -(e.end - e.start)))
    return sorted(e for e in graver_first if taken.add(e.start, e.end))


def _splice(text: str, start: int, end: int, edits: list[Edit]) -> str:
    out = []
    cursor = start
    for edit in edits:
        out.append(text[cursor : edit.start])
        out.append(edit.text)
        cursor = edit.end
    out.append(text[cursor:end])
    return "".join(out)


_LEADING_JOINER = re.compile(r"^(?:and|but|so|which|because|as|while)\s+", re.I)
_TIDY_STEPS = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\s+([,.;:!?])", r"\1"),  # no space before punctuation
        (r"([,;:])(?:\s*[,;:])+", r"\1"),  # one separator where a clause left two
        (r"[,;:]\s*([.!?])$", r"\1"),  # none before the full stop
        (r"^[,;:\s]+", ""),  # none at the start
    )
]
_SPACES = re.compile(r"[ \t]{2,}")
_WORD = re.compile(r"\w")


def _tidy(sentence: str, original: str) -> str:
    """Make an edited sentence read as a sentence again."""
    s = _SPACES.sub(" ", sentence).strip()
    for pattern, replacement in _TIDY_STEPS:
        s = pattern.sub(replacement, s)
    if s != original.strip() and not original.strip().startswith(s[:1] or " "):
        s = _LEADING_JOINER.sub("", s)
    if not _WORD.search(s):
        return ""
    if s[:1].islower():
        s = s[0].upper() + s[1:]
    if original.rstrip()[-1:] in ".!?" and s[-1:] not in ".!?\"'”’":
        s += original.rstrip()[-1]
    return s
