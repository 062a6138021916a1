// The key ring that signs and verifies summonses (Ed25519, libsodium).
//
// Public keys live in the store (table signing_keys, migration 3) so that every node can verify
// every notice ever issued. Exactly one key is active at a time: it signs. Rotation makes a new
// active key and retires the old one; a retired key no longer signs, but documents it signed
// still verify. Revocation (a key suspected compromised) makes every signature by that key
// report "revoked" and not genuine, whatever the content: such notices must be re-issued.
//
// The active key's secret lives only in a file of the key directory, named "<key_id>.key",
// mode 0600, holding the 32-byte Ed25519 seed in hex. It is never written to the store, never
// logged and never put in a Status message. In memory it sits in a libsodium guarded
// allocation (read-only, zeroed on release). When a key is retired or revoked its secret file
// is deleted: a key that no longer signs has no reason to exist. Nodes that only verify open
// the ring with an empty key directory.
//
// Key ids are "<UTC date of creation>-<4 hex>", e.g. "2026-11-29-a1b2".
//
// Thread safety: Sign, Verify and the accessors may be called from any thread at once; Rotate,
// Revoke and Reload take the Connection, which belongs to the caller's thread, and must not run
// inside a transaction the caller holds (each runs its own).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/database.h"

namespace muster {

enum class KeyState { kActive, kRetired, kRevoked, kUnknown };
std::string_view KeyStateName(KeyState state);  // "active", "retired", "revoked", "unknown"

struct SigningKeyInfo {
  std::string key_id;
  std::string public_key;  // 32 raw bytes
  Instant created_at;
  std::optional<Instant> retired_at;
  std::optional<Instant> revoked_at;
  std::string revoke_reason;

  KeyState state() const;
};

struct Signature {
  std::string key_id;
  std::string bytes;  // 64 raw bytes (Ed25519 detached signature)
};

// Signature bytes as stored in text columns and event payloads: URL-safe base64, no padding
// (86 characters). Decoding returns kInvalidArgument for malformed text or a wrong length.
std::string EncodeSignatureBytes(std::string_view bytes);
Result<std::string> DecodeSignatureBytes(std::string_view text);

struct Verification {
  // True only if the signature matches the content and the key is active or retired.
  bool genuine = false;
  // Whether the Ed25519 check alone passed (true for a valid signature by a revoked key).
  bool signature_valid = false;
  KeyState key_state = KeyState::kUnknown;
  std::string key_id;
  // For people and logs: why, in one sentence ("signature: does not match the content").
  std::string detail;
  std::optional<Instant> key_revoked_at;
  std::string key_revoke_reason;
};

class KeyRing {
 public:
  // Loads every public key from the store. With a non-empty `key_directory` it also loads the
  // secret of the active key from "<key_directory>/<key_id>.key". Opening never fails because
  // that secret is missing or unusable — a node must still verify and an operator must be able
  // to rotate — instead Sign reports the problem (see signing_status()). Errors: the store's.
  static Result<std::unique_ptr<KeyRing>> Open(Connection& connection,
                                               std::filesystem::path key_directory);

  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  // Re-reads the public keys and the active key (another node may have rotated or revoked).
  Status Reload(Connection& connection);

  // Creates a new active key at `now`: writes its secret file (0600, created exclusively,
  // fsynced), then in one write transaction retires the current active key and inserts the new
  // one. Returns the new key id. kFailedPrecondition without a key directory; kAlreadyExists if
  // another node activated a key at the same moment (the store allows one active key).
  Result<std::string> Rotate(Connection& connection, Instant now);

  // Marks `key_id` revoked at `now` for `reason` (required). If it was the active key, nothing
  // signs until the next Rotate. Revoking twice keeps the first revocation. kNotFound for an
  // unknown key, kInvalidArgument for an empty reason.
  Status Revoke(Connection& connection, std::string_view key_id, std::string_view reason,
                Instant now);

  // Signs `content` with the active key. kFailedPrecondition if there is none usable here
  // (no active key, no key directory, secret file missing, too open or not matching).
  Result<Signature> Sign(std::string_view content) const;

  // Checks `signature` over `content` against the ring's public keys. Never fails: an unknown
  // key, a malformed signature or a mismatch are answers, not errors. A key unknown here may
  // be newer than the ring: the caller may Reload and ask again.
  Verification Verify(std::string_view content, const Signature& signature) const;

  std::optional<std::string> active_key_id() const;
  // Ok if Sign can work; otherwise the reason it cannot.
  Status signing_status() const;
  // Every key, ordered by key id.
  std::vector<SigningKeyInfo> keys() const;

 private:
  class SecretKey;
  explicit KeyRing(std::filesystem::path key_directory);
  // Reads the keys from the store and the active secret from disk, and installs both.
  Status LoadLocked(Connection& connection);
  std::filesystem::path SecretPath(std::string_view key_id) const;

  const std::filesystem::path key_directory_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, SigningKeyInfo, std::less<>> keys_;  // guarded by mutex_
  std::optional<std::string> active_key_id_;                 // guarded by mutex_
  std::unique_ptr<SecretKey> active_secret_;                 // guarded by mutex_
  Status signing_status_;                                    // guarded by mutex_
};

}  // namespace muster
