"""Webhook function: ``POST /webhook`` (Telegram) and ``GET /health``.

Railway: ``uvicorn functions.webhook:app``. Lambda: ``functions.webhook.handler``.
"""

import gc

# The collector waits until the heap has settled (``lucien.web.heap``): importing builds
# ~180,000 objects that will never be garbage, and each generational pass over them was
# a sixth of the import's time.
gc.disable()

from lucien.boot import configure_logging, settings_or_exit  # noqa: E402
from lucien.web.lambda_handler import http_handler  # noqa: E402
from lucien.web.webhook import create_webhook_app  # noqa: E402

configure_logging()
settings_or_exit("webhook")
app = create_webhook_app(settle_heap=True)
handler = http_handler(app)
