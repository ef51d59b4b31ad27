// COPY text format, written directly: the PostgreSQL adapter's fast path for bulk writes. Values are
// formatted once into lines of COPY's text format (tab-separated, backslash escapes) and sent in
// large chunks, instead of converting and escaping field by field. Internal to the postgres adapter.
//
// Threading: plain functions; a ChunkedLines is used by one thread at a time.
#pragma once

#include <charconv>
#include <cstdint>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <string>
#include <string_view>
#include <vector>

#include "core/timestamp.h"
#include "model/price.h"

namespace nifty::store::copy_format {

// COPY data goes to the server in messages of about this size (whole lines each).
inline constexpr size_t kCopyChunkBytes = 256 * 1024;

inline void append_digits(std::string& out, uint64_t v, int min_width) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  for (int pad = min_width - static_cast<int>(end - buf); pad > 0; --pad) out.push_back('0');
  out.append(buf, end);
}

inline void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Paise as rupees with two decimals: -12345 -> "-123.45".
inline void append_price(std::string& out, model::Price p) {
  int64_t paise = p.paise();
  uint64_t mag = paise < 0 ? 0 - static_cast<uint64_t>(paise) : static_cast<uint64_t>(paise);
  if (paise < 0) out.push_back('-');
  append_digits(out, mag / 100, 1);
  out.push_back('.');
  append_digits(out, mag % 100, 2);
}

// Unix seconds as "YYYY-MM-DD HH:MM:SS+00".
inline void append_utc_time(std::string& out, int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  core::Date d = core::Date::from_days_since_epoch(days);
  append_digits(out, static_cast<uint64_t>(d.year), 4);
  out.push_back('-');
  append_digits(out, static_cast<uint64_t>(d.month), 2);
  out.push_back('-');
  append_digits(out, static_cast<uint64_t>(d.day), 2);
  out.push_back(' ');
  append_digits(out, static_cast<uint64_t>(secs / 3600), 2);
  out.push_back(':');
  append_digits(out, static_cast<uint64_t>(secs / 60 % 60), 2);
  out.push_back(':');
  append_digits(out, static_cast<uint64_t>(secs % 60), 2);
  out.append("+00");
}

// Text with COPY's text-format escapes for the characters it gives a meaning to.
inline void append_copy_text(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\\': out.append("\\\\"); break;
      case '\t': out.append("\\t"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      default: out.push_back(ch);
    }
  }
}

// Lines collected into chunks of about kCopyChunkBytes; a chunk holds whole lines separated by
// '\n', without a final one (the COPY writer ends each chunk with it).
class ChunkedLines {
 public:
  // Starts a new line; the caller appends its fields to the returned string.
  std::string& next_line() {
    if (chunks_.empty() || chunks_.back().size() >= kCopyChunkBytes) {
      chunks_.emplace_back();
      chunks_.back().reserve(kCopyChunkBytes + 1024);
    } else {
      chunks_.back().push_back('\n');
    }
    return chunks_.back();
  }
  bool empty() const { return chunks_.empty(); }
  const std::vector<std::string>& chunks() const { return chunks_; }

 private:
  std::vector<std::string> chunks_;
};

// COPYs `chunks` (see ChunkedLines) into `columns` of `table` within `tx`.
inline void copy_lines(pqxx::transaction_base& tx, const std::string& table, const std::vector<std::string>& columns,
                       const std::vector<std::string>& chunks) {
  // tablewriter is deprecated in favour of stream_to, which converts and escapes field by field;
  // ours are formatted and escaped above, and tablewriter is libpqxx 6's way to send them as they are.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter writer(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  for (const std::string& chunk : chunks) writer.write_raw_line(chunk);
  writer.complete();
}


}  // namespace nifty::store::copy_format
