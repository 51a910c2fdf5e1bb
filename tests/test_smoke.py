import pytest

from tests.factories import staff_user


@pytest.mark.django_db
def test_writer_gets_staff_rights() -> None:
    writer = staff_user()
    assert writer.is_staff
    assert writer.has_perm("briefs.change_brief")
    assert not writer.has_perm("briefs.delete_brief")
