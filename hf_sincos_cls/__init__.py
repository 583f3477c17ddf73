"""hf_sincos_cls: the blog's sinusoidal-position transformer encoder as a Hugging Face model.

Importing the package registers the config and models with the Auto classes.
"""

import importlib.util

from transformers import AutoConfig

from .configuration_sincos_cls import SinCosClsConfig

_MODELS = ("SinCosClsForMaskedLM", "SinCosClsForSequenceClassification", "SinCosClsModel",
           "SinCosClsPreTrainedModel", "sinusoidal_position_encoding")

# exist_ok: importing twice, or beside a remote-code copy of the same classes, is harmless.
AutoConfig.register(SinCosClsConfig.model_type, SinCosClsConfig, exist_ok=True)
# save_pretrained then writes an auto_map and copies the code files, so the folder loads
# from the Hub with trust_remote_code=True where this package is not installed.
SinCosClsConfig.register_for_auto_class()

# Without torch (a machine that only serves ONNX, see onnx_serving) the models are absent.
if importlib.util.find_spec("torch") is not None:
    from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification

    from .modeling_sincos_cls import (
        SinCosClsForMaskedLM,
        SinCosClsForSequenceClassification,
        SinCosClsModel,
        SinCosClsPreTrainedModel,
        sinusoidal_position_encoding,
    )

    AutoModel.register(SinCosClsConfig, SinCosClsModel, exist_ok=True)
    AutoModelForSequenceClassification.register(SinCosClsConfig, SinCosClsForSequenceClassification, exist_ok=True)
    AutoModelForMaskedLM.register(SinCosClsConfig, SinCosClsForMaskedLM, exist_ok=True)
    SinCosClsModel.register_for_auto_class("AutoModel")
    SinCosClsForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
    SinCosClsForMaskedLM.register_for_auto_class("AutoModelForMaskedLM")
else:

    def __getattr__(name):
        if name in _MODELS:
            raise ImportError(f"hf_sincos_cls.{name} needs torch, which is not installed; "
                              "hf_sincos_cls.onnx_serving serves exported models without it")
        raise AttributeError(f"module 'hf_sincos_cls' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "SinCosClsConfig",
    "SinCosClsForMaskedLM",
    "SinCosClsForSequenceClassification",
    "SinCosClsModel",
    "SinCosClsPreTrainedModel",
    "sinusoidal_position_encoding",
]
