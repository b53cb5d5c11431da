"""The notify command line: a thin layer that parses, calls the core and prints.

Exit codes: 0 ok, 1 blocked by policy, 2 bad input or usage.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from notify.cli import common
from notify.errors import NotifyError

if TYPE_CHECKING:
    from notify.policy.judge import Policy

AUDIENCE_CHOICES = ("public", "customers", "internal")
CHANNEL_CHOICES = ("email", "status", "social", "sms", "internal", "all")

policy_option = click.option(
    "--policy",
    "policy_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A directory of your own rule packs, read after the bundled ones (repeatable).",
)


LAZY = {  # commands whose modules load only when they run, so `notify check` starts fast
    **dict.fromkeys(
        ["draft", "drafts", "show", "diff", "approve", "reject", "audit", "postmortem", "replies"], "notify.cli.review"
    ),
    **dict.fromkeys(["send", "publish", "serve", "hash-password", "post", "tick", "sms"], "notify.cli.delivery"),
    "token": "notify.cli.tokens",
}


DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


class NotifyGroup(click.Group):
    """Turns notify's own errors into one clear line and their exit code, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY and name not in self.commands:
            import importlib

            for command in importlib.import_module(LAZY[name]).COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NotifyError as exc:
            click.echo(f"notify: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            where = f" writing {exc.filename}" if exc.filename else ""
            click.echo(f"notify: error: the disk is full{where}; free some space and run it again", err=True)
            sys.exit(2)


@click.group(cls=NotifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="notify")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="notify.toml with policy and template directories (default: $NOTIFY_CONFIG, ./notify.toml).",
)
@click.option(
    "--server",
    envvar="NOTIFY_SERVER",
    metavar="URL",
    help="A running notify: draft, drafts, show, approve, reject, publish, send and audit use its API "
    "(token from $NOTIFY_TOKEN) instead of opening the database.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None, server: str | None) -> None:
    """Outage communication that apologises, owns the failure, offers a remedy and speaks plainly.

    \b
    notify new -o incident.yaml              start a record
    notify check incident.yaml               what the policy layer says
    notify render incident.yaml              the email, status page, social, SMS and internal text
    notify draft incident.yaml               store it for review; then notify approve / reject
    notify send DRAFT --smtp URL ...         email it; notify publish DRAFT --site DIR for the page
    notify serve                             webhooks in, review pages, the status page out
    """
    ctx.obj = config_path
    ctx.meta["notify.server"] = server


@main.command()
@click.option("--title", help="One line customers will read as the subject.")
@click.option(
    "--status",
    type=click.Choice(
        ["investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress", "completed"]
    ),
)
@click.option("--severity", type=click.Choice(["minor", "major", "critical", "maintenance"]))
@click.option("--impact", help="What customers experienced, in their words.")
@click.option("--component", "components", multiple=True, help="An affected component (repeatable).")
@click.option(
    "--from-template", "template", metavar="NAME", help="Start from a saved incident template ([incidents] templates)."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(
    template: str | None,
    title: str | None,
    status: str | None,
    severity: str | None,
    impact: str | None,
    components: tuple[str, ...],
    output: str | None,
    force: bool,
) -> None:
    """Write a ready-to-fill incident record (asks for the basics on a terminal).

    \b
    Examples:
      notify new --title "Sign-in failing in Europe" --status investigating -o inc.yaml
      notify new --from-template degraded-performance --component Checkout -o inc.yaml
    """
    from notify.record.scaffold import incident_yaml

    if template:
        _from_template(template, output, force, title=title, status=status, severity=severity, impact=impact,
                       components=list(components))  # fmt: skip
        return
    interactive = sys.stdin.isatty() and not any([title, status, impact])
    if interactive:
        title = click.prompt("Title (what customers will read)")
        status = click.prompt(
            "Status",
            default="investigating",
            type=click.Choice(["investigating", "identified", "monitoring", "resolved"]),
        )
        impact = click.prompt("What are customers experiencing?")
    if output and Path(output).exists() and not force:
        raise click.UsageError(f"{output} already exists; pass --force to overwrite it")
    text = incident_yaml(title=title, status=status, severity=severity, impact=impact, components=list(components))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}; fill in the fields, then: notify check {output}", err=True)
    else:
        click.echo(text, nl=False)


def _from_template(template: str, output: str | None, force: bool, **given: Any) -> None:
    """A record from a saved starting point; what was given on the command line wins."""
    import json
    from datetime import UTC, datetime

    import yaml

    from notify.record import incident_templates
    from notify.record.incident import Incident

    fields = incident_templates.load(common.config().incident_templates, template)
    fields.update({k: v for k, v in given.items() if v})
    record = Incident.model_validate(incident_templates.record_from(fields, datetime.now(UTC)))
    shown = {"id", "started_at", "scheduled_until", "next_update_at", *incident_templates.KEPT}
    data = {k: v for k, v in json.loads(record.model_dump_json()).items() if k in shown and v is not None}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)  # the fields to fill, empty ones too
    if output and Path(output).exists() and not force:
        raise click.UsageError(f"{output} already exists; pass --force to overwrite it")
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} from the {template!r} template; then: notify check {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--channel", type=click.Choice(CHANNEL_CHOICES), default="all", show_default=True)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCE_CHOICES),
    help="Render every channel for this audience instead of each channel's own.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write each part to a file here.")
