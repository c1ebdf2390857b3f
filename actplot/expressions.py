"""Activations written inline as expressions: ``x * sigmoid(1.702 * x)``, ``where(x > 0, x, 0.1 * x)``.

The text is parsed with :mod:`ast` and only a whitelisted subset is accepted; nothing is ever
passed to eval, exec or compile. Evaluation walks the tree over numpy arrays with forward-mode
dual numbers (value, derivative), so f' is exact: each elementary function applies its own
derivative, and each registry activation its declared one, through the chain rule.

Asked for f'' too, the walk carries second-order Taylor numbers (value, f', f''): products,
quotients and powers apply Leibniz's rule, and every function g (elementary or a registry
activation, with its declared f'') the second-order chain rule (g o u)'' = g''(u) u'^2 + g'(u) u''.

Syntax: a spec is an expression when it starts with ``expr:`` or is anything but a plain name or
``name:key=value,...``: it then contains ``x`` and operators or calls. Numeric literals are
float64, so ``9**9**9**9`` is inf at once instead of an arbitrary-precision integer.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from actplot.declare import Activation
from actplot.errors import ParameterError, UsageError
from actplot.numerics import EXPRESSION_SOURCE
from actplot.registry import Registry, did_you_mean

PREFIX = "expr:"
MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 1000
_PLAIN = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_\-]*\s*(:.*)?$", re.DOTALL)
CONSTANTS = {"pi": math.pi, "e": math.e}


class ExpressionError(UsageError):
    """An expression that cannot be parsed or is not allowed; the message points at the part."""


def is_expression(text: str) -> bool:
    """True for ``expr:...`` and for anything that is not a plain name or ``name:params``."""
    stripped = text.strip()
    return stripped.startswith(PREFIX) or stripped == "x" or not _PLAIN.match(stripped)


@dataclass(frozen=True)
class Dual:
    """A value and its derivatives with respect to x, arrays (or scalars for constants); ``dd``
    (the second derivative) is None unless the walk was asked for it."""

    v: Any
    d: Any
    dd: Any = None


def _sech2(u: Any) -> Any:
    from actplot.activations.stable import sech2

    return sech2(np.asarray(u, dtype=float))


def _erf_grad(u: Any) -> Any:
    from actplot.activations.stable import exp_neg_square

    return (2.0 / math.sqrt(math.pi)) * exp_neg_square(np.asarray(u, dtype=float))


def _erf(u: Any) -> Any:
    from scipy import special

    return special.erf(u)


def _erfc(u: Any) -> Any:
    from scipy import special

    return special.erfc(u)


def _erf_curvature(u: Any) -> Any:
    return -2.0 * np.asarray(u, dtype=float) * _erf_grad(u)


def _tanh_curvature(u: Any) -> Any:
    return -2.0 * np.tanh(u) * _sech2(u)


# name -> the second derivative of the function at the value
CURVATURE: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp,
    "expm1": np.exp,
    "log": lambda u: -1.0 / (u * u),
    "log1p": lambda u: -1.0 / ((1.0 + u) * (1.0 + u)),
    "sqrt": lambda u: -0.25 / (u * np.sqrt(u)),
    "abs": lambda u: np.zeros_like(np.asarray(u, dtype=float)),
    "sign": lambda u: np.zeros_like(np.asarray(u, dtype=float)),
    "square": lambda u: np.full_like(np.asarray(u, dtype=float), 2.0),
    "sin": lambda u: -np.sin(u),
    "cos": lambda u: -np.cos(u),
    "tan": lambda u: 2.0 * np.tan(u) * (1.0 + np.tan(u) ** 2),
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": _tanh_curvature,
    "arctan": lambda u: -2.0 * u / ((1.0 + u * u) * (1.0 + u * u)),
    "arcsinh": lambda u: -u / np.hypot(u, 1.0) ** 3,
    "erf": _erf_curvature,
    "erfc": lambda u: -_erf_curvature(u),
}

# name -> (function of value, derivative of the function at the value)
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "exp": (np.exp, np.exp),
    "expm1": (np.expm1, np.exp),
    "log": (np.log, lambda u: 1.0 / u),
    "log1p": (np.log1p, lambda u: 1.0 / (1.0 + u)),
    "sqrt": (np.sqrt, lambda u: 0.5 / np.sqrt(u)),
    "abs": (np.abs, np.sign),
    "sign": (np.sign, lambda u: np.zeros_like(np.asarray(u, dtype=float))),
    "square": (np.square, lambda u: 2.0 * u),
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda u: -np.sin(u)),
    "tan": (np.tan, lambda u: 1.0 + np.tan(u) ** 2),
    "sinh": (np.sinh, np.cosh),
    "cosh": (np.cosh, np.sinh),
    "tanh": (np.tanh, _sech2),
    "arctan": (np.arctan, lambda u: 1.0 / (1.0 + u * u)),
    "arcsinh": (np.arcsinh, lambda u: 1.0 / np.hypot(u, 1.0)),
    "erf": (_erf, _erf_grad),
    "erfc": (_erfc, lambda u: -_erf_grad(u)),
}
SPECIAL = ("minimum", "maximum", "where", "clip")
FUNCTIONS = tuple(UNARY) + SPECIAL

_BINARY_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE_OPS = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
                ast.Eq: np.equal, ast.NotEq: np.not_equal}  # fmt: skip


def _refuse(node: ast.AST, what: str, text: str) -> ExpressionError:
    part = ast.get_source_segment(text, node) or ""
    where = f" {part!r}" if part else ""
    column = getattr(node, "col_offset", None)
    at = f" at column {column + 1}" if column is not None else ""
    return ExpressionError(f"expression: {what}{where}{at} is not allowed; use x, numbers, + - * / **, "
                           f"comparisons, and calls such as exp(x), where(x > 0, x, 0), elu(x, alpha=0.5)")  # fmt: skip


@dataclass(frozen=True)
class Compiled:
    """A checked expression tree, with what it needs from the registry."""

    text: str
    tree: ast.expr
    registry: Registry
    breakpoints: tuple[float, ...]

    def evaluate(self, x: np.ndarray, order: int = 1) -> Dual:
        if np.iscomplexobj(x):
            # a complex-step probe: refuse it (the numeric derivative then uses central
            # differences) rather than drop the imaginary part with a ComplexWarning
            raise TypeError("expressions are evaluated for real x only")
        with np.errstate(all="ignore"):
            result = _Evaluator(self.registry, np.asarray(x, dtype=float), order).visit(self.tree)
        value = np.broadcast_to(np.asarray(result.v, dtype=float), np.shape(x))
        slope = np.broadcast_to(np.asarray(result.d, dtype=float), np.shape(x))
        if order == 1:
            return Dual(np.array(value), np.array(slope))
        curvature = np.broadcast_to(np.asarray(result.dd, dtype=float), np.shape(x))
        return Dual(np.array(value), np.array(slope), np.array(curvature))


class _Checker(ast.NodeVisitor):
    """Walks the parsed tree and refuses anything outside the whitelist."""

    def __init__(self, text: str, registry: Registry) -> None:
        self.text, self.registry = text, registry
        self.depth = 0
        self.nodes = 0
        self.breakpoints: list[float] = []

    def visit(self, node: ast.AST) -> Any:
        self.nodes += 1
        self.depth += 1
        if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise ExpressionError(
                f"expression: too deeply nested or too long (at most {MAX_DEPTH} levels, {MAX_NODES} parts)"
            )
        try:
            return super().visit(node)
        finally:
            self.depth -= 1

    def generic_visit(self, node: ast.AST) -> Any:
        kind = {
            ast.Attribute: "attribute access", ast.Subscript: "subscripting", ast.Lambda: "a lambda",
            ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.SetComp: "a comprehension",
            ast.DictComp: "a comprehension", ast.Starred: "unpacking", ast.NamedExpr: "assignment",
            ast.JoinedStr: "an f-string", ast.IfExp: "a conditional expression (use where)",
            ast.BoolOp: "and/or (use where)",
            ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set", ast.Await: "await",
        }.get(type(node), type(node).__name__)  # fmt: skip
        raise _refuse(node, kind, self.text)

    def visit_Expression(self, node: ast.Expression) -> None:
        self.visit(node.body)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _refuse(node, "a constant other than a real number", self.text)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id != "x" and node.id not in CONSTANTS:
            raise ExpressionError(
                f"expression: unknown name {node.id!r}{_suggest_name(node.id)} at column "
                f"{node.col_offset + 1}; the variable is x (and the constants pi and e)"
            )

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) not in _BINARY_OPS:
            raise _refuse(node, f"the operator {type(node.op).__name__}", self.text)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _refuse(node, f"the operator {type(node.op).__name__}", self.text)
        self.visit(node.operand)

    def visit_Compare(self, node: ast.Compare) -> None:
        for op in node.ops:
            if type(op) not in _COMPARE_OPS:
                raise _refuse(node, f"the comparison {type(op).__name__}", self.text)
        operands = [node.left, *node.comparators]
        for operand in operands:
            self.visit(operand)
        # x compared with a constant: a breakpoint where the piecewise definition changes
        for a, b in itertools.pairwise(operands):
            for variable, constant in ((a, b), (b, a)):
                if isinstance(variable, ast.Name) and variable.id == "x":
                    value = _constant_value(constant)
                    if value is not None:
                        self.breakpoints.append(value)

    def visit_Call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            raise _refuse(node.func, "calling anything but a function name", self.text)
        name = node.func.id
        if name in FUNCTIONS:
            arity = {"where": 3, "clip": 3, "minimum": 2, "maximum": 2}.get(name, 1)
            if node.keywords or len(node.args) != arity:
                plural = "s" if arity > 1 else ""
                at = f"(at column {node.col_offset + 1})"
                raise ExpressionError(f"expression: {name}() takes {arity} argument{plural} and no keywords {at}")
            for arg in node.args:
                self.visit(arg)
            if name == "abs" and _is_x(node.args[0]):
                self.breakpoints.append(0.0)
            if name in ("minimum", "maximum", "clip"):
                for arg in node.args[1:] if _is_x(node.args[0]) else []:
                    value = _constant_value(arg)
                    if value is not None:
                        self.breakpoints.append(value)
            return
        if name not in self.registry:
            choices = [*FUNCTIONS, *self.registry.all_names]
            raise ExpressionError(
                f"expression: unknown function {name!r}{did_you_mean(name, choices)} at column {node.col_offset + 1}; "
                f"use an elementary function ({', '.join(FUNCTIONS)}) or an activation"
            )
        act = self.registry[name]
        if len(node.args) != 1:
            raise ExpressionError(
                f"expression: {name}() takes one positional argument, the input (at column {node.col_offset + 1})"
            )
        self.visit(node.args[0])
        params = {p.name: p for p in act.params}
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg not in params:
                label = keyword.arg or "**"
                valid = ", ".join(params) or "none"
                raise ExpressionError(
                    f"expression: {act.name}() has no parameter {label!r}{did_you_mean(label, params)}; valid: {valid}"
                )
            if _parameter_value(keyword.value) is _INVALID:
                raise _refuse(keyword.value, f"a non-constant value for {keyword.arg}", self.text)
        if _is_x(node.args[0]):
            kwargs = _call_kwargs(act, node)
            singular = (*act.resolve_field("kinks", kwargs), *act.resolve_field("jumps", kwargs))
            self.breakpoints += [float(k) for k in singular]


_INVALID = object()


def _suggest_name(name: str) -> str:
    return " (did you mean 'x'?)" if name.lower() == "x" else did_you_mean(name, ["x", *CONSTANTS])


def _is_x(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "x"


def _constant_value(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _constant_value(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    return None


def _parameter_value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    value = _constant_value(node)
    return _INVALID if value is None else value


def _call_kwargs(act: Activation, node: ast.Call) -> dict[str, Any]:
    from actplot.spec import bind, convert_value

    params = {p.name: p for p in act.params}
    given: dict[str, Any] = {}
    for keyword in node.keywords:
        assert keyword.arg is not None
        raw = _parameter_value(keyword.value)
        text = "none" if raw is None else raw if isinstance(raw, str) else repr(raw)
        try:
            given[keyword.arg] = convert_value(act, params[keyword.arg], text)
        except ParameterError as exc:
            raise ExpressionError(f"expression: {exc}") from None
    return bind(act, given).kwargs


class _Evaluator(ast.NodeVisitor):
    """Evaluates a checked tree to a Dual over the array x."""

    def __init__(self, registry: Registry, x: np.ndarray, order: int = 1) -> None:
        self.registry, self.x, self.second = registry, x, order == 2

    def _zero(self) -> Any:
        return np.float64(0.0) if self.second else None

    def visit_Expression(self, node: ast.Expression) -> Dual:
        return self.visit(node.body)

    def visit_Constant(self, node: ast.Constant) -> Dual:
        # every literal becomes a float64: 9**9**9**9 is inf at once, not a huge integer
        return Dual(np.float64(float(node.value)), np.float64(0.0), self._zero())  # type: ignore[arg-type]

    def visit_Name(self, node: ast.Name) -> Dual:
        if node.id == "x":
            return Dual(self.x, np.ones_like(self.x), np.zeros_like(self.x) if self.second else None)
        return Dual(np.float64(CONSTANTS[node.id]), np.float64(0.0), self._zero())

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Dual:
        u = self.visit(node.operand)
        if not isinstance(node.op, ast.USub):
            return u
        return Dual(-u.v, -u.d, -u.dd if self.second else None)

    def _chain(self, u: Dual, value: Any, slope: Any, curvature: Callable[[], Any]) -> Dual:
        """g(u) from g, g' and (lazily) g'' at u.v: (g o u)' = g' u', (g o u)'' = g'' u'^2 + g' u''."""
        if not self.second:
            return Dual(value, slope * u.d)
        if _constant(u):
            return Dual(value, np.float64(0.0), np.float64(0.0))
        return Dual(value, slope * u.d, curvature() * (u.d * u.d) + slope * u.dd)

    def visit_BinOp(self, node: ast.BinOp) -> Dual:
        a, b = self.visit(node.left), self.visit(node.right)
        op = type(node.op)
        value = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}[
            op
        ](a.v, b.v)
        # A constant's derivative is exactly 0, never 0 * inf = nan (9**9**9**9 is inf, slope 0).
        if _constant(a) and _constant(b):
            return Dual(value, np.float64(0.0), self._zero())
        second = self.second
        if op is ast.Add:
            return Dual(value, a.d + b.d, a.dd + b.dd if second else None)
        if op is ast.Sub:
            return Dual(value, a.d - b.d, a.dd - b.dd if second else None)
        if op is ast.Mult:
            if _constant(a):
                return Dual(value, a.v * b.d, a.v * b.dd if second else None)
            if _constant(b):
                return Dual(value, a.d * b.v, a.dd * b.v if second else None)
            slope = a.d * b.v + a.v * b.d
            return Dual(value, slope, a.dd * b.v + 2.0 * a.d * b.d + a.v * b.dd if second else None)
        if op is ast.Div:
            if _constant(b):
                return Dual(value, a.d / b.v, a.dd / b.v if second else None)
            # q = a / b: q' = (a' - q b') / b, q'' = (a'' - 2 q' b' - q b'') / b
            slope = (a.d - value * b.d) / b.v
            return Dual(value, slope, (a.dd - 2.0 * slope * b.d - value * b.dd) / b.v if second else None)
        if _constant(b):
            # d(a^c) = c a^(c-1) a': no log(a), so negative bases with integer powers work
            c = b.v
            return self._chain(a, value, c * np.power(a.v, c - 1.0), lambda: c * (c - 1.0) * np.power(a.v, c - 2.0))
        if not second:
            return Dual(value, value * (b.d * np.log(a.v) + (0.0 if _constant(a) else b.v * a.d / a.v)))
        # a^b = exp(b log a): the second-order rules for log, the product and exp
        log_a = self._chain(a, np.log(a.v), 1.0 / a.v, lambda: -1.0 / (a.v * a.v))
        h = Dual(b.v * log_a.v, b.d * log_a.v + b.v * log_a.d, b.dd * log_a.v + 2.0 * b.d * log_a.d + b.v * log_a.dd)
        return Dual(value, value * h.d, value * (h.dd + h.d * h.d))

    def visit_Compare(self, node: ast.Compare) -> Dual:
        operands = [self.visit(n).v for n in (node.left, *node.comparators)]
        result: Any = True
        for op, (a, b) in zip(node.ops, itertools.pairwise(operands), strict=True):
            result = np.logical_and(result, _COMPARE_OPS[type(op)](a, b))
        return Dual(np.asarray(result, dtype=float), np.float64(0.0), self._zero())

    def visit_Call(self, node: ast.Call) -> Dual:
        name = node.func.id  # type: ignore[attr-defined]
        args = [self.visit(a) for a in node.args]
        second = self.second
        if name in UNARY:
            function, derivative = UNARY[name]
            (u,) = args
            return self._chain(u, function(u.v), derivative(u.v), lambda: CURVATURE[name](u.v))
        if name == "where":
            c, a, b = args
            chosen = np.asarray(c.v) != 0
            return Dual(
                np.where(chosen, a.v, b.v), np.where(chosen, a.d, b.d), np.where(chosen, a.dd, b.dd) if second else None
            )
        if name in ("minimum", "maximum"):
            a, b = args
            # ties take the first argument, as torch.minimum/maximum's gradient does for a
            pick_a = a.v <= b.v if name == "minimum" else a.v >= b.v
            return Dual(
                np.where(pick_a, a.v, b.v), np.where(pick_a, a.d, b.d), np.where(pick_a, a.dd, b.dd) if second else None
            )
        if name == "clip":
            u, lo, hi = args
            inside = (u.v > lo.v) & (u.v < hi.v)
            slope = np.where(inside, u.d, np.where(u.v <= lo.v, lo.d, hi.d))
            curvature = np.where(inside, u.dd, np.where(u.v <= lo.v, lo.dd, hi.dd)) if second else None
            return Dual(np.clip(u.v, lo.v, hi.v), slope, curvature)
        act = self.registry[name]
        (u,) = args
        kwargs = _call_kwargs(act, node)
        from actplot.spec import bind

        bound = bind(act, kwargs)
        from actplot.numerics import evaluate_chunk, second_derivative_chunk

        inner = np.broadcast_to(np.asarray(u.v, dtype=float), self.x.shape).copy()
        value, slope = evaluate_chunk(bound, inner)
        return self._chain(u, value, slope, lambda: second_derivative_chunk(bound, inner))


def _constant(u: Dual) -> bool:
    """A value that does not depend on x (its derivative is the scalar 0)."""
    return np.ndim(u.d) == 0 and float(u.d) == 0.0


def compile_expression(text: str, registry: Registry) -> Compiled:
    """Parse and check an expression (with or without the ``expr:`` prefix)."""
    body = text.strip()
    if body.startswith(PREFIX):
        body = body[len(PREFIX) :].strip()
    if not body:
        raise ExpressionError("expression: empty; write something like 'x * sigmoid(x)'")
    if len(body) > MAX_LENGTH:
        raise ExpressionError(f"expression: {len(body)} characters; at most {MAX_LENGTH}")
    if not body.isprintable():
        raise ExpressionError("expression: contains control characters")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"expression: cannot parse {body!r}{column}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("expression: cannot parse it (too deeply nested, or contains null bytes)") from None
    checker = _Checker(body, registry)
    checker.visit(tree)
    return Compiled(body, tree.body, registry, tuple(sorted(set(checker.breakpoints))))


def normalise(text: str) -> str:
    """The label: the expression as written, with Python's own spacing (ast.unparse)."""
    body = text.strip()
    body = body[len(PREFIX) :] if body.startswith(PREFIX) else body
    return ast.unparse(ast.parse(body.strip(), mode="eval"))


