"""The public side of subscriptions: sign up on the status page, confirm by email, change or leave."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from notify.clock import utc_now
from notify.delivery.sender import Permanent, Temporary
from notify.delivery.sms import NumberStopped, Twilio, asks_to_stop, signature_ok
from notify.record.draft import PUBLISHED
from notify.record.subscribers import normalise_email
from notify.store import rate_limits, sms_subscriptions, subscriptions
from notify.store.sms_subscriptions import normalise_phone
from notify.store.subscriptions import Tokens
from notify.web import limits
from notify.web.review import page


def register(app: FastAPI) -> None:
    def tokens(request: Request) -> Tokens:
        return Tokens(request.app.state.secret)

    def base(request: Request) -> str:
        return (request.app.state.config.service.base_url or str(request.base_url)).rstrip("/")

    @app.post("/subscribe", response_class=HTMLResponse, include_in_schema=False)
    async def subscribe(request: Request) -> Response:
        form = await request.form()
        typed = str(form.get("email") or "").strip()
        email = normalise_email(typed) or typed  # an internationalised domain in its IDNA form
        components = [str(c) for c in form.getlist("components")]
        language = str(form.get("language") or "en")[:5]
        return await run_in_threadpool(_subscribe, request, email, components, language)

    def _subscribe(request: Request, email: str, components: list[str], language: str) -> Response:
        review = request.app.state.stores.review()
        now = utc_now()
        wait = rate_limits.take(
            review.store, f"signup:client:{limits.client(request)}", limits.SIGNUPS_PER_CLIENT, time.time()
        )
        if wait:
            refused = page(
                "subscribe.html.j2",
                status=429,
                title="Too many sign-ups",
                message="Too many sign-ups came from your connection; please try again later.",
                me=None,
            )
            return limits.retry_after(refused, wait)
        state = subscriptions.request(review.store, email, components, language, now)
        if state is None:
            return page(
                "subscribe.html.j2",
                status=422,
                title="That is not an email address",
                message="Please go back and check the address.",
                me=None,
            )
        if state == "confirmed":  # a stranger may have typed it: change nothing, tell the owner how
            token = tokens(request).issue(email.casefold(), "manage", now)
            _send_plain(
                request,
                email,
                "Your subscription to status updates",
                "Someone (we hope you) asked to change what you follow. You are already subscribed, and "
                "nothing has changed.\n\n"
                f"To change what you follow: {base(request)}/preferences?token={quote(token)}\n\n"
                "If it was not you, ignore this email.\n",
            )
        else:
            token = tokens(request).issue(email.casefold(), "confirm", now)
            link = f"{base(request)}/subscribe/confirm?token={quote(token)}"
            _send_plain(
                request,
                email,
                "Confirm your subscription to status updates",
                f"Someone (we hope you) asked for email updates about "
                f"{', '.join(components) or 'every component'}.\n\nConfirm here: {link}\n\n"
                "If it was not you, ignore this email: nothing more will be sent.\n",
            )
        # the same answer whether or not the address was known: the page never reveals who subscribes
        return page(
            "subscribe.html.j2",
            title="Check your inbox",
            message="We sent a link to confirm your subscription. It is valid for two days.",
            me=None,
        )

    @app.get("/subscribe/confirm", response_class=HTMLResponse, include_in_schema=False)
    def confirm(request: Request, token: str = "") -> Response:
        review = request.app.state.stores.review()
        now = utc_now()
        email = tokens(request).read(token, "confirm", now)
        if email is None:
            return _expired("Sign up again on the status page to get a fresh link.")
        subscriptions.confirm(review.store, email, now)
        manage = f"{base(request)}/preferences?token={quote(tokens(request).issue(email, 'manage', now))}"
        return page(
            "subscribe.html.j2",
            title="You are subscribed",
            message="You will get an email for every update about the components you follow.",
            link=manage,
            link_text="Change what you follow",
            me=None,
        )

    @app.get("/preferences", response_class=HTMLResponse, include_in_schema=False)
    def preferences(request: Request, token: str = "") -> Response:
        review = request.app.state.stores.review()
        email = tokens(request).read(token, "manage", utc_now())
        record = subscriptions.get(review.store, email) if email else None
        if record is None:
            return _expired()
        import json

        return page(
            "preferences.html.j2",
            token=token,
            following=json.loads(str(record["components_json"])),
            components=_components(request),
            language=record["language"],
            me=None,
        )

    @app.post("/preferences", response_class=HTMLResponse, include_in_schema=False)
    async def save_preferences(request: Request) -> Response:
        form = await request.form()
        email = tokens(request).read(str(form.get("token") or ""), "manage", utc_now())
        if email is None:
            return _expired()
        review = request.app.state.stores.review()
        await run_in_threadpool(
            subscriptions.update,
            review.store,
            email,
            [str(c) for c in form.getlist("components")],
            str(form.get("language") or "en")[:5],
        )
        return page("subscribe.html.j2", title="Saved", message="Your choices are saved.", me=None)

    @app.post("/subscribe/sms", response_class=HTMLResponse, include_in_schema=False)
    async def subscribe_sms(request: Request) -> Response:
        form = await request.form()
        phone = str(form.get("phone") or "")[:40]
        components = [str(c) for c in form.getlist("components")][:100]
        return await run_in_threadpool(_subscribe_sms, request, phone, components)

    def _subscribe_sms(request: Request, typed: str, components: list[str]) -> Response:
        """A code to the number, if it can get one; the page reads the same whether or not the
        number already follows updates, so it reveals nobody."""
        twilio = Twilio.from_env(required=False)
        phone = normalise_phone(typed)
        if twilio is None:
            return page(
                "subscribe.html.j2", status=404, title="No SMS here", message="This page sends no SMS.", me=None
            )
        if phone is None:
            message = "Write it in international form, with + and the country code, like +44 20 7946 0958."
            return page("subscribe.html.j2", status=422, title="That is not a phone number", message=message, me=None)
        store = request.app.state.stores.review().store
        now = time.time()
        wait = rate_limits.take(store, f"signup:client:{limits.client(request)}", limits.SIGNUPS_PER_CLIENT, now)
        wait = wait or rate_limits.take(store, f"sms:{phone}", limits.MAILS_PER_ADDRESS, now)
        if wait:
            refused = page("subscribe.html.j2", status=429, title="Too many codes",
                           message="Too many codes were asked for; please try again later.", me=None)  # fmt: skip
            return limits.retry_after(refused, wait)
        code = sms_subscriptions.request(store, phone, components, utc_now())
        if code is not None:
            title = request.app.state.config.service.title
            try:
                twilio.send(phone, f"{code} is your code for {title} updates. Reply STOP to stop them.")
            except (Temporary, Permanent, NumberStopped):  # the number may simply not take SMS
                return page("subscribe.html.j2", status=502, title="We could not text that number",
                            message="Check the number, or try again in a few minutes.", me=None)  # fmt: skip
        return page("sms_code.html.j2", phone=phone, me=None)

    @app.post("/subscribe/sms/confirm", response_class=HTMLResponse, include_in_schema=False)
    async def confirm_sms(request: Request) -> Response:
        form = await request.form()
        phone = normalise_phone(str(form.get("phone") or "")[:40]) or ""
        code = str(form.get("code") or "")[:12]
        return await run_in_threadpool(_confirm_sms, request, phone, code)

    def _confirm_sms(request: Request, phone: str, code: str) -> Response:
        outcome = sms_subscriptions.confirm(request.app.state.stores.review().store, phone, code, utc_now())
        if outcome == "confirmed":
            return page("subscribe.html.j2", title="You will get updates by SMS",
                        message="Reply STOP to any of them to stop.", me=None)  # fmt: skip
        if outcome == "wrong":
            return page("sms_code.html.j2", status=422, phone=phone, error="That code is not right.", me=None)
        message = "Too many wrong codes; ask for a new one." if outcome == "locked" else "Ask for a new code."
        return page("subscribe.html.j2", status=400, title="That code no longer works", message=message, me=None)

    @app.post("/hooks/twilio", include_in_schema=False)
    async def twilio_reply(request: Request) -> Response:
        """A reply to one of our texts: STOP (and its synonyms) stops that number here too."""
        twilio = Twilio.from_env(required=False)
        form = {k: str(v) for k, v in (await request.form()).items()}
        url = base(request) + "/hooks/twilio"
        if twilio is None or not signature_ok(twilio.auth_token, url, form, request.headers.get("x-twilio-signature")):
            return Response('{"detail": "missing or wrong X-Twilio-Signature"}', 401, media_type="application/json")
        phone = normalise_phone(form.get("From", ""))
        if phone and asks_to_stop(form.get("Body", "")):
            await run_in_threadpool(sms_subscriptions.stop, request.app.state.stores.review().store, phone, utc_now())
        return Response("<Response/>", media_type="text/xml")  # TwiML: nothing to say back

    @app.get("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe_page(request: Request, token: str = "") -> Response:
        return page("unsubscribe.html.j2", token=token, me=None)

    @app.post("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe(request: Request, token: str = "") -> Response:
        """One click (RFC 8058): a mail client POSTs here; so does the button on the page above."""
        review = request.app.state.stores.review()
        now = utc_now()
        email = tokens(request).read(token, "unsubscribe", now)
        if email is None:
            return _expired()
        subscriptions.unsubscribe(review.store, email, now)
        return page("subscribe.html.j2", title="You are unsubscribed", message="You will get no more updates.", me=None)

    def _components(request: Request) -> list[str]:
        review = request.app.state.stores.review()
        return sorted(review.components_named(PUBLISHED))


def _expired(advice: str = "Use the link in your latest update email.") -> Response:
    return page("subscribe.html.j2", status=400, title="This link has expired or is not ours", message=advice, me=None)


def _send_plain(request: Request, to: str, subject: str, body: str) -> None:
    """A short notice (a confirmation link) straight through SMTP: it is not an incident update.
    At most a few an hour to one address."""
    import asyncio
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from notify.delivery.mailer import parse_smtp_url, smtp_client

    smtp: Any = request.app.state.config.smtp
    if not (smtp.url and smtp.sender):
        return
    store = request.app.state.stores.review().store
    if rate_limits.take(store, f"mail:{to.casefold()}", limits.MAILS_PER_ADDRESS, time.time()):
        return  # nobody's inbox is flooded through us; the page says the same either way
    settings = parse_smtp_url(smtp.url.get_secret_value())
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)

    async def once() -> None:
        async with smtp_client(settings) as client:
            await client.send_message(message)

    asyncio.run(once())
