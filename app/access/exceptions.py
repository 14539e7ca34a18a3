from app.core.errors import Forbidden


class PermissionDenied(Forbidden):
    """The principal may not do this here (403)."""

    title, slug = "Permission denied", "permission-denied"
