#include "documents/pdf/summons_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "documents/summons_document.h"
#include "documents/verification_page.h"
#include "domain/region.h"

namespace muster {

const std::string_view kDefaultRightsTextRu =
    "Если вы не можете явиться по уважительной причине — заболевание или увечье с утратой "
    "трудоспособности; тяжёлое состояние здоровья близкого родственника или участие в его "
    "похоронах; препятствие, возникшее в результате действия непреодолимой силы, или иное "
    "обстоятельство, не зависящее от вашей воли; иная причина, признанная уважительной "
    "призывной комиссией или судом, — сообщите об этом в военный комиссариат (в личном "
    "кабинете, письмом или лично) и представьте подтверждающие документы. Когда причина "
    "отпадёт, явитесь без новой повестки.\n"
    "Если вы считаете, что повестка выдана ошибочно (например, у вас есть отсрочка или "
    "освобождение) или сведения о вас в реестре неверны, вы вправе подать возражение в "
    "военный комиссариат, а его решение обжаловать в вышестоящий военный комиссариат или в "
    "суд.\n"
    "Неявка без уважительной причины может повлечь временные меры, предусмотренные законом. "
    "Они отменяются не позднее чем через сутки после явки или принятия уважительной причины.";

namespace {

// A4 in PostScript points, and the page geometry.
constexpr double kMillimetre = 72.0 / 25.4;
constexpr double kPageWidth = 210 * kMillimetre;
constexpr double kPageHeight = 297 * kMillimetre;
constexpr double kMargin = 20 * kMillimetre;
constexpr double kTextWidth = kPageWidth - 2 * kMargin;
constexpr double kQrSide = 38 * kMillimetre;  // quiet zone included
constexpr int kQrQuietModules = 4;
constexpr double kQrGap = 6 * kMillimetre;
constexpr double kVerificationTextWidth = kTextWidth - kQrSide - kQrGap;

std::string Markup(std::string_view text) {
  gchar* escaped = g_markup_escape_text(text.data(), static_cast<gssize>(text.size()));
  std::string out(escaped);
  g_free(escaped);
  return out;
}

struct FontDeleter {
  void operator()(PangoFontDescription* font) const { pango_font_description_free(font); }
};
using Font = std::unique_ptr<PangoFontDescription, FontDeleter>;

Font MakeFont(const std::string& family, double points, bool bold) {
  Font font(pango_font_description_new());
  pango_font_description_set_family(font.get(), family.c_str());
  pango_font_description_set_absolute_size(font.get(), points * PANGO_SCALE);
  pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  return font;
}

// fontconfig never fails to find a font: it substitutes one. A summons printed in a substitute
// without Cyrillic glyphs would go out as boxes, so the family must resolve to itself.
Status CheckFontInstalled(PangoContext* context, const PangoFontDescription* font) {
  PangoFont* loaded = pango_context_load_font(context, font);
  std::string wanted = pango_font_description_get_family(font);
  std::string got;
  if (loaded != nullptr) {
    PangoFontDescription* described = pango_font_describe(loaded);
    if (const char* family = pango_font_description_get_family(described)) got = family;
    pango_font_description_free(described);
    g_object_unref(loaded);
  }
  if (g_ascii_strcasecmp(got.c_str(), wanted.c_str()) != 0) {
    return FailedPrecondition("font_family: '" + wanted + "' is not installed" +
                              (got.empty() ? "" : " (fontconfig would substitute '" + got + "')") +
                              "; install fonts-dejavu-core");
  }
  return Status::Ok();
}

}  // namespace

std::string VerificationUrl(const PdfOptions& options, std::string_view verification_code) {
  return options.verify_base_url + std::string(verification_code);
}

struct LayoutDeleter {
  void operator()(PangoLayout* layout) const { g_object_unref(layout); }
};
using Layout = std::unique_ptr<PangoLayout, LayoutDeleter>;

struct SummonsPdfWriter::Impl {
  PdfOptions options;
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  Font title_font, heading_font, body_font, small_font, code_font;
  // Text that changes from page to page goes through one re-used layout. Text that is the same
  // on every page (title, rights, instructions, the anti-fraud rule) is laid out once, in
  // Create, and only drawn again: shaping is most of the cost of a page.
  Layout layout;
  Layout title;
  // The largest constant parts are recorded once as vector drawings; Cairo writes each as one
  // PDF form XObject that every page refers to, instead of repeating its text on every page
  // (compressing and printing that text was most of the time per page).
  struct Block {
    cairo_surface_t* surface = nullptr;
    double height = 0;
  };
  Block rights;              // "Ваши права" and the rights paragraphs
  Block verification_intro;  // "Проверка подлинности" and how to check
  Block anti_fraud;          // the anti-fraud rule

