"""The review commands: draft, drafts, show, diff, approve, reject, audit. Thin: parse, call review, print."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from notify.cli import common
from notify.cli.common import db_option, format_option

if TYPE_CHECKING:
    from notify.record.draft import Draft


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--as", "author", help="Who drafted it (default: your user name).")
@db_option
@format_option
@click.option("--policy", "policy_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option("--templates", "template_dirs", multiple=True, type=click.Path(file_okay=False))
def draft(
    file: str,
    author: str | None,
    db: str | None,
    fmt: str,
    policy_dirs: tuple[str, ...],
    template_dirs: tuple[str, ...],
) -> None:
    """Check and render an incident record and store it as a pending draft for review.

    Prints the new draft's id. A newer draft of the same incident supersedes the older pending one.
    A draft the policy layer blocks is stored, but cannot be approved.

    \b
    Example:
      notify draft examples/identified.yaml --as dana
    """
    from notify.record.sources import load_incident

    incident = load_incident(file)
    server = common.remote()
    if server is not None:  # the service checks and renders it with its own packs and templates
        common.no_identity_with_a_server(author)
        stored = server.create(incident)
    else:
        stored = common.review_service(
            db, for_drafting=True, extra_policy=policy_dirs, extra_templates=template_dirs
        ).create(incident, author or common.current_user())
    if fmt == "json":
        click.echo(json.dumps(stored.summary()))
    else:
        click.echo(stored.id)
    if stored.verdict == "blocked":
        click.echo(
            f"{stored.id} is blocked by the policy layer and cannot be approved as it is; "
            f"`notify show {stored.id}` says why",
            err=True,
        )


@click.command(name="drafts")
@click.option("--state", type=click.Choice(["pending", "approved", "rejected", "published", "superseded"]))
@click.option("--incident", "incident_id", help="Only this incident's drafts.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="Drafts a page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Which page, newest first.")
@db_option
@format_option
def list_drafts(state: str | None, incident_id: str | None, limit: int, page: int, db: str | None, fmt: str) -> None:
    """List drafts, newest first.

    \b
    Example:
      notify drafts --state pending
    """
    from notify.errors import InputError
    from notify.store.drafts import MAX_PAGE

    server = common.remote()
    if server is not None and limit > MAX_PAGE:
        raise InputError(f"the server pages at most {MAX_PAGE} drafts at a time", field="--limit")
    found, total = (server or common.review_service(db)).summaries(state, incident_id, limit, page)
    if fmt == "json":
        click.echo(json.dumps([d.summary() for d in found], indent=2))
        return
    if not found:
        click.echo("no drafts" + (f" in state {state}" if state else ""), err=True)
        return
    rows = [("ID", "INCIDENT", "REV", "STATE", "VERDICT", "AUTHOR", "AGE")]
    rows += [(d.id, d.incident_id, str(d.revision), d.state, d.verdict, d.author, _age(d.created_at)) for d in found]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if total > page * limit:
        click.echo(f"{len(found)} of {total} shown; --page {page + 1} for the next {limit}", err=True)


def _age(created_at: str, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - datetime.fromisoformat(created_at)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


@click.command()
@click.argument("draft_id")
@click.option("--channel", type=click.Choice(["email", "status", "social", "sms", "internal"]))
@db_option
@format_option
def show(draft_id: str, channel: str | None, db: str | None, fmt: str) -> None:
    """Print a draft's messages as they will be sent, its findings and each rewrite before/after.

    \b
    Example:
      notify show INC-1042-r1 --channel email
    """
    review = common.remote() or common.review_service(db)
    stored = review.get(draft_id)
    holds = review.approval_holds(stored)
    given = review.waivers(draft_id)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    **stored.summary(),
                    "approval_holds": holds,
                    "waivers": [w.as_dict() for w in given],
                    "messages": stored.messages,
                    "report": stored.report,
                },
                indent=2,
            )
        )
        return
    click.echo(_header(stored, holds))
    for w in given:
        click.echo(f"waived [{w.rule}] by {w.waived_by} at {w.at}: {w.reason}")
    for name, parts in stored.messages.items():
        if channel and name != channel:
            continue
        click.echo(f"\n━━ {name} ━━")
        if "subject" in parts:
            click.echo(f"Subject: {parts['subject']}\n")
        click.echo((parts.get("text") or parts.get("markdown") or "").rstrip())
    _print_report(stored.report)


def _header(stored: Draft, holds: bool) -> str:
    lines = [
        f"{stored.id}: {stored.state}, verdict {stored.verdict}, revision {stored.revision} of "
        f"{stored.incident_id}, drafted by {stored.author} at {stored.created_at}"
    ]
    if stored.decided_by:
        lines.append(
            f"{stored.state} by {stored.decided_by} at {stored.decided_at}"
            + (f": {stored.decision_note}" if stored.decision_note else "")
        )
    if stored.state in ("approved", "published"):
        lines.append(
            "approval holds: the messages are exactly what was approved"
            if holds
            else "APPROVAL DOES NOT HOLD: the messages changed after approval, or the approval is not in the"
            " audit log; nothing will be sent"
        )
    lines.append(f"content hash {stored.content_hash}")
    return "\n".join(lines)


def _print_report(report: dict[str, Any]) -> None:
    from notify.review.service import merged_findings

    findings = merged_findings(report)
    rewrites = [(audience, r) for audience, result in report.items() for r in result["rewrites"]]
    if findings:
        click.echo("\n━━ findings ━━")
        for f in findings:
            quoted = f' "{f.text}"' if f.text else ""
            fixed = " (fixed)" if f.fixed else ""
            click.echo(f"{f.field}: {f.severity} [{f.rule}]{quoted} {f.message}{fixed} ({f.audience})")
            if f.suggestion and not f.fixed:
                click.echo(f"  suggestion: {f.suggestion}")
    if rewrites:
        click.echo("\n━━ rewrites ━━")
        for audience, r in rewrites:
            click.echo(f"{r['field']} [{', '.join(r['rules'])}] ({audience})")
            click.echo(f"  - {r['before']}")
            click.echo(f"  + {r['after'] or '(removed)'}")


@click.command()
@click.argument("draft_id")
@click.argument("other_id", required=False)
@db_option
def diff(draft_id: str, other_id: str | None, db: str | None) -> None:
    """Show what changed since the previous revision (or since OTHER_ID).

    \b
    Example:
      notify diff INC-1042-r2
    """
    click.echo(common.review_service(db).diff(draft_id, other_id), nl=False)


@click.command()
@click.argument("draft_id")
@click.option("--as", "reviewer", help="Who approves it (with --server: the token's person).")
@click.option("--comment", help="Why, for the audit log.")
@click.option(
    "--waive",
    "waived",
    multiple=True,
    metavar="RULE-ID",
    help="Accept this rule's finding for this draft only (repeatable); needs --reason.",
)
@click.option("--reason", help="Why the waived finding is wrong for this draft (kept in the audit log).")
@db_option
def approve(
    draft_id: str,
    reviewer: str | None,
    comment: str | None,
    waived: tuple[str, ...],
    reason: str | None,
    db: str | None,
) -> None:
    """Approve a pending draft. The approval binds to its content hash.

    Refused (exit 1) when the draft is not pending, is blocked by the policy layer (unless every
    blocking rule is waived), or when its author approves it and four-eyes is on. Privacy findings
    and unchecked languages cannot be waived.

    \b
    Examples:
      notify approve INC-1042-r1 --as sam --comment "checked the credit wording with billing"
      notify approve INC-1042-r2 --as sam --waive apology-non-apology --reason "plain, unhedged apology"
    """
    if waived and not (reason or "").strip():
        raise click.UsageError("--waive needs --reason: say why the finding is wrong for this draft")
    if reason and not waived:
        raise click.UsageError("--reason goes with --waive RULE-ID; for a note on the approval use --comment")
    waive = dict.fromkeys(waived, reason or "")
    server = common.remote()
    if server is not None:
        common.no_identity_with_a_server(reviewer)
        decided = server.approve(draft_id, comment, waive)
    else:
        decided = common.review_service(db).approve(draft_id, _named(reviewer, "approves"), comment, waive=waive)
    reviewer = decided.decided_by
    extra = f", waiving {', '.join(waived)}" if waived else ""
    click.echo(f"{decided.id} approved by {reviewer}{extra} (content hash {decided.content_hash[:12]})")


@click.command()
@click.argument("draft_id")
@click.option("--as", "reviewer", help="Who rejects it (with --server: the token's person).")
@click.option("--reason", required=True, help="What the author should change.")
@db_option
def reject(draft_id: str, reviewer: str | None, reason: str, db: str | None) -> None:
    """Reject a pending draft with a reason the author can act on.

    \b
    Example:
      notify reject INC-1042-r1 --as sam --reason "say which regions were affected"
    """
    server = common.remote()
    if server is not None:
        common.no_identity_with_a_server(reviewer)
        decided = server.reject(draft_id, reason)
    else:
        decided = common.review_service(db).reject(draft_id, _named(reviewer, "rejects"), reason)
    click.echo(f"{decided.id} rejected by {decided.decided_by}")


def _named(reviewer: str | None, verb: str) -> str:
    """On the local database the name is taken on trust: it must at least be given."""
    if not reviewer:
        raise click.UsageError(f"who {verb} it? pass --as NAME")
    return reviewer


@click.command(name="audit")
@click.argument("subject", required=False)
@click.option("--verify", is_flag=True, help="Check the hash chain; exit 1 when an entry was changed or removed.")
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False),
    help="Write the newest entry's number and hash here (keep it where the database's writers cannot).",
)
@click.option(
    "--head",
    "head_file",
    type=click.Path(dir_okay=False, exists=True),
    help="With --verify: a file --export wrote; a log cut back behind it fails.",
)
@db_option
@format_option
def audit_log(
    subject: str | None, verify: bool, export_to: str | None, head_file: str | None, db: str | None, fmt: str
) -> None:
    """Print the audit log, for everything or one incident or draft.

    \b
    Examples:
      notify audit INC-1042
      notify audit --export /mnt/elsewhere/notify-head.json
      notify audit --verify --head /mnt/elsewhere/notify-head.json
    """
    from pathlib import Path

    from notify.errors import InputError

    server = common.remote()
    if server is not None and (export_to or head_file):
        raise click.UsageError("--export and --head read the database itself; run them where it is")
    if export_to:
        newest = common.review_service(db).audit_head()
        Path(export_to).write_text(json.dumps(newest) + "\n")
        click.echo(f"audit head: entry {newest.get('seq', 0)} written to {export_to}")
        return
    review = server or common.review_service(db)
    if verify:
        head: dict[str, Any] | None = None
        if head_file:
            try:
                head = json.loads(Path(head_file).read_text())
            except (OSError, ValueError):
                raise InputError("is not a head written by `notify audit --export`", path=head_file) from None
            if not isinstance(head, dict):
                raise InputError("is not a head written by `notify audit --export`", path=head_file)
        problems = review.verify(head)
        count = len(review.audit())
        if fmt == "json":
            click.echo(json.dumps({"intact": not problems, "entries": count, "problems": problems}))
        elif problems:
            for problem in problems:
                click.echo(f"audit: {problem}")
        else:
            click.echo(f"audit log intact: {count} entries, each chained to the one before")
        sys.exit(1 if problems else 0)
    entries = review.audit(subject)
    if fmt == "json":
        click.echo(json.dumps([e.as_dict() for e in entries], indent=2))
        return
    for e in entries:
        note = e.detail.get("note") or e.detail.get("reason") or ""
        if e.action == "waive":
            note = f"[{e.detail.get('rule')}] {note}"
        outcome = "" if e.outcome == "ok" else f" [{e.outcome}]"
        click.echo(
            f"{e.seq:>5}  {e.at}  {e.actor:<12} {e.action:<10}{outcome} {e.draft_id or e.incident_id or ''}"
            + (f"  {note}" if note else "")
        )


@click.command()
@click.argument("incident_id")
@click.option("--as", "author", help="Who drafted it (default: your user name).")
@click.option("--templates", "template_dirs", multiple=True, type=click.Path(file_okay=False))
@db_option
@format_option
def postmortem(incident_id: str, author: str | None, template_dirs: tuple[str, ...], db: str | None, fmt: str) -> None:
    """Draft a customer-facing postmortem of a resolved incident, for the usual review.

    It tells customers what they experienced, what happened (the record's `what_happened`, or else
    the cause cleaned by the policy layer; code or blame it cannot make plain blocks), the timeline,
    what we did, what we are changing (`changes`) and the remedy.

    \b
    Example:
      notify postmortem INC-2003 --as dana
    """
    from notify.review.postmortem import draft_postmortem

    stored = draft_postmortem(
        common.review_service(db, for_drafting=True), incident_id, author or common.current_user(), template_dirs
    )
    click.echo(json.dumps(stored.summary()) if fmt == "json" else stored.id)
    if stored.verdict == "blocked":
        click.echo(f"{stored.id} is blocked by the policy layer; `notify show {stored.id}` says why", err=True)


@click.command(name="replies")
@click.argument("incident_id")
@db_option
@format_option
def list_replies(incident_id: str, db: str | None, fmt: str) -> None:
    """Customers' replies to an incident, newest first: sender, time, their words, answered or not.

    \b
    Example:
      notify replies INC-1042 --format json
    """
    server = common.remote()
    if server is not None:
        found = server.replies(incident_id)
    else:
        from notify.store import replies

        found = [r.as_dict() for r in replies.of_incident(common.review_service(db).store, incident_id)]
    if fmt == "json":
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo(f"no replies to {incident_id}", err=True)
    for r in found:
        state = f"answered by {r['answered_by']}" if r["answered"] else "UNANSWERED"
        click.echo(f"{r['received_at'][:16]}  {r['sender']:<32} {state}")
        for line in (r["text"] or "(no text of their own)").splitlines()[:6]:
            click.echo(f"    {line}")


COMMANDS = [draft, list_drafts, show, diff, approve, reject, audit_log, postmortem, list_replies]
