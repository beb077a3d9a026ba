# One image for every process of the service: the command picks which (`worker`, `projector`, `api`,
# `migrate`; see docker-compose.yml). Configuration is GMTS_ environment variables (config/settings.py).

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/gmts/bin:$PATH
RUN python -m venv /opt/gmts
WORKDIR /src

# The dependencies first, from pyproject.toml alone: this layer is rebuilt only when pyproject.toml changes,
# not on every change to the code.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the project: setuptools finds the top-level packages named in pyproject.toml
# ([tool.setuptools.packages.find] include), so exactly those are copied (tests/test_docker_compose.py checks).
COPY README.md ./
COPY domain/ domain/
COPY cli/ cli/
COPY runtime/ runtime/
COPY eventstore/ eventstore/
COPY config/ config/
COPY activities/ activities/
COPY workflows/ workflows/
COPY worker/ worker/
COPY api/ api/
COPY projections/ projections/
RUN pip install .


FROM python:3.11-slim

ENV PATH=/opt/gmts/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 --user-group gmts
COPY --from=build /opt/gmts /opt/gmts
USER gmts
# GMTS_DATA_DIR (.data) resolves here: writable by the user, though a deployment that sets GMTS_DATABASE_URL,
# GMTS_TEMPORAL_ADDRESS and GMTS_JWT_SECRET writes nothing to it.
WORKDIR /home/gmts

EXPOSE 8000
ENTRYPOINT ["gmts"]
CMD ["api"]