  ~Impl() {
    layout.reset();
    title.reset();
    for (Block* block : {&rights, &verification_intro, &anti_fraud}) {
      if (block->surface != nullptr) cairo_surface_destroy(block->surface);
    }
    if (cr != nullptr) cairo_destroy(cr);
    if (surface != nullptr) cairo_surface_destroy(surface);
  }

  Layout MakeLayout(const std::string& markup, const PangoFontDescription* font, double width,
                    PangoAlignment alignment = PANGO_ALIGN_LEFT) {
    Layout made(pango_cairo_create_layout(cr));
    pango_layout_set_wrap(made.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_font_description(made.get(), font);
    pango_layout_set_width(made.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_alignment(made.get(), alignment);
    pango_layout_set_markup(made.get(), markup.c_str(), static_cast<int>(markup.size()));
    return made;
  }

  // Records `layouts` one below the other, `spacing` apart, `width` wide.
  Block Record(const std::vector<Layout>& layouts, double width, double spacing) {
    double height = 0;
    for (const Layout& item : layouts) {
      int item_height = 0;
      pango_layout_get_size(item.get(), nullptr, &item_height);
      height += static_cast<double>(item_height) / PANGO_SCALE + spacing;
    }
    cairo_rectangle_t extents{0, 0, width, height};
    Block block{cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents), height};
    cairo_t* recorder = cairo_create(block.surface);
    cairo_set_source_rgb(recorder, 0, 0, 0);
    double y = 0;
    for (const Layout& item : layouts) {
      cairo_move_to(recorder, 0, y);
      pango_cairo_show_layout(recorder, item.get());
      int item_height = 0;
      pango_layout_get_size(item.get(), nullptr, &item_height);
      y += static_cast<double>(item_height) / PANGO_SCALE + spacing;
    }
    cairo_destroy(recorder);
    return block;
  }

  double Show(const Block& block, double x, double y, double spacing_after = 0) {
    cairo_save(cr);
    cairo_set_source_surface(cr, block.surface, x, y);
    cairo_paint(cr);
    cairo_restore(cr);
    return y + block.height + spacing_after;
  }

  // Draws a laid-out block at (x, y); returns the y below it plus `spacing_after`.
  double Show(PangoLayout* block, double x, double y, double spacing_after = 0) {
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, block);
    int height = 0;
    pango_layout_get_size(block, nullptr, &height);
    return y + static_cast<double>(height) / PANGO_SCALE + spacing_after;
  }

  // Lays out page-specific markup in the shared layout and draws it.
  double Draw(double x, double y, double width, const std::string& markup,
              const PangoFontDescription* font, PangoAlignment alignment = PANGO_ALIGN_LEFT,
              double spacing_after = 0) {
    pango_layout_set_font_description(layout.get(), font);
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_alignment(layout.get(), alignment);
    pango_layout_set_markup(layout.get(), markup.c_str(), static_cast<int>(markup.size()));
    return Show(layout.get(), x, y, spacing_after);
  }