@click.option("--draft", is_flag=True, help="Render even when blocked, marked DRAFT, with suggested fixes.")
@click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Your templates, searched before the bundled ones (repeatable).",
)
@policy_option
def render(
    file: str,
    channel: str,
    audience: str | None,
    fmt: str,
    out_dir: str | None,
    draft: bool,
    template_dirs: tuple[str, ...],
    policy_dirs: tuple[str, ...],
) -> None:
    """Run the policy layer on an incident record, then render its messages.

    When the policy verdict is blocked, prints what blocks it and exits 1.

    \b
    Examples:
      notify render examples/identified.yaml
      notify render examples/identified.yaml --channel social --format json
      notify render examples/stressed.yaml --draft --channel status
    """
    from notify.cli import output
    from notify.policy.judge import Policy, blocks
    from notify.record.sources import load_record
    from notify.render.messages import CHANNEL_AUDIENCE, CHANNELS, Renderer

    record = load_record(file)
    policy = Policy.load(common.policy_dirs(policy_dirs), org=common.config().org)
    renderer = Renderer(common.template_dirs(template_dirs))
    channels = list(CHANNELS) if channel == "all" else [channel]
    audience_of = {c: audience or CHANNEL_AUDIENCE[c] for c in channels}
    results = {a: policy.check_incident(record.incident, a) for a in dict.fromkeys(audience_of.values())}
    blocking = [output.Located(record.name, *record.locate(f.field, f.start), a, f) for a, f in blocks(results)]
    if blocking and not draft:
        click.echo(output.text_lines(_unique(blocking), _colour(err=True)), err=True)
        names = ", ".join(c for c in channels if audience_of[c] != "internal")
        click.echo(
            f"blocked: {len(_unique(blocking))} finding(s) stop {names}; fix the record, or preview with --draft",
            err=True,
        )
        sys.exit(1)
    messages = renderer.render(record.incident, results, channels, draft=draft, audience=audience)
    if out_dir:
        for path in _write_parts(Path(out_dir), messages):
            click.echo(path)
        return
    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "verdict": "blocked" if blocking else "pass",
                    "draft": draft,
                    "messages": {c: {"audience": m.audience, **m.parts, **m.measures} for c, m in messages.items()},
                    "findings": {a: [f.as_dict() for f in r.findings] for a, r in results.items()},
                    "rewrites": {a: [w.as_dict() for w in r.rewrites] for a, r in results.items()},
                },
                indent=2,
            )
        )
    elif fmt == "html":
        for c, m in messages.items():
            click.echo(f"<!-- {c} ({m.audience}) -->")
            click.echo(m.parts.get("html") or f"<pre>{_escape(m.parts['text'])}</pre>")
    else:
        click.echo(_render_text(messages, _colour()))


def _render_text(messages: dict[str, Any], colour: bool) -> str:
    blocks = []
    for name, message in messages.items():
        extra = "".join(f" · {v} {k}" for k, v in message.measures.items() if k != "limit")
        head = f"━━ {name} · {message.audience}{extra} ━━"
        blocks.append(click.style(head, bold=True) if colour else head)
        parts = message.parts
        if "subject" in parts:
            blocks.append(f"Subject: {parts['subject']}\n")
        blocks.append((parts.get("text") or parts.get("markdown") or "").rstrip() + "\n")
    return "\n".join(blocks)


