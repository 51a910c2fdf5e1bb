import datetime
import secrets
from collections.abc import Iterable
from typing import Any, TypeAlias

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from taggit.models import Tag

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
from advisory.accounts.roles import ROLE_PERMISSIONS, group_name
from advisory.accounts.selectors import api_token_hash, membership_refusal
from advisory.entities.models import Entity, Region
from advisory.lib.slugs import unique_slug
from advisory.workflow.services import audit_event_record


def _role_group(role: str) -> Group:
    """The group that carries a role's permissions, brought up to date with roles.py."""
    group, _ = Group.objects.get_or_create(name=group_name(role))
    wanted = [
        (label.split(".")[0], f"{action}_{label.split('.')[1]}")
        for label, actions in ROLE_PERMISSIONS[role].items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    group.permissions.set(
        [p for p in permissions if (p.content_type.app_label, p.codename) in set(wanted)]
    )
    return group


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    display_name: str = "",
    bio: str = "",
) -> User:
    user = User(
        username=username,
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
        bio=bio,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_event_record(actor=actor, verb="user.created", target=user)
    return user


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    kind: str = Organisation.Kind.CLIENT,
    seats: int = 5,
    expires_on: datetime.date | None = None,
    tier: int = AccessTier.STANDARD,
    regions: Iterable[Region] = (),
    topics: Iterable[Tag] = (),
) -> Organisation:
    organisation = Organisation(
        name=name,
        slug=unique_slug(Organisation, name, fallback="organisation"),
        kind=kind,
        seats=seats,
        expires_on=expires_on,
        tier=tier,
    )
    organisation.full_clean()
    organisation.save()
    organisation.regions.set(list(regions))
    organisation.topics.set(list(topics))
    audit_event_record(actor=actor, verb="organisation.created", target=organisation)
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    regions: Iterable[Region] | None = None,
    topics: Iterable[Tag] | None = None,
    **fields: Any,
) -> Organisation:
    """Change an organisation's subscription; the audit event names what changed."""
    unknown = set(fields) - {"name", "kind", "seats", "expires_on", "tier"}
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    changed = sorted(name for name, value in fields.items() if getattr(organisation, name) != value)
    for name in changed:
        setattr(organisation, name, fields[name])
    organisation.full_clean()
    organisation.save()
    if regions is not None:
        before = set(organisation.regions.values_list("pk", flat=True))
        organisation.regions.set(list(regions))
        if before != set(organisation.regions.values_list("pk", flat=True)):
            changed.append("regions")
    if topics is not None:
        before = set(organisation.topics.values_list("pk", flat=True))
        organisation.topics.set(list(topics))
        if before != set(organisation.topics.values_list("pk", flat=True)):
            changed.append("topics")
    audit_event_record(
        actor=actor, verb="organisation.updated", target=organisation, data={"fields": changed}
    )
    return organisation