  // The QR code of `text` with its quiet zone in a square of side `side` at (x, y): libqrencode's
  // module matrix becomes an image of one pixel per module, painted with the nearest-pixel
  // filter (PDF /Interpolate false), so every module prints as a sharp square at any
  // resolution. Drawing the modules as rectangles looks the same but cost 40% of the time and
  // half the bytes of a page in the batch benchmark.
  Status DrawQr(double x, double y, double side, const std::string& text) {
    QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == nullptr) return Internal("qr: cannot encode '" + text + "': " + std::strerror(errno));
    const int width = qr->width;
    const int pixels = width + 2 * kQrQuietModules;
    cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pixels, pixels);
    if (cairo_surface_status(image) != CAIRO_STATUS_SUCCESS) {
      QRcode_free(qr);
      cairo_surface_destroy(image);
      return Internal("qr: cannot allocate the image");
    }
    cairo_surface_flush(image);
    unsigned char* data = cairo_image_surface_get_data(image);
    const int stride = cairo_image_surface_get_stride(image);
    for (int row = 0; row < pixels; ++row) {
      auto* line = reinterpret_cast<uint32_t*>(data + static_cast<ptrdiff_t>(row) * stride);
      for (int column = 0; column < pixels; ++column) {
        int module_row = row - kQrQuietModules;
        int module_column = column - kQrQuietModules;
        bool dark = module_row >= 0 && module_row < width && module_column >= 0 &&
                    module_column < width && (qr->data[module_row * width + module_column] & 1);
        line[column] = dark ? 0x000000 : 0xFFFFFF;
      }
    }
    QRcode_free(qr);
    cairo_surface_mark_dirty(image);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, side / pixels, side / pixels);
    cairo_set_source_surface(cr, image, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(image);
    return Status::Ok();
  }
};

SummonsPdfWriter::SummonsPdfWriter(std::unique_ptr<Impl> impl, std::filesystem::path out,
                                   std::filesystem::path partial)
    : impl_(std::move(impl)), out_(std::move(out)), partial_(std::move(partial)) {}

SummonsPdfWriter::~SummonsPdfWriter() {
  if (finished_) return;
  impl_.reset();  // closes the surface first
  std::error_code ignored;
  std::filesystem::remove(partial_, ignored);
}

Result<std::unique_ptr<SummonsPdfWriter>> SummonsPdfWriter::Create(const std::filesystem::path& out,
                                                                   PdfOptions options) {
  std::filesystem::path directory = out.parent_path().empty() ? "." : out.parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return InvalidArgument("out: no directory " + directory.string());
  }
  std::filesystem::path partial = out;
  partial += ".partial";
  // The writer exists from the moment the partial file does, so every early return below
  // removes that file again.
  std::unique_ptr<SummonsPdfWriter> writer(
      new SummonsPdfWriter(std::make_unique<Impl>(), out, partial));
  Impl* impl = writer->impl_.get();
  impl->surface = cairo_pdf_surface_create(partial.c_str(), kPageWidth, kPageHeight);
  if (cairo_surface_status(impl->surface) != CAIRO_STATUS_SUCCESS) {
    return Internal("pdf " + partial.string() + ": " +
                    cairo_status_to_string(cairo_surface_status(impl->surface)));
  }
  cairo_pdf_surface_set_metadata(impl->surface, CAIRO_PDF_METADATA_TITLE, "Повестки");
  cairo_pdf_surface_set_metadata(impl->surface, CAIRO_PDF_METADATA_CREATOR, "Muster");
  impl->cr = cairo_create(impl->surface);
  const std::string& family = options.font_family;
  impl->title_font = MakeFont(family, 20, true);
  impl->heading_font = MakeFont(family, 11, true);
  impl->body_font = MakeFont(family, 10.5, false);
  impl->small_font = MakeFont(family, 8, false);
  impl->code_font = MakeFont(options.monospace_family, 17, true);
  impl->layout.reset(pango_cairo_create_layout(impl->cr));
  pango_layout_set_wrap(impl->layout.get(), PANGO_WRAP_WORD_CHAR);
  for (const Font* font : {&impl->body_font, &impl->code_font}) {
    RETURN_IF_ERROR(CheckFontInstalled(pango_layout_get_context(impl->layout.get()), font->get()));
  }
  impl->title =
      impl->MakeLayout("ПОВЕСТКА", impl->title_font.get(), kTextWidth, PANGO_ALIGN_CENTER);
  {
    std::vector<Layout> rights;
    rights.push_back(impl->MakeLayout("Ваши права", impl->heading_font.get(), kTextWidth));
    std::string_view text = options.rights_text;
    while (!text.empty()) {  // one layout per paragraph, so paragraphs are spaced apart
      size_t end = text.find('\n');
      std::string_view paragraph = text.substr(0, end);
      if (!paragraph.empty()) {
        rights.push_back(impl->MakeLayout(Markup(paragraph), impl->body_font.get(), kTextWidth));
      }
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    impl->rights = impl->Record(rights, kTextWidth, 4);
    std::vector<Layout> intro;
    intro.push_back(
        impl->MakeLayout("Проверка подлинности", impl->heading_font.get(), kVerificationTextWidth));
    intro.push_back(impl->MakeLayout(
        "Отсканируйте QR-код или откройте " + Markup(options.verify_base_url) + " и введите код:",
        impl->body_font.get(), kVerificationTextWidth));
    impl->verification_intro = impl->Record(intro, kVerificationTextWidth, 3);
    std::vector<Layout> anti_fraud;
    anti_fraud.push_back(impl->MakeLayout("<b>" + Markup(kAntiFraudRu) + "</b>",
                                          impl->body_font.get(), kVerificationTextWidth));
    impl->anti_fraud = impl->Record(anti_fraud, kVerificationTextWidth, 0);
  }
  impl->options = std::move(options);
  return writer;
}

