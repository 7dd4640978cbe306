"""Evaluating Terraform expressions (Lark trees or `.tf.json` values) to plain data.

Values are Python data: None, bool, int, float, str, list, dict, `Unknown`, plus
`ObjRef`s (resource and module instances) that evaluate their attributes lazily and
record a reference when they are accessed. Anything that cannot be known before apply
is `Unknown(reason)` and propagates through operators, templates and functions.
Errors that Terraform would report are `EvalError`s; nothing from the input is run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from iacguard.model import Provenance
from iacguard.values import Unknown
from iacguard_terraform.hcl import JsonExpr, Part, heredoc_parts, parse_template, string_parts, unescape

if TYPE_CHECKING:
    from iacguard_terraform.module import Resolver


class EvalError(Exception):
    """An expression Terraform would reject (missing attribute, bad index, wrong type)."""


# Limits that keep hostile input (doubling locals, huge ranges, format widths) from
# exhausting time or memory; real configurations stay far below them.
MAX_STEPS = 2_000_000  # expression nodes evaluated for one root module
MAX_STRING = 4_000_000  # characters in one string built by a template or function
MAX_MASS = 1_000_000  # values (plus 1 per 16 string characters) in one evaluated value
MAX_DEPTH = 100  # nesting of lists and maps in one value


class LimitExceeded(EvalError):
    """A limit above was reached: the value is unknown (never retried by try()/can())."""


class Budget:
    """Expression steps spent for one root module."""

    def __init__(self, limit: int = MAX_STEPS) -> None:
        self.limit = limit
        self.steps = 0
        self.reported = False

    def spend(self) -> None:
        self.steps += 1
        if self.steps > self.limit:
            raise LimitExceeded(f"evaluation stopped after {self.limit} expression steps")


def check_mass(value: Any, what: str = "value") -> None:
    """Raise LimitExceeded when `value` holds more than MAX_MASS values (long strings weigh more).
    The walk is bounded, so values that share parts (`[x, x]` repeated) cost no more."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    mass = 0
    while stack:
        item, depth = stack.pop()
        mass += 1
        if isinstance(item, str):
            mass += len(item) // 16
        elif isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                raise LimitExceeded(f"{what} is nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, depth + 1) for v in (item if isinstance(item, list) else item.values()))
        if mass > MAX_MASS:
            raise LimitExceeded(f"too large: {what} holds more than {MAX_MASS} values")


def check_string(text: str) -> str:
    if len(text) > MAX_STRING:
        raise LimitExceeded(f"string longer than {MAX_STRING} characters")
    return text


class ObjRef:
    """A lazily evaluated object: a resource instance or a module instance."""

    address: str

    def attr(self, name: str, scope: Scope) -> Any:
        raise NotImplementedError

    def materialise(self, scope: Scope) -> dict[str, Any]:
        raise NotImplementedError

    def touch(self, scope: Scope) -> None:
        """Record that the value depends on this object, without reading it."""


class Scope:
    """Names visible while evaluating, plus what the evaluation touched.

    `refs` collects the addresses of resource instances the value depends on (directly,
    or through locals, variables and module outputs); `vars` the provenance of the variables it read.
    """

    def __init__(self, resolver: Resolver, names: dict[str, Any] | None = None,
                 refs: set[str] | None = None, vars: list[Provenance] | None = None,
                 origins: dict[str, tuple[Provenance, ...]] | None = None) -> None:
        self.resolver = resolver
        self.names = names or {}
        self.refs: set[str] = refs if refs is not None else set()
        self.vars: list[Provenance] = vars if vars is not None else []
        # where the values of iteration names (each, count, iterators) came from
        self.origins: dict[str, tuple[Provenance, ...]] = origins or {}

    def child(self, names: dict[str, Any],
              origins: dict[str, tuple[Provenance, ...]] | None = None) -> Scope:
        return Scope(self.resolver, {**self.names, **names}, self.refs, self.vars,
                     {**self.origins, **(origins or {})})

    def fresh(self) -> Scope:
        """Same names, its own reference collection."""
        return Scope(self.resolver, dict(self.names), origins=self.origins)


def first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
    return None


def deep_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            found = deep_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, dict):
        for item in value.values():
            found = deep_unknown(item)
            if found is not None:
                return found
    return None


