"""Apply an audience's rules to an incident or a message: cleaned text, findings, rewrites, verdict."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from notify.policy import grammar
from notify.policy.checks import (
    Compiled,
    Finding,
    Rewrite,
    Scan,
    accepted_edits,
    apply_edits,
    before_a_noun,
    compile_rules,
    index,
    scan,
)
from notify.policy.matching.matcher import PhraseMatcher, fold
from notify.policy.matching.sentences import sentence_spans
from notify.policy.org import Org
from notify.policy.rules import Rule, RuleSet, When, merge_packs, pack_dirs
from notify.policy.suggest import Facts, suggest
from notify.policy.vocabulary import AUDIENCES, Action
from notify.record.scaffold import PLACEHOLDERS

if TYPE_CHECKING:
    from notify.record.incident import Incident

CUSTOMER_FIELDS = ("title", "impact", "apology", "responsibility", "remedy")
SUGGESTED_FIELDS = ("apology", "responsibility", "remedy")
STRUCTURED_FIELDS = ("contact", "next_update_at")
FIRST_PERSON = re.compile(r"\b(?:we|we're|we've|we'll|we'd|i|i'm|i've|i'll|us|our|ours|ourselves|me|my)\b", re.I)
# A field left for later: the scaffold's own text, or what people type to mean "fill in later".
PLACEHOLDER = re.compile(
    r"^\s*(?:todo|tbd|tbc|fixme|x{3,}|n/?a|-+|\.{3}|…|lorem ipsum\b.*|<[^<>]*>|\[[^\[\]]*\]"
    r"|\{\{[^{}]*\}\})\s*[.:!]?\s*$",
    re.I | re.S,
)
WORD = re.compile(r"[a-z]{4,}")
STOPWORDS = {
    "that",
    "this",
    "with",
    "from",
    "have",
    "were",
    "they",
    "their",
    "your",
    "into",
    "could",
    "would",
    "some",
    "there",
    "about",
    "been",
    "when",
    "what",
    "which",
    "while",
    "customers",
    "people",
    "users",
    "sorry",
    "apologise",
    "apologize",
    "today",
    "morning",
}


class Part(NamedTuple):
    """Some sentences of the cleaned text, as they stand in a text that was already checked."""

    text: str
    only: list[tuple[int, int]] | None  # which of its sentences count; None: all of them
    findings: list[Finding] | None = None  # what the audience's rules found in it, where known
    rules: frozenset[str] = frozenset()  # the rules that were run to find them
    as_written: bool = False  # sentences as the author wrote them, before a rewrite kept their meaning


Parts = list[Part]


@dataclass(frozen=True)
class PolicyResult:
    """What the policy layer made of one text or record for one audience."""

    audience: str
    fields: dict[str, str]
    findings: list[Finding]
    rewrites: list[Rewrite]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and not f.fixed]

    @property
    def verdict(self) -> str:
        return "blocked" if self.blocking else "pass"

    def with_suggestions(self) -> dict[str, str]:
        """The cleaned fields for a preview, each blocking required element shown with its suggestion
        marked as one: nobody has decided to give a credit because notify suggested it."""
        fields = dict(self.fields)
        for finding in self.blocking:
            if finding.suggestion and finding.field in SUGGESTED_FIELDS:
                fields[finding.field] = f"(Suggestion, not decided) {finding.suggestion}"
        return fields

    def as_dict(self) -> dict[str, object]:
        return {
            "audience": self.audience,
            "verdict": self.verdict,
            "findings": [f.as_dict() for f in self.findings],
            "rewrites": [r.as_dict() for r in self.rewrites],
            "fields": self.fields,
        }


def blocks(results: Mapping[str, PolicyResult]) -> list[tuple[str, Finding]]:
    """What stops a message going out: errors left unfixed for an audience customers read, by
    audience. The internal note never blocks: it is where the technical detail belongs."""
    return [(a, f) for a, result in sorted(results.items()) if a != "internal" for f in result.blocking]


class Policy:
    """A compiled rule set; build once, check many texts."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.org: Org | None = None  # who writes: set per team by load(), never cached
        self.compiled: Compiled = compile_rules(ruleset)
        self._by_id = {r.id: r for r in ruleset.rules}
        self._audiences = {audience: ruleset.for_audience(audience) for audience in AUDIENCES}
        self._phases: dict[tuple[str, bool, bool], tuple[list[Rule], list[Rule]]] = {}
        self._rejects = {
            r.id: [re.compile(p, re.I) for p in (*r.unless, *r.declared.reject)] for r in ruleset.rules if r.declared
        }

    @classmethod
    def load(cls, extra_dirs: Sequence[str | Path] = (), language: str = "en", org: Org | None = None) -> Policy:
        """The compiled policy for a language, from the cache when no pack changed since it was built;
        `org` names the organisation whose own names are never blame or jargon."""
        from notify.policy import cache

        dirs = pack_dirs(extra_dirs, language=language)
        code = sorted(Path(__file__).parent.rglob("*.py"))  # the policy's own code: a changed class must not unpickle
        name = "policy-" + cache.fingerprint([*code, *(p for d, paths in dirs for p in [d, *paths])])
        cached = cache.load(name)
        if isinstance(cached, cls):
            cached.org = org
            return cached
        policy = cls(merge_packs(dirs))
        cache.store(name, policy)
        policy.org = org
        return policy

    def possibly_ours(self, text: str, title: str = "") -> list[str]:
        """Supplier names that more likely name the author: in the title, or in most sentences.

        GitHub's own status page names GitHub in every update; without `[org]` that reads as blame."""
        if self.org is not None:
            return []
        vendors = {fold(v).casefold() for v in self.ruleset.lists.get("vendors", [])}
        ix = index(self.compiled, text)
        sentences: dict[str, set[int]] = {}
        names: dict[str, str] = {}
        for hits in ix.by_owner.values():
            for hit in hits:
                name = text[hit.start : hit.end]
                key = fold(name).casefold()
                if key in vendors and name[:1].isupper():
                    names.setdefault(key, name)
                    sentences.setdefault(key, set()).add(ix.sentence_at(hit.start)[0])
        folded_title = fold(title).casefold()
        many = max(2, (len(ix.spans) + 1) // 2)
        return sorted(
            names[k] for k, found in sentences.items() if len(found) >= many or (folded_title and k in folded_title)
        )

    def rules_for(self, audience: str) -> list[Rule]:
        """The rules that apply to an audience, in pack order (a shared list: do not change it)."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}")
        return self._audiences[audience]

    def check_text(self, text: str, audience: str = "customers", org: Org | None = None) -> PolicyResult:
        """A plain message: the whole text is one field and must carry every required element."""
        facts = _facts_from_text(text)
        rules, required = self._phase(audience, facts)
        org = org or self.org
        found = _grammatical(scan(self.compiled, rules, text, "text", audience, org=org), "text")
        cleaned, rewrites, parts = _fix_until_stable(self, rules, found, "text", audience, None, org)
        findings = list(found.findings)
        for rule in required:
            findings += self._require_check(rule, "text", cleaned, facts, whole_text=True, parts=parts)
        findings = self._suggest(findings, facts)
        findings.sort(key=lambda f: (f.start, f.end, f.rule))
        return PolicyResult(audience, {"text": cleaned}, findings, rewrites)

    def _phase(self, audience: str, facts: Facts) -> tuple[list[Rule], list[Rule]]:
        """The audience's rules in this phase, and those of them that require an element here."""
        key = (audience, facts.is_open, facts.is_maintenance)
        known = self._phases.get(key)
        if known is None:
            rules = _in_phase(self.rules_for(audience), facts)
            known = self._phases[key] = (rules, [r for r in rules if r.action is Action.require and _applies(r, facts)])
        return known

    def check_incident(
        self, incident: Incident, audience: str, *, explain_cause: bool = False, org: Org | None = None
    ) -> PolicyResult:
        """Each customer-facing field cleaned on its own; each required element checked in its field."""
        phase = facts_from_incident(incident)
        rules = _in_phase(self.rules_for(audience), phase)
        org = org or self.org
        owners = [r.id for r in rules if "customers" in r.lists]
        extra = (
            PhraseMatcher((name, owner) for name in incident.affected_customers for owner in owners)
            if owners and incident.affected_customers
            else None
        )
        fields = _incident_fields(incident, audience, explain_cause)
        cleaned: dict[str, str] = {}
        findings: list[Finding] = []
        rewrites: list[Rewrite] = []
        left_for_later = set()
        for name, text in fields.items():
            if text and is_placeholder(text):
                findings.append(_placeholder(name, text))
                left_for_later.add(name)
                text = ""
            if not text:
                cleaned[name] = text
                continue
            found = _grammatical(scan(self.compiled, rules, text, name, audience, extra, org=org), name)
            findings += found.findings
            cleaned[name], changed, _ = _fix_until_stable(self, rules, found, name, audience, extra, org)
            rewrites += changed
        facts = replace(phase, impact=cleaned.get("impact") or incident.impact)
        for rule in rules:
            if rule.action is not Action.require or not _applies(rule, facts):
                continue
            target = rule.field or "text"
            if target in STRUCTURED_FIELDS:  # a contact or a time: present or not, in any language
                if getattr(incident, target) is None:
                    findings += self._require_check(rule, target, "", facts, whole_text=False, incident=incident)
                continue
            if target in left_for_later:  # its placeholder finding says what to write
                continue
            text = cleaned.get(target, "") if target != "text" else " ".join(v for v in cleaned.values() if v)
            if rule.declared is not None and target != "text" and text.strip():
                findings += self._declared_check(rule, target, text, facts)
                continue
            missing = self._require_check(rule, target, text, facts, whole_text=False, incident=incident)
            removed_by = sorted({r for w in rewrites if w.field == target and not w.after for r in w.rules})
            if missing and fields.get(target) and not text.strip() and removed_by:  # say why it is empty now
                missing = [
                    replace(
                        f,
                        message=f"{f.message} What the field said was removed for this audience "
                        f"({', '.join(removed_by)}); say it again without that.",
                    )
                    for f in missing
                ]
            findings += missing
        if explain_cause and audience != "internal":
            findings = [_must_be_plain(f) if f.field == "cause" else f for f in findings]
        return PolicyResult(audience, cleaned, self._suggest(findings, facts), rewrites)

    def _suggest(self, findings: list[Finding], facts: Facts) -> list[Finding]:
        """Flags of rules that name a builder get a suggestion made from the record's facts."""
        out = []
        for f in findings:
            rule = self._by_id.get(f.rule)
            if rule is not None and rule.suggest and f.action != "require":
                f = replace(f, suggestion=suggest(rule.suggest, facts))
            out.append(f)
        return out

    def _require_check(
        self,
        rule: Rule,
        field_name: str,
        text: str,
        facts: Facts,
        *,
        whole_text: bool,
        incident: Incident | None = None,
        parts: Parts | None = None,
    ) -> list[Finding]:
        """A finding when the element is missing from text (read as `parts` when given)."""
        parts = parts if parts is not None else [Part(text, None)]
        if rule.relates_to:
            if incident is None or not text:
                return []
            other = getattr(incident, rule.relates_to, "")
            if not other or _shares_words(text, other, incident.components):
                return []
        elif self._satisfied(rule, parts) or self._addressed(rule, parts, field_name):
            return []
        spans = sentence_spans(text)
        tail = len(text.rstrip())
        start, end = (spans[0][0], spans[-1][1]) if (spans and not whole_text) else (tail, tail)
        suggestion = suggest(rule.suggest, facts) if rule.suggest else rule.suggestion
        return [
            Finding(
                rule=rule.id,
                category=rule.category,
                severity=rule.severity.value,
                action="require",
                field=field_name,
                start=start,
                end=end,
                text=text[start:end],
                message=rule.message,
                suggestion=suggestion,
            )
        ]

    def _declared_check(self, rule: Rule, field_name: str, text: str, facts: Facts) -> list[Finding]:
        """A field the author wrote for this element, judged for its job: it speaks as us (where the
        element needs it) and says something beyond what the rule rejects (a token, status talk)."""
        declared = rule.declared
        assert declared is not None
        message = None
        if declared.first_person and not FIRST_PERSON.search(text):
            message = declared.first_person_message or declared.message
        else:
            spans = sentence_spans(text) or [(0, len(text))]
            rejects = self._rejects.get(rule.id, [])
            if rejects and all(any(r.search(text, a, b) for r in rejects) for a, b in spans):
                message = declared.message
        if message is None:
            return []
        end = len(text.rstrip())
        return [
            Finding(
                rule=rule.id,
                category=rule.category,
                severity=rule.severity.value,
                action="require",
                field=field_name,
                start=0,
                end=end,
                text=text[:end],
                message=message,
                suggestion=suggest(rule.suggest, facts) if rule.suggest else rule.suggestion,
            )
        ]

    def _addressed(self, rule: Rule, parts: Parts, field_name: str) -> bool:
        """A flagged attempt (a deflection, say) is reported as itself, not as a missing element."""
        if not rule.addressed_by:
            return False
        others = [self._by_id[rule_id] for rule_id in rule.addressed_by]
        for part in parts:
            if not part.text or part.as_written:  # a deflection the rewrite removed is not there to report
                continue
            if part.findings is not None and set(rule.addressed_by) <= part.rules:
                sentences = index(self.compiled, part.text).spans if part.only is None else part.only
                if any(
                    f.rule in rule.addressed_by and any(a <= f.start < b for a, b in sentences) for f in part.findings
                ):
                    return True
            elif scan(self.compiled, others, part.text, field_name, "internal", only=part.only).findings:
                return True
        return False

    def _satisfied(self, rule: Rule, parts: Parts) -> bool:
        """Some sentence carries the element, and is not disqualified (a token remedy, say)."""
        unless = self.compiled.unless.get(rule.id, [])
        for text, only, *_ in parts:
            ix = index(self.compiled, text)
            allowed = None if only is None else set(only)
            tried: set[int] = set()
            for regex, places in self.compiled.could_match("p", rule.id, ix.located):
                sentences = ix.spans if places is None else ix.windows(places)  # those holding its literals
                for start, end in sentences:
                    if (
                        start in tried
                        or (allowed is not None and (start, end) not in allowed)
                        or not regex.search(ix, start, end)
                    ):
                        continue
                    tried.add(start)
                    if any(u.search(ix, start, end) for u in unless):
                        continue
                    if rule.first_person and not FIRST_PERSON.search(text, start, end):
                        continue
                    return True
        return False


def _fix_until_stable(
    policy: Policy,
    rules: list[Rule],
    found: Scan,
    name: str,
    audience: str,
    extra: PhraseMatcher | None,
    org: Org | None,
) -> tuple[str, list[Rewrite], Parts]:
    """Apply edits, then re-check what changed, so fixing twice gives what fixing once gave.

    Also returns the cleaned text as parts already indexed: the sentences left untouched in the
    original and the rewritten ones, so that the required elements are read without a new index.
    """
    ran = frozenset(r.id for r in rules)
    text, rewrites, untouched = found.applied or apply_edits(found.text, found.spans, found.edits, name)
    rewrites = list(rewrites)  # grown below; the scan's own list stays as it was
    if not rewrites:
        return text, rewrites, [Part(text, None, found.findings, ran)]
    changed = "\n\n".join(r.after for r in rewrites if r.after)  # a blank line always ends a sentence
    again = scan(policy.compiled, rules, changed, name, audience, extra, org=org) if changed else None
    reworded = _reworded(found, rewrites, untouched)
    if again is None or not again.edits:  # the usual case
        return (
            text,
            rewrites,
            [Part(found.text, untouched, found.findings, ran)]
            + ([Part(changed, None, again.findings, ran)] if again else [])
            + reworded,
        )
    for _ in range(3):
        again = scan(policy.compiled, rules, text, name, audience, extra, org=org)
        if not again.edits:
            break
        text, more, _ = apply_edits(text, again.spans, again.edits, name)
        rewrites += more
    return text, rewrites, [Part(text, None), *reworded]


def _grammatical(found: Scan, name: str) -> Scan:
    """The scan without the edits whose sentence a grammar checker says the rewrite would break;
    their findings stay unfixed for the reviewer, with the attempted rewrite as the suggestion."""
    if not found.edits:
        return found
    applied = apply_edits(found.text, found.spans, found.edits, name)
    _, rewrites, untouched = applied
    left = set(untouched)
    edited = [s for s in found.spans or [(0, len(found.text))] if s not in left]
    starts_of = [s for s, _ in edited]
    replaced: dict[int, list[tuple[int, int, str]]] = {}
    for e in accepted_edits(found.edits):  # each edit and each code finding placed in its sentence once
        i = bisect_right(starts_of, e.start) - 1
        if e.rank == 0 and i >= 0 and e.end <= edited[i][1]:
            replaced.setdefault(edited[i][0], []).append((e.start, e.end, e.text))
    code_left = set()  # sentences where jargon stays unfixed as code, or right beside a replacement
    for f in found.findings:
        i = bisect_right(starts_of, f.start) - 1
        if f.category != "jargon" or f.fixed or i < 0 or f.start >= edited[i][1]:
            continue
        if CODE_LEFT.search(f.text) or _touches(found.text, f, replaced.get(edited[i][0], [])):
            code_left.add(edited[i][0])
    pairs = list(zip(edited, rewrites, strict=False))
    broken = grammar.added_to_each([(r.before, r.after) for _, r in pairs])  # one call to the checker for all
    refused = {
        span: (r.after, problems)
        for (span, r), added in zip(pairs, broken, strict=True)
        if (
            problems := [
                *added,
                *_misshapen(found.text, r.before, r.after, replaced.get(span[0], []), span[0] in code_left),
            ]
        )
    }
    if not refused:
        return replace(found, applied=applied)  # the fix applies these same edits: no need to splice them twice

    starts = sorted(refused)

    def sentence(start: int) -> tuple[int, int] | None:
        i = bisect_right(starts, (start, len(found.text) + 1)) - 1
        return starts[i] if i >= 0 and starts[i][0] <= start < starts[i][1] else None

    findings = []
    for f in found.findings:
        span = sentence(f.start) if f.fixed else None
        if span is not None:
            after, problems = refused[span]
            f = replace(
                f,
                fixed=False,
                suggestion=f"{after} (notify's rewrite, not applied: it has {', '.join(problems).lower()})",
            )
        findings.append(f)
    edits = [e for e in found.edits if sentence(e.start) is None]
    return Scan(found.text, found.spans, findings, edits)


# a sentence left as a bare time or circumstance: "Between 13:25 and 18:35 UTC.", "As a part of that change."
_ONLY_WHEN = re.compile(
    r"^(?:on|between|from|at|since|until|during|after|before|in|as|for|with|by|within|through)\b"
    r"[^.;]*[.;]?$",
    re.I,
)
_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|can|could|saw|see|got|lost|did|do|does|may|might|"
    r"(?!(?:during|following|including|according|regarding|concerning|pending)\b)(?:\w+ed|\w+ing))\b",
    re.I,
)
_FRAGMENT = re.compile(r"^(?:is|was|are|were|has|have|had|will|would|which|who|and|but|or|because|due)\b", re.I)