Status SummonsPdfWriter::AddPage(const SignedSummons& summons) {
  Impl& page = *impl_;
  const PdfOptions& options = page.options;
  const SummonsDocument& document = summons.document;
  const std::string what = "summons " + std::to_string(document.summons_id);
  auto appearance = FormatLocalDateTime(document.appearance_at, document.time_zone);
  auto issued = FormatLocalDateTime(document.issued_at, document.time_zone);
  if (!appearance.ok()) return appearance.status().WithContext(what);
  if (!issued.ok()) return issued.status().WithContext(what);
  // "04.05.2026 09:00" → date and time apart.
  const std::string appearance_date = appearance->substr(0, 10);
  const std::string appearance_time = appearance->substr(11);

  std::string office = document.office;
  if (auto region = RegionOfOffice(document.office, "office"); region.ok()) {
    office += " — " + std::string((*region)->name_ru);
  }
  std::string full_name = document.family_name + " " + document.given_name;
  if (!document.patronymic.empty()) full_name += " " + document.patronymic;
  auto basis = options.legal_basis_texts.find(document.legal_basis);
  const std::string& legal_basis =
      basis == options.legal_basis_texts.end() ? document.legal_basis : basis->second;

  cairo_t* cr = page.cr;
  cairo_set_source_rgb(cr, 0, 0, 0);
  const double x = kMargin;
  double y = kMargin;
  y = page.Draw(x, y, kTextWidth, Markup(options.authority) + "\n<b>" + Markup(office) + "</b>",
                page.body_font.get(), PANGO_ALIGN_LEFT, 14);
  y = page.Show(page.title.get(), x, y, 2);
  y = page.Draw(x, y, kTextWidth,
                "№ " + std::to_string(document.summons_id) + " от " + Markup(issued->substr(0, 10)),
                page.body_font.get(), PANGO_ALIGN_CENTER, 16);
  y = page.Draw(x, y, kTextWidth,
                "Гражданин <b>" + Markup(full_name) + "</b>, " +
                    Markup(FormatRussianDate(document.birth_date)) + " года рождения",
                page.body_font.get(), PANGO_ALIGN_LEFT, 10);
  y = page.Draw(x, y, kTextWidth,
                "Вам надлежит явиться <b>" + Markup(appearance_date) + " к " +
                    Markup(appearance_time) + "</b> (местное время) по адресу: <b>" +
                    Markup(document.place) + "</b>.\nЦель вызова: " + Markup(document.purpose) +
                    ".",
                page.body_font.get(), PANGO_ALIGN_LEFT, 10);
  y = page.Draw(x, y, kTextWidth, "Основание: " + Markup(legal_basis) + ".", page.body_font.get(),
                PANGO_ALIGN_LEFT, 14);
  y = page.Show(page.rights, x, y, 14);

  // Verification: the QR code on the left, the code and instructions beside it.
  cairo_set_line_width(cr, 0.6);
  cairo_move_to(cr, x, y);
  cairo_line_to(cr, x + kTextWidth, y);
  cairo_stroke(cr);
  y += 8;
  const std::string url = VerificationUrl(options, summons.verification_code);
  RETURN_IF_ERROR(page.DrawQr(x, y, kQrSide, url).WithContext(what));
  const double text_x = x + kQrSide + kQrGap;
  double text_y = y + 4;
  text_y = page.Show(page.verification_intro, text_x, text_y, 1);
  text_y = page.Draw(text_x, text_y, kVerificationTextWidth, Markup(summons.verification_code),
                     page.code_font.get(), PANGO_ALIGN_LEFT, 4);
  text_y = page.Show(page.anti_fraud, text_x, text_y);
  y = std::max(y + kQrSide, text_y) + 10;
  y = page.Draw(x, y, kTextWidth,
                "Документ подписан электронной подписью Ed25519, ключ " +
                    Markup(summons.signature.key_id) +
                    ". Версия правил: " + Markup(document.profile_version) + ". Выдан " +
                    Markup(*issued) + " (местное время).",
                page.small_font.get(), PANGO_ALIGN_LEFT, 0);
  if (y > kPageHeight - kMargin / 2) {
    return InvalidArgument(what +
                           ": text does not fit on one A4 page (place, purpose or rights "
                           "text too long)");
  }
  cairo_show_page(cr);
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return Internal("pdf: " + std::string(cairo_status_to_string(cairo_status(cr))));
  }
  ++pages_;
  return Status::Ok();
}

