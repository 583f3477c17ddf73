"""A web page to try a trained classifier: type a text, see the label's scores, the text shaded
by each token's attribution, and the attention of a block (a Gradio app).

    from hf_sincos_cls.demo import build_demo
    build_demo("outputs/rotten_tomatoes").launch(server_name="127.0.0.1")

The app reaches nothing beyond its own server: Gradio's analytics and version check are off,
there is no share link, and the theme uses the browser's own fonts.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .errors import InputError, require_extra
from .explain import explain, highlighted_spans, load_model_and_tokenizer
from .plots import ATTRIBUTION_COLOURS, plot_attention

# Read when gradio is imported (before the Blocks flag below exists): no telemetry, no version check.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# The most characters of a text the demo reads, cut on the server before tokenising: the text
# box holds the browser to it, but an API client is held by nothing else, and a 20 MB text made
# the next visitor wait 43.5 s. The model reads at most max_position_embeddings tokens of it anyway.
MAX_TEXT_CHARS = 20_000
FALLBACK_EXAMPLES = ["A gorgeous, witty, seductive movie.", "A dull, lifeless mess that never ends.",
                     "质量很好，物流也快，非常满意", "包装破损，客服也不理人"]


def card_examples(model_dir: str | Path) -> list[str]:
    """The ``widget`` texts of the model card (README.md) in ``model_dir``, [] without them."""
    from huggingface_hub import metadata_load

    card = Path(model_dir) / "README.md"
    metadata = metadata_load(card) if card.is_file() else None
    return [entry["text"] for entry in (metadata or {}).get("widget", []) if isinstance(entry, dict) and "text" in entry]


def _summary(explanation, given_chars: int) -> str:
    """The line under the label: what was read, and the notes when the text was cut (to
    ``MAX_TEXT_CHARS`` characters of ``given_chars``, or to the tokens the model reads)."""
    total = sum(explanation.attributions)
    summary = (f"{len(explanation.tokens)} tokens read. Attributions to **{explanation.label}** sum to {total:+.3f} "
               f"(its logit {explanation.logit:.3f}, against {explanation.baseline_logit:.3f} for a text of "
               "[PAD] tokens).")
    if explanation.truncated:
        summary = (f"**Note: the text is too long for the model.** It has {explanation.num_text_tokens} tokens and "
                   f"the model reads at most {explanation.max_length}: only the first {explanation.max_length} were "
                   "read and are shaded; the rest is shown unshaded. " + summary)
    if given_chars > MAX_TEXT_CHARS:
        summary = (f"**Note: the text has {given_chars:,} characters; the demo reads the first {MAX_TEXT_CHARS:,}.** "
                   + summary)
    return summary


def build_demo(model_dir: str | Path, examples: list[str] | None = None, n_steps: int = 50):
    """The Gradio app for the classifier saved in ``model_dir``.

    Args:
        model_dir: a folder written by ``run_glue_style.py`` (or ``save_pretrained`` of a model
            and its tokenizer).
        examples: texts offered under the text box; by default the model card's ``widget``
            texts, else a few English and Chinese reviews.
        n_steps: integration steps for the attributions.

    Returns a ``gradio.Blocks``; call ``launch`` on it. A text longer than ``MAX_TEXT_CHARS``
    characters is cut there, with a note in the answer. Raises ``InputError`` for a folder that
    holds no classifier (an ONNX export, an encoder) or a broken tokenizer file, or when gradio
    or captum is not installed.
    """
    for module in ("gradio", "captum"):
        require_extra(module, "demo", "the demo")
    import gradio as gr

    model, tokenizer = load_model_and_tokenizer(model_dir)
    examples = examples or card_examples(model_dir) or FALLBACK_EXAMPLES
    blocks = model.config.num_hidden_layers
    lock = threading.Lock()  # captum hooks the embedding layer: one explanation at a time
    images = tempfile.mkdtemp(prefix="sincos_cls_demo_")

    def run(text: str, block: int, mean_heads: bool):
        if not text or not text.strip():
            raise gr.Error("The text box is empty: type a text to classify.")
        given_chars, text = len(text), text[:MAX_TEXT_CHARS]  # before tokenising: see MAX_TEXT_CHARS
        with lock:
            try:
                explanation = explain(text, model, tokenizer, n_steps=n_steps)
            except InputError as error:
                raise gr.Error(str(error)) from error
        handle, path = tempfile.mkstemp(suffix=".png", dir=images)
        os.close(handle)  # plot_attention writes the file by its path
        image = plot_attention(explanation.tokens, explanation.attentions, Path(path), block=int(block),
                               mean_heads=mean_heads)
        return explanation.scores, highlighted_spans(explanation), str(image), _summary(explanation, given_chars)

    against, _, toward = ATTRIBUTION_COLOURS
    with gr.Blocks(title=f"sincos_cls: {Path(model_dir).name}", analytics_enabled=False) as demo:
        gr.Markdown(f"# What the classifier reads\nModel: `{Path(model_dir).name}` "
                    f"({model.num_parameters():,} parameters, labels: "
                    f"{', '.join(model.config.id2label[i] for i in range(model.config.num_labels))}).")
        with gr.Row():
            with gr.Column():
                text = gr.Textbox(label="Text", lines=4, max_length=MAX_TEXT_CHARS, elem_id="text",
                                  placeholder="Type a review, or pick an example below")
                with gr.Row():
                    block = gr.Dropdown(list(range(blocks)), value=blocks - 1, label="Attention of block",
                                        elem_id="block")
                    mean_heads = gr.Checkbox(label="Mean over heads", value=False, elem_id="mean_heads")
                submit = gr.Button("Classify and explain", variant="primary", elem_id="submit")
                gr.Examples([[example] for example in examples], inputs=[text])
            with gr.Column():
                scores = gr.Label(label="Scores", elem_id="scores")
                note = gr.Markdown(elem_id="note")
        shaded = gr.HighlightedText(label="Each token's attribution to the predicted label", elem_id="shaded",
                                    show_legend=True, combine_adjacent=False)
        gr.Markdown(f"<span style='color:{toward}'>Red</span>: pushes toward the predicted label; "
                    f"<span style='color:{against}'>purple</span>: away from it (integrated gradients, "
                    "scaled by the largest).")
        attention = gr.Image(label="Attention weights", type="filepath", elem_id="attention")
        outputs = [scores, shaded, attention, note]
        submit.click(run, inputs=[text, block, mean_heads], outputs=outputs)
        text.submit(run, inputs=[text, block, mean_heads], outputs=outputs)
    return demo


def launch_demo(demo, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve ``demo`` on ``host:port`` (gradio picks a free port from 7860 without one), local only:
    no share link, no server-side rendering, no API page."""
    import gradio as gr

    demo.launch(server_name=host, server_port=port, share=False, ssr_mode=False, inbrowser=False,
                theme=gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                                        font_mono=["ui-monospace", "monospace"]),
                footer_links=[], mcp_server=False)


__all__ = ["FALLBACK_EXAMPLES", "build_demo", "card_examples", "launch_demo"]