_FUNCTION_WORD = re.compile(r"\b(?:of|that|to|from|for|in|on|with|by|which|the|a|an|our|than)\b", re.I)
_LEADING_ARTICLE = re.compile(r"^(?i:an?|the)\s+")
_OWN_DETERMINER = re.compile(r"(?i)(?:one of|our|the|a|an|some)\s")
# a determiner or a name right before: 'the', 'an', 'its', 'AWS' (so 'the AWS one of our regions')
_DETERMINER_BEFORE = re.compile(r"(?:\b(?i:the|an?|its|their|this|that|these|those|our|your)|\b[A-Z]{2,}\w*)\s+$")


def _repeats_next(text: str, end: int, plain: str) -> bool:
    """A word of the replacement is one of the next three: 'downstream service dependent on' ->
    'dependent service dependent on'."""
    following = text[end : end + 40].casefold().split()[:3]
    return any(len(word) > 3 and word in following for word in plain.casefold().split())


def _determiner_before(text: str, start: int) -> bool:
    return bool(_DETERMINER_BEFORE.search(text, max(0, start - 40), start))


def _a_phrase(plain: str) -> bool:
    """Plain words that cannot stand before a noun: more than three words, or a function word in them."""
    words = _LEADING_ARTICLE.sub("", plain, count=1)  # 'a management system': the article went in with it
    return len(words.split()) > 3 or bool(_FUNCTION_WORD.search(words))


