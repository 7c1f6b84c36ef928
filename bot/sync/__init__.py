"""Collecting GitLab activity into the store; ``bot.sync.client`` is the only part that speaks HTTP."""