@transaction.atomic
def membership_assign(
    *, actor: User | None, user: User, organisation: Organisation, role: str
) -> Membership:
    """Put a user in an organisation with a role, and give them exactly that role's rights."""
    # Lock the organisation so two concurrent assignments cannot both take the last seat.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    refusal = membership_refusal(user=user, organisation=organisation, role=role)
    if refusal is not None:
        raise refusal
    role = Role(role)
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "role": role}
    )
    user.is_staff = role in STAFF_ROLES
    user.save(update_fields=["is_staff"])
    _role_groups_clear(user)
    user.groups.add(_role_group(role))
    audit_event_record(
        actor=actor,
        verb="membership.assigned",
        target=membership,
        data={"role": role.value, "organisation": organisation.pk},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Take the user out of their organisation, with every right their role gave them."""
    user = membership.user
    audit_event_record(
        actor=actor,
        verb="membership.revoked",
        target=user,
        data={"role": membership.role, "organisation": membership.organisation_id},
    )
    membership.delete()
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    _role_groups_clear(user)


def _role_groups_clear(user: User) -> None:
    user.groups.remove(*Group.objects.filter(name__in=[group_name(r) for r in Role]))


FollowTarget: TypeAlias = Entity | Tag | Region


def _follow_field(target: FollowTarget) -> str:
    if isinstance(target, Entity):
        return "entity"
    if isinstance(target, Tag):
        return "tag"
    return "region"


@transaction.atomic
def follow_add(*, actor: User, target: FollowTarget) -> Follow:
    """The reader follows an entity, a tag or a region; following it again changes nothing."""
    if not actor.is_authenticated:
        raise ValidationError("Sign in to follow.")
    lookup: dict[str, Any] = {_follow_field(target): target}
    follow, created = Follow.objects.get_or_create(user=actor, **lookup)
    if created:
        audit_event_record(
            actor=actor, verb="follow.added", target=follow, data={_follow_field(target): target.pk}
        )
    return follow


@transaction.atomic
def follow_remove(*, actor: User, target: FollowTarget) -> None:
    """The reader stops following; unfollowing what one does not follow changes nothing."""
    follow = Follow.objects.filter(user=actor, **{_follow_field(target): target}).first()
    if follow is None:
        return
    audit_event_record(
        actor=actor, verb="follow.removed", target=follow, data={_follow_field(target): target.pk}
    )
    follow.delete()


@transaction.atomic
def feed_key_reset(*, actor: User) -> FeedKey:
    """Every private feed URL the reader had stops working; new ones take their place."""
    # Without a row the reader's token is that of version 1, so a first reset makes version 2.
    key, created = FeedKey.objects.select_for_update().get_or_create(
        user=actor, defaults={"version": 2, "reset_at": timezone.now()}
    )
    if not created:
        key.version += 1
        key.reset_at = timezone.now()
        key.save(update_fields=["version", "reset_at"])
    audit_event_record(
        actor=actor, verb="feed_key.reset", target=key, data={"version": key.version}
    )
    return key


def feed_key_used(*, user: User) -> None:
    """Remember when a private feed URL was last read (at most once a minute: readers poll)."""
    now = timezone.now()
    key, created = FeedKey.objects.get_or_create(user=user, defaults={"last_used_at": now})
    if not created and (
        key.last_used_at is None or now - key.last_used_at > datetime.timedelta(minutes=1)
    ):
        FeedKey.objects.filter(pk=key.pk).update(last_used_at=now)


def two_factor_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the authenticator app the user has just set up, if `token` is its current code.

    Any other device of theirs is removed: one authenticator per person, the one just proved.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor)
        if not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_event_record(actor=actor, verb="two_factor.enabled", target=actor)
    return True


def two_factor_disable(*, actor: User) -> None:
    """Remove the user's authenticator; refused while a desk admin requires it of them."""
    with transaction.atomic():
        if actor.two_factor_required:
            raise ValidationError("A desk admin requires two-factor sign-in of this account.")
        TOTPDevice.objects.filter(user=actor).delete()
        audit_event_record(actor=actor, verb="two_factor.disabled", target=actor)


def two_factor_device_pending(*, actor: User) -> TOTPDevice:
    """The authenticator the user is setting up: kept until they prove it with a code, so
    reloading the set-up page shows the same QR code."""
    with transaction.atomic():
        device, _ = TOTPDevice.objects.get_or_create(
            user=actor, confirmed=False, defaults={"name": "Authenticator app"}
        )
    return device


# Enough for every tool a reader or the desk connects; more usually means forgotten tokens.
API_TOKENS_PER_USER = 10
# Reading the last-used time to the minute is enough, and spares a write on every request.
API_TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=1)


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for the actor; returns it with the token itself, which is not kept."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Say what the token is for."})
    # Lock the user's row so two requests at once cannot both take the last place.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    live = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
    if live >= API_TOKENS_PER_USER:
        raise ValidationError(
            {"name": f"You have {live} tokens: revoke one you no longer use first."}
        )
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    token = f"adv_{prefix}_{secrets.token_urlsafe(32)}"
    api_token = ApiToken(user=actor, name=name, prefix=prefix, secret_hash=api_token_hash(token))
    api_token.full_clean()
    api_token.save()
    audit_event_record(
        actor=actor, verb="api_token.created", target=api_token, data={"prefix": prefix}
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: User, api_token: ApiToken) -> ApiToken:
    """The token stops working at once; revoking it again changes nothing.

    Its owner revokes it from the account page; a desk admin, who manages users, may revoke
    anyone's (a leaked key, a client who has left) from the user's page in the admin.
    """
    api_token = ApiToken.objects.select_for_update().get(pk=api_token.pk)
    if api_token.user_id != actor.pk and not actor.has_perm("accounts.change_user"):
        raise ValidationError("You may revoke only your own tokens.")
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_event_record(
            actor=actor,
            verb="api_token.revoked",
            target=api_token,
            data={"prefix": api_token.prefix},
        )
    return api_token


def api_token_used(*, api_token: ApiToken) -> None:
    """Note when the token was last used, to the minute: no write for most requests."""
    now = timezone.now()
    last = api_token.last_used_at
    if last is not None and now - last < API_TOKEN_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    api_token.last_used_at = now
