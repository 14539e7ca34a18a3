"""Setting a password: refuse the weak and the guessable, then hash it (off the event loop).

Strength is judged offline by zxcvbn, which ships its own frequency lists (common and breached
passwords, names, words, keyboard patterns) and rates how many guesses a password would take.
On top of that, a password may not contain the person's own name or email, nor the council's
name: zxcvbn only discounts those, and an attacker tries them first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from zxcvbn import zxcvbn

from app.core.errors import field_error
from app.core.security import hash_password, offload
from app.org.repository import OrgRepository
from app.users.exceptions import WeakPassword

# zxcvbn's scale is 0-4; 3 is "safely unguessable: moderate protection from an offline attack"
# (about 10^8 guesses and more). password1234 and qwertyuiop12 score 1.
MIN_SCORE = 3
# zxcvbn's matching grows quickly with length; past this, more characters only add strength.
EVALUATED_LENGTH = 72
# Shorter fragments of a name ("Ann", "Lee") are too common in ordinary words to refuse.
MIN_PERSONAL_TOKEN = 4
# Words in every council's name, not the council's own: refusing them says nothing.
_GENERIC_WORDS = frozenset(
    {"council", "borough", "district", "county", "city", "metropolitan", "town", "parish"}
    | {"royal", "london", "unitary", "authority", "combined", "with", "and", "the"}
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Verdict:
    """Why a password is refused (None: it is accepted)."""

    problem: str | None


def personal_tokens(*texts: str | None) -> list[str]:
    """The words of names and email local parts that a password may not contain."""
    tokens: set[str] = set()
    for text in texts:
        if not text:
            continue
        local = text.split("@", 1)[0].lower()
        words = _WORD.findall(local)
        if len(words) > 1:
            tokens.add("".join(words))
        tokens.update(words)
    return sorted(
        token
        for token in tokens
        if len(token) >= MIN_PERSONAL_TOKEN and token not in _GENERIC_WORDS
    )


def judge(password: str, *, personal: Iterable[str]) -> Verdict:
    """Rate a password against zxcvbn's lists and the personal words (CPU-bound, pure)."""
    words = list(personal)
    folded = _fold(password)
    for word in words:
        if word in folded:
            return Verdict("It contains a name or email (yours or the council's); choose another.")
    result = zxcvbn(password[:EVALUATED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return Verdict(None)
    feedback = result["feedback"]
    hints = [feedback.get("warning") or "It is too easy to guess."]
    hints += feedback.get("suggestions") or []
    hints.append("A few unrelated words make a strong passphrase.")
    return Verdict(" ".join(hint for hint in hints if hint))


def _fold(password: str) -> str:
    # "Pat.Smith" and "p-a-t-s-m-i-t-h" both hide the name "patsmith".
    return "".join(_WORD.findall(password.lower()))


class PasswordService:
    """The one way a person's password is set, reset or created."""

    def __init__(self, session: AsyncSession) -> None:
        self.repository = OrgRepository(session)

    async def hash_new(
        self, *, password: str, email: str, full_name: str | None, field: str = "password"
    ) -> str:
        """Refuse a weak password (422 naming the field) or return its hash."""
        personal = personal_tokens(email, full_name, *await self.repository.council_names())
        verdict = await offload(_judge, password, tuple(personal))
        if verdict.problem is not None:
            raise WeakPassword(
                f"The password is too weak: {verdict.problem}",
                errors=[field_error(field, verdict.problem, "weak_password")],
            )
        return await hash_password(password)


def _judge(password: str, personal: tuple[str, ...]) -> Verdict:
    return judge(password, personal=personal)
