"""tracefit: the composition root (CLI and nightly job). Nothing else imports this package."""

__version__ = "0.1.0"