def touch(value: Any, scope: Scope) -> None:
    if isinstance(value, ObjRef):
        value.touch(scope)
    elif isinstance(value, list):
        for item in value:
            touch(item, scope)
    elif isinstance(value, dict):
        for item in value.values():
            touch(item, scope)


def plain(value: Any, scope: Scope) -> Any:
    """`value` with every ObjRef replaced by its attributes (recording the reference)."""
    if isinstance(value, ObjRef):
        return plain(value.materialise(scope), scope)
    if isinstance(value, list):
        return [plain(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, scope) for k, v in value.items()}
    return value


def number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError(f"a number is required, got {to_str(value)}")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise EvalError(f"a number is required, got {type_name(value)}")


def norm_number(value: float | int) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (dict, ObjRef)):
        return "object"
    return type(value).__name__


def to_str(value: Any) -> str:
    """Terraform's conversion of a primitive to string (for templates and tostring)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        value = norm_number(value)
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise EvalError("cannot use a null value in a string template")
    raise EvalError(f"cannot convert {type_name(value)} to string")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvalError(f"a bool is required, got {type_name(value)}")


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) != isinstance(b, (int, float)):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def compare(a: Any, b: Any) -> bool | Unknown:
    """Equality that is unknown only when the unknown parts decide it: a map holding an
    unknown value is still known to differ from null, or from a map with other keys."""
    unknown = first_unknown(a, b)
    if unknown is not None:
        return unknown
    if a is None or b is None:
        return a is b
    pairs: list[tuple[Any, Any]]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        pairs = list(zip(a, b, strict=True))
    elif isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        pairs = [(a[k], b[k]) for k in a]
    else:
        return equal(a, b)
    pending: Unknown | None = None
    for x, y in pairs:
        result = compare(x, y)
        if result is False:
            return False
        if isinstance(result, Unknown) and pending is None:
            pending = result
    return pending if pending is not None else True


def subtrees(node: Tree[Any]) -> list[Any]:
    """Child trees without the newline/comment filler."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


# -- traversals ------------------------------------------------------------------------
Step = tuple[Any, ...]  # ("attr", name) | ("index", expr) | ("splat", [steps])


def _steps_of(node: Tree[Any]) -> list[Step]:
    steps: list[Step] = []
    for child in subtrees(node):
        steps.extend(_step(child))
    return steps


def _step(node: Tree[Any]) -> list[Step]:
    if node.data == "get_attr":
        name = node.children[-1]
        label = str(name.children[0]) if isinstance(name, Tree) else str(name)
        return [("attr", label)]
    if node.data == "braces_index":
        return [("index", subtrees(node)[0])]
    if node.data == "short_index":
        return [("const_index", int(str(node.children[-1])))]
    return []


def flatten(node: Any) -> tuple[Any, list[Step]]:
    """(root, steps): root is a name (str) or an expression tree."""
    if not isinstance(node, Tree):
        return node, []
    kind = node.data
    if kind == "expr_term":
        inner = subtrees(node)
        is_paren = any(isinstance(c, Token) and c.type == "LPAR" for c in node.children)
        if len(inner) == 1 and not is_paren:
            return flatten(inner[0])
        return node, []
    if kind == "identifier":
        return str(node.children[0]), []
    if kind in ("get_attr_expr_term", "index_expr_term"):
        base, step = subtrees(node)
        root, steps = flatten(base)
        return root, steps + _step(step)
    if kind in ("full_splat_expr_term", "attr_splat_expr_term"):
        base, splat = subtrees(node)
        root, steps = flatten(base)
        inner = _steps_of(splat)
        if kind == "attr_splat_expr_term":
            # The legacy `.*` splat takes only attribute steps: `x.*.id[0]` is
            # `[for v in x : v.id][0]`, whereas `x[*].id[0]` is `[for v in x : v.id[0]]`.
            cut = next((i for i, step in enumerate(inner) if step[0] != "attr"), len(inner))
            return root, [*steps, ("splat", inner[:cut]), *inner[cut:]]
        return root, [*steps, ("splat", inner)]
    return node, []


