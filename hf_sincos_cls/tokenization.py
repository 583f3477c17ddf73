"""A word-level tokenizer trained on the task's texts, split the way GloVe 6B's words were.

GloVe 6B was counted on lower-cased, Penn-Treebank-style tokens: clitics split off ("do" +
"n't", "it" + "'s"), punctuation apart ("--", "...", "!!" kept whole), acronyms and common
abbreviations with their dots ("u.s.", "mr.", "j."), numbers whole ("1,000", "3.5", "10:30").
Splitting our texts the same way puts most of a corpus's tokens on a vector (see
``build_tokenizer``). Scripts written without spaces between words (Han, Kana, Thai, ...)
become one token per character in both modes; the character mode drops the GloVe-specific
rules and keeps other scripts' words and numbers whole, for Chinese or Japanese corpora.
``detect_tokenizer_mode`` picks the mode from a corpus's own letters.

The result is a plain ``PreTrainedTokenizerFast``: ``save_pretrained`` writes a
``tokenizer.json`` that ``AutoTokenizer`` loads with no code of ours. That class, and
``portable_tokenizer``, which keeps the name a tokenizer loaded by transformers 5 is saved under,
live in ``_compat`` (the 4.x/5.x shims) and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import regex
import transformers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from ._compat import PreTrainedTokenizerFast, portable_tokenizer
from .errors import InputError, load_tokenizer_file, read_json_file

PAD, UNK, CLS, SEP = "[PAD]", "[UNK]", "[CLS]", "[SEP]"
# The order fixes the ids: [PAD] is 0, the config's pad_token_id (model card rule 1).
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP)

# Scripts written without spaces between words: a run of them is a sentence, not a word, so
# each character (grapheme) is a token of its own.
_UNSPACED_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
_UNSPACED_CHAR = rf"(?=[{_UNSPACED_SCRIPTS}])\X"
# A letter, mark or digit of any other script.
_WORD_CHAR = rf"[\p{{L}}\p{{M}}\p{{N}}&&[^{_UNSPACED_SCRIPTS}]]"
# Abbreviations GloVe 6B keeps with their dot; a short list of titles and months, because
# after lower-casing "mr." and a sentence ending in "mr" cannot be told apart by shape alone.
_ABBREVIATIONS = (
    "mr", "mrs", "ms", "dr", "prof", "st", "mt", "ft", "jr", "sr", "vs", "etc", "inc", "corp", "co",
    "ltd", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "jan", "feb", "mar", "apr", "aug",
    "sept", "oct", "nov", "dec",
)
_CLITICS = r"'(?:s|re|ve|ll|d|m)\b"
# Alternatives are tried in this order at each position; the first that matches is a token.
WORD_PATTERN = "|".join([
    _UNSPACED_CHAR,
    rf"{_WORD_CHAR}+(?=n't\b)",  # "do" of "don't", "ca" of "can't": GloVe has "ca" + "n't"
    r"n't\b",
    _CLITICS,
    rf"(?:{'|'.join(_ABBREVIATIONS)})\.(?!{_WORD_CHAR})",
    rf"(?:\p{{L}}\.)+(?!{_WORD_CHAR})",  # u.s.  e.g.  a.m.  and initials such as "j."
    r"\p{N}+(?:[.,:/]\p{N}+)+",  # 1,000  3.5  10:30  9/11
    # A word; an inner apostrophe stays ("o'brien") unless a clitic follows it. Hyphens split:
    # on Rotten Tomatoes snippets that finds 99.6% of tokens in GloVe against 99.0% when
    # "giant-screen" and the like stay whole (GloVe lacks most rare compounds).
    rf"{_WORD_CHAR}+(?:'(?!(?:s|re|ve|ll|d|m|t)\b){_WORD_CHAR}+)*",
    r"[!?]+",  # "!!!", "?!"
    r"([^\s\p{L}\p{M}\p{N}])\1*",  # a run of one punctuation mark: "--", "...", "''", "``"
])
# Characters of unspaced scripts one by one; numbers and other scripts' words whole (an
# "iPhone" or "3.5" inside Chinese text stays one token); a run of one punctuation mark.
CHAR_PATTERN = "|".join([
    _UNSPACED_CHAR,
    r"\p{N}+(?:[.,:/]\p{N}+)+",
    rf"{_WORD_CHAR}+",
    r"([^\s\p{L}\p{M}\p{N}])\1*",
])
TOKENIZER_MODES = ("auto", "word", "char")
# `auto` chooses characters when most of a corpus's words are in unspaced scripts, counting
# each of their characters as a word (so "我买了iPhone" is 3 of 4): Chinese reviews with English
# product names stay above the line, English with an occasional Chinese name below (and word
# mode still splits those characters one by one).
CHAR_MODE_MIN_SHARE = 0.5
_UNIT = regex.compile(rf"[{_UNSPACED_SCRIPTS}]|(?:(?![{_UNSPACED_SCRIPTS}])\p{{L}})+")
_UNIT_IS_UNSPACED = regex.compile(rf"[{_UNSPACED_SCRIPTS}]")


class TokenizerChoice(NamedTuple):
    """The tokenizer mode picked for a corpus and why, for the log and the model card."""

    mode: str
    unspaced_share: float | None
    reason: str


def detect_tokenizer_mode(texts: Iterable[str], requested: str = "auto", max_chars: int = 2_000_000) -> TokenizerChoice:
    """``word`` or ``char`` for a corpus: ``requested`` when it is one of them, else (``auto``)
    ``char`` when at least :data:`CHAR_MODE_MIN_SHARE` of the words in ``texts`` (the first
    ``max_chars`` characters) are characters of Han, Kana, Thai or another script written
    without spaces, each such character counting as a word."""
    if requested not in TOKENIZER_MODES:
        raise InputError(f"--tokenizer {requested!r}: choose one of {', '.join(TOKENIZER_MODES)}")
    words = unspaced = seen = 0
    for text in texts:
        if not text:
            continue
        text = text[: max_chars - seen]
        for unit in _UNIT.findall(text):
            words += 1
            unspaced += len(unit) == 1 and _UNIT_IS_UNSPACED.match(unit) is not None
        seen += len(text)
        if seen >= max_chars:
            break
    share = unspaced / words if words else None
    described = ("no words" if share is None
                 else f"{share:.0%} of the words are characters of scripts written without spaces")
    if requested != "auto":
        return TokenizerChoice(requested, share, f"asked for ({described})")
    mode = "char" if share is not None and share >= CHAR_MODE_MIN_SHARE else "word"
    return TokenizerChoice(mode, share, f"auto: {described}")


def _normalizer(lowercase: bool) -> normalizers.Normalizer:
    steps = [
        normalizers.NFKC(),  # full-width forms and ligatures to their plain letters; "…" to "..."
        # GloVe's most frequent quotes are the ASCII ones; curly apostrophes would also hide "n't".
        normalizers.Replace(Regex("[‘’‛′]"), "'"),
        normalizers.Replace(Regex("[“”‟″]"), '"'),
    ]
    if lowercase:
        steps.append(normalizers.Lowercase())  # GloVe 6B is uncased
    return normalizers.Sequence(steps)


def _pre_tokenizer(char_level: bool) -> pre_tokenizers.PreTokenizer:
    pattern = CHAR_PATTERN if char_level else WORD_PATTERN
    # invert: the pattern matches the tokens themselves; what lies between them is dropped.
    return pre_tokenizers.Split(Regex(pattern), behavior="removed", invert=True)


def build_tokenizer(
    texts: Iterable[str] | Iterable[list[str]],
    *,
    max_vocab_size: int = 30000,
    min_frequency: int = 1,
    char_level: bool = False,
    lowercase: bool = True,
    model_max_length: int = 512,
    show_progress: bool = False,
) -> PreTrainedTokenizerFast:
    """Train a word-level (or character-level) tokenizer on ``texts`` and wrap it for transformers.

    Args:
        texts: strings, or batches (lists) of strings, e.g. a ``datasets`` column.
        max_vocab_size: most entries in the vocabulary, the four special tokens included
            (this is the model's ``vocab_size``). The most frequent tokens are kept; ties are
            broken by the token's text, so training twice gives the same ids.
        min_frequency: a token seen fewer times becomes ``[UNK]``.
        char_level: the character mode (see the module docstring), for Chinese, Japanese, Thai
            and other languages written without spaces between words.
        lowercase: lower-case before splitting, as GloVe 6B was made; turn off for cased vectors.
        model_max_length: the model's ``max_position_embeddings``; ``truncation=True`` cuts there.
        show_progress: the ``tokenizers`` trainer's progress bar.

    Ids: ``[PAD]`` 0, ``[UNK]`` 1, ``[CLS]`` 2, ``[SEP]`` 3, then tokens by frequency. A single
    text encodes as its tokens alone, as the blog's model reads them (it pools every position,
    so it needs no ``[CLS]``; the id stays reserved); a pair as ``A [SEP] B`` with
    ``token_type_ids`` 0 up to and including that ``[SEP]`` and 1 after it.
    """
    if max_vocab_size <= len(SPECIAL_TOKENS):
        raise InputError(
            f"max_vocab_size={max_vocab_size} leaves no room beside the {len(SPECIAL_TOKENS)} special tokens"
        )
    if min_frequency < 1:
        raise InputError(f"min_frequency={min_frequency} must be at least 1")
    backend = Tokenizer(models.WordLevel(unk_token=UNK))
    backend.normalizer = _normalizer(lowercase)
    backend.pre_tokenizer = _pre_tokenizer(char_level)
    trainer = trainers.WordLevelTrainer(
        vocab_size=max_vocab_size, min_frequency=min_frequency, special_tokens=list(SPECIAL_TOKENS),
        show_progress=show_progress,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    if backend.get_vocab_size() <= len(SPECIAL_TOKENS):
        raise InputError("no token to learn: the texts are empty, or every token is rarer than min_frequency")
    sep_id = backend.token_to_id(SEP)
    backend.post_processor = processors.TemplateProcessing(
        single="$A", pair=f"$A {SEP} $B:1", special_tokens=[(SEP, sep_id)]
    )
    # Without a decoder, tokens are joined with spaces: right for words, wrong between characters.
    if char_level:
        backend.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD,
        unk_token=UNK,
        cls_token=CLS,
        sep_token=SEP,
        model_max_length=model_max_length,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
        # Word mode decodes "do n't" and "end ." back to "don't" and "end.".
        clean_up_tokenization_spaces=not char_level,
    )


def load_tokenizer(model_dir, error: type[InputError] = InputError, **kwargs):
    """``AutoTokenizer.from_pretrained(model_dir, **kwargs)``, once a local folder's tokenizer
    files read as such: ``error`` naming the file otherwise, where transformers raises the
    ``tokenizers`` library's bare message, a codec error naming no file, or a ``KeyError``."""
    folder = Path(model_dir)
    if (folder / "tokenizer.json").is_file():
        load_tokenizer_file(folder / "tokenizer.json", error)
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        if (folder / name).is_file():
            read_json_file(folder / name, error, fix=": save the tokenizer again (save_pretrained)")
    try:
        return transformers.AutoTokenizer.from_pretrained(model_dir, **kwargs)
    except KeyError as problem:  # transformers 4 without tokenizer_config.json looks the class up by model type
        missing = " (it has no tokenizer_config.json)" if not (folder / "tokenizer_config.json").is_file() else ""
        raise error(f"transformers could not load the tokenizer in {folder}{missing}: KeyError {problem}; save "
                    "the tokenizer there again (save_pretrained)") from problem
    except (ValueError, OSError) as problem:  # no tokenizer files, or a class transformers does not know
        first = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
        raise error(f"transformers could not load the tokenizer in {model_dir}: {first}") from problem


__all__ = ["SPECIAL_TOKENS", "TOKENIZER_MODES", "PreTrainedTokenizerFast", "TokenizerChoice", "build_tokenizer",
           "detect_tokenizer_mode", "load_tokenizer", "portable_tokenizer"]
