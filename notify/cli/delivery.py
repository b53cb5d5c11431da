"""`notify send`: thin over dispatch; progress on a terminal, a summary at the end, JSON for scripts."""

from __future__ import annotations

import json
import signal
import sys
from datetime import timedelta
from typing import Any

import click

from notify.cli import common
from notify.cli.common import db_option

EXIT_DELIVERY_FAILED = 3


@click.command()
@click.argument("draft_id", required=False)
@click.option(
    "--smtp",
    "smtp_url",
    envvar="NOTIFY_SMTP_URL",
    metavar="URL",
    help="smtp://user:pass@host:587?starttls=1 or smtps://host:465 (or $NOTIFY_SMTP_URL; "
    "credentials also from $NOTIFY_SMTP_USERNAME and $NOTIFY_SMTP_PASSWORD).",
)
@click.option(
    "--subscribers",
    "subscribers_path",
    type=click.Path(dir_okay=False),
    help="CSV or YAML (email, components, customer, token, language), or 'store' for confirmed sign-ups.",
)
@click.option("--from", "sender", envvar="NOTIFY_FROM", default=None, help="'Example Status <status@example.com>'.")
@click.option(
    "--unsubscribe-url",
    envvar="NOTIFY_UNSUBSCRIBE_URL",
    help="One-click unsubscribe endpoint (https); the recipient's token is added to it.",
)
@click.option(
    "--unsubscribe-mailbox",
    envvar="NOTIFY_UNSUBSCRIBE_MAILBOX",
    metavar="ADDRESS",
    help="A mailbox someone reads for unsubscribe requests (with or instead of --unsubscribe-url).",
)
@click.option(
    "--page-url", envvar="NOTIFY_PAGE_URL", metavar="URL", help="The public status page every email links (https)."
)
@click.option(
    "--reply-address",
    envvar="NOTIFY_REPLY_ADDRESS",
    metavar="ADDRESS",
    help="Where notify serve takes replies ([inbound] address): Reply-To becomes the incident's tagged address.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 200), default=8, show_default=True, help="SMTP connections at once."
)
@click.option("--worker", is_flag=True, help="Only send what is already queued (run several, on several machines).")
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing, queue nothing.")
@click.option("--retry-base", type=float, default=2.0, show_default=True, help="Seconds before the first retry.")
@click.option("--max-attempts", type=click.IntRange(1, 50), default=6, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def send(
    draft_id: str | None,
    smtp_url: str | None,
    subscribers_path: str | None,
    sender: str | None,
    unsubscribe_url: str | None,
    unsubscribe_mailbox: str | None,
    page_url: str | None,
    reply_address: str | None,
    concurrency: int,
    worker: bool,
    dry_run: bool,
    retry_base: float,
    max_attempts: int,
    fmt: str,
    db: str | None,
) -> None:
    """Email an approved draft to its subscribers and affected customers, through the outbox.

    Only an approved draft whose messages are byte for byte what was approved is sent. Run it
    again after a crash or Ctrl-C: it resumes, and nobody is mailed twice except a message that
    was in flight. Exit 3 when some messages failed for good.

    \b
    Example:
      notify send INC-1042-r1 --smtp smtp://localhost:2525 --subscribers subscribers.csv \\
          --from 'Example Status <status@example.com>'
    """
    from notify.delivery import dispatch
    from notify.delivery.mailer import check_page_url, check_unsubscribe, parse_smtp_url, sender_address
    from notify.delivery.reply_tags import reply_address as tagged_reply_address
    from notify.delivery.sender import Options
    from notify.errors import InputError
    from notify.resources import secret_key
    from notify.review import sending
    from notify.store import outbox

    server = common.remote()
    if server is not None:  # the service sends with its own [smtp] settings to its own subscribers
        common.only_local("smtp_url", "subscribers_path", "sender", "unsubscribe_url", "unsubscribe_mailbox",
                          "page_url", "reply_address", "worker", "dry_run", "db")  # fmt: skip
        if draft_id is None:
            raise click.UsageError("name the draft to send")
        answer = server.send(draft_id)
        if fmt == "json":
            click.echo(json.dumps(answer, indent=2))
        else:
            click.echo(f"sent {answer['sent']}, retried {answer['retried']}, failed {answer['failed']}")
        if answer["failed"]:
            sys.exit(EXIT_DELIVERY_FAILED)
        return
    if not smtp_url:
        raise click.UsageError("where is the mail server? pass --smtp URL (or set NOTIFY_SMTP_URL)")
    settings = parse_smtp_url(smtp_url)
    unsubscribe_url, unsubscribe_mailbox = check_unsubscribe(unsubscribe_url, unsubscribe_mailbox)
    page_url = check_page_url(page_url)
    review = common.review_service(db)
    if draft_id is None and not worker:
        raise click.UsageError("name the draft to send (or pass --worker to help with what is queued)")
    if not sender:
        raise InputError(
            "who is it from? pass --from 'Example Status <status@example.com>' or set NOTIFY_FROM", field="--from"
        )
    from_address = sender_address(sender)
    drafts_to_send = [sending.sendable(review, draft_id)] if draft_id else _queued_drafts(review)
    if not worker:
        if not subscribers_path:
            raise InputError("who should get it? pass --subscribers FILE", field="--subscribers")
        subscribers, problems = sending.subscribers(review, subscribers_path, secret_key())
        send_plan = dispatch.plan(drafts_to_send[0], subscribers, secret_key(), from_address.domain)
        if dry_run:
            for _ in send_plan.rows:  # counted, not kept
                pass
        else:
            sending.enqueue(review, send_plan, common.current_user())
        for problem in problems:
            click.echo(f"{subscribers_path}:{problem.line}: {problem.message}", err=True)
        if dry_run:
            _print_plan(send_plan, fmt, problems)
            return
    elif dry_run:
        raise click.UsageError("--dry-run plans a send; a worker only sends what is queued")
    envelope = (
        dispatch.envelope_for(
            drafts_to_send[0],
            from_address,
            unsubscribe_url,
            unsubscribe_mailbox,
            page_url,
            tagged_reply_address(secret_key(), drafts_to_send[0].incident_id, reply_address) if reply_address else None,
        )
        if drafts_to_send
        else None
    )
    if envelope is None:
        click.echo("nothing queued", err=True)
        return
    options = Options(
        concurrency=concurrency, retry_base=retry_base, max_attempts=max_attempts, lease=timedelta(minutes=5)
    )
    waiting = [outbox.counts(review.store, d.id) for d in drafts_to_send]
    total = sum(c[outbox.QUEUED] + c[outbox.SENDING] for c in waiting)
    summary = _deliver(review, drafts_to_send, settings, envelope, draft_id, options, total, fmt)
    results = {d.id: sending.finish(review, d, common.current_user()) for d in drafts_to_send}
    skipped = send_plan.skipped if not worker else 0
    summary.skipped = skipped
    if fmt == "json":
        click.echo(json.dumps({**summary.as_dict(), "outbox": results}, indent=2))
    else:
        for recipient, error in summary.failures:
            click.echo(f"failed: {recipient}: {error}", err=True)
        click.echo(
            f"sent {summary.sent}, retried {summary.retried}, failed {summary.failed}, "
            f"skipped {summary.skipped} (not following these components)"
        )
    if summary.failed:
        sys.exit(EXIT_DELIVERY_FAILED)


def _queued_drafts(review: Any) -> list[Any]:
    from notify.review import sending
    from notify.store import outbox

    return [sending.sendable(review, i) for i in outbox.unfinished_drafts(review.store)]


def _deliver(
    review: Any,
    drafts_to_send: list[Any],
    settings: Any,
    envelope: Any,
    draft_id: str | None,
    options: Any,
    total: int,
    fmt: str,
) -> Any:
    import asyncio

    from notify.delivery import dispatch
    from notify.store.outbox import worker_name

    def hook_signals(sender: Any) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, sender.stop)
        loop.add_signal_handler(signal.SIGTERM, sender.stop)

    def run(on_progress: Any = None) -> Any:
        return asyncio.run(
            dispatch.deliver(
                review.store,
                review.clock,
                drafts_to_send,
                settings,
                envelope,
                draft_id=draft_id,
                worker=worker_name(),
                options=options,
                on_progress=on_progress,
                on_start=hook_signals,
            )
        )

    if fmt != "text" or not sys.stderr.isatty():
        return run()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.speed} msg/s"),
        TimeRemainingColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("send", total=total)

        def advance(kind: str) -> None:
            if kind in ("sent", "failed"):
                progress.advance(task)

        return run(advance)


