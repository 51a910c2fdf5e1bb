"""The signed-in user's own: who they are, what they follow, their email digests.

Thin views over the services the portal's pages use, so the same rules hold: bad input is a
400 naming the field, and changes nothing.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.accounts.models import AccessTier, Follow, User
from advisory.accounts.selectors import Entitlement, entitlement_of, user_role
from advisory.accounts.services import follow_add, follow_remove
from advisory.api import selectors
from advisory.api.account_serializers import (
    FOLLOW_KINDS,
    FollowCreateSerializer,
    FollowSerializer,
    MeSerializer,
    SubscriptionSerializer,
    SubscriptionWriteSerializer,
)
from advisory.api.pagination import FollowCursorPagination
from advisory.api.serializers import ListQuerySerializer
from advisory.digests.models import Frequency, Subscription
from advisory.digests.services import (
    subscription_preferences_change,
    subscription_save,
    subscription_unsubscribe,
)
from advisory.portal.selectors import follow_target_for


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated, the default, let only users in
    return user


@dataclass(frozen=True)
class Me:
    user: User
    entitlement: Entitlement
    role: str | None
    tier: str


class MeView(APIView):
    """Who the credentials belong to, and what their subscription lets them read."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = _user(request)
        entitlement = entitlement_of(user)
        role = user_role(user)
        me = Me(
            user=user,
            entitlement=entitlement,
            role=role.value if role is not None else None,
            tier=AccessTier(entitlement.tier).label.lower(),
        )
        return Response(MeSerializer(me).data)


# --- Follows ------------------------------------------------------------------------------


class FollowList(generics.ListAPIView[Follow]):
    """What you follow, newest first: it shapes your portal home page and your digests."""

    serializer_class = FollowSerializer
    pagination_class = FollowCursorPagination

    def get_queryset(self) -> QuerySet[Follow]:
        ListQuerySerializer(data=self.request.query_params).is_valid(raise_exception=True)
        return selectors.follows_of_user(_user(self.request))

    @extend_schema(
        request=FollowCreateSerializer,
        responses={
            201: OpenApiResponse(FollowSerializer, description="Now followed."),
            200: OpenApiResponse(FollowSerializer, description="Already followed: unchanged."),
        },
    )
    def post(self, request: Request) -> Response:
        """Follow an entity, a topic or a region."""
        user = _user(request)
        given = FollowCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        kind, slug = given.validated_data["kind"], given.validated_data["slug"]
        target = follow_target_for(kind, slug)
        if target is None:
            raise ValidationError({"slug": [f"No {kind} has this slug."]})
        followed = selectors.follows_of_user(user).filter(**{kind: target}).exists()
        follow = follow_add(actor=user, target=target)
        follow = selectors.follows_of_user(user).get(pk=follow.pk)
        return Response(
            FollowSerializer(follow, context={"request": request}).data,
            status=status.HTTP_200_OK if followed else status.HTTP_201_CREATED,
        )


KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FOLLOW_KINDS)
)


class FollowDetail(APIView):
    @extend_schema(parameters=[KIND_PARAMETER], responses={204: None})
    def delete(self, request: Request, kind: str, slug: str) -> Response:
        """Stop following it."""
        user = _user(request)
        target = follow_target_for(kind, slug)
        if target is None or not selectors.follows_of_user(user).filter(**{kind: target}).exists():
            raise NotFound("You do not follow anything of this kind with this slug.")
        follow_remove(actor=user, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Email digests ------------------------------------------------------------------------


class SubscriptionList(APIView):
    """Your email digests: at most one of each frequency, whatever its status."""

    @extend_schema(responses=SubscriptionSerializer(many=True))
    def get(self, request: Request) -> Response:
        subscriptions = selectors.subscriptions_of(_user(request))
        return Response(SubscriptionSerializer(subscriptions, many=True).data)


FREQUENCY_PARAMETER = OpenApiParameter(
    "frequency", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(Frequency.values)
)


@extend_schema(parameters=[FREQUENCY_PARAMETER])
class SubscriptionDetail(APIView):
    """Your digest of one frequency: `immediate` (flash alerts), `daily` or `weekly`."""

    def _subscription(self, request: Request, frequency: str) -> Subscription | None:
        if frequency not in Frequency.values:
            raise NotFound("The frequency is immediate, daily or weekly.")
        found = [s for s in selectors.subscriptions_of(_user(request)) if s.frequency == frequency]
        return found[0] if found else None

    def _existing(self, request: Request, frequency: str) -> Subscription:
        subscription = self._subscription(request, frequency)
        if subscription is None:
            raise NotFound(f"You have no {frequency} digest.")
        return subscription

    def _answer(
        self, request: Request, subscription: Subscription, code: int = status.HTTP_200_OK
    ) -> Response:
        """The subscription as saved, read again with what it is about."""
        fresh = [s for s in selectors.subscriptions_of(_user(request)) if s.pk == subscription.pk]
        return Response(SubscriptionSerializer(fresh[0]).data, status=code)

    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request: Request, frequency: str) -> Response:
        return Response(SubscriptionSerializer(self._existing(request, frequency)).data)

    @extend_schema(
        request=SubscriptionWriteSerializer,
        responses={
            200: OpenApiResponse(SubscriptionSerializer, description="Changed, and active."),
            201: OpenApiResponse(SubscriptionSerializer, description="Subscribed."),
        },
    )
    def put(self, request: Request, frequency: str) -> Response:
        """Subscribe, or set every preference of the digest (left out: the default). A digest
        you had unsubscribed from starts again."""
        existing = self._subscription(request, frequency)
        given = SubscriptionWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        subscription = subscription_save(
            actor=_user(request), preferences=given.preferences(frequency)
        )
        active_before = existing is not None and existing.status == "active"
        return self._answer(
            request, subscription, status.HTTP_200_OK if active_before else status.HTTP_201_CREATED
        )

    @extend_schema(request=SubscriptionWriteSerializer, responses=SubscriptionSerializer)
    def patch(self, request: Request, frequency: str) -> Response:
        """Change some preferences (left out: unchanged); the digest keeps its status."""
        existing = self._existing(request, frequency)
        given = SubscriptionWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        subscription = subscription_preferences_change(
            actor=_user(request),
            subscription=existing,
            preferences=given.preferences(frequency, current=existing),
        )
        return self._answer(request, subscription)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, frequency: str) -> Response:
        """Unsubscribe: no digest of this frequency goes out after this."""
        subscription_unsubscribe(
            actor=_user(request), subscription=self._existing(request, frequency)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
