#include "documents/signing_keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/crypto.h"

namespace muster {
namespace {

constexpr size_t kSeedHexLength = crypto_sign_SEEDBYTES * 2;

std::string ErrnoText() { return std::strerror(errno); }

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status SyncDirectory(const std::filesystem::path& directory) {
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return Internal("key directory " + directory.string() + ": cannot sync: " + ErrnoText());
  }
  return Status::Ok();
}

// Writes the seed as hex to a new file readable by the owner only. Fails if the file exists:
// a secret is never overwritten.
Status WriteSecretFile(const std::filesystem::path& path, const unsigned char* seed) {
  FileDescriptor fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return Internal("signing key file " + path.string() + ": cannot create: " + ErrnoText());
  }
  std::array<char, kSeedHexLength + 2> hex{};
  sodium_bin2hex(hex.data(), kSeedHexLength + 1, seed, crypto_sign_SEEDBYTES);
  hex[kSeedHexLength] = '\n';
  ssize_t written = ::write(fd.get(), hex.data(), kSeedHexLength + 1);
  sodium_memzero(hex.data(), hex.size());
  if (written != static_cast<ssize_t>(kSeedHexLength + 1) || ::fsync(fd.get()) != 0) {
    std::string why = ErrnoText();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return Internal("signing key file " + path.string() + ": cannot write: " + why);
  }
  if (::close(fd.Release()) != 0) {
    return Internal("signing key file " + path.string() + ": cannot close: " + ErrnoText());
  }
  return SyncDirectory(path.parent_path());
}

// Reads the hex seed; refuses a file that is not a regular file or that group or others may
// read, as ssh does, because such a key may already have leaked.
Status ReadSecretFile(const std::filesystem::path& path, unsigned char* seed) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    return FailedPrecondition("signing key file " + path.string() +
                              ": cannot open: " + ErrnoText());
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return FailedPrecondition("signing key file " + path.string() + ": not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return FailedPrecondition("signing key file " + path.string() + ": mode " + mode +
                              " lets others read it; expected 0600");
  }
  std::array<char, kSeedHexLength + 4> hex{};
  ssize_t got = ::read(fd.get(), hex.data(), hex.size());
  size_t length = got > 0 ? static_cast<size_t>(got) : 0;
  while (length > 0 && (hex[length - 1] == '\n' || hex[length - 1] == '\r')) --length;
  size_t decoded = 0;
  int rc = length == kSeedHexLength ? sodium_hex2bin(seed, crypto_sign_SEEDBYTES, hex.data(),
                                                     length, nullptr, &decoded, nullptr)
                                    : -1;
  sodium_memzero(hex.data(), hex.size());
  if (rc != 0 || decoded != crypto_sign_SEEDBYTES) {
    return FailedPrecondition("signing key file " + path.string() +
                              ": expected 64 hex digits (an Ed25519 seed)");
  }
  return Status::Ok();
}

std::optional<Instant> OptionalInstant(const Query& query, int column) {
  auto seconds = query.OptionalInt(column);
  if (!seconds) return std::nullopt;
  return FromUnixSeconds(*seconds);
}

// Runs `body` inside a write transaction: commits on success, rolls back on failure.
template <typename Body>
Status InWriteTransaction(Connection& connection, Body&& body) {
  if (connection.InTransaction()) {
    return FailedPrecondition("signing keys: must not run inside the caller's transaction");
  }
  RETURN_IF_ERROR(connection.BeginWrite());
  Status status = body();
  if (status.ok()) status = connection.Commit();
  if (!status.ok() && connection.InTransaction()) (void)connection.Rollback();
  return status;
}

}  // namespace

std::string_view KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kActive:
      return "active";
    case KeyState::kRetired:
      return "retired";
    case KeyState::kRevoked:
      return "revoked";
    case KeyState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

KeyState SigningKeyInfo::state() const {
  if (revoked_at) return KeyState::kRevoked;
  if (retired_at) return KeyState::kRetired;
  return KeyState::kActive;
}

