from __future__ import annotations

from browser.linker import TitleLinker

LINKER = TitleLinker(
    [
        ("Stanley Kubrick", "kubrick"),
        ("Stanley", "stanley"),
        ("Rain", "rain"),
        ("Jupiter", "jupiter"),
        ("Classical music", "classical"),
        ("Casablanca (film)", "casablanca-film"),
        ("2001: A Space Odyssey", "2001"),
    ]
)


def linked(text: str, self_url: str | None = None) -> list[tuple[str, str]]:
    return [
        (text[link.start : link.end], link.url) for link in LINKER.links(text, self_url=self_url)
    ]


def test_longest_title_wins_and_each_target_is_linked_once() -> None:
    text = "Stanley Kubrick made 2001: A Space Odyssey. Stanley Kubrick also liked Jupiter."
    assert linked(text) == [
        ("Stanley Kubrick", "kubrick"),
        ("2001: A Space Odyssey", "2001"),
        ("Jupiter", "jupiter"),
    ]


def test_multiword_titles_match_with_a_lowercase_first_letter() -> None:
    assert linked("He loved classical music.") == [("classical music", "classical")]


def test_one_word_titles_inside_names_are_not_linked() -> None:
    assert linked("The film stars Douglas Rain, and rain fell on Jupiter.") == [
        ("Jupiter", "jupiter")
    ]


def test_ambiguous_and_self_titles_are_not_linked() -> None:
    assert linked("Casablanca is a city.") == []
    assert linked("We flew to Jupiter.", self_url="jupiter") == []
