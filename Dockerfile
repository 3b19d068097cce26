# The pathways API (REST + GraphQL) as one container; docker-compose.yml runs several of
# them on one Neo4j behind nginx. The store is chosen by PATHWAYS_STORE at run time.
# The browser pages' assets (GraphiQL, Swagger UI), at the versions web/package-lock.json pins.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# gcc: the install compiles the engine's hot modules with mypyc (setup.py)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY requirements ./requirements
COPY pyproject.toml setup.py README.md ./
COPY src ./src
# The versions the lock files pin; editable, so the service finds web/node_modules beside src/ as in a checkout.
RUN pip install --require-hashes -r requirements/run.txt -r requirements/build.txt \
    && pip install --no-deps --no-build-isolation -e .
COPY --from=web /web/node_modules ./web/node_modules
# The seed graph, for `pathways load --if-empty graph/seed/*.json` (the compose "seed" service).
COPY graph ./graph

RUN useradd --system --uid 10001 --no-create-home pathways
USER pathways

ENV PATHWAYS_HOST=0.0.0.0 \
    PATHWAYS_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]
CMD ["pathways", "serve", "--no-access-log"]
