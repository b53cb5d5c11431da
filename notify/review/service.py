"""Review: turn an incident revision into a stored draft, and decide on drafts, for the CLI and the web.

Every decision is one transaction: the state change (if it is allowed and nobody beat us to it)
and its audit entry land together; a refused or conflicting attempt is logged too.
"""

from __future__ import annotations

import dataclasses
import difflib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from notify.clock import Clock, utc_now
from notify.errors import ConflictError, InputError, ReviewRefused, did_you_mean
from notify.policy.checks import FINDING_FIELDS, Finding
from notify.record.draft import APPROVED, PENDING, REJECTED, SUPERSEDED, Draft, content_hash, draft_id
from notify.store import audit, drafts, waivers
from notify.store.database import Store

if TYPE_CHECKING:
    from notify.policy.judge import Policy
    from notify.policy.org import Org
    from notify.record.incident import Incident
    from notify.render.messages import Renderer
    from notify.store.database import Tx


class AlreadyClaimed(Exception):
    """Review.create's claim said no: this revision was asked for before."""


class Claim(Protocol):
    """Something only one transaction may take (a webhook delivery id), taken with the new draft."""

    def take(self, tx: Tx) -> bool:
        """False when another transaction took it first: nothing is stored then."""

    def record(self, tx: Tx, draft_id: str) -> None:
        """Note which draft it made."""


class Translations:
    """Each language's rule packs and templates, loaded once and shared (a service's threads all use one)."""

    def __init__(self, org: Org | None = None) -> None:
        self.org = org  # the team's own names are never blame or jargon, in any language
        self._policies: dict[str, Policy | None] = {}
        self._renderers: dict[str, Renderer] = {}
        self._lock = threading.Lock()

    def policy(self, language: str) -> Policy | None:
        """None for a language without rule packs: its text cannot be checked."""
        from notify.errors import PolicyPackError
        from notify.policy.judge import Policy

        with self._lock:
            if language not in self._policies:
                try:
                    self._policies[language] = Policy.load(language=language, org=self.org)
                except PolicyPackError:
                    self._policies[language] = None
            return self._policies[language]

    def renderer(self, language: str) -> Renderer:
        from notify.render.messages import Renderer

        with self._lock:
            if language not in self._renderers:
                self._renderers[language] = Renderer(language=language)
            return self._renderers[language]


