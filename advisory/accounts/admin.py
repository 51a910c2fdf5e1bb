import datetime
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as AuthUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from advisory.accounts.models import ApiToken, Membership, Organisation, User
from advisory.accounts.selectors import api_tokens_of, membership_refusal
from advisory.accounts.services import (
    api_token_revoke,
    membership_assign,
    membership_revoke,
    organisation_create,
    organisation_update,
    user_create,
)
from advisory.briefs.models import BriefAuthor

_M = TypeVar("_M", bound=Model)


def adopt_saved(target: _M, saved: _M) -> None:
    """Make the admin's unsaved instance the row a service created.

    The admin keeps using its own instance after save_model (inlines attach to it, the log
    entry and the redirect need its pk), while services build and save their own.
    """
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def acting_user(request: HttpRequest) -> User:
    """The signed-in user the admin acts for, as the services want it."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _is_byline_autocomplete(request: HttpRequest) -> bool:
    match = request.resolver_match
    return (
        match is not None
        and match.url_name == "autocomplete"
        and request.GET.get("app_label") == BriefAuthor._meta.app_label
        and request.GET.get("model_name") == BriefAuthor._meta.model_name
        and request.GET.get("field_name") == "author"
    )


@admin.register(User)
class UserAdmin(AuthUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Byline", {"fields": ("first_name", "last_name", "display_name", "bio")}),
        ("Contact", {"fields": ("email",)}),
        (
            "Role and rights",
            {
                "fields": (
                    "membership_link",
                    "is_active",
                    "is_staff",
                    "two_factor_required",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("API tokens", {"fields": ("api_tokens",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "display_name", "email", "role", "is_active", "is_staff")
    list_select_related = ("membership",)
    list_filter = ("membership__role", "is_staff", "is_active", "membership__organisation")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    readonly_fields = ("membership_link", "api_tokens", "last_login", "date_joined")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Rights follow the role given through a membership; editing them here would let a
            # desk admin grant what no role grants, including to themselves.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Writers pick co-authors by name without being allowed to browse the user list.
        if obj is None and _is_byline_autocomplete(request):
            return request.user.has_perm("briefs.add_brief") or request.user.has_perm(
                "briefs.change_brief"
            )
        return super().has_view_permission(request, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        if _is_byline_autocomplete(request):
            queryset = queryset.filter(is_staff=True, is_active=True)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="role", ordering="membership__role")
    def role(self, obj: User) -> str:
        membership = getattr(obj, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description="membership")
    def membership_link(self, obj: User) -> str:
        membership = getattr(obj, "membership", None)
        if membership is None:
            return "None: give the user a role by adding a membership."
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_membership_change", args=[membership.pk]),
            membership,
        )

    @admin.display(description="API tokens")
    def api_tokens(self, obj: User) -> str:
        """The user's tokens as their account page lists them; a live one can be revoked here.

        The revoke buttons submit the surrounding change form, CSRF token included, to the
        revoke address (`formaction`): a form may not hold another form.
        """
        tokens = api_tokens_of(obj) if obj.pk else []
        if not tokens:
            return "None."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>adv_{}_…</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    token.name,
                    token.prefix,
                    _when(token.created_at),
                    _when(token.last_used_at) if token.last_used_at else "never",
                    self._revoke_control(obj, token),
                )
                for token in tokens
            ),
        )
        return format_html(
            "<table><thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th>"
            "<th>State</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @staticmethod
    def _revoke_control(user: User, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return format_html("revoked {}", _when(token.revoked_at))
        url = reverse("admin:accounts_user_api_token_revoke", args=[user.pk, token.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post"'
            ' formnovalidate aria-label="Revoke the token {}">Revoke</button>',
            url,
            token.name,
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:user_id>/api-tokens/<int:token_id>/revoke/",
                self.admin_site.admin_view(require_POST(self.api_token_revoke_view)),
                name="accounts_user_api_token_revoke",
            ),
            *super().get_urls(),
        ]

    def api_token_revoke_view(
        self, request: HttpRequest, user_id: int, token_id: int
    ) -> HttpResponse:
        api_token = get_object_or_404(
            ApiToken.objects.select_related("user"), pk=token_id, user_id=user_id
        )
        if not self.has_change_permission(request, api_token.user):
            raise PermissionDenied
        try:
            api_token_revoke(actor=acting_user(request), api_token=api_token)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
        else:
            self.message_user(
                request,
                f"Revoked “{api_token.name}” of {api_token.user}: it no longer opens the API.",
            )
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user_id]))

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        user = user_create(
            actor=acting_user(request),
            username=data["username"],
            password=data.get("password1") if data.get("set_usable_password") else None,
        )
        adopt_saved(obj, user)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tier", "seats", "member_count", "expires_on")
    list_filter = ("kind", "tier")
    search_fields = ("name", "slug")
    filter_horizontal = ("regions", "topics")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind")}),
        ("Subscription", {"fields": ("seats", "expires_on", "tier", "regions", "topics")}),
    )
    readonly_fields = ("slug",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Organisation) -> int:
        return obj.member_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            stored = Organisation.objects.get(pk=obj.pk)
            organisation_update(
                actor=acting_user(request),
                organisation=stored,
                regions=data["regions"],
                topics=data["topics"],
                **{name: data[name] for name in ("name", "kind", "seats", "expires_on", "tier")},
            )
            adopt_saved(obj, stored)
            return
        organisation = organisation_create(
            actor=acting_user(request),
            name=data["name"],
            kind=data["kind"],
            seats=data["seats"],
            expires_on=data["expires_on"],
            tier=data["tier"],
            regions=data["regions"],
            topics=data["topics"],
        )
        adopt_saved(obj, organisation)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The services have set the regions and topics; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "organisation", "role")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        if user is not None and organisation is not None and role:
            refusal = membership_refusal(user=user, organisation=organisation, role=role)
            if refusal is not None:
                self.add_error(None, refusal.messages)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are assigned by membership_assign and revoked by membership_revoke, which
    also set and take away the user's rights; the form shows the service's refusals."""

    form = MembershipForm
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__display_name", "user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Membership | None = None
    ) -> tuple[str, ...]:
        return ("user", "created_at") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        membership = membership_assign(
            actor=acting_user(request),
            user=obj.user,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
        )
        adopt_saved(obj, membership)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(actor=acting_user(request), membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            membership_revoke(actor=acting_user(request), membership=membership)
