import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import staff_user


@pytest.mark.django_db
def test_writer_gets_staff_rights() -> None:
    writer = staff_user()
    assert writer.is_staff
    assert writer.has_perm("briefs.change_brief")
    assert not writer.has_perm("briefs.delete_brief")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_pages_name_an_icon_that_exists(client: Client, path: str) -> None:
    """Without one, every browser asks for /favicon.ico and logs a 404 on every page."""
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', client.get(path).content.decode())
    assert icons, f"{path} names no icon"
    assert finders.find(icons[0].removeprefix(settings.STATIC_URL))
