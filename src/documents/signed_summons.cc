#include "documents/signed_summons.h"

#include "documents/verification_code.h"

namespace muster {
namespace {

// Columns: document, key_id, signature, verification_code[, status].
// A document must sit in its own summons's row: one moved from another row is corruption.
Result<SignedSummons> FromRow(const Query& query, SummonsId row_summons_id) {
  std::string what = "summons " + std::to_string(row_summons_id);
  if (query.IsNull(0) || query.IsNull(1) || query.IsNull(2) || query.IsNull(3)) {
    return NotFound(std::string(what) + ": issued without a signed document");
  }
  SignedSummons signed_summons;
  signed_summons.content = query.Text(0);
  signed_summons.signature.key_id = query.Text(1);
  auto bytes = DecodeSignatureBytes(query.TextView(2));
  if (!bytes.ok()) return DataLoss(std::string(what) + ": stored signature is malformed");
  signed_summons.signature.bytes = std::move(bytes).value();
  signed_summons.verification_code = query.Text(3);
  auto document = ParseCanonicalContent(signed_summons.content);
  if (!document.ok()) return document.status().WithContext(what);
  signed_summons.document = std::move(document).value();
  if (signed_summons.document.summons_id != row_summons_id) {
    return DataLoss(what + ": stored document belongs to summons " +
                    std::to_string(signed_summons.document.summons_id));
  }
  return signed_summons;
}

}  // namespace

Result<SignedSummons> SignSummons(Connection& connection, const KeyRing& key_ring,
                                  const SummonsDocument& document) {
  RETURN_IF_ERROR(ValidateSummonsDocument(document));
  SignedSummons signed_summons;
  signed_summons.document = document;
  signed_summons.content = CanonicalContent(document);
  ASSIGN_OR_RETURN(signed_summons.signature, key_ring.Sign(signed_summons.content));
  ASSIGN_OR_RETURN(signed_summons.verification_code,
                   AllocateVerificationCode(connection, signed_summons.signature));
  return signed_summons;
}

Verification VerifySignedSummons(const KeyRing& key_ring, const SignedSummons& signed_summons) {
  Verification verification = key_ring.Verify(signed_summons.content, signed_summons.signature);
  if (!verification.genuine) return verification;
  if (CanonicalContent(signed_summons.document) != signed_summons.content) {
    verification.genuine = false;
    verification.detail = "document: the facts differ from the signed content";
  } else if (!CodeBelongsToSignature(signed_summons.verification_code, signed_summons.signature)) {
    verification.genuine = false;
    verification.detail = "verification_code: not derived from this signature";
  }
  return verification;
}

Status SaveSignedSummons(Connection& connection, const SignedSummons& signed_summons) {
  ASSIGN_OR_RETURN(int64_t changed,
                   ExecuteSql(connection,
                              "UPDATE summonses SET document = $2, key_id = $3, signature = $4, "
                              "verification_code = $5 WHERE summons_id = $1",
                              signed_summons.document.summons_id, signed_summons.content,
                              signed_summons.signature.key_id,
                              EncodeSignatureBytes(signed_summons.signature.bytes),
                              signed_summons.verification_code));
  if (changed == 0) {
    return NotFound("summons_id: no summons " + std::to_string(signed_summons.document.summons_id));
  }
  return Status::Ok();
}

Result<SignedSummons> LoadSignedSummons(Connection& connection, SummonsId summons_id) {
  ASSIGN_OR_RETURN(
      Query query,
      Query::Make(connection,
                  "SELECT document, key_id, signature, verification_code FROM summonses "
                  "WHERE summons_id = $1"));
  query.Bind(summons_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("summons_id: no summons " + std::to_string(summons_id));
  return FromRow(query, summons_id);
}

Result<SignedSummonsWithStatus> LoadSignedSummonsByCode(Connection& connection,
                                                        std::string_view verification_code) {
  ASSIGN_OR_RETURN(
      Query query,
      Query::Make(connection,
                  "SELECT document, key_id, signature, verification_code, status, summons_id "
                  "FROM summonses WHERE verification_code = $1"));
  query.Bind(verification_code);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) {
    return NotFound("verification_code: no summons with code " + std::string(verification_code));
  }
  ASSIGN_OR_RETURN(SignedSummons signed_summons, FromRow(query, query.Int(5)));
  return SignedSummonsWithStatus{.signed_summons = std::move(signed_summons),
                                 .status = query.Text(4)};
}

}  // namespace muster
