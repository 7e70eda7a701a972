// Sandbox: a pool of ilf-sandbox helper processes (see sandbox/supervisor.h for what they do).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "sandbox/deadline.h"
#include "sandbox/helper_path.h"
#include "sandbox/protocol.h"
#include "sandbox/sandbox.h"
#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/json_parse.h"
#include "src/core/log.h"

namespace bp = boost::process;

namespace ilf::sandbox {
namespace {

constexpr int64_t kHelperSlackMs = 30000;  // beyond the wall limit before a helper is presumed hung

// One helper process and its two pipe ends. Killing and reaping happen in the destructor.
class Helper {
 public:
  Helper(const std::string& path, const SandboxOptions& options) {
    bp::pipe to_child, from_child;
    std::vector<std::string> args = {"--python", options.python};
    if (options.allow_weaker) args.push_back("--allow-weaker");
    if (options.preload_numpy) args.insert(args.end(), {"--preload", "numpy"});
    for (const std::string& layer : options.assume_missing) {
      args.insert(args.end(), {"--assume-missing", layer});
    }
    bp::environment env;
    env["PATH"] = "/usr/bin:/bin";
    env["LANG"] = "C.UTF-8";
    try {
      child_ = bp::child(path, bp::args(args), bp::std_in<to_child, bp::std_out> from_child,
                         bp::env(env));
    } catch (const std::exception& e) {
      throw EnvironmentError("cannot start the sandbox helper '" + path + "': " + e.what());
    }
    to_ = dup(to_child.native_sink());
    from_ = dup(from_child.native_source());
  }
  ~Helper() {
    // Closing its stdin asks the helper to clean up (scratch base, evaluator) and exit; it
    // closes its stdout when it does. A helper that does not within a second is killed.
    if (to_ >= 0) close(to_);
    if (from_ >= 0) {
      pollfd fd = {from_, POLLIN, 0};
      char byte;
      while (poll(&fd, 1, 1000) > 0 && read(from_, &byte, 1) > 0) {
      }
      close(from_);
    }
    // Reaped here, always: boost's terminate() only polls waitpid once after SIGKILL, which
    // left a zombie (or a helper still exiting) behind and its CPU time uncounted.
    if (!child_.valid()) return;
    const pid_t pid = child_.id();
    child_.detach();  // boost must not waitpid this pid later: it may belong to another child
    int status = 0;
    for (int waited_ms = 0; waited_ms < 1000; waited_ms += 5) {
      pid_t reaped = waitpid(pid, &status, WNOHANG);
      if (reaped == pid || (reaped < 0 && errno != EINTR)) return;
      usleep(5000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;

  // The next frame, or nullopt when the helper died, broke framing, stayed silent `timeout_ms`,
  // or (*interrupted set) the user interrupted ilf.
  std::optional<std::string> Read(int64_t timeout_ms, bool* interrupted = nullptr) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = DeadlineAfter(Clock::now(), timeout_ms);
    while (true) {
      if (InterruptRequested()) {
        if (interrupted != nullptr) *interrupted = true;
        return std::nullopt;
      }
      int64_t left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd fds[2] = {{from_, POLLIN, 0}, {InterruptFd(), POLLIN, 0}};
      int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
      if (ready < 0 && errno == EINTR) continue;  // a signal, not a dead helper
      if (ready < 0) return std::nullopt;
      if (fds[0].revents != 0) return ReadFrame(from_);
    }
  }
  // Kills the helper now (its untrusted process, evaluator and fork server die with it).
  void Kill() {
    if (child_.valid()) kill(child_.id(), SIGKILL);
  }
  bool Write(const std::string& payload) { return WriteFrame(to_, payload); }

 private:
  bp::child child_;
  int to_ = -1;
  int from_ = -1;
};

// Runs every helper start on one thread that lives as long as the pool: a helper's parent-death
// signal (PR_SET_PDEATHSIG) fires when the *thread* that started it exits, so a helper restarted
// from a RunAll worker thread was killed as soon as that worker finished.
class Spawner {
 public:
  Spawner() : thread_([this] { Loop(); }) {}
  ~Spawner() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  // Runs `start` on the spawner thread and returns its result (or rethrows its exception).
  std::unique_ptr<Helper> Call(const std::function<std::unique_ptr<Helper>()>& start) {
    std::promise<std::unique_ptr<Helper>> promise;
    std::future<std::unique_ptr<Helper>> future = promise.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back([&] {
        try {
          promise.set_value(start());
        } catch (...) {
          promise.set_exception(std::current_exception());
        }
      });
    }
    wake_.notify_all();
    return future.get();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return done_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // done
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

struct Sandbox::Impl {
  Spawner spawner;  // first: destroyed last, after every helper it started
  SandboxOptions options;
  std::string helper_path;
  IsolationReport isolation;
  std::mutex mutex;
  std::condition_variable idle_changed;
  std::vector<std::unique_ptr<Helper>> idle;  // guarded by mutex
  int live = 0;                               // helpers idle or borrowed; guarded by mutex
  std::atomic<int64_t> startup_cpu_us{0};     // summed hello reports

  // Starts a helper and reads its hello frame. Throws ilf::Error when it refuses.
  std::unique_ptr<Helper> Start(IsolationReport* report) {
    auto helper = spawner.Call([&] { return std::make_unique<Helper>(helper_path, options); });
    std::optional<std::string> hello = helper->Read(60000);
    if (!hello) {
      ThrowIfInterrupted();  // Read gave up waiting because of Ctrl-C or SIGTERM: not a fault
      throw EnvironmentError("the sandbox helper '" + helper_path +
                             "' exited before saying hello (see its messages above)");
    }
    nlohmann::json json = TryParseJson(*hello);
    if (!json.is_object()) {
      throw EnvironmentError("the sandbox helper '" + helper_path + "' sent a malformed hello");
    }
    if (json.contains("error")) {
      const nlohmann::json& error = json["error"];
      throw EnvironmentError("sandbox: " +
                             (error.is_string() ? error.get<std::string>() : error.dump()));
    }
    const nlohmann::json& cpu = json["startup_cpu_ms"];
    startup_cpu_us += static_cast<int64_t>((cpu.is_number() ? cpu.get<double>() : 0.0) * 1000);
    if (report != nullptr && json.contains("isolation") && json["isolation"].is_object()) {
      try {
        const nlohmann::json& iso = json["isolation"];
        report->active = iso.value("active", std::vector<std::string>{});
        report->missing = iso.value("missing", std::vector<std::string>{});
        report->weaker = iso.value("weaker", false);
      } catch (const nlohmann::json::exception& e) {
        throw EnvironmentError(std::string("the sandbox helper sent a malformed hello: ") +
                               e.what());
      }
    }
    return helper;
  }
};

Sandbox::Sandbox(const SandboxOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (impl_->options.workers <= 0) {
    impl_->options.workers = std::max(1u, std::thread::hardware_concurrency());
  }
  signal(SIGPIPE, SIG_IGN);  // a dead helper must not kill us on write
  impl_->helper_path = FindHelper();
  for (int i = 0; i < impl_->options.workers; ++i) {
    impl_->idle.push_back(impl_->Start(i == 0 ? &impl_->isolation : nullptr));
  }
  impl_->live = impl_->options.workers;
  if (impl_->isolation.weaker) {
    LogWarning("sandbox: running with a WEAKER sandbox (missing: {})",
               fmt::join(impl_->isolation.missing, ", "));
  }
  LogDebug("sandbox: {} helpers, layers: {}", impl_->options.workers,
           fmt::join(impl_->isolation.active, ", "));
}

Sandbox::~Sandbox() = default;

ExecResult Sandbox::Run(const ExecRequest& request) {
  ExecResult result = RunOne(request);
  ThrowIfInterrupted();
  return result;
}

ExecResult Sandbox::RunOne(const ExecRequest& request) {
  std::unique_ptr<Helper> helper;
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->idle_changed.wait(lock, [&] { return !impl_->idle.empty() || impl_->live == 0; });
    if (impl_->idle.empty()) {
      ExecResult failed;
      failed.detail = "no sandbox helper is running (restarts failed; see the log)";
      return failed;
    }
    helper = std::move(impl_->idle.back());
    impl_->idle.pop_back();
  }
  ExecResult result;
  std::optional<std::string> reply;
  bool interrupted = false;
  if (helper->Write(
          RequestToJson(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
    // Saturating: a huge wall limit must not wrap around into "wait forever" or "no wait".
    int64_t wait_ms = request.limits.wall_time_ms > INT64_MAX - kHelperSlackMs
                          ? INT64_MAX
                          : request.limits.wall_time_ms + kHelperSlackMs;
    reply = helper->Read(wait_ms, &interrupted);
  }
  bool healthy = false;
  if (interrupted) {
    // The user interrupted ilf: the execution in flight dies with its helper, now.
    result.detail = "interrupted";
    helper->Kill();
    helper.reset();
  } else if (reply) {
    try {
      result = ResultFromJson(ParseJson(*reply, "reply"));
      healthy = true;
    } catch (const std::exception& e) {
      result.detail = std::string("unreadable helper reply: ") + e.what();
    }
  } else {
    result.detail = "the sandbox helper died or hung; it was restarted";
  }
  if (!healthy) {
    result.verdict = Verdict::kSandboxError;
    helper.reset();
    if (!interrupted) {
      try {
        helper = impl_->Start(nullptr);
      } catch (const std::exception& e) {
        LogError("sandbox: restarting a helper failed: {}", e.what());
      }
    }
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (helper) {
    impl_->idle.push_back(std::move(helper));
  } else {
    --impl_->live;
  }
  impl_->idle_changed.notify_all();
  return result;
}

std::vector<ExecResult> Sandbox::RunAll(const std::vector<ExecRequest>& requests,
                                        const std::function<void(size_t)>& on_done) {
  std::vector<ExecResult> results(requests.size());
  std::atomic<size_t> next{0};
  std::mutex done_mutex;
  auto work = [&] {
    for (size_t i = next++; i < requests.size() && !InterruptRequested(); i = next++) {
      results[i] = RunOne(requests[i]);
      if (on_done && !InterruptRequested()) {
        std::lock_guard<std::mutex> lock(done_mutex);
        on_done(i);
      }
    }
  };
  std::vector<std::thread> threads;
  int count = std::min<int>(impl_->options.workers, static_cast<int>(requests.size()));
  for (int i = 0; i < count; ++i) threads.emplace_back(work);
  for (std::thread& thread : threads) thread.join();
  ThrowIfInterrupted();  // nothing partial reaches the caller
  return results;
}

const IsolationReport& Sandbox::isolation() const { return impl_->isolation; }
int Sandbox::workers() const { return impl_->options.workers; }
double Sandbox::startup_cpu_ms() const { return impl_->startup_cpu_us.load() / 1000.0; }

}  // namespace ilf::sandbox
