from app.core.errors import InvalidInput


class UnknownPeriod(InvalidInput):
    title, slug = "Unknown period", "unknown-period"


class ReplyNotOnThisIndicator(InvalidInput):
    title, slug = "Reply to an unknown comment", "unknown-comment"
