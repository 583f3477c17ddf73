"""The encoder against the model card's rule table, rule by rule, and its transformers integration."""

import importlib
import inspect
import json
import math

import pytest
import torch
from helpers import run_python, tiny_config, tiny_tokenizer
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, pipeline

import hf_sincos_cls
from hf_sincos_cls import (
    SinCosClsConfig,
    SinCosClsForSequenceClassification,
    SinCosClsModel,
    sinusoidal_position_encoding,
)
from hf_sincos_cls.configuration_sincos_cls import SinCosClsConfigError


def _batch(seed=0, bs=3, seq_len=9, vocab=40):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (bs, seq_len), generator=g)
    mask = torch.ones(bs, seq_len, dtype=torch.long)
    for row in range(1, bs):  # rows 1.. end in padding of growing length
        cut = seq_len - 2 * row
        ids[row, cut:] = 0
        mask[row, cut:] = 0
    return ids, mask


# Rule 3 -------------------------------------------------------------------------------

def test_position_encoding_equals_interleaved_formula():
    length, dim = 11, 8
    table = sinusoidal_position_encoding(length, dim)
    assert table.shape == (length, dim)
    for p in range(length):
        for i in range(dim // 2):
            angle = p / 10000 ** (2 * i / dim)
            assert table[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
            assert table[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


def test_position_encoding_rejects_odd_width():
    with pytest.raises(ValueError, match="dim=7"):
        sinusoidal_position_encoding(4, 7)


def test_embeddings_add_positions_to_word_vectors_without_scaling():
    model = SinCosClsModel(tiny_config(hidden_dropout_prob=0.0)).eval()
    ids = torch.tensor([[5, 6, 7]])
    expected = model.embeddings.word_embeddings(ids) + sinusoidal_position_encoding(3, 16)
    assert torch.allclose(model.embeddings(ids), expected, atol=1e-6)


def test_word_dropout_zeroes_whole_word_vectors_in_training_only():
    model = SinCosClsModel(tiny_config(hidden_dropout_prob=0.0, word_dropout_prob=0.5))
    ids = torch.randint(4, 40, (64, 8))
    positions = sinusoidal_position_encoding(8, 16)
    model.train()
    out = model.embeddings(ids)
    words = model.embeddings.word_embeddings(ids)
    zeroed = torch.isclose(out, positions.expand_as(out), atol=1e-6).all(-1)  # (bs, seq): vector dropped
    kept = torch.isclose(out, words + positions, atol=1e-6).all(-1)
    assert bool((zeroed ^ kept).all())  # each token is wholly dropped or wholly kept
    assert 0.4 < zeroed.float().mean().item() < 0.6
    model.eval()
    torch.testing.assert_close(model.embeddings(ids), words + positions)


# Parameter counts (rules 2, 5, 6, 8, 10) ---------------------------------------------

def _hand_count(vocab, hidden, layers, inner, labels):
    attention = 4 * (hidden * hidden + hidden)  # Wq, Wk, Wv, Wo and their biases
    ffn = hidden * inner + inner + inner * hidden + hidden
    return vocab * hidden + layers * (attention + ffn) + hidden * labels + labels  # no LN, no position params


def test_blog_settings_parameter_count_equals_hand_count():
    config = tiny_config(attention_projection_act="relu", layer_norm_affine=False)
    model = SinCosClsForSequenceClassification(config)
    assert model.num_parameters() == _hand_count(40, 16, 3, 64, 3)


def test_blog_full_size_block_has_the_hand_counted_parameters():
    # d_model 512, FFN 2048: 4 * (512*512 + 512) + 512*2048 + 2048 + 2048*512 + 512 = 3,150,336
    config = SinCosClsConfig(vocab_size=2, num_labels=2)
    model = SinCosClsModel(config)
    assert sum(p.numel() for p in model.layers[0].parameters()) == 3_150_336
    assert len(model.layers) == 6 and config.num_attention_heads == 8


def test_learned_layer_norm_adds_gain_and_bias_per_norm():
    blog = SinCosClsForSequenceClassification(tiny_config(layer_norm_affine=False)).num_parameters()
    learned = SinCosClsForSequenceClassification(tiny_config(layer_norm_affine=True)).num_parameters()
    assert learned - blog == 3 * 2 * (2 * 16)  # 3 blocks x 2 norms x (gain + bias)


def test_projection_exists_only_when_embedding_width_differs():
    same = SinCosClsModel(tiny_config())
    narrow = SinCosClsModel(tiny_config(embedding_size=6))
    assert same.embeddings.projection is None
    assert narrow.embeddings.word_embeddings.weight.shape == (40, 6)
    assert narrow.embeddings.projection.weight.shape == (16, 6)
    out = narrow(input_ids=torch.tensor([[4, 5, 6]]))
    assert out.last_hidden_state.shape == (1, 3, 16)


# Rules 5 and 6 ------------------------------------------------------------------------

def test_blog_layer_norm_has_no_parameters_and_eps_1e_14():
    config = SinCosClsConfig(vocab_size=2)
    block = SinCosClsModel(config).layers[0]
    assert block.attention_norm.weight is None and block.attention_norm.bias is None
    assert config.layer_norm_eps == 1e-14


def test_post_ln_block_output_is_normalised_per_token():
    model = SinCosClsModel(tiny_config(layer_norm_position="post")).eval()
    out = model(input_ids=torch.tensor([[4, 9, 12, 20]]), output_hidden_states=True)
    for hidden in out.hidden_states[1:]:
        assert torch.allclose(hidden.mean(-1), torch.zeros(1, 4), atol=1e-5)
        assert torch.allclose(hidden.var(-1, unbiased=False), torch.ones(1, 4), atol=1e-4)


def test_pre_ln_keeps_residual_stream_and_normalises_at_the_end():
    model = SinCosClsModel(tiny_config(layer_norm_position="pre")).eval()
    out = model(input_ids=torch.tensor([[4, 9, 12, 20]]), output_hidden_states=True)
    block_out = out.hidden_states[-1]
    assert not torch.allclose(block_out.var(-1, unbiased=False), torch.ones(1, 4), atol=1e-2)
    assert torch.allclose(out.last_hidden_state.var(-1, unbiased=False), torch.ones(1, 4), atol=1e-4)


@pytest.mark.parametrize("position", ["post", "pre"])
def test_both_layer_norm_positions_train(position):
    model = SinCosClsForSequenceClassification(tiny_config(layer_norm_position=position, num_labels=2))
    ids, mask = _batch()
    labels = torch.tensor([0, 1, 0])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    first = None
    for _ in range(15):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5 * first


def test_relu_projections_are_non_negative_and_can_be_switched_off():
    x = torch.randn(1, 5, 16)
    for act, non_negative in (("relu", True), (None, False)):
        attention = SinCosClsModel(tiny_config(attention_projection_act=act)).layers[0].attention
        qkv = attention.projection_act(attention.qkv(x))
        out, _ = attention(x)
        assert bool((qkv >= 0).all()) is non_negative
        assert bool((out >= 0).all()) is non_negative


# Rule 7: pooling and padding ---------------------------------------------------------

def test_masked_logits_do_not_depend_on_batch_padding():
    model = SinCosClsForSequenceClassification(tiny_config(mask_padding=True)).eval()
    short = torch.tensor([[4, 5, 6, 7]])
    long = torch.tensor([[8, 9, 10, 11, 12, 13, 14, 15, 16, 17]])
    alone = model(input_ids=short).logits
    batched_ids = torch.zeros(2, 10, dtype=torch.long)
    batched_ids[0, :4], batched_ids[1] = short[0], long[0]
    mask = (batched_ids != 0).long()
    batched = model(input_ids=batched_ids, attention_mask=mask).logits
    assert torch.allclose(alone[0], batched[0], atol=1e-5)


def test_unmasked_blog_mode_lets_padding_change_logits():
    model = SinCosClsForSequenceClassification(tiny_config(mask_padding=False)).eval()
    short = torch.tensor([[4, 5, 6, 7]])
    padded = torch.tensor([[4, 5, 6, 7, 0, 0, 0]])
    mask = (padded != 0).long()
    assert not torch.allclose(model(input_ids=short).logits, model(input_ids=padded, attention_mask=mask).logits,
                              atol=1e-4)


@pytest.mark.parametrize("mask_padding", [True, False])
def test_pooled_output_is_mean_of_sum_of_last_blocks(mask_padding):
    config = tiny_config(num_hidden_layers=4, pooling_layers=3, mask_padding=mask_padding)
    model = SinCosClsModel(config).eval()
    ids, mask = _batch()
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    summed = sum(out.hidden_states[-3:])  # outputs of blocks 2, 3, 4
    weights = mask if mask_padding else torch.ones_like(mask)
    expected = (summed * weights[..., None]).sum(1) / weights.sum(1, keepdim=True)
    assert len(out.hidden_states) == 5  # embeddings + 4 blocks
    assert torch.allclose(out.pooler_output, expected, atol=1e-5)


def test_mean_max_pooling_adds_each_features_largest_real_value():
    config = tiny_config(num_hidden_layers=4, pooling_layers=3, pooling_mode="mean_max")
    model = SinCosClsModel(config).eval()
    ids, mask = _batch()
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    summed = sum(out.hidden_states[-3:])
    mean = (summed * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    top = torch.stack([summed[row, mask[row].bool()].amax(0) for row in range(ids.shape[0])])
    assert torch.allclose(out.pooler_output, mean + top, atol=1e-5)
    assert SinCosClsConfig().pooling_mode == "mean"  # the blog's


def test_mean_max_pooling_keeps_a_text_apart_from_its_batch_and_an_empty_text_at_zero():
    model = SinCosClsForSequenceClassification(tiny_config(pooling_mode="mean_max")).eval()
    ids, mask = _batch()
    batched = model(input_ids=ids, attention_mask=mask).logits
    alone = model(input_ids=ids[2:3, : int(mask[2].sum())]).logits
    assert torch.allclose(batched[2], alone[0], atol=1e-5)
    empty = model.model(input_ids=torch.zeros((2, 0), dtype=torch.long)).pooler_output
    assert torch.equal(empty, torch.zeros_like(empty))
    with pytest.raises(SinCosClsConfigError, match=r"pooling_mode='max': choose one of \('mean', 'mean_max'\)"):
        SinCosClsConfig(pooling_mode="max")


def test_masked_attention_gives_padding_zero_weight():
    model = SinCosClsModel(tiny_config()).eval()
    ids, mask = _batch()
    out = model(input_ids=ids, attention_mask=mask, output_attentions=True)
    assert len(out.attentions) == 3
    for weights in out.attentions:  # (bs, heads, q, k)
        assert torch.allclose(weights.sum(-1), torch.ones_like(weights.sum(-1)), atol=1e-5)
        assert float(weights[2][..., mask[2] == 0].abs().max().detach()) == 0.0


# Attention implementations -----------------------------------------------------------

@pytest.mark.parametrize("mask_padding", [True, False])
def test_eager_and_sdpa_agree(mask_padding):
    eager = AutoModelForSequenceClassification.from_config(
        tiny_config(mask_padding=mask_padding), attn_implementation="eager").eval()
    sdpa = AutoModelForSequenceClassification.from_config(
        tiny_config(mask_padding=mask_padding), attn_implementation="sdpa").eval()
    sdpa.load_state_dict(eager.state_dict())
    assert eager.config._attn_implementation == "eager" and sdpa.config._attn_implementation == "sdpa"
    ids, mask = _batch()
    assert torch.allclose(eager(input_ids=ids, attention_mask=mask).logits,
                          sdpa(input_ids=ids, attention_mask=mask).logits, atol=1e-5)


def _attention_ops(model, ids, mask, train):
    from torch.profiler import ProfilerActivity, profile

    model.train(train)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with torch.autocast("cpu", dtype=torch.bfloat16), torch.set_grad_enabled(train):
            out = model(input_ids=ids, attention_mask=mask, labels=torch.zeros(len(ids), dtype=torch.long))
        if train:
            out.loss.backward()
    return {e.key for e in prof.key_averages() if "attention" in e.key}, out


def test_cpu_bf16_training_takes_the_math_attention_kernel_and_matches_eager():
    config = dict(hidden_dropout_prob=0.0, classifier_dropout=0.0, num_labels=2)
    sdpa = AutoModelForSequenceClassification.from_config(tiny_config(**config), attn_implementation="sdpa")
    eager = AutoModelForSequenceClassification.from_config(tiny_config(**config), attn_implementation="eager")
    eager.load_state_dict(sdpa.state_dict())
    ids, mask = _batch()
    ops, out = _attention_ops(sdpa, ids, mask, train=True)
    assert not any("flash" in op for op in ops), ops  # the fused kernel's slow CPU backward is avoided
    _, reference = _attention_ops(eager, ids, mask, train=True)
    assert out.loss.item() == pytest.approx(reference.loss.item(), rel=2e-2)
    for (name, a), b in zip(sdpa.named_parameters(), eager.parameters()):  # the same to bf16 precision
        assert (a.grad - b.grad).norm() <= 0.05 * b.grad.norm() + 1e-6, name
    ops, _ = _attention_ops(sdpa, ids, mask, train=False)  # inference keeps torch's own choice
    assert any("flash" in op for op in ops), ops


def test_output_attentions_works_under_sdpa():
    model = AutoModel.from_config(tiny_config(), attn_implementation="sdpa").eval()
    out = model(input_ids=torch.tensor([[4, 5, 6]]), output_attentions=True)
    assert all(w.shape == (1, 4, 3, 3) for w in out.attentions)


# Heads and losses ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "problem_type, num_labels, labels",
    [
        ("single_label_classification", 3, torch.tensor([0, 2, 1])),
        ("multi_label_classification", 3, torch.tensor([[1.0, 0, 1], [0, 0, 1], [1, 1, 0]])),
        ("regression", 1, torch.tensor([0.5, -1.0, 2.0])),
    ],
)
def test_each_problem_type_gives_its_loss_and_gradients(problem_type, num_labels, labels):
    model = SinCosClsForSequenceClassification(tiny_config(num_labels=num_labels, problem_type=problem_type))
    ids, mask = _batch()
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    logits = out.logits
    if problem_type == "single_label_classification":
        expected = torch.nn.functional.cross_entropy(logits, labels)
    elif problem_type == "multi_label_classification":
        expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    else:
        expected = torch.nn.functional.mse_loss(logits.squeeze(-1), labels)
    assert torch.allclose(out.loss, expected)
    out.loss.backward()
    assert model.classifier.weight.grad.abs().sum() > 0
    assert model.model.layers[0].attention.qkv.weight.grad.abs().sum() > 0


def test_problem_type_is_inferred_like_transformers():
    model = SinCosClsForSequenceClassification(tiny_config(num_labels=1))
    ids, mask = _batch()
    model(input_ids=ids, attention_mask=mask, labels=torch.tensor([0.1, 0.2, 0.3]))
    assert model.config.problem_type == "regression"


def test_tuple_output_when_return_dict_false():
    model = SinCosClsForSequenceClassification(tiny_config()).eval()
    loss, logits = model(input_ids=torch.tensor([[4, 5]]), labels=torch.tensor([1]), return_dict=False)
    assert logits.shape == (1, 3) and loss.ndim == 0


def test_gradient_checkpointing_gives_the_same_gradients():
    config = tiny_config(hidden_dropout_prob=0.0, classifier_dropout=0.0)
    plain = SinCosClsForSequenceClassification(config)
    checkpointed = SinCosClsForSequenceClassification(config)
    checkpointed.load_state_dict(plain.state_dict())
    checkpointed.gradient_checkpointing_enable()
    ids, mask = _batch()
    for model in (plain, checkpointed):
        model.train()
        model(input_ids=ids, attention_mask=mask, labels=torch.tensor([0, 1, 2])).loss.backward()
    assert torch.allclose(plain.model.layers[0].attention.qkv.weight.grad,
                          checkpointed.model.layers[0].attention.qkv.weight.grad, atol=1e-6)


# Clear errors -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "field, value",
    [
        ("num_attention_heads", 5),
        ("hidden_act", "swishy"),
        ("attention_projection_act", "nope"),
        ("pooling_layers", 4),
        ("pooling_layers", 0),
        ("layer_norm_position", "middle"),
        ("hidden_dropout_prob", 1.5),
        ("vocab_size", 0),
        ("mask_padding", "yes"),
        ("word_dropout_prob", 1.0),
        ("sparse_prediction", 1),
    ],
)
def test_invalid_config_raises_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        tiny_config(**{field: value})


def test_every_config_field_has_one_line_of_help_and_the_docstring_shows_it():
    fields = [name for name in inspect.signature(SinCosClsConfig.__init__).parameters if name not in ("self", "kwargs")]
    assert set(SinCosClsConfig.field_help) == set(fields)  # none missing, none for a field that is gone
    for name in fields:
        help_text = SinCosClsConfig.field_help[name]
        assert help_text and "\n" not in help_text, name
        assert f"        {name} (" in SinCosClsConfig.__doc__
        assert " ".join(help_text.split()[:4]) in " ".join(SinCosClsConfig.__doc__.split()), name


def test_field_help_is_no_field_of_a_saved_config(tmp_path):
    config = tiny_config()
    assert "field_help" not in config.to_dict()
    SinCosClsForSequenceClassification(config).save_pretrained(tmp_path)
    assert "field_help" not in json.loads((tmp_path / "config.json").read_text())


def test_too_long_input_is_cut_to_max_positions_with_a_warning(caplog):
    from transformers.utils import logging as hf_logging

    model = SinCosClsModel(tiny_config(max_position_embeddings=8)).eval()
    ids = torch.randint(4, 40, (1, 12))
    hf_logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            out = model(input_ids=ids)
    finally:
        hf_logging.disable_propagation()
    assert "input of 12 tokens cut to max_position_embeddings=8" in caplog.text
    assert torch.equal(out.pooler_output, model(input_ids=ids[:, :8]).pooler_output)
    assert out.last_hidden_state.shape[1] == 8


def test_empty_input_pools_to_zero_alone_and_in_a_batch():
    model = SinCosClsForSequenceClassification(tiny_config()).eval()
    alone = model(input_ids=torch.zeros(1, 0, dtype=torch.long), attention_mask=torch.zeros(1, 0, dtype=torch.long))
    batched = model(input_ids=torch.tensor([[0, 0, 0], [4, 5, 6]]), attention_mask=torch.tensor([[0, 0, 0], [1, 1, 1]]))
    assert torch.allclose(alone.logits[0], model.classifier.bias, atol=1e-6)
    assert torch.allclose(batched.logits[0], model.classifier.bias, atol=1e-6)


def test_out_of_vocabulary_id_raises_clear_error():
    model = SinCosClsModel(tiny_config())
    with pytest.raises(ValueError, match="id 40.*vocab_size=40"):
        model(input_ids=torch.tensor([[1, 40]]))


def test_label_out_of_range_raises_clear_error():
    model = SinCosClsForSequenceClassification(tiny_config(num_labels=2))
    with pytest.raises(ValueError, match="label 2 is outside"):
        model(input_ids=torch.tensor([[4, 5]]), labels=torch.tensor([2]))


def test_mismatched_attention_mask_raises_clear_error():
    model = SinCosClsModel(tiny_config())
    with pytest.raises(ValueError, match="attention_mask has shape"):
        model(input_ids=torch.ones(2, 5, dtype=torch.long), attention_mask=torch.ones(2, 4))


def test_torch_export_of_a_padded_batch_matches_eager_and_keeps_the_mask():
    # forward reads no value in Python under export (the input checks stand aside), so it traces.
    model = SinCosClsForSequenceClassification(tiny_config()).eval()
    ids, mask = _batch()
    program = torch.export.export(model, (), {"input_ids": ids, "attention_mask": mask}, strict=False)
    exported = program.module()
    repadded = ids.clone()
    repadded[mask == 0] = 7  # what stands at padded positions must not matter
    with torch.no_grad():
        expected = model(input_ids=ids, attention_mask=mask).logits
        got = exported(input_ids=ids, attention_mask=mask).logits
        got_repadded = exported(input_ids=repadded, attention_mask=mask).logits
    assert torch.allclose(got, expected, atol=1e-5)
    assert torch.allclose(got_repadded, expected, atol=1e-5)


def test_padding_row_starts_at_zero():
    model = SinCosClsModel(tiny_config())
    assert float(model.get_input_embeddings().weight[0].abs().sum()) == 0.0


# Auto classes, saving and loading -----------------------------------------------------

def test_import_registers_auto_classes_and_is_idempotent():
    importlib.reload(hf_sincos_cls)
    config = AutoConfig.for_model("sincos_cls", vocab_size=40, hidden_size=16, num_attention_heads=4,
                                  num_hidden_layers=2, intermediate_size=32, pooling_layers=1)
    assert isinstance(config, SinCosClsConfig)
    assert type(AutoModel.from_config(config)) is SinCosClsModel
    assert type(AutoModelForSequenceClassification.from_config(config)) is SinCosClsForSequenceClassification


def test_save_pretrained_writes_hub_ready_folder(tmp_path):
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(tmp_path)
    files = {p.name for p in tmp_path.iterdir()}
    assert {"model.safetensors", "config.json", "modeling_sincos_cls.py", "configuration_sincos_cls.py"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)
    auto_map = AutoConfig.from_pretrained(tmp_path).auto_map
    assert auto_map == {
        "AutoConfig": "configuration_sincos_cls.SinCosClsConfig",
        "AutoModel": "modeling_sincos_cls.SinCosClsModel",
        "AutoModelForSequenceClassification": "modeling_sincos_cls.SinCosClsForSequenceClassification",
        "AutoModelForMaskedLM": "modeling_sincos_cls.SinCosClsForMaskedLM",
    }


def test_round_trip_with_package_installed_keeps_logits_and_keys(tmp_path):
    model = SinCosClsForSequenceClassification(tiny_config(embedding_size=6, layer_norm_affine=True)).eval()
    model.save_pretrained(tmp_path)
    loaded, info = AutoModelForSequenceClassification.from_pretrained(tmp_path, output_loading_info=True)
    assert type(loaded) is SinCosClsForSequenceClassification
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    ids, mask = _batch()
    assert torch.equal(model(input_ids=ids, attention_mask=mask).logits,
                       loaded.eval()(input_ids=ids, attention_mask=mask).logits)
    base = AutoModel.from_pretrained(tmp_path).eval()
    assert torch.equal(base(input_ids=ids, attention_mask=mask).pooler_output,
                       model.model(input_ids=ids, attention_mask=mask).pooler_output)


@pytest.mark.slow
def test_trust_remote_code_loads_folder_without_the_package(tmp_path):
    model = SinCosClsForSequenceClassification(tiny_config()).eval()
    model.save_pretrained(tmp_path / "model")
    ids, mask = _batch()
    expected = model(input_ids=ids, attention_mask=mask).logits
    torch.save({"ids": ids, "mask": mask}, tmp_path / "inputs.pt")
    out = run_python(
        f"""
        import torch
        from transformers import AutoModel, AutoModelForSequenceClassification
        try:
            import hf_sincos_cls
            raise SystemExit("package should be blocked")
        except ImportError:
            pass
        batch = torch.load({str(tmp_path / 'inputs.pt')!r})
        folder = {str(tmp_path / 'model')!r}
        clf = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
        base = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
        assert type(clf).__module__.startswith("transformers_modules"), type(clf).__module__
        logits = clf(input_ids=batch["ids"], attention_mask=batch["mask"]).logits
        pooled = base(input_ids=batch["ids"], attention_mask=batch["mask"]).pooler_output
        torch.save({{"logits": logits, "pooled": pooled}}, {str(tmp_path / 'out.pt')!r})
        print(type(base).__name__)
        """,
        cwd=str(tmp_path),
        block_package=True,
    )
    assert "SinCosClsModel" in out
    result = torch.load(tmp_path / "out.pt")
    assert torch.equal(result["logits"], expected)
    assert torch.equal(result["pooled"], model.model(input_ids=ids, attention_mask=mask).pooler_output)


def _labelled_folder(tmp_path):
    config = tiny_config(num_labels=2, id2label={0: "rotten", 1: "fresh"}, label2id={"rotten": 0, "fresh": 1})
    folder = tmp_path / "clf"
    SinCosClsForSequenceClassification(config).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder


def test_pipeline_returns_label_names_batched_and_top_k(tmp_path):
    folder = _labelled_folder(tmp_path)
    classify = pipeline("text-classification", model=str(folder), trust_remote_code=True)
    single = classify(["good movie", "the plot was dull and the fun was gone"], batch_size=2)
    assert [r["label"] in {"rotten", "fresh"} for r in single] == [True, True]
    everything = classify("good fun", top_k=None)
    assert sorted(r["label"] for r in everything) == ["fresh", "rotten"]
    assert sum(r["score"] for r in everything) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_pipeline_in_fresh_process_without_package(tmp_path):
    folder = _labelled_folder(tmp_path)
    expected = pipeline("text-classification", model=str(folder), trust_remote_code=True)("good movie", top_k=None)
    out = run_python(
        f"""
        import json
        from transformers import pipeline
        classify = pipeline("text-classification", model={str(folder)!r}, trust_remote_code=True)
        print(json.dumps(classify("good movie", top_k=None)))
        """,
        cwd=str(tmp_path),
        block_package=True,
    )
    import json

    got = json.loads(out.strip().splitlines()[-1])
    assert [r["label"] for r in got] == [r["label"] for r in expected]
    assert [r["score"] for r in got] == pytest.approx([r["score"] for r in expected], abs=1e-6)
