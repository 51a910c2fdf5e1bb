from django.core.exceptions import ValidationError

from advisory.accounts.models import STAFF_ROLES, Organisation, Role, User


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
