"""Lucien, the butler bot. Importing the package defers aiogram's type builds (see
``lucien.lazy_types``): the cold start of every function depends on it."""

from lucien.lazy_types import install as _install_lazy_types

_install_lazy_types()
