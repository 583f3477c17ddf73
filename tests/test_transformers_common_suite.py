"""transformers' own shared model suite, ``ModelTesterMixin`` (and ``ConfigTester``), run on our models.

transformers tests every model it ships with one mixin from its repository's
``tests/test_modeling_common.py``: save/load, attention and hidden-state outputs, batching
equivalence, eager vs sdpa, gradient checkpointing, resizing embeddings, dtypes, init of missing
weights, and more. Here it runs against ``SinCosClsModel``, ``SinCosClsForSequenceClassification``
and ``SinCosClsForMaskedLM``, for whichever transformers is installed (CI runs 5.x and 4.57).

Where the suite comes from
--------------------------
Not from this repository (no transformers code is copied here): the transformers sdist on PyPI
ships ``tests/*.py``, and ``hf_sincos_cls.wheel_data.sdist_members`` downloads the sdist of the
*installed* version once (``pip download``) and extracts the two files we need into
``~/.cache/hf_sincos_cls/sdists/transformers-<version>/tests/``. The sdist ships only the top
folder of ``tests/``: no ``tests/__init__.py``, and none of the three modules these files import
relatively, so each is stood in for by a small module written here:

- ``.generation.test_utils.GenerationTesterMixin``: the suite only checks whether a test class
  inherits it; our models do not generate, so ours must not, and an empty class answers that.
- ``.exporters.test_export.ExportTesterMixin`` (5.x only; ``ModelTesterMixin``'s base class):
  an empty class, so the export tests of 5.x are not run here (see the table).
- ``.utils.test_configuration_utils.config_common_kwargs``: ``ConfigTester`` checks that the
  generic ``PretrainedConfig`` arguments in this dict reach the config; ours is a short dict of
  such arguments with non-default values (``CONFIG_COMMON_KWARGS`` below).

``test_configuration_common`` also executes ``tests/__init__.py`` (absent too) through
``direct_transformers_import``, only to get the transformers module back; that call is patched
to return it while the file is imported.

Why the odd package name
------------------------
The cache's ``tests/`` folder is imported as the package ``_transformers_sdist_tests`` (a module
object whose ``__path__`` is that folder), never as ``tests``: our own ``tests/`` folder (no
``__init__.py``) sits in the rootdir, which is on ``sys.path`` under ``python -m pytest``, so
``import tests`` would find ours, and a ``tests`` package of transformers' would in turn shadow
it. Under another name the two never meet, nothing is added to ``sys.path``, and the sdist's
relative imports (``from .generation.test_utils import ...``) resolve inside the stand-in package.

Our classes are not in transformers' ``MODEL_*_MAPPING_NAMES`` tables, from which the suite
decides which labels a head gets (``_prepare_for_class``) and that a base model is not trained
alone; ``setUpClass`` enters them there for the duration of the class (``mock.patch.dict``).

What does not apply
-------------------
Skipped or replaced here, each with its reason:

==============================================  =====================================================
test                                            why it does not apply
==============================================  =====================================================
``test_head_pruning*`` (4 tests), 4.x only      ``test_pruning = False``: the model has no head
                                                pruning (``_prune_heads``); transformers 5 dropped it.
``test_headmasking``, 4.x only                  ``test_head_masking = False``: forward takes no
                                                ``head_mask``; transformers 5 dropped it.
``test_torch_export``                           ``torch.export`` stops at the model's data-dependent
                                                input checks (``int(input_ids.max())`` and friends in
                                                ``_prepare_inputs``); our ONNX export uses the tracer
                                                instead (``onnx_export.py``, ``tests/test_onnx.py``).
                                                On 5.x the test lives in the export mixin, which the
                                                sdist does not ship.
``ConfigTester``'s common-properties step, 4.x  4.57 builds ``SinCosClsConfig(hidden_size=0)``
(inside ``test_config``; not a skip)            (and ``num_hidden_layers=2`` with ``pooling_layers=3``),
                                                which our validation rejects by design; replaced by
                                                ``_check_common_properties`` (valid values, and the
                                                named error for 0). 5.x runs the suite's step.
``test_can_init_all_missing_weights``, 4.x      4.57 runs it only for files whose first
                                                ``# Copyright <year>`` line says 2023 or later; ours
                                                has none. It runs on 5.x
                                                (``test_can_init_all_missing_weights_before_2023``).
==============================================  =====================================================

The suite itself skips, with its own reasons, what needs what this machine or model lacks:
an accelerator, CUDA or several GPUs (offload, parallelism, ``sdpa_can_compile_dynamic``,
``flex_attention``), Flash Attention 2/3/4, the ``kernels`` library, MPS, DeepSpeed; parts of
architectures we do not have (composite/sub-configs, RoPE, MoE experts and router logits,
sliding windows, learned position embeddings to resize, ``_keep_in_fp32_modules``, grouped_mm,
tensor-parallel plans, checkpoint key conversions, caches, decoder-only/seq2seq LM heads, the
``capture_outputs`` decorator); torch.fx (only for models transformers lists) and TorchScript
(disabled in 4.57 for every model); and the ``@slow`` tests (``test_torch_compile_for_training``),
which run only with ``RUN_SLOW=1``. ``pytest -rs`` lists every one with its reason.

What it found in the models (fixed in ``modeling_sincos_cls.py``; these tests guard the fixes):
``SinCosClsForMaskedLM.resize_token_embeddings`` left ``decoder_bias`` at the old vocabulary size
(``test_resize_tokens_embeddings``), and ``set_attn_implementation`` was a no-op on both
versions, because transformers reads the modeling file for the dispatch patterns its own models
use (``test_can_set_attention_dynamically``, which the suite skipped before).

The module takes 30-75 s on 2 cores (first run: plus the ~10 MB sdist download), hence ``slow``.
"""

