"""Sending email: SMTP when configured, otherwise files in instance/outbox/ and the log."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def send_email(to: str, subject: str, body: str) -> None:
    """Send a plain-text email through the configured backend."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = current_app.config["MAIL_SMTP_HOST"]
    if host:
        with smtplib.SMTP(host, current_app.config["MAIL_SMTP_PORT"]) as smtp:
            if current_app.config["MAIL_SMTP_STARTTLS"]:
                smtp.starttls()
            if current_app.config["MAIL_SMTP_USERNAME"]:
                smtp.login(
                    current_app.config["MAIL_SMTP_USERNAME"],
                    current_app.config["MAIL_SMTP_PASSWORD"] or "",
                )
            smtp.send_message(message)
        log.info("email sent", extra={"subject": subject})
        return
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    # Microseconds in the name keep the files in the order they were sent.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    # Only the offline backend logs the body, so a developer can follow links without SMTP;
    # with SMTP configured (production) the log never holds a message's content.
    log.info(
        "email written to the outbox",
        extra={"to": to, "subject": subject, "file": str(path), "body": body},
    )
