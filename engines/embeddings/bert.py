"""A BERT encoder that turns a sentence into one vector, written out in PyTorch.

BERT reads the whole sentence at once: every token looks at every other token (no causal mask,
unlike the GPT in :mod:`engines.llm.gpt`), so each token's output vector depends on its context.
A sentence encoder such as all-MiniLM-L6-v2 then takes the **mean** of the token vectors (padding
left out) and scales it to length 1, so the cosine of two sentences is just their dot product.

Parameter names follow Hugging Face's ``BertModel`` (``embeddings.word_embeddings``,
``encoder.layer.0.attention.self.query``, …), so its safetensors files load as they are.
The ONNX export (:func:`export_onnx`) maps ``input_ids`` and ``attention_mask`` to the unit
vector; :mod:`engines.embeddings.minilm` runs either.

torch is imported when this module is imported: import it lazily from GUI code.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engines.core.model_io import ModelFileError, atomic_path, load_tensors
from engines.embeddings.minilm import ONNX_INPUTS  # the runner checks these names

ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # the oldest IR that carries opset 17, so older onnxruntime builds read the file
ONNX_OUTPUTS = ("sentence_embedding",)
ONNX_METADATA_KEY = "bert_config"


@dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def from_dict(cls, data: dict) -> BertConfig:
        """Read a Hugging Face ``config.json`` (unknown keys are ignored)."""
        if data.get("model_type", "bert") != "bert" or data.get("hidden_act", "gelu") != "gelu":
            raise ValueError("only BERT models with the exact GELU are supported")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)


class BertEmbeddings(nn.Module):
    """Token vector + position vector + segment vector, then LayerNorm."""

    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) → (B, T, C). One sentence per row, so every segment id is 0."""
        T = input_ids.shape[1]
        positions = torch.arange(T, device=input_ids.device).unsqueeze(0)  # (1, T)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)
        x = x + self.token_type_embeddings.weight[0]  # (B, T, C)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = c.num_attention_heads, c.head_dim
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, C), key_bias (B, 1, 1, T) (0 for real tokens, very negative for padding)
        → (context (B, T, C), attention (B, heads, T, T))."""
        B, T, C = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, heads, T, hd)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim) + key_bias  # (B, heads, T, T)
        att = F.softmax(scores, dim=-1)  # no causal mask: every token sees the whole sentence
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return y, att


class BertSelfOutput(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, y: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(y) + residual)  # BERT normalises after the residual add


class BertAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, key_bias):
        y, att = self.self(x, key_bias)
        return self.output(y, x), att


class BertIntermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))  # (B, T, 4C); BERT uses the exact (erf) GELU


class BertOutput(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + residual)


class BertLayer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, x, key_bias):
        x, att = self.attention(x, key_bias)
        return self.output(self.intermediate(x), x), att


class BertEncoderStack(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c.num_hidden_layers))


class BertSentenceEncoder(nn.Module):
    """BERT + mean pooling + L2 normalisation: token ids in, one unit vector per sentence out."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoderStack(config)

    def token_vectors(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      return_attention: bool = False):
        """input_ids, attention_mask (B, T) → token vectors (B, T, C) [, attention per layer (B, heads, T, T)]."""
        # padding keys get a very negative score so softmax gives them weight 0
        key_bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min  # (B,1,1,T)
        x = self.embeddings(input_ids)
        attention = []
        for layer in self.encoder.layer:
            x, att = layer(x, key_bias)
            attention.append(att)
        return (x, attention) if return_attention else x

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """input_ids, attention_mask (B, T) → sentence vectors (B, C), each of length 1."""
        x = self.token_vectors(input_ids, attention_mask)  # (B, T, C)
        mask = attention_mask.unsqueeze(-1).to(x.dtype)  # (B, T, 1)
        mean = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)  # (B, C): padding left out
        return F.normalize(mean, p=2, dim=1)


def bert_from_tensors(config: BertConfig, tensors: dict[str, np.ndarray]) -> BertSentenceEncoder:
    """Build the encoder from a name → array mapping (Hugging Face BertModel names; ``bert.`` prefixes,
    the pooler and ``position_ids`` buffers are ignored). Raises ValueError when weights are missing."""
    model = BertSentenceEncoder(config)
    wanted = model.state_dict()
    state = {}
    for name, array in tensors.items():
        key = name.removeprefix("bert.")
        if key in wanted:
            if tuple(array.shape) != tuple(wanted[key].shape):
                raise ValueError(f"{name} has shape {tuple(array.shape)}, the config needs {tuple(wanted[key].shape)}")
            state[key] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    missing = sorted(set(wanted) - set(state))
    if missing:
        raise ValueError(f"{len(missing)} weights are missing, e.g. {missing[0]}")
    model.load_state_dict(state)
    return model.eval()


def load_bert(folder: str | Path) -> BertSentenceEncoder:
    """A Hugging Face BERT folder (``config.json`` + ``model.safetensors``) as a sentence encoder."""
    folder = Path(folder)
    config_path, weights = folder / "config.json", folder / "model.safetensors"
    for path in (config_path, weights):
        if not path.is_file():
            raise ModelFileError("missing", path, f"{folder} needs config.json and model.safetensors")
    try:
        config = BertConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise ModelFileError("invalid_config", config_path, str(exc)) from exc
    return bert_from_tensors(config, load_tensors(weights))


def export_onnx(model: BertSentenceEncoder, path: str | Path) -> Path:
    """Write ``model`` as ONNX (inputs ``input_ids``, ``attention_mask`` (B, T) int64; output
    ``sentence_embedding`` (B, C)), atomically, with the config in the metadata. Returns the path."""
    import copy

    import onnx

    model = copy.deepcopy(model).cpu().float().eval()
    ids = torch.tensor([[1, 2, 3, 4], [1, 2, 4, 0]]) % model.config.vocab_size  # any ids: only shapes are traced
    mask = (ids != 0).long()
    path = Path(path)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(model, (ids, mask), str(tmp), dynamo=False, opset_version=ONNX_OPSET,
                          input_names=list(ONNX_INPUTS), output_names=list(ONNX_OUTPUTS),
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "sentence_embedding": {0: "batch"}})
        proto = onnx.load(str(tmp))
        proto.ir_version = ONNX_IR_VERSION
        entry = proto.metadata_props.add()
        entry.key, entry.value = ONNX_METADATA_KEY, json.dumps(model.config.to_dict(), sort_keys=True)
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))
    return path
