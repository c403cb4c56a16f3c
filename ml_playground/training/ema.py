"""Exponential moving average of a model's weights, kept in float32 beside the model."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from contextlib import contextmanager

import torch
from torch import Tensor, nn


def _named_state(model: nn.Module) -> list[tuple[str, Tensor]]:
    """Parameters then buffers, each shared tensor once (tied weights share one shadow)."""
    return [*model.named_parameters(), *model.named_buffers()]


class ExponentialMovingAverage:
    """``shadow = decay * shadow + (1 - decay) * value`` for every floating parameter and buffer.

    Non-floating buffers (counters, index tables) cannot be averaged; their shadow is a plain copy
    of the latest value.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        self.decay = decay
        self._names: list[str] = []
        self._shadows: list[Tensor] = []
        with torch.no_grad():
            for name, tensor in _named_state(model):
                self._names.append(name)
                shadow = tensor.detach().clone()
                self._shadows.append(shadow.float() if shadow.is_floating_point() else shadow)
        self._floating = [i for i, s in enumerate(self._shadows) if s.is_floating_point()]
        self._exact = [i for i, s in enumerate(self._shadows) if not s.is_floating_point()]

    def _current(self, model: nn.Module) -> list[Tensor]:
        named = _named_state(model)
        names = [name for name, _ in named]
        if names != self._names:
            raise ValueError(
                "model does not match the averaged one: expected tensors"
                f" {self._names}, got {names}"
            )
        return [tensor.detach() for _, tensor in named]

    # Equivalent: update() works on detached tensors only: no autograd graph either way.
    @torch.no_grad()  # pragma: no mutate
    def update(self, model: nn.Module) -> None:
        """Move every shadow ``1 - decay`` of the way toward the model's current value."""
        current = self._current(model)
        shadows = [self._shadows[i] for i in self._floating]
        values = [current[i].float() for i in self._floating]
        if shadows:
            torch._foreach_lerp_(shadows, values, 1.0 - self.decay)  # pyright: ignore[reportPrivateImportUsage, reportPrivateUsage]
        for i in self._exact:
            self._shadows[i].copy_(current[i])

    def state_dict(self) -> dict[str, Tensor]:
        """The shadows by model tensor name (the live tensors, as ``nn.Module.state_dict``)."""
        # Equivalent: strict=True guards an invariant (one shadow per name).
        return dict(zip(self._names, self._shadows, strict=True))  # pragma: no mutate

    @torch.no_grad()
    def load_state_dict(self, state: Mapping[str, Tensor]) -> None:
        """Copy saved shadows in; names and shapes must match exactly."""
        missing = [n for n in self._names if n not in state]
        unexpected = [n for n in state if n not in self._names]
        if missing or unexpected:
            raise ValueError(f"EMA state mismatch: missing {missing}, unexpected {unexpected}")
        # Equivalent: strict=True guards an invariant (one shadow per name).
        for name, shadow in zip(self._names, self._shadows, strict=True):  # pragma: no mutate
            saved = state[name]
            if saved.shape != shadow.shape:
                raise ValueError(
                    f"EMA state mismatch for {name}: expected shape {tuple(shadow.shape)},"
                    f" got {tuple(saved.shape)}"
                )
            shadow.copy_(saved)

    @contextmanager
    def applied_to(self, model: nn.Module) -> Generator[nn.Module]:
        """Swap the averaged weights into ``model``; the originals come back on exit, always."""
        current = self._current(model)
        with torch.no_grad():
            originals = [t.clone() for t in current]
            # Equivalent: strict=True guards an invariant (_current checks names).
            for target, shadow in zip(current, self._shadows, strict=True):  # pragma: no mutate
                target.copy_(shadow)
        try:
            yield model
        finally:
            with torch.no_grad():
                # Equivalent: strict=True guards an invariant (clones of current).
                for target, original in zip(current, originals, strict=True):  # pragma: no mutate
                    target.copy_(original)
