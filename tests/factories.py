"""factory-boy factories. They build rows directly, for arranging tests; code under test
goes through the services."""

import datetime
from collections.abc import Iterable

import factory
from django.utils import timezone

from advisory.accounts.models import AccessTier, Membership, Organisation, Role, User
from advisory.briefs.models import Brief, BriefStatus, Mention, MentionRole, Source
from advisory.entities.models import Alias, Entity, EntityKind, Region
from advisory.lib.text import normalise_name

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")
    kind = Organisation.Kind.CLIENT
    seats = 5
    tier = AccessTier.STANDARD


class DeskFactory(OrganisationFactory):
    name = "The desk"
    slug = "desk"
    kind = Organisation.Kind.DESK
    seats = 100
    tier = AccessTier.PREMIUM


def staff_user(role: str = Role.WRITER, **kwargs: object) -> User:
    """A desk member with the role's real permissions, assigned through the service."""
    from advisory.accounts.services import membership_assign

    user = UserFactory(**kwargs)
    membership_assign(actor=None, user=user, organisation=DeskFactory(), role=role)
    user.refresh_from_db()
    return user


def client_reader(**kwargs: object) -> User:
    """A reader in a client organisation of their own, assigned through the service."""
    from advisory.accounts.services import membership_assign

    user = UserFactory(**{"username": "reader", **kwargs})
    membership_assign(
        actor=None, user=user, organisation=OrganisationFactory(), role=Role.CLIENT_READER
    )
    user.refresh_from_db()
    return user


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("iso_code",)

    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.Sequence(lambda n: f"country-{n}")
    kind = Region.Kind.COUNTRY
    iso_code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")


def _gazetteer_outdated(obj: object, create: bool, extracted: object, **kwargs: object) -> None:
    """A name written past the services: the entity linker must still see it."""
    from advisory.entities.services import gazetteer_version_renew

    if create:
        gazetteer_version_renew()


class EntityFactory(factory.django.DjangoModelFactory[Entity]):
    class Meta:
        model = Entity
        skip_postgeneration_save = True

    kind = EntityKind.PERSON
    name = factory.Sequence(lambda n: f"Person {n}")
    normalised_name = factory.LazyAttribute(lambda e: normalise_name(e.name))
    slug = factory.Sequence(lambda n: f"person-{n}")
    _gazetteer = factory.PostGeneration(_gazetteer_outdated)


class AliasFactory(factory.django.DjangoModelFactory[Alias]):
    class Meta:
        model = Alias
        skip_postgeneration_save = True

    entity = factory.SubFactory(EntityFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")
    normalised = factory.LazyAttribute(lambda a: normalise_name(a.name))
    _gazetteer = factory.PostGeneration(_gazetteer_outdated)


class BriefFactory(factory.django.DjangoModelFactory[Brief]):
    class Meta:
        model = Brief

    title = factory.Sequence(lambda n: f"Brief number {n}")
    slug = factory.Sequence(lambda n: f"brief-number-{n}")
    summary = "A short summary."
    body = "## Heading\n\nA paragraph of analysis."
    status = BriefStatus.DRAFT


class PublishedBriefFactory(BriefFactory):
    """A brief whose current content is live: its revision recorded and published."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def _live(obj: Brief, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        from advisory.briefs.services import (
            brief_back_catalogue_status_set,
            brief_revision_record,
        )

        brief_revision_record(actor=None, brief=obj)
        brief_back_catalogue_status_set(
            actor=None, brief=obj, status=BriefStatus.PUBLISHED, published_at=timezone.now()
        )
        obj.refresh_from_db()


class MentionFactory(factory.django.DjangoModelFactory[Mention]):
    class Meta:
        model = Mention

    brief = factory.SubFactory(BriefFactory)
    entity = factory.SubFactory(EntityFactory)


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    class Meta:
        model = Source

    brief = factory.SubFactory(BriefFactory)
    title = factory.Sequence(lambda n: f"Source {n}")


__all__ = ["DEFAULT_PASSWORD", "Membership"]


def published_brief(
    *,
    regions: Iterable[Region] = (),
    tags: Iterable[str] = (),
    subjects: Iterable[Entity] = (),
    mentioned: Iterable[Entity] = (),
    authors: Iterable[User] = (),
    published_at: datetime.datetime | None = None,
    **fields: object,
) -> Brief:
    """A live brief with its classification, published the way the back catalogue is.

    `fields` go to the brief (title, body, access_tier, kind…); its regions, tags, entity links
    and authors are set before its revision is recorded, so its publication carries them.
    """
    from advisory.briefs.models import BriefAuthor
    from advisory.briefs.services import brief_back_catalogue_status_set, brief_revision_record

    brief = BriefFactory(**fields)
    brief.regions.set(list(regions))
    brief.tags.set(list(tags))
    for role, entities in ((MentionRole.SUBJECT, subjects), (MentionRole.MENTIONED, mentioned)):
        for entity in entities:
            Mention.objects.create(brief=brief, entity=entity, role=role)
    for position, author in enumerate(authors):
        BriefAuthor.objects.create(brief=brief, author=author, position=position)
    brief_revision_record(actor=None, brief=brief)
    brief_back_catalogue_status_set(
        actor=None,
        brief=brief,
        status=BriefStatus.PUBLISHED,
        published_at=published_at or timezone.now(),
    )
    brief.refresh_from_db()
    return brief