def reference_text(root: str, steps: list[Step]) -> str:
    """`var.x`, `aws_vpc.main.id`: the static prefix of a traversal."""
    out = root
    for step in steps:
        if step[0] == "attr":
            out += f".{step[1]}"
        elif step[0] == "const_index":
            out += f"[{step[1]}]"
        else:
            break
    return out


# -- evaluation ----------------------------------------------------------------------------
def evaluate(node: Any, scope: Scope) -> Any:
    if isinstance(node, JsonExpr):
        return _eval_json(node.value, scope)
    if isinstance(node, Token):
        raise EvalError(f"unexpected token {node!s}")
    scope.resolver.state.budget.spend()
    handler = _HANDLERS.get(node.data)
    if handler is None:
        raise EvalError(f"unsupported expression {node.data}")
    return handler(node, scope)


def _eval_json(value: Any, scope: Scope) -> Any:
    scope.resolver.state.budget.spend()
    if isinstance(value, str):
        if "${" not in value and "%{" not in value:
            return value
        return render(_json_template(value), scope)
    if isinstance(value, list):
        return [_eval_json(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: _eval_json(v, scope) for k, v in value.items()}
    return value


@lru_cache(maxsize=4096)
def _json_template(text: str) -> tuple[Part, ...]:
    return tuple(parse_template(text))


@lru_cache(maxsize=4096)
def _heredoc(text: str) -> tuple[Part, ...]:
    return tuple(heredoc_parts(text))


def _expr_term(node: Tree[Any], scope: Scope) -> Any:
    root, steps = flatten(node)
    if isinstance(root, str):
        return _traverse(root, steps, scope)
    if root is node:
        inner = subtrees(node)
        if len(inner) != 1:
            raise EvalError("malformed expression")
        return evaluate(inner[0], scope)
    value = evaluate(root, scope)
    return apply_steps(value, steps, scope)


def _traverse(root: str, steps: list[Step], scope: Scope) -> Any:
    resolver = scope.resolver
    if root in scope.names:
        scope.vars.extend(scope.origins.get(root, ()))
        return apply_steps(scope.names[root], steps, scope)
    text = reference_text(root, steps)

    def need_attr(n: int) -> list[str]:
        names = [s[1] for s in steps[:n] if s[0] == "attr"]
        if len(names) < n:
            raise EvalError(f"invalid reference {text}")
        return names

    if root == "var":
        (name,) = need_attr(1)
        return apply_steps(resolver.variable(name, scope), steps[1:], scope)
    if root == "local":
        (name,) = need_attr(1)
        return apply_steps(resolver.local(name, scope), steps[1:], scope)
    if root == "module":
        (name,) = need_attr(1)
        return apply_steps(resolver.module(name, scope), steps[1:], scope)
    if root == "data":
        kind, name = need_attr(2)
        found = resolver.data(kind, name, scope)
        return Unknown(text) if found is None else apply_steps(found, steps[2:], scope)
    if root == "path":
        (name,) = need_attr(1)
        return apply_steps(resolver.path(name), steps[1:], scope)
    if root == "terraform":
        (name,) = need_attr(1)
        return "default" if name == "workspace" else Unknown(text)
    if root in ("count", "each", "self"):
        raise EvalError(f"{root} is not available here ({text})")
    if steps and steps[0][0] == "attr":
        value = resolver.resource(root, steps[0][1], scope)
        if value is not None:
            return apply_steps(value, steps[1:], scope)
        # Snippets often reference what they do not declare: unknown, not an error.
        return Unknown(f"{text} (not declared)")
    raise EvalError(f"unknown name {root!r}")


def apply_steps(value: Any, steps: list[Step], scope: Scope) -> Any:
    for index, step in enumerate(steps):
        if isinstance(value, Unknown):
            return value
        kind = step[0]
        if kind == "attr":
            value = get_attr(value, step[1], scope)
        elif kind in ("index", "const_index"):
            key = evaluate(step[1], scope) if kind == "index" else step[1]
            if isinstance(key, Unknown):
                return key
            value = get_index(value, key, scope)
        else:  # splat: the inner steps apply to each element
            if value is None:
                items: list[Any] = []
            elif isinstance(value, list):
                items = value
            else:
                items = [value]
            rest = steps[index + 1 :]
            if rest and rest[0][0] in ("index", "const_index") and all(s[0] == "attr" for s in step[1]):
                # `x.*.id[i]` reads only element i: index first, so that only it is referenced.
                key = evaluate(rest[0][1], scope) if rest[0][0] == "index" else rest[0][1]
                if isinstance(key, Unknown):
                    return key
                chosen = apply_steps(get_index(items, key, scope), step[1], scope)
                return apply_steps(chosen, rest[1:], scope)
            value = [apply_steps(item, step[1], scope) for item in items]
            return apply_steps(value, rest, scope)
    return value


def get_attr(value: Any, name: str, scope: Scope) -> Any:
    if isinstance(value, ObjRef):
        return value.attr(name, scope)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"object has no attribute {name!r}")
    if value is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    raise EvalError(f"cannot get attribute {name!r} from a {type_name(value)}")


