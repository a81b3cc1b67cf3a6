"""A small postcode lookup for tests: a sample of the real directory, built in seconds.

Every postcode a test names, and every postcode in seed_data/, is kept; of the rest, one in
SAMPLE, so sectors, districts, areas and towns all still resolve (to slightly rougher centroids).
Building the full lookup takes about half a minute, too long to pay on every test run.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from directory.geo.build import build_lookup
from directory.geo.postcodes import compact

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 25

# Real postcodes, at least two in each of the 12 regions, with their local authority. Border
# cases: CH5 (Flintshire) and SY23 (Ceredigion) are Welsh, CH1 and SY1 English.
REGION_POSTCODES = {
    "north-east": [("NE1 4ST", "E08000021"), ("SR1 1PB", "E08000024"), ("DH1 3LE", "E06000047"),
                   ("TS1 2AZ", "E06000002")],
    "north-west": [("M1 1AE", "E08000003"), ("L3 9PP", "E08000012"), ("CA1 1RR", "E06000063"),
                   ("CH1 2HJ", "E06000050")],
    "yorkshire-and-the-humber": [("LS1 4AP", "E08000035"), ("S1 2HH", "E08000039"),
                                 ("YO1 7HH", "E06000014"), ("HU1 1UU", "E06000010")],
    "east-midlands": [("NG1 5FS", "E06000018"), ("LE1 7RH", "E06000016"), ("DE1 3AH", "E06000015"),
                      ("NN1 1DE", "E06000062")],
    "west-midlands": [("B1 1BB", "E08000025"), ("CV1 5FB", "E08000026"), ("SY1 1ST", "E06000051"),
                      ("HR4 9AA", "E06000019")],
    "eastern": [("CB2 1TN", "E07000008"), ("NR1 3JU", "E07000148"), ("LU1 2BQ", "E06000032")],
    "london": [("E14 5AB", "E09000030"), ("NW1 2DB", "E09000007"), ("SW1A 1AA", "E09000033"),
               ("EC2V 7HH", "E09000001")],
    "south-east": [("OX1 2JD", "E07000178"), ("GU2 7XH", "E07000209"), ("BN1 1UG", "E06000043"),
                   ("MK9 3EP", "E06000042")],
    "south-west": [("BS1 5TR", "E06000023"), ("EX4 3SR", "E07000041"), ("TR1 2SG", "E06000052"),
                   ("TA1 1HE", "E06000066")],
    "wales": [("CF10 3AT", "W06000015"), ("SA1 1NE", "W06000011"), ("LL57 2DG", "W06000002"),
              ("CH5 2LE", "W06000005"), ("SY23 1AA", "W06000008")],
    "scotland": [("EH1 1YZ", "S12000036"), ("G1 1XQ", "S12000049"), ("AB10 1AB", "S12000033"),
                 ("DD1 1DB", "S12000042")],
    "northern-ireland": [("BT1 5GS", "N09000003"), ("BT48 6AA", "N09000005"),
                         ("BT52 1AA", "N09000004")],
}  # fmt: skip
# Crown Dependencies: real postcodes the directory lists without coordinates or region.
CROWN_DEPENDENCY_POSTCODES = ["JE2 3AB", "GY1 1AA", "IM1 1AD"]
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")


def named_postcodes() -> set[str]:
    """Compact postcodes the tests name or the seed catalogue holds."""
    named = {postcode for pairs in REGION_POSTCODES.values() for postcode, _lad in pairs}
    named.update(CROWN_DEPENDENCY_POSTCODES)
    for path in (ROOT / "seed_data").rglob("*.yaml"):
        named.update(_POSTCODE.findall(path.read_text(encoding="utf-8")))
    return {compact(postcode) for postcode in named}


def build_test_lookup(path: Path) -> Path:
    """Build the sampled lookup at path and return the path."""
    named = named_postcodes()

    def keep(code: str) -> bool:
        return code in named or zlib.crc32(code.encode()) % SAMPLE == 0

    build_lookup(path, keep=keep)
    return path
