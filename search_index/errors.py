"""Exceptions raised by the search index package."""


class IndexUnavailable(Exception):
    """The index is missing, corrupt or unreadable; the message says which."""


class IndexLocked(IndexUnavailable):
    """Another writer holds the Whoosh write lock."""
