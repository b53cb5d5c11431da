"""The one way notify configures Jinja: sandboxed and immutable (a template cannot change what it is
handed), undefined names fail loudly, block tags leave no stray lines. Every channel, the status
site and the review pages build their environment here; only escaping differs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment


def environment(
    where: jinja2.BaseLoader | Sequence[str | Path] | str | Path,
    *,
    autoescape: bool,
    finalize: Callable[[object], object] | None = None,
    cache: jinja2.BytecodeCache | None = None,
) -> ImmutableSandboxedEnvironment:
    """Templates from `where` (a loader, or directories searched in order). No stat() of every
    template on every render: a changed template takes effect after a restart."""
    loader = where if isinstance(where, jinja2.BaseLoader) else jinja2.FileSystemLoader(where)
    return ImmutableSandboxedEnvironment(
        loader=loader,
        bytecode_cache=cache,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
