// TokenStore: broker access tokens saved in one JSON file (by `nifty login <broker>`), each with the
// time it was issued, and the freshness rule of each broker:
//   kite       valid until the next 06:00 IST after issue (broker-protocols.md 1.11: a regulatory
//              requirement).
//   mstock     valid until the next 03:00 IST after issue (2.1: openalgo observed a daily rollover
//              around 03:00 IST; UNCONFIRMED by mStock's docs).
//   flattrade  Flattrade documents no lifetime (3.1), and Noren sessions are per trading day: a
//              token is treated as valid until the start (00:00 IST) of the next NSE trading day
//              after the day it was issued, so each trading morning starts with a fresh login.
// A missing or expired token is kUnauthenticated with the fix in the message ("kite access token
// expired at 2026-11-26 06:00 IST: run nifty login kite"). Tokens are never logged.
//
// The file is created 0600 (its folder 0700 when created here) and replaced atomically (write a
// temporary file, fsync, rename), so a reader never sees half a file. Every call reads the file
// afresh (a session picks up a new login before it reconnects), so instances hold no token state
// and are safe to use from several threads; two processes saving at the same instant may lose one
// of the two updates (the last rename wins), which `nifty login` run by hand does not do.
// Gauge token_age_seconds{vendor}: seconds since the token was issued, set by load() and save().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/nse_calendar.h"
#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::feed::live {

struct AccessToken {
  std::string vendor;      // "kite", "flattrade", "mstock"
  std::string token;       // the secret itself: never log it
  core::Timestamp issued_at;
  core::Timestamp expires_at;
};

// When a token of `vendor` issued at `issued_at` stops being valid (rules above). kInvalidArgument
// for an unknown vendor.
core::Result<core::Timestamp> token_expiry(std::string_view vendor, core::Timestamp issued_at,
                                           const core::NseCalendar& calendar = core::NseCalendar::builtin());

// "$XDG_STATE_HOME/nifty/tokens.json", else "$HOME/.local/state/nifty/tokens.json", else
// "./nifty-tokens.json".
std::string default_token_path();

class TokenStore {
 public:
  // `calendar` must outlive the store (used for Flattrade's rule).
  explicit TokenStore(std::string path, const core::NseCalendar& calendar = core::NseCalendar::builtin())
      : path_(std::move(path)), calendar_(&calendar) {}

  // Saves (or replaces) the token of `vendor`. kInvalidArgument for an unknown vendor or an empty
  // token; kIoError naming the file when it cannot be written; kParseError when the existing file is
  // corrupt (it is then left alone: fix or delete it).
  core::Status save(std::string_view vendor, std::string_view token, core::Timestamp issued_at);
  // The token of `vendor` if it is still valid at `now`. kUnauthenticated when there is none or it
  // has expired (the message says when, in IST, and what to run); kParseError for a corrupt file.
  core::Result<AccessToken> load(std::string_view vendor, core::Timestamp now) const;
  // Every saved token, valid or not (for `nifty login --status`); an absent file gives none.
  core::Result<std::vector<AccessToken>> list() const;
  // Forgets the token of `vendor` (no error when there is none).
  core::Status remove(std::string_view vendor);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const core::NseCalendar* calendar_;
};

}  // namespace nifty::feed::live
