#pragma once

// A self-signed TLS certificate for the simulator's loopback wss/https server, made at start
// with OpenSSL (EC P-256, SAN DNS:localhost and IP:127.0.0.1, valid one day).

#include <string>

namespace levdyn::sim {

struct CertificatePair {
  std::string cert_pem;
  std::string key_pem;
};

/// Throws std::runtime_error when OpenSSL fails.
[[nodiscard]] CertificatePair make_self_signed_certificate();

/// Writes the certificate PEM to a fresh file under the temp directory; returns its path.
[[nodiscard]] std::string write_ca_file(const std::string& cert_pem);

}  // namespace levdyn::sim
