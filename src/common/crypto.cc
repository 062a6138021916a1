#include "common/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <memory>

namespace muster {

Status InitCrypto() {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  return Status::Ok();
}

std::string HexEncode(std::string_view bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  hex.pop_back();
  return hex;
}

std::string Sha256Hex(std::string_view data) { return Sha256Hex({data}); }

// SHA-256 goes through OpenSSL's EVP interface, which uses the CPU's SHA extensions where
// present (about 3x libsodium's portable code on the ledger's hot path; same digests).
std::string Sha256Hex(std::initializer_list<std::string_view> parts) {
  struct ContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  for (std::string_view part : parts) EVP_DigestUpdate(context.get(), part.data(), part.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace muster
