"""Reading a notebook's code on the trusted side: what its names are bound to, what a function
uses, and code that tampers with the grader.

What runs in the learner's process cannot be observed from outside, so two questions are
answered by reading the submission's own cells here:

* ``Notebook.follow(name)``: the problems in a function and every top-level name it uses,
  transitively (a library sigmoid by any name, or code the reader cannot follow: a name
  picked at run time with getattr, eval, torch.ops, ...). 02's "sigmoid is written from
  exp" uses it.
* ``Notebook.tampering()``: the first construct anywhere in the notebook that reaches into
  the grader or the running program (imports of ``rnncourse.grading``, gc, frames,
  ``sys.modules``, non-public dunders, code run from strings, a library's function replaced,
  pickles loaded). A notebook with one is not graded (``runner.py``): whatever its functions
  answer could come from code that replaced the grader's side of the sandbox. The self-check
  says the same before a learner submits.

The reader is a policy, not a secret: it holds no solution.
"""

import ast
import builtins

# --- reading the notebook's code (here, never in the learner's process) ------------------
# Whether sigmoid is built from exp cannot be seen in what it returns, and what runs in the
# learner's process cannot be observed from here, so it is judged by reading the code:
# sigmoid and every top-level function or name it uses, transitively. Code that the grader
# cannot follow by reading is refused rather than guessed at.
SAFE_DUNDERS = frozenset({
    "__name__", "__doc__", "__version__", "__init__", "__call__", "__class__", "__len__", "__repr__",
    "__str__", "__iter__", "__next__", "__getitem__", "__contains__", "__enter__", "__exit__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__add__",
    "__sub__", "__mul__", "__truediv__", "__neg__", "__module__", "__qualname__"})
SIGMOID_WORDS = ("sigmoid", "expit", "logistic", "silu", "softmax")  # library sigmoids by any spelling
SIGMOID_NAMES = frozenset({"glu", "GLU", "logits_to_probs", "distributions"})
# in sigmoid's code: names that pick a function by a string, or reach a library's internals
UNFOLLOWED_BUILTINS = frozenset({"getattr", "setattr", "delattr", "eval", "exec", "compile", "__import__",
                                 "globals", "vars", "locals", "breakpoint"})
UNFOLLOWED_ATTRS = frozenset({"ops", "attrgetter", "methodcaller", "itemgetter", "import_module",
                              "getmembers", "getmembers_static", "modules", "load", "loads"})
UNFOLLOWED_MODULES = frozenset({"importlib", "inspect", "gc", "ctypes", "builtins", "pickle", "marshal", "dill",
                                "cloudpickle", "copyreg", "shelve", "runpy", "code", "codeop", "rnncourse"})
# anywhere in the notebook: code that changes a library or the grader, inspects the running
# program, or runs code from strings; with it the grader cannot tell what any function computes
# (setattr, globals() and the like are left alone: honest code uses them, and they reach nothing
# of the grader's without one of the constructs below)
TAMPER_BUILTINS = frozenset({"exec", "eval", "compile", "__import__", "breakpoint"})
TAMPER_ATTRS = frozenset({
    "library", "overrides", "TorchFunctionMode", "TorchDispatchMode", "get_objects", "get_referrers",
    "get_referents", "f_locals", "f_globals", "f_back", "f_builtins", "f_code", "tb_frame", "gi_frame",
    "cr_frame", "ag_frame", "settrace", "setprofile", "currentframe", "walk_stack", "addaudithook"})
TAMPER_MODULES = frozenset({"importlib", "ctypes", "builtins", "pickle", "marshal", "dill", "cloudpickle",
                            "copyreg", "shelve", "runpy", "code", "codeop", "inspect"})
TAMPER_SYS = frozenset({"modules", "meta_path", "path_hooks", "settrace", "setprofile", "_getframe",
                        "addaudithook"})
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _dunder(name):
    return name.startswith("__") and name.endswith("__") and name not in SAFE_DUNDERS


def _sigmoid_like(name):
    return name in SIGMOID_NAMES or any(w in name.lower() for w in SIGMOID_WORDS)


def _root(node):
    """The name an attribute/subscript chain starts from (``torch`` in ``torch.nn.f[0]``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _stored(target):
    """The plain names a target binds (``a, (b, *c) = ...``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for t in target.elts for n in _stored(t)]
    if isinstance(target, ast.Starred):
        return _stored(target.value)
    return []


