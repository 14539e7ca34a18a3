from app.core.errors import Conflict, InvalidInput, NotFound


class UserNotFound(NotFound):
    title, slug = "User not found", "user-not-found"


class EmailTaken(Conflict):
    title, slug = "Email already used", "duplicate-email"


class LastAdmin(Conflict):
    title, slug = "The last active admin must stay", "last-admin"


class RoleNotHeld(Conflict):
    title, slug = "Role not held", "role-not-held"


class WeakPassword(InvalidInput):
    title, slug = "Weak password", "weak-password"


class InvalidManager(InvalidInput):
    title, slug = "Invalid line manager", "invalid-manager"
