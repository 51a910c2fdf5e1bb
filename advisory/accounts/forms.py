"""Forms of the sign-in pages: Django's own, with Advisory's wording and email."""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse

from advisory.lib.email import absolute_url, render_email, send_email

logger = logging.getLogger(__name__)


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match an account. Check both (they are "
            "case-sensitive) and try again, or reset your password."
        ),
        "inactive": "This account is closed. Contact the desk if you need it back.",
        "two_factor": (
            "This account signs in with an authenticator code: sign in at the desk's sign-in "
            "page (/admin/login/), which asks for it."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # Imported here: two_factor imports the services, which import this app's models.
        from advisory.accounts.two_factor import confirmed_device

        if confirmed_device(user) is not None:
            raise ValidationError(self.error_messages["two_factor"], code="two_factor")


class PasswordResetRequestForm(PasswordResetForm):
    """Sends the reset link in the desk's email layout.

    The link is built on SITE_URL, never on the request's Host header, which a visitor
    controls and could point at their own site to harvest reset tokens.
    """

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        link = absolute_url(
            reverse(
                "accounts:password-reset-confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            )
        )
        days = settings.PASSWORD_RESET_TIMEOUT // 86400
        subject, text, html = render_email(
            "password_reset",
            {
                "recipient": user,
                "username": user.get_username(),
                "link": link,
                "valid_for": f"{days} day{'s' if days != 1 else ''}",
                "why": "You receive this because someone asked to reset the password of your "
                "Advisory account. If it was not you, ignore it: your password stays as it is.",
            },
        )
        try:
            send_email(to=[to_email], subject=subject, text=text, html=html)
        except Exception:
            # The page must read the same whether or not an account exists, so a failure is
            # logged for the desk rather than shown.
            logger.exception("Failed to send the password reset email to user %s", user.pk)
