// Test helper: skips a test whose real data lies under ../shared/data (NIFTY_SHARED_DATA_DIR) when
// that folder is not beside the repository, so a plain clone runs the suite with skips, not
// failures. Prefer the byte-identical copies in testdata/ and config/ (NIFTY_SOURCE_DIR) where they
// exist; use this only for files that have no copy in the repository.
// Threading: none; use in a TEST body (GTEST_SKIP returns from the enclosing function).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

// Skips the current test unless `path` (a file or a folder) exists.
#define NIFTY_SKIP_UNLESS_EXISTS(path)                                                                  \
  do {                                                                                                  \
    const std::string nifty_skip_path = (path);                                                         \
    if (!std::filesystem::exists(nifty_skip_path)) {                                                    \
      GTEST_SKIP() << nifty_skip_path << " is absent (../shared/data is not beside the repo)";          \
    }                                                                                                   \
  } while (false)
