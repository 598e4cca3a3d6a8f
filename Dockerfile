# Self-hosted dashboard: docker build -t scaling-explorer . && docker run -p 8501:8501 scaling-explorer
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# Dependencies first so code edits do not reinstall them.
COPY pyproject.toml README.md ./
COPY scaling_core ./scaling_core
COPY charts ./charts
COPY dashboard ./dashboard
RUN pip install . && useradd --create-home --uid 1000 app

COPY app.py ./
COPY pages ./pages
COPY .streamlit ./.streamlit
COPY sample_data ./sample_data

USER app
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
