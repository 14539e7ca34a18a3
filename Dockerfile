# syntax=docker/dockerfile:1
# Golden Thread: a multi-stage image that installs exactly what uv.lock pins, runs as a
# non-root user, migrates the database and then serves with several uvicorn workers.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN pip install --no-cache-dir "uv>=0.5"
WORKDIR /srv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY README.md ./
# The project itself (editable), so the golden-thread command is on PATH in the image.
RUN uv sync --frozen --no-dev
COPY migrations ./migrations
COPY alembic.ini ./
# The runtime writes no bytecode (PYTHONDONTWRITEBYTECODE): compile ours here, once.
RUN python -m compileall -q app migrations

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/srv/.venv/bin:$PATH" \
    GT_ENVIRONMENT=production \
    PORT=8000 \
    WEB_CONCURRENCY=4 \
    FORWARDED_ALLOW_IPS=127.0.0.1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/gt-metrics
# libcairo2: CairoSVG draws the PNG fallback of the Word pack's logo and charts with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcairo2 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system app && useradd --system --gid app --home /srv --no-create-home app
WORKDIR /srv
COPY --from=build --chown=app:app /srv /srv
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# X-Forwarded-For is believed only from FORWARDED_ALLOW_IPS (uvicorn reads it): set it to the
# address of the council's load balancer or reverse proxy, never '*', or any client could pick
# the address the sign-in throttle counts and the logs record.
# Migrations run once per container start, before the workers; Alembic takes a lock on
# PostgreSQL so concurrent starts of several containers do not race.
# The workers' metrics (GET /metrics sums them) start from an empty directory at each start.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT} --workers ${WEB_CONCURRENCY} --proxy-headers --no-access-log"]
