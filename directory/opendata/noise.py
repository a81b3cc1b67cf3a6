"""Exact discrete Laplace noise for differentially private counts.

The sampler is Algorithm 2 of Canonne, Kamath and Steinke, "The Discrete Gaussian for
Differential Privacy" (NeurIPS 2020): it draws from the discrete Laplace distribution,
P(x) proportional to exp(-|x| / scale) over the integers, using only exact rational arithmetic and
uniform random integers from the operating system (`secrets`), so no floating-point rounding can
leak which count the noise was added to (the attack of Mironov, CCS 2012, on textbook samplers).

Adding discrete Laplace noise of scale Δ/ε to a count whose L1 sensitivity is Δ is ε-differentially
private (the geometric mechanism of Ghosh, Roughgarden and Sundararajan, STOC 2009).
"""

from __future__ import annotations

import math
import secrets
from fractions import Fraction
from typing import Protocol


class RandomSource(Protocol):
    """Where uniform random integers come from (`secrets` in use; a seeded one in tests)."""

    def randbelow(self, n: int) -> int: ...


class SystemSource:
    """The operating system's random integers (`secrets`), fit for noise that protects people."""

    def randbelow(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return secrets.randbelow(n)


SYSTEM = SystemSource()


def bernoulli(p: Fraction, rng: RandomSource = SYSTEM) -> bool:
    """True with probability p (a fraction in [0, 1]), exactly."""
    return rng.randbelow(p.denominator) < p.numerator


def bernoulli_exp(gamma: Fraction, rng: RandomSource = SYSTEM) -> bool:
    """True with probability exp(-gamma), for gamma >= 0, exactly."""
    while gamma > 1:
        if not bernoulli_exp(Fraction(1), rng):
            return False
        gamma -= 1
    k = 1
    while bernoulli(gamma / k, rng):
        k += 1
    return k % 2 == 1


def discrete_laplace(scale: Fraction, rng: RandomSource = SYSTEM) -> int:
    """One draw of discrete Laplace noise: P(x) proportional to exp(-|x| / scale)."""
    t, s = scale.numerator, scale.denominator  # scale = t / s
    while True:
        u = rng.randbelow(t)
        if not bernoulli_exp(Fraction(u, t), rng):
            continue
        v = 0
        while bernoulli_exp(Fraction(1), rng):
            v += 1
        y = (u + t * v) // s
        negative = bernoulli(Fraction(1, 2), rng)
        if negative and y == 0:
            continue
        return -y if negative else y


def variance(scale: Fraction) -> float:
    """The variance of discrete Laplace noise of this scale (for the release's metadata)."""
    q = math.exp(-1 / float(scale))
    return 2 * q / (1 - q) ** 2
