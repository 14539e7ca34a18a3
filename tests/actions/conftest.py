from tests.pinned import pinned_today  # noqa: F401  (a fixture: pytest finds it here)
