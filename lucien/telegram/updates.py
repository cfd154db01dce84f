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