def expression_activation(text: str, registry: Registry) -> Activation:
    """An Activation whose function and exact derivative come from the expression."""
    compiled = compile_expression(text, registry)
    label = normalise(compiled.text)

    def function(x: np.ndarray) -> np.ndarray:
        return compiled.evaluate(x).v

    # an expression calling a plugin activation inherits the plugin's precautions
    called = {n.func.id for n in ast.walk(compiled.tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    function.calls_plugins = any(  # type: ignore[attr-defined]
        name in registry and registry[name].source != "built-in" for name in called if name not in FUNCTIONS
    )
    return Activation(
        name="expression",
        function=function,
        derivative=lambda x: compiled.evaluate(x).d,
        second_derivative=lambda x: compiled.evaluate(x, order=2).dd,
        family="other",
        summary=f"the expression {label}",
        formula=label.replace("**", "^"),
        derivative_formula="(by forward-mode automatic differentiation of the expression)",
        second_derivative_formula="(by second-order forward-mode differentiation of the expression)",
        continuity="piecewise" if compiled.breakpoints else "as its parts",
        jumps=compiled.breakpoints,
        source=EXPRESSION_SOURCE,
        kink_convention="At a kink the derivative is that of the branch where() or the comparison selects; "
        "a registry activation inside keeps its own (PyTorch) convention.",
    )
