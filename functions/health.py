"""Health function: ``GET /health`` (200 when serving is possible, 503 naming the check)."""

from lucien.boot import configure_logging, settings_or_exit
from lucien.web.health_app import create_health_app
from lucien.web.lambda_handler import http_handler

configure_logging()
settings_or_exit()
app = create_health_app()
handler = http_handler(app)
