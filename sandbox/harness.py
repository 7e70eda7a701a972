# _ilf_harness, part 2 of 2: the Python half of the sandbox helper (see sandbox/supervisor.h for
# the processes). Follows sandbox/harness_codec.py in the same module (framing, codec, ProgramDied).
#
# Embedded into ilf-sandbox at build time and loaded once into the zygote interpreter. Two entry
# points run in forked children after the C++ isolation steps:
#   run_untrusted(program, req_fd, resp_fd)  -- process U: runs the program, serves E's calls
#   run_evaluator_loop(control_fd, result_fd) -- process E: trusted setup and tests, one job a time
# E alone decides pass/fail and writes JSON lines on result_fd, a pipe U does not hold.


# ---------------------------------------------------------------------------------------------
# Zygote setup (runs once in the helper, before any fork).

def zygote_init(preload):
    # Site directories (numpy lives there on Debian) without running site.main(): with no_site
    # set, importing site has no side effects.
    import site
    for path in site.getsitepackages():
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)
    # The interpreter copied the host environment at init: replace it with a fixed minimal one,
    # so no host variable reaches a child (os.environ.clear() also unsets the C environment).
    os.environ.clear()
    os.environ.update({'PATH': '/usr/bin:/bin', 'LANG': 'C.UTF-8', 'HOME': '/nonexistent',
                       'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1',
                       'PYTHONHASHSEED': '0'})
    for name in preload:
        try:
            __import__(name)
        except ImportError:
            pass
    sys.dont_write_bytecode = True
    global _MODULE_NAMES
    _MODULE_NAMES = _module_names()
    _share_random_seed()
    # 3.11 quickens a code object after 8 calls and specialises its instructions as they run:
    # measured with dis.get_instructions(adaptive=True), 8 rounds leave the harness's code as
    # specialised as 64 did (890 vs 882 instructions), at 5 ms of start-up instead of 37 ms.
    _warm_up(12)
    gc.collect()
    gc.freeze()  # keep forked children from dirtying the zygote's pages during collection


# ---------------------------------------------------------------------------------------------
# U: the untrusted side. Nothing here is trusted by E; it only answers requests.

class _Untrusted:
    """U's side of one execution: the program's namespace and the handles E holds into it."""

    def __init__(self):
        self.table = []
        self.codes = ()  # the program's code objects (ids), once compiled: see program_lines

    def to_handle(self, obj):
        self.table.append(obj)
        return len(self.table) - 1

    def from_handle(self, handle):
        return self.table[handle]

    def encode_reply(self, message):
        try:
            return encode(message, self.to_handle, _is_builtin_type)
        except Exception as exc:
            return encode(('exc', 'ProgramError', 'result not transferable: %s' % exc), None)

    def load(self, program):
        """Compiles and runs the program; returns (first message, exit status or None)."""
        try:
            code = compile(program, '<program>', 'exec')
        except (SyntaxError, ValueError, UnicodeError) as exc:
            return ('compile_error', type(exc).__name__, _exception_text(exc)), 0
        self.codes = _code_ids(code)
        namespace = {'__name__': '__main__', '__builtins__': builtins}
        try:
            exec(code, namespace)
        except BaseException as exc:
            _flush()
            return ('raised', type(exc).__name__, _exception_text(exc),
                    self.program_lines(exc)), 1
        _flush()
        manifest = []
        module_type = type(sys)
        for name, value in list(namespace.items()):
            if name.startswith('__'):
                continue
            if type(value) is module_type:
                manifest.append((name, 'module', (value.__name__, value)))
            else:
                manifest.append((name, 'value', value))
        return ('ready', manifest), None

    def serve(self, data):
        """Answers one request from E; None for 'done'."""
        request = decode(data, self.from_handle, _is_builtin)
        if request[0] == 'done':
            return None
        try:
            return self.encode_reply(_serve(request))
        except BaseException as exc:
            return self.encode_reply(('exc', type(exc).__name__, _exception_text(exc),
                                      self.program_lines(exc)))

    def program_lines(self, exc):
        """Line numbers of the traceback frames that run the program's own code objects (those
        compile() made from its source; not code it makes itself), outermost first, repeats of a
        line (recursion) once, at most _MAX_LINES. Untrusted like all U says: E checks them."""
        lines = []
        try:
            tb = exc.__traceback__
            while tb is not None and len(lines) < 10000:
                if id(tb.tb_frame.f_code) in self.codes:
                    lines.append(tb.tb_lineno)
                tb = tb.tb_next
        except BaseException:
            return []
        return _shorten_lines(lines)


