# _ilf_harness, part 1 of 2: exceptions, framing and the value codec shared by U and E.
#
# The sandbox helper embeds this file and sandbox/harness.py, concatenated in that order, as one
# module (sandbox/CMakeLists.txt); harness.py has the theory of operation and the entry points.
# Values crossing between U and E are plain data in the codec below: builtin types, and the stdlib
# and numpy value types that compare by value (Fraction, Decimal, deque, date/time/datetime/
# timedelta, numeric numpy arrays and scalars), rebuilt by the receiver from their fields; the
# program's value classes whose equality is known code (dataclass, named tuple, Counter, Enum; see
# _value_class_of), rebuilt by E with classes it makes; anything else is an opaque handle that E
# wraps in a RemoteRef whose equality is identity.
import builtins
import collections
import dataclasses
import datetime
import enum
import decimal
import fractions
import gc
import json
import os
import re
import struct
import sys
import time

MAX_DEPTH = 200             # nesting of one encoded value
MAX_ITEMS = 20_000_000      # elements (scalars and containers) in one message
MAX_FRAME = 256 << 20       # bytes in one message
MAX_TEXT = 2000             # characters of an exception message kept

_PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes)


class ProgramError(Exception):
    """An exception raised by the program whose type is not a builtin exception."""


class ProgramDied(BaseException):
    """The untrusted process is gone (exited, killed, or broke the protocol)."""


# ---------------------------------------------------------------------------------------------
# Framing: 4-byte little-endian length, then the payload.

def _read_exact(fd, n):
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ProgramDied('the program closed its channel')
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


def _recv(fd, limit=MAX_FRAME):
    (n,) = struct.unpack('<I', _read_exact(fd, 4))
    if n > min(limit, MAX_FRAME):
        raise ProgramDied('message of %d bytes exceeds the %d byte limit' % (n, min(limit, MAX_FRAME)))
    return _read_exact(fd, n)


def _send(fd, payload):
    data = struct.pack('<I', len(payload)) + payload
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# ---------------------------------------------------------------------------------------------
# Codec. `to_handle(obj)` turns a non-plain object into an int (U side); `from_handle(int)` turns a
# handle back into an object (RemoteRef on the E side, the real object on the U side).

