"""Who may use the desk's endpoints: staff, by the model permissions of their role (roles.py)."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class DeskPermission(BasePermission):
    """The view names, for each HTTP method, the Django permissions it needs.

    The same permissions open the admin, so an integration's token can do through the API what
    its user could do there, and a client reader's nothing.
    """

    message = "Your role may not do this through the desk's endpoints."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        needed: dict[str, tuple[str, ...]] = getattr(view, "desk_permissions", {})
        method = "GET" if request.method == "HEAD" else request.method or ""
        required = needed.get(method)
        if required is None:
            # A method the view does not name is answered by the view (405), not here.
            return True
        return user.has_perms(required)
