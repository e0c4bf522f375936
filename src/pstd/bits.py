"""Named ints for the records' groups and strategies, without the enum module.

``enum`` (with the functools and collections it imports) costs about 3 ms at every start
of ``pstd``: a sixth of a whole ``pstd ax`` on a machine with a few hundred tasks, and
model.py needs two small classes of it.  These give what the project uses of IntFlag and
IntEnum, with their spelling:

- members are instances of their class and ints (``Group.BASE == 1``, hashing as ints);
- ``Cls(value)`` returns the member of that value (a :class:`Flags` class makes an
  instance for any other combination of bits; an :class:`Enum` class raises ValueError);
- ``Cls[name]`` and ``Cls.__members__`` (every name, aliases included), iteration over the class (each
  value once, in definition order; a Flags class: its single bits only), ``.name``,
  ``.value``, ``repr()`` as enum spells it, ``str()`` and ``format()`` as ints;
- on Flags values: ``|``, ``&``, ``^`` (with ints too), ``~`` (up to the highest bit),
  ``in`` (all bits of the left side set) and iteration over the single bits set.

A member is a class attribute whose name does not start with "_" and whose value is an int.
"""

from __future__ import annotations


class _Named(type):
    """The metaclass: turns the int attributes of a class body into members."""

    def __new__(mcls, name, bases, ns):
        cls = super().__new__(mcls, name, bases, dict(ns))
        if not bases or bases[0] is int:  # Flags and Enum themselves
            return cls
        members: dict = {}
        by_value: dict = {}
        canonical: list = []
        for key, value in ns.items():
            if key.startswith("_") or type(value) is not int:
                continue
            member = by_value.get(value)
            if member is None:
                member = int.__new__(cls, value)
                member._name = key
                by_value[value] = member
                if cls._listed(value):
                    canonical.append(member)
            members[key] = member
            type.__setattr__(cls, key, member)
        cls._by_value = by_value
        cls._canonical = tuple(canonical)
        cls.__members__ = members
        cls._mask = 0
        for member in canonical:
            cls._mask |= int(member)
        return cls

    def __iter__(cls):
        return iter(cls._canonical)

    def __len__(cls):
        return len(cls._canonical)

    def __getitem__(cls, name: str):
        return cls.__members__[name]

    def __setattr__(cls, key, value):
        if key in cls.__dict__.get("__members__", ()):
            raise AttributeError(f"cannot reassign member {key!r}")
        super().__setattr__(key, value)


class Flags(int, metaclass=_Named):
    """An IntFlag: any combination of bits is a value of the class."""

    @staticmethod
    def _listed(value: int) -> bool:
        return value > 0 and value & (value - 1) == 0

    def __new__(cls, value=0):
        if type(value) is cls:
            return value
        value = int(value)
        member = cls._by_value.get(value)
        if member is not None:
            return member
        self = int.__new__(cls, value)
        self._name = None
        return self

    @property
    def name(self):
        if self._name is not None:
            return self._name
        v = int(self)
        cls = type(self)
        parts = [m._name for m in cls._canonical if v & m == m]
        if not parts:
            return None
        if v & ~cls._mask:  # bits no member names, as a number after the names
            parts.append(str(v & ~cls._mask))
        return "|".join(parts)

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self) -> str:
        name = self.name
        if name is None:
            return f"<{type(self).__name__}: {int(self)}>"
        return f"<{type(self).__name__}.{name}: {int(self)}>"

    __str__ = int.__repr__
    __format__ = int.__format__

    def __or__(self, other):
        return type(self)(int(self) | int(other)) if isinstance(other, int) else NotImplemented

    def __and__(self, other):
        return type(self)(int(self) & int(other)) if isinstance(other, int) else NotImplemented

    def __xor__(self, other):
        return type(self)(int(self) ^ int(other)) if isinstance(other, int) else NotImplemented

    __ror__, __rand__, __rxor__ = __or__, __and__, __xor__

    def __invert__(self):
        # as IntFlag: every bit up to the highest member's (or the value's own highest) flipped
        cls = type(self)
        v = int(self)
        return cls(((1 << max(cls._mask.bit_length(), v.bit_length())) - 1) ^ v)

    def __contains__(self, other) -> bool:
        o = int(other)
        return int(self) & o == o

    def __iter__(self):
        v = int(self)
        return iter([m for m in type(self)._canonical if v & m == m])

    def __reduce__(self):
        return type(self), (int(self),)


class Enum(int, metaclass=_Named):
    """An IntEnum: only the values the class names."""

    @staticmethod
    def _listed(value: int) -> bool:
        return True

    def __new__(cls, value):
        if type(value) is cls:
            return value
        member = cls._by_value.get(value) if isinstance(value, int) else None
        if member is None:
            raise ValueError(f"{value!r} is not a valid {cls.__name__}")
        return member

    @property
    def name(self) -> str:
        return self._name

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name}: {int(self)}>"

    __str__ = int.__repr__
    __format__ = int.__format__

    def __reduce__(self):
        return type(self), (int(self),)