class Review:
    def __init__(
        self,
        store: Store,
        *,
        policy: Policy | None = None,
        renderer: Renderer | None = None,
        clock: Clock = utc_now,
        four_eyes: bool = True,
        translations: Translations | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.four_eyes = four_eyes
        self.translations = translations or Translations()

    def create(
        self,
        incident: Incident,
        author: str,
        *,
        source: str = "cli",
        renderer: Renderer | None = None,
        explain_cause: bool = False,
        claim: Claim | None = None,
        notes: Sequence[str] = (),
    ) -> Draft:
        """Check, render every channel and store a new pending revision; older pending ones are superseded.

        Each translation in the record is checked with its own language's rule packs and rendered with
        its templates (messages named like "email_public.de"); a language without packs blocks the draft.
        `claim` is taken first in the storing transaction; when it cannot be (a webhook delivery seen
        before), nothing is stored and AlreadyClaimed is raised. `notes` are told to the reviewer
        as warnings beside the findings (a webhook's service that maps to no component).
        """
        from notify.render.messages import Renderer

        if self.policy is None:
            from notify.policy.judge import Policy

            self.policy = Policy.load()
        if renderer is None:
            if self.renderer is None:
                self.renderer = Renderer()
            renderer = self.renderer
        messages, report, blocked = _compose(incident, self.policy, renderer, explain_cause, suffix="")
        for language in sorted(incident.translations):
            policy = self.translations.policy(language)
            if policy is None:
                report[f"language.{language}"] = {
                    "verdict": "blocked",
                    "rewrites": [],
                    "findings": [_unchecked(language)],
                }
                blocked = True
                continue
            more, more_report, more_blocked = _compose(
                incident.in_language(language),
                policy,
                self.translations.renderer(language),
                explain_cause,
                suffix=f".{language}",
            )
            messages.update(more)
            report.update(more_report)
            blocked = blocked or more_blocked
        if notes:
            report["source"] = {"verdict": "pass", "rewrites": [], "findings": [_note(n) for n in notes]}
        moment = self.clock()  # one instant for the draft and its log entries
        now = moment.isoformat()
        # Everything but the revision number is made before the transaction, so its locks are held
        # for the statements alone.
        draft = Draft(
            id="",
            incident_id=incident.id,
            revision=0,
            state=PENDING,
            verdict="blocked" if blocked else "pass",
            author=author,
            created_at=now,
            record=incident.model_dump(mode="json"),
            messages=messages,
            report=report,
            content_hash=content_hash(messages),
        )
        stored = drafts.serialised(draft)
        with self.store.transaction() as tx:
            if claim is not None and not claim.take(tx):
                raise AlreadyClaimed(incident.id)
            tx.lock(_incident_lock(incident.id))  # concurrent revisions of one incident take turns
            revision = drafts.next_revision(tx, incident.id)
            draft = dataclasses.replace(draft, id=draft_id(incident.id, revision), revision=revision)
            for older in drafts.supersede_pending(tx, incident.id, at=now, by_draft=draft.id):
                audit.append(
                    tx,
                    at=moment,
                    actor=author,
                    action="supersede",
                    incident_id=incident.id,
                    draft_id=older,
                    detail={"by": draft.id},
                )
            drafts.insert(tx, draft, stored)
            audit.append(
                tx,
                at=moment,
                actor=author,
                action="draft",
                incident_id=incident.id,
                draft_id=draft.id,
                detail={
                    "revision": revision,
                    "verdict": draft.verdict,
                    "content_hash": draft.content_hash,
                    "source": source,
                },
            )
            if claim is not None:
                claim.record(tx, draft.id)
        return draft

    def get(self, draft_id: str) -> Draft:
        with self.store.transaction() as tx:
            draft = drafts.get(tx, draft_id)
            if draft is None:
                known = [d.id for d in drafts.listing(tx)]
        if draft is None:
            hint = did_you_mean(draft_id, known)
            raise InputError(
                f"no draft {draft_id!r}" + (f"; {hint}" if hint else ""), hint="`notify drafts` lists them"
            )
        return draft

    def summaries(
        self,
        state: str | None = None,
        incident_id: str | None = None,
        limit: int = 50,
        page: int = 1,
        with_record: bool = False,
    ) -> tuple[list[Draft], int]:
        """A page of drafts without their content (flat in memory however many there are), and the total."""
        with self.store.read() as tx:
            return drafts.summaries(tx, state, incident_id, limit, (page - 1) * limit, with_record)

    def published(self, since: str | None = None) -> list[Draft]:
        """The published drafts without their review reports: what the public page shows (with
        `since`, those published at or after it)."""
        with self.store.read() as tx:
            return drafts.published(tx, since)

    def components_named(self, state: str | None = None) -> set[str]:
        """The components the drafts (those in `state`, or all) name, without decoding them."""
        with self.store.read() as tx:
            return drafts.components_named(tx, self.store.dialect, state)

    def maintenance(self) -> list[Draft]:
        """Every maintenance draft not superseded, without reading the other drafts."""
        with self.store.read() as tx:
            return drafts.maintenance(tx)

    def listing(self, state: str | None = None, incident_id: str | None = None) -> list[Draft]:
        with self.store.transaction() as tx:
            return drafts.listing(tx, state, incident_id)

    def approve(
        self, draft_id: str, reviewer: str, comment: str | None = None, waive: Mapping[str, str] | None = None
    ) -> Draft:
        """Approve; `waive` maps rule ids to the reviewer's reason for accepting their findings on this
        draft (a blocked draft is approvable once every blocking rule is waived)."""
        waive = dict(waive or {})
        for rule, reason in waive.items():
            if not reason.strip():
                raise InputError(
                    f"waiving {rule} needs a reason: say why the finding is wrong for this draft", field="reason"
                )
        return self._decide(draft_id, reviewer, "approve", APPROVED, comment, waive)

    def waivers(self, draft_id: str) -> list[waivers.Waiver]:
        with self.store.transaction() as tx:
            return waivers.for_draft(tx, draft_id)

    def reject(self, draft_id: str, reviewer: str, reason: str) -> Draft:
        if not reason.strip():
            raise InputError("a rejection needs a reason the author can act on", field="reason")
        return self._decide(draft_id, reviewer, "reject", REJECTED, reason)

    def _decide(
        self,
        draft_id: str,
        reviewer: str,
        action: str,
        to_state: str,
        note: str | None,
        waive: dict[str, str] | None = None,
    ) -> Draft:
        self.get(draft_id)  # a clear error for an unknown id, before taking the write lock
        moment = self.clock()
        waive = waive or {}
        with self.store.transaction() as tx:
            draft = drafts.get(tx, draft_id)
            assert draft is not None
            refusal = self._refusal(draft, reviewer, action, waive)
            outcome = "refused" if refusal else "ok"
            if refusal is None:
                moved = drafts.transition(
                    tx,
                    draft_id,
                    from_state=PENDING,
                    to_state=to_state,
                    by=reviewer,
                    at=moment.isoformat(),
                    note=note,
                    approved_hash=draft.content_hash if to_state == APPROVED else None,
                )
                if not moved:
                    outcome = "conflict"
            if outcome == "ok":
                for rule, reason in sorted(waive.items()):
                    waivers.record(
                        tx,
                        waivers.Waiver(
                            draft_id, rule, draft.content_hash, reviewer, reason.strip(), moment.isoformat()
                        ),
                    )
                    audit.append(
                        tx,
                        at=moment,
                        actor=reviewer,
                        action="waive",
                        incident_id=draft.incident_id,
                        draft_id=draft_id,
                        detail={"rule": rule, "reason": reason.strip(), "content_hash": draft.content_hash},
                    )
            audit.append(
                tx,
                at=moment,
                actor=reviewer,
                action=action,
                outcome=outcome,
                incident_id=draft.incident_id,
                draft_id=draft_id,
                detail={
                    "note": note,
                    "content_hash": draft.content_hash,
                    **({"waived": sorted(waive)} if waive else {}),
                    **({"reason": refusal} if refusal else {}),
                },
            )
        if refusal:
            raise ReviewRefused(refusal)
        if outcome == "conflict":
            latest = self.get(draft_id)
            raise ConflictError(
                f"{draft_id} was {latest.state} by {latest.decided_by} at {latest.decided_at} "
                f"while you were deciding; your {action} was not applied"
            )
        return self.get(draft_id)

    def _refusal(self, draft: Draft, reviewer: str, action: str, waive: dict[str, str]) -> str | None:
        if draft.state == SUPERSEDED:
            return f"{draft.id} was {draft.decision_note or 'superseded'}; review the newest revision instead"
        if draft.state != PENDING:
            by = f" by {draft.decided_by}" if draft.decided_by else ""
            return f"{draft.id} is already {draft.state}{by}; only a pending draft can be decided"
        if action == "approve":
            if self.four_eyes and reviewer == draft.author:
                return (
                    f"{reviewer} wrote {draft.id} and cannot approve it too (four-eyes); "
                    "ask another reviewer, or set [review] four_eyes = false for a solo team"
                )
            problem = _waiver_problem(draft.id, merged_findings(draft.report), waive)
            if problem:
                return problem
            blocking = sorted(set(blocking_rules(draft.report)) - set(waive))
            if draft.verdict == "blocked" and (blocking or not waive):
                return (
                    f"{draft.id} is blocked by the policy layer ({', '.join(blocking)}); fix the record and "
                    "draft it again, or waive a finding that is wrong for this draft with --waive RULE --reason"
                )
            if content_hash(draft.messages) != draft.content_hash:
                return f"{draft.id}'s messages changed after it was drafted; draft it again"
        return None

    def diff(self, draft_id: str, other_id: str | None = None) -> str:
        """What changed, channel by channel, since the previous revision (or another draft)."""
        draft = self.get(draft_id)
        if other_id:
            base = self.get(other_id)
        else:
            with self.store.transaction() as tx:
                found = drafts.previous(tx, draft)
            if found is None:
                return f"{draft.id} is the first revision of {draft.incident_id}; nothing to compare\n"
            base = found
        out = []
        for field in sorted(set(base.record) | set(draft.record)):
            if base.record.get(field) != draft.record.get(field):
                out.append(f"record.{field}: {base.record.get(field)!r} -> {draft.record.get(field)!r}\n")
        for channel in sorted(set(base.messages) | set(draft.messages)):
            for part in ("subject", "text", "markdown", "json"):
                before = _text(base.messages.get(channel, {}).get(part))
                after = _text(draft.messages.get(channel, {}).get(part))
                if before != after:
                    out += difflib.unified_diff(
                        before.splitlines(keepends=True),
                        after.splitlines(keepends=True),
                        fromfile=f"{base.id}/{channel}.{part}",
                        tofile=f"{draft.id}/{channel}.{part}",
                    )
        return "".join(out) or f"{draft.id} sends the same messages as {base.id}\n"

    def audit(self, subject: str | None = None) -> list[audit.Entry]:
        return audit.entries(self.store, subject)

    def approval_holds(self, draft: Draft) -> bool:
        """Approved, its messages exactly what was approved, and that approval in the keyed audit
        log (a draft set to approved by SQL has the first two and not the third)."""
        return draft.approval_holds and audit.approval_holds(self.store, draft.id, draft.content_hash)

    def verify(self, head: dict[str, Any] | None = None) -> list[str]:
        return audit.verify(self.store, head)

    def audit_head(self) -> dict[str, Any]:
        return audit.export_head(self.store, self.clock())


def _waiver_problem(draft_id: str, findings: list[DraftFinding], waive: dict[str, str]) -> str | None:
    """Why these waivers cannot be given, if they cannot: a rule with no finding here, or one that
    protects someone other than us (privacy) or that nothing checked (language.unchecked)."""
    categories = {f.rule: f.category for f in findings}
    for rule in sorted(waive):
        if rule not in categories:
            hint = did_you_mean(rule, categories)
            return f"{draft_id} has no finding of rule {rule!r} to waive" + (f"; {hint}" if hint else "")
        if categories[rule] in waivers.UNWAIVABLE:
            return f"{rule} ({categories[rule]}) cannot be waived: fix the record " + (
                "(take the customer's name out of public text)"
                if categories[rule] == "privacy"
                else "(add rule packs for the language, or drop the translation)"
            )
    return None


def _compose(
    incident: Incident, policy: Policy, renderer: Renderer, explain_cause: bool, suffix: str
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """One language's messages, policy report and whether it blocks; names carry the language suffix."""
    from notify.policy.consistency import check as consistency
    from notify.policy.judge import blocks
    from notify.render.messages import CHANNEL_AUDIENCE, CHANNELS

    results = {
        a: policy.check_incident(incident, a, explain_cause=explain_cause)
        for a in dict.fromkeys(CHANNEL_AUDIENCE.values())
    }
    blocked = bool(blocks(results))
    channels = CHANNELS if not suffix else [c for c in CHANNELS if c != "internal"]  # staff read one language
    # stored as they would be sent: a blocked draft is never sent unless a reviewer waives what blocks it,
    # and its suggestions are shown beside its findings, never written into the messages
    rendered = renderer.render(incident, results, channels)
    # subscribers get the public email; the affected customers named in the record get "email"
    rendered["email_public"] = renderer.render(incident, results, ["email"], audience="public")["email"]
    messages = {
        c + suffix: {**m.parts, **({"measures": m.measures} if m.measures else {})} for c, m in rendered.items()
    }
    report: dict[str, Any] = {
        a + suffix: {
            "verdict": r.verdict,
            "findings": [f.as_dict() for f in r.findings],
            "rewrites": [w.as_dict() for w in r.rewrites],
        }
        for a, r in sorted(results.items())
    }
    unsuffixed = {c: m for c, m in messages.items() if c.endswith(suffix)} if suffix else messages
    agreement = consistency(
        incident, {c.removesuffix(suffix): m for c, m in unsuffixed.items()}, results["public"].fields.get("remedy", "")
    )
    agreed = not any(f.severity == "error" for f in agreement)
    report["consistency" + suffix] = {
        "verdict": "pass" if agreed else "blocked",
        "findings": [f.as_dict() for f in agreement],
        "rewrites": [],
    }
    return messages, report, blocked or not agreed


def _note(message: str) -> dict[str, Any]:
    return _finding("component-unmapped", "source.unmapped", "warning", "components", message)


def _unchecked(language: str) -> dict[str, Any]:
    message = (
        f"There are no rule packs for {language!r}, so nothing checked that text; "
        f"add policies/i18n/{language}/ or remove the translation."
    )
    return _finding("language-unchecked", "language.unchecked", "error", f"translations.{language}", message)


def _finding(rule: str, category: str, severity: str, field: str, message: str) -> dict[str, Any]:
    """A finding the review service raises itself, in the shape the policy layer's findings have."""
    return {
        "rule": rule,
        "category": category,
        "severity": severity,
        "action": "flag",
        "field": field,
        "start": 0,
        "end": 0,
        "text": "",
        "replacement": None,
        "message": message,
        "suggestion": None,
        "fixed": False,
    }


def blocking_rules(report: dict[str, Any]) -> list[str]:
    """The rules whose findings block a draft: errors left unfixed on a customer-facing audience."""
    return sorted(
        {
            f["rule"]
            for audience, result in report.items()
            if not audience.startswith("internal")
            for f in result["findings"]
            if f["severity"] == "error" and not f.get("fixed")
        }
    )


@dataclass(frozen=True, slots=True)
class DraftFinding(Finding):
    """A finding as stored with a draft, with the audience (and language) whose check raised it."""

    audience: str = ""


def merged_findings(report: dict[str, Any]) -> list[DraftFinding]:
    """A draft's findings across its audiences and languages, each once, with the audience that raised it."""
    return [
        DraftFinding(**{k: item[k] for k in FINDING_FIELDS if k in item}, audience=item["audience"])
        for item in _merged(report, "findings", ("rule", "field", "start"))
    ]


def merged_rewrites(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A draft's rewrites across audiences, each before/after once."""
    return _merged(report, "rewrites", ("field", "before", "after"))


def _merged(report: dict[str, Any], part: str, identity: tuple[str, ...]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for audience, result in report.items():
        for item in result[part]:
            key = tuple(item[name] for name in identity)
            if key not in seen:
                seen.add(key)
                out.append({**item, "audience": audience})
    return out


def _incident_lock(incident_id: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(incident_id.encode()).digest()[:7], "big")


def latest_record(store: Store, incident_id: str) -> dict[str, Any] | None:
    """The newest revision's record, or None for an incident never drafted."""
    with store.read() as tx:
        return drafts.latest_record(tx, incident_id)


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if text.endswith("\n") else text + "\n"
