from __future__ import annotations

import pytest
import torch
from torch import nn

from ml_playground.configuration.models import ModelConfig, OptimConfig
from ml_playground.models.gpt import GPT
from ml_playground.training.optimizer import build_optimizer, fused_adamw_available

pytestmark = pytest.mark.unit

OPTIM = OptimConfig(learning_rate=0.01, weight_decay=0.1, beta1=0.8, beta2=0.95, grad_clip=1.0)


def tiny_gpt(*, bias: bool = True) -> GPT:
    config = ModelConfig(n_layer=2, n_head=2, n_embd=16, block_size=8, dropout=0.0, bias=bias)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return GPT(config, 11)


def names_by_id(model: nn.Module) -> dict[int, str]:
    return {id(p): name for name, p in model.named_parameters()}


@pytest.mark.parametrize("bias", [True, False])
def test_decay_only_for_matrices(bias: bool) -> None:
    model = tiny_gpt(bias=bias)
    decay, no_decay = build_optimizer(model, OPTIM, "cpu").param_groups
    names = names_by_id(model)
    assert decay["weight_decay"] == 0.1
    assert no_decay["weight_decay"] == 0.0
    assert sorted(names[id(p)] for p in decay["params"]) == sorted(
        name for name, p in model.named_parameters() if p.dim() >= 2
    )
    assert all(p.dim() < 2 for p in no_decay["params"])
    no_decay_names = {names[id(p)] for p in no_decay["params"]}
    assert "ln_f.weight" in no_decay_names
    assert ("ln_f.bias" in no_decay_names) is bias


def test_every_parameter_in_exactly_one_group() -> None:
    model = tiny_gpt()
    groups = build_optimizer(model, OPTIM, "cpu").param_groups
    ids = [id(p) for group in groups for p in group["params"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {id(p) for p in model.parameters()}
    assert ids.count(id(model.lm_head.weight)) == 1


def test_hyperparameters_come_from_the_config() -> None:
    optimizer = build_optimizer(tiny_gpt(), OPTIM, "cpu")
    assert isinstance(optimizer, torch.optim.AdamW)
    for group in optimizer.param_groups:
        assert group["lr"] == 0.01
        assert group["betas"] == (0.8, 0.95)


def test_frozen_parameters_are_left_out() -> None:
    model = tiny_gpt()
    model.wpe.weight.requires_grad_(False)
    groups = build_optimizer(model, OPTIM, "cpu").param_groups
    assert all(p is not model.wpe.weight for group in groups for p in group["params"])


def test_cpu_uses_the_fused_kernel() -> None:
    assert fused_adamw_available("cpu")
    optimizer = build_optimizer(tiny_gpt(), OPTIM, "cpu")
    assert optimizer.defaults["fused"] is True
    assert optimizer.defaults["foreach"] is None


def test_unknown_device_types_use_the_multi_tensor_path() -> None:
    assert not fused_adamw_available("abacus")
    optimizer = build_optimizer(tiny_gpt(), OPTIM, "abacus")
    assert not optimizer.defaults["fused"]
    assert optimizer.defaults["foreach"] is True


@pytest.mark.parametrize("device_type", ["cpu", "abacus"])
def test_zero_gradient_step_only_decays_matrices(device_type: str) -> None:
    model = tiny_gpt()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = build_optimizer(model, OPTIM, device_type)
    for parameter in model.parameters():
        parameter.grad = torch.zeros_like(parameter)
    optimizer.step()
    for name, parameter in model.named_parameters():
        factor = 1.0 - 0.01 * 0.1 if parameter.dim() >= 2 else 1.0
        assert torch.allclose(parameter, before[name] * factor, rtol=1e-6, atol=0.0), name


def test_a_step_reduces_the_loss() -> None:
    model = tiny_gpt()
    optimizer = build_optimizer(model, OPTIM, "cpu")
    data = torch.randint(0, 11, (4, 9), generator=torch.Generator().manual_seed(0))
    losses: list[float] = []
    for _ in range(3):
        _, loss = model(data[:, :-1], data[:, 1:])
        assert loss is not None
        losses.append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    assert losses[2] < losses[1] < losses[0]