def _print_plan(send_plan: Any, fmt: str, problems: list[Any]) -> None:
    counts = send_plan.by_audience
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "draft": send_plan.draft.id,
                    "recipients": send_plan.recipients,
                    "by_audience": counts,
                    "skipped": send_plan.skipped,
                    "bad_rows": len(problems),
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"{send_plan.draft.id}: would send {send_plan.recipients} email(s) "
        f"({', '.join(f'{n} {a}' for a, n in sorted(counts.items())) or 'none'}); "
        f"{send_plan.skipped} subscriber(s) do not follow these components; {len(problems)} bad row(s)"
    )
    email = send_plan.draft.messages["email_public" if counts.get("public") else "email"]
    click.echo(f"Subject: {email['subject']}")


COMMANDS = [send]


@click.command()
@click.argument("draft_id")
@click.option(
    "--site", "site_dir", type=click.Path(file_okay=False), help="Where to write the site (not with --server)."
)
@click.option("--title", default="Status", show_default=True, help="The status page's name.")
@click.option("--base-url", default="", help="Where the site is served, for the feed's links.")
@click.option(
    "--statuspage",
    "page_id",
    metavar="PAGE_ID",
    help="Also post to this Atlassian Statuspage page (API key from $STATUSPAGE_API_KEY).",
)
@click.option(
    "--deliver-notifications/--no-deliver-notifications",
    default=False,
    show_default=True,
    help="Whether Statuspage emails its own subscribers (notify send already emails yours).",
)
@db_option
def publish(
    draft_id: str,
    site_dir: str | None,
    title: str,
    base_url: str,
    page_id: str | None,
    deliver_notifications: bool,
    db: str | None,
) -> None:
    """Publish an approved draft's status entry and rebuild the static status site.

    The site holds every published update: current status per component, open incidents, a
    90-day history bar per component, a page per incident, Statuspage's v2 API documents,
    notify.json, and the Atom and RSS feeds.

    \b
    Example:
      notify publish INC-1042-r1 --site public/ --title "Example Status"
    """
    from pathlib import Path

    from notify.render.site import build_site
    from notify.review import sending

    server = common.remote()
    if server is not None:  # the service's own page shows it at once
        common.only_local("site_dir", "title", "base_url", "page_id", "db")
        click.echo(f"published {server.publish(draft_id).id}")
        return
    if not site_dir:
        raise click.UsageError("where does the site go? pass --site DIR")
    review = common.review_service(db)
    draft = sending.sendable(review, draft_id)
    if page_id:
        from notify.delivery import statuspage

        catalog = common.config().catalog
        remote = statuspage.post(
            review.store,
            draft,
            page_id,
            statuspage.token_from_env(),
            deliver_notifications=deliver_notifications,
            catalog=catalog,
        )
        click.echo(f"posted {draft.id} to Statuspage page {page_id} (incident {remote})")
        for name in statuspage.unmapped_components(draft, catalog):
            click.echo(
                f"warning: component {name!r} has no statuspage_id in notify.toml's [[components]]; "
                "its status on Statuspage is unchanged",
                err=True,
            )
    sending.publish(review, draft.id, common.current_user(), {"site": str(Path(site_dir).resolve())})
    now = review.clock()
    published = review.published()
    catalog = common.config().catalog
    from notify.store import component_status

    by_hand = component_status.levels(review.store)
    written = build_site(
        published,
        Path(site_dir),
        now=now,
        title=title,
        base_url=base_url,
        catalog=catalog,
        set_by_hand=by_hand,
        branding=common.config().branding,
    )
    click.echo(f"published {draft.id}; wrote {len(written)} files to {site_dir}")


