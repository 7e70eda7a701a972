// Hostile programs that attack resources, the kernel, the parent or each other. Verdicts come
// from what the helper saw; host facts are checked by the fixture after every test.
#include <gtest/gtest.h>

#include <future>

#include "tests/sandbox/hostile_fixture.h"

namespace ilf::sandbox::testing {
namespace {

ExecResult RunLimited(const std::string& program, const std::vector<std::string>& tests,
                      int64_t wall_ms, int64_t memory_mib = 512) {
  ExecRequest request;
  request.program = program;
  request.tests = tests;
  request.limits.wall_time_ms = wall_ms;
  request.limits.cpu_time_ms = wall_ms;
  request.limits.memory_mib = memory_mib;
  request.limits.output_bytes = 1 << 20;
  request.limits.file_size_mib = 4;
  return SandboxTest::sandbox().Run(request);
}

const std::vector<std::string> kTests = {"assert f(2) == 4"};

TEST_F(HostileTest, InfiniteLoop) {
  ExecResult r = RunLimited("def f(x):\n    while True:\n        pass\n", kTests, 1500);
  EXPECT_EQ(r.verdict, Verdict::kTimeout) << Describe(r);
  EXPECT_LT(r.wall_time_ms, 3000);
}

TEST_F(HostileTest, InfiniteLoopInAThreadIgnoringSigterm) {
  ExecResult r = RunLimited(
      "import signal, threading\n"
      "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
      "def spin():\n    while True:\n        pass\n"
      "def f(x):\n    t = threading.Thread(target=spin)\n    t.start()\n"
      "    t.join()\n",
      kTests, 1500);
  EXPECT_EQ(r.verdict, Verdict::kTimeout) << Describe(r);
}

TEST_F(HostileTest, DaemonThreadOutlivingTheProgram) {
  ExecResult r = RunLimited(
      "import threading\n"
      "def spin():\n    while True:\n        pass\n"
      "threading.Thread(target=spin, daemon=True).start()\n"
      "def f(x):\n    return x\n",
      kTests, 3000);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_LT(r.wall_time_ms, 2500) << "the spinning thread must not delay the verdict";
}

TEST_F(HostileTest, MemoryBomb) {
  ExecResult r = RunLimited(
      "def f(x):\n    hog = []\n    while True:\n"
      "        hog.append(bytearray(16 << 20))\n",
      kTests, 5000, 256);
  EXPECT_EQ(r.verdict, Verdict::kMemoryLimit) << Describe(r);
}

TEST_F(HostileTest, ForkBomb) {
  ExecResult r = RunLimited("import os\nwhile True:\n    os.fork()\ndef f(x):\n    return 2 * x\n",
                            kTests, 3000);
  EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
}

TEST_F(HostileTest, DaemonThatTriesToOutliveItsParent) {
  ExecResult r = RunLimited(
      "import os, time\n"
      "if os.fork() == 0:\n    os.setsid()\n"
      "    if os.fork() == 0:\n        time.sleep(60)\n    os._exit(0)\n"
      "def f(x):\n    return 2 * x\n",
      kTests, 3000);
  EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
}

TEST_F(HostileTest, HugeOutput) {
  ExecResult r = RunLimited(
      "import sys\ndef f(x):\n    while True:\n"
      "        sys.stdout.write('x' * 65536)\n",
      kTests, 5000);
  EXPECT_EQ(r.verdict, Verdict::kOutputLimit) << Describe(r);
  EXPECT_LE(r.stdout_tail.size(), 4096u);
}

TEST_F(HostileTest, HugeFile) {
  ExecResult r = RunLimited(
      "def f(x):\n    with open('big', 'wb') as out:\n"
      "        while True:\n            out.write(b'x' * (1 << 20))\n",
      kTests, 5000);
  EXPECT_EQ(r.verdict, Verdict::kOutputLimit) << Describe(r);
}

TEST_F(HostileTest, DeepRecursion) {
  // Through map(), so each level also uses C stack: the interpreter overflows its stack.
  ExecResult r = RunLimited(
      "import sys\nsys.setrecursionlimit(10 ** 7)\n"
      "def down(n):\n    return list(map(down, [n + 1]))\n"
      "def f(x):\n    return down(0)\n",
      kTests, 5000);
  EXPECT_NE(r.verdict, Verdict::kPass) << Describe(r);
  EXPECT_NE(r.verdict, Verdict::kSandboxError) << Describe(r);
}

TEST_F(HostileTest, SegfaultThroughCtypes) {
  ExecResult r =
      RunLimited("import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n", kTests, 5000);
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
  EXPECT_NE(r.detail.find("SIGSEGV"), std::string::npos) << r.detail;
}

TEST_F(HostileTest, RawSocketSyscallIsRefused) {
  ExecResult r = RunLimited(
      "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
      "def f(x):\n    fd = libc.syscall(41, 2, 1, 0)\n"
      "    return (fd, ctypes.get_errno())\n",
      {"assert f(2) == (3, 0)"}, 5000);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
}

TEST_F(HostileTest, RawForkPtraceAndX32SyscallsAreKilled) {
  for (const char* call : {"libc.syscall(57)", "libc.syscall(101, 16, 1, 0, 0)",
                           "libc.syscall(0x40000000 | 39)", "libc.syscall(272, 0x20000000)"}) {
    ExecResult r = RunLimited(std::string("import ctypes\nlibc = ctypes.CDLL(None)\n"
                                          "def f(x):\n    return ") +
                                  call + "\n",
                              kTests, 5000);
    EXPECT_EQ(r.verdict, Verdict::kBlocked) << call << "\n" << Describe(r);
  }
}

TEST_F(HostileTest, I386SystemCallEntryIsKilled) {
  // mov eax, 20 (i386 getpid); int 0x80; ret -- from an executable page made with mmap.
  ExecResult r = RunLimited(
      "import ctypes, mmap\n"
      "def f(x):\n"
      "    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE"
      " | mmap.PROT_EXEC)\n"
      "    page.write(b'\\xb8\\x14\\x00\\x00\\x00\\xcd\\x80\\xc3')\n"
      "    address = ctypes.addressof(ctypes.c_char.from_buffer(page))\n"
      "    return ctypes.CFUNCTYPE(ctypes.c_int)(address)()\n",
      kTests, 5000);
  if (KernelHasI386Entry()) {
    EXPECT_EQ(r.verdict, Verdict::kBlocked) << Describe(r);
  } else {
    // No i386 entry in this kernel: `int 0x80` faults before any system call is made.
    EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << Describe(r);
    EXPECT_NE(r.detail.find("SIGSEGV"), std::string::npos) << Describe(r);
  }
}

TEST_F(HostileTest, SocketsRaiseInsteadOfHanging) {
  std::string port = std::to_string(listener_.port());
  ExecResult r = RunLimited(
      "import socket\n"
      "def f(x):\n    errors = []\n"
      "    for family, kind, address in [(socket.AF_INET, socket.SOCK_STREAM, ('127.0.0.1', " +
          port +
          ")), (socket.AF_UNIX, socket.SOCK_STREAM, '\\0ilf'), "
          "(socket.AF_NETLINK, socket.SOCK_RAW, (0, 0)), (socket.AF_INET6, socket.SOCK_DGRAM, "
          "('::1', " +
          port +
          "))]:\n"
          "        try:\n            s = socket.socket(family, kind)\n            "
          "s.connect(address)\n"
          "        except OSError as e:\n            errors.append(type(e).__name__)\n"
          "    try:\n        socket.socketpair()\n    except OSError as e:\n"
          "        errors.append(type(e).__name__)\n"
          "    print(errors)\n    return errors\n",
      {"assert f(2) == []"}, 5000);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
  EXPECT_NE(r.stdout_tail.find("['PermissionError', 'PermissionError', 'PermissionError', "
                               "'PermissionError', 'PermissionError']"),
            std::string::npos)
      << Describe(r);
  EXPECT_LT(r.wall_time_ms, 2000);
}

TEST_F(HostileTest, KillingTheParentAndEveryone) {
  ExecResult r = RunLimited(
      "import os, signal\n"
      "def f(x):\n    for pid in (os.getppid(), -1, 0, 1):\n"
      "        try:\n            os.kill(pid, signal.SIGKILL)\n"
      "        except OSError:\n            pass\n"
      "    for pid in range(2, 4000):\n        try:\n"
      "            os.kill(pid, signal.SIGKILL)\n        except OSError:\n"
      "            pass\n    return 0\n",
      kTests, 5000);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
}

TEST_F(HostileTest, ProcMemoryAndOtherProcessesAreUnreachable) {
  ExecResult r = RunLimited(
      "import os\ndef f(x):\n    found = []\n"
      "    for p in ['/proc/1/mem', '/proc/self/mem', '/proc/2/environ']:\n"
      "        try:\n            open(p, 'rb').read(1)\n"
      "            found.append(p)\n        except OSError:\n"
      "            pass\n    return found\n",
      {"assert f(2) == ['/proc/1/mem', '/proc/self/mem', '/proc/2/environ']"}, 5000);
  EXPECT_EQ(r.verdict, Verdict::kFail) << Describe(r);
}

TEST_F(HostileTest, ConcurrentExecutionsCannotTouchEachOther) {
  // A writes a file in its scratch directory and waits; B hunts for it and for A's process.
  std::string victim =
      "import os, time\nopen('mine.txt', 'w').write('intact')\n"
      "def f(x):\n    time.sleep(1.0)\n    return open('mine.txt').read()\n";
  std::string attacker =
      "import os, signal, glob\n"
      "def f(x):\n    hits = 0\n"
      "    for path in glob.glob('/tmp/ilf-sandbox-*/*/mine.txt') + glob.glob('../*/mine.txt'):\n"
      "        try:\n            open(path, 'w').write('owned')\n            hits += 1\n"
      "        except OSError:\n            pass\n"
      "    for pid in range(1, 4000):\n        if pid != os.getpid():\n            try:\n"
      "                os.kill(pid, signal.SIGKILL)\n                hits += 1\n"
      "            except OSError:\n                pass\n"
      "    return hits\n";
  auto a = std::async(std::launch::async,
                      [&] { return RunLimited(victim, {"assert f(0) == 'intact'"}, 5000); });
  usleep(300000);
  ExecResult b = RunLimited(attacker, {"assert f(0) > 0"}, 5000);
  ExecResult ra = a.get();
  EXPECT_EQ(ra.verdict, Verdict::kPass) << Describe(ra);
  EXPECT_EQ(b.verdict, Verdict::kFail) << Describe(b);
}

}  // namespace
}  // namespace ilf::sandbox::testing
