class RecommendError(Exception):
    """Base of what recommend/ raises; the message says what is wrong and how to fix it."""


class DoesNotFitError(RecommendError):
    """The weights (or one sequence's KV cache) do not fit in the deployment's GPU memory."""
