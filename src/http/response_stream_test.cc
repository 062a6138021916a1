#include "http/response_stream.h"

#include <gtest/gtest.h>

namespace muster::http {
namespace {

using Kind = ResponseStream::Step::Kind;

// A journal that commits when the test says so, entry batch by entry batch.
struct FakeJournal {
  std::vector<access::AccessJournal::Done> waiting;
  ResponseStream::JournalAppend Append() {
    return [this](std::vector<access::AccessEntry>, access::AccessJournal::Done done) {
      waiting.push_back(std::move(done));
    };
  }
  void Complete(size_t index, Status status) { waiting.at(index)(std::move(status)); }
};

std::vector<access::AccessEntry> OneEntry() { return {access::AccessEntry{.action = "check"}}; }

Response Head() {
  Response head{beast_http::status::ok, 11};
  head.set(beast_http::field::content_type, "application/x-ndjson");
  return head;
}

TEST(ResponseStreamTest, EachChunkWaitsForTheJournalEntriesBeforeIt) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  stream->Begin(Head());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  ASSERT_TRUE(stream->Write("a\n").ok());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  ASSERT_TRUE(stream->Write("b\n").ok());
  EXPECT_FALSE(stream->Take()) << "nothing may go before the first entry is committed";

  journal.Complete(1, Status::Ok());
  EXPECT_FALSE(stream->Take()) << "the second entry alone covers nothing that may go";
  journal.Complete(0, Status::Ok());
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Kind::kChunks);
  EXPECT_EQ(step->chunks, "a\n") << "one journalled chunk per step";
  ASSERT_TRUE(step->head) << "the head goes with the first chunk";
  EXPECT_EQ(step->head->result_int(), 200u);
  EXPECT_FALSE(step->complete) << "the handler has not returned";
  step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->chunks, "b\n");
  EXPECT_FALSE(step->head);

  ASSERT_TRUE(stream->Write("{\"summary\":{}}\n").ok());
  stream->Finish(Head());
  step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->chunks, "{\"summary\":{}}\n");
  EXPECT_FALSE(step->head);
  EXPECT_TRUE(step->complete);
}

TEST(ResponseStreamTest, NothingWrittenAfterAFailedEntryIsEverSent) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  stream->Begin(Head());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  ASSERT_TRUE(stream->Write("a\n").ok());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  ASSERT_TRUE(stream->Write("b\n").ok());
  journal.Complete(0, Status::Ok());
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->chunks, "a\n");

  journal.Complete(1, Internal("disk full"));
  EXPECT_EQ(stream->Write("c\n").code(), StatusCode::kUnavailable) << "the handler must stop";
  EXPECT_EQ(stream->Journal(OneEntry()).code(), StatusCode::kUnavailable);
  EXPECT_EQ(journal.waiting.size(), 2u) << "nothing more is appended";
  EXPECT_FALSE(stream->Take()) << "failed, but the handler still runs";
  stream->Finish(Response{beast_http::status::service_unavailable, 11});
  step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Kind::kFailed);
  EXPECT_TRUE(step->chunks.empty());
  EXPECT_EQ(step->response.result_int(), 503u);
  EXPECT_EQ(step->response[beast_http::field::content_type], "application/problem+json");
  EXPECT_EQ(step->response.body().find("disk full"), std::string::npos)
      << "the store's message stays on the server";
}

TEST(ResponseStreamTest, AnAnswerGivenWithoutBeginIsWhole) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  EXPECT_FALSE(stream->Take());
  stream->Finish(Response{beast_http::status::bad_request, 11});
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Kind::kWhole);
  EXPECT_EQ(step->response.result_int(), 400u);
}

TEST(ResponseStreamTest, AHandlerErrorAfterBeginFailsTheStreamWithItsProblem) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  stream->Begin(Head());
  stream->Finish(Response{beast_http::status::bad_request, 11});
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Kind::kFailed);
  EXPECT_EQ(step->response.result_int(), 400u);
}

TEST(ResponseStreamTest, CompleteOnlyOnceEveryEntryIsCommitted) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  stream->Begin(Head());
  ASSERT_TRUE(stream->Write("unknown ids only\n").ok());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  stream->Finish(Head());
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->chunks, "unknown ids only\n") << "written before any entry: free to go";
  EXPECT_FALSE(step->complete);
  EXPECT_FALSE(stream->Take());
  journal.Complete(0, Status::Ok());
  step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_TRUE(step->chunks.empty());
  EXPECT_TRUE(step->complete);
}

TEST(ResponseStreamTest, TheWaiterIsWokenOnceWhenAStepIsReady) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  int wakes = 0;
  stream->Begin(Head());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  stream->NotifyWhenReady([&wakes] { ++wakes; });
  ASSERT_TRUE(stream->Write("a\n").ok());
  EXPECT_EQ(wakes, 0);
  journal.Complete(0, Status::Ok());
  EXPECT_EQ(wakes, 1);
  ASSERT_TRUE(stream->Write("b\n").ok());
  EXPECT_EQ(wakes, 1) << "woken once per NotifyWhenReady";
  stream->NotifyWhenReady([&wakes] { ++wakes; });
  EXPECT_EQ(wakes, 2) << "already ready: at once";
}

TEST(ResponseStreamTest, ACancelledStreamFailsTheHandlersNextWrite) {
  FakeJournal journal;
  auto stream = std::make_shared<ResponseStream>(journal.Append());
  stream->Begin(Head());
  ASSERT_TRUE(stream->Journal(OneEntry()).ok());
  stream->Cancel(Unavailable("client: gone"));
  EXPECT_FALSE(stream->Write("a\n").ok());
  stream->Finish(Response{beast_http::status::service_unavailable, 11});
  EXPECT_FALSE(stream->Take()) << "the journal still holds a callback into the stream";
  journal.Complete(0, Status::Ok());
  std::optional<ResponseStream::Step> step = stream->Take();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Kind::kFailed);
}

}  // namespace
}  // namespace muster::http
