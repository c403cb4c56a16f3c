from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from ml_playground.configuration.models import ModelConfig
from ml_playground.models.gpt import GPT
from ml_playground.training.ema import ExponentialMovingAverage

pytestmark = pytest.mark.unit

CONFIG = ModelConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, dropout=0.0, bias=True)


def tiny_gpt(seed: int = 0) -> GPT:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GPT(CONFIG, 11)


def fill(model: nn.Module, value: float) -> None:
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(value)


def test_shadows_start_as_float32_copies() -> None:
    model = tiny_gpt()
    ema = ExponentialMovingAverage(model, decay=0.9)
    state = ema.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()] + ["positions"]
    for name, parameter in model.named_parameters():
        assert state[name].dtype == torch.float32
        assert torch.equal(state[name], parameter)
        assert state[name].data_ptr() != parameter.data_ptr()


def test_tied_weights_have_one_shadow() -> None:
    state = ExponentialMovingAverage(tiny_gpt(), decay=0.9).state_dict()
    assert "wte.weight" in state
    assert "lm_head.weight" not in state


def test_update_moves_a_fraction_toward_the_model() -> None:
    model = tiny_gpt()
    fill(model, 1.0)
    ema = ExponentialMovingAverage(model, decay=0.75)
    fill(model, 3.0)
    ema.update(model)
    assert all(torch.allclose(s, torch.full_like(s, 1.5)) for s in shadow_params(ema, model))
    ema.update(model)
    assert all(torch.allclose(s, torch.full_like(s, 1.875)) for s in shadow_params(ema, model))
    assert torch.equal(ema.state_dict()["positions"], torch.arange(8))


def shadow_params(ema: ExponentialMovingAverage, model: nn.Module) -> list[torch.Tensor]:
    state = ema.state_dict()
    return [state[name] for name, _ in model.named_parameters()]


def test_update_records_no_gradient_history() -> None:
    model = tiny_gpt()
    ema = ExponentialMovingAverage(model, decay=0.5)
    _, loss = model(torch.zeros((1, 4), dtype=torch.long), torch.zeros((1, 4), dtype=torch.long))
    assert loss is not None
    loss.backward()
    ema.update(model)
    assert all(not s.requires_grad and s.grad_fn is None for s in ema.state_dict().values())


def test_float_buffers_are_averaged_and_integer_buffers_copied() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ema = ExponentialMovingAverage(model, decay=0.5)
    model(torch.randn(8, 3, generator=torch.Generator().manual_seed(0)))
    ema.update(model)
    state = ema.state_dict()
    running_mean = model.get_buffer("1.running_mean")
    assert torch.allclose(state["1.running_mean"], 0.5 * running_mean)
    assert state["1.num_batches_tracked"].dtype == torch.long
    assert state["1.num_batches_tracked"].item() == 1


def test_a_model_of_integer_buffers_alone_is_copied_exactly() -> None:
    model = nn.Module()
    model.register_buffer("steps", torch.tensor([1, 2]))
    ema = ExponentialMovingAverage(model, decay=0.5)
    model.get_buffer("steps").add_(10)
    ema.update(model)
    assert torch.equal(ema.state_dict()["steps"], torch.tensor([11, 12]))


def test_low_precision_models_keep_float32_shadows() -> None:
    model = tiny_gpt().to(torch.bfloat16)
    ema = ExponentialMovingAverage(model, decay=0.9)
    ema.update(model)
    assert {s.dtype for n, s in ema.state_dict().items() if n != "positions"} == {torch.float32}
    with ema.applied_to(model):
        assert model.wte.weight.dtype == torch.bfloat16


def test_applied_to_swaps_and_restores() -> None:
    model = tiny_gpt()
    fill(model, 1.0)
    ema = ExponentialMovingAverage(model, decay=0.5)
    fill(model, 2.0)
    ema.update(model)
    with ema.applied_to(model) as swapped:
        assert swapped is model
        assert all(torch.allclose(p, torch.full_like(p, 1.5)) for p in model.parameters())
    assert all(torch.equal(p, torch.full_like(p, 2.0)) for p in model.parameters())


def test_applied_to_matches_a_model_loaded_with_the_averages() -> None:
    model, other = tiny_gpt(seed=0), tiny_gpt(seed=1)
    ema = ExponentialMovingAverage(model, decay=0.5)
    ema.update(other)
    reference = tiny_gpt(seed=2)
    reference.load_state_dict(ema.state_dict(), strict=False)
    x = torch.tensor([[1, 2, 3]])
    with ema.applied_to(model):
        assert torch.allclose(model(x)[0], reference(x)[0], rtol=1e-5, atol=1e-6)


def test_applied_to_restores_after_an_exception() -> None:
    model = tiny_gpt()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    ema = ExponentialMovingAverage(tiny_gpt(seed=5), decay=0.5)
    seen: list[bool] = []

    def fail_inside() -> None:
        with ema.applied_to(model):
            seen.append(torch.equal(model.wte.weight, before["wte.weight"]))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert seen == [False]
    assert all(torch.equal(p, before[name]) for name, p in model.named_parameters())


def test_state_round_trips_through_a_weights_only_load(tmp_path: Path) -> None:
    model = tiny_gpt()
    ema = ExponentialMovingAverage(model, decay=0.9)
    ema.update(tiny_gpt(seed=1))
    path = tmp_path / "ema.pt"
    torch.save(ema.state_dict(), path)
    restored = ExponentialMovingAverage(tiny_gpt(seed=3), decay=0.9)
    restored.load_state_dict(torch.load(path, weights_only=True))
    for name, tensor in ema.state_dict().items():
        assert torch.equal(restored.state_dict()[name], tensor), name


def test_load_rejects_mismatched_state() -> None:
    ema = ExponentialMovingAverage(tiny_gpt(), decay=0.9)
    state = dict(ema.state_dict())
    del state["wte.weight"]
    with pytest.raises(ValueError, match=r"missing \['wte.weight'\]"):
        ema.load_state_dict(state)
    state = dict(ema.state_dict())
    state["wte.weight"] = torch.zeros(3, 16)
    with pytest.raises(ValueError, match=r"wte.weight: expected shape \(11, 16\), got \(3, 16\)"):
        ema.load_state_dict(state)


def test_update_rejects_a_different_model() -> None:
    ema = ExponentialMovingAverage(tiny_gpt(), decay=0.9)
    with pytest.raises(ValueError, match="does not match"):
        ema.update(nn.Linear(2, 2))


@pytest.mark.parametrize("decay", [-0.1, 1.0])
def test_decay_must_be_in_range(decay: float) -> None:
    with pytest.raises(ValueError, match=r"decay must be in \[0, 1\)"):
        ExponentialMovingAverage(tiny_gpt(), decay=decay)
