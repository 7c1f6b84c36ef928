"""ladder-bot: GitLab activity as linked evidence for an engineering career ladder."""

__version__ = "0.1.0"
