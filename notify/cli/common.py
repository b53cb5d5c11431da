"""What the commands share: the store option, settings from notify.toml, the review service built
from them, and who is running the command."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from notify.cli.client import Remote
    from notify.review.service import Review
    from notify.settings.project import Config

db_option = click.option(
    "--db",
    "db",
    metavar="PATH|URL",
    help="SQLite file or postgresql:// URL (default: $NOTIFY_DB, notify.toml, per-user file).",
)
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def config() -> Config:
    from notify.settings.project import load_config

    return load_config(click.get_current_context().find_root().obj)


def remote() -> Remote | None:
    """The running notify these commands talk to (--server, $NOTIFY_SERVER, [client] server), if any."""
    server = click.get_current_context().find_root().meta.get("notify.server") or config().server
    if not server:
        return None
    from notify.cli.client import remote as connect

    return connect(server)


def no_identity_with_a_server(name: str | None, option: str = "--as") -> None:
    """With --server, who acts comes from the token: a name on the command line would be a claim."""
    if name is not None:
        raise click.UsageError(f"with --server, who you are comes from your token; drop {option}")


def only_local(*names: str) -> None:
    """Options that act on this machine's database or mail settings make no sense with --server."""
    ctx = click.get_current_context()
    given = [n for n in names if ctx.get_parameter_source(n) is click.core.ParameterSource.COMMANDLINE]
    if given:
        options = ", ".join("--" + n.replace("_", "-") for n in given)
        raise click.UsageError(f"with --server the service uses its own settings; drop {options}")


def policy_dirs(extra: Sequence[str]) -> list[str]:
    return [*config().policy_dirs, *extra]


def template_dirs(extra: Sequence[str]) -> list[str]:
    return [*extra, *config().template_dirs]


def review_service(
    db: str | None,
    *,
    for_drafting: bool = False,
    extra_policy: tuple[str, ...] = (),
    extra_templates: tuple[str, ...] = (),
) -> Review:
    from notify.review.service import Review
    from notify.store.database import open_store

    settings = config()
    store = open_store(db or settings.db)
    if not for_drafting:
        return Review(store, four_eyes=settings.four_eyes)
    from notify.policy.judge import Policy
    from notify.render.messages import Renderer
    from notify.review.service import Translations

    return Review(
        store,
        policy=Policy.load(policy_dirs(extra_policy), org=settings.org),
        renderer=Renderer(template_dirs(extra_templates)),
        four_eyes=settings.four_eyes,
        translations=Translations(org=settings.org),
    )


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
