from app.core.errors import InvalidInput


class ReplyNotOnThisIndicator(InvalidInput):
    title, slug = "Reply to an unknown comment", "unknown-comment"