def _code_ids(code):
    """Ids of a code object and of every code object nested in its constants (functions,
    classes, comprehensions); the top-level code keeps them all alive."""
    ids, stack = set(), [code]
    while stack:
        current = stack.pop()
        ids.add(id(current))
        stack.extend(c for c in current.co_consts if type(c) is type(current))
    return frozenset(ids)


_MAX_LINES = 6  # program lines kept of one traceback: the outermost two, the innermost four


def _shorten_lines(lines):
    kept = []
    for line in lines:
        if not kept or kept[-1] != line:
            kept.append(line)
    return kept if len(kept) <= _MAX_LINES else kept[:2] + kept[-(_MAX_LINES - 2):]


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b''.join(chunks)


def run_untrusted(program_fd, req_fd, resp_fd):
    """U's entry point. The program arrives as bytes on program_fd (the process U was forked from
    never held it); compile() decodes it as CPython decodes a source file (PEP 263, BOM)."""
    program = _read_all(program_fd)
    untrusted = _Untrusted()
    first, status = untrusted.load(program)
    _send(resp_fd, untrusted.encode_reply(first) if status is None else encode(first, None))
    if status is not None:
        os._exit(status)
    while True:
        try:
            reply = untrusted.serve(_recv(req_fd))
        except ProgramDied:
            os._exit(0)
        if reply is None:
            _finish_like_cpython()
            os._exit(0)
        _send(resp_fd, reply)
        _flush()


_WARM_UP_PROGRAM = '''
import re
from collections import Counter
def entry(n, xs=None, text="a b"):
    """Warm-up."""
    total = 0
    for i in range(n):
        if i % 2 == 0 and i not in (3, 5):
            total += i * 2
    pairs = {k: v for k, v in zip("ab", [1, 2])}
    words = [w.upper() for w in re.split(r"\\s+", text)]
    return [total, pairs, (n, 1.5, 2j), words, b"x", None, True, Counter(words), sorted(set(xs or []))]
class Box:
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
'''


def _warm_up(rounds):
    """Runs U's code path (compile, exec, manifest, codec, pipes, calls) in the zygote itself.

    Every forked child then finds these functions already quickened and specialised and the type
    attribute cache filled: a child that ran them first would write to their code objects and to
    the cache, and each write to a page shared with the zygote costs a copy-on-write fault.
    """
    r, w = os.pipe()
    try:
        for _ in range(rounds):
            untrusted = _Untrusted()
            first, status = untrusted.load(_WARM_UP_PROGRAM.encode())
            _send(w, untrusted.encode_reply(first))
            ready = decode(_recv(r), lambda handle: handle, _is_builtin_type)
            handles = {name: value for name, _, value in ready[1]}
            target = object()  # stands for the program's function, as a RemoteRef does in E
            for args in ((7,), (4, [3, 1, 3])):
                call = encode(('call', target, args, {'text': 'x  y'}),
                              lambda _: handles['entry'], _is_builtin)
                _send(w, untrusted.serve(call))
                decode(_recv(r), lambda handle: handle, _is_builtin_type)
            untrusted.serve(encode(('done',), None))
    finally:
        os.close(r)
        os.close(w)


_MUTABLE = (list, dict, set, collections.deque)  # arguments whose in-place changes E sees


