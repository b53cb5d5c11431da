"""Review pages for approvers: sign in, list drafts, read a draft as it will be sent, edit, decide.

Server-rendered, no build step, no JavaScript needed. Every form carries a CSRF token bound to the
session; the session cookie is signed, HttpOnly, SameSite=Lax and Secure (unless configured off).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from notify.errors import NotifyError
from notify.render.environment import environment
from notify.resources import bundled_dir
from notify.review.service import DraftFinding, blocking_rules, merged_rewrites
from notify.store import rate_limits
from notify.store.rate_limits import Limit
from notify.web import limits
from notify.web.auth import Session, Sessions, check_password, dummy_hash

if TYPE_CHECKING:
    from notify.delivery.sender import Summary

SESSION_COOKIE = "notify_session"
DECISIONS = {"approve", "reject", "publish", "send", "answer"}  # a reviewer's, not an author's
LOGIN_COOKIE = "notify_login"
EDITABLE = ("impact", "apology", "responsibility", "remedy")
DRAFTS_A_PAGE = 50  # the drafts list reads one page of records, however long the history
LOGIN_ERRORS = {
    "expired": "Your sign-in form expired; please try again.",
    "mismatch": "That name and password do not match a reviewer.",
    "too-many": "Too many sign-in attempts; wait a few minutes and try again.",
}

_env = environment(bundled_dir("templates") / "web", autoescape=True)


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(name).render(**context), status_code=status)  # headers: SecurityHeaders


def failed_logins_wait(stores: Any, keys: dict[str, Limit]) -> float:
    """Run in a worker thread: each uses its own store connection (stores.review())."""
    now = time.time()
    return max(rate_limits.wait(stores.review().store, key, rule, now) for key, rule in keys.items())


def failed_login(stores: Any, keys: dict[str, Limit]) -> None:
    for key in keys:
        rate_limits.hit(stores.review().store, key, time.time())


def register(app: FastAPI) -> None:
    def signer(request: Request) -> Sessions:
        return Sessions(request.app.state.secret)

    def cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=request.app.state.config.service.cookie_secure,
            path="/",
        )

    def session_of(request: Request) -> Session | None:
        """The signed-in reviewer, while the session holds: unexpired, not signed out, the reviewer
        still listed in notify.toml with the password the session was opened with."""
        from notify.store import sessions

        found = signer(request).read(request.cookies.get(SESSION_COOKIE))
        if found is None:
            return None
        person = person_of(request, found.name)
        if person is None or not signer(request).holds(found, person[0]):
            return None
        if sessions.ended(request.app.state.stores.review().store, found.nonce):
            return None
        return found

    def login_page(request: Request, error: str | None = None) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_hex(16)
        response = page("login.html.j2", csrf=signer(request).csrf(nonce), error=error, status=401 if error else 200)
        cookie(response, request, LOGIN_COOKIE, nonce, 3600)
        return response

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, error: str | None = None) -> Response:
        """`error` is one of our codes, never text: a link cannot put words in the page's alert box."""
        return login_page(request, LOGIN_ERRORS.get(error or ""))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        if not nonce or not signer(request).csrf_ok(nonce, str(form.get("csrf") or "")):
            return login_page(request, LOGIN_ERRORS["expired"])
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        keys = {
            f"login:account:{name.casefold()}": limits.FAILED_LOGINS_PER_ACCOUNT,
            f"login:client:{limits.client(request)}": limits.FAILED_LOGINS_PER_CLIENT,
        }
        wait = await run_in_threadpool(failed_logins_wait, request.app.state.stores, keys)
        if wait:  # even the right password waits: guessing must not go on at full speed
            too_many = page("login.html.j2", status=429, csrf="", error=LOGIN_ERRORS["too-many"])
            return limits.retry_after(too_many, wait)
        person = await run_in_threadpool(person_of, request, name)
        # an unknown name costs the same scrypt as a wrong password: timing does not tell who exists
        stored = person[0] if person else dummy_hash()
        ok = await run_in_threadpool(check_password, password, stored)
        if not (ok and person):
            await run_in_threadpool(failed_login, request.app.state.stores, keys)
            return login_page(request, LOGIN_ERRORS["mismatch"])
        response = RedirectResponse("/review", status_code=303)
        cookie(response, request, SESSION_COOKIE, signer(request).issue(name, stored), None)
        return response

    def guarded(handler: Callable[..., Response]) -> Callable[..., Any]:
        """Signed in, and for a form post, the session's CSRF token."""

        async def wrapper(request: Request, draft_id: str | None = None) -> Response:
            session = await run_in_threadpool(session_of, request)  # reads the store: off the event loop
            if session is None:
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            form: dict[str, str] = {}
            if request.method == "POST":
                form = {k: str(v) for k, v in (await request.form()).items()}
                if not signer(request).csrf_ok(session.nonce, form.get("csrf")):
                    return page(
                        "error.html.j2",
                        status=403,
                        message="This form expired or did not come from us; go back, reload the page and try again.",
                        me=session.name,
                        csrf="",
                    )
            return await run_in_threadpool(handler, request, session, form, draft_id)

        return wrapper

    def context(request: Request, session: Session) -> dict[str, Any]:
        return {"me": session.name, "csrf": signer(request).csrf(session.nonce)}

    def list_drafts(request: Request, session: Session, form: dict[str, str], _: str | None) -> Response:
        review = request.app.state.stores.review()
        state = request.query_params.get("state") or None
        state = state if state in ("pending", "approved", "rejected", "published", "superseded") else None
        wanted = request.query_params.get("page", "1")
        number = min(int(wanted), 1_000_000) if wanted.isdigit() and int(wanted) > 0 else 1
        found, total = review.summaries(state, None, DRAFTS_A_PAGE, number, with_record=True)  # this page's only
        pages = max(1, -(-total // DRAFTS_A_PAGE))
        return page(
            "drafts.html.j2", drafts=found, state=state, page_number=number, pages=pages, total=total,
            **context(request, session),
        )  # fmt: skip

    def show(request: Request, session: Session, form: dict[str, str], draft_id: str | None) -> Response:
        review = request.app.state.stores.review()
        try:
            draft = review.get(draft_id or "")
        except NotifyError as exc:
            return page("error.html.j2", status=404, message=str(exc), **context(request, session))
        findings = _findings(draft.report)
        return page(
            "draft.html.j2",
            draft=draft,
            approval_holds=review.approval_holds(draft),
            findings=findings,
            rewrites=merged_rewrites(draft.report),
            blocking=blocking_rules(draft.report),
            waivers=review.waivers(draft.id),
            editable=EDITABLE,
            components=_component_choices(request.app.state.catalog, draft.record),
            listening=_panel(request, review, draft),
            next_update=_local_minute(draft.record.get("next_update_at")),
            notice=request.query_params.get("notice"),
            smtp=bool(request.app.state.config.smtp.url),
            **context(request, session),
        )

    def act(request: Request, session: Session, form: dict[str, str], draft_id: str | None) -> Response:
        review = request.app.state.stores.review()
        action = request.url.path.rsplit("/", 1)[1]
        target = draft_id or ""
        person = person_of(request, session.name)
        role = person[1] if person else "author"
        if action in DECISIONS and role == "author":
            notice = (
                f"Not done: {session.name} writes drafts; approving, rejecting, publishing and sending need a reviewer."
            )
            return RedirectResponse(f"/review/drafts/{quote(target)}?notice={quote(notice)}", status_code=303)
        try:
            if action == "approve":
                waive = {
                    key.removeprefix("waive."): form.get("waive_reason", "")
                    for key, value in form.items()
                    if key.startswith("waive.") and value
                }
                review.approve(target, session.name, form.get("comment") or None, waive=waive)
                notice = "Approved" + (f", waiving {', '.join(sorted(waive))}." if waive else ".")
            elif action == "reject":
                review.reject(target, session.name, form.get("reason") or "")
                notice = "Rejected."
            elif action == "edit":
                target = _edit(review, target, session.name, form)
                notice = "Saved as a new revision; another reviewer can now approve it."
            elif action == "publish":
                _publish(review, target, session.name)
                notice = "Published on the status page."
            elif action == "answer":
                notice = _answer(request, review, form, session.name)
            elif action == "send":
                summary = send_approved(request, review, target, "web")
                notice = f"Sent {summary.sent}, retried {summary.retried}, failed {summary.failed}."
            else:  # pragma: no cover - only the routes below reach here
                raise ValueError(action)
        except (NotifyError, ValidationError) as exc:
            message = str(exc) if isinstance(exc, NotifyError) else _validation(exc)
            return RedirectResponse(
                f"/review/drafts/{quote(target)}?notice={quote('Not done: ' + message)}", status_code=303
            )
        return RedirectResponse(f"/review/drafts/{quote(target)}?notice={quote(notice)}", status_code=303)

    def new_incident(request: Request, session: Session, form: dict[str, str], _: str | None) -> Response:
        """The new-incident form: blank, from a template, or an update prefilled from the incident's
        latest revision; Check runs the policy layer, Save stores a pending draft."""
        from notify.record import incident_templates
        from notify.review.service import latest_record
        from notify.web import authoring

        review = request.app.state.stores.review()
        templates = request.app.state.incident_templates
        contact = request.app.state.config.service.contact
        shown: dict[str, Any] = {"templates": incident_templates.names(templates), "errors": {}, "check": None}
        if request.method == "GET":
            update, chosen = request.query_params.get("update"), request.query_params.get("from")
            try:
                if update:
                    record = latest_record(review.store, update[:64])
                    if record is None:
                        raise NotifyError(f"no incident {update[:64]!r} to update")
                elif chosen:
                    record = incident_templates.record_from(incident_templates.load(templates, chosen), review.clock())
                else:
                    record = authoring.blank(review.clock(), contact.model_dump(exclude_none=True) if contact else None)
            except NotifyError as exc:
                return page("error.html.j2", status=404, message=str(exc), **context(request, session))
            return _new_form(request, session, authoring.form_values(record), shown)
        previous = latest_record(review.store, form.get("id", "")[:64])
        record = authoring.record_from_form(form, previous)
        incident, shown["errors"] = authoring.validated(record)
        if incident is None:
            return _new_form(request, session, {**authoring.form_values({}), **form_fields(form)}, shown, 422)
        if form.get("action") == "save":
            draft = review.create(incident, session.name, source="web")
            notice = quote(f"Saved as {draft.id} ({draft.verdict}); someone other than you approves it.")
            return RedirectResponse(f"/review/drafts/{quote(draft.id)}?notice={notice}", status_code=303)
        shown["check"] = authoring.checked(review.policy, incident)
        return _new_form(request, session, authoring.form_values(record), shown)

    def form_fields(form: dict[str, str]) -> dict[str, Any]:
        """What was typed, as typed, so a refused form loses nothing."""
        values: dict[str, Any] = {k: v for k, v in form.items() if not k.startswith("component.")}
        values["components"] = [k.removeprefix("component.") for k in form if k.startswith("component.")]
        return values

    def _new_form(
        request: Request, session: Session, values: dict[str, Any], shown: dict[str, Any], status: int = 200
    ) -> Response:
        from notify.web import authoring

        catalog = request.app.state.catalog
        names = [*catalog.names, *[c for c in values.get("components", []) if catalog.get(c) is None]]
        return page(
            "new.html.j2",
            status=status,
            values=values,
            component_names=names,
            statuses=authoring.STATUSES,
            severities=authoring.SEVERITIES,
            **shown,
            **context(request, session),
        )

    app.add_api_route("/review/new", guarded(new_incident), methods=["GET", "POST"], include_in_schema=False)

    def components_page(request: Request, session: Session, form: dict[str, str], _: str | None) -> Response:
        """Set a component's status by hand (degraded while we migrate, under maintenance), with a
        reason for the audit log; operational clears it."""
        from notify.store import component_status

        review = request.app.state.stores.review()
        notice = None
        if request.method == "POST":
            name, level, reason = form.get("component", ""), form.get("level", ""), form.get("reason", "").strip()
            known = request.app.state.catalog.names
            if name not in known or level not in component_status.LEVELS or not reason:
                notice = "Not done: pick a component from the catalog, a status, and say why."
            else:
                component_status.set_level(review.store, name, level, reason[:500], session.name, review.clock())
                notice = f"{name} is now {level.replace('minor', 'degraded').replace('major', 'partial outage')}."
        return page(
            "components.html.j2",
            components=request.app.state.catalog.components,
            levels=component_status.levels(review.store),
            notice=notice,
            **context(request, session),
        )

    app.add_api_route("/review/components", guarded(components_page), methods=["GET", "POST"], include_in_schema=False)

    def people_page(request: Request, session: Session, form: dict[str, str], _: str | None) -> Response:
        """An admin adds people, sets their role and resets passwords (which ends their sessions)."""
        import re

        from notify.store import accounts
        from notify.web.auth import hash_password

        me = person_of(request, session.name)
        if me is None or me[1] != "admin":
            return page(
                "error.html.j2", status=403, message="Only an admin manages people.", **context(request, session)
            )
        review = request.app.state.stores.review()
        notice = None
        if request.method == "POST":
            name, role, password = form.get("name", ""), form.get("role", ""), form.get("password", "")
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name) or role not in accounts.ROLES:
                notice = (
                    "Not done: a name is letters, digits, '.', '_' or '-', and a role is author, reviewer or admin."
                )
            elif password and len(password) < 12:
                notice = "Not done: a password has at least 12 characters."
            elif request.app.state.config.reviewer(name) is not None:
                notice = f"Not done: {name} is in notify.toml; change them there."
            elif form.get("what") == "add":
                if not password:
                    notice = "Not done: a new person needs a password."
                elif accounts.add(review.store, name, role, hash_password(password), session.name, review.clock()):
                    notice = f"Added {name} as {role}."
                else:
                    notice = f"Not done: {name} is already here."
            else:
                new_hash = hash_password(password) if password else None
                if accounts.change(review.store, name, session.name, review.clock(), role=role, password_hash=new_hash):
                    notice = f"{name} is {role}" + (
                        "; their old password and sessions no longer work." if password else "."
                    )
                else:
                    notice = f"Not done: no {name} here."
        listed = [(r.name, r.role, "notify.toml") for r in request.app.state.config.reviewers]
        added = [(a.name, a.role, f"added by {a.created_by}") for a in accounts.listing(review.store)]
        return page("people.html.j2", people=listed + added, notice=notice, **context(request, session))

    app.add_api_route("/review/people", guarded(people_page), methods=["GET", "POST"], include_in_schema=False)
    app.add_api_route("/review", guarded(list_drafts), methods=["GET"], include_in_schema=False)
    app.add_api_route("/review/drafts/{draft_id}", guarded(show), methods=["GET"], include_in_schema=False)
    for action in ("approve", "reject", "edit", "publish", "send", "answer"):
        app.add_api_route(
            f"/review/drafts/{{draft_id}}/{action}", guarded(act), methods=["POST"], include_in_schema=False
        )

    def logout(request: Request, session: Session, form: dict[str, str], _: str | None) -> Response:
        """Ends the session on the server too: the old cookie, if kept, no longer signs anyone in."""
        from notify.store import sessions

        sessions.end(request.app.state.stores.review().store, session.nonce, session.expires, int(time.time()))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    app.add_api_route("/logout", guarded(logout), methods=["POST"], include_in_schema=False)


def _edit(review: Any, draft_id: str, editor: str, form: dict[str, str]) -> str:
    """Every field a customer reads, a webhook draft's title, components, actions and next update
    included; what the form does not carry is kept."""
    from notify.record.incident import Incident

    draft = review.get(draft_id)
    record = dict(draft.record)
    for field in ("title", *EDITABLE):
        if field in form:
            record[field] = form[field].strip()
    if "actions" in form:
        record["actions"] = [line.strip() for line in form["actions"].splitlines() if line.strip()]
    if "components_shown" in form:
        picked = [k.removeprefix("component.") for k, v in form.items() if k.startswith("component.") and v]
        typed = [name.strip() for name in form.get("components_other", "").split(",") if name.strip()]
        record["components"] = list(dict.fromkeys([*picked, *typed]))
    if "next_update_at" in form:
        record["next_update_at"] = _utc_minute(form["next_update_at"])
    return str(review.create(Incident.model_validate(record), editor, source="web").id)


def _component_choices(catalog: Any, record: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(name, description, ticked): the catalog's components, then any the draft names that it lacks."""
    named = record.get("components") or []
    choices = [(c.name, c.description, c.name in named) for c in catalog.components]
    return choices + [(name, "not in the catalog", True) for name in named if catalog.get(name) is None]


def _local_minute(value: str | None) -> str:
    """A stored time as a datetime-local value, in UTC (the form says so)."""
    from datetime import UTC, datetime

    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if value else ""


def _utc_minute(value: str) -> str | None:
    from datetime import UTC, datetime

    from notify.errors import InputError

    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"next update {value[:40]!r} is not a time like 2026-12-02T14:30 (UTC)") from None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def _publish(review: Any, draft_id: str, actor: str) -> None:
    from notify.review import sending

    sending.publish(review, draft_id, actor, {"via": "web"})


def send_approved(request: Request, review: Any, draft_id: str, actor: str) -> Summary:
    """Email an approved draft to the service's subscribers, through the outbox, from this process."""
    from notify.delivery.mailer import check_page_url, check_unsubscribe, parse_smtp_url, sender_address
    from notify.errors import InputError
    from notify.review import sending

    smtp = request.app.state.config.smtp
    if not (smtp.url and smtp.sender):
        raise InputError("sending needs [smtp] url and from in the service's notify.toml")
    draft = sending.sendable(review, draft_id)
    subscribers, _ = sending.subscribers(review, smtp.subscribers or "store", request.app.state.secret)
    base = (request.app.state.config.service.base_url or str(request.base_url)).rstrip("/")
    # this service's own page honours every recipient's link, from the store or from a file
    unsubscribe_url, mailbox = check_unsubscribe(
        smtp.unsubscribe_url or f"{base}/unsubscribe", smtp.unsubscribe_mailbox
    )
    summary = sending.send_now(
        review,
        draft,
        subscribers,
        parse_smtp_url(smtp.url.get_secret_value()),
        sender_address(smtp.sender),
        unsubscribe_url,
        actor,
        unsubscribe_mailbox=mailbox,
        page_url=check_page_url(base + "/"),
        reply_tag=_reply_tag(request, draft.incident_id),
    )
    return summary


def person_of(request: Request, name: str) -> tuple[str, str] | None:
    """(password hash, role) of someone who may sign in: notify.toml's [[reviewers]] first, then
    the people an admin added on the page."""
    from notify.store import accounts

    listed = request.app.state.config.reviewer(name)
    if listed is not None:
        return listed.password_hash.get_secret_value(), listed.role
    added = accounts.get(request.app.state.stores.review().store, name) if name else None
    return (added.password_hash, added.role) if added else None


def _panel(request: Request, review: Any, draft: Any) -> Any:
    """What customers are saying about this draft's incident, for signed-in people only."""
    from notify.review import replies
    from notify.review.service import latest_record

    record = latest_record(review.store, draft.incident_id) or draft.record
    mentioned = review.components_named()
    names = [*request.app.state.catalog.names, *sorted(mentioned - set(request.app.state.catalog.names))]
    return replies.panel(review, draft.incident_id, record, names)


def _answer(request: Request, review: Any, form: dict[str, str], person: str) -> str:
    """Check a person's answer, send it threaded to the customer, and mark the reply answered."""
    from notify.delivery.answers import answer_message, send_answer
    from notify.delivery.mailer import parse_smtp_url, sender_address
    from notify.errors import InputError
    from notify.review import replies

    smtp = request.app.state.config.smtp
    if not (smtp.url and smtp.sender):
        raise InputError("answering needs [smtp] url and from in the service's notify.toml")
    if not form.get("reply", "").isdigit():
        raise InputError("which reply? the form names none")
    text = form.get("answer", "")[:5000]
    reply = replies.answer(review, int(form["reply"]), text)
    title = request.app.state.config.service.title
    message = answer_message(
        reply, text, person, sender_address(smtp.sender), title, _reply_tag(request, reply.incident_id or "")
    )
    send_answer(parse_smtp_url(smtp.url.get_secret_value()), message)
    replies.mark_answered(review, reply, person, text)
    return f"Your answer went to {reply.sender}."


def _reply_tag(request: Request, incident_id: str) -> str | None:
    from notify.delivery.reply_tags import reply_address

    inbound = request.app.state.config.inbound.address
    return reply_address(request.app.state.secret, incident_id, inbound) if inbound else None


def _findings(report: dict[str, Any]) -> list[DraftFinding]:
    from notify.review.service import merged_findings

    return sorted(merged_findings(report), key=lambda f: (f.severity != "error" or f.fixed, f.field))


def _validation(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