def _write_parts(out: Path, messages: dict[str, Any]) -> list[Path]:
    suffix = {"subject": "subject.txt", "text": "txt", "html": "html", "markdown": "md", "json": "json"}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, message in messages.items():
        for part, body in message.parts.items():
            path = out / f"{name}.{suffix[part]}"
            path.write_text(body if body.endswith("\n") else body + "\n", encoding="utf-8")
            written.append(path)
    return written


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _unique(found: Sequence[Any]) -> list[Any]:
    seen = set()
    out = []
    for item in found:
        f = item.finding
        key = (f.rule, f.field, f.start, f.end)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _colour(err: bool = False) -> bool:
    stream = sys.stderr if err else sys.stdout
    return stream.isatty()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--audience",
    type=click.Choice(AUDIENCE_CHOICES),
    default="public",
    show_default=True,
    help="public is strictest: no jargon, vendor or customer names.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True
)
@click.option("--fix", is_flag=True, help="Write the cleaned text back and show the diff.")
@policy_option
def check(paths: tuple[str, ...], audience: str, fmt: str, fix: bool, policy_dirs: tuple[str, ...]) -> None:
    """Check incident records and message files (.txt/.md, or - for stdin) against the rule packs.

    Prints one line per finding, file:line:col: severity [rule-id] message.
    Exits 0 when nothing blocks, 1 when something does, 2 for bad input.

    \b
    Examples:
      notify check examples/stressed.yaml
      notify check update.txt --audience customers --format json
      echo "Sorry for any inconvenience." | notify check -
      notify check update.md --fix
    """
    from notify.cli import output
    from notify.cli.check import check_paths

    policy = _load_policy(common.policy_dirs(policy_dirs))
    report = check_paths(policy, paths, audience, fix=fix)
    found = report.located
    if fmt == "json":
        click.echo(output.as_json(found, report.verdict, report.rewrites, report.files, report.notes))
    elif fmt == "sarif":
        click.echo(output.as_sarif(found, policy.ruleset.rules))
    elif fmt == "github":
        if found:
            click.echo(output.as_github(found))
    else:
        if found:
            click.echo(output.text_lines(found, _colour()))
        for diff in report.diffs:
            click.echo(diff, nl=False)
        for note in report.notes:
            click.echo(f"note: {note}")
        click.echo(output.summary(found, report.verdict))
    sys.exit(1 if report.verdict == "blocked" else 0)


def _load_policy(policy_dirs: Sequence[str]) -> Policy:
    from notify.policy.judge import Policy

    return Policy.load(policy_dirs, org=common.config().org)


@main.command()
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--stats", is_flag=True, help="Which rules reviewers waive most: the signal that a rule is wrong.")
@click.option("--db", "db", metavar="PATH|URL", help="The store to count waivers in (with --stats).")
@policy_option
def rules(rule_id: str | None, fmt: str, stats: bool, db: str | None, policy_dirs: tuple[str, ...]) -> None:
    """List every rule, or explain one with its good and bad examples.

    \b
    Examples:
      notify rules
      notify rules apology-non-apology
      notify rules --stats
    """
    from notify.cli import output
    from notify.policy.rules import load_rules

    if stats:
        _waiver_stats(db, fmt)
        return
    ruleset = load_rules(common.policy_dirs(policy_dirs))
    if fmt == "json":
        import json

        chosen = [ruleset.rule(rule_id)] if rule_id else ruleset.rules
        click.echo(json.dumps([r.as_dict() for r in chosen], indent=2))
    elif rule_id:
        click.echo(output.explain_rule(ruleset.rule(rule_id)))
    else:
        click.echo(output.rules_table(ruleset.rules))


def _waiver_stats(db: str | None, fmt: str) -> None:
    import json

    from notify.store.database import open_store
    from notify.store.waivers import stats

    with open_store(db or common.config().db) as store:
        counted = stats(store)
    if fmt == "json":
        click.echo(json.dumps(counted, indent=2))
    elif not counted:
        click.echo("no waivers yet: every approved draft passed the rules as they are")
    else:
        width = max(len(row["rule"]) for row in counted)
        for row in counted:
            click.echo(
                f"{row['rule']:<{width}}  {row['waived']:>4} waived  last by {row['last_by']} at "
                f"{row['last_at']}: {row['last_reason']}"
            )


if __name__ == "__main__":  # pragma: no cover
    main()
