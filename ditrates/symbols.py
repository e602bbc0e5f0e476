"""Every symbol of the paper, defined once, with its sympy assumptions, meaning and domain.

Notation follows Hu et al. (NeurIPS 2024, arXiv 2407.01079), camera-ready numbering:

* the data are ``x = B h`` in ``R^D`` with a latent ``h`` in ``R^{d0}`` (Assumption 2.1);
* the DiT reshapes ``R^{d0}`` into ``L`` tokens of width ``d``, so ``d0 = d L`` (Definition 3.1);
* the forward process is Ornstein-Uhlenbeck: ``x_t | x_0 ~ N(beta(t) x_0, sigma(t) I)`` with
  ``beta(t) = exp(-t/2)`` and the *variance* ``sigma(t) = 1 - exp(-t)``;
* ``T0`` is the early-stopping time, ``T`` the horizon, ``n`` the sample size, ``eps`` the accuracy of
  the transformer approximation (Theorem 3.1);
* ``c0 = lambda_min(E[h h^T])`` and ``L_{s+}`` (the Lipschitz constant of the on-support score,
  Assumption 2.3) enter Corollary 3.2.1;
* Section 4 uses ``L`` (sequence length), ``d`` (head size) and ``B`` (the max-entry norm bound on
  ``W_K A_1``, ``W_Q A_2``, ``W_OV A_3``).

Constants hidden by ``O(.)`` in the paper are symbols too (``C_{3.2}`` etc., default 1), so that every
output can say which numbers are orders of magnitude and which are exact.

>>> from ditrates.symbols import PARAMS, sigma
>>> PARAMS["eps"].symbol.is_positive, PARAMS["n"].symbol.is_integer
(True, True)
>>> sigma(PARAMS["t"].symbol).diff(PARAMS["t"].symbol)
exp(-t)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import sympy

from ditrates.errors import DomainError, UnknownName
from ditrates.formatting import format_number


class sigma(sympy.Function):  # noqa: N801 - the paper's name
    r"""The variance ``sigma(t) = 1 - exp(-t)`` of the OU forward process (not a standard deviation).

    Kept as a function so that formulas print as the paper writes them and so that evaluation can use
    ``-expm1(-t)``, which stays accurate for small ``t``.

    >>> from sympy import Symbol
    >>> t = Symbol("t", positive=True)
    >>> sigma(t).rewrite(sympy.exp)
    1 - exp(-t)
    >>> sigma(sympy.Integer(0))
    0
    """

    is_positive = True
    is_real = True

    @classmethod
    def eval(cls, t):
        if t.is_zero:
            return sympy.S.Zero

    def fdiff(self, argindex=1):
        return sympy.exp(-self.args[0])

    def _eval_rewrite_as_exp(self, t, **kwargs):
        return 1 - sympy.exp(-t)

    def _eval_evalf(self, prec):
        return (1 - sympy.exp(-self.args[0]))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        inner = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


@dataclasses.dataclass(frozen=True)
class Param:
    """A parameter of the paper's results.

    ``low``/``high`` bound the domain (``None`` = unbounded); ``open_low``/``open_high`` say whether the
    end point is excluded. ``cli`` is the command-line spelling (``--T0``), ``text`` the plain-text
    spelling used in tables (``Ls``).
    """

    key: str
    symbol: sympy.Symbol
    meaning: str
    integer: bool = False
    low: float | None = 0
    open_low: bool = True
    high: float | None = None
    open_high: bool = True
    text: str = ""
    hidden_constant: str = ""  # for O(.) constants: the result whose O(.) hides it

    @property
    def cli(self) -> str:
        return "--" + self.key

    @property
    def label(self) -> str:
        return self.text or self.key

    def domain_text(self) -> str:
        if self.integer:
            return f"an integer >= {self.low}" if self.high is None else f"an integer in [{self.low}, {self.high}]"
        lo = "(" if self.open_low else "["
        hi = ")" if self.open_high else "]"
        if self.high is None:
            return f"> {self.low}" if self.open_low else f">= {self.low}"
        return f"in {lo}{self.low}, {self.high}{hi}"

    def check(self, value) -> None:
        """Raise :class:`DomainError` unless ``value`` lies in the domain.

        >>> PARAMS["eps"].check(0.5)
        >>> PARAMS["eps"].check(1)
        Traceback (most recent call last):
        ...
        ditrates.errors.DomainError: eps must be in (0, 1), got 1
        """
        bad = False
        if self.integer and int(value) != value:
            bad = True
        if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
            bad = True
        if self.high is not None and (value > self.high or (self.open_high and value == self.high)):
            bad = True
        if bad:

            raise DomainError(f"{self.label} must be {self.domain_text()}, got {format_number(value)}")


def _p(key, name, meaning, *, integer=False, text="", **kwargs) -> Param:
    assumptions = {"positive": True}
    if integer:
        assumptions["integer"] = True
    return Param(key, sympy.Symbol(name, **assumptions), meaning, integer=integer, text=text, **kwargs)


def _constant(key: str, name: str, where: str) -> Param:
    return _p(key, name, f"constant hidden in the O(.) of {where} (default 1)", hidden_constant=where)


_ALL = [
    # Assumption 2.1 and Definition 3.1: the latent structure and the DiT reshape.
    _p("d0", "d_0", "latent dimension (x = B h, h in R^d0), d0 = d L", integer=True, low=1, open_low=False),
    _p("d", "d", "token width (patch feature dimension, d = p^2), head size in Sec. 4", integer=True, low=1,
       open_low=False),
    _p("L", "L", "sequence length: number of tokens (d0 = d L)", integer=True, low=1, open_low=False),
    _p("D", "D", "ambient data dimension (x in R^D)", integer=True, low=1, open_low=False),
    # Theorem 3.1 / 3.2.
    _p("n", "n", "number of training samples", integer=True, low=1, open_low=False),
    _p("eps", "epsilon", "approximation accuracy of the transformer (Thm 3.1)", high=1, text="eps"),
    _p("t", "t", "diffusion time at which Thm 3.1 is evaluated"),
    _p("T0", "T_0", "early-stopping time of the backward process"),
    _p("T", "T", "time horizon of the forward process"),
    _p("mu", "mu", "step size of the discretised backward process (Cor. 3.2.1, Lemma F.9)"),
    # Corollary 3.2.1 and Assumption 2.3.
    _p("c0", "c_0", "smallest eigenvalue of E[h h^T] (Cor. 3.2.1)"),
    _p("Ls", "L_{s_+}", "Lipschitz constant L_{s+} of the on-support score (Assumption 2.3)"),
    _p("L_h", "L_h", "Lipschitz constant of the latent score grad log p_h (Lemma F.10: C_sh = d0 L_h)"),
    _p("C_h", "C_h", "bound on E||h||^2 (Lemma F.7)"),
    # Baselines.
    _p("s", "s", "Besov smoothness of the density (Oko et al. 2023)"),
    _p("beta", "beta", "Hoelder index of the density (Hu et al. 2025, after Fu et al. 2024)"),
    # Section 4.
    _p("B", "B", "max-entry bound on W_K A1, W_Q A2, W_OV A3 (Gamma in Thm 4.1)"),
    _p("kappa", "kappa", "softmax inverse temperature: 1 (the paper, Sec. 4) or 1/d (Alman-Song)",
       text="kappa"),
    _p("delta_F", "delta_F", "target max-entry error of the attention output", high=1, text="delta_F"),
    # Hidden constants.
    _constant("C_K", "C_K", "Thm 3.1 (K = O(eps^(-2L)))"),
    _constant("C_delta", "C_delta", "App. E.4 (delta = O(eps^(2/d)))"),
    _constant("C_CT", "C_{\\mathcal{T}}", "Thm 3.1 (C_T)"),
    _constant("C_LT", "C_{L_{\\mathcal{T}}}", "Thm 3.1 (L_T)"),
    _constant("C_CE", "C_E", "Thm 3.1 (C_E)"),
    _constant("C_W", "C_w", "Thm 3.1's weight-norm exponent (1/eps)^O(1)"),
    _constant("C_est", "C_{3.2}", "Thm 3.2"),
    _constant("C_sub", "C_{i}", "Cor. 3.2.1 (i)"),
    _constant("C_tv", "C_{ii}", "Cor. 3.2.1 (ii)"),
    _constant("C_b", "C_b", "Prop. 4.1 (B = C_b sqrt(log L))"),
    _constant("C_d", "C_d", "Prop. 4.1 / 4.2 (d = C log L)"),
    _constant("C_chen", "C_{C}", "Chen et al. 2023, Thm 2/3"),
    _constant("C_oko", "C_{O}", "Oko et al. 2023, Thm 5.1"),
    _constant("C_hu25", "C_{H}", "Hu et al. 2025 (inferred rate)"),
]

PARAMS: Mapping[str, Param] = {p.key: p for p in _ALL}
"""All parameters by key."""

BY_SYMBOL: Mapping[sympy.Symbol, Param] = {p.symbol: p for p in _ALL}

S = type("S", (), {k: p.symbol for k, p in PARAMS.items()})
"""Attribute access to the symbols: ``S.d0``, ``S.eps``, ..."""

XI = sympy.Symbol("xi", positive=True)
"""The symbol xi(n, eps, L) of Definition 3.4, used in the asymptotic orders."""


def param(key: str) -> Param:
    """The parameter named ``key``; raises :class:`~ditrates.errors.UnknownName` with a suggestion."""
    try:
        return PARAMS[key]
    except KeyError:

        raise UnknownName.for_choice("parameter", key, PARAMS) from None
