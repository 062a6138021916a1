// ResponseStream: an answer sent in chunks while its handler is still producing it, each chunk
// only once the access-journal entries that cover it are committed.
//
// DESIGN.md §2 (due process): no personal data leaves before its access is on record. Whole
// answers keep that rule by journalling before they are sent (HttpServer::Handle); a streamed
// answer keeps it chunk by chunk. A kStreaming route's handler runs on the server's blocking
// pool and gets a ResponseStream (RouteRequest::stream). It may answer whole, like any other
// handler — it returns the response without calling Begin, which is how errors found before
// the first byte stay problem+json answers — or stream:
//
//   stream.Begin(head);        // status and header fields; nothing is sent yet
//   stream.Journal(entries);   // appended to the journal now; the chunks written after this
//                              // call wait until these entries (and all before) are committed
//   stream.Write(lines);       // queued; an error means the stream failed: stop
//   …
//   return head;               // a 2xx status: complete; any other: the stream failed
//
// The connection's coroutine takes what may be sent (Take) and waits while nothing may
// (NotifyWhenReady). It sends the head together with the first chunk that may go, so a journal
// failure before that still answers with a problem; after it, a failure ends the connection
// without HTTP's terminating chunk (the client cannot mistake the answer for complete), and
// nothing written after a journal entry that failed is ever sent. The stream is complete only
// once every entry journalled through it is committed.
//
// Every method is thread-safe. The journal's callbacks hold the stream by shared_ptr, so it
// outlives its last commit; create it with std::make_shared.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/access_journal.h"
#include "common/status.h"
#include "http/problem.h"

namespace muster::http {

class ResponseStream : public std::enable_shared_from_this<ResponseStream> {
 public:
  // Appends entries to the access journal; `done` runs (on any thread) once they are
  // committed or could not be. The server's is AccessJournal::Append; tests inject their own.
  using JournalAppend = std::function<void(std::vector<access::AccessEntry> entries,
                                           access::AccessJournal::Done done)>;

  explicit ResponseStream(JournalAppend journal) : journal_(std::move(journal)) {}
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;

  // ---- The handler's side (the blocking pool) ----

  // Starts a streamed answer with `head`'s status and header fields; its body and any
  // Content-Length are ignored. Call once, before Write.
  void Begin(Response head);
  // Appends `entries` to the access journal. The chunks written after this call are sent only
  // once these entries and every entry journalled before are committed. The stream's error if
  // it has already failed (nothing is appended then).
  Status Journal(std::vector<access::AccessEntry> entries);
  // Queues `chunk` (copied) behind the journal entries appended so far. The stream's error if
  // it has failed — a journal commit failed or the client went away: the handler should stop
  // and return that error.
  Status Write(std::string_view chunk);

  // ---- The server's side (the connection's coroutine) ----

  struct Step {
    enum class Kind {
      kWhole,   // the handler answered without Begin: `response` is the answer
      kChunks,  // `chunks` may be sent now (and `head`, the first time)
      kFailed,  // the stream failed; `response` is the problem to send if nothing has been
    };
    Kind kind = Kind::kChunks;
    // kChunks: what was written between two Journal calls (may be empty), in order.
    std::string chunks;
    bool complete = false;  // kChunks: nothing follows — send the terminating chunk
    std::optional<Response> head;  // kChunks: the head, in the first kChunks step only
    Response response;             // kWhole, kFailed
  };
  // The handler returned `returned` (its whole answer if it never called Begin).
  void Finish(Response returned);
  // The client is gone (or the server is stopping): Journal and Write fail from now on.
  void Cancel(Status reason);
  // What the server may do next, or nullopt while it must wait. kFailed comes only once the
  // handler has returned and every journal append has completed, so the stream may be
  // dropped after it.
  std::optional<Step> Take();
  // Runs `wake` (once, on whichever thread makes it so, possibly this one) when Take would
  // return a step. One waiter at a time.
  void NotifyWhenReady(std::function<void()> wake);

 private:
  // Bytes written after `journalled_before` Journal calls.
  struct Pending {
    std::string bytes;
    uint64_t journalled_before = 0;
  };
  enum class Commit : uint8_t { kWaiting, kCommitted, kFailed };

  bool ReadyLocked() const;
  bool FailedLocked() const { return failure_.has_value() || handler_failed_; }
  // Called with mutex_ held (and releases it): runs the waiter if Take would now answer.
  void WakeIfReady(std::unique_lock<std::mutex>& lock);
  void Committed(uint64_t index, const Status& status);

  const JournalAppend journal_;
  mutable std::mutex mutex_;
  bool begun_ = false;                 // guarded by mutex_
  std::optional<Response> head_;       // guarded by mutex_: until the server takes it
  std::deque<Pending> pending_;        // guarded by mutex_
  std::vector<Commit> commits_;        // guarded by mutex_: one per Journal call
  uint64_t committed_prefix_ = 0;      // guarded by mutex_: commits_[0, n) are all committed
  uint64_t resolved_ = 0;              // guarded by mutex_: commits no longer waiting
  std::optional<Status> failure_;      // guarded by mutex_: the first journal failure or Cancel
  bool finished_ = false;              // guarded by mutex_
  bool handler_failed_ = false;        // guarded by mutex_: began, then returned a non-2xx
  Response returned_;                  // guarded by mutex_
  std::function<void()> wake_;         // guarded by mutex_
};

}  // namespace muster::http
