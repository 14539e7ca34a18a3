from tests.pinned import people, pinned_today  # noqa: F401  (fixtures: pytest finds them here)