def _serve(request):
    kind, target = request[0], request[1]
    if kind == 'call':
        args, kwargs = list(request[2]), request[3]
        result = target(*args, **kwargs)
        # Post-call state of mutable arguments, so E can write in-place changes back.
        writeback = [(i, arg) for i, arg in enumerate(args) if type(arg) in _MUTABLE]
        writeback += [(key, arg) for key, arg in kwargs.items() if type(arg) in _MUTABLE]
        return ('ok', result, writeback)
    if kind == 'getattr':
        return ('ok', getattr(target, request[2]), [])
    if kind == 'setattr':
        setattr(target, request[2], request[3])
        return ('ok', None, [])
    if kind == 'iter':
        return ('ok', iter(target), [])
    if kind == 'next':
        return ('ok', next(target), [])
    if kind == 'len':
        return ('ok', len(target), [])
    if kind == 'bool':
        return ('ok', bool(target), [])
    if kind == 'getitem':
        return ('ok', target[request[2]], [])
    if kind == 'setitem':
        target[request[2]] = request[3]
        return ('ok', None, [])
    if kind == 'contains':
        return ('ok', request[2] in target, [])
    if kind == 'repr':
        return ('ok', _bounded(repr(target)), [])
    if kind == 'seed':  # the tests seeded the random module (see _share_random_seed)
        module = sys.modules.get('random')
        if module is not None:
            module.seed(*request[2])
        return ('ok', None, [])
    raise ProgramError('unknown request %r' % (kind,))


def _finish_like_cpython():
    """After the tests, what CPython does at the end of a script: wait for non-daemon threads,
    then run atexit handlers. A program whose process would never end gets TIMEOUT (the helper
    waits for U up to the wall-clock limit once E has released it)."""
    threading = sys.modules.get('threading')
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException:
            pass
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    _flush()


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


# ---------------------------------------------------------------------------------------------
# E: the trusted evaluator.

# Builtin exception types E re-raises by name when the program raised one; anything else becomes
# ProgramError. Only Exception subclasses, so a relayed name can never be SystemExit & co.
_RELAYED = {name: getattr(builtins, name) for name in dir(builtins)
            if isinstance(getattr(builtins, name), type)
            and issubclass(getattr(builtins, name), Exception)}


class _Channel:
    def __init__(self, req_fd, resp_fd, memory_bytes=None, program_lines=0):
        self.req_fd = req_fd
        self.resp_fd = resp_fd
        self.alive = True
        self.memory_bytes = memory_bytes  # the program's memory limit: bounds what E decodes
        self.program_lines = program_lines  # lines the program has (from the helper, trusted)

    def checked_lines(self, lines):
        """The program lines U named for an exception, kept only if they exist in the program:
        U is the program's process, so they are believed only as far as E can check them."""
        if type(lines) is not list:
            return []
        return _shorten_lines([n for n in lines[:_MAX_LINES]
                               if type(n) is int and 1 <= n <= self.program_lines])

    def receive(self):
        """The program's next message, decoded. Anything wrong with it, whatever it is (a frame
        too large, a value that cannot be rebuilt, unhashable set items, a value beyond the
        program's memory limit), is the program's failure: ProgramDied, never an E error."""
        try:
            data = _recv(self.resp_fd, self.memory_bytes or MAX_FRAME)
            return decode(data, self.make_ref, _is_builtin_type, self.memory_bytes)
        except ProgramDied:
            self.alive = False
            raise
        except Exception as exc:
            self.alive = False
            raise ProgramDied('the program sent a malformed or oversized message (%s: %s)'
                              % (type(exc).__name__, _exception_text(exc)))

    def request(self, message):
        if not self.alive:
            raise ProgramDied('the program is gone')
        payload = encode(message, _remote_handle, _is_builtin)
        try:
            _send(self.req_fd, payload)
        except OSError as exc:
            self.alive = False
            raise ProgramDied('the program closed its channel: %s' % _exception_text(exc))
        return self.receive()

    def make_ref(self, handle):
        ref = object.__new__(RemoteRef)
        object.__setattr__(ref, '_ilf_handle', handle)
        object.__setattr__(ref, '_ilf_channel', self)
        return ref


def _remote_handle(obj):
    if type(obj) is RemoteRef:
        return object.__getattribute__(obj, '_ilf_handle')
    raise TypeError('a %s cannot be passed to the program (only plain data and program objects)'
                    % type(obj).__name__)


