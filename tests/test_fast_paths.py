"""The speed-ups in the matcher must never change what a rule finds.

Each bundled pattern is run two ways over generated text: as plain `re` with IGNORECASE, and
the way the policy runs it (without IGNORECASE on the folded text, a leading \\b checked by hand,
only in the sentences the literal prefilter picks). Every match plain `re` finds must be the same.
"""

from __future__ import annotations

import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notify.policy.checks import index
from notify.policy.judge import Policy
from notify.policy.matching.patterns import FLAGS, Regex
from notify.policy.matching.sentences import sentence_spans

POLICY = Policy.load()
PATTERNS = sorted(
    {
        p
        for rule in POLICY.ruleset.rules
        for p in [*rule.patterns, *rule.unless, *(rule.near.patterns if rule.near else ())]
    }
)
EXAMPLES = [
    e if isinstance(e, str) else " ".join(e.values())
    for rule in POLICY.ruleset.rules
    for e in [*rule.examples.bad, *rule.examples.good]
]
WORDS = sorted({w for text in EXAMPLES for w in text.split()} | set(EXAMPLES))
PIECES = [
    "db-eu-3",
    "10.0.3.17",
    "502s",
    "HTTP 503",
    "dana@example.com",
    "+1 415 555 0100",
    "٣٠٤ errors",
    "db-eu-٣",
    "٣٠.٣.٣.١٧",
    "+٤٤ ٢٠ ٧٩٤٦ ٠٠٠٠",
    "E.g.",
    "v2.3.1",
    "foo_bar",
    "we",
    "We",
    "sorry",
    ".",
    ",",
    "-",
    "\n\n",
    "Acme Corp",
    "x5xx",
]
CHARACTERS = string.printable + "éüß’“”—–٣\u00a0"  # not the few letters IGNORECASE folds oddly (ſ, K)
JOINERS = [" ", " ", " ", "", "-", "_", ". ", ", ", "\n"]  # "" glues words: a match must not start mid-word
texts = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(WORDS), st.sampled_from(PIECES), st.text(CHARACTERS, max_size=6)),
        st.sampled_from(JOINERS),
    ).map("".join),
    max_size=30,
).map("".join)


def test_the_fast_paths_are_in_use():
    """Otherwise the properties below would pass without testing anything."""
    regexes = [Regex(p) for p in PATTERNS]
    assert sum(r.bounded for r in regexes) >= 20
    assert sum(r.head is not None for r in regexes) >= 3
    assert len(POLICY.compiled.prefilter.needs_digit) >= 3
    assert len(POLICY.compiled.prefilter.always) <= 5


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_each_pattern_matches_as_plain_re_does(text: str):
    ix = index(POLICY.compiled, text)
    for source in PATTERNS:
        regex = Regex(source)
        plain = re.compile(source, FLAGS)
        subject = ix.folded if regex.on_folded else text  # folding (’ to ', – to -) is on purpose
        assert [m.span() for m in regex.finditer(ix, 0, len(text))] == [m.span() for m in plain.finditer(subject)], (
            source
        )
        for start, end in sentence_spans(text)[:3]:
            found, expected = regex.search(ix, start, end), plain.search(subject, start, end)
            assert (found and found.span()) == (expected and expected.span()), source


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_the_prefilter_never_hides_a_sentence_that_matches(text: str):
    compiled = POLICY.compiled
    ix = index(compiled, text)
    for rule in POLICY.ruleset.rules:
        sources = {"p": rule.patterns, "n": rule.near.patterns if rule.near else ()}
        for kind, patterns in sources.items():
            for i, source in enumerate(patterns):
                plain, key = re.compile(source, FLAGS), f"{kind}:{rule.id}#{i}"
                subject = ix.folded if Regex(source).on_folded else text
                for sentence in ix.spans:
                    if plain.search(subject, *sentence) is None:
                        continue
                    assert key in ix.located, (key, text)
                    assert any(
                        w_start <= sentence[0] and sentence[1] <= w_end
                        for w_start, w_end in ix.windows(ix.located[key])
                    ), (key, sentence, text)


def test_every_bundled_pattern_is_read_without_cpythons_private_parser():
    """notify reads pattern syntax itself (re._parser changes between releases): every bundled pattern
    must be readable, or its fast paths would silently go."""
    from notify.policy.matching.regex_syntax import parse

    for source in PATTERNS:
        parse(source)


def test_required_literals_of_the_shapes_rules_use():
    from notify.policy.matching.prefilter import ANY_SCRIPT, required_literals

    assert required_literals(r"\b(?:credit|refund\w*)\b") == {"credit", "refund"}
    assert required_literals(r"\bthe (?:lab|vendor) was") == {"lab", "vendor"}  # rarer than 'the '
    assert required_literals(r"\bdb-\d+") == {"db-"}
    assert required_literals(r"\b[a-z]-\d+") == {f"-{d}" for d in "0123456789"} | {ANY_SCRIPT}
    assert required_literals(r"[45]\d\d errors") == {" errors"}
    assert required_literals(r"(?:a|b)c") is None
    assert required_literals(r"x(?=y)|z+") is None
