"""The words rule packs are written in: categories, audiences, severities and actions.

Shared by the pack schema (packs.py) and the plain rules (rules.py), so neither imports the other's
vocabulary.
"""

from __future__ import annotations

from enum import Enum, StrEnum

CATEGORIES = {
    "apology.missing": "No apology, or none a person would recognise as one.",
    "apology.non-apology": "An apology that is conditional, impersonal or for 'any inconvenience'.",
    "responsibility.missing": "Nothing says the failure was ours.",
    "responsibility.deflection": "Passive voice, 'beyond our control', 'not our fault', blaming the system.",
    "remedy.missing": "No concrete offer to make it right, or only a token one 'per the contract'.",
    "blame.third-party": "A vendor, supplier or partner blamed for our failure.",
    "jargon": "Technical terms customers do not use.",
    "downplay": "Words that shrink the customer's problem.",
    "overpromise": "A promise we cannot keep: 'never again', guarantees, certain fix times.",
    "canned": "Script lines that sound like nobody listened.",
    "privacy": "A customer's name, email or account on a channel others can read.",
    "contact.missing": "No human the customer can reach directly.",
    "next-update.missing": "An open incident that does not say when the next update comes.",
    "impact.missing": "Nothing says what customers experienced (a draft made from an alert, before a person wrote it).",
    "consistency": "One channel omits or contradicts a fact another states (status, next update, remedy).",
    "language.unchecked": "Text in a language with no rule packs: unchecked, so it cannot go out.",
    "placeholder": "A field still holds the scaffold's example text or a TODO: nobody has written it yet.",
    "tense": "A message that contradicts its own phase: a resolved incident still 'fixing' it.",
}
BUILT_IN_CATEGORIES = {"consistency", "language.unchecked", "placeholder"}  # produced by code, not by a rule pack
AUDIENCES = ("public", "customers", "internal")


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    suggestion = "suggestion"


class Action(Enum):
    flag = "flag"
    replace = "replace"
    drop_clause = "drop-clause"
    drop_sentence = "drop-sentence"
    require = "require"