class _Encoder:
    def __init__(self, to_handle):
        self.out = bytearray()
        self.items = 0
        self.to_handle = to_handle
        self.as_builtin = None  # predicate: objects sent by builtin name

    def value(self, obj, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError('value nested deeper than %d' % MAX_DEPTH)
        self.items += 1
        if self.items > MAX_ITEMS:
            raise ValueError('value has more than %d elements' % MAX_ITEMS)
        out = self.out
        t = type(obj)
        if obj is None:
            out += b'N'
        elif t is bool:
            out += b'T' if obj else b'F'
        elif t is int:
            if -(1 << 63) <= obj < (1 << 63):
                out += b'i' + struct.pack('<q', obj)
            else:
                raw = obj.to_bytes((obj.bit_length() + 8) // 8, 'little', signed=True)
                out += b'I' + struct.pack('<I', len(raw)) + raw
        elif t is float:
            out += b'f' + struct.pack('<d', obj)
        elif t is complex:
            out += b'c' + struct.pack('<dd', obj.real, obj.imag)
        elif t is str:
            raw = obj.encode('utf-8', 'surrogatepass')
            out += b's' + struct.pack('<I', len(raw)) + raw
        elif t is bytes:
            out += b'b' + struct.pack('<I', len(obj)) + obj
        elif t is list or t is tuple or t is set or t is frozenset:
            tag = {list: b'l', tuple: b't', set: b'S', frozenset: b'Z'}[t]
            out += tag + struct.pack('<I', len(obj))
            for item in obj:
                self.value(item, depth + 1)
        elif t is dict:
            out += b'd' + struct.pack('<I', len(obj))
            for key, item in obj.items():
                self.value(key, depth + 1)
                self.value(item, depth + 1)
        elif t in _REBUILT:  # E sends a rebuilt value class back as the program's own object
            out += b'h' + struct.pack('<I', self.to_handle(_rebuilt_ref(obj)))
        elif self.value_type(obj, t, depth) or self.value_class(obj, t, depth):
            pass
        elif self.as_builtin is not None and self.as_builtin(obj):
            raw = obj.__name__.encode()
            out += b'B' + struct.pack('<I', len(raw)) + raw
        else:
            plain = _as_plain(obj)
            if plain is not _NOT_PLAIN:
                self.value(plain, depth)
                self.items -= 1
            else:
                out += b'h' + struct.pack('<I', self.to_handle(obj))


    def value_class(self, obj, t, depth):
        """The program's value classes whose equality is known code (see _value_class_of):
        dataclass, named tuple, Counter, Enum member; also sent as a handle for other access."""
        kind = _value_class_of(t)
        if kind is None:
            return False
        if kind == b'C':
            keys = list(dict.__iter__(obj))
            self.out += b'C' + struct.pack('<I', len(keys))
            for key in keys:
                self.value(key, depth + 1)
                self.value(dict.__getitem__(obj, key), depth + 1)
            return True
        self.out += kind
        self.text(b's', '%s:%s' % (t.__module__, t.__qualname__))
        if kind == b'V':
            names = tuple(f.name for f in _compared_fields(_eq_owner(t)))
            params = _eq_owner(t).__dict__['__dataclass_params__']
            self.value((bool(params.frozen), bool(params.unsafe_hash), names), depth + 1)
            self.value(tuple(object.__getattribute__(obj, n) for n in names), depth + 1)
        elif kind == b'n':
            self.value(tuple(t._fields), depth + 1)
            self.value(tuple(tuple.__iter__(obj)), depth + 1)
        else:  # b'E'
            self.value((), depth + 1)
            self.value((str(obj._name_), obj._value_), depth + 1)
        self.out += struct.pack('<I', self.to_handle(obj))
        return True

    def text(self, tag, text):
        raw = text.encode('utf-8', 'surrogatepass')
        self.out += tag + struct.pack('<I', len(raw)) + raw

    def value_type(self, obj, t, depth):
        """Stdlib and numpy types that compare by value; False for anything else."""
        out = self.out
        if issubclass(t, collections.OrderedDict):
            # Its equality with another OrderedDict is order-sensitive, and its order is its own
            # (move_to_end does not reorder the underlying dict): crosses as an OrderedDict, in
            # OrderedDict's order, read through the base class's methods.
            keys = list(collections.OrderedDict.__iter__(obj))
            out += b'O' + struct.pack('<I', len(keys))
            for key in keys:
                self.value(key, depth + 1)
                self.value(dict.__getitem__(obj, key), depth + 1)
        elif issubclass(t, fractions.Fraction):
            out += b'q'
            self.value(int(obj.numerator), depth + 1)
            self.value(int(obj.denominator), depth + 1)
        elif issubclass(t, decimal.Decimal):
            self.text(b'D', decimal.Decimal.__str__(obj))
        elif issubclass(t, collections.deque):
            items = list(collections.deque.__iter__(obj))
            out += b'Q'
            self.value(obj.maxlen, depth + 1)
            out += struct.pack('<I', len(items))
            for item in items:
                self.value(item, depth + 1)
        elif issubclass(t, (datetime.date, datetime.time, datetime.timedelta)):
            fields = _time_fields(obj)
            if fields is None:
                return False
            out += b'W' + fields[0]
            self.value(fields[1], depth + 1)
        elif t.__module__ == 'numpy':
            numpy = sys.modules.get('numpy')
            if numpy is None:
                return False
            if isinstance(obj, numpy.ndarray):
                if obj.dtype.kind not in 'biufc' or obj.dtype.hasobject or obj.ndim > 32:
                    return False
                self.text(b'A', obj.dtype.str)
                self.value(tuple(int(n) for n in obj.shape), depth + 1)
                raw = numpy.ascontiguousarray(obj).tobytes()
                out += struct.pack('<I', len(raw)) + raw
            elif isinstance(obj, numpy.generic):
                item = obj.item()  # the Python scalar numpy itself compares it as
                if type(item).__module__ == 'numpy':
                    return False
                self.value(item, depth)
                self.items -= 1
            else:
                return False
        else:
            return False
        return True


# ---------------------------------------------------------------------------------------------
# The program's value classes. The rule: a class crosses by value only when the code that decides
# its equality is code we know, read from the class's MRO (never isinstance/__class__):
#   V  a dataclass whose __eq__ (the first in its MRO) is dataclasses' generated one: its code
#      object equals the __eq__ dataclasses makes for the same compared fields, today;
#   n  a named tuple (tuple subclass with _fields) whose __eq__ is tuple's;
#   C  a Counter whose __eq__ is Counter's;
#   E  an Enum member whose __eq__ is object's (identity).
# E rebuilds each with classes it makes itself (dataclasses.make_dataclass, collections.namedtuple,
# Counter, a cached member token), so the equality E runs is its own; a value a program forges
# (fake __dataclass_fields__, custom __eq__) fails the check and crosses as a handle (identity).

_REFERENCE_EQ = {}  # compared field names -> code of dataclasses' generated __eq__


def _eq_owner(t):
    for klass in t.__mro__:
        if '__eq__' in klass.__dict__:
            return klass
    return object


def _compared_fields(klass):
    fields = klass.__dict__['__dataclass_fields__']
    return [f for f in dict.values(fields)
            if f._field_type is dataclasses._FIELD and f.compare]


def _is_generated_dataclass_eq(klass):
    params = klass.__dict__.get('__dataclass_params__')
    if type(params) is not dataclasses._DataclassParams or not params.eq or \
            type(klass.__dict__.get('__dataclass_fields__')) is not dict:
        return False
    fields = klass.__dict__['__dataclass_fields__']
    if not all(type(f) is dataclasses.Field and type(f.name) is str and f.name.isidentifier()
               for f in dict.values(fields)):
        return False
    names = tuple(f.name for f in _compared_fields(klass))
    reference = _REFERENCE_EQ.get(names)
    if reference is None:
        made = dataclasses.make_dataclass('R', names)
        reference = _REFERENCE_EQ[names] = made.__dict__['__eq__'].__code__
    function = klass.__dict__['__eq__']
    return type(function) is type(_eq_owner) and function.__code__ == reference and \
        function.__closure__ is None


def _value_class_of(t):
    """The tag a program class crosses by value under, or None."""
    try:
        owner = _eq_owner(t)
        if issubclass(t, collections.Counter):
            return b'C' if owner is collections.Counter else None
        if issubclass(t, tuple):
            fields = getattr(t, '_fields', None)
            if owner is tuple and type(fields) is tuple and \
                    all(type(n) is str and n.isidentifier() for n in fields):
                return b'n'
            return None
        if isinstance(t, enum.EnumMeta) and issubclass(t, enum.Enum):
            return b'E' if owner is object else None
        if '__dataclass_fields__' in owner.__dict__ and _is_generated_dataclass_eq(owner):
            return b'V'
    except Exception:
        return None
    return None


_REBUILT = set()  # classes E made for the program's value classes
_MADE = {}        # (tag, qualified name, shape) -> the class or member E made


def _rebuilt_ref(obj):
    return object.__getattribute__(obj, '_ilf_ref')


def _forwarding(name):
    def __getattr__(self, attr):  # fields are E's; anything else (methods...) is asked of U
        if attr.startswith('__') or attr == '_ilf_ref':
            raise AttributeError(attr)
        return getattr(object.__getattribute__(self, '_ilf_ref'), attr)
    __getattr__.__qualname__ = name + '.__getattr__'
    return __getattr__


def _rebuild_class(tag, decoder, depth):
    qualname = decoder.value(depth + 1)
    shape = decoder.value(depth + 1)
    values = decoder.value(depth + 1)
    ref = decoder.from_handle(struct.unpack('<I', decoder.take(4))[0])
    if type(qualname) is not str or type(values) is not tuple:
        raise ValueError('malformed value class')
    key_name, qualname = qualname, qualname.rpartition(':')[2]
    short = qualname.rpartition('.')[2]
    if not short.isidentifier():
        raise ValueError('malformed class name')
    if tag == b'E':
        if type(values) is not tuple or len(values) != 2 or type(values[0]) is not str:
            raise ValueError('malformed enum member')
        key = (tag, key_name, values[0])
        member = _MADE.get(key)
        if member is None:
            klass = _MADE.get((tag, key_name))
            if klass is None:
                klass = _MADE[(tag, key_name)] = type(short, (), {
                    '__slots__': ('name', 'value', '_ilf_ref'), '__qualname__': qualname,
                    '__repr__': lambda self: '<%s.%s>' % (short, self.name),
                    '__getattr__': _forwarding(qualname)})
                _REBUILT.add(klass)
            member = _MADE[key] = object.__new__(klass)
            member.name, member.value, member._ilf_ref = values[0], values[1], ref
        return member
    if type(shape) is not tuple:
        raise ValueError('malformed value class')
    if tag == b'n':
        names = shape
        if len(names) != len(values) or \
                not all(type(n) is str and n.isidentifier() and not n.startswith('_') for n in names):
            raise ValueError('malformed named tuple')
        klass = _MADE.get((tag, key_name, names))
        if klass is None:
            base = collections.namedtuple(short, names)
            klass = _MADE[(tag, key_name, names)] = type(short, (base,), {
                '__qualname__': qualname, '__getattr__': _forwarding(qualname)})
            _REBUILT.add(klass)
        result = klass(*values)
        object.__setattr__(result, '_ilf_ref', ref)
        return result
    if len(shape) != 3 or type(shape[0]) is not bool or type(shape[1]) is not bool or \
            type(shape[2]) is not tuple:
        raise ValueError('malformed dataclass')
    frozen, unsafe_hash, names = shape
    if len(names) != len(values) or \
            not all(type(n) is str and n.isidentifier() and n != '_ilf_ref' for n in names):
        raise ValueError('malformed dataclass')
    key = (tag, key_name, shape)
    klass = _MADE.get(key)
    if klass is None:
        klass = dataclasses.make_dataclass(
            short, list(names) + [('_ilf_ref', object, dataclasses.field(
                default=None, compare=False, repr=False))], frozen=frozen, unsafe_hash=unsafe_hash,
            namespace={'__getattr__': _forwarding(qualname)})
        klass.__qualname__ = qualname
        _MADE[key] = klass
        _REBUILT.add(klass)
    result = object.__new__(klass)
    for name, value in zip(names, values):
        object.__setattr__(result, name, value)
    object.__setattr__(result, '_ilf_ref', ref)
    return result


def _time_fields(obj):
    """(kind, fields) of a date, time, datetime or timedelta; None with a non-fixed tzinfo."""
    if isinstance(obj, datetime.timedelta):
        return b'r', (obj.days, obj.seconds, obj.microseconds)
    tz = obj.tzinfo if isinstance(obj, (datetime.datetime, datetime.time)) else None
    if tz is not None and type(tz) is not datetime.timezone:
        return None
    offset = None
    if tz is not None:
        delta = tz.utcoffset(None)
        offset = (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    if isinstance(obj, datetime.datetime):
        return b'T', (obj.year, obj.month, obj.day, obj.hour, obj.minute, obj.second,
                      obj.microsecond, obj.fold, offset)
    if isinstance(obj, datetime.date):
        return b'd', (obj.year, obj.month, obj.day)
    return b't', (obj.hour, obj.minute, obj.second, obj.microsecond, obj.fold, offset)


_DTYPE = re.compile(r'[<>|=][biufc][0-9]{1,2}')


def _rebuild(tag, decoder, depth):
    """The value of a value-type tag (see _Encoder.value_type); ValueError when malformed."""
    try:
        if tag == b'q':
            numerator, denominator = decoder.value(depth + 1), decoder.value(depth + 1)
            if type(numerator) is not int or type(denominator) is not int or denominator <= 0:
                raise ValueError('malformed Fraction')
            return fractions.Fraction(numerator, denominator)
        if tag == b'D':
            return decimal.Decimal(decoder.take(decoder.length()).decode('ascii'))
        if tag == b'Q':
            maxlen = decoder.value(depth + 1)
            if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
                raise ValueError('malformed deque maxlen')
            items = [decoder.value(depth + 1) for _ in range(decoder.count())]
            return collections.deque(items, maxlen)
        if tag == b'W':
            kind = decoder.take(1)
            fields = decoder.value(depth + 1)
            if type(fields) is not tuple or not all(type(f) is int for f in fields[:8]):
                raise ValueError('malformed date/time fields')
            if kind == b'r' and len(fields) == 3:
                return datetime.timedelta(*fields)
            if kind == b'd' and len(fields) == 3:
                return datetime.date(*fields)
            if kind == b'T' and len(fields) == 9:
                return datetime.datetime(*fields[:7], tzinfo=_timezone(fields[8]), fold=fields[7])
            if kind == b't' and len(fields) == 6:
                return datetime.time(*fields[:4], tzinfo=_timezone(fields[5]), fold=fields[4])
            raise ValueError('malformed date/time')
        if tag == b'A':
            dtype = decoder.take(decoder.length()).decode('ascii')
            shape = decoder.value(depth + 1)
            raw = decoder.take(decoder.length())
            if not _DTYPE.fullmatch(dtype) or type(shape) is not tuple or len(shape) > 32 or \
                    not all(type(n) is int and n >= 0 for n in shape):
                raise ValueError('malformed array header')
            import numpy
            array = numpy.frombuffer(raw, dtype=numpy.dtype(dtype))
            if array.dtype.hasobject or array.size != _product(shape):
                raise ValueError('array data does not match its shape')
            return array.reshape(shape).copy()
    except ValueError:
        raise
    except (TypeError, OverflowError, ArithmeticError, UnicodeDecodeError, ImportError) as exc:
        raise ValueError('malformed %s value: %s' % (tag, exc)) from None
    raise ValueError('unknown tag %r' % tag)


def _timezone(offset_us):
    if offset_us is None:
        return None
    if type(offset_us) is not int:
        raise ValueError('malformed utc offset')
    return datetime.timezone(datetime.timedelta(microseconds=offset_us))


def _product(numbers):
    result = 1
    for n in numbers:
        result *= n
    return result


# Other instances of subclasses of builtin types (defaultdict, an int subclass, a Counter or named
# tuple with its own __eq__...) cross as their builtin base type, read through the BASE type's own methods: a
# forged __eq__/__iter__/__str__ of the subclass is never consulted, and what E compares is the
# data. This matches how a Counter compares with a dict in one namespace.
_NOT_PLAIN = object()


def _as_plain(obj):
    t = type(obj)  # not isinstance: a __class__ property must not change the answer
    if issubclass(t, int) and not issubclass(t, bool):
        return int.__int__(obj)
    if issubclass(t, float):
        return float.__float__(obj)
    if issubclass(t, complex):
        return complex(complex.real.__get__(obj), complex.imag.__get__(obj))
    if issubclass(t, str):
        return str.__str__(obj)
    if issubclass(t, bytes):
        return bytes(memoryview(obj))
    if issubclass(t, list):
        return list(list.__iter__(obj))
    if issubclass(t, tuple):
        return tuple(tuple.__iter__(obj))
    if issubclass(t, dict):
        return {key: dict.__getitem__(obj, key) for key in dict.__iter__(obj)}
    if issubclass(t, frozenset):
        return frozenset(frozenset.__iter__(obj))
    if issubclass(t, set):
        return set(set.__iter__(obj))
    return _NOT_PLAIN


def _is_builtin_type(obj):
    return type(obj) is type and getattr(builtins, obj.__name__, None) is obj


def _is_builtin(obj):
    try:
        return getattr(builtins, obj.__name__, None) is obj and type(obj).__module__ == 'builtins'
    except Exception:
        return False


def encode(obj, to_handle, as_builtin=None):
    encoder = _Encoder(to_handle)
    encoder.as_builtin = as_builtin
    encoder.value(obj)
    return bytes(encoder.out)


class _Decoder:
    def __init__(self, data, from_handle, budget=None):
        self.data = data
        self.pos = 0
        self.items = 0
        self.from_handle = from_handle
        self.builtin_names = None  # predicate: builtins accepted by name
        # Bytes the decoded objects may take, estimated from CPython's object sizes (None: no
        # bound). E decodes with the program's memory limit as budget: a program cannot make E
        # use more memory than it may use itself.
        self.budget = budget

    def spend(self, n):
        if self.budget is not None:
            self.budget -= n
            if self.budget < 0:
                raise ValueError('the value the program sent would take more memory than its '
                                 'memory limit allows')

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError('truncated message')
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def count(self, slot_bytes=8):
        (n,) = struct.unpack('<I', self.take(4))
        if n > MAX_ITEMS or n > len(self.data):
            raise ValueError('container of %d elements' % n)
        self.spend(64 + slot_bytes * n)
        return n

    def length(self):  # bytes of a str/bytes/int payload: bounded by the frame itself
        (n,) = struct.unpack('<I', self.take(4))
        if n > len(self.data) - self.pos:
            raise ValueError('truncated message')
        self.spend(n)
        return n

    def value(self, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError('value nested deeper than %d' % MAX_DEPTH)
        self.items += 1
        if self.items > MAX_ITEMS:
            raise ValueError('value has more than %d elements' % MAX_ITEMS)
        self.spend(48)  # the object's header and value, or a small int/float, and its slot
        tag = self.take(1)
        if tag == b'N':
            return None
        if tag == b'T':
            return True
        if tag == b'F':
            return False
        if tag == b'i':
            return struct.unpack('<q', self.take(8))[0]
        if tag == b'I':
            return int.from_bytes(self.take(self.length()), 'little', signed=True)
        if tag == b'f':
            return struct.unpack('<d', self.take(8))[0]
        if tag == b'c':
            real, imag = struct.unpack('<dd', self.take(16))
            return complex(real, imag)
        if tag == b's':
            return self.take(self.length()).decode('utf-8', 'surrogatepass')
        if tag == b'b':
            return bytes(self.take(self.length()))
        if tag in (b'l', b't', b'S', b'Z'):
            if tag in (b'S', b'Z'):
                self.spend(160)  # a set's small table
            items = [self.value(depth + 1) for _ in range(self.count(8 if tag in b'lt' else 40))]
            if tag == b'l':
                return items
            if tag == b't':
                return tuple(items)
            return set(items) if tag == b'S' else frozenset(items)
        if tag == b'd' or tag == b'O':
            result = {} if tag == b'd' else collections.OrderedDict()
            for _ in range(self.count(120 if tag == b'O' else 40)):
                key = self.value(depth + 1)
                result[key] = self.value(depth + 1)
            return result
        if tag == b'h':
            return self.from_handle(struct.unpack('<I', self.take(4))[0])
        if tag in (b'q', b'D', b'Q', b'W', b'A'):
            return _rebuild(tag, self, depth)
        if tag == b'C':
            result = collections.Counter()
            for _ in range(self.count(40)):
                key = self.value(depth + 1)
                result[key] = self.value(depth + 1)
            return result
        if tag in (b'V', b'n', b'E'):
            self.spend(200)
            return _rebuild_class(tag, self, depth)
        if tag == b'B' and self.builtin_names is not None:
            name = self.take(self.length()).decode('ascii')
            found = getattr(builtins, name, None)
            if found is None or not self.builtin_names(found):
                raise ValueError('%r is not an accepted builtin' % name)
            return found
        raise ValueError('unknown tag %r' % tag)


def decode(data, from_handle, accept_builtin=None, budget=None):
    decoder = _Decoder(data, from_handle, budget)
    decoder.builtin_names = accept_builtin
    result = decoder.value()
    if decoder.pos != len(data):
        raise ValueError('trailing bytes in message')
    return result


def _bounded(text):
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + '...'


def _exception_text(exc):
    try:
        return _bounded(exc)
    except BaseException:
        return '<unprintable %s>' % type(exc).__name__
