"""`notify token`: API tokens, each acting as one person in one role (see notify.web.api)."""

from __future__ import annotations

import json

import click

from notify.cli import common
from notify.cli.common import db_option, format_option


@click.group()
def token() -> None:
    """API tokens for `notify --server` and other tools: create, list, revoke.

    \b
    Example:
      notify token create --as sam --role reviewer
    """


@token.command()
@click.option("--as", "person", required=True, help="Whose token it is: they act as this person.")
@click.option(
    "--role",
    type=click.Choice(["author", "reviewer", "admin"]),
    default="author",
    show_default=True,
    help="author: writes drafts; reviewer: also approves, publishes, sends; admin: all of it.",
)
@db_option
def create(person: str, role: str, db: str | None) -> None:
    """Make a token and print it, alone on the last line, once: only its hash is kept."""
    import re

    from notify.errors import InputError
    from notify.store import tokens

    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", person):
        raise InputError("a name is 1 to 64 letters, digits, '.', '_' or '-'", field="--as")
    review = common.review_service(db)
    made, secret = tokens.create(review.store, person, role, review.clock())
    click.echo(f"token {made.id} for {person} ({role}); it is shown only now, so keep it somewhere safe:", err=True)
    click.echo(secret)


@token.command(name="list")
@db_option
@format_option
def list_tokens(db: str | None, fmt: str) -> None:
    """Every token: its id, person, role, and when it was made or revoked (never the token)."""
    from notify.store import tokens

    found = tokens.listing(common.review_service(db).store)
    if fmt == "json":
        click.echo(json.dumps([t.__dict__ for t in found], indent=2))
        return
    for t in found:
        state = f"revoked {t.revoked_at[:16]}" if t.revoked_at else "live"
        click.echo(f"{t.id}  {t.person:<16} {t.role:<9} made {t.created_at[:16]}  {state}")
    if not found:
        click.echo("no tokens; notify token create --as NAME --role reviewer makes one", err=True)


@token.command()
@click.argument("token_id")
@db_option
def revoke(token_id: str, db: str | None) -> None:
    """Revoke a token by its id (from `notify token list`): it stops working at once."""
    from notify.errors import InputError
    from notify.store import tokens

    review = common.review_service(db)
    if not tokens.revoke(review.store, token_id, review.clock()):
        raise InputError(f"no live token {token_id!r}", hint="notify token list shows them")
    click.echo(f"revoked {token_id}")


COMMANDS = [token]
