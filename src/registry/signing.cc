// The registry's signing keys: every summons is signed when it is issued (docs/DOCUMENTS.md).
// The key ring itself is documents/signing_keys.h; the signature is made in IssueIn
// (lifecycle.cc) inside the issuing transaction, so that a verification code is unique among
// the summonses of the same batch too.
#include "registry/registry.h"

namespace muster {

Status Registry::EnableSigning(const std::filesystem::path& key_directory) {
  ASSIGN_OR_RETURN(key_ring_, KeyRing::Open(*connection_, key_directory));
  return Status::Ok();
}

Status Registry::signing_status() const {
  if (key_ring_ == nullptr) {
    return FailedPrecondition(
        "signing: summonses are signed when issued, and this registry has no signing key ring "
        "(open it with a key directory: --key-dir, or <store>.keys next to a SQLite store)");
  }
  Status status = key_ring_->signing_status();
  if (status.ok()) return status;
  return FailedPrecondition("signing: cannot sign a summons: " + status.message());
}

Result<std::string> Registry::RotateSigningKey() {
  if (key_ring_ == nullptr) return signing_status();
  return key_ring_->Rotate(*connection_, Now());
}

Status Registry::RevokeSigningKey(std::string_view key_id, std::string_view reason) {
  if (key_ring_ == nullptr) return signing_status();
  return key_ring_->Revoke(*connection_, key_id, reason, Now());
}

Status Registry::ReloadSigningKeys() {
  if (key_ring_ == nullptr) return signing_status();
  return key_ring_->Reload(*connection_);
}

}  // namespace muster
