"""Who may do what: roles and permissions, the principal a request acts as, and the route
dependencies that require a permission. Every domain imports it; it imports no domain: the
way a bearer token becomes a principal is installed by the app (``app.state.authenticate``,
from ``app.auth``), not imported."""
