"""Data you can trust: moving, backing up, restoring and forgetting Lucien's rows.

``values`` says what a stored value may be and refuses what would be corrupted on the way;
``checksums`` turns rows into an order-independent fingerprint; ``tables`` reads and writes
whole tables of any revision; ``migrate`` copies one database into another; ``archive``
exports and imports a portable backup; ``person`` is everything held about one person.
"""