def get_index(value: Any, key: Any, scope: Scope) -> Any:
    if isinstance(value, list):
        try:
            position = int(number(key))
        except EvalError:
            raise EvalError(f"a list index must be a number, got {to_str(key)!r}") from None
        if 0 <= position < len(value):
            return value[position]
        raise EvalError(f"index {position} out of range for a list of {len(value)}")
    if isinstance(value, (dict, ObjRef)):
        if not isinstance(key, str):
            key = to_str(key)
        return get_attr(value, key, scope)
    if value is None:
        raise EvalError("attempt to index a null value")
    raise EvalError(f"cannot index a {type_name(value)}")


def _literal_value(node: Tree[Any], scope: Scope) -> Any:
    word = str(node.children[0])
    return {"true": True, "false": False, "null": None}[word]


def _int_lit(node: Tree[Any], scope: Scope) -> Any:
    return int(str(node.children[0]))


def _float_lit(node: Tree[Any], scope: Scope) -> Any:
    return norm_number(float(str(node.children[0])))  # `1e3` is the number 1000, as in Terraform


def _string(node: Tree[Any], scope: Scope) -> Any:
    return render(string_parts(node), scope)


def _template_string(node: Tree[Any], scope: Scope) -> Any:
    text = str(node.children[0])
    return unescape(text[2:-2])


def _heredoc_node(node: Tree[Any], scope: Scope) -> Any:
    return render(_heredoc(str(node.children[0])), scope)


def _tuple(node: Tree[Any], scope: Scope) -> Any:
    return [evaluate(item, scope) for item in subtrees(node)]


def object_key(node: Tree[Any], scope: Scope) -> Any:
    inner = subtrees(node)[0] if isinstance(node, Tree) and node.data == "object_elem_key" else node
    if isinstance(inner, Tree) and inner.data == "keyword":
        return str(inner.children[0])
    root, steps = flatten(inner)
    if isinstance(root, str) and not steps:
        return root  # a bare name is a literal key
    key = evaluate(inner, scope)
    if isinstance(key, Unknown):
        return key
    return to_str(key)


def _object(node: Tree[Any], scope: Scope) -> Any:
    result: dict[str, Any] = {}
    for elem in subtrees(node):
        key_node, value_node = subtrees(elem)
        key = object_key(key_node, scope)
        if isinstance(key, Unknown):
            return key
        result[key] = evaluate(value_node, scope)
    return result


def _conditional(node: Tree[Any], scope: Scope) -> Any:
    cond_node, yes, no = subtrees(node)
    cond = plain(evaluate(cond_node, scope), scope)
    if isinstance(cond, Unknown):
        # Still evaluate both branches so that their references are recorded.
        evaluate(yes, scope)
        evaluate(no, scope)
        return cond
    return evaluate(yes if to_bool(cond) else no, scope)


def _unary(node: Tree[Any], scope: Scope) -> Any:
    op = str(node.children[0]).strip()
    value = plain(evaluate(node.children[1], scope), scope)
    if isinstance(value, Unknown):
        return value
    if op == "!":
        return not to_bool(value)
    return norm_number(-number(value))


