# NN Playground: one uvicorn worker (sessions live in memory), one BLAS thread, non-root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    NNP_HOST=0.0.0.0 \
    NNP_PORT=8000 \
    PATH=/opt/venv/bin:$PATH

# A virtual environment: works the same on the official image and on a Debian base whose
# Python is externally managed (PEP 668).
RUN python -m venv /opt/venv
WORKDIR /srv

# 1. Dependencies only (cached until pyproject.toml changes): install the project's
#    requirements through a stub of its packages, then drop the stub.
COPY pyproject.toml README.md ./
RUN mkdir -p app engine \
 && touch app/__init__.py engine/__init__.py \
 && pip install . \
 && pip uninstall -y nn-playground \
 && rm -rf app engine build *.egg-info

# 2. The app itself.
COPY engine ./engine
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-deps -e . \
 && useradd --create-home --uid 10001 playground

USER playground
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]
CMD ["nn-playground", "--host", "0.0.0.0", "--port", "8000"]
