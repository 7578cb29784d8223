"""Every catalog entry has each piece derived from it, and a missing piece is named.

The catalog (activations/_catalog.py) is the one place that defines an activation; the public
names, the torch modules, the Keras layers, the reference, the generated docs, the gallery and
the README's list follow from it or are checked against it here. Each failure says what to add
and where.
"""

import re
from pathlib import Path

import pytest
from _required import require

import activations as A
from activations import _reference as ref
from activations._catalog import CATALOG

ROOT = Path(__file__).resolve().parent.parent
NAMES = list(CATALOG)
_CATALOG_FILE = "activations/_catalog.py"


def _public_names(name: str) -> list[str]:
    return [name, *CATALOG[name].aliases]


def _spelled_differently(namespace: object, class_name: str) -> str | None:
    """The class of ``namespace`` named like ``class_name`` up to case, if spelled otherwise."""
    for attr in dir(namespace):
        found = attr.lower() == class_name.lower() and attr != class_name
        if found and isinstance(getattr(namespace, attr), type):
            return attr
    return None


@pytest.mark.parametrize("name", NAMES)
def test_public_name(name: str) -> None:
    for public in _public_names(name):
        what = public if public == name else f"{public} (alias of {name})"
        f = getattr(A, public, None)
        assert f is not None, (
            f"{what}: no public name activations.{public}; add it to activations/__init__.py"
        )
        assert f is A.get(name), (
            f"{what}: activations.{public} is not the activation {name}; fix its line in "
            "activations/__init__.py"
        )
        assert public in A.__all__, (
            f"{what}: not in activations.__all__; add {public!r} to __all__ in "
            "activations/__init__.py"
        )


@pytest.mark.parametrize("name", NAMES)
def test_class_name_is_an_unshared_identifier(name: str) -> None:
    class_name = CATALOG[name].class_name
    assert class_name.isidentifier() and class_name[:1].isupper(), (
        f"{name}: class_name {class_name!r} is not a class name; fix class_name in its "
        f"catalog entry ({_CATALOG_FILE})"
    )
    shared = [n for n, s in CATALOG.items() if s.class_name == class_name and n != name]
    assert not shared, (
        f"{name}: class_name {class_name!r} is also {', '.join(shared)}'s; give one of them "
        f"its own class_name in its catalog entry ({_CATALOG_FILE})"
    )


# framework -> (what the class is called, our module, its table, the framework's namespace
# and base class)
_CLASSES = {
    "torch": ("torch module", "activations.torch", "MODULES", "nn", "Module"),
    "keras": ("Keras layer", "activations.keras", "LAYERS", "layers", "Layer"),
}


@pytest.mark.parametrize("framework", sorted(_CLASSES))
@pytest.mark.parametrize("name", NAMES)
def test_class_made_from_the_catalog(name: str, framework: str) -> None:
    import importlib

    fw = require(framework)
    what, module, table, namespace, base = _CLASSES[framework]
    ours = importlib.import_module(module)
    theirs = getattr(fw, namespace)
    class_name = CATALOG[name].class_name
    cls = getattr(ours, class_name, None)
    assert cls is not None and cls is getattr(ours, table).get(name), (
        f"{name}: no {what} class {module}.{class_name}; add class_name to its catalog entry "
        f"({_CATALOG_FILE})"
    )
    assert issubclass(cls, getattr(theirs, base)) and class_name in ours.__all__, (
        f"{name}: {module}.{class_name} is not an exported {framework}.{namespace}.{base}; see "
        f"{module.replace('.', '/')}.py"
    )
    spelled = _spelled_differently(theirs, class_name)
    assert spelled is None, (
        f"{name}: its {what} is {class_name}, {framework}.{namespace} spells it {spelled}; set "
        f"class_name={spelled!r} in its catalog entry ({_CATALOG_FILE})"
    )


@pytest.mark.parametrize("framework", sorted(_CLASSES))
@pytest.mark.parametrize("name", [n for n in NAMES if CATALOG[n].array_params])
def test_an_array_parameter_is_a_learnable_weight(name: str, framework: str) -> None:
    import importlib

    require(framework)
    what, module, table, _, _ = _CLASSES[framework]
    cls = getattr(importlib.import_module(module), table)[name]
    owned = importlib.import_module(module)._WITH_WEIGHTS
    assert owned.get(name) is cls, (
        f"{name}: its parameter {CATALOG[name].array_params[0]} is an array; its {what} must "
        f"own it as a learnable weight: write the class in {module.replace('.', '/')}.py and "
        "list it in _WITH_WEIGHTS there"
    )


@pytest.mark.parametrize("name", NAMES)
def test_reference(name: str) -> None:
    # the reference is keyed by the catalog's name; an entry may reuse another's functions
    assert name in ref._DEFS, (
        f"{name}: no reference; add its value and derivative in mpmath to _DEFS in "
        "activations/_reference.py"
    )
    assert name in ref._LIMITS, (
        f"{name}: no reference limits; add (f(-inf), f(+inf), f'(-inf), f'(+inf)) to _LIMITS "
        "in activations/_reference.py"
    )
    for param in CATALOG[name].partials:
        assert param in ref.partial_names(name), (
            f"{name}: no reference partial derivative for {param}; add it to _PARTIALS in "
            "activations/_reference.py"
        )


@pytest.mark.parametrize("name", NAMES)
def test_generated_docs(name: str) -> None:
    regenerate = "run: python -m activations._doctable --write"
    page = (ROOT / "docs" / "activations.md").read_text()
    section = re.search(rf"^## `{name}`\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    assert section, f"{name}: no section in docs/activations.md; {regenerate}"
    class_name = CATALOG[name].class_name
    row = f"`activations.torch.{class_name}`, `activations.keras.{class_name}`"
    assert row in section[1], (
        f"{name}: docs/activations.md does not name its module and layer {class_name}; {regenerate}"
    )
    conventions = (ROOT / "docs" / "conventions.md").read_text()
    assert f"\n| `{name}`" in conventions, (
        f"{name}: no row in the catalog table of docs/conventions.md; {regenerate}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_gallery(name: str) -> None:
    redraw = "run: python -m activations plot --gallery docs/gallery"
    assert (ROOT / "docs" / "gallery" / f"{name}.png").is_file(), (
        f"{name}: no picture docs/gallery/{name}.png; {redraw}"
    )
    assert f"![{name}](gallery/{name}.png)" in (ROOT / "docs" / "gallery.md").read_text(), (
        f"{name}: docs/gallery.md does not show it; {redraw}"
    )


def _readme_list() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^The catalog: .*?(?=\n\n)", readme, re.M | re.S)
    assert found, "README.md has no paragraph 'The catalog: ...' listing the activations"
    return found[0]


@pytest.mark.parametrize("name", NAMES)
def test_readme_lists_it(name: str) -> None:
    listed = _readme_list()
    for public in _public_names(name):
        what = public if public == name else f"{public} (alias of {name})"
        assert f"`{public}`" in listed, (
            f"{what}: not in the README's list of activations; add `{public}` to the paragraph "
            "'The catalog: ...' in README.md"
        )
