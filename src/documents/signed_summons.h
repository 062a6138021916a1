// A summons document together with its signature and verification code: what the registry
// stores with a summons, what the PDF prints, and what the public verification checks.
//
// The stored form is four columns of summonses (migration 3): `document` (the canonical
// bytes exactly as signed), `key_id`, `signature` (URL-safe base64) and `verification_code`
// (UNIQUE). Issuing goes:
//
//   SummonsDocument document = …;                       // facts of the new summons
//   ASSIGN_OR_RETURN(SignedSummons signed_summons, SignSummons(connection, key_ring, document));
//   // put signed_summons.content / .signature / .verification_code into the SummonsIssued
//   // event, and after the projector's INSERT into summonses:
//   RETURN_IF_ERROR(SaveSignedSummons(connection, signed_summons));
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "documents/signing_keys.h"
#include "documents/summons_document.h"
#include "store/database.h"

namespace muster {

struct SignedSummons {
  SummonsDocument document;
  std::string content;  // CanonicalContent(document): the signed bytes, stored verbatim
  Signature signature;
  std::string verification_code;  // "XXXX-XXXX-XXXX"
};

// Validates and signs `document` with the ring's active key and allocates its verification
// code against summonses.verification_code (run it inside the issuing transaction so codes of
// the same batch count). Errors: ValidateSummonsDocument's, KeyRing::Sign's, the store's.
Result<SignedSummons> SignSummons(Connection& connection, const KeyRing& key_ring,
                                  const SummonsDocument& document);

// Checks a signed summons as a verifier does: the content is the canonical form of the
// document, the code belongs to the signature, and the signature verifies. Never fails.
Verification VerifySignedSummons(const KeyRing& key_ring, const SignedSummons& signed_summons);

// Writes the document, key id, signature and code into the summons row `document.summons_id`
// (which must exist). kNotFound if it does not; kAlreadyExists if another summons holds the
// code.
Status SaveSignedSummons(Connection& connection, const SignedSummons& signed_summons);

// Reads a summons's signed document back. kNotFound for an unknown summons or one issued
// unsigned (before migration 3); kDataLoss if the stored document or signature is malformed.
Result<SignedSummons> LoadSignedSummons(Connection& connection, SummonsId summons_id);

// The same, found by verification code (canonical form) — the public verification's lookup —
// with the summons's current status ("issued", "served", "cancelled", …), which is not part of
// the signed document. kNotFound if no summons has the code.
struct SignedSummonsWithStatus {
  SignedSummons signed_summons;
  std::string status;
};
Result<SignedSummonsWithStatus> LoadSignedSummonsByCode(Connection& connection,
                                                        std::string_view verification_code);

}  // namespace muster
