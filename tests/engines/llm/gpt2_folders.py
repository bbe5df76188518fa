"""Tiny random GPT-2 folders built by transformers (never the network), with a small byte-level tokenizer."""

from __future__ import annotations

from pathlib import Path

TEXT = "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about a little."


def tiny_gpt2(folder: Path, vocab: int = 300, layers: int = 2, heads: int = 2, width: int = 64,
              positions: int = 128, seed: int = 0, tokenizer: bool = True) -> Path:
    import torch
    import transformers

    cfg = transformers.GPT2Config(n_layer=layers, n_head=heads, n_embd=width, vocab_size=vocab,
                                  n_positions=positions, bos_token_id=0, eos_token_id=0)
    torch.manual_seed(seed)
    transformers.GPT2LMHeadModel(cfg).eval().save_pretrained(folder, safe_serialization=True)
    if tokenizer:
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        tok.train_from_iterator([TEXT] * 20, trainer)
        tok.save(str(Path(folder) / "tokenizer.json"))
    return Path(folder)
