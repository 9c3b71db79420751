class ProfilesError(Exception):
    """Base of what profiles/ raises; the message says what is wrong and how to fix it."""


class CatalogError(ProfilesError):
    """A GPU, model or engine name is unknown, or a config.json cannot be read."""
