"""The organisation that writes the updates: its own names are never a vendor, never blame, never jargon.

`[org]` in notify.toml names it. A status page run by GitHub says "GitHub Actions is degraded"
about itself; without knowing that, every such sentence would read as blaming a supplier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from notify.policy.matching.matcher import fold

# Words that only say what kind of company it is: "Grafana Labs" is also called "Grafana".
LEGAL_TAILS = {
    "inc",
    "inc.",
    "ltd",
    "ltd.",
    "llc",
    "plc",
    "gmbh",
    "co",
    "co.",
    "corp",
    "corp.",
    "corporation",
    "company",
    "group",
    "labs",
    "lab",
    "technologies",
    "technology",
    "software",
    "systems",
    "holdings",
    "limited",
    "ag",
    "sa",
    "bv",
    "ab",
    "oy",
    "as",
    "io",
    "hq",
    "cloud",
    "platform",
}
_PRODUCT = re.compile(r"(?:[ \t]+(?-i:[A-Z][a-z][\w.-]*))+")  # capitalised words after our name: a product of ours
_SEPARATORS = re.compile(r"\s*(?:[()/,;|]|\s-\s|\s&\s)\s*")


@dataclass(frozen=True)
class Org:
    """The organisation's name, its other spellings and product names, and terms its customers know."""

    name: str
    aliases: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()  # jargon its customers use ("API" for an API company)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every spelling that means us, longest first: 'Anthropic (Claude)' is Anthropic and Claude."""
        found: set[str] = set()
        for written in (self.name, *self.aliases):
            parts = [p for p in _SEPARATORS.split(written) if p.strip()]
            for part in [written, *parts]:
                part = part.strip()
                if len(part) < 2:
                    continue
                found.add(part)
                words = part.split()
                while len(words) > 1 and words[-1].lower() in LEGAL_TAILS:
                    words = words[:-1]
                    found.add(" ".join(words))
                stem = part.split(".")[0] if re.fullmatch(r"[\w-]+\.(?:io|com|ai|app|dev|net|org)", part) else ""
                if len(stem) >= 3:
                    found.add(stem)
        return tuple(sorted(found, key=len, reverse=True))

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Each name as a whole word, in any case, possessive included."""
        body = "|".join(re.escape(name) for name in self.names)
        return re.compile(rf"(?<![\w-])(?:{body})(?:'s|’s)?(?![\w-])", re.I)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text names us or one of our products: 'Cloudflare Tunnel', 'GitHub Actions'."""
        out = []
        for m in self.pattern.finditer(text):
            product = _PRODUCT.match(text, m.end())
            out.append((m.start(), product.end() if product else m.end()))
        return out

    @cached_property
    def allowed(self) -> frozenset[str]:
        return frozenset(fold(term) for term in self.allow)  # as the checks fold the text
