"""The word-level tokenizer: GloVe-style splitting, vocabulary, pairs, characters, saving."""

import json

import pytest
from helpers import run_python, tiny_config
from transformers import pipeline

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.tokenization import SPECIAL_TOKENS, build_tokenizer, detect_tokenizer_mode
from hf_sincos_cls.word_vectors import read_word_vectors

REVIEWS = [
    "While Howard's appreciation of Brown and his writing is clearly well-meaning and sincere, "
    "the movie would be impossible to sit through were it not for the supporting cast.",
    "For a film about action, Ultimate X is the gabbiest giant-screen movie ever, bogging down in a barrage of hype.",
    "Unlike his directorial efforts, La Femme Nikita and The Professional, The Transporter lacks Besson's perspective.",
    "It doesn't work -- and that's a shame... (really!?) Samuel L. Jackson can't save the U.S. release, "
    "2.5 hours at 10:30 p.m. costs $1,000.",
    "In addition to sporting one of the worst titles in recent cinematic history, Ballistic: Ecks Vs. Sever "
    "also features terrible, banal dialogue; convenient, hole-ridden plotting; superficial characters.",
]


def test_special_tokens_take_the_first_ids_with_pad_at_zero():
    tok = build_tokenizer(["a good film"])
    assert [tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3]
    assert (tok.pad_token_id, tok.unk_token, tok.cls_token, tok.sep_token) == (0, "[UNK]", "[CLS]", "[SEP]")


def test_splits_text_the_way_glove_6b_was_tokenized():
    text = "Don't miss Mr. Smith's U.S. debut -- it's 2.5 hours... (Really!?) 1,000 well-made “films”"
    tok = build_tokenizer([text])
    assert tok.tokenize(text) == [
        "do", "n't", "miss", "mr.", "smith", "'s", "u.s.", "debut", "--", "it", "'s", "2.5", "hours", "...",
        "(", "really", "!?", ")", "1,000", "well", "-", "made", '"', "films", '"',
    ]


def test_most_tokens_of_movie_reviews_have_a_glove_6b_vector():
    glove = set(read_word_vectors("glove.6B.50d").words)
    tok = build_tokenizer(REVIEWS)
    tokens = [t for text in REVIEWS for t in tok.tokenize(text)]
    found = sum(t in glove for t in tokens) / len(tokens)
    # A plain lower-cased split on spaces leaves punctuation glued to words: far fewer found.
    naive = [t for text in REVIEWS for t in text.lower().split()]
    assert found >= 0.98
    assert found > sum(t in glove for t in naive) / len(naive) + 0.1


def test_vocabulary_keeps_the_most_frequent_tokens_up_to_max_vocab_size():
    tok = build_tokenizer(["b b b c c a", "d"], max_vocab_size=len(SPECIAL_TOKENS) + 2)
    assert [tok.convert_ids_to_tokens(i) for i in (4, 5)] == ["b", "c"]
    assert len(tok) == len(SPECIAL_TOKENS) + 2
    assert tok("a")["input_ids"] == [tok.unk_token_id]


def test_vocabulary_drops_tokens_rarer_than_min_frequency():
    tok = build_tokenizer(["rare common common"], min_frequency=2)
    assert "common" in tok.get_vocab() and "rare" not in tok.get_vocab()
    assert tok("rare common")["input_ids"] == [tok.unk_token_id, tok.convert_tokens_to_ids("common")]


def test_ties_in_frequency_get_the_same_ids_on_every_training():
    texts = [" ".join(f"w{i}" for i in range(200))]
    assert build_tokenizer(texts).get_vocab() == build_tokenizer(texts).get_vocab()


def test_a_single_text_encodes_as_its_tokens_alone():
    tok = build_tokenizer(["a good film"])
    enc = tok("a good film")
    assert enc["input_ids"] == [tok.convert_tokens_to_ids(t) for t in ("a", "good", "film")]
    assert enc["token_type_ids"] == [0, 0, 0]


def test_a_pair_encodes_with_sep_between_and_token_type_ids():
    tok = build_tokenizer(["a good film", "it is fun"])
    enc = tok("a good film", "it is fun")
    ids = [tok.convert_tokens_to_ids(t) for t in ("a", "good", "film", "[SEP]", "it", "is", "fun")]
    assert enc["input_ids"] == ids
    assert enc["token_type_ids"] == [0, 0, 0, 0, 1, 1, 1]


def test_truncation_cuts_at_model_max_length():
    tok = build_tokenizer(["a good film"], model_max_length=4)
    assert tok.model_max_length == 4
    assert len(tok("a good film " * 5, truncation=True)["input_ids"]) == 4


def test_char_level_mode_gives_one_token_per_chinese_character():
    texts = ["这部电影很好看！", "剧情太无聊了。"]
    tok = build_tokenizer(texts, char_level=True)
    assert tok.tokenize("电影 很无聊") == ["电", "影", "很", "无", "聊"]
    assert tok.decode(tok("电影很无聊")["input_ids"]) == "电影很无聊"