def _touches(text: str, finding: Finding, replaced: list[tuple[int, int, str]]) -> bool:
    """A term left as jargon right beside plain words of its sentence: 'Scaling redis cluster.' ->
    'Scaling redis group of servers.' reads as neither."""
    return any(
        not text[min(finding.end, start) : max(finding.end, start)].strip()
        or not text[min(end, finding.start) : max(end, finding.start)].strip()
        for start, end, _ in replaced
    )


def _misshapen(text: str, before: str, after: str, replaced: list[tuple[int, int, str]], code_left: bool) -> list[str]:
    """What a mechanical rewrite breaks that no grammar checker sees: a fragment left by a dropped
    clause, two replacements side by side, a phrase in a modifier's slot, words said twice, a second
    determiner, plain words beside code or jargon that stays."""
    if not after:
        return []
    problems = []
    if _FRAGMENT.match(after) and not _FRAGMENT.match(before):
        problems.append("a fragment")
    elif _ONLY_WHEN.match(after) and not _VERB.search(after):
        problems.append("only the circumstance left: the fact went with the clause")
    # 'k8s pods' -> 'server management system servers': a whole phrase cannot modify the next one
    # ('db failover' -> 'database switch to a backup system' can: one word reads as a modifier)
    if any(not text[a[1] : b[0]].strip() and len(a[2].split()) > 1 for a, b in pairwise(replaced)):
        problems.append("two replacements side by side")
    elif any(_a_phrase(plain) and before_a_noun(text, end) for _, end, plain in replaced):
        problems.append("a phrase where one word belongs ('group of servers operations')")
    multiword = [plain.casefold() for _, _, plain in replaced if len(plain.split()) > 1]
    if len(multiword) != len(set(multiword)) or any(_repeats_next(text, end, plain) for _, end, plain in replaced):
        problems.append("the same words twice ('dependent service dependent on')")
    if any(_OWN_DETERMINER.match(plain) and _determiner_before(text, start) for start, _, plain in replaced):
        problems.append("two determiners ('the one of our regions')")
    if replaced and code_left:
        problems.append("code left beside the plain words")
    return problems


