"""A saved model moved to the data's labels: kept when they are its own, given a new
classifier (``--new_classifier_head``), or its classifier's rows renamed and kept
(``--label_mapping``); an encoder saved without a head (by ``run_mlm.py``) gets a new one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification

from .errors import InputError, is_size_mismatch
from .modeling_sincos_cls import SinCosClsForSequenceClassification

logger = logging.getLogger(__name__)


def label_fields(columns) -> dict:
    """The config fields that describe the data's labels."""
    if columns.is_regression:
        return {"num_labels": 1, "problem_type": "regression"}
    labels = columns.label_names
    problem = "multi_label_classification" if columns.is_multi_label else "single_label_classification"
    return {"num_labels": len(labels), "problem_type": problem,
            "id2label": dict(enumerate(labels)), "label2id": {name: i for i, name in enumerate(labels)}}


def load_classifier(model_args, columns):
    """A saved model to continue from. A classifier's labels must be the data's; an encoder
    saved without a classification head (e.g. by run_mlm.py) gets a new one for the data's labels."""
    name, remote = model_args.model_name_or_path, model_args.trust_remote_code
    if model_args.label_mapping is not None and model_args.new_classifier_head:
        raise InputError("--label_mapping keeps the saved classifier, --new_classifier_head replaces it: "
                         "pass one of them")
    try:
        saved = AutoConfig.from_pretrained(name, trust_remote_code=remote)
    except (ValueError, OSError) as error:  # a missing or foreign folder; the config's own checks
        if isinstance(error, OSError) or str(name) in str(error):  # name the field, not the folder
            raise InputError(str(error).strip().splitlines()[0]) from error
        raise InputError(f"config.json of {name}: {error}") from error
    if not any(arch.endswith("ForSequenceClassification") for arch in saved.architectures or []):
        if model_args.label_mapping is not None:
            raise InputError(f"--label_mapping maps the data's labels onto a saved classifier's, and {name} has no "
                             "classification head; drop the flag to start a new one")
        logger.info("%s has no classification head (%s): starting a new one for the data's labels",
                    name, ", ".join(saved.architectures or ["no architecture recorded"]))
        return _from_pretrained(name, remote, **label_fields(columns))
    model = _from_pretrained(name, remote)
    saved_multi = model.config.problem_type == "multi_label_classification"
    if not columns.is_regression and saved_multi != columns.is_multi_label and not model_args.new_classifier_head:
        kinds = {True: "multi-label (any number of labels a text)", False: "single-label (one label a text)"}
        raise InputError(f"{name} is a {kinds[saved_multi]} classifier and the data is {kinds[columns.is_multi_label]}; "
                         "pass --new_classifier_head to keep its encoder and start a new classifier")
    if not columns.is_regression:
        saved = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if model_args.label_mapping is not None:
            return _with_mapped_classifier(model, columns, model_args.label_mapping, saved)
        if saved != list(columns.label_names) or saved_multi != columns.is_multi_label:
            if not model_args.new_classifier_head:
                raise InputError(
                    f"{model_args.model_name_or_path} was trained for labels {saved}, the data has "
                    f"{list(columns.label_names)}; pass --new_classifier_head to keep its encoder and start a new "
                    "classifier for the data's labels, --label_mapping to say which saved label each of the "
                    "data's is, or relabel the data to match"
                )
            return _with_new_classifier(model, columns)
    elif model_args.label_mapping is not None:
        raise InputError("--label_mapping maps the data's labels onto a saved classifier's; regression has no labels")
    return model


def _from_pretrained(name: str, remote: bool, **config_fields):
    """``AutoModelForSequenceClassification.from_pretrained``; weights of other shapes than the
    config's are an error naming the first such tensor and both shapes (transformers 5 names
    none in its message, 4.x only the tensor's last name)."""
    try:
        return AutoModelForSequenceClassification.from_pretrained(name, trust_remote_code=remote, **config_fields)
    except (OSError, ValueError) as error:  # no weights, a folder transformers cannot read, a foreign model
        raise InputError(str(error).strip().splitlines()[0]) from error
    except RuntimeError as error:
        if not is_size_mismatch(error) or not Path(name).is_dir():
            raise
        found = _mismatched_tensors(Path(name), remote, config_fields)
        if not found:
            raise
        more = f" (and {len(found) - 1} more tensors)" if len(found) > 1 else ""
        raise InputError(f"the weights of {name} do not fit its config.json: {found[0]}{more}; correct "
                         "config.json, or save the model again (ignore_mismatched_sizes=True in from_pretrained "
                         "starts the mismatched layers afresh)") from error


