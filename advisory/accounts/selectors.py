import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from advisory.accounts.models import (
    STAFF_ROLES,
    AccessTier,
    ApiToken,
    FeedKey,
    Follow,
    Membership,
    Organisation,
    Role,
    User,
)
from advisory.entities.models import Region
from advisory.lib.sql import column_in, statement_cursor


def membership_refusal(
    *, user: User, organisation: Organisation, role: str
) -> ValidationError | None:
    """Why the user cannot take that role in that organisation, or None if they can.

    Staff roles belong to the desk and client readers to clients; a client organisation
    cannot hold more members than it has seats.
    """
    role = Role(role)
    is_desk = organisation.kind == Organisation.Kind.DESK
    if (role in STAFF_ROLES) != is_desk:
        return ValidationError(
            {"role": f"The role {role.label} does not belong in {organisation.get_kind_display()}."}
        )
    if not is_desk:
        taken = organisation.memberships.exclude(user=user).count()
        if taken >= organisation.seats:
            return ValidationError(
                {"organisation": f"{organisation} has no free seat ({organisation.seats} in use)."}
            )
    return None


def user_role(user: User | None) -> Role | None:
    """The role a user acts in; a superuser acts as a desk admin."""
    if user is None or not user.is_active:
        return None
    if user.is_superuser:
        return Role.DESK_ADMIN
    membership = getattr(user, "membership", None)
    return Role(membership.role) if membership is not None else None


@dataclass(frozen=True)
class Entitlement:
    """What one user may read in full. Every client door asks `entitlement_of` and nothing else.

    `tier` is the highest access tier readable; public briefs are readable by everyone.
    `region_ids` lists the regions and countries covered (a region covers its countries), None
    meaning every region; `topic_ids` the tags the contract is limited to, None meaning all.
    `refusal` says, for a signed-in reader who gets only public briefs, why.
    """

    tier: AccessTier
    region_ids: frozenset[int] | None
    topic_ids: frozenset[int] | None
    organisation: Organisation | None = None
    refusal: str = ""

    @property
    def is_desk(self) -> bool:
        return self.organisation is not None and self.organisation.kind == Organisation.Kind.DESK


PUBLIC_ONLY = Entitlement(tier=AccessTier.PUBLIC, region_ids=frozenset(), topic_ids=None)