def _binary(node: Tree[Any], scope: Scope) -> Any:
    lhs_node, term = subtrees(node)[:2]
    op_node, rhs_node = subtrees(term)[:2]
    op = str(op_node.children[0]).strip()
    lhs = plain(evaluate(lhs_node, scope), scope)
    if op in ("&&", "||"):
        if not isinstance(lhs, Unknown):
            left = to_bool(lhs)
            if (op == "&&" and not left) or (op == "||" and left):
                _references_of(rhs_node, scope)
                return left
        rhs = plain(evaluate(rhs_node, scope), scope)
        if isinstance(rhs, Unknown):
            return rhs
        right = to_bool(rhs)
        if isinstance(lhs, Unknown):
            if (op == "&&" and not right) or (op == "||" and right):
                return right
            return lhs
        return right
    rhs = plain(evaluate(rhs_node, scope), scope)
    if op in ("==", "!="):
        same = compare(lhs, rhs)
        if isinstance(same, Unknown):
            return same
        return same if op == "==" else not same
    unknown = first_unknown(lhs, rhs)
    if unknown is not None:
        return unknown
    a, b = number(lhs), number(rhs)
    if op == "+":
        return norm_number(a + b)
    if op == "-":
        return norm_number(a - b)
    if op == "*":
        return norm_number(a * b)
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        return norm_number(a / b)
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return norm_number(a % b)
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda x, y: x < y, ">": lambda x, y: x > y,
        "<=": lambda x, y: x <= y, ">=": lambda x, y: x >= y,
    }
    if op in comparisons:
        return comparisons[op](a, b)
    raise EvalError(f"unknown operator {op}")


def _references_of(node: Any, scope: Scope) -> None:
    """Record what a short-circuited operand refers to; it may not evaluate (`x != null && x.y`)."""
    trial = scope.fresh()
    try:
        touch(evaluate(node, trial), trial)
    except EvalError:
        return
    scope.refs.update(trial.refs)


def _for_parts(node: Tree[Any]) -> tuple[str | None, str, Any, list[Any], Any | None]:
    trees = subtrees(node)
    intro = trees[0]
    cond = trees[-1] if trees[-1].data == "for_cond" else None
    bodies = trees[1:-1] if cond is not None else trees[1:]
    intro_trees = subtrees(intro)
    names = [str(t.children[0]) for t in intro_trees[:-1]]
    key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    cond_expr = subtrees(cond)[0] if cond is not None else None
    return key, value, intro_trees[-1], bodies, cond_expr


def iterate(collection: Any, scope: Scope) -> list[tuple[Any, Any]]:
    if isinstance(collection, ObjRef):
        collection = collection.materialise(scope)
    if isinstance(collection, list):
        return list(enumerate(collection))
    if isinstance(collection, dict):
        return sorted(collection.items(), key=lambda kv: kv[0])
    if collection is None:
        raise EvalError("cannot iterate over a null value")
    raise EvalError(f"cannot iterate over a {type_name(collection)}")


def _for(node: Tree[Any], scope: Scope) -> Any:
    key_name, value_name, collection_node, bodies, cond = _for_parts(node)
    collection = evaluate(collection_node, scope)
    if isinstance(collection, Unknown):
        return collection
    is_object = node.data == "for_object_expr"
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    out_list: list[Any] = []
    out_map: dict[str, Any] = {}
    for key, value in iterate(collection, scope):
        names = {value_name: value}
        if key_name is not None:
            names[key_name] = key
        inner = scope.child(names)
        if cond is not None:
            keep = plain(evaluate(cond, inner), inner)
            if isinstance(keep, Unknown):
                return keep
            if not to_bool(keep):
                continue
        if is_object:
            k = plain(evaluate(bodies[0], inner), inner)
            if isinstance(k, Unknown):
                return k
            k = to_str(k)
            v = evaluate(bodies[1], inner)
            if grouping:
                out_map.setdefault(k, []).append(v)
            else:
                out_map[k] = v
        else:
            out_list.append(evaluate(bodies[0], inner))
    return out_map if is_object else out_list


def _function(node: Tree[Any], scope: Scope) -> Any:
    from iacguard_terraform.functions import call

    trees = subtrees(node)
    identifiers = [t for t in trees if t.data == "identifier"]
    name = "::".join(str(t.children[0]) for t in identifiers)
    args_node = next((t for t in trees if t.data == "arguments"), None)
    arg_nodes = subtrees(args_node) if args_node is not None else []
    expand = args_node is not None and any(
        isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children)
    return call(name, arg_nodes, expand, scope)


