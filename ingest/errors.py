class IngestError(Exception):
    """A log file cannot be read at all; the message names the file and how to fix it."""