def _constant(node):
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant(e) for e in node.elts)
    return False


def _own_nodes(body):
    """The nodes of a scope's body, not descending into nested functions, classes or lambdas
    (which are yielded themselves, for their names)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, NESTED):
            stack.extend(ast.iter_child_nodes(node))


def _import_path(node, alias):
    """What an import binds: ``torch.nn.functional`` for ``import torch.nn.functional as F``,
    ``torch`` for ``import torch.nn``, ``torch.special.expit`` for ``from torch.special import expit``."""
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    return "." * node.level + ".".join(p for p in (node.module, alias.name) if p)


def _checking_helper(node, alias) -> bool:
    """Whether an import takes more from ``rnncourse.checks`` than a notebook's check functions
    (``check_*``, ``selfcheck``): the helpers there compute expected answers and named mistakes."""
    if isinstance(node, ast.Import):
        return alias.name == "rnncourse.checks" or alias.name.startswith("rnncourse.checks.")
    module = node.module or ""
    if module == "rnncourse":
        return alias.name == "checks"
    if module == "rnncourse.checks" or module.startswith("rnncourse.checks."):
        return not (alias.name.startswith("check_") or alias.name == "selfcheck")
    return False


def _bound_name(node, alias):
    return alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)


class Binding:
    """One way a top-level name gets its value: ``kind`` is "code" (walk ``node``), "import"
    (``path``) or "opaque" (the grader cannot read what it binds)."""

    def __init__(self, kind, node, cell, path="", certain=False, ordered=True, partial=False):
        self.kind, self.node, self.cell, self.path = kind, node, cell, path
        self.certain, self.ordered = certain, ordered
        self.partial = partial  # a piece of some function's code: its own local names are unknown here


class Notebook:
    """The notebook's code as the grader reads it, cell by cell, with its top-level names."""

    def __init__(self, cells, skipped=()):
        self.cells = {}
        self.trees = []
        for cell in cells:
            try:
                tree = ast.parse(cell.source)
            except (SyntaxError, ValueError):
                continue  # a cell that does not parse does not run either
            self.cells[cell.index] = cell.source.splitlines()
            self.trees.append((cell.index, tree))
        self.skipped = {int(k) for k in skipped}
        self.bindings: dict[str, list[Binding]] = {}
        self.changes: dict[str, list[Binding]] = {}  # name -> code that stores into it (d[k] = f, o.f = g)
        self.star = []
        for index, tree in self.trees:
            self._collect(index, tree)
        self.modules = self._module_names()

    # -- top-level names -----------------------------------------------------------------
    def _bind(self, name, binding):
        self.bindings.setdefault(name, []).append(binding)

    def _collect(self, cell, tree):
        inert = cell not in self.skipped  # no statement so far can stop the cell
        for stmt in tree.body:
            self._statement(cell, stmt, inert)
            inert = inert and (self._certain_def(stmt) or isinstance(stmt, ast.Pass) or (
                isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)))
        for node in ast.walk(tree):  # functions that rebind a top-level name (``global``)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in _own_nodes(node.body):
                    if isinstance(sub, ast.Global):
                        for name in sub.names:
                            self._bind(name, Binding("code", node, cell, ordered=False))
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                self._bind(node.target.id, Binding("code", node.value, cell, ordered=False))
            self._changes(cell, node)

    def _changes(self, cell, node):
        """Code that puts something into an object a name holds: ``d[k] = f``, ``o.f = g``,
        ``d.update(...)`` (followed with the name, unless the name holds a module)."""
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and getattr(node, "value", None):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)) and _root(sub):
                        self.changes.setdefault(_root(sub), []).append(Binding("code", node.value, cell,
                                                                               partial=True))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _root(node.func) \
                and (node.args or node.keywords):
            parts = ast.Tuple(elts=list(node.args) + [k.value for k in node.keywords], ctx=ast.Load())
            self.changes.setdefault(_root(node.func), []).append(Binding("code", ast.copy_location(parts, node),
                                                                         cell, partial=True))

    @staticmethod
    def _certain_def(stmt):
        """A plain ``def`` that cannot fail while it is defined (no decorators, defaults or
        annotations that run code)."""
        if not isinstance(stmt, ast.FunctionDef) or stmt.decorator_list:
            return False
        args = stmt.args
        parts = args.defaults + [d for d in args.kw_defaults if d is not None] + [
            a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]
            if a is not None and a.annotation is not None] + ([stmt.returns] if stmt.returns else [])
        return all(_constant(p) for p in parts)

    def _statement(self, cell, stmt, inert):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._bind(stmt.name, Binding("code", stmt, cell, certain=inert and self._certain_def(stmt)))
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in _stored(target):
                    self._bind(name, Binding("code", stmt.value, cell))
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
            for name in _stored(stmt.target):
                self._bind(name, Binding("code", stmt.value, cell))
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name in _stored(stmt.target):
                self._bind(name, Binding("code", stmt.iter, cell))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                for name in _stored(item.optional_vars) if item.optional_vars is not None else []:
                    self._bind(name, Binding("code", item.context_expr, cell))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name == "*":
                    self.star.append((cell, stmt))
                else:
                    self._bind(_bound_name(stmt, alias), Binding("import", stmt, cell, _import_path(stmt, alias)))
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            for handler in stmt.handlers:
                if handler.name:
                    self._bind(handler.name, Binding("opaque", handler, cell))
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                for sub in ast.walk(case.pattern):
                    name = getattr(sub, "name", None)
                    if isinstance(name, str):
                        self._bind(name, Binding("opaque", sub, cell))
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):  # statements nested at top level
            for sub in getattr(stmt, field, []) if not isinstance(stmt, NESTED) else []:
                if isinstance(sub, (ast.excepthandler, ast.match_case)):
                    for s in sub.body:
                        self._statement(cell, s, False)
                else:
                    self._statement(cell, sub, False)

    def _module_names(self):
        """Top-level names that hold a module or something taken from one (``F``, ``t = torch``)."""
        names = {n for n, bs in self.bindings.items() if any(b.kind == "import" for b in bs)}
        changed = True
        while changed:
            changed = False
            for name, bs in self.bindings.items():
                if name not in names and any(b.kind == "code" and isinstance(b.node, (ast.Attribute, ast.Name,
                                                                                        ast.Subscript))
                                             and _root(b.node) in names for b in bs):
                    names.add(name)
                    changed = True
        return names

    def live(self, name):
        """The bindings of a top-level name that may hold at grading time: all of them, but
        those before the last plain ``def`` that surely ran (functions with ``global`` always)."""
        bs = self.bindings.get(name, [])
        last = max((i for i, b in enumerate(bs) if b.certain), default=None)
        if last is None:
            return bs
        return [b for i, b in enumerate(bs) if i >= last or not b.ordered]

    def where(self, cell, node):
        line = getattr(node, "lineno", 0)
        lines = self.cells.get(cell, [])
        text = lines[line - 1].strip() if 1 <= line <= len(lines) else ""
        text = text if len(text) <= 80 else text[:79] + "…"
        return f"cell {cell}, line {line}: `{text}`" if text else f"cell {cell}"

    # -- what sigmoid's code uses ---------------------------------------------------------
    def follow(self, start):
        """Problems in ``start`` and everything it uses: [("library" | "unfollowed", what, where)]."""
        problems, queue, seen = [], [start], set()
        while queue:
            name = queue.pop(0)
            if name in seen:
                continue
            seen.add(name)
            changes = self.changes.get(name, []) if name not in self.modules else []
            for b in self.live(name) + changes:
                if b.kind == "import":
                    problem = _path_problem(b.path)
                    if problem:
                        problems.append((problem, f"`{b.path}` imported as `{name}`", self.where(b.cell, b.node)))
                elif b.kind == "opaque":
                    problems.append(("unfollowed", f"`{name}` bound by an except or match clause",
                                     self.where(b.cell, b.node)))
                else:
                    walker = _Follow(self, b.cell, b.partial)
                    walker.visit(b.node)
                    problems += walker.problems
                    queue += walker.names
        return problems

    # -- tampering anywhere --------------------------------------------------------------
    def tampering(self):
        """The first construct anywhere in the notebook that changes a library or the grader,
        inspects the running program or runs code from a string, as (what, where); or None."""
        for cell, tree in self.trees:
            walker = _Tamper(self, cell)
            walker.visit(tree)
            if walker.problems:
                return walker.problems[0]
        return None


