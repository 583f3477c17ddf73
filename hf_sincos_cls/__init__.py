"""hf_sincos_cls: the blog's sinusoidal-position transformer encoder as a Hugging Face model.

Importing the package registers the config and models with the Auto classes.
"""

from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification

from .configuration_sincos_cls import SinCosClsConfig
from .modeling_sincos_cls import (
    SinCosClsForMaskedLM,
    SinCosClsForSequenceClassification,
    SinCosClsModel,
    SinCosClsPreTrainedModel,
    sinusoidal_position_encoding,
)

# exist_ok: importing twice, or beside a remote-code copy of the same classes, is harmless.
AutoConfig.register(SinCosClsConfig.model_type, SinCosClsConfig, exist_ok=True)
AutoModel.register(SinCosClsConfig, SinCosClsModel, exist_ok=True)
AutoModelForSequenceClassification.register(SinCosClsConfig, SinCosClsForSequenceClassification, exist_ok=True)
AutoModelForMaskedLM.register(SinCosClsConfig, SinCosClsForMaskedLM, exist_ok=True)

# save_pretrained then writes an auto_map and copies the code files, so the folder loads
# from the Hub with trust_remote_code=True where this package is not installed.
SinCosClsConfig.register_for_auto_class()
SinCosClsModel.register_for_auto_class("AutoModel")
SinCosClsForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
SinCosClsForMaskedLM.register_for_auto_class("AutoModelForMaskedLM")

__version__ = "0.1.0"

__all__ = [
    "SinCosClsConfig",
    "SinCosClsForMaskedLM",
    "SinCosClsForSequenceClassification",
    "SinCosClsModel",
    "SinCosClsPreTrainedModel",
    "sinusoidal_position_encoding",
]