def _reworded(found: Scan, rewrites: list[Rewrite], untouched: list[tuple[int, int]]) -> Parts:
    """The sentences as written where a rewrite kept them: plain words say what the jargon said, so an
    apology or a fix the author wrote still counts ('we rolled back the change' became 'we undid it').
    A dropped sentence takes its elements with it. Read in the original text, already indexed."""
    left = set(untouched)
    edited = [s for s in found.spans or [(0, len(found.text))] if s not in left]
    kept = [span for span, r in zip(edited, rewrites, strict=False) if r.after and r.before != r.after]
    return [Part(found.text, kept, as_written=True)] if kept else []


def _must_be_plain(finding: Finding) -> Finding:
    """The internal cause, told to customers in a postmortem: blame left in it, or code the rules could
    not make plain (a hash, a path, a host name, an acronym), blocks, so the record's technical cause
    never reaches them as it was written. A plain-looking technical word stays a warning."""
    if finding.fixed or finding.severity == "error" or finding.category not in PLAIN_IN_PUBLIC:
        return finding
    if finding.category == "jargon" and not CODE_LIKE.search(finding.text):
        return finding
    return replace(
        finding,
        severity="error",
        message=f"{finding.message} A postmortem tells customers the cause: put it in plain words.",
    )


PLAIN_IN_PUBLIC = {"jargon", "blame.third-party"}
CODE_LIKE = re.compile(r"[\d_/`]|[A-Z]{2}|[a-z][A-Z]")
CODE_LEFT = re.compile(r"[\d_/`~]|[a-z][A-Z]")  # a hash, a path, a figure: no plain sentence keeps these


