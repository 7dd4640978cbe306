"""Evaluating Terraform expressions (Lark trees or `.tf.json` values) to plain data.

Values are Python data: None, bool, int, float, str, list, dict, `Unknown`, plus
`ObjRef`s (resource and module instances) that evaluate their attributes lazily and
record a reference when they are accessed. Anything that cannot be known before apply
is `Unknown(reason)` and propagates through operators, templates and functions.
Errors that Terraform would report are `EvalError`s; nothing from the input is run.
What values mean (conversions, equality, limits) is `semantics`; the built-ins are
`functions`, applied here to arguments evaluated here (`try`, `can` and templates need the
evaluator, so they live here too). Names are resolved by a `Resolver` (a module instance).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

from lark import Token, Tree

from iacguard.model import Provenance
from iacguard.values import Unknown
from iacguard_builtin.terraform import functions
from iacguard_builtin.terraform.hcl import (
    HclSyntaxError,
    JsonExpr,
    Part,
    heredoc_parts,
    parse_template,
    string_parts,
    unescape,
)
from iacguard_builtin.terraform.semantics import (
    MAX_STRING,
    Budget,
    EvalError,
    LimitExceeded,
    ObjRef,
    check_mass,
    check_string,
    compare,
    deep_unknown,
    first_unknown,
    iterate,
    norm_number,
    number,
    plain,
    to_bool,
    to_str,
    touch,
    type_name,
)


class EvalState(Protocol):
    """What one root module's evaluation shares with the evaluator."""

    budget: Budget

    def read_file(self, path: str, probe: bool = False) -> str | Unknown | None: ...


class Resolver(Protocol):
    """Resolves the names of one module instance (`var.x`, `module.m`, `aws_vpc.main`)."""

    @property
    def state(self) -> EvalState: ...

    def variable(self, name: str, scope: Scope) -> Any: ...

    def local(self, name: str, scope: Scope) -> Any: ...

    def module(self, name: str, scope: Scope) -> Any: ...

    def data(self, type_: str, name: str, scope: Scope) -> ObjRef | None: ...

    def resource(self, type_: str, name: str, scope: Scope) -> Any: ...

    def path(self, name: str) -> Any: ...


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


# Parse trees are never mutated once parsed (they are shared between the roots, and the
# edits, that read the same block text), so what is derived from a node's shape alone is
# kept on the node itself: it lives and dies with the node and cannot go stale.
_SUBTREES = "_iacguard_subtrees"
_FLAT = "_iacguard_flat"
_PARTS = "_iacguard_parts"  # a node's own evaluation plan (operator, function name, ...)


def _plan(node: Tree[Any], make: Callable[[Tree[Any]], Any]) -> Any:
    """What `make` derives from the node's shape, made once per node."""
    cached = node.__dict__.get(_PARTS)
    if cached is None:
        cached = make(node)
        node.__dict__[_PARTS] = cached
    return cached


def subtrees(node: Tree[Any]) -> list[Any]:
    """Child trees without the newline/comment filler (shared: never mutate the list)."""
    cached: list[Any] | None = node.__dict__.get(_SUBTREES)
    if cached is None:
        cached = [c for c in node.children
                  if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        node.__dict__[_SUBTREES] = cached
    return cached


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
    """(root, steps): root is a name (str) or an expression tree (shared: never mutate the
    steps)."""
    if not isinstance(node, Tree):
        return node, []
    cached: tuple[Any, list[Step]] | None = node.__dict__.get(_FLAT)
    if cached is None:
        cached = _flatten(node)
        node.__dict__[_FLAT] = cached
    return cached


def _flatten(node: Tree[Any]) -> tuple[Any, list[Step]]:
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
    names = scope.names
    if root in names:
        origins = scope.origins.get(root)
        if origins:
            scope.vars.extend(origins)
        return apply_steps(names[root], steps, scope) if steps else names[root]
    resolver = scope.resolver
    # the reference's text is only made for a message or an Unknown's reason
    if root in _ONE_NAME:
        if not steps or steps[0][0] != "attr":
            raise EvalError(f"invalid reference {reference_text(root, steps)}")
        name = steps[0][1]
        if root == "var":
            value = resolver.variable(name, scope)
        elif root == "local":
            value = resolver.local(name, scope)
        elif root == "module":
            value = resolver.module(name, scope)
        elif root == "path":
            value = resolver.path(name)
        else:  # terraform
            return "default" if name == "workspace" else Unknown(reference_text(root, steps))
        return apply_steps(value, steps[1:], scope) if len(steps) > 1 else value
    if root == "data":
        if len(steps) < 2 or steps[0][0] != "attr" or steps[1][0] != "attr":
            raise EvalError(f"invalid reference {reference_text(root, steps)}")
        found = resolver.data(steps[0][1], steps[1][1], scope)
        if found is None:
            return Unknown(reference_text(root, steps))
        return apply_steps(found, steps[2:], scope)
    if root in ("count", "each", "self"):
        raise EvalError(f"{root} is not available here ({reference_text(root, steps)})")
    if steps and steps[0][0] == "attr":
        value = resolver.resource(root, steps[0][1], scope)
        if value is not None:
            return apply_steps(value, steps[1:], scope)
        # Snippets often reference what they do not declare: unknown, not an error.
        return Unknown(f"{reference_text(root, steps)} (not declared)")
    raise EvalError(f"unknown name {root!r}")


_ONE_NAME = frozenset({"var", "local", "module", "path", "terraform"})


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
    return render(_plan(node, _string_parts), scope)


def _string_parts(node: Tree[Any]) -> tuple[Part, ...]:
    return tuple(string_parts(node))


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


def _binary_parts(node: Tree[Any]) -> tuple[Any, str, Any]:
    lhs_node, term = subtrees(node)[:2]
    op_node, rhs_node = subtrees(term)[:2]
    return lhs_node, str(op_node.children[0]).strip(), rhs_node


def _binary(node: Tree[Any], scope: Scope) -> Any:
    lhs_node, op, rhs_node = _plan(node, _binary_parts)
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
    comparison = _COMPARISONS.get(op)
    if comparison is not None:
        return comparison(a, b)
    raise EvalError(f"unknown operator {op}")


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda x, y: x < y, ">": lambda x, y: x > y,
    "<=": lambda x, y: x <= y, ">=": lambda x, y: x >= y,
}


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


