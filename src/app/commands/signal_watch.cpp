#include "app/commands/signal_watch.h"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>

#include "core/log.h"

namespace nifty::app {

SignalWatch::SignalWatch() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGUSR1);  // our own wake-up at the end
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  watcher_ = std::thread([this] {
    int sig = 0;
    if (sigwait(&signals_, &sig) != 0 || sig == SIGUSR1) return;
    core::Logger::get("app").info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop_.request_stop();
    if (sigwait(&signals_, &sig) != 0 || sig == SIGUSR1) return;
    std::fprintf(stderr, "nifty: second signal, quitting without flushing\n");
    std::_Exit(130);
  });
}

SignalWatch::~SignalWatch() {
  pthread_kill(watcher_.native_handle(), SIGUSR1);
  watcher_.join();
}

}  // namespace nifty::app
