"""Plain data classes for the start-up path, without importing :mod:`dataclasses`.

``dataclasses`` pulls in ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``):
about 15 ms before ``pstd -p 1 -o pid=`` has read a single file, which is most of
what the whole command may take.  The ps path needs only a few data classes (the
Query, the Environment, the FormatContext), built once per run, so a generic
``__init__`` over the annotated fields is enough.

    @plain
    class Point:
        x: int
        y: int = 0
        tags: list = Factory(list)

Fields are the class's annotations in order; a class attribute is the default, and
:class:`Factory` makes a fresh mutable default per instance.  Instances compare
equal field by field and are unhashable, as ``@dataclass`` instances are.
"""

from __future__ import annotations


class Factory:
    """A default made anew for each instance (``Factory(list)``)."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def plain(cls):
    """Give ``cls`` an ``__init__``, ``__repr__`` and ``__eq__`` over its annotated fields."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):
            if name not in names:
                names.append(name)
    missing = object()
    defaults = {n: getattr(cls, n, missing) for n in names}
    fields = tuple(names)

    def __init__(self, *args, **kwargs):
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes at most {len(fields)} positional arguments")
        values = dict(zip(fields, args))
        for k, v in kwargs.items():
            if k not in defaults:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {k!r}")
            if k in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {k!r}")
            values[k] = v
        for n in fields:
            if n in values:
                v = values[n]
            else:
                v = defaults[n]
                if v is missing:
                    raise TypeError(f"{cls.__name__}() missing required argument {n!r}")
                if type(v) is Factory:
                    v = v.make()
            object.__setattr__(self, n, v)
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def __repr__(self):
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{cls.__name__}({inner})"

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in fields)

    cls.__init__ = __init__
    cls.__repr__ = __repr__
    cls.__eq__ = __eq__
    cls.__hash__ = None
    cls.__record_fields__ = fields
    return cls


def replace(obj, **changes):
    """A copy of ``obj`` with ``changes`` applied (fields not changed are shared)."""
    values = {n: getattr(obj, n) for n in obj.__record_fields__}
    values.update(changes)
    return obj.__class__(**values)
