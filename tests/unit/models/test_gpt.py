"""The GPT: its shapes, initial weights, residual wiring, dropout and what it saves."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import pytest
import torch
from torch import Tensor

from ml_playground.configuration.models import ModelConfig
from ml_playground.models.gpt import GPT, Block, LayerNorm

pytestmark = pytest.mark.unit

GPTFactory = Callable[..., GPT]
ConfigFactory = Callable[..., ModelConfig]


def test_shapes_with_and_without_targets(
    make_gpt: GPTFactory, batch: tuple[Tensor, Tensor]
) -> None:
    model = make_gpt()
    x, y = batch
    logits, loss = model(x, y)
    assert logits.shape == (3, 8, 11)
    assert loss is not None
    assert loss.shape == ()
    last, no_loss = model(x)
    assert no_loss is None
    assert last.shape == (3, 1, 11)
    assert torch.allclose(last, logits[:, -1:, :], rtol=1e-5, atol=1e-6)


def test_shorter_sequences_are_accepted(make_gpt: GPTFactory) -> None:
    logits, _ = make_gpt()(torch.tensor([[1, 2, 3]]))
    assert logits.shape == (1, 1, 11)


def test_head_is_tied_to_token_embedding(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    assert model.lm_head.weight is model.wte.weight
    names = [name for name, _ in model.named_parameters()]
    assert "wte.weight" in names
    assert "lm_head.weight" not in names


def test_parameter_count_matches_the_architecture(
    make_gpt: GPTFactory, tiny_config: ConfigFactory
) -> None:
    model = make_gpt(tiny_config(bias=False))
    vocab, embd, block, layers = 11, 16, 8, 2
    per_block = 2 * embd + 3 * embd * embd + embd * embd + 4 * embd * embd + 4 * embd * embd
    expected = vocab * embd + block * embd + layers * per_block + embd
    assert model.num_parameters(non_embedding=False) == expected
    assert model.num_parameters() == expected - block * embd


def test_bias_false_has_no_bias_parameters(
    make_gpt: GPTFactory, tiny_config: ConfigFactory
) -> None:
    without = [name for name, _ in make_gpt(tiny_config(bias=False)).named_parameters()]
    with_bias = [name for name, _ in make_gpt(tiny_config(bias=True)).named_parameters()]
    assert not [name for name in without if name.endswith("bias")]
    # per block: two norms, qkv, attention projection, two MLP layers; plus the final norm
    assert len([name for name in with_bias if name.endswith("bias")]) == 2 * 6 + 1


def test_initial_loss_is_close_to_uniform(make_gpt: GPTFactory, tiny_config: ConfigFactory) -> None:
    model = make_gpt(tiny_config(), vocab_size=65)
    data = torch.randint(0, 65, (16, 9), generator=torch.Generator().manual_seed(0))
    _, loss = model(data[:, :-1], data[:, 1:])
    assert loss is not None
    assert loss.item() == pytest.approx(math.log(65), abs=0.05)


def test_residual_projections_use_the_scaled_init(
    make_gpt: GPTFactory, tiny_config: ConfigFactory
) -> None:
    model = make_gpt(
        ModelConfig(n_layer=2, n_head=2, n_embd=64, block_size=8, dropout=0.0, bias=True)
    )
    scaled = torch.cat(
        [p.flatten() for n, p in model.named_parameters() if n.endswith("proj.weight")]
    )
    plain = torch.cat([p.flatten() for n, p in model.named_parameters() if n.endswith("fc.weight")])
    assert scaled.std().item() == pytest.approx(0.02 / math.sqrt(4), rel=0.05)
    assert plain.std().item() == pytest.approx(0.02, rel=0.05)
    biases = [p for n, p in model.named_parameters() if n.endswith(("qkv.bias", "fc.bias"))]
    assert all(torch.equal(b, torch.zeros_like(b)) for b in biases)


def test_later_tokens_do_not_change_earlier_logits(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    x = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
    changed = x.clone()
    changed[0, 5] = 0
    targets = torch.zeros_like(x)
    before, _ = model(x, targets)
    after, _ = model(changed, targets)
    assert torch.allclose(after[:, :5], before[:, :5], rtol=0, atol=1e-6)
    assert not torch.allclose(after[:, 5:], before[:, 5:])


def test_sequence_longer_than_block_size_is_rejected(make_gpt: GPTFactory) -> None:
    with pytest.raises(ValueError, match=r"sequence length 9 exceeds the model's block_size 8"):
        make_gpt()(torch.zeros((1, 9), dtype=torch.long))


def test_heads_must_divide_the_embedding() -> None:
    config = ModelConfig(n_layer=1, n_head=3, n_embd=16, block_size=8, dropout=0.0, bias=True)
    with pytest.raises(ValueError, match="multiple of n_head"):
        GPT(config, 11)


def test_an_empty_vocabulary_is_rejected() -> None:
    config = ModelConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, dropout=0.0, bias=True)
    with pytest.raises(ValueError, match="vocab_size must be at least 1, got 0"):
        GPT(config, 0)


def test_same_seed_same_model_and_outputs(
    make_gpt: GPTFactory, batch: tuple[Tensor, Tensor]
) -> None:
    first, second, other = make_gpt(seed=3), make_gpt(seed=3), make_gpt(seed=4)
    for (name, a), (_, b) in zip(
        first.state_dict().items(), second.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    assert not torch.equal(first.wte.weight, other.wte.weight)
    assert torch.equal(first(*batch)[0], second(*batch)[0])


def test_dropout_is_active_only_in_training(
    make_gpt: GPTFactory, tiny_config: ConfigFactory, batch: tuple[Tensor, Tensor]
) -> None:
    model = make_gpt(tiny_config(dropout=0.5))
    x, y = batch
    model.train()
    assert not torch.equal(model(x, y)[0], model(x, y)[0])
    model.eval()
    assert torch.equal(model(x, y)[0], model(x, y)[0])


def test_tiny_model_overfits_a_tiny_batch(
    make_gpt: GPTFactory, tiny_config: ConfigFactory, batch: tuple[Tensor, Tensor]
) -> None:
    model = make_gpt(tiny_config(n_layer=1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.0)
    x, y = batch
    first = None
    loss = torch.tensor(float("nan"))
    for _ in range(50):
        _, step_loss = model(x, y)
        assert step_loss is not None
        loss = step_loss
        first = loss.item() if first is None else first
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    assert first == pytest.approx(math.log(11), abs=0.1)
    assert loss.item() < 0.1


def test_a_layer_norm_takes_its_bias_by_keyword_only() -> None:
    with pytest.raises(TypeError, match="positional argument"):
        LayerNorm(4, True)  # type: ignore[misc]
    assert LayerNorm(4, bias=False).bias is None
    assert torch.equal(LayerNorm(4, bias=True).bias, torch.zeros(4))  # type: ignore[arg-type]


def test_without_dropout_training_and_evaluation_give_the_same_logits(
    make_gpt: GPTFactory, batch: tuple[Tensor, Tensor]
) -> None:
    model = make_gpt()
    x, y = batch
    model.train()
    trained, _ = model(x, y)
    model.eval()
    evaluated, _ = model(x, y)
    assert torch.allclose(evaluated, trained, rtol=0, atol=1e-6)


def test_a_block_adds_attention_then_mlp_to_the_residual_stream(make_gpt: GPTFactory) -> None:
    block = cast("Block", make_gpt().blocks[0])
    x = torch.randn((2, 8, 16), generator=torch.Generator().manual_seed(2))
    after_attention = x + block.attn(block.ln_attn(x))
    expected = after_attention + block.mlp(block.ln_mlp(after_attention))
    assert torch.allclose(block(x), expected, rtol=0, atol=1e-6)


def test_the_blocks_take_the_sum_of_token_and_position_embeddings(
    make_gpt: GPTFactory, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model = make_gpt()
    x, y = batch
    hidden = model.wte(x) + model.wpe(torch.arange(8))
    for block in model.blocks:
        hidden = block(hidden)
    expected = model.ln_f(hidden) @ model.wte.weight.T

    logits, _ = model(x, y)

    assert torch.allclose(logits, expected, rtol=0, atol=1e-6)


def test_a_one_token_vocabulary_is_accepted(make_gpt: GPTFactory) -> None:
    logits, _ = make_gpt(vocab_size=1)(torch.zeros((2, 3), dtype=torch.long))
    assert logits.shape == (2, 1, 1)


def test_the_position_table_is_not_saved_with_the_weights(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    assert "positions" not in model.state_dict()
    assert torch.equal(model.get_buffer("positions"), torch.arange(8))


def test_fresh_weights_are_drawn_around_zero_with_std_0_02(make_gpt: GPTFactory) -> None:
    model = make_gpt(
        ModelConfig(n_layer=1, n_head=2, n_embd=64, block_size=64, dropout=0.0, bias=True),
        vocab_size=64,
    )
    for name in ("wte.weight", "wpe.weight", "blocks.0.attn.qkv.weight", "blocks.0.mlp.fc.weight"):
        weight = model.get_parameter(name)
        assert abs(weight.mean().item()) < 0.002, name
        assert weight.std().item() == pytest.approx(0.02, rel=0.05), name
