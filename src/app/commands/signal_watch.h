// SignalWatch: while it lives, SIGINT/SIGTERM become a stop request on its stop_source (taken by a
// watcher thread with sigwait, so no handler runs in a random thread); a second signal while the
// clean stop is still flushing quits at once (exit 130). main() blocks the signals before any
// thread starts; the constructor blocks them again so the class also works without main().
// Threading: construct and destroy on one thread; token() from any.
#pragma once

#include <csignal>
#include <stop_token>
#include <thread>

namespace nifty::app {

class SignalWatch {
 public:
  SignalWatch();
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  std::stop_token token() const { return stop_.get_token(); }
  void request_stop() { stop_.request_stop(); }

 private:
  sigset_t signals_;
  std::stop_source stop_;
  std::thread watcher_;
};

}  // namespace nifty::app
