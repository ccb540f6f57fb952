import pytest

from workbench.kaggle import parse
from workbench.kaggle.errors import KaggleError


@pytest.mark.parametrize(
    "text, name, version",
    [
        ("zynicide/wine-reviews", "zynicide/wine-reviews", None),
        ("zynicide/wine-reviews/versions/4", "zynicide/wine-reviews", 4),
        ("https://www.kaggle.com/datasets/zynicide/wine-reviews", "zynicide/wine-reviews", None),
        ("https://www.kaggle.com/datasets/zynicide/wine-reviews/versions/4", "zynicide/wine-reviews", 4),
        ("https://www.kaggle.com/datasets/zynicide/wine-reviews/data?select=x.csv", "zynicide/wine-reviews", None),
        ("www.kaggle.com/zynicide/wine-reviews", "zynicide/wine-reviews", None),
        ("  uciml/iris  ", "uciml/iris", None),
    ],
)
def test_dataset_forms(text, name, version):
    ref = parse(text)
    assert (ref.name, ref.version, ref.competition) == (name, version, False)


def test_dataset_url_and_display():
    ref = parse("zynicide/wine-reviews/versions/4")
    assert str(ref) == "zynicide/wine-reviews/versions/4"
    assert ref.url == "https://www.kaggle.com/datasets/zynicide/wine-reviews/versions/4"
    assert ref.at_version(None).url == "https://www.kaggle.com/datasets/zynicide/wine-reviews"


@pytest.mark.parametrize("text, competition", [("titanic", True),
                                               ("https://www.kaggle.com/competitions/titanic", False),
                                               ("https://www.kaggle.com/c/titanic/data", False)])
def test_competition_forms(text, competition):
    ref = parse(text, competition=competition)
    assert ref.competition and ref.slug == "titanic"
    assert ref.rules_url == "https://www.kaggle.com/competitions/titanic/rules"


@pytest.mark.parametrize("text", ["wine-reviews", "a/b/c", "../etc/passwd", "a/..", "owner/slug/versions/x", ""])
def test_bad_dataset_refs_say_what_is_expected(text):
    with pytest.raises(KaggleError, match="owner/dataset"):
        parse(text)


def test_other_sites_and_bad_competition_names_are_refused():
    with pytest.raises(KaggleError, match="not a kaggle.com address"):
        parse("https://example.com/datasets/a/b")
    with pytest.raises(KaggleError, match="a Kaggle code page"):
        parse("https://www.kaggle.com/code/ada/my-notebook")
    with pytest.raises(KaggleError, match="not a competition name"):
        parse("a/b", competition=True)