def _rpc(ref, message, args=(), kwargs=None):
    channel = object.__getattribute__(ref, '_ilf_channel')
    reply = channel.request(message)
    if type(reply) is not tuple or not reply:
        raise ProgramDied('malformed reply from the program')
    if reply[0] == 'ok' and len(reply) == 3:
        for key, new in reply[2]:
            old = args[key] if type(key) is int and key < len(args) else (kwargs or {}).get(key)
            if type(old) is list and type(new) is list:
                old[:] = new
            elif type(old) in (dict, set) and type(new) is type(old):
                old.clear()
                old.update(new)
            elif type(old) is collections.deque and type(new) is collections.deque:
                old.clear()
                old.extend(new)
        return reply[1]
    if reply[0] == 'exc' and len(reply) in (3, 4):
        name, text = str(reply[1]), str(reply[2])
        exc_type = _RELAYED.get(name)
        if exc_type is StopIteration:
            raise StopIteration
        exc = exc_type(text) if exc_type is not None else ProgramError('%s: %s' % (name, text))
        if len(reply) == 4:
            exc._ilf_lines = channel.checked_lines(reply[3])
        raise exc
    raise ProgramDied('malformed reply from the program')


class RemoteRef:
    """An object that lives in the program's process. Equality and hashing are identity."""
    __slots__ = ('_ilf_handle', '_ilf_channel')

    def __call__(self, *args, **kwargs):
        return _rpc(self, ('call', self, args, kwargs), args, kwargs)

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _rpc(self, ('getattr', self, name))

    def __setattr__(self, name, value):
        _rpc(self, ('setattr', self, name, value))

    def __iter__(self):
        return _rpc(self, ('iter', self))

    def __next__(self):
        return _rpc(self, ('next', self))

    def __len__(self):
        return _rpc(self, ('len', self))

    def __getitem__(self, key):
        return _rpc(self, ('getitem', self, key))

    def __setitem__(self, key, value):
        _rpc(self, ('setitem', self, key, value))

    def __contains__(self, item):
        return _rpc(self, ('contains', self, item))

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return id(self)

    def __bool__(self):
        # Asked of the program: it could answer any truth value with a plain bool anyway, so this
        # gives it no power it lacks (unlike equality, which involves the test's expected value).
        # Needed for tests like `assert match_word(text)` where the program returns re.Match.
        return _rpc(self, ('bool', self))

    def __repr__(self):
        try:
            text = _rpc(self, ('repr', self))
        except Exception:
            text = '?'
        return '<program object %s>' % (text if type(text) is str else '?')


_job_id = None  # id of the execution E is working on; every record carries it
_job_channel = None  # the channel to this job's U, while E runs its setup and tests


def _share_random_seed():
    """In one CPython process the tests and the program share the `random` module, so a test
    file that seeds it between asserts (`random.seed(7)`, then a call) fixes what the program
    draws. Here they are two processes: `random.seed` in E (patched once, in the zygote) seeds E's
    generator and asks U to seed the program's with the same arguments. Only plain-data seeds
    cross; nothing comes back. In U (no channel) it is the plain seed."""
    import functools
    import random
    original = random.seed

    @functools.wraps(original)
    def seed(*args, **kwargs):
        original(*args, **kwargs)
        channel = _job_channel
        if channel is not None and channel.alive and not kwargs:
            try:
                channel.request(('seed', None, args))
            except BaseException:
                pass  # a seed that cannot cross, or a program gone: the next call will tell
    random.seed = seed


def _clean(value):
    """A str that encodes to UTF-8: lone surrogates (from a program's exception message) become
    backslash escapes, so every record is valid JSON that the helper can parse."""
    if type(value) is str:
        return value.encode('utf-8', 'backslashreplace').decode('utf-8')
    return value


def _report(fd, record):
    record['id'] = _job_id
    _send_line(fd, json.dumps({key: _clean(value) for key, value in record.items()}))


