"""A scheduled Lambda invocation as one more kind of event Mangum understands.

Mangum turns HTTP-shaped events (API Gateway, Function URL, ALB, Lambda@Edge) into ASGI
requests and infers which kind it got. An EventBridge schedule (``rate(5 minutes)``) — or a
test invocation from the console — has no HTTP shape; :class:`Scheduled` is the custom
handler for exactly those events Mangum's own handlers do not claim. It makes the event a
``POST /cron/scheduled`` request marked as coming from the schedule (a mark no HTTP client
can set: the route refuses requests without it), carrying ``dry_run`` from the event (top
level or ``detail``), and returns the app's JSON answer — the run's summary — as the
invocation's result.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from mangum.handlers import ALB, APIGateway, HTTPGateway, LambdaAtEdge
from mangum.types import LambdaConfig, LambdaContext, LambdaEvent, Response, Scope

SCHEDULED_PATH = "/cron/scheduled"
MARK = "lucien.scheduled"  # scope key set only by this handler
HTTP_HANDLERS = (ALB, HTTPGateway, APIGateway, LambdaAtEdge)


def _dry_run(event: LambdaEvent) -> str | None:
    """``dry_run`` of the event (top level or under ``detail``), as a query value."""
    for source in (event, event.get("detail")):
        if isinstance(source, dict) and "dry_run" in source:
            value = source["dry_run"]
            return json.dumps(value) if isinstance(value, bool) else str(value)
    return None


class Scheduled:
    @classmethod
    def infer(cls, event: LambdaEvent, context: LambdaContext, config: LambdaConfig) -> bool:
        return isinstance(event, dict) and not any(
            handler.infer(event, context, config) for handler in HTTP_HANDLERS
        )

    def __init__(self, event: LambdaEvent, context: LambdaContext, config: LambdaConfig) -> None:
        self.event = event
        self.context = context
        self.config = config

    @property
    def body(self) -> bytes:
        return b""

    @property
    def scope(self) -> Scope:
        dry_run = _dry_run(self.event)
        query = "" if dry_run is None else urlencode({"dry_run": dry_run})
        return {
            "type": "http",
            "method": "POST",
            "http_version": "1.1",
            "headers": [],
            "path": SCHEDULED_PATH,
            "raw_path": None,
            "root_path": "",
            "scheme": "https",
            "query_string": query.encode(),
            "server": ("lambda", 443),
            "client": ("aws.events", 0),
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "aws.event": self.event,
            "aws.context": self.context,
            MARK: True,
        }

    def __call__(self, response: Response) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(response["body"] or b"{}")
        return result
