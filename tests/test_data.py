"""helpers.course.data: the course's data sets are all there, with the sizes their sources state."""
import pytest

from helpers.course import data


def test_stsb_sizes():
    assert len(data.load_stsb("dev")) == 1500
    test = data.load_stsb("test")
    assert len(test) == 1379
    assert test.score.between(0, 5).all()


def test_stsb_bad_split():
    with pytest.raises(ValueError, match="'dev'"):
        data.load_stsb("train")


def test_squad_sizes_and_links():
    paragraphs, questions = data.load_squad()
    assert (len(paragraphs), len(questions), paragraphs.title.nunique()) == (2067, 10570, 48)
    assert list(paragraphs.paragraph_id) == list(range(2067))
    assert questions.paragraph_id.isin(paragraphs.paragraph_id).all()


def test_coco_photos_exist_with_five_captions_and_a_licence():
    coco = data.load_coco()
    assert len(coco) == 76
    assert coco.captions.map(len).eq(5).all()
    assert coco.license_url.str.contains("creativecommons.org/licenses/by").all()


def test_imagenet_classes():
    classes = data.load_imagenet_classes()
    assert len(classes) == 1000 and classes[0].startswith("tench")


def test_missing_data_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        data.load_stsb("test")


def test_bad_split_and_path_parts_are_refused():
    with pytest.raises(ValueError, match="split must be 'dev'"):
        data.load_stsb(["dev"])
    with pytest.raises(TypeError, match="names as str"):
        data.data_path(3)