def _send_line(fd, line):
    data = (line + '\n').encode('utf-8', 'replace')
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _outcome(i, status, exc=None, started=None, source=b''):
    record = {'t': 'test', 'i': i, 'status': status, 'type': '', 'msg': '',
              'ms': (time.perf_counter() - started) * 1000 if started else 0}
    if exc is not None:
        record['type'] = type(exc).__name__
        record['msg'] = _exception_text(exc)
        record['lines'] = _relayed_lines(exc)
        record['line'] = _test_line(exc, '<test %d>' % i)
        if status == 'failed' and not record['msg']:
            # The assert itself, without the statements that run before it in the same block.
            text = _source_text(source)
            at = text.rfind('\nassert')
            record['msg'] = _bounded((text[at + 1:] if at >= 0 else text).strip())
    return record


def _relayed_lines(exc):
    """The program lines E checked when the exception came from the program (_rpc), else []."""
    try:
        lines = exc.__dict__.get('_ilf_lines')
    except BaseException:
        return []
    return lines if type(lines) is list else []


def _test_line(exc, filename):
    """The line of the test's own code where the exception passed last (E's traceback: only
    trusted code runs in E), or 0."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _source_text(source):
    """A test's bytes as text, decoded as compile() decoded them (PEP 263, BOM)."""
    try:
        import importlib.util
        return importlib.util.decode_source(source)
    except Exception:
        return source.decode('utf-8', 'replace')


def run_evaluator_loop(control_fd, result_fd):
    """E's main loop: one job per message on the control socket, until it closes.

    A message is a 4-byte length with two descriptors attached (the request and reply pipes of
    this execution's U), then that many bytes of JSON {"id", "setup_hex", "tests_hex",
    "program_lines", ...} (sources as hex: their exact bytes). E answers with records on
    result_fd, the last one {"t": "done", "id": ...}.
    """
    global _job_id, _job_channel
    import socket
    control = socket.socket(fileno=control_fd)
    jobs = 0
    while True:
        try:
            header, fds, _, _ = socket.recv_fds(control, 4, 2)
            if not header:
                os._exit(0)
            while len(header) < 4:
                header += _recv_exact_socket(control, 4 - len(header))
            (size,) = struct.unpack('<I', header)
            job = json.loads(_recv_exact_socket(control, size))
        except BaseException as exc:
            _job_id = None
            _report(result_fd, {'t': 'harness_error', 'msg': 'control channel: %s' % exc})
            os._exit(1)
        _job_id = job.get('id')
        try:
            if len(fds) != 2:
                raise ValueError('expected 2 descriptors, got %d' % len(fds))
            channel = _job_channel = _Channel(fds[0], fds[1], job['memory_bytes'],
                                              job['program_lines'])
            released = _evaluate(bytes.fromhex(job['setup_hex']),
                                 [bytes.fromhex(test) for test in job['tests_hex']], channel,
                                 result_fd, job.get('entry_point', ''))
            # released: U was told the tests are over and ends as CPython would end the script.
            _report(result_fd, {'t': 'done', 'released': released is True})
        except BaseException as exc:
            _report(result_fd, {'t': 'harness_error', 'msg': '%s: %s' % (
                type(exc).__name__, _exception_text(exc))})
        finally:
            _job_channel = None
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            jobs += 1
            if jobs % 64 == 0:
                gc.collect()  # cycles left by tests (E lives for many jobs)


def _recv_exact_socket(sock, n):
    chunks = []
    while n > 0:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError('control channel closed')
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


# Names of the builtins as E started: a program global with one of these names would replace the
# builtin for the tests too (`set = lambda *a: 1` makes `set(f(x)) == set(y)` true), so it is hidden.
_BUILTIN_NAMES = frozenset(dir(builtins))


def _module_names():
    """Top-level names of the modules a test could mean: the standard library, those loaded,
    and those installed in the site directories (numpy...)."""
    names = set(sys.stdlib_module_names) | {name.partition('.')[0] for name in sys.modules}
    for directory in sys.path:
        if not directory.endswith('-packages'):
            continue  # the standard library's own directories are in stdlib_module_names
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            stem = entry.split('.', 1)[0].split('-', 1)[0]
            if stem.isidentifier():
                names.add(stem)
    return frozenset(names)