def is_placeholder(text: str) -> bool:
    """The scaffold's own example text, or TODO/TBD/<fill in>: nobody has written this field yet."""
    return text.strip() in PLACEHOLDERS or bool(PLACEHOLDER.match(text))


def _placeholder(name: str, text: str) -> Finding:
    end = len(text.rstrip())
    return Finding(
        rule="placeholder",
        category="placeholder",
        severity="error",
        action="require",
        field=name,
        start=0,
        end=end,
        text=text[:end],
        message=PLACEHOLDER_MESSAGE,
    )


PLACEHOLDER_MESSAGE = "This field still holds placeholder text; write what customers should read, or leave it out."


def _incident_fields(incident: Incident, audience: str, explain_cause: bool = False) -> dict[str, str]:
    """The fields customers read; the cause only for staff. A postmortem adds its own fields, and
    tells the cause (cleaned) only where nobody wrote what happened for customers."""
    fields = {name: getattr(incident, name) for name in CUSTOMER_FIELDS}
    for i, action in enumerate(incident.actions):
        fields[f"actions.{i}"] = action
    for i, update in enumerate(incident.updates):
        fields[f"updates.{i}.message"] = update.message
    if audience == "internal":
        fields["cause"] = incident.cause
    elif explain_cause:
        if incident.what_happened.strip():
            fields["what_happened"] = incident.what_happened
        else:
            fields["cause"] = incident.cause
        for i, change in enumerate(incident.changes):
            fields[f"changes.{i}"] = change
    return fields