std::string EncodeSignatureBytes(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  text.resize(std::strlen(text.c_str()));
  return text;
}

Result<std::string> DecodeSignatureBytes(std::string_view text) {
  std::string bytes(crypto_sign_BYTES, '\0');
  size_t length = 0;
  const char* end = nullptr;
  int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(),
                             text.data(), text.size(), nullptr, &length, &end,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (rc != 0 || length != crypto_sign_BYTES || end != text.data() + text.size()) {
    return InvalidArgument("signature: expected 64 bytes in URL-safe base64");
  }
  return bytes;
}

// The secret half of the active key in a guarded allocation, read-only once filled and zeroed
// by sodium_free.
class KeyRing::SecretKey {
 public:
  static Result<std::unique_ptr<SecretKey>> FromSeed(const unsigned char* seed) {
    void* memory = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (memory == nullptr) return Internal("signing key: cannot allocate guarded memory");
    std::unique_ptr<SecretKey> key(new SecretKey(static_cast<unsigned char*>(memory)));
    crypto_sign_seed_keypair(key->public_key_.data(), key->secret_, seed);
    sodium_mprotect_readonly(key->secret_);
    return key;
  }
  ~SecretKey() { sodium_free(secret_); }
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  const unsigned char* secret() const { return secret_; }
  std::string_view public_key() const {
    return {reinterpret_cast<const char*>(public_key_.data()), public_key_.size()};
  }

 private:
  explicit SecretKey(unsigned char* secret) : secret_(secret) {}
  unsigned char* secret_;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key_{};
};

KeyRing::KeyRing(std::filesystem::path key_directory) : key_directory_(std::move(key_directory)) {}

KeyRing::~KeyRing() = default;

Result<std::unique_ptr<KeyRing>> KeyRing::Open(Connection& connection,
                                               std::filesystem::path key_directory) {
  RETURN_IF_ERROR(InitCrypto());
  std::unique_ptr<KeyRing> ring(new KeyRing(std::move(key_directory)));
  std::unique_lock lock(ring->mutex_);
  RETURN_IF_ERROR(ring->LoadLocked(connection));
  lock.unlock();
  return ring;
}

std::filesystem::path KeyRing::SecretPath(std::string_view key_id) const {
  return key_directory_ / (std::string(key_id) + ".key");
}

Status KeyRing::Reload(Connection& connection) {
  std::unique_lock lock(mutex_);
  return LoadLocked(connection);
}

