// nifty config check FILE | nifty config show [--config FILE]
#include <cstdio>

#include "app/commands/commands.h"

namespace nifty::app {

void add_config_command(CLI::App& app, CommandAction& action) {
  CLI::App* cmd = app.add_subcommand("config", "Check or show the configuration");
  cmd->require_subcommand(1);
  auto check_file = std::make_shared<std::string>();
  CLI::App* check = cmd->add_subcommand("check", "Validate a config file; exit 2 naming the bad key");
  check->add_option("file", *check_file, "TOML config file")->required();
  check->callback([check_file, &action] {
    action = [check_file]() -> int {
      auto config = load_config(*check_file);
      if (!config) {
        report_error(config.status().message());
        return kExitUsage;
      }
      std::printf("%s: ok\n", check_file->c_str());
      return kExitOk;
    };
  });
  auto show_file = std::make_shared<std::string>();
  CLI::App* show = cmd->add_subcommand("show", "Print the effective configuration (secrets redacted)");
  show->add_option("--config,-c", *show_file, "TOML config file (default: built-in defaults)");
  show->callback([show_file, &action] {
    action = [show_file]() -> int {
      auto config = load_config(*show_file);
      if (!config) {
        report_error(config.status().message());
        return kExitUsage;
      }
      std::string text = show_config(*config);
      std::fwrite(text.data(), 1, text.size(), stdout);
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