COMMANDS.append(publish)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; one per CPU core for the most webhooks a second.",
)
@db_option
def serve(host: str, port: int, workers: int, db: str | None) -> None:
    """Run the service: webhooks in (/hooks/...), review pages (/review), the status page (/).

    Each process drafts in 2 threads ($NOTIFY_THREADS), or 1 when there are several processes.

    Settings and secrets come from notify.toml (--config) and the environment
    (NOTIFY_PAGERDUTY_SECRET, NOTIFY_INCIDENTIO_SECRET, NOTIFY_GRAFANA_SECRET,
    NOTIFY_ALERTMANAGER_TOKEN, NOTIFY_OPSGENIE_TOKEN, NOTIFY_HOOK_TOKEN); secrets are never logged.

    \b
    Example:
      notify --config notify.toml serve --port 8080
    """
    import logging
    import os

    import uvicorn

    from notify.web.app import create_app
    from notify.web.protocol import HTTP

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config_path = click.get_current_context().find_root().obj
    if workers > 1:  # several processes: each builds the app from the environment
        os.environ.setdefault("NOTIFY_THREADS", "1")  # processes share the cores; more threads only queue
        if config_path:
            os.environ["NOTIFY_CONFIG"] = config_path
        if db:
            os.environ["NOTIFY_DB"] = db
        uvicorn.run("notify.web.app:app", host=host, port=port, workers=workers, access_log=False, http=HTTP)
        return
    uvicorn.run(
        create_app(config_path, db), host=host, port=port, access_log=False, timeout_graceful_shutdown=10, http=HTTP
    )


