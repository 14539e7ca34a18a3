from app.core.errors import InvalidInput, NotFound


class WebhookNotFound(NotFound):
    title, slug = "Webhook not found", "webhook-not-found"


class WebhookUrlRefused(InvalidInput):
    title, slug = "Webhook URL not allowed", "webhook-url-refused"
