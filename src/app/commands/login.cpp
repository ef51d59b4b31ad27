// nifty login kite --request-token T | flattrade --code C | mstock | status: turns what the broker's
// login page returns (or mStock's password and TOTP) into the day's access token and saves it in
// the token store (feed.live.token_file, 0600) for the live feed. Without the token or code, prints
// the page to open. `status` lists the saved tokens and when each expires.
#include <cstdio>

#include "app/commands/commands.h"
#include "feed/login/broker_login.h"

namespace nifty::app {
namespace {

int save_token(const NiftyConfig& config, std::string_view vendor, core::Result<std::string> token) {
  if (!token) {
    report_error(token.status().message());
    return exit_code_for(token.status());
  }
  auto store = open_token_store(config);
  core::Timestamp now = core::Timestamp::now();
  core::Status saved = store.save(vendor, token.value(), now);
  if (!saved) {
    report_error(saved.message());
    return kExitFailure;
  }
  auto loaded = store.load(vendor, now);
  std::string until = loaded ? loaded.value().expires_at.to_iso_ist() : "unknown";
  std::printf("%.*s access token saved to %s; valid until %s\n", static_cast<int>(vendor.size()), vendor.data(),
              store.path().c_str(), until.c_str());
  return kExitOk;
}

feed::login::HttpTarget target(const std::string& url) { return {.base_url = url}; }

}  // namespace

void add_login_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    std::string request_token;
    std::string code;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("login", "Log in to a broker and save the day's access token");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->require_subcommand(1);

  CLI::App* kite = cmd->add_subcommand("kite", "Exchange a Kite request_token (feed.kite.api_key, NIFTY_FEED_KITE_API_SECRET)");
  kite->add_option("--request-token", opts->request_token, "the request_token from the redirect URL");
  kite->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (opts->request_token.empty()) {
        std::printf("Open %s, log in, and run again with --request-token <the request_token of the redirect URL>\n",
                    feed::login::kite_login_page(config.kite.api_key).c_str());
        return kExitUsage;
      }
      return save_token(config, "kite",
                        feed::login::kite_access_token(target(config.kite_api_url), config.kite.api_key,
                                                       config.kite_api_secret, opts->request_token));
    };
  });

  CLI::App* flattrade = cmd->add_subcommand(
      "flattrade", "Exchange a Flattrade request code (feed.flattrade.api_key, NIFTY_FEED_FLATTRADE_API_SECRET)");
  flattrade->add_option("--code", opts->code, "the code from the redirect URL");
  flattrade->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (opts->code.empty()) {
        std::printf("Open %s, log in, and run again with --code <the code of the redirect URL>\n",
                    feed::login::flattrade_login_page(config.flattrade_api_key).c_str());
        return kExitUsage;
      }
      return save_token(config, "flattrade",
                        feed::login::flattrade_session_token(target(config.flattrade_auth_url),
                                                             config.flattrade_api_key, config.flattrade_api_secret,
                                                             opts->code));
    };
  });

  CLI::App* mstock = cmd->add_subcommand(
      "mstock", "Log in to mStock with the client code, NIFTY_FEED_MSTOCK_PASSWORD and NIFTY_FEED_MSTOCK_TOTP_SECRET");
  mstock->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      feed::login::MstockCredentials c{config.mstock.api_key, config.mstock_client_code, config.mstock_password,
                                       config.mstock_totp_secret};
      return save_token(config, "mstock",
                        feed::login::mstock_jwt(target(config.mstock_api_url), c, core::Timestamp::now()));
    };
  });

  CLI::App* status = cmd->add_subcommand("status", "List the saved tokens and when they expire");
  status->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      auto store = open_token_store(config);
      auto tokens = store.list();
      if (!tokens) {
        report_error(tokens.status().message());
        return kExitFailure;
      }
      core::Timestamp now = core::Timestamp::now();
      for (const auto& t : tokens.value()) {
        std::printf("{\"vendor\":\"%s\",\"issued\":\"%s\",\"expires\":\"%s\",\"valid\":%s}\n", t.vendor.c_str(),
                    t.issued_at.to_iso_ist().c_str(), t.expires_at.to_iso_ist().c_str(),
                    now < t.expires_at ? "true" : "false");
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