_HANDLERS: dict[str, Callable[[Tree[Any], Scope], Any]] = {
    "expr_term": _expr_term,
    "identifier": _expr_term,
    "get_attr_expr_term": _expr_term,
    "index_expr_term": _expr_term,
    "full_splat_expr_term": _expr_term,
    "attr_splat_expr_term": _expr_term,
    "literal_value": _literal_value,
    "int_lit": _int_lit,
    "float_lit": _float_lit,
    "string": _string,
    "template_string": _template_string,
    "heredoc_template": _heredoc_node,
    "heredoc_template_trim": _heredoc_node,
    "tuple": _tuple,
    "object": _object,
    "conditional": _conditional,
    "unary_op": _unary,
    "binary_op": _binary,
    "for_tuple_expr": _for,
    "for_object_expr": _for,
    "function_call": _function,
}


# -- templates ------------------------------------------------------------------------------
def _nest(parts: list[Part] | tuple[Part, ...]) -> list[Any]:
    """Flat parts -> a tree of ("seq", ...), ("if", cond, then, else), ("for", ...)."""
    stack: list[tuple[Part | None, list[Any], list[Any] | None]] = [(None, [], None)]
    for part in parts:
        kind = part[0]
        if kind in ("if", "for"):
            stack.append((part, [], None))
        elif kind == "else":
            opener, items, _ = stack[-1]
            if opener is None or opener[0] != "if":
                raise EvalError("%{else} without %{if}")
            stack[-1] = (opener, [], items)
        elif kind in ("endif", "endfor"):
            opener, items, then = stack.pop() if len(stack) > 1 else (None, [], None)
            if opener is None or opener[0] != kind[3:]:
                raise EvalError(f"%{{{kind}}} without its opening directive")
            node: tuple[Any, ...]
            if opener[0] == "if":
                node = ("if", opener[1], then if then is not None else items,
                        items if then is not None else [])
            else:
                node = ("for", opener[1], opener[2], opener[3], items)
            stack[-1][1].append(node)
        else:
            stack[-1][1].append(part)
    if len(stack) != 1:
        raise EvalError("unterminated template directive")
    return stack[0][1]


def render(parts: list[Part] | tuple[Part, ...], scope: Scope) -> Any:
    """A template's value: the bare value for a lone `${x}`, else a string or Unknown."""
    if len(parts) == 1 and parts[0][0] == "interp":
        return evaluate(parts[0][1], scope)
    if all(p[0] == "lit" for p in parts):
        return check_string("".join(p[1] for p in parts))
    return _render_items(_nest(parts), scope)


def _render_items(items: list[Any], scope: Scope) -> Any:
    out: list[str] = []
    size = 0
    unknown: Unknown | None = None

    def add(piece: str) -> None:
        nonlocal size
        size += len(piece)
        if size > MAX_STRING:
            raise LimitExceeded(f"string longer than {MAX_STRING} characters")
        out.append(piece)

    for item in items:
        kind = item[0]
        if kind == "lit":
            add(item[1])
            continue
        if kind == "interp":
            value = plain(evaluate(item[1], scope), scope)
            found = deep_unknown(value)
            if found is not None:
                unknown = found if unknown is None else unknown
                continue
            add(to_str(value))
        elif kind == "if":
            cond = plain(evaluate(item[1], scope), scope)
            if isinstance(cond, Unknown):
                unknown = cond if unknown is None else unknown
                continue
            piece = _render_items(item[2] if to_bool(cond) else item[3], scope)
            if isinstance(piece, Unknown):
                unknown = piece if unknown is None else unknown
                continue
            add(piece)
        elif kind == "for":
            collection = plain(evaluate(item[3], scope), scope)
            if isinstance(collection, Unknown):
                unknown = collection if unknown is None else unknown
                continue
            for key, value in iterate(collection, scope):
                names = {item[2]: value}
                if item[1] is not None:
                    names[item[1]] = key
                piece = _render_items(item[4], scope.child(names))
                if isinstance(piece, Unknown):
                    unknown = piece if unknown is None else unknown
                    break
                add(piece)
    if unknown is not None:
        return unknown
    return "".join(out)