from __future__ import annotations

import importlib
import sys
import types
import unittest
from unittest import mock

import pytest
import transformers
from packaging import version
from transformers.models.auto import modeling_auto

from hf_sincos_cls import (
    SinCosClsConfig,
    SinCosClsForMaskedLM,
    SinCosClsForSequenceClassification,
    SinCosClsModel,
)
from hf_sincos_cls.wheel_data import sdist_members

SUITE_PACKAGE = "_transformers_sdist_tests"
SUITE_MEMBERS = ["tests/test_modeling_common.py", "tests/test_configuration_common.py"]
TRANSFORMERS_4 = version.parse(transformers.__version__).major < 5

# Generic PretrainedConfig arguments, each away from its default, that any config must keep.
CONFIG_COMMON_KWARGS = {
    "return_dict": False,
    "output_hidden_states": True,
    "output_attentions": True,
    "id2label": {0: "negative", 1: "positive"},
    "label2id": {"negative": 0, "positive": 1},
    "problem_type": "single_label_classification",
}


class _NoGeneration:
    """Stand-in for transformers' ``GenerationTesterMixin`` (not in the sdist): never inherited here."""


class _NoExportTests:
    """Stand-in for transformers' ``ExportTesterMixin`` (not in the sdist): adds no tests."""


def _module(name: str, package: bool = False, **attributes) -> types.ModuleType:
    module = types.ModuleType(name)
    if package:
        module.__path__ = []
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


def load_suite() -> tuple[types.ModuleType, types.ModuleType]:
    """Import ``test_modeling_common`` and ``test_configuration_common`` of the installed
    transformers from its sdist, as modules of the package ``_transformers_sdist_tests``."""
    modeling, configuration = (f"{SUITE_PACKAGE}.{name}" for name in ("test_modeling_common", "test_configuration_common"))
    if modeling not in sys.modules:
        common = sdist_members("transformers", transformers.__version__, SUITE_MEMBERS)[0]
        _module(SUITE_PACKAGE, package=True).__path__.append(str(common.parent))
        _module(f"{SUITE_PACKAGE}.generation", package=True)
        _module(f"{SUITE_PACKAGE}.generation.test_utils", GenerationTesterMixin=_NoGeneration)
        _module(f"{SUITE_PACKAGE}.exporters", package=True)
        _module(f"{SUITE_PACKAGE}.exporters.test_export", ExportTesterMixin=_NoExportTests)
        _module(f"{SUITE_PACKAGE}.utils", package=True)
        _module(f"{SUITE_PACKAGE}.utils.test_configuration_utils", config_common_kwargs=CONFIG_COMMON_KWARGS)
    modeling_module = importlib.import_module(modeling)
    # test_configuration_common runs transformers.utils.direct_transformers_import(<its folder>),
    # which executes <its folder>/__init__.py (absent from the sdist) only to hand back the
    # transformers module already imported; hand it back directly.
    with mock.patch("transformers.utils.direct_transformers_import", lambda *args, **kwargs: transformers):
        configuration_module = importlib.import_module(configuration)
    return modeling_module, configuration_module


_modeling_common, _configuration_common = load_suite()
ModelTesterMixin = _modeling_common.ModelTesterMixin
ConfigTester = _configuration_common.ConfigTester
ids_tensor = _modeling_common.ids_tensor
random_attention_mask = _modeling_common.random_attention_mask


