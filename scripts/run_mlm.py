#!/usr/bin/env python
"""Pre-train the sincos_cls encoder with masked-language modelling, the way transformers' run_mlm.py
does, then fine-tune it with run_glue_style.py.

    python scripts/run_mlm.py                             # Rotten Tomatoes snippets + synopses, GloVe 6B 50d
    python scripts/run_glue_style.py --model_name_or_path outputs/rotten_tomatoes_mlm \
        --corpus rotten_tomatoes --do_train --do_eval --do_predict --output_dir outputs/rt_from_mlm

Flags: the config fields (--hidden_size, ...), the data flags (--corpus, --train_file,
--max_seq_length, --validation_split_percentage, ...), --mlm_probability, --use_unlabelled_text,
and every TrainingArguments flag; `--help` lists them. A flag not given takes the pre-training
recipe's value, whatever else is given.
"""

import sys

from hf_sincos_cls.jobs import script_main
from hf_sincos_cls.mlm_job import parse_args, run

if __name__ == "__main__":
    sys.exit(script_main(parse_args, run))
