// A red-team corpus (issue 16): attacks on the program/evaluator boundary and process-level
// tricks, each a WRONG program (the right `add` returns a + b) that tries to pass, to make the
// trusted side fail (SANDBOX_ERROR, which is ours), or to outlive its execution. None may give
// PASS or SANDBOX_ERROR; where the verdict is determined, it is checked too. The fixture checks
// after the corpus that no helper died or was restarted and nothing was left behind.
#include <gtest/gtest.h>

#include <set>

#include "tests/sandbox/hostile_fixture.h"

namespace ilf::sandbox::testing {
namespace {

struct Attack {
  const char* name;
  const char* program;             // defines add(a, b) wrongly, with a trick
  std::set<Verdict> allowed = {};  // empty: any verdict but PASS and SANDBOX_ERROR
};

const Attack kCorpus[] = {
    // --- Reading the tests or the expected values from somewhere.
    {"caller frames",
     "import sys\n"
     "def add(a, b):\n    f = sys._getframe()\n    while f:\n"
     "        for v in f.f_locals.values():\n"
     "            if type(v) is int and v not in (a, b):\n                return v\n"
     "        f = f.f_back\n    return 0\n",
     {Verdict::kFail}},
    {"gc scan for assert text",
     "import gc, re\n"
     "def add(a, b):\n    for o in gc.get_objects():\n"
     "        if type(o) is str and 'assert add' in o:\n"
     "            return int(re.findall(r'== (\\d+)', o)[0])\n"
     "    return 0\n",
     {Verdict::kFail}},
    {"inspect.stack source",
     "import inspect\n"
     "def add(a, b):\n    for fr in inspect.stack():\n"
     "        if fr.code_context and 'assert' in ''.join(fr.code_context):\n"
     "            return 3\n    return 0\n",
     {Verdict::kFail}},
    {"proc cmdline and environ",
     "def add(a, b):\n    for p in ('/proc/self/cmdline', '/proc/self/environ',"
     " '/proc/self/maps'):\n"
     "        try:\n            open(p).read()\n            return 3\n"
     "        except OSError:\n            pass\n    return 0\n",
     {Verdict::kFail}},
    {"argv and environment",
     "import sys, os\n"
     "def add(a, b):\n    return 3 if 'assert' in repr(sys.argv) + repr(dict(os.environ)) "
     "else 0\n",
     {Verdict::kFail}},
    // --- Values that lie about what they are.
    {"__class__ property",
     "class Liar:\n    __class__ = property(lambda self: int)\n"
     "    def __eq__(self, other):\n        return True\n"
     "    __hash__ = object.__hash__\n"
     "def add(a, b):\n    return Liar()\n",
     {Verdict::kFail}},
    {"str subclass forging __str__",
     "class S(str):\n    def __str__(self):\n        return '3'\n"
     "    def __eq__(self, o):\n        return True\n"
     "def add(a, b):\n    return S('4')\n",
     {Verdict::kFail}},
    {"int subclass in a container",
     "class I(int):\n    def __eq__(self, o):\n        return True\n"
     "    __hash__ = int.__hash__\n"
     "def add(a, b):\n    return [I(0)][0]\n",
     {Verdict::kFail}},
    {"float subclass with __float__",
     "class F(float):\n    def __float__(self):\n        return 3.0\n"
     "    def __eq__(self, o):\n        return True\n"
     "def add(a, b):\n    return F(0.5)\n",
     {Verdict::kFail}},
    {"builtin type instead of value", "def add(a, b):\n    return int\n", {Verdict::kFail}},
    {"NotImplemented and Ellipsis",
     "def add(a, b):\n    return NotImplemented if a else ...\n",
     {Verdict::kFail}},
    {"bytearray and memoryview",
     "def add(a, b):\n    return memoryview(bytearray(b'3'))\n",
     {Verdict::kFail}},
    {"dict subclass with __missing__",
     "class D(dict):\n    def __missing__(self, k):\n        return 3\n"
     "    def __eq__(self, o):\n        return True\n"
     "def add(a, b):\n    return D()\n",
     {Verdict::kFail}},
    // --- Protocol abuse: forged, broken or desynchronised frames.
    {"garbage on the reply pipe",
     "import os\n"
     "def add(a, b):\n    os.write(4, b'\\xff' * 64)\n    return 0\n",
     {Verdict::kRuntimeError, Verdict::kFail}},
    {"frame with a bad tag",
     "import os, struct\n"
     "def add(a, b):\n    os.write(4, struct.pack('<I', 2) + b'tZ')\n"
     "    return 0\n",
     {Verdict::kRuntimeError, Verdict::kFail}},
    {"length claims 200 MiB",
     "import os, struct, time\n"
     "def add(a, b):\n    os.write(4, struct.pack('<I', 200 << 20))\n"
     "    os._exit(0)\n",
     {Verdict::kRuntimeError}},
    {"handle out of range",
     "import os, struct\n"
     "def add(a, b):\n    os.write(4, struct.pack('<I', 5) + b'h' + struct.pack('<I', 99999))\n"
     "    os._exit(0)\n",
     {Verdict::kRuntimeError, Verdict::kFail}},
    {"closes its channel",
     "import os\ndef add(a, b):\n    os.close(4)\n    return 0\n",
     {Verdict::kRuntimeError}},
    {"codec sabotaged",
     "import struct\nstruct.pack = lambda *a: b''\n"
     "def add(a, b):\n    return 0\n",
     {Verdict::kRuntimeError, Verdict::kTimeout}},
    {"harness patched to answer 3",
     "import sys\n"
     "h = sys.modules.get('_ilf_harness')\n"
     "if h is not None:\n    h._serve = lambda request: ('ok', 3, [])\n"
     "def add(a, b):\n    return 0\n",
     {}},
    {"relayed SystemExit and KeyboardInterrupt",
     "def add(a, b):\n    raise KeyboardInterrupt\n",
     {Verdict::kRuntimeError}},
    {"exception text with a fake record",
     "def add(a, b):\n"
     "    raise ValueError('\"}\\n{\"t\": \"done\", \"id\": 0}\\n')\n",
     {Verdict::kRuntimeError}},
    {"exception whose __str__ raises",
     "class E(Exception):\n    def __str__(self):\n        raise RuntimeError\n"
     "def add(a, b):\n    raise E()\n",
     {Verdict::kRuntimeError}},
    {"self-referential result",
     "def add(a, b):\n    l = []\n    l.append(l)\n    return l\n",
     {Verdict::kRuntimeError}},
    {"result nested 100000 deep",
     "def add(a, b):\n    x = []\n    for _ in range(100000):\n        x = [x]\n"
     "    return x\n",
     {Verdict::kRuntimeError}},
    // --- Process-level tricks.
    {"thread bomb",
     "import threading, time\n"
     "def add(a, b):\n    for _ in range(1000):\n"
     "        threading.Thread(target=time.sleep, args=(10,), daemon=True).start()\n"
     "    return 0\n",
     {Verdict::kRuntimeError}},
    {"raising its own rlimits",
     "import resource\n"
     "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)\n"
     "def add(a, b):\n    return 0\n",
     {Verdict::kRuntimeError}},
    {"new session",
     "import os\nos.setsid()\ndef add(a, b):\n    return 0\n",
     {Verdict::kBlocked, Verdict::kRuntimeError}},
    {"symlink to the root",
     "import os\nos.symlink('/', 'root')\n"
     "def add(a, b):\n    return len(os.listdir('root/etc'))\n",
     {Verdict::kBlocked, Verdict::kRuntimeError}},
    {"TIOCSTI on stdin",
     "import fcntl, termios\n"
     "def add(a, b):\n    fcntl.ioctl(0, termios.TIOCSTI, b'x')\n    return 0\n",
     {Verdict::kRuntimeError, Verdict::kBlocked}},
    {"huge lazy mapping",
     "import mmap\n"
     "def add(a, b):\n    m = mmap.mmap(-1, 8 << 30)\n    return 0\n",
     {Verdict::kRuntimeError}},
    {"abort inside the call",
     "import os\ndef add(a, b):\n    os.abort()\n",
     {Verdict::kRuntimeError}},
    {"stack overflow with a raised recursion limit",
     "import sys\nsys.setrecursionlimit(10 ** 7)\n"
     "def add(a, b):\n    return add(a, b) + 1\n",
     {Verdict::kRuntimeError, Verdict::kMemoryLimit, Verdict::kTimeout}},
    {"killing process group 0",
     "import os, signal\n"
     "def add(a, b):\n    os.kill(0, signal.SIGKILL)\n",
     {Verdict::kFail, Verdict::kRuntimeError}},  // U is its pid namespace's init: immune
    {"stdout replaced by a raising object",
     "import sys\n"
     "class Bad:\n    def write(self, s):\n        raise OSError\n"
     "    def flush(self):\n        raise OSError\n"
     "sys.stdout = sys.stderr = Bad()\n"
     "def add(a, b):\n    print('x')\n    return 0\n",
     {Verdict::kRuntimeError, Verdict::kFail}},
    {"open files until refused",
     "import os\nfds = []\n"
     "def add(a, b):\n    while True:\n        fds.append(os.open('/dev/null', 0))\n",
     {Verdict::kRuntimeError}},
};

TEST_F(HostileTest, RedTeamCorpus) {
  std::vector<ExecRequest> requests;
  for (const Attack& attack : kCorpus) {
    ExecRequest request;
    request.program = attack.program;
    request.tests = {"assert add(1, 2) == 3", "assert add(2, 2) == 4"};
    request.limits.wall_time_ms = 5000;
    request.limits.cpu_time_ms = 5000;
    request.limits.memory_mib = 512;
    requests.push_back(request);
  }
  ASSERT_GE(requests.size(), 30u);
  std::vector<ExecResult> results = sandbox().RunAll(requests);
  for (size_t i = 0; i < results.size(); ++i) {
    const Attack& attack = kCorpus[i];
    const ExecResult& r = results[i];
    EXPECT_NE(r.verdict, Verdict::kPass) << attack.name << "\n" << Describe(r);
    EXPECT_NE(r.verdict, Verdict::kSandboxError) << attack.name << "\n" << Describe(r);
    if (!attack.allowed.empty()) {
      EXPECT_EQ(attack.allowed.count(r.verdict), 1u) << attack.name << "\n" << Describe(r);
    }
  }
}

}  // namespace
}  // namespace ilf::sandbox::testing
