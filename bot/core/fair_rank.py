"""The Wilson score lower bound, the score the final report ranks ideas by."""

from __future__ import annotations

import math

# The two-sided 95% quantile of the standard normal distribution, rounded as usual.
Z_95 = 1.96


def wilson_lower_bound(successes: int, trials: int, *, z: float = Z_95) -> float:
    """Return the lower end of the Wilson score interval for successes out of trials.

    With p = successes / trials and n = trials the bound is

        (p + z²/2n - z·sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n)

    which is the smaller root p of (p̂ - p)² = z²·p(1 - p)/n, the proportion
    the score test just rejects at the confidence level z stands for (1.96
    for 95%). Source: E. B. Wilson, "Probable inference, the law of succession,
    and statistical inference", Journal of the American Statistical Association
    22 (158), 1927, pp. 209-212, and its use for ranking in Evan Miller, "How
    Not To Sort By Average Rating" (2009). Zero trials give 0.0. Raises
    ValueError when a count is negative, successes exceed trials or z is negative.
    """
    if trials < 0 or successes < 0:
        raise ValueError(f"counts must not be negative: {successes} of {trials}")
    if successes > trials:
        raise ValueError(f"successes ({successes}) exceed trials ({trials})")
    if z < 0:
        raise ValueError(f"z must not be negative, not {z}")
    if trials == 0:
        return 0.0

    n = float(trials)
    p = successes / n
    z_squared = z * z
    centre = p + z_squared / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z_squared / (4 * n * n))
    bound = (centre - margin) / (1 + z_squared / n)
    # With no successes centre and margin are equal in exact arithmetic, but
    # rounding can leave a tiny negative difference.
    return max(0.0, bound)
