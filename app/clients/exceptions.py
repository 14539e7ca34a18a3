from app.core.errors import NotFound


class ApiClientNotFound(NotFound):
    title, slug = "API client not found", "api-client-not-found"
