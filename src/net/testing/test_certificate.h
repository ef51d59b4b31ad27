// TestCertificate: a self-signed certificate for "localhost" and 127.0.0.1 (EC P-256, SHA-256,
// valid from an hour ago for a day), generated with OpenSSL at run time; tests trust it by passing
// cert_pem as the client's ca_pem (or writing it to a ca_file). For tests only.
// Immutable after generation; safe to share between threads.
#pragma once

#include <string>

#include "core/status.h"

namespace nifty::net::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;

  // For `name` (DNS SAN), plus the IP SAN 127.0.0.1 when `with_loopback_ip`. kInternal when
  // OpenSSL fails (it should not).
  static core::Result<TestCertificate> generate(const std::string& name = "localhost", bool with_loopback_ip = true);
};

}  // namespace nifty::net::testing
