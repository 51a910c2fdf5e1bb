"""What each staff role may do in the admin, as Django model permissions.

Client readers are not staff and get no admin permissions. Nobody may change or delete an
audit event, and nobody deletes a brief through the admin: briefs are withdrawn or archived.
"""

from advisory.accounts.models import Role

_WRITER = {
    "briefs.brief": ("add", "change", "view"),
    "briefs.briefauthor": ("add", "change", "delete", "view"),
    "briefs.keyjudgment": ("add", "change", "delete", "view"),
    "briefs.source": ("add", "change", "delete", "view"),
    "briefs.scenario": ("add", "change", "delete", "view"),
    "briefs.mention": ("add", "change", "delete", "view"),
    "briefs.series": ("view",),
    "briefs.correctionnote": ("view",),
    "entities.entity": ("add", "change", "view"),
    "entities.alias": ("add", "change", "delete", "view"),
    "entities.externalidentifier": ("add", "change", "view"),
    "entities.relationship": ("add", "change", "view"),
    "entities.designation": ("view",),
    "entities.region": ("view",),
    "taggit.tag": ("add", "view"),
    "workflow.auditevent": ("view",),
}

_EDITOR = {
    **_WRITER,
    "briefs.series": ("add", "change", "view"),
    "briefs.correctionnote": ("add", "view"),
    "entities.externalidentifier": ("add", "change", "delete", "view"),
    "entities.relationship": ("add", "change", "delete", "view"),
    "entities.designation": ("add", "change", "delete", "view"),
    "taggit.tag": ("add", "change", "view"),
    "digests.subscription": ("view",),
    "digests.digestrun": ("view",),
}

_DESK_ADMIN = {
    **_EDITOR,
    "accounts.user": ("add", "change", "view"),
    "accounts.organisation": ("add", "change", "view"),
    "accounts.membership": ("add", "change", "delete", "view"),
    "briefs.series": ("add", "change", "delete", "view"),
    "entities.entity": ("add", "change", "delete", "view"),
    "entities.region": ("add", "change", "view"),
    "taggit.tag": ("add", "change", "delete", "view"),
    # Changed only through the digest services: unsubscribe, and a test sent to oneself.
    "digests.subscription": ("change", "view"),
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.WRITER: _WRITER,
    Role.EDITOR: _EDITOR,
    Role.DESK_ADMIN: _DESK_ADMIN,
    Role.CLIENT_READER: {},
}


def group_name(role: str) -> str:
    return f"role: {Role(role).label}"
