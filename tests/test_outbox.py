from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_mail(settings: Settings, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def test_staff_read_the_demo_outbox(client: Client, file_mail: Path) -> None:
    for number in (1, 2):
        message = EmailMultiAlternatives(
            subject=f"Digest number {number}",
            body=f"Plain text {number}",
            to=[f"reader{number}@example.org"],
        )
        message.attach_alternative(f"<p>Rich {number}</p><script>alert(1)</script>", "text/html")
        message.send()
    client.force_login(staff_user())
    listing = client.get("/admin/outbox/").content.decode()
    assert listing.index("Digest number 2") < listing.index("Digest number 1")
    key = next(path.stem for path in file_mail.glob("*.log"))
    detail = client.get(f"/admin/outbox/{key}:0/").content.decode()
    assert "Plain text" in detail
    assert "sandbox" in detail
    assert "<script>alert(1)</script>" not in detail
    assert client.get("/admin/outbox/../../etc:0/").status_code == 404
    assert client.get(f"/admin/outbox/{key}:9/").status_code == 404


def test_the_outbox_is_for_staff_only(client: Client, file_mail: Path) -> None:
    client.force_login(UserFactory())
    response = client.get("/admin/outbox/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
