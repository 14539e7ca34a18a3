from app.core.errors import AppError, NotAuthenticated, TooManyRequests


class InvalidCredentials(NotAuthenticated):
    title, slug = "Invalid credentials", "invalid-credentials"
    keeps_changes = True  # the failure is recorded for throttling


class LoginThrottled(TooManyRequests):
    title, slug = "Too many failed sign-ins", "login-throttled"


class UnsupportedGrant(AppError):
    status, title, slug = 400, "Unsupported grant type", "unsupported-grant-type"
