"""Message providers, one module per area. Each is reached as ``voice.<area>``."""