def entitlement_of(user: User | AnonymousUser | None) -> Entitlement:
    """What the user may read: the desk reads everything live; a client reader reads what the
    organisation's contract covers while it runs and the reader holds one of its seats;
    everyone else reads public briefs.

    Costs one query, once per user object (a request's user keeps it), which also reads what
    the user follows (`follow_targets_of`); none for a request's signed-in user, read with them
    (`user_with_entitlement`).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return PUBLIC_ONLY
    cached: Entitlement | None = getattr(user, "_entitlement", None)
    if cached is None:
        cached = _entitlement_read(user)
        user._entitlement = cached  # type: ignore[attr-defined]
    return cached


@functools.cache
def _entitlement_sql(vendor: str, *, with_user: bool) -> tuple[str, list[str], list[str]]:
    """The query of `_entitlement_read` (`with_user` false: from the user's id alone) or of
    `user_with_entitlement` (true: the user's row first), with the user's and the
    organisation's fields it starts with.

    Written out rather than built with the ORM: every signed-in page runs it, and compiling
    its subqueries cost about ten times what PostgreSQL takes to answer it.
    """
    quote = connection.ops.quote_name
    user_fields = User._meta.concrete_fields if with_user else ()
    fields = Organisation._meta.concrete_fields
    membership = quote(Membership._meta.db_table)
    regions = quote(Region._meta.db_table)
    entitled_regions = quote(Organisation.regions.through._meta.db_table)
    entitled_topics = quote(Organisation.topics.through._meta.db_table)

    def joined(column: str) -> str:
        return (
            f"STRING_AGG({column}::text, ',')"
            if vendor == "postgresql"
            else f"GROUP_CONCAT({column})"
        )

    contract_regions = (
        f"SELECT region_id FROM {entitled_regions} WHERE organisation_id = m.organisation_id"
    )
    follows = quote(Follow._meta.db_table)
    followed = ", ".join(
        f"(SELECT {joined(column)} FROM {follows} f WHERE f.user_id = u.id)"
        for column in ("f.entity_id", "f.tag_id", "f.region_id")
    )
    columns = [f"u.{quote(str(field.column))}" for field in user_fields]
    columns += [f"o.{quote(str(field.column))}" for field in fields]
    users = (
        f"{quote(User._meta.db_table)} u" if with_user else "(SELECT CAST(%s AS BIGINT) AS id) u"
    )
    sql = f"""
        SELECT {", ".join(columns)}, {followed},
            (SELECT COUNT(*) FROM {membership} b WHERE b.organisation_id = m.organisation_id
                AND (b.created_at < m.created_at OR (b.created_at = m.created_at AND b.id < m.id))),
            (SELECT {joined("r.id")} FROM {regions} r
                WHERE r.id IN ({contract_regions}) OR r.parent_id IN ({contract_regions})),
            (SELECT {joined("t.tag_id")} FROM {entitled_topics} t
                WHERE t.organisation_id = m.organisation_id)
        FROM {users}
            LEFT JOIN {membership} m ON m.user_id = u.id
            LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = m.organisation_id
        {"WHERE u.id = %s" if with_user else ""}
    """
    return (
        sql,
        [field.attname for field in user_fields],
        [field.attname for field in fields],
    )


def _ids(joined: str | None) -> frozenset[int]:
    return frozenset(int(pk) for pk in joined.split(",")) if joined else frozenset()


def _entitlement_read(user: User) -> Entitlement:
    """`entitlements_of` for one signed-in user, in one query: the membership's organisation,
    how many members joined it before them (the seats rule, as `_beyond_seats`), and the
    contract's regions with their countries and its topics (as `_contract`).

    The same query reads what the user follows and leaves it on the user object for
    `follow_targets_of`: every signed-in portal page asks both.
    """
    if user.is_superuser:
        return Entitlement(tier=AccessTier.PREMIUM, region_ids=None, topic_ids=None)
    sql, _, attnames = _entitlement_sql(connection.vendor, with_user=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        row = cursor.fetchone()
    return _entitlement_from_row(user, attnames, row)


def user_with_entitlement(user_id: int) -> User | None:
    """The user, in the same query as what `_entitlement_read` reads of them, left on the
    user object for `entitlement_of` and `follow_targets_of`: a signed-in page's request
    starts with one round trip to the database instead of two. None if there is no such user.
    """
    sql, user_attnames, attnames = _entitlement_sql(connection.vendor, with_user=True)
    with statement_cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(user_attnames)
    user = User.from_db(connection.alias, user_attnames, row[:width])
    user._entitlement = _entitlement_from_row(user, attnames, row[width:])  # type: ignore[attr-defined]
    return user


def _entitlement_from_row(user: User, attnames: list[str], row: Sequence[Any]) -> Entitlement:
    """The entitlement in a row of `_entitlement_sql` (the organisation's fields onwards);
    leaves what the user follows on the user object."""
    width = len(attnames)
    entity_ids, tag_ids, region_ids_followed = row[width : width + 3]
    user._follow_targets = FollowTargets(  # type: ignore[attr-defined]
        _ids(entity_ids), _ids(tag_ids), _ids(region_ids_followed)
    )
    if user.is_superuser:
        return Entitlement(tier=AccessTier.PREMIUM, region_ids=None, topic_ids=None)
    if row[0] is None:
        return replace(PUBLIC_ONLY, refusal="Your account does not belong to a subscriber.")
    organisation = Organisation.from_db(connection.alias, attnames, row[:width])
    joined_before, region_ids, topic_ids = row[width + 3 :]
    expires_on = organisation.expires_on
    running = organisation.kind == Organisation.Kind.CLIENT and not (
        expires_on and expires_on < timezone.localdate()
    )
    contract = None
    if running:
        contract = Entitlement(
            tier=AccessTier(organisation.tier),
            region_ids=_ids(region_ids),
            topic_ids=_ids(topic_ids) or None,
            organisation=organisation,
        )
    return _membership_entitlement(
        organisation, seated=joined_before < organisation.seats, contract=contract
    )


@dataclass
class ContractMemo:
    """Organisations' contracts and who holds no seat in them, as `entitlements_of` read them;
    a caller may keep it across calls for a short while (a digest task's minute)."""

    contracts: dict[int, Entitlement] = field(default_factory=dict)
    unseated: dict[int, set[int]] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)


def entitlements_of(
    users: Sequence[User], *, memo: ContractMemo | None = None
) -> dict[int, Entitlement]:
    """`entitlement_of` for many users at once (a chunk of digest recipients), by user id.

    One query for the memberships (as ids), one for the organisations not in `memo`, one
    for the seats of organisations not in it, and two for each contract not in it: a
    chunk's readers cost no object each. Each user object keeps its entitlement, so later
    calls of `entitlement_of` on it cost nothing.
    """
    ids = [user.pk for user in users if user.is_active and not user.is_superuser]
    memo = ContractMemo() if memo is None else memo
    memberships = _organisations_of(ids, memo=memo)
    resolved: dict[int, Entitlement] = {}
    today = timezone.localdate()
    running = {
        organisation.pk
        for organisation in memberships.values()
        if organisation.kind == Organisation.Kind.CLIENT
        and not (organisation.expires_on and organisation.expires_on < today)
    }
    unread = running - memo.unseated.keys()
    if unread:
        memo.unseated |= _beyond_seats(unread)
    contracts = memo.contracts
    for user in users:
        if not user.is_active:
            entitlement = PUBLIC_ONLY
        elif user.is_superuser:
            entitlement = Entitlement(tier=AccessTier.PREMIUM, region_ids=None, topic_ids=None)
        elif user.pk not in memberships:
            entitlement = replace(
                PUBLIC_ONLY, refusal="Your account does not belong to a subscriber."
            )
        else:
            organisation = memberships[user.pk]
            if organisation.pk in running and organisation.pk not in contracts:
                contracts[organisation.pk] = _contract(organisation)
            entitlement = _membership_entitlement(
                organisation,
                seated=user.pk not in memo.unseated.get(organisation.pk, set()),
                contract=contracts.get(organisation.pk),
            )
        user._entitlement = entitlement  # type: ignore[attr-defined]
        resolved[user.pk] = entitlement
    return resolved


def _organisations_of(user_ids: Sequence[int], *, memo: ContractMemo) -> dict[int, Organisation]:
    """Each user's organisation, by user id: the memberships as ids, and only the
    organisations the memo lacks as objects (a chunk of 200 readers shares a few dozen)."""
    condition, ids = column_in("user_id", user_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, organisation_id FROM {Membership._meta.db_table} WHERE {condition}",
            ids,
        )
        pairs = cursor.fetchall()
    unknown = {organisation_id for _, organisation_id in pairs} - memo.organisations.keys()
    if unknown:
        memo.organisations |= Organisation.objects.in_bulk(unknown)
    return {user_id: memo.organisations[organisation_id] for user_id, organisation_id in pairs}


def _beyond_seats(organisation_ids: set[int]) -> dict[int, set[int]]:
    """For each organisation, the users who joined after its seats were taken."""
    ranked = (
        Membership.objects.filter(organisation_id__in=organisation_ids)
        .annotate(
            joined=Window(
                RowNumber(),
                partition_by=[F("organisation_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            ),
            seats=F("organisation__seats"),
        )
        .filter(joined__gt=F("seats"))
    )
    unseated: dict[int, set[int]] = {pk: set() for pk in organisation_ids}
    for organisation_id, user_id in ranked.values_list("organisation_id", "user_id"):
        unseated[organisation_id].add(user_id)
    return unseated


def _contract(organisation: Organisation) -> Entitlement:
    """What the organisation's running contract opens: its tier, regions and topics."""
    regions = Region.objects.filter(
        Q(entitled_organisations=organisation) | Q(parent__entitled_organisations=organisation)
    )
    topics = frozenset(organisation.topics.values_list("pk", flat=True))
    return Entitlement(
        tier=AccessTier(organisation.tier),
        region_ids=frozenset(regions.values_list("pk", flat=True)),
        topic_ids=topics or None,
        organisation=organisation,
    )


def _membership_entitlement(
    organisation: Organisation, *, seated: bool, contract: Entitlement | None
) -> Entitlement:
    if organisation.kind == Organisation.Kind.DESK:
        return Entitlement(
            tier=AccessTier.PREMIUM, region_ids=None, topic_ids=None, organisation=organisation
        )
    public = replace(PUBLIC_ONLY, organisation=organisation)
    if contract is None:
        return replace(
            public,
            refusal=f"{organisation}'s subscription ended on {organisation.expires_on:%-d %B %Y}.",
        )
    if not seated:
        return replace(
            public, refusal=f"{organisation} has more readers than its {organisation.seats} seats."
        )
    return contract


def _feed_signature(user_id: int, version: int) -> str:
    return salted_hmac("advisory.feed-token", f"{user_id}.{version}").hexdigest()[:40]


def feed_token_of(user: User) -> str:
    """The private token in the reader's feed URLs; it changes when the reader resets it."""
    version = FeedKey.objects.filter(user=user).values_list("version", flat=True).first() or 1
    return f"{user.pk}.{_feed_signature(user.pk, version)}"


def feed_user_for_token(token: str) -> User | None:
    """The active user whose current feed token this is, or None for a wrong or reset token."""
    user_id, _, signature = token.partition(".")
    if not user_id.isdigit() or not signature:
        return None
    user = User.objects.filter(pk=int(user_id), is_active=True).first()
    if user is None:
        return None
    version = FeedKey.objects.filter(user=user).values_list("version", flat=True).first() or 1
    if not constant_time_compare(signature, _feed_signature(user.pk, version)):
        return None
    return user


@dataclass(frozen=True)
class FollowTargets:
    """What a reader follows, as ids, to show each follow button in its state."""

    entity_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()

    @property
    def version(self) -> str:
        """Changes whenever the reader follows or stops following anything: a kept page showing
        follow buttons or what the reader follows is keyed by it."""
        ids = (sorted(self.entity_ids), sorted(self.tag_ids), sorted(self.region_ids))
        return hashlib.sha256(repr(ids).encode()).hexdigest()


def follow_targets_of(user: User | AnonymousUser) -> FollowTargets:
    """What the reader follows, once per user object (a request's user keeps it): read with
    the entitlement when that was read first, else in a query of its own."""
    if not isinstance(user, User) or not user.is_authenticated:
        return FollowTargets()
    cached: FollowTargets | None = getattr(user, "_follow_targets", None)
    if cached is None:
        rows = Follow.objects.filter(user=user).values_list("entity_id", "tag_id", "region_id")
        entity_ids: set[int] = set()
        tag_ids: set[int] = set()
        region_ids: set[int] = set()
        for entity_id, tag_id, region_id in rows:
            for ids, pk in ((entity_ids, entity_id), (tag_ids, tag_id), (region_ids, region_id)):
                if pk is not None:
                    ids.add(pk)
        cached = FollowTargets(frozenset(entity_ids), frozenset(tag_ids), frozenset(region_ids))
        user._follow_targets = cached  # type: ignore[attr-defined]
    return cached


def follows_of(user: User | AnonymousUser) -> list[Follow]:
    """What the reader follows, newest first, with the entity, tag or region loaded."""
    if not user.is_authenticated:
        return []
    return list(Follow.objects.filter(user=user).select_related("entity", "tag", "region"))


# --- API tokens -------------------------------------------------------------------------------

API_TOKEN_PATTERN = re.compile(r"^adv_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{43}$")


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_resolve(token: str) -> ApiToken | None:
    """The live token this is, with its active user loaded, or None: one query."""
    match = API_TOKEN_PATTERN.match(token)
    if match is None:
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(prefix=match["prefix"], revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None or not constant_time_compare(found.secret_hash, api_token_hash(token)):
        return None
    return found


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, each newest first."""
    return sorted(
        ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"),
        key=lambda token: token.revoked_at is not None,
    )
