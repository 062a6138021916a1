// Printing summonses for the registered-mail channel: one A4 page per summons, in one PDF.
//
// Each page carries what the law and due process require the citizen to read on paper: who is
// summoned (full name, birth date), where and when to appear (local time of the office), why,
// on which legal basis, the citizen's rights (how to report a valid excuse, how to object),
// and how to check the notice is genuine — the verification code in large type and a QR code
// of the verification URL, drawn from libqrencode's module matrix as vector rectangles, so it
// scans at any print resolution. Text is laid out by Pango and drawn by Cairo with DejaVu Sans
// (Debian fonts-dejavu-core); Cairo embeds the subset of glyphs used, so the file prints the
// same on any machine and its text (Cyrillic included) can be extracted and searched.
//
// Batches are written page by page (a campaign's mail summonses may be hundreds of thousands):
// SummonsPdfWriter takes one summons at a time and keeps no summons in memory. The file
// appears under its final name only when complete; a failed or abandoned batch leaves nothing.
//
// Not thread-safe: one writer per thread. Writers on different threads are independent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "documents/signed_summons.h"

namespace muster {

// Rights of the citizen printed on every page unless PdfOptions says otherwise (ru-127fz:
// valid excuses per 53-FZ art. 7, objection, appeal, lifting of measures).
extern const std::string_view kDefaultRightsTextRu;

struct PdfOptions {
  // The QR code and the printed instructions point to verify_base_url + code; it should end
  // with "/verify/".
  std::string verify_base_url = "https://muster.example/verify/";
  // Heading above the office id.
  std::string authority = "Военный комиссариат";
  // Legal-basis ids of the rule profile → the text to print ("fz53-art31-service" → "…").
  // An id with no text is printed as the id.
  std::map<std::string, std::string, std::less<>> legal_basis_texts;
  std::string rights_text = std::string(kDefaultRightsTextRu);
  // A fontconfig family; DejaVu Sans covers Cyrillic and is installed with fonts-dejavu-core.
  std::string font_family = "DejaVu Sans";
  std::string monospace_family = "DejaVu Sans Mono";
};

// verify_base_url + code: what the QR code holds.
std::string VerificationUrl(const PdfOptions& options, std::string_view verification_code);

class SummonsPdfWriter {
 public:
  // Starts a PDF that will be written to `out` (through "<out>.partial", renamed by Finish).
  // kInvalidArgument if the directory of `out` does not exist; kFailedPrecondition if a font
  // family of `options` is not installed (fontconfig would silently substitute one, perhaps
  // without Cyrillic); kInternal if Cairo cannot open the file.
  static Result<std::unique_ptr<SummonsPdfWriter>> Create(const std::filesystem::path& out,
                                                          PdfOptions options);
  // Removes the partial file unless Finish succeeded.
  ~SummonsPdfWriter();
  SummonsPdfWriter(const SummonsPdfWriter&) = delete;
  SummonsPdfWriter& operator=(const SummonsPdfWriter&) = delete;

  // Lays out and writes one page. kInvalidArgument (naming the summons) if the document's
  // appearance cannot be printed (unknown zone) or its text does not fit on one page; kInternal
  // on a Cairo or QR error. After an error the writer must be discarded.
  Status AddPage(const SignedSummons& summons);

  // Completes the file and moves it to its final name. kInternal on a write error.
  Status Finish();

  int64_t pages() const { return pages_; }

 private:
  struct Impl;
  SummonsPdfWriter(std::unique_ptr<Impl> impl, std::filesystem::path out,
                   std::filesystem::path partial);

  std::unique_ptr<Impl> impl_;
  std::filesystem::path out_;
  std::filesystem::path partial_;
  int64_t pages_ = 0;
  bool finished_ = false;
};

// Prints `summonses` into one PDF at `out`, one page each, in order. `progress` (may be empty)
// is called after every page with (pages done, total). Errors as SummonsPdfWriter's; on error
// no file is left at `out`.
Status RenderSummonsPdf(std::span<const SignedSummons> summonses, const std::filesystem::path& out,
                        const PdfOptions& options,
                        const std::function<void(int64_t, int64_t)>& progress);

// The same for summonses already signed and stored (for example the registered-mail summonses
// of a campaign), loaded one at a time through LoadSignedSummons, so a batch of any size needs
// no more memory than one page. kNotFound naming the summons if one is unknown or unsigned.
Status RenderStoredSummonsPdf(Connection& connection, std::span<const SummonsId> summons_ids,
                              const std::filesystem::path& out, const PdfOptions& options,
                              const std::function<void(int64_t, int64_t)>& progress);

}  // namespace muster