@click.command(name="hash-password")
def hash_password_command() -> None:
    """Print a password hash for a [[reviewers]] entry in notify.toml (asks for the password).

    \b
    Example:
      notify hash-password
    """
    from notify.web.auth import hash_password

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    click.echo(hash_password(password))


COMMANDS += [serve, hash_password_command]


@click.command(name="post")
@click.argument("draft_id")
@click.option(
    "--to",
    "destinations",
    multiple=True,
    required=True,
    metavar="KIND:URL",
    help="slack:URL, teams:URL (a Teams Workflows webhook: an Adaptive Card), teams-connector:URL (a legacy"
    " Office 365 connector: a MessageCard), webhook:URL (signed), mastodon:INSTANCE-URL or bluesky:PDS-URL"
    " (the approved social post; credentials from the environment), repeatable.",
)
@click.option("--webhook-secret", envvar="NOTIFY_OUTBOUND_SECRET", help="whsec_… key for webhook: destinations.")
@click.option(
    "--page-url",
    envvar="NOTIFY_PAGE_URL",
    metavar="URL",
    help="The public status page, linked from the Slack message and the social posts (https).",
)
@click.option("--retry-base", type=float, default=2.0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def post_command(
    draft_id: str,
    destinations: tuple[str, ...],
    webhook_secret: str | None,
    page_url: str | None,
    retry_base: float,
    fmt: str,
    db: str | None,
) -> None:
    """Post an approved update to Slack, Microsoft Teams, a signed webhook, Mastodon or Bluesky, through the outbox.

    Temporary failures (429, 5xx, timeouts) are retried with backoff; run it again to resume, and
    nothing is posted twice (Mastodon's Idempotency-Key, Bluesky's record key). Exit 3 when a
    destination failed for good. Mastodon takes $NOTIFY_MASTODON_TOKEN; Bluesky takes
    $NOTIFY_BLUESKY_HANDLE and $NOTIFY_BLUESKY_APP_PASSWORD (an app password).

    \b
    Example:
      notify post INC-1042-r1 --to slack:https://hooks.slack.com/services/T0/B0/x \\
          --to webhook:https://ops.example.com/notify --webhook-secret whsec_...
    """
    from notify.delivery import outbound, social
    from notify.errors import InputError
    from notify.review import sending
    from notify.store.outbox import worker_name

    if page_url and not (page_url.startswith("https://") and len(page_url) <= 3000 and " " not in page_url):
        raise InputError(f"{page_url[:60]!r} is not an https:// address", field="--page-url")
    review = common.review_service(db)
    draft = sending.sendable(review, draft_id)
    parsed = [outbound.parse_destination(d) for d in destinations]
    accounts = social.Accounts.from_env()
    kinds = {kind for kind, _ in parsed}
    accounts.check(kinds)
    if kinds & set(social.KINDS):
        social.post_text(draft, page_url)  # the post links the page: refuse now, not after queueing
    outbound.enqueue(review.store, review.clock, draft, parsed)
    summary = outbound.deliver(
        review.store,
        review.clock,
        draft,
        secret=webhook_secret,
        worker=worker_name(),
        retry_base=retry_base,
        page_url=page_url,
        accounts=accounts,
    )
    _report_posts(summary, fmt, "posted")


def _report_posts(summary: dict[str, Any], fmt: str, verb: str) -> None:
    """What an outbound run did, as JSON or a line; exit 3 when something failed for good."""
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        for failure in summary["failures"]:
            click.echo(f"failed: {failure['destination']}: {failure['error']}", err=True)
        click.echo(f"{verb} {summary['sent']}, retried {summary['retried']}, failed {summary['failed']}")
    if summary["failed"]:
        sys.exit(EXIT_DELIVERY_FAILED)


COMMANDS.append(post_command)


@click.command(name="sms")
@click.argument("draft_id")
@click.option("--retry-base", type=float, default=2.0, show_default=True, help="Seconds before the first retry.")
@click.option("--dry-run", is_flag=True, help="Say how many numbers would get it; send nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def sms_command(draft_id: str, retry_base: float, dry_run: bool, fmt: str, db: str | None) -> None:
    """Text an approved draft's SMS to the confirmed numbers that follow its components, through Twilio.

    Through the outbox like email: retried on 429 and 5xx, resumable after a crash, never twice
    except a message in flight. A number whose owner replied STOP is stopped for good. The Twilio
    account comes from $NOTIFY_TWILIO_ACCOUNT_SID, $NOTIFY_TWILIO_AUTH_TOKEN and $NOTIFY_TWILIO_FROM
    ($NOTIFY_TWILIO_API for another base URL). Exit 3 when some failed for good.

    \b
    Example:
      notify sms INC-1042-r1
    """
    from notify.delivery import outbound
    from notify.delivery.sms import Twilio
    from notify.review import sending
    from notify.store import sms_subscriptions
    from notify.store.outbox import worker_name

    review = common.review_service(db)
    draft = sending.sendable(review, draft_id)
    phones = sms_subscriptions.following(review.store, draft.record.get("components") or [])
    if dry_run:
        click.echo(f"{draft.id}: would text {len(phones)} number(s): {draft.messages['sms']['text'].strip()}")
        return
    twilio = Twilio.from_env()
    outbound.enqueue(review.store, review.clock, draft, [("sms", phone) for phone in phones])
    summary = outbound.deliver(
        review.store, review.clock, draft, secret=None, worker=worker_name(), retry_base=retry_base, twilio=twilio
    )
    _report_posts(summary, fmt, "texted")


COMMANDS.append(sms_command)


@click.command()
@click.option("--now", "now_text", metavar="ISO-TIME", help="Act as if it were this time (for testing a schedule).")
@click.option(
    "--remind-before",
    type=click.IntRange(1, 7 * 24 * 60),
    default=60,
    show_default=True,
    help="Minutes before a maintenance starts to remind subscribers.",
)
@click.option("--smtp", "smtp_url", envvar="NOTIFY_SMTP_URL", metavar="URL", help="Email each step (else only drafts).")
@click.option("--subscribers", "subscribers_path", type=click.Path(dir_okay=False))
@click.option("--from", "sender", envvar="NOTIFY_FROM")
@click.option("--unsubscribe-url", envvar="NOTIFY_UNSUBSCRIBE_URL", help="One-click unsubscribe endpoint (https).")
@click.option("--unsubscribe-mailbox", envvar="NOTIFY_UNSUBSCRIBE_MAILBOX", metavar="ADDRESS")
@click.option("--page-url", envvar="NOTIFY_PAGE_URL", metavar="URL", help="The public status page every email links.")
@click.option("--site", "site_dir", type=click.Path(file_okay=False), help="Rebuild the status site after a step.")
@db_option
def tick(
    now_text: str | None,
    remind_before: int,
    smtp_url: str | None,
    subscribers_path: str | None,
    sender: str | None,
    unsubscribe_url: str | None,
    unsubscribe_mailbox: str | None,
    page_url: str | None,
    site_dir: str | None,
    db: str | None,
) -> None:
    """Move scheduled maintenance along: a reminder before it starts, in progress, completed.

    Run it every minute (cron or a timer). Only maintenance a person approved moves on its own.

    \b
    Example:
      notify tick --smtp smtp://localhost:25 --subscribers subscribers.csv --from status@example.com \\
          --unsubscribe-url https://status.example.com/unsubscribe
    """
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from notify.delivery.mailer import check_page_url, check_unsubscribe, parse_smtp_url, sender_address
    from notify.errors import InputError
    from notify.render.site import build_site
    from notify.resources import secret_key
    from notify.review import maintenance, sending

    review = common.review_service(db)
    if smtp_url and subscribers_path and sender:  # it will email: check before moving anything
        unsubscribe_url, unsubscribe_mailbox = check_unsubscribe(unsubscribe_url, unsubscribe_mailbox)
        page_url = check_page_url(page_url)
    if now_text:
        try:
            fixed = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{now_text!r} is not a time; write it like 2026-12-05T01:05:00Z", field="--now") from None
        review.clock = lambda: fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)
    steps = maintenance.tick(review, review.clock(), timedelta(minutes=remind_before))
    for step in steps:
        click.echo(f"{step.incident_id}: {step.action} -> {step.draft.id} ({step.draft.state})")
        if step.draft.state != "approved":
            continue
        if smtp_url and subscribers_path and sender:
            subscribers, problems = sending.subscribers(review, subscribers_path, secret_key())
            summary = sending.send_now(
                review,
                step.draft,
                subscribers,
                parse_smtp_url(smtp_url),
                sender_address(sender),
                unsubscribe_url,
                common.current_user(),
                unsubscribe_mailbox=unsubscribe_mailbox,
                page_url=page_url,
            )
            for problem in problems:  # known once the list was read
                click.echo(f"{subscribers_path}:{problem.line}: {problem.message}", err=True)
            click.echo(f"  emailed {summary.sent}, failed {summary.failed}")
        elif step.action != "remind":
            sending.publish(review, step.draft.id, maintenance.SCHEDULER, {"via": "tick"})
    if site_dir and steps:
        build_site(review.published(), Path(site_dir), now=review.clock(), catalog=common.config().catalog)
    if not steps:
        click.echo("nothing to do", err=True)


COMMANDS.append(tick)
