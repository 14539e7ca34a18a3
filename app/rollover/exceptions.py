from app.core.errors import Conflict, InvalidInput


class NothingToRollOver(Conflict):
    title, slug = "Nothing to roll over", "nothing-to-roll-over"


class InvalidRollover(InvalidInput):
    title, slug = "Invalid rollover", "invalid-rollover"
