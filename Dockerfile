# iacguard in a container, for CI systems that run images:
#   docker build -t iacguard . && docker run --rm -v "$PWD:/src" iacguard scan /src
# Pinned to a patch release (add the digest, `@sha256:...`, where images are mirrored).
# Debian slim (glibc 2.36): helm-python-sdk's manylinux_2_28 wheel installs, so charts render.
FROM python:3.11.11-slim-bookworm

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
COPY pyproject.toml LICENSE README.md CHANGELOG.md ./
COPY docs/PYPI.md docs/PYPI.md
COPY iacguard iacguard
COPY plugins plugins
COPY policies policies
RUN pip install . && rm -rf /build

RUN useradd --create-home --uid 10001 iacguard
USER iacguard
WORKDIR /src
ENTRYPOINT ["iacguard"]
CMD ["--help"]
