# The product on PostgreSQL: docker run -e D2A_DATABASE_URL=postgresql://... -p 8000:8000 d2a-flow
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY models models
COPY migrations migrations
COPY api api
COPY metrics metrics
COPY dashboard dashboard
COPY seed seed
RUN pip install --no-cache-dir .
RUN useradd --create-home d2a
USER d2a
EXPOSE 8000
CMD ["sh", "-c", "d2a db upgrade && d2a serve --host 0.0.0.0 --port 8000"]
