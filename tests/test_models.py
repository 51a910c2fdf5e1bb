"""The database itself keeps the invariants, whatever code writes to it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from advisory.accounts.models import Membership, Organisation, Role
from advisory.accounts.services import membership_assign, organisation_create
from advisory.briefs.models import BriefStatus, Mention, Series
from advisory.briefs.services import brief_create, brief_update
from advisory.entities.models import (
    Alias,
    Designation,
    ExternalIdentifier,
    Region,
    Relationship,
)
from advisory.entities.services import AliasSpec, country_resolve, entity_create
from advisory.workflow.models import AuditEvent
from tests.factories import (
    BriefFactory,
    DeskFactory,
    EntityFactory,
    OrganisationFactory,
    UserFactory,
    published_brief,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _violates(callable_: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()  # type: ignore[operator]


def test_brief_constraints() -> None:
    series = Series.objects.create(title="Watch", slug="watch")
    BriefFactory(slug="taken")
    _violates(lambda: BriefFactory(slug="taken"))
    _violates(lambda: BriefFactory(title=""))
    _violates(lambda: BriefFactory(status="invented"))
    _violates(lambda: BriefFactory(access_tier=7))
    _violates(lambda: BriefFactory(series=series, series_position=None))
    _violates(lambda: BriefFactory(series=None, series_position=2))
    _violates(lambda: BriefFactory(status=BriefStatus.PUBLISHED, published_at=None))
    BriefFactory(series=series, series_position=1)
    _violates(lambda: BriefFactory(series=series, series_position=1))


def test_mention_is_unique_per_brief_and_entity() -> None:
    brief, entity = BriefFactory(), EntityFactory()
    Mention.objects.create(brief=brief, entity=entity)
    _violates(lambda: Mention.objects.create(brief=brief, entity=entity))
    _violates(lambda: Mention.objects.create(brief=brief, entity=EntityFactory(), role="hero"))


def test_entity_constraints() -> None:
    a, b = EntityFactory(), EntityFactory()
    _violates(lambda: EntityFactory(kind="dragon"))
    _violates(lambda: EntityFactory(name=""))
    _violates(lambda: Relationship.objects.create(subject=a, object=a, kind="leads"))
    _violates(
        lambda: Relationship.objects.create(
            subject=a,
            object=b,
            kind="leads",
            start_date=datetime.date(2020, 1, 1),
            end_date=datetime.date(2019, 1, 1),
        )
    )
    Relationship.objects.create(subject=a, object=b, kind="leads")
    _violates(lambda: Relationship.objects.create(subject=a, object=b, kind="leads"))
    ExternalIdentifier.objects.create(entity=a, scheme="wikidata", value="Q42")
    _violates(lambda: ExternalIdentifier.objects.create(entity=b, scheme="wikidata", value="Q42"))
    _violates(lambda: ExternalIdentifier.objects.create(entity=b, scheme="wikidata", value="x1"))
    Alias.objects.create(entity=a, name="A one", normalised="a one")
    _violates(lambda: Alias.objects.create(entity=a, name="A-One", normalised="a one"))
    Designation.objects.create(entity=a, authority="OFAC", programme="SDGT")
    _violates(lambda: Designation.objects.create(entity=a, authority="OFAC", programme="SDGT"))
    _violates(
        lambda: Designation.objects.create(
            entity=a,
            authority="UN",
            programme="1267",
            listed_on=datetime.date(2020, 1, 2),
            delisted_on=datetime.date(2020, 1, 1),
        )
    )


def test_region_constraints() -> None:
    _violates(lambda: Region.objects.create(name="Nowhere", slug="nowhere", kind="country"))
    _violates(lambda: Region.objects.create(name="R", slug="r", kind="region", iso_code="IQ"))


def test_user_email_is_unique_ignoring_case() -> None:
    UserFactory(username="a", email="Analyst@Example.org")
    _violates(lambda: UserFactory(username="b", email="analyst@example.org"))
    UserFactory(username="c", email="")
    UserFactory(username="d", email="")


def test_one_membership_per_user_and_valid_roles() -> None:
    user, organisation = UserFactory(), OrganisationFactory()
    Membership.objects.create(user=user, organisation=organisation, role=Role.CLIENT_READER)
    _violates(
        lambda: Membership.objects.create(user=user, organisation=organisation, role="reader")
    )
    _violates(lambda: Membership.objects.create(user=UserFactory(), organisation=organisation,
                                                role="overlord"))  # fmt: skip


def test_membership_assign_checks_kind_and_seats() -> None:
    client = organisation_create(actor=None, name="Small Client", seats=1)
    membership_assign(actor=None, user=UserFactory(), organisation=client, role="client_reader")
    with pytest.raises(ValidationError, match="no free seat"):
        membership_assign(actor=None, user=UserFactory(), organisation=client, role="client_reader")
    with pytest.raises(ValidationError, match="does not belong"):
        membership_assign(actor=None, user=UserFactory(), organisation=client, role="writer")
    with pytest.raises(ValidationError, match="does not belong"):
        membership_assign(
            actor=None, user=UserFactory(), organisation=DeskFactory(), role="client_reader"
        )
    assert Membership.objects.filter(organisation=client).count() == 1


def test_roles_grant_staff_rights_and_a_role_change_replaces_them() -> None:
    user = staff_user(role=Role.EDITOR)
    assert user.is_staff and user.has_perm("entities.add_designation")
    membership_assign(actor=None, user=user, organisation=DeskFactory(), role=Role.WRITER)
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("entities.add_designation")
    assert user.has_perm("briefs.add_brief")
    client = Organisation.objects.create(name="C", slug="c", seats=3)
    membership_assign(actor=None, user=user, organisation=client, role=Role.CLIENT_READER)
    user = type(user).objects.get(pk=user.pk)
    assert not user.is_staff and not user.has_perm("briefs.add_brief")


def test_slug_is_unique_and_stable_across_title_edits() -> None:
    writer = staff_user()
    first = brief_create(actor=writer, title="Iraq's militias after Syria")
    second = brief_create(actor=writer, title="Iraq's militias after Syria")
    assert first.slug == "iraqs-militias-after-syria"
    assert second.slug == "iraqs-militias-after-syria-2"
    brief_update(actor=writer, brief=first, title="A wholly new title", body="one two three")
    first.refresh_from_db()
    assert first.slug == "iraqs-militias-after-syria"
    assert first.word_count == 3
    assert first.title == "A wholly new title"
    arabic = brief_create(actor=writer, title="نوري المالكي")
    assert arabic.slug == "brief"


def test_services_record_audit_events() -> None:
    writer = staff_user()
    brief = brief_create(actor=writer, title="Audited")
    brief_update(actor=writer, brief=brief, summary="Changed")
    verbs = list(
        AuditEvent.objects.filter(target_id=str(brief.pk))
        .order_by("id")
        .values_list("verb", "actor")
    )
    assert verbs == [("brief.created", writer.pk), ("brief.edited", writer.pk)]


def test_entity_create_normalises_and_dedupes_aliases() -> None:
    entity = entity_create(
        actor=None,
        kind="person",
        name="Nuri  al-Maliki",
        country=country_resolve("Iraq"),
        aliases=[
            AliasSpec("Nouri al-Maliki"),
            AliasSpec("Nouri Al Maliki"),
            AliasSpec("نوري المالكي", language="ar", script="Arab"),
            AliasSpec("Nuri al-Maliki"),
        ],
    )
    assert entity.name == "Nuri al-Maliki"
    assert entity.country is not None and entity.country.iso_code == "IQ"
    assert sorted(entity.aliases.values_list("normalised", flat=True)) == [
        "nouri al maliki",
        "نوري المالكي",
    ]
    assert country_resolve("IRQ") == country_resolve("iq") == entity.country
    with pytest.raises(ValidationError):
        country_resolve("Atlantis")


@pytest.mark.postgres
def test_audit_events_cannot_be_changed_or_deleted_in_the_database() -> None:
    brief = brief_create(actor=None, title="Kept")
    event = AuditEvent.objects.get(target_id=str(brief.pk))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="forged")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE workflow_auditevent SET reason = 'rewritten'")
    assert AuditEvent.objects.get(pk=event.pk).verb == "brief.created"


@pytest.mark.postgres
def test_a_search_vector_stays_in_its_row_not_in_toast() -> None:
    """Search reads every readable brief's vector: one kept in the row is read with it, where
    one moved to TOAST (as a 5 KB vector that does not compress is by default) was read back
    in chunks through an index, a brief at a time (migration 0010 sets the column's storage)."""
    words = " ".join(f"word{number}" for number in range(300))
    brief = published_brief(title="Long", body=f"A long brief: {words}.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_vector) FROM briefs_publicationsearch"
            " WHERE publication_id = %s",
            [brief.pk],
        )
        (size,) = cursor.fetchone()
        cursor.execute(
            "SELECT reltoastrelid::regclass::text FROM pg_class"
            " WHERE oid = 'briefs_publicationsearch'::regclass"
        )
        (toast,) = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {toast}")
        (chunks,) = cursor.fetchone()
    assert size > 2032, "the vector is long enough that PostgreSQL would move it out of line"
    assert chunks == 0
