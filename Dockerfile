# One image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

RUN groupadd --system portal && useradd --system --gid portal --home-dir /app --no-create-home portal

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The static files are part of the image. Settings refuse to load without a secret key when
# DEBUG is off; this one exists only for this build step and is not in the final environment.
RUN DEBUG=false SECRET_KEY=build-time-only-collectstatic-key python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R portal:portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
