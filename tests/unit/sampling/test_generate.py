from __future__ import annotations

import math

import pytest
import torch

from ml_playground.configuration.models import ModelConfig
from ml_playground.models.gpt import GPT
from ml_playground.sampling.generate import filter_logits, generate

pytestmark = pytest.mark.unit

NEG_INF = float("-inf")


@pytest.fixture(scope="module")
def model() -> GPT:
    config = ModelConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, dropout=0.0, bias=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        gpt = GPT(config, 13)
    with torch.no_grad():
        # larger embeddings give the untrained model a clearly non-uniform next-token distribution
        gpt.wte.weight.mul_(5.0)
    return gpt


def sample(model: GPT, seed: int, steps: int = 12, **options: float) -> torch.Tensor:
    settings: dict[str, float] = {"temperature": 1.0, "top_k": 0, "top_p": 1.0, **options}
    return generate(
        model,
        torch.tensor([[1, 2, 3], [4, 5, 6]]),
        steps,
        temperature=settings["temperature"],
        top_k=int(settings["top_k"]),
        top_p=settings["top_p"],
        generator=torch.Generator().manual_seed(seed),
    )


def greedy(model: GPT, idx: torch.Tensor, steps: int) -> torch.Tensor:
    with torch.no_grad():
        for _ in range(steps):
            logits, _ = model(idx[:, -model.config.block_size :])
            idx = torch.cat((idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)), dim=1)
    return idx


def test_temperature_divides_the_logits() -> None:
    logits = torch.tensor([[1.0, -2.0, 4.0]])
    assert torch.equal(filter_logits(logits, 2.0, 0, 1.0), torch.tensor([[0.5, -1.0, 2.0]]))
    assert torch.equal(filter_logits(logits, 1.0, 0, 1.0), logits)


def test_top_k_keeps_the_k_largest() -> None:
    logits = torch.tensor([[0.1, 3.0, -1.0, 2.0], [5.0, 4.0, 3.0, 6.0]])
    expected = torch.tensor([[NEG_INF, 3.0, NEG_INF, 2.0], [5.0, NEG_INF, NEG_INF, 6.0]])
    assert torch.equal(filter_logits(logits, 1.0, 2, 1.0), expected)


@pytest.mark.parametrize("top_k", [0, 4, 100])
def test_top_k_zero_or_at_least_the_vocabulary_is_a_no_op(top_k: int) -> None:
    logits = torch.tensor([[0.1, 3.0, -1.0, 2.0]])
    assert torch.equal(filter_logits(logits, 1.0, top_k, 1.0), logits)


@pytest.mark.parametrize(
    ("top_p", "kept"), [(0.4, 1), (0.5, 1), (0.7, 2), (0.85, 3), (0.97, 4), (1.0, 4)]
)
def test_top_p_keeps_the_smallest_sufficient_set(top_p: float, kept: int) -> None:
    probs = torch.tensor([0.05, 0.5, 0.15, 0.3], dtype=torch.float64)
    by_likelihood = [1, 3, 2, 0]
    filtered = filter_logits(probs.log().unsqueeze(0), 1.0, 0, top_p)[0]
    survivors = [i for i in range(4) if filtered[i] != NEG_INF]
    assert sorted(survivors) == sorted(by_likelihood[:kept])
    assert torch.equal(filtered[survivors], probs.log()[survivors])


