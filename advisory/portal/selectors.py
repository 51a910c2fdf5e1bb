"""What clients may see: every door (pages, search, feeds, sitemap, API, digests) starts here."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from advisory.accounts.models import AccessTier, User
from advisory.accounts.selectors import Entitlement, entitlement_of
from advisory.briefs.models import Publication, PublicationRegion, PublicationTag


def readable_condition(entitlement: Entitlement) -> Q:
    """The publications the entitlement opens in full, as a condition on `Publication`.

    Public briefs are open to all. Otherwise the tier must be covered and, unless the contract
    covers every region, one of the brief's regions or countries (a brief with none is about
    no place in particular and reads as covered); a contract limited to topics needs a shared tag.
    """
    public = Q(access_tier=AccessTier.PUBLIC)
    if entitlement.tier == AccessTier.PUBLIC:
        return public
    covered = Q(access_tier__lte=entitlement.tier)
    if entitlement.region_ids is not None:
        placed = PublicationRegion.objects.filter(publication=OuterRef("pk"))
        covered &= Q(~Exists(placed)) | Q(
            Exists(placed.filter(region_id__in=entitlement.region_ids))
        )
    if entitlement.topic_ids is not None:
        topics = PublicationTag.objects.filter(
            publication=OuterRef("pk"), tag_id__in=entitlement.topic_ids
        )
        covered &= Q(Exists(topics))
    return public | covered


def publications_for(user: User | AnonymousUser | None) -> QuerySet[Publication]:
    """Every publication the user may know of, each annotated `readable`.

    A publication the user may know of is live and past its embargo; its title and summary are
    a teaser anyone may see. `readable` says whether the user may read the rest: a door shows
    the body, key judgments, sources and entity links only when it is true.
    """
    condition = readable_condition(entitlement_of(user))
    return Publication.objects.filter(published_at__lte=timezone.now()).annotate(
        readable=Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def publications_readable(user: User | AnonymousUser | None) -> QuerySet[Publication]:
    """Only what the user may read in full: for search, feeds with content, digests and the API."""
    return publications_for(user).filter(readable_condition(entitlement_of(user)))
