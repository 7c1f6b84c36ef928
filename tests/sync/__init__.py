"""Tests of ``bot.sync``."""
