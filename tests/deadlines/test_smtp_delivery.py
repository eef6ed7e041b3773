"""The sweep delivers through a real SMTP server (aiosmtpd on 127.0.0.1), not only locmem."""

import datetime
import io
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from plm_workflow.deadlines.models import Alert, Channel, DeliveryState, StepTask

pytestmark = pytest.mark.django_db


class Sink:
    """Keeps every message the server accepts: (envelope recipients, parsed message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_the_alerts_reach_a_real_smtp_server_with_a_text_and_an_html_part(flow_plan, smtp):
    Alert.objects.all().delete()
    StepTask.objects.filter(plan=flow_plan, closed_at__isnull=True).update(
        due=datetime.date(2027, 3, 8),
        opened_at=datetime.datetime(2027, 1, 4, tzinfo=datetime.UTC),
    )
    call_command("send_deadline_alerts", "--now", "2027-03-05T08:00", stdout=io.StringIO())

    assert sorted(rcpt for rcpts, _m in smtp.received for rcpt in rcpts) == [
        "coord-saluzzo-2@example.org",
        "coord-saluzzo@example.org",
    ]
    message = smtp.received[0][1]
    assert message.is_multipart()
    assert [part.get_content_type() for part in message.walk() if not part.is_multipart()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Auto-Submitted"] == "auto-generated"
    sent = Alert.objects.filter(channel=Channel.EMAIL)
    assert set(sent.values_list("state", flat=True)) == {DeliveryState.SENT}
