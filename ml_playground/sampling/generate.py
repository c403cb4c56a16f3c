"""Autoregressive sampling with temperature, top-k and nucleus (top-p) filtering."""

from __future__ import annotations

from typing import cast

import torch
from torch import Tensor
from torch.nn import functional

from ml_playground.models.gpt import GPT


def filter_logits(logits: Tensor, temperature: float, top_k: int, top_p: float) -> Tensor:
    """Scale ``logits`` (..., V) by ``1 / temperature`` and mask the excluded tokens with -inf.

    A row that the scaling would overflow (temperature near 0) becomes greedy: 0 for its largest
    logits, -inf for the rest.

    ``top_k == 0`` and ``top_p == 1.0`` disable their filter. Top-k keeps the ``top_k`` largest
    logits (ties with the k-th are kept too). Top-p then keeps the smallest set of most likely
    tokens whose probabilities sum to at least ``top_p``; the most likely token always survives.
    """
    if temperature <= 0.0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if top_k < 0:
        raise ValueError(f"top_k must be non-negative, got {top_k}")
    if not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    scaled = logits / temperature
    # A temperature so small that the division overflows: its limit, an equal share for the
    # most likely tokens (without a sync, so sampling on an accelerator keeps its pace).
    greedy = torch.where(logits == logits.amax(dim=-1, keepdim=True), 0.0, float("-inf"))
    scaled = torch.where(scaled.isfinite().all(dim=-1, keepdim=True), scaled, greedy)
    vocab = scaled.size(-1)
    # Equivalent: top_k == vocab keeps every logit (none is below the smallest one).
    if 0 < top_k < vocab:  # pragma: no mutate
        kth = torch.topk(scaled, top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(scaled, dim=-1, descending=True)
        sorted_probs = functional.softmax(sorted_logits, dim=-1)
        mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        drop_sorted = mass_before >= top_p
        drop_sorted[..., 0] = False
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        scaled = scaled.masked_fill(drop, float("-inf"))
    return scaled


def generate(
    model: GPT,
    idx: Tensor,
    max_new_tokens: int,
    *,
    temperature: float,
    top_k: int,
    top_p: float,
    generator: torch.Generator,
) -> Tensor:
    """Extend every row of ``idx`` (B, T) by ``max_new_tokens`` sampled tokens; returns (B, T+N).

    The context fed to the model is cropped to its ``block_size``; ``generator`` must live on
    ``idx``'s device. The model runs in eval mode and its previous mode is restored afterwards.
    """
    if idx.dim() != 2 or idx.size(1) < 1:
        raise ValueError(
            f"idx must have shape (batch, time) with time >= 1, got {tuple(idx.shape)}"
        )
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be non-negative, got {max_new_tokens}")
    block_size = model.config.block_size
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.inference_mode():
            for _ in range(max_new_tokens):
                logits = cast("tuple[Tensor, Tensor | None]", model(idx[:, -block_size:]))[0]
                # Equivalent: GPT returns the last position only, (B, 1, V), so 0 is -1 here.
                last = logits[:, -1, :]  # pragma: no mutate
                filtered = filter_logits(last, temperature, top_k, top_p)
                # Equivalent: filtered is (B, V), so dim 1 is the last dimension.
                probs = functional.softmax(filtered, dim=-1)  # pragma: no mutate
                next_token = torch.multinomial(probs, num_samples=1, generator=generator)
                idx = torch.cat((idx, next_token), dim=1)
    finally:
        for module, training in modes:
            module.training = training
    return idx
