"""Tests of the Wilson score lower bound against published values and an independent solver."""

import math

import pytest

from bot.core.fair_rank import Z_95, wilson_lower_bound


def score_test_root(successes: int, trials: int, *, z: float) -> float:
    """Find the lower Wilson bound by bisection on the score statistic, not the closed form.

    The bound is the proportion p below the observed share at which
    (share - p) / sqrt(p(1 - p) / n) equals z.
    """
    share = successes / trials
    low, high = 0.0, share
    for _ in range(200):
        middle = (low + high) / 2
        statistic = (share - middle) / math.sqrt(middle * (1 - middle) / trials)
        if statistic > z:
            low = middle
        else:
            high = middle
    return (low + high) / 2


# Values published for z = 1.96 in discussions of Evan Miller's "How Not To Sort
# By Average Rating": 209 of 259 and 118 of 143 ratings to four decimals, and
# 40 of 100 to sixteen.
@pytest.mark.parametrize(
    ("successes", "trials", "expected", "tolerance"),
    [
        (209, 259, 0.7545, 5e-5),
        (118, 143, 0.7546, 5e-5),
        (40, 100, 0.3093997461136029, 1e-12),
    ],
)
def test_wilson_published_values(
    successes: int, trials: int, expected: float, tolerance: float
) -> None:
    assert wilson_lower_bound(successes, trials) == pytest.approx(expected, abs=tolerance)


@pytest.mark.parametrize(
    ("successes", "trials"), [(1, 2), (3, 4), (8, 20), (12, 40), (5, 6), (999, 1000), (1, 1000)]
)
def test_wilson_matches_bisection(successes: int, trials: int) -> None:
    expected = score_test_root(successes, trials, z=Z_95)

    assert wilson_lower_bound(successes, trials) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("trials", [1, 2, 10, 250])
def test_wilson_all_successes(trials: int) -> None:
    # With every trial a success the formula reduces to n / (n + z²).
    assert wilson_lower_bound(trials, trials) == pytest.approx(trials / (trials + Z_95**2))


def test_wilson_zero_trials() -> None:
    assert wilson_lower_bound(0, 0) == 0.0


@pytest.mark.parametrize("trials", [1, 7, 10_000, 1_000_000])
def test_wilson_no_successes(trials: int) -> None:
    assert wilson_lower_bound(0, trials) == 0.0


def test_wilson_z_zero_is_share() -> None:
    assert wilson_lower_bound(3, 8, z=0.0) == pytest.approx(3 / 8)


def test_wilson_z_widens_interval() -> None:
    assert wilson_lower_bound(6, 10, z=2.576) < wilson_lower_bound(6, 10, z=1.645)


def test_wilson_more_evidence_same_share() -> None:
    # The same share from more trials is more certain, so its lower bound is higher.
    bounds = [wilson_lower_bound(3 * scale, 4 * scale) for scale in (1, 2, 10, 100)]

    assert bounds == sorted(bounds)
    assert len(set(bounds)) == len(bounds)
    assert bounds[-1] < 0.75


def test_wilson_more_successes_same_trials() -> None:
    bounds = [wilson_lower_bound(successes, 20) for successes in range(21)]

    assert all(lower < higher for lower, higher in zip(bounds, bounds[1:], strict=False))
    assert all(0.0 <= bound <= 1.0 for bound in bounds)


def test_wilson_late_idea_example() -> None:
    # 3 votes from 4 active voters beat 8 votes from 20, though 8 is the larger count.
    late = wilson_lower_bound(3, 4)
    early = wilson_lower_bound(8, 20)

    assert late == pytest.approx(0.30064, abs=1e-5)
    assert early == pytest.approx(0.21880, abs=1e-5)
    assert late > early


@pytest.mark.parametrize(
    ("successes", "trials", "z"),
    [(-1, 5, Z_95), (1, -5, Z_95), (6, 5, Z_95), (1, 0, Z_95), (1, 5, -1.0)],
)
def test_wilson_invalid_input(successes: int, trials: int, z: float) -> None:
    with pytest.raises(ValueError):
        wilson_lower_bound(successes, trials, z=z)