def test_char_mode_keeps_latin_words_and_numbers_whole_inside_chinese_text():
    text = "我买了iPhone 15 Pro，价格3,999元！很好"
    tok = build_tokenizer([text], char_level=True)
    assert tok.tokenize(text) == ["我", "买", "了", "iphone", "15", "pro", ",", "价", "格", "3,999", "元", "!", "很", "好"]


def test_char_mode_splits_japanese_kana_and_thai_into_characters():
    tok = build_tokenizer(["これはテストです。", "ภาษาไทย"], char_level=True)
    assert tok.tokenize("これはテストです。") == ["こ", "れ", "は", "テ", "ス", "ト", "で", "す", "。"]
    assert tok.tokenize("ภาษาไทย") == ["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]


def test_word_mode_splits_chinese_into_characters_and_keeps_glove_rules():
    # A run of Han characters is a sentence, not a word: even word mode splits it, so an English
    # corpus with a few Chinese names does not learn each run as one token.
    tok = build_tokenizer(["这部电影很好看 don't miss it"])
    assert tok.tokenize("这部电影很好看 don't") == ["这", "部", "电", "影", "很", "好", "看", "do", "n't"]


@pytest.mark.parametrize(
    "texts, mode",
    [
        (["这部电影很好看！", "剧情太无聊了，不推荐。"], "char"),  # Chinese
        (["これはとても面白い映画でした。", "二度と見たくない。"], "char"),  # Japanese
        (["A gorgeous, witty, seductive movie.", "A dull, lifeless mess."], "word"),  # English
        (["我买了iPhone 15 Pro，价格3,999元！很好", "MacBook的屏幕不错"], "char"),  # Chinese with Latin words
        (["The film was shot in 北京 and Shanghai by a young crew.", "Great acting."], "word"),  # English, a name
        (["", "   ", "123 456"], "word"),  # no letters at all
    ],
)
def test_auto_mode_picks_characters_for_scripts_written_without_spaces(texts, mode):
    choice = detect_tokenizer_mode(texts)
    assert choice.mode == mode, choice
    assert choice.reason.startswith("auto:")


def test_an_explicit_tokenizer_mode_wins_and_a_wrong_one_is_named():
    assert detect_tokenizer_mode(["这部电影很好看"], "word").mode == "word"
    with pytest.raises(ValueError, match="--tokenizer 'chars'"):
        detect_tokenizer_mode(["a"], "chars")


@pytest.mark.slow
def test_saved_tokenizer_loads_with_autotokenizer_in_a_fresh_process_without_the_package(tmp_path):
    tok = build_tokenizer(REVIEWS, model_max_length=64)
    tok.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"  # a name transformers 4 and 5 both resolve
    out = run_python(
        f"""
        import json
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained({str(tmp_path)!r})
        enc = tok("Don't miss it!", "It's fun.")
        print(json.dumps([enc["input_ids"], enc["token_type_ids"], tok.model_max_length]))
        """,
        cwd=str(tmp_path), block_package=True,
    )
    enc = tok("Don't miss it!", "It's fun.")
    assert json.loads(out.strip().splitlines()[-1]) == [enc["input_ids"], enc["token_type_ids"], 64]


def test_pipeline_uses_the_tokenizer_saved_with_the_model(tmp_path):
    tok = build_tokenizer(REVIEWS, model_max_length=16)
    model = SinCosClsForSequenceClassification(tiny_config(vocab_size=len(tok), max_position_embeddings=16))
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    pipe = pipeline("text-classification", model=str(tmp_path))
    assert pipe.tokenizer.get_vocab() == tok.get_vocab()
    long_review = " ".join(REVIEWS)  # longer than the model's 16 positions: truncation must cut it
    assert pipe(long_review, truncation=True)[0]["label"] in model.config.id2label.values()


def test_tokenizer_refuses_a_vocabulary_with_no_room_for_words():
    with pytest.raises(ValueError, match="max_vocab_size"):
        build_tokenizer(["a b"], max_vocab_size=len(SPECIAL_TOKENS))



def test_a_reloaded_tokenizer_saves_again_under_the_portable_class_name(tmp_path):
    from transformers import AutoTokenizer

    from hf_sincos_cls.tokenization import portable_tokenizer

    build_tokenizer(["a good movie", "a bad film"]).save_pretrained(tmp_path / "first")
    reloaded = AutoTokenizer.from_pretrained(tmp_path / "first")
    portable = portable_tokenizer(reloaded)
    portable.save_pretrained(tmp_path / "second")
    config = json.loads((tmp_path / "second" / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert portable("a good film", "a bad movie")["input_ids"] == reloaded("a good film", "a bad movie")["input_ids"]
    assert portable.pad_token_id == 0 and portable.model_max_length == reloaded.model_max_length
