// ilf exec PROGRAM.py [--tests TESTS.py] [--setup SETUP.py] [limits]: one program in the sandbox.
#include <cstdio>

#include "runner/cli.h"
#include "runner/commands.h"
#include "sandbox/sandbox.h"
#include "sandbox/test_split.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/log.h"

namespace ilf {

int RunExec(int argc, char** argv) {
  CLI::App app{
      "Run one Python program in the sandbox and print the result as one JSON object.\n"
      "Each top-level `assert` statement of TESTS.py is one test; the file runs after the "
      "program,\n"
      "in its order (statements between asserts run where they stand). Exit status 0 whenever the\n"
      "program ran, whatever the verdict.",
      "ilf exec"};
  std::string program_path, tests_path, setup_path;
  sandbox::ExecRequest request;
  bool allow_weaker = false, verbose = false;
  app.add_option("program", program_path, "the program (Python source file)")->required();
  app.add_option("--tests", tests_path, "test file: top-level asserts are the tests");
  app.add_option(
      "--entry-point", request.entry_point,
      "the function the tests call: the only program name allowed to shadow a builtin or "
      "a module for the tests (default: none; never taken from the program)");
  app.add_option("--setup", setup_path, "trusted code run after the program, before the tests");
  app.add_option("--time-limit-ms", request.limits.wall_time_ms,
                 "wall-clock limit for the whole execution, milliseconds (CPU limit is the same)")
      ->capture_default_str()
      ->check(IntBetween(1, 3600000));
  app.add_option("--memory-limit-mib", request.limits.memory_mib,
                 "address-space limit of the program, MiB")
      ->capture_default_str()
      ->check(IntBetween(64, int64_t{1} << 20));
  app.add_option("--output-limit-bytes", request.limits.output_bytes,
                 "cap on captured stdout+stderr, bytes")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_flag("--allow-weaker-sandbox", allow_weaker,
               "run even if an essential isolation layer is missing (recorded in the output)");
  sandbox::SandboxOptions options;
  app.add_flag("--preload-numpy", options.preload_numpy,
               "pre-import numpy in the sandbox's interpreter (faster for numpy programs)");
  app.add_flag("--verbose", verbose, "print the active isolation layers on stderr");
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  request.limits.cpu_time_ms = request.limits.wall_time_ms;

  request.program = ReadFile(program_path);
  if (!tests_path.empty()) {
    sandbox::SplitTests split = sandbox::SplitTestFile(ReadFile(tests_path));
    if (split.tests.empty()) {
      throw Error(tests_path +
                  ": no top-level assert statement, so no test would run (hint: "
                  "each top-level `assert` is one test; write `assert check(f)` style calls, "
                  "or leave out --tests to only run the program)");
    }
    request.tests = std::move(split.tests);
    request.setup = std::move(split.setup);
  }
  if (!setup_path.empty()) {
    // The test file's own first statements must stay at the start of a block of their own
    // (where its BOM or coding declaration is read): they open the first test instead.
    if (!request.setup.empty() && !request.tests.empty()) {
      std::string prefix = sandbox::EncodingPrefix(ReadFile(tests_path));
      if (!prefix.empty()) {
        request.tests[0] = request.setup + request.tests[0].substr(prefix.size());
        request.setup.clear();
      }
    }
    request.setup = ReadFile(setup_path) + "\n" + request.setup;
  }
  // The entry point comes only from the command line: deriving it from the program would let a
  // program name `all` or `set` as its entry point and replace it for the tests (issue 16).

  options.workers = 1;
  options.allow_weaker = allow_weaker;
  sandbox::Sandbox sandbox(options);
  if (verbose) {
    LogInfo("sandbox layers: {}", sandbox.isolation().ToJson().dump());
  }
  sandbox::ExecResult result = sandbox.Run(request);
  nlohmann::json json = result.ToJson();
  if (sandbox.isolation().weaker) json["weaker_sandbox"] = true;
  std::printf("%s\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

}  // namespace ilf
