"""Sending email: SMTP when configured, otherwise files in instance/outbox/ and the log."""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """A message the mail server did not take; `permanent` when the address itself is refused
    (a bounce), otherwise worth trying again later."""

    def __init__(self, message: str, permanent: bool = False, server_down: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.server_down = server_down


def send_email(
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    key: str | None = None,
) -> None:
    """Send a plain-text email (with an HTML alternative) through the configured backend.

    `key` names the message for good: it becomes its Message-ID, so sending the same key
    again is recognisably the same message (the outbox backend overwrites its file).
    Raises MailNotSent when an SMTP server refuses it or cannot be reached.
    """
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if current_app.config["MAIL_SMTP_HOST"]:
        _send_smtp(message)
        log.info("email sent", extra={"subject": subject})
        return
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    if key:
        name = re.sub(r"[^A-Za-z0-9.-]", "-", key)
    else:
        # Microseconds in the name keep the files in the order they were sent.
        name = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
    path = outbox / f"{name}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(bytes(message))
    partial.replace(path)  # a message is in the outbox whole or not at all
    # Only the offline backend logs the body, so a developer can follow links without SMTP;
    # with SMTP configured (production) the log never holds a message's content.
    log.info(
        "email written to the outbox",
        extra={"to": to, "subject": subject, "file": str(path), "body": body},
    )


def _send_smtp(message: EmailMessage) -> None:
    """Hand a message to the SMTP server, telling a refused address from a server problem."""
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], timeout=30) as smtp:
            if config["MAIL_SMTP_STARTTLS"]:
                smtp.starttls()
            if config["MAIL_SMTP_USERNAME"]:
                smtp.login(config["MAIL_SMTP_USERNAME"], config["MAIL_SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        raise MailNotSent(
            f"recipient refused: {codes}", permanent=all(code >= 500 for code in codes)
        ) from error
    except smtplib.SMTPResponseException as error:
        # A refused sender or message is this service's problem, not the address's: retry.
        raise MailNotSent(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailNotSent(f"mail server unavailable: {error!r}", server_down=True) from error
