"""Try Lucien without Telegram: the sandbox world, its chat page and the whole story.

Only used in sandbox mode (no ``BOT_TOKEN``): ``lucien serve`` mounts the page at
``/sandbox/`` and ``lucien sandbox demo`` plays the story. Nothing in production imports
this package, so it costs the deployed functions nothing at start.
"""
