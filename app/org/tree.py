"""The organisation tree as a pure value: ancestry and descendants without I/O."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cached_property


class OrgTree:
    def __init__(self, parent_of: Mapping[uuid.UUID, uuid.UUID | None]) -> None:
        self.parent_of = dict(parent_of)

    @cached_property
    def _children(self) -> dict[uuid.UUID, list[uuid.UUID]]:
        children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for unit, parent in self.parent_of.items():
            if parent is not None:
                children[parent].append(unit)
        return children

    def subtree(self, unit_id: uuid.UUID) -> set[uuid.UUID]:
        """The unit and everything below it."""
        found = {unit_id}
        stack = [unit_id]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def subtrees(self, unit_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for unit_id in unit_ids:
            if unit_id not in found:
                found |= self.subtree(unit_id)
        return found

    def ancestors(self, unit_id: uuid.UUID) -> list[uuid.UUID]:
        """From the unit's parent up to the root."""
        chain: list[uuid.UUID] = []
        seen = {unit_id}
        parent = self.parent_of.get(unit_id)
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.parent_of.get(parent)
        return chain