def _leading_text(node):
    """The text a string expression surely starts with (``"__clo" + x`` -> ``__clo``)."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _path_problem(path):
    """Why sigmoid may not use what ``path`` names (a module or a name imported from one)."""
    parts = [p for p in path.split(".") if p]
    if any(_sigmoid_like(p) for p in parts):
        return "library"
    if not parts or parts[0] in UNFOLLOWED_MODULES or path.startswith(".") \
            or any(p.startswith("_") or p in UNFOLLOWED_ATTRS or p in TAMPER_ATTRS for p in parts):
        return "unfollowed"
    return None


def _function_scope(node, modules):
    """A function's (or lambda's, class body's, comprehension's) own names -> holds a module?"""
    names = {}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None:
                names[a.arg] = False
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        for gen in node.generators:
            for name in _stored(gen.target):
                names[name] = False
        return names
    body = node.body if isinstance(node.body, list) else [node.body]
    outer = set()
    for sub in _own_nodes(body):
        if sub is node:
            continue
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.setdefault(sub.id, False)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                if alias.name != "*":
                    names[_bound_name(sub, alias)] = True
        elif isinstance(sub, NESTED) and not isinstance(sub, ast.Lambda):
            names.setdefault(sub.name, False)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.setdefault(sub.name, False)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            outer.update(sub.names)
        elif isinstance(getattr(sub, "name", None), str) and isinstance(sub, ast.pattern):
            names.setdefault(sub.name, False)
    for sub in _own_nodes(body):  # local aliases of modules: t = torch.nn
        if isinstance(sub, ast.Assign) and isinstance(sub.value, (ast.Attribute, ast.Name, ast.Subscript)):
            root = _root(sub.value)
            if names.get(root) or (root not in names and root in modules):
                for target in sub.targets:
                    for name in _stored(target):
                        names[name] = True
    for name in outer:
        names.pop(name, None)
    return names


class _Scoped(ast.NodeVisitor):
    """A walk that knows which names are local to the function it is in."""

    def __init__(self, notebook, cell):
        self.nb, self.cell, self.scopes, self.problems = notebook, cell, [], []

    def lookup(self, name):
        """None for a top-level name; else whether the local name holds a module."""
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def local(self, name):
        return any(name in scope for scope in self.scopes)

    def module_like(self, name):
        held = self.lookup(name)
        return held if held is not None else (not self.local(name) and name in self.nb.modules)

    def problem(self, kind, what, node):
        self.problems.append((kind, what, self.nb.where(self.cell, node)))

    def _arguments(self, args):
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_FunctionDef(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self._arguments(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self.defines(node)
        self.scopes.append(_function_scope(node, self.nb.modules))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def defines(self, node):
        pass

    def visit_Lambda(self, node):
        self._arguments(node.args)
        self.scopes.append(_function_scope(node, self.nb.modules))
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node):
        for part in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(part)
        self.defines(node)
        self.scopes.append(_function_scope(node, self.nb.modules))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    def _comprehension(self, node):
        self.scopes.append(_function_scope(node, self.nb.modules))
        self.generic_visit(node)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


class _Follow(_Scoped):
    """Reads code sigmoid runs: library sigmoids, what cannot be followed, and the top-level
    names it uses (``names``, followed next)."""

    def __init__(self, notebook, cell, partial=False):
        super().__init__(notebook, cell)
        self.names, self.partial = [], partial

    def visit_Name(self, node):
        name = node.id
        if self.local(name):
            return
        if _dunder(name) or name in UNFOLLOWED_BUILTINS:
            self.problem("unfollowed", f"`{name}`", node)
        elif name in self.nb.bindings:
            self.names.append(name)
        elif isinstance(node.ctx, ast.Load) and not hasattr(builtins, name):
            if _sigmoid_like(name):
                self.problem("library", f"`{name}`", node)
            elif not self.partial:
                self.problem("unfollowed", f"`{name}`, which no def, assignment or import of the notebook "
                             "binds" + (" (it may come from `import *`)" if self.nb.star else ""), node)

    def visit_Attribute(self, node):
        attr = node.attr
        text = ast.unparse(node)
        text = text if len(text) <= 60 else "…" + text[-59:]
        if _sigmoid_like(attr):
            self.problem("library", f"`{text}`", node)
        elif (attr.startswith("_") and attr not in SAFE_DUNDERS) or attr in UNFOLLOWED_ATTRS \
                or attr in TAMPER_ATTRS:
            self.problem("unfollowed", f"`{text}`", node)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            path = _import_path(node, alias) if alias.name != "*" else (getattr(node, "module", "") or "")
            problem = "unfollowed" if alias.name == "*" else _path_problem(path)
            if problem:
                self.problem(problem, f"`{path}`" if alias.name != "*" else f"`from {path} import *`", node)

    visit_ImportFrom = visit_Import


class _Tamper(_Scoped):
    """Finds code that changes a library or the grader, inspects the running program or runs
    code from strings, anywhere in a cell."""

    def defines(self, node):
        if _dunder(node.name):
            self.problem("tamper", f"defines `{node.name}`", node)

    def visit_Name(self, node):
        if self.local(node.id) and node.id not in TAMPER_BUILTINS:
            return
        if node.id in TAMPER_BUILTINS or _dunder(node.id):
            self.problem("tamper", f"uses `{node.id}`", node)

    def visit_Attribute(self, node):
        attr, root = node.attr, _root(node)
        text = ast.unparse(node)
        text = text if len(text) <= 60 else "…" + text[-59:]
        if _dunder(attr) or attr in TAMPER_ATTRS:
            self.problem("tamper", f"uses `{text}`", node)
        elif root is not None and self.module_like(root) and (
                (attr.startswith("_") and attr not in SAFE_DUNDERS)
                or (attr in TAMPER_SYS and self._is(root, "sys"))):
            self.problem("tamper", f"uses `{text}`", node)
        self.generic_visit(node)

    def _is(self, name, module):
        paths = {b.path for b in self.nb.bindings.get(name, []) if b.kind == "import"}
        return name == module or any(p == module or p.startswith(module + ".") for p in paths)

    def _targets(self, targets, value, node):
        """``torch.exp = ...``: a library's attribute replaced (a constant, as in
        ``torch.backends.cudnn.deterministic = True``, changes no function)."""
        for target in targets:
            while isinstance(target, ast.Starred):
                target = target.value
            if isinstance(target, (ast.Tuple, ast.List)):
                self._targets(target.elts, None, node)
            elif isinstance(target, ast.Attribute) and _root(target) is not None \
                    and self.module_like(_root(target)) and not (value is not None and _constant(value)):
                self.problem("tamper", f"assigns to `{ast.unparse(target)}`, part of a library", node)

    def visit_Assign(self, node):
        self._targets(node.targets, node.value, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._targets([node.target], node.value, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets([node.target], None, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._targets(node.targets, None, node)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            path = _import_path(node, alias) if alias.name != "*" else (getattr(node, "module", "") or "")
            parts = [p for p in path.split(".") if p]
            if parts == ["__future__", alias.name]:
                continue
            if not parts or parts[0] in TAMPER_MODULES or path.startswith("rnncourse.grading") \
                    or any(p.startswith("_") or p in TAMPER_ATTRS for p in parts) \
                    or (parts[0] == "sys" and len(parts) > 1 and parts[1] in TAMPER_SYS) \
                    or (parts[0] == "rnncourse" and alias.name == "grading"):
                self.problem("tamper", f"imports `{path}`", node)
            elif _checking_helper(node, alias):
                self.problem("tamper", f"imports `{alias.name}` from the course's checks (they compute the "
                                       "checks' expected answers; only check_* and selfcheck are for notebooks)", node)

    visit_ImportFrom = visit_Import

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr") and len(node.args) > 1 \
                and _leading_text(node.args[1]).startswith("__"):
            self.problem("tamper", f"uses `{node.func.id}` with a name that starts with `__`", node)
        for k in node.keywords:
            if (k.arg == "weights_only" and not (isinstance(k.value, ast.Constant) and k.value.value is True)) \
                    or (k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant)
                                                          and k.value.value is False)):
                self.problem("tamper", f"loads pickled code (`{k.arg}=`)", node)
        self.generic_visit(node)


