"""A small decoder-only transformer in the nanoGPT layout (pre-norm blocks, tied embeddings)."""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import Tensor, nn
from torch.nn import functional

from ml_playground.configuration.models import ModelConfig, heads_error


class LayerNorm(nn.Module):
    """Layer normalisation whose additive bias is optional (older ``nn.LayerNorm`` lacks that)."""

    def __init__(self, dim: int, *, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return functional.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if (heads := heads_error(config)) is not None:
            raise ValueError(f"n_embd: {heads}")
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        batch, seq, embd = x.shape
        head_dim = embd // self.n_head
        # (B, T, 3, H, D) -> three tensors of (B, H, T, D)
        q, k, v = self.qkv(x).view(batch, seq, 3, self.n_head, head_dim).permute(2, 0, 3, 1, 4)
        y = functional.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )
        y = y.transpose(1, 2).reshape(batch, seq, embd)
        return self.resid_dropout(self.proj(y))


class MLP(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.proj(functional.gelu(self.fc(x))))


class Block(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_attn = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_mlp = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_attn(x))
        return x + self.mlp(self.ln_mlp(x))


class GPT(nn.Module):
    """Token + position embeddings, ``n_layer`` blocks, final norm and a head tied to ``wte``."""

    def __init__(self, config: ModelConfig, vocab_size: int) -> None:
        super().__init__()
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be at least 1, got {vocab_size}")
        self.config = config
        self.vocab_size = vocab_size
        self.wte = nn.Embedding(vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        blocks = [Block(config) for _ in range(config.n_layer)]
        self.blocks = nn.ModuleList(blocks)
        self.ln_f = LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        self.register_buffer("positions", torch.arange(config.block_size), persistent=False)

        self.apply(self._init_weights)
        # Each block adds two residual branches; shrinking their output projections keeps the
        # residual stream's variance roughly independent of depth (GPT-2 paper, section 2.3).
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)
        for block in blocks:
            nn.init.normal_(block.attn.proj.weight, mean=0.0, std=residual_std)
            nn.init.normal_(block.mlp.proj.weight, mean=0.0, std=residual_std)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            bias = cast("Tensor | None", module.bias)
            if bias is not None:
                nn.init.zeros_(bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, non_embedding: bool = True) -> int:
        """Parameter count; by default without position embeddings (``wte`` is also the head)."""
        total = sum(p.numel() for p in self.parameters())
        if non_embedding:
            total -= self.wpe.weight.numel()
        return total

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits for every position plus the loss when ``targets`` is given; else the last only.

        Shapes: ``idx`` and ``targets`` (B, T); logits (B, T, V) with targets, (B, 1, V) without.
        """
        seq = idx.size(1)
        if seq > self.config.block_size:
            raise ValueError(
                f"sequence length {seq} exceeds the model's block_size {self.config.block_size}"
            )
        positions: Tensor = self.get_buffer("positions")[:seq]
        x: Tensor = self.drop(self.wte(idx) + self.wpe(positions))
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        if targets is None:
            last: Tensor = self.lm_head(x[:, -1:, :])
            return last, None
        logits: Tensor = self.lm_head(x)
        loss = functional.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss
