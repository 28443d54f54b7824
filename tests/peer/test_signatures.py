"""framesieve's drop-in classes take every call inference 1.8.3's take: the same parameters
(names, order, kinds, defaults), with additions only after them and optional."""

from __future__ import annotations

import inspect

import pytest
from inference.core.active_learning import middlewares as reference

import framesieve as fs
from framesieve.engine import middleware

CLASSES = ["ActiveLearningMiddleware", "ThreadingActiveLearningMiddleware", "NullActiveLearningMiddleware"]
METHODS = ["init", "init_from_config", "register", "register_batch"]
# API.md and SPEC §7 give init_from_config's `config` a default of None (the reference has
# none: every call of the reference still works; None collects nothing in both).
DOCUMENTED_DEFAULTS = {("init_from_config", "config"): None}


def pairs():
    for cls in CLASSES:
        for method in METHODS:
            if hasattr(getattr(reference, cls), method):
                yield cls, method


@pytest.mark.parametrize(("cls", "method"), list(pairs()))
def test_parameters_match_the_reference_one_by_one(cls, method):
    theirs = list(inspect.signature(getattr(getattr(reference, cls), method)).parameters.values())
    ours = list(inspect.signature(getattr(getattr(fs, cls), method)).parameters.values())
    assert len(ours) >= len(theirs), (cls, method, ours)
    for i, ref in enumerate(theirs):
        got = ours[i]
        assert (got.name, got.kind) == (ref.name, ref.kind), (cls, method, i, got, ref)
        expected = DOCUMENTED_DEFAULTS.get((method, ref.name), ref.default)
        assert got.default == expected, (cls, method, ref.name, got.default, ref.default)
    for extra in ours[len(theirs) :]:
        optional = extra.default is not inspect.Parameter.empty or extra.kind in (
            inspect.Parameter.VAR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        )
        assert optional, (cls, method, extra)


def test_every_reference_method_exists_and_is_bound_the_same_way():
    for cls, method in pairs():
        theirs = inspect.getattr_static(getattr(reference, cls), method)
        ours = inspect.getattr_static(getattr(fs, cls), method)
        assert type(ours) is type(theirs), (cls, method)  # classmethod stays classmethod
    for name in ("start_registration_thread", "stop_registration_thread", "__enter__", "__exit__"):
        for cls in CLASSES:
            assert callable(getattr(getattr(fs, cls), name, None)), (cls, name)


def test_class_relations_are_the_references():
    for ours, theirs in ((fs, reference),):
        assert issubclass(ours.ThreadingActiveLearningMiddleware, ours.ActiveLearningMiddleware)
        assert issubclass(theirs.ThreadingActiveLearningMiddleware, theirs.ActiveLearningMiddleware)
        assert not issubclass(ours.NullActiveLearningMiddleware, ours.ActiveLearningMiddleware)
        assert not issubclass(theirs.NullActiveLearningMiddleware, theirs.ActiveLearningMiddleware)
    assert middleware.MAX_REGISTRATION_QUEUE_SIZE == reference.MAX_REGISTRATION_QUEUE_SIZE


def test_framesieve_is_the_installed_wheel():
    assert "site-packages" in fs.__file__, fs.__file__
