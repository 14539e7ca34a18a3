"""An app no longer referenced is freed: nothing global (FastAPI's caches of the endpoints it
has inspected among them) holds it. A process makes one app, but the suite makes one per test,
and a few hundred kept alive made every full garbage collection walk millions of objects."""

from __future__ import annotations

import gc
import weakref

from httpx import ASGITransport, AsyncClient

from app.core.config import Settings
from app.main import create_app
from tests.helpers import API


async def test_an_app_that_served_its_pages_is_freed_once_dropped(settings: Settings) -> None:
    app = create_app(settings, run_startup=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
        for page in (f"{API}/docs", f"{API}/redoc", "/healthz"):
            assert (await http.get(page)).status_code == 200, page
    dropped = weakref.ref(app)
    del app, http
    gc.collect()
    assert dropped() is None
