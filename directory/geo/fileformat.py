"""The lookup file's tables and encoding, shared by the build step and the lookup.

Kept apart from build.py so that web workers, which only read the file, never import pyproj.
"""

# Bump when the file's tables change: an older file is then rebuilt rather than misread.
FORMAT_VERSION = 1
# Coordinates are stored as integers of 1e-5 degrees (about a metre), three bytes each.
SCALE = 100_000

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE authority (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE postcode (
    code TEXT PRIMARY KEY, lat INTEGER, lon INTEGER, authority INTEGER
) WITHOUT ROWID;
CREATE TABLE outcode (
    code TEXT PRIMARY KEY, kind TEXT NOT NULL, lat INTEGER, lon INTEGER, authority INTEGER,
    postcodes INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE place (
    key TEXT NOT NULL, name TEXT NOT NULL, exact INTEGER NOT NULL, lat INTEGER NOT NULL,
    lon INTEGER NOT NULL, authority INTEGER, population INTEGER NOT NULL,
    crown_dependency TEXT
);
CREATE INDEX place_by_key ON place (key);
"""
