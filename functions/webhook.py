"""Webhook function: ``POST /webhook`` (Telegram) and ``GET /health``.

Railway: ``uvicorn functions.webhook:app``. Lambda: ``functions.webhook.handler``.
"""

from lucien.boot import configure_logging, settings_or_exit
from lucien.web.lambda_handler import http_handler
from lucien.web.webhook import create_webhook_app

configure_logging()
settings_or_exit("webhook")
app = create_webhook_app(settle_heap=True)
handler = http_handler(app)
