"""The import hook is a guest: it never changes, breaks or takes over another package's import.

Each journey puts small stand-in packages on the path (a framework that fails to import, one
served by a custom finder, one the registration cannot handle) and imports them after
``import activations``.
"""

from __future__ import annotations

from pathlib import Path

from _journey import Journey, run


def _package(root: Path, name: str, code: str) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "__init__.py").write_text(code)


def test_a_framework_import_error_stays_the_framework_s(tmp_path: Path) -> None:
    _package(tmp_path, "keras", "raise ImportError('keras is broken here')\n")
    _package(tmp_path, "torch", "raise RuntimeError('torch is broken here')\n")
    code = """
    import activations, numpy as np
    for name, kind, text in (("keras", ImportError, "keras is broken here"),
                             ("torch", RuntimeError, "torch is broken here")):
        try:
            __import__(name)
        except Exception as exc:
            assert type(exc) is kind and str(exc) == text, repr(exc)
            assert "activations" not in repr(exc)
        else:
            raise AssertionError(name + " imported")
    assert activations.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
    print("ok")
    """
    env = {"PYTHONPATH": str(tmp_path)}
    assert "ok" in run([Journey("broken", code, env=env)])[0].check()


def test_a_lookup_without_import_consumes_nothing(tmp_path: Path) -> None:
    """TensorFlow calls find_spec("keras") while it imports; keras must still be registered
    when it is imported later."""
    _package(
        tmp_path,
        "keras",
        "__version__ = '2.99.0'\n"
        "class _Saving:\n"
        "    objects = {}\n"
        "    def get_custom_objects(self):\n"
        "        return self.objects\n"
        "    def register_keras_serializable(self, package):\n"
        "        def register(cls):\n"
        "            self.objects[package + '>' + cls.__name__] = cls\n"
        "            return cls\n"
        "        return register\n"
        "saving = _Saving()\n",
    )
    code = """
    import importlib.machinery, importlib.util, sys
    import activations
    for _ in range(3):
        assert importlib.util.find_spec("keras") is not None
    assert "keras" not in sys.modules
    import keras
    assert keras.saving.objects.get("activations>Activation") is activations.Activation
    assert keras.__spec__.loader is keras.__loader__
    assert isinstance(keras.__loader__, importlib.machinery.SourceFileLoader), keras.__loader__
    print("ok")
    """
    env = {"PYTHONPATH": str(tmp_path)}
    assert "ok" in run([Journey("find_spec", code, env=env)])[0].check()


def test_a_custom_finder_keeps_serving_its_module() -> None:
    code = """
    import importlib.abc, importlib.util, sys, types, warnings
    import activations

    class Loader(importlib.abc.Loader):
        def create_module(self, spec):
            return None
        def exec_module(self, module):
            module.__version__ = "3.99.0"  # a Keras 3 without what registering needs
            module.served = True

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "keras":
                return importlib.util.spec_from_loader(name, Loader())
            return None

    # after the library's hook and before the path finder (which would find the real keras)
    sys.meta_path.insert(sys.meta_path.index(importlib.machinery.PathFinder), Finder())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import keras
    assert keras.served and isinstance(keras.__loader__, Loader)
    assert keras.__spec__.loader is keras.__loader__
    kinds = [type(w.message).__name__ for w in caught]
    assert kinds == ["ActivationsImportWarning"], [str(w.message) for w in caught]
    assert "could not register itself with keras" in str(caught[0].message)
    print("ok")
    """
    assert "ok" in run([Journey("finder", code)])[0].check()
