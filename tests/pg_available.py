"""Exit 0 when a PostgreSQL server answers at the URL given (used by `make test`)."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
from sqlalchemy import make_url


async def _ping(url: str) -> bool:

    parsed = make_url(url)
    try:
        connection = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database or "postgres",
            timeout=3,
        )
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_ping(sys.argv[1])) else 1)