def _for_plan(node: Tree[Any]) -> tuple[Any, ...]:
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    return (*_for_parts(node), grouping)


def _for(node: Tree[Any], scope: Scope) -> Any:
    key_name, value_name, collection_node, bodies, cond, grouping = _plan(node, _for_plan)
    collection = evaluate(collection_node, scope)
    if isinstance(collection, Unknown):
        return collection
    is_object = node.data == "for_object_expr"
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


def _function_parts(node: Tree[Any]) -> tuple[str, list[Any], bool]:
    trees = subtrees(node)
    identifiers = [t for t in trees if t.data == "identifier"]
    name = "::".join(str(t.children[0]) for t in identifiers)
    args_node = next((t for t in trees if t.data == "arguments"), None)
    arg_nodes = subtrees(args_node) if args_node is not None else []
    expand = args_node is not None and any(
        isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children)
    return name, arg_nodes, expand


def _function(node: Tree[Any], scope: Scope) -> Any:
    name, arg_nodes, expand = _plan(node, _function_parts)
    return call(name, arg_nodes, expand, scope)


# -- function calls ---------------------------------------------------------------------------
def call(name: str, arg_nodes: list[Any], expand: bool, scope: Scope) -> Any:
    """A function call: arguments evaluated here, the built-in applied by `functions`."""
    if name == "try":
        return _try(arg_nodes, scope)
    if name == "can":
        return _can(arg_nodes, scope)
    entry = functions.builtin(name)
    strict = entry is None or entry[1]
    # Collection functions keep resource objects inside lists and maps lazy, so that
    # `values(aws_subnet.x)[*].id` still reaches the computed `id` of each instance.
    args = [_argument(evaluate(node, scope), scope, strict) for node in arg_nodes]
    if expand and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return last
        if not isinstance(last, list):
            raise EvalError(f"cannot expand a {type_name(last)} into arguments")
        args.extend(last)
    if name in functions.FILE_FUNCTIONS:
        def template(content: str, variables: Any, fn: str) -> Any:
            return _render_template(content, variables, scope, fn)

        return functions.file_function(name, args, scope.resolver.state, template)
    if name == "templatestring":
        if len(args) != 2:
            raise EvalError("templatestring() takes a template and a map of variables")
        unknown = deep_unknown(args)
        return unknown if unknown is not None else _render_template(to_str(args[0]), args[1], scope)
    if entry is None:
        return Unknown(f"function {name}() is not evaluated")
    func = entry[0]
    unknown = deep_unknown(args) if strict else first_unknown(*args)
    if unknown is not None:
        return unknown
    check_mass(args, f"the arguments of {name}()")
    try:
        result = func(*args)
    except TypeError as exc:
        raise EvalError(f"{name}(): {exc}") from None
    if isinstance(result, str):
        check_string(result)
    elif isinstance(result, (list, dict)):
        check_mass(result, f"the result of {name}()")
    return result


def _argument(value: Any, scope: Scope, strict: bool) -> Any:
    if strict:
        return plain(value, scope)
    touch(value, scope)
    return value.materialise(scope) if isinstance(value, ObjRef) else value


def _try(arg_nodes: list[Any], scope: Scope) -> Any:
    for node in arg_nodes:
        trial = scope.fresh()
        try:
            value = evaluate(node, trial)
            touch(value, trial)
        except LimitExceeded:
            raise
        except EvalError:
            continue
        scope.refs.update(trial.refs)
        scope.vars.extend(trial.vars)
        return value
    raise EvalError("no expression given to try() could be evaluated")


def _can(arg_nodes: list[Any], scope: Scope) -> Any:
    if len(arg_nodes) != 1:
        raise EvalError("can() takes one argument")
    try:
        value = plain(evaluate(arg_nodes[0], scope), scope)
    except LimitExceeded:
        raise
    except EvalError:
        return False
    if isinstance(value, Unknown):
        return value
    return True


def _render_template(content: str, variables: Any, scope: Scope, fn: str = "templatestring()") -> Any:
    if not isinstance(variables, dict):
        raise EvalError(f"{fn}: variables must be a map")
    try:
        parts = parse_template(content)
    except HclSyntaxError as exc:
        raise EvalError(f"{fn}: {exc}") from None
    # Templates only see their own variables (Terraform gives them no other names).
    return render(parts, Scope(scope.resolver, dict(variables), scope.refs, scope.vars))


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
