"""The update types Lucien's handlers use: what the webhook (and polling) asks Telegram for,
and what the observation probe watches."""

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    "pre_checkout_query",
]

#: What Telegram delivers to a webhook registered without ``allowed_updates``: everything
#: but these (Bot API, ``setWebhook``).
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def missing_updates(subscribed: list[str] | None) -> list[str]:
    """The update types Lucien handles that a webhook subscribed to ``subscribed`` (as
    ``getWebhookInfo`` reports it; ``None``: Telegram's default) never receives."""
    if subscribed is None:
        return [u for u in ALLOWED_UPDATES if u in NOT_DELIVERED_BY_DEFAULT]
    return [u for u in ALLOWED_UPDATES if u not in subscribed]
