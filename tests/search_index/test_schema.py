"""Document conversion: the vocabulary a full build keeps for spelling correction."""

from search_index.schema import WORD_ANALYZER, to_fields, vocabulary_words


def test_vocabulary_words_are_the_words_the_word_analyzer_finds():
    for text in (
        "R&D Tax Relief for SMEs: the Prince's Trust and U.K. start-ups in Newcastle-upon-Tyne",
        "Café Ñoño £50,000–£1m 2026 a an the of TO Be x",
        "",
        "Growth Hub\nSouth West\tand\tthe Isles of Scilly",
    ):
        assert vocabulary_words(text) == {token.text for token in WORD_ANALYZER(text)}, text


def test_a_full_build_puts_each_word_in_the_vocabulary_once():
    seen: set[str] = set()
    first = to_fields({"id": "1", "name": "Seed grant", "summary": "A grant for founders"}, seen)
    second = to_fields({"id": "2", "name": "Seed loans", "summary": "Loans for founders"}, seen)
    assert set(first["vocabulary"].split()) == {"seed", "grant", "founders"}
    assert set(second["vocabulary"].split()) == {"loans"}
    alone = to_fields({"id": "2", "name": "Seed loans", "summary": "Loans for founders"})
    assert {"seed", "loans", "founders"} <= set(alone["vocabulary"].lower().split())
