# One image for the API and the worker:
#   api:    docker run tenure                      (migrates, then serves API + SPA on :8000)
#   worker: docker run --health-cmd "python -m workers --check" tenure python -m workers

FROM node:20-bookworm-slim AS spa
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY openapi/ /src/openapi/
# The rich-text allowlist the server keeps too (frontend/src/components/richtext.ts imports it).
COPY domain/interactions/richtext_allowlist.json /src/domain/interactions/
RUN npm run build

FROM python:3.11-slim-bookworm AS deps
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock ./
# Production dependencies only: the embedded PostgreSQL/Redis wheels are development tools.
RUN uv sync --frozen --no-dev --no-install-project

FROM python:3.11-slim-bookworm AS app
RUN useradd --create-home --uid 10001 tenure
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 TENURE_ENVIRONMENT=production
WORKDIR /app
COPY --from=deps /opt/venv /opt/venv
COPY alembic.ini ./
COPY api/ api/
COPY domain/ domain/
COPY workers/ workers/
COPY migrations/ migrations/
# The first-organisation command (the other scripts are development tools).
COPY scripts/__init__.py scripts/create_org.py scripts/
COPY --from=spa /src/frontend/dist frontend/dist
USER tenure
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# One API process per core (TENURE_WEB_CONCURRENCY to change); X-Forwarded-For believed only
# from TENURE_TRUSTED_PROXIES.
CMD ["sh", "-c", "alembic upgrade head && exec python -m api.serve"]
