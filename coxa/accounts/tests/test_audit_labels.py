"""Every action Coxa records has a label in words (coxa/core/audit_labels.py ACTION_LABELS).

The actions are read from the source: each ``audit.record(action=...)`` call. Where the action
is built (an f-string, a variable), the table below says which values it takes; a new way of
building one fails here until it is added, so no action reaches the audit log unlabelled.
"""

import ast
from collections.abc import Callable
from pathlib import Path

from coxa.core.audit import VIA_LABELS, Via, action_label, via_label
from coxa.core.audit_labels import ACTION_LABELS, AREA_LABELS

COXA = Path(__file__).resolve().parents[2]


def _tree(file: str) -> ast.Module:
    return ast.parse((COXA / file).read_text(encoding="utf-8"))


def _bound(file: str, name: str) -> ast.expr:
    """What a module binds to a name at its top (read, not imported: those apps are above)."""
    for node in _tree(file).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                assert node.value is not None
                return node.value
    raise AssertionError(f"{file} binds no {name}")


def _dict_keys(file: str, name: str) -> list[str]:
    found = _bound(file, name)
    assert isinstance(found, ast.Dict)
    return [k.value for k in found.keys if isinstance(k, ast.Constant)]


def _first_of_each_value(file: str, name: str) -> list[str]:
    found = _bound(file, name)
    assert isinstance(found, ast.Dict)
    return [v.elts[0].value for v in found.values if isinstance(v, ast.Tuple)]  # type: ignore[attr-defined]


def _enum_values(file: str, name: str) -> list[str]:
    (enum,) = (n for n in _tree(file).body if isinstance(n, ast.ClassDef) and n.name == name)
    return [
        node.value.value
        for node in enum.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    ]


def _worklists() -> list[str]:
    """The worklist names given to core.worklists.record_read."""
    return sorted(c for c in _calls("record_read", "worklist") if isinstance(c, str))


# Actions built rather than written out: (file, expression) -> the values it takes.
BUILT: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("surveillance/services/records.py", "f'surveillance.{kind}.strike-out'"): lambda: [
        f"surveillance.{kind}.strike-out"
        for kind in _dict_keys("surveillance/services/records.py", "MODELS")
    ],
    (
        "assessment/services/entries.py",
        "f'assessment.{kind.value}' + ('.correct' if old else '.record')",
    ): lambda: [
        f"assessment.{kind}.{how}"
        for kind in _enum_values("assessment/domain/entries.py", "Kind")
        for how in ("record", "correct")
    ],
    ("core/worklists.py", "f'worklist.{worklist}.list'"): lambda: [
        f"worklist.{name}.list" for name in _worklists()
    ],
    ("surgery/selectors.py", "action"): lambda: _first_of_each_value(
        "surgery/selectors.py", "_COPIES"
    ),
}


def _sources() -> list[tuple[Path, ast.Module]]:
    found = []
    for path in sorted(COXA.rglob("*.py")):
        parts = path.relative_to(COXA).parts
        if "tests" in parts or "migrations" in parts:
            continue
        found.append((path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


SOURCES = _sources()


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's names bound to a string at its top (MARK = "demo.load")."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _calls(function: str, keyword: str) -> list[str | tuple[str, str]]:
    """The values given as ``keyword`` to calls of ``function``.

    Each is a string, or where it is built, (file, expression).
    """
    values: list[str | tuple[str, str]] = []
    for path, tree in SOURCES:
        names = _constants(tree)
        for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            bound = _assigned(scope)
            for node in _own_calls(scope):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else None
                called = called or (node.func.id if isinstance(node.func, ast.Name) else None)
                if called != function:
                    continue
                for given in (k.value for k in node.keywords if k.arg == keyword):
                    values.extend(_read(given, names, bound, str(path.relative_to(COXA))))
    return values


def _own_calls(scope: ast.AST) -> list[ast.Call]:
    """The calls in a module's top or a function's body, not in the functions inside it."""
    found: list[ast.Call] = []
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.Call):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _assigned(scope: ast.AST) -> dict[str, ast.expr]:
    """Names bound once by a plain assignment in a function (action = f"..."), to read on."""
    seen: dict[str, list[ast.expr]] = {}
    if isinstance(scope, ast.FunctionDef):
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(node.value)
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


def _read(
    node: ast.expr, names: dict[str, str], bound: dict[str, ast.expr], where: str
) -> list[str | tuple[str, str]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return [*_read(node.body, names, bound, where), *_read(node.orelse, names, bound, where)]
    if isinstance(node, ast.Name) and node.id in bound:
        return _read(bound[node.id], names, {}, where)
    if isinstance(node, ast.Name) and node.id in names:
        return [names[node.id]]
    return [(where, ast.unparse(node))]


def written_actions() -> tuple[set[str], list[tuple[str, str]]]:
    """Every action the source records, and the built ones this test cannot read."""
    actions: set[str] = set()
    unread: list[tuple[str, str]] = []
    for value in _calls("record", "action"):
        if isinstance(value, str):
            actions.add(value)
        elif value in BUILT:
            actions.update(BUILT[value]())
        else:
            unread.append(value)
    return actions, unread


def test_every_built_action_is_known_here():
    _, unread = written_actions()
    assert not unread, f"say in BUILT (this file) which actions these build: {unread}"


def test_every_action_coxa_records_has_a_label():
    actions, _ = written_actions()
    assert len(actions) > 80  # the scan found the calls
    missing = sorted(actions - ACTION_LABELS.keys())
    assert not missing, f"add to coxa/core/audit_labels.py ACTION_LABELS: {missing}"


def test_every_label_is_of_an_action_coxa_records():
    actions, _ = written_actions()
    stale = sorted(ACTION_LABELS.keys() - actions)
    assert not stale, f"no code records these any longer: {stale}"


def test_labels_are_words():
    for action, label in ACTION_LABELS.items():
        assert label[0].isupper(), action
        assert not any(c in label for c in "._{}"), action


def test_every_area_groups_some_action():
    areas = {action.split(".", 1)[0] for action in ACTION_LABELS}
    assert set(AREA_LABELS) <= areas


def test_an_action_with_no_label_is_spelt_out():
    assert action_label("surveillance.new-thing") == "Surveillance new thing"
    assert action_label("odd_code") == "Odd code"
    assert action_label("") == "Unnamed action"
    assert action_label("patient.view") == "Viewed a patient's record"


def test_where_an_action_came_from_in_words():
    assert {via_label(v) for v in Via} == set(VIA_LABELS.values())
    assert via_label(Via.CLI) == "Command"
    assert via_label("fax-machine") == "Fax machine"