Status KeyRing::LoadLocked(Connection& connection) {
  std::map<std::string, SigningKeyInfo, std::less<>> keys;
  std::optional<std::string> active;
  {
    ASSIGN_OR_RETURN(
        Query query,
        Query::Make(
            connection,
            "SELECT key_id, public_key, created_at, retired_at, revoked_at, revoke_reason, active "
            "FROM signing_keys ORDER BY key_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      SigningKeyInfo info;
      info.key_id = query.Text(0);
      std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
      size_t length = 0;
      std::string_view hex = query.TextView(1);
      if (sodium_hex2bin(reinterpret_cast<unsigned char*>(public_key.data()), public_key.size(),
                         hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
          length != crypto_sign_PUBLICKEYBYTES) {
        return DataLoss("signing_keys: public key of " + info.key_id + " is not 32 bytes of hex");
      }
      info.public_key = std::move(public_key);
      info.created_at = FromUnixSeconds(query.Int(2));
      info.retired_at = OptionalInstant(query, 3);
      info.revoked_at = OptionalInstant(query, 4);
      info.revoke_reason = query.OptionalText(5).value_or("");
      if (query.OptionalInt(6) == 1 && !info.revoked_at) active = info.key_id;
      keys.emplace(info.key_id, std::move(info));
    }
  }
  keys_ = std::move(keys);
  if (active != active_key_id_) active_secret_.reset();
  active_key_id_ = active;
  if (!active_key_id_) {
    signing_status_ = FailedPrecondition("signing key: no active key; rotate to create one");
    return Status::Ok();
  }
  if (key_directory_.empty()) {
    signing_status_ =
        FailedPrecondition("signing key: this node has no key directory and only verifies");
    return Status::Ok();
  }
  if (active_secret_ != nullptr) return Status::Ok();  // already loaded for this key
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  Status read = ReadSecretFile(SecretPath(*active_key_id_), seed.data());
  if (!read.ok()) {
    signing_status_ = read.WithContext("signing key " + *active_key_id_);
    return Status::Ok();
  }
  auto secret = SecretKey::FromSeed(seed.data());
  sodium_memzero(seed.data(), seed.size());
  if (!secret.ok()) return secret.status();
  if ((*secret)->public_key() != keys_.at(*active_key_id_).public_key) {
    signing_status_ = FailedPrecondition("signing key " + *active_key_id_ + ": the file " +
                                         SecretPath(*active_key_id_).string() +
                                         " does not hold the key registered in the store");
    return Status::Ok();
  }
  active_secret_ = std::move(secret).value();
  signing_status_ = Status::Ok();
  return Status::Ok();
}

Result<std::string> KeyRing::Rotate(Connection& connection, Instant now) {
  if (key_directory_.empty()) {
    return FailedPrecondition("signing key: this node has no key directory; cannot rotate");
  }
  std::error_code error;
  if (!std::filesystem::exists(key_directory_, error)) {
    std::filesystem::create_directories(key_directory_, error);
    if (error) {
      return Internal("key directory " + key_directory_.string() + ": " + error.message());
    }
    std::filesystem::permissions(key_directory_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, error);
  }

  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  randombytes_buf(seed.data(), seed.size());
  {
    ASSIGN_OR_RETURN(auto secret, SecretKey::FromSeed(seed.data()));
    std::memcpy(public_key.data(), secret->public_key().data(), public_key.size());
  }

  std::string key_id;
  std::optional<std::string> previous;
  bool file_written = false;
  Status status = InWriteTransaction(connection, [&]() -> Status {
    // A fresh id: today's date and 16 random bits, not in the store and with no stray file.
    for (int attempt = 0; attempt < 16 && key_id.empty(); ++attempt) {
      std::array<unsigned char, 2> suffix{};
      randombytes_buf(suffix.data(), suffix.size());
      std::string candidate =
          FormatDate(CivilDate(date::floor<date::days>(now))) + "-" +
          HexEncode({reinterpret_cast<const char*>(suffix.data()), suffix.size()});
      ASSIGN_OR_RETURN(Query taken,
                       Query::Make(connection, "SELECT 1 FROM signing_keys WHERE key_id = $1"));
      taken.Bind(candidate);
      ASSIGN_OR_RETURN(bool exists, taken.Next());
      if (!exists && !std::filesystem::exists(SecretPath(candidate), error)) key_id = candidate;
    }
    if (key_id.empty()) return Internal("signing key: no free key id for today");
    {
      ASSIGN_OR_RETURN(Query current,
                       Query::Make(connection, "SELECT key_id FROM signing_keys WHERE active = 1"));
      ASSIGN_OR_RETURN(bool has_active, current.Next());
      if (has_active) previous = current.Text(0);
    }
    RETURN_IF_ERROR(ExecuteSql(connection,
                               "UPDATE signing_keys SET retired_at = $1, active = NULL "
                               "WHERE active = 1",
                               ToUnixSeconds(now))
                        .status());
    RETURN_IF_ERROR(
        ExecuteSql(connection,
                   "INSERT INTO signing_keys (key_id, algorithm, public_key, "
                   "created_at, active) VALUES ($1, 'ed25519', $2, $3, 1)",
                   key_id,
                   HexEncode({reinterpret_cast<const char*>(public_key.data()), public_key.size()}),
                   ToUnixSeconds(now))
            .status());
    // The secret is on disk before the key is committed as active, so a committed active key
    // always has its file; if the commit fails the file is removed below.
    RETURN_IF_ERROR(WriteSecretFile(SecretPath(key_id), seed.data()));
    file_written = true;
    return Status::Ok();
  });
  sodium_memzero(seed.data(), seed.size());
  if (!status.ok()) {
    if (file_written) std::filesystem::remove(SecretPath(key_id), error);
    return status.WithContext("rotate signing key");
  }
  if (previous) std::filesystem::remove(SecretPath(*previous), error);
  std::unique_lock lock(mutex_);
  RETURN_IF_ERROR(LoadLocked(connection));
  return key_id;
}

Status KeyRing::Revoke(Connection& connection, std::string_view key_id, std::string_view reason,
                       Instant now) {
  if (reason.empty()) return InvalidArgument("reason: a revocation needs a reason");
  Status status = InWriteTransaction(connection, [&]() -> Status {
    ASSIGN_OR_RETURN(
        Query known,
        Query::Make(connection, "SELECT revoked_at FROM signing_keys WHERE key_id = $1"));
    known.Bind(key_id);
    ASSIGN_OR_RETURN(bool exists, known.Next());
    if (!exists) return NotFound("key_id: unknown signing key '" + std::string(key_id) + "'");
    bool already_revoked = !known.IsNull(0);
    known.Finish();
    if (already_revoked) return Status::Ok();
    return ExecuteSql(connection,
                      "UPDATE signing_keys SET revoked_at = $2, revoke_reason = $3, "
                      "active = NULL WHERE key_id = $1",
                      key_id, ToUnixSeconds(now), reason)
        .status();
  });
  RETURN_IF_ERROR(status);
  if (!key_directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(SecretPath(key_id), ignored);
  }
  std::unique_lock lock(mutex_);
  return LoadLocked(connection);
}

Result<Signature> KeyRing::Sign(std::string_view content) const {
  std::shared_lock lock(mutex_);
  if (active_secret_ == nullptr) return signing_status_;
  Signature signature{.key_id = *active_key_id_, .bytes = std::string(crypto_sign_BYTES, '\0')};
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.bytes.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(content.data()), content.size(),
                       active_secret_->secret());
  return signature;
}

Verification KeyRing::Verify(std::string_view content, const Signature& signature) const {
  Verification verification;
  verification.key_id = signature.key_id;
  std::shared_lock lock(mutex_);
  auto found = keys_.find(signature.key_id);
  if (found == keys_.end()) {
    verification.detail = "signing key: unknown key id '" + signature.key_id + "'";
    return verification;
  }
  const SigningKeyInfo& key = found->second;
  verification.key_state = key.state();
  verification.key_revoked_at = key.revoked_at;
  verification.key_revoke_reason = key.revoke_reason;
  verification.signature_valid =
      signature.bytes.size() == crypto_sign_BYTES &&
      crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(signature.bytes.data()),
          reinterpret_cast<const unsigned char*>(content.data()), content.size(),
          reinterpret_cast<const unsigned char*>(key.public_key.data())) == 0;
  if (!verification.signature_valid) {
    verification.detail = "signature: does not match the content (altered or forged)";
  } else if (verification.key_state == KeyState::kRevoked) {
    verification.detail = "signing key " + key.key_id + ": revoked at " +
                          FormatInstant(*key.revoked_at) + " (" + key.revoke_reason + ")";
  } else {
    verification.genuine = true;
    verification.detail = "signature: valid, " + std::string(KeyStateName(verification.key_state)) +
                          " key " + key.key_id;
  }
  return verification;
}

std::optional<std::string> KeyRing::active_key_id() const {
  std::shared_lock lock(mutex_);
  return active_key_id_;
}

Status KeyRing::signing_status() const {
  std::shared_lock lock(mutex_);
  return signing_status_;
}

std::vector<SigningKeyInfo> KeyRing::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<SigningKeyInfo> out;
  out.reserve(keys_.size());
  for (const auto& [id, info] : keys_) out.push_back(info);
  return out;
}

}  // namespace muster
