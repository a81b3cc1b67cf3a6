"""Scrubbing: personal data never reaches the stored query text."""

import re

import pytest

from directory.demand.scrub import scrub_query

# (what a founder might type, fragments that must not survive, fragments that must survive)
CORPUS = [
    ("grant jane.doe@example.com", ["jane", "doe", "example.com", "@"], ["grant"]),
    ("contact me at sam_o'neil+vc@mail.co.uk", ["sam", "neil", "mail.co.uk"], ["contact me at"]),
    ("angel funding JOHN.SMITH@GMAIL.COM", ["john", "smith", "gmail"], ["angel funding"]),
    ("loan priya (at) startup (dot) io", ["priya", "startup", "(dot)"], ["loan"]),
    ("a.b@c.org.uk seed", ["a.b", "c.org"], ["seed"]),
    ("call 07700 900123 about loans", ["07700", "900123"], ["call", "about loans"]),
    ("07700900123", ["07700900123", "0770"], []),
    ("+44 7700 900 123 mentoring", ["7700", "900", "123", "+44"], ["mentoring"]),
    ("+44 (0)20 7946 0958 grant", ["7946", "0958", "(0)20"], ["grant"]),
    ("020 7946 0958", ["7946", "0958"], []),
    ("0113 496 0000 leeds accelerator", ["0113", "496", "0000"], ["leeds accelerator"]),
    ("(0161) 496 0123 manchester", ["0161", "496", "0123"], ["manchester"]),
    ("tel: 028-9018-0000 belfast hub", ["028", "9018", "0000"], ["belfast hub"]),
    ("0044 131 496 0000 edinburgh", ["0044", "131", "496"], ["edinburgh"]),
    ("01632.960.123 workshop", ["01632", "960", "123"], ["workshop"]),
    ("LS1 4AP grant", ["4ap"], ["ls1", "grant"]),
    ("SW1A 1AA", ["1aa"], ["sw1a"]),
    ("ec1v9hq incubator", ["9hq", "ec1v9hq"], ["ec1v", "incubator"]),
    ("m1 1ae manchester", ["1ae"], ["m1", "manchester"]),
    ("near B33 8TH please", ["8th"], ["b33", "near", "please"]),
    ("CF10 1EP wales loan", ["1ep"], ["cf10", "wales loan"]),
    ("bt1 5gs belfast", ["5gs"], ["bt1", "belfast"]),
    ("EH1 1YZ and G2 1DU", ["1yz", "1du"], ["eh1", "g2"]),
    ("my company 09876543", ["09876543", "9876543"], ["my company"]),
    ("companies house SC123456", ["123456"], ["companies house"]),
    ("account 12345678 sort 12-34-56", ["12345678", "12-34-56", "123456"], ["account", "sort"]),
    ("card 4111 1111 1111 1111", ["4111", "1111"], ["card"]),
    ("4111-1111-1111-1111", ["4111", "1111"], []),
    ("ni number QQ 12 34 56 C", ["12 34 56", "qq 12"], ["ni number"]),
    ("AB123456C grant", ["ab123456c", "123456"], ["grant"]),
    ("utr 1234567890 tax relief", ["1234567890"], ["utr", "tax relief"]),
    ("vat GB123456789", ["123456789"], ["vat"]),
    ("order ref 00012345", ["00012345", "12345"], ["order ref"]),
    ("https://example.com/my-startup?id=42 funding", ["example.com", "my-startup"], ["funding"]),
    ("www.janes-bakery.co.uk loan", ["janes-bakery"], ["loan"]),
    ("email me j@x.io or 07911 123456", ["j@x.io", "07911", "123456"], ["email me", "or"]),
    ("Jane Doe, 12 High St, LS6 2AB, 07700 900987", ["2ab", "07700", "900987"], ["ls6", "high st"]),
    ("date of birth 01/02/1990", ["01/02/1990"], ["date of birth"]),
    ("passport 123456789", ["123456789"], ["passport"]),
    ("nhs number 943 476 5919", ["943", "476", "5919"], ["nhs number"]),
    ("iban GB29 NWBK 6016 1331 9268 19", ["6016", "1331", "9268"], ["iban"]),
    ("r&d grant 2025", [], ["r&d grant 2025"]),
    ("£50,000 seed round", [], ["£50,000 seed round"]),
]


def test_the_corpus_has_at_least_40_personal_data_strings():
    assert len([case for case in CORPUS if case[1]]) >= 40


@pytest.mark.parametrize(("typed", "removed", "kept"), CORPUS, ids=[c[0][:30] for c in CORPUS])
def test_scrubbing_removes_personal_data_and_keeps_the_rest(typed, removed, kept):
    scrubbed = scrub_query(typed) or ""
    for fragment in removed:
        assert fragment.lower() not in scrubbed, (typed, scrubbed)
    for fragment in kept:
        assert fragment in scrubbed, (typed, scrubbed)
    assert not re.search(r"\d{5,}", scrubbed.replace(" ", "").replace(",", "x"))
    assert "@" not in scrubbed


def test_queries_are_normalised():
    assert scrub_query("  Seed   FUNDING\tLeeds ") == "seed funding leeds"
    assert scrub_query("") is None
    assert scrub_query("07700 900123") is None
    assert len(scrub_query("grant " * 100)) <= 100
