#!/usr/bin/env python
"""Train, evaluate and predict with the sincos_cls encoder, the way transformers' run_glue.py does.

    python scripts/run_glue_style.py                      # the default job: Rotten Tomatoes + GloVe 6B 50d
    python scripts/run_glue_style.py --corpus bbc_news --do_train --do_eval --output_dir out/bbc
    python scripts/run_glue_style.py --train_file train.csv --validation_file dev.csv --do_train --do_eval \
        --output_dir out/mine
    python scripts/run_glue_style.py args.json            # every argument in one JSON file

Flags: the config fields (--hidden_size, ...), the data flags (--corpus, --task_name,
--max_seq_length, ...), and every TrainingArguments flag; `--help` lists them.
"""

import sys

from hf_sincos_cls.glue_job import parse_args, run
from hf_sincos_cls.jobs import script_main

if __name__ == "__main__":
    sys.exit(script_main(parse_args, run))