Status SummonsPdfWriter::Finish() {
  if (finished_) return Status::Ok();
  cairo_surface_finish(impl_->surface);
  cairo_status_t status = cairo_surface_status(impl_->surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return Internal("pdf " + partial_.string() + ": " + cairo_status_to_string(status));
  }
  std::error_code error;
  std::filesystem::rename(partial_, out_, error);
  if (error) return Internal("pdf " + out_.string() + ": " + error.message());
  finished_ = true;
  return Status::Ok();
}

Status RenderSummonsPdf(std::span<const SignedSummons> summonses, const std::filesystem::path& out,
                        const PdfOptions& options,
                        const std::function<void(int64_t, int64_t)>& progress) {
  ASSIGN_OR_RETURN(auto writer, SummonsPdfWriter::Create(out, options));
  const auto total = static_cast<int64_t>(summonses.size());
  for (const SignedSummons& summons : summonses) {
    RETURN_IF_ERROR(writer->AddPage(summons));
    if (progress) progress(writer->pages(), total);
  }
  return writer->Finish();
}

Status RenderStoredSummonsPdf(Connection& connection, std::span<const SummonsId> summons_ids,
                              const std::filesystem::path& out, const PdfOptions& options,
                              const std::function<void(int64_t, int64_t)>& progress) {
  ASSIGN_OR_RETURN(auto writer, SummonsPdfWriter::Create(out, options));
  const auto total = static_cast<int64_t>(summons_ids.size());
  for (SummonsId summons_id : summons_ids) {
    ASSIGN_OR_RETURN(SignedSummons summons, LoadSignedSummons(connection, summons_id));
    RETURN_IF_ERROR(writer->AddPage(summons));
    if (progress) progress(writer->pages(), total);
  }
  return writer->Finish();
}

}  // namespace muster
