"""Who may read what: the one entitlement selector every client door calls."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from advisory.accounts.models import AccessTier, Membership, Organisation, Role
from advisory.accounts.selectors import entitlement_of, entitlements_of
from advisory.accounts.services import membership_assign
from advisory.briefs.models import Publication
from advisory.entities.models import Region
from advisory.portal.selectors import publications_for, publications_readable
from tests.factories import (
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    client_reader,
    published_brief,
    staff_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _middle_east() -> tuple[Region, Region, Region]:
    region = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=region)
    iran = RegionFactory(name="Iran", slug="iran", iso_code="IR", parent=region)
    return region, iraq, iran


def _readable_slugs(user: object) -> set[str]:
    return set(publications_readable(user).values_list("slug", flat=True))


def test_a_visitor_reads_public_briefs_only() -> None:
    public = published_brief(access_tier=AccessTier.PUBLIC)
    standard = published_brief(access_tier=AccessTier.STANDARD)
    known = {p.slug: p.readable for p in publications_for(AnonymousUser())}
    assert known == {public.slug: True, standard.slug: False}


def test_a_region_covers_its_countries_but_a_country_does_not_cover_its_region() -> None:
    region, iraq, iran = _middle_east()
    reader = client_reader()
    organisation = reader.membership.organisation
    organisation.regions.set([iraq])
    about_iraq = published_brief(regions=[iraq])
    about_iran = published_brief(regions=[iran])
    about_the_region = published_brief(regions=[region])
    about_nowhere = published_brief()
    assert _readable_slugs(reader) == {about_iraq.slug, about_nowhere.slug}

    organisation.regions.set([region])
    reader = type(reader).objects.get(pk=reader.pk)
    assert _readable_slugs(reader) == {
        about_iraq.slug,
        about_iran.slug,
        about_the_region.slug,
        about_nowhere.slug,
    }


def test_the_tier_is_a_ceiling() -> None:
    reader = client_reader()
    public = published_brief(access_tier=AccessTier.PUBLIC)
    standard = published_brief(access_tier=AccessTier.STANDARD)
    published_brief(access_tier=AccessTier.PREMIUM)
    assert _readable_slugs(reader) == {public.slug, standard.slug}


def test_a_contract_limited_to_topics_needs_a_shared_tag() -> None:
    reader = client_reader()
    energy = published_brief(tags=["energy"])
    published_brief(tags=["militias"])
    from taggit.models import Tag

    reader.membership.organisation.topics.set([Tag.objects.get(name="energy")])
    assert _readable_slugs(reader) == {energy.slug}


def test_after_expiry_only_public_briefs_and_the_reason_is_given() -> None:
    reader = client_reader()
    organisation = reader.membership.organisation
    organisation.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    organisation.save()
    public = published_brief(access_tier=AccessTier.PUBLIC)
    published_brief()
    assert _readable_slugs(reader) == {public.slug}
    assert "subscription ended" in entitlement_of(reader).refusal


def test_the_last_day_of_a_subscription_still_counts() -> None:
    reader = client_reader()
    organisation = reader.membership.organisation
    organisation.expires_on = timezone.localdate()
    organisation.save()
    standard = published_brief()
    assert standard.slug in _readable_slugs(reader)


def test_readers_beyond_the_seat_count_read_public_briefs_only() -> None:
    organisation = OrganisationFactory(seats=2)
    readers = [UserFactory(username=f"seat{n}") for n in range(2)]
    for user in readers:
        membership_assign(actor=None, user=user, organisation=organisation, role=Role.CLIENT_READER)
    organisation.seats = 1
    organisation.save()
    standard = published_brief()
    first, second = (type(u).objects.get(pk=u.pk) for u in readers)
    assert standard.slug in _readable_slugs(first)
    assert standard.slug not in _readable_slugs(second)
    assert "seats" in entitlement_of(second).refusal


def test_a_user_without_membership_and_an_inactive_reader_read_public_only() -> None:
    public = published_brief(access_tier=AccessTier.PUBLIC)
    published_brief()
    loner = UserFactory(username="loner")
    assert _readable_slugs(loner) == {public.slug}
    assert entitlement_of(loner).refusal
    reader = client_reader()
    reader.is_active = False
    reader.save()
    assert _readable_slugs(reader) == {public.slug}


def test_the_desk_reads_every_live_brief_but_nothing_unpublished() -> None:
    editor = staff_user(Role.EDITOR)
    premium = published_brief(access_tier=AccessTier.PREMIUM)
    future = published_brief(published_at=timezone.now() + datetime.timedelta(hours=1))
    assert premium.slug in _readable_slugs(editor)
    assert future.slug not in {p.slug for p in publications_for(editor)}


def test_an_embargoed_publication_is_unknown_to_everyone() -> None:
    future = published_brief(
        access_tier=AccessTier.PUBLIC, published_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert not publications_for(AnonymousUser()).filter(pk=future.pk).exists()


def test_the_entitlement_costs_a_fixed_number_of_queries_once_per_user(
    django_assert_num_queries: object,
) -> None:
    region, iraq, iran = _middle_east()
    reader = client_reader()
    reader.membership.organisation.regions.set([region, iraq, iran])
    reader = type(reader).objects.get(pk=reader.pk)
    # One query: every signed-in page asks it (see `_entitlement_read`).
    with django_assert_num_queries(1):  # type: ignore[operator]
        entitlement_of(reader)
    with django_assert_num_queries(0):  # type: ignore[operator]
        entitlement_of(reader)


def test_one_reader_and_a_batch_of_readers_are_entitled_alike() -> None:
    """`entitlement_of` reads one user in a query of its own; digests read many at once
    with `entitlements_of`. Both must say the same for every kind of contract."""
    from taggit.models import Tag

    region, iraq, _ = _middle_east()
    running = OrganisationFactory(seats=1, tier=AccessTier.PREMIUM)
    running.regions.set([region, iraq])
    published_brief(tags=["energy"])
    running.topics.set([Tag.objects.get(name="energy")])
    expired = OrganisationFactory(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    everywhere = OrganisationFactory()
    users = [UserFactory(username=f"reader{n}") for n in range(4)]
    for user, organisation in zip(users, (running, running, expired, everywhere), strict=True):
        # The second reader of `running` joins beyond its one seat.
        Membership.objects.create(user=user, organisation=organisation, role=Role.CLIENT_READER)
    users += [UserFactory(username="loner"), staff_user(Role.EDITOR)]
    superuser = UserFactory(username="root")
    superuser.is_superuser = True
    superuser.save()
    users.append(superuser)
    fresh = [type(user).objects.get(pk=user.pk) for user in users]
    batch = entitlements_of([type(user).objects.get(pk=user.pk) for user in users])
    one_by_one = {user.pk: entitlement_of(user) for user in fresh}
    assert one_by_one == batch
    assert len({(e.tier, e.region_ids, e.topic_ids, e.refusal) for e in batch.values()}) == 6


# The property: for any contract and any brief, the SQL condition agrees with the rule as
# the desk states it.
TIERS = st.sampled_from(list(AccessTier))


def _rule(
    *,
    org_tier: int,
    org_regions: set[str],
    org_topics: set[str],
    expired: bool,
    brief_tier: int,
    brief_regions: set[str],
    brief_tags: set[str],
) -> bool:
    if brief_tier == AccessTier.PUBLIC:
        return True
    if expired or brief_tier > org_tier:
        return False
    covered = set(org_regions)
    if "ME" in org_regions:
        covered |= {"IQ", "IR"}
    if brief_regions and not brief_regions & covered:
        return False
    return not org_topics or bool(org_topics & brief_tags)


class TestEntitlementProperty(HypothesisTestCase):
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        org_tier=TIERS,
        org_regions=st.sets(st.sampled_from(["ME", "IQ", "IR", "EU"])),
        org_topics=st.sets(st.sampled_from(["energy", "militias"]), max_size=1),
        expired=st.booleans(),
        brief_tier=TIERS,
        brief_regions=st.sets(st.sampled_from(["ME", "IQ", "IR", "EU"]), max_size=2),
        brief_tags=st.sets(st.sampled_from(["energy", "militias", "oil"]), max_size=2),
    )
    def test_sql_agrees_with_the_rule(
        self,
        org_tier: int,
        org_regions: set[str],
        org_topics: set[str],
        expired: bool,
        brief_tier: int,
        brief_regions: set[str],
        brief_tags: set[str],
    ) -> None:
        from taggit.models import Tag

        middle_east = Region.objects.create(name="Middle East", slug="me", kind="region")
        regions = {
            "ME": middle_east,
            "EU": Region.objects.create(name="Europe", slug="eu", kind="region"),
            "IQ": Region.objects.create(
                name="Iraq", slug="iq", kind="country", iso_code="IQ", parent=middle_east
            ),
            "IR": Region.objects.create(
                name="Iran", slug="ir", kind="country", iso_code="IR", parent=middle_east
            ),
        }
        organisation = Organisation.objects.create(
            name="Client", slug="client", tier=org_tier, seats=1
        )
        if expired:
            organisation.expires_on = timezone.localdate() - datetime.timedelta(days=1)
            organisation.save()
        organisation.regions.set([regions[code] for code in org_regions])
        organisation.topics.set([Tag.objects.get_or_create(name=t, slug=t)[0] for t in org_topics])
        reader = UserFactory(username="reader")
        Membership.objects.create(user=reader, organisation=organisation, role=Role.CLIENT_READER)
        brief = published_brief(
            access_tier=brief_tier,
            regions=[regions[code] for code in brief_regions],
            tags=sorted(brief_tags),
        )
        expected = _rule(
            org_tier=org_tier,
            org_regions=org_regions,
            org_topics=org_topics,
            expired=expired,
            brief_tier=brief_tier,
            brief_regions=brief_regions,
            brief_tags=brief_tags,
        )
        readable = publications_for(reader).get(pk=brief.pk).readable
        assert readable is expected
        assert Publication.objects.filter(pk=brief.pk).exists()


def test_what_a_reader_follows_is_read_with_their_entitlement(
    django_assert_num_queries: object,
) -> None:
    from taggit.models import Tag

    from advisory.accounts.models import Follow
    from advisory.accounts.selectors import follow_targets_of
    from tests.factories import EntityFactory

    region, iraq, _ = _middle_east()
    reader = client_reader()
    entity = EntityFactory()
    tag = Tag.objects.create(name="energy", slug="energy")
    for target in ({"entity": entity}, {"tag": tag}, {"region": iraq}, {"region": region}):
        Follow.objects.create(user=reader, **target)
    alone = type(reader).objects.get(pk=reader.pk)
    with_entitlement = type(reader).objects.get(pk=reader.pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        entitlement_of(with_entitlement)
        read_with_it = follow_targets_of(with_entitlement)
    assert read_with_it == follow_targets_of(alone)
    assert read_with_it.entity_ids == {entity.pk}
    assert read_with_it.tag_ids == {tag.pk}
    assert read_with_it.region_ids == {iraq.pk, region.pk}
