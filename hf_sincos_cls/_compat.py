"""Version shims of the package, in one place.

Each function here hides one difference between transformers 4.x and 5.x (or
between datasets / torch versions); its docstring says which versions differ.
The modeling and configuration modules travel to the Hub alone (for
``trust_remote_code``), so they must not import this module and keep their own
minimal shims.
"""

from __future__ import annotations

import transformers  # imported by the package's __init__ already: no cost here


def group_by_length_argument(training_args) -> dict:
    """The ``TrainingArguments`` change that batches examples of similar length together:
    transformers 5 has ``train_sampling_strategy="group_by_length"``, 4.x ``group_by_length=True``.
    Empty when the arguments already ask for another sampling strategy (5.x)."""
    if hasattr(training_args, "train_sampling_strategy"):
        return ({"train_sampling_strategy": "group_by_length"}
                if training_args.train_sampling_strategy == "random" else {})
    return {"group_by_length": True} if hasattr(training_args, "group_by_length") else {}


def warmup_ratio_field(training_args) -> bool:
    """Whether these ``TrainingArguments`` have a separate ``warmup_ratio`` (transformers 4.x);
    5.x reads a ``warmup_steps`` below 1 as the share of all steps instead."""
    return hasattr(training_args, "warmup_ratio")


def accelerator_available() -> bool:
    """Whether torch sees an accelerator to copy batches to: ``torch.accelerator`` (torch >= 2.6),
    else CUDA."""
    import torch

    return getattr(torch, "accelerator", torch.cuda).is_available()


def is_json_feature(feature) -> bool:
    """Whether ``feature`` is what datasets >= 4 calls a json column whose values are of several
    kinds (``datasets.Json``); older versions have no such feature, and it is never one."""
    import datasets

    json_feature = getattr(datasets, "Json", None)
    return json_feature is not None and isinstance(feature, json_feature)


def optimizer_call_args(model) -> tuple:
    """What to hand on to ``Trainer.create_optimizer`` from an override of it: transformers 5 passes
    the model to optimise, 4.x calls it without arguments (``model`` is then None)."""
    return () if model is None else (model,)


def numpy_core():
    """numpy's core module, where pickled arrays' ``multiarray._reconstruct`` lives: ``numpy._core``
    in numpy 2, ``numpy.core`` in numpy 1."""
    import numpy as np

    return np._core if hasattr(np, "_core") else np.core


# -- The tokenizer class name that both transformers versions load ------------------------


class PreTrainedTokenizerFast(transformers.PreTrainedTokenizerFast):
    """transformers' generic fast tokenizer, saved under its public name.

    transformers 5 renamed the class ``TokenizersBackend`` (keeping ``PreTrainedTokenizerFast``
    as an alias) and writes the new name into ``tokenizer_config.json``, which transformers 4
    cannot resolve. This subclass adds nothing but its name, so the saved folder says
    ``PreTrainedTokenizerFast`` and both versions load it with their own class.
    """


def portable_tokenizer(tokenizer):
    """The same fast tokenizer, re-wrapped so ``save_pretrained`` names ``PreTrainedTokenizerFast``.

    A tokenizer that transformers 5 loads from a folder comes back as ``TokenizersBackend`` and
    would be saved under that name, which transformers 4 cannot load; other tokenizer classes
    are returned unchanged.
    """
    if type(tokenizer) is not transformers.PreTrainedTokenizerFast:
        return tokenizer
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer.backend_tokenizer,
        model_max_length=tokenizer.model_max_length,
        model_input_names=list(tokenizer.model_input_names),
        clean_up_tokenization_spaces=tokenizer.clean_up_tokenization_spaces,
        **tokenizer.special_tokens_map,
    )
