#include "feed/live/token_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/metrics.h"

namespace nifty::feed::live {

namespace {

using core::ErrorCode;
using core::Result;
using core::Status;
using core::Timestamp;
using nlohmann::json;

bool known_vendor(std::string_view vendor) { return vendor == "kite" || vendor == "flattrade" || vendor == "mstock"; }

// The first instant after `t` at which IST wall time reads hh:00.
Timestamp next_ist_hour(Timestamp t, int hour) {
  core::Date d = t.ist_date();
  Timestamp candidate = Timestamp::from_ist(d, hour, 0);
  if (candidate <= t) candidate = Timestamp::from_ist(core::Date::from_days_since_epoch(d.days_since_epoch() + 1), hour, 0);
  return candidate;
}

// "2026-11-26 06:00 IST".
std::string ist_text(Timestamp t) {
  int64_t minutes = t.ist_time_of_day() / core::kNanosPerMinute;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return t.ist_date().to_string() + " " + buf + " IST";
}

void set_age_gauge(std::string_view vendor, Timestamp issued, Timestamp now) {
  core::MetricsRegistry::global()
      .gauge("token_age_seconds", "Seconds since the broker access token in use was issued",
             {{"vendor", std::string(vendor)}})
      .set(static_cast<double>(now - issued) / static_cast<double>(core::kNanosPerSecond));
}

// The file as JSON; an empty object when absent.
Result<json> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return json::object();
  std::ifstream in(path);
  if (!in) return core::error(ErrorCode::kIoError, "token file " + path + ": cannot read: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return core::error(ErrorCode::kParseError, "token file " + path + ": not a JSON object (fix or delete it)");
  }
  auto tokens = j.find("tokens");
  if (tokens != j.end() && !tokens->is_object()) {
    return core::error(ErrorCode::kParseError, "token file " + path + ": \"tokens\" is not an object");
  }
  return j;
}

Result<AccessToken> entry_of(const std::string& path, const std::string& vendor, const json& e,
                             const core::NseCalendar& calendar) {
  auto bad = [&](const char* what) {
    return core::error(ErrorCode::kParseError, "token file " + path + ": tokens." + vendor + ": " + what);
  };
  if (!e.is_object()) return bad("not an object");
  auto tok = e.find("access_token");
  auto issued = e.find("issued_ns");
  if (tok == e.end() || !tok->is_string() || tok->get_ref<const std::string&>().empty())
    return bad("no string access_token");
  if (issued == e.end() || !issued->is_number_integer()) return bad("no integer issued_ns");
  AccessToken out;
  out.vendor = vendor;
  out.token = tok->get<std::string>();
  out.issued_at = Timestamp(issued->get<int64_t>());
  auto expiry = token_expiry(vendor, out.issued_at, calendar);
  if (!expiry.is_ok()) return expiry.status();
  out.expires_at = *expiry;
  return out;
}

Status write_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& what) {
    return core::error(ErrorCode::kIoError, "token file " + path + ": " + what + ": " + std::strerror(errno));
  };
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    if (!fs::exists(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec) return core::error(ErrorCode::kIoError, "token file " + path + ": cannot create its folder: " + ec.message());
      fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + tmp);
  ::fchmod(fd, 0600);  // in case a stale temporary file existed with other bits
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = fail("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = fail("cannot fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = fail("cannot rename " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::ok();
}

}  // namespace

Result<Timestamp> token_expiry(std::string_view vendor, Timestamp issued_at, const core::NseCalendar& calendar) {
  if (vendor == "kite") return next_ist_hour(issued_at, 6);
  if (vendor == "mstock") return next_ist_hour(issued_at, 3);
  if (vendor == "flattrade") {
    int64_t day = issued_at.ist_date().days_since_epoch();
    // A calendar year has far fewer than 30 consecutive closed days; the bound only guards a
    // calendar file without sessions.
    for (int i = 1; i <= 30; ++i) {
      core::Date d = core::Date::from_days_since_epoch(day + i);
      if (calendar.is_trading_day(d)) return Timestamp::from_ist(d, 0, 0);
    }
    return Timestamp::from_ist(core::Date::from_days_since_epoch(day + 1), 0, 0);
  }
  return core::error(ErrorCode::kInvalidArgument,
                     "unknown broker \"" + std::string(vendor) + "\" (known: kite, flattrade, mstock)");
}

std::string default_token_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0')
    return std::string(state) + "/nifty/tokens.json";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.local/state/nifty/tokens.json";
  return "nifty-tokens.json";
}

Status TokenStore::save(std::string_view vendor, std::string_view token, Timestamp issued_at) {
  if (!known_vendor(vendor)) {
    return core::error(ErrorCode::kInvalidArgument,
                       "unknown broker \"" + std::string(vendor) + "\" (known: kite, flattrade, mstock)");
  }
  if (token.empty()) return core::error(ErrorCode::kInvalidArgument, std::string(vendor) + ": empty access token");
  auto file = read_file(path_);
  if (!file.is_ok()) return file.status();
  json j = std::move(file).value();
  j["version"] = 1;
  if (!j.contains("tokens")) j["tokens"] = json::object();
  j["tokens"][std::string(vendor)] = {
      {"access_token", std::string(token)},
      {"issued_ns", issued_at.nanos()},
      {"issued_at", issued_at.to_iso_ist()},
  };
  NIFTY_RETURN_IF_ERROR(write_atomically(path_, j.dump(2) + "\n"));
  set_age_gauge(vendor, issued_at, Timestamp::now());
  return Status::ok();
}

Result<AccessToken> TokenStore::load(std::string_view vendor, Timestamp now) const {
  if (!known_vendor(vendor)) {
    return core::error(ErrorCode::kInvalidArgument,
                       "unknown broker \"" + std::string(vendor) + "\" (known: kite, flattrade, mstock)");
  }
  auto file = read_file(path_);
  if (!file.is_ok()) return file.status();
  const json& j = *file;
  std::string v(vendor);
  auto tokens = j.find("tokens");
  if (tokens == j.end() || !tokens->contains(v)) {
    return core::error(ErrorCode::kUnauthenticated,
                       "no " + v + " access token in " + path_ + ": run nifty login " + v);
  }
  auto token = entry_of(path_, v, (*tokens)[v], *calendar_);
  if (!token.is_ok()) return token.status();
  set_age_gauge(vendor, token->issued_at, now);
  if (now >= token->expires_at) {
    return core::error(ErrorCode::kUnauthenticated,
                       v + " access token expired at " + ist_text(token->expires_at) + ": run nifty login " + v);
  }
  return token;
}

Result<std::vector<AccessToken>> TokenStore::list() const {
  auto file = read_file(path_);
  if (!file.is_ok()) return file.status();
  std::vector<AccessToken> out;
  auto tokens = file->find("tokens");
  if (tokens == file->end()) return out;
  for (auto it = tokens->begin(); it != tokens->end(); ++it) {
    if (!known_vendor(it.key())) continue;
    auto token = entry_of(path_, it.key(), it.value(), *calendar_);
    if (!token.is_ok()) return token.status();
    out.push_back(std::move(token).value());
  }
  return out;
}

Status TokenStore::remove(std::string_view vendor) {
  auto file = read_file(path_);
  if (!file.is_ok()) return file.status();
  json j = std::move(file).value();
  auto tokens = j.find("tokens");
  if (tokens == j.end() || !tokens->contains(std::string(vendor))) return Status::ok();
  tokens->erase(std::string(vendor));
  return write_atomically(path_, j.dump(2) + "\n");
}

}  // namespace nifty::feed::live