_MODULE_NAMES = frozenset()  # set by zygote_init, once the site directories are on sys.path


def _compile_all(setup, tests):
    """Setup and tests compiled from their exact bytes, as CPython compiles a file it runs:
    (setup code, test codes, None), or (None, None, compile_error record) for the first that
    CPython would refuse (the test file is then refused whole, before anything runs)."""
    name = '<setup>'
    try:
        setup_code = compile(setup, name, 'exec')
        codes = []
        for i, source in enumerate(tests):
            name = '<test %d>' % i
            codes.append(compile(source, name, 'exec'))
    except (SyntaxError, ValueError, UnicodeError) as exc:
        return None, None, {'t': 'compile_error', 'where': name[1:-1], 'type': type(exc).__name__,
                            'msg': _exception_text(exc)}
    return setup_code, codes, None


def _evaluate(setup, tests, channel, result_fd, entry_point=''):
    try:
        first = channel.receive()
    except ProgramDied as exc:
        _report(result_fd, {'t': 'program_died', 'msg': _exception_text(exc)})
        return
    kind = first[0] if type(first) is tuple and first else None
    if kind == 'compile_error':
        _report(result_fd, {'t': 'compile_error', 'where': 'program', 'type': str(first[1]),
                            'msg': str(first[2])})
        return
    # As `python3 program_then_tests.py` would: a file CPython cannot compile runs nothing.
    setup_code, test_codes, refused = _compile_all(setup, tests)
    if refused is not None:
        _report(result_fd, refused)
        return
    if kind == 'raised':
        _report(result_fd, {'t': 'program_raised', 'type': str(first[1]), 'msg': str(first[2]),
                            'lines': channel.checked_lines(first[3]) if len(first) == 4 else []})
        return
    if kind != 'ready' or len(first) != 2 or type(first[1]) is not list:
        _report(result_fd, {'t': 'program_died', 'msg': 'malformed first message'})
        return
    namespace = {'__name__': '__main__', '__builtins__': builtins}
    for entry in first[1]:
        if type(entry) is not tuple or len(entry) != 3 or type(entry[0]) is not str:
            continue
        name, what, value = entry
        if name.startswith('__') or name == '_ilf_harness':
            continue
        if name != entry_point and (name in _BUILTIN_NAMES or name in _MODULE_NAMES):
            # Named like a builtin or a module: the tests get the real one (a module E has
            # loaded), never the program's (`math = Fake()`, a module object named otherwise).
            real = sys.modules.get(name) if name in _MODULE_NAMES else None
            if real is not None and type(real) is type(sys):
                namespace[name] = real
            continue
        if what == 'module' and type(value) is tuple and len(value) == 2:
            # A module under another name (`import numpy as np`): E's own copy when E has the
            # module loaded, otherwise the program's, behind a RemoteRef.
            module_name, remote = value
            real = sys.modules.get(module_name) if type(module_name) is str else None
            namespace[name] = real if real is not None and type(real) is type(sys) else remote
        elif what == 'value':
            namespace[name] = value
    try:
        exec(setup_code, namespace)
    except BaseException as exc:
        _report(result_fd, {'t': 'setup_error', 'type': type(exc).__name__,
                            'msg': _exception_text(exc), 'lines': _relayed_lines(exc)})
        return
    for i, source in enumerate(tests):
        if not channel.alive:
            _report(result_fd, _outcome(i, 'not_run'))
            continue
        started = time.perf_counter()
        try:
            exec(test_codes[i], namespace)
            record = _outcome(i, 'passed', None, started)
        except AssertionError as exc:
            record = _outcome(i, 'failed', exc, started, source)
        except BaseException as exc:
            record = _outcome(i, 'error', exc, started)
        _report(result_fd, record)
    if channel.alive:
        try:
            _send(channel.req_fd, encode(('done',), None))
            return True
        except OSError:
            pass
    return False
