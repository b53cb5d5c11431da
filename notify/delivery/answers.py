"""A person's answer to a customer's reply, sent threaded: the same subject with "Re:", In-Reply-To
the reply's Message-ID, References its chain, signed with the person's name."""

from __future__ import annotations

import asyncio
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from notify.delivery.mailer import SmtpSettings, smtp_client
from notify.store.replies import Reply


def answer_message(
    reply: Reply, text: str, person: str, sender: Address, title: str, reply_to: str | None
) -> EmailMessage:
    message = EmailMessage()
    subject = reply.subject or title
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    message["From"] = sender
    message["To"] = reply.sender
    if reply_to:
        message["Reply-To"] = reply_to  # their next reply comes back to the incident too
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message["In-Reply-To"] = reply.message_id
    message["References"] = reply.refs
    message.set_content(f"{text.strip()}\n\n{person}\n{title}\n")
    return message


def send_answer(settings: SmtpSettings, message: EmailMessage) -> None:
    async def once() -> None:
        async with smtp_client(settings) as client:
            await client.send_message(message)

    asyncio.run(once())
