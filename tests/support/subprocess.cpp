#include "support/subprocess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace nifty::testing {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  close_fd(out_fd_);
  close_fd(err_fd_);
}

bool ChildProcess::start(const std::vector<std::string>& argv, const CommandOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  // The child's signal mask and dispositions start clean (but for blocked_signals), whatever the
  // test runner set.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  for (int sig : options.blocked_signals) sigaddset(&none, sig);
  sigset_t all_default;
  sigemptyset(&all_default);
  sigaddset(&all_default, SIGINT);
  sigaddset(&all_default, SIGTERM);
  sigaddset(&all_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all_default);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    if (options.env.count(name) == 0) env_strings.push_back(std::move(entry));
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (auto& s : args) argvp.push_back(s.data());
  argvp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argvp[0], &actions, &attr, argvp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    error_ = "cannot start " + argv[0] + ": " + std::strerror(rc);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return false;
  }
  pid_ = pid;
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  return true;
}

bool ChildProcess::pump(std::chrono::milliseconds wait) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) return false;
  int ready = ::poll(fds, n, static_cast<int>(wait.count()));
  if (ready <= 0) return true;
  char buf[65536];
  for (int i = 0; i < n; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
    std::string& sink = fds[i].fd == out_fd_ ? out_ : err_;
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      sink.append(buf, static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(fd);
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

bool ChildProcess::pump_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!pump(std::min(left, std::chrono::milliseconds(50)))) {
      // Pipes closed: nothing more will arrive; poll the condition once more (it may read a file).
      if (done()) return true;
      int status = 0;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return done();
      }
      // The child still runs with its pipes closed: wait without spinning hard.
      pollfd none{};
      ::poll(&none, 0, 20);
    }
  }
  return true;
}

void ChildProcess::send_signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

CommandResult ChildProcess::wait(std::chrono::steady_clock::time_point deadline) {
  CommandResult r;
  r.started = true;
  int status = 0;
  bool reaped = false;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    bool open = pump(std::min(left, std::chrono::milliseconds(50)));
    if (!open) {
      // Output is complete; reap with a short poll so the deadline is still honoured.
      if (pid_ <= 0) break;
      pid_t got = ::waitpid(pid_, &status, WNOHANG);
      if (got == pid_) {
        reaped = true;
        break;
      }
      pollfd none{};
      ::poll(&none, 0, 10);
    }
  }
  if (!reaped && pid_ > 0) {
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      reaped = true;
    } else {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      r.timed_out = true;
      reaped = true;
    }
    // Collect whatever is still in the pipes.
    for (int i = 0; i < 100 && pump(std::chrono::milliseconds(10)); ++i) {
    }
  }
  pid_ = -1;
  if (reaped && !r.timed_out) {
    if (WIFEXITED(status)) {
      r.exited = true;
      r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      r.term_signal = WTERMSIG(status);
    }
  }
  r.out = out_;
  r.err = err_;
  return r;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  ChildProcess child;
  if (!child.start(argv, options)) {
    CommandResult r;
    r.err = child.error();
    return r;
  }
  return child.wait(std::chrono::steady_clock::now() + options.timeout);
}

std::string describe(const CommandResult& r) {
  std::string s;
  if (!r.started) return "not started: " + r.err;
  if (r.timed_out) s = "timed out";
  else if (r.exited) s = "exit code " + std::to_string(r.exit_code);
  else s = "killed by signal " + std::to_string(r.term_signal);
  std::string tail = r.err.size() > 2000 ? r.err.substr(r.err.size() - 2000) : r.err;
  return s + "; stderr tail:\n" + tail;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace nifty::testing
