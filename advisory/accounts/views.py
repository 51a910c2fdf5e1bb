"""The reader's account page. Sign-in and password pages are Django's views (see urls.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.accounts.models import AccessTier, User
from advisory.accounts.selectors import entitlement_of

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