def _mismatched_tensors(folder: Path, remote: bool, config_fields: dict) -> list[str]:
    """Each tensor whose shape in the folder's safetensors files differs from what its
    config.json builds, as 'name is (a, b) in model.safetensors, (c, d) by config.json'."""
    from safetensors import safe_open

    config = AutoConfig.from_pretrained(folder, trust_remote_code=remote, **config_fields)
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        expected = AutoModelForSequenceClassification.from_config(config, trust_remote_code=remote).state_dict()
    found = []
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as weights:
            for key in weights.keys():
                saved = tuple(weights.get_slice(key).get_shape())
                if key in expected and tuple(expected[key].shape) != saved:
                    found.append(f"{key} is {saved} in {path.name}, {tuple(expected[key].shape)} by config.json")
    return found


def _with_new_classifier(model, columns):
    """The same model class and encoder weights, with a freshly initialised classifier for the
    data's labels (transfer to a related task whose label names differ)."""
    config = type(model.config).from_dict({**model.config.to_dict(), **label_fields(columns)})
    fresh = type(model)(config)
    fresh.base_model.load_state_dict(model.base_model.state_dict())
    logger.info("new classifier head for labels %s over the encoder of %s", list(columns.label_names),
                model.config.name_or_path)
    return fresh


def parse_label_mapping(text: str, data_labels, saved_labels) -> list[int]:
    """``'fresh=pos,rotten=neg'`` as the saved classifier's row for each data label, in the
    data's label order. Every data label must be named once, each onto a different saved label."""
    mapping = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        data_label, sep, saved_label = (side.strip() for side in pair.partition("="))
        if not sep or not data_label or not saved_label:
            raise InputError(f"--label_mapping: {pair!r} is not data_label=saved_label")
        if data_label in mapping:
            raise InputError(f"--label_mapping names data label {data_label!r} twice")
        mapping[data_label] = saved_label
    unknown = sorted(set(mapping) - set(data_labels))
    if unknown:
        raise InputError(f"--label_mapping names {unknown}, which the data does not have; its labels are "
                         f"{list(data_labels)}")
    missing = [label for label in data_labels if label not in mapping]
    if missing:
        raise InputError(f"--label_mapping leaves the data's labels {missing} unmapped; map each of "
                         f"{list(data_labels)} onto one of the saved labels {list(saved_labels)}")
    strange = sorted({label for label in mapping.values() if label not in saved_labels})
    if strange:
        raise InputError(f"--label_mapping maps onto {strange}, which the saved classifier does not have; "
                         f"its labels are {list(saved_labels)}")
    targets = [mapping[label] for label in data_labels]
    if len(set(targets)) != len(targets):
        raise InputError(f"--label_mapping maps two data labels onto one saved label ({mapping}); the classifier "
                         "could not tell them apart")
    return [list(saved_labels).index(label) for label in targets]


def _with_mapped_classifier(model, columns, mapping: str, saved: list[str]):
    """The saved classifier (whose labels are ``saved``, in id order) kept for the rows the
    mapping names, renamed to the data's labels (transfer to a task with other names for the
    same classes)."""
    rows = parse_label_mapping(mapping, columns.label_names, saved)
    head = getattr(model, "classifier", None)
    if not isinstance(head, torch.nn.Linear):
        raise InputError(f"--label_mapping needs a classifier whose last layer is a Linear named 'classifier' (as "
                         f"{SinCosClsForSequenceClassification.__name__} has); {type(model).__name__} has none: "
                         "pass --new_classifier_head instead")
    kept = torch.nn.Linear(head.in_features, len(rows), bias=head.bias is not None, dtype=head.weight.dtype,
                           device=head.weight.device)
    with torch.no_grad():
        kept.weight.copy_(head.weight[rows])
        if head.bias is not None:
            kept.bias.copy_(head.bias[rows])
    model.classifier = kept
    bag = getattr(model, "ngram_bag", None)
    if bag is not None:  # the n-gram bag's per-label columns follow the classifier's rows
        bag.weight = torch.nn.Parameter(bag.weight.detach()[:, rows].clone(), requires_grad=bag.weight.requires_grad)
    for key, value in label_fields(columns).items():
        setattr(model.config, key, value)
    model.num_labels = model.config.num_labels
    logger.info("classifier of %s kept: %s", model.config.name_or_path,
                ", ".join(f"{new} = its {saved[row]}" for new, row in zip(columns.label_names, rows)))
    return model
