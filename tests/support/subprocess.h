// ChildProcess and run_command: start a program (the `nifty` binary) with arguments, extra
// environment variables and a working directory, and capture its exit status, stdout and stderr.
// Output is read through pipes with poll(), so a child that writes a lot never blocks on a full
// pipe; waits take a deadline instead of sleeping.
// Threading: a ChildProcess belongs to the thread that started it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nifty::testing {

struct CommandResult {
  bool started = false;     // false: the program could not be spawned (see err)
  bool exited = false;      // true: exited normally with exit_code
  int exit_code = -1;
  int term_signal = 0;      // the signal that ended the child, when !exited
  bool timed_out = false;   // killed with SIGKILL after the timeout
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::map<std::string, std::string> env;  // set on top of the test's own environment
  std::string cwd;                         // empty: the test's working directory
  std::chrono::milliseconds timeout{120'000};
  // Signals blocked in the child's initial mask (every other signal starts unblocked).
  std::vector<int> blocked_signals;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // kills and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Spawns argv[0] (a path) with argv. False (and a message in error()) when it cannot.
  bool start(const std::vector<std::string>& argv, const CommandOptions& options = {});
  // Reads what the child has written, waiting at most `wait` for something to arrive. Returns
  // false once both pipes are closed.
  bool pump(std::chrono::milliseconds wait);
  // Pumps until `done()` holds, the pipes close, or `deadline` passes; returns done().
  bool pump_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
  void send_signal(int sig);
  // Pumps and reaps until the child ends or `deadline` passes (then SIGKILL, timed_out).
  CommandResult wait(std::chrono::steady_clock::time_point deadline);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::string error_;
};

// Runs the command to completion (or options.timeout) and returns what it did.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// For failure messages: exit status and the tail of stderr.
std::string describe(const CommandResult& result);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released), for a child
// process to listen on. Another process may take it in between; tests that start servers retry.
int free_loopback_port();

}  // namespace nifty::testing