def test_top_p_works_row_by_row() -> None:
    logits = torch.tensor([[0.0, 5.0, 0.0], [5.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    filtered = filter_logits(logits, 1.0, 0, 0.5)
    assert torch.equal(filtered.isfinite(), torch.eye(3, dtype=torch.bool)[[1, 0, 2]])


def test_tiny_top_p_always_keeps_the_most_likely_token() -> None:
    logits = torch.tensor([[1.0, 1.5, 0.5]])
    filtered = filter_logits(logits, 1.0, 0, 1e-9)
    assert torch.equal(filtered, torch.tensor([[NEG_INF, 1.5, NEG_INF]]))


def test_top_k_then_top_p_renormalises_over_the_survivors() -> None:
    # after top-k=2 the survivors have probabilities 0.6 and 0.4, so top-p 0.5 keeps only one
    logits = torch.tensor([[math.log(0.3), math.log(0.2), math.log(0.45), math.log(0.05)]])
    assert filter_logits(logits, 1.0, 2, 0.55).isfinite().sum().item() == 1
    assert filter_logits(logits, 1.0, 0, 0.55).isfinite().sum().item() == 2


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p", "message"),
    [
        (0.0, 0, 1.0, "temperature must be positive"),
        (1.0, -1, 1.0, "top_k must be non-negative"),
        (1.0, 0, 0.0, r"top_p must be in \(0, 1\]"),
        (1.0, 0, 1.5, r"top_p must be in \(0, 1\]"),
    ],
)
def test_invalid_filter_settings(
    temperature: float, top_k: int, top_p: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        filter_logits(torch.zeros((1, 3)), temperature, top_k, top_p)


def test_output_keeps_the_prompt_and_adds_the_requested_tokens(model: GPT) -> None:
    out = sample(model, seed=0, steps=12)
    assert out.shape == (2, 15)
    assert out.dtype == torch.long
    assert torch.equal(out[:, :3], torch.tensor([[1, 2, 3], [4, 5, 6]]))
    assert int(out.min()) >= 0
    assert int(out.max()) < 13
    assert torch.equal(sample(model, seed=0, steps=0), torch.tensor([[1, 2, 3], [4, 5, 6]]))


def test_same_seed_same_sample_and_other_seeds_differ(model: GPT) -> None:
    assert torch.equal(sample(model, seed=7), sample(model, seed=7))
    assert not torch.equal(sample(model, seed=7), sample(model, seed=8))


def test_top_k_one_is_greedy_and_ignores_the_seed(model: GPT) -> None:
    expected = greedy(model, torch.tensor([[1, 2, 3], [4, 5, 6]]), 12)
    assert torch.equal(sample(model, seed=1, top_k=1), expected)
    assert torch.equal(sample(model, seed=2, top_k=1), expected)


def test_tiny_top_p_and_tiny_temperature_are_greedy(model: GPT) -> None:
    expected = greedy(model, torch.tensor([[1, 2, 3], [4, 5, 6]]), 12)
    assert torch.equal(sample(model, seed=3, top_p=1e-6), expected)
    assert torch.equal(sample(model, seed=4, temperature=1e-4), expected)


def test_higher_temperature_spreads_the_samples(model: GPT) -> None:
    def distinct(temperature: float) -> int:
        out = sample(model, seed=5, steps=40, temperature=temperature)
        return len(set(out[:, 3:].flatten().tolist()))

    assert distinct(0.05) < distinct(5.0)


def test_context_is_cropped_to_the_block_size(model: GPT) -> None:
    prompt = torch.arange(20).remainder(13).unsqueeze(0)
    out = generate(
        model, prompt, 5, temperature=1.0, top_k=1, top_p=1.0, generator=torch.Generator()
    )
    assert out.shape == (1, 25)
    assert torch.equal(out, greedy(model, prompt, 5))


def test_model_runs_in_eval_mode_and_its_mode_is_restored() -> None:
    config = ModelConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, dropout=0.9, bias=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        gpt = GPT(config, 13)
    gpt.train()
    first = sample(gpt, seed=0)
    assert gpt.training
    assert all(module.training for module in gpt.modules())
    assert torch.equal(sample(gpt, seed=0), first)
    gpt.eval()
    assert torch.equal(sample(gpt, seed=0), first)
    assert not gpt.training


def test_invalid_generation_arguments(model: GPT) -> None:
    generator = torch.Generator()
    with pytest.raises(ValueError, match="max_new_tokens must be non-negative"):
        generate(
            model,
            torch.zeros((1, 1), dtype=torch.long),
            -1,
            temperature=1.0,
            top_k=0,
            top_p=1.0,
            generator=generator,
        )
    with pytest.raises(ValueError, match=r"idx must have shape \(batch, time\)"):
        generate(
            model,
            torch.zeros(3, dtype=torch.long),
            1,
            temperature=1.0,
            top_k=0,
            top_p=1.0,
            generator=generator,
        )


@pytest.mark.parametrize("temperature", [1e-300, 5e-324])
def test_a_temperature_that_overflows_the_scaling_becomes_greedy(temperature: float) -> None:
    logits = torch.tensor([[3.0, 1.0, -2.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    assert torch.equal(
        filter_logits(logits, temperature, 0, 1.0),
        torch.tensor([[0.0, NEG_INF, NEG_INF], [0.0, 0.0, NEG_INF], [0.0, 0.0, 0.0]]),
    )


def test_a_tiny_temperature_samples_what_top_k_1_samples(model: GPT) -> None:
    idx = torch.tensor([[1, 2, 3]])
    tiny = generate(
        model, idx, 8, temperature=1e-300, top_k=0, top_p=1.0, generator=torch.Generator()
    )
    assert torch.equal(tiny, greedy(model, idx, 8))


def test_only_the_rows_the_scaling_overflows_become_greedy() -> None:
    logits = torch.tensor([[1.7e308, 1.0, -2.0], [1.0, 3.0, -2.0]], dtype=torch.float64)
    expected = torch.tensor([[0.0, NEG_INF, NEG_INF], [2.0, 6.0, -4.0]], dtype=torch.float64)
    assert torch.equal(filter_logits(logits, 0.5, 0, 1.0), expected)


@pytest.mark.parametrize("shape", [(1, 2, -1), (2, 1, -1)])
def test_every_filter_works_along_the_last_dimension(shape: tuple[int, int, int]) -> None:
    overflowing = torch.tensor(
        [[1.7e308, 1.0, -2.0, 0.5], [1.0, 3.0, -2.0, 1.0]], dtype=torch.float64
    )
    assert torch.equal(
        filter_logits(overflowing.reshape(shape), 0.5, 0, 1.0),
        torch.tensor(
            [[0.0, NEG_INF, NEG_INF, NEG_INF], [2.0, 6.0, -4.0, 2.0]], dtype=torch.float64
        ).reshape(shape),
    )
    logits = torch.tensor([[0.1, 3.0, -1.0, 2.0], [5.0, 4.0, 3.0, 6.0]])
    assert torch.equal(
        filter_logits(logits.reshape(shape), 1.0, 2, 1.0),
        torch.tensor([[NEG_INF, 3.0, NEG_INF, 2.0], [5.0, NEG_INF, NEG_INF, 6.0]]).reshape(shape),
    )
    nucleus = torch.tensor([[0.0, 5.0, 0.0, 1.0], [5.0, 0.0, 4.0, 0.0]])
    assert torch.equal(
        filter_logits(nucleus.reshape(shape), 1.0, 0, 0.9),
        torch.tensor([[NEG_INF, 5.0, NEG_INF, NEG_INF], [5.0, NEG_INF, 4.0, NEG_INF]]).reshape(
            shape
        ),
    )


def test_top_p_one_keeps_even_a_negligible_token() -> None:
    # its probability (about 1e-13) is below float32's resolution near 1: the mass before it is 1
    logits = torch.tensor([[0.0, -30.0, -1.0]])
    assert torch.equal(filter_logits(logits, 1.0, 0, 1.0), logits)


def test_the_arguments_can_be_passed_by_name(model: GPT) -> None:
    out = generate(
        model=model,
        idx=torch.tensor([[1, 2, 3]]),
        max_new_tokens=4,
        temperature=1.0,
        top_k=1,
        top_p=1.0,
        generator=torch.Generator(),
    )
    assert torch.equal(out, greedy(model, torch.tensor([[1, 2, 3]]), 4))


def test_an_empty_prompt_is_refused(model: GPT) -> None:
    with pytest.raises(ValueError, match=r"got \(2, 0\)"):
        generate(
            model,
            torch.zeros((2, 0), dtype=torch.long),
            0,
            temperature=1.0,
            top_k=0,
            top_p=1.0,
            generator=torch.Generator(),
        )