class SinCosClsModelTester:
    """Tiny configs and random inputs, as transformers' ``*ModelTester`` classes build them."""

    def __init__(
        self,
        parent,
        batch_size=13,
        seq_length=7,
        is_training=True,
        use_input_mask=True,
        use_token_type_ids=True,
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=512,
        type_vocab_size=2,
        num_labels=3,
        pooling_layers=2,
    ):
        self.parent = parent
        self.batch_size = batch_size
        self.seq_length = seq_length
        self.is_training = is_training
        self.use_input_mask = use_input_mask
        self.use_token_type_ids = use_token_type_ids
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.num_labels = num_labels
        self.pooling_layers = pooling_layers

    def get_config(self) -> SinCosClsConfig:
        return SinCosClsConfig(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            hidden_dropout_prob=self.hidden_dropout_prob,
            attention_probs_dropout_prob=self.attention_probs_dropout_prob,
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.type_vocab_size,
            num_labels=self.num_labels,
            pooling_layers=self.pooling_layers,
        )

    def prepare_config_and_inputs(self):
        input_ids = ids_tensor([self.batch_size, self.seq_length], self.vocab_size)
        # Random padding (the first token always kept), so masking is exercised everywhere.
        input_mask = random_attention_mask([self.batch_size, self.seq_length]) if self.use_input_mask else None
        token_type_ids = (
            ids_tensor([self.batch_size, self.seq_length], self.type_vocab_size) if self.use_token_type_ids else None
        )
        return self.get_config(), input_ids, input_mask, token_type_ids

    def prepare_config_and_inputs_for_common(self):
        config, input_ids, input_mask, token_type_ids = self.prepare_config_and_inputs()
        inputs = {"input_ids": input_ids}
        if input_mask is not None:
            inputs["attention_mask"] = input_mask
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        return config, inputs


# transformers' name tables the suite reads, and our class for each.
_NAME_TABLES = {
    "MODEL_MAPPING_NAMES": "SinCosClsModel",
    "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES": "SinCosClsForSequenceClassification",
    "MODEL_FOR_MASKED_LM_MAPPING_NAMES": "SinCosClsForMaskedLM",
}


@pytest.mark.slow
class SinCosClsModelTest(ModelTesterMixin, unittest.TestCase):
    all_model_classes = (SinCosClsModel, SinCosClsForSequenceClassification, SinCosClsForMaskedLM)
    # transformers 4.x only (5.x removed both features and these flags with them).
    test_pruning = False  # no _prune_heads
    test_head_masking = False  # forward takes no head_mask
    # 5.x: run the missing-weights init check although the file carries no "Copyright 2023+" line.
    test_can_init_all_missing_weights_before_2023 = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for table, name in _NAME_TABLES.items():
            patcher = mock.patch.dict(getattr(modeling_auto, table), {SinCosClsConfig.model_type: name})
            patcher.start()
            cls.addClassCleanup(patcher.stop)

    def setUp(self):
        self.model_tester = SinCosClsModelTester(self)
        self.config_tester = ConfigTester(
            self, config_class=SinCosClsConfig, hidden_size=32, num_attention_heads=4, num_hidden_layers=2,
            pooling_layers=2,
        )

    def test_config(self):
        if TRANSFORMERS_4:
            # 4.57's first step also builds SinCosClsConfig(hidden_size=0) and SinCosClsConfig(num_hidden_layers=2)
            # (pooling_layers=3 by default), which our validation rejects by design; ours checks the rest.
            self.config_tester.create_and_test_config_common_properties = self._check_common_properties
        self.config_tester.run_common_tests()

    def _check_common_properties(self):
        """The common properties as getters, setters and arguments, and a named error for a value
        that cannot build a model (4.x's ConfigTester expects any value to pass)."""
        values = {"hidden_size": 48, "num_attention_heads": 16, "num_hidden_layers": 3, "vocab_size": 77}
        config = SinCosClsConfig(**self.config_tester.inputs_dict)
        for name, value in values.items():
            setattr(config, name, value)
            self.assertEqual(getattr(config, name), value)
            self.assertEqual(getattr(SinCosClsConfig(**{name: value}), name), value)
        for name in values:
            with self.assertRaisesRegex(ValueError, rf"SinCosClsConfig\.{name}=0: must be a positive integer"):
                SinCosClsConfig(**{name: 0})

    def test_name_tables_patched_for_the_class_only(self):
        """The suite sees our classes in transformers' tables while the class runs (and nowhere else)."""
        for table, name in _NAME_TABLES.items():
            self.assertEqual(getattr(modeling_auto, table)[SinCosClsConfig.model_type], name)

    @unittest.skip(
        "torch.export stops at the model's data-dependent input checks (_prepare_inputs); the ONNX export "
        "uses the TorchScript tracer instead (hf_sincos_cls/onnx_export.py, tests/test_onnx.py)"
    )
    def test_torch_export(self):
        pass

    if TRANSFORMERS_4:

        @unittest.skip(
            "transformers 4.x runs this only for modeling files whose '# Copyright <year>' line says 2023 or "
            "later, and ours has none; it runs on transformers 5 (test_can_init_all_missing_weights_before_2023)"
        )
        def test_can_init_all_missing_weights(self):
            pass
