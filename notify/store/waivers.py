"""Waivers: a reviewer accepts one finding for one draft, with a reason, bound to its content hash.

No rule is always right. A waiver lets a second person approve a draft the policy layer blocks,
without teaching the rule anything; counted per rule, waivers are the team's signal that a rule
needs work (`notify rules --stats`). Privacy and unchecked languages cannot be waived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notify.store.database import Store, Tx

UNWAIVABLE = frozenset({"privacy", "language.unchecked"})


@dataclass(frozen=True)
class Waiver:
    draft_id: str
    rule: str
    content_hash: str
    waived_by: str
    reason: str
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "draft": self.draft_id,
            "rule": self.rule,
            "content_hash": self.content_hash,
            "waived_by": self.waived_by,
            "reason": self.reason,
            "at": self.at,
        }


def record(tx: Tx, waiver: Waiver) -> None:
    tx.execute(
        "INSERT INTO waivers (draft_id, rule, content_hash, waived_by, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
        (waiver.draft_id, waiver.rule, waiver.content_hash, waiver.waived_by, waiver.reason, waiver.at),
    )


def for_draft(tx: Tx, draft_id: str) -> list[Waiver]:
    rows = tx.execute(
        "SELECT draft_id, rule, content_hash, waived_by, reason, at FROM waivers WHERE draft_id = ? ORDER BY rule",
        (draft_id,),
    )
    return [Waiver(**row) for row in rows]


def stats(store: Store) -> list[dict[str, Any]]:
    """Rules by how often reviewers waived them, most first, with the latest reason."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT rule, COUNT(*) AS waived, MAX(at) AS last_at FROM waivers"
            " GROUP BY rule ORDER BY COUNT(*) DESC, rule"
        )
        out = []
        for row in rows:
            last = tx.execute(
                "SELECT reason, waived_by FROM waivers WHERE rule = ? ORDER BY at DESC LIMIT 1", (row["rule"],)
            )
            out.append(
                {
                    "rule": row["rule"],
                    "waived": int(row["waived"]),
                    "last_at": row["last_at"],
                    "last_reason": last[0]["reason"],
                    "last_by": last[0]["waived_by"],
                }
            )
        return out
