"""The reader's account page and API tokens. Sign-in and password pages are Django's views
(see urls.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from advisory.accounts.forms import ApiTokenForm
from advisory.accounts.models import AccessTier, ApiToken, User
from advisory.accounts.selectors import api_tokens_of, entitlement_of
from advisory.accounts.services import api_token_create, api_token_revoke

TIER_READS = {
    AccessTier.PUBLIC: "public briefs only",
    AccessTier.STANDARD: "public and standard briefs",
    AccessTier.PREMIUM: "every brief, premium included",
}


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Who the reader is and what their organisation's subscription lets them read."""
    user = request.user
    assert isinstance(user, User)
    entitlement = entitlement_of(user)
    organisation = entitlement.organisation
    context: dict[str, object] = {
        "entitlement": entitlement,
        "organisation": organisation,
        "tier_reads": TIER_READS[entitlement.tier],
        "client": None,
    }
    if organisation is not None and not entitlement.is_desk:
        # The contract as signed (a region stands for all its countries), not its expansion.
        context["client"] = {
            "regions": list(organisation.regions.order_by("name")),
            "topics": list(organisation.topics.order_by("name")),
        }
    return render(request, "accounts/account.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: make one (shown on this page once, never again) or revoke one.

    A new token is shown in the answer to the POST itself, so it is never stored anywhere;
    `never_cache` keeps the page out of every cache.
    """
    user = request.user
    assert isinstance(user, User)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created: tuple[ApiToken, str] | None = None
    if form.is_valid():
        try:
            created = api_token_create(actor=user, name=form.cleaned_data["name"])
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "tokens": api_tokens_of(user),
        "created": created[0] if created else None,
        "created_token": created[1] if created else "",
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    api_token = get_object_or_404(ApiToken, pk=token_id, user=user)
    api_token_revoke(actor=user, api_token=api_token)
    messages.success(request, f"Revoked “{api_token.name}”: it no longer opens the API.")
    return redirect("accounts:api-tokens")
