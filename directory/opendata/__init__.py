"""The open catalogue: downloads under a stated licence, with their weekly change log."""
