"""aiogram's Telegram types, built on first use instead of at ``import aiogram``.

``aiogram/types/__init__.py`` ends with a loop that calls ``model_rebuild`` on each of its
~440 types, building every pydantic schema up front: about 80 % of ``import aiogram``
(seconds and ~100 MiB on a small machine), paid on every cold start although an update
touches a few dozen types. The types are already declared ``defer_build=True``; only that
loop forces them.

``install()`` (called from ``lucien/__init__.py``, before anything imports aiogram) puts a
meta-path hook in front of the import of ``aiogram.types``. While that module executes, a
``model_rebuild`` call carrying aiogram's forward-reference namespace is recorded instead
of run; when the module is done, each recorded type gets a ``model_rebuild`` that supplies
that same namespace, so pydantic's own deferred build (triggered by the first validation,
serialisation or schema access) produces exactly the schema the eager loop would have.
Nothing in site-packages changes. ``tests/test_lazy_types.py`` compares every type's
validation and serialisation schema with an eager import, in a fresh interpreter.

The technique relies on pydantic's deferred build and on the shape of aiogram's loop, so
it refuses to run on an aiogram version it was not tested with: the import fails with a
message naming the version. ``LUCIEN_EAGER_AIOGRAM=1`` imports aiogram untouched.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

TESTED_AIOGRAM = frozenset({"3.31.0"})
_TARGET = "aiogram.types"
_METHODS = "aiogram.methods.base"

#: The namespace aiogram's loop passes to ``model_rebuild`` (one dict, shared by all types).
_namespace: dict[str, Any] | None = None
#: Built just before ``Update``, the type every update validates first. Nearly everything
#: an update or a method's result holds reaches ``Message``; a model built while it is
#: incomplete generates its whole graph inline, so ``Update``, ``Response[Message]`` and
#: ``Message`` itself each built it again (the first ``/start`` paid three times). Built
#: first, the others reuse its schema, as the eager loop did (it reaches ``Message`` before
#: ``Update``): about half the building on a cold start's first update. Only before
#: ``Update``: a small type built at import (``LinkPreviewOptions``) must not pay for it,
#: nor a process that never validates an update (the cron).
KEYSTONE = ("Update", "Message")
#: The types whose build was deferred.
deferred: set[type] = set()


class UntestedAiogram(RuntimeError):
    pass


def _check_version() -> None:
    from aiogram.__meta__ import __version__  # the package is mid-import; its meta is not

    if __version__ not in TESTED_AIOGRAM:
        raise UntestedAiogram(
            f"lucien.lazy_types was tested with aiogram {', '.join(sorted(TESTED_AIOGRAM))}, "
            f"found {__version__}: run tests/test_lazy_types.py against it and add it to "
            "TESTED_AIOGRAM, or set LUCIEN_EAGER_AIOGRAM=1"
        )


class _DeferringLoader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        _check_version()
        from pydantic import BaseModel

        original = BaseModel.__dict__["model_rebuild"]
        rebuild = original.__func__

        def recording(cls: Any, **kwargs: Any) -> bool | None:
            namespace = kwargs.get("_types_namespace")
            if (
                namespace is not None
                and cls.__module__.startswith(_TARGET + ".")
                and not (kwargs.get("force"))
            ):
                global _namespace
                if _namespace is None:
                    _namespace = namespace
                elif namespace is not _namespace:
                    raise UntestedAiogram("aiogram.types passed more than one types namespace")
                deferred.add(cls)
                return None
            return rebuild(cls, **kwargs)

        BaseModel.model_rebuild = classmethod(recording)  # type: ignore[assignment,method-assign]
        try:
            self.inner.exec_module(module)
        finally:
            BaseModel.model_rebuild = original  # type: ignore[method-assign]
        if not deferred or _namespace is None:
            raise UntestedAiogram("aiogram.types no longer rebuilds its types at import")
        _complete_module_namespaces(_namespace)
        _install_rebuild(module.TelegramObject, rebuild)


def _complete_module_namespaces(namespace: dict[str, Any]) -> None:
    """Give each ``aiogram.types.*`` module the names of aiogram's rebuild namespace.

    The types name each other under ``TYPE_CHECKING`` only; the eager loop resolved them
    through the namespace. A type that is still unbuilt when another model embeds it
    (``SendMessage`` embeds ``Message``, ``Response[Message]`` too) is resolved by pydantic
    in its own module, so those modules need the names. Only missing names are added; a
    module binding one of them to a different object would change resolution, and stops
    the import instead.
    """
    for name, module in list(sys.modules.items()):
        if not name.startswith(_TARGET + ".") or module is None:
            continue
        globals_ = vars(module)
        clash = [k for k in globals_.keys() & namespace.keys() if globals_[k] is not namespace[k]]
        if clash:
            raise UntestedAiogram(f"{name} binds {', '.join(sorted(clash))} differently")
        globals_.update({k: v for k, v in namespace.items() if k not in globals_})


def _install_rebuild(base: type, rebuild: Any) -> None:
    """Give the deferred types aiogram's namespace whenever pydantic builds them."""

    before, keystone = (
        (_namespace.get(KEYSTONE[0]), _namespace.get(KEYSTONE[1]))
        if _namespace is not None
        else (None, None)
    )

    def model_rebuild(cls: Any, **kwargs: Any) -> bool | None:
        if cls in deferred and kwargs.get("_types_namespace") is None:
            kwargs["_types_namespace"] = _namespace
        if cls is before and keystone is not None and not keystone.__pydantic_complete__:
            keystone.model_rebuild()
        return rebuild(cls, **kwargs)

    base.model_rebuild = classmethod(model_rebuild)  # type: ignore[attr-defined]


class _DeferringMethodsLoader(_DeferringLoader):
    """The ~170 method models (``SendMessage`` …) build their schemas at class creation.

    They are declared without ``defer_build``; setting it on their base before the method
    modules run defers each to its first use. Their annotations are plain module-level
    names, resolved (eagerly and lazily alike) from the module's globals: the rebuild gets
    an empty extra namespace, so the caller's frame never takes part.
    """

    def exec_module(self, module: ModuleType) -> None:
        _check_version()
        self.inner.exec_module(module)
        base = module.TelegramMethod
        if base.model_config.get("defer_build"):
            raise UntestedAiogram("aiogram's TelegramMethod already defers its build")
        base.model_config["defer_build"] = True
        from pydantic import BaseModel

        rebuild = BaseModel.__dict__["model_rebuild"].__func__

        def model_rebuild(cls: Any, **kwargs: Any) -> bool | None:
            if (
                cls.__module__.startswith("aiogram.methods.")
                and kwargs.get("_types_namespace") is None
            ):
                kwargs["_types_namespace"] = {}
            return rebuild(cls, **kwargs)

        base.model_rebuild = classmethod(model_rebuild)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in (_TARGET, _METHODS):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        wrapper = _DeferringLoader if fullname == _TARGET else _DeferringMethodsLoader
        spec.loader = wrapper(spec.loader)  # type: ignore[arg-type]
        return spec


_finder = _Finder()


def install() -> None:
    """Defer the type builds of the next ``import aiogram`` (no-op once it is imported)."""
    if os.environ.get("LUCIEN_EAGER_AIOGRAM") == "1" or _TARGET in sys.modules:
        return
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def build_all() -> int:
    """Build every deferred type now (what the eager import did); returns how many."""
    for cls in sorted(deferred, key=lambda c: c.__name__):
        cls.model_rebuild()  # type: ignore[attr-defined]
    return len(deferred)