def facts_from_incident(incident: Incident) -> Facts:
    c = incident.contact
    return Facts(
        impact=incident.impact,
        components=list(incident.components),
        started_at=incident.started_at,
        resolved_at=incident.resolved_at,
        next_update_at=incident.next_update_at,
        contact_name=c.name if c else "",
        contact_email=(c.email or "") if c else "",
        contact_phone=(c.phone or "") if c else "",
        is_open=incident.is_open,
        is_maintenance=incident.is_maintenance,
    )


_STATUS_PREFIX = re.compile(
    r"^\s*(investigating|identified|monitoring|resolved|completed|scheduled|update)\s*(?::|[-–—])\s*", re.I
)


_BETWEEN_TIMES = re.compile(r"^between [\d:]+ and [\d:]+ \w+,\s*", re.I)


def _facts_from_text(text: str) -> Facts:
    prefix = _STATUS_PREFIX.match(text)
    status = prefix.group(1).lower() if prefix else ""
    body_start = prefix.end() if prefix else 0
    first = next((text[max(start, body_start) : end] for start, end in sentence_spans(text) if end > body_start), "")
    first = _BETWEEN_TIMES.sub("", first)
    return Facts(
        impact=first,
        is_open=status not in {"resolved", "completed"},
        is_maintenance=status in {"scheduled", "completed"},
    )


ALWAYS = When()


def _in_phase(rules: list[Rule], facts: Facts) -> list[Rule]:
    """The rules for this phase: a flag rule with `when` (a resolved incident still "fixing") only
    where its phase is. Required elements keep their own `when`, checked where they are required."""
    if all(r.action is Action.require or r.when == ALWAYS for r in rules):
        return rules
    return [r for r in rules if r.action is Action.require or _applies(r, facts)]


def _applies(rule: Rule, facts: Facts) -> bool:
    if rule.when.open is not None and rule.when.open != facts.is_open:
        return False
    return not (rule.when.maintenance is not None and rule.when.maintenance != facts.is_maintenance)


def _shares_words(text: str, other: str, components: list[str]) -> bool:
    """Whether an apology names what happened: a content word of the impact or a component."""

    def stems(s: str) -> set[str]:
        return {w[:5] for w in WORD.findall(s.lower()) if w not in STOPWORDS}

    return bool(stems(text) & (stems(other) | stems(" ".join(components))))
