"""Building the MIME message for an outbox email."""

import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from domain.emails.models import OutboundEmail
from domain.emails.service import SmtpConfig, build_message

SMTP = SmtpConfig(host="localhost", port=25, from_address="Tenure <no-reply@tenure.test>")


def _email(html: str | None = None, subject: str = "Hello") -> OutboundEmail:
    return OutboundEmail(
        id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        to_address="ada@example.com",
        subject=subject,
        text_body="Plain body\n",
        html_body=html,
    )


class TestBuildMessage:
    def test_plain_text_email(self) -> None:
        email = _email()

        message = build_message(email, SMTP)

        assert (message["From"], message["To"], message["Subject"]) == (
            "Tenure <no-reply@tenure.test>",
            "ada@example.com",
            "Hello",
        )
        assert message.get_content_type() == "text/plain"
        assert message.get_content() == "Plain body\n"

    def test_html_becomes_an_alternative(self) -> None:
        message = build_message(_email(html="<p>Hi</p>"), SMTP)

        assert message.get_content_type() == "multipart/alternative"
        html = message.get_body(preferencelist=("html",))
        assert html is not None and "<p>Hi</p>" in html.get_content()

    def test_message_id_is_stable_per_email(self) -> None:
        # Receivers can drop a duplicate if a retried job sends twice.
        email = _email()

        first, again = build_message(email, SMTP), build_message(email, SMTP)

        assert first["Message-ID"] == again["Message-ID"] == f"<{email.id}@tenure.test>"
        assert build_message(_email(), SMTP)["Message-ID"] != first["Message-ID"]

    def test_dated_when_written_on_every_attempt(self) -> None:
        email = _email()
        email.created_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

        first, again = build_message(email, SMTP), build_message(email, SMTP)

        assert first["Date"] == again["Date"] == "Sun, 01 Mar 2026 09:30:00 +0000"
        assert parsedate_to_datetime(first["Date"]) == email.created_at

    def test_message_id_of_a_sender_without_a_domain(self) -> None:
        email = _email()
        bare = SmtpConfig(host="localhost", port=25, from_address="tenure")

        assert build_message(email, bare)["Message-ID"] == f"<{email.id}@tenure.invalid>"

    def test_line_breaks_in_a_subject_cannot_add_headers(self) -> None:
        # A subject built from user data (an organisation's name) stored before names were
        # checked: the email library refuses CR/LF in headers, so it must still build.
        message = build_message(_email(subject="Invited to Acme\r\nBcc: all@example.com"), SMTP)

        assert message["Subject"] == "Invited to Acme Bcc: all@example.com"
        assert message["Bcc"] is None
        assert "\nBcc:" not in message.as_string()
